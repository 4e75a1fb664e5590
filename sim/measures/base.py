"""The contract shared by every water-saving measure (``docs/measures.md``).

A measure is one module in :mod:`sim.measures` plus one file ``conf/measures/<name>.yaml``
holding its default options. It changes *parameters only*: the demand-model drivers
(before the demand models run) and the engine inputs (after), so the engine is the same
for every scenario.

A module defines

* ``PARAMETERS``: ``{name: Param}``, its effect parameters (unit, range, source);
* ``EXTENT``: an :class:`Extent`, what its cost is counted per (covered area, persons, ...);
* ``ORDER`` (int): when it is applied relative to the others (low first; ties by name);
* ``SECTOR_GROUPS``: the sector groups whose requirement it is meant to cut (may be empty);
* one or both of ``drivers(state, level, p)`` and ``inputs(state, level, p)``, which
  return their changes (see :class:`State`), and ``extent(state, level, p)``.

``level`` is the implemented share of the measure, a DataArray over
``(scenario, time, unit)`` in [0, 1]: ``coverage × ramp(year) × where(unit) × on(scenario)``.
With ``level = 0`` a measure must leave every parameter unchanged (bit for bit), which makes
the baseline and the subsets of the Shapley attribution one vectorised computation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from sim.errors import InputError

#: Options every measure has besides its ``PARAMETERS`` (see ``docs/measures.md``).
COMMON_OPTIONS = (
    "coverage",
    "area",
    "path",
    "start_year",
    "target_year",
    "ramp",
    "where",
    "capital_cost",
    "om_cost",
    "lifetime",
)
RAMPS = ("linear", "logistic", "path")


@dataclass(frozen=True)
class Param:
    """One effect parameter of a measure.

    Attributes
    ----------
    units : str
        Unit of the value (pint string; ``"1"`` for a share).
    low, high : float
        Allowed range, inclusive.
    source : str
        Where the default comes from (citation), with its status (sourced, derived,
        estimate) first, e.g. ``"estimate: ..."``.
    long_name : str
        What it is.
    """

    units: str
    low: float
    high: float
    source: str
    long_name: str


@dataclass(frozen=True)
class Extent:
    """What a measure's cost is counted per.

    Attributes
    ----------
    name : str
        E.g. ``"covered irrigated area"``.
    units : str
        Unit of the extent (``"mu"``, ``"person"``, ``"ha"``, ``"m3/a"``); ``capital_cost``
        is in yuan per this unit, ``om_cost`` in yuan per this unit per year.
    """

    name: str
    units: str


@dataclass
class State:
    """What the measures read and change.

    Attributes
    ----------
    pack : sim.pack.Pack
        The region pack (read only).
    axis : xarray.Dataset
        Time axis (``year``, ``month``, ``days_in_step`` ... along ``time``).
    drivers : dict of xarray.Dataset
        Demand-model drivers by model name; a measure's ``drivers`` hook returns
        ``{model: {variable: DataArray}}`` and the values replace the drivers (they may
        gain the dims ``scenario`` and ``time``).
    inputs : xarray.Dataset or None
        Engine inputs (``sim.inputs``), set once the demand models have run; a measure's
        ``inputs`` hook returns ``{variable: DataArray}`` replacing engine inputs.
    diagnostics : dict of xarray.DataArray
        Demand-model diagnostics (``<sector>_<variable>``), set with ``inputs``.
    baseline_drivers : dict of xarray.Dataset
        The pack's drivers before any measure (read only).
    """

    pack: Any
    axis: xr.Dataset
    drivers: dict[str, xr.Dataset]
    baseline_drivers: dict[str, xr.Dataset]
    inputs: xr.Dataset | None = None
    diagnostics: dict[str, xr.DataArray] = field(default_factory=dict)

    # ---- helpers the measures share -----------------------------------------------------
    def sectors_of(self, model: str) -> list[str]:
        """Sectors whose requirement comes from demand model ``model``."""
        data = self.pack.data
        if "sector_model" not in data:
            return []
        return [
            str(s) for s, m in zip(data.sector.values, data["sector_model"].values, strict=True) if m == model
        ]

    def sectors_in_groups(self, groups: Sequence[str]) -> list[str]:
        """Sectors whose ``group`` (``sectors.csv``) is one of ``groups``."""
        data = self.pack.data
        if "sector_group" not in data:
            return []
        return [
            str(s)
            for s, g in zip(data.sector.values, data["sector_group"].values, strict=True)
            if g in groups
        ]

    def driver(self, model: str, name: str, default: float | None = None) -> xr.DataArray:
        """Return the current value of driver ``name`` of ``model`` (its spec default where absent)."""
        from sim.demand import load_model

        ds = self.drivers.get(model)
        if ds is None:
            raise InputError(f"the pack has no sector using the '{model}' demand model")
        if name in ds:
            return ds[name].astype(float)
        if default is None:
            spec = load_model(model).DRIVERS[name]
            default = spec.default
            dims = ("crop", "unit") if spec.item == "crop" else ("unit",)
        else:
            dims = ("unit",)
        return xr.DataArray(
            np.full([ds.sizes[d] for d in dims], float(default)), coords={d: ds[d] for d in dims}
        )

    def has_model(self, model: str) -> bool:
        """Whether some sector of the pack uses demand model ``model``."""
        return model in self.drivers

    def years_per_step(self) -> xr.DataArray:
        """Length of each step in years, ``days_in_step / days_in_year`` [a]."""
        return self.axis["days_in_step"] / self.axis["days_in_year"]


# ----------------------------------------------------------------------------------------
# time path and where a measure applies
# ----------------------------------------------------------------------------------------
def ramp(years: np.ndarray, start: int, target: int, shape: str) -> np.ndarray:
    """Share of the target coverage reached in each year [1].

    ``linear``: ``clip((y − start + 1) / (target − start + 1), 0, 1)``, so the first
    share is built in ``start`` and all of it by the end of ``target``.
    ``logistic``: ``L(y) = 1 / (1 + exp(−k (y − m)))`` with ``m = (start − 1 + target) / 2``
    and ``k = 10 / (target − start + 1)``, rescaled so it is 0 in ``start − 1`` and 1 in
    ``target`` (then clipped to [0, 1]).
    """
    y = np.asarray(years, dtype=float)
    if shape == "linear":
        return np.clip((y - start + 1) / (target - start + 1), 0.0, 1.0)
    if shape == "logistic":
        mid = (start - 1 + target) / 2.0
        k = 10.0 / (target - start + 1)

        def curve(x: np.ndarray | float) -> np.ndarray:
            return 1.0 / (1.0 + np.exp(-k * (np.asarray(x, dtype=float) - mid)))

        lo, hi = curve(start - 1), curve(target)
        return np.clip((curve(y) - lo) / (hi - lo), 0.0, 1.0)
    raise ValueError(f"unknown ramp {shape!r}")


def crf(rate: float, lifetime: float) -> float:
    """Capital recovery factor ``r (1 + r)^n / ((1 + r)^n − 1)`` [1/a] (``1 / n`` at r = 0)."""
    if rate == 0:
        return 1.0 / lifetime
    g = (1.0 + rate) ** lifetime
    return rate * g / (g - 1.0)


_CONDITION = re.compile(r"^\s*(precipitation)\s*(<=|>=|<|>)\s*([0-9.eE+-]+)\s*$")


def unit_mask(where: Any, state: State, key: str) -> xr.DataArray:
    """Units a measure applies to, as a 0/1 DataArray over ``unit``.

    ``where`` is ``"all"``; a list of unit ids; ``"basin:<name>"`` or ``"league:<name>"``;
    ``"precipitation<N"`` (also ``<=``, ``>``, ``>=``; N in mm/a of the unit's mean annual
    precipitation from the climate drivers); or ``"overdrafted"`` (units allowed to
    overdraw groundwater in the pack, ``groundwater_allowed_overdraft > 0``).
    """
    data = state.pack.data
    units = [str(u) for u in data.unit.values]
    sel: np.ndarray
    if where is None or where == "all":
        sel = np.ones(len(units), dtype=bool)
    elif isinstance(where, (list, tuple)) or (not isinstance(where, str) and isinstance(where, Sequence)):
        unknown = [str(w) for w in where if str(w) not in units]
        if unknown:
            raise InputError(
                f"config key '{key}': unknown unit '{unknown[0]}'; the pack's units: {', '.join(units)}"
            )
        sel = np.isin(units, [str(w) for w in where])
    elif isinstance(where, str) and where.split(":", 1)[0] in ("basin", "league") and ":" in where:
        kind, name = where.split(":", 1)
        values = [str(v) for v in data[kind].values] if kind in data.coords or kind in data else []
        if name not in values:
            raise InputError(
                f"config key '{key}': no {kind} '{name}' in the pack; it has: {', '.join(sorted(set(values)))}"
            )
        sel = np.array([v == name for v in values])
    elif isinstance(where, str) and where == "overdrafted":
        sel = data["groundwater_allowed_overdraft"].fillna(0.0).values > 0
    elif isinstance(where, str) and (m := _CONDITION.match(where)):
        precip = annual_precipitation(state)
        if precip is None:
            raise InputError(f"config key '{key}': '{where}' needs the pack's climate precipitation")
        op, value = m.group(2), float(m.group(3))
        p = precip.reindex(unit=units).values
        sel = {"<": p < value, "<=": p <= value, ">": p > value, ">=": p >= value}[op] & np.isfinite(p)
    else:
        raise InputError(
            f"config key '{key}': expected 'all', a list of unit ids, 'basin:<name>', "
            f"'league:<name>', 'precipitation<N' (mm/a) or 'overdrafted', got {where!r}"
        )
    return xr.DataArray(sel.astype(float), coords={"unit": data.unit.values}, dims="unit")


def annual_precipitation(state: State) -> xr.DataArray | None:
    """Mean annual precipitation of each unit [mm/a] from the climate drivers, or None."""
    for ds in state.baseline_drivers.values():
        if "climate_precipitation" in ds:
            return ds["climate_precipitation"].sum("month", min_count=1)
    return None


# ----------------------------------------------------------------------------------------
# option checks
# ----------------------------------------------------------------------------------------
def check_number(key: str, value: Any, low: float, high: float, what: str = "") -> float:
    """Return ``value`` as a float, or raise a one-line InputError naming the config key."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"config key '{key}': expected a number{what}, got {value!r}") from None
    if not math.isfinite(x) or not low <= x <= high:
        raise InputError(f"config key '{key}': expected a number in [{low:g}, {high:g}]{what}, got {value!r}")
    return x


