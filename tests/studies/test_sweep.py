"""Sweeps: rows the same whatever the worker count, failing scenarios recorded, resume without
duplicates or gaps, and STUDY.yaml errors in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet.errors import InfranetError, UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.studies.sweep import (
    MEASURES,
    Failures,
    Study,
    read_study,
    run,
    scenarios,
    study_from_mapping,
)
from infranet.testing import topology_specs

from ..cli.conftest import RING, invoke

ROOT = Path(__file__).resolve().parents[2]
FIBER_CUTS = ROOT / "examples" / "studies" / "fiber-cuts.yaml"


def _ring() -> Topology:
    return Topology.from_dict(yaml.safe_load(RING))


def _same(first: pd.DataFrame, second: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(first.drop(columns="wall_s"), second.drop(columns="wall_s"))


def broken_measure(topology, study):
    """A user measure that fails on some scenarios."""
    if topology.n_links < 3:
        raise RuntimeError("needs every link\nof the ring")
    return {"links": topology.n_links}


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(topology_specs(min_sites=2, max_sites=5, min_links=1, max_links=6, connected=True),
       st.lists(st.sampled_from([1.0, 1.2, 1.5, 2.0]), min_size=1, max_size=3, unique=True))
def test_rows_identical_whatever_the_worker_count(spec, factors):
    topology = Topology.from_dict(spec)
    study = Study(name="p", topology=topology, grid={"defaults.route_factor": factors},
                  failures=Failures(srlgs=True, order=(1, 2)),
                  measures=("max_rtt", "mean_rtt", "min_cut"))
    serial = run(study, workers=1)
    assert len(serial) == len(scenarios(study))
    assert serial["scenario_id"].is_unique
    _same(serial, run(study, workers=2))


def test_rtt_and_cut_against_networkx():
    topology = _ring()
    study = Study(name="n", topology=topology, failures=Failures(),
                  measures=("max_rtt", "min_cut"))
    rows = run(study)
    for _, row in rows.iterrows():
        graph = topology.without_links(*row["failure"].split(" + ")).to_networkx(directed=True)
        simple = nx.DiGraph()  # capacities differ by direction on y--z: both ways are tried
        for a, b, data in graph.edges(data=True):
            simple.add_edge(a, b, capacity=simple.get_edge_data(a, b, {"capacity": 0})
                            ["capacity"] + data["capacity_gbps"])
        cut = min(nx.maximum_flow_value(simple, a, b) for a in "xyz" for b in "xyz" if a != b)
        assert row["min_cut.gbps"] == pytest.approx(cut, rel=1e-9)
    # the RTT of a cut ring: the long way round, checked by networkx over one-way latency
    g = topology.to_networkx()
    for _, row in rows.iterrows():
        h = topology.without_links(row["failure"]).to_networkx()
        worst = max(nx.shortest_path_length(h, a, b, weight="latency_ms")
                    for a, b in [("x", "y"), ("x", "z"), ("y", "z")])
        assert row["max_rtt.ms"] == pytest.approx(2 * worst, rel=1e-9)
    assert g.number_of_edges() == 3


def test_a_failing_scenario_is_recorded_and_the_study_goes_on():
    study = Study(name="f", topology=_ring(),
                  grid={"links[*].capacity": [400, -5]},
                  failures=Failures(), measures=("min_cut", f"{__name__}:broken_measure"))
    rows = run(study)
    assert len(rows) == 6
    bad = rows[rows["links[*].capacity"] == -5]
    assert bad["error"].notna().all()
    assert "min_cut.gbps" not in rows.columns  # a row with an error holds no measure fields
    assert all("\n" not in e and "capacity" in e for e in bad["error"])
    good = rows[rows["links[*].capacity"] == 400]
    # the user measure fails on every cut ring: recorded as its type and one line
    assert (good["error"] == "RuntimeError: needs every link of the ring").all()
    fine = run(Study(name="g", topology=_ring(), grid={"links[*].capacity": [400, -5]},
                     measures=("min_cut",)))
    assert fine["error"].isna().tolist() == [True, False]
    assert fine["min_cut.gbps"].tolist()[0] == 600.0  # y to z: 400 direct + 200 round


def test_scenario_ids_are_stable_and_distinct():
    study = Study(name="s", topology=_ring(), grid={"defaults.route_factor": [1.2, 1.5]},
                  failures=Failures(order=(1, 2)))
    first = [s.scenario_id for s in scenarios(study)]
    assert first == [s.scenario_id for s in scenarios(study)]
    assert len(set(first)) == len(first) == 2 * (3 + 3)
    assert [s.index for s in scenarios(study)] == list(range(len(first)))


def test_resume_after_a_truncated_file_gives_exactly_the_full_rows(tmp_path):
    study = Study(name="r", topology=_ring(), grid={"links[*].capacity": [100, 400, -1]},
                  failures=Failures(order=(1, 2)), measures=("max_rtt", "min_cut"))
    full = tmp_path / "full.csv"
    whole = run(study, output=full)
    part = tmp_path / "part.csv"
    lines = full.read_bytes().splitlines(keepends=True)
    part.write_bytes(b"".join(lines[:7]) + lines[7][:9])  # six rows and a row cut short
    seen = []
    resumed = run(study, output=part, resume=True, on_row=seen.append)
    assert len(seen) == len(whole) - 6
    _same(whole, resumed)
    on_disk = pd.read_csv(part).sort_values("scenario_id", ignore_index=True)
    expected = pd.read_csv(full).sort_values("scenario_id", ignore_index=True)
    pd.testing.assert_frame_equal(on_disk.drop(columns="wall_s"),
                                  expected.drop(columns="wall_s"))
    assert run(study, output=part, resume=True, on_row=seen.append).shape == whole.shape
    assert len(seen) == len(whole) - 6  # nothing left to run


def test_resume_refuses_another_studys_file(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("scenario_id,x\nabc,1\n")
    with pytest.raises(ValidationError, match="another study"):
        run(Study(name="r", topology=_ring()), output=other, resume=True)
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValidationError, match="no scenario_id"):
        run(Study(name="r", topology=_ring()), output=other, resume=True)


SLOW_MEASURE = """
import time

