"""Run independent chunks of work one after another or on a dask.distributed cluster.

Big computations (sweep points, stochastic samples) are split into chunks; each chunk is
computed by a pure top-level function ``fn(chunk_arg) -> xarray.Dataset``.
:func:`map_chunks` runs ``fn`` over the chunk arguments and returns the results in the order
of the arguments, with a progress bar over the finished chunks (:mod:`sim.progress`).
:class:`EngineSettings` (config group ``engine``) chooses how:

* ``engine.name=serial`` (default): a plain loop in this process.
* ``engine.name=dask``: the chunks are submitted to a `dask.distributed
  <https://distributed.dask.org>`_ cluster. Why dask.distributed: the same code runs the
  same chunks on a laptop, where :func:`map_chunks` starts a ``LocalCluster`` of worker
  processes on the loopback interface and stops it afterwards, and on an HPC cluster, where
  the workers are batch jobs started with `dask-jobqueue <https://jobqueue.dask.org>`_ on
  SLURM, PBS, SGE or LSF and :func:`map_chunks` only connects to their scheduler
  (``engine.scheduler_address``). Failed tasks come back as the original exception, the
  scheduler re-runs the chunks of a worker that died, and the dashboard shows the cluster.

On SLURM, start the cluster in a Python session on the login node and keep it open::

    from dask_jobqueue import SLURMCluster

    cluster = SLURMCluster(
        cores=8, processes=8, memory="32GB", walltime="02:00:00", queue="normal", account="proj",
        job_script_prologue=["source ~/venvs/water-sim/bin/activate", "export NUMBA_NUM_THREADS=1"],
    )
    cluster.scale(jobs=4)  # 4 jobs x 8 worker processes of 1 thread
    print(cluster.scheduler_address)  # e.g. tcp://10.0.0.5:39127

and pass the address to the run: ``engine.name=dask
engine.scheduler_address=tcp://10.0.0.5:39127`` (or ``EngineSettings(name="dask",
scheduler_address=cluster.scheduler_address)`` from Python). The workers must have the same
water-sim installed: they import the module of ``fn`` (checked before any chunk is sent).

Threads: every ``LocalCluster`` worker process gets ``NUMBA_NUM_THREADS``,
``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` set to
``threads_per_worker`` (the nanny's ``env``, set in the worker process before the worker
starts), so ``n_workers`` processes do not each start a numba thread per core. numba reads
the variable when it is first imported, which in a worker is when the first chunk function
needs it; a script whose main module imports numba at the top is re-imported by every spawned
worker first, and those workers keep numba's default (one thread per core). BLAS libraries
loaded while a worker process boots keep dask's default of one thread
(``distributed.nanny.pre-spawn-environ``). The nannies also write that default into this
process's environment before spawning; :func:`map_chunks` puts the old values back when the
cluster is closed. Workers of an existing cluster keep the environment they were started with
(for dask-jobqueue: export the variables in ``job_script_prologue``, as above). More in
``docs/distributed.md``.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import math
import os
import threading
import types
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sim.errors import InputError
from sim.progress import progress

__all__ = ["ENGINES", "THREAD_VARIABLES", "EngineSettings", "available_cores", "imap_threads", "map_chunks"]

logger = logging.getLogger(__name__)

ENGINES = ("serial", "dask")  #: values of ``engine.name``

#: environment variables set to ``threads_per_worker`` in every LocalCluster worker process
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")

A = TypeVar("A")
R = TypeVar("R")


def _key_error(key: str, message: str) -> InputError:
    return InputError(f"config key 'engine.{key}': {message}")


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _memory_limit(value: Any) -> str:
    """Return ``engine.memory_limit`` as the text dask accepts, or raise naming the key."""
    bad = _key_error(
        "memory_limit",
        "expected 'auto', a size such as '4GiB' or '500MB', a fraction of the machine's memory "
        f"in (0, 1], or 0 for no limit, got {value!r}",
    )
    if not (_is_number(value) or isinstance(value, str)) or not str(value).strip():
        raise bad
    text = str(value).strip()
    if text == "auto":
        return text
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number) or number < 0:
            raise bad
        return text
    try:
        from dask.utils import parse_bytes
    except ImportError:  # dask checks it itself when a dask run starts
        return text
    try:
        parse_bytes(text)
    except (ValueError, TypeError):
        raise bad from None
    return text


@dataclass(frozen=True)
class EngineSettings:
    """How :func:`map_chunks` runs the chunks (config group ``engine``).

    Every value is checked when the settings are made; a bad one raises a one-line
    :class:`~sim.errors.InputError` naming the config key (``engine.<key>``).

    Parameters
    ----------
    name : str
        ``"serial"`` (a loop in this process) or ``"dask"`` (a dask.distributed cluster).
    scheduler_address : str, optional
        Address of a running dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``; None starts a
        ``LocalCluster`` on this machine for the run. Only used with ``name="dask"``.
    n_workers : int
        LocalCluster: number of worker processes [1], at least 1.
    threads_per_worker : int
        LocalCluster: threads per worker [1], at least 1; also the numba/OpenMP/BLAS thread
        count of each worker process (see the module notes).
    memory_limit : str
        LocalCluster: memory limit per worker: ``"auto"`` (the machine's memory shared out by
        threads), a size such as ``"4GiB"``, a fraction of the machine's memory such as
        ``"0.5"``, or ``"0"`` for no limit. Numbers are accepted and kept as text.
    connect_timeout : float
        Existing scheduler: time allowed to connect before the run fails [s], above 0.
    processes : bool
        LocalCluster: True runs the workers as separate processes (parallel numba and Python
        code); False runs them as threads of this process (no start-up cost, shares the GIL).
    sample_chunk : int
        Samples of a stochastic ensemble per chunk [1]; 0 chooses samples / (4 × workers).
    threads : int
        Serial engine: threads of this process that compute the chunks of an ensemble
        summary at the same time (:func:`imap_threads`) [1]; 0 takes the cores this process
        may use.
    """

    name: str = "serial"
    scheduler_address: str | None = None
    n_workers: int = 2
    threads_per_worker: int = 1
    memory_limit: str = "auto"
    connect_timeout: float = 10.0
    processes: bool = True
    sample_chunk: int = 0
    threads: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or self.name not in ENGINES:
            raise _key_error("name", f"expected one of {' | '.join(ENGINES)}, got {self.name!r}")
        address = self.scheduler_address
        if address is not None and (
            not isinstance(address, str) or not address or address.split() != [address]
        ):
            raise _key_error(
                "scheduler_address",
                f"expected the address of a dask scheduler such as 'tcp://10.0.0.5:8786' (or null for a "
                f"LocalCluster), got {address!r}",
            )
        for key in ("n_workers", "threads_per_worker"):
            value = getattr(self, key)
            if not _is_whole(value) or value < 1:
                raise _key_error(key, f"expected a whole number >= 1, got {value!r}")
        object.__setattr__(self, "memory_limit", _memory_limit(self.memory_limit))
        timeout = self.connect_timeout
        if not _is_number(timeout) or not math.isfinite(timeout) or timeout <= 0:
            raise _key_error("connect_timeout", f"expected a number of seconds above 0, got {timeout!r}")
        object.__setattr__(self, "connect_timeout", float(timeout))
        if not isinstance(self.processes, bool):
            raise _key_error("processes", f"expected true or false, got {self.processes!r}")
        if not _is_whole(self.sample_chunk) or self.sample_chunk < 0:
            raise _key_error(
                "sample_chunk", f"expected 0 (automatic) or a whole number >= 1, got {self.sample_chunk!r}"
            )
        if not _is_whole(self.threads) or self.threads < 0:
            raise _key_error(
                "threads", f"expected 0 (the cores available) or a whole number >= 1, got {self.threads!r}"
            )

    @classmethod
    def from_config(cls, node: Mapping[str, Any] | None) -> EngineSettings:
        """Build the settings from the ``engine`` config node.

        Parameters
        ----------
        node : omegaconf.DictConfig or mapping, optional
            The ``engine`` node (keys as the fields of this class, all optional); None gives
            the defaults (serial).

        Returns
        -------
        EngineSettings
            The checked settings.

        Raises
        ------
        InputError
            One line naming the key (``engine.<key>``) for an unknown key or a bad value.
        """
        if node is None:
            return cls()
        if not isinstance(node, Mapping):
            raise InputError(f"config key 'engine': expected a mapping of engine settings, got {node!r}")
        known = [f.name for f in fields(cls)]
        values = {str(key): value for key, value in node.items()}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise _key_error(unknown[0], f"unknown key; the engine keys are {', '.join(known)}")
        return cls(**values)


def map_chunks(
    fn: Callable[[A], R], args: Sequence[A], settings: EngineSettings, desc: str = "chunks"
) -> list[R]:
    """Compute ``fn(arg)`` for every chunk argument, serially or on a dask cluster.

    Parameters
    ----------
    fn : callable
        Pure function of one chunk argument, usually returning an ``xarray.Dataset``. For the
        dask engine it must be picklable: a top-level function of a module that the workers
        can import (water-sim's own modules; modules registered with
        ``cloudpickle.register_pickle_by_value`` and ``__main__`` are sent by value instead).
    args : sequence
        Chunk arguments, one per chunk; with dask each is pickled and sent to a worker, so keep
        them small (seeds, parameter values, index ranges), not the data.
    settings : EngineSettings
        Which engine, and for dask which cluster.
    desc : str
        Label of the progress bar (shown on standard error when it is a terminal).

    Returns
    -------
    list
        ``[fn(arg) for arg in args]``, in the order of ``args`` whatever the order in which
        the chunks finish.

    Raises
    ------
    InputError
        With dask: the scheduler at ``settings.scheduler_address`` cannot be reached within
        ``settings.connect_timeout`` s, the dask.distributed package is missing, or the workers
        cannot import the module of ``fn``.
    Exception
        Whatever ``fn`` raises, with its own type (also when it was raised in a dask worker).
        The remaining chunks are cancelled.
    """
    if not args:
        return []
    if settings.name == "serial":
        with progress(args, total=len(args), desc=desc, unit="chunk") as bar:
            return [fn(arg) for arg in bar]
    return _map_dask(fn, args, settings, desc)


def available_cores() -> int:
    """Return the number of CPU cores this process may run on [1] (its affinity mask where there is one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def imap_threads(
    fn: Callable[[A], R], args: Sequence[A], n_threads: int, desc: str = "chunks"
) -> Iterator[R]:
    """Yield ``fn(arg)`` for every chunk argument, in order, computed on ``n_threads`` threads.

    For chunks whose work is mostly numpy and numba code that releases the GIL (an ensemble's
    balance). Each thread runs numba's parallel loops on one thread (``numba.set_num_threads``
    is per thread), so ``n_threads`` chunks share the cores instead of each spreading over
    all of them. A thread that finishes a chunk starts the next at once, even while an
    earlier chunk is still running (its result then waits to be handed over in order); at
    most ``n_threads`` chunks run at a time and at most ``2 * n_threads`` are running or
    waiting, so memory stays that of a few chunks whatever their number.

    Parameters
    ----------
    fn : callable
        Function of one chunk argument; it must not change state shared between chunks.
    args : sequence
        Chunk arguments.
    n_threads : int
        Threads [1]; 1 runs the chunks one after another in this thread.
    desc : str
        Label of the progress bar.

    Yields
    ------
    object
        ``fn(arg)`` for each ``arg`` in order. An exception in a chunk is raised here, with its
        own type, and the chunks not yet started are cancelled.
    """
    if n_threads <= 1 or len(args) <= 1:
        for arg in progress(args, total=len(args), desc=desc, unit="chunk"):
            yield fn(arg)
        return
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    def task(arg: A) -> R:
        import numba

        numba.set_num_threads(1)
        return fn(arg)

    pending = iter(args)
    window: deque[Future] = deque()  # started chunks, in order: running or done, not yet handed over
    lock = threading.RLock()  # start() runs in this thread and in the callbacks of finished chunks
    closed = False
    with (
        ThreadPoolExecutor(n_threads, thread_name_prefix="water-sim-chunk") as pool,
        progress(None, total=len(args), desc=desc, unit="chunk") as bar,
    ):

        def start(_: Future | None = None) -> None:
            """Start chunks while fewer than n_threads run and 2 n_threads wait (thread-safe)."""
            with lock:
                running = sum(not f.done() for f in window)
                while not closed and running < n_threads and len(window) < 2 * n_threads:
                    arg = next(pending, _END)
                    if arg is _END:
                        return
                    future = pool.submit(task, arg)
                    window.append(future)
                    running += 1
                    future.add_done_callback(start)  # a thread is free: the next chunk, at once

        try:
            start()
            while True:
                with lock:
                    if not window:
                        break
                    head = window[0]
                result = head.result()
                with lock:
                    window.popleft()
                start()
                bar.update(1)
                yield result
        finally:
            with lock:
                closed = True
                for future in window:
                    future.cancel()


_END = object()


def _map_dask(fn: Callable[[A], R], args: Sequence[A], settings: EngineSettings, desc: str) -> list[R]:
    """Run the chunks on a LocalCluster started here or on the scheduler of the settings."""
    try:
        import distributed
    except ImportError as err:
        raise _key_error(
            "name", f"'dask' needs the dask.distributed package (pip install \"dask[distributed]\"): {err}"
        ) from None
    with contextlib.ExitStack() as stack:  # closed in reverse: client, cluster, environment, logger
        stack.enter_context(_quiet_logger("distributed"))
        if settings.scheduler_address is None:
            stack.enter_context(_restored_environ([*_pre_spawn_keys(), "PYTHONHASHSEED"]))
            cluster = stack.enter_context(_local_cluster(distributed, settings))
            client = stack.enter_context(distributed.Client(cluster, set_as_default=False))
            kind = "dask LocalCluster"
        else:
            client = stack.enter_context(_connect(distributed, settings))
            kind = "dask scheduler"
        _log_cluster(client, kind)
        return _run(distributed, client, fn, args, desc)


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    """Raise logger ``name`` to WARNING for the block when it would pass info messages.

    distributed sets its logger to INFO; under Hydra, whose root handlers take INFO, every
    scheduler, nanny and worker event of a LocalCluster would end up on the console and in the
    run's log.
    """
    log = logging.getLogger(name)
    old = log.level
    if log.getEffectiveLevel() < logging.WARNING:
        log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(old)


@contextlib.contextmanager
def _restored_environ(keys: Sequence[str]) -> Iterator[None]:
    """Put the environment variables ``keys`` back as they were before the block.

    A nanny writes ``distributed.nanny.pre-spawn-environ`` (``OMP_NUM_THREADS=1``, ...) into
    this process's environment before it spawns a worker; without this, processes started
    later from here would inherit them.
    """
    saved = {key: os.environ.get(key) for key in keys}
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _pre_spawn_keys() -> list[str]:
    import dask

    return list(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})


