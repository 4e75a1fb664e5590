"""water-sim: a regional water-balance and water-saving scenario simulator.

The public API is Hydra-free::

    import sim
    ds = sim.simulate({"region": "example"})
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "simulate"]


def __getattr__(name: str) -> Any:
    """Import ``simulate`` lazily, so ``import sim.agro`` stays light."""
    if name == "simulate":
        from sim.core import simulate

        return simulate
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
