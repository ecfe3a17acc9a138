"""Bad input reaches the user as one line and an exit code, never as a traceback.

Every file in ``tests/data/bad/`` has a row in :data:`CASES`: the command to run on it and the
substrings its error line must hold (the element, the field and the key words of the message;
the file name is checked for every row). The contract checked for each:

* ``show``/``latency``/``convert``: exit code 1, exactly one line on stderr, starting
  ``error: FILE: ``, nothing on stdout, ``SystemExit`` (no other exception escapes);
* ``validate``: exit code 1, one line per problem on stdout, each naming the file;
* ``convert``: OUT is not created, and an OUT that exists is left byte for byte as it was;
* bad usage exits with code 2.

A few files also run in a real interpreter, so that no traceback reaches a terminal and every
bomb is refused within a time limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from infranet.cli import main

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"

#: Seconds a bomb or a huge file may take in a real interpreter, start-up included.
BUDGET_S = 20


@dataclass(frozen=True)
class Case:
    """How to run one bad file and what its error line must say."""

    expect: tuple[str, ...]
    args: tuple[str, ...] = ("show", "{file}")
    valid: bool = False  # the file itself is valid: only the command fails on it
    xfail: str | None = None  # a known bug in infranet; the test is expected to fail
    topology: bool = True  # a topology file (validate and convert read it)


def case(*expect: str, args: tuple[str, ...] = ("show", "{file}"), valid: bool = False,
         xfail: str | None = None) -> Case:
    return Case(tuple(expect), args, valid, xfail)


def demands(*expect: str) -> Case:
    """A bad traffic matrix, routed over a valid topology of four sites."""
    return Case(tuple(expect), ("route", "{topology}", "--demands", "{file}"), topology=False)


CASES: dict[str, Case] = {
    # ---------------------------------------------------------------- syntax and encoding
    "yaml_bad_indent.yaml": case("line 5", "YAML syntax error"),
    "yaml_unclosed_bracket.yaml": case("line 3", "YAML syntax error", "']'"),
    "yaml_tab_indent.yaml": case("line 3", "YAML syntax error", "cannot start any token"),
    "yaml_python_tag.yaml": case("line 1", "python/object/apply"),
    "json_syntax_error.json": case("line 6, column 3", "JSON syntax error"),
    "empty.yaml": case("empty file", "expected a topology mapping"),
    "empty.json": case("line 1, column 1", "JSON syntax error"),
    "top_level_list.yaml": case("expected a topology mapping", "got list"),
    "binary_not_utf8.yaml": case("not UTF-8 text", "byte 32"),
    "gml_syntax_error.gml": case("not valid GML", "line 15"),
    "sndlib_unclosed.txt": case("line 9"),
    "topology.csv": case("cannot tell the format", "'.csv'", ".yaml"),
    # ---------------------------------------------------------------- unknown keys
    "unknown_key_top_sits.yaml": case("topology: sits: unknown key",
                                      "did you mean 'sites'?", "1 more problem;"),
    "unknown_key_defaults.yaml": case("defaults: route_factr: unknown key",
                                      "did you mean 'route_factor'?"),
    "unknown_key_site_locaton.yaml": case("site 'ashburn': locaton: unknown key",
                                          "did you mean 'location'?"),
    "unknown_key_link_capacty.yaml": case("links[0] (ashburn--columbus): capacty: unknown key",
                                          "did you mean 'capacity'?"),
    "unknown_key_link_lenght_km.yaml": case("link 'spare': lenght_km: unknown key",
                                            "did you mean 'length_km'?"),
    "unknown_key_cluster.yaml": case("site 'ashburn' clusters[0]: cuont: unknown key",
                                     "did you mean 'count'?"),
    # ---------------------------------------------------------------- names and references
    "duplicate_site.yaml": case("site 'ashburn': name: duplicate site name", "sites[0]"),
    "duplicate_link_name.yaml": case("link 'trunk': name: duplicate link name"),
    "link_unknown_site.yaml": case("links[0] (ashburn--columbas): b: unknown site 'columbas'",
                                   "did you mean 'columbus'?"),
    "self_loop.yaml": case("links[0] (ashburn--ashburn): b:", "two different sites"),
    "missing_name.yaml": case("topology: name: missing"),
    "site_without_name.yaml": case("sites[1]: name: missing"),
    "site_name_empty.yaml": case("name: must not be empty"),
    "link_without_b.yaml": case("links[1]: b: missing"),
    "sites_wrong_types.yaml": case("topology: links: expected a list, got a mapping",
                                   "1 more problem;"),
    # ---------------------------------------------------------------- values out of range
    "capacity_negative.yaml": case("link 'east': capacity: must be > 0 Gb/s", "-400"),
    "capacity_zero.yaml": case("link 'east': capacity: must be > 0 Gb/s", "'0 Gb/s'"),
    "length_negative.yaml": case("link 'east': length_km: must be > 0 km", "-640"),
    "route_factor_below_one.yaml": case("defaults: route_factor: must be >= 1", "0.9"),
    "latitude_200.yaml": case("site 'ashburn': location: latitude 200 is outside -90..90"),
    "longitude_minus_500.yaml": case("site 'ashburn': location: longitude -500 is outside "
                                     "-180..180"),
    "tokyo_lat_lon_swapped.yaml": case("site 'tokyo': location: latitude 139.69",
                                       "is it [lat, lon]?"),
    "location_three_numbers.yaml": case("site 'ashburn': location: expected [lon, lat]",
                                        "[-77.49, 39.04, 90]"),
    "location_string.yaml": case("site 'ashburn': location: expected [lon, lat]",
                                 "'Ashburn, Virginia'"),
    # ---------------------------------------------------------------- NaN and infinities
    "capacity_nan.yaml": case("link 'east': capacity: expected a finite bandwidth", "nan"),
    "capacity_nan.json": case("link 'east': capacity: expected a finite bandwidth", "nan"),
    "length_inf.yaml": case("link 'east': length_km: expected a finite length", "inf"),
    "location_nan.yaml": case("site 'ashburn': location: expected finite [lon, lat]"),
    "power_infinity.json": case("site 'ashburn': power_mw: expected a finite power", "inf"),
    # ---------------------------------------------------------------- units and types
    "unit_typo_tbz.yaml": case("link 'east': capacity: unknown bandwidth unit 'Tbz'",
                               "'12.8 Tbz'", "did you mean", "known units"),
    "unit_typo_gbs.yaml": case("link 'east': capacity: unknown bandwidth unit 'Gbs'",
                               "did you mean 'gbps'?"),
    "length_furlongs.yaml": case("link 'east': length_km: unknown length unit 'furlongs'",
                                 "known units: m, km, mi"),
    "capacity_list.yaml": case("link 'east': capacity: expected a bandwidth", "got list"),
    "name_mapping.yaml": case("topology: name: expected a string, got a mapping"),
    "srlg_number.yaml": case("link 'east': srlg: expected a list of strings"),
    "medium_hollowcore.yaml": case("link 'east': medium: unknown value 'hollowcore'",
                                   "did you mean 'hollow_core'?"),
    "site_kind_unknown.yaml": case("site 'ashburn': kind: unknown value 'datacentre'",
                                   "did you mean 'datacenter'?"),
    # ---------------------------------------------------------------- clusters
    "accelerator_unknown.yaml": case("site 'ashburn' clusters[0]: accelerator: unknown "
                                     "accelerator 'H1OO'", "did you mean 'H100'?"),
    "cluster_count_zero.yaml": case("site 'ashburn' clusters[0]: count: must be >= 1", "got 0"),
    "cluster_count_fraction.yaml": case("site 'ashburn' clusters[0]: count: expected a whole "
                                        "number", "2.5"),
    "cluster_count_negative.yaml": case("site 'ashburn' clusters[0]: count: must be >= 1",
                                        "-8"),
    "clusters_on_pop.yaml": case("site 'ashburn-pop': clusters: only datacenters hold clusters",
                                 "kind: datacenter"),
    "many_problems.yaml": case("site 'ashburn': locaton: unknown key", "4 more problems",
                               "infranet validate"),
    # ---------------------------------------------------------------- hostile files
    "alias_bomb.yaml": case("alias bomb", "refusing"),
    "entity_bomb.graphml": case("refused", "DTD"),
    "entity_bomb_sndlib.xml": case("refused", "DTD"),
    "xxe_passwd.graphml": case("refused", "DTD"),
    "xxe_passwd_sndlib.xml": case("refused", "DTD"),
    "deep_nesting.json": case("nests too deeply"),
    "deep_nesting.yaml": case("nesting depth"),
    "yaml_duplicate_key.yaml": case("duplicate key 'capacity'", "line"),
    "json_duplicate_key.json": case("duplicate key 'capacity'"),
    "huge_integer.json": case("cannot be read", "digits"),
    "huge_integer.yaml": case("cannot be read", "digits"),
    "nodelink_huge_integer.json": case("cannot be read", "digits"),
    "yaml_recursive_alias.yaml": case("alias refers to itself",
                                      args=("convert", "{file}", "{out}.json")),
    "graphml_duplicate_node.graphml": case("node id 'n0' is defined twice"),
    "graphml_undefined_node.graphml": case("edge 'e1': target: 'n7' is not a node of the file",
                                           "phantom site"),
    # ---------------------------------------------------------------- physics and geography
    "latency_below_light.yaml": case("link 'transcon': latency_ms: 0 ms is below the "
                                     "speed-of-light floor of 16.992 ms for 5,094 km"),
    "route_far_from_sites.yaml": case("link 'abi-sat': route: the route starts 8,346 km from "
                                      "site 'san-antonio' and ends 8,585 km from site "
                                      "'abilene'", "within 50 km"),
    "length_shorter_than_great_circle.yaml": case(
        "link 'tat': length_km: 10 km is shorter than the 6,566 km great circle between sites "
        "'ashburn' and 'frankfurt'", "less 100 km", "town-level coordinates"),
    "length_vacuum_one_km.yaml": case("link 'tat': length_km: 1 km is shorter than the 6,566 km "
                                      "great circle"),
    "route_factor_antipodes.yaml": case(
        "link 'mad-wlg': route_factor: the 19,855 km great circle between its sites times the "
        "default route factor 6 is 119,128 km, more than 100,000 km"),
    "route_longer_than_any_cable.yaml": case("link 'around': route: the route is 120,226 km "
                                             "long, more than 100,000 km"),
    # ---------------------------------------------------------------- upper bounds
    "length_1e308.yaml": case("link 'east': length_km: must be <= 100,000 km",
                              "Earth's circumference", "got 1e+308"),
    "capacity_1e308.yaml": case("link 'east': capacity: must be <= 1,000,000,000 Gb/s",
                                "1 Eb/s", "got 1e+308"),
    "latency_1e308.yaml": case("link 'east': latency_ms: must be <= 1,000 ms",
                               "geostationary", "got 1e+308"),
    "route_factor_1000.yaml": case("link 'abi-sat': route_factor: must be <= 10",
                                   "median US conduit", "got 1000"),
    "power_too_large.yaml": case("site 'a': power_mw: must be <= 100,000 MW", "Three Gorges"),
    # ---------------------------------------------------------------- names printed on one line
    "site_name_newline.yaml": case("site 'col\\numbus': name: contains the control "
                                   "character \\n at position 4"),
    "site_name_escape.json": case("site '\\x1b[31mred': name: contains the control "
                                  "character \\x1b"),
    # ---------------------------------------------------------------- traffic matrices
    "demands_empty.csv": demands("empty file", "header src,dst,gbps"),
    "demands_header_only.csv": demands("no demands", "header and no rows"),
    "demands_negative.csv": demands("row 3: gbps: expected a non-negative finite rate, got "
                                    "'-5'"),
    "demands_unit_typo.csv": demands("row 2: gbps: unknown bandwidth unit 'Gbs'",
                                     "did you mean 'gbps'?"),
    "demands_not_a_number.csv": demands("row 2: gbps: cannot read 'abc' as a bandwidth"),
    "demands_unknown_site.csv": demands("row 2: dst: unknown site 'columbas'",
                                        "did you mean 'columbus'?"),
    "demands_no_gbps.csv": demands("no column 'gbps'"),
    "demands_negative.hist": demands("line 1 value 15 (houston -> dallas): expected a "
                                     "non-negative finite demand, got '-14'"),
    "demands_extra_field.csv": demands("row 2: expected 3 fields as in the header, got 4"),
    "demands_short_row.csv": demands("row 3: expected 3 fields as in the header, got 2"),
    "demands_semicolon.csv": demands("no column 'src'", "separated by ';'",
                                     "comma-separated"),
    # ---------------------------------------------------------------- node-link JSON
    "nodelink_missing_node.json": case("edges[1]: target: unknown node id 'milan'"),
    "nodelink_negative_capacity.json": case("links[0] (paris--zurich): capacity: must be > 0 "
                                            "Gb/s"),
    # ---------------------------------------------------------------- valid files, bad queries
    "disconnected.yaml": case("no path from 'ashburn' to 'dallas'", "different components",
                              args=("latency", "{file}", "--from", "ashburn", "--to", "dallas"),
                              valid=True),
    "no_location.yaml": case("link 'ashburn--columbus': length_km:",
                             "site 'columbus' has no location", "give the link length_km",
                             args=("latency", "{file}", "--from", "ashburn", "--to",
                                   "columbus"),
                             valid=True),
}


def _params(names, *, skip_valid: bool = False):
    out = []
    for name in names:
        row = CASES[name]
        if skip_valid and row.valid:
            continue
        marks = [pytest.mark.xfail(reason=row.xfail, strict=True)] if row.xfail else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


ALL = _params(sorted(CASES))
INVALID = _params(sorted(n for n in CASES if CASES[n].topology), skip_valid=True)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_one_line_error(result: Result, *expect: str, file: str | None = None) -> str:
    """Exit code 1, one ``error: `` line on stderr holding every `expect`; return the line."""
    assert isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__} escaped: {result.exception}")
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    if file is not None:
        assert line.startswith(f"error: {file}: "), line
    for text in expect:
        assert text in line, f"{text!r} not in {line!r}"
    assert result.stdout == ""
    return line


def assert_usage_error(result: Result, *expect: str) -> None:
    """Exit code 2 with click's usage message, no traceback, nothing on stdout."""
    assert isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__} escaped: {result.exception}")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert "Error:" in result.stderr
    for text in expect:
        assert text in result.stderr, f"{text!r} not in {result.stderr!r}"


