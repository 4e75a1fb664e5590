"""Scale the pack's mean hydrology by multipliers: the drivers of the demand models and the engine inputs.

The multipliers come from a design year (:mod:`sim.hydrology.design`), a stochastic
ensemble (:mod:`sim.hydrology.stochastic`), water-year types or a series
(:mod:`sim.hydrology.sequences`); all are [1] over ``unit`` and any of ``frequency``,
``sample``, ``year`` (or ``time``). This module needs neither scipy.stats nor the P-III
functions, so a stochastic run does not import them.
"""

from __future__ import annotations

import xarray as xr


def scale_drivers(drivers: dict[str, xr.Dataset], factors: xr.Dataset) -> dict[str, xr.Dataset]:
    """Scale the climate precipitation of every model and the irrigation ET0 factor."""
    out = {}
    for model, ds in drivers.items():
        if "climate_precipitation" in ds:
            ds = ds.assign(climate_precipitation=ds["climate_precipitation"] * factors["precipitation"])
        if model == "irrigation":
            base = ds.get("et0_factor", 1.0)
            ds = ds.assign(et0_factor=base * factors["et0"])
        out[model] = ds
    return out


def scale_inputs(inputs: xr.Dataset, factors: xr.Dataset) -> xr.Dataset:
    """Scale runoff, boundary inflow, recharge and the transfer quota of the engine inputs [hm3]."""
    return inputs.assign(
        runoff=inputs["runoff"] * factors["runoff"],
        boundary_inflow=inputs["boundary_inflow"] * factors["inflow"],
        groundwater_recharge=inputs["groundwater_recharge"] * factors["recharge"],
        transfer_step_max=inputs["transfer_step_max"] * factors["transfer"],
        transfer_annual_cap=inputs["transfer_annual_cap"] * factors["transfer"],
    )
