"""Tests for sim.agro against the FAO-56 worked examples (Allen et al. 1998) and CROPWAT formulas.

Worked numbers as transcribed in /work/shared/reference/methods.md section 3.
"""

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st

from sim.agro import (
    EFFECTIVE_RAIN_METHODS,
    conveyance_efficiency_from_lining,
    daily_kc_year,
    effective_field_efficiency,
    effective_rain,
    effective_rain_fao_aglw,
    effective_rain_fixed,
    effective_rain_usda_scs,
    et0_hargreaves,
    et0_penman_monteith,
    field_efficiency_from_mix,
    gross_irrigation_requirement,
    kc_curve,
    kc_mid_adjusted,
    mid_month_doy,
    monthly_crop_days,
    monthly_crop_et,
    monthly_et0,
    monthly_kc,
    net_irrigation_requirement,
    wind_speed_2m,
)

# FAO-56 Example 17 (chapter 3): monthly ET0, Bangkok, April.
EX17 = {"tmax": 34.8, "tmin": 25.6, "lat_deg": 13.73, "elevation": 2.0, "doy": 105}
EX17_KW = {"ea": 2.85, "u2": 2.0, "sunshine_hours": 8.5, "g": 0.14}
# FAO-56 Example 18 (chapter 3): daily ET0, Uccle (Brussels), 6 July.
EX18 = {"tmax": 21.5, "tmin": 12.3, "lat_deg": 50.80, "elevation": 100.0, "doy": 187}
EX18_KW = {"rhmax": 84.0, "rhmin": 63.0, "u10": 2.78, "sunshine_hours": 9.25}


# ---------------------------------------------------------------------------------------------
# ET0
# ---------------------------------------------------------------------------------------------
def test_pm_fao56_example_17_bangkok_monthly():
    # FAO-56 Example 17: Ra 38.06, N 12.31 h, Rs 22.65, Rn 14.33 -> ET0 = 5.72 mm/day
    assert et0_penman_monteith(**EX17, **EX17_KW) == pytest.approx(5.72, abs=0.02)


def test_pm_fao56_example_18_uccle_daily():
    # FAO-56 Example 18: u10 2.78 m/s -> u2 2.078 m/s; Ra 41.09, Rn 13.28 -> ET0 = 3.88 mm/day
    assert et0_penman_monteith(**EX18, **EX18_KW) == pytest.approx(3.88, abs=0.02)


def test_wind_speed_2m_example_18():
    # FAO-56 Eq. 47 and Example 18: 2.78 m/s at 10 m -> 2.078 m/s at 2 m
    assert wind_speed_2m(2.78, 10.0) == pytest.approx(2.078, abs=0.002)
    kw = dict(EX18_KW)
    u10 = kw.pop("u10")
    assert et0_penman_monteith(**EX18, **kw, u2=wind_speed_2m(u10)) == pytest.approx(
        et0_penman_monteith(**EX18, **EX18_KW), rel=1e-12
    )


def test_pm_rs_instead_of_sunshine_gives_same_result():
    # FAO-56 Example 17 gives Rs = 22.65 MJ m-2 day-1 from n = 8.5 h (Angstrom, Eq. 35)
    kw = dict(EX17_KW)
    kw.pop("sunshine_hours")
    assert et0_penman_monteith(**EX17, **kw, rs=22.65) == pytest.approx(5.72, abs=0.02)


def test_pm_vectorised_numpy_matches_scalars():
    tmax = np.array([34.8, 21.5])
    tmin = np.array([25.6, 12.3])
    lat = np.array([13.73, 50.80])
    elev = np.array([2.0, 100.0])
    doy = np.array([105, 187])
    rh = np.array([70.0, 65.0])
    u2 = np.array([2.0, 2.078])
    n = np.array([8.5, 9.25])
    g = np.array([0.14, 0.0])
    out = et0_penman_monteith(tmax, tmin, lat, elev, doy, rh_mean=rh, u2=u2, sunshine_hours=n, g=g)
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    for i in range(2):
        one = et0_penman_monteith(
            tmax[i], tmin[i], lat[i], elev[i], doy[i], rh_mean=rh[i], u2=u2[i], sunshine_hours=n[i], g=g[i]
        )
        assert isinstance(one, float)
        assert out[i] == pytest.approx(one, rel=1e-12)


