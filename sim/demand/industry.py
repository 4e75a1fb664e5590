"""Industrial water requirement from value added, withdrawal intensity and recycling.

For unit *u* and time step *t* of year *y* (``dy = y − base_year``)::

    value_added(y) = value_added · (1 + value_added_growth)^dy        [1e4 yuan/a]
    intensity(y)   = intensity · (1 − intensity_decline)^dy           [m3/1e4 yuan]
    requirement    = value_added(y) · intensity(y) · (1 − r) / (1 − r0)
                     · 1e-6 · days_in_step / days_in_year              [hm3 per step]

``intensity`` is the fresh-water withdrawal per value added in the base year, i.e. already
net of the base-year recycling rate ``r0``; recycling a larger share ``r`` of the gross use
scales the fresh withdrawal by ``(1 − r) / (1 − r0)``.

Recycling rates
---------------
The drivers carry two rates:

* ``recycling_rate`` (in :data:`DRIVERS`, read from ``drivers.csv``) is the **current** rate
  ``r``; a water-saving measure changes this variable;
* ``recycling_rate_base`` is the base-year rate ``r0``. It is *not* a ``drivers.csv``
  variable: whoever changes ``recycling_rate`` (a measure) must first keep the pack's value
  as ``recycling_rate_base``. Where it is absent (or NaN for a unit) it equals
  ``recycling_rate``, so the factor is 1.
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

MODEL = "industry"

#: The driver variables read from ``drivers.csv``: name -> DriverSpec.
DRIVERS: dict[str, DriverSpec] = {
    "value_added": DriverSpec(MODEL, "1e4 yuan/a", np.nan, "industrial value added in the base year"),
    "intensity": DriverSpec(
        MODEL, "m3/(1e4 yuan)", np.nan, "fresh-water withdrawal per value added in the base year"
    ),
    "recycling_rate": DriverSpec(
        MODEL, "1", 0.0, "share of gross industrial use met by recycling (current; a measure may change it)"
    ),
    "value_added_growth": DriverSpec(MODEL, "1/a", 0.0, "annual growth of value added"),
    "intensity_decline": DriverSpec(MODEL, "1/a", 0.0, "annual fall of the withdrawal intensity"),
}

_M3_TO_HM3 = 1e-6


# ----------------------------------------------------------------------------------------
# checks and growth (the same small helpers in every demand model)
# ----------------------------------------------------------------------------------------


def _recycling(drivers: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    current = driver(MODEL, DRIVERS, drivers, "recycling_rate")
    base = drivers["recycling_rate_base"].astype(float) if "recycling_rate_base" in drivers else current
    base = base.fillna(current)
    for name, da in (("recycling_rate", current), ("recycling_rate_base", base)):
        check(MODEL, da, name, (da < 0) | (da >= 1), "must lie in [0, 1)")
    return current, base


def requirement(drivers: xr.Dataset, axis: xr.Dataset, options: Mapping) -> xr.Dataset:
    """Industrial water requirement (fresh-water withdrawal) of every unit.

    Parameters
    ----------
    drivers : xarray.Dataset
        The :data:`DRIVERS` over dim ``unit``: ``value_added`` [1e4 yuan/a],
        ``intensity`` [m3/1e4 yuan], ``recycling_rate`` [1] (current),
        ``value_added_growth``, ``intensity_decline`` [1/a]; optional
        ``recycling_rate_base`` [1] (base year, defaults to ``recycling_rate``).
    axis : xarray.Dataset
        Time axis from :func:`sim.timeaxis.make_time_axis`.
    options : Mapping
        ``base_year`` (the pack's base year).

    Returns
    -------
    xarray.Dataset
        ``requirement(time, unit)`` [hm3 per step]; ``value_added(time, unit)``
        [1e4 yuan/a]; ``intensity(time, unit)`` [m3/1e4 yuan], the fresh-water intensity
        after the recycling change.

    Raises
    ------
    InputError
        (a ``ValueError``) if a driver is missing or NaN, value added or intensity is
        negative, a recycling rate is outside [0, 1), ``value_added_growth`` is below −1 or
        ``intensity_decline`` above 1; the message names the variable and the unit.
    """
    dy = axis["year"] - get_base_year(MODEL, options)
    value_added = driver(MODEL, DRIVERS, drivers, "value_added")
    intensity = driver(MODEL, DRIVERS, drivers, "intensity")
    for name, da in (("value_added", value_added), ("intensity", intensity)):
        check(MODEL, da, name, da < 0, "is negative")
    decline = driver(MODEL, DRIVERS, drivers, "intensity_decline")
    check(
        MODEL,
        decline,
        "intensity_decline",
        decline > 1,
        "is above 1: (1 - d)^(y - base_year) would turn negative",
    )
    if (dy < 0).any():
        check(
            MODEL,
            decline,
            "intensity_decline",
            decline == 1,
            "is 1 and the run has years before the base year",
        )
    current, base = _recycling(drivers)

    va = (
        value_added
        * growth_factor(
            MODEL, driver(MODEL, DRIVERS, drivers, "value_added_growth"), "value_added_growth", dy
        )
    ).transpose(..., "time", "unit")
    fresh = (intensity * (1.0 - decline) ** dy * (1.0 - current) / (1.0 - base)).transpose(
        ..., "time", "unit"
    )
    per_step = axis["days_in_step"] / axis["days_in_year"]
    return xr.Dataset(
        {
            "requirement": (va * fresh * _M3_TO_HM3 * per_step)
            .transpose(..., "time", "unit")
            .assign_attrs(units="hm3", long_name="industrial water requirement (fresh-water withdrawal)"),
            "value_added": va.assign_attrs(units="1e4 yuan/a", long_name="industrial value added"),
            "intensity": fresh.assign_attrs(
                units="m3/(1e4 yuan)", long_name="fresh-water withdrawal per value added"
            ),
        }
    )
