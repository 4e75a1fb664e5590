"""The report of a run: figures (``plots``, ``figures``) and their assembly (``build``).

``water-sim report RUN_DIR`` (or the end of every run unless ``report=none``) writes
``report.html`` (self-contained), ``report.md`` and ``figures/*.png|svg`` (``docs/reports.md``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report"]


def __getattr__(name: str) -> Any:
    """Import lazily: matplotlib loads only when a report is built."""
    if name == "build_report":
        from sim.report.build import build_report

        return build_report
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")
