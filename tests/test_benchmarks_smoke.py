"""Benchmarks run end to end on small instances (each topic's own smoke tests sit beside its
tests: fabrics in tests/fabrics, the LPs in tests/algorithms/test_mcf.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
BENCH = BENCHMARKS / "bench_latency.py"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_latency_quick(capsys):
    bench = _load(BENCH)
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all results identical" in out
    assert "speed-up" in out


def test_bench_routing_quick(capsys, shared_data):
    bench = _load(BENCHMARKS / "bench_routing.py")
    assert bench.main(["--quick", "--data", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "baseline mcf (arc LP, optimal)" in out and "fptas" in out


def test_bench_io_quick(capsys):
    bench = _load(BENCHMARKS / "bench_io.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all results identical" in out
    assert "yaml.load(CSafeLoader)" in out and "ratio" in out


def test_bench_training_quick(capsys):
    bench = _load(BENCHMARKS / "bench_training.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "sampled results identical: yes" in out and "ratio" in out


def test_bench_placement_quick(capsys):
    bench = _load(BENCHMARKS / "bench_placement.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all placements checked: yes" in out and "ratio greedy / milp" in out


def test_bench_vdc_quick(capsys):
    bench = _load(BENCHMARKS / "bench_vdc.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all results identical" in out and "networkx pair by pair" in out and "ratio" in out


def test_bench_rtt_quick(capsys):
    bench = _load(BENCHMARKS / "bench_rtt.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all sampled results identical" in out and "networkx per pair" in out


def test_bench_studies_quick(capsys):
    bench = _load(BENCHMARKS / "bench_studies.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all rows identical" in out and "speed-up" in out and "min_cut alone" in out


def test_bench_failure_measures_quick(capsys):
    bench = _load(BENCHMARKS / "bench_failure_measures.py")
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all sampled values identical" in out and "all three together" in out
    assert "ratio" in out


def test_bench_dynamic_quick(capsys, shared_data):
    bench = _load(BENCHMARKS / "bench_dynamic.py")
    assert bench.main(["--quick", "--data", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "published optima reproduced: yes" in out
    for name in ("pred-last", "window-peak", "jupiter", "ecmp"):
        assert f"  {name} " in out
    assert "Liu et al., SIGCOMM 2024" in out


def test_bench_oblivious_quick(capsys, shared_data):
    bench = _load(BENCHMARKS / "bench_oblivious.py")
    assert bench.main(["--quick", "--data", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "all ratios agree: yes" in out and "textbook, highs-ipm" in out