def test_pm_xarray_matches_numpy_and_keeps_coords():
    # a (region, time) grid: latitude varies by region, day of year by time
    lat = xr.DataArray([13.73, 50.80, -33.0], dims="region", coords={"region": ["a", "b", "c"]})
    doy = xr.DataArray([105, 187], dims="time")
    tmax = xr.DataArray([[34.8, 21.5], [30.0, 25.0], [22.0, 18.0]], dims=("region", "time"))
    tmin = tmax - 9.0
    out = et0_penman_monteith(tmax, tmin, lat, 100.0, doy, rh_mean=60.0, u2=2.0, sunshine_hours=8.0)
    assert isinstance(out, xr.DataArray)
    assert set(out.dims) == {"region", "time"}
    assert list(out.region.values) == ["a", "b", "c"]
    ref = et0_penman_monteith(
        tmax.values,
        tmin.values,
        lat.values[:, None],
        100.0,
        doy.values[None, :],
        rh_mean=60.0,
        u2=2.0,
        sunshine_hours=8.0,
    )
    np.testing.assert_allclose(out.transpose("region", "time").values, ref, rtol=1e-12)
    assert out.sel(region="a").isel(time=0) == pytest.approx(
        et0_penman_monteith(34.8, 25.8, 13.73, 100.0, 105, rh_mean=60.0, u2=2.0, sunshine_hours=8.0),
        rel=1e-12,
    )


def _ra_fao56(lat_deg: float, doy: int) -> float:
    """Extraterrestrial radiation [MJ m-2 day-1], FAO-56 Eq. 21-25, written out independently."""
    phi = np.deg2rad(lat_deg)
    dr = 1 + 0.033 * np.cos(2 * np.pi / 365 * doy)  # Eq. 23
    delta = 0.409 * np.sin(2 * np.pi / 365 * doy - 1.39)  # Eq. 24
    ws = np.arccos(-np.tan(phi) * np.tan(delta))  # Eq. 25
    gsc = 0.0820  # MJ m-2 min-1
    return (
        24
        * 60
        / np.pi
        * gsc
        * dr
        * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))
    )


def test_ra_helper_reproduces_fao56_example_8():
    # FAO-56 Example 8: 20 deg S, 3 September (J = 246) -> Ra = 32.2 MJ m-2 day-1
    assert _ra_fao56(-20.0, 246) == pytest.approx(32.2, abs=0.05)


def test_hargreaves_against_hand_computation_eq52():
    tmax, tmin, lat, doy = 31.0, 17.0, 40.5, 196
    tmean = (tmax + tmin) / 2
    ra = _ra_fao56(lat, doy)
    lam = 2.501 - 0.002361 * tmean  # FAO-56 Annex 3, Eq. 3-1 [MJ kg-1]
    expected = 0.0023 * (tmean + 17.8) * np.sqrt(tmax - tmin) * ra / lam  # FAO-56 Eq. 52
    assert et0_hargreaves(tmax, tmin, lat, doy) == pytest.approx(expected, rel=1e-6)
    # FAO's printed form uses Ra in mm/day equivalent (x 0.408); agrees within 0.5 %
    assert et0_hargreaves(tmax, tmin, lat, doy) == pytest.approx(
        0.0023 * (tmean + 17.8) * np.sqrt(tmax - tmin) * 0.408 * ra, rel=5e-3
    )


