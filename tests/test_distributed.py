"""sim.distributed: chunks run serially or on a real dask LocalCluster (loopback only).

The cluster tests start worker processes on 127.0.0.1 and need no other network; they are
marked ``slow`` (still run in CI) and take a few seconds each on a 2-core machine.

``tests/`` is not a package, so dask workers cannot be relied on to import this module. It is
registered with ``cloudpickle.register_pickle_by_value``; distributed alone ignores that
registry (it pickles the task graph with the standard pickler, by reference), and
``map_chunks`` honours it by sending such functions by value.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import sys
import threading
import time
import types

import cloudpickle
import distributed
import numpy as np
import pytest
import xarray as xr
from omegaconf import OmegaConf

from sim.distributed import THREAD_VARIABLES, EngineSettings, available_cores, imap_threads, map_chunks
from sim.errors import InputError
from sim.progress import progress

cloudpickle.register_pickle_by_value(sys.modules[__name__])

DASK = {"name": "dask", "n_workers": 2, "threads_per_worker": 1}


def reservoir_chunk(arg: tuple[int, int]) -> xr.Dataset:
    """A small stochastic reservoir run: ``n`` samples of 12 months from ``seed``."""
    seed, n = arg
    rng = np.random.default_rng(seed)
    inflow = rng.gamma(shape=2.0, scale=1.5, size=(n, 12))
    demand = 2.5 + 0.5 * np.sin(np.arange(12) * np.pi / 6)
    storage = np.empty_like(inflow)
    level = np.full(n, 5.0)
    for month in range(12):
        level = np.clip(level + inflow[:, month] - demand[month], 0.0, 10.0)
        storage[:, month] = level
    time.sleep(0.01 * (seed % 3))  # chunks finish out of order
    return xr.Dataset(
        {
            "inflow": (("sample", "month"), inflow, {"units": "hm3"}),
            "storage": (("sample", "month"), storage, {"units": "hm3"}),
            "empty_months": ("sample", (storage == 0.0).sum(axis=1)),
        },
        coords={"sample": seed * n + np.arange(n), "month": np.arange(1, 13)},
        attrs={"seed": seed},
    )


def fail_on_three(i: int) -> xr.Dataset:
    if i == 3:
        raise InputError(f"chunk {i}: bad chunk argument")
    return xr.Dataset({"i": i})


def thread_report(_: int) -> xr.Dataset:
    """The thread settings seen inside a worker process."""
    import numba

    env = {key: os.environ.get(key, "") for key in THREAD_VARIABLES}
    return xr.Dataset(attrs={**env, "numba_threads": numba.get_num_threads()})


def module_imported(name: str) -> bool:
    return name in sys.modules


CHUNKS = [(seed, 50) for seed in range(8)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler() -> str:
    """Address of a LocalCluster running for this module (stands in for an HPC cluster)."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster.scheduler_address


# -- serial -------------------------------------------------------------------------------


def test_serial_results_in_order():
    out = map_chunks(reservoir_chunk, CHUNKS, EngineSettings())
    assert [ds.attrs["seed"] for ds in out] == list(range(8))
    assert all(isinstance(ds, xr.Dataset) for ds in out)
    assert out[2].sample.values[0] == 100
    assert map_chunks(reservoir_chunk, [], EngineSettings(name="dask")) == []  # no cluster started


def test_serial_reraises_the_chunk_error():
    with pytest.raises(InputError, match="chunk 3"):
        map_chunks(fail_on_three, range(5), EngineSettings())


# -- threads of this process ----------------------------------------------------------------


def test_imap_threads_in_order_with_at_most_n_chunks_at_a_time():
    import numba

    lock = threading.Lock()
    state = {"now": 0, "most": 0, "started": 0, "held": 0}
    seen = []

    def chunk(arg):
        with lock:
            state["now"] += 1
            state["started"] += 1
            state["most"] = max(state["most"], state["now"])
        out = reservoir_chunk(arg)  # sleeps 0-20 ms: chunks finish out of order
        out.attrs["numba_threads"] = numba.get_num_threads()
        with lock:
            state["now"] -= 1
        return out

    for ds in imap_threads(chunk, CHUNKS, 3):
        seen.append(ds.attrs["seed"])
        with lock:  # started and not yet handed over (besides this one): at most 2 x 3
            state["held"] = max(state["held"], state["started"] - len(seen))
            assert state["now"] <= 3
        assert ds.attrs["numba_threads"] == 1  # each chunk's compiled loops on one thread
        assert ds.equals(reservoir_chunk(CHUNKS[ds.attrs["seed"]]))
    assert seen == list(range(8))
    assert state["most"] == 3
    assert state["held"] <= 6


