"""Load a region pack, validate it completely and convert it to canonical units.

The format is specified in ``docs/packs.md``; the variable tables live in
:mod:`sim.pack.schema`. Every problem raises :class:`sim.errors.InputError` with one line
naming the file, the row (1-based, header = row 1) and the column (or the manifest key).

Resolution rules implemented here (see also the docstring of :func:`load_pack`):

* a ``*`` unit row applies to every unit; a unit-specific row overrides it, whatever the order;
* ``requirement_rate`` comes from ``requirement`` or from ``activity × intensity``; giving both
  for the same unit at the same level (both ``*`` or both unit-specific) is an error,
  otherwise the unit-specific one wins. The same rule applies between an annual requirement
  and a monthly one (``monthly.csv`` sector ``requirement``); where the monthly one is used,
  ``requirement_rate`` is 0 and ``requirement_monthly`` holds the amounts;
* series files are monthly when every date is the first of a month, daily otherwise;
* the driver tables of the demand models (``drivers.csv``, ``crops.csv``, ``climate`` rows of
  ``monthly.csv``, the ``model``/``group`` columns of ``sectors.csv``) are read by
  :class:`sim.pack.drivers.DriverTables` (spec in ``docs/demand.md``).
"""

from __future__ import annotations

import difflib
import importlib.resources
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from sim.errors import InputError
from sim.pack.drivers import DriverTables
from sim.pack.drivers import suggest as _suggest
from sim.pack.schema import (
    FILES,
    MONTHLY,
    MONTHLY_ITEMS,
    PARAMETER_ITEMS,
    PARAMETERS,
    SOURCES,
    STATUSES,
    VARIABLES,
    Spec,
)
from sim.units import CANONICAL_UNITS, parse_units, product_factor, to_canonical

__all__ = ["Pack", "builtin_dir", "builtin_packs", "load_pack"]

_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_MONTH_COLUMNS = tuple(f"m{m:02d}" for m in range(1, 13))
_MANIFEST_KEYS = ("name", "title", "base_year", "series")
_PROVENANCE_COLUMNS = (
    "file", "row", "unit", "item", "variable", "value", "units", "year", "status", "reference", "step", "note",
)  # fmt: skip
_SHARE_TOL = 1e-9
_PROFILE_TOL = 1e-6
_WHAT = {
    "volume": "a volume (e.g. 万m3, hm3 or mm)",
    "volume_rate": "a volume rate (e.g. 万m3/a or hm3/a)",
    "fraction": "a fraction in [0, 1]",
    "any": "a number",
}


@dataclass(frozen=True, eq=False)
class Pack:
    """A loaded region pack, in canonical units.

    Attributes
    ----------
    name : str
        Short id from the manifest.
    path : Path
        Folder the pack was read from.
    manifest : dict
        The parsed ``pack.yaml``.
    data : xr.Dataset
        Static data: units [ha], volumes [hm3], rates [hm3 a-1], fractions [1]; dims
        ``unit``, ``sector``, ``link``, ``rank``, ``month`` (the contract is in
        ``docs/packs.md`` and :data:`sim.pack.schema.VARIABLES`).
    series : dict
        ``(item, variable) -> DataArray`` with dims ``("date", "unit")``, where ``item`` is
        as written in the series file (a source name or a sector id, e.g.
        ``("agriculture", "requirement")``); ``date`` runs without gaps from the first to
        the last date given; amounts in [hm3 per step], patterns/profiles in [1]; NaN where
        a unit is not given. attrs: ``units``, ``long_name``, ``freq`` (``"MS"`` or ``"D"``),
        ``step`` (``"month"`` or ``"day"``) and ``file``.
    provenance : pd.DataFrame
        One row per value loaded (value and units as written in the pack): columns
        ``file, row, unit, item, variable, value, units, year, status, reference, step, note``
        (driver tables included: ``drivers.csv``, ``crops.csv`` and the climate rows).
    drivers : dict
        ``model -> Dataset`` for every demand model named in the ``model`` column of
        ``sectors.csv``: each driver variable of the model's ``DRIVERS`` in the canonical units
        of its ``DriverSpec`` (dims ``unit``; ``crop, unit`` for crop variables), defaults
        filled; the crop parameters of ``crops.csv`` (``kc_ini, kc_mid, kc_end, l_ini, l_dev,
        l_mid, l_late, planting_doy``, dim ``crop``) and the climate (``climate_precipitation,
        climate_tmax, climate_tmin, climate_rh, climate_wind, climate_sunshine`` with dims
        ``month, unit``; ``climate_latitude, climate_elevation`` with dim ``unit``; NaN where
        not given). attrs: ``model``, ``sectors``, ``pack_name``, ``base_year``.
    """

    name: str
    path: Path
    manifest: dict[str, Any]
    data: xr.Dataset
    series: dict[tuple[str, str], xr.DataArray] = field(default_factory=dict)
    provenance: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers: dict[str, xr.Dataset] = field(default_factory=dict)

    def select_units(self, units: list[str]) -> Pack:
        """Return the same pack restricted to ``units`` and the links that leave them.

        Used to run an independent part of the network on its own (the attribution runs
        each connected component of the network separately). The units must be closed
        under the links: no link may enter them from a unit left out.

        Raises
        ------
        ValueError
            If a kept unit receives a link from a unit that is not kept.
        """
        keep = set(units)
        link_from = [str(u) for u in self.data["link_from"].values]
        link_to = [str(u) for u in self.data["link_to"].values]
        for f, t in zip(link_from, link_to, strict=True):
            if t in keep and f not in keep:
                raise ValueError(f"select_units: link {f} -> {t} enters the selection from outside")
        links = [i for i, f in enumerate(link_from) if f in keep]
        data = self.data.sel(unit=list(units)).isel(link=links)
        drivers = {m: ds.sel(unit=list(units)) for m, ds in self.drivers.items()}
        series = {}
        for key, da in self.series.items():
            inside = [u for u in units if u in set(map(str, da.unit.values))]
            series[key] = da.sel(unit=inside)
        return Pack(self.name, self.path, self.manifest, data, series, self.provenance, drivers)


