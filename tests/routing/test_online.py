"""The online protocol: configured from the past, measured on the next interval."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infranet
from infranet.algorithms.candidates import read_tunnels
from infranet.errors import InfranetError, ValidationError
from infranet.model import Topology
from infranet.results import check_result
from infranet.routing import (
    History,
    LookaheadError,
    Routing,
    algorithms,
    register,
    run_online,
    takes,
)
from infranet.routing import base as routing_base
from infranet.routing.online import optimum_mlus
from infranet.testing import topology_specs
from infranet.traffic import TrafficMatrix
from infranet.traffic_series import TrafficSeries, diurnal

from .conftest import options

#: LP optima from HiGHS agree within its primal feasibility tolerance (1e-7, relative to the
#: scale of the MLU here); the floor given to silent pairs moves them by far less.
TOL = 1e-7


@contextlib.contextmanager
def registered(name, func):
    register(name)(func)
    try:
        yield name
    finally:
        routing_base._REGISTRY.pop(name, None)


@pytest.fixture(scope="module")
def geant(request):
    from tests.conftest import SHARED_DATA

    base = SHARED_DATA / "figret-geant"
    if not base.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    from infranet.traffic_series import read_hist

    topo = infranet.read(base / "GEANT.json", capacity_unit="bit/s")
    series = read_hist(base / "test-7.hist", topo)
    paths = read_tunnels(base / "tunnels.txt", topo)
    published = np.array([float(x) for x in (base / "test-7.opt").read_text().split()])
    return topo, series, paths, published


def square() -> Topology:
    """w -> z over two disjoint two-hop paths (via x and via y), 100 Gb/s each."""
    return Topology.from_dict({"name": "square", "sites": [{"name": n} for n in "wxyz"],
                               "links": [{"a": a, "b": b, "capacity": 100}
                                         for a, b in ("wx", "xz", "wy", "yz")]})


# ---------------------------------------------------------------------------- optimum


def test_every_geant_optimum_is_the_published_one(geant):
    """All 677 intervals of GEANT test-7: the path LP over FIGRET's tunnels gives the
    published optimum (the README of the data: agreement to about 1e-12)."""
    topo, series, paths, published = geant
    computed = optimum_mlus(topo, series, paths=paths)
    assert len(computed) == len(published) == 677
    np.testing.assert_allclose(computed, published, rtol=1e-6)


def test_arc_lp_optimum_matches_the_published_one_on_a_sample(geant):
    topo, series, _, published = geant
    sample = [0, 123, 456, 676]
    np.testing.assert_allclose(optimum_mlus(topo, series, intervals=sample),
                               published[sample], rtol=1e-6)


# ---------------------------------------------------------------------------- protocol


def test_pred_last_on_a_constant_series_reaches_the_optimum(geant):
    topo, series, paths, published = geant
    for t in (0, 300, 676):  # GEANT matrices have silent pairs: the floor is exercised
        constant = TrafficSeries(series.nodes, series.pairs,
                                 np.repeat(series.volumes[t:t + 1], 3, axis=0))
        result = run_online(topo, constant, "pred-last", paths=paths)
        np.testing.assert_allclose(result.mlu_ratio, 1.0, atol=TOL)
        np.testing.assert_allclose(result.optimum_mlu, published[t], rtol=1e-6)
        assert result.churn[1] == pytest.approx(0.0, abs=1e-9)


def test_window_peak_of_one_interval_is_pred_last(geant):
    topo, series, paths, published = geant
    last = run_online(topo, series, "pred-last", paths=paths, optima=published, limit=12)
    peak = run_online(topo, series, "window-peak", paths=paths, optima=published, limit=12,
                      window=1)
    np.testing.assert_array_equal(peak.mlu, last.mlu)
    np.testing.assert_array_equal(peak.churn, last.churn)


def test_pred_linear_on_a_linear_trend_reaches_the_optimum():
    """Every pair growing (or shrinking) linearly: the forecast is the next matrix exactly,
    so the routing is that matrix's optimum; with a window of 1 it is pred-last."""
    topo = square()
    base = np.zeros((4, 4))
    base[0, 3], base[1, 2] = 40.0, 10.0
    step = np.zeros((4, 4))
    step[0, 3], step[1, 2] = 5.0, 12.0
    series = TrafficSeries.from_matrices([TrafficMatrix(tuple("wxyz"), base + i * step)
                                          for i in range(8)])
    trend = run_online(topo, series, "pred-linear", start=3, window=4)
    np.testing.assert_allclose(trend.mlu_ratio, 1.0, atol=TOL)
    one = run_online(topo, series, "pred-linear", start=3, window=1)
    last = run_online(topo, series, "pred-last", start=3)
    np.testing.assert_array_equal(one.mlu, last.mlu)


