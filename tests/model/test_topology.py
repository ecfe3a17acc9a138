import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet import physics
from infranet.errors import UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.model.schema import check, reference_markdown
from infranet.testing import topology_specs

EXAMPLE = {
    "name": "example-vdc",
    "defaults": {"route_factor": 1.3, "medium": "smf"},
    "sites": [
        {"name": "ashburn", "kind": "datacenter", "location": [-77.49, 39.04], "power_mw": 300},
        {"name": "columbus", "kind": "datacenter", "location": [-82.80, 40.08]},
    ],
    "links": [
        {"a": "ashburn", "b": "columbus", "capacity": "12.8 Tb/s"},
        {"a": "ashburn", "b": "columbus", "length_km": 640, "medium": "hollow_core",
         "capacity": "3.2 Tb/s", "srlg": ["i70"]},
    ],
}


def test_issue_example_loads():
    topo = Topology.from_dict(EXAMPLE)
    links = topo.links
    assert list(links["name"]) == ["ashburn--columbus", "ashburn--columbus#2"]
    assert list(links["capacity_gbps"]) == [12800.0, 3200.0]
    assert list(links["length_source"]) == ["great_circle", "explicit"]
    gc = float(physics.geodesic_km(-77.49, 39.04, -82.80, 40.08))
    assert links.loc[0, "length_km"] == pytest.approx(gc * 1.3, rel=1e-12)
    assert topo.datacenters == ("ashburn", "columbus")


def test_length_precedence_explicit_route_great_circle():
    route = [[-77.49, 39.04], [-80.0, 40.44], [-82.80, 40.08]]
    spec = dict(EXAMPLE, links=[
        {"a": "ashburn", "b": "columbus", "length_km": 700, "route": route},
        {"a": "ashburn", "b": "columbus", "route": route},
        {"a": "ashburn", "b": "columbus", "route_factor": 1.12},
    ])
    links = Topology.from_dict(spec).links
    assert links.loc[0, "length_km"] == 700
    assert links.loc[1, "length_km"] == pytest.approx(physics.path_length_km(route))
    assert links.loc[1, "length_source"] == "route"
    assert links.loc[2, "length_km"] == pytest.approx(
        1.12 * float(physics.geodesic_km(-77.49, 39.04, -82.80, 40.08)))


def test_geodesic_matches_the_ellipsoid():
    # WGS84: one degree of longitude on the equator is a*pi/180 = 111.319491 km; a quarter
    # meridian is 10,001.965729 km (Karney 2013), which pyproj's geodesic solves to nanometres.
    assert float(physics.geodesic_km(0, 0, 1, 0)) == pytest.approx(111.319491, abs=1e-6)
    assert float(physics.geodesic_km(0, 0, 0, 90)) == pytest.approx(10001.965729, abs=1e-6)


@pytest.mark.parametrize(("medium", "us_per_km"), [
    ("smf", 4.8974), ("ull", 4.8767), ("hollow_core", 3.35), ("microwave", 3.3367)])
def test_latency_breakdown(medium, us_per_km):
    topo = Topology.from_dict({
        "name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        "links": [{"a": "x", "b": "y", "length_km": 400, "medium": medium,
                   "extra_latency_ms": 0.1}]})
    row = topo.links.iloc[0]
    assert row["propagation_ms"] == pytest.approx(400 * us_per_km / 1000)
    amplified = medium != "microwave"
    # 400 km with a site every 80 km: 4 in-line amplifiers between the two terminals
    assert row["amplifiers"] == (4 if amplified else 0)
    assert row["amplifier_ms"] == pytest.approx(4 * 0.0001 if amplified else 0)
    assert row["terminal_ms"] == physics.TERMINAL_LATENCY_MS
    assert row["latency_ms"] == pytest.approx(
        row["propagation_ms"] + row["amplifier_ms"] + row["terminal_ms"] + 0.1)


