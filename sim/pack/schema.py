"""The variable tables of ``docs/packs.md`` as data.

``PARAMETERS`` describes the rows allowed in ``parameters.csv``, ``MONTHLY`` the rows allowed
in ``monthly.csv`` and in series files, and ``VARIABLES`` the attrs of every variable of
``Pack.data``. ``CLIMATE`` and ``CROP_PARAMETERS`` describe the pack-wide driver tables of the
demand models (``docs/demand.md``); the model-specific driver variables are declared by the
models themselves (``sim.demand.<model>.DRIVERS``). The loader and the documentation tests
read these tables; nothing else should hard-code variable names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "CLIMATE",
    "CROP_PARAMETERS",
    "FILES",
    "MONTHLY",
    "MONTHLY_ITEMS",
    "PARAMETERS",
    "PARAMETER_ITEMS",
    "SOURCES",
    "STATUSES",
    "VARIABLES",
    "ClimateSpec",
    "Spec",
]

#: Source names, in the order used by the engine (``sim.engine.kernel`` indices).
SOURCES: tuple[str, ...] = ("surface", "groundwater", "transfer", "reclaimed", "harvested", "other")

#: Allowed values of the ``status`` column.
STATUSES: tuple[str, ...] = ("sourced", "derived", "estimate", "calibrated")

#: Pack files and their columns: (required columns, optional columns).
FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "units.csv": (
        ("id", "name", "basin", "league", "area", "units", "year", "status", "reference"),
        ("note",),
    ),
    "links.csv": (("from", "to", "share", "capacity", "units", "year", "status", "reference"), ("note",)),
    "sectors.csv": (
        ("id", "priority", "preference", "year", "status", "reference"),
        ("note", "model", "group"),
    ),
    "parameters.csv": (
        ("unit", "item", "variable", "value", "units", "year", "status", "reference"),
        ("note",),
    ),
    "monthly.csv": (
        (
            "unit",
            "item",
            "variable",
            *(f"m{m:02d}" for m in range(1, 13)),
            "units",
            "year",
            "status",
            "reference",
        ),
        ("note",),
    ),
    "series": (("date", "unit", "item", "variable", "value", "units"), ()),
    "drivers.csv": (
        ("unit", "item", "variable", "value", "units", "year", "status", "reference"),
        ("note",),
    ),
    "crops.csv": (
        (
            "id",
            "kc_ini",
            "kc_mid",
            "kc_end",
            "l_ini",
            "l_dev",
            "l_mid",
            "l_late",
            "planting",
            "year",
            "status",
            "reference",
        ),
        ("note",),
    ),
}

INF = math.inf
NAN = math.nan


@dataclass(frozen=True)
class Spec:
    """One row of a variable table.

    Attributes
    ----------
    item : str
        ``"sector"`` (any sector id) or a source name (``"reservoir"`` included).
    variable : str
        Variable name as written in the pack.
    kind : str
        ``"volume"``, ``"volume_rate"``, ``"fraction"`` or ``"any"`` (see ``sim.units``).
    default : float
        Value where the pack gives none (NaN: "not given", the engine decides).
    allow_inf : bool
        Whether ``inf`` is an allowed value.
    target : str or None
        Name of the variable in ``Pack.data`` (None: used only to derive another one).
    monthly : bool
        True for 12-month rows (``monthly.csv`` and series files).
    """

    item: str
    variable: str
    kind: str
    default: float
    allow_inf: bool
    target: str | None
    monthly: bool


PARAMETERS: dict[tuple[str, str], Spec] = {
    (s.item, s.variable): s
    for s in (
        Spec("sector", "requirement", "volume_rate", 0.0, False, "requirement_rate", False),
        Spec("sector", "activity", "any", NAN, False, None, False),
        Spec("sector", "intensity", "any", NAN, False, None, False),
        Spec("sector", "consumption_fraction", "fraction", 0.0, False, "consumption_fraction", False),
        Spec("sector", "return_river", "fraction", 1.0, False, "return_river", False),
        Spec("sector", "return_groundwater", "fraction", 0.0, False, "return_groundwater", False),
        Spec("sector", "return_wastewater", "fraction", 0.0, False, "return_wastewater", False),
        Spec("surface", "capacity", "volume_rate", INF, True, "surface_capacity", False),
        Spec("reservoir", "capacity", "volume", 0.0, False, "reservoir_capacity", False),
        Spec("reservoir", "dead_storage", "volume", 0.0, False, "reservoir_dead_storage", False),
        # default: the dead storage (filled in by the loader)
        Spec("reservoir", "initial_storage", "volume", NAN, False, "reservoir_initial_storage", False),
        Spec(
            "groundwater",
            "sustainable_yield",
            "volume_rate",
            0.0,
            False,
            "groundwater_sustainable_yield",
            False,
        ),
        Spec(
            "groundwater",
            "allowed_overdraft",
            "volume_rate",
            0.0,
            False,
            "groundwater_allowed_overdraft",
            False,
        ),
        Spec("groundwater", "capacity", "volume_rate", INF, True, "groundwater_capacity", False),
        Spec("groundwater", "storage", "volume", INF, True, "groundwater_storage", False),
        Spec("transfer", "annual_cap", "volume_rate", 0.0, False, "transfer_annual_cap", False),
        Spec("transfer", "capacity", "volume_rate", INF, True, "transfer_capacity", False),
        Spec("reclaimed", "reuse_fraction", "fraction", 0.0, False, "reclaimed_reuse_fraction", False),
        Spec("reclaimed", "capacity", "volume_rate", INF, True, "reclaimed_capacity", False),
        Spec("harvested", "capacity", "volume_rate", INF, True, "harvested_capacity", False),
        Spec("other", "capacity", "volume_rate", INF, True, "other_capacity", False),
    )
}

MONTHLY: dict[tuple[str, str], Spec] = {
    (s.item, s.variable): s
    for s in (
        Spec("surface", "runoff", "volume", 0.0, False, "runoff", True),
        Spec("surface", "inflow", "volume", 0.0, False, "boundary_inflow", True),
        Spec("groundwater", "recharge", "volume", NAN, False, "groundwater_recharge", True),
        Spec("transfer", "pattern", "fraction", NAN, False, "transfer_pattern", True),
        Spec("harvested", "supply", "volume", 0.0, False, "harvested_supply", True),
        Spec("other", "supply", "volume", 0.0, False, "other_supply", True),
        Spec("sector", "requirement", "volume", NAN, False, "requirement_monthly", True),
        Spec("sector", "profile", "fraction", NAN, False, "requirement_profile", True),
    )
}

#: Items allowed in parameters.csv / monthly.csv besides sector ids.
PARAMETER_ITEMS: tuple[str, ...] = tuple(dict.fromkeys(i for i, _ in PARAMETERS if i != "sector"))
MONTHLY_ITEMS: tuple[str, ...] = tuple(dict.fromkeys(i for i, _ in MONTHLY if i != "sector"))

_HM3, _RATE, _HA, _ONE = "hm3", "hm3 a-1", "ha", "1"

#: attrs (units, long_name) of every variable of ``Pack.data``.
VARIABLES: dict[str, dict[str, str]] = {
    name: {"units": units, "long_name": long_name}
    for name, units, long_name in (
        ("area", _HA, "area of the calculation unit"),
        ("link_from", "", "upstream unit of the link"),
        ("link_to", "", "downstream unit of the link ('outlet': leaves the region)"),
        ("link_share", _ONE, "share of the outflow of link_from that enters the link"),
        ("link_capacity", _RATE, "link capacity (flow above it leaves the region)"),
        ("priority", _ONE, "sector priority (1 is served first)"),
        ("preference", "", "source names in order of preference ('' = padding)"),
        ("requirement_rate", _RATE, "annual requirement at the intake (0 where none or monthly given)"),
        ("requirement_monthly", _HM3, "mean monthly requirement (NaN: use requirement_rate)"),
        ("requirement_profile", _ONE, "monthly distribution of the annual requirement (NaN: by days)"),
        ("consumption_fraction", _ONE, "share of a delivery that is consumed"),
        ("return_river", _ONE, "share of return flow to the river"),
        ("return_groundwater", _ONE, "share of return flow recharging the aquifer"),
        ("return_wastewater", _ONE, "share of return flow collected as wastewater"),
        ("surface_capacity", _RATE, "diversion/intake capacity of the surface works"),
        ("runoff", _HM3, "mean monthly local surface runoff"),
        ("boundary_inflow", _HM3, "mean monthly inflow from outside the region"),
        ("reservoir_capacity", _HM3, "aggregated reservoir capacity"),
        ("reservoir_dead_storage", _HM3, "reservoir dead storage"),
        ("reservoir_initial_storage", _HM3, "reservoir storage at the start"),
        ("groundwater_sustainable_yield", _RATE, "groundwater sustainable yield"),
        ("groundwater_allowed_overdraft", _RATE, "groundwater pumping allowed above the yield"),
        ("groundwater_capacity", _RATE, "pumping capacity of the wells"),
        ("groundwater_storage", _HM3, "aquifer storage at the start (inf: not limiting)"),
        ("groundwater_recharge", _HM3, "mean monthly natural recharge (NaN: yield spread by days)"),
        ("transfer_annual_cap", _RATE, "transfer quota per calendar year"),
        ("transfer_capacity", _RATE, "transfer conveyance capacity"),
        ("transfer_pattern", _ONE, "largest share of the annual cap deliverable per month (NaN: by days)"),
        ("reclaimed_reuse_fraction", _ONE, "share of collected wastewater treated for reuse"),
        ("reclaimed_capacity", _RATE, "capacity of the reuse works"),
        ("harvested_supply", _HM3, "mean monthly harvestable rainwater"),
        ("harvested_capacity", _RATE, "capacity of the harvesting works"),
        ("other_supply", _HM3, "mean monthly unconventional water available"),
        ("other_capacity", _RATE, "capacity of the unconventional works"),
        ("sector_model", "", "demand model computing the requirement ('' = from parameters/monthly)"),
        ("sector_group", "", "reporting group of the sector (default: the sector id)"),
    )
}


@dataclass(frozen=True)
class ClimateSpec:
    """One climate variable (item ``climate``).

    Attributes
    ----------
    variable : str
        Name as written in the pack; ``climate_<variable>`` in the driver Datasets.
    units : str
        Canonical unit (pint string).
    long_name : str
        What the variable is.
    monthly : bool
        True: 12-month row of ``monthly.csv`` (dims ``month, unit``); False: scalar row of
        ``drivers.csv`` (dim ``unit``).
    lower, upper : float
        Allowed range in canonical units.
    per_month : bool
        An amount per month: the pack may write a length (``mm``) or a length per month
        (``mm/month``).
    """

    variable: str
    units: str
    long_name: str
    monthly: bool
    lower: float = 0.0
    upper: float = INF
    per_month: bool = False


#: Climate variables of the demand models (``docs/demand.md``), by name.
CLIMATE: dict[str, ClimateSpec] = {
    c.variable: c
    for c in (
        ClimateSpec("precipitation", "mm", "monthly precipitation total", True, per_month=True),
        ClimateSpec("tmax", "degC", "mean daily maximum temperature", True, -273.15),
        ClimateSpec("tmin", "degC", "mean daily minimum temperature", True, -273.15),
        ClimateSpec("rh", "%", "mean relative humidity", True, 0.0, 100.0),
        ClimateSpec("wind", "m/s", "mean wind speed at 2 m", True),
        ClimateSpec("sunshine", "h/d", "mean daily sunshine duration", True, 0.0, 24.0),
        ClimateSpec("latitude", "degree", "latitude of the climate station", False, -90.0, 90.0),
        ClimateSpec("elevation", "m", "elevation of the climate station", False, -INF),
    )
}

#: Crop parameters of ``crops.csv``: column -> (variable in the driver Datasets, units, long_name).
CROP_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "kc_ini": ("kc_ini", "1", "FAO-56 crop coefficient, initial stage"),
    "kc_mid": ("kc_mid", "1", "FAO-56 crop coefficient, mid-season stage"),
    "kc_end": ("kc_end", "1", "FAO-56 crop coefficient at the end of the late season"),
    "l_ini": ("l_ini", "d", "length of the initial stage"),
    "l_dev": ("l_dev", "d", "length of the development stage"),
    "l_mid": ("l_mid", "d", "length of the mid-season stage"),
    "l_late": ("l_late", "d", "length of the late-season stage"),
    "planting": ("planting_doy", "1", "planting day of year (1-365, in a non-leap year)"),
}
