"""The measures machinery: levels and ramps, the comparison, Shapley values, costs, caps, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import DATA, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.attribution import ShapleyAccumulator, shapley_weights, subsets
from sim.core import _as_config, build_inputs, simulate
from sim.errors import InputError
from sim.measures import crf, measure_names, ramp
from sim.pack import load_pack
from sim.scenario import configured_measures, scenario_matrix

PACK = str(DATA / "measures_pack")
TIME = {"start": "2020-01", "end": "2022-12"}
HSF = {"path": None, "ramp": "linear", "coverage": 0.5, "start_year": 2020, "target_year": 2021}


# ----------------------------------------------------------------------------------------
# pure pieces: ramp, CRF, Shapley accumulation
# ----------------------------------------------------------------------------------------
def test_linear_ramp_by_hand():
    # start 2023, target 2026: 1/4, 2/4, 3/4, 1 in 2023..2026; 0 before
    assert ramp(np.arange(2021, 2028), 2023, 2026, "linear") == pytest.approx([0, 0, 0.25, 0.5, 0.75, 1, 1])


def test_logistic_ramp_hits_its_ends_and_rises():
    r = ramp(np.arange(2022, 2032), 2023, 2030, "logistic")
    assert r[0] == 0.0 and r[-2] == pytest.approx(1.0) and r[-1] == 1.0
    assert np.all(np.diff(r) >= 0)
    # symmetric around the middle of 2022..2030: share at 2026 is exactly one half
    assert r[4] == pytest.approx(0.5)


def test_capital_recovery_factor_by_hand():
    # r = 6 %, n = 15 a: 0.06 * 1.06^15 / (1.06^15 - 1) = 0.102963
    assert crf(0.06, 15) == pytest.approx(0.06 * 1.06**15 / (1.06**15 - 1))
    assert crf(0.06, 15) == pytest.approx(0.102963, abs=1e-6)
    assert crf(0.0, 20) == pytest.approx(0.05)


def _brute_shapley(n: int, v) -> np.ndarray:
    phi = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for r in range(n):
            for s in itertools.combinations(others, r):
                w = math.factorial(r) * math.factorial(n - r - 1) / math.factorial(n)
                phi[i] += w * (v(set(s) | {i}) - v(set(s)))
    return phi


def test_shapley_accumulator_on_a_game_with_known_values():
    # v(S) = (sum of a_i over S)^2 has Shapley values a_i * sum(a) (a known closed form)
    a = np.array([1.0, 2.0, 3.0, 4.0])
    rows = subsets(4)
    values = (rows @ a) ** 2
    acc = ShapleyAccumulator(4)
    for lo in range(0, 16, 5):  # uneven blocks
        acc.add(rows[lo : lo + 5], values[lo : lo + 5])
    assert acc.result() == pytest.approx(a * a.sum())
    assert acc.result().sum() == pytest.approx(values[-1] - values[0])


def test_shapley_accumulator_matches_the_textbook_formula_on_a_glove_game():
    # players 0, 1 hold left gloves, 2 a right glove: v = number of pairs
    def v(s):
        return float(min(len(s & {0, 1}), len(s & {2})))

    rows = subsets(3)
    values = np.array([v({j for j in range(3) if r[j]}) for r in rows])
    acc = ShapleyAccumulator(3)
    acc.add(rows, values)
    assert acc.result() == pytest.approx(_brute_shapley(3, v))
    assert acc.result() == pytest.approx([1 / 6, 1 / 6, 2 / 3])


def test_shapley_accumulator_refuses_a_partial_set():
    acc = ShapleyAccumulator(3)
    acc.add(subsets(3)[:5], np.zeros(5))
    with pytest.raises(RuntimeError, match="5 subsets added, 8 needed"):
        acc.result()


def test_shapley_weights_sum_over_subset_sizes_to_one():
    n = 6
    w = shapley_weights(n)
    assert sum(math.comb(n - 1, k) * w[k] for k in range(n)) == pytest.approx(1.0)


# ----------------------------------------------------------------------------------------
# levels and the comparison on the two-unit measures pack
# ----------------------------------------------------------------------------------------
def _build(measures: dict, rows=None, labels=("baseline", "scenario")):
    cfg = _as_config({"region": PACK, "time": TIME, "measures": measures})
    pack = load_pack(cfg.region)
    ms = configured_measures(cfg.measures)
    n = len(ms)
    rows = rows if rows is not None else [[0] * n, [1] * n]
    on = scenario_matrix([m.name for m in ms], rows, list(labels))
    return build_inputs(cfg, pack, ms, on)


def test_zero_level_leaves_every_input_bit_for_bit():
    plain, _, _ = build_inputs(_as_config({"region": PACK, "time": TIME}), load_pack(PACK))
    inputs, _, _ = _build({"high_standard_farmland": HSF})
    base = inputs.sel(scenario="baseline")
    for name in ("requirement", "consumption_fraction"):
        expected = plain[name].broadcast_like(base[name]).transpose(*base[name].dims)
        np.testing.assert_array_equal(base[name].values, expected.values)


def test_coverage_zero_gives_zero_savings():
    ds = simulate(
        {"region": PACK, "time": TIME, "measures": {"high_standard_farmland": {**HSF, "coverage": 0.0}}}
    )
    for name in ("withdrawal_saving", "consumption_saving", "shortage_change"):
        assert float(abs(ds[name]).max()) == 0.0
    assert float(abs(ds["saving_shapley"]).max()) == 0.0


def test_high_standard_farmland_by_hand():
    # pack: flood 0.6 share at eff 0.6, sprinkler 0.2 at 0.75, drip 0.2 at 0.9.
    # 50 % coverage in 2021 with gain 0.10: flood eff 0.6 * 1.05 = 0.63.
    # field = 1 / (0.6/0.6 + 0.2/0.75 + 0.2/0.9) = 0.671642 -> 1 / (0.6/0.63 + ...) = 0.692308
    inputs, diag, extents = _build({"high_standard_farmland": {**HSF, "soil_storage_gain": 0.0}})
    euc = diag["irrigation_effective_use_coefficient"]
    t2021 = inputs.time.dt.year == 2021
    ratio = euc.sel(scenario="scenario").where(t2021, drop=True) / euc.sel(scenario="baseline").where(
        t2021, drop=True
    )
    f0 = 1 / (0.6 / 0.6 + 0.2 / 0.75 + 0.2 / 0.9)
    f1 = 1 / (0.6 / 0.63 + 0.2 / 0.75 + 0.2 / 0.9)
    assert float(ratio.max()) == pytest.approx(f1 / f0, rel=1e-12)
    assert float(ratio.min()) == pytest.approx(f1 / f0, rel=1e-12)
    # requirement scales by the inverse (no soil-storage gain here)
    req = inputs["requirement"].sel(sector="irrigation").where(t2021, drop=True).sum(("time", "unit"))
    assert float(req.sel(scenario="scenario") / req.sel(scenario="baseline")) == pytest.approx(
        f0 / f1, rel=1e-12
    )
    # 2020 is half way up the linear ramp (start 2020, target 2021): coverage 0.25
    e = extents["high_standard_farmland"].sel(scenario="scenario")
    assert float(e.where(inputs.time.dt.year == 2020, drop=True).isel(time=0).sum()) == pytest.approx(
        0.25 * 2 * 1500 * 15
    )


def test_consumption_saving_is_smaller_than_withdrawal_saving_for_efficiency():
    # efficiency paradox: cf = euc + (1 - euc) * 0.2 rises with the efficiency, so the
    # consumption saving is a fraction of the withdrawal saving
    ds = simulate(
        {
            "region": PACK,
            "time": TIME,
            "measures": {"high_standard_farmland": {**HSF, "soil_storage_gain": 0}},
        }
    )
    w = float(ds["withdrawal_saving"].sel(scenario="scenario", year=2022, sector="irrigation").sum())
    c = float(ds["consumption_saving"].sel(scenario="scenario", year=2022, sector="irrigation").sum())
    assert w > 0
    assert 0 < c < 0.5 * w
    # by hand: consumption = net + 0.2 (gross - net) = 0.8 net + 0.2 gross; net is unchanged
    # by the efficiency, so the consumption saving is 0.2 x the withdrawal saving
    assert c == pytest.approx(0.2 * w, rel=1e-9)


def test_costs_by_hand():
    ds = simulate({"region": PACK, "time": TIME, "measures": {"high_standard_farmland": HSF}})
    # 2022: 50 % of 2 x 1500 ha = 1500 ha = 22 500 mu; 1500 yuan/mu x CRF(6 %, 15 a) + 30 yuan/mu/a
    expected = 22500 * (1500 * crf(0.06, 15) + 30)
    assert float(ds["measure_cost"].sel(measure="high_standard_farmland", year=2022)) == pytest.approx(
        expected
    )
    saving = float(
        ds["saving_shapley"].sel(measure="high_standard_farmland", kind="withdrawal", year=2022).sum()
    )
    assert float(
        ds["cost_per_m3_withdrawal"].sel(measure="high_standard_farmland", year=2022)
    ) == pytest.approx(expected / (saving * 1e6))


def test_shapley_sums_to_the_combined_saving_and_oat_to_the_single_run():
    ds = simulate(
        {
            "region": PACK,
            "time": TIME,
            "measures": {"high_standard_farmland": {**HSF, "field_efficiency_gain": 0.2}},
        }
    )
    total = ds["saving_shapley"].sum("measure")
    np.testing.assert_allclose(total.values, ds["saving_combined"].values, rtol=0, atol=1e-12)
    comb = ds["withdrawal_saving"].sel(scenario="scenario").sum("sample")
    np.testing.assert_allclose(
        ds["saving_combined"].sel(kind="withdrawal").values,
        comb.transpose("year", "unit", "sector").values,
        atol=1e-12,
    )


def test_caps_from_the_pack(tmp_path):
    ds = simulate({"region": "inner_mongolia", "time": {"start": "2022-01", "end": "2022-12"}})
    assert float(ds["cap_limit"].sel(cap="region")) == pytest.approx(19630.0)  # 196.3 亿m3/a
    use = float(ds["cap_use"].sel(cap="region", year=2022).squeeze())
    conv = ds["delivery"].sel(source=["surface", "groundwater", "transfer"]).sum()
    assert use == pytest.approx(float(conv))
    assert int(ds["cap_met"].sel(cap="region", year=2022).squeeze()) == 1


# ----------------------------------------------------------------------------------------
# bad input: one line naming the config key
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("measures", "match"),
    [
        ({"no_such_measure": {}}, r"unknown measure 'no_such_measure'; available: .*high_standard_farmland"),
        (
            {"high_standard_farmland": {**HSF, "coverage": 1.5}},
            r"measures.high_standard_farmland.coverage.*\[0, 1\]",
        ),
        (
            {"high_standard_farmland": {**HSF, "start_year": 2035}},
            r"start_year': 2035 is outside the horizon",
        ),
        ({"high_standard_farmland": {**HSF, "capital_cost": -1}}, r"capital_cost"),
        ({"high_standard_farmland": {**HSF, "lifetime": 0}}, r"lifetime': expected a lifetime > 0"),
        ({"high_standard_farmland": {**HSF, "coverag": 0.5}}, r"unknown option; did you mean 'coverage'"),
        ({"high_standard_farmland": {**HSF, "where": ["zz"]}}, r"unknown unit 'zz'"),
        ({"high_standard_farmland": {**HSF, "ramp": "sudden"}}, r"ramp'.*linear, logistic, path"),
    ],
)
def test_bad_measure_options_fail_with_one_line(measures, match):
    with pytest.raises(InputError, match=match) as err:
        simulate({"region": PACK, "time": TIME, "measures": measures})
    assert "\n" not in str(err.value)


def test_an_efficiency_pushed_above_one_fails(tmp_path):
    import shutil

    from csvedit import append

    pack = tmp_path / "pack"
    shutil.copytree(DATA / "measures_pack", pack)
    append(pack, "drivers.csv", unit="*", item="irrigation", variable="efficiency_flood", value="0.8",
           units="1", year="2020", status="estimate", reference="test")  # fmt: skip
    options = {**HSF, "coverage": 1.0, "field_efficiency_gain": 0.5}  # 0.8 x 1.5 = 1.2
    with pytest.raises(InputError, match=r"field_efficiency_gain': pushes 'efficiency_flood' above 1"):
        simulate({"region": str(pack), "time": TIME, "measures": {"high_standard_farmland": options}})


def test_every_measure_has_a_config_file_with_every_option():
    from sim.measures import default_options, load_measure
    from sim.measures.base import COMMON_OPTIONS

    for name in measure_names():
        module = load_measure(name)
        options = default_options(name)
        assert set(options) == set(COMMON_OPTIONS) | set(module.PARAMETERS), name
        for key, spec in module.PARAMETERS.items():
            assert spec.source.split(":")[0] in ("sourced", "derived", "estimate", "calibrated"), (name, key)


# ----------------------------------------------------------------------------------------
# the command line
# ----------------------------------------------------------------------------------------
def test_cli_runs_a_measure_and_writes_savings(tmp_path):
    out = tmp_path / "run"
    r = run_cli(
        f"region={PACK}",
        "time.start=2020-01",
        "time.end=2021-12",
        "measures=[high_standard_farmland]",
        "measures.high_standard_farmland.ramp=linear",
        "measures.high_standard_farmland.coverage=0.5",
        "measures.high_standard_farmland.start_year=2020",
        "measures.high_standard_farmland.target_year=2021",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "savings by measure" in r.stdout
    frame = pd.read_csv(out / "savings.csv")
    row = frame[(frame.name == "high_standard_farmland") & (frame.quantity == "withdrawal_saving_shapley")]
    ds = xr.open_dataset(out / "results.nc")
    expected = float(
        ds["saving_shapley"].sel(measure="high_standard_farmland", kind="withdrawal", year=2021).sum()
    )
    ds.close()
    assert float(row.value.iloc[0]) == pytest.approx(expected)
    assert expected > 0


def test_cli_unknown_measure_exits_2_and_lists_the_measures(tmp_path):
    out = tmp_path / "run"
    r = run_cli(f"region={PACK}", "+measures.foo={}", f"hydra.run.dir={out}", cwd=tmp_path)
    assert r.returncode == 2
    assert "unknown measure 'foo'; available:" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (out / "results.nc").exists()


# ----------------------------------------------------------------------------------------
# properties over every measure
# ----------------------------------------------------------------------------------------
def _own_groups() -> list[str]:
    from sim.measures import load_measure

    return [n for n in measure_names() if getattr(load_measure(n), "SECTOR_GROUPS", ())]


@pytest.mark.parametrize("name", _own_groups())
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(coverage=st.floats(0.0, 1.0))
def test_a_measure_never_raises_withdrawals_in_its_own_sectors(name, coverage):
    from sim.measures import load_measure

    options = {
        "coverage": coverage,
        "path": None,
        "area": None,
        "ramp": "linear",
        "start_year": 2020,
        "target_year": 2020,
    }
    if name == "crop_structure":
        options.update(from_crops=["maize"], to_crops=["wheat"])
    ds = simulate(
        {
            "region": PACK,
            "time": {"start": "2020-01", "end": "2020-12"},
            "measures": {name: options},
            "comparison": {"attribution": "none"},
        }
    )
    groups = load_measure(name).SECTOR_GROUPS
    own = [str(s) for s, g in zip(ds.sector.values, ds.sector_group.values, strict=True) if g in groups]
    assert own, name
    w = ds["delivery"].sel(sector=own).sum(("time", "source", "sample"))
    assert bool((w.sel(scenario="scenario") <= w.sel(scenario="baseline") * (1 + 1e-12) + 1e-12).all()), name


def test_shapley_is_exact_on_two_measures_with_a_known_interaction():
    # household_saving (use x (1 - 0.2)) and leakage_control (leakage 0.15 -> 0.05) act on
    # the same domestic withdrawal U x use / (1 - leakage) + R x use_r: the interaction is
    # multiplicative, so one-at-a-time savings do not add up and Shapley splits the rest evenly.
    full = {
        "coverage": 1.0,
        "path": None,
        "area": None,
        "ramp": "linear",
        "start_year": 2020,
        "target_year": 2020,
    }
    ds = simulate(
        {
            "region": PACK,
            "time": {"start": "2020-01", "end": "2020-12"},
            "measures": {
                "household_saving": {**full, "saving": 0.2},
                "leakage_control": {**full, "leakage_target": 0.05},
            },
        }
    )
    days = 366  # 2020
    urban, rural = 50e4 * 120, 10e4 * 60  # L/d per unit
    per_unit = {
        "none": urban / 0.85 + rural,
        "H": 0.8 * urban / 0.85 + 0.8 * rural,
        "L": urban / 0.95 + rural,
        "HL": 0.8 * urban / 0.95 + 0.8 * rural,
    }
    v = {k: 2 * x * days * 1e-9 for k, x in per_unit.items()}  # hm3/a, two units
    s_h, s_l = v["none"] - v["H"], v["none"] - v["L"]
    s_all = v["none"] - v["HL"]
    phi_h = 0.5 * (s_h + (v["L"] - v["HL"]))
    phi_l = 0.5 * (s_l + (v["H"] - v["HL"]))
    got = ds["saving_shapley"].sel(kind="withdrawal", year=2020, sector="domestic").sum("unit")
    oat = ds["saving_one_at_a_time"].sel(kind="withdrawal", year=2020, sector="domestic").sum("unit")
    assert float(got.sel(measure="household_saving")) == pytest.approx(phi_h, rel=1e-9)
    assert float(got.sel(measure="leakage_control")) == pytest.approx(phi_l, rel=1e-9)
    assert float(oat.sel(measure="household_saving")) == pytest.approx(s_h, rel=1e-9)
    inter = ds["saving_interaction"].sel(kind="withdrawal", year=2020, sector="domestic").sum("unit")
    assert float(inter) == pytest.approx(s_all - s_h - s_l, rel=1e-9)
    assert float(inter) < 0  # the two overlap: saving use also saves its leakage
    assert float(got.sum()) == pytest.approx(s_all, rel=1e-12)


def test_attribution_by_network_part_equals_the_whole_pack_brute_force(tmp_path):
    # two independent units (no link between them) and a measure on one only: the
    # attribution runs each part with its own measures; check it against all 2^3 subsets
    # of the whole pack evaluated directly
    import shutil

    from csvedit import read_rows, write_rows

    from sim.attribution import annual_use_raw, attribute
    from sim.engine import run_network

    pack_dir = tmp_path / "pack"
    shutil.copytree(DATA / "measures_pack", pack_dir)
    rows = read_rows(pack_dir / "links.csv")
    rows[1][1] = "outlet"  # a -> outlet instead of a -> b
    write_rows(pack_dir / "links.csv", rows)
    full = {"path": None, "area": None, "ramp": "linear", "start_year": 2020, "target_year": 2021}
    measures = {
        "household_saving": {**full, "coverage": 0.6},
        "leakage_control": {**full, "coverage": 1.0, "where": ["a"]},
        "high_standard_farmland": {**full, "coverage": 0.5},
    }
    cfg = _as_config({"region": str(pack_dir), "time": TIME, "measures": measures})
    pack = load_pack(cfg.region)
    ms = configured_measures(cfg.measures)
    got = attribute(cfg, pack, ms, build_inputs, chunk=3)
    rows = subsets(len(ms))
    on = scenario_matrix([m.name for m in ms], rows, [f"s{i}" for i in range(len(rows))])
    inputs, _, _ = build_inputs(cfg, pack, ms, on)
    v = annual_use_raw(inputs, run_network(inputs))
    acc = ShapleyAccumulator(len(ms))
    acc.add(rows, v)
    np.testing.assert_allclose(got["saving_shapley"].values, -acc.result(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["saving_combined"].values, v[0] - v[-1], rtol=1e-12, atol=1e-12)
    single = [int(np.flatnonzero((rows.sum(axis=1) == 1) & (rows[:, i] == 1))[0]) for i in range(len(ms))]
    np.testing.assert_allclose(got["saving_one_at_a_time"].values, v[0] - v[single], rtol=1e-12, atol=1e-12)
    # leakage control in unit a only: zero Shapley value in unit b
    assert float(abs(got["saving_shapley"].sel(measure="leakage_control", unit="b")).max()) == 0.0
    assert float(got["saving_shapley"].sel(measure="leakage_control", unit="a", kind="withdrawal").sum()) > 0
