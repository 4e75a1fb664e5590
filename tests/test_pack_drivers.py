"""Tests for the driver tables of region packs (docs/demand.md): sectors.csv model/group,
drivers.csv, crops.csv and the climate rows of monthly.csv.

The demand models are replaced by fake ``DRIVERS`` tables (``sim.demand.base.load_model`` and
``model_names`` are monkeypatched), so these tests do not depend on ``sim.demand.<model>``.
"""

import math
import shutil
import types
from pathlib import Path

import numpy as np
import pytest
from csvedit import append, delete_row, edit, read_rows, write_rows

import sim.demand.base as demand_base
from sim.demand.base import DriverSpec
from sim.errors import InputError
from sim.pack import load_pack
from sim.pack.drivers import convert_driver

DATA = Path(__file__).parent / "data"
PACK = DATA / "driver_pack"
TINY = DATA / "tiny_pack"
NAN = math.nan
MU_HA = 1 / 15  # 1 mu = 10000/15 m2

FAKE_MODELS = {
    "irrigation": {
        "irrigated_area": DriverSpec("crop", "ha", 0.0, "irrigated area of the crop"),
        "share_flood": DriverSpec("irrigation", "1", 0.0, "share under flood irrigation"),
        "share_drip": DriverSpec("irrigation", "1", 0.0, "share under drip irrigation"),
        "efficiency_flood": DriverSpec("irrigation", "1", 0.5, "field efficiency of flood irrigation"),
        "lined_share": DriverSpec("irrigation", "1", NAN, "share of canals lined"),
        "soil_storage": DriverSpec("irrigation", "mm", 0.0, "soil-water contribution"),
        "area_growth": DriverSpec("irrigation", "1/a", 0.0, "growth of irrigated areas"),
        "climate_tmax": DriverSpec("climate", "degC", NAN, "required climate"),
        "latitude": DriverSpec("climate", "degree", NAN, "latitude (alias of climate_latitude)"),
        "elevation": DriverSpec("climate", "m", 0.0, "elevation (alias, default 0)"),
    },
    "livestock": {
        "heads_large": DriverSpec("livestock", "head", NAN, "cattle and horses"),
        "use_large": DriverSpec("livestock", "L/head/d", 40.0, "water per large head"),
        "heads_growth": DriverSpec("livestock", "1/a", 0.0, "growth of the herds"),
    },
    "industry": {
        "value_added": DriverSpec("industry", "1e4 yuan/a", NAN, "industrial value added"),
        "intensity": DriverSpec("industry", "m3/1e4 yuan", NAN, "withdrawal per value added"),
        "recycling_rate": DriverSpec("industry", "1", 0.0, "recycling rate"),
        "value_added_growth": DriverSpec("industry", "1/a", 0.0, "growth of value added"),
    },
    "domestic": {
        "urban_population": DriverSpec("domestic", "person", NAN, "urban residents"),
        "rural_population": DriverSpec("domestic", "person", 0.0, "rural residents"),
        "urban_use": DriverSpec("domestic", "L/person/d", NAN, "use per urban resident"),
        "leakage": DriverSpec("domestic", "1", 0.1, "urban network leakage"),
    },
    "urban": {  # a model no sector of the test pack uses
        "green_area": DriverSpec("urban", "ha", NAN, "urban green space"),
    },
}


def _fake_load_model(name):
    if name not in FAKE_MODELS:
        raise KeyError(f"unknown demand model '{name}'")
    module = types.ModuleType(f"sim.demand.{name}")
    module.DRIVERS = FAKE_MODELS[name]
    return module


@pytest.fixture(scope="module", autouse=True)
def fake_models():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demand_base, "model_names", lambda: sorted(FAKE_MODELS))
        mp.setattr(demand_base, "load_model", _fake_load_model)
        yield


@pytest.fixture(scope="module")
def pack(fake_models):
    return load_pack(PACK)


@pytest.fixture
def pack_dir(tmp_path):
    d = tmp_path / "driver"
    shutil.copytree(PACK, d)
    return d


def driver_row(d, unit, item, variable, value, units, status="estimate"):
    append(
        d, "drivers.csv", unit=unit, item=item, variable=variable, value=value, units=units, year="2020",
        status=status, reference="test",
    )  # fmt: skip


def expect_error(d, *fragments):
    with pytest.raises(InputError) as ei:
        load_pack(d)
    msg = str(ei.value)
    assert "\n" not in msg, msg
    for fragment in fragments:
        assert fragment in msg, msg
    return msg


