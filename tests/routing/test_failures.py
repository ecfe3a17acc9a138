"""Routing under single-link and shared-risk failures, with and without re-optimisation."""

from __future__ import annotations

import numpy as np
import pytest

from infranet.routing import route, under_failures
from infranet.routing.failures import static_after_failure
from infranet.traffic import TrafficMatrix, all_to_all

ALL = ("spf", "ecmp", "ksp", "cspf", "path-lp", "mcf", "vlb", "fptas", "pop", "igp-wo")


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
