"""Pearson type III (P-III) frequency analysis in the Chinese hydrological convention.

Design values for an exceedance probability ``p`` (保证率; 50 % normal, 75 % dry, 95 % very dry
year) are ``x_P = mean * K_P`` with the modulus ``K_P = 1 + Cv * Φ_P(Cs)`` and the frequency
factor ``Φ_P`` the standardised P-III quantile at non-exceedance ``1 - p``. The distribution is
``scipy.stats.pearson3`` throughout (``skew=Cs, loc=mean, scale=Cv*mean``). Parameters are
estimated by moments, by L-moments or by curve fitting (适线) with ``Cs = ratio * Cv``; a design
year's monthly series is a typical year's pattern scaled to the design total (同倍比缩放).

Values ``x`` carry any unit of the user's choosing (e.g. [10^8 m3/a] or [mm/a]); means and design
values share that unit, ``Cv``, ``Cs``, ``K_P``, ``Φ_P`` and probabilities are dimensionless [1].

References
----------
Ministry of Water Resources (2008). SL 429-2008, Guidelines for water supply and demand
planning. 水利部 (2006). SL 44-2006, 水利水电工程设计洪水计算规范 (P-III curve fitting,
plotting position ``m / (n + 1)``). Hosking, J. R. M. and Wallis, J. R. (1997). Regional
Frequency Analysis: An Approach Based on L-Moments. Cambridge University Press, Appendix A.9.
See also /work/shared/reference/methods.md section 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import optimize, special, stats

from sim.errors import InputError

__all__ = [
    "PLOTTING_POSITIONS",
    "P3Params",
    "design_year",
    "empirical_exceedance",
    "fit_curve",
    "fit_lmoments",
    "fit_moments",
    "frequency_factor",
    "modulus",
    "pearson3_quantile",
]

ArrayLike = float | np.ndarray | xr.DataArray

PLOTTING_POSITIONS: tuple[str, ...] = ("weibull", "gringorten", "hazen")
"""Names accepted by :func:`empirical_exceedance` and :func:`fit_curve`."""


@dataclass(frozen=True)
class P3Params:
    """Parameters of a Pearson type III distribution (Chinese convention).

    Attributes
    ----------
    mean : float
        Mean ``x̄`` [unit of the series].
    cv : float
        Coefficient of variation ``Cv`` [1].
    cs : float
        Coefficient of skewness ``Cs`` [1].
    """

    mean: float
    cv: float
    cs: float

    def quantile(self, p: ArrayLike) -> ArrayLike:
        """Design value for exceedance probability ``p``, see :func:`pearson3_quantile`.

        Parameters
        ----------
        p : float or numpy.ndarray or xarray.DataArray
            Exceedance probability (保证率) in (0, 1) [1].

        Returns
        -------
        float or numpy.ndarray or xarray.DataArray
            Design value ``x_P`` [unit of the series].
        """
        return pearson3_quantile(p, self.mean, self.cv, self.cs)


# --------------------------------------------------------------------------------------------
# helpers


def _values(a: ArrayLike) -> np.ndarray:
    return np.asarray(a.values if isinstance(a, xr.DataArray) else a, dtype=float)


def _first(values: np.ndarray, mask: np.ndarray) -> float:
    return float(np.broadcast_to(values, mask.shape)[mask].flat[0])


def _check_p(p: ArrayLike) -> None:
    v = _values(p)
    bad = (v <= 0.0) | (v >= 1.0)
    if np.any(bad):
        raise InputError(f"p (exceedance probability) must lie in (0, 1), got {_first(v, bad):g}")


def _check_positive(name: str, a: ArrayLike) -> None:
    v = _values(a)
    bad = v <= 0.0
    if np.any(bad):
        raise InputError(f"{name} must be > 0, got {_first(v, bad):g}")


def _apply(core, *args: ArrayLike) -> ArrayLike:
    if any(isinstance(a, xr.DataArray) for a in args):
        return xr.apply_ufunc(core, *args, keep_attrs=True)
    out = np.asarray(core(*(_values(a) for a in args)), dtype=float)
    return float(out) if out.ndim == 0 else out


def _series(x: ArrayLike, name: str = "x", min_n: int = 4) -> np.ndarray:
    """Validate a 1-D series of positive values without gaps and return it as floats."""
    v = _values(x)
    if v.ndim != 1:
        raise InputError(f"{name} must be a 1-D series, got {v.ndim} dimensions")
    if v.size < min_n:
        raise InputError(f"{name} needs at least {min_n} values, got n = {v.size}")
    gaps = np.flatnonzero(np.isnan(v))
    if gaps.size:
        raise InputError(f"{name} has a gap (NaN) at position {gaps[0]}; fill or drop it first")
    bad = np.flatnonzero(~(v > 0.0))
    if bad.size:
        raise InputError(f"{name} must be positive, got {v[bad[0]]:g} at position {bad[0]}")
    return v


# --------------------------------------------------------------------------------------------
# quantiles


def frequency_factor(p: ArrayLike, cs: ArrayLike) -> ArrayLike:
    """Frequency factor ``Φ_P`` (离均系数) of the standardised P-III distribution.

    Parameters
    ----------
    p : float or numpy.ndarray or xarray.DataArray
        Exceedance probability (保证率) in (0, 1) [1].
    cs : float or numpy.ndarray or xarray.DataArray
        Coefficient of skewness ``Cs`` [1]; ``Cs = 0`` is the normal distribution.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        ``Φ_P`` [1], broadcast over the inputs; a DataArray if any input is one.

    Raises
    ------
    sim.errors.InputError
        If ``p`` is outside (0, 1).

    Notes
    -----
    ``Φ_P = scipy.stats.pearson3.ppf(1 - p, skew=cs)`` (zero mean, unit standard deviation).

    Examples
    --------
    >>> round(frequency_factor(0.95, 0.5), 3)
    -1.491
    """
    _check_p(p)
    return _apply(lambda pp, ss: stats.pearson3.ppf(1.0 - pp, ss), p, cs)


def modulus(p: ArrayLike, cv: ArrayLike, cs: ArrayLike) -> ArrayLike:
    """Modulus coefficient ``K_P = 1 + Cv Φ_P(Cs)`` (模比系数).

    Parameters
    ----------
    p : float or numpy.ndarray or xarray.DataArray
        Exceedance probability (保证率) in (0, 1) [1].
    cv : float or numpy.ndarray or xarray.DataArray
        Coefficient of variation ``Cv`` > 0 [1].
    cs : float or numpy.ndarray or xarray.DataArray
        Coefficient of skewness ``Cs`` [1].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        ``K_P`` [1], broadcast over the inputs.

    Raises
    ------
    sim.errors.InputError
        If ``p`` is outside (0, 1) or ``cv`` is not positive.

    Examples
    --------
    >>> round(modulus(0.95, 0.25, 0.50), 2)
    0.63
    """
    _check_p(p)
    _check_positive("cv", cv)
    return _apply(lambda pp, vv, ss: 1.0 + vv * stats.pearson3.ppf(1.0 - pp, ss), p, cv, cs)


def pearson3_quantile(p: ArrayLike, mean: ArrayLike, cv: ArrayLike, cs: ArrayLike) -> ArrayLike:
    """Design value ``x_P = mean * K_P`` of a P-III distribution for exceedance probability ``p``.

    Parameters
    ----------
    p : float or numpy.ndarray or xarray.DataArray
        Exceedance probability (保证率) in (0, 1) [1], e.g. 0.95 for a very dry year.
    mean : float or numpy.ndarray or xarray.DataArray
        Mean ``x̄`` > 0 [unit of the series].
    cv : float or numpy.ndarray or xarray.DataArray
        Coefficient of variation ``Cv`` > 0 [1].
    cs : float or numpy.ndarray or xarray.DataArray
        Coefficient of skewness ``Cs`` [1].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        ``x_P`` [unit of ``mean``], broadcast over the inputs (numpy rules, or xarray's by
        dimension name when any input is a DataArray).

    Raises
    ------
    sim.errors.InputError
        If ``p`` is outside (0, 1), or ``cv`` or ``mean`` is not positive.

    Notes
    -----
    ``x_P = scipy.stats.pearson3(skew=cs, loc=mean, scale=cv*mean).ppf(1 - p)``. For
    ``Cs > 0`` the distribution is bounded below at ``mean (1 - 2 Cv / Cs)``, which is negative
    when ``Cs < 2 Cv``; such parameter sets can yield negative design values. NaN propagates.

    Examples
    --------
    >>> round(pearson3_quantile(0.95, 40.6, 0.25, 0.50), 1)  # methods.md section 4
    25.5
    """
    _check_p(p)
    _check_positive("cv", cv)
    _check_positive("mean", mean)

    def core(pp, mm, vv, ss):
        return stats.pearson3.ppf(1.0 - pp, ss, loc=mm, scale=vv * mm)

    return _apply(core, p, mean, cv, cs)


# --------------------------------------------------------------------------------------------
# estimation


def fit_moments(x: ArrayLike) -> P3Params:
    """Moment estimates of ``x̄``, ``Cv`` and ``Cs`` (the Chinese hydrology formulas).

    Parameters
    ----------
    x : array_like or xarray.DataArray
        1-D series of positive values without gaps (e.g. annual runoff [10^8 m3/a]), n ≥ 4.

    Returns
    -------
    P3Params
        ``mean`` [unit of ``x``], ``cv`` [1], ``cs`` [1].

    Raises
    ------
    sim.errors.InputError
        If ``x`` is not 1-D, has fewer than 4 values, a gap (NaN), a non-positive value, or is
        constant.

    Notes
    -----
    With ``K_i = x_i / x̄``: ``Cv = sqrt(Σ (K_i - 1)² / (n - 1))`` and
    ``Cs = Σ (K_i - 1)³ / ((n - 3) Cv³)`` (the approximately unbiased form of SL 44).
    """
    v = _series(x)
    n = v.size
    mean = float(v.mean())
    d = v / mean - 1.0
    cv = float(np.sqrt(np.sum(d**2) / (n - 1)))
    if cv == 0.0:
        raise InputError(f"x is constant (all values {v[0]:g}); Cv = 0 and Cs is undefined")
    cs = float(np.sum(d**3) / ((n - 3) * cv**3))
    return P3Params(mean=mean, cv=cv, cs=cs)


def _sample_lmoments(v: np.ndarray) -> tuple[float, float, float]:
    """Return ``(λ1, λ2, λ3)`` from unbiased probability-weighted moments ``b0, b1, b2``."""
    xs = np.sort(v)
    n = xs.size
    j = np.arange(n, dtype=float)  # j = i - 1 for the ascending rank i = 1..n
    b0 = xs.mean()
    b1 = np.sum(j / (n - 1) * xs) / n
    b2 = np.sum(j * (j - 1) / ((n - 1) * (n - 2)) * xs) / n
    return float(b0), float(2 * b1 - b0), float(6 * b2 - 6 * b1 + b0)


def fit_lmoments(x: ArrayLike) -> P3Params:
    """L-moment estimates of ``x̄``, ``Cv`` and ``Cs`` (Hosking and Wallis 1997).

    Parameters
    ----------
    x : array_like or xarray.DataArray
        1-D series of positive values without gaps, n ≥ 4.

    Returns
    -------
    P3Params
        ``mean`` [unit of ``x``], ``cv`` [1], ``cs`` [1].

    Raises
    ------
    sim.errors.InputError
        If ``x`` is not 1-D, has fewer than 4 values, a gap (NaN), a non-positive value, or is
        constant.

    Notes
    -----
    Sample L-moments from the unbiased probability-weighted moments of the ascending sample
    ``x_(1) ≤ ... ≤ x_(n)`` (Hosking and Wallis 1997, eq. 2.4 and 2.10):
    ``b0 = x̄``, ``b1 = n⁻¹ Σ (i-1)/(n-1) x_(i)``, ``b2 = n⁻¹ Σ (i-1)(i-2)/((n-1)(n-2)) x_(i)``;
    ``λ1 = b0``, ``λ2 = 2 b1 - b0``, ``λ3 = 6 b2 - 6 b1 + b0``, L-skewness ``τ3 = λ3 / λ2``.

    Pearson III from L-moments (Hosking and Wallis 1997, Appendix A.9, rational approximations
    of the gamma shape ``α`` from ``τ3``): for ``|τ3| < 1/3``, ``z = 3π τ3²`` and
    ``α ≈ (1 + 0.2906 z) / (z + 0.1882 z² + 0.0442 z³)``; for ``1/3 ≤ |τ3| < 1``,
    ``z = 1 - |τ3|`` and
    ``α ≈ (0.36067 z - 0.59567 z² + 0.25361 z³) / (1 - 2.78861 z + 2.56096 z² - 0.77045 z³)``.
    Then ``Cs = γ = 2 sign(τ3) / sqrt(α)``, ``σ = λ2 sqrt(π α) Γ(α) / Γ(α + 1/2)`` and
    ``Cv = σ / λ1`` (``σ = λ2 sqrt(π)`` in the normal limit ``τ3 = 0``).
    """
    v = _series(x)
    l1, l2, l3 = _sample_lmoments(v)
    if l2 <= 0.0:
        raise InputError(f"x is constant (all values {v[0]:g}); L-CV = 0 and Cs is undefined")
    t3 = l3 / l2
    a = abs(t3)
    if a == 0.0:
        return P3Params(mean=l1, cv=l2 * np.sqrt(np.pi) / l1, cs=0.0)
    if a < 1.0 / 3.0:
        z = 3.0 * np.pi * t3**2
        alpha = (1.0 + 0.2906 * z) / (z + 0.1882 * z**2 + 0.0442 * z**3)
    else:
        z = 1.0 - a
        alpha = (0.36067 * z - 0.59567 * z**2 + 0.25361 * z**3) / (
            1.0 - 2.78861 * z + 2.56096 * z**2 - 0.77045 * z**3
        )
    cs = float(np.sign(t3) * 2.0 / np.sqrt(alpha))
    # sqrt(α) Γ(α) / Γ(α + 1/2) via the Pochhammer symbol, accurate also for very large α
    sigma = l2 * np.sqrt(np.pi) * np.sqrt(alpha) / special.poch(alpha, 0.5)
    return P3Params(mean=l1, cv=float(sigma / l1), cs=cs)


def empirical_exceedance(x: ArrayLike, plotting: str = "weibull") -> tuple[np.ndarray, np.ndarray]:
    """Empirical exceedance probabilities (经验频率) of a sample sorted in descending order.

    Parameters
    ----------
    x : array_like or xarray.DataArray
        1-D series without gaps [any unit].
    plotting : {"weibull", "gringorten", "hazen"}, optional
        Plotting position: ``m / (n + 1)`` (Weibull, the Chinese standard), ``(m - 0.44) /
        (n + 0.12)`` (Gringorten) or ``(m - 0.5) / n`` (Hazen), ``m = 1..n`` the descending rank.

    Returns
    -------
    values : numpy.ndarray
        ``x`` sorted in descending order [unit of ``x``].
    p : numpy.ndarray
        Exceedance probability of each sorted value [1], increasing.

    Raises
    ------
    sim.errors.InputError
        If ``x`` is not 1-D, is empty, has a gap (NaN), or ``plotting`` is unknown.

    Examples
    --------
    >>> empirical_exceedance([3.0, 1.0, 2.0])[1].tolist()
    [0.25, 0.5, 0.75]
    """
    v = _values(x)
    if v.ndim != 1 or v.size == 0:
        raise InputError(f"x must be a non-empty 1-D series, got shape {v.shape}")
    gaps = np.flatnonzero(np.isnan(v))
    if gaps.size:
        raise InputError(f"x has a gap (NaN) at position {gaps[0]}; fill or drop it first")
    n = v.size
    m = np.arange(1, n + 1, dtype=float)
    if plotting == "weibull":
        p = m / (n + 1.0)
    elif plotting == "gringorten":
        p = (m - 0.44) / (n + 0.12)
    elif plotting == "hazen":
        p = (m - 0.5) / n
    else:
        raise InputError(f"unknown plotting position {plotting!r}; valid: {', '.join(PLOTTING_POSITIONS)}")
    return np.sort(v)[::-1].copy(), p


def fit_curve(x: ArrayLike, cs_cv_ratio: float = 2.0, plotting: str = "weibull") -> P3Params:
    """Curve fitting (适线) of a P-III distribution with a fixed ``Cs / Cv`` ratio.

    Parameters
    ----------
    x : array_like or xarray.DataArray
        1-D series of positive values without gaps, n ≥ 4 [any unit].
    cs_cv_ratio : float, optional
        ``Cs / Cv`` [1]; 2 is usual for annual runoff and precipitation, 2-4 for floods.
    plotting : {"weibull", "gringorten", "hazen"}, optional
        Plotting position for the empirical exceedance, see :func:`empirical_exceedance`.

    Returns
    -------
    P3Params
        ``mean`` = sample mean [unit of ``x``], fitted ``cv`` [1], ``cs = cs_cv_ratio * cv`` [1].

    Raises
    ------
    sim.errors.InputError
        If ``x`` is invalid (see :func:`fit_moments`), ``cs_cv_ratio`` is not finite or
        ``plotting`` is unknown.

    Notes
    -----
    The mean is kept at the sample mean; ``Cv`` minimises
    ``Σ_m (x_(m) - x_P(P_m; x̄, Cv, ratio·Cv))²`` over the descending sample with
    ``P_m = m / (n + 1)`` (bounded scalar search, ``0.001 ≤ Cv ≤ 3``).
    """
    if not np.isfinite(cs_cv_ratio):
        raise InputError(f"cs_cv_ratio must be finite, got {cs_cv_ratio}")
    v = _series(x)
    xs, p = empirical_exceedance(v, plotting)
    mean = float(v.mean())
    q = 1.0 - p

    def sse(cv: float) -> float:
        fitted = stats.pearson3.ppf(q, cs_cv_ratio * cv, loc=mean, scale=cv * mean)
        return float(np.sum((xs - fitted) ** 2))

    res = optimize.minimize_scalar(sse, bounds=(1e-3, 3.0), method="bounded", options={"xatol": 1e-6})
    cv = float(res.x)
    return P3Params(mean=mean, cv=cv, cs=float(cs_cv_ratio * cv))


# --------------------------------------------------------------------------------------------
# design year


def design_year(monthly: ArrayLike, annual_design: ArrayLike) -> ArrayLike:
    """Monthly series of a design year by same-ratio scaling (同倍比缩放) of a typical year.

    Parameters
    ----------
    monthly : array_like or xarray.DataArray
        The typical year's monthly values [unit/month]: 12 values (the last numpy axis has
        length 12), or a DataArray with a ``month`` dimension of length 12.
    annual_design : float or numpy.ndarray or xarray.DataArray
        Design annual total, non-negative [unit/a], e.g. from :func:`pearson3_quantile`. With
        numpy input it broadcasts against the leading axes of ``monthly`` (an array of design
        totals gives one scaled year per total); DataArrays broadcast by dimension name.

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        ``monthly * annual_design / Σ monthly`` [unit/month]; sums to ``annual_design`` over the
        months and keeps the typical year's monthly shares.

    Raises
    ------
    sim.errors.InputError
        If there are not 12 months, the typical year's total is not positive (or NaN), or the
        design total is negative.
    """
    design = _values(annual_design)
    bad = design < 0.0
    if np.any(bad):
        raise InputError(f"annual_design must be >= 0, got {_first(design, bad):g}")
    if isinstance(monthly, xr.DataArray):
        if "month" not in monthly.dims or monthly.sizes["month"] != 12:
            raise InputError(
                f"monthly must have a 'month' dimension of length 12, got dims {dict(monthly.sizes)}"
            )
        total = monthly.sum("month", skipna=False)
    else:
        monthly = np.asarray(monthly, dtype=float)
        if monthly.ndim == 0 or monthly.shape[-1] != 12:
            raise InputError(f"monthly must have 12 values on its last axis, got shape {monthly.shape}")
        total = monthly.sum(axis=-1, keepdims=True)
        annual_design = design[..., np.newaxis]
    tv = _values(total)
    bad = ~(tv > 0.0)
    if np.any(bad):
        raise InputError(f"monthly: the typical year's total must be positive, got {_first(tv, bad):g}")
    return monthly * (annual_design / total)
