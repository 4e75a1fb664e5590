"""The Hydra-free entry point: ``simulate(cfg) -> xarray.Dataset``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.accounting import account, check_mass_balance
from sim.config import Config
from sim.engine import run_network
from sim.errors import InputError
from sim.inputs import expand_inputs
from sim.pack import Pack, load_pack
from sim.timeaxis import make_time_axis
from sim.variables import annotate

logger = logging.getLogger(__name__)


def _as_config(cfg: Config | DictConfig | Mapping[str, Any] | None) -> DictConfig:
    """Merge ``cfg`` over the schema defaults, so that partial configs work from Python."""
    base = OmegaConf.structured(Config)
    if cfg is None:
        return base
    if not isinstance(cfg, DictConfig):
        cfg = OmegaConf.create(cfg if isinstance(cfg, Mapping) else OmegaConf.structured(cfg))
    try:
        return OmegaConf.merge(base, cfg)
    except Exception as err:  # omegaconf raises several types for bad keys/values
        raise InputError(f"config: {str(err).splitlines()[0]}") from err


def build_inputs(cfg: DictConfig, pack: Pack) -> xr.Dataset:
    """Per-step inputs of the run, with ``scenario`` and ``sample`` dimensions.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration.
    pack : sim.pack.Pack
        Loaded region pack.

    Returns
    -------
    xarray.Dataset
        Inputs in the layout of :func:`sim.inputs.expand_inputs` [hm3 per step].
    """
    axis = make_time_axis(str(cfg.time.start), str(cfg.time.end), str(cfg.time.step))
    hyd = cfg.hydrology
    if hyd.name != "mean":
        raise InputError(f"config key 'hydrology.name': expected 'mean', got '{hyd.name}'")
    if not np.isfinite(hyd.runoff_factor) or hyd.runoff_factor < 0:
        raise InputError(
            f"config key 'hydrology.runoff_factor': expected a number >= 0, got {hyd.runoff_factor}"
        )
    inputs = expand_inputs(pack.data, axis, pack.series)
    for name in ("runoff", "boundary_inflow"):
        inputs[name] = inputs[name] * float(hyd.runoff_factor)
    if "scenario" not in inputs.dims:
        inputs = inputs.expand_dims(scenario=["baseline"])
    if "sample" not in inputs.dims:
        inputs = inputs.expand_dims(sample=[0])
    for name in list(inputs.data_vars):
        if "scenario" in inputs[name].dims and inputs[name].sizes["scenario"] == 1:
            inputs[name] = inputs[name].isel(scenario=0, drop=True)
        if "sample" in inputs[name].dims and inputs[name].sizes["sample"] == 1:
            inputs[name] = inputs[name].isel(sample=0, drop=True)
    return inputs


def simulate(cfg: Config | DictConfig | Mapping[str, Any] | None = None) -> xr.Dataset:
    """Run water-sim for a configuration and return the balance Dataset.

    Parameters
    ----------
    cfg : Config, DictConfig or mapping, optional
        The configuration (``conf/config.yaml`` schema). Missing keys take the schema
        defaults, so ``simulate({"region": "example"})`` works.

    Returns
    -------
    xarray.Dataset
        Dims ``scenario, sample, time, unit, sector, source`` (and ``link``); variables
        in ``docs/outputs.md``; every volume in hm3 per step.

    Raises
    ------
    sim.errors.InputError
        Bad pack or config (one-line message).
    sim.accounting.MassBalanceError
        If the water balance of a unit and step does not close.
    """
    cfg = _as_config(cfg)
    pack = load_pack(str(cfg.region))
    inputs = build_inputs(cfg, pack)
    raw = run_network(inputs)
    bal = account(inputs, raw)
    check_mass_balance(bal)
    bal = bal.transpose("scenario", "sample", "time", ...)
    for coord in ("basin", "league", "unit_name"):
        if coord in pack.data.coords:
            bal = bal.assign_coords({coord: ("unit", pack.data[coord].values)})
    bal = annotate(bal)
    bal.attrs.update(
        title=f"water-sim water balance: {pack.name}",
        pack=pack.name,
        pack_path=str(pack.path),
        water_sim_version=__version__,
        config=OmegaConf.to_yaml(cfg),
        time_step=str(cfg.time.step),
        Conventions="CF-1.8",
    )
    logger.info("simulated %s: %d steps x %d units", pack.name, bal.sizes["time"], bal.sizes["unit"])
    return bal
