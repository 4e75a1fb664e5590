"""Stochastic annual factors: P-III marginals, spatial/temporal/cross correlation, errors."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import stats as sps

from sim.errors import InputError
from sim.hydrology.design import design_factors
from sim.hydrology.stochastic import _phi, annual_factors

N = 20_000
VARS = ("precipitation", "runoff", "inflow", "recharge", "et0", "transfer")


def make_stats(units=("a", "b"), p_cv=0.25, r_cv=0.4, i_cv=0.3, ratio=2.0, rech=1.0, et0=-0.1, tr=0.5):
    n = len(units)

    def col(x):
        return ("unit", np.full(n, x, dtype=float))

    return xr.Dataset(
        {
            "precipitation_cv": col(p_cv),
            "precipitation_cs_cv": col(ratio),
            "runoff_cv": col(r_cv),
            "runoff_cs_cv": col(ratio),
            "inflow_cv": col(i_cv),
            "inflow_cs_cv": col(ratio),
            "recharge_elasticity": col(rech),
            "et0_elasticity": col(et0),
            "transfer_elasticity": col(tr),
        },
        coords={"unit": list(units)},
    )


def normal_score(k, cv, ratio=2.0):
    """Invert the P-III marginal: the normal score z behind a modulus K."""
    return sps.norm.ppf(sps.pearson3.cdf((np.asarray(k) - 1.0) / cv, cv * ratio))


def corr(x, y):
    return float(np.corrcoef(np.ravel(x), np.ravel(y))[0, 1])


def matrix(values, units):
    return xr.DataArray(
        np.array(values, dtype=float), coords={"unit": units, "unit2": units}, dims=("unit", "unit2")
    )


def test_marginal_moments_match_cv_and_cs():
    f = annual_factors(make_stats(units=("a",)), [2020], N, seed=3)
    k = f["precipitation"].values.ravel()
    assert k.mean() == pytest.approx(1.0, abs=0.01)
    assert k.std(ddof=1) == pytest.approx(0.25, rel=0.03)
    assert sps.skew(k, bias=False) == pytest.approx(0.5, abs=0.15)
    r = f["runoff"].values.ravel()  # Cv 0.4, Cs 0.8
    assert r.std(ddof=1) == pytest.approx(0.4, rel=0.03)
    assert sps.skew(r, bias=False) == pytest.approx(0.8, abs=0.15)
    assert f["precipitation"].dims == ("sample", "year", "unit")
    assert set(f.data_vars) == set(VARS)


def test_quantile_reproduces_the_design_factor():
    # P = 95 % design year = the 5 % non-exceedance quantile of the sampled K (0.63 for Cv 0.25, Cs 0.5)
    s = make_stats(units=("a",))
    f = annual_factors(s, [2020, 2021], N, seed=11)
    d = design_factors(s, [0.95]).sel(frequency=0.95, unit="a")
    assert float(d["precipitation"]) == pytest.approx(0.63, abs=0.005)
    for v in ("precipitation", "runoff", "inflow"):
        q = np.quantile(f[v].values, 0.05)
        assert q == pytest.approx(float(d[v]), abs=0.02), v


def test_phi_equals_scipy_pearson3_ppf():
    z = np.linspace(-5, 5, 201)[:, None]
    cs = np.array([-1.2, -0.3, 0.0, 1e-7, 0.5, 2.0])
    np.testing.assert_allclose(_phi(z, cs), sps.pearson3.ppf(sps.norm.cdf(z), cs), rtol=1e-9, atol=1e-9)
    # far tails: exact also where 1 - ndtr(z) loses digits (the probability round-trips)
    tail = _phi(np.array([[-9.0], [9.0]]), cs)
    np.testing.assert_allclose(sps.pearson3.sf(tail[1], cs), sps.norm.sf(9.0), rtol=1e-6)
    # (not for Cs = 2: its lower bound -1 + 1e-19 is -1 in floating point)
    np.testing.assert_allclose(sps.pearson3.cdf(tail[0, :5], cs[:5]), sps.norm.cdf(-9.0), rtol=1e-6)


def test_one_factor_spatial_correlation():
    s = make_stats(units=("a", "b", "c"))
    f = annual_factors(s, [2020], N, seed=5, correlation=0.6)
    za = normal_score(f["precipitation"].sel(unit="a"), 0.25)
    zb = normal_score(f["precipitation"].sel(unit="b"), 0.25)
    assert corr(za, zb) == pytest.approx(0.6, abs=0.03)
    # runoff keeps the spatial correlation
    ra = normal_score(f["runoff"].sel(unit="a"), 0.4)
    rc = normal_score(f["runoff"].sel(unit="c"), 0.4)
    assert corr(ra, rc) == pytest.approx(0.6, abs=0.03)
    # default None: independent units; inflow is one regional draw for all units
    g = annual_factors(s, [2020], N, seed=5)
    assert corr(g["precipitation"].sel(unit="a"), g["precipitation"].sel(unit="b")) == pytest.approx(
        0, abs=0.03
    )
    np.testing.assert_array_equal(g["inflow"].sel(unit="a"), g["inflow"].sel(unit="c"))


def test_full_matrix_spatial_correlation():
    units = ["a", "b", "c"]
    c = matrix([[1.0, 0.8, -0.3], [0.8, 1.0, 0.1], [-0.3, 0.1, 1.0]], units)
    # stats in another unit order than the matrix: labels decide
    f = annual_factors(make_stats(units=("c", "a", "b")), [2020], N, seed=8, correlation=c)
    z = {u: normal_score(f["precipitation"].sel(unit=u), 0.25) for u in units}
    assert corr(z["a"], z["b"]) == pytest.approx(0.8, abs=0.03)
    assert corr(z["a"], z["c"]) == pytest.approx(-0.3, abs=0.03)
    assert corr(z["b"], z["c"]) == pytest.approx(0.1, abs=0.03)


def test_singular_matrix_is_accepted():
    c = matrix([[1.0, 1.0], [1.0, 1.0]], ["a", "b"])
    f = annual_factors(make_stats(), [2020], 100, seed=1, correlation=c)
    np.testing.assert_allclose(f["precipitation"].sel(unit="a"), f["precipitation"].sel(unit="b"))


def test_ar1_persistence():
    f = annual_factors(make_stats(units=("a",)), [2020, 2021, 2022], N, seed=2, ar1=0.6)
    z = normal_score(f["precipitation"].sel(unit="a").values, 0.25)  # (sample, year)
    assert corr(z[:, 0], z[:, 1]) == pytest.approx(0.6, abs=0.03)
    assert corr(z[:, 1], z[:, 2]) == pytest.approx(0.6, abs=0.03)
    assert corr(z[:, 0], z[:, 2]) == pytest.approx(0.36, abs=0.03)
    assert z[:, 2].std() == pytest.approx(1.0, abs=0.03)  # unit variance kept
    ri = normal_score(f["runoff"].sel(unit="a").values, 0.4)
    assert corr(ri[:, 0], ri[:, 1]) == pytest.approx(0.6, abs=0.03)


def test_precipitation_runoff_correlation():
    f = annual_factors(make_stats(units=("a",)), [2020], N, seed=4, precip_runoff_corr=0.7)
    zp = normal_score(f["precipitation"], 0.25)
    zr = normal_score(f["runoff"], 0.4)
    assert corr(zp, zr) == pytest.approx(0.7, abs=0.03)
    # on ranks too: Spearman of a Gaussian copula = 6/π asin(r/2) = 0.683
    assert sps.spearmanr(f["precipitation"].values.ravel(), f["runoff"].values.ravel())[0] == pytest.approx(
        6 / np.pi * np.arcsin(0.35), abs=0.03
    )


def test_elasticities_follow_precipitation_and_inflow():
    f = annual_factors(make_stats(rech=1.5), [2020], 500, seed=9)
    kp, ki = f["precipitation"], f["inflow"]
    np.testing.assert_allclose(f["recharge"], np.clip(1 + 1.5 * (kp - 1), 0, None))
    np.testing.assert_allclose(f["et0"], 1 - 0.1 * (kp - 1))
    np.testing.assert_allclose(f["transfer"], 1 + 0.5 * (ki - 1))
    assert float(f["recharge"].min()) >= 0.0


def test_zero_cv_gives_exactly_one():
    s = make_stats(p_cv=0.0, r_cv=0.0, i_cv=0.0)
    f = annual_factors(s, [2020, 2021], 1000, seed=1, correlation=0.5, ar1=0.4)
    for v in VARS:
        assert np.all(f[v].values == 1.0), v


def test_reproducible_by_seed():
    s = make_stats()
    a = annual_factors(s, [2020, 2021], 200, seed=42, correlation=0.3, ar1=0.2)
    b = annual_factors(s, [2020, 2021], 200, seed=42, correlation=0.3, ar1=0.2)
    c = annual_factors(s, [2020, 2021], 200, seed=43, correlation=0.3, ar1=0.2)
    xr.testing.assert_identical(a, b)
    assert not np.allclose(a["precipitation"], c["precipitation"])
    assert list(a.year.values) == [2020, 2021] and list(a.sample.values) == list(range(200))


def test_a_slice_of_samples_equals_those_samples_of_the_whole_draw():
    # a chunk of an ensemble transforms only its own samples: bit for bit the same numbers
    # as the whole draw, with the chunk's sample labels (matrix correlation, AR(1), skew)
    s = make_stats(units=("a", "b", "c"))
    c = xr.DataArray(
        [[1.0, 0.5, 0.2], [0.5, 1.0, 0.4], [0.2, 0.4, 1.0]],
        coords={"unit": ["a", "b", "c"], "unit2": ["a", "b", "c"]},
        dims=("unit", "unit2"),
    )
    whole = annual_factors(s, [2020, 2021, 2022], 50, seed=7, correlation=c, ar1=0.3)
    part = annual_factors(s, [2020, 2021, 2022], 50, seed=7, correlation=c, ar1=0.3, samples=slice(20, 35))
    xr.testing.assert_identical(part, whole.isel(sample=slice(20, 35)))
    assert list(part.sample.values) == list(range(20, 35))
    assert float(part["runoff"].std()) > 0.05


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seed": 1.5}, r"^config key 'hydrology\.seed': expected an integer, got 1\.5$"),
        ({"seed": "7"}, r"'hydrology\.seed'"),
        ({"n_samples": 0}, r"'hydrology\.n_samples': expected an integer >= 1, got 0"),
        ({"ar1": 1.0}, r"'hydrology\.ar1': expected a number in \(-1, 1\), got 1\.0"),
        ({"ar1": -1.2}, r"'hydrology\.ar1'"),
        ({"precip_runoff_corr": 1.1}, r"'hydrology\.precip_runoff_corr'"),
        ({"correlation": 1.2}, r"'hydrology\.correlation': expected a number in \[0, 1\], got 1\.2"),
        ({"correlation": -0.1}, r"'hydrology\.correlation'"),
        ({"years": []}, r"'hydrology\.years': give at least one year"),
    ],
)
def test_bad_scalars(kwargs, match):
    args = {"years": [2020], "n_samples": 10, "seed": 1} | kwargs
    with pytest.raises(InputError, match=match) as err:
        annual_factors(make_stats(), **args)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (
            [[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]],
            r"not symmetric: units \('a', 'b'\) 0\.5 but \('b', 'a'\) 0\.4",
        ),
        ([[1, 0, 0], [0, 0.9, 0], [0, 0, 1]], r"diagonal must be 1, got 0\.9 for unit 'b'"),
        ([[1, 0, 1.5], [0, 1, 0], [1.5, 0, 1]], r"\[-1, 1\], got 1\.5 for units \('a', 'c'\)"),
    ],
)
def test_bad_matrix(values, match):
    with pytest.raises(InputError, match=match) as err:
        annual_factors(
            make_stats(("a", "b", "c")), [2020], 10, 1, correlation=matrix(values, ["a", "b", "c"])
        )
    assert "hydrology.correlation" in str(err.value) and "\n" not in str(err.value)


def test_not_psd_names_the_inconsistent_units():
    # a~b and b~c strongly positive but a~c strongly negative: impossible; d is independent
    units = ["a", "b", "c", "d"]
    c = matrix([[1, 0.9, -0.9, 0], [0.9, 1, 0.9, 0], [-0.9, 0.9, 1, 0], [0, 0, 0, 1]], units)
    with pytest.raises(
        InputError, match=r"not positive semi-definite: .*units 'a', 'b', 'c' are inconsistent"
    ) as e:
        annual_factors(make_stats(units), [2020], 10, 1, correlation=c)
    assert "'d'" not in str(e.value) and "\n" not in str(e.value)


def test_matrix_missing_a_unit():
    with pytest.raises(InputError, match=r"'hydrology\.correlation': the correlation matrix has no unit 'c'"):
        annual_factors(
            make_stats(("a", "c")), [2020], 10, 1, correlation=matrix([[1, 0], [0, 1]], ["a", "b"])
        )
