"""Annual runoff volume capture ratio (年径流总量控制率) and design rainfall depth, GB/T 51345-2018.

Method (``/work/shared/reference/methods.md`` §5): take a long daily rainfall record
(≥ 30 years), drop the days with ≤ 2 mm (and snowfall), sort the rest ascending
``x_1 ≤ … ≤ x_N``. A facility that holds a depth ``d`` captures ``min(x_j, d)`` of each
day, so the capture ratio is::

    α(d) = Σ_j min(x_j, d) / Σ_j x_j                                              [1]

which at ``d = x_i`` is the standard's ``(x_1 + … + x_i + (N − i)·x_i) / (x_1 + … + x_N)``.
``α`` is continuous, piecewise linear and non-decreasing in ``d``, 0 at ``d = 0`` and 1
from ``d = max(x)`` on. The design rainfall depth (设计降雨量) of a target ratio ``α*`` is
the smallest ``d`` with ``α(d) = α*``, found by inverting the linear piece it falls on.

Packs carry monthly precipitation only, so :func:`synthetic_daily_rain` builds a daily
record from the monthly means (an estimate; see there).
"""

from __future__ import annotations

import calendar

import numpy as np

__all__ = ["THRESHOLD_MM", "capture_ratio", "design_depth", "synthetic_daily_rain"]

#: Days with rain at or below this depth are dropped (GB/T 51345-2018) [mm].
THRESHOLD_MM = 2.0


def _sorted_days(daily_rain_mm: np.ndarray | list[float], threshold_mm: float) -> np.ndarray:
    x = np.asarray(daily_rain_mm, dtype=float).ravel()
    if not np.isfinite(x).all() or (x < 0).any():
        raise ValueError("daily rain must be finite and >= 0 mm")
    return np.sort(x[x > threshold_mm])


def capture_ratio(
    daily_rain_mm: np.ndarray | list[float],
    depth_mm: float | np.ndarray,
    threshold_mm: float = THRESHOLD_MM,
) -> np.ndarray:
    """Annual runoff volume capture ratio of a design depth, GB/T 51345-2018 [1].

    Parameters
    ----------
    daily_rain_mm : array_like
        Daily rainfall [mm/d], any shape (flattened); snowfall days should be left out
        by the caller.
    depth_mm : float or array_like
        Design depth(s) ``d`` [mm]; negative depths count as 0.
    threshold_mm : float, optional
        Days with rain ``<= threshold_mm`` are dropped [mm] (default 2).

    Returns
    -------
    numpy.ndarray
        ``α(d) = Σ min(x_j, d) / Σ x_j`` over the kept days, shaped like ``depth_mm``
        (a 0-d array for a scalar); 1 where no day is kept (nothing to capture).

    Raises
    ------
    ValueError
        If a daily value is negative or not finite.
    """
    x = _sorted_days(daily_rain_mm, threshold_mm)
    d = np.clip(np.asarray(depth_mm, dtype=float), 0.0, None)
    if x.size == 0:
        return np.ones_like(d)
    cum = np.concatenate(([0.0], np.cumsum(x)))  # cum[k] = x_1 + … + x_k
    k = np.searchsorted(x, d, side="right")  # days with x_j <= d
    captured = cum[k] + (x.size - k) * np.minimum(d, x[-1])
    return np.minimum(captured / cum[-1], 1.0)


