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

Layout: the work arrays are packed into a few 2-D arrays with named rows (``lin[W0]``,
``topo[T_ORDER]``, ...). A call between compiled functions costs about 6.5 ns per array
argument (measured on the development machine), and the solver's helpers run tens of
times per step, so passing 5 packed arrays instead of 50 loose ones halves the cost of a
small network's step (``docs/performance.md``).

The entry points :func:`run_kernel` and :func:`run_kernel_parallel` release the GIL
(``nogil``), so chunks of an ensemble can run in threads of one process
(:func:`sim.distributed.imap_threads`).

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

# Rows of ``topo`` (int): the network, shared by every batch member. Units are in
# topological order, grouped by connected part: part c is ``topo[T_ORDER, j0:j1]`` with
# ``j0, j1 = topo[T_PART, c], topo[T_PART, c + 1]``; ``topo[T_PART_OF, u]`` is u's part.
T_ORDER, T_PTR, T_OUT, T_TO, T_FROM, T_PART, T_PART_OF = 0, 1, 2, 3, 4, 5, 6
# Rows of ``lk`` (float, per link): outflow share [1] and this step's capacity [hm3].
LK_SHARE, LK_CAP = 0, 1
# Rows of ``lin`` (float, per unit): a trial of :func:`_forward` is described by affine
# functions of the coverage ``t`` [hm3]: withdrawal ``lin[W0] + t * lin[A]``, river return
# ``lin[R0] + t * lin[AR]``, retention at the outlet ``lin[K0] + t * lin[KDIR]``; ``NAT`` is
# the water a unit holds before any withdrawal (natural inflow plus reservoir storage above
# dead storage) and ``CCAP`` the upper bound of the withdrawal (diversion capacity).
W0, A, R0, AR, K0, KDIR, NAT, CCAP = 0, 1, 2, 3, 4, 5, 6, 7
N_LIN = 8
# Rows of ``ws_f`` filled by :func:`_forward` (per unit, LFLOW per link).
INTAKE, DINTAKE, OUTFLOW, DOUT, LFLOW = 0, 1, 2, 3, 4
# Rows of the stage demands: ``dem_i`` (int) and ``dem_f`` (float).
D_U, D_S, D_FROZEN = 0, 1, 2
D_REM, D_RHO, D_Y = 0, 1, 2
# Rows of ``sec`` (per unit and sector, this step): requirement [hm3] and the fractions [1].
S_REQ, S_CONS, S_RRIV, S_RGW, S_RWW = 0, 1, 2, 3, 4
# Rows of ``uin`` (per unit, this step) [hm3, or 1 for the reuse fraction].
(
    I_NAT, I_SCAP, I_GWC, I_GWR, I_TRS, I_RCC, I_HRV, I_OTH, I_GWA, I_REUSE, I_TRA, I_RCAP, I_RDEAD,
    I_GWY,
) = range(14)  # fmt: skip
N_UIN = 14
# Rows of ``st``, the state carried from step to step [hm3].
X_RES, X_GWS, X_GWUSED, X_TRUSED, X_POOL = 0, 1, 2, 3, 4
# Rows of ``uw``, per-unit work values of one step [hm3].
U_BASE, U_AV0R, U_PUMP, U_GWRET, U_WW, U_DISC, U_WFIX, U_RFIX, U_ASKED = range(9)
N_UW = 9
# Rows of ``stg`` (int, (4, stage, sector + 1)): STG_SRC and STG_SLOT give, per stage and
# sector, the source drawn on (-1: none) and its slot in the delivery output; STG_LOC and
# STG_SRF list the sectors of the stage that draw on a unit-local source and on surface
# water: the count at column 0, the sector indices after it.
STG_SRC, STG_SLOT, STG_LOC, STG_SRF = 0, 1, 2, 3
# Rows of ``unit_out`` (see :func:`run_kernel`).
O_INFLOW, O_OUTFLOW, O_RES, O_RELEASE, O_SPILL, O_AQUIFER, O_OVERDRAFT, O_POOL, O_DISCHARGE = range(9)


