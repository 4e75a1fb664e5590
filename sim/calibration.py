"""Compare a baseline run with the official figures of a pack (``targets.csv``).

A pack may ship ``targets.csv``: one official figure per row, with the tolerance the
baseline must meet. ``compare_targets`` computes the same metric from a result Dataset and
returns the table the CLI prints and the tests check.

Metrics (the ``metric`` column):

| metric | computed as |
|---|---|
| ``total_use`` | Σ delivery over units, sectors, sources |
| ``use:<group>`` | Σ delivery of the sectors whose ``sector_group`` is ``<group>`` |
| ``supply:surface`` | Σ delivery from surface water and transfers (river diversions) |
| ``supply:groundwater`` | Σ delivery from groundwater |
| ``supply:other`` | Σ delivery from reclaimed, harvested and other unconventional water |
| ``irrigation_per_area`` | delivery to the irrigation sector / irrigated area |
| ``irrigation_coefficient`` | Σ net irrigation / Σ gross irrigation delivery (灌溉水有效利用系数) |
| ``residential_per_capita`` | residential use at the tap per resident per day |
| ``groundwater_share:<league>`` | groundwater delivery / all delivery in the league |
| ``transfer:<league>`` | transfer (e.g. Yellow River) delivery in the league |

All are annual figures of the target's ``year``, averaged over samples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sim.errors import InputError
from sim.units import parse_units

_SURFACE = ("surface", "transfer")
_OTHER = ("reclaimed", "harvested", "other")


def read_targets(pack_path: Path) -> pd.DataFrame | None:
    """Read ``targets.csv`` of a pack, or return None if the pack has none.

    Columns: ``metric, value, units, tolerance, tolerance_kind (rel|abs), year, status,
    reference, note``. Values are converted to the canonical unit of their metric.
    """
    path = Path(pack_path) / "targets.csv"
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = ["metric", "value", "units", "tolerance", "tolerance_kind", "year", "status", "reference"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise InputError(f"targets.csv: missing column '{missing[0]}'")
    rows = []
    for i, r in df.iterrows():
        where = f"targets.csv row {i + 2}"
        try:
            value = float(r["value"]) * _factor(r["metric"], r["units"])
            tol = float(r["tolerance"])
        except ValueError as err:
            raise InputError(f"{where}: {err}") from None
        if r["tolerance_kind"] not in ("rel", "abs"):
            raise InputError(
                f"{where}, column 'tolerance_kind': expected 'rel' or 'abs', got '{r['tolerance_kind']}'"
            )
        rows.append({**r.to_dict(), "value": value, "tolerance": tol, "year": int(r["year"])})
    return pd.DataFrame(rows)


def _factor(metric: str, units: str) -> float:
    """Factor from the target's unit to the metric's canonical unit."""
    q = parse_units(units)
    canonical = {
        "irrigation_per_area": "m3/mu",
        "residential_per_capita": "L/person/d",
    }.get(metric)
    if metric.startswith(("groundwater_share", "irrigation_coefficient")):
        canonical = "1"
    if canonical is None:
        canonical = "hm3"
    try:
        return float((q / parse_units(canonical)).to("dimensionless").magnitude)
    except Exception as err:
        raise ValueError(f"'{units}' cannot be converted to {canonical} for metric '{metric}'") from err


def _annual(da: xr.DataArray, year: int) -> xr.DataArray:
    sel = da.sel(time=da["time"].dt.year == year)
    if sel.sizes["time"] == 0:
        raise InputError(f"targets.csv: the run does not cover the target year {year}")
    out = sel.sum("time")
    return out.mean("sample") if "sample" in out.dims else out


def metric_value(bal: xr.Dataset, metric: str, year: int) -> float:
    """Compute one metric of ``targets.csv`` from a result Dataset (first scenario).

    Returns
    -------
    float
        In the metric's canonical unit: hm3 for volumes, m3/mu, L/person/d or [1].
    """
    b = bal.isel(scenario=0) if "scenario" in bal.dims else bal
    dv = b["delivery"]
    kind, _, arg = metric.partition(":")
    groups = b["sector_group"] if "sector_group" in b.coords else b["sector"]
    leagues = b["league"] if "league" in b.coords else b["unit"]
    if kind == "total_use":
        return float(_annual(dv, year).sum())
    if kind == "use":
        return float(_annual(dv.where(groups == arg, 0.0), year).sum())
    if kind == "supply":
        names = {"surface": _SURFACE, "groundwater": ("groundwater",), "other": _OTHER}[arg]
        names = [s for s in names if s in dv.source.values]
        return float(_annual(dv.sel(source=names), year).sum()) if names else 0.0
    if kind == "irrigation_per_area":
        gross = float(_annual(dv.sel(sector="irrigation"), year).sum())
        area = b["irrigation_irrigated_area"].sel(time=b["time"].dt.year == year).mean("time").sum()
        return gross * 1e6 / float(area * 15.0)  # hm3 -> m3, ha -> mu
    if kind == "irrigation_coefficient":
        net = float(_annual(b["irrigation_irrigation_net"], year).sum())
        gross = float(_annual(b["requirement"].sel(sector="irrigation"), year).sum())
        return net / gross
    if kind == "residential_per_capita":
        pop = b["domestic_urban_population"] + b["domestic_rural_population"]
        use = b["domestic_residential_per_capita"].fillna(0.0)
        sel = b["time"].dt.year == year
        return float((use * pop).sel(time=sel).sum() / pop.sel(time=sel).sum())
    if kind == "groundwater_share":
        in_league = leagues == arg
        total = float(_annual(dv.where(in_league, 0.0), year).sum())
        gw = float(_annual(dv.sel(source="groundwater").where(in_league, 0.0), year).sum())
        return gw / total if total > 0 else np.nan
    if kind == "transfer":
        if "transfer" not in dv.source.values:
            return 0.0
        return float(_annual(dv.sel(source="transfer").where(leagues == arg, 0.0), year).sum())
    raise InputError(f"targets.csv: unknown metric '{metric}'")


def compare_targets(bal: xr.Dataset, targets: pd.DataFrame) -> pd.DataFrame:
    """Table of target vs model for every row of ``targets`` (with ``ok`` = within tolerance)."""
    rows = []
    for _, t in targets.iterrows():
        model = metric_value(bal, t["metric"], int(t["year"]))
        if t["tolerance_kind"] == "rel":
            err = (model - t["value"]) / t["value"]
        else:
            err = model - t["value"]
        rows.append(
            {
                "metric": t["metric"], "year": t["year"], "target": t["value"], "model": model,
                "error": err, "tolerance": t["tolerance"], "kind": t["tolerance_kind"],
                "ok": bool(abs(err) <= t["tolerance"]),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def format_comparison(table: pd.DataFrame) -> str:
    """Plain-text rendering of :func:`compare_targets` (volumes in 亿m3)."""
    lines = ["calibration against the pack's targets (volumes in 亿m3)",
             f"  {'metric':<34}{'target':>10}{'model':>10}{'error':>9}  ok"]  # fmt: skip
    for _, r in table.iterrows():
        scale = 0.01 if _factor_is_volume(r["metric"]) else 1.0
        err = f"{100 * r['error']:+.1f}%" if r["kind"] == "rel" else f"{r['error']:+.3f}"
        lines.append(
            f"  {r['metric']:<34}{r['target'] * scale:>10.3f}{r['model'] * scale:>10.3f}{err:>9}  "
            f"{'yes' if r['ok'] else 'NO'}"
        )
    return "\n".join(lines)


def _factor_is_volume(metric: str) -> bool:
    return metric.split(":")[0] in ("total_use", "use", "supply", "transfer")
