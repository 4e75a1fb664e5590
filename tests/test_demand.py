"""Tests for the demand models in sim.demand (docs/demand.md), with hand-computed numbers.

Volumes: 1 mm over 1 ha = 10 m3 = 1e-5 hm3; 1 hm3 = 1e9 L.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.agro import monthly_et0
from sim.demand import DriverSpec, domestic, industry, irrigation, livestock, load_model, model_names, urban
from sim.timeaxis import make_time_axis

UNITS = ["a", "b"]
MONTHS = np.arange(1, 13)


def unit_vars(**values: list[float]) -> dict[str, tuple[str, np.ndarray]]:
    return {k: ("unit", np.asarray(v, dtype=float)) for k, v in values.items()}


def dataset(**values: list[float]) -> xr.Dataset:
    return xr.Dataset(unit_vars(**values), coords={"unit": UNITS})


def at(da: xr.DataArray, date: str, unit: str) -> float:
    return float(da.sel(time=pd.Timestamp(date), unit=unit))


# ---------------------------------------------------------------------------------------------
# domestic
# ---------------------------------------------------------------------------------------------
DOMESTIC = {
    "urban_population": [1e6, 2e5],
    "rural_population": [5e5, 8e5],
    "urban_use": [150.0, 120.0],
    "rural_use": [60.0, 50.0],
    "leakage": [0.1, 0.2],
    "population_growth": [0.0, 0.01],
    "urbanisation_gain": [0.0, 0.01],
}


def test_domestic_january_hand_computed():
    axis = make_time_axis("2022-01", "2022-12")
    out = domestic.requirement(dataset(**DOMESTIC), axis, {"base_year": 2020})
    # a: 1e6 x 150 / (1 - 0.1) + 5e5 x 60 = 166.667e6 + 30e6 L/d; x 31 d = 6.0967e9 L
    assert at(out.requirement, "2022-01", "a") == pytest.approx((150e6 / 0.9 + 30e6) * 31 * 1e-9, rel=1e-12)
    assert at(out.requirement, "2022-01", "a") == pytest.approx(6.0967, abs=1e-4)
    # b: P = 1e6 x 1.01^2 = 1 020 100; urban share 0.2 + 2 x 0.01 = 0.22 -> 224 422 urban,
    #    795 678 rural; 224 422 x 120 / 0.8 + 795 678 x 50 = 33 663 300 + 39 783 900 L/d; x 31 d
    assert at(out.urban_population, "2022-01", "b") == pytest.approx(224_422.0)
    assert at(out.rural_population, "2022-01", "b") == pytest.approx(795_678.0)
    assert at(out.requirement, "2022-01", "b") == pytest.approx(2.2768632, rel=1e-7)
    # February has 28 days
    assert at(out.requirement, "2022-02", "a") == pytest.approx((150e6 / 0.9 + 30e6) * 28 * 1e-9)
    # residential use at the tap: (1e6 x 150 + 5e5 x 60) / 1.5e6 = 120 L/person/d
    assert at(out.use_per_capita, "2022-01", "a") == pytest.approx(120.0)
    assert out.requirement.attrs["units"] == "hm3"
    assert out.use_per_capita.attrs["units"] == "L/person/d"


def test_domestic_urban_share_capped_at_one_and_daily_steps():
    axis = make_time_axis("2025-01-01", "2025-01-31", step="day")
    drivers = dataset(**{**DOMESTIC, "urbanisation_gain": [0.5, 0.01]})
    out = domestic.requirement(drivers, axis, {"base_year": 2022})
    # a: share 2/3 + 3 x 0.5 > 1 -> everybody urban: 1.5e6 x 150 / 0.9 L/d
    assert at(out.rural_population, "2025-01-05", "a") == 0.0
    assert at(out.urban_population, "2025-01-05", "a") == pytest.approx(1.5e6)
    assert at(out.requirement, "2025-01-05", "a") == pytest.approx(1.5e6 * 150 / 0.9 * 1e-9)


def test_domestic_zero_population_gives_zero_requirement():
    axis = make_time_axis("2022-01", "2022-02")
    drivers = dataset(**{**DOMESTIC, "urban_population": [0.0, 2e5], "rural_population": [0.0, 8e5]})
    out = domestic.requirement(drivers, axis, {"base_year": 2022})
    assert at(out.requirement, "2022-01", "a") == 0.0
    assert np.isnan(at(out.use_per_capita, "2022-01", "a"))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"urban_population": [1e6, -1.0]}, r"'urban_population' of unit 'b' is negative"),
        ({"rural_use": [-60.0, 50.0]}, r"'rural_use' of unit 'a' is negative"),
        ({"leakage": [0.1, 1.0]}, r"'leakage' of unit 'b' must lie in \[0, 1\)"),
        ({"population_growth": [-1.5, 0.0]}, r"'population_growth' of unit 'a' is below -1"),
        ({"urban_use": [np.nan, 120.0]}, r"'urban_use' of unit 'a' is missing"),
    ],
)
def test_domestic_errors(change, match):
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match=match):
        domestic.requirement(dataset(**{**DOMESTIC, **change}), axis, {"base_year": 2022})


# ---------------------------------------------------------------------------------------------
# industry
# ---------------------------------------------------------------------------------------------
INDUSTRY = {
    "value_added": [1e6, 5e5],
    "intensity": [20.0, 10.0],
    "recycling_rate": [0.9, 0.5],
    "recycling_rate_base": [0.8, np.nan],
    "value_added_growth": [0.05, 0.0],
    "intensity_decline": [0.03, 0.0],
}


def test_industry_growth_decline_and_recycling_hand_computed():
    axis = make_time_axis("2022-01", "2022-12")
    out = industry.requirement(dataset(**INDUSTRY), axis, {"base_year": 2020})
    # a: VA 1e6 x 1.05^2 = 1.1025e6 (1e4 yuan/a); intensity 20 x 0.97^2 = 18.818 m3/1e4 yuan;
    #    recycling 0.8 -> 0.9: x (1 - 0.9)/(1 - 0.8) = 0.5 -> 10 373 422.5 m3/a; January 31/365
    assert at(out.requirement, "2022-01", "a") == pytest.approx(10.3734225 * 31 / 365, rel=1e-9)
    assert at(out.requirement, "2022-01", "a") == pytest.approx(0.881030, abs=1e-6)
    assert at(out.value_added, "2022-01", "a") == pytest.approx(1.1025e6)
    assert at(out.intensity, "2022-01", "a") == pytest.approx(18.818 * 0.5)
    # b: base rate NaN -> equal to the current rate: 5e5 x 10 = 5e6 m3/a = 5 hm3/a
    assert at(out.requirement, "2022-01", "b") == pytest.approx(5.0 * 31 / 365)
    assert float(out.requirement.sel(unit="b").sum()) == pytest.approx(5.0)


def test_industry_without_base_rate_uses_current_rate():
    axis = make_time_axis("2020-01", "2020-12")
    drivers = dataset(**INDUSTRY).drop_vars("recycling_rate_base")
    out = industry.requirement(drivers, axis, {"base_year": 2020})
    # 2020 is the base year and a leap year: 1e6 x 20 m3/a = 20 hm3/a, January 31/366
    assert at(out.requirement, "2020-01", "a") == pytest.approx(20.0 * 31 / 366)
    assert float(out.requirement.sel(unit="a").sum()) == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"value_added": [-1.0, 5e5]}, r"'value_added' of unit 'a' is negative"),
        ({"recycling_rate": [0.9, 1.0]}, r"'recycling_rate' of unit 'b' must lie in \[0, 1\)"),
        ({"recycling_rate_base": [1.2, 0.5]}, r"'recycling_rate_base' of unit 'a'"),
        ({"intensity_decline": [0.0, 1.5]}, r"'intensity_decline' of unit 'b' is above 1"),
        ({"value_added_growth": [0.0, -1.2]}, r"'value_added_growth' of unit 'b' is below -1"),
    ],
)
def test_industry_errors(change, match):
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match=match):
        industry.requirement(dataset(**{**INDUSTRY, **change}), axis, {"base_year": 2020})


# ---------------------------------------------------------------------------------------------
# livestock
# ---------------------------------------------------------------------------------------------
LIVESTOCK = {
    "heads_large": [1e4, 0.0],
    "heads_small": [1e5, 2e5],
    "use_large": [40.0, 40.0],
    "use_small": [8.0, 6.0],
    "heads_growth": [0.1, 0.0],
}


def test_livestock_hand_computed():
    axis = make_time_axis("2021-01", "2022-12")
    out = livestock.requirement(dataset(**LIVESTOCK), axis, {"base_year": 2021})
    # a: 1e4 x 40 + 1e5 x 8 = 1.2e6 L/d; x 31 d = 3.72e7 L = 0.0372 hm3; +10 % herds in 2022
    assert at(out.requirement, "2021-01", "a") == pytest.approx(0.0372)
    assert at(out.requirement, "2022-01", "a") == pytest.approx(0.04092)
    assert at(out.heads_small, "2022-06", "a") == pytest.approx(1.1e5)
    # b: 2e5 x 6 = 1.2e6 L/d over February 2022 (28 d)
    assert at(out.requirement, "2022-02", "b") == pytest.approx(1.2e6 * 28 * 1e-9)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"heads_large": [1e4, -5.0]}, r"'heads_large' of unit 'b' is negative"),
        ({"use_small": [-1.0, 6.0]}, r"'use_small' of unit 'a' is negative"),
        ({"heads_growth": [-2.0, 0.0]}, r"'heads_growth' of unit 'a' is below -1"),
    ],
)
def test_livestock_errors(change, match):
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match=match):
        livestock.requirement(dataset(**{**LIVESTOCK, **change}), axis, {"base_year": 2022})


def test_missing_required_driver_and_base_year_raise():
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match="'use_large'.*missing"):
        livestock.requirement(dataset(**LIVESTOCK).drop_vars("use_large"), axis, {"base_year": 2022})
    with pytest.raises(ValueError, match="base_year"):
        livestock.requirement(dataset(**LIVESTOCK), axis, {})


# ---------------------------------------------------------------------------------------------
# urban green space
# ---------------------------------------------------------------------------------------------
URBAN = {"green_area": [100.0, 50.0], "green_quota": [500.0, 400.0], "green_growth": [0.0, 0.05]}


def test_urban_green_spread_april_to_october():
    axis = make_time_axis("2022-01", "2023-12")
    out = urban.requirement(dataset(**URBAN), axis, {"base_year": 2022})
    # 100 ha x 500 mm = 5e5 m3 = 0.5 hm3/a over April-October (214 days)
    req = out.requirement.sel(unit="a")
    assert at(out.requirement, "2022-04", "a") == pytest.approx(0.5 * 30 / 214)
    assert at(out.requirement, "2022-07", "a") == pytest.approx(0.5 * 31 / 214)
    assert at(out.requirement, "2022-01", "a") == 0.0
    assert at(out.requirement, "2022-11", "a") == 0.0
    assert float(req.sel(time="2022").sum()) == pytest.approx(0.5)
    # b grows 5 % a year: 50 ha x 400 mm = 0.2 hm3 in 2022, 0.21 hm3 in 2023
    assert float(out.requirement.sel(unit="b", time="2023").sum()) == pytest.approx(0.21)
    assert at(out.green_area, "2023-05", "b") == pytest.approx(52.5)


def test_urban_daily_steps_and_months_option():
    axis = make_time_axis("2022-05-01", "2022-06-30", step="day")
    out = urban.requirement(dataset(**URBAN), axis, {"base_year": 2022, "months": [5]})
    # everything in May: 0.5 hm3 / 31 d per day, nothing in June
    assert at(out.requirement, "2022-05-10", "a") == pytest.approx(0.5 / 31)
    assert float(out.requirement.sel(unit="a").sum()) == pytest.approx(0.5)
    assert at(out.requirement, "2022-06-10", "a") == 0.0


@pytest.mark.parametrize(
    ("change", "options", "match"),
    [
        ({"green_area": [-1.0, 50.0]}, {}, r"'green_area' of unit 'a' is negative"),
        ({"green_growth": [0.0, -1.1]}, {}, r"'green_growth' of unit 'b' is below -1"),
        ({}, {"months": [4, 13]}, r"option 'months'"),
    ],
)
def test_urban_errors(change, options, match):
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match=match):
        urban.requirement(dataset(**{**URBAN, **change}), axis, {"base_year": 2022, **options})


# ---------------------------------------------------------------------------------------------
# irrigation
# ---------------------------------------------------------------------------------------------
LAT = 40.8
TMAX, TMIN = 30.0, 13.2  # Tmean 21.6 degC, where pyet's lambda(T) = 2.501 - 0.002361 T = 2.45 MJ/kg


def fao56_hargreaves(tmax: float, tmin: float, lat_deg: float, j: int) -> float:
    """ET0 [mm/d] by FAO-56 Eq. 52, with Ra from Eq. 21, 23-25 (written out here on purpose)."""
    phi = math.radians(lat_deg)
    dr = 1 + 0.033 * math.cos(2 * math.pi * j / 365)  # Eq. 23
    delta = 0.409 * math.sin(2 * math.pi * j / 365 - 1.39)  # Eq. 24
    ws = math.acos(-math.tan(phi) * math.tan(delta))  # Eq. 25
    gsc_dr = 24 * 60 / math.pi * 0.0820 * dr
    ra = gsc_dr * (
        ws * math.sin(phi) * math.sin(delta) + math.cos(phi) * math.cos(delta) * math.sin(ws)
    )  # Eq. 21
    return 0.0023 * ((tmax + tmin) / 2 + 17.8) * math.sqrt(tmax - tmin) * ra / 2.45  # Eq. 52


def usda_scs(p: float) -> float:
    return p * (125 - 0.2 * p) / 125 if p <= 250 else 125 + 0.1 * p


# maize: planted 1 May (day 121), stages 30/40/50/30 d -> in the field 1 May .. 27 September
# wheat: planted 15 March (day 74), 20/30/40/20 d
CROPS = {
    "kc_ini": [0.3, 0.4],
    "kc_mid": [1.2, 1.15],
    "kc_end": [0.35, 0.3],
    "l_ini": [30.0, 20.0],
    "l_dev": [40.0, 30.0],
    "l_mid": [50.0, 40.0],
    "l_late": [30.0, 20.0],
    "planting_doy": [121.0, 74.0],
}
RAIN = np.array([3, 5, 10, 20, 30, 60, 100, 90, 100, 20, 5, 2], dtype=float)  # [mm/month]
# Kc July of maize: 1 July = season day 62; days 62..70 in development (0.3 + (i - 30)/40 x 0.9,
# mean day 66 -> 1.11), days 71..92 mid season (1.2): (9 x 1.11 + 22 x 1.2) / 31
KC_JULY = (9 * 1.11 + 22 * 1.2) / 31
# Kc September: days 124..150 late season (1.2 - (i - 120)/30 x 0.85, mean day 137), 3 days fallow
KC_SEPTEMBER = 27 * (1.2 - 17 / 30 * 0.85) / 30
# efficiencies of unit a: field 1/(0.5/0.6 + 0.5/0.9) = 0.72; conveyance 0.4 x 0.95 + 0.6 x 0.7 = 0.80
EUC_A = 0.72 * 0.80


def irrigation_drivers(**change) -> xr.Dataset:
    climate = {
        "climate_precipitation": np.c_[RAIN, RAIN],
        "climate_tmax": np.full((12, 2), TMAX),
        "climate_tmin": np.full((12, 2), TMIN),
        # unit a: temperature only (Hargreaves); unit b: full set (Penman-Monteith)
        "climate_rh": np.c_[np.full(12, np.nan), np.full(12, 55.0)],
        "climate_wind": np.c_[np.full(12, np.nan), np.full(12, 2.5)],
        "climate_sunshine": np.c_[np.full(12, np.nan), np.full(12, 8.5)],
    }
    ds = xr.Dataset(
        {
            "irrigated_area": (("crop", "unit"), np.array([[1000.0, 500.0], [0.0, 300.0]])),
            **{k: ("crop", np.asarray(v)) for k, v in CROPS.items()},
            **unit_vars(
                share_flood=[0.5, 1.0],
                share_drip=[0.5, 0.0],
                efficiency_flood=[0.6, 0.5],
                efficiency_drip=[0.9, 0.9],
                lined_share=[0.4, 0.0],
                conveyance_lined=[0.95, 0.95],
                conveyance_unlined=[0.7, 0.6],
                leaching_area=[0.0, 0.0],
                leaching_depth=[0.0, 0.0],
                climate_latitude=[LAT, 42.0],
                climate_elevation=[1000.0, 1200.0],
            ),
            **{k: (("month", "unit"), v) for k, v in climate.items()},
        },
        coords={"unit": UNITS, "crop": ["maize", "wheat"], "month": MONTHS},
    )
    for name, value in change.items():
        dims = ds[name].dims if name in ds else ("unit",)
        ds[name] = (dims, np.asarray(value, dtype=float))
    return ds


def gross_hm3(net_mm: float, area_ha: float = 1000.0, euc: float = EUC_A) -> float:
    return net_mm / euc * area_ha * 1e-5


@pytest.fixture(scope="module")
def base_run() -> xr.Dataset:
    axis = make_time_axis("2022-01", "2024-12")
    return irrigation.requirement(irrigation_drivers(), axis, {"base_year": 2022})


def test_irrigation_hargreaves_et0_hand_computed(base_run):
    # July: J = INT(30.4 x 7 - 15) = 197, Ra = 40.69 MJ m-2 d-1 -> 6.169 mm/d x 31 d
    et0_july = fao56_hargreaves(TMAX, TMIN, LAT, 197) * 31
    assert et0_july == pytest.approx(191.24, abs=0.01)
    assert float(base_run.et0.sel(month=7, unit="a")) == pytest.approx(et0_july, rel=1e-4)
    et0_sep = fao56_hargreaves(TMAX, TMIN, LAT, 258) * 30
    assert float(base_run.et0.sel(month=9, unit="a")) == pytest.approx(et0_sep, rel=1e-4)


def test_irrigation_gross_requirement_july_hand_computed(base_run):
    # ETc = Kc x ET0; Peff(100 mm) = 84 mm (USDA-SCS); net = ETc - Peff; gross = net / 0.576
    etc = KC_JULY * fao56_hargreaves(TMAX, TMIN, LAT, 197) * 31
    net = etc - usda_scs(100.0)
    assert net == pytest.approx(140.49, abs=0.02)
    assert at(base_run.requirement, "2022-07", "a") == pytest.approx(gross_hm3(net), rel=1e-4)
    assert at(base_run.requirement, "2022-07", "a") == pytest.approx(2.4392, abs=1e-3)
    assert at(base_run.irrigation_net, "2022-07", "a") == pytest.approx(net * 1000 * 1e-5, rel=1e-4)


def test_irrigation_part_month_counts_rain_over_days_in_field(base_run):
    # September: maize in the field 27 of 30 days -> Peff 84 x 27/30
    etc = KC_SEPTEMBER * fao56_hargreaves(TMAX, TMIN, LAT, 258) * 30
    net = etc - usda_scs(100.0) * 27 / 30
    assert at(base_run.requirement, "2022-09", "a") == pytest.approx(gross_hm3(net), rel=1e-4)
    # no crop in winter
    assert at(base_run.requirement, "2022-01", "a") == 0.0


def test_irrigation_effective_use_coefficient(base_run):
    # b: flood only at 0.5, unlined canals at 0.6 -> 0.30
    euc = base_run.effective_use_coefficient
    assert float(euc.sel(unit="a")) == pytest.approx(0.576)
    assert float(euc.sel(unit="b")) == pytest.approx(0.30)
    assert euc.attrs["units"] == "1"
    ratio = base_run.irrigation_net / base_run.requirement
    assert float(ratio.sel(time=pd.Timestamp("2022-07"), unit="b")) == pytest.approx(0.30)


def test_irrigation_area_growth_over_years():
    axis = make_time_axis("2022-01", "2024-12")
    out = irrigation.requirement(irrigation_drivers(area_growth=[0.02, 0.0]), axis, {"base_year": 2022})
    july_2022 = at(out.requirement, "2022-07", "a")
    assert at(out.requirement, "2024-07", "a") == pytest.approx(july_2022 * 1.02**2)
    assert at(out.irrigated_area, "2024-07", "a") == pytest.approx(1000 * 1.0404)
    assert at(out.irrigated_area, "2023-01", "b") == pytest.approx(800.0)


def test_irrigation_leaching_in_autumn():
    axis = make_time_axis("2022-01", "2022-12")
    drivers = irrigation_drivers(leaching_area=[2000.0, 0.0], leaching_depth=[200.0, 0.0])
    out = irrigation.requirement(drivers, axis, {"base_year": 2022})
    # 2000 ha x 200 mm = 4 hm3 a year over October (31 d) and November (30 d); no crop then
    assert at(out.requirement, "2022-10", "a") == pytest.approx(4.0 * 31 / 61)
    assert at(out.requirement, "2022-11", "a") == pytest.approx(4.0 * 30 / 61)
    assert at(out.irrigation_net, "2022-10", "a") == pytest.approx(4.0 * 31 / 61 * EUC_A)
    spring = irrigation.requirement(drivers, axis, {"base_year": 2022, "leaching_months": [4]})
    assert at(spring.requirement, "2022-04", "a") == pytest.approx(4.0)
    assert at(spring.requirement, "2022-10", "a") == 0.0


def test_irrigation_effective_rain_methods():
    axis = make_time_axis("2022-07", "2022-07")
    drivers = irrigation_drivers()
    usda = irrigation.requirement(drivers, axis, {"base_year": 2022})
    fao = irrigation.requirement(drivers, axis, {"base_year": 2022, "effective_rain": "fao_aglw"})
    fixed = irrigation.requirement(
        drivers, axis, {"base_year": 2022, "effective_rain": "fixed", "effective_rain_fraction": 0.5}
    )
    # P = 100 mm: USDA-SCS 84, FAO/AGLW 0.8 x 100 - 24 = 56, fixed 50 % = 50 mm
    diff = at(fao.requirement, "2022-07", "a") - at(usda.requirement, "2022-07", "a")
    assert diff == pytest.approx(gross_hm3(84.0 - 56.0))
    diff = at(fixed.requirement, "2022-07", "a") - at(usda.requirement, "2022-07", "a")
    assert diff == pytest.approx(gross_hm3(84.0 - 50.0))


def test_irrigation_soil_storage_and_over_irrigation(base_run):
    axis = make_time_axis("2022-01", "2022-12")
    net = base_run.irrigation_net.sel(unit="a", time="2022")
    season_mm = float(net.sum()) / (1000 * 1e-5)  # net need of the maize season [mm]
    half = irrigation.requirement(
        irrigation_drivers(soil_storage=[season_mm / 2, 0.0]), axis, {"base_year": 2022}
    )
    # the storage is spread in proportion to each month's need: every month halves
    np.testing.assert_allclose(half.irrigation_net.sel(unit="a").values, net.values / 2, rtol=1e-9)
    np.testing.assert_allclose(
        half.requirement.sel(unit="b"), base_run.requirement.sel(unit="b", time="2022")
    )
    dry = irrigation.requirement(irrigation_drivers(soil_storage=[1e4, 0.0]), axis, {"base_year": 2022})
    assert float(dry.requirement.sel(unit="a").sum()) == 0.0
    over = irrigation.requirement(irrigation_drivers(over_irrigation=[0.1, 0.0]), axis, {"base_year": 2022})
    np.testing.assert_allclose(
        over.requirement.sel(unit="a"), base_run.requirement.sel(unit="a", time="2022") * 1.1, rtol=1e-12
    )


def test_irrigation_factors_along_time_give_what_the_calendar_path_gives():
    # Soil storage, over-irrigation and areas constant in time: the sum over crops is taken
    # per calendar year and month. The same values along `time` (as a measure that ramps
    # them up gives them) take the step-by-step path; both must agree. The rain differs
    # between the years, so a year taken for another would show.
    axis = make_time_axis("2022-01", "2023-12")
    drivers = irrigation_drivers(soil_storage=[60.0, 20.0], over_irrigation=[0.1, -0.2])
    rain = np.stack([np.c_[RAIN, RAIN] * f for f in (0.6, 1.3)])
    drivers["climate_precipitation"] = (("year", "month", "unit"), rain)
    drivers = drivers.assign_coords(year=[2022, 2023])
    calendar = irrigation.requirement(drivers, axis, {"base_year": 2022})
    along = drivers.assign(
        {
            n: drivers[n].expand_dims(time=axis.time)
            for n in ("soil_storage", "over_irrigation", "irrigated_area")
        }
    )
    steps = irrigation.requirement(along, axis, {"base_year": 2022})
    for name in ("requirement", "irrigation_net"):
        np.testing.assert_allclose(steps[name].transpose(*calendar[name].dims), calendar[name], rtol=1e-12)
    dry, wet = (calendar.requirement.sel(unit="a", time=y).sum().item() for y in ("2022", "2023"))
    assert dry > wet > 0.0


def test_irrigation_daily_steps_spread_the_month(base_run):
    axis = make_time_axis("2022-07-01", "2022-07-31", step="day")
    out = irrigation.requirement(irrigation_drivers(), axis, {"base_year": 2022})
    july = at(base_run.requirement, "2022-07", "a")
    assert at(out.requirement, "2022-07-15", "a") == pytest.approx(july / 31)
    assert float(out.requirement.sel(unit="a").sum()) == pytest.approx(july)


def test_irrigation_penman_monteith_where_full_climate(base_run):
    # unit b has rh, wind and sunshine: Penman-Monteith; a has temperature only: Hargreaves
    expected = monthly_et0(
        np.full(12, TMAX),
        np.full(12, TMIN),
        42.0,
        1200.0,
        rh_mean=np.full(12, 55.0),
        u2=np.full(12, 2.5),
        sunshine_hours=np.full(12, 8.5),
        year=2001,
    )
    np.testing.assert_allclose(base_run.et0.sel(unit="b").values, expected, rtol=1e-12)
    hargreaves = monthly_et0(np.full(12, TMAX), np.full(12, TMIN), 42.0, year=2001)
    assert not np.allclose(base_run.et0.sel(unit="b").values, hargreaves)


def test_irrigation_unit_without_crops_needs_no_climate():
    axis = make_time_axis("2022-01", "2022-12")
    drivers = irrigation_drivers(
        irrigated_area=[[1000.0, 0.0], [0.0, 0.0]],
        climate_tmax=np.c_[np.full(12, TMAX), np.full(12, np.nan)],
        leaching_area=[0.0, 100.0],
        leaching_depth=[0.0, 300.0],
    )
    out = irrigation.requirement(drivers, axis, {"base_year": 2022})
    assert float(out.requirement.sel(unit="b").sum()) == pytest.approx(0.3)  # leaching only
    assert out.et0.sel(unit="b").isnull().all()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"share_flood": [0.5, 0.5], "share_drip": [0.5, 0.4]}, r"unit 'b'.* add up to 0\.9"),
        ({"share_drip": [-0.5, 0.0], "share_flood": [1.5, 1.0]}, r"'share_flood' of unit 'a'"),
        ({"efficiency_drip": [1.2, 0.9]}, r"'efficiency_drip' of unit 'a' must lie in \(0, 1\]"),
        ({"efficiency_flood": [0.6, 0.0]}, r"'efficiency_flood' of unit 'b' must lie in \(0, 1\]"),
        ({"conveyance_unlined": [0.7, 1.5]}, r"'conveyance_unlined' of unit 'b'"),
        ({"lined_share": [1.2, 0.0]}, r"'lined_share' of unit 'a'"),
        ({"irrigated_area": [[1000.0, -1.0], [0.0, 300.0]]}, r"crop 'maize', unit 'b' is negative"),
        ({"area_growth": [0.0, -1.5]}, r"'area_growth' of unit 'b' is below -1"),
        ({"leaching_depth": [-10.0, 0.0]}, r"'leaching_depth' of unit 'a' is negative"),
        ({"l_mid": [300.0, 40.0]}, r"crop 'maize'.*365 days"),
        ({"kc_mid": [1.2, np.nan]}, r"crop 'wheat' has no value for kc_mid"),
        ({"planting_doy": [121.0, 0.0]}, r"crop 'wheat'"),
    ],
)
def test_irrigation_driver_errors(change, match):
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match=match):
        irrigation.requirement(irrigation_drivers(**change), axis, {"base_year": 2022})


def test_irrigation_climate_gaps_raise():
    axis = make_time_axis("2022-01", "2022-02")
    rain = np.c_[RAIN, RAIN]
    rain[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"'precipitation' of month 3, unit 'b'.*gaps"):
        irrigation.requirement(irrigation_drivers(climate_precipitation=rain), axis, {"base_year": 2022})
    tmin = np.full((12, 2), TMIN)
    tmin[6, 0] = np.nan
    with pytest.raises(ValueError, match=r"'tmin' of month 7, unit 'a'.*gaps"):
        irrigation.requirement(irrigation_drivers(climate_tmin=tmin), axis, {"base_year": 2022})
    rh = np.c_[np.full(12, np.nan), np.full(12, 55.0)]
    rh[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"'rh' of unit 'b' has gaps"):
        irrigation.requirement(irrigation_drivers(climate_rh=rh), axis, {"base_year": 2022})


def test_irrigation_option_errors():
    axis = make_time_axis("2022-01", "2022-02")
    with pytest.raises(ValueError, match="effective_rain"):
        irrigation.requirement(irrigation_drivers(), axis, {"base_year": 2022, "effective_rain": "cropwat"})
    with pytest.raises(ValueError, match="leaching_months"):
        irrigation.requirement(irrigation_drivers(), axis, {"base_year": 2022, "leaching_months": [0]})


# ---------------------------------------------------------------------------------------------
# the contract of every model
# ---------------------------------------------------------------------------------------------
TEST_VALUES = {
    "irrigated_area": 100.0,
    "heads_large": 100.0,
    "heads_small": 1000.0,
    "use_large": 40.0,
    "use_small": 8.0,
    "value_added": 1e5,
    "intensity": 15.0,
    "urban_population": 1e5,
    "rural_population": 5e4,
    "urban_use": 140.0,
    "rural_use": 70.0,
    "green_area": 50.0,
    "green_quota": 400.0,
}


def contract_drivers(specs: dict[str, DriverSpec]) -> xr.Dataset:
    full = irrigation_drivers()
    ds = full[[*CROPS, *[v for v in full.data_vars if v.startswith("climate_")]]]
    for name, spec in specs.items():
        value = TEST_VALUES.get(name, 1.0 if np.isnan(spec.default) else spec.default)
        dims = ("crop", "unit") if spec.item == "crop" else ("unit",)
        ds[name] = (dims, np.full([ds.sizes[d] for d in dims], value))
    return ds


@pytest.mark.parametrize("name", model_names())
def test_model_contract(name):
    model = load_model(name)
    assert isinstance(model.DRIVERS, dict) and model.DRIVERS
    assert all(isinstance(k, str) and isinstance(v, DriverSpec) for k, v in model.DRIVERS.items())
    axis = make_time_axis("2022-01", "2023-12")
    out = model.requirement(contract_drivers(model.DRIVERS), axis, {"base_year": 2022})
    assert isinstance(out, xr.Dataset)
    req = out["requirement"]
    assert {"time", "unit"} <= set(req.dims)
    assert req.attrs["units"] == "hm3"
    assert np.all(np.isfinite(req.values)) and np.all(req.values >= 0)
    assert float(req.sum()) > 0


@pytest.mark.parametrize("name", model_names())
def test_model_driver_units_parse(name):
    from sim.units import parse_units

    for var, spec in load_model(name).DRIVERS.items():
        try:
            parse_units(spec.units)
        except ValueError:
            raise AssertionError(f"{name}.{var}: units {spec.units!r} do not parse") from None


def test_domestic_public_share_splits_residential_use():
    """Urban 1e6 x 150 L/d with 30 % public use, rural 5e5 x 60 L/d: residential per resident
    = (1e6 x 150 x 0.7 + 5e5 x 60) / 1.5e6 = 90 L/d; domestic per resident = 120 L/d."""
    import xarray as xr

    from sim.demand import domestic
    from sim.timeaxis import make_time_axis

    drivers = xr.Dataset(
        {
            "urban_population": ("unit", [1e6]),
            "rural_population": ("unit", [5e5]),
            "urban_use": ("unit", [150.0]),
            "rural_use": ("unit", [60.0]),
            "public_share": ("unit", [0.3]),
        },
        coords={"unit": ["a"]},
    )
    out = domestic.requirement(drivers, make_time_axis("2022-01", "2022-01"), {"base_year": 2022})
    assert float(out["residential_per_capita"].isel(time=0, unit=0)) == pytest.approx(90.0)
    assert float(out["use_per_capita"].isel(time=0, unit=0)) == pytest.approx(120.0)
    # the public share does not change the withdrawal: (1.5e8 + 3e7) L/d x 31 d
    assert float(out["requirement"].isel(time=0, unit=0)) == pytest.approx(1.8e8 * 31 * 1e-9)
