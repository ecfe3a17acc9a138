"""Fuzz: random bytes and random mutations of valid files, through every reader and command.

The only outcomes accepted: success, or an InfranetError. Through the CLI that is exit code 0
(stderr empty or ``warning:`` lines), or exit code 1 with exactly one ``error:`` line on stderr,
and never "Traceback".

Scope:

* readers: every format infranet reads from a file (:data:`infranet.io.FORMATS`: native YAML and
  JSON, node-link JSON, Topology Zoo GML and GraphML, SNDlib native and XML, GeoJSON), and the
  traffic-matrix readers (CSV and FIGRET ``.hist``);
* commands: every command that reads a file (from the click tree), on a mutated topology of
  each format, and ``route`` / ``compare`` on a mutated traffic matrix.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infranet.io
from infranet import traffic
from infranet.errors import InfranetError
from infranet.io.geojson import write_geojson
from infranet.io.nodelink import write_nodelink
from infranet.model import Topology

from .conftest import CLUSTER, DEMANDS, RING, commands, invoke

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "io" / "data"
RING_TOPOLOGY = Topology.from_dict(yaml.safe_load(RING))

#: A valid file of each format infranet reads, as bytes: the seeds of the mutations.
SEEDS: dict[str, tuple[str, bytes]] = {
    "yaml": (".yaml", RING.encode()),
    "json": (".json", json.dumps(RING_TOPOLOGY.to_dict()).encode()),
    "nodelink": (".json", json.dumps(write_nodelink(RING_TOPOLOGY)).encode()),
    "geojson": (".geojson", json.dumps(write_geojson(RING_TOPOLOGY)).encode()),
    "gml": (".gml", (DATA / "zoo_small.gml").read_bytes()),
    "graphml": (".graphml", (DATA / "zoo_small.graphml").read_bytes()),
    "sndlib": (".txt", (DATA / "sndlib_small.txt").read_bytes()),
    "sndlib-xml": (".xml", (DATA / "sndlib_small.xml").read_bytes()),
    "cluster": (".yaml", CLUSTER.encode()),
}
MATRICES: dict[str, bytes] = {
    ".csv": DEMANDS.encode(),
    ".hist": b"0 1e9 2e9 3e9 0 4e9 5e9 6e9 0\n",
}


def test_every_readable_format_has_a_seed():
    readable = {name for name, fmt in infranet.io.FORMATS.items() if fmt.reader}
    assert readable - {"topohub"} <= set(SEEDS)  # topohub reads no file


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """`seed` with a few bytes flipped, inserted, deleted or a span duplicated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "digit"]))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4)) if draw(st.booleans()) else \
                draw(st.sampled_from([b"\n", b"  ", b":", b"-", b"[", b"{", b",", b"&a ", b"*a",
                                      b"nan", b"1e309", b"\x00", b'"', b"<", b"'"]))
        elif action == "delete" and data:
            del data[at:at + draw(st.integers(1, 8))]
        elif action == "duplicate" and data:
            data[at:at] = data[at:at + draw(st.integers(1, 40))]
        elif action == "digit":  # numbers are where nonsense hides: 400 -> 4009, 0, -1
            data[at:at] = draw(st.sampled_from([b"0", b"9", b"-", b".", b"e9", b"00000"]))
    return bytes(data)


def _seed_and_bytes():
    return st.sampled_from(sorted(SEEDS)).flatmap(
        lambda name: st.tuples(st.just(name), st.one_of(
            mutated(SEEDS[name][1]), st.binary(max_size=300))))


def _accept(result, args) -> None:
    """Success, or one ``error:`` line and exit code 1 (``validate`` lists problems on stdout,
    one line each, naming the file)."""
    assert "Traceback" not in result.output, args
    assert result.exit_code in (0, 1), (args, result.exit_code, result.output)
    lines = result.stderr.splitlines()
    if args[0] == "validate":
        assert not lines, (args, result.stderr)
        assert all(line.startswith(f"{args[1]}: ") for line in result.stdout.splitlines()), (
            args, result.stdout)
    elif result.exit_code == 1:
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
    else:
        assert all(line.startswith(("warning: ", "wrote ", "note: ")) for line in lines), (
            args, lines)


_FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


@_FUZZ
@given(_seed_and_bytes())
def test_readers_raise_only_infranet_errors(tmp_path_factory, case):
    name, data = case
    suffix = SEEDS[name][0]
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    fmt = None if name == "cluster" else name
    with contextlib.suppress(InfranetError):
        infranet.io.read(path, format=fmt)
    with contextlib.suppress(InfranetError):
        infranet.io.check(path, format=fmt)


@_FUZZ
@given(st.sampled_from(sorted(MATRICES)).flatmap(lambda s: st.tuples(
    st.just(s), st.one_of(mutated(MATRICES[s]), st.binary(max_size=200)))))
