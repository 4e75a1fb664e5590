"""The simulation time axis: step start dates, step lengths and calendar bookkeeping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from sim.errors import InputError

STEPS = ("month", "day")


def make_time_axis(start: str, end: str, step: str = "month") -> xr.Dataset:
    """Build the time axis of a run.

    Parameters
    ----------
    start, end : str
        First and last step, as ``YYYY-MM`` or ``YYYY-MM-DD`` (inclusive).
    step : {"month", "day"}
        Length of a time step.

    Returns
    -------
    xarray.Dataset
        Coordinate ``time`` (step start dates) with ``days_in_step`` [d],
        ``days_in_month`` [d], ``days_in_year`` [d], ``month`` [1..12], ``year`` and
        ``year_start`` (True at the first step of each calendar year or of the run).
    """
    if step not in STEPS:
        raise InputError(f"config key 'time.step': expected one of {', '.join(STEPS)}, got '{step}'")
    try:
        t0 = pd.Timestamp(start)
        t1 = pd.Timestamp(end)
    except (ValueError, TypeError) as err:
        raise InputError(f"config key 'time.start'/'time.end': not a date ({start!r}, {end!r})") from err
    if step == "month":
        t1 = t1 + pd.offsets.MonthEnd(0) if len(str(end)) <= 7 else t1
        times = pd.date_range(t0.to_period("M").to_timestamp(), t1, freq="MS")
        days = times.days_in_month.to_numpy().astype(float)
    else:
        if len(str(end)) <= 7:
            t1 = t1 + pd.offsets.MonthEnd(0)
        times = pd.date_range(t0, t1, freq="D")
        days = np.ones(len(times))
    if len(times) == 0:
        raise InputError(f"config key 'time.end': {end!r} is before 'time.start' {start!r}")
    year = times.year.to_numpy()
    days_in_year = np.where(times.is_leap_year, 366.0, 365.0)
    year_start = np.r_[True, year[1:] != year[:-1]]
    return xr.Dataset(
        {
            "days_in_step": ("time", days, {"units": "d"}),
            "days_in_month": ("time", times.days_in_month.to_numpy().astype(float), {"units": "d"}),
            "days_in_year": ("time", days_in_year, {"units": "d"}),
            "month": ("time", times.month.to_numpy()),
            "year": ("time", year),
            "year_start": ("time", year_start),
        },
        coords={"time": times},
        attrs={"step": step},
    )
