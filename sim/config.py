"""Structured-config schema of water-sim (registered in Hydra's ConfigStore).

A misspelt key or a value of the wrong type fails when Hydra composes the config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


@dataclass
class TimeConfig:
    """Horizon and time step."""

    start: str = "2022-01"  #: first step, YYYY-MM or YYYY-MM-DD
    end: str = "2030-12"  #: last step (inclusive)
    step: str = "month"  #: "month" or "day"


@dataclass
class HydrologyConfig:
    """How the hydrological inputs are built."""

    name: str = "mean"  #: mean | design | stochastic | water_year | series (docs/hydrology.md)
    runoff_factor: float = 1.0  #: multiplier on runoff and boundary inflow [1]
    frequencies: list[float] = field(default_factory=list)  #: "design": guarantee rates P in (0, 1)
    n_samples: int = 100  #: "stochastic": number of samples
    seed: int = 0  #: "stochastic": seed of the random generator
    correlation: float | None = None  #: "stochastic": one-factor spatial correlation (null: the pack's)
    ar1: float | None = None  #: "stochastic": lag-1 correlation between years (null: the pack's)
    precip_runoff_corr: float = 0.9  #: "stochastic": correlation of precipitation and runoff [1]
    delta_precipitation: float = 0.0  #: climate change: precipitation change [%]
    delta_temperature: float = 0.0  #: climate change: temperature change [degC] (ET0 follows)
    delta_runoff: float = 0.0  #: climate change: runoff and inflow change [%]
    year_types: dict[str, float] = field(default_factory=dict)  #: "water_year": multiplier of each type
    sequence: list[str] = field(default_factory=list)  #: "water_year": year type of each year
    file: str | None = None  #: "series": CSV of annual factors (year, unit, variable, factor)


@dataclass
class ReportConfig:
    """What is written and printed at the end of a run."""

    name: str = "summary"  #: "summary": CSV tables, terminal tables and the report; "none": results.nc only
    print_table: bool = True
    lang: str = "en"  #: language of the report: "en" or "zh"


@dataclass
class ComparisonConfig:
    """How a scenario is compared with the baseline (``docs/configuration.md``)."""

    scenario: str = "scenario"  #: label of the scenario with the measures on
    discount_rate: float = 0.06  #: for the capital recovery factor [1/a]
    attribution: str = "shapley"  #: "shapley" | "one_at_a_time" | "none"
    max_shapley: int = 15  #: most measures for exact Shapley values (2^n runs)
    chunk: int = 256  #: subsets run together in the attribution (memory ~ chunk x one run)
    cap_counts_unconventional: bool = False  #: count reclaimed/harvested/other water against caps
    target_year: int | None = None  #: year shown in savings.csv and the table (default: last)


@dataclass
class RiskConfig:
    """Risk diagnosis of every run (``docs/hydrology.md``)."""

    diagnose: bool = True  #: shortage type and supply capacity (two extra engine cases)
    demand_multiplier: float = 10.0  #: requirement factor for the supply capacity [1]
    resource_share: float = 0.9  #: share of the shortage left with unlimited works for "resource" [1]
    tolerance: float = 1e-3  #: shortage below tolerance x requirement counts as none [1]


@dataclass
class Config:
    """Top-level schema; the groups fill ``hydrology``, ``demand``, ``measures`` and ``report``."""

    region: str = "inner_mongolia"  #: built-in pack name or path to a pack folder
    run_name: str = "run"
    resume: bool = True  #: multirun: a job whose config hash ran before reuses its results
    time: TimeConfig = field(default_factory=TimeConfig)
    hydrology: HydrologyConfig = field(default_factory=HydrologyConfig)
    demand: dict[str, Any] = field(default_factory=dict)  #: options of each demand model
    measures: dict[str, Any] = field(default_factory=dict)
    comparison: ComparisonConfig = field(default_factory=ComparisonConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


def register() -> None:
    """Store the schemas in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="hydrology", name="base_hydrology", node=HydrologyConfig)
    cs.store(group="report", name="base_report", node=ReportConfig)


register()


def compose(overrides: list[str] | None = None, return_hydra_config: bool = False) -> Any:
    """Compose the configuration as the command line would, without running anything.

    Parameters
    ----------
    overrides : list of str, optional
        Hydra overrides, e.g. ``["scenario=action_plan", "time.end=2035-12"]``.
    return_hydra_config : bool
        Keep Hydra's own node ``hydra`` (launcher, sweep folders, ...) in the result; it also
        takes overrides such as ``hydra/launcher=slurm_example``.

    Returns
    -------
    omegaconf.DictConfig
        The composed configuration, ready for :func:`sim.simulate`.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from sim.confdir import conf_dir

    with initialize_config_dir(str(conf_dir()), version_base="1.3"):
        return hydra_compose(
            "config", overrides=list(overrides or []), return_hydra_config=return_hydra_config
        )
