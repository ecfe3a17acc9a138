"""Virtual datacenters: the groups against brute force (every subset of datacenters, RTT by
networkx shortest paths, the narrowest split by networkx minimum cuts over every bipartition),
the worst single failure against the same brute force on each failed topology, the shipped Texas
designs, and one-line errors."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import infranet
from infranet.algorithms.failures import failure_sets
from infranet.errors import UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.planning.vdc import RANK_KEYS, virtual_datacenters
from infranet.results import check_result
from infranet.testing import topology_specs

ROOT = Path(__file__).resolve().parents[2]
TEXAS = {name: infranet.read(ROOT / "topologies" / f"texas-{name}.yaml")
         for name in ("mesh", "ring", "hub")}


# ---------------------------------------------------------------------------- brute force


def _members(topology: Topology) -> list[str]:
    return [n for n in topology.datacenters if topology.site(n).get("clusters")]


def _site_dci(topology: Topology, site: str) -> float:
    clusters = topology.site(site)["clusters"]
    if any(c.get("dci") is None for c in clusters):
        return math.inf
    return float(sum(c["dci"] for c in clusters))


def _rtt(topology: Topology, names: list[str]) -> dict[tuple[str, str], float]:
    """RTT of every pair by networkx's Dijkstra on the MultiGraph view (latency_ms)."""
    graph = nx.Graph()
    graph.add_nodes_from(topology.site_names)
    for a, b, data in topology.to_networkx().edges(data=True):
        w = data["latency_ms"]
        if not graph.has_edge(a, b) or graph[a][b]["w"] > w:
            graph.add_edge(a, b, w=w)
    out = {}
    for a in names:
        dist = nx.single_source_dijkstra_path_length(graph, a, weight="w")
        for b in names:
            out[(a, b)] = 2.0 * dist.get(b, math.inf)
    return out


def _narrowest_split(topology: Topology, members: tuple[str, ...]) -> float:
    """The least capacity between two parts of `members`, over every bipartition, each site
    reaching the WAN through a terminal link of its clusters' dci: networkx minimum cuts with a
    super source on one part's terminals and a super sink on the other's, both ways."""
    graph = nx.DiGraph()
    for a, b, data in topology.to_networkx().edges(data=True):
        ab, ba = data["capacity_gbps"], data["capacity_ba_gbps"]
        if data["a"] != a:
            ab, ba = ba, ab
        for u, v, c in ((a, b, ab), (b, a, ba)):
            if graph.has_edge(u, v):
                graph[u][v]["capacity"] += c
            else:
                graph.add_edge(u, v, capacity=c)
    for s in members:
        dci = _site_dci(topology, s)
        graph.add_edge(("t", s), s, **({} if math.isinf(dci) else {"capacity": dci}))
        graph.add_edge(s, ("t", s), **({} if math.isinf(dci) else {"capacity": dci}))
    best = math.inf
    first, rest = members[0], members[1:]
    for r in range(len(rest) + 1):
        for chosen in itertools.combinations(rest, r):
            side = {first, *chosen}
            other = [m for m in members if m not in side]
            if not other:
                continue
            for src, dst in ((side, other), (other, side)):
                g = graph.copy()
                for s in src:
                    g.add_edge("SOURCE", ("t", s))
                for t in dst:
                    g.add_edge(("t", t), "SINK")
                try:
                    value = nx.maximum_flow_value(g, "SOURCE", "SINK")
                except nx.NetworkXUnbounded:
                    value = math.inf
                best = min(best, value)
    return best


def _brute(topology: Topology, budget: float, floor: float | None, min_sites: int
           ) -> dict[tuple[str, ...], float | None]:
    """The maximal feasible subsets of datacenters with their narrowest split."""
    names = _members(topology)
    rtt = _rtt(topology, names)
    feasible: dict[tuple[str, ...], float | None] = {}
    for r in range(1, len(names) + 1):
        for subset in itertools.combinations(names, r):
            if any(rtt[(a, b)] > budget for a, b in itertools.combinations(subset, 2)):
                continue
            split = _narrowest_split(topology, subset) if r > 1 else None
            if floor is not None and split is not None and split < floor:
                continue
            feasible[subset] = split
    maximal = {s: v for s, v in feasible.items()
               if not any(set(s) < set(t) for t in feasible)}
    return {s: v for s, v in maximal.items() if len(s) >= min_sites}


