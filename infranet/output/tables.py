"""Tables for people that never lie by layout.

A number is never split across lines nor shortened, and neither is a word. When a table is wider
than the screen, headers wrap first (between the words of their key: ``length_km`` is "length"
over "km"), then columns of text give way, wrapping between words. When even that cannot fit,
the table drops its borders, and then turns to a vertical layout, one block of ``field  value``
lines per row. A table with no rows prints its title and "(none)".

Output to a pipe or a file has no width: a table is as wide as it needs, except the values of a
transposed table (one record down the side, such as a summary with its description), which wrap
between words at :data:`PIPED_TEXT_WIDTH` characters.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infranet.output.values import is_number, text

__all__ = ["EMPTY", "PIPED_TEXT_WIDTH", "render"]

#: Widest a value column of a transposed table grows without a screen width (a pipe, a file):
#: longer text wraps between words.
PIPED_TEXT_WIDTH = 80
#: What a table with no rows prints under its title.
EMPTY = "(none)"
#: Where text without spaces may break besides spaces: after ";" or "," that a number does not
#: go on from (flattened lists, ``tier=leaf,gbps=400;tier=spine,...``; never inside 1,024).
#: Names stay whole, hyphens and all: people copy them onto the command line.
_BREAK = re.compile(r"(?<=[;,])(?=[^\d\s])")


@dataclass(frozen=True)
class _Cell:
    text: str
    number: bool

    @property
    def words(self) -> bool:
        return any(ch.isspace() for ch in self.text)

    @property
    def width(self) -> int:
        return max((_cells_width(line) for line in self.text.splitlines()), default=0)

    @property
    def whole(self) -> int:
        """Width the cell needs to keep every number and every word in it whole."""
        if self.number:
            return self.width
        return max((_cells_width(piece) for piece, _ in _pieces(self.text)), default=0)


def _cells(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], transpose: bool,
           quantity: str | None) -> tuple[list[str], list[list[_Cell]], list[bool]]:
    """Header labels, cells row by row, and which columns are numeric."""
    if transpose:
        keys = [c for c in columns if c != "name"]
        header = ["", *(str(r.get("name", "")) for r in rows)]
        grid = [[_Cell(key, False), *(_cell(r.get(key), quantity or key) for r in rows)]
                for key in keys]
        numeric = [False] + [False] * len(rows)
    else:
        header = list(columns)
        grid = [[_cell(r.get(c), quantity or c) for c in columns] for r in rows]
        numeric = [bool(grid) and all(row[i].number or row[i].text == "-" for row in grid)
                   for i in range(len(columns))]
    return header, grid, numeric


def _cell(value: Any, key: str) -> _Cell:
    return _Cell(text(value, key), is_number(value))


def _fill(lower: Sequence[int], upper: Sequence[int], available: int) -> list[int]:
    """Widths between `lower` and `upper` summing to at most `available`: the widest columns
    give way first (water-filling)."""
    low, high = 0, max(upper, default=0)
    while low < high:
        cap = (low + high + 1) // 2
        if sum(max(m, min(w, cap)) for m, w in zip(lower, upper, strict=True)) <= available:
            low = cap
        else:
            high = cap - 1
    return [max(m, min(w, low)) for m, w in zip(lower, upper, strict=True)]


def _widths(header: Sequence[str], grid: Sequence[Sequence[_Cell]],
            available: int | None, keyed: bool = False) -> list[int] | None:
    """Column widths that fit `available` characters of content, or None when nothing fits.

    Headers give way first (they wrap between the words of their key), then text cells (they
    wrap between words); numbers and words never. With `keyed`, the first column holds field
    names (a transposed table), which stay whole, and without `available` the other columns
    wrap their text at :data:`PIPED_TEXT_WIDTH`.
    """
    n = len(header)
    content = [max([1, *(row[i].width for row in grid)]) for i in range(n)]
    natural = [max(_cells_width(header[i]), content[i]) for i in range(n)]
    # a header wraps between the words of its key (length_km: "length" over "km"); the names
    # heading a transposed table's columns stay whole
    word = [max((_cells_width(w) for w in re.split(r"[_\s]+", h)), default=0) for h in header]
    whole = [max([1, *(row[i].whole for row in grid)]) for i in range(n)]
    if available is None:
        if not keyed:
            return natural
        return [natural[0]] + [max(min(natural[i], PIPED_TEXT_WIDTH), word[i], whole[i])
                               for i in range(1, n)]
    if sum(natural) <= available:
        return natural
    levels = [
        [max(content[i], word[i]) for i in range(n)],  # headers wrap at "_", cells whole
        [max(whole[i], word[i]) for i in range(n)],    # text wraps between words
    ]
    if keyed:
        for lower in levels:
            lower[0] = natural[0]
    upper = natural
    for lower in levels:
        lower = [min(lo, up) for lo, up in zip(lower, upper, strict=True)]
        if sum(lower) <= available:
            return _fill(lower, upper, available)
        upper = lower
    return None


_STYLES = {"boxed": lambda n: 3 * n + 1, "compact": lambda n: 2 * (n - 1)}


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *,
           title: str | None = None, transpose: bool = False, width: int | None = None,
           quantity: str | None = None) -> str:
    """Return `rows` as a table of at most `width` characters (None: as wide as it needs).

    Parameters
    ----------
    rows
        One mapping per row.
    columns
        The keys to show, in order.
    title
        A line above the table (what the numbers are: quantity, unit, basis).
    transpose
        One column per row (for side-by-side comparisons), fields down the side.
    width
        Characters per line; None for unlimited (output to a pipe or a file).
    quantity
        A key whose unit sets the precision of every number (a matrix of ``rtt_ms``, whose
        columns are named after sites); by default each number's own column.

    Examples
    --------
    >>> rows = [{"name": "x--y", "length_km": 5236.32, "rtt_ms": 52.0211}]
    >>> print(render(rows, ["name", "length_km", "rtt_ms"], width=40, title="links"))
                links
    ┏━━━━━━┳━━━━━━━━━━━┳━━━━━━━━┓
    ┃ name ┃ length_km ┃ rtt_ms ┃
    ┡━━━━━━╇━━━━━━━━━━━╇━━━━━━━━┩
    │ x--y │     5,236 │  52.02 │
    └──────┴───────────┴────────┘
    >>> print(render(rows, ["name", "length_km", "rtt_ms"], width=19))
          length    rtt
    name      km     ms
    ───────────────────
    x--y   5,236  52.02
    >>> print(render(rows, ["name", "length_km", "rtt_ms"], width=18))
    x--y
      length_km  5,236
      rtt_ms     52.02
    """
    if not rows:
        return "\n".join([*_title_lines(title, None, width), EMPTY])
    header, grid, numeric = _cells(rows, columns, transpose, quantity)
    for style, overhead in _STYLES.items():
        room = None if width is None else width - overhead(len(header))
        widths = _widths(header, grid, room, keyed=transpose)
        if widths is not None:
            return _boxed(header, grid, numeric, widths, title, style, width)
    assert width is not None
    return _vertical(header, grid, title, width, transpose)


def _title_lines(title: str | None, total: int | None, width: int | None) -> list[str]:
    """The title over a table `total` characters wide: centered when it fits, else wrapped
    between words at the screen's `width` (whole on one line without one)."""
    if not title:
        return []
    if total is not None and _cells_width(title) <= total:
        return [_center(title, total)]
    if width is None:
        return [title]
    return _wrap(title, width)


