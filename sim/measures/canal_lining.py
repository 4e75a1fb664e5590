"""Canal lining (渠道衬砌防渗): line the still-unlined part of the canal network.

The covered share ``ℓ`` is the share of the still-unlined canal network newly lined
(concrete slabs or U-channels with membrane), so

``lined_share' = lined + ℓ · (1 − lined)`` [1],

and the conveyance efficiency ``lined' · conveyance_lined + (1 − lined') · conveyance_unlined``
of the irrigation demand model (:mod:`sim.demand.irrigation`) rises. The new lining takes the
unit's ``conveyance_lined``: the pack sets it per canal system (e.g. Hetao-type Yellow River
diversion vs. short well-irrigation ditches), which already stands for the lined standard of
that system, so no separate efficiency parameter is needed.

Extent: the irrigated area served by the newly lined canals, ``ℓ · (1 − lined) · A · 15``
[mu] (``A`` the base-year irrigated area [ha], 1 ha = 15 mu, ``lined`` the base-year lined
share); :func:`basis` is the area served by unlined canals, ``(1 − lined) · A · 15``.
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.demand.base import driver
from sim.demand.irrigation import DRIVERS, MODEL
from sim.measures.base import Extent, Param, State

ORDER = 15
SECTOR_GROUPS = ("agriculture",)
_HA_TO_MU = 15.0

PARAMETERS: dict[str, Param] = {}
EXTENT = Extent("irrigated area served by newly lined canals", "mu")


def basis(state: State) -> xr.DataArray:
    """Irrigated area served by unlined canals [mu] (base year)."""
    ds = state.baseline_drivers["irrigation"]
    unlined = 1.0 - driver(MODEL, DRIVERS, ds, "lined_share")
    return unlined * ds["irrigated_area"].sum("crop") * _HA_TO_MU


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Line the covered share of the unlined canals."""
    lined = state.driver("irrigation", "lined_share")
    return {"irrigation": {"lined_share": lined + level * (1.0 - lined)}}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Irrigated area served by the newly lined canals [mu]."""
    return level * basis(state)
