"""Series of traffic matrices: the type, its readers (hostile inputs included) and the
generator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.errors import FormatError, InfranetError, UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.testing import topology_specs
from infranet.traffic import TrafficMatrix, read_hist
from infranet.traffic_series import (
    ROUTABLE_FLOOR,
    TrafficSeries,
    diurnal,
    matrix_of,
    read_csv,
    read_series,
)
from infranet.traffic_series import read_hist as read_hist_series

from .conftest import triangle


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------- the type


def test_series_is_read_only_and_gives_matrices():
    tm = TrafficMatrix(("a", "b", "c"), [[0, 1, 2], [3, 0, 4], [5, 6, 0]])
    series = TrafficSeries.from_matrices([tm, tm.scaled(2)], timestamps=["t0", "t1"])
    assert len(series) == 2 and series.n_pairs == 6
    assert series.pairs[0] == ("a", "b") and series.pairs[-1] == ("c", "b")
    assert not series.volumes.flags.writeable
    with pytest.raises(ValueError):
        series.volumes[0, 0] = 9.0
    np.testing.assert_array_equal(series.matrix(1).gbps, tm.gbps * 2)
    np.testing.assert_array_equal(series.matrix(-2).gbps, tm.gbps)
    assert series.window(1, 2).timestamps == ("t1",)
    assert series.head(10).n_intervals == 2
    with pytest.raises(ValidationError, match="interval must be between 0 and 1"):
        series.matrix(2)


@pytest.mark.parametrize(("pairs", "volumes", "error", "words"), [
    ((("a", "b"),), [[-1.0]], ValidationError, "interval 0 pair 'a' -> 'b': gbps"),
    ((("a", "b"),), [[np.nan]], ValidationError, "non-negative finite"),
    ((("a", "b"),), [[np.inf]], ValidationError, "non-negative finite"),
    ((("a", "b"),), [[1.0, 2.0]], ValidationError, "shape"),
    ((("a", "b"),), np.zeros((0, 1)), ValidationError, "intervals >= 1"),
    ((("a", "a"),), [[1.0]], ValidationError, "cannot send to itself"),
    ((("a", "q"),), [[1.0]], UnknownNameError, "unknown node 'q'"),
    ((("a", "b"), ("a", "b")), [[1.0, 1.0]], ValidationError, "pair appears twice"),
])
def test_series_refuses_bad_values(pairs, volumes, error, words):
    with pytest.raises(error, match=words):
        TrafficSeries(("a", "b"), pairs, volumes)


def test_matrix_of_routable_gives_every_pair_a_demand():
    tm = matrix_of(("a", "b", "c"), [("a", "b"), ("b", "c")], [0.0, 5.0], routable=True)
    assert tm.gbps[0, 1] == pytest.approx(5.0 * ROUTABLE_FLOOR) and tm.gbps[1, 2] == 5.0
    assert tm.n_demands == 2
    quiet = matrix_of(("a", "b", "c"), [("a", "b"), ("b", "c"), ("c", "a")],
                      [0.0, 1.0, 1e-12], routable=True)
    assert quiet.gbps[0, 1] == 1e-12  # the quietest pair that sends
    silent = matrix_of(("a", "b"), [("a", "b")], [0.0], routable=True)
    assert silent.gbps[0, 1] == ROUTABLE_FLOOR


# ---------------------------------------------------------------------------- .hist


def test_hist_series_matches_the_matrices(shared_data):
    import infranet

    base = shared_data / "figret-geant"
    topo = infranet.read(base / "GEANT.json", capacity_unit="bit/s")
    series = read_hist_series(base / "test-7.hist", topo)
    assert len(series) == 677 and series.n_pairs == 22 * 21
    for t in (0, 338, 676):
        tm = read_hist(base / "test-7.hist", topo, line=t)
        np.testing.assert_array_equal(series.matrix(t).gbps, tm.gbps)
    assert series.source == str(base / "test-7.hist")


@pytest.mark.parametrize(("text", "error", "words"), [
    ("", FormatError, "empty"),
    ("0 1 2\n", FormatError, "line 1: expected 4 values"),
    ("0 1 1 0\n0 x 1 0\n", FormatError, "line 2: expected whitespace-separated numbers"),
    ("0 -1 1 0\n", ValidationError, "line 1 value 2"),
    ("5 1 1 0\n", ValidationError, "cannot send to itself"),
])
def test_hist_series_hostile(tmp_path, text, error, words):
    path = _write(tmp_path, "bad.hist", text)
    with pytest.raises(error, match=words) as info:
        read_hist_series(path, ["a", "b"])
    assert str(path) in str(info.value) and "\n" not in str(info.value)


# ---------------------------------------------------------------------------- CSV


def test_csv_series_reads_any_row_order_and_sums_repeats(tmp_path):
    path = _write(tmp_path, "s.csv", "t,src,dst,gbps,comment\n"
                  "11,y,x,2,late\n10,x,y,1,\n11,x,y,400 Mb/s,\n11,x,y,0.1,\n")
    series = read_csv(path)  # nodes in order of first appearance: y, x
    assert series.pairs == (("y", "x"), ("x", "y"))
    np.testing.assert_allclose(series.volumes, [[0.0, 1.0], [2.0, 0.5]])
    assert series.timestamps == ("10", "11")
    assert series.name == "s"


def test_csv_round_trip(tmp_path):
    topo = triangle()
    series = diurnal(topo, intervals=5, total_gbps=100.0, seed=3)
    path = tmp_path / "round.csv"
    series.to_frame().to_csv(path, index=False)
    back = read_csv(path, topo)
    assert back.pairs == series.pairs
    np.testing.assert_allclose(back.volumes, series.volumes, rtol=1e-12)


@pytest.mark.parametrize(("text", "error", "words"), [
    ("", FormatError, "empty file"),
    ("t,src,dst\n0,x,y\n", FormatError, "no column 'gbps'"),
    ("time,src,dst,gbps\n0,x,y,1\n", FormatError, "no column 't'"),
    ("t,src,dst,gbps\n", FormatError, "no demands"),
    ("t,src,dst,gbps\n0,x,y\n", FormatError, "row 2: expected 4 fields"),
    ("t,src,dst,gbps\n0.5,x,y,1\n", FormatError, "row 2: t: expected a whole interval"),
    ("t,src,dst,gbps\nnow,x,y,1\n", FormatError, "row 2: t: expected a whole interval"),
    ("t,src,dst,gbps\n0,x,y,-1\n", ValidationError, "row 2: gbps"),
    ("t,src,dst,gbps\n0,x,y,nan\n", ValidationError, "row 2: gbps"),
    ("t,src,dst,gbps\n0,x,y,fast\n", ValidationError, "row 2: gbps"),
    ("t,src,dst,gbps\n0,x,x,1\n", ValidationError, "row 2: dst: a site cannot send"),
    ("t,src,dst,gbps\n0,x,y,1\n1,x,y,1\n4,x,y,1\n", ValidationError,
     "row 4: t: interval 2 is missing"),
    ("t,src,dst,gbps\n0,x,y,1e308\n0,x,y,1e308\n", ValidationError, "past the largest"),
])
def test_csv_series_hostile(tmp_path, text, error, words):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(error, match=words) as info:
        read_csv(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_csv_series_unknown_site_names_the_closest(tmp_path):
    path = _write(tmp_path, "s.csv", "t,src,dst,gbps\n0,x,yy,1\n")
    with pytest.raises(UnknownNameError, match=r"row 2: dst: unknown site 'yy'.*'y'"):
        read_csv(path, triangle())


def test_read_series_by_suffix(tmp_path):
    topo = triangle()
    hist = _write(tmp_path, "s.hist", "0 1e9 0 0 0 0 0 0 0\n0 2e9 0 0 0 0 0 0 0\n")
    assert read_series(hist, topo).volumes[:, 0].tolist() == [1.0, 2.0]
    csv = _write(tmp_path, "s.csv", "t,src,dst,gbps\n0,x,y,1\n")
    assert len(read_series(csv, topo)) == 1
    with pytest.raises(FormatError, match="t,src,dst,gbps"):
        read_series(_write(tmp_path, "s.json", "{}"), topo)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=200))
def test_csv_series_fuzz_raises_only_infranet_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(b"t,src,dst,gbps\n" + data)
    try:
        read_csv(path)
    except InfranetError as err:
        assert "\n" not in str(err)


# ---------------------------------------------------------------------------- generator


def test_diurnal_is_seeded_and_follows_its_cycle():
    topo = triangle()
    a = diurnal(topo, intervals=96, total_gbps=300.0, period=24, amplitude=0.5,
                phase_spread=0.0, noise=0.0, burst_rate=0.0, seed=1)
    total = a.total_gbps
    # in step, no noise: the total is the gravity total times the cycle (a closed form)
    expected = 300.0 * (1 + 0.5 * np.sin(2 * np.pi * np.arange(96) / 24))
    np.testing.assert_allclose(total, expected, rtol=1e-12)
    b = diurnal(topo, intervals=96, total_gbps=300.0, period=24, seed=1)
    c = diurnal(topo, intervals=96, total_gbps=300.0, period=24, seed=1)
    np.testing.assert_array_equal(b.volumes, c.volumes)
    assert not np.array_equal(b.volumes, diurnal(topo, intervals=96, total_gbps=300.0,
                                                 period=24, seed=2).volumes)


def test_diurnal_bursts_multiply_demands():
    topo = triangle()
    calm = diurnal(topo, intervals=200, total_gbps=60.0, noise=0.0, burst_rate=0.0, seed=5)
    bursty = diurnal(topo, intervals=200, total_gbps=60.0, noise=0.0, burst_rate=0.2,
                     burst_factor=4.0, seed=5)
    ratio = bursty.volumes / calm.volumes
    assert set(np.round(np.unique(ratio), 12)) == {1.0, 4.0}
    assert 0.1 < float(np.mean(ratio == 4.0)) < 0.3


@pytest.mark.parametrize(("option", "value"), [
    ("intervals", 0), ("period", 0), ("amplitude", 1.0), ("amplitude", -0.1),
    ("noise", -1.0), ("burst_rate", 2.0), ("burst_factor", 0.0), ("phase_spread", np.nan),
])
def test_diurnal_refuses_bad_parameters(option, value):
    options = {"intervals": 4, "total_gbps": 10.0, option: value}
    with pytest.raises(ValidationError, match=option):
        diurnal(triangle(), **options)


@settings(max_examples=20, deadline=None)
@given(spec=topology_specs(min_sites=2, max_sites=5, min_links=1, connected=True),
       seed=st.integers(0, 2**16))
def test_diurnal_on_random_topologies(spec, seed):
    topo = Topology.from_dict(spec)
    series = diurnal(topo, intervals=6, total_gbps=50.0, seed=seed)
    n = len(topo.site_names)
    assert series.volumes.shape == (6, n * (n - 1))
    assert np.isfinite(series.volumes).all() and (series.volumes >= 0).all()
