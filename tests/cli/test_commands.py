"""Every command on small topologies: exit codes, output formats and hand-computed figures.

Links in the ring and the hub carry a measured ``latency_ms``, so every latency below is a sum
of round numbers:

    ring  x --1 ms-- y --2 ms-- z --4 ms-- x      (100, 200, 300 km; 400 Gb/s each)
    hub   a --1 ms-- h --2 ms-- b                 (100, 200 km; 400 Gb/s each)
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner, Result

import infranet
from infranet.cli import main

EXAMPLE = """\
name: example-vdc
defaults: {route_factor: 1.3, medium: smf}
sites:
  - {name: ashburn, kind: datacenter, location: [-77.49, 39.04], power_mw: 300}
  - {name: columbus, kind: datacenter, location: [-82.80, 40.08]}
links:
  - {a: ashburn, b: columbus, capacity: "12.8 Tb/s"}
  - {a: ashburn, b: columbus, length_km: 640, medium: hollow_core, capacity: "3.2 Tb/s",
     srlg: [i70]}
"""

RING = """\
name: ring
defaults: {capacity: "400 Gb/s"}
sites:
  - {name: x, kind: datacenter}
  - {name: y, kind: datacenter}
  - {name: z, kind: datacenter}
links:
  - {a: x, b: y, length_km: 100, latency_ms: 1}
  - {a: y, b: z, length_km: 200, latency_ms: 2}
  - {a: z, b: x, length_km: 300, latency_ms: 4}
"""

HUB = """\
name: hub
sites:
  - {name: h, kind: datacenter}
  - {name: a, kind: datacenter}
  - {name: b, kind: datacenter}
links:
  - {a: h, b: a, length_km: 100, latency_ms: 1, capacity: 400}
  - {a: h, b: b, length_km: 200, latency_ms: 2, capacity: 400}
"""

# the ring with a second x--z link (5 ms) outside the conduit that x--y and z--x share
RING_PLUS = """\
name: ring-plus
defaults: {capacity: 400}
sites:
  - {name: x, kind: datacenter}
  - {name: y, kind: datacenter}
  - {name: z, kind: datacenter}
links:
  - {a: x, b: y, length_km: 100, latency_ms: 1, srlg: [conduit]}
  - {a: y, b: z, length_km: 200, latency_ms: 2}
  - {a: z, b: x, length_km: 300, latency_ms: 4, srlg: [conduit]}
  - {name: bypass, a: x, b: z, length_km: 500, latency_ms: 5}
