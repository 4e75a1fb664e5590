"""Risk metrics of a balance Dataset: reliability, resilience, vulnerability, shortage rate, caps.

The performance criteria of Hashimoto, Stedinger and Loucks (1982, *Water Resources Research*
18(1), 14–20) and WEAP's time reliability, computed per ``(unit, sector)`` over the ``time``
axis of the balance Dataset of :func:`sim.simulate` (``docs/outputs.md``), plus the annual
shortage rate (缺水率), the probability of exceeding a use cap over the ensemble and the
cumulative groundwater overdraft.

Every function is vectorised and keeps any leading dims (``scenario``, ``sample``,
``frequency``): a metric is computed for each member of the ensemble and each design year on its
own; average over ``sample`` afterwards if wanted. Steps are those of the run (monthly or daily);
``time`` must be in chronological order.

A step *fails* where the shortage is more than a small share of the requirement, see
:func:`failures`. A step with zero requirement has zero shortage, so it never fails.
"""

from __future__ import annotations

from typing import Literal

import xarray as xr

from sim.risk_series import series_metrics
from sim.timeaxis import annual

TIME = "time"
YEAR = "year"

#: Absolute floor [hm3 per step] below which a shortage never counts as a failure.
SHORTAGE_FLOOR = 1e-12

#: name -> (units, long_name) of the variables of :func:`risk_dataset`.
RISK_VARIABLES: dict[str, tuple[str, str]] = {
    "reliability_time": ("1", "share of time steps with the requirement fully met"),
    "reliability_volume": ("1", "delivery over requirement summed over the run"),
    "resilience": ("1", "probability that a failure step is followed by a success step"),
    "vulnerability_mean": ("hm3", "mean shortage per step over the failure steps"),
    "vulnerability_max": ("hm3", "largest shortage in a step over the failure steps"),
    "shortage_rate": ("1", "shortage over requirement summed over the calendar year"),
    "cap_exceedance": ("1", "share of samples whose use exceeds the cap"),
    "cumulative_overdraft": ("hm3", "groundwater overdraft summed from the start of the run"),
}


def _annotate(da: xr.DataArray, name: str, long_name: str | None = None) -> xr.DataArray:
    """Return ``da`` named ``name`` with only the CF ``units`` and ``long_name`` of RISK_VARIABLES."""
    units, default = RISK_VARIABLES[name]
    out = da.rename(name)
    out.attrs = {"units": units, "long_name": long_name or default}
    return out


def _ratio(num: xr.DataArray, den: xr.DataArray) -> xr.DataArray:
    """``num / den``, NaN where ``den`` is 0 (no division warning)."""
    return num / den.where(den != 0)


def failures(
    requirement: xr.DataArray, shortage: xr.DataArray, tol: float = 1e-6, atol: float = SHORTAGE_FLOOR
) -> xr.DataArray:
    """Flag the failure steps: the requirement is not fully met.

    A step fails where ``shortage > tol * requirement`` **and** ``shortage > atol``, i.e. the
    shortage exceeds both a relative share ``tol`` of the step's requirement and an absolute floor
    (default 1e-12 hm3), so that rounding residues of the allocation are not failures. Steps with
    zero requirement (and so zero shortage) and steps where either input is NaN do not fail.

    Parameters
    ----------
    requirement : xarray.DataArray
        Requirement per step [hm3], dims ``(..., time, unit, sector)``.
    shortage : xarray.DataArray
        Shortage per step [hm3], same dims (broadcast against ``requirement``).
    tol : float, default 1e-6
        Relative tolerance [1] (share of the requirement).
    atol : float, default 1e-12
        Absolute tolerance [hm3 per step].

    Returns
    -------
    xarray.DataArray
        Boolean, True in a failure step; dims of ``shortage`` broadcast with ``requirement``.
    """
    out = (shortage > tol * requirement) & (shortage > atol)
    out.attrs = {"long_name": "true where the requirement is not fully met"}
    return out.rename("failure")


def _failures(bal: xr.Dataset, tol: float, fail: xr.DataArray | None) -> xr.DataArray:
    return failures(bal["requirement"], bal["shortage"], tol=tol) if fail is None else fail


def reliability_time(bal: xr.Dataset, tol: float = 1e-6, fail: xr.DataArray | None = None) -> xr.DataArray:
    """Time reliability: the share of steps with the requirement fully met (WEAP, Hashimoto).

    ``1 - n_failures / n_steps``; 6 failing months in a 10-year monthly run give 114/120 = 0.95.
    Steps with zero requirement count as met, so a sector that never needs water has 1 (never NaN).

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``requirement`` and ``shortage`` [hm3] over ``(..., time, unit, sector)``.
    tol : float, default 1e-6
        Relative tolerance of :func:`failures`.
    fail : xarray.DataArray, optional
        The failure steps, if already computed with :func:`failures` (``tol`` is then unused).

    Returns
    -------
    xarray.DataArray
        Reliability [1], dims ``(..., unit, sector)``.
    """
    n = bal.sizes[TIME]
    return _annotate(1.0 - _failures(bal, tol, fail).sum(TIME, skipna=False) / n, "reliability_time")


