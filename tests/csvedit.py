"""Small helpers for tests that corrupt one cell of a pack table (rows are 1-based, header = 1)."""

from __future__ import annotations

import csv
from pathlib import Path


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def edit(d: Path, file: str, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` is 1-based with the header as row 1."""
    rows = read_rows(d / file)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(d / file, rows)


def append(d: Path, file: str, **cells: str) -> None:
    """Append a row given by column name; missing columns are empty."""
    rows = read_rows(d / file)
    rows.append([cells.get(c, "") for c in rows[0]])
    write_rows(d / file, rows)


def delete_row(d: Path, file: str, row: int) -> None:
    """Delete one row (1-based, header = 1)."""
    rows = read_rows(d / file)
    del rows[row - 1]
    write_rows(d / file, rows)
