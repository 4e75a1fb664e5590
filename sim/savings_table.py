"""The savings comparison as a table: ``savings.csv`` and the terminal summary.

Both show the target year (the last year of the run unless
``comparison.target_year`` says otherwise). ``savings.csv`` is long and tidy, one number
per row: ``section, name, quantity, value, units`` with sections ``measure`` (savings by
measure, costs), ``total`` (combined saving, interaction, shortage and overdraft change),
``sector_group``, ``basin``, ``cap`` and ``shortage`` (the largest remaining shortages).
"""

from __future__ import annotations

import math

import pandas as pd
import xarray as xr

HM3_PER_YI = 100.0  # 1 亿m3 = 100 hm3


def _mean(da: xr.DataArray) -> float:
    """Return the value, or its mean over samples (the only dim left)."""
    return float(da.mean()) if da.ndim else float(da)


def target_year(bal: xr.Dataset, year: int | None = None) -> int:
    """Return the year the comparison is shown for: ``year``, or the last of the run."""
    years = sorted({int(y) for y in bal.time.dt.year.values})
    if year is None:
        return years[-1]
    if int(year) not in years:
        from sim.errors import InputError

        raise InputError(
            f"config key 'comparison.target_year': {year} is outside the run ({years[0]}-{years[-1]})"
        )
    return int(year)


def savings_frame(bal: xr.Dataset, year: int | None = None) -> pd.DataFrame:
    """Tidy table of the comparison for the target year (see the module docstring)."""
    y = target_year(bal, year)
    rows: list[tuple[str, str, str, float, str]] = []
    scenarios = [str(s) for s in bal.scenario.values]
    scn = scenarios[-1]
    mean = {"sample": "mean"}
    if "withdrawal_saving" in bal:

        def one(da: xr.DataArray) -> xr.DataArray:
            da = da.sel(year=y)
            return da.mean("sample") if "sample" in da.dims else da

        for src, label in (("saving_shapley", "shapley"), ("saving_one_at_a_time", "one_at_a_time")):
            if src not in bal:
                continue
            total = one(bal[src]).sum(("unit", "sector"))
            for m in bal.measure.values:
                for kind in ("withdrawal", "consumption"):
                    v = float(total.sel(measure=m, kind=kind))
                    rows.append(("measure", str(m), f"{kind}_saving_{label}", v, "hm3/a"))
        if "measure_cost" in bal:
            for m in bal.measure.values:
                rows.append(
                    (
                        "measure",
                        str(m),
                        "annual_cost",
                        float(bal["measure_cost"].sel(measure=m, year=y)),
                        "yuan/a",
                    )
                )
                ext = float(bal["measure_extent"].sel(measure=m, year=y))
                rows.append(
                    ("measure", str(m), "extent", ext, str(bal["extent_units"].sel(measure=m).item()))
                )
                for kind in ("withdrawal", "consumption"):
                    name = f"cost_per_m3_{kind}"
                    if name in bal:
                        rows.append(
                            ("measure", str(m), name, _mean(bal[name].sel(measure=m, year=y)), "yuan/m3")
                        )
        for var, quantity in (
            ("withdrawal_saving", "withdrawal_saving"),
            ("consumption_saving", "consumption_saving"),
            ("shortage_change", "shortage_change"),
        ):
            v = one(bal[var].sel(scenario=scn)).sum(("unit", "sector"))
            rows.append(("total", scn, quantity, float(v), "hm3/a"))
        rows.append(
            (
                "total",
                scn,
                "overdraft_change",
                float(one(bal["overdraft_change"].sel(scenario=scn)).sum("unit")),
                "hm3/a",
            )
        )
        if "saving_interaction" in bal:
            inter = bal["saving_interaction"].sel(year=y).sum(("unit", "sector"))
            for kind in ("withdrawal", "consumption"):
                rows.append(("total", scn, f"{kind}_interaction", _mean(inter.sel(kind=kind)), "hm3/a"))
        ws = one(bal["withdrawal_saving"].sel(scenario=scn))
        cs = one(bal["consumption_saving"].sel(scenario=scn))
        if "sector_group" in bal.coords:
            for g in sorted({str(v) for v in bal["sector_group"].values}):
                sel = bal["sector_group"] == g
                rows.append(("sector_group", g, "withdrawal_saving", float(ws.where(sel).sum()), "hm3/a"))
                rows.append(("sector_group", g, "consumption_saving", float(cs.where(sel).sum()), "hm3/a"))
        if "basin" in bal.coords:
            for b in sorted({str(v) for v in bal["basin"].values}):
                sel = bal["basin"] == b
                rows.append(("basin", b, "withdrawal_saving", float(ws.where(sel).sum()), "hm3/a"))
                rows.append(("basin", b, "consumption_saving", float(cs.where(sel).sum()), "hm3/a"))
    if "cap_use" in bal:
        use = bal["cap_use"].sel(year=y).mean("sample")
        met = bal["cap_met"].sel(year=y).min("sample")
        for c in bal.cap.values:
            rows.append(("cap", str(c), "limit", float(bal["cap_limit"].sel(cap=c)), "hm3/a"))
            for s in scenarios:
                rows.append(("cap", str(c), f"use_{s}", float(use.sel(cap=c, scenario=s)), "hm3/a"))
                rows.append(("cap", str(c), f"met_{s}", float(met.sel(cap=c, scenario=s)), "1"))
    short = bal["shortage"].sel(scenario=scn)
    short = short.groupby(short.time.dt.year).sum("time").sel(year=y)
    short = short.mean("sample") if "sample" in short.dims else short
    stacked = short.stack(k=("unit", "sector"))
    stacked = stacked.sortby(stacked, ascending=False)
    for i in range(min(10, stacked.sizes["k"])):
        v = float(stacked.isel(k=i))
        if v <= 1e-9:
            break
        u, s = stacked.k.values[i]
        rows.append(("shortage", f"{u}/{s}", f"shortage_{scn}", v, "hm3/a"))
    del mean
    frame = pd.DataFrame(rows, columns=["section", "name", "quantity", "value", "units"])
    frame.insert(0, "year", y)
    return frame


