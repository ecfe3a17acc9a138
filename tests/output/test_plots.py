"""Charts of tidy tables: every kind drawn and written, the numbers drawn, and bad input refused
in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.errors import FormatError, UnknownNameError, ValidationError
from infranet.output.plots import (
    IMAGE_FORMATS,
    KINDS,
    MAX_BAR_LABELS,
    plot,
    read_table,
    save_figure,
    undrawn_rows,
)

from .conftest import assert_not_blank

ROWS = pd.DataFrame({
    "distance_km": [50, 500, 1000, 50, 500, 1000, 1000],
    "efficiency": [0.99, 0.95, 0.90, 0.98, 0.90, 0.80, 0.70],
    "model": ["8b", "8b", "8b", "70b", "70b", "70b", "70b"],
})


def _args(kind: str) -> dict[str, str | None]:
    if kind == "cdf":
        return {"x": "efficiency", "y": None}
    if kind == "bar":
        return {"x": "model", "y": "efficiency"}
    return {"x": "distance_km", "y": "efficiency"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("hue", [None, "model"])
def test_every_kind_is_written_in_every_format(kind: str, hue: str | None, tmp_path: Path):
    fig = plot(ROWS, **_args(kind), hue=hue if kind != "bar" else hue and "distance_km",
               kind=kind)
    for suffix in IMAGE_FORMATS:
        out = tmp_path / f"chart{suffix}"
        save_figure(fig, out)
        assert out.stat().st_size > 1000, out
    assert_not_blank(tmp_path / "chart.png")
    assert (tmp_path / "chart.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "chart.pdf").read_bytes().startswith(b"%PDF")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_a_line_is_the_mean_of_the_rows_at_each_x():
    fig = plot(ROWS, x="distance_km", y="efficiency", hue="model")
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["8b", "70b"]  # in order of appearance
    np.testing.assert_allclose(lines["8b"].get_xdata(), [50, 500, 1000])
    np.testing.assert_allclose(lines["8b"].get_ydata(), [0.99, 0.95, 0.90])
    np.testing.assert_allclose(lines["70b"].get_ydata(), [0.98, 0.90, 0.75])  # (0.8 + 0.7) / 2
    assert ax.get_ylabel() == "efficiency (mean of rows at one distance_km)"
    assert ax.get_legend().get_title().get_text() == "model"


def test_a_line_of_one_row_per_x_says_no_mean():
    fig = plot(ROWS.iloc[:3], x="distance_km", y="efficiency")
    assert fig.axes[0].get_ylabel() == "efficiency"
    assert fig.axes[0].get_title() == "efficiency against distance_km"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60))
def test_a_cdf_steps_by_one_row_at_each_value(values: list[float]):
    fig = plot(pd.DataFrame({"v": values}), x="v", kind="cdf")
    (line,) = fig.axes[0].get_lines()
    ordered = np.sort(values)  # a step up from 0 at the first value, then one per row
    np.testing.assert_array_equal(line.get_xdata(), np.concatenate([ordered[:1], ordered]))
    np.testing.assert_allclose(line.get_ydata(),
                               np.arange(0, len(values) + 1) / len(values))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.none(),
                          st.sampled_from(["", "n/a", "inf"])), min_size=1, max_size=60))
def test_a_cdf_is_over_all_rows_those_without_a_value_too(values: list):
    """The curve ends at the share of rows with a value (below 1 when some have none), as
    numpy's count of the finite values says."""
    numbers = [v for v in values if isinstance(v, float)]
    frame = pd.DataFrame({"v": pd.Series(values, dtype=object)})
    if not numbers:
        with pytest.raises(ValidationError, match="holds no numbers"):
            plot(frame, x="v", kind="cdf")
        return
    fig = plot(frame, x="v", kind="cdf")
    (line,) = fig.axes[0].get_lines()
    ordered = np.sort(numbers)
    np.testing.assert_array_equal(line.get_xdata(), np.concatenate([ordered[:1], ordered]))
    np.testing.assert_allclose(line.get_ydata(), np.arange(0, len(numbers) + 1) / len(values))
    missing = len(values) - len(numbers)
    assert undrawn_rows(frame, x="v", kind="cdf") == missing
    title = fig.axes[0].get_title()
    assert title == "distribution of v" + (
        f" ({missing} row{'s' if missing > 1 else ''} without a value not drawn)"
        if missing else "")


def test_a_cdf_per_series_counts_its_own_rows():
    rows = pd.DataFrame({"rtt": [1.0, None, 2.0, 3.0], "cut": ["a", "a", "b", "b"]})
    lines = {line.get_label(): line for line in
             plot(rows, x="rtt", hue="cut", kind="cdf").axes[0].get_lines()}
    np.testing.assert_allclose(lines["a"].get_ydata(), [0.0, 0.5])  # a site cut off: ends at 1/2
    np.testing.assert_allclose(lines["b"].get_ydata(), [0.0, 0.5, 1.0])


def test_bars_group_by_hue_with_heights_the_means():
    fig = plot(ROWS, x="model", y="efficiency", hue="distance_km", kind="bar")
    heights = [round(bar.get_height(), 9) for bar in fig.axes[0].patches]
    # per hue value (50, 500, 1000) one bar per model (8b, 70b)
    assert heights == [0.99, 0.98, 0.95, 0.90, 0.90, 0.75]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["8b", "70b"]


