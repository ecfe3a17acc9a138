"""The SERVICE.yaml schema: the shipped example, token distributions, demand, and one-line
errors naming the file, ``service`` and the field."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import infranet
from infranet.errors import InfranetError, UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.workloads.service import (
    SERVICE,
    Tokens,
    read_service,
    region_demand,
    service_from_mapping,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples/service-llama3-70b.yaml"


def test_the_shipped_example_reads_and_spreads_over_the_backbone_by_population():
    service = read_service(EXAMPLE)
    assert service.model == "llama3-70b" and service.precision == "fp8"
    assert service.survive_site_loss and service.total_requests_per_s == 400
    topology = infranet.read(ROOT / "topologies/us-backbone.yaml")
    rates = region_demand(service, topology)
    sites = topology.sites
    regions = sites[sites["kind"] == "region"]
    assert set(rates) == set(regions.index)
    assert sum(rates.values()) == pytest.approx(400.0)
    people = regions["population"].astype(float)
    for name, rate in rates.items():  # in proportion to each region's population
        assert rate / 400.0 == pytest.approx(float(people[name]) / float(people.sum()))


def test_token_forms():
    fixed = service_from_mapping({"model": "m", "prompt_tokens": 800}).prompt_tokens
    assert (fixed.mean, fixed.p99, fixed.cv2) == (800.0, 800.0, 0.0)
    fitted = service_from_mapping({"model": "m",
                                   "prompt_tokens": {"mean": 2000, "p99": 8000}}).prompt_tokens
    # the lognormal through both: its mean and its p99 are the ones given
    mu = math.log(2000) - fitted.sigma ** 2 / 2
    assert math.exp(mu + 2.3263478740408408 * fitted.sigma) == pytest.approx(8000)
    logn = service_from_mapping({"model": "m", "output_tokens": {
        "distribution": "lognormal", "mean": 250, "sigma": 0.8}}).output_tokens
    assert logn == Tokens.lognormal(250, 0.8)
    assert logn.cv2 == pytest.approx(math.expm1(0.64))


def test_slo_units_and_defaults():
    s = service_from_mapping({"model": "m", "slo": {"ttft_p99": "2 s", "tpot_p99": 200}})
    assert (s.ttft_p99_ms, s.tpot_p99_ms) == (2000.0, 200.0)
    d = service_from_mapping({"model": "m"})
    assert (d.ttft_p99_ms, d.tpot_p99_ms) == (450.0, 40.0)  # MLPerf interactive


def test_equal_demand_and_named_regions_checked_against_the_topology():
    topo = Topology.from_dict({"name": "t", "sites": [
        {"name": "a", "kind": "region", "location": [0, 0], "population": 1},
        {"name": "b", "kind": "region", "location": [1, 0]}], "links": []})
    equal = service_from_mapping({"model": "m", "demand": {"total_requests_per_s": 10,
                                                           "by": "equal"}})
    assert region_demand(equal, topo) == {"a": 5.0, "b": 5.0}
    by_people = service_from_mapping({"model": "m", "demand": {"total_requests_per_s": 10}})
    with pytest.raises(ValidationError, match="gives no population"):
        region_demand(by_people, topo)
    named = service_from_mapping({"model": "m", "regions": {"aa": 3}})
    with pytest.raises(UnknownNameError, match="did you mean 'a'"):
        region_demand(named, topo)
    with pytest.raises(ValidationError, match="give the topology"):
        region_demand(by_people)


HOSTILE = [
    ("regions: {east: -5}\n", "regions.east", "must be >= 0"),
    ("regions: {east: .nan}\n", "regions.east", "finite"),
    ("regions: {east: 0}\n", "regions", "nothing to serve"),
    ("regions: []\n", "regions", "expected a mapping"),
    ("demand: {total_requests_per_s: -1}\n", "demand.total_requests_per_s", "must be > 0"),
    ("demand: {total_requests_per_s: 1, by: populaton}\n", "demand.by", "did you mean"),
    ("slo: {ttft_p99: 0ms}\n", "slo.ttft_p99", "must be > 0"),
    ("slo: {ttft_p99: 450 parsecs}\n", "slo.ttft_p99", ""),
    ("slo: {ttfb_p99: 1s}\n", "slo", "did you mean 'ttft_p99'"),
    ("prompt_tokens: -3\n", "prompt_tokens", "must be > 0"),
    ("prompt_tokens: {mean: 100, p99: 50}\n", "prompt_tokens", "below the mean"),
    ("prompt_tokens: {mean: 100, p99: 100000}\n", "prompt_tokens", "no lognormal"),
    ("prompt_tokens: {p99: 100}\n", "prompt_tokens", "needs its mean"),
    ("output_tokens: 1000000000000\n", "output_tokens", "at most"),
    ("precision: fp4\n", "precision", "must be one of bf16, fp8"),
    ("tensor_parallel: 2.5\n", "tensor_parallel", "whole number"),
    ("tensor_parallel: 0\n", "tensor_parallel", ">= 1"),
    ("connections: tepid\n", "connections", "must be one of warm, cold"),
    ("survive_site_loss: yes please\n", "survive_site_loss", "true or false"),
    ("modle: x\n", "modle", "did you mean 'model'"),
    ("regions: {a: 1}\ndemand: {total_requests_per_s: 1}\n", "demand", "not both"),
]


@pytest.mark.parametrize("extra, field, words", HOSTILE)
def test_hostile_specs_give_one_line_naming_file_and_field(tmp_path, extra, field, words):
    path = tmp_path / "svc.yaml"
    path.write_text("model: llama3-70b\n" + extra, encoding="utf-8")
    with pytest.raises(InfranetError) as info:
        read_service(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: service: {field}:"), message
    assert words in message


def test_bad_yaml_and_no_model_are_one_line(tmp_path):
    path = tmp_path / "svc.yaml"
    path.write_text("model: [unclosed\n", encoding="utf-8")
    with pytest.raises(InfranetError) as info:
        read_service(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
    path.write_text("regions: {a: 1}\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="service: model: missing"):
        read_service(path)


def test_every_field_is_in_the_reference():
    from infranet.workloads.service import reference_markdown

    text = reference_markdown()
    for attr in SERVICE:
        assert f"| `{attr.name}` |" in text