# ---------------------------------------------------------------------------------------------
# successful load


def test_sector_model_and_group(pack):
    ds = pack.data
    assert list(ds["sector"].values) == ["domestic", "industry", "livestock", "agriculture", "ecology"]
    assert ds["sector_model"].values.tolist() == ["domestic", "industry", "livestock", "irrigation", ""]
    # group defaults to the sector id
    assert ds["sector_group"].values.tolist() == [
        "domestic", "industry", "agriculture", "agriculture", "ecological",
    ]  # fmt: skip
    assert ds["sector_model"].dims == ("sector",)
    assert ds["requirement_rate"].sel(sector="ecology").values == pytest.approx(1.0)  # 100 万m3/a


def test_one_dataset_per_model_in_use(pack):
    assert list(pack.drivers) == ["domestic", "industry", "livestock", "irrigation"]  # not "urban"
    for model, ds in pack.drivers.items():
        assert ds.attrs["base_year"] == 2020
        assert ds.attrs["model"] == model
        assert list(ds["unit"].values) == ["up", "mid", "low"]
        assert list(ds["crop"].values) == ["maize", "wheat"]
        assert list(ds["month"].values) == list(range(1, 13))
        for name, spec in FAKE_MODELS[model].items():
            assert name in ds, (model, name)
            assert ds[name].attrs["units"] == spec.units
    assert pack.drivers["livestock"].attrs["sectors"] == "livestock"


def test_hand_converted_drivers(pack):
    irr = pack.drivers["irrigation"]
    area = irr["irrigated_area"]
    assert area.dims == ("crop", "unit")
    # 1 万亩 = 1e4 mu = 666.667 ha (* row); mid overrides with 300 ha
    np.testing.assert_allclose(area.sel(crop="maize"), [1e4 * MU_HA, 300.0, 1e4 * MU_HA])
    assert 1e4 * MU_HA == pytest.approx(666.667, abs=1e-3)
    # 150 mu = 10 ha in up; default 0 elsewhere
    np.testing.assert_allclose(area.sel(crop="wheat"), [10.0, 0.0, 0.0])
    np.testing.assert_allclose(irr["share_flood"], 0.6)  # 60 %
    np.testing.assert_allclose(irr["share_drip"], 0.4)
    np.testing.assert_allclose(irr["efficiency_flood"], 0.5)  # default
    np.testing.assert_allclose(irr["soil_storage"], 50.0)  # 5 cm
    np.testing.assert_allclose(irr["area_growth"], 0.01)  # 1 %/a

    liv = pack.drivers["livestock"]
    np.testing.assert_allclose(liv["heads_large"], 2e4)  # 2 万头
    np.testing.assert_allclose(liv["use_large"], [50.0, 40.0, 40.0])  # L/头/d; default 40
    assert liv["heads_large"].dims == ("unit",)

    ind = pack.drivers["industry"]
    # 1 亿元/a = 1e8 yuan/a = 1e4 × (1e4 yuan/a)
    np.testing.assert_allclose(ind["value_added"], 1e4)
    np.testing.assert_allclose(ind["intensity"], 13.65)  # m3/万元 is m3/(1e4 yuan)
    np.testing.assert_allclose(ind["value_added_growth"], -0.02)  # negative growth is allowed
    np.testing.assert_allclose(ind["recycling_rate"], 0.0)

    dom = pack.drivers["domestic"]
    np.testing.assert_allclose(dom["urban_population"], 1e5)  # 10 万人
    np.testing.assert_allclose(dom["urban_use"], 150.0)  # 150 L/人/d stays 150 L/person/d
    np.testing.assert_allclose(dom["leakage"], 0.1)
    np.testing.assert_allclose(dom["rural_population"], 0.0)


def test_star_row_is_overridden_whatever_the_order(pack):
    # drivers.csv gives lined_share for 'low' before the '*' row
    np.testing.assert_allclose(pack.drivers["irrigation"]["lined_share"], [0.5, 0.5, 0.4])


