"""Water accounting: from the engine's raw flows to the project's vocabulary.

requirement, delivery (= withdrawal), shortage, consumption and return flow
(to river, groundwater and wastewater), by time step, unit, sector and source, and
the per-unit mass balance. All volumes are amounts per step [hm3].
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.errors import InputError

#: Largest relative mass-balance error accepted at the end of a run [1].
BALANCE_RTOL = 1e-9


class MassBalanceError(RuntimeError):
    """The water balance of a unit and step does not close."""


def _source_total(delivery: xr.DataArray, source: str) -> xr.DataArray:
    """Delivery from one source summed over sectors; zeros if no sector uses it [hm3]."""
    if source in delivery.source.values:
        return delivery.sel(source=source, drop=True).sum("sector", skipna=False)
    return xr.zeros_like(delivery.isel(source=0, sector=0, drop=True))


def _previous(state: xr.DataArray, initial: xr.DataArray) -> xr.DataArray:
    """State at the start of each step: ``initial`` first, then the previous step's end."""
    first = initial.expand_dims(time=state.time[:1]).broadcast_like(state.isel(time=slice(0, 1)))
    return xr.concat([first, state.shift(time=1).isel(time=slice(1, None))], dim="time").transpose(
        *state.dims
    )


def account(inputs: xr.Dataset, raw: xr.Dataset) -> xr.Dataset:
    """Build the balance Dataset from inputs and the engine's raw outputs.

    Parameters
    ----------
    inputs : xarray.Dataset
        Per-step inputs (:func:`sim.inputs.expand_inputs`) [hm3].
    raw : xarray.Dataset
        Output of :func:`sim.engine.run_network` [hm3].

    Returns
    -------
    xarray.Dataset
        Variables of ``docs/outputs.md`` with dims ``(..., time, unit[, sector][, source])``.
    """
    delivery = raw["delivery"]
    delivered = delivery.sum("source", skipna=False)
    requirement = inputs["requirement"].broadcast_like(delivered)
    cons_frac = inputs["consumption_fraction"]
    consumption = delivered * cons_frac
    returned = delivered - consumption
    ww = returned * inputs["return_wastewater"]
    out = xr.Dataset(
        {
            "requirement": requirement,
            "delivery": delivery,
            "shortage": (requirement - delivered).clip(min=0.0),
            "consumption": consumption,
            "return_river": returned * inputs["return_river"],
            "return_groundwater": returned * inputs["return_groundwater"],
            "return_wastewater": ww,
            "runoff": inputs["runoff"],
            "boundary_inflow": inputs["boundary_inflow"],
            "groundwater_recharge": inputs["groundwater_recharge"],
            "pumping": _source_total(delivery, "groundwater"),
        }
    )
    for name in (
        "inflow", "outflow", "reservoir_storage", "reservoir_release", "reservoir_spill",
        "aquifer_storage", "overdraft", "reclaimed_pool", "reclaimed_discharge", "link_flow", "link_spill",
    ):  # fmt: skip
        out[name] = raw[name]
    leaving_by_links = (
        (
            (raw["link_flow"] + raw["link_spill"])
            .groupby(xr.DataArray(inputs["link_from"].values, dims="link", name="unit"))
            .sum()
            .reindex(unit=inputs.unit.values, fill_value=0.0)
        )
        if inputs.sizes.get("link", 0)
        else xr.zeros_like(raw["outflow"])
    )
    out["region_outflow"] = raw["outflow"] - leaving_by_links
    out["mass_balance_residual"] = _residual(inputs, out)
    return out.transpose(
        *[d for d in out.dims if d not in ("time", "unit", "sector", "source", "link")], "time", ...
    )


def _residual(inputs: xr.Dataset, out: xr.Dataset) -> xr.DataArray:
    """Inflows − outflows − storage change of each unit and step [hm3]."""
    ext = sum(_source_total(out["delivery"], src) for src in ("transfer", "harvested", "other"))
    gains = out["runoff"] + out["boundary_inflow"] + out["inflow"] + ext + out["groundwater_recharge"]
    d_res = out["reservoir_storage"] - _previous(
        out["reservoir_storage"], inputs["reservoir_initial_storage"]
    )
    aq_prev = _previous(out["aquifer_storage"], inputs["groundwater_storage"])
    d_aq_flows = (
        out["groundwater_recharge"] + out["return_groundwater"].sum("sector", skipna=False) - out["pumping"]
    )
    d_aq = xr.where(np.isfinite(aq_prev), out["aquifer_storage"] - aq_prev, d_aq_flows)
    pool_prev = _previous(out["reclaimed_pool"], xr.zeros_like(inputs["reservoir_initial_storage"]))
    d_pool = out["reclaimed_pool"] - pool_prev
    losses = out["outflow"] + out["consumption"].sum("sector", skipna=False) + d_res + d_aq + d_pool
    res = gains - losses
    scale = np.maximum(np.abs(gains), np.abs(losses))
    return res.assign_attrs(scale_max=float(scale.max()) if scale.size else 0.0)


def check_mass_balance(bal: xr.Dataset, rtol: float = BALANCE_RTOL) -> None:
    """Raise :class:`MassBalanceError` naming the worst unit and step if the balance fails.

    A unit-step passes when ``|residual| <= rtol * max(inflows, outflows, 1e-6 hm3)``.
    """
    res = bal["mass_balance_residual"]
    gains = bal["runoff"] + bal["boundary_inflow"] + bal["inflow"] + bal["groundwater_recharge"]
    scale = np.maximum(np.abs(gains) + np.abs(bal["delivery"].sum(("sector", "source"), skipna=False)), 1e-6)
    rel = np.abs(res) / scale
    if not bool((rel <= rtol).all()):
        worst = rel.argmax(...)
        unit = str(bal.unit.values[int(worst["unit"])])
        step = str(bal.time.values[int(worst["time"])])[:10]
        raise MassBalanceError(
            f"mass balance does not close at unit '{unit}', step {step}: "
            f"residual {float(res.isel(worst)):.3g} hm3 (relative {float(rel.isel(worst)):.2g} > {rtol:g})"
        )


__all__ = ["BALANCE_RTOL", "InputError", "MassBalanceError", "account", "check_mass_balance"]
