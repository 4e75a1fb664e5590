"""Farmland irrigation requirement by crop (FAO-56 crop water requirement), see ``docs/demand.md``.

For unit *u*, crop *c* and calendar month *m* (a 365-day climatological year):

* ``ET0[m, u]`` [mm/month] from the unit's monthly climate by :func:`sim.agro.monthly_et0`:
  FAO-56 Penman-Monteith where ``climate_rh``, ``climate_wind`` and ``climate_sunshine`` are
  all given for the unit, Hargreaves (FAO-56 Eq. 52) where any of them is absent or all-NaN;
* ``Kc[c, m]`` [1]: the FAO-56 Kc curve of the crop averaged over all days of the month,
  days without crop counting 0 (:func:`sim.agro.monthly_kc`), so ``ETc = Kc · ET0`` is the
  crop ET of the month [mm/month];
* ``Peff[c, m, u] = Peff(P[m, u]) · days_with_crop[c, m] / days[m]`` [mm/month] by the
  configured method (:func:`sim.agro.effective_rain`), counted over the crop's days in the
  field only (as CROPWAT does for part months);
* ``need = max(0, ETc − Peff)``; the season's ``soil_storage`` [mm] is spread over the
  crop's months in proportion to ``need``, so ``net = need · max(0, 1 − S / Σ_m need)``,
  times ``(1 + over_irrigation)`` [mm/month] (``over_irrigation > −1``; it may be negative
  where a water-saving measure removes over-use that a calibrated pack holds implicitly in
  its efficiencies and soil storage);
* ``gross = net / (conveyance · field)`` with ``field = 1 / Σ_k share_k / eff_k`` and
  ``conveyance = lined · conveyance_lined + (1 − lined) · conveyance_unlined``;
* ``requirement = Σ_c gross · area_c · (1 + area_growth)^(y − base_year)`` plus the yearly
  ``leaching_depth · leaching_area`` (gross, at the source; the leaching area grows with
  ``area_growth`` too) spread over the months of option ``leaching_months`` in proportion
  to their days.

Monthly amounts go to time steps in proportion ``days_in_step / days_in_month``, so daily
runs spread each month evenly over its days. 1 mm over 1 ha = 10 m3 = 1e-5 hm3.

Inputs besides :data:`DRIVERS`: the crop parameters of ``crops.csv``
(:data:`CROP_PARAMETERS`, dim ``crop``) and the climate (:data:`CLIMATE`, dims
``month, unit``; ``climate_latitude`` and ``climate_elevation`` dim ``unit``). Climate is
only needed (and checked) for units with irrigated crop area.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from sim.agro import (
    EFFECTIVE_RAIN_METHODS,
    IRRIGATION_TECHNOLOGIES,
    conveyance_efficiency_from_lining,
    effective_field_efficiency,
    effective_rain,
    monthly_crop_days,
    monthly_et0,
    monthly_kc,
)
from sim.demand._memo import ContentMemo
from sim.demand.base import (
    DriverSpec,
    check,
    days_of_months,
    driver,
    get_base_year,
    growth_factor,
    locate,
    option_months,
)
from sim.errors import InputError

__all__ = [
    "CLIMATE",
    "CROP_PARAMETERS",
    "DRIVERS",
    "TECHNOLOGIES",
    "crop_calendar",
    "efficiencies",
    "reference_et",
    "requirement",
]

MODEL = "irrigation"

TECHNOLOGIES: tuple[str, ...] = IRRIGATION_TECHNOLOGIES
"""Irrigation technologies with a ``share_<technology>`` and ``efficiency_<technology>`` driver."""

# Field application efficiencies [1]: FAO Irrigation Water Management Training Manual 4
# (Brouwer & Heibloem 1986, "Irrigation water needs", ch. 4): surface 60 %, sprinkler 75 %,
# drip 90 %. Low-pressure pipe (低压管灌) applies water on the surface like border irrigation;
# its saving is in conveyance, which this default does not credit.
_FIELD_EFFICIENCY: dict[str, float] = {
    "flood": 0.60,
    "furrow": 0.60,
    "sprinkler": 0.75,
    "drip": 0.90,
    "drip_under_film": 0.90,
    "shallow_buried_drip": 0.90,
    "low_pressure_pipe": 0.60,
}

#: The driver variables read from ``drivers.csv``: name -> DriverSpec.
DRIVERS: dict[str, DriverSpec] = {
    "irrigated_area": DriverSpec("crop", "ha", 0.0, "irrigated area of the crop in the unit"),
    **{
        f"share_{t}": DriverSpec(
            MODEL, "1", 1.0 if t == "flood" else 0.0, f"share of irrigated area under {t} irrigation"
        )
        for t in TECHNOLOGIES
    },
    **{
        f"efficiency_{t}": DriverSpec(
            MODEL,
            "1",
            _FIELD_EFFICIENCY.get(t, np.nan),
            f"field application efficiency of {t} irrigation (default FAO training manual 4)",
        )
        for t in TECHNOLOGIES
    },
    "lined_share": DriverSpec(MODEL, "1", 0.0, "share of the canal network that is lined"),
    "conveyance_lined": DriverSpec(
        MODEL, "1", 0.95, "canal-system efficiency when lined (default FAO training manual 4)"
    ),
    "conveyance_unlined": DriverSpec(
        MODEL, "1", 0.70, "canal-system efficiency when unlined, earthen (default FAO training manual 4)"
    ),
    "soil_storage": DriverSpec(
        MODEL, "mm", 0.0, "soil-water contribution per season, spread over the crop's months by net need"
    ),
    "over_irrigation": DriverSpec(
        MODEL,
        "1",
        0.0,
        "share applied beyond the net requirement (> -1; negative where a measure removes over-use "
        "that the calibrated quotas hold implicitly)",
    ),
    "leaching_area": DriverSpec(MODEL, "ha", 0.0, "area given a salt-leaching (autumn) irrigation"),
    "leaching_depth": DriverSpec(MODEL, "mm", 0.0, "gross leaching depth per year over the leaching area"),
    "area_growth": DriverSpec(MODEL, "1/a", 0.0, "annual growth of irrigated (and leaching) areas"),
    "et0_factor": DriverSpec(
        MODEL,
        "1",
        1.0,
        "multiplier on the reference ET of the climate (a design year or climate delta sets it)",
    ),
    "loss_consumed_share": DriverSpec(
        MODEL,
        "1",
        np.nan,
        "share of conveyance and field losses that is consumed (evaporation, non-beneficial ET); "
        "optional: where given, the model sets the sector's consumption fraction",
        optional=True,
    ),
}

#: Crop parameters from ``crops.csv`` (dim ``crop``): Kc [1], stage lengths [d], planting day of year.
CROP_PARAMETERS: tuple[str, ...] = (
    "kc_ini",
    "kc_mid",
    "kc_end",
    "l_ini",
    "l_dev",
    "l_mid",
    "l_late",
    "planting_doy",
)

#: Climate read from the drivers: name -> (required, units). Monthly fields have dims (month, unit).
CLIMATE: dict[str, tuple[bool, str]] = {
    "climate_precipitation": (True, "mm/month"),
    "climate_tmax": (True, "degC"),
    "climate_tmin": (True, "degC"),
    "climate_rh": (False, "%"),
    "climate_wind": (False, "m/s"),
    "climate_sunshine": (False, "h/d"),
    "climate_latitude": (True, "degree"),
    "climate_elevation": (False, "m"),
}

_PM_FIELDS = ("climate_rh", "climate_wind", "climate_sunshine")

#: The drivers read by :func:`efficiencies` and :func:`reference_et`.
_EFFICIENCY_DRIVERS = (
    *(f"{kind}_{t}" for kind in ("share", "efficiency") for t in TECHNOLOGIES),
    "lined_share",
    "conveyance_lined",
    "conveyance_unlined",
)
_ET0_DRIVERS = tuple(name for name in CLIMATE if name != "climate_precipitation")

#: The parts of the model that do not depend on the hydrology's samples (crop calendar,
#: reference ET, efficiencies), kept by the content of the drivers they read, so that the
#: chunks of an ensemble compute them once (sim.demand._memo).
_MEMO = ContentMemo(size=16)
_YEAR = 2001  # any non-leap year: the climate is a 365-day climatology
_MONTHS = np.arange(1, 13)
_MONTH_DAYS = np.array([calendar.monthrange(_YEAR, m)[1] for m in _MONTHS], dtype=float)
_MM_HA_TO_HM3 = 1e-5  # 1 mm over 1 ha = 10 m3 = 1e-5 hm3


# ----------------------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------
# pieces of the model
# ----------------------------------------------------------------------------------------
def crop_calendar(drivers: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """Monthly mean Kc and days in the field of every crop (365-day year).

    Parameters
    ----------
    drivers : xarray.Dataset
        Holds the :data:`CROP_PARAMETERS` along dim ``crop``: ``kc_ini``, ``kc_mid``,
        ``kc_end`` [1], ``l_ini``, ``l_dev``, ``l_mid``, ``l_late`` [d] and
        ``planting_doy`` [1] (day of year 1..365).

    Returns
    -------
    kc : xarray.DataArray
        ``kc(crop, month)``: mean Kc over all days of the month, 0 on days without crop [1].
    days : xarray.DataArray
        ``days(crop, month)``: days of the month with the crop in the field [d].

    Raises
    ------
    InputError
        If a crop parameter is missing or NaN, a Kc is negative, the stage lengths are
        negative or longer than 365 days together, or the planting day is not a day 1..365;
        the message names the crop.
    """
    crops = drivers["crop"].values
    missing = [p for p in CROP_PARAMETERS if p not in drivers]
    if missing:
        raise InputError(f"{MODEL}: crop parameters missing from the drivers: {', '.join(missing)}")
    kc = np.zeros((crops.size, 12))
    days = np.zeros((crops.size, 12))
    for i, crop in enumerate(crops):
        p = {name: float(drivers[name].sel(crop=crop)) for name in CROP_PARAMETERS}
        nan = [name for name, v in p.items() if np.isnan(v)]
        if nan:
            raise InputError(f"{MODEL}: crop '{crop}' has no value for {', '.join(nan)} (Kc/stage data)")
        stages = [p["l_ini"], p["l_dev"], p["l_mid"], p["l_late"]]
        if min(stages) < 0 or sum(stages) > 365:
            raise InputError(
                f"{MODEL}: stage lengths of crop '{crop}' ({'/'.join(f'{s:g}' for s in stages)} d, "
                f"total {sum(stages):g}) must be non-negative and fit in 365 days"
            )
        if min(p["kc_ini"], p["kc_mid"], p["kc_end"]) < 0:
            raise InputError(f"{MODEL}: crop '{crop}' has a negative Kc")
        doy = p["planting_doy"]
        if doy != int(doy) or not 1 <= doy <= 365:
            raise InputError(
                f"{MODEL}: planting day of crop '{crop}' must be a day of year 1..365, got {doy:g}"
            )
        kc[i] = monthly_kc(int(doy), stages, p["kc_ini"], p["kc_mid"], p["kc_end"], year=_YEAR)
        days[i] = monthly_crop_days(int(doy), stages, year=_YEAR)
    coords = {"crop": crops, "month": _MONTHS}
    return (
        xr.DataArray(kc, coords=coords, dims=("crop", "month"), attrs={"units": "1"}),
        xr.DataArray(days, coords=coords, dims=("crop", "month"), attrs={"units": "d"}),
    )


def _climate(drivers: xr.Dataset, name: str, units: Sequence) -> xr.DataArray:
    if name not in drivers:
        raise InputError(f"{MODEL}: climate '{name.removeprefix('climate_')}' is missing from the drivers")
    da = drivers[name].sel(unit=units).astype(float)
    if "month" not in da.dims:
        return da
    try:
        da = da.sel(month=_MONTHS)
    except KeyError as err:
        raise InputError(
            f"{MODEL}: climate '{name.removeprefix('climate_')}' must cover months 1..12"
        ) from err
    return da.transpose(..., "month", "unit")


def reference_et(drivers: xr.Dataset, units: Sequence) -> xr.DataArray:
    """Monthly reference evapotranspiration of the given units.

    Parameters
    ----------
    drivers : xarray.Dataset
        Climate: ``climate_tmax``, ``climate_tmin`` [°C] (month, unit), optional
        ``climate_rh`` [%], ``climate_wind`` [m/s at 2 m], ``climate_sunshine`` [h/d]
        (month, unit), ``climate_latitude`` [degree] and ``climate_elevation`` [m] (unit).
    units : sequence
        Unit ids to compute.

    Returns
    -------
    xarray.DataArray
        ``et0(month, unit)`` [mm/month]: Penman-Monteith for units where rh, wind and
        sunshine are all given for the 12 months, Hargreaves for the others.

    Raises
    ------
    InputError
        If tmax/tmin/latitude have gaps (NaN), tmin exceeds tmax, an optional series is
        given for only some months, or elevation is missing for a Penman-Monteith unit.
    """
    units = list(units)
    tmax = _climate(drivers, "climate_tmax", units)
    tmin = _climate(drivers, "climate_tmin", units)
    lat = _climate(drivers, "climate_latitude", units)
    for name, da in (("tmax", tmax), ("tmin", tmin), ("latitude", lat)):
        if da.isnull().any():
            where, _ = locate(da, da.isnull().values)
            raise InputError(
                f"{MODEL}: climate '{name}' of {where} is missing: "
                "the model cannot run on a climate series with gaps"
            )
    if (tmin > tmax).any():
        where, _ = locate(tmin, (tmin > tmax).values)
        raise InputError(f"{MODEL}: climate 'tmin' exceeds 'tmax' for {where}")

    pm = np.ones(len(units), dtype=bool)
    for name in _PM_FIELDS:
        if name not in drivers:
            pm[:] = False
            continue
        given = _climate(drivers, name, units).notnull().values
        partial = given.any(axis=0) & ~given.all(axis=0)
        if partial.any():
            unit = units[int(np.argmax(partial))]
            raise InputError(
                f"{MODEL}: climate '{name.removeprefix('climate_')}' of unit '{unit}' has gaps: "
                "give all 12 months (Penman-Monteith) or none (Hargreaves)"
            )
        pm &= given.all(axis=0)

    parts = []
    if (~pm).any():
        sel = [u for u, p in zip(units, pm, strict=True) if not p]
        parts.append(monthly_et0(tmax.sel(unit=sel), tmin.sel(unit=sel), lat.sel(unit=sel), year=_YEAR))
    if pm.any():
        sel = [u for u, p in zip(units, pm, strict=True) if p]
        elev = _climate(drivers, "climate_elevation", units).sel(unit=sel)
        if elev.isnull().any():
            where, _ = locate(elev, elev.isnull().values)
            raise InputError(
                f"{MODEL}: climate 'elevation' of {where} is missing (needed by Penman-Monteith)"
            )
        parts.append(
            monthly_et0(
                tmax.sel(unit=sel),
                tmin.sel(unit=sel),
                lat.sel(unit=sel),
                elev,
                rh_mean=_climate(drivers, "climate_rh", sel),
                u2=_climate(drivers, "climate_wind", sel),
                sunshine_hours=_climate(drivers, "climate_sunshine", sel),
                year=_YEAR,
            )
        )
    et0 = xr.concat(parts, dim="unit").reindex(unit=units).transpose("month", "unit")
    return et0.assign_coords(month=_MONTHS).assign_attrs(units="mm/month", long_name="reference ET0")


def _effective_rain(drivers: xr.Dataset, units: Sequence, options: Mapping) -> xr.DataArray:
    method = options.get("effective_rain", "usda_scs")
    if method not in EFFECTIVE_RAIN_METHODS:
        raise InputError(
            f"{MODEL} option 'effective_rain': expected one of {', '.join(EFFECTIVE_RAIN_METHODS)}, "
            f"got {method!r}"
        )
    fraction = float(options.get("effective_rain_fraction", 0.8))
    if not 0.0 <= fraction <= 1.0:
        raise InputError(f"{MODEL} option 'effective_rain_fraction' must lie in [0, 1], got {fraction:g}")
    p = _climate(drivers, "climate_precipitation", list(units))
    if p.isnull().any():
        where, _ = locate(p, p.isnull().values)
        raise InputError(
            f"{MODEL}: climate 'precipitation' of {where} is missing: "
            "the model cannot run on a climate series with gaps"
        )
    if (p < 0).any():
        where, value = locate(p, (p < 0).values)
        raise InputError(f"{MODEL}: climate 'precipitation' of {where} is negative, got {value:g}")
    return effective_rain(p, method, fraction).assign_coords(month=_MONTHS)


def efficiencies(drivers: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """Conveyance and field efficiency of every unit.

    Parameters
    ----------
    drivers : xarray.Dataset
        ``share_<tech>``, ``efficiency_<tech>``, ``lined_share``, ``conveyance_lined``,
        ``conveyance_unlined`` [1] over dim ``unit`` (absent ones take their default).

    Returns
    -------
    conveyance : xarray.DataArray
        ``lined_share · conveyance_lined + (1 − lined_share) · conveyance_unlined`` [1].
    field : xarray.DataArray
        Volume-consistent field efficiency ``1 / Σ_k share_k / efficiency_k`` [1].

    Raises
    ------
    InputError
        If a share is outside [0, 1], the shares of a unit do not add up to 1 ± 1e-6, an
        efficiency is outside (0, 1] (a NaN efficiency is allowed where its share is 0).
    """
    shares = {t: driver(MODEL, DRIVERS, drivers, f"share_{t}") for t in TECHNOLOGIES}
    total = sum(shares.values())
    for t, s in shares.items():
        check(MODEL, s, f"share_{t}", (s < 0) | (s > 1), "must lie in [0, 1]")
    if (abs(total - 1.0) > 1e-6).any():
        where, value = locate(total, (abs(total - 1.0) > 1e-6).values)
        raise InputError(f"{MODEL}: technology shares of {where} add up to {value:.6g}, not 1")
    effs = {}
    for t in TECHNOLOGIES:
        name = f"efficiency_{t}"
        eff = drivers[name].astype(float) if name in drivers else driver(MODEL, DRIVERS, drivers, name)
        used = shares[t] > 0
        check(MODEL, eff, name, used & eff.isnull(), "is missing (NaN) where its share is above 0")
        check(MODEL, eff, name, eff.notnull() & ((eff <= 0) | (eff > 1)), "must lie in (0, 1]")
        effs[t] = eff.where(used, 1.0)
    field = effective_field_efficiency(shares, effs)

    lined = driver(MODEL, DRIVERS, drivers, "lined_share")
    check(MODEL, lined, "lined_share", (lined < 0) | (lined > 1), "must lie in [0, 1]")
    conv = {}
    for name in ("conveyance_lined", "conveyance_unlined"):
        conv[name] = driver(MODEL, DRIVERS, drivers, name)
        check(MODEL, conv[name], name, (conv[name] <= 0) | (conv[name] > 1), "must lie in (0, 1]")
    conveyance = conveyance_efficiency_from_lining(
        lined, conv["conveyance_lined"], conv["conveyance_unlined"]
    )
    return conveyance, field


def _keep(soil: xr.DataArray, season: xr.DataArray) -> xr.DataArray:
    """Share of the season's need left after the soil storage [1] (0 where there is no need)."""
    return (1.0 - soil / season.where(season > 0)).clip(min=0.0).fillna(0.0)


