"""Shortage type and supply capacity by hand on four independent one-sector units."""

from __future__ import annotations

import numpy as np
import pytest
from test_allocation_lp import make_inputs, run

from sim.config import compose, diagnosis_on
from sim.core import simulate
from sim.diagnosis import TYPES, diagnose
from sim.errors import InputError

INF = np.inf


def _four_units():
    # per step: runoff, requirement, surface intake capacity
    #   ok:   10, 5, inf -> no shortage
    #   eng:  10, 5, 3   -> short 2; with unlimited works 0              (engineering)
    #   res:   2, 5, inf -> short 3; with unlimited works still 3        (resource)
    #   mix:   4, 5, 3   -> short 2; with unlimited works 1 (half of it) (mixed)
    runoff = [10.0, 10.0, 2.0, 4.0]
    req = [5.0, 5.0, 5.0, 5.0]
    cap = [INF, 3.0, INF, 3.0]
    n = 12
    return make_inputs(
        ["ok", "eng", "res", "mix"],
        ["s"],
        [1],
        [["surface"]],
        links=[(u, "outlet", 1.0) for u in ("ok", "eng", "res", "mix")],
        n_steps=n,
        runoff=np.tile(runoff, (n, 1)),
        requirement=np.tile(np.array(req)[:, None], (n, 1, 1)),
        surface_capacity=np.tile(cap, (n, 1)),
        consumption_fraction=1.0,
    )


def test_shortage_types_and_supply_capacity_by_hand():
    inputs = _four_units()
    _, bal = run(inputs)
    d = diagnose(inputs, bal, demand_multiplier=10.0, resource_share=0.9, tolerance=1e-3)
    kinds = {str(u): TYPES[int(v)] for u, v in zip(d.unit.values, d["shortage_type"].values, strict=True)}
    assert kinds == {"ok": "none", "eng": "engineering", "res": "resource", "mix": "mixed"}
    res = d["shortage_unlimited_works"].sum("year")
    assert res.sel(unit="eng").item() == pytest.approx(0.0, abs=1e-9)
    assert res.sel(unit="res").item() == pytest.approx(3.0 * 12)
    assert res.sel(unit="mix").item() == pytest.approx(1.0 * 12)
    # supply capacity with requirements x 10: all the runoff, up to the intake capacity
    cap = d["supply_capacity"].sum("year")
    assert cap.sel(unit="ok").item() == pytest.approx(10.0 * 12)
    assert cap.sel(unit="eng").item() == pytest.approx(3.0 * 12)
    assert cap.sel(unit="res").item() == pytest.approx(2.0 * 12)
    assert cap.sel(unit="mix").item() == pytest.approx(3.0 * 12)


def test_resource_share_moves_the_line_between_resource_and_mixed():
    inputs = _four_units()
    _, bal = run(inputs)
    # the mixed unit keeps half its shortage with unlimited works: resource at a share of 0.5
    d = diagnose(inputs, bal, resource_share=0.5)
    assert TYPES[int(d["shortage_type"].sel(unit="mix"))] == "resource"


def test_simulate_reports_the_diagnosis_and_checks_its_keys():
    ds = simulate({"region": "tests/data/measures_pack", "time": {"start": "2020-01", "end": "2020-12"}})
    assert ds["shortage_type"].dims == ("scenario", "sample", "unit")
    assert ds["supply_capacity"].dims == ("scenario", "sample", "year", "unit")
    # supply capacity is at least what was delivered
    delivered = ds["delivery"].sum(("time", "sector", "source"))
    assert bool((ds["supply_capacity"].sum("year") >= delivered - 1e-9).all())
    with pytest.raises(InputError, match=r"config key 'risk.demand_multiplier'"):
        simulate({"region": "tests/data/measures_pack", "time": {"start": "2020-01", "end": "2020-12"},
                  "risk": {"demand_multiplier": 0.5}})  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "on"),
    [
        ([], True),  # the default job: mean hydrology
        (["hydrology=design"], True),  # design years: the shortage type by year type
        (["hydrology=stochastic", "hydrology.n_samples=1"], True),
        (["hydrology=stochastic", "hydrology.n_samples=2"], False),  # auto: off in an ensemble
        (["hydrology=stochastic", "hydrology.n_samples=2", "risk.diagnose=true"], True),
        (["risk.diagnose=false"], False),
        (["risk.diagnose=AUTO"], True),
    ],
)
def test_risk_diagnose_auto_is_off_only_in_a_stochastic_ensemble(overrides, on):
    assert diagnosis_on(compose(overrides)) is on


