import itertools
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.algorithms.latency import (
    disjoint_paths,
    k_shortest_paths,
    latency_matrix,
    link_latency,
    rtt_ms,
    shortest_path,
)
from infranet.errors import InfeasibleError, UnknownNameError, UnreachableError, ValidationError
from infranet.model import Topology
from infranet.testing import topology_specs


def topologies(min_nodes=2, max_nodes=12, connected=False):
    """Random topologies from the shared strategy: lengths, shared-risk groups and measured
    latencies (never below light over the link's length) included."""
    return st.builds(Topology.from_dict,
                     topology_specs(min_sites=min_nodes, max_sites=max_nodes,
                                    min_links=0 if connected else 1, max_links=2 * max_nodes,
                                    connected=connected, located="all", extras=True))


def _nx_lengths(topo):
    g = nx.Graph()
    g.add_nodes_from(topo.site_names)
    for row in topo.links.itertuples():
        if not g.has_edge(row.a, row.b) or g[row.a][row.b]["w"] > row.latency_ms:
            g.add_edge(row.a, row.b, w=row.latency_ms)
    return dict(nx.all_pairs_dijkstra_path_length(g, weight="w"))


@settings(max_examples=80, deadline=None)
@given(topologies())
def test_matrix_equals_networkx(topo):
    matrix = latency_matrix(topo)
    expected = _nx_lengths(topo)
    for a in topo.site_names:
        for b in topo.site_names:
            want = expected[a].get(b, math.inf)
            got = matrix.loc[a, b]
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(topologies(connected=True))
def test_triangle_inequality(topo):
    d = latency_matrix(topo).to_numpy()
    n = len(d)
    for k in range(n):
        assert np.all(d <= d[:, [k]] + d[[k], :] + 1e-9)


@settings(max_examples=60, deadline=None)
@given(topologies(connected=True), st.data())
def test_path_latency_is_the_sum_of_its_links(topo, data):
    a, b = data.draw(st.lists(st.sampled_from(topo.site_names), min_size=2, max_size=2,
                              unique=True))
    path = shortest_path(topo, a, b)
    links = topo.links.set_index("name")
    assert path.one_way_ms == pytest.approx(links.loc[list(path.links), "latency_ms"].sum())
    assert path.length_km == pytest.approx(links.loc[list(path.links), "length_km"].sum())
    assert path.rtt_ms == pytest.approx(2 * path.one_way_ms)
    assert path.one_way_ms == pytest.approx(latency_matrix(topo).loc[a, b], rel=1e-9)
    # consecutive nodes are joined by the named link
    for (u, v), name in zip(itertools.pairwise(path.nodes), path.links, strict=True):
        assert {links.loc[name, "a"], links.loc[name, "b"]} == {u, v}


@settings(max_examples=40, deadline=None)
@given(topologies(connected=True, max_nodes=8), st.data())
def test_k_shortest_paths_are_sorted_loop_free_and_start_with_the_shortest(topo, data):
    a, b = data.draw(st.lists(st.sampled_from(topo.site_names), min_size=2, max_size=2,
                              unique=True))
    paths = k_shortest_paths(topo, a, b, 4)
    assert paths[0].one_way_ms == pytest.approx(shortest_path(topo, a, b).one_way_ms)
    lat = [p.one_way_ms for p in paths]
    assert lat == sorted(lat) or np.allclose(lat, sorted(lat))
    for p in paths:
        assert len(set(p.nodes)) == len(p.nodes)
    assert len({p.links for p in paths}) == len(paths)


@settings(max_examples=40, deadline=None)
@given(topologies(connected=True, max_nodes=8), st.data())
def test_link_disjoint_paths_match_networkx_edge_connectivity(topo, data):
    a, b = data.draw(st.lists(st.sampled_from(topo.site_names), min_size=2, max_size=2,
                              unique=True))
    g = nx.MultiGraph()
    g.add_edges_from((r.a, r.b) for r in topo.links.itertuples())
    simple = nx.Graph()
    for u, v in g.edges():
        simple.add_edge(u, v, capacity=simple.get_edge_data(u, v, {"capacity": 0})["capacity"] + 1)
    connectivity = nx.maximum_flow_value(simple.to_directed(), a, b)
    k = int(connectivity)
    paths = disjoint_paths(topo, a, b, k)
    used = [name for p in paths for name in p.links]
    assert len(used) == len(set(used))
    with pytest.raises(InfeasibleError):
        disjoint_paths(topo, a, b, k + 1)
    # SRLG-disjoint paths share no group
    try:
        srlg_paths = disjoint_paths(topo, a, b, 2, by="srlg")
    except InfeasibleError:
        return
    groups = topo.links.set_index("name")["srlg"]
    seen = [set().union(*[set(groups[x]) for x in p.links]) for p in srlg_paths]
    assert not (seen[0] & seen[1])
    assert not (set(srlg_paths[0].links) & set(srlg_paths[1].links))


