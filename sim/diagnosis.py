"""Shortage type (resource, engineering, mixed) and supply capacity of each unit.

Both re-run the allocation with something lifted, vectorised along a batch dimension
``case`` of the same engine run:

* ``works``: every engineering capacity lifted to infinity — surface intake capacity,
  pumping capacity, link capacities, the per-step capacity of transfer works and the
  reclaimed-water plant capacity. What stays are the **resources**: runoff and inflow, the
  annual groundwater limit (sustainable yield plus allowed overdraft), the annual transfer
  quota and the wastewater that can be reused.
* ``demand``: every requirement multiplied by ``risk.demand_multiplier`` (default 10) with
  the works as they are: what the allocation then delivers to a unit is its **supply
  capacity** (供水能力) under the current works and the given hydrology — so at each
  guarantee rate with design years or samples.

Shortage type of a unit over the run, with ``S`` its total shortage with the works as they
are, ``S_res`` its shortage with unlimited works and ``ε = risk.tolerance × Σ requirement``:

======================  ====================================================================
``none`` (0)            ``S ≤ ε``
``engineering`` (1)     ``S > ε`` and ``S_res ≤ ε``: resources suffice, works bind (工程型)
``resource`` (2)        ``S_res > ε`` and ``S_res ≥ risk.resource_share × S`` (default 0.9):
                        short even with unlimited works (资源型)
``mixed`` (3)           the rest: lifting the works removes part of the shortage (混合型)
======================  ====================================================================
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.engine import run_network
from sim.timeaxis import annual

#: Engine inputs holding engineering capacities [hm3 per step], lifted in the ``works`` case.
WORKS = (
    "surface_capacity",
    "groundwater_capacity",
    "link_capacity",
    "transfer_step_max",
    "reclaimed_capacity",
)
TYPES = ("none", "engineering", "resource", "mixed")


def lift_works(inputs: xr.Dataset) -> xr.Dataset:
    """Return the inputs with every engineering capacity of :data:`WORKS` set to infinity."""
    return inputs.assign({name: xr.full_like(inputs[name], np.inf) for name in WORKS})


def diagnose(
    inputs: xr.Dataset,
    bal: xr.Dataset,
    demand_multiplier: float = 10.0,
    resource_share: float = 0.9,
    tolerance: float = 1e-3,
) -> xr.Dataset:
    """Shortage with unlimited works, shortage type and supply capacity of each unit.

    Parameters
    ----------
    inputs : xarray.Dataset
        The engine inputs of the run (any batch dims).
    bal : xarray.Dataset
        Its balance (:func:`sim.accounting.account`), for the shortage with current works.
    demand_multiplier : float
        Factor on every requirement for the supply capacity [1], > 1.
    resource_share : float
        Share of the shortage that must remain with unlimited works for a resource type [1].
    tolerance : float
        Shortage below ``tolerance × Σ requirement`` counts as none [1].

    Returns
    -------
    xarray.Dataset
        ``shortage_unlimited_works`` (…, year, unit) [hm3/a]; ``supply_capacity``
        (…, year, unit) [hm3/a]; ``shortage_type`` (…, unit) [code 0–3, CF flags].
    """
    cases = xr.concat(
        [lift_works(inputs), inputs.assign(requirement=inputs["requirement"] * demand_multiplier)],
        dim=xr.DataArray(["works", "demand"], dims="case", name="case"),
        data_vars="different",
        coords="minimal",
        compat="equals",
    )  # only the variables that differ between the cases get the case dim
    delivered = run_network(cases, by_source=False)["delivered"]
    short_res = (
        (cases["requirement"].sel(case="works", drop=True) - delivered.sel(case="works", drop=True))
        .clip(min=0.0)
        .sum("sector", skipna=False)
    )
    capacity = delivered.sel(case="demand", drop=True).sum("sector", skipna=False)
    s_now = bal["shortage"].sum(("time", "sector"), skipna=False)
    s_res = short_res.sum("time", skipna=False)
    eps = tolerance * bal["requirement"].sum(("time", "sector"), skipna=False)
    kind = xr.where(
        s_now <= eps,
        0,
        xr.where(s_res <= eps, 1, xr.where(s_res >= resource_share * s_now, 2, 3)),
    ).astype(np.int8)
    out = xr.Dataset(
        {
            "shortage_unlimited_works": annual(short_res).assign_attrs(
                units="hm3/a", long_name="shortage with every engineering capacity lifted (resource limit)"
            ),
            "supply_capacity": annual(capacity).assign_attrs(
                units="hm3/a",
                long_name=f"deliverable volume under the current works (requirements x {demand_multiplier:g})",
            ),
            "shortage_type": kind.assign_attrs(
                long_name="shortage type over the run",
                flag_values=np.arange(4, dtype=np.int8),
                flag_meanings=" ".join(TYPES),
                units="1",
            ),
        }
    )
    return out.drop_vars("case", errors="ignore")
