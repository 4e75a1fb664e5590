"""Parts of a network that share no water are solved on their own (sim.engine.network).

The kernel routes, fills and retains each connected part of the network over that part's
units only. The independent check: a region made of two rivers gives, for every unit, the
same flows as each river run as a region of its own.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.accounting import account, check_mass_balance
from sim.engine import run_network
from sim.engine.network import group_by_component, topological_order
from sim.synthetic import cascade_inputs


def test_group_by_component_by_hand() -> None:
    # 0 -> 2 -> 4 (a river), 1 -> 3 (another), 5 alone; a link to -1 leaves the region
    link_from = np.array([0, 2, 1, 4, 5])
    link_to = np.array([2, 4, 3, -1, -1])
    order = topological_order(6, link_from, link_to)
    assert order.tolist() == [0, 1, 5, 2, 3, 4]
    grouped, ptr = group_by_component(order, link_from, link_to)
    assert grouped.tolist() == [0, 2, 4, 1, 3, 5]
    assert ptr.tolist() == [0, 3, 5, 6]


def _rename(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    """Prefix the unit names (and the link ends) of an inputs Dataset."""
    ds = ds.assign_coords(unit=[f"{prefix}{u}" for u in ds.unit.values])
    for end in ("link_from", "link_to"):
        ds[end] = ("link", np.array([f"{prefix}{u}" for u in ds[end].values], dtype=object))
    return ds


def test_two_rivers_equal_each_river_alone() -> None:
    # a 4-unit tree with reservoirs on every second unit and a 3-unit chain with one at its
    # head, different runoff samples; together they are one region of two parts
    a = _rename(cascade_inputs(4, years=2, n_samples=3, topology="tree", reservoir=True, seed=1), "a")
    b = _rename(cascade_inputs(3, years=2, n_samples=3, reservoir="head", seed=2), "b")
    b = b.assign_coords(link=b.link + a.sizes["link"])
    # interleave the units so that neither part is contiguous in the Dataset's order
    both = xr.concat(
        [a.drop_dims("link"), b.drop_dims("link")],
        dim="unit",
        data_vars="minimal",
        coords="minimal",
        compat="override",
    )
    both = both.merge(xr.concat([a[_link_vars(a)], b[_link_vars(b)]], dim="link"))
    both = both.isel(unit=[0, 4, 1, 5, 2, 6, 3])
    for name in ("requirement", "runoff", "surface_capacity", "groundwater_recharge"):
        assert "unit" in both[name].dims
    raw = run_network(both)
    check_mass_balance(account(both, raw))
    for part in (a, b):
        alone = run_network(part)
        units = part.unit.values
        for name in ("delivery", "outflow", "reservoir_storage", "reservoir_spill", "aquifer_storage"):
            np.testing.assert_allclose(
                raw[name].sel(unit=units).values, alone[name].values, rtol=1e-12, atol=1e-12, err_msg=name
            )
        links = part.link.values
        np.testing.assert_allclose(
            raw["link_flow"].sel(link=links).values, alone["link_flow"].values, atol=1e-12
        )
        # something happens in each part: shortages and reservoir changes
        assert float(alone["reservoir_storage"].std()) > 0.0


def _link_vars(ds: xr.Dataset) -> list[str]:
    return [str(v) for v in ds.data_vars if "link" in ds[v].dims]


def test_closed_units_equal_the_general_solver() -> None:
    # The kernel solves a part of one unit in closed form: its surface allocation (one
    # common coverage, bounded by the water held and the diversion capacity) and its
    # reservoir's retention (the whole outflow, up to the free capacity). The independent
    # check: the same units, each with an empty unit downstream, go through the general
    # solver (progressive filling by Newton steps, retention by _max_step) and must give
    # the same flows. Water is scarce (shortages) and reservoirs fill, spill and release.
    closed = cascade_inputs(4, years=2, n_samples=3, topology="chain", reservoir=True, seed=5)
    closed = closed.assign(
        link_to=("link", np.array(["outlet"] * closed.sizes["link"], dtype=object)),
        surface_capacity=closed["surface_capacity"] * 0.0 + 20.0,  # binds in some steps
    )
    units = [str(u) for u in closed.unit.values]
    dummies = closed.isel(unit=list(range(len(units)))).assign_coords(unit=[f"{u}_end" for u in units])
    for name in dummies.data_vars:
        da = dummies[name]
        if "unit" in da.dims and name in (
            "requirement", "runoff", "boundary_inflow", "reservoir_capacity", "reservoir_dead_storage",
            "reservoir_initial_storage", "groundwater_recharge", "groundwater_storage", "harvested", "other",
        ):  # fmt: skip
            dummies[name] = da * 0.0
    padded = xr.concat([closed.drop_dims("link"), dummies.drop_dims("link")], dim="unit", data_vars="minimal",
                       coords="minimal", compat="override")  # fmt: skip
    padded = padded.merge(
        xr.Dataset(
            {
                "link_from": ("link", np.array(units, dtype=object)),
                "link_to": ("link", np.array([f"{u}_end" for u in units], dtype=object)),
                "link_share": ("link", np.ones(len(units))),
                "link_capacity": (("time", "link"), np.full((closed.sizes["time"], len(units)), np.inf)),
            },
            coords={"link": np.arange(len(units)), "time": closed.time},
        )
    )
    fast = run_network(closed)
    general = run_network(padded)
    check_mass_balance(account(closed, fast))
    for name in ("delivery", "reservoir_storage", "reservoir_release", "reservoir_spill", "aquifer_storage"):
        np.testing.assert_allclose(
            fast[name].values, general[name].sel(unit=units).values, rtol=1e-12, atol=1e-12, err_msg=name
        )
    np.testing.assert_allclose(
        fast["outflow"].values, general["inflow"].sel(unit=[f"{u}_end" for u in units]).values, atol=1e-12
    )
    # the case is not trivial: shortages, spills and releases all occur
    shortage = closed["requirement"] - fast["delivery"].sum("source")
    assert float(shortage.max()) > 0.1
    assert float(fast["reservoir_spill"].max()) > 0.0
    assert float(fast["reservoir_release"].max()) > 0.0
