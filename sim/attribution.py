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


def annual_use_raw(inputs: xr.Dataset, raw: xr.Dataset) -> np.ndarray:
    """:func:`annual_use` straight from the engine's raw outputs (no full accounting).

    ``consumption = Σ_source delivery × consumption_fraction`` as in
    :mod:`sim.accounting`; the fraction may vary along ``scenario`` and ``time``.

    Returns
    -------
    numpy.ndarray
        (member, kind, year, unit, sector) [hm3/a].
    """
    bdims = batch_dims(inputs)
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


def annual_use(bal: xr.Dataset) -> np.ndarray:
    """Annual withdrawal (conventional sources) and consumption by member, year, unit, sector.

    Returns
    -------
    numpy.ndarray
        (member, kind, year, unit, sector) [hm3/a]; members are the flattened batch dims.
    """
    lead = [d for d in bal["delivery"].dims if d not in ("time", "unit", "sector", "source")]
    conv = [s for s in bal.source.values if str(s) in CONVENTIONAL]
    w = bal["delivery"].sel(source=conv).sum("source").transpose(*lead, "time", "unit", "sector").values
    c = bal["consumption"].transpose(*lead, "time", "unit", "sector").values
    nt, nu, ns = w.shape[-3:]
    w = w.reshape(-1, nt, nu, ns)
    c = c.reshape(-1, nt, nu, ns)
    years = bal.time.dt.year.values
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
        ``build(cfg, pack, measures, on) -> (inputs, diagnostics, extents)``
        (:func:`sim.core.build_inputs`).
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
    rows = subsets(n)
    size = rows.sum(axis=1).astype(int)
    acc = ShapleyAccumulator(n)
    value_empty = value_full = None
    singles: dict[int, np.ndarray] = {}
    coords = None
    for lo in range(0, rows.shape[0], chunk):
        block = rows[lo : lo + chunk]
        labels = [f"s{lo + i}" for i in range(block.shape[0])]
        on = scenario_matrix(names, block, labels)
        inputs, _, _ = build(cfg, pack, measures, on)
        if batch_dims(inputs) != ("scenario",):
            raise RuntimeError(
                f"attribution: expected the batch dim 'scenario' only, got {batch_dims(inputs)}"
            )
        v = annual_use_raw(inputs, run_network(inputs))  # (subset, kind, year, unit, sector)
        if coords is None:
            years = np.unique(inputs.time.dt.year.values)
            coords = {
                "kind": list(KINDS),
                "year": years,
                "unit": inputs.unit.values,
                "sector": inputs.sector.values,
            }
        k = size[lo : lo + chunk]
        acc.add(block, v)  # Shapley of the use v(S); the saving s(S) = v(∅) − v(S) flips its sign
        for j, kk in enumerate(k):
            if kk == 0:
                value_empty = v[j]
            elif kk == n:
                value_full = v[j]
            if kk == 1:
                singles[int(np.argmax(block[j]))] = v[j]
        if progress is not None:
            progress(min(lo + chunk, rows.shape[0]), rows.shape[0])
        logger.debug("attribution: %d of %d subsets", min(lo + chunk, rows.shape[0]), rows.shape[0])
    assert value_empty is not None and value_full is not None and coords is not None
    shapley = -acc.result()
    oat = np.stack([value_empty - singles[i] for i in range(n)])
    combined = value_empty - value_full
    dims = ("kind", "year", "unit", "sector")
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