def _args(row: Case, path: Path, tmp_path: Path) -> list[str]:
    return [a.format(file=path, out=tmp_path / "out", topology=BAD / "disconnected.yaml")
            for a in row.args]


# ---------------------------------------------------------------------------- the corpus


def test_every_bad_file_has_a_case():
    files = {p.name for p in BAD.iterdir()}
    assert files == set(CASES), (
        f"files without a case: {sorted(files - set(CASES))}; "
        f"cases without a file: {sorted(set(CASES) - files)}")
    assert len(files) >= 45


def test_bad_files_are_small():
    for path in BAD.iterdir():
        assert path.stat().st_size < 64 * 1024, f"{path.name}: generate big inputs at test time"


@pytest.mark.parametrize("name", ALL)
def test_bad_file_is_one_line_error(name: str, tmp_path: Path):
    row = CASES[name]
    path = BAD / name
    result = run(*_args(row, path, tmp_path))
    assert_one_line_error(result, *row.expect, file=str(path))


@pytest.mark.parametrize("name", INVALID)
def test_validate_lists_each_problem_on_its_own_line(name: str):
    path = BAD / name
    result = run("validate", str(path))
    assert isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__} escaped: {result.exception}")
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines
    for line in lines:
        assert line.startswith(f"{path}: "), line
    text = result.stdout
    for expect in CASES[name].expect:
        if "more problem" in expect or expect == "infranet validate":
            continue  # the "(and N more problems ...)" hint belongs to the one-line error
        assert expect in text, f"{expect!r} not in {text!r}"