"""

COMMANDS = main.list_commands(click.Context(main))
PATH_KEYS = {"from", "to", "one_way_ms", "rtt_ms", "length_km", "path"}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("example", EXAMPLE), ("ring", RING), ("hub", HUB),
                       ("ring_plus", RING_PLUS)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(text)
        out[name] = path
    return out


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output
    return result


def ok(*args: str | Path) -> Result:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------------------- help


def test_help_lists_every_command():
    result = ok("--help")
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(command: str):
    result = ok(command, "--help")
    assert result.stdout.startswith(f"Usage: main {command}")
    assert result.stderr == ""


@pytest.mark.parametrize("args", [["--help"], *[[c, "--help"] for c in COMMANDS]],
                         ids=["main", *COMMANDS])
def test_help_imports_nothing_heavy(args: list[str]):
    code = (
        "import sys\n"
        "from infranet.cli import main\n"
        "try:\n"
        f"    main({args!r}, standalone_mode=False)\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = [m for m in ('pandas', 'scipy', 'geopandas', 'shapely', 'networkx', "
        "'matplotlib') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "HEAVY []"


def test_version():
    assert infranet.__version__ in ok("--version").stdout


# ---------------------------------------------------------------------------- validate


def test_validate_ok(files):
    result = ok("validate", files["example"], files["ring"])
    assert result.stdout.splitlines() == [
        f"{files['example']}: ok (2 sites, 2 links)",
        f"{files['ring']}: ok (3 sites, 3 links)",
    ]
    assert result.stderr == ""


def test_validate_json(files):
    (report,) = json.loads(ok("validate", files["hub"], "--format", "json").stdout)
    assert report == {"file": str(files["hub"]), "valid": True, "problems": [], "warnings": [],
                      "sites": 3, "links": 2}


def test_validate_csv_of_a_valid_file_has_no_problem_rows(files):
    assert ok("validate", files["hub"], "--format", "csv").stdout == "file,problem,severity\n"


# ---------------------------------------------------------------------------- show


def test_show_table(files):
    result = ok("show", files["example"])
    for text in ("summary", "sites", "links", "ashburn", "columbus", "ashburn--columbus#2",
                 "hollow_core", "i70"):
        assert text in result.stdout
    assert result.stderr == ""


def test_show_json(files):
    data = json.loads(ok("show", files["ring"], "--format", "json").stdout)
    assert set(data) >= {"summary", "sites", "links", "clusters", "notes"}
    summary = data["summary"]
    assert summary["name"] == "ring"
    assert (summary["sites"], summary["datacenters"], summary["links"]) == (3, 3, 3)
    assert summary["fiber_km"] == pytest.approx(600.0)
    assert summary["capacity_tbps"] == pytest.approx(1.2)
    assert [x["name"] for x in data["links"]] == ["x--y", "y--z", "z--x"]
    assert [x["latency_ms"] for x in data["links"]] == [1.0, 2.0, 4.0]
    assert all(x["capacity_gbps"] == 400.0 for x in data["links"])


def test_show_json_example(files):
    data = json.loads(ok("show", files["example"], "--format", "json").stdout)
    assert data["summary"]["power_mw"] == 300.0
    assert data["summary"]["capacity_tbps"] == pytest.approx(16.0)
    assert data["summary"]["srlgs"] == 1
    first, second = data["links"]
    assert first["length_source"] == "great_circle"
    assert second["length_source"] == "explicit"
    assert second["length_km"] == 640.0
    assert second["srlg"] == ["i70"]


def test_show_csv(files):
    rows = list(csv.DictReader(io.StringIO(ok("show", files["ring"], "--format",
                                              "csv").stdout)))
    assert [r["name"] for r in rows] == ["x--y", "y--z", "z--x"]
    assert [float(r["length_km"]) for r in rows] == [100.0, 200.0, 300.0]


@pytest.mark.parametrize("what", ["summary", "sites", "links", "clusters"])
def test_show_one_table_as_csv(files, what: str):
    text = ok("show", files["example"], "--what", what, "--format", "csv").stdout
    header = text.splitlines()[0].split(",")
    assert "name" in header or what == "clusters"


# ---------------------------------------------------------------------------- latency


def test_latency_pair_json(files):
    data = json.loads(ok("latency", files["ring"], "--from", "x", "--to", "z", "--format",
                         "json").stdout)
    assert set(data) >= PATH_KEYS
    assert data["from"] == "x"
    assert data["to"] == "z"
    assert data["one_way_ms"] == pytest.approx(3.0)
    assert data["rtt_ms"] == pytest.approx(6.0)
    assert data["length_km"] == pytest.approx(300.0)
    assert data["path"] == ["x", "y", "z"]


def test_latency_pair_table_and_csv(files):
    assert "x" in ok("latency", files["ring"], "--from", "x", "--to", "z").stdout
    rows = list(csv.DictReader(io.StringIO(ok("latency", files["ring"], "--from", "x", "--to",
                                              "z", "--format", "csv").stdout)))
    assert len(rows) == 1
    assert float(rows[0]["rtt_ms"]) == pytest.approx(6.0)


def test_latency_same_site(files):
    data = json.loads(ok("latency", files["ring"], "--from", "y", "--to", "y", "--format",
                         "json").stdout)
    assert (data["one_way_ms"], data["path"]) == (0.0, ["y"])


@pytest.mark.parametrize("rtt", [False, True])
def test_latency_matrix_json(files, rtt: bool):
    args = ["latency", files["ring"], "--matrix", "--format", "json"] + (["--rtt"] if rtt else [])
    data = json.loads(ok(*args).stdout)
    factor = 2.0 if rtt else 1.0
    assert data["unit"] == "ms"
    assert data["quantity"] == ("rtt" if rtt else "one_way")
    assert data["sites"] == ["x", "y", "z"]
    expected = [[0.0, 1.0, 3.0], [1.0, 0.0, 2.0], [3.0, 2.0, 0.0]]
    for row, want in zip(data["matrix"], expected, strict=True):
        assert row == pytest.approx([v * factor for v in want])


def test_latency_matrix_csv(files):
    rows = list(csv.reader(io.StringIO(ok("latency", files["hub"], "--matrix", "--format",
                                          "csv").stdout)))
    assert rows[0] == ["one_way_ms (from \\ to)", "h", "a", "b"]
    table = {r[0]: [float(v) for v in r[1:]] for r in rows[1:]}
    assert table == {"h": [0.0, 1.0, 2.0], "a": [1.0, 0.0, 3.0], "b": [2.0, 3.0, 0.0]}


def test_latency_matrix_weights(files):
    km = json.loads(ok("latency", files["ring"], "--matrix", "--weight", "length", "--format",
                       "json").stdout)
    assert km["unit"] == "km"
    assert km["matrix"][0] == pytest.approx([0.0, 100.0, 300.0])
    hops = json.loads(ok("latency", files["ring"], "--matrix", "--weight", "hops", "--format",
                         "json").stdout)
    assert hops["unit"] == "hops"
    assert hops["matrix"][0] == pytest.approx([0.0, 1.0, 1.0])


def test_latency_links(files):
    rows = json.loads(ok("latency", files["ring"], "--links", "--format", "json").stdout)
    assert [r["name"] for r in rows] == ["x--y", "y--z", "z--x"]
    assert [r["latency_ms"] for r in rows] == [1.0, 2.0, 4.0]
    assert {r["latency_source"] for r in rows} == {"explicit"}
    table = ok("latency", files["example"], "--links").stdout
    assert "ashburn" in table and "latency_ms" in table
    rows = list(csv.DictReader(io.StringIO(ok("latency", files["example"], "--links",
                                              "--format", "csv").stdout)))
    assert [r["length_source"] for r in rows] == ["great_circle", "explicit"]
    assert [r["medium"] for r in rows] == ["smf", "hollow_core"]


def test_latency_k_paths(files):
    paths = json.loads(ok("latency", files["ring_plus"], "--from", "x", "--to", "z", "-k", "3",
                          "--format", "json").stdout)
    assert len(paths) == 3
    for p in paths:
        assert set(p) >= PATH_KEYS
    assert [p["one_way_ms"] for p in paths] == pytest.approx([3.0, 4.0, 5.0])
    assert [p["path"] for p in paths] == [["x", "y", "z"], ["x", "z"], ["x", "z"]]
    assert [p["links"] for p in paths] == [["x--y", "y--z"], ["z--x"], ["bypass"]]


def test_latency_k_paths_fewer_than_k(files):
    paths = json.loads(ok("latency", files["ring"], "--from", "x", "--to", "z", "-k", "3",
                          "--format", "json").stdout)
    assert [p["rtt_ms"] for p in paths] == pytest.approx([6.0, 8.0])


def test_latency_disjoint_link(files):
    # least total latency: x-y-z (3 ms) and x-z (4 ms), though both cross the conduit
    paths = json.loads(ok("latency", files["ring_plus"], "--from", "x", "--to", "z",
                          "--disjoint", "link", "--format", "json").stdout)
    assert [p["links"] for p in paths] == [["x--y", "y--z"], ["z--x"]]
    assert [p["one_way_ms"] for p in paths] == pytest.approx([3.0, 4.0])


def test_latency_disjoint_srlg(files):
    # x--y and z--x share the conduit: the second path must take the bypass
    paths = json.loads(ok("latency", files["ring_plus"], "--from", "x", "--to", "z",
                          "--disjoint", "srlg", "--format", "json").stdout)
    assert [p["links"] for p in paths] == [["x--y", "y--z"], ["bypass"]]
    assert [p["one_way_ms"] for p in paths] == pytest.approx([3.0, 5.0])
    for p in paths:
        assert set(p) >= PATH_KEYS


# ---------------------------------------------------------------------------- convert


def test_convert_round_trip_yaml_json_yaml(files, tmp_path: Path):
    as_json = tmp_path / "example.json"
    back = tmp_path / "back.yaml"
    result = ok("convert", files["example"], as_json)
    assert result.stdout == ""
    assert result.stderr == f"wrote {as_json} (2 sites, 2 links)\n"
    ok("convert", as_json, back)
    original = infranet.read(files["example"])
    assert infranet.read(as_json) == original
    assert infranet.read(back) == original
    assert json.loads(as_json.read_text())["links"][0]["capacity"] == 12800.0
    assert yaml.safe_load(back.read_text())["name"] == "example-vdc"


def test_convert_overwrites_existing_out(files, tmp_path: Path):
    target = tmp_path / "ring.json"
    target.write_text("old")
    ok("convert", files["ring"], target)
    assert infranet.read(target) == infranet.read(files["ring"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["ring.json", *(p.name for p in files.values())])  # no temp files left


def test_convert_to_format(files, tmp_path: Path):
    target = tmp_path / "ring.out"
    ok("convert", files["ring"], target, "--to", "json")
    assert infranet.read(target, format="json") == infranet.read(files["ring"])


def test_convert_to_nodelink(files, tmp_path: Path):
    target = tmp_path / "ring.nodelink.json"
    ok("convert", files["ring"], target, "--to", "nodelink")
    data = json.loads(target.read_text())
    assert [n["id"] for n in data["nodes"]] == ["x", "y", "z"]
    assert [e["capacity"] for e in data["links"]] == [400e9] * 3
    back = infranet.read(target)
    assert back.links["latency_ms"].tolist() == [1.0, 2.0, 4.0]


def test_convert_to_geojson(files, tmp_path: Path):
    target = tmp_path / "example.geojson"
    ok("convert", files["example"], target)
    data = json.loads(target.read_text())
    assert data["type"] == "FeatureCollection"
    kinds = sorted(f["geometry"]["type"] for f in data["features"])
    assert kinds == ["LineString", "LineString", "Point", "Point"]
    points = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in data["features"]
              if f["geometry"]["type"] == "Point"}
    assert points == {"ashburn": [-77.49, 39.04], "columbus": [-82.8, 40.08]}  # [lon, lat]


# ---------------------------------------------------------------------------- compare


COMPARE_KEYS = {"name", "datacenters", "fiber_km", "max_rtt_ms", "mean_rtt_ms", "min_cut_gbps",
                "worst_cut"}


def test_compare_json_ring_and_hub(files):
    ring, hub = json.loads(ok("compare", files["ring"], files["hub"], "--format",
                              "json").stdout)
    assert set(ring) >= COMPARE_KEYS
    assert set(hub) >= COMPARE_KEYS

    assert ring["name"] == "ring"
    assert ring["datacenters"] == 3
    assert ring["fiber_km"] == pytest.approx(600.0)
    # one-way x-y 1, y-z 2, x-z 3 (via y): RTT 2, 4, 6
    assert ring["max_rtt_ms"] == pytest.approx(6.0)
    assert ring["mean_rtt_ms"] == pytest.approx(4.0)
    assert sorted(ring["max_rtt_pair"]) == ["x", "z"]
    # any two sites of a ring are joined by two 400 Gb/s routes
    assert ring["min_cut_gbps"] == pytest.approx(800.0)
    assert ring["survives_any_single_cut"] is True
    # cutting x--y sends x-y round z: 4 + 2 = 6 ms one way, RTT 2 -> 12 ms
    assert ring["worst_cut"]["name"] == "x--y"
    assert ring["worst_cut"]["effect"] == "rtt_increase"
    assert ring["worst_cut"]["rtt_increase_ms"] == pytest.approx(10.0)

    assert hub["name"] == "hub"
    assert hub["datacenters"] == 3
    assert hub["fiber_km"] == pytest.approx(300.0)
    # one-way h-a 1, h-b 2, a-b 3: RTT 2, 4, 6
    assert hub["max_rtt_ms"] == pytest.approx(6.0)
    assert hub["mean_rtt_ms"] == pytest.approx(4.0)
    assert hub["min_cut_gbps"] == pytest.approx(400.0)
    assert hub["survives_any_single_cut"] is False
    assert hub["worst_cut"]["effect"] == "disconnection"
    assert hub["worst_cut"]["disconnected_pairs"] == 2  # the spoke and the far spoke


def test_compare_table_puts_topologies_side_by_side(files):
    text = ok("compare", files["ring"], files["hub"]).stdout
    header = next(line for line in text.splitlines() if "ring" in line)
    assert header.index("ring") < header.index("hub")
    assert "disconnects" in text


def test_compare_csv(files):
    rows = list(csv.DictReader(io.StringIO(ok("compare", files["ring"], files["hub"],
                                              "--format", "csv").stdout)))
    assert [r["name"] for r in rows] == ["ring", "hub"]
    assert [float(r["min_cut_gbps"]) for r in rows] == [800.0, 400.0]


def test_compare_disconnected_is_quiet(tmp_path: Path):
    path = tmp_path / "islands.yaml"
    path.write_text(Path(__file__).parents[1].joinpath("data", "bad",
                                                       "disconnected.yaml").read_text())
    done = subprocess.run(
        [sys.executable, "-c", "from infranet.cli import main; main()", "compare", str(path),
         "--format", "json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    (summary,) = json.loads(done.stdout)
    assert summary["max_rtt_ms"] is None
    assert summary["survives_any_single_cut"] is False
    assert done.stderr == ""
    table = " ".join(ok("compare", path).stdout.split())
    assert "notes │ some sites are not connected: RTT is infinite" in table
    assert "notes" not in ok("compare", Path(__file__).parents[2] / "topologies"
                             / "texas-ring.yaml").stdout


# ---------------------------------------------------------------------------- what commands say


def _helps() -> dict[str, str]:
    from .conftest import commands

    return {" ".join(words): CliRunner().invoke(main, [*words, "--help"]).stdout
            for words, _ in commands()}


def test_format_help_mentions_what_only_where_there_is_one():
    from .conftest import commands, takes

    helps = _helps()
    for words, command in commands():
        name = " ".join(words)
        if not takes(command, "--format"):
            continue
        text = " ".join(helps[name].split())
        assert "one CSV table" in text, name
        assert ("--what" in text) == takes(command, "--what"), name


def test_readme_says_which_commands_take_format():
    from .conftest import ROOT, commands, takes

    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    main_help = " ".join(ok("--help").stdout.split())
    without = sorted(" ".join(w) for w, c in commands() if not takes(c, "--format"))
    assert without == ["convert", "fabric generate", "map", "plot"]
    for text in (readme, main_help):
        assert "Every command takes --format" not in text
        assert "convert, fabric generate, plot and map write files" in text


@pytest.mark.parametrize("args", [["--from", "x", "--to", "y", "--rtt"],
                                  ["--from", "x", "--to", "y", "--kind", "pop"],
                                  ["--links", "--rtt"], ["--links", "--kind", "datacenter"],
                                  ["--links", "--weight", "hops"]])
def test_latency_options_that_would_be_ignored_are_usage_errors(files, args):
    result = run("latency", files["ring"], *args)
    assert result.exit_code == 2, result.output
    assert "go with --matrix" in result.stderr or "goes with --from/--to and --matrix" \
        in result.stderr


def test_demand_unit_says_what_unitless_means():
    for command in ("route", "compare"):
        text = " ".join(ok(command, "--help").stdout.split())
        assert "unitless (abstract units taken as Gb/s" in text, command
        assert "only ratios such as the MLU mean anything" in text, command


def test_route_help_names_the_registry_s_built_in_algorithms():
    from infranet.cli.routing import BUILTIN_ALGORITHMS
    from infranet.routing import algorithms

    built_in = {name for name, func in algorithms().items()
                if getattr(func, "__module__", "").startswith("infranet.")}
    assert set(BUILTIN_ALGORITHMS) == built_in
    text = "".join(ok("route", "--help").stdout.split())  # wrapped anywhere, even at '-'
    assert ",".join(BUILTIN_ALGORITHMS) in text
    assert "--list-algorithmsgiveseachalgorithm'soptionsandtheirdefaults" in text


def test_route_lists_every_algorithm_with_its_options():
    from infranet.routing import algorithms, options_of

    result = ok("route", "--list-algorithms")  # no FILE nor --demands needed
    table = result.stdout
    for name in algorithms():
        assert f"│ {name} " in table
    assert "eps=0.1; max_phases=None" in table  # fptas, from its signature
    assert all(o.name in table for o in options_of("igp-wo") or () if o.name != "failure")
    assert "``" not in table and ":func:" not in table


def test_route_help_says_what_the_optimum_costs():
    text = " ".join(ok("route", "--help").stdout.split())
    assert "about a minute for 2,000 demands on Kdl" in text
    assert "--no-optimum skips it" in text


def test_bench_help_gives_each_suite_its_duration():
    text = " ".join(ok("bench", "routing", "--help").stdout.split())
    assert "quick: 4 instances, a few seconds" in text
    assert "standard: 13 instances with all their matrices, about 5 minutes" in text
    assert "large: standard plus Kdl and ASN2k" in text


def test_bench_says_what_it_wrote(tmp_path: Path):
    out = tmp_path / "results"
    result = ok("bench", "routing", "--algorithms", "spf", "-o", out)
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"wrote {out}/results.json and {out}/results.csv (")
               and line.endswith(" results)") for line in lines), result.stderr
    assert (out / "results.json").exists() and (out / "results.csv").exists()
    assert len([line for line in lines if line.startswith("wrote ")]) == 1, result.stderr


@pytest.mark.parametrize(("names", "message"), [
    ("spf,spf", "spf given twice; each algorithm runs once"),
    ("", "no algorithm named"),
    (",", "no algorithm named"),
    ("spf,", "'spf,' has an empty name between its commas"),
])
def test_bench_refuses_an_empty_or_repeated_algorithm(names: str, message: str):
    result = run("bench", "routing", "--algorithms", names)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output and not result.stdout


# ---------------------------------------------------------------------------- standard input


def test_show_and_validate_read_standard_input(files):
    text = files["ring"].read_text()
    result = CliRunner().invoke(main, ["show", "-", "--format", "json"], input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["links"] == 3
    result = CliRunner().invoke(main, ["validate", "-"], input=text)
    assert result.stdout == "-: ok (3 sites, 3 links)\n"


def test_convert_pipes_into_show(files):
    nodelink = ok("convert", files["ring"], "-", "--to", "nodelink").stdout
    result = CliRunner().invoke(main, ["show", "-", "--what", "links", "--format", "csv"],
                                input=nodelink)
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in csv.DictReader(io.StringIO(result.stdout))] == [
        "x--y", "y--z", "z--x"]


def test_empty_standard_input_is_one_line():
    result = CliRunner().invoke(main, ["show", "-"], input="")
    assert result.exit_code == 1
    assert result.stderr == ("error: -: standard input is empty; pipe a topology into it, or "
                             "give a file\n")


# ---------------------------------------------------------------------------- hints


NO_LOCATION = Path(__file__).resolve().parents[1] / "data" / "bad" / "no_location.yaml"


def test_hints_use_the_syntax_of_the_command(tmp_path: Path):
    demands = tmp_path / "tm.csv"
    demands.write_text("src,dst,gbps\nashburn,columbus,5\n")
    latency = run("latency", NO_LOCATION, "--from", "ashburn", "--to", "columbus")
    assert latency.stderr.rstrip().endswith("or count hops instead (--weight hops)")
    route = run("route", NO_LOCATION, "--demands", demands, "-a", "ksp", "--option",
                "weight=latency")
    assert route.stderr.rstrip().endswith("or count hops instead (--option weight=hops)")
    compare = run("compare", NO_LOCATION)  # compare has no such option: no hint
    assert compare.exit_code == 1 and compare.stderr.rstrip().endswith("(1 link has none)")
    for result in (latency, route, compare):
        assert "weight='hops'" not in result.stderr and "weight=" not in result.stderr.replace(
            "--option weight=hops", "")


def test_the_library_keeps_its_own_hint():
    from infranet.algorithms.latency import shortest_path
    from infranet.errors import ValidationError

    with pytest.raises(ValidationError, match=r"or count hops instead \(weight='hops'\)$"):
        shortest_path(infranet.read(NO_LOCATION), "ashburn", "columbus")


def test_route_shows_its_phases_on_a_terminal(files, tmp_path: Path):
    demands = tmp_path / "tm.csv"
    demands.write_text("src,dst,gbps\nx,z,300\n")
    from .conftest import on_a_terminal

    done, seen = on_a_terminal("route", files["ring"], "--demands", demands, columns=100)
    assert done.returncode == 0
    assert b"routing with ecmp" in seen
    assert b"solving the optimum (arc LP, 1 demand)" in seen
    piped = ok("route", files["ring"], "--demands", demands)
    assert piped.stderr == ""  # no progress off a terminal


def test_route_table_keeps_two_notes_apart(tmp_path: Path):
    """A table joins a list of notes with '; ' (its text wraps between words), never running
    two sentences together; a CSV cell keeps ';'."""
    topo = tmp_path / "islands.yaml"
    topo.write_text(Path(__file__).parents[1].joinpath("data", "bad",
                                                       "disconnected.yaml").read_text())
    demands = tmp_path / "apart.csv"
    demands.write_text("src,dst,gbps\nashburn,dallas,5\n")  # no path: two notes
    table = " ".join(ok("route", topo, "--demands", demands, "--what", "summary").stdout.split())
    assert "e.g. 'ashburn' -> 'dallas'; 5 of 5 Gb/s of demand is lost" in table
    csv_text = ok("route", topo, "--demands", demands, "--what", "summary", "--format",
                  "csv").stdout
    (row,) = csv.DictReader(io.StringIO(csv_text))
    assert "'ashburn' -> 'dallas';5 of 5 Gb/s" in row["notes"]
    assert row["notes"].startswith("no optimum: the one demand cannot be carried; 1 demand "
                                   "(5 Gb/s) has no route with capacity")
    demands.write_text("src,dst,gbps\nashburn,dallas,5\nashburn,houston,5\n")
    (row,) = csv.DictReader(io.StringIO(ok("route", topo, "--demands", demands, "--what",
                                           "summary", "--format", "csv").stdout))
    assert row["notes"].startswith("no optimum: none of the 2 demands can be carried; 2 "
                                   "demands (10 Gb/s) have no route with capacity")


def test_route_links_give_the_capacity_of_each_direction(tmp_path: Path):
    """A link with capacity_ba: its b-to-a utilisation is over capacity_ba, which the link
    table gives beside capacity (the table shows it only where some link's differs)."""
    topo = tmp_path / "ba.yaml"
    topo.write_text("name: ba\nsites: [{name: a, location: [-99.77, 32.5]}, "
                    "{name: b, location: [-97.26, 32.98]}]\n"
                    "links: [{a: a, b: b, capacity: 100, capacity_ba: 40}]\n")
    demands = tmp_path / "ba.csv"
    demands.write_text("src,dst,gbps\nb,a,50\n")
    (row,) = csv.DictReader(io.StringIO(ok("route", topo, "--demands", demands, "--what",
                                           "links", "--format", "csv").stdout))
    assert (float(row["capacity_gbps"]), float(row["capacity_ba_gbps"])) == (100.0, 40.0)
    assert float(row["utilisation_ba"]) == 50 / 40
    assert "capacity_ba_gbps" in ok("route", topo, "--demands", demands).stdout
    ring = Path(__file__).parents[2] / "topologies" / "texas-ring.yaml"
    demands.write_text("src,dst,gbps\nabilene,temple,50\n")
    assert "capacity_ba_gbps" not in ok("route", ring, "--demands", demands).stdout


@pytest.mark.parametrize("command", ["route", "compare"])
@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--demand-unit", "Mb/s", "--demand-unit goes with a FIGRET .hist file, not "),
    ("--line", "2", "--line goes with a FIGRET .hist file, not "),
])
def test_hist_options_are_refused_with_a_csv(tmp_path: Path, command: str, flag: str,
                                             value: str, message: str):
    """--line and --demand-unit read only .hist files: with a CSV they are a usage error,
    not silently ignored."""
    ring = Path(__file__).parents[2] / "topologies" / "texas-ring.yaml"
    demands = tmp_path / "tm.csv"
    demands.write_text("src,dst,gbps\nabilene,temple,400 Gb/s\n")
    result = run(command, ring, "--demands", demands, flag, value)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and not result.stdout


