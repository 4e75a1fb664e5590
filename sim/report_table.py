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
        The table, for the first and the last year of the run, amounts in 亿m³ per year
        (1 亿m³ = 100 hm³).
    """
    scn = scenario or str(bal.scenario.values[0])
    b = bal.sel(scenario=scn).mean("sample")
    year = b["time"].dt.year
    years = sorted({int(y) for y in year.values})
    shown = (years[0], years[-1]) if len(years) > 1 else (years[0],)

    def per_year(da: xr.DataArray) -> xr.DataArray:
        return da.groupby(year).sum("time") / 100.0  # hm3 -> 亿m3

    req = per_year(b["requirement"].sum("unit"))
    dlv = per_year(b["delivery"].sum(("unit", "source")))
    short = per_year(b["shortage"].sum("unit"))
    by_src = per_year(b["delivery"].sum(("unit", "sector")))
    lines = [f"water-sim summary: {bal.attrs.get('pack', '?')}, scenario '{scn}' (亿m3 per year)", ""]
    lines.append(
        f"  {'sector':<18}" + "".join(f"{'req ' + str(y):>12}{'deliv':>9}{'short':>8}" for y in shown)
    )
    for s in list(b.sector.values) + ["total"]:
        sel = {} if s == "total" else {"sector": s}
        cells = "".join(
            f"{float(req.sel(year=y, **sel).sum()):>12.2f}{float(dlv.sel(year=y, **sel).sum()):>9.2f}"
            f"{float(short.sel(year=y, **sel).sum()):>8.2f}"
            for y in shown
        )
        lines.append(f"  {s!s:<18}{cells}")
    lines += ["", f"  {'source':<18}" + "".join(f"{'deliv ' + str(y):>12}" for y in shown)]
    for src in b.source.values:
        vals = [float(by_src.sel(source=src, year=y)) for y in shown]
        if any(v > 0 for v in vals):
            lines.append(f"  {src!s:<18}" + "".join(f"{v:>12.2f}" for v in vals))
    last = shown[-1]
    worst = b["shortage"].groupby(year).sum("time").sel(year=last).stack(k=("unit", "sector"))
    worst = worst.sortby(worst, ascending=False)
    lines += ["", f"  largest shortages in {last} (亿m3)"]
    shown_rows = 0
    for k in range(min(5, worst.sizes["k"])):
        v = float(worst.isel(k=k)) / 100.0
        if v <= 1e-9:
            break
        u, s = worst.k.values[k]
        lines.append(f"  {u!s:<14}{s!s:<18}{v:>8.3f}")
        shown_rows += 1
    if shown_rows == 0:
        lines.append("  none")
    return "\n".join(lines)