def design_depth(
    daily_rain_mm: np.ndarray | list[float],
    target_ratio: float | np.ndarray,
    threshold_mm: float = THRESHOLD_MM,
) -> np.ndarray:
    """Design rainfall depth whose capture ratio meets ``target_ratio``, GB/T 51345-2018 [mm].

    Parameters
    ----------
    daily_rain_mm : array_like
        Daily rainfall [mm/d], any shape (flattened).
    target_ratio : float or array_like
        Target annual runoff volume capture ratio(s) ``α*`` in [0, 1] [1].
    threshold_mm : float, optional
        Days with rain ``<= threshold_mm`` are dropped [mm] (default 2).

    Returns
    -------
    numpy.ndarray
        The smallest depth ``d`` with ``α(d) = α*`` [mm], shaped like ``target_ratio``:
        on the piece ``x_k ≤ d ≤ x_{k+1}``, ``d = (α*·Σx − (x_1 + … + x_k)) / (N − k)``;
        ``max(x)`` at ``α* = 1``; 0 where no day is kept.

    Raises
    ------
    ValueError
        If a daily value is negative or not finite, or a target is outside [0, 1].
    """
    x = _sorted_days(daily_rain_mm, threshold_mm)
    t = np.asarray(target_ratio, dtype=float)
    if not np.isfinite(t).all() or (t < 0).any() or (t > 1).any():
        raise ValueError(f"target capture ratio must lie in [0, 1], got {target_ratio!r}")
    if x.size == 0:
        return np.zeros_like(t)
    n = x.size
    cum = np.concatenate(([0.0], np.cumsum(x)))
    i = np.arange(1, n + 1)
    alpha = np.minimum((cum[1:] + (n - i) * x) / cum[-1], 1.0)  # α(x_i), non-decreasing
    alpha[-1] = 1.0
    k = np.searchsorted(alpha, t, side="left")  # first piece end with α(x_{k+1}) >= α*
    k = np.minimum(k, n - 1)
    lower = np.where(k > 0, x[np.maximum(k - 1, 0)], 0.0)
    depth = (t * cum[-1] - cum[k]) / (n - k)
    return np.clip(depth, lower, x[k])


def synthetic_daily_rain(
    monthly_mm: np.ndarray | list[float],
    years: int = 30,
    seed: int = 0,
    wet_day_mm: float = 8.0,
) -> np.ndarray:
    """Build a reproducible synthetic daily rainfall record from mean monthly totals [mm/d].

    An **estimate** for packs without a daily series: in calendar month ``m`` with mean
    total ``P_m`` [mm], each year has ``n_m = clip(round(P_m / wet_day_mm), 1, days_m)``
    wet days (0 if ``P_m = 0``) on randomly drawn days, with exponentially distributed
    depths; the depths of each calendar month are then scaled so that their mean over
    the ``years`` equals ``P_m`` exactly. Exponential depths have a lighter tail than
    observed semi-arid daily rain, so the design depths they give tend to be low.

    Parameters
    ----------
    monthly_mm : array_like
        Mean monthly precipitation, 12 values January..December [mm/month].
    years : int, optional
        Number of 365-day years to generate (default 30, the standard's minimum).
    seed : int, optional
        Seed of the random generator (default 0); the same inputs give the same record.
    wet_day_mm : float, optional
        Mean depth of a wet day that sets the number of wet days [mm] (default 8,
        estimate for the summer rain of the semi-arid north).

    Returns
    -------
    numpy.ndarray
        Daily rainfall [mm/d], shape ``(years * 365,)``.

    Raises
    ------
    ValueError
        If ``monthly_mm`` does not hold 12 finite values >= 0, or ``years`` < 1.
    """
    p = np.asarray(monthly_mm, dtype=float).ravel()
    if p.size != 12 or not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("monthly_mm must hold 12 finite monthly totals >= 0 mm")
    if int(years) < 1 or wet_day_mm <= 0:
        raise ValueError("years must be >= 1 and wet_day_mm > 0")
    rng = np.random.default_rng(seed)
    days = np.array([calendar.monthrange(2001, m)[1] for m in range(1, 13)])
    offset = np.concatenate(([0], np.cumsum(days)[:-1]))
    rain = np.zeros((int(years), 365))
    for m in range(12):
        if p[m] <= 0:
            continue
        n = int(np.clip(round(p[m] / wet_day_mm), 1, days[m]))
        depths = rng.exponential(p[m] / n, size=(int(years), n))
        depths *= p[m] * years / depths.sum()
        for y in range(int(years)):
            when = rng.choice(days[m], size=n, replace=False)
            rain[y, offset[m] + when] = depths[y]
    return rain.ravel()
