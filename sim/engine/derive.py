"""Fused computation of the per-sector accounting flows (one pass over the deliveries).

For every batch member, step, unit and sector [hm3]:
``delivered = Σ_source delivery``, ``shortage = max(0, requirement − delivered)``,
``consumption = delivered × consumption_fraction`` and the return flow
``delivered − consumption`` split by the sector's return shares. Doing this in one
compiled pass avoids a dozen full-size temporaries in large ensembles.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def derive_flows(delivery, req, cons, rriv, rgw, rww, out):
    """Fill ``out`` (5, batch, time, unit, sector) with shortage, consumption and returns.

    ``delivery`` is (batch, time, unit, sector, source); ``req`` (batch or 1, time, unit,
    sector); the fractions (batch or 1, unit, sector) [1]. Rows of ``out``: shortage,
    consumption, return to river, return to groundwater, return to wastewater [hm3].
    """
    nb, nt, nu, ns, nsrc = delivery.shape
    for bp in prange(nb):
        b = np.int64(bp)
        br = b if req.shape[0] > 1 else np.int64(0)
        bc = b if cons.shape[0] > 1 else np.int64(0)
        b1 = b if rriv.shape[0] > 1 else np.int64(0)
        b2 = b if rgw.shape[0] > 1 else np.int64(0)
        b3 = b if rww.shape[0] > 1 else np.int64(0)
        for t in range(nt):
            for u in range(nu):
                for s in range(ns):
                    d = 0.0
                    for k in range(nsrc):
                        d += delivery[b, t, u, s, k]
                    c = d * cons[bc, u, s]
                    r = d - c
                    out[0, b, t, u, s] = max(0.0, req[br, t, u, s] - d)
                    out[1, b, t, u, s] = c
                    out[2, b, t, u, s] = r * rriv[b1, u, s]
                    out[3, b, t, u, s] = r * rgw[b2, u, s]
                    out[4, b, t, u, s] = r * rww[b3, u, s]


def derive(
    delivery: np.ndarray,
    req: np.ndarray,
    cons: np.ndarray,
    rriv: np.ndarray,
    rgw: np.ndarray,
    rww: np.ndarray,
) -> np.ndarray:
    """Allocate the output and run :func:`derive_flows`; see its docstring for shapes and units."""
    out = np.empty((5, *delivery.shape[:-1]))
    derive_flows(delivery, req, cons, rriv, rgw, rww, out)
    return out


@njit(cache=True, parallel=True)
def balance_residual(
    delivery, flows, external, is_gw, runoff, bnd, recharge, inflow, outflow, res, res0, aq, aq0, pool, out
):
    """Fill ``out`` (batch, time, unit) with the mass-balance residual of each unit and step [hm3].

    ``residual = runoff + boundary inflow + inflow + external deliveries + recharge
    − outflow − consumption − Δreservoir − Δaquifer − Δreclaimed pool``, where Δ is the
    change over the step (the first step against the initial states ``res0``/``aq0`` and an
    empty pool). For an aquifer with infinite storage, Δaquifer is taken from its flows
    (recharge + return − pumping). ``external``/``is_gw`` flag the source slots of
    ``delivery`` that come from outside the unit (transfer, harvested, other) and from the
    aquifer. Arrays with a leading axis of 1 are shared across the batch.
    """
    nb, nt, nu, ns, nsrc = delivery.shape
    for bp in prange(nb):
        b = np.int64(bp)
        b_ro = b if runoff.shape[0] > 1 else np.int64(0)
        b_bn = b if bnd.shape[0] > 1 else np.int64(0)
        b_re = b if recharge.shape[0] > 1 else np.int64(0)
        b_r0 = b if res0.shape[0] > 1 else np.int64(0)
        b_a0 = b if aq0.shape[0] > 1 else np.int64(0)
        for t in range(nt):
            for u in range(nu):
                ext = 0.0
                pump = 0.0
                cons = 0.0
                gw_ret = 0.0
                for s in range(ns):
                    cons += flows[1, b, t, u, s]
                    gw_ret += flows[3, b, t, u, s]
                    for k in range(nsrc):
                        if external[k]:
                            ext += delivery[b, t, u, s, k]
                        elif is_gw[k]:
                            pump += delivery[b, t, u, s, k]
                gains = runoff[b_ro, t, u] + bnd[b_bn, t, u] + inflow[b, t, u] + ext + recharge[b_re, t, u]
                res_prev = res0[b_r0, u] if t == 0 else res[b, t - 1, u]
                aq_prev = aq0[b_a0, u] if t == 0 else aq[b, t - 1, u]
                pool_prev = 0.0 if t == 0 else pool[b, t - 1, u]
                if np.isfinite(aq_prev):
                    d_aq = aq[b, t, u] - aq_prev
                else:
                    d_aq = recharge[b_re, t, u] + gw_ret - pump
                losses = (
                    outflow[b, t, u] + cons + (res[b, t, u] - res_prev) + d_aq + (pool[b, t, u] - pool_prev)
                )
                out[b, t, u] = gains - losses