def savings_text(bal: xr.Dataset, year: int | None = None) -> str:
    """Compact terminal table of the comparison for the target year (amounts in 亿m³/a)."""
    f = savings_frame(bal, year)
    y = int(f["year"].iloc[0]) if len(f) else target_year(bal, year)

    def get(section: str, name: str, quantity: str) -> float:
        sel = f[(f.section == section) & (f.name == name) & (f.quantity == quantity)]
        return float(sel.value.iloc[0]) if len(sel) else float("nan")

    lines = []
    measures = list(dict.fromkeys(f[f.section == "measure"].name))
    if measures:
        method = "shapley" if (f.quantity == "withdrawal_saving_shapley").any() else "one_at_a_time"
        lines.append(
            f"savings by measure in {y} (亿m3/a; {method.replace('_', '-')} attribution; cost yuan/m3)"
        )
        lines.append(
            f"  {'measure':<24}{'withdrawal':>11}{'consumption':>12}{'alone (W)':>11}{'cost/m3 W':>11}{'cost/m3 C':>11}"
        )
        for m in measures:
            lines.append(
                f"  {m:<24}{get('measure', m, f'withdrawal_saving_{method}') / HM3_PER_YI:>11.3f}"
                f"{get('measure', m, f'consumption_saving_{method}') / HM3_PER_YI:>12.3f}"
                f"{get('measure', m, 'withdrawal_saving_one_at_a_time') / HM3_PER_YI:>11.3f}"
                f"{get('measure', m, 'cost_per_m3_withdrawal'):>11.2f}{get('measure', m, 'cost_per_m3_consumption'):>11.2f}"
            )
        scn = str(bal.scenario.values[-1])
        lines.append(
            f"  {'all together':<24}{get('total', scn, 'withdrawal_saving') / HM3_PER_YI:>11.3f}"
            f"{get('total', scn, 'consumption_saving') / HM3_PER_YI:>12.3f}"
        )
        inter = get("total", scn, "withdrawal_interaction")
        if not math.isnan(inter):
            lines.append(f"  {'interaction (W)':<24}{inter / HM3_PER_YI:>11.3f}")
        lines.append(
            f"  shortage change {get('total', scn, 'shortage_change') / HM3_PER_YI:+.3f}, "
            f"groundwater overdraft change {get('total', scn, 'overdraft_change') / HM3_PER_YI:+.3f}"
        )
        lines.append("")
    caps = list(dict.fromkeys(f[f.section == "cap"].name))
    if caps:
        lines.append(f"caps in {y} (亿m3/a; use of conventional water)")
        for c in caps:
            cells = []
            for s in (str(v) for v in bal.scenario.values):
                use = get("cap", c, f"use_{s}") / HM3_PER_YI
                ok = "ok" if get("cap", c, f"met_{s}") >= 1 else "OVER"
                cells.append(f"{s} {use:.2f} {ok}")
            lines.append(f"  {c:<14} cap {get('cap', c, 'limit') / HM3_PER_YI:>7.2f}:  " + ";  ".join(cells))
        lines.append("")
    short = f[f.section == "shortage"]
    lines.append(f"largest remaining shortages in {y} (亿m3/a)")
    if len(short) == 0:
        lines.append("  none")
    for _, r in short.head(5).iterrows():
        lines.append(f"  {r['name']:<32}{r.value / HM3_PER_YI:>8.3f}")
    if "shortage_type" in bal:
        from sim.diagnosis import TYPES

        kinds = bal["shortage_type"].isel(scenario=-1).max("sample")
        groups = {
            t: [str(u) for u, k in zip(bal.unit.values, kinds.values, strict=True) if TYPES[int(k)] == t]
            for t in TYPES[1:]
        }
        lines.append(f"shortage types over the run ({bal.scenario.values[-1]}; docs/hydrology.md)")
        for t, units in groups.items():
            lines.append(f"  {t:<12} {', '.join(units) if units else '-'}")
    else:
        lines.append("shortage types: not computed in this run (risk.diagnose=true computes them)")
    return "\n".join(lines)