def _between(values: list[float], at: float) -> float:
    """A threshold half way between two distinct values (never on one: no round-off ties),
    `at` (0 to 1) of the way from below the least to above the greatest."""
    distinct: list[float] = []
    for v in sorted(v for v in values if math.isfinite(v)):
        if not distinct or v > distinct[-1] * (1 + 1e-9) + 1e-12:  # near-equal values are one
            distinct.append(v)
    if not distinct:
        return 1.0
    cuts = [distinct[0] / 2] + [(x + y) / 2 for x, y in itertools.pairwise(distinct)] + \
        [distinct[-1] * 2]
    return cuts[min(int(at * len(cuts)), len(cuts) - 1)]


# ---------------------------------------------------------------------------- properties


SPECS = topology_specs(min_sites=3, max_sites=6, max_links=4, clusters=True, dci=True,
                       min_clusters=3, located="all", connected=True, capacity_range=(1.0, 1e5))


def _asymmetric(spec, data):
    """`spec` with some links carrying less (or more) capacity one way than the other."""
    for link in spec["links"]:
        if data.draw(st.booleans()):
            link["capacity_ba"] = data.draw(st.floats(1.0, 1e5))
    return spec


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SPECS, st.floats(0.45, 1.0), st.one_of(st.none(), st.floats(0.0, 1.0)),
       st.integers(1, 3), st.data())
def test_groups_are_the_maximal_feasible_subsets(spec, budget_at, floor_at, min_sites, data):
    topology = Topology.from_dict(_asymmetric(spec, data))
    names = _members(topology)
    assume(len(names) <= 5)
    rtt = _rtt(topology, names)
    budget = _between([rtt[(a, b)] for a, b in itertools.combinations(names, 2)], budget_at)
    assume(budget > 0)
    splits = [_narrowest_split(topology, pair) for pair in itertools.combinations(names, 2)]
    floor = None if floor_at is None else _between(splits, floor_at)
    result = virtual_datacenters(topology, max_rtt_ms=budget, min_dci_gbps=floor,
                                 min_sites=min_sites, failures=False)
    check_result(result, headline=("max_rtt_ms", "min_dci_gbps", "count"))
    expected = _brute(topology, budget, floor, min_sites)
    event(f"largest group: {max(map(len, expected), default=0)} sites"
          f"{'' if floor is None else ', with a floor'}")
    assert {g.sites for g in result.groups} == set(expected)
    for group in result.groups:
        check_result(group, headline=("accelerators", "max_rtt_ms", "min_dci_gbps"))
        want = expected[group.sites]
        if want is None:
            assert group.min_dci_gbps is None
        else:
            assert group.min_dci_gbps == pytest.approx(want, rel=1e-6)
        assert group.max_rtt_ms <= budget
        assert group.max_rtt_ms == pytest.approx(
            max([rtt[p] for p in itertools.combinations(group.sites, 2)], default=0.0),
            rel=1e-9)
    # every rejected group is missing for the reason it gives
    for group in result.rejected:
        assert group.reason
        if len(group.sites) >= min_sites and len(group.sites) > 1:
            assert floor is not None and group.min_dci_gbps < floor


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topology_specs(min_sites=3, max_sites=5, min_links=1, max_links=5, clusters=True,
                      dci=True, min_clusters=3, located="all", connected=True,
                      capacity_range=(1.0, 1e5)), st.data())
def test_after_failure_is_the_worst_single_failure(spec, data):
    topology = Topology.from_dict(_asymmetric(spec, data))
    names = _members(topology)
    rtt = _rtt(topology, names)
    budget = max(rtt[p] for p in itertools.combinations(names, 2)) * 1.5
    result = virtual_datacenters(topology, max_rtt_ms=budget)
    (group,) = result.groups  # every datacenter is in one group
    _check_after_failure(topology, group, budget)


def _check_after_failure(topology, group, budget, floor=None):
    after = group.after_failure
    worst_rtt, worst_dci, breaking = 0.0, math.inf, []
    failures = failure_sets(topology)
    for failure in failures:
        view = topology.without_links(*failure.links)
        rtt = _rtt(view, list(group.sites))
        far = max(rtt[p] for p in itertools.combinations(group.sites, 2))
        split = _narrowest_split(view, group.sites)
        worst_rtt, worst_dci = max(worst_rtt, far), min(worst_dci, split)
        if far > budget or (floor is not None and split < floor):
            breaking.append(failure.name)
    assert after.failures == len(failures)
    assert after.max_rtt_ms == pytest.approx(max(worst_rtt, group.max_rtt_ms), rel=1e-9)
    assert after.min_dci_gbps == pytest.approx(min(worst_dci, group.min_dci_gbps), rel=1e-6)
    assert after.connected == math.isfinite(worst_rtt)
    assert list(after.breaking) == breaking and after.survives == (not breaking)


