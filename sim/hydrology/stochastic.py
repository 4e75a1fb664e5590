"""Stochastic annual factors: random hydrological years from the P-III statistics of a pack.

Where :mod:`sim.hydrology.design` gives one multiplier per design frequency P, this module draws
``n_samples`` sequences of years with the same marginals, so that a supply–demand balance can be
run as a Monte Carlo ensemble. The result are multipliers of the mean [1] over
``(sample, year, unit)`` with the variables of the design factors (``precipitation``,
``runoff``, ``inflow``, ``recharge``, ``et0``, ``transfer``); they are applied with the same
:func:`~sim.hydrology.design.scale_drivers` / :func:`~sim.hydrology.design.scale_inputs` once the
caller has mapped ``year`` onto the time steps. The monthly series of a year is the pack's mean
monthly pattern scaled by the annual factor (同倍比, ``methods.md`` §4).

Method (a Gaussian copula with Pearson III marginals)
-----------------------------------------------------
1. *Spatial correlation*: standard normal innovations ``e`` per (sample, year, unit) with
   ``corr(e_i, e_j) = C_ij``. ``C`` is either a full matrix over ``(unit, unit2)``, applied as
   ``e = ε Aᵀ`` with ``A = V sqrt(Λ)`` from the eigen-decomposition ``C = V Λ Vᵀ`` (valid for
   positive semi-definite, also singular, ``C``), or a one-factor model with a single loading
   ``ρ`` (``C_ij = ρ`` for ``i ≠ j``): ``e = sqrt(ρ) common + sqrt(1 − ρ) own``.
2. *Persistence*: AR(1) between years, ``z_y = φ z_{y−1} + sqrt(1 − φ²) e_y`` with
   ``z_0 = e_0``; every ``z`` stays standard normal, lag-1 autocorrelation ``φ``.
3. *Precipitation and runoff*: ``z_P`` is the field of 1–2; runoff
   ``z_R = r z_P + sqrt(1 − r²) z_own`` with ``z_own`` an independent field of the same spatial
   and temporal structure, so that ``corr(z_P, z_R) = r`` in a unit, and runoff keeps the
   spatial correlation ``C`` and the persistence ``φ``.
4. *Boundary inflow*: one regional draw per (sample, year), shared by every unit (the boundary
   rivers of a region form one year type, as in the design years):
   ``z_I = r z̄_P + sqrt(1 − r²) w``, with ``z̄_P`` the regional mean of ``z_P`` standardised to
   unit variance (``var = 1ᵀ C 1 / n²``) and ``w`` an independent AR(1) series; when ``z̄_P`` has
   no variance (perfectly anti-correlated units) ``z_I = w``.
5. *Marginals*: ``K = 1 + Cv Φ`` with ``Φ = scipy.stats.pearson3.ppf(Φ_N(z), skew=Cs)``,
   ``Cs = Cv · cs_cv`` (the standardised P-III quantile at the normal non-exceedance probability
   of ``z``), floored at 0; ``Cv = 0`` gives exactly 1. The quantile is computed from the
   gamma distribution behind P-III (``scipy.special.gammaincinv`` for the lower and
   ``gammainccinv`` for the upper tail, equal to ``pearson3.ppf`` but accurate in both tails).
   Recharge ``1 + e_r (K_P − 1)``, ET0 ``1 + e_et0 (K_P − 1)`` and the transfer quota
   ``1 + e_t (K_I − 1)`` follow with the pack's elasticities, each floored at 0.

A P-quantile over the samples of one unit's ``K`` therefore reproduces the design-year factor of
the same P (the design years are the fully correlated special case ``ρ = 1``, ``r = 1``).
Random numbers come from ``numpy.random.default_rng(seed)``: the same seed gives identical
output.

References
----------
Nelsen, R. B. (2006). An Introduction to Copulas, 2nd ed. Springer (Gaussian copula).
Salas, J. D. et al. (1980). Applied Modeling of Hydrologic Time Series. Water Resources
Publications (AR(1) annual flows). See also /work/shared/reference/methods.md section 4.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import xarray as xr
from scipy import special

from sim.errors import InputError

__all__ = ["annual_factors"]

_MARGINALS = ("precipitation", "runoff", "inflow")
_ELASTICITIES = ("recharge", "et0", "transfer")
_TOL = 1e-8  # tolerance of the correlation-matrix checks [1]
_NORMAL_SKEW = 1.6e-5  # |Cs| below which P-III is the normal distribution (as scipy.stats.pearson3)


def _key(name: str, message: str) -> InputError:
    return InputError(f"config key 'hydrology.{name}': {message}")


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _key(name, f"expected an integer, got {value!r}")
    if int(value) < low:
        raise _key(name, f"expected an integer >= {low}, got {value!r}")
    return int(value)


def _check_real(name: str, value, low: float, high: float, open_ends: bool) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise _key(name, f"expected a number, got {value!r}") from None
    inside = low < x < high if open_ends else low <= x <= high
    if not inside:
        span = f"({low:g}, {high:g})" if open_ends else f"[{low:g}, {high:g}]"
        raise _key(name, f"expected a number in {span}, got {value!r}")
    return x


def _check_years(years: Sequence[int]) -> list[int]:
    out = []
    for y in years:
        if isinstance(y, bool) or not isinstance(y, numbers.Integral):
            raise _key("years", f"expected integer years, got {y!r}")
        out.append(int(y))
    if not out:
        raise _key("years", "give at least one year")
    if len(set(out)) < len(out):
        raise _key("years", f"the years repeat: {out}")
    return out


def _check_stats(stats: xr.Dataset) -> None:
    need = [f"{v}_{p}" for v in _MARGINALS for p in ("cv", "cs_cv")]
    need += [f"{v}_elasticity" for v in _ELASTICITIES]
    for name in need:
        if name not in stats:
            raise InputError(f"hydrological statistics: missing variable '{name}'")
        values = np.asarray(stats[name].values, dtype=float)
        bad = ~np.isfinite(values) | ((values < 0.0) if name.endswith("_cv") else False)
        if np.any(bad):
            unit = stats["unit"].values[int(np.argmax(bad))]
            raise InputError(
                f"hydrological statistics: {name} of unit '{unit}' must be a finite number"
                f"{' >= 0' if name.endswith('_cv') else ''}, got {values[bad][0]:g}"
            )


# --------------------------------------------------------------------------------------------
# correlation


def _matrix(correlation: xr.DataArray, units: np.ndarray) -> np.ndarray:
    """Return the correlation matrix in the order of ``units``, validated."""
    if set(correlation.dims) != {"unit", "unit2"}:
        raise _key("correlation", f"a correlation matrix needs dims (unit, unit2), got {correlation.dims}")
    c = correlation.transpose("unit", "unit2")
    if "unit" in c.coords and "unit2" in c.coords:
        labels = [str(u) for u in units]
        for dim in ("unit", "unit2"):
            have = {str(u) for u in c[dim].values}
            missing = [u for u in labels if u not in have]
            if missing:
                raise _key("correlation", f"the correlation matrix has no {dim} '{missing[0]}'")
        c = c.assign_coords(unit=[str(u) for u in c.unit.values], unit2=[str(u) for u in c.unit2.values])
        m = np.asarray(c.sel(unit=labels, unit2=labels).values, dtype=float)
    elif c.shape == (units.size, units.size):
        m = np.asarray(c.values, dtype=float)
    else:
        raise _key("correlation", f"expected a {units.size} x {units.size} matrix, got {c.shape}")

    def pair(i: int, j: int) -> str:
        return f"('{units[i]}', '{units[j]}')"

    bad = ~np.isfinite(m)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise _key("correlation", f"the correlation of units {pair(i, j)} is not a number")
    off = np.abs(np.diag(m) - 1.0)
    if off.max() > _TOL:
        i = int(np.argmax(off))
        raise _key("correlation", f"the diagonal must be 1, got {m[i, i]:g} for unit '{units[i]}'")
    out = np.abs(m) - 1.0
    if out.max() > _TOL:
        i, j = np.unravel_index(int(np.argmax(out)), m.shape)
        raise _key("correlation", f"correlations lie in [-1, 1], got {m[i, j]:g} for units {pair(i, j)}")
    asym = np.abs(m - m.T)
    if asym.max() > _TOL:
        i, j = np.unravel_index(int(np.argmax(asym)), m.shape)
        raise _key(
            "correlation",
            f"the matrix is not symmetric: units {pair(i, j)} {m[i, j]:g} but {pair(j, i)} {m[j, i]:g}",
        )
    lam, vec = np.linalg.eigh(m)
    if lam[0] < -_TOL:
        raise _key("correlation", _not_psd(m, vec[:, 0], units))
    return m


def _not_psd(m: np.ndarray, v: np.ndarray, units: np.ndarray) -> str:
    """Name a small set of units whose correlations are inconsistent among themselves.

    Units are added in the order of their weight in the eigenvector of the most negative
    eigenvalue until their sub-matrix is no longer positive semi-definite (at the latest with
    all units, whose matrix is not); every 1- and 2-unit sub-matrix with entries in [-1, 1] is
    positive semi-definite, so the set has at least 3 units.
    """
    order = np.argsort(-np.abs(v), kind="stable")
    for k in range(1, order.size + 1):
        idx = np.sort(order[:k])
        low = float(np.linalg.eigvalsh(m[np.ix_(idx, idx)])[0])
        if low < -_TOL:
            break
    names = ", ".join(f"'{units[i]}'" for i in idx)
    return (
        f"the correlation matrix is not positive semi-definite: the correlations among units "
        f"{names} are inconsistent (smallest eigenvalue of their sub-matrix {low:.3g})"
    )


def _factor(m: np.ndarray) -> np.ndarray:
    """Return ``A`` with ``A Aᵀ = m`` and rows of unit length (eigen-decomposition, PSD ``m``)."""
    lam, vec = np.linalg.eigh(m)
    a = vec * np.sqrt(np.clip(lam, 0.0, None))
    return a / np.linalg.norm(a, axis=1, keepdims=True)


# --------------------------------------------------------------------------------------------
# random fields


def _ar1(e: np.ndarray, phi: float) -> np.ndarray:
    """AR(1) along axis 1 (years) of standard normal innovations, in place; unit variance kept."""
    if phi != 0.0:
        s = np.sqrt(1.0 - phi * phi)
        for y in range(1, e.shape[1]):
            e[:, y] = phi * e[:, y - 1] + s * e[:, y]
    return e


def _field(rng: np.random.Generator, shape: tuple[int, int, int], rho: float | None, a: np.ndarray | None):
    """Spatially correlated standard normals over (sample, year, unit) and their regional mean's sd."""
    n = shape[2]
    if a is None:
        common = rng.standard_normal(shape[:2] + (1,))
        own = rng.standard_normal(shape)
        e = np.sqrt(rho) * common + np.sqrt(1.0 - rho) * own
        mean_sd = np.sqrt(rho + (1.0 - rho) / n)
    else:
        e = rng.standard_normal(shape) @ a.T
        mean_sd = np.linalg.norm(a.sum(axis=0)) / n  # sqrt(1ᵀ C 1) / n
    return e, mean_sd


