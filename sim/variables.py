"""One table of output variables: canonical units and long names (CF attributes).

Compute functions set values only; :func:`annotate` adds the metadata in one place.
``docs/outputs.md`` lists the same table for users (a test keeps them in sync).
"""

from __future__ import annotations

import xarray as xr

from sim.risk import RISK_VARIABLES

_HM3 = "hm3"

#: name -> (units, long_name)
VARIABLES: dict[str, tuple[str, str]] = {
    "requirement": (_HM3, "requirement at the intake per step"),
    "delivery": (_HM3, "delivery (withdrawal) by source per step"),
    "shortage": (_HM3, "shortage (requirement minus delivery) per step"),
    "consumption": (_HM3, "consumption (delivery that leaves the system) per step"),
    "return_river": (_HM3, "return flow to the river per step"),
    "return_groundwater": (_HM3, "return flow to the aquifer per step"),
    "return_wastewater": (_HM3, "return flow collected as wastewater per step"),
    "runoff": (_HM3, "local surface runoff per step"),
    "boundary_inflow": (_HM3, "inflow from outside the region per step"),
    "groundwater_recharge": (_HM3, "natural groundwater recharge per step"),
    "pumping": (_HM3, "groundwater pumped per step"),
    "inflow": (_HM3, "inflow from upstream units per step"),
    "outflow": (_HM3, "outflow of the unit per step (to links and out of the region)"),
    "region_outflow": (_HM3, "outflow of the unit that leaves the region per step"),
    "reservoir_storage": (_HM3, "reservoir storage at the end of the step"),
    "reservoir_release": (_HM3, "reservoir release (fall in storage) per step"),
    "reservoir_spill": (_HM3, "water a full reservoir could not keep per step"),
    "aquifer_storage": (_HM3, "aquifer storage at the end of the step"),
    "overdraft": (_HM3, "pumping beyond the sustainable yield per step (cumulative over the year)"),
    "reclaimed_pool": (_HM3, "treated wastewater available for reuse in the next step"),
    "reclaimed_discharge": (_HM3, "reclaimed water not delivered and discharged to the river per step"),
    "link_flow": (_HM3, "flow in the link per step"),
    "link_spill": (_HM3, "flow above the link capacity, leaving the region, per step"),
    "mass_balance_residual": (_HM3, "inflows minus outflows minus storage change per step"),
    # caps (pack caps.csv), annual
    "cap_limit": ("hm3/a", "use cap (total use may not exceed it)"),
    "cap_use": ("hm3/a", "use counted against the cap"),
    "cap_met": ("1", "1 where use stays under the cap"),
    # comparison with the baseline (runs with measures), annual
    "withdrawal_saving": ("hm3/a", "withdrawal saving against the baseline (conventional sources)"),
    "consumption_saving": ("hm3/a", "consumption (real) saving against the baseline"),
    "shortage_change": ("hm3/a", "change in shortage against the baseline"),
    "overdraft_change": ("hm3/a", "change in groundwater overdraft against the baseline"),
    "saving_one_at_a_time": ("hm3/a", "saving of the measure alone (baseline minus measure-only use)"),
    "saving_shapley": ("hm3/a", "Shapley value of the measure in the combined saving"),
    "saving_combined": ("hm3/a", "saving of all measures together"),
    "saving_interaction": ("hm3/a", "combined saving minus the sum of one-at-a-time savings"),
    "measure_extent": ("1", "extent of the measure, in the unit of its coord extent_units"),
    "measure_cost": ("yuan/a", "annualised cost: capital x CRF + O&M"),
    "cost_per_m3_withdrawal": ("yuan/m3", "annualised cost per m3 of withdrawal saved"),
    "cost_per_m3_consumption": ("yuan/m3", "annualised cost per m3 of consumption saved"),
    # diagnosis (sim.diagnosis)
    "shortage_unlimited_works": ("hm3/a", "shortage with every engineering capacity lifted (resource limit)"),
    "supply_capacity": (
        "hm3/a",
        "deliverable volume under the current works (requirements x risk.demand_multiplier)",
    ),
    "shortage_type": ("1", "shortage type over the run: 0 none, 1 engineering, 2 resource, 3 mixed"),
    # risk metrics (sim.risk)
    **RISK_VARIABLES,
}


def is_stock(name: str) -> bool:
    """Whether variable ``name`` is a stock at the end of a step (storages, cumulative sums) [-].

    Stocks are not summed over time: a year's value is its last step's.
    """
    return name.endswith("_storage") or name.startswith("cumulative_") or name == "reclaimed_pool"


def annotate(ds: xr.Dataset) -> xr.Dataset:
    """Set ``units`` and ``long_name`` (and ``cell_methods`` for flows) on known variables.

    Parameters
    ----------
    ds : xarray.Dataset
        Balance Dataset.

    Returns
    -------
    xarray.Dataset
        The same Dataset with CF attributes on every variable listed in ``VARIABLES``.
    """
    for name, (units, long_name) in VARIABLES.items():
        if name in ds:
            attrs = {"units": units, "long_name": long_name}
            stock = is_stock(name)
            if "time" in ds[name].dims and not stock:
                attrs["cell_methods"] = "time: sum"
            elif "year" in ds[name].dims and units == "hm3/a":
                attrs["cell_methods"] = "year: sum"
            ds[name].attrs.update(attrs)
    return ds
