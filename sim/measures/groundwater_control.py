"""Groundwater dual control (地下水双控): cap pumping at the sustainable yield.

Where aquifers are overdrawn, the total pumping and the water table are both controlled
(wells metered and closed, quotas enforced). On the covered share ``ℓ`` of a unit, the
pumping allowed above the sustainable yield falls by the share ``overdraft_cut`` (``κ``):

.. math::

    O' = O · (1 − ℓ κ)   [hm3/a]

with ``O`` the unit's ``groundwater_allowed_overdraft``; the engine then caps the pumping of
each calendar year at ``yield + O'`` (``docs/model.md`` §1). With ``ℓ = κ = 1`` pumping stays
within the sustainable yield. The measure saves by cutting supply: the sectors that relied
on the overdraft take other sources or go short, so shortages may rise.

The extent is the overdraft removed, ``E = ℓ κ O_0 · 10^6`` [m3/a], with ``O_0`` the pack's
allowed overdraft; metering and monitoring costs are counted per m3/a removed.
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.measures.base import Extent, Param, State, blend

ORDER = 90
SECTOR_GROUPS: tuple[str, ...] = ()  # cuts supply, not a requirement
_HM3_TO_M3 = 1e6

PARAMETERS = {
    "overdraft_cut": Param(
        "1",
        0.0,
        1.0,
        "sourced: dual control of the 33 provincial overdraft areas aims at ending overdraft "
        "(2020 target, http://32465323.cn/news/show-127960.html); 1 = pumping capped at the yield",
        "share of the allowed overdraft removed at full coverage",
    ),
}
EXTENT = Extent("groundwater overdraft removed", "m3/a")


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Cut the allowed overdraft by ``ℓ κ`` (gains dims ``scenario, time``)."""
    assert state.inputs is not None
    old = state.inputs["groundwater_allowed_overdraft"]
    return {"groundwater_allowed_overdraft": blend(old, old * (1.0 - p["overdraft_cut"]), level)}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Return the overdraft removed [m3/a]."""
    removed = p["overdraft_cut"] * state.pack.data["groundwater_allowed_overdraft"].fillna(0.0) * _HM3_TO_M3
    return (level * removed).transpose("scenario", "time", "unit", ...)
