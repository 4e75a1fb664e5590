"""Tests for sim.pack: loading the tiny test pack, defaults, overrides and every validation."""

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from csvedit import append, delete_row, edit, read_rows, write_rows

from sim.errors import InputError
from sim.pack import builtin_packs, load_pack
from sim.pack.schema import VARIABLES

TINY = Path(__file__).parent / "data" / "tiny_pack"
MU_HA = 1 / 15  # 1 mu = 10000/15 m2 = 1/15 ha


# ---------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(scope="module")
def tiny():
    return load_pack(TINY)


@pytest.fixture
def pack_dir(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


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


def test_hand_converted_numbers(tiny):
    ds = tiny.data
    np.testing.assert_allclose(ds["area"], [10000 * MU_HA, 1000, 1000])  # 1 万亩 = 666.67 ha; 10 km2
    assert ds["area"].sel(unit="up").item() == pytest.approx(666.6667, rel=1e-6)
    req = ds["requirement_rate"]
    assert req.sel(unit="up", sector="domestic").item() == pytest.approx(1.5)  # 150 万m3/a
    assert req.sel(unit="mid", sector="domestic").item() == pytest.approx(100.0)  # 1 亿m3/a
    # 1 万亩 × 300 m3/mu/a = 3e6 m3/a
    assert req.sel(unit="up", sector="agriculture").item() == pytest.approx(3.0)
    assert ds["reservoir_capacity"].sel(unit="up").item() == pytest.approx(100.0)  # 1 亿m3
    assert ds["groundwater_sustainable_yield"].sel(unit="up").item() == pytest.approx(5.0)
    assert ds["groundwater_storage"].sel(unit="mid").item() == pytest.approx(1.0)  # 100 mm × 1000 ha
    assert ds["surface_capacity"].sel(unit="mid").item() == pytest.approx(0.36525)  # 1000 m3/d
    assert ds["consumption_fraction"].sel(sector="domestic").values == pytest.approx([0.3] * 3)  # 30 %
    assert ds["reclaimed_reuse_fraction"].sel(unit="low").item() == pytest.approx(0.5)
    np.testing.assert_allclose(ds["link_capacity"], [np.inf, 1.5, np.inf])
    np.testing.assert_allclose(ds["link_share"], [1, 0.8, 1])
    assert list(ds["link_from"].values) == ["up", "mid", "low"]
    assert list(ds["link_to"].values) == ["mid", "low", "outlet"]
    # 10 mm over 1000 ha = 0.1 hm3; unit 'up' in 万m3
    np.testing.assert_allclose(ds["runoff"].sel(unit="mid"), 0.1)
    np.testing.assert_allclose(ds["runoff"].sel(unit="up"), np.arange(1, 13) * 0.01)
    np.testing.assert_allclose(ds["transfer_pattern"].sel(unit="low"), 0.1)  # 10 %


def test_dataset_contract(tiny):
    ds = tiny.data
    assert set(ds.data_vars) == set(VARIABLES)
    for name, var in ds.data_vars.items():
        assert set(var.attrs) >= {"units", "long_name"}, name
    assert ds["requirement_rate"].attrs["units"] == "hm3 a-1"
    assert ds["runoff"].attrs["units"] == "hm3"
    assert ds["area"].attrs["units"] == "ha"
    assert ds["runoff"].dims == ("month", "unit")
    assert ds["requirement_profile"].dims == ("month", "unit", "sector")
    assert ds["requirement_rate"].dims == ("unit", "sector")
    assert list(ds["month"].values) == list(range(1, 13))
    assert list(ds["link"].values) == [0, 1, 2]
    assert list(ds["rank"].values) == [0, 1, 2]
    assert list(ds["unit_name"].values) == ["Upper", "Middle", "Lower"]
    assert list(ds["league"].values) == ["L1", "L1", "L2"]
    assert ds["priority"].dtype == np.int64
    assert ds["preference"].sel(sector="domestic").values.tolist() == ["groundwater", "surface", ""]
    assert ds.attrs == {"pack_name": "tiny", "pack_title": "Tiny three-unit test pack", "base_year": 2020}
    assert tiny.name == "tiny" and tiny.manifest["base_year"] == 2020


def test_defaults(tiny):
    ds = tiny.data
    assert ds["requirement_rate"].sel(unit="mid", sector="agriculture").item() == 0.0
    agri = ds.sel(sector="agriculture")
    np.testing.assert_array_equal(agri["return_river"], 1.0)
    np.testing.assert_array_equal(agri["return_groundwater"], 0.0)
    np.testing.assert_array_equal(agri["return_wastewater"], 0.0)
    assert ds["consumption_fraction"].sel(unit="mid", sector="agriculture").item() == 0.65
    assert np.isinf(ds["surface_capacity"].sel(unit="up").item())
    np.testing.assert_array_equal(ds["reservoir_capacity"].sel(unit=["mid", "low"]), 0.0)
    # initial storage defaults to the dead storage
    assert ds["reservoir_initial_storage"].sel(unit="up").item() == pytest.approx(10.0)
    assert np.isinf(ds["groundwater_storage"].sel(unit="up").item())
    assert np.isinf(ds["groundwater_capacity"]).all()
    np.testing.assert_array_equal(ds["groundwater_allowed_overdraft"], 0.0)
    assert ds["transfer_annual_cap"].sel(unit="up").item() == 0.0
    assert np.isnan(ds["transfer_pattern"].sel(unit="up")).all()
    assert np.isnan(ds["groundwater_recharge"]).all()
    assert np.isnan(ds["requirement_monthly"]).all()
    assert np.isnan(ds["requirement_profile"].sel(sector="domestic")).all()
    np.testing.assert_array_equal(ds["boundary_inflow"], 0.0)
    np.testing.assert_array_equal(ds["harvested_supply"], 0.0)
    np.testing.assert_array_equal(ds["other_supply"], 0.0)


def test_star_row_is_overridden_whatever_the_order(pack_dir):
    rows = read_rows(pack_dir / "parameters.csv")
    rows[1], rows[2] = rows[2], rows[1]  # '*' row first, unit row second
    write_rows(pack_dir / "parameters.csv", rows)
    ds = load_pack(pack_dir).data
    np.testing.assert_allclose(ds["requirement_rate"].sel(sector="domestic"), [1.5, 100.0, 1.5])
    # and a monthly '*' row is overridden too (unit 'up' runoff given in 万m3)
    assert ds["runoff"].sel(unit="up", month=12).item() == pytest.approx(0.12)


def test_profile_applies_to_every_unit(tiny):
    prof = tiny.data["requirement_profile"].sel(sector="agriculture")
    np.testing.assert_allclose(prof.sum("month"), 1.0)
    assert prof.sel(unit="low", month=7).item() == pytest.approx(0.25)


def test_series(tiny):
    da = tiny.series[("surface", "runoff")]
    assert da.dims == ("date", "unit")
    assert da.attrs["freq"] == "MS" and da.attrs["step"] == "month" and da.attrs["units"] == "hm3"
    np.testing.assert_allclose(da.sel(unit="up"), [0.05, 0.06, 0.07])  # 万m3
    np.testing.assert_allclose(da.sel(unit="mid")[:2], [0.1, 0.2])  # mm over 1000 ha
    assert np.isnan(da.sel(unit="low")).all()


def test_daily_sector_series(pack_dir):
    lines = ["date,unit,item,variable,value,units"]
    lines += [f"2021-01-{d:02d},mid,domestic,requirement,{d},万m3" for d in range(1, 6)]
    (pack_dir / "req.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = (pack_dir / "pack.yaml").read_text(encoding="utf-8")
    text += "  - file: req.csv\n    status: estimate\n    reference: test\n"
    (pack_dir / "pack.yaml").write_text(text, encoding="utf-8")
    da = load_pack(pack_dir).series[("domestic", "requirement")]
    assert da.dims == ("date", "unit") and da.attrs["freq"] == "D" and da.attrs["step"] == "day"
    assert da.attrs["file"] == "req.csv"
    np.testing.assert_allclose(da.sel(unit="mid"), np.arange(1, 6) * 0.01)
    assert np.isnan(da.sel(unit="up")).all()


def test_provenance(tiny):
    prov = tiny.provenance
    cols = ["file", "row", "unit", "item", "variable", "value", "units", "year", "status", "reference"]
    assert set(cols) <= set(prov.columns)
    # 3 units + 2 sectors + 3 links × (share, capacity) + 15 parameters + 4 × 12 monthly + 5 series
    assert len(prov) == 3 + 2 + 6 + 15 + 48 + 5
    row = prov[(prov["file"] == "parameters.csv") & (prov["row"] == 12)].iloc[0]
    assert (row["unit"], row["variable"], row["value"], row["units"]) == (
        "up",
        "sustainable_yield",
        500,
        "万m3/a",
    )
    assert set(prov["status"]) <= {"sourced", "derived", "estimate", "calibrated"}
    assert (prov[prov["file"] == "runoff_series.csv"]["status"] == "sourced").all()


def test_builtin_example_pack_loads_fast():
    assert "example" in builtin_packs()
    load_pack("example")  # warm caches (pint parsing, pandas)
    t0 = time.perf_counter()
    pack = load_pack("example")
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.3
    ds = pack.data
    assert list(ds["unit"].values) == ["up", "mid", "city", "low"]
    assert list(ds["sector"].values) == ["domestic", "industry", "agriculture", "ecology"]
    assert ds["reservoir_capacity"].sel(unit="up").item() == 50.0
    assert ds["reservoir_initial_storage"].sel(unit="up").item() == 30.0
    diversion = (ds["link_from"] == "mid") & (ds["link_to"] == "low")
    assert ds["link_capacity"].where(diversion, drop=True).item() == pytest.approx(100.0)  # 1 亿m3/a
    assert (pack.provenance["status"] == "estimate").all()


# ---------------------------------------------------------------------------------------------
# pack folder and manifest


def test_missing_pack_folder_lists_builtins(tmp_path):
    with pytest.raises(InputError) as ei:
        load_pack("no_such_pack")
    assert "'no_such_pack'" in str(ei.value) and "example" in str(ei.value)
    with pytest.raises(InputError):
        load_pack(tmp_path / "nothing")


def test_missing_manifest(pack_dir):
    (pack_dir / "pack.yaml").unlink()
    expect_error(pack_dir, "pack.yaml", "missing manifest")


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        ("base_year: 2020", "base_year: last year", ("pack.yaml, key 'base_year'", "integer")),
        ("name: tiny", "nam: tiny", ("pack.yaml, key 'nam'", "did you mean 'name'")),
        ("status: sourced", "status: measured", ("key 'series[0].status'", "sourced, derived")),
        ("file: runoff_series.csv", "file: nope.csv", ("key 'series[0].file'", "nope.csv")),
        ("title: ", "title: [", ("pack.yaml", "not valid YAML")),
    ],
)
def test_bad_manifest(pack_dir, old, new, fragments):
    path = pack_dir / "pack.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    expect_error(pack_dir, *fragments)