def test_hargreaves_vectorised_numpy_and_xarray():
    tmax = np.array([31.0, 12.0, 25.0])
    tmin = np.array([17.0, -3.0, 20.0])
    lat = np.array([40.5, 45.0, -10.0])
    doy = np.array([196, 15, 300])
    out = et0_hargreaves(tmax, tmin, lat, doy)
    scalars = [et0_hargreaves(tmax[i], tmin[i], lat[i], doy[i]) for i in range(3)]
    np.testing.assert_allclose(out, scalars, rtol=1e-12)
    da = et0_hargreaves(
        xr.DataArray(tmax, dims="x"),
        xr.DataArray(tmin, dims="x"),
        xr.DataArray(lat, dims="x"),
        xr.DataArray(doy, dims="x"),
    )
    assert isinstance(da, xr.DataArray) and da.dims == ("x",)
    np.testing.assert_allclose(da.values, out, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# monthly ET0
# ---------------------------------------------------------------------------------------------
def _bangkok_like_year():
    """12 months around FAO-56 Example 17: April = example; T_March 29.2, T_May 31.2 so G_April = 0.14."""
    tmean = np.array([27.0, 28.0, 29.2, 30.2, 31.2, 29.5, 29.0, 28.8, 28.5, 28.2, 27.8, 27.0])
    half_range = np.full(12, 4.6)
    return tmean + half_range, tmean - half_range


def test_mid_month_doy():
    np.testing.assert_array_equal(
        mid_month_doy(np.arange(1, 13)), [15, 45, 76, 106, 137, 167, 197, 228, 258, 289, 319, 349]
    )


def test_monthly_et0_penman_monteith_reproduces_example_17():
    tmax, tmin = _bangkok_like_year()
    out = monthly_et0(
        tmax, tmin, 13.73, 2.0, ea=np.full(12, 2.85), u2=np.full(12, 2.0), sunshine_hours=np.full(12, 8.5)
    )
    assert out.shape == (12,)
    # FAO-56 Example 17: 5.72 mm/day in April (J = 105; here J = 106 by INT(30.4 M - 15)) x 30 days
    assert out[3] == pytest.approx(5.72 * 30, abs=0.02 * 30)


def test_monthly_et0_is_daily_pm_times_days_with_eq43_g():
    tmax, tmin = _bangkok_like_year()
    rh = np.linspace(55, 80, 12)
    u2 = np.linspace(1.5, 3.0, 12)
    n = np.linspace(5.0, 9.0, 12)
    out = monthly_et0(tmax, tmin, 41.0, 1000.0, rh_mean=rh, u2=u2, sunshine_hours=n, year=2024)
    days = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    tm = (tmax + tmin) / 2
    for m in range(12):
        g = 0.07 * (tm[(m + 1) % 12] - tm[m - 1])  # FAO-56 Eq. 43, cyclic year
        daily = et0_penman_monteith(
            tmax[m],
            tmin[m],
            41.0,
            1000.0,
            mid_month_doy(m + 1),
            rh_mean=rh[m],
            u2=u2[m],
            sunshine_hours=n[m],
            g=g,
        )
        assert out[m] == pytest.approx(daily * days[m], rel=1e-10)


def test_monthly_et0_falls_back_to_hargreaves_without_sunshine():
    tmax, tmin = _bangkok_like_year()
    out = monthly_et0(tmax, tmin, 41.0, 1000.0, rh_mean=np.full(12, 60.0), u2=np.full(12, 2.0))
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    expected = et0_hargreaves(tmax, tmin, 41.0, mid_month_doy(np.arange(1, 13))) * days
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_monthly_et0_xarray_month_dim_and_2d_numpy():
    tmax, _ = _bangkok_like_year()
    lat = xr.DataArray([13.73, 40.0], dims="region")
    tx = xr.DataArray(
        np.vstack([tmax, tmax - 5]), dims=("region", "month"), coords={"month": np.arange(1, 13)}
    )
    tn = tx - 9.2
    da = monthly_et0(tx, tn, lat)
    assert isinstance(da, xr.DataArray) and set(da.dims) == {"region", "month"}
    arr = monthly_et0(tx.values, tn.values, lat.values)
    assert arr.shape == (2, 12)
    np.testing.assert_allclose(da.transpose("region", "month").values, arr, rtol=1e-12)
    np.testing.assert_allclose(arr[1], monthly_et0(tmax - 5, tmax - 14.2, 40.0), rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# ET0 guards
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"rh_mean": 0.7, "u2": 2.0, "sunshine_hours": 8.0}, "rh_mean must be in percent"),
        ({"rhmax": 0.9, "rhmin": 0.6, "u2": 2.0, "sunshine_hours": 8.0}, "rhmax must be in percent"),
        ({"rhmax": 90.0, "rhmin": 0.6, "u2": 2.0, "sunshine_hours": 8.0}, "rhmin must be in percent"),
        ({"rh_mean": 60.0, "u2": 2.0, "sunshine_hours": 8.0, "lat_deg": 95.0}, "lat_deg"),
        ({"rh_mean": 60.0, "u2": 2.0, "sunshine_hours": 8.0, "tmin": 40.0}, "tmin must not exceed tmax"),
        ({"rh_mean": 60.0, "u2": 2.0, "sunshine_hours": 8.0, "doy": 0}, "doy"),
        ({"rh_mean": 60.0, "u2": 2.0, "u10": 3.0, "sunshine_hours": 8.0}, "u2 or u10"),
        ({"rh_mean": 60.0, "sunshine_hours": 8.0}, "u2 or u10"),
        ({"rh_mean": 60.0, "u2": 2.0}, "rs .* or sunshine_hours"),
        ({"rh_mean": 60.0, "u2": 2.0, "rs": 20.0, "sunshine_hours": 8.0}, "rs .* or sunshine_hours"),
        ({"rhmax": 90.0, "u2": 2.0, "sunshine_hours": 8.0}, "rhmax and rhmin"),
        ({"rh_mean": 60.0, "ea": 2.0, "u2": 2.0, "sunshine_hours": 8.0}, "only one humidity input"),
    ],
)
def test_pm_guards(kwargs, match):
    base = dict(EX17)
    for k in ("lat_deg", "tmin", "doy"):
        if k in kwargs:
            base[k] = kwargs.pop(k)
    with pytest.raises(ValueError, match=match):
        et0_penman_monteith(**base, **kwargs)


