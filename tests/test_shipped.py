"""Every shipped topology loads cleanly, has real geography, and answers the main questions."""

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import infranet
from infranet.algorithms.latency import latency_matrix
from infranet.studies.compare import summarise

TOPOLOGIES = Path(__file__).resolve().parents[1] / "topologies"


def test_loads_without_warnings(shipped):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        topo = infranet.read(shipped.file)
    assert topo.source and topo.description


def test_real_geography(shipped):
    sites = shipped.sites
    assert sites["lon"].between(-180, 180).all() and sites["lat"].between(-90, 90).all()
    assert (shipped.links["length_source"] != "unknown").all()
    assert (shipped.links["capacity_gbps"] > 0).all()


def test_connected_and_comparable(shipped):
    if shipped.n_sites < 2:
        pytest.skip("a single-site cluster topology: nothing to compare")
    d = latency_matrix(shipped).to_numpy()
    assert np.isfinite(d).all()
    summary = summarise(shipped)
    assert summary.max_rtt_ms is not None and summary.min_cut_gbps > 0
    assert math.isfinite(summary.fiber_km)


def test_vdc_designs_differ_as_designed():
    ring, mesh, hub = (infranet.read(TOPOLOGIES / f"texas-{d}.yaml")
                       for d in ("ring", "mesh", "hub"))
    r, m, h = (summarise(t) for t in (ring, mesh, hub))
    assert r.survives_any_single_cut and m.survives_any_single_cut
    assert not h.survives_any_single_cut
    assert m.max_rtt_ms < r.max_rtt_ms
    assert h.fiber_km < r.fiber_km < m.fiber_km
    # campuses 100-400 km apart, as a virtual datacenter is meant to be
    from infranet.physics import geodesic_km

    dcs = ring.sites.loc[list(ring.datacenters)]
    far = [float(geodesic_km(a.lon, a.lat, b.lon, b.lat))
           for i, a in enumerate(dcs.itertuples()) for b in list(dcs.itertuples())[i + 1:]]
    assert min(far) >= 100 and max(far) <= 420


def test_datacenter_clusters_have_fabrics(shipped):
    clusters = [c for name in shipped.datacenters for c in shipped.site(name).get("clusters", ())]
    for cluster in clusters:
        assert cluster.get("scale_up") or cluster.get("scale_out"), cluster["name"]


def test_datacenter_fabrics_have_closed_forms_and_power(shipped):
    """Every shipped cluster's fabric has a closed-form bisection and diameter, and a power that
    is known or says why not; its site holds it."""
    from infranet.fabrics.power import site_power
    from infranet.fabrics.spec import summary

    catalogue = shipped.accelerators()
    for name in shipped.datacenters:
        for cluster in shipped.site(name).get("clusters", ()):
            closed = summary(cluster, catalogue)
            assert closed.bisection_gbps and closed.bisection_gbps > 0, cluster["name"]
            assert closed.diameter_hops and closed.diameter_us, cluster["name"]
        power = site_power(shipped, name)
        assert not power.over_budget, name
        for part in power.clusters:
            assert part.complete or "no published system power" in part.notes[0]