def test_missing_file(pack_dir):
    (pack_dir / "sectors.csv").unlink()
    expect_error(pack_dir, "sectors.csv: missing file")


def test_optional_files_may_be_missing(pack_dir):
    (pack_dir / "links.csv").unlink()
    (pack_dir / "monthly.csv").unlink()
    ds = load_pack(pack_dir).data
    assert ds.sizes["link"] == 0
    np.testing.assert_array_equal(ds["runoff"], 0.0)


def test_missing_column(pack_dir):
    edit(pack_dir, "parameters.csv", 1, "units", "unit_string")
    expect_error(pack_dir, "parameters.csv row 1, column 'units': missing column")


# ---------------------------------------------------------------------------------------------
# units.csv, links.csv, sectors.csv


def test_duplicate_unit_id(pack_dir):
    edit(pack_dir, "units.csv", 4, "id", "up")
    expect_error(pack_dir, "units.csv row 4, column 'id'", "duplicate unit id 'up'", "row 2")


def test_negative_area(pack_dir):
    edit(pack_dir, "units.csv", 3, "area", "-1000")
    expect_error(pack_dir, "units.csv row 3, column 'area'", "negative")


def test_area_with_wrong_dimension(pack_dir):
    edit(pack_dir, "units.csv", 3, "units", "m3")
    expect_error(pack_dir, "units.csv row 3, column 'units'", "'m3' is a volume but 'area' needs an area")


