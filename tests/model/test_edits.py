"""What-if edits by path, removal without re-validation, and pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.errors import InfranetError, UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.model.edits import apply_changes, parse_path
from infranet.testing import topology_specs

SPEC = {
    "name": "edits",
    "sites": [
        {"name": "abilene", "kind": "datacenter", "location": [-99.73, 32.45], "power_mw": 1200,
         "clusters": [{"name": "stargate-ph1", "accelerator": "GB200", "count": 72 * 100,
                       "dci": "51.2 Tb/s"}]},
        {"name": "temple", "kind": "datacenter", "location": [-97.34, 31.10]},
        {"name": "austin.pop", "kind": "pop", "location": [-97.74, 30.27]},
    ],
    "links": [
        {"a": "abilene", "b": "temple", "capacity": "12.8 Tb/s", "srlg": ["i20"]},
        {"a": "temple", "b": "austin.pop", "capacity": "6.4 Tb/s", "srlg": ["i20"]},
        {"a": "abilene", "b": "austin.pop", "capacity": "3.2 Tb/s"},
    ],
    "demands": [{"src": "abilene", "dst": "temple", "gbps": 100}],
}


@pytest.fixture
def topo() -> Topology:
    return Topology.from_dict(SPEC, source="edits.yaml")


def test_many_edits_at_once(topo):
    new = topo.with_changes({
        "links[abilene--temple].capacity": "25.6 Tb/s",
        "defaults.route_factor": 1.12,
        "sites[*].power_mw": "300 MW",
        "sites[abilene].clusters[stargate-ph1].count": 72 * 200,
        "links[abilene--austin.pop].medium": "hollow_core",
        "demands[0].gbps": "1 Tb/s",
    })
    links = new.links.set_index("name")
    assert links.loc["abilene--temple", "capacity_gbps"] == 25600.0
    assert new.defaults["route_factor"] == 1.12
    assert new.sites["power_mw"].tolist() == [300.0, 300.0, 300.0]
    assert new.clusters.set_index("name").loc["stargate-ph1", "count"] == 14400
    assert links.loc["abilene--austin.pop", "medium"] == "hollow_core"
    assert new.demands["gbps"].tolist() == [1000.0]
    # the original is untouched, and great-circle lengths follow the new route factor
    assert topo.links.set_index("name").loc["abilene--temple", "capacity_gbps"] == 12800.0
    ratio = links["length_km"] / topo.links.set_index("name")["length_km"]
    assert np.allclose(ratio, 1.12 / 1.3)


def test_filters_and_removal(topo):
    new = topo.with_changes({"sites[kind=datacenter].power_mw": 50, "sites[abilene].power_mw":
                             None})
    assert np.isnan(new.sites.loc["abilene", "power_mw"])
    assert new.sites.loc["temple", "power_mw"] == 50.0
    assert np.isnan(new.sites.loc["austin.pop", "power_mw"])


def test_names_with_dots_and_quotes(topo):
    new = topo.with_changes({"sites['austin.pop'].kind": "region"})
    assert new.sites.loc["austin.pop", "kind"] == "region"


@pytest.mark.parametrize(("path", "cls", "message"), [
    ("links[abilene--templ].capacity", UnknownNameError,
     "edits.yaml: path 'links[abilene--templ].capacity': no element of links is named "
     "'abilene--templ' (did you mean 'abilene--temple'?)"),
    ("sites[kind=region].power_mw", UnknownNameError,
     "edits.yaml: path 'sites[kind=region].power_mw': [kind=region] matches nothing in sites"),
    ("demands[3].gbps", UnknownNameError,
     "edits.yaml: path 'demands[3].gbps': demands has 1 elements without names; select one by "
     "position 0..0, or [*]"),
    ("defaults[x].route_factor", UnknownNameError,
     "edits.yaml: path 'defaults[x].route_factor': defaults is not a list here, so it takes no "
     "selector"),
    ("sites[abilene].name", ValidationError,
     "edits.yaml: path 'sites[abilene].name': changing an element's 'name' is not a what-if "
     "edit; write a new file"),
    ("links..capacity", ValidationError,
     "edits.yaml: path 'links..capacity': cannot read it at character 7"),
    ("links[].capacity", ValidationError, "edits.yaml: path 'links[].capacity': empty selector"),
])
def test_paths_that_match_nothing_are_named(topo, path, cls, message):
    with pytest.raises(cls) as caught:
        topo.with_changes({path: 1})
    assert str(caught.value).startswith(message)


def test_invalid_values_are_caught_by_one_validation(topo):
    with pytest.raises(ValidationError, match=r"edits.yaml: link 'abilene--temple': capacity: "
                                              r"must be > 0 Gb/s"):
        topo.with_changes({"links[abilene--temple].capacity": -5})
    with pytest.raises(ValidationError, match=r"defaults: route_factr: unknown key "
                                              r"\(did you mean 'route_factor'\?\)"):
        topo.with_changes({"defaults.route_factr": 1.2})


def test_parse_path_segments():
    assert [(s.key, s.selector) for s in parse_path("a.b[x=y].c[*]")] == [
        ("a", None), ("b", "x=y"), ("c", "*")]
    with pytest.raises(ValidationError):
        parse_path("")
    with pytest.raises(ValidationError):
        parse_path("a.")


def test_apply_changes_works_on_any_spec():
    job = {"parallelism": {"tp": 8, "pp": 4}, "model": "llama3-70b"}
    assert apply_changes(job, {"parallelism.pp": 8, "parallelism.dp": 16}) == [
        "parallelism.pp", "parallelism.dp"]
    assert job["parallelism"] == {"tp": 8, "pp": 8, "dp": 16}


def test_without_links_needs_no_revalidation(topo, monkeypatch):
    from infranet.model import schema

    def refuse(*args, **kwargs):
        raise AssertionError("re-validated")

    monkeypatch.setattr(schema, "normalise", refuse)
    cut = topo.without_links("abilene--temple")
    assert cut.link_names == ("temple--austin.pop", "abilene--austin.pop")
    assert topo.without_srlg("i20").link_names == ("abilene--austin.pop",)
    assert topo.without_sites("temple").link_names == ("abilene--austin.pop",)
    assert topo.without_sites("temple").demands.empty
    with pytest.raises(ValidationError, match="no topology"):
        topo.without_sites(*topo.site_names)


@settings(max_examples=40, deadline=None)
@given(topology_specs(min_links=1), st.data())
def test_removal_equals_a_validated_rebuild(spec, data):
    topo = Topology.from_dict(spec)
    gone = data.draw(st.lists(st.sampled_from(topo.link_names), min_size=1, unique=True))
    cut = topo.without_links(*gone)
    rebuilt = topo.to_dict()
    rebuilt["links"] = [x for x in rebuilt["links"] if x["name"] not in set(gone)]
    expected = Topology.from_dict(rebuilt)
    assert cut == expected
    assert cut.links.equals(expected.links)
    assert topo.n_links == len(spec["links"])  # the original is untouched


def test_pickle_round_trip_with_read_only_arrays(topo):
    compiled = topo.compile()
    back = pickle.loads(pickle.dumps(topo))
    assert back == topo and back.file == "edits.yaml"
    arrays = back.compile()
    for name in ("tail", "head", "arc_link", "capacity_gbps", "latency_ms", "length_km"):
        value = getattr(arrays, name)
        assert not value.flags.writeable, name
        assert np.array_equal(value, getattr(compiled, name), equal_nan=True)
    lone = pickle.loads(pickle.dumps(compiled))
    assert not lone.capacity_gbps.flags.writeable
    with pytest.raises(ValueError):
        lone.capacity_gbps[0] = 1.0


def test_pickle_is_the_spec_not_the_caches(topo):
    topo.compile()
    _ = topo.links
    small = len(pickle.dumps(Topology.from_dict(SPEC, source="edits.yaml")))
    assert len(pickle.dumps(topo)) == small


def test_errors_are_infranet_errors(topo):
    with pytest.raises(InfranetError):
        topo.with_changes(["not", "a", "mapping"])  # type: ignore[arg-type]


def test_renaming_is_refused_with_one_line(topo):
    with pytest.raises(ValidationError, match="changing an element's 'name' is not a what-if"):
        topo.with_site_changes("abilene", name="x")
    with pytest.raises(ValidationError, match="changing an element's 'a' is not a what-if"):
        topo.with_link_changes("abilene--temple", a="austin.pop")


def test_edits_of_an_expanded_topology_keep_or_refuse_its_expansion(topo):
    from infranet.fabrics.expand import expand

    view = expand(topo, level="cluster")
    assert view.n_nodes == topo.n_nodes + 1 and view.n_links == topo.n_links + 1
    assert view.n_spec_links == topo.n_links
    assert repr(view) == ("<Topology 'edits': 3 sites and 1 fabric node (2 datacenters), "
                          "4 links (3 in the file)>")
    # links and defaults do not change the clusters the expansion comes from: kept
    for edited in (view.without_links("abilene--temple"), view.without_srlg("i20"),
                   view.with_changes({"links[abilene--temple].capacity": "1 Tb/s"}),
                   view.with_defaults(route_factor=1.5)):
        assert edited.expanded and "abilene/stargate-ph1" in edited.site_names
    assert view.without_links("abilene--temple").n_links == view.n_links - 1
    # sites and clusters are what it is derived from: refused in one line
    for edit in (lambda: view.with_changes({"sites[abilene].clusters[stargate-ph1].count": 72}),
                 lambda: view.without_sites("temple"),
                 lambda: view.with_site_changes("temple", power_mw=10),
                 lambda: view.with_sites({"name": "new"})):
        with pytest.raises(ValidationError, match="expanded topology would leave its fabric "
                                                  "nodes stale"):
            edit()


def test_available_accelerators_are_at_most_the_count_and_default_to_it():
    from pathlib import Path

    import infranet
    from infranet.model.schema import available

    root = Path(__file__).resolve().parents[2]
    topo = infranet.read(root / "topologies" / "texas-ring.yaml")
    cluster = topo.site("fort-worth")["clusters"][0]
    assert available(cluster) == cluster["count"]
    with pytest.raises(ValidationError, match="available: 60,000 available is more than the "
                                              "48,000 accelerators"):
        topo.with_changes({"sites[fort-worth].clusters[ftw-h100].available": 60000})
    priced = topo.with_changes({"sites[fort-worth].clusters[ftw-h100]"
                                ".cost_per_accelerator_hour": 2.5})
    assert priced.site("fort-worth")["clusters"][0]["cost_per_accelerator_hour"] == 2.5
