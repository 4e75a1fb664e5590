"""Assemble the report of a run: ``report.html`` (self-contained), ``report.md`` and ``figures/``.

Sections (those without data for the run are left out): 1 summary, 2 supply and demand,
3 savings by measure, 4 savings by sector and basin and the time path against the cap,
5 shortages, 6 groundwater, 7 cost curve, 8 uncertainty, 9 sweeps, 10 sensitivity, 11 data
provenance, 12 the resolved configuration.

The HTML embeds every image (PNG, base64) and CSS; it loads nothing from outside, and the
sources of section 11 are written as text, not as links, so the file opens offline and
references no external URL. ``report.md`` links the figure files and the sources.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import xarray as xr

from sim.errors import InputError

#: Report sections: number, key, English title, Chinese title, figure names in it.
SECTIONS: tuple[tuple[int, str, str, str, tuple[str, ...]], ...] = (
    (1, "summary", "Summary", "摘要", ()),
    (2, "supply_demand", "Supply and demand by basin and sector", "分流域、分行业供需", ("supply_demand",)),
    (3, "savings_by_measure", "Savings by measure", "分措施节水量", ("waterfall",)),
    (
        4,
        "savings_by_sector",
        "Savings by sector and basin, and the path to the target year",
        "分行业、分流域节水量与用水总量路径",
        ("savings_by_sector", "savings_by_basin", "time_path"),
    ),
    (5, "shortages", "Shortages", "缺水", ("shortage_heatmap", "reliability", "league_map")),
    (6, "groundwater", "Groundwater", "地下水", ("groundwater",)),
    (7, "cost_curve", "Cost curve", "成本曲线", ("cost_curve",)),
    (
        8,
        "uncertainty",
        "Uncertainty",
        "不确定性",
        ("fan_total_use", "exceedance_total_use", "exceedance_shortage"),
    ),
    (9, "sweeps", "Sweeps", "参数扫描", ("sweep_response", "sweep_heatmap")),
    (10, "sensitivity", "Sensitivity", "敏感性", ("sensitivity",)),
    (11, "provenance", "Data provenance", "数据来源", ()),
    (12, "configuration", "The resolved configuration", "运行配置", ()),
)

_CSS = """
body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #2a6f97}h2{color:#2a6f97;margin-top:2em}
figure{margin:1.2em 0}figcaption{font-size:.95em;color:#444}
img{max-width:100%;height:auto}table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#eef}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}
"""


@dataclass
class Report:
    """Paths of a written report."""

    html: Path
    markdown: Path
    figures: list[Path]


def _render_some(ds: xr.Dataset, lang: str, sensitivity, which: Sequence[int]) -> list:
    """Build and render the figures of ``FIGURE_FUNCTIONS`` at the indices ``which``."""
    from sim.report.figures import FIGURE_FUNCTIONS, _rc, fig_sensitivity

    _rc(lang)
    out = []
    for i in which:
        fn = FIGURE_FUNCTIONS[i]
        fig = fn(ds, lang, **({"sensitivity": sensitivity} if fn is fig_sensitivity else {}))
        if fig is not None:
            png, svg = _png_svg(fig.figure)
            fig.figure = None  # the bytes are what is kept (and what crosses processes)
            out.append((i, fig, png, svg))
    return out


_SHARED: tuple | None = None


def _render_shared(which: Sequence[int]) -> list:
    """Worker: render figures ``which`` of the results the parent left in ``_SHARED``."""
    assert _SHARED is not None
    return _render_some(*_SHARED, which)


def _render(ds: xr.Dataset, lang: str, sensitivity) -> tuple[list, dict[str, tuple[bytes, bytes]]]:
    """Build and render every figure, on two processes where the system can fork.

    Rendering (matplotlib's text layout, PNG and SVG) is most of a report's time, and the
    figures are independent: each worker builds and renders every second figure from the
    results it inherits, and sends back the bytes.
    """
    import multiprocessing
    import os

    from sim.report.figures import FIGURE_FUNCTIONS

    n = len(FIGURE_FUNCTIONS)
    parts = [list(range(0, n, 2)), list(range(1, n, 2))]
    results: list = []
    if "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1:
        from concurrent.futures import ProcessPoolExecutor

        global _SHARED
        _SHARED = (ds, lang, sensitivity)  # the forked workers inherit it: nothing is pickled
        try:
            with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
                for part in pool.map(_render_shared, parts):
                    results += part
        finally:
            _SHARED = None
    else:
        results = _render_some(ds, lang, sensitivity, range(n))
    results.sort(key=lambda r: r[0])
    return [r[1] for r in results], {r[1].name: (r[2], r[3]) for r in results}


def _png_svg(fig) -> tuple[bytes, bytes]:
    png, svg = io.BytesIO(), io.BytesIO()
    # the figures use constrained layout: no second "tight" layout pass is needed
    fig.savefig(png, format="png", dpi=110)
    fig.savefig(svg, format="svg")
    return png.getvalue(), svg.getvalue()


def _fmt(x: float, digits: int = 2) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def summary_lines(ds: xr.Dataset, lang: str = "en") -> list[str]:
    """Headline savings, cap compliance, the worst shortages and what was run (plain text)."""
    from sim.savings_table import HM3_PER_YI, savings_frame

    zh = lang == "zh"
    sub = ds
    for dim in ("frequency", "sweep"):
        if dim in sub.dims:
            sub = sub.isel({dim: 0})
    frame = savings_frame(sub)
    year = int(frame["year"].iloc[0]) if len(frame) else int(ds.time.dt.year.max())
    scn = str(ds.scenario.values[-1])
    unit = "亿m³/a" if zh else "10⁸ m³/a"
    cfg = ds.attrs.get("config", "")
    hydro = next(
        (ln.split(":", 1)[1].strip() for ln in cfg.splitlines() if ln.strip().startswith("name:")), "mean"
    )
    measures = [str(m) for m in ds.measure.values] if "measure" in ds.dims else []
    t0, t1 = str(ds.time.values[0])[:7], str(ds.time.values[-1])[:7]
    lines = [
        (
            f"运行：数据包 {ds.attrs.get('pack', '?')}，{t0} 至 {t1}，情景 {scn}，水文 {hydro}，措施 {len(measures)} 项。"
        )
        if zh
        else (
            f"What was run: pack {ds.attrs.get('pack', '?')}, {t0} to {t1}, scenario '{scn}', "
            f"hydrology '{hydro}', {len(measures)} measure(s)"
            + (f" ({', '.join(measures)})." if measures else ".")
        )
    ]

    def get(section: str, quantity: str) -> float:
        sel = frame[(frame.section == section) & (frame.quantity == quantity)]
        return float(sel.value.sum()) if len(sel) else float("nan")

    if measures:
        w = get("total", "withdrawal_saving") / HM3_PER_YI
        c = get("total", "consumption_saving") / HM3_PER_YI
        lines.append(
            f"{year} 年节约取水 {_fmt(w)} {unit}，节约耗水 {_fmt(c)} {unit}。"
            if zh
            else f"Savings in {year}: {_fmt(w)} {unit} of withdrawal and {_fmt(c)} {unit} of consumption."
        )
    caps = frame[frame.section == "cap"]
    for cap in dict.fromkeys(caps.name):
        limit = get_cap(caps, cap, "limit") / HM3_PER_YI
        use = get_cap(caps, cap, f"use_{scn}") / HM3_PER_YI
        ok = get_cap(caps, cap, f"met_{scn}") >= 1
        lines.append(
            f"用水总量控制 {cap}：{_fmt(use)} / {_fmt(limit)} {unit}，{'达标' if ok else '超标'}。"
            if zh
            else f"Cap {cap}: use {_fmt(use)} of {_fmt(limit)} {unit} — {'met' if ok else 'EXCEEDED'}."
        )
    short = frame[frame.section == "shortage"].head(3)
    if len(short):
        worst = ", ".join(f"{r['name']} {_fmt(r.value / HM3_PER_YI, 3)}" for _, r in short.iterrows())
        lines.append(
            f"最大缺水（{year}）：{worst} {unit}。" if zh else f"Largest shortages in {year}: {worst} {unit}."
        )
    else:
        lines.append(f"{year} 年无缺水。" if zh else f"No shortage in {year}.")
    if "sweep" in ds.dims:
        lines.append(
            f"参数扫描 {ds.sizes['sweep']} 点（摘要为第一点）。"
            if zh
            else f"Sweep of {ds.sizes['sweep']} points (the summary shows the first)."
        )
    if "frequency" in ds.dims:
        lines.append(
            "设计年份：" + "、".join(f"P={float(f):.0%}" for f in ds.frequency.values) + "（摘要为第一个）。"
            if zh
            else "Design years: "
            + ", ".join(f"P = {float(f):.0%}" for f in ds.frequency.values)
            + " (the summary shows the first)."
        )
    return lines


def get_cap(caps, cap: str, quantity: str) -> float:
    """Value of ``quantity`` of ``cap`` in the cap rows of ``savings.csv`` (NaN if absent)."""
    sel = caps[(caps.name == cap) & (caps.quantity == quantity)]
    return float(sel.value.iloc[0]) if len(sel) else float("nan")


def provenance_lines(ds: xr.Dataset, lang: str = "en") -> tuple[list[str], list[str]]:
    """Shares of the pack's values by status, and its distinct sources.

    Returns
    -------
    (lines, sources)
        Text lines with the shares, and the sources (URLs or citations) in order of use.
    """
    from sim.pack import load_pack

    path = ds.attrs.get("pack_path") or ds.attrs.get("pack")
    try:
        pack = load_pack(str(path))
    except InputError:
        return (["(the pack could not be read: no provenance)"], [])
    prov = pack.provenance
    if prov is None or len(prov) == 0:
        return (["(the pack lists no provenance)"], [])
    counts = prov["status"].value_counts()
    total = int(counts.sum())
    lines = [
        (
            f"{s}: {int(n)} 个值（{n / total:.1%}）"
            if lang == "zh"
            else f"{s}: {int(n)} values ({n / total:.1%})"
        )
        for s, n in counts.items()
    ]
    sources: list[str] = []
    for ref in prov["reference"].astype(str):
        for part in ref.split(" ; "):
            part = part.strip()
            if part and part not in sources:
                sources.append(part)
    return lines, sources


def build_report(
    ds: xr.Dataset,
    out_dir: Path,
    lang: str = "en",
    sensitivity: xr.Dataset | None = None,
) -> Report:
    """Write ``report.html``, ``report.md`` and ``figures/*.png|svg`` into ``out_dir``.

    Parameters
    ----------
    ds : xarray.Dataset
        The results of a run (``results.nc``).
    out_dir : pathlib.Path
        The run folder.
    lang : {"en", "zh"}
        Language of labels and captions.
    sensitivity : xarray.Dataset, optional
        Sensitivity indices, for section 10.

    Returns
    -------
    Report
        The paths written.

    Raises
    ------
    InputError
        ``lang`` is not en or zh, "zh" without a CJK font, or a report already exists in
        ``out_dir`` (a report is never overwritten).
    """
    if lang not in ("en", "zh"):
        raise InputError(f"config key 'report.lang': expected en or zh, got {lang!r}")
    out_dir = Path(out_dir)
    html_path, md_path, fig_dir = out_dir / "report.html", out_dir / "report.md", out_dir / "figures"
    for p in (html_path, md_path):
        if p.exists():
            raise InputError(f"{p}: already exists; water-sim never overwrites an earlier report")
    figures, rendered = _render(ds, lang, sensitivity)
    by_name = {f.name: f for f in figures}
    zh = lang == "zh"

    md: list[str] = [
        f"# {'水资源节约情景报告' if zh else 'water-sim report'}: {ds.attrs.get('pack', '')}",
        "",
    ]
    body: list[str] = [f"<h1>{html.escape(md[0][2:])}</h1>"]
    for number, key, title_en, title_zh, names in SECTIONS:
        title = f"{number}. {title_zh if zh else title_en}"
        present = [by_name[n] for n in names if n in by_name]
        if names and not present:
            continue
        md += [f"## {title}", ""]
        body.append(f'<section id="{key}"><h2>{html.escape(title)}</h2>')
        if key == "summary":
            lines = summary_lines(ds, lang)
            md += [f"- {ln}" for ln in lines] + [""]
            body.append("<ul>" + "".join(f"<li>{html.escape(ln)}</li>" for ln in lines) + "</ul>")
        elif key == "provenance":
            lines, sources = provenance_lines(ds, lang)
            md += [f"- {ln}" for ln in lines] + ["", "Sources:" if not zh else "来源：", ""]
            md += [f"- <{s}>" if s.startswith("http") else f"- {s}" for s in sources] + [""]
            body.append("<ul>" + "".join(f"<li>{html.escape(ln)}</li>" for ln in lines) + "</ul>")
            body.append(f"<p>{'来源' if zh else 'Sources'} ({len(sources)}):</p><ol>")
            body += [f"<li><code>{html.escape(s.replace('://', ' :// '))}</code></li>" for s in sources]
            body.append("</ol>")
        elif key == "configuration":
            cfg = ds.attrs.get("config", "")
            md += ["```yaml", cfg.rstrip(), "```", ""]
            body.append(f"<pre>{html.escape(cfg)}</pre>")
        for f in present:
            png, _ = rendered[f.name]
            md += [f"![{f.title}](figures/{f.name}.png)", "", f"*{f.caption}*", ""]
            data = base64.b64encode(png).decode("ascii")
            body.append(
                f'<figure><img alt="{html.escape(f.title)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(f.caption)}</figcaption></figure>"
            )
        body.append("</section>")
    page = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(md[0][2:])}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )
    written = _write_all(out_dir, fig_dir, rendered, page, "\n".join(md))
    return Report(html_path, md_path, written)


def _write_all(out_dir: Path, fig_dir: Path, rendered, page: str, md: str) -> list[Path]:
    """Write the figures, then the markdown and the HTML, each atomically (tmp + rename)."""
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (png, svg) in rendered.items():
        for ext, data in (("png", png), ("svg", svg)):
            path = fig_dir / f"{name}.{ext}"
            tmp = path.with_suffix(f".{ext}.tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            written.append(path)
    for path, text in ((out_dir / "report.md", md), (out_dir / "report.html", page)):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return written


def expected_sections(ds: xr.Dataset, figure_names: Sequence[str]) -> list[str]:
    """Keys of the sections a report of ``ds`` contains, given the figures that were built."""
    keys = []
    for _, key, _, _, names in SECTIONS:
        if not names or any(n in figure_names for n in names):
            keys.append(key)
    return keys