@njit(cache=True)
def _forward(t, topo, lk, lin, ws_f, j0, j1):
    """Route water through the units ``topo[T_ORDER, j0:j1]`` for a trial coverage ``t``.

    The units are one or more whole parts of the network (no link enters them from
    outside). ``lin`` describes the trial (see the row constants). Fills the rows INTAKE, DINTAKE,
    OUTFLOW, DOUT (per unit) and LFLOW (per link) of ``ws_f`` and returns the smallest slack
    over the constraints ``intake >= withdrawal`` and ``outflow >= 0`` [hm3], with the right
    derivative of the constraint that attains it. (Arrays are indexed in place, never sliced:
    a slice costs reference-count updates that would dominate this small loop.)
    """
    for j in range(j0, j1):
        i = topo[T_ORDER, j]
        ws_f[INTAKE, i] = lin[NAT, i]
        ws_f[DINTAKE, i] = 0.0
    g_min = np.inf
    g_slope = 0.0
    for j in range(j0, j1):
        u = topo[T_ORDER, j]
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
        for p in range(topo[T_PTR, u], topo[T_PTR, u + 1]):
            li = topo[T_OUT, p]
            q = lk[LK_SHARE, li] * out
            dq = lk[LK_SHARE, li] * do
            c = lk[LK_CAP, li]
            if q > c or (q == c and dq > 0.0):
                q = c
                dq = 0.0
            ws_f[LFLOW, li] = q
            v = topo[T_TO, li]
            if v >= 0:
                ws_f[INTAKE, v] += q
                ws_f[DINTAKE, v] += dq
    return g_min, g_slope


@njit(cache=True)
def _max_step(t_hi, topo, lk, lin, tol, ws_f, j0, j1):
    """Largest t in [0, t_hi] that keeps every constraint feasible (Newton from the right).

    Over the units ``topo[T_ORDER, j0:j1]`` (see :func:`_forward`). Besides the constraints of :func:`_forward`, the withdrawal stays within
    ``lin[CCAP]`` (diversion capacity) [hm3]. On return, ``ws_f`` holds the routing at the
    returned ``t``.
    """
    t = t_hi
    for _ in range(_MAX_NEWTON):
        g, dg = _forward(t, topo, lk, lin, ws_f, j0, j1)
        for j in range(j0, j1):
            u = topo[T_ORDER, j]
            s = lin[CCAP, u] - (lin[W0, u] + t * lin[A, u])
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
        _forward(t, topo, lk, lin, ws_f, j0, j1)
        return t
    _forward(0.0, topo, lk, lin, ws_f, j0, j1)
    return 0.0


