"""Industrial and household saving, leakage control, sponge city; GB/T 51345 capture ratio.

Hand numbers on ``tests/data/measures_pack`` (per unit: urban 50万 at 120 L/d with
leakage 0.15, rural 10万 at 60 L/d; industry 10亿元 × 20 m3/万元 with recycling 0.8;
green 1000 ha × 400 mm over April-October = 214 days; base year 2020, 2020 a leap year).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from csvedit import append

from sim.accounting import account, check_mass_balance
from sim.core import _as_config, build_inputs
from sim.engine import run_network
from sim.errors import InputError
from sim.hydrology.capture import capture_ratio, design_depth, synthetic_daily_rain
from sim.measures import default_options, load_measure
from sim.measures import sponge_city as sponge
from sim.measures.base import State
from sim.pack import load_pack
from sim.scenario import configured_measures, scenario_matrix

PACK = Path(__file__).resolve().parent / "data" / "measures_pack"
NAMES = ("industrial_saving", "household_saving", "leakage_control", "sponge_city")
ALWAYS = {"start_year": 2020, "target_year": 2020, "ramp": "linear"}
JAN20, JUL20, OCT20, DEC22 = "2020-01-01", "2020-07-01", "2020-10-01", "2022-12-01"


def build(measures: dict, region: Path = PACK) -> tuple[xr.Dataset, dict, dict]:
    """Inputs of the scenarios ``baseline`` (all off) and ``scenario`` (all on)."""
    cfg = _as_config(
        {"region": str(region), "time": {"start": "2020-01", "end": "2022-12"}, "measures": measures}
    )
    pack = load_pack(cfg.region)
    ms = configured_measures(cfg.measures)
    on = scenario_matrix([m.name for m in ms], [[0] * len(ms), [1] * len(ms)], ["baseline", "scenario"])
    return build_inputs(cfg, pack, ms, on)


def req(inputs: xr.Dataset, sector: str, time: str, unit: str = "a", scenario: str = "scenario") -> float:
    return float(inputs["requirement"].sel(scenario=scenario, sector=sector, time=time, unit=unit))


# ---- household saving and leakage control -----------------------------------------------------
def test_household_saving_hand_number():
    inputs, _, extents = build({"household_saving": {"coverage": 0.5, "saving": 0.17, **ALWAYS}})
    # (5e5 · 120 / 0.85 + 1e5 · 60) L/d · (1 − 0.5 · 0.17) · 31 d · 1e-9 = 2.1724253 hm3
    assert req(inputs, "domestic", JAN20) == pytest.approx(2.1724253, rel=1e-7)
    assert req(inputs, "domestic", JAN20, scenario="baseline") == pytest.approx(2.3742353, rel=1e-7)
    assert float(extents["household_saving"].sel(scenario="scenario", time=JAN20, unit="a")) == 300_000


def test_leakage_control_hand_number_and_composition():
    inputs, _, extents = build({"leakage_control": {"coverage": 0.5, "leakage_target": 0.09, **ALWAYS}})
    # leakage 0.15 − 0.5 · (0.15 − 0.09) = 0.12: (6e7 / 0.88 + 6e6) · 31e-9 = 2.2996364 hm3
    assert req(inputs, "domestic", JAN20) == pytest.approx(2.2996364, rel=1e-7)
    assert float(extents["leakage_control"].sel(scenario="scenario", time=JAN20, unit="b")) == 250_000
    both, _, _ = build(
        {
            "household_saving": {"coverage": 0.5, "saving": 0.17, **ALWAYS},
            "leakage_control": {"coverage": 1.0, "leakage_target": 0.09, **ALWAYS},
        }
    )
    # 0.915 · (6e7 / 0.91 + 6e6) · 31e-9 = 2.0404098 hm3
    assert req(both, "domestic", JAN20) == pytest.approx(2.0404098, rel=1e-7)


def test_leakage_below_target_is_unchanged():
    inputs, _, _ = build({"leakage_control": {"coverage": 1.0, "leakage_target": 0.2, **ALWAYS}})
    assert req(inputs, "domestic", JAN20) == req(inputs, "domestic", JAN20, scenario="baseline")


# ---- industrial saving ---------------------------------------------------------------------
INDUSTRY = {"high_use_share": 0.5, "high_use_water_share": 0.8, "growth_cap": 0.02, "compliance_gain": 0.4}


def test_industrial_recycling_hand_number():
    full, _, extents = build(
        {"industrial_saving": {"coverage": 1.0, "recycling_target": 0.94, **INDUSTRY, **ALWAYS}}
    )
    # 1e5 [1e4 yuan/a] · 20 [m3/1e4 yuan] · (1 − 0.94) / (1 − 0.8) = 6e5 m3/a; Jan 2020: · 31 / 366
    assert req(full, "industry", JAN20) == pytest.approx(0.6 * 31 / 366, rel=1e-12)
    assert float(extents["industrial_saving"].sel(scenario="scenario", time=JAN20, unit="a")) == 2e6
    half, _, _ = build(
        {"industrial_saving": {"coverage": 0.5, "recycling_target": 0.94, **INDUSTRY, **ALWAYS}}
    )
    # r' = 0.8 + 0.5 · 0.14 = 0.87: 2 hm3/a · 0.13 / 0.2 = 1.3 hm3/a
    assert req(half, "industry", JAN20) == pytest.approx(1.3 * 31 / 366, rel=1e-12)


def test_industrial_growth_cap_hand_number(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    append(pack, "drivers.csv", unit="*", item="industry", variable="value_added_growth", value="0.1",
           units="1/a", year="2020", status="estimate", reference="test")  # fmt: skip
    options = {"coverage": 1.0, "recycling_target": 0.8, **INDUSTRY, **ALWAYS}
    inputs, diagnostics, _ = build({"industrial_saving": options}, region=pack)
    # 2022 (2 years): VA = 1e5 · (0.5 · 1.1² + 0.5 · 1.02²) = 112520 [1e4 yuan/a]
    va = diagnostics["industry_value_added"].sel(scenario="scenario", time=DEC22, unit="a")
    assert float(va) == pytest.approx(112_520.0, rel=1e-12)
    # withdrawal 2e6 m3/a · (0.2 · 1.1² + 0.8 · 1.02²) = 2.14864e6 m3/a; Dec 2022: · 31 / 365
    assert req(inputs, "industry", DEC22) == pytest.approx(2.14864 * 31 / 365, rel=1e-12)
    assert req(inputs, "industry", DEC22, scenario="baseline") == pytest.approx(2.42 * 31 / 365, rel=1e-12)
    # the base year is not changed
    assert req(inputs, "industry", JAN20) == req(inputs, "industry", JAN20, scenario="baseline")


def test_industrial_compliance_moves_river_return_to_wastewater():
    inputs, _, _ = build(
        {"industrial_saving": {"coverage": 1.0, "recycling_target": 0.94, **INDUSTRY, **ALWAYS}}
    )
    rr = inputs["return_river"].sel(scenario="scenario", time=JAN20, unit="a")
    rw = inputs["return_wastewater"].sel(scenario="scenario", time=JAN20, unit="a")
    assert float(rr.sel(sector="industry")) == pytest.approx(0.5 * (1 - 0.4))
    assert float(rw.sel(sector="industry")) == pytest.approx(0.5 + 0.5 * 0.4)
    assert float(rr.sel(sector="domestic")) == 0.2 and float(rw.sel(sector="domestic")) == 0.8


# ---- sponge city ---------------------------------------------------------------------------
SPONGE = {
    "capture_ratio": 0.8,
    "runoff_coefficient": 0.55,
    "built_up_per_capita": 100,
    "to_green": 0.3,
    "to_recharge": 0.5,
    "to_reuse": 0.2,
    "green_watering_cut": 0.1,
}


def test_sponge_city_hand_numbers():
    inputs, _, extents = build({"sponge_city": {"coverage": 0.5, **SPONGE, **ALWAYS}})
    # A = 5e5 persons · 100 m2 = 5000 ha; V = 0.5 · 5000 ha · P · (0.8 − 0.45) · 1e-5 hm3/(mm ha)
    # July, unit a: P = 80 mm -> V = 0.7 hm3; unit b: P = 40 mm -> V = 0.35 hm3
    # green: 1000 ha · 400 mm · (1 − 0.5 · 0.1) · 1e-5 · 31 / 214 = 0.5504673 hm3, minus 0.3 V
    assert req(inputs, "urban", JUL20, "a") == pytest.approx(3.8 * 31 / 214 - 0.21, rel=1e-12)
    assert req(inputs, "urban", JUL20, "b") == pytest.approx(3.8 * 31 / 214 - 0.105, rel=1e-12)
    sel = {"scenario": "scenario", "time": JUL20, "unit": "a"}
    # recharge: 20 hm3/a · 31 / 366 + 0.5 V; harvested: 0 + 0.2 V
    assert float(inputs["groundwater_recharge"].sel(sel)) == pytest.approx(20 * 31 / 366 + 0.35, rel=1e-12)
    assert float(inputs["harvested"].sel(sel)) == pytest.approx(0.14, rel=1e-12)
    # January (P = 2 mm, V = 0.0175 hm3): no green requirement to cut, it stays 0
    assert req(inputs, "urban", JAN20) == 0.0
    jan = {**sel, "time": JAN20}
    assert float(inputs["harvested"].sel(jan)) == pytest.approx(0.2 * 0.0175, rel=1e-12)
    assert float(extents["sponge_city"].sel(sel)) == pytest.approx(2500.0)


def test_sponge_city_green_requirement_never_below_zero():
    options = {**SPONGE, "built_up_per_capita": 300, "to_green": 1.0, "to_recharge": 0.0, "to_reuse": 0.0}
    inputs, _, _ = build({"sponge_city": {"coverage": 1.0, **options, **ALWAYS}})
    # October, unit a: V = 15000 ha · 12 mm · 0.35e-5 = 0.63 hm3 > 3.6 · 31 / 214 = 0.52 hm3
    assert req(inputs, "urban", OCT20) == 0.0
    assert float(inputs["requirement"].min()) >= 0.0


def test_sponge_city_split_must_sum_to_one():
    with pytest.raises(InputError, match=r"measures\.sponge_city\.to_green.*sum to 1"):
        build({"sponge_city": {"coverage": 0.5, **SPONGE, "to_green": 0.5, **ALWAYS}})


def test_sponge_city_design_depth_and_storage():
    pack = load_pack(str(PACK))
    state = State(pack=pack, axis=xr.Dataset(), drivers=dict(pack.drivers), baseline_drivers=pack.drivers)
    depth = sponge.design_depth(state, SPONGE)
    assert depth.dims == ("unit",) and bool((depth > 2.0).all()) and bool((depth < 60.0).all())
    higher = sponge.design_depth(state, {**SPONGE, "capture_ratio": 0.9})
    assert bool((higher > depth).all())
    _, _, extents = build({"sponge_city": {"coverage": 0.5, **SPONGE, **ALWAYS}})
    state.diagnostics = {}
    level = extents["sponge_city"] / 5000.0
    volume = sponge.storage_volume(state, level, SPONGE)
    assert float(volume.sel(scenario="scenario", time=JAN20, unit="a")) == pytest.approx(
        2500 * float(depth.sel(unit="a")) * 0.55 * 10
    )


# ---- all four: exact at coverage 0, whole run --------------------------------------------------
def test_coverage_zero_gives_identical_inputs():
    inputs, _, _ = build({name: {"coverage": 0.0, **ALWAYS} for name in NAMES})
    plain, _, _ = build({})
    for name, da in plain.data_vars.items():
        for scenario in ("baseline", "scenario"):
            got = inputs[name].sel(scenario=scenario) if "scenario" in inputs[name].dims else inputs[name]
            got, want = xr.broadcast(got, da)
            nan = want.dtype.kind == "f"
            assert np.array_equal(got.transpose(*want.dims).values, want.values, equal_nan=nan), name


def test_all_four_run_and_close_the_balance():
    inputs, _, extents = build({name: {"coverage": 0.5, **ALWAYS} for name in NAMES})
    bal = account(inputs, run_network(inputs))
    check_mass_balance(bal)
    total = inputs["requirement"].sum(["time", "unit"])
    for sector in ("domestic", "industry", "urban"):
        assert float(total.sel(scenario="scenario", sector=sector)) < float(
            total.sel(scenario="baseline", sector=sector)
        )
    assert set(extents) == set(NAMES)


def test_defaults_are_valid_and_documented():
    for name in NAMES:
        module = load_measure(name)
        options = default_options(name)
        assert set(options) >= set(module.PARAMETERS)
        for param in module.PARAMETERS.values():
            assert param.source.split(":")[0] in ("sourced", "derived", "estimate")
    assert [m.name for m in configured_measures({name: {} for name in NAMES})] == [
        "household_saving",
        "leakage_control",
        "industrial_saving",
        "sponge_city",
    ]


# ---- GB/T 51345 capture ratio --------------------------------------------------------------
def test_capture_ratio_hand_computed():
    rain = [1.0, 3.0, 5.0, 10.0, 2.0, 0.0]  # kept (> 2 mm): 3, 5, 10; total 18
    alpha = capture_ratio(rain, [0.0, 3.0, 3.9, 5.0, 10.0, 50.0])
    # α(3) = (3 + 2·3)/18, α(3.9) = (3 + 2·3.9)/18, α(5) = (3 + 5 + 5)/18, α(10) = 1
    np.testing.assert_allclose(alpha, [0.0, 0.5, 0.6, 13 / 18, 1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(
        design_depth(rain, [0.0, 0.25, 0.5, 0.6, 13 / 18, 1.0]), [0, 1.5, 3, 3.9, 5, 10]
    )


def test_capture_ratio_properties():
    rain = np.random.default_rng(1).gamma(0.6, 8.0, size=3000)
    depths = np.linspace(0.0, rain.max() * 1.1, 400)
    alpha = capture_ratio(rain, depths)
    assert np.all(np.diff(alpha) >= 0.0)
    assert capture_ratio(rain, rain.max()) == 1.0 and capture_ratio(rain, 0.0) == 0.0
    targets = np.linspace(0.0, 1.0, 41)
    np.testing.assert_allclose(capture_ratio(rain, design_depth(rain, targets)), targets, atol=1e-12)
    assert design_depth(rain, 1.0) == pytest.approx(rain.max())
    assert capture_ratio([0.5, 1.0], 3.0) == 1.0 and design_depth([0.5, 1.0], 0.8) == 0.0
    with pytest.raises(ValueError, match="target"):
        design_depth(rain, 1.2)
    with pytest.raises(ValueError, match="finite"):
        capture_ratio([1.0, -3.0], 2.0)


def test_synthetic_daily_rain_is_reproducible_and_keeps_the_monthly_means():
    monthly = [2, 3, 5, 10, 25, 45, 80, 70, 35, 12, 4, 0]
    rain = synthetic_daily_rain(monthly, years=30, seed=0)
    assert rain.shape == (30 * 365,) and bool((rain >= 0).all())
    np.testing.assert_array_equal(rain, synthetic_daily_rain(monthly, years=30, seed=0))
    assert not np.array_equal(rain, synthetic_daily_rain(monthly, years=30, seed=1))
    month = np.repeat(np.arange(12), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    means = np.bincount(np.tile(month, 30), weights=rain) / 30
    np.testing.assert_allclose(means, monthly, rtol=1e-12, atol=1e-12)
