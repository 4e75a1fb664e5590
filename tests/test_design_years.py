"""Design years: P-III factors from the pack's hydrology.csv, runs along `frequency`, errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import DATA, run_cli
from csvedit import edit

from sim.core import _as_config, build_inputs, simulate
from sim.errors import InputError
from sim.hydrology.design import design_factors
from sim.hydrology.statistics import load_statistics
from sim.pack import load_pack

PACK = DATA / "measures_pack"
TIME = {"start": "2020-01", "end": "2021-12"}
DESIGN = {"name": "design", "frequencies": [0.5, 0.75, 0.95]}


def test_factors_reproduce_the_worked_example():
    # methods.md §4: Cv 0.25, Cs 0.50 (= 2 Cv), P = 95 % -> K_P 0.63 (table value)
    stats = load_statistics(load_pack(str(PACK)))
    f = design_factors(stats, [0.95])
    assert float(f["precipitation"].sel(unit="a", frequency=0.95)) == pytest.approx(0.63, abs=0.005)
    # unit b's runoff has Cv 0.25 too (its own row), unit a's 0.5
    assert float(f["runoff"].sel(unit="b", frequency=0.95)) == pytest.approx(0.63, abs=0.005)
    assert float(f["runoff"].sel(unit="a", frequency=0.95)) < 0.4
    # elasticities: recharge follows precipitation 1:1, ET0 -0.1, transfer 0.5 of the inflow anomaly
    kp = float(f["precipitation"].sel(unit="a", frequency=0.95))
    ki = float(f["inflow"].sel(unit="a", frequency=0.95))
    assert float(f["recharge"].sel(unit="a", frequency=0.95)) == pytest.approx(kp)
    assert float(f["et0"].sel(unit="a", frequency=0.95)) == pytest.approx(1 - 0.1 * (kp - 1))
    assert float(f["transfer"].sel(unit="a", frequency=0.95)) == pytest.approx(1 + 0.5 * (ki - 1))


def test_design_years_scale_the_inputs_and_run_together():
    cfg = _as_config({"region": str(PACK), "time": TIME, "hydrology": DESIGN})
    pack = load_pack(str(PACK))
    inputs, _, _ = build_inputs(cfg, pack)
    plain, _, _ = build_inputs(_as_config({"region": str(PACK), "time": TIME}), pack)
    f = design_factors(load_statistics(pack), [0.5, 0.75, 0.95])
    np.testing.assert_allclose(
        inputs["runoff"].transpose("frequency", "time", "unit").values,
        (plain["runoff"] * f["runoff"]).transpose("frequency", "time", "unit").values,
    )
    np.testing.assert_allclose(
        inputs["groundwater_recharge"].transpose("frequency", "time", "unit").values,
        (plain["groundwater_recharge"] * f["recharge"]).transpose("frequency", "time", "unit").values,
    )
    # less rain and more ET0 in drier years: irrigation needs more
    irr = inputs["requirement"].sel(sector="irrigation").sum(("time", "unit"))
    assert float(irr.sel(frequency=0.5)) < float(irr.sel(frequency=0.75)) < float(irr.sel(frequency=0.95))
    ds = simulate({"region": str(PACK), "time": TIME, "hydrology": DESIGN})
    assert ds["delivery"].dims[:4] == ("scenario", "sample", "frequency", "time")
    assert list(ds.frequency.values) == [0.5, 0.75, 0.95]
    # P = 50 %: the median year of a positively skewed P-III is a little below the mean
    assert float(f["runoff"].sel(frequency=0.5, unit="a")) < 1.0


def test_measures_and_attribution_run_per_design_year():
    full = {"path": None, "area": None, "ramp": "linear", "start_year": 2020, "target_year": 2020}
    ds = simulate(
        {
            "region": str(PACK),
            "time": TIME,
            "hydrology": {"name": "design", "frequencies": [0.5, 0.95]},
            "measures": {
                "household_saving": {**full, "coverage": 1.0},
                "leakage_control": {**full, "coverage": 1.0},
            },
        }
    )
    assert "frequency" in ds["saving_shapley"].dims
    total = ds["saving_shapley"].sum("measure")
    np.testing.assert_allclose(total.values, ds["saving_combined"].values, atol=1e-12)


@pytest.mark.parametrize(
    ("row", "column", "value", "match"),
    [
        (2, "value", "0", r"hydrology.csv, row 2, column 'value': expected a Cv > 0"),
        (2, "value", "-0.3", r"row 2, column 'value': expected a Cv > 0"),
        (3, "variable", "snow", r"row 3, column 'variable': expected one of precipitation"),
        (5, "unit", "zz", r"row 5, column 'unit': no unit 'zz'"),
        (4, "status", "guess", r"row 4, column 'status'"),
    ],
)
def test_bad_hydrology_table_names_file_row_and_column(tmp_path, row, column, value, match):
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    edit(pack, "hydrology.csv", row, column, value)
    with pytest.raises(InputError, match=match) as err:
        simulate({"region": str(pack), "time": TIME, "hydrology": DESIGN})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("freqs", [[0.0], [1.0], [1.5], [], [0.5, 0.5]])
def test_bad_guarantee_rates_name_the_config_key(freqs):
    with pytest.raises(InputError, match=r"config key 'hydrology.frequencies'"):
        simulate({"region": str(PACK), "time": TIME, "hydrology": {"name": "design", "frequencies": freqs}})


def test_design_years_need_the_table(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    (pack / "hydrology.csv").unlink()
    with pytest.raises(InputError, match=r"design hydrology needs the pack.s hydrology.csv"):
        simulate({"region": str(pack), "time": TIME, "hydrology": DESIGN})


def test_cli_design_years_write_a_frequency_column(tmp_path):
    out = tmp_path / "run"
    r = run_cli(
        f"region={PACK}",
        "time.start=2020-01",
        "time.end=2020-12",
        "hydrology=design",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "design year P = 95% (very dry year" in r.stdout
    import pandas as pd

    frame = pd.read_csv(out / "summary.csv")
    assert sorted(frame["frequency"].unique()) == [0.5, 0.75, 0.95]
