"""The embedded Inner Mongolia pack: coverage, provenance and the 2022 calibration table."""

from __future__ import annotations

import pytest

from sim import simulate
from sim.calibration import compare_targets, format_comparison, read_targets
from sim.pack import load_pack

LEAGUES = {
    "呼伦贝尔",
    "兴安盟",
    "通辽",
    "赤峰",
    "锡林郭勒盟",
    "乌兰察布",
    "呼和浩特",
    "包头",
    "鄂尔多斯",
    "巴彦淖尔",
    "乌海",
    "阿拉善盟",
}
ZONES = {"松花江", "辽河", "海河", "黄河", "西北诸河"}


@pytest.fixture(scope="module")
def pack():
    return load_pack("inner_mongolia")


@pytest.fixture(scope="module")
def baseline_2022():
    return simulate({"region": "inner_mongolia", "time": {"start": "2022-01", "end": "2022-12"}})


def test_units_cover_every_league_and_zone(pack):
    assert set(pack.data["league"].values) == LEAGUES
    assert set(pack.data["basin"].values) == ZONES


def test_every_value_has_provenance(pack):
    prov = pack.provenance
    assert len(prov) > 1000
    assert set(prov["status"]) <= {"sourced", "derived", "estimate", "calibrated"}
    assert prov["reference"].str.len().min() > 0
    assert prov["units"].notna().all()
    assert prov["year"].notna().all()


def test_yellow_river_quota_is_a_transfer_source(pack):
    yellow = pack.data["basin"] == "黄河"
    caps = pack.data["transfer_annual_cap"].where(yellow, 0.0)
    assert float(caps.sum()) > 5000.0  # hm3/a, withdrawal caps built from the 58.6亿m3 quota
    assert float(pack.data["transfer_annual_cap"].where(~yellow, 0.0).sum()) == 0.0


def test_baseline_2022_reproduces_the_bulletin(pack, baseline_2022):
    table = compare_targets(baseline_2022, read_targets(pack.path))
    print()
    print(format_comparison(table))
    assert len(table) == 13
    bad = table[~table["ok"]]
    assert bad.empty, bad.to_string()
    # the headline numbers, in 亿m3 (1 亿m3 = 100 hm3)
    row = table.set_index("metric")
    assert row.loc["total_use", "model"] / 100 == pytest.approx(193.47, rel=0.01)
    assert row.loc["irrigation_coefficient", "model"] == pytest.approx(0.574, abs=0.005)
    assert row.loc["groundwater_share:通辽", "model"] > 0.90
    assert 45.0 <= row.loc["transfer:巴彦淖尔", "model"] / 100 <= 47.0


def test_demand_comes_from_models(pack):
    models = dict(zip(pack.data.sector.values, pack.data["sector_model"].values, strict=True))
    for sector in ("domestic", "livestock", "industry", "irrigation", "urban"):
        assert models[sector] == sector


def test_demand_options_reach_the_model():
    """The effective-rain method is a config option: FAO/AGLW counts less rain than USDA-SCS
    at the low monthly totals of Inner Mongolia, so irrigation needs more water."""
    cfg = {"time": {"start": "2022-01", "end": "2022-12"}}
    usda = simulate({**cfg, "demand": {"irrigation": {"effective_rain": "usda_scs"}}})
    aglw = simulate({**cfg, "demand": {"irrigation": {"effective_rain": "fao_aglw"}}})
    req_usda = float(usda["requirement"].sel(sector="irrigation").sum())
    req_aglw = float(aglw["requirement"].sel(sector="irrigation").sum())
    assert req_aglw > req_usda * 1.01
    with pytest.raises(ValueError, match="effective"):
        simulate({**cfg, "demand": {"irrigation": {"effective_rain": "guess"}}})
