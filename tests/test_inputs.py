"""Time axis, expansion of pack data to per-step amounts, accounting identities."""

from __future__ import annotations

import numpy as np
import pytest

from sim.accounting import MassBalanceError, account, check_mass_balance
from sim.engine import run_network
from sim.errors import InputError
from sim.inputs import expand_inputs
from sim.pack import load_pack
from sim.synthetic import cascade_inputs
from sim.timeaxis import make_time_axis
from sim.variables import VARIABLES


def test_time_axis_monthly_leap_year():
    ax = make_time_axis("2024-01", "2025-12", "month")
    assert ax.sizes["time"] == 24
    assert ax["days_in_step"].sel(time="2024").sum() == 366
    assert ax["days_in_step"].sel(time="2025").sum() == 365
    assert ax["days_in_step"].values[1] == 29  # February 2024
    assert list(np.flatnonzero(ax["year_start"].values)) == [0, 12]


def test_time_axis_daily_and_errors():
    ax = make_time_axis("2023-12-30", "2024-01-02", "day")
    assert ax.sizes["time"] == 4
    assert list(ax["year_start"].values) == [True, False, True, False]
    with pytest.raises(InputError, match="time.step"):
        make_time_axis("2020-01", "2020-12", "week")
    with pytest.raises(InputError, match="before"):
        make_time_axis("2020-05", "2020-01", "month")


def test_annual_rate_becomes_steps_that_add_up_to_the_year(tiny_pack):
    pack = load_pack(tiny_pack)
    # mid: domestic 1 亿m3/a = 100 hm3/a, spread by days
    monthly = expand_inputs(pack.data, make_time_axis("2021-01", "2021-12", "month"), pack.series)
    dom = monthly["requirement"].sel(unit="mid", sector="domestic")
    assert float(dom.isel(time=0)) == pytest.approx(100.0 * 31 / 365, rel=1e-12)
    assert float(dom.sum()) == pytest.approx(100.0, rel=1e-12)
    daily = expand_inputs(pack.data, make_time_axis("2024-01-01", "2024-12-31", "day"), pack.series)
    dd = daily["requirement"].sel(unit="mid", sector="domestic")
    np.testing.assert_allclose(dd.values, 100.0 / 366)
    # 150 万m3/a = 1.5 hm3/a at the other units
    assert float(monthly["requirement"].sel(unit="up", sector="domestic").sum()) == pytest.approx(1.5)


def test_profile_and_monthly_amounts(tiny_pack):
    pack = load_pack(tiny_pack)
    ax = make_time_axis("2021-01", "2021-12", "month")
    inp = expand_inputs(pack.data, ax, pack.series)
    rate = float(pack.data["requirement_rate"].sel(unit="low", sector="agriculture"))
    ag = inp["requirement"].sel(unit="low", sector="agriculture").values
    np.testing.assert_allclose(ag, rate * np.array([0, 0, 0, 0, 0.15, 0.2, 0.25, 0.2, 0.2, 0, 0, 0]))
    # monthly runoff at `up`: 1..12 万m3 = 0.01..0.12 hm3 (outside the 2020 series)
    np.testing.assert_allclose(inp["runoff"].sel(unit="up").values, np.arange(1, 13) / 100.0)
    # mean monthly amount to daily: January 0.01 hm3 over 31 days
    daily = expand_inputs(pack.data, make_time_axis("2021-01-01", "2021-01-31", "day"), pack.series)
    np.testing.assert_allclose(daily["runoff"].sel(unit="up").values, 0.01 / 31)


def test_series_replaces_monthly_values(tiny_pack):
    pack = load_pack(tiny_pack)
    inp = expand_inputs(pack.data, make_time_axis("2020-01", "2020-12", "month"), pack.series)
    # runoff_series.csv: up 5, 6, 7 万m3 in Jan-Mar 2020
    np.testing.assert_allclose(inp["runoff"].sel(unit="up").values[:3], [0.05, 0.06, 0.07])


def test_accounting_identities_and_balance():
    inp = cascade_inputs(n_units=4, years=2, n_samples=3, seed=3)
    bal = account(inp, run_network(inp))
    check_mass_balance(bal)
    delivered = bal["delivery"].sum("source")
    parts = bal["consumption"] + bal["return_river"] + bal["return_groundwater"] + bal["return_wastewater"]
    np.testing.assert_allclose(parts, delivered, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bal["shortage"], (bal["requirement"] - delivered).clip(min=0), atol=1e-12)
    assert float((delivered - bal["requirement"]).max()) <= 1e-9
    # a corrupted balance is caught, naming unit and step
    bad = bal.copy()
    bad["mass_balance_residual"] = bal["mass_balance_residual"].copy()
    bad["mass_balance_residual"][0, 5, 2] = 1.0
    with pytest.raises(MassBalanceError, match=r"unit 'u2', step 2000-06-01"):
        check_mass_balance(bad)


def test_every_variable_is_documented():
    doc = (__import__("pathlib").Path(__file__).parents[1] / "docs" / "outputs.md").read_text()
    for name in VARIABLES:
        assert f"`{name}`" in doc, name


def test_batch_members_with_partly_shared_inputs():
    """Inputs that vary along `sample` mixed with shared ones give each member its own answer."""
    inp = cascade_inputs(n_units=3, years=1, n_samples=2, seed=5)
    # the second sample consumes everything in agriculture; the first as before
    cf = inp["consumption_fraction"].expand_dims(sample=[0, 1]).copy()
    cf[1, :, 2] = 1.0
    inp["consumption_fraction"] = cf
    bal = account(inp, run_network(inp))
    check_mass_balance(bal)
    one = inp.isel(sample=[1])
    one["consumption_fraction"] = cf.isel(sample=[1])
    bal1 = account(one, run_network(one))
    np.testing.assert_allclose(
        bal["consumption"].isel(sample=1), bal1["consumption"].isel(sample=0), rtol=1e-12
    )
    np.testing.assert_allclose(bal["outflow"].isel(sample=1), bal1["outflow"].isel(sample=0), rtol=1e-12)
    assert float(bal["return_river"].isel(sample=1).sel(sector="agriculture").sum()) == 0.0
