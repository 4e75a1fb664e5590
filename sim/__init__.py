"""water-sim: a regional water-balance and water-saving scenario simulator.

The public API is Hydra-free::

    import sim
    ds = sim.simulate({"region": "example"})
    ds = sim.simulate(sim.compose(["scenario=action_plan"]))
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "compose", "simulate"]


def __getattr__(name: str) -> Any:
    """Import ``simulate`` and ``compose`` lazily, so ``import sim.agro`` stays light."""
    if name == "simulate":
        from sim.core import simulate

        return simulate
    if name == "compose":
        from sim.config import compose

        return compose
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
