"""Climate-change deltas: a precipitation and runoff change in %, a temperature change in °C.

* ``climate_precipitation`` of every demand model × (1 + ΔP/100): effective rain follows;
* ``climate_tmax`` and ``climate_tmin`` + ΔT: reference ET follows through the ET0 method
  of each unit (Penman-Monteith or Hargreaves, ``sim.agro.et0``), not through a fixed ratio;
* runoff and boundary inflow × (1 + ΔR/100); natural groundwater recharge × (1 + ΔP/100).

The deltas apply on top of any hydrology (mean, design years, stochastic samples).
"""

from __future__ import annotations

import math

import xarray as xr

from sim.errors import InputError


def check_deltas(dp: float, dt: float, dr: float) -> tuple[float, float, float]:
    """Return the deltas as floats, or raise naming the config key."""
    out = []
    for key, value, low in (("delta_precipitation", dp, -100.0), ("delta_temperature", dt, -50.0),
                            ("delta_runoff", dr, -100.0)):  # fmt: skip
        x = float(value)
        if not math.isfinite(x) or x <= low or x > 1000:
            raise InputError(f"config key 'hydrology.{key}': expected a number above {low:g}, got {value!r}")
        out.append(x)
    return out[0], out[1], out[2]


def apply_to_drivers(drivers: dict[str, xr.Dataset], dp: float, dt: float) -> dict[str, xr.Dataset]:
    """Scale precipitation by ``1 + dp/100`` [%] and shift tmax and tmin by ``dt`` [°C]."""
    if dp == 0 and dt == 0:
        return drivers
    out = {}
    for model, ds in drivers.items():
        changes = {}
        if "climate_precipitation" in ds and dp != 0:
            changes["climate_precipitation"] = ds["climate_precipitation"] * (1.0 + dp / 100.0)
        for name in ("climate_tmax", "climate_tmin"):
            if name in ds and dt != 0:
                changes[name] = ds[name] + dt
        out[model] = ds.assign(changes)
    return out


def apply_to_inputs(inputs: xr.Dataset, dp: float, dr: float) -> xr.Dataset:
    """Scale runoff and inflow by ``1 + dr/100`` and recharge by ``1 + dp/100`` [hm3]."""
    if dp == 0 and dr == 0:
        return inputs
    return inputs.assign(
        runoff=inputs["runoff"] * (1.0 + dr / 100.0),
        boundary_inflow=inputs["boundary_inflow"] * (1.0 + dr / 100.0),
        groundwater_recharge=inputs["groundwater_recharge"] * (1.0 + dp / 100.0),
    )
