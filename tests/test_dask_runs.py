"""engine=dask: ensembles and sweeps on a real LocalCluster equal the serial engine's results."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA

from sim.core import simulate
from sim.distributed import EngineSettings, map_chunks
from sim.sweep.points import make_points
from sim.sweep.run import run_sweep

PACK = str(DATA / "measures_pack")
BASE = {
    "region": PACK,
    "time": {"start": "2020-01", "end": "2022-12"},
    "measures": {"household_saving": {"start_year": 2020, "target_year": 2021}},
    "comparison": {"attribution": "one_at_a_time"},
}
DASK = {"name": "dask", "n_workers": 2, "threads_per_worker": 1}


def assert_same(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for name, x in a.data_vars.items():
        if not np.issubdtype(x.dtype, np.number):
            continue
        y = b[name].transpose(*x.dims)
        scale = max(1.0, float(np.nanmax(np.abs(x.values)))) if np.isfinite(x.values).any() else 1.0
        np.testing.assert_allclose(y.values, x.values, rtol=0, atol=1e-12 * scale, err_msg=name)


@pytest.mark.slow
def test_ensemble_in_sample_chunks_on_a_local_cluster_equals_serial():
    cfg = {**BASE, "hydrology": {"name": "stochastic", "n_samples": 6, "seed": 3}}
    serial = simulate(cfg)
    chunked = simulate({**cfg, "engine": {**DASK, "sample_chunk": 2}})  # 3 tasks on 2 workers
    assert chunked.sizes["sample"] == 6
    assert_same(serial, chunked)
    # the probability of exceeding a cap is a statistic over all samples, not over a chunk
    if "cap_exceedance" in serial:
        np.testing.assert_array_equal(serial["cap_exceedance"].values, chunked["cap_exceedance"].values)
    # the summary of the samples (sim.ensemble): chunks reduced on the workers, joined here
    summary = {**cfg, "hydrology": {**cfg["hydrology"], "keep": "summary"}}
    serial_summary = simulate({**summary, "engine": {"sample_chunk": 4}})
    dask_summary = simulate({**summary, "engine": {**DASK, "sample_chunk": 2}})
    assert "sample" not in dask_summary["delivery"].dims
    assert dask_summary["delivery_annual"].sizes["sample"] == 6
    assert_same(serial_summary, dask_summary)
    np.testing.assert_allclose(
        dask_summary["delivery"].values, serial["delivery"].mean("sample").values, rtol=1e-12, atol=1e-12
    )


@pytest.mark.slow
def test_sweep_blocks_on_a_local_cluster_equal_serial():
    base = {**BASE, "comparison": {"attribution": "none"}, "sweep": {"chunk": 1}}
    from sim.core import _as_config

    points = make_points(
        {"method": "grid", "parameters": {"measures.household_saving.coverage": [0.2, 0.5, 0.8]}},
        _as_config(base),
    )
    serial = run_sweep(base, points)
    settings = EngineSettings(**DASK)
    dask = run_sweep(base, points, mapper=lambda fn, tasks, desc: map_chunks(fn, tasks, settings, desc=desc))
    assert dask.sizes["sweep"] == 3
    assert_same(serial, dask)
