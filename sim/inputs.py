"""Turn a region pack's static data into per-step model inputs on the time axis.

Rates [hm3 a-1] become amounts per step as ``rate * days_in_step / days_in_year``;
mean monthly amounts [hm3 per month] as ``amount * days_in_step / days_in_month``.
Every returned flow variable is an amount per time step [hm3].
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from sim.errors import InputError

#: Per-step inputs the engine reads, with the dims they carry (besides batch dims).
STEP_VARIABLES = {
    "requirement": ("time", "unit", "sector"),
    "runoff": ("time", "unit"),
    "boundary_inflow": ("time", "unit"),
    "surface_capacity": ("time", "unit"),
    "groundwater_capacity": ("time", "unit"),
    "groundwater_recharge": ("time", "unit"),
    "transfer_step_max": ("time", "unit"),
    "reclaimed_capacity": ("time", "unit"),
    "harvested": ("time", "unit"),
    "other": ("time", "unit"),
    "link_capacity": ("time", "link"),
}

#: Static inputs carried over from the pack unchanged.
STATIC_VARIABLES = (
    "area",
    "link_from",
    "link_to",
    "link_share",
    "priority",
    "preference",
    "consumption_fraction",
    "return_river",
    "return_groundwater",
    "return_wastewater",
    "reservoir_capacity",
    "reservoir_dead_storage",
    "reservoir_initial_storage",
    "groundwater_sustainable_yield",
    "groundwater_allowed_overdraft",
    "groundwater_storage",
    "transfer_annual_cap",
    "reclaimed_reuse_fraction",
)


def _per_step_rate(rate: xr.DataArray, axis: xr.Dataset) -> xr.DataArray:
    """Annual rate [hm3 a-1] -> amount per step [hm3]; ``inf`` stays ``inf``."""
    return rate * (axis["days_in_step"] / axis["days_in_year"])


def _per_step_monthly(monthly: xr.DataArray, axis: xr.Dataset) -> xr.DataArray:
    """Mean monthly amount [hm3 per month] -> amount per step [hm3]."""
    by_step = monthly.sel(month=axis["month"]).drop_vars("month")
    return by_step * (axis["days_in_step"] / axis["days_in_month"])


def _apply_series(
    values: xr.DataArray,
    key: tuple[str, str],
    series: Mapping[tuple[str, str], xr.DataArray],
    axis: xr.Dataset,
) -> xr.DataArray:
    """Replace ``values`` by a pack time series over the steps the series covers."""
    if key not in series:
        return values
    s = series[key].rename(date="time")
    name = s.attrs.get("file", f"series {key[0]}/{key[1]}")
    covered = axis.time.where(axis.time.isin(s.time.values), drop=True)
    if covered.size == 0:
        return values
    t0, t1 = covered.time.values[0], covered.time.values[-1]
    inside = axis.time.sel(time=slice(t0, t1))
    missing = np.setdiff1d(inside.values, s.time.values)
    if missing.size:
        raise InputError(f"{name}: no value for {str(missing[0])[:10]} inside the simulated horizon")
    s = s.reindex(time=axis.time)
    if axis.attrs.get("step") == "day" and s.attrs.get("step", "month") == "month":
        raise InputError(f"{name}: a monthly series cannot drive a daily run; give a daily series")
    return xr.where(s.notnull(), s.broadcast_like(values), values).transpose(*values.dims)


def expand_inputs(
    data: xr.Dataset, axis: xr.Dataset, series: Mapping[tuple[str, str], xr.DataArray] | None = None
) -> xr.Dataset:
    """Expand a pack's static data (``Pack.data``) to per-step model inputs.

    Parameters
    ----------
    data : xarray.Dataset
        Pack data in canonical units (see ``docs/packs.md``); may carry extra leading
        dimensions such as ``scenario`` or ``sample``.
    axis : xarray.Dataset
        Time axis from :func:`sim.timeaxis.make_time_axis`.
    series : mapping, optional
        Pack time series keyed by (item, variable) [hm3 per step].

    Returns
    -------
    xarray.Dataset
        The variables of ``STEP_VARIABLES`` [hm3 per step] and ``STATIC_VARIABLES``,
        plus ``year_start(time)``.
    """
    series = series or {}
    rate = lambda v: _per_step_rate(data[v], axis)
    monthly = lambda v: _per_step_monthly(data[v], axis)

    profile = data["requirement_profile"]
    by_profile = _per_step_monthly(data["requirement_rate"] * profile, axis)
    by_days = rate("requirement_rate")
    requirement = xr.where(profile.notnull().sel(month=axis["month"]).drop_vars("month"), by_profile, by_days)
    given_monthly = data["requirement_monthly"]
    requirement = xr.where(
        given_monthly.notnull().sel(month=axis["month"]).drop_vars("month"),
        _per_step_monthly(given_monthly.fillna(0.0), axis),
        requirement,
    )
    for sector in data.sector.values:
        key = (str(sector), "requirement")
        if key in series:
            sub = _apply_series(requirement.sel(sector=sector), key, series, axis)
            requirement = xr.where(requirement.sector == sector, sub, requirement)

    recharge = xr.where(
        data["groundwater_recharge"].notnull().sel(month=axis["month"]).drop_vars("month"),
        _per_step_monthly(data["groundwater_recharge"].fillna(0.0), axis),
        rate("groundwater_sustainable_yield"),
    )
    pattern = data["transfer_pattern"]
    by_pattern = _per_step_monthly(pattern.fillna(0.0) * data["transfer_annual_cap"], axis)
    transfer_sched = xr.where(
        pattern.notnull().sel(month=axis["month"]).drop_vars("month"), by_pattern, rate("transfer_annual_cap")
    )
    out = {
        "requirement": requirement,
        "runoff": _apply_series(monthly("runoff"), ("surface", "runoff"), series, axis),
        "boundary_inflow": _apply_series(monthly("boundary_inflow"), ("surface", "inflow"), series, axis),
        "surface_capacity": rate("surface_capacity"),
        "groundwater_capacity": rate("groundwater_capacity"),
        "groundwater_recharge": _apply_series(recharge, ("groundwater", "recharge"), series, axis),
        "transfer_step_max": np.minimum(transfer_sched, rate("transfer_capacity")),
        "reclaimed_capacity": rate("reclaimed_capacity"),
        "harvested": np.minimum(
            _apply_series(monthly("harvested_supply"), ("harvested", "supply"), series, axis),
            rate("harvested_capacity"),
        ),
        "other": np.minimum(
            _apply_series(monthly("other_supply"), ("other", "supply"), series, axis), rate("other_capacity")
        ),
        "link_capacity": rate("link_capacity"),
    }
    ds = xr.Dataset({k: v.assign_attrs(units="hm3") for k, v in out.items()})
    for name in STATIC_VARIABLES:
        ds[name] = data[name]
    ds["year_start"] = axis["year_start"]
    ds.attrs.update(data.attrs)
    ds.attrs["step"] = axis.attrs["step"]
    return ds
