"""Risk metrics (sim.risk) on hand-built balances and on a real run.

The reliability example is methods.md §2 (WEAP): 6 unmet months in a 10-year monthly run
-> 114/120 = 95 %. Resilience and vulnerability after Hashimoto et al. (1982).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import DATA

from sim.risk import (
    RISK_VARIABLES,
    cap_exceedance,
    cumulative_overdraft,
    failures,
    reliability_time,
    reliability_volume,
    resilience,
    risk_dataset,
    shortage_rate,
    vulnerability,
)

TIME = pd.date_range("2011-01-01", periods=120, freq="MS")  # 10 years, monthly
# Failure months (index: shortage per unit of requirement): a run of three in 2011, a run of two
# in 2016, and one in the very last step (no successor, so left out of resilience).
FAIL = {6: 0.2, 7: 0.6, 8: 1.0, 66: 0.4, 67: 0.4, 119: 0.6}
TINY_STEP = 30  # 2013-07: shortage 1e-9 hm3, below 1e-6 x requirement: not a failure
SECTORS = ["x", "y", "z"]  # requirement 1, 2 and 0 hm3 per step
UNITS = ["u1", "u2"]  # u2 never short


def _pattern() -> np.ndarray:
    s = np.zeros(TIME.size)
    for i, v in FAIL.items():
        s[i] = v
    s[TINY_STEP] = 1e-9
    return s


def make_bal(scale: xr.DataArray | None = None) -> xr.Dataset:
    """Balance over (time, unit, sector, source); ``scale`` multiplies u1's shortage (extra dims)."""
    req = xr.DataArray(
        np.broadcast_to([1.0, 2.0, 0.0], (TIME.size, 2, 3)).copy(),
        dims=("time", "unit", "sector"),
        coords={"time": TIME, "unit": UNITS, "sector": SECTORS, "basin": ("unit", ["B1", "B2"])},
    )
    short = xr.zeros_like(req)
    # the same shortage in x and y (so half of it relative to y's requirement), none in z
    short.loc[{"unit": "u1", "sector": "x"}] = _pattern()
    short.loc[{"unit": "u1", "sector": "y"}] = _pattern()
    if scale is not None:
        short = short * scale
        req = req.broadcast_like(scale)
    delivery = (req - short).expand_dims(source=["surface", "groundwater"], axis=-1) * xr.DataArray(
        [0.75, 0.25], dims="source", coords={"source": ["surface", "groundwater"]}
    )
    overdraft = xr.DataArray(
        np.zeros((TIME.size, 2)), dims=("time", "unit"), coords={"time": TIME, "unit": UNITS}
    )
    overdraft.loc[{"unit": "u1"}] = np.where(TIME.month.isin([6, 7, 8]), 0.5, 0.0)  # 1.5 hm3/a
    return xr.Dataset(
        {"requirement": req, "shortage": short, "delivery": delivery, "overdraft": overdraft},
        attrs={"time_step": "month"},
    ).transpose(*(scale.dims if scale is not None else ()), "time", ...)


@pytest.fixture(scope="module")
def bal() -> xr.Dataset:
    return make_bal()


def test_failures_need_both_the_relative_and_the_absolute_tolerance():
    req = xr.DataArray([1.0, 1.0, 1e-9, 0.0, 1e6, np.nan], dims="time")
    short = xr.DataArray([2e-6, 5e-7, 1e-13, 0.0, 0.5, 1.0], dims="time")
    # 2e-6 > 1e-6 x 1: fails; 5e-7: within tol; 1e-13 > 1e-6 x 1e-9 but below the 1e-12 hm3
    # floor; zero requirement; 0.5 of 1e6 is 5e-7 relative: met; NaN requirement: not a failure
    assert failures(req, short).values.tolist() == [True, False, False, False, False, False]
    assert failures(req, short, tol=1e-8).values.tolist() == [True, True, False, False, True, False]


def test_reliability_of_the_methods_example_is_95_percent(bal):
    rel = reliability_time(bal)
    assert rel.dims == ("unit", "sector")
    # 6 of 120 months fail (the 1e-9 shortage is no failure) -> 114/120
    assert float(rel.sel(unit="u1", sector="x")) == pytest.approx(114 / 120)
    assert float(rel.sel(unit="u1", sector="x")) == pytest.approx(0.95)
    assert float(rel.sel(unit="u1", sector="y")) == pytest.approx(0.95)
    # never short, and zero requirement counts as met
    assert float(rel.sel(unit="u2", sector="x")) == 1.0
    assert float(rel.sel(unit="u1", sector="z")) == 1.0
    assert rel.attrs == {"units": "1", "long_name": RISK_VARIABLES["reliability_time"][1]}


