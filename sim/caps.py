"""Use caps of a region pack (``caps.csv``, optional): total use ≤ cap, by region, basin or league.

``caps.csv`` columns: ``scope`` (``region``, ``basin:<name>`` or ``league:<name>``),
``value``, ``units`` (a volume per year, e.g. ``亿m3/a``), ``year``, ``status``,
``reference`` and an optional ``note``. Values are converted to hm3/a.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import xarray as xr

from sim.errors import InputError
from sim.units import convert

_COLUMNS = ("scope", "value", "units", "year", "status", "reference")
_STATUS = ("sourced", "derived", "estimate", "calibrated")


def load_caps(pack) -> xr.DataArray:
    """Read the pack's ``caps.csv`` into a DataArray over ``cap`` [hm3/a].

    Parameters
    ----------
    pack : sim.pack.Pack
        The loaded pack (its folder and ``data`` with ``basin``/``league`` coords).

    Returns
    -------
    xarray.DataArray
        Cap values [hm3/a] with coords ``cap`` (the scope string), ``cap_year``,
        ``cap_status`` and ``cap_reference``; empty when the pack has no ``caps.csv``.

    Raises
    ------
    InputError
        One line naming the file, row and column for a bad value, unit, scope or status.
    """
    path = pack.path / "caps.csv"
    empty = xr.DataArray(np.zeros(0), dims="cap", coords={"cap": np.array([], dtype=str)})
    if not path.is_file():
        return empty
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
        header = rows[0].keys() if rows else []
    missing = [c for c in _COLUMNS if c not in header]
    if rows and missing:
        raise InputError(f"{path}: missing column '{missing[0]}' (expected {', '.join(_COLUMNS)})")
    scopes, values, years, status, refs = [], [], [], [], []
    for i, row in enumerate(rows, start=2):
        where = f"{path}, row {i}"
        scope = (row["scope"] or "").strip()
        kind, _, name = scope.partition(":")
        if scope != "region":
            if kind not in ("basin", "league") or not name:
                raise InputError(
                    f"{where}, column 'scope': expected 'region', 'basin:<name>' or 'league:<name>'"
                )
            known = {str(v) for v in pack.data[kind].values}
            if name not in known:
                raise InputError(
                    f"{where}, column 'scope': no {kind} '{name}' in the pack ({', '.join(sorted(known))})"
                )
        if scope in scopes:
            raise InputError(f"{where}, column 'scope': '{scope}' is given twice")
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            raise InputError(f"{where}, column 'value': expected a number, got {row['value']!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise InputError(
                f"{where}, column 'value': expected a positive volume per year, got {row['value']}"
            )
        try:
            hm3 = convert(value, row["units"], "hm3/a")
        except ValueError:
            raise InputError(
                f"{where}, column 'units': expected a volume per year (e.g. 亿m3/a), got {row['units']!r}"
            ) from None
        if row["status"] not in _STATUS:
            raise InputError(
                f"{where}, column 'status': expected one of {', '.join(_STATUS)}, got {row['status']!r}"
            )
        scopes.append(scope)
        values.append(hm3)
        years.append(str(row["year"]))
        status.append(row["status"])
        refs.append(row["reference"])
    if not scopes:
        return empty
    return xr.DataArray(
        np.array(values),
        dims="cap",
        coords={
            "cap": np.array(scopes, dtype=str),
            "cap_year": ("cap", np.array(years, dtype=str)),
            "cap_status": ("cap", np.array(status, dtype=str)),
            "cap_reference": ("cap", np.array(refs, dtype=str)),
        },
        attrs={"units": "hm3/a", "long_name": "use cap (total use may not exceed it)"},
    )


def cap_masks(caps: xr.DataArray, data: xr.Dataset) -> xr.DataArray:
    """0/1 weights ``(cap, unit)``: which units each cap covers."""
    units = data.unit.values
    rows = []
    for scope in caps.cap.values:
        scope = str(scope)
        if scope == "region":
            rows.append(np.ones(units.size))
        else:
            kind, _, name = scope.partition(":")
            rows.append(np.array([str(v) == name for v in data[kind].values], dtype=float))
    arr = np.array(rows).reshape(len(rows), units.size)
    return xr.DataArray(arr, dims=("cap", "unit"), coords={"cap": caps.cap.values, "unit": units})