def _phi(z: np.ndarray, cs: np.ndarray) -> np.ndarray:
    """``pearson3.ppf(ndtr(z), skew=cs)``, from the gamma distribution, accurate in both tails."""
    z, cs = np.broadcast_arrays(z, cs)
    out = np.array(z, dtype=float)  # the normal distribution for |Cs| ~ 0
    skew = np.abs(cs) >= _NORMAL_SKEW
    if not skew.any():
        return out
    sign = np.sign(cs[skew])
    zz = sign * z[skew]  # standardise to a positive skew: Φ(z; Cs) = -Φ(-z; -Cs)
    alpha = 4.0 / cs[skew] ** 2
    g = np.empty_like(zz)
    low = zz <= 0.0
    g[low] = special.gammaincinv(alpha[low], special.ndtr(zz[low]))
    g[~low] = special.gammainccinv(alpha[~low], special.ndtr(-zz[~low]))
    out[skew] = sign * (g - alpha) / np.sqrt(alpha)
    return out


def _modulus(z: np.ndarray, cv: np.ndarray, cs_cv: np.ndarray) -> np.ndarray:
    """P-III modulus ``K = 1 + Cv Φ`` [1] of normal scores ``z`` (last axis: unit or 1), floored at 0."""
    cs = cv * cs_cv
    if z.shape[-1] == 1:  # one regional score: one quantile per distinct Cs, not per unit
        distinct, inverse = np.unique(cs, return_inverse=True)
        phi = _phi(z, distinct)[..., inverse.ravel()]
    else:
        phi = _phi(z, cs)
    k = 1.0 + cv * phi
    return np.where(cv == 0.0, 1.0, np.clip(k, 0.0, None))