def test_volumetric_reliability_by_hand(bal):
    rv = reliability_volume(bal)
    total_short = 0.2 + 0.6 + 1.0 + 0.4 + 0.4 + 0.6 + 1e-9  # 3.2 hm3
    assert float(rv.sel(unit="u1", sector="x")) == pytest.approx(1 - total_short / 120, rel=1e-12)
    assert float(rv.sel(unit="u1", sector="x")) == pytest.approx(0.973333, abs=1e-6)
    assert float(rv.sel(unit="u1", sector="y")) == pytest.approx(1 - 3.2 / 240, abs=1e-9)
    assert float(rv.sel(unit="u2", sector="y")) == 1.0
    assert np.isnan(rv.sel(sector="z")).all()  # no requirement: undefined


def test_resilience_leaves_out_the_last_step(bal):
    res = resilience(bal)
    # failures with a successor: months 6, 7, 8, 66, 67 (5); recovered after 8 and 67 (2) -> 0.4
    # (counting the last-step failure would give 2/6, counting runs/failures 3/6)
    assert float(res.sel(unit="u1", sector="x")) == pytest.approx(0.4)
    assert np.isnan(res.sel(unit="u2")).all()
    assert np.isnan(res.sel(unit="u1", sector="z"))
    # a failure only in the last step: nothing to recover from yet
    last = bal.copy()
    last["shortage"] = xr.zeros_like(bal["shortage"])
    last["shortage"][-1, 0, 0] = 1.0
    assert np.isnan(float(resilience(last).sel(unit="u1", sector="x")))
    # a single failure in the middle recovers: 1
    last["shortage"][50, 0, 0] = 1.0
    assert float(resilience(last).sel(unit="u1", sector="x")) == 1.0


def test_vulnerability_mean_max_and_relative(bal):
    mean = vulnerability(bal)
    # the 1e-9 shortage is not a failure step and does not dilute the mean
    assert float(mean.sel(unit="u1", sector="x")) == pytest.approx(3.2 / 6, rel=1e-12)
    assert float(vulnerability(bal, how="max").sel(unit="u1", sector="x")) == pytest.approx(1.0)
    assert float(mean.sel(unit="u1", sector="y")) == pytest.approx(3.2 / 6)  # hm3, same shortage
    rel = vulnerability(bal, relative=True)
    assert float(rel.sel(unit="u1", sector="y")) == pytest.approx(3.2 / 6 / 2)  # of requirement 2
    assert float(vulnerability(bal, "max", relative=True).sel(unit="u1", sector="y")) == pytest.approx(0.5)
    assert np.isnan(mean.sel(unit="u2")).all()
    assert mean.attrs["units"] == "hm3" and rel.attrs["units"] == "1"
    with pytest.raises(ValueError, match="how"):
        vulnerability(bal, how="median")


def test_shortage_rate_by_year_by_hand(bal):
    sr = shortage_rate(bal)
    assert sr.dims == ("year", "unit", "sector")
    assert sr.year.values.tolist() == list(range(2011, 2021))
    x = sr.sel(unit="u1", sector="x")
    assert float(x.sel(year=2011)) == pytest.approx(1.8 / 12)  # 0.15
    assert float(x.sel(year=2016)) == pytest.approx(0.8 / 12)
    assert float(x.sel(year=2020)) == pytest.approx(0.6 / 12)  # 0.05
    assert float(x.sel(year=2012)) == 0.0
    assert float(sr.sel(unit="u1", sector="y", year=2011)) == pytest.approx(1.8 / 24)
    assert np.isnan(sr.sel(sector="z")).all()
    # unit: the z sector adds no requirement; 2011: (1.8 + 1.8) / (12 + 24) = 0.1
    su = shortage_rate(bal, by="unit")
    assert su.dims == ("year", "unit")
    assert float(su.sel(unit="u1", year=2011)) == pytest.approx(0.1)
    assert float(su.sel(unit="u2", year=2011)) == 0.0
    # region: u2 doubles the requirement -> 0.05; basin B1 holds only u1
    assert float(shortage_rate(bal, by="region").sel(year=2011)) == pytest.approx(0.05)
    sb = shortage_rate(bal, by="basin")
    assert sb.dims == ("year", "basin")
    assert float(sb.sel(basin="B1", year=2011)) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="by must be"):
        shortage_rate(bal, by="county")


