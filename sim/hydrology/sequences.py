"""Year-by-year hydrology from a sequence: WEAP-style water years, or a series of annual factors.

Both give multipliers of the pack's mean hydrology over ``(year, unit)`` [1], with the
variables of :func:`sim.hydrology.design.design_factors`; the mean monthly pattern of each
year is scaled by its year's factor (同倍比), as for design years.

``water_year`` (WEAP's Water Year Method): each year of the horizon has a year type
(``very_dry``, ``dry``, ``normal``, ``wet``, ``very_wet`` or any name the config defines) and
each type a multiplier of precipitation, runoff and inflow. The sequence repeats when it is
shorter than the horizon.

``series``: a CSV of annual factors, columns ``year, unit, variable, factor`` with ``unit``
an id or ``*`` and ``variable`` one of ``precipitation``, ``runoff``, ``inflow`` — for
instance a historical sequence (annual value / long-term mean). Every year of the horizon
must be given for every variable the file names; a missing year stops the run, naming the
file, the variable and the year. Variables the file does not name stay at 1.

Recharge, ET0 and the transfer quota follow precipitation and inflow with the pack's
elasticities (``hydrology.csv``) when the pack has them.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from sim.errors import InputError
from sim.hydrology.design import follow

VARIABLES = ("precipitation", "runoff", "inflow")


def water_year_factors(
    units: Sequence[str],
    years: Sequence[int],
    types: Mapping[str, float],
    sequence: Sequence[str],
    stats: xr.Dataset | None = None,
) -> xr.Dataset:
    """Multipliers over (year, unit) from a sequence of year types [1].

    Parameters
    ----------
    units : sequence of str
        Unit ids.
    years : sequence of int
        The calendar years of the run.
    types : mapping of str to float
        Multiplier of each year type (``hydrology.year_types``), ≥ 0.
    sequence : sequence of str
        Year type of the first, second, ... year of the run (``hydrology.sequence``); repeated
        when shorter than the run.
    stats : xarray.Dataset, optional
        The pack's statistics, for the elasticities.

    Raises
    ------
    InputError
        An empty sequence, an unknown year type (the message lists the types), or a
        multiplier that is negative or not a number.
    """
    for name, value in types.items():
        try:
            ok = math.isfinite(float(value)) and float(value) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(
                f"config key 'hydrology.year_types.{name}': expected a multiplier >= 0, got {value!r}"
            )
    if not sequence:
        raise InputError(
            "config key 'hydrology.sequence': give the year type of each year, e.g. [normal, dry]"
        )
    unknown = [s for s in sequence if s not in types]
    if unknown:
        raise InputError(
            f"config key 'hydrology.sequence': unknown year type '{unknown[0]}'; "
            f"hydrology.year_types has: {', '.join(types)}"
        )
    mult = np.array([float(types[sequence[i % len(sequence)]]) for i in range(len(years))])
    k = xr.DataArray(
        np.repeat(mult[:, None], len(units), axis=1),
        coords={"year": list(years), "unit": list(units)},
        dims=("year", "unit"),
    )
    return follow({v: k for v in VARIABLES}, stats)


def series_factors(
    path: str | Path, units: Sequence[str], years: Sequence[int], stats: xr.Dataset | None = None
) -> xr.Dataset:
    """Multipliers over (year, unit) read from a CSV of annual factors [1] (module docstring).

    Raises
    ------
    InputError
        The file is missing; a bad header, unit, variable, year or factor (file, row and
        column named); or a gap: a year of the run missing for a variable and unit.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"config key 'hydrology.file': no file {p}")
    with p.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        need = ("year", "unit", "variable", "factor")
        missing = [c for c in need if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{p}: missing column '{missing[0]}' (expected {', '.join(need)})")
        rows = list(reader)
    units = list(units)
    years = [int(y) for y in years]
    arr = {v: np.full((len(years), len(units)), np.nan) for v in VARIABLES}
    named: set[str] = set()
    for i, row in enumerate(rows, start=2):
        where = f"{p}, row {i}"
        var = row["variable"].strip()
        if var not in VARIABLES:
            raise InputError(
                f"{where}, column 'variable': expected one of {', '.join(VARIABLES)}, got {var!r}"
            )
        try:
            year = int(row["year"])
        except ValueError:
            raise InputError(f"{where}, column 'year': expected a year, got {row['year']!r}") from None
        try:
            factor = float(row["factor"])
        except ValueError:
            raise InputError(f"{where}, column 'factor': expected a number, got {row['factor']!r}") from None
        if not math.isfinite(factor) or factor < 0:
            raise InputError(f"{where}, column 'factor': expected a multiplier >= 0, got {row['factor']}")
        unit = row["unit"].strip()
        if unit != "*" and unit not in units:
            raise InputError(f"{where}, column 'unit': no unit '{unit}' in the pack")
        named.add(var)
        if year not in years:
            continue  # outside the run
        cols = range(len(units)) if unit == "*" else [units.index(unit)]
        for c in cols:
            if unit == "*" and not np.isnan(arr[var][years.index(year), c]):
                continue  # a unit row given earlier wins over a later '*' row
            arr[var][years.index(year), c] = factor
    k = {}
    for var in VARIABLES:
        a = arr[var]
        if var in named:
            gap = np.argwhere(np.isnan(a))
            if gap.size:
                y, u = gap[0]
                raise InputError(
                    f"{p}: the series of {var} has a gap: no factor for {years[y]} in unit '{units[u]}' "
                    "(give every year of the run)"
                )
        else:
            a = np.ones_like(a)
        k[var] = xr.DataArray(a, coords={"year": years, "unit": units}, dims=("year", "unit"))
    return follow(k, stats)
