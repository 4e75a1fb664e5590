"""Design years (保证率 P): scale the pack's mean hydrology by the P-III modulus of each variable.

A design year of exceedance probability P scales the pack's mean values (``methods.md``
§4, 同倍比 on the mean monthly pattern, which is the typical year):

* ``K_x = 1 + Cv_x Φ_P(Cs_x)`` for precipitation, runoff and boundary inflow (the same P for
  every variable and unit: a design year is a regional year type, all variables at the same
  frequency, i.e. fully rank-correlated);
* groundwater recharge ``1 + e_r (K_precip − 1)``, reference ET ``1 + e_et0 (K_precip − 1)``,
  the transfer quota ``1 + e_t (K_inflow − 1)`` (each floored at 0), with the elasticities of
  the pack's ``hydrology.csv`` (:mod:`sim.hydrology.statistics`).

Precipitation enters the demand models (effective rain of irrigation, through
``climate_precipitation``), ET0 through the irrigation driver ``et0_factor``; the others scale
the engine inputs. Several frequencies run together along a ``frequency`` dimension.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from sim.errors import InputError
from sim.hydrology.pearson3 import frequency_factor
from sim.hydrology.scaling import scale_drivers, scale_inputs

__all__ = ["check_frequencies", "design_factors", "follow", "scale_drivers", "scale_inputs"]


def design_factors(stats: xr.Dataset, frequencies: Sequence[float]) -> xr.Dataset:
    """Multipliers of the mean hydrology for design years of exceedance probability P.

    Parameters
    ----------
    stats : xarray.Dataset
        From :func:`load_statistics`.
    frequencies : sequence of float
        Exceedance probabilities P in (0, 1), e.g. [0.5, 0.75, 0.95].

    Returns
    -------
    xarray.Dataset
        Over ``(frequency, unit)`` [1]: ``precipitation``, ``runoff``, ``inflow``,
        ``recharge``, ``et0``, ``transfer``.
    """
    p = xr.DataArray(
        np.asarray(frequencies, dtype=float), dims="frequency", coords={"frequency": list(frequencies)}
    )

    def k(var: str) -> xr.DataArray:
        cv = stats[f"{var}_cv"]
        phi = frequency_factor(p, cv * stats[f"{var}_cs_cv"])
        return (1.0 + cv * phi).clip(min=0.0).transpose("frequency", "unit")

    return follow({v: k(v) for v in ("precipitation", "runoff", "inflow")}, stats)


def follow(k: Mapping[str, xr.DataArray], stats: xr.Dataset | None) -> xr.Dataset:
    """Complete multipliers of precipitation, runoff and inflow with recharge, ET0 and transfer.

    ``1 + e (K − 1)`` floored at 0 with the elasticities of ``stats`` (recharge 1, ET0 and
    transfer 0 without a ``hydrology.csv``).
    """
    kp, ki = k["precipitation"], k["inflow"]

    def elasticity(name: str, default: float) -> xr.DataArray | float:
        return stats[f"{name}_elasticity"] if stats is not None else default

    return xr.Dataset(
        {
            **k,
            "recharge": (1.0 + elasticity("recharge", 1.0) * (kp - 1.0)).clip(min=0.0),
            "et0": (1.0 + elasticity("et0", 0.0) * (kp - 1.0)).clip(min=0.0),
            "transfer": (1.0 + elasticity("transfer", 0.0) * (ki - 1.0)).clip(min=0.0),
        }
    )


def check_frequencies(frequencies: Sequence[float], key: str = "hydrology.frequencies") -> list[float]:
    """Return the exceedance probabilities as floats, or raise naming the config key."""
    out = []
    for f in frequencies:
        try:
            x = float(f)
        except (TypeError, ValueError):
            raise InputError(f"config key '{key}': expected probabilities in (0, 1), got {f!r}") from None
        if not 0.0 < x < 1.0:
            raise InputError(f"config key '{key}': a guarantee rate P must lie in (0, 1), got {f!r}")
        out.append(x)
    if not out:
        raise InputError(f"config key '{key}': give at least one guarantee rate, e.g. [0.5, 0.75, 0.95]")
    if len(set(out)) < len(out):
        raise InputError(f"config key '{key}': the guarantee rates repeat: {out}")
    return out
