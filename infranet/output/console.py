"""Where output goes: data to stdout in one of three formats, diagnostics and progress to stderr.

Tables are as wide as the terminal (or ``COLUMNS``, when set); output to a pipe or a file is as
wide as the table needs, never wrapped at a fixed width. Progress bars appear only when stderr
is a terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from infranet.output.records import to_csv, to_json
from infranet.output.tables import render
from infranet.output.values import keys

__all__ = ["FORMATS", "emit", "progress", "table_width"]

FORMATS = ("table", "json", "csv")


def table_width(stream: TextIO | None = None) -> int | None:
    """Characters per line for tables on `stream` (default stdout).

    ``COLUMNS`` when it is set to a number; else the terminal's width when `stream` is a
    terminal; else None (unlimited: a pipe or a file gets whole lines).
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return 80
    return None


def emit(data: Any, fmt: str, *, rows: Sequence[Mapping[str, Any]] | None = None,
         columns: Sequence[str] | None = None, title: str | None = None,
         transpose: bool = False, quantity: str | None = None,
         stream: TextIO | None = None) -> None:
    """Write a result to stdout as a table, JSON or CSV.

    Parameters
    ----------
    data
        What JSON prints (a mapping or a list).
    fmt
        ``table``, ``json`` or ``csv``.
    rows
        What the table and the CSV print (default: `data` when it is a list, else ``[data]``).
    columns
        Column order and selection for the table and the CSV.
    title
        Table only: a line above it saying what the numbers are.
    transpose
        Table only: one column per row (``compare`` puts topologies side by side).
    quantity
        Table only: the key whose unit sets the precision of every number (a matrix).
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
    shown = keys(rows) if columns is None else columns
    stream.write(render(rows, shown, title=title, transpose=transpose,
                        width=table_width(stream), quantity=quantity) + "\n")


@contextlib.contextmanager
def progress(description: str, *, total: float | None = None,
             stream: TextIO | None = None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr while the block runs, shown only when stderr is a terminal.

    Yields ``update(phase=None, done=None, total=None)``: a new phase name, and how much of the
    total is done (bytes read, say). When stderr is not a terminal, ``update`` does nothing.
    """
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    if isatty is None or not isatty():
        yield _nothing
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                   console=Console(file=stream), transient=True)
    task = bar.add_task(description, total=total)

    def update(phase: str | None = None, done: float | None = None,
               total: float | None = None) -> None:
        changes: dict[str, Any] = {}
        if phase is not None:
            changes["description"] = f"{description}: {phase}"
        if total is not None:
            changes["total"] = total
        if done is not None:
            changes["completed"] = done
        bar.update(task, **changes)

    with bar:
        yield update


def _nothing(phase: str | None = None, done: float | None = None,
             total: float | None = None) -> None:
    return None
