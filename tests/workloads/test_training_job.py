"""Job files: the schema, the reader's one-line errors, the generated reference, placement of a
job on a topology, and jobs across accelerator generations."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import infranet
from infranet.errors import FormatError, InfeasibleError, UnknownNameError, ValidationError
from infranet.results import check_result
from infranet.workloads.job import JOB, parse_parallelism, read_job
from infranet.workloads.sizing import place_job
from infranet.workloads.training import Network, SiteShare, step, step_across_generations

ROOT = Path(__file__).resolve().parents[2]
LLAMA8 = SimpleNamespace(name="llama-8b", parameters=8.03e9, layers=32, hidden=4096, heads=32,
                         kv_heads=8, head_dim=128, vocab=128256, seq_len=8192)


def test_reference_is_generated_from_the_schema():
    text = (ROOT / "docs" / "job.md").read_text(encoding="utf-8")  # tests/test_docs.py: fresh
    for attr in JOB:
        assert f"| `{attr.name}` |" in text


def test_read_job_file(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text("model: llama3-70b\naccelerators: 1024\nparallelism: {tp: 8, pp: 4}\n"
                    "sites: [abilene, temple]\nsync_every: 100\nwindow: 16MiB\n")
    job = read_job(path)
    assert job.degrees() == {"tp": 8, "pp": 4, "dp": 32, "ep": 1, "cp": 1}
    assert job.sites == ("abilene", "temple") and job.sync_every == 100
    assert job.window == 16 * 2**20


@pytest.mark.parametrize("text,field,message", [
    ("model: m\naccelerators: 8\nparallelism: tp=8\nzero: 4\n", "zero", "at most 3"),
    ("model: m\naccelerators: 8\nparallelism: tp=3\n", "parallelism", "does not divide"),
    ("model: m\naccelerators: 8\nparallelism: tp=8,dp=2\n", "parallelism", "but the job has"),
    ("model: m\naccelerators: 8\nparallelism: tq=8\n", "parallelism", "did you mean 'tp'"),
    ("model: m\naccelerators: 8\nparallelism: tp=8\nglobal_bath: 4\n", "global_bath",
     "global_batch"),
    ("model: m\nparallelism: tp=8\n", "accelerators", "missing"),
    ("model: m\naccelerators: 8\nparallelism: tp=8\nwindow: 4 parsecs\n", "window", ""),
    ("model: m\naccelerators: 8\nparallelism: tp=8\ncompression: 0.5\n", "compression", ">= 1"),
    ("model: m\naccelerators: 8\nparallelism: tp=8\nwindow: 1e308\n", "window",
     "must be at most 1 GiB (TCP's window scaling stops at 1 GiB, RFC 7323), got '1e308'"),
    ("model: m\naccelerators: 1" + "0" * 400 + "\nparallelism: tp=8\n", "accelerators",
     "must be at most 1e+09 (more accelerators than have ever been made), got over 1e+308"),
    ("model: m\naccelerators: 8\nparallelism: tp=8\nsync_every: 100000000000000000000\n",
     "sync_every", "got 1e+20"),
    ("model: m\naccelerators: 8\nparallelism: tp=8\ncompression: 1.0e+300\n", "compression",
     "got 1e+300"),
])
def test_job_errors_are_one_line_naming_file_and_field(tmp_path, text, field, message):
    path = tmp_path / "job.yaml"
    path.write_text(text)
    with pytest.raises(ValidationError) as caught:
        read_job(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}: job: {field}: ") and message in line


def test_job_file_must_be_safe_yaml(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text("model: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(FormatError):
        read_job(path)


def test_parallelism_fills_dp():
    assert parse_parallelism({"tp": 4, "cp": 2}, accelerators=64)["dp"] == 8
    with pytest.raises(ValidationError, match="ep = 3 must divide"):
        parse_parallelism("tp=8,ep=3", accelerators=64)


def test_job_without_sites_lands_on_the_one_datacenter_that_holds_it():
    topo = infranet.read(ROOT / "topologies" / "texas-ring.yaml")
    placed = place_job(topo, accelerators=40000, accelerator="H100")
    assert placed.sites == ("fort-worth",) and placed.accelerators == ("H100",)
    with pytest.raises(InfeasibleError, match="largest cluster, fort-worth/ftw-h100, has "
                                              "48,000 available: 2,000 short"):
        place_job(topo, accelerators=50000, accelerator="H100")
    with pytest.raises(UnknownNameError, match="did you mean 'temple'"):
        place_job(topo, accelerators=64, sites=("tempel", "abilene"))


def test_two_sites_see_the_fiber_between_them():
    topo = infranet.read(ROOT / "topologies" / "texas-ring.yaml")
    placed = place_job(topo, accelerators=2048, sites=("abilene", "temple"))
    assert placed.accelerators == ("GB200", "GB200")
    assert 1.0 < placed.dci_latency_s * 1e3 < 5.0  # a few hundred km of fiber, one way
    assert placed.dci_gbps > 0 and placed.networks[0].scale_up_domain == 72


def test_generations_split_the_batch_by_throughput_and_wait_for_the_slowest():
    fast = SiteShare("a", "H100", Network(3600.0, 400.0), dp=8)
    slow = SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8)
    run = step_across_generations(LLAMA8, [fast, slow], dci_gbps=800.0, dci_latency_s=1e-3,
                                  tp=8, global_batch=512)
    check_result(run, headline=("step_s", "dci_s", "dci_share", "mfu", "tokens_per_s"))
    batches = [r["batch"] for r in run.sites]
    assert sum(batches) == 512 and all(b % 8 == 0 for b in batches)
    assert batches[0] > 2 * batches[1]
    times = [r["step_s"] for r in run.sites]
    assert run.step_s >= max(times)
    # Each site's steps within one microbatch of the other's: the split balances them.
    assert abs(times[0] - times[1]) < max(times) / min(batches) * 8 * 2


def test_identical_generations_match_the_homogeneous_model():
    """Two H100 sites through the generations path give the step of one job over 2 sites
    (NICs not capping the DCI: the aggregate and per-rank views then agree)."""
    net = Network(3600.0, 1e6)
    shares = [SiteShare(s, "H100", net, dp=4) for s in ("a", "b")]
    kw = dict(tp=8, pp=2, global_batch=256)
    for gbps, h in [(100.0, 1), (25.0, 1), (100.0, 10)]:
        run = step_across_generations(LLAMA8, shares, dci_gbps=gbps, dci_latency_s=2e-3,
                                      sync_every=h, **kw)
        one = step(LLAMA8, "H100", network=Network(3600.0, 1e6, dci_gbps=gbps,
                                                   dci_latency_s=2e-3),
                   dp=8, sites=2, sync_every=h, **kw).at()
        assert run.step_s == pytest.approx(one.step_s, rel=1e-9)
        assert run.dci_s == pytest.approx(one.dci_s, rel=1e-9, abs=1e-12)
        assert np.isfinite(run.mfu)


def _slowest(run):
    return max(r["step_s"] for r in run.sites)


@pytest.mark.parametrize("pp,batch", [(4, 512), (1, 256)])
def test_the_split_minimises_the_slowest_site_as_a_brute_force_does(pp, batch):
    """Every split of the batch in whole microbatches, one at a time: none has a faster
    slowest site than the one chosen (the pipeline bubble at each site's own microbatch count
    included)."""
    fast = SiteShare("a", "H100", Network(3600.0, 400.0), dp=8)
    slow = SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8)
    kw = dict(tp=8, pp=pp, global_batch=batch, dci_gbps=800.0, dci_latency_s=1e-3)
    chosen = step_across_generations(LLAMA8, [fast, slow], **kw)
    brute = min(_slowest(step_across_generations(LLAMA8, [fast, slow], batches=(x, batch - x),
                                                 **kw))
                for x in range(8, batch, 8))
    assert _slowest(chosen) == brute


def test_the_split_over_three_sites_of_different_replicas_matches_a_brute_force():
    shares = [SiteShare("a", "H100", Network(3600.0, 400.0), dp=4),
              SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8),
              SiteShare("c", "GB200", Network(7200.0, 800.0, scale_up_domain=72), dp=2)]
    kw = dict(tp=8, pp=2, global_batch=128, dci_gbps=800.0)
    chosen = step_across_generations(LLAMA8, shares, **kw)
    best = math.inf
    for x in range(4, 128, 4):
        for y in range(8, 128 - x, 8):
            z = 128 - x - y
            if z >= 2 and z % 2 == 0:
                run = step_across_generations(LLAMA8, shares, batches=(x, y, z), **kw)
                best = min(best, _slowest(run))
    assert sum(r["batch"] for r in chosen.sites) == 128
    assert _slowest(chosen) == best


def test_a_batch_that_does_not_split_over_the_replicas_is_refused():
    shares = [SiteShare("a", "H100", Network(3600.0, 400.0), dp=8),
              SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8)]
    with pytest.raises(ValidationError, match="global_batch: 12 sequences do not split into "
                                              "whole microbatches of 1 over the sites' "
                                              "replicas"):
        step_across_generations(LLAMA8, shares, dci_gbps=100.0, tp=8, global_batch=12)


def test_generations_solve_the_dci_and_feel_the_window():
    from infranet.workloads.sizing import dci_gbps_needed_across_generations

    net_a, net_b = Network(3600.0, 400.0), Network(2400.0, 200.0)
    kw = dict(tp=8, global_batch=256, dci_latency_s=2e-3, sync_every=1)
    shares = [SiteShare("a", "H100", net_a, dp=8), SiteShare("b", "A100-80GB", net_b, dp=8)]
    base = step_across_generations(LLAMA8, shares, dci_gbps=math.inf,
                                   **{**kw, "dci_latency_s": 0.0}).step_s
    need = dci_gbps_needed_across_generations(LLAMA8, shares, target=0.95, **kw)
    at = step_across_generations(LLAMA8, shares, dci_gbps=need, **kw).step_s
    below = step_across_generations(LLAMA8, shares, dci_gbps=need * 0.999, **kw).step_s
    assert base / at >= 0.95 > base / below
    # a 1 MiB window caps each flow at 1 MiB / 4 ms: 2.1 Gb/s, 134 Gb/s over 64 ranks
    windowed = [replace(s, network=replace(s.network, window_bytes=2**20)) for s in shares]
    slow = step_across_generations(LLAMA8, windowed, dci_gbps=1e4, **kw)
    free = step_across_generations(LLAMA8, shares, dci_gbps=1e4, **kw)
    assert slow.dci_s > free.dci_s
    rate = 64 * 2**20 * 8 / 4e-3 / 1e9
    assert step_across_generations(LLAMA8, windowed, dci_gbps=rate, **kw).step_s == \
        pytest.approx(slow.step_s, rel=1e-12)


def test_a_job_takes_only_what_a_cluster_has_available():
    """A cluster's ``available`` (default its count) is what jobs may take: 48,000 H100 at
    Fort Worth of which 30,000 are free hold a 40,000-accelerator job no more."""
    topo = infranet.read(ROOT / "topologies" / "texas-ring.yaml")
    busy = topo.with_changes({"sites[fort-worth].clusters[ftw-h100].available": 30000})
    with pytest.raises(InfeasibleError, match="has 30,000 available: 10,000 short"):
        place_job(busy, accelerators=40000, accelerator="H100")
    assert place_job(busy, accelerators=30000, accelerator="H100").sites == ("fort-worth",)
