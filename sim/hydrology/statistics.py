"""Hydrological statistics of a region pack (``hydrology.csv``), read for the design years.

``hydrology.csv`` (optional) holds, per unit (``*`` = every unit, a unit row overrides it):

======================  ===============  ==========================================================
variable                parameter        meaning
======================  ===============  ==========================================================
``precipitation``       ``cv``, ``cs_cv``  annual precipitation: coefficient of variation, Cs / Cv;
                        ``correlation``  one-factor correlation between units (stochastic) [1]
                        ``ar1``          lag-1 correlation between years (stochastic) [1]
``runoff``              ``cv``, ``cs_cv``  annual local runoff
``inflow``              ``cv``, ``cs_cv``  annual boundary inflow (from outside the region)
``recharge``            ``elasticity``   relative change of groundwater recharge per relative
                                         change of precipitation [1]
``et0``                 ``elasticity``   relative change of reference ET per relative change of
                                         precipitation [1] (negative: dry years are hotter)
``transfer``            ``elasticity``   relative change of the transfer quota per relative change
                                         of the boundary inflow [1] (proportional quotas, 丰增枯减)
======================  ===============  ==========================================================

Columns: ``unit, variable, parameter, value, units, year, status, reference, note``.

A design year of exceedance probability P (保证率) scales the pack's mean values
(``methods.md`` §4, 同倍比: the mean monthly pattern is the typical year):

* ``K_x = 1 + Cv_x Φ_P(Cs_x)`` for precipitation, runoff and inflow (P-III modulus, the same
  P for every variable and unit: a design year is a regional year type);
* recharge ``1 + e_r (K_P − 1)``, ET0 ``1 + e_et0 (K_P − 1)``, transfer quota
  ``1 + e_t (K_inflow − 1)`` (each floored at 0), with the elasticities above.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import xarray as xr

from sim.errors import InputError

_COLUMNS = ("unit", "variable", "parameter", "value", "units", "year", "status", "reference")
_STATUS = ("sourced", "derived", "estimate", "calibrated")
#: variable -> {parameter: (default, low, high)}; NaN default = required when the table is used
PARAMETERS: dict[str, dict[str, tuple[float, float, float]]] = {
    "precipitation": {
        "cv": (math.nan, 0.0, 5.0),
        "cs_cv": (2.0, -10.0, 10.0),
        "correlation": (0.0, 0.0, 1.0),
        "ar1": (0.0, -0.99, 0.99),
    },
    "runoff": {"cv": (math.nan, 0.0, 5.0), "cs_cv": (2.0, -10.0, 10.0)},
    "inflow": {"cv": (0.0, 0.0, 5.0), "cs_cv": (2.0, -10.0, 10.0)},
    "recharge": {"elasticity": (1.0, -5.0, 5.0)},
    "et0": {"elasticity": (0.0, -5.0, 5.0)},
    "transfer": {"elasticity": (0.0, -5.0, 5.0)},
}


def load_statistics(pack) -> xr.Dataset | None:
    """Read ``hydrology.csv`` of a pack into variables ``<variable>_<parameter>`` over ``unit``.

    Returns
    -------
    xarray.Dataset or None
        E.g. ``runoff_cv(unit)`` [1]; None when the pack has no ``hydrology.csv``.

    Raises
    ------
    InputError
        One line naming the file, row and column: unknown unit, variable or parameter, a value
        out of range (a Cv must be > 0), a bad status, or a required Cv missing for a unit.
    """
    path = pack.path / "hydrology.csv"
    if not path.is_file():
        return None
    units = [str(u) for u in pack.data.unit.values]
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: missing column '{missing[0]}' (expected {', '.join(_COLUMNS)})")
        rows = list(reader)
    given: dict[str, dict[str, float]] = {}
    star: dict[str, float] = {}
    for i, row in enumerate(rows, start=2):
        where = f"{path}, row {i}"
        var, par, unit = row["variable"].strip(), row["parameter"].strip(), row["unit"].strip()
        if var not in PARAMETERS:
            raise InputError(
                f"{where}, column 'variable': expected one of {', '.join(PARAMETERS)}, got {var!r}"
            )
        if par not in PARAMETERS[var]:
            raise InputError(
                f"{where}, column 'parameter': {var} takes {', '.join(PARAMETERS[var])}, got {par!r}"
            )
        if unit != "*" and unit not in units:
            raise InputError(f"{where}, column 'unit': no unit '{unit}' in the pack")
        try:
            value = float(row["value"])
        except (TypeError, ValueError):
            raise InputError(f"{where}, column 'value': expected a number, got {row['value']!r}") from None
        _, lo, hi = PARAMETERS[var][par]
        if not math.isfinite(value) or not lo <= value <= hi or (par == "cv" and value <= 0):
            need = "a Cv > 0" if par == "cv" else f"a number in [{lo:g}, {hi:g}]"
            raise InputError(f"{where}, column 'value': expected {need} for {var} {par}, got {row['value']}")
        if row["units"].strip() not in ("1", ""):
            raise InputError(f"{where}, column 'units': {var} {par} is dimensionless, write '1'")
        if row["status"] not in _STATUS:
            raise InputError(
                f"{where}, column 'status': expected one of {', '.join(_STATUS)}, got {row['status']!r}"
            )
        key = f"{var}_{par}"
        if unit == "*":
            star[key] = value
        else:
            given.setdefault(key, {})[unit] = value
    out = {}
    for var, params in PARAMETERS.items():
        for par, (default, _, _) in params.items():
            key = f"{var}_{par}"
            arr = np.full(len(units), star.get(key, default))
            for u, v in given.get(key, {}).items():
                arr[units.index(u)] = v
            if np.isnan(arr).any():
                u = units[int(np.argmax(np.isnan(arr)))]
                raise InputError(f"{path}: no {var} {par} for unit '{u}' (give a '*' row or one per unit)")
            out[key] = xr.DataArray(arr, coords={"unit": pack.data.unit.values}, dims="unit")
    return xr.Dataset(out)


def load_correlation(pack) -> xr.DataArray | None:
    """Read the pack's optional ``correlation.csv``: a unit × unit correlation matrix [1].

    The header is ``unit`` followed by the unit ids; each row starts with a unit id.

    Returns
    -------
    xarray.DataArray or None
        Over ``(unit, unit2)``; None when the pack has no ``correlation.csv``.

    Raises
    ------
    InputError
        One line naming the file, row and column for an unknown unit or a value that is not
        a number in [-1, 1]. Symmetry, the unit diagonal and positive semi-definiteness are
        checked where the matrix is used (:func:`sim.hydrology.stochastic.annual_factors`).
    """
    path = pack.path / "correlation.csv"
    if not path.is_file():
        return None
    units = [str(u) for u in pack.data.unit.values]
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = [c.strip() for c in rows[0]]
    for j, u in enumerate(header[1:], start=2):
        if u not in units:
            raise InputError(f"{path}, row 1, column {j}: no unit '{u}' in the pack")
    if sorted(header[1:]) != sorted(units):
        raise InputError(f"{path}, row 1: the columns must list every unit of the pack once")
    m = np.full((len(units), len(units)), np.nan)
    for i, row in enumerate(rows[1:], start=2):
        u = row[0].strip()
        if u not in units:
            raise InputError(f"{path}, row {i}, column 'unit': no unit '{u}' in the pack")
        for j, cell in enumerate(row[1:], start=2):
            try:
                x = float(cell)
            except ValueError:
                raise InputError(
                    f"{path}, row {i}, column '{header[j - 1]}': expected a number, got {cell!r}"
                ) from None
            if not -1.0 <= x <= 1.0:
                raise InputError(
                    f"{path}, row {i}, column '{header[j - 1]}': a correlation lies in [-1, 1], got {x:g}"
                )
            m[units.index(u), units.index(header[j - 1])] = x
    if np.isnan(m).any():
        raise InputError(f"{path}: every unit needs a row with a value for every unit")
    return xr.DataArray(m, dims=("unit", "unit2"), coords={"unit": units, "unit2": units})