def test_pm_polar_night_is_finite():
    # 80 N in December: N = 0 h and Ra = 0, so Rs = 0 (pyet alone would give n/N = 0/0 = NaN)
    out = et0_penman_monteith(
        np.array([-5.0, 5.0]),
        np.array([-15.0, -2.0]),
        np.array([80.0, 45.0]),
        100.0,
        355,
        rh_mean=80.0,
        u2=2.0,
        sunshine_hours=0.0,
    )
    assert np.all(np.isfinite(out)) and np.all(out >= 0)


def test_pm_guard_negative_sunshine():
    with pytest.raises(ValueError, match="sunshine_hours must be non-negative"):
        et0_penman_monteith(**EX17, ea=2.85, u2=2.0, sunshine_hours=-1.0)


def test_pm_guard_rh_fraction_in_array():
    with pytest.raises(ValueError, match="percent"):
        et0_penman_monteith(**EX17, rh_mean=np.array([0.5, 0.9]), u2=2.0, sunshine_hours=8.0)


def test_hargreaves_guards():
    with pytest.raises(ValueError, match="lat_deg"):
        et0_hargreaves(30.0, 15.0, -91.0, 100)
    with pytest.raises(ValueError, match="tmin must not exceed tmax"):
        et0_hargreaves(np.array([30.0, 10.0]), np.array([15.0, 12.0]), 40.0, 100)
    with pytest.raises(ValueError, match="doy"):
        et0_hargreaves(30.0, 15.0, 40.0, 367)


def test_monthly_et0_guards():
    tmax, tmin = _bangkok_like_year()
    with pytest.raises(ValueError, match="12 monthly values"):
        monthly_et0(tmax[:11], tmin[:11], 40.0)
    with pytest.raises(ValueError, match="rh_mean must be in percent"):
        monthly_et0(
            tmax, tmin, 40.0, rh_mean=np.full(12, 0.6), u2=np.full(12, 2.0), sunshine_hours=np.full(12, 8.0)
        )
    with pytest.raises(ValueError, match="lat_deg"):
        monthly_et0(tmax, tmin, 100.0)
    with pytest.raises(ValueError, match="tmin must not exceed tmax"):
        monthly_et0(tmin, tmax, 40.0)
    with pytest.raises(ValueError, match="only one of rh_mean"):
        monthly_et0(tmax, tmin, 40.0, rh_mean=np.full(12, 60.0), ea=np.full(12, 2.0))
    with pytest.raises(ValueError, match="'month' dimension"):
        monthly_et0(xr.DataArray(tmax, dims="m"), xr.DataArray(tmin, dims="m"), 40.0)