@njit(cache=True)
def _surface_stage(d0, d1, j0, j1, dem_i, dem_f, topo, lk, lin, uw, flags, scale, ws_f):
    """Equal-coverage (max-min fair) surface allocation for the demands ``d0:d1`` of one stage.

    The demands are those of the units ``topo[T_ORDER, j0:j1]``, one part of the network:
    parts share no water, so each is solved on its own.

    ``dem_i[D_U]``, ``dem_f[D_REM]``, ``dem_f[D_RHO]``: unit, remaining requirement [hm3]
    and river-return fraction [1] of each stage demand. ``uw[U_WFIX]`` and ``uw[U_RFIX]``
    hold the withdrawals and river returns already fixed this step [hm3]; ``lin[NAT]`` and
    ``lin[CCAP]`` the water held and the diversion capacity. Writes the delivery of each
    demand to ``dem_f[D_Y]``. ``flags`` (3, unit) is a work array.

    A part of several units first tries the answer it has when the river binds nowhere:
    each unit at its own diversion capacity (one routing). Only if the river cannot carry
    that does the progressive filling run (a few routings per round).
    """
    tol = 1e-12 * scale
    if j1 - j0 == 1:
        # a part of one unit: no link brings water in and its returns only add to its
        # outflow, so the one constraint is withdrawal <= min(water held, capacity), and
        # every demand of the unit takes the same share t of its remaining requirement
        u = topo[T_ORDER, j0]
        need = 0.0
        for d in range(d0, d1):
            need += max(dem_f[D_REM, d], 0.0)
        room = min(lin[NAT, u], lin[CCAP, u]) - uw[U_WFIX, u]
        t = 1.0
        if need > 0.0 and room + tol < need:
            t = max(room / need, 0.0)
        for d in range(d0, d1):
            dem_f[D_Y, d] = t * max(dem_f[D_REM, d], 0.0)
        return
    # fast path: each unit takes what its own diversion capacity allows (the closed form
    # above). If the river can carry that, no intake or outflow binds, and this is the
    # equal-coverage solution: every demand is at its own bound. (With t = 0, _forward
    # reads only W0, R0 and K0, so A, AR and KDIR hold the need, its river return and the
    # unit's coverage meanwhile.)
    for j in range(j0, j1):
        u = topo[T_ORDER, j]
        lin[A, u] = 0.0
        lin[AR, u] = 0.0
        lin[K0, u] = 0.0
    for d in range(d0, d1):
        u = dem_i[D_U, d]
        r = max(dem_f[D_REM, d], 0.0)
        lin[A, u] += r
        lin[AR, u] += dem_f[D_RHO, d] * r
    capped = False
    for j in range(j0, j1):
        u = topo[T_ORDER, j]
        need = lin[A, u]
        room = lin[CCAP, u] - uw[U_WFIX, u]
        t = 1.0
        if need > 0.0 and room + tol < need:
            t = max(room / need, 0.0)
            capped = True
        lin[KDIR, u] = t
        lin[W0, u] = uw[U_WFIX, u] + t * need
        lin[R0, u] = uw[U_RFIX, u] + t * lin[AR, u]
    # (with no capacity binding, the first trial below, at t = 1, is this same test)
    g = _forward(0.0, topo, lk, lin, ws_f, j0, j1)[0] if capped else -np.inf
    if g >= -tol:
        for d in range(d0, d1):
            dem_f[D_Y, d] = lin[KDIR, dem_i[D_U, d]] * max(dem_f[D_REM, d], 0.0)
        for j in range(j0, j1):
            lin[KDIR, topo[T_ORDER, j]] = 0.0
        return
    for d in range(d0, d1):
        dem_f[D_Y, d] = 0.0
        dem_i[D_FROZEN, d] = dem_f[D_REM, d] <= 0.0
    tight_tol = 1e-10 * scale
    t_lo = 0.0
    for _round in range(d1 - d0 + 1):
        n_active = 0
        for j in range(j0, j1):
            u = topo[T_ORDER, j]
            lin[W0, u] = uw[U_WFIX, u]
            lin[R0, u] = uw[U_RFIX, u]
            lin[A, u] = 0.0
            lin[AR, u] = 0.0
            lin[K0, u] = 0.0
            lin[KDIR, u] = 0.0
        for d in range(d0, d1):
            u = dem_i[D_U, d]
            if dem_i[D_FROZEN, d]:
                lin[W0, u] += dem_f[D_Y, d]
                lin[R0, u] += dem_f[D_RHO, d] * dem_f[D_Y, d]
            else:
                n_active += 1
                lin[A, u] += dem_f[D_REM, d]
                lin[AR, u] += dem_f[D_RHO, d] * dem_f[D_REM, d]
        if n_active == 0:
            break
        t_found = _max_step(1.0, topo, lk, lin, tol, ws_f, j0, j1)
        t = max(t_found, t_lo)
        t_lo = t
        stale = t_found < t  # ws_f holds the routing at t_found, not at t
        for d in range(d0, d1):
            if not dem_i[D_FROZEN, d]:
                dem_f[D_Y, d] = t * dem_f[D_REM, d]
        if t >= 1.0:
            break
        # which constraints bind at t? flags rows: 0 intake binds, 1 capacity binds, 2 reach
        if stale:
            _forward(t, topo, lk, lin, ws_f, j0, j1)
        for j in range(j0, j1):
            u = topo[T_ORDER, j]
            wu = lin[W0, u] + t * lin[A, u]
            flags[0, u] = ws_f[INTAKE, u] - wu <= tight_tol
            flags[1, u] = lin[CCAP, u] - wu <= tight_tol
            flags[2, u] = False
        # reach[u]: a smaller outflow of u lowers the intake of a binding unit downstream
        for j in range(j1 - 1, j0 - 1, -1):
            u = topo[T_ORDER, j]
            for p in range(topo[T_PTR, u], topo[T_PTR, u + 1]):
                li = topo[T_OUT, p]
                v = topo[T_TO, li]
                if v < 0 or lk[LK_SHARE, li] <= 0.0:
                    continue
                if lk[LK_SHARE, li] * ws_f[OUTFLOW, u] - lk[LK_CAP, li] > tight_tol:
                    continue  # spilling link: a small change upstream does not reach v
                if flags[0, v] or flags[2, v]:
                    flags[2, u] = True
        n_frozen = 0
        for d in range(d0, d1):
            if dem_i[D_FROZEN, d]:
                continue
            u = dem_i[D_U, d]
            if flags[0, u] or flags[1, u] or (flags[2, u] and dem_f[D_RHO, d] < 1.0 - 1e-12):
                dem_i[D_FROZEN, d] = True
                n_frozen += 1
        if n_frozen == 0:
            break  # numerical safety: nothing binds although t < 1