def test_shortage_rate_counts_only_the_steps_of_a_partial_year(bal):
    part = bal.isel(time=slice(6, 9))  # Jul-Sep 2011: every step short
    sr = shortage_rate(part, by="unit").sel(unit="u1", year=2011)
    assert float(sr) == pytest.approx((1.8 + 1.8) / (3 * 3))


def _caps() -> xr.Dataset:
    use = xr.DataArray(
        [
            [[90.0, 50.0], [101.0, 50.0], [100.0, 51.0], [99.0, 49.0]],  # 2030
            [[101.0, 60.0], [102.0, 60.0], [50.0, 60.0], [100.0, np.nan]],  # 2031
        ],
        dims=("year", "sample", "cap"),
        coords={"year": [2030, 2031], "sample": range(4), "cap": ["region", "basin:B1"]},
    ).expand_dims(scenario=["baseline"])
    limit = xr.DataArray([100.0, 50.0], dims="cap", coords={"cap": ["region", "basin:B1"]})
    return xr.Dataset({"cap_use": use, "cap_limit": limit})


def test_cap_exceedance_over_four_samples():
    ce = cap_exceedance(_caps())
    assert ce.dims == ("scenario", "year", "cap")
    region = ce.sel(scenario="baseline", cap="region")
    assert float(region.sel(year=2030)) == 0.25  # only 101 > 100; 100 = cap is no exceedance
    assert float(region.sel(year=2031)) == 0.5
    basin = ce.sel(scenario="baseline", cap="basin:B1")
    assert float(basin.sel(year=2030)) == 0.25
    assert float(basin.sel(year=2031)) == 1.0  # the NaN sample is left out: 3 of 3
    assert ce.attrs["units"] == "1"


def test_cumulative_overdraft(bal):
    co = cumulative_overdraft(bal)
    assert co.dims == ("time", "unit")
    u1 = co.sel(unit="u1")
    assert float(u1.sel(time="2011-05-01")) == 0.0
    assert float(u1.sel(time="2011-07-01")) == pytest.approx(1.0)  # June + July
    assert float(u1.sel(time="2012-01-01")) == pytest.approx(1.5)
    assert float(u1.isel(time=-1)) == pytest.approx(15.0)  # 10 years x 1.5
    assert float(co.sel(unit="u2").max()) == 0.0
    assert co.attrs["units"] == "hm3"


def test_extra_dims_broadcast_member_by_member():
    # scenario x sample: u1's shortage scaled by 0 (never short), 0.5 and 1
    scale = xr.DataArray(
        [[0.0, 0.5, 1.0], [1.0, 1.0, 0.0]],
        dims=("scenario", "sample"),
        coords={"scenario": ["baseline", "plan"], "sample": [0, 1, 2]},
    )
    big = make_bal(scale)
    risk = risk_dataset(big)
    assert risk["reliability_time"].dims == ("scenario", "sample", "unit", "sector")
    assert risk["shortage_rate"].dims == ("scenario", "sample", "year", "unit", "sector")
    assert risk["cumulative_overdraft"].dims == ("time", "unit")
    x = {"unit": "u1", "sector": "x"}
    rel = risk["reliability_time"].sel(x)
    np.testing.assert_allclose(rel.values, [[1.0, 0.95, 0.95], [0.95, 0.95, 1.0]])
    vm = risk["vulnerability_mean"].sel(x)
    assert np.isnan(vm.sel(scenario="baseline", sample=0))
    assert float(vm.sel(scenario="baseline", sample=1)) == pytest.approx(3.2 / 12)
    assert float(vm.sel(scenario="plan", sample=0)) == pytest.approx(3.2 / 6)
    sr = risk["shortage_rate"].sel(x).sel(year=2011)
    assert float(sr.sel(scenario="baseline", sample=1)) == pytest.approx(0.9 / 12)
    # every member equals the same metric computed on that member alone
    for scn in ("baseline", "plan"):
        for smp in (0, 1, 2):
            one = risk_dataset(big.sel(scenario=scn, sample=smp))
            xr.testing.assert_allclose(
                risk.drop_vars("cumulative_overdraft").sel(scenario=scn, sample=smp),
                one.drop_vars("cumulative_overdraft"),
            )


def test_risk_dataset_names_units_and_optional_caps(bal):
    risk = risk_dataset(bal)
    assert set(risk.data_vars) == set(RISK_VARIABLES) - {"cap_exceedance"}
    for name, da in risk.data_vars.items():
        assert da.attrs["units"] == RISK_VARIABLES[name][0], name
        assert da.attrs["long_name"], name
    assert risk.attrs["time_step"] == "month"
    with_caps = risk_dataset(xr.merge([bal, _caps()]))
    assert float(with_caps["cap_exceedance"].sel(scenario="baseline", year=2030, cap="region")) == 0.25