def test_explicit_latency_wins_and_is_recorded():
    topo = Topology.from_dict({
        "name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        "links": [{"a": "x", "b": "y", "length_km": 400, "latency_ms": "2.5 ms"}]})
    row = topo.links.iloc[0]
    assert row["latency_ms"] == 2.5
    assert row["latency_source"] == "explicit"


def test_defaults_apply_and_links_override():
    topo = Topology.from_dict({
        "name": "t", "defaults": {"capacity": "400G", "terminal_latency_ms": "100 us",
                                  "amplifier_spacing_km": 100},
        "sites": [{"name": "x"}, {"name": "y"}],
        "links": [{"a": "x", "b": "y", "length_km": 250},
                  {"a": "x", "b": "y", "length_km": 250, "capacity": 800,
                   "terminal_latency_ms": 0}]})
    links = topo.links
    assert list(links["capacity_gbps"]) == [400.0, 800.0]
    assert list(links["terminal_ms"]) == [0.1, 0.0]
    assert list(links["amplifiers"]) == [2, 2]


def test_asymmetric_capacity():
    topo = Topology.from_dict({
        "name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        "links": [{"a": "x", "b": "y", "length_km": 1, "capacity": 10, "capacity_ba": 4}]})
    compiled = topo.compile()
    assert compiled.capacity_gbps.tolist() == [10.0, 4.0]
    assert compiled.tail.tolist() == [0, 1]


def test_unknown_length_is_nan_not_an_error():
    topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
                               "links": [{"a": "x", "b": "y"}]})
    assert math.isnan(topo.links.loc[0, "length_km"])
    assert topo.links.loc[0, "length_source"] == "unknown"


def test_clusters_validated_and_counted():
    spec = dict(EXAMPLE)
    spec["sites"] = [dict(EXAMPLE["sites"][0], clusters=[
        {"accelerator": "GB200", "count": 72000}, {"accelerator": "H100", "count": 1024}])]
    spec["links"] = []
    topo = Topology.from_dict(spec)
    assert topo.sites.loc["ashburn", "accelerators"] == 73024
    assert list(topo.clusters["name"]) == ["ashburn-c1", "ashburn-c2"]
    bad = dict(spec, sites=[dict(EXAMPLE["sites"][0], clusters=[{"accelerator": "H1OO",
                                                                  "count": 8}])])
    with pytest.raises(UnknownNameError, match="did you mean 'H100'"):
        Topology.from_dict(bad)


def test_check_lists_every_problem_with_file_element_field():
    raw = {"name": "t",
           "sites": [{"name": "a", "locaton": [1, 2]}, {"name": "a"},
                     {"name": "b", "location": [139.7, 35.6, 1]}],
           "links": [{"a": "a", "b": "c", "capacity": -3}, {"a": "a", "b": "b", "capcity": 1}]}
    problems = [str(p) for p in check(raw, file="f.yaml")]
    assert problems == [
        "f.yaml: site 'a': locaton: unknown key (did you mean 'location'?); allowed: name, kind, "
        "location, power_mw, pue, population, clusters, description, meta",
        "f.yaml: site 'a': name: duplicate site name (also sites[0]); site names must be unique",
        "f.yaml: site 'b': location: expected [lon, lat] in degrees, got [139.7, 35.6, 1]",
        "f.yaml: links[0] (a--c): capacity: must be > 0 Gb/s, got -3",
        "f.yaml: links[0] (a--c): b: unknown site 'c'",
        "f.yaml: links[1] (a--b): capcity: unknown key (did you mean 'capacity'?); allowed: a, b, "
        "name, kind, capacity, capacity_ba, length_km, route, route_factor, medium, fiber_pairs, "
        "srlg, cost, latency_ms, terminal_latency_ms, amplifier_spacing_km, "
        "amplifier_latency_ms, extra_latency_ms, description, meta",
    ]


def test_swapped_coordinates_hint():
    with pytest.raises(ValidationError, match=r"is it \[lat, lon\]"):
        Topology.from_dict({"name": "t", "sites": [{"name": "tokyo",
                                                     "location": [35.68, 139.69]}]})


def test_to_networkx_multigraph_keeps_parallel_links():
    g = Topology.from_dict(EXAMPLE).to_networkx()
    assert isinstance(g, nx.MultiGraph)
    assert g.number_of_edges("ashburn", "columbus") == 2
    assert set(g["ashburn"]["columbus"]) == {"ashburn--columbus", "ashburn--columbus#2"}
    d = Topology.from_dict(EXAMPLE).to_networkx(directed=True)
    assert d.number_of_edges() == 4


def test_geodataframes():
    sites, links = Topology.from_dict(EXAMPLE).to_geodataframes()
    assert sites.crs.to_epsg() == 4326 and links.crs.to_epsg() == 4326
    assert sites.geometry.iloc[0].x == -77.49
    assert links.geometry.iloc[0].geom_type == "LineString"


def test_compiled_arrays_are_read_only():
    compiled = Topology.from_dict(EXAMPLE).compile()
    with pytest.raises(ValueError):
        compiled.capacity_gbps[0] = 1.0


def test_reference_table_covers_every_key():
    text = reference_markdown()
    for key in ("route_factor", "capacity_ba", "srlg", "power_mw", "accelerator"):
        assert f"`{key}`" in text


# --- what-if edits never change the original -------------------------------------------------

def specs():
    return topology_specs(max_sites=7, min_links=1, max_links=12, located="all",
                          routes=False, names=st.text(alphabet="abcdefgh", min_size=1,
                                                      max_size=3))


@settings(max_examples=60, deadline=None)
@given(specs(), st.data())
def test_what_if_edits_never_change_the_original(spec, data):
    topo = Topology.from_dict(spec)
    before = topo.to_dict()
    links_before = topo.links
    link = data.draw(st.sampled_from(topo.link_names))
    site = data.draw(st.sampled_from(topo.site_names))
    edited = [
        topo.without_links(link),
        topo.without_sites(site),
        topo.with_link_changes(link, capacity=1.0),
        topo.with_defaults(route_factor=1.5),
        topo.with_sites({"name": "new", "location": [0, 0]}),
    ]
    if topo.srlgs():
        edited.append(topo.without_srlg(next(iter(topo.srlgs()))))
    assert topo.to_dict() == before
    assert topo.links.equals(links_before)
    assert edited[0].n_links == topo.n_links - 1
    assert site not in edited[1].site_names
    assert edited[2].links.set_index("name").loc[link, "capacity_gbps"] == 1.0


def test_what_if_unknown_names_suggest():
    topo = Topology.from_dict(EXAMPLE)
    with pytest.raises(UnknownNameError, match="did you mean 'ashburn--columbus'"):
        topo.without_links("ashburn--columbos")
    with pytest.raises(UnknownNameError, match="did you mean 'i70'"):
        topo.without_srlg("i71")


def test_dataframes_are_copies():
    topo = Topology.from_dict(EXAMPLE)
    links = topo.links
    links.loc[0, "capacity_gbps"] = -1
    assert topo.links.loc[0, "capacity_gbps"] == 12800.0
    assert np.isfinite(topo.links["latency_ms"]).all()
