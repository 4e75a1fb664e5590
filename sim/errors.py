"""Exceptions shared by the whole package.

``InputError`` is the one exception type for problems in what the user supplied (a region
pack, a configuration value). The CLI catches it, prints ``error: <message>`` on one line and
exits with status 2. ``MassBalanceError`` means the engine's water balance did not close: the
CLI prints it on one line and exits with status 1 (nothing is written). Any other exception is
a bug and keeps its traceback.
"""

from __future__ import annotations

from os import PathLike

__all__ = ["InputError", "MassBalanceError"]


def _one_line(text: str) -> str:
    """Collapse whitespace runs containing line breaks into single spaces."""
    return " ".join(text.split()) if ("\n" in text or "\r" in text) else text.strip()


class InputError(ValueError):
    """Bad user input; the CLI prints str(err) on one line and exits with status 2."""

    def __init__(self, message: str = "") -> None:
        super().__init__(_one_line(str(message)))

    @classmethod
    def at(
        cls,
        file: str | PathLike[str],
        row: int | None = None,
        column: str | None = None,
        message: str = "",
        *,
        key: str | None = None,
    ) -> InputError:
        """Build an error that points at a place in an input file.

        Parameters
        ----------
        file : str or path-like
            File name as the user should see it (e.g. ``"parameters.csv"``).
        row : int, optional
            Row number, 1-based with the header as row 1 (the first data row is row 2).
        column : str, optional
            Column name.
        message : str
            What is wrong and what was expected.
        key : str, optional
            Key in a YAML file (used instead of ``row``/``column``).

        Returns
        -------
        InputError
            E.g. ``parameters.csv row 7, column 'units': '亿m3' is a volume but ...``.
        """
        where = str(file)
        if row is not None:
            where += f" row {row}"
        if column is not None:
            where += f", column '{column}'"
        if key is not None:
            where += f", key '{key}'"
        return cls(f"{where}: {message}" if message else where)


class MassBalanceError(RuntimeError):
    """The water balance of a unit and step does not close (an engine fault, not bad input)."""
