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
from numba import njit

from sim.engine import as_batch_array, run_network
from sim.timeaxis import year_of_step

#: Engine inputs holding engineering capacities [hm3 per step], lifted in the ``works`` case.
WORKS = (
    "surface_capacity",
    "groundwater_capacity",
    "link_capacity",
    "transfer_step_max",
    "reclaimed_capacity",
)
TYPES = ("none", "engineering", "resource", "mixed")
#: The two engine cases, along dim ``case``.
CASES = ("works", "demand")


def lift_works(inputs: xr.Dataset) -> xr.Dataset:
    """Return the inputs with every engineering capacity of :data:`WORKS` set to infinity."""
    return inputs.assign({name: xr.full_like(inputs[name], np.inf) for name in WORKS})


def case_inputs(inputs: xr.Dataset, demand_multiplier: float) -> xr.Dataset:
    """Return the inputs of both cases of :data:`CASES` along a leading dim ``case``.

    ``works``: :func:`lift_works`; ``demand``: every requirement times ``demand_multiplier``
    [1]. Only the variables that differ between the cases get the ``case`` dim.
    """

    def along_case(works: np.ndarray, demand: np.ndarray, like: xr.DataArray) -> xr.DataArray:
        return xr.DataArray(np.stack([works, demand]), dims=("case", *like.dims), coords=like.coords)

    lifted = lift_works(inputs)
    changed = {name: along_case(lifted[name].values, inputs[name].values, inputs[name]) for name in WORKS}
    req = inputs["requirement"]
    changed["requirement"] = along_case(req.values, req.values * demand_multiplier, req)
    return inputs.assign(changed).assign_coords(case=list(CASES))


@njit(cache=True, nogil=True)
def _annual_sums(req, works, demand, year_of_step, short, capacity):
    """Add the shortage with unlimited works and the demand case's deliveries up by year.

    ``short`` gets ``Σ_sector max(req − works, 0)`` and ``capacity`` ``Σ_sector demand``.
    ``req`` (batch or 1, time, unit, sector), ``works`` and ``demand`` (batch, time, unit,
    sector) [hm3]; ``year_of_step`` (time) the year index of each step; ``short`` and
    ``capacity`` (batch, year, unit) [hm3/a], zero on entry. A NaN anywhere in a sum gives NaN.
    """
    nb, nt, nu, ns = works.shape
    for b in range(nb):
        br = b if req.shape[0] > 1 else 0
        for t in range(nt):
            y = year_of_step[t]
            for u in range(nu):
                s_sum = 0.0
                c_sum = 0.0
                for s in range(ns):
                    gap = req[br, t, u, s] - works[b, t, u, s]
                    if not gap <= 0.0:  # positive or NaN (clip keeps a NaN)
                        s_sum += gap
                    c_sum += demand[b, t, u, s]
                short[b, y, u] += s_sum
                capacity[b, y, u] += c_sum


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
    delivered = run_network(case_inputs(inputs, demand_multiplier), by_source=False)["delivered"]
    # the shortage with unlimited works and the deliveries of the demand case, summed over
    # the sectors and the steps of each year in one compiled pass
    lead = tuple(d for d in delivered.dims if d not in ("case", "time", "unit", "sector"))
    dv = delivered.transpose("case", *lead, "time", "unit", "sector")
    sizes = {d: dv.sizes[d] for d in lead}
    flat = np.ascontiguousarray(dv.values).reshape(2, -1, *dv.shape[-3:])
    req = as_batch_array(inputs["requirement"], lead, sizes, ("time", "unit", "sector"))
    year_list, step_year = year_of_step(dv["time"].dt.year.values)
    short = np.zeros((flat.shape[1], year_list.size, flat.shape[-2]))
    cap = np.zeros_like(short)
    _annual_sums(req, flat[0], flat[1], step_year, short, cap)
    coords = {**{d: dv[d] for d in lead if d in dv.coords}, "year": year_list, "unit": dv["unit"]}

    def by_year(values: np.ndarray) -> xr.DataArray:
        shape = [sizes[d] for d in lead] + list(values.shape[1:])
        return xr.DataArray(values.reshape(shape), dims=(*lead, "year", "unit"), coords=coords)

    short_res, capacity = by_year(short), by_year(cap)
    # over time first, then sector: numpy sums a short last axis slowly (about 6x here)
    s_now = bal["shortage"].sum("time", skipna=False).sum("sector", skipna=False)
    s_res = short_res.sum("year", skipna=False)
    eps = tolerance * bal["requirement"].sum("time", skipna=False).sum("sector", skipna=False)
    kind = xr.where(
        s_now <= eps,
        0,
        xr.where(s_res <= eps, 1, xr.where(s_res >= resource_share * s_now, 2, 3)),
    ).astype(np.int8)
    out = xr.Dataset(
        {
            "shortage_unlimited_works": short_res.assign_attrs(
                units="hm3/a", long_name="shortage with every engineering capacity lifted (resource limit)"
            ),
            "supply_capacity": capacity.assign_attrs(
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