def test_unknown_unit_in_links(pack_dir):
    edit(pack_dir, "links.csv", 3, "to", "lwo")
    expect_error(pack_dir, "links.csv row 3, column 'to'", "unknown unit 'lwo'", "did you mean 'low'")


def test_link_cycle(pack_dir):
    edit(pack_dir, "links.csv", 4, "to", "up")
    expect_error(pack_dir, "links.csv row 4, column 'to'", "cycle: up → mid → low → up")


def test_link_self_loop(pack_dir):
    edit(pack_dir, "links.csv", 3, "to", "mid")
    expect_error(pack_dir, "links.csv row 3, column 'to'", "cycle: mid → mid")


def test_link_shares_above_one(pack_dir):
    append(pack_dir, "links.csv", **{"from": "mid", "to": "outlet", "share": "0.5", "capacity": "inf",
                                     "year": "2020", "status": "estimate", "reference": "t"})  # fmt: skip
    expect_error(pack_dir, "links.csv row 5, column 'share'", "unit 'mid' add up to 1.3", "at most 1")


def test_link_share_outside_range(pack_dir):
    edit(pack_dir, "links.csv", 2, "share", "1.2")
    expect_error(pack_dir, "links.csv row 2, column 'share'", "outside [0, 1]")


def test_negative_link_capacity(pack_dir):
    edit(pack_dir, "links.csv", 3, "capacity", "-5")
    expect_error(pack_dir, "links.csv row 3, column 'capacity'", "negative")


