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


def test_the_issue_multirun_of_design_years_and_a_measure(tmp_path):
    """hydrology=p50,p95 × sponge-city coverage 0, 0.3, 0.6 (0: the baseline) -> one sweep.nc."""
    from conftest import DATA

    pack = DATA / "measures_pack"
    base = ["-m", f"region={pack}", "time.start=2020-01", "time.end=2021-12", "report=none"]
    # the issue's literal form: the job with measures=[] has no sponge_city to set
    bad = run_cli(
        *base, "hydrology=p50,p95", "measures=[],[sponge_city]", "measures.sponge_city.coverage=0.3,0.6",
        f"hydra.sweep.dir={tmp_path / 'bad'}", cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        (
            "error: config key 'measures.sponge_city.coverage': the run with measures=[] has no sponge_city to set; "
            "keep sponge_city in every choice and sweep from 0 instead (a coverage of 0 is the baseline), e.g. "
            "'measures=[sponge_city]' measures.sponge_city.coverage=0,0.3,0.6"
        )
    ]
    assert not (tmp_path / "bad").exists()
    # what it means, as the message says
    sweep = tmp_path / "good"
    good = run_cli(
        *base, "hydrology=p50,p95", "measures=[sponge_city]", "measures.sponge_city.start_year=2020",
        "measures.sponge_city.coverage=0,0.3,0.6", "comparison.attribution=none", f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )  # fmt: skip
    assert good.returncode == 0, good.stderr
    with xr.open_dataset(sweep / "sweep.nc") as ds:
        assert ds.attrs["jobs"] == 6
        assert list(ds["hydrology"].values) == ["p50", "p95"]
        saved = ds["consumption_saving"].sel(scenario="scenario", year=2021)
        saved = saved.sum(("unit", "sector", "sample"), skipna=False)
        # each design year keeps its own guarantee rate along `frequency` (NaN at the other's)
        saved = saved.max("frequency").transpose("hydrology", "measures.sponge_city.coverage").values
        assert np.isfinite(saved).all()
        assert np.all(saved[:, 0] == 0.0)  # coverage 0 is the baseline, bit for bit
        assert np.all(saved[:, 2] > saved[:, 1]) and np.all(saved[:, 1] > 0)