@pytest.fixture(scope="module")
def runs() -> dict[str, xr.Dataset]:
    from sim.core import simulate

    time = {"start": "2020-01", "end": "2021-12"}
    return {
        name: simulate({"region": str(DATA / name), "time": time}) for name in ("measures_pack", "tiny_pack")
    }


def test_on_real_runs(runs):
    full = runs["measures_pack"]
    assert float(full["shortage"].max()) == 0.0
    risk = risk_dataset(full)
    assert (risk["reliability_time"] == 1.0).all()
    assert risk["resilience"].isnull().all() and risk["vulnerability_max"].isnull().all()
    req = full["requirement"].sum("time")
    np.testing.assert_allclose(risk["reliability_volume"].where(req > 0).fillna(1.0), 1.0, rtol=1e-9)
    np.testing.assert_allclose(
        risk["cumulative_overdraft"].isel(time=-1), full["overdraft"].sum("time"), rtol=1e-12
    )

    short = runs["tiny_pack"]  # a pack with shortages
    assert float(short["shortage"].sum()) > 0
    risk = risk_dataset(short)
    total_req = short["requirement"].sum("time")
    expected = 1 - short["shortage"].sum("time") / total_req.where(total_req > 0)
    xr.testing.assert_allclose(
        risk["reliability_volume"], expected.rename("reliability_volume"), check_dim_order=False
    )
    fail = failures(short["requirement"], short["shortage"])
    np.testing.assert_allclose(risk["reliability_time"], 1 - fail.mean("time"))
    never_short = short["shortage"].max("time") == 0
    assert bool(never_short.any()) and (risk["reliability_time"].where(never_short) != 0).all()
    assert (risk["reliability_time"].where(never_short).fillna(1.0) == 1.0).all()
    region = shortage_rate(short, by="region")
    for year in (2020, 2021):
        one = short.sel(time=str(year))
        assert float(region.sel(scenario="baseline", sample=0, year=year)) == pytest.approx(
            float(one["shortage"].sum() / one["requirement"].sum())
        )


def test_fused_series_metrics_equal_the_xarray_functions(bal, runs):
    # risk_dataset computes the reliabilities, resilience and vulnerabilities in one compiled
    # pass (sim.risk_series); each must equal the xarray function of sim.risk, which the
    # hand-worked tests above check. Cases: the hand-built balance; several members with
    # different shortages, NaN steps and a member without failures; a real run with shortages
    # (delivery by source) and the same run without delivery (requirement - shortage).
    from sim.risk_series import NAMES, series_metrics

    scale = xr.DataArray([[0.0, 0.5], [1.0, 2.0]], dims=("scenario", "sample"))
    members = make_bal(scale).transpose("scenario", "sample", "time", "unit", "sector", "source")
    members["shortage"] = members["shortage"].where(
        ~((members.time == TIME[7]) & (members.unit == "u1") & (members.sample == 1))
    )  # NaN in the middle of a failure run
    real = runs["tiny_pack"]
    cases = [bal, members, real, real.drop_vars("delivery")]
    for case in cases:
        fused = series_metrics(case)
        assert fused is not None
        reference = {
            "reliability_time": reliability_time(case),
            "reliability_volume": reliability_volume(case),
            "resilience": resilience(case),
            "vulnerability_mean": vulnerability(case, "mean"),
            "vulnerability_max": vulnerability(case, "max"),
        }
        assert set(fused) == set(NAMES)
        for name in NAMES:
            ref = reference[name].transpose(*fused[name].dims)
            np.testing.assert_allclose(fused[name].values, ref.values, rtol=1e-12, atol=1e-15, err_msg=name)
    # the cases are not trivial: failures, recoveries and NaN outcomes occur
    m = series_metrics(members)
    assert float(m["reliability_time"].min()) < 1.0 and np.isnan(m["resilience"].values).any()
    assert float(series_metrics(real)["vulnerability_max"].max()) > 0.0
    # another layout (time not before unit, sector): None, and risk_dataset uses the functions
    assert series_metrics(bal.transpose("unit", "time", "sector", "source")) is None
    xr.testing.assert_allclose(
        risk_dataset(bal.transpose("unit", "time", "sector", "source")),
        risk_dataset(bal),
        check_dim_order=False,
    )