_BOXES = {  # top, header rule, bottom, and the verticals of header and body rows
    "boxed": ("┏━┳┓", "┡━╇┩", "└─┴┘", "┃", "│"),
}


def _boxed(header: Sequence[str], grid: Sequence[Sequence[_Cell]], numeric: Sequence[bool],
           widths: Sequence[int], title: str | None, style: str, width: int | None) -> str:
    """The table with borders (``boxed``) or without (``compact``: two spaces between columns,
    a rule under the header); headers at the bottom of their cell, rows at the top."""
    justify = [(lambda t, w: _pad_left(t, w)) if n else _pad_right for n in numeric]
    heads = [_header_lines(label, w) for label, w in zip(header, widths, strict=True)]
    depth = max((len(h) for h in heads), default=1)
    heads = [[""] * (depth - len(h)) + h for h in heads]
    head_rows = [[justify[i](heads[i][k], widths[i]) for i in range(len(widths))]
                 for k in range(depth)]
    body_rows: list[list[str]] = []
    for row in grid:
        cells = [_cell_lines(c, w) for c, w in zip(row, widths, strict=True)]
        height = max((len(c) for c in cells), default=1)
        for k in range(height):
            body_rows.append([justify[i](cells[i][k] if k < len(cells[i]) else "", widths[i])
                              for i in range(len(widths))])
    total = sum(widths) + _STYLES[style](len(widths))
    lines = _title_lines(title, total, width)
    if style == "boxed":
        top, rule, bottom, head_v, body_v = _BOXES["boxed"]

        def line(parts: str) -> str:
            return parts[0] + parts[2].join(parts[1] * (w + 2) for w in widths) + parts[3]

        lines.append(line(top))
        lines += [f"{head_v} " + f" {head_v} ".join(r) + f" {head_v}" for r in head_rows]
        lines.append(line(rule))
        lines += [f"{body_v} " + f" {body_v} ".join(r) + f" {body_v}" for r in body_rows]
        lines.append(line(bottom))
    else:
        lines += ["  ".join(r) for r in head_rows]
        lines.append("─" * total)
        lines += ["  ".join(r) for r in body_rows]
    return "\n".join(line.rstrip() for line in lines)