def builtin_dir() -> Path:
    """Folder holding the built-in packs (``sim/packs``).

    Returns
    -------
    Path
        The folder (it may not exist in a stripped installation).
    """
    return Path(str(importlib.resources.files("sim") / "packs"))


def builtin_packs() -> list[str]:
    """Names of the built-in packs (folders of ``sim/packs`` with a ``pack.yaml``).

    Returns
    -------
    list of str
        Sorted names.
    """
    root = builtin_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "pack.yaml").is_file())


def _resolve(path_or_name: str | Path) -> Path:
    if isinstance(path_or_name, str):
        s = path_or_name.strip()
        if _ID.match(s) and not any(sep and sep in s for sep in (os.sep, os.altsep)):
            candidate = builtin_dir() / s
            if candidate.is_dir():
                return candidate
    else:
        s = str(path_or_name)
    path = Path(s).expanduser()
    if not path.is_dir():
        known = ", ".join(builtin_packs()) or "none"
        raise InputError(
            f"region pack '{s}' not found: it is neither a built-in pack nor a folder "
            f"(built-in packs: {known})"
        )
    return path.resolve()


def pack_folder(path_or_name: str | Path) -> Path:
    """Return the folder of a pack, given as in :func:`load_pack` (without reading it).

    Raises
    ------
    InputError
        Neither a built-in pack nor a folder.
    """
    return _resolve(path_or_name)


def load_pack(path_or_name: str | Path) -> Pack:
    """Load, validate and convert a region pack.

    Parameters
    ----------
    path_or_name : str or Path
        A built-in pack name (a string without a path separator naming a folder of
        ``sim/packs``), or the path of a pack folder.

    Returns
    -------
    Pack
        The pack with ``data`` in canonical units ([hm3], [hm3 a-1], [ha], [1]).

    Raises
    ------
    InputError
        For any problem in the pack, with one line naming the file, row and column.
    """
    return _Loader(_resolve(path_or_name)).load()


# --------------------------------------------------------------------------------------------
# helpers


def _fmt(x: float) -> str:
    return f"{x:.10g}"


class _Row:
    """One data row of a table, with typed accessors raising located InputErrors."""

    __slots__ = ("cells", "file", "row")

    def __init__(self, file: str, row: int, cells: dict[str, str]) -> None:
        self.file = file
        self.row = row
        self.cells = cells

    def err(self, column: str | None, message: str) -> InputError:
        return InputError.at(self.file, self.row, column, message)

    def text(self, column: str, what: str = "a value") -> str:
        value = self.cells.get(column, "")
        if value == "":
            raise self.err(column, f"empty cell (expected {what})")
        return value

    def number(self, column: str, what: str = "a number", allow_inf: bool = False) -> float:
        s = self.text(column, what)
        try:
            x = float(s)
        except ValueError:
            raise self.err(column, f"'{s}' is not a number (expected {what})") from None
        if math.isnan(x):
            raise self.err(column, f"NaN is not allowed (expected {what})")
        if x < 0:
            raise self.err(column, f"{s} is negative (expected {what}, ≥ 0)")
        if math.isinf(x) and not allow_inf:
            raise self.err(column, f"'{s}' is not allowed here (expected a finite value: {what})")
        return x

    def source_units(self, column: str, value: float, what: str) -> str:
        """Return the unit string of ``value``; it may be empty only when ``value`` is inf."""
        if self.cells.get(column, "") == "" and math.isinf(value):
            return ""
        return self.text(column, f"a unit string for {what}")

    def convert(
        self, value: float, units: str, kind: str, name: str, area: float | np.ndarray | None = None
    ) -> Any:
        if np.ndim(value) == 0 and math.isinf(value):
            if units:
                self.check_units(units, kind, name)
            return math.inf
        try:
            return to_canonical(value, units, kind, area_ha=area, name=name)
        except ValueError as err:
            raise self.err("units", str(err)) from None

    def check_units(self, units: str, kind: str, name: str) -> None:
        try:
            if kind == "any":
                parse_units(units)
            else:
                to_canonical(1.0, units, kind, area_ha=1.0, name=name)
        except ValueError as err:
            raise self.err("units", str(err)) from None

    def provenance(self) -> tuple[int, str, str, str]:
        s = self.text("year", "a year such as 2022")
        try:
            year = float(s)
        except ValueError:
            year = math.nan
        if not (math.isfinite(year) and year == int(year)):
            raise self.err("year", f"'{s}' is not a year (expected an integer such as 2022)")
        status = self.text("status", f"one of {', '.join(STATUSES)}")
        if status not in STATUSES:
            raise self.err(
                "status",
                f"'{status}' is not a status{_suggest(status, STATUSES)} (expected one of {', '.join(STATUSES)})",
            )
        reference = self.text("reference", "a URL or citation")
        return int(year), status, reference, self.cells.get("note", "")


@dataclass(frozen=True)
class _Entry:
    """One parameters.csv / monthly.csv row after validation (values as written)."""

    row: _Row
    unit: str
    item: str
    variable: str
    value: Any  # float (parameters) or ndarray of 12 (monthly)
    units: str
    spec: Spec

    @property
    def generic(self) -> bool:
        return self.unit == "*"


