"""A 1000-point sweep of the Inner Mongolia default: vectorised, against a plain Hydra multirun.

The design is a 10 × 10 × 10 grid over three levers of the action plan (so that a plain
``water-sim -m`` multirun, a cartesian product, runs exactly the same points): the price
elasticity of unified management, the coverage of canal lining and the saving of household
appliances. Both sides use the same configuration: ``scenario=action_plan``, monthly
2022–2030, ``comparison.attribution=none`` (a sweep does not attribute), the diagnosis on.

* vectorised: ``sim.sweep.run_sweep`` over the first N points (10 … 10⁴; 10⁴ repeats the grid
  with a finer elasticity axis, and keeps five summary variables: all of them would need
  about 8 GB), each size in a fresh process, after a warm-up;
* multirun: ``water-sim -m`` with the basic launcher (jobs one after another in one process)
  over ``--jobs`` points of the grid (default 10), timed as a whole, then extrapolated to 1000
  jobs: start-up + 1000 × the time per job;
* dask: the 1000 points with ``engine=dask`` on a LocalCluster of 1 and 2 workers.

    python benchmarks/sweep.py [--sizes 10 100 1000] [--jobs 10] [--dask]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

import numpy as np

BASE = ["scenario=action_plan", "comparison.attribution=none", "report=none"]
AXES = {
    "measures.unified_management.price_elasticity": np.linspace(-0.26, -0.1, 10).round(4).tolist(),
    "measures.canal_lining.coverage": np.linspace(0.15, 0.6, 10).round(4).tolist(),
    "measures.household_saving.saving": np.linspace(0.08, 0.25, 10).round(4).tolist(),
}

CASE = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
import sim
from sim.sweep.points import make_points
from sim.sweep.run import run_sweep
n, axes, base, engine = int(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
variables = json.loads(sys.argv[5])
cfg = sim.compose(base + ([f"engine=dask", f"engine.n_workers={engine}"] if engine != "serial" else []))
if n > 1000:  # a finer first axis: n / 100 values
    first = next(iter(axes))
    lo, hi = min(axes[first]), max(axes[first])
    axes[first] = np.linspace(lo, hi, n // 100).tolist()
points = make_points({"method": "grid", "parameters": axes}, cfg).iloc[:n]
mapper = None
if engine != "serial":
    from sim.distributed import EngineSettings, map_chunks
    settings = EngineSettings.from_config(cfg.engine)
    mapper = lambda fn, tasks, desc: map_chunks(fn, tasks, settings, desc=desc)
t0 = time.perf_counter()
ds = run_sweep(cfg, points, mapper=mapper, variables=variables)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rss": rss, "points": int(ds.sizes["sweep"]), "mb": ds.nbytes / 1e6}))
"""


#: the outputs kept for the largest sweeps (all variables of 10^4 points need about 8 GB)
SUMMARY = ["withdrawal_saving", "consumption_saving", "shortage", "cap_use", "total_cost"]


def vectorised(n: int, engine: str = "serial", variables: list[str] | None = None) -> dict:
    """One sweep size in a fresh interpreter: wall time [s], peak RSS [MB], result size [MB]."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CASE,
            str(n),
            json.dumps(AXES),
            json.dumps(BASE),
            engine,
            json.dumps(variables or []),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def multirun(jobs: int) -> dict:
    """A plain multirun of ``jobs`` points of the grid; time per job and the 1000-job estimate [s]."""
    keys = list(AXES)
    values = [AXES[keys[0]][:jobs]] + [[AXES[k][0]] for k in keys[1:]]
    overrides = [f"++{k}={','.join(str(v) for v in vs)}" for k, vs in zip(keys, values, strict=True)]
    with tempfile.TemporaryDirectory() as tmp:
        base = [*BASE, "hydra.callbacks={}", f"hydra.sweep.dir={tmp}/multi"]
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "-m", *base, *overrides], check=True, capture_output=True
        )
        total = time.perf_counter() - start
        one = time.perf_counter()
        first = [f"++{k}={vs[0]}" for k, vs in zip(keys, values, strict=True)]
        base_one = [*BASE, "hydra.callbacks={}", f"hydra.sweep.dir={tmp}/one"]
        subprocess.run(
            [sys.executable, "-m", "sim", "-m", *base_one, *first], check=True, capture_output=True
        )
        single = time.perf_counter() - one
    per_job = (total - single) / (jobs - 1)
    startup = single - per_job
    return {
        "jobs": jobs,
        "total": total,
        "per_job": per_job,
        "startup": startup,
        "estimate_1000": startup + 1000 * per_job,
    }


def main() -> None:
    """Print the tables of docs/performance.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000, 10000])
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--dask", action="store_true")
    args = parser.parse_args()
    vectorised(2)  # warm-up: numba cache
    rows = {}
    print("| points | variables | wall [s] | per point [ms] | peak RSS [MB] | sweep.nc in memory [MB] |")
    print("|---:|---|---:|---:|---:|---:|")
    for n in args.sizes:
        kept = SUMMARY if n > 1000 else None
        r = vectorised(n, variables=kept)
        rows[n] = r
        label = "5 summary" if kept else "all"
        print(
            f"| {n} | {label} | {r['wall']:.1f} | {1000 * r['wall'] / n:.0f} | {r['rss']:.0f} | {r['mb']:.0f} |"
        )
    if args.jobs:
        m = multirun(args.jobs)
        print()
        print(
            f"multirun: {m['jobs']} jobs in {m['total']:.1f} s; start-up {m['startup']:.1f} s, "
            f"{m['per_job']:.2f} s per job; 1000 jobs ≈ {m['estimate_1000']:.0f} s"
        )
        if 1000 in rows:
            print(
                f"speed-up of the vectorised sweep at 1000 points: {m['estimate_1000'] / rows[1000]['wall']:.0f}x"
            )
    if args.dask:
        print()
        print("| engine | workers | points | wall [s] | peak RSS of the client [MB] |")
        print("|---|---:|---:|---:|---:|")
        for workers in (1, 2):
            r = vectorised(1000, str(workers))
            print(f"| dask LocalCluster | {workers} | 1000 | {r['wall']:.1f} | {r['rss']:.0f} |")


if __name__ == "__main__":
    main()
