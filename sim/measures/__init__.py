"""Water-saving measures: one module per measure, discovered by name (``docs/measures.md``).

The default options of measure ``<name>`` are in ``conf/measures/<name>.yaml``; the module
``sim.measures.<name>`` holds its effect (see :mod:`sim.measures.base`).
"""

from __future__ import annotations

import copy
import functools
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

from omegaconf import OmegaConf

from sim.confdir import conf_dir
from sim.errors import InputError
from sim.measures.base import COMMON_OPTIONS, Extent, Param, State, crf, ramp

__all__ = [
    "COMMON_OPTIONS",
    "Extent",
    "Param",
    "State",
    "crf",
    "default_options",
    "load_measure",
    "measure_names",
    "ramp",
]


def measure_names() -> list[str]:
    """Names of the measures shipped in ``sim.measures`` (every module but ``base``)."""
    import sim.measures as pkg

    return sorted(
        m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name != "base" and not m.name.startswith("_")
    )


def load_measure(name: str) -> ModuleType:
    """Import measure ``sim.measures.<name>``.

    Raises
    ------
    InputError
        If there is no such measure; the message lists the available ones.
    """
    names = measure_names()
    if name not in names:
        raise InputError(f"config key 'measures': unknown measure '{name}'; available: {', '.join(names)}")
    return importlib.import_module(f"sim.measures.{name}")


def default_options(name: str) -> dict[str, Any]:
    """Return the default options of measure ``name``, read from ``conf/measures/<name>.yaml``.

    The file is read once per process (a sweep asks for every block); each call returns a
    fresh copy.
    """
    load_measure(name)
    return copy.deepcopy(_read_defaults(name, conf_dir() / "measures" / f"{name}.yaml"))


@functools.cache
def _read_defaults(name: str, path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: missing (every measure has a config file with its defaults)")
    node = OmegaConf.load(path)
    return dict(OmegaConf.to_container(node, resolve=True))  # type: ignore[arg-type]
