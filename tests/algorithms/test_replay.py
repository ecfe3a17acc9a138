"""Failure replay against the direct computation: the networkx route of the study measures
(``measure_max_rtt``, ``measure_mean_rtt``, ``measure_min_cut`` on the topology rebuilt without
the failed links and sites), on random topologies and failures, and on the shipped backbone."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet.algorithms.failures import failure_set, failure_sets
from infranet.algorithms.flow import max_flow
from infranet.algorithms.replay import CutAfter, Replay, RttAfter, integer_scale
from infranet.errors import InfranetError
from infranet.io import read
from infranet.model import Topology
from infranet.results import check_result
from infranet.studies.sweep import (
    Failures,
    Study,
    measure_max_rtt,
    measure_mean_rtt,
    measure_min_cut,
    run,
)
from infranet.testing import topology_specs

ROOT = Path(__file__).resolve().parents[2]
#: RTTs: the replay and the direct search add the same link latencies in another order
#: (scipy's Dijkstra against infranet's reduced graph), round-off far below this.
RTT_TOLERANCE = 1e-9


def _rebuilt(topology: Topology, failure):
    out = topology.without_links(*failure.links)
    return out.without_sites(*failure.sites) if failure.sites else out


def _reference(topology: Topology, failure):
    """The three measures on the rebuilt topology: fields, or the error's type."""
    out = {}
    for name, measure in (("max", measure_max_rtt), ("mean", measure_mean_rtt),
                          ("cut", measure_min_cut)):
        try:
            out[name] = measure(_rebuilt(topology, failure), None)
        except InfranetError as err:
            out[name] = type(err)
    return out


def _same_rtt(after: RttAfter, expected: dict, field: str) -> None:
    assert after.connected == expected["connected"]
    value = getattr(after, field)
    if expected["ms"] is None:
        assert value is None
    else:
        assert value == pytest.approx(expected["ms"], rel=RTT_TOLERANCE)


def _check(topology: Topology, failure, *, exact_pair: bool) -> None:
    replay = Replay(topology)
    expected = _reference(topology, failure)
    after = replay.rtt(failure)
    if after is not None:
        _same_rtt(after, expected["max"], "max_ms")
        _same_rtt(after, expected["mean"], "mean_ms")
        check_result(after)
    cut = replay.min_cut(failure)
    if cut is None:
        return
    check_result(cut)
    reference = expected["cut"]
    assert isinstance(reference, dict), reference
    if reference["gbps"] is None:
        assert cut.value_gbps is None and cut.pair == ()
        return
    assert cut.value_gbps == pytest.approx(reference["gbps"], rel=1e-9, abs=1e-9)
    if exact_pair:  # whole capacities: networkx's flows are exact, its first minimum too
        assert "--".join(cut.pair) == reference["pair"]
    else:  # the pair has the smallest flow
        flow = max_flow(_rebuilt(topology, failure), *cut.pair).value_gbps
        assert flow == pytest.approx(cut.value_gbps, rel=1e-9, abs=1e-9)


@st.composite
def _failed(draw, **options):
    spec = draw(topology_specs(**options))
    topology = Topology.from_dict(spec)
    sets = failure_sets(topology, links=True, srlgs=True, sites=draw(st.booleans()),
                        order=draw(st.integers(1, 2)))
    if not sets:
        sets = failure_sets(topology, links=False, srlgs=False, sites=True)
    return topology, draw(st.sampled_from(sets))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_failed(min_sites=2, max_sites=7, min_links=1, max_links=9, located="all",
               capacity_range=(1, 400), capacity_step=1.0, connected=True))
def test_replay_equals_direct_whole_capacities(case):
    topology, failure = case
    _check(topology, failure, exact_pair=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_failed(min_sites=2, max_sites=7, min_links=0, max_links=8, located="some",
               capacities="some", capacity_range=(0.5, 100), capacity_step=0.5))
def test_replay_equals_direct_asymmetric_missing_and_cut_off(case):
    # capacities that differ by direction, links without a capacity or a latency (the replay
    # then declines and the measure runs directly), sites that no link joins
    topology, failure = case
    _check(topology, failure, exact_pair=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_failed(min_sites=2, max_sites=6, min_links=1, max_links=8, located="all",
               capacity_range=(1e-3, 1e6), connected=True))
