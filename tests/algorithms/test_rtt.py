"""RTT with its basis: fiber where a path exists, the estimator elsewhere."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import infranet
from infranet.algorithms.estimate import estimate_rtt_matrix
from infranet.algorithms.latency import latency_matrix, shortest_path
from infranet.algorithms.rtt import BASES, rtt_matrix, site_rtt
from infranet.errors import UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.model.regions import Regions
from infranet.results import check_result
from infranet.testing import topology_specs


def two_islands() -> Topology:
    return Topology.from_dict({"name": "islands", "sites": [
        {"name": "ashburn", "kind": "datacenter", "location": [-77.49, 39.04]},
        {"name": "columbus", "kind": "datacenter", "location": [-82.80, 40.08]},
        {"name": "dallas", "kind": "datacenter", "location": [-96.82, 32.80]},
        {"name": "nowhere", "kind": "pop"}],
        "links": [{"a": "ashburn", "b": "columbus"}]})


def test_fiber_where_a_path_exists_else_the_estimate():
    topo = two_islands()
    m = rtt_matrix(topo, ["ashburn", "columbus"], ["columbus", "dallas"])
    assert m.basis.tolist() == [["fiber", "estimate"], ["fiber", "estimate"]]
    assert m.rtt_ms[0, 0] == pytest.approx(shortest_path(topo, "ashburn", "columbus").rtt_ms)
    assert m.rtt_ms[1, 0] == 0.0
    estimate = estimate_rtt_matrix([-77.49, -82.80], [39.04, 40.08], [-96.82], [32.80])
    np.testing.assert_allclose(m.rtt_ms[:, 1], estimate[:, 0])
    out = check_result(m, headline=("max_rtt_ms", "estimated_pairs", "fiber_pairs"))
    assert out["estimated_pairs"] == 2 and out["basis"][0] == ["fiber", "estimate"]
    assert not m.rtt_ms.flags.writeable and not m.basis.flags.writeable


def test_estimate_everywhere_when_asked_and_for_points():
    topo = two_islands()
    m = rtt_matrix(topo, ["ashburn"], ["columbus"], estimate=True)
    assert m.basis.tolist() == [["estimate"]]
    users = Regions(["nyc", "chicago"], [-73.94, -87.65], [40.73, 41.88], [20, 9])
    m = rtt_matrix(topo, users, ["ashburn", "dallas"])
    assert m.sources == ("nyc", "chicago") and set(m.basis.ravel()) == {"estimate"}
    assert m.rtt_ms.shape == (2, 2) and (m.rtt_ms > 0).all()


def test_site_rtt_gives_both_figures():
    topo = two_islands()
    fiber = site_rtt(topo, "ashburn", "columbus")
    assert fiber.basis == "fiber" and fiber.rtt_ms == fiber.fiber_rtt_ms
    assert fiber.estimate_rtt_ms > fiber.fiber_rtt_ms  # a median above a floor
    est = site_rtt(topo, "ashburn", "columbus", estimate=True)
    assert est.basis == "estimate" and est.rtt_ms == est.estimate_rtt_ms
    assert est.fiber_rtt_ms == fiber.fiber_rtt_ms
    far = check_result(site_rtt(topo, "ashburn", "dallas"),
                       headline=("rtt_ms", "one_way_ms", "basis"))
    assert far["basis"] == "estimate" and far["fiber_rtt_ms"] is None
    assert far["one_way_ms"] == far["rtt_ms"] / 2


def test_unknown_names_and_sites_without_location():
    topo = two_islands()
    with pytest.raises(UnknownNameError, match="dalas"):
        rtt_matrix(topo, ["dalas"], ["ashburn"])
    with pytest.raises(ValidationError, match="site 'nowhere': location: has no location"):
        rtt_matrix(topo, ["nowhere"], ["ashburn"])
    with pytest.raises(ValidationError, match="site 'nowhere': location"):
        site_rtt(topo, "ashburn", "nowhere")


def test_shipped_backbone_fiber_everywhere_and_estimates_above_the_floor():
    topo = infranet.read("topologies/us-backbone.yaml")
    fiber = rtt_matrix(topo, kinds := list(topo.datacenters), kinds)
    assert set(fiber.basis.ravel()) == {"fiber"}
    estimated = rtt_matrix(topo, kinds, kinds, estimate=True)
    off = ~np.eye(len(kinds), dtype=bool)
    # the estimate is a median with equipment and detours; the fiber figure a floor
    assert (estimated.rtt_ms[off] > fiber.rtt_ms[off] * 0.8).all()


@settings(max_examples=30, deadline=None)
@given(topology_specs(located="all", max_sites=5, max_links=5))
def test_basis_is_fiber_exactly_where_a_path_exists(spec):
    topo = Topology.from_dict(spec)
    m = rtt_matrix(topo)
    one_way = latency_matrix(topo).to_numpy()
    reachable = np.isfinite(one_way)
    assert set(m.basis.ravel()) <= set(BASES)
    np.testing.assert_array_equal(m.basis == "fiber", reachable)
    np.testing.assert_allclose(m.rtt_ms[reachable], 2 * one_way[reachable])
    assert np.isfinite(m.rtt_ms).all()
