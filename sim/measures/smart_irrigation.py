"""Smart irrigation (智慧灌溉): soil-moisture sensing and scheduling remove over-irrigation.

Sensors, weather-based scheduling and metered, remotely switched outlets (水肥一体化 with
an irrigation platform) let farmers apply what the crop needs instead of fixed rounds. On
the covered share ``ℓ`` of a unit's irrigated area the over-irrigation share of the applied
water, ``over_irrigation_share`` ``s`` [1], is no longer applied:

``(1 + over') = (1 + over) · (1 − ℓ · s)``, i.e. ``over' = (1 + over) · (1 − ℓ · s) − 1`` [1].

A calibrated pack has ``over_irrigation = 0``: its quotas hold the over-use implicitly
(in the efficiencies and soil storage it was calibrated with), so ``over'`` becomes negative,
which the irrigation model accepts while ``over' > −1``. The applied water cannot fall below
what reaches the root zone: the measure raises an error where the effective field efficiency
``field / (1 + over')`` would exceed 1 (``field = 1 / Σ_k share_k / efficiency_k``).

Extent: the covered irrigated area ``ℓ · A · 15`` [mu] (``A`` the base-year irrigated area
[ha], 1 ha = 15 mu). The default path follows the region's new fertigation area, 271万亩 in
2025, kept to 2030; ``where`` can restrict it to the flat grain-growing units.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from sim.demand.irrigation import efficiencies
from sim.errors import InputError
from sim.measures.base import Extent, Param, State

ORDER = 30
SECTOR_GROUPS = ("agriculture",)
_HA_TO_MU = 15.0

PARAMETERS = {
    "over_irrigation_share": Param(
        "1",
        0.0,
        0.5,
        "estimate: no Inner Mongolia measurement of over-irrigation found; a smart fertigation demo in "
        "Tuquan (Hinggan, 3620 mu) claims 59 % saving incl. the switch to drip (upper bound, "
        "https://peopleweekly.cn/html/2022/sannong_1115/147579.html); 0.1 is what scheduling alone removes",
        "share of the applied irrigation water that is over-irrigation, removed on the covered area",
    ),
}
EXTENT = Extent("covered irrigated area", "mu")


def basis(state: State) -> xr.DataArray:
    """Irrigated area each unit could cover [mu] (base year)."""
    return state.baseline_drivers["irrigation"]["irrigated_area"].sum("crop") * _HA_TO_MU


def check_application(state: State, over: xr.DataArray, level: xr.DataArray, key: str) -> None:
    """Raise if ``over`` cuts the applied water below the net need where the measure is on.

    The effective field efficiency ``field / (1 + over)`` [1] must stay ≤ 1 (and
    ``1 + over > 0``) wherever ``level > 0``.

    Raises
    ------
    InputError
        One line naming the config key ``key``, the first such unit and its largest
        effective field efficiency.
    """
    _, field = efficiencies(state.drivers["irrigation"])
    applied = 1.0 + over
    effective = (field / applied.where(applied > 0)).fillna(np.inf)
    bad = (level > 0) & (effective > 1.0 + 1e-9)
    if bool(bad.any()):
        effective, bad = xr.broadcast(effective, bad)
        per_unit = bad.any([d for d in bad.dims if d != "unit"])
        unit = per_unit["unit"].values[int(np.argmax(per_unit.values))]
        value = float(effective.where(bad).sel(unit=unit).max())
        raise InputError(
            f"config key '{key}': cuts the applied water below the crops' net need in unit '{unit}' "
            f"(effective field efficiency {value:.3g} > 1); lower it or the coverage"
        )


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Remove the over-irrigation share on the covered area."""
    over = state.driver("irrigation", "over_irrigation")
    new = xr.where(level > 0, (1.0 + over) * (1.0 - level * p["over_irrigation_share"]) - 1.0, over)
    check_application(state, new, level, "measures.smart_irrigation.over_irrigation_share")
    return {"irrigation": {"over_irrigation": new}}


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Covered irrigated area [mu]."""
    return level * basis(state)
