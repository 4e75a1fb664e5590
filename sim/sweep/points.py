"""The points of a sweep: a table with one column per swept config key.

``sweep.method`` chooses the design (``docs/sweeps.md``):

* ``grid``: the full factorial of ``sweep.parameters`` (``{key: [values]}``);
* ``zip``: the i-th values of every list together (lists of equal length);
* ``lhs``: a Latin hypercube of ``sweep.n`` points over ``{key: [low, high]}``
  (:class:`scipy.stats.qmc.LatinHypercube`, seed ``sweep.seed``);
* ``sobol``: the first ``sweep.n`` points of a scrambled Sobol' sequence over the same ranges
  (:class:`scipy.stats.qmc.Sobol`);
* ``csv``: the rows of ``sweep.file``, one column per key;
* ``saltelli`` and ``morris``: the designs of a Sobol'-index or Morris sensitivity analysis
  (SALib, :mod:`sim.sensitivity`).

A key is a dotted config path (``measures.sponge_city.coverage``,
``hydrology.runoff_factor``, ``time.end`` …). Keys that hold whole years
(``start_year``, ``target_year``) are rounded to integers in the sampled designs.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.errors import InputError

METHODS = ("grid", "zip", "lhs", "sobol", "csv", "saltelli", "morris")
RANGE_METHODS = ("lhs", "sobol", "saltelli", "morris")
#: Config sections a sweep may not change (they say how the sweep itself runs).
FIXED = ("sweep", "engine", "report", "hydra", "run_name", "resume")
INTEGER_KEYS = ("start_year", "target_year", "n_samples", "seed", "max_shapley", "chunk")


def sweepable_keys(cfg: DictConfig) -> list[str]:
    """Every dotted config path a sweep may set: the leaves of ``cfg`` and every measure option.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        The composed base configuration.

    Returns
    -------
    list of str
        Sorted paths, e.g. ``hydrology.runoff_factor``, ``measures.sponge_city.coverage`` or
        ``drivers.scale.industry.value_added_growth`` (every driver of the pack).
    """
    from sim.measures import load_measure
    from sim.measures.base import COMMON_OPTIONS

    tree = OmegaConf.to_container(cfg, resolve=True)
    keys: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, Mapping) and node:
            for k, v in node.items():
                walk(v, f"{prefix}.{k}" if prefix else str(k))
        elif prefix:
            keys.add(prefix)

    assert isinstance(tree, dict)
    walk({k: v for k, v in tree.items() if k not in FIXED}, "")
    from sim.pack import load_pack

    for model, ds in load_pack(str(cfg.region)).drivers.items():
        for var in ds.data_vars:
            keys.update({f"drivers.set.{model}.{var}", f"drivers.scale.{model}.{var}"})
    keys.difference_update({"drivers.set", "drivers.scale"})
    for name in tree.get("measures") or {}:
        module = load_measure(str(name))
        for option in (*COMMON_OPTIONS, *module.PARAMETERS):
            keys.add(f"measures.{name}.{option}")
    return sorted(k for k in keys if not k.startswith("measures.") or k.count(".") == 2)


def check_keys(keys: list[str], cfg: DictConfig, where: str = "sweep.parameters") -> None:
    """Raise a one-line InputError for a key the config does not have (closest keys suggested)."""
    allowed = sweepable_keys(cfg)
    for key in keys:
        if key.split(".", 1)[0] in FIXED:
            raise InputError(f"config key '{where}.{key}': '{key.split('.', 1)[0]}' cannot be swept")
        parts = key.split(".")
        if key not in allowed and len(parts) == 3 and parts[0] == "measures":
            from sim.measures import measure_names

            if parts[1] in measure_names() and f"measures.{parts[1]}.coverage" not in allowed:
                raise InputError(
                    f"config key '{where}.{key}': measure '{parts[1]}' is not switched on; "
                    f"a measure must be switched on (measures=[...]) before its options can be swept"
                )
        if key not in allowed:
            close = _closest(key, allowed)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InputError(f"config key '{where}.{key}': no such config key{hint}")


def _closest(key: str, allowed: list[str]) -> list[str]:
    """Return the allowed keys most like ``key`` (the best match and any as good, at most three)."""
    scored = [(difflib.SequenceMatcher(None, key, a).ratio(), a) for a in allowed]
    scored = [(r, a) for r, a in scored if r >= 0.6]
    if not scored:
        return []
    best = max(r for r, _ in scored)
    return [a for r, a in sorted(scored, reverse=True) if r >= best - 0.01][:3]


def _number(value: Any, key: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"config key '{key}': expected a number, got {value!r}") from None
    if not math.isfinite(x):
        raise InputError(f"config key '{key}': expected a finite number, got {value!r}")
    return x


def _ranges(params: Mapping[str, Any]) -> tuple[list[str], np.ndarray]:
    names, bounds = [], []
    for key, value in params.items():
        full = f"sweep.parameters.{key}"
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise InputError(f"config key '{full}': expected a range [low, high], got {value!r}")
        low, high = _number(value[0], full), _number(value[1], full)
        if not low < high:
            raise InputError(f"config key '{full}': empty range [{low:g}, {high:g}]; expected low < high")
        names.append(str(key))
        bounds.append((low, high))
    return names, np.asarray(bounds, dtype=float)


def _values(params: Mapping[str, Any]) -> dict[str, list]:
    out = {}
    for key, value in params.items():
        full = f"sweep.parameters.{key}"
        if not isinstance(value, (list, tuple)):
            value = [value]
        if len(value) == 0:
            raise InputError(f"config key '{full}': expected a non-empty list of values")
        for v in value:
            if isinstance(v, (Mapping, list, tuple)):
                raise InputError(f"config key '{full}': expected plain values (numbers or text), got {v!r}")
        out[str(key)] = list(value)
    return out


def _integer_columns(frame: pd.DataFrame) -> pd.DataFrame:
    for col in frame.columns:
        if col.rsplit(".", 1)[-1] in INTEGER_KEYS:
            frame[col] = np.rint(frame[col].astype(float)).astype(int)
    return frame


def _read_csv(path: str) -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise InputError(f"config key 'sweep.file': {file}: no such file")
    try:
        frame = pd.read_csv(file, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{file}: cannot read the table ({str(err).splitlines()[0]})") from None
    if frame.empty or not len(frame.columns):
        raise InputError(f"{file}: no points (expected a header of config keys and one row per point)")
    for col in frame.columns:
        bad = frame[col].isna()
        if bad.any():
            row = int(np.flatnonzero(bad.values)[0]) + 2  # 1-based, after the header
            raise InputError(f"{file}: row {row}, column '{col}': empty cell (expected a value)")
    return frame


def make_points(sweep: DictConfig | Mapping[str, Any], cfg: DictConfig) -> pd.DataFrame:
    """Return the points of the sweep: one row per point, one column per config key.

    Parameters
    ----------
    sweep : mapping
        The ``sweep`` config (``method``, ``parameters``, ``n``, ``seed``, ``file``,
        ``num_levels``).
    cfg : omegaconf.DictConfig
        The composed base configuration (to check the keys).

    Returns
    -------
    pandas.DataFrame
        Index ``0 .. n−1``; values in the units of each config key.

    Raises
    ------
    InputError
        Unknown method or key (closest keys suggested), an empty range or list, a number of
        points ≤ 0, a seed that is not an integer, or a bad CSV table.
    """
    if isinstance(sweep, DictConfig):
        sweep = OmegaConf.to_container(sweep, resolve=True)  # type: ignore[assignment]
    method = str(sweep.get("method", "none"))
    if method not in METHODS:
        raise InputError(f"config key 'sweep.method': expected one of {', '.join(METHODS)}, got {method!r}")
    params = dict(sweep.get("parameters") or {})
    if method != "csv" and not params:
        raise InputError(f"config key 'sweep.parameters': a {method} sweep needs at least one config key")
    if method == "csv":
        if not sweep.get("file"):
            raise InputError("config key 'sweep.file': a csv sweep needs the table of points")
        frame = _read_csv(str(sweep["file"]))
        check_keys(list(frame.columns), cfg, where=f"{sweep['file']}: column")
        return frame.reset_index(drop=True)
    check_keys(list(params), cfg)
    if method in ("grid", "zip"):
        values = _values(params)
        if method == "grid":
            rows = list(itertools.product(*values.values()))
        else:
            sizes = {len(v) for v in values.values()}
            if len(sizes) != 1:
                lengths = ", ".join(f"{k}: {len(v)}" for k, v in values.items())
                raise InputError(
                    f"config key 'sweep.parameters': a zip sweep needs lists of equal length ({lengths})"
                )
            rows = list(zip(*values.values(), strict=True))
        return pd.DataFrame(rows, columns=list(values))
    n = sweep.get("n")
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise InputError(f"config key 'sweep.n': expected a number of points > 0, got {n!r}")
    seed = sweep.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"config key 'sweep.seed': expected an integer, got {seed!r}")
    names, bounds = _ranges(params)
    if method in ("lhs", "sobol"):
        from scipy.stats import qmc

        if method == "lhs":
            unit = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
        else:
            engine = qmc.Sobol(d=len(names), scramble=True, seed=seed)
            m = math.ceil(math.log2(n))
            unit = engine.random_base2(m)[:n]  # a prefix of a 2^m Sobol' design
        x = qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    else:
        from sim.sensitivity import problem, sample

        options = {"num_levels": int(sweep.get("num_levels", 4))} if method == "morris" else {}
        x = sample("sobol" if method == "saltelli" else "morris", problem(names, bounds), n, seed, **options)
    return _integer_columns(pd.DataFrame(x, columns=names))