def test_matrix_readers_raise_only_infranet_errors(tmp_path_factory, case):
    suffix, data = case
    path = tmp_path_factory.mktemp("fuzz") / f"tm{suffix}"
    path.write_bytes(data)
    with contextlib.suppress(InfranetError):
        if suffix == ".csv":
            traffic.read_csv(path, RING_TOPOLOGY)
        else:
            traffic.read_hist(path, RING_TOPOLOGY)


def _runs(path: Path, out: Path) -> dict[str, list[list[str]]]:
    """What each command that reads a topology runs on `path`."""
    p = str(path)
    service = out.parent / "service.yaml"
    service.write_text("model: llama3-8b\naccelerator: H100\n"
                       "demand: {total_requests_per_s: 10, by: equal}\n")
    return {
        "validate": [["validate", p]],
        "show": [["show", p], ["show", p, "--format", "csv"]],
        "convert": [["convert", p, str(out)]],
        "latency": [["latency", p, "--matrix"], ["latency", p, "--links"],
                    ["latency", p, "--from", "x", "--to", "z", "-k", "2"]],
        "compare": [["compare", p, "--format", "json", "--plot",
                     str(out.with_name("designs.png"))]],
        "maxflow": [["maxflow", p, "--from", "x", "--to", "z"]],
        "route": [["route", p, "--demands", "file", "--default-capacity", "100G"]],
        "fabric report": [["fabric", "report", p, "--format", "json"]],
        "size training": [["size", "training", p, "--model", "llama3-8b", "--accelerators",
                           "64", "--parallelism", "tp=8", "--global-batch", "64", "--plot",
                           str(out.with_name("step.svg"))]],
        "size inference": [["size", "inference", p, "--model", "llama3-8b",
                            "--accelerator", "H100"]],
        "place training": [["place", "training", p, "--model", "llama3-8b", "--accelerators",
                            "64", "--parallelism", "tp=8", "--global-batch", "64"]],
        "place inference": [["place", "inference", p, "--service", str(service)]],
        "collective": [["collective", "--size", "1GB", "--topology", p, "--group", "dc=16"],
                       ["collective", "--size", "1GB", "--topology", p, "--group", "x=8",
                        "--group", "z=8", "--window", "4MiB"]],
        "vdc": [["vdc", p, "--max-rtt", "10ms", "--all"]],
        "map": [["map", p, "-o", str(out.with_suffix(".png"))],
                ["map", p, "--color-by", "capacity_gbps", "-o", str(out.with_suffix(".svg"))]],
        "plot": [["plot", p, "--x", "name", "--y", "a", "-o", str(out.with_suffix(".png"))],
                 ["plot", p, "--x", "name", "--kind", "cdf", "-o", str(out.with_suffix(".svg"))]],
        "sweep": [["sweep", str(_study(path, out)), "-o", str(out.parent / "rows.csv")]],
    }


def _study(path: Path, out: Path) -> Path:
    """A study of single link cuts on the topology at `path`, beside `out`."""
    study = out.parent / "study.yaml"
    study.write_text(f"name: cuts\ntopology: {json.dumps(str(path))}\nfailures: true\n"
                     "measures: [max_rtt, min_cut]\n")
    return study


def test_every_command_that_reads_a_file_is_fuzzed(tmp_path):
    runs = _runs(tmp_path / "x.yaml", tmp_path / "out.json")
    for words, command in commands():
        name = " ".join(words)
        reads = any(getattr(p, "name", "") in ("file", "files", "study_file")
                    for p in command.params)
        assert not reads or name in runs, f"infranet {name} reads a file: fuzz it here"


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(_seed_and_bytes())
def test_commands_answer_success_or_one_line(tmp_path_factory, case):
    name, data = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"input{SEEDS[name][0]}"
    path.write_bytes(data)
    for command, runs in _runs(path, folder / "out.json").items():
        if command == "fabric report" and name != "cluster":
            continue  # the other seeds hold no cluster
        for args in runs:
            _accept(invoke(*args, env={"COLUMNS": "100"}), args)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(sorted(MATRICES)).flatmap(lambda s: st.tuples(
    st.just(s), st.one_of(mutated(MATRICES[s]), st.binary(max_size=200)))))
def test_route_on_fuzzed_matrices(tmp_path_factory, case):
    suffix, data = case
    folder = tmp_path_factory.mktemp("fuzz")
    topology = folder / "ring.yaml"
    topology.write_text(RING)
    matrix = folder / f"tm{suffix}"
    matrix.write_bytes(data)
    unit = ["--demand-unit", "b/s"] if suffix == ".hist" else []  # a usage error otherwise
    for args in (["route", str(topology), "--demands", str(matrix), *unit],
                 ["compare", str(topology), "--demands", str(matrix), "--format", "csv"]):
        _accept(invoke(*args), args)


