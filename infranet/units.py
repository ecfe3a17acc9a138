"""Quantities with units, parsed only at the boundary.

Inside infranet every quantity has one canonical unit, carried in its name: bandwidth in Gb/s
(``capacity_gbps``), length in km, time in ms, power in MW, size in bytes. Files and the CLI may
write numbers in that unit or strings with a unit ("12.8 Tb/s", "400G", "620 km", "1.5 ms",
"300 MW"); :func:`parse` turns them into the canonical number.

The unit table is small and explicit on purpose: general unit libraries read "Tb" as a barn.
"""

from __future__ import annotations

import math
import re

from infranet.errors import ValidationError, did_you_mean

__all__ = ["QUANTITIES", "format_quantity", "parse"]

# quantity -> (canonical unit, {unit spelling: factor to the canonical unit})
_BANDWIDTH = {
    "b/s": 1e-9, "bps": 1e-9, "bit/s": 1e-9,
    "kb/s": 1e-6, "kbps": 1e-6, "kbit/s": 1e-6, "k": 1e-6,
    "mb/s": 1e-3, "mbps": 1e-3, "mbit/s": 1e-3, "m": 1e-3,
    "gb/s": 1.0, "gbps": 1.0, "gbit/s": 1.0, "g": 1.0,
    "tb/s": 1e3, "tbps": 1e3, "tbit/s": 1e3, "t": 1e3,
    "pb/s": 1e6, "pbps": 1e6, "pbit/s": 1e6, "p": 1e6,
    # bytes per second: 8 bits each
    "gbyte/s": 8.0, "tbyte/s": 8e3, "mbyte/s": 8e-3,
}
_BYTE_RATES = {"B/s": 8e-9, "kB/s": 8e-6, "MB/s": 8e-3, "GB/s": 8.0, "TB/s": 8e3}
_LENGTH = {"m": 1e-3, "km": 1.0, "mi": 1.609344, "mile": 1.609344, "miles": 1.609344}
_TIME = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "μs": 1e-3, "ms": 1.0, "s": 1e3}
_POWER = {"w": 1e-6, "kw": 1e-3, "mw": 1.0, "gw": 1e3}
_SIZE = {"B": 1.0, "byte": 1.0, "bytes": 1.0, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
         "PB": 1e15, "KiB": 2.0**10, "MiB": 2.0**20, "GiB": 2.0**30, "TiB": 2.0**40,
         "PiB": 2.0**50}
#: Bit units written where a size in bytes is asked for: refused, never divided by 8 silently
#: ("64Mb" is far more often a typo for 64 MB than a size in bits).
_SIZE_BITS = {
    **dict.fromkeys(("b", "bit", "bits"), ("bits", "B")),
    **dict.fromkeys(("kb", "Kb", "kbit"), ("kilobits", "kB or KiB")),
    **dict.fromkeys(("Mb", "Mbit"), ("megabits", "MB or MiB")),
    **dict.fromkeys(("Gb", "Gbit"), ("gigabits", "GB or GiB")),
    **dict.fromkeys(("Tb", "Tbit"), ("terabits", "TB or TiB")),
    "Kib": ("kibibits", "KiB"), "Mib": ("mebibits", "MiB"), "Gib": ("gibibits", "GiB"),
    "Tib": ("tebibits", "TiB"),
}

QUANTITIES: dict[str, tuple[str, dict[str, float]]] = {
    "bandwidth": ("Gb/s", _BANDWIDTH),
    "length": ("km", _LENGTH),
    "time": ("ms", _TIME),
    "power": ("MW", _POWER),
    "size": ("B", _SIZE),
}
_CASE_SENSITIVE = {"size"}  # "MB" (bytes) and "Mb" (bits) differ only in case

