"""Driver tables of the demand models: ``drivers.csv``, ``crops.csv`` and climate rows.

The tables are specified in ``docs/demand.md``; which variables a model reads, in which
canonical unit and with which default, is declared by the model itself
(``sim.demand.<model>.DRIVERS``, a mapping ``name -> DriverSpec``). The specs are obtained
through :func:`sim.demand.base.load_model` at load time (looked up on the module, so tests
can replace it).

:class:`DriverTables` is a mixin of the pack loader (:mod:`sim.pack.loader`): it reads the
``model``/``group`` columns of ``sectors.csv``, ``crops.csv``, ``drivers.csv`` and the
``climate`` rows of ``monthly.csv``, and builds ``Pack.drivers``: one Dataset per demand model
used by a sector, in the canonical units of the model's ``DriverSpec``.

Rules implemented here:

* a ``*`` unit row applies to every unit; a unit-specific row overrides it;
* values must be ≥ 0, except growth rates (canonical unit ``1/a``), which must be > −1, and
  the climate variables with a signed range (temperatures, latitude, elevation);
* a variable with a NaN default is required for every unit (and every crop of ``crops.csv``
  for crop variables), unless its spec says ``optional`` (then it may be absent);
* units parse with the project registry (``sim.units``: ``head``/``头``, ``person``/``人``,
  ``yuan``/``元``; ``m3/1e4 yuan`` is m³ per 10⁴ yuan).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pint
import xarray as xr

from sim.demand import base as demand_base
from sim.demand.base import DriverSpec
from sim.errors import InputError
from sim.pack.schema import CLIMATE, CROP_PARAMETERS
from sim.units import describe, parse_units, ureg

__all__ = ["DriverTables", "convert_driver", "suggest"]

_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_MONTH_COLUMNS = tuple(f"m{m:02d}" for m in range(1, 13))
_PLANTING = re.compile(r"^(\d{2})-(\d{2})$")
_GROWTH_DIM = ureg.Quantity(1, "1/a").dimensionality
_TEMPERATURE = ureg.Quantity(1, "kelvin").dimensionality
_DEPTH_RATE = ureg.Quantity(1, "mm/month").dimensionality
_PURE = frozenset({"percent", "permille", "ppm"})
_EXAMPLES = {
    "ha": "ha, mu, 亩 or 万亩",
    "head": "head, 头 or 万头",
    "person": "person, 人 or 万人",
    "L/head/d": "L/head/d or L/头/d",
    "L/person/d": "L/person/d or L/人/d",
    "1e4 yuan/a": "万元/a or 亿元/a",
    "m3/1e4 yuan": "m3/万元",
    "1": "1 or %",
    "1/a": "1/a or %/a",
    "mm": "mm",
    "degC": "°C",
    "degree": "degree",
}


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``.

    Parameters
    ----------
    word : str
        The unknown word.
    choices : sequence of str
        Valid words.

    Returns
    -------
    str
        The hint, with a leading space, or an empty string.
    """
    lower = {c.lower(): c for c in reversed(list(choices))}
    match = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f" (did you mean '{lower[match[0]]}'?)" if match else ""


def _fmt(x: float) -> str:
    return f"{x:.10g}"


# --------------------------------------------------------------------------------------------
# unit conversion


def _parse(s: str) -> pint.Quantity:
    text = s.strip()
    try:
        return parse_units(text)
    except ValueError as err:
        if str(err).startswith("'"):
            raise ValueError(f"'{text}' is not a unit string pint can read") from None
        raise


def _pure(q: pint.Quantity) -> bool:
    return all(name in _PURE for name, _ in q.unit_items())


def _what(q: pint.Quantity) -> str:
    if q.dimensionality == _TEMPERATURE:
        return "a temperature"
    if q.dimensionless:
        if _pure(q):
            return "a plain number"
        if ureg.get_root_units(q.units)[1] == ureg.radian:
            return "an angle"
        return f"a ratio ({q.units})"
    text = describe(q)
    return f"a quantity {text}" if text.startswith("of dimension") else text