def test_convert_driver_by_hand():
    assert convert_driver(1.0, "万亩", "ha", "x") == pytest.approx(666.6667, rel=1e-6)
    assert convert_driver(1.0, "亿元/a", "1e4 yuan/a", "x") == pytest.approx(1e4)
    assert convert_driver(13.65, "m3/万元", "m3/1e4 yuan", "x") == pytest.approx(13.65)
    assert convert_driver(1.0, "m3/元", "m3/1e4 yuan", "x") == pytest.approx(1e4)
    assert convert_driver(3.0, "万头", "head", "x") == pytest.approx(3e4)
    assert convert_driver(40.0, "L/head/d", "L/head/d", "x") == pytest.approx(40.0)
    assert convert_driver(1.0, "m3/头/a", "L/head/d", "x") == pytest.approx(1000 / 365.25)
    assert convert_driver(50.0, "%", "1", "x") == pytest.approx(0.5)
    assert convert_driver(32.0, "degF", "degC", "x") == pytest.approx(0.0, abs=1e-9)
    assert convert_driver(30.0, "mm/month", "mm", "x", per_month=True) == pytest.approx(30.0)
    with pytest.raises(ValueError, match="is an area"):
        convert_driver(1.0, "万亩", "head", "heads_large")
    with pytest.raises(ValueError, match="plain number"):
        convert_driver(1.0, "1", "degree", "latitude")


def test_crop_parameters(pack):
    ds = pack.drivers["irrigation"]
    assert ds["kc_mid"].dims == ("crop",)
    np.testing.assert_allclose(ds["kc_ini"], [0.3, 0.4])
    np.testing.assert_allclose(ds["kc_mid"], [1.2, 1.15])
    np.testing.assert_allclose(ds["kc_end"], [0.6, 0.3])
    np.testing.assert_allclose(ds["l_ini"], [20, 15])
    np.testing.assert_allclose(ds["l_dev"], [35, 25])
    np.testing.assert_allclose(ds["l_mid"], [40, 50])
    np.testing.assert_allclose(ds["l_late"], [30, 30])
    # 04-20: 31 + 28 + 31 + 20 = 110; 03-25: 31 + 28 + 25 = 84
    np.testing.assert_allclose(ds["planting_doy"], [110, 84])
    assert ds["l_mid"].attrs["units"] == "d"
    # the crop parameters and the climate are in every model's Dataset
    for model_ds in pack.drivers.values():
        np.testing.assert_allclose(model_ds["planting_doy"], [110, 84])
        assert "climate_tmax" in model_ds and "climate_latitude" in model_ds


def test_climate(pack):
    ds = pack.drivers["domestic"]
    pr = ds["climate_precipitation"]
    assert pr.dims == ("month", "unit")
    assert pr.attrs["units"] == "mm"
    np.testing.assert_allclose(pr.sel(unit="mid"), [2, 3, 5, 10, 25, 45, 80, 70, 35, 12, 4, 2])
    np.testing.assert_allclose(pr.sel(unit="up"), np.arange(1, 13))  # 0.1 cm ... 1.2 cm
    tmax = ds["climate_tmax"]
    np.testing.assert_allclose(tmax.sel(unit="mid"), [-5, 0, 8, 17, 24, 28, 30, 28, 22, 14, 4, -3])
    np.testing.assert_allclose(tmax.sel(unit="low"), tmax.sel(unit="mid"), atol=1e-9)  # K -> °C
    np.testing.assert_allclose(ds["climate_tmin"].sel(unit="up")[0], -18)
    np.testing.assert_allclose(ds["climate_rh"].sel(unit="mid")[0], 55)  # canonical %
    assert np.isnan(ds["climate_rh"].sel(unit=["up", "low"])).all()  # NaN where absent
    assert np.isnan(ds["climate_wind"].sel(unit="up")).all()
    np.testing.assert_allclose(ds["climate_sunshine"].sel(unit="mid")[4], 10)
    assert ds["climate_latitude"].dims == ("unit",)
    np.testing.assert_allclose(ds["climate_latitude"], 40.5)
    np.testing.assert_allclose(ds["climate_elevation"].sel(unit="up"), 1200)
    assert np.isnan(ds["climate_elevation"].sel(unit=["mid", "low"])).all()
    # a model listing climate variables gets them (aliases with defaults filled)
    irr = pack.drivers["irrigation"]
    np.testing.assert_allclose(irr["latitude"], 40.5)
    np.testing.assert_allclose(irr["elevation"], [1200, 0, 0])


