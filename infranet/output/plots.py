"""Charts of tidy tables: one row per scenario or measurement, one column per parameter or
result (a study's rows, any CSV), and the charts of infranet's commands.

:func:`plot` draws a line, scatter, CDF or bar chart of two columns, one series per value of a
third; :func:`save_figure` writes it as PNG, SVG or PDF, by the file's suffix, through the one
safe writer (whole or not at all). The commands' charts: :func:`comparison_chart` (designs
side by side, ``infranet compare --plot``) with :func:`rtt_cdf` (the distribution of
round-trip times between datacenters), :func:`step_chart` (a training step's breakdown, or the
ranked mappings, ``infranet size training --plot``), :func:`mlu_ratio_chart` (each routing
algorithm's MLU over the optimum per instance, ``infranet bench routing --plot``) and
:func:`efficiency_chart` (training efficiency against distance and against DCI bandwidth, of
a study's rows). Figures are drawn off screen (no display, no global state):
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

__all__ = ["IMAGE_FORMATS", "KINDS", "comparison_chart", "efficiency_chart", "image_format",
           "mlu_ratio_chart", "plot", "read_table", "rtt_cdf", "save_figure", "step_chart",
           "undrawn_note", "undrawn_rows"]

#: Chart kinds :func:`plot` draws.
KINDS = ("line", "scatter", "cdf", "bar")
#: Image formats :func:`save_figure` writes, by file suffix.
IMAGE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
#: Size of a chart (inches) and its resolution in PNG (dots per inch).
FIGURE_SIZE = (7.0, 4.5)
DPI = 120
#: Most series one chart draws (one per value of `hue`); more is unreadable.
MAX_SERIES = 24
#: Most labels a bar chart writes under its bars; with more bars, one in every k is labelled
#: (k the least that keeps them within this many) and the axis says so.
MAX_BAR_LABELS = 40


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
    """Column `name` as finite floats (NaN where a row has none), refusing a column that
    holds no number."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(frame[name], errors="coerce").astype(float)
    values = values.where(np.isfinite(values))
    if values.notna().sum() == 0:
        hint = "; a bar chart takes text on x (--kind bar)" if role == "x" and kind != "bar" \
            else ""
        raise ValidationError(f"column '{name}' holds no numbers, and a {kind} chart needs "
                              f"them{hint}", field=role)
    return values


def _drawable(frame: pd.DataFrame, x: str, y: str | None, kind: str) -> pd.DataFrame:
    """A copy of `frame` with the values drawn as ``__x`` (and ``__y``): NaN where a row has
    no number (text on x of a bar chart is kept as it is)."""
    data = frame.copy()
    data["__x"] = data[x] if kind == "bar" else _numbers(data, x, "x", kind)
    if y is not None and kind != "cdf":
        data["__y"] = _numbers(data, y, "y", kind)
    return data


def _needed(kind: str) -> list[str]:
    return ["__x"] if kind == "cdf" else ["__x", "__y"]


def undrawn_rows(frame: pd.DataFrame, *, x: str, y: str | None = None,
                 kind: str = "line") -> int:
    """How many rows of `frame` :func:`plot` draws no point for: without a number (an empty
    cell, text, an infinity) in `x` or, but for a CDF, in `y`. A CDF still counts them in its
    denominator (its curve ends below 1 at the share of rows with a value).

    Examples
    --------
    >>> import pandas as pd
    >>> undrawn_rows(pd.DataFrame({"rtt_ms": [1.0, None, "n/a", 4.0]}), x="rtt_ms", kind="cdf")
    2
    """
    for name, role in ((x, "x"), (y, "y")):
        if name is not None:
            _column(frame, name, role)
    data = _drawable(frame, x, y, kind)
    return int(data[_needed(kind)].isna().any(axis=1).sum())


def undrawn_note(count: int) -> str:
    """What a chart's title and the CLI say of rows not drawn: "" when none.

    Examples
    --------
    >>> undrawn_note(1), undrawn_note(4), undrawn_note(0)
    (' (1 row without a value not drawn)', ' (4 rows without a value not drawn)', '')
    """
    if not count:
        return ""
    return f" ({count} row{'s' if count > 1 else ''} without a value not drawn)"