def test_validate_lists_every_problem():
    path = BAD / "many_problems.yaml"
    result = run("validate", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 5, lines
    expected = [
        "site 'ashburn': locaton: unknown key (did you mean 'location'?)",
        "site 'columbus': kind: unknown value 'datacentre' (did you mean 'datacenter'?)",
        "site 'tokyo': location: latitude 139.69 is outside -90..90",
        "links[0] (ashburn--columbas): b: unknown site 'columbas' (did you mean 'columbus'?)",
        "links[1] (ashburn--tokyo): capacity: must be > 0 Gb/s",
    ]
    for line, text in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: {text}"), line


def test_validate_many_files_keeps_going():
    good = BAD / "disconnected.yaml"
    files = [BAD / "empty.yaml", good, BAD / "alias_bomb.yaml", BAD / "missing.yaml"]
    result = run("validate", *map(str, files))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [str(f) for f in files]
    assert lines[1] == f"{good}: ok (4 sites, 2 links)"
    assert lines[3] == f"{BAD / 'missing.yaml'}: file not found"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_validate_machine_formats(fmt: str):
    path = BAD / "many_problems.yaml"
    result = run("validate", str(path), "--format", fmt)
    assert result.exit_code == 1
    if fmt == "json":
        (report,) = json.loads(result.stdout)
        assert report["file"] == str(path)
        assert report["valid"] is False
        assert len(report["problems"]) == 5
    else:
        lines = result.stdout.splitlines()
        assert lines[0] == "file,problem,severity"
        assert len(lines) == 6


@pytest.mark.parametrize("name", ["disconnected.yaml", "no_location.yaml"])
def test_validate_accepts_valid_files_that_fail_queries(name: str):
    result = run("validate", str(BAD / name))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{BAD / name}: ok (")


@pytest.mark.parametrize("name", INVALID)
def test_convert_loses_nothing(name: str, tmp_path: Path):
    path = BAD / name
    fresh = tmp_path / "fresh.json"
    result = run("convert", str(path), str(fresh))
    assert_one_line_error(result, file=str(path))
    assert not fresh.exists()

    existing = tmp_path / "existing.yaml"
    before = b"name: keep-me\nsites: [{name: a}]\n# \xc3\xa9 byte for byte\n"
    existing.write_bytes(before)
    result = run("convert", str(path), str(existing))
    assert_one_line_error(result, file=str(path))
    assert existing.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.yaml"]  # no temp files


# ---------------------------------------------------------------------------- paths


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".gml", ".graphml", ".txt", ".xml",
                                    ".geojson"])
