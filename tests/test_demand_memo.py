"""Content-keyed reuse of demand-side results (sim.demand._memo) and its use by the irrigation model."""

from __future__ import annotations

import numpy as np
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
