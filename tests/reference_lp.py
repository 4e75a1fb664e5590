"""Independent reference for the allocation of one time step, by linear programming.

This module re-states the allocation of ``docs/model.md`` §2 ("The reference optimum")
without using any code of ``sim.engine``: at one step of one batch member, demands are
served in stages ordered by (priority, preference rank); in every stage

* a unit-local source (groundwater, transfer, reclaimed, harvested, other) is shared in
  proportion to the remaining requirements of the stage demands drawing on it (§2.2: the
  max-min fair point of ``0 <= y_d <= rem_d, sum(y_d) <= available``, which is
  ``y_d = rem_d * min(1, available / sum(rem))``);
* surface water is shared by the lexicographic max-min fair point of the network LP below,
  computed by progressive filling with ``scipy.optimize.linprog`` (HiGHS).

Network LP of a stage (every volume in hm3 per step). Variables: the surface delivery
``y_d`` of every stage demand, and for every unit its intake ``I_u`` and outflow ``O_u``,
and for every link its flow ``F_l`` and spill ``S_l``::

    I_u = natural_u + releasable_storage_u + sum(F_l, l into u)
    W_u = W_fix_u + sum(y_d, d at u)                 (surface withdrawals)
    W_u <= I_u,  W_u <= diversion capacity_u
    O_u = I_u - W_u + R_fix_u + sum(rho_d y_d, d at u) >= 0
    F_l = share_l O_from(l) - S_l,  0 <= F_l <= capacity_l,  S_l >= 0
    0 <= y_d <= rem_d

``W_fix`` and ``R_fix`` are the surface withdrawals and the river returns of every
delivery already fixed this step (earlier stages, and the unit-local deliveries of the
current stage). ``rho`` is the river return per unit of delivery,
``(1 - consumption) * (return_river + return_wastewater * (1 - reuse))``.

Within a stage the unit-local shares are fixed first (they do not depend on surface water)
and their river returns count at the outlets for the surface demands of the same stage.
Note: a single max-min fair point over the *joint* local + surface set of a stage can differ
from this when an unequal split of a local source between demands with different return
fractions would raise a downstream surface demand's coverage; §2.2 prescribes the
proportional share, which is what the engine does and what this reference follows.

Progressive filling: maximise the common coverage ``t`` of the non-frozen demands (frozen
ones fixed); then find the demands that cannot exceed ``t * rem`` while all others keep at
least ``t * rem`` and freeze them at ``t * rem``; repeat until every demand is frozen or
``t = 1``. Which demands cannot exceed is decided with LPs maximising the sum of the
candidate deliveries: if no candidate exceeds ``t * rem`` in that optimum, none can (the
sum would be larger otherwise); those that do exceed are removed and the LP is repeated.

:func:`reference_deliveries` applies :func:`reference_step` to every step and batch member
of an engine run, rebuilding the start-of-step state (reservoir storage, aquifer storage,
reclaimed pool, annual pumping and transfer counters) from the engine's outputs of the
previous steps, so that the allocation is compared step by step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy.optimize import linprog

#: The six sources, in the order used for ``preference`` tables (own copy, not the engine's).
SOURCES = ("surface", "groundwater", "transfer", "reclaimed", "harvested", "other")
LOCAL_SOURCES = SOURCES[1:]

_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class ReferenceLPError(RuntimeError):
    """An LP of the reference failed (infeasible where it must be feasible, or numerically)."""


@dataclass
class _Net:
    """The river network of one step, with the deliveries fixed so far."""

    supply: np.ndarray  # natural + releasable storage, (n,)
    div_cap: np.ndarray  # diversion capacity, (n,)
    link_from: np.ndarray
    link_to: np.ndarray  # -1: leaves the region
    share: np.ndarray
    link_cap: np.ndarray
    w_fix: np.ndarray = field(init=False)
    r_fix: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.w_fix = np.zeros(self.supply.shape[0])
        self.r_fix = np.zeros(self.supply.shape[0])


class _StageLP:
    """The network LP of one surface stage; variables ``[y, I, O, F, S, t]``."""

    def __init__(self, net: _Net, dem_u: np.ndarray, dem_rem: np.ndarray, dem_rho: np.ndarray) -> None:
        n = net.supply.shape[0]
        nl = net.link_from.shape[0]
        nd = dem_u.shape[0]
        self.nd, self.n, self.nl = nd, n, nl
        self.rem = dem_rem
        iy, ii, io, iff, isp = 0, nd, nd + n, nd + 2 * n, nd + 2 * n + nl
        self.it = nd + 2 * n + 2 * nl
        self.nvar = self.it + 1
        a_eq = np.zeros((2 * n + nl, self.nvar))
        b_eq = np.zeros(2 * n + nl)
        for u in range(n):
            # intake balance: I_u - sum(F into u) = supply_u
            a_eq[u, ii + u] = 1.0
            b_eq[u] = net.supply[u]
            # outflow: O_u - I_u + sum(y at u) - sum(rho y at u) = R_fix - W_fix
            r = n + u
            a_eq[r, io + u] = 1.0
            a_eq[r, ii + u] = -1.0
            b_eq[r] = net.r_fix[u] - net.w_fix[u]
        for d in range(nd):
            a_eq[n + dem_u[d], iy + d] += 1.0 - dem_rho[d]
        for li in range(nl):
            v = net.link_to[li]
            if v >= 0:
                a_eq[v, iff + li] -= 1.0
            # F_l - share_l O_from + S_l = 0
            r = 2 * n + li
            a_eq[r, iff + li] = 1.0
            a_eq[r, io + net.link_from[li]] = -net.share[li]
            a_eq[r, isp + li] = 1.0
        rows, rhs = [], []
        for u in range(n):
            at_u = dem_u == u
            # surface withdrawals <= intake
            row = np.zeros(self.nvar)
            row[iy : iy + nd][at_u] = 1.0
            row[ii + u] = -1.0
            rows.append(row)
            rhs.append(-net.w_fix[u])
            # surface withdrawals <= diversion capacity
            if np.isfinite(net.div_cap[u]):
                row = np.zeros(self.nvar)
                row[iy : iy + nd][at_u] = 1.0
                rows.append(row)
                rhs.append(net.div_cap[u] - net.w_fix[u])
        self.a_net = np.array(rows).reshape(-1, self.nvar)
        self.b_net = np.array(rhs)
        self.a_eq, self.b_eq = a_eq, b_eq
        self.base_bounds = (
            [(0.0, float(r)) for r in dem_rem]
            + [(None, None)] * n
            + [(0.0, None)] * n
            + [(0.0, None if not np.isfinite(c) else float(c)) for c in net.link_cap]
            + [(0.0, None)] * nl
        )

    def solve(
        self, c: np.ndarray, lower: dict[int, float], fixed: dict[int, float], coverage: list[int] | None
    ):
        """Minimise ``c @ x``; ``lower``/``fixed``: bounds on deliveries; ``coverage``: rows y_d >= t rem_d."""
        bounds = list(self.base_bounds)
        for d, v in lower.items():
            bounds[d] = (min(v, self.rem[d]), float(self.rem[d]))
        for d, v in fixed.items():
            bounds[d] = (v, v)
        a_ub, b_ub = self.a_net, self.b_net
        if coverage is not None:
            cov = np.zeros((len(coverage), self.nvar))
            for i, d in enumerate(coverage):
                cov[i, d] = -1.0
                cov[i, self.it] = self.rem[d]
            a_ub = np.vstack([a_ub, cov])
            b_ub = np.concatenate([b_ub, np.zeros(len(coverage))])
            bounds.append((0.0, 1.0))
        else:
            bounds.append((0.0, 0.0))
        res = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=self.a_eq,
            b_eq=self.b_eq,
            bounds=bounds,
            method="highs-ds",
            options=_HIGHS,
        )
        if res.status != 0:
            raise ReferenceLPError(f"stage LP failed: {res.message}")
        return res.x


def _surface_maxmin(
    net: _Net, dem_u: np.ndarray, dem_rem: np.ndarray, dem_rho: np.ndarray, eps: float
) -> np.ndarray:
    """Lexicographic max-min fair surface deliveries of one stage (progressive filling by LPs)."""
    nd = dem_u.shape[0]
    lp = _StageLP(net, dem_u, dem_rem, dem_rho)
    fixed: dict[int, float] = {}
    active = [d for d in range(nd) if dem_rem[d] > 0.0]
    for d in range(nd):
        if dem_rem[d] <= 0.0:
            fixed[d] = 0.0
    t_prev = 0.0
    for _round in range(nd + 1):
        if not active:
            break
        # 1. largest common coverage of the active demands
        c = np.zeros(lp.nvar)
        c[lp.it] = -1.0
        t = max(float(lp.solve(c, {}, fixed, active)[lp.it]), t_prev)
        t_prev = t
        if t >= 1.0 - 1e-12:
            for d in active:
                fixed[d] = float(dem_rem[d])
            active = []
            break
        lower = {d: t * dem_rem[d] for d in active}
        # 2. demands that cannot exceed t*rem while the others keep t*rem
        cand = list(active)
        while cand:
            c = np.zeros(lp.nvar)
            c[cand] = -1.0
            x = lp.solve(c, lower, fixed, None)
            up = [d for d in cand if x[d] - lower[d] > eps]
            if not up:
                break
            cand = [d for d in cand if d not in up]
        if not cand:  # numerically every demand could exceed t: freeze the tightest one
            excess = {}
            for d in active:
                c = np.zeros(lp.nvar)
                c[d] = -1.0
                excess[d] = lp.solve(c, lower, fixed, None)[d] - lower[d]
            cand = [min(excess, key=excess.get)]
        for d in cand:
            fixed[d] = lower[d]
        active = [d for d in active if d not in cand]
    for d in active:  # only reached if the round limit was hit
        fixed[d] = t_prev * dem_rem[d]
    return np.array([fixed[d] for d in range(nd)])


def river_return_fraction(
    consumption_fraction, return_river, return_wastewater, reuse_fraction
) -> np.ndarray:
    """River return per unit of delivery, (unit, sector) [1]: returns to river + unreclaimed wastewater."""
    cons = np.asarray(consumption_fraction, dtype=float)
    reuse = np.asarray(reuse_fraction, dtype=float)[:, None]
    return (1.0 - cons) * (
        np.asarray(return_river, float) + np.asarray(return_wastewater, float) * (1.0 - reuse)
    )


def reference_step(
    requirement,
    consumption_fraction,
    return_river,
    return_wastewater,
    reuse_fraction,
    natural,
    releasable,
    surface_capacity,
    link_from,
    link_to,
    link_share,
    link_capacity,
    local_available,
    priority,
    preference,
) -> np.ndarray:
    """Deliveries of one time step by the lexicographic max-min fair allocation of docs/model.md §2.

    Parameters
    ----------
    requirement : array_like
        (unit, sector) [hm3].
    consumption_fraction, return_river, return_wastewater : array_like
        (unit, sector) [1].
    reuse_fraction : array_like
        (unit,) share of wastewater reclaimed [1].
    natural : array_like
        (unit,) runoff + boundary inflow [hm3].
    releasable : array_like
        (unit,) reservoir storage above dead storage at the start of the step [hm3].
    surface_capacity : array_like
        (unit,) diversion capacity, ``inf`` for none [hm3].
    link_from, link_to : array_like of int
        (link,) unit indices; ``link_to`` -1 where the link leaves the region.
    link_share : array_like
        (link,) share of the upstream unit's outflow [1].
    link_capacity : array_like
        (link,) [hm3], ``inf`` for none.
    local_available : mapping
        Source name (one of :data:`LOCAL_SOURCES`) -> (unit,) what the source can give
        this step [hm3]; missing sources give nothing.
    priority : array_like of int
        (sector,) 1 = served first.
    preference : array_like of str
        (sector, rank) source names, ``""`` where none.

    Returns
    -------
    numpy.ndarray
        Deliveries (unit, sector, rank) [hm3].
    """
    req = np.asarray(requirement, dtype=float)
    n, ns = req.shape
    pref = np.asarray(preference, dtype=object).reshape(ns, -1)
    nk = pref.shape[1]
    prio = [int(p) for p in np.asarray(priority)]
    rho = river_return_fraction(consumption_fraction, return_river, return_wastewater, reuse_fraction)
    net = _Net(
        supply=np.asarray(natural, float) + np.asarray(releasable, float),
        div_cap=np.asarray(surface_capacity, float),
        link_from=np.asarray(link_from, dtype=np.int64),
        link_to=np.asarray(link_to, dtype=np.int64),
        share=np.asarray(link_share, float),
        link_cap=np.asarray(link_capacity, float),
    )
    avail = {src: np.array(local_available.get(src, np.zeros(n)), dtype=float) for src in LOCAL_SOURCES}
    scale = max(1.0, float(req.max(initial=0.0)), float(np.abs(net.supply).max(initial=0.0)))
    eps = 1e-9 * scale
    rem = req.copy()
    out = np.zeros((n, ns, max(nk, 1)))
    stage_keys = sorted({(prio[s], k) for s in range(ns) for k in range(nk) if pref[s, k]})
    for p, k in stage_keys:
        members = [s for s in range(ns) if prio[s] == p and pref[s, k]]
        # unit-local sources: proportional share of what the source can give
        for src in LOCAL_SOURCES:
            secs = [s for s in members if pref[s, k] == src]
            for u in range(n):
                asked = sum(rem[u, s] for s in secs)
                if asked <= 0.0:
                    continue
                cover = min(1.0, max(avail[src][u], 0.0) / asked)
                for s in secs:
                    got = rem[u, s] * cover
                    out[u, s, k] += got
                    rem[u, s] -= got
                    avail[src][u] -= got
                    net.r_fix[u] += rho[u, s] * got
        # surface water over the network
        dem = [(u, s) for s in members if pref[s, k] == "surface" for u in range(n) if rem[u, s] > 0.0]
        if not dem:
            continue
        dem_u = np.array([u for u, _ in dem], dtype=np.int64)
        y = _surface_maxmin(
            net, dem_u, np.array([rem[u, s] for u, s in dem]), np.array([rho[u, s] for u, s in dem]), eps
        )
        for (u, s), got in zip(dem, y, strict=True):
            got = min(max(got, 0.0), rem[u, s])
            out[u, s, k] += got
            rem[u, s] -= got
            net.w_fix[u] += got
            net.r_fix[u] += rho[u, s] * got
    return out


def by_source(delivery_rank: np.ndarray, preference) -> np.ndarray:
    """(..., unit, sector, rank) deliveries -> (..., unit, sector, source) over :data:`SOURCES`."""
    pref = np.asarray(preference, dtype=object)
    onehot = np.array([[[float(p == src) for src in SOURCES] for p in row] for row in pref]).reshape(
        pref.shape[0], pref.shape[1], len(SOURCES)
    )
    return np.einsum("...usk,skj->...usj", delivery_rank, onehot)


def engine_delivery(raw: xr.Dataset, inputs: xr.Dataset) -> xr.DataArray:
    """The engine's deliveries as ``(*batch, time, unit, sector, source)`` over all :data:`SOURCES` [hm3].

    Reads ``raw["delivery"]`` (by source, over the sources some sector uses) or, from an older
    engine, ``raw["delivery_rank"]`` (by preference rank).
    """
    if "delivery" in raw:
        d = raw["delivery"].reindex(source=list(SOURCES), fill_value=0.0)
    else:
        d = raw["delivery_rank"]
        pref = inputs["preference"].transpose("sector", "rank").values.astype(str)
        core = ("time", "unit", "sector", "rank")
        bd = tuple(x for x in d.dims if x not in core)
        d = xr.DataArray(
            by_source(d.transpose(*bd, *core).values, pref),
            dims=(*bd, "time", "unit", "sector", "source"),
            coords={"source": list(SOURCES)},
        )
    bdims = tuple(x for x in d.dims if x not in ("time", "unit", "sector", "source"))
    return d.transpose(*bdims, "time", "unit", "sector", "source")


def _members(ds: xr.Dataset, bdims: tuple[str, ...], sizes: dict[str, int]):
    for idx in itertools.product(*[range(sizes[d]) for d in bdims]):
        sel = dict(zip(bdims, idx, strict=True))
        yield sel, ds.isel({d: i for d, i in sel.items() if d in ds.dims})


def reference_deliveries(inputs: xr.Dataset, raw: xr.Dataset) -> xr.DataArray:
    """Reference deliveries for every batch member and step of an engine run.

    The start-of-step state of step ``t`` is rebuilt from the engine's outputs of the steps
    before ``t`` (reservoir storage, aquifer storage, reclaimed pool, and the groundwater and
    transfer deliveries since the last 1 January); the allocation of step ``t`` is then
    recomputed independently with :func:`reference_step`.

    Returns
    -------
    xarray.DataArray
        Deliveries with dims ``(*batch, time, unit, sector, source)`` over all
        :data:`SOURCES`, laid out like :func:`engine_delivery` [hm3].
    """
    engine = engine_delivery(raw, inputs)
    bdims = engine.dims[:-4]
    sizes = {d: engine.sizes[d] for d in bdims}
    units = [str(u) for u in inputs.unit.values]
    index = {u: i for i, u in enumerate(units)}
    link_from = np.array([index[str(u)] for u in inputs["link_from"].values], dtype=np.int64)
    link_to = np.array([index.get(str(u), -1) for u in inputs["link_to"].values], dtype=np.int64)
    pref = np.array(
        [[str(v) for v in row] for row in inputs["preference"].transpose("sector", "rank").values],
        dtype=object,
    ).reshape(inputs.sizes["sector"], inputs.sizes["rank"])
    year_start = inputs["year_start"].values.astype(bool)
    nt = inputs.sizes["time"]
    result = np.zeros(engine.shape)
    for sel, inp in _members(inputs, bdims, sizes):
        out = raw.isel({d: i for d, i in sel.items() if d in raw.dims})
        deliv = engine.isel(sel).values  # (time, unit, sector, source)
        res_store = out["reservoir_storage"].transpose("time", "unit").values
        aquifer = out["aquifer_storage"].transpose("time", "unit").values
        pool = out["reclaimed_pool"].transpose("time", "unit").values
        pumped = deliv[..., SOURCES.index("groundwater")].sum(axis=-1)  # (time, unit)
        transferred = deliv[..., SOURCES.index("transfer")].sum(axis=-1)

        def get(name: str, *dims: str, inp: xr.Dataset = inp) -> np.ndarray:
            return inp[name].transpose(*dims).values.astype(float)

        allow = get("groundwater_sustainable_yield", "unit") + get("groundwater_allowed_overdraft", "unit")
        dead = get("reservoir_dead_storage", "unit")
        ref = np.zeros(deliv.shape)
        year0 = 0
        for ti in range(nt):
            if year_start[ti]:
                year0 = ti
            storage = get("reservoir_initial_storage", "unit") if ti == 0 else res_store[ti - 1]
            aq = get("groundwater_storage", "unit") if ti == 0 else aquifer[ti - 1]
            pool0 = np.zeros(len(units)) if ti == 0 else pool[ti - 1]
            pumped_year = pumped[year0:ti].sum(axis=0)
            transferred_year = transferred[year0:ti].sum(axis=0)
            at = {name: get(name, "time", "unit")[ti] for name in (
                "runoff", "boundary_inflow", "surface_capacity", "groundwater_capacity", "transfer_step_max",
                "reclaimed_capacity", "harvested", "other")}  # fmt: skip
            local = {
                "groundwater": np.maximum(
                    0.0, np.minimum.reduce([at["groundwater_capacity"], allow - pumped_year, aq])
                ),
                "transfer": np.maximum(
                    0.0,
                    np.minimum(
                        at["transfer_step_max"], get("transfer_annual_cap", "unit") - transferred_year
                    ),
                ),
                "reclaimed": np.maximum(0.0, np.minimum(pool0, at["reclaimed_capacity"])),
                "harvested": np.maximum(0.0, at["harvested"]),
                "other": np.maximum(0.0, at["other"]),
            }
            step = reference_step(
                requirement=get("requirement", "time", "unit", "sector")[ti],
                consumption_fraction=get("consumption_fraction", "unit", "sector"),
                return_river=get("return_river", "unit", "sector"),
                return_wastewater=get("return_wastewater", "unit", "sector"),
                reuse_fraction=get("reclaimed_reuse_fraction", "unit"),
                natural=at["runoff"] + at["boundary_inflow"],
                releasable=np.maximum(0.0, storage - dead),
                surface_capacity=at["surface_capacity"],
                link_from=link_from,
                link_to=link_to,
                link_share=get("link_share", "link"),
                link_capacity=get("link_capacity", "time", "link")[ti],
                local_available=local,
                priority=inp["priority"].values,
                preference=pref,
            )
            ref[ti] = by_source(step, pref)
        result[tuple(sel[d] for d in bdims)] = ref
    return xr.DataArray(result, dims=engine.dims, coords={"source": list(SOURCES)})
