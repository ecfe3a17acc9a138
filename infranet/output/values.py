"""Values as people and programs read them: table cells with honest precision, JSON-safe data,
flat CSV records.

A table cell shows a number with the precision its quantity has, chosen from the unit in its key
(``length_km``, ``rtt_ms``, ``mlu``): a length to the kilometre, since site coordinates are
town-level and most lengths are great circle x a route factor, never to the metre; a time to
10 µs (2 km of fiber, the resolution of a length to the kilometre); a ratio to four decimals.
JSON and CSV always carry the full number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from infranet.io.native import plain

__all__ = ["flatten", "is_number", "keys", "records", "text"]

# words of the keys of ratios: shown to 4 decimals
_RATIO_WORDS = frozenset({"mlu", "ratio", "utilisation", "util", "satisfied", "fraction",
                          "lambda", "oversubscription"})
_WORD = re.compile(r"[^a-z0-9]+")


def is_number(value: Any) -> bool:
    """True for ints and floats (numpy ones too), not for booleans."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return type(value).__module__ == "numpy" and hasattr(value, "dtype") and (
        value.dtype.kind in "iuf")


def text(value: Any, key: str = "") -> str:
    """Return a table cell for `value`, with the precision of the quantity `key` names.

    Parameters
    ----------
    value
        A number, string, list, mapping, or None / NaN (shown as ``-``).
    key
        The field the value belongs to; the unit among its words sets the precision: ``km``
        to the kilometre (0.1 km below 10 km, without a ".0": 0, 1, 2.5), ``ms`` to 0.01 ms
        (two significant digits below 0.1 ms; a rate per km or per ms is neither), ratios
        (``mlu``, ``ratio``, ``utilisation``, ``util``, ``satisfied``, ``fraction``) to 4
        decimals, anything else to 3 decimals.
        Numbers of 10^15 and more are shown in exponent form.

    Examples
    --------
    >>> text(5236.3199, "length_km"), text(179.6493, "rtt_ms"), text(0.0003, "amplifier_ms")
    ('5,236', '179.65', '0.0003')
    >>> text(0.0, "fiber_km"), text(1.0, "length_km"), text(2.54, "length_km")
    ('0', '1', '2.5')
    >>> text(4.8974, "us_per_km"), text(0.16, "loss_db_per_km")  # rates per km: 3 decimals
    ('4.897', '0.16')
    >>> text(0.9525253967, "mlu"), text(1843.2, "capacity_tbps"), text(1.7e308, "capacity_gbps")
    ('0.9525', '1,843.2', '1.7e+308')
    >>> text(0.00012, "churn"), text(8.6e-305, "churn")
    ('0.00012', '8.6e-305')
    >>> text(None), text(float("nan")), text(True), text(["a", "b"]), text(12800.0)
    ('-', '-', 'yes', 'a, b', '12,800')
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if is_number(value):
        return _number(float(value) if not isinstance(value, int) else value, key)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        summary = value.get("summary")
        if isinstance(summary, str) and summary:
            return summary
        return ", ".join(f"{k}={text(v, str(k))}" for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(text(v, key) for v in value)
    if hasattr(value, "tolist"):
        return text(value.tolist(), key)
    return str(value)


def _number(value: float | int, key: str) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    size = abs(value)
    if size >= 1e15:
        return f"{value:.4g}"
    words = set(_WORD.split(key.lower()))
    if "per" in words:  # a rate per unit (us_per_km, loss_db_per_km): not a length or time
        words -= {"km", "ms"}
    if "km" in words:  # to the km, to 0.1 km below 10 km; a whole number has no decimals
        shown = f"{value:,.{0 if size >= 10 else 1}f}"
        return shown.removesuffix(".0")
    if "ms" in words:
        return _fixed(value, 2)
    if words & _RATIO_WORDS:
        return _fixed(value, 4)
    if value == int(value):
        return f"{int(value):,}"
    return _fixed(value, 3).rstrip("0").rstrip(".")


def _fixed(value: float, decimals: int) -> str:
    """`decimals` decimals, or two significant digits of a number too small for them (in
    exponent form below a millionth, rather than a row of zeros)."""
    size = abs(value)
    if size == 0 or size >= 10 ** -(decimals - 1):
        return f"{value:,.{decimals}f}"
    if size < 1e-6:
        return f"{value:.2g}"
    return f"{value:.{1 - math.floor(math.log10(size))}f}".rstrip("0")


def flatten(row: Mapping[str, Any], prefix: str = "", *, joiner: str = ";") -> dict[str, Any]:
    """Return `row` with nested mappings spread into ``parent.child`` keys and lists of plain
    values joined with `joiner` (``;`` in CSV cells; tables, whose text wraps between words,
    join with ``"; "`` so that two sentences never run together); a list of mappings keeps each
    one's ``name`` or ``summary``.

    The values are what a CSV cell holds: numbers in full, never JSON.

    Examples
    --------
    >>> flatten({"name": "x", "worst_cut": {"name": "a--b", "rtt_ms": 12.0}, "path": ["a", "b"]})
    {'name': 'x', 'worst_cut.name': 'a--b', 'worst_cut.rtt_ms': 12.0, 'path': 'a;b'}
    >>> flatten({"notes": ["one note.", "another"]}, joiner="; ")
    {'notes': 'one note.; another'}
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        value = plain(value)
        if isinstance(value, Mapping):
            out.update(flatten(value, prefix=f"{name}.", joiner=joiner))
        elif isinstance(value, list):
            out[name] = joiner.join(_item(v) for v in value)
        else:
            out[name] = value
    return out


def _item(value: Any) -> str:
    if isinstance(value, Mapping):
        label = value.get("name", value.get("summary"))
        if label is None:
            label = ",".join(f"{k}={_item(v)}" for k, v in value.items())
        return str(label)
    if isinstance(value, list):
        return ",".join(_item(v) for v in value)
    return "" if value is None else str(value)


def keys(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """The keys of `rows`, in order of first appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def records(rows: Iterable[Mapping[str, Any]],
            columns: Sequence[str] | None = None) -> tuple[list[str], list[dict[str, Any]]]:
    """Return ``(columns, rows)`` flattened for CSV: every column that holds mappings in any row
    becomes its ``parent.child`` columns, in order of first appearance.

    Examples
    --------
    >>> records([{"a": 1, "m": {"x": 2}}, {"a": 3, "m": {"y": 4}}])
    (['a', 'm.x', 'm.y'], [{'a': 1, 'm.x': 2}, {'a': 3, 'm.y': 4}])
    >>> records([], ["file", "problem"])
    (['file', 'problem'], [])
    """
    rows = list(rows)
    if columns is None:
        columns = keys(rows)
    names: dict[str, dict[str, None]] = {key: {} for key in columns}
    flat_rows = []
    for row in rows:
        flat: dict[str, Any] = {}
        for key in columns:
            if key not in row:
                continue
            value = plain(row[key])
            if isinstance(value, Mapping):
                part = flatten(value, prefix=f"{key}.")
                names[key].update(dict.fromkeys(part))
                flat.update(part)
            else:
                flat.update(flatten({key: value}))
                names[key][key] = None
        flat_rows.append(flat)
    return [name for key in columns for name in (names[key] or {key: None})], flat_rows