def test_bench_refuses_a_negative_seed():
    """A seed numpy refuses is a usage error, not an instance skipped with exit code 0."""
    result = run("bench", "routing", "--algorithms", "spf", "--seed", "-5")
    assert result.exit_code == 2, result.output
    assert "--seed" in result.stderr and "skipped" not in result.stderr


@pytest.mark.parametrize("flag,value", [("--line", "3"), ("--demand-unit", "Gb/s"),
                                        ("--algorithm", "ecmp")])
def test_compare_refuses_demand_options_without_demands(flag: str, value: str):
    """What only --demands reads is a usage error without it, not silently ignored."""
    ring = Path(__file__).parents[2] / "topologies" / "texas-ring.yaml"
    result = run("compare", ring, flag, value)
    assert result.exit_code == 2, result.output
    assert f"{flag} goes with --demands" in result.stderr and not result.stdout


def test_show_says_its_warnings_once(tmp_path: Path):
    """show lists the warnings itself (table, JSON, --what warnings): no count on stderr
    besides; a CSV of another table counts them there."""
    path = tmp_path / "twice.yaml"
    path.write_text("name: t\nsites:\n  - {name: x, location: [1, 2]}\n"
                    "  - {name: y, location: [1, 2]}\n")
    for args in (["--what", "warnings"], [], ["--format", "json"]):
        result = run("show", path, *args)
        assert result.exit_code == 0, result.output
        assert "warning" not in result.stderr, args
        assert "same location" in result.stdout
    counted = run("show", path, "--what", "sites", "--format", "csv")
    assert "infranet validate" in counted.stderr
