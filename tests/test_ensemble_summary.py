"""Ensembles kept as a summary (hydrology.keep=summary, sim.ensemble).

The independent check: the same ensemble run in full (every sample at every step), reduced by
xarray (mean over ``sample``; groupby-year sums and end-of-year values), equals the summary
that the chunked run builds from sums and ``numpy.add.reduceat``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from conftest import run_cli

import sim
from sim.ensemble import AUTO_LIMIT_BYTES, bytes_per_sample, chunk_size, keep_mode
from sim.errors import InputError
from sim.variables import is_stock

BASE = [
    "hydrology=stochastic",
    "hydrology.n_samples=7",
    "time.end=2024-12",
    "measures=[leakage_control]",
    "comparison.attribution=none",
    "risk.diagnose=true",  # so that the summary of the shortage-type diagnosis is compared too
]


@pytest.fixture(scope="module")
def runs() -> tuple[xr.Dataset, xr.Dataset]:
    full = sim.simulate(sim.compose([*BASE, "hydrology.keep=all"]))
    # chunks of 3, 3 and 1 samples
    summary = sim.simulate(
        sim.compose([*BASE, "hydrology.keep=summary", "engine.sample_chunk=3", "engine.threads=2"])
    )
    return full, summary


def test_chunks_on_threads_equal_chunks_one_after_another(runs: tuple[xr.Dataset, xr.Dataset]) -> None:
    # the same chunks computed in this thread, numba's loops threaded (the fixture: 2 threads,
    # each chunk's loops on one): every member is computed alike, so the results are equal
    serial = sim.simulate(
        sim.compose([*BASE, "hydrology.keep=summary", "engine.sample_chunk=3", "engine.threads=1"])
    )
    xr.testing.assert_equal(serial, runs[1])


def _reference(full: xr.Dataset, name: str) -> xr.DataArray:
    if name.endswith("_annual"):
        da = full[name.removesuffix("_annual")]
        grouped = da.groupby(da["time"].dt.year)
        return grouped.last("time") if is_stock(name.removesuffix("_annual")) else grouped.sum("time")
    da = full[name]
    return da.mean("sample") if "sample" in da.dims and "time" in da.dims else da


def test_summary_equals_the_full_ensemble(runs: tuple[xr.Dataset, xr.Dataset]) -> None:
    full, summary = runs
    assert set(full.data_vars) <= set(summary.data_vars)
    n_annual = 0
    for name, da in summary.data_vars.items():
        ref = _reference(full, str(name))
        assert da.dims == ref.dims or set(da.dims) == set(ref.dims), name
        a, b = da.transpose(*ref.dims).values, ref.values
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, err_msg=str(name))
        else:
            np.testing.assert_array_equal(a, b, err_msg=str(name))
        n_annual += str(name).endswith("_annual")
    # every variable with sample and time has its per-sample annual twin, and lost `sample`
    assert n_annual == sum("sample" in v.dims and "time" in v.dims for v in full.data_vars.values())
    assert "sample" not in summary["delivery"].dims
    assert summary["delivery"].attrs["cell_methods"] == "time: sum sample: mean"
    assert summary["delivery_annual"].sizes["sample"] == 7
    assert summary["delivery_annual"].attrs["units"] == "hm3/a"
    assert summary["aquifer_storage_annual"].attrs["units"] == "hm3"
    # the cap's exceedance probability is over all 7 samples, not the last chunk's
    assert summary["cap_exceedance"].equals(full["cap_exceedance"])
    assert "summary of 7 samples" in summary.attrs["ensemble"]


def test_keep_mode_and_chunk_size_by_hand() -> None:
    # Inner Mongolia: 2 scenarios, 168 months, 20 units, 7 sectors, 6 sources
    per_sample = bytes_per_sample(2, 168, 20, 7, 6)
    assert per_sample == 8 * 2 * 168 * (20 * 7 * 13 + 25 * 20) == 6_236_160
    assert keep_mode("auto", 100, per_sample) == "all"  # 0.62 GB
    assert keep_mode("auto", 1000, per_sample) == "summary"  # 6.2 GB
    assert keep_mode("auto", int(AUTO_LIMIT_BYTES // per_sample) + 1, per_sample) == "summary"
    assert keep_mode("summary", 1, per_sample) == "all"  # one sample: nothing to summarise
    assert keep_mode("all", 1000, per_sample) == "all"
    # 1.5e9 B / (1.1 x 6.24e6 B) = 218.7 samples per chunk at most: 5 chunks, of 200
    assert chunk_size(0, 1000, per_sample) == 200
    assert chunk_size(0, 50, per_sample) == 50
    assert chunk_size(300, 1000, per_sample) == 300
    # chunks computed at the same time share 3 GB: 2 x 1.5 GB (218 samples at most), 3 x 1 GB
    # (145) or 4 x 0.75 GB (109); then a multiple of the workers: 5 -> 6 chunks of 167,
    # 7 -> 9 chunks of 112, 10 -> 12 chunks of 84
    assert chunk_size(0, 1000, per_sample, workers=2) == 167
    assert chunk_size(0, 1000, per_sample, workers=3) == 112
    assert chunk_size(0, 1000, per_sample, workers=4) == 84
    assert chunk_size(0, 50, per_sample, workers=2) == 25  # one chunk would leave a thread idle
    assert chunk_size(0, 1, per_sample, workers=2) == 1
    with pytest.raises(InputError, match=r"config key 'hydrology.keep': expected one of auto, all, summary"):
        keep_mode("mean", 10, per_sample)


@pytest.mark.parametrize("hydrology", ["hydrology=stochastic", "hydrology=mean"])
def test_bad_keep_stops_the_cli_with_one_line(tmp_path: Path, hydrology: str) -> None:
    # checked even where it does not apply (one sample), so a misspelt value never passes
    out = run_cli(hydrology, "hydrology.n_samples=3", "hydrology.keep=means", "report=none", cwd=tmp_path)
    assert out.returncode == 2
    lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
    assert lines == ["error: config key 'hydrology.keep': expected one of auto, all, summary, got 'means'"]
    assert "Traceback" not in out.stderr
    assert not list(tmp_path.rglob("results.nc"))


def test_sum_and_annual_in_one_pass_equals_the_two_xarray_calls() -> None:
    # the fused pass of reduce_chunk against da.sum("sample") and sim.timeaxis.annual, on
    # 30 months starting in July (a partial first and last year), with a NaN, for flows
    # (annual sums) and storages (end of the year); other layouts are left to the caller
    from sim.ensemble import sum_and_annual
    from sim.timeaxis import annual

    rng = np.random.default_rng(3)
    time = pd.date_range("2020-07-01", periods=30, freq="MS")
    values = rng.gamma(2.0, 1.0, size=(2, 5, 30, 3, 4))
    values[1, 2, 14, 0, 1] = np.nan
    da = xr.DataArray(
        values,
        dims=("scenario", "sample", "time", "unit", "sector"),
        coords={"scenario": ["a", "b"], "sample": np.arange(5), "time": time, "unit": ["u", "v", "w"],
                "basin": ("unit", ["B1", "B1", "B2"])},
        name="flow",
        attrs={"units": "hm3"},
    )  # fmt: skip
    for how in ("sum", "last"):
        total, by_year = sum_and_annual(da, how)
        xr.testing.assert_identical(total, da.sum("sample", skipna=False))
        # the same coordinates and names; the sums of a partial year in another order
        xr.testing.assert_allclose(by_year, annual(da, how), rtol=1e-14)
        xr.testing.assert_identical(by_year.coords.to_dataset(), annual(da, how).coords.to_dataset())
        assert by_year.dims == annual(da, how).dims and by_year.name == "flow"
    assert list(by_year.year.values) == [2020, 2021, 2022]
    assert np.isnan(sum_and_annual(da)[1].values[1, 2, 1, 0, 1])  # the NaN's year
    # July-December 2020 by hand
    assert sum_and_annual(da)[1].values[0, 0, 0, 2, 3] == pytest.approx(
        values[0, 0, :6, 2, 3].sum(), rel=1e-14
    )
    assert sum_and_annual(da.transpose("scenario", "time", "sample", "unit", "sector")) is None
    assert sum_and_annual(da.astype(np.float32)) is None
    assert sum_and_annual(da[:, :, :, ::2]) is None  # a strided view


def test_summary_join_by_hand_and_a_chunk_that_does_not_fit() -> None:
    # two chunks of a sum (scenario, time) and a per-sample variable; the second chunk's
    # per-sample variable comes transposed; means and the filled samples by hand
    from sim.ensemble import _SUM, SummaryJoin

    def chunk(samples: list[int], total: list[list[float]], annual: np.ndarray) -> xr.Dataset:
        return xr.Dataset(
            {
                "flow" + _SUM: (("scenario", "time"), np.array(total), {"units": "hm3"}),
                "flow_annual": (("sample", "year"), annual),
                "area": ("unit", [2.0]),
            },
            coords={
                "sample": samples,
                "scenario": ["a", "b"],
                "time": np.arange(len(total[0])),
                "year": [2020, 2021],
                "unit": ["u"],
            },
        )

    join = SummaryJoin(3)
    join.add(chunk([0, 1], [[1.0, 2.0], [3.0, 4.0]], np.array([[1.0, 2.0], [3.0, 4.0]])))
    second = chunk([2], [[5.0, 6.0], [7.0, 8.0]], np.array([[5.0, 6.0]]))
    join.add(second.assign(flow_annual=second["flow_annual"].transpose("year", "sample")))
    out = join.result()
    np.testing.assert_array_equal(out["flow"].values, [[2.0, 8.0 / 3.0], [10.0 / 3.0, 4.0]])
    assert out["flow"].attrs == {"units": "hm3"} and out["flow"].dims == ("scenario", "time")
    np.testing.assert_array_equal(out["flow_annual"].values, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert list(out["sample"].values) == [0, 1, 2] and out["area"].values.tolist() == [2.0]

    bad = SummaryJoin(4)
    bad.add(chunk([0, 1], [[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2))))
    with pytest.raises(ValueError, match="'flow__sample_sum' has sizes"):
        bad.add(chunk([2, 3], [[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]], np.ones((2, 2))))
    with pytest.raises(ValueError, match="3 of 4 samples"):
        incomplete = SummaryJoin(4)
        incomplete.add(chunk([0, 1], [[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2))))
        incomplete.add(chunk([2], [[1.0, 2.0], [3.0, 4.0]], np.ones((1, 2))))
        incomplete.result()
