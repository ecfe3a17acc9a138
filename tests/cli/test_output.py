"""Output a user can trust: one JSON document or one CSV table per command, tables whose layout
never splits or shortens a number at any width, and latencies that say what they are."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest

from infranet.cli.catalogue import CATALOGUES
from infranet.output import text

from .conftest import commands, invoke, on_a_terminal, takes

WIDTHS = [40, 80, 100, 200]
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def invocations(ring: Path, demands: Path, cluster: Path) -> dict[str, list[list[str]]]:
    """At least one run of every command that prints data, by command."""
    r, d, c = str(ring), str(demands), str(cluster)
    return {
        "validate": [["validate", r]],
        "show": [["show", r], *(["show", r, "--what", w] for w in
                                ("summary", "sites", "links", "clusters", "notes", "warnings"))],
        "latency": [["latency", r, "--from", "x", "--to", "z"],
                    ["latency", r, "--from", "x", "--to", "z", "-k", "2"],
                    ["latency", r, "--from", "x", "--to", "z", "--disjoint", "link"],
                    ["latency", r, "--matrix", "--rtt"], ["latency", r, "--links"],
                    ["latency", r, "--from", "x", "--to", "z", "--estimate"]],
        "compare": [["compare", r, r], ["compare", r, r, "--plot",
                                           str(ring.parent / "designs.png")]],
        "maxflow": [["maxflow", r, "--from", "x", "--to", "z"]],
        "route": [["route", r, "--demands", d],
                  ["route", r, "--demands", d, "--failures", "--what", "failures"],
                  ["route", r, "--demands", d, "--what", "summary"]],
        "fabric report": [["fabric", "report", c], ["fabric", "report", c, "--what", "tiers"]],
        "bench routing": [["bench", "routing", "--algorithms", "spf"],
                          ["bench", "routing", "--algorithms", "spf", "--plot",
                           str(ring.parent / "mlu.svg")]],
        "size training": [["size", "training", c, "--model", "llama3-8b", "--accelerators",
                           "64", "--parallelism", "tp=8", "--global-batch", "64"],
                          ["size", "training", c, "--model", "llama3-8b", "--accelerators",
                           "64", "--parallelism", "tp=8", "--global-batch", "64",
                           "--search", "parallelism"]],
        "size inference": [["size", "inference", "--model", "llama3-8b", "--accelerator",
                            "H100", "--rtt", "10ms"],
                           ["size", "inference", "topologies/us-backbone.yaml", "--service",
                            "examples/service-llama3-70b.yaml"]],
        "place inference": [["place", "inference", "topologies/us-backbone.yaml", "--service",
                             "examples/service-llama3-70b.yaml"],
                            ["place", "inference", "topologies/us-backbone.yaml", "--service",
                             "examples/service-llama3-70b.yaml", "--no-survive-site-loss",
                             "--regions", "examples/regions/us-metros.csv"]],
        "place training": [["place", "training", c, "--model", "llama3-8b", "--accelerators",
                            "64", "--parallelism", "tp=8", "--global-batch", "64"],
                           ["place", "training", c, "--model", "llama3-8b", "--accelerators",
                            "64", "--global-batch", "64"]],
        "catalogue": [*(["catalogue", kind] for kind in CATALOGUES),
                      ["catalogue", "models", "deepseek-v3"],
                      ["catalogue", "accelerators", "H100"]],
        "collective": [["collective", "--size", "64MiB", "--ranks", "8", "--bandwidth",
                        "450GB/s", "--latency", "3us"],
                       ["collective", "--size", "1GB", "--topology", c, "--group", "dc=64"]],
        "vdc": [["vdc", "topologies/texas-hub.yaml", "--max-rtt", "3ms", "--all"],
                ["vdc", "topologies/texas-mesh.yaml", "--max-rtt", "5ms", "--min-dci", "60Tb/s",
                 "--all"],
                ["vdc", "topologies/texas-ring.yaml", "--max-rtt", "5ms", "--no-failures"]],
        "sweep": [["sweep", "examples/studies/route-factor.yaml", "-o",
                   str(ring.parent / "route-factor.csv")]],
    }


def test_every_command_with_output_is_covered(ring, demands, cluster):
    covered = set(invocations(ring, demands, cluster))
    for words, command in commands():
        name = " ".join(words)
        if takes(command, "--format"):
            assert name in covered, f"{name} prints data: give it a run here"
        else:  # writes a file and says so on stderr (convert, fabric generate)
            assert takes(command, "-o") or name == "convert", name


def _all(ring, demands, cluster):
    return [args for runs in invocations(ring, demands, cluster).values() for args in runs]


def test_csv_is_one_rectangular_table(ring, demands, cluster):
    for args in _all(ring, demands, cluster):
        result = invoke(*args, "--format", "csv")
        assert result.exit_code == 0, (args, result.output)
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert rows and rows[0], args
        assert all(len(row) == len(rows[0]) for row in rows), args
        assert len(set(rows[0])) == len(rows[0]), (args, rows[0])  # one table: unique headers
        for row in rows[1:]:
            for value in row:
                assert not value.startswith(("{", "[")), (args, value)  # no JSON in a cell
                assert not THOUSANDS.match(value), (args, value)


def test_json_is_one_document(ring, demands, cluster):
    for args in _all(ring, demands, cluster):
        result = invoke(*args, "--format", "json")
        assert result.exit_code == 0, (args, result.output)
        json.loads(result.stdout)


@pytest.mark.parametrize("width", [*WIDTHS, None], ids=[*map(str, WIDTHS), "piped"])
def test_tables_fit_and_keep_numbers_whole(width, ring, demands, cluster):
    env = {"COLUMNS": str(width) if width else ""}
    for args in _all(ring, demands, cluster):
        if args[0] == "validate":
            continue  # one line per file or problem, not a table
        result = invoke(*args, env=env)
        assert result.exit_code == 0, (args, result.output)
        lines = result.stdout.splitlines()
        if width:
            assert max(map(len, lines)) <= width, (args, width, result.stdout)
        if args[0] == "bench":
            continue  # its table shows a chosen few of the fields its JSON holds
        for key, value in _numbers(json.loads(invoke(*args, "--format", "json").stdout)):
            shown = text(value, key)
            assert shown in result.stdout, (args, width, key, shown, result.stdout)


def _numbers(data, key=""):
    """(key, number) pairs of a command's JSON, as its tables show them."""
    if isinstance(data, dict):
        if isinstance(data.get("summary"), str) and key:
            return  # tables show a nested result (worst_cut, binding) by its summary
        if "matrix" in data and "sites" in data:  # a latency matrix: its cells
            quantity = f"{data['quantity']}_{data['unit']}"
            for row in data["matrix"]:
                for value in row:
                    yield quantity, value
            return
        for k, v in data.items():
            if k not in ("params", "hop_stats", "bill_of_materials", "summary_tiers",
                         "instances", "metadata", "options", "reoptimise"):
                yield from _numbers(v, k)
    elif isinstance(data, list):
        for item in data:
            yield from _numbers(item, key)
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        timing = key.endswith("_s")  # measured again by each run
        if not timing and not (isinstance(data, float) and math.isnan(data)):
            yield key, data