def reliability_volume(bal: xr.Dataset) -> xr.DataArray:
    """Volumetric reliability: delivery summed over sources and time over requirement summed over time.

    ``Σ_t Σ_source delivery / Σ_t requirement`` (= ``1 - Σ shortage / Σ requirement``).

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``requirement`` [hm3] over ``(..., time, unit, sector)`` and
        ``delivery`` [hm3] over ``(..., time, unit, sector, source)``; without ``delivery``,
        ``requirement - shortage`` is used.

    Returns
    -------
    xarray.DataArray
        Volumetric reliability [1], dims ``(..., unit, sector)``; NaN where the summed
        requirement is 0.
    """
    if "delivery" in bal:
        # over time first: the sum over sources is then of a small array
        delivered = bal["delivery"].sum(TIME, skipna=False).sum("source", skipna=False)
    else:
        delivered = (bal["requirement"] - bal["shortage"]).sum(TIME, skipna=False)
    return _annotate(_ratio(delivered, bal["requirement"].sum(TIME, skipna=False)), "reliability_volume")


def resilience(bal: xr.Dataset, tol: float = 1e-6, fail: xr.DataArray | None = None) -> xr.DataArray:
    """Resilience: the probability that a failure step is followed by a success step (Hashimoto).

    ``#(fail at t and success at t+1) / #(fail at t)`` over ``t = 1 … T-1``: a failure in the last
    step has no successor and is left out of both counts. Equals the number of failure runs that
    end before the run's end divided by the failure steps that have a successor, so it is the
    inverse of the mean length of a failure run.

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``requirement`` and ``shortage`` [hm3] over ``(..., time, unit, sector)``.
    tol : float, default 1e-6
        Relative tolerance of :func:`failures`.
    fail : xarray.DataArray, optional
        The failure steps, if already computed with :func:`failures` (``tol`` is then unused).

    Returns
    -------
    xarray.DataArray
        Resilience [1], dims ``(..., unit, sector)``; NaN where no step before the last fails.
    """
    fail = _failures(bal, tol, fail)
    now = fail.isel({TIME: slice(None, -1)})
    after = fail.isel({TIME: slice(1, None)}).assign_coords({TIME: now[TIME]})
    recovered = (now & ~after).sum(TIME, skipna=False)
    return _annotate(_ratio(recovered, now.sum(TIME, skipna=False)), "resilience")


def vulnerability(
    bal: xr.Dataset,
    how: Literal["mean", "max"] = "mean",
    relative: bool = False,
    tol: float = 1e-6,
    fail: xr.DataArray | None = None,
) -> xr.DataArray:
    """Vulnerability: the mean or largest shortage of the failure steps (Hashimoto).

    Taken over the failure steps one by one (not per failure run).

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``requirement`` and ``shortage`` [hm3] over ``(..., time, unit, sector)``.
    how : {"mean", "max"}, default "mean"
        Mean or maximum over the failure steps.
    relative : bool, default False
        If True, of ``shortage / requirement`` of each failure step [1] instead of the shortage
        [hm3 per step]. The requirement of a failure step is always > 0.
    tol : float, default 1e-6
        Relative tolerance of :func:`failures`.
    fail : xarray.DataArray, optional
        The failure steps, if already computed with :func:`failures` (``tol`` is then unused).

    Returns
    -------
    xarray.DataArray
        Vulnerability, dims ``(..., unit, sector)``: [hm3 per step] (units ``hm3``), or [1] with
        ``relative=True``; NaN where no step fails.
    """
    if how not in ("mean", "max"):
        raise ValueError(f"vulnerability: how must be 'mean' or 'max', got {how!r}")
    fail = _failures(bal, tol, fail)
    short = bal["shortage"]
    if relative:
        short = _ratio(short, bal["requirement"])
    # shortage >= 0, so zero outside the failure steps and a division by their count give the
    # mean and maximum over the failure steps without NaN-skipping reductions
    masked = short.where(fail, 0.0)
    n_fail = fail.sum(TIME, skipna=False)
    out = masked.sum(TIME, skipna=False) if how == "mean" else masked.max(TIME, skipna=False)
    out = _ratio(out, n_fail.astype(float)) if how == "mean" else out.where(n_fail > 0)
    name = f"vulnerability_{how}"
    out = _annotate(out, name)
    if relative:
        what = "mean" if how == "mean" else "largest"
        out.attrs = {"units": "1", "long_name": f"{what} shortage over requirement of the failure steps"}
    return out


