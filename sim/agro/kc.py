"""Crop coefficients (FAO-56 single crop coefficient approach) as pure, vectorised functions.

Crop evapotranspiration under standard conditions is ``ETc = Kc * ET0`` (FAO-56 Eq. 56).
This module builds the Kc curve of FAO-56 chapter 6 (Eq. 62 and Eq. 66) and aggregates it
to calendar months.

References
----------
Allen, R.G., Pereira, L.S., Raes, D., Smith, M. (1998). Crop evapotranspiration. FAO
Irrigation and Drainage Paper 56 (FAO-56), chapter 6.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

__all__ = [
    "daily_kc_year",
    "kc_curve",
    "kc_mid_adjusted",
    "monthly_crop_days",
    "monthly_crop_et",
    "monthly_kc",
]

ArrayLike = float | np.ndarray | xr.DataArray


def _values(x: Any) -> np.ndarray:
    return np.asarray(x.values if isinstance(x, xr.DataArray) else x, dtype=float)


def kc_mid_adjusted(kc_mid_table: ArrayLike, u2: ArrayLike, rhmin: ArrayLike, height: ArrayLike) -> ArrayLike:
    r"""Adjust the tabulated mid-season Kc for climate (FAO-56 Eq. 62).

    Parameters
    ----------
    kc_mid_table : float or numpy.ndarray or xarray.DataArray
        Kc_mid from FAO-56 Table 12 (sub-humid climate, RHmin 45 %, u2 2 m/s) [1].
    u2 : float or numpy.ndarray or xarray.DataArray
        Mean daily wind speed at 2 m during the mid-season stage [m/s].
    rhmin : float or numpy.ndarray or xarray.DataArray
        Mean daily minimum relative humidity during the mid-season stage [%].
    height : float or numpy.ndarray or xarray.DataArray
        Mean crop height during the mid-season stage [m].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Climate-adjusted Kc_mid [1].

    Raises
    ------
    ValueError
        If ``rhmin`` looks like a fraction (max ≤ 1), lies outside [0, 100] %, or
        ``height`` or ``u2`` is negative.

    Notes
    -----
    .. math:: K_{c\,mid} = K_{c\,mid(Tab)} + [0.04 (u_2 - 2) - 0.004 (RH_{min} - 45)]
        (h / 3)^{0.3}

    FAO-56 states the equation for 1 ≤ u2 ≤ 6 m/s, 20 ≤ RHmin ≤ 80 % and
    0.1 ≤ h ≤ 10 m; inputs are not clipped to these ranges.

    Examples
    --------
    >>> round(kc_mid_adjusted(1.15, 2.2, 30.0, 0.4), 2)  # FAO-56 Example 28
    1.19
    """
    rh = _values(rhmin)
    if rh.size and np.nanmax(rh) <= 1.0:
        raise ValueError(f"rhmin must be in percent [%], got max {np.nanmax(rh):g} (a fraction?)")
    if np.any(rh < 0) or np.any(rh > 100):
        raise ValueError("rhmin must lie in [0, 100] %")
    if np.any(_values(height) < 0):
        raise ValueError("height must be non-negative [m]")
    if np.any(_values(u2) < 0):
        raise ValueError("u2 must be non-negative [m/s]")
    return kc_mid_table + (0.04 * (u2 - 2.0) - 0.004 * (rhmin - 45.0)) * (height / 3.0) ** 0.3


def _check_stages(stage_lengths: Sequence[float], max_total: float | None = 365) -> np.ndarray:
    lengths = np.asarray(stage_lengths, dtype=float)
    if lengths.shape != (4,):
        raise ValueError(f"stage_lengths must be 4 values (ini, dev, mid, late), got shape {lengths.shape}")
    if np.any(lengths < 0) or not np.all(np.isfinite(lengths)):
        raise ValueError(f"stage lengths must be finite and non-negative [days], got {lengths.tolist()}")
    if max_total is not None and lengths.sum() > max_total:
        raise ValueError(f"stage lengths sum to {lengths.sum():g} days, more than {max_total} days")
    return lengths


def _kc_curve_core(
    day: np.ndarray,
    kc_ini: Any,
    kc_mid: Any,
    kc_end: Any,
    l_ini: float,
    l_dev: float,
    l_mid: float,
    l_late: float,
) -> np.ndarray:
    day = np.asarray(day, dtype=float)
    kc_ini, kc_mid, kc_end = (np.asarray(k, dtype=float) for k in (kc_ini, kc_mid, kc_end))
    end_ini = l_ini
    end_dev = end_ini + l_dev
    end_mid = end_dev + l_mid
    end_late = end_mid + l_late
    # Eq. 66: Kc_i = Kc_prev + [(i - sum(L_prev)) / L_stage] (Kc_next - Kc_prev). A zero-length
    # stage selects no day, so its (guarded) denominator never matters.
    dev = kc_ini + (day - end_ini) / max(l_dev, 1e-12) * (kc_mid - kc_ini)
    late = kc_mid + (day - end_mid) / max(l_late, 1e-12) * (kc_end - kc_mid)
    return np.select(
        [
            (day < 1) | (day > end_late) | np.isnan(day),
            day <= end_ini,
            day <= end_dev,
            day <= end_mid,
        ],
        [0.0, kc_ini, dev, kc_mid],
        default=late,
    )


def kc_curve(
    day: ArrayLike,
    kc_ini: ArrayLike,
    kc_mid: ArrayLike,
    kc_end: ArrayLike,
    l_ini: float,
    l_dev: float,
    l_mid: float,
    l_late: float,
) -> ArrayLike:
    """Piecewise-linear crop coefficient curve (FAO-56 Eq. 66, Fig. 25).

    Parameters
    ----------
    day : int or numpy.ndarray or xarray.DataArray
        Day number within the growing season, 1 = planting day (FAO convention) [day].
    kc_ini, kc_mid, kc_end : float or numpy.ndarray or xarray.DataArray
        Crop coefficients of the initial, mid-season and end of late season stage [1];
        broadcast against ``day``.
    l_ini, l_dev, l_mid, l_late : float
        Lengths of the initial, development, mid-season and late season stages [day].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Kc on each ``day`` [1]; 0 outside the season (``day < 1`` or after the last day,
        i.e. no crop), same type as ``day``.

    Raises
    ------
    ValueError
        If a stage length is negative or not finite.

    Notes
    -----
    With ``L1 = l_ini``, ``L2 = L1 + l_dev``, ``L3 = L2 + l_mid``, ``L4 = L3 + l_late``:
    ``Kc = kc_ini`` for ``1 ≤ i ≤ L1``; ``kc_ini + (i - L1)/l_dev (kc_mid - kc_ini)`` for
    ``L1 < i ≤ L2``; ``kc_mid`` for ``L2 < i ≤ L3``; ``kc_mid + (i - L3)/l_late (kc_end -
    kc_mid)`` for ``L3 < i ≤ L4``. This is the day convention of FAO-56 Example 28: day
    40 with stages 25/25/30/20 gives ``0.15 + (40 - 25)/25 (1.19 - 0.15) = 0.77``.

    Examples
    --------
    >>> import numpy as np
    >>> kc_curve(np.array([20, 40, 70, 95]), 0.15, 1.19, 0.35, 25, 25, 30, 20).round(2)
    array([0.15, 0.77, 1.19, 0.56])
    """
    lengths = _check_stages([l_ini, l_dev, l_mid, l_late], max_total=None)
    if isinstance(day, xr.DataArray) or any(isinstance(k, xr.DataArray) for k in (kc_ini, kc_mid, kc_end)):
        return xr.apply_ufunc(
            lambda d, a, b, c: _kc_curve_core(d, a, b, c, *lengths), day, kc_ini, kc_mid, kc_end
        )
    out = _kc_curve_core(day, kc_ini, kc_mid, kc_end, *lengths)
    return float(out) if out.ndim == 0 else out


def _days_after_planting(planting_doy: int, n_days: int) -> np.ndarray:
    if not 1 <= planting_doy <= n_days or int(planting_doy) != planting_doy:
        raise ValueError(f"planting_doy must be an integer in [1, {n_days}], got {planting_doy}")
    doy = np.arange(1, n_days + 1)
    return (doy - int(planting_doy)) % n_days + 1


def daily_kc_year(
    planting_doy: int,
    stage_lengths: Sequence[float],
    kc_ini: float,
    kc_mid: float,
    kc_end: float,
    year: int = 2022,
) -> np.ndarray:
    """Daily Kc for every day of a calendar year.

    Parameters
    ----------
    planting_doy : int
        Day of year of planting (season day 1) [1].
    stage_lengths : sequence of 4 float
        Lengths of the initial, development, mid-season and late season stages [day].
    kc_ini, kc_mid, kc_end : float
        Crop coefficients of the initial, mid-season and end of season stage [1].
    year : int, optional
        Calendar year, sets 365 or 366 days [1].

    Returns
    -------
    numpy.ndarray
        Kc for day of year 1..365 (366 in leap years) [1]; 0 on days without crop.

    Raises
    ------
    ValueError
        If a stage length is negative, they sum to more than 365 days, or
        ``planting_doy`` is outside the year.

    Notes
    -----
    A season running past 31 December wraps around to the start of the same year, i.e.
    the year is treated as one cycle of a repeating (climatological) crop calendar: a
    crop planted on day 280 with a 200-day season also occupies days 1..114.
    """
    lengths = _check_stages(stage_lengths)
    n_days = 366 if calendar.isleap(year) else 365
    dap = _days_after_planting(planting_doy, n_days)
    return np.asarray(_kc_curve_core(dap, kc_ini, kc_mid, kc_end, *lengths))


def _month_starts(n_days: int) -> np.ndarray:
    year = 2000 if n_days == 366 else 2001
    days = [calendar.monthrange(year, m)[1] for m in range(1, 13)]
    return np.concatenate([[0], np.cumsum(days)[:-1]])


def monthly_kc(
    planting_doy: int,
    stage_lengths: Sequence[float],
    kc_ini: float,
    kc_mid: float,
    kc_end: float,
    year: int = 2022,
) -> np.ndarray:
    """Mean Kc over each calendar month.

    Parameters
    ----------
    planting_doy : int
        Day of year of planting [1].
    stage_lengths : sequence of 4 float
        Lengths of the initial, development, mid-season and late season stages [day].
    kc_ini, kc_mid, kc_end : float
        Crop coefficients of the initial, mid-season and end of season stage [1].
    year : int, optional
        Calendar year [1].

    Returns
    -------
    numpy.ndarray
        12 values: the mean of the daily Kc over all days of each month, days without crop
        counting as 0 [1]. Hence ``monthly_kc * ET0_month_total`` is the monthly crop ET
        when ET0 is uniform within the month.

    See Also
    --------
    daily_kc_year, monthly_crop_days, monthly_crop_et
    """
    daily = daily_kc_year(planting_doy, stage_lengths, kc_ini, kc_mid, kc_end, year)
    starts = _month_starts(daily.size)
    days = np.diff(np.append(starts, daily.size))
    return np.add.reduceat(daily, starts) / days


def monthly_crop_days(planting_doy: int, stage_lengths: Sequence[float], year: int = 2022) -> np.ndarray:
    """Count the days with crop in the field in each calendar month.

    Parameters
    ----------
    planting_doy : int
        Day of year of planting [1].
    stage_lengths : sequence of 4 float
        Lengths of the initial, development, mid-season and late season stages [day].
    year : int, optional
        Calendar year [1].

    Returns
    -------
    numpy.ndarray
        12 integers: days of each month within the growing season [day]. Wraps around the
        year end like :func:`daily_kc_year`.
    """
    lengths = _check_stages(stage_lengths)
    n_days = 366 if calendar.isleap(year) else 365
    dap = _days_after_planting(planting_doy, n_days)
    in_season = (dap <= lengths.sum()).astype(int)
    return np.add.reduceat(in_season, _month_starts(n_days))


def monthly_crop_et(daily_kc: ArrayLike, et0_monthly_mm_per_day: ArrayLike) -> np.ndarray:
    """Monthly crop evapotranspiration from daily Kc and monthly mean daily ET0.

    Parameters
    ----------
    daily_kc : array_like
        Daily Kc for a whole year, 365 or 366 values on the last axis (e.g. from
        :func:`daily_kc_year`) [1]; the length decides whether the year is a leap year.
    et0_monthly_mm_per_day : array_like
        Mean daily ET0 of each month, 12 values on the last axis [mm/day].

    Returns
    -------
    numpy.ndarray
        Monthly crop ET ``sum over the days d of month m of Kc_d * ET0_m`` [mm/month],
        12 values on the last axis (leading axes broadcast).

    Raises
    ------
    ValueError
        If ``daily_kc`` does not have 365/366 values or ET0 not 12 values on the last axis,
        or ET0 is negative.
    """
    kc = _values(daily_kc)
    et0 = _values(et0_monthly_mm_per_day)
    if kc.ndim == 0 or kc.shape[-1] not in (365, 366):
        raise ValueError(f"daily_kc must have 365 or 366 values on its last axis, got shape {kc.shape}")
    if et0.ndim == 0 or et0.shape[-1] != 12:
        raise ValueError(
            f"et0_monthly_mm_per_day must have 12 values on its last axis, got shape {et0.shape}"
        )
    if np.any(et0 < 0):
        raise ValueError("et0_monthly_mm_per_day must be non-negative [mm/day]")
    kc_sum = np.add.reduceat(kc, _month_starts(kc.shape[-1]), axis=-1)
    return kc_sum * et0
