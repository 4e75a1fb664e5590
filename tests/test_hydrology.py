"""Tests for sim.hydrology (Pearson type III design values, Chinese convention).

Worked example as transcribed in /work/shared/reference/methods.md section 4.
"""

import dataclasses
import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from sim.errors import InputError
from sim.hydrology import (
    P3Params,
    design_year,
    empirical_exceedance,
    fit_curve,
    fit_lmoments,
    fit_moments,
    frequency_factor,
    modulus,
    pearson3_quantile,
)

# --------------------------------------------------------------------------------------------
# quantiles


def test_worked_example_methods_md():
    # x̄ 40.6, Cv 0.25, Cs 0.50, P = 95 % → K_P 0.63 (table), Q ≈ 25.5–25.6
    k = modulus(0.95, 0.25, 0.50)
    assert round(k, 2) == 0.63
    q = pearson3_quantile(0.95, 40.6, 0.25, 0.50)
    assert 25.45 <= q <= 25.6
    assert q == pytest.approx(40.6 * k, rel=1e-12)
    assert isinstance(q, float)


def test_quantile_matches_scipy_call_and_relations():
    p, mean, cv, cs = 0.75, 123.0, 0.3, 0.6
    expected = stats.pearson3(skew=cs, loc=mean, scale=cv * mean).ppf(1 - p)
    assert pearson3_quantile(p, mean, cv, cs) == pytest.approx(expected, rel=1e-12)
    phi = frequency_factor(p, cs)
    assert modulus(p, cv, cs) == pytest.approx(1 + cv * phi, rel=1e-12)
    assert pearson3_quantile(p, mean, cv, cs) == pytest.approx(mean * (1 + cv * phi), rel=1e-12)


def test_median_year_modulus_below_one_for_positive_skew():
    k50 = modulus(0.5, 0.25, 0.5)
    assert 0.97 < k50 < 1.0
    assert modulus(0.5, 0.25, 0.0) == pytest.approx(1.0, abs=1e-12)  # symmetric: median = mean
    assert modulus(0.5, 0.25, -0.5) > 1.0


def test_quantile_decreases_with_exceedance_probability():
    q = pearson3_quantile(np.array([0.05, 0.25, 0.5, 0.75, 0.95]), 40.6, 0.25, 0.5)
    assert np.all(np.diff(q) < 0)


def test_zero_skew_is_normal():
    assert frequency_factor(0.95, 0.0) == pytest.approx(stats.norm.ppf(0.05), rel=1e-12)


def test_quantile_against_monte_carlo_sample():
    mean, cv, cs = 40.6, 0.25, 0.5
    rng = np.random.default_rng(20240501)
    sample = stats.pearson3(skew=cs, loc=mean, scale=cv * mean).rvs(size=200_000, random_state=rng)
    for p in (0.5, 0.75, 0.95):
        empirical = np.quantile(sample, 1 - p)
        assert pearson3_quantile(p, mean, cv, cs) == pytest.approx(empirical, rel=0.005)


@pytest.mark.parametrize("cs", [0.1, 0.3, 0.5])
@pytest.mark.parametrize("p", [0.05, 0.5, 0.75, 0.95, 0.99])
def test_frequency_factor_against_wilson_hilferty(p, cs):
    # Wilson–Hilferty: Φ ≈ 2/Cs (1 + Cs z / 6 - Cs²/36)³ - 2/Cs, z the standard normal quantile;
    # accurate to about 0.01 for |Cs| ≤ 0.5 over this probability range
    z = stats.norm.ppf(1 - p)
    wh = 2 / cs * (1 + cs * z / 6 - cs**2 / 36) ** 3 - 2 / cs
    assert frequency_factor(p, cs) == pytest.approx(wh, abs=0.01)


def test_quantile_broadcasting_numpy():
    p = np.array([0.5, 0.95])[:, None]
    cv = np.array([0.2, 0.3])
    out = pearson3_quantile(p, 40.6, cv, 0.5)
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(pearson3_quantile(0.95, 40.6, 0.2, 0.5), rel=1e-12)
    # Cs = 2 Cv broadcast per column
    out2 = pearson3_quantile(p, 40.6, cv, 2 * cv)
    assert out2[1, 1] == pytest.approx(pearson3_quantile(0.95, 40.6, 0.3, 0.6), rel=1e-12)


def test_quantile_xarray():
    p = xr.DataArray([0.5, 0.75, 0.95], dims="P", coords={"P": [0.5, 0.75, 0.95]})
    mean = xr.DataArray([40.6, 100.0], dims="zone", coords={"zone": ["a", "b"]}, attrs={"units": "1e8 m3"})
    out = pearson3_quantile(p, mean, 0.25, 0.5)
    assert isinstance(out, xr.DataArray)
    assert set(out.dims) == {"P", "zone"}
    assert float(out.sel(P=0.95, zone="a")) == pytest.approx(pearson3_quantile(0.95, 40.6, 0.25, 0.5))
    assert isinstance(modulus(p, 0.25, 0.5), xr.DataArray)


