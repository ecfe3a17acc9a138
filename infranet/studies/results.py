"""A study's results on disk: written as rows arrive, resumable, read back as one table.

Two formats, by the output's name:

``results.parquet``
    A folder of Parquet parts, ``part-000000.parquet``, ``part-000001.parquet``, ... One part
    per batch of rows, written when :data:`PART_ROWS` rows are waiting or :data:`PART_SECONDS`
    have passed since the last part, and at the end. Each part is written whole under a hidden
    temporary name and renamed into place (the one safe writer, :func:`infranet.io.files.
    write_bytes`), so a study killed part-way leaves only complete parts. Parts may have
    different columns (a later row brings a field the first ones lacked): reading takes the
    union. Each part records the scenario order of its rows, so reading gives them in the
    study's order.
anything else (``results.csv``)
    One CSV file, a row appended (and flushed to disk) as each arrives; the header grows, the
    file rewritten through the safe writer, when a row brings a new column.

:func:`read_results` reads either (a Parquet file too) as a pandas DataFrame.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "rows.parquet"
>>> sink = writer(folder)
>>> sink.start()
>>> sink.write({"scenario_id": "b", "x": 2, "error": None}, index=1)
>>> sink.write({"scenario_id": "a", "x": 1, "error": None, "extra": "new"}, index=0)
>>> sink.close()
>>> sorted(p.name for p in folder.iterdir())
['part-000000.parquet']
>>> read_results(folder)[["scenario_id", "x", "extra"]].values.tolist()
[['a', 1, 'new'], ['b', 2, nan]]
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from infranet.errors import FormatError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PART_ROWS", "PART_SECONDS", "CsvWriter", "PartsWriter", "Writer", "is_parquet",
           "read_results", "writer"]

#: A Parquet part is written once this many rows are waiting ...
PART_ROWS = 5000
#: ... or this many seconds after the last part (s), whichever comes first, so a long study
#: loses at most a few seconds of work when killed.
PART_SECONDS = 3.0

#: Seconds between asking the disk to keep the rows of a CSV results file (each row reaches
#: the kernel as it is written, so a killed process loses none).
SYNC_SECONDS = 1.0

#: Name of the i-th part of a Parquet results folder.
PART_NAME = "part-{:06d}.parquet"
_PART = re.compile(r"^part-(\d{6,})\.parquet$")
#: Key of a part's metadata that records the scenario order of its rows.
ORDER_KEY = b"infranet.scenario_order"


class Writer(Protocol):
    """What :func:`infranet.studies.sweep.run` writes rows through."""

    path: Path

    def start(self) -> None: ...

    def resume(self, known: set[str]) -> pd.DataFrame | None: ...

    def write(self, row: Mapping[str, Any], *, index: int) -> None: ...

    def close(self) -> None: ...


def is_parquet(path: str | Path) -> bool:
    """True when results at `path` read as Parquet: a name ending ``.parquet`` or a folder."""
    return str(path).endswith((".parquet", ".parquet/", ".parquet" + os.sep)) \
        or Path(path).is_dir()


def writer(path: str | Path) -> Writer:
    """The writer of results at `path`: a folder of Parquet parts for ``*.parquet``, else a
    CSV file."""
    if str(path) == "-":
        raise ValidationError("rows are written as they arrive and can be resumed: give a "
                              "file, not - (stdout)", field="output")
    if str(path).rstrip("/" + os.sep).endswith(".parquet"):  # by name: a folder is no CSV
        return PartsWriter(Path(path), rows=PART_ROWS, seconds=PART_SECONDS)
    return CsvWriter(Path(path))


def _stray(kept: pd.DataFrame, known: set[str], path: Path) -> None:
    if "scenario_id" not in kept.columns:
        raise ValidationError("not a results file of a study (no scenario_id column)",
                              file=str(path))
    stray = ~kept["scenario_id"].isin(known)
    if stray.any():
        first = int(stray.to_numpy().argmax())
        label = kept.index[first]  # a CSV file's rows keep their place in the file
        where = (f"line {int(label) + 2}" if not path.is_dir() and isinstance(label, int)
                 else f"row {first + 1}")
        raise ValidationError(f"{where}: scenario_id {kept['scenario_id'].iloc[first]!r} is "
                              "no scenario of this study (the results of another study or "
                              "of an edited one, or a damaged row); write to another file or "
                              "start afresh without --resume", file=str(path))


class CsvWriter:
    """Rows appended to a CSV file as they arrive; the header grows (the file is rewritten)
    when a row brings a column the header lacks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header: list[str] = []
        self._handle: IO[str] | None = None
        self._synced = time.monotonic()

    def start(self) -> None:
        from infranet.io.files import write_text

        write_text(self.path, "")  # checked, atomic, with the user's umask

    def resume(self, known: set[str]) -> pd.DataFrame | None:
        import pandas as pd

        from infranet.io.files import writable

        writable(self.path)  # a regular file (or none yet), never a device or a directory
        if not self.path.exists() or self.path.stat().st_size == 0:
            self.start()
            return None
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1  # a row cut short by a kill is dropped
        if end < len(data):
            with open(self.path, "r+b") as handle:
                handle.truncate(end)
        with open(self.path, newline="") as handle:
            header = next(csv.reader(handle), [])
        if "scenario_id" not in header:
            raise ValidationError("not a results file of a study (no scenario_id column)",
                                  file=str(self.path))
        self.header = header
        kept = pd.read_csv(self.path, dtype={"scenario_id": str})
        kept = kept.drop_duplicates("scenario_id", keep="first")
        _stray(kept, known, self.path)
        return kept

    def write(self, row: Mapping[str, Any], *, index: int) -> None:
        missing = [key for key in row if key not in self.header]
        if missing:
            self._grow(missing)
        if self._handle is None:
            self._handle = open(self.path, "a", newline="")  # noqa: SIM115 - kept open
        csv.writer(self._handle).writerow(["" if row.get(c) is None else row[c]
                                           for c in self.header])
        # each row reaches the kernel at once (a killed process loses none); the disk is
        # asked to keep them every SYNC_SECONDS and at the end (a lost machine loses at most
        # those seconds, which --resume runs again)
        self._handle.flush()
        now = time.monotonic()
        if now - self._synced >= SYNC_SECONDS:
            os.fsync(self._handle.fileno())
            self._synced = now

    def close(self) -> None:
        """Every row written is on disk when this returns."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None

    def _grow(self, columns: list[str]) -> None:
        from infranet.io.files import write_text

        self.close()
        with open(self.path, newline="") as handle:
            old = list(csv.reader(handle))[1:] if self.header else []
        width = len(self.header)
        self.header = self.header + columns
        text = io.StringIO(newline="")
        out = csv.writer(text)
        out.writerow(self.header)
        out.writerows(r + [""] * (len(self.header) - width) for r in old)
        write_text(self.path, text.getvalue())  # the one safe writer: atomic, user's umask


def _parts(folder: Path) -> list[tuple[int, Path]]:
    found = []
    for entry in folder.iterdir():
        match = _PART.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found)


def _column(values: list[Any]) -> Any:
    """An Arrow array of `values`; values Arrow cannot hold in one type (text and numbers in
    one grid path, say) are kept as text, as a CSV file would keep them."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else json.dumps(v, default=str)
                         if isinstance(v, (list, dict)) else str(v) for v in values],
                        type=pa.string())


