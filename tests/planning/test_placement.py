"""Training placement: every plan re-checked by independent code (accelerators, power, DCI), the
search against a brute force over every group and split, monotone in what it is given, and
one-line errors for what cannot be met."""

from __future__ import annotations

import copy
import itertools
import math

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import infranet
from infranet.errors import InfeasibleError, InfranetError, UnknownNameError
from infranet.fabrics.power import site_power, site_pue
from infranet.model import Topology
from infranet.model.schema import available
from infranet.planning.placement import OBJECTIVES, place_training
from infranet.results import check_result
from infranet.testing import topology_specs
from infranet.workloads.job import job_from_mapping, read_job
from infranet.workloads.models import load_model
from infranet.workloads.sizing import place_job
from infranet.workloads.training import step

from ..cli.conftest import invoke

MESH = "topologies/texas-mesh.yaml"
HEADLINE = ("step_s", "objective", "accelerators", "tokens_per_s", "mfu", "dci_share",
            "cost_per_step")
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _job(accelerators: int, replicas: int, **more):
    return job_from_mapping({"model": "llama3-8b", "accelerators": accelerators,
                             "parallelism": f"tp=8,dp={replicas}",
                             "global_batch": 2 * replicas, "seq_len": 2048, **more})


def _per_accelerator_w(topology, site, cluster):
    """IT power per accelerator, W: the cluster's share of its site's draw, by site_power."""
    whole = site_power(topology, site, clusters=[cluster]).it_power_kw
    return None if whole is None else whole * 1e3 / int(cluster["count"])


def _cluster(topology, name):
    site, _, cluster = name.partition("/")
    return site, next(c for c in topology.site(site)["clusters"] if c["name"] == cluster)


def _recheck(topology, job, placed):
    """Re-check a placement's claims from the topology, by other code than the placement's."""
    out = check_result(placed, headline=HEADLINE)
    members = out["members"]
    assert sum(m["accelerators"] for m in members) == job.accelerators
    by_site: dict[str, int] = {}
    for m in members:
        _, c = _cluster(topology, f"{m['site']}/{m['cluster']}")
        assert 0 < m["accelerators"] <= available(c)
        by_site[m["site"]] = by_site.get(m["site"], 0) + m["accelerators"]
    assert by_site == out["sites"]
    for site in by_site:
        spec = topology.site(site)
        if spec.get("power_mw") is None:
            continue
        pue = site_pue(spec)[0]
        draw_w = 0.0
        for c in spec["clusters"]:
            w = _per_accelerator_w(topology, site, c)
            if w is None:
                continue
            mine = sum(m["accelerators"] for m in members
                       if m["site"] == site and m["cluster"] == c["name"])
            draw_w += (int(c["count"]) - available(c) + mine) * w
        assert draw_w * pue <= spec["power_mw"] * 1e6 * (1 + 1e-9), (site, draw_w)
    if len(members) == 2 and members[0]["site"] != members[1]["site"]:
        assert out["dci_gbps"] == pytest.approx(_two_site_dci(topology, members), rel=1e-9)
    return out


def _two_site_dci(topology, members):
    """Max-flow between two clusters of different sites by networkx: the fiber between the
    sites, each cluster behind its own DCI capacity."""
    graph = nx.DiGraph()
    for a, b, data in topology.to_networkx().edges(data=True):
        ab = data.get("capacity_gbps") or 0.0
        ba = data.get("capacity_ba_gbps") or ab
        forward = ab if data.get("a", a) == a else ba
        backward = ba if data.get("a", a) == a else ab
        for u, v, cap in ((a, b, forward), (b, a, backward)):
            old = graph.get_edge_data(u, v, {"capacity": 0.0})["capacity"]
            graph.add_edge(u, v, capacity=old + cap)
    ends = []
    for m in members:
        _, c = _cluster(topology, f"{m['site']}/{m['cluster']}")
        node = f"{m['site']}/{m['cluster']}"
        dci = c.get("dci", math.inf)
        graph.add_edge(node, m["site"], capacity=dci)
        graph.add_edge(m["site"], node, capacity=dci)
        ends.append(node)
    return min(nx.maximum_flow_value(graph, ends[0], ends[1]),
               nx.maximum_flow_value(graph, ends[1], ends[0]))


def _within_power(topology, group, counts):
    """Whether each site's busy and placed accelerators stay within its power_mw."""
    placed = {(site, c["name"]): n for (site, c, _), n in zip(group, counts, strict=True)}
    for site in {site for site, _, _ in group}:
        spec = topology.site(site)
        if spec.get("power_mw") is None:
            continue
        draw_w = sum((int(c["count"]) - available(c) + placed.get((site, c["name"]), 0))
                     * (_per_accelerator_w(topology, site, c) or 0.0) for c in spec["clusters"])
        if draw_w * site_pue(spec)[0] > spec["power_mw"] * 1e6 * (1 + 1e-12):
            return False
    return True


