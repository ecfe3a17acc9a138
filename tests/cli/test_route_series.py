"""``infranet route FILE --series``: one algorithm replayed online; output formats, bad input
and fuzzed series files."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import RING, SHARED_DATA, invoke

GEANT = SHARED_DATA / "figret-geant"
SERIES = "t,src,dst,gbps\n0,x,z,300\n0,y,x,50\n1,x,z,350\n1,y,x,40\n2,x,z,280\n2,z,y,10\n"
ROW_KEYS = {"t", "mlu", "optimum_mlu", "mlu_ratio", "lost_gbps", "churn", "solve_s"}


@pytest.fixture
def ring(tmp_path: Path) -> tuple[Path, Path]:
    topo = tmp_path / "ring.yaml"
    topo.write_text(RING)
    series = tmp_path / "series.csv"
    series.write_text(SERIES)
    return topo, series


def _error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_json_has_the_summary_and_one_row_per_interval(ring):
    topo, series = ring
    result = invoke("route", topo, "--series", series, "-a", "pred-last", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [r["t"] for r in out["intervals"]] == [1, 2]
    assert set(out["intervals"][0]) == ROW_KEYS
    assert out["summary"]["intervals"] == 2 and out["summary"]["optimum"] == "arc LP"
    assert out["binding"]["kind"] in ("link", "path")
    ratios = [r["mlu_ratio"] for r in out["intervals"]]
    assert all(r >= 1 - 1e-7 for r in ratios if r is not None and not math.isnan(r))


def test_csv_and_table(ring):
    topo, series = ring
    result = invoke("route", topo, "--series", series, "-a", "ecmp", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2 and set(rows[0]) == ROW_KEYS
    table = invoke("route", topo, "--series", series, "-a", "pred-ewma", "--option",
                   "alpha=0.3", "--limit", "1")
    assert table.exit_code == 0, table.output
    assert "mean_ratio" in table.stdout and "per interval" in table.stdout


def test_history_and_plot(ring, tmp_path):
    topo, series = ring
    chart = tmp_path / "ratio.svg"
    result = invoke("route", topo, "--series", series, "-a", "window-peak", "--history", "1",
                    "--plot", chart, "--format", "json")
    assert result.exit_code == 0, result.output
    assert chart.read_text().startswith("<?xml")
    assert json.loads(result.stdout)["options"]["history"] == 1


def test_geant_uses_the_published_optima_and_tunnels():
    if not GEANT.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    result = invoke("route", GEANT / "GEANT.json", "--capacity-unit", "bit/s", "--series",
                    GEANT / "test-7.hist", "--tunnels", GEANT / "tunnels.txt", "-a",
                    "pred-last", "--limit", "3", "--start", "12", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    published = [float(x) for x in (GEANT / "test-7.opt").read_text().split()]
    assert out["summary"]["optimum"] == "published"
    assert [r["optimum_mlu"] for r in out["intervals"]] == published[12:15]
    assert out["options"]["paths"] == "given"
    assert "published optima" in result.stderr


@pytest.mark.parametrize(("extra", "words"), [
    (["--demands", "x.csv"], "not both"),
    (["--line", "2"], "--line does not go with --series"),
    (["--failures"], "--failures does not go with --series"),
    (["--demand-unit", "Gb/s"], "goes with a FIGRET .hist series"),
    (["--no-optimum", "--optima", "x.opt"], "contradict"),
    (["--history", "0"], "--history"),
])
def test_usage_errors(ring, extra, words):
    topo, series = ring
    result = invoke("route", topo, "--series", series, *extra)
    assert result.exit_code == 2 and words in result.output, result.output


def test_series_options_need_series(ring):
    topo, _ = ring
    result = invoke("route", topo, "--demands", "file", "--limit", "3")
    assert result.exit_code == 2 and "--limit goes with --series" in result.output
    result = invoke("route", topo)
    assert result.exit_code == 2 and "--demands" in result.output


@pytest.mark.parametrize(("text", "words"), [
    ("t,src,dst,gbps\n0,x,q,1\n1,x,z,1\n", "unknown site 'q'"),
    ("t,src,dst,gbps\n0,x,z,1\n2,x,z,1\n", "interval 1 is missing"),
    ("t,src,dst,gbps\n0,x,z,-3\n1,x,z,1\n", "non-negative"),
    ("t,src,dst,gbps\n0,x,z,1\n", "none to evaluate"),
    ("t,src,dst,gbps\n0,x,z,1\n1,x,z,1e308\n", "t 1 (x -> z): gbps: 1e+308 Gb/s is"),
])
def test_bad_series_is_one_line(ring, tmp_path, text, words):
    topo, _ = ring
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    line = _error_line(invoke("route", topo, "--series", bad, "-a", "ecmp"))
    assert words in line, line


def test_bad_optima_and_tunnels_are_one_line(ring, tmp_path):
    topo, series = ring
    opt = tmp_path / "few.opt"
    opt.write_text("0.5\n")
    line = _error_line(invoke("route", topo, "--series", series, "--optima", opt))
    assert "expected 3 optima" in line and str(opt) in line
    tunnels = tmp_path / "tunnels.txt"
    tunnels.write_text("x z:x-q-z\n")
    line = _error_line(invoke("route", topo, "--series", series, "--tunnels", tunnels))
    assert "unknown site 'q'" in line


def test_an_algorithm_that_reads_the_future_is_one_line(ring):
    from infranet.routing import base as routing_base
    from infranet.routing import register

    @register("test-cli-cheat")
    def cheat(topology, tm, *, history=None):
        return history.matrix(len(history))

    try:
        topo, series = ring
        line = _error_line(invoke("route", topo, "--series", series, "-a", "test-cli-cheat"))
        assert "read the future" in line
    finally:
        routing_base._REGISTRY.pop("test-cli-cheat", None)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=120))
def test_fuzzed_series_never_tracebacks(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    topo = folder / "ring.yaml"
    topo.write_text(RING)
    for name, head in (("f.csv", b"t,src,dst,gbps\n0,x,z,1\n"), ("f.hist", b"")):
        path = folder / name
        path.write_bytes(head + data)
        result = invoke("route", topo, "--series", path, "-a", "ecmp")
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 1:
            assert len([x for x in result.output.splitlines() if x.startswith("error:")]) == 1


@pytest.mark.parametrize("algorithm, option, says", [
    ("window-peak", "history=3", "history"),
    ("cope", "history=3", "history"),
    ("path-lp", "paths=3", "tunnels"),
])
def test_options_the_protocol_owns_are_one_line(ring, algorithm, option, says):
    topo, series = ring
    result = invoke("route", topo, "--series", series, "-a", algorithm, "--option", option)
    assert says in _error_line(result)


def test_history_as_an_option_of_one_matrix_and_a_bad_intermediates(ring, tmp_path):
    topo, _ = ring
    matrix = tmp_path / "tm.csv"
    matrix.write_text("src,dst,gbps\nx,z,300\n")
    result = invoke("route", topo, "--demands", matrix, "-a", "window-peak", "--option",
                    "history=3")
    assert result.exit_code == 2 and "--series" in result.output
    assert "Traceback" not in result.output
    result = invoke("route", topo, "--demands", matrix, "-a", "vlb", "--option",
                    "intermediates=3")
    assert "intermediates must be a list of node names" in _error_line(result)


def test_optima_of_another_length_or_zero_are_refused(ring, tmp_path):
    topo, series = ring  # three intervals
    longer = tmp_path / "longer.opt"
    longer.write_text("1 1 1 1\n")
    assert "expected 3 optima" in _error_line(
        invoke("route", topo, "--series", series, "--optima", longer))
    zeros = tmp_path / "zeros.opt"
    zeros.write_text("0 0 0\n")
    line = _error_line(invoke("route", topo, "--series", series, "--optima", zeros))
    assert "optima" in line and "carries traffic but its optimum is 0" in line


def test_a_ratio_below_one_is_said(ring, tmp_path):
    topo, series = ring
    small = tmp_path / "high.opt"
    small.write_text("10 10 10\n")  # far above any MLU here
    result = invoke("route", topo, "--series", series, "--optima", small, "-a", "ecmp")
    assert result.exit_code == 0, result.output
    assert "below the optimum" in result.stderr and "least ratio" in result.stderr


def test_a_chart_that_cannot_be_drawn_keeps_the_rows(ring, tmp_path):
    topo, _ = ring
    silent = tmp_path / "silent.csv"
    silent.write_text("t,src,dst,gbps\n0,x,z,0\n1,x,z,0\n2,x,z,0\n")
    chart = tmp_path / "ratio.png"
    result = invoke("route", topo, "--series", silent, "-a", "ecmp", "--plot", chart,
                    "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 3  # header and two intervals
    assert f"no chart written to {chart}" in result.stderr and not chart.exists()



def test_an_interrupted_replay_prints_the_intervals_measured(ring, tmp_path):
    """Ctrl-C part-way: the rows measured so far on stdout, one line on stderr, exit 130."""
    from infranet.routing import base, register
    from infranet.routing.lp import path_lp

    topo, _ = ring
    longer = tmp_path / "longer.csv"
    longer.write_text("t,src,dst,gbps\n" + "".join(f"{t},x,z,{100 + t}\n" for t in range(8)))
    calls = []

    def stops(topology, tm):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return path_lp(topology, tm)

    register("test-stops")(stops)
    try:
        result = invoke("route", topo, "--series", longer, "-a", "test-stops", "--format",
                        "csv")
    finally:
        base._REGISTRY.pop("test-stops", None)
    assert result.exit_code == 130, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["t"]) for r in rows] == [1, 2, 3] and set(rows[0]) == ROW_KEYS
    assert "interrupted after 3 intervals" in result.stderr


def test_the_summary_of_oblivious_holds_its_certified_bound(ring):
    topo, series = ring
    result = invoke("route", topo, "--series", series, "-a", "oblivious", "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    bound = out["summary"]["worst_case_ratio"]
    assert bound >= 1 and all(r["mlu_ratio"] <= bound * (1 + 1e-6) for r in out["intervals"])
    plain = json.loads(invoke("route", topo, "--series", series, "-a", "ecmp", "--format",
                              "json").stdout)
    assert plain["summary"]["worst_case_ratio"] is None