def test_unknown_preference_source(pack_dir):
    edit(pack_dir, "sectors.csv", 2, "preference", "groundwater;surfce")
    msg = expect_error(pack_dir, "sectors.csv row 2, column 'preference'", "unknown source 'surfce'")
    assert "did you mean 'surface'" in msg
    assert "surface, groundwater, transfer, reclaimed, harvested, other" in msg


@pytest.mark.parametrize("bad", ["1.5", "0", "-1", "first", ""])
def test_bad_priority(pack_dir, bad):
    edit(pack_dir, "sectors.csv", 3, "priority", bad)
    expect_error(pack_dir, "sectors.csv row 3, column 'priority'")


def test_duplicate_sector(pack_dir):
    edit(pack_dir, "sectors.csv", 3, "id", "domestic")
    expect_error(pack_dir, "sectors.csv row 3, column 'id'", "duplicate sector id")


# ---------------------------------------------------------------------------------------------
# parameters.csv


def test_unknown_unit_in_parameters(pack_dir):
    edit(pack_dir, "parameters.csv", 12, "unit", "upp")
    expect_error(pack_dir, "parameters.csv row 12, column 'unit'", "unknown unit 'upp'", "did you mean 'up'")


def test_unknown_item(pack_dir):
    edit(pack_dir, "parameters.csv", 12, "item", "groundwter")
    expect_error(
        pack_dir, "parameters.csv row 12, column 'item'", "unknown item 'groundwter'", "'groundwater'"
    )


def test_unknown_variable(pack_dir):
    edit(pack_dir, "parameters.csv", 4, "variable", "consumption")
    expect_error(
        pack_dir, "parameters.csv row 4, column 'variable'", "unknown variable 'consumption'",
        "did you mean 'consumption_fraction'",
    )  # fmt: skip


def test_wrong_dimension_message_from_the_spec(pack_dir):
    edit(pack_dir, "parameters.csv", 12, "units", "亿m3")
    msg = expect_error(pack_dir)
    assert msg == (
        "parameters.csv row 12, column 'units': '亿m3' is a volume but 'sustainable_yield' "
        "needs a volume rate (e.g. 亿m3/a)"
    )


def test_unparseable_units(pack_dir):
    edit(pack_dir, "parameters.csv", 3, "units", "万方/a")
    expect_error(pack_dir, "parameters.csv row 3, column 'units'", "'万方/a' is not a unit string")


@pytest.mark.parametrize(
    ("value", "fragment"), [("", "empty cell"), ("nan", "NaN is not allowed"), ("abc", "not a number")]
)
def test_empty_or_nan_value(pack_dir, value, fragment):
    edit(pack_dir, "parameters.csv", 11, "value", value)
    expect_error(pack_dir, "parameters.csv row 11, column 'value'", fragment)


