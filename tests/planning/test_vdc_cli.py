"""``infranet vdc`` on the shipped Texas topologies: the JSON contract (a list of groups), what
--all adds, notes on stderr, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from infranet.cli import main

ROOT = Path(__file__).resolve().parents[2]
MESH = str(ROOT / "topologies" / "texas-mesh.yaml")
HUB = str(ROOT / "topologies" / "texas-hub.yaml")
CONTRACT = ("sites", "accelerators", "max_rtt_ms", "min_dci_gbps", "binding")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_json_is_a_list_of_groups():
    code, out, err = run("vdc", MESH, "--max-rtt", "3ms", "--format", "json")
    assert code == 0, err
    groups = json.loads(out)
    assert isinstance(groups, list) and len(groups) == 3
    for group in groups:
        assert set(CONTRACT) <= set(group)
        assert isinstance(group["sites"], list) and group["max_rtt_ms"] <= 3.0
        assert set(group["binding"]) == {"kind", "name", "summary"}
        assert "reason" not in group  # only --all says why a group is or is not one
    assert groups[0]["sites"] == ["abilene", "fort-worth"]
    assert groups[0]["after_failure"]["breaking"] == ["abi-ftw-i20"]
    assert err.startswith("note: no power_mw for fort-worth")


def test_all_shows_what_is_missing_and_why():
    code, out, _ = run("vdc", HUB, "--max-rtt", "3ms", "--all", "--format", "json")
    assert code == 0
    groups = json.loads(out)
    assert [g["feasible"] for g in groups] == [True, False, False]
    assert groups[1]["reason"].startswith("no other datacenter within 3 ms RTT")
    code, out, _ = run("vdc", MESH, "--max-rtt", "5ms", "--min-dci", "60Tb/s", "--all",
                       "--format", "json")
    below = [g for g in json.loads(out) if not g["feasible"]]
    assert below and "below the floor of 60,000 Gb/s" in below[0]["reason"]


def test_table_says_what_the_numbers_are():
    code, out, _ = run("vdc", MESH, "--max-rtt", "3ms")
    assert code == 0
    assert out.lstrip().startswith("virtual datacenters: every pair within 3 ms RTT")
    assert "--all shows" not in out
    _, hub, _ = run("vdc", HUB, "--max-rtt", "3ms")
    assert "--all shows 2 more with the reason" in hub


def test_rank_by_pflops_and_power():
    for key, field in (("pflops", "pflops"), ("power", "known_power_mw")):
        code, out, _ = run("vdc", MESH, "--max-rtt", "5ms", "--min-sites", "1", "--rank-by",
                           key, "--no-failures", "--format", "json")
        assert code == 0
        values = [g[field] for g in json.loads(out)]
        assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--max-rtt", "0ms"], 2, "must be > 0"),
    (["--max-rtt", "3"], 2, "3 s is more than 1 s"),
    (["--max-rtt", "3ms", "--rank-by", "gpus"], 2, "'gpus' is not one of"),
    (["--max-rtt", "3ms", "--min-dci", "-1Tb/s"], 2, "must be > 0"),
])
def test_usage_errors(args, code, message):
    status, _, err = run("vdc", MESH, *args)
    assert status == code and message in err


def test_no_datacenter_with_clusters_is_one_line(tmp_path):
    path = tmp_path / "bare.yaml"
    path.write_text("name: bare\nsites:\n  - {name: a, kind: datacenter, location: [-97, 32]}\n"
                    "  - {name: b, kind: pop, location: [-98, 32]}\nlinks:\n  - {a: a, b: b}\n")
    status, out, err = run("vdc", str(path), "--max-rtt", "3ms")
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "'bare' has no datacenter with clusters" in err


def test_rank_keys_are_the_library_s():
    from infranet.cli.vdc import vdc
    from infranet.planning.vdc import RANK_KEYS

    (option,) = [p for p in vdc.params if p.name == "rank_by"]
    assert tuple(option.type.choices) == RANK_KEYS
