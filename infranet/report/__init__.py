"""Output of results: rich tables for people, JSON and CSV for programs.

Every CLI command formats through :func:`emit`, so ``--format table|json|csv`` means the same
everywhere. Data goes to stdout; nothing here writes diagnostics.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FORMATS", "cell", "emit", "to_csv", "to_json"]

FORMATS = ("table", "json", "csv")


def _clean(value: Any) -> Any:
    """JSON-safe values: NaN and infinities become null, numpy scalars plain Python."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def to_json(data: Any) -> str:
    """Return `data` as indented JSON (NaN and inf as null)."""
    return json.dumps(_clean(data), indent=2, ensure_ascii=False)


def cell(value: Any, digits: int = 3) -> str:
    """Return a table cell: rounded floats, ``-`` for missing, lists joined by commas."""
    value = _clean(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e12:
            return f"{int(value):,}"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, digits) for v in value)
    if isinstance(value, dict):
        return value.get("summary") or ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return str(value)


def to_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Return rows as CSV text; lists are joined with ``;``, missing values left empty."""
    columns = list(columns or (rows[0].keys() if rows else []))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        values = []
        for key in columns:
            value = _clean(row.get(key))
            if isinstance(value, (list, tuple)):
                value = ";".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = value.get("summary") or json.dumps(value)
            values.append("" if value is None else value)
        writer.writerow(values)
    return out.getvalue()


def emit(data: Any, fmt: str, *, rows: Sequence[Mapping[str, Any]] | None = None,
         columns: Sequence[str] | None = None, title: str | None = None,
         transpose: bool = False, stream=None) -> None:
    """Write a result in `fmt` to stdout.

    Parameters
    ----------
    data
        What JSON prints (a dict or list).
    rows
        What the table and CSV print (default: `data` when it is a list of dicts).
    columns
        Column order and selection for table and CSV.
    transpose
        Table only: one column per row (``compare`` puts topologies side by side).
    """
    stream = stream or sys.stdout
    if fmt == "json":
        stream.write(to_json(data) + "\n")
        return
    if rows is None:
        rows = data if isinstance(data, list) else [data]
    if fmt == "csv":
        stream.write(to_csv(rows, columns))
        return
    from rich.console import Console
    from rich.table import Table

    columns = list(columns or (rows[0].keys() if rows else []))
    table = Table(title=title, show_lines=False, header_style="bold")
    if transpose:
        table.add_column("")
        for row in rows:
            table.add_column(str(row.get("name", "")), overflow="fold")
        for key in columns:
            if key == "name":
                continue
            table.add_row(key, *[cell(row.get(key)) for row in rows])
    else:
        for key in columns:
            table.add_column(key, overflow="fold")
        for row in rows:
            table.add_row(*[cell(row.get(key)) for key in columns])
    Console(file=stream, width=None if stream.isatty() else 160).print(table)
