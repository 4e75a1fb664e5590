"""Multiruns: resume by config hash, the joblib and SLURM launchers, the closing line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import run_cli

import sim
from sim.config import compose
from sim.resume import HASH_FILE, REUSED_FILE, config_hash

EXAMPLE = ("region=example", "report=none", "time.end=2023-12")


def _multirun(sweep: Path, *overrides: str, cwd: Path, ok: bool = True):
    r = run_cli("-m", *EXAMPLE, *overrides, f"hydra.sweep.dir={sweep}", cwd=cwd)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def _job(sweep: Path, factor: str) -> Path:
    """The job folder of ``sweep`` run with ``hydrology.runoff_factor=factor``."""
    found = [
        job
        for job in sweep.iterdir()
        if (job / ".hydra" / "overrides.yaml").is_file()
        and f"hydrology.runoff_factor={factor}\n" in (job / ".hydra" / "overrides.yaml").read_text()
    ]
    assert len(found) == 1, found
    return found[0]


def _reused_lines(proc) -> list[str]:
    return [ln for ln in proc.stdout.splitlines() if "results reused" in ln]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A 2-job multirun under ``<root>/multirun/first``: returns (root, process)."""
    root = tmp_path_factory.mktemp("resume")
    proc = _multirun(root / "multirun" / "first", "hydrology.runoff_factor=0.8,1.0", cwd=root)
    return root, proc


# --- the config hash ---------------------------------------------------------------------------


def test_config_hash_is_stable_and_follows_the_values():
    a = config_hash(compose([*EXAMPLE, "hydrology.runoff_factor=0.8"]))
    assert a == config_hash(compose([*EXAMPLE, "hydrology.runoff_factor=0.8"]))
    assert len(a) == 64
    assert a != config_hash(compose([*EXAMPLE, "hydrology.runoff_factor=0.9"]))
    assert a != config_hash(compose([*EXAMPLE, "hydrology.runoff_factor=0.8", "report=summary"]))
    # neither the hydra node (folders, job name, launcher) nor `resume` changes it
    with_hydra = compose(
        [*EXAMPLE, "hydrology.runoff_factor=0.8", "hydra.sweep.dir=elsewhere", "hydra.job.name=other"],
        return_hydra_config=True,
    )
    assert "hydra" in with_hydra
    assert config_hash(with_hydra) == a
    assert config_hash(compose([*EXAMPLE, "hydrology.runoff_factor=0.8", "resume=false"])) == a


