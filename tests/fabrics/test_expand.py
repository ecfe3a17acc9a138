"""The cluster view: one node per cluster, joined to its site by its DCI capacity, solved with the
WAN by max-flow; checked against networkx."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet.algorithms.flow import max_flow
from infranet.errors import ValidationError
from infranet.fabrics.expand import LEVELS, expand
from infranet.model import Topology
from infranet.testing import topology_specs

TWO_CAMPUSES = {
    "name": "two-campuses",
    "sites": [
        {"name": "a", "kind": "datacenter", "location": [-97.0, 32.0], "clusters": [
            {"name": "big", "accelerator": "H100", "count": 1024, "dci": "25.6 Tb/s"},
            {"name": "small", "accelerator": "H100", "count": 64, "dci": "800G"}]},
        {"name": "b", "kind": "datacenter", "location": [-98.0, 30.0], "clusters": [
            {"name": "gb", "accelerator": "GB200", "count": 144, "dci": "12.8 Tb/s"}]},
        {"name": "p", "kind": "pop", "location": [-97.5, 31.0]},
    ],
    "links": [{"a": "a", "b": "p", "capacity": "6.4 Tb/s"}, {"a": "p", "b": "b",
                                                              "capacity": "9.6 Tb/s"},
              {"a": "a", "b": "b", "capacity": "3.2 Tb/s"}],
}


def _nx_max_flow(topology: Topology, source: str, target: str) -> float:
    graph = nx.DiGraph()
    graph.add_nodes_from(topology.site_names)
    for row in topology.links.itertuples(index=False):
        for u, v, cap in ((row.a, row.b, row.capacity_gbps), (row.b, row.a, row.capacity_ba_gbps)):
            old = graph.get_edge_data(u, v, {"capacity": 0.0})["capacity"]
            graph.add_edge(u, v, capacity=old + cap)
    return nx.maximum_flow_value(graph, source, target)


def test_cluster_view_adds_one_node_and_one_dci_link_per_cluster():
    topo = Topology.from_dict(TWO_CAMPUSES)
    view = expand(topo, level="cluster")
    clusters = view.sites[view.sites["kind"] == "cluster"]
    assert list(clusters.index) == ["a/big", "a/small", "b/gb"]  # SITE/CLUSTER, as expand names
    links = view.links.set_index("b").loc[list(clusters.index)]
    assert list(links["a"]) == ["a", "a", "b"]
    assert list(links["capacity_gbps"]) == [25_600.0, 800.0, 12_800.0]
    assert view.to_dict() == topo.to_dict() and not topo.expanded


@pytest.mark.parametrize(("source", "target", "expected"), [
    ("a/big", "b/gb", 3_200 + 6_400),  # the WAN cut (6.4 via the pop + 3.2 direct) binds
    ("a/small", "b/gb", 800),  # the small cluster's DCI binds
    ("b/gb", "a/big", 9_600),
    ("a/big", "a/small", 800),  # same campus: the two DCI links
])
def test_max_flow_between_clusters_is_the_smallest_of_dci_and_wan(source, target, expected):
    view = expand(Topology.from_dict(TWO_CAMPUSES), level="cluster")
    flow = max_flow(view, source, target)
    assert flow.value_gbps == pytest.approx(expected)
    assert flow.value_gbps == pytest.approx(_nx_max_flow(view, source, target))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topology_specs(min_sites=2, max_sites=6, min_links=1, max_links=10, clusters=True,
                      dci=True), st.data())
def test_cluster_max_flow_is_min_of_dci_wan_dci(spec, data):
    topo = Topology.from_dict(spec)
    sites = [s["name"] for s in spec["sites"] if s.get("clusters")]
    if len(sites) < 2:
        return
    a, b = data.draw(st.lists(st.sampled_from(sites), min_size=2, max_size=2, unique=True))
    view = expand(topo, level="cluster")
    ca, cb = (f"{s}/{topo.site(s)['clusters'][0]['name']}" for s in (a, b))
    dci_a, dci_b = (topo.site(s)["clusters"][0]["dci"] for s in (a, b))
    wan = _nx_max_flow(topo, a, b)
    value = max_flow(view, ca, cb).value_gbps
    assert value == pytest.approx(min(dci_a, wan, dci_b), rel=1e-9, abs=1e-6)
    assert value == pytest.approx(_nx_max_flow(view, ca, cb), rel=1e-9, abs=1e-6)


def test_a_cluster_without_dci_is_refused_in_one_line():
    spec = {**TWO_CAMPUSES, "sites": [dict(TWO_CAMPUSES["sites"][0], clusters=[
        {"name": "big", "accelerator": "H100", "count": 1024}]), *TWO_CAMPUSES["sites"][1:]]}
    topo = Topology.from_dict(spec, source="two.yaml")
    with pytest.raises(ValidationError) as error:
        expand(topo, level="cluster")
    message = str(error.value)
    assert message.startswith("two.yaml: site 'a' clusters[0] (big): dci: ")
    assert "give dci" in message and "\n" not in message
    # the accelerator view still works without dci: its gateway links take the NIC rate
    assert expand(topo, sites=["b"]).expanded


def test_unknown_level_is_refused():
    topo = Topology.from_dict(TWO_CAMPUSES)
    with pytest.raises(ValidationError, match="expected one of cluster, accelerator"):
        expand(topo, level="rack")
    assert LEVELS == ("cluster", "accelerator")


@pytest.mark.parametrize("level", LEVELS)
def test_an_expanded_topology_counts_every_link_of_its_graph(level):
    """n_links counts every link of the graph (the file's and the fabric's), n_spec_links the
    file's; the links table, the compiled arcs (two per link) and the repr agree."""
    from infranet.fabrics.spec import build

    small = {"a": {"count": 16, "scale_out": {"kind": "fat_tree", "k": 4}},
             "b": {"count": 8, "scale_out": {"kind": "leaf_spine", "radix": 4}}}
    topo = Topology.from_dict({**TWO_CAMPUSES, "sites": [
        {**site, "clusters": [{"name": "c", "accelerator": "H100", "dci": "800G",
                               **small[site["name"]]}]} if site.get("clusters") else site
        for site in TWO_CAMPUSES["sites"]]})
    view = expand(topo, level=level)
    assert view.n_spec_links == topo.n_links == 3
    added = 2 if level == "cluster" else sum(  # one dci link per cluster, or the fabrics
        build(c).n_links + len(_gateways(view, s, c["name"]))
        for s in topo.datacenters for c in topo.site(s)["clusters"])
    assert view.n_links == len(view.links) == 3 + added
    assert view.compile().n_arcs == 2 * view.n_links
    assert f"{view.n_links:,} links ({topo.n_links} in the file)" in repr(view)


def _gateways(view: Topology, site: str, cluster: str) -> list[str]:
    links = view.links
    return [name for name in links["name"] if name.startswith(f"{site}/{cluster}/gateway")]
