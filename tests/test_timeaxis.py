"""sim.timeaxis.annual: sums and year-end values by calendar year, checked by hand and by groupby."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sim.timeaxis import annual


def _series(start: str, periods: int, freq: str, batch: int = 3) -> xr.DataArray:
    """Values along (sample, time, unit); each value says where it is."""
    time = pd.date_range(start, periods=periods, freq=freq)
    values = np.arange(batch * periods * 2, dtype=float).reshape(batch, periods, 2)
    return xr.DataArray(values, dims=("sample", "time", "unit"), coords={"time": time, "unit": ["a", "b"]})


def test_whole_years_of_months_by_hand() -> None:
    da = xr.DataArray(
        np.arange(1.0, 25.0), dims="time", coords={"time": pd.date_range("2022-01", periods=24, freq="MS")}
    )
    total = annual(da)
    assert total["year"].values.tolist() == [2022, 2023]
    assert total.values.tolist() == [78.0, 222.0]  # 1 + ... + 12; 13 + ... + 24
    assert annual(da, "last").values.tolist() == [12.0, 24.0]


@pytest.mark.parametrize(
    ("start", "periods", "freq"),
    [
        ("2022-01-01", 36, "MS"),  # whole years of months: the axis split into (year, month)
        ("2022-03-01", 30, "MS"),  # partial first and last years: reduceat
        ("2023-01-01", 800, "D"),  # 365, 366 and 69 days: reduceat
    ],
)
def test_equals_a_groupby_over_years(start: str, periods: int, freq: str) -> None:
    da = _series(start, periods, freq)
    by_year = da.groupby(da["time"].dt.year)
    xr.testing.assert_allclose(annual(da), by_year.sum("time").transpose(*annual(da).dims), rtol=1e-14)
    xr.testing.assert_equal(annual(da, "last"), by_year.last("time").transpose(*annual(da).dims))


@pytest.mark.parametrize("freq", ["MS", "D"])
def test_a_nan_makes_its_year_nan(freq: str) -> None:
    da = _series("2022-01-01", 24 if freq == "MS" else 730, freq)
    da[1, 5, 0] = np.nan  # a step of 2022
    total = annual(da)
    assert np.isnan(total[1, 0, 0]) and np.isfinite(total[1, 1, 0])
    assert int(np.isnan(total).sum()) == 1


def test_a_broadcast_view_is_summed_without_copying_it_first() -> None:
    # the accounting's requirement is a broadcast view along the samples (stride 0)
    one = _series("2022-01-01", 24, "MS", batch=1).isel(sample=0, drop=True)
    view = one.broadcast_like(xr.DataArray(np.zeros(1000), dims="sample")).transpose("sample", ...)
    assert view.values.strides[0] == 0
    total = annual(view)
    assert total.shape == (1000, 2, 2)
    np.testing.assert_array_equal(total.values[999], annual(one).values)


def test_bad_how() -> None:
    with pytest.raises(ValueError, match="how must be 'sum' or 'last'"):
        annual(_series("2022-01-01", 12, "MS"), "mean")
