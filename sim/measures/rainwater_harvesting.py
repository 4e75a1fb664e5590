"""Rainwater harvesting (雨水集蓄利用): roofs, yards, greenhouses and lined ridges fill cisterns.

On the covered share ``ℓ`` of a unit, a catchment of ``a · A`` (``catchment_share`` ``a``
of the unit's area ``A`` [ha]) drains to tanks with the capture efficiency ``η``
(``capture_efficiency``). The harvested supply of a step rises by

.. math::

    H_t = ℓ_t · η · a · A · P_t · 10^{-5}   [hm3]

with ``P_t = P_m · d_t / d_m`` [mm] the rain of the step: the month's precipitation ``P_m``
[mm/month] of the climate drivers, times the days of the step ``d_t`` over the days of the
month ``d_m`` (1 mm over 1 ha is 10 m3 = 1e-5 hm3). The engine input ``harvested`` [hm3 per
step] is the supply already capped by the pack's works; the new works take all their own
yield, so ``H_t`` is added to it. Water not delivered in its step is not stored (the engine's
``harvested`` source has no storage), a conservative reading.

The extent is the annual yield capacity ``E = ℓ · η · a · A · P_a · 10`` [m3/a], with
``P_a`` the unit's annual precipitation [mm/a].
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.errors import InputError
from sim.measures.base import Extent, Param, State

ORDER = 70
SECTOR_GROUPS: tuple[str, ...] = ()  # adds supply; cuts no requirement
_HM3_PER_MM_HA = 1e-5
_M3_PER_MM_HA = 10.0

PARAMETERS = {
    "capture_efficiency": Param(
        "1",
        0.0,
        1.0,
        "sourced: greenhouse rain tank, actual capture ~57 % (Tianjin, 2021, "
        "http://www.victorzhang.cn/page/2022/0127/13034741.shtml); ridge-furrow runoff efficiency "
        "0.94 plastic film / 0.88 biodegradable film / 0.28 soil ridge (Dingxi, "
        "http://www.ecologica.cn/stxb/ch/html/2019/1/stxb201701300203.htm)",
        "share of the rain on the catchment that reaches the tanks",
    ),
    "catchment_share": Param(
        "1",
        0.0,
        0.05,
        "estimate: roofs, yards, greenhouse roofs and lined ridges draining to tanks at full "
        "coverage, 0.1 % of the unit's area",
        "catchment area at full coverage as a share of the unit's area",
    ),
}
EXTENT = Extent("annual harvested-water yield capacity", "m3/a")


def _monthly_rain(state: State) -> xr.DataArray:
    """Precipitation by month and unit [mm/month] from the climate drivers."""
    for ds in state.baseline_drivers.values():
        if "climate_precipitation" in ds:
            return ds["climate_precipitation"].astype(float).fillna(0.0)
    raise InputError("measure 'rainwater_harvesting' needs the pack's climate precipitation (monthly.csv)")


def _catchment(state: State, p: Mapping[str, float]) -> xr.DataArray:
    """Effective catchment at full coverage, ``η · a · A`` [ha]."""
    area = state.pack.data["area"].astype(float)
    return p["capture_efficiency"] * p["catchment_share"] * area


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Add the harvested rain of each step to the ``harvested`` supply."""
    assert state.inputs is not None
    axis = state.axis
    rain = _monthly_rain(state).sel(month=axis["month"]).drop_vars("month")
    rain = rain * (axis["days_in_step"] / axis["days_in_month"])
    full = _catchment(state, p) * rain * _HM3_PER_MM_HA
    old = state.inputs["harvested"]
    return {"harvested": xr.where(level > 0, old + level * full, old)}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Return the annual harvested-water yield capacity [m3/a]."""
    annual = _monthly_rain(state).sum("month")
    return (level * _catchment(state, p) * annual * _M3_PER_MM_HA).transpose("scenario", "time", "unit", ...)