def test_piped_tables_are_never_wrapped(ring):
    # a summary with a description of 48 characters is one line when piped, whatever the width
    result = invoke("show", ring, "--what", "summary", env={"COLUMNS": ""})
    assert "three datacenters on a ring of explicit lengths" in result.stdout


def test_a_number_is_never_split_at_100_columns():
    result = invoke("latency", "topologies/global-backbone.yaml", "--matrix", "--kind",
                    "datacenter", "--rtt", env={"COLUMNS": "100"})
    assert "179.65" in result.stdout  # ashburn - sydney, whole
    assert max(map(len, result.stdout.splitlines())) <= 100


def test_lengths_and_times_have_the_precision_of_their_source(ring):
    table = invoke("show", ring, "--what", "links", env={"COLUMNS": "200"}).stdout
    assert " 120 " in table and " 201 " in table and " 300 " in table  # km, not metres
    assert "120.4" not in table and "300.25" not in table
    links = invoke("latency", "topologies/texas-ring.yaml", "--links",
                   env={"COLUMNS": "200"}).stdout
    assert "459 " in links and "459.23" not in links  # a great-circle estimate to the km
    assert "2.31" in links and "2.310" not in links  # one-way ms to 10 µs


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------------------- what a latency is


def test_latency_says_it_is_a_floor_of_fiber_and_equipment(ring):
    table = invoke("latency", ring, "--from", "x", "--to", "z", env={"COLUMNS": "200"}).stdout
    assert "one-way latency and RTT (ms)" in table and "a floor without queueing" in table
    matrix = invoke("latency", ring, "--matrix", "--rtt", env={"COLUMNS": "200"}).stdout
    assert matrix.startswith("RTT (ms) from each site (row)")
    data = json.loads(invoke("latency", ring, "--matrix", "--format", "json").stdout)
    assert data["quantity"] == "one_way" and data["unit"] == "ms"
    assert "floor" in data["basis"] and "queueing" in data["basis"]
    header = invoke("latency", ring, "--matrix", "--rtt", "--format", "csv").stdout.split("\n")[0]
    assert header.startswith("rtt_ms (from \\ to),")
    assert "floor" in invoke("latency", "--help").stdout


