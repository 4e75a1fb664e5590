"""The figures of the report: one function per figure, from a results Dataset.

Each ``fig_<name>(ds, lang="en")`` selects and sums what it needs from the results of
:func:`sim.simulate` (``docs/outputs.md``), draws it with :mod:`sim.report.plots` and returns a
:class:`Figure` (name, title, one-sentence caption with the main numbers, the matplotlib
figure), or None when the run lacks what the figure needs (no measures, no samples, no sweep).
:func:`all_figures` returns them in report order.

Conventions:

- volumes are shown in 10⁸ m³ (亿m³; 1 亿m³ = 100 hm³), annual amounts per calendar year;
- the *target year* is ``comparison.target_year`` of the run's config, else the last year;
  the *base year* is the first year of the run;
- the *scenario* is the last entry of ``scenario`` that is not ``baseline`` (the baseline when
  the run has no other);
- with samples, amounts are the mean over ``sample`` (except in the ensemble figures);
- with design years (``frequency``), the savings, use and groundwater figures show the design
  year closest to P = 50 %, the shortage figures (heatmap, league map) the driest one, and the
  supply-demand and reliability figures every design year;
- a ``sweep`` dim is plotted by the sweep figures; every other figure shows its first member.

With ``lang="zh"`` labels and captions are Chinese and a CJK font must be known to matplotlib
(:func:`cjk_font`), else :class:`sim.errors.InputError` says how to install one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import xarray as xr
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure

from sim.errors import InputError
from sim.report import plots
from sim.savings_table import HM3_PER_YI

__all__ = [
    "FIGURE_FUNCTIONS",
    "Figure",
    "all_figures",
    "cjk_font",
    "fig_cost_curve",
    "fig_exceedance_shortage",
    "fig_exceedance_total_use",
    "fig_fan_total_use",
    "fig_groundwater",
    "fig_league_map",
    "fig_reliability",
    "fig_savings_by_basin",
    "fig_savings_by_sector",
    "fig_sensitivity",
    "fig_shortage_heatmap",
    "fig_supply_demand",
    "fig_sweep_heatmap",
    "fig_sweep_response",
    "fig_time_path",
    "fig_waterfall",
    "format_number",
    "target_year",
]

#: Conventional sources (counted as withdrawal; as ``sim.attribution.CONVENTIONAL``).
CONVENTIONAL = ("surface", "groundwater", "transfer")

#: Font families searched (case-insensitive substrings) for Chinese text.
CJK_FONT_PATTERNS = (
    "Noto Sans CJK",
    "Noto Serif CJK",
    "Noto Sans SC",
    "Noto Sans TC",
    "Source Han",
    "WenQuanYi",
    "SimHei",
    "SimSun",
    "Microsoft YaHei",
    "PingFang",
    "Heiti",
    "Droid Sans Fallback",
    "AR PL",
)

#: Leagues of Inner Mongolia roughly west → east: (Chinese name, English name, (column, row)).
LEAGUES: tuple[tuple[str, str, tuple[int, int]], ...] = (
    ("阿拉善盟", "Alxa", (0, 1)),
    ("巴彦淖尔", "Bayannur", (1, 1)),
    ("乌海", "Wuhai", (1, 2)),
    ("包头", "Baotou", (2, 1)),
    ("鄂尔多斯", "Ordos", (2, 2)),
    ("呼和浩特", "Hohhot", (3, 2)),
    ("乌兰察布", "Ulanqab", (3, 1)),
    ("锡林郭勒盟", "Xilingol", (4, 1)),
    ("赤峰", "Chifeng", (5, 2)),
    ("通辽", "Tongliao", (6, 2)),
    ("兴安盟", "Hinggan", (6, 1)),
    ("呼伦贝尔", "Hulunbuir", (6, 0)),
)

BASINS_EN = {"黄河": "Yellow", "辽河": "Liao", "海河": "Hai", "松花江": "Songhua", "西北诸河": "Northwest"}
GROUPS_ZH = {"agriculture": "农业", "industry": "工业", "domestic": "生活", "ecological": "生态"}
SOURCES_ZH = {
    "surface": "地表水",
    "groundwater": "地下水",
    "transfer": "调水",
    "reclaimed": "再生水",
    "harvested": "集蓄雨水",
    "other": "其他",
}
KINDS = ("withdrawal", "consumption")

#: A total shortage below this [hm3] is a rounding residue of the allocation, not a shortage.
NEGLIGIBLE_HM3 = 1e-6

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "vol_a": "10⁸ m³/a",
        "vol": "× 10⁸ m³",
        "vol_step": "10⁸ m³ per {step}",
        "yuan_m3": "yuan/m³",
        "year": "year",
        "month": "month",
        "unit": "unit",
        "baseline": "baseline",
        "withdrawal": "withdrawal",
        "consumption": "consumption",
        "p": " (P = {p:.0f} %)",
        "by_basin": "by basin",
        "by_group": "by sector group",
        "bars_x": "{what} (bars: year and B = baseline, S = {scenario})",
        "basin": "basin",
        "sector_group": "sector group",
        "delivery": "delivery [{vol_a}]",
        "saving_axis": "{kind} saving [{vol_a}]",
        "use_axis": "conventional use [{vol_a}]",
        "wf_axis": "withdrawal (conventional) and consumption [{vol_a}]",
        "region_cap": "region cap",
        "saving": "saving",
        "increase": "increase",
        "storage_axis": "aquifer storage [10⁸ m³]",
        "cum_axis": "cumulative overdraft [10⁸ m³]",
        "time": "time",
        "reliability_axis": "time reliability, least reliable sector [1]",
        "rate_axis": "shortage rate [%]",
        "west_east": "west → east",
        "south_north": "south → north",
        "shortage_axis": "shortage [{vol_step}]",
        "cost_x": "withdrawal saving [{vol_a}]",
        "cost_y": "cost [{yuan_m3}]",
        "gap": "gap to the region cap",
        "bands": "5–95 %|25–75 %|median",
        "exc_x": "exceedance probability [%]",
        "exc_y": "annual shortage [{vol_a}]",
        "metric_saving": "withdrawal saving",
        "metric_use": "conventional use",
        "sweep_index": "sweep index",
        "parameter": "parameter",
        "index": "index",
        "t_supply_demand": "Delivery by source",
        "t_waterfall": "From baseline to scenario use, {year}",
        "t_savings_by_sector": "Savings by sector group, {year}",
        "t_savings_by_basin": "Savings by basin, {year}",
        "t_time_path": "Conventional water use and the region cap",
        "t_shortage_heatmap": "Shortage by unit and month, {scenario} {year}",
        "t_reliability": "Time reliability by unit",
        "t_league_map": "Shortage rate by league, {scenario} {year}",
        "t_groundwater": "Groundwater storage and cumulative overdraft",
        "t_storage": "Aquifer storage by unit, {scenario}",
        "t_cum": "Cumulative overdraft, region",
        "t_cost_curve": "Cost curve of the measures, {year}",
        "t_fan_total_use": "Conventional use over {n} samples, {scenario}",
        "t_exceedance_shortage": "Exceedance of the annual shortage, {year}",
        "t_exceedance_use": "Exceedance of the annual conventional use, {year}",
        "exc_use_y": "annual conventional use [{vol_a}]",
        "t_sweep_response": "Response to the sweep, {year}",
        "t_sweep_heatmap": "Sweep: {metric}",
        "t_sensitivity": "Sensitivity indices",
        "c_supply_demand": "In {scenario} total delivery goes from {v0} {vol} in {y0} to {v1} in {y1}{p}, "
        "{share}% of it surface water.",
        "c_waterfall": "{scenario} saves {w} {vol} of withdrawal and {c} of consumption in {year}{p}; "
        "{top} contributes most ({topw}).",
        "c_savings_by_sector": "Of the {w} {vol} withdrawal saving in {year}{p}, {name} saves the most "
        "({part}).",
        "c_savings_by_basin": "Of the {w} {vol} withdrawal saving in {year}{p}, the {name} basin saves the "
        "most ({part}).",
        "c_time_path": "In {year}{p} conventional use is {b} {vol} in the baseline and {s} in {scenario}, "
        "{cap}.",
        "c_time_path_base": "In {year}{p} conventional use is {b} {vol} in the baseline, {cap}.",
        "cap_vs": "against a region cap of {cap}",
        "cap_none": "with no region cap in the pack",
        "c_shortage_heatmap": "In {year}{p} the shortage in {scenario} totals {total} {vol}, the largest "
        "in unit {unit} in month {month} ({max}).",
        "c_shortage_heatmap_none": "In {year}{p} {scenario} has no shortage in any unit or month.",
        "c_reliability": "The lowest time reliability in {scenario}{p} is {r} in unit {unit} ({sector}); "
        "{n} of {m} units are fully reliable.",
        "c_reliability_all": "All {m} units are fully reliable in {scenario}{p}.",
        "c_league_map": "In {year}{p} the shortage rate in {scenario} is highest in {league} ({rate}%).",
        "c_league_map_none": "In {year}{p} no league is short of water in {scenario}.",
        "c_groundwater": "{n} of {m} units overdraw groundwater in {scenario}{p}; the cumulative overdraft "
        "reaches {cum} {vol} by the end of the run{base}.",
        "gw_base": " (baseline {b})",
        "c_cost_curve": "The measures save {v} {vol} of withdrawal a year in {year}{p}, the cheapest being "
        "{m} at {c} yuan/m³{gap}.",
        "c_cost_curve_none": "No measure saves withdrawal in {year}{p}{gap}.",
        "gap_pos": ", against a gap of {gap} {vol} between baseline use and the region cap",
        "gap_neg": ", with baseline use already {gap} {vol} below the region cap",
        "c_fan_total_use": "In {year}{p} conventional use in {scenario} lies between {p5} and {p95} {vol} "
        "in 90% of the {n} samples (median {p50}).",
        "c_exceedance_shortage": "In {year}{p} the shortage in {scenario} exceeds {p50} {vol} in half of "
        "the {n} samples and {p10} in one in ten.",
        "c_exceedance_use": "In {year}{p} conventional use in {scenario} exceeds {p50} {vol} in half of "
        "the {n} samples and {p10} in one in ten{cap}.",
        "cap_share": "; it is above the region cap of {cap} in {share} of them",
        "c_sweep_response": "Across {param} = {x0}–{x1} the {metric} of {scenario} in {year} ranges from "
        "{lo} to {hi} {vol}.",
        "c_sweep_heatmap": "The {metric} of {scenario} is largest ({hi} {vol}) at {where}.",
        "where_year": "{par} in {year}",
        "c_sensitivity": "{name} is the most influential parameter ({index} = {v}).",
    },
    "zh": {
        "vol_a": "亿m³/a",
        "vol": "亿m³",
        "vol_step": "亿m³/{step}",
        "yuan_m3": "元/m³",
        "year": "年份",
        "month": "月份",
        "unit": "计算单元",
        "baseline": "基准",
        "withdrawal": "取水",
        "consumption": "耗水",
        "p": "（P = {p:.0f}%）",
        "by_basin": "分流域",
        "by_group": "分行业",
        "bars_x": "{what}（柱：年份，B = 基准，S = {scenario}）",
        "basin": "流域",
        "sector_group": "行业",
        "delivery": "供水量 [{vol_a}]",
        "saving_axis": "{kind}节水量 [{vol_a}]",
        "use_axis": "常规水源用水量 [{vol_a}]",
        "wf_axis": "取水量（常规水源）与耗水量 [{vol_a}]",
        "region_cap": "全区用水总量控制指标",
        "saving": "节约",
        "increase": "增加",
        "storage_axis": "含水层储量 [亿m³]",
        "cum_axis": "累计超采量 [亿m³]",
        "time": "时间",
        "reliability_axis": "时间保证率（最低行业）[1]",
        "rate_axis": "缺水率 [%]",
        "west_east": "西 → 东",
        "south_north": "南 → 北",
        "shortage_axis": "缺水量 [{vol_step}]",
        "cost_x": "取水节约量 [{vol_a}]",
        "cost_y": "单位成本 [{yuan_m3}]",
        "gap": "与总量控制指标的差距",
        "bands": "5–95%|25–75%|中位数",
        "exc_x": "超过概率 [%]",
        "exc_y": "年缺水量 [{vol_a}]",
        "metric_saving": "取水节约量",
        "metric_use": "常规水源用水量",
        "sweep_index": "扫描序号",
        "parameter": "参数",
        "index": "指数",
        "t_supply_demand": "分水源供水量",
        "t_waterfall": "{year}年基准到情景用水量变化",
        "t_savings_by_sector": "{year}年分行业节水量",
        "t_savings_by_basin": "{year}年分流域节水量",
        "t_time_path": "常规水源用水量与总量控制指标",
        "t_shortage_heatmap": "{year}年{scenario}分单元逐月缺水量",
        "t_reliability": "分单元时间保证率",
        "t_league_map": "{year}年{scenario}各盟市缺水率",
        "t_groundwater": "地下水储量与累计超采量",
        "t_storage": "{scenario}分单元含水层储量",
        "t_cum": "全区累计超采量",
        "t_cost_curve": "{year}年节水措施成本曲线",
        "t_fan_total_use": "{scenario}常规水源用水量（{n}个样本）",
        "t_exceedance_shortage": "{year}年缺水量超过概率",
        "t_exceedance_use": "{year}年常规水源用水量超过概率",
        "exc_use_y": "年常规水源用水量 [{vol_a}]",
        "t_sweep_response": "{year}年参数扫描响应",
        "t_sweep_heatmap": "参数扫描：{metric}",
        "t_sensitivity": "敏感性指数",
        "c_supply_demand": "{scenario}情景总供水量由{y0}年的{v0}{vol}变为{y1}年的{v1}{vol}{p}，"
        "其中地表水占{share}%。",
        "c_waterfall": "{year}年{scenario}情景节约取水量{w}{vol}、耗水量{c}{vol}{p}，其中{top}贡献最大（{topw}）。",
        "c_savings_by_sector": "{year}年取水节约量{w}{vol}{p}，其中{name}节约最多（{part}）。",
        "c_savings_by_basin": "{year}年取水节约量{w}{vol}{p}，其中{name}流域节约最多（{part}）。",
        "c_time_path": "{year}年常规水源用水量基准为{b}{vol}、{scenario}情景为{s}{vol}{p}，{cap}。",
        "c_time_path_base": "{year}年基准常规水源用水量为{b}{vol}{p}，{cap}。",
        "cap_vs": "全区用水总量控制指标为{cap}{vol}",
        "cap_none": "区域数据未设总量控制指标",
        "c_shortage_heatmap": "{year}年{scenario}情景缺水{total}{vol}{p}，最大为{unit}单元{month}月（{max}）。",
        "c_shortage_heatmap_none": "{year}年{scenario}情景各单元各月均不缺水{p}。",
        "c_reliability": "{scenario}情景最低时间保证率为{unit}单元的{r}（{sector}）{p}，{m}个单元中{n}个完全保证。",
        "c_reliability_all": "{scenario}情景{m}个单元均完全保证{p}。",
        "c_league_map": "{year}年{scenario}情景缺水率最高的是{league}（{rate}%）{p}。",
        "c_league_map_none": "{year}年{scenario}情景各盟市均不缺水{p}。",
        "c_groundwater": "{scenario}情景{m}个单元中{n}个超采地下水{p}，至模拟期末累计超采{cum}{vol}{base}。",
        "gw_base": "（基准{b}）",
        "c_cost_curve": "{year}年各措施年节约取水{v}{vol}{p}，最便宜的是{m}（{c}元/m³）{gap}。",
        "c_cost_curve_none": "{year}年无措施节约取水{p}{gap}。",
        "gap_pos": "，基准用水量超出总量控制指标{gap}{vol}",
        "gap_neg": "，基准用水量低于总量控制指标{gap}{vol}",
        "c_fan_total_use": "{year}年{scenario}情景常规水源用水量在{n}个样本的90%中介于{p5}至{p95}{vol}"
        "（中位数{p50}）{p}。",
        "c_exceedance_shortage": "{year}年{scenario}情景在{n}个样本中有一半缺水超过{p50}{vol}、"
        "十分之一超过{p10}{vol}{p}。",
        "c_exceedance_use": "{year}年{scenario}情景在{n}个样本中有一半常规水源用水量超过{p50}{vol}、"
        "十分之一超过{p10}{vol}{cap}{p}。",
        "cap_share": "，其中{share}超过用水总量控制指标{cap}",
        "c_sweep_response": "{param}在{x0}–{x1}之间时，{year}年{scenario}的{metric}在{lo}至{hi}{vol}之间。",
        "c_sweep_heatmap": "{scenario}的{metric}在{where}时最大（{hi}{vol}）。",
        "where_year": "{year}年{par}",
        "c_sensitivity": "{name}是影响最大的参数（{index} = {v}）。",
    },
}


@dataclass
class Figure:
    """A report figure.

    Attributes
    ----------
    name : str
        Short name (``supply_demand``, ``waterfall``, ...).
    title : str
        Title of the figure in the report.
    caption : str
        One sentence with the main reading and its numbers.
    figure : matplotlib.figure.Figure
        The drawing (Agg canvas; save with ``figure.savefig``).
    """

    name: str
    title: str
    caption: str
    figure: MplFigure


# --------------------------------------------------------------------------------------------
# helpers


def format_number(x: float) -> str:
    """Format a number for a caption: 1 decimal from 10 up, else 2; two significant digits below 0.1.

    Parameters
    ----------
    x : float
        The number.

    Returns
    -------
    str
        E.g. ``30.8``, ``5.93``, ``0.044``, ``0.0012``, ``0.00``; at most 4 decimals; ``nan``
        for NaN.
    """
    x = float(x)
    if not math.isfinite(x):
        return "nan"
    a = abs(x)
    if a >= 10:
        return f"{x:.1f}"
    if a >= 0.1 or a < 1e-12:
        return f"{x:.2f}" if a >= 1e-12 else "0.00"
    digits = min(1 - math.floor(math.log10(a)), 4)
    return f"{x:.{digits}f}"


def cjk_font() -> str | None:
    """Return the name of a CJK font known to matplotlib's font manager, or None.

    Returns
    -------
    str or None
        The first family matching :data:`CJK_FONT_PATTERNS`.
    """
    from matplotlib import font_manager

    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    for pattern in CJK_FONT_PATTERNS:
        for name in names:
            if pattern.lower() in name.lower():
                return name
    return None


def check_language(lang: str) -> None:
    """Raise :class:`InputError` now if a report in ``lang`` cannot be drawn (before a run)."""
    _rc(lang)


def _rc(lang: str) -> dict[str, Any]:
    if lang not in TEXT:
        raise InputError(f"config key 'report.lang': expected one of {', '.join(TEXT)}, got {lang!r}")
    if lang != "zh":
        return {}
    font = cjk_font()
    if font is None:
        raise InputError(
            "config key 'report.lang': zh needs a CJK font known to matplotlib (none of Noto Sans CJK, WenQuanYi, SimHei, "
            "Source Han, ... found); install one, e.g. on Debian/Ubuntu `apt install fonts-noto-cjk`, "
            "then delete matplotlib's font cache (~/.cache/matplotlib) so that it is found"
        )
    # concrete family names (not "sans-serif"): a Text keeps them, so the figure still draws
    # with the CJK font when it is saved after this rc context has ended
    return {"font.family": [font, "DejaVu Sans"], "axes.unicode_minus": False}


@contextmanager
def _style(lang: str) -> Iterator[None]:
    with matplotlib.rc_context(_rc(lang)):
        yield


def _figure_function(fn: Callable[..., Figure | None]) -> Callable[..., Figure | None]:
    """Check ``lang`` (and the CJK font for zh) and draw inside the matching rc settings."""

    @functools.wraps(fn)
    def wrapper(ds: xr.Dataset, lang: str = "en", **kwargs: Any) -> Figure | None:
        with _style(lang):
            return fn(ds, lang, **kwargs)

    return wrapper


def _t(lang: str, key: str, **kw: Any) -> str:
    text = TEXT[lang][key]
    units = {k: TEXT[lang][k] for k in ("vol_a", "vol", "yuan_m3")}
    return text.format(**{**units, **kw})


def _new_figure(nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (7.0, 4.5)) -> tuple:
    fig = MplFigure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def target_year(ds: xr.Dataset) -> int:
    """Return the year the report shows: ``comparison.target_year`` of the run, else the last year.

    Parameters
    ----------
    ds : xarray.Dataset
        Results of :func:`sim.simulate` (``time`` coordinate; the config in ``attrs["config"]``).

    Returns
    -------
    int
        The target year.
    """
    years = sorted({int(y) for y in ds["time"].dt.year.values})
    try:
        cfg = yaml.safe_load(ds.attrs.get("config", "")) or {}
        year = (cfg.get("comparison") or {}).get("target_year")
    except (yaml.YAMLError, AttributeError):
        year = None
    return int(year) if year is not None and int(year) in years else years[-1]


def _scenarios(ds: xr.Dataset) -> tuple[str, str]:
    names = [str(s) for s in ds["scenario"].values]
    base = "baseline" if "baseline" in names else names[0]
    others = [s for s in names if s != base]
    return base, (others[-1] if others else base)


def _no_sweep(ds: xr.Dataset) -> xr.Dataset:
    return ds.isel(sweep=0) if "sweep" in ds.dims else ds


def _select(ds: xr.Dataset, which: str = "normal") -> tuple[xr.Dataset, float | None]:
    """First sweep member; the design year nearest P = 50 % (``normal``) or the driest (``dry``)."""
    ds = _no_sweep(ds)
    if "frequency" not in ds.dims:
        return ds, None
    f = np.asarray(ds["frequency"].values, dtype=float)
    i = int(np.argmax(f)) if which == "dry" else int(np.argmin(np.abs(f - 0.5)))
    return ds.isel(frequency=i), float(f[i])


def _pnote(lang: str, p: float | None) -> str:
    return "" if p is None else _t(lang, "p", p=100 * p)


def _msample(da: xr.DataArray) -> xr.DataArray:
    return da.mean("sample") if "sample" in da.dims else da


def _annual(da: xr.DataArray) -> xr.DataArray:
    return da.groupby(da["time"].dt.year).sum("time")


def _conventional(delivery: xr.DataArray) -> xr.DataArray:
    """Delivery from the conventional sources, summed over them."""
    src = [s for s in delivery["source"].values if str(s) in CONVENTIONAL]
    return delivery.sel(source=src).sum("source")


def _use_by_year(ds: xr.Dataset) -> xr.DataArray:
    """Conventional use [10⁸ m³/a] by (scenario, [sample,] year)."""
    return _annual(_conventional(ds["delivery"])).sum(("unit", "sector")) / HM3_PER_YI


def _by_sample_year(ds: xr.Dataset, name: str) -> xr.DataArray:
    """Annual totals of each sample of ``name`` [hm3/a].

    From ``<name>_annual`` when the run kept a summary of its samples
    (``hydrology.keep=summary``), else summed from the steps.
    """
    if f"{name}_annual" in ds:
        return ds[f"{name}_annual"]
    return _annual(ds[name])


def _use_by_sample_year(ds: xr.Dataset) -> xr.DataArray:
    """Conventional use [10⁸ m³/a] by (scenario, sample, year)."""
    return _conventional(_by_sample_year(ds, "delivery")).sum(("unit", "sector")) / HM3_PER_YI


def _region_cap(ds: xr.Dataset) -> float | None:
    if "cap_limit" in ds and "cap" in ds.dims and "region" in [str(c) for c in ds["cap"].values]:
        return float(ds["cap_limit"].sel(cap="region")) / HM3_PER_YI
    return None


def _attribution(ds: xr.Dataset) -> str | None:
    for var in ("saving_shapley", "saving_one_at_a_time"):
        if var in ds and "measure" in ds.dims and ds.sizes["measure"] > 0:
            return var
    return None


def _basin(name: str, lang: str) -> str:
    return BASINS_EN.get(name, name) if lang == "en" else name


def _group(name: str, lang: str) -> str:
    return GROUPS_ZH.get(name, name) if lang == "zh" else name


def _source(name: str, lang: str) -> str:
    return SOURCES_ZH.get(name, name) if lang == "zh" else name


def _units(ds: xr.Dataset, lang: str) -> list[str]:
    if lang == "zh" and "unit_name" in ds.coords:
        return [str(n) for n in ds["unit_name"].values]
    return [str(u) for u in ds["unit"].values]


def _league(name: str) -> tuple[str, str, tuple[int, int]] | None:
    key = name.strip()
    for zh, en, pos in LEAGUES:
        stem = zh.removesuffix("盟")
        if key in (zh, stem, stem + "市") or key.lower() == en.lower():
            return zh, en, pos
    return None


def _step(ds: xr.Dataset, lang: str) -> str:
    step = str(ds.attrs.get("time_step", "month"))
    if lang == "zh":
        step = {"month": "月", "day": "日"}.get(step, step)
    return _t(lang, "vol_step", step=step)


# --------------------------------------------------------------------------------------------
# section 2


@_figure_function
def fig_supply_demand(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Stacked bars of delivery by source, base and target year, per basin and per sector group.

    One bar per year and scenario; one row of panels per design year when the run has them.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``delivery`` (and ``basin`` on ``unit``, ``sector_group`` on ``sector``).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without ``delivery``.
    """
    if "delivery" not in ds:
        return None
    d0 = _no_sweep(ds)
    base, scn = _scenarios(d0)
    y0, y1 = int(d0["time"].dt.year.values[0]), target_year(d0)
    years = sorted({y0, y1})
    scenarios = [base] + [s for s in (str(x) for x in d0["scenario"].values) if s != base]
    annual = _msample(_annual(d0["delivery"]).sel(year=years)) / HM3_PER_YI
    sources = [str(s) for s in annual["source"].values if float(np.abs(annual.sel(source=s)).sum()) > 0]
    sources = sources or [str(s) for s in annual["source"].values]
    annual = annual.sel(source=sources)
    by_basin = annual.sum("sector").groupby("basin").sum("unit") if "basin" in annual.coords else None
    grouped = annual.sum("unit")
    grouped = grouped.groupby("sector_group").sum("sector") if "sector_group" in grouped.coords else grouped
    group_dim = "sector_group" if "sector_group" in grouped.dims else "sector"
    freqs = list(d0["frequency"].values) if "frequency" in d0.dims else [None]
    panels = [("basin", by_basin), (group_dim, grouped)] if by_basin is not None else [(group_dim, grouped)]
    nbars = max(d.sizes[dim] for dim, d in panels) * len(years) * len(scenarios)
    fig, axes = _new_figure(len(freqs), len(panels), (max(6.0, 0.32 * nbars + 2.0), 4.8))
    abbr = {
        s: ("B" if s == base else "S" if len(scenarios) == 2 else f"S{i}") for i, s in enumerate(scenarios)
    }
    names = [_source(s, lang) for s in sources]
    for r, f in enumerate(freqs):
        for c, (dim, data) in enumerate(panels):
            da = data if f is None else data.sel(frequency=f)
            cats, groups, rows = [], [], []
            for g in [str(v) for v in da[dim].values]:
                label = _basin(g, lang) if dim == "basin" else _group(g, lang)
                for y in years:
                    for s in scenarios:
                        cats.append(f"{y}\n{abbr[s]}")
                        groups.append(label)
                        rows.append(da.sel({dim: g, "year": y, "scenario": s}).transpose("source").values)
            what = TEXT[lang]["basin" if dim == "basin" else "sector_group"]
            title = TEXT[lang]["by_basin" if dim == "basin" else "by_group"] + _pnote(lang, f)
            plots.plot_stacked_bars(
                np.array(rows),
                cats,
                names,
                groups=groups,
                ax=axes[r, c],
                title=title,
                xlabel="\n\n" + _t(lang, "bars_x", what=what, scenario=scn),
                ylabel=_t(lang, "delivery"),
                legend=(r == 0 and c == 0),
            )
    ref, p = _select(ds, "normal")
    tot = _msample(_annual(ref["delivery"].sel(scenario=scn))).sum(("unit", "sector")) / HM3_PER_YI
    v1 = float(tot.sel(year=y1).sum("source"))
    surface = float(tot.sel(year=y1, source="surface")) if "surface" in tot["source"].values else 0.0
    caption = _t(
        lang,
        "c_supply_demand",
        scenario=scn,
        v0=format_number(float(tot.sel(year=y0).sum("source"))),
        y0=y0,
        v1=format_number(v1),
        y1=y1,
        p=_pnote(lang, p),
        share=f"{100 * surface / v1:.1f}" if v1 > 0 else "0.0",
    )
    title = _t(lang, "t_supply_demand")
    fig.suptitle(title)
    return Figure("supply_demand", title, caption, fig)


