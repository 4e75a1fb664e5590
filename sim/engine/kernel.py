"""Time-stepping kernel: priority allocation over a river network with storage.

This module is the hot path. Every function is written in plain, scalar Python over
numpy arrays so that the same source runs either compiled by numba (the default) or
interpreted (``run_kernel.py_func``, the readable reference path used in the tests).

Units: every volume is in hm3 per time step; shares and fractions are in [1].

The allocation rule (``docs/model.md`` §2):

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

Numerics: the constraints of a stage are concave, piecewise-linear and non-increasing
in the common coverage ``t``, so Newton steps taken from ``t = 1`` approach the largest
feasible ``t`` monotonically from above and stop after finitely many steps.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

# Source indices (the order of ``sim.engine.SOURCES``).
SURFACE = 0
GROUNDWATER = 1
TRANSFER = 2
RECLAIMED = 3
HARVESTED = 4
OTHER = 5
N_SOURCES = 6

_MAX_NEWTON = 200


# Rows of the ``lin`` array that describes a trial in :func:`_forward`.
W0, A, R0, AR, K0, KDIR = 0, 1, 2, 3, 4, 5
# Rows of the ``ws_f`` work array filled by :func:`_forward`.
INTAKE, DINTAKE, OUTFLOW, DOUT, LFLOW = 0, 1, 2, 3, 4


@njit(cache=True)
def _forward(t, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f):
    """Route water through the network for a trial coverage ``t``.

    ``lin`` (6, unit) holds affine functions of ``t`` [hm3]: withdrawal at unit u is
    ``lin[W0, u] + t * lin[A, u]``, river return ``lin[R0, u] + t * lin[AR, u]`` and
    retention at the outlet ``lin[K0, u] + t * lin[KDIR, u]``. Fills the rows INTAKE,
    DINTAKE, OUTFLOW, DOUT (per unit) and LFLOW (per link) of ``ws_f`` and returns the smallest
    slack over the constraints ``intake >= withdrawal`` and ``outflow >= 0``, with the right
    derivative of the constraint that attains it. (Arrays are indexed in place, never sliced:
    a slice costs reference-count updates that would dominate this small loop.)
    """
    n = order.shape[0]
    for i in range(n):
        ws_f[INTAKE, i] = nat[i]
        ws_f[DINTAKE, i] = 0.0
    g_min = np.inf
    g_slope = 0.0
    for j in range(n):
        u = order[j]
        g = ws_f[INTAKE, u] - (lin[W0, u] + t * lin[A, u])
        dg = ws_f[DINTAKE, u] - lin[A, u]
        if g < g_min or (g == g_min and dg < g_slope):
            g_min = g
            g_slope = dg
        out = g + lin[R0, u] + t * lin[AR, u] - lin[K0, u] - t * lin[KDIR, u]
        do = dg + lin[AR, u] - lin[KDIR, u]
        ws_f[OUTFLOW, u] = out
        ws_f[DOUT, u] = do
        if out < g_min or (out == g_min and do < g_slope):
            g_min = out
            g_slope = do
        for p in range(out_ptr[u], out_ptr[u + 1]):
            li = out_links[p]
            q = share[li] * out
            dq = share[li] * do
            c = lcap[li]
            if q > c or (q == c and dq > 0.0):
                q = c
                dq = 0.0
            ws_f[LFLOW, li] = q
            v = link_to[li]
            if v >= 0:
                ws_f[INTAKE, v] += q
                ws_f[DINTAKE, v] += dq
    return g_min, g_slope


@njit(cache=True)
def _max_step(t_hi, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ccap, tol, ws_f):
    """Largest t in [0, t_hi] that keeps every constraint feasible (Newton from the right).

    ``ccap`` adds the linear constraints ``lin[W0] + t * lin[A] <= ccap`` (diversion
    capacity) [hm3]. On return, ``ws_f`` holds the routing at the returned ``t``.
    """
    n = order.shape[0]
    t = t_hi
    for _ in range(_MAX_NEWTON):
        g, dg = _forward(t, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f)
        for u in range(n):
            s = ccap[u] - (lin[W0, u] + t * lin[A, u])
            if s < g or (s == g and -lin[A, u] < dg):
                g = s
                dg = -lin[A, u]
        if g >= -tol:
            return t
        if dg >= 0.0:
            break  # infeasible with no way down: numerically at the root t = 0
        t_new = t - g / dg
        if t_new >= t:
            return t
        t = max(t_new, 0.0)
    else:
        # out of iterations (not seen in practice): keep the last trial and its routing
        _forward(t, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f)
        return t
    _forward(0.0, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f)
    return 0.0


@njit(cache=True)
def _surface_stage(
    nd, dem_u, dem_rem, dem_rho, y, order, out_ptr, out_links, link_to, share, lcap, nat, w_fix, r_fix, ccap,
    scale, ws_f, lin, flags, frozen,
):  # fmt: skip
    """Equal-coverage (max-min fair) surface allocation for the ``nd`` demands of one stage.

    ``dem_u``, ``dem_rem``, ``dem_rho``: unit, remaining requirement [hm3] and river-return
    fraction [1] of each stage demand. ``w_fix`` and ``r_fix`` hold the withdrawals and
    river returns already fixed this step [hm3]. Writes the delivery of each demand to ``y``.
    ``lin`` (6, unit) and ``flags`` (3, unit) are work arrays.
    """
    n = order.shape[0]
    for d in range(nd):
        y[d] = 0.0
        frozen[d] = dem_rem[d] <= 0.0
    tol = 1e-12 * scale
    tight_tol = 1e-10 * scale
    t_lo = 0.0
    for _round in range(nd + 1):
        n_active = 0
        for u in range(n):
            lin[W0, u] = w_fix[u]
            lin[R0, u] = r_fix[u]
            lin[A, u] = 0.0
            lin[AR, u] = 0.0
            lin[K0, u] = 0.0
            lin[KDIR, u] = 0.0
        for d in range(nd):
            u = dem_u[d]
            if frozen[d]:
                lin[W0, u] += y[d]
                lin[R0, u] += dem_rho[d] * y[d]
            else:
                n_active += 1
                lin[A, u] += dem_rem[d]
                lin[AR, u] += dem_rho[d] * dem_rem[d]
        if n_active == 0:
            break
        t_found = _max_step(1.0, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ccap, tol, ws_f)
        t = max(t_found, t_lo)
        t_lo = t
        stale = t_found < t  # ws_f holds the routing at t_found, not at t
        for d in range(nd):
            if not frozen[d]:
                y[d] = t * dem_rem[d]
        if t >= 1.0:
            break
        # which constraints bind at t? flags rows: 0 intake binds, 1 capacity binds, 2 reach
        if stale:
            _forward(t, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f)
        for u in range(n):
            wu = lin[W0, u] + t * lin[A, u]
            flags[0, u] = ws_f[INTAKE, u] - wu <= tight_tol
            flags[1, u] = ccap[u] - wu <= tight_tol
            flags[2, u] = False
        # reach[u]: a smaller outflow of u lowers the intake of a binding unit downstream
        for j in range(n - 1, -1, -1):
            u = order[j]
            for p in range(out_ptr[u], out_ptr[u + 1]):
                li = out_links[p]
                v = link_to[li]
                if v < 0 or share[li] <= 0.0:
                    continue
                if share[li] * ws_f[OUTFLOW, u] - lcap[li] > tight_tol:
                    continue  # spilling link: a small change upstream does not reach v
                if flags[0, v] or flags[2, v]:
                    flags[2, u] = True
        n_frozen = 0
        for d in range(nd):
            if frozen[d]:
                continue
            u = dem_u[d]
            if flags[0, u] or flags[1, u] or (flags[2, u] and dem_rho[d] < 1.0 - 1e-12):
                frozen[d] = True
                n_frozen += 1
        if n_frozen == 0:
            break  # numerical safety: nothing binds although t < 1


@njit(cache=True)
def _step(
    order,
    out_ptr,
    out_links,
    link_from,
    link_to,
    share,
    lcap,
    stage_src,
    stage_rank,
    rank_src,
    req,
    cons,
    rriv,
    rgw,
    rww,
    nat_t,
    scap_t,
    res_cap,
    res_dead,
    gw_cap_t,
    gw_rech_t,
    gw_yield,
    gw_allow,
    tr_step_t,
    tr_annual,
    reuse,
    recl_cap_t,
    harv_t,
    other_t,
    res_s,
    gw_s,
    gw_used,
    tr_used,
    pool,
    rank_slot,
    o_deliv,
    o_lflow,
    o_lspill,
    o_unit,
    ti,
    ws_f,
    lin,
    flags,
    ws_u,
    ws_d,
    ws_di,
    frozen,
    rem,
    rho,
    avail,
    deliv,
):
    """Advance one batch member by one time step, writing outputs in place."""
    n = order.shape[0]
    ns = req.shape[1]
    nk = rank_src.shape[1]
    nl = link_from.shape[0]
    nst = stage_src.shape[0]
    base = ws_u[0]
    nat = ws_u[1]
    w_fix = ws_u[2]
    r_fix = ws_u[3]
    avail0_recl = ws_u[4]
    pumped = ws_u[5]
    gw_ret = ws_u[6]
    ww = ws_u[7]
    disc = ws_u[8]
    big = ws_u[11]
    asked = ws_u[13]  # length >= N_SOURCES
    dem_rem = ws_d[0]
    dem_rho = ws_d[1]
    y = ws_d[2]
    dem_u = ws_di[0]
    dem_s = ws_di[1]

    # --- what each source can give this step
    scale = 1.0
    for u in range(n):
        base[u] = min(res_s[u], res_dead[u])
        nat[u] = nat_t[u] + (res_s[u] - base[u])
        scale += abs(nat[u])
        avail[u, SURFACE] = 0.0
        avail[u, GROUNDWATER] = max(0.0, min(gw_cap_t[u], gw_allow[u] - gw_used[u], gw_s[u]))
        avail[u, TRANSFER] = max(0.0, min(tr_step_t[u], tr_annual[u] - tr_used[u]))
        avail[u, RECLAIMED] = max(0.0, min(pool[u], recl_cap_t[u]))
        avail[u, HARVESTED] = max(0.0, harv_t[u])
        avail[u, OTHER] = max(0.0, other_t[u])
        avail0_recl[u] = avail[u, RECLAIMED]
        w_fix[u] = 0.0
        r_fix[u] = 0.0
        big[u] = np.inf
        for s in range(ns):
            rem[u, s] = req[u, s]
            scale += req[u, s]
            rho[u, s] = (1.0 - cons[u, s]) * (rriv[u, s] + rww[u, s] * (1.0 - reuse[u]))
            for k in range(nk):
                deliv[u, s, k] = 0.0

    # --- stages: (priority, preference rank) in order
    for st in range(nst):
        has_local = False
        has_surface = False
        for s in range(ns):
            has_local = has_local or stage_src[st, s] > SURFACE
            has_surface = has_surface or stage_src[st, s] == SURFACE
        # unit-local sources: proportional share of what each source can give
        for u in range(n if has_local else 0):
            for src in range(N_SOURCES):
                asked[src] = 0.0
            any_local = False
            for s in range(ns):
                src = stage_src[st, s]
                if src > SURFACE and rem[u, s] > 0.0:
                    asked[src] += rem[u, s]
                    any_local = True
            if not any_local:
                continue
            for s in range(ns):
                src = stage_src[st, s]
                if src <= SURFACE or rem[u, s] <= 0.0:
                    continue
                got = rem[u, s] * min(1.0, avail[u, src] / asked[src])
                deliv[u, s, stage_rank[st, s]] += got
                rem[u, s] -= got
                r_fix[u] += rho[u, s] * got
            for src in range(1, N_SOURCES):
                if asked[src] > 0.0:
                    avail[u, src] = max(0.0, avail[u, src] - min(asked[src], avail[u, src]))
        # surface water over the network
        if not has_surface:
            continue
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
        _surface_stage(
            nd,
            dem_u,
            dem_rem,
            dem_rho,
            y,
            order,
            out_ptr,
            out_links,
            link_to,
            share,
            lcap,
            nat,
            w_fix,
            r_fix,
            scap_t,
            scale,
            ws_f,
            lin,
            flags,
            frozen,
        )
        for d in range(nd):
            u = dem_u[d]
            s = dem_s[d]
            got = min(y[d], rem[u, s])
            deliv[u, s, stage_rank[st, s]] += got
            rem[u, s] -= got
            w_fix[u] += got
            r_fix[u] += rho[u, s] * got

    # --- returns and pools from the final deliveries
    for u in range(n):
        pumped[u] = 0.0
        gw_ret[u] = 0.0
        ww[u] = 0.0
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
        disc[u] = pool[u] - (avail0_recl[u] - avail[u, RECLAIMED])
        r_fix[u] += disc[u]

    # --- reservoirs fill with what is left, upstream-most first
    tol = 1e-12 * scale
    for u in range(n):
        lin[W0, u] = w_fix[u]
        lin[A, u] = 0.0
        lin[R0, u] = r_fix[u]
        lin[AR, u] = 0.0
        lin[K0, u] = 0.0
        lin[KDIR, u] = 0.0
    _forward(0.0, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f)
    for j in range(n):
        r = order[j]
        o_unit[4, ti, r] = 0.0
        if res_cap[r] <= 0.0:
            o_unit[2, ti, r] = res_s[r]
            o_unit[3, ti, r] = 0.0
            continue
        # ws_f holds the routing with every retention decided so far
        lin[KDIR, r] = 1.0
        x_unc = _max_step(
            max(ws_f[OUTFLOW, r], 0.0),
            order,
            out_ptr,
            out_links,
            link_to,
            share,
            lcap,
            nat,
            lin,
            big,
            tol,
            ws_f,
        )
        lin[KDIR, r] = 0.0
        x = min(x_unc, max(res_cap[r] - base[r], 0.0))
        lin[K0, r] = x
        o_unit[2, ti, r] = base[r] + x
        o_unit[3, ti, r] = res_s[r] - (base[r] + x)
        o_unit[4, ti, r] = x_unc - x
        res_s[r] = base[r] + x
        if x < x_unc:
            # the last trial routed x_unc; re-route with the retention actually kept
            _forward(0.0, order, out_ptr, out_links, link_to, share, lcap, nat, lin, ws_f)

    for u in range(n):
        o_unit[0, ti, u] = ws_f[0, u] - nat[u]  # inflow from upstream links
        o_unit[1, ti, u] = ws_f[2, u]  # outflow
        gw_s[u] = gw_s[u] + gw_rech_t[u] + gw_ret[u] - pumped[u]
        before = max(0.0, gw_used[u] - gw_yield[u])
        gw_used[u] += pumped[u]
        o_unit[5, ti, u] = gw_s[u]
        o_unit[6, ti, u] = max(0.0, gw_used[u] - gw_yield[u]) - before
        pool[u] = reuse[u] * ww[u]
        o_unit[7, ti, u] = pool[u]
        o_unit[8, ti, u] = disc[u]
    for li in range(nl):
        o_lflow[ti, li] = ws_f[4, li]
        o_lspill[ti, li] = share[li] * ws_f[2, link_from[li]] - ws_f[4, li]
    for u in range(n):
        for s in range(ns):
            for j in range(o_deliv.shape[3]):
                o_deliv[ti, u, s, j] = 0.0
            for k in range(nk):
                if rank_slot[s, k] >= 0:
                    o_deliv[ti, u, s, rank_slot[s, k]] += deliv[u, s, k]


@njit(cache=True)
def _ib(arr, b):
    """Batch index into ``arr``: ``b``, or 0 when the array is shared across the batch."""
    return b if arr.shape[0] > 1 else 0


@njit(cache=True)
def _member(
    b,
    out_ptr,
    out_links,
    order,
    link_from,
    link_to,
    link_share,
    link_cap,
    stage_src,
    stage_rank,
    rank_src,
    req,
    cons,
    rriv,
    rgw,
    rww,
    nat,
    scap,
    res_cap,
    res_dead,
    res_init,
    gw_cap,
    gw_rech,
    gw_yield,
    gw_allow,
    gw_init,
    tr_step,
    tr_annual,
    reuse,
    recl_cap,
    recl_init,
    harv,
    other,
    year_start,
    rank_slot,
    o_deliv,
    o_lflow,
    o_lspill,
    unit_out,
):
    """Run the whole horizon for batch member ``b`` (see :func:`run_kernel`)."""
    n = order.shape[0]
    ns = req.shape[3]
    nk = rank_src.shape[1]
    nl = link_from.shape[0]
    nt = year_start.shape[0]
    res_s = res_init[_ib(res_init, b)].copy()
    gw_s = gw_init[_ib(gw_init, b)].copy()
    pool = recl_init[_ib(recl_init, b)].copy()
    gw_used = np.zeros(n)
    tr_used = np.zeros(n)
    ws_f = np.zeros((5, max(n, nl, 1)))
    lin = np.zeros((6, n))
    flags = np.zeros((3, n), dtype=np.bool_)
    ws_u = np.zeros((14, max(n, N_SOURCES)))
    ws_d = np.zeros((3, n * ns))
    ws_di = np.zeros((2, n * ns), dtype=np.int64)
    frozen = np.zeros(n * ns, dtype=np.bool_)
    rem = np.zeros((n, ns))
    rho = np.zeros((n, ns))
    avail = np.zeros((n, N_SOURCES))
    deliv = np.zeros((n, ns, max(nk, 1)))
    # this member's slices, taken once (taking array views inside the time loop costs
    # reference-count updates that dominate a small step)
    share = link_share[_ib(link_share, b)]
    lcap_b = link_cap[_ib(link_cap, b)]
    req_b = req[_ib(req, b)]
    nat_b = nat[_ib(nat, b)]
    scap_b = scap[_ib(scap, b)]
    gwc_b = gw_cap[_ib(gw_cap, b)]
    gwr_b = gw_rech[_ib(gw_rech, b)]
    trs_b = tr_step[_ib(tr_step, b)]
    rcc_b = recl_cap[_ib(recl_cap, b)]
    hrv_b = harv[_ib(harv, b)]
    oth_b = other[_ib(other, b)]
    cons_b = cons[_ib(cons, b)]
    rriv_b = rriv[_ib(rriv, b)]
    rgw_b = rgw[_ib(rgw, b)]
    rww_b = rww[_ib(rww, b)]
    rcap_b = res_cap[_ib(res_cap, b)]
    rdead_b = res_dead[_ib(res_dead, b)]
    gwy_b = gw_yield[_ib(gw_yield, b)]
    gwa_b = gw_allow[_ib(gw_allow, b)]
    tra_b = tr_annual[_ib(tr_annual, b)]
    reuse_b = reuse[_ib(reuse, b)]
    # parameters with a time axis of length nt (they vary, e.g. under a measure) or 1
    cons_t = np.empty((n, ns))
    rriv_t = np.empty((n, ns))
    rgw_t = np.empty((n, ns))
    rww_t = np.empty((n, ns))
    gwa_t = np.empty(n)
    reuse_t = np.empty(n)
    tra_t = np.empty(n)
    od_b = o_deliv[b]
    olf_b = o_lflow[b]
    ols_b = o_lspill[b]
    uo_b = unit_out[:, b]
    # this step's time-varying inputs, copied into work arrays
    lcap_t = np.empty(max(nl, 1))
    req_t = np.empty((n, ns))
    nat_t = np.empty(n)
    scap_t = np.empty(n)
    gwc_t = np.empty(n)
    gwr_t = np.empty(n)
    trs_t = np.empty(n)
    rcc_t = np.empty(n)
    hrv_t = np.empty(n)
    oth_t = np.empty(n)
    for ti in range(nt):
        if year_start[ti]:
            gw_used[:] = 0.0
            tr_used[:] = 0.0
        _params_at(
            ti, cons_b, rriv_b, rgw_b, rww_b, gwa_b, reuse_b, tra_b,
            cons_t, rriv_t, rgw_t, rww_t, gwa_t, reuse_t, tra_t,
        )  # fmt: skip
        for li in range(nl):
            lcap_t[li] = lcap_b[ti, li]
        for u in range(n):
            for s in range(ns):
                req_t[u, s] = req_b[ti, u, s]
            nat_t[u] = nat_b[ti, u]
            scap_t[u] = scap_b[ti, u]
            gwc_t[u] = gwc_b[ti, u]
            gwr_t[u] = gwr_b[ti, u]
            trs_t[u] = trs_b[ti, u]
            rcc_t[u] = rcc_b[ti, u]
            hrv_t[u] = hrv_b[ti, u]
            oth_t[u] = oth_b[ti, u]
        _step(
            order, out_ptr, out_links, link_from, link_to, share, lcap_t,
            stage_src, stage_rank, rank_src,
            req_t, cons_t, rriv_t, rgw_t, rww_t,
            nat_t, scap_t, rcap_b, rdead_b, gwc_t, gwr_t, gwy_b, gwa_t,
            trs_t, tra_t, reuse_t, rcc_t, hrv_t, oth_t,
            res_s, gw_s, gw_used, tr_used, pool,
            rank_slot, od_b, olf_b, ols_b, uo_b, ti,
            ws_f, lin, flags, ws_u, ws_d, ws_di, frozen, rem, rho, avail, deliv,
        )  # fmt: skip


@njit(cache=True)
def _params_at(
    ti, cons, rriv, rgw, rww, gwa, reuse, tra, cons_t, rriv_t, rgw_t, rww_t, gwa_t, reuse_t, tra_t
):
    """Copy the step-``ti`` values of the parameters that may vary in time into work arrays.

    Each parameter has a time axis of length ``nt`` or 1 (constant); a constant one is
    copied at the first step only.
    """
    n, ns = cons_t.shape
    if ti == 0 or cons.shape[0] > 1 or rriv.shape[0] > 1 or rgw.shape[0] > 1 or rww.shape[0] > 1:
        i0, i1, i2, i3 = _ib(cons, ti), _ib(rriv, ti), _ib(rgw, ti), _ib(rww, ti)
        for u in range(n):
            for s in range(ns):
                cons_t[u, s] = cons[i0, u, s]
                rriv_t[u, s] = rriv[i1, u, s]
                rgw_t[u, s] = rgw[i2, u, s]
                rww_t[u, s] = rww[i3, u, s]
    if ti == 0 or gwa.shape[0] > 1 or reuse.shape[0] > 1 or tra.shape[0] > 1:
        j0, j1, j2 = _ib(gwa, ti), _ib(reuse, ti), _ib(tra, ti)
        for u in range(n):
            gwa_t[u] = gwa[j0, u]
            reuse_t[u] = reuse[j1, u]
            tra_t[u] = tra[j2, u]


@njit(cache=True)
def _csr(n, link_from):
    """Outgoing links of each unit in CSR form: links of u are ``out_links[out_ptr[u]:out_ptr[u+1]]``."""
    nl = link_from.shape[0]
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    for li in range(nl):
        out_ptr[link_from[li] + 1] += 1
    for u in range(n):
        out_ptr[u + 1] += out_ptr[u]
    out_links = np.empty(max(nl, 1), dtype=np.int64)
    fill = out_ptr[:-1].copy()
    for li in range(nl):
        out_links[fill[link_from[li]]] = li
        fill[link_from[li]] += 1
    return out_ptr, out_links


@njit(cache=True)
def run_kernel(nbatch, *args):
    """Run the whole horizon for ``nbatch`` members (scenarios x samples, flattened).

    ``args`` are, in order, the arguments of :func:`_member` after ``out_links``:
    ``order, link_from, link_to, link_share, link_cap, stage_src, stage_rank, rank_src, req,
    cons, rriv, rgw, rww, nat, scap, res_cap, res_dead, res_init, gw_cap, gw_rech, gw_yield,
    gw_allow, gw_init, tr_step, tr_annual, reuse, recl_cap, recl_init, harv, other,
    year_start, rank_slot, o_deliv, o_lflow, o_lspill, unit_out`` (see
    :func:`sim.engine.run_network`, which builds them).

    Every input array has a leading batch axis of length 1 (shared) or ``nbatch``.
    Time-varying inputs are shaped (batch, time, unit[, sector]); static ones
    (batch, unit[, sector]). The sector fractions ``cons, rriv, rgw, rww`` (batch, time,
    unit, sector), the annual groundwater limit ``gw_allow``, the reuse fraction
    ``reuse`` and the annual transfer quota ``tr_annual`` (batch, time, unit) have a time
    axis of length ``nt`` or 1 (constant); the annual limits in force are those of the step. All volumes are in hm3 per step. Batch members run
    one after another here; :func:`run_kernel_parallel` runs them in parallel (numba
    ``prange``). Each member has its own state and work arrays.

    The outputs are written into arrays the caller allocates (so that numpy, not the
    kernel, owns the memory): ``o_deliv`` (batch, time, unit, sector, slot) [hm3], the
    delivery from each source slot (``rank_slot[s, k]`` maps sector s's k-th preference
    to its slot); ``o_lflow`` and ``o_lspill`` (batch, time, link) [hm3]; and ``unit_out``
    (9, batch, time, unit) [hm3] holding
        inflow from upstream links, outflow, reservoir storage (end of step), reservoir
        release (fall in storage), reservoir spill, aquifer storage (end of step),
        groundwater overdraft, reclaimed-water pool for the next step, and reclaimed water
        discharged unused.
    """
    order, link_from = args[0], args[1]
    out_ptr, out_links = _csr(order.shape[0], link_from)
    for b in range(nbatch):
        _member(np.int64(b), out_ptr, out_links, *args)


@njit(cache=True, parallel=True)
def run_kernel_parallel(nbatch, *args):
    """Run :func:`run_kernel` with the batch members spread over threads (numba prange)."""
    order, link_from = args[0], args[1]
    out_ptr, out_links = _csr(order.shape[0], link_from)
    for bp in prange(nbatch):
        _member(np.int64(bp), out_ptr, out_links, *args)