def test_linear_forecast_floors_a_falling_pair_at_zero():
    from infranet.routing.predictive import linear_forecast

    past = np.array([[9.0, 1.0], [6.0, 1.0], [3.0, 1.0]])
    np.testing.assert_allclose(linear_forecast(past, 12), [0.0, 1.0])
    np.testing.assert_allclose(linear_forecast(past, 2), [0.0, 1.0])
    np.testing.assert_allclose(linear_forecast(past[:1], 12), [9.0, 1.0])


def test_window_peak_takes_the_peak_of_its_window():
    from infranet.routing.predictive import window_peak

    volumes = np.zeros((5, 12))
    volumes[:, 2] = [1.0, 9.0, 2.0, 3.0, 4.0]
    series = TrafficSeries.from_matrices([TrafficMatrix(tuple("wxyz"), np.zeros((4, 4)))] * 5)
    series = TrafficSeries(series.nodes, series.pairs, volumes)
    assert series.pairs[2] == ("w", "z")
    past = History(series, now=4)
    routing = window_peak(square(), past.matrix(-1, routable=True), history=past, window=2)
    assert routing.demand_gbps[routing.demand_index("w", "z")] == 3.0  # intervals 2 and 3
    routing = window_peak(square(), past.matrix(-1, routable=True), history=past, window=4)
    assert routing.demand_gbps[routing.demand_index("w", "z")] == 9.0


def test_every_algorithm_stays_at_or_above_the_optimum(geant):
    """Every registered algorithm that can run, on the first intervals of GEANT: no ratio
    below 1 beyond the solver's tolerance (the optimum is over the same tunnels; algorithms
    with other paths are measured against it too, and may not beat the arc optimum, which
    equals it here)."""
    topo, series, paths, published = geant
    for name in algorithms():
        extra = options(name, topo)
        if takes(name, "weight"):
            extra["weight"] = "hops"
        result = run_online(topo, series, name, paths=paths, optima=published, limit=4,
                            start=12, **extra)
        ratio = result.mlu_ratio[np.isfinite(result.mlu_ratio)]
        assert (ratio >= 1 - TOL).all(), (name, ratio.min())
        if name != "cspf":  # cspf admits what fits, and these optima are above 1 (2.4-2.8)
            assert not result.lost_gbps.any(), name  # silent pairs of t - 1 keep a path


@pytest.mark.parametrize("name", ["mcf", "fptas", "path-lp", "pred-last"])
def test_a_pair_silent_in_the_last_interval_keeps_a_path(name):
    """A pair with no traffic at t - 1 reaches the algorithm at a billionth of the largest
    volume, below the LP's tolerance; it still gets a path, so its traffic at t is carried."""
    silent = np.zeros((4, 4))
    silent[0, 3] = 80.0  # w -> z only
    busy = silent.copy()
    busy[1, 2] = 40.0  # x -> y starts at t = 1
    series = TrafficSeries.from_matrices([TrafficMatrix(tuple("wxyz"), silent),
                                          TrafficMatrix(tuple("wxyz"), busy)])
    result = run_online(square(), series, name)
    assert result.lost_gbps.tolist() == [0.0]
    assert result.mlu_ratio[0] >= 1 - TOL


