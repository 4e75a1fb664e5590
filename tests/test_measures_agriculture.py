"""Agricultural measures on the two-unit measures pack (base year 2020), checked by hand.

Pack: every unit grows maize 1000 ha and wheat 500 ha; flood 0.6 (efficiency 0.6),
sprinkler 0.2 (0.75), drip 0.2 (0.9); half the canals lined (0.95 lined, 0.7 unlined);
no soil storage, over-irrigation or leaching. So the field efficiency is
``1 / (0.6/0.6 + 0.2/0.75 + 0.2/0.9) = 1 / 1.488889``, the conveyance 0.825, and the gross
requirement is ``net · Σ share/eff / conveyance``.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim.core import _as_config, build_inputs
from sim.demand import irrigation
from sim.errors import InputError
from sim.measures import crop_structure
from sim.measures.base import State
from sim.pack import load_pack
from sim.scenario import configured_measures, scenario_matrix
from sim.timeaxis import make_time_axis

PACK = "tests/data/measures_pack"
AREA_HA = 1500.0  # irrigated area of each unit
FIELD_SUM = 0.6 / 0.6 + 0.2 / 0.75 + 0.2 / 0.9  # Σ share / efficiency of the pack
CONVEYANCE = 0.5 * 0.95 + 0.5 * 0.7


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK)


def build(pack, name, **options):
    """Inputs, diagnostics and extents of baseline and scenario with one measure on."""
    opts = {"path": None, "coverage": 0.5, "start_year": 2020, "target_year": 2020, "ramp": "linear"}
    opts.update(options)
    cfg = _as_config(
        {"region": PACK, "time": {"start": "2020-01", "end": "2020-12"}, "measures": {name: opts}}
    )
    ms = configured_measures(cfg.measures)
    on = scenario_matrix([m.name for m in ms], [[0] * len(ms), [1] * len(ms)], ["baseline", "scenario"])
    return build_inputs(cfg, pack, ms, on)


def ratio(inputs):
    """Irrigation requirement of the year, scenario / baseline, per unit."""
    req = inputs.requirement.sel(sector="irrigation").sum("time")
    return (req.sel(scenario="scenario") / req.sel(scenario="baseline")).values


def extent_mu(extents, name):
    return extents[name].sel(scenario="scenario").isel(time=-1).values


# ---- efficient irrigation -----------------------------------------------------------------
MIX = {
    "mix_drip_under_film": 0.5,
    "mix_shallow_buried_drip": 0.25,
    "mix_sprinkler": 0.25,
    "mix_low_pressure_pipe": 0.0,
}


def test_efficient_irrigation_converts_flood(pack):
    inputs, diagnostics, extents = build(pack, "efficient_irrigation", **MIX)
    # half of flood 0.6 converted: flood 0.3, drip under film 0.15, buried drip 0.075, sprinkler 0.275
    new_sum = 0.3 / 0.6 + 0.275 / 0.75 + (0.2 + 0.15 + 0.075) / 0.9
    np.testing.assert_allclose(ratio(inputs), new_sum / FIELD_SUM, rtol=1e-9)  # 0.89925
    euc = diagnostics["irrigation_effective_use_coefficient"].sel(scenario="scenario").isel(time=0)
    np.testing.assert_allclose(euc.values, CONVEYANCE / new_sum, rtol=1e-12)
    np.testing.assert_allclose(extent_mu(extents, "efficient_irrigation"), 0.5 * 0.6 * AREA_HA * 15)  # 6750


def test_efficient_irrigation_mix_must_add_up_to_one(pack):
    bad = {**MIX, "mix_sprinkler": 0.2}
    with pytest.raises(
        InputError, match=r"'measures\.efficient_irrigation\.mix_\*'.* adds up to 0\.95, not 1"
    ):
        build(pack, "efficient_irrigation", **bad)


# ---- smart irrigation --------------------------------------------------------------------------
def test_smart_irrigation_removes_over_irrigation(pack):
    inputs, _, extents = build(pack, "smart_irrigation", over_irrigation_share=0.1)
    # over' = (1 + 0) (1 - 0.5 x 0.1) - 1 = -0.05: 5 % less applied water
    np.testing.assert_allclose(ratio(inputs), 0.95, rtol=1e-9)
    np.testing.assert_allclose(extent_mu(extents, "smart_irrigation"), 0.5 * AREA_HA * 15)  # 11250


def test_smart_irrigation_cannot_cut_below_net_need(pack):
    # field efficiency 1/1.489 = 0.67; removing half the water gives 0.67 / 0.5 > 1
    with pytest.raises(InputError, match=r"'measures\.smart_irrigation\.over_irrigation_share'.*unit 'a'"):
        build(pack, "smart_irrigation", coverage=1.0, over_irrigation_share=0.5)


# ---- unified management ----------------------------------------------------------------------
def test_unified_management_price_response(pack):
    inputs, diagnostics, extents = build(
        pack, "unified_management", coverage=1.0, price_increase=0.5, price_elasticity=-0.2
    )
    # r = 0.2 x 0.5 x 1 = 0.1 off the applied water; efficiencies unchanged
    np.testing.assert_allclose(ratio(inputs), 0.9, rtol=1e-9)
    euc = diagnostics["irrigation_effective_use_coefficient"]
    np.testing.assert_allclose(euc, CONVEYANCE / FIELD_SUM, rtol=1e-12)
    np.testing.assert_allclose(extent_mu(extents, "unified_management"), AREA_HA * 15)  # 22500


def test_unified_management_composes_with_smart_irrigation(pack):
    opts = {"path": None, "coverage": 0.5, "start_year": 2020, "target_year": 2020, "ramp": "linear"}
    cfg = _as_config(
        {
            "region": PACK,
            "time": {"start": "2020-01", "end": "2020-12"},
            "measures": {
                "smart_irrigation": {**opts, "over_irrigation_share": 0.1},
                "unified_management": {**opts, "price_increase": 1.0, "price_elasticity": -0.2},
            },
        }
    )
    ms = configured_measures(cfg.measures)
    on = scenario_matrix([m.name for m in ms], [[0, 0], [1, 1]], ["baseline", "scenario"])
    inputs, _, _ = build_inputs(cfg, pack, ms, on)
    # (1 - 0.5 x 0.1) x (1 - 0.2 x 1 x 0.5) = 0.95 x 0.9
    np.testing.assert_allclose(ratio(inputs), 0.95 * 0.9, rtol=1e-9)


def test_unified_management_cut_beyond_losses_raises(pack):
    # r = 0.5 x 1 = 0.5 > the field losses 1 - 0.67
    with pytest.raises(InputError, match=r"'measures\.unified_management\.price_increase'.*efficiency"):
        build(pack, "unified_management", coverage=1.0, price_increase=1.0, price_elasticity=-0.5)


# ---- canal lining ----------------------------------------------------------------------------
def test_canal_lining_raises_conveyance(pack):
    inputs, diagnostics, extents = build(pack, "canal_lining", coverage=0.5)
    # lined 0.5 -> 0.75: conveyance 0.75 x 0.95 + 0.25 x 0.7 = 0.8875
    np.testing.assert_allclose(ratio(inputs), CONVEYANCE / 0.8875, rtol=1e-9)  # 0.92958
    euc = diagnostics["irrigation_effective_use_coefficient"].sel(scenario="scenario").isel(time=0)
    np.testing.assert_allclose(euc.values, 0.8875 / FIELD_SUM, rtol=1e-12)
    np.testing.assert_allclose(extent_mu(extents, "canal_lining"), 0.5 * 0.5 * AREA_HA * 15)  # 5625


def test_canal_lining_area_option(pack):
    # 5625 mu is a quarter of the 2 x 11250 mu served by unlined canals: lined 0.5 -> 0.625
    inputs, _, extents = build(pack, "canal_lining", coverage=None, area="5625 mu")
    np.testing.assert_allclose(extent_mu(extents, "canal_lining"), 0.25 * 0.5 * AREA_HA * 15)  # 2812.5
    np.testing.assert_allclose(ratio(inputs), CONVEYANCE / (0.625 * 0.95 + 0.375 * 0.7), rtol=1e-9)


# ---- crop structure ----------------------------------------------------------------------------
def crop_state(pack, **irrigation_changes):
    ds = pack.drivers["irrigation"].assign(**irrigation_changes)
    drivers = {**pack.drivers, "irrigation": ds}
    axis = make_time_axis("2020-01", "2020-12")
    return State(pack=pack, axis=axis, drivers=dict(drivers), baseline_drivers=drivers)


def test_crop_structure_moves_area_and_conserves_it(pack):
    opts = {"from_crops": ["wheat"], "to_crops": ["maize"], "shift": 0.4}
    inputs, diagnostics, extents = build(pack, "crop_structure", **opts)
    # moved: 0.5 x 0.4 x 500 = 100 ha a unit: maize 1100, wheat 400
    state = crop_state(pack)
    level = xr.DataArray([[0.0, 0.0], [0.5, 0.5]], coords={"scenario": ["b", "s"], "unit": ["a", "b"]})
    area = crop_structure.drivers(state, level, opts)["irrigation"]["irrigated_area"]
    np.testing.assert_allclose(area.sel(scenario="s", crop="maize"), 1100.0)
    np.testing.assert_allclose(area.sel(scenario="s", crop="wheat"), 400.0)
    np.testing.assert_allclose(area.sum("crop"), AREA_HA, rtol=1e-15)
    grown = diagnostics["irrigation_irrigated_area"]
    np.testing.assert_allclose(grown.sel(scenario="scenario"), grown.sel(scenario="baseline"), rtol=1e-15)
    np.testing.assert_allclose(extent_mu(extents, "crop_structure"), 100.0 * 15)  # 1500 mu
    # the requirement is what the model gives for the new areas
    ds = pack.drivers["irrigation"].assign(irrigated_area=area.sel(scenario="s", drop=True))
    axis = make_time_axis("2020-01", "2020-12")
    direct = irrigation.requirement(ds, axis, {"base_year": 2020}).requirement.sum("time")
    got = inputs.requirement.sel(scenario="scenario", sector="irrigation").sum("time")
    np.testing.assert_allclose(got.values, direct.values, rtol=1e-9)


def test_crop_structure_splits_equally_without_to_crop_area(pack):
    area0 = pack.drivers["irrigation"]["irrigated_area"].copy()
    area0.loc[{"crop": "maize"}] = 0.0  # wheat 500 ha only
    state = crop_state(pack, irrigated_area=area0)
    level = xr.DataArray([1.0, 0.0], coords={"unit": ["a", "b"]})
    area = crop_structure.drivers(
        state, level, {"from_crops": ["wheat"], "to_crops": ["maize"], "shift": 0.3}
    )
    area = area["irrigation"]["irrigated_area"]
    np.testing.assert_allclose(area.sel(unit="a").values, [150.0, 350.0])  # maize, wheat
    np.testing.assert_array_equal(area.sel(unit="b").values, area0.sel(unit="b").values)


@pytest.mark.parametrize(
    ("opts", "match"),
    [
        (
            {"from_crops": ["rice"], "to_crops": ["maize"]},
            (
                r"^config key 'measures\.crop_structure\.from_crops': unknown crop 'rice'; "
                r"the pack's crops: maize, wheat$"
            ),
        ),
        ({"from_crops": ["wheat"], "to_crops": []}, r"'measures\.crop_structure\.to_crops'.*non-empty list"),
        ({"from_crops": ["wheat"], "to_crops": ["wheat", "maize"]}, r"'wheat' is also in from_crops"),
    ],
)
def test_crop_structure_bad_crops(pack, opts, match):
    with pytest.raises(InputError, match=match):
        build(pack, "crop_structure", shift=0.3, **opts)


# ---- all measures: exact at level 0 ---------------------------------------------------------
ALL = {
    "crop_structure": {"from_crops": ["wheat"], "to_crops": ["maize"], "shift": 0.3},
    "canal_lining": {},
    "efficient_irrigation": MIX,
    "smart_irrigation": {"over_irrigation_share": 0.1},
    "unified_management": {"price_increase": 0.5, "price_elasticity": -0.2},
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_coverage_zero_changes_nothing(pack, name):
    inputs, diagnostics, extents = build(pack, name, coverage=0.0, **ALL[name])
    for var in inputs.data_vars:
        da = inputs[var]
        if "scenario" in da.dims:
            np.testing.assert_array_equal(
                da.sel(scenario="scenario").values, da.sel(scenario="baseline").values
            )
    for da in diagnostics.values():
        if "scenario" in da.dims:
            np.testing.assert_array_equal(
                da.sel(scenario="scenario").values, da.sel(scenario="baseline").values
            )
    assert float(abs(extents[name]).max()) == 0.0


def test_all_measures_together(pack):
    opts = {"path": None, "coverage": 0.5, "start_year": 2020, "target_year": 2020, "ramp": "linear"}
    cfg = _as_config(
        {
            "region": PACK,
            "time": {"start": "2020-01", "end": "2020-12"},
            "measures": {name: {**opts, **extra} for name, extra in ALL.items()},
        }
    )
    ms = configured_measures(cfg.measures)
    assert [m.name for m in ms] == [
        "crop_structure",
        "canal_lining",
        "efficient_irrigation",
        "smart_irrigation",
        "unified_management",
    ]
    on = scenario_matrix([m.name for m in ms], [[0] * 5, [1] * 5], ["baseline", "scenario"])
    inputs, _, _ = build_inputs(cfg, pack, ms, on)
    assert (ratio(inputs) < 0.8).all()


# ---- the irrigation model accepts a negative over-irrigation above -1 --------------------------
def test_irrigation_over_irrigation_may_be_negative(pack):
    axis = make_time_axis("2020-01", "2020-12")
    ds = pack.drivers["irrigation"]
    base = irrigation.requirement(ds, axis, {"base_year": 2020}).requirement
    less = irrigation.requirement(
        ds.assign(over_irrigation=ds.over_irrigation - 0.25), axis, {"base_year": 2020}
    )
    np.testing.assert_allclose(less.requirement, base * 0.75, rtol=1e-12)
    with pytest.raises(InputError, match=r"'over_irrigation' of unit 'a' must be above -1, got -1"):
        irrigation.requirement(ds.assign(over_irrigation=ds.over_irrigation - 1.0), axis, {"base_year": 2020})
