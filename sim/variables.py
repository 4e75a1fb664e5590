"""One table of output variables: canonical units and long names (CF attributes).

Compute functions set values only; :func:`annotate` adds the metadata in one place.
``docs/outputs.md`` lists the same table for users (a test keeps them in sync).
"""

from __future__ import annotations

import xarray as xr

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
}


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
            if not name.endswith("_storage") and name != "reclaimed_pool":
                attrs["cell_methods"] = "time: sum"
            ds[name].attrs.update(attrs)
    return ds
