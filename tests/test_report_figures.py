"""Report figures (sim/report/figures.py, sim/report/plots.py) on small runs of the measures pack."""

from __future__ import annotations

import io
import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from conftest import DATA

from sim.core import simulate  # imported at collection: the engine's import is the slow part
from sim.errors import InputError
from sim.report import figures as F
from sim.report import plots

PACK = str(DATA / "measures_pack")
MEASURE = {
    "household_saving": {
        "coverage": 0.5,
        "path": None,
        "area": None,
        "ramp": "linear",
        "start_year": 2020,
        "target_year": 2021,
    }
}
TIME = {"start": "2020-01", "end": "2021-12"}
YEAR = 2021
BASE_NAMES = ["supply_demand", "time_path", "shortage_heatmap", "reliability", "league_map", "groundwater"]
MEASURE_NAMES = ["waterfall", "savings_by_sector", "savings_by_basin", "cost_curve"]


@pytest.fixture(scope="module")
def measures_run() -> xr.Dataset:
    return simulate({"region": PACK, "time": TIME, "measures": MEASURE})


@pytest.fixture(scope="module")
def sample_run() -> xr.Dataset:
    return simulate(
        {
            "region": PACK,
            "time": TIME,
            "hydrology": {"name": "stochastic", "n_samples": 4, "seed": 3},
            "measures": MEASURE,
        }
    )


@pytest.fixture(scope="module")
def sweep_run(measures_run: xr.Dataset) -> xr.Dataset:
    """Synthetic one-parameter sweep: savings scale with the swept coverage."""
    ds = measures_run.expand_dims(sweep=[0.2, 0.4, 0.6])
    for var in ("withdrawal_saving", "consumption_saving", "delivery"):
        ds[var] = ds[var] * ds["sweep"] / 0.4
    return ds


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def hm3_to_yi(x: float) -> float:
    return float(x) / 100.0


def conventional(ds: xr.Dataset) -> xr.DataArray:
    """Annual conventional withdrawal [hm3/a] by scenario, (sample,) year, unit, sector."""
    d = ds["delivery"].sel(
        source=[s for s in ds.source.values if s in ("surface", "groundwater", "transfer")]
    )
    d = d.sum("source")
    return d.groupby("time.year").sum("time")


def check_figure(fig: F.Figure, name: str) -> None:
    assert isinstance(fig, F.Figure)
    assert fig.name == name
    assert fig.title
    # one sentence: ends with a full stop, no sentence break inside
    assert fig.caption.endswith((".", "。"))
    assert not re.search(r"[.;] [A-Z]", fig.caption.replace(" × 10⁸", "")), fig.caption
    assert re.search(r"\d", fig.caption)
    axes = [ax for ax in fig.figure.axes if ax.get_label() != "<colorbar>"]
    assert axes
    for ax in axes:
        assert ax.get_title(), (name, "title")
        assert ax.get_xlabel(), (name, "xlabel")
        assert ax.get_ylabel(), (name, "ylabel")


def numbers(caption: str) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?", caption)


# ---------------------------------------------------------------------------------- helpers


def test_format_number():
    assert F.format_number(30.849) == "30.8"
    assert F.format_number(5.926) == "5.93"
    assert F.format_number(0.0444) == "0.044"
    assert F.format_number(0.00123) == "0.0012"
    assert F.format_number(1e-9) == "0.0000"
    assert F.format_number(0.0) == "0.00"
    assert F.format_number(-12.34) == "-12.3"
    assert F.format_number(float("nan")) == "nan"


def test_target_year_reads_the_config(measures_run):
    assert F.target_year(measures_run) == YEAR
    ds = measures_run.copy()
    ds.attrs["config"] = "comparison:\n  target_year: 2020\n"
    assert F.target_year(ds) == 2020
    ds.attrs["config"] = "comparison:\n  target_year: 1999\n"
    assert F.target_year(ds) == YEAR


