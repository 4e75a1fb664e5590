"""Sector fractions, the groundwater limit and the reuse fraction may vary in time.

A measure ramps these parameters up year by year, so the engine reads them per step. A
parameter given along ``time`` must give the same answer as the constant parameter over
the steps where the two agree, and the constant path must be unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from sim.accounting import account, check_mass_balance
from sim.engine import run_network
from sim.synthetic import cascade_inputs


def _run(inputs: xr.Dataset) -> xr.Dataset:
    bal = account(inputs, run_network(inputs))
    check_mass_balance(bal)
    return bal


def _with_year_switch(inputs: xr.Dataset, name: str, second_year: xr.DataArray) -> xr.Dataset:
    """``name`` keeps its value in the first year and takes ``second_year`` afterwards."""
    first = inputs.time.dt.year == inputs.time.dt.year[0]
    varying = xr.where(first, inputs[name], second_year).transpose("time", *inputs[name].dims)
    return inputs.assign({name: varying})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("consumption_fraction", 0.9),
        ("return_river", 0.05),
        ("groundwater_allowed_overdraft", 0.0),
        ("reclaimed_reuse_fraction", 0.8),
    ],
)
def test_a_parameter_that_changes_in_year_two_leaves_year_one_alone(name: str, value: float) -> None:
    base = cascade_inputs(n_units=3, years=2, reservoir=True)
    if name == "return_river":  # keep the return shares adding up to one
        ww = base["return_wastewater"] * 0 + 0.1
        base = base.assign(return_wastewater=ww, return_river=1.0 - ww - base["return_groundwater"])
    if name == "groundwater_allowed_overdraft":
        base = base.assign(groundwater_allowed_overdraft=base["groundwater_sustainable_yield"] * 0 + 5.0)
    changed = base[name] * 0 + value
    varying = _with_year_switch(base, name, changed)
    if name == "return_river":
        rest = 1.0 - varying["return_river"] - varying["return_groundwater"]
        varying = _with_year_switch(varying, "return_wastewater", rest)
    a, b = _run(base), _run(varying)
    first = slice(0, 12)
    for var in ("delivery", "consumption", "return_river", "outflow", "aquifer_storage"):
        np.testing.assert_array_equal(a[var].isel(time=first).values, b[var].isel(time=first).values)
    # and the same constant value given along time reproduces the static run exactly
    flat = base.assign({name: base[name].expand_dims(time=base.time).copy()})
    c = _run(flat)
    np.testing.assert_array_equal(a["delivery"].values, c["delivery"].values)


def test_consumption_fraction_along_time_sets_each_steps_consumption() -> None:
    base = cascade_inputs(n_units=2, years=2, reservoir=False)
    cf = xr.DataArray(np.linspace(0.1, 0.9, base.sizes["time"]), coords={"time": base.time})
    inputs = base.assign(consumption_fraction=(base["consumption_fraction"] * 0 + cf).transpose("time", ...))
    bal = _run(inputs)
    delivered = bal["delivery"].sum("source")
    expected = delivered * cf
    np.testing.assert_allclose(bal["consumption"].values, expected.transpose(*bal["consumption"].dims).values)
