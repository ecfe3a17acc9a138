"""Routing under single-link and shared-risk failures, with and without re-optimisation."""

from __future__ import annotations

import numpy as np
import pytest

from infranet.algorithms.failures import failure_sets
from infranet.model import Topology
from infranet.results import check_result
from infranet.routing import algorithms, route, under_failures
from infranet.routing.failures import static_after_failure
from infranet.routing.metrics import mlu
from infranet.traffic import TrafficMatrix, all_to_all, uniform

ALL = sorted(algorithms())
#: algorithms whose routing is unique, so that masking and rebuilding give the same loads
UNIQUE = {"spf", "ecmp", "ksp", "cspf", "vlb"}
#: algorithms whose MLU is an LP optimum, the same either way
OPTIMAL = {"mcf", "path-lp"}


def test_the_named_algorithms_are_registered():
    """UNIQUE and OPTIMAL name algorithms of the registry: a renamed one fails here rather
    than silently leaving the checks below."""
    assert UNIQUE.issubset(ALL) and OPTIMAL.issubset(ALL)


@pytest.mark.parametrize("name", ALL)
def test_a_ring_loses_nothing_under_single_cuts_when_reoptimised(name, build, algo_options):
    topo = build.ring(5)
    tm = all_to_all(topo, 5.0)
    study = under_failures(topo, tm, algorithm=name, **algo_options(name, topo))
    assert len(study.table) == topo.n_links
    assert study.max_lost_gbps == 0.0
    assert (study.table["mlu"] > 0).all()
    assert study.worst_mlu >= study.baseline_mlu * (1 - 1e-9)
    assert study.mean_mlu <= study.worst_mlu


@pytest.mark.parametrize("name", ALL)
def test_a_hub_loses_the_demands_of_a_cut_spoke(name, build, algo_options):
    topo = build.hub(4)
    tm = all_to_all(topo, 2.0)
    opts = algo_options(name, topo)
    for reoptimise in (True, False):
        study = under_failures(topo, tm, algorithm=name, reoptimise=reoptimise, **opts)
        # a spoke sends to and receives from the 4 other sites: 8 demands of 2 Gb/s
        assert study.table["lost_gbps"].tolist() == pytest.approx([16.0] * 4)
        assert study.table["lost_fraction"].tolist() == pytest.approx([16.0 / 40.0] * 4)


def test_static_failure_drops_paths_and_renormalises(build):
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, [[0, 4, 8, 0], [0] * 4, [0] * 4, [0] * 4])
    routing = route(topo, tm, algorithm="ecmp")
    # r0 -> r1 has one path (over r0--r1): lost; r0 -> r2 had two, keeps the one via r3
    value, lost = static_after_failure(routing, topo, ("r0--r1",))
    assert lost == 4.0
    assert value == pytest.approx(8.0 / 100.0)
    study = under_failures(topo, tm, algorithm="ecmp", reoptimise=False)
    row = study.table.set_index("failure").loc["r0--r1"]
    assert row["lost_gbps"] == 4.0 and row["mlu"] == pytest.approx(0.08)
    # with re-optimisation r0 -> r1 goes the long way round
    again = under_failures(topo, tm, algorithm="ecmp").table.set_index("failure")
    assert again.loc["r0--r1", "lost_gbps"] == 0.0
    assert again.loc["r0--r1", "mlu"] == pytest.approx(12.0 / 100.0)


def test_shared_risk_groups_fail_together(build, algo_options):
    topo = build.mesh()
    tm = all_to_all(topo, 3.0)
    study = under_failures(topo, tm, algorithm="mcf")
    groups = study.table[study.table["kind"] == "srlg"]
    assert groups["failure"].tolist() == ["srlg:duct-1"]
    assert set(groups["links"].iloc[0]) == {"a--b", "b--c"}
    assert study.max_lost_gbps == 0.0  # the mesh is 2-connected even without the duct
    # keeping the old paths loses demand that re-optimising carries
    static = under_failures(topo, tm, algorithm="mcf", reoptimise=False)
    assert (static.table["lost_gbps"] > 0).any()
    out = study.to_dict()
    assert out["worst_failure"] in set(study.table["failure"])
    assert np.isfinite(out["worst_mlu"]) and len(out["failures"]) == topo.n_links + 1


