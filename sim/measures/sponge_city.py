"""Sponge city (海绵城市): built-up land that captures a target share of its annual rainfall.

A share ``ℓ`` of a unit's built-up area (``ℓ`` over scenario, time, unit) is built to the
target annual runoff volume capture ratio ``α = capture_ratio`` (年径流总量控制率,
GB/T 51345-2018). The built-up area follows the urban population of the domestic model::

    A(t) = urban_population(t) · built_up_per_capita · 1e-4                          [ha]

Conventional built-up land already keeps ``1 − φ`` of its rain (``φ = runoff_coefficient``,
the volume runoff coefficient of conventional built-up land); sponge land keeps ``α``. The
stormwater newly captured in a step is therefore::

    V = ℓ · A · P · max(0, α − (1 − φ)) · 1e-5                              [hm3 per step]

with ``P`` the pack's mean monthly precipitation (``climate`` rows of ``monthly.csv``)
spread over the step by days, ``P_month · days_in_step / days_in_month`` [mm]
(1 mm over 1 ha = 1e-5 hm3). The annual ratio is applied to every month alike (an
approximation: small summer storms are captured whole, large ones only in part). ``V`` is
split by ``to_green + to_recharge + to_reuse = 1``:

* ``to_green``: stormwater led to sunken green space waters it, cutting the requirement of
  the sectors with the ``urban`` demand model in the same step,
  ``R' = max(0, R − to_green · V)`` (shared over those sectors by requirement); what the
  green space cannot use in that step (outside the watering season) is not carried over;
* ``to_recharge``: infiltration adds ``to_recharge · V`` to ``groundwater_recharge``;
* ``to_reuse``: storage tanks add ``to_reuse · V`` to the ``harvested`` supply of the step.

``V`` is counted as water the system did not have: the pack's runoff (natural runoff of the
unit) is not reduced, i.e. the extra runoff of impervious land, mostly lost to drains in
semi-arid cities, is taken to be outside it. In addition, drought-tolerant planting and
rain-fed sunken green space cut the watering quota on the covered share (``drivers`` hook,
``urban`` model)::

    green_quota' = green_quota · (1 − ℓ · green_watering_cut)                            [mm/a]

Storage sizing (:func:`design_depth`, :func:`storage_volume`): the design rainfall depth
``H`` [mm] of ``α`` per unit, from :func:`sim.hydrology.capture.design_depth` on a synthetic
30-year daily record of the pack's monthly precipitation (months with a mean temperature
below 0 °C dropped as snowfall), and the storage ``ℓ · A · H · φ · 10`` [m3].

With ``ℓ = 0`` every changed driver and input equals the old value bit for bit. The measure
takes a coverage share (the national targets are shares of the built-up area), not an area.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from sim.errors import InputError
from sim.hydrology.capture import design_depth as _design_depth
from sim.hydrology.capture import synthetic_daily_rain
from sim.measures.base import Extent, Param, State

ORDER = 75
SECTOR_GROUPS = ("ecological",)
NAME = "sponge_city"
SPLIT = ("to_green", "to_recharge", "to_reuse")
_MM_HA_TO_HM3 = 1e-5
_M2_TO_HA = 1e-4

PARAMETERS = {
    "capture_ratio": Param(
        "1",
        0.0,
        1.0,
        "estimate: 75-85 % for northern semi-arid cities (MOHURD 2014 sponge-city guide zoning, "
        "unverified; /work/shared/reference/inner-mongolia-data.md gap note); method GB/T 51345-2018",
        "target annual runoff volume capture ratio of the covered built-up area",
    ),
    "runoff_coefficient": Param(
        "1",
        0.0,
        1.0,
        "estimate: GB 50014-2021 comprehensive runoff coefficient of built-up districts "
        "0.45-0.60 (fairly dense) to 0.60-0.70 (dense); 0.55",
        "volume runoff coefficient of conventional built-up land",
    ),
    "built_up_per_capita": Param(
        "m2/person",
        20.0,
        300.0,
        "sourced: GB 50137-2011 planned urban construction land 85-115 m2 per person "
        "(Hohhot built-up 323 km2 for ~280万 urban residents, ~115)",
        "built-up area per urban resident",
    ),
    "to_green": Param(
        "1",
        0.0,
        1.0,
        "estimate: sunken green space and bioretention take a third of the captured water",
        "share of the captured stormwater that waters urban green space",
    ),
    "to_recharge": Param(
        "1",
        0.0,
        1.0,
        "estimate: infiltration facilities (permeable paving, infiltration beds) dominate in "
        "the semi-arid north; half",
        "share of the captured stormwater that recharges groundwater",
    ),
    "to_reuse": Param(
        "1",
        0.0,
        1.0,
        "estimate: rain tanks and ponds are a small part of sponge works; the rest (0.2)",
        "share of the captured stormwater stored and reused (harvested supply)",
    ),
    "green_watering_cut": Param(
        "1",
        0.0,
        0.5,
        "estimate: drought-tolerant planting and rain-fed sunken green space; 10 % of the quota",
        "relative cut of the green-space watering quota at full coverage",
    ),
}
EXTENT = Extent("covered built-up area", "ha")


def _check_split(p: Mapping[str, float]) -> None:
    total = sum(p[k] for k in SPLIT)
    bad = ~np.isclose(np.asarray(total, dtype=float), 1.0, rtol=0.0, atol=1e-9)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])

        def at(x: Any) -> float:
            return float(np.asarray(x, dtype=float).ravel()[i] if np.ndim(x) else x)

        terms = " + ".join(f"{at(p[k]):g}" for k in SPLIT)
        raise InputError(
            f"config key 'measures.{NAME}.to_green': to_green + to_recharge + to_reuse must sum to 1, "
            f"got {terms} = {at(total):g}"
        )


def _climate(state: State, name: str) -> xr.DataArray | None:
    """Climate driver ``climate_<name>`` (month, unit) of the pack, or None."""
    for ds in state.baseline_drivers.values():
        if f"climate_{name}" in ds:
            return ds[f"climate_{name}"].astype(float)
    return None


def built_up_area(state: State, p: Mapping[str, float]) -> xr.DataArray:
    """Built-up area ``A(t) = urban_population(t) · built_up_per_capita · 1e-4`` [ha].

    The urban population is the domestic model's (grown, with urbanisation) once the
    demand models have run, else the base-year driver.

    Raises
    ------
    InputError
        If no sector uses the ``domestic`` demand model.
    """
    sectors = state.sectors_of("domestic")
    if not sectors:
        raise InputError(
            f"config key 'measures.{NAME}': needs the urban population of a sector with the 'domestic' model"
        )
    urban = state.diagnostics.get(f"{sectors[0]}_urban_population")
    if urban is None:
        urban = state.baseline_drivers["domestic"]["urban_population"].astype(float)
    return urban * p["built_up_per_capita"] * _M2_TO_HA


def captured(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Stormwater newly captured, ``V = ℓ · A · P · max(0, α − (1 − φ)) · 1e-5`` [hm3 per step].

    Raises
    ------
    InputError
        If the pack has no monthly precipitation for a covered unit.
    """
    precip = _climate(state, "precipitation")
    axis = state.axis
    if precip is None:
        raise InputError(f"config key 'measures.{NAME}': needs the pack's monthly climate precipitation")
    per_step = precip.sel(month=axis["month"]).drop_vars("month") * (
        axis["days_in_step"] / axis["days_in_month"]
    )
    missing = per_step.isnull() & (level > 0)
    if bool(missing.any()):
        by_unit = missing.any([d for d in missing.dims if d != "unit"])
        unit = str(by_unit.unit.values[by_unit.values][0])
        raise InputError(f"config key 'measures.{NAME}': no monthly climate precipitation for unit '{unit}'")
    gain = np.maximum(0.0, p["capture_ratio"] - (1.0 - p["runoff_coefficient"]))
    return level * built_up_area(state, p) * per_step.fillna(0.0) * (gain * _MM_HA_TO_HM3)


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Cut the green-space watering quota on the covered share.

    Parameters
    ----------
    state : sim.measures.State
        Drivers before this measure.
    level : xarray.DataArray
        Covered share ``ℓ`` (scenario, time, unit) [1].
    p : mapping
        The effect parameters (:data:`PARAMETERS`).

    Returns
    -------
    dict
        ``{"urban": {"green_quota": ...}}`` [mm/a]; empty if no sector uses the ``urban``
        model.

    Raises
    ------
    InputError
        If ``to_green + to_recharge + to_reuse`` is not 1.
    """
    _check_split(p)
    if not state.has_model("urban"):
        return {}
    quota = state.driver("urban", "green_quota")
    return {"urban": {"green_quota": quota * (1.0 - level * p["green_watering_cut"])}}


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Use the captured stormwater: green watering, groundwater recharge, harvested supply.

    Parameters
    ----------
    state : sim.measures.State
        Engine inputs before this measure [hm3 per step].
    level : xarray.DataArray
        Covered share ``ℓ`` (scenario, time, unit) [1].
    p : mapping
        The effect parameters (:data:`PARAMETERS`).

    Returns
    -------
    dict
        ``requirement`` (urban-model sectors cut, never below 0), ``groundwater_recharge``
        and ``harvested`` [hm3 per step].
    """
    assert state.inputs is not None
    _check_split(p)
    v = captured(state, level, p)
    covered = level > 0
    out = {}
    for name, key in (("groundwater_recharge", "to_recharge"), ("harvested", "to_reuse")):
        old = state.inputs[name]
        out[name] = xr.where(covered, old + v * p[key], old)
    green = state.sectors_of("urban")
    if green:
        req = state.inputs["requirement"]
        is_green = xr.DataArray(np.isin(req.sector.values, green), coords={"sector": req.sector})
        green_req = req.where(is_green, 0.0)
        total = green_req.sum("sector")
        share = (green_req / total.where(total > 0)).fillna(0.0)
        cut = np.minimum(green_req, v * p["to_green"] * share)
        out["requirement"] = xr.where(covered & is_green, (req - cut).clip(min=0.0), req)
    return out


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Covered built-up area ``ℓ · A(t)`` [ha].

    The design rainfall depth of each unit [mm] is :func:`design_depth`, the storage it
    calls for [m3] :func:`storage_volume`.
    """
    return level * built_up_area(state, p)


def design_depth(state: State, p: Mapping[str, float], years: int = 30, seed: int = 0) -> xr.DataArray:
    """Design rainfall depth of ``capture_ratio`` per unit, GB/T 51345-2018 [mm].

    Estimated on :func:`sim.hydrology.capture.synthetic_daily_rain` of each unit's mean
    monthly precipitation, months whose mean temperature ``(tmax + tmin) / 2`` is below
    0 °C left out as snowfall (when the pack gives temperatures). NaN where the unit has no
    precipitation.
    """
    precip = _climate(state, "precipitation")
    if precip is None:
        raise InputError(f"config key 'measures.{NAME}': needs the pack's monthly climate precipitation")
    tmax, tmin = _climate(state, "tmax"), _climate(state, "tmin")
    if tmax is not None and tmin is not None:
        snow = ((tmax + tmin) / 2.0 < 0.0).fillna(False)
        precip = precip.where(~snow, 0.0)
    precip = precip.transpose("unit", "month")
    depths = []
    for row in precip.values:
        if np.isnan(row).any():
            depths.append(np.nan)
            continue
        rain = synthetic_daily_rain(row, years=years, seed=seed)
        depths.append(float(_design_depth(rain, p["capture_ratio"])))
    return xr.DataArray(
        np.array(depths),
        coords={"unit": precip.unit},
        dims="unit",
        attrs={"units": "mm", "long_name": "design rainfall depth of the target capture ratio"},
    )


def storage_volume(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Storage volume the covered area calls for, ``ℓ · A · H · φ · 10`` [m3] (1 mm on 1 ha = 10 m3)."""
    return extent(state, level, p) * design_depth(state, p) * p["runoff_coefficient"] * 10.0
