"""Units: one pint registry for the project, and conversion to canonical units.

Region packs give every number with a unit string. Strings are parsed once (cached) and
converted to the canonical units of the model:

=================================  =========  ====================================================
quantity (``kind``)                canonical  accepted strings (examples)
=================================  =========  ====================================================
``volume``                         hm3        ``m3``, ``万m3``, ``亿m3``, ``hm3``, ``km3``, ``L``;
                                              ``mm`` (a depth, times the unit's area)
``volume_rate``                    hm3 a-1    ``亿m3/a``, ``万m3/a``, ``万m3/d``, ``m3/s``,
                                              ``L/d``, ``hm3 a-1``; ``mm/a`` (times the area)
``area``                           ha         ``mu`` / ``亩``, ``万亩``, ``km2``, ``ha``, ``m2``
``fraction``, ``dimensionless``    1          ``1``, ``%`` (a value of 50 in ``%`` is 0.5)
(any, e.g. activity × intensity)   —          ``万人``, ``L/人/d``, ``亿元/a``, ``m3/万元``,
                                              ``m3/mu/a``, ``m3/mu``
=================================  =========  ====================================================

Parsing rules (applied before pint sees the string):

* a digit glued to the end of a unit name is a power: ``m3`` is m³, ``km2`` is km²,
  ``a-1`` is 1/a (CF style, so ``hm3 a-1`` works);
* the Chinese multipliers ``万`` (1e4) and ``亿`` (1e8) prefix the unit they are glued to:
  ``亿m3/a`` is (1e8 m³)/a and ``m3/万元`` is m³/(1e4 yuan);
* a leading number is a scale factor (``1e8 m3``).

Other parseable strings are plain pint (``m3/mu``, ``L/d``, ``mm``, ``ha`` ...). Units defined
on top of pint's defaults: ``mu`` = ``亩`` = 10000/15 m² (this replaces pint's reading of
``mu`` as milli-atomic-mass-unit), ``person`` = ``人`` = ``capita`` (base dimension
``[population]``) and ``yuan`` = ``元`` = ``CNY`` (base dimension ``[currency]``), so that
drivers such as ``万人`` × ``L/人/d`` or ``亿元/a`` × ``m3/万元`` give a volume rate.
``hm3`` needs no definition: it is the cubic hectometre, exactly 10⁶ m³.

Time: ``a`` (annum) is pint's Julian year of **365.25 days**, so rates given per second or per
day become annual rates with that year (``1 万m3/d`` = 3.6525 hm3/a). The engine later turns
annual rates into amounts per step by ``rate × days in step / days in that calendar year``.
"""

from __future__ import annotations

import re
import tokenize
from functools import lru_cache

import numpy as np
import pint

__all__ = [
    "CANONICAL_UNITS",
    "KINDS",
    "Quantity",
    "describe",
    "parse_units",
    "product_factor",
    "to_canonical",
    "ureg",
]

try:  # pint caches its parsed definitions in the user cache folder: ~0.2 s less at start-up
    ureg = pint.UnitRegistry(cache_folder=":auto:")
except OSError:  # no writable cache folder
    ureg = pint.UnitRegistry()
ureg.define("mu = 10000 / 15 * meter ** 2 = 亩")
ureg.define("person = [population] = 人 = capita")
ureg.define("yuan = [currency] = 元 = CNY")
ureg.define("head = [livestock] = 头")
Quantity = ureg.Quantity

#: Canonical unit string of each kind, as written to ``attrs["units"]``.
CANONICAL_UNITS: dict[str, str] = {
    "volume": "hm3",
    "volume_rate": "hm3 a-1",
    "area": "ha",
    "fraction": "1",
    "dimensionless": "1",
}
KINDS = tuple(CANONICAL_UNITS)

_EXAMPLES = {
    "volume": "万m3, hm3 or mm",
    "volume_rate": "万m3/a, hm3/a or m3/s",
    "area": "ha, 万亩 or km2",
    "fraction": "1 or %",
    "dimensionless": "1",
}
_KIND_WORDS = {
    "volume": "a volume",
    "volume_rate": "a volume rate",
    "area": "an area",
    "fraction": "a fraction",
    "dimensionless": "a dimensionless number",
}

_VOLUME = ureg.Quantity(1, "m**3").dimensionality
_RATE = ureg.Quantity(1, "m**3/s").dimensionality
_AREA = ureg.Quantity(1, "m**2").dimensionality
_LENGTH = ureg.Quantity(1, "m").dimensionality
_SPEED = ureg.Quantity(1, "m/s").dimensionality
_TIME = ureg.Quantity(1, "s").dimensionality
_HA = ureg.Quantity(1, "hectare")