class PartsWriter:
    """Rows written to a folder of Parquet parts, a part per batch (see the module)."""

    def __init__(self, path: Path, *, rows: int = PART_ROWS, seconds: float = PART_SECONDS
                 ) -> None:
        self.path = path
        self.rows = rows
        self.seconds = seconds
        self.waiting: list[tuple[int, Mapping[str, Any]]] = []
        self.next = 0
        self.last = time.monotonic()

    def _folder(self) -> None:
        """Make the folder, or check that an existing one holds only parts."""
        if self.path.exists() or self.path.is_symlink():
            if not self.path.is_dir():
                raise FormatError("is not a folder; Parquet results are a folder of parts "
                                  "(give a new name, or a .csv file)", file=str(self.path))
            others = [e.name for e in self.path.iterdir()
                      if not _PART.match(e.name) and not e.name.startswith(".part-")]
            if others:
                raise FormatError(f"holds {others[0]}, which is not a part of study results; "
                                  "give a new folder", file=str(self.path))
            return
        if not self.path.parent.is_dir():
            raise FormatError(f"directory does not exist ({self.path.parent}); create it "
                              "first", file=str(self.path))
        try:
            self.path.mkdir()
        except OSError as err:
            raise FormatError(f"cannot write: {err.strerror or err}",
                              file=str(self.path)) from None

    def _clear_temporary(self) -> None:
        for entry in self.path.iterdir():  # parts a kill caught before their rename
            if entry.name.startswith(".part-"):
                entry.unlink(missing_ok=True)

    def start(self) -> None:
        self._folder()
        self._clear_temporary()
        for _, part in _parts(self.path):
            part.unlink()
        self.next = 0

    def resume(self, known: set[str]) -> pd.DataFrame | None:
        self._folder()
        self._clear_temporary()
        parts = _parts(self.path)
        if not parts:
            return None
        self.next = parts[-1][0] + 1
        kept = read_results(self.path)
        kept = kept.drop_duplicates("scenario_id", keep="first")
        _stray(kept, known, self.path)
        return kept

    def write(self, row: Mapping[str, Any], *, index: int) -> None:
        self.waiting.append((index, row))
        if len(self.waiting) >= self.rows or time.monotonic() - self.last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Write the rows waiting as the next part."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from infranet.io.files import write_bytes

        self.last = time.monotonic()
        if not self.waiting:
            return
        columns: dict[str, list[Any]] = {}
        for n, (_, row) in enumerate(self.waiting):
            for key in row:
                columns.setdefault(key, [None] * n)
            for key, values in columns.items():
                values.append(row.get(key))
        order = json.dumps([index for index, _ in self.waiting]).encode()
        table = pa.table({key: _column(values) for key, values in columns.items()})
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               ORDER_KEY: order})
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        write_bytes(self.path / PART_NAME.format(self.next), buffer.getvalue())
        self.next += 1
        self.waiting = []

    def close(self) -> None:
        """Write the rows still waiting."""
        self.flush()