def test_show_prints_notes_and_converted_files_say_what_they_assumed(ring, tmp_path):
    notes = invoke("show", ring, "--what", "notes", "--format", "csv").stdout
    assert notes.splitlines() == ["note", "latencies were measured",
                                  "capacities are the lit ones"]
    out = tmp_path / "abilene.yaml"
    assert invoke("convert", "topohub:sndlib/abilene", out).exit_code == 0
    table = invoke("show", out, env={"COLUMNS": "200"}).stdout
    assert "notes (what the file or its conversion assumed)" in table
    assert "topohub gives no link capacities" in table


def test_route_says_which_weight_it_used(ring, demands):
    for algorithm in ("spf", "ecmp"):
        data = json.loads(invoke("route", ring, "--demands", demands, "-a", algorithm,
                                 "--format", "json").stdout)
        assert data["weight"] == "hops"
        csv_text = invoke("route", ring, "--demands", demands, "-a", algorithm, "--what",
                          "summary", "--format", "csv").stdout
        assert _csv_rows(csv_text)[0]["weight"] == "hops"


def test_route_failures_in_table_and_csv(ring, demands):
    table = invoke("route", ring, "--demands", demands, "--failures",
                   env={"COLUMNS": "200"}).stdout
    assert "under each single failure" in table
    rows = list(csv.DictReader(io.StringIO(invoke(
        "route", ring, "--demands", demands, "--failures", "--what", "failures", "--format",
        "csv").stdout)))
    assert {r["failure"] for r in rows} >= {"x--y", "y--z", "z--x", "srlg:i35"}
    assert all(float(r["mlu"]) >= 0 or r["mlu"] == "" for r in rows)


def test_csv_defaults_and_what_in_help(ring, demands, cluster):
    assert _csv_rows(invoke("show", ring, "--format", "csv").stdout)[0]["name"] == "x--y"
    links = list(csv.DictReader(io.StringIO(invoke("route", ring, "--demands", demands,
                                                   "--format", "csv").stdout)))
    assert [r["name"] for r in links] == ["x--y", "y--z", "z--x"]  # route: the links
    report = list(csv.DictReader(io.StringIO(invoke("fabric", "report", cluster, "--format",
                                                    "csv").stdout)))
    assert len(report) == 1 and report[0]["params.k"] == "8"  # fabric report: the clusters
    for words in (["show"], ["route"], ["fabric", "report"]):
        assert "--what" in invoke(*words, "--help").stdout


# ---------------------------------------------------------------------------- warnings