def _brute_force(topology, job, max_sites):
    """The least step over every group of clusters and every split of the replicas, each
    member priced by its own scalar call of the step model."""
    record = load_model(job.model)
    degrees = job.degrees()
    unit, replicas = degrees["tp"] * degrees["pp"], degrees["dp"]
    per_replica = job.global_batch // replicas
    clusters = [(site, c, available(c)) for site in topology.datacenters
                for c in topology.site(site).get("clusters") or () if available(c) >= unit]
    best = math.inf
    for k in range(1, max_sites + 1):
        for group in itertools.combinations(clusters, k):
            if len({c["accelerator"] for _, c, _ in group}) > 1:
                continue
            try:
                probe = place_job(topology, accelerators=k,
                                  sites=[f"{s}/{c['name']}" for s, c, _ in group])
            except InfranetError:
                continue  # no fiber joins them
            for cuts in itertools.combinations(range(1, replicas), k - 1):
                split = [b - a for a, b in zip((0, *cuts), (*cuts, replicas), strict=True)]
                if any(d * unit > lim for d, (_, _, lim) in zip(split, group, strict=True)):
                    continue
                if not _within_power(topology, group, [d * unit for d in split]):
                    continue
                worst = 0.0
                for i, d in enumerate(split):
                    one = step(record, group[i][1]["accelerator"], network=probe.networks[i],
                               tp=degrees["tp"], dp=k * d, global_batch=k * d * per_replica,
                               seq_len=job.seq_len, sites=k).at()
                    worst = max(worst, one.step_s if one.valid and one.fits else math.inf)
                best = min(best, worst)
    return best


@pytest.fixture(scope="module")
def mesh():
    return infranet.read(MESH)


def test_shipped_job_spans_the_virtual_datacenter(mesh):
    job = read_job("examples/jobs/texas-vdc-training.yaml")
    placed = place_training(mesh, job)
    out = _recheck(mesh, job, placed)
    assert out["sites"] == {"abilene": 343008, "temple": 71712}  # whole replicas of tp 8 x pp 18
    assert out["binding"]["kind"] == "site" and "414,720" in out["binding"]["summary"]
    assert out["dci_gbps"] == pytest.approx(51200.0)
    alternatives = out["alternatives"]
    assert alternatives and all(a["step_s"] >= out["step_s"] for a in alternatives)
    assert all(a["why"] for a in alternatives)
    assert out["power_mw"]["abilene"] < 1200.0
    # rings of three and four clusters priced as a placed group prices them
    for plan in (out, *alternatives):
        clusters = [f"{m['site']}/{m['cluster']}" for m in plan["members"]] \
            if "members" in plan else list(plan["clusters"])
        ring = place_job(mesh, accelerators=len(clusters), sites=clusters)
        assert plan["dci_gbps"] == pytest.approx(ring.dci_gbps, rel=1e-12)
    assert len(out["members"]) == 3
    ring = place_job(mesh, accelerators=3, sites=[f"{m['site']}/{m['cluster']}"
                                                  for m in out["members"]])
    assert out["dci_one_way_ms"] == pytest.approx(ring.dci_latency_s * 1e3, rel=1e-12)


def test_a_site_power_budget_binds_and_is_named(mesh):
    tight = mesh.with_changes({"sites[abilene].power_mw": 760})
    job = read_job("examples/jobs/texas-vdc-training.yaml")
    placed = place_training(tight, job)
    out = _recheck(tight, job, placed)
    assert out["binding"]["kind"] == "power" and out["binding"]["name"] == "abilene"
    assert out["step_s"] > place_training(mesh, job).step_s  # tighter power, slower
    assert out["power_mw"]["abilene"] <= 760.0


def test_a_single_site_suffices(mesh):
    job = job_from_mapping({"model": "llama3-70b", "accelerators": 8192,
                            "parallelism": "tp=8,pp=8", "global_batch": 1024})
    placed = place_training(mesh, job)
    out = _recheck(mesh, job, placed)
    assert len(out["members"]) == 1 and out["dci_gbps"] is None
    assert out["binding"]["kind"] == "site"
    assert out["binding"]["summary"].startswith("a single site suffices")
    # the same job over fewer sites than any alternative, at no worse a step
    assert all(a["step_s"] >= out["step_s"] * (1 - 1e-9) for a in out["alternatives"])


def _small(spec):
    return Topology.from_dict(spec)


@settings(SETTINGS, max_examples=100)
@given(topology_specs(min_sites=2, max_sites=4, clusters=True, dci=True, min_clusters=2,
                      connected=True, located="all", racks=(1, 1), power_range=(0.05, 1.0),
                      available=True, srlgs=False, capacity_range=(100.0, 1e5)),
       st.sampled_from(range(2, 25)), st.integers(2, 3), st.booleans())
