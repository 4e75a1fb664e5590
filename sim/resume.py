"""Resume a multirun: a job whose configuration ran before reuses that run's outputs.

The rule (``docs/sweeps.md``):

* the **config hash** of a job is the sha256 of a canonical JSON text holding the resolved
  configuration without the ``hydra`` node and without ``resume`` (which does not change the
  results), the water-sim version, and a digest of the input files the configuration names
  (the files of the region pack, ``hydrology.file``), so that an edited pack is run again;
* every job of a multirun writes ``config_hash.txt`` (the hash) into its folder **last**,
  atomically, after ``results.nc`` and the tables and report: a job is *finished* exactly when
  the file exists, so an interrupted job is run again;
* a job that starts in a multirun (with ``resume: true``) looks for a finished job with the
  same hash in its own folder and under the multirun root, the parent of the sweep folder
  (``outputs/multirun/*/*/config_hash.txt``). In its own folder (a re-run with the same
  ``hydra.sweep.dir``) the job is skipped; elsewhere the outputs are hard-linked (copied
  where links cannot be made) into the job's folder, ``reused_from.txt`` names the source,
  and ``config_hash.txt`` follows last. Nothing is overwritten: a job folder that holds
  outputs of another configuration is left to :func:`sim.__main__.run`, which refuses it.

This module does not import Hydra; :func:`sim.__main__._hydra_main` calls it in multirun mode.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.errors import InputError

HASH_FILE = "config_hash.txt"  #: written last by a finished job: its config hash
REUSED_FILE = "reused_from.txt"  #: written by a job that reused the outputs of another folder
_NOT_OUTPUTS = {HASH_FILE, REUSED_FILE}  # written by this module, per job


def config_hash(cfg: DictConfig) -> str:
    """Return the config hash of a job (module docstring): 64 hex digits.

    Parameters
    ----------
    cfg : omegaconf.DictConfig
        The job's composed configuration, with or without the ``hydra`` node.
    """
    from sim import __version__

    conf = {str(key): _plain(cfg[key]) for key in cfg if key not in ("hydra", "resume")}
    payload = {"config": conf, "inputs": _inputs_digest(conf), "water_sim_version": __version__}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """Return a config node as plain, resolved Python containers; other values as they are."""
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value


def _inputs_digest(conf: dict[str, Any]) -> dict[str, str]:
    """sha256 of the input files named by the configuration (the pack's files, hydrology.file)."""
    from sim.pack import pack_folder

    out = {}
    try:
        folder = pack_folder(str(conf.get("region", "")))
        out["region"] = _tree_digest(folder)
    except (InputError, OSError):  # the run itself reports a missing pack
        out["region"] = "missing"
    file = (conf.get("hydrology") or {}).get("file")
    if file:
        try:
            out["hydrology.file"] = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        except OSError:
            out["hydrology.file"] = "missing"
    return out


def _tree_digest(folder: Path) -> str:
    """sha256 over the relative paths and contents of the files in ``folder``."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def finished_hash(job_dir: Path) -> str | None:
    """Return the config hash of a finished job folder, or None if the job did not finish."""
    try:
        return (Path(job_dir) / HASH_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def mark_finished(job_dir: Path, digest: str) -> None:
    """Write ``config_hash.txt`` atomically: the last step of a finished job."""
    _atomic_text(Path(job_dir) / HASH_FILE, digest + "\n")


def find_finished(digest: str, sweep_dir: Path, exclude: Path | None = None) -> Path | None:
    """Return a finished job folder with config hash ``digest`` under the multirun root.

    The multirun root is the parent of ``sweep_dir``; the job folders looked at are
    ``<root>/*/*`` (the sweeps of the root and their jobs), ``exclude`` apart. Plain
    ``os.scandir`` and ``open``: about 0.3 s for 10 000 job folders on a local disk.
    """
    root = os.path.dirname(os.path.abspath(sweep_dir))
    skip = os.path.abspath(exclude) if exclude is not None else None
    for sweep in _subdirs(root):
        for job in _subdirs(sweep):
            if job == skip:
                continue
            try:
                with open(os.path.join(job, HASH_FILE), encoding="utf-8") as f:
                    found = f.read().strip()
            except OSError:  # no hash: not a job, or not finished
                continue
            if found == digest and os.path.isfile(os.path.join(job, "results.nc")):
                return Path(job)
    return None


def _subdirs(folder: str) -> list[str]:
    """Sorted paths of the sub-folders of ``folder`` (none if it cannot be listed)."""
    try:
        with os.scandir(folder) as it:
            return sorted(e.path for e in it if e.is_dir())
    except OSError:
        return []


def outputs(job_dir: Path) -> Iterator[Path]:
    """Yield the output files of a job folder, relative to it.

    Everything but Hydra's ``.hydra/`` folder, log files, hidden (temporary) files and the
    files of this module.
    """
    job_dir = Path(job_dir)
    for path in sorted(job_dir.rglob("*")):
        rel = path.relative_to(job_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix == ".log" or rel.as_posix() in _NOT_OUTPUTS:
            continue
        yield rel


def resume_job(digest: str, job_dir: Path, sweep_dir: Path) -> Path | None:
    """Skip or reuse a job that ran before; return the folder of its results, or None to run it.

    Parameters
    ----------
    digest : str
        The job's config hash (:func:`config_hash`).
    job_dir : pathlib.Path
        The job's own folder (created by Hydra).
    sweep_dir : pathlib.Path
        The sweep folder; its parent is the multirun root that is searched.

    Returns
    -------
    pathlib.Path or None
        ``job_dir`` itself if it finished with the same hash before (a re-run into the same
        sweep folder); the folder whose outputs were linked into ``job_dir``; None if no
        finished job has this hash, or ``job_dir`` holds outputs already (of another
        configuration, or of an unfinished job): then the job runs, or refuses to.
    """
    job_dir = Path(job_dir)
    if finished_hash(job_dir) == digest:
        if not (job_dir / REUSED_FILE).exists():
            _atomic_text(job_dir / REUSED_FILE, f"{job_dir.absolute()}\n")
        return job_dir
    if next(outputs(job_dir), None) is not None:
        return None
    source = find_finished(digest, sweep_dir, exclude=job_dir)
    if source is None:
        return None
    reuse(source, job_dir, digest)
    return source


def reuse(source: Path, job_dir: Path, digest: str) -> None:
    """Hard-link (or copy) the outputs of ``source`` into ``job_dir``; ``config_hash.txt`` last.

    Raises
    ------
    InputError
        An output exists in ``job_dir`` already (nothing is overwritten).
    """
    source, job_dir = Path(source), Path(job_dir)
    for rel in outputs(source):
        _link_or_copy(source / rel, job_dir / rel)
    _atomic_text(job_dir / REUSED_FILE, f"{source.absolute()}\n")
    mark_finished(job_dir, digest)


def _link_or_copy(src: Path, dst: Path) -> None:
    if dst.exists():
        raise InputError(f"{dst}: already exists; water-sim never overwrites an earlier run")
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
        return
    except OSError:  # another file system, or links not allowed: copy
        pass
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _atomic_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


__all__ = [
    "HASH_FILE",
    "REUSED_FILE",
    "config_hash",
    "find_finished",
    "finished_hash",
    "mark_finished",
    "outputs",
    "resume_job",
    "reuse",
]