def test_league_lookup():
    assert F._league("呼和浩特")[1] == "Hohhot"
    assert F._league("呼和浩特市")[1] == "Hohhot"
    assert F._league("阿拉善")[1] == "Alxa"
    assert F._league("锡林郭勒盟")[1] == "Xilingol"
    assert F._league("alxa")[0] == "阿拉善盟"
    assert F._league("L1") is None
    positions = [pos for _, _, pos in F.LEAGUES]
    assert len(set(positions)) == len(positions) == 12
    cols = {en: pos[0] for _, en, pos in F.LEAGUES}
    assert cols["Alxa"] < cols["Ordos"] < cols["Xilingol"] < cols["Hulunbuir"]


# ---------------------------------------------------------------------------------- measures run


def test_measures_run_builds_every_figure(measures_run):
    figs = F.all_figures(measures_run)
    names = [f.name for f in figs]
    assert names == [
        "supply_demand",
        "waterfall",
        "savings_by_sector",
        "savings_by_basin",
        "time_path",
        "shortage_heatmap",
        "reliability",
        "league_map",
        "groundwater",
        "cost_curve",
    ]
    for f in figs:
        check_figure(f, f.name)
    for fn in (F.fig_fan_total_use, F.fig_exceedance_shortage, F.fig_sweep_response, F.fig_sweep_heatmap):
        assert fn(measures_run) is None
    assert F.fig_sensitivity(measures_run) is None


def test_waterfall_caption_is_the_combined_saving(measures_run):
    fig = F.fig_waterfall(measures_run)
    combined = measures_run["saving_combined"].sel(year=YEAR).sum(("unit", "sector"))
    w = hm3_to_yi(combined.sel(kind="withdrawal"))
    # independently: baseline minus scenario conventional withdrawal
    use = conventional(measures_run).sel(year=YEAR).sum(("sample", "unit", "sector"))
    assert w == pytest.approx(
        hm3_to_yi(use.sel(scenario="baseline") - use.sel(scenario="scenario")), rel=1e-9
    )
    assert F.format_number(w) in numbers(fig.caption)
    assert F.format_number(hm3_to_yi(combined.sel(kind="consumption"))) in numbers(fig.caption)
    assert "household_saving" in fig.caption
    # the end bars are the scenario: baseline minus the saving
    end = hm3_to_yi(use.sel(scenario="scenario"))
    assert any(abs(p.get_height() - end) < 1e-9 for p in fig.figure.axes[0].patches)


def test_time_path_and_cost_curve_captions(measures_run):
    use = conventional(measures_run).sel(year=YEAR).sum(("sample", "unit", "sector"))
    cap = F.fig_time_path(measures_run)
    assert F.format_number(hm3_to_yi(use.sel(scenario="baseline"))) in numbers(cap.caption)
    assert F.format_number(hm3_to_yi(use.sel(scenario="scenario"))) in numbers(cap.caption)
    assert "no region cap" in cap.caption
    cost = F.fig_cost_curve(measures_run)
    c = float(measures_run["cost_per_m3_withdrawal"].sel(year=YEAR, measure="household_saving"))
    assert F.format_number(c) in numbers(cost.caption)
    saved = measures_run["saving_shapley"].sel(kind="withdrawal", year=YEAR).sum()
    # the cost-curve bar is as wide as the saving
    widths = [p.get_width() for p in cost.figure.axes[0].patches]
    assert widths == [pytest.approx(hm3_to_yi(saved))]


def test_savings_and_supply_captions(measures_run):
    ds = measures_run
    by_basin = ds["withdrawal_saving"].sel(scenario="scenario", year=YEAR).sum(("sample", "sector"))
    by_basin = by_basin.to_series().groupby(ds["basin"].to_series()).sum()
    fig = F.fig_savings_by_basin(ds)
    assert f"the {by_basin.idxmax()} basin" in fig.caption
    assert F.format_number(hm3_to_yi(by_basin.max())) in numbers(fig.caption)
    delivered = ds["delivery"].sel(scenario="scenario").groupby("time.year").sum("time").sel(year=YEAR)
    fig = F.fig_supply_demand(ds)
    assert F.format_number(hm3_to_yi(delivered.sum())) in numbers(fig.caption)
    share = 100 * float(delivered.sel(source="surface").sum() / delivered.sum())
    assert f"{share:.1f}%" in fig.caption


