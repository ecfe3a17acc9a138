"""``infranet plot`` and ``infranet map``: images written, not blank; bad input one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..output.conftest import assert_not_blank
from .conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
WORLD = str(ROOT / "topologies" / "global-backbone.yaml")
US = str(ROOT / "topologies" / "us-backbone.yaml")
TABLE = ("distance_km,efficiency,model\n50,0.99,8b\n500,0.95,8b\n1000,0.9,8b\n"
         "50,0.98,70b\n500,0.9,70b\n1000,0.8,70b\n")


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(TABLE)
    return path


@pytest.mark.parametrize(("kind", "columns"), [
    ("line", ["--x", "distance_km", "--y", "efficiency", "--hue", "model"]),
    ("scatter", ["--x", "distance_km", "--y", "efficiency"]),
    ("cdf", ["--x", "efficiency", "--hue", "model"]),
    ("bar", ["--x", "model", "--y", "efficiency", "--hue", "distance_km"]),
])
def test_plot_writes_every_kind(kind: str, columns: list[str], table: Path, tmp_path: Path):
    for suffix in (".png", ".svg", ".pdf"):
        out = tmp_path / f"chart{suffix}"
        result = invoke("plot", table, *columns, "--kind", kind, "-o", out)
        assert result.exit_code == 0, result.output
        assert result.stderr == f"wrote {out} ({kind} chart of 6 rows)\n"
        assert out.stat().st_size > 1000
    assert_not_blank(tmp_path / "chart.png")


@pytest.mark.parametrize("color_by", [[], ["--color-by", "capacity_gbps"]])
def test_map_writes_png_and_svg(color_by: list[str], tmp_path: Path):
    for suffix in (".png", ".svg"):
        out = tmp_path / f"map{suffix}"
        result = invoke("map", WORLD, *color_by, "-o", out)
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(f"wrote {out} (map of ")
    assert_not_blank(tmp_path / "map.png", at_least=0.03)


def test_map_colours_links_by_joined_results(tmp_path: Path):
    results = tmp_path / "impact.csv"
    results.write_text("link,rtt_added_ms\nsea-dls-i5-i84,3.5\ndls-slc-i84,1.0\n")
    out = tmp_path / "impact.png"
    result = invoke("map", US, "--results", results, "--color-by", "rtt_added_ms", "-o", out)
    assert result.exit_code == 0, result.output
    assert_not_blank(out)


def test_map_colours_links_by_a_studys_single_cuts(tmp_path: Path):
    from infranet.studies.sweep import read_study, run

    results = tmp_path / "fiber-cuts.csv"
    rows = run(read_study(ROOT / "examples" / "studies" / "fiber-cuts.yaml"), output=results)
    pairs = int(rows["failure"].str.contains(" + ", regex=False).sum())
    assert 0 < pairs < len(rows)
    out = tmp_path / "cuts.png"
    result = invoke("map", US, "--results", results, "--color-by", "max_rtt.ms", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{results}: {pairs} rows whose failure is not a single link (a pair, an SRLG, a "
        "site) left out",
        f"wrote {out} (map of 30 sites, 40 links)"]
    assert_not_blank(out)


@pytest.mark.parametrize(("args", "message"), [
    (["plot", "{table}", "--x", "distanse_km", "--y", "efficiency", "-o", "{out}.png"],
     "error: {table}: x: no column 'distanse_km' (did you mean 'distance_km'?)"),
    (["plot", "{table}", "--x", "distance_km", "--y", "model", "-o", "{out}.png"],
     "error: {table}: y: column 'model' holds no numbers"),
    (["plot", "{table}", "--x", "distance_km", "-o", "{out}.png"],
     "error: {table}: y: a line chart needs a column for y"),
    (["plot", "{table}", "--x", "distance_km", "--y", "efficiency", "-o", "{out}.jpg"],
     "error: {out}.jpg: infranet writes charts as .png, .svg or .pdf"),
    (["plot", "{empty}", "--x", "a", "--y", "b", "-o", "{out}.png"],
     "error: {empty}: the table is empty"),
    (["plot", "{missing}", "--x", "a", "--y", "b", "-o", "{out}.png"],
     "error: {missing}: file not found"),
    (["map", US, "--color-by", "capacty", "-o", "{out}.png"],
     f"error: {US}: color_by: no column 'capacty' (did you mean 'capacity_gbps'?)"),
    (["map", US, "--results", "{table}", "--color-by", "efficiency", "-o", "{out}.png"],
     "error: {table}: results: the results have no 'link'"),
    (["map", US, "-o", "{out}/nowhere/map.png"],
     "error: {out}/nowhere/map.png: directory does not exist"),
])
def test_bad_input_is_one_line(args: list[str], message: str, table: Path, tmp_path: Path):
    (tmp_path / "empty.csv").write_text("")
    names = {"table": table, "empty": tmp_path / "empty.csv", "missing": tmp_path / "no.csv",
             "out": tmp_path / "out"}
    result = invoke(*(a.format(**names) for a in args))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(message.format(**names)), lines
    assert not list(tmp_path.glob("out*"))  # nothing written


@pytest.mark.parametrize(("kind", "columns", "undrawn"), [
    ("cdf", ["--x", "max_rtt.ms"], 2),
    ("line", ["--x", "scenario", "--y", "max_rtt.ms"], 2),
    ("scatter", ["--x", "scenario", "--y", "max_rtt.ms"], 2),
    ("bar", ["--x", "failure", "--y", "max_rtt.ms"], 2),
])
def test_plot_says_how_many_rows_it_did_not_draw(kind: str, columns: list[str], undrawn: int,
                                                 tmp_path: Path):
    rows = tmp_path / "cuts.csv"  # two failures cut a site off: no RTT
    rows.write_text("scenario,failure,max_rtt.ms\n1,a,10.5\n2,b,\n3,c,12.0\n4,d,n/a\n")
    out = tmp_path / "chart.svg"
    result = invoke("plot", rows, *columns, "--kind", kind, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"wrote {out} ({kind} chart of 4 rows) ({undrawn} rows without a "
                             "value not drawn)\n")


def test_plot_reads_standard_input(tmp_path: Path):
    from click.testing import CliRunner

    from infranet.cli import main

    out = tmp_path / "cdf.svg"
    result = CliRunner().invoke(main, ["plot", "-", "--x", "efficiency", "--kind", "cdf",
                                       "-o", str(out)], input=TABLE)
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<?xml")


def test_map_as_a_page_with_tooltips(tmp_path: Path):
    out = tmp_path / "world.html"
    result = invoke("map", WORLD, "--color-by", "latency_ms", "-o", out)
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not any(word in page for word in ("<script", "src=", 'href="http', "<link"))
    assert "<title>marea: virginia-beach – sopelana\ncapacity 200,000 Gb/s" in page


TEXAS = [str(ROOT / "topologies" / f"texas-{n}.yaml") for n in ("ring", "mesh", "hub")]
JOB = str(ROOT / "examples" / "jobs" / "llama3-70b-two-sites.yaml")


@pytest.mark.parametrize(("args", "said"), [
    (["compare", *TEXAS], "3 designs side by side"),
    (["size", "training", TEXAS[0], "--job", JOB], "where the step's time goes"),
    (["size", "training", TEXAS[0], "--model", "llama3-8b", "--accelerators", "64",
      "--global-batch", "64", "--search", "parallelism"], "mappings ranked"),
    (["size", "training", TEXAS[0], "--model", "llama3-8b", "--accelerators", "2048",
      "--parallelism", "tp=8", "--global-batch", "2048", "--sites", "fort-worth,temple"],
     "step time of each site"),
    (["bench", "routing", "--algorithms", "spf,path-lp"], "MLU over the optimum per algorithm"),
], ids=["compare", "size-training", "size-training-search", "size-training-generations",
        "bench-routing"])
def test_commands_draw_their_chart(args: list[str], said: str, tmp_path: Path):
    out = tmp_path / "chart.png"
    result = invoke(*args, "--plot", out, "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"wrote {out} ({said})" in result.stderr
    assert_not_blank(out)
    import json

    json.loads(result.stdout)  # the answer is printed as without --plot


@pytest.mark.parametrize("args", [["compare", *TEXAS],
                                  ["size", "training", TEXAS[0], "--job", JOB],
                                  ["bench", "routing", "--algorithms", "spf"]],
                         ids=["compare", "size-training", "bench-routing"])
def test_a_bad_plot_name_is_refused_before_any_work(args: list[str], tmp_path: Path):
    for bad, why in ((tmp_path / "chart.jpg", "infranet writes charts as .png, .svg or .pdf"),
                     (tmp_path / "missing" / "c.png", "")):
        result = invoke(*args, "--plot", bad)
        assert result.exit_code == 1, result.output
        assert result.stdout == ""  # nothing computed, nothing printed
        assert len(result.stderr.strip().splitlines()) == 1 and str(bad) in result.stderr
        assert why in result.stderr