# ---------------------------------------------------------------------------- Texas


def test_texas_mesh_at_3_5_and_10_ms():
    mesh = TEXAS["mesh"]
    at3 = virtual_datacenters(mesh, max_rtt_ms=3.0)
    assert [g.sites for g in at3.groups] == [("abilene", "fort-worth"), ("fort-worth", "temple"),
                                            ("temple", "san-antonio")]
    best = at3.groups[0]
    assert best.accelerators == 100_800 + 302_400 + 48_000
    assert dict(best.accelerators_by_type) == {"GB200": 403_200, "H100": 48_000}
    assert best.pflops == pytest.approx(403_200 * 2.5 + 48_000 * 0.989)
    # fort-worth's one cluster (51.2 Tb/s of dci) binds, not the three 25.6 Tb/s spans
    assert best.min_dci_gbps == 51_200 and best.binding.kind == "tier"
    assert best.binding.name == "fort-worth/ftw-h100/dci"
    assert best.power_mw is None and best.known_power_mw == 1200  # only Abilene publishes
    assert at3.binding.kind == "propagation" and "temple" in at3.binding.summary
    for budget in (5.0, 10.0):
        (whole,) = virtual_datacenters(mesh, max_rtt_ms=budget).groups
        assert whole.sites == mesh.datacenters and whole.accelerators == 559_200
        assert whole.max_rtt_ms == pytest.approx(4.619, abs=1e-3)  # abilene - san-antonio
    assert not virtual_datacenters(mesh, max_rtt_ms=5.0).groups[0].after_failure.survives
    assert virtual_datacenters(mesh, max_rtt_ms=10.0).groups[0].after_failure.survives


def test_texas_hub_groups_die_with_a_spoke():
    hub = TEXAS["hub"]
    result = virtual_datacenters(hub, max_rtt_ms=5.0)
    (group,) = result.groups
    assert group.sites == ("abilene", "fort-worth", "temple")
    assert not group.after_failure.connected
    assert group.after_failure.min_dci_gbps == 0.0
    assert [g.sites for g in result.rejected] == [("san-antonio",)]
    assert "nearest: fort-worth at 5.17 ms" in result.rejected[0].reason
    _check_after_failure(hub, group, 5.0)


def test_texas_ring_floor_rejects_and_keeps_what_meets_it():
    ring = TEXAS["ring"]
    loose = virtual_datacenters(ring, max_rtt_ms=10.0)
    (whole,) = loose.groups
    _check_after_failure(ring, whole, 10.0)
    assert whole.after_failure.breaking == ("tpl-sat-i35",)  # RTT 10.10 ms after the cut
    strict = virtual_datacenters(ring, max_rtt_ms=10.0, min_dci_gbps=60_000, min_sites=1)
    assert [g.sites for g in strict.groups] == [("abilene",), ("temple",), ("fort-worth",),
                                               ("san-antonio",)]  # largest first
    (below,) = strict.rejected
    assert below.sites == ring.datacenters and "below the floor of 60,000 Gb/s" in below.reason


@pytest.mark.parametrize("rank_by", RANK_KEYS)
def test_ranking(rank_by):
    result = virtual_datacenters(TEXAS["ring"], max_rtt_ms=5.0, rank_by=rank_by)
    attr = {"accelerators": "accelerators", "pflops": "known_pflops",
            "power": "known_power_mw"}[rank_by]
    values = [getattr(g, attr) for g in result.groups]
    assert values == sorted(values, reverse=True)
    assert result.rank_by == rank_by


def test_protocol_and_json_shape():
    result = virtual_datacenters(TEXAS["mesh"], max_rtt_ms=3.0, min_dci_gbps=10_000)
    out = check_result(result, headline=("max_rtt_ms", "min_dci_gbps", "count"))
    assert out["max_rtt_ms"] == 3.0 and out["count"] == 3
    for group in out["groups"]:
        assert {"sites", "accelerators", "max_rtt_ms", "min_dci_gbps", "binding",
                "after_failure", "accelerators_by_type", "pflops", "power_mw"} <= set(group)
    for group in result.groups:
        check_result(group, headline=("accelerators", "max_rtt_ms", "min_dci_gbps"))


# ---------------------------------------------------------------------------- what is noted


