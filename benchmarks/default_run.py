"""Wall time of the default job, interpreter start included (issue target: <= 3 s on 2 cores).

Runs ``water-sim report.print_table=false`` (the Inner Mongolia default: 20 units, monthly,
2022-2030, baseline) in fresh processes, with ``report=none`` and with the report, and prints
min / median wall time.
The first run after an install also compiles the numba kernel (or loads it from the cache);
it is reported separately.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def once(workdir: Path, i: int, *extra: str) -> float:
    """One run in a fresh interpreter; return its wall time [s]."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sim", "report.print_table=false", *extra, f"hydra.run.dir={workdir / f'run{i}'}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - t0


def main(repeat: int = 5) -> None:
    """Print the timings as a markdown table row."""
    print("| job | first run [s] | min [s] | median [s] | runs |")
    print("|---|---:|---:|---:|---:|")
    for label, extra in (("without the report (report=none)", ("report=none",)), ("with the report", ())):
        with tempfile.TemporaryDirectory() as tmp:
            first = once(Path(tmp), 0, *extra)
            times = [once(Path(tmp), i + 1, *extra) for i in range(repeat)]
        print(f"| {label} | {first:.2f} | {min(times):.2f} | {statistics.median(times):.2f} | {repeat} |")


if __name__ == "__main__":
    main()