def _header_lines(label: str, width: int) -> list[str]:
    """A header on lines of `width`: whole, else wrapped between the words of its key (at "_"
    and spaces, never inside a word)."""
    if _cells_width(label) <= width:
        return [label]
    words = label.replace("_", " ")
    return textwrap.wrap(words, width, break_long_words=False, break_on_hyphens=False) or [""]


def _cell_lines(cell: _Cell, width: int) -> list[str]:
    """A cell on lines of `width`: numbers whole and text wrapped between words (the column is
    as wide as its longest word)."""
    if cell.number:
        return [cell.text]
    out: list[str] = []
    for line in cell.text.splitlines() or [""]:
        out += [line] if _cells_width(line) <= width else _wrap(line, width)
    return out


def _pieces(line: str) -> list[tuple[str, bool]]:
    """The pieces a line may break between, each with whether a space goes before it: its
    words, and the parts of a word after ";" or "," (:data:`_BREAK`)."""
    return [(part, k == 0) for word in line.split() for k, part in enumerate(_BREAK.split(word))]


def _wrap(line: str, width: int, *, hard: bool = False) -> list[str]:
    """`line` on lines of at most `width`, broken between pieces (:func:`_pieces`); a piece
    wider than `width` stays whole, or with `hard` is cut into lines of `width` (nothing is
    left out, nothing shortened)."""
    lines: list[str] = []
    current = ""
    for piece, spaced in _pieces(line):
        if hard:
            while _cells_width(piece) > width:
                if current:
                    lines.append(current)
                    current = ""
                head = _head(piece, width)
                lines.append(head)
                piece, spaced = piece[len(head):], False
            if not piece:
                continue
        joined = current + (" " if spaced and current else "") + piece
        if current and _cells_width(joined) > width:
            lines.append(current)
            current = piece
        else:
            current = joined
    if current:
        lines.append(current)
    return lines or [""]


def _head(text: str, width: int) -> str:
    """The longest start of `text` that takes at most `width` columns (at least a character)."""
    used = 0
    for i, ch in enumerate(text):
        used += _cells_width(ch)
        if used > width:
            return text[:max(i, 1)]
    return text


def _cells_width(text: str) -> int:
    """Terminal columns `text` takes: East Asian wide characters take two, marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad_right(text: str, width: int) -> str:
    return text + " " * (width - _cells_width(text))


def _pad_left(text: str, width: int) -> str:
    return " " * (width - _cells_width(text)) + text


def _center(text: str, width: int) -> str:
    return " " * ((width - _cells_width(text)) // 2) + text


def _vertical(header: Sequence[str], grid: Sequence[Sequence[_Cell]], title: str | None,
              width: int, transpose: bool) -> str:
    """One block per record: its name, then ``field  value`` lines, values wrapped between
    words (never inside a number); a word wider than the screen is cut over lines, whole."""
    if transpose:  # records are the columns
        labels = [row[0].text for row in grid]
        blocks = [(header[j], [(labels[i], grid[i][j]) for i in range(len(grid))])
                  for j in range(1, len(header))]
    else:
        blocks = [(row[0].text, list(zip(header[1:], row[1:], strict=True))) for row in grid]
    lines = _wrap(title, width) if title else []
    key_width = min(max((len(k) for _, fields in blocks for k, _ in fields), default=0),
                    width // 2)
    for name, fields in blocks:
        if lines:
            lines.append("")
        lines.append(name)
        for key, cell in fields:
            room = width - 2 - key_width - 2
            values = cell.text.splitlines() or [""]
            if len(key) > key_width or max(map(_cells_width, values)) > room:
                lines += [f"  {part}" for part in _wrap(key, width - 2, hard=True)]
                for value in values:
                    lines += [f"    {part}".rstrip() or "    "
                              for part in _wrap(value, width - 4, hard=True)]
                continue
            for i, value in enumerate(values):
                lines.append(f"  {(key if i == 0 else ''):<{key_width}}  {value}".rstrip())
    return "\n".join(lines)