def test_fill_starved_gives_the_fewest_hop_path_and_keeps_the_others():
    from infranet.algorithms.decomposition import fill_starved
    from infranet.algorithms.paths import empty

    topo = square()
    compiled = topo.compile()
    src = np.array([0, 1, 0])
    dst = np.array([3, 2, 3])
    nothing = empty(compiled.nodes, 3)
    filled = fill_starved(topo, nothing, src, dst, np.array([1e-12, 1.0, 0.0]),
                          np.ones(compiled.n_arcs, dtype=bool))
    assert np.diff(filled.path_ptr).tolist() == [1, 1, 0]  # a zero demand stays without
    (arcs, share), = filled.paths(0)
    assert len(arcs) == 2 and share == 1.0
    (arcs, _), = filled.paths(1)
    assert len(arcs) == 2  # x -> y: x-w-y or x-z-y, two hops either way
    cut = np.ones(compiled.n_arcs, dtype=bool)
    w = compiled.index["w"]
    cut[(compiled.tail == w) | (compiled.head == w)] = False  # w cut off
    unreachable = fill_starved(topo, nothing, src, dst, np.array([1.0, 1.0, 0.0]), cut)
    assert np.diff(unreachable.path_ptr).tolist() == [0, 1, 0]


def test_result_protocol_rows_and_summary(geant):
    topo, series, paths, published = geant
    result = run_online(topo, series, "pred-ewma", paths=paths, optima=published, limit=20,
                        alpha=0.3)
    out = check_result(result, headline=("algorithm", "mean_ratio", "p90_ratio", "max_ratio",
                                         "total_churn"))
    assert set(out) >= {"summary", "intervals", "binding"}
    rows = out["intervals"]
    assert len(rows) == 20 and rows[0]["t"] == 1 and rows[-1]["t"] == 20
    assert set(rows[0]) == {"t", "mlu", "optimum_mlu", "mlu_ratio", "lost_gbps", "churn",
                            "solve_s"}
    assert math.isnan(rows[0]["churn"]) and all(0 <= r["churn"] <= 1 for r in rows[1:])
    ratio = np.array([r["mlu_ratio"] for r in rows])
    summary = out["summary"]
    assert summary["mean_ratio"] == pytest.approx(ratio.mean())
    assert summary["max_ratio"] == pytest.approx(ratio.max())
    assert summary["p90_ratio"] == pytest.approx(np.percentile(ratio, 90))
    assert summary["share_above_1.1"] == pytest.approx(np.mean(ratio > 1.1))
    assert summary["total_churn"] == pytest.approx(np.nansum([r["churn"] for r in rows]))
    assert out["binding"]["kind"] == "link" and out["binding"]["name"]
    assert out["options"]["alpha"] == 0.3
    assert not result.mlu.flags.writeable


# ---------------------------------------------------------------------------- look-ahead


def test_an_algorithm_that_reads_the_future_is_caught():
    series = diurnal(square(), intervals=5, total_gbps=50.0, seed=1)

    def cheat(topology, tm, *, history=None):
        history.interval(history.now)  # interval t: not observed yet
        raise AssertionError("unreachable")

    def peek(topology, tm, *, history=None):
        history.matrix(len(history))
        raise AssertionError("unreachable")

    for name, func in (("test-cheat", cheat), ("test-peek", peek)):
        with registered(name, func), pytest.raises(LookaheadError,
                                                   match=f"{name!r} read the future"):
            run_online(square(), series, name)


def test_history_shows_only_the_past():
    series = diurnal(square(), intervals=6, total_gbps=50.0, seed=2)
    past = History(series, now=4, start=1)
    assert len(past) == 3 and past.volumes.shape == (3, series.n_pairs)
    np.testing.assert_array_equal(past.volumes, series.volumes[1:4])
    assert not past.volumes.flags.writeable
    np.testing.assert_array_equal(past.matrix(-1).gbps, series.matrix(3).gbps)
    np.testing.assert_array_equal(past.matrix(0).gbps, series.matrix(1).gbps)
    with pytest.raises(LookaheadError):
        past.interval(5)
    with pytest.raises(ValidationError, match="before the history's window"):
        past.interval(0)
    assert isinstance(LookaheadError("x"), InfranetError)


