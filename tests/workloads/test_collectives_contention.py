"""Collectives sharing DCI links, against a closed form and an independent water-filling."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pytest

import infranet
from infranet.fabrics.expand import expand
from infranet.model import Topology
from infranet.results import check_result
from infranet.workloads.collectives import collective
from infranet.workloads.contention import contention
from infranet.workloads.groups import place

from .conftest import two_sites

ROOT = Path(__file__).resolve().parents[2]


def pair(capacity: float) -> Topology:
    """Two datacenters 200 km apart, 4,096 H100 each, joined by one link of `capacity`."""
    return two_sites(200, capacity, dci=1e6, count=4096)


def test_two_equal_jobs_on_one_link_get_half_each():
    topo = pair(1000.0)
    jobs = {"a": ["x=64", "y=64"], "b": ["x=64", "y=64"]}
    result = contention(topo, jobs, size_bytes=2**30)
    check_result(result, headline=("worst_slowdown", "n_jobs"))
    alone = collective("allreduce", 2**30, place(topo, jobs["a"]))
    for row in result.jobs:
        assert row["dci_gbps"] == pytest.approx(500.0)
        assert row["alone_dci_gbps"] == pytest.approx(1000.0)
        assert row["bottleneck"] == "x--y"
        assert row["alone_ms"] == pytest.approx(alone.time_ms, rel=1e-12)
    # independently: the same collective with half the link, by the kernel
    half = place(pair(500.0), jobs["a"])
    assert result.jobs[0]["time_ms"] == pytest.approx(collective("allreduce", 2**30,
                                                                 half).time_ms, rel=1e-12)
    assert result.worst_slowdown > 1.0
    assert result.binding.kind == "link" and result.binding.name == "x--y"


def test_weights_are_the_ranks_that_send():
    result = contention(pair(900.0), {"big": ["x=128", "y=128"], "small": ["x=64", "y=64"]},
                        size_bytes=2**28)
    rates = {row["job"]: row["dci_gbps"] for row in result.jobs}
    assert rates["big"] == pytest.approx(600.0) and rates["small"] == pytest.approx(300.0)


def test_a_group_inside_one_cluster_shares_nothing():
    result = contention(pair(100.0), {"local": ["x=64"], "wide": ["x=64", "y=64"]},
                        size_bytes=2**26)
    local = next(row for row in result.jobs if row["job"] == "local")
    assert local["slowdown"] == 1.0 and local["bottleneck"] == "none"
    assert result.binding.kind == "none"  # the only wide group has the link to itself


def _water_filling(topology: Topology, flows: list[tuple[str, str, float, str]]) -> dict:
    """Weighted max-min fairness by textbook progressive filling over lowest-latency paths
    found by networkx: the rate of each flow, by index."""
    view = expand(topology, level="cluster")
    graph = nx.DiGraph()
    cap = {}
    for row in view.links.itertuples():
        for u, v, c in ((row.a, row.b, row.capacity_gbps), (row.b, row.a,
                                                              row.capacity_ba_gbps)):
            graph.add_edge(u, v, latency=row.latency_ms)
            cap[(u, v)] = cap.get((u, v), 0.0) + c
    paths = []
    for src, dst, _, _ in flows:
        nodes = nx.shortest_path(graph, src, dst, weight="latency")
        paths.append(list(itertools.pairwise(nodes)))
    rate = [0.0] * len(flows)
    frozen = [False] * len(flows)
    left = dict(cap)
    while not all(frozen):
        best, arc = float("inf"), None
        for a, room in left.items():
            weight = sum(flows[i][2] for i in range(len(flows))
                         if not frozen[i] and a in paths[i])
            if weight > 0 and room / weight < best:
                best, arc = room / weight, a
        for i in range(len(flows)):
            if not frozen[i]:
                rate[i] += best * flows[i][2]
        for a in left:
            left[a] -= best * sum(flows[i][2] for i in range(len(flows))
                                  if not frozen[i] and a in paths[i])
        for i in range(len(flows)):
            if arc in paths[i]:
                frozen[i] = True
    return dict(enumerate(rate))


def test_against_an_independent_water_filling():
    topo = infranet.read(ROOT / "topologies/texas-ring.yaml")
    jobs = {"a": ["abilene=512", "temple=512"],
            "b": ["abilene/stargate-ph2=256", "fort-worth=256", "san-antonio=256"],
            "c": ["temple=1024", "san-antonio=1024"]}
    result = contention(topo, jobs, size_bytes=2**30)
    flows = []
    for name, group in jobs.items():
        placed = place(topo, group)
        nodes = placed.nodes
        ranks = float(placed.members[0].ranks)
        edges = ([(nodes[0], nodes[1]), (nodes[1], nodes[0])] if len(nodes) == 2 else
                 [(nodes[i], nodes[(i + 1) % len(nodes)]) for i in range(len(nodes))])
        flows.extend((a, b, ranks, name) for a, b in edges)
    rates = _water_filling(topo, flows)
    for row in result.jobs:
        mine = [rates[i] for i, f in enumerate(flows) if f[3] == row["job"]]
        assert row["dci_gbps"] == pytest.approx(min(mine), rel=1e-9)
        assert row["slowdown"] >= 1.0 - 1e-12
        assert row["dci_gbps"] <= row["alone_dci_gbps"] * (1 + 1e-12)
