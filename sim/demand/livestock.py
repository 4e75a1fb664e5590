"""Livestock water requirement, ``Σ heads · use · days`` (see ``docs/demand.md``).

For unit *u* and time step *t* of year *y*::

    requirement = (heads_large · use_large + heads_small · use_small) · (1 + heads_growth)^(y − base_year)
                  · days_in_step · 1e-9                                          [hm3 per step]

with heads [head] and uses [L/head/d]; 1 hm3 = 1e9 L. Both herds grow at ``heads_growth``.
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

MODEL = "livestock"

#: The driver variables read from ``drivers.csv``: name -> DriverSpec.
DRIVERS: dict[str, DriverSpec] = {
    "heads_large": DriverSpec(MODEL, "head", np.nan, "large livestock (cattle, horses, donkeys, camels)"),
    "heads_small": DriverSpec(MODEL, "head", np.nan, "small livestock (sheep, goats, pigs)"),
    "use_large": DriverSpec(MODEL, "L/head/d", np.nan, "water use per large animal per day"),
    "use_small": DriverSpec(MODEL, "L/head/d", np.nan, "water use per small animal per day"),
    "heads_growth": DriverSpec(MODEL, "1/a", 0.0, "annual growth of the herds"),
}

_L_TO_HM3 = 1e-9


# ----------------------------------------------------------------------------------------
# checks and growth (the same small helpers in every demand model)
# ----------------------------------------------------------------------------------------


def requirement(drivers: xr.Dataset, axis: xr.Dataset, options: Mapping) -> xr.Dataset:
    """Livestock water requirement of every unit.

    Parameters
    ----------
    drivers : xarray.Dataset
        The :data:`DRIVERS` over dim ``unit``: ``heads_large``, ``heads_small`` [head],
        ``use_large``, ``use_small`` [L/head/d], ``heads_growth`` [1/a].
    axis : xarray.Dataset
        Time axis from :func:`sim.timeaxis.make_time_axis`.
    options : Mapping
        ``base_year`` (the pack's base year).

    Returns
    -------
    xarray.Dataset
        ``requirement(time, unit)`` [hm3 per step]; ``heads_large(time, unit)`` and
        ``heads_small(time, unit)`` [head], grown.

    Raises
    ------
    InputError
        (a ``ValueError``) if a driver is missing or NaN, heads or uses are negative, or
        ``heads_growth`` is below −1; the message names the variable and the unit.
    """
    dy = axis["year"] - get_base_year(MODEL, options)
    values = {
        name: driver(MODEL, DRIVERS, drivers, name)
        for name in ("heads_large", "heads_small", "use_large", "use_small")
    }
    for name, da in values.items():
        check(MODEL, da, name, da < 0, "is negative")
    growth = growth_factor(MODEL, driver(MODEL, DRIVERS, drivers, "heads_growth"), "heads_growth", dy)
    large = (values["heads_large"] * growth).transpose(..., "time", "unit")
    small = (values["heads_small"] * growth).transpose(..., "time", "unit")
    litres_per_day = large * values["use_large"] + small * values["use_small"]
    return xr.Dataset(
        {
            "requirement": (litres_per_day * axis["days_in_step"] * _L_TO_HM3)
            .transpose(..., "time", "unit")
            .assign_attrs(units="hm3", long_name="livestock water requirement"),
            "heads_large": large.assign_attrs(units="head", long_name="large livestock"),
            "heads_small": small.assign_attrs(units="head", long_name="small livestock"),
        }
    )
