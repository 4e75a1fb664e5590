"""Urban green-space irrigation requirement, spread over the irrigation season.

For unit *u* and time step *t* of year *y*::

    green_area(y) = green_area · (1 + green_growth)^(y − base_year)                  [ha]
    requirement   = green_area(y) · green_quota · 1e-5 · days_in_step / D(y)   if month(t) in months
                  = 0                                                          otherwise  [hm3 per step]

with ``green_quota`` the irrigation depth per year [mm] (1 mm over 1 ha = 1e-5 hm3) and
``D(y)`` the number of days of the option ``months`` (default April–October) in year *y*,
so the yearly volume is spread over those months in proportion to their days.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from sim.demand.base import (
    DriverSpec,
    check,
    days_of_months,
    driver,
    get_base_year,
    growth_factor,
    option_months,
)

__all__ = ["DRIVERS", "requirement"]

MODEL = "urban"

#: The driver variables read from ``drivers.csv``: name -> DriverSpec.
DRIVERS: dict[str, DriverSpec] = {
    "green_area": DriverSpec(MODEL, "ha", np.nan, "irrigated urban green space in the base year"),
    "green_quota": DriverSpec(MODEL, "mm", np.nan, "irrigation depth per year"),
    "green_growth": DriverSpec(MODEL, "1/a", 0.0, "annual growth of green area"),
}

_MM_HA_TO_HM3 = 1e-5
_DEFAULT_MONTHS = (4, 5, 6, 7, 8, 9, 10)


# ----------------------------------------------------------------------------------------
# checks and growth (the same small helpers in every demand model)
# ----------------------------------------------------------------------------------------


def requirement(drivers: xr.Dataset, axis: xr.Dataset, options: Mapping) -> xr.Dataset:
    """Urban green-space irrigation requirement of every unit.

    Parameters
    ----------
    drivers : xarray.Dataset
        The :data:`DRIVERS` over dim ``unit``: ``green_area`` [ha], ``green_quota``
        [mm/a], ``green_growth`` [1/a].
    axis : xarray.Dataset
        Time axis from :func:`sim.timeaxis.make_time_axis`.
    options : Mapping
        ``months`` (month numbers of the irrigation season, default [4, ..., 10]) and
        ``base_year`` (the pack's base year).

    Returns
    -------
    xarray.Dataset
        ``requirement(time, unit)`` [hm3 per step]; ``green_area(time, unit)`` [ha], grown.

    Raises
    ------
    InputError
        (a ``ValueError``) if a driver is missing or NaN, area or quota is negative,
        ``green_growth`` is below −1 or ``months`` is not a list of distinct months 1..12;
        the message names the variable and the unit.
    """
    dy = axis["year"] - get_base_year(MODEL, options)
    months = option_months(MODEL, options, "months", _DEFAULT_MONTHS)
    area = driver(MODEL, DRIVERS, drivers, "green_area")
    quota = driver(MODEL, DRIVERS, drivers, "green_quota")
    for name, da in (("green_area", area), ("green_quota", quota)):
        check(MODEL, da, name, da < 0, "is negative")
    grown = (
        area * growth_factor(MODEL, driver(MODEL, DRIVERS, drivers, "green_growth"), "green_growth", dy)
    ).transpose(..., "time", "unit")

    time = {"time": axis["time"]}
    in_season = xr.DataArray(np.isin(axis["month"].values, months), coords=time)
    season_days = xr.DataArray(days_of_months(axis["year"].values, months), coords=time)
    share = in_season * axis["days_in_step"] / season_days
    return xr.Dataset(
        {
            "requirement": (grown * quota * _MM_HA_TO_HM3 * share)
            .transpose(..., "time", "unit")
            .assign_attrs(units="hm3", long_name="urban green-space irrigation requirement"),
            "green_area": grown.assign_attrs(units="ha", long_name="irrigated urban green space"),
        }
    )
