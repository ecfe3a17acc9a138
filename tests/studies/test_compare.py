import pytest

from infranet.algorithms.latency import shortest_path
from infranet.algorithms.resilience import single_failures
from infranet.model import Topology
from infranet.studies.compare import compare

SITES = [{"name": "x", "kind": "datacenter"}, {"name": "y", "kind": "datacenter"},
         {"name": "z", "kind": "datacenter"}, {"name": "h", "kind": "pop"}]


def ring():
    return Topology.from_dict({"name": "ring", "defaults": {"capacity": 400}, "sites": SITES[:3],
                               "links": [{"a": "x", "b": "y", "length_km": 100},
                                         {"a": "y", "b": "z", "length_km": 100, "srlg": ["c"]},
                                         {"a": "z", "b": "x", "length_km": 100, "srlg": ["c"]}]})


def hub():
    return Topology.from_dict({"name": "hub", "defaults": {"capacity": 400}, "sites": SITES,
                               "links": [{"a": s, "b": "h", "length_km": 50} for s in "xyz"]})


def test_ring_and_hub():
    r, h = compare([ring(), hub()])
    assert (r.datacenters, r.links, r.fiber_km) == (3, 3, 300.0)
    assert r.min_cut_gbps == 800.0 and h.min_cut_gbps == 400.0
    assert r.max_rtt_ms == pytest.approx(2 * shortest_path(ring(), "x", "y").one_way_ms)
    # the ring survives any single link, not its shared-risk group 'c'
    assert r.worst_cut["name"] == "srlg:c" and r.worst_cut["effect"] == "disconnection"
    assert not r.survives_any_single_cut
    assert h.worst_cut["effect"] == "disconnection"
    assert h.max_rtt_ms == pytest.approx(2 * shortest_path(hub(), "x", "y").one_way_ms)


def test_failure_effects_on_a_ring():
    failures = {f.name: f for f in single_failures(ring(), srlgs=False)}
    cut = failures["x--y"]
    assert cut.effect == "rtt_increase" and cut.pair == ("x", "y")
    before = shortest_path(ring(), "x", "y").rtt_ms
    after = shortest_path(ring().without_links("x--y"), "x", "y").rtt_ms
    assert cut.rtt_increase_ms == pytest.approx(after - before)