def test_groundwater_caption(measures_run):
    ds = measures_run
    fig = F.fig_groundwater(ds)
    cum = ds["overdraft"].sel(scenario="scenario").sum(("sample", "unit", "time"))
    assert F.format_number(hm3_to_yi(cum)) in numbers(fig.caption)
    n = int((ds["overdraft"].sel(scenario="scenario").sum(("sample", "time")) > 0).sum())
    assert fig.caption.startswith(f"{n} of 2 units")


def test_league_map_places_known_and_unknown_leagues(measures_run):
    ds = measures_run.assign_coords(league=("unit", ["呼和浩特", "Atlantis"]))
    fig = F.fig_league_map(ds)
    check_figure(fig, "league_map")
    ax = fig.figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("Hohhot") for t in texts)
    assert any(t.startswith("Atlantis") for t in texts)
    ys = {t.get_text().split("\n")[0]: t.get_position()[1] for t in ax.texts}
    assert ys["Atlantis"] < ys["Hohhot"]  # the unknown league sits in a row of its own below


def test_without_measures_the_measure_figures_are_none(measures_run):
    ds = measures_run.drop_dims("measure")
    for fn in (F.fig_waterfall, F.fig_savings_by_sector, F.fig_savings_by_basin, F.fig_cost_curve):
        assert fn(ds) is None
    assert [f.name for f in F.all_figures(ds)] == BASE_NAMES


def test_design_years(measures_run):
    ds = measures_run.expand_dims(frequency=[0.5, 0.95])
    figs = {f.name: f for f in F.all_figures(ds)}
    assert set(figs) == set(BASE_NAMES + MEASURE_NAMES)
    assert "(P = 50 %)" in figs["waterfall"].caption
    assert "(P = 95 %)" in figs["shortage_heatmap"].caption
    assert len([a for a in figs["supply_demand"].figure.axes]) == 4  # 2 design years × 2 panels
    for f in figs.values():
        check_figure(f, f.name)


def test_png_renders(measures_run):
    fig = F.fig_waterfall(measures_run)
    buf = io.BytesIO()
    fig.figure.savefig(buf, format="png", dpi=50)
    assert buf.getvalue()[:4] == b"\x89PNG"


# ---------------------------------------------------------------------------------- samples


def test_sample_run_builds_the_ensemble_figures(sample_run):
    figs = F.all_figures(sample_run)
    names = [f.name for f in figs]
    assert names == [
        "supply_demand",
        *MEASURE_NAMES[:3],
        *BASE_NAMES[1:],
        "cost_curve",
        "fan_total_use",
        "exceedance_total_use",
        "exceedance_shortage",
    ]
    for f in figs:
        check_figure(f, f.name)


def test_fan_and_exceedance_captions(sample_run):
    use = conventional(sample_run).sel(scenario="scenario", year=YEAR).sum(("unit", "sector"))
    fan = F.fig_fan_total_use(sample_run)
    assert F.format_number(hm3_to_yi(np.median(use.values))) in numbers(fan.caption)
    assert F.format_number(hm3_to_yi(np.quantile(use.values, 0.95))) in numbers(fan.caption)
    assert "4 samples" in fan.caption
    short = sample_run["shortage"].sel(scenario="scenario").groupby("time.year").sum("time").sel(year=YEAR)
    short = short.sum(("unit", "sector")).values / 100
    total = F.fig_exceedance_total_use(sample_run)
    conv = sample_run["delivery"].sel(
        source=[x for x in sample_run.source.values if x in ("surface", "groundwater", "transfer")]
    )
    conv = conv.sel(scenario="scenario").groupby("time.year").sum("time").sel(year=YEAR)
    conv = conv.sum(("unit", "sector", "source")).values / 100
    assert F.format_number(np.quantile(conv, 0.5)) in numbers(total.caption)
    exc = F.fig_exceedance_shortage(sample_run)
    assert F.format_number(np.quantile(short, 0.9)) in numbers(exc.caption)
    # the curve: sorted values against i / (n + 1)
    line = exc.figure.axes[0].lines[-1]
    np.testing.assert_allclose(line.get_xdata(), 100 * np.arange(1, 5) / 5)
    np.testing.assert_allclose(line.get_ydata(), np.sort(short)[::-1])


