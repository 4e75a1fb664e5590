"""Net and gross irrigation requirements and irrigation-efficiency aggregation.

All depths are per unit irrigated area [mm]; multiply by area to get volumes. Functions
accept floats, numpy arrays or ``xarray.DataArray`` and are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

__all__ = [
    "IRRIGATION_TECHNOLOGIES",
    "conveyance_efficiency_from_lining",
    "effective_field_efficiency",
    "field_efficiency_from_mix",
    "gross_irrigation_requirement",
    "net_irrigation_requirement",
]

ArrayLike = float | np.ndarray | xr.DataArray

IRRIGATION_TECHNOLOGIES: tuple[str, ...] = (
    "flood",
    "furrow",
    "sprinkler",
    "drip",
    "drip_under_film",
    "shallow_buried_drip",
    "low_pressure_pipe",
)
"""Suggested keys for technology mixes (``flood`` = flood/border irrigation). Other keys are accepted."""


def _values(x: Any) -> np.ndarray:
    return np.asarray(x.values if isinstance(x, xr.DataArray) else x, dtype=float)


def _scalar_or_array(x: Any) -> Any:
    if isinstance(x, xr.DataArray):
        return x
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


def _check_efficiency(name: str, eff: Any) -> None:
    v = _values(eff)
    if np.any(~((v > 0.0) & (v <= 1.0))):
        raise ValueError(f"{name} must lie in (0, 1], got values in [{np.nanmin(v):g}, {np.nanmax(v):g}]")


def net_irrigation_requirement(
    etc_mm: ArrayLike, peff_mm: ArrayLike, soil_storage_mm: ArrayLike = 0.0
) -> ArrayLike:
    """Net irrigation requirement, ``max(0, ETc - Peff - storage)``.

    Parameters
    ----------
    etc_mm : float or numpy.ndarray or xarray.DataArray
        Crop evapotranspiration over the period [mm].
    peff_mm : float or numpy.ndarray or xarray.DataArray
        Effective precipitation over the period [mm].
    soil_storage_mm : float or numpy.ndarray or xarray.DataArray, optional
        Other contributions: soil water drawn down, capillary rise, etc. [mm].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Net irrigation requirement at the root zone [mm], non-negative.
    """
    return _scalar_or_array(np.maximum(etc_mm - peff_mm - soil_storage_mm, 0.0))


def gross_irrigation_requirement(
    net_mm: ArrayLike, conveyance_efficiency: ArrayLike, field_efficiency: ArrayLike
) -> ArrayLike:
    """Gross irrigation requirement at the source, ``net / (conveyance * field)``.

    Parameters
    ----------
    net_mm : float or numpy.ndarray or xarray.DataArray
        Net irrigation requirement [mm].
    conveyance_efficiency : float or numpy.ndarray or xarray.DataArray
        Share of water diverted that reaches the field (canal system) [1], in (0, 1].
    field_efficiency : float or numpy.ndarray or xarray.DataArray
        Share of water delivered to the field that is stored in the root zone [1], in
        (0, 1]. For a mix of technologies use :func:`effective_field_efficiency`.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Gross irrigation requirement (withdrawal depth) [mm].

    Raises
    ------
    ValueError
        If an efficiency is outside (0, 1].
    """
    _check_efficiency("conveyance_efficiency", conveyance_efficiency)
    _check_efficiency("field_efficiency", field_efficiency)
    return _scalar_or_array(net_mm / (conveyance_efficiency * field_efficiency))


def _check_mix(shares: Mapping[str, Any], efficiencies: Mapping[str, Any]) -> None:
    missing = sorted(set(shares) - set(efficiencies))
    if missing:
        raise ValueError(f"no efficiency given for technologies: {', '.join(missing)}")
    for tech, share in shares.items():
        if np.any(_values(share) < 0):
            raise ValueError(f"share of {tech!r} must be non-negative")
        _check_efficiency(f"efficiency of {tech!r}", efficiencies[tech])
    total = sum(_values(s) for s in shares.values())
    if np.any(np.abs(np.asarray(total) - 1.0) > 1e-6):
        raise ValueError(f"technology shares must sum to 1, got {np.asarray(total).tolist()}")


def field_efficiency_from_mix(
    shares: Mapping[str, ArrayLike], efficiencies: Mapping[str, ArrayLike]
) -> ArrayLike:
    """Area-weighted arithmetic mean field efficiency of an irrigation-technology mix.

    Parameters
    ----------
    shares : mapping of str to float or array
        Share of irrigated area under each technology [1]; must sum to 1 (±1e-6).
    efficiencies : mapping of str to float or array
        Field application efficiency of each technology [1], in (0, 1]; must contain
        every key of ``shares`` (extra keys are ignored).

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        ``sum_i share_i * eff_i`` [1].

    Raises
    ------
    ValueError
        If the shares do not sum to 1, a share is negative, an efficiency is missing or
        outside (0, 1].

    Notes
    -----
    This is the descriptive, area-weighted average. It is **not** the right factor to
    turn a net requirement into a gross water volume: it overestimates the efficiency
    (and so underestimates withdrawals) whenever efficiencies differ. Use
    :func:`effective_field_efficiency` for that.
    """
    _check_mix(shares, efficiencies)
    return _scalar_or_array(sum(shares[t] * efficiencies[t] for t in shares))


def effective_field_efficiency(
    shares: Mapping[str, ArrayLike], efficiencies: Mapping[str, ArrayLike]
) -> ArrayLike:
    """Volume-consistent (area-weighted harmonic mean) field efficiency of a technology mix.

    Parameters
    ----------
    shares : mapping of str to float or array
        Share of irrigated area under each technology [1]; must sum to 1 (±1e-6).
    efficiencies : mapping of str to float or array
        Field application efficiency of each technology [1], in (0, 1].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        ``1 / sum_i (share_i / eff_i)`` [1].

    Raises
    ------
    ValueError
        As :func:`field_efficiency_from_mix`.

    Notes
    -----
    With the same net requirement ``N`` [mm] on every part of the area, the water
    applied is ``sum_i share_i N / eff_i``. The single efficiency ``E`` that gives the
    same volume through ``N / E`` is therefore the harmonic mean
    ``E = 1 / sum_i (share_i / eff_i)``. It is always ≤ the arithmetic mean of
    :func:`field_efficiency_from_mix`, because volumes add up as ``1/eff`` and not as
    ``eff``. If the net requirement differs between technologies (different crops), use
    the per-technology gross volumes instead.

    Examples
    --------
    >>> round(effective_field_efficiency({"flood": 0.5, "drip": 0.5}, {"flood": 0.5, "drip": 0.9}), 4)
    0.6429
    """
    _check_mix(shares, efficiencies)
    return _scalar_or_array(1.0 / sum(shares[t] / efficiencies[t] for t in shares))


def conveyance_efficiency_from_lining(
    lined_share: ArrayLike, eff_lined: ArrayLike, eff_unlined: ArrayLike
) -> ArrayLike:
    """Canal conveyance efficiency as a linear mix by the lined share of the canal network.

    Parameters
    ----------
    lined_share : float or numpy.ndarray or xarray.DataArray
        Share of the canal network (by length carrying the flow) that is lined [1], in [0, 1].
    eff_lined : float or numpy.ndarray or xarray.DataArray
        Conveyance efficiency of a fully lined network [1], in (0, 1].
    eff_unlined : float or numpy.ndarray or xarray.DataArray
        Conveyance efficiency of a fully unlined (earthen) network [1], in (0, 1].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        ``lined_share * eff_lined + (1 - lined_share) * eff_unlined`` [1].

    Raises
    ------
    ValueError
        If ``lined_share`` is outside [0, 1] or an efficiency is outside (0, 1].

    Notes
    -----
    Seepage losses are taken as proportional to the length of canal they occur in, and
    the loss fractions are small enough that the loss of the network is the
    length-weighted sum of the losses of its lined and unlined parts, i.e. the loss
    fraction ``1 - eff`` (and therefore the efficiency) mixes linearly. This is a
    first-order approximation for one canal level; efficiencies of successive levels
    (main, branch, field canals) multiply.
    """
    s = _values(lined_share)
    if np.any(~((s >= 0.0) & (s <= 1.0))):
        raise ValueError("lined_share must lie in [0, 1]")
    _check_efficiency("eff_lined", eff_lined)
    _check_efficiency("eff_unlined", eff_unlined)
    return _scalar_or_array(lined_share * eff_lined + (1.0 - lined_share) * eff_unlined)
