"""Wall time and peak memory of a stochastic ensemble of the Inner Mongolia default.

Issue 5's target: 1000 samples, monthly 2022-2035, baseline plus one scenario, in <= 10 s on
2 cores with peak memory <= 4 GB. Each size runs as configured by default
(``risk.diagnose=auto``: no shortage-type diagnosis in an ensemble) and with
``risk.diagnose=true``. Runs ``sim.simulate`` in a fresh process per case (so the peak RSS is
the case's own), after one warm-up run that fills numba's cache.

    python benchmarks/ensemble.py [n_samples ...]
"""

from __future__ import annotations

import json
import subprocess
import sys

CASE = r"""
import json, resource, sys, time
import sim
n, diagnose = int(sys.argv[1]), sys.argv[2] == "1"
cfg = sim.compose([
    "hydrology=stochastic", f"hydrology.n_samples={n}", "time.end=2035-12",
    "measures=[leakage_control]", "comparison.attribution=none", *(["risk.diagnose=true"] if diagnose else []),
])
t0 = time.perf_counter()
ds = sim.simulate(cfg)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"wall": wall, "rss": rss, "members": int(ds.sizes["sample"] * ds.sizes["scenario"])}))
"""


def run(n: int, diagnose: bool) -> dict:
    """One case in a fresh interpreter; return its wall time [s] and peak RSS [MB]."""
    out = subprocess.run(
        [sys.executable, "-c", CASE, str(n), "1" if diagnose else "0"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print a markdown table row per ensemble size, with and without the diagnosis."""
    sizes = [int(a) for a in sys.argv[1:]] or [100, 300, 1000]
    run(2, False)  # warm-up: numba cache
    print("| samples | members | diagnosis | wall [s] | peak RSS [MB] |")
    print("|---:|---:|---|---:|---:|")
    for n in sizes:
        for diagnose in (False, True):
            r = run(n, diagnose)
            print(
                f"| {n} | {r['members']} | {'on' if diagnose else 'off (default)'} | {r['wall']:.1f} | {r['rss']:.0f} |"
            )


if __name__ == "__main__":
    main()
