"""Structured-config schema of water-sim (registered in Hydra's ConfigStore).

A misspelt key or a value of the wrong type fails when Hydra composes the config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from sim.errors import InputError


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
    keep: str = "auto"  #: "stochastic": all | summary | auto (summary above 1 GB; sim/ensemble.py)
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
    """Shortage-type diagnosis and supply capacity (``docs/hydrology.md``)."""

    #: shortage type and supply capacity (two extra engine cases): true | false | auto (on except
    #: in a stochastic ensemble of more than one sample; see :func:`diagnosis_on`)
    diagnose: Any = "auto"
    demand_multiplier: float = 10.0  #: requirement factor for the supply capacity [1]
    resource_share: float = 0.9  #: share of the shortage left with unlimited works for "resource" [1]
    tolerance: float = 1e-3  #: shortage below tolerance x requirement counts as none [1]


@dataclass
class SweepConfig:
    """A sweep: many points run as one vectorised computation (``docs/sweeps.md``)."""

    method: str = "none"  #: none | grid | zip | lhs | sobol | csv | saltelli | morris
    parameters: dict[str, Any] = field(default_factory=dict)  #: {config key: [values] or [low, high]}
    n: int = 64  #: lhs/sobol: points; saltelli: base sample N (power of 2); morris: trajectories
    seed: int = 0  #: seed of the sampled designs
    file: str | None = None  #: csv: the table of points (a column per config key)
    num_levels: int = 4  #: morris: grid levels
    chunk: int = 0  #: points per vectorised block (0: as many as fit in max_memory_gb, at most 256)
    max_memory_gb: float = 4.0  #: memory a block may use [GB]
    resolution: str = "year"  #: year (annual sums) | step (every step, as results.nc)
    variables: list[str] = field(default_factory=list)  #: keep only these variables in sweep.nc ([]: all)
    outputs: list[str] = field(
        default_factory=lambda: ["withdrawal_saving", "consumption_saving", "shortage", "total_cost"]
    )  #: saltelli/morris: the outputs whose sensitivity is analysed (docs/sweeps.md)
    year: int | None = None  #: saltelli/morris: the year of the outputs (default: the last)


@dataclass
class EngineConfig:
    """Where the blocks of a sweep run (``docs/distributed.md``)."""

    name: str = "serial"  #: serial | dask
    scheduler_address: str | None = None  #: dask: tcp://host:port of a running scheduler (null: LocalCluster)
    n_workers: int = 2  #: dask LocalCluster: worker processes
    threads_per_worker: int = 1  #: dask LocalCluster: threads per worker
    memory_limit: str = "auto"  #: dask LocalCluster: memory limit per worker
    connect_timeout: float = 10.0  #: dask: seconds to wait for the scheduler [s]
    processes: bool = True  #: dask LocalCluster: workers are processes (else threads)
    sample_chunk: int = 0  #: samples of an ensemble per chunk (0: automatic; docs/distributed.md)
    threads: int = 0  #: serial: threads computing ensemble-summary chunks together (0: the cores)


@dataclass
class Config:
    """Top-level schema; the groups fill ``hydrology``, ``demand``, ``measures`` and ``report``."""

    region: str = "inner_mongolia"  #: built-in pack name or path to a pack folder
    run_name: str = "run"
    resume: bool = True  #: multirun: a job whose config hash ran before reuses its results
    time: TimeConfig = field(default_factory=TimeConfig)
    hydrology: HydrologyConfig = field(default_factory=HydrologyConfig)
    demand: dict[str, Any] = field(default_factory=dict)  #: options of each demand model
    drivers: dict[str, Any] = field(
        default_factory=lambda: {"set": {}, "scale": {}}
    )  #: drivers.set/scale.<model>.<driver>: change the pack's drivers (sim.pack.adjust)
    measures: dict[str, Any] = field(default_factory=dict)
    comparison: ComparisonConfig = field(default_factory=ComparisonConfig)
    risk: RiskConfig = field(default_factory=RiskConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    sweep: SweepConfig = field(default_factory=SweepConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)


def register() -> None:
    """Store the schemas in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="hydrology", name="base_hydrology", node=HydrologyConfig)
    cs.store(group="report", name="base_report", node=ReportConfig)
    cs.store(group="sweep", name="base_sweep", node=SweepConfig)
    cs.store(group="engine", name="base_engine", node=EngineConfig)


register()


def diagnosis_on(cfg: Any) -> bool:
    """Whether a run makes the shortage-type diagnosis (config key ``risk.diagnose``).

    ``true`` or ``false`` as given; ``auto`` (the default) is on, except in a stochastic
    ensemble of more than one sample: there the diagnosis's two extra engine cases would
    triple the allocation work for a per-sample result, while the shortage type by year type
    and the supply capacity at each guarantee rate come from design years
    (``hydrology=design``) at the cost of a few members (``docs/hydrology.md``).

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        The full configuration (keys ``risk.diagnose``, ``hydrology.name`` and
        ``hydrology.n_samples``).

    Raises
    ------
    sim.errors.InputError
        If ``risk.diagnose`` is not true, false or auto.
    """
    value = cfg.risk.diagnose
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    if text == "auto":
        return not (str(cfg.hydrology.name) == "stochastic" and int(cfg.hydrology.n_samples) > 1)
    raise InputError(f"config key 'risk.diagnose': expected true, false or auto, got {value!r}")


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