def _two(extra_site=None, dci=True, power=(100, None)):
    sites = [{"name": n, "kind": "datacenter", "location": [-97 - i, 32],
              **({"power_mw": power[i]} if power[i] is not None else {}),
              "clusters": [{"name": "c", "accelerator": "H100", "count": 1024,
                            **({"dci": "3.2 Tb/s"} if dci else {})}]}
             for i, n in enumerate("ab")]
    if extra_site:
        sites.append(extra_site)
    return Topology.from_dict({"name": "two", "sites": sites,
                               "links": [{"a": "a", "b": "b", "capacity": "1.6 Tb/s"}]})


def test_clusterless_datacenters_and_unknowns_are_noted():
    topo = _two({"name": "shell", "kind": "datacenter", "location": [-98.5, 32]}, dci=False)
    result = virtual_datacenters(topo, max_rtt_ms=5.0)
    assert result.datacenters == ("a", "b")
    notes = " | ".join(result.notes)
    assert "without clusters join no group (shell)" in notes
    assert "cluster a/c gives no dci" in notes and "no power_mw for b" in notes
    (group,) = result.groups
    assert group.min_dci_gbps == 1600 and group.binding.kind == "link"  # the WAN alone
    assert group.power_mw is None and group.known_power_mw == 100


def test_a_site_dci_below_the_wan_binds():
    (group,) = virtual_datacenters(_two().with_link_changes("a--b", capacity="10 Tb/s"),
                                   max_rtt_ms=5.0).groups
    assert group.min_dci_gbps == 3200 and group.binding.kind == "tier"
    assert group.binding.name in ("a/c/dci", "b/c/dci")


def test_available_accelerators_count():
    topo = _two().with_changes({"sites[a].clusters[c].available": 100})
    (group,) = virtual_datacenters(topo, max_rtt_ms=5.0).groups
    assert group.accelerators == 1124


def test_no_path_no_group():
    topo = _two().without_links("a--b")
    result = virtual_datacenters(topo, max_rtt_ms=50.0)
    assert result.groups == ()
    assert {g.reason for g in result.rejected} == {"no path to any other datacenter"}
    assert result.binding.kind == "none"


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"max_rtt_ms": 0.0}, ValidationError, "RTT budget must be a number of ms > 0"),
    ({"max_rtt_ms": -1.0}, ValidationError, "> 0"),
    ({"max_rtt_ms": math.nan}, ValidationError, "> 0"),
    ({"max_rtt_ms": 3.0, "min_dci_gbps": -1.0}, ValidationError, "DCI floor"),
    ({"max_rtt_ms": 3.0, "rank_by": "gpus"}, UnknownNameError, "unknown rank key 'gpus'"),
    ({"max_rtt_ms": 3.0, "rank_by": "power_mw"}, UnknownNameError, "did you mean 'power'"),
    ({"max_rtt_ms": 3.0, "min_sites": 0}, ValidationError, "min_sites"),
])
def test_bad_options(options, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(")):
        virtual_datacenters(TEXAS["mesh"], **options)


def test_no_datacenter_with_clusters():
    backbone = infranet.read(ROOT / "topologies" / "us-backbone.yaml")
    bare = backbone.with_changes({"sites[*].clusters": None})
    with pytest.raises(ValidationError, match="no datacenter with clusters"):
        virtual_datacenters(bare, max_rtt_ms=10.0)


def test_missing_capacity_is_named():
    topo = _two().with_link_changes("a--b", capacity=None)
    with pytest.raises(ValidationError, match="capacity: missing; the DCI of a virtual"):
        virtual_datacenters(topo, max_rtt_ms=5.0)


@pytest.mark.parametrize("design", sorted(TEXAS))
def test_a_pair_agrees_with_the_dci_of_a_placed_group(design):
    """For two sites of one cluster each, the group's DCI is the DCI ring of the same two
    clusters placed as a collective's group (max-flow on the cluster-level view)."""
    from infranet.workloads.groups import place

    topology = TEXAS[design]
    single = [s for s in topology.datacenters if len(topology.site(s)["clusters"]) == 1]
    assert len(single) == 3
    for a, b in itertools.combinations(single, 2):
        others = [s for s in topology.datacenters if s not in (a, b)]
        pair = topology.with_changes({f"sites[{s}].clusters": None for s in others})
        (group,) = virtual_datacenters(pair, max_rtt_ms=10.0, failures=False).groups
        assert group.sites == (a, b)
        placed = place(topology, [f"{a}=64", f"{b}=64"])
        assert group.min_dci_gbps == pytest.approx(placed.dci["gbps"], rel=1e-9)