def test_warnings_reach_the_user(tmp_path):
    path = tmp_path / "twins.yaml"
    path.write_text("name: twins\nsites:\n  - {name: a, location: [-97, 32]}\n"
                    "  - {name: b, location: [-97, 32]}\n  - {name: c, location: [-98, 31]}\n"
                    "links:\n  - {a: a, b: c}\n  - {a: b, b: c}\n")
    result = invoke("validate", path)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == (
        f"{path}: warning: site 'b': location: at the same location as site 'a' ([-97, 32]); "
        "a link between them has length 0 unless it gives length_km")
    assert invoke("validate", path, "--strict").exit_code == 1
    report = json.loads(invoke("validate", path, "--format", "json").stdout)[0]
    assert report["valid"] and len(report["warnings"]) == 1
    shown = json.loads(invoke("show", path, "--format", "json").stdout)
    assert shown["warnings"][0]["element"] == "site 'b'"
    latency = invoke("latency", path, "--from", "a", "--to", "b")
    assert latency.exit_code == 0
    assert latency.stderr == (f"warning: {path}: site 'b': location: at the same location as "
                              "site 'a' ([-97, 32]); a link between them has length 0 unless it "
                              f"gives length_km; `infranet validate {path}` lists them\n")


def test_capacities_at_the_schema_bound_are_shown_and_beyond_it_refused(tmp_path):
    from infranet.model.schema import MAX_CAPACITY_GBPS

    path = tmp_path / "huge.yaml"
    path.write_text("name: huge\nsites: [{name: a, location: [0, 0]}, {name: b, location: [1, 0]}]"
                    f"\nlinks: [{{a: a, b: b, capacity: {MAX_CAPACITY_GBPS}}}, "
                    f"{{a: a, b: b, capacity: {MAX_CAPACITY_GBPS}}}]\n")
    summary = json.loads(invoke("show", path, "--format", "json").stdout)["summary"]
    assert summary["capacity_tbps"] == pytest.approx(2e6)
    table = invoke("show", path, env={"COLUMNS": "120"}).stdout
    assert "2,000,000" in table and "1,000,000,000" in table
    path.write_text(path.read_text().replace(f"capacity: {MAX_CAPACITY_GBPS}}}]",
                                             "capacity: 1.7e308}]"))
    result = invoke("show", path)
    assert result.exit_code == 1
    assert "capacity: must be <= 1,000,000,000 Gb/s" in result.stderr


# ---------------------------------------------------------------------------- progress


def _large_yaml(path: Path, sites: int) -> None:
    """A valid topology file of `sites` sites in block style (about 110 bytes a site)."""
    lines = ["name: large", "sites:"]
    for i in range(sites):
        lines += [f"- name: site-{i:06d}", "  kind: pop", "  location:",
                  f"  - {-179 + (i % 3580) / 10}", f"  - {-80 + (i // 3580) / 10}",
                  "  description: a site of a large generated file"]
    path.write_text("\n".join(lines) + "\n")


def test_no_progress_when_stderr_is_not_a_terminal(monkeypatch, ring):
    from infranet.cli import _options

    monkeypatch.setattr(_options, "PROGRESS_BYTES", 0)  # every file is large
    for args in (["show", ring, "--what", "summary"], ["validate", ring]):
        result = invoke(*args)
        assert result.exit_code == 0 and result.stderr == "", result.stderr