@lru_cache(maxsize=1024)
def _affine(units: str, target: str, name: str, per_month: bool) -> tuple[float, float]:
    """Return ``(scale, offset)``: canonical = value × scale + offset."""
    q, t = _parse(units), _parse(target)

    def mismatch() -> ValueError:
        eg = _EXAMPLES.get(target.strip(), target)
        return ValueError(f"'{units}' is {_what(q)} but '{name}' needs {_what(t)} in {target} (e.g. {eg})")

    if t.dimensionality == _TEMPERATURE:
        if q.dimensionality != _TEMPERATURE:
            raise mismatch()
        if q.magnitude != 1:
            raise ValueError(f"'{units}': a temperature unit cannot carry a scale factor")
        v0 = float(ureg.Quantity(0.0, q.units).to(t.units).magnitude)
        v1 = float(ureg.Quantity(1.0, q.units).to(t.units).magnitude)
        return v1 - v0, v0
    if per_month and q.dimensionality == _DEPTH_RATE:
        if ("month", -1) not in tuple(q.unit_items()):
            raise ValueError(
                f"'{units}' is a depth rate but '{name}' needs the total of the month (e.g. mm or mm/month)"
            )
        q = q * ureg.Quantity(1, "month")
    if q.dimensionality != t.dimensionality:
        raise mismatch()
    if q.dimensionless and (
        _pure(q) != _pure(t)
        or (not _pure(q) and ureg.get_root_units(q.units)[1] != ureg.get_root_units(t.units)[1])
    ):
        raise mismatch()
    return float((q / t).to("dimensionless").magnitude), 0.0


def convert_driver(
    value: float | np.ndarray, units: str, target: str, name: str, per_month: bool = False
) -> float | np.ndarray:
    """Convert driver values given in ``units`` to the canonical unit ``target``.

    Parameters
    ----------
    value : float or ndarray
        Values as written in the pack.
    units : str
        Their unit string (``万亩``, ``L/头/d``, ``亿元/a``, ``%``, ``°C`` ...).
    target : str
        Canonical unit (``DriverSpec.units``), e.g. ``"ha"`` or ``"1e4 yuan/a"``.
    name : str
        Variable name, for the error message.
    per_month : bool, optional
        Accept a length per month (``mm/month``) for a length target.

    Returns
    -------
    float or ndarray
        Values in ``target``.

    Raises
    ------
    ValueError
        If a string does not parse or ``units`` does not have the dimension of ``target``.
    """
    scale, offset = _affine(units, target, name, per_month)
    return value * scale + offset


# --------------------------------------------------------------------------------------------
# the loader mixin


@dataclass(frozen=True)
class _Value:
    """One validated driver value (canonical float, or 12 monthly values)."""

    row: Any  # sim.pack.loader._Row
    unit: str
    value: Any


def _check_range(
    r: Any,
    column: str,
    variable: str,
    lower: float,
    upper: float,
    target: str,
    value: float,
    units: str,
    x: float,
) -> None:
    """Raise at ``column`` if the canonical value ``x`` is outside ``[lower, upper]``."""
    if not (lower <= x + 1e-9 and x <= upper + 1e-9):
        lo = "−inf" if math.isinf(lower) else _fmt(lower)
        hi = "inf" if math.isinf(upper) else _fmt(upper)
        raise r.err(
            column, f"{_fmt(value)} {units} is outside [{lo}, {hi}] {target} (the range of '{variable}')"
        )


def _pick(rows: dict[str, _Value] | None, unit: str) -> _Value | None:
    if not rows:
        return None
    return rows.get(unit) or rows.get("*")