def test_missing_file(suffix: str, tmp_path: Path):
    path = tmp_path / f"missing{suffix}"
    assert_one_line_error(run("show", str(path)), "file not found", file=str(path))


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".gml", ".graphml", ".xml"])
def test_directory_with_a_topology_extension(suffix: str, tmp_path: Path):
    path = tmp_path / f"topologies{suffix}"
    path.mkdir()
    assert_one_line_error(run("show", str(path)), "is a directory", file=str(path))


def test_directory_without_extension(tmp_path: Path):
    path = tmp_path / "topologies"
    path.mkdir()
    line = assert_one_line_error(run("show", str(path)), file=str(path))
    assert "directory" in line.removeprefix(f"error: {path}: ")


def test_unknown_extension_names_the_known_ones(tmp_path: Path):
    path = tmp_path / "topology"
    path.write_text("name: x\nsites: [{name: a}]\n")
    line = assert_one_line_error(run("show", str(path)), "'(none)'", file=str(path))
    for known in (".yaml", ".json", ".graphml", ".gml", ".xml", ".txt", ".geojson"):
        assert known in line


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".graphml", ".gml", ".xml", ".txt"])
def test_file_over_the_size_limit(suffix: str, tmp_path: Path, monkeypatch):
    import infranet.io.files

    monkeypatch.setattr(infranet.io.files, "MAX_FILE_BYTES", 2**20)
    path = tmp_path / f"big{suffix}"
    path.write_bytes(b"#" * (2**20 + 2**19))  # never parsed: refused on its size
    assert_one_line_error(run("show", str(path)), "file is 2 MiB", "larger than the 1 MiB",
                          file=str(path))


