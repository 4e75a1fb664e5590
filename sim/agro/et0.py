"""Reference evapotranspiration ET0 (FAO-56) as pure, vectorised functions.

The physics is delegated to :mod:`pyet` (``pyet.pm_fao56`` and ``pyet.hargreaves``). pyet
derives the day of year from a ``DatetimeIndex`` and works on 1-D ``pandas.Series`` (or on
3-D ``(time, y, x)`` DataArrays with a matching latitude grid). To accept scalars, numpy
arrays and arbitrary ``xarray.DataArray`` shapes, every input is broadcast, flattened to one
1-D ``pandas.Series`` whose index is a synthetic date carrying the requested day of year
(reference year 2000, a leap year, so day 366 is valid), passed to pyet, and reshaped back.
Latitude, elevation and soil heat flux are passed to pyet as 1-D numpy arrays aligned with
that Series, so each element may have its own site. When sunshine hours are given, solar
radiation is computed first with ``pyet.calc_rad_sol_in`` (Angstrom, FAO-56 Eq. 35) and
passed to ``pyet.pm_fao56`` as ``rs``; this is pyet's own computation, made explicit so that
polar night (N = 0) gives Rs = 0 instead of 0/0.

References
----------
Allen, R.G., Pereira, L.S., Raes, D., Smith, M. (1998). Crop evapotranspiration. FAO
Irrigation and Drainage Paper 56 (FAO-56).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyet
import xarray as xr

__all__ = [
    "et0_hargreaves",
    "et0_penman_monteith",
    "mid_month_doy",
    "monthly_et0",
    "wind_speed_2m",
]

ArrayLike = float | np.ndarray | xr.DataArray

# Any leap year works: pyet takes the day of year from the date (``%j``) and uses 365 in its
# solar formulas, so only the day number matters. A leap year makes day 366 representable.
_REFERENCE_YEAR_START = pd.Timestamp("2000-01-01")


# ----------------------------------------------------------------------------------------
# guards and array plumbing (private)
# ----------------------------------------------------------------------------------------
def _values(x: Any) -> np.ndarray:
    return np.asarray(x.values if isinstance(x, xr.DataArray) else x, dtype=float)


def _nanmax(x: Any) -> float:
    v = _values(x)
    return float(np.nanmax(v)) if v.size and not np.all(np.isnan(v)) else np.nan


def _check_rh(name: str, rh: Any) -> None:
    if rh is None:
        return
    if _nanmax(rh) <= 1.0:
        raise ValueError(f"{name} must be in percent [%], got max {_nanmax(rh):g} (a fraction?)")
    if _nanmax(rh) > 100.0 + 1e-9 or np.nanmin(_values(rh)) < 0.0:
        raise ValueError(f"{name} must lie in [0, 100] %")


def _check_lat(lat_deg: Any) -> None:
    v = _values(lat_deg)
    if np.any(np.abs(v) > 90.0):
        raise ValueError("lat_deg must lie in [-90, 90] degrees")


def _check_temperatures(tmax: Any, tmin: Any) -> None:
    if np.any(_values(tmin) > _values(tmax)):
        raise ValueError("tmin must not exceed tmax")


def _check_doy(doy: Any) -> None:
    v = _values(doy)
    if np.any((v < 1) | (v > 366)) or np.any(v != np.round(v)):
        raise ValueError("doy must be an integer day of year in [1, 366]")


def _time_index(doy: np.ndarray) -> pd.DatetimeIndex:
    """Build dates whose day of year is ``doy`` (one per element, duplicates allowed)."""
    return pd.DatetimeIndex(_REFERENCE_YEAR_START + pd.to_timedelta(doy.astype(int) - 1, unit="D"))


def _apply(core: Callable[..., np.ndarray], inputs: dict[str, Any]) -> ArrayLike:
    """Call a numpy ``core`` on the non-None ``inputs``; keep xarray labels if any input has them."""
    names = [k for k, v in inputs.items() if v is not None]
    values = [inputs[k] for k in names]

    def call(*args: Any) -> np.ndarray:
        return core(**dict(zip(names, args, strict=True)))

    if any(isinstance(v, xr.DataArray) for v in values):
        return xr.apply_ufunc(call, *values)
    out = call(*values)
    return float(out) if out.ndim == 0 else out


def _flatten(**arrays: Any) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
    names = list(arrays)
    broadcast = np.broadcast_arrays(*[np.asarray(arrays[k], dtype=float) for k in names])
    shape = broadcast[0].shape
    return shape, {k: b.ravel() for k, b in zip(names, broadcast, strict=True)}


# ----------------------------------------------------------------------------------------
# public API
# ----------------------------------------------------------------------------------------
def wind_speed_2m(uz: ArrayLike, z: float = 10.0) -> ArrayLike:
    r"""Convert wind speed measured at height ``z`` to the 2 m standard height (FAO-56 Eq. 47).

    Parameters
    ----------
    uz : float or numpy.ndarray or xarray.DataArray
        Wind speed measured at ``z`` metres above ground [m/s].
    z : float, optional
        Measurement height above ground [m], default 10 m.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Wind speed at 2 m above ground [m/s], same type as ``uz``.

    Notes
    -----
    .. math:: u_2 = u_z \frac{4.87}{\ln(67.8 z - 5.42)}

    Examples
    --------
    >>> round(wind_speed_2m(2.78, 10.0), 3)  # FAO-56 Example 18
    2.079
    """
    if z <= 0.08:
        raise ValueError(f"z must be a height above 0.08 m, got {z}")
    u2 = uz * 4.87 / np.log(67.8 * z - 5.42)
    return float(u2) if np.ndim(u2) == 0 and not isinstance(u2, xr.DataArray) else u2


def mid_month_doy(month: ArrayLike) -> ArrayLike:
    """Day of year at the middle of a month, ``J = INT(30.4 M - 15)`` (FAO-56 Annex 2, Table 2.5 note).

    Parameters
    ----------
    month : int or numpy.ndarray
        Calendar month number 1..12 [1].

    Returns
    -------
    int or numpy.ndarray
        Day of year [1] (15, 45, 76, 106, 137, ..., 349).
    """
    m = np.asarray(month)
    if np.any((m < 1) | (m > 12)):
        raise ValueError("month must lie in 1..12")
    j = (304 * m.astype(int) - 150) // 10  # INT(30.4 M - 15) in exact integer arithmetic
    return int(j) if j.ndim == 0 else j


def _pm_core(**arrays: Any) -> np.ndarray:
    """Penman-Monteith on the given (non-None) inputs of :func:`et0_penman_monteith`."""
    shape, f = _flatten(**arrays)
    index = _time_index(f["doy"])

    def series(name: str) -> pd.Series | None:
        return pd.Series(f[name], index=index) if name in f else None

    lat_rad = np.deg2rad(f["lat_deg"])
    rs = series("rs")
    if rs is None:
        # Angstrom formula (FAO-56 Eq. 35, a_s 0.25, b_s 0.50) with pyet's Ra (Eq. 21) and N (Eq. 34).
        # This is what pyet.pm_fao56 does internally from `n`, except that in polar night
        # (N = 0, Ra = 0) pyet gets n/N = 0/0 = NaN; there Rs is 0.
        rs = pyet.calc_rad_sol_in(series("sunshine_hours"), lat_rad, as1=0.25, bs1=0.5)
        rs = rs.where(pd.Series(pyet.daylight_hours(index, lat_rad), index=index) > 0, 0.0)

    pet = pyet.pm_fao56(
        tmean=pd.Series((f["tmax"] + f["tmin"]) / 2.0, index=index),
        wind=series("u2"),
        rs=rs,
        g=f["g"],
        tmax=series("tmax"),
        tmin=series("tmin"),
        rhmax=series("rhmax"),
        rhmin=series("rhmin"),
        rh=series("rh_mean"),
        elevation=f["elevation"],
        lat=lat_rad,
        ea=series("ea"),
        clip_zero=True,
    )
    return np.asarray(pet, dtype=float).reshape(shape)


def et0_penman_monteith(
    tmax: ArrayLike,
    tmin: ArrayLike,
    lat_deg: ArrayLike,
    elevation: ArrayLike,
    doy: ArrayLike,
    *,
    rh_mean: ArrayLike | None = None,
    rhmax: ArrayLike | None = None,
    rhmin: ArrayLike | None = None,
    ea: ArrayLike | None = None,
    u2: ArrayLike | None = None,
    u10: ArrayLike | None = None,
    sunshine_hours: ArrayLike | None = None,
    rs: ArrayLike | None = None,
    g: ArrayLike = 0.0,
) -> ArrayLike:
    r"""FAO-56 Penman-Monteith grass reference evapotranspiration (FAO-56 Eq. 6), via ``pyet.pm_fao56``.

    All inputs broadcast against each other (numpy rules; xarray rules if any input is a
    ``DataArray``, in which case a ``DataArray`` is returned). Daily or monthly-mean data
    may be used; for monthly data pass the mean daily values and the mid-month ``doy``.

    Parameters
    ----------
    tmax : float or numpy.ndarray or xarray.DataArray
        Maximum air temperature (daily, or monthly mean of daily maxima) [°C].
    tmin : float or numpy.ndarray or xarray.DataArray
        Minimum air temperature [°C]. Must not exceed ``tmax``.
    lat_deg : float or numpy.ndarray or xarray.DataArray
        Site latitude, north positive [degrees], in [-90, 90].
    elevation : float or numpy.ndarray or xarray.DataArray
        Site altitude above sea level [m] (sets the atmospheric pressure, FAO-56 Eq. 7).
    doy : int or numpy.ndarray or xarray.DataArray
        Day of year ``J`` in [1, 366] [1].
    rh_mean : float or array, optional
        Mean relative humidity [%] (FAO-56 Eq. 19). Used if neither ``ea`` nor
        ``rhmax``/``rhmin`` is given.
    rhmax, rhmin : float or array, optional
        Maximum and minimum relative humidity [%] (FAO-56 Eq. 17); give both.
    ea : float or array, optional
        Actual vapour pressure [kPa]. If no humidity input at all is given, pyet assumes
        the dew point equals ``tmin`` (FAO-56 Eq. 48).
    u2 : float or array, optional
        Wind speed at 2 m [m/s].
    u10 : float or array, optional
        Wind speed at 10 m [m/s], converted with FAO-56 Eq. 47. Give ``u2`` or ``u10``.
    sunshine_hours : float or array, optional
        Actual sunshine duration ``n`` [h/day]; solar radiation then follows the Angstrom
        formula (FAO-56 Eq. 35, a_s = 0.25, b_s = 0.50) computed by pyet.
    rs : float or array, optional
        Incoming solar radiation [MJ m-2 day-1]. Give ``rs`` or ``sunshine_hours``.
    g : float or array, optional
        Soil heat flux density [MJ m-2 day-1]; 0 for daily steps, FAO-56 Eq. 43/44 for
        monthly steps.

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Reference evapotranspiration ET0 [mm/day], clipped at 0.

    Raises
    ------
    ValueError
        On RH given as a fraction, latitude outside [-90, 90], ``tmin > tmax``, a day of
        year outside [1, 366], negative wind, sunshine or radiation, or missing/ambiguous
        wind, humidity or radiation inputs.

    Notes
    -----
    .. math:: ET_0 = \frac{0.408 \Delta (R_n - G) + \gamma \frac{900}{T + 273} u_2
        (e_s - e_a)}{\Delta + \gamma (1 + 0.34 u_2)}

    ``T = (tmax + tmin) / 2`` and ``e_s`` is the mean of ``e°(tmax)`` and ``e°(tmin)``
    (FAO-56 Eq. 12); net longwave radiation uses the clear-sky radiation of Eq. 37.

    Examples
    --------
    FAO-56 Example 17 (Bangkok, April, monthly):

    >>> round(et0_penman_monteith(34.8, 25.6, 13.73, 2, 105, ea=2.85, u2=2.0,
    ...                           sunshine_hours=8.5, g=0.14), 2)
    5.72
    """
    if (u2 is None) == (u10 is None):
        raise ValueError("give exactly one of u2 or u10 (wind speed [m/s])")
    if (rs is None) == (sunshine_hours is None):
        raise ValueError("give exactly one of rs [MJ m-2 day-1] or sunshine_hours [h]")
    if (rhmax is None) != (rhmin is None):
        raise ValueError("rhmax and rhmin must be given together")
    n_humidity = (ea is not None) + (rhmax is not None) + (rh_mean is not None)
    if n_humidity > 1:
        raise ValueError("give only one humidity input: ea, rhmax+rhmin, or rh_mean")
    for name, value in (("sunshine_hours", sunshine_hours), ("rs", rs), ("u2", u2), ("u10", u10)):
        if value is not None and np.any(_values(value) < 0):
            raise ValueError(f"{name} must be non-negative")
    _check_rh("rh_mean", rh_mean)
    _check_rh("rhmax", rhmax)
    _check_rh("rhmin", rhmin)
    _check_lat(lat_deg)
    _check_temperatures(tmax, tmin)
    _check_doy(doy)
    if u10 is not None:
        u2 = wind_speed_2m(u10, 10.0)
    return _apply(
        _pm_core,
        {
            "tmax": tmax,
            "tmin": tmin,
            "lat_deg": lat_deg,
            "elevation": elevation,
            "doy": doy,
            "u2": u2,
            "g": g,
            "ea": ea,
            "rhmax": rhmax,
            "rhmin": rhmin,
            "rh_mean": rh_mean,
            "sunshine_hours": sunshine_hours,
            "rs": rs,
        },
    )


def _hargreaves_core(tmax: Any, tmin: Any, lat_deg: Any, doy: Any) -> np.ndarray:
    shape, f = _flatten(tmax=tmax, tmin=tmin, lat_deg=lat_deg, doy=doy)
    index = _time_index(f["doy"])
    pet = pyet.hargreaves(
        tmean=pd.Series((f["tmax"] + f["tmin"]) / 2.0, index=index),
        tmax=pd.Series(f["tmax"], index=index),
        tmin=pd.Series(f["tmin"], index=index),
        lat=np.deg2rad(f["lat_deg"]),
        method=0,
        clip_zero=True,
    )
    return np.asarray(pet, dtype=float).reshape(shape)


def et0_hargreaves(tmax: ArrayLike, tmin: ArrayLike, lat_deg: ArrayLike, doy: ArrayLike) -> ArrayLike:
    r"""Hargreaves reference evapotranspiration (FAO-56 Eq. 52), via ``pyet.hargreaves``.

    For units where only air temperature is available. Inputs broadcast like
    :func:`et0_penman_monteith`.

    Parameters
    ----------
    tmax : float or numpy.ndarray or xarray.DataArray
        Maximum air temperature [°C].
    tmin : float or numpy.ndarray or xarray.DataArray
        Minimum air temperature [°C]. Must not exceed ``tmax``.
    lat_deg : float or numpy.ndarray or xarray.DataArray
        Site latitude [degrees], in [-90, 90].
    doy : int or numpy.ndarray or xarray.DataArray
        Day of year in [1, 366] [1].

    Returns
    -------
    float or numpy.ndarray or xarray.DataArray
        Reference evapotranspiration ET0 [mm/day], clipped at 0.

    Raises
    ------
    ValueError
        On latitude outside [-90, 90], ``tmin > tmax`` or an invalid day of year.

    Notes
    -----
    .. math:: ET_0 = 0.0023 (T_{mean} + 17.8) (T_{max} - T_{min})^{0.5} R_a / \lambda

    with ``R_a`` the extraterrestrial radiation [MJ m-2 day-1] (FAO-56 Eq. 21) and, as in
    pyet, the temperature-dependent latent heat ``λ = 2.501 - 0.002361 T`` [MJ kg-1]
    (FAO-56 Annex 3, Eq. 3-1) instead of FAO's rounded ``1/λ = 0.408`` (λ = 2.45). The two
    agree near 20 °C and differ by up to about 2 % at 0 °C and at 40 °C (pyet giving
    less ET0 in the cold and more in the heat).
    """
    _check_lat(lat_deg)
    _check_temperatures(tmax, tmin)
    _check_doy(doy)
    return _apply(_hargreaves_core, {"tmax": tmax, "tmin": tmin, "lat_deg": lat_deg, "doy": doy})


def _to_month_last(x: Any, name: str) -> Any:
    if x is None:
        return None
    if isinstance(x, xr.DataArray):
        if "month" not in x.dims or x.sizes["month"] != 12:
            raise ValueError(f"{name} must have a 'month' dimension of length 12")
        return x
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0 or arr.shape[-1] != 12:
        raise ValueError(f"{name} must have 12 monthly values on its last axis, got shape {arr.shape}")
    return arr


def _monthly_core(
    tmax: np.ndarray,
    tmin: np.ndarray,
    lat_deg: np.ndarray,
    elevation: np.ndarray,
    rh_mean: np.ndarray | None,
    ea: np.ndarray | None,
    u2: np.ndarray | None,
    sunshine_hours: np.ndarray | None,
    year: int,
) -> np.ndarray:
    doy = np.asarray(mid_month_doy(np.arange(1, 13)))
    days = np.array([calendar.monthrange(year, m)[1] for m in range(1, 13)], dtype=float)
    lat = np.asarray(lat_deg, dtype=float)[..., np.newaxis]
    elev = np.asarray(elevation, dtype=float)[..., np.newaxis]
    humidity = rh_mean if rh_mean is not None else ea
    if humidity is not None and u2 is not None and sunshine_hours is not None:
        tmean = (tmax + tmin) / 2.0
        # FAO-56 Eq. 43 with a cyclic (climatological) year: G_i = 0.07 (T_{i+1} - T_{i-1})
        g = 0.07 * (np.roll(tmean, -1, axis=-1) - np.roll(tmean, 1, axis=-1))
        per_day = et0_penman_monteith(
            tmax, tmin, lat, elev, doy, rh_mean=rh_mean, ea=ea, u2=u2, sunshine_hours=sunshine_hours, g=g
        )
    else:
        per_day = et0_hargreaves(tmax, tmin, lat, doy)
    return np.asarray(per_day) * days


def monthly_et0(
    tmax: ArrayLike,
    tmin: ArrayLike,
    lat_deg: ArrayLike,
    elevation: ArrayLike = 0.0,
    *,
    rh_mean: ArrayLike | None = None,
    ea: ArrayLike | None = None,
    u2: ArrayLike | None = None,
    sunshine_hours: ArrayLike | None = None,
    year: int = 2022,
) -> ArrayLike:
    """Monthly ET0 totals from 12 monthly climate means.

    Method selection: **Penman-Monteith** (:func:`et0_penman_monteith`) when humidity
    (``rh_mean`` or ``ea``), wind ``u2`` and ``sunshine_hours`` are all given;
    **Hargreaves** (:func:`et0_hargreaves`, temperature only) otherwise, i.e. any missing
    one of the three switches the whole series to Hargreaves.

    Parameters
    ----------
    tmax : array_like or xarray.DataArray
        Monthly mean daily maximum temperature, 12 values on the last axis (or along a
        ``month`` dimension for a DataArray) [°C].
    tmin : array_like or xarray.DataArray
        Monthly mean daily minimum temperature, same layout [°C].
    lat_deg : float or array_like or xarray.DataArray
        Latitude [degrees]; broadcasts against the leading (non-month) axes.
    elevation : float or array_like or xarray.DataArray, optional
        Altitude [m]; broadcasts like ``lat_deg`` (only used by Penman-Monteith).
    rh_mean : array_like, optional
        Monthly mean relative humidity, 12 values [%].
    ea : array_like, optional
        Monthly mean actual vapour pressure, 12 values [kPa] (alternative to ``rh_mean``).
    u2 : array_like, optional
        Monthly mean wind speed at 2 m, 12 values [m/s].
    sunshine_hours : array_like, optional
        Monthly mean daily sunshine duration, 12 values [h/day].
    year : int, optional
        Calendar year used for the number of days per month (leap years give 29 days in
        February) [1].

    Returns
    -------
    numpy.ndarray or xarray.DataArray
        Monthly ET0 totals [mm/month], 12 values on the last axis / ``month`` dimension.

    Notes
    -----
    The daily rate is evaluated at the mid-month day ``J = INT(30.4 M - 15)`` and
    multiplied by the days in the month. With Penman-Monteith the monthly soil heat flux
    is FAO-56 Eq. 43, ``G_i = 0.07 (T_{i+1} - T_{i-1})`` [MJ m-2 day-1], with the 12
    months treated as a cyclic climatological year (December precedes January) and
    ``T = (tmax + tmin) / 2``.
    """
    if rh_mean is not None and ea is not None:
        raise ValueError("give only one of rh_mean [%] or ea [kPa]")
    monthly = {
        "tmax": tmax,
        "tmin": tmin,
        "rh_mean": rh_mean,
        "ea": ea,
        "u2": u2,
        "sunshine_hours": sunshine_hours,
    }
    monthly = {k: _to_month_last(v, k) for k, v in monthly.items()}
    _check_rh("rh_mean", monthly["rh_mean"])
    _check_lat(lat_deg)
    _check_temperatures(monthly["tmax"], monthly["tmin"])

    names = [k for k, v in monthly.items() if v is not None]
    site = {"lat_deg": lat_deg, "elevation": elevation}
    all_inputs = [monthly[k] for k in names] + list(site.values())

    def call(*args: Any) -> np.ndarray:
        kw = dict(zip(names + list(site), args, strict=True))
        kw = {k: kw.get(k) for k in [*monthly, *site]}
        return _monthly_core(**kw, year=year)

    if any(isinstance(v, xr.DataArray) for v in all_inputs):
        return xr.apply_ufunc(
            call,
            *all_inputs,
            input_core_dims=[["month"]] * len(names) + [[]] * len(site),
            output_core_dims=[["month"]],
        )
    return call(*all_inputs)