def test_params_quantile_method():
    par = P3Params(40.6, 0.25, 0.5)
    assert par.quantile(0.95) == pearson3_quantile(0.95, 40.6, 0.25, 0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        par.cv = 0.3  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# estimation


def test_fit_moments_hand_computed():
    x = [6.0, 8.0, 10.0, 12.0, 24.0]
    n = 5
    mean = (6 + 8 + 10 + 12 + 24) / 5  # 12
    k = [6 / 12, 8 / 12, 10 / 12, 12 / 12, 24 / 12]
    d = [ki - 1 for ki in k]  # -1/2, -1/3, -1/6, 0, 1
    sum2 = 1 / 4 + 1 / 9 + 1 / 36 + 0 + 1  # = 50/36
    sum3 = -1 / 8 - 1 / 27 - 1 / 216 + 0 + 1  # = 180/216
    assert sum(di**2 for di in d) == pytest.approx(sum2)
    assert sum(di**3 for di in d) == pytest.approx(sum3)
    cv = math.sqrt(sum2 / (n - 1))  # sqrt(50/144) = 0.58926
    cs = sum3 / ((n - 3) * cv**3)
    fit = fit_moments(x)
    assert isinstance(fit, P3Params)
    assert fit.mean == pytest.approx(mean, rel=1e-12)
    assert fit.cv == pytest.approx(cv, rel=1e-12)
    assert fit.cs == pytest.approx(cs, rel=1e-12)
    assert fit.cv == pytest.approx(0.58926, abs=1e-5)
    assert fit.cs == pytest.approx(2.03647, abs=1e-5)


def test_fit_moments_accepts_dataarray():
    x = xr.DataArray([6.0, 8.0, 10.0, 12.0, 24.0], dims="year")
    assert fit_moments(x) == fit_moments(x.values)


def _p3_sample(n, mean, cv, cs, seed):
    rng = np.random.default_rng(seed)
    return stats.pearson3(skew=cs, loc=mean, scale=cv * mean).rvs(size=n, random_state=rng)


def test_fit_curve_recovers_cv():
    x = _p3_sample(3000, 100.0, 0.3, 0.6, seed=7)
    fit = fit_curve(x)
    assert fit.mean == pytest.approx(float(np.mean(x)))
    assert fit.cv == pytest.approx(0.3, abs=0.03)
    assert fit.cs == pytest.approx(2 * fit.cv, rel=1e-12)


def test_fit_curve_ratio_and_plotting():
    x = _p3_sample(2000, 50.0, 0.2, 0.6, seed=11)
    fit = fit_curve(x, cs_cv_ratio=3.0, plotting="gringorten")
    assert fit.cs == pytest.approx(3 * fit.cv, rel=1e-12)
    assert fit.cv == pytest.approx(0.2, abs=0.03)


def test_fit_lmoments_recovers_parameters_on_large_sample():
    x = _p3_sample(5000, 100.0, 0.3, 0.6, seed=3)
    fit = fit_lmoments(x)
    assert fit.mean == pytest.approx(float(np.mean(x)))
    assert fit.cv == pytest.approx(0.3, abs=0.02)
    assert fit.cs == pytest.approx(0.6, abs=0.15)


@pytest.mark.parametrize("cs", [0.0, 0.3, 1.0, 3.0])  # both branches of the τ3 → α approximation
def test_fit_lmoments_on_quantile_grid(cs):
    # a dense grid of quantiles reproduces the population L-moments closely
    n = 20_000
    u = (np.arange(1, n + 1) - 0.5) / n
    x = stats.pearson3.ppf(u, cs, loc=200.0, scale=20.0)
    fit = fit_lmoments(x)
    assert fit.cv == pytest.approx(0.1, abs=1e-3)
    assert fit.cs == pytest.approx(cs, abs=0.01)


def test_empirical_exceedance():
    values, p = empirical_exceedance([3.0, 10.0, 7.0, 5.0])
    np.testing.assert_array_equal(values, [10.0, 7.0, 5.0, 3.0])
    np.testing.assert_allclose(p, [1 / 5, 2 / 5, 3 / 5, 4 / 5])


# --------------------------------------------------------------------------------------------
# design year


def test_design_year_scaling():
    typical = np.array([2.0, 2.5, 4.0, 6.0, 8.0, 12.0, 20.0, 18.0, 10.0, 6.0, 3.0, 2.5])
    design = pearson3_quantile(0.75, 100.0, 0.25, 0.5)
    out = design_year(typical, design)
    assert out.shape == (12,)
    assert out.sum() == pytest.approx(design, rel=1e-14)
    np.testing.assert_allclose(out / typical, design / typical.sum(), rtol=1e-14)
    np.testing.assert_allclose(out / out.sum(), typical / typical.sum(), rtol=1e-14)


def test_design_year_several_totals():
    typical = np.arange(1.0, 13.0)
    out = design_year(typical, np.array([78.0, 100.0]))
    assert out.shape == (2, 12)
    np.testing.assert_allclose(out.sum(axis=-1), [78.0, 100.0], rtol=1e-14)


def test_design_year_dataarray():
    months = np.arange(1, 13)
    typical = xr.DataArray(
        np.array([[1.0] * 12, list(range(1, 13))]).astype(float),
        dims=("zone", "month"),
        coords={"zone": ["a", "b"], "month": months},
    )
    out = design_year(typical, 60.0)
    assert isinstance(out, xr.DataArray)
    np.testing.assert_allclose(out.sum("month").values, [60.0, 60.0], rtol=1e-14)
    assert float(out.sel(zone="a", month=1)) == pytest.approx(5.0)


# --------------------------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5])
def test_bad_probability(p):
    for call in (
        lambda: pearson3_quantile(p, 40.6, 0.25, 0.5),
        lambda: modulus(p, 0.25, 0.5),
        lambda: frequency_factor(p, 0.5),
    ):
        with pytest.raises(InputError, match=r"^p \(exceedance probability\) must lie in \(0, 1\)"):
            call()


def test_bad_probability_in_array_names_value():
    with pytest.raises(InputError, match=r"got 1$"):
        pearson3_quantile(np.array([0.5, 1.0]), 40.6, 0.25, 0.5)


@pytest.mark.parametrize("cv", [0.0, -0.25])
def test_bad_cv(cv):
    with pytest.raises(InputError, match=r"^cv must be > 0, got"):
        pearson3_quantile(0.95, 40.6, cv, 0.5)
    with pytest.raises(InputError, match=r"^cv must be > 0, got"):
        modulus(0.95, cv, 0.5)


@pytest.mark.parametrize("mean", [0.0, -40.6])
def test_bad_mean(mean):
    with pytest.raises(InputError, match=r"^mean must be > 0, got"):
        pearson3_quantile(0.95, mean, 0.25, 0.5)


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        pearson3_quantile(0.0, 40.6, 0.25, 0.5)


@pytest.mark.parametrize("fit", [fit_moments, fit_lmoments, fit_curve])
def test_fit_too_short(fit):
    with pytest.raises(InputError, match=r"^x needs at least 4 values, got n = 3"):
        fit([1.0, 2.0, 3.0])


@pytest.mark.parametrize("fit", [fit_moments, fit_lmoments, fit_curve])
def test_fit_gap(fit):
    with pytest.raises(InputError, match=r"^x has a gap \(NaN\) at position 2"):
        fit([1.0, 2.0, np.nan, 3.0, 4.0])


@pytest.mark.parametrize("fit", [fit_moments, fit_lmoments, fit_curve])
def test_fit_non_positive(fit):
    with pytest.raises(InputError, match=r"^x must be positive, got -1 at position 3"):
        fit([1.0, 2.0, 3.0, -1.0, 4.0])
    with pytest.raises(InputError, match=r"^x must be positive, got 0 at position 0"):
        fit([0.0, 2.0, 3.0, 1.0, 4.0])


@pytest.mark.parametrize("fit", [fit_moments, fit_lmoments])
def test_fit_constant(fit):
    with pytest.raises(InputError, match=r"^x is constant"):
        fit([5.0] * 6)


def test_fit_not_1d():
    with pytest.raises(InputError, match=r"^x must be a 1-D series"):
        fit_moments(np.ones((3, 4)))


def test_fit_curve_bad_plotting():
    with pytest.raises(InputError, match=r"^unknown plotting position 'foo'"):
        fit_curve([1.0, 2.0, 3.0, 4.0, 5.0], plotting="foo")


def test_empirical_exceedance_gap():
    with pytest.raises(InputError, match=r"^x has a gap \(NaN\) at position 1"):
        empirical_exceedance([1.0, np.nan])


@pytest.mark.parametrize("total", [0.0, -12.0])
def test_design_year_non_positive_typical_total(total):
    typical = np.zeros(12)
    typical[0] = total
    with pytest.raises(InputError, match=r"^monthly: the typical year's total must be positive"):
        design_year(typical, 100.0)


def test_design_year_nan_typical():
    typical = np.ones(12)
    typical[4] = np.nan
    with pytest.raises(InputError, match=r"^monthly: the typical year's total must be positive, got nan"):
        design_year(typical, 100.0)


def test_design_year_wrong_length_and_negative_design():
    with pytest.raises(InputError, match=r"^monthly must have 12 values"):
        design_year(np.ones(11), 100.0)
    with pytest.raises(InputError, match=r"^monthly must have a 'month' dimension"):
        design_year(xr.DataArray(np.ones(12), dims="time"), 100.0)
    with pytest.raises(InputError, match=r"^annual_design must be >= 0, got -5"):
        design_year(np.ones(12), -5.0)


def test_messages_are_one_line():
    with pytest.raises(InputError) as err:
        fit_moments([1.0, 2.0, np.nan, 3.0])
    assert "\n" not in str(err.value)