def test_input_format_typo():
    result = run("show", str(BAD / "disconnected.yaml"), "--input-format", "yml")
    assert_usage_error(result, "--input-format", "'yml' is not one of")


# ---------------------------------------------------------------------------- queries


LATENCY_ERRORS = {
    "unknown-from": (["--from", "ashburm", "--to", "dallas"],
                     ["unknown site 'ashburm'", "did you mean 'ashburn'?"]),
    "unknown-to": (["--from", "ashburn", "--to", "dalas"],
                   ["unknown site 'dalas'", "did you mean 'dallas'?"]),
    "unreachable-k": (["--from", "ashburn", "--to", "dallas", "-k", "2"],
                      ["no path from 'ashburn' to 'dallas'"]),
    "unreachable-disjoint": (["--from", "ashburn", "--to", "dallas", "--disjoint", "link"],
                             ["fewer than 2 link-disjoint paths", "'ashburn'", "'dallas'"]),
    "too-few-disjoint": (["--from", "ashburn", "--to", "columbus", "--disjoint", "srlg"],
                         ["fewer than 2 SRLG-disjoint paths"]),
}


@pytest.mark.parametrize("key", list(LATENCY_ERRORS))
def test_latency_query_errors(key: str):
    args, expect = LATENCY_ERRORS[key]
    path = BAD / "disconnected.yaml"
    assert_one_line_error(run("latency", str(path), *args), *expect, file=str(path))


