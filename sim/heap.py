"""Keep freed memory in the process while the chunks of an ensemble run (glibc only).

By default glibc's ``malloc`` gives every block above 32 MB its own ``mmap`` and returns it to
the operating system on ``free``. An ensemble's chunks allocate and free about 1 GB of
per-sample arrays each, so every chunk starts on memory the kernel must zero again, and on a
virtual machine whose host takes back the freed pages, back again (``docs/performance.md``:
up to 3 s per GB). :func:`retained_heap` makes ``malloc`` serve big blocks from its heap and
keep what is freed there for the next chunk, then puts the defaults back and returns the free
memory to the system.

Measured on the 2-core development machine, the 1000-sample Inner Mongolia ensemble in a fresh
process: 25.0–26.4 s without, 17.2–20.7 s with (peak memory 2.8 → 3.1 GB). The settings are
``mallopt`` options of glibc (``M_ARENA_MAX``, ``M_MMAP_THRESHOLD``, ``M_TRIM_THRESHOLD``;
``man 3 mallopt``); with another C library (musl, macOS, Windows) they are not made.

Inside the block numpy also stops asking the kernel for transparent huge pages
(``madvise(MADV_HUGEPAGE)``, which it does for every array from 4 MB). Where the kernel
compacts memory on demand for such regions (``/sys/kernel/mm/transparent_hugepage/defrag``
``madvise``, a common default), page faults of the chunks' arrays stall on compaction: on the
development machine the same ensemble spent 16–19 s of system time with the advice and 8 s
without, on two threads, and 18.9 s against 24.7 s of wall time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

__all__ = ["retained_heap"]

# mallopt parameters (glibc malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

#: glibc's defaults: blocks from 128 KiB get their own mmap, free heap top above 128 KiB is
#: returned, 8 arenas per core on 64-bit systems
_DEFAULT_THRESHOLD = 128 * 1024


@cache
def _glibc() -> ctypes.CDLL | None:
    """Return the C library when it is glibc, else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    return lib if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") else None


@contextmanager
def retained_heap(max_block: int = 2**30) -> Iterator[bool]:
    """Serve blocks up to ``max_block`` bytes from the heap and keep freed memory, for the block.

    Inside the block: numpy asks for no transparent huge pages (numpy's own setting), and,
    with glibc, one malloc arena for all threads (blocks of other threads' arenas cannot grow
    past 64 MB and would be mapped one by one), blocks below ``max_block`` [B] come from the
    heap, and freed memory stays in the process. On leaving: numpy's setting and glibc's
    default values again (the mmap threshold stays fixed at its 128 KiB default: once set, glibc no
    longer raises it by itself), and ``malloc_trim`` returns the free memory to the system.

    Parameters
    ----------
    max_block : int
        Largest block served from the heap [B] (at most 2**31 - 1).

    Yields
    ------
    bool
        True where glibc's settings apply, False where they do not (not glibc).
    """
    with _no_hugepage_advice():
        lib = _glibc()
        if lib is None:
            yield False
            return
        with _glibc_retained(lib, max_block):
            yield True


@contextmanager
def _glibc_retained(lib: ctypes.CDLL, max_block: int) -> Iterator[None]:
    """Set glibc's options of :func:`retained_heap` for the block, then the defaults again."""
    lib.mallopt(M_ARENA_MAX, 1)
    lib.mallopt(M_MMAP_THRESHOLD, int(min(max_block, 2**31 - 1)))
    lib.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    try:
        yield
    finally:
        lib.mallopt(M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
        lib.mallopt(M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
        lib.mallopt(M_ARENA_MAX, 8 * (os.cpu_count() or 1))
        lib.malloc_trim(0)


@contextmanager
def _no_hugepage_advice() -> Iterator[None]:
    """Stop numpy advising transparent huge pages for its arrays in the block (if it can)."""
    try:  # numpy's own switch (private, but there since numpy 1.20)
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        yield
        return
    before = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(before)
