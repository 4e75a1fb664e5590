"""Crop structure adjustment (种植结构调整): shift irrigated area away from high-water crops.

On the covered share ``ℓ`` of a unit, the share ``shift`` [1] of the area of the
high-water crops ``F`` (``from_crops``) moves to the crops ``T`` (``to_crops``):

* ``A_f' = A_f · (1 − ℓ · shift)`` for ``f ∈ F`` [ha];
* the moved area ``M = ℓ · shift · Σ_{f∈F} A_f`` [ha] goes to the crops of ``T`` in
  proportion to their current area, ``A_t' = A_t + M · A_t / Σ_{t∈T} A_t``, or in equal
  parts ``M / |T|`` where the unit grows none of them;
* other crops keep their area, so the unit's irrigated area is conserved.

The saving comes from the irrigation demand model (:mod:`sim.demand.irrigation`): each
crop's net need follows from its Kc curve, season and the unit's climate. In the Inner
Mongolia pack the net need per area of the crops is, in this order, alfalfa > spring wheat
> vegetables ≈ potato ≈ maize ≫ sunflower; the default moves spring wheat and maize (the
crops Hetao cut, 高耗水作物) to sunflower, keeping alfalfa (forage, 粮改饲) and vegetables.
The default shift is the Hetao change of the high-water crops from 60 % to 41 % of the
sown area, ``1 − 41/60 = 0.317``, and the default coverage is set so that the saving by 2025
is near the region's 0.2亿m3 target for crop restructuring.

Extent: the moved area ``M · 15`` [mu] (1 ha = 15 mu) of the base year; the cost is mainly
O&M (compensation of the farmers' income loss, yuan/mu/a). There is no :func:`basis`: the
from-crops are a parameter, so give the programme as ``coverage`` (not ``area``/``path``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from sim.errors import InputError
from sim.measures.base import Extent, Param, State

ORDER = 5
SECTOR_GROUPS = ("agriculture",)
_HA_TO_MU = 15.0
_KEY = "measures.crop_structure"

PARAMETERS = {
    "from_crops": Param(
        "list",
        0.0,
        0.0,
        "derived: high-water crops of Hetao (wheat, maize; 高耗水作物, http://big5.china.com.cn/gate/big5/"
        "news.china.com.cn/2018-10/21/content_67276286.htm); net need per area in the Inner Mongolia pack: "
        "alfalfa 283, spring wheat 212, vegetables 193, potato 177, maize 158, sunflower 75 mm/a",
        "crops whose irrigated area is reduced",
    ),
    "to_crops": Param(
        "list",
        0.0,
        0.0,
        "sourced: Hetao's crop mix moved to sunflower (sunflower > maize > wheat by area, wheat falling, "
        "https://agritechinsights.com/index.php/2025/12/05/optimizing-irrigation-in-chinas-hetao-district"
        "-for-sustainable-farming); sunflower has the lowest net need in the pack",
        "crops that take the moved area (in proportion to their area)",
    ),
    "shift": Param(
        "1",
        0.0,
        1.0,
        "derived: Bayannur high-water crops from 60 % to 41 % of the sown area by 2018, 1 - 41/60 = 0.317 "
        "(http://big5.china.com.cn/gate/big5/news.china.com.cn/2018-10/21/content_67276286.htm)",
        "share of the from-crops' area moved at full coverage",
    ),
}
EXTENT = Extent("irrigated area moved to other crops", "mu")


def crop_lists(state: State, p: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Return the checked ``from_crops`` and ``to_crops``.

    Raises
    ------
    InputError
        If a list is empty or not a list of names, names a crop the pack does not have
        (the message lists the pack's crops), or a crop is in both lists.
    """
    crops = [str(c) for c in state.baseline_drivers["irrigation"]["crop"].values]
    out = []
    for name in ("from_crops", "to_crops"):
        key = f"{_KEY}.{name}"
        value = p[name]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, Sequence) or not value or not all(isinstance(c, str) for c in value):
            raise InputError(f"config key '{key}': expected a non-empty list of crop names, got {value!r}")
        unknown = [c for c in value if c not in crops]
        if unknown:
            raise InputError(
                f"config key '{key}': unknown crop '{unknown[0]}'; the pack's crops: {', '.join(crops)}"
            )
        out.append(list(dict.fromkeys(value)))
    both = [c for c in out[0] if c in out[1]]
    if both:
        raise InputError(f"config key '{_KEY}.to_crops': crop '{both[0]}' is also in from_crops")
    return out[0], out[1]


def _member(area: xr.DataArray, names: list[str]) -> xr.DataArray:
    return xr.DataArray(np.isin(area["crop"].values, names), coords={"crop": area["crop"]}, dims="crop")


def drivers(state: State, level: xr.DataArray, p: Mapping[str, Any]) -> dict[str, dict[str, xr.DataArray]]:
    """Move the covered share of the from-crops' area to the to-crops."""
    from_crops, to_crops = crop_lists(state, p)
    area = state.driver("irrigation", "irrigated_area")
    is_from, is_to = _member(area, from_crops), _member(area, to_crops)
    cut = level * p["shift"]
    moved = cut * area.where(is_from, 0.0).sum("crop")
    to_total = area.where(is_to, 0.0).sum("crop")
    weight = xr.where(
        is_to, xr.where(to_total > 0, area / to_total.where(to_total > 0), 1.0 / len(to_crops)), 0.0
    )
    new = xr.where(is_from, area * (1.0 - cut), area + moved * weight)
    return {"irrigation": {"irrigated_area": new}}


def extent(state: State, level: xr.DataArray, p: Mapping[str, Any]) -> xr.DataArray:
    """Return the moved irrigated area [mu]."""
    from_crops, _ = crop_lists(state, p)
    area = state.baseline_drivers["irrigation"]["irrigated_area"]
    from_area = area.where(_member(area, from_crops), 0.0).sum("crop")
    return level * p["shift"] * from_area * _HA_TO_MU