def _read_part(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as err:
        first = " ".join(str(err).split()) or type(err).__name__
        raise FormatError(f"not a Parquet file ({first})", file=str(path)) from None
    frame = table.to_pandas()
    order = (table.schema.metadata or {}).get(ORDER_KEY)
    if order is not None:
        frame.insert(0, "_order", json.loads(order))
    return frame


def read_results(path: str | Path) -> pd.DataFrame:
    """Read a study's results: a folder of Parquet parts, one Parquet file, or a CSV file
    (``-``: standard input), as one DataFrame.

    Parquet parts are concatenated with the union of their columns (a column a part lacks is
    empty in its rows) and given in the study's scenario order; a CSV file's rows are given as
    they are in the file (the order they were done in). The columns are in the order
    :func:`infranet.studies.sweep.run` gives them: ``error`` and ``wall_s`` last.

    Raises
    ------
    FormatError
        One line naming the file or part that is missing, empty or not a table.
    """
    import pandas as pd

    if str(path) != "-" and Path(path).is_dir():
        folder = Path(path)
        parts = _parts(folder)
        if not parts:
            raise FormatError("holds no results parts (part-000000.parquet, ...)",
                              file=str(path))
        frames = [_read_part(part) for _, part in parts]
        frames = [f for f in frames if len(f)] or frames[:1]
        frame = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 \
            else frames[0]
    elif str(path).endswith(".parquet"):
        if not Path(path).exists():
            raise FormatError("file not found", file=str(path))
        frame = _read_part(Path(path))
    else:
        from infranet.io.files import read_text

        text = read_text(path)
        if not text.strip():
            raise FormatError("the table is empty; give a CSV file with a header line and "
                              "rows", file=str(path))
        try:  # scenario ids are text, even when a hash happens to be all digits
            frame = pd.read_csv(io.StringIO(text), dtype={"scenario_id": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError,
                UnicodeError) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() \
                else type(err).__name__
            raise FormatError(f"not a CSV table ({first})", file=str(path)) from None
    if "_order" in frame.columns:
        if frame["_order"].notna().all():
            frame = frame.sort_values("_order", kind="stable", ignore_index=True)
        frame = frame.drop(columns="_order")
    tail = [c for c in ("error", "wall_s") if c in frame.columns]
    if "scenario_id" not in frame.columns or not tail:
        return frame
    return frame[[c for c in frame.columns if c not in tail] + tail]  # as run() gives them
