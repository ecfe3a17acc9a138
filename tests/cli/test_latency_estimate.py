"""``infranet latency --estimate``: the estimated RTT beside the fiber one, in every format."""

from __future__ import annotations

import csv
import io
import json

from infranet.algorithms.rtt import site_rtt
from infranet.io import read
from tests.cli.conftest import invoke

BACKBONE = "topologies/us-backbone.yaml"


def test_json_has_rtt_one_way_and_basis():
    data = json.loads(invoke("latency", BACKBONE, "--from", "ashburn", "--to", "san-jose",
                             "--estimate", "--format", "json").stdout)
    assert data["basis"] == "estimate"
    assert data["one_way_ms"] == data["rtt_ms"] / 2
    assert data["fiber_rtt_ms"] < data["rtt_ms"]  # the floor of the fiber against a median
    expected = site_rtt(read(BACKBONE), "ashburn", "san-jose", estimate=True)
    assert data["rtt_ms"] == expected.rtt_ms
    assert data["binding"]["kind"] == "propagation"


def test_without_estimate_the_pair_output_is_unchanged():
    data = json.loads(invoke("latency", BACKBONE, "--from", "ashburn", "--to", "san-jose",
                             "--format", "json").stdout)
    assert {"from", "to", "one_way_ms", "rtt_ms", "length_km", "hops", "basis", "binding",
            "path", "links"} <= set(data)
    assert "floor" in data["basis"]


def test_table_and_csv():
    table = invoke("latency", BACKBONE, "--from", "ashburn", "--to", "san-jose", "--estimate",
                   env={"COLUMNS": "200"}).stdout
    assert table.startswith("estimated RTT from ashburn to san-jose (ms)") and "estimate" in table
    rows = list(csv.DictReader(io.StringIO(invoke(
        "latency", BACKBONE, "--from", "ashburn", "--to", "san-jose", "--estimate", "--format",
        "csv").stdout)))
    assert rows[0]["basis"] == "estimate" and float(rows[0]["rtt_ms"]) > 0


def test_unreachable_pair_stays_an_error_without_estimate(tmp_path):
    path = tmp_path / "islands.yaml"
    path.write_text("name: islands\nsites:\n"
                    "  - {name: a, kind: datacenter, location: [-77.49, 39.04]}\n"
                    "  - {name: b, kind: datacenter, location: [-96.82, 32.80]}\n")
    result = invoke("latency", path, "--from", "a", "--to", "b")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "no path from 'a' to 'b'" in result.stderr
    data = json.loads(invoke("latency", path, "--from", "a", "--to", "b", "--estimate",
                             "--format", "json").stdout)
    assert data["basis"] == "estimate" and data["fiber_rtt_ms"] is None


def test_a_site_without_location_is_one_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("name: t\nsites:\n  - {name: a, location: [-77.49, 39.04]}\n"
                    "  - {name: b}\nlinks:\n  - {a: a, b: b, length_km: 10}\n")
    result = invoke("latency", path, "--from", "a", "--to", "b", "--estimate")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path}: site 'b': location: has no location, so its RTT "
                             "cannot be estimated where no fiber path reaches it\n")


def test_estimate_goes_with_a_pair_only():
    for extra in (["--matrix"], ["--links"], ["--from", "ashburn", "--to", "denver", "-k", "2"],
                  ["--from", "ashburn", "--to", "denver", "--weight", "hops"]):
        result = invoke("latency", BACKBONE, *extra, "--estimate")
        assert result.exit_code == 2, extra
