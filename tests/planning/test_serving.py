"""Inference placement on a topology, re-checked by code that shares nothing with it but the
replica model's figures: RTTs from networkx, capacities from the topology's own clusters."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.cli import main
from infranet.errors import InfeasibleError, UnknownNameError
from infranet.io import read
from infranet.model import Topology
from infranet.model.regions import Regions
from infranet.planning.serving import place_inference, service_demand
from infranet.results import check_result
from infranet.workloads.service import read_service, service_from_mapping

ROOT = Path(__file__).parents[2]
BACKBONE = ROOT / "topologies" / "us-backbone.yaml"
SERVICE = ROOT / "examples" / "service-llama3-70b.yaml"


def _fiber_rtt_ms(topology: Topology, a: str, b: str) -> float:
    """RTT along the lowest-latency fiber path, by networkx over the link latencies."""
    from infranet.algorithms.latency import link_latency

    g = nx.Graph()
    table = link_latency(topology)
    for _, row in table.iterrows():
        w = float(row["latency_ms"])
        if g.has_edge(row["a"], row["b"]):
            w = min(w, g[row["a"]][row["b"]]["w"])
        g.add_edge(row["a"], row["b"], w=w)
    return 2.0 * nx.shortest_path_length(g, a, b, weight="w")


def _recheck(topology: Topology, service, plan) -> None:
    """Every constraint of a placement, recomputed."""
    from infranet.model.schema import available

    data = plan.to_dict()
    k = service.network_rtts
    free = {}
    for site in topology.datacenters:
        for c in topology.site(site).get("clusters") or ():
            free[site] = free.get(site, 0) + available(c)
    for site, n in data["sites"].items():
        assert 0 < n <= free[site], site
        op = data["operating"][site]
        assert n % op["tensor_parallel"] == 0
    capacity = {s: data["replicas"][s] * data["operating"][s]["requests_per_replica"]
                for s in data["sites"]}
    load = dict.fromkeys(capacity, 0.0)
    for name, r in data["regions"].items():
        site = r["site"]
        load[site] += r["demand_rps"]
        if r["basis"] == "fiber":
            assert r["rtt_ms"] == pytest.approx(_fiber_rtt_ms(topology, name, site), rel=1e-9)
        op = data["operating"][site]
        assert r["rtt_ms"] <= op["operating_rtt_ms"] + 1e-9 or \
            k * r["rtt_ms"] + op["queue_ms"] + op["prefill_ms"] <= service.ttft_p99_ms + 1e-6
        ttft = k * r["rtt_ms"] + r["queue_ms"] + r["prefill_ms"] + r["kv_transfer_ms"]
        assert ttft == pytest.approx(r["ttft_ms"], rel=1e-9)
        assert ttft <= service.ttft_p99_ms + 1e-6, name
        assert r["tpot_ms"] <= service.tpot_p99_ms + 1e-9, name
    for site in capacity:
        assert load[site] <= capacity[site] * (1 + 1e-6) + 1e-9, site
    if plan.survive_site_loss:
        for lost in capacity:  # every region still served, within capacity and SLO
            extra = dict.fromkeys(capacity, 0.0)
            for name, r in data["regions"].items():
                if r["site"] == lost:
                    assert r["backup"] not in (None, lost), name
                    extra[r["backup"]] += r["demand_rps"]
                    b = data["operating"][r["backup"]]
                    ttft = k * r["backup_rtt_ms"] + b["queue_ms"] + b["prefill_ms"]
                    assert ttft <= service.ttft_p99_ms + 1e-6, (name, lost)
            for site in capacity:
                if site != lost:
                    assert load[site] + extra[site] <= capacity[site] * (1 + 1e-6) + 1e-9


@pytest.fixture(scope="module")
def backbone():
    return read(BACKBONE)


@pytest.mark.parametrize("n1", [False, True])
def test_the_shipped_service_on_the_backbone(backbone, n1):
    service = read_service(SERVICE)
    plan = place_inference(backbone, service, survive_site_loss=n1)
    check_result(plan)
    _recheck(backbone, service, plan)
    data = plan.to_dict()
    assert data["status"] == "optimal"
    assert set(data["regions"]) == set(service_demand(service, backbone)[1])
    assert sum(r["demand_rps"] for r in data["regions"].values()) == pytest.approx(400.0)
    if n1:
        assert len(data["sites"]) >= 2 and data["reserve"]


def test_n1_costs_more_than_one_site(backbone):
    service = read_service(SERVICE)
    alone = place_inference(backbone, service, survive_site_loss=False)
    safe = place_inference(backbone, service, survive_site_loss=True)
    assert safe.total_accelerators > alone.total_accelerators


def _small(rtt_ms_scale: float = 1.0) -> Topology:
    """Three campuses on a line and two metros; illustrative H100 clusters."""
    def dc(name, lon, count):
        return {"name": name, "kind": "datacenter", "location": [lon, 35.0],
                "clusters": [{"name": "c", "accelerator": "H100", "count": count}]}
    sites = [dc("west", -118.0, 512), dc("mid", -97.0, 256), dc("east", -77.0, 512),
             {"name": "la", "kind": "region", "location": [-118.2, 34.0], "population": 13e6},
             {"name": "ny", "kind": "region", "location": [-74.0, 40.7], "population": 20e6}]
    links = [{"a": "west", "b": "mid"}, {"a": "mid", "b": "east"},
             {"a": "la", "b": "west"}, {"a": "ny", "b": "east"}]
    return Topology.from_dict({"name": "line", "sites": sites, "links": links})


def _service(ttft_ms: float = 2000.0, rate: float = 20.0, **more):
    return service_from_mapping({"model": "llama3-8b", "demand": {
        "total_requests_per_s": rate, "by": "population"}, "prompt_tokens": 1000,
        "output_tokens": 200, "slo": {"ttft_p99": f"{ttft_ms}ms", "tpot_p99": "50ms"},
        **more})


@settings(max_examples=12, deadline=None)
@given(st.floats(min_value=120.0, max_value=1500.0), st.floats(min_value=1.0, max_value=1.5),
       st.booleans())
def test_a_tighter_slo_never_needs_fewer_accelerators(ttft_ms, factor, n1):
    topology = _small()
    tight, loose = _service(ttft_ms), _service(ttft_ms * factor)
    try:
        a = place_inference(topology, tight, survive_site_loss=n1)
    except InfeasibleError:
        return  # nothing to compare: the tight one is impossible
    b = place_inference(topology, loose, survive_site_loss=n1)
    _recheck(topology, tight, a)
    _recheck(topology, loose, b)
    assert a.total_accelerators >= b.total_accelerators


def test_n1_survives_the_loss_of_each_site():
    topology = _small()
    service = _service(800.0, rate=60.0)
    plan = place_inference(topology, service, survive_site_loss=True)
    _recheck(topology, service, plan)
    for name, r in plan.regions.items():
        assert r["backup"] is not None and r["backup"] != r["site"], name


def test_an_slo_below_the_speed_of_light_names_the_region():
    # Honolulu is 4,000 km of great circle from the west coast: 39 ms of RTT in fiber at best
    points = Regions(["honolulu", "la"], [-157.86, -118.2], [21.31, 34.0], [1, 1])
    with pytest.raises(InfeasibleError, match=r"region 'honolulu': no site within its 30 ms "
                                              r"TTFT SLO \(the nearest, west, "):
        place_inference(_small(), _service(30.0), regions=points)


def test_more_demand_than_the_sites_hold():
    with pytest.raises(InfeasibleError, match="requests/s exceed what any site within"):
        place_inference(_small(), _service(2000.0, rate=1e6))


def test_points_for_regions_and_their_basis(backbone):
    points = Regions(["reno", "el-paso"], [-119.81, -106.44], [39.53, 31.76], [1, 1])
    service = replace(read_service(SERVICE), survive_site_loss=False)
    plan = place_inference(backbone, service, regions=points)
    assert {r["basis"] for r in plan.regions.values()} == {"estimate"}
    assert sum(r["demand_rps"] for r in plan.regions.values()) == pytest.approx(400.0)
    named = replace(service, total_requests_per_s=None, regions={"renoo": 3.0})
    with pytest.raises(UnknownNameError, match="did you mean 'reno'"):
        place_inference(backbone, named, regions=points)


def test_cli_json_contract(tmp_path):
    out = CliRunner().invoke(main, ["place", "inference", str(BACKBONE), "--service",
                                    str(SERVICE), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    for key in ("sites", "regions", "total_accelerators", "wan_gbps", "binding"):
        assert key in data
    assert sum(data["sites"].values()) == data["total_accelerators"]
    for r in data["regions"].values():
        assert {"site", "rtt_ms", "ttft_ms", "tpot_ms", "basis"} <= set(r)
    assert set(data["wan_gbps"]) == set(data["sites"])
    bad = tmp_path / "svc.yaml"
    bad.write_text("model: llama3-70b\nregions: {atlantis-metro: 5}\n")
    out = CliRunner().invoke(main, ["place", "inference", str(BACKBONE), "--service", str(bad)])
    assert out.exit_code == 1
    assert "atlantis-metro" in out.output and len(out.output.strip().splitlines()) == 1


@pytest.mark.parametrize("n1", [False, True])
def test_disaggregated_prefill_and_decode(backbone, n1):
    """Prefill and decode on separate replicas: the KV cache's hop to the decoding site is in
    each region's TTFT, and in the WAN of both sites when they differ."""
    from infranet.workloads.inference import request_bytes
    from infranet.workloads.models import load_model

    service = replace(read_service(SERVICE), disaggregate=True)
    plan = place_inference(backbone, service, survive_site_loss=n1)
    check_result(plan)
    data = plan.to_dict()
    assert {s: data["prefill_sites"].get(s, 0) + data["decode_sites"].get(s, 0)
            for s in data["sites"]} == data["sites"]
    kv = request_bytes(service, load_model("llama3-70b"))["kv"] * 8 / 1e9
    kv_out: dict[str, float] = {}
    for name, r in data["regions"].items():
        hop = 0.0 if r["decode_site"] == r["site"] else \
            _fiber_rtt_ms(backbone, r["site"], r["decode_site"]) / 2
        assert r["kv_one_way_ms"] == pytest.approx(hop, abs=1e-6)  # kept to the ns
        assert r["ttft_ms"] <= service.ttft_p99_ms + 1e-6, name
        assert r["ttft_ms"] == pytest.approx(service.network_rtts * r["rtt_ms"] + r["queue_ms"]
                                             + r["prefill_ms"] + r["kv_transfer_ms"])
        if hop:
            kv_out[r["site"]] = kv_out.get(r["site"], 0.0) + r["demand_rps"] * kv
    for site, gbps in kv_out.items():
        assert data["wan"][site]["kv_out_gbps"] == pytest.approx(gbps, rel=1e-9)
    if n1:  # the decode pools too survive a site's loss
        assert plan.decode is not None and plan.decode.survive_site_loss


def test_a_region_far_from_every_measured_place_is_said_to_extrapolate(backbone):
    from infranet.algorithms.estimate import calibrated_reach_km, nearest_hub_km

    points = Regions(["mcmurdo", "chicago"], [166.67, -87.63], [-77.85, 41.88], [1, 1])
    far, near = nearest_hub_km(points.lon, points.lat)
    assert near < calibrated_reach_km() < far
    service = replace(read_service(SERVICE), survive_site_loss=False, ttft_p99_ms=1500.0)
    plan = place_inference(backbone, service, regions=points)
    assert any("'mcmurdo'" in n and "extrapolate" in n for n in plan.notes)
    assert not any("'chicago'" in n and "extrapolate" in n for n in plan.notes)