@njit(cache=True)
def _step(
    topo, npart, lk, stg, sec, uin, st, o_deliv, o_lflow, o_lspill, o_unit, ti,
    ws_f, lin, flags, uw, dem_i, dem_f, sw, avail,
):  # fmt: skip
    """Advance one batch member by one time step, writing outputs in place.

    ``npart`` is the number of parts of the network (see ``topo``). ``sec`` and ``uin`` hold this step's inputs, ``st`` the state (updated in place),
    ``o_deliv`` (time, unit, sector, slot), ``o_lflow`` and ``o_lspill`` (time, link) and
    ``o_unit`` (9, time, unit) the member's outputs [hm3]; the rest are work arrays.
    Deliveries are added to ``o_deliv[ti]`` as they are made.
    """
    n = lin.shape[1]
    ns = sec.shape[2]
    nslot = o_deliv.shape[3]
    nl = o_lflow.shape[1]
    nst = stg.shape[1]
    rem = sw[0]
    rho = sw[1]
    dlv = sw[2]

    # --- what each source can give this step
    scale = 1.0
    for u in range(n):
        base = min(st[X_RES, u], uin[I_RDEAD, u])
        uw[U_BASE, u] = base
        lin[NAT, u] = uin[I_NAT, u] + (st[X_RES, u] - base)
        lin[CCAP, u] = uin[I_SCAP, u]
        scale += abs(lin[NAT, u])
        avail[u, SURFACE] = 0.0
        avail[u, GROUNDWATER] = max(0.0, min(uin[I_GWC, u], uin[I_GWA, u] - st[X_GWUSED, u], st[X_GWS, u]))
        avail[u, TRANSFER] = max(0.0, min(uin[I_TRS, u], uin[I_TRA, u] - st[X_TRUSED, u]))
        avail[u, RECLAIMED] = max(0.0, min(st[X_POOL, u], uin[I_RCC, u]))
        avail[u, HARVESTED] = max(0.0, uin[I_HRV, u])
        avail[u, OTHER] = max(0.0, uin[I_OTH, u])
        uw[U_AV0R, u] = avail[u, RECLAIMED]
        uw[U_WFIX, u] = 0.0
        uw[U_RFIX, u] = 0.0
        uw[U_PUMP, u] = 0.0
        for s in range(ns):
            rem[u, s] = sec[S_REQ, u, s]
            dlv[u, s] = 0.0
            scale += sec[S_REQ, u, s]
            rho[u, s] = (1.0 - sec[S_CONS, u, s]) * (
                sec[S_RRIV, u, s] + sec[S_RWW, u, s] * (1.0 - uin[I_REUSE, u])
            )
            for j in range(nslot):
                o_deliv[ti, u, s, j] = 0.0

    # --- stages: (priority, preference rank) in order
    for stage in range(nst):
        n_loc = stg[STG_LOC, stage, 0]
        n_srf = stg[STG_SRF, stage, 0]
        # unit-local sources: proportional share of what each source can give
        for u in range(n if n_loc > 0 else 0):
            # uw[U_ASKED] is all zero here: each source is reset after it is taken from
            any_local = False
            for i in range(1, n_loc + 1):
                s = stg[STG_LOC, stage, i]
                if rem[u, s] > 0.0:
                    uw[U_ASKED, stg[STG_SRC, stage, s]] += rem[u, s]
                    any_local = True
            if not any_local:
                continue
            for i in range(1, n_loc + 1):
                s = stg[STG_LOC, stage, i]
                if rem[u, s] <= 0.0:
                    continue
                src = stg[STG_SRC, stage, s]
                got = rem[u, s] * min(1.0, avail[u, src] / uw[U_ASKED, src])
                o_deliv[ti, u, s, stg[STG_SLOT, stage, s]] += got
                dlv[u, s] += got
                rem[u, s] -= got
                uw[U_RFIX, u] += rho[u, s] * got
                if src == GROUNDWATER:
                    uw[U_PUMP, u] += got
                elif src == TRANSFER:
                    st[X_TRUSED, u] += got
            for i in range(1, n_loc + 1):
                src = stg[STG_SRC, stage, stg[STG_LOC, stage, i]]
                asked = uw[U_ASKED, src]
                if asked > 0.0:
                    avail[u, src] = max(0.0, avail[u, src] - min(asked, avail[u, src]))
                    uw[U_ASKED, src] = 0.0  # a source two sectors share is taken from once
        # surface water over the network
        if n_srf == 0:
            continue
        nd = 0
        for c in range(npart):
            j0 = topo[T_PART, c]
            j1 = topo[T_PART, c + 1]
            if j1 - j0 == 1:
                # a part of one unit: the closed form of _surface_stage, applied at once
                # (no other part shares its water, so the order of parts does not matter)
                u = topo[T_ORDER, j0]
                need = 0.0
                for i in range(1, n_srf + 1):
                    need += max(rem[u, stg[STG_SRF, stage, i]], 0.0)
                if need <= 0.0:
                    continue
                room = min(lin[NAT, u], lin[CCAP, u]) - uw[U_WFIX, u]
                share = 1.0
                if room + 1e-12 * scale < need:
                    share = max(room / need, 0.0)
                for i in range(1, n_srf + 1):
                    s = stg[STG_SRF, stage, i]
                    if rem[u, s] <= 0.0:
                        continue
                    got = min(share * rem[u, s], rem[u, s])
                    o_deliv[ti, u, s, stg[STG_SLOT, stage, s]] += got
                    dlv[u, s] += got
                    rem[u, s] -= got
                    uw[U_WFIX, u] += got
                    uw[U_RFIX, u] += rho[u, s] * got
                continue
            d0 = nd
            for i in range(1, n_srf + 1):
                s = stg[STG_SRF, stage, i]
                for j in range(j0, j1):
                    u = topo[T_ORDER, j]
                    if rem[u, s] > 0.0:
                        dem_i[D_U, nd] = u
                        dem_i[D_S, nd] = s
                        dem_f[D_REM, nd] = rem[u, s]
                        dem_f[D_RHO, nd] = rho[u, s]
                        nd += 1
            if nd > d0:
                _surface_stage(d0, nd, j0, j1, dem_i, dem_f, topo, lk, lin, uw, flags, scale, ws_f)
        for d in range(nd):
            u = dem_i[D_U, d]
            s = dem_i[D_S, d]
            got = min(dem_f[D_Y, d], rem[u, s])
            o_deliv[ti, u, s, stg[STG_SLOT, stage, s]] += got
            dlv[u, s] += got
            rem[u, s] -= got
            uw[U_WFIX, u] += got
            uw[U_RFIX, u] += rho[u, s] * got

    # --- returns and pools from the final deliveries
    for u in range(n):
        gw_ret = 0.0
        ww = 0.0
        for s in range(ns):
            ret = (1.0 - sec[S_CONS, u, s]) * dlv[u, s]
            gw_ret += ret * sec[S_RGW, u, s]
            ww += ret * sec[S_RWW, u, s]
        uw[U_GWRET, u] = gw_ret
        uw[U_WW, u] = ww
        # reclaimed water not delivered this step leaves the plant to the river at the outlet
        uw[U_DISC, u] = st[X_POOL, u] - (uw[U_AV0R, u] - avail[u, RECLAIMED])
        uw[U_RFIX, u] += uw[U_DISC, u]

    # --- reservoirs fill with what is left, upstream-most first
    tol = 1e-12 * scale
    for u in range(n):
        lin[W0, u] = uw[U_WFIX, u]
        lin[A, u] = 0.0
        lin[R0, u] = uw[U_RFIX, u]
        lin[AR, u] = 0.0
        lin[K0, u] = 0.0
        lin[KDIR, u] = 0.0
        lin[CCAP, u] = np.inf
    _forward(0.0, topo, lk, lin, ws_f, 0, n)
    for j in range(n):
        r = topo[T_ORDER, j]
        o_unit[O_SPILL, ti, r] = 0.0
        if uin[I_RCAP, r] <= 0.0:
            o_unit[O_RES, ti, r] = st[X_RES, r]
            o_unit[O_RELEASE, ti, r] = 0.0
            continue
        # ws_f holds the routing with every retention decided so far; the retention
        # reaches only r's part of the network
        c = topo[T_PART_OF, r]
        j0 = topo[T_PART, c]
        j1 = topo[T_PART, c + 1]
        single = j1 - j0 == 1
        if single:
            # a part of one unit: what _max_step finds in closed form. Retaining x lowers
            # only the outflow (x_unc = the outflow), unless the withdrawals already exceed
            # the water held (then nothing is retained)
            x_unc = max(ws_f[OUTFLOW, r], 0.0)
            if min(ws_f[INTAKE, r] - lin[W0, r], ws_f[OUTFLOW, r] - x_unc) < -tol:
                x_unc = 0.0
        else:
            lin[KDIR, r] = 1.0
            x_unc = _max_step(max(ws_f[OUTFLOW, r], 0.0), topo, lk, lin, tol, ws_f, j0, j1)
            lin[KDIR, r] = 0.0
        base = uw[U_BASE, r]
        x = min(x_unc, max(uin[I_RCAP, r] - base, 0.0))
        lin[K0, r] = x
        o_unit[O_RES, ti, r] = base + x
        o_unit[O_RELEASE, ti, r] = st[X_RES, r] - (base + x)
        o_unit[O_SPILL, ti, r] = x_unc - x
        st[X_RES, r] = base + x
        if single or x < x_unc:
            # route with the retention kept (the closed form routed none; the last trial of
            # _max_step routed x_unc)
            _forward(0.0, topo, lk, lin, ws_f, j0, j1)

    for u in range(n):
        o_unit[O_INFLOW, ti, u] = ws_f[INTAKE, u] - lin[NAT, u]  # inflow from upstream links
        o_unit[O_OUTFLOW, ti, u] = ws_f[OUTFLOW, u]
        st[X_GWS, u] = st[X_GWS, u] + uin[I_GWR, u] + uw[U_GWRET, u] - uw[U_PUMP, u]
        before = max(0.0, st[X_GWUSED, u] - uin[I_GWY, u])
        st[X_GWUSED, u] += uw[U_PUMP, u]
        o_unit[O_AQUIFER, ti, u] = st[X_GWS, u]
        o_unit[O_OVERDRAFT, ti, u] = max(0.0, st[X_GWUSED, u] - uin[I_GWY, u]) - before
        st[X_POOL, u] = uin[I_REUSE, u] * uw[U_WW, u]
        o_unit[O_POOL, ti, u] = st[X_POOL, u]
        o_unit[O_DISCHARGE, ti, u] = uw[U_DISC, u]
    for li in range(nl):
        o_lflow[ti, li] = ws_f[LFLOW, li]
        o_lspill[ti, li] = lk[LK_SHARE, li] * ws_f[OUTFLOW, topo[T_FROM, li]] - ws_f[LFLOW, li]


