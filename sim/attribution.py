"""Who saved what: one-at-a-time contributions and exact Shapley values of the measures.

For ``n`` measures the value of a subset ``S`` is the water use ``v(S)`` (annual
withdrawal and consumption by year, unit and sector) when only the measures in ``S`` are
on. The saving of a subset is ``s(S) = v(∅) − v(S)``. With all ``2^n`` subsets evaluated
in one vectorised run along a ``scenario`` dimension (in chunks, to bound memory):

* one-at-a-time contribution of measure ``i``: ``s({i})``;
* Shapley value: ``φ_i = Σ_{S ∌ i} |S|! (n − |S| − 1)! / n! · (s(S ∪ {i}) − s(S))``, which
  sums to the combined saving ``s(N)`` exactly (efficiency);
* interaction: ``s(N) − Σ_i s({i})``, the part of the combined saving that no measure
  makes alone (negative when measures overlap, e.g. two ways to save the same water).

The Shapley sum is accumulated chunk by chunk: subset ``S`` adds ``w(|S|−1) s(S)`` to every
``i ∈ S`` and subtracts ``w(|S|) s(S)`` from every ``i ∉ S``, with
``w(k) = k! (n − k − 1)! / n!``, so no subset's result is kept.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence

import numpy as np
import xarray as xr
from omegaconf import DictConfig

from sim.engine import as_batch_array_t, batch_dims, run_network
from sim.errors import InputError
from sim.scenario import Measure, scenario_matrix

logger = logging.getLogger(__name__)

#: Sources counted as withdrawal of conventional water (the use a cap limits).
CONVENTIONAL = ("surface", "groundwater", "transfer")
KINDS = ("withdrawal", "consumption")


def subsets(n: int) -> np.ndarray:
    """All ``2^n`` subsets of ``n`` measures as a 0/1 matrix (subset, measure).

    Row ``k`` holds the bits of ``k`` with measure 0 as the most significant bit, so the
    last measures (applied last, mostly to the engine inputs) change fastest from row to
    row and a block of consecutive rows shares its first measures: the demand models run
    once per distinct combination of those (:func:`sim.core.build_inputs`).
    """
    k = np.arange(2**n, dtype=np.int64)[:, None]
    return ((k >> np.arange(n - 1, -1, -1, dtype=np.int64)) & 1).astype(float)


def shapley_weights(n: int) -> np.ndarray:
    """``w(k) = k! (n − k − 1)! / n!`` for k = 0..n−1 [1]."""
    return np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)])


def annual_use_raw(inputs: xr.Dataset, raw: xr.Dataset, bdims: Sequence[str] | None = None) -> np.ndarray:
    """Annual withdrawal (conventional sources) and consumption, from the engine's raw outputs.

    ``consumption = Σ_source delivery × consumption_fraction`` as in
    :mod:`sim.accounting`; the fraction may vary along ``scenario`` and ``time``.

    Parameters
    ----------
    inputs, raw : xarray.Dataset
        Engine inputs and raw outputs.
    bdims : sequence of str, optional
        Order in which the batch dims are flattened into ``member`` (default: as found).

    Returns
    -------
    numpy.ndarray
        (member, kind, year, unit, sector) [hm3/a].
    """
    bdims = tuple(bdims) if bdims is not None else batch_dims(inputs)
    sizes = {d: inputs.sizes[d] for d in bdims}
    dv = raw["delivery"].transpose(*bdims, "time", "unit", "sector", "source")
    src = [str(x) for x in dv.source.values]
    arr = dv.values.reshape((-1, *dv.shape[len(bdims) :]))
    conv = np.array([x in CONVENTIONAL for x in src])
    w = arr[..., conv].sum(axis=-1)
    cf = as_batch_array_t(inputs["consumption_fraction"], bdims, sizes, ("unit", "sector"))
    c = arr.sum(axis=-1) * cf
    years = inputs.time.dt.year.values
    starts = np.flatnonzero(np.r_[True, years[1:] != years[:-1]])
    return np.stack([np.add.reduceat(w, starts, axis=1), np.add.reduceat(c, starts, axis=1)], axis=1)


class ShapleyAccumulator:
    """Exact Shapley values of a vector-valued game, accumulated over blocks of subsets.

    Parameters
    ----------
    n : int
        Number of players (measures).

    Notes
    -----
    :meth:`add` takes any block of subsets (0/1 rows) with their values ``v(S)``; after
    every one of the ``2^n`` subsets was added once, :meth:`result` returns
    ``φ_i = Σ_{S ∌ i} w(|S|) (v(S ∪ {i}) − v(S))``. Subset ``S`` contributes
    ``+w(|S| − 1) v(S)`` to each ``i ∈ S`` and ``−w(|S|) v(S)`` to each ``i ∉ S``.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.w = shapley_weights(n)
        self.phi: np.ndarray | None = None
        self.seen = 0

    def add(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Add the values ``(subset, ...)`` of the subsets ``rows`` (subset, player)."""
        inside = np.asarray(rows, dtype=bool)
        k = inside.sum(axis=1)
        n = self.n
        coef = np.where(
            inside, self.w[np.clip(k - 1, 0, n - 1)][:, None], -self.w[np.clip(k, 0, n - 1)][:, None]
        )
        part = np.tensordot(coef, values, axes=(0, 0))
        self.phi = part if self.phi is None else self.phi + part
        self.seen += inside.shape[0]

    def result(self) -> np.ndarray:
        """Shapley values ``(player, ...)``.

        Raises
        ------
        RuntimeError
            If not exactly ``2^n`` subsets were added.
        """
        if self.phi is None or self.seen != 2**self.n:
            raise RuntimeError(f"Shapley: {self.seen} subsets added, {2**self.n} needed")
        return self.phi


def components(pack) -> list[list[str]]:
    """Return the connected parts of the network (units joined by links), in pack order."""
    units = [str(u) for u in pack.data.unit.values]
    parent = {u: u for u in units}

    def root(u: str) -> str:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for f, t in zip(pack.data["link_from"].values, pack.data["link_to"].values, strict=True):
        if str(t) in parent:
            parent[root(str(f))] = root(str(t))
    groups: dict[str, list[str]] = {}
    for u in units:
        groups.setdefault(root(u), []).append(u)
    return list(groups.values())


def relevant_measures(
    cfg: DictConfig, pack, measures: Sequence[Measure], build: Callable
) -> list[tuple[list[str], list[int]]]:
    """Return each connected part of the network with the measures active in it.

    Measures act unit by unit (``docs/measures.md``) and parts of the network share no
    water, so the use of a part depends only on the measures in place there: the others
    are null players of its game, and its Shapley values come from the ``2^m`` subsets of
    its ``m`` relevant measures alone.
    """
    from sim.measures import State
    from sim.scenario import level
    from sim.timeaxis import make_time_axis

    axis = make_time_axis(str(cfg.time.start), str(cfg.time.end), str(cfg.time.step))
    state = State(pack=pack, axis=axis, drivers=dict(pack.drivers), baseline_drivers=pack.drivers)
    on = xr.DataArray(np.ones(1), coords={"scenario": ["all"]}, dims="scenario")
    active = {m.name: (level(m, state, on) > 0).any(("scenario", "time")) for m in measures}
    out = []
    for part in components(pack):
        rel = [j for j, m in enumerate(measures) if bool(active[m.name].sel(unit=part).any())]
        out.append((part, rel))
    return out


def attribute(
    cfg: DictConfig,
    pack,
    measures: Sequence[Measure],
    build: Callable,
    chunk: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> xr.Dataset:
    """Compute the savings of each measure: one-at-a-time, exact Shapley, combined, interaction.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        Composed configuration.
    pack : sim.pack.Pack
        Loaded region pack.
    measures : sequence of Measure
        The measures switched on (n ≤ ``cfg.comparison.max_shapley``).
    build : callable
        ``build(cfg, pack, measures, on, units=, extents=, cache=) -> (inputs, diagnostics,
        extents)`` (:func:`sim.core.build_inputs`).
    chunk : int
        Subsets run together (bounds memory: about ``chunk`` × one scenario's results).
    progress : callable, optional
        Called with (done, total) after each chunk.

    Returns
    -------
    xarray.Dataset
        ``saving_one_at_a_time``, ``saving_shapley`` (measure, kind, year, unit, sector),
        ``saving_combined`` and ``saving_interaction`` (kind, year, unit, sector) [hm3/a];
        ``kind`` is ``withdrawal`` (conventional sources) or ``consumption``.
    """
    n = len(measures)
    if n == 0:
        raise InputError("attribution needs at least one measure")
    names = [m.name for m in measures]
    units_all = [str(u) for u in pack.data.unit.values]
    parts = relevant_measures(cfg, pack, measures, build)
    total = sum(2 ** len(r) for _, r in parts)
    budget = chunk * len(units_all)  # unit-subsets per block: the memory of `chunk` whole-pack subsets
    shapley = oat = empty = full = None
    done = 0
    cache: dict = {}
    for part_units, rel in parts:
        m = len(rel)
        idx = [units_all.index(u) for u in part_units]
        rows = subsets(m)
        size = rows.sum(axis=1).astype(int)
        acc = ShapleyAccumulator(m) if m else None
        singles: dict[int, np.ndarray] = {}
        v_empty = v_full = None
        step = max(1, budget // len(part_units))
        for lo in range(0, rows.shape[0], step):
            block = rows[lo : lo + step]
            on_rows = np.zeros((block.shape[0], n))
            on_rows[:, rel] = block
            on = scenario_matrix(names, on_rows, [f"s{lo + i}" for i in range(block.shape[0])])
            inputs, _, _ = build(cfg, pack, measures, on, units=part_units, extents=False, cache=cache)
            if "scenario" not in inputs.dims:  # nothing varies in this part
                inputs = inputs.expand_dims(scenario=on.scenario.values)
            # other batch dims (design years: frequency) become dims of the value
            others = tuple(d for d in batch_dims(inputs) if d != "scenario")
            v = annual_use_raw(inputs, run_network(inputs), ("scenario", *others))
            v = v.reshape((block.shape[0], *[inputs.sizes[d] for d in others], *v.shape[1:]))
            if shapley is None:
                years = np.unique(inputs.time.dt.year.values)
                shape = (
                    *[inputs.sizes[d] for d in others],
                    len(KINDS),
                    years.size,
                    len(units_all),
                    inputs.sizes["sector"],
                )
                shapley, oat = np.zeros((n, *shape)), np.zeros((n, *shape))
                empty, full = np.zeros(shape), np.zeros(shape)
                coords = {
                    **{d: inputs[d].values for d in others},
                    "kind": list(KINDS),
                    "year": years,
                    "unit": units_all,
                    "sector": inputs.sector.values,
                }
            if acc is not None:
                acc.add(block, v)  # Shapley of the use v(S); a saving s(S) = v(∅) − v(S) flips the sign
            for j, kk in enumerate(size[lo : lo + step]):
                if kk == 0:
                    v_empty = v[j]
                if kk == m:
                    v_full = v[j]
                if kk == 1:
                    singles[int(np.argmax(block[j]))] = v[j]
            done += block.shape[0]
            if progress is not None:
                progress(done, total)
        assert v_empty is not None and v_full is not None and shapley is not None
        empty[..., idx, :] = v_empty
        full[..., idx, :] = v_full
        if acc is not None:
            phi = -acc.result()
            for a, i in enumerate(rel):
                shapley[i][..., idx, :] = phi[a]
                oat[i][..., idx, :] = v_empty - singles[a]
        logger.debug("attribution: units %s, %d measures, %d subsets", part_units, m, 2**m)
    assert shapley is not None and oat is not None and empty is not None and full is not None
    combined = empty - full
    dims = tuple(coords)
    mcoords = {"measure": names, **coords}
    attrs = {"units": "hm3/a"}
    return xr.Dataset(
        {
            "saving_one_at_a_time": xr.DataArray(oat, coords=mcoords, dims=("measure", *dims), attrs={
                **attrs, "long_name": "saving of the measure alone (baseline minus measure-only use)"}),
            "saving_shapley": xr.DataArray(shapley, coords=mcoords, dims=("measure", *dims), attrs={
                **attrs, "long_name": "Shapley value of the measure in the combined saving"}),
            "saving_combined": xr.DataArray(combined, coords=coords, dims=dims, attrs={
                **attrs, "long_name": "saving of all measures together"}),
            "saving_interaction": xr.DataArray(combined - oat.sum(axis=0), coords=coords, dims=dims, attrs={
                **attrs, "long_name": "combined saving minus the sum of one-at-a-time savings"}),
        }
    )  # fmt: skip
