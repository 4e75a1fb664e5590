"""Domestic (residential) water requirement from population, use per resident and leakage.

For unit *u* and time step *t* of year *y* (``dy = y − base_year``)::

    population(y) = (urban_population + rural_population) · (1 + population_growth)^dy
    share(y)      = clip(share0 + urbanisation_gain · dy, 0, 1),  share0 = urban / (urban + rural)
    urban(y)      = share(y) · population(y),   rural(y) = (1 − share(y)) · population(y)
    requirement   = [urban(y) · urban_use / (1 − leakage) + rural(y) · rural_use]
                    · days_in_step · 1e-9                                   [hm3 per step]

with populations [person], uses at the tap [L/person/d] (urban use includes public use) and
``leakage`` the urban network leakage [1]; 1 hm3 = 1e9 L. ``urbanisation_gain`` is in share
points a year (0.01 = one point); the urban share is capped at 1 (and floored at 0).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from sim.demand.base import (
    DriverSpec,
    check,
    driver,
    get_base_year,
    growth_factor,
)

__all__ = ["DRIVERS", "requirement"]

MODEL = "domestic"

#: The driver variables read from ``drivers.csv``: name -> DriverSpec.
DRIVERS: dict[str, DriverSpec] = {
    "urban_population": DriverSpec(MODEL, "person", np.nan, "urban residents in the base year"),
    "rural_population": DriverSpec(MODEL, "person", np.nan, "rural residents in the base year"),
    "urban_use": DriverSpec(
        MODEL, "L/person/d", np.nan, "use per urban resident at the tap, incl. public use"
    ),
    "rural_use": DriverSpec(MODEL, "L/person/d", np.nan, "use per rural resident at the tap"),
    "public_share": DriverSpec(
        MODEL, "1", 0.0, "share of urban use at the tap that is public (municipal, services) use"
    ),
    "leakage": DriverSpec(MODEL, "1", 0.0, "urban network leakage; withdrawal = use / (1 - leakage)"),
    "population_growth": DriverSpec(MODEL, "1/a", 0.0, "annual growth of total population"),
    "urbanisation_gain": DriverSpec(MODEL, "1/a", 0.0, "yearly rise of the urban share, in share points"),
}

_L_TO_HM3 = 1e-9


def requirement(drivers: xr.Dataset, axis: xr.Dataset, options: Mapping) -> xr.Dataset:
    """Domestic water requirement (withdrawal) of every unit.

    Parameters
    ----------
    drivers : xarray.Dataset
        The :data:`DRIVERS` over dim ``unit``: ``urban_population``, ``rural_population``
        [person], ``urban_use``, ``rural_use`` [L/person/d], ``leakage`` [1],
        ``population_growth`` [1/a], ``urbanisation_gain`` [1/a, share points].
    axis : xarray.Dataset
        Time axis from :func:`sim.timeaxis.make_time_axis`.
    options : Mapping
        ``base_year`` (the pack's base year).

    Returns
    -------
    xarray.Dataset
        ``requirement(time, unit)`` [hm3 per step];
        ``urban_population(time, unit)``, ``rural_population(time, unit)`` [person];
        ``use_per_capita(time, unit)`` [L/person/d]: domestic use at the tap (without
        leakage, public use included) averaged over urban and rural residents;
        ``residential_per_capita(time, unit)`` [L/person/d]: the same without the public
        share of urban use (the bulletin's 居民生活 per resident); NaN where nobody lives.

    Raises
    ------
    InputError
        (a ``ValueError``) if a driver is missing or NaN, a population or use is negative,
        ``leakage`` is outside [0, 1) or ``population_growth`` is below −1; the message
        names the variable and the unit.
    """
    dy = axis["year"] - get_base_year(MODEL, options)
    names = ("urban_population", "rural_population", "urban_use", "rural_use")
    values = {name: driver(MODEL, DRIVERS, drivers, name) for name in names}
    for name, da in values.items():
        check(MODEL, da, name, da < 0, "is negative")
    leakage = driver(MODEL, DRIVERS, drivers, "leakage")
    check(MODEL, leakage, "leakage", (leakage < 0) | (leakage >= 1), "must lie in [0, 1)")
    gain = driver(MODEL, DRIVERS, drivers, "urbanisation_gain")

    total0 = values["urban_population"] + values["rural_population"]
    share0 = (values["urban_population"] / total0.where(total0 > 0)).fillna(0.0)
    share = (share0 + gain * dy).clip(0.0, 1.0)
    total = total0 * growth_factor(
        MODEL, driver(MODEL, DRIVERS, drivers, "population_growth"), "population_growth", dy
    )
    urban = (share * total).transpose(..., "time", "unit")
    rural = ((1.0 - share) * total).transpose(..., "time", "unit")

    public = driver(MODEL, DRIVERS, drivers, "public_share")
    check(MODEL, public, "public_share", (public < 0) | (public > 1), "must lie in [0, 1]")
    tap = urban * values["urban_use"] + rural * values["rural_use"]  # [L/d]
    residential = urban * values["urban_use"] * (1.0 - public) + rural * values["rural_use"]
    withdrawal = urban * values["urban_use"] / (1.0 - leakage) + rural * values["rural_use"]
    people = urban + rural
    return xr.Dataset(
        {
            "requirement": (withdrawal * axis["days_in_step"] * _L_TO_HM3)
            .transpose(..., "time", "unit")
            .assign_attrs(units="hm3", long_name="domestic water requirement (withdrawal)"),
            "urban_population": urban.assign_attrs(units="person", long_name="urban residents"),
            "rural_population": rural.assign_attrs(units="person", long_name="rural residents"),
            "use_per_capita": (tap / people.where(people > 0))
            .transpose(..., "time", "unit")
            .assign_attrs(units="L/person/d", long_name="domestic use per resident at the tap"),
            "residential_per_capita": (residential / people.where(people > 0))
            .transpose(..., "time", "unit")
            .assign_attrs(units="L/person/d", long_name="residential use per resident at the tap"),
        }
    )
