"""Failure sets: one enumerator, one naming, arc masks; routing and resilience under them."""

from __future__ import annotations

import pytest

from infranet.algorithms.failures import failure_set, failure_sets
from infranet.algorithms.resilience import failure_effects
from infranet.errors import UnknownNameError, ValidationError
from infranet.model import Topology


def mesh() -> Topology:
    return Topology.from_dict({"name": "m", "sites": [{"name": n, "kind": "datacenter"}
                                                      for n in "abcd"],
                               "links": [{"a": "a", "b": "b", "length_km": 10, "srlg": ["d1"]},
                                         {"a": "b", "b": "c", "length_km": 10, "srlg": ["d1"]},
                                         {"a": "c", "b": "d", "length_km": 10},
                                         {"a": "d", "b": "a", "length_km": 10}]})


def test_names_kinds_and_masks():
    topo = mesh()
    singles = failure_sets(topo, sites=True)
    assert [f.name for f in singles] == ["a--b", "b--c", "c--d", "d--a", "srlg:d1",
                                         "site:a", "site:b", "site:c", "site:d"]
    assert [f.kind for f in singles] == ["link"] * 4 + ["srlg"] + ["site"] * 4
    compiled = topo.compile()
    for f in singles:
        failed_links = {compiled.links[i] for i in compiled.arc_link[f.arc_mask]}
        assert failed_links == set(f.links)
        assert (f.usable == ~f.arc_mask).all()
    site_b = singles[6]
    assert site_b.links == ("a--b", "b--c") and site_b.sites == ("b",)
    with pytest.raises(ValueError):
        site_b.arc_mask[0] = False


def test_pairs_and_random_draws():
    topo = mesh()
    pairs = failure_sets(topo, srlgs=False, order=2)
    assert len(pairs) == 6 and all(f.kind == "pair" for f in pairs)
    assert pairs[0].name == "a--b + b--c" and pairs[0].members == ("a--b", "b--c")
    drawn = failure_sets(topo, order=2, random=4, seed=7)
    assert len(drawn) == 4 and len({f.name for f in drawn}) == 4
    assert [f.name for f in drawn] == [f.name for f in failure_sets(topo, order=2, random=4,
                                                                    seed=7)]
    assert len(failure_sets(topo, order=2, random=100, seed=1)) == 10  # all there are
    with pytest.raises(ValidationError, match="order"):
        failure_sets(topo, order=0)


def test_failure_set_by_name_and_check():
    topo = mesh()
    f = failure_set(topo, "srlg:d1 + site:d")
    assert f.kind == "pair" and set(f.links) == {"a--b", "b--c", "c--d", "d--a"}
    with pytest.raises(UnknownNameError, match="did you mean 'srlg:d1'"):
        failure_set(topo, "srlg:d2")
    other = Topology.from_dict({"name": "o", "sites": [{"name": "x"}, {"name": "y"}],
                                "links": [{"a": "x", "b": "y"}]})
    with pytest.raises(ValidationError, match="another topology"):
        f.check(other)


def test_resilience_names_failures_as_routing_does():
    from infranet.routing import under_failures
    from infranet.traffic import all_to_all

    topo = mesh().with_defaults(capacity=100)
    effects = {e.name: e for e in failure_effects(topo, failure_sets(topo, sites=True))}
    study = under_failures(topo, all_to_all(topo, 1.0), sites=True)
    assert set(effects) == set(study.table["failure"])
    assert effects["srlg:d1"].effect == "disconnection"
    # a failed site is not watched in its own failure: the others stay connected
    assert effects["site:a"].effect != "disconnection"
    assert effects["site:a"].binding.kind == "site"