def test_config_hash_follows_the_pack_files(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(Path(sim.__file__).parent / "packs" / "example", pack)
    before = config_hash(compose([f"region={pack}"]))
    assert before == config_hash(compose([f"region={pack}"]))
    units = pack / "units.csv"
    units.write_text(units.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert config_hash(compose([f"region={pack}"])) != before


# --- resume -------------------------------------------------------------------------------------


def test_each_finished_job_writes_its_config_hash(first):
    root, proc = first
    sweep = root / "multirun" / "first"
    assert not _reused_lines(proc)
    assert "collected 2 jobs (0 reused) in " in proc.stdout
    assert proc.stdout.rstrip().endswith(f": {sweep / 'sweep.nc'}")
    for factor in ("0.8", "1.0"):
        job = _job(sweep, factor)
        want = config_hash(compose([*EXAMPLE, f"hydrology.runoff_factor={factor}"]))
        assert (job / HASH_FILE).read_text().strip() == want  # the CLI and compose agree
        assert not (job / REUSED_FILE).exists()


def test_the_same_multirun_again_reuses_every_job(first):
    root, _ = first
    sweep = root / "multirun" / "second"  # as a new timestamped folder beside the first
    again = _multirun(sweep, "hydrology.runoff_factor=0.8,1.0", cwd=root)
    assert len(_reused_lines(again)) == 2
    assert "simulated" not in again.stdout + again.stderr
    assert "collected 2 jobs (2 reused) in " in again.stdout
    for factor in ("0.8", "1.0"):
        old, new = _job(root / "multirun" / "first", factor), _job(sweep, factor)
        assert (new / REUSED_FILE).read_text().strip() == str(old)
        assert (new / HASH_FILE).read_text() == (old / HASH_FILE).read_text()
        assert (new / "results.nc").read_bytes() == (old / "results.nc").read_bytes()
    with (
        xr.open_dataset(root / "multirun" / "first" / "sweep.nc") as a,
        xr.open_dataset(sweep / "sweep.nc") as b,
    ):
        xr.testing.assert_identical(a["delivery"], b["delivery"])
        assert b.attrs["swept"] == "hydrology.runoff_factor"


def test_a_changed_value_runs_only_the_new_job(first):
    root, _ = first
    sweep = root / "multirun" / "third"
    proc = _multirun(sweep, "hydrology.runoff_factor=0.8,0.9", cwd=root)
    lines = _reused_lines(proc)
    assert len(lines) == 1
    assert f"job {_job(sweep, '0.8').name}: same config as " in lines[0]
    assert (_job(sweep, "0.8") / REUSED_FILE).is_file()
    new = _job(sweep, "0.9")
    assert not (new / REUSED_FILE).exists()
    assert (new / HASH_FILE).is_file()
    assert "collected 2 jobs (1 reused) in " in proc.stdout


def test_rerun_into_the_same_sweep_folder_skips_the_finished_jobs(first):
    root, _ = first
    sweep = root / "multirun" / "first"
    stamp = {p: p.stat().st_mtime_ns for p in sweep.glob("*/results.nc")}
    proc = _multirun(sweep, "hydrology.runoff_factor=0.8,1.0", cwd=root)
    assert len(_reused_lines(proc)) == 2
    assert "never overwrites" not in proc.stderr
    assert {p: p.stat().st_mtime_ns for p in sweep.glob("*/results.nc")} == stamp
    # sweep.nc is kept; the new collection goes beside it
    assert proc.stdout.rstrip().endswith(f": {sweep / 'sweep.1.nc'}")
    assert "collected 2 jobs (2 reused)" in proc.stdout


def test_an_interrupted_job_runs_again_and_another_config_is_refused(first, tmp_path):
    root, _ = first
    sweep = tmp_path / "multirun" / "old"
    shutil.copytree(root / "multirun" / "first", sweep)
    os.unlink(_job(sweep, "1.0") / HASH_FILE)  # as if killed after results.nc
    proc = _multirun(tmp_path / "multirun" / "new", "hydrology.runoff_factor=0.8,1.0", cwd=tmp_path)
    lines = _reused_lines(proc)
    assert len(lines) == 1 and str(_job(sweep, "0.8")) in lines[0]
    new = _job(tmp_path / "multirun" / "new", "1.0")
    assert not (new / REUSED_FILE).exists()
    assert (new / HASH_FILE).is_file()
    # the same sweep folder with other values: the job folder holds another run's results
    bad = _multirun(sweep, "hydrology.runoff_factor=0.7,1.0", cwd=tmp_path, ok=False)
    assert bad.returncode == 2
    assert "never overwrites" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_resume_false_runs_every_job(first):
    root, _ = first
    sweep = root / "multirun" / "fresh"
    proc = _multirun(sweep, "hydrology.runoff_factor=0.8,1.0", "resume=false", cwd=root)
    assert not _reused_lines(proc)
    assert "collected 2 jobs (0 reused) in " in proc.stdout
    for factor in ("0.8", "1.0"):
        job, old = _job(sweep, factor), _job(root / "multirun" / "first", factor)
        assert not (job / REUSED_FILE).exists()
        assert not os.path.samefile(job / "results.nc", old / "results.nc")
        # the hash is written all the same (and `resume` is not part of it)
        assert (job / HASH_FILE).read_text() == (old / HASH_FILE).read_text()


# --- launchers ----------------------------------------------------------------------------------


def test_joblib_launcher_and_collection(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher", reason="the launchers extra is not installed")
    sweep = tmp_path / "multirun" / "joblib"
    proc = run_cli(
        "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "region=example", "report=none",
        "hydrology.runoff_factor=0.8,1.0", f"hydra.sweep.dir={sweep}", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "collected 2 jobs (0 reused) in " in proc.stdout
    with xr.open_dataset(sweep / "sweep.nc") as ds:
        assert list(ds["hydrology.runoff_factor"].values) == [0.8, 1.0]
        for factor in (0.8, 1.0):
            one = sim.simulate(
                compose(["region=example", "report=none", f"hydrology.runoff_factor={factor}"])
            )
            got = ds["delivery"].sel({"hydrology.runoff_factor": factor})
            assert got.dims == one["delivery"].dims
            np.testing.assert_allclose(got.values, one["delivery"].values, rtol=0, atol=1e-12)


SLURM = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"


def test_slurm_example_composes_the_submitit_launcher():
    pytest.importorskip(
        "hydra_plugins.hydra_submitit_launcher", reason="the launchers extra is not installed"
    )
    from hydra.plugins.launcher import Launcher
    from hydra.utils import get_class

    cfg = compose(["hydra/launcher=slurm_example", "region=example"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_ == SLURM
    assert issubclass(get_class(launcher._target_), Launcher)
    for key in ("partition", "timeout_min", "cpus_per_task", "mem_gb", "array_parallelism", "setup"):
        assert key in launcher, key
    assert any("activate" in line for line in launcher.setup)


def test_slurm_example_on_the_command_line_submits_nothing(tmp_path):
    pytest.importorskip(
        "hydra_plugins.hydra_submitit_launcher", reason="the launchers extra is not installed"
    )
    proc = run_cli(
        "hydra/launcher=slurm_example",
        "region=example",
        "--cfg",
        "hydra",
        "-p",
        "hydra.launcher",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"_target_: {SLURM}" in proc.stdout
    assert "array_parallelism:" in proc.stdout
    assert not any(tmp_path.iterdir())  # no outputs/, no .submitit/
