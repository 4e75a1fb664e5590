"""Effective precipitation from monthly rainfall (the options of FAO CROPWAT).

Every function takes monthly precipitation [mm/month] as a float, a numpy array or an
``xarray.DataArray`` and returns effective precipitation [mm/month] of the same type
(labels and attributes of a DataArray are kept). NaN propagates; negative rainfall raises.

References
----------
Smith, M. (1992). CROPWAT: a computer program for irrigation planning and management.
FAO Irrigation and Drainage Paper 46. USDA Soil Conservation Service (1993). National
Engineering Handbook, Part 623, chapter 2.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import xarray as xr

__all__ = [
    "EFFECTIVE_RAIN_METHODS",
    "effective_rain",
    "effective_rain_fao_aglw",
    "effective_rain_fixed",
    "effective_rain_usda_scs",
]

ArrayLike = float | np.ndarray | xr.DataArray

EFFECTIVE_RAIN_METHODS: tuple[str, ...] = ("usda_scs", "fao_aglw", "fixed")
"""Names accepted by :func:`effective_rain`."""


def _apply(core: Callable[[np.ndarray], np.ndarray], p: ArrayLike) -> ArrayLike:
    values = np.asarray(p.values if isinstance(p, xr.DataArray) else p, dtype=float)
    if np.any(values < 0):
        raise ValueError(f"precipitation must be non-negative [mm/month], got min {np.nanmin(values):g}")
    if isinstance(p, xr.DataArray):
        return xr.apply_ufunc(core, p, keep_attrs=True)
    out = core(values)
    return float(out) if out.ndim == 0 else out


def _usda_scs(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.where(p <= 250.0, p * (125.0 - 0.2 * p) / 125.0, 125.0 + 0.1 * p)


def _fao_aglw(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.where(p <= 70.0, np.maximum(0.6 * p - 10.0, 0.0), 0.8 * p - 24.0)


def effective_rain_usda_scs(p_month_mm: ArrayLike) -> ArrayLike:
    """Effective rainfall by the USDA Soil Conservation Service method (CROPWAT option).

    Parameters
    ----------
    p_month_mm : float or numpy.ndarray or xarray.DataArray
        Monthly precipitation [mm/month], non-negative.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Effective precipitation [mm/month], same type as the input.

    Raises
    ------
    ValueError
        If any precipitation value is negative.

    Notes
    -----
    ``Peff = P (125 - 0.2 P) / 125`` for ``P ≤ 250`` mm, ``Peff = 125 + 0.1 P`` above
    (continuous at 250 mm → 150 mm).

    Examples
    --------
    >>> effective_rain_usda_scs(100.0)
    84.0
    """
    return _apply(_usda_scs, p_month_mm)


def effective_rain_fao_aglw(p_month_mm: ArrayLike) -> ArrayLike:
    """Dependable (80 % probability) effective rainfall, FAO/AGLW formula (CROPWAT option).

    Parameters
    ----------
    p_month_mm : float or numpy.ndarray or xarray.DataArray
        Monthly precipitation [mm/month], non-negative.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Effective precipitation [mm/month], same type as the input.

    Raises
    ------
    ValueError
        If any precipitation value is negative.

    Notes
    -----
    ``Peff = max(0, 0.6 P - 10)`` for ``P ≤ 70`` mm, ``Peff = 0.8 P - 24`` above
    (continuous at 70 mm → 32 mm).

    Examples
    --------
    >>> effective_rain_fao_aglw(100.0)
    56.0
    """
    return _apply(_fao_aglw, p_month_mm)


def effective_rain_fixed(p_month_mm: ArrayLike, fraction: float) -> ArrayLike:
    """Effective rainfall as a fixed fraction of rainfall (CROPWAT "fixed percentage").

    Parameters
    ----------
    p_month_mm : float or numpy.ndarray or xarray.DataArray
        Monthly precipitation [mm/month], non-negative.
    fraction : float
        Effective share of rainfall, in [0, 1] [1].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Effective precipitation ``fraction * P`` [mm/month], same type as the input.

    Raises
    ------
    ValueError
        If precipitation is negative or ``fraction`` is outside [0, 1].
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    return _apply(lambda p: fraction * np.asarray(p, dtype=float), p_month_mm)


def effective_rain(p: ArrayLike, method: str = "usda_scs", fraction: float = 0.8) -> ArrayLike:
    """Effective rainfall by a named method.

    Parameters
    ----------
    p : float or numpy.ndarray or xarray.DataArray
        Monthly precipitation [mm/month], non-negative.
    method : {"usda_scs", "fao_aglw", "fixed"}, optional
        Method name, see :data:`EFFECTIVE_RAIN_METHODS`.
    fraction : float, optional
        Effective share for ``method="fixed"`` [1]; ignored otherwise.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Effective precipitation [mm/month], same type as ``p``.

    Raises
    ------
    ValueError
        If ``method`` is unknown, or as raised by the chosen method.
    """
    if method == "usda_scs":
        return effective_rain_usda_scs(p)
    if method == "fao_aglw":
        return effective_rain_fao_aglw(p)
    if method == "fixed":
        return effective_rain_fixed(p, fraction)
    raise ValueError(
        f"unknown effective rain method {method!r}; valid methods: {', '.join(EFFECTIVE_RAIN_METHODS)}"
    )
