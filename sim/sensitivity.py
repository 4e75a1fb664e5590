"""Global sensitivity analysis of model outputs: Sobol' indices and Morris screening, via SALib.

The module is Hydra-free and made of pure functions: :func:`problem` describes the swept
parameters and their ranges, :func:`sample` draws the points at which the model is run,
:func:`analyze` turns the model outputs at those points into sensitivity indices (an
``xarray.Dataset``) and :func:`write` stores them as ``sensitivity.nc`` and ``sensitivity.csv``.
Every parameter is uniform on its range ``[low, high]``. Sampling and analysis are delegated to
SALib (Herman and Usher 2017; Iwanaga, Usher and Herman 2022); this module adds the checks, the
labelled inputs and outputs and the handling of constant outputs.

Methods
-------
``sobol``
    Variance-based indices (Sobol' 2001). The points are the Saltelli design built on a
    scrambled Sobol' sequence: two base matrices ``A`` and ``B`` of ``N`` rows and, for each
    parameter ``i``, ``A`` with column ``i`` taken from ``B`` -- ``N·(D + 2)`` model runs for
    ``D`` parameters (``N·(2D + 2)`` with the second-order indices). The first-order index
    ``S1_i = V[E(Y | x_i)] / V(Y)`` is the share of the output variance explained by ``x_i``
    alone, the total-order index ``ST_i = E[V(Y | x_~i)] / V(Y)`` the share in which ``x_i``
    takes part, interactions included; both are estimated with the estimators of Saltelli et al.
    (2010, table 2, (b) and (f)). ``ST_i - S1_i`` measures the interactions of ``x_i``;
    ``ST_i ≈ 0`` means ``x_i`` can be fixed anywhere in its range. Estimates of indices near 0
    can come out slightly negative (sampling noise); they are not clipped.
``morris``
    Elementary-effects screening (Morris 1991) with the ``mu_star`` statistic of Campolongo et
    al. (2007). ``N`` random one-at-a-time trajectories on a grid of ``num_levels`` levels, each
    of ``D + 1`` points, so ``N·(D + 1)`` model runs. The elementary effect of ``x_i`` is
    ``(f(x + Δ e_i) - f(x)) / Δ`` with the step ``Δ = num_levels / (2 (num_levels - 1))`` in
    the unit-scaled parameter space: it is in the units of the output, as an output change per
    full range ``high - low`` of the parameter (for ``f = c x`` it is exactly
    ``c (high - low)``). ``mu`` is the mean effect, ``mu_star`` the mean absolute effect
    (importance), ``sigma`` the standard deviation (non-linearity and interactions).

Every index comes with the half-width of its bootstrap confidence interval (SALib's
resampling, ``num_resamples`` resamples at ``conf_level``), computed with a fixed ``seed`` so
that the same inputs always give the same file. Outputs that are constant over all points (max
minus min at most :data:`CONSTANT_RTOL` times the largest absolute value) have zero variance:
their indices are 0, not NaN, and SALib is not called for them.

References
----------
Campolongo, F., Cariboni, J. and Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. *Environmental Modelling & Software* 22(10), 1509-1518.
doi:10.1016/j.envsoft.2006.10.004

Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
*Technometrics* 33(2), 161-174. doi:10.1080/00401706.1991.10484804

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and Tarantola, S. (2010).
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index. *Computer Physics Communications* 181(2), 259-270.
doi:10.1016/j.cpc.2009.09.018

Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models and their
Monte Carlo estimates. *Mathematics and Computers in Simulation* 55(1-3), 271-280.
doi:10.1016/S0378-4754(00)00270-6

Herman, J. and Usher, W. (2017). SALib: An open-source Python library for sensitivity analysis.
*Journal of Open Source Software* 2(9), 97. doi:10.21105/joss.00097

Iwanaga, T., Usher, W. and Herman, J. (2022). Toward SALib 2.0: Advancing the accessibility and
interpretability of global sensitivity analyses. *Socio-Environmental Systems Modelling* 4,
18155. doi:10.18174/sesmo.18155
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from sim.errors import InputError

__all__ = ["CONSTANT_RTOL", "METHODS", "analyze", "problem", "sample", "write"]

#: The sensitivity methods, by the name used in ``method``.
METHODS: tuple[str, ...] = ("sobol", "morris")

#: An output whose spread (max - min over the points) is at most this share of its largest
#: absolute value is constant: rounding noise of a double-precision model, not a response.
CONSTANT_RTOL = 1e-12

#: Name of the sample-point dimension of ``Y`` and of the parameter dimension of the result.
SWEEP = "sweep"
PARAMETER = "parameter"
#: Second parameter dimension of the second-order Sobol' indices.
OTHER_PARAMETER = "other_parameter"

#: Options of :func:`sample` and their defaults, by method.
_SAMPLE_OPTIONS: dict[str, dict[str, Any]] = {
    "sobol": {"calc_second_order": False},
    "morris": {"num_levels": 4},
}
#: Options of :func:`analyze` and their defaults, by method.
_ANALYZE_OPTIONS: dict[str, dict[str, Any]] = {
    "sobol": {"calc_second_order": False, "num_resamples": 100, "conf_level": 0.95, "seed": 0},
    "morris": {"num_levels": 4, "num_resamples": 100, "conf_level": 0.95, "seed": 0},
}

#: name -> long_name of the indices; units are "1" for Sobol' and those of the output for Morris.
_LONG_NAMES: dict[str, str] = {
    "S1": "first-order Sobol' index: share of the output variance due to the parameter alone",
    "ST": "total-order Sobol' index: share of the output variance the parameter takes part in",
    "S2": "second-order Sobol' index: share of the output variance due to the pair's interaction",
    "mu": "mean elementary effect (output change per full range of the parameter)",
    "mu_star": "mean absolute elementary effect (output change per full range of the parameter)",
    "sigma": "standard deviation of the elementary effects",
}


def _key(name: str) -> str:
    return f"config key 'sweep.{name}'"


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def problem(names: Sequence[str], bounds: Sequence[tuple[float, float]]) -> dict:
    """Build the SALib problem of the swept parameters, each uniform on its range.

    Parameters
    ----------
    names : sequence of str
        Parameter names, as the config overrides they stand for
        (e.g. ``"measures.sponge_city.coverage"``); unique.
    bounds : sequence of (float, float)
        ``(low, high)`` of each parameter, in the parameter's own units; finite, ``low < high``.

    Returns
    -------
    dict
        ``{"num_vars": D, "names": [...], "bounds": [[low, high], ...]}`` (SALib's problem).

    Raises
    ------
    InputError
        No parameter, a repeated name, a number of bounds other than of names, or a range that
        is not a finite ``low < high``; the message names ``sweep.parameters.<name>``.
    """
    names = [str(n) for n in names]
    bounds = list(bounds)
    if not names:
        raise InputError(f"{_key('parameters')}: no parameter; expected at least one")
    if len(bounds) != len(names):
        raise InputError(
            f"{_key('parameters')}: {len(names)} names but {len(bounds)} ranges; expected one range per name"
        )
    seen: set[str] = set()
    out: list[list[float]] = []
    for name, bound in zip(names, bounds, strict=True):
        where = _key(f"parameters.{name}")
        if not name:
            raise InputError(f"{_key('parameters')}: empty parameter name; expected a config key")
        if name in seen:
            raise InputError(f"{where}: given twice; expected unique parameter names")
        seen.add(name)
        try:
            low, high = (float(b) for b in bound)
        except (TypeError, ValueError):
            raise InputError(f"{where}: range {bound!r}; expected two numbers [low, high]") from None
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InputError(f"{where}: range [{low:g}, {high:g}] is not finite; expected finite low < high")
        if low == high:
            raise InputError(f"{where}: empty range [{low:g}, {high:g}]; expected low < high")
        if low > high:
            raise InputError(f"{where}: reversed range [{low:g}, {high:g}]; expected low < high")
        out.append([low, high])
    return {"num_vars": len(names), "names": names, "bounds": out}


def _checked_problem(prob: dict) -> dict:
    """Validate ``prob`` and return a fresh copy (SALib adds keys to the dict it is given)."""
    try:
        names, bounds = prob["names"], prob["bounds"]
    except (KeyError, TypeError):
        raise InputError("sensitivity problem: expected a dict with 'names' and 'bounds'") from None
    return problem(names, bounds)


def _method(method: str) -> str:
    if method not in METHODS:
        raise InputError(
            f"{_key('method')}: unknown method {method!r}; expected one of: {', '.join(METHODS)}"
        )
    return method


def _options(method: str, given: dict[str, Any], known: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge ``given`` into the defaults of ``method``, checking names and values."""
    defaults = known[method]
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InputError(
            f"{_key(unknown[0])}: not an option of method {method!r}; expected one of: {', '.join(defaults)}"
        )
    opts = {**defaults, **given}
    if "calc_second_order" in opts:
        flag = opts["calc_second_order"]
        if not isinstance(flag, bool | np.bool_):
            raise InputError(f"{_key('calc_second_order')}: {flag!r}; expected true or false")
        opts["calc_second_order"] = bool(flag)
    if "num_levels" in opts:
        k = opts["num_levels"]
        if not _is_int(k) or k < 2 or k % 2:
            raise InputError(
                f"{_key('num_levels')}: {k!r}; expected an even integer >= 2 (Morris grid levels)"
            )
    if "num_resamples" in opts:
        r = opts["num_resamples"]
        if not _is_int(r) or r < 2:
            raise InputError(
                f"{_key('num_resamples')}: {r!r}; expected an integer >= 2 (bootstrap resamples)"
            )
    if "conf_level" in opts:
        c = opts["conf_level"]
        if not isinstance(c, Real) or isinstance(c, bool) or not 0 < c < 1:
            raise InputError(f"{_key('conf_level')}: {c!r}; expected a number between 0 and 1")
    if "seed" in opts:
        _check_seed(opts["seed"])
    return opts


def _check_seed(seed: object) -> None:
    if not _is_int(seed) or seed < 0:
        raise InputError(f"{_key('seed')}: {seed!r}; expected a non-negative integer")


def _nearest_power_of_two(n: int) -> int:
    low = 1 << (n.bit_length() - 1)
    high = low << 1
    return low if n - low < high - n else high


def _points_per_n(method: str, d: int, calc_second_order: bool = False) -> int:
    """Model runs per unit of ``N``: D + 2 (Sobol'), 2D + 2 (with S2), D + 1 (Morris)."""
    if method == "morris":
        return d + 1
    return 2 * d + 2 if calc_second_order else d + 2


def sample(method: str, problem: dict, n: int, seed: int, **options: Any) -> np.ndarray:
    """Draw the points at which the model is to be run.

    Parameters
    ----------
    method : {"sobol", "morris"}
        Sensitivity method the points are for (see the module docstring).
    problem : dict
        Parameters and ranges, from :func:`problem`.
    n : int
        Base sample size ``N`` (config key ``sweep.n``), at least 2: Sobol' base points, a power
        of two (the balance of the Sobol' sequence needs it); or Morris trajectories.
    seed : int
        Seed of the scrambling (Sobol') or of the trajectories (Morris), non-negative
        (``sweep.seed``); the same seed gives the same points.
    **options
        ``calc_second_order`` (bool, default False) for Sobol': also sample for the second-order
        indices. ``num_levels`` (even int, default 4) for Morris: levels of the grid.

    Returns
    -------
    numpy.ndarray
        Points, shape ``(points, D)``, each column in its parameter's units and range:
        ``points = N·(D + 2)`` (Sobol'), ``N·(2D + 2)`` (Sobol' with second order) or
        ``N·(D + 1)`` (Morris).

    Raises
    ------
    InputError
        Unknown method or option, ``n`` not an integer >= 2 (or not a power of two for Sobol';
        the message suggests the nearest one), ``seed`` not a non-negative integer, a bad
        problem.
    """
    method = _method(method)
    prob = _checked_problem(problem)
    if not _is_int(n) or n < 2:
        raise InputError(
            f"{_key('n')}: {n!r}; expected an integer >= 2 (sample size; the confidence intervals need two)"
        )
    n = int(n)
    _check_seed(seed)
    opts = _options(method, options, _SAMPLE_OPTIONS)
    if method == "sobol":
        if n & (n - 1):
            raise InputError(
                f"{_key('n')}: {n} is not a power of two, as method 'sobol' needs; "
                f"expected e.g. {_nearest_power_of_two(n)} (the nearest power of two)"
            )
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(
            prob, n, calc_second_order=opts["calc_second_order"], scramble=True, seed=int(seed)
        )
    from SALib.sample import morris as morris_sample

    return morris_sample.sample(prob, n, num_levels=opts["num_levels"], seed=int(seed))


def _outputs(Y: xr.DataArray | np.ndarray) -> tuple[np.ndarray, list[str], dict[str, Any], str]:
    """Split ``Y`` into values ``(points, *other)``, the other dims, their coords and the units."""
    if isinstance(Y, xr.DataArray):
        if SWEEP not in Y.dims:
            raise InputError(
                f"Y: no '{SWEEP}' dimension among {list(Y.dims)}; expected the sample points along '{SWEEP}'"
            )
        Y = Y.transpose(SWEEP, ...)
        other = [str(d) for d in Y.dims[1:]]
        coords = {name: c.variable for name, c in Y.coords.items() if SWEEP not in c.dims}
        units = str(Y.attrs.get("units", "1"))
        values = np.asarray(Y.values)
    else:
        values = np.asarray(Y)
        if values.ndim == 0:
            raise InputError("Y: a scalar; expected one model output per sample point along the first axis")
        extra = values.ndim - 1
        other = ["output"] if extra == 1 else [f"output_{i}" for i in range(1, extra + 1)]
        coords = {}
        units = "1"
    if PARAMETER in other or OTHER_PARAMETER in other:
        raise InputError(f"Y: dimension names '{PARAMETER}' and '{OTHER_PARAMETER}' are reserved")
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.complexfloating):
        raise InputError(f"Y: values of type {values.dtype}; expected real numbers")
    return values.astype(float), other, coords, units