def test_empty_required_text_cell(pack_dir):
    edit(pack_dir, "parameters.csv", 11, "reference", "")
    expect_error(pack_dir, "parameters.csv row 11, column 'reference'", "empty cell")


def test_negative_volume(pack_dir):
    edit(pack_dir, "parameters.csv", 10, "value", "-1")
    expect_error(pack_dir, "parameters.csv row 10, column 'value'", "negative")


def test_inf_not_allowed(pack_dir):
    edit(pack_dir, "parameters.csv", 10, "value", "inf")
    expect_error(pack_dir, "parameters.csv row 10, column 'value'", "not allowed")


def test_fraction_outside_range(pack_dir):
    edit(pack_dir, "parameters.csv", 4, "value", "130")
    expect_error(pack_dir, "parameters.csv row 4, column 'value'", "outside [0, 1]")


def test_return_shares_must_add_to_one(pack_dir):
    edit(pack_dir, "parameters.csv", 5, "value", "0.5")
    expect_error(
        pack_dir, "parameters.csv row 6, column 'value'", "'domestic'", "add up to 1.3", "must add up to 1"
    )


def test_bad_status(pack_dir):
    edit(pack_dir, "parameters.csv", 7, "status", "estimated")
    expect_error(
        pack_dir, "parameters.csv row 7, column 'status'", "did you mean 'estimate'", "sourced, derived"
    )


def test_bad_year(pack_dir):
    edit(pack_dir, "units.csv", 2, "year", "2020.5")
    expect_error(pack_dir, "units.csv row 2, column 'year'", "not a year")


def test_duplicate_parameter_row(pack_dir):
    append(pack_dir, "parameters.csv", unit="up", item="reservoir", variable="capacity", value="5",
           units="hm3", year="2020", status="estimate", reference="t")  # fmt: skip
    expect_error(pack_dir, "parameters.csv row 17, column 'variable'", "duplicate", "row 10")


def test_dead_storage_above_capacity(pack_dir):
    edit(pack_dir, "parameters.csv", 11, "value", "200")
    expect_error(pack_dir, "parameters.csv row 11, column 'value'", "dead_storage", "capacity 100")


def test_activity_times_intensity_must_be_a_rate(pack_dir):
    edit(pack_dir, "parameters.csv", 8, "units", "m3/mu")
    expect_error(pack_dir, "parameters.csv row 7, column 'units'", "row 7", "row 8", "needs a volume rate")


def test_activity_without_intensity(pack_dir):
    delete_row(pack_dir, "parameters.csv", 8)
    expect_error(pack_dir, "parameters.csv row 7, column 'variable'", "no 'intensity'")


def test_requirement_and_activity_conflict(pack_dir):
    append(pack_dir, "parameters.csv", unit="up", item="agriculture", variable="requirement", value="5",
           units="hm3/a", year="2020", status="estimate", reference="t")  # fmt: skip
    expect_error(pack_dir, "parameters.csv row 7, column 'variable'", "both a 'requirement' (row 17)")


def test_monthly_requirement_overrides_star_requirement(pack_dir):
    append(pack_dir, "monthly.csv", unit="low", item="domestic", variable="requirement",
           **{f"m{m:02d}": "10" for m in range(1, 13)}, units="万m3", year="2020", status="estimate",
           reference="t")  # fmt: skip
    ds = load_pack(pack_dir).data
    assert ds["requirement_rate"].sel(unit="low", sector="domestic").item() == 0.0
    np.testing.assert_allclose(ds["requirement_monthly"].sel(unit="low", sector="domestic"), 0.1)
    assert ds["requirement_rate"].sel(unit="up", sector="domestic").item() == pytest.approx(1.5)


# ---------------------------------------------------------------------------------------------
# monthly.csv and series


def test_unknown_unit_in_monthly(pack_dir):
    edit(pack_dir, "monthly.csv", 3, "unit", "Up")
    expect_error(pack_dir, "monthly.csv row 3, column 'unit'", "unknown unit 'Up'", "did you mean 'up'")


