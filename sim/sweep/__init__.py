"""Sweeps: many configurations run as one vectorised computation along a ``sweep`` dimension.

* :mod:`sim.sweep.points` turns the ``sweep`` config into a table of points (grid, zip,
  Latin hypercube, Sobol', a CSV table, or the designs of a Sobol'/Morris sensitivity
  analysis);
* :mod:`sim.sweep.run` runs them: points that differ only in measure options (coverage,
  start and target year, effect parameters, costs) share one batch along ``scenario``;
  points that differ in anything else run in groups, one per distinct value;
* :mod:`sim.sweep.memory` estimates the memory of a block and chooses the chunk size.

See ``docs/sweeps.md``.
"""

from __future__ import annotations

__all__ = ["make_points", "run_sweep"]


def __getattr__(name: str):
    if name == "make_points":
        from sim.sweep.points import make_points

        return make_points
    if name == "run_sweep":
        from sim.sweep.run import run_sweep

        return run_sweep
    raise AttributeError(name)
