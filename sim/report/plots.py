"""Generic plot functions of the report: each draws the numbers it is given on one Axes.

Every function takes arrays (or anything ``numpy.asarray`` accepts, e.g. DataArrays) that are
already reduced to what is drawn, an optional ``ax`` and the labels, and returns the Axes. None
of them computes results: sums, selections, quantiles and unit conversions are done by the
caller (:mod:`sim.report.figures`). With ``ax=None`` a new :class:`matplotlib.figure.Figure`
with an Agg canvas is made (pyplot is never used, so nothing is shown and nothing is kept in
pyplot's figure registry). Titles and axis labels (with units) come from the arguments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

__all__ = [
    "new_axes",
    "plot_cost_curve",
    "plot_exceedance",
    "plot_fan",
    "plot_grouped_bars",
    "plot_hbars",
    "plot_heatmap",
    "plot_response",
    "plot_stacked_bars",
    "plot_tile_map",
    "plot_time_path",
    "plot_trajectories",
    "plot_waterfall",
]

#: Colours of the savings (green) and increases (red) in a waterfall, and of totals.
SAVING_COLOR = "#2ca02c"
INCREASE_COLOR = "#d62728"
TOTAL_COLOR = "#4c72b0"
CAP_COLOR = "#d62728"


def new_axes(figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    """Return the single Axes of a new Figure with an Agg canvas (no pyplot).

    Parameters
    ----------
    figsize : tuple of float, default (7, 4.5)
        Figure size [inch].

    Returns
    -------
    matplotlib.axes.Axes
        The Axes; its figure is ``ax.figure``.
    """
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    return new_axes(figsize) if ax is None else ax


def _finish(ax: Axes, title: str | None, xlabel: str | None, ylabel: str | None) -> Axes:
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def _integer_x(ax: Axes, x: Sequence) -> None:
    """Integer ticks on the x axis when ``x`` holds integers (years)."""
    if np.issubdtype(np.asarray(x).dtype, np.integer):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _is_dark(rgba: Any) -> bool:
    """Tell whether white text reads better than black on this colour (relative luminance < 0.45)."""
    from matplotlib.colors import to_rgba

    r, g, b, _ = to_rgba(rgba)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


def _colors(n: int, colors: Sequence[str] | None = None, cmap: str = "tab10") -> list:
    if colors is not None:
        return list(colors)
    from matplotlib import colormaps

    cm = colormaps[cmap if n <= 10 else "tab20"]
    return [cm(i % cm.N) for i in range(n)]


def _unstick(bars: Any) -> None:
    """Keep only 0 as a sticky edge of floating bars, so that autoscaling leaves a top margin."""
    for patch in bars:
        patch.sticky_edges.y[:] = [0.0]


def plot_stacked_bars(
    values: np.ndarray,
    categories: Sequence[str],
    stacks: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    ax: Axes | None = None,
    colors: Sequence[str] | None = None,
    width: float = 0.8,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: bool = True,
) -> Axes:
    """Stacked bars: one bar per category, one segment per stack.

    Positive values stack upwards from 0 and negative values downwards, each in stack order.

    Parameters
    ----------
    values : array-like, shape (n_categories, n_stacks)
        Height of each segment.
    categories : sequence of str
        Tick label of each bar.
    stacks : sequence of str
        Legend label of each segment.
    groups : sequence of str, optional
        Group of each bar (same length as ``categories``): a new group leaves a gap and its name
        is written under the bars of the group.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    colors : sequence of colours, optional
        One per stack.
    width : float, default 0.8
        Bar width.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).
    legend : bool, default True
        Draw a legend of the stacks.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    v = np.atleast_2d(np.asarray(values, dtype=float))
    n, k = v.shape
    if len(categories) != n or len(stacks) != k:
        raise ValueError(f"values has shape {v.shape}, categories {len(categories)}, stacks {len(stacks)}")
    x = np.arange(n, dtype=float)
    if groups is not None:
        gap = np.cumsum([0] + [int(groups[i] != groups[i - 1]) for i in range(1, n)])
        x = x + 0.6 * gap
    up, down = np.zeros(n), np.zeros(n)
    for j, (label, color) in enumerate(zip(stacks, _colors(k, colors), strict=True)):
        col = np.nan_to_num(v[:, j])
        bottom = np.where(col >= 0, up, down)
        _unstick(ax.bar(x, col, width, bottom=bottom, label=label, color=color))
        up += np.clip(col, 0, None)
        down += np.clip(col, None, 0)
    ax.set_xticks(x, list(categories), fontsize="small")
    if groups is not None:
        starts = [0] + [i for i in range(1, n) if groups[i] != groups[i - 1]]
        for a, b in zip(starts, [*starts[1:], n], strict=True):
            ax.annotate(
                str(groups[a]),
                xy=((x[a] + x[b - 1]) / 2, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, -30),
                textcoords="offset points",
                ha="center",
                va="top",
                fontweight="bold",
            )
    ax.axhline(0, color="black", linewidth=0.6)
    if legend and k:
        ax.legend(fontsize="small", ncols=min(k, 3))
    return _finish(ax, title, xlabel, ylabel)