def shortage_rate(
    bal: xr.Dataset, by: Literal["sector", "unit", "basin", "league", "region"] = "sector"
) -> xr.DataArray:
    """Shortage rate (缺水率) by calendar year: Σ shortage / Σ requirement over the year's steps.

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``requirement`` and ``shortage`` [hm3] over ``(..., time, unit, sector)``.
    by : {"sector", "unit", "basin", "league", "region"}, default "sector"
        Level of the totals: each unit × sector; each unit (summed over sectors); each basin or
        league (summed over sectors and over the units carrying that ``basin``/``league``
        coordinate); the region (summed over units and sectors).

    Returns
    -------
    xarray.DataArray
        Shortage rate [1], dims ``(..., year, unit, sector)``, ``(..., year, unit)``,
        ``(..., year, basin)``, ``(..., year, league)`` or ``(..., year)``; NaN where the year's
        requirement is 0. A year only partly in the run counts its steps in the run.
    """
    levels = ("sector", "unit", "basin", "league", "region")
    if by not in levels:
        raise ValueError(f"shortage_rate: by must be one of {', '.join(levels)}, got {by!r}")
    pair = {"s": bal["shortage"], "r": bal["requirement"]}
    if by != "sector":
        pair = {k: v.sum("sector", skipna=False) for k, v in pair.items()}
    if by == "region":
        pair = {k: v.sum("unit", skipna=False) for k, v in pair.items()}
    dims = pair["s"].dims
    # annual sums keep the non-time coordinates (basin, league along unit)
    year = xr.Dataset({k: annual(v) for k, v in pair.items()})
    group = by in ("basin", "league")
    if group:
        year = year.groupby(by).sum("unit", skipna=False)
    order = [YEAR if d == TIME else by if d == "unit" and group else d for d in dims]
    rate = _ratio(year["s"], year["r"]).transpose(*order)
    return _annotate(
        rate, "shortage_rate", f"shortage over requirement summed over the calendar year, by {by}"
    )


def cap_exceedance(bal: xr.Dataset) -> xr.DataArray:
    """Probability over the ensemble that the use under a cap exceeds it: share of samples with ``cap_use > cap_limit``.

    Equal use and cap is no exceedance (as ``cap_met``). Samples where ``cap_use`` or
    ``cap_limit`` is NaN are left out of the share.

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``cap_use`` (..., sample, ..., year, cap) [hm3/a] and ``cap_limit``
        (cap) [hm3/a].

    Returns
    -------
    xarray.DataArray
        Exceedance probability [1], dims of ``cap_use`` without ``sample``
        (``scenario, [frequency,] year, cap``); NaN where no sample has both numbers.
    """
    use, limit = bal["cap_use"], bal["cap_limit"]
    over = (use > limit).where(use.notnull() & limit.notnull())
    return _annotate(over.mean("sample"), "cap_exceedance")


def cumulative_overdraft(bal: xr.Dataset) -> xr.DataArray:
    """Groundwater overdraft summed from the start of the run to the end of each step.

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset with ``overdraft`` (..., time, unit) [hm3 per step].

    Returns
    -------
    xarray.DataArray
        Cumulative overdraft at the end of each step [hm3], dims ``(..., time, unit)``.
    """
    return _annotate(bal["overdraft"].cumsum(TIME), "cumulative_overdraft")


def risk_dataset(bal: xr.Dataset, tol: float = 1e-6) -> xr.Dataset:
    """All risk metrics of a balance Dataset in one Dataset with CF ``units`` and ``long_name``.

    The reliabilities, resilience and vulnerabilities come from one compiled pass
    (:func:`sim.risk_series.series_metrics`) when the balance has its usual layout, and from
    the functions above otherwise.

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset of :func:`sim.simulate`.
    tol : float, default 1e-6
        Relative tolerance of :func:`failures`.

    Returns
    -------
    xarray.Dataset
        ``reliability_time``, ``reliability_volume``, ``resilience`` [1],
        ``vulnerability_mean``, ``vulnerability_max`` [hm3 per step], all (..., unit, sector);
        ``shortage_rate`` (..., year, unit, sector) [1]; ``cap_exceedance``
        (scenario, [frequency,] year, cap) [1], only when ``bal`` has ``cap_use``;
        ``cumulative_overdraft`` (..., time, unit) [hm3], when ``bal`` has ``overdraft``. ``...`` are the leading dims of ``bal``
        (``scenario, sample[, frequency]``).
    """
    fused = series_metrics(bal, tol=tol, atol=SHORTAGE_FLOOR)  # one compiled pass
    if fused is not None:
        out = {name: _annotate(da, name) for name, da in fused.items()}
    else:  # another layout: the xarray functions, with the failure steps found once
        fail = failures(bal["requirement"], bal["shortage"], tol=tol)
        out = {
            "reliability_time": reliability_time(bal, fail=fail),
            "reliability_volume": reliability_volume(bal),
            "resilience": resilience(bal, fail=fail),
            "vulnerability_mean": vulnerability(bal, "mean", fail=fail),
            "vulnerability_max": vulnerability(bal, "max", fail=fail),
        }
    out["shortage_rate"] = shortage_rate(bal)
    if "cap_use" in bal:
        out["cap_exceedance"] = cap_exceedance(bal)
    if "overdraft" in bal:
        out["cumulative_overdraft"] = cumulative_overdraft(bal)
    attrs = {k: bal.attrs[k] for k in ("pack", "time_step", "water_sim_version") if k in bal.attrs}
    return xr.Dataset(out, attrs={**attrs, "Conventions": "CF-1.8"})
