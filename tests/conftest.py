"""Shared fixtures: paths and a helper to run the CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
TINY = DATA / "tiny_pack"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m sim`` with ``args`` in ``cwd``; return the completed process.

    ``sim`` is imported from this source tree (first on ``PYTHONPATH``), not from wherever
    the package happens to be installed, so the tests run the code they test.
    """
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "HYDRA_FULL_ERROR": "0", "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture
def tiny_pack() -> Path:
    """Path of the tiny three-unit test pack."""
    return TINY