@pytest.mark.parametrize("args", [
    ["--matrix"], ["--matrix", "--kind", "datacenter"], ["--from", "columbus", "--to", "ashburn",
                                                          "-k", "2"],
], ids=["matrix", "matrix-kind", "k-paths"])
def test_latency_without_location_names_link_and_site(args: list[str]):
    path = BAD / "no_location.yaml"
    assert_one_line_error(run("latency", str(path), *args), "link 'ashburn--columbus'",
                          "site 'columbus' has no location", file=str(path))


WRITABLE = "write one of .geojson, .json, .yaml, .yml, or name the format (yaml, json, " \
           "nodelink, geojson)"
CONVERT_ERRORS = {
    "unwritable-format": ("out.gml", ["reads the gml format but cannot write it", WRITABLE]),
    "unknown-extension": ("out.xyz", ["cannot tell the format", "'.xyz'", WRITABLE]),
    "no-directory": ("nowhere/out.yaml", ["directory does not exist", "nowhere); create it"]),
    "extension-of-another-format": ("out.yaml", ["extension says another format than nodelink",
                                                 "name it", "out.json"]),
}


@pytest.mark.parametrize("key", list(CONVERT_ERRORS))
def test_convert_output_errors(key: str, tmp_path: Path):
    target, expect = CONVERT_ERRORS[key]
    to = ["--to", "nodelink"] if key == "extension-of-another-format" else []
    result = run("convert", str(BAD / "disconnected.yaml"), str(tmp_path / target), *to)
    line = assert_one_line_error(result, *expect)
    for readable_only in (".gml", ".graphml", ".txt", ".xml", "topohub"):
        assert readable_only not in line.split(": ", 2)[2], line  # only what can be written
    assert list(tmp_path.iterdir()) == []


def test_convert_to_an_extension_infranet_does_not_read_names_the_right_one(tmp_path: Path):
    target = tmp_path / "rt.nodelink"
    result = run("convert", str(BAD / "disconnected.yaml"), str(target), "--to", "nodelink")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"wrote {target} (4 sites, 2 links)",
        f"warning: {target}: infranet reads nodelink from .json files; name it "
        f"{tmp_path / 'rt.json'}, or read it with --input-format nodelink"]
    back = run("show", str(target), "--input-format", "nodelink", "--what", "summary")
    assert back.exit_code == 0, back.output


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "symlink", "hard-link"])
def test_convert_refuses_to_rewrite_its_input(spelling: str, tmp_path: Path):
    source = tmp_path / "ring.yaml"
    source.write_bytes((BAD / "disconnected.yaml").read_bytes() + b"# a comment to keep\n")
    before = source.read_bytes()
    target = {"same": source, "dot-slash": tmp_path / "." / "ring.yaml",
              "symlink": tmp_path / "link.yaml", "hard-link": tmp_path / "hard.yaml"}[spelling]
    if spelling == "symlink":
        target.symlink_to(source)
    elif spelling == "hard-link":
        os.link(source, target)
    result = run("convert", str(source), str(target))
    assert_one_line_error(result, "is the input file", "give another OUT", file=str(target))
    assert source.read_bytes() == before


