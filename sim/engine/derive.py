"""Fused accounting passes over the engine's outputs (one compiled pass each).

For every batch member, step, unit and sector [hm3]:
``delivered = Σ_source delivery``, ``shortage = max(0, requirement − delivered)``,
``consumption = delivered × consumption_fraction`` and the return flow
``delivered − consumption`` split by the sector's return shares; and, per unit and step,
the mass-balance residual and the scale it is judged by. Doing this in compiled passes
avoids a dozen full-size temporaries in large ensembles. Each pass has a serial entry point (``*_serial``) and a
threaded one; :func:`derive` and :func:`residual` pick the threaded one for ensembles,
unless the calling thread has one numba thread (a chunk of
:func:`sim.distributed.imap_threads`). Every entry point releases the GIL (``nogil``).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange


@njit(cache=True)
def _i(arr, b):
    """Batch index into ``arr``: ``b``, or 0 when the array is shared across the batch."""
    return b if arr.shape[0] > 1 else 0


@njit(cache=True)
def _flows_member(b, delivery, req, cons, rriv, rgw, rww, external, is_gw, out, by_unit):
    """Shortage, consumption and return flows of batch member ``b`` (see :func:`derive`)."""
    _, nt, nu, ns, nsrc = delivery.shape
    br, bc, b1, b2, b3 = _i(req, b), _i(cons, b), _i(rriv, b), _i(rgw, b), _i(rww, b)
    for t in range(nt):
        tc, t1, t2, t3 = _i(cons[bc], t), _i(rriv[b1], t), _i(rgw[b2], t), _i(rww[b3], t)
        for u in range(nu):
            pump = 0.0
            ext = 0.0
            total = 0.0
            for s in range(ns):
                d = 0.0
                for k in range(nsrc):
                    v = delivery[b, t, u, s, k]
                    d += v
                    if external[k]:
                        ext += v
                    elif is_gw[k]:
                        pump += v
                c = d * cons[bc, tc, u, s]
                r = d - c
                out[0, b, t, u, s] = max(0.0, req[br, t, u, s] - d)
                out[1, b, t, u, s] = c
                out[2, b, t, u, s] = r * rriv[b1, t1, u, s]
                out[3, b, t, u, s] = r * rgw[b2, t2, u, s]
                out[4, b, t, u, s] = r * rww[b3, t3, u, s]
                total += d
            by_unit[0, b, t, u] = pump
            by_unit[1, b, t, u] = ext
            by_unit[2, b, t, u] = total


@njit(cache=True, nogil=True)
def derive_flows_serial(delivery, req, cons, rriv, rgw, rww, external, is_gw, out, by_unit):
    """Fill ``out`` and ``by_unit`` for every batch member, one after another."""
    for b in range(delivery.shape[0]):
        _flows_member(np.int64(b), delivery, req, cons, rriv, rgw, rww, external, is_gw, out, by_unit)


@njit(cache=True, parallel=True, nogil=True)
def derive_flows_parallel(delivery, req, cons, rriv, rgw, rww, external, is_gw, out, by_unit):
    """Fill ``out`` and ``by_unit`` for every batch member, members spread over threads."""
    for b in prange(delivery.shape[0]):
        _flows_member(np.int64(b), delivery, req, cons, rriv, rgw, rww, external, is_gw, out, by_unit)


def _threaded(delivery: np.ndarray) -> bool:
    """Use the threaded pass: several batch members, and numba has threads for this caller."""
    return delivery.shape[0] > 1 and numba.get_num_threads() > 1


def derive(
    delivery: np.ndarray,
    req: np.ndarray,
    cons: np.ndarray,
    rriv: np.ndarray,
    rgw: np.ndarray,
    rww: np.ndarray,
    external: np.ndarray,
    is_gw: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Shortage, consumption and return flows by sector; pumping and external water by unit.

    One pass over the deliveries.

    Parameters
    ----------
    delivery : numpy.ndarray
        (batch, time, unit, sector, source) [hm3].
    req : numpy.ndarray
        Requirement (batch or 1, time, unit, sector) [hm3].
    cons, rriv, rgw, rww : numpy.ndarray
        Consumption fraction and return shares to river, groundwater and wastewater
        (batch or 1, time or 1, unit, sector) [1].
    external, is_gw : numpy.ndarray
        Flags per source slot (bool): from outside the unit (transfer, harvested, other);
        groundwater.

    Returns
    -------
    flows : numpy.ndarray
        (5, batch, time, unit, sector): shortage, consumption, return to river, to
        groundwater, to wastewater [hm3].
    by_unit : numpy.ndarray
        (3, batch, time, unit): groundwater pumped, external water delivered and all water
        delivered, summed over the sectors [hm3].
    """
    out = np.empty((5, *delivery.shape[:-1]))
    by_unit = np.empty((3, *delivery.shape[:-2]))
    fn = derive_flows_parallel if _threaded(delivery) else derive_flows_serial
    fn(
        delivery,
        req,
        cons,
        rriv,
        rgw,
        rww,
        np.asarray(external, dtype=np.bool_),
        np.asarray(is_gw, dtype=np.bool_),
        out,
        by_unit,
    )
    return out, by_unit


