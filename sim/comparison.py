"""The comparison of every run: savings against the baseline, costs per m³, and the use caps.

All annual quantities are sums over the steps of a calendar year [hm3/a]. *Withdrawal*
is the delivery from conventional sources (surface, groundwater, transfer): the use a
cap limits (non-conventional water — reclaimed, harvested, other — is encouraged and not
counted against the cap, as in the Ministry's assessment since 2021; set
``comparison.cap_counts_unconventional=true`` to count it). *Consumption* is the part of
every delivery that leaves the system; a consumption ("real") saving is what a measure
saves once the return flow it no longer produces is subtracted (``methods.md`` §7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import xarray as xr

from sim.attribution import CONVENTIONAL
from sim.caps import cap_masks
from sim.measures.base import crf
from sim.scenario import COST_OPTIONS, Measure, check_costs
from sim.timeaxis import annual

HM3_TO_M3 = 1e6


def annual_use(bal: xr.Dataset, unconventional: bool = False) -> xr.DataArray:
    """Delivery counted as use (conventional sources, or all) by year [hm3/a].

    The delivery is summed over each year first (one pass over the largest array of an
    ensemble, read once however many sources count), then over the sources counted.

    Parameters
    ----------
    bal : xarray.Dataset
        A balance with ``delivery(..., time, unit, sector, source)`` [hm3 per step].
    unconventional : bool
        Count every source, not only :data:`sim.attribution.CONVENTIONAL`.

    Returns
    -------
    xarray.DataArray
        Dims of ``delivery`` with ``year`` for ``time`` and without ``source`` [hm3/a].
    """
    idx = [i for i, s in enumerate(bal.source.values) if unconventional or str(s) in CONVENTIONAL]
    by_source = annual(bal["delivery"])
    if not idx:
        return xr.zeros_like(by_source.isel(source=0, drop=True))
    return by_source.isel(source=idx).sum("source", skipna=False)


def savings(bal: xr.Dataset, baseline: str = "baseline") -> xr.Dataset:
    """Annual savings and changes of every scenario against ``baseline``.

    Returns
    -------
    xarray.Dataset
        Over (scenario, sample, year, unit, sector) [hm3/a]: ``withdrawal_saving``
        (baseline − scenario withdrawal of conventional water), ``consumption_saving``,
        ``shortage_change`` (scenario − baseline); over (scenario, sample, year, unit):
        ``overdraft_change`` [hm3/a].
    """
    w = annual_use(bal)
    c = annual(bal["consumption"])
    s = annual(bal["shortage"])
    o = annual(bal["overdraft"])
    base = {"scenario": baseline}
    return xr.Dataset(
        {
            "withdrawal_saving": (w.sel(base) - w).assign_attrs(
                units="hm3/a", long_name="withdrawal saving against the baseline (conventional sources)"
            ),
            "consumption_saving": (c.sel(base) - c).assign_attrs(
                units="hm3/a", long_name="consumption (real) saving against the baseline"
            ),
            "shortage_change": (s - s.sel(base)).assign_attrs(
                units="hm3/a", long_name="change in shortage against the baseline"
            ),
            "overdraft_change": (o - o.sel(base)).assign_attrs(
                units="hm3/a", long_name="change in groundwater overdraft against the baseline"
            ),
        }
    )


def cap_status(
    bal: xr.Dataset, caps: xr.DataArray, data: xr.Dataset, unconventional: bool = False
) -> xr.Dataset:
    """Use under each cap by scenario, sample and year, and whether it stays under.

    Returns
    -------
    xarray.Dataset
        ``cap`` [hm3/a]; ``cap_use`` (scenario, sample, year, cap) [hm3/a]; ``cap_met``
        (1 where use ≤ cap, else 0).
    """
    if caps.sizes["cap"] == 0:
        return xr.Dataset()
    mask = cap_masks(caps, data)
    total = annual_use(bal, unconventional).sum("sector", skipna=False)
    cap_use = (total * mask).sum("unit", skipna=False)
    return xr.Dataset(
        {
            "cap_limit": caps,
            "cap_use": cap_use.assign_attrs(units="hm3/a", long_name="use counted against the cap"),
            "cap_met": (cap_use <= caps)
            .astype(np.int8)
            .assign_attrs(units="1", long_name="1 where use stays under the cap"),
        }
    )


def costs(
    measures: Sequence[Measure],
    extents: Mapping[str, xr.DataArray],
    scenario: str | None,
    discount_rate: float,
) -> xr.Dataset:
    """Extent and annualised cost of each measure by year.

    ``cost = extent × (capital_cost × CRF(r, lifetime) + om_cost)``, with the extent the
    mean over the steps of the year (a stock: area, persons, capacity) summed over units.

    Parameters
    ----------
    measures : sequence of Measure
        The measures; costs that vary along ``scenario`` (a sweep,
        :func:`sim.scenario.vary`) are taken per scenario.
    extents : mapping of xarray.DataArray
        Extent of each measure over (scenario, time, unit) [its ``EXTENT`` units].
    scenario : str or None
        The scenario whose costs are wanted; None keeps every scenario.
    discount_rate : float
        Discount rate of the capital recovery factor [1/a].

    Returns
    -------
    xarray.Dataset
        ``measure_extent`` (measure, [scenario,] year) [each measure's ``extent_units``];
        ``measure_cost`` (measure, [scenario,] year) [yuan/a]; coords ``extent_units`` and
        those of ``capital_cost``, ``om_cost``, ``lifetime``, ``crf`` that do not vary.
    """
    names = [m.name for m in measures]
    ext, cost = [], []
    info: dict[str, list] = {"extent_units": [], "capital_cost": [], "om_cost": [], "lifetime": [], "crf": []}
    varies = any(k in m.varying for m in measures for k in COST_OPTIONS)
    for m in measures:
        e = extents[m.name]
        if scenario is not None:
            e = e.sel(scenario=scenario)
        e = e.sum("unit", skipna=False)
        e = e.groupby(e["time"].dt.year).mean("time")
        c: dict[str, float | xr.DataArray] = dict(check_costs(m))
        for key in COST_OPTIONS:
            if key in m.varying:
                rows = [check_costs(replace(m, options={**m.options, key: v}))[key] for v in m.varying[key]]
                values = xr.DataArray(
                    np.asarray(rows), coords={"scenario": e.scenario.values}, dims="scenario"
                )
                c[key] = values if scenario is None else values.sel(scenario=scenario)
        f = crf(discount_rate, c["lifetime"])
        ext.append(e)
        cost.append(e * (c["capital_cost"] * f + c["om_cost"]))
        info["extent_units"].append(m.module.EXTENT.units)
        if not varies:
            for key in COST_OPTIONS:
                info[key].append(c[key])
            info["crf"].append(f)
    index = xr.DataArray(names, dims="measure", name="measure")
    coords = {k: ("measure", np.asarray(v)) for k, v in info.items() if len(v) == len(names)}
    return xr.Dataset(
        {
            "measure_extent": xr.concat(ext, dim=index).assign_attrs(
                long_name="extent of the measure (units in coord extent_units)"
            ),
            "measure_cost": xr.concat(cost, dim=index).assign_attrs(
                units="yuan/a", long_name="annualised cost: capital x CRF + O&M"
            ),
        }
    ).assign_coords(coords)


def cost_per_m3(cost: xr.DataArray, saving: xr.DataArray) -> xr.DataArray:
    """Cost per m³ saved [yuan/m3]: annual cost / annual saving; NaN where the saving is ≤ 0."""
    m3 = saving * HM3_TO_M3
    return (cost / m3.where(m3 > 0)).assign_attrs(units="yuan/m3", long_name="annualised cost per m3 saved")
