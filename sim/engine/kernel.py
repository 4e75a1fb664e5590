"""Time-stepping kernel: priority allocation over a river network with storage.

This module is the hot path. Every function is written in plain, scalar Python over
numpy arrays so that the same source runs either compiled by numba (the default) or
interpreted (``run_kernel.py_func``, the readable reference path used in the tests).

Units: every volume is in hm3 per time step; shares and fractions are in [1].

The allocation rule (documented in ``docs/model.md``):

* Demands are served stage by stage. A stage is a pair (priority, preference rank):
  all priority-1 demands draw on their first-preference source, then on their
  second, and so on; then priority 2.
* Within a stage, demands share in equal percentage of their remaining requirement
  (max-min fair "equal coverage"). For a unit-local source (groundwater, transfer,
  reclaimed, harvested, other) this is a proportional share of what the source can give.
  For surface water the share is computed over the whole network by progressive
  filling: the common coverage rises until a node's intake, or a unit's diversion
  capacity, binds; demands that would drain a binding node are frozen and the others
  continue.
* Return flow to the river (and the wastewater that is not reclaimed) enters at the
  unit's outlet in the same step, so it is available downstream only.
* Reservoir storage above dead storage is available to any demand it can reach.
  After all demands are served, reservoirs retain as much as they can without
  taking water any downstream delivery relied on, upstream-most first; hence the
  downstream-most reservoir releases first. What a full reservoir cannot hold spills.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Source indices (the order of ``sim.engine.SOURCES``).
SURFACE = 0
GROUNDWATER = 1
TRANSFER = 2
RECLAIMED = 3
HARVESTED = 4
OTHER = 5
N_SOURCES = 6

_MAX_NEWTON = 200


@njit(cache=True)
def _forward(
    t, order, link_from, link_to, share, lcap, nat, w0, a, r0, ar, k0, kdir, intake, outflow, lflow, dout
):
    """Route water through the network for a trial step size ``t``.

    Withdrawal at unit u is ``w0[u] + t*a[u]``; river return ``r0[u] + t*ar[u]``;
    retention at the outlet ``k0[u] + t*kdir[u]``. Fills ``intake``, ``outflow`` and
    ``lflow`` and returns (G, slope): the smallest constraint slack and the right
    derivative of the constraint that attains it. Constraints are ``intake >= withdrawal``
    and ``outflow >= 0`` at every unit.
    """
    n = order.shape[0]
    nl = link_from.shape[0]
    dintake = np.zeros(n)
    for i in range(n):
        intake[i] = nat[i]
    g_min = np.inf
    g_slope = 0.0
    for j in range(n):
        u = order[j]
        # slack of the intake constraint
        g = intake[u] - (w0[u] + t * a[u])
        dg = dintake[u] - a[u]
        if g < g_min or (g == g_min and dg < g_slope):
            g_min = g
            g_slope = dg
        out = g + r0[u] + t * ar[u] - k0[u] - t * kdir[u]
        do = dg + ar[u] - kdir[u]
        outflow[u] = out
        dout[u] = do
        if out < g_min or (out == g_min and do < g_slope):
            g_min = out
            g_slope = do
        for li in range(nl):
            if link_from[li] != u:
                continue
            q = share[li] * out
            dq = share[li] * do
            c = lcap[li]
            if q > c:
                lflow[li] = c
                dq = 0.0
            elif q == c and dq > 0.0:
                lflow[li] = c
                dq = 0.0
            else:
                lflow[li] = q
            v = link_to[li]
            if v >= 0:
                intake[v] += lflow[li]
                dintake[v] += dq
    return g_min, g_slope


@njit(cache=True)
def _max_step(
    t_hi, order, link_from, link_to, share, lcap, nat, w0, a, r0, ar, k0, kdir, ccap, intake, outflow, lflow, dout, tol
):
    """Largest t in [0, t_hi] that keeps every constraint feasible (Newton from the right).

    The constraints are concave and non-increasing in t, so Newton steps taken from an
    infeasible point approach the root monotonically from above and stop after finitely
    many steps on a piecewise-linear function.
    """
    t = t_hi
    for _ in range(_MAX_NEWTON):
        g, dg = _forward(t, order, link_from, link_to, share, lcap, nat, w0, a, r0, ar, k0, kdir,
                         intake, outflow, lflow, dout)
        # diversion-capacity constraints (linear)
        for u in range(order.shape[0]):
            s = ccap[u] - (w0[u] + t * a[u])
            if s < g or (s == g and -a[u] < dg):
                g = s
                dg = -a[u]
        if g >= -tol:
            return t
        if dg >= 0.0:
            return 0.0
        t_new = t - g / dg
        if t_new >= t:
            return t
        t = max(t_new, 0.0)
    return t


@njit(cache=True)
def _surface_stage(
    dem_u, dem_rem, dem_rho, order, link_from, link_to, share, lcap, nat, w_fix, r_fix, ccap, scale
):
    """Equal-coverage (max-min fair) surface allocation for the demands of one stage.

    ``dem_u``, ``dem_rem``, ``dem_rho``: unit, remaining requirement and river-return
    fraction of each stage demand. ``w_fix`` and ``r_fix`` hold the withdrawals and river
    returns already fixed this step. Returns the delivery to each stage demand.
    """
    n = order.shape[0]
    nd = dem_u.shape[0]
    nl = link_from.shape[0]
    y = np.zeros(nd)
    frozen = np.zeros(nd, dtype=np.bool_)
    for d in range(nd):
        if dem_rem[d] <= 0.0:
            frozen[d] = True
    intake = np.empty(n)
    outflow = np.empty(n)
    dout = np.empty(n)
    lflow = np.empty(nl)
    zeros = np.zeros(n)
    tol = 1e-12 * scale
    tight_tol = 1e-10 * scale
    t_lo = 0.0
    for _round in range(nd + 1):
        n_active = 0
        w0 = w_fix.copy()
        r0 = r_fix.copy()
        a = np.zeros(n)
        ar = np.zeros(n)
        for d in range(nd):
            u = dem_u[d]
            if frozen[d]:
                w0[u] += y[d]
                r0[u] += dem_rho[d] * y[d]
            else:
                n_active += 1
                a[u] += dem_rem[d]
                ar[u] += dem_rho[d] * dem_rem[d]
        if n_active == 0:
            break
        t = _max_step(1.0, order, link_from, link_to, share, lcap, nat, w0, a, r0, ar, zeros, zeros, ccap,
                      intake, outflow, lflow, dout, tol)
        if t < t_lo:
            t = t_lo
        t_lo = t
        for d in range(nd):
            if not frozen[d]:
                y[d] = t * dem_rem[d]
        if t >= 1.0:
            break
        # Which constraints bind at t?
        _forward(t, order, link_from, link_to, share, lcap, nat, w0, a, r0, ar, zeros, zeros,
                 intake, outflow, lflow, dout)
        tight = np.zeros(n, dtype=np.bool_)
        tight_cap = np.zeros(n, dtype=np.bool_)
        for u in range(n):
            if intake[u] - (w0[u] + t * a[u]) <= tight_tol:
                tight[u] = True
            if ccap[u] - (w0[u] + t * a[u]) <= tight_tol:
                tight_cap[u] = True
        # reach[u]: a smaller outflow of u lowers the intake of a binding node downstream
        reach = np.zeros(n, dtype=np.bool_)
        for j in range(n - 1, -1, -1):
            u = order[j]
            for li in range(nl):
                if link_from[li] != u or share[li] <= 0.0:
                    continue
                v = link_to[li]
                if v < 0:
                    continue
                if share[li] * outflow[u] - lcap[li] > tight_tol:
                    continue  # spilling link: a small change upstream does not reach v
                if tight[v] or reach[v]:
                    reach[u] = True
        n_frozen = 0
        for d in range(nd):
            if frozen[d]:
                continue
            u = dem_u[d]
            if tight[u] or tight_cap[u] or (reach[u] and dem_rho[d] < 1.0 - 1e-12):
                frozen[d] = True
                n_frozen += 1
        if n_frozen == 0:
            break  # numerical safety: nothing binds although t < 1
    return y


@njit(cache=True)
def _step(
    order, link_from, link_to, share, lcap, stage_src, stage_rank, rank_src,
    req, cons, rriv, rgw, rww, nat_t, scap_t, res_cap, res_dead, gw_cap_t, gw_rech_t, gw_yield, gw_allow,
    tr_step_t, tr_annual, reuse, recl_cap_t, harv_t, other_t,
    res_s, gw_s, gw_used, tr_used, pool,
    deliv, o_lflow, o_lspill, o_inflow, o_outflow, o_res, o_rel, o_spill, o_gw, o_od, o_pool, o_disc,
):
    """Advance one batch member by one time step, writing outputs in place."""
    n = order.shape[0]
    ns = req.shape[1]
    nk = rank_src.shape[1]
    nl = link_from.shape[0]
    nst = stage_src.shape[0]

    # --- what each source can give this step
    avail = np.zeros((n, N_SOURCES))
    avail0_recl = np.empty(n)
    base = np.empty(n)
    virt = np.empty(n)
    for u in range(n):
        base[u] = min(res_s[u], res_dead[u])
        virt[u] = res_s[u] - base[u]
        room = gw_allow[u] - gw_used[u]
        avail[u, GROUNDWATER] = max(0.0, min(gw_cap_t[u], room, gw_s[u]))
        avail[u, TRANSFER] = max(0.0, min(tr_step_t[u], tr_annual[u] - tr_used[u]))
        avail[u, RECLAIMED] = max(0.0, min(pool[u], recl_cap_t[u]))
        avail0_recl[u] = avail[u, RECLAIMED]
        avail[u, HARVESTED] = max(0.0, harv_t[u])
        avail[u, OTHER] = max(0.0, other_t[u])
    nat = np.empty(n)
    for u in range(n):
        nat[u] = nat_t[u] + virt[u]

    rem = req.copy()
    rho = np.empty((n, ns))
    for u in range(n):
        for s in range(ns):
            rho[u, s] = (1.0 - cons[u, s]) * (rriv[u, s] + rww[u, s] * (1.0 - reuse[u]))
    w_fix = np.zeros(n)
    r_fix = np.zeros(n)
    scale = 1.0
    for u in range(n):
        scale += abs(nat[u])
        for s in range(ns):
            scale += rem[u, s]

    # --- stages: (priority, preference rank) in order
    dem_u = np.empty(n * ns, dtype=np.int64)
    dem_s = np.empty(n * ns, dtype=np.int64)
    dem_rem = np.empty(n * ns)
    dem_rho = np.empty(n * ns)
    for st in range(nst):
        # unit-local sources: proportional share of what the source can give
        for src in range(1, N_SOURCES):
            for u in range(n):
                asked = 0.0
                for s in range(ns):
                    if stage_src[st, s] == src:
                        asked += rem[u, s]
                if asked <= 0.0:
                    continue
                frac = min(1.0, avail[u, src] / asked)
                for s in range(ns):
                    if stage_src[st, s] == src:
                        got = rem[u, s] * frac
                        k = stage_rank[st, s]
                        deliv[u, s, k] += got
                        rem[u, s] -= got
                        avail[u, src] -= got
                        r_fix[u] += rho[u, s] * got
                avail[u, src] = max(avail[u, src], 0.0)
        # surface water over the network
        nd = 0
        for s in range(ns):
            if stage_src[st, s] != SURFACE:
                continue
            for u in range(n):
                if rem[u, s] > 0.0:
                    dem_u[nd] = u
                    dem_s[nd] = s
                    dem_rem[nd] = rem[u, s]
                    dem_rho[nd] = rho[u, s]
                    nd += 1
        if nd == 0:
            continue
        y = _surface_stage(dem_u[:nd], dem_rem[:nd], dem_rho[:nd], order, link_from, link_to, share, lcap,
                           nat, w_fix, r_fix, scap_t, scale)
        for d in range(nd):
            u = dem_u[d]
            s = dem_s[d]
            got = min(y[d], rem[u, s])
            k = stage_rank[st, s]
            deliv[u, s, k] += got
            rem[u, s] -= got
            w_fix[u] += got
            r_fix[u] += rho[u, s] * got

    # --- returns, pools and groundwater from the final deliveries
    pumped = np.zeros(n)
    gw_ret = np.zeros(n)
    ww = np.zeros(n)
    for u in range(n):
        for s in range(ns):
            tot = 0.0
            for k in range(nk):
                tot += deliv[u, s, k]
                if rank_src[s, k] == GROUNDWATER:
                    pumped[u] += deliv[u, s, k]
                elif rank_src[s, k] == TRANSFER:
                    tr_used[u] += deliv[u, s, k]
            ret = (1.0 - cons[u, s]) * tot
            gw_ret[u] += ret * rgw[u, s]
            ww[u] += ret * rww[u, s]
    # reclaimed water not delivered this step leaves the plant to the river at the outlet
    disc = np.empty(n)
    for u in range(n):
        used = avail0_recl[u] - avail[u, RECLAIMED]
        disc[u] = pool[u] - used
        r_fix[u] += disc[u]

    # --- final routing, then reservoir retention (upstream-most first)
    intake = np.empty(n)
    outflow = np.empty(n)
    dout = np.empty(n)
    lflow = np.empty(nl)
    zeros = np.zeros(n)
    k0 = np.zeros(n)
    kdir = np.zeros(n)
    tol = 1e-12 * scale
    new_res = res_s.copy()
    for j in range(n):
        r = order[j]
        if res_cap[r] <= 0.0:
            continue
        _forward(0.0, order, link_from, link_to, share, lcap, nat, w_fix, zeros, r_fix, zeros, k0, zeros,
                 intake, outflow, lflow, dout)
        kdir[r] = 1.0
        big = np.full(n, np.inf)
        x_unc = _max_step(max(outflow[r], 0.0), order, link_from, link_to, share, lcap, nat, w_fix, zeros,
                          r_fix, zeros, k0, kdir, big, intake, outflow, lflow, dout, tol)
        kdir[r] = 0.0
        room = max(res_cap[r] - base[r], 0.0)
        x = min(x_unc, room)
        k0[r] = x
        new_res[r] = base[r] + x
        o_spill[r] = x_unc - x
        o_rel[r] = res_s[r] - new_res[r]
    _forward(0.0, order, link_from, link_to, share, lcap, nat, w_fix, zeros, r_fix, zeros, k0, zeros,
             intake, outflow, lflow, dout)

    for u in range(n):
        o_outflow[u] = outflow[u]
        o_inflow[u] = intake[u] - nat[u]
        o_res[u] = new_res[u]
        res_s[u] = new_res[u]
        # aquifer
        gw_s[u] = gw_s[u] + gw_rech_t[u] + gw_ret[u] - pumped[u]
        before = max(0.0, gw_used[u] - gw_yield[u])
        gw_used[u] += pumped[u]
        o_od[u] = max(0.0, gw_used[u] - gw_yield[u]) - before
        o_gw[u] = gw_s[u]
        # reclaimed pool for the next step
        o_disc[u] = disc[u]
        pool[u] = reuse[u] * ww[u]
        o_pool[u] = pool[u]
    for li in range(nl):
        o_lflow[li] = lflow[li]
        o_lspill[li] = share[li] * outflow[link_from[li]] - lflow[li]


@njit(cache=True)
def run_kernel(
    nbatch, order, link_from, link_to, link_share, link_cap, stage_src, stage_rank, rank_src,
    req, cons, rriv, rgw, rww, nat, scap, res_cap, res_dead, res_init,
    gw_cap, gw_rech, gw_yield, gw_allow, gw_init, tr_step, tr_annual, reuse, recl_cap, recl_init,
    harv, other, year_start,
):
    """Run the whole horizon for ``nbatch`` members (scenarios x samples, flattened).

    Every input array has a leading batch axis of length 1 (shared) or ``nbatch``.
    Time-varying inputs are shaped (batch, time, unit[, sector]); static ones
    (batch, unit[, sector]). All volumes are in hm3 per step.

    Returns
    -------
    tuple of numpy.ndarray
        ``delivery`` (batch, time, unit, sector, rank) [hm3], link flow and link spill
        (batch, time, link) [hm3], and (batch, time, unit) [hm3]: inflow from upstream,
        outflow, reservoir storage (end of step), reservoir release (storage change,
        positive when storage falls), reservoir spill, aquifer storage (end of step),
        groundwater overdraft, reclaimed-water pool for the next step, reclaimed water
        discharged unused.
    """
    nt = year_start.shape[0]
    n = order.shape[0]
    ns = req.shape[3]
    nk = rank_src.shape[1]
    nl = link_from.shape[0]
    deliv = np.zeros((nbatch, nt, n, ns, max(nk, 1)))
    o_lflow = np.zeros((nbatch, nt, nl))
    o_lspill = np.zeros((nbatch, nt, nl))
    unit_out = np.zeros((9, nbatch, nt, n))
    for b in range(nbatch):
        res_s = res_init[min(b, res_init.shape[0] - 1)].copy()
        gw_s = gw_init[min(b, gw_init.shape[0] - 1)].copy()
        pool = recl_init[min(b, recl_init.shape[0] - 1)].copy()
        gw_used = np.zeros(n)
        tr_used = np.zeros(n)
        for ti in range(nt):
            if year_start[ti]:
                gw_used[:] = 0.0
                tr_used[:] = 0.0
            _step(
                order, link_from, link_to,
                link_share[min(b, link_share.shape[0] - 1)], link_cap[min(b, link_cap.shape[0] - 1), ti],
                stage_src, stage_rank, rank_src,
                req[min(b, req.shape[0] - 1), ti], cons[min(b, cons.shape[0] - 1)],
                rriv[min(b, rriv.shape[0] - 1)], rgw[min(b, rgw.shape[0] - 1)], rww[min(b, rww.shape[0] - 1)],
                nat[min(b, nat.shape[0] - 1), ti], scap[min(b, scap.shape[0] - 1), ti],
                res_cap[min(b, res_cap.shape[0] - 1)], res_dead[min(b, res_dead.shape[0] - 1)],
                gw_cap[min(b, gw_cap.shape[0] - 1), ti], gw_rech[min(b, gw_rech.shape[0] - 1), ti],
                gw_yield[min(b, gw_yield.shape[0] - 1)], gw_allow[min(b, gw_allow.shape[0] - 1)],
                tr_step[min(b, tr_step.shape[0] - 1), ti], tr_annual[min(b, tr_annual.shape[0] - 1)],
                reuse[min(b, reuse.shape[0] - 1)], recl_cap[min(b, recl_cap.shape[0] - 1), ti],
                harv[min(b, harv.shape[0] - 1), ti], other[min(b, other.shape[0] - 1), ti],
                res_s, gw_s, gw_used, tr_used, pool,
                deliv[b, ti], o_lflow[b, ti], o_lspill[b, ti],
                unit_out[0, b, ti], unit_out[1, b, ti], unit_out[2, b, ti], unit_out[3, b, ti],
                unit_out[4, b, ti], unit_out[5, b, ti], unit_out[6, b, ti], unit_out[7, b, ti],
                unit_out[8, b, ti],
            )
    return deliv, o_lflow, o_lspill, unit_out
