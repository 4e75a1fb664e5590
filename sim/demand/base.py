"""The contract shared by every demand model (``docs/demand.md``)."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class DriverSpec:
    """One driver variable a demand model reads from ``drivers.csv``.

    Attributes
    ----------
    item : str
        Value of the ``item`` column: the model name, ``"crop"`` (any crop id of
        ``crops.csv``) or ``"climate"``.
    units : str
        Canonical unit the loader converts to (a pint string, e.g. ``"ha"``,
        ``"L/person/d"``, ``"1e4 yuan/a"``, ``"1"``).
    default : float
        Value where the pack gives none; NaN means required.
    long_name : str
        What the variable is.
    """

    item: str
    units: str
    default: float
    long_name: str


def model_names() -> list[str]:
    """Names of the demand models shipped in ``sim.demand`` (every module but ``base``)."""
    import sim.demand as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name != "base" and not m.name.startswith("_"))


def load_model(name: str) -> ModuleType:
    """Import the demand model ``sim.demand.<name>``.

    Raises
    ------
    KeyError
        If there is no such model; the message lists the available ones.
    """
    if name not in model_names():
        raise KeyError(f"unknown demand model '{name}'; available: {', '.join(model_names())}")
    return importlib.import_module(f"sim.demand.{name}")