@njit(cache=True)
def _residual_member(
    b, by_unit, flows, runoff, bnd, recharge, inflow, outflow, res, res0, aq, aq0, pool, out, scale
):
    """Mass-balance residual of batch member ``b`` (see :func:`residual`)."""
    _, _, nt, nu, ns = flows.shape
    b_ro, b_bn, b_re, b_r0, b_a0 = _i(runoff, b), _i(bnd, b), _i(recharge, b), _i(res0, b), _i(aq0, b)
    for t in range(nt):
        for u in range(nu):
            pump = by_unit[0, b, t, u]
            ext = by_unit[1, b, t, u]
            cons = 0.0
            gw_ret = 0.0
            for s in range(ns):
                cons += flows[1, b, t, u, s]
                gw_ret += flows[3, b, t, u, s]
            gains = runoff[b_ro, t, u] + bnd[b_bn, t, u] + inflow[b, t, u] + ext + recharge[b_re, t, u]
            res_prev = res0[b_r0, u] if t == 0 else res[b, t - 1, u]
            aq_prev = aq0[b_a0, u] if t == 0 else aq[b, t - 1, u]
            pool_prev = 0.0 if t == 0 else pool[b, t - 1, u]
            if np.isfinite(aq_prev):
                d_aq = aq[b, t, u] - aq_prev
            else:
                d_aq = recharge[b_re, t, u] + gw_ret - pump
            losses = outflow[b, t, u] + cons + (res[b, t, u] - res_prev) + d_aq + (pool[b, t, u] - pool_prev)
            out[b, t, u] = gains - losses
            # the magnitude of the terms (sim.accounting.balance_scale): inflows without the
            # external water, outflow, deliveries, consumption and the storages
            inflows = runoff[b_ro, t, u] + bnd[b_bn, t, u] + inflow[b, t, u] + recharge[b_re, t, u]
            stock = abs(aq[b, t, u]) if np.isfinite(aq[b, t, u]) else 0.0
            scale[b, t, u] = (
                abs(inflows) + abs(outflow[b, t, u]) + by_unit[2, b, t, u] + cons + abs(res[b, t, u]) + stock
                + abs(pool[b, t, u])
            )  # fmt: skip


@njit(cache=True, nogil=True)
def balance_residual_serial(
    by_unit, flows, runoff, bnd, recharge, inflow, outflow, res, res0, aq, aq0, pool, out, scale
):
    """Fill ``out`` with the residual of every batch member, one after another."""
    for b in range(flows.shape[1]):
        _residual_member(
            np.int64(b), by_unit, flows, runoff, bnd, recharge, inflow, outflow, res, res0, aq, aq0, pool, out,
            scale,
        )  # fmt: skip


@njit(cache=True, parallel=True, nogil=True)
def balance_residual_parallel(
    by_unit, flows, runoff, bnd, recharge, inflow, outflow, res, res0, aq, aq0, pool, out, scale
):
    """Fill ``out`` with the residual of every batch member, members spread over threads."""
    for b in prange(flows.shape[1]):
        _residual_member(
            np.int64(b), by_unit, flows, runoff, bnd, recharge, inflow, outflow, res, res0, aq, aq0, pool, out,
            scale,
        )  # fmt: skip


def residual(by_unit: np.ndarray, flows: np.ndarray, *states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mass-balance residual of each batch member, step and unit, and the scale it is judged by [hm3].

    ``residual = runoff + boundary inflow + inflow + external deliveries + recharge
    − outflow − consumption − Δreservoir − Δaquifer − Δreclaimed pool``, Δ being the change
    over the step (the first step against the initial states and an empty pool). For an
    aquifer with infinite storage, Δaquifer is taken from its flows (recharge + return −
    pumping).

    Parameters
    ----------
    by_unit : numpy.ndarray
        Pumping, external water and all water delivered by unit, the second output of
        :func:`derive` [hm3].
    flows : numpy.ndarray
        The first output of :func:`derive` [hm3].
    *states : numpy.ndarray
        runoff, boundary inflow, recharge (batch or 1, time, unit); inflow, outflow,
        reservoir storage (batch, time, unit); initial reservoir storage (batch or 1, unit);
        aquifer storage (batch, time, unit); initial aquifer storage (batch or 1, unit);
        reclaimed pool (batch, time, unit) [hm3].

    Returns
    -------
    residual : numpy.ndarray
        (batch, time, unit) [hm3].
    scale : numpy.ndarray
        (batch, time, unit): the magnitude of the terms of the balance, as
        :func:`sim.accounting.balance_scale` [hm3].
    """
    out = np.empty(flows.shape[1:4])
    scale = np.empty(flows.shape[1:4])
    fn = balance_residual_parallel if _threaded(flows[0]) else balance_residual_serial
    fn(by_unit, flows, *states, out, scale)
    return out, scale
