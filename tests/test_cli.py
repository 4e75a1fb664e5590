"""End-to-end tests of the ``water-sim`` command on the tiny pack."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pandas as pd
import xarray as xr
from conftest import run_cli

from sim.variables import VARIABLES

TINY_TIME = ("time.start=2020-01", "time.end=2021-12")


def test_cli_writes_results_and_summary(tmp_path, tiny_pack):
    run_dir = tmp_path / "run"
    proc = run_cli(f"region={tiny_pack}", *TINY_TIME, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]  # the closing line: points, time, where
    assert re.fullmatch(
        rf"run: 1 point \(1 scenario x sample members\) in \d+\.\d s: {re.escape(str(run_dir))}/results.nc",
        last,
    ), last
    with xr.open_dataset(run_dir / "results.nc") as ds:
        for dim in ("scenario", "sample", "time", "unit", "sector", "source"):
            assert dim in ds.dims
        assert ds.sizes["time"] == 24
        assert list(ds.unit.values) == ["up", "mid", "low"]
        assert list(ds.basin.values) == ["B1", "B1", "B1"]
        assert list(ds.league.values) == ["L1", "L1", "L2"]
        for name in ds.data_vars:
            assert ds[name].attrs.get("units") == VARIABLES[name][0], name
            assert ds[name].attrs.get("long_name"), name
        assert ds.attrs["pack"] == "tiny"
        assert "region:" in ds.attrs["config"]
        assert ds.attrs["water_sim_version"]
        # shortage = requirement - delivery, everywhere
        short = ds["requirement"] - ds["delivery"].sum("source")
        np.testing.assert_allclose(ds["shortage"], short.clip(min=0), atol=1e-12)
        summary = pd.read_csv(run_dir / "summary.csv")
        unit_rows = summary[summary.level == "unit"]
        np.testing.assert_allclose(unit_rows["delivery"].sum(), float(ds["delivery"].sum()), rtol=1e-12)
        basin_rows = summary[summary.level == "basin"]
        np.testing.assert_allclose(basin_rows["shortage"].sum(), float(ds["shortage"].sum()), rtol=1e-12)
    assert (run_dir / ".hydra" / "config.yaml").is_file()


def test_cli_never_overwrites_a_run(tmp_path, tiny_pack):
    run_dir = tmp_path / "run"
    first = run_cli(f"region={tiny_pack}", *TINY_TIME, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = (run_dir / "results.nc").read_bytes()
    second = run_cli(f"region={tiny_pack}", *TINY_TIME, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert second.returncode == 2
    assert "never overwrites" in second.stderr
    assert "Traceback" not in second.stderr
    assert (run_dir / "results.nc").read_bytes() == before


def _bad_copy(tmp_path, tiny_pack, file, old, new):
    pack = tmp_path / "bad_pack"
    shutil.copytree(tiny_pack, pack)
    text = (pack / file).read_text(encoding="utf-8")
    assert old in text
    (pack / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return pack


def _assert_clean_failure(proc, run_dir, *words):
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not (run_dir / "results.nc").exists()
    assert not (run_dir / "summary.csv").exists()


def test_cli_bad_unit_string_exits_2(tmp_path, tiny_pack):
    pack = _bad_copy(tmp_path, tiny_pack, "parameters.csv", "亿m3/a", "亿m3/banana")
    run_dir = tmp_path / "run"
    proc = run_cli(f"region={pack}", *TINY_TIME, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_clean_failure(proc, run_dir, "parameters.csv", "row 2")


def test_cli_unknown_unit_in_link_exits_2(tmp_path, tiny_pack):
    pack = _bad_copy(tmp_path, tiny_pack, "links.csv", "up,mid,", "up,mdi,")
    run_dir = tmp_path / "run"
    proc = run_cli(f"region={pack}", *TINY_TIME, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_clean_failure(proc, run_dir, "links.csv", "mdi")


def test_cli_missing_pack_exits_2(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli(f"region={tmp_path / 'nowhere'}", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_clean_failure(proc, run_dir, "nowhere")


def test_cli_bad_time_step_exits_2(tmp_path, tiny_pack):
    run_dir = tmp_path / "run"
    proc = run_cli(f"region={tiny_pack}", "time.step=week", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    _assert_clean_failure(proc, run_dir, "time.step", "month")


def test_misspelt_config_key_fails_at_compose_time(tmp_path):
    proc = run_cli("time.stpe=day", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode != 0
    assert "stpe" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists()


def test_wrong_type_fails_at_compose_time(tmp_path):
    proc = run_cli("hydrology.runoff_factor=lots", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    assert proc.returncode != 0
    assert "runoff_factor" in proc.stderr
    assert "Traceback" not in proc.stderr
