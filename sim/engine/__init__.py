"""The network water-balance engine: from per-step inputs to the balance Dataset.

:func:`run_network` flattens every leading (batch) dimension such as ``scenario`` and
``sample`` into one axis, runs the time-stepping kernel (:mod:`sim.engine.kernel`) and
returns the raw state and flow variables with their dimensions restored. The derived
accounting (consumption, return flows, shortage, mass balance) is in
:mod:`sim.accounting`.
"""

from __future__ import annotations

import numba
import numpy as np
import xarray as xr

from sim.engine.kernel import N_SOURCES, run_kernel, run_kernel_parallel
from sim.engine.network import group_by_component, topological_order

#: Source names, in the kernel's index order.
SOURCES = ("surface", "groundwater", "transfer", "reclaimed", "harvested", "other")
assert len(SOURCES) == N_SOURCES

CORE_DIMS = ("time", "unit", "sector", "link", "rank", "month", "source")


def batch_dims(ds: xr.Dataset) -> tuple[str, ...]:
    """Leading dimensions that are not model dimensions (e.g. scenario, sample, sweep)."""
    return tuple(d for d in ds.dims if d not in CORE_DIMS)


def as_batch_array(
    da: xr.DataArray, bdims: tuple[str, ...], sizes: dict[str, int], core: tuple[str, ...]
) -> np.ndarray:
    """Array shaped (batch or 1, *core): keep a batch axis only if ``da`` varies along one."""
    own = [d for d in bdims if d in da.dims]
    if not own:
        return np.ascontiguousarray(da.transpose(*core).values[np.newaxis], dtype=float)
    full = da.broadcast_like(xr.DataArray(np.zeros([sizes[d] for d in bdims]), dims=bdims))
    arr = full.transpose(*bdims, *core).values
    return np.ascontiguousarray(arr.reshape((-1, *arr.shape[len(bdims) :])), dtype=float)


def as_batch_array_t(
    da: xr.DataArray, bdims: tuple[str, ...], sizes: dict[str, int], core: tuple[str, ...]
) -> np.ndarray:
    """Like :func:`as_batch_array`, with a ``time`` axis after the batch axis.

    The time axis has length 1 if ``da`` does not vary in time, so a constant parameter
    costs no memory per step.
    """
    if "time" in da.dims:
        return as_batch_array(da, bdims, sizes, ("time", *core))
    arr = as_batch_array(da, bdims, sizes, core)
    return arr[:, np.newaxis]


