"""The Hydra-free entry point: ``simulate(cfg) -> xarray.Dataset``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import xarray as xr
from omegaconf import DictConfig, OmegaConf

from sim import __version__
from sim.accounting import account
from sim.attribution import KINDS, annual_use_raw, attribute
from sim.caps import load_caps
from sim.comparison import cap_status, cost_per_m3, costs, savings
from sim.config import Config, diagnosis_on
from sim.demand import load_model
from sim.demand._memo import content_key
from sim.diagnosis import diagnose
from sim.engine import SOURCES, batch_dims, run_network
from sim.ensemble import (
    DIAGNOSIS_FACTOR,
    bytes_per_sample,
    chunk_size,
    join_chunks,
    keep_mode,
    mark_means,
    reduce_chunk,
)
from sim.errors import InputError
from sim.heap import retained_heap
from sim.hydrology import climate
from sim.hydrology.climate import check_deltas
from sim.hydrology.statistics import load_correlation, load_statistics
from sim.inputs import expand_inputs
from sim.measures import State
from sim.pack import Pack, load_pack
from sim.pack.adjust import adjust_drivers
from sim.risk import risk_dataset
from sim.scenario import (
    Measure,
    apply_driver_changes,
    apply_input_changes,
    at_scenarios,
    configured_measures,
    level,
    scenario_matrix,
)
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
        key = getattr(err, "full_key", None)
        where = f"config key '{key}'" if key else "config"
        raise InputError(f"{where}: {str(err).splitlines()[0]}") from err


def apply_demand_models(
    cfg: DictConfig,
    pack: Pack,
    axis: xr.Dataset,
    inputs: xr.Dataset,
    drivers: Mapping[str, xr.Dataset] | None = None,
    cache: dict | None = None,
) -> tuple[xr.Dataset, dict[str, xr.DataArray]]:
    """Replace the requirement of every sector that names a demand model by the model's result.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration; ``cfg.demand.<model>`` holds each model's options.
    pack : sim.pack.Pack
        Loaded pack; ``sector_model(sector)`` names the model of each sector.
    axis : xarray.Dataset
        Time axis.
    inputs : xarray.Dataset
        Per-step inputs [hm3 per step].
    drivers : mapping of xarray.Dataset, optional
        Drivers by model (default ``pack.drivers``); measures pass drivers that vary
        along ``scenario`` and ``time``, and the requirement then varies along them too.
    cache : dict, optional
        Keeps the result of a model that does not vary along ``sample`` (e.g. domestic use
        under a stochastic hydrology), keyed by the model and the content of its drivers
        that do not vary along ``sample``, so that the chunks of an ensemble run it once.
        Only for calls with the same ``cfg`` and time axis. (A model is elementwise along
        the batch dimensions: its result varies along ``sample`` where its drivers do.)

    Returns
    -------
    inputs : xarray.Dataset
        With ``requirement`` replaced for the modelled sectors, and
        ``consumption_fraction`` for the sectors whose model sets it (irrigation with a
        ``loss_consumed_share`` driver).
    diagnostics : dict of xarray.DataArray
        The models' other outputs, named ``<sector>_<variable>``.
    """
    diagnostics: dict[str, xr.DataArray] = {}
    if "sector_model" not in pack.data:
        return inputs, diagnostics
    drivers = pack.drivers if drivers is None else drivers
    sectors = [str(s) for s in pack.data.sector.values]
    req_parts = {s: inputs["requirement"].sel(sector=s, drop=True) for s in sectors}
    cf_parts = {s: inputs["consumption_fraction"].sel(sector=s, drop=True) for s in sectors}
    set_cf = False
    results: dict[str, xr.Dataset] = {}
    for sector, model in zip(sectors, pack.data["sector_model"].values, strict=True):
        if not model:
            continue
        model = str(model)
        if model not in results:
            # a model whose result varied along ``sample`` in an earlier chunk is not kept, so
            # its (costly) key is not computed again
            keep = cache is not None and ("demand_model_by_sample", model) not in cache
            key = ("demand_model", model, content_key(drivers[model], skip_dim="sample")) if keep else None
            if key is not None and key in cache:
                results[model] = cache[key]
            else:
                module = load_model(model)
                node = cfg.demand.get(model) if "demand" in cfg else None
                options = dict(OmegaConf.to_container(node, resolve=True)) if node else {}
                options["base_year"] = int(pack.data.attrs["base_year"])
                results[model] = module.requirement(drivers[model], axis, options)
                if key is not None and "sample" not in results[model].dims:
                    cache[key] = results[model]
                elif key is not None:
                    cache[("demand_model_by_sample", model)] = True
        result = results[model]
        req_parts[sector] = result["requirement"].reindex(unit=inputs.unit.values)
        if "consumption_fraction" in result:
            cf_parts[sector] = result["consumption_fraction"].reindex(unit=inputs.unit.values)
            set_cf = True
        for name, da in result.data_vars.items():
            if name not in ("requirement", "consumption_fraction"):
                diagnostics[f"{sector}_{name}"] = da
    attrs = {"units": "hm3", "long_name": "requirement at the source by sector (withdrawal per step)"}
    inputs = inputs.assign(requirement=_stack_sectors(req_parts, attrs))
    if set_cf:
        cf = _stack_sectors(cf_parts, inputs["consumption_fraction"].attrs)
        inputs = inputs.assign(consumption_fraction=cf)
    return inputs, diagnostics


def _stack_sectors(parts: Mapping[str, xr.DataArray], attrs: Mapping) -> xr.DataArray:
    """Stack per-sector arrays along a new last dim ``sector``, broadcast against each other.

    The result's dims are the batch dims, then ``time`` and ``unit`` where present, then
    ``sector``; its attributes are ``attrs``. The values and coordinates are those of
    ``xr.concat`` of the broadcast parts, written once into a C-ordered array: the layout
    the engine reads, so :func:`sim.engine.run_network` needs no copy of its own.
    """
    arrays = xr.broadcast(*parts.values())
    dims = arrays[0].dims
    order = [d for d in dims if d not in ("time", "unit")] + [d for d in ("time", "unit") if d in dims]
    first = arrays[0].transpose(*order)
    out = np.empty((*first.shape, len(arrays)), dtype=np.result_type(*(da.dtype for da in arrays)))
    for i, da in enumerate(arrays):
        out[..., i] = da.transpose(*order).values
    stacked = xr.DataArray(out, dims=(*order, "sector"), coords=dict(first.coords), attrs=dict(attrs))
    return stacked.assign_coords(sector=list(parts))


def hydrology_factors(
    hyd: DictConfig, pack: Pack, axis: xr.Dataset, samples: slice | None = None, cache: dict | None = None
) -> xr.Dataset | None:
    """Multipliers of the pack's mean hydrology for ``hydrology.name`` (None for ``mean``).

    ``samples`` keeps these samples of a stochastic hydrology (the whole ensemble's normal
    scores are drawn, only these are transformed: see
    :func:`sim.hydrology.stochastic.annual_factors`). ``cache`` keeps the pack's hydrology
    statistics and correlation between calls with the same ``pack`` (the chunks of an
    ensemble read the files once).

    Returns
    -------
    xarray.Dataset or None
        ``design``: over (frequency, unit); ``stochastic``: over (sample, year, unit);
        ``water_year`` and ``series``: over (year, unit) [1] (the variables of
        :func:`sim.hydrology.design.design_factors`).
    """
    names = ("mean", "design", "stochastic", "water_year", "series")
    if hyd.name not in names:
        raise InputError(f"config key 'hydrology.name': expected one of {', '.join(names)}, got '{hyd.name}'")
    if hyd.name == "mean":
        return None
    # imported in their branches: the design years and sequences load scipy.stats (1 s),
    # which the mean hydrology and the stochastic one (scipy.special only) do not need
    stats = _cached(cache, ("hydrology_statistics",), lambda: load_statistics(pack))
    units = [str(u) for u in pack.data.unit.values]
    years = [int(y) for y in np.unique(axis["year"].values)]
    if hyd.name in ("water_year", "series"):
        from sim.hydrology.sequences import series_factors, water_year_factors

        if hyd.name == "water_year":
            types = dict(hyd.year_types) if hyd.year_types else {}
            return water_year_factors(units, years, types, list(hyd.sequence), stats)
        if not hyd.file:
            raise InputError("config key 'hydrology.file': give the CSV of annual factors")
        return series_factors(str(hyd.file), units, years, stats)
    if stats is None:
        raise InputError(
            f"config key 'hydrology': {hyd.name} hydrology needs the pack's hydrology.csv "
            f"(Cv and Cs/Cv of precipitation and runoff); {pack.path} has none"
        )
    if hyd.name == "design":
        from sim.hydrology.design import check_frequencies, design_factors

        return design_factors(stats, check_frequencies(list(hyd.frequencies)))
    from sim.hydrology.stochastic import annual_factors

    correlation = hyd.correlation
    if correlation is None:
        matrix = _cached(cache, ("hydrology_correlation",), lambda: load_correlation(pack))
        correlation = matrix if matrix is not None else float(stats["precipitation_correlation"].mean())
    ar1 = hyd.ar1 if hyd.ar1 is not None else float(stats["precipitation_ar1"].mean())
    years = np.unique(axis["year"].values)
    return annual_factors(
        stats,
        years,
        hyd.n_samples,
        hyd.seed,
        correlation,
        float(ar1),
        float(hyd.precip_runoff_corr),
        samples=samples,
    )


def _hydrology_drivers(pack: Pack, factors: xr.Dataset | None, deltas: tuple[float, float, float]) -> dict:
    drivers = dict(pack.drivers)
    if factors is not None:
        from sim.hydrology.scaling import scale_drivers

        drivers = scale_drivers(drivers, factors)
    return climate.apply_to_drivers(drivers, deltas[0], deltas[1])


def _cached(cache: dict | None, key: tuple, make: Callable[[], Any]) -> Any:
    """``cache[key]``, made by ``make()`` the first time (no cache: made every time)."""
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cache[key]


def build_inputs(
    cfg: DictConfig,
    pack: Pack,
    measures: Sequence[Measure] = (),
    on: xr.DataArray | None = None,
    units: Sequence[str] | None = None,
    extents: bool = True,
    cache: dict | None = None,
    samples: slice | None = None,
) -> tuple[xr.Dataset, dict[str, xr.DataArray], dict[str, xr.DataArray]]:
    """Per-step inputs of the run, the demand-model diagnostics and the measures' extents.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration.
    pack : sim.pack.Pack
        Loaded region pack.
    measures : sequence of sim.scenario.Measure, optional
        The measures, in the order they apply (:func:`sim.scenario.configured_measures`).
    on : xarray.DataArray, optional
        0/1 matrix ``on(scenario, measure)``; the inputs then vary along ``scenario``.
    units : sequence of str, optional
        Build the inputs of these units only (a part of the network closed under its
        links, see :meth:`sim.pack.Pack.select_units`). The measures' levels are still
        worked out over the whole pack (a coverage path is shared by all units).
    extents : bool
        Also return the measures' extents (the attribution does not need them).
    cache : dict, optional
        Keeps the pack's own inputs (before any measure) between calls with the same
        ``units``, e.g. across the blocks of the attribution or the chunks of an ensemble,
        and the factors of a design, water-year or series hydrology. Only for calls with the
        same ``cfg`` and ``pack``.
    samples : slice, optional
        Keep these samples of a stochastic hydrology (the normal scores of all are drawn,
        those of the slice transformed, so a chunk of samples is the same as those samples
        of the whole ensemble).

    Returns
    -------
    inputs : xarray.Dataset
        Inputs in the layout of :func:`sim.inputs.expand_inputs` [hm3 per step].
    diagnostics : dict of xarray.DataArray
        Demand-model diagnostics (see :func:`apply_demand_models`).
    extents : dict of xarray.DataArray
        Extent of each measure over ``(scenario, time, unit)``, in its ``EXTENT`` units.
    """
    axis = make_time_axis(str(cfg.time.start), str(cfg.time.end), str(cfg.time.step))
    hyd = cfg.hydrology
    if samples is not None and hyd.name == "stochastic":
        # each chunk transforms its own samples (the costly part of the draw)
        factors = hydrology_factors(hyd, pack, axis, samples, cache)
    else:
        factors = _cached(cache, ("hydrology_factors",), lambda: hydrology_factors(hyd, pack, axis))
        if samples is not None and factors is not None and "sample" in factors.dims:
            factors = factors.isel(sample=samples)
    deltas = check_deltas(hyd.delta_precipitation, hyd.delta_temperature, hyd.delta_runoff)
    if not np.isfinite(hyd.runoff_factor) or hyd.runoff_factor < 0:
        raise InputError(
            f"config key 'hydrology.runoff_factor': expected a number >= 0, got {hyd.runoff_factor}"
        )
    drivers = _hydrology_drivers(pack, factors, deltas)
    state = State(pack=pack, axis=axis, drivers=drivers, baseline_drivers=pack.drivers)
    levels = {}
    if measures:
        if on is None:
            raise ValueError("build_inputs: measures need the on(scenario, measure) matrix")
        for m in measures:
            levels[m.name] = level(m, state, on.sel(measure=m.name, drop=True), units)
    if units is not None:
        pack = pack.select_units(list(units))
        if factors is not None:
            factors = factors.sel(unit=list(units))
        state = State(
            pack=pack,
            axis=axis,
            drivers=_hydrology_drivers(pack, factors, deltas),
            baseline_drivers=pack.drivers,
        )
    key = ("expand_inputs", tuple(units) if units is not None else None)
    # a shallow copy: the variables replaced below stay this call's
    inputs = _cached(cache, key, lambda: expand_inputs(pack.data, axis, pack.series)).copy()
    # the demand side runs once per distinct combination of the measures that change
    # drivers (the attribution's subsets share most of them), then spreads to scenarios
    dmeas = [m for m in measures if hasattr(m.module, "drivers")]
    inverse = None
    if dmeas:
        assert on is not None
        # a variant: the on/off pattern of the driver measures and their options that vary
        cols = [tuple(row) for row in on.sel(measure=[m.name for m in dmeas]).values.tolist()]
        for m in dmeas:
            for values in m.varying.values():
                cols = [(*c, repr(v)) for c, v in zip(cols, values, strict=True)]
        index: dict[tuple, int] = {}
        inverse = np.array([index.setdefault(c, len(index)) for c in cols])
        labels_v = [f"v{i}" for i in range(len(index))]
        # each variant takes the levels and options of its first scenario row
        first = np.array([int(np.flatnonzero(inverse == i)[0]) for i in range(len(index))])
        for m in dmeas:
            lv = levels[m.name].isel(scenario=first).assign_coords(scenario=labels_v)
            mv = at_scenarios(m, first, labels_v)
            apply_driver_changes(state, m.module.drivers(state, lv, mv.params), m.name)
    # the chunks of an ensemble share the results of the models that do not vary by sample
    demand_cache = cache if samples is not None else None
    inputs, diagnostics = apply_demand_models(cfg, pack, axis, inputs, state.drivers, demand_cache)
    if inverse is not None:
        assert on is not None
        labels = on.scenario.values

        def to_scenarios(x):
            if "scenario" not in x.dims:
                return x
            return x.isel(scenario=inverse).assign_coords(scenario=labels)

        inputs = to_scenarios(inputs)
        diagnostics = {k: to_scenarios(v) for k, v in diagnostics.items()}
        state.drivers = {k: to_scenarios(v) for k, v in state.drivers.items()}
    for name in ("runoff", "boundary_inflow"):
        inputs[name] = inputs[name] * float(hyd.runoff_factor)
    if factors is not None:
        from sim.hydrology.scaling import scale_inputs

        per_step = factors.sel(year=axis["year"]).drop_vars("year") if "year" in factors.dims else factors
        inputs = scale_inputs(inputs, per_step)
    inputs = climate.apply_to_inputs(inputs, deltas[0], deltas[2])
    state.inputs, state.diagnostics = inputs, diagnostics
    for m in measures:
        if hasattr(m.module, "inputs"):
            apply_input_changes(state, m.module.inputs(state, levels[m.name], m.params), m.name)
    out = {m.name: m.module.extent(state, levels[m.name], m.params) for m in measures} if extents else {}
    # the requirement in C order once here (it comes out of the demand side laid out sector
    # first and sample last); the engine, the accounting and the reductions read it in
    # (..., time, unit, sector) order, and each would copy it otherwise
    req = state.inputs["requirement"]
    if not req.data.flags.c_contiguous:
        state.inputs["requirement"] = req.copy(data=np.ascontiguousarray(req.values))
    return state.inputs, diagnostics, out


def compare(
    cfg: DictConfig,
    pack: Pack,
    measures: Sequence[Measure],
    extents: Mapping[str, xr.DataArray],
    bal: xr.Dataset,
    samples: slice | None = None,
) -> xr.Dataset:
    """Compute savings, costs and (unless ``comparison.attribution=none``) the attribution.

    ``samples`` restricts the attribution's runs to a chunk of the ensemble
    (:func:`build_inputs`).

    Returns
    -------
    xarray.Dataset
        The variables of :func:`sim.comparison.savings`, :func:`sim.comparison.costs` and
        :func:`sim.attribution.attribute`, plus ``cost_per_m3_withdrawal`` and
        ``cost_per_m3_consumption`` (measure, year) [yuan/m3] on the Shapley savings (or the
        one-at-a-time savings when the attribution is ``one_at_a_time``).
    """
    comp = cfg.comparison
    label = str(comp.scenario)
    out = savings(bal).merge(
        costs(measures, extents, label, float(comp.discount_rate)), compat="no_conflicts"
    )
    mode = str(comp.attribution)
    if mode not in ("shapley", "one_at_a_time", "none"):
        raise InputError(
            f"config key 'comparison.attribution': expected shapley, one_at_a_time or none, got {mode!r}"
        )
    if mode == "none":
        return out
    if mode == "shapley" and len(measures) > int(comp.max_shapley):
        raise InputError(
            f"config key 'comparison.max_shapley': {len(measures)} measures need 2^{len(measures)} runs for exact "
            f"Shapley values; raise the limit or set comparison.attribution=one_at_a_time"
        )
    if mode == "shapley":
        from tqdm import tqdm

        build = build_inputs if samples is None else partial(build_inputs, samples=samples)
        with tqdm(desc="attribution subsets", unit="subset", disable=None, leave=False) as bar:

            def advance(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            att = attribute(cfg, pack, measures, build, chunk=int(comp.chunk), progress=advance)
        by_measure = att["saving_shapley"]
    else:
        att = one_at_a_time(cfg, pack, measures, samples)
        by_measure = att["saving_one_at_a_time"]
    total = by_measure.sum(("unit", "sector"))
    out = out.merge(att, compat="no_conflicts")
    out["cost_per_m3_withdrawal"] = cost_per_m3(out["measure_cost"], total.sel(kind="withdrawal", drop=True))
    out["cost_per_m3_consumption"] = cost_per_m3(
        out["measure_cost"], total.sel(kind="consumption", drop=True)
    )
    return out


def one_at_a_time(
    cfg: DictConfig, pack: Pack, measures: Sequence[Measure], samples: slice | None = None
) -> xr.Dataset:
    """Compute the savings of each measure alone and of all together (n + 2 scenarios, one run)."""
    n = len(measures)
    rows = [[0] * n] + [[int(i == j) for j in range(n)] for i in range(n)] + [[1] * n]
    labels = ["none"] + [m.name for m in measures] + ["all"]
    on = scenario_matrix([m.name for m in measures], rows, labels)
    inputs, _, _ = build_inputs(cfg, pack, measures, on, samples=samples)
    others = tuple(d for d in batch_dims(inputs) if d != "scenario")
    v = annual_use_raw(inputs, run_network(inputs), ("scenario", *others))
    v = v.reshape((len(labels), *[inputs.sizes[d] for d in others], *v.shape[1:]))
    years = np.unique(inputs.time.dt.year.values)
    coords = {
        **{d: inputs[d].values for d in others},
        "kind": list(KINDS),
        "year": years,
        "unit": inputs.unit.values,
        "sector": inputs.sector.values,
    }
    dims = tuple(coords)
    oat = v[0] - v[1 : n + 1]
    combined = v[0] - v[n + 1]
    return xr.Dataset(
        {
            "saving_one_at_a_time": xr.DataArray(
                oat, coords={"measure": labels[1 : n + 1], **coords}, dims=("measure", *dims)
            ),
            "saving_combined": xr.DataArray(combined, coords=coords, dims=dims),
            "saving_interaction": xr.DataArray(combined - oat.sum(axis=0), coords=coords, dims=dims),
        }
    )


def prepare(
    cfg: Config | DictConfig | Mapping[str, Any] | None, loader: Callable[[str], Pack] = load_pack
) -> tuple[DictConfig, Pack, list[Measure]]:
    """Merge ``cfg`` over the schema, load its pack (drivers changed by ``drivers.*``), check its measures.

    ``loader`` loads a pack by name or path (a sweep passes one that keeps packs loaded).

    Returns
    -------
    cfg : omegaconf.DictConfig
        The full configuration.
    pack : sim.pack.Pack
        The region pack.
    measures : list of Measure
        The measures switched on, in the order they apply.
    """
    cfg = _as_config(cfg)
    pack = adjust_drivers(loader(str(cfg.region)), cfg.get("drivers"))
    measures = configured_measures(cfg.measures)
    diagnosis_on(cfg)  # a bad risk.diagnose fails here, before any work
    if measures and str(cfg.comparison.scenario) == "baseline":
        raise InputError("config key 'comparison.scenario': 'baseline' names the run without measures")
    return cfg, pack, measures


def balance(
    cfg: DictConfig,
    pack: Pack,
    inputs: xr.Dataset,
    diagnostics: Mapping[str, xr.DataArray],
    risk_metrics: bool = True,
) -> xr.Dataset:
    """Run the allocation and account for it: the balance of every scenario along ``scenario``.

    Runs the engine, the accounting and the mass-balance check, then adds the demand-model
    diagnostics, the shortage-type diagnosis (``risk.diagnose``), the use under each cap
    and the risk metrics (``risk_metrics``; some are statistics over the samples, so a
    chunk of an ensemble leaves them to :func:`add_risk` on the whole). Every scenario is
    treated alike: nothing here compares two.

    Returns
    -------
    xarray.Dataset
        Dims ``scenario, sample, [frequency,] time, unit, sector, source`` [hm3 per step].
    """
    raw = run_network(inputs)
    bal = account(inputs, raw, check=True)  # the mass-balance check in the residual's pass
    for dim, labels in (("sample", [0]), ("scenario", ["baseline"])):
        if dim not in bal.dims:
            bal = bal.expand_dims({dim: labels})
    bal = bal.transpose(
        "scenario", "sample", *(["frequency"] if "frequency" in bal.dims else []), "time", ...
    )
    for coord in ("basin", "league", "unit_name"):
        if coord in pack.data.coords:
            bal = bal.assign_coords({coord: ("unit", pack.data[coord].values)})
    if "sector_group" in pack.data:
        bal = bal.assign_coords(sector_group=("sector", pack.data["sector_group"].values.astype(str)))
    bal = bal.assign(diagnostics)  # one merge for all (assigning one by one aligns each)
    risk = cfg.risk
    if diagnosis_on(cfg):
        if not risk.demand_multiplier > 1:
            raise InputError(
                f"config key 'risk.demand_multiplier': expected a number > 1, got {risk.demand_multiplier}"
            )
        for key in ("resource_share", "tolerance"):
            if not 0 <= float(risk[key]) <= 1:
                raise InputError(f"config key 'risk.{key}': expected a number in [0, 1], got {risk[key]}")
        diag = diagnose(
            inputs, bal, float(risk.demand_multiplier), float(risk.resource_share), float(risk.tolerance)
        )
        extra = {}
        for name, da in diag.data_vars.items():
            missing = {d: bal[d].values for d in ("scenario", "sample") if d not in da.dims}
            extra[name] = da.expand_dims(missing).transpose("scenario", "sample", ...)
        bal = bal.assign(extra)
    comp = cfg.comparison
    bal = bal.merge(
        cap_status(bal, load_caps(pack), pack.data, bool(comp.cap_counts_unconventional)),
        compat="no_conflicts",
    )
    return add_risk(bal) if risk_metrics else bal


def add_risk(bal: xr.Dataset) -> xr.Dataset:
    """Return the balance with the risk metrics of :func:`sim.risk.risk_dataset` added."""
    return bal.assign(dict(risk_dataset(bal).data_vars))


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
    cfg, pack, measures = prepare(cfg)
    n_samples = int(cfg.hydrology.n_samples) if cfg.hydrology.name == "stochastic" else 1
    keep = keep_mode(str(cfg.hydrology.get("keep", "auto")), n_samples, _sample_bytes(cfg, pack, measures))
    if n_samples > 1 and not diagnosis_on(cfg):
        logger.info(
            "no shortage-type diagnosis in this %d-sample ensemble (risk.diagnose=true adds it)", n_samples
        )
    if n_samples > 1 and (str(cfg.engine.name) != "serial" or keep == "summary"):
        bal = _simulate_chunked(cfg, pack, measures, n_samples, summary=keep == "summary")
    else:
        bal = _simulate_part(cfg, pack, measures, None, risk_metrics=True)
    bal = finish(bal, cfg, pack)
    if keep == "summary":
        bal = mark_means(bal, n_samples)
    logger.info("simulated %s: %d steps x %d units", pack.name, bal.sizes["time"], bal.sizes["unit"])
    return bal


def _simulate_part(
    cfg: DictConfig,
    pack: Pack,
    measures: Sequence[Measure],
    samples: slice | None,
    risk_metrics: bool,
    cache: dict | None = None,
) -> xr.Dataset:
    """Return the balance and the comparison of the run (of its ``samples`` only, when given).

    ``cache`` is passed to :func:`build_inputs` (chunks of one ensemble share it).
    """
    on = None
    if measures:
        n = len(measures)
        label = str(cfg.comparison.scenario)
        on = scenario_matrix([m.name for m in measures], [[0] * n, [1] * n], ["baseline", label])
    inputs, diagnostics, extents = build_inputs(cfg, pack, measures, on, samples=samples, cache=cache)
    bal = balance(cfg, pack, inputs, diagnostics, risk_metrics=risk_metrics)
    if measures:
        bal = bal.merge(compare(cfg, pack, measures, extents, bal, samples=samples), compat="no_conflicts")
    return bal


def sample_task(task: tuple[dict, int, int] | tuple[dict, int, int, bool]) -> xr.Dataset:
    """Run samples ``lo:hi`` of a stochastic run (a picklable task for :mod:`sim.distributed`).

    With a fourth element True, return the chunk's summary (:func:`sim.ensemble.reduce_chunk`,
    risk metrics included) instead of its full balance.
    """
    plain, lo, hi = task[:3]
    summary = len(task) > 3 and bool(task[3])
    cfg, pack, measures = prepare(plain)
    part = _simulate_part(cfg, pack, measures, slice(lo, hi), risk_metrics=summary)
    return reduce_chunk(part) if summary else part


def _sample_bytes(cfg: DictConfig, pack: Pack, measures: Sequence[Measure]) -> float:
    """Size of one sample's full result [B] (:func:`sim.ensemble.bytes_per_sample`)."""
    axis = make_time_axis(str(cfg.time.start), str(cfg.time.end), str(cfg.time.step))
    data = pack.data
    n_sources = len(SOURCES)
    n_scenarios = 2 if measures else 1
    return bytes_per_sample(
        n_scenarios, axis.sizes["time"], data.sizes["unit"], data.sizes["sector"], n_sources
    )