def _local_cluster(distributed: types.ModuleType, settings: EngineSettings) -> Any:
    """Start a quiet LocalCluster on the loopback interface (random ports, no fixed 8787)."""
    kwargs: dict[str, Any] = {
        "n_workers": settings.n_workers,
        "threads_per_worker": settings.threads_per_worker,
        "processes": settings.processes,
        "memory_limit": settings.memory_limit,
        # The scheduler always runs an HTTP server (dashboard when bokeh is installed); a
        # random loopback port avoids the fixed :8787, which may be taken, and the network.
        "dashboard_address": "127.0.0.1:0",
    }
    if settings.processes:
        kwargs["host"] = "127.0.0.1"
        # the nanny sets these in the worker process before the worker starts
        kwargs["env"] = {key: str(settings.threads_per_worker) for key in THREAD_VARIABLES}
    # else: worker threads in this process, talking over dask's in-process transport (inproc://)
    return distributed.LocalCluster(**kwargs)


def _connect(distributed: types.ModuleType, settings: EngineSettings) -> Any:
    """Connect a client to the scheduler of the settings, or raise a one-line InputError."""
    address = settings.scheduler_address
    try:
        return distributed.Client(address, timeout=settings.connect_timeout, set_as_default=False)
    except Exception as err:  # whatever fails here, the address is the cause
        # OSError/TimeoutError: nobody answers in time; ValueError: a malformed address;
        # anything else: something that is not a dask scheduler answered.
        reason = str(err) or type(err).__name__
        if not isinstance(err, OSError | TimeoutError | ValueError):
            reason = f"{type(err).__name__}: {reason} (is it a dask scheduler?)"
        raise _key_error(
            "scheduler_address",
            f"cannot reach the dask scheduler at {address}: {reason}; start one (dask scheduler) "
            "or drop the key to use a LocalCluster",
        ) from err


