"""The sweep job of the command line: ``water-sim sweep=<design> [overrides]``.

Writes into the run folder ``sweep.nc`` (every point along ``sweep``), ``sweep_points.csv``
(the design) and, for the ``saltelli`` and ``morris`` designs, ``sensitivity.nc`` and
``sensitivity.csv``; ends with one line: the number of points, the time taken and where the
results are.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import xarray as xr
from omegaconf import DictConfig

from sim.errors import InputError

OUTPUTS = ("sweep.nc", "sweep_points.csv", "sensitivity.nc", "sensitivity.csv")
#: Dimensions summed to make a sensitivity output one number per point (and design year).
SUMMED = ("unit", "sector", "source", "measure", "link")


def output_table(ds: xr.Dataset, names: list[str], label: str, year: int | None) -> xr.DataArray:
    """Return the outputs of a sensitivity analysis: one number per point and output (and design year).

    Each output is a variable of the sweep: its scenario with the measures (``label``) when
    it has ``scenario``, its ``year`` (default: the last), summed over units, sectors,
    sources and measures, averaged over ``sample``.

    Returns
    -------
    xarray.DataArray
        (sweep, output[, frequency]) in the outputs' own units.
    """
    cols = []
    for name in names:
        if name not in ds:
            have = ", ".join(sorted(str(v) for v in ds.data_vars if "sweep" in ds[v].dims))
            raise InputError(f"config key 'sweep.outputs': no output '{name}' in the sweep; it has: {have}")
        da = ds[name]
        if "scenario" in da.dims:
            da = da.sel(scenario=label if label in da.scenario.values else da.scenario.values[-1])
        if "year" in da.dims:
            years = da.year.values
            y = int(years.max()) if year is None else int(year)
            if y not in years:
                raise InputError(
                    f"config key 'sweep.year': {y} is not a year of the run ({years.min()}-{years.max()})"
                )
            da = da.sel(year=y)
        da = da.sum([d for d in SUMMED if d in da.dims])
        if "sample" in da.dims:
            da = da.mean("sample")
        extra = [d for d in da.dims if d not in ("sweep", "frequency")]
        if extra:
            raise InputError(
                f"config key 'sweep.outputs': '{name}' has dims {extra} that a sensitivity cannot reduce"
            )
        cols.append(
            da.drop_vars([c for c in da.coords if c not in da.dims and c != "sweep"]).assign_attrs(
                units=ds[name].attrs.get("units", "1")
            )
        )
    out = xr.concat(
        cols, dim=xr.DataArray(names, dims="output", name="output"), coords="minimal", compat="override"
    )
    return out.transpose("sweep", ...)


def run_sweep_job(cfg: DictConfig, out_dir: Path) -> Path:
    """Run the sweep of ``cfg.sweep`` and write its files into ``out_dir``.

    Returns
    -------
    pathlib.Path
        Path of ``sweep.nc``.
    """
    from sim.distributed import EngineSettings, map_chunks
    from sim.io import write_csv, write_netcdf
    from sim.sweep.points import make_points
    from sim.sweep.run import run_sweep

    start = time.perf_counter()
    for name in OUTPUTS:
        if (out_dir / name).exists():
            raise InputError(f"{out_dir / name}: already exists; water-sim never overwrites an earlier run")
    settings = EngineSettings.from_config(cfg.engine)
    method = str(cfg.sweep.method)
    points = make_points(cfg.sweep, cfg)

    def on_cluster(fn, tasks, desc):
        return map_chunks(fn, tasks, settings, desc=desc)

    mapper = None if settings.name == "serial" else on_cluster  # serial: sim.sweep.run.serial_map
    ds = run_sweep(
        cfg, points, mapper=mapper, resolution=str(cfg.sweep.resolution), variables=list(cfg.sweep.variables)
    )
    sens = None
    if method in ("saltelli", "morris"):
        from sim.sensitivity import analyze, problem

        names = list(points.columns)
        bounds = [tuple(map(float, cfg.sweep.parameters[k])) for k in names]
        table = output_table(ds, list(cfg.sweep.outputs), str(cfg.comparison.scenario), cfg.sweep.year)
        options = {"num_levels": int(cfg.sweep.num_levels)} if method == "morris" else {}
        sens = analyze(
            "sobol" if method == "saltelli" else "morris",
            problem(names, bounds),
            points.to_numpy(dtype=float),
            table,
            **options,
        )
    frame = points.copy()
    frame.insert(0, "sweep", np.arange(len(points)))
    write_csv(frame, out_dir / "sweep_points.csv")
    path = out_dir / "sweep.nc"
    write_netcdf(ds, path)
    if sens is not None:
        from sim.sensitivity import write

        write(sens, out_dir)
    elapsed = time.perf_counter() - start
    where = f"{path}" + (f" (sensitivity: {out_dir / 'sensitivity.csv'})" if sens is not None else "")
    print(f"sweep: {len(points)} points in {elapsed:.1f} s: {where}")
    return path