def test_negative_monthly_value(pack_dir):
    edit(pack_dir, "monthly.csv", 3, "m07", "-7")
    expect_error(pack_dir, "monthly.csv row 3, column 'm07'", "negative")


def test_empty_monthly_cell(pack_dir):
    edit(pack_dir, "monthly.csv", 2, "m02", "")
    expect_error(pack_dir, "monthly.csv row 2, column 'm02'", "empty cell")


def test_monthly_fraction_outside_range(pack_dir):
    edit(pack_dir, "monthly.csv", 5, "m03", "120")
    expect_error(pack_dir, "monthly.csv row 5, column 'm03'", "outside [0, 1]")


def test_profile_must_add_to_one(pack_dir):
    edit(pack_dir, "monthly.csv", 4, "m07", "0.3")
    expect_error(pack_dir, "monthly.csv row 4", "adds up to 1.05")


def test_monthly_wrong_dimension(pack_dir):
    edit(pack_dir, "monthly.csv", 2, "units", "ha")
    expect_error(pack_dir, "monthly.csv row 2, column 'units'", "'ha' is an area but 'runoff' needs a volume")


def test_unknown_monthly_variable(pack_dir):
    edit(pack_dir, "monthly.csv", 2, "variable", "runof")
    expect_error(pack_dir, "monthly.csv row 2, column 'variable'", "did you mean 'runoff'")


def test_unknown_unit_in_series(pack_dir):
    edit(pack_dir, "runoff_series.csv", 5, "unit", "mdi")
    expect_error(
        pack_dir, "runoff_series.csv row 5, column 'unit'", "unknown unit 'mdi'", "did you mean 'mid'"
    )


def test_series_gap(pack_dir):
    delete_row(pack_dir, "runoff_series.csv", 3)
    expect_error(
        pack_dir, "runoff_series.csv row 3, column 'date'", "gap in the monthly series of unit 'up'",
        "2020-02-01 is missing",
    )  # fmt: skip


def test_series_duplicate_date(pack_dir):
    edit(pack_dir, "runoff_series.csv", 3, "date", "2020-01-01")
    expect_error(pack_dir, "runoff_series.csv row 3, column 'date'", "duplicate date 2020-01-01", "row 2")


def test_daily_series_gap(pack_dir):
    lines = ["date,unit,item,variable,value,units"]
    lines += [f"2021-01-{d:02d},mid,surface,inflow,1,万m3" for d in (1, 2, 4)]
    (pack_dir / "runoff_series.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    expect_error(pack_dir, "runoff_series.csv row 4, column 'date'", "gap in the daily series", "2021-01-03")


def test_series_bad_date_and_value(pack_dir):
    edit(pack_dir, "runoff_series.csv", 4, "date", "2020/03/01")
    expect_error(pack_dir, "runoff_series.csv row 4, column 'date'", "not a date")


def test_series_wrong_units(pack_dir):
    edit(pack_dir, "runoff_series.csv", 6, "units", "mm/a")
    expect_error(pack_dir, "runoff_series.csv row 6, column 'units'", "'mm/a' is a depth rate but")


# ---------------------------------------------------------------------------------------------
# error formatting


def test_input_error_at_formats_one_line():
    assert isinstance(InputError("x"), ValueError)
    err = InputError.at("parameters.csv", 7, "units", "bad\nthing")
    assert str(err) == "parameters.csv row 7, column 'units': bad thing"
    assert str(InputError.at("units.csv", message="missing file")) == "units.csv: missing file"
    assert str(InputError.at("links.csv", 1, "share")) == "links.csv row 1, column 'share'"
    assert str(InputError.at("pack.yaml", key="base_year", message="m")) == "pack.yaml, key 'base_year': m"


def test_blank_lines_count_in_row_numbers(pack_dir):
    path = pack_dir / "parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")  # a blank line 3; consumption_fraction moves from line 4 to line 5
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edit(pack_dir, "parameters.csv", 5, "value", "130")
    expect_error(pack_dir, "parameters.csv row 5, column 'value'", "outside [0, 1]")


def test_empty_series_file_is_allowed(pack_dir):
    (pack_dir / "runoff_series.csv").write_text("date,unit,item,variable,value,units\n", encoding="utf-8")
    assert load_pack(pack_dir).series == {}
