"""Industrial water saving (工业节水): recycling, a cap on high-water-use growth, compliance.

On the covered share ``ℓ`` of a unit's industry (``ℓ`` over scenario, time, unit):

(a) **Recycling.** The share of gross use met by recycled water rises towards
    ``recycling_target``::

        r' = r + ℓ · max(0, recycling_target − r)                                  [1]

    The pack's rate is kept as ``recycling_rate_base`` ``r0`` (the industry model's
    convention), so the fresh-water requirement scales by ``(1 − r') / (1 − r0)``.

(b) **Cap on high-water-use growth** (严控高耗水项目). High-water-use industry (coal, power,
    chemicals, metallurgy ...) makes the share ``h_v = high_use_share`` of value added and
    ``h_w = high_use_water_share`` of the industrial withdrawal in the base year. On the
    covered share it grows at ``min(g, growth_cap)`` instead of the unit's
    ``value_added_growth`` ``g``. With ``ρ = (1 + min(g, growth_cap)) / (1 + g)`` and
    ``n = max(0, y − base_year)`` [a], the model's base-year drivers are scaled along time::

        F_v(y) = 1 − ℓ · h_v · (1 − ρ^n)                 value_added' = value_added · F_v
        F_w(y) = 1 − ℓ · h_w · (1 − ρ^n)                 intensity'   = intensity · F_w / F_v

    The model then multiplies by ``(1 + g)^n``, so value added becomes
    ``VA · [(1 − ℓ h_v)(1 + g)^n + ℓ h_v (1 + min(g, cap))^n]`` and the requirement the same
    with ``h_w``: the covered high-use share follows the capped path from the base year
    (linear in ``ℓ``; with a ramp, ``ℓ(y)`` is the share on the capped path in year ``y``).
    Because high-use industry is more water-intensive (``h_w > h_v``), the capped growth
    also lowers the average intensity (structural change). Years before the base year are
    not changed.

(c) **Wastewater compliance** (an ``inputs`` hook): industrial returns discharged straight
    to the river are collected and treated instead; a share ``ℓ · compliance_gain`` of the
    industry's ``return_river`` moves to ``return_wastewater`` (the sum is kept)::

        m = ℓ · compliance_gain · return_river
        return_river' = return_river − m,     return_wastewater' = return_wastewater + m

With ``ℓ = 0`` every changed driver and input equals the old value bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from sim.measures.base import Extent, Param, State

ORDER = 50
SECTOR_GROUPS = ("industry",)
MODEL = "industry"

PARAMETERS = {
    "recycling_target": Param(
        "1",
        0.0,
        0.99,
        "sourced: national industrial water reuse rate ~94 % by 2025 (92.9 % in 2021), "
        "http://zgcsb.com/news/pinDao/2022-07/06/ma_377948.html",
        "share of gross industrial use met by recycling on the covered share",
    ),
    "high_use_share": Param(
        "1",
        0.0,
        1.0,
        "estimate: coal alone 24.5-28.8 % of IM above-scale industry "
        "(http://hdazjz.com/hangyedongtai/detail/9632.html); with power, chemicals and metallurgy ~0.5",
        "share of industrial value added that is high-water-use (base year)",
    ),
    "high_use_water_share": Param(
        "1",
        0.0,
        1.0,
        "estimate: ten high-water-use industries use 61.3 % of above-scale industrial water "
        "(NBS 2016 H1, https://news.metal.net.cn/content-335-6295410-1.html); IM heavier, 0.7",
        "share of the industrial withdrawal used by high-water-use industry (base year)",
    ),
    "growth_cap": Param(
        "1/a",
        -0.5,
        0.5,
        "estimate: policy to strictly limit new high-water-use projects in water-short areas; "
        "2 %/a vs the pack's 5 %/a value-added growth",
        "highest annual growth of high-water-use value added on the covered share",
    ),
    "compliance_gain": Param(
        "1",
        0.0,
        1.0,
        "estimate: industrial-park wastewater collection and treatment; half of the direct "
        "river discharges collected at full coverage",
        "share of the industry's direct river return moved to wastewater at full coverage",
    ),
}
EXTENT = Extent("industrial withdrawal covered", "m3/a")


def basis(state: State) -> xr.DataArray:
    """Base-year industrial withdrawal each unit could cover, ``value_added · intensity`` [m3/a]."""
    ds = state.baseline_drivers[MODEL]
    return ds["value_added"].astype(float) * ds["intensity"].astype(float)


def _cap_factor(state: State, p: Mapping[str, float]) -> xr.DataArray:
    """``1 − ρ^n``: the relative shortfall of capped growth after ``n`` years [1] (time, unit)."""
    g = state.driver(MODEL, "value_added_growth")
    rho = (1.0 + np.minimum(g, p["growth_cap"])) / (1.0 + g)
    base_year = int(state.pack.data.attrs["base_year"])
    n = (state.axis["year"] - base_year).clip(min=0)
    return 1.0 - rho**n


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Raise the recycling rate and slow the growth of high-water-use value added.

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
        ``{"industry": {recycling_rate, recycling_rate_base, value_added, intensity}}``.
    """
    r = state.driver(MODEL, "recycling_rate")
    ds = state.drivers[MODEL]
    r0 = ds["recycling_rate_base"].astype(float) if "recycling_rate_base" in ds else r
    r_new = r + level * np.maximum(0.0, p["recycling_target"] - r)

    shortfall = _cap_factor(state, p)
    f_v = 1.0 - level * p["high_use_share"] * shortfall
    f_w = 1.0 - level * p["high_use_water_share"] * shortfall
    va = state.driver(MODEL, "value_added")
    intensity = state.driver(MODEL, "intensity")
    covered = level > 0
    return {
        MODEL: {
            "recycling_rate": r_new,
            "recycling_rate_base": r0,
            "value_added": xr.where(covered, va * f_v, va),
            "intensity": xr.where(covered, intensity * (f_w / f_v), intensity),
        }
    }


def inputs(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, xr.DataArray]:
    """Move ``ℓ · compliance_gain`` of the industry's river return to wastewater.

    Parameters
    ----------
    state : sim.measures.State
        Engine inputs before this measure (``return_river``, ``return_wastewater`` [1]).
    level : xarray.DataArray
        Covered share ``ℓ`` (scenario, time, unit) [1].
    p : mapping
        The effect parameters (:data:`PARAMETERS`).

    Returns
    -------
    dict
        ``{"return_river": ..., "return_wastewater": ...}`` over (scenario, time, unit,
        sector); only the industry sectors change.
    """
    assert state.inputs is not None
    sectors = state.sectors_of(MODEL)
    if not sectors:
        return {}
    rr = state.inputs["return_river"]
    rw = state.inputs["return_wastewater"]
    is_industry = xr.DataArray(np.isin(rr.sector.values, sectors), coords={"sector": rr.sector})
    moved = xr.where(is_industry, level * p["compliance_gain"] * rr, 0.0)
    return {"return_river": rr - moved, "return_wastewater": rw + moved}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Industrial withdrawal covered, ``ℓ · value_added · intensity`` of the base year [m3/a]."""
    return level * basis(state)