def test_imap_threads_keeps_every_thread_busy_while_the_first_chunk_runs():
    # chunk 0 is slow; chunks 1..5 are fast. With 2 threads, the second thread must go on
    # with chunks 1, 2, 3 while chunk 0 runs (up to 2 x 2 started and not handed over),
    # instead of waiting for chunk 0 to be handed over first.
    release = threading.Event()
    done = []

    def chunk(i):
        if i == 0:
            assert release.wait(10.0), "the other thread did not run chunks 1-3 meanwhile"
        else:
            done.append(i)
            if len(done) == 3:
                release.set()
        return i

    assert list(imap_threads(chunk, range(6), 2)) == list(range(6))
    assert done[:3] == [1, 2, 3]
    # one thread: the plain loop, in this thread, numba left as it is
    assert [ds.attrs["seed"] for ds in imap_threads(reservoir_chunk, CHUNKS[:3], 1)] == [0, 1, 2]


def test_imap_threads_reraises_the_chunk_error():
    with pytest.raises(InputError, match="chunk 3"):
        list(imap_threads(fail_on_three, range(8), 2))


def test_available_cores_is_the_affinity_mask():
    assert available_cores() == len(os.sched_getaffinity(0))


# -- progress -----------------------------------------------------------------------------


def test_progress_is_quiet_when_stderr_is_not_a_terminal(capsys):
    assert list(progress(range(3), total=3, desc="chunks")) == [0, 1, 2]
    map_chunks(fail_on_three, [0, 1], EngineSettings())
    assert capsys.readouterr().err == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(monkeypatch):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    with progress(iter(range(4)), total=4, desc="samples", unit="chunk") as bar:
        assert list(bar) == [0, 1, 2, 3]
    assert "samples" in term.getvalue()
    assert "4/4" in term.getvalue()


# -- dask: a LocalCluster started by map_chunks ---------------------------------------------


@pytest.mark.slow
def test_local_cluster_matches_serial(caplog):
    before = {
        key: os.environ.get(key) for key in ("OMP_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_", "PYTHONHASHSEED")
    }
    caplog.set_level(logging.INFO, logger="sim.distributed")
    serial = map_chunks(reservoir_chunk, CHUNKS, EngineSettings())
    dask = map_chunks(reservoir_chunk, CHUNKS, EngineSettings(**DASK))
    assert len(dask) == len(serial)
    for a, b in zip(serial, dask, strict=True):
        xr.testing.assert_identical(a, b)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "sim.distributed"]
    assert "LocalCluster at tcp://127.0.0.1:" in line
    assert "2 workers, 2 threads" in line
    # the nannies' pre-spawn environment (OMP_NUM_THREADS=1, ...) does not stay in this process
    assert {key: os.environ.get(key) for key in before} == before


@pytest.mark.slow
def test_local_cluster_workers_get_the_thread_count():
    settings = EngineSettings(name="dask", n_workers=1, threads_per_worker=2)
    (report,) = map_chunks(thread_report, [0], settings)
    assert {key: report.attrs[key] for key in THREAD_VARIABLES} == dict.fromkeys(THREAD_VARIABLES, "2")
    assert report.attrs["numba_threads"] == 2


@pytest.mark.slow
def test_thread_workers_match_serial():
    settings = EngineSettings(name="dask", n_workers=2, threads_per_worker=1, processes=False)
    for a, b in zip(
        map_chunks(reservoir_chunk, CHUNKS, EngineSettings()),
        map_chunks(reservoir_chunk, CHUNKS, settings),
        strict=True,
    ):
        xr.testing.assert_identical(a, b)


# -- dask: an existing scheduler -------------------------------------------------------------


@pytest.mark.slow
def test_existing_scheduler_matches_serial_without_importing_this_module(scheduler):
    settings = EngineSettings(name="dask", scheduler_address=scheduler)
    dask = map_chunks(reservoir_chunk, CHUNKS, settings)
    for a, b in zip(map_chunks(reservoir_chunk, CHUNKS, EngineSettings()), dask, strict=True):
        xr.testing.assert_identical(a, b)
    with distributed.Client(scheduler, set_as_default=False) as client:
        assert not any(client.run(module_imported, __name__).values())  # sent by value


@pytest.mark.slow
def test_worker_error_keeps_its_type(scheduler):
    settings = EngineSettings(name="dask", scheduler_address=scheduler)
    with pytest.raises(InputError, match=r"^chunk 3: bad chunk argument$"):
        map_chunks(fail_on_three, list(range(6)), settings)