def test_convert_through_a_dangling_symlink_names_the_missing_directory(tmp_path: Path):
    link = tmp_path / "out.yaml"
    link.symlink_to(tmp_path / "gone" / "out.yaml")
    result = run("convert", str(BAD / "disconnected.yaml"), str(link))
    assert_one_line_error(result, "is a symbolic link to", "whose directory does not exist",
                          f"({tmp_path / 'gone'})", file=str(link))


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_convert_onto_a_special_file_leaves_it_alone(kind: str, tmp_path: Path):
    target = tmp_path / "out.yaml"
    if kind == "directory":
        target.mkdir()
    else:
        os.mkfifo(target)
    before = target.lstat()
    result = run("convert", str(BAD / "disconnected.yaml"), str(target))
    what = "a directory" if kind == "directory" else "a FIFO (named pipe)"
    assert_one_line_error(result, f"{target}: is {what}, not a regular file", file=str(target))
    assert target.lstat().st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def test_convert_meta_dates_and_binary_to_json(tmp_path: Path):
    source = tmp_path / "dated.yaml"
    source.write_text("name: d\nmeta: {built: 2024-01-02}\nsites: [{name: a}]\n")
    target = tmp_path / "dated.json"
    assert run("convert", str(source), str(target)).exit_code == 0
    assert json.loads(target.read_text())["meta"] == {"built": "2024-01-02"}  # ISO 8601
    source.write_text("name: b\nmeta: {blob: !!binary aGVsbG8=}\nsites: [{name: a}]\n")
    result = run("convert", str(source), str(tmp_path / "blob.json"))
    assert_one_line_error(result, "cannot write as json", "bytes", "YAML can hold it",
                          file=str(tmp_path / "blob.json"))
    assert not (tmp_path / "blob.json").exists()


