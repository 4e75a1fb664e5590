"""A Hydra multirun is combined into sweep.nc, a dimension per swept override."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from conftest import TINY, run_cli

from sim.collect import collect, main


@pytest.fixture(scope="module")
def multirun(tmp_path_factory):
    root = tmp_path_factory.mktemp("mr")
    sweep = root / "sweep"
    r = run_cli(
        "-m", f"region={TINY}", "time.start=2022-01", "time.end=2022-12", "report=none",
        "hydrology.runoff_factor=0.5,1.0", "hydrology.name=mean", "run_name=a,b",
        f"hydra.sweep.dir={sweep}", cwd=root,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return sweep


def test_the_multirun_ends_with_sweep_nc(multirun):
    with xr.open_dataset(multirun / "sweep.nc") as ds:
        # runoff_factor and run_name vary; hydrology.name is the same in every job
        assert ds.attrs["swept"] == "hydrology.runoff_factor run_name"
        assert ds.attrs["jobs"] == 4
        assert list(ds["hydrology.runoff_factor"].values) == [0.5, 1.0]
        assert list(ds["run_name"].values) == ["a", "b"]
        # each point equals its own job's results
        for job in sorted(multirun.glob("[0-9]*")):
            over = (job / ".hydra" / "overrides.yaml").read_text()
            factor = 0.5 if "runoff_factor=0.5" in over else 1.0
            name = "a" if "run_name=a" in over else "b"
            with xr.open_dataset(job / "results.nc") as one:
                got = ds["delivery"].sel({"hydrology.runoff_factor": factor, "run_name": name})
                np.testing.assert_array_equal(got.values, one["delivery"].values)


def test_collect_never_overwrites_and_can_write_another_name(multirun, capsys):
    assert main([str(multirun)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([str(multirun), "--name", "again.nc"]) == 0
    assert "collected 4 jobs (swept: hydrology.runoff_factor run_name)" in capsys.readouterr().out
    with xr.open_dataset(multirun / "again.nc") as a, xr.open_dataset(multirun / "sweep.nc") as b:
        xr.testing.assert_identical(a["shortage"], b["shortage"])


def test_collect_of_a_folder_without_jobs(tmp_path):
    from sim.errors import InputError

    with pytest.raises(InputError, match="no job folder with results.nc"):
        collect(tmp_path)