# "m3" -> "m**3", "a-1" -> "a**-1"; not the exponent in "1e8".
_POWER = re.compile(r"(?<![0-9.][eE])(?<=[A-Za-z])(-?\d+)")
# "万m**3" -> "(1e4*m**3)", "亿元" -> "(1e8*元)".
_MULTIPLIER = re.compile(r"(亿|万)\s*([^\W\d]+(?:\*\*-?\d+)?)")
_SCALE = {"万": "1e4", "亿": "1e8"}
# "m**3/1e4 yuan" -> "m**3/(1e4*yuan)": a number after "/" scales the unit that follows it.
_DENOMINATOR_SCALE = re.compile(r"/\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*\*?\s*([^\W\d][^\s/*()]*)")
# What pint's string parser raises on bad input (it has no single exception type for it).
_PARSE_ERRORS = (
    pint.PintError,
    AssertionError,
    ArithmeticError,
    AttributeError,
    SyntaxError,
    TypeError,
    ValueError,
    tokenize.TokenError,
)


def _preprocess(s: str) -> str:
    """Rewrite a pack unit string into plain pint syntax."""
    s = _POWER.sub(r"**\1", s.strip())
    s = _MULTIPLIER.sub(lambda m: f"({_SCALE[m.group(1)]}*{m.group(2)})", s)
    return _DENOMINATOR_SCALE.sub(r"/(\1*\2)", s)


@lru_cache(maxsize=4096)
def _parse(s: str) -> pint.Quantity:
    if not isinstance(s, str) or not s.strip():
        raise ValueError("empty unit string (write '1' for a plain number)")
    try:
        q = ureg(_preprocess(s))
    except _PARSE_ERRORS as err:
        detail = f" ({err})" if isinstance(err, pint.UndefinedUnitError) else ""
        raise ValueError(f"'{s}' is not a unit string pint can read{detail}") from None
    if not isinstance(q, pint.Quantity):  # a plain number such as "100"
        q = ureg.Quantity(q, "dimensionless")
    if not np.isfinite(q.magnitude) or q.magnitude <= 0:
        raise ValueError(f"'{s}' has a scale factor that is not a positive number")
    return q


def parse_units(s: str) -> pint.Quantity:
    """Parse a pack unit string into a pint quantity (scale factor included).

    Parameters
    ----------
    s : str
        Unit string such as ``"亿m3/a"``, ``"万亩"``, ``"m3/mu"``, ``"%"`` or ``"1"``.

    Returns
    -------
    pint.Quantity
        E.g. ``parse_units("亿m3")`` is ``1e8 m³``.

    Raises
    ------
    ValueError
        If the string is empty or does not parse.
    """
    q = _parse(s)
    return ureg.Quantity(q.magnitude, q.units)  # a copy: the cached object stays untouched


def describe(q: pint.Quantity) -> str:
    """Name the dimension of ``q`` in words (``"a volume"``, ``"a length (depth)"`` ...).

    Parameters
    ----------
    q : pint.Quantity
        Any quantity.

    Returns
    -------
    str
        A phrase used in error messages.
    """
    dim = q.dimensionality
    names = {
        _VOLUME: "a volume",
        _RATE: "a volume rate",
        _AREA: "an area",
        _LENGTH: "a length (depth)",
        _SPEED: "a depth rate",
        _TIME: "a time",
    }
    if q.dimensionless:
        return "dimensionless"
    return names.get(dim, f"of dimension {dim}")


def _mismatch(s: str, q: pint.Quantity, kind: str, name: str | None, extra: str = "") -> ValueError:
    who = f"'{name}' needs" if name else "needed is"
    hint = _EXAMPLES[kind]
    if kind == "volume_rate" and q.dimensionality == _VOLUME:
        hint = f"{s}/a"
    elif kind == "volume" and q.dimensionality == _RATE and "/" in s:
        hint = s.rsplit("/", 1)[0]
    return ValueError(f"'{s}' is {describe(q)} but {who} {_KIND_WORDS[kind]} (e.g. {hint}){extra}")


@lru_cache(maxsize=4096)
def _conversion(units: str, kind: str, name: str | None) -> tuple[float, bool]:
    """Return ``(factor, per_area)``: canonical = value × factor (× area [ha] if per_area)."""
    if kind not in CANONICAL_UNITS:
        raise ValueError(f"unknown kind '{kind}' (expected one of {', '.join(KINDS)})")
    q = _parse(units)
    if kind in ("fraction", "dimensionless"):
        if not q.dimensionless:
            raise _mismatch(units, q, kind, name)
        return float(q.to("dimensionless").magnitude), False
    target = _parse(CANONICAL_UNITS[kind])
    if q.dimensionality == target.dimensionality:
        return float((q / target).to("dimensionless").magnitude), False
    depth_ok = (kind == "volume" and q.dimensionality == _LENGTH) or (
        kind == "volume_rate" and q.dimensionality == _SPEED
    )
    if depth_ok:
        return float((q * _HA / target).to("dimensionless").magnitude), True
    raise _mismatch(units, q, kind, name)