def test_replay_any_float_capacities(case):
    # most such capacities are no whole number of 1e-6 Gb/s: the cut is then computed directly
    topology, failure = case
    _check(topology, failure, exact_pair=False)


def _ring(capacity: float = 400, capacity_ba: float | None = None) -> Topology:
    links = [{"a": a, "b": b, "length_km": 100, "capacity": capacity}
             for a, b in ("wx", "xy", "yz", "zw")]
    if capacity_ba is not None:
        links[0]["capacity_ba"] = capacity_ba
    return Topology.from_dict({"name": "ring", "sites": [{"name": n, "kind": "datacenter"}
                                                         for n in "wxyz"], "links": links})


def test_disconnection_is_reported_as_the_direct_route_does():
    ring = _ring()
    failure = failure_set(ring, "x--y + z--w")
    replay = Replay(ring)
    assert replay.rtt(failure).to_dict()["connected"] is False
    assert replay.rtt(failure).max_ms is None and replay.rtt(failure).mean_ms is None
    cut = replay.min_cut(failure)
    assert (cut.value_gbps, cut.pair) == (0.0, ("w", "y"))
    assert measure_min_cut(_rebuilt(ring, failure), None) == {"gbps": 0.0, "pair": "w--y"}
    assert replay.rtt(failure).binding.kind == "cut"


def test_asymmetric_capacities_take_ordered_pairs():
    ring = _ring(capacity_ba=100)
    for failure in failure_sets(ring, srlgs=False, order=2) + failure_sets(ring, srlgs=False):
        _check(ring, failure, exact_pair=True)
    cut = Replay(ring).min_cut(failure_set(ring, "y--z"))
    assert (cut.value_gbps, cut.pair) == (100.0, ("x", "w"))  # x to w carries 100


def test_asymmetric_smallest_flow_into_the_first_site():
    line = Topology.from_dict({"name": "line", "sites": [{"name": n} for n in "wxyz"],
        "links": [{"a": "w", "b": "x", "length_km": 10, "capacity": 400, "capacity_ba": 100},
                  {"a": "x", "b": "y", "length_km": 10, "capacity": 400},
                  {"a": "y", "b": "z", "length_km": 10, "capacity": 300, "capacity_ba": 400},
                  {"a": "z", "b": "x", "length_km": 10, "capacity": 400}]})
    for failure in failure_sets(line, srlgs=False, order=2) + failure_sets(line, srlgs=False):
        _check(line, failure, exact_pair=True)
    cut = Replay(line).min_cut(failure_set(line, "y--z"))
    assert (cut.value_gbps, cut.pair) == (100.0, ("x", "w"))


def test_watched_sites_can_be_given():
    ring = _ring()
    replay = Replay(ring, among=["w", "y"])
    failure = failure_set(ring, "w--x")
    assert replay.watched(failure).tolist() == [0, 2]
    assert replay.rtt(failure).pairs == 1
    assert replay.min_cut(failure).pair == ("w", "y")
    assert Replay(ring, among=["w", "y"]).watched(failure_set(ring, "site:y")).tolist() == [0]
    assert Replay(ring, among=["w", "y"]).min_cut(failure_set(ring, "site:y")).value_gbps is None


def test_site_failures_watch_the_sites_left():
    ring = _ring()
    for failure in failure_sets(ring, links=False, srlgs=False, sites=True, order=2):
        _check(ring, failure, exact_pair=True)
        assert len(Replay(ring).watched(failure)) == 2


def test_a_failed_datacenter_leaves_every_site_watched():
    spec = _ring().to_dict()
    for site in spec["sites"][2:]:
        site["kind"] = "pop"
    ring = Topology.from_dict(spec)
    replay = Replay(ring)
    assert replay.watched(failure_sets(ring)[0]).tolist() == [0, 1]
    for failure in failure_sets(ring, links=True, srlgs=False, sites=True, order=2):
        _check(ring, failure, exact_pair=True)
    assert replay.watched(failure_set(ring, "site:w")).tolist() == [1, 2, 3]


