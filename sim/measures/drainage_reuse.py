r"""Drainage water reuse (农田排水回收利用): collect drained irrigation water for other sectors.

In wetter areas irrigated fields drain a good part of their return flow to ditches. On
the covered share ``ℓ`` of a unit, collector drains and storage ponds intercept a share
``collection_share`` (``k``) of the river return of the irrigation sectors (those of the
``irrigation`` demand model) and hand it to the unit's collection system:

.. math::

    r' = r · (1 − ℓ k),   w' = w + ℓ k r   [1]

with ``r`` and ``w`` the sector's return shares to the river and to wastewater; the share
to groundwater is unchanged, so the three still sum to 1.

Modelling choice: the collected drainage joins the wastewater of the unit (``docs/model.md``
§2.5), i.e. it enters the plant, a share ``f`` (the unit's ``reclaimed_reuse_fraction``)
becomes next step's reclaimed pool, the ``reclaimed`` source of the sectors that list it,
and the rest goes to the river at the outlet in the same step, as the river return did.
So the measure gives water only where ``f > 0``; it composes with ``reclaimed_water``, which
comes later and raises ``f``. The storage and pumping built with the drains widen the unit's
reuse works (``reclaimed_capacity`` [hm3 per step]) by the water they add to the pool: at
step ``t`` by ``ℓ_{t−1} f_{t−1} k · D_{t−1}`` (the pool of a step is the reused share of the
last step's wastewater; nothing at the first step), with ``D_t = Σ_s R_t,s (1 − c_t,s) r_s``
[hm3 per step] the river return of the irrigation sectors (requirement ``R`` standing for
the delivery, consumption fraction ``c``). So the pack's works limit only the water they
reused before.

The extent, for its cost, is the collected volume

.. math::

    E = ℓ k · \bar D · 10^6   [m3/a]

with ``\bar D`` the mean annual ``D`` over the horizon [hm3/a], taken with the pack's return
shares ``r_0``.
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.measures.base import Extent, Param, State
from sim.measures.reclaimed_water import collect_river_return, mean_annual, raise_capacity, return_flow

ORDER = 60
SECTOR_GROUPS: tuple[str, ...] = ()  # adds supply; cuts no requirement
_HM3_TO_M3 = 1e6

PARAMETERS = {
    "collection_share": Param(
        "1",
        0.0,
        1.0,
        "estimate: half of the irrigation river return reaches collector drains and ponds; for "
        "scale, the Hetao drains carried 6-7亿 m3/a, of which only 2-3亿 went back to the Yellow River "
        "(1990s, https://neamco.com/01gmrb/1999-11/07/GB/GM^18233^2^GM2-0703.HTM)",
        "share of the irrigation sectors' river return collected at full coverage",
    ),
}
EXTENT = Extent("collected drainage volume", "m3/a")


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Move ``ℓ k`` of the irrigation river return to collection; raise the reuse works."""
    assert state.inputs is not None
    sectors = state.sectors_of("irrigation")
    if not sectors:
        return {}
    k = p["collection_share"]
    changes = collect_river_return(state, level, sectors, k)
    drained = return_flow(state, sectors, state.inputs["return_river"])
    reuse = state.inputs["reclaimed_reuse_fraction"]
    changes["reclaimed_capacity"] = raise_capacity(state, level * reuse * k * drained)
    return changes


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Return the collected drainage volume [m3/a]."""
    sectors = state.sectors_of("irrigation")
    if not sectors:
        return level * 0.0
    drained = mean_annual(return_flow(state, sectors, state.pack.data["return_river"]), state)
    return (level * p["collection_share"] * drained * _HM3_TO_M3).transpose("scenario", "time", "unit", ...)