def test_the_history_window_is_the_last_h_intervals():
    lengths = []

    def count(topology, tm, *, history=None):
        lengths.append((history.start, history.now))
        return infranet.routing.route(topology, tm, algorithm="spf", weight="hops")

    series = diurnal(square(), intervals=6, total_gbps=50.0, seed=2)
    with registered("test-count", count):
        run_online(square(), series, "test-count", history=2)
        assert lengths == [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5)]
        lengths.clear()
        run_online(square(), series, "test-count", limit=2, start=3)
        assert lengths == [(0, 3), (0, 4)]


# ---------------------------------------------------------------------------- churn, loss


def _via(node_of_t):
    """An algorithm sending w -> z via ``node_of_t(t)`` (a dict {"x": share, "y": share})."""
    def algorithm(topology, tm, *, history=None):
        arcs = {"x": [0, 2], "y": [4, 6]}
        shares = node_of_t(history.now)
        paths = {("w", "z"): [(arcs[k], v) for k, v in shares.items()]}
        return Routing.from_paths(topology, tm, paths, algorithm="test")
    return algorithm


def _w_to_z(volumes):
    tm = TrafficMatrix(("w", "z"), [[0, 1], [0, 0]])
    series = TrafficSeries.from_matrices([tm])
    return TrafficSeries(series.nodes, series.pairs[:1], np.array(volumes)[:, None])


def test_churn_counts_the_share_of_traffic_that_moved():
    series = _w_to_z([10.0, 10.0, 10.0, 10.0])
    flip = _via(lambda t: {"x": 1.0} if t % 2 else {"y": 1.0})
    half = _via(lambda t: {"x": 1.0} if t % 2 else {"x": 0.5, "y": 0.5})
    with registered("test-flip", flip):
        result = run_online(square(), series, "test-flip")
    np.testing.assert_array_equal(result.churn[1:], [1.0, 1.0])
    assert result.summary["total_churn"] == 2.0
    with registered("test-half", half):
        result = run_online(square(), series, "test-half")
    np.testing.assert_allclose(result.churn[1:], [0.5, 0.5])
    static = run_online(square(), series, "spf", weight="hops")
    np.testing.assert_array_equal(static.churn[1:], [0.0, 0.0])


def test_a_pair_without_a_path_is_lost_and_named():
    def nothing(topology, tm, *, history=None):
        return Routing.from_paths(topology, tm, {}, algorithm="test")

    series = _w_to_z([10.0, 20.0])
    with registered("test-nothing", nothing):
        result = run_online(square(), series, "test-nothing")
    assert result.lost_gbps.tolist() == [20.0]
    assert math.isnan(result.mlu_ratio[0])
    assert result.binding.kind == "path" and "20 Gb/s lost" in result.binding.summary


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"history": 0}, "history must be a whole number >= 1"),
    ({"limit": -1}, "limit must be"),
    ({"start": 0}, "start must be"),
    ({"start": 2}, "none to evaluate from interval 2"),
    ({"optima": [1.0]}, "one optimum per interval"),
    ({"alpha": 0.5}, "no option 'alpha'"),
])
def test_bad_protocol_arguments(kwargs, words):
    with pytest.raises(ValidationError, match=words):
        run_online(square(), _w_to_z([1.0, 2.0]), "ecmp", **kwargs)


def test_unknown_algorithm_and_foreign_nodes():
    from infranet.errors import UnknownNameError

    series = _w_to_z([1.0, 2.0])
    with pytest.raises(UnknownNameError, match="pred-lats"):
        run_online(square(), series, "pred-lats")
    other = TrafficSeries(("w", "q"), (("w", "q"),), [[1.0], [2.0]])
    with pytest.raises(UnknownNameError, match="'q'"):
        run_online(square(), other, "ecmp")


