"""Unified management (统管): unified upkeep and irrigation rounds with volumetric water fees.

An irrigation district or water-user association takes over upkeep and the irrigation rounds
of the field canals and charges by metered volume (农业水价综合改革, 计量收费). Farmers answer
the higher marginal price ``Δp`` (relative, e.g. 0.5 = +50 %) with the price elasticity
``ε`` (< 0) of irrigation water demand. On the covered share ``ℓ`` of a unit's irrigated
area the applied water falls by the relative cut

``r = clip(−ε · Δp · ℓ, 0, 1)`` [1],

taken off the over-use: ``(1 + over') = (1 + over) · (1 − r)``, i.e.
``over' = (1 + over) · (1 − r) − 1`` [1]; the ``efficiency_<tech>`` drivers are unchanged.

Why only over-irrigation: an elasticity is measured on the volume applied, so cutting the
applied volume by ``r`` reproduces it whatever the technology mix; cutting field losses as
well (``e' = 1 − (1 − e)(1 − r)``) would count the same response twice, and cutting them
alone would give a smaller saving than the elasticity says that shrinks on efficient land.
It also leaves the technology measures' efficiencies alone, so the measures compose as
independent factors. As for smart irrigation, the cut cannot exceed the field losses: the
measure raises an error where ``field / (1 + over') > 1``.

Extent: the covered irrigated area ``ℓ · A · 15`` [mu] (``A`` the base-year irrigated area
[ha], 1 ha = 15 mu).
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.measures.base import Extent, Param, State
from sim.measures.smart_irrigation import check_application

ORDER = 40
SECTOR_GROUPS = ("agriculture",)
_HA_TO_MU = 15.0

PARAMETERS = {
    "price_increase": Param(
        "1",
        0.0,
        5.0,
        "estimate: volumetric fees raised towards the O&M cost (内政办发〔2016〕158号 reform; 73 large and "
        "medium districts re-priced by 2023, http://aderone.com/news/show.php?itemid=23136); +50 % assumed",
        "relative rise of the marginal irrigation water price on the covered area",
    ),
    "price_elasticity": Param(
        "1",
        -1.0,
        0.0,
        "sourced: Heihe basin agricultural water demand -0.26 (Zhou, Zhang & Wu 2022, Sustainability "
        "14(10) 6224, https://doi.org/10.3390/su14106224); Zhangye survey: inelastic (Sun et al. 2018, "
        "https://doi.org/10.3390/w10010019); no Inner Mongolia value (data gap)",
        "price elasticity of irrigation water demand",
    ),
}
EXTENT = Extent("covered irrigated area", "mu")


def basis(state: State) -> xr.DataArray:
    """Irrigated area each unit could cover [mu] (base year)."""
    return state.baseline_drivers["irrigation"]["irrigated_area"].sum("crop") * _HA_TO_MU


def use_cut(level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Relative cut of the applied water ``r = clip(−ε · Δp · ℓ, 0, 1)`` [1]."""
    return (-p["price_elasticity"] * p["price_increase"] * level).clip(0.0, 1.0)


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Cut the applied water (over-irrigation) by the price response on the covered area."""
    over = state.driver("irrigation", "over_irrigation")
    new = xr.where(level > 0, (1.0 + over) * (1.0 - use_cut(level, p)) - 1.0, over)
    check_application(state, new, level, "measures.unified_management.price_increase")
    return {"irrigation": {"over_irrigation": new}}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Covered irrigated area [mu]."""
    return level * basis(state)
