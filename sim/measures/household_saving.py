"""Household water saving (生活节水): awareness and water-saving appliances.

On the covered share ``ℓ`` of a unit's residents (``ℓ`` over scenario, time, unit), efficient
faucets, dual-flush toilets and shower heads plus awareness campaigns cut the use per
resident at the tap by the relative saving ``s = saving``::

    urban_use' = urban_use · (1 − ℓ · s)                                  [L/person/d]
    rural_use' = rural_use · (1 − ℓ · s)                                  [L/person/d]

The cut applies to the whole urban use at the tap, public use included (public buildings
are retrofitted by the same programme); ``public_share`` is unchanged, so public and
residential use fall in proportion. The withdrawal follows through the domestic model,
``requirement = [urban · urban_use' / (1 − leakage) + rural · rural_use'] · days · 1e-9``
[hm3 per step], so a lower leakage (``leakage_control``) and this measure compose.
With ``ℓ = 0`` the drivers are unchanged bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from sim.measures.base import Extent, Param, State

ORDER = 45
SECTOR_GROUPS = ("domestic",)
MODEL = "domestic"

PARAMETERS = {
    "saving": Param(
        "1",
        0.0,
        0.5,
        "sourced: efficient faucets (9 -> <7.5 L/min) save ~17 % of household use; China household "
        "end-use study 2024, http://www.taokecoco.com/page/2024/0327/23702940.shtml",
        "relative cut of the use per resident at the tap on the covered share",
    ),
}
EXTENT = Extent("persons covered", "person")


def basis(state: State) -> xr.DataArray:
    """Residents each unit could cover, urban + rural population of the base year [person]."""
    ds = state.baseline_drivers[MODEL]
    return ds["urban_population"].astype(float) + ds["rural_population"].astype(float)


def drivers(state: State, level: xr.DataArray, p: Mapping[str, float]) -> dict[str, dict[str, xr.DataArray]]:
    """Cut the urban and rural use per resident on the covered share.

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
        ``{"domestic": {"urban_use": ..., "rural_use": ...}}`` [L/person/d].
    """
    factor = 1.0 - level * p["saving"]
    return {
        MODEL: {name: state.driver(MODEL, name) * factor for name in ("urban_use", "rural_use")},
    }


def extent(state: State, level: xr.DataArray, p: Mapping[str, float]) -> xr.DataArray:
    """Persons covered, ``ℓ ·`` (urban + rural population of the base year) [person]."""
    return level * basis(state)
