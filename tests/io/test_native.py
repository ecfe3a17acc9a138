"""The native YAML/JSON format: round trips, safety, and clear errors."""

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import infranet
from infranet.errors import FormatError
from infranet.io import native
from infranet.model import Topology
from infranet.testing import topology_specs


def specs():
    return topology_specs(clusters=True, extras=True)


@pytest.mark.filterwarnings("ignore::infranet.errors.InfranetWarning")  # drawn power is random
@settings(max_examples=60, deadline=None)
@given(specs(), st.sampled_from(["yaml", "json"]))
def test_write_read_round_trip_is_lossless(tmp_path_factory, spec, fmt):
    topo = Topology.from_dict(spec)
    path = tmp_path_factory.mktemp("rt") / f"t.{fmt}"
    infranet.write(topo, path)
    back = infranet.read(path)
    assert back == topo
    assert back.links.drop(columns=["srlg"]).equals(topo.links.drop(columns=["srlg"]))


def test_alias_bomb_is_refused(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 12):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("name: bomb\nsites: [{name: x}]\nmeta: {bomb: *a11}")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(FormatError, match="alias bomb"):
        infranet.read(path)


def _many_sites(n: int) -> str:
    return "name: many\nsites:\n" + "".join(
        f"  - {{name: s{i}, kind: pop, location: [{i % 180}, {i // 180 % 90}]}}\n"
        for i in range(n))


def test_a_large_file_without_aliases_is_not_an_alias_bomb(monkeypatch, tmp_path):
    # aliases are counted as they expand; values written out are not: a file of 400 sites
    # (2,400 values) loads with an alias budget of 100
    monkeypatch.setattr(native, "MAX_ALIAS_VALUES", 100)
    path = tmp_path / "many.yaml"
    path.write_text(_many_sites(400))
    assert infranet.read(path).n_sites == 400
    # while 20 aliases of a list of 10 (220 values) exceed it, even in a small file
    path.write_text("name: x\nsites: [{name: a}]\nmeta:\n  l: &l [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]\n"
                    + "".join(f"  a{i}: *l\n" for i in range(20)))
    with pytest.raises(FormatError, match="aliases expand to more than 100 values"):
        infranet.read(path)


@pytest.mark.parametrize("text", [
    "a: 1:30.5", "a: 017", "a: 0x1F", "a: 1_000.5", "a: -.inf", "a: 2024-01-02", "a: yes",
    "a: ~", "a: '12'", "a: !!str 12", "a: 1e5", "a: +12.5", "a: [1, 2.5, x]",
    "a: !!binary aGVsbG8=", "a: !!float 3", "a: {b: &x [1], c: *x}", "<<: {a: 1}\nb: 2",
    "a: |\n  two\n  lines\n", "- 1\n- [2, {c: null}]",
])
def test_yaml_values_are_pyyaml_safe_loader_values(text):
    assert native.load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_merge_keys_share_link_defaults():
    data = native.load_yaml("base: &b {capacity: 400G, medium: smf}\n"
                            "links: [{<<: *b, a: x, b: y}, {<<: *b, a: y, b: z, capacity: 800G}]")
    assert [x["capacity"] for x in data["links"]] == ["400G", "800G"]
    assert data["links"][0]["medium"] == "smf"


def test_yaml_progress_is_reported():
    seen = []
    native.load_yaml(_many_sites(20_000), progress=lambda done, total: seen.append((done, total)))
    assert seen and all(0 < done < total for done, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned']\nsites: []\n")
    with pytest.raises(FormatError, match="YAML"):
        infranet.read(path)


def test_syntax_error_names_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nsites:\n  - {name: a\n")
    with pytest.raises(FormatError, match=r"bad.yaml: line \d+, column \d+: YAML syntax error"):
        infranet.read(path)
    jpath = tmp_path / "bad.json"
    jpath.write_text('{"name": "x", "sites": [}')
    with pytest.raises(FormatError, match="bad.json: line 1, column 25: JSON syntax error"):
        infranet.read(jpath)


def test_write_is_atomic(tmp_path, monkeypatch):
    topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}]})
    target = tmp_path / "t.yaml"
    target.write_text("precious")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("infranet.io.files.os.replace", boom)
    with pytest.raises(FormatError, match="t.yaml: cannot write: disk full"):
        infranet.write(topo, target)
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["t.yaml"]


def test_json_dump_is_plain(tmp_path):
    topo = Topology.from_dict({"name": "t", "sites": [{"name": "x", "location": [1, 2]}]})
    data = json.loads(native.dump_json(topo.to_dict()))
    assert data["sites"][0]["location"] == [1.0, 2.0]


@pytest.mark.parametrize("text", ["\x85", "a\u2028b", "c\u2029", "multi\nline", "São Paulo"])
def test_yaml_writes_line_separators_as_escapes(text):
    assert native.load_yaml(native.dump_yaml({"notes": [text]})) == {"notes": [text]}


def test_reader_options_that_do_not_apply_are_one_line(tmp_path):
    from infranet.errors import ValidationError

    path = tmp_path / "t.json"
    path.write_text(json.dumps({"name": "t", "sites": [{"name": "x"}]}))
    with pytest.raises(ValidationError, match=r"t.json: capacity_unit: --capacity-unit does not "
                                              r"apply to the json format"):
        infranet.io.read(path, capacity_unit="bit/s")
    with pytest.raises(FormatError, match=r"missing.json: file not found"):
        infranet.io.read(tmp_path / "missing.json", capacity_unit="bit/s")
