"""Output for programs: one JSON document, or one rectangular CSV table, per command.

CSV cells hold plain values only: numbers in full without thousands separators, lists joined
with ``;``, nested mappings spread into ``parent.child`` columns, never JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from infranet.io.native import plain
from infranet.output.values import records

__all__ = ["to_csv", "to_json"]


def to_json(data: Any) -> str:
    """Return `data` as indented JSON (NaN and infinities as null).

    Examples
    --------
    >>> print(to_json({"rtt_ms": float("nan"), "path": ("a", "b")}))
    {
      "rtt_ms": null,
      "path": [
        "a",
        "b"
      ]
    }
    """
    return json.dumps(plain(data), indent=2, ensure_ascii=False, allow_nan=False)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Return `rows` as one CSV table with a header row.

    Parameters
    ----------
    rows
        One mapping per row; nested mappings become ``parent.child`` columns.
    columns
        Column order and selection (default: the keys of the rows in order of appearance).

    Examples
    --------
    >>> print(to_csv([{"name": "x", "length_km": 1200.5, "srlg": ["i70", "i80"]}]), end="")
    name,length_km,srlg
    x,1200.5,i70;i80
    """
    names, flat = records(rows, columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in flat:
        writer.writerow(["" if row.get(name) is None else row[name] for name in names])
    return out.getvalue()
