"""Results of pure functions of driver variables, kept by the content of those variables.

The chunks of a stochastic ensemble rebuild the demand side for their samples, but most of
its work does not depend on the samples: the domestic or industrial model as a whole, or the
crop calendar, reference ET and efficiencies inside the irrigation model. Keying on the
*content* of exactly the variables a computation reads (their values, dims and coordinate
labels) makes reuse correct by construction: another pack, scenario or measure changes the
content and so the key, and a variable that does vary along ``sample`` is keyed with all its
values, so that nothing computed for one chunk's samples is used for another's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import xarray as xr


def _bytes(values: Any) -> bytes:
    arr = np.asarray(values)
    return arr.tobytes() if arr.dtype != object else repr(arr.tolist()).encode()


def variable_key(ds: xr.Dataset, name: str, labels: dict[Hashable, bytes] | None = None) -> tuple:
    """Return the content of variable ``name`` of ``ds`` (None when absent) and its coordinate labels.

    ``labels`` keeps the bytes of each dimension's labels between calls on the same ``ds``.
    """
    if name not in ds.variables:
        return (name, None)
    var = ds.variables[name]  # the Variable: no DataArray is built
    labels = {} if labels is None else labels
    coords = []
    for d in var.dims:
        if d in ds.coords:
            if d not in labels:
                labels[d] = _bytes(ds.variables[d].values)
            coords.append((str(d), labels[d]))
    values = np.asarray(var.values)
    return (name, var.dims, values.dtype.str, values.shape, _bytes(values), tuple(coords))


def content_key(
    ds: xr.Dataset,
    names: Iterable[str] | None = None,
    skip_dim: str | None = None,
    label_dims: Iterable[str] | None = None,
) -> tuple:
    """Return a hashable key of the content of ``names`` (default: every variable) of ``ds``.

    Parameters
    ----------
    ds : xarray.Dataset
        Drivers.
    names : iterable of str, optional
        The variables the keyed computation reads; absent ones are keyed as absent.
    skip_dim : str, optional
        Leave out the variables along this dimension (only for a computation whose result
        is known not to depend on them, see :func:`sim.core.apply_demand_models`).
    label_dims : iterable of str, optional
        Dimensions whose coordinate labels the computation reads besides those of its
        variables (e.g. ``unit`` for defaults built over the units); default every
        dimension of ``ds`` but ``skip_dim``.
    """
    chosen = sorted(str(n) for n in ds.variables) if names is None else sorted(set(names))
    labels: dict[Hashable, bytes] = {}
    keys = [
        variable_key(ds, n, labels)
        for n in chosen
        if skip_dim is None or n not in ds.variables or skip_dim not in ds.variables[n].dims
    ]
    dims = [d for d in ds.dims if d != skip_dim] if label_dims is None else list(label_dims)
    labels = tuple((str(d), _bytes(ds[d].values) if d in ds.coords else ds.sizes.get(d)) for d in dims)
    return (tuple(keys), labels)


class ContentMemo:
    """A small, thread-safe store of results by content key (oldest dropped first).

    A result is computed once even when several threads ask for it at the same time (the
    first pair of an ensemble's chunks does): the first computes it, the others wait for it.

    Parameters
    ----------
    size : int
        Results kept [1].
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(
        self,
        fn: Callable[..., Any],
        ds: xr.Dataset,
        names: Iterable[str],
        *args: Hashable,
        label_dims: Iterable[str] = ("unit",),
    ) -> Any:
        """Return ``fn(ds, *args)``, computed once per content of ``names`` of ``ds`` and ``args``.

        ``fn`` must read only the variables ``names`` and the coordinates of ``label_dims``
        of ``ds``, and its result must not be changed by the caller (it is shared). If
        another thread is computing the same result, wait for it; if that computation fails,
        compute it here.
        """
        key = (fn.__module__, fn.__qualname__, args, content_key(ds, names, label_dims=label_dims))
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            running = self._pending.get(key)
            if running is None:
                running = self._pending[key] = threading.Event()
                owner = True
            else:
                owner = False
        if not owner:
            running.wait()
            with self._lock:
                if key in self._data:
                    return self._data[key]
            return fn(ds, *args)  # the other thread failed
        try:
            value = fn(ds, *args)
            with self._lock:
                self._data[key] = value
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        finally:
            with self._lock:
                del self._pending[key]
            running.set()
        return value

    def clear(self) -> None:
        """Drop every result."""
        with self._lock:
            self._data.clear()
