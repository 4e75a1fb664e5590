"""Hydrological frequency analysis: Pearson type III design values and design years.

Pure, vectorised functions over floats, numpy arrays and ``xarray.DataArray``; units are
stated in every docstring.
"""

from sim.hydrology.pearson3 import (
    PLOTTING_POSITIONS,
    P3Params,
    design_year,
    empirical_exceedance,
    fit_curve,
    fit_lmoments,
    fit_moments,
    frequency_factor,
    modulus,
    pearson3_quantile,
)

__all__ = [
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
]