def _check_design(method: str, X: np.ndarray, prob: dict, opts: dict[str, Any]) -> int:
    """Check that ``X`` is a design of ``method`` for ``prob``; return its ``N``."""
    d = prob["num_vars"]
    if X.ndim != 2 or X.shape[1] != d:
        raise InputError(f"X: shape {X.shape}; expected (points, {d}), one column per parameter")
    if not np.isfinite(X).all():
        raise InputError("X: not finite; expected the points returned by sample()")
    per = _points_per_n(method, d, opts.get("calc_second_order", False))
    what = f"N·{per} points (method {method!r}"
    what += f", calc_second_order={opts['calc_second_order']})" if method == "sobol" else ")"
    if X.shape[0] % per or X.shape[0] // per < 2:
        raise InputError(f"X: {X.shape[0]} points; expected {what} with N >= 2")
    n = X.shape[0] // per
    blocks = X.reshape(n, per, d)
    if method == "sobol":
        a, b = blocks[:, 0], blocks[:, -1]
        ok = True
        for i in range(d):
            ab = blocks[:, 1 + i]
            ok &= bool(
                np.array_equal(np.delete(ab, i, 1), np.delete(a, i, 1)) and np.array_equal(ab[:, i], b[:, i])
            )
            if opts["calc_second_order"]:
                ba = blocks[:, 1 + d + i]
                ok &= bool(
                    np.array_equal(np.delete(ba, i, 1), np.delete(b, i, 1))
                    and np.array_equal(ba[:, i], a[:, i])
                )
        if not ok:
            raise InputError(f"X: not a Saltelli design of {what}; expected the points returned by sample()")
    else:
        lo, hi = np.array(prob["bounds"]).T
        k = opts["num_levels"]
        delta = k / (2.0 * (k - 1))
        steps = np.diff((blocks - lo) / (hi - lo), axis=1)  # (N, D steps, D params)
        moved = np.abs(steps) > 1e-9
        if not (
            (moved.sum(axis=2) == 1).all()
            and (moved.sum(axis=1) == 1).all()
            and np.allclose(np.abs(steps[moved]), delta, rtol=0, atol=1e-9)
        ):
            raise InputError(
                f"X: not a Morris design of {what} with num_levels={k}; every step of a trajectory must "
                f"move one parameter by {delta:g} of its range (same num_levels as in sample())"
            )
    return n


