"""The latency benchmark runs end to end on small instances and finds all methods in agreement."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_latency.py"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location("bench_latency", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_latency_quick(capsys):
    bench = _load(BENCH)
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all results identical" in out
    assert "speed-up" in out
