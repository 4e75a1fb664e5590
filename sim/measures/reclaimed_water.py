r"""Reclaimed water (再生水利用): treat a larger share of the collected wastewater for reuse.

On the covered share ``ℓ`` of a unit, the reuse fraction of the wastewater plant (the share
of the collected wastewater that becomes the unit's reclaimed pool, ``docs/model.md`` §2.5)
rises towards the target ``reuse_target`` (never falls):

.. math::

    f' = f + ℓ · \max(0, f_T − f)   [1]

New reuse works come with it, sized to the water they add: the pool of a step is the
reused share of the last step's wastewater, so the unit's reclaimed capacity
(``reclaimed_capacity`` [hm3 per step]) rises at step ``t`` by what the higher fraction
added to the pool, ``ΔC_t = ℓ_{t−1} · max(0, f_T − f_{t−1}) · W_{t−1}`` (0 at the first
step), with ``W_t = Σ_s R_t,s · (1 − c_t,s) · w_t,s`` the collected wastewater of step ``t``
(requirement ``R`` [hm3 per step] standing for the delivery, consumption fraction ``c``,
wastewater share of the return ``w``; sectors ``s``). The pack's works keep their capacity
for the water they reused before (they are not widened to take the pool they could not
take); an infinite pack capacity stays infinite. As the requirement bounds the delivery,
``ΔC`` is an upper bound of the added pool where sectors go short.

The extent, for its cost, is the mean annual added reuse volume

.. math::

    E = ℓ · \max(0, f_T − f_0) · \bar W · 10^6   [m3/a]

with ``f_0`` the pack's reuse fraction and ``\bar W = Σ_t W_t / Σ_t Δt`` [hm3/a] the mean
annual collected wastewater over the horizon (``Δt`` the step length [a]), as the sectors'
requirements, consumption and return shares stand when the measure applies (after the
collection measures ``drainage_reuse`` and ``rain_sewage_separation``, which come first).

The helpers :func:`return_flow`, :func:`mean_annual`, :func:`collect_river_return` and
:func:`raise_capacity` are shared with those two measures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from sim.measures.base import Extent, Param, State, blend

ORDER = 85
SECTOR_GROUPS: tuple[str, ...] = ()  # adds supply; cuts no requirement
_HM3_TO_M3 = 1e6

PARAMETERS = {
    "reuse_target": Param(
        "1",
        0.0,
        1.0,
        "sourced: Inner Mongolia 2025 target, reclaimed-water utilisation >= 48 % "
        "(内政发〔2025〕9号, http://yrcc.gov.cn/xwdt/lylw/202503/t20250301_440251.html); "
        "Hohhot reached > 50 % in 2025 (http://www.nmg.news.cn/20251226/69db335648ab44699d5bb747a466bdba/c.html)",
        "share of the collected wastewater reused where the measure is in place",
    ),
}
EXTENT = Extent("added reclaimed-water capacity", "m3/a")


# ----------------------------------------------------------------------------------------
# helpers shared with drainage_reuse and rain_sewage_separation
# ----------------------------------------------------------------------------------------
def return_flow(state: State, sectors: Sequence[str], share: xr.DataArray) -> xr.DataArray:
    """Upper bound of the return flow of ``sectors`` that follows ``share``, by step [hm3].

    Parameters
    ----------
    state : sim.measures.State
        With the engine inputs set.
    sectors : sequence of str
        Sector ids.
    share : xarray.DataArray
        Share of the return flow (e.g. ``return_river``) over ``unit, sector`` and
        possibly ``scenario, time`` [1].

    Returns
    -------
    xarray.DataArray
        ``Σ_s R · (1 − c) · share`` over ``(…, time, unit)`` [hm3 per step], with the
        requirement ``R`` [hm3 per step] standing for the delivery.
    """
    assert state.inputs is not None
    sel = list(sectors)
    req = state.inputs["requirement"].sel(sector=sel)
    cf = state.inputs["consumption_fraction"].sel(sector=sel)
    return (req * (1.0 - cf) * share.sel(sector=sel)).sum("sector")


def mean_annual(flow: xr.DataArray, state: State) -> xr.DataArray:
    """Mean annual amount of a per-step flow over the horizon [hm3/a].

    Parameters
    ----------
    flow : xarray.DataArray
        Amount per step, with dim ``time`` [hm3].
    state : sim.measures.State
        For the step lengths.

    Returns
    -------
    xarray.DataArray
        ``Σ_t flow / Σ_t Δt`` [hm3/a], ``Δt`` the step length [a].
    """
    return flow.sum("time") / float(state.years_per_step().sum())


def collect_river_return(
    state: State, level: xr.DataArray, sectors: Sequence[str], share: float
) -> dict[str, xr.DataArray]:
    """Move a share ``ℓ · share`` of the river return of ``sectors`` to wastewater collection.

    ``r' = r − ℓ · share · r`` and ``w' = w + ℓ · share · r`` for the sectors listed; other
    sectors and units with ``ℓ = 0`` keep their values bit for bit. The shares still sum
    to 1 (up to rounding).

    Parameters
    ----------
    state : sim.measures.State
        With the engine inputs set.
    level : xarray.DataArray
        Implemented share over ``(scenario, time, unit)`` [1].
    sectors : sequence of str
        Sector ids whose river return is collected.
    share : float
        Share of the river return collected at full coverage [1].

    Returns
    -------
    dict of xarray.DataArray
        New ``return_river`` and ``return_wastewater`` over ``(scenario, time, unit, sector)``.
    """
    assert state.inputs is not None
    river = state.inputs["return_river"]
    waste = state.inputs["return_wastewater"]
    chosen = xr.DataArray(np.isin(river.sector.values, list(sectors)), coords={"sector": river.sector})
    moved = level * share * river
    on = (level > 0) & chosen
    return {
        "return_river": xr.where(on, river - moved, river),
        "return_wastewater": xr.where(on, waste + moved, waste),
    }


def raise_capacity(state: State, added_pool: xr.DataArray) -> xr.DataArray:
    """Return the reclaimed capacity widened by the water a measure adds to the pool.

    Parameters
    ----------
    state : sim.measures.State
        With the engine inputs set.
    added_pool : xarray.DataArray
        Reused water added by the measure from the wastewater of each step, over
        ``(scenario, time, unit)`` [hm3 per step]; it reaches the pool one step later.

    Returns
    -------
    xarray.DataArray
        ``C_t + added_pool_{t−1}`` (nothing added at the first step) [hm3 per step];
        ``C_t`` unchanged, bit for bit, where nothing is added.
    """
    assert state.inputs is not None
    cap = state.inputs["reclaimed_capacity"]
    added = added_pool.shift(time=1, fill_value=0.0)
    return xr.where(added > 0, cap + added, cap)


# ----------------------------------------------------------------------------------------
# the measure
# ----------------------------------------------------------------------------------------
def _wastewater(state: State) -> xr.DataArray:
    """Return the collected wastewater by step, all sectors [hm3] (upper bound, see module doc)."""
    assert state.inputs is not None
    sectors = [str(s) for s in state.inputs.sector.values]
    return return_flow(state, sectors, state.inputs["return_wastewater"])


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Raise the reuse fraction towards ``reuse_target`` and the reuse works with it."""
    assert state.inputs is not None
    f = state.inputs["reclaimed_reuse_fraction"]
    gap = np.maximum(0.0, p["reuse_target"] - f)
    return {
        "reclaimed_reuse_fraction": blend(f, np.maximum(f, p["reuse_target"]), level),
        "reclaimed_capacity": raise_capacity(state, level * gap * _wastewater(state)),
    }


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Return the added reclaimed-water capacity: mean annual added reuse volume [m3/a]."""
    f0 = state.pack.data["reclaimed_reuse_fraction"]
    gap = np.maximum(0.0, p["reuse_target"] - f0)
    return (level * gap * mean_annual(_wastewater(state), state) * _HM3_TO_M3).transpose(
        "scenario", "time", "unit", ...
    )
