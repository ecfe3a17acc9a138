"""Topologies of the topohub package (a dependency of infranet)."""

from __future__ import annotations

import sys

import pytest
import topohub

from infranet.errors import FormatError, UnknownNameError
from infranet.io.topohub import read_topohub, topohub_keys
from infranet.model import Topology


def _topology(key: str) -> tuple[dict, Topology]:
    spec = read_topohub(key)
    return spec, Topology.from_dict(spec, source=f"topohub:{key}")


def test_sndlib_abilene_with_lengths_and_demands():
    spec, topo = _topology("sndlib/abilene")
    assert (topo.n_sites, topo.n_links) == (12, 15)
    assert topo.links["length_source"].eq("explicit").all()
    raw = topohub.get("sndlib/abilene")
    names = {n["id"]: n["name"] for n in raw["nodes"]}
    edge = raw["edges"][0]
    link = spec["links"][0]
    assert (link["a"], link["b"]) == (names[edge["source"]], names[edge["target"]])
    assert link["length_km"] == edge["dist"]
    assert len(topo.demands) == 132
    # SNDlib scaled this matrix to 3 Tb/s in all: the values are Mb/s
    assert topo.demands["gbps"].sum() == pytest.approx(3000.0, rel=1e-6)
    row = raw["graph"]["demands"][5]
    first_dst, first_value = next(iter(row.items()))
    expected = {"src": names[5], "dst": names[first_dst], "gbps": first_value / 1000}
    assert expected in spec["demands"]
    assert any("great-circle" in n for n in spec["notes"])
    assert any("Mb/s" in n for n in spec["notes"])


def test_sndlib_polska_demands_with_prefix():
    spec, topo = _topology("topohub:sndlib/polska")
    assert (topo.n_sites, topo.n_links) == (12, 18)
    assert len(spec["demands"]) == 66
    assert spec["demands"][0] == {"src": "Gdansk", "dst": "Bydgoszcz", "gbps": 0.195}
    assert (topo.sites.at["Gdansk", "lon"], topo.sites.at["Gdansk", "lat"]) == (18.6, 54.2)


def test_backbone_world_has_unique_names():
    spec, topo = _topology("backbone/world")
    assert (topo.n_sites, topo.n_links) == (3815, 5189)
    assert len(set(topo.site_names)) == topo.n_sites
    assert topo.sites["lon"].notna().all()
    assert any("made unique" in n for n in spec["notes"])
    assert not topo.demands.size


def test_topozoo_abilene():
    _, topo = _topology("topozoo/Abilene")
    assert (topo.n_sites, topo.n_links) == (11, 14)
    assert "New York" in topo.site_names
    assert topo.links["length_km"].notna().all()


@pytest.mark.parametrize("network", ["atlanta", "india35"])
def test_pixel_sndlib_network_has_no_locations_or_lengths(network):
    spec, topo = _topology(f"sndlib/{network}")
    assert topo.sites["lon"].isna().all()
    assert topo.links["length_km"].isna().all()
    assert all("xy" in s["meta"] for s in spec["sites"])
    assert spec["demands"]
    assert any("pixel" in n for n in spec["notes"])


def test_gabriel_graph_is_planar():
    spec, topo = _topology("gabriel/25/0")
    assert topo.sites["lon"].isna().all()
    assert "planar_dist" in spec["links"][0]["meta"]


def test_unknown_key_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="did you mean 'sndlib/abilene'"):
        read_topohub("sndlib/abilen")
    with pytest.raises(UnknownNameError, match="did you mean 'topozoo/Abilene'"):
        read_topohub("topohub:topozoo/abilene")


def test_keys_come_from_the_package_data():
    keys = topohub_keys()
    assert {"sndlib/abilene", "backbone/world", "topozoo/Abilene"} <= set(keys)
    assert len(keys) > 500


def test_missing_topohub_is_a_format_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "topohub", None)  # import fails
    topohub_keys.cache_clear()
    try:
        with pytest.raises(FormatError, match="topohub is not installed .infranet depends on "
                                              "it.; pip install topohub"):
            read_topohub("sndlib/abilene")
    finally:
        topohub_keys.cache_clear()


def test_infranet_read_topohub_key():
    import infranet.io

    topo = infranet.io.read("topohub:sndlib/abilene")
    assert topo.n_sites == 12


@pytest.mark.slow
def test_every_topohub_topology_converts_and_validates():
    failures = []
    for key in topohub_keys():
        try:
            Topology.from_dict(read_topohub(key), source=f"topohub:{key}")
        except Exception as err:  # collect them all, to report every failing key at once
            failures.append(f"{key}: {err}")
    assert not failures, "\n".join(failures[:20])


def test_zero_distances_are_left_to_the_model():
    spec, topo = _topology("topozoo/Aarnet")  # co-located Sydney1/Sydney2 have dist 0.0
    assert all(link.get("length_km", 1) > 0 for link in spec["links"])
    assert any("length 0" in n for n in spec["notes"])
    assert topo.links["length_km"].notna().all()