def test_convert_to_standard_output():
    result = run("convert", str(BAD / "disconnected.yaml"), "-", "--to", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "two-islands"
    assert result.stderr == "wrote standard output (4 sites, 2 links)\n"


# ---------------------------------------------------------------------------- usage (exit 2)


USAGE = {
    "format-xml": (["latency", "{file}", "--from", "ashburn", "--to", "dallas", "--format",
                    "xml"], ["'xml' is not one of"]),
    "matrix-and-from": (["latency", "{file}", "--matrix", "--from", "ashburn"],
                        ["exactly one of"]),
    "matrix-and-pair": (["latency", "{file}", "--matrix", "--from", "ashburn", "--to", "dallas"],
                        ["exactly one of"]),
    "no-mode": (["latency", "{file}"], ["exactly one of"]),
    "to-alone": (["latency", "{file}", "--to", "dallas"], ["--from and --to go together"]),
    "k-with-matrix": (["latency", "{file}", "--matrix", "-k", "2"],
                      ["-k and --disjoint go with --from/--to"]),
    "k-zero": (["latency", "{file}", "--from", "ashburn", "--to", "dallas", "-k", "0"],
               ["-k"]),
    "disjoint-node": (["latency", "{file}", "--from", "ashburn", "--to", "dallas", "--disjoint",
                       "node"], ["'node' is not one of"]),
    "show-no-file": (["show"], ["Missing argument"]),
    "compare-no-file": (["compare"], ["Missing argument"]),
    "convert-no-out": (["convert", "{file}"], ["Missing argument"]),
    "unknown-command": (["draw", "{file}"], ["No such command"]),
    "unknown-option": (["show", "{file}", "--colour"], ["No such option"]),
    "option-not-a-number": (["route", "{file}", "--demands", "tm.csv", "-a", "ksp", "--option",
                             "k=abc"], ["--option", "k of ksp is a whole number, not 'abc'"]),
    "option-not-key-value": (["route", "{file}", "--demands", "tm.csv", "--option", "k"],
                             ["'k': write KEY=VALUE"]),
    "what-failures-alone": (["route", "{file}", "--demands", "tm.csv", "--what", "failures"],
                            ["--what failures goes with --failures"]),
}


@pytest.mark.parametrize("key", list(USAGE))
def test_usage_errors_exit_2(key: str):
    args, expect = USAGE[key]
    path = BAD / "disconnected.yaml"
    assert_usage_error(run(*[a.format(file=path) for a in args]), *expect)


# ---------------------------------------------------------------------------- real interpreter


def cli(*args: str, timeout: float = BUDGET_S, cwd: Path | None = None):
    """Run the CLI in a fresh interpreter; return (completed process, seconds)."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", "from infranet.cli import main; main()", *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd,
        env={**os.environ, "PYTHONWARNINGS": "default"})
    return done, time.monotonic() - start


def assert_terminal_error(done: subprocess.CompletedProcess, *expect: str) -> None:
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for text in expect:
        assert text in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize("name", [
    "alias_bomb.yaml", "entity_bomb.graphml", "entity_bomb_sndlib.xml", "xxe_passwd.graphml",
    "xxe_passwd_sndlib.xml", "deep_nesting.json", "deep_nesting.yaml", "binary_not_utf8.yaml",
    "capacity_nan.json", "yaml_python_tag.yaml", "disconnected.yaml",
])
def test_real_terminal_gets_one_line(name: str, tmp_path: Path):
    row = CASES[name]
    args = _args(row, BAD / name, tmp_path)
    done, _ = cli(*args)
    assert_terminal_error(done, *row.expect)
    assert "root:" not in done.stderr + done.stdout  # no /etc/passwd through an entity


def test_yaml_tags_run_nothing(tmp_path: Path):
    done, _ = cli("validate", str(BAD / "yaml_python_tag.yaml"), cwd=tmp_path)
    assert done.returncode == 1
    assert "owned" not in done.stdout  # what os.system("echo owned") would have printed


def _huge(path: Path, n: int) -> None:
    """`n` sites with names only, then a duplicate of site 17."""
    names = [f"s{i}" for i in range(n)] + ["s17"]
    if path.suffix == ".json":
        path.write_text(json.dumps({"name": "huge", "sites": [{"name": s} for s in names]}))
    else:
        path.write_text("name: huge\nsites:\n" + "".join(f"  - {{name: {s}}}\n" for s in names))


def test_huge_json_file(tmp_path: Path):
    path = tmp_path / "huge.json"
    _huge(path, 300_000)
    done, _ = cli("show", str(path))
    assert_terminal_error(done, f"error: {path}: site 's17': name: duplicate site name")


def test_huge_yaml_file(tmp_path: Path):
    path = tmp_path / "huge.yaml"
    _huge(path, 300_000)
    # about 2.5 s on a 2-core machine (libyaml events, then validating 300k sites); the budget
    # leaves room for a busy one
    done, _ = cli("show", str(path), timeout=90)
    assert_terminal_error(done, f"error: {path}: site 's17': name: duplicate site name")


def test_convert_in_a_real_interpreter_loses_nothing(tmp_path: Path):
    target = tmp_path / "out.yaml"
    target.write_text("precious\n")
    done, _ = cli("convert", str(BAD / "alias_bomb.yaml"), str(target))
    assert_terminal_error(done, "alias bomb")
    assert target.read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]


def test_route_on_a_topology_without_capacities_says_why():
    line = assert_one_line_error(run("route", "topohub:sndlib/abilene", "--demands", "file"),
                                 file="topohub:sndlib/abilene")
    for text in ("capacity: missing", "15 of 15 have none", "topohub gives no link capacities",
                 "--default-capacity"):
        assert text in line, line


def test_route_needs_demands_to_route(tmp_path: Path):
    path = BAD / "disconnected.yaml"
    assert_one_line_error(run("route", str(path), "--demands", "file"),
                          "the topology file carries no demands", file=str(path))
    zeros = tmp_path / "zeros.csv"
    zeros.write_text("src,dst,gbps\nashburn,columbus,0\n")
    assert_one_line_error(run("route", str(path), "--demands", str(zeros)),
                          "every demand is 0", file=str(zeros))
