"""``infranet catalogue``: every packaged catalogue listed with its sources, one record in full,
the same figures as the library's records."""

from __future__ import annotations

import csv
import io
import json
from importlib import import_module, resources

import pytest

from infranet import physics
from infranet.cli.catalogue import CATALOGUES, record_dict
from infranet.workloads import models as wm

from .conftest import invoke


def _records(kind):
    module, attr = CATALOGUES[kind][1].split(":")
    return getattr(import_module(module), attr)()


def test_every_packaged_catalogue_has_a_kind():
    files = {p.name for p in resources.files("infranet.data").iterdir()
             if p.name.endswith(".csv")}
    assert {file for file, _, _ in CATALOGUES.values()} == files


@pytest.mark.parametrize("kind", CATALOGUES)
def test_json_lists_the_library_records_with_sources(kind):
    result = invoke("catalogue", kind, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    records = _records(kind)
    assert [row["name"] for row in data] == list(records)
    assert data == [json.loads(json.dumps(record_dict(r))) for r in records.values()]
    assert all(row["source"].strip() for row in data)


@pytest.mark.parametrize("kind", CATALOGUES)
def test_csv_has_a_row_per_record_and_the_sources(kind):
    rows = list(csv.DictReader(io.StringIO(invoke("catalogue", kind, "--format",
                                                  "csv").stdout)))
    records = _records(kind)
    assert [r["name"] for r in rows] == list(records)
    assert [r["source"] for r in rows] == [r.source for r in records.values()]


def test_csv_spreads_mappings_and_writes_ranges_as_the_catalogue_does():
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(invoke(
        "catalogue", "accelerators", "--format", "csv").stdout))}
    h100 = physics.accelerator("H100")
    assert float(rows["H100"]["dense_flops_per_s.bf16"]) == h100.bf16_flops_per_s == 989e12
    assert float(rows["H100"]["scale_up_gbps"]) == 3600  # 450 GB/s per direction, in Gb/s
    assert rows["A100-80GB"]["hbm_bytes_per_s"] == "2039000000000.0"  # 2.039 TB/s exactly
    switches = {r["name"]: r for r in csv.DictReader(io.StringIO(invoke(
        "catalogue", "switches", "--format", "csv").stdout))}
    assert switches["QM9700"]["hop_latency_range_us"] == "0.15-0.35"


def test_a_model_in_full_with_what_its_shape_gives():
    data = json.loads(invoke("catalogue", "models", "deepseek-v3", "--format", "json").stdout)
    model = physics.model("deepseek-v3")
    assert data["kv_bytes_per_token"] == 70_272 and data["experts"] == 256
    assert data["derived"]["parameters_of_shape"] == wm.parameters_of_shape(model)
    assert data["derived"]["moe_layers"] == 58
    assert data["derived"]["training_flops_per_token"] == 6 * 37e9
    table = invoke("catalogue", "models", "deepseek-v3", env={"COLUMNS": "120"}).stdout
    assert "70,272" in table and "DeepSeek-V3 Technical Report" in table


def test_one_record_of_any_catalogue():
    data = json.loads(invoke("catalogue", "switches", "QM9700", "--format", "json").stdout)
    assert data["radix"] == 64 and data["hop_latency_range_us"] == [0.15, 0.35]
    rows = list(csv.DictReader(io.StringIO(invoke("catalogue", "media", "smf", "--format",
                                                  "csv").stdout)))
    assert len(rows) == 1 and float(rows[0]["us_per_km"]) == 4.8974


def test_an_unknown_name_is_one_line_with_a_suggestion():
    result = invoke("catalogue", "models", "llama3-7b")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: unknown model 'llama3-7b' (did you mean "
                                    "'llama3-70b'?); known: ")
    assert result.stderr.count("\n") == 1


def test_an_unknown_kind_is_a_usage_error():
    result = invoke("catalogue", "model")
    assert result.exit_code == 2 and "'model' is not one of" in result.stderr


def test_a_model_file_is_shown_as_a_catalogue_model_is():
    """Wherever a model name goes, a model file goes too: catalogue models FILE."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples/models/my-13b.yaml"
    out = invoke("catalogue", "models", example, "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["name"] == "my-13b" and data["parameters"] == 13_000_000_000
    # the shape agrees with the stated count within the catalogue's tolerance
    assert abs(data["derived"]["parameters_of_shape"] / 13e9 - 1) < 0.01