def test_waterfall_with_samples_uses_the_sample_mean(sample_run):
    fig = F.fig_waterfall(sample_run)
    w = sample_run["saving_combined"].sel(kind="withdrawal", year=YEAR).sum(("unit", "sector"))
    assert F.format_number(hm3_to_yi(w.mean("sample"))) in numbers(fig.caption)


# ---------------------------------------------------------------------------------- sweeps


def test_sweep_figures(sweep_run, measures_run):
    response = F.fig_sweep_response(sweep_run)
    heat = F.fig_sweep_heatmap(sweep_run)
    check_figure(response, "sweep_response")
    check_figure(heat, "sweep_heatmap")
    saving = float(measures_run["withdrawal_saving"].sel(scenario="scenario", year=YEAR).sum() / 100)
    lo, hi = saving * 0.5, saving * 1.5
    assert F.format_number(lo) in numbers(response.caption)
    assert F.format_number(hi) in numbers(response.caption)
    assert "sweep = 0.2–0.6" in response.caption
    np.testing.assert_allclose(response.figure.axes[0].lines[0].get_ydata(), [lo, saving, hi])
    assert F.format_number(hi) in numbers(heat.caption)
    assert "sweep = 0.6 in 2021" in heat.caption
    # the other figures show the first member
    figs = F.all_figures(sweep_run)
    assert [f.name for f in figs][-2:] == ["sweep_response", "sweep_heatmap"]


def test_sweep_over_two_parameters(sweep_run):
    ds = sweep_run.isel(sweep=[0, 1, 2, 0]).assign_coords(sweep=np.arange(4))
    ds = ds.assign_coords(coverage=("sweep", [0.2, 0.4, 0.6, 0.2]), price=("sweep", [1.0, 1.0, 1.0, 2.0]))
    heat = F.fig_sweep_heatmap(ds)
    image = np.ma.filled(heat.figure.axes[0].images[0].get_array().astype(float), np.nan)
    assert image.shape == (2, 3)  # price × coverage
    assert np.isnan(image[1, 1]) and np.isnan(image[1, 2])
    assert "coverage = 0.6, price = 1" in heat.caption
    response = F.fig_sweep_response(ds)
    assert len(response.figure.axes[0].lines) == 2  # one line per price


def test_sweep_without_parameter_coords_uses_the_index(measures_run):
    ds = measures_run.expand_dims(sweep=["low", "mid", "high"])
    fig = F.fig_sweep_response(ds)
    assert fig.figure.axes[0].get_xlabel() == "sweep index"
    np.testing.assert_allclose(fig.figure.axes[0].lines[0].get_xdata(), [0, 1, 2])


# ---------------------------------------------------------------------------------- sensitivity