@pytest.mark.slow
def test_function_the_workers_cannot_import_fails_fast(scheduler, monkeypatch):
    ghost = types.ModuleType("ghost_chunks")  # importable in this process only
    ghost.chunk = types.FunctionType(fail_on_three.__code__, fail_on_three.__globals__, "chunk")
    ghost.chunk.__module__, ghost.chunk.__qualname__ = "ghost_chunks", "chunk"
    monkeypatch.setitem(sys.modules, "ghost_chunks", ghost)
    settings = EngineSettings(name="dask", scheduler_address=scheduler)
    start = time.perf_counter()
    with pytest.raises(InputError, match="cannot import module 'ghost_chunks'") as err:
        map_chunks(ghost.chunk, [1, 2], settings)
    assert time.perf_counter() - start < 15  # instead of waiting forever
    assert "\n" not in str(err.value)
    assert "ModuleNotFoundError" in str(err.value)


@pytest.mark.slow
def test_unreachable_scheduler_fails_fast():
    address = f"tcp://127.0.0.1:{_free_port()}"
    settings = EngineSettings(name="dask", scheduler_address=address, connect_timeout=2)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        map_chunks(reservoir_chunk, CHUNKS, settings)
    assert time.perf_counter() - start < 15  # guard against hanging, not a benchmark
    message = str(err.value)
    assert message.startswith(
        f"config key 'engine.scheduler_address': cannot reach the dask scheduler at {address}: "
    )
    assert message.endswith("start one (dask scheduler) or drop the key to use a LocalCluster")
    assert "\n" not in message


def test_malformed_address_is_an_input_error():
    settings = EngineSettings(name="dask", scheduler_address="http://127.0.0.1:8786", connect_timeout=2)
    with pytest.raises(InputError, match="engine.scheduler_address.*unknown address scheme"):
        map_chunks(reservoir_chunk, CHUNKS, settings)


# -- settings -------------------------------------------------------------------------------


def test_from_config_accepts_omegaconf_and_mappings():
    assert EngineSettings.from_config(None) == EngineSettings()
    assert EngineSettings.from_config({}) == EngineSettings()
    cfg = OmegaConf.create(
        {
            "engine": {"name": "dask", "scheduler_address": "tcp://10.0.0.5:8786", "n_workers": "${workers}"},
            "workers": 4,
        }
    )
    settings = EngineSettings.from_config(cfg.engine)
    assert settings == EngineSettings(name="dask", scheduler_address="tcp://10.0.0.5:8786", n_workers=4)
    settings = EngineSettings.from_config({"memory_limit": 0.5, "connect_timeout": 3, "processes": False})
    assert (settings.memory_limit, settings.connect_timeout, settings.processes) == ("0.5", 3.0, False)
    assert EngineSettings.from_config({"memory_limit": "4GiB"}).memory_limit == "4GiB"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("name", "spark", "expected one of serial | dask, got 'spark'"),
        ("n_workers", 0, "expected a whole number >= 1, got 0"),
        ("n_workers", 2.5, "expected a whole number >= 1, got 2.5"),
        ("n_workers", True, "expected a whole number >= 1, got True"),
        ("threads_per_worker", -1, "expected a whole number >= 1, got -1"),
        ("memory_limit", "lots", "expected 'auto', a size such as '4GiB'"),
        ("memory_limit", -1, "got -1"),
        ("memory_limit", "", "expected 'auto'"),
        ("connect_timeout", 0, "expected a number of seconds above 0, got 0"),
        ("connect_timeout", "soon", "expected a number of seconds above 0, got 'soon'"),
        ("processes", "yes", "expected true or false, got 'yes'"),
        ("threads", -1, "expected 0 (the cores available) or a whole number >= 1, got -1"),
        ("threads", 1.5, "expected 0 (the cores available) or a whole number >= 1, got 1.5"),
        ("scheduler_address", "", "expected the address of a dask scheduler"),
        ("scheduler_address", "tcp://a b:1", "expected the address of a dask scheduler"),
        ("scheduler_address", 8786, "expected the address of a dask scheduler"),
        ("workers", 4, "unknown key; the engine keys are name, scheduler_address, n_workers"),
    ],
)
def test_from_config_names_the_bad_key(key, value, expected):
    with pytest.raises(InputError) as err:
        EngineSettings.from_config({key: value})
    message = str(err.value)
    assert message.startswith(f"config key 'engine.{key}': ")
    assert expected in message
    assert "\n" not in message


def test_from_config_needs_a_mapping():
    with pytest.raises(InputError, match="config key 'engine': expected a mapping"):
        EngineSettings.from_config(["dask"])
