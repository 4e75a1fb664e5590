"""Synthetic model inputs for tests and benchmarks: a cascade of units in a chain.

The numbers are illustrative, not data. Every flow is an amount per step [hm3].
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from sim.engine import SOURCES
from sim.timeaxis import make_time_axis

SECTORS = ("domestic", "industry", "agriculture", "ecology")


def cascade_inputs(
    n_units: int = 5,
    years: int = 30,
    step: str = "month",
    n_samples: int = 1,
    seed: int = 0,
    reservoir: bool | str = True,
    topology: str = "chain",
) -> xr.Dataset:
    """Per-step inputs of a chain of ``n_units`` units, each with four prioritised demands.

    Parameters
    ----------
    n_units : int
        Units in the chain (unit 0 is the headwater).
    years : int
        Length of the horizon [a], starting 2000-01-01.
    step : {"month", "day"}
        Time step.
    n_samples : int
        Samples along ``sample``; each sample scales runoff by a lognormal factor per year.
    seed : int
        Seed of the random generator.
    reservoir : bool or {"head", "every_second"}
        ``"head"``: one reservoir, on the headwater unit; ``True`` or ``"every_second"``: a
        reservoir on every second unit; ``False``: none.
    topology : {"chain", "tree"}
        "chain": unit i flows into unit i+1. "tree": unit i flows into unit (i-1)//2 with
        the root (unit 0) draining out of the region, like a river network of tributaries.

    Returns
    -------
    xarray.Dataset
        Inputs in the layout of :func:`sim.inputs.expand_inputs`.
    """
    rng = np.random.default_rng(seed)
    axis = make_time_axis("2000-01", f"{2000 + years - 1}-12", step)
    nt = axis.sizes["time"]
    frac_year = (axis["days_in_step"] / axis["days_in_year"]).values
    season = 1.0 + 0.8 * np.sin(2 * np.pi * (axis["month"].values - 4) / 12.0)
    year_idx = axis["year"].values - 2000
    factor = rng.lognormal(0.0, 0.3, size=(n_samples, years))[:, year_idx]  # (sample, time)
    runoff = (120.0 * frac_year * season * factor)[:, :, None] * np.ones(n_units)
    units = [f"u{i}" for i in range(n_units)]
    req_annual = np.array([8.0, 15.0, 90.0, 10.0])
    ag_season = np.where((axis["month"].values >= 5) & (axis["month"].values <= 9), 12 / 5, 0.0)
    req = np.empty((nt, n_units, 4))
    req[:, :, :] = req_annual * frac_year[:, None, None]
    req[:, :, 2] = req_annual[2] * frac_year[:, None] * ag_season[:, None]
    pref = np.array(
        [["groundwater", "surface", ""], ["reclaimed", "surface", "groundwater"],
         ["surface", "groundwater", ""], ["surface", "", ""]]
    )  # fmt: skip
    inf = np.inf
    per_step = lambda annual: annual * frac_year[:, None] * np.ones((1, n_units))
    ones = np.ones(n_units)
    if reservoir == "head":
        res_cap = np.where(np.arange(n_units) == 0, 150.0, 0.0)
    elif reservoir is True or reservoir == "every_second":
        res_cap = np.where(np.arange(n_units) % 2 == 0, 60.0, 0.0)
    elif reservoir is False:
        res_cap = np.zeros(n_units)
    else:
        raise ValueError(f"reservoir must be True, False, 'head' or 'every_second', got {reservoir!r}")
    if topology == "chain":
        link_from, link_to = units[:-1], units[1:]
    elif topology == "tree":
        link_from, link_to = units[1:], [units[(i - 1) // 2] for i in range(1, n_units)]
    else:
        raise ValueError(f"topology must be 'chain' or 'tree', got {topology!r}")
    ds = xr.Dataset(
        {
            "requirement": (("time", "unit", "sector"), req),
            "runoff": (("sample", "time", "unit"), runoff),
            "boundary_inflow": (("time", "unit"), np.zeros((nt, n_units))),
            "surface_capacity": (("time", "unit"), per_step(150.0)),
            "groundwater_capacity": (("time", "unit"), per_step(40.0)),
            "groundwater_recharge": (("time", "unit"), per_step(20.0)),
            "transfer_step_max": (("time", "unit"), np.zeros((nt, n_units))),
            "reclaimed_capacity": (("time", "unit"), np.full((nt, n_units), inf)),
            "harvested": (("time", "unit"), np.zeros((nt, n_units))),
            "other": (("time", "unit"), np.zeros((nt, n_units))),
            "link_capacity": (("time", "link"), np.full((nt, max(n_units - 1, 0)), inf)),
            "area": ("unit", 1e5 * ones),
            "link_share": ("link", np.ones(max(n_units - 1, 0))),
            "priority": ("sector", np.array([1, 2, 3, 4])),
            "preference": (("sector", "rank"), pref),
            "consumption_fraction": (("unit", "sector"), np.tile([0.3, 0.2, 0.65, 1.0], (n_units, 1))),
            "return_river": (("unit", "sector"), np.tile([0.2, 0.3, 0.5, 1.0], (n_units, 1))),
            "return_groundwater": (("unit", "sector"), np.tile([0.0, 0.0, 0.5, 0.0], (n_units, 1))),
            "return_wastewater": (("unit", "sector"), np.tile([0.8, 0.7, 0.0, 0.0], (n_units, 1))),
            "reservoir_capacity": ("unit", res_cap),
            "reservoir_dead_storage": ("unit", 0.1 * res_cap),
            "reservoir_initial_storage": ("unit", 0.5 * res_cap),
            "groundwater_sustainable_yield": ("unit", 20.0 * ones),
            "groundwater_allowed_overdraft": ("unit", 5.0 * ones),
            "groundwater_storage": ("unit", 500.0 * ones),
            "transfer_annual_cap": ("unit", np.zeros(n_units)),
            "reclaimed_reuse_fraction": ("unit", 0.3 * ones),
            "year_start": axis["year_start"],
            "link_from": ("link", np.array(link_from, dtype=object)),
            "link_to": ("link", np.array(link_to, dtype=object)),
        },
        coords={
            "time": axis.time,
            "unit": units,
            "sector": list(SECTORS),
            "link": np.arange(max(n_units - 1, 0)),
            "rank": np.arange(3),
            "sample": np.arange(n_samples),
            "basin": ("unit", ["main"] * n_units),
            "league": ("unit", [f"L{i // 2}" for i in range(n_units)]),
        },
        attrs={"step": step, "pack_name": "synthetic-cascade"},
    )
    assert set(pref.ravel()) - {""} <= set(SOURCES)
    return ds
