"""SNDlib native and XML network files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import infranet.io
from infranet.errors import FormatError
from infranet.io.sndlib import read_sndlib, read_sndlib_xml
from infranet.model import Topology

DATA = Path(__file__).parent / "data"


@pytest.fixture(params=["txt", "xml"])
def small(request):
    return read_sndlib(DATA / f"sndlib_small.{request.param}")


def test_small_network(small):
    topo = Topology.from_dict(small)
    assert topo.site_names == ("Gdansk", "Warsaw", "Krakow", "Poznan")
    assert topo.link_names == ("Link_0_1", "Link_1_2", "Link_2_3", "Link_3_0", "Link_1_2b")
    assert (topo.sites.at["Gdansk", "lon"], topo.sites.at["Gdansk", "lat"]) == (18.6, 54.2)
    capacity = dict(zip(topo.link_names, topo.links["capacity_gbps"], strict=True))
    # pre-installed + one largest module, in Mb/s (META unit = MBITPERSEC)
    assert capacity["Link_0_1"] == 0.622
    assert capacity["Link_1_2"] == 3.11
    assert capacity["Link_1_2b"] == 0.155  # a parallel link with pre-installed capacity only
    assert capacity["Link_3_0"] != capacity["Link_3_0"]  # NaN: no capacity, no modules
    meta = topo.link("Link_1_2")["meta"]["sndlib"]
    assert meta["modules"] == [[155.0, 156.0], [622.0, 468.0]]
    assert (meta["routing_cost"], meta["setup_cost"]) == (1.5, 10.0)
    demands = topo.demands
    assert list(demands.itertuples(index=False, name=None)) == [
        ("Gdansk", "Warsaw", 0.195), ("Gdansk", "Krakow", 0.158), ("Warsaw", "Poznan", 0.1)]
    assert topo.links["length_source"].eq("great_circle").all()
    notes = " | ".join(small["notes"])
    assert "largest" in notes and "MBITPERSEC" in notes and "routing unit" in notes


def test_native_and_xml_agree():
    native = read_sndlib(DATA / "sndlib_small.txt")
    xml = read_sndlib_xml(DATA / "sndlib_small.xml")
    for key in ("sites", "links", "demands"):
        assert native[key] == xml[key]
    assert native["name"] == "small"  # from the "# network small" comment


def test_modules_none_and_capacity_unit():
    spec = read_sndlib(DATA / "sndlib_small.txt", modules="none", capacity_unit="Gb/s")
    capacity = {link["name"]: link.get("capacity") for link in spec["links"]}
    assert capacity == {"Link_0_1": None, "Link_1_2": 2488.0, "Link_2_3": None,
                        "Link_3_0": None, "Link_1_2b": 155.0}
    assert spec["demands"][0]["gbps"] == 195.0


def test_pixel_coordinates_give_no_locations():
    spec = read_sndlib(DATA / "sndlib_pixel.txt")
    topo = Topology.from_dict(spec)
    assert topo.sites["lon"].isna().all()
    assert topo.links["length_km"].isna().all()
    assert spec["sites"][0]["meta"]["xy"] == [283.0, 248.0]
    assert any("pixel" in n for n in spec["notes"])
    assert any("assumed" in n for n in spec["notes"])  # no META unit: Mb/s assumed
    assert topo.links["capacity_gbps"].tolist() == [1.0, 1.0]


def test_known_pixel_network_in_range_is_still_pixel(tmp_path):
    path = tmp_path / "india35.txt"
    path.write_text("NODES (\n  0 ( 0.00 28.00 )\n  1 ( 28.00 23.00 )\n)\nLINKS (\n)\n")
    spec = read_sndlib(path)
    assert all("location" not in s for s in spec["sites"])
    geographic = read_sndlib(path, coordinates="lonlat")
    assert geographic["sites"][1]["location"] == [28.0, 23.0]


def test_infranet_read_dispatches_sndlib():
    assert infranet.io.read(DATA / "sndlib_small.txt").n_links == 5
    assert infranet.io.read(DATA / "sndlib_small.xml").n_links == 5


@pytest.mark.parametrize(("text", "match"), [
    ("NODES (\n  A ( 1.0 2.0 )\n  B ( 1.0 x )\n)\n", "line 3: expected a number"),
    ("NODES (\n  A 1.0 2.0\n)\n", "line 2: expected '\\('"),
    ("NODES (\n  A ( 1.0 2.0 )\n", "not closed"),
    ("NODES (\n  A ( 1 2 )\n)\nLINKS (\n  L ( A C ) 0 0 0 0 ( )\n)\n", "unknown node 'C'"),
    ("NODES (\n  A ( 1 2 )\n  A ( 1 2 )\n)\n", "duplicated"),
])
def test_native_syntax_errors(tmp_path, text, match):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(FormatError, match=match):
        read_sndlib(path)


def test_sndlib_xml_entity_bomb_is_refused_quickly(tmp_path):
    lol = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    path = tmp_path / "bomb.xml"
    path.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE network [<!ENTITY lol0 "lol">{lol}]>\n'
                    '<network xmlns="http://sndlib.zib.de/network"><networkStructure><nodes>'
                    '<node id="&lol9;"/></nodes></networkStructure></network>\n')
    start = time.perf_counter()
    with pytest.raises(FormatError, match=r"bomb\.xml: refused"):
        read_sndlib(path)
    assert time.perf_counter() - start < 2.0


def test_xml_that_is_not_sndlib(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<graphml/>")
    with pytest.raises(FormatError, match="SNDlib <network>"):
        read_sndlib(path)


def test_native_file_is_not_xml():
    with pytest.raises(FormatError, match="not an XML file"):
        read_sndlib_xml(DATA / "sndlib_small.txt")