@njit(cache=True)
def _ib(arr, b):
    """Batch index into ``arr``: ``b``, or 0 when the array is shared across the batch."""
    return b if arr.shape[0] > 1 else 0


@njit(cache=True)
def _member(
    b, topo, npart, stg, link_share, link_cap, req, cons, rriv, rgw, rww, nat, scap, res_cap, res_dead,
    res_init, gw_cap, gw_rech, gw_yield, gw_allow, gw_init, tr_step, tr_annual, reuse, recl_cap,
    recl_init, harv, other, year_start, o_deliv, o_lflow, o_lspill, unit_out,
):  # fmt: skip
    """Run the whole horizon for batch member ``b`` (see :func:`run_kernel`)."""
    n = res_cap.shape[1]
    ns = req.shape[3]
    nl = link_share.shape[1]
    nt = year_start.shape[0]
    # state, carried from step to step
    st = np.zeros((5, n))
    for u in range(n):
        st[X_RES, u] = res_init[_ib(res_init, b), u]
        st[X_GWS, u] = gw_init[_ib(gw_init, b), u]
        st[X_POOL, u] = recl_init[_ib(recl_init, b), u]
    # work arrays
    ws_f = np.zeros((5, max(n, nl, 1)))
    lin = np.zeros((N_LIN, n))
    flags = np.zeros((3, n), dtype=np.bool_)
    uw = np.zeros((N_UW, max(n, N_SOURCES)))
    dem_i = np.zeros((3, max(n * ns, 1)), dtype=np.int64)
    dem_f = np.zeros((3, max(n * ns, 1)))
    sw = np.zeros((3, n, ns))
    avail = np.zeros((n, N_SOURCES))
    # this step's inputs
    lk = np.zeros((2, max(nl, 1)))
    sec = np.zeros((5, n, ns))
    uin = np.zeros((N_UIN, n))
    for li in range(nl):
        lk[LK_SHARE, li] = link_share[_ib(link_share, b), li]
    for u in range(n):
        uin[I_RCAP, u] = res_cap[_ib(res_cap, b), u]
        uin[I_RDEAD, u] = res_dead[_ib(res_dead, b), u]
        uin[I_GWY, u] = gw_yield[_ib(gw_yield, b), u]
    # this member's outputs
    od_b = o_deliv[b]
    olf_b = o_lflow[b]
    ols_b = o_lspill[b]
    uo_b = unit_out[:, b]
    # batch index of each input (0 when shared across the batch)
    b_lc, b_req, b_nat, b_scap = _ib(link_cap, b), _ib(req, b), _ib(nat, b), _ib(scap, b)
    b_gwc, b_gwr, b_trs, b_rcc = _ib(gw_cap, b), _ib(gw_rech, b), _ib(tr_step, b), _ib(recl_cap, b)
    b_hrv, b_oth = _ib(harv, b), _ib(other, b)
    b_cons, b_rriv, b_rgw, b_rww = _ib(cons, b), _ib(rriv, b), _ib(rgw, b), _ib(rww, b)
    b_gwa, b_reuse, b_tra = _ib(gw_allow, b), _ib(reuse, b), _ib(tr_annual, b)
    # the sector fractions and annual limits have a time axis of length nt (they vary in
    # time, e.g. under a measure) or 1 (constant: copied at the first step only)
    frac_vary = cons.shape[1] > 1 or rriv.shape[1] > 1 or rgw.shape[1] > 1 or rww.shape[1] > 1
    lim_vary = gw_allow.shape[1] > 1 or reuse.shape[1] > 1 or tr_annual.shape[1] > 1
    for ti in range(nt):
        if year_start[ti]:
            for u in range(n):
                st[X_GWUSED, u] = 0.0
                st[X_TRUSED, u] = 0.0
        if ti == 0 or frac_vary:
            i0 = ti if cons.shape[1] > 1 else 0
            i1 = ti if rriv.shape[1] > 1 else 0
            i2 = ti if rgw.shape[1] > 1 else 0
            i3 = ti if rww.shape[1] > 1 else 0
            for u in range(n):
                for s in range(ns):
                    sec[S_CONS, u, s] = cons[b_cons, i0, u, s]
                    sec[S_RRIV, u, s] = rriv[b_rriv, i1, u, s]
                    sec[S_RGW, u, s] = rgw[b_rgw, i2, u, s]
                    sec[S_RWW, u, s] = rww[b_rww, i3, u, s]
        if ti == 0 or lim_vary:
            j0 = ti if gw_allow.shape[1] > 1 else 0
            j1 = ti if reuse.shape[1] > 1 else 0
            j2 = ti if tr_annual.shape[1] > 1 else 0
            for u in range(n):
                uin[I_GWA, u] = gw_allow[b_gwa, j0, u]
                uin[I_REUSE, u] = reuse[b_reuse, j1, u]
                uin[I_TRA, u] = tr_annual[b_tra, j2, u]
        for li in range(nl):
            lk[LK_CAP, li] = link_cap[b_lc, ti, li]
        for u in range(n):
            for s in range(ns):
                sec[S_REQ, u, s] = req[b_req, ti, u, s]
            uin[I_NAT, u] = nat[b_nat, ti, u]
            uin[I_SCAP, u] = scap[b_scap, ti, u]
            uin[I_GWC, u] = gw_cap[b_gwc, ti, u]
            uin[I_GWR, u] = gw_rech[b_gwr, ti, u]
            uin[I_TRS, u] = tr_step[b_trs, ti, u]
            uin[I_RCC, u] = recl_cap[b_rcc, ti, u]
            uin[I_HRV, u] = harv[b_hrv, ti, u]
            uin[I_OTH, u] = other[b_oth, ti, u]
        _step(
            topo, npart, lk, stg, sec, uin, st, od_b, olf_b, ols_b, uo_b, ti,
            ws_f, lin, flags, uw, dem_i, dem_f, sw, avail,
        )  # fmt: skip


