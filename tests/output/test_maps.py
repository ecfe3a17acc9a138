"""Maps of topologies: written and not blank, links across the ±180° meridian split there,
links without a route drawn straight and said so, colours by a column or by joined results."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infranet
from infranet.errors import UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.output.maps import antimeridian_parts, draw_map, html_map, link_rows
from infranet.output.plots import save_figure

from .conftest import assert_not_blank

ROOT = Path(__file__).resolve().parents[2]
WORLD = infranet.read(ROOT / "topologies" / "global-backbone.yaml")
US = infranet.read(ROOT / "topologies" / "us-backbone.yaml")


def _segments(fig) -> list[np.ndarray]:
    """Every line segment drawn on the map's axes, as (lon, lat) pairs."""
    segments: list[np.ndarray] = []
    for collection in fig.axes[0].collections:
        for path in getattr(collection, "get_segments", lambda: [])():
            segments.extend(np.stack([path[:-1], path[1:]], axis=1))
    return segments


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


@pytest.mark.parametrize("topology", [WORLD, US], ids=["world", "us"])
@pytest.mark.parametrize("color_by", [None, "capacity_gbps", "length_km"])
def test_maps_are_written_and_not_blank(topology, color_by, tmp_path: Path):
    fig = draw_map(topology, color_by=color_by)
    for suffix in (".png", ".svg"):
        save_figure(fig, tmp_path / f"map{suffix}")
        assert (tmp_path / f"map{suffix}").stat().st_size > 5000
    assert_not_blank(tmp_path / "map.png", at_least=0.03)
    assert "<svg" in (tmp_path / "map.svg").read_text()
    assert len(fig.axes) == (2 if color_by else 1)  # a colour bar says what colours mean
    if color_by:
        assert fig.axes[1].get_ylabel() == color_by


def test_links_across_the_antimeridian_are_split_at_it():
    links = WORLD.to_geodataframes()[1]
    crossing = [geometry for geometry in links.geometry
                if any(abs(b[0] - a[0]) > 180 for a, b in pairwise(geometry.coords))]
    assert crossing, "the world backbone has trans-Pacific links: the test needs one"
    segments = _segments(draw_map(WORLD))
    assert segments
    steps = [abs(s[1][0] - s[0][0]) for s in segments]
    assert max(steps) <= 180.0
    edges = [p for s in segments for p in s if abs(abs(p[0]) - 180.0) < 1e-9]
    assert any(p[0] > 0 for p in edges) and any(p[0] < 0 for p in edges)  # both edges reached


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-180, 180), st.floats(-89, 89)), min_size=2,
                max_size=12))
def test_split_parts_never_step_more_than_half_the_world(points):
    parts = antimeridian_parts(points)
    crossings = sum(abs(b[0] - a[0]) > 180 for a, b in pairwise(points))
    assert len(parts) == crossings + 1
    for part in parts:
        assert all(abs(b[0] - a[0]) <= 180.0 for a, b in pairwise(part))
    kept = [p for part in parts for p in part if abs(p[0]) != 180.0 or p in points]
    assert set(points) <= set(kept)
    for before, after in pairwise(parts):  # the line goes on where it left the map
        assert before[-1][0] == -after[0][0] and abs(before[-1][0]) == 180.0
        assert before[-1][1] == after[0][1]
        assert min(before[-2][1], after[1][1]) - 1e-9 <= after[0][1] \
            <= max(before[-2][1], after[1][1]) + 1e-9


def test_straight_and_routed_links_are_told_apart():
    fig = draw_map(US)
    legend = _legend(fig)
    assert "straight: no route in the file" in legend
    assert "along its route" in legend
    assert {"datacenter site", "region site"} <= set(legend)
    styles = {tuple(c.get_linestyle()[0][1] or ()) != () for c in fig.axes[0].collections
              if hasattr(c, "get_segments")}
    assert styles == {True, False}  # dashed (straight) and solid (routed) lines


