"""Content-keyed reuse of demand-side results (sim.demand._memo) and its use by the irrigation model."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import xarray as xr

from sim.demand._memo import ContentMemo, content_key


def _drivers(tmax: float = 20.0, precip_samples: int = 3) -> xr.Dataset:
    units = ["a", "b"]
    return xr.Dataset(
        {
            "climate_tmax": (("month", "unit"), np.full((12, 2), tmax)),
            "share_drip": ("unit", [0.2, 0.5]),
            "climate_precipitation": (
                ("sample", "month", "unit"),
                np.arange(precip_samples * 24.0).reshape(-1, 12, 2),
            ),
        },
        coords={"unit": units, "month": np.arange(1, 13), "sample": np.arange(precip_samples)},
    )


def test_content_key_follows_the_values_read_and_only_those():
    base = content_key(_drivers(), ["climate_tmax", "share_drip"], label_dims=("unit",))
    # another precipitation (not read) or other samples: the same key
    other = _drivers(precip_samples=5)
    assert content_key(other, ["climate_tmax", "share_drip"], label_dims=("unit",)) == base
    # a value read, a unit label or an absent variable: another key
    assert content_key(_drivers(tmax=21.0), ["climate_tmax", "share_drip"], label_dims=("unit",)) != base
    relabelled = _drivers().assign_coords(unit=["a", "c"])
    assert content_key(relabelled, ["climate_tmax", "share_drip"], label_dims=("unit",)) != base
    assert (
        content_key(_drivers().drop_vars("share_drip"), ["climate_tmax", "share_drip"], label_dims=("unit",))
        != base
    )
    # skip_dim leaves out what varies along it; without names every variable counts
    assert content_key(_drivers(), skip_dim="sample") == content_key(
        _drivers(precip_samples=5), skip_dim="sample"
    )
    assert content_key(_drivers()) != content_key(_drivers(precip_samples=5))


def test_memo_computes_once_per_content():
    calls = []

    def mean_tmax(ds: xr.Dataset, scale: float) -> float:
        calls.append(scale)
        return float(ds["climate_tmax"].mean()) * scale

    memo = ContentMemo(size=2)
    assert memo.get(mean_tmax, _drivers(), ["climate_tmax"], 2.0) == 40.0
    assert memo.get(mean_tmax, _drivers(precip_samples=4), ["climate_tmax"], 2.0) == 40.0  # reused
    assert calls == [2.0]
    assert memo.get(mean_tmax, _drivers(tmax=10.0), ["climate_tmax"], 2.0) == 20.0  # new content
    assert memo.get(mean_tmax, _drivers(), ["climate_tmax"], 3.0) == 60.0  # new argument
    assert calls == [2.0, 2.0, 3.0]
    # size 2: the oldest (tmax 20, x2) was dropped, so it is computed again
    assert memo.get(mean_tmax, _drivers(), ["climate_tmax"], 2.0) == 40.0
    assert calls == [2.0, 2.0, 3.0, 2.0]


def test_threads_asking_at_once_share_one_computation_and_a_failure_is_not_kept():
    # the first pair of an ensemble's chunks asks for the same result at the same time: it
    # is computed once, the second thread waiting for the first
    calls = []
    started = threading.Event()

    def slow_mean(ds: xr.Dataset) -> float:
        calls.append(1)
        started.set()
        threading.Event().wait(0.2)  # the other thread asks meanwhile
        return float(ds["climate_tmax"].mean())

    memo = ContentMemo()
    got = []
    first = threading.Thread(target=lambda: got.append(memo.get(slow_mean, _drivers(), ["climate_tmax"])))
    first.start()
    started.wait()
    got.append(memo.get(slow_mean, _drivers(precip_samples=5), ["climate_tmax"]))
    first.join()
    assert got == [20.0, 20.0]
    assert calls == [1]

    # a computation that fails keeps nothing and leaves no one waiting: the next call computes
    def failing(ds: xr.Dataset) -> float:
        raise ValueError("bad drivers")

    with pytest.raises(ValueError, match="bad drivers"):
        memo.get(failing, _drivers(), ["climate_tmax"])
    with pytest.raises(ValueError, match="bad drivers"):
        memo.get(failing, _drivers(), ["climate_tmax"])


def test_irrigation_with_its_memo_equals_without():
    # the irrigation model keeps its sample-free parts (calendar, ET0, efficiencies) in a
    # memo: the requirement of a second call with other samples equals a fresh computation
    from sim.core import _as_config, build_inputs
    from sim.demand import irrigation
    from sim.pack import load_pack

    pack = load_pack("tests/data/measures_pack")
    cfg = _as_config(
        {
            "region": "tests/data/measures_pack",
            "time": {"start": "2020-01", "end": "2021-12"},
            "hydrology": {"name": "stochastic", "n_samples": 6, "seed": 2},
        }
    )
    irrigation._MEMO.clear()
    build_inputs(cfg, pack, samples=slice(0, 3))
    assert len(irrigation._MEMO._data) == 3  # calendar, ET0 and efficiencies kept
    reused, _, _ = build_inputs(cfg, pack, samples=slice(3, 6))
    assert len(irrigation._MEMO._data) == 3  # and reused, not added
    irrigation._MEMO.clear()
    fresh, _, _ = build_inputs(cfg, pack, samples=slice(3, 6))
    np.testing.assert_array_equal(reused["requirement"].values, fresh["requirement"].values)