@njit(cache=True)
def _tables(n, order, part_ptr, link_from, link_to, stage_src, stage_rank, rank_slot):
    """Pack the network and the stage tables into the int arrays ``topo`` and ``stg``.

    ``topo[T_PTR]`` and ``topo[T_OUT]`` hold the outgoing links of each unit in CSR form:
    the links of u are ``topo[T_OUT, topo[T_PTR, u]:topo[T_PTR, u + 1]]``.
    """
    nl = link_from.shape[0]
    topo = np.zeros((7, max(n + 1, nl, 1)), dtype=np.int64)
    for j in range(n):
        topo[T_ORDER, j] = order[j]
    for c in range(part_ptr.shape[0]):
        topo[T_PART, c] = part_ptr[c]
        if c + 1 < part_ptr.shape[0]:
            for j in range(part_ptr[c], part_ptr[c + 1]):
                topo[T_PART_OF, order[j]] = c
    for li in range(nl):
        topo[T_PTR, link_from[li] + 1] += 1
        topo[T_TO, li] = link_to[li]
        topo[T_FROM, li] = link_from[li]
    for u in range(n):
        topo[T_PTR, u + 1] += topo[T_PTR, u]
    fill = topo[T_PTR, :n].copy()
    for li in range(nl):
        topo[T_OUT, fill[link_from[li]]] = li
        fill[link_from[li]] += 1
    nst, ns = stage_src.shape
    stg = np.zeros((4, nst, ns + 1), dtype=np.int64)
    stg[STG_SRC, :, :ns] = stage_src
    for stage in range(nst):
        for s in range(ns):
            row = STG_SRF if stage_src[stage, s] == SURFACE else STG_LOC
            if stage_src[stage, s] >= 0:
                stg[STG_SLOT, stage, s] = rank_slot[s, stage_rank[stage, s]]
                stg[row, stage, 0] += 1
                stg[row, stage, stg[row, stage, 0]] = s
    return topo, stg