def effect_parameters(name: str, params: Mapping[str, Param], options: Mapping[str, Any]) -> dict[str, Any]:
    """Check a measure's effect parameters against their ranges; return them as floats.

    Non-numeric parameters (a ``Param`` with ``units="list"`` or ``"text"``) pass through.
    """
    out: dict[str, Any] = {}
    for key, spec in params.items():
        full = f"measures.{name}.{key}"
        if key not in options or options[key] is None:
            raise InputError(f"config key '{full}' is missing ({spec.long_name} [{spec.units}])")
        value = options[key]
        if spec.units in ("list", "text", "mapping"):
            out[key] = value
            continue
        out[key] = check_number(full, value, spec.low, spec.high, f" [{spec.units}]")
    return out


def blend(old: xr.DataArray, new: xr.DataArray | float, level: xr.DataArray) -> xr.DataArray:
    """``old + level · (new − old)``: the value where a share ``level`` of the unit is covered.

    Exact at ``level = 0``: returns ``old`` bit for bit there; where ``new`` equals
    ``old`` (also both infinite) it returns ``old`` at any level.
    """
    return xr.where((level > 0) & (new != old), old + level * (new - old), old)


def change_with_time(da: xr.DataArray) -> xr.DataArray:
    """Put a changed driver in the order the models expect: batch dims, then time, crop, unit."""
    order = [d for d in ("time", "crop", "month", "unit") if d in da.dims]
    return da.transpose(..., *order)
