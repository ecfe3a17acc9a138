"""``infranet size inference`` from a fresh install: the bare replica, the shipped service on the
continental backbone, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from infranet.cli import main

ROOT = Path(__file__).resolve().parents[2]
BACKBONE = str(ROOT / "topologies" / "us-backbone.yaml")
SERVICE = str(ROOT / "examples" / "service-llama3-70b.yaml")
HEADLINE = ("tensor_parallel", "requests_per_s", "accelerators_per_rps", "network_ms",
            "queue_ms", "prefill_ms", "ttft_ms", "tpot_ms", "binding")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_bare_replica_json():
    code, out, err = run("size", "inference", "--model", "llama3-70b", "--accelerator", "H200",
                         "--precision", "fp8", "--prompt-tokens", "2000", "--output-tokens",
                         "250", "--rtt", "20ms", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    for key in HEADLINE:
        assert key in data, key
    assert data["ttft_ms"] <= 450.0 + 1e-6 and data["tpot_ms"] <= 40.0
    assert data["network_ms"] == 20.0


def test_the_shipped_service_on_the_backbone():
    """Before placement, at one RTT for every region; then placed on the backbone, per site."""
    code, out, err = run("size", "inference", "--service", SERVICE, "--accelerator", "H200",
                         "--rtt", "30ms", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["tensor_parallel"] >= 1 and data["ttft_ms"] <= 450.0 + 1e-6
    code, out, err = run("size", "inference", BACKBONE, "--service", SERVICE, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    sites = data["sites"]
    assert data["total_accelerators"] == sum(s["accelerators"] for s in sites.values())
    assert sum(s["load_rps"] for s in sites.values()) == pytest.approx(400.0)
    for site in sites.values():
        assert site["load_rps"] <= site["capacity_rps"] * (1 + 1e-9)
        assert site["accelerators"] == site["replicas"] * site["tensor_parallel"]
        assert site["max_ttft_ms"] is None or site["max_ttft_ms"] <= 450.0 + 1e-6
    code, _, err = run("size", "inference", BACKBONE, "--service", SERVICE, "--rtt", "30ms")
    assert code == 2 and "--rtt goes without a topology" in err


def test_errors_are_one_line():
    cases = [
        (("--model", "llama3-70b", "--accelerator", "H100", "--tpot", "1ms"), "TPOT SLO"),
        (("--model", "llama3-70b", "--accelerator", "H100", "--ttft", "0ms"), "must be > 0"),
        (("--model", "llama3-70b", "--accelerator", "H100", "--rtt", "1s"), "RTT"),
        (("--model", "llama3-7b", "--accelerator", "H100"), "did you mean 'llama3-70b'"),
        (("--model", "llama3-70b"), "no accelerator"),
        (("--model", "llama3-70b", "--accelerator", "H1000"), "did you mean 'H100'"),
        (("--model", "llama3-70b", "--accelerator", "H100", "--tensor-parallel", "3"),
         "does not divide the 64 attention heads"),
    ]
    for args, words in cases:
        code, _, err = run("size", "inference", *args)
        assert code == 1, (args, err)
        assert err.count("\n") == 1 and err.startswith("error: ") and words in err, (args, err)


def test_bad_service_files_and_usage(tmp_path):
    bad = tmp_path / "svc.yaml"
    bad.write_text("model: llama3-70b\nregions: {nowhere: 3}\naccelerator: H200\n",
                   encoding="utf-8")
    code, _, err = run("size", "inference", BACKBONE, "--service", str(bad))
    assert code == 1 and "unknown region 'nowhere'" in err and err.count("\n") == 1
    bad.write_text("model: llama3-70b\n  precision: [", encoding="utf-8")
    code, _, err = run("size", "inference", "--service", str(bad))
    assert code == 1 and err.startswith(f"error: {bad}") and err.count("\n") == 1
    code, _, err = run("size", "inference", "--service", SERVICE, "--model", "llama3-8b")
    assert code == 2 and "not both" in err
    code, _, err = run("size", "inference")
    assert code == 2 and "--service" in err


def test_unknown_names_in_a_service_file_name_the_file_and_field(tmp_path):
    path = tmp_path / "svc.yaml"
    for text, field, words in (("model: llama3-7b\naccelerator: H100\n", "model",
                                "did you mean 'llama3-70b'"),
                               ("model: llama3-70b\naccelerator: H1000\n", "accelerator",
                                "did you mean 'H100'")):
        path.write_text(text, encoding="utf-8")
        code, _, err = run("size", "inference", "--service", str(path))
        assert code == 1 and err.startswith(f"error: {path}: service: {field}: "), err
        assert words in err and err.count("\n") == 1
