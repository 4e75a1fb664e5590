"""Leakage control of urban supply networks (管网漏损控制): pipe renewal, DMA metering, pressure.

On the covered share ``ℓ`` of a unit's urban supply network (``ℓ`` over scenario, time,
unit) the leakage falls to ``leakage_target``::

    leakage' = leakage − ℓ · max(0, leakage − leakage_target)                          [1]

The domestic model turns it into withdrawal, ``urban · urban_use / (1 − leakage')``, so
the saving on the urban part is ``1 − (1 − leakage) / (1 − leakage')`` of that withdrawal.
A unit already at or below the target is unchanged. With ``ℓ = 0`` the driver is unchanged
bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from sim.measures.base import Extent, Param, State

ORDER = 46
SECTOR_GROUPS = ("domestic",)
MODEL = "domestic"

PARAMETERS = {
    "leakage_target": Param(
        "1",
        0.0,
        0.5,
        "sourced: Inner Mongolia urban public supply network leakage <= 9 % by 2025 "
        "(内政发〔2025〕9号), http://yrcc.gov.cn/xwdt/lylw/202503/t20250301_440251.html",
        "urban network leakage reached on the covered share",
    ),
}
EXTENT = Extent("urban persons served", "person")


def basis(state: State) -> xr.DataArray:
    """Urban residents served by each unit's networks, base year [person]."""
    return state.baseline_drivers[MODEL]["urban_population"].astype(float)


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Lower the urban network leakage towards the target on the covered share.

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
        ``{"domestic": {"leakage": ...}}`` [1].
    """
    leakage = state.driver(MODEL, "leakage")
    return {MODEL: {"leakage": leakage - level * np.maximum(0.0, leakage - p["leakage_target"])}}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Urban persons served, ``ℓ ·`` urban population of the base year [person]."""
    return level * basis(state)