def test_provenance_covers_the_driver_tables(pack):
    prov = pack.provenance
    drivers = prov[prov["file"] == "drivers.csv"]
    assert len(drivers) == 18
    crops = prov[prov["file"] == "crops.csv"]
    assert len(crops) == 2 * 8
    climate = prov[(prov["file"] == "monthly.csv") & (prov["item"] == "climate")]
    assert len(climate) == 8 * 12
    row = drivers[drivers["row"] == 13].iloc[0]
    assert (row["unit"], row["item"], row["variable"], row["value"], row["units"], row["status"]) == (
        "*", "industry", "value_added", 1.0, "亿元/a", "sourced",
    )  # fmt: skip
    planting = crops[(crops["item"] == "maize") & (crops["variable"] == "planting_doy")].iloc[0]
    assert planting["value"] == 110 and "04-20" in planting["note"]
    share = prov["status"].value_counts(normalize=True)
    assert share.sum() == pytest.approx(1.0)
    assert set(share.index) == {"sourced", "derived", "estimate"}


def test_pack_without_models_has_no_drivers():
    tiny = load_pack(TINY)
    assert tiny.drivers == {}
    assert tiny.data["sector_model"].values.tolist() == ["", ""]
    assert tiny.data["sector_group"].values.tolist() == ["domestic", "agriculture"]


def test_driver_files_are_optional_without_required_drivers(pack_dir):
    (pack_dir / "crops.csv").unlink()
    rows = [r for r in read_rows(pack_dir / "drivers.csv") if r[1] not in ("maize", "wheat")]
    write_rows(pack_dir / "drivers.csv", rows)
    p = load_pack(pack_dir)
    assert p.drivers["irrigation"].sizes["crop"] == 0
    assert p.drivers["irrigation"]["irrigated_area"].dims == ("crop", "unit")


def test_unused_model_rows_are_validated_and_recorded(pack_dir):
    driver_row(pack_dir, "*", "urban", "green_area", "2", "km2")
    p = load_pack(pack_dir)
    assert "urban" not in p.drivers
    assert ((p.provenance["item"] == "urban") & (p.provenance["variable"] == "green_area")).sum() == 1
    driver_row(pack_dir, "*", "urban", "green_aera", "2", "km2")
    expect_error(pack_dir, "drivers.csv row 21, column 'variable'", "did you mean 'green_area'?")


# ---------------------------------------------------------------------------------------------
# sectors.csv


def test_unknown_model(pack_dir):
    edit(pack_dir, "sectors.csv", 5, "model", "irigation")
    expect_error(
        pack_dir,
        "sectors.csv row 5, column 'model': unknown demand model 'irigation'",
        "did you mean 'irrigation'?",
        "available models: domestic, industry, irrigation, livestock, urban",
    )


def test_bad_group(pack_dir):
    edit(pack_dir, "sectors.csv", 2, "group", "home use")
    expect_error(pack_dir, "sectors.csv row 2, column 'group': 'home use' is not a valid group name")


def test_misspelled_optional_column(pack_dir):
    edit(pack_dir, "sectors.csv", 1, "model", "modle")
    expect_error(pack_dir, "sectors.csv row 1, column 'modle': unknown column (did you mean 'model'?)")


def test_model_sector_with_requirement_row(pack_dir):
    append(
        pack_dir, "parameters.csv", unit="up", item="industry", variable="requirement", value="1",
        units="hm3/a", year="2020", status="estimate", reference="test",
    )  # fmt: skip
    expect_error(
        pack_dir,
        "parameters.csv row 9, column 'item'",
        "sector 'industry' gets its requirement from demand model 'industry'",
    )


def test_climate_is_a_reserved_sector_id(pack_dir):
    edit(pack_dir, "sectors.csv", 6, "id", "climate")
    expect_error(pack_dir, "sectors.csv row 6, column 'id': 'climate' is a reserved name")


# ---------------------------------------------------------------------------------------------
# drivers.csv


def test_unknown_variable_for_model(pack_dir):
    edit(pack_dir, "drivers.csv", 5, "variable", "share_flod")
    expect_error(
        pack_dir,
        "drivers.csv row 5, column 'variable': unknown variable 'share_flod' for demand model 'irrigation'",
        "did you mean 'share_flood'?",
    )


def test_unknown_crop_id(pack_dir):
    edit(pack_dir, "drivers.csv", 4, "item", "wheet")
    expect_error(
        pack_dir,
        "drivers.csv row 4, column 'item': unknown item 'wheet'",
        "did you mean 'wheat'?",
        "crop id of crops.csv (maize, wheat)",
    )


