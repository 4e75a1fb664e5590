"""Command line: ``water-sim [overrides]`` (also ``python -m sim``).

The only module that touches Hydra's runtime. Bad input ends with one line on stderr and
exit status 2.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import numpy as np
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

import sim.config  # noqa: F401  (registers the schema)
from sim.confdir import conf_dir
from sim.errors import InputError, MassBalanceError

logger = logging.getLogger("sim")


def _conf_dir() -> str:
    """Return the Hydra config folder (see :func:`sim.confdir.conf_dir`)."""
    return str(conf_dir())


def run(cfg: DictConfig, out_dir: Path) -> Path:
    """Simulate and write the results of one run into ``out_dir``.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration.
    out_dir : pathlib.Path
        Run directory (created by Hydra).

    Returns
    -------
    pathlib.Path
        Path of ``results.nc`` (``sweep.nc`` for a sweep, ``sweep.method`` not ``none``).
    """
    from sim.calibration import compare_targets, format_comparison, read_targets
    from sim.core import simulate
    from sim.io import annual_summary, write_csv, write_netcdf
    from sim.report_table import summary_table
    from sim.savings_table import savings_frame, savings_text

    if cfg.sweep.method != "none":
        from sim.sweep.cli import run_sweep_job

        return run_sweep_job(cfg, out_dir)
    import time

    start = time.perf_counter()
    results = out_dir / "results.nc"
    for path in (results, out_dir / "summary.csv", out_dir / "savings.csv"):
        if path.exists():
            raise InputError(f"{path}: already exists; water-sim never overwrites an earlier run")
    if cfg.report.name == "summary":  # a report that cannot be drawn fails before the run
        from sim.report.figures import check_language

        check_language(str(cfg.report.lang))
    bal = simulate(cfg)
    year = cfg.comparison.get("target_year")
    if "frequency" in bal.dims:
        parts = [(float(f), bal.sel(frequency=f)) for f in bal.frequency.values]
    else:
        parts = [(None, bal)]
    text = ""
    if cfg.report.print_table:
        blocks = []
        for f, sub in parts:
            head = "" if f is None else f"=== design year P = {f:.0%} ({year_type(f)}) ===\n"
            blocks.append(head + summary_table(sub) + "\n\n" + savings_text(sub, year))
        targets = read_targets(Path(bal.attrs["pack_path"]))
        if targets is not None and cfg.hydrology.name == "mean":
            blocks.insert(1, format_comparison(compare_targets(bal.sel(scenario=["baseline"]), targets)))
        text = "\n\n".join(blocks)
    if cfg.report.name == "summary":
        write_csv(_by_frequency(annual_summary, parts), out_dir / "summary.csv")
        write_csv(_by_frequency(lambda b: savings_frame(b, year), parts), out_dir / "savings.csv")
    write_netcdf(bal, results)
    if cfg.report.name == "summary":
        from sim.report import build_report

        report = build_report(bal, out_dir, lang=str(cfg.report.lang))
        text += f"\nreport: {report.html}"
    if text:
        print(text)
    members = int(np.prod([bal.sizes[d] for d in ("scenario", "sample", "frequency") if d in bal.sizes]))
    elapsed = time.perf_counter() - start
    print(f"run: 1 point ({members} scenario x sample members) in {elapsed:.1f} s: {results}")
    return results


def year_type(p: float) -> str:
    """Name of the year type of guarantee rate ``p`` (SL 429-2008 practice)."""
    names = {0.5: "normal year, 平水年", 0.75: "dry year, 枯水年", 0.95: "very dry year, 特枯水年"}
    return names.get(round(p, 6), "design year")


def _by_frequency(table, parts):
    """Concatenate a table of each design year, with a ``frequency`` column when there are several."""
    import pandas as pd

    frames = []
    for f, sub in parts:
        frame = table(sub)
        if f is not None:
            frame = frame.drop(columns=["frequency"], errors="ignore")
            frame.insert(0, "frequency", f)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@hydra.main(version_base="1.3", config_path=_conf_dir(), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    try:
        if hc.mode == RunMode.MULTIRUN:  # a finished job writes its config hash last (sim.resume)
            from sim import resume

            digest = resume.config_hash(cfg)
            if cfg.resume:
                source = resume.resume_job(digest, out_dir, Path(hc.sweep.dir))
                if source is not None:
                    logger.info("job %s: same config as %s, results reused", hc.job.num, source)
                    return
            run(cfg, out_dir)
            resume.mark_finished(out_dir, digest)
        else:
            run(cfg, out_dir)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except MassBalanceError as err:  # an engine fault, not bad input: nothing is written
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)


def report_main(argv: list[str]) -> int:
    """``water-sim report RUN_DIR [--lang en|zh]``: build the report of an earlier run.

    Returns
    -------
    int
        Exit status: 0, or 2 on bad input (one line on stderr, no traceback).
    """
    import argparse

    import xarray as xr

    from sim.report import build_report

    parser = argparse.ArgumentParser(prog="water-sim report", description="Build the report of a run folder.")
    parser.add_argument("run_dir", type=Path, help="a run folder holding results.nc")
    parser.add_argument("--lang", default="en", choices=("en", "zh"), help="language of labels and captions")
    args = parser.parse_args(argv)
    results = args.run_dir / "results.nc"
    try:
        if not results.is_file():
            raise InputError(f"{results}: no such file (give a run folder written by water-sim)")
        with xr.open_dataset(results) as ds:
            report = build_report(ds.load(), args.run_dir, lang=args.lang)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"report: {report.html}")
    return 0


def main() -> None:
    """Console-script entry point: ``water-sim [overrides]`` or ``water-sim report RUN_DIR``."""
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        sys.exit(report_main(sys.argv[2:]))
    from sim.overrides import check_measure_overrides

    try:
        check_measure_overrides(sys.argv[1:])
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    _hydra_main()


if __name__ == "__main__":
    main()
