"""Network topology helpers: topological order and cycle detection."""

from __future__ import annotations

from collections import deque

import numpy as np


def topological_order(n: int, link_from: np.ndarray, link_to: np.ndarray) -> np.ndarray:
    """Order units so that every unit comes after all units that flow into it.

    Units with no upstream link come first, in index order (Kahn's algorithm with a
    FIFO queue, so the order is deterministic). Links to -1 (out of the region) are
    ignored.

    Parameters
    ----------
    n : int
        Number of units.
    link_from, link_to : numpy.ndarray
        Upstream and downstream unit index of each link (-1: leaves the region).

    Returns
    -------
    numpy.ndarray
        Unit indices, upstream first.

    Raises
    ------
    ValueError
        If the links contain a cycle; the message lists the units on it by index.
    """
    indeg = np.zeros(n, dtype=np.int64)
    down: list[list[int]] = [[] for _ in range(n)]
    for f, t in zip(link_from, link_to, strict=True):
        if t >= 0:
            indeg[t] += 1
            down[f].append(int(t))
    queue = deque(i for i in range(n) if indeg[i] == 0)
    order: list[int] = []
    while queue:
        u = queue.popleft()
        order.append(u)
        for v in down[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                queue.append(v)
    if len(order) < n:
        left = sorted(set(range(n)) - set(order))
        raise ValueError(f"the network has a cycle through units {left}")
    return np.array(order, dtype=np.int64)


def group_by_component(
    order: np.ndarray, link_from: np.ndarray, link_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Regroup a topological order so that each connected part of the network is contiguous.

    Parts of the network that no link joins share no water, so the kernel solves each
    part on its own units only (a forward routing of a 6-unit river instead of the whole
    20-unit region).

    Parameters
    ----------
    order : numpy.ndarray
        Unit indices in topological order (:func:`topological_order`).
    link_from, link_to : numpy.ndarray
        Upstream and downstream unit index of each link (-1: leaves the region).

    Returns
    -------
    order : numpy.ndarray
        The same units, still topologically ordered, grouped by part; parts appear in the
        order of their first unit in the input ``order``, and units keep their relative order.
    part_ptr : numpy.ndarray
        Part ``c`` is ``order[part_ptr[c]:part_ptr[c + 1]]``; length (parts + 1).
    """
    n = order.shape[0]
    root = list(range(n))

    def find(u: int) -> int:
        while root[u] != u:
            root[u] = root[root[u]]
            u = root[u]
        return u

    for f, t in zip(link_from, link_to, strict=True):
        if t >= 0:
            root[find(int(f))] = find(int(t))
    parts: dict[int, list[int]] = {}
    for u in order:
        parts.setdefault(find(int(u)), []).append(int(u))
    grouped = [u for members in parts.values() for u in members]
    part_ptr = np.cumsum([0] + [len(m) for m in parts.values()])
    return np.array(grouped, dtype=np.int64), part_ptr.astype(np.int64)