class DriverTables:
    """Mixin of the pack loader reading the driver tables of the demand models.

    It relies on the loader's ``_read``, ``_rows``, ``_record`` and ``_unit`` methods and on
    its ``units``, ``sectors``, ``params`` and ``monthly`` attributes.
    """

    # ---- model specs ------------------------------------------------------------------------

    def _model_names(self) -> list[str]:
        if self._names_cache is None:
            self._names_cache = list(demand_base.model_names())
        return self._names_cache

    def _specs(self, model: str) -> dict[str, DriverSpec]:
        cache = self._spec_cache
        if model not in cache:
            module = demand_base.load_model(model)
            drivers = getattr(module, "DRIVERS", None)
            if not isinstance(drivers, Mapping):
                raise TypeError(f"demand model '{model}' has no DRIVERS mapping (see docs/demand.md)")
            for key, spec in drivers.items():
                try:
                    _parse(spec.units)
                except ValueError as err:
                    raise TypeError(f"demand model '{model}', DRIVERS['{key}']: {err}") from None
                if spec.item == "climate" and key.removeprefix("climate_") not in CLIMATE:
                    raise TypeError(
                        f"demand model '{model}', DRIVERS['{key}']: unknown climate variable "
                        f"(expected one of: {', '.join(CLIMATE)})"
                    )
            cache[model] = dict(drivers)
        return cache[model]

    def _item_specs(self, item: str) -> dict[str, DriverSpec]:
        """Driver variables read under ``item`` (a model name) by the models in use."""
        specs: dict[str, DriverSpec] = {}
        models = [*self.models, *([item] if item in self._model_names() else [])]
        for model in models:
            for key, spec in self._specs(model).items():
                if spec.item == item:
                    specs.setdefault(key, spec)
        return specs

    def _crop_spec(self, variable: str) -> tuple[DriverSpec | None, list[str]]:
        """Spec of a crop variable (models in use first, then any model) and the valid names."""
        valid: list[str] = []
        for models in (self.models, self._model_names()):
            for model in models:
                for key, spec in self._specs(model).items():
                    if spec.item == "crop":
                        if key == variable:
                            return spec, valid
                        valid.append(key)
        return None, list(dict.fromkeys(valid))

    def _init_drivers(self) -> None:
        self._names_cache: list[str] | None = None
        self._spec_cache: dict[str, dict[str, DriverSpec]] = {}
        self.climate: dict[str, dict[str, _Value]] = {}
        self.crops: list[str] = []
        self.driver_rows: dict[tuple[str, str], dict[str, _Value]] = {}
        self.models: list[str] = []
        self.model_sector: dict[str, tuple[str, int]] = {}
        self.sector_models: list[str] = []
        self.sector_groups: list[str] = []

    # ---- sectors.csv ------------------------------------------------------------------------

    def _check_sector_columns(self, fname: str, columns: list[str]) -> None:
        for column in columns:
            for wanted in ("model", "group"):
                if column != wanted and difflib.get_close_matches(column, [wanted], n=1, cutoff=0.75):
                    raise InputError.at(fname, 1, column, f"unknown column (did you mean '{wanted}'?)")

    def _sector_model(self, r: Any, sid: str) -> None:
        """Read the optional ``model`` and ``group`` cells of one sectors.csv row."""
        model = r.cells.get("model", "")
        if model:
            names = self._model_names()
            if model not in names:
                raise r.err(
                    "model",
                    f"unknown demand model '{model}'{suggest(model, names)} "
                    f"(available models: {', '.join(names) or 'none'}; leave empty for a requirement "
                    "from parameters.csv/monthly.csv)",
                )
            if model not in self.model_sector:
                self.models.append(model)
                self.model_sector[model] = (sid, r.row)
        group = r.cells.get("group", "") or sid
        if not _ID.match(group):
            raise r.err("group", f"'{group}' is not a valid group name (use letters, digits, '_' and '-')")
        self.sector_models.append(model)
        self.sector_groups.append(group)

    def _check_model_sectors(self) -> None:
        """Reject requirement rows (parameters.csv/monthly.csv) for a sector driven by a model."""
        for sid, model in zip(self.sectors, self.sector_models, strict=True):
            if not model:
                continue
            found = [
                e
                for table, variables in ((self.params, ("requirement", "activity", "intensity")),
                                         (self.monthly, ("requirement",)))
                for v in variables
                for e in (table.get((sid, v)) or {}).values()
            ]  # fmt: skip
            if found:
                e = min(found, key=lambda e: (e.row.file, e.row.row))
                raise e.row.err(
                    "item",
                    f"sector '{sid}' gets its requirement from demand model '{model}' (sectors.csv column "
                    f"'model'); remove this '{e.variable}' row or the model",
                )

    # ---- crops.csv --------------------------------------------------------------------------

    def _crops(self) -> None:
        fname = "crops.csv"
        self.crop_values: dict[str, list[float]] = {v: [] for v, _, _ in CROP_PARAMETERS.values()}
        df = self._read(fname, optional=True)
        if df is None:
            return
        first: dict[str, int] = {}
        for r in self._rows(fname, df):
            cid = r.text("id", "a crop id")
            if not _ID.match(cid):
                raise r.err("id", f"'{cid}' is not a valid crop id (use letters, digits, '_' and '-')")
            if cid == "climate" or cid in self._model_names() or cid in self.models:
                raise r.err(
                    "id",
                    f"'{cid}' is a reserved name (a demand model or 'climate', also used in the "
                    "'item' column of drivers.csv); choose another crop id",
                )
            if cid in first:
                raise r.err("id", f"duplicate crop id '{cid}' (first defined in row {first[cid]})")
            first[cid] = r.row
            values: dict[str, float] = {}
            for column in ("kc_ini", "kc_mid", "kc_end"):
                values[column] = r.number(column, "a crop coefficient ≥ 0")
            for column in ("l_ini", "l_dev", "l_mid", "l_late"):
                x = r.number(column, "a stage length in days > 0")
                if x == 0:
                    raise r.err(column, "0 is not a positive number (expected a stage length in days > 0)")
                values[column] = x
            planting = r.text("planting", "a planting date MM-DD")
            m = _PLANTING.match(planting)
            try:
                doy = date(2001, int(m.group(1)), int(m.group(2))).timetuple().tm_yday if m else None
            except ValueError:
                doy = None
            if doy is None:
                raise r.err(
                    "planting", f"'{planting}' is not a date MM-DD (e.g. 04-20; 02-29 is not allowed)"
                )
            values["planting"] = float(doy)
            self.crops.append(cid)
            for column, (variable, units, _) in CROP_PARAMETERS.items():
                self.crop_values[variable].append(values[column])
                if column == "planting":
                    note = f"planting {planting}" + (f"; {r.cells['note']}" if r.cells.get("note") else "")
                    year, status, reference, _ = r.provenance()
                    self.prov.append(
                        (fname, r.row, "*", cid, variable, values[column], "day of year", year, status,
                         reference, "", note)
                    )  # fmt: skip
                else:
                    self._record(r, "*", cid, variable, values[column], units)

    # ---- values -----------------------------------------------------------------------------

    @staticmethod
    def _raw(r: Any, column: str, what: str, signed: bool) -> float:
        s = r.text(column, what)
        try:
            x = float(s)
        except ValueError:
            raise r.err(column, f"'{s}' is not a number (expected {what})") from None
        if math.isnan(x):
            raise r.err(column, f"NaN is not allowed (expected {what})")
        if math.isinf(x):
            raise r.err(column, f"'{s}' is not allowed here (expected a finite value: {what})")
        if x < 0 and not signed:
            raise r.err(column, f"{s} is negative (expected {what}, ≥ 0)")
        return x

    @staticmethod
    def _convert(r: Any, value: Any, units: str, target: str, name: str, per_month: bool = False) -> Any:
        try:
            return convert_driver(value, units, target, name, per_month)
        except ValueError as err:
            raise r.err("units", str(err)) from None

    # ---- monthly.csv climate rows -----------------------------------------------------------

    def _climate_row(self, r: Any, unit: str) -> None:
        """Read one ``climate`` row of monthly.csv (12 values)."""
        variable = r.text("variable", "a climate variable")
        spec = CLIMATE.get(variable)
        monthly = [v for v, c in CLIMATE.items() if c.monthly]
        if spec is None or not spec.monthly:
            hint = (
                " (it is a scalar: give it in drivers.csv)"
                if spec is not None
                else suggest(variable, monthly)
            )
            raise r.err(
                "variable",
                f"unknown variable '{variable}' for item 'climate'{hint} (expected one of: {', '.join(monthly)})",
            )
        rows = self.climate.setdefault(variable, {})
        if unit in rows:
            raise r.err(
                "variable",
                f"duplicate row for unit '{unit}', item 'climate', variable '{variable}' "
                f"(first given in row {rows[unit].row.row})",
            )
        signed = spec.lower < 0
        values = np.array([self._raw(r, c, f"'{variable}' in {spec.units}", signed) for c in _MONTH_COLUMNS])
        units = r.text(
            "units", f"a unit string for '{variable}' (e.g. {_EXAMPLES.get(spec.units, spec.units)})"
        )
        canonical = np.asarray(self._convert(r, values, units, spec.units, variable, spec.per_month))
        for c, v, x in zip(_MONTH_COLUMNS, values, canonical, strict=True):
            _check_range(r, c, variable, spec.lower, spec.upper, spec.units, v, units, x)
        rows[unit] = _Value(r, unit, canonical)
        for c, v in zip(_MONTH_COLUMNS, values, strict=True):
            self._record(r, unit, "climate", variable, float(v), units, step=c)

    def _check_climate(self) -> None:
        tmax, tmin = self.climate.get("tmax"), self.climate.get("tmin")
        if not (tmax and tmin):
            return
        for u in self.units:
            hi, lo = _pick(tmax, u), _pick(tmin, u)
            if hi is None or lo is None:
                continue
            bad = np.flatnonzero(lo.value > hi.value + 1e-9)
            if len(bad):
                k = int(bad[0])
                raise lo.row.err(
                    _MONTH_COLUMNS[k],
                    f"tmin {_fmt(lo.value[k])} °C of unit '{u}' is above tmax {_fmt(hi.value[k])} °C "
                    f"(row {hi.row.row})",
                )

    # ---- drivers.csv ------------------------------------------------------------------------

    def _drivers(self) -> None:
        fname = "drivers.csv"
        df = self._read(fname, optional=True)
        if df is None:
            return
        for r in self._rows(fname, df):
            unit = self._unit(r, "unit", allow=("*",))
            item = r.text("item", "a demand model, a crop id or 'climate'")
            variable = r.text("variable", "a variable name")
            target, what, lower, upper = self._driver_spec(r, item, variable)
            rows = self.driver_rows.setdefault((item, variable), {})
            if unit in rows:
                raise r.err(
                    "variable",
                    f"duplicate row for unit '{unit}', item '{item}', variable '{variable}' "
                    f"(first given in row {rows[unit].row.row})",
                )
            value = self._raw(r, "value", what, signed=lower < 0)
            units = r.text("units", f"a unit string for '{variable}' (e.g. {_EXAMPLES.get(target, target)})")
            x = float(self._convert(r, value, units, target, variable))
            if lower == -1.0 and x <= -1.0:
                raise r.err(
                    "value", f"{_fmt(value)} {units} is a fall of 100 % or more (a growth rate must be > −1)"
                )
            if lower != -1.0:
                _check_range(r, "value", variable, lower, upper, target, value, units, x)
            rows[unit] = _Value(r, unit, x)
            self._record(r, unit, item, variable, value, units)

    def _driver_spec(self, r: Any, item: str, variable: str) -> tuple[str, str, float, float]:
        """Return ``(canonical units, what, lower, upper)`` of a drivers.csv row."""
        if item == "climate":
            spec = CLIMATE.get(variable)
            scalar = [v for v, c in CLIMATE.items() if not c.monthly]
            if spec is None or spec.monthly:
                hint = (
                    " (it is monthly: give it in monthly.csv)"
                    if spec is not None
                    else suggest(variable, scalar)
                )
                raise r.err(
                    "variable",
                    f"unknown variable '{variable}' for item 'climate'{hint} (expected one of: {', '.join(scalar)})",
                )
            return spec.units, f"'{variable}' in {spec.units}", spec.lower, spec.upper
        if item in self.crops:
            crop_spec, valid = self._crop_spec(variable)
            if crop_spec is None:
                raise r.err(
                    "variable",
                    f"unknown crop variable '{variable}' for crop '{item}'{suggest(variable, valid)} "
                    f"(expected one of: {', '.join(valid) or 'none: no demand model reads crop drivers'})",
                )
            return self._bounds(crop_spec, variable)
        known = [*self._model_names(), *(
            s.item for m in self.models for s in self._specs(m).values() if s.item not in ("crop", "climate")
        )]  # fmt: skip
        if item not in known:
            choices = [*self.crops, *dict.fromkeys(known), "climate"]
            crops = ", ".join(self.crops) if self.crops else "none: no crops.csv"
            raise r.err(
                "item",
                f"unknown item '{item}'{suggest(item, choices)} (expected a crop id of crops.csv ({crops}), "
                f"a demand model ({', '.join(dict.fromkeys(known)) or 'none'}) or 'climate')",
            )
        specs = self._item_specs(item)
        spec = specs.get(variable)
        if spec is None:
            raise r.err(
                "variable",
                f"unknown variable '{variable}' for demand model '{item}'{suggest(variable, list(specs))} "
                f"(expected one of: {', '.join(specs) or 'none'})",
            )
        return self._bounds(spec, variable)

    @staticmethod
    def _bounds(spec: DriverSpec, variable: str) -> tuple[str, str, float, float]:
        if _parse(spec.units).dimensionality == _GROWTH_DIM:
            return spec.units, f"a growth rate in {spec.units} (> −1)", -1.0, math.inf
        return spec.units, f"'{variable}' in {spec.units}", 0.0, math.inf

    # ---- Pack.drivers -----------------------------------------------------------------------

    def _climate_arrays(self) -> dict[str, np.ndarray]:
        n_u = len(self.units)
        out: dict[str, np.ndarray] = {}
        for variable, spec in CLIMATE.items():
            if spec.monthly:
                arr = np.full((12, n_u), np.nan)
                rows = self.climate.get(variable)
                for ui, u in enumerate(self.units):
                    if (e := _pick(rows, u)) is not None:
                        arr[:, ui] = e.value
            else:
                arr = np.full(n_u, np.nan)
                rows = self.driver_rows.get(("climate", variable))
                for ui, u in enumerate(self.units):
                    if (e := _pick(rows, u)) is not None:
                        arr[ui] = e.value
            out[variable] = arr
        return out

    def _missing(
        self, model: str, key: str, spec: DriverSpec, unit: str, crop: str = "", fname: str = "drivers.csv"
    ) -> InputError:
        sector, row = self.model_sector[model]
        if spec.item == "climate":
            item, variable = "climate", key.removeprefix("climate_")
            what = f"climate '{variable}'"
        else:
            item, variable, what = crop or spec.item, key, f"'{key}'"
        for_crop = f"for crop '{crop}' " if crop else ""
        return InputError.at(
            fname,
            message=f"demand model '{model}' (sector '{sector}', sectors.csv row {row}) needs {what} "
            f"[{spec.units}] {for_crop}in unit '{unit}' ({spec.long_name}): no row with item '{item}', "
            f"variable '{variable}' and unit '{unit}' or '*'",
        )

    def _driver_datasets(self, manifest: dict[str, Any]) -> dict[str, xr.Dataset]:
        n_u, n_c = len(self.units), len(self.crops)
        climate = self._climate_arrays()
        common: dict[str, tuple] = {}
        for variable, units, long_name in CROP_PARAMETERS.values():
            common[variable] = (
                ("crop",),
                np.asarray(self.crop_values[variable], dtype=float),
                {"units": units, "long_name": long_name},
            )
        for variable, spec in CLIMATE.items():
            dims = ("month", "unit") if spec.monthly else ("unit",)
            common[f"climate_{variable}"] = (
                dims,
                climate[variable],
                {"units": spec.units, "long_name": spec.long_name},
            )
        coords = {
            "unit": ("unit", np.asarray(self.units, dtype=str)),
            "crop": ("crop", np.asarray(self.crops, dtype=str)),
            "month": ("month", np.arange(1, 13, dtype=np.int64)),
        }
        result: dict[str, xr.Dataset] = {}
        for model in self.models:
            data_vars = dict(common)
            for key, spec in self._specs(model).items():
                attrs = {"units": spec.units, "long_name": spec.long_name, "item": spec.item}
                if spec.item == "climate":
                    name = key.removeprefix("climate_")
                    cspec = CLIMATE[name]
                    arr = climate[name].copy()
                    missing = np.isnan(arr).any(axis=0) if cspec.monthly else np.isnan(arr)
                    if missing.any():
                        if math.isnan(spec.default):
                            u = self.units[int(np.argmax(missing))]
                            fname = "monthly.csv" if cspec.monthly else "drivers.csv"
                            raise self._missing(model, key, spec, u, fname=fname)
                        arr = np.where(np.isnan(arr), spec.default, arr)
                    dims = ("month", "unit") if cspec.monthly else ("unit",)
                    if key == f"climate_{name}":
                        data_vars[key] = (dims, arr, {**data_vars[key][2]})
                    else:  # an alias in the model's own unit
                        try:
                            arr = convert_driver(arr, cspec.units, spec.units, key)
                        except ValueError as err:
                            raise TypeError(f"demand model '{model}', DRIVERS['{key}']: {err}") from None
                        data_vars[key] = (dims, arr, attrs)
                    continue
                if spec.item == "crop":
                    arr = np.full((n_c, n_u), float(spec.default))
                    for ci, c in enumerate(self.crops):
                        rows = self.driver_rows.get((c, key))
                        for ui, u in enumerate(self.units):
                            if (e := _pick(rows, u)) is not None:
                                arr[ci, ui] = e.value
                            elif math.isnan(spec.default):
                                raise self._missing(model, key, spec, u, crop=c)
                    data_vars[key] = (("crop", "unit"), arr, attrs)
                    continue
                arr = np.full(n_u, float(spec.default))
                rows = self.driver_rows.get((spec.item, key))
                if spec.optional and not rows:
                    continue
                for ui, u in enumerate(self.units):
                    if (e := _pick(rows, u)) is not None:
                        arr[ui] = e.value
                    elif math.isnan(spec.default) and not spec.optional:
                        raise self._missing(model, key, spec, u)
                data_vars[key] = (("unit",), arr, attrs)
            sectors = [s for s, m in zip(self.sectors, self.sector_models, strict=True) if m == model]
            attrs = {
                "model": model,
                "sectors": " ".join(sectors),
                "pack_name": str(manifest["name"]),
                "base_year": int(manifest["base_year"]),
            }
            result[model] = xr.Dataset(data_vars, coords, attrs)
        return result
