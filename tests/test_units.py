"""Tests for sim.units: parsing of pack unit strings and conversion to canonical units."""

import numpy as np
import pytest

from sim.units import CANONICAL_UNITS, describe, parse_units, product_factor, to_canonical, ureg


@pytest.mark.parametrize(
    ("s", "target", "expected"),
    [
        ("亿m3", "m**3", 1e8),
        ("万m3", "m**3", 1e4),
        ("hm3", "m**3", 1e6),
        ("万亩", "ha", 10000 / 15 * 1e4 / 1e4),
        ("mu", "m**2", 10000 / 15),
        ("亩", "m**2", 10000 / 15),
        ("亿m3/a", "m**3/year", 1e8),
        ("万m3/d", "m**3/day", 1e4),
        ("m3/mu", "m", 15 / 10000),
        ("L/d", "m**3/day", 1e-3),
        ("%", "dimensionless", 0.01),
        ("1", "dimensionless", 1.0),
        ("mm", "m", 1e-3),
        ("km2", "ha", 100.0),
        ("ha", "m**2", 1e4),
        ("hm3 a-1", "m**3/year", 1e6),
        ("1e8 m3", "m**3", 1e8),
        ("m3/万元", "m**3/yuan", 1e-4),
        ("L/人/d", "L/person/day", 1.0),
    ],
)
def test_parse_units(s, target, expected):
    assert parse_units(s).to(target).magnitude == pytest.approx(expected, rel=1e-12)


def test_parse_units_returns_a_copy():
    q = parse_units("万m3")
    q *= 2
    assert parse_units("万m3").magnitude == pytest.approx(1e4)


@pytest.mark.parametrize("bad", ["", "  ", "foo", "m3/", "亿", "m3 +", "-1 m3", "0 m3"])
def test_parse_units_rejects(bad):
    with pytest.raises(ValueError) as ei:
        parse_units(bad)
    assert "\n" not in str(ei.value)


def test_year_is_julian():
    assert ureg("a").to("day").magnitude == pytest.approx(365.25)


@pytest.mark.parametrize(
    ("value", "units", "kind", "expected"),
    [
        (150, "万m3/a", "volume_rate", 1.5),
        (1, "亿m3/a", "volume_rate", 100.0),
        (1, "万m3/d", "volume_rate", 3.6525),
        (1, "m3/s", "volume_rate", 31.5576),
        (1, "hm3 a-1", "volume_rate", 1.0),
        (1, "亿m3", "volume", 100.0),
        (2500, "万m3", "volume", 25.0),
        (1, "km3", "volume", 1000.0),
        (1, "万亩", "area", 10000 / 15),
        (1, "km2", "area", 100.0),
        (3, "mu", "area", 0.2),
        (30, "%", "fraction", 0.3),
        (0.3, "1", "fraction", 0.3),
        (2, "1", "dimensionless", 2.0),
    ],
)
def test_to_canonical(value, units, kind, expected):
    assert to_canonical(value, units, kind) == pytest.approx(expected, rel=1e-12)


def test_depth_needs_area():
    assert to_canonical(10, "mm", "volume", area_ha=1000) == pytest.approx(0.1)
    assert to_canonical(100, "mm/a", "volume_rate", area_ha=1000) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="needs the area"):
        to_canonical(10, "mm", "volume")
    with pytest.raises(ValueError, match="is a length"):
        to_canonical(10, "mm", "area", area_ha=1000)


def test_arrays_broadcast_with_area():
    out = to_canonical(np.array([10.0, 20.0]), "mm", "volume", area_ha=np.array([1000.0, 500.0]))
    np.testing.assert_allclose(out, [0.1, 0.1])


def test_wrong_dimension_message():
    with pytest.raises(ValueError) as ei:
        to_canonical(1, "亿m3", "volume_rate", name="sustainable_yield")
    assert str(ei.value) == "'亿m3' is a volume but 'sustainable_yield' needs a volume rate (e.g. 亿m3/a)"
    with pytest.raises(ValueError, match="'ha' is an area but needed is a fraction"):
        to_canonical(1, "ha", "fraction")
    with pytest.raises(ValueError, match="is a volume rate but"):
        to_canonical(1, "万m3/a", "volume")
    with pytest.raises(ValueError, match="unknown kind"):
        to_canonical(1, "1", "speed")


def test_product_factor():
    # 1 万亩 × 300 m3/mu/a = 3e6 m3/a = 3 hm3/a
    assert 1 * 300 * product_factor("万亩", "m3/mu/a", "volume_rate") == pytest.approx(3.0)
    # 10 万人 × 100 L/人/d = 1e4 m3/d = 3.6525 hm3/a
    assert 10 * 100 * product_factor("万人", "L/人/d", "volume_rate") == pytest.approx(3.6525)
    # 120 亿元/a × 10 m3/万元 = 12 hm3/a
    assert 120 * 10 * product_factor("亿元/a", "m3/万元", "volume_rate") == pytest.approx(12.0)
    with pytest.raises(ValueError, match="is a volume but 'requirement' needs a volume rate"):
        product_factor("万亩", "m3/mu", "volume_rate", "requirement")


def test_describe_and_canonical_strings():
    assert describe(parse_units("m3/s")) == "a volume rate"
    assert describe(parse_units("%")) == "dimensionless"
    assert describe(parse_units("kg")).startswith("of dimension")
    for kind, s in CANONICAL_UNITS.items():
        assert parse_units(s).dimensionless or kind in ("volume", "volume_rate", "area")
        assert to_canonical(1.0, s, kind) == pytest.approx(1.0)