def _is_constant(y: np.ndarray) -> bool:
    return bool(np.ptp(y) <= CONSTANT_RTOL * np.max(np.abs(y)))


def _sobol_cell(prob: dict, y: np.ndarray, opts: dict[str, Any]) -> dict[str, np.ndarray]:
    from SALib.analyze import sobol as sobol_analyze

    d = prob["num_vars"]
    second = opts["calc_second_order"]
    if _is_constant(y):
        zeros = np.zeros(d)
        out = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
        if second:
            s2 = np.zeros((d, d))
            np.fill_diagonal(s2, np.nan)
            out |= {"S2": s2, "S2_conf": s2}
        return out
    si = sobol_analyze.analyze(
        dict(prob),
        y,
        calc_second_order=second,
        num_resamples=opts["num_resamples"],
        conf_level=opts["conf_level"],
        print_to_console=False,
        # a Generator, not the int: SALib 1.6 ignores a seed of 0 (``if seed:``)
        seed=np.random.default_rng(opts["seed"]),
    )
    out = {k: np.asarray(si[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    if second:
        for k in ("S2", "S2_conf"):
            upper = np.triu(np.asarray(si[k], dtype=float), 1)
            full = upper + upper.T
            np.fill_diagonal(full, np.nan)
            out[k] = full
    return out


def _morris_cell(prob: dict, X: np.ndarray, y: np.ndarray, opts: dict[str, Any]) -> dict[str, np.ndarray]:
    from SALib.analyze import morris as morris_analyze

    if _is_constant(y):
        zeros = np.zeros(prob["num_vars"])
        return {"mu": zeros, "mu_star": zeros, "mu_star_conf": zeros, "sigma": zeros}
    si = morris_analyze.analyze(
        dict(prob),
        X,
        y,
        num_resamples=opts["num_resamples"],
        conf_level=opts["conf_level"],
        scaled=False,
        print_to_console=False,
        num_levels=opts["num_levels"],
        seed=opts["seed"],
    )
    return {
        k: np.ma.filled(np.ma.asarray(si[k], dtype=float), np.nan)
        for k in ("mu", "mu_star", "mu_star_conf", "sigma")
    }


def _attrs(name: str, method: str, units: str, conf_level: float) -> dict[str, str]:
    base = name.removesuffix("_conf")
    long_name = _LONG_NAMES[base]
    if name.endswith("_conf"):
        long_name = f"half-width of the {conf_level:.0%} bootstrap confidence interval of {base}"
    return {"units": "1" if method == "sobol" else units, "long_name": long_name}


def analyze(
    method: str,
    problem: dict,
    X: np.ndarray,
    Y: xr.DataArray | np.ndarray,
    **options: Any,
) -> xr.Dataset:
    """Compute the sensitivity indices of every output from the model runs at the points ``X``.

    Parameters
    ----------
    method : {"sobol", "morris"}
        Sensitivity method; ``X`` must come from :func:`sample` with the same method and options.
    problem : dict
        Parameters and ranges, from :func:`problem`.
    X : numpy.ndarray
        The points, shape ``(points, D)``, in the parameters' units.
    Y : xarray.DataArray or numpy.ndarray
        Model outputs at the points, in any units. A DataArray has the points along the dim
        ``sweep`` and possibly other dims (e.g. ``output``, ``unit``), whose coords are kept;
        its ``units`` attr (default ``"1"``) is the unit of the Morris indices. A numpy array
        has the points along its first axis; its other axes become ``output`` (one) or
        ``output_1``, ``output_2``, ... (several), and its units are ``"1"``.
    **options
        ``num_resamples`` (int, default 100) and ``conf_level`` (default 0.95) of the bootstrap
        confidence intervals, and their ``seed`` (int, default 0: the same inputs always give
        the same intervals). ``calc_second_order`` (bool, default False) for Sobol' (as in
        :func:`sample`; adds ``S2`` and ``S2_conf``); ``num_levels`` (default 4) for Morris
        (as in :func:`sample`).

    Returns
    -------
    xarray.Dataset
        Dims ``(parameter, *other dims of Y)``. Sobol': ``S1``, ``S1_conf``, ``ST``, ``ST_conf``
        [1], and with second order ``S2``, ``S2_conf`` [1] over ``(parameter, other_parameter,
        ...)`` (symmetric, NaN on the diagonal). Morris: ``mu``, ``mu_star``, ``mu_star_conf``,
        ``sigma`` in the units of ``Y`` (change of the output per full range of the parameter).
        ``*_conf`` is the half-width of the bootstrap confidence interval. An output constant
        over all points (see :data:`CONSTANT_RTOL`) gets 0 for every index and interval, without a
        warning. Attrs: ``method``, ``n`` (base sample size ``N``), ``num_resamples``,
        ``conf_level``, ``seed`` and ``calc_second_order`` (0/1) or ``num_levels``; every
        variable has CF ``units`` and ``long_name``.

    Raises
    ------
    InputError
        Unknown method or option, a bad problem, ``X`` not a design of the method for the
        problem, ``Y`` with another number of points than ``X`` along ``sweep``, or ``Y`` not
        finite.
    """
    method = _method(method)
    prob = _checked_problem(problem)
    opts = _options(method, options, _ANALYZE_OPTIONS)
    X = np.asarray(X, dtype=float)
    values, other, coords, units = _outputs(Y)
    if values.shape[0] != X.shape[0]:
        raise InputError(
            f"Y: {values.shape[0]} points along '{SWEEP}'; expected {X.shape[0]}, one output per row of X"
        )
    n = _check_design(method, X, prob, opts)
    cells = values.reshape(values.shape[0], -1)
    bad = ~np.isfinite(cells).all(axis=0)
    if bad.any():
        where = np.unravel_index(int(np.argmax(bad)), values.shape[1:])
        at = ", ".join(f"{d}={i}" for d, i in zip(other, where, strict=True)) or "the output"
        raise InputError(f"Y: not finite at {at} (index); expected finite model outputs at every point")

    results = [
        _sobol_cell(prob, cells[:, m], opts)
        if method == "sobol"
        else _morris_cell(prob, X, cells[:, m], opts)
        for m in range(cells.shape[1])
    ]
    d = prob["num_vars"]
    shape = values.shape[1:]
    data_vars = {}
    for name in results[0] if results else ():
        stacked = np.stack([r[name] for r in results], axis=-1)  # (D[, D], cells)
        lead = (PARAMETER, OTHER_PARAMETER) if stacked.ndim == 3 else (PARAMETER,)
        arr = stacked.reshape((d,) * len(lead) + shape)
        data_vars[name] = xr.Variable((*lead, *other), arr, _attrs(name, method, units, opts["conf_level"]))
    all_coords: dict[str, Any] = {PARAMETER: (PARAMETER, prob["names"], {"long_name": "swept parameter"})}
    if method == "sobol" and opts["calc_second_order"]:
        all_coords[OTHER_PARAMETER] = (
            OTHER_PARAMETER,
            prob["names"],
            {"long_name": "second swept parameter"},
        )
    all_coords.update(coords)
    attrs: dict[str, Any] = {
        "method": method,
        "n": n,
        "num_resamples": opts["num_resamples"],
        "conf_level": float(opts["conf_level"]),
        "seed": int(opts["seed"]),
    }
    if method == "sobol":
        attrs["calc_second_order"] = int(opts["calc_second_order"])
    else:
        attrs["num_levels"] = int(opts["num_levels"])
    return xr.Dataset(data_vars, coords=all_coords, attrs=attrs)


def write(ds: xr.Dataset, out_dir: Path) -> tuple[Path, Path]:
    """Write the indices as ``sensitivity.nc`` and ``sensitivity.csv`` in ``out_dir``.

    Both files are written under a temporary name in ``out_dir`` and renamed (``os.replace``),
    so that a reader never sees half a file. Neither is written if either exists already.

    Parameters
    ----------
    ds : xarray.Dataset
        Result of :func:`analyze` (indices [1] for Sobol', output units for Morris).
    out_dir : pathlib.Path
        Folder to write into; created if missing.

    Returns
    -------
    tuple of pathlib.Path
        ``(sensitivity.nc, sensitivity.csv)``. The NetCDF4 file holds ``ds`` as it is; the CSV
        is tidy: one row per parameter and combination of the other dims (columns ``parameter``,
        the other dims and their coords), one column per index (``S2`` pairs are only in the
        NetCDF file). Units are those of the NetCDF variables' ``units``.

    Raises
    ------
    InputError
        ``sensitivity.nc`` or ``sensitivity.csv`` exists already in ``out_dir``.
    """
    from sim.io import write_csv, write_netcdf

    out_dir = Path(out_dir)
    nc, csv = out_dir / "sensitivity.nc", out_dir / "sensitivity.csv"
    for path in (nc, csv):
        if path.exists():
            raise InputError(f"{path}: already exists; water-sim never overwrites an earlier run")
    per_parameter = [v for v in ds.data_vars if OTHER_PARAMETER not in ds[v].dims]
    table = ds[per_parameter].drop_dims(OTHER_PARAMETER, errors="ignore")
    if per_parameter:
        order = [PARAMETER, *(str(dim) for dim in ds[per_parameter[0]].dims if dim != PARAMETER)]
        df = table.to_dataframe(dim_order=order).reset_index()
    else:
        df = table.to_dataframe().reset_index()
    write_netcdf(ds, nc)
    write_csv(df, csv)
    return nc, csv
