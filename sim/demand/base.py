"""The contract shared by every demand model (``docs/demand.md``)."""

from __future__ import annotations

import calendar
import importlib
import pkgutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import xarray as xr

from sim.errors import InputError


@dataclass(frozen=True)
class DriverSpec:
    """One driver variable a demand model reads from ``drivers.csv``.

    Attributes
    ----------
    item : str
        Value of the ``item`` column: the model name, ``"crop"`` (any crop id of
        ``crops.csv``) or ``"climate"``.
    units : str
        Canonical unit the loader converts to (a pint string, e.g. ``"ha"``,
        ``"L/person/d"``, ``"1e4 yuan/a"``, ``"1"``).
    default : float
        Value where the pack gives none; NaN means required.
    long_name : str
        What the variable is.
    optional : bool
        With a NaN default: the variable may be absent (then it is left out of the
        drivers) or given for some units only (NaN elsewhere), instead of required.
    """

    item: str
    units: str
    default: float
    long_name: str
    optional: bool = False


def model_names() -> list[str]:
    """Names of the demand models shipped in ``sim.demand`` (every module but ``base``)."""
    import sim.demand as pkg

    return sorted(
        m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name != "base" and not m.name.startswith("_")
    )


def load_model(name: str) -> ModuleType:
    """Import the demand model ``sim.demand.<name>``.

    Raises
    ------
    KeyError
        If there is no such model; the message lists the available ones.
    """
    if name not in model_names():
        raise KeyError(f"unknown demand model '{name}'; available: {', '.join(model_names())}")
    return importlib.import_module(f"sim.demand.{name}")


# ----------------------------------------------------------------------------------------
# small helpers shared by the models: checks, drivers with defaults, growth, months
# ----------------------------------------------------------------------------------------
def locate(da: xr.DataArray, mask: np.ndarray) -> tuple[str, float]:
    """Describe the first flagged element of ``da`` ("unit 'x', crop 'y'") and its value."""
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    parts = [
        f"{dim} {da[dim].values[i].item()!r}" if dim in da.coords else f"{dim} {i}"
        for dim, i in zip(da.dims, idx, strict=True)
    ]
    return ", ".join(parts), float(da.values[idx])


def check(model: str, da: xr.DataArray, name: str, bad: xr.DataArray | np.ndarray, problem: str) -> None:
    """Raise a one-line :class:`InputError` naming the first element of ``da`` flagged by ``bad``."""
    mask = np.asarray(bad.values if isinstance(bad, xr.DataArray) else bad, dtype=bool)
    if mask.any():
        where, value = locate(da, np.broadcast_to(mask, da.shape))
        got = "" if np.isnan(value) else f", got {value:g}"
        raise InputError(f"{model} driver '{name}' of {where} {problem}{got}")


def driver(model: str, specs: dict[str, DriverSpec], drivers: xr.Dataset, name: str) -> xr.DataArray:
    """Driver ``name`` from ``drivers``, or its default (dims ``unit``, plus ``crop`` for crop items).

    Raises
    ------
    InputError
        If the driver is required (default NaN) and absent, or has NaN values.
    """
    spec = specs[name]
    if name in drivers:
        da = drivers[name].astype(float)
    elif not np.isnan(spec.default):
        dims = ("crop", "unit") if spec.item == "crop" else ("unit",)
        da = xr.DataArray(
            np.full([drivers.sizes[d] for d in dims], spec.default), coords={d: drivers[d] for d in dims}
        )
    else:
        raise InputError(f"{model} driver '{name}' [{spec.units}] is missing")
    check(model, da, name, np.isnan(da.values), "is missing (NaN)")
    return da


def get_base_year(model: str, options: Mapping) -> int:
    """Return the pack's base year from the model options."""
    base = options.get("base_year")
    if base is None:
        raise InputError(f"{model} option 'base_year' is missing (the pack's base year)")
    return int(base)


def growth_factor(model: str, rate: xr.DataArray, name: str, dy: xr.DataArray) -> xr.DataArray:
    """Growth factor ``(1 + g)^dy`` [1], refusing rates that would turn a quantity negative."""
    check(model, rate, name, rate.values < -1, "is below -1: (1 + g)^(y - base_year) would turn negative")
    if (dy < 0).any():
        check(model, rate, name, rate.values == -1, "is -1 and the run has years before the base year")
    return (1.0 + rate) ** dy


def option_months(model: str, options: Mapping, key: str, default: Sequence[int]) -> list[int]:
    """Return a list of distinct month numbers 1..12 from the model options."""
    months = options.get(key, default)
    months = list(default if months is None else months)
    if not months or any(int(m) != m or not 1 <= m <= 12 for m in months) or len(set(months)) < len(months):
        raise InputError(f"{model} option '{key}': expected distinct month numbers 1..12, got {months}")
    return [int(m) for m in months]


def days_of_months(years: np.ndarray, months: Sequence[int]) -> np.ndarray:
    """Count the days in ``months`` of each calendar year in ``years`` [d]."""
    per_year = {int(y): sum(calendar.monthrange(int(y), m)[1] for m in months) for y in np.unique(years)}
    return np.array([per_year[int(y)] for y in years], dtype=float)
