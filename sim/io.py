"""Writing results: NetCDF and CSV, atomically, never over an existing result."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xarray as xr

from sim.errors import InputError


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write(tmp)`` to a temporary name in the same folder, then rename."""
    if path.exists():
        raise InputError(f"{path}: already exists; water-sim never overwrites an earlier result")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _for_netcdf(ds: xr.Dataset) -> xr.Dataset:
    """Make string coordinates and attrs NetCDF-friendly."""
    out = ds.copy()
    for name, var in list(out.variables.items()):
        if var.dtype == object or var.dtype.kind == "U":
            out[name] = var.astype(str)
    return out


def write_netcdf(ds: xr.Dataset, path: Path) -> None:
    """Write ``ds`` to ``path`` as NetCDF4 (netCDF4 engine), atomically.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset to write.
    path : pathlib.Path
        Target file; must not exist yet.
    """
    encoding = {v: {"zlib": True, "complevel": 1} for v in ds.data_vars if ds[v].dtype.kind == "f"}
    _atomic_write(path, lambda tmp: _for_netcdf(ds).to_netcdf(tmp, engine="netcdf4", encoding=encoding))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a table to CSV atomically (UTF-8, no index)."""
    _atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, encoding="utf-8"))


def annual_summary(bal: xr.Dataset) -> pd.DataFrame:
    """Annual totals by unit × sector and by basin [hm3 a-1].

    Parameters
    ----------
    bal : xarray.Dataset
        Balance Dataset from :func:`sim.simulate`.

    Returns
    -------
    pandas.DataFrame
        Columns ``level`` ("unit" or "basin"), ``scenario``, ``sample``, ``year``, ``unit``,
        ``basin``, ``sector``, ``requirement``, ``delivery``, ``shortage``, ``consumption``,
        ``return_flow`` and one ``delivery_<source>`` column per source [hm3].
    """
    year = bal["time"].dt.year.rename("year")
    parts = {
        "requirement": bal["requirement"],
        "delivery": bal["delivery"].sum("source"),
        "shortage": bal["shortage"],
        "consumption": bal["consumption"],
        "return_flow": bal["return_river"] + bal["return_groundwater"] + bal["return_wastewater"],
    }
    for src in bal.source.values:
        parts[f"delivery_{src}"] = bal["delivery"].sel(source=src, drop=True)
    annual = xr.Dataset(parts).groupby(year).sum("time")
    basin = annual.groupby(bal["basin"]).sum("unit") if "basin" in bal.coords else None
    by_unit = annual.to_dataframe().reset_index()
    cols = [c for c in by_unit.columns if c in ("basin", "league", "unit_name")]
    by_unit = by_unit.drop(columns=cols)
    by_unit.insert(0, "level", "unit")
    if "basin" in bal.coords:
        by_unit.insert(
            2, "basin", by_unit["unit"].map(dict(zip(bal.unit.values, bal.basin.values, strict=True)))
        )
    frames = [by_unit]
    if basin is not None:
        by_basin = basin.to_dataframe().reset_index()
        by_basin.insert(0, "level", "basin")
        frames.append(by_basin)
    return pd.concat(frames, ignore_index=True)