def test_progress_on_a_terminal(tmp_path):
    from infranet.cli._options import PROGRESS_BYTES

    path = tmp_path / "large.yaml"
    _large_yaml(path, PROGRESS_BYTES // 100)
    assert path.stat().st_size > PROGRESS_BYTES
    done, seen = on_a_terminal("validate", path)
    assert done.returncode == 0
    assert done.stdout.decode().startswith(f"{path}: ok (")
    assert b"checking" in seen and str(path).encode()[:20] in seen  # the bar, on stderr


def test_sweep_writes_csv_rows_and_progress_on_a_terminal(tmp_path):
    root = Path(__file__).resolve().parents[2]
    study = tmp_path / "study.yaml"
    study.write_text(f"name: cuts\ntopology: {root / 'topologies' / 'us-backbone.yaml'}\n"
                     "failures: {order: 2, random: 300, seed: 3}\nmeasures: [max_rtt]\n")
    out = tmp_path / "rows.csv"
    done, seen = on_a_terminal("sweep", study, "-o", out)
    assert done.returncode == 0, seen
    assert "300" in done.stdout.decode() and "scenarios" in done.stdout.decode()
    assert b"scenarios/s" in seen and b"ETA" in seen  # the bar, on stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 300 and list(rows[0])[:2] == ["scenario_id", "failure"]
    assert list(rows[0])[-2:] == ["error", "wall_s"]
    assert all(float(r["max_rtt.ms"]) > 0 for r in rows if r["max_rtt.connected"] == "True")


# ---------------------------------------------------------------------------- layout


SHIPPED_WITHOUT_LINKS = ["topologies/h100-superpod.yaml", "topologies/gb200-nvl72-cluster.yaml",
                         "topologies/tpu-v5p-pod.yaml"]


@pytest.mark.parametrize("path", SHIPPED_WITHOUT_LINKS)
@pytest.mark.parametrize("width", [None, 80], ids=["piped", "80"])
def test_an_empty_table_prints_its_title_and_none(path, width):
    env = {"COLUMNS": str(width) if width else ""}
    out = invoke("show", path, env=env).stdout
    lines = out.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("links (capacity"))
    none = lines.index("(none)")
    assert title < none and lines[none - 1].endswith("without queueing)")
    assert " ".join(lines[title:none]) == ("links (capacity per direction; latency one way: "
                                           "fiber + equipment along the modelled route, a "
                                           "floor without queueing)")
    assert all(len(line.strip()) != 1 for line in lines), out  # never a title one letter a line
    if width:
        assert max(map(len, lines)) <= width
    header = invoke("show", path, "--what", "links", "--format", "csv").stdout
    assert header == "name,a,b,length_km,length_source,medium,capacity_gbps,latency_ms,srlg\n"


def test_other_empty_tables(ring):
    regions = invoke("latency", "topologies/texas-hub.yaml", "--matrix", "--kind", "region")
    assert regions.stdout.splitlines()[-1] == "(none)"
    assert invoke("latency", "topologies/texas-hub.yaml", "--matrix", "--kind", "region",
                  "--format", "csv").stdout == "one_way_ms (from \\ to)\n"
    notes = invoke("show", "topologies/texas-ring.yaml", "--what", "notes",
                   env={"COLUMNS": "100"}).stdout
    assert notes.splitlines() == ["notes (what the file or its conversion assumed)", "(none)"]
    assert invoke("show", ring, "--what", "clusters", "--format", "csv").stdout == (
        "site,name,accelerator,count,scale_up,scale_out,dci_gbps\n")


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160])
def test_headers_wrap_between_words_only(width):
    for args in (["latency", "topologies/texas-ring.yaml", "--links"],
                 ["show", "topologies/us-backbone.yaml", "--what", "links"],
                 ["latency", "topologies/global-backbone.yaml", "--matrix", "--kind",
                  "datacenter"]):
        out = invoke(*args, env={"COLUMNS": str(width)}).stdout
        data = json.loads(invoke(*args, "--format", "json").stdout)
        keys = data[0] if isinstance(data, list) else (data["links"][0] if "links" in data
                                                       else {s: 0 for s in data["sites"]})
        words = {w for key in keys for w in re.split(r"[_\s]+", str(key)) if len(w) > 2}
        tokens = set(re.findall(r"[\w-]+", out))
        for word in words:
            for cut in range(2, len(word) - 1):
                # a piece of a word alone (propag / ation) is a word broken in two
                assert not (word[:cut] in tokens and word[cut:] in tokens
                            and word[:cut] not in words), (args, width, word, out)


def test_no_value_is_ever_shortened(ring, demands, cluster):
    for width in WIDTHS:
        for args in _all(ring, demands, cluster):
            out = invoke(*args, env={"COLUMNS": str(width)}).stdout
            assert "…" not in out, (args, width, out)


def test_compare_too_wide_turns_to_blocks_with_values_whole():
    out = invoke("compare", "topologies/texas-ring.yaml", "topologies/texas-mesh.yaml",
                 env={"COLUMNS": "40"}).stdout
    lines = out.splitlines()
    assert "…" not in out and max(map(len, lines)) <= 40
    assert "texas-vdc-ring" in lines and "texas-vdc-mesh" in lines  # one block each
    assert "  max_rtt_pair          abilene, temple" in lines
    assert "    abilene, san-antonio" in lines


