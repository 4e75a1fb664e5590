"""Rain-sewage separation (雨污分流): collect more of the municipal return flow as wastewater.

Combined or broken sewers let part of the towns' used water reach the river uncollected.
Separating storm water from sewage and repairing the sewers sends it to the plant. On the
covered share ``ℓ`` of a unit, a share ``collection_gain`` (``g``) of the river return of
the municipal sectors (those whose group is ``domestic`` or ``industry``) moves to the
wastewater collection:

.. math::

    r' = r · (1 − ℓ g),   w' = w + ℓ g r   [1]

with ``r`` and ``w`` the sector's return shares to the river and to wastewater; the share
to groundwater is unchanged, so the three still sum to 1. The added wastewater is reused at
the unit's ``reclaimed_reuse_fraction`` ``f``; as for ``drainage_reuse``, the reuse works
(``reclaimed_capacity`` [hm3 per step]) widen by the water the measure adds to the pool, at
step ``t`` by ``ℓ_{t−1} f_{t−1} g · M_{t−1}`` (nothing at the first step), with
``M_t = Σ_s R_t,s (1 − c_t,s) r_s`` [hm3 per step] the river return of the municipal sectors
(requirement ``R`` standing for the delivery, consumption fraction ``c``), so the pack's
works limit only the water they reused before. ``reclaimed_water``, applied after this
measure, raises ``f`` on the wastewater as this measure leaves it.

The extent is the urban population served, ``E = ℓ · P_urban`` [person], with ``P_urban``
the base-year urban residents of the domestic demand model (0 without one).
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.measures.base import Extent, Param, State
from sim.measures.reclaimed_water import collect_river_return, raise_capacity, return_flow

ORDER = 80
SECTOR_GROUPS: tuple[str, ...] = ()  # raises wastewater collection; cuts no requirement
MUNICIPAL = ("domestic", "industry")

PARAMETERS = {
    "collection_gain": Param(
        "1",
        0.0,
        1.0,
        "estimate: half of the municipal river return (overflow of combined sewers, misconnections, "
        "broken pipes) is collected after separation; no Inner Mongolia figure found",
        "share of the municipal sectors' river return moved to wastewater collection at full coverage",
    ),
}
EXTENT = Extent("urban population served", "person")


def basis(state: State) -> xr.DataArray:
    """Return the urban residents each unit could serve, base year [person]."""
    data = state.pack.data
    if (
        "domestic" not in state.baseline_drivers
        or "urban_population" not in state.baseline_drivers["domestic"]
    ):
        return xr.zeros_like(data["area"], dtype=float)
    pop = state.baseline_drivers["domestic"]["urban_population"].astype(float)
    return pop.reindex(unit=data.unit.values).fillna(0.0)


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Move ``ℓ g`` of the municipal river return to wastewater collection; widen the reuse works."""
    assert state.inputs is not None
    sectors = state.sectors_in_groups(MUNICIPAL)
    if not sectors:
        return {}
    g = p["collection_gain"]
    changes = collect_river_return(state, level, sectors, g)
    municipal = return_flow(state, sectors, state.inputs["return_river"])
    reuse = state.inputs["reclaimed_reuse_fraction"]
    changes["reclaimed_capacity"] = raise_capacity(state, level * reuse * g * municipal)
    return changes


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Return the urban population served [person]."""
    return (level * basis(state)).transpose("scenario", "time", "unit", ...)
