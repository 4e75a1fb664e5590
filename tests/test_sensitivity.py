"""Sensitivity indices (sim.sensitivity) against closed forms.

Sobol': the Ishigami function f = sin x1 + a sin² x2 + b x3⁴ sin x1 (a = 7, b = 0.1) on
[-π, π]³ (Ishigami and Homma 1990), whose variance decomposition is known analytically:

    V   = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2
    V1  = (1 + b π⁴/5)² / 2,   V2 = a²/8,   V3 = 0
    V13 = b² π⁸ (1/18 - 1/50) = 8 b² π⁸ / 225    (the only interaction)
    S1 = V1/V ≈ 0.3139, S2 = V2/V ≈ 0.4424, S3 = 0
    ST1 = (V1 + V13)/V ≈ 0.5576, ST2 = S2 ≈ 0.4424, ST3 = V13/V ≈ 0.2437

Morris (num_levels = 4): the grid in each coordinate is {-π, -π/3, π/3, π} and the step is
Δ = 2/3 of the range, so every elementary effect (output change / Δ) has a closed form:

- x2: sin² goes 0 -> 3/4 or 3/4 -> 0, so |EE2| = a (3/4) / (2/3) = 7.875 in every trajectory.
- x1: sin x1 always rises by √3/2 (-π -> π/3 or -π/3 -> π), so EE1 = 1.5 (√3/2) (1 + b x3⁴) > 0
  (mu1 = mu_star1), with x3⁴ ∈ {π⁴, (π/3)⁴} with equal probability: E mu_star1 ≈ 7.704.
- x3: |EE3| = 1.5 b |sin x1| (π⁴ - (π/3)⁴), with |sin x1| ∈ {0, √3/2} with equal probability:
  E mu_star3 ≈ 6.249.

For a linear f = Σ c_i x_i on [low_i, high_i] every elementary effect is c_i (high_i - low_i)
exactly: mu = c (high - low), mu_star = |mu|, sigma = 0.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.errors import InputError
from sim.sensitivity import CONSTANT_RTOL, analyze, problem, sample, write

A, B = 7.0, 0.1
PI = math.pi
V = A**2 / 8 + B * PI**4 / 5 + B**2 * PI**8 / 18 + 0.5
V1 = 0.5 * (1 + B * PI**4 / 5) ** 2
V2 = A**2 / 8
V13 = B**2 * PI**8 * (1 / 18 - 1 / 50)
S1_EXACT = np.array([V1 / V, V2 / V, 0.0])
ST_EXACT = np.array([(V1 + V13) / V, V2 / V, V13 / V])

NAMES = ["x1", "x2", "x3"]
N_SOBOL = 2**13  # 40 960 runs; the estimates' own 95 % intervals are about ±0.01-0.03


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


@pytest.fixture(scope="module")
def ish_problem() -> dict:
    return problem(NAMES, [(-PI, PI)] * 3)


@pytest.fixture(scope="module")
def sobol_run(ish_problem):
    X = sample("sobol", ish_problem, N_SOBOL, seed=1)
    return X, analyze("sobol", ish_problem, X, ishigami(X))


def test_closed_form_numbers():
    assert S1_EXACT == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert ST_EXACT == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


def test_problem_dict():
    p = problem(["a", "b"], [(0, 1), (2.5, 3)])
    assert p == {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [2.5, 3.0]]}


def test_sobol_ishigami(ish_problem, sobol_run):
    X, ds = sobol_run
    assert X.shape == (N_SOBOL * (3 + 2), 3)
    assert ds.attrs["method"] == "sobol" and ds.attrs["n"] == N_SOBOL
    assert list(ds["parameter"].values) == NAMES
    assert set(ds.data_vars) == {"S1", "S1_conf", "ST", "ST_conf"}
    for name, exact in (("S1", S1_EXACT), ("ST", ST_EXACT)):
        est, conf = ds[name].values, ds[f"{name}_conf"].values
        # the intervals are narrow enough for the check to mean something ...
        assert (conf < 0.035).all(), conf
        # ... and every estimate lies inside its own 95 % bootstrap interval around the truth
        assert (np.abs(est - exact) <= conf).all(), (name, est, exact, conf)
        # (quasi-random Sobol' points do much better than the bootstrap's iid assumption says)
        assert np.abs(est - exact).max() < 0.01
        assert ds[name].attrs["units"] == "1"
        assert ds[name].attrs["long_name"]


def test_sobol_is_reproducible(ish_problem, sobol_run):
    X, ds = sobol_run
    X2 = sample("sobol", ish_problem, N_SOBOL, seed=1)
    np.testing.assert_array_equal(X, X2)
    xr.testing.assert_identical(ds, analyze("sobol", ish_problem, X2, ishigami(X2)))
    assert not np.array_equal(X, sample("sobol", ish_problem, N_SOBOL, seed=2))


def test_sobol_second_order(ish_problem):
    n = 2**11
    X = sample("sobol", ish_problem, n, seed=3, calc_second_order=True)
    assert X.shape == (n * (2 * 3 + 2), 3)
    ds = analyze("sobol", ish_problem, X, ishigami(X), calc_second_order=True)
    assert ds.attrs["calc_second_order"] == 1
    s2 = ds["S2"]
    assert s2.dims == ("parameter", "other_parameter")
    assert np.isnan(np.diag(s2.values)).all()
    np.testing.assert_array_equal(s2.values, s2.values.T)
    # the only interaction is x1-x3: S13 = V13 / V ≈ 0.2437
    assert float(s2.sel(parameter="x1", other_parameter="x3")) == pytest.approx(V13 / V, abs=0.05)
    assert abs(float(s2.sel(parameter="x1", other_parameter="x2"))) < 0.05
    # a first-order-only analysis of a second-order design is refused, not misread
    with pytest.raises(InputError, match="calc_second_order=False"):
        analyze("sobol", ish_problem, X, ishigami(X))


def test_morris_linear_is_exact():
    lows, highs = np.array([0.0, 2.0, -1.0]), np.array([1.0, 5.0, 3.0])
    c = np.array([2.0, -3.0, 0.5])
    p = problem(["u", "v", "w"], list(zip(lows, highs, strict=True)))
    X = sample("morris", p, 10, seed=3)
    assert X.shape == (10 * (3 + 1), 3)
    ds = analyze("morris", p, X, X @ c)
    expected = c * (highs - lows)  # output change per full range: [2, -9, 2]
    np.testing.assert_allclose(ds["mu"].values, expected, rtol=1e-12)
    np.testing.assert_allclose(ds["mu_star"].values, np.abs(expected), rtol=1e-12)
    np.testing.assert_allclose(ds["sigma"].values, 0.0, atol=1e-12)
    np.testing.assert_allclose(ds["mu_star_conf"].values, 0.0, atol=1e-12)
    assert ds.attrs["method"] == "morris" and ds.attrs["n"] == 10 and ds.attrs["num_levels"] == 4


def test_morris_ishigami(ish_problem):
    X = sample("morris", ish_problem, 1000, seed=1)
    ds = analyze("morris", ish_problem, X, ishigami(X))
    mu_star, conf, mu = ds["mu_star"].values, ds["mu_star_conf"].values, ds["mu"].values
    assert mu_star[1] == pytest.approx(A * 0.75 / (2 / 3), rel=1e-12)  # 7.875 in every trajectory
    assert mu[0] == pytest.approx(mu_star[0], rel=1e-12)  # x1's effect is always positive
    half = 1.5 * math.sqrt(3) / 2
    expected1 = half * (1 + B * (PI**4 + (PI / 3) ** 4) / 2)  # ≈ 7.704
    expected3 = half * B * (PI**4 - (PI / 3) ** 4) / 2  # ≈ 6.249
    # within two 95 % half-widths (about 4 standard errors) of the expectation: over seeds 0-199
    # the standard deviation of mu_star was 0.19 for x1 and x3 and no seed came beyond 1.8 half-widths
    assert abs(mu_star[0] - expected1) <= 2 * conf[0]
    assert abs(mu_star[2] - expected3) <= 2 * conf[2]
    # x1 and x2 rank above x3 (expected gaps 1.46 and 1.63 against standard errors of about 0.2)
    assert min(mu_star[0], mu_star[1]) > mu_star[2]


def test_extra_dim_gives_each_output(ish_problem):
    X = sample("sobol", ish_problem, 2**10, seed=4)
    c = np.array([1.0, 2.0, 0.0])
    # given as (output, sweep): analyze moves 'sweep' first
    Y = xr.DataArray(
        np.stack([ishigami(X), X @ c]),
        dims=("output", "sweep"),
        coords={"output": ["ishigami", "linear"], "label": ("output", ["f", "g"])},
        attrs={"units": "hm3"},
    )
    ds = analyze("sobol", ish_problem, X, Y)
    assert ds["S1"].dims == ("parameter", "output")
    assert list(ds["output"].values) == ["ishigami", "linear"]
    assert list(ds["label"].values) == ["f", "g"]
    # each output is the same as its analysis on its own
    alone = analyze("sobol", ish_problem, X, ishigami(X))
    for name in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(ds[name].sel(output="ishigami").values, alone[name].values)
    # linear and additive: S1 = ST = c_i² / Σ c² = [0.2, 0.8, 0]
    lin = ds.sel(output="linear")
    np.testing.assert_allclose(lin["S1"].values, [0.2, 0.8, 0.0], atol=0.01)
    np.testing.assert_allclose(lin["ST"].values, [0.2, 0.8, 0.0], atol=0.01)

    Xm = sample("morris", ish_problem, 20, seed=4)
    Ym = xr.DataArray(
        np.stack([ishigami(Xm), Xm @ c], axis=1), dims=("sweep", "output"), attrs={"units": "hm3"}
    )
    dm = analyze("morris", ish_problem, Xm, Ym)
    assert dm["mu_star"].dims == ("parameter", "output")
    assert dm["mu_star"].attrs["units"] == "hm3" and dm["sigma"].attrs["units"] == "hm3"
    np.testing.assert_allclose(dm["mu"].isel(output=1).values, c * 2 * PI, rtol=1e-12)


def test_numpy_outputs_with_extra_axis(ish_problem):
    X = sample("morris", ish_problem, 4, seed=0)
    ds = analyze("morris", ish_problem, X, np.stack([ishigami(X), 2 * ishigami(X)], axis=1))
    assert ds["mu"].dims == ("parameter", "output")
    np.testing.assert_allclose(ds["mu"].isel(output=1), 2 * ds["mu"].isel(output=0), rtol=1e-12)
    assert ds["mu"].attrs["units"] == "1"


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_constant_output_gives_zeros_without_warnings(ish_problem, method):
    X = sample(method, ish_problem, 64, seed=0)
    jitter = 1e9 * (1 + 0.1 * CONSTANT_RTOL * np.sin(X[:, 0]))  # rounding-level spread
    Y = xr.DataArray(
        np.stack([np.full(len(X), 3.0), np.zeros(len(X)), jitter, ishigami(X)], axis=1),
        dims=("sweep", "output"),
        coords={"output": ["three", "zero", "jitter", "ishigami"]},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = analyze(method, ish_problem, X, Y)
    const = ds.sel(output=["three", "zero", "jitter"])
    for name in ds.data_vars:
        np.testing.assert_array_equal(const[name].values, 0.0)
        assert np.isfinite(ds[name].values).all()
    assert (ds[next(iter(ds.data_vars))].sel(output="ishigami") != 0).any()


def test_constant_output_second_order(ish_problem):
    X = sample("sobol", ish_problem, 8, seed=0, calc_second_order=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = analyze("sobol", ish_problem, X, np.ones(len(X)), calc_second_order=True)
    s2 = ds["S2"].values
    assert np.isnan(np.diag(s2)).all() and (s2[~np.eye(3, dtype=bool)] == 0).all()


# ---- bad input: one-line InputError naming the config key ----------------------------------


def _raises(match: str, fn, *args, **kwargs) -> str:
    with pytest.raises(InputError, match=match) as err:
        fn(*args, **kwargs)
    assert "\n" not in str(err.value)
    return str(err.value)


def test_bad_problem():
    msg = _raises(
        r"sweep\.parameters\.measures\.sponge_city\.coverage",
        problem,
        ["measures.sponge_city.coverage"],
        [(0.6, 0.6)],
    )
    assert msg == (
        "config key 'sweep.parameters.measures.sponge_city.coverage': empty range [0.6, 0.6]; expected low < high"
    )
    _raises(r"'sweep\.parameters\.x'.*reversed range \[2, 1\]", problem, ["x"], [(2, 1)])
    _raises(r"'sweep\.parameters\.x'.*not finite", problem, ["x"], [(0, math.inf)])
    _raises(r"'sweep\.parameters\.x'.*not finite", problem, ["x"], [(math.nan, 1)])
    _raises(r"'sweep\.parameters\.x'.*two numbers", problem, ["x"], [(0, 1, 2)])
    _raises(r"'sweep\.parameters\.x'.*unique", problem, ["x", "x"], [(0, 1), (0, 1)])
    _raises(r"'sweep\.parameters'.*at least one", problem, [], [])
    _raises(r"'sweep\.parameters'.*one range per name", problem, ["x", "y"], [(0, 1)])


def test_bad_sample_arguments(ish_problem):
    for n in (0, -8, 1, 8.0, True):
        _raises(r"'sweep\.n'", sample, "sobol", ish_problem, n, 0)
        _raises(r"'sweep\.n'", sample, "morris", ish_problem, n, 0)
    assert "1024" in _raises(r"'sweep\.n'.*power of two", sample, "sobol", ish_problem, 1000, 0)
    assert "4096" in _raises(r"'sweep\.n'.*power of two", sample, "sobol", ish_problem, 3500, 0)
    assert sample("morris", ish_problem, 1000, 0).shape == (4000, 3)  # Morris: any N
    assert "sobol, morris" in _raises(r"'sweep\.method'", sample, "fast", ish_problem, 8, 0)
    for seed in (1.5, "7", None, -1, False):
        _raises(r"'sweep\.seed'", sample, "sobol", ish_problem, 8, seed)
    _raises(r"'sweep\.num_levels'", sample, "morris", ish_problem, 8, 0, num_levels=5)
    _raises(
        r"'sweep\.num_levels'.*not an option of method 'sobol'",
        sample,
        "sobol",
        ish_problem,
        8,
        0,
        num_levels=4,
    )
    _raises(r"'sweep\.calc_second_order'", sample, "sobol", ish_problem, 8, 0, calc_second_order="yes")


def test_bad_analyze_arguments(ish_problem):
    X = sample("sobol", ish_problem, 8, seed=0)
    Y = ishigami(X)
    _raises(r"'sweep'.*expected 40", analyze, "sobol", ish_problem, X, Y[:-1])
    _raises(r"'sweep'.*expected 40", analyze, "sobol", ish_problem, X, np.append(Y, 0.0))
    _raises(
        r"'sweep'.*expected 40",
        analyze,
        "sobol",
        ish_problem,
        X,
        xr.DataArray(Y[:30], dims="sweep"),
    )
    _raises(r"no 'sweep' dimension", analyze, "sobol", ish_problem, X, xr.DataArray(Y, dims="run"))
    _raises(r"not finite at the output", analyze, "sobol", ish_problem, X, np.where(Y > 5, np.nan, Y))
    _raises(r"X: shape", analyze, "sobol", ish_problem, X[:, :2], Y)
    _raises(r"'sweep\.method'", analyze, "fast", ish_problem, X, Y)
    _raises(r"'sweep\.conf_level'", analyze, "sobol", ish_problem, X, Y, conf_level=95)
    _raises(r"'sweep\.seed'", analyze, "sobol", ish_problem, X, Y, seed=0.5)
    # points of the other method, or of another num_levels, are refused
    Xm = sample("morris", ish_problem, 10, seed=0)
    _raises(r"not a Saltelli design", analyze, "sobol", ish_problem, Xm, ishigami(Xm))
    _raises(r"not a Morris design", analyze, "morris", ish_problem, Xm, ishigami(Xm), num_levels=6)
    Xs = sample("sobol", ish_problem, 8, seed=0)[:32]
    _raises(r"not a Morris design", analyze, "morris", ish_problem, Xs, ishigami(Xs))


# ---- files ----------------------------------------------------------------------------------


def test_write_round_trip(tmp_path, ish_problem):
    X = sample("morris", ish_problem, 8, seed=0)
    Y = xr.DataArray(
        np.stack([ishigami(X), X.sum(axis=1)], axis=1),
        dims=("sweep", "output"),
        coords={"output": ["ishigami", "sum"]},
        attrs={"units": "hm3"},
    )
    ds = analyze("morris", ish_problem, X, Y)
    nc, csv = write(ds, tmp_path / "run")
    assert (nc.name, csv.name) == ("sensitivity.nc", "sensitivity.csv")
    assert sorted(p.name for p in nc.parent.iterdir()) == [
        "sensitivity.csv",
        "sensitivity.nc",
    ]  # no temp left
    with xr.open_dataset(nc) as back:
        back = back.load()
    xr.testing.assert_allclose(back, ds)
    assert back.attrs == ds.attrs
    for name in ds.data_vars:
        assert back[name].attrs["units"] == "hm3" and back[name].attrs["long_name"]
    table = pd.read_csv(csv)
    assert list(table.columns) == ["parameter", "output", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert len(table) == 3 * 2
    assert list(table["parameter"]) == ["x1", "x1", "x2", "x2", "x3", "x3"]
    row = table.set_index(["parameter", "output"]).loc[("x2", "sum")]
    assert row["mu_star"] == pytest.approx(float(ds["mu_star"].sel(parameter="x2", output="sum")), rel=1e-15)


def test_write_second_order_csv_keeps_per_parameter_indices(tmp_path, ish_problem):
    X = sample("sobol", ish_problem, 8, seed=0, calc_second_order=True)
    ds = analyze("sobol", ish_problem, X, ishigami(X), calc_second_order=True)
    nc, csv = write(ds, tmp_path)
    assert list(pd.read_csv(csv).columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    with xr.open_dataset(nc) as back:
        assert back["S2"].dims == ("parameter", "other_parameter")


@pytest.mark.parametrize("existing", ["sensitivity.nc", "sensitivity.csv"])
def test_write_never_overwrites(tmp_path, ish_problem, existing):
    X = sample("morris", ish_problem, 4, seed=0)
    ds = analyze("morris", ish_problem, X, ishigami(X))
    (tmp_path / existing).write_text("earlier")
    msg = _raises("already exists; water-sim never overwrites an earlier run", write, ds, tmp_path)
    assert existing in msg
    assert [p.name for p in tmp_path.iterdir()] == [existing]  # neither file written
    assert (tmp_path / existing).read_text() == "earlier"