def test_capacities_that_are_not_whole_are_left_to_the_direct_route():
    ring = _ring(capacity=1 / 3)
    assert integer_scale(ring.compile().capacity_gbps) is None
    assert Replay(ring).min_cut(failure_sets(ring)[0]) is None
    assert integer_scale(np.array([0.1, 2.5, 1600.0])) == 10
    assert integer_scale(np.array([2.0**31])) is None  # beyond 32-bit flows


def test_failure_of_another_topology_is_refused():
    with pytest.raises(InfranetError, match="another topology"):
        Replay(_ring()).min_cut(failure_sets(read(ROOT / "topologies" / "us-backbone.yaml"))[0])


def test_results_follow_the_protocol():
    ring = _ring()
    failure = failure_sets(ring)[0]
    out = check_result(Replay(ring).rtt(failure), headline=("max_ms", "mean_ms", "connected"))
    assert out["binding"]["kind"] == "propagation"
    out = check_result(Replay(ring).min_cut(failure), headline=("value_gbps",))
    assert out["pair"] == ["w", "x"] and out["binding"]["kind"] == "cut"
    assert CutAfter("f", None, ()).binding.kind == "none"


def test_shipped_backbone_every_single_and_a_sample_of_double_cuts():
    backbone = read(ROOT / "topologies" / "us-backbone.yaml")
    failures = failure_sets(backbone, srlgs=False) + failure_sets(
        backbone, srlgs=True, sites=True, order=2, random=40, seed=7)
    for failure in failures:
        _check(backbone, failure, exact_pair=True)


def test_without_the_path_table_whole_trees_search_again(monkeypatch):
    # large topologies keep no table of tree paths (a site whose tree uses a failed link
    # searches again) and no tree of flows (a flow from the first watched site to each other)
    monkeypatch.setattr("infranet.algorithms.replay.PATH_CELLS", 0)
    backbone = read(ROOT / "topologies" / "us-backbone.yaml")
    assert "on_path" not in Replay(backbone)._paths and Replay(backbone)._tree is None
    for failure in failure_sets(backbone, srlgs=False, order=2, random=30, seed=5):
        _check(backbone, failure, exact_pair=True)


def _direct_rows(study: Study):
    """The rows of `study` the slow way: each scenario's topology rebuilt, each measure run."""
    out = []
    for failure in study.failures.sets(study.topology):
        row = {}
        for measure, function in (("max_rtt", measure_max_rtt), ("min_cut", measure_min_cut),
                                  ("mean_rtt", measure_mean_rtt)):
            if measure in study.measures:
                for key, value in function(_rebuilt(study.topology, failure), study).items():
                    row[f"{measure}.{key}"] = value
        out.append(row)
    return out


def test_study_rows_equal_the_direct_rows():
    backbone = read(ROOT / "topologies" / "us-backbone.yaml")
    study = Study(name="cuts", topology=backbone,
                  failures=Failures(srlgs=True, sites=True, order=2, random=25, seed=3),
                  measures=("max_rtt", "mean_rtt", "min_cut"))
    rows = run(study)
    assert rows["error"].isna().all()
    for (_, row), direct in zip(rows.iterrows(), _direct_rows(study), strict=True):
        for key, value in direct.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, rel=RTT_TOLERANCE)
            elif value is None:
                assert row[key] is None or (isinstance(row[key], float) and math.isnan(row[key]))
            else:
                assert row[key] == value


def test_study_falls_back_and_records_the_direct_error():
    # a link without a capacity: the replay declines; the measure says which link, per row
    spec = _ring().to_dict()
    del spec["links"][2]["capacity"]
    ring = Topology.from_dict(spec)
    rows = run(Study(name="cuts", topology=ring, failures=Failures(), measures=("min_cut",)))
    assert rows.loc[rows["failure"] == "y--z", "min_cut.gbps"].item() == 400.0
    others = rows[rows["failure"] != "y--z"]
    assert others["error"].str.contains("capacity").all()
