"""The native YAML/JSON format: round trips, safety, and clear errors."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infranet
from infranet.errors import FormatError
from infranet.io import native
from infranet.model import Topology
from infranet.testing import topology_specs


def specs():
    return topology_specs(clusters=True, extras=True)


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