def test_search_equals_brute_force(spec, replicas, max_sites, twin):
    for site in spec["sites"]:  # one accelerator type: more groups to search
        for c in site.get("clusters", ()):
            c["accelerator"] = "H100"
    if twin:  # two clusters sharing one site's power
        site = next(s for s in spec["sites"] if s.get("clusters"))
        site["clusters"].append({**site["clusters"][0], "name": "twin"})
        site["clusters"][0]["name"] = "first"
    topology = _small(spec)
    job = _job(8 * replicas, replicas)
    best = _brute_force(topology, job, max_sites)
    if not math.isfinite(best):
        event("infeasible")
        with pytest.raises(InfeasibleError):
            place_training(topology, job, max_sites=max_sites)
        return
    placed = place_training(topology, job, max_sites=max_sites)
    event(f"{len(placed.members)} cluster(s)" + (", two at one site" if len(
        {m["site"] for m in placed.to_dict()["members"]}) < len(placed.members) else ""))
    assert placed.step_s == pytest.approx(best, rel=1e-9)
    _recheck(topology, job, placed)


@SETTINGS
@given(topology_specs(min_sites=2, max_sites=4, clusters=True, dci=True, min_clusters=2,
                      connected=True, located="all", racks=(1, 2), power_range=(0.05, 1.0),
                      available=True, srlgs=False, capacity_range=(100.0, 1e5)),
       st.integers(2, 24), st.data())
def test_more_available_is_never_slower(spec, replicas, data):
    job = _job(8 * replicas, replicas)
    clusters = [c for s in spec["sites"] for c in s.get("clusters", ())]
    chosen = data.draw(st.sampled_from(clusters))
    assume(chosen.get("available") is not None)
    try:
        before = place_training(_small(spec), job).step_s
    except InfeasibleError:
        before = math.inf
    more = copy.deepcopy(spec)
    for s in more["sites"]:
        for c in s.get("clusters", ()):
            if c == chosen:
                c["available"] = c["count"]
    after = place_training(_small(more), job).step_s if math.isfinite(before) else None
    assert after is None or after <= before * (1 + 1e-9)


@SETTINGS
@given(topology_specs(min_sites=2, max_sites=4, clusters=True, dci=True, min_clusters=2,
                      connected=True, located="all", racks=(1, 2), power_range=(0.05, 1.0),
                      srlgs=False, capacity_range=(100.0, 1e5)),
       st.integers(2, 24), st.floats(0.1, 0.9))
def test_tighter_power_is_never_faster(spec, replicas, factor):
    job = _job(8 * replicas, replicas)
    try:
        before = place_training(_small(spec), job).step_s
    except InfeasibleError:
        return
    tighter = copy.deepcopy(spec)
    for s in tighter["sites"]:
        if s.get("power_mw") is not None:
            s["power_mw"] *= factor
    try:
        after = place_training(_small(tighter), job).step_s
    except InfeasibleError:
        return
    assert after >= before * (1 - 1e-9)


def _priced(prices):
    cluster = {"accelerator": "H100", "count": 64, "dci": 1e4,
               "scale_up": {"kind": "nvswitch", "domain": 8},
               "scale_out": {"kind": "rail_optimized", "nic": 400}}
    return Topology.from_dict({
        "name": "priced",
        "sites": [{"name": n, "kind": "datacenter", "clusters": [
            {**cluster, "name": "c", **({} if p is None else {"cost_per_accelerator_hour": p})}]}
            for n, p in zip("xyz", prices, strict=True)],
        "links": [{"a": "x", "b": "y", "length_km": 100, "capacity": 1e4},
                  {"a": "y", "b": "z", "length_km": 100, "capacity": 1e4}]})


def test_cost_picks_the_cheaper_site_and_prices_per_step():
    topology = _priced([3.0, 2.0, None])
    job = _job(64, 8)
    fast = place_training(topology, job)
    cheap = place_training(topology, job, objective="cost")
    out = check_result(cheap, headline=HEADLINE)
    assert fast.objective == "time" and cheap.objective == "cost"
    assert dict(cheap.sites) == {"y": 64}
    assert out["cost_per_step"] == pytest.approx(out["step_s"] / 3600 * 64 * 2.0)
    assert out["cost_per_hour"] == pytest.approx(128.0)
    assert any("without cost_per_accelerator_hour" in n for n in out["notes"])
    with pytest.raises(InfeasibleError, match="cost_per_accelerator_hour"):
        place_training(_priced([None, None, None]), job, objective="cost")


