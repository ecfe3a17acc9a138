import pytest

from infranet.algorithms.latency import shortest_path
from infranet.algorithms.resilience import single_failures
from infranet.model import Topology
from infranet.results import check_result
from infranet.studies.compare import compare

SITES = [{"name": "x", "kind": "datacenter"}, {"name": "y", "kind": "datacenter"},
         {"name": "z", "kind": "datacenter"}, {"name": "h", "kind": "pop"}]


def ring():
    return Topology.from_dict({"name": "ring", "defaults": {"capacity": 400}, "sites": SITES[:3],
                               "links": [{"a": "x", "b": "y", "length_km": 100},
                                         {"a": "y", "b": "z", "length_km": 100, "srlg": ["c"]},
                                         {"a": "z", "b": "x", "length_km": 100, "srlg": ["c"]}]})


def hub():
    return Topology.from_dict({"name": "hub", "defaults": {"capacity": 400}, "sites": SITES,
                               "links": [{"a": s, "b": "h", "length_km": 50} for s in "xyz"]})


def test_ring_and_hub():
    r, h = compare([ring(), hub()])
    assert (r.datacenters, r.links, r.fiber_km) == (3, 3, 300.0)
    assert r.min_cut_gbps == 800.0 and h.min_cut_gbps == 400.0
    assert r.max_rtt_ms == pytest.approx(2 * shortest_path(ring(), "x", "y").one_way_ms)
    # the ring survives any single link, not its shared-risk group 'c'
    assert r.worst_cut["name"] == "srlg:c" and r.worst_cut["effect"] == "disconnection"
    assert not r.survives_any_single_cut
    assert h.worst_cut["effect"] == "disconnection"
    assert h.max_rtt_ms == pytest.approx(2 * shortest_path(hub(), "x", "y").one_way_ms)


def test_failure_effects_on_a_ring():
    failures = {f.name: f for f in single_failures(ring(), srlgs=False)}
    cut = failures["x--y"]
    assert cut.effect == "rtt_increase" and cut.pair == ("x", "y")
    before = shortest_path(ring(), "x", "y").rtt_ms
    after = shortest_path(ring().without_links("x--y"), "x", "y").rtt_ms
    assert cut.rtt_increase_ms == pytest.approx(after - before)


def test_already_disconnected_datacenters_survive_no_cut():
    split = Topology.from_dict({"name": "split", "defaults": {"capacity": 100},
                                "sites": [{"name": n, "kind": "datacenter"} for n in "wxyz"],
                                "links": [{"a": "w", "b": "x", "length_km": 10},
                                          {"a": "y", "b": "z", "length_km": 10}]})
    (summary,) = compare([split])
    assert summary.survives_any_single_cut is False and summary.connected is False
    assert any("already disconnected" in note for note in summary.notes)
    out = check_result(summary, headline=("survives_any_single_cut", "connected"))
    assert out["binding"]["kind"] == "cut"


def test_capacities_at_the_schema_bound_add_up_and_beyond_it_are_refused():
    from infranet.errors import ValidationError
    from infranet.model.schema import MAX_CAPACITY_GBPS

    links = [{"a": "x", "b": "y", "length_km": 10}, {"a": "y", "b": "z", "length_km": 10},
             {"a": "z", "b": "x", "length_km": 10}]
    sites = [{"name": n, "kind": "datacenter"} for n in "xyz"]
    big = Topology.from_dict({"name": "big", "defaults": {"capacity": MAX_CAPACITY_GBPS},
                              "sites": sites, "links": links})
    (summary,) = compare([big])
    assert summary.capacity_tbps == pytest.approx(3 * MAX_CAPACITY_GBPS / 1000)
    assert summary.min_cut_gbps == pytest.approx(2 * MAX_CAPACITY_GBPS)  # two links of a ring
    with pytest.raises(ValidationError, match="capacity: must be <= 1,000,000,000 Gb/s"):
        Topology.from_dict({"name": "huge", "defaults": {"capacity": 1.7e308}, "sites": sites,
                            "links": links})


