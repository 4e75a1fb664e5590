"""Large stochastic ensembles in chunks of samples, with memory flat in the number of samples.

A full ensemble keeps every flow of every sample at every step: for Inner Mongolia (20 units,
7 sectors, 6 sources, monthly 2022–2035, baseline plus one scenario) that is about 6.2 MB per
sample, 6.2 GB for 1000 samples. With ``hydrology.keep=summary`` the samples run in chunks
(``engine.sample_chunk`` samples each) and each chunk keeps only

* the **sum over its samples** of every variable that has ``sample`` and ``time``, from which
  the result holds the **mean over the samples at every step** under the variable's own name
  (CF ``cell_methods`` ends in ``sample: mean``);
* the **annual values of every sample** of those variables, as ``<name>_annual`` with dims
  ``(..., sample, year, ...)`` (flows summed over the year's steps [hm3/a]; storages at the
  end of the year [hm3]);
* every variable without ``time`` as it is (the risk metrics, the shortage type, the
  savings and cap use by year: per sample).

The probability that use exceeds a cap is computed after the chunks are joined. The numbers
equal those of the full ensemble (tested to 1e-12); only the per-sample, per-step detail is
not kept. ``hydrology.keep=auto`` (the default) keeps everything when the full result is
under :data:`AUTO_LIMIT_BYTES` and the summary above it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import xarray as xr
from numba import njit

from sim.errors import InputError
from sim.risk import cap_exceedance
from sim.timeaxis import annual, year_of_step
from sim.variables import is_stock

KEEP = ("auto", "all", "summary")

#: ``hydrology.keep=auto`` keeps every sample at every step up to this size of the result [B]
AUTO_LIMIT_BYTES = 1.0e9

#: working memory of a chunk per byte of its full result (measured for Inner Mongolia: a
#: chunk of 125 samples of 6.2 MB each takes 739 MB, 0.95 per byte; with a margin; the
#: budgets below leave another 1 GB below the 4 GB of issue 5)
_WORKING_FACTOR = 1.1

#: working memory of a chunk with the shortage-type diagnosis, per byte without it (its two
#: extra engine cases, which keep only the delivery summed over the sources; measured for
#: Inner Mongolia: 1155 MB against 739 MB above the process's own for 125 samples)
DIAGNOSIS_FACTOR = 1.6

#: target working memory of one chunk [B]
_CHUNK_BYTES = 1.5e9

#: target working memory of all the chunks computed at the same time [B]
_CHUNKS_BYTES = 3.0e9

_SUM = "__sample_sum"


def bytes_per_sample(n_scenarios: int, n_steps: int, n_units: int, n_sectors: int, n_sources: int) -> float:
    """Size of one sample's full result [B] (float64).

    Counts delivery by source, the seven (unit, sector) flows of the balance and about 25
    variables by unit (flows, storages, risk series).

    Parameters
    ----------
    n_scenarios, n_steps, n_units, n_sectors, n_sources : int
        Sizes of the run.
    """
    per_step = n_units * n_sectors * (n_sources + 7) + 25 * n_units
    return 8.0 * n_scenarios * n_steps * per_step


def keep_mode(keep: str, n_samples: int, sample_bytes: float) -> str:
    """Resolve ``hydrology.keep`` to ``all`` or ``summary``.

    Parameters
    ----------
    keep : str
        ``auto``, ``all`` or ``summary``.
    n_samples : int
        Samples of the ensemble.
    sample_bytes : float
        Size of one sample's full result [B] (:func:`bytes_per_sample`).

    Returns
    -------
    str
        ``all`` or ``summary`` (always ``all`` for a single sample).

    Raises
    ------
    InputError
        If ``keep`` is not one of :data:`KEEP`.
    """
    if keep not in KEEP:
        raise InputError(f"config key 'hydrology.keep': expected one of {', '.join(KEEP)}, got {keep!r}")
    if n_samples <= 1:
        return "all"
    if keep == "auto":
        return "summary" if n_samples * sample_bytes > AUTO_LIMIT_BYTES else "all"
    return keep


def chunk_size(sample_chunk: int, n_samples: int, sample_bytes: float, workers: int = 1) -> int:
    """Choose the samples per chunk: ``sample_chunk`` if > 0, else what fits the memory targets.

    A chunk's working memory is kept near 1.5 GB, and that of the ``workers`` chunks computed
    at the same time near 3 GB. The automatic choice then makes the number of chunks a
    multiple of ``workers`` (the chunks as equal as can be), so that no worker is left with
    one chunk more than the others: 1000 samples at most 218 a chunk on 2 workers are 6
    chunks of 167, not 5 of 200 (the last worker alone for a whole chunk).

    Parameters
    ----------
    sample_chunk : int
        ``engine.sample_chunk`` (0: automatic).
    n_samples : int
        Samples of the ensemble.
    sample_bytes : float
        Size of one sample's full result [B].
    workers : int
        Chunks computed at the same time [1].
    """
    if sample_chunk > 0:
        return min(int(sample_chunk), n_samples)
    workers = max(1, int(workers))
    budget = min(_CHUNK_BYTES, _CHUNKS_BYTES / workers)
    largest = max(1, min(n_samples, int(budget / (_WORKING_FACTOR * sample_bytes))))
    n_chunks = -(-n_samples // largest)
    n_chunks = min(n_samples, -(-n_chunks // workers) * workers)
    return -(-n_samples // n_chunks)


@njit(cache=True, nogil=True)
def _sum_and_annual_kernel(x, year_of_step, last, out_sum, out_year):
    """Sum over axis 1 (sample) and by year over axis 2 (time) of ``x`` (lead, sample, time, rest).

    ``out_sum`` (lead, time, rest); ``out_year`` (lead, sample, year, rest): the sum over the
    year's steps, or with ``last`` the value at its last step. Sums in the order numpy adds.
    """
    n_lead, n_s, n_t, n_r = x.shape
    out_sum[:] = 0.0
    out_year[:] = 0.0
    for a in range(n_lead):
        for s in range(n_s):
            for t in range(n_t):
                y = year_of_step[t]
                row = x[a, s, t]
                acc = out_sum[a, t]
                yr = out_year[a, s, y]
                for r in range(n_r):
                    acc[r] += row[r]
                if last:
                    for r in range(n_r):
                        yr[r] = row[r]
                else:
                    for r in range(n_r):
                        yr[r] += row[r]


def sum_and_annual(da: xr.DataArray, how: str = "sum") -> tuple[xr.DataArray, xr.DataArray] | None:
    """``da.sum("sample")`` and ``annual(da, how)`` in one compiled pass over ``da``.

    The same numbers as the two xarray calls (bit for bit on whole years of months, to
    rounding where a year is partial; a chunk's delivery is read once instead of twice).
    None unless ``da`` is a C-ordered float64 array with ``time`` right after
    ``sample`` (the layout of an ensemble's balance); the caller then makes the two calls.

    Parameters
    ----------
    da : xarray.DataArray
        Per-step variable over ``(..., sample, time, ...)`` [any unit].
    how : {"sum", "last"}
        Annual sum or value at the year's last step (:func:`sim.timeaxis.annual`).
    """
    if how not in ("sum", "last") or "sample" not in da.dims or "time" not in da.dims:
        return None
    axis = da.get_axis_num("sample")
    index = da.indexes.get("time")
    values = da.data
    if (
        da.get_axis_num("time") != axis + 1
        or not isinstance(index, pd.DatetimeIndex)
        or not isinstance(values, np.ndarray)
        or values.dtype != np.float64
        or not values.flags.c_contiguous
    ):
        return None
    year_labels, step_year = year_of_step(np.asarray(index.year))
    lead, (n_s, n_t), rest = da.shape[:axis], da.shape[axis : axis + 2], da.shape[axis + 2 :]
    n_lead, n_rest = int(np.prod(lead, dtype=np.int64)), int(np.prod(rest, dtype=np.int64))
    n_y = int(step_year[-1]) + 1
    out_sum = np.empty((n_lead, n_t, n_rest))
    out_year = np.empty((n_lead, n_s, n_y, n_rest))
    _sum_and_annual_kernel(
        values.reshape(n_lead, n_s, n_t, n_rest), step_year, how == "last", out_sum, out_year
    )
    # the first sample's view keeps the other coordinates, their indexes and the attributes
    # (as xarray's sum does)
    total = da.isel(sample=0, drop=True).copy(data=out_sum.reshape((*lead, n_t, *rest)))
    coords = da.coords.variables
    by_year = xr.DataArray(
        out_year.reshape((*lead, n_s, n_y, *rest)),
        dims=tuple("year" if d == "time" else d for d in da.dims),
        coords={**{k: v for k, v in coords.items() if "time" not in v.dims}, "year": year_labels},
        name=da.name,
    )
    return total, by_year


def reduce_chunk(part: xr.Dataset) -> xr.Dataset:
    """Reduce a chunk of samples to what it keeps (see the module docstring).

    Parameters
    ----------
    part : xarray.Dataset
        The balance of some samples (with their risk metrics).

    Returns
    -------
    xarray.Dataset
        ``<name>__sample_sum`` and ``<name>_annual`` for each variable with ``sample`` and
        ``time``; every other variable unchanged.
    """
    out: dict[str, xr.DataArray] = {}
    for name, da in part.data_vars.items():
        name = str(name)
        if "sample" in da.dims and "time" in da.dims:
            how = "last" if is_stock(name) else "sum"
            fused = sum_and_annual(da, how)  # one pass; None for another layout
            if fused is None:
                fused = da.sum("sample", skipna=False), annual(da, how)
            out[name + _SUM], out[name + "_annual"] = fused
        else:
            out[name] = da
    # every array comes from `part`, so its coordinates agree: the Dataset is built from the
    # variables and the union of the coordinates, without xarray aligning and comparing the
    # coordinates of about 80 arrays (half the cost of the reduction for a small chunk)
    coords: dict = {}
    for da in out.values():
        for key, var in da.coords.variables.items():
            coords.setdefault(key, var)
    return xr.Dataset({k: da.variable for k, da in out.items()}, coords=coords, attrs=part.attrs)


def _values_like(da: xr.DataArray, like: xr.DataArray) -> np.ndarray:
    """Values of ``da`` in the dim order of ``like``; raise if their sizes differ.

    (``Variable.transpose``: ``DataArray.transpose`` also transposes every coordinate.)
    """
    if set(da.dims) != set(like.dims) or any(
        da.sizes[d] != n for d, n in like.sizes.items() if d != "sample"
    ):
        raise ValueError(
            f"SummaryJoin: chunk variable {da.name!r} has sizes {dict(da.sizes)}, expected {dict(like.sizes)}"
        )
    return da.variable.transpose(*like.dims).values


class SummaryJoin:
    """Join reduced chunks as they arrive, so that no chunk is kept once it is added.

    Per-sample variables are written into arrays allocated once for all ``n_samples``
    samples; the sums over samples are added up. Peak memory is the result plus one chunk.

    Parameters
    ----------
    n_samples : int
        Samples in all the chunks.
    """

    def __init__(self, n_samples: int) -> None:
        self.n_samples = n_samples
        self.filled = 0
        self.attrs: dict = {}
        self.order: list[str] = []
        self.sums: dict[str, tuple[np.ndarray, xr.DataArray]] = {}
        self.arrays: dict[str, tuple[np.ndarray, xr.DataArray]] = {}
        self.static: dict[str, xr.DataArray] = {}
        self.samples: list[np.ndarray] = []

    def add(self, part: xr.Dataset) -> None:
        """Add the next chunk (an output of :func:`reduce_chunk`, in sample order)."""
        k = part.sizes["sample"]
        lo = self.filled
        if not self.order:
            self.order = [str(n) for n in part.data_vars]
            self.attrs = dict(part.attrs)
        for name, da in part.data_vars.items():
            name = str(name)
            if name.endswith(_SUM):
                # added in place in numpy: every chunk has the same coordinates but `sample`
                # (xarray's `+` would align ~80 arrays per chunk, in the GIL, while the
                # next chunks run)
                if name not in self.sums:
                    self.sums[name] = (np.array(da.values, dtype=float), da)
                else:
                    total, first = self.sums[name]
                    total += _values_like(da, first)
            elif "sample" in da.dims:
                if name not in self.arrays:
                    shape = [
                        self.n_samples if d == "sample" else n for d, n in zip(da.dims, da.shape, strict=True)
                    ]
                    # the first chunk's first sample keeps the dims, coords and attrs
                    self.arrays[name] = (np.empty(shape, dtype=da.dtype), da.isel(sample=[0]))
                values, template = self.arrays[name]
                index = tuple(slice(lo, lo + k) if d == "sample" else slice(None) for d in template.dims)
                values[index] = _values_like(da, template)
            elif name not in self.static:
                self.static[name] = da
        self.samples.append(part["sample"].values)
        self.filled += k

    def result(self) -> xr.Dataset:
        """Return the summary: means over the samples, per-sample variables along ``sample``.

        ``cap_exceedance`` is recomputed over all samples.
        """
        if self.filled != self.n_samples:
            raise ValueError(f"SummaryJoin: {self.filled} of {self.n_samples} samples were added")
        samples = np.concatenate(self.samples)
        out: dict[str, xr.Variable] = {}
        coords: dict = {"sample": samples}
        for name in self.order:
            if name.endswith(_SUM):
                total, da = self.sums[name]
                name = name[: -len(_SUM)]
                out[name] = da.variable.copy(data=total / self.n_samples)
            elif name in self.arrays:
                values, da = self.arrays[name]
                out[name] = xr.Variable(da.dims, values, attrs=da.attrs)
            else:
                da = self.static[name]
                out[name] = da.variable
            for key, var in da.coords.variables.items():
                if "sample" not in var.dims:
                    coords.setdefault(key, var)
        # the coordinates of every chunk agree (one run): no alignment (see reduce_chunk)
        ds = xr.Dataset(out, coords=coords, attrs=self.attrs)
        if "cap_use" in ds and "cap_exceedance" in ds:
            ds["cap_exceedance"] = cap_exceedance(ds)
        return ds


def join_chunks(parts: Iterable[xr.Dataset], n_samples: int) -> xr.Dataset:
    """Join reduced chunks: means over all samples, per-sample variables along ``sample``.

    Parameters
    ----------
    parts : iterable of xarray.Dataset
        Outputs of :func:`reduce_chunk`, in sample order; a generator is consumed one chunk
        at a time (see :class:`SummaryJoin`).
    n_samples : int
        Samples in all the chunks.

    Returns
    -------
    xarray.Dataset
        The summary result; ``cap_exceedance`` recomputed over all samples.
    """
    join = SummaryJoin(n_samples)
    for part in parts:
        join.add(part)
    return join.result()


def mark_means(ds: xr.Dataset, n_samples: int) -> xr.Dataset:
    """Record on the result that its per-step variables are means over ``n_samples`` samples.

    Sets CF ``cell_methods`` (``... sample: mean``) on every variable with ``time`` and no
    ``sample`` that has an ``_annual`` twin, the ``units``, ``long_name`` and
    ``cell_methods`` of the twin (after :func:`sim.variables.annotate`), and the Dataset
    attribute ``ensemble``.
    """
    for name in list(ds.data_vars):
        if f"{name}_annual" in ds and "sample" not in ds[name].dims:
            da = ds[name]
            stock = is_stock(str(name))
            units = str(da.attrs.get("units", ""))
            long_name = str(da.attrs.get("long_name", name))
            ds[f"{name}_annual"].attrs.update(
                units=units if stock or units != "hm3" else "hm3/a",
                long_name=f"{long_name}: {'end of the year' if stock else 'total of the year'}, per sample",
                cell_methods="year: last" if stock else "year: sum",
            )
            methods = str(da.attrs.get("cell_methods", "")).strip()
            da.attrs["cell_methods"] = f"{methods} sample: mean".strip()
    ds.attrs["ensemble"] = (
        f"summary of {n_samples} samples: per-step variables are means over the samples; "
        "<name>_annual holds each sample's annual values (hydrology.keep=summary)"
    )
    return ds
