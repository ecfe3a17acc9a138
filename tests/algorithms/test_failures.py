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




def test_a_random_draw_keeps_the_order_drawn_and_a_larger_one_starts_with_it():
    topo = mesh()
    for order in (1, 2, 3):
        few = [f.name for f in failure_sets(topo, order=order, random=3, seed=5)]
        more = [f.name for f in failure_sets(topo, order=order, random=5, seed=5)]
        assert more[:3] == few
    drawn = [f.name for f in failure_sets(topo, order=2, random=8, seed=5)]
    assert drawn != sorted(drawn)  # drawn, not re-sorted (10 pairs: 8 of them in lexical order
    # would be a 1-in-40,320 coincidence for this seed)


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True, [1]])
def test_a_bad_seed_is_one_line(seed):
    with pytest.raises(ValidationError, match="seed: expected a whole number >= 0"):
        failure_sets(mesh(), random=2, seed=seed)


def test_an_unknown_member_is_suggested_among_its_kind():
    topo = mesh()
    with pytest.raises(UnknownNameError, match=r"unknown site 'x' in 'site:x'$"):
        failure_set(topo, "site:x")  # no link name offered for a site
    with pytest.raises(UnknownNameError, match="did you mean 'site:b'"):
        failure_set(topo, "site:bb")
    with pytest.raises(UnknownNameError, match="group 'd2'.*did you mean 'srlg:d1'"):
        failure_set(topo, "srlg:d2")
    with pytest.raises(UnknownNameError, match="unknown link 'a--bb'.*did you mean 'a--b'"):
        failure_set(topo, "a--bb")


def test_an_rtt_increase_is_described_to_10_microseconds():
    """Latencies are shown to 10 µs (2 decimals of ms) everywhere."""
    topo = mesh()  # 10 km links of SMF: 0.049 ms one way each
    effects = failure_effects(topo, failure_sets(topo, srlgs=False))
    worst = next(f for f in effects if f.effect == "rtt_increase")
    text = worst.describe()
    assert f"+{worst.rtt_increase_ms:.2f} ms" in text
    assert f"{worst.rtt_increase_ms:.3f}" not in text or worst.rtt_increase_ms * 100 % 1 == 0
