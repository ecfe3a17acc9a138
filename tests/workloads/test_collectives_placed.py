"""Collectives over groups placed on a topology: tiers from the fabric summaries, the DCI from
max-flow and latency over the cluster-level view, checked against networkx and closed forms."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infranet
from infranet.errors import UnknownNameError, ValidationError
from infranet.fabrics.expand import expand
from infranet.model import Topology
from infranet.results import check_result
from infranet.testing import topology_specs
from infranet.workloads.collectives import (
    OPS,
    Level,
    base_latency_s,
    bus_factor,
    collective,
    hierarchical_time_s,
    levels_of,
    tier_alpha_s,
    time_s,
)
from infranet.workloads.groups import Member, parse_group, place

from .conftest import two_sites

ROOT = Path(__file__).resolve().parents[2]
HEADLINE = ("time_ms", "algbw_gbps", "busbw_gbps")


@pytest.fixture(scope="module")
def mesh() -> Topology:
    return infranet.read(ROOT / "topologies/texas-mesh.yaml")


def test_results_follow_the_protocol(mesh):
    bare = collective("allreduce", 2**26, [Level("flat", 8, 3600.0, 3e-6)])
    placed = collective("allreduce", 2**30, place(mesh, ["abilene=1024", "temple=1024"]))
    for result in (bare, placed):
        out = check_result(result, headline=HEADLINE)
        assert out["binding"]["kind"] in ("tier", "link", "cut", "propagation")
        assert out["busbw_gbytes_per_s"] == pytest.approx(out["busbw_gbps"] / 8, rel=1e-15)
        assert out["algbw_gbytes_per_s"] == pytest.approx(out["algbw_gbps"] / 8, rel=1e-15)


@pytest.mark.parametrize("op", OPS)
def test_bus_bandwidth_is_nccl_tests_identity(op):
    result = collective(op, 3e8, [Level("flat", 16, 400.0, 5e-6)])
    algbw = 3e8 * 8 / 1e9 / result.time_s
    assert result.algbw_gbps == pytest.approx(algbw, rel=1e-15)
    assert result.busbw_gbps == pytest.approx(algbw * float(bus_factor(op, 16)), rel=1e-15)


def test_collective_is_the_sum_of_its_tiers_plus_a_launch(mesh):
    placement = place(mesh, ["fort-worth=256", "temple=256"])
    result = collective("allreduce", 2**28, placement)
    _total, tiers = hierarchical_time_s("allreduce", 2**28, placement.levels, per_level=True)
    worst_each = sum(float(np.max(t)) for t in tiers)  # each tier waits for its slowest member
    assert result.time_s == pytest.approx(base_latency_s() + worst_each, rel=1e-12)
    assert [row["time_ms"] for row in result.levels] == \
        pytest.approx([float(np.max(t)) * 1e3 for t in tiers], rel=1e-12)


def test_tiers_come_from_the_fabric_summary(mesh):
    from infranet.fabrics.spec import summary

    placement = place(mesh, ["fort-worth/ftw-h100=512"])
    up, out = placement.levels
    rows = {r["tier"]: r for r in summary(mesh.site("fort-worth")["clusters"][0]).tiers}
    assert (up.ranks, up.gbps) == (8, rows["scale_up"]["gbps_per_accelerator"])
    slowest = min(float(rows[t]["gbps_per_accelerator"]) for t in ("leaf", "spine", "core")
                  if t in rows)
    assert (out.ranks, out.gbps) == (64, slowest)
    assert up.alpha_s == tier_alpha_s("scale_up") and out.alpha_s == tier_alpha_s("scale_out")


def _networkx_view(topology: Topology) -> nx.DiGraph:
    """The cluster-level view as a networkx graph: capacity and latency per direction."""
    graph = nx.DiGraph()
    for row in topology.links.itertuples():
        for u, v, cap in ((row.a, row.b, row.capacity_gbps), (row.b, row.a,
                                                               row.capacity_ba_gbps)):
            if graph.has_edge(u, v):
                graph[u][v]["capacity"] += cap
                graph[u][v]["latency"] = min(graph[u][v]["latency"], row.latency_ms)
            else:
                graph.add_edge(u, v, capacity=cap, latency=row.latency_ms)
    return graph


@pytest.mark.parametrize("members", [("abilene/stargate-ph1", "temple"),
                                     ("abilene/stargate-ph2", "san-antonio"),
                                     ("abilene/stargate-ph1", "abilene/stargate-ph2"),
                                     ("fort-worth", "temple", "san-antonio")])
def test_dci_tier_is_max_flow_and_lowest_latency_by_networkx(mesh, members):
    group = [f"{m}=72" for m in members]
    placement = place(mesh, group)
    graph = _networkx_view(expand(mesh, level="cluster"))
    nodes = placement.nodes
    pairs = [(nodes[i], nodes[(i + 1) % len(nodes)]) for i in range(len(nodes))]
    capacity = min(min(nx.maximum_flow_value(graph, a, b), nx.maximum_flow_value(graph, b, a))
                   for a, b in pairs)
    latency_ms = max(nx.shortest_path_length(graph, a, b, weight="latency") for a, b in pairs)
    dci = placement.levels[-1]
    assert dci.name == "dci" and dci.ranks == len(members)
    assert placement.dci["gbps"] == pytest.approx(capacity, rel=1e-9)
    # each of the 72 ranks gets its share, and no more than its own scale-out rate
    own = float(np.min(placement.levels[1].gbps))
    assert np.max(dci.gbps) == pytest.approx(min(capacity / 72, own), rel=1e-9)
    assert dci.latency_s * 1e3 == pytest.approx(latency_ms, rel=1e-9)


def test_both_the_wan_and_each_clusters_dci_count():
    # the WAN link binds: 500 Gb/s; then the cluster's own dci link: 300 Gb/s
    wide = place(two_sites(100, 500.0), ["x=64", "y=64"])
    assert wide.levels[-1].gbps * 64 == pytest.approx(500.0)
    assert wide.tier_names[-1] == "x--y"
    narrow = place(two_sites(100, 500.0, dci=300.0), ["x=64", "y=64"])
    assert narrow.levels[-1].gbps * 64 == pytest.approx(300.0)
    assert narrow.tier_names[-1].endswith("/dci")


@pytest.mark.parametrize(("latency_s", "expected"),
                         [(10e-6, 1.000010), (1e-3, 4.769372), (100e-3, 476.937158)])
def test_simgrid_values_through_a_level(latency_s, expected):
    level = Level("dci", 2, 80.0, 0.0, latency_s=latency_s, window_bytes=4 * 2**20)
    assert round(float(level.time_s("sendrecv", 10e9)), 6) == expected


def test_window_caps_each_dci_flow_at_window_over_rtt():
    topo = two_sites(1000, 1e5)
    placement = place(topo, ["x=8", "y=8"], window_bytes=4 * 2**20)
    result = collective("allreduce", 2**30, placement)
    dci = placement.levels[-1]
    rtt = 2 * dci.latency_s
    rate = min(dci.gbps * 1e9 / 8, 4 * 2**20 / rtt)  # bytes/s per flow
    size = 2**30 / 8
    expected = 2 * (tier_alpha_s("dci") + dci.latency_s) + 2 * (1 / 2) * size / rate
    assert result.levels[-1]["time_ms"] == pytest.approx(expected * 1e3, rel=1e-12)
    assert result.binding.kind == "propagation" and "window" in result.binding.summary


def test_two_sites_1000_km_against_figures():
    # FIGURES.md: 2(p-1) x one-way = 9.8 ms of propagation for 1,000 km; the model adds the
    # equipment (transponders, amplifiers, cables, the clusters' dci links), the steps' α,
    # the launch latency and the bandwidth term
    topo = two_sites(1000, 1e5)
    placement = place(topo, ["x=8", "y=8"])
    result = collective("allreduce", 8.0, placement)  # 8 bytes: latency alone
    one_way_s = placement.levels[-1].latency_s
    propagation_s = 1000 * 4.8974e-6
    assert 2 * propagation_s == pytest.approx(9.8e-3, abs=0.05e-3)
    assert 2 * one_way_s > 2 * propagation_s
    assert result.time_s > 2 * one_way_s
    assert result.time_s < 2 * one_way_s + 0.1e-3  # equipment aside, the rest is µs


@st.composite
def placed_pairs(draw):
    """A connected drawn topology, two of its datacenters with clusters, ranks per member."""
    spec = draw(topology_specs(min_sites=2, max_sites=5, clusters=True, dci=True,
                               min_clusters=2, connected=True, located="all", srlgs=False,
                               capacity_range=(1.0, 1e5)))
    sites = [s for s in spec["sites"] if s.get("clusters")]
    a, b = draw(st.lists(st.sampled_from(sites), min_size=2, max_size=2, unique_by=id))
    ranks = draw(st.sampled_from([1, 8, 64, 72]))  # every drawn cluster holds 72 or more
    return spec, [f"{a['name']}={ranks}", f"{b['name']}={ranks}"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=placed_pairs(), size=st.floats(1.0, 1e10), op=st.sampled_from(OPS))
def test_across_two_sites_never_faster_than_the_round_trip_of_its_steps(drawn, size, op):
    spec, group = drawn
    topo = Topology.from_dict(spec)
    placement = place(topo, group)
    graph = _networkx_view(expand(topo, level="cluster"))
    a, b = placement.nodes
    one_way_s = nx.shortest_path_length(graph, a, b, weight="latency") / 1e3
    result = collective(op, size, placement)
    p = 2  # ranks of the DCI tier: one per site
    floor = (2 * (p - 1) if op == "allreduce" else 1) * one_way_s
    assert result.time_s >= floor * (1 - 1e-12)
    flat_ring = float(time_s("allreduce", "ring", size, placement.ranks, 1e9, 0.0,
                             latency_s=one_way_s))
    assert flat_ring >= 2 * (placement.ranks - 1) * one_way_s * (1 - 1e-12)


@settings(max_examples=60, deadline=None)
@given(near=st.floats(1.0, 5000.0), farther=st.floats(0.0, 5000.0),
       capacity=st.floats(10.0, 1e5), more=st.floats(1.0, 100.0), size=st.floats(1e3, 1e11),
       op=st.sampled_from(OPS), window=st.sampled_from([None, 4 * 2**20]))
def test_more_distance_never_faster_more_bandwidth_never_slower(near, farther, capacity, more,
                                                                size, op, window):
    def time(length, cap):
        placement = place(two_sites(length, cap), ["x=64", "y=64"], window_bytes=window)
        return collective(op, size, placement).time_s

    base = time(near, capacity)
    assert time(near + farther, capacity) >= base * (1 - 1e-12)
    assert time(near, capacity * more) <= base * (1 + 1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=placed_pairs(), size=st.floats(1e3, 1e10))
def test_hierarchical_all_reduce_never_beats_the_bound_of_its_slowest_tier(drawn, size):
    spec, group = drawn
    placement = place(Topology.from_dict(spec), group)
    result = collective("allreduce", size, placement)
    here = np.asarray(size, dtype=float)
    bounds = []
    for level in placement.levels:
        p = np.asarray(level.ranks, dtype=float)
        bounds.append(np.max(2 * (p - 1) / p * here / (np.asarray(level.gbps) * 1e9 / 8)))
        here = here / p
    assert result.time_s >= max(bounds) * (1 - 1e-12)


def test_parse_group():
    assert parse_group(["a/b=8", "c", "d=1,024"]) == (Member("a", "b", 8), Member("c"),
                                                       Member("d", None, 1024))
    with pytest.raises(ValidationError, match="SITE"):
        parse_group(["a/b/c=1=2"])
    with pytest.raises(ValidationError, match="whole number"):
        parse_group(["a=lots"])
    with pytest.raises(ValidationError, match=">= 1"):
        parse_group(["a=0"])


def test_levels_of_takes_tuples(mesh):
    levels = levels_of(mesh, [("fort-worth", "ftw-h100", 16), ("temple", None, 16)])
    assert [level.name for level in levels] == ["scale_up", "scale_out", "dci"]


def test_a_site_without_a_cluster_name_takes_the_first_that_holds_the_ranks(mesh):
    assert place(mesh, ["abilene=200000"]).members[0].cluster == "stargate-ph2"
    assert place(mesh, ["abilene=8"]).members[0].cluster == "stargate-ph1"


@pytest.mark.parametrize(("group", "error", "message"), [
    (["abilene/stargate"], UnknownNameError, "did you mean 'stargate-ph2'"),
    (["nowhere=8"], UnknownNameError, "unknown site 'nowhere'"),
    (["temple=100000"], ValidationError, "no cluster of 'temple' holds 100000"),
    (["temple/tpl-gb200=100000"], ValidationError, "has 72000 accelerators"),
    (["temple=8", "fort-worth=16"], ValidationError, "different numbers of ranks"),
    (["temple=8", "temple/tpl-gb200=8"], ValidationError, "in the group twice"),
    (["dallas-infomart=8"], ValidationError, "has no clusters"),
    ([], ValidationError, "at least one member"),
])
def test_bad_groups_are_named(mesh, group, error, message):
    with pytest.raises(error, match=message):
        place(mesh, group)


def test_an_impossible_algorithm_is_refused():
    with pytest.raises(ValidationError, match="halving_doubling cannot run allreduce over 6"):
        collective("allreduce", 1e6, [Level("flat", 6, 100.0, 0.0)],
                   algorithm="halving_doubling")


def test_one_rank_is_free_and_binds_nothing():
    result = collective("allreduce", 1e9, [Level("flat", 1, 100.0, 1e-6)])
    assert result.time_s == 0.0 and result.binding.kind == "none"
    assert result.busbw_gbps == 0.0
    assert math.isinf(collective("allreduce", 1e9, [Level("flat", 2, 100.0, 0.0)]).time_s) \
        is False


def test_latency_of_a_ring_is_nccls_own_model(mesh):
    # NCCL src/graph/tuning.cc: a ring all-reduce's latency is base + 2(n-1) x step
    # (FIGURES.md); an empty all-reduce in one NVLink domain is that alone
    result = collective("allreduce", 0.0, place(mesh, ["fort-worth=8"]), algorithm="ring")
    assert result.time_s == pytest.approx((6.6 + 2 * 7 * 0.6) * 1e-6, rel=1e-12)


def test_a_rank_crosses_the_dci_no_faster_than_its_own_nic(mesh):
    """Eight H100 ranks per site share 51.2 Tb/s of DCI: 6.4 Tb/s each, but each leaves its
    cluster through a 400 Gb/s NIC; the DCI tier runs at 400 Gb/s per rank and the binding
    names the scale-out tier, with a note."""
    placed = place(mesh, ["fort-worth=8", "temple=8"])
    dci = placed.levels[-1]
    assert dci.name == "dci" and float(np.max(dci.gbps)) == pytest.approx(400.0)
    assert placed.dci["gbps"] == pytest.approx(51200.0) and placed.dci["nic_bound"]
    result = collective("allreduce", 2**30, placed)
    assert result.binding.kind == "tier" and "own scale-out rate" in result.binding.summary
    # by hand: the DCI all-reduce of the 1/8 shard over 2 members at 400 Gb/s per rank
    shard = 2**30 / 8
    by_hand = time_s("allreduce", "ring", shard, 2, 400.0, tier_alpha_s("dci"),
                     latency_s=placed.dci["one_way_ms"] / 1e3)
    (row,) = [r for r in result.to_dict()["levels"] if r["tier"] == "dci"]
    assert row["time_ms"] / 1e3 == pytest.approx(float(by_hand), rel=1e-9)
