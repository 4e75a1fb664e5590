"""Time and memory of the savings comparison with exact Shapley attribution.

Runs the Inner Mongolia pack (20 units, monthly, 2022-2030) for the scenario packages
with 1, 5, 9 and 15 measures in this process (the numba kernel compiled by a warm-up run)
and prints, per package: the number of measures, the subsets the attribution evaluated
(each connected part of the network runs the 2^m subsets of its m active measures, out
of 2^n for the whole pack), wall time and the growth of peak memory (ru_maxrss).

    python benchmarks/attribution.py
"""

from __future__ import annotations

import resource
import time

import sim
from sim.attribution import relevant_measures
from sim.core import build_inputs
from sim.pack import load_pack
from sim.scenario import configured_measures


def main() -> None:
    """Print a markdown table, one row per scenario package."""
    sim.simulate(sim.compose(["scenario=industry_only"]))  # warm-up: numba cache, imports
    print("| package | measures | subsets run (whole pack 2^n) | wall [s] | peak RSS [MB] |")
    print("|---|---:|---:|---:|---:|")
    pack = load_pack("inner_mongolia")
    for name in ("industry_only", "cities_only", "agriculture_only", "action_plan"):
        cfg = sim.compose([f"scenario={name}"])
        ms = configured_measures(cfg.measures)
        parts = relevant_measures(cfg, pack, ms, build_inputs)
        runs = sum((2 ** len(r)) * len(u) for u, r in parts)
        t0 = time.perf_counter()
        sim.simulate(cfg)
        wall = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"| {name} | {len(ms)} | {runs:,} unit-subsets ({2 ** len(ms) * 20:,}) | {wall:.1f} | {rss:.0f} |"
        )


if __name__ == "__main__":
    main()
