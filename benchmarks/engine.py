"""Engine benchmark: throughput (unit-steps per second) and peak memory as the problem grows.

Each case runs in a fresh subprocess so that its peak resident memory (ru_maxrss) is its own.
The kernel is compiled (or loaded from numba's cache) before timing, as in a real run after the
first one. The engine is timed twice: the first run in the process ("engine") writes its
outputs into memory the process has never used, the second ("warm") into memory it has used
and freed. On a virtual machine the first touch of fresh memory can cost up to 3 s per GB
(the host backs the page), so the two differ most for the big cases. Usage::

    python benchmarks/engine.py            # all cases, markdown table on stdout
    python benchmarks/engine.py --case 5 30 day 100 chain
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

CASES = [
    # units, years, step, samples, topology ("chain-head": one reservoir, on the headwater)
    (5, 30, "day", 100, "chain-head"),  # the case: a 5-unit cascade with a reservoir
    (5, 30, "day", 100, "chain"),  # the same with a reservoir on every second unit
    (5, 30, "month", 1, "chain"),
    (50, 30, "month", 1, "tree"),
    (200, 30, "month", 1, "tree"),
    (1000, 30, "month", 1, "tree"),
    (5, 30, "day", 1, "chain"),
    (5, 30, "month", 10, "chain"),
    (5, 30, "month", 100, "chain"),
    (5, 30, "month", 1000, "chain"),
]


def run_case(units: int, years: int, step: str, samples: int, topology: str) -> dict:
    """Time one case in this process and return its numbers."""
    from sim.accounting import account, check_mass_balance
    from sim.engine import run_network
    from sim.synthetic import cascade_inputs

    run_network(cascade_inputs(3, 1, "month", 1))  # compile or load the kernel
    topo, _, res = topology.partition("-")
    inp = cascade_inputs(units, years, step, samples, topology=topo, reservoir=res or True)
    t0 = time.perf_counter()
    raw = run_network(inp)
    t1 = time.perf_counter()
    bal = account(inp, raw)
    check_mass_balance(bal)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del raw, bal
    t3 = time.perf_counter()
    run_network(inp)
    warm = time.perf_counter() - t3
    steps = inp.sizes["time"]
    unit_steps = units * steps * samples
    return {
        "units": units, "years": years, "step": step, "samples": samples, "topology": topology,
        "time_steps": steps, "engine_s": t1 - t0, "engine_warm_s": warm, "accounting_s": t2 - t1,
        "total_s": t2 - t0, "unit_steps_per_s": unit_steps / warm, "peak_rss_mb": peak,
    }  # fmt: skip


def main() -> None:
    """Run every case in a subprocess and print a markdown table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--case", nargs=5, metavar=("UNITS", "YEARS", "STEP", "SAMPLES", "TOPOLOGY"))
    args = ap.parse_args()
    if args.case:
        u, y, st, s, topo = args.case
        print(json.dumps(run_case(int(u), int(y), st, int(s), topo)))
        return
    print(
        "| units | topology | step | years | samples | engine [s] | engine, warm [s] | accounting [s] "
        "| unit-steps/s (warm) | peak RSS [MB] |"
    )
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for case in CASES:
        out = subprocess.run(
            [sys.executable, __file__, "--case", *map(str, case)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"| {r['units']} | {r['topology']} | {r['step']} | {r['years']} | {r['samples']} | "
            f"{r['engine_s']:.2f} | {r['engine_warm_s']:.2f} | {r['accounting_s']:.2f} | "
            f"{r['unit_steps_per_s']:.3g} | {r['peak_rss_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