def _sum_over_crops(*factors: xr.DataArray) -> xr.DataArray:
    """Product of ``factors`` summed over ``crop`` [product of their units].

    The factors that vary by crop go into one einsum, so their product over ``crop`` is
    never built as an array.
    """
    total = xr.dot(*[f for f in factors if "crop" in f.dims], dim="crop")
    for f in factors:
        if "crop" not in f.dims:
            total = total * f
    return total


# ----------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------
def requirement(drivers: xr.Dataset, axis: xr.Dataset, options: Mapping) -> xr.Dataset:
    """Farmland irrigation requirement at the source (gross diversion) of every unit.

    Parameters
    ----------
    drivers : xarray.Dataset
        The :data:`DRIVERS` (dim ``unit``, ``irrigated_area`` dims ``crop, unit`` [ha]), the
        :data:`CROP_PARAMETERS` (dim ``crop``) and the :data:`CLIMATE` (dims ``month, unit``;
        latitude and elevation dim ``unit``), in canonical units.
    axis : xarray.Dataset
        Time axis from :func:`sim.timeaxis.make_time_axis`.
    options : Mapping
        ``effective_rain`` ("usda_scs" | "fao_aglw" | "fixed", default "usda_scs"),
        ``effective_rain_fraction`` [1] (for "fixed", default 0.8), ``leaching_months``
        (month numbers, default [10, 11]) and ``base_year`` (the pack's base year).

    Returns
    -------
    xarray.Dataset
        ``requirement(time, unit)`` [hm3 per step]: gross irrigation plus leaching;
        ``irrigation_net(time, unit)`` [hm3 per step]: water reaching the root zone,
        ``requirement · effective_use_coefficient``;
        ``irrigated_area(time, unit)`` [ha]: grown crop area;
        ``effective_use_coefficient(unit)`` [1]: conveyance × field efficiency
        (灌溉水有效利用系数);
        ``et0(month, unit)`` [mm/month]: reference ET (NaN for units without crop area).

    Raises
    ------
    InputError
        (a ``ValueError``) on missing or invalid drivers (e.g. a negative area, soil
        storage or leaching driver, or ``over_irrigation <= -1``), crop data, climate or
        options; the message names the variable and the unit or crop.
    """
    base_year = get_base_year(MODEL, options)
    leaching_months = option_months(MODEL, options, "leaching_months", [10, 11])
    units = drivers["unit"].values

    area = driver(MODEL, DRIVERS, drivers, "irrigated_area")
    check(MODEL, area, "irrigated_area", area < 0, "is negative")
    scalars = {
        name: driver(MODEL, DRIVERS, drivers, name)
        for name in ("soil_storage", "over_irrigation", "leaching_area", "leaching_depth")
    }
    for name, da in scalars.items():
        if name == "over_irrigation":
            # negative: a measure removed over-use that the calibrated quotas hold implicitly
            check(MODEL, da, name, da <= -1, "must be above -1")
        else:
            check(MODEL, da, name, da < 0, "is negative")
    conveyance, field = _MEMO.get(efficiencies, drivers, _EFFICIENCY_DRIVERS, label_dims=("unit",))
    euc = conveyance * field

    # crop water need per calendar month, before soil storage [mm/month per crop]
    kc, crop_days = _MEMO.get(crop_calendar, drivers, CROP_PARAMETERS, label_dims=("crop",))
    other_dims = [d for d in area.dims if d not in ("crop", "unit")]
    grown = (area.max(other_dims) if other_dims else area).sum("crop")  # largest area, by unit [ha]
    active = [u for u, a in zip(units, grown.sel(unit=units).values, strict=True) if a > 0]
    et0 = xr.DataArray(np.full((12, units.size), np.nan), coords={"month": _MONTHS, "unit": units})
    need = xr.DataArray(
        np.zeros((kc.sizes["crop"], 12, units.size)),
        coords={"crop": kc.crop, "month": _MONTHS, "unit": units},
    )
    if active:
        # precipitation and the ET0 factor may vary along batch dims (design years, samples)
        factor = driver(MODEL, DRIVERS, drivers, "et0_factor").sel(unit=active)
        check(MODEL, factor, "et0_factor", factor < 0, "is negative")
        et0_active = (
            _MEMO.get(reference_et, drivers, _ET0_DRIVERS, tuple(active), label_dims=("unit", "month"))
            * factor
        )
        peff = _effective_rain(drivers, active, options)
        month_days = xr.DataArray(_MONTH_DAYS, coords={"month": _MONTHS})
        need_active = kc * et0_active  # ETc, then less the effective rain in place
        rain = peff * (crop_days / month_days)
        if set(rain.dims) <= set(need_active.dims):
            need_active -= rain
        else:
            need_active = need_active - rain
        np.maximum(need_active.data, 0.0, out=need_active.data)
        et0 = et0_active.reindex(unit=units).transpose(..., "month", "unit")
        need = need_active.reindex(unit=units, fill_value=0.0).transpose(..., "crop", "month", "unit")
    season = need.sum("month")

    # to time steps: soil storage, over-irrigation, efficiencies and areas may vary along
    # time (a measure ramping up) and along batch dimensions such as ``scenario``
    dy = axis["year"] - base_year
    growth = growth_factor(MODEL, driver(MODEL, DRIVERS, drivers, "area_growth"), "area_growth", dy)
    frac = axis["days_in_step"] / axis["days_in_month"]
    month = axis["month"]
    soil = scalars["soil_storage"]
    over = 1.0 + scalars["over_irrigation"]
    # the calendar (year and month) of each time step
    steps = {"month": month, **({"year": axis["year"]} if "year" in need.dims else {})}
    if not any("time" in f.dims for f in (soil, over, area)):
        # the sum over crops below is taken per calendar month (and year), then spread to
        # the time steps: the crop dim never meets the time axis
        keep = _keep(soil, season)
        crop_net = _sum_over_crops(need, keep, over, area).sel(steps).drop_vars(list(steps))
    else:  # a measure ramps soil storage, over-irrigation or areas up over time
        need_t = need.sel(steps).drop_vars(list(steps))
        if "year" in season.dims and "time" in soil.dims:
            season = season.sel(year=axis["year"]).drop_vars("year")
        keep = _keep(soil, season)
        if "year" in keep.dims:
            keep = keep.sel(year=axis["year"]).drop_vars("year")
        crop_net = _sum_over_crops(need_t, keep, over, area)
    crop_net = crop_net * _MM_HA_TO_HM3 * growth * frac
    crop_req = crop_net / euc

    leach_year = scalars["leaching_depth"] * scalars["leaching_area"] * _MM_HA_TO_HM3  # [hm3/a]
    in_leaching = xr.DataArray(np.isin(month.values, leaching_months), coords={"time": axis["time"]})
    leach_days = xr.DataArray(
        days_of_months(axis["year"].values, leaching_months), coords={"time": axis["time"]}
    )
    leach = leach_year * growth * in_leaching * axis["days_in_step"] / leach_days

    def order(da: xr.DataArray) -> xr.DataArray:
        return da.transpose(..., *[d for d in ("time", "unit") if d in da.dims])

    total = order(crop_req + leach)
    euc_t = order(euc)
    extra = {}
    if "loss_consumed_share" in drivers:
        share = drivers["loss_consumed_share"].astype(float)
        check(MODEL, share, "loss_consumed_share", (share < 0) | (share > 1), "must lie in [0, 1]")
        extra["consumption_fraction"] = order(euc_t + (1.0 - euc_t) * share.fillna(0.0)).assign_attrs(
            units="1",
            long_name="irrigation consumption fraction: net use plus the consumed share of losses",
        )
    return xr.Dataset(
        {
            "requirement": total.assign_attrs(
                units="hm3", long_name="farmland irrigation requirement at the source (gross)"
            ),
            "irrigation_net": order(crop_net + leach * euc).assign_attrs(
                units="hm3", long_name="irrigation water reaching the root zone (net)"
            ),
            "irrigated_area": order(area.sum("crop") * growth).assign_attrs(
                units="ha", long_name="irrigated crop area"
            ),
            "effective_use_coefficient": euc_t.assign_attrs(
                units="1", long_name="irrigation water effective use coefficient (conveyance x field)"
            ),
            "et0": et0.assign_attrs(units="mm/month", long_name="reference evapotranspiration ET0"),
            **extra,
        }
    )