def stages(priority: np.ndarray, rank_src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Allocation stages: (priority, preference rank) pairs in the order they are served.

    Parameters
    ----------
    priority : numpy.ndarray
        Priority of each sector (1 = first) [1].
    rank_src : numpy.ndarray
        Source index of each sector's k-th preference, -1 where none; shape (sector, rank).

    Returns
    -------
    stage_src, stage_rank : numpy.ndarray
        Shape (stage, sector): the source each sector draws on in that stage (-1: none),
        and the preference rank it belongs to.
    """
    ns, nk = rank_src.shape
    pairs = sorted({(int(priority[s]), k) for s in range(ns) for k in range(nk) if rank_src[s, k] >= 0})
    stage_src = np.full((len(pairs), ns), -1, dtype=np.int64)
    stage_rank = np.zeros((len(pairs), ns), dtype=np.int64)
    for i, (p, k) in enumerate(pairs):
        for s in range(ns):
            if priority[s] == p and rank_src[s, k] >= 0:
                stage_src[i, s] = rank_src[s, k]
                stage_rank[i, s] = k
    return stage_src, stage_rank


def rank_sources(preference: xr.DataArray) -> np.ndarray:
    """Map the (sector, rank) preference table of source names to kernel indices (-1: none)."""
    names = preference.transpose("sector", "rank").values
    out = np.full(names.shape, -1, dtype=np.int64)
    for idx, name in np.ndenumerate(names):
        if name:
            out[idx] = SOURCES.index(str(name))
    return out


def run_network(inputs: xr.Dataset, by_source: bool = True) -> xr.Dataset:
    """Run the priority allocation and storage accounting over the whole horizon.

    Parameters
    ----------
    inputs : xarray.Dataset
        Per-step inputs from :func:`sim.inputs.expand_inputs` (amounts in hm3 per step),
        possibly with leading batch dimensions (``scenario``, ``sample``, ...).
    by_source : bool
        Keep the delivery from each source (default). False: the kernel adds every
        source's delivery into one slot and the result holds ``delivered`` instead, a
        sixth of the memory (the shortage-type diagnosis needs no more).

    Returns
    -------
    xarray.Dataset
        ``delivery(*batch, time, unit, sector, source)`` over the sources some sector can
        use (or ``delivered(*batch, time, unit, sector)``, their sum), and the unit and
        link variables listed in ``docs/outputs.md`` [hm3].
    """
    bdims = batch_dims(inputs)
    sizes = {d: inputs.sizes[d] for d in bdims}
    nbatch = int(np.prod([sizes[d] for d in bdims])) if bdims else 1
    units = [str(u) for u in inputs.unit.values]
    index = {u: i for i, u in enumerate(units)}
    link_from = np.array([index[str(u)] for u in inputs["link_from"].values], dtype=np.int64)
    link_to = np.array([index.get(str(u), -1) for u in inputs["link_to"].values], dtype=np.int64)
    order, part_ptr = group_by_component(
        topological_order(len(units), link_from, link_to), link_from, link_to
    )
    rank_src = rank_sources(inputs["preference"])
    stage_src, stage_rank = stages(inputs["priority"].values, rank_src)

    def b(name: str, *core: str) -> np.ndarray:
        return as_batch_array(inputs[name], bdims, sizes, core)

    def bt(name: str, *core: str) -> np.ndarray:
        return as_batch_array_t(inputs[name], bdims, sizes, core)

    reservoir_dead = b("reservoir_dead_storage", "unit")
    gw_allow = as_batch_array_t(
        inputs["groundwater_sustainable_yield"] + inputs["groundwater_allowed_overdraft"],
        bdims,
        sizes,
        ("unit",),
    )
    nat = b("runoff", "time", "unit") + b("boundary_inflow", "time", "unit")
    used = sorted({int(v) for v in rank_src.ravel() if v >= 0}) or [0]
    rank_slot = np.array([[used.index(v) if v >= 0 else -1 for v in row] for row in rank_src], dtype=np.int64)
    if not by_source:
        # every source's delivery is added into slot 0 (the kernel adds, never assigns)
        rank_slot = np.where(rank_slot >= 0, 0, -1)
        used = used[:1]
    nt, nu, ns, nl = inputs.sizes["time"], len(units), inputs.sizes["sector"], len(link_from)
    deliv = np.empty((nbatch, nt, nu, ns, len(used)))
    lflow = np.empty((nbatch, nt, nl))
    lspill = np.empty((nbatch, nt, nl))
    unit_out = np.empty((9, nbatch, nt, nu))
    # numba's thread count is per calling thread: 1 in a chunk of sim.distributed.imap_threads
    kernel = run_kernel_parallel if nbatch > 1 and numba.get_num_threads() > 1 else run_kernel
    kernel(
        nbatch, order, part_ptr, link_from, link_to,
        b("link_share", "link"), b("link_capacity", "time", "link"),
        stage_src, stage_rank,
        b("requirement", "time", "unit", "sector"), bt("consumption_fraction", "unit", "sector"),
        bt("return_river", "unit", "sector"), bt("return_groundwater", "unit", "sector"),
        bt("return_wastewater", "unit", "sector"),
        nat, b("surface_capacity", "time", "unit"),
        b("reservoir_capacity", "unit"), reservoir_dead, b("reservoir_initial_storage", "unit"),
        b("groundwater_capacity", "time", "unit"), b("groundwater_recharge", "time", "unit"),
        b("groundwater_sustainable_yield", "unit"), gw_allow, b("groundwater_storage", "unit"),
        b("transfer_step_max", "time", "unit"), bt("transfer_annual_cap", "unit"),
        bt("reclaimed_reuse_fraction", "unit"), b("reclaimed_capacity", "time", "unit"),
        np.zeros((1, len(units))),
        b("harvested", "time", "unit"), b("other", "time", "unit"),
        inputs["year_start"].values.astype(np.bool_),
        rank_slot, deliv, lflow, lspill, unit_out,
    )  # fmt: skip
    shape = [sizes[d] for d in bdims]
    coords = {d: inputs[d] for d in bdims if d in inputs.coords}
    coords.update(
        time=inputs.time,
        unit=inputs.unit,
        sector=inputs.sector,
        link=inputs.link,
    )
    if by_source:
        coords["source"] = [SOURCES[i] for i in used]

    def unbatch(arr: np.ndarray, core: tuple[str, ...]) -> xr.DataArray:
        return xr.DataArray(arr.reshape(shape + list(arr.shape[1:])), dims=(*bdims, *core))

    tu = ("time", "unit")
    names = (
        "inflow", "outflow", "reservoir_storage", "reservoir_release", "reservoir_spill",
        "aquifer_storage", "overdraft", "reclaimed_pool", "reclaimed_discharge",
    )  # fmt: skip
    out = {name: unbatch(unit_out[i], tu) for i, name in enumerate(names)}
    if by_source:
        out["delivery"] = unbatch(deliv, ("time", "unit", "sector", "source"))
    else:
        out["delivered"] = unbatch(deliv[..., 0], ("time", "unit", "sector"))
    out["link_flow"] = unbatch(lflow, ("time", "link"))
    out["link_spill"] = unbatch(lspill, ("time", "link"))
    ds = xr.Dataset(out).assign_coords(coords)
    return ds
