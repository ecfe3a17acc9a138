import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infranet.errors import ValidationError
from infranet.units import format_quantity, parse


@pytest.mark.parametrize(("text", "quantity", "expected"), [
    ("12.8 Tb/s", "bandwidth", 12800.0),
    ("400G", "bandwidth", 400.0),
    ("400 Gbps", "bandwidth", 400.0),
    ("100 Mb/s", "bandwidth", 0.1),
    ("1e10 bit/s", "bandwidth", 10.0),
    ("50 GB/s", "bandwidth", 400.0),  # bytes per second
    ("1.6 Tbit/s", "bandwidth", 1600.0),
    ("620 km", "length", 620.0),
    ("1,200 km", "length", 1200.0),
    ("500 m", "length", 0.5),
    ("10 mi", "length", 16.09344),
    ("1.5 ms", "time", 1.5),
    ("250 us", "time", 0.25),
    ("250 µs", "time", 0.25),
    ("2 s", "time", 2000.0),
    ("300 MW", "power", 300.0),
    ("700 W", "power", 0.0007),
    ("2.5 GiB", "size", 2.5 * 2**30),
    ("2.5 GB", "size", 2.5e9),
    (42, "length", 42.0),
])
def test_parse_known_units(text, quantity, expected):
    assert parse(text, quantity) == pytest.approx(expected, rel=1e-12)


def test_terabit_is_not_a_barn():
    # general unit libraries read "Tb" as a terabarn; here it is a bandwidth prefix
    assert parse("1 Tb/s", "bandwidth") == 1000.0


def test_megawatt_is_not_milliwatt():
    assert parse("1 MW", "power") == 1.0


@pytest.mark.parametrize("bad", ["12.8 Tbz", "abc", "", "10 furlongs", True, None, [1], math.nan,
                                 math.inf, "nan", "1e400"])
def test_parse_rejects(bad):
    with pytest.raises(ValidationError):
        parse(bad, "length")


def test_unit_typo_suggests():
    with pytest.raises(ValidationError, match="did you mean 'gb/s'"):
        parse("400 gb/z", "bandwidth")


@given(st.floats(min_value=1e-6, max_value=1e9, allow_nan=False))
def test_format_then_parse_is_close(value):
    text = format_quantity(value, "bandwidth")
    assert parse(text, "bandwidth") == pytest.approx(value, rel=1e-3)


@pytest.mark.parametrize(("text", "quantity", "unit", "expected"), [
    ("3us", "time", "s", 3e-6),
    ("10 ms", "time", "s", 0.01),
    (0.5, "time", "s", 0.5),  # a bare number is in the unit asked for
    ("0.5", "time", "s", 0.5),
    ("120 kW", "power", "kW", 120.0),
    ("2 km", "length", "m", 2000.0),
    ("1 GiB", "size", "MiB", 1024.0),
])
def test_parse_into_a_unit(text, quantity, unit, expected):
    assert parse(text, quantity, unit=unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("text", "instead"), [("64 Mb", "MB or MiB"), ("1Gbit", "GB or GiB"),
                                               ("8 b", "B"), ("2 Kib", "KiB")])
def test_sizes_in_bits_are_refused_not_divided(text, instead):
    with pytest.raises(ValidationError, match=f"a size is in bytes: write {instead}$"):
        parse(text, "size")


@pytest.mark.parametrize("quantity", ["bandwidth", "length", "time", "power", "size"])
@given(value=st.floats(min_value=1e-9, max_value=1e15, allow_nan=False))
def test_every_quantity_formats_and_parses_back(quantity, value):
    assert parse(format_quantity(value, quantity), quantity) == pytest.approx(value, rel=5e-4)