def plot_grouped_bars(
    categories: Sequence[str],
    series: Mapping[str, np.ndarray],
    *,
    ax: Axes | None = None,
    colors: Sequence[str] | None = None,
    ylim: tuple[float, float] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Draw grouped bars: one group per category, one bar per series side by side.

    Parameters
    ----------
    categories : sequence of str
        Tick label of each group.
    series : mapping of str to array-like
        Legend label → one value per category.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    colors : sequence of colours, optional
        One per series.
    ylim : tuple of float, optional
        Limits of the value axis.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    n, k = len(categories), len(series)
    x = np.arange(n, dtype=float)
    w = 0.8 / max(k, 1)
    for j, ((label, vals), color) in enumerate(zip(series.items(), _colors(k, colors), strict=True)):
        ax.bar(x - 0.4 + w * (j + 0.5), np.asarray(vals, dtype=float), w, label=label, color=color)
    ax.set_xticks(x, list(categories), rotation=90 if n > 8 else 0, fontsize="small")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if k > 1:
        ax.legend(fontsize="small")
    return _finish(ax, title, xlabel, ylabel)


def plot_waterfall(
    steps: Sequence[str],
    changes: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    series: Sequence[str],
    *,
    start_label: str = "baseline",
    end_label: str = "scenario",
    saving_label: str = "saving",
    increase_label: str = "increase",
    fmt: str | None = "{:.3g}",
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Waterfall: a start total, one floating bar per step, an end total; series side by side.

    Each step lowers the running total by its value (a saving; a negative value raises it). The
    end bars are drawn at ``end`` as given, so a gap between the last running total and ``end``
    shows that the steps do not add up.

    Parameters
    ----------
    steps : sequence of str
        Label of each step (e.g. measures).
    changes : array-like, shape (n_steps, n_series)
        Saving of each step in each series (positive: the total falls).
    start, end : array-like, shape (n_series,)
        Start and end totals of each series.
    series : sequence of str
        Label of each series (e.g. withdrawal, consumption).
    start_label, end_label : str
        Tick labels of the first and last bars.
    saving_label, increase_label : str
        Legend labels of the falling (green) and rising (red) steps.
    fmt : str or None, default "{:.3g}"
        Format of the value written above each step; None writes none.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    d = np.asarray(changes, dtype=float).reshape(len(steps), len(series))
    s0, s1 = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    k = len(series)
    w = 0.8 / max(k, 1)
    x = np.arange(len(steps) + 2, dtype=float)
    hatches = ["", "//", "..", "xx"]
    for j in range(k):
        off = -0.4 + w * (j + 0.5)
        hatch = hatches[j % len(hatches)]
        ax.bar(x[0] + off, s0[j], w, color=TOTAL_COLOR, hatch=hatch, edgecolor="white")
        level = s0[j]
        for i in range(len(steps)):
            c = np.nan_to_num(d[i, j])
            color = SAVING_COLOR if c >= 0 else INCREASE_COLOR
            _unstick(ax.bar(x[i + 1] + off, -c, w, bottom=level, color=color, hatch=hatch, edgecolor="white"))
            if fmt is not None:
                ax.annotate(
                    fmt.format(c),
                    (x[i + 1] + off, max(level, level - c)),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize="x-small",
                )
            level -= c
        ax.bar(x[-1] + off, s1[j], w, color=TOTAL_COLOR, hatch=hatch, edgecolor="white", alpha=0.7)
    ax.set_xticks(x, [start_label, *steps, end_label], rotation=30 if len(steps) > 3 else 0, ha="right")
    handles = [
        Patch(facecolor="grey", hatch=hatches[j % 4], edgecolor="white", label=s)
        for j, s in enumerate(series)
    ]
    handles += [
        Patch(color=SAVING_COLOR, label=saving_label),
        Patch(color=INCREASE_COLOR, label=increase_label),
    ]
    ax.legend(handles=handles, fontsize="small")
    return _finish(ax, title, xlabel, ylabel)


def plot_time_path(
    x: Sequence,
    lines: Mapping[str, np.ndarray],
    *,
    cap: float | None = None,
    cap_label: str = "cap",
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Time paths of one or more series against a horizontal cap line.

    Parameters
    ----------
    x : sequence
        Time coordinate (years or dates).
    lines : mapping of str to array-like
        Legend label → values along ``x``.
    cap : float, optional
        Level of the cap line; none drawn when None or NaN.
    cap_label : str
        Legend label of the cap.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    marker = "o" if len(x) <= 40 else None
    for label, y in lines.items():
        ax.plot(np.asarray(x), np.asarray(y, dtype=float), marker=marker, markersize=3, label=label)
    _integer_x(ax, x)
    if cap is not None and np.isfinite(cap):
        ax.axhline(cap, color=CAP_COLOR, linestyle="--", label=cap_label)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _finish(ax, title, xlabel, ylabel)


def plot_heatmap(
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    ax: Axes | None = None,
    cmap: str = "Reds",
    cbar_label: str | None = None,
    annotate: bool = False,
    fmt: str = "{:.2g}",
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Heatmap of a 2-D array (rows × columns) with a colour bar.

    Parameters
    ----------
    values : array-like, shape (n_rows, n_cols)
        Cell values; NaN cells stay blank.
    row_labels, col_labels : sequence of str
        Tick labels of rows (y) and columns (x).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    cmap : str, default "Reds"
        Colour map.
    cbar_label : str, optional
        Label of the colour bar (with units).
    annotate : bool, default False
        Write each value in its cell with ``fmt``.
    fmt : str, default "{:.2g}"
        Format of the annotations.
    vmin, vmax : float, optional
        Colour limits.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    v = np.atleast_2d(np.asarray(values, dtype=float))
    im = ax.imshow(v, aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks(np.arange(v.shape[1]), [str(c) for c in col_labels], fontsize="small")
    ax.set_yticks(np.arange(v.shape[0]), [str(r) for r in row_labels], fontsize="small")
    cbar = ax.figure.colorbar(im, ax=ax)
    if cbar_label is not None:
        cbar.set_label(cbar_label)
    if annotate:
        for (i, j), val in np.ndenumerate(v):
            if np.isfinite(val):
                dark = _is_dark(im.cmap(im.norm(val)))
                ax.text(
                    j,
                    i,
                    fmt.format(val),
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color="white" if dark else "black",
                )
    return _finish(ax, title, xlabel, ylabel)


def plot_tile_map(
    values: np.ndarray,
    positions: Sequence[tuple[float, float]],
    labels: Sequence[str],
    *,
    ax: Axes | None = None,
    cmap: str = "Reds",
    cbar_label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Tile-grid map: one square tile per place at a (column, row) position, coloured by a value.

    Row 0 is at the top. Tiles with a NaN value are grey.

    Parameters
    ----------
    values : array-like, shape (n,)
        Colour value of each tile.
    positions : sequence of (col, row)
        Grid position of each tile.
    labels : sequence of str
        Text written in each tile (may hold line breaks).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    cmap : str, default "Reds"
        Colour map.
    cbar_label : str, optional
        Label of the colour bar (with units).
    vmin, vmax : float, optional
        Colour limits; the range of the values by default.
    title, xlabel, ylabel : str, optional
        Title and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    from matplotlib import colormaps

    ax = _axes(ax, (8.0, 4.5))
    v = np.asarray(values, dtype=float)
    finite = v[np.isfinite(v)]
    lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    norm = Normalize(lo, hi)
    cm = colormaps[cmap]
    for val, (c, r), text in zip(v, positions, labels, strict=True):
        color = cm(norm(val)) if np.isfinite(val) else "lightgrey"
        ax.add_patch(Rectangle((c, -r), 0.95, 0.95, facecolor=color, edgecolor="white"))
        dark = np.isfinite(val) and _is_dark(color)
        ax.text(
            c + 0.475,
            -r + 0.475,
            text,
            ha="center",
            va="center",
            fontsize="small",
            color="white" if dark else "black",
        )
    cols = [p[0] for p in positions] or [0]
    rows = [p[1] for p in positions] or [0]
    ax.set_xlim(min(cols) - 0.1, max(cols) + 1.05)
    ax.set_ylim(-max(rows) - 0.1, -min(rows) + 1.05)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    sm = ScalarMappable(norm=norm, cmap=cm)
    cbar = ax.figure.colorbar(sm, ax=ax, shrink=0.8)
    if cbar_label is not None:
        cbar.set_label(cbar_label)
    return _finish(ax, title, xlabel, ylabel)


def plot_trajectories(
    x: Sequence,
    lines: Mapping[str, np.ndarray],
    *,
    highlight: Sequence[str] = (),
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Trajectories of many series (e.g. storage by unit); the highlighted ones in colour.

    Parameters
    ----------
    x : sequence
        Time coordinate.
    lines : mapping of str to array-like
        Label → values along ``x``.
    highlight : sequence of str
        Labels drawn thick and in colour (and named in the legend); the others thin grey.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    hl = [h for h in lines if h in set(highlight)]
    colors = dict(zip(hl, _colors(len(hl)), strict=True))
    for label, y in lines.items():
        if label in colors:
            ax.plot(np.asarray(x), np.asarray(y, dtype=float), color=colors[label], linewidth=2, label=label)
        else:
            ax.plot(np.asarray(x), np.asarray(y, dtype=float), color="grey", linewidth=0.8, alpha=0.7)
    if hl:
        ax.legend(fontsize="small", ncols=1 + len(hl) // 8)
    ax.grid(alpha=0.3)
    return _finish(ax, title, xlabel, ylabel)


def plot_cost_curve(
    names: Sequence[str],
    volumes: np.ndarray,
    costs: np.ndarray,
    *,
    gap: float | None = None,
    gap_label: str = "gap",
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Marginal cost curve: bars of width = volume and height = unit cost, cheapest first.

    Parameters
    ----------
    names : sequence of str
        Label of each bar (measure).
    volumes : array-like, shape (n,)
        Bar widths (volume saved); bars with a width ≤ 0 or a NaN cost are left out.
    costs : array-like, shape (n,)
        Bar heights (cost per volume).
    gap : float, optional
        Position of a vertical line (e.g. the gap between use and a cap); none when None/NaN.
    gap_label : str
        Legend label of the line.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    vol, cost = np.asarray(volumes, dtype=float), np.asarray(costs, dtype=float)
    keep = np.isfinite(vol) & np.isfinite(cost) & (vol > 0)
    order = [i for i in np.argsort(np.where(keep, cost, np.inf), kind="stable") if keep[i]]
    left = 0.0
    colors = _colors(len(order))
    for color, i in zip(colors, order, strict=True):
        ax.bar(left, cost[i], vol[i], align="edge", color=color, edgecolor="white", label=str(names[i]))
        left += vol[i]
    if gap is not None and np.isfinite(gap):
        ax.axvline(gap, color=CAP_COLOR, linestyle="--", label=gap_label)
    ax.set_xlim(0, max(left, gap if gap is not None and np.isfinite(gap) and gap > 0 else 0, 1e-12) * 1.05)
    if order or gap is not None:
        ax.legend(fontsize="small")
    return _finish(ax, title, xlabel, ylabel)


def plot_fan(
    x: Sequence,
    p5: np.ndarray,
    p25: np.ndarray,
    median: np.ndarray,
    p75: np.ndarray,
    p95: np.ndarray,
    *,
    color: str = TOTAL_COLOR,
    band_labels: tuple[str, str, str] = ("5–95 %", "25–75 %", "median"),
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Fan chart: the 5–95 % and 25–75 % bands and the median over time.

    Parameters
    ----------
    x : sequence
        Time coordinate.
    p5, p25, median, p75, p95 : array-like
        The percentiles along ``x``.
    color : str
        Colour of the bands and the median.
    band_labels : tuple of str
        Legend labels of the wide band, the narrow band and the median.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    xs = np.asarray(x)
    f = lambda a: np.asarray(a, dtype=float)
    ax.fill_between(xs, f(p5), f(p95), color=color, alpha=0.2, linewidth=0, label=band_labels[0])
    ax.fill_between(xs, f(p25), f(p75), color=color, alpha=0.4, linewidth=0, label=band_labels[1])
    ax.plot(xs, f(median), color=color, linewidth=2, label=band_labels[2])
    _integer_x(ax, xs)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _finish(ax, title, xlabel, ylabel)


def plot_exceedance(
    values: np.ndarray,
    probability: np.ndarray,
    *,
    label: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Exceedance curve: values against their exceedance probability.

    Parameters
    ----------
    values : array-like, shape (n,)
        The values (e.g. annual shortage of each sample).
    probability : array-like, shape (n,)
        Exceedance probability of each value [1], drawn in percent.
    label : str, optional
        Legend label of the curve (several curves may share an Axes).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    p, v = np.asarray(probability, dtype=float), np.asarray(values, dtype=float)
    order = np.argsort(p, kind="stable")
    ax.plot(100 * p[order], v[order], marker="o", markersize=3, drawstyle="default", label=label)
    ax.set_xlim(0, 100)
    if label is not None:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _finish(ax, title, xlabel, ylabel)


def plot_response(
    x: np.ndarray,
    lines: Mapping[str, np.ndarray],
    *,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Response curves of an output against a swept parameter (one line per series).

    Parameters
    ----------
    x : array-like, shape (n,)
        Parameter values (points are drawn in increasing ``x``).
    lines : mapping of str to array-like
        Legend label → output at each ``x`` (NaN points are skipped).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels (with units).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    xv = np.asarray(x, dtype=float)
    order = np.argsort(xv, kind="stable")
    for label, y in lines.items():
        yv = np.asarray(y, dtype=float)[order]
        ok = np.isfinite(yv)
        ax.plot(xv[order][ok], yv[ok], marker="o", label=label)
    if len(lines) > 1:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return _finish(ax, title, xlabel, ylabel)


def plot_hbars(
    labels: Sequence[str],
    series: Mapping[str, np.ndarray],
    *,
    errors: Mapping[str, np.ndarray] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Horizontal bars (e.g. sensitivity indices), one row per label, series side by side.

    Parameters
    ----------
    labels : sequence of str
        Row labels, drawn top to bottom in the given order.
    series : mapping of str to array-like
        Legend label → one value per row.
    errors : mapping of str to array-like, optional
        Half-widths of error bars of some series (e.g. confidence intervals).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    title, xlabel, ylabel : str, optional
        Title and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.
    """
    ax = _axes(ax)
    n, k = len(labels), len(series)
    y = np.arange(n, dtype=float)
    h = 0.8 / max(k, 1)
    for j, ((name, vals), color) in enumerate(zip(series.items(), _colors(k), strict=True)):
        err = None if errors is None or name not in errors else np.asarray(errors[name], dtype=float)
        ax.barh(y - 0.4 + h * (j + 0.5), np.asarray(vals, dtype=float), h, xerr=err, label=name, color=color)
    ax.set_yticks(y, [str(s) for s in labels])
    ax.invert_yaxis()
    if k > 1:
        ax.legend(fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return _finish(ax, title, xlabel, ylabel)
