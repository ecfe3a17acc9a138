"""What ``infranet route`` reports, from the library: demands no path joins, demand over
capacity, failures that lose everything, and the JSON keys the command has always had."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import infranet
from infranet.cli import main
from infranet.model import Topology
from infranet.results import check_result
from infranet.routing import algorithms, route_report, under_failures
from infranet.traffic import TrafficMatrix

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
BUILT_IN = tuple(sorted(algorithms()))
#: the keys `infranet route --format json` has always written
ROUTE_KEYS = ("algorithm", "weight", "mlu", "mlu_ratio", "demand_gbps", "throughput_gbps",
              "lost_gbps", "satisfied", "concurrent_lambda", "util_p50", "util_p90",
              "util_p95", "latency_ms_mean", "stretch_mean", "hop_stretch_mean", "n_paths",
              "paths_per_demand", "solve_s", "satisfied_fraction", "optimum_mlu", "options",
              "links")
DISC = """\
name: disc
sites: [{name: a}, {name: b}, {name: c}, {name: d}]
links:
  - {a: a, b: b, capacity: 100}
  - {a: c, b: d, capacity: 100}
"""


def disc() -> Topology:
    """a--b and c--d: a -> c has no path."""
    return Topology.from_dict({"name": "disc", "sites": [{"name": n} for n in "abcd"],
                               "links": [{"a": "a", "b": "b", "capacity": 100},
                                         {"a": "c", "b": "d", "capacity": 100}]})


def _options(name: str) -> dict:
    return {"weight": "hops"} if name == "cspf" else {}


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_demand_no_path_joins_is_lost_never_an_error(name):
    topo = disc()
    tm = TrafficMatrix(("a", "b", "c"), [[0, 50, 5], [0, 0, 0], [0, 0, 0]])
    report = route_report(topo, tm, algorithm=name, **_options(name))
    out = check_result(report, headline=("mlu", "throughput_gbps", "satisfied_fraction",
                                         "optimum_mlu", "lost_gbps", "fits"))
    assert out["lost_gbps"] == 5.0 and out["unreachable_gbps"] == 5.0
    assert out["throughput_gbps"] == 50.0 and out["fits"] is False
    assert out["optimum_mlu"] == pytest.approx(0.5)  # over the demand that can be carried
    assert "'a' -> 'c'" in out["notes"][0] and "1 of 2 demands" in out["notes"][0]
    assert out["mlu_ratio"] == pytest.approx(out["mlu"] / 0.5)  # every carriable one carried
    assert "5 of 55 Gb/s" in out["binding"]["summary"]


def test_no_demand_that_can_be_carried_has_no_optimum():
    topo = disc()
    tm = TrafficMatrix(("a", "c"), [[0, 5], [0, 0]])
    out = route_report(topo, tm, algorithm="ecmp").to_dict()
    assert out["optimum_mlu"] is None and "no optimum" in out["notes"][0]
    assert math.isnan(out["mlu"]) and out["lost_gbps"] == 5.0
    assert out["binding"]["kind"] == "path"


def test_demand_over_capacity_does_not_read_as_fine():
    """1 Pb/s over a ring of 51.2 Tb/s spans: all of it routed, 19.5 times over the span's
    capacity; the report says it does not fit, and by how much."""
    topo = infranet.read(TOPOLOGIES / "texas-ring.yaml")
    tm = TrafficMatrix(("abilene", "san-antonio"), [[0, 1e6], [0, 0]])
    out = route_report(topo, tm, algorithm="spf").to_dict()
    assert out["satisfied"] == 1.0 and out["lost_gbps"] == 0.0
    assert out["mlu"] == pytest.approx(1e6 / 51_200)
    assert out["fits"] is False and out["overloaded_links"] == 1
    assert "over capacity, it carries 19.5x its capacity" in out["binding"]["summary"]
    assert any("19.53x" in note for note in out["notes"])
    fine = route_report(topo, tm.scaled(1e-3), algorithm="spf").to_dict()
    assert fine["fits"] is True and fine["overloaded_links"] == 0 and not fine["notes"]


def test_a_failure_that_loses_everything_has_no_mlu():
    topo = Topology.from_dict({"name": "pair", "sites": [{"name": "a"}, {"name": "b"}],
                               "links": [{"a": "a", "b": "b", "capacity": 100}]})
    tm = TrafficMatrix(("a", "b"), [[0, 50], [0, 0]])
    for reoptimise in (True, False):
        study = under_failures(topo, tm, algorithm="ecmp", reoptimise=reoptimise)
        row = study.table.iloc[0]
        assert math.isnan(row["mlu"]) and row["lost_gbps"] == 50.0 and not row["fits"]
        assert study.worst_failure == "a--b"
        assert "no demand carried" in study.binding.summary
        check_result(study, headline=("worst_mlu", "max_lost_gbps"))


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


@pytest.mark.parametrize("name", ["spf", "mcf", "path-lp", "fptas"])
def test_route_on_a_disconnected_topology_carries_what_it_can(tmp_path, name):
    (tmp_path / "disc.yaml").write_text(DISC)
    (tmp_path / "disc.csv").write_text("src,dst,gbps\na,b,50\na,c,5\n")
    code, text = _cli("route", str(tmp_path / "disc.yaml"), "--demands",
                      str(tmp_path / "disc.csv"), "-a", name, "--format", "json")
    assert code == 0, text
    data = json.loads(text)
    for key in ROUTE_KEYS:
        assert key in data, key
    assert data["lost_gbps"] == 5.0 and data["optimum_mlu"] == pytest.approx(0.5)
    assert [row["name"] for row in data["links"]] == ["a--b", "c--d"]
    assert data["links"][0]["load_ab_gbps"] == 50.0


def test_route_json_is_the_report_of_the_library(tmp_path):
    (tmp_path / "disc.yaml").write_text(DISC)
    (tmp_path / "disc.csv").write_text("src,dst,gbps\na,b,50\na,c,5\n")
    code, text = _cli("route", str(tmp_path / "disc.yaml"), "--demands",
                      str(tmp_path / "disc.csv"), "-a", "spf", "--format", "json")
    assert code == 0
    data = json.loads(text)
    topo = infranet.read(tmp_path / "disc.yaml")
    expect = route_report(topo, infranet.traffic.read_csv(tmp_path / "disc.csv", topo),
                          algorithm="spf").to_dict()
    for key, value in expect.items():
        if key != "solve_s":
            assert data[key] == (value if not isinstance(value, float) or not np.isnan(value)
                                 else data[key]), key


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_demand_past_an_lps_range_is_one_line_and_no_warning_leaks(name):
    """1e308 Gb/s on 51.2 Tb/s spans: the heuristics route it (far over capacity), the LPs
    refuse it in one line naming the demand; numpy's overflow warnings stay inside."""
    import warnings

    from infranet.errors import ValidationError

    topo = infranet.read(TOPOLOGIES / "texas-ring.yaml")
    tm = TrafficMatrix(("abilene", "san-antonio"), [[0, 1e308], [0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = route_report(topo, tm, algorithm=name, optimum=False).to_dict()
        except ValidationError as err:
            assert name in ("mcf", "path-lp", "pop", "pred-last", "pred-ewma", "pred-linear",
                            "window-peak", "semi-oblivious")
            assert "demand 'abilene' -> 'san-antonio'" in str(err)
            assert "past the range an LP solver can hold" in str(err)
        else:  # routed over capacity, or (cspf) refused whole
            assert out["fits"] is False
            assert out["lost_gbps"] == (1e308 if name == "cspf" else 0.0)
        with pytest.raises(ValidationError, match="past the range"):
            route_report(topo, tm, algorithm=name)  # the optimum is an LP