@njit(cache=True, nogil=True)
def run_kernel(
    nbatch, order, part_ptr, link_from, link_to, link_share, link_cap, stage_src, stage_rank,
    req, cons, rriv, rgw, rww, nat, scap, res_cap, res_dead, res_init, gw_cap, gw_rech, gw_yield,
    gw_allow, gw_init, tr_step, tr_annual, reuse, recl_cap, recl_init, harv, other,
    year_start, rank_slot, o_deliv, o_lflow, o_lspill, unit_out,
):  # fmt: skip
    """Run the whole horizon for ``nbatch`` members (scenarios x samples, flattened).

    The arguments are built by :func:`sim.engine.run_network`. ``order`` is the
    topological order of the units, grouped by connected part of the network, and
    ``part_ptr`` the start of each part in it (:func:`sim.engine.network.group_by_component`);
    ``link_from``/``link_to`` the ends of each link (-1:
    leaves the region); ``stage_src``/``stage_rank`` (stage, sector) the source and
    preference rank each sector draws on in each allocation stage; ``rank_slot``
    (sector, rank) the slot in ``o_deliv`` of the source of each preference.

    Every input array has a leading batch axis of length 1 (shared) or ``nbatch``.
    Time-varying inputs are shaped (batch, time, unit[, sector]); static ones
    (batch, unit[, sector]). The sector fractions ``cons, rriv, rgw, rww`` (batch, time,
    unit, sector), the annual groundwater limit ``gw_allow``, the reuse fraction
    ``reuse`` and the annual transfer quota ``tr_annual`` (batch, time, unit) have a time
    axis of length ``nt`` or 1 (constant); the annual limits in force are those of the
    step. All volumes are in hm3 per step. Batch members run one after another here;
    :func:`run_kernel_parallel` runs them in parallel (numba ``prange``). Each member has
    its own state and work arrays.

    The outputs are written into arrays the caller allocates (so that numpy, not the
    kernel, owns the memory): ``o_deliv`` (batch, time, unit, sector, slot) [hm3], the
    delivery from each source slot; ``o_lflow`` and ``o_lspill`` (batch, time, link) [hm3];
    and ``unit_out`` (9, batch, time, unit) [hm3] holding
        inflow from upstream links, outflow, reservoir storage (end of step), reservoir
        release (fall in storage), reservoir spill, aquifer storage (end of step),
        groundwater overdraft, reclaimed-water pool for the next step, and reclaimed water
        discharged unused.
    """
    topo, stg = _tables(order.shape[0], order, part_ptr, link_from, link_to, stage_src, stage_rank, rank_slot)
    for b in range(nbatch):
        _member(
            np.int64(b), topo, part_ptr.shape[0] - 1, stg, link_share, link_cap, req, cons,
            rriv, rgw, rww, nat, scap, res_cap, res_dead, res_init, gw_cap, gw_rech, gw_yield, gw_allow, gw_init, tr_step,
            tr_annual, reuse, recl_cap, recl_init, harv, other, year_start, o_deliv, o_lflow,
            o_lspill, unit_out,
        )  # fmt: skip


@njit(cache=True, parallel=True, nogil=True)
def run_kernel_parallel(
    nbatch, order, part_ptr, link_from, link_to, link_share, link_cap, stage_src, stage_rank,
    req, cons, rriv, rgw, rww, nat, scap, res_cap, res_dead, res_init, gw_cap, gw_rech, gw_yield,
    gw_allow, gw_init, tr_step, tr_annual, reuse, recl_cap, recl_init, harv, other,
    year_start, rank_slot, o_deliv, o_lflow, o_lspill, unit_out,
):  # fmt: skip
    """Run :func:`run_kernel` with the batch members spread over threads (numba prange)."""
    topo, stg = _tables(order.shape[0], order, part_ptr, link_from, link_to, stage_src, stage_rank, rank_slot)
    for bp in prange(nbatch):
        _member(
            np.int64(bp), topo, part_ptr.shape[0] - 1, stg, link_share, link_cap, req, cons,
            rriv, rgw, rww, nat, scap, res_cap, res_dead, res_init, gw_cap, gw_rech, gw_yield, gw_allow, gw_init, tr_step,
            tr_annual, reuse, recl_cap, recl_init, harv, other, year_start, o_deliv, o_lflow,
            o_lspill, unit_out,
        )  # fmt: skip
