"""Charts of tidy tables: one row per scenario or measurement, one column per parameter or
result (a study's rows, any CSV).

:func:`plot` draws a line, scatter, CDF or bar chart of two columns, one series per value of a
third; :func:`save_figure` writes it as PNG, SVG or PDF, by the file's suffix, through the one
safe writer (whole or not at all). Figures are drawn off screen (no display, no global state):
matplotlib is imported only when a chart is drawn.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({"distance_km": [50, 500, 1000, 50, 500, 1000],
...                      "efficiency": [0.99, 0.95, 0.90, 0.98, 0.90, 0.80],
...                      "model": ["8b", "8b", "8b", "70b", "70b", "70b"]})
>>> fig = plot(rows, x="distance_km", y="efficiency", hue="model")
>>> [line.get_label() for line in fig.axes[0].get_lines()]
['8b', '70b']
>>> plot(rows, x="distance", y="efficiency")
Traceback (most recent call last):
infranet.errors.UnknownNameError: x: no column 'distance' (did you mean 'distance_km'?); \
the columns are distance_km, efficiency, model
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infranet.errors import FormatError, UnknownNameError, ValidationError, did_you_mean, printable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["IMAGE_FORMATS", "KINDS", "image_format", "plot", "read_table", "save_figure"]

#: Chart kinds :func:`plot` draws.
KINDS = ("line", "scatter", "cdf", "bar")
#: Image formats :func:`save_figure` writes, by file suffix.
IMAGE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Size of a chart (inches) and its resolution in PNG (dots per inch).
FIGURE_SIZE = (7.0, 4.5)
DPI = 120
#: Most series one chart draws (one per value of `hue`); more is unreadable.
MAX_SERIES = 24


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV table (``-``: standard input) as a DataFrame, refusing files that are not
    one: a one-line :class:`~infranet.errors.FormatError` naming the file.

    Examples
    --------
    >>> read_table("/dev/null")
    Traceback (most recent call last):
    infranet.errors.FormatError: /dev/null: not a regular file (a character device)
    """
    import pandas as pd

    from infranet.io.files import read_text

    text = read_text(path)
    if not text.strip():
        raise FormatError("the table is empty; give a CSV file with a header line and rows",
                          file=str(path))
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError,
            UnicodeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise FormatError(f"not a CSV table ({first})", file=str(path)) from None
    return frame


def _column(frame: pd.DataFrame, name: str, role: str) -> None:
    """Refuse `name` when `frame` has no such column, suggesting the closest."""
    columns = [str(c) for c in frame.columns]
    if name not in columns:
        raise UnknownNameError(f"no column '{name}'{did_you_mean(name, columns)}; the columns "
                               f"are {', '.join(columns) or 'none'}", field=role)


def _numbers(frame: pd.DataFrame, name: str, role: str, kind: str) -> pd.Series:
    """Column `name` as floats, refusing a column that holds no number."""
    import pandas as pd

    values = pd.to_numeric(frame[name], errors="coerce")
    if values.notna().sum() == 0:
        hint = "; a bar chart takes text on x (--kind bar)" if role == "x" and kind != "bar" \
            else ""
        raise ValidationError(f"column '{name}' holds no numbers, and a {kind} chart needs "
                              f"them{hint}", field=role)
    return values.astype(float)


def plot(frame: pd.DataFrame, *, x: str, y: str | None = None, hue: str | None = None,
         kind: str = "line", title: str | None = None) -> Figure:
    """Draw a chart of a tidy table: `y` against `x`, one series per value of `hue`.

    Parameters
    ----------
    frame
        One row per scenario or measurement.
    x
        The column along the horizontal axis. For ``cdf``, the column whose distribution is
        drawn (the vertical axis is then the share of rows at or below each value).
    y
        The column along the vertical axis (numbers); not used by ``cdf``. A ``line`` or
        ``bar`` chart with several rows at one `x` shows their mean (and says so).
    hue
        A column whose values split the rows into series (one colour each, with a legend).
    kind
        ``line`` (rows sorted by `x`), ``scatter``, ``cdf`` or ``bar`` (`x` may be text).
    title
        Above the chart; default "`y` against `x`".

    Returns
    -------
    matplotlib.figure.Figure
        Drawn off screen; write it with :func:`save_figure`.

    Raises
    ------
    UnknownNameError
        A column is not in `frame` (the message suggests the closest).
    ValidationError
        An unknown `kind`, no rows, a numeric column that holds no numbers, too many series.

    Examples
    --------
    >>> import pandas as pd
    >>> rtt = pd.DataFrame({"rtt_ms": [1.0, 2.0, 2.5, 4.0]})
    >>> fig = plot(rtt, x="rtt_ms", kind="cdf")
    >>> fig.axes[0].get_ylabel()
    'share of rows ≤ value'
    """
    if kind not in KINDS:
        raise ValidationError(f"unknown chart kind '{kind}'{did_you_mean(kind, KINDS)}; the "
                              f"kinds are {', '.join(KINDS)}", field="kind")
    for name, role in ((x, "x"), (y, "y"), (hue, "hue")):
        if name is not None:
            _column(frame, name, role)
    if y is None and kind != "cdf":
        raise ValidationError(f"a {kind} chart needs a column for y", field="y")
    if len(frame) == 0:
        raise ValidationError("the table has no rows; nothing to draw")
    data = frame.copy()
    data["__x"] = data[x] if kind == "bar" else _numbers(data, x, "x", kind)
    if y is not None and kind != "cdf":
        data["__y"] = _numbers(data, y, "y", kind)
    need = ["__x"] if kind == "cdf" else ["__x", "__y"]
    data = data.dropna(subset=need)
    if len(data) == 0:
        raise ValidationError(f"no row has a value in every column drawn ({x}, {y}); nothing "
                              "to draw")
    groups = _series(data, hue)
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    averaged = _draw(ax, groups, kind)
    x, hue = _label(x), None if hue is None else _label(hue)
    y = None if y is None else _label(y)
    ax.set_xlabel(x)
    if kind == "cdf":
        ax.set_ylabel("share of rows ≤ value")
        ax.set_ylim(0.0, 1.02)
    else:
        ax.set_ylabel(f"{y} (mean of rows at one {x})" if averaged else str(y))
    ax.grid(True, alpha=0.3)
    if hue is not None:
        ax.legend(title=hue, fontsize="small")
    ax.set_title(printable(title) if title is not None else
                 f"distribution of {x}" if kind == "cdf" else f"{y} against {x}")
    return fig


