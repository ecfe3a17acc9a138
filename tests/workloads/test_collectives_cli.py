"""``infranet collective``: JSON keys, formats, one-line errors, usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from infranet.cli import main
from infranet.workloads.collectives import Level, collective

ROOT = Path(__file__).resolve().parents[2]
MESH = str(ROOT / "topologies/texas-mesh.yaml")


def run(*args: str):
    return CliRunner().invoke(main, ["collective", *args])


def test_bare_question_in_json_matches_the_library():
    out = run("--op", "allreduce", "--size", "64MiB", "--ranks", "8", "--bandwidth", "450GB/s",
              "--latency", "3us", "--algorithm", "ring", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    for key in ("time_ms", "algbw_gbps", "busbw_gbps", "binding"):
        assert key in data
    expected = collective("allreduce", 64 * 2**20, [Level("flat", 8, 3600.0, 3e-6)],
                          algorithm="ring")
    assert data["time_ms"] == pytest.approx(expected.time_ms, rel=1e-12)
    assert data["busbw_gbytes_per_s"] == pytest.approx(data["busbw_gbps"] / 8)


def test_placed_group_in_every_format():
    args = ("--size", "1GiB", "--topology", MESH, "--group", "abilene/stargate-ph1=1024",
            "--group", "temple=1024")
    data = json.loads(run(*args, "--format", "json").stdout)
    assert [row["tier"] for row in data["levels"]] == ["scale_up", "scale_out", "dci"]
    assert data["ranks"] == 2048 and data["chosen"] == "hierarchical"
    csv = run(*args, "--format", "csv")
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0].startswith("tier,element,ranks")
    assert len(csv.stdout.splitlines()) == 4
    table = run(*args)
    assert table.exit_code == 0 and "where the time goes" in table.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--size", "1GB", "--topology", MESH, "--group", "nowhere=8"), "unknown site 'nowhere'"),
    (("--size", "1GB", "--topology", MESH, "--group", "temple=8", "--group", "fort-worth=16"),
     "different numbers of ranks"),
    (("--size", "1GB", "--ranks", "6", "--bandwidth", "400G", "--algorithm",
      "halving_doubling"), "cannot run allreduce over 6"),
])
def test_bad_input_is_one_line_and_exit_1(args, message):
    out = run(*args)
    assert out.exit_code == 1
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [
    ("--size", "1GB", "--ranks", "8", "--bandwidth", "400G", "--topology", MESH),
    ("--size", "1GB", "--ranks", "8"),
    ("--size", "1GB", "--topology", MESH),
    ("--size", "lots", "--ranks", "8", "--bandwidth", "400G"),
    ("--size", "1GB", "--ranks", "8", "--bandwidth", "-4G"),
])
def test_bad_usage_is_exit_2(args):
    assert run(*args).exit_code == 2


def _doc_commands() -> list[str]:
    import re

    from ..conftest import example_commands

    text = (ROOT / "docs/collectives.md").read_text(encoding="utf-8")
    return [c for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)
            for c in example_commands(block)]


@pytest.mark.parametrize("command", _doc_commands())
def test_the_commands_of_the_docs_run(command, tmp_path):
    from ..conftest import run_example

    result = run_example(command, tmp_path)
    assert result.exit_code == 0, result.output


def test_in_network_runs_on_a_bare_question_and_is_refused_on_a_placed_group():
    """Naming in_network on a bare question says the switches reduce: 2 steps and S/B by the
    kernel's table; a placed group has no tier marked as reducing, which the error says."""
    out = run("--size", "64MiB", "--ranks", "8", "--bandwidth", "450GB/s", "--latency", "3us",
              "--algorithm", "in_network", "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["time_ms"] == pytest.approx((2 * 3e-6 + 64 * 2**20 / 450e9) * 1e3, rel=1e-12)
    placed = run("--size", "1GiB", "--topology", str(ROOT / "topologies/texas-mesh.yaml"),
                 "--group", "fort-worth=64", "--group", "san-antonio=64",
                 "--algorithm", "in_network")
    assert placed.exit_code == 2 and "no tier of a placed group" in placed.stderr


@pytest.mark.parametrize("option,value", [("--bandwidth", "1e308G"), ("--latency", "1e308s"),
                                          ("--size", "1e308")])
def test_absurd_figures_are_one_line_usage_errors(option: str, value: str):
    args = {"--size": "64MiB", "--ranks": "8", "--bandwidth": "400G", "--latency": "3us"}
    args[option] = value
    out = run(*[x for pair in args.items() for x in pair])
    assert out.exit_code == 2 and "is more than" in out.stderr and "Warning" not in out.stderr


def test_an_alltoall_bandwidth_part_is_that_of_the_algorithm_it_ran():
    """Bruck (halving-doubling) all-to-all of 1 MiB over 64 ranks moves log2(64)/2 = 3 times
    the buffer: 3 S / B of its 79 µs, not the direct algorithm's 63/64 S / B."""
    out = run("--op", "alltoall", "--size", "1MiB", "--ranks", "64", "--bandwidth", "400G",
              "--latency", "2.7us", "--format", "json")
    (row,) = json.loads(out.stdout)["levels"]
    assert row["algorithm"] == "halving_doubling"
    assert row["bandwidth_ms"] == pytest.approx(3 * 2**20 * 8 / 400e9 * 1e3, rel=1e-12)
    assert "mostly bandwidth" in json.loads(out.stdout)["binding"]["summary"]


def test_csv_gives_the_summary_row_when_asked():
    out = run("--size", "1GB", "--ranks", "64", "--bandwidth", "400G", "--what", "summary",
              "--format", "csv")
    header, _row = out.stdout.strip().splitlines()
    assert header.split(",")[:8] == ["op", "algorithm", "chosen", "size_bytes", "ranks",
                                      "time_ms", "algbw_gbps", "busbw_gbps"]


def test_one_rank_is_nothing_placed_or_bare():
    """A placed group of one rank answers as a bare question of one rank: 0 s, 0 Gb/s."""
    placed = run("--size", "1GiB", "--topology", str(ROOT / "topologies/tpu-v5p-pod.yaml"),
                 "--group", "council-bluffs=1", "--format", "json")
    bare = run("--size", "1GiB", "--ranks", "1", "--bandwidth", "400G", "--format", "json")
    for out in (placed, bare):
        assert out.exit_code == 0, out.output
        data = json.loads(out.stdout)
        assert (data["time_ms"], data["algbw_gbps"], data["busbw_gbps"]) == (0.0, 0.0, 0.0)
        assert data["binding"]["kind"] == "none"
