"""Efficient irrigation (高效节水灌溉): convert surface-irrigated land to drip, sprinkler or pipes.

On the covered share ``ℓ`` of a unit's *surface-irrigated* area (flood/border and furrow
irrigation), the land is converted to a target mix of technologies:

* surface technologies ``s`` (flood, furrow): ``share_s' = share_s · (1 − ℓ)`` [1];
* the converted share ``ℓ · S`` with ``S = Σ_s share_s`` [1] goes to the target
  technologies ``t`` by the mix: ``share_t' = share_t + ℓ · S · mix_t`` [1], with
  ``Σ_t mix_t = 1`` (drip under film, shallow-buried drip, sprinkler, low-pressure pipe).

The shares still add up to 1. The saving comes from the irrigation demand model
(:mod:`sim.demand.irrigation`): the field efficiency ``1 / Σ_k share_k / efficiency_k``
rises with the shares of the more efficient technologies, so it depends on each unit's
technology efficiencies (``efficiency_<tech>``), crops and climate. Low-pressure pipes count
as a target (their saving is in the field ditches, credited by the pack's
``efficiency_low_pressure_pipe``), not as a surface technology to convert.

Extent: the converted area ``ℓ · S · A · 15`` [mu], ``A`` the unit's irrigated area [ha] of
the base year (1 ha = 15 mu); :func:`basis` is the surface-irrigated area ``S · A · 15``.
The default path is the region's pace of new high-efficiency irrigation, ≥ 200万亩 in 2025
(农业节水提升年), kept to 2030.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from sim.demand.base import driver
from sim.demand.irrigation import DRIVERS, MODEL
from sim.errors import InputError
from sim.measures.base import Extent, Param, State

ORDER = 20
SECTOR_GROUPS = ("agriculture",)
SURFACE = ("flood", "furrow")
TARGETS = ("drip_under_film", "shallow_buried_drip", "sprinkler", "low_pressure_pipe")
_HA_TO_MU = 15.0
_MIX_SOURCE = (
    "estimate: new high-efficiency area leans to drip (2025 plan: 150万亩 pipe->drip and 271万亩 new "
    "fertigation, http://nm.people.com.cn/BIG5/n2/2025/0209/c196667-41130226.html); the 2022 stock in "
    "the Inner Mongolia pack is 12 % drip under film, 23 % shallow-buried drip, 31 % sprinkler, 35 % pipe"
)
_MIX_NAME = {
    "drip_under_film": "drip under plastic film (膜下滴灌)",
    "shallow_buried_drip": "shallow-buried drip (浅埋滴灌)",
    "sprinkler": "sprinkler, mostly centre pivot (喷灌)",
    "low_pressure_pipe": "low-pressure pipe (低压管灌)",
}

PARAMETERS = {
    f"mix_{t}": Param(
        "1",
        0.0,
        1.0,
        _MIX_SOURCE,
        f"share of the converted area going to {_MIX_NAME[t]}; the four mix_* add up to 1",
    )
    for t in TARGETS
}
EXTENT = Extent("converted surface-irrigated area", "mu")


def target_mix(p: Mapping[str, Any]) -> dict[str, Any]:
    """Return the target mix ``{technology: share}`` [1], checked to add up to 1 ± 1e-6.

    A share is a float, or a DataArray over ``scenario`` in a sweep.

    Raises
    ------
    InputError
        If the ``mix_*`` parameters do not add up to 1; the message names the config keys.
    """
    mix = {t: p[f"mix_{t}"] for t in TARGETS}
    total = np.asarray(sum(mix.values()), dtype=float)
    bad = np.abs(total - 1.0) > 1e-6
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])

        def at(x: Any) -> float:
            return float(np.asarray(x, dtype=float).ravel()[i] if np.ndim(x) else x)

        terms = " + ".join(f"mix_{t} {at(v):g}" for t, v in mix.items())
        raise InputError(
            f"config key 'measures.efficient_irrigation.mix_*': the target mix adds up to {at(total):.6g}, "
            f"not 1 ({terms})"
        )
    return mix


def surface_share(drivers: xr.Dataset) -> xr.DataArray:
    """Surface-irrigated share ``S = share_flood + share_furrow`` of each unit [1].

    Absent shares take the model's defaults (all flood).
    """
    return sum(driver(MODEL, DRIVERS, drivers, f"share_{t}") for t in SURFACE)  # type: ignore[return-value]


def basis(state: State) -> xr.DataArray:
    """Surface-irrigated area each unit could convert [mu] (base year)."""
    ds = state.baseline_drivers["irrigation"]
    return surface_share(ds) * ds["irrigated_area"].sum("crop") * _HA_TO_MU


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Move the covered share of the surface-irrigated area to the target technologies."""
    mix = target_mix(p)
    surface = {t: state.driver("irrigation", f"share_{t}") for t in SURFACE}
    converted = level * sum(surface.values())
    changes = {f"share_{t}": share * (1.0 - level) for t, share in surface.items()}
    for t in TARGETS:
        changes[f"share_{t}"] = state.driver("irrigation", f"share_{t}") + converted * mix[t]
    return {"irrigation": changes}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Return the converted area [mu]."""
    target_mix(p)
    return level * basis(state)