# --------------------------------------------------------------------------------------------


def annual_factors(
    stats: xr.Dataset,
    years: Sequence[int],
    n_samples: int,
    seed: int,
    correlation: xr.DataArray | float | None = None,
    ar1: float = 0.0,
    precip_runoff_corr: float = 0.9,
    samples: slice | None = None,
) -> xr.Dataset:
    """Random annual multipliers of the mean hydrology (Gaussian copula, P-III marginals).

    Parameters
    ----------
    stats : xarray.Dataset
        Over ``unit``, from :func:`sim.hydrology.statistics.load_statistics`: ``<v>_cv`` and
        ``<v>_cs_cv`` for precipitation, runoff and inflow [1], and ``recharge_elasticity``,
        ``et0_elasticity``, ``transfer_elasticity`` [1].
    years : sequence of int
        Calendar years [a], the ``year`` coordinate of the result (distinct).
    n_samples : int
        Number of sampled sequences, ≥ 1.
    seed : int
        Seed of ``numpy.random.default_rng`` (≥ 0); the same seed gives identical output.
    correlation : xarray.DataArray or float, optional
        Spatial correlation of the normal scores between units [1]: a full matrix over
        ``(unit, unit2)`` (symmetric, unit diagonal, entries in [-1, 1], positive
        semi-definite; labelled by unit, extra units ignored), or a one-factor loading
        ``ρ ∈ [0, 1]`` (``corr(i, j) = ρ`` for ``i ≠ j``). None (default) means independent
        units (``ρ = 0``); ``ρ = 1`` is the single regional year type of the design years.
    ar1 : float, optional
        Lag-1 autocorrelation ``φ`` of the normal scores between consecutive years [1],
        ``|φ| < 1``; 0 (default) draws independent years.
    precip_runoff_corr : float, optional
        Correlation ``r`` of the normal scores of precipitation and runoff in a unit [1], in
        [-1, 1]; also the correlation of the regional inflow score with the standardised
        regional mean precipitation score.
    samples : slice, optional
        Return these samples only. The normal scores of all ``n_samples`` are drawn (so a
        sample is the same whichever slice holds it); only the P-III transform, the costly
        part, is restricted to the slice (a chunk of an ensemble transforms its own).

    Returns
    -------
    xarray.Dataset
        Multipliers of the mean [1] over ``(sample, year, unit)``: ``precipitation``,
        ``runoff``, ``inflow`` (P-III moduli ``K``), ``recharge``, ``et0``, ``transfer``
        (``1 + e (K − 1)`` with the elasticities), all ≥ 0. ``sample`` is 0..n_samples−1
        (or the ``samples`` of it).

    Raises
    ------
    sim.errors.InputError
        One line: a seed that is not a non-negative integer (``hydrology.seed``),
        ``n_samples < 1`` (``hydrology.n_samples``), ``|ar1| ≥ 1`` (``hydrology.ar1``),
        ``precip_runoff_corr`` outside [-1, 1], no or repeated years (``hydrology.years``), a
        ``ρ`` outside [0, 1] or a correlation matrix that misses a unit, is not symmetric, has
        a diagonal ≠ 1, entries outside [-1, 1] or is not positive semi-definite (naming the
        units; ``hydrology.correlation``), or statistics that miss a variable.

    Notes
    -----
    See the module docstring for the method. Draws per call: two spatial fields (precipitation
    and runoff's own part) and one regional series (inflow's own part); the work is vectorised
    over samples and units, with a loop over the years for the AR(1) recursion only.

    Examples
    --------
    >>> import xarray as xr
    >>> s = xr.Dataset({f"{v}_{p}": ("unit", [x]) for v, p, x in [
    ...     ("precipitation", "cv", 0.25), ("precipitation", "cs_cv", 2.0), ("runoff", "cv", 0.4),
    ...     ("runoff", "cs_cv", 2.0), ("inflow", "cv", 0.0), ("inflow", "cs_cv", 2.0),
    ...     ("recharge", "elasticity", 1.0), ("et0", "elasticity", -0.1),
    ...     ("transfer", "elasticity", 0.5)]}, coords={"unit": ["a"]})
    >>> f = annual_factors(s, [2021, 2022], n_samples=3, seed=1)
    >>> dict(f["runoff"].sizes), float(f["inflow"].max())
    ({'sample': 3, 'year': 2, 'unit': 1}, 1.0)
    """
    seed = _check_int("seed", seed, 0)
    n_samples = _check_int("n_samples", n_samples, 1)
    years = _check_years(years)
    phi = _check_real("ar1", ar1, -1.0, 1.0, open_ends=True)
    r = _check_real("precip_runoff_corr", precip_runoff_corr, -1.0, 1.0, open_ends=False)
    _check_stats(stats)
    units = np.asarray(stats["unit"].values)
    rho, a = None, None
    if correlation is None:
        rho = 0.0
    elif isinstance(correlation, xr.DataArray) and correlation.ndim > 0:
        a = _factor(_matrix(correlation, units))
    else:
        rho = _check_real("correlation", correlation, 0.0, 1.0, open_ends=False)

    shape = (n_samples, len(years), units.size)
    rng = np.random.default_rng(seed)
    e_p, mean_sd = _field(rng, shape, rho, a)
    e_own, _ = _field(rng, shape, rho, a)
    w = rng.standard_normal(shape[:2] + (1,))
    z_p = _ar1(e_p, phi)
    z_r = r * z_p + np.sqrt(1.0 - r * r) * _ar1(e_own, phi)
    w = _ar1(w, phi)
    if mean_sd > _TOL:
        z_i = r * z_p.mean(axis=2, keepdims=True) / mean_sd + np.sqrt(1.0 - r * r) * w
    else:
        z_i = w

    def stat(name: str) -> np.ndarray:
        return np.asarray(stats[name].transpose("unit").values, dtype=float)

    keep = slice(None) if samples is None else samples
    k = {
        v: _modulus(z[keep], stat(f"{v}_cv"), stat(f"{v}_cs_cv"))
        for v, z in (("precipitation", z_p), ("runoff", z_r), ("inflow", z_i))
    }
    k["recharge"] = np.clip(1.0 + stat("recharge_elasticity") * (k["precipitation"] - 1.0), 0.0, None)
    k["et0"] = np.clip(1.0 + stat("et0_elasticity") * (k["precipitation"] - 1.0), 0.0, None)
    k["transfer"] = np.clip(1.0 + stat("transfer_elasticity") * (k["inflow"] - 1.0), 0.0, None)
    coords = {"sample": np.arange(n_samples)[keep], "year": years, "unit": stats["unit"].values}
    dims = ("sample", "year", "unit")
    attrs = {"units": "1", "long_name": "multiplier of the mean (stochastic annual factor)"}
    return xr.Dataset(
        {v: xr.DataArray(k[v], coords=coords, dims=dims, attrs=attrs) for v in _MARGINALS + _ELASTICITIES},
        attrs={"seed": seed, "ar1": phi, "precip_runoff_corr": r},
    )