def plot(frame: pd.DataFrame, *, x: str, y: str | None = None, hue: str | None = None,
         kind: str = "line", title: str | None = None) -> Figure:
    """Draw a chart of a tidy table: `y` against `x`, one series per value of `hue`.

    Parameters
    ----------
    frame
        One row per scenario or measurement.
    x
        The column along the horizontal axis. For ``cdf``, the column whose distribution is
        drawn (the vertical axis is then the share of rows at or below each value, over all
        the series' rows: rows without a value count, so the curve ends below 1 at the share
        that has one; each curve starts with a step up from 0 at its first value).
    y
        The column along the vertical axis (numbers); not used by ``cdf``. A ``line`` or
        ``bar`` chart with several rows at one `x` shows their mean (and says so).
    hue
        A column whose values split the rows into series (one colour each, with a legend).
    kind
        ``line`` (rows sorted by `x`), ``scatter``, ``cdf`` or ``bar`` (`x` may be text).
    title
        Above the chart; default "`y` against `x`", saying how many rows without a value (an
        empty cell, text, an infinity) are not drawn (:func:`undrawn_rows`).

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
    data = _drawable(frame, x, y, kind)
    drawn = data.dropna(subset=_needed(kind))
    if len(drawn) == 0:
        raise ValidationError(f"no row has a value in every column drawn ({x}, {y}); nothing "
                              "to draw")
    note = undrawn_note(len(data) - len(drawn))
    # a CDF is over all the rows of its series, those without a value too
    groups = _series(data if kind == "cdf" else drawn, hue)
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    ax = fig.add_subplot()
    averaged, x_note = _draw(ax, groups, kind)
    x, hue = _label(x), None if hue is None else _label(hue)
    y = None if y is None else _label(y)
    ax.set_xlabel(x + x_note)
    if kind == "cdf":
        ax.set_ylabel("share of rows ≤ value")
        ax.set_ylim(0.0, 1.02)
    else:
        ax.set_ylabel(f"{y} (mean of rows at one {x})" if averaged else str(y))
    ax.grid(True, alpha=0.3)
    if hue is not None:
        ax.legend(title=hue, fontsize="small")
    ax.set_title(printable(title) if title is not None else
                 f"distribution of {x}{note}" if kind == "cdf" else f"{y} against {x}{note}")
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


def _draw(ax: Any, groups: list[tuple[str, pd.DataFrame]], kind: str) -> tuple[bool, str]:
    """Draw each series on `ax`: whether some points are means of several rows, and what the
    x axis's label adds (a bar chart labelling one bar in k says so)."""
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
        every = -(-len(categories) // MAX_BAR_LABELS)  # ceil: labels stay legible
        if len(categories) > 20:  # upright text side by side: many labels fit, none overlap
            ax.set_xticks(at[::every], categories[::every], rotation=90, ha="center",
                          fontsize="small")
        else:
            ax.set_xticks(at, categories, rotation=30 if len(categories) > 6 else 0,
                          ha="right" if len(categories) > 6 else "center")
        return averaged, (f" (one bar in {every} labelled, of {len(categories)})"
                          if every > 1 else "")
    for name, rows in groups:
        label = name or None
        if kind == "cdf":  # over all the rows; a step up from 0 at the first value
            values = np.sort(rows["__x"].dropna().to_numpy())
            if not values.size:
                continue
            share = np.arange(1, len(values) + 1) / len(rows)
            ax.step(np.concatenate([values[:1], values]), np.concatenate([[0.0], share]),
                    where="post", label=label)
        elif kind == "scatter":
            ax.scatter(rows["__x"], rows["__y"], s=18, label=label)
        else:
            means = rows.groupby("__x", sort=True)["__y"].agg(["mean", "size"])
            averaged |= bool((means["size"] > 1).any())
            ax.plot(means.index.to_numpy(), means["mean"].to_numpy(), marker="o",
                    markersize=3, label=label)
    return averaged, ""


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


# ---------------------------------------------------------------------- commands' charts

#: Most bars or groups a command's chart draws (the first ones; the title says so).
MAX_BARS = 20


def _figure(panels: int = 1, *, rows: int = 1, width: float | None = None) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    w, h = FIGURE_SIZE
    fig = Figure(figsize=(width or w * (1 if panels == 1 else 0.75 * panels), h * rows),
                 layout="constrained")
    axes = fig.subplots(rows, panels, squeeze=False)
    return fig, axes


def _finite(value: Any) -> float | None:
    """`value` as a finite float, or None (text, None, NaN, infinity, a bool).

    Examples
    --------
    >>> [_finite(v) for v in (2, 1.5, float("nan"), None, "3", True)]
    [2.0, 1.5, None, None, None, None]
    """
    import math

    import numpy as np

    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def rtt_cdf(ax: Any, rtts: dict[str, Any]) -> None:
    """Draw on `ax` the distribution (CDF) of round-trip times, one step curve per name
    (ms; unreachable pairs, infinite, left out and counted in the legend).

    Examples
    --------
    >>> fig, axes = _figure()
    >>> rtt_cdf(axes[0][0], {"ring": [1.0, 2.0, 4.0], "mesh": [1.0, 1.5, float("inf")]})
    >>> [line.get_label() for line in axes[0][0].get_lines()]
    ['ring', 'mesh (1 pair cut off)']
    """
    import numpy as np

    drawn = 0
    for name, values in rtts.items():
        values = np.asarray(values, dtype=float)
        finite = np.sort(values[np.isfinite(values)])
        cut = int(values.size - finite.size)
        if not finite.size:
            continue
        share = np.arange(1, finite.size + 1) / values.size
        label = _label(name) + (f" ({cut} pair{'s' if cut > 1 else ''} cut off)" if cut else "")
        ax.step(np.concatenate([[finite[0]], finite]), np.concatenate([[0.0], share]),
                where="post", label=label)
        drawn += 1
    if not drawn:
        raise ValidationError("no round-trip time to draw: no two datacenters are joined")
    ax.set_xlabel("round-trip time between datacenters (ms)")
    ax.set_ylabel("share of datacenter pairs ≤ RTT")
    ax.set_ylim(0.0, 1.02)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title("RTT distribution")


def comparison_chart(records: list[dict[str, Any]], *, measures: list[str] | None = None,
                     rtts: dict[str, Any] | None = None, title: str | None = None) -> Figure:
    """Designs side by side: one bar group per measure, one bar per design, each bar the
    design's value over the largest of the group (so measures of different units share an
    axis), labelled with the value itself; with `rtts` (design name -> round-trip times, ms),
    a second panel draws their distributions (:func:`rtt_cdf`).

    Parameters
    ----------
    records
        One mapping per design with a ``name`` (``infranet compare --format json``).
    measures
        The numeric fields to draw, in order (default: every field holding a number in some
        design, in the first record's order). Fields no design gives a number for are left out.

    Examples
    --------
    >>> fig = comparison_chart([{"name": "ring", "links": 5, "max_rtt_ms": 5.5},
    ...                         {"name": "mesh", "links": 8, "max_rtt_ms": 3.1}])
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['links', 'max_rtt_ms']
    >>> [[round(float(b.get_height()), 3) for b in bars] for bars in fig.axes[0].containers]
    [[0.625, 1.0], [1.0, 0.564]]
    """
    import numpy as np

    if not records:
        raise ValidationError("no design to draw")
    names = [_label(r.get("name", f"design {i + 1}")) for i, r in enumerate(records)]
    fields = measures if measures is not None else list(dict.fromkeys(
        k for r in records for k, v in r.items() if k != "name" and _finite(v) is not None))
    fields = [f for f in fields if any(_finite(r.get(f)) is not None for r in records)]
    if not fields:
        raise ValidationError("the designs have no number in common to draw")
    fig, axes = _figure(2 if rtts else 1, width=12.0 if rtts else 9.0)
    ax = axes[0][0]
    at = np.arange(len(fields))
    width = 0.8 / len(records)
    for i, (name, record) in enumerate(zip(names, records, strict=True)):
        values = [_finite(record.get(f)) for f in fields]
        heights = []
        for field, value in zip(fields, values, strict=True):
            top = max(abs(_finite(r.get(field)) or 0.0) for r in records)
            heights.append(np.nan if value is None else (abs(value) / top if top else 0.0))
        bars = ax.bar(at + (i - (len(records) - 1) / 2) * width, heights, width, label=name)
        for bar, value in zip(bars, values, strict=True):
            if value is not None:
                ax.annotate(f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}",
                            (bar.get_x() + bar.get_width() / 2,
                                              bar.get_height()),
                            ha="center", va="bottom", fontsize=6, rotation=90,
                            xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(at, [_label(f) for f in fields], rotation=30 if len(fields) > 4 else 0,
                  ha="right" if len(fields) > 4 else "center")
    ax.set_ylabel("value ÷ the largest design's")
    ax.set_ylim(0.0, 1.5)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="upper center", ncols=min(len(records), 3))
    ax.set_title(printable(title) if title else "designs side by side (bars labelled with "
                 "their values)")
    if rtts:
        rtt_cdf(axes[0][1], rtts)
    return fig