#: A results table: the seed of ``infranet plot``'s own fuzzing.
RESULTS = b"distance_km,efficiency,model\n50,0.99,8b\n500,0.95,8b\n50,0.98,70b\n500,0.9,70b\n"


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(mutated(RESULTS), st.binary(max_size=200)))
def test_plot_on_fuzzed_tables(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    table = folder / "rows.csv"
    table.write_bytes(data)
    for args in (["plot", str(table), "--x", "distance_km", "--y", "efficiency", "--hue",
                  "model", "-o", str(folder / "a.png")],
                 ["plot", str(table), "--x", "model", "--y", "efficiency", "--kind", "bar",
                  "-o", str(folder / "b.svg")],
                 ["plot", str(table), "--x", "efficiency", "--kind", "cdf",
                  "-o", str(folder / "c.png")]):
        _accept(invoke(*args), args)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seeds_are_valid(name: str, tmp_path: Path):
    path = tmp_path / f"seed{SEEDS[name][0]}"
    path.write_bytes(SEEDS[name][1])
    infranet.io.read(path, format=None if name == "cluster" else name)


STUDY = (b"name: s\ntopology: ring.yaml\ngrid: {defaults.route_factor: [1.2, 1.5]}\n"
         b"failures: {links: true, srlgs: true, order: [1, 2], random: 4, seed: 1}\n"
         b"measures: [max_rtt, mean_rtt, min_cut]\n")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(mutated(STUDY), st.binary(max_size=200)))
def test_sweep_on_fuzzed_study_files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "ring.yaml").write_text(RING)
    study = folder / "study.yaml"
    study.write_bytes(data)
    for args in (["sweep", str(study), "-o", str(folder / "rows.csv")],
                 ["sweep", str(study), "-o", str(folder / "rows.parquet")],
                 ["sweep", str(study), "-o", str(folder / "rows.parquet"), "--resume"]):
        _accept(invoke(*args), args)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.just(b"PAR1" + bytes(40) + b"PAR1")))
def test_plot_and_resume_on_fuzzed_parquet_parts(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "ring.yaml").write_text(RING)
    (folder / "study.yaml").write_bytes(STUDY)
    parts = folder / "rows.parquet"
    parts.mkdir()
    (parts / "part-000000.parquet").write_bytes(data)
    (folder / "one.parquet").write_bytes(data)
    for args in (["plot", str(parts), "--x", "failure", "--kind", "cdf",
                  "-o", str(folder / "a.png")],
                 ["plot", str(folder / "one.parquet"), "--x", "a", "--y", "b",
                  "-o", str(folder / "b.png")],
                 ["sweep", str(folder / "study.yaml"), "-o", str(parts), "--resume"]):
        _accept(invoke(*args), args)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(st.text(st.characters(blacklist_categories=("Nd", "Cs"),  # never a real
                                        blacklist_characters=":/[]"),  # scheduler's address
                         max_size=40), st.sampled_from(
    ["tcp://127.0.0.1:9", "127.0.0.1:0", "tcp://", "inproc://x", "tls://127.0.0.1:9",
     "tcp://[::1]:9", "tcp://127.0.0.1:99999", "ucx://127.0.0.1:9"])))
def test_sweep_and_bench_on_fuzzed_scheduler_addresses(tmp_path_factory, address):
    import dask.config

    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "ring.yaml").write_text(RING)
    (folder / "study.yaml").write_bytes(STUDY)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.3s"}):
        for args in (["sweep", str(folder / "study.yaml"), "-o", str(folder / "rows.csv"),
                      "--scheduler", address],
                     ["bench", "routing", "--algorithms", "spf", "--scheduler", address]):
            result = invoke(*args)
            _accept(result, args)
            assert result.exit_code != 0, (args, result.output)


STUDY_MLU = (b"name: m\ntopology: ring.yaml\ndemands: {generator: gravity, total_gbps: 300, "
             b"by: degree}\nfailures: {links: true, sites: true}\n"
             b"measures: [mlu:ecmp, mlu:path-lp]\n")


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.one_of(mutated(STUDY_MLU), mutated(STUDY_MLU.replace(
    b"{generator: gravity, total_gbps: 300, by: degree}", b"tm.csv"))))
def test_sweep_on_fuzzed_routing_studies(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "ring.yaml").write_text(RING)
    (folder / "tm.csv").write_text("src,dst,gbps\nx,z,40\nz,y,10\n")
    study = folder / "study.yaml"
    study.write_bytes(data)
    args = ["sweep", str(study), "-o", str(folder / "rows.csv")]
    _accept(invoke(*args), args)
