"""The sweep job of the command line: files, the closing line, sensitivity, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from conftest import DATA, run_cli

PACK = str(DATA / "measures_pack")
BASE = [f"region={PACK}", "time.start=2020-01", "time.end=2021-12", "report=none"]


def test_grid_sweep_writes_sweep_nc_and_the_design(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(
        *BASE,
        "measures=[household_saving]",
        "++measures.household_saving.start_year=2020",
        "sweep.method=grid",
        "+sweep.parameters={measures.household_saving.coverage:[0.2,0.5,0.8],hydrology.runoff_factor:[0.9,1.0]}",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("sweep: 6 points in ") and last.endswith(str(out / "sweep.nc"))
    with xr.open_dataset(out / "sweep.nc") as ds:
        assert ds.sizes["sweep"] == 6
        cov = ds["measures.household_saving.coverage"].values
        np.testing.assert_array_equal(cov, [0.2, 0.2, 0.5, 0.5, 0.8, 0.8])
        saved = ds["withdrawal_saving"].sel(scenario="scenario", year=2021).sum(("unit", "sector", "sample"))
        # more coverage saves more, at either runoff factor
        assert np.all(np.diff(saved.values[::2]) > 0) and np.all(np.diff(saved.values[1::2]) > 0)
    design = pd.read_csv(out / "sweep_points.csv")
    assert list(design.columns) == ["sweep", "measures.household_saving.coverage", "hydrology.runoff_factor"]
    assert len(design) == 6


def test_morris_sweep_writes_sensitivity(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(
        *BASE,
        "measures=[household_saving]",
        "++measures.household_saving.start_year=2020",
        "sweep.method=morris",
        "sweep.n=4",
        "sweep.outputs=[withdrawal_saving,total_cost]",
        "+sweep.parameters={measures.household_saving.coverage:[0.2,0.8],measures.household_saving.saving:[0.05,0.2],hydrology.runoff_factor:[0.9,1.1]}",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    with xr.open_dataset(out / "sensitivity.nc") as sens:
        mu_star = sens["mu_star"].sel(output="total_cost")
        # the cost depends on coverage only (not on the saving per person or on runoff)
        assert float(mu_star.sel(parameter="measures.household_saving.coverage")) > 0
        assert float(mu_star.sel(parameter="measures.household_saving.saving")) == 0
        assert float(mu_star.sel(parameter="hydrology.runoff_factor")) == 0
    assert (out / "sensitivity.csv").is_file()


def test_unknown_sweep_key_exits_2_with_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(
        *BASE,
        "measures=[household_saving]",
        "sweep.method=grid",
        "+sweep.parameters={measures.household_saving.coverag:[0.2,0.5]}",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert err[-1] == (
        "error: config key 'sweep.parameters.measures.household_saving.coverag': no such config key; "
        "did you mean 'measures.household_saving.coverage'?"
    )
    assert "Traceback" not in proc.stderr
    assert not (out / "sweep.nc").exists() and not (out / "sweep_points.csv").exists()
