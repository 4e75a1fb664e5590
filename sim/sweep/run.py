"""Run the points of a sweep as vectorised blocks along a ``sweep`` dimension.

Points that differ only in the options of the measures switched on (coverage, area, start
and target year, ramp, ``where``, effect parameters, costs) run together: a block of ``P``
points is one batch of ``1 + P`` scenarios along ``scenario`` — the baseline and each
point with its measures on, every option taking its value per scenario
(:func:`sim.scenario.vary`) — through the same :func:`sim.core.build_inputs` and
:func:`sim.core.balance` as a single run. Points that differ in anything else (hydrology,
horizon, the pack …) are grouped by those values, and each group runs the same way. The
results of a point are therefore those of ``water-sim`` with the point's overrides, in the
layout of ``results.nc`` plus the ``sweep`` dimension.

Each block is an independent task (:func:`run_task`), so blocks may run on a dask cluster
(:mod:`sim.distributed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from omegaconf import DictConfig, OmegaConf

from sim.comparison import costs, savings
from sim.core import _as_config, balance, build_inputs, finish, prepare
from sim.engine import SOURCES
from sim.errors import InputError
from sim.pack import Pack, load_pack
from sim.scenario import Measure, scenario_matrix, vary
from sim.sweep.memory import check_results, choose_chunk
from sim.timeaxis import make_time_axis
from sim.variables import VARIABLES, is_stock

logger = logging.getLogger(__name__)

Task = tuple[dict, pd.DataFrame, list[int]]


def measure_columns(columns: Sequence[str], measures: Sequence[Measure]) -> list[str]:
    """Return the columns that are options of a measure switched on (they vary along ``scenario``)."""
    names = {m.name: m for m in measures}
    out = []
    for col in columns:
        parts = col.split(".")
        if len(parts) == 3 and parts[0] == "measures" and parts[1] in names:
            spec = names[parts[1]].module.PARAMETERS.get(parts[2])
            if spec is None or spec.units not in ("list", "text", "mapping"):
                out.append(col)
    return out


def with_values(cfg: DictConfig, values: Mapping[str, Any]) -> DictConfig:
    """Return a copy of ``cfg`` with the dotted keys of ``values`` set."""
    out = cfg.copy()
    for key, value in values.items():
        OmegaConf.update(
            out, key, _plain(value), merge=False, force_add=key.startswith(("measures.", "drivers."))
        )
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def plan(cfg: DictConfig, points: pd.DataFrame, pack: Pack, measures: Sequence[Measure]) -> list[Task]:
    """Split the points into blocks: one task per block, groups of equal non-measure values first.

    Returns
    -------
    list of (config, points, positions)
        The config of the block's group (a plain dict), the measure options of its points,
        and their positions in ``points``.
    """
    vector = measure_columns(list(points.columns), measures)
    group = [c for c in points.columns if c not in vector]
    if group:
        keys = points[group].astype(str).agg("\x1f".join, axis=1)
        groups = list(pd.Series(range(len(points))).groupby(keys.values, sort=False))
    else:
        groups = [(None, pd.Series(range(len(points))))]
    sweep = cfg.get("sweep") or {}
    tasks: list[Task] = []
    for _, pos in groups:
        rows = [int(i) for i in pos.values]
        cfg_g = with_values(cfg, {c: points.iloc[rows[0]][c] for c in group})
        cfg_g = _as_config(cfg_g)  # type checks of the swept values, by key
        axis = make_time_axis(str(cfg_g.time.start), str(cfg_g.time.end), str(cfg_g.time.step))
        data = pack.data
        chunk = choose_chunk(
            cfg_g,
            axis.sizes["time"],
            data.sizes["unit"],
            data.sizes["sector"],
            len(SOURCES),
            float(sweep.get("max_memory_gb", 4.0)),
            int(sweep.get("chunk", 0)),
        )
        plain = OmegaConf.to_container(cfg_g, resolve=True)
        assert isinstance(plain, dict)
        step = chunk if vector else len(rows)  # identical points: one task runs them once
        for lo in range(0, len(rows), step):
            block = rows[lo : lo + step]
            tasks.append((plain, points.iloc[block][vector].reset_index(drop=True), block))
    return tasks


_PACKS: dict[str, Pack] = {}


def _pack(region: str) -> Pack:
    """Load a pack once per process (a sweep's blocks share it)."""
    if region not in _PACKS:
        _PACKS[region] = load_pack(region)
    return _PACKS[region]


def run_task(task: Task, resolution: str = "year", variables: Sequence[str] = ()) -> xr.Dataset:
    """Run one block of a sweep (a picklable task; see :func:`plan`).

    ``resolution`` as in :func:`reduce`; ``variables`` keeps only those (default: all).

    Returns
    -------
    xarray.Dataset
        The block's points along ``sweep`` (coordinate: their positions in the table).
    """
    plain, frame, positions = task
    cfg, pack, measures = prepare(plain, loader=_pack)
    n_points = len(positions)
    try:
        out = run_block(cfg, pack, measures, frame, n_points)
    except InputError as err:  # which points: the block runs them together
        where = f"point {positions[0]}" if n_points == 1 else f"one of points {positions[0]}-{positions[-1]}"
        raise InputError(f"{err} (sweep {where}; sweep_points.csv has their values)") from None
    out = out.assign_coords(sweep=np.asarray(positions, dtype=np.int64))
    out = reduce(out, resolution)
    if variables:
        unknown = [v for v in variables if v not in out.data_vars]
        if unknown:
            have = ", ".join(sorted(str(v) for v in out.data_vars))
            raise InputError(f"config key 'sweep.variables': no variable '{unknown[0]}'; the run has: {have}")
        out = out[list(variables)]
    return out


def run_block(
    cfg: DictConfig, pack: Pack, measures: Sequence[Measure], frame: pd.DataFrame, n_points: int
) -> xr.Dataset:
    """Run ``n_points`` points that differ only in the measure options of ``frame``.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        The configuration shared by the points.
    pack : sim.pack.Pack
        The region pack.
    measures : sequence of Measure
        The measures switched on, with their configured options.
    frame : pandas.DataFrame
        One row per point, one column per measure option (``measures.<name>.<option>``);
        no columns when the points are identical.
    n_points : int
        Number of points.

    Returns
    -------
    xarray.Dataset
        The variables of :func:`sim.core.simulate` (with ``comparison.attribution=none``)
        with a leading ``sweep`` dimension [hm3 per step; savings hm3/a; costs yuan/a].
    """
    label = str(cfg.comparison.scenario)
    if not measures:
        inputs, diagnostics, _ = build_inputs(cfg, pack)
        bal = finish(balance(cfg, pack, inputs, diagnostics), cfg, pack)
        return bal.expand_dims(sweep=n_points)
    points = n_points if len(frame.columns) else 1
    labels = ["baseline"] + [f"p{i}" for i in range(points)]
    n = len(measures)
    on = scenario_matrix([m.name for m in measures], [[0] * n] + [[1] * n] * points, labels)
    varied = []
    for m in measures:
        prefix = f"measures.{m.name}."
        cols = {c[len(prefix) :]: frame[c].tolist() for c in frame.columns if c.startswith(prefix)}
        # the baseline row takes the first point's values: its level is 0, so they do nothing
        varied.append(vary(m, {k: [v[0], *v] for k, v in cols.items()}, labels) if cols else m)
    inputs, diagnostics, extents = build_inputs(cfg, pack, varied, on)
    bal = balance(cfg, pack, inputs, diagnostics)
    bal = bal.merge(savings(bal), compat="no_conflicts")
    cost = costs(varied, extents, None, float(cfg.comparison.discount_rate))
    rows = np.arange(1, points + 1) if points == n_points else np.ones(n_points, dtype=int)
    pairs = xr.DataArray(np.stack([np.zeros_like(rows), rows], axis=1), dims=("sweep", "pair"))
    out = bal.isel(scenario=pairs).rename(pair="scenario").assign_coords(scenario=["baseline", label])
    picked = cost.isel(scenario=xr.DataArray(rows, dims="sweep")).drop_vars("scenario")
    out = out.merge(picked, compat="no_conflicts")
    out = out.merge(combined_costs(out, label), compat="no_conflicts")
    return finish(out, cfg, pack)


def combined_costs(ds: xr.Dataset, label: str) -> xr.Dataset:
    """Total annualised cost of the measures and its cost per m³ of the combined saving.

    Returns
    -------
    xarray.Dataset
        ``total_cost`` [yuan/a]; ``cost_per_m3_withdrawal_combined`` and
        ``cost_per_m3_consumption_combined`` [yuan/m3], NaN where the saving is ≤ 0.
    """
    from sim.comparison import cost_per_m3

    total = ds["measure_cost"].sum("measure")
    out = {"total_cost": total.assign_attrs(units="yuan/a", long_name="annualised cost of all measures")}
    for kind in ("withdrawal", "consumption"):
        saved = ds[f"{kind}_saving"].sel(scenario=label, drop=True).sum(("unit", "sector"))
        out[f"cost_per_m3_{kind}_combined"] = cost_per_m3(total, saved).assign_attrs(
            long_name=f"annualised cost of all measures per m3 of {kind} saved together"
        )
    return xr.Dataset(out)


def reduce(ds: xr.Dataset, resolution: str) -> xr.Dataset:
    """Keep every step (``step``) or reduce the step variables to calendar years (``year``).

    ``year``: flows are summed over the steps of each year [hm3/a]; stocks (storages,
    cumulative overdraft, the reclaimed pool) keep the value of the year's last step;
    demand-model diagnostics along ``time`` are left out. Variables without ``time`` are
    kept as they are.
    """
    if resolution == "step":
        return ds
    if resolution != "year":
        raise InputError(f"config key 'sweep.resolution': expected 'year' or 'step', got {resolution!r}")
    keep = {}
    year = ds["time"].dt.year
    for name, da in ds.data_vars.items():
        if "time" not in da.dims:
            keep[name] = da
        elif name in VARIABLES:
            grouped = da.groupby(year)
            red = grouped.last("time") if is_stock(str(name)) else grouped.sum("time", skipna=False)
            attrs = dict(da.attrs)
            if not is_stock(str(name)) and attrs.get("units") == "hm3":
                attrs.update(units="hm3/a", cell_methods="year: sum")
            keep[name] = red.assign_attrs(attrs)
    out = xr.Dataset(keep, attrs=ds.attrs)
    return out.drop_vars([c for c in out.coords if "time" in out[c].dims], errors="ignore")


def serial_map(fn: Callable, tasks: Sequence, desc: str) -> list:
    """Run the tasks one after another in this process, with a progress bar on a terminal.

    The default of :func:`run_sweep`: every block is itself vectorised and its engine runs on
    every core. (Two blocks on two threads, the engine taking turns, gained nothing on two
    cores: the rest of a block holds the GIL or the memory bus.)
    """
    from sim.progress import progress

    with progress(tasks, total=len(tasks), desc=desc, unit="block") as bar:
        return [fn(t) for t in bar]


def run_sweep(
    cfg: DictConfig | Mapping[str, Any],
    points: pd.DataFrame,
    mapper: Callable[[Callable, Sequence, str], list] | None = None,
    resolution: str = "year",
    variables: Sequence[str] = (),
) -> xr.Dataset:
    """Run every point of ``points`` over the base configuration ``cfg``.

    Parameters
    ----------
    cfg : omegaconf.DictConfig or mapping
        The base configuration; each point sets its keys on a copy.
    points : pandas.DataFrame
        One row per point, one column per dotted config key (:func:`sim.sweep.points.make_points`).
    mapper : callable, optional
        ``mapper(fn, tasks, desc) -> results`` runs the blocks (default:
        :func:`serial_map`; :func:`sim.distributed.map_chunks` runs them on a dask cluster). The first block
        always runs here first: a bad point fails fast, and the size of the results is
        checked against ``sweep.max_memory_gb`` before the others run.
    resolution : str
        ``year`` (default) or ``step`` (see :func:`reduce`).
    variables : sequence of str
        Keep only these variables (default: all).

    Returns
    -------
    xarray.Dataset
        The results of every point along ``sweep`` (0 .. n−1), with each swept key as a
        coordinate along ``sweep``.

    Raises
    ------
    InputError
        Bad points, an unknown variable, or results bigger than ``sweep.max_memory_gb``.
    """
    from functools import partial

    if len(points) == 0:
        raise InputError("config key 'sweep': the sweep has no points")
    cfg = _as_config(cfg)
    if str(cfg.comparison.attribution) != "none":
        logger.info("sweep: the attribution of each point is not computed (comparison.attribution=none)")
        cfg = with_values(cfg, {"comparison.attribution": "none"})
    cfg, pack, measures = prepare(cfg, loader=_pack)
    tasks = plan(cfg, points, pack, measures)
    task = partial(run_task, resolution=resolution, variables=tuple(variables))
    first = task(tasks[0])
    limit = float((cfg.get("sweep") or {}).get("max_memory_gb", 4.0))
    check_results(first.nbytes / len(tasks[0][2]), len(points), limit)
    parts = [first, *(mapper or serial_map)(task, tasks[1:], "sweep blocks")] if len(tasks) > 1 else [first]
    ds = xr.concat(parts, dim="sweep", data_vars="all", coords="different", compat="equals", join="outer")
    del parts
    order = ds["sweep"].values
    if np.any(order[1:] < order[:-1]):  # groups ran their points out of order
        ds = ds.isel(sweep=np.argsort(order, kind="stable"))
    for col in points.columns:
        values = points[col].to_numpy()
        if values.dtype == object:
            values = values.astype(str)
        ds = ds.assign_coords({col: ("sweep", values)})
    ds.attrs["sweep_points"] = len(points)
    ds.attrs["sweep_keys"] = ", ".join(points.columns)
    return ds