def test_unknown_crop_variable(pack_dir):
    edit(pack_dir, "drivers.csv", 4, "variable", "irrigated_aera")
    expect_error(
        pack_dir,
        "drivers.csv row 4, column 'variable': unknown crop variable",
        "did you mean 'irrigated_area'?",
    )


@pytest.mark.parametrize(
    ("row", "units", "fragment"),
    [
        (11, "万亩", "'万亩' is an area but 'heads_large' needs"),
        (13, "亿元", "'亿元' is a quantity of dimension [currency] but 'value_added' needs"),
        (17, "L/d", "'L/d' is a volume rate but 'urban_use' needs"),
        (5, "h/d", "'h/d' is a ratio"),
        (18, "1", "'1' is a plain number but 'latitude' needs an angle"),
        (12, "L/人/d", "but 'use_large' needs"),
        (8, "nonsense", "'nonsense' is not a unit string pint can read"),
    ],
)
def test_units_with_the_wrong_dimension(pack_dir, row, units, fragment):
    edit(pack_dir, "drivers.csv", row, "units", units)
    expect_error(pack_dir, f"drivers.csv row {row}, column 'units'", fragment)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "empty cell"),
        ("nan", "NaN is not allowed"),
        ("inf", "is not allowed here"),
        ("abc", "'abc' is not a number"),
        ("-1", "-1 is negative"),
    ],
)
def test_bad_values(pack_dir, value, fragment):
    edit(pack_dir, "drivers.csv", 11, "value", value)
    expect_error(pack_dir, "drivers.csv row 11, column 'value'", fragment)


def test_growth_rate_must_be_above_minus_one(pack_dir):
    edit(pack_dir, "drivers.csv", 15, "value", "-100")
    expect_error(pack_dir, "drivers.csv row 15, column 'value'", "a growth rate must be > −1")


def test_latitude_out_of_range(pack_dir):
    edit(pack_dir, "drivers.csv", 18, "value", "95")
    expect_error(pack_dir, "drivers.csv row 18, column 'value': 95 degree is outside [-90, 90] degree")


def test_negative_latitude_and_elevation_are_allowed(pack_dir):
    edit(pack_dir, "drivers.csv", 18, "value", "-33.9")
    edit(pack_dir, "drivers.csv", 19, "value", "-150")
    ds = load_pack(pack_dir).drivers["industry"]
    np.testing.assert_allclose(ds["climate_latitude"], -33.9)
    assert ds["climate_elevation"].sel(unit="up").item() == -150


def test_bad_status(pack_dir):
    edit(pack_dir, "drivers.csv", 6, "status", "guess")
    expect_error(pack_dir, "drivers.csv row 6, column 'status': 'guess' is not a status")


def test_duplicate_driver_row(pack_dir):
    driver_row(pack_dir, "*", "industry", "intensity", "10", "m3/万元")
    expect_error(
        pack_dir,
        "drivers.csv row 20, column 'variable': duplicate row for unit '*', item 'industry', "
        "variable 'intensity' (first given in row 14)",
    )


def test_unknown_unit(pack_dir):
    edit(pack_dir, "drivers.csv", 12, "unit", "upp")
    expect_error(pack_dir, "drivers.csv row 12, column 'unit': unknown unit 'upp'", "did you mean 'up'?")


def test_unknown_climate_scalar(pack_dir):
    edit(pack_dir, "drivers.csv", 18, "variable", "latitud")
    expect_error(pack_dir, "drivers.csv row 18, column 'variable'", "did you mean 'latitude'?")
    edit(pack_dir, "drivers.csv", 18, "variable", "tmax")
    expect_error(pack_dir, "drivers.csv row 18, column 'variable'", "it is monthly: give it in monthly.csv")


@pytest.mark.parametrize(
    ("row", "unit", "model", "variable", "units"),
    [
        (8, "up", "irrigation", "lined_share", "[1]"),  # the '*' row (the 'low' row stays)
        (11, "up", "livestock", "heads_large", "[head]"),
        (13, "up", "industry", "value_added", "[1e4 yuan/a]"),
        (17, "up", "domestic", "urban_use", "[L/person/d]"),
        (18, "up", "irrigation", "latitude", "[degree]"),
    ],
)
def test_missing_required_driver(pack_dir, row, unit, model, variable, units):
    delete_row(pack_dir, "drivers.csv", row)
    expect_error(
        pack_dir, "drivers.csv: demand model", f"'{model}'", f"'{variable}' {units}", f"in unit '{unit}'"
    )