def test_colours_from_results_joined_by_link_name():
    names = list(US.to_geodataframes()[1]["name"])
    results = pd.DataFrame({"link": names[:3], "rtt_added_ms": [1.0, 2.0, 4.0]})
    fig = draw_map(US, color_by="rtt_added_ms", results=results)
    bar = fig.axes[1]
    assert bar.get_ylabel() == "rtt_added_ms"
    low, high = sorted(bar.get_ylim())
    assert (low, high) == (1.0, 4.0)
    assert f"no rtt_added_ms ({len(names) - 3} links)" in _legend(fig)


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"color_by": "capacity"}, UnknownNameError,
     "color_by: no column 'capacity' (did you mean 'capacity_gbps'?)"),
    ({"color_by": "srlg"}, ValidationError, "column 'srlg' holds no numbers"),
    ({"color_by": "x", "results": pd.DataFrame({"what": ["a"], "x": [1.0]})}, UnknownNameError,
     "results: the results have no 'link'"),
    ({"color_by": "x", "results": pd.DataFrame({"link": ["nowhere"], "x": [1.0]})},
     UnknownNameError, "results: no link 'nowhere' in the topology"),
])
def test_bad_colours_are_one_line(options, error, message):
    with pytest.raises(error) as caught:
        draw_map(US, **options)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_topology_without_locations_has_no_map():
    spec = {"name": "nowhere", "sites": [{"name": "a", "kind": "datacenter"},
                                         {"name": "b", "kind": "datacenter"}],
            "links": [{"a": "a", "b": "b", "length_km": 10, "capacity": "400 Gb/s"}]}
    with pytest.raises(ValidationError, match="no site has a location"):
        draw_map(Topology.from_dict(spec))


@pytest.fixture(scope="module")
def fiber_cuts() -> pd.DataFrame:
    """A real sweep: every single and double link cut of the US backbone."""
    from infranet.studies.sweep import read_study, run

    return run(read_study(ROOT / "examples" / "studies" / "fiber-cuts.yaml"))


def test_a_studys_rows_colour_links_by_their_single_cut(fiber_cuts: pd.DataFrame):
    names = list(US.to_geodataframes()[1]["name"])
    singles = fiber_cuts[fiber_cuts["failure"].isin(names)]
    assert len(singles) == len(names) and len(singles) < len(fiber_cuts)  # pairs too
    kept, key, left_out = link_rows(fiber_cuts)
    assert key == "failure" and left_out == len(fiber_cuts) - len(names)
    assert list(kept["failure"]) == list(singles["failure"])
    fig = draw_map(US, color_by="min_cut.gbps", results=fiber_cuts)
    cut = singles.set_index("failure")["min_cut.gbps"]
    assert sorted(fig.axes[1].get_ylim()) == [cut.min(), cut.max()]
    page = html_map(US, color_by="max_rtt.ms", results=fiber_cuts)
    rtt = singles.set_index("failure")["max_rtt.ms"]
    for name in names:  # each link's tooltip gives its own cut's value
        assert f"{name}: " in page and f"max_rtt.ms {rtt[name]:,.6g}" in page


def test_failures_that_are_not_one_link_are_left_out():
    names = list(US.to_geodataframes()[1]["name"])
    rows = pd.DataFrame({"failure": [names[0], f"{names[0]} + {names[1]}", "srlg:duct",
                                     f"site:{US.site_names[0]}", None, ""],
                         "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    kept, _, left_out = link_rows(rows)
    assert list(kept["x"]) == [1.0] and left_out == 5
    fig = draw_map(US, color_by="x", results=rows)
    assert f"no x ({len(names) - 1} links)" in _legend(fig)
    with pytest.raises(UnknownNameError, match="results: no link 'nowhere' in the topology"):
        draw_map(US, color_by="x", results=pd.DataFrame({"failure": ["nowhere"], "x": [1.0]}))
