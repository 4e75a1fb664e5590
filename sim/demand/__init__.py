"""Demand models: one module per model, discovered by name (see ``docs/demand.md``)."""

from sim.demand.base import DriverSpec, load_model, model_names

__all__ = ["DriverSpec", "load_model", "model_names"]