def _log_cluster(client: Any, kind: str) -> None:
    """Log one info line: the scheduler, the workers and threads, the dashboard."""
    nthreads = client.nthreads()
    try:
        dashboard = client.dashboard_link
    except (KeyError, AttributeError, ValueError):  # no HTTP service on the scheduler
        dashboard = "none"
    logger.info(
        "%s at %s: %d workers, %d threads; dashboard %s",
        kind,
        client.scheduler.address,
        len(nthreads),
        sum(nthreads.values()),
        dashboard,
    )


class _PickledByValue:
    """Wrap a function so that it is pickled by value (cloudpickle), not by reference.

    distributed pickles a task graph with the standard pickler first, which refers to a
    function by module and name and ignores ``cloudpickle.register_pickle_by_value``. This
    wrapper reduces to ``cloudpickle.loads(<function by value>)`` and unpickles to the bare
    function, so workers need not import the function's module.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, arg: Any) -> Any:
        return self.fn(arg)

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        import cloudpickle

        return cloudpickle.loads, (cloudpickle.dumps(self.fn),)


def _registered_by_value(module: str) -> bool:
    import cloudpickle

    registry = cloudpickle.list_registry_pickle_by_value()
    parts = module.split(".")
    return any(".".join(parts[:n]) in registry for n in range(1, len(parts) + 1))


def _import_problem(module: str) -> str | None:
    """Import ``module`` (in a worker); return None, or the error as ``Type: message``."""
    try:
        importlib.import_module(module)
    except Exception as err:  # noqa: BLE001 - any import failure is reported to the client as text
        return f"{type(err).__name__}: {err}"
    return None


def _prepare(client: Any, fn: Callable[[A], R]) -> Callable[[A], R]:
    """Return ``fn`` as it is sent to the workers, after checking they can load it.

    A function the workers cannot unpickle would make the run hang (the worker fails to read
    the task and the scheduler waits), so the module of a function sent by reference is
    imported on every connected worker first.
    """
    module = getattr(fn, "__module__", None)
    if not isinstance(fn, types.FunctionType) or not module or module == "__main__" or "<" in fn.__qualname__:
        return fn  # not a top-level function: pickled by value (cloudpickle) or as an object
    if _registered_by_value(module):
        return _PickledByValue(fn)
    try:
        problems = client.run(_import_problem, module)
    except Exception as err:  # noqa: BLE001 - distributed wraps a worker's failure to load sim itself in Exception
        problems = {"": f"{type(err).__name__}: {err}"}
    for worker, problem in sorted(problems.items()):
        if problem:
            where = f"dask worker {worker}" if worker else "the dask workers"
            raise InputError(
                f"{where} cannot import module '{module}' of the chunk function {fn.__qualname__} "
                f"({problem}); install the same water-sim version in the workers' Python environment"
            )
    return fn


def _run(
    distributed: types.ModuleType, client: Any, fn: Callable[[A], R], args: Sequence[A], desc: str
) -> list[R]:
    """Submit every chunk, collect them as they finish, return the results in order."""
    task = _prepare(client, fn)
    name = getattr(fn, "__name__", "chunk")
    token = uuid.uuid4().hex
    keys = [f"{name}-{token}-{i}" for i in range(len(args))]
    futures = client.map(task, list(args), key=keys, pure=False)
    index = {future.key: i for i, future in enumerate(futures)}
    done = distributed.as_completed(futures, loop=client.loop)
    del futures  # a finished chunk's result is released on the worker once it is collected
    results: list[Any] = [None] * len(index)
    with progress(done, total=len(index), desc=desc, unit="chunk") as bar:
        for future in bar:
            results[index[future.key]] = future.result()  # re-raises fn's exception, same type
    return results