def test_disjoint_minimises_total_latency():
    # Suurballe's classic trap: the shortest path blocks any second disjoint path
    topo = Topology.from_dict({
        "name": "trap", "sites": [{"name": n} for n in "sabt"],
        "links": [{"a": "s", "b": "a", "length_km": 1}, {"a": "a", "b": "b", "length_km": 1},
                  {"a": "b", "b": "t", "length_km": 1}, {"a": "s", "b": "b", "length_km": 3},
                  {"a": "a", "b": "t", "length_km": 3}]})
    assert shortest_path(topo, "s", "t", weight="length").nodes == ("s", "a", "b", "t")
    paths = disjoint_paths(topo, "s", "t", 2, weight="length")
    assert {p.nodes for p in paths} == {("s", "a", "t"), ("s", "b", "t")}


def test_srlg_path_may_reuse_its_own_group():
    topo = Topology.from_dict({
        "name": "conduit", "sites": [{"name": n} for n in "sabt"],
        "links": [{"a": "s", "b": "a", "length_km": 1, "srlg": ["c1"]},
                  {"a": "a", "b": "t", "length_km": 1, "srlg": ["c1"]},
                  {"a": "s", "b": "b", "length_km": 5}, {"a": "b", "b": "t", "length_km": 5}]})
    paths = disjoint_paths(topo, "s", "t", 2, by="srlg")
    assert [p.nodes for p in paths] == [("s", "a", "t"), ("s", "b", "t")]


def test_errors():
    topo = Topology.from_dict({
        "name": "split", "sites": [{"name": n} for n in "abcd"],
        "links": [{"a": "a", "b": "b", "length_km": 1}, {"a": "c", "b": "d", "length_km": 1}]})
    with pytest.raises(UnreachableError, match="no path from 'a' to 'c'"):
        shortest_path(topo, "a", "c")
    with pytest.raises(UnknownNameError, match="did you mean 'a'"):
        rtt_ms(topo, "a", "A")
    assert latency_matrix(topo).loc["a", "c"] == math.inf
    nolength = Topology.from_dict({"name": "n", "sites": [{"name": "x"},
                                                           {"name": "y", "location": [0, 0]}],
                                   "links": [{"a": "x", "b": "y"}]}, source="n.yaml")
    with pytest.raises(ValidationError, match="n.yaml: link 'x--y': length_km: .*site 'x' has no"):
        shortest_path(nolength, "x", "y")


def test_hops_and_length_weights(tri):
    assert shortest_path(tri, "x", "z", weight="hops").nodes == ("x", "z")
    assert shortest_path(tri, "x", "z", weight="length").nodes == ("x", "y", "z")
    assert latency_matrix(tri, weight="hops").loc["x", "z"] == 1


def test_link_latency_columns(tri):
    table = link_latency(tri)
    assert list(table["amplifiers"]) == [1, 1, 3]
    total = table[["propagation_ms", "amplifier_ms", "terminal_ms", "extra_ms"]].sum(axis=1)
    assert np.allclose(total, table["latency_ms"])


def test_latency_results_say_what_they_are():
    from infranet.algorithms.latency import BASIS
    from infranet.results import check_result

    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "length_km": 100},
                                         {"a": "y", "b": "z", "length_km": 100}]})
    path = shortest_path(topo, "x", "z")
    out = check_result(path, headline=("one_way_ms", "rtt_ms", "length_km", "basis"))
    assert out["basis"] == BASIS and "without queueing" in out["basis"]
    assert out["binding"]["kind"] == "propagation"
    matrix = latency_matrix(topo)
    assert matrix.attrs == {"basis": BASIS, "quantity": "one_way", "unit": "ms"}
    assert latency_matrix(topo, weight="hops").attrs["unit"] == "hops"
    with pytest.raises(ValidationError, match="did you mean 'hops'"):
        latency_matrix(topo, weight="hop")
    # the one vocabulary of weights: IGP weights too, from each link's meta
    with pytest.raises(ValidationError, match="meta.igp_weight"):
        latency_matrix(topo, weight="igp")
    spec = topo.to_dict()
    for link, w in zip(spec["links"], (5, 1), strict=True):
        link["meta"] = {"igp_weight": w}
    weighted = Topology.from_dict(spec)
    assert latency_matrix(weighted, weight="igp").loc["x", "z"] == 6.0
    assert shortest_path(weighted, "x", "z", weight="igp").hops == 2
