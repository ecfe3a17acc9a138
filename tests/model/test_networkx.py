"""Interop with networkx both ways: Topology.from_networkx beside to_networkx."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.errors import FormatError
from infranet.io.nodelink import write_nodelink
from infranet.model import Topology
from infranet.testing import topology_specs

_RESOLVED = ("kind", "capacity_gbps", "capacity_ba_gbps", "length_km", "latency_ms", "medium",
             "srlg")


def _links(topo: Topology) -> dict[str, tuple]:
    """Each link by name, its ends in a fixed order (capacities swapped along): networkx keeps
    no edge order, and a directed graph no orientation of a full-duplex link."""
    out = {}
    for row in topo.links.itertuples(index=False):
        values = {k: getattr(row, k) for k in _RESOLVED}
        if values["length_km"] == 0:  # a zero length is no length to the node-link reader
            values["length_km"] = math.nan
        a, b = row.a, row.b
        if a > b:
            a, b = b, a
            values["capacity_gbps"], values["capacity_ba_gbps"] = (values["capacity_ba_gbps"],
                                                                   values["capacity_gbps"])
        out[row.name] = (a, b, *(_same(values[k]) for k in _RESOLVED))
    return out


def _same(value):
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 9)
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _sites(topo: Topology) -> dict[str, tuple]:
    return {name: (row.kind, _same(row.lon), _same(row.lat))
            for name, row in zip(topo.sites.index, topo.sites.itertuples(index=False),
                                 strict=True)}


@settings(max_examples=60, deadline=None)
@given(topology_specs(capacities="some", extras=True), st.booleans())
def test_to_networkx_and_back(spec, directed):
    topo = Topology.from_dict(spec)
    back = Topology.from_networkx(topo.to_networkx(directed=directed))
    assert back.name == topo.name
    assert _sites(back) == _sites(topo)
    assert _links(back) == _links(topo)
    if not directed:  # to_networkx marks each edge's a end: orientation survives
        assert back.links.set_index("name")[["a", "b"]].sort_index().equals(
            topo.links.set_index("name")[["a", "b"]].sort_index())


@settings(max_examples=40, deadline=None)
@given(topology_specs(capacities="some", extras=True))
def test_node_link_graph_and_back_keeps_the_spec(spec):
    topo = Topology.from_dict(spec)
    graph = nx.node_link_graph(write_nodelink(topo), edges="links")
    back = Topology.from_networkx(graph)
    assert _sites(back) == _sites(topo)
    assert _links(back) == _links(topo)
    # what the file said (routes, srlg, meta...) comes back, not just resolved values; ends
    # and capacities are compared above, a medium equal to the default may be left out
    assert back.links.set_index("name")[["a", "b"]].sort_index().equals(
        topo.links.set_index("name")[["a", "b"]].sort_index())
    # resolved above: a default medium, no srlg and a capacity_ba equal to capacity may be left
    skip = ("medium", "srlg", "capacity_ba")
    ours = {link["name"]: link for link in topo.to_dict()["links"]}
    for link in back.to_dict()["links"]:
        original = ours[link["name"]]
        assert ({k: v for k, v in link.items() if k not in skip}
                == {k: v for k, v in original.items() if k not in skip})


def test_plain_networkx_graph():
    graph = nx.Graph(name="plain")
    graph.add_node("paris", pos=[2.35, 48.86], kind="datacenter")
    graph.add_node("zurich", lon=8.55, lat=47.37)
    graph.add_edge("paris", "zurich", capacity=4e11, srlg=["alps"])
    topo = Topology.from_networkx(graph)
    assert topo.name == "plain"
    assert topo.sites.loc["paris", "kind"] == "datacenter"
    assert topo.sites.loc["zurich", "lon"] == 8.55
    link = topo.links.iloc[0]
    assert link["capacity_gbps"] == 400.0  # capacity in bit/s by default
    assert link["length_source"] == "great_circle"
    assert any("networkx graph" in note for note in topo.notes)
    gbps = Topology.from_networkx(graph, capacity_unit="Gb/s")
    assert gbps.links.iloc[0]["capacity_gbps"] == 4e11


def test_bad_attribute_names_the_edge():
    graph = nx.Graph()
    graph.add_edge("a", "b", capacity_gbps="fast")
    with pytest.raises(FormatError, match="edge a--b: capacity_gbps: expected a number"):
        Topology.from_networkx(graph)