def test_failures_on_geant(geant):
    topo, tm, _ = geant
    study = under_failures(topo, tm, algorithm="ecmp", reoptimise=False)
    assert len(study.table) == topo.n_links
    assert study.worst_mlu >= study.baseline_mlu


@pytest.mark.parametrize("name", ALL)
def test_masked_routing_equals_routing_the_cut_topology(name, algo_options):
    topo = Topology.from_dict({"name": "g", "sites": [{"name": f"n{i}"} for i in range(6)],
                               "links": [{"a": f"n{a}", "b": f"n{b}", "capacity": 100,
                                          "length_km": 10 * (a + b + 1)}
                                         for a, b in ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5),
                                                      (5, 0), (0, 3), (1, 4))]})
    tm = uniform(topo, 300.0, seed=1)
    options = algo_options(name, topo)
    for failure in failure_sets(topo, order=2, random=3, seed=2):
        masked = route(topo, tm, algorithm=name, failure=failure, **options)
        cut = topo.without_links(*failure.links)
        rebuilt = route(cut, tm, algorithm=name, **options)
        kept = np.flatnonzero(failure.usable)
        assert (masked.arc_load_gbps[failure.arc_mask] == 0).all()
        assert masked.lost_gbps == pytest.approx(rebuilt.lost_gbps)
        assert masked.options["failure"] == failure.name
        if name in UNIQUE:
            np.testing.assert_allclose(masked.arc_load_gbps[kept], rebuilt.arc_load_gbps,
                                       rtol=1e-9, atol=1e-9)
        if name in OPTIMAL:
            assert mlu(masked, topo) == pytest.approx(mlu(rebuilt, cut), rel=1e-6)
        # the splits stay on the arcs that survive
        assert not failure.arc_mask[masked.splits.arcs].any()


def test_a_plug_in_without_masks_is_routed_on_the_cut_topology(build):
    from infranet.routing import Routing

    def plain(topology, tm, *, k=1):
        from infranet.algorithms.candidates import shortest_paths

        paths = shortest_paths(topology, tm, k)
        names = topology.site_names
        table = {(names[paths.src[p]], names[paths.dst[p]]): [(paths.path_arcs(p), 1.0)]
                 for p in range(len(paths))}
        return Routing.from_paths(topology, tm, table, algorithm="plain")

    from infranet.routing import base

    base.register("plain-test")(plain)
    try:
        topo = build.ring(4)
        tm = TrafficMatrix(topo.site_names, [[0, 4, 0, 0], [0] * 4, [0] * 4, [0] * 4])
        failure = failure_sets(topo)[0]  # r0--r1: r0 -> r1 goes the long way
        routing = route(topo, tm, algorithm="plain-test", failure=failure)
        assert routing.options["failure"] == "r0--r1"
        assert routing.arc_load_gbps[failure.arc_mask].sum() == 0
        assert routing.arc_load_gbps.sum() == pytest.approx(12.0)
        assert not failure.arc_mask[routing.splits.arcs].any()
    finally:
        base._REGISTRY.pop("plain-test")


def test_failure_options_and_sites(build):
    topo = build.ring(5)
    tm = all_to_all(topo, 5.0)
    study = under_failures(topo, tm, algorithm="ecmp", links=False, srlgs=False, sites=True)
    assert study.table["failure"].tolist() == [f"site:r{i}" for i in range(5)]
    # a site's 8 demands (4 out, 4 in, 5 Gb/s each) are lost with it
    assert study.table["lost_gbps"].tolist() == pytest.approx([40.0] * 5)
    pairs = under_failures(topo, tm, algorithm="ecmp", order=2, random=4, seed=3)
    assert len(pairs.table) == 4 and set(pairs.table["kind"]) == {"pair"}
    out = check_result(study, headline=("worst_mlu", "mean_mlu", "max_lost_gbps"))
    assert out["binding"]["kind"] == "site"
