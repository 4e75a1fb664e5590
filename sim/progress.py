"""Progress bars for long loops, quiet when nobody watches.

One helper, :func:`progress`, wraps an iterable in a `tqdm <https://tqdm.github.io>`_ bar on
standard error. The bar is shown only when standard error is a terminal (tqdm's
``disable=None``), so runs under a batch system, a pipe, Hydra's job logging or pytest print
nothing extra.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from tqdm import tqdm

__all__ = ["progress"]

T = TypeVar("T")


def progress(
    iterable: Iterable[T] | None, total: int | None = None, desc: str | None = None, *, unit: str = "it"
) -> tqdm:
    """Wrap ``iterable`` in a progress bar on standard error, shown only on a terminal.

    Parameters
    ----------
    iterable : iterable or None
        Items to loop over; the bar advances by one per item taken. None: a bar of ``total``
        items that the caller advances with ``bar.update(1)``.
    total : int, optional
        Number of items expected [1] (needed for a percentage when ``iterable`` has no length).
    desc : str, optional
        Label in front of the bar, e.g. ``"chunks"``.
    unit : str
        Name of one item in the rate display (e.g. ``"chunk"`` gives ``chunk/s``).

    Returns
    -------
    tqdm.tqdm
        An iterable yielding the items of ``iterable``; use it as a context manager (``with``)
        so the bar is closed even when the loop is left by an exception.
    """
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=None)
