"""Water accounting: from the engine's raw flows to the project's vocabulary.

requirement, delivery (= withdrawal), shortage, consumption and return flow
(to river, groundwater and wastewater), by time step, unit, sector and source, and
the per-unit mass balance. All volumes are amounts per step [hm3].
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.engine import as_batch_array, as_batch_array_t, batch_dims
from sim.engine.derive import derive, residual
from sim.errors import InputError, MassBalanceError

_FRACTIONS = ("consumption_fraction", "return_river", "return_groundwater", "return_wastewater")

#: Engine outputs the balance keeps as they are [hm3].
_RAW_KEPT = (
    "inflow",
    "outflow",
    "reservoir_storage",
    "reservoir_release",
    "reservoir_spill",
    "aquifer_storage",
    "overdraft",
    "reclaimed_pool",
    "reclaimed_discharge",
    "link_flow",
    "link_spill",
)

#: Sources that bring water from outside the unit (in its mass balance as gains).
EXTERNAL = ("transfer", "harvested", "other")

#: Largest relative mass-balance error accepted at the end of a run [1].
BALANCE_RTOL = 1e-9


def account(
    inputs: xr.Dataset, raw: xr.Dataset, check: bool = False, rtol: float = BALANCE_RTOL
) -> xr.Dataset:
    """Build the balance Dataset from inputs and the engine's raw outputs.

    Parameters
    ----------
    inputs : xarray.Dataset
        Per-step inputs (:func:`sim.inputs.expand_inputs`) [hm3].
    raw : xarray.Dataset
        Output of :func:`sim.engine.run_network` [hm3].
    check : bool
        Also check the mass balance, as :func:`check_mass_balance` does (the same rule and
        message), with the scale computed in the compiled pass of the residual.
    rtol : float
        Relative tolerance of the check [1].

    Returns
    -------
    xarray.Dataset
        Variables of ``docs/outputs.md`` with dims ``(..., time, unit[, sector][, source])``.

    Raises
    ------
    MassBalanceError
        With ``check``, where the balance of a unit and step does not close.
    """
    delivery = raw["delivery"]
    bdims = batch_dims(inputs)
    sizes = {d: delivery.sizes[d] for d in bdims}
    core = ("time", "unit", "sector")
    lead = [d for d in delivery.dims if d not in (*core, "source")]
    dv = delivery.transpose(*lead, *core, "source").values.reshape((-1, *delivery.shape[-4:]))
    frac = [as_batch_array_t(inputs[v], bdims, sizes, ("unit", "sector")) for v in _FRACTIONS]
    sources = [str(s) for s in delivery.source.values]
    flows, by_unit = derive(
        np.ascontiguousarray(dv),
        as_batch_array(inputs["requirement"], bdims, sizes, core),
        *frac,
        np.array([s in EXTERNAL for s in sources]),
        np.array([s == "groundwater" for s in sources]),
    )
    shape = [delivery.sizes[d] for d in lead]

    def sector_var(i: int) -> xr.DataArray:
        return xr.DataArray(flows[i].reshape(shape + list(flows.shape[-3:])), dims=(*lead, *core))

    # a broadcast view (no copy): the requirement along every batch dimension
    requirement = inputs["requirement"].broadcast_like(sector_var(0)).transpose(*lead, *core)
    out = xr.Dataset(
        {
            "requirement": requirement,
            "delivery": delivery,
            "shortage": sector_var(0),
            "consumption": sector_var(1),
            "return_river": sector_var(2),
            "return_groundwater": sector_var(3),
            "return_wastewater": sector_var(4),
            "runoff": inputs["runoff"],
            "boundary_inflow": inputs["boundary_inflow"],
            "groundwater_recharge": inputs["groundwater_recharge"],
            "pumping": xr.DataArray(
                by_unit[0].reshape(shape + list(by_unit.shape[-2:])), dims=(*lead, "time", "unit")
            ),
            **{name: raw[name] for name in _RAW_KEPT},
        }
    )
    # what leaves each unit through its links (flow + spill); the rest leaves the region
    leaving = np.zeros(raw["outflow"].shape)
    unit_index = {str(u): i for i, u in enumerate(inputs.unit.values)}
    through_links = (raw["link_flow"] + raw["link_spill"]).transpose(*raw["outflow"].dims[:-1], "link").values
    for li, u in enumerate(inputs["link_from"].values):
        leaving[..., unit_index[str(u)]] += through_links[..., li]
    leaving_by_links = xr.DataArray(leaving, dims=raw["outflow"].dims)
    res, scale = _residual(inputs, out, flows, by_unit)
    if check:
        _check(res, scale, rtol, out.unit.values, out.time.values)
    out = out.assign(region_outflow=raw["outflow"] - leaving_by_links, mass_balance_residual=res)
    return out.transpose(
        *[d for d in out.dims if d not in ("time", "unit", "sector", "source", "link")], "time", ...
    )


def _residual(
    inputs: xr.Dataset, out: xr.Dataset, flows: np.ndarray, by_unit: np.ndarray
) -> tuple[xr.DataArray, np.ndarray]:
    """Inflows − outflows − storage change of each unit and step [hm3] (docs/model.md §3).

    Also returns the scale of each unit and step (:func:`balance_scale`) as an array of the
    residual's shape [hm3].
    """
    bdims = batch_dims(inputs)
    sizes = {d: out.sizes[d] for d in bdims}
    lead = [d for d in out["outflow"].dims if d not in ("time", "unit")]
    shape = [out.sizes[d] for d in lead]

    def flat(name: str) -> np.ndarray:
        arr = out[name].transpose(*lead, "time", "unit").values
        return np.ascontiguousarray(arr.reshape((-1, *arr.shape[-2:])))

    res, scale = residual(
        by_unit,
        flows,
        *(as_batch_array(inputs[v], bdims, sizes, ("time", "unit"))
          for v in ("runoff", "boundary_inflow", "groundwater_recharge")),
        flat("inflow"), flat("outflow"), flat("reservoir_storage"),
        as_batch_array(inputs["reservoir_initial_storage"], bdims, sizes, ("unit",)),
        flat("aquifer_storage"), as_batch_array(inputs["groundwater_storage"], bdims, sizes, ("unit",)),
        flat("reclaimed_pool"),
    )  # fmt: skip
    full = shape + list(res.shape[1:])
    return xr.DataArray(res.reshape(full), dims=(*lead, "time", "unit")), scale.reshape(full)


def _check(res: xr.DataArray, scale: np.ndarray, rtol: float, units: np.ndarray, times: np.ndarray) -> None:
    """Raise :class:`MassBalanceError` where ``|res| > rtol * max(scale, 1e-6)`` (see below)."""
    rel = np.abs(res.values) / np.maximum(scale, 1e-6)
    if not bool((rel <= rtol).all()):
        _fail(res, xr.DataArray(rel, dims=res.dims), rtol, units, times)


def _fail(res: xr.DataArray, rel: xr.DataArray, rtol: float, units: np.ndarray, times: np.ndarray) -> None:
    """Raise :class:`MassBalanceError` naming the unit and step of the largest ``rel``."""
    worst = rel.argmax(...)
    unit = str(units[int(worst["unit"])])
    step = str(times[int(worst["time"])])[:10]
    raise MassBalanceError(
        f"mass balance does not close at unit '{unit}', step {step}: "
        f"residual {float(res.isel(worst)):.3g} hm3 (relative {float(rel.isel(worst)):.2g} > {rtol:g})"
    )


def balance_scale(bal: xr.Dataset) -> xr.DataArray:
    """Magnitude of every term of each unit's balance, by step [hm3].

    Inflows (runoff, boundary, upstream, recharge), outflow, deliveries, consumption and the
    storages (reservoir, finite aquifer, reclaimed pool), whose differences carry a rounding
    error of about 1e-16 times the storage. The readable form of the scale that
    :func:`account` computes in the compiled pass of the residual.
    """
    gains = bal["runoff"] + bal["boundary_inflow"] + bal["inflow"] + bal["groundwater_recharge"]
    aquifer = bal["aquifer_storage"].where(np.isfinite(bal["aquifer_storage"]), 0.0)
    return (
        np.abs(gains)
        + np.abs(bal["outflow"])
        + bal["delivery"].sum(("sector", "source"), skipna=False)
        + bal["consumption"].sum("sector", skipna=False)
        + np.abs(bal["reservoir_storage"])
        + np.abs(aquifer)
        + np.abs(bal["reclaimed_pool"])
    )


def check_mass_balance(bal: xr.Dataset, rtol: float = BALANCE_RTOL) -> None:
    """Raise :class:`MassBalanceError` naming the worst unit and step if the balance fails.

    A unit-step passes when ``|residual| <= rtol * max(scale, 1e-6 hm3)``, the scale being the
    magnitude of every term of its balance: inflows (runoff, boundary, upstream, recharge),
    outflow, deliveries, consumption and the storages (reservoir, finite aquifer, reclaimed
    pool), whose differences carry a rounding error of about 1e-16 times the storage.
    """
    res = bal["mass_balance_residual"]
    rel = np.abs(res) / np.maximum(balance_scale(bal), 1e-6)
    if not bool((rel <= rtol).all()):
        _fail(res, rel, rtol, bal.unit.values, bal.time.values)


__all__ = ["BALANCE_RTOL", "InputError", "MassBalanceError", "account", "balance_scale", "check_mass_balance"]