def _pick(rows: dict[str, _Entry] | None, unit: str) -> _Entry | None:
    if not rows:
        return None
    return rows.get(unit) or rows.get("*")


# --------------------------------------------------------------------------------------------
# loader


class _Loader(DriverTables):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.prov: list[tuple] = []
        self.prov_frames: list[pd.DataFrame] = []
        self._init_drivers()

    # ---- reading ----------------------------------------------------------------------------

    def _read(self, fname: str, layout: str | None = None, optional: bool = False) -> pd.DataFrame | None:
        required, _ = FILES[layout or fname]
        path = self.path / fname
        if not path.is_file():
            if optional:
                return None
            raise InputError.at(fname, message=f"missing file (every pack needs it; looked in {self.path})")
        try:
            df = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
        except pd.errors.EmptyDataError:
            raise InputError.at(
                fname, message=f"empty file (expected a header row: {','.join(required)})"
            ) from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
            raise InputError.at(fname, message=f"cannot read as a UTF-8 CSV table ({err})") from None
        df.columns = [str(c).strip() for c in df.columns]
        for column in required:
            if column not in df.columns:
                hint = _suggest(column, [c for c in df.columns if c not in required])
                raise InputError.at(
                    fname, 1, column, f"missing column{hint} (expected columns: {','.join(required)})"
                )
        df = df.apply(lambda col: col.str.strip()) if len(df) else df
        df.index = df.index + 2
        if len(df):
            df = df[~(df == "").all(axis=1)]
        return df

    def _rows(self, fname: str, df: pd.DataFrame) -> Iterator[_Row]:
        for row, cells in zip(df.index, df.to_dict("records"), strict=True):
            yield _Row(fname, int(row), cells)

    def _record(
        self, r: _Row, unit: str, item: str, variable: str, value: float, units: str, step: str = ""
    ) -> None:
        year, status, reference, note = r.provenance()
        self.prov.append(
            (r.file, r.row, unit, item, variable, value, units, year, status, reference, step, note)
        )

    # ---- manifest ---------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        f = self.path / "pack.yaml"
        if not f.is_file():
            raise InputError.at("pack.yaml", message=f"missing manifest (no pack.yaml in {self.path})")
        try:
            manifest = yaml.safe_load(f.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = f"line {mark.line + 1}: " if mark is not None else ""
            raise InputError.at(
                "pack.yaml", message=f"{line}not valid YAML ({getattr(err, 'problem', None) or err})"
            ) from None
        except UnicodeDecodeError:
            raise InputError.at("pack.yaml", message="not a UTF-8 text file") from None
        if not isinstance(manifest, dict):
            raise InputError.at(
                "pack.yaml", message="expected a mapping with keys name, title, base_year, series"
            )
        for key in manifest:
            close = difflib.get_close_matches(str(key), _MANIFEST_KEYS, n=1, cutoff=0.75)
            if key not in _MANIFEST_KEYS and close:
                raise InputError.at(
                    "pack.yaml", key=str(key), message=f"unknown key (did you mean '{close[0]}'?)"
                )
        name = manifest.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError.at(
                "pack.yaml", key="name", message="missing or empty (expected a short id such as 'example')"
            )
        title = manifest.get("title", name)
        if not isinstance(title, str):
            raise InputError.at("pack.yaml", key="title", message=f"expected a text, got {title!r}")
        year = manifest.get("base_year")
        if isinstance(year, bool) or not isinstance(year, int):
            raise InputError.at(
                "pack.yaml", key="base_year", message=f"expected an integer year such as 2022, got {year!r}"
            )
        series = manifest.get("series") or []
        if not isinstance(series, list):
            raise InputError.at(
                "pack.yaml", key="series", message="expected a list of {file, status, reference}"
            )
        for k, entry in enumerate(series):
            key = f"series[{k}]"
            if not isinstance(entry, dict):
                raise InputError.at(
                    "pack.yaml", key=key, message="expected a mapping with file, status, reference"
                )
            for sub in ("file", "status", "reference"):
                if not isinstance(entry.get(sub), str) or not entry[sub].strip():
                    raise InputError.at("pack.yaml", key=f"{key}.{sub}", message="missing or empty")
            if entry["status"] not in STATUSES:
                raise InputError.at(
                    "pack.yaml",
                    key=f"{key}.status",
                    message=f"'{entry['status']}' is not a status{_suggest(entry['status'], STATUSES)} "
                    f"(expected one of {', '.join(STATUSES)})",
                )
            if not (self.path / entry["file"]).is_file():
                raise InputError.at(
                    "pack.yaml",
                    key=f"{key}.file",
                    message=f"series file '{entry['file']}' not found in {self.path}",
                )
        return manifest

    # ---- units.csv ---------------------------------------------------------------------------

    def _units(self) -> None:
        fname = "units.csv"
        df = self._read(fname)
        first: dict[str, int] = {}
        ids, names, basins, leagues, areas = [], [], [], [], []
        for r in self._rows(fname, df):
            uid = r.text("id", "a unit id")
            if not _ID.match(uid):
                raise r.err("id", f"'{uid}' is not a valid unit id (use letters, digits, '_' and '-')")
            if uid == "outlet":
                raise r.err("id", "'outlet' is reserved for water leaving the region")
            if uid in first:
                raise r.err("id", f"duplicate unit id '{uid}' (first defined in row {first[uid]})")
            first[uid] = r.row
            value = r.number("area", "an area")
            units = r.text("units", "a unit string such as ha, 万亩 or km2")
            areas.append(r.convert(value, units, "area", "area"))
            ids.append(uid)
            names.append(r.cells.get("name", "") or uid)
            basins.append(r.cells.get("basin", ""))
            leagues.append(r.cells.get("league", ""))
            self._record(r, uid, "unit", "area", value, units)
        if not ids:
            raise InputError.at(fname, message="no units (expected at least one data row)")
        self.units = ids
        self.unit_index = {u: i for i, u in enumerate(ids)}
        self.unit_names, self.basins, self.leagues = names, basins, leagues
        self.area = np.asarray(areas, dtype=float)

    def _unit(self, r: _Row, column: str, allow: tuple[str, ...] = ()) -> str:
        unit = r.text(column, "a unit id")
        if unit not in self.unit_index and unit not in allow:
            extra = f" (or {' or '.join(repr(a) for a in allow)})" if allow else ""
            raise r.err(column, f"unknown unit '{unit}'{_suggest(unit, self.units)}{extra}")
        return unit

    # ---- sectors.csv --------------------------------------------------------------------------

    def _sectors(self) -> None:
        fname = "sectors.csv"
        df = self._read(fname)
        first: dict[str, int] = {}
        ids, priorities, preferences = [], [], []
        self._check_sector_columns(fname, list(df.columns))
        reserved = (
            set(SOURCES)
            | set(PARAMETER_ITEMS)
            | set(MONTHLY_ITEMS)
            | {"sector", "outlet", "unit", "link", "climate"}
        )
        for r in self._rows(fname, df):
            sid = r.text("id", "a sector id")
            if not _ID.match(sid):
                raise r.err("id", f"'{sid}' is not a valid sector id (use letters, digits, '_' and '-')")
            if sid in reserved:
                raise r.err(
                    "id", f"'{sid}' is a reserved name (a source or item name); choose another sector id"
                )
            if sid in first:
                raise r.err("id", f"duplicate sector id '{sid}' (first defined in row {first[sid]})")
            first[sid] = r.row
            s = r.text("priority", "an integer ≥ 1")
            try:
                p = float(s)
            except ValueError:
                p = math.nan
            if not (math.isfinite(p) and p == int(p) and p >= 1):
                raise r.err("priority", f"'{s}' is not an integer ≥ 1 (1 is served first)")
            pref = r.text("preference", f"';'-separated source names ({', '.join(SOURCES)})")
            names = [x.strip() for x in pref.split(";")]
            for x in names:
                if x == "":
                    raise r.err(
                        "preference", f"empty source name in '{pref}' (expected names separated by ';')"
                    )
                if x not in SOURCES:
                    raise r.err(
                        "preference",
                        f"unknown source '{x}'{_suggest(x, SOURCES)} (valid sources: {', '.join(SOURCES)})",
                    )
            dup = [x for i, x in enumerate(names) if x in names[:i]]
            if dup:
                raise r.err("preference", f"source '{dup[0]}' is listed twice in '{pref}'")
            self._sector_model(r, sid)
            ids.append(sid)
            priorities.append(int(p))
            preferences.append(names)
            self._record(r, "*", sid, "priority", float(p), "1")
        self.sectors = ids
        self.sector_index = {s: i for i, s in enumerate(ids)}
        self.priority = np.asarray(priorities, dtype=np.int64)
        k = max([len(p) for p in preferences], default=1)
        pref_arr = np.full((len(ids), max(k, 1)), "", dtype=object)
        for i, p in enumerate(preferences):
            pref_arr[i, : len(p)] = p
        self.preference = pref_arr.astype(str) if len(ids) else np.zeros((0, max(k, 1)), dtype="<U1")

    # ---- links.csv ----------------------------------------------------------------------------

    def _links(self) -> None:
        fname = "links.csv"
        df = self._read(fname, optional=True)
        frm, to, share, cap, rows = [], [], [], [], []
        if df is not None:
            for r in self._rows(fname, df):
                a = self._unit(r, "from")
                b = self._unit(r, "to", allow=("outlet",))
                s = r.number("share", "a share in [0, 1]")
                if s > 1:
                    raise r.err("share", f"{_fmt(s)} is outside [0, 1]")
                c = r.number("capacity", "a capacity (volume rate) or inf", allow_inf=True)
                units = r.source_units("units", c, "'capacity'")
                cap.append(r.convert(c, units, "volume_rate", "capacity"))
                frm.append(a)
                to.append(b)
                share.append(s)
                rows.append(r)
                year, status, reference, note = r.provenance()
                link_note = f"link {a} → {b}" + (f"; {note}" if note else "")
                for variable, value, vunits in (("share", s, "1"), ("capacity", c, units)):
                    self.prov.append(
                        (
                            fname,
                            r.row,
                            a,
                            "link",
                            variable,
                            value,
                            vunits,
                            year,
                            status,
                            reference,
                            "",
                            link_note,
                        )
                    )
        # shares of one unit add up to at most 1
        totals: dict[str, float] = {}
        for r, a, s in zip(rows, frm, share, strict=True):
            totals[a] = totals.get(a, 0.0) + s
            if totals[a] > 1 + _SHARE_TOL:
                involved = [str(x.row) for x, y in zip(rows, frm, strict=True) if y == a]
                raise r.err(
                    "share",
                    f"the shares of unit '{a}' add up to {_fmt(sum(x for x, y in zip(share, frm, strict=True) if y == a))} "
                    f"(rows {', '.join(involved)}); they must add up to at most 1",
                )
        self._check_cycles(frm, to, rows)
        self.link_from, self.link_to = frm, to
        self.link_share = np.asarray(share, dtype=float)
        self.link_capacity = np.asarray(cap, dtype=float)

    def _check_cycles(self, frm: list[str], to: list[str], rows: list[_Row]) -> None:
        out: dict[str, list[int]] = {u: [] for u in self.units}
        for k, a in enumerate(frm):
            if to[k] != "outlet":
                out[a].append(k)
        state = dict.fromkeys(self.units, 0)  # 0 new, 1 on stack, 2 done
        for start in self.units:
            if state[start]:
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path = [start]
            state[start] = 1
            while stack:
                node, i = stack[-1]
                if i < len(out[node]):
                    stack[-1] = (node, i + 1)
                    k = out[node][i]
                    nxt = to[k]
                    if state[nxt] == 1:
                        cycle = path[path.index(nxt) :] + [nxt]
                        raise rows[k].err(
                            "to",
                            f"the links form a cycle: {' → '.join(cycle)} (links must form a directed acyclic graph)",
                        )
                    if state[nxt] == 0:
                        state[nxt] = 1
                        stack.append((nxt, 0))
                        path.append(nxt)
                else:
                    state[node] = 2
                    stack.pop()
                    path.pop()

    # ---- parameters.csv / monthly.csv ---------------------------------------------------------

    def _item(self, r: _Row, items: tuple[str, ...]) -> tuple[str, str]:
        item = r.text("item", "a sector id or a source name")
        if item in self.sector_index:
            return item, "sector"
        if item in items:
            return item, item
        choices = [*self.sectors, *items]
        raise r.err(
            "item",
            f"unknown item '{item}'{_suggest(item, choices)} (expected a sector id "
            f"({', '.join(self.sectors) or 'none'}) or one of: {', '.join(items)})",
        )

    def _variable(self, r: _Row, item: str, kind_item: str, table: dict[tuple[str, str], Spec]) -> Spec:
        variable = r.text("variable", "a variable name")
        spec = table.get((kind_item, variable))
        if spec is None:
            valid = [v for (i, v) in table if i == kind_item]
            raise r.err(
                "variable",
                f"unknown variable '{variable}' for item '{item}'{_suggest(variable, valid)} "
                f"(expected one of: {', '.join(valid)})",
            )
        return spec

    def _parameters(self) -> None:
        fname = "parameters.csv"
        df = self._read(fname)
        self.params: dict[tuple[str, str], dict[str, _Entry]] = {}
        for r in self._rows(fname, df):
            unit = self._unit(r, "unit", allow=("*",))
            item, kind_item = self._item(r, PARAMETER_ITEMS)
            spec = self._variable(r, item, kind_item, PARAMETERS)
            rows = self.params.setdefault((item, spec.variable), {})
            if unit in rows:
                raise r.err(
                    "variable",
                    f"duplicate row for unit '{unit}', item '{item}', variable '{spec.variable}' "
                    f"(first given in row {rows[unit].row.row})",
                )
            what = _WHAT[spec.kind] + (" or inf" if spec.allow_inf else "")
            value = r.number("value", what, allow_inf=spec.allow_inf)
            units = r.source_units("units", value, f"'{spec.variable}'")
            if units or not math.isinf(value):
                r.check_units(units, spec.kind, spec.variable)
            if spec.kind == "fraction":
                x = r.convert(value, units, "fraction", spec.variable)
                if x > 1 + _SHARE_TOL:
                    raise r.err(
                        "value", f"{_fmt(value)} {units} is outside [0, 1] ('{spec.variable}' is a fraction)"
                    )
            rows[unit] = _Entry(r, unit, item, spec.variable, value, units, spec)
            self._record(r, unit, item, spec.variable, value, units)

    def _monthly(self) -> None:
        fname = "monthly.csv"
        df = self._read(fname, optional=True)
        self.monthly: dict[tuple[str, str], dict[str, _Entry]] = {}
        if df is None:
            return
        for r in self._rows(fname, df):
            unit = self._unit(r, "unit", allow=("*",))
            if r.cells.get("item", "") == "climate":
                self._climate_row(r, unit)
                continue
            item, kind_item = self._item(r, MONTHLY_ITEMS)
            spec = self._variable(r, item, kind_item, MONTHLY)
            rows = self.monthly.setdefault((item, spec.variable), {})
            if unit in rows:
                raise r.err(
                    "variable",
                    f"duplicate row for unit '{unit}', item '{item}', variable '{spec.variable}' "
                    f"(first given in row {rows[unit].row.row})",
                )
            values = np.array([r.number(c, _WHAT[spec.kind]) for c in _MONTH_COLUMNS])
            units = r.text("units", f"a unit string for '{spec.variable}'")
            r.check_units(units, spec.kind, spec.variable)
            if spec.kind == "fraction":
                x = r.convert(values, units, "fraction", spec.variable)
                for c, v, xv in zip(_MONTH_COLUMNS, values, x, strict=True):
                    if xv > 1 + _SHARE_TOL:
                        raise r.err(
                            c, f"{_fmt(v)} {units} is outside [0, 1] ('{spec.variable}' is a fraction)"
                        )
                if spec.variable == "profile" and abs(x.sum() - 1) > _PROFILE_TOL:
                    raise r.err(
                        "m01..m12",
                        f"the monthly profile adds up to {_fmt(x.sum())}; it must add up to 1 (or 100 %)",
                    )
            rows[unit] = _Entry(r, unit, item, spec.variable, values, units, spec)
            for c, v in zip(_MONTH_COLUMNS, values, strict=True):
                self._record(r, unit, item, spec.variable, float(v), units, step=c)

    # ---- assembling the static Dataset --------------------------------------------------------

    def _canon(self, e: _Entry, ui: int) -> Any:
        return e.row.convert(e.value, e.units, e.spec.kind, e.spec.variable, area=self.area[ui])

    def _fill_params(self, out: dict[str, np.ndarray]) -> None:
        n_u, n_s = len(self.units), len(self.sectors)
        for (kind_item, variable), spec in PARAMETERS.items():
            if spec.target is None or spec.target == "requirement_rate":
                continue
            if kind_item == "sector":
                arr = np.full((n_u, n_s), spec.default)
                for si, s in enumerate(self.sectors):
                    rows = self.params.get((s, variable))
                    for ui, u in enumerate(self.units):
                        e = _pick(rows, u)
                        if e is not None:
                            arr[ui, si] = self._canon(e, ui)
            else:
                arr = np.full(n_u, spec.default)
                rows = self.params.get((kind_item, variable))
                for ui, u in enumerate(self.units):
                    e = _pick(rows, u)
                    if e is not None:
                        arr[ui] = self._canon(e, ui)
            out[spec.target] = arr

    def _fill_monthly(self, out: dict[str, np.ndarray]) -> None:
        n_u, n_s = len(self.units), len(self.sectors)
        for (kind_item, variable), spec in MONTHLY.items():
            if spec.target == "requirement_monthly":
                continue
            if kind_item == "sector":
                arr = np.full((12, n_u, n_s), spec.default)
                for si, s in enumerate(self.sectors):
                    rows = self.monthly.get((s, variable))
                    for ui, u in enumerate(self.units):
                        e = _pick(rows, u)
                        if e is not None:
                            arr[:, ui, si] = self._canon(e, ui)
            else:
                arr = np.full((12, n_u), spec.default)
                rows = self.monthly.get((kind_item, variable))
                for ui, u in enumerate(self.units):
                    e = _pick(rows, u)
                    if e is not None:
                        arr[:, ui] = self._canon(e, ui)
            out[spec.target] = arr

    def _fill_requirements(self, out: dict[str, np.ndarray]) -> None:
        n_u, n_s = len(self.units), len(self.sectors)
        rate = np.zeros((n_u, n_s))
        monthly = np.full((12, n_u, n_s), np.nan)
        for si, s in enumerate(self.sectors):
            req, act = self.params.get((s, "requirement")), self.params.get((s, "activity"))
            inten, mon = self.params.get((s, "intensity")), self.monthly.get((s, "requirement"))
            for ui, u in enumerate(self.units):
                r, a, i, m = _pick(req, u), _pick(act, u), _pick(inten, u), _pick(mon, u)
                where = f"sector '{s}' in unit '{u}'"
                if a is not None and i is None:
                    raise a.row.err(
                        "variable",
                        f"'activity' of {where} has no 'intensity' row (requirement = activity × intensity)",
                    )
                annual = r or a
                if r is not None and a is not None:
                    if r.generic == a.generic:
                        raise a.row.err(
                            "variable",
                            f"{where} has both a 'requirement' (row {r.row.row}) and an 'activity' "
                            f"(row {a.row.row}); give only one of them",
                        )
                    annual = a if r.generic else r
                if annual is not None and m is not None:
                    if annual.generic == m.generic:
                        raise m.row.err(
                            "variable",
                            f"{where} has both a monthly requirement and an annual one "
                            f"(parameters.csv row {annual.row.row}); give only one of them",
                        )
                    if m.generic:
                        m = None
                    else:
                        annual = None
                if m is not None:
                    monthly[:, ui, si] = self._canon(m, ui)
                elif annual is r and r is not None:
                    rate[ui, si] = self._canon(r, ui)
                elif annual is a and a is not None:
                    assert i is not None
                    try:
                        factor = product_factor(a.units, i.units, "volume_rate", "requirement")
                    except ValueError as err:
                        raise a.row.err(
                            "units",
                            f"activity (row {a.row.row}) × intensity (row {i.row.row}) of {where}: {err}",
                        ) from None
                    rate[ui, si] = a.value * i.value * factor
        out["requirement_rate"] = rate
        out["requirement_monthly"] = monthly

    def _check_static(self, out: dict[str, np.ndarray]) -> None:
        rr, rg, rw = out["return_river"], out["return_groundwater"], out["return_wastewater"]
        total = rr + rg + rw
        bad = np.argwhere(np.abs(total - 1) > _SHARE_TOL)
        if len(bad):
            ui, si = (int(x) for x in bad[0])
            u, s = self.units[ui], self.sectors[si]
            given = [
                e for v in ("return_river", "return_groundwater", "return_wastewater")
                if (e := _pick(self.params.get((s, v)), u)) is not None
            ]  # fmt: skip
            r = max(given, key=lambda e: e.row.row).row
            raise r.err(
                "value",
                f"the return shares of sector '{s}' in unit '{u}' add up to {_fmt(total[ui, si])} "
                f"(return_river {_fmt(rr[ui, si])}, return_groundwater {_fmt(rg[ui, si])}, "
                f"return_wastewater {_fmt(rw[ui, si])}; defaults 1, 0, 0); they must add up to 1",
            )
        cap, dead = out["reservoir_capacity"], out["reservoir_dead_storage"]
        init = out["reservoir_initial_storage"]
        init[:] = np.where(np.isnan(init), dead, init)
        for ui, u in enumerate(self.units):
            for variable, x in (("dead_storage", dead[ui]), ("initial_storage", init[ui])):
                if x > cap[ui] * (1 + 1e-12):
                    e = _pick(self.params.get(("reservoir", variable)), u)
                    if e is None:  # initial storage defaults to the dead storage
                        e = _pick(self.params.get(("reservoir", "dead_storage")), u)
                    assert e is not None
                    raise e.row.err(
                        "value",
                        f"reservoir {variable} of unit '{u}' is {_fmt(x)} hm3, more than the reservoir "
                        f"capacity {_fmt(cap[ui])} hm3",
                    )

    def _dataset(self, manifest: dict[str, Any]) -> xr.Dataset:
        out: dict[str, np.ndarray] = {}
        self._fill_params(out)
        self._fill_monthly(out)
        self._fill_requirements(out)
        self._check_static(out)
        out["area"] = self.area
        out["link_from"] = np.asarray(self.link_from, dtype=str)
        out["link_to"] = np.asarray(self.link_to, dtype=str)
        out["link_share"] = self.link_share
        out["link_capacity"] = self.link_capacity
        out["priority"] = self.priority
        out["preference"] = self.preference
        out["sector_model"] = np.asarray(self.sector_models, dtype=str)
        out["sector_group"] = np.asarray(self.sector_groups, dtype=str)
        dims = {
            "link_from": ("link",), "link_to": ("link",), "link_share": ("link",), "link_capacity": ("link",),
            "priority": ("sector",), "preference": ("sector", "rank"),
            "sector_model": ("sector",), "sector_group": ("sector",),
        }  # fmt: skip
        for spec in [*PARAMETERS.values(), *MONTHLY.values()]:
            if spec.target is None:
                continue
            d = ("unit", "sector") if spec.item == "sector" else ("unit",)
            dims[spec.target] = ("month", *d) if spec.monthly else d
        dims["area"] = ("unit",)
        data_vars = {name: (dims[name], out[name], dict(attrs)) for name, attrs in VARIABLES.items()}
        coords = {
            "unit": ("unit", np.asarray(self.units, dtype=str)),
            "unit_name": ("unit", np.asarray(self.unit_names, dtype=str)),
            "basin": ("unit", np.asarray(self.basins, dtype=str)),
            "league": ("unit", np.asarray(self.leagues, dtype=str)),
            "sector": ("sector", np.asarray(self.sectors, dtype=str)),
            "link": ("link", np.arange(len(self.link_from), dtype=np.int64)),
            "rank": ("rank", np.arange(self.preference.shape[1], dtype=np.int64)),
            "month": ("month", np.arange(1, 13, dtype=np.int64)),
        }
        attrs = {
            "pack_name": manifest["name"],
            "pack_title": manifest.get("title", manifest["name"]),
            "base_year": int(manifest["base_year"]),
        }
        return xr.Dataset(data_vars, coords, attrs)

    # ---- series files -------------------------------------------------------------------------

    def _series(self, manifest: dict[str, Any]) -> dict[tuple[str, str], xr.DataArray]:
        frames = []
        for k, entry in enumerate(manifest.get("series") or []):
            frames.append(self._series_file(entry["file"], entry, f"series[{k}]"))
        if not frames:
            return {}
        df = pd.concat(frames, ignore_index=True)
        result: dict[tuple[str, str], xr.DataArray] = {}
        for (item, variable), g in df.groupby(["item", "variable"], sort=False):
            freqs = g["freq"].unique()
            if len(freqs) > 1:
                files = ", ".join(g["file"].unique())
                raise InputError.at(
                    str(g["file"].iloc[-1]),
                    message=f"the series of {item}/{variable} are monthly in one file and daily in another "
                    f"({files}); use one time step",
                )
            freq = str(freqs[0])
            self._check_gaps(g, freq)
            kind_item = str(g["kind_item"].iloc[0])
            result[(str(item), str(variable))] = self._series_array(g, kind_item, str(variable), freq)
        return result

    def _series_file(self, fname: str, entry: dict[str, Any], key: str) -> pd.DataFrame:
        df = self._read(fname, layout="series")
        required = FILES["series"][0]
        rows = df.index.to_numpy()

        def fail(mask: np.ndarray | pd.Series, column: str, message: Any) -> None:
            mask = np.asarray(mask)
            if mask.any():
                j = int(np.argmax(mask))
                text = message(j) if callable(message) else message
                raise InputError.at(fname, int(rows[j]), column, text)

        for column in required:
            fail(
                df[column] == "",
                column,
                f"empty cell (expected {'a date YYYY-MM-DD' if column == 'date' else 'a value'})",
            )
        dates = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
        fail(dates.isna(), "date", lambda j: f"'{df['date'].iloc[j]}' is not a date (expected YYYY-MM-DD)")
        unit = df["unit"]
        fail(
            ~unit.isin(self.units),
            "unit",
            lambda j: f"unknown unit '{unit.iloc[j]}'{_suggest(unit.iloc[j], self.units)}",
        )
        item = df["item"]
        is_sector = item.isin(self.sectors)
        fail(
            ~(is_sector | item.isin(MONTHLY_ITEMS)),
            "item",
            lambda j: (
                f"unknown item '{item.iloc[j]}'{_suggest(item.iloc[j], [*self.sectors, *MONTHLY_ITEMS])} "
                f"(expected a sector id or one of: {', '.join(MONTHLY_ITEMS)})"
            ),
        )
        kind_item = item.where(~is_sector, "sector")
        specs = {}
        for ki, var in dict.fromkeys(zip(kind_item, df["variable"], strict=True)):
            spec = MONTHLY.get((ki, var))
            if spec is None:
                valid = [v for (i, v) in MONTHLY if i == ki]
                mask = (kind_item == ki) & (df["variable"] == var)
                fail(
                    mask,
                    "variable",
                    f"unknown variable '{var}' for item '{ki}'{_suggest(var, valid)} (expected one of: {', '.join(valid)})",
                )
            specs[(ki, var)] = spec
        values = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=float)
        fail(np.isnan(values), "value", lambda j: f"'{df['value'].iloc[j]}' is not a number")
        fail(np.isinf(values), "value", "inf is not allowed in a series (expected a finite amount)")
        fail(values < 0, "value", lambda j: f"{df['value'].iloc[j]} is negative (expected an amount ≥ 0)")
        kinds = np.array([specs[(ki, v)].kind for ki, v in zip(kind_item, df["variable"], strict=True)])
        ui = unit.map(self.unit_index).to_numpy()
        canonical = np.empty(len(df))
        groups: dict[tuple[str, str], list[int]] = {}
        for j, pair in enumerate(zip(df["units"].to_numpy(), kinds, strict=True)):
            groups.setdefault(pair, []).append(j)  # in file order: errors name the first bad row
        for (units, kind), members in groups.items():
            idx = np.asarray(members)
            try:
                canonical[idx] = to_canonical(values[idx], units, kind, area_ha=self.area[ui[idx]])
            except ValueError as err:
                raise InputError.at(fname, int(rows[idx[0]]), "units", str(err)) from None
        fraction = kinds == "fraction"
        fail(
            fraction & (canonical > 1 + _SHARE_TOL),
            "value",
            lambda j: f"{df['value'].iloc[j]} {df['units'].iloc[j]} is outside [0, 1]",
        )
        freq = "MS" if bool((dates.dt.day == 1).all()) else "D"
        out = pd.DataFrame(
            {
                "file": fname,
                "row": rows,
                "date": dates.to_numpy(),
                "unit": unit.to_numpy(),
                "item": item.to_numpy(),
                "kind_item": kind_item.to_numpy(),
                "variable": df["variable"].to_numpy(),
                "value": canonical,
                "freq": freq,
            }
        )
        self.prov_frames.append(
            pd.DataFrame(
                {
                    "file": fname,
                    "row": rows,
                    "unit": unit.to_numpy(),
                    "item": item.to_numpy(),
                    "variable": df["variable"].to_numpy(),
                    "value": values,
                    "units": df["units"].to_numpy(),
                    "year": dates.dt.year.to_numpy(),
                    "status": entry["status"],
                    "reference": entry["reference"],
                    "step": df["date"].to_numpy(),
                    "note": f"series file ({key})",
                }
            )
        )
        return out

    @staticmethod
    def _check_gaps(g: pd.DataFrame, freq: str) -> None:
        g = g.sort_values(["unit", "item", "date", "file", "row"], kind="stable")
        same = (g["unit"].to_numpy()[1:] == g["unit"].to_numpy()[:-1]) & (
            g["item"].to_numpy()[1:] == g["item"].to_numpy()[:-1]
        )
        dates = pd.DatetimeIndex(g["date"])
        if freq == "MS":
            step = (dates.year * 12 + dates.month).to_numpy()
        else:
            step = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
        diff = np.diff(step)
        files, rows = g["file"].to_numpy(), g["row"].to_numpy()
        what = "monthly" if freq == "MS" else "daily"
        for j in np.flatnonzero(same & (diff != 1)):
            unit, item, variable = g["unit"].iloc[j], g["item"].iloc[j], g["variable"].iloc[j]
            prev, nxt = dates[j], dates[j + 1]
            where = f"of unit '{unit}', {item}/{variable}"
            if diff[j] == 0:
                also = f"{files[j]} row {rows[j]}"
                raise InputError.at(
                    files[j + 1], int(rows[j + 1]), "date",
                    f"duplicate date {nxt:%Y-%m-%d} in the series {where} (also in {also})",
                )  # fmt: skip
            missing = prev + (pd.DateOffset(months=1) if freq == "MS" else pd.Timedelta(days=1))
            raise InputError.at(
                files[j + 1], int(rows[j + 1]), "date",
                f"gap in the {what} series {where}: {missing:%Y-%m-%d} is missing between "
                f"{prev:%Y-%m-%d} (row {rows[j]}) and {nxt:%Y-%m-%d} (row {rows[j + 1]})",
            )  # fmt: skip

    def _series_array(self, g: pd.DataFrame, kind_item: str, variable: str, freq: str) -> xr.DataArray:
        spec = MONTHLY[(kind_item, variable)]
        index = pd.date_range(g["date"].min(), g["date"].max(), freq=freq)
        arr = np.full((len(index), len(self.units)), np.nan)
        di = index.get_indexer(pd.DatetimeIndex(g["date"]))
        arr[di, g["unit"].map(self.unit_index).to_numpy()] = g["value"].to_numpy()
        attrs = dict(VARIABLES[spec.target]) if spec.target else {}
        long_name = attrs.get("long_name", variable).replace("mean monthly ", "").split(" (")[0]
        attrs.update(
            units=CANONICAL_UNITS[spec.kind] if spec.kind == "fraction" else "hm3",
            long_name=f"{long_name} (series, per step)",
            freq=freq,
            step="month" if freq == "MS" else "day",
            file=", ".join(g["file"].unique()),
        )
        return xr.DataArray(
            arr,
            coords={"date": index, "unit": np.asarray(self.units, dtype=str)},
            dims=("date", "unit"),
            name=f"{g['item'].iloc[0]}_{variable}",
            attrs=attrs,
        )

    # ---- main -------------------------------------------------------------------------------

    def _provenance(self) -> pd.DataFrame:
        frames = [pd.DataFrame.from_records(self.prov, columns=list(_PROVENANCE_COLUMNS))]
        frames += [f[list(_PROVENANCE_COLUMNS)] for f in self.prov_frames]
        df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        return df.astype({"row": np.int64, "value": float, "year": np.int64})

    def load(self) -> Pack:
        manifest = self._manifest()
        self._units()
        self._sectors()
        self._links()
        self._parameters()
        self._monthly()
        self._check_climate()
        self._check_model_sectors()
        self._crops()
        self._drivers()
        data = self._dataset(manifest)
        series = self._series(manifest)
        drivers = self._driver_datasets(manifest)
        return Pack(
            name=str(manifest["name"]),
            path=self.path,
            manifest=manifest,
            data=data,
            series=series,
            provenance=self._provenance(),
            drivers=drivers,
        )
