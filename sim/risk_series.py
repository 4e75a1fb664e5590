"""The per-series risk metrics in one compiled pass over the balance (used by ``risk_dataset``).

:func:`sim.risk.reliability_time`, :func:`~sim.risk.reliability_volume`,
:func:`~sim.risk.resilience` and :func:`~sim.risk.vulnerability` each read the requirement
and the shortage of every step, and build boolean and masked temporaries as large as the
balance; for an ensemble chunk that is about ten passes over arrays of 50–300 MB.
:func:`series_metrics` computes the five of them in one pass, member by member, with the
same definitions (the xarray functions of :mod:`sim.risk` stay the reference, and the tests
check that both agree). The pass releases the GIL, so the chunks of an ensemble computed on
threads run it at the same time.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numba import njit

#: The metrics of :func:`series_metrics`, in the order of the kernel's output rows.
NAMES = ("reliability_time", "reliability_volume", "resilience", "vulnerability_mean", "vulnerability_max")


@njit(cache=True, nogil=True)
def _series(req, short, deliv, tol, atol, out):
    """Fill ``out`` (5, batch, unit, sector) from req/short (batch, time, unit, sector).

    ``deliv`` (batch, time, unit, sector, source) or an empty (0, ...) array: then the
    delivered volume is ``req - short``. NaN inputs never fail (as :func:`sim.risk.failures`)
    and propagate into the volume sums (as ``skipna=False``).
    """
    nb, nt, nu, ns = short.shape
    have_deliv = deliv.shape[0] > 0
    n_fail = np.zeros((nu, ns))
    n_fail_before_last = np.zeros((nu, ns))
    recovered = np.zeros((nu, ns))
    s_sum = np.zeros((nu, ns))
    s_max = np.zeros((nu, ns))
    r_sum = np.zeros((nu, ns))
    d_sum = np.zeros((nu, ns))
    prev = np.zeros((nu, ns), dtype=np.bool_)
    for b in range(nb):
        n_fail[:] = 0.0
        n_fail_before_last[:] = 0.0
        recovered[:] = 0.0
        s_sum[:] = 0.0
        s_max[:] = 0.0
        r_sum[:] = 0.0
        d_sum[:] = 0.0
        for t in range(nt):
            for u in range(nu):
                for s in range(ns):
                    r = req[b, t, u, s]
                    sh = short[b, t, u, s]
                    fail = sh > tol * r and sh > atol
                    if t > 0 and prev[u, s] and not fail:
                        recovered[u, s] += 1.0
                    if fail:
                        n_fail[u, s] += 1.0
                        if t < nt - 1:
                            n_fail_before_last[u, s] += 1.0
                        s_sum[u, s] += sh
                        s_max[u, s] = max(s_max[u, s], sh)
                    prev[u, s] = fail
                    r_sum[u, s] += r
                    if have_deliv:
                        d = 0.0
                        for k in range(deliv.shape[4]):
                            d += deliv[b, t, u, s, k]
                        d_sum[u, s] += d
                    else:
                        d_sum[u, s] += r - sh
        for u in range(nu):
            for s in range(ns):
                nf = n_fail[u, s]
                out[0, b, u, s] = 1.0 - nf / nt
                out[1, b, u, s] = d_sum[u, s] / r_sum[u, s] if r_sum[u, s] != 0.0 else np.nan
                nb_last = n_fail_before_last[u, s]
                out[2, b, u, s] = recovered[u, s] / nb_last if nb_last > 0.0 else np.nan
                out[3, b, u, s] = s_sum[u, s] / nf if nf > 0.0 else np.nan
                out[4, b, u, s] = s_max[u, s] if nf > 0.0 else np.nan


def series_metrics(bal: xr.Dataset, tol: float = 1e-6, atol: float = 1e-12) -> dict[str, xr.DataArray] | None:
    """Time and volumetric reliability, resilience and mean and largest vulnerability, fused.

    The same numbers as :func:`sim.risk.reliability_time`, :func:`~sim.risk.reliability_volume`,
    :func:`~sim.risk.resilience` and :func:`~sim.risk.vulnerability` (``mean`` and ``max``,
    absolute), to rounding (sums in another order).

    Parameters
    ----------
    bal : xarray.Dataset
        ``requirement`` and ``shortage`` [hm3 per step] with the same dims, ending in
        ``(time, unit, sector)``; ``delivery`` [hm3 per step] with those dims and ``source``
        last, optional.
    tol, atol : float
        Relative [1] and absolute [hm3 per step] tolerances of :func:`sim.risk.failures`.

    Returns
    -------
    dict of xarray.DataArray or None
        The five metrics by name (:data:`NAMES`), dims ``(..., unit, sector)``, without
        attributes; None when the layout is not the one above (the caller then uses the
        xarray functions).
    """
    req, short = bal["requirement"], bal["shortage"]
    dims = short.dims
    if req.dims != dims or dims[-3:] != ("time", "unit", "sector") or short.sizes["time"] == 0:
        return None
    deliv = bal.get("delivery")
    if deliv is not None and deliv.dims != (*dims, "source"):
        return None
    lead = short.shape[:-3]
    core = short.shape[-3:]

    def flat(da: xr.DataArray, extra: tuple[int, ...] = ()) -> np.ndarray:
        return np.ascontiguousarray(da.values, dtype=float).reshape((-1, *core, *extra))

    d = flat(deliv, (deliv.sizes["source"],)) if deliv is not None else np.zeros((0, 1, 1, 1, 1))
    out = np.empty((len(NAMES), int(np.prod(lead, dtype=np.int64)), core[1], core[2]))
    _series(flat(req), flat(short), d, float(tol), float(atol), out)
    template = short.isel(time=0, drop=True)
    coords = {k: c for k, c in template.coords.items()}
    return {
        name: xr.DataArray(out[i].reshape((*lead, *core[1:])), dims=template.dims, coords=coords)
        for i, name in enumerate(NAMES)
    }
