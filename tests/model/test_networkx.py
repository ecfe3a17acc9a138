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


def _as_written(spec: dict, default_medium: str) -> dict:
    """`spec` as any writer gives it: a medium equal to the default, an empty srlg and a
    capacity_ba equal to the capacity are not written (they say nothing)."""
    spec = dict(spec)
    links = []
    for link in spec["links"]:
        link = dict(link)
        if link.get("medium") == default_medium:
            del link["medium"]
        if link.get("srlg") == []:
            del link["srlg"]
        if "capacity_ba" in link and link["capacity_ba"] == link.get("capacity"):
            del link["capacity_ba"]
        links.append(link)
    spec["links"] = sorted(links, key=lambda link: link["name"])  # networkx keeps no edge order
    return spec


@settings(max_examples=80, deadline=None)
@given(topology_specs(clusters=True, extras=True, capacities="some"))
def test_to_networkx_and_back_is_lossless(spec):
    topo = Topology.from_dict(spec)
    back = Topology.from_networkx(topo.to_networkx())
    ours, theirs = topo.to_dict(), back.to_dict()
    # notes: the topology's own, then what the conversion says it did
    assert theirs.pop("notes")[:len(ours["notes"])] == ours.pop("notes")
    if "source" not in ours:
        assert theirs.pop("source") == "a networkx graph"
    medium = ours["defaults"].get("medium", "smf")
    assert _as_written(theirs, medium) == _as_written(ours, medium)
    by_name = [back.links.set_index("name").sort_index(), topo.links.set_index("name").sort_index()]
    assert by_name[0].equals(by_name[1])
    assert back.sites.equals(topo.sites)


def test_to_networkx_carries_every_key_of_the_file():
    from infranet.io.nodelink import GRAPH_KEYS, LINK_KEYS, SITE_KEYS
    from infranet.model import schema

    # what node-link JSON maps one to one (the rest is resolved: ends, capacities, lengths)
    assert {a.name for a in schema.SITE} - {"name", "kind", "location", "meta"} \
        == set(SITE_KEYS)
    assert {a.name for a in schema.LINK} - {"a", "b", "name", "kind", "capacity", "capacity_ba",
                                             "length_km", "latency_ms", "meta"} == set(LINK_KEYS)
    assert {a.name for a in schema.TOPOLOGY} - {"name", "source", "notes", "sites", "links",
                                                 "demands", "meta"} == set(GRAPH_KEYS)
    topo = Topology.from_dict({
        "name": "full", "description": "d", "source": "s", "notes": ["n"],
        "defaults": {"route_factor": 1.2}, "meta": {"m": 1},
        "catalogue": {"accelerators": [{"name": "Chip", "source": "sheet", "nic_gbps": 100}]},
        "sites": [{"name": "x", "kind": "datacenter", "location": [0, 0], "power_mw": 10,
                   "pue": 1.3, "description": "campus", "meta": {"code": "X"},
                   "clusters": [{"accelerator": "Chip", "count": 8}]},
                  {"name": "y", "kind": "region", "population": 1000, "location": [1, 1]}],
        "links": [{"a": "x", "b": "y", "capacity": 400, "capacity_ba": 100, "fiber_pairs": 2,
                   "cost": 9, "route_factor": 1.5, "medium": "ull", "srlg": ["c"],
                   "terminal_latency_ms": 0.1, "amplifier_spacing_km": 60,
                   "amplifier_latency_ms": 0.0002, "extra_latency_ms": 0.5,
                   "description": "trunk", "meta": {"k": 2}}],
        "demands": [{"src": "x", "dst": "y", "gbps": 5}]})
    graph = topo.to_networkx()
    assert graph.nodes["x"]["pue"] == 1.3 and graph.nodes["x"]["clusters"][0]["count"] == 8
    edge = graph.edges["x", "y", "x--y"]
    assert (edge["fiber_pairs"], edge["cost"], edge["route_factor"]) == (2, 9.0, 1.5)
    assert graph.graph["catalogue"]["accelerators"][0]["name"] == "Chip"
    back = Topology.from_networkx(graph).to_dict()
    ours = topo.to_dict()
    assert back["notes"][0] == "n"
    assert {k: v for k, v in back.items() if k != "notes"} \
        == {k: v for k, v in ours.items() if k != "notes"}
    directed = Topology.from_networkx(topo.to_networkx(directed=True)).to_dict()
    assert directed["links"] == ours["links"] and directed["sites"] == ours["sites"]


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
    mbps = Topology.from_networkx(graph, capacity_unit="Mb/s")
    assert mbps.links.iloc[0]["capacity_gbps"] == 4e8


def test_bad_attribute_names_the_edge():
    graph = nx.Graph()
    graph.add_edge("a", "b", capacity_gbps="fast")
    with pytest.raises(FormatError, match="edge a--b: capacity_gbps: expected a number"):
        Topology.from_networkx(graph)