def test_wind_speed_2m_guard():
    with pytest.raises(ValueError, match="z must be"):
        wind_speed_2m(3.0, 0.0)


def test_mid_month_doy_guard():
    with pytest.raises(ValueError, match="month"):
        mid_month_doy(13)


# ---------------------------------------------------------------------------------------------
# Kc
# ---------------------------------------------------------------------------------------------
def test_kc_mid_adjusted_example_28():
    # FAO-56 Example 28 (chapter 6), dry beans: 1.15, u2 2.2, RHmin 30 %, h 0.4 m -> 1.19
    assert round(kc_mid_adjusted(1.15, 2.2, 30.0, 0.4), 2) == 1.19


def test_kc_mid_adjusted_vectorised():
    u2 = np.array([1.0, 2.2, 4.0])
    out = kc_mid_adjusted(1.15, u2, 30.0, 0.4)
    np.testing.assert_allclose(out, [kc_mid_adjusted(1.15, u, 30.0, 0.4) for u in u2])
    da = kc_mid_adjusted(1.15, xr.DataArray(u2, dims="x"), 30.0, 0.4)
    assert isinstance(da, xr.DataArray)
    np.testing.assert_allclose(da.values, out)
    # at the reference climate (u2 2 m/s, RHmin 45 %) the table value is unchanged
    assert kc_mid_adjusted(1.15, 2.0, 45.0, 3.0) == pytest.approx(1.15)


def test_kc_mid_adjusted_guards():
    with pytest.raises(ValueError, match="rhmin must be in percent"):
        kc_mid_adjusted(1.15, 2.2, 0.3, 0.4)
    with pytest.raises(ValueError, match="height"):
        kc_mid_adjusted(1.15, 2.2, 30.0, -0.4)
    with pytest.raises(ValueError, match="u2"):
        kc_mid_adjusted(1.15, -2.2, 30.0, 0.4)


def test_kc_curve_example_28():
    # FAO-56 Example 28: Kc_ini 0.15, Kc_mid 1.19, Kc_end 0.35, stages 25/25/30/20 days
    # -> day 20: 0.15, day 40: 0.77, day 70: 1.19, day 95: 0.56
    days = np.array([20, 40, 70, 95])
    out = kc_curve(days, 0.15, 1.19, 0.35, 25, 25, 30, 20)
    np.testing.assert_array_equal(np.round(out, 2), [0.15, 0.77, 1.19, 0.56])


def test_kc_curve_endpoints_and_outside_season():
    out = kc_curve(np.array([0, 1, 25, 50, 80, 100, 101, -5]), 0.15, 1.19, 0.35, 25, 25, 30, 20)
    np.testing.assert_allclose(out, [0.0, 0.15, 0.15, 1.19, 1.19, 0.35, 0.0, 0.0])
    assert kc_curve(40, 0.15, 1.19, 0.35, 25, 25, 30, 20) == pytest.approx(0.774)
    # zero-length development stage: a jump from ini to mid
    np.testing.assert_allclose(kc_curve(np.array([10, 11]), 0.3, 1.0, 0.5, 10, 0, 10, 10), [0.3, 1.0])


def test_kc_curve_xarray_matches_numpy():
    days = np.arange(-3, 110)
    da = kc_curve(xr.DataArray(days, dims="day"), 0.15, 1.19, 0.35, 25, 25, 30, 20)
    assert isinstance(da, xr.DataArray) and da.dims == ("day",)
    np.testing.assert_allclose(da.values, kc_curve(days, 0.15, 1.19, 0.35, 25, 25, 30, 20))


def test_kc_curve_guard():
    with pytest.raises(ValueError, match="non-negative"):
        kc_curve(10, 0.15, 1.19, 0.35, 25, -1, 30, 20)