def test_sensitivity(measures_run):
    sens = xr.Dataset(
        {
            "S1": ("parameter", [0.1, 0.5, 0.2]),
            "ST": ("parameter", [0.15, 0.62, 0.3]),
            "ST_conf": ("parameter", [0.01, 0.02, 0.03]),
        },
        coords={"parameter": ["coverage", "price_elasticity", "lifetime"]},
    )
    fig = F.fig_sensitivity(measures_run, sensitivity=sens)
    check_figure(fig, "sensitivity")
    assert fig.caption.startswith("price_elasticity")
    assert "ST = 0.62" in fig.caption
    ticks = [t.get_text() for t in fig.figure.axes[0].get_yticklabels()]
    assert ticks == ["price_elasticity", "lifetime", "coverage"]
    morris = xr.Dataset({"mu_star": ("name", [3.0, 1.0])}, coords={"name": ["a", "b"]})
    assert "mu_star = 3.00" in F.fig_sensitivity(measures_run, sensitivity=morris).caption
    assert F.fig_sensitivity(measures_run, sensitivity=xr.Dataset()) is None
    assert F.all_figures(measures_run, sensitivity=sens)[-1].name == "sensitivity"


# ---------------------------------------------------------------------------------- language


def test_zh_without_a_cjk_font_names_the_install(measures_run, monkeypatch):
    monkeypatch.setattr(F, "cjk_font", lambda: None)
    with pytest.raises(InputError, match="apt install fonts-noto-cjk"):
        F.fig_waterfall(measures_run, lang="zh")
    with pytest.raises(InputError, match="CJK font"):
        F.all_figures(measures_run, lang="zh")


def test_zh_with_a_font(measures_run, monkeypatch):
    monkeypatch.setattr(F, "cjk_font", lambda: "DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figs = F.all_figures(measures_run, lang="zh")
    assert len(figs) == 10
    wf = next(f for f in figs if f.name == "waterfall")
    assert "亿m³" in wf.caption and wf.caption.endswith("。")
    w = measures_run["saving_combined"].sel(kind="withdrawal", year=YEAR).sum() / 100
    assert F.format_number(w) in numbers(wf.caption)
    assert "亿m³/a" in wf.figure.axes[0].get_ylabel()


@pytest.mark.filterwarnings("ignore:Glyph")  # DejaVu stands in for a CJK font here
def test_zh_font_survives_the_rc_context(measures_run, monkeypatch):
    # the report saves the figures after fig_* returned: the texts must keep the CJK font
    monkeypatch.setattr(F, "cjk_font", lambda: "DejaVu Serif")
    fig = F.fig_shortage_heatmap(measures_run, lang="zh")
    fig.figure.savefig(io.BytesIO(), format="png", dpi=30)
    ax = fig.figure.axes[0]
    assert ax.title.get_fontname() == "DejaVu Serif"
    assert ax.get_yticklabels()[0].get_fontname() == "DejaVu Serif"
    assert ax.get_yticklabels()[0].get_text() == "Upper"  # unit names in Chinese reports


def test_zh_with_the_fonts_here(measures_run):
    if F.cjk_font() is None:
        with pytest.raises(InputError, match="fonts-noto-cjk"):
            F.fig_time_path(measures_run, lang="zh")
    else:
        assert "亿m³" in F.fig_time_path(measures_run, lang="zh").caption


def test_unknown_language(measures_run):
    with pytest.raises(InputError, match="report.lang.: expected one of en, zh"):
        F.fig_time_path(measures_run, lang="fr")


# ---------------------------------------------------------------------------------- plots


def test_cost_curve_sorts_by_cost_and_drops_empty_bars():
    ax = plots.plot_cost_curve(["a", "b", "c", "d"], [1.0, 2.0, 0.0, 1.0], [5.0, 1.0, 0.5, np.nan], gap=2.5)
    bars = ax.patches
    assert [c.get_label() for c in ax.containers] == ["b", "a"]
    assert [b.get_x() for b in bars] == [0.0, 2.0]
    assert ax.lines[0].get_xdata()[0] == 2.5


def test_stacked_bars_stack_negatives_downwards():
    ax = plots.plot_stacked_bars(np.array([[1.0, -2.0, 3.0]]), ["x"], ["a", "b", "c"])
    bottoms = [p.get_y() for p in ax.patches]
    assert bottoms == [0.0, 0.0, 1.0]
    assert ax.patches[1].get_height() == -2.0
