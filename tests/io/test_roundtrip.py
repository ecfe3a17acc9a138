"""Writers (node-link JSON, GeoJSON) and write -> read round trips, with random topologies."""

from __future__ import annotations

import json
import math

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

import infranet.io
from infranet.io.geojson import read_geojson, write_geojson
from infranet.io.nodelink import read_nodelink, write_nodelink
from infranet.model import Topology
from infranet.testing import UNICODE_NAMES, topology_specs


def _example() -> Topology:
    return Topology.from_dict({
        "name": "example",
        "sites": [
            {"name": "ashburn", "kind": "datacenter", "location": [-77.49, 39.04],
             "power_mw": 300},
            {"name": "columbus", "kind": "datacenter", "location": [-82.80, 40.08]},
            {"name": "chicago", "location": [-87.63, 41.88]},
            {"name": "nowhere"},
        ],
        "links": [
            {"a": "ashburn", "b": "columbus", "capacity": "400G", "capacity_ba": "100G"},
            {"a": "ashburn", "b": "columbus", "capacity": 100, "length_km": 700,
             "srlg": ["conduit-1"]},
            {"a": "columbus", "b": "chicago", "capacity": 800,
             "route": [[-82.80, 40.08], [-85.0, 41.0], [-87.63, 41.88]]},
            {"a": "chicago", "b": "nowhere"},
        ],
        "demands": [{"src": "ashburn", "dst": "chicago", "gbps": 5}],
    })


def test_write_nodelink_loads_in_networkx_with_parallel_links():
    topo = _example()
    data = json.loads(infranet.io.dumps(topo, "nodelink"))  # strict JSON: no NaN
    graph = nx.node_link_graph(data, edges="links")
    assert isinstance(graph, nx.MultiGraph)
    assert graph.number_of_edges("ashburn", "columbus") == 2
    edge = graph.edges["ashburn", "columbus", "ashburn--columbus"]
    assert edge["capacity"] == 400e9
    assert edge["capacity_gbps"] == 400.0
    assert edge["capacity_ba_gbps"] == 100.0
    assert edge["latency_ms"] > 0
    assert graph.nodes["ashburn"]["pos"] == [-77.49, 39.04]
    assert "pos" not in graph.nodes["nowhere"]
    assert data["graph"]["units"]["capacity"] == "bit/s"
    assert "capacity" not in graph.edges["chicago", "nowhere", "chicago--nowhere"]


def test_write_then_read_nodelink_gives_the_same_topology():
    topo = _example()
    back = Topology.from_dict(read_nodelink(json.loads(json.dumps(write_nodelink(topo)))))
    _assert_same(topo, back)
    assert back.to_dict()["links"] == topo.to_dict()["links"]
    assert back.demands.equals(topo.demands)


def _assert_same(topo: Topology, back: Topology) -> None:
    assert back.site_names == topo.site_names
    assert back.link_names == topo.link_names
    columns = ["lon", "lat"]
    assert back.sites[columns].equals(topo.sites[columns])
    for column in ("capacity_gbps", "capacity_ba_gbps", "length_km"):
        left, right = topo.links[column].to_numpy(), back.links[column].to_numpy()
        assert all((math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12)
                   for x, y in zip(left, right, strict=True)), column
    assert list(back.links["a"]) == list(topo.links["a"])
    assert list(back.links["b"]) == list(topo.links["b"])


def _features(collection, element):
    return [f for f in collection["features"] if f["properties"]["element"] == element]


def test_write_geojson_features():
    topo = _example()
    collection = json.loads(infranet.io.dumps(topo, "geojson"))  # strict JSON: no NaN
    assert collection["type"] == "FeatureCollection"
    sites = {f["properties"]["name"]: f for f in _features(collection, "site")}
    assert sites["ashburn"]["geometry"] == {"type": "Point", "coordinates": [-77.49, 39.04]}
    assert sites["ashburn"]["properties"]["kind"] == "datacenter"
    assert sites["ashburn"]["properties"]["power_mw"] == 300.0
    assert sites["nowhere"]["geometry"] is None
    links = {f["properties"]["name"]: f for f in _features(collection, "link")}
    assert len(links) == topo.n_links
    straight = links["ashburn--columbus"]
    assert straight["geometry"]["coordinates"] == [[-77.49, 39.04], [-82.80, 40.08]]
    props = straight["properties"]
    assert (props["a"], props["b"]) == ("ashburn", "columbus")
    assert (props["capacity_gbps"], props["capacity_ba_gbps"]) == (400.0, 100.0)
    assert props["length_source"] == "great_circle"
    assert props["length_km"] == pytest.approx(topo.links.loc[0, "length_km"])
    assert props["latency_ms"] == pytest.approx(topo.links.loc[0, "latency_ms"])
    assert links["ashburn--columbus#2"]["properties"]["srlg"] == ["conduit-1"]
    assert len(links["columbus--chicago"]["geometry"]["coordinates"]) == 3
    assert links["chicago--nowhere"]["geometry"] is None
    assert collection["infranet"]["demands"] == [
        {"src": "ashburn", "dst": "chicago", "gbps": 5.0}]


def test_geopandas_reads_the_collection():
    import geopandas as gpd

    frame = gpd.GeoDataFrame.from_features(write_geojson(_example())["features"],
                                           crs="EPSG:4326")
    assert set(frame.geom_type.dropna()) == {"Point", "LineString"}


def test_write_then_read_geojson(tmp_path):
    topo = _example()
    path = tmp_path / "example.geojson"
    infranet.io.write(topo, path)
    back = infranet.io.read(path)
    _assert_same(topo, back)
    assert back.to_dict()["links"] == topo.to_dict()["links"]
    assert back.demands.equals(topo.demands)


# ---------------------------------------------------------------------------- round trip

def specs():
    return topology_specs(names=UNICODE_NAMES, capacities="some")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_nodelink_round_trip(spec):
    topo = Topology.from_dict(spec)
    text = infranet.io.dumps(topo, "nodelink")
    back = Topology.from_dict(read_nodelink(json.loads(text)))
    _assert_same(topo, back)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_geojson_round_trip(spec):
    topo = Topology.from_dict(spec)
    text = infranet.io.dumps(topo, "geojson")
    back = Topology.from_dict(read_geojson(json.loads(text)))
    _assert_same(topo, back)