def test_piped_transposed_tables_wrap_long_text(cluster):
    from infranet.output.tables import PIPED_TEXT_WIDTH

    summary = invoke("show", "topologies/texas-ring.yaml", "--what", "summary",
                     env={"COLUMNS": ""}).stdout
    key_width = len("facility_power_mw")
    assert max(map(len, summary.splitlines())) <= key_width + PIPED_TEXT_WIDTH + 7
    assert "Design A of the central-Texas virtual datacenter" in summary  # wrapped, whole
    report = invoke("fabric", "report", "topologies/h100-superpod.yaml", env={"COLUMNS": ""})
    fabric = report.stdout.split("\n\n")[0]  # the transposed table of the cluster
    key_width = max(len(line.split("│")[1]) for line in fabric.splitlines() if "│" in line)
    assert max(map(len, fabric.splitlines())) <= key_width + PIPED_TEXT_WIDTH + 7, fabric
    assert "tier=scale_up,gbps_per_accelerator=3600.0," in fabric  # broken after a comma


def test_show_gives_capacity_ba_when_it_differs(ring):
    table = invoke("show", ring, "--what", "links", env={"COLUMNS": "200"}).stdout
    assert "capacity_ba_gbps" in table
    row = next(line for line in table.splitlines() if "y--z" in line)
    assert "400" in row and "200" in row
    rows = _csv_rows(invoke("show", ring, "--format", "csv").stdout)
    assert [r["capacity_ba_gbps"] for r in rows] == ["400.0", "200.0", "400.0"]
    same = invoke("show", "topologies/texas-ring.yaml", "--format", "csv").stdout
    assert "capacity_ba_gbps" not in same.splitlines()[0]
    data = json.loads(invoke("show", "topologies/texas-ring.yaml", "--format", "json").stdout)
    assert all(x["capacity_ba_gbps"] == x["capacity_gbps"] for x in data["links"])


def test_one_precision_for_lengths(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("name: short\nsites: [{name: a, location: [0, 0]}, {name: b, location: "
                    "[0.001, 0]}]\nlinks: [{a: a, b: b, length_km: 1, capacity: 400}]\n")
    links = invoke("show", path, "--what", "links", env={"COLUMNS": "200"}).stdout
    assert " 1 " in links and "1.0 " not in links
    pod = invoke("show", "topologies/h100-superpod.yaml", "--what", "summary",
                 env={"COLUMNS": "200"}).stdout
    assert re.search(r"│ fiber_km +│ 0 +│", pod), pod


def test_counts_agree_with_their_nouns(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text("name: one\nsites: [{name: a}, {name: b}]\n"
                    "links: [{a: a, b: b, length_km: 5}]\n")
    assert invoke("validate", path).stdout == f"{path}: ok (2 sites, 1 link)\n"
    out = tmp_path / "out.yaml"
    assert invoke("convert", path, out).stderr == f"wrote {out} (2 sites, 1 link)\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsites: [{name: a, locaton: [0, 0]}, {name: b, kind: dc}]\n")
    assert "(and 1 more problem; `infranet validate` lists them)" in invoke("show", bad).stderr


def test_validate_names_the_file_once_in_every_format(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("name: v\nsites:\n  - {name: a, location: [0, 0]}\n"
                    "  - {name: b, location: [0, 0]}\n  - {name: c, kind: dc}\n")
    (report,) = json.loads(invoke("validate", path, "--format", "json").stdout)
    assert report["problems"] == ["site 'c': kind: unknown value 'dc'; expected one of "
                                  "datacenter, pop, region"]
    path.write_text("name: v\nsites:\n  - {name: a, location: [0, 0]}\n"
                    "  - {name: b, location: [0, 0]}\n")
    (report,) = json.loads(invoke("validate", path, "--format", "json").stdout)
    assert report["warnings"] == ["site 'b': location: at the same location as site 'a' "
                                  "([0, 0]); a link between them has length 0 unless it gives "
                                  "length_km"]
    for row in _csv_rows(invoke("validate", path, "--format", "csv").stdout):
        assert row["file"] == str(path) and not row["problem"].startswith(str(path))
    lines = invoke("validate", path).stdout.splitlines()
    assert lines[1].startswith(f"{path}: warning: site 'b': location:")
