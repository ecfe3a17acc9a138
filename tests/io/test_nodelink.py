"""networkx node-link JSON: the FIGRET and Teal files and the conversions."""

from __future__ import annotations

import json

import pytest

import infranet.io
from infranet.errors import FormatError, UnknownNameError
from infranet.io.nodelink import read_nodelink
from infranet.model import Topology


def _nodes(n):
    return [{"id": i} for i in range(n)]


# ---------------------------------------------------------------------------- real files


def test_geant_pairs_72_arcs_into_36_links_in_gbps(shared_data):
    path = shared_data / "figret-geant" / "GEANT.json"
    spec = read_nodelink(path)
    topo = Topology.from_dict(spec, source=str(path))
    assert topo.n_sites == 22
    assert topo.n_links == 36
    assert sorted({link["capacity"] for link in spec["links"]}) == [0.155, 2.4, 10.0]
    assert not any("capacity_ba" in link for link in spec["links"])
    assert spec["sites"][0]["name"] == "0"
    # every arc of the file is one direction of one link
    data = json.loads(path.read_text())
    arcs = {(str(e["source"]), str(e["target"])): e["capacity"] / 1e9 for e in data["links"]}
    for row in topo.links.itertuples():
        assert arcs[(row.a, row.b)] == pytest.approx(row.capacity_gbps)
        assert arcs[(row.b, row.a)] == pytest.approx(row.capacity_ba_gbps)
    assert any("bit/s" in note for note in spec["notes"])


def test_kdl_asymmetric_capacities_become_capacity_ba(shared_data):
    path = shared_data / "teal" / "Kdl.json"
    spec = read_nodelink(path, capacity_unit="unitless")
    topo = Topology.from_dict(spec, source=str(path))
    assert topo.n_sites == 754
    assert topo.n_links == 1790 // 2
    asymmetric = [link for link in spec["links"] if "capacity_ba" in link]
    assert asymmetric
    data = json.loads(path.read_text())
    arcs = {(str(e["source"]), str(e["target"])): e["capacity"] for e in data["links"]}
    for link in asymmetric[:50]:
        assert arcs[(link["a"], link["b"])] == link["capacity"]
        assert arcs[(link["b"], link["a"])] == link["capacity_ba"]
    assert any("abstract units" in note for note in spec["notes"])
    # both directions of every link carry the file's arcs: total capacity is preserved
    compiled = topo.compile()
    assert compiled.capacity_gbps.sum() == pytest.approx(sum(arcs.values()))


def test_facebook_pod_is_a_full_mesh_in_abstract_units(shared_data):
    spec = read_nodelink(shared_data / "figret-facebook-pod-a" / "Facebook_pod_a.json",
                         capacity_unit="unitless")
    topo = Topology.from_dict(spec)
    assert (topo.n_sites, topo.n_links) == (4, 6)
    assert set(topo.links["capacity_gbps"]) == {10000.0}


def test_infranet_read_sniffs_nodelink_json(shared_data):
    topo = infranet.io.read(shared_data / "figret-geant" / "GEANT.json")
    assert (topo.n_sites, topo.n_links) == (22, 36)


# ---------------------------------------------------------------------------- conversions


def test_arc_without_reverse_is_assumed_symmetric_and_noted():
    spec = read_nodelink({"directed": True, "nodes": _nodes(3), "links": [
        {"source": 0, "target": 1, "capacity": 1e9},
        {"source": 1, "target": 0, "capacity": 1e9},
        {"source": 1, "target": 2, "capacity": 5e9},
    ]})
    assert [(x["a"], x["b"], x["capacity"]) for x in spec["links"]] == [
        ("0", "1", 1.0), ("1", "2", 5.0)]
    assert "capacity_ba" not in spec["links"][1]
    assert any("without a reverse arc" in n and "1->2" in n for n in spec["notes"])


def test_directed_multigraph_pairs_parallel_arcs_one_to_one():
    spec = read_nodelink({"directed": True, "multigraph": True, "nodes": _nodes(2), "links": [
        {"source": 0, "target": 1, "key": 0, "capacity": 1e9},
        {"source": 0, "target": 1, "key": 1, "capacity": 2e9},
        {"source": 1, "target": 0, "key": 0, "capacity": 1e9},
        {"source": 1, "target": 0, "key": 1, "capacity": 3e9},
    ]})
    assert [(x["capacity"], x.get("capacity_ba")) for x in spec["links"]] == [
        (1.0, None), (2.0, 3.0)]


def test_undirected_multigraph_keeps_parallel_edges_under_edges_key():
    spec = read_nodelink({"multigraph": True, "nodes": _nodes(2), "edges": [
        {"source": 0, "target": 1, "capacity": 1e10},
        {"source": 0, "target": 1, "capacity": 1e10},
    ]})
    assert Topology.from_dict(spec).n_links == 2


