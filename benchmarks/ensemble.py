"""Wall time and peak memory of a stochastic ensemble of the Inner Mongolia default.

Issue 5's target: 1000 samples, monthly 2022-2035, baseline plus one scenario, in <= 10 s on
2 cores with peak memory <= 4 GB. Runs ``sim.simulate`` in a fresh process per case, after one
warm-up run that fills numba's cache.

Memory is that of the whole process tree: the run forks worker processes for its chunks
(``engine.pool=process``), which share the parent's pages until they write them. This script
reads the proportional set size (PSS: each shared page divided among the processes sharing it,
so the sum over processes is the physical memory they use) of the case and its children from
``/proc/<pid>/smaps_rollup`` every 0.5 s, and reports the largest sum. Where that file does not
exist (not Linux), it reports the case's own peak RSS plus its largest child's.

    python benchmarks/ensemble.py [n_samples ...] [--pool=process|thread] [--no-diagnosis]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

CASE = r"""
import json, resource, sys, time
import sim
n, diagnose, pool = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3]
cfg = sim.compose([
    "hydrology=stochastic", f"hydrology.n_samples={n}", "time.end=2035-12",
    "measures=[leakage_control]", "comparison.attribution=none", f"risk.diagnose={diagnose}",
    f"engine.pool={pool}",
])
t0 = time.perf_counter()
ds = sim.simulate(cfg)
wall = time.perf_counter() - t0
rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print(json.dumps({"wall": wall, "rss": rss, "members": int(ds.sizes["sample"] * ds.sizes["scenario"])}))
"""

#: seconds between two readings of the process tree's memory
INTERVAL = 0.5


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc/<pid>/task/<tid>/children``)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def _pss_mb(pid: int) -> float | None:
    """PSS of ``pid`` and its descendants [MB], or None where ``smaps_rollup`` is missing."""
    total, found = 0.0, False
    for p in _tree(pid):
        try:
            text = Path(f"/proc/{p}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) / 1024
                found = True
    return total if found else None


def run(n: int, diagnose: bool, pool: str) -> dict:
    """One case in a fresh interpreter; return its wall time [s] and peak memory [MB]."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CASE, str(n), "1" if diagnose else "0", pool],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak: list[float] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(INTERVAL):
            pss = _pss_mb(proc.pid)
            if pss is not None:
                peak.append(pss)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    done.set()
    watcher.join()
    if proc.returncode != 0:
        raise RuntimeError(f"case {n} samples failed:\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    result["memory"] = max(peak) if peak and os.path.exists("/proc/self/smaps_rollup") else result["rss"]
    return result


def main() -> None:
    """Print a markdown table row per ensemble size, with and without the diagnosis."""
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    sizes = [int(a) for a in sys.argv[1:] if not a.startswith("--")] or [100, 300, 1000]
    pool = next((f.split("=", 1)[1] for f in flags if f.startswith("--pool=")), "auto")
    cases = (False,) if "--no-diagnosis" in flags else (False, True)
    run(2, False, pool)  # warm-up: numba cache
    print(f"engine.pool={pool}")
    print("| samples | members | diagnosis | wall [s] | peak memory [MB] |")
    print("|---:|---:|---|---:|---:|")
    for n in sizes:
        for diagnose in cases:
            r = run(n, diagnose, pool)
            print(
                f"| {n} | {r['members']} | {'on' if diagnose else 'off'} | {r['wall']:.1f} | {r['memory']:.0f} |"
            )


if __name__ == "__main__":
    main()
