"""Vectorised sweeps: the design of the points, and results identical to single runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import DATA

from sim.core import _as_config, simulate
from sim.errors import InputError
from sim.measures import load_measure, measure_names
from sim.sweep.memory import check_results, choose_chunk
from sim.sweep.points import make_points
from sim.sweep.run import run_sweep

PACK = str(DATA / "measures_pack")
TIME = {"start": "2020-01", "end": "2022-12"}
IM_TIME = {"start": "2022-01", "end": "2023-12"}
#: parameters that must add up with others (their sum is checked): swept together below
#: options the two-unit pack needs (its crops)
EXTRA = {"crop_structure": {"from_crops": ["wheat"], "to_crops": ["maize"]}}
LINKED = {"sponge_city": ("to_green", "to_recharge", "to_reuse"), "efficient_irrigation": ()}


#: household saving on the two-unit pack, fully built from 2021
HOUSEHOLD = {
    "region": PACK,
    "time": TIME,
    "measures": {"household_saving": {"start_year": 2020, "target_year": 2021}},
}


def coverage_points(values):
    """A grid over the household-saving coverage."""
    return make_points(
        {"method": "grid", "parameters": {"measures.household_saving.coverage": values}},
        _as_config(HOUSEHOLD),
    )


def _cfg(measures, region=PACK, time=TIME, **extra):
    return _as_config({"region": region, "time": time, "measures": measures, **extra})


def _set(tree: dict, key: str, value) -> dict:
    node = tree
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value.item() if isinstance(value, np.generic) else value
    return tree


def assert_same_as_single_runs(sweep: xr.Dataset, base: dict, points: pd.DataFrame, rtol=1e-12):
    """Every numeric variable of each point equals its own simulate() run (relative 1e-12)."""
    import copy

    for i, row in points.iterrows():
        tree = copy.deepcopy(base)
        tree["comparison"] = {"attribution": "none"}  # a sweep does not attribute (docs/sweeps.md)
        for key, value in row.items():
            _set(tree, key, value)
        single = simulate(tree)
        point = sweep.isel(sweep=i)
        compared = 0
        for name, da in single.data_vars.items():
            if not np.issubdtype(da.dtype, np.number) or name not in point:
                continue
            got = point[name].transpose(*da.dims).values
            want = da.values
            scale = np.nanmax(np.abs(want)) if np.isfinite(want).any() else 1.0
            np.testing.assert_allclose(
                got, want, rtol=0, atol=rtol * max(scale, 1.0), err_msg=f"point {i} {name}"
            )
            compared += 1
        assert compared > 20
        missing = [v for v in single.data_vars if v not in point and v != "mass_balance_residual"]
        assert not missing, missing


# ----------------------------------------------------------------------------------------
# designs
# ----------------------------------------------------------------------------------------
def test_grid_is_the_full_factorial_and_zip_pairs():
    cfg = _cfg({"household_saving": {}})
    grid = make_points(
        {
            "method": "grid",
            "parameters": {
                "measures.household_saving.coverage": [0.1, 0.2, 0.3],
                "hydrology.runoff_factor": [0.8, 1.2],
            },
        },
        cfg,
    )
    assert len(grid) == 6
    assert sorted(map(tuple, grid.values.tolist())) == sorted(
        (c, r) for c in (0.1, 0.2, 0.3) for r in (0.8, 1.2)
    )
    z = make_points(
        {
            "method": "zip",
            "parameters": {
                "measures.household_saving.coverage": [0.1, 0.2],
                "hydrology.runoff_factor": [0.8, 1.2],
            },
        },
        cfg,
    )
    assert z.values.tolist() == [[0.1, 0.8], [0.2, 1.2]]


def test_latin_hypercube_puts_one_point_in_every_stratum():
    cfg = _cfg({"household_saving": {}})
    n = 50
    ranges = {"measures.household_saving.coverage": [0.2, 0.7], "hydrology.runoff_factor": [0.5, 1.5]}
    design = {"method": "lhs", "n": n, "seed": 3, "parameters": ranges}
    pts = make_points(design, cfg)
    assert len(pts) == n
    for key, (low, high) in ranges.items():
        strata = np.floor((pts[key].to_numpy() - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))  # exactly one point per 1/n interval
    pd.testing.assert_frame_equal(pts, make_points(design, cfg))  # the same seed, the same points


def test_sobol_points_are_balanced_and_years_are_integers():
    cfg = _cfg({"household_saving": {}})
    pts = make_points(
        {
            "method": "sobol",
            "n": 64,
            "seed": 1,
            "parameters": {
                "measures.household_saving.coverage": [0.0, 1.0],
                "measures.household_saving.start_year": [2020, 2022],
            },
        },
        cfg,
    )
    cov = pts["measures.household_saving.coverage"].to_numpy()
    # a scrambled Sobol' design of 2^6 points puts 2^6 / 8 = 8 points in every 1/8 interval
    assert np.bincount(np.floor(cov * 8).astype(int), minlength=8).tolist() == [8] * 8
    years = pts["measures.household_saving.start_year"]
    assert years.dtype.kind == "i" and set(years) <= {2020, 2021, 2022}


def test_csv_points(tmp_path):
    table = tmp_path / "points.csv"
    table.write_text("measures.household_saving.coverage,hydrology.runoff_factor\n0.2,0.9\n0.4,1.1\n")
    pts = make_points({"method": "csv", "file": str(table)}, _cfg({"household_saving": {}}))
    assert pts.values.tolist() == [[0.2, 0.9], [0.4, 1.1]]


@pytest.mark.parametrize(
    "sweep, message",
    [
        (
            {"method": "grid", "parameters": {"measures.household_saving.coverge": [0.1]}},
            "did you mean 'measures.household_saving.coverage'",
        ),
        (
            {"method": "grid", "parameters": {"hydrology.runof_factor": [0.1]}},
            "did you mean 'hydrology.runoff_factor'",
        ),
        ({"method": "grid", "parameters": {"measures.sponge_city.coverage": [0.1]}}, "must be switched on"),
        ({"method": "grid", "parameters": {"engine.n_workers": [1, 2]}}, "'engine' cannot be swept"),
        ({"method": "grid", "parameters": {"hydrology.runoff_factor": []}}, "non-empty list"),
        (
            {"method": "lhs", "n": 8, "parameters": {"hydrology.runoff_factor": [1.2, 1.2]}},
            "empty range [1.2, 1.2]",
        ),
        (
            {"method": "lhs", "n": 0, "parameters": {"hydrology.runoff_factor": [0.8, 1.2]}},
            "'sweep.n': expected a number of points > 0",
        ),
        (
            {"method": "lhs", "n": 8, "seed": 1.5, "parameters": {"hydrology.runoff_factor": [0.8, 1.2]}},
            "'sweep.seed': expected an integer",
        ),
        (
            {"method": "zip", "parameters": {"hydrology.runoff_factor": [0.8, 1.2], "risk.tolerance": [0.1]}},
            "lists of equal length",
        ),
        ({"method": "latin", "parameters": {}}, "'sweep.method': expected one of"),
        ({"method": "csv"}, "'sweep.file'"),
    ],
)
def test_bad_sweeps_name_the_key(sweep, message):
    with pytest.raises(InputError) as err:
        make_points(sweep, _cfg({"household_saving": {}}))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_csv_with_an_empty_cell_names_row_and_column(tmp_path):
    table = tmp_path / "points.csv"
    table.write_text("measures.household_saving.coverage,hydrology.runoff_factor\n0.2,0.9\n0.4,\n")
    with pytest.raises(InputError, match=r"points.csv: row 3, column 'hydrology.runoff_factor': empty cell"):
        make_points({"method": "csv", "file": str(table)}, _cfg({"household_saving": {}}))


# ----------------------------------------------------------------------------------------
# results equal single runs
# ----------------------------------------------------------------------------------------
def test_sweep_of_inner_mongolia_equals_single_runs():
    base = {
        "region": "inner_mongolia",
        "time": IM_TIME,
        "measures": {"household_saving": {}, "sponge_city": {}, "canal_lining": {}},
        "comparison": {"attribution": "none"},
    }
    points = make_points(
        {
            "method": "zip",
            "parameters": {
                "measures.household_saving.coverage": [0.3, 0.9, 0.6],
                "measures.sponge_city.capture_ratio": [0.75, 0.85, 0.8],
                "measures.canal_lining.start_year": [2022, 2023, 2023],
                "measures.canal_lining.capital_cost": [100.0, 300.0, 200.0],
            },
        },
        _as_config(base),
    )
    sweep = run_sweep(base, points, resolution="step")
    assert sweep.sizes["sweep"] == 3 and list(sweep.scenario.values) == ["baseline", "scenario"]
    np.testing.assert_array_equal(sweep["measures.canal_lining.capital_cost"].values, [100.0, 300.0, 200.0])
    assert_same_as_single_runs(sweep, base, points)
    # the costs follow the swept capital cost: three times the cost at three times the price
    # where nothing else differs (points 0 and 1 differ in the start year too: compare 2023)
    cost = sweep["measure_cost"].sel(measure="canal_lining", year=2023)
    assert float(cost.isel(sweep=1)) > float(cost.isel(sweep=0))


def _two_values(spec, default):
    span = spec.high - spec.low
    a = float(default)
    b = a * 0.8 if spec.low <= a * 0.8 <= spec.high and a != 0 else spec.low + 0.5 * span
    if np.isinf(span):
        b = a * 0.8 if a else 1.0
    return a, b


@pytest.mark.parametrize("name", measure_names())
def test_every_effect_parameter_can_vary_along_the_sweep(name):
    """All numeric effect parameters of a measure at two values each: equal to single runs."""
    from sim.measures import default_options

    module = load_measure(name)
    options = default_options(name)
    params = {}
    for key, spec in module.PARAMETERS.items():
        if spec.units in ("list", "text", "mapping") or key in LINKED.get(name, ()) or key.startswith("mix_"):
            continue
        params[f"measures.{name}.{key}"] = list(_two_values(spec, options[key]))
    if name == "sponge_city":  # a split that still adds up to 1
        params.update(
            {
                f"measures.{name}.to_green": [0.5, 0.2],
                f"measures.{name}.to_recharge": [0.3, 0.5],
                f"measures.{name}.to_reuse": [0.2, 0.3],
            }
        )
    if name == "efficient_irrigation":
        mix = [k for k in module.PARAMETERS if k.startswith("mix_")]
        first = [1.0 / len(mix)] * len(mix)
        second = [0.0] * len(mix)
        second[0] = 1.0
        params.update({f"measures.{name}.{k}": [first[j], second[j]] for j, k in enumerate(mix)})
    params[
        f"measures.{name}.coverage" if options.get("coverage") is not None else f"measures.{name}.start_year"
    ] = [0.5, 0.8] if options.get("coverage") is not None else [2020, 2021]
    base = {
        "region": PACK,
        "time": TIME,
        "measures": {name: {"start_year": 2020, "target_year": 2021, **EXTRA.get(name, {})}},
    }
    if options.get("ramp") == "path":
        base["measures"][name].update({"ramp": "linear", "coverage": 0.5, "path": None})
        params.pop(f"measures.{name}.start_year", None)
        params[f"measures.{name}.coverage"] = [0.5, 0.8]
    points = make_points({"method": "zip", "parameters": params}, _as_config(base))
    sweep = run_sweep(base, points, resolution="step")
    assert_same_as_single_runs(sweep, base, points)


def test_points_that_differ_outside_the_measures_run_in_groups():
    base = HOUSEHOLD
    points = make_points(
        {
            "method": "grid",
            "parameters": {
                "measures.household_saving.coverage": [0.2, 0.6],
                "hydrology.runoff_factor": [0.5, 1.0],
                "time.end": ["2021-12", "2022-12"],
            },
        },
        _as_config(base),
    )
    sweep = run_sweep(base, points, resolution="year")
    assert sweep.sizes["sweep"] == 8
    # a horizon ending in 2021 leaves 2022 missing for its points
    short = sweep.isel(sweep=np.flatnonzero(points["time.end"].values == "2021-12"))
    assert bool(short["delivery"].sel(year=2022).isnull().all())
    for i in (0, 5):
        row = points.iloc[i]
        tree = {
            **base,
            "measures": {
                "household_saving": {"start_year": 2020, "target_year": 2021, "coverage": float(row.iloc[0])}
            },
        }
        tree.update(
            hydrology={"runoff_factor": float(row.iloc[1])}, time={"start": "2020-01", "end": row.iloc[2]}
        )
        single = simulate(tree)
        annual = single["delivery"].groupby(single.time.dt.year).sum("time")
        got = sweep["delivery"].isel(sweep=i).sel(year=annual.year).transpose(*annual.dims)
        np.testing.assert_allclose(got.values, annual.values, rtol=1e-12, atol=1e-12)


def test_year_resolution_sums_flows_and_keeps_the_last_storage():
    base = HOUSEHOLD
    points = coverage_points([0.2, 0.6])
    step = run_sweep(base, points, resolution="step")
    year = run_sweep(base, points, resolution="year")
    np.testing.assert_allclose(
        year["shortage"].values,
        step["shortage"].groupby(step.time.dt.year).sum("time").transpose(*year["shortage"].dims).values,
    )
    last = step["aquifer_storage"].sel(time=step.time.dt.month == 12)
    np.testing.assert_array_equal(year["aquifer_storage"].values, last.values)
    assert year["shortage"].attrs["units"] == "hm3/a"


def test_blocks_of_one_point_give_the_same_results():
    base = HOUSEHOLD
    points = coverage_points([0.2, 0.4, 0.6])
    together = run_sweep(base, points)
    apart = run_sweep({**base, "sweep": {"chunk": 1}}, points)
    xr.testing.assert_allclose(together, apart, rtol=1e-13, atol=1e-12)


def test_memory_limit_says_how_to_chunk():
    cfg = _cfg({}, region="inner_mongolia")
    cfg.hydrology.name = "stochastic"
    cfg.hydrology.n_samples = 100
    # 100 samples x 108 months x 20 units: about 0.36 GB per point
    assert choose_chunk(cfg, 108, 20, 7, 6, 4.0) >= 5
    with pytest.raises(
        InputError,
        match=r"'sweep.chunk': 64 points per block need about .* GB, over sweep.max_memory_gb=4; set sweep.chunk=\d+ or less",
    ):
        choose_chunk(cfg, 108, 20, 7, 6, 4.0, chunk=64)
    with pytest.raises(InputError, match=r"one point needs about"):
        choose_chunk(cfg, 108, 20, 7, 6, 0.5)


def test_results_bigger_than_the_limit_are_refused_before_the_other_blocks_run():
    check_results(0.4e6, 1000, 4.0)  # 0.8 GB: fits
    with pytest.raises(InputError, match=r"the results of 10000 points need about 8.0 GB .*sweep.variables"):
        check_results(0.4e6, 10000, 4.0)


def test_variables_keeps_only_those():
    base = HOUSEHOLD
    points = coverage_points([0.2, 0.6])
    ds = run_sweep(base, points, variables=["withdrawal_saving", "shortage"])
    assert set(ds.data_vars) == {"withdrawal_saving", "shortage"}
    with pytest.raises(InputError, match="'sweep.variables': no variable 'shortfall'"):
        run_sweep(base, points, variables=["shortfall"])


def test_drivers_scale_and_set_by_hand_and_in_a_sweep():
    from sim.errors import InputError as Err
    from sim.pack import load_pack
    from sim.pack.adjust import adjust_drivers

    pack = load_pack(PACK)
    model = next(iter(pack.drivers))
    name = next(v for v in pack.drivers[model].data_vars if pack.drivers[model][v].dtype.kind == "f")
    old = pack.drivers[model][name].copy(deep=True)
    scaled = adjust_drivers(pack, {"scale": {model: {name: 1.5}}}).drivers[model][name]
    np.testing.assert_allclose(scaled.values, old.values * 1.5)
    fixed = adjust_drivers(pack, {"set": {model: {name: 0.25}}, "scale": {model: {name: 2.0}}}).drivers[
        model
    ][name]
    np.testing.assert_allclose(fixed.values[np.isfinite(old.values)], 0.5)  # set, then scale
    np.testing.assert_array_equal(pack.drivers[model][name].values, old.values)  # the pack is not changed
    with pytest.raises(
        Err, match=rf"'drivers.scale.{model}.{name}x': the pack has no driver .* did you mean '{name}'"
    ):
        adjust_drivers(pack, {"scale": {model: {name + "x": 1.0}}})
    with pytest.raises(Err, match="expected a factor >= 0"):
        adjust_drivers(pack, {"scale": {model: {name: -1.0}}})
    with pytest.raises(Err, match="'drivers.scale.nomodel': no sector uses this model"):
        adjust_drivers(pack, {"scale": {"nomodel": {name: 1.0}}})


def test_a_driver_growth_rate_can_be_swept():
    base = {"region": "inner_mongolia", "time": IM_TIME, "comparison": {"attribution": "none"}}
    key = "drivers.scale.industry.value_added_growth"
    points = make_points({"method": "grid", "parameters": {key: [0.5, 1.5]}}, _as_config(base))
    sweep = run_sweep(base, points, resolution="step")
    assert_same_as_single_runs(sweep, base, points)
    industry = (
        sweep["requirement"].sel(sector="industry", scenario="baseline").sum(("time", "unit", "sample"))
    )
    assert float(industry.isel(sweep=1)) > float(industry.isel(sweep=0))  # faster growth, more water