# --------------------------------------------------------------------------------------------
# section 3


@_figure_function
def fig_waterfall(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Waterfall from baseline use to scenario use through each measure's saving, target year.

    Withdrawal (conventional sources) and consumption side by side; each measure lowers use by its
    Shapley saving (with one-at-a-time attribution, its one-at-a-time saving plus an interaction
    step that closes the balance).

    Parameters
    ----------
    ds : xarray.Dataset
        Results of a run with measures (``saving_shapley`` or ``saving_one_at_a_time``).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without measures.
    """
    var = _attribution(ds)
    base, scn = _scenarios(ds)
    if var is None or scn == base:
        return None
    d, p = _select(ds, "normal")
    y = target_year(d)
    w = _msample(_annual(_conventional(d["delivery"])).sel(year=y)).sum(("unit", "sector")) / HM3_PER_YI
    c = _msample(_annual(d["consumption"]).sel(year=y)).sum(("unit", "sector")) / HM3_PER_YI
    start = np.array([float(w.sel(scenario=base)), float(c.sel(scenario=base))])
    end = np.array([float(w.sel(scenario=scn)), float(c.sel(scenario=scn))])
    sav = _msample(d[var].sel(year=y)).sum(("unit", "sector")).sel(kind=list(KINDS)) / HM3_PER_YI
    sav = sav.transpose("measure", "kind")
    order = np.argsort(-sav.sel(kind="withdrawal").values, kind="stable")
    steps = [str(sav["measure"].values[i]) for i in order]
    changes = sav.values[order]
    if var == "saving_one_at_a_time":
        steps.append("interaction")
        changes = np.vstack([changes, (start - end) - changes.sum(axis=0)])
    if "saving_combined" in d:
        comb = _msample(d["saving_combined"].sel(year=y)).sum(("unit", "sector")) / HM3_PER_YI
        total = [float(comb.sel(kind=k)) for k in KINDS]
    else:
        total = list(start - end)
    title = _t(lang, "t_waterfall", year=y) + _pnote(lang, p)
    ax = plots.new_axes((max(7.0, 1.0 + 0.9 * (len(steps) + 2)), 4.8))
    plots.plot_waterfall(
        steps,
        changes,
        start,
        end,
        [TEXT[lang]["withdrawal"], TEXT[lang]["consumption"]],
        start_label=TEXT[lang]["baseline"],
        end_label=scn,
        saving_label=TEXT[lang]["saving"],
        increase_label=TEXT[lang]["increase"],
        ax=ax,
        title=title,
        xlabel=TEXT[lang]["baseline"] + " → " + scn,
        ylabel=_t(lang, "wf_axis"),
    )
    top = int(np.argmax(sav.sel(kind="withdrawal").values))
    caption = _t(
        lang,
        "c_waterfall",
        scenario=scn,
        w=format_number(total[0]),
        c=format_number(total[1]),
        year=y,
        p=_pnote(lang, p),
        top=str(sav["measure"].values[top]),
        topw=format_number(float(sav.sel(kind="withdrawal").values[top])),
    )
    return Figure("waterfall", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------
# section 4


def _savings_by(ds: xr.Dataset, lang: str, by: str) -> Figure | None:
    var = _attribution(ds)
    coord = "sector_group" if by == "sector" else "basin"
    if var is None or coord not in ds.coords:
        return None
    d, p = _select(ds, "normal")
    y = target_year(d)
    sav = _msample(d[var].sel(year=y)) / HM3_PER_YI
    if by == "sector":
        sav = sav.sum("unit").groupby("sector_group").sum("sector")
    else:
        sav = sav.sum("sector").groupby("basin").sum("unit")
    groups = [str(g) for g in sav[coord].values]
    labels = [_group(g, lang) if by == "sector" else _basin(g, lang) for g in groups]
    measures = [str(m) for m in sav["measure"].values]
    name = f"savings_by_{by}"
    title = _t(lang, f"t_{name}", year=y) + _pnote(lang, p)
    fig, axes = _new_figure(1, 2, (max(5.5, 1.2 * len(groups) + 2), 4.5))
    for i, kind in enumerate(KINDS):
        vals = sav.sel(kind=kind).transpose(coord, "measure").values
        plots.plot_stacked_bars(
            vals,
            labels,
            measures,
            ax=axes[0, i],
            title=TEXT[lang][kind],
            xlabel=TEXT[lang][coord],
            ylabel=_t(lang, "saving_axis", kind=TEXT[lang][kind]),
            legend=i == 0,
        )
    fig.suptitle(title)
    wg = sav.sel(kind="withdrawal").sum("measure")
    k = int(np.argmax(wg.values))
    caption = _t(
        lang,
        f"c_{name}",
        name=labels[k],
        part=format_number(float(wg.values[k])),
        w=format_number(float(wg.sum())),
        year=y,
        p=_pnote(lang, p),
    )
    return Figure(name, title, caption, fig)


@_figure_function
def fig_savings_by_sector(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Withdrawal and consumption savings by sector group in the target year, stacked by measure.

    Parameters
    ----------
    ds : xarray.Dataset
        Results of a run with measures and the ``sector_group`` coordinate.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without measures.
    """
    return _savings_by(ds, lang, "sector")


@_figure_function
def fig_savings_by_basin(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Withdrawal and consumption savings by basin in the target year, stacked by measure.

    Parameters
    ----------
    ds : xarray.Dataset
        Results of a run with measures and the ``basin`` coordinate.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without measures.
    """
    return _savings_by(ds, lang, "basin")


@_figure_function
def fig_time_path(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Conventional use per year of the baseline and the scenario against the region cap.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``delivery``; the cap line from ``cap_limit.sel(cap="region")`` when present.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without ``delivery``.
    """
    if "delivery" not in ds:
        return None
    d, p = _select(ds, "normal")
    base, scn = _scenarios(d)
    y = target_year(d)
    use = _msample(_use_by_year(d))
    cap = _region_cap(d)
    names = [base] if scn == base else [base, scn]
    lines = {(TEXT[lang]["baseline"] if s == base else s): use.sel(scenario=s).values for s in names}
    title = _t(lang, "t_time_path") + _pnote(lang, p)
    ax = plots.plot_time_path(
        use["year"].values,
        lines,
        cap=cap,
        cap_label=TEXT[lang]["region_cap"],
        title=title,
        xlabel=TEXT[lang]["year"],
        ylabel=_t(lang, "use_axis"),
    )
    cap_text = _t(lang, "cap_vs", cap=format_number(cap)) if cap is not None else TEXT[lang]["cap_none"]
    key = "c_time_path_base" if scn == base else "c_time_path"
    caption = _t(
        lang,
        key,
        year=y,
        p=_pnote(lang, p),
        b=format_number(float(use.sel(scenario=base, year=y))),
        s=format_number(float(use.sel(scenario=scn, year=y))),
        scenario=scn,
        cap=cap_text,
    )
    return Figure("time_path", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------
# section 5


@_figure_function
def fig_shortage_heatmap(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Heatmap unit × month of the scenario's shortage in the target year (driest design year).

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``shortage``.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without ``shortage``.
    """
    if "shortage" not in ds:
        return None
    d, p = _select(ds, "dry")
    _, scn = _scenarios(d)
    y = target_year(d)
    s = d["shortage"].sel(scenario=scn)
    s = _msample(s.isel(time=np.flatnonzero(s["time"].dt.year.values == y))).sum("sector")
    s = s.groupby(s["time"].dt.month).sum("time").transpose("unit", "month") / HM3_PER_YI
    units = _units(d, lang)
    months = [int(m) for m in s["month"].values]
    title = _t(lang, "t_shortage_heatmap", scenario=scn, year=y) + _pnote(lang, p)
    ax = plots.new_axes((8.0, max(3.5, 0.3 * len(units) + 1.5)))
    plots.plot_heatmap(
        s.values,
        units,
        months,
        ax=ax,
        cmap="Reds",
        cbar_label=_t(lang, "shortage_axis", vol_step=_step(d, lang)),
        vmin=0.0,
        title=title,
        xlabel=TEXT[lang]["month"],
        ylabel=TEXT[lang]["unit"],
    )
    total = float(s.sum())
    if total * HM3_PER_YI > NEGLIGIBLE_HM3:
        i, j = np.unravel_index(int(np.argmax(s.values)), s.shape)
        caption = _t(
            lang,
            "c_shortage_heatmap",
            year=y,
            p=_pnote(lang, p),
            scenario=scn,
            total=format_number(total),
            unit=units[i],
            month=months[j],
            max=format_number(float(s.values[i, j])),
        )
    else:
        caption = _t(lang, "c_shortage_heatmap_none", year=y, p=_pnote(lang, p), scenario=scn)
    return Figure("shortage_heatmap", title, caption, ax.figure)


@_figure_function
def fig_reliability(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Time reliability by unit (least reliable sector), per design year or per scenario.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``reliability_time`` (scenario, sample, [frequency,] unit, sector).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without ``reliability_time``.
    """
    if "reliability_time" not in ds:
        return None
    d = _no_sweep(ds)
    base, scn = _scenarios(d)
    rel = _msample(d["reliability_time"])
    worst = rel.min("sector")
    units = _units(d, lang)
    if "frequency" in rel.dims:
        freqs = [float(f) for f in rel["frequency"].values]
        series = {f"P = {100 * f:.0f} %": worst.sel(scenario=scn, frequency=f).values for f in freqs}
        pick, p = rel.sel(scenario=scn).isel(frequency=int(np.argmax(freqs))), max(freqs)
    else:
        names = [base] if scn == base else [base, scn]
        series = {(TEXT[lang]["baseline"] if s == base else s): worst.sel(scenario=s).values for s in names}
        pick, p = rel.sel(scenario=scn), None
    title = _t(lang, "t_reliability") + (f" ({scn})" if "frequency" in rel.dims else "")
    ax = plots.new_axes((max(7.0, 0.45 * len(units) * max(1, len(series) / 2) + 2), 4.5))
    plots.plot_grouped_bars(
        units,
        series,
        ax=ax,
        ylim=(0.0, 1.05),
        title=title,
        xlabel=TEXT[lang]["unit"],
        ylabel=TEXT[lang]["reliability_axis"],
    )
    low = pick.min("sector").transpose("unit").values
    if np.all(low >= 1.0):
        caption = _t(lang, "c_reliability_all", scenario=scn, p=_pnote(lang, p), m=len(units))
        return Figure("reliability", title, caption, ax.figure)
    i = int(np.nanargmin(low))
    sector = str(pick["sector"].values[int(np.nanargmin(pick.transpose("unit", "sector").values[i]))])
    caption = _t(
        lang,
        "c_reliability",
        scenario=scn,
        p=_pnote(lang, p),
        r=format_number(float(low[i])),
        unit=units[i],
        sector=sector,
        n=int(np.sum(low >= 1.0)),
        m=len(units),
    )
    return Figure("reliability", title, caption, ax.figure)


@_figure_function
def fig_league_map(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Tile-grid map of the leagues coloured by the scenario's shortage rate in the target year.

    Inner Mongolia's twelve leagues are placed roughly west → east (:data:`LEAGUES`); any other
    league gets a tile in a row of its own below them.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``shortage``, ``requirement`` and the ``league`` coordinate on ``unit``.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without the ``league`` coordinate.
    """
    if "league" not in ds.coords or "shortage" not in ds:
        return None
    d, p = _select(ds, "dry")
    _, scn = _scenarios(d)
    y = target_year(d)
    pair = xr.Dataset({"s": d["shortage"].sel(scenario=scn), "r": d["requirement"].sel(scenario=scn)})
    pair = _msample(_annual(pair.sum("sector")).sel(year=y))
    pair = pair.groupby("league").sum("unit")
    rate = 100 * pair["s"] / pair["r"].where(pair["r"] > 0)
    leagues = [str(v) for v in rate["league"].values]
    known = {name: _league(name) for name in leagues}
    extra_row = 1 + max((pos[1] for _, _, pos in LEAGUES), default=0)
    positions, labels, col = [], [], 0
    for name in leagues:
        hit = known[name]
        if hit is not None:
            positions.append(hit[2])
            shown = hit[1] if lang == "en" else hit[0]
        else:
            positions.append((col, extra_row))
            col += 1
            shown = name
        v = float(rate.sel(league=name))
        labels.append(f"{shown}\n{v:.1f}%" if math.isfinite(v) else shown)
    title = _t(lang, "t_league_map", scenario=scn, year=y) + _pnote(lang, p)
    finite = rate.values[np.isfinite(rate.values)]
    ax = plots.plot_tile_map(
        rate.values,
        positions,
        labels,
        cmap="Reds",
        vmin=0.0,
        vmax=max(1.0, float(finite.max()) if finite.size else 0.0),
        cbar_label=TEXT[lang]["rate_axis"],
        title=title,
        xlabel=TEXT[lang]["west_east"],
        ylabel=TEXT[lang]["south_north"],
    )
    vals = np.nan_to_num(rate.values, nan=0.0)
    if round(float(vals.max()), 1) > 0:
        k = int(np.argmax(vals))
        hit = known[leagues[k]]
        name = leagues[k] if hit is None else (hit[1] if lang == "en" else hit[0])
        caption = _t(
            lang, "c_league_map", year=y, p=_pnote(lang, p), scenario=scn, league=name, rate=f"{vals[k]:.1f}"
        )
    else:
        caption = _t(lang, "c_league_map_none", year=y, p=_pnote(lang, p), scenario=scn)
    return Figure("league_map", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------
# section 6


@_figure_function
def fig_groundwater(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Aquifer storage by unit (units with overdraft highlighted) and the cumulative overdraft.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with ``aquifer_storage`` and ``overdraft`` (``cumulative_overdraft`` if present).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without ``aquifer_storage``.
    """
    if "aquifer_storage" not in ds or "overdraft" not in ds:
        return None
    d, p = _select(ds, "normal")
    base, scn = _scenarios(d)
    units = _units(d, lang)
    storage = _msample(d["aquifer_storage"].sel(scenario=scn)).transpose("time", "unit") / HM3_PER_YI
    over = _msample(d["overdraft"].sel(scenario=scn)).sum("time").transpose("unit").values
    hot = [u for u, o in zip(units, over, strict=True) if o > 0]
    cum = d["cumulative_overdraft"] if "cumulative_overdraft" in d else d["overdraft"].cumsum("time")
    cum = _msample(cum).sum("unit") / HM3_PER_YI
    names = [base] if scn == base else [base, scn]
    title = _t(lang, "t_groundwater") + _pnote(lang, p)
    fig, axes = _new_figure(1, 2, (6.5, 4.5))
    t = d["time"].values
    plots.plot_trajectories(
        t,
        {u: storage.values[:, i] for i, u in enumerate(units)},
        highlight=hot,
        ax=axes[0, 0],
        title=_t(lang, "t_storage", scenario=scn),
        xlabel=TEXT[lang]["time"],
        ylabel=TEXT[lang]["storage_axis"],
    )
    plots.plot_time_path(
        t,
        {(TEXT[lang]["baseline"] if s == base else s): cum.sel(scenario=s).values for s in names},
        ax=axes[0, 1],
        title=_t(lang, "t_cum"),
        xlabel=TEXT[lang]["time"],
        ylabel=TEXT[lang]["cum_axis"],
    )
    for ax in axes[0]:
        for label in ax.get_xticklabels():
            label.set_rotation(30)
    fig.suptitle(title)
    caption = _t(
        lang,
        "c_groundwater",
        n=len(hot),
        m=len(units),
        scenario=scn,
        p=_pnote(lang, p),
        cum=format_number(float(cum.sel(scenario=scn).isel(time=-1))),
        base=""
        if scn == base
        else _t(lang, "gw_base", b=format_number(float(cum.sel(scenario=base).isel(time=-1)))),
    )
    return Figure("groundwater", title, caption, fig)


# --------------------------------------------------------------------------------------------
# section 7


@_figure_function
def fig_cost_curve(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Cost curve of the measures in the target year against the gap to the region cap.

    Bar width: the measure's withdrawal saving (attribution of the run, summed over units and
    sectors) [10⁸ m³/a]; height: ``cost_per_m3_withdrawal`` [yuan/m³]; cheapest first. The
    vertical line is baseline conventional use minus the region cap (when the pack has one).

    Parameters
    ----------
    ds : xarray.Dataset
        Results of a run with measures (``cost_per_m3_withdrawal``).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without measures or costs.
    """
    var = _attribution(ds)
    if var is None or "cost_per_m3_withdrawal" not in ds:
        return None
    d, p = _select(ds, "normal")
    base, _ = _scenarios(d)
    y = target_year(d)
    vol = _msample(d[var].sel(kind="withdrawal", year=y)).sum(("unit", "sector")) / HM3_PER_YI
    cost = _msample(d["cost_per_m3_withdrawal"].sel(year=y)).transpose("measure")
    names = [str(m) for m in vol["measure"].values]
    cap = _region_cap(d)
    gap = None
    if cap is not None:
        gap = float(_msample(_use_by_year(d)).sel(scenario=base, year=y)) - cap
    title = _t(lang, "t_cost_curve", year=y) + _pnote(lang, p)
    ax = plots.plot_cost_curve(
        names,
        vol.values,
        cost.values,
        gap=gap if gap is not None and gap > 0 else None,
        gap_label=TEXT[lang]["gap"],
        title=title,
        xlabel=_t(lang, "cost_x"),
        ylabel=_t(lang, "cost_y"),
    )
    ok = np.isfinite(cost.values) & (vol.values > 0)
    positive = cost.values[ok & (cost.values > 0)]
    if positive.size > 1 and positive.max() > 20 * np.median(positive):
        ax.set_yscale("log")  # a few very costly measures would flatten the others
    gap_text = ""
    if gap is not None:
        gap_text = _t(lang, "gap_pos" if gap > 0 else "gap_neg", gap=format_number(abs(gap)))
    if ok.any():
        k = int(np.argmin(np.where(ok, cost.values, np.inf)))
        caption = _t(
            lang,
            "c_cost_curve",
            v=format_number(float(vol.values[ok].sum())),
            year=y,
            p=_pnote(lang, p),
            m=names[k],
            c=format_number(float(cost.values[k])),
            gap=gap_text,
        )
    else:
        caption = _t(lang, "c_cost_curve_none", year=y, p=_pnote(lang, p), gap=gap_text)
    return Figure("cost_curve", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------
# section 8


def _has_samples(ds: xr.Dataset) -> bool:
    return "sample" in ds.dims and ds.sizes["sample"] > 1


@_figure_function
def fig_fan_total_use(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Fan chart of the scenario's conventional use per year over the samples.

    Parameters
    ----------
    ds : xarray.Dataset
        Results of an ensemble run (``sample`` longer than 1).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None with fewer than two samples.
    """
    if not _has_samples(ds) or "delivery" not in ds:
        return None
    d, p = _select(ds, "normal")
    _, scn = _scenarios(d)
    y = target_year(d)
    use = _use_by_sample_year(d).sel(scenario=scn).transpose("sample", "year")
    q = {k: np.quantile(use.values, k / 100, axis=0) for k in (5, 25, 50, 75, 95)}
    n = use.sizes["sample"]
    title = _t(lang, "t_fan_total_use", n=n, scenario=scn) + _pnote(lang, p)
    years = use["year"].values
    ax = plots.plot_fan(
        years,
        q[5],
        q[25],
        q[50],
        q[75],
        q[95],
        band_labels=tuple(TEXT[lang]["bands"].split("|")),
        title=title,
        xlabel=TEXT[lang]["year"],
        ylabel=_t(lang, "use_axis"),
    )
    cap = _region_cap(d)
    if cap is not None:
        ax.axhline(cap, color=plots.CAP_COLOR, linestyle="--", label=TEXT[lang]["region_cap"])
        ax.legend(fontsize="small")
    i = int(np.flatnonzero(years == y)[0])
    caption = _t(
        lang,
        "c_fan_total_use",
        year=y,
        p=_pnote(lang, p),
        scenario=scn,
        p5=format_number(q[5][i]),
        p95=format_number(q[95][i]),
        p50=format_number(q[50][i]),
        n=n,
    )
    return Figure("fan_total_use", title, caption, ax.figure)


@_figure_function
def fig_exceedance_shortage(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Exceedance curve of the annual shortage over the samples in the target year.

    Exceedance probability of the i-th largest of n values: i / (n + 1) (Weibull).

    Parameters
    ----------
    ds : xarray.Dataset
        Results of an ensemble run (``sample`` longer than 1).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None with fewer than two samples.
    """
    if not _has_samples(ds) or "shortage" not in ds:
        return None
    d, p = _select(ds, "normal")
    base, scn = _scenarios(d)
    y = target_year(d)
    short = _by_sample_year(d, "shortage").sel(year=y).sum(("unit", "sector")) / HM3_PER_YI
    n = short.sizes["sample"]
    title = _t(lang, "t_exceedance_shortage", year=y) + _pnote(lang, p)
    ax = plots.new_axes()
    names = [base] if scn == base else [base, scn]
    for s in names:
        v = np.sort(short.sel(scenario=s).values)[::-1]
        prob = np.arange(1, n + 1) / (n + 1)
        plots.plot_exceedance(
            v,
            prob,
            label=TEXT[lang]["baseline"] if s == base else s,
            ax=ax,
            title=title,
            xlabel=TEXT[lang]["exc_x"],
            ylabel=_t(lang, "exc_y"),
        )
    v = short.sel(scenario=scn).values
    caption = _t(
        lang,
        "c_exceedance_shortage",
        year=y,
        p=_pnote(lang, p),
        scenario=scn,
        p50=format_number(float(np.quantile(v, 0.5))),
        p10=format_number(float(np.quantile(v, 0.9))),
        n=n,
    )
    return Figure("exceedance_shortage", title, caption, ax.figure)


def fig_exceedance_total_use(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Exceedance curve of the annual conventional use over the samples, against the region cap.

    Exceedance probability of the i-th largest of n values: i / (n + 1) (Weibull).

    Parameters
    ----------
    ds : xarray.Dataset
        Results of an ensemble run (``sample`` longer than 1).
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None with fewer than two samples.
    """
    if not _has_samples(ds) or "delivery" not in ds:
        return None
    d, p = _select(ds, "normal")
    base, scn = _scenarios(d)
    y = target_year(d)
    use = _use_by_sample_year(d).sel(year=y)
    n = use.sizes["sample"]
    title = _t(lang, "t_exceedance_use", year=y) + _pnote(lang, p)
    ax = plots.new_axes()
    for s in [base] if scn == base else [base, scn]:
        v = np.sort(use.sel(scenario=s).values)[::-1]
        plots.plot_exceedance(
            v,
            np.arange(1, n + 1) / (n + 1),
            label=TEXT[lang]["baseline"] if s == base else s,
            ax=ax,
            title=title,
            xlabel=TEXT[lang]["exc_x"],
            ylabel=_t(lang, "exc_use_y"),
        )
    cap = _region_cap(d)
    v = use.sel(scenario=scn).values
    cap_text = ""
    if cap is not None:
        ax.axhline(cap, color="k", linestyle="--", linewidth=1.0)
        share = float(np.mean(v > cap))
        cap_text = _t(lang, "cap_share", cap=format_number(cap), share=f"{share:.0%}")
    caption = _t(
        lang,
        "c_exceedance_use",
        year=y,
        p=_pnote(lang, p),
        scenario=scn,
        p50=format_number(float(np.quantile(v, 0.5))),
        p10=format_number(float(np.quantile(v, 0.9))),
        n=n,
        cap=cap_text,
    )
    return Figure("exceedance_total_use", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------
# section 9


def _sweep_params(ds: xr.Dataset) -> list[str]:
    """Numeric coordinates along ``sweep`` that vary; else ``sweep`` itself."""
    params = []
    for name, c in ds.coords.items():
        numeric = c.dims == ("sweep",) and np.issubdtype(c.dtype, np.number)
        if name != "sweep" and numeric and len(np.unique(c.values)) > 1:
            params.append(str(name))
    return params or ["sweep"]


def _sweep_x(ds: xr.Dataset, name: str, lang: str) -> tuple[np.ndarray, str]:
    c = ds[name]
    if np.issubdtype(c.dtype, np.number):
        return np.asarray(c.values, dtype=float), name
    return np.arange(ds.sizes["sweep"], dtype=float), TEXT[lang]["sweep_index"]


def _sweep_metric(ds: xr.Dataset, lang: str) -> tuple[xr.DataArray, str, str, float | None]:
    """Withdrawal saving (or conventional use) of the scenario by (sweep, year) [10⁸ m³/a]."""
    d = ds
    p = None
    if "frequency" in d.dims:
        f = np.asarray(d["frequency"].values, dtype=float)
        i = int(np.argmin(np.abs(f - 0.5)))
        d, p = d.isel(frequency=i), float(f[i])
    _, scn = _scenarios(d)
    if "withdrawal_saving" in d:
        m = d["withdrawal_saving"].sel(scenario=scn).sum(("unit", "sector")) / HM3_PER_YI
        label = TEXT[lang]["metric_saving"]
    else:
        m = _use_by_year(d).sel(scenario=scn)
        label = TEXT[lang]["metric_use"]
    return _msample(m).transpose("sweep", "year"), label, scn, p


@_figure_function
def fig_sweep_response(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Response of the withdrawal saving (or conventional use) in the target year to a sweep.

    x: the first numeric coordinate along ``sweep`` (the sweep's own values, or its index when
    they are not numeric); with a second coordinate, one line per value of it.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with a ``sweep`` dim.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without a ``sweep`` dim.
    """
    if "sweep" not in ds.dims or "delivery" not in ds:
        return None
    metric, label, scn, p = _sweep_metric(ds, lang)
    y = target_year(ds)
    vals = metric.sel(year=y).values
    params = _sweep_params(ds)
    x, xname = _sweep_x(ds, params[0], lang)
    if len(params) > 1:
        second = ds[params[1]].values
        lines = {f"{params[1]} = {v:g}": np.where(second == v, vals, np.nan) for v in np.unique(second)}
    else:
        lines = {label: vals}
    title = _t(lang, "t_sweep_response", year=y) + _pnote(lang, p)
    ax = plots.plot_response(x, lines, title=title, xlabel=xname, ylabel=f"{label} [{TEXT[lang]['vol_a']}]")
    caption = _t(
        lang,
        "c_sweep_response",
        param=xname,
        x0=f"{np.nanmin(x):g}",
        x1=f"{np.nanmax(x):g}",
        metric=label,
        scenario=scn,
        year=y,
        lo=format_number(float(np.nanmin(vals))),
        hi=format_number(float(np.nanmax(vals))),
    )
    return Figure("sweep_response", title, caption, ax.figure)


@_figure_function
def fig_sweep_heatmap(ds: xr.Dataset, lang: str = "en") -> Figure | None:
    """Heatmap of the withdrawal saving (or conventional use) over a sweep.

    With two numeric coordinates along ``sweep``: first × second in the target year (mean of
    members sharing a cell); with one: the swept value × year.

    Parameters
    ----------
    ds : xarray.Dataset
        Results with a ``sweep`` dim.
    lang : {"en", "zh"}
        Language of labels and caption.

    Returns
    -------
    Figure or None
        None without a ``sweep`` dim.
    """
    if "sweep" not in ds.dims or "delivery" not in ds:
        return None
    metric, label, scn, p = _sweep_metric(ds, lang)
    y = target_year(ds)
    params = _sweep_params(ds)
    x, xname = _sweep_x(ds, params[0], lang)
    if len(params) > 1:
        second = np.asarray(ds[params[1]].values, dtype=float)
        cols, rows = np.unique(x), np.unique(second)
        vals = metric.sel(year=y).values
        grid = np.full((len(rows), len(cols)), np.nan)
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                hit = (second == r) & (x == c)
                if hit.any():
                    grid[i, j] = vals[hit].mean()
        row_labels, col_labels = [f"{r:g}" for r in rows], [f"{c:g}" for c in cols]
        xl, yl = xname, params[1]
        i, j = np.unravel_index(int(np.nanargmax(grid)), grid.shape)
        where = f"{xname} = {cols[j]:g}, {params[1]} = {rows[i]:g} ({y})"
    else:
        order = np.argsort(x, kind="stable")
        grid = metric.values[order]
        years = [int(v) for v in metric["year"].values]
        row_labels, col_labels = [f"{v:g}" for v in x[order]], [str(v) for v in years]
        xl, yl = TEXT[lang]["year"], xname
        i, j = np.unravel_index(int(np.nanargmax(grid)), grid.shape)
        where = _t(lang, "where_year", par=f"{xname} = {x[order][i]:g}", year=years[j])
    title = _t(lang, "t_sweep_heatmap", metric=label) + _pnote(lang, p)
    ax = plots.plot_heatmap(
        grid,
        row_labels,
        col_labels,
        cmap="viridis",
        annotate=True,
        fmt="{:.3g}",
        cbar_label=f"{label} [{TEXT[lang]['vol_a']}]",
        title=title,
        xlabel=xl,
        ylabel=yl,
    )
    caption = _t(
        lang, "c_sweep_heatmap", metric=label, scenario=scn, hi=format_number(float(grid[i, j])), where=where
    )
    return Figure("sweep_heatmap", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------
# section 10


@_figure_function
def fig_sensitivity(ds: xr.Dataset, lang: str = "en", sensitivity: xr.Dataset | None = None) -> Figure | None:
    """Horizontal bars of sensitivity indices: Sobol ``S1``/``ST`` or Morris ``mu_star``.

    The parameters are along the first dim of the first index found; any other dim is reduced
    to its first entry. Parameters are sorted by ``ST`` (else ``S1``, else ``mu_star``); error
    bars from ``<index>_conf`` when present.

    Parameters
    ----------
    ds : xarray.Dataset
        Results of the run (not used beyond the common signature).
    lang : {"en", "zh"}
        Language of labels and caption.
    sensitivity : xarray.Dataset, optional
        The indices, e.g. ``S1``, ``ST`` (and ``S1_conf``, ``ST_conf``) over ``parameter``.

    Returns
    -------
    Figure or None
        None without ``sensitivity`` or without an index in it.
    """
    del ds
    if sensitivity is None:
        return None
    names = [v for v in ("S1", "ST") if v in sensitivity] or [v for v in ("mu_star",) if v in sensitivity]
    if not names:
        return None
    first = sensitivity[names[0]]
    dim = first.dims[0]

    def one(var: str) -> np.ndarray:
        da = sensitivity[var]
        da = da.isel({k: 0 for k in da.dims if k != dim})
        return np.asarray(da.transpose(dim).values, dtype=float)

    key = "ST" if "ST" in names else names[0]
    order = np.argsort(-np.nan_to_num(one(key), nan=-np.inf), kind="stable")
    labels = [str(v) for v in np.asarray(sensitivity[dim].values)[order]]
    series = {v: one(v)[order] for v in names}
    errors = {v: one(f"{v}_conf")[order] for v in names if f"{v}_conf" in sensitivity}
    title = _t(lang, "t_sensitivity")
    ax = plots.new_axes((7.0, max(3.0, 0.4 * len(labels) + 1.5)))
    plots.plot_hbars(
        labels,
        series,
        errors=errors or None,
        ax=ax,
        title=title,
        xlabel=f"{TEXT[lang]['index']} ({', '.join(names)})",
        ylabel=TEXT[lang]["parameter"],
    )
    caption = _t(lang, "c_sensitivity", name=labels[0], index=key, v=format_number(float(series[key][0])))
    return Figure("sensitivity", title, caption, ax.figure)


# --------------------------------------------------------------------------------------------

#: The figure functions in report order.
FIGURE_FUNCTIONS: tuple[Callable[..., Figure | None], ...] = (
    fig_supply_demand,
    fig_waterfall,
    fig_savings_by_sector,
    fig_savings_by_basin,
    fig_time_path,
    fig_shortage_heatmap,
    fig_reliability,
    fig_league_map,
    fig_groundwater,
    fig_cost_curve,
    fig_fan_total_use,
    fig_exceedance_total_use,
    fig_exceedance_shortage,
    fig_sweep_response,
    fig_sweep_heatmap,
    fig_sensitivity,
)


def all_figures(ds: xr.Dataset, lang: str = "en", sensitivity: xr.Dataset | None = None) -> list[Figure]:
    """Every figure the run supports, in report order (figures returning None are skipped).

    Parameters
    ----------
    ds : xarray.Dataset
        Results of :func:`sim.simulate`.
    lang : {"en", "zh"}
        Language of labels and captions.
    sensitivity : xarray.Dataset, optional
        Sensitivity indices for the last figure.

    Returns
    -------
    list of Figure
        The figures.

    Raises
    ------
    sim.errors.InputError
        ``lang="zh"`` without a CJK font, or an unknown ``lang``.
    """
    _rc(lang)
    out = []
    for fn in FIGURE_FUNCTIONS:
        kwargs = {"sensitivity": sensitivity} if fn is fig_sensitivity else {}
        fig = fn(ds, lang, **kwargs)
        if fig is not None:
            out.append(fig)
    return out