def test_daily_kc_year_and_monthly_kc():
    stages = [25, 25, 30, 20]
    daily = daily_kc_year(121, stages, 0.15, 1.19, 0.35)  # planted 1 May 2022
    assert daily.shape == (365,)
    assert daily[119] == 0.0 and daily[120] == pytest.approx(0.15)  # 30 April / 1 May
    assert daily[120 + 39] == pytest.approx(0.774)  # season day 40
    assert daily[120 + 99] == pytest.approx(0.35) and daily[120 + 100] == 0.0
    assert daily_kc_year(121, stages, 0.15, 1.19, 0.35, year=2024).shape == (366,)
    mkc = monthly_kc(121, stages, 0.15, 1.19, 0.35)
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    starts = np.cumsum(days) - days
    np.testing.assert_allclose(
        mkc * days, [daily[s : s + d].sum() for s, d in zip(starts, days, strict=True)]
    )
    # May = 25 initial-stage days at 0.15 + season days 26..31 of the development stage
    may = (0.15 * 25 + sum(0.15 + i / 25 * (1.19 - 0.15) for i in range(1, 7))) / 31
    assert mkc[0] == 0.0 and mkc[4] == pytest.approx(may)
    cd = monthly_crop_days(121, stages)
    np.testing.assert_array_equal(cd, [0, 0, 0, 0, 31, 30, 31, 8, 0, 0, 0, 0])
    assert cd.sum() == sum(stages)


def test_daily_kc_year_wraps_over_year_end():
    # winter crop planted on day 300 with a 100-day season: days 300..365 and 1..34
    daily = daily_kc_year(300, [20, 30, 30, 20], 0.4, 1.15, 0.3)
    assert (daily > 0).sum() == 100
    assert daily[298] == 0.0 and daily[299] == pytest.approx(0.4)
    assert daily[33] == pytest.approx(0.3) and daily[34] == 0.0
    np.testing.assert_array_equal(
        monthly_crop_days(300, [20, 30, 30, 20]), [31, 3, 0, 0, 0, 0, 0, 0, 0, 5, 30, 31]
    )