_NUMBER = re.compile(r"^\s*([-+]?(?:\d[\d,_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def _lookup(quantity: str, unit: str) -> float | None:
    table = QUANTITIES[quantity][1]
    if quantity == "bandwidth" and unit in _BYTE_RATES:
        return _BYTE_RATES[unit]
    if quantity in _CASE_SENSITIVE:
        return table.get(unit)
    key = unit.lower()
    if quantity == "power" and unit in ("MW", "mW"):  # megawatt, never milliwatt
        key = "mw"
    return table.get(key)


def parse(value: object, quantity: str, *, where: str = "", unit: str | None = None) -> float:
    """Return `value` in the canonical unit of `quantity` (Gb/s, km, ms, MW or bytes), or in
    `unit`.

    Parameters
    ----------
    value
        A number (in `unit`, by default the canonical one) or a string with a unit.
    quantity
        One of ``bandwidth``, ``length``, ``time``, ``power``, ``size``.
    where
        Prefix for error messages: the file, element and field being parsed.
    unit
        A unit of `quantity` (e.g. ``"s"`` for time): the unit of a bare number and of the
        result. Default: the canonical unit.

    Raises
    ------
    ValidationError
        For booleans, NaN, infinities, unknown units and unparsable strings; for a size, bit
        units (``Mb``, ``Gbit``): sizes are in bytes.

    Examples
    --------
    >>> parse("12.8 Tb/s", "bandwidth")
    12800.0
    >>> parse("400G", "bandwidth")
    400.0
    >>> parse("1,200 km", "length")
    1200.0
    >>> parse("1.5 ms", "time"), parse("250 us", "time")
    (1.5, 0.25)
    >>> parse(300, "power")
    300.0
    >>> parse("3us", "time", unit="s"), parse(0.5, "time", unit="s")
    (3e-06, 0.5)
    >>> parse("64 Mb", "size")
    Traceback (most recent call last):
    ...
    infranet.errors.ValidationError: 'Mb' is megabits; a size is in bytes: write MB or MiB
    """
    canonical, table = QUANTITIES[quantity]
    scale = 1.0 if unit is None else _lookup(quantity, unit)
    if scale is None:
        raise ValueError(f"{unit!r} is not a unit of {quantity}")
    canonical = canonical if unit is None else unit
    prefix = f"{where}: " if where else ""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{prefix}expected a {quantity} in {canonical}, got {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER.match(value)
        if not match:
            raise ValidationError(
                f"{prefix}cannot read {value!r} as a {quantity}; write a number in {canonical} "
                f"or a number with a unit, e.g. '{_example(quantity)}'"
            )
        number = float(match.group(1).replace(",", "").replace("_", ""))
        written = match.group(2)
        if written:
            factor = _lookup(quantity, written)
            if factor is None and quantity == "size" and written in _SIZE_BITS:
                noun, instead = _SIZE_BITS[written]
                raise ValidationError(
                    f"{prefix}{written!r} is {noun}; a size is in bytes: write {instead}")
            if factor is None:
                # bit rates last: a case-insensitive near miss suggests Gb/s, not GB/s
                spellings = (list(_BYTE_RATES) if quantity == "bandwidth" else []) + list(table)
                raise ValidationError(
                    f"{prefix}unknown {quantity} unit {written!r} in {value!r}"
                    f"{did_you_mean(written, spellings)}; known units: {_known(quantity)}"
                )
            number *= factor / scale
    else:
        raise ValidationError(
            f"{prefix}expected a {quantity} (number in {canonical} or string with a unit), "
            f"got {type(value).__name__}"
        )
    if not math.isfinite(number):
        raise ValidationError(f"{prefix}expected a finite {quantity}, got {value!r}")
    return number


#: Units a value is printed in, largest first (the first not above it is chosen).
_DISPLAY: dict[str, tuple[tuple[str, float], ...]] = {
    "bandwidth": (("Pb/s", 1e6), ("Tb/s", 1e3), ("Gb/s", 1.0), ("Mb/s", 1e-3)),
    "length": (("km", 1.0), ("m", 1e-3)),
    "time": (("s", 1e3), ("ms", 1.0), ("us", 1e-3), ("ns", 1e-6)),
    "power": (("GW", 1e3), ("MW", 1.0), ("kW", 1e-3), ("W", 1e-6)),
    "size": (("PiB", 2.0**50), ("TiB", 2.0**40), ("GiB", 2.0**30), ("MiB", 2.0**20),
             ("KiB", 2.0**10), ("B", 1.0)),
}


def format_quantity(value: float, quantity: str, *, unit: str | None = None) -> str:
    """Return a short human string for a value, choosing a readable prefix (four significant
    digits; :func:`parse` reads it back).

    `value` is in the canonical unit of `quantity`, or in `unit` when given.

    Examples
    --------
    >>> format_quantity(12800.0, "bandwidth")
    '12.8 Tb/s'
    >>> format_quantity(0.4, "bandwidth")
    '400 Mb/s'
    >>> format_quantity(640.0, "length")
    '640 km'
    >>> format_quantity(64 * 2**20, "size"), format_quantity(3e-6, "time", unit="s")
    ('64 MiB', '3 us')
    """
    if unit is not None:
        factor = _lookup(quantity, unit)
        if factor is None:
            raise ValueError(f"{unit!r} is not a unit of {quantity}")
        value *= factor
    choices = _DISPLAY[quantity]
    for name, factor in choices:
        if abs(value) >= factor:
            return f"{value / factor:.4g} {name}"
    name, factor = choices[-1]
    return f"{value / factor:.4g} {name}"


def _known(quantity: str) -> str:
    return {
        "bandwidth": "b/s, kb/s, Mb/s, Gb/s, Tb/s, Pb/s (or bps/G/T), GB/s for bytes",
        "length": "m, km, mi",
        "time": "ns, us, µs, ms, s",
        "power": "W, kW, MW, GW",
        "size": "B, kB, MB, GB, TB, KiB, MiB, GiB, TiB",
    }[quantity]


def _example(quantity: str) -> str:
    return {"bandwidth": "400 Gb/s", "length": "620 km", "time": "1.5 ms",
            "power": "300 MW", "size": "2.5 GiB"}[quantity]