def test_an_ensemble_has_the_diagnosis_only_when_asked_and_a_bad_setting_is_refused():
    base = {"region": "inner_mongolia", "time": {"start": "2022-01", "end": "2022-12"},
            "hydrology": {"name": "stochastic", "n_samples": 2}}  # fmt: skip
    assert "shortage_type" not in simulate(base)
    ds = simulate({**base, "risk": {"diagnose": True}})
    assert ds["shortage_type"].dims == ("scenario", "sample", "unit")
    with pytest.raises(
        InputError, match=r"config key 'risk.diagnose': expected true, false or auto, got 'always'"
    ):
        simulate({**base, "risk": {"diagnose": "always"}})


def test_delivered_in_one_slot_equals_the_sum_over_sources():
    # run_network(by_source=False) adds every source's delivery into one slot inside the
    # kernel; it must equal the per-source deliveries summed afterwards, and the other
    # outputs must not change. A cascade with groundwater, transfers and shortages.
    from sim.engine import run_network
    from sim.synthetic import cascade_inputs

    inputs = cascade_inputs(5, years=2, n_samples=4, topology="tree", reservoir=True, seed=7)
    full = run_network(inputs)
    light = run_network(inputs, by_source=False)
    assert "delivery" not in light and "source" not in light.dims
    assert full.sizes["source"] > 1
    per_source = full["delivery"].sum("source")
    np.testing.assert_allclose(light["delivered"].values, per_source.values, rtol=1e-12, atol=1e-12)
    assert float((full["delivery"] > 0).sum("source").max()) >= 2  # some demand has two sources
    for name in ("outflow", "reservoir_storage", "aquifer_storage", "link_flow"):
        np.testing.assert_array_equal(light[name].values, full[name].values, err_msg=name)


def test_diagnosis_equals_the_two_cases_run_and_summed_apart():
    # diagnose() runs both cases in one engine run (along `case`) and sums them over the
    # sectors and each year's steps in one compiled pass. Here each case is run on its own
    # and summed with xarray: a cascade with samples, several sectors, two years and
    # capacities that bind, so every sum and every year must line up.
    from sim.accounting import account
    from sim.diagnosis import lift_works
    from sim.engine import run_network
    from sim.synthetic import cascade_inputs
    from sim.timeaxis import annual

    inputs = cascade_inputs(5, years=2, n_samples=3, topology="tree", reservoir=True, seed=11)
    inputs = inputs.assign(
        surface_capacity=inputs["surface_capacity"].clip(max=0.5 * inputs["runoff"].mean())
    )
    bal = account(inputs, run_network(inputs))
    got = diagnose(inputs, bal, demand_multiplier=4.0)
    works = run_network(lift_works(inputs), by_source=False)["delivered"]
    short = (inputs["requirement"] - works).clip(min=0.0).sum("sector")
    demand = run_network(inputs.assign(requirement=inputs["requirement"] * 4.0), by_source=False)
    expect = {
        "shortage_unlimited_works": annual(short),
        "supply_capacity": annual(demand["delivered"].sum("sector")),
    }
    assert inputs.sizes["sector"] > 1 and got.sizes["year"] == 2
    for name, ref in expect.items():
        assert float(ref.sum()) > 0.0, name
        np.testing.assert_allclose(got[name].transpose(*ref.dims).values, ref.values, rtol=1e-12, atol=1e-12)
    # the capacities bind: lifting them leaves less shortage than the balance has
    assert float(got["shortage_unlimited_works"].sum()) < float(bal["shortage"].sum())