def test_missing_required_climate(pack_dir):
    delete_row(pack_dir, "monthly.csv", 5)  # the '*' tmax row; only 'low' keeps one
    expect_error(
        pack_dir,
        "monthly.csv: demand model 'irrigation' (sector 'agriculture', sectors.csv row 5) needs climate "
        "'tmax' [degC] in unit 'up'",
    )


# ---------------------------------------------------------------------------------------------
# crops.csv


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("l_mid", "0", "0 is not a positive number"),
        ("l_dev", "-5", "-5 is negative"),
        ("l_ini", "long", "'long' is not a number"),
        ("l_late", "", "empty cell"),
        ("kc_mid", "nan", "NaN is not allowed"),
        ("planting", "4-20", "'4-20' is not a date MM-DD"),
        ("planting", "13-01", "'13-01' is not a date MM-DD"),
        ("planting", "02-30", "'02-30' is not a date MM-DD"),
        ("planting", "02-29", "'02-29' is not a date MM-DD"),
        ("status", "guessed", "'guessed' is not a status"),
        ("year", "20x0", "'20x0' is not a year"),
    ],
)
def test_bad_crop_rows(pack_dir, column, value, fragment):
    edit(pack_dir, "crops.csv", 3, column, value)
    expect_error(pack_dir, f"crops.csv row 3, column '{column}'", fragment)


def test_duplicate_crop(pack_dir):
    edit(pack_dir, "crops.csv", 3, "id", "maize")
    expect_error(pack_dir, "crops.csv row 3, column 'id': duplicate crop id 'maize' (first defined in row 2)")


@pytest.mark.parametrize("cid", ["climate", "irrigation", "urban"])
def test_reserved_crop_id(pack_dir, cid):
    edit(pack_dir, "crops.csv", 3, "id", cid)
    expect_error(pack_dir, "crops.csv row 3, column 'id'", "is a reserved name")


def test_crop_item_without_crops_file(pack_dir):
    (pack_dir / "crops.csv").unlink()
    expect_error(pack_dir, "drivers.csv row 2, column 'item': unknown item 'maize'", "none: no crops.csv")


# ---------------------------------------------------------------------------------------------
# climate rows of monthly.csv


def test_unknown_climate_variable(pack_dir):
    edit(pack_dir, "monthly.csv", 3, "variable", "precip")
    expect_error(
        pack_dir, "monthly.csv row 3, column 'variable': unknown variable 'precip' for item 'climate'",
        "did you mean 'precipitation'?",
    )  # fmt: skip
    edit(pack_dir, "monthly.csv", 3, "variable", "latitude")
    expect_error(pack_dir, "monthly.csv row 3, column 'variable'", "it is a scalar: give it in drivers.csv")


@pytest.mark.parametrize(
    ("row", "column", "value", "fragment"),
    [
        (3, "m05", "-1", "-1 is negative"),
        (3, "m05", "", "empty cell"),
        (3, "units", "mm/d", "needs the total of the month"),
        (3, "units", "m3", "'m3' is a volume but 'precipitation' needs"),
        (5, "units", "mm", "'mm' is a length (depth) but 'tmax' needs a temperature"),
        (8, "m02", "120", "120 % is outside [0, 100] %"),
        (10, "m03", "25", "25 h/d is outside [0, 24] h/d"),
        (10, "status", "measured", "'measured' is not a status"),
    ],
)
def test_bad_climate_rows(pack_dir, row, column, value, fragment):
    edit(pack_dir, "monthly.csv", row, column, value)
    expect_error(pack_dir, f"monthly.csv row {row}, column '{column}'", fragment)


def test_tmin_above_tmax(pack_dir):
    edit(pack_dir, "monthly.csv", 7, "m07", "31")
    expect_error(pack_dir, "monthly.csv row 7, column 'm07': tmin 31 °C of unit 'up' is above tmax 30 °C")


def test_duplicate_climate_row(pack_dir):
    append(
        pack_dir, "monthly.csv", unit="mid", item="climate", variable="rh", units="%", year="2020",
        status="derived", reference="test", **{f"m{m:02d}": "50" for m in range(1, 13)},
    )  # fmt: skip
    expect_error(pack_dir, "monthly.csv row 11, column 'variable': duplicate row for unit 'mid'")
