import pytest

from infranet.algorithms.latency import shortest_path
from infranet.algorithms.resilience import single_failures
from infranet.model import Topology
from infranet.results import check_result
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


def test_already_disconnected_datacenters_survive_no_cut():
    split = Topology.from_dict({"name": "split", "defaults": {"capacity": 100},
                                "sites": [{"name": n, "kind": "datacenter"} for n in "wxyz"],
                                "links": [{"a": "w", "b": "x", "length_km": 10},
                                          {"a": "y", "b": "z", "length_km": 10}]})
    (summary,) = compare([split])
    assert summary.survives_any_single_cut is False and summary.connected is False
    assert any("already disconnected" in note for note in summary.notes)
    out = check_result(summary, headline=("survives_any_single_cut", "connected"))
    assert out["binding"]["kind"] == "cut"


def test_capacities_at_the_schema_bound_add_up_and_beyond_it_are_refused():
    from infranet.errors import ValidationError
    from infranet.model.schema import MAX_CAPACITY_GBPS

    links = [{"a": "x", "b": "y", "length_km": 10}, {"a": "y", "b": "z", "length_km": 10},
             {"a": "z", "b": "x", "length_km": 10}]
    sites = [{"name": n, "kind": "datacenter"} for n in "xyz"]
    big = Topology.from_dict({"name": "big", "defaults": {"capacity": MAX_CAPACITY_GBPS},
                              "sites": sites, "links": links})
    (summary,) = compare([big])
    assert summary.capacity_tbps == pytest.approx(3 * MAX_CAPACITY_GBPS / 1000)
    assert summary.min_cut_gbps == pytest.approx(2 * MAX_CAPACITY_GBPS)  # two links of a ring
    with pytest.raises(ValidationError, match="capacity: must be <= 1,000,000,000 Gb/s"):
        Topology.from_dict({"name": "huge", "defaults": {"capacity": 1.7e308}, "sites": sites,
                            "links": links})


def test_summary_follows_the_result_protocol():
    (summary,) = compare([ring()])
    out = check_result(summary, headline=("max_rtt_ms", "min_cut_gbps", "fiber_km"))
    assert out["binding"] == {"kind": "cut", "name": "srlg:c",
                              "summary": summary.worst_cut["summary"]}
