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
from sim.demand import load_model
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


def apply_demand_models(
    cfg: DictConfig, pack: Pack, axis: xr.Dataset, inputs: xr.Dataset
) -> tuple[xr.Dataset, dict[str, xr.DataArray]]:
    """Replace the requirement of every sector that names a demand model by the model's result.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration; ``cfg.demand.<model>`` holds each model's options.
    pack : sim.pack.Pack
        Loaded pack; ``sector_model(sector)`` names the model of each sector and
        ``pack.drivers[model]`` its drivers.
    axis : xarray.Dataset
        Time axis.
    inputs : xarray.Dataset
        Per-step inputs [hm3 per step].

    Returns
    -------
    inputs : xarray.Dataset
        With ``requirement`` replaced for the modelled sectors.
    diagnostics : dict of xarray.DataArray
        The models' other outputs, named ``<sector>_<variable>``.
    """
    diagnostics: dict[str, xr.DataArray] = {}
    if "sector_model" not in pack.data:
        return inputs, diagnostics
    requirement = inputs["requirement"].copy()
    for sector, model in zip(pack.data.sector.values, pack.data["sector_model"].values, strict=True):
        if not model:
            continue
        module = load_model(str(model))
        node = cfg.demand.get(str(model)) if "demand" in cfg else None
        options = dict(OmegaConf.to_container(node, resolve=True)) if node else {}
        options["base_year"] = int(pack.data.attrs["base_year"])
        result = module.requirement(pack.drivers[str(model)], axis, options)
        req = result["requirement"].transpose("time", "unit")
        requirement.loc[{"sector": sector}] = req.reindex(unit=requirement.unit.values).values
        for name, da in result.data_vars.items():
            if name != "requirement":
                diagnostics[f"{sector}_{name}"] = da
    return inputs.assign(requirement=requirement), diagnostics


def build_inputs(cfg: DictConfig, pack: Pack) -> tuple[xr.Dataset, dict[str, xr.DataArray]]:
    """Per-step inputs of the run and the demand-model diagnostics.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration.
    pack : sim.pack.Pack
        Loaded region pack.

    Returns
    -------
    inputs : xarray.Dataset
        Inputs in the layout of :func:`sim.inputs.expand_inputs` [hm3 per step].
    diagnostics : dict of xarray.DataArray
        Demand-model diagnostics (see :func:`apply_demand_models`).
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
    inputs, diagnostics = apply_demand_models(cfg, pack, axis, inputs)
    for name in ("runoff", "boundary_inflow"):
        inputs[name] = inputs[name] * float(hyd.runoff_factor)
    return inputs, diagnostics


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
    inputs, diagnostics = build_inputs(cfg, pack)
    raw = run_network(inputs)
    bal = account(inputs, raw)
    check_mass_balance(bal)
    for dim, labels in (("sample", [0]), ("scenario", ["baseline"])):
        if dim not in bal.dims:
            bal = bal.expand_dims({dim: labels})
    bal = bal.transpose("scenario", "sample", "time", ...)
    for coord in ("basin", "league", "unit_name"):
        if coord in pack.data.coords:
            bal = bal.assign_coords({coord: ("unit", pack.data[coord].values)})
    if "sector_group" in pack.data:
        bal = bal.assign_coords(sector_group=("sector", pack.data["sector_group"].values.astype(str)))
    for name, da in diagnostics.items():
        bal[name] = da
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