def test_monthly_crop_et_is_sum_of_daily_kc_times_et0():
    daily = daily_kc_year(100, [30, 40, 50, 30], 0.3, 1.2, 0.5)
    et0 = np.linspace(1.0, 6.0, 12)
    out = monthly_crop_et(daily, et0)
    month_of_day = np.array(
        [m for m, d in enumerate([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) for _ in range(d)]
    )
    expected = np.array([np.sum(daily[month_of_day == m] * et0[m]) for m in range(12)])
    np.testing.assert_allclose(out, expected)
    # equals mean monthly Kc x monthly ET0 total
    days = np.bincount(month_of_day)
    np.testing.assert_allclose(out, monthly_kc(100, [30, 40, 50, 30], 0.3, 1.2, 0.5) * et0 * days)
    # leading axes broadcast (two crops)
    two = monthly_crop_et(np.vstack([daily, 2 * daily]), et0)
    np.testing.assert_allclose(two, np.vstack([out, 2 * out]))


@pytest.mark.parametrize(
    "stages, match",
    [([100, 100, 100, 100], "more than 365"), ([25, -1, 30, 20], "non-negative"), ([25, 25, 30], "4 values")],
)
def test_kc_year_stage_guards(stages, match):
    with pytest.raises(ValueError, match=match):
        daily_kc_year(100, stages, 0.15, 1.19, 0.35)
    with pytest.raises(ValueError, match=match):
        monthly_kc(100, stages, 0.15, 1.19, 0.35)
    with pytest.raises(ValueError, match=match):
        monthly_crop_days(100, stages)


def test_kc_year_other_guards():
    with pytest.raises(ValueError, match="planting_doy"):
        daily_kc_year(366, [25, 25, 30, 20], 0.15, 1.19, 0.35, year=2022)
    with pytest.raises(ValueError, match="365 or 366"):
        monthly_crop_et(np.ones(360), np.ones(12))
    with pytest.raises(ValueError, match="12 values"):
        monthly_crop_et(np.ones(365), np.ones(11))
    with pytest.raises(ValueError, match="non-negative"):
        monthly_crop_et(np.ones(365), -np.ones(12))


# ---------------------------------------------------------------------------------------------
# effective rain (CROPWAT options, methods.md section 3)
# ---------------------------------------------------------------------------------------------
def test_effective_rain_usda_scs_values():
    assert effective_rain_usda_scs(100.0) == pytest.approx(84.0)
    assert effective_rain_usda_scs(250.0) == pytest.approx(150.0)
    assert effective_rain_usda_scs(300.0) == pytest.approx(155.0)
    assert effective_rain_usda_scs(0.0) == 0.0


def test_effective_rain_fao_aglw_values():
    assert effective_rain_fao_aglw(50.0) == pytest.approx(20.0)
    assert effective_rain_fao_aglw(100.0) == pytest.approx(56.0)
    assert effective_rain_fao_aglw(10.0) == 0.0  # 0.6*10 - 10 < 0 -> 0
    assert effective_rain_fao_aglw(70.0) == pytest.approx(32.0)


def test_effective_rain_types_numpy_and_xarray():
    p = np.array([0.0, 50.0, 100.0, 250.0, 300.0, np.nan])
    for func in (effective_rain_usda_scs, effective_rain_fao_aglw, lambda x: effective_rain_fixed(x, 0.7)):
        arr = func(p)
        assert isinstance(arr, np.ndarray) and arr.shape == p.shape and np.isnan(arr[-1])
        da_in = xr.DataArray(p, dims="month", attrs={"units": "mm"})
        da = func(da_in)
        assert isinstance(da, xr.DataArray) and da.dims == ("month",) and da.attrs["units"] == "mm"
        np.testing.assert_allclose(da.values, arr)
        assert isinstance(func(100.0), float)
    np.testing.assert_allclose(effective_rain_fixed(p[:5], 0.7), 0.7 * p[:5])


def test_effective_rain_dispatcher():
    p = np.array([50.0, 100.0, 300.0])
    np.testing.assert_allclose(effective_rain(p), effective_rain_usda_scs(p))
    np.testing.assert_allclose(effective_rain(p, "fao_aglw"), effective_rain_fao_aglw(p))
    np.testing.assert_allclose(effective_rain(p, "fixed", fraction=0.6), 0.6 * p)
    assert set(EFFECTIVE_RAIN_METHODS) == {"usda_scs", "fao_aglw", "fixed"}


def test_effective_rain_guards():
    with pytest.raises(ValueError, match="valid methods: usda_scs, fao_aglw, fixed"):
        effective_rain(100.0, "cropwat")
    for func in (effective_rain_usda_scs, effective_rain_fao_aglw, effective_rain):
        with pytest.raises(ValueError, match="non-negative"):
            func(np.array([10.0, -1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        effective_rain_fixed(xr.DataArray([-5.0]), 0.5)
    with pytest.raises(ValueError, match="fraction"):
        effective_rain_fixed(100.0, 1.5)


@given(st.floats(min_value=0.0, max_value=2000.0), st.floats(min_value=0.0, max_value=2000.0))
def test_effective_rain_bounded_and_monotone(p1, p2):
    lo, hi = sorted((p1, p2))
    for method in ("usda_scs", "fao_aglw"):
        e_lo, e_hi = effective_rain(lo, method), effective_rain(hi, method)
        assert 0.0 <= e_lo <= lo + 1e-9
        assert e_lo <= e_hi + 1e-9


# ---------------------------------------------------------------------------------------------
# irrigation requirement and efficiencies
# ---------------------------------------------------------------------------------------------
def test_net_irrigation_requirement():
    assert net_irrigation_requirement(150.0, 60.0) == pytest.approx(90.0)
    assert net_irrigation_requirement(150.0, 60.0, 20.0) == pytest.approx(70.0)
    assert net_irrigation_requirement(50.0, 60.0) == 0.0
    etc = xr.DataArray([150.0, 50.0], dims="month")
    out = net_irrigation_requirement(etc, xr.DataArray([60.0, 60.0], dims="month"))
    assert isinstance(out, xr.DataArray)
    np.testing.assert_allclose(out.values, [90.0, 0.0])
    np.testing.assert_allclose(net_irrigation_requirement(etc.values, np.array([60.0, 60.0])), [90.0, 0.0])


def test_gross_irrigation_requirement():
    assert gross_irrigation_requirement(100.0, 0.8, 0.625) == pytest.approx(200.0)
    np.testing.assert_allclose(
        gross_irrigation_requirement(np.array([100.0, 50.0]), 0.5, 1.0), [200.0, 100.0]
    )


@pytest.mark.parametrize(
    "conv, field, name",
    [
        (0.0, 0.8, "conveyance_efficiency"),
        (0.8, 1.2, "field_efficiency"),
        (np.array([0.8, -0.1]), 0.8, "conveyance_efficiency"),
    ],
)
def test_gross_irrigation_requirement_guards(conv, field, name):
    with pytest.raises(ValueError, match=name):
        gross_irrigation_requirement(100.0, conv, field)


EFF = {
    "flood": 0.55,
    "furrow": 0.6,
    "sprinkler": 0.8,
    "drip": 0.9,
    "drip_under_film": 0.92,
    "shallow_buried_drip": 0.93,
    "low_pressure_pipe": 0.7,
}


def test_field_efficiency_mixes():
    shares = {"flood": 0.5, "low_pressure_pipe": 0.2, "drip_under_film": 0.3}
    arithmetic = field_efficiency_from_mix(shares, EFF)
    assert arithmetic == pytest.approx(0.5 * 0.55 + 0.2 * 0.7 + 0.3 * 0.92)
    harmonic = effective_field_efficiency(shares, EFF)
    assert harmonic == pytest.approx(1 / (0.5 / 0.55 + 0.2 / 0.7 + 0.3 / 0.92))
    assert harmonic < arithmetic
    # the harmonic mean is the one that conserves water volume: gross = sum(share * net / eff)
    net = 300.0
    by_parts = sum(s * net / EFF[t] for t, s in shares.items())
    assert gross_irrigation_requirement(net, 1.0, harmonic) == pytest.approx(by_parts)
    # a single technology gives its own efficiency
    assert effective_field_efficiency({"drip": 1.0}, EFF) == pytest.approx(0.9)
    # array-valued shares (e.g. per region)
    arr = effective_field_efficiency({"flood": np.array([1.0, 0.0]), "drip": np.array([0.0, 1.0])}, EFF)
    np.testing.assert_allclose(arr, [0.55, 0.9])


def test_field_efficiency_guards():
    with pytest.raises(ValueError, match=r"sum to 1, got 0\.9"):
        field_efficiency_from_mix({"flood": 0.5, "drip": 0.4}, EFF)
    with pytest.raises(ValueError, match=r"sum to 1, got 1\.1"):
        effective_field_efficiency({"flood": 0.7, "drip": 0.4}, EFF)
    with pytest.raises(ValueError, match="no efficiency given for technologies: pivot"):
        effective_field_efficiency({"flood": 0.5, "pivot": 0.5}, EFF)
    with pytest.raises(ValueError, match="efficiency of 'drip'"):
        effective_field_efficiency({"flood": 0.5, "drip": 0.5}, {"flood": 0.5, "drip": 1.5})
    with pytest.raises(ValueError, match="share of 'drip'"):
        field_efficiency_from_mix({"flood": 1.5, "drip": -0.5}, EFF)


def test_conveyance_efficiency_from_lining():
    assert conveyance_efficiency_from_lining(0.0, 0.9, 0.6) == pytest.approx(0.6)
    assert conveyance_efficiency_from_lining(1.0, 0.9, 0.6) == pytest.approx(0.9)
    assert conveyance_efficiency_from_lining(0.4, 0.9, 0.6) == pytest.approx(0.72)
    da = conveyance_efficiency_from_lining(xr.DataArray([0.0, 0.5], dims="region"), 0.9, 0.6)
    assert isinstance(da, xr.DataArray)
    np.testing.assert_allclose(da.values, [0.6, 0.75])
    with pytest.raises(ValueError, match="lined_share"):
        conveyance_efficiency_from_lining(1.2, 0.9, 0.6)
    with pytest.raises(ValueError, match="eff_lined"):
        conveyance_efficiency_from_lining(0.5, 1.1, 0.6)
    with pytest.raises(ValueError, match="eff_unlined"):
        conveyance_efficiency_from_lining(0.5, 0.9, 0.0)
