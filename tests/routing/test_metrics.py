"""Metrics of a routing, checked on cases worked by hand."""

from __future__ import annotations

import math

import pytest

from infranet.model import Topology
from infranet.routing import evaluate, route
from infranet.traffic import TrafficMatrix


def triangle() -> Topology:
    """x--z direct is 300 km; x--y--z is 2 x 100 km, so hops and latency disagree."""
    return Topology.from_dict({"name": "tri", "sites": [{"name": n} for n in "xyz"], "links": [
        {"a": "x", "b": "y", "capacity": 100, "length_km": 100, "latency_ms": 1.0},
        {"a": "y", "b": "z", "capacity": 100, "length_km": 100, "latency_ms": 1.0},
        {"a": "x", "b": "z", "capacity": 100, "length_km": 300, "latency_ms": 3.0},
    ]})


def test_metrics_of_a_hop_shortest_routing():
    topo = triangle()
    tm = TrafficMatrix(("x", "z"), [[0, 50], [0, 0]])
    m = evaluate(route(topo, tm, algorithm="spf"), topo, tm, optimum=0.25)
    assert m["mlu"] == 0.5 and m["mlu_ratio"] == 2.0
    assert m["concurrent_lambda"] == 2.0 and m["satisfied"] == 1.0
    assert m["throughput_gbps"] == 50.0 and m["lost_gbps"] == 0.0
    # one arc of six carries 50%: p50 0, p90 and p95 interpolate towards it
    assert m["util_p50"] == 0.0 and m["util_p95"] == pytest.approx(0.5 * 0.75)
    assert m["latency_ms_mean"] == 3.0 and m["stretch_mean"] == pytest.approx(1.5)
    assert m["extra_latency_ms_mean"] == pytest.approx(1.0)
    assert m["hop_stretch_mean"] == 1.0
    assert m["n_paths"] == 1 and m["paths_per_demand"] == 1.0
    assert m["solve_s"] > 0 and m["weight"] == "hops"


def test_latency_is_weighted_by_the_rate_on_each_path():
    topo = triangle()
    tm = TrafficMatrix(("x", "z"), [[0, 160], [0, 0]])
    m = evaluate(route(topo, tm, algorithm="mcf"), topo, tm)
    assert m["mlu"] == pytest.approx(0.8)
    # 80 Gb/s on each path, 3 ms either way: no stretch over the 2 ms best... x-y-z is 2 ms
    assert m["latency_ms_mean"] == pytest.approx(2.5)
    assert m["stretch_mean"] == pytest.approx(1.25)
    assert m["latency_ms_p95"] == pytest.approx(3.0)
    assert m["n_paths"] == 2


def test_lost_demand_shows_in_throughput_and_lambda():
    topo = triangle()
    tm = TrafficMatrix(("x", "y", "z"), [[0, 0, 150], [0, 0, 0], [0, 0, 0]])
    m = evaluate(route(topo, tm, algorithm="cspf"), topo, tm)
    assert m["satisfied"] == 0.0 and m["lost_gbps"] == 150.0
    # nothing carried: no MLU that would read as an idle network
    assert m["concurrent_lambda"] == 0.0 and math.isnan(m["mlu"])
    assert m["fits"] is False and m["overloaded_links"] == 0


def test_unknown_latency_gives_nan_not_an_error():
    topo = Topology.from_dict({"name": "bare", "sites": [{"name": "x"}, {"name": "y"}],
                               "links": [{"a": "x", "b": "y", "capacity": 10}]})
    tm = TrafficMatrix(("x", "y"), [[0, 5], [5, 0]])
    m = evaluate(route(topo, tm), topo, tm)
    assert math.isnan(m["stretch_mean"]) and m["mlu"] == 0.5 and m["hop_stretch_mean"] == 1.0