def test_cost_fills_the_cheaper_clusters_first():
    topology = _priced([1.0, 3.0, 2.0])
    job = _job(96, 12)  # more than one cluster holds
    fast = place_training(topology, job)
    cheap = place_training(topology, job, objective="cost")
    assert fast.cost_per_step is not None and cheap.cost_per_step is not None
    assert cheap.cost_per_step <= fast.cost_per_step * (1 + 1e-12)
    assert cheap.step_s >= fast.step_s * (1 - 1e-12)
    assert dict(cheap.sites) == {"x": 64, "z": 32}  # the cheapest filled first
    _recheck(topology, job, cheap)


def test_objectives_come_from_the_registry():
    topology = _priced([1.0, 1.0, 1.0])
    for objective in OBJECTIVES:
        check_result(place_training(topology, _job(64, 8), objective=objective),
                     headline=HEADLINE)


def test_power_binds_and_says_so():
    spec = {"name": "p", "sites": [
        {"name": n, "kind": "datacenter", "power_mw": mw, "clusters": [
            {"name": "c", "accelerator": "H100", "count": 1024, "dci": 1e4}]}
        for n, mw in (("x", 0.5), ("y", 5.0))],
        "links": [{"a": "x", "b": "y", "length_km": 50, "capacity": 1e4}]}
    topology = Topology.from_dict(spec)
    job = _job(1024, 128)
    placed = place_training(topology, job)
    out = _recheck(topology, job, placed)
    assert out["sites"]["y"] == 1024 and placed.binding.kind == "site"
    spec["sites"][1]["power_mw"] = 1.0  # y holds 1024 by count, not by power: split
    topology = Topology.from_dict(spec)
    placed = place_training(topology, job)
    out = _recheck(topology, job, placed)
    assert len(out["sites"]) == 2
    assert placed.binding.kind in ("power", "tier", "propagation")
    assert "power_mw" in placed.binding.summary or placed.binding.kind != "power"


@pytest.mark.parametrize(("args", "expected"), [
    (["--model", "llama3-70b", "--accelerators", "8192000"], "more than available"),
    (["--model", "llama3-7b", "--accelerators", "64"], "unknown model"),
    (["--model", "llama3-70b", "--accelerators", "8192", "--objective", "cost"],
     "cost_per_accelerator_hour"),
])
def test_infeasible_asks_are_one_line(args, expected):
    result = invoke("place", "training", MESH, *args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]


def test_power_and_no_datacenter_are_one_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: p\nsites:\n  - {name: x, kind: datacenter, power_mw: 0.1, clusters: "
                    "[{name: c, accelerator: H100, count: 1024}]}\n")
    result = invoke("place", "training", str(path), "--model", "llama3-8b", "--accelerators",
                    "512", "--parallelism", "tp=8")
    lines = result.stderr.strip().splitlines()  # the file's own warning, then the error
    assert result.exit_code == 1 and lines[-1].startswith("error: ")
    assert "cannot fit the power" in lines[-1] and "x 0.1 MW allows 71" in lines[-1]
    path.write_text("name: q\nsites:\n  - {name: x, kind: pop}\n  - {name: y, kind: pop}\n")
    result = invoke("place", "training", str(path), "--model", "llama3-8b", "--accelerators",
                    "8", "--parallelism", "tp=8")
    assert result.exit_code == 1 and "no datacenter" in result.stderr


def test_unknown_candidate_site_is_named(mesh):
    job = job_from_mapping({"model": "llama3-8b", "accelerators": 8, "parallelism": "tp=8",
                            "sites": ["abilen"]}, check=False)
    with pytest.raises(UnknownNameError, match="abilene"):
        place_training(mesh, job)


def test_candidates_restrict_the_search(mesh):
    result = invoke("place", "training", MESH, "--model", "llama3-70b", "--accelerators",
                    "8192", "--parallelism", "tp=8,pp=8", "--sites", "temple,san-antonio",
                    "--format", "json")
    assert result.exit_code == 0, result.output
    import json

    assert set(json.loads(result.stdout)["sites"]) <= {"temple", "san-antonio"}


def test_job_and_options_are_not_both_given():
    result = invoke("place", "training", MESH, "--job", "examples/jobs/texas-vdc-training.yaml",
                    "--model", "llama3-8b")
    assert result.exit_code == 2
    result = invoke("place", "training", MESH, "--model", "llama3-8b")
    assert result.exit_code == 2 and "--accelerators" in result.stderr


def test_a_job_file_without_parallelism_searches_it(tmp_path):
    import json

    from click.testing import CliRunner

    from infranet.cli import main

    job = tmp_path / "job.yaml"
    job.write_text("model: llama3-70b\naccelerators: 1024\nglobal_batch: 1024\n")
    out = CliRunner().invoke(main, ["place", "training", "topologies/texas-mesh.yaml", "--job",
                                    str(job), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert sum(data["sites"].values()) == 1024 and data["parallelism"]["tp"] >= 1