def _label(value: Any) -> str:
    """`value` as text to draw: control characters escaped (no font draws them)."""
    return printable(str(value))


def _series(data: pd.DataFrame, hue: str | None) -> list[tuple[str, pd.DataFrame]]:
    """The rows split by `hue` (one series, unnamed, without it), in order of appearance."""
    if hue is None:
        return [("", data)]
    keys = data[hue].map(_label).where(data[hue].notna(), "(none)")
    order = list(dict.fromkeys(keys))
    if len(order) > MAX_SERIES:
        raise ValidationError(f"column '{hue}' has {len(order)} values, more series than the "
                              f"{MAX_SERIES} a chart shows; choose another hue", field="hue")
    return [(name, data[keys == name]) for name in order]


def _draw(ax: Any, groups: list[tuple[str, pd.DataFrame]], kind: str) -> bool:
    """Draw each series on `ax`; True when some points are means of several rows."""
    import numpy as np

    averaged = False
    if kind == "bar":
        for _, rows in groups:  # text drawn as it reads: control characters escaped
            rows["__x"] = rows["__x"].map(_label)
        categories = list(dict.fromkeys(v for _, rows in groups for v in rows["__x"]))
        at = np.arange(len(categories))
        width = 0.8 / len(groups)
        for i, (name, rows) in enumerate(groups):
            means = rows.groupby("__x", sort=False)["__y"].agg(["mean", "size"])
            averaged |= bool((means["size"] > 1).any())
            heights = [means["mean"].get(c, np.nan) for c in categories]
            ax.bar(at + (i - (len(groups) - 1) / 2) * width, heights, width,
                   label=name or None)
        ax.set_xticks(at, categories, rotation=30 if len(categories) > 6 else 0,
                      ha="right" if len(categories) > 6 else "center")
        return averaged
    for name, rows in groups:
        label = name or None
        if kind == "cdf":
            values = np.sort(rows["__x"].to_numpy())
            share = np.arange(1, len(values) + 1) / len(values)
            ax.step(values, share, where="post", label=label)
        elif kind == "scatter":
            ax.scatter(rows["__x"], rows["__y"], s=18, label=label)
        else:
            means = rows.groupby("__x", sort=True)["__y"].agg(["mean", "size"])
            averaged |= bool((means["size"] > 1).any())
            ax.plot(means.index.to_numpy(), means["mean"].to_numpy(), marker="o",
                    markersize=3, label=label)
    return averaged


def image_format(path: str | Path) -> str:
    """The image format `path` names by its suffix (``png``, ``svg``, ``pdf``), after checking
    that infranet can write there: commands call it before drawing, so a bad name fails fast.

    Examples
    --------
    >>> image_format("chart.SVG")
    'svg'
    >>> image_format("chart.jpg")
    Traceback (most recent call last):
    infranet.errors.FormatError: chart.jpg: infranet writes charts as .png, .svg or .pdf; \
name the file so
    """
    from infranet.io.files import writable

    fmt = IMAGE_FORMATS.get(Path(str(path)).suffix.lower())
    if fmt is None:
        names = list(IMAGE_FORMATS)
        raise FormatError(f"infranet writes charts as {', '.join(names[:-1])} or {names[-1]}; "
                          "name the file so", file=str(path))
    writable(path)  # a directory, a device, a missing folder: refused
    return fmt


def save_figure(fig: Figure, path: str | Path) -> None:
    """Write `fig` to `path` as PNG, SVG or PDF, by its suffix, whole or not at all.

    Raises
    ------
    FormatError
        An unknown suffix, or a path infranet does not write (a directory, a missing folder);
        the message is one line naming `path`.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> fig = plot(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), x="a", y="b")
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "chart.svg"
    >>> save_figure(fig, out)
    >>> out.read_text()[:5]
    '<?xml'
    >>> save_figure(fig, "chart.jpg")
    Traceback (most recent call last):
    infranet.errors.FormatError: chart.jpg: infranet writes charts as .png, .svg or .pdf; \
name the file so
    """
    from infranet.io.files import write_bytes

    fmt = image_format(path)
    buffer = io.BytesIO()
    # no date nor software version in the file: the same chart gives the same bytes
    metadata: dict[str, Any] = {"png": {"Software": None}, "svg": {"Date": None},
                                "pdf": {"CreationDate": None, "ModDate": None}}[fmt]
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "infranet"}):  # SVG ids not random either
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    write_bytes(path, buffer.getvalue())