def _simulate_chunked(
    cfg: DictConfig, pack: Pack, measures: Sequence[Measure], n_samples: int, summary: bool
) -> xr.Dataset:
    """Run the samples of an ensemble in chunks on ``cfg.engine`` and join them along ``sample``.

    Every chunk draws the whole ensemble and keeps its own samples, so the result equals the
    serial run. Without ``summary`` the risk metrics over the samples are computed on the
    joined balance; with it each chunk keeps its summary (:mod:`sim.ensemble`) and, on the
    serial engine, ``engine.threads`` chunks at a time run on threads of this process and
    are joined in order (:func:`sim.distributed.imap_threads`), so memory stays flat in the
    samples.
    """
    from sim.distributed import EngineSettings, available_cores, imap_threads, map_chunks

    settings = EngineSettings.from_config(cfg.engine)
    threads = (settings.threads or available_cores()) if settings.name == "serial" else 1
    if summary:
        work = _sample_bytes(cfg, pack, measures) * (DIAGNOSIS_FACTOR if diagnosis_on(cfg) else 1.0)
        size = chunk_size(settings.sample_chunk, n_samples, work, threads)
    else:
        size = settings.sample_chunk or max(1, -(-n_samples // (4 * settings.n_workers)))
    bounds = [(lo, min(lo + size, n_samples)) for lo in range(0, n_samples, size)]
    if summary and settings.name == "serial":
        # in this process, on `threads` threads: the pack, the measures and the pack's inputs
        # are shared (made here, before the threads read them); each chunk draws its samples
        axis = make_time_axis(str(cfg.time.start), str(cfg.time.end), str(cfg.time.step))
        cache: dict = {("expand_inputs", None): expand_inputs(pack.data, axis, pack.series)}

        def chunk(bound: tuple[int, int]) -> xr.Dataset:
            part = _simulate_part(cfg, pack, measures, slice(*bound), risk_metrics=True, cache=cache)
            return reduce_chunk(part)

        # consumes the chunks in order, each dropped once it is added; the memory a chunk
        # frees is kept for the next (sim/heap.py)
        with retained_heap():
            return join_chunks(imap_threads(chunk, bounds, threads, desc="sample chunks"), n_samples)
    plain = OmegaConf.to_container(cfg, resolve=True)
    tasks = [(plain, lo, hi, summary) for lo, hi in bounds]
    parts = map_chunks(sample_task, tasks, settings, desc="sample chunks")
    if summary:
        return join_chunks(parts, n_samples)
    bal = xr.concat(parts, dim="sample", data_vars="minimal", coords="minimal", compat="override")
    return add_risk(bal)


def finish(bal: xr.Dataset, cfg: DictConfig, pack: Pack) -> xr.Dataset:
    """Add the CF attributes of every variable and the run's global attributes."""
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
    return bal