def to_canonical(
    value: float | np.ndarray,
    units: str,
    kind: str,
    area_ha: float | np.ndarray | None = None,
    name: str | None = None,
) -> float | np.ndarray:
    """Convert values given in ``units`` to the canonical unit of ``kind``.

    Parameters
    ----------
    value : float or ndarray
        Values in ``units``.
    units : str
        Unit string of ``value`` (see the module docstring).
    kind : {"volume", "volume_rate", "area", "fraction", "dimensionless"}
        Target quantity: volume → [hm3], volume_rate → [hm3 a-1] (year = 365.25 days),
        area → [ha], fraction / dimensionless → [1] (so ``%`` is divided by 100).
    area_ha : float or ndarray, optional
        Area [ha] over which a depth (``mm``) or a depth rate (``mm/a``) is spread; needed
        only for those, and broadcast against ``value``.
    name : str, optional
        Name of the variable, used in the error message.

    Returns
    -------
    float or ndarray
        Values in canonical units.

    Raises
    ------
    ValueError
        If ``units`` does not parse, has the wrong dimension (``"'亿m3' is a volume but
        'sustainable_yield' needs a volume rate (e.g. 亿m3/a)"``), or is a depth and
        ``area_ha`` is not given.
    """
    factor, per_area = _conversion(units, kind, name)
    if per_area:
        if area_ha is None:
            q = _parse(units)
            raise _mismatch(units, q, kind, name, extra="; a depth needs the area it covers")
        return value * factor * area_ha
    return value * factor


@lru_cache(maxsize=1024)
def product_factor(units_a: str, units_b: str, kind: str, name: str | None = None) -> float:
    """Conversion factor of a product ``a × b`` to the canonical unit of ``kind``.

    Used for requirement = activity × intensity: canonical = a × b × factor.

    Parameters
    ----------
    units_a, units_b : str
        Unit strings of the two factors (e.g. ``"万亩"`` and ``"m3/mu/a"``).
    kind : str
        Target kind (see :func:`to_canonical`); depths are not accepted here.
    name : str, optional
        Name of the result, used in the error message.

    Returns
    -------
    float
        The factor [canonical unit per (units_a × units_b)].

    Raises
    ------
    ValueError
        If a string does not parse or the product has the wrong dimension.
    """
    q = _parse(units_a) * _parse(units_b)
    target = _parse(CANONICAL_UNITS[kind])
    if q.dimensionality != target.dimensionality:
        who = f"'{name}' needs" if name else "needed is"
        raise ValueError(
            f"'{units_a}' × '{units_b}' is {describe(q)} but {who} {_KIND_WORDS[kind]} "
            f"(e.g. {_EXAMPLES[kind]})"
        )
    return float((q / target).to("dimensionless").magnitude)


def convert(value: float, units: str, to: str) -> float:
    """Convert ``value`` given in ``units`` to the unit string ``to`` (both pack unit strings).

    Parameters
    ----------
    value : float
        The number.
    units, to : str
        Unit strings such as ``"万亩"`` and ``"mu"``, or ``"亿m3/a"`` and ``"hm3/a"``.

    Returns
    -------
    float
        ``value`` expressed in ``to``.

    Raises
    ------
    ValueError
        If a string does not parse or the two are not the same kind of quantity.
    """
    ratio = parse_units(units) / parse_units(to)
    try:
        return float(value) * float(ratio.to("dimensionless").magnitude)
    except pint.DimensionalityError:
        raise ValueError(f"'{units}' cannot be converted to '{to}'") from None


def parse_amount(text: str | float, to: str) -> float:
    """Read an amount with its unit, e.g. ``"4585 万亩"``, in the unit ``to`` (a bare number is taken as ``to``).

    Raises
    ------
    ValueError
        If ``text`` is not a number followed by a unit string, or the unit does not convert.
    """
    if isinstance(text, (int, float)):
        return float(text)
    m = re.match(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(.*)$", str(text))
    if not m:
        raise ValueError(f"'{text}' is not a number followed by a unit")
    number, units = float(m.group(1)), m.group(2).strip() or to
    return convert(number, units, to)
