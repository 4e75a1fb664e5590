"""Command line: ``water-sim [overrides]`` (also ``python -m sim``).

The only module that touches Hydra's runtime. Bad input ends with one line on stderr and
exit status 2.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
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
        Path of ``results.nc``.
    """
    from sim.calibration import compare_targets, format_comparison, read_targets
    from sim.core import simulate
    from sim.io import annual_summary, write_csv, write_netcdf
    from sim.report_table import summary_table
    from sim.savings_table import savings_frame, savings_text

    results = out_dir / "results.nc"
    for path in (results, out_dir / "summary.csv", out_dir / "savings.csv"):
        if path.exists():
            raise InputError(f"{path}: already exists; water-sim never overwrites an earlier run")
    bal = simulate(cfg)
    year = cfg.comparison.get("target_year")
    text = ""
    if cfg.report.print_table:
        text = summary_table(bal)
        targets = read_targets(Path(bal.attrs["pack_path"]))
        if targets is not None:
            text += "\n\n" + format_comparison(compare_targets(bal.sel(scenario=["baseline"]), targets))
        text += "\n\n" + savings_text(bal, year)
    if cfg.report.name == "summary":
        write_csv(annual_summary(bal), out_dir / "summary.csv")
        write_csv(savings_frame(bal, year), out_dir / "savings.csv")
    write_netcdf(bal, results)
    if text:
        print(text)
    print(f"results: {results}")
    return results


@hydra.main(version_base="1.3", config_path=_conf_dir(), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        run(cfg, out_dir)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except MassBalanceError as err:  # an engine fault, not bad input: nothing is written
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)


def main() -> None:
    """Console-script entry point."""
    _hydra_main()


if __name__ == "__main__":
    main()
