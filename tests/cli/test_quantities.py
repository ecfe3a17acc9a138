"""The CLI's parameter types, one per quantity: units read by infranet.units, one-line errors
with an example, and round trips through units.format_quantity."""

from __future__ import annotations

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infranet.cli import _options
from infranet.cli._options import BANDWIDTH, DATA_SIZE, DURATION, LENGTH, POWER, Quantity, Rate
from infranet.units import format_quantity

TYPES = {"size": DATA_SIZE, "bandwidth": BANDWIDTH, "time": DURATION, "length": LENGTH,
         "power": POWER}


@pytest.mark.parametrize(("kind", "text", "expected"), [
    (DATA_SIZE, "64MiB", 64 * 2**20),
    (DATA_SIZE, "140GB", 140e9),
    (DATA_SIZE, "2.5 GiB", 2.5 * 2**30),
    (DATA_SIZE, "4096", 4096.0),
    (BANDWIDTH, "450GB/s", 3600.0),  # bytes per second, x 8
    (BANDWIDTH, "400G", 400.0),
    (BANDWIDTH, "400 Gb/s", 400.0),
    (BANDWIDTH, "3.2Tb/s", 3200.0),
    (BANDWIDTH, "1.6T", 1600.0),
    (BANDWIDTH, "100", 100.0),
    (DURATION, "3us", 3e-6),
    (DURATION, "3 µs", 3e-6),
    (DURATION, "10ms", 0.01),
    (DURATION, "250ns", 2.5e-7),
    (DURATION, "2 s", 2.0),
    (DURATION, "0.5", 0.5),  # a bare number is seconds
    (DURATION, "0", 0.0),
    (LENGTH, "300km", 300.0),
    (LENGTH, "500 m", 0.5),
    (LENGTH, "0", 0.0),
    (POWER, "300MW", 300.0),
    (POWER, "120 kW", 0.12),
    (POWER, "1.5", 1.5),
])
def test_reads_quantities_in_their_unit(kind, text, expected):
    assert kind.convert(text, None, None) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("kind", "text", "words"), [
    (DATA_SIZE, "64Mb", "'Mb' is megabits; a size is in bytes: write MB or MiB"),
    (DATA_SIZE, "1 Gbit", "gigabits"),
    (DATA_SIZE, "64 MiBs", "unknown size unit"),
    (DATA_SIZE, "0", "must be > 0"),
    (BANDWIDTH, "fast", "cannot read 'fast'"),
    (BANDWIDTH, "-400G", "must be > 0"),
    (DURATION, "3 fortnights", "unknown time unit"),
    (DURATION, "-3us", "must be >= 0"),
    (LENGTH, "-1 km", "must be >= 0"),
    (POWER, "0 MW", "must be > 0"),
    (POWER, "nan", "cannot read 'nan' as a power; write a number in MW or a number with a unit"),
    (DURATION, "1e400 s", "expected a finite time"),
])
def test_bad_values_fail_in_one_line_with_an_example(kind, text, words):
    with pytest.raises(click.BadParameter) as caught:
        kind.convert(text, None, None)
    message = caught.value.format_message()
    assert "\n" not in message and words in message
    assert message.endswith(f"(e.g. {kind.example})") and message.count("e.g.") == 1


def test_each_quantity_has_one_type():
    types = [v for v in vars(_options).values() if isinstance(v, Quantity)]
    assert sorted(t.quantity for t in types) == sorted(TYPES)
    assert isinstance(Rate(), Quantity) and Rate().convert("1.6T", None, None) == 1600.0


def test_commands_use_the_shared_bandwidth_type():
    from infranet.cli.fabric import generate
    from infranet.cli.routing import route

    dci = next(p for p in generate.params if p.name == "dci")
    capacity = next(p for p in route.params if p.name == "default_capacity")
    assert dci.type is BANDWIDTH and capacity.type is BANDWIDTH


POSITIVE = st.floats(min_value=1e-9, max_value=1e15, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("quantity", TYPES)
@given(value=POSITIVE)
def test_format_then_read_is_close(quantity, value):
    kind = TYPES[quantity]
    text = format_quantity(value, quantity, unit=kind.unit)
    # four significant digits: half a unit in the fourth is 5e-4 relative
    assert kind.convert(text, None, None) == pytest.approx(value, rel=5e-4)
