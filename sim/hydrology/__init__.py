"""Hydrology: Pearson type III design values, design years, ensembles, sequences, deltas.

Pure, vectorised functions over floats, numpy arrays and ``xarray.DataArray``; units are
stated in every docstring. The P-III functions (``sim.hydrology.pearson3``, on
``scipy.stats``) are imported on first use, so a run that does not need them does not pay
for importing scipy.stats.
"""

from __future__ import annotations

import importlib
from typing import Any

_PEARSON3 = (
    "PLOTTING_POSITIONS",
    "P3Params",
    "design_year",
    "empirical_exceedance",
    "fit_curve",
    "fit_lmoments",
    "fit_moments",
    "frequency_factor",
    "modulus",
    "pearson3_quantile",
)

__all__ = list(_PEARSON3)


def __getattr__(name: str) -> Any:
    """Import the P-III functions lazily (``from sim.hydrology import pearson3_quantile``)."""
    if name in _PEARSON3:
        return getattr(importlib.import_module("sim.hydrology.pearson3"), name)
    raise AttributeError(f"module 'sim.hydrology' has no attribute {name!r}")
