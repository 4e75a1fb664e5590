"""Crop water requirement building blocks (FAO-56): ET0, Kc, effective rain, irrigation demand.

Pure, vectorised functions over floats, numpy arrays and ``xarray.DataArray``; units are
stated in every docstring.
"""

from sim.agro.effective_rain import (
    EFFECTIVE_RAIN_METHODS,
    effective_rain,
    effective_rain_fao_aglw,
    effective_rain_fixed,
    effective_rain_usda_scs,
)
from sim.agro.et0 import et0_hargreaves, et0_penman_monteith, mid_month_doy, monthly_et0, wind_speed_2m
from sim.agro.irrigation import (
    IRRIGATION_TECHNOLOGIES,
    conveyance_efficiency_from_lining,
    effective_field_efficiency,
    field_efficiency_from_mix,
    gross_irrigation_requirement,
    net_irrigation_requirement,
)
from sim.agro.kc import (
    daily_kc_year,
    kc_curve,
    kc_mid_adjusted,
    monthly_crop_days,
    monthly_crop_et,
    monthly_kc,
)

__all__ = [
    "EFFECTIVE_RAIN_METHODS",
    "IRRIGATION_TECHNOLOGIES",
    "conveyance_efficiency_from_lining",
    "daily_kc_year",
    "effective_field_efficiency",
    "effective_rain",
    "effective_rain_fao_aglw",
    "effective_rain_fixed",
    "effective_rain_usda_scs",
    "et0_hargreaves",
    "et0_penman_monteith",
    "field_efficiency_from_mix",
    "gross_irrigation_requirement",
    "kc_curve",
    "kc_mid_adjusted",
    "mid_month_doy",
    "monthly_crop_days",
    "monthly_crop_et",
    "monthly_et0",
    "monthly_kc",
    "net_irrigation_requirement",
    "wind_speed_2m",
]
