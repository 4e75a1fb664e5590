"""The compact terminal summary printed at the end of a run."""

from __future__ import annotations

import xarray as xr


def summary_table(bal: xr.Dataset, scenario: str | None = None) -> str:
    """Plain-text table: annual totals by sector and by source, and the largest shortages.

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset from :func:`sim.simulate`.
    scenario : str, optional
        Scenario to show (default: the first); samples are averaged.

    Returns
    -------
    str
        The table, amounts in 亿m³ per year (1 亿m³ = 100 hm³).
    """
    scn = scenario or str(bal.scenario.values[0])
    b = bal.sel(scenario=scn).mean("sample")
    year = b["time"].dt.year
    years = sorted({int(y) for y in year.values})
    first, last = years[0], years[-1]
    yi = lambda da: da.groupby(year).sum("time") / 100.0
    req = yi(b["requirement"].sum("unit"))
    dlv = yi(b["delivery"].sum(("unit", "source")))
    short = yi(b["shortage"].sum("unit"))
    by_src = yi(b["delivery"].sum(("unit", "sector")))
    lines = [f"water-sim summary: {bal.attrs.get('pack', '?')}, scenario '{scn}' (亿m3 per year)"]
    head = f"{'':<22}" + "".join(f"{y:>11}" for y in (first, last))
    lines += ["", "by sector: requirement / delivery / shortage", head]
    for s in b.sector.values:
        cells = "".join(
            f"{float(req.sel(sector=s, year=y)):>5.2f}/{float(dlv.sel(sector=s, year=y)):<5.2f}"
            for y in (first, last)
        )
        lines.append(f"  {s!s:<20}{cells}   short {float(short.sel(sector=s, year=last)):.3f}")
    tot = "".join(f"{float(dlv.sel(year=y).sum()):>11.2f}" for y in (first, last))
    lines.append(f"  {'total delivery':<20}{tot}")
    lines += ["", "by source (delivery)", head]
    for src in b.source.values:
        vals = [float(by_src.sel(source=src, year=y)) for y in (first, last)]
        if any(v > 0 for v in vals):
            lines.append(f"  {src!s:<20}" + "".join(f"{v:>11.2f}" for v in vals))
    worst = b["shortage"].groupby(year).sum("time").sel(year=last).stack(k=("unit", "sector"))
    worst = worst.sortby(worst, ascending=False)
    lines += ["", f"largest shortages in {last} (亿m3)"]
    shown = 0
    for k in range(worst.sizes["k"]):
        v = float(worst.isel(k=k)) / 100.0
        if v <= 1e-9 or shown >= 5:
            break
        u, s = worst.k.values[k]
        lines.append(f"  {u!s:<14}{s!s:<14}{v:>8.3f}")
        shown += 1
    if shown == 0:
        lines.append("  none")
    return "\n".join(lines)
