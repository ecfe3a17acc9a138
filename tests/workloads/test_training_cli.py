"""``infranet size training`` from a fresh install on the shipped topologies: its JSON, the
solved DCI bandwidth, the search, job files and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from infranet.cli import main

ROOT = Path(__file__).resolve().parents[2]
RING = str(ROOT / "topologies" / "texas-ring.yaml")
MESH = str(ROOT / "topologies" / "texas-mesh.yaml")
HEADLINE = ("step_s", "compute_s", "exposed_comm_s", "dci_s", "dci_share", "efficiency", "mfu",
            "tokens_per_s", "memory_gb_per_accelerator", "power_mw", "binding")
JOB = ["--model", "llama3-70b", "--accelerators", "8192", "--parallelism", "tp=4,pp=1",
       "--global-batch", "2048", "--sites", "abilene,temple"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_json_has_the_headline_and_solves_the_dci():
    code, out, err = run("size", "training", MESH, *JOB, "--solve", "dci-bandwidth",
                         "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    for key in HEADLINE:
        assert key in data
    assert data["dci_gbps_needed"] > 0 and data["accelerators"] == 8192
    assert data["options"]["sites"] == ["abilene", "temple"]
    assert 0 < data["efficiency"] <= 1 and 0 < data["mfu"] < 1
    assert sum(data["breakdown_s"].values()) == pytest.approx(data["step_s"], rel=1e-9)


def test_outer_sync_needs_a_tenth_or_less_of_the_dci():
    def needed(*more: str) -> float:
        code, out, err = run("size", "training", MESH, *JOB, "--solve", "dci-bandwidth",
                             "--format", "json", *more)
        assert code == 0, err
        return json.loads(out)["dci_gbps_needed"]

    assert needed("--sync-every", "100") < needed() / 5


def test_without_sites_the_one_datacenter_that_holds_it():
    code, out, err = run("size", "training", RING, "--model", "llama3-8b", "--accelerators",
                         "1024", "--parallelism", "tp=8", "--accelerator", "H100",
                         "--global-batch", "1024", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["accelerator"] == "H100" and data["options"]["sites"] == ["fort-worth"]
    assert data["dci_s"] == 0 and data["efficiency"] == 1.0


@pytest.mark.parametrize("args,message", [
    (["--accelerators", "60000", "--parallelism", "tp=8", "--accelerator", "H100"],
     "no datacenter of texas-vdc-ring holds 60,000 H100: the largest cluster, "
     "fort-worth/ftw-h100, has 48,000 available: 12,000 short"),
    (["--accelerators", "64", "--parallelism", "tp=8", "--accelerator", "H100",
      "--global-batch", "64", "--zero", "0", "--recompute", "none"], "GB short"),
    (["--accelerators", "64", "--parallelism", "tp=8,pp=16"], "does not divide 64"),
    (["--accelerators", "64", "--parallelism", "tp=8", "--sites", "abilene,tempel"],
     "did you mean 'temple'"),
    (["--accelerators", "1024", "--parallelism", "tp=8,pp=16", "--global-batch", "100"],
     "job: global_batch: 100 sequences do not split into whole microbatches of 1 over dp = 8"),
    (["--accelerators", "1024", "--parallelism", "tp=8,pp=3", "--global-batch", "100"],
     "does not divide 1,024 accelerators"),
    (["--accelerators", "1280", "--parallelism", "tp=8,pp=160"],
     "pp = 160 does not divide the 80 layers of llama3-70b"),
    (["--accelerators", "1024", "--parallelism", "tp=8,pp=1", "--sites",
      "temple,san-antonio", "--across", "pp"], "pp = 1 does not split over 2 sites"),
])
def test_errors_are_one_line(args, message):
    code, out, err = run("size", "training", RING, "--model", "llama3-70b", *args)
    assert code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err


def test_unknown_model_is_one_line():
    code, _, err = run("size", "training", RING, "--model", "llama4", "--accelerators", "8",
                       "--parallelism", "tp=8")
    assert code == 1 and "llama4" in err and err.count("\n") == 1


def test_search_ranks_mappings():
    code, out, err = run("size", "training", MESH, "--model", "llama3-8b", "--accelerators",
                         "256", "--global-batch", "256", "--sites", "abilene,temple",
                         "--search", "parallelism", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    steps = [m["step_s"] for m in data["mappings"]]
    assert steps == sorted(steps) and data["step_s"] == steps[0]
    assert {m["across"] for m in data["mappings"]} <= {"dp", "pp"}


def test_job_file_gives_what_the_options_give(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("model: llama3-70b\naccelerators: 8192\nparallelism: {tp: 4, pp: 1}\n"
                   "global_batch: 2048\nsites: [abilene, temple]\n")
    code, from_file, err = run("size", "training", MESH, "--job", str(job), "--format", "json")
    assert code == 0, err
    _, from_options, _ = run("size", "training", MESH, *JOB, "--format", "json")
    assert json.loads(from_file)["step_s"] == json.loads(from_options)["step_s"]
    code, _, err = run("size", "training", MESH, "--job", str(job), "--zero", "3")
    assert code == 2 and "not both (--zero)" in err


def test_shipped_job_example_runs():
    code, out, err = run("size", "training", MESH, "--job",
                         str(ROOT / "examples" / "jobs" / "llama3-70b-two-sites.yaml"))
    assert code == 0, err
    assert "DCI for 95%" in out


def test_generations_across_sites():
    """Fort Worth's H100 and Temple's GB200 in one data-parallel job: the batch splits."""
    code, out, err = run("size", "training", RING, "--model", "llama3-8b", "--accelerators",
                         "2048", "--parallelism", "tp=8", "--global-batch", "2048", "--sites",
                         "fort-worth,temple", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    sites = {row["site"]: row for row in data["sites"]}
    assert sites["temple"]["batch"] > sites["fort-worth"]["batch"]
    assert sum(r["batch"] for r in data["sites"]) == 2048
    assert data["binding"]["kind"] in ("site", "tier")


@pytest.mark.parametrize("model,args,message", [
    ("mixtral-8x7b", ["--accelerators", "256", "--parallelism", "tp=8,ep=16"],
     "job: parallelism: ep = 16 does not divide the 8 experts of mixtral-8x7b"),
    ("llama3-8b", ["--accelerators", "256", "--parallelism", "tp=8,ep=8"],
     "job: parallelism: ep = 8 but llama3-8b is dense (no experts to shard): give ep = 1"),
    ("llama3-8b", ["--accelerators", "256", "--parallelism", "tp=8,tp=4"],
     "job: parallelism: tp given twice (8 and 4); give each degree once"),
])
def test_expert_parallelism_and_repeated_degrees_are_refused(model, args, message):
    code, out, err = run("size", "training", RING, "--model", model, "--global-batch", "256",
                         *args)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and message in err, err


@pytest.mark.parametrize("name", ["job.yaml", "model.yaml"])
def test_an_empty_file_says_what_it_should_hold(tmp_path, name):
    path = tmp_path / name
    path.write_text("# nothing yet\n")
    other = tmp_path / "job2.yaml"
    other.write_text(f"model: {name}\naccelerators: 8\nparallelism: tp=8\n")
    code, _, err = run("size", "training", RING, "--job", str(path if name == "job.yaml"
                                                            else other))
    assert code == 1 and err.count("\n") == 1, err
    assert "topology" not in err
    assert ("expected a mapping of the job's fields" if name == "job.yaml"
            else "expected a mapping of model fields") in err


def test_a_missing_model_beside_the_job_names_the_job_and_the_path(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("model: mine.yaml\naccelerators: 8\nparallelism: tp=8\n")
    code, _, err = run("size", "training", RING, "--job", str(job))
    assert code == 1 and err.count("\n") == 1
    assert f"{job}: job: model: mine.yaml: no such file beside the job file " \
           f"({tmp_path / 'mine.yaml'})" in err


@pytest.mark.parametrize("name,close", [("Z100", "H100"), ("h100", "H100")])
def test_an_unknown_accelerator_is_named_with_the_closest(name, close):
    code, _, err = run("size", "training", RING, "--model", "llama3-8b", "--accelerators",
                       "8", "--parallelism", "tp=8", "--accelerator", name)
    assert code == 1 and err.count("\n") == 1
    assert f"unknown accelerator '{name}' (did you mean '{close}'?); known: " in err, err


@pytest.mark.parametrize("value", ["1e308", "1.0e+308", "'2000T'"])
def test_a_huge_model_is_refused_in_one_short_line(tmp_path, value):
    model = tmp_path / "huge.yaml"
    model.write_text(f"parameters: {value}\nlayers: 80\nhidden: 8192\nffn_hidden: 28672\n"
                     "heads: 64\nkv_heads: 8\nvocab: 128256\nseq_len: 8192\n")
    code, out, err = run("size", "training", RING, "--model", str(model), "--accelerators",
                         "1024", "--parallelism", "tp=8")
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert "parameters: must be at most 1e+15 (a thousand times the largest published model)" \
        in err and len(err) < 200


@pytest.mark.parametrize("args,message", [
    (["--sync-every", "10"], "--sync-every goes with a job over two or more --sites"),
    (["--window", "16MiB", "--sites", "fort-worth"], "--window goes with a job over two or"),
    (["--across", "dp"], "--across goes with a job over two or more --sites"),
    (["--compression", "10"], "--compression goes with a job over two or more --sites"),
    (["--chunks", "2"], "--chunks goes with --schedule interleaved"),
    (["--target-efficiency", "0.9"], "--target-efficiency goes with --solve dci-bandwidth"),
    (["--sites", "abilene,temple", "--across", "pp", "--sync-every", "10"],
     "--sync-every goes with --across dp"),
    (["--search", "parallelism", "--zero", "3", "--microbatch", "2"],
     "--microbatch does not go with --search parallelism, which searches it; --zero does "
     "not go with --search parallelism"),
])
def test_options_the_job_would_ignore_are_usage_errors(args, message):
    code, out, err = run("size", "training", RING, "--model", "llama3-8b", "--accelerators",
                         "1024", "--parallelism", "tp=8,pp=2", *args)
    assert code == 2 and out == "" and message in err, err


def test_fields_a_job_file_would_ignore_are_errors(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text("model: llama3-8b\naccelerators: 1024\nparallelism: tp=8\nsync_every: 10\n")
    code, _, err = run("size", "training", RING, "--job", str(job))
    assert code == 1 and err.count("\n") == 1
    assert f"{job}: job: sync_every: sync_every goes with a job over two or more sites" in err


def test_compression_applies_to_every_steps_sync():
    def needed(*more: str) -> float:
        code, out, err = run("size", "training", MESH, *JOB, "--solve", "dci-bandwidth",
                             "--format", "json", *more)
        assert code == 0, err
        return json.loads(out)["dci_gbps_needed"]

    assert needed("--compression", "10") < needed() / 5


def test_it_power_beside_facility_power_and_the_placements_notes(tmp_path):
    """IT power × the site's PUE (the default 1.1 at Fort Worth) is the facility power; a
    cluster without a scale-out spec falls back to its NIC rate, and says so."""
    from infranet.fabrics.power import site_pue

    text = Path(RING).read_text(encoding="utf-8")
    bare = "        scale_out: {kind: rail_optimized, nic: 400G, radix: 64}\n"
    assert bare in text
    topo = tmp_path / "ring.yaml"
    topo.write_text(text.replace(bare, "", 1))
    args = ["size", "training", str(topo), "--model", "llama3-8b", "--accelerators", "1024",
            "--parallelism", "tp=8", "--sites", "fort-worth"]
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    import infranet

    pue = site_pue(infranet.read(RING).site("fort-worth"))[0]
    assert data["power_mw"] == pytest.approx(data["it_power_mw"] * pue, rel=1e-12)
    assert len(data["notes"]) == 1 and "fort-worth/ftw-h100 gives no scale_out" in \
        data["notes"][0]
    assert err == f"note: {data['notes'][0]}\n"
    code, out, err = run(*args)
    assert code == 0 and err.startswith("note: fort-worth/ftw-h100 gives no scale_out")
    code, out, err = run("size", "training", RING, "--model", "llama3-8b", "--accelerators",
                         "2048", "--parallelism", "tp=8", "--global-batch", "2048", "--sites",
                         "fort-worth,temple", "--format", "json")
    data = json.loads(out)
    assert data["it_power_mw"] == pytest.approx(sum(r["it_power_mw"] for r in data["sites"]))
    assert data["notes"] == [] and err == ""


def test_an_unreachable_efficiency_says_what_caps_it():
    job = [*JOB[:5], "tp=8,pp=4", *JOB[6:], "--across", "pp", "--solve", "dci-bandwidth"]
    code, out, err = run("size", "training", MESH, *job, "--target-efficiency", "1.0",
                         "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["dci_gbps_needed"] is None and 0.9 < data["max_efficiency"] < 1.0
    note = f"no DCI bandwidth reaches 100.0% efficiency: latency alone (1.78 ms one way) " \
           f"caps it at {data['max_efficiency']:.1%}"
    assert data["notes"] == [note] and err == f"note: {note}\n"
    code, out, err = run("size", "training", MESH, *job, "--target-efficiency", "1.0")
    assert code == 0 and "inf" not in out and "at most 99." in out and note in err
    # just under the cap, a bandwidth does reach it
    code, out, err = run("size", "training", MESH, *job, "--target-efficiency",
                         f"{data['max_efficiency'] - 1e-4}", "--format", "json")
    assert code == 0 and json.loads(out)["dci_gbps_needed"] > 0 and err == ""


def test_generations_split_solve_and_window():
    """GB200 at Abilene and H100 at Fort Worth: the split that minimises the slowest site
    (1,664 / 384 sequences, each site's bubble at its own microbatch count), the DCI solved
    for, and a window that slows the synchronisation."""
    job = ["--model", "llama3-70b", "--accelerators", "8192", "--parallelism", "tp=8,pp=4",
           "--global-batch", "2048", "--sites", "abilene,fort-worth", "--format", "json"]
    code, out, err = run("size", "training", MESH, *job, "--solve", "dci-bandwidth")
    assert code == 0, err
    data = json.loads(out)
    assert [s["batch"] for s in data["sites"]] == [1664, 384]
    assert data["step_s"] == pytest.approx(1.87, abs=0.005)
    assert data["dci_gbps_needed"] > 0
    code, out, err = run("size", "training", MESH, *job, "--window", "1MiB")
    assert code == 0, err
    assert json.loads(out)["dci_s"] > data["dci_s"]


@pytest.mark.parametrize("option,value,message", [
    ("--compute-fraction", "1e-300", "compute_fraction: must be >= 0.01"),
    ("--window", "1B", "window: must be >= 1500")])
def test_figures_below_any_real_run_are_refused(option: str, value: str, message: str):
    """A compute fraction of 1e-300 made the step 3e300 s and lost the communication to
    round-off; a window of one byte priced a 34-hour step."""
    sites = ["--sites", "abilene,temple"] if option == "--window" else []  # two sites
    code, _out, err = run("size", "training", MESH, "--model", "llama3-8b", "--accelerators",
                          "128", "--parallelism", "tp=8", *sites, option, value)
    assert code in (1, 2) and message in err, err  # a bad value of an option or a field
