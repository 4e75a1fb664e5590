"""Scenarios: switch measures on along a ``scenario`` dimension and build the model inputs.

A scenario is a set of measures, each on (1) or off (0). :func:`build_scenarios` takes a
0/1 matrix ``on(scenario, measure)`` and returns the engine inputs of every scenario at
once: the measures change the demand-model drivers, the demand models run once over all
scenarios, then the measures change the engine inputs. Row 0 of an all-zero matrix is the
baseline; the attribution (:mod:`sim.attribution`) passes all subsets of the measures.

Composition rule (``docs/measures.md``): measures are applied one after another in the
order of their ``ORDER`` (ties by name); each sees the parameters as the previous ones
left them. Two measures that change the same parameter therefore compose (e.g. a
levelled field that is then converted to drip); none of them overwrites another's change.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

import numpy as np
import xarray as xr
from omegaconf import DictConfig, OmegaConf

from sim.errors import InputError
from sim.measures import default_options, load_measure
from sim.measures.base import COMMON_OPTIONS, RAMPS, State, check_number, effect_parameters, ramp, unit_mask
from sim.units import parse_amount


@dataclass
class Measure:
    """A measure switched on in the configuration, with its checked options.

    Attributes
    ----------
    name : str
        Measure name (module ``sim.measures.<name>``).
    module : module
        The measure's module.
    options : dict
        All its options (common ones and effect parameters), as configured.
    params : dict
        Effect parameters, checked against their ranges. A parameter that takes a value per
        scenario (:func:`vary`) is a DataArray over ``scenario``.
    varying : dict
        Options that take a value per scenario (a sweep): ``{option: array over scenario}``.
    """

    name: str
    module: ModuleType
    options: dict[str, Any]
    params: dict[str, Any]
    varying: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def order(self) -> tuple[int, str]:
        """Sort key: (``ORDER``, name)."""
        return (int(getattr(self.module, "ORDER", 100)), self.name)


def configured_measures(measures: Mapping[str, Any] | DictConfig | None) -> list[Measure]:
    """Return the measures of ``cfg.measures``, options checked, in the order they apply.

    Parameters
    ----------
    measures : mapping
        ``{name: options}``; missing options take the defaults of
        ``conf/measures/<name>.yaml``.

    Raises
    ------
    InputError
        Unknown measure (lists the available ones), unknown option (suggests the closest),
        or an effect parameter out of its range.
    """
    if measures is None:
        return []
    if isinstance(measures, DictConfig):
        measures = OmegaConf.to_container(measures, resolve=True)  # type: ignore[assignment]
    out = []
    for name, given in dict(measures).items():
        module = load_measure(str(name))
        options = default_options(str(name))
        given = dict(given or {})
        allowed = set(COMMON_OPTIONS) | set(module.PARAMETERS)
        for key in given:
            if key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = (
                    f"; did you mean '{close[0]}'?" if close else f"; options: {', '.join(sorted(allowed))}"
                )
                raise InputError(f"config key 'measures.{name}.{key}': unknown option{hint}")
        options.update(given)
        params = effect_parameters(str(name), module.PARAMETERS, options)
        out.append(Measure(str(name), module, options, params))
    return sorted(out, key=lambda m: m.order)


#: Options that set the level of a measure (:func:`level`); the others are effect parameters
#: and costs.
LEVEL_OPTIONS = ("coverage", "area", "path", "start_year", "target_year", "ramp", "where")
COST_OPTIONS = ("capital_cost", "om_cost", "lifetime")


def vary(measure: Measure, values: Mapping[str, Sequence[Any]], scenarios: Sequence[str]) -> Measure:
    """Return a copy of ``measure`` whose options take one value per scenario.

    Parameters
    ----------
    measure : Measure
        The measure with its configured options.
    values : mapping
        ``{option: values}``, one value per scenario, in the order of ``scenarios``; an
        effect parameter in its ``Param`` units, a level option or a cost as in the config.
    scenarios : sequence of str
        Scenario labels.

    Returns
    -------
    Measure
        ``varying`` holds the values; the effect parameters among them become DataArrays
        over ``scenario`` (each value checked against its range); :func:`level` and
        :func:`sim.comparison.costs` read the others per scenario.

    Raises
    ------
    InputError
        Unknown option (closest suggested) or a value out of range, naming the key.
    """
    module = measure.module
    allowed = set(COMMON_OPTIONS) | set(module.PARAMETERS)
    varying: dict[str, np.ndarray] = {}
    params = dict(measure.params)
    for key, vals in values.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; options: {', '.join(sorted(allowed))}"
            raise InputError(f"config key 'measures.{measure.name}.{key}': unknown option{hint}")
        arr = np.asarray(list(vals), dtype=object)
        if arr.shape != (len(scenarios),):
            raise ValueError(f"vary: {key} has {arr.size} values for {len(scenarios)} scenarios")
        varying[key] = arr
        if key in module.PARAMETERS:
            spec = module.PARAMETERS[key]
            if spec.units in ("list", "text", "mapping"):
                raise InputError(
                    f"config key 'measures.{measure.name}.{key}': a {spec.units} option cannot vary along a sweep"
                )
            full = f"measures.{measure.name}.{key}"
            checked = [check_number(full, v, spec.low, spec.high, f" [{spec.units}]") for v in arr]
            params[key] = xr.DataArray(
                np.asarray(checked, dtype=float), coords={"scenario": list(scenarios)}, dims="scenario"
            )
        elif key in COST_OPTIONS:
            for v in arr:
                check_costs(replace(measure, options={**measure.options, key: v}))
    return replace(measure, params=params, varying={**measure.varying, **varying})


def at_scenarios(measure: Measure, rows: np.ndarray, labels: Sequence[str]) -> Measure:
    """Return the measure restricted to the scenarios ``rows`` (positions), relabelled ``labels``."""
    if not measure.varying:
        return measure
    params = {
        k: v.isel(scenario=rows).assign_coords(scenario=list(labels)) if isinstance(v, xr.DataArray) else v
        for k, v in measure.params.items()
    }
    varying = {k: v[rows] for k, v in measure.varying.items()}
    return replace(measure, params=params, varying=varying)


def _years(state: State) -> tuple[int, int, int]:
    years = state.axis["year"].values
    return int(years.min()), int(years.max()), int(state.pack.data.attrs.get("base_year", years.min()))


def _path_share(measure: Measure, state: State, mask: xr.DataArray) -> np.ndarray:
    """Coverage of each year from ``path`` (year -> amount in extent units) [1]."""
    key = f"measures.{measure.name}.path"
    path = measure.options.get("path")
    if not isinstance(path, Mapping) or len(path) < 2:
        raise InputError(f"config key '{key}': expected at least two 'year: amount' entries, got {path!r}")
    units = measure.module.EXTENT.units
    pts = []
    for year, amount in path.items():
        try:
            y = int(year)
        except (TypeError, ValueError):
            raise InputError(f"config key '{key}': '{year}' is not a year") from None
        pts.append((y, _amount(amount, units, f"{key}.{year}")))
    pts.sort()
    _, _, base_year = _years(state)
    total = _basis_total(measure, state, mask, key)
    yrs = np.array([p[0] for p in pts], dtype=float)
    vals = np.array([p[1] for p in pts], dtype=float)
    axis_years = state.axis["year"].values.astype(float)
    added = np.interp(axis_years, yrs, vals) - np.interp(base_year, yrs, vals)
    share = np.clip(added / total, 0.0, None)
    if (share > 1.0 + 1e-12).any():
        raise InputError(
            f"config key '{key}': the added {units} ({added.max():.4g}) exceed what the units in "
            f"'where' can take ({total:.4g} {units}); coverage must stay within [0, 1]"
        )
    return share


def _amount(value: Any, units: str, key: str) -> float:
    try:
        return parse_amount(value, units)
    except ValueError as err:
        raise InputError(
            f"config key '{key}': expected an amount in {units} units, got {value!r} ({err})"
        ) from None


def _basis_total(measure: Measure, state: State, mask: xr.DataArray, key: str) -> float:
    basis = getattr(measure.module, "basis", None)
    if basis is None:
        raise InputError(
            f"config key '{key}': measure '{measure.name}' takes a coverage share, not an amount"
        )
    total = float((basis(state) * mask).sum())
    if total <= 0:
        raise InputError(f"config key '{key}': the units in 'where' have nothing this measure can cover")
    return total


def level(
    measure: Measure, state: State, on: xr.DataArray, units: Sequence[str] | None = None
) -> xr.DataArray:
    """Return the implemented share of ``measure`` by scenario, step and unit [1].

    Parameters
    ----------
    measure : Measure
        The measure and its options.
    state : sim.measures.State
        Pack, time axis and drivers.
    on : xarray.DataArray
        0/1 over ``scenario``: whether the measure is on in each scenario.
    units : sequence of str, optional
        Return the level of these units only (coverage is still worked out over the
        whole pack).

    Returns
    -------
    xarray.DataArray
        ``on × coverage(year) × where(unit)`` over ``(scenario, time, unit)``.
    """
    keys = [k for k in LEVEL_OPTIONS if k in measure.varying]
    if keys:
        return _varying_level(measure, keys, state, on, units)
    mask = _mask(measure, state)
    time_share = xr.DataArray(_share(measure, state, mask), coords={"time": state.axis["time"]}, dims="time")
    if units is not None:
        mask = mask.sel(unit=list(units))
    return (on * time_share * mask).transpose("scenario", "time", "unit")


def _mask(measure: Measure, state: State) -> xr.DataArray:
    """Units the measure applies to (``where``), 0/1 over ``unit``."""
    return unit_mask(measure.options.get("where", "all"), state, f"measures.{measure.name}.where")


def _share(measure: Measure, state: State, mask: xr.DataArray) -> np.ndarray:
    """Return the implemented share of each step, ``coverage × ramp(year)`` (or the ``path``) [1]."""
    o = measure.options
    name = measure.name
    first, last, _ = _years(state)
    shape = o.get("ramp", "linear")
    if shape not in RAMPS:
        raise InputError(
            f"config key 'measures.{name}.ramp': expected one of {', '.join(RAMPS)}, got {shape!r}"
        )
    years = state.axis["year"].values
    if shape == "path":
        return _path_share(measure, state, mask)
    start = _year(o.get("start_year"), f"measures.{name}.start_year", first, last)
    target = _year(o.get("target_year"), f"measures.{name}.target_year", start, 9999)
    if o.get("coverage") is not None:
        coverage = check_number(f"measures.{name}.coverage", o["coverage"], 0.0, 1.0, " (a share)")
    elif o.get("area") is not None:
        key = f"measures.{name}.area"
        amount = _amount(o["area"], measure.module.EXTENT.units, key)
        coverage = amount / _basis_total(measure, state, mask, key)
        if not 0.0 <= coverage <= 1.0:
            raise InputError(
                f"config key '{key}': {o['area']} is {coverage:.3g} of what the units in 'where' can "
                "take; coverage must stay within [0, 1]"
            )
    else:
        raise InputError(
            f"config key 'measures.{name}.coverage': give a coverage share (or 'area' or 'path')"
        )
    return coverage * ramp(years, start, target, shape)


def _varying_level(
    measure: Measure, keys: Sequence[str], state: State, on: xr.DataArray, units: Sequence[str] | None
) -> xr.DataArray:
    """:func:`level` when level options vary along ``scenario``.

    The mask is worked out once per distinct ``where`` and the time share once per distinct
    combination of the options; the product is the same as :func:`level`'s, bit for bit.
    """
    n = on.sizes["scenario"]
    masks: dict[str, xr.DataArray] = {}
    shares: dict[tuple, np.ndarray] = {}
    share = np.empty((n, state.axis.sizes["time"]))
    mask_rows = []
    for i in range(n):
        options = {**measure.options, **{k: measure.varying[k][i] for k in keys}}
        single = replace(measure, options=options, varying={})
        where = repr(options.get("where", "all"))
        if where not in masks:
            masks[where] = _mask(single, state)
        combo = tuple(repr(options.get(k)) for k in keys)
        if combo not in shares:
            shares[combo] = _share(single, state, masks[where])
        share[i] = shares[combo]
        mask_rows.append(where)
    unit = masks[mask_rows[0]].unit
    if units is not None:
        unit = unit.sel(unit=list(units))
    mask = np.stack([masks[w].sel(unit=unit).values for w in mask_rows]) if len(masks) > 1 else None
    on_v = on.values.astype(float)
    values = (on_v[:, None] * share)[:, :, None]
    if mask is None:
        values = values * masks[mask_rows[0]].sel(unit=unit).values[None, None, :]
    else:
        values = values * mask[:, None, :]
    return xr.DataArray(
        values,
        coords={"scenario": on.scenario.values, "time": state.axis["time"].values, "unit": unit.values},
        dims=("scenario", "time", "unit"),
    )


def _year(value: Any, key: str, low: int, high: int) -> int:
    if value is None or int(value) != value:
        raise InputError(f"config key '{key}': expected a year, got {value!r}")
    if not low <= int(value) <= high:
        raise InputError(f"config key '{key}': {int(value)} is outside the horizon {low}-{high}")
    return int(value)


def check_costs(measure: Measure) -> dict[str, float]:
    """Capital cost [yuan per extent unit], O&M [yuan per extent unit per year], lifetime [a]."""
    o, n = measure.options, measure.name
    big = 1e12
    return {
        "capital_cost": check_number(f"measures.{n}.capital_cost", o.get("capital_cost"), 0.0, big, " >= 0"),
        "om_cost": check_number(f"measures.{n}.om_cost", o.get("om_cost"), 0.0, big, " >= 0"),
        "lifetime": _lifetime(o.get("lifetime"), f"measures.{n}.lifetime"),
    }


def _lifetime(value: Any, key: str) -> float:
    x = check_number(key, value, 0.0, 1000.0, " of years > 0")
    if x <= 0:
        raise InputError(f"config key '{key}': expected a lifetime > 0 years, got {value!r}")
    return x


def apply_driver_changes(state: State, changes: Mapping[str, Mapping[str, xr.DataArray]], name: str) -> None:
    """Replace drivers by a measure's changes (they may gain ``scenario`` and ``time``)."""
    for model, variables in changes.items():
        ds = state.drivers[model]
        for var, da in variables.items():
            if da.isnull().any() and not ds.get(var, da).isnull().any():
                raise InputError(f"measure '{name}' produced missing values for driver '{var}' of '{model}'")
            order = [d for d in ("time", "crop", "month", "unit") if d in da.dims]
            ds = ds.assign({var: da.transpose(..., *order)})
        state.drivers[model] = ds


def apply_input_changes(state: State, changes: Mapping[str, xr.DataArray], name: str) -> None:
    """Replace engine inputs by a measure's changes."""
    assert state.inputs is not None
    for var, da in changes.items():
        if var not in state.inputs:
            raise KeyError(f"measure '{name}' changes unknown engine input '{var}'")
        core = [d for d in ("time", "unit", "sector", "link") if d in da.dims]
        state.inputs = state.inputs.assign({var: da.transpose(..., *core)})


def scenario_matrix(
    names: Sequence[str], rows: Sequence[Sequence[int]], labels: Sequence[str]
) -> xr.DataArray:
    """0/1 matrix ``on(scenario, measure)``."""
    return xr.DataArray(
        np.asarray(rows, dtype=float).reshape(len(labels), len(names)),
        coords={"scenario": list(labels), "measure": list(names)},
        dims=("scenario", "measure"),
    )