def step_chart(data: dict[str, Any], *, title: str | None = None) -> Figure:
    """A training job's answer (``infranet size training --format json``) as a reader wants
    it: the step time split into its parts (compute, pipeline bubble, exposed communication
    of each parallelism, the DCI), as one stacked bar with the share of each; for a search,
    the step time of each mapping ranked (the fastest first, at most :data:`MAX_BARS`); across
    accelerator generations, each site's step.

    Examples
    --------
    >>> fig = step_chart({"step_s": 1.0, "efficiency": 0.9, "model": "m",
    ...                   "breakdown_s": {"compute": 0.6, "bubble": 0.3, "tp": 0.1, "ep": 0.0}})
    >>> fig.axes[0].get_legend_handles_labels()[1]
    ['compute 60%', 'bubble 30%', 'tp 10%']
    """
    fig, axes = _figure(width=9.0)
    ax = axes[0][0]
    if "mappings" in data:
        rows = list(data["mappings"])[:MAX_BARS]
        if not rows:
            raise ValidationError("no mapping to draw: none fits")
        labels = [_label(r.get("parallelism") or r.get("mapping") or i + 1)
                  for i, r in enumerate(rows)]
        steps = [_finite(r.get("step_s")) or 0.0 for r in rows]
        ax.barh(range(len(rows)), steps, color="tab:blue")
        ax.set_yticks(range(len(rows)), labels, fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel("step time (s)")
        more = len(data["mappings"]) - len(rows)
        ax.set_title(printable(title) if title else
                     f"mappings of {data.get('model', 'the job')}, fastest first"
                     + (f" (the first {len(rows)} of {len(rows) + more})" if more else ""))
        ax.grid(True, axis="x", alpha=0.3)
        return fig
    parts = data.get("breakdown_s")
    if not parts and "sites" in data:
        rows = list(data["sites"])
        names = [_label(r.get("site", i + 1)) + (f"\n{_label(r['accelerator'])}"
                                                 if r.get("accelerator") else "")
                 for i, r in enumerate(rows)]
        steps = [_finite(r.get("step_s")) or 0.0 for r in rows]
        ax.bar(names, steps, color="tab:blue")
        ax.set_ylabel("step time of the site's share (s)")
        whole = _finite(data.get("step_s"))
        if whole is not None:  # the job waits for the slowest site, then synchronises
            ax.axhline(whole, color="black", linestyle="--", linewidth=0.8,
                       label=f"the job's step {whole:.3g} s")
            ax.set_ylim(0.0, 1.2 * max([whole, *steps]))
            ax.legend(fontsize="small", loc="upper right")
        ax.set_title(printable(title) if title else "step time of each site")
        ax.grid(True, axis="y", alpha=0.3)
        return fig
    if not parts:
        raise ValidationError("nothing to draw: the answer has no step breakdown")
    drawn = {name: v for name, v in ((n, _finite(v) or 0.0) for n, v in parts.items())
             if v > 0}
    total = sum(drawn.values())
    left = 0.0
    for name, value in drawn.items():
        share = value / total
        ax.barh([0], [value], left=left,
                label=f"{_label(name)} {share:.0%}" if share >= 0.01 or share == 0
                else f"{_label(name)} {share:.2%}")
        if share >= 0.08:
            ax.text(left + value / 2, 0, f"{_label(name)}\n{value:.3g} s", ha="center",
                    va="center", fontsize="small")
        left += value
    ax.set_yticks([])
    ax.set_xlabel("seconds of one step")
    ax.legend(ncols=min(6, max(1, len(drawn))), fontsize="small", loc="upper center",
              bbox_to_anchor=(0.5, -0.25))
    ax.set_ylim(-0.8, 0.8)
    head = f"step {_finite(data.get('step_s')) or left:.3g} s"
    if _finite(data.get("efficiency")) is not None:
        head += f", efficiency {data['efficiency']:.1%}"
    if data.get("model"):
        head = f"{_label(data['model'])}: {head}"
    ax.set_title(printable(title) if title else f"{head}: where the time goes")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def mlu_ratio_chart(rows: list[dict[str, Any]] | pd.DataFrame, *, log: bool | None = None,
                    title: str | None = None) -> Figure:
    """The routing benchmark as a strip chart: for each instance (a group along x), one
    column of points per algorithm (a colour each), one point per traffic matrix at its MLU ÷
    the optimal MLU; a line at 1 marks the optimum. The vertical axis is logarithmic when the
    ratios spread over more than a factor of 10 (`log` None), or as `log` says. Rows without a
    ratio (no optimum, or demand lost) are counted in the title, not drawn.

    Examples
    --------
    >>> rows = [{"instance": "a", "algorithm": "spf", "mlu_ratio": 2.0},
    ...         {"instance": "a", "algorithm": "mcf", "mlu_ratio": 1.0},
    ...         {"instance": "b", "algorithm": "spf", "mlu_ratio": 40.0},
    ...         {"instance": "b", "algorithm": "mcf", "mlu_ratio": float("nan")}]
    >>> fig = mlu_ratio_chart(rows)
    >>> fig.axes[0].get_yscale(), fig.axes[0].get_title()
    ('log', 'MLU over the optimum per algorithm (1 row without a ratio not drawn)')
    """
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(rows)
    for column in ("instance", "algorithm", "mlu_ratio"):
        if column not in frame.columns:
            raise ValidationError(f"the benchmark rows have no '{column}' column")
    ratio = pd.to_numeric(frame["mlu_ratio"], errors="coerce")
    good = frame.assign(ratio=ratio)[np.isfinite(ratio) & (ratio > 0)]
    if good.empty:
        raise ValidationError("no row has an MLU ratio to draw (no optimum was solved, or "
                              "every algorithm lost demand)")
    skipped = len(frame) - len(good)
    instances = list(dict.fromkeys(frame["instance"].map(_label)))
    algorithms = list(dict.fromkeys(frame["algorithm"].map(_label)))
    if len(algorithms) > MAX_SERIES:
        raise ValidationError(f"{len(algorithms)} algorithms: more than the {MAX_SERIES} a "
                              "chart shows")
    fig, axes = _figure(width=max(7.0, 1.2 * len(instances) + 3))
    ax = axes[0][0]
    width = 0.8 / len(algorithms)
    good = good.assign(_i=good["instance"].map(_label), _a=good["algorithm"].map(_label))
    for j, name in enumerate(algorithms):
        mine = good[good["_a"] == name]
        x = np.array([instances.index(i) for i in mine["_i"]], dtype=float)
        x += (j - (len(algorithms) - 1) / 2) * width
        ax.scatter(x, mine["ratio"], s=16, label=name, alpha=0.8,
                   marker="os^Dvp<>h*"[j % 10])
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    spread = float(good["ratio"].max() / good["ratio"].min())
    if log if log is not None else spread > 10:
        ax.set_yscale("log")
    ax.set_xticks(range(len(instances)), instances,
                  rotation=30 if len(instances) > 4 else 0,
                  ha="right" if len(instances) > 4 else "center")
    ax.set_ylabel("MLU ÷ optimal MLU (1 = optimal)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(title="algorithm", fontsize="small", ncols=2 if len(algorithms) > 6 else 1)
    note = f" ({skipped} row{'s' if skipped > 1 else ''} without a ratio not drawn)" \
        if skipped else ""
    ax.set_title(printable(title) if title else
                 f"MLU over the optimum per algorithm{note}")
    return fig


def _amount(value: float) -> str:
    """A number as a legend says it: whole numbers with thousands separators."""
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.4g}"


def efficiency_chart(frame: pd.DataFrame, *, efficiency: str, distance: str, bandwidth: str,
                     by: str | None = None, title: str | None = None) -> Figure:
    """Training efficiency against distance (left, one line per DCI bandwidth) and against
    DCI bandwidth (right, logarithmic, one line per distance), one row of the two panels per
    value of `by` (a model, say): the columns of a study's rows.

    Parameters
    ----------
    efficiency, distance, bandwidth
        Columns: the efficiency (0 to 1), the distance (km) and the DCI bandwidth (Gb/s).
    by
        A column splitting the rows into rows of panels (at most 6 values).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"km": [50, 1000, 50, 1000], "gbps": [1600, 1600, 51200, 51200],
    ...                      "eff": [0.60, 0.55, 1.0, 0.95]})
    >>> fig = efficiency_chart(rows, efficiency="eff", distance="km", bandwidth="gbps")
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['1,600 Gb/s', '51,200 Gb/s']
    >>> fig.axes[1].get_xscale()
    'log'
    """
    for name, role in ((efficiency, "efficiency"), (distance, "distance"),
                       (bandwidth, "bandwidth"), (by, "by")):
        if name is not None:
            _column(frame, name, role)
    data = frame.copy()
    for name, role in ((efficiency, "efficiency"), (distance, "distance"),
                       (bandwidth, "bandwidth")):
        data[name] = _numbers(data, name, role, "line")
    data = data.dropna(subset=[efficiency, distance, bandwidth])
    if data.empty:
        raise ValidationError("no row has an efficiency, a distance and a bandwidth; nothing "
                              "to draw")
    groups = _series(data, by)
    if len(groups) > 6:
        raise ValidationError(f"column '{by}' has {len(groups)} values: more rows of panels "
                              "than the 6 a chart shows", field="by")
    fig, axes = _figure(2, rows=len(groups), width=11.0)
    for row, (name, rows) in enumerate(groups):
        for ax, x, hue, unit in ((axes[row][0], distance, bandwidth, "Gb/s"),
                                 (axes[row][1], bandwidth, distance, "km")):
            for value, part in rows.groupby(hue, sort=True):
                means = part.groupby(x, sort=True)[efficiency].mean()
                ax.plot(means.index.to_numpy(), means.to_numpy(), marker="o", markersize=3,
                        label=f"{_amount(value)} {unit}")
            ax.set_ylabel("training efficiency")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize="x-small", title=_label(hue), title_fontsize="x-small",
                      loc="best")
            prefix = f"{name}: " if name else ""
            if x == bandwidth:
                from matplotlib.ticker import NullFormatter

                ax.set_xscale("log")
                ticks = sorted(set(rows[bandwidth]))
                if len(ticks) <= 12:  # the values swept, named, not powers of ten
                    ax.set_xticks(ticks, [_amount(t) for t in ticks],
                                  rotation=30 if len(ticks) > 4 else 0)
                    ax.xaxis.set_minor_formatter(NullFormatter())
                ax.set_xlabel(f"DCI bandwidth, Gb/s ({_label(bandwidth)})")
                ax.set_title(f"{prefix}efficiency against DCI bandwidth")
            else:
                ax.set_xlabel(f"distance, km ({_label(distance)})")
                ax.set_title(f"{prefix}efficiency against distance")
    if title:
        fig.suptitle(printable(title))
    return fig