# ---------------------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None)
@given(spec=topology_specs(min_sites=3, max_sites=5, min_links=3, connected=True,
                           capacity_range=(1.0, 1e3)),
       seed=st.integers(0, 2**16),
       name=st.sampled_from(["pred-last", "pred-ewma", "window-peak", "ecmp", "mcf"]))
def test_ratios_never_beat_the_optimum_on_random_networks(spec, seed, name):
    topo = Topology.from_dict(spec)
    series = diurnal(topo, intervals=4, total_gbps=30.0, period=4, noise=0.5,
                     burst_rate=0.2, seed=seed)
    extra = {"weight": "hops"} if takes(name, "weight") else {}
    result = run_online(topo, series, name, **extra)
    ratio = result.mlu_ratio[np.isfinite(result.mlu_ratio)]
    assert (ratio >= 1 - 1e-6).all()
    assert (result.lost_gbps[np.isfinite(result.mlu_ratio)] == 0).all()


def test_window_peak_spread_bounds_path_sensitivity():
    """Jupiter's hedging with spread 1 forces splits in proportion to path capacity."""
    topo = Topology.from_dict({"name": "uneven", "sites": [{"name": n} for n in "wxyz"],
                               "links": [{"a": "w", "b": "x", "capacity": 300},
                                         {"a": "x", "b": "z", "capacity": 300},
                                         {"a": "w", "b": "y", "capacity": 100},
                                         {"a": "y", "b": "z", "capacity": 100}]})
    tm = TrafficMatrix(("w", "z"), [[0, 100], [0, 0]])
    routing = infranet.routing.route(topo, tm, algorithm="window-peak", spread=1.0)
    shares = sorted(f for _, f in routing.splits.paths(0))
    np.testing.assert_allclose(shares, [0.25, 0.75], atol=1e-9)
    free = infranet.routing.route(topo, tm, algorithm="window-peak", spread=0.5)
    assert max(f for _, f in free.splits.paths(0)) <= 0.75 / 0.5 + 1e-9


def test_churn_matches_its_definition_path_by_path(geant):
    """The hashed churn against the definition written out pair by pair (paths told apart by
    their arcs), between routings with different path sets (tunnels, then mcf's paths)."""
    from infranet.routing import route
    from infranet.routing.online import _Splits

    topo, series, paths, _ = geant

    def by_pair(split):
        shares, out = split.paths.shares, []
        for d in split.demand.tolist():
            fractions = {}
            for p in range(split.paths.path_ptr[d], split.paths.path_ptr[d + 1]):
                key = split.paths.path_arcs(p).tobytes()
                fractions[key] = fractions.get(key, 0.0) + float(shares[p])
            out.append(fractions)
        return out

    before = _Splits(route(topo, series.matrix(20, routable=True), algorithm="pred-last",
                           paths=paths), topo, series, "pred-last")
    after = _Splits(route(topo, series.matrix(21, routable=True), algorithm="mcf"), topo,
                    series, "mcf")
    x, y = by_pair(before), by_pair(after)
    expected = [0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b))
                for a, b in zip(x, y, strict=True)]
    np.testing.assert_allclose(after.moved(before), expected, atol=1e-12)
    np.testing.assert_array_equal(before.moved(before), 0.0)


def test_options_named_as_the_protocol_s_own_parameters():
    """An algorithm's option called `start` (igp-wo's) goes through `algorithm_options`;
    `history` and `paths` belong to the protocol and are refused in one line."""
    series = diurnal(square(), intervals=4, total_gbps=50.0, seed=3)
    result = run_online(square(), series, "igp-wo", limit=2,
                        algorithm_options={"start": "unit", "iterations": 2})
    assert result.options["start"] == "unit"
    for key in ("history", "paths"):
        with pytest.raises(ValidationError, match="protocol|run_online's own"):
            run_online(square(), series, "window-peak", algorithm_options={key: 3})


def test_the_history_holds_no_future():
    """Not even through its array's base: the volumes are a copy of the past rows."""
    series = diurnal(square(), intervals=6, total_gbps=50.0, seed=2)
    past = History(series, now=3)
    assert past.volumes.base is None or past.volumes.base.shape[0] == 3
