"""Where the Hydra configuration folder (``conf/``) is."""

from __future__ import annotations

from pathlib import Path


def conf_dir() -> Path:
    """Return the config folder: the packaged ``sim/conf`` if installed, else the source ``conf/``.

    Raises
    ------
    RuntimeError
        If neither exists (a broken installation).
    """
    here = Path(__file__).resolve().parent
    for cand in (here / "conf", here.parent / "conf"):
        if (cand / "config.yaml").is_file():
            return cand
    raise RuntimeError("water-sim: cannot find the conf/ folder next to the package")