@pytest.mark.parametrize(("unit", "expected"), [
    ("bit/s", 0.4), ("Mb/s", 400.0), ("Gb/s", 400_000.0), ("unitless", 400_000.0)])
def test_capacity_unit(unit, expected):
    spec = read_nodelink({"nodes": _nodes(2), "links": [
        {"source": 0, "target": 1, "capacity": 4e5 if unit != "bit/s" else 4e8}]},
        capacity_unit=unit)
    assert spec["links"][0]["capacity"] == pytest.approx(expected)


def test_declared_unit_is_used_and_capacity_gbps_wins():
    spec = read_nodelink({"graph": {"units": {"capacity": "Mb/s"}}, "nodes": _nodes(3),
                          "links": [{"source": 0, "target": 1, "capacity": 400},
                                    {"source": 1, "target": 2, "capacity": 9, "capacity_gbps": 7}]})
    assert [x["capacity"] for x in spec["links"]] == [0.4, 7.0]


def test_unknown_unit_names_the_closest():
    with pytest.raises(FormatError, match="unknown bandwidth unit"):
        read_nodelink({"nodes": _nodes(1), "links": []}, capacity_unit="Gbs")


def test_names_from_attribute_with_duplicates_made_unique():
    spec = read_nodelink({"nodes": [
        {"id": 0, "name": "Paris"}, {"id": 1, "name": "Paris"}, {"id": 2, "label": "Lyon"},
        {"id": 3}], "links": [{"source": 0, "target": 1}, {"source": 2, "target": 3}]})
    names = [s["name"] for s in spec["sites"]]
    assert names == ["Paris (0)", "Paris (1)", "Lyon", "3"]
    assert spec["links"][0]["a"] == "Paris (0)"
    assert any("made unique" in n for n in spec["notes"])
    Topology.from_dict(spec)


def test_lonlat_positions_become_locations_and_pixels_meta():
    geo = read_nodelink({"nodes": [{"id": 0, "pos": [2.35, 48.86]}, {"id": 1, "pos": [8.5, 47.4]}],
                         "links": []})
    assert geo["sites"][0]["location"] == [2.35, 48.86]
    pixel = read_nodelink({"nodes": [{"id": 0, "pos": [283, 248]}, {"id": 1, "pos": [10, 20]}],
                           "links": []})
    assert all("location" not in s for s in pixel["sites"])
    assert pixel["sites"][1]["meta"]["xy"] == [10.0, 20.0]
    assert any("planar" in n for n in pixel["notes"])
    with pytest.raises(FormatError, match="lon, lat"):
        read_nodelink({"nodes": [{"id": 0, "pos": [283, 248]}], "links": []},
                      coordinates="lonlat")


def test_unknown_attributes_are_kept_in_meta():
    spec = read_nodelink({"nodes": [{"id": 0, "type": "City"}, {"id": 1}],
                          "links": [{"source": 0, "target": 1, "ecmp": 0.3}]})
    assert spec["sites"][0]["meta"] == {"type": "City"}
    assert spec["links"][0]["meta"] == {"ecmp": 0.3}


def test_zero_length_is_left_to_the_model():
    spec = read_nodelink({"nodes": _nodes(3), "links": [
        {"source": 0, "target": 1, "length_km": 0.0}, {"source": 1, "target": 2, "length_km": 5}]})
    assert [link.get("length_km") for link in spec["links"]] == [None, 5.0]
    assert any("length 0" in n for n in spec["notes"])


def test_self_loops_are_dropped_with_a_note():
    spec = read_nodelink({"nodes": _nodes(2), "links": [{"source": 0, "target": 0},
                                                        {"source": 0, "target": 1}]})
    assert len(spec["links"]) == 1
    assert any("self-loop" in n for n in spec["notes"])


def test_bad_json_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"nodes": [\n  {"id": 0},\n  oops\n]}')
    with pytest.raises(FormatError, match=r"bad\.json: line 3, column 3: JSON syntax error"):
        read_nodelink(path)


@pytest.mark.parametrize(("data", "match"), [
    ({"links": []}, "no 'nodes' list"),
    ({"nodes": [{"name": "x"}], "links": []}, "needs an 'id'"),
    ({"nodes": _nodes(1), "links": [{"source": 0, "target": 5}]}, "unknown node id 5"),
    ({"nodes": _nodes(2), "links": [{"source": 0, "target": 1, "capacity": "lots"}]},
     "expected a number"),
])
def test_malformed_node_link(data, match):
    with pytest.raises(FormatError, match=match):
        read_nodelink(data)


def test_unknown_site_in_demands_is_reported_by_the_model():
    spec = read_nodelink({"graph": {"demands": [{"src": 0, "dst": 9, "gbps": 1}]},
                          "nodes": _nodes(2), "links": []})
    with pytest.raises(UnknownNameError):
        Topology.from_dict(spec)