def test_summary_follows_the_result_protocol():
    (summary,) = compare([ring()])
    out = check_result(summary, headline=("max_rtt_ms", "min_cut_gbps", "fiber_km"))
    assert out["binding"] == {"kind": "cut", "name": "srlg:c",
                              "summary": summary.worst_cut["summary"]}


def test_a_training_job_beside_the_designs(tmp_path):
    """compare --job gives, per design, what size training gives on that design alone."""
    import json
    from dataclasses import replace
    from pathlib import Path

    from click.testing import CliRunner

    from infranet.cli import main
    from infranet.io import read
    from infranet.workloads.job import read_job
    from infranet.workloads.sizing import size_training

    root = Path(__file__).parents[2]
    job_file = root / "examples" / "jobs" / "llama3-70b-two-sites.yaml"
    files = [root / "topologies" / f"texas-{d}.yaml" for d in ("ring", "hub")]
    out = CliRunner().invoke(main, ["compare", *map(str, files), "--job", str(job_file),
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    job = read_job(job_file)
    for row, file in zip(rows, files, strict=True):
        alone = size_training(read(file), replace(job, solve="dci-bandwidth"))
        assert row["training_step_s"] == pytest.approx(alone.step_s, rel=1e-12)
        assert row["training_dci_gbps"] == pytest.approx(alone.dci_gbps_needed, rel=1e-12)
    # the designs differ in their fiber: the hub's longer Abilene-Temple path needs more DCI
    assert rows[1]["training_dci_gbps"] != rows[0]["training_dci_gbps"]
    # one site needs no DCI
    single = tmp_path / "one.yaml"
    single.write_text("model: llama3-8b\naccelerators: 64\nparallelism: tp=8\n"
                      "sites: [abilene]\n")
    out = CliRunner().invoke(main, ["compare", str(files[0]), "--job", str(single),
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.stdout)
    assert row["training_dci_gbps"] is None and row["training_step_s"] > 0.1


def test_an_inference_service_beside_the_designs():
    """compare --service gives what place inference gives on the same topology."""
    import json
    from pathlib import Path

    from click.testing import CliRunner

    from infranet.cli import main
    from infranet.io import read
    from infranet.planning.serving import place_inference
    from infranet.workloads.service import read_service

    root = Path(__file__).parents[2]
    service = root / "examples" / "service-llama3-70b.yaml"
    backbone = root / "topologies" / "us-backbone.yaml"
    out = CliRunner().invoke(main, ["compare", str(backbone), "--service", str(service),
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.stdout)
    plan = place_inference(read(backbone), read_service(service))
    assert row["inference_accelerators"] == plan.total_accelerators > 0
    assert row["inference_wan_gbps"] == pytest.approx(sum(plan.wan_gbps.values()), rel=1e-12)


def test_a_design_that_cannot_run_the_workload_says_why_in_its_column():
    from pathlib import Path

    from infranet.io import read
    from infranet.workloads.job import read_job
    from infranet.workloads.service import read_service

    root = Path(__file__).parents[2]
    mesh, backbone = (read(root / "topologies" / f) for f in ("texas-mesh.yaml",
                                                               "us-backbone.yaml"))
    job = read_job(root / "examples" / "jobs" / "llama3-70b-two-sites.yaml")
    service = read_service(root / "examples" / "service-llama3-70b.yaml")
    texas, us = compare([mesh, backbone], job=job, service=service)
    assert texas.training_step_s is not None and texas.inference_accelerators is None
    assert any(n.startswith("inference: ") and "no region sites" in n for n in texas.notes)
    assert us.training_step_s is None and us.inference_accelerators is not None
    assert any(n.startswith("training: ") and "abilene" in n for n in us.notes)
    # a job that names no sites is placed where it runs best
    (placed,) = compare([mesh], job=read_job(root / "examples" / "jobs" /
                                             "texas-vdc-training.yaml"))
    assert placed.training_step_s > 0 and placed.training_dci_gbps is None
