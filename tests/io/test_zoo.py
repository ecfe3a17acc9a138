"""Topology Zoo GML and GraphML, including hostile XML."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import infranet.io
from infranet.errors import FormatError
from infranet.io.zoo import read_gml, read_graphml
from infranet.model import Topology

DATA = Path(__file__).parent / "data"

# "billion laughs": nine levels of ten-fold entity expansion, 10^9 copies of "lol"
BOMB_ENTITIES = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""


@pytest.fixture(params=["gml", "graphml"])
def zoo_spec(request):
    reader = {"gml": read_gml, "graphml": read_graphml}[request.param]
    return reader(DATA / f"zoo_small.{request.param}")


def test_zoo_fixture_converts(zoo_spec):
    topo = Topology.from_dict(zoo_spec)
    assert zoo_spec["name"] == "Zoo Small"
    assert topo.site_names == ("Paris (0)", "Zürich", "Paris (2)", "Frankfurt", "None")
    assert topo.n_links == 6  # the parallel Paris--Zürich links both survive
    sites = topo.sites
    assert (sites.at["Zürich", "lon"], sites.at["Zürich", "lat"]) == (8.55, 47.36667)
    assert sites["lon"].isna().sum() == 1  # the hyperedge node has no coordinates
    capacities = dict(zip(topo.links["name"], topo.links["capacity_gbps"], strict=True))
    assert capacities["Paris (0)--Zürich"] == 10.0  # LinkSpeedRaw
    assert capacities["Zürich--Frankfurt"] == 2.5  # LinkSpeed + LinkSpeedUnits
    assert capacities["Frankfurt--None"] == 0.155
    assert topo.links["capacity_gbps"].isna().sum() == 3
    label = topo.link("Paris (0)--Zürich#2")["meta"]["LinkLabel"]
    assert label == "backup"
    notes = " | ".join(zoo_spec["notes"])
    for expected in ("made unique", "hyperedge", "without coordinates", "Internal = 0",
                     "LinkSpeedRaw"):
        assert expected in notes


def test_gml_and_graphml_give_the_same_network():
    gml, graphml = read_gml(DATA / "zoo_small.gml"), read_graphml(DATA / "zoo_small.graphml")
    assert gml["sites"] == graphml["sites"]
    assert gml["links"] == graphml["links"]


def test_infranet_read_dispatches_zoo_extensions():
    assert infranet.io.read(DATA / "zoo_small.gml").n_links == 6
    assert infranet.io.read(DATA / "zoo_small.graphml").n_links == 6


def test_bad_gml_names_the_line(tmp_path):
    path = tmp_path / "broken.gml"
    path.write_text('graph [\n  node [\n    id 0\n    label "a"\n  ]\n  edge [ source = 0 ]\n]\n')
    with pytest.raises(FormatError, match=r"broken\.gml: not valid GML: .*line 6"):
        read_gml(path)


def test_gml_duplicate_node_id(tmp_path):
    path = tmp_path / "dup.gml"
    path.write_text('graph [\n node [ id 0 label "a" ]\n node [ id 0 label "b" ]\n]\n')
    with pytest.raises(FormatError, match="duplicated"):
        read_gml(path)


def test_missing_file():
    with pytest.raises(FormatError, match="not found"):
        read_gml(DATA / "nothing-here.gml")


def test_graphml_entity_bomb_is_refused_quickly(tmp_path):
    path = tmp_path / "bomb.graphml"
    path.write_text('<?xml version="1.0"?>\n' + BOMB_ENTITIES + "\n"
                    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                    '<graph edgedefault="undirected"><node id="&lol9;"/></graph></graphml>\n')
    start = time.perf_counter()
    with pytest.raises(FormatError, match=r"bomb\.graphml: refused"):
        read_graphml(path)
    assert time.perf_counter() - start < 2.0


def test_graphml_external_entity_is_refused(tmp_path):
    path = tmp_path / "xxe.graphml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
                    '<graph><node id="&x;"/></graph></graphml>')
    with pytest.raises(FormatError, match="refused"):
        read_graphml(path)


def test_malformed_graphml_names_the_line(tmp_path):
    path = tmp_path / "broken.graphml"
    path.write_text('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n<graph>\n'
                    '<node id="1">\n</graph></graphml>')
    with pytest.raises(FormatError, match="not well-formed XML at line 4"):
        read_graphml(path)
