"""sim.heap: big blocks come from the heap inside ``retained_heap`` and are mapped outside.

The check reads glibc's own statistics (``mallinfo2().hblkhd``: the bytes in blocks that have
their own mmap) around a 64 MB numpy allocation, so it is skipped with another C library.
"""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from sim.heap import _glibc, retained_heap

SIZE = 64 * 2**20  # above glibc's largest automatic mmap threshold (32 MB)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
            "keepcost",
        )
    ]  # fmt: skip


def _mapped_bytes() -> int:
    lib = _glibc()
    lib.mallinfo2.restype = _Mallinfo2
    return int(lib.mallinfo2().hblkhd)


def _mapped_by_an_allocation() -> int:
    """Bytes of own-mmap blocks while a fresh 64 MB array is alive."""
    before = _mapped_bytes()
    block = np.ones(SIZE // 8)
    during = _mapped_bytes()
    del block
    return during - before


@pytest.mark.skipif(_glibc() is None or not hasattr(_glibc(), "mallinfo2"), reason="needs glibc >= 2.33")
def test_big_blocks_come_from_the_heap_only_inside_the_block():
    assert _mapped_by_an_allocation() >= SIZE  # glibc's default: its own mmap
    with retained_heap() as applied:
        assert applied
        assert _mapped_by_an_allocation() == 0  # from the heap, kept there when freed
    assert _mapped_by_an_allocation() >= SIZE  # defaults back


def test_does_nothing_without_glibc(monkeypatch: pytest.MonkeyPatch):
    import sim.heap

    monkeypatch.setattr(sim.heap, "_glibc", lambda: None)
    with retained_heap() as applied:
        assert not applied


def test_numpy_asks_for_no_huge_pages_inside_the_block():
    from numpy._core.multiarray import _set_madvise_hugepage

    def advised() -> bool:
        before = _set_madvise_hugepage(True)  # returns the setting it replaces
        _set_madvise_hugepage(before)
        return before

    original = _set_madvise_hugepage(True)
    try:
        with retained_heap():
            assert not advised()
        assert advised()  # put back
        _set_madvise_hugepage(False)
        with retained_heap():
            pass
        assert not advised()  # put back as it was, not switched on
    finally:
        _set_madvise_hugepage(original)