@pytest.mark.parametrize(("bars", "every"), [(40, 1), (41, 2), (300, 8), (1000, 25)])
def test_many_bars_label_one_in_k(bars: int, every: int):
    rows = pd.DataFrame({"link": [f"link-{i}" for i in range(bars)], "gbps": range(bars)})
    ax = plot(rows, x="link", y="gbps", kind="bar").axes[0]
    assert len(ax.patches) == bars  # every bar drawn
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) <= MAX_BAR_LABELS
    assert labels == [f"link-{i}" for i in range(0, bars, every)]
    np.testing.assert_allclose(ax.get_xticks(), np.arange(0, bars, every))
    assert {t.get_rotation() for t in ax.get_xticklabels()} == {90.0}  # side by side
    assert ax.get_xlabel() == ("link" if every == 1 else
                               f"link (one bar in {every} labelled, of {bars})")


def test_scatter_draws_every_row():
    fig = plot(ROWS, x="distance_km", y="efficiency", kind="scatter")
    (points,) = fig.axes[0].collections
    assert len(points.get_offsets()) == len(ROWS)


def test_rows_without_a_number_are_left_out():
    rows = pd.DataFrame({"x": [1, 2, 3], "y": ["1.5", "n/a", "2.5"]})
    fig = plot(rows, x="x", y="y")
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_allclose(line.get_ydata(), [1.5, 2.5])
    assert fig.axes[0].get_title() == "y against x (1 row without a value not drawn)"
    scatter = plot(rows, x="x", y="y", kind="scatter")
    assert len(scatter.axes[0].collections[0].get_offsets()) == 2
    assert scatter.axes[0].get_title().endswith("(1 row without a value not drawn)")
    assert undrawn_rows(rows, x="x", y="y", kind="scatter") == 1
    assert undrawn_rows(ROWS, x="distance_km", y="efficiency") == 0


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"x": "distance", "y": "efficiency"}, UnknownNameError,
     "x: no column 'distance' (did you mean 'distance_km'?); the columns are distance_km, "
     "efficiency, model"),
    ({"x": "distance_km", "y": "eficiency"}, UnknownNameError, "did you mean 'efficiency'?"),
    ({"x": "distance_km", "y": "efficiency", "hue": "modle"}, UnknownNameError,
     "hue: no column 'modle' (did you mean 'model'?)"),
    ({"x": "distance_km", "y": "model"}, ValidationError,
     "y: column 'model' holds no numbers, and a line chart needs them"),
    ({"x": "model", "y": "efficiency", "kind": "scatter"}, ValidationError,
     "x: column 'model' holds no numbers, and a scatter chart needs them; a bar chart takes "
     "text on x (--kind bar)"),
    ({"x": "distance_km"}, ValidationError, "y: a line chart needs a column for y"),
    ({"x": "distance_km", "y": "efficiency", "kind": "pie"}, ValidationError,
     "unknown chart kind 'pie'"),
])
def test_bad_columns_and_kinds_are_one_line(options, error, message):
    with pytest.raises(error) as caught:
        plot(ROWS, **options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_empty_tables_and_too_many_series_are_refused():
    with pytest.raises(ValidationError, match="no rows; nothing to draw"):
        plot(ROWS.iloc[:0], x="distance_km", y="efficiency")
    with pytest.raises(ValidationError, match="no row has a value in every column"):
        plot(pd.DataFrame({"x": [1.0, None], "y": [None, 2.0]}), x="x", y="y")
    many = pd.DataFrame({"x": range(30), "y": range(30), "h": range(30)})
    with pytest.raises(ValidationError, match="hue: column 'h' has 30 values"):
        plot(many, x="x", y="y", hue="h")


def test_save_refuses_unknown_suffixes_and_keeps_the_old_file(tmp_path: Path):
    fig = plot(ROWS, x="distance_km", y="efficiency")
    with pytest.raises(FormatError, match=r"chart\.jpg: infranet writes charts as .png, .svg "
                                          r"or .pdf"):
        save_figure(fig, tmp_path / "chart.jpg")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(FormatError, match="is a directory"):
        save_figure(fig, tmp_path / "folder.png")
    with pytest.raises(FormatError, match="directory does not exist"):
        save_figure(fig, tmp_path / "nowhere" / "chart.png")
    old = tmp_path / "old.png"
    old.write_bytes(b"old")
    save_figure(fig, old)
    assert old.read_bytes() != b"old"
    assert_not_blank(old)


def test_the_same_chart_gives_the_same_bytes(tmp_path: Path):
    for name in ("a", "b"):
        save_figure(plot(ROWS, x="distance_km", y="efficiency"), tmp_path / f"{name}.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


@pytest.mark.parametrize(("content", "message"), [
    ("", "the table is empty"),
    ("a,b\n1,2\n3,4,5,6\n", "not a CSV table"),
    ("a,b\n\x00\x01,\n", None),
])
def test_read_table_refuses_what_is_not_a_table(tmp_path: Path, content: str, message):
    path = tmp_path / "t.csv"
    path.write_text(content)
    if message is None:  # read, perhaps oddly: plotting it then says what is wrong
        frame = read_table(path)
        with pytest.raises(ValidationError):
            plot(frame, x="a", y="b")
        return
    with pytest.raises(FormatError, match=message) as caught:
        read_table(path)
    assert str(caught.value).startswith(f"{path}: ")