from infranet.studies.sweep import measure_max_rtt


def rtt(topology, study):
    time.sleep(0.005)  # slow enough that a kill falls part-way, however fast the measures are
    return measure_max_rtt(topology, study)
"""


def slowed_study(tmp_path, monkeypatch, source=FIBER_CUTS, failures=None):
    """A copy of a shipped study whose RTT measure takes at least 5 ms a scenario, importable
    here and in a subprocess (returns the study file and the environment to run it in)."""
    (tmp_path / "slow_measure.py").write_text(SLOW_MEASURE)
    monkeypatch.syspath_prepend(str(tmp_path))
    raw = yaml.safe_load(source.read_text())
    raw["topology"] = str((source.parent / raw["topology"]).resolve())
    raw["measures"] = ["slow_measure:rtt", "min_cut"]
    if failures is not None:
        raw["failures"] = failures
    study_file = tmp_path / "cuts.yaml"
    study_file.write_text(yaml.safe_dump(raw))
    env = {**os.environ, "INFRANET_WORKERS": "1",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    return study_file, env


def test_a_study_killed_part_way_resumes_to_the_full_rows(tmp_path, monkeypatch):
    study_file, env = slowed_study(tmp_path, monkeypatch)
    out = tmp_path / "cuts.csv"
    command = [sys.executable, "-c", "from infranet.cli import main; main()", "sweep",
               str(study_file), "-o", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") > 40:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = out.read_bytes().count(b"\n") - 1
    total = len(scenarios(read_study(study_file)))
    assert 40 <= done < total, "killed too late to test a resume"
    result = invoke("sweep", study_file, "-o", out, "--resume", "--workers", "2")
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out)
    assert len(rows) == total and rows["scenario_id"].is_unique
    assert set(rows["scenario_id"]) == {s.scenario_id for s in
                                        scenarios(read_study(study_file))}
    assert rows["error"].isna().all()
    # against an uninterrupted run of the same scenarios
    whole = run(read_study(study_file), workers=2).set_index("scenario_id")
    again = rows.set_index("scenario_id").loc[whole.index]
    assert again["min_cut.gbps"].tolist() == whole["min_cut.gbps"].tolist()
    assert again["slow_measure:rtt.ms"].tolist() == pytest.approx(
        whole["slow_measure:rtt.ms"].tolist(), rel=1e-12, nan_ok=True)


def test_shipped_study_reads():
    study = read_study(FIBER_CUTS)
    n = study.topology.n_links
    assert len(scenarios(study)) == n + n * (n - 1) // 2
    assert set(study.measures) <= set(MEASURES)


def _write(tmp_path: Path, raw) -> Path:
    (tmp_path / "ring.yaml").write_text(RING)
    path = tmp_path / "study.yaml"
    path.write_text(raw if isinstance(raw, str) else yaml.safe_dump(raw))
    return path


BASE = {"name": "s", "topology": "ring.yaml", "measures": ["max_rtt"]}
HOSTILE = [
    ({**BASE, "grdi": {}}, "grdi: unknown key (did you mean 'grid'?)"),
    ({**BASE, "topology": 3}, "topology: expected the path of a topology file"),
    ({**BASE, "topology": "nowhere.yaml"}, "nowhere.yaml"),
    ({**BASE, "measures": ["max_rt"]}, "unknown measure 'max_rt' (did you mean 'max_rtt'?)"),
    ({**BASE, "measures": []}, "measures: expected a list of measure names"),
    ({**BASE, "measures": ["training:step_s"]}, "needs a job"),
    ({**BASE, "measures": ["no_such_module:f"]}, "cannot load measure"),
    ({**BASE, "grid": {"links[x--q].capacity": [1]}}, "x--q"),
    ({**BASE, "grid": {"links[.capacity": [1]}}, "grid.links[.capacity"),
    ({**BASE, "grid": {"defaults.route_factor": []}}, "expected a non-empty list"),
    ({**BASE, "grid": [1, 2]}, "grid: expected a mapping"),
    ({**BASE, "grid": {"job.seq_len": [1]}}, "no job"),
    ({**BASE, "failures": {"order": 3}}, "failures.order: expected 1, 2 or [1, 2]"),
    ({**BASE, "failures": {"links": "yes"}}, "failures.links: expected true or false"),
    ({**BASE, "failures": {"random": -1}}, "failures.random: expected a whole number >= 1"),
    ({**BASE, "failures": {"random": 0}}, "failures.random: expected a whole number >= 1"),
    ({**BASE, "grid": {"defaults.route_factor": [1.2, 1.2]}},
     "grid.defaults.route_factor: 1.2 is listed twice"),
    ({**BASE, "failures": {"seed": 1}}, "give 'random: K' too"),
    ({**BASE, "failures": {"links": False}}, "nothing to fail"),
    ({**BASE, "failures": {"linkz": True}}, "failures.linkz: unknown key"),
    ({**BASE, "job": 5}, "job: expected a file name or a mapping"),
    ({**BASE, "job": {"model": "llama3-8b"}}, "job"),
    ([1, 2], "expected a mapping with keys"),
    ("name: [unclosed", "study.yaml"),
]


@pytest.mark.parametrize(("raw", "message"), HOSTILE)
def test_hostile_study_files_give_one_line_errors(tmp_path, raw, message):
    path = _write(tmp_path, raw)
    with pytest.raises(InfranetError) as caught:
        read_study(path)
    assert message in str(caught.value)
    result = invoke("sweep", path, "-o", tmp_path / "out.csv")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_unknown_measure_is_an_unknown_name(tmp_path):
    _write(tmp_path, BASE)
    with pytest.raises(UnknownNameError):
        study_from_mapping({**BASE, "measures": ["min_kut"]}, base=tmp_path, file="s.yaml")


def test_sweep_cli_writes_every_row(tmp_path):
    path = _write(tmp_path, {**BASE, "grid": {"defaults.route_factor": [1.2, 1.4]},
                             "failures": {"order": [1, 2]}, "measures": ["max_rtt", "min_cut"]})
    out = tmp_path / "rows.csv"
    result = invoke("sweep", path, "-o", out)
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out)
    assert len(rows) == 12 and list(rows.columns[:3]) == ["scenario_id",
                                                          "defaults.route_factor", "failure"]
    summary = json.loads(invoke("sweep", path, "-o", out, "--resume", "--format", "json").stdout)
    assert summary == {"study": "s", "output": str(out), "scenarios": 12, "run": 0, "kept": 12,
                       "errors": 0}


@pytest.mark.parametrize("name", ["route-factor", "training-distance-bandwidth",
                                  "routing-under-cuts"])
def test_small_shipped_studies_run_without_errors(name):
    study = read_study(ROOT / "examples" / "studies" / f"{name}.yaml")
    rows = run(study)
    assert len(rows) == len(scenarios(study)) and rows["error"].isna().all()
    assert (rows["max_rtt.ms"] > 0).all()


def test_grid_edits_the_job():
    base = read_study(ROOT / "examples" / "studies" / "training-distance-bandwidth.yaml")
    study = Study(name="j", topology=base.topology, job=base.job, job_file=base.job_file,
                  grid={"job.global_batch": [512, 2048], "job.recompute": ["nonsense"]},
                  measures=("training:step_s",))
    rows = run(study)
    assert rows["error"].str.contains("recompute").all()
    good = run(Study(name="j", topology=base.topology, job=base.job, job_file=base.job_file,
                     grid={"job.global_batch": [512, 2048]}, measures=("training:step_s",)))
    assert good["error"].isna().all()
    small, large = good["training:step_s.step_s"]
    assert large > small  # four times the batch: a longer step


def test_an_existing_output_is_untouched_until_the_first_row(tmp_path):
    out = tmp_path / "rows.csv"
    out.write_text("kept\n")
    result = invoke("sweep", FIBER_CUTS, "-o", out, "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    assert out.read_text() == "kept\n"  # a scheduler that does not answer loses nothing


def test_resuming_the_results_of_an_edited_topology_is_refused(tmp_path):
    ring = _ring()
    out = tmp_path / "rows.csv"
    study = Study(name="r", topology=ring, failures=Failures(), measures=("max_rtt",))
    run(study, output=out)
    edited = Study(name="r", topology=ring.with_changes({"defaults.route_factor": 2.0}),
                   failures=Failures(), measures=("max_rtt",))
    with pytest.raises(ValidationError, match="another study"):
        run(edited, output=out, resume=True)
    more = Study(name="r", topology=ring, failures=Failures(), measures=("max_rtt", "min_cut"))
    with pytest.raises(ValidationError, match="another study"):
        run(more, output=out, resume=True)


def test_a_measure_returning_what_is_no_result_is_an_error_row(tmp_path, monkeypatch):
    (tmp_path / "junk_measure.py").write_text(
        "def junk(topology, study):\n    return object()\n\n"
        "def listed(topology, study):\n    return [1, 2, 3]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("junk_measure:junk", "junk_measure:listed"):
        rows = run(Study(name="j", topology=_ring(), measures=(name,)))
        assert rows["error"].str.contains("expected a mapping, a result with to_dict").all()


@pytest.mark.parametrize(("text", "expected"), [
    ('grid: {"links[*].capacity": ["fast", "100 Gb/s"]}',
     "study: grid.links[*].capacity: 'fast': link "),
    ('grid: {"links[nope].capacity": [100]}', "study: grid.links[nope].capacity: 100: path"),
])
def test_a_bad_grid_edit_names_the_study_and_its_path(tmp_path, text, expected):
    (tmp_path / "ring.yaml").write_text(RING)
    study = tmp_path / "study.yaml"
    study.write_text(f"name: s\ntopology: ring.yaml\n{text}\nmeasures: [max_rtt]\n")
    result = invoke("sweep", study, "-o", tmp_path / "rows.csv")
    assert result.exit_code == 1
    assert f"study.yaml: {expected}" in result.stderr and "validate" not in result.stderr


@pytest.mark.parametrize("where", ["nothere.yaml", "topohub:bogus/none"])
def test_a_missing_topology_names_the_study(tmp_path, where):
    study = tmp_path / "study.yaml"
    study.write_text(f"name: s\ntopology: {json.dumps(where)}\nmeasures: [max_rtt]\n")
    result = invoke("sweep", study, "-o", tmp_path / "rows.csv")
    assert result.exit_code == 1 and "study.yaml: study: topology: " in result.stderr
