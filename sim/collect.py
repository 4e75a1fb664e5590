"""Combine the jobs of a Hydra multirun into one ``sweep.nc``, a dimension per swept override.

``water-sim -m hydrology.runoff_factor=0.8,1.0 time.end=2025-12,2030-12`` writes one run
folder per job; at the end of the multirun (Hydra callback :class:`CollectCallback`), or later
with ``water-sim-collect DIR``, the jobs' ``results.nc`` are combined:

* the swept keys are the overrides whose values differ between the jobs; each becomes a
  dimension named after the key (``hydrology.runoff_factor``) with the values as coordinates
  (numbers where every value is a number, strings otherwise);
* jobs missing from a full grid leave NaN; variables present in only some jobs (e.g. the
  savings of a job with measures) are kept with NaN where absent; variables whose dimensions
  differ between jobs in other ways are left out and listed in the ``dropped`` attribute;
* the file is written atomically into the multirun folder; an existing ``sweep.nc`` is never
  overwritten (the callback then writes ``sweep.1.nc``, ``sweep.2.nc``, ...);
* jobs that reused the results of an earlier job with the same config hash
  (:mod:`sim.resume`) are collected like any other.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import xarray as xr
import yaml
from tqdm import tqdm

from sim.errors import InputError
from sim.resume import REUSED_FILE


def _overrides(job: Path) -> dict[str, str]:
    path = job / ".hydra" / "overrides.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out = {}
    for item in items:
        key, _, value = str(item).partition("=")
        out[key.lstrip("+~")] = value
    return out


def _value(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def jobs(multirun_dir: Path) -> list[tuple[Path, dict[str, str]]]:
    """Return the job folders of a multirun that hold ``results.nc``, with their overrides."""
    found = []
    for results in sorted(Path(multirun_dir).glob("*/results.nc")):
        job = results.parent
        if (job / ".hydra" / "overrides.yaml").is_file():
            found.append((job, _overrides(job)))
    return found


def collect(multirun_dir: Path | str, name: str = "sweep.nc") -> Path:
    """Combine the jobs of ``multirun_dir`` into ``multirun_dir/name``.

    Parameters
    ----------
    multirun_dir : path
        A Hydra multirun folder (job sub-folders ``0/``, ``1/``, ... with ``results.nc``).
    name : str
        File name of the combined results.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError
        No job with results in the folder, or the file exists already.
    """
    from sim.io import write_netcdf

    root = Path(multirun_dir)
    out = root / name
    if out.exists():
        raise InputError(f"{out}: already exists; water-sim never overwrites an earlier result")
    found = jobs(root)
    if not found:
        raise InputError(f"{root}: no job folder with results.nc and .hydra/overrides.yaml")
    keys = sorted({k for _, o in found for k in o})
    swept = [k for k in keys if len({o.get(k, "") for _, o in found}) > 1]
    datasets = []
    for job, over in tqdm(found, desc="collect", unit="job", disable=None, leave=False):
        with xr.open_dataset(job / "results.nc") as ds:
            ds = ds.load()
        coords = {k: [_value(over.get(k, ""))] for k in swept}
        datasets.append(ds.expand_dims(coords) if coords else ds.expand_dims(job=[job.name]))
    # keep the variables whose dims agree in every job where they appear
    dims: dict[str, set] = {}
    for ds in datasets:
        for v, da in ds.data_vars.items():
            dims.setdefault(v, set()).add(da.dims)
    dropped = sorted(v for v, d in dims.items() if len(d) > 1)
    datasets = [ds.drop_vars([v for v in dropped if v in ds]) for ds in datasets]
    combined = xr.merge(datasets, join="outer", compat="no_conflicts", combine_attrs="drop_conflicts")
    for k in swept:
        values = combined[k].values
        if values.dtype == object:
            combined = combined.assign_coords({k: values.astype(str)})
    combined.attrs.update(
        swept=" ".join(swept),
        jobs=len(found),
        dropped=" ".join(dropped),
        source=str(root),
    )
    write_netcdf(combined, out)
    return out


def main(argv: list[str] | None = None) -> int:
    """``water-sim-collect DIR``: combine a multirun folder into ``DIR/sweep.nc``."""
    parser = argparse.ArgumentParser(prog="water-sim-collect", description=__doc__.splitlines()[0])
    parser.add_argument("multirun_dir", type=Path)
    parser.add_argument("--name", default="sweep.nc")
    args = parser.parse_args(argv)
    try:
        path = collect(args.multirun_dir, args.name)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    with xr.open_dataset(path) as ds:
        swept = ds.attrs.get("swept", "")
        n = int(ds.attrs.get("jobs", 0))
    print(f"collected {n} jobs (swept: {swept or 'nothing'}) into {path}")
    return 0


def console() -> None:
    """Console-script entry point."""
    sys.exit(main())


try:  # the Hydra callback, used by conf/config.yaml at the end of every multirun
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover - hydra always ships it in the supported versions
    Callback = object  # type: ignore[assignment,misc]


def reused(multirun_dir: Path | str) -> int:
    """Return how many job folders reused the results of an earlier job (``reused_from.txt``)."""
    return sum((job / REUSED_FILE).is_file() for job, _ in jobs(Path(multirun_dir)))


def free_name(multirun_dir: Path, name: str = "sweep.nc") -> str:
    """Return ``name`` if ``multirun_dir`` has no such file, else the first free ``sweep.<k>.nc``."""
    stem, dot, suffix = name.partition(".")
    k = 0
    while (multirun_dir / name).exists():
        k += 1
        name = f"{stem}.{k}{dot}{suffix}"
    return name


class CollectCallback(Callback):  # type: ignore[misc]
    """Combine the jobs into ``sweep.nc`` when a multirun ends (see :func:`collect`).

    The multirun ends with one line: ``collected N jobs (M reused) in X s: PATH``, X the
    wall time of the multirun (jobs and collection).
    """

    def __init__(self) -> None:
        self._start: float | None = None

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        """Note the start time."""
        self._start = time.perf_counter()

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        """Write ``sweep.nc`` into the sweep folder; a failure is reported, not raised.

        A re-run into the same sweep folder (``hydra.sweep.dir=...``) finds ``sweep.nc``
        there and writes ``sweep.1.nc`` (and so on): nothing is overwritten.
        """
        start = self._start if self._start is not None else time.perf_counter()
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            path = collect(sweep_dir, free_name(sweep_dir))
        except (InputError, ValueError, OSError) as err:
            print(f"water-sim: could not combine the multirun: {err}", file=sys.stderr)
            return
        n, m = len(jobs(sweep_dir)), reused(sweep_dir)
        print(f"collected {n} jobs ({m} reused) in {time.perf_counter() - start:.1f} s: {path}")


__all__ = ["CollectCallback", "collect", "free_name", "jobs", "main", "reused"]
