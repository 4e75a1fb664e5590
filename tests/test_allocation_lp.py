"""The engine's allocation equals an independent LP reference (docs/model.md §2).

* Property tests: random small networks (splits, confluences, link capacities, reservoirs,
  tied priorities, random preference lists over the six sources) are run through
  :func:`sim.engine.run_network` and :func:`sim.accounting.account`; every step's deliveries
  must equal :func:`reference_lp.reference_step` (lexicographic max-min fair, HiGHS).
* Analytical tests: small hand-calculated networks with exact expected numbers.
* The interpreted kernel (``py_func``) gives the same outputs as the compiled one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim.engine
from sim.accounting import account, check_mass_balance
from sim.engine import kernel, run_network
from sim.synthetic import cascade_inputs
from sim.timeaxis import make_time_axis

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
from reference_lp import SOURCES, engine_delivery, reference_deliveries

INF = np.inf

# ----------------------------------------------------------------------------------------------
# Building an inputs Dataset in the layout of sim.synthetic.cascade_inputs
# ----------------------------------------------------------------------------------------------

#: name -> (dims, default)
_VARIABLES = {
    "requirement": (("time", "unit", "sector"), 0.0),
    "runoff": (("time", "unit"), 0.0),
    "boundary_inflow": (("time", "unit"), 0.0),
    "surface_capacity": (("time", "unit"), INF),
    "groundwater_capacity": (("time", "unit"), INF),
    "groundwater_recharge": (("time", "unit"), 0.0),
    "transfer_step_max": (("time", "unit"), 0.0),
    "reclaimed_capacity": (("time", "unit"), INF),
    "harvested": (("time", "unit"), 0.0),
    "other": (("time", "unit"), 0.0),
    "link_capacity": (("time", "link"), INF),
    "area": (("unit",), 1.0),
    "consumption_fraction": (("unit", "sector"), 1.0),
    "return_river": (("unit", "sector"), 1.0),
    "return_groundwater": (("unit", "sector"), 0.0),
    "return_wastewater": (("unit", "sector"), 0.0),
    "reservoir_capacity": (("unit",), 0.0),
    "reservoir_dead_storage": (("unit",), 0.0),
    "reservoir_initial_storage": (("unit",), 0.0),
    "groundwater_sustainable_yield": (("unit",), 0.0),
    "groundwater_allowed_overdraft": (("unit",), 0.0),
    "groundwater_storage": (("unit",), 0.0),
    "transfer_annual_cap": (("unit",), 0.0),
    "reclaimed_reuse_fraction": (("unit",), 0.0),
}


def make_inputs(
    units: list[str],
    sectors: list[str],
    priority: list[int],
    preference: list[list[str]],
    links: list[tuple[str, str, float]] = (),
    start: str = "2000-01",
    n_steps: int = 1,
    **values,
) -> xr.Dataset:
    """Inputs Dataset (amounts in hm3 per step); ``links``: (from, to, share), ``to`` outside if not a unit.

    ``values`` are arrays broadcast to the dims of ``_VARIABLES``; an ``xarray.DataArray``
    (e.g. with a ``sample`` batch dim) is taken as it is.
    """
    t0 = pd.Timestamp(start)
    t1 = t0 + pd.DateOffset(months=n_steps - 1)
    axis = make_time_axis(t0.strftime("%Y-%m"), t1.strftime("%Y-%m"), "month")
    nk = max(len(p) for p in preference)
    pref = np.array([list(p) + [""] * (nk - len(p)) for p in preference], dtype="<U11")
    sizes = {"time": n_steps, "unit": len(units), "sector": len(sectors), "link": len(links)}
    data = {}
    for name, (dims, default) in _VARIABLES.items():
        value = values.pop(name, default)
        if isinstance(value, xr.DataArray):
            data[name] = value
        else:
            arr = np.broadcast_to(np.asarray(value, dtype=float), [sizes[d] for d in dims]).copy()
            data[name] = (dims, arr)
    assert not values, f"unknown inputs {sorted(values)}"
    data.update(
        link_share=("link", np.array([share for _, _, share in links], dtype=float)),
        link_from=("link", np.array([f for f, _, _ in links], dtype=object)),
        link_to=("link", np.array([t for _, t, _ in links], dtype=object)),
        priority=("sector", np.asarray(priority, dtype=np.int64)),
        preference=(("sector", "rank"), pref),
        year_start=axis["year_start"],
    )
    coords = {
        "time": axis.time,
        "unit": list(units),
        "sector": list(sectors),
        "link": np.arange(len(links)),
        "rank": np.arange(nk),
    }
    return xr.Dataset(data, coords=coords, attrs={"step": "month", "pack_name": "test-allocation-lp"})


def run(inputs: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """Engine run + accounting, with the mass balance checked to 1e-9 (sim.accounting)."""
    raw = run_network(inputs)
    bal = account(inputs, raw)
    check_mass_balance(bal)
    return raw, bal


def delivery(bal: xr.Dataset, unit: str, sector: str, source: str | None = None) -> np.ndarray:
    """Delivery time series [hm3] of one demand, from one source or in total."""
    d = bal["delivery"].sel(unit=unit, sector=sector)
    return (d.sum("source") if source is None else d.sel(source=source)).values


# ----------------------------------------------------------------------------------------------
# Property tests against the LP reference
# ----------------------------------------------------------------------------------------------

_amounts = st.one_of(st.just(0.0), st.integers(1, 20).map(float), st.integers(1, 2000).map(lambda v: v / 100))
_capacities = st.one_of(st.just(INF), _amounts)
_fractions = st.integers(0, 4).map(lambda v: v / 4)


def _array(draw, strategy, shape) -> np.ndarray:
    size = int(np.prod(shape))
    return np.array(draw(st.lists(strategy, min_size=size, max_size=size)), dtype=float).reshape(shape)


@st.composite
def networks(draw) -> xr.Dataset:
    n = draw(st.integers(1, 5))
    nt = draw(st.integers(1, 4))
    ns = draw(st.integers(1, 4))
    nsamp = draw(st.integers(1, 2))
    month = draw(st.integers(1, 12))
    units = [f"u{i}" for i in range(n)]
    # DAG node i (upstream first) is unit units[perm[i]]: the Dataset order is not topological
    perm = draw(st.permutations(range(n)))
    links = []
    for i in range(n):
        targets = [*range(i + 1, n), -1]
        k = draw(st.integers(0, min(2, len(targets))))
        tos = draw(st.lists(st.sampled_from(targets), min_size=k, max_size=k, unique=True))
        if len(tos) == 1:
            shares = [draw(st.sampled_from([1.0, 1.0, 0.75, 0.5]))]
        else:  # a split: shares sum to at most 1
            a = draw(st.integers(1, 9))
            shares = [a / 10, draw(st.integers(1, 10 - a)) / 10][: len(tos)]
        links += [
            (units[perm[i]], units[perm[t]] if t >= 0 else "outside", s)
            for t, s in zip(tos, shares, strict=True)
        ]
    links = draw(st.permutations(links)) if links else []
    priority = draw(st.lists(st.integers(1, 3), min_size=ns, max_size=ns))
    preference = []
    for _ in range(ns):
        p = draw(st.lists(st.sampled_from(SOURCES), min_size=1, max_size=3, unique=True))
        if "surface" not in p and draw(st.booleans()):
            p.insert(draw(st.integers(0, len(p))), "surface")
        preference.append(p)
    weights = _array(draw, st.integers(0, 2), (n, ns, 3))
    weights[..., 0] += weights.sum(axis=-1) == 0
    weights /= weights.sum(axis=-1, keepdims=True)
    has_res = _array(draw, st.booleans(), (n,))
    res_cap = has_res * 5 * _array(draw, _amounts, (n,))
    runoff = _array(draw, _amounts, (nsamp, nt, n))
    return make_inputs(
        units, [f"s{j}" for j in range(ns)], priority, preference, links,
        start=f"2000-{month:02d}", n_steps=nt,
        requirement=_array(draw, _amounts, (nt, n, ns)),
        runoff=xr.DataArray(runoff, dims=("sample", "time", "unit")) if nsamp > 1 else runoff[0],
        boundary_inflow=_array(draw, st.one_of(st.just(0.0), _amounts), (nt, n)),
        surface_capacity=_array(draw, _capacities, (nt, n)),
        link_capacity=_array(draw, _capacities, (nt, len(links))),
        consumption_fraction=_array(draw, _fractions, (n, ns)),
        return_river=weights[..., 0], return_groundwater=weights[..., 1], return_wastewater=weights[..., 2],
        reservoir_capacity=res_cap,
        reservoir_dead_storage=res_cap * _array(draw, st.sampled_from([0.0, 0.25, 0.5]), (n,)),
        reservoir_initial_storage=res_cap * _array(draw, st.sampled_from([0.0, 0.5, 1.0]), (n,)),
        groundwater_capacity=_array(draw, _capacities, (nt, n)),
        groundwater_recharge=_array(draw, _amounts, (nt, n)),
        groundwater_sustainable_yield=_array(draw, _amounts, (n,)),
        groundwater_allowed_overdraft=_array(draw, _amounts, (n,)),
        groundwater_storage=_array(draw, _amounts, (n,)),
        transfer_step_max=_array(draw, _amounts, (nt, n)),
        transfer_annual_cap=_array(draw, _amounts, (n,)),
        reclaimed_reuse_fraction=_array(draw, _fractions, (n,)),
        reclaimed_capacity=_array(draw, _capacities, (nt, n)),
        harvested=_array(draw, _amounts, (nt, n)),
        other=_array(draw, _amounts, (nt, n)),
    )  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(inputs=networks())
def test_engine_equals_lp_reference(inputs: xr.Dataset) -> None:
    raw, bal = run(inputs)  # (a) mass balance, 1e-9 relative
    scale = max(1.0, float(inputs["requirement"].max()))
    # (b) step by step, the deliveries are the lexicographic max-min fair point
    ref = reference_deliveries(inputs, raw)
    got = engine_delivery(raw, inputs)
    np.testing.assert_allclose(got.values, ref.values, rtol=0.0, atol=1e-6 * scale)
    # (c) bounds
    delivered = bal["delivery"].sum("source")
    assert float((-delivered).max()) <= 1e-9 * scale
    assert float((delivered - bal["requirement"]).max()) <= 1e-9 * scale
    cap = inputs["link_capacity"].broadcast_like(raw["link_flow"])
    assert bool((raw["link_flow"] <= cap + 1e-9 * scale).all())
    assert bool((raw["link_flow"] >= -1e-9 * scale).all())
    assert bool((raw["link_spill"] >= -1e-9 * scale).all())
    assert float(raw["outflow"].min()) >= -1e-9 * scale


def test_check_mass_balance_storage_only_unit() -> None:
    """A unit fed only by its reservoir: a 1.6e-15 rounding residual must pass the 1e-9 check.

    ::

          [ A ]==(reservoir 16.05, full)   demand 0.01 (consumption 1), no runoff

    Storage 16.05 -> 16.04, delivery 0.01. Runoff, inflow and outflow are 0: the check must
    scale the float residual 16.05 - 16.04 - 0.01 (~1.6e-15) by the storage, not by a 1e-6 floor.
    """
    inputs = make_inputs(
        ["A"], ["s"], [1], [["surface"]],
        requirement=0.01, reservoir_capacity=16.05, reservoir_initial_storage=16.05,
    )  # fmt: skip
    raw = run_network(inputs)
    bal = account(inputs, raw)
    assert delivery(bal, "A", "s") == pytest.approx([0.01], abs=1e-15)
    check_mass_balance(bal)


# ----------------------------------------------------------------------------------------------
# Analytical tests
# ----------------------------------------------------------------------------------------------


def test_downstream_higher_priority_is_served_first() -> None:
    """A downstream priority-1 demand is served before an upstream priority-2 demand.

    ::

        runoff 10
            |
          [ A ]  low  (priority 2) requires 8
            |
            v  share 1
          [ B ]  high (priority 1) requires 6
            |
            v  leaves the region

    Stage 1 (high): B's intake is A's whole outflow, 10 >= 6 -> B gets 6.
    Stage 2 (low): A may take y while B keeps 6: 10 - y >= 6 -> y = 4.
    Outflows: A 10 - 4 = 6, B 6 - 6 = 0 (consumption fraction 1).
    """
    inputs = make_inputs(
        ["A", "B"], ["high", "low"], [1, 2], [["surface"], ["surface"]], [("A", "B", 1.0)],
        runoff=[[10.0, 0.0]], requirement=[[[0.0, 8.0], [6.0, 0.0]]],
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "B", "high", "surface") == pytest.approx([6.0], abs=1e-12)
    assert delivery(bal, "A", "low", "surface") == pytest.approx([4.0], abs=1e-12)
    assert raw["outflow"].sel(unit="A").values == pytest.approx([6.0], abs=1e-12)
    assert raw["outflow"].sel(unit="B").values == pytest.approx([0.0], abs=1e-12)


def test_equal_priority_demands_get_equal_coverage() -> None:
    """Two equal-priority demands in different units share a scarce river at equal coverage.

    ::

        runoff 6
            |
          [ A ]  irrigation requires 6, consumption 0.5, all returns to the river
            |
            v  share 1
          [ B ]  irrigation requires 12, consumption 1
            |
            v

    With common coverage c: A takes 6c and returns 0.5 * 6c = 3c at its outlet, so B's
    intake is 6 - 6c + 3c = 6 - 3c, and B needs 12c: 6 - 3c = 12c -> c = 0.4.
    A gets 2.4, B gets 4.8 (coverage 0.4 each); B's outflow is 0.
    """
    inputs = make_inputs(
        ["A", "B"], ["irrigation"], [1], [["surface"]], [("A", "B", 1.0)],
        runoff=[[6.0, 0.0]], requirement=[[[6.0], [12.0]]], consumption_fraction=[[0.5], [1.0]],
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "A", "irrigation") == pytest.approx([2.4], abs=1e-12)
    assert delivery(bal, "B", "irrigation") == pytest.approx([4.8], abs=1e-12)
    assert raw["inflow"].sel(unit="B").values == pytest.approx([4.8], abs=1e-12)


def test_closed_unit_shares_its_diversion_capacity_by_equal_coverage() -> None:
    """A unit alone in its part of the network (the closed-form path of the kernel).

    ::

        runoff 10, diversion capacity 6
            |
          [ A ]  domestic (priority 1): surface  requires 2
                 industry (priority 2): surface  requires 4 (returns 0.5 of it to the river)
                 irrigation (priority 2): surface  requires 8
            |
            v  leaves the region

    Priority 1: domestic takes 2 (capacity 6 left 4). Priority 2: industry and irrigation
    need 12 and 4 is left of the capacity, so both get coverage 4 / 12 = 1/3: industry
    4/3, irrigation 8/3; the river water (10) would allow more, the capacity binds.
    Outflow: 10 - 6 + returns. The same unit with capacity 20 is limited by its water
    instead: priority 2 gets (10 - 2) / 12 = 2/3.
    """
    kw = {
        "runoff": [[10.0]], "requirement": [[[2.0, 4.0, 8.0]]], "consumption_fraction": [[1.0, 0.5, 1.0]],
        "return_river": [[0.0, 1.0, 0.0]],
    }  # fmt: skip
    args = (["A"], ["domestic", "industry", "irrigation"], [1, 2, 2], [["surface"]] * 3, [("A", "out", 1.0)])
    raw, bal = run(make_inputs(*args, surface_capacity=6.0, **kw))
    assert delivery(bal, "A", "domestic") == pytest.approx([2.0], abs=1e-12)
    assert delivery(bal, "A", "industry") == pytest.approx([4.0 / 3.0], abs=1e-12)
    assert delivery(bal, "A", "irrigation") == pytest.approx([8.0 / 3.0], abs=1e-12)
    assert raw["outflow"].sel(unit="A").values == pytest.approx([10.0 - 6.0 + 0.5 * 4.0 / 3.0], abs=1e-12)
    raw, bal = run(make_inputs(*args, surface_capacity=20.0, **kw))
    assert delivery(bal, "A", "industry") == pytest.approx([8.0 / 3.0], abs=1e-12)
    assert delivery(bal, "A", "irrigation") == pytest.approx([16.0 / 3.0], abs=1e-12)


def test_diversion_capacity_in_a_chain_with_and_without_the_river_binding() -> None:
    """A capacity binds upstream; downstream, the river binds in one sample only.

    ::

        runoff 100 (sample 0) or 40 (sample 1)
            |
          [ A ]  irrigation requires 30, diversion capacity 10, consumption 0.5
            |     (all returns to the river)
            v  share 1
          [ B ]  irrigation requires 50, consumption 1
            |
            v

    Both units draw at the same stage. A is held to its capacity: 10 (coverage 1/3), and
    returns 5 at its outlet, so B's intake is runoff - 10 + 5.

    * Sample 0: B's intake is 95 >= 50, so B gets 50 (the kernel's one-routing answer,
      every unit at its own bound). B's outflow is 45.
    * Sample 1: each unit at its own bound would need 50 from B's intake of 35, so the
      progressive filling runs: A's capacity binds first (common coverage 1/3 < 40 / 65,
      where B's intake would bind), then B rises alone to 35 / 50 = 0.7 and gets 35.
    """
    runoff = xr.DataArray([[[100.0, 0.0]], [[40.0, 0.0]]], dims=("sample", "time", "unit"))
    inputs = make_inputs(
        ["A", "B"], ["irrigation"], [1], [["surface"]], [("A", "B", 1.0)],
        runoff=runoff, requirement=[[[30.0], [50.0]]], surface_capacity=[[10.0, INF]],
        consumption_fraction=[[0.5], [1.0]],
    )  # fmt: skip
    raw, bal = run(inputs)
    got = bal["delivery"].sum("source").sel(sector="irrigation").isel(time=0).transpose("sample", "unit")
    np.testing.assert_allclose(got.sel(unit=["A", "B"]).values, [[10.0, 50.0], [10.0, 35.0]], atol=1e-12)
    out = raw["outflow"].isel(time=0).transpose("sample", "unit").sel(unit=["A", "B"]).values
    np.testing.assert_allclose(out, [[95.0, 45.0], [35.0, 0.0]], atol=1e-12)


def test_groundwater_first_then_surface() -> None:
    """Preference groundwater;surface with short groundwater, next to a surface-first demand.

    ::

        runoff 10          pumping capacity 3
            |                  |
          [ A ]  domestic (priority 1): surface            requires 8
                 industry (priority 1): groundwater;surface requires 8

    Stage (1, rank 1): industry pumps min(8, 3) = 3; domestic takes 8 of the 10 of surface.
    Stage (1, rank 2): industry takes the remaining surface water 10 - 8 = 2.
    Industry: 3 groundwater + 2 surface, shortage 3. Aquifer 500 -> 497, no overdraft.
    """
    inputs = make_inputs(
        ["A"], ["domestic", "industry"], [1, 1], [["surface"], ["groundwater", "surface"]],
        runoff=[[10.0]], requirement=[[[8.0, 8.0]]],
        groundwater_capacity=3.0, groundwater_sustainable_yield=100.0, groundwater_storage=500.0,
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "A", "domestic", "surface") == pytest.approx([8.0], abs=1e-12)
    assert delivery(bal, "A", "industry", "groundwater") == pytest.approx([3.0], abs=1e-12)
    assert delivery(bal, "A", "industry", "surface") == pytest.approx([2.0], abs=1e-12)
    assert bal["shortage"].sel(unit="A", sector="industry").values == pytest.approx([3.0], abs=1e-12)
    assert raw["aquifer_storage"].sel(unit="A").values == pytest.approx([497.0], abs=1e-12)
    assert raw["overdraft"].sel(unit="A").values == pytest.approx([0.0], abs=1e-12)


def test_reservoir_release_covers_the_deficit() -> None:
    """A reservoir upstream of a demand releases exactly the deficit.

    ::

        runoff 2
            |
          [ A ]==(reservoir: capacity 100, dead 10, storage 50 -> releasable 40)
            |
            v  share 1
          [ B ]  runoff 3, demand 10 (consumption 1)
            |
            v

    Natural water reaching B: 2 + 3 = 5, deficit 10 - 5 = 5, so the reservoir releases 5:
    storage 50 -> 45. A's outflow is 2 + 5 = 7, B's intake 7 + 3 = 10, B's outflow 0.
    """
    inputs = make_inputs(
        ["A", "B"], ["demand"], [1], [["surface"]], [("A", "B", 1.0)],
        runoff=[[2.0, 3.0]], requirement=[[[0.0], [10.0]]],
        reservoir_capacity=[100.0, 0.0], reservoir_dead_storage=[10.0, 0.0], reservoir_initial_storage=[50.0, 0.0],
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "B", "demand") == pytest.approx([10.0], abs=1e-12)
    assert raw["reservoir_storage"].sel(unit="A").values == pytest.approx([45.0], abs=1e-12)
    assert raw["reservoir_release"].sel(unit="A").values == pytest.approx([5.0], abs=1e-12)
    assert raw["reservoir_spill"].sel(unit="A").values == pytest.approx([0.0], abs=1e-12)
    assert raw["outflow"].sel(unit="A").values == pytest.approx([7.0], abs=1e-12)
    assert raw["outflow"].sel(unit="B").values == pytest.approx([0.0], abs=1e-12)


def test_downstream_most_reservoir_releases_first() -> None:
    """Two reservoirs in a chain serve a downstream demand: the downstream one releases.

    ::

          [ A ]==(reservoir 30, capacity 100, dead 0)
            |
            v
          [ B ]==(reservoir 20, capacity 100, dead 0)
            |
            v
          [ C ]  demand 15 (consumption 1), no runoff anywhere

    Both reservoirs can reach C (30 + 20 = 50 >= 15 -> C gets 15). A keeps all its 30
    (upstream-most fills first, as long as C is still served); B releases 15: 20 -> 5.
    """
    inputs = make_inputs(
        ["A", "B", "C"], ["demand"], [1], [["surface"]], [("A", "B", 1.0), ("B", "C", 1.0)],
        requirement=[[[0.0], [0.0], [15.0]]],
        reservoir_capacity=[100.0, 100.0, 0.0], reservoir_initial_storage=[30.0, 20.0, 0.0],
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "C", "demand") == pytest.approx([15.0], abs=1e-12)
    assert raw["reservoir_storage"].sel(unit="A").values == pytest.approx([30.0], abs=1e-12)
    assert raw["reservoir_storage"].sel(unit="B").values == pytest.approx([5.0], abs=1e-12)
    assert raw["reservoir_release"].sel(unit="B").values == pytest.approx([15.0], abs=1e-12)
    assert raw["outflow"].sel(unit="A").values == pytest.approx([0.0], abs=1e-12)


def test_link_capacity_spill_leaves_the_region() -> None:
    """Flow above a link's capacity spills out of the region and is lost to the demand below.

    ::

        runoff 10
            |
          [ A ]
            |  link capacity 4  --> spill 6 leaves the region
            v
          [ B ]  demand 6 (consumption 1)

    B gets 4 (shortage 2); link flow 4, link spill 6; everything A lets go is accounted
    as flow + spill, so A's region outflow is 0; B's outflow is 0.
    """
    inputs = make_inputs(
        ["A", "B"], ["demand"], [1], [["surface"]], [("A", "B", 1.0)],
        runoff=[[10.0, 0.0]], requirement=[[[0.0], [6.0]]], link_capacity=[[4.0]],
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "B", "demand") == pytest.approx([4.0], abs=1e-12)
    assert bal["shortage"].sel(unit="B", sector="demand").values == pytest.approx([2.0], abs=1e-12)
    assert raw["link_flow"].values.ravel() == pytest.approx([4.0], abs=1e-12)
    assert raw["link_spill"].values.ravel() == pytest.approx([6.0], abs=1e-12)
    assert bal["region_outflow"].sel(unit="A").values == pytest.approx([0.0], abs=1e-12)
    assert raw["outflow"].sel(unit="B").values == pytest.approx([0.0], abs=1e-12)


def test_return_flow_reaches_downstream_not_own_unit() -> None:
    """Return flow enters at the outlet: usable downstream in the same step, not in its own unit.

    ::

        runoff 10
            |
          [ A ]  first  (priority 1) requires 10, consumption 0.5, returns to the river
            |    second (priority 2) requires 5
            |    outlet: + return 5
            v
          [ B ]  second (priority 2) requires 4 (consumption 1)

    Priority 1: A.first takes all 10 of A's intake and returns 5 at A's outlet.
    Priority 2: A.second finds A's intake exhausted (10 taken) -> 0; B's intake is the
    returned 5 -> B.second gets 4. Outflows: A 5, B 5 - 4 = 1.
    """
    inputs = make_inputs(
        ["A", "B"], ["first", "second"], [1, 2], [["surface"], ["surface"]], [("A", "B", 1.0)],
        runoff=[[10.0, 0.0]], requirement=[[[10.0, 5.0], [0.0, 4.0]]],
        consumption_fraction=[[0.5, 1.0], [1.0, 1.0]],
    )  # fmt: skip
    raw, bal = run(inputs)
    assert delivery(bal, "A", "first") == pytest.approx([10.0], abs=1e-12)
    assert delivery(bal, "A", "second") == pytest.approx([0.0], abs=1e-12)
    assert delivery(bal, "B", "second") == pytest.approx([4.0], abs=1e-12)
    assert raw["outflow"].sel(unit="A").values == pytest.approx([5.0], abs=1e-12)
    assert raw["outflow"].sel(unit="B").values == pytest.approx([1.0], abs=1e-12)


def test_transfer_annual_cap_is_cumulative_and_resets() -> None:
    """The transfer annual cap binds cumulatively over the months and restarts on 1 January.

    ::

        transfer: 4 per step at most, 6 per calendar year
            |
          [ A ]  demand 5 per month, preference: transfer

    Oct 2000: min(4, 6 - 0) = 4;  Nov: min(4, 6 - 4) = 2;  Dec: min(4, 6 - 6) = 0;
    Jan 2001 (new year, counter reset): min(4, 6 - 0) = 4.
    """
    inputs = make_inputs(
        ["A"], ["demand"], [1], [["transfer"]], start="2000-10", n_steps=4,
        requirement=5.0, transfer_step_max=4.0, transfer_annual_cap=6.0,
    )  # fmt: skip
    _, bal = run(inputs)
    assert delivery(bal, "A", "demand", "transfer") == pytest.approx([4.0, 2.0, 0.0, 4.0], abs=1e-12)


# ----------------------------------------------------------------------------------------------
# Interpreted kernel == compiled kernel
# ----------------------------------------------------------------------------------------------


def _branching_case() -> xr.Dataset:
    """cascade_inputs with a split, a confluence, a binding link and transfers; 2 samples."""
    ds = cascade_inputs(n_units=4, years=2, n_samples=2, seed=7).drop_dims("link")
    ds = ds.assign_coords(link=np.arange(4))
    ds["link_from"] = ("link", np.array(["u0", "u0", "u1", "u2"], dtype=object))
    ds["link_to"] = ("link", np.array(["u1", "u2", "u3", "u3"], dtype=object))
    ds["link_share"] = ("link", np.array([0.6, 0.3, 1.0, 1.0]))
    cap = np.full((ds.sizes["time"], 4), INF)
    cap[:, 1] = 2.0
    ds["link_capacity"] = (("time", "link"), cap)
    ds["transfer_step_max"] = ds["transfer_step_max"] + 1.5
    ds["transfer_annual_cap"] = ds["transfer_annual_cap"] + 10.0
    ds["priority"] = ("sector", np.array([1, 2, 2, 3]))
    return ds


def test_interpreted_kernel_equals_compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = _branching_case()
    compiled = run_network(inputs)
    # every numba function of the kernel module replaced by its pure-Python source
    for name, obj in list(vars(kernel).items()):
        if hasattr(obj, "py_func"):
            monkeypatch.setattr(kernel, name, obj.py_func)
    monkeypatch.setattr(sim.engine, "run_kernel", kernel.run_kernel)
    interpreted = run_network(inputs)
    assert set(compiled.data_vars) == set(interpreted.data_vars)
    for name in compiled.data_vars:
        np.testing.assert_allclose(
            interpreted[name].values, compiled[name].values, rtol=1e-12, atol=1e-12, err_msg=name
        )
    assert float(engine_delivery(compiled, inputs).sum()) > 0.0
