"""The source and collection measures on the two-unit measures pack, checked by hand.

Pack (``tests/data/measures_pack``, base year 2020): units ``a`` (upper, 293 mm/a rain) and
``b`` (lower, 137 mm/a, allowed 10 hm3/a overdraft), 1000 km2 = 1e5 ha each; sectors
domestic, industry, irrigation, urban, ecology; reuse fraction 0.2; groundwater yield 20 hm3/a.

    a --> b --> outlet
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from csvedit import append

from sim.accounting import account, check_mass_balance
from sim.core import _as_config, build_inputs
from sim.engine import run_network
from sim.pack import load_pack
from sim.scenario import configured_measures, scenario_matrix

PACK = Path(__file__).resolve().parent / "data" / "measures_pack"
NOW = {"coverage": 1.0, "start_year": 2020, "target_year": 2020, "ramp": "linear"}
MEASURES = (
    "drainage_reuse",
    "rainwater_harvesting",
    "groundwater_control",
    "rain_sewage_separation",
    "reclaimed_water",
)
YEARS = 3.0  # 2020-2022, monthly steps


def build(measures, region=PACK, start="2020-01", end="2022-12", step="month"):
    """Inputs (scenarios 'baseline' with every measure off, 'scenario' with all on) and extents."""
    cfg = _as_config(
        {"region": str(region), "time": {"start": start, "end": end, "step": step}, "measures": measures}
    )
    pack = load_pack(cfg.region)
    ms = configured_measures(cfg.measures)
    if not ms:
        return build_inputs(cfg, pack)[0], {}
    on = scenario_matrix([m.name for m in ms], [[0] * len(ms), [1] * len(ms)], ["baseline", "scenario"])
    inputs, _, extents = build_inputs(cfg, pack, ms, on)
    return inputs, extents


def run(inputs):
    bal = account(inputs, run_network(inputs))
    check_mass_balance(bal)
    return bal


def by_year(da):
    return da.groupby("time.year").sum("time")


def scen(da, name="scenario"):
    """The 'scenario' row (inputs a measure leaves alone have no scenario dim)."""
    return da.sel(scenario=name) if "scenario" in da.dims else da


def base(da):
    return scen(da, "baseline")


def requirement(inputs, sector):
    """Requirement of ``sector`` summed over the horizon, by unit [hm3] (same in both scenarios)."""
    return base(inputs["requirement"]).sel(sector=sector).sum("time")


def flat(inputs, name, sector):
    """A static input of one sector as stored in the pack, by unit [1]."""
    da = inputs[name].sel(sector=sector)
    return da.isel({d: 0 for d in ("scenario", "time") if d in da.dims})


def test_reclaimed_water_reuse_fraction_extent_and_delivery():
    inputs, extents = build({"reclaimed_water": NOW})
    f = inputs["reclaimed_reuse_fraction"]
    assert f.dims == ("scenario", "time", "unit")
    assert np.all(scen(f).values == 0.48) and np.all(base(f).values == 0.2)
    # wastewater: domestic cf 0.3, share 0.8; industry cf 0.3, share 0.5 -> added 0.28 of it
    w = requirement(inputs, "domestic") * 0.7 * 0.8 + requirement(inputs, "industry") * 0.7 * 0.5
    expected = 0.28 * w / YEARS * 1e6
    np.testing.assert_allclose(scen(extents["reclaimed_water"]).isel(time=-1), expected, rtol=1e-12)
    assert float(base(extents["reclaimed_water"]).max()) == 0.0

    bal = run(inputs)
    recl = bal["delivery"].sel(source="reclaimed").sum(["time", "sector"])
    assert np.all(scen(recl).values > 1.5 * base(recl).values)
    # the engine reads the fraction per step: pool(t) = 0.48 x wastewater(t - 1)
    ww = scen(bal["return_wastewater"]).sum("sector")
    pool = scen(bal["reclaimed_pool"])
    np.testing.assert_allclose(pool.isel(time=slice(0, -1)).values, 0.48 * ww.isel(time=slice(0, -1)).values)


def test_reclaimed_water_adds_reuse_works_where_the_pack_has_few(tmp_path):
    d = tmp_path / "pack"
    shutil.copytree(PACK, d)
    append(d, "parameters.csv", unit="*", item="reclaimed", variable="capacity", value="1", units="hm3/a",
           year="2020", status="estimate", reference="test")  # fmt: skip
    inputs, _ = build({"reclaimed_water": NOW}, region=d)
    req, cf, rw = (base(inputs[v]) for v in ("requirement", "consumption_fraction", "return_wastewater"))
    # new works: what the added 0.28 of last step's wastewater brings to the pool
    added = (0.28 * (req * (1 - cf) * rw).sum("sector")).shift(time=1, fill_value=0.0)
    days = inputs["time"].dt.days_in_month / 365.0
    days = days.where(inputs["time"].dt.year != 2020, inputs["time"].dt.days_in_month / 366.0)
    np.testing.assert_allclose(scen(inputs["reclaimed_capacity"]), (days + added).transpose("time", "unit"))
    np.testing.assert_array_equal(
        base(inputs["reclaimed_capacity"]), days.broadcast_like(added).transpose("time", "unit")
    )

    bal = run(inputs)
    recl = by_year(bal["delivery"].sel(source="reclaimed").sum("sector"))
    assert float(base(recl).max()) <= 1.0 + 1e-9  # the pack's works bind
    assert float(scen(recl).isel(year=slice(1, None)).min()) > 3.0


def test_drainage_reuse_moves_irrigation_river_return_to_collection():
    inputs, extents = build({"drainage_reuse": dict(NOW, where="all", collection_share=0.5)})
    rr, rw = scen(inputs["return_river"]), scen(inputs["return_wastewater"])
    assert np.all(rr.sel(sector="irrigation").values == 0.3)  # 0.6 x (1 - 0.5)
    assert np.all(rw.sel(sector="irrigation").values == 0.3)
    for s in ("domestic", "industry", "urban", "ecology"):
        assert np.array_equal(rr.sel(sector=s).values, base(inputs["return_river"]).sel(sector=s).values)
    total = inputs["return_river"] + inputs["return_groundwater"] + inputs["return_wastewater"]
    np.testing.assert_allclose(total.values, 1.0, rtol=0, atol=1e-15)
    cf = flat(inputs, "consumption_fraction", "irrigation")
    expected = 0.5 * 0.6 * requirement(inputs, "irrigation") * (1 - cf) / YEARS * 1e6
    np.testing.assert_allclose(scen(extents["drainage_reuse"]).isel(time=-1), expected, rtol=1e-12)

    bal = run(inputs)
    recl = bal["delivery"].sel(source="reclaimed").sum(["time", "sector"])
    assert np.all(scen(recl).values > base(recl).values)
    # collected drainage is wastewater: it fills the pool at the reuse fraction 0.2
    ww_irr = scen(bal["return_wastewater"]).sel(sector="irrigation")
    np.testing.assert_allclose(
        ww_irr, 0.3 * scen(bal["delivery"]).sel(sector="irrigation").sum("source") * (1 - cf)
    )


def test_drainage_reuse_default_where_selects_the_wet_units_only():
    # both test units get < 350 mm/a: the default 'precipitation>=350' covers none
    inputs, extents = build({"drainage_reuse": dict(NOW)})
    assert float(np.abs(extents["drainage_reuse"]).max()) == 0.0
    assert np.array_equal(scen(inputs["return_river"]).values, base(inputs["return_river"]).values)


def test_rainwater_harvesting_adds_the_rain_of_the_month():
    inputs, extents = build({"rainwater_harvesting": NOW})  # default where: precipitation<250 -> unit b
    h = scen(inputs["harvested"]).sel(time="2021-07-01")
    # 0.57 x 0.001 x 1e5 ha x 40 mm x 1e-5 hm3/(mm ha)
    assert float(h.sel(unit="b")) == pytest.approx(0.0228, rel=1e-12)
    assert float(h.sel(unit="a")) == 0.0
    assert float(np.abs(base(inputs["harvested"])).max()) == 0.0
    # yield capacity: 0.57 x 100 ha x 137 mm/a x 10 m3/(mm ha)
    e = scen(extents["rainwater_harvesting"]).isel(time=-1)
    assert float(e.sel(unit="b")) == pytest.approx(78090.0, rel=1e-12)
    assert float(e.sel(unit="a")) == 0.0

    bal = run(inputs)
    got = scen(bal["delivery"]).sel(source="harvested").sum("sector")
    assert float(got.sel(unit="b").sum()) > 0.0
    assert bool((got <= scen(inputs["harvested"]) + 1e-12).all())


def test_rainwater_harvesting_daily_steps_split_the_month():
    opts = dict(NOW, start_year=2021, target_year=2021)
    inputs, _ = build({"rainwater_harvesting": opts}, start="2021-07-01", end="2021-07-03", step="day")
    h = scen(inputs["harvested"]).sel(unit="b")
    np.testing.assert_allclose(h.values, 0.0228 / 31, rtol=1e-12)


def test_groundwater_control_caps_pumping_at_the_yield():
    inputs, extents = build({"groundwater_control": NOW})  # default where: overdrafted -> unit b
    od = inputs["groundwater_allowed_overdraft"]
    assert od.dims == ("scenario", "time", "unit")
    assert np.all(scen(od).values == 0.0)
    assert np.all(base(od).sel(unit="b").values == 10.0)
    np.testing.assert_allclose(scen(extents["groundwater_control"]).isel(time=0), [0.0, 1e7])

    bal = run(inputs)
    pumped = by_year(bal["delivery"].sel(source="groundwater").sum("sector")).sel(unit="b")
    assert float(base(pumped).max()) > 20.5  # the baseline overdraws
    assert float(scen(pumped).max()) <= 20.0 + 1e-9
    assert float(scen(bal["overdraft"]).max()) <= 1e-9


def test_groundwater_control_ramps_by_year():
    inputs, _ = build({"groundwater_control": dict(NOW, target_year=2022)})
    od = by_year(scen(inputs["groundwater_allowed_overdraft"]).sel(unit="b")) / 12
    np.testing.assert_allclose(od.values, [10 * 2 / 3, 10 / 3, 0.0], rtol=1e-12, atol=1e-14)
    bal = run(inputs)
    pumped = by_year(scen(bal["delivery"]).sel(source="groundwater").sum("sector")).sel(unit="b")
    assert np.all(pumped.values <= 20.0 + od.values + 1e-9)


def test_rain_sewage_separation_collects_municipal_returns():
    inputs, extents = build({"rain_sewage_separation": dict(NOW, collection_gain=0.5)})
    rr, rw = scen(inputs["return_river"]), scen(inputs["return_wastewater"])
    np.testing.assert_allclose(rr.sel(sector="domestic"), 0.1)  # 0.2 x (1 - 0.5)
    np.testing.assert_allclose(rw.sel(sector="domestic"), 0.9)
    np.testing.assert_allclose(rr.sel(sector="industry"), 0.25)
    np.testing.assert_allclose(rw.sel(sector="industry"), 0.75)
    assert np.array_equal(
        rr.sel(sector="irrigation").values, base(inputs["return_river"]).sel(sector="irrigation")
    )
    # 50 万 urban residents per unit
    np.testing.assert_allclose(scen(extents["rain_sewage_separation"]), 500000.0)

    bal = run(inputs)
    recl = bal["delivery"].sel(source="reclaimed").sum(["time", "sector"])
    assert np.all(scen(recl).values > base(recl).values)


def test_collection_widens_the_reuse_works_by_what_it_adds(tmp_path):
    d = tmp_path / "pack"
    shutil.copytree(PACK, d)
    append(d, "parameters.csv", unit="*", item="reclaimed", variable="capacity", value="1", units="hm3/a",
           year="2020", status="estimate", reference="test")  # fmt: skip
    opts = {
        "drainage_reuse": dict(NOW, where="all"),
        "rain_sewage_separation": dict(NOW, collection_gain=0.5),
    }
    inputs, _ = build(opts, region=d)
    req, cf = base(inputs["requirement"]), base(inputs["consumption_fraction"])
    rr = base(inputs["return_river"])
    k = configured_measures({"drainage_reuse": {}})[0].params["collection_share"]
    # reuse fraction 0.2 of what moves to collection, reaching the pool one step later
    moved = req * (1 - cf) * rr
    drained = k * moved.sel(sector="irrigation")
    municipal = 0.5 * moved.sel(sector=["domestic", "industry"]).sum("sector")
    added = (0.2 * (drained + municipal)).shift(time=1, fill_value=0.0)
    gain = scen(inputs["reclaimed_capacity"]) - base(inputs["reclaimed_capacity"])
    np.testing.assert_allclose(gain, added.transpose("time", "unit"), rtol=1e-12, atol=1e-15)
    bal = run(inputs)
    recl = by_year(bal["delivery"].sel(source="reclaimed").sum("sector"))
    assert float(base(recl).max()) <= 1.0 + 1e-9
    assert float(scen(recl).min()) > 1.0 + 0.5 * float(by_year(added).min())


def test_rain_sewage_separation_takes_a_served_population():
    # 25 万人 over the 2 x 50 万 urban residents of the pack: coverage 0.25
    opts = {"coverage": None, "area": "25 万人", "start_year": 2020, "target_year": 2020, "ramp": "linear"}
    _, extents = build({"rain_sewage_separation": opts})
    np.testing.assert_allclose(scen(extents["rain_sewage_separation"]), 125000.0)


def test_all_together_close_the_balance_and_keep_return_shares():
    measures = {name: dict(NOW, where="all") for name in MEASURES}
    inputs, extents = build(measures)
    total = inputs["return_river"] + inputs["return_groundwater"] + inputs["return_wastewater"]
    np.testing.assert_allclose(total.values, 1.0, rtol=0, atol=1e-15)
    assert set(extents) == set(MEASURES)
    for e in extents.values():
        assert e.dims == ("scenario", "time", "unit")
        assert float(base(e).max()) == 0.0 and float(scen(e).min()) >= 0.0
    bal = run(inputs)
    recl = bal["delivery"].sel(source="reclaimed").sum(["time", "unit", "sector"])
    assert float(scen(recl)) > 2.0 * float(base(recl))


def _assert_same_inputs(got, ref):
    """Every input of ``got`` equals the measure-free ``ref`` bit for bit (after broadcasting)."""
    assert set(got.data_vars) == set(ref.data_vars)
    for name in ref.data_vars:
        a = got[name]
        b = ref[name].broadcast_like(a).transpose(*a.dims)
        if a.dtype.kind in "fc":
            assert np.array_equal(a.values, b.values, equal_nan=True), name
        else:
            assert np.array_equal(a.values, b.values), name


@pytest.fixture(scope="module")
def reference():
    """Inputs without any measure."""
    return build({})[0]


def test_coverage_zero_changes_nothing(reference):
    zero, extents = build({name: dict(NOW, where="all", coverage=0.0) for name in MEASURES})
    _assert_same_inputs(zero, reference)
    assert all(float(np.abs(e).max()) == 0.0 for e in extents.values())


def test_the_baseline_row_changes_nothing(reference):
    full, _ = build({name: dict(NOW, where="all") for name in MEASURES})
    _assert_same_inputs(full.sel(scenario="baseline"), reference)
