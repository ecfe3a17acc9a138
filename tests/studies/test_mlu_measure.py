"""``mlu:ALGORITHM`` measures: the MLU of any routing algorithm against the optimum, per
scenario, under failures on what survives; the demands a study routes, from a file or a
generator; bad names and keys refused in one line."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from infranet import traffic
from infranet.algorithms.failures import failure_set
from infranet.errors import UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.routing import algorithms, evaluate, register, route
from infranet.routing.base import _REGISTRY
from infranet.studies.sweep import Failures, Study, run, study_from_mapping
from infranet.testing import topology_specs
from infranet.traffic import TrafficMatrix

from ..cli.conftest import RING

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ["mlu", "optimum_mlu", "ratio", "lost_gbps"]


def _ring() -> Topology:
    return Topology.from_dict(yaml.safe_load(RING))


def _triangle() -> Topology:
    return Topology.from_dict({"name": "tri", "defaults": {"capacity": 100},
                               "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y"}, {"a": "y", "b": "z"},
                                         {"a": "z", "b": "x"}]})


def test_closed_form_on_a_triangle():
    """150 Gb/s x -> y over 100 Gb/s links: shortest path alone 1.5; split over the direct
    link and the detour, 0.75 each (the optimum); after cutting x--y, all 150 on the detour."""
    tm = TrafficMatrix(("x", "y"), [[0, 150], [0, 0]])
    rows = run(Study(name="t", topology=_triangle(), measures=("mlu:spf", "mlu:mcf"),
                     demands=tm, failures=Failures()))
    assert rows["error"].isna().all()
    intact = run(Study(name="t", topology=_triangle(), measures=("mlu:spf", "mlu:mcf"),
                       demands=tm)).iloc[0]
    assert [intact[f"mlu:spf.{f}"] for f in FIELDS] == [1.5, 0.75, 2.0, 0.0]
    assert intact["mlu:mcf.ratio"] == pytest.approx(1.0, abs=1e-9)  # LP tolerance
    cut = rows.set_index("failure").loc["x--y"]
    assert cut["mlu:spf.mlu"] == pytest.approx(1.5) and cut["mlu:spf.ratio"] == \
        pytest.approx(1.0)


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(topology_specs(min_sites=3, max_sites=6, min_links=2, max_links=8, connected=True))
def test_under_a_failure_as_the_routing_layer_routes_it(spec):
    """Each row's MLU is what the routing layer gives routing on the whole topology with the
    failed arcs masked (route(..., failure=...)), and the demand lost is the demand whose ends
    the failure parts (networkx components of what survives)."""
    topology = Topology.from_dict(spec).with_defaults(capacity=100.0)
    tm = traffic.uniform(topology, 300.0, seed=1)
    rows = run(Study(name="f", topology=topology, measures=("mlu:ecmp",), demands=tm,
                     failures=Failures()))
    assert rows["error"].isna().all(), rows["error"].dropna().tolist()
    for _, row in rows.iterrows():
        failed = failure_set(topology, row["failure"])
        masked = route(topology, tm, algorithm="ecmp", failure=failed)
        expected = evaluate(masked, topology, tm, paths=False)
        graph = nx.MultiGraph()
        graph.add_nodes_from(topology.site_names)
        links = topology.links
        graph.add_edges_from((a, b) for name, a, b in zip(links["name"], links["a"],
                                                         links["b"], strict=True)
                             if name not in failed.links)
        part = {n: i for i, c in enumerate(nx.connected_components(graph)) for n in c}
        names = tm.nodes
        cut_off = sum(float(tm.gbps[i, j]) for i in range(len(names))
                      for j in range(len(names)) if part[names[i]] != part[names[j]])
        assert row["mlu:ecmp.lost_gbps"] == pytest.approx(cut_off, abs=1e-6)
        if cut_off == 0:
            assert row["mlu:ecmp.mlu"] == pytest.approx(expected["mlu"], rel=1e-9)


def test_a_failed_sites_demands_are_lost():
    ring = _ring()
    tm = traffic.gravity(ring, total_gbps=90.0, by="degree")
    rows = run(Study(name="s", topology=ring, measures=("mlu:path-lp",), demands=tm,
                     failures=Failures(links=False, sites=True)))
    assert rows["error"].isna().all()
    sites = 0
    for _, row in rows.iterrows():
        for site in failure_set(ring, row["failure"]).sites:
            i = tm.nodes.index(site)
            to_or_from = float(tm.gbps[i].sum() + tm.gbps[:, i].sum())
            # the other two sites still join by their link: only the failed site's demand
            assert row["mlu:path-lp.lost_gbps"] == pytest.approx(to_or_from)
            sites += 1
    assert sites == 3


def test_the_topologys_own_demands_and_a_users_algorithm():
    topology = Topology.from_dict({"name": "d", "defaults": {"capacity": 10},
                                   "sites": [{"name": n} for n in "ab"],
                                   "links": [{"a": "a", "b": "b"}],
                                   "demands": [{"src": "a", "dst": "b", "gbps": 5}]})

    @register("test-shortest-only")
    def shortest_only(topology, tm, **options):
        return route(topology, tm, algorithm="spf")

    try:
        row = run(Study(name="o", topology=topology,
                        measures=("mlu:test-shortest-only",))).iloc[0]
        assert row["mlu:test-shortest-only.mlu"] == pytest.approx(0.5)
        assert row["mlu:test-shortest-only.ratio"] == pytest.approx(1.0)
    finally:
        _REGISTRY.pop("test-shortest-only")
    assert "test-shortest-only" not in algorithms()


def test_unknown_algorithm_and_missing_demands_are_one_line():
    with pytest.raises(UnknownNameError, match=r"measures: 'mlu:ecmq': unknown routing "
                                               r"algorithm 'ecmq' \(did you mean 'ecmp'\?\)"):
        study_from_mapping({"topology": "topologies/texas-ring.yaml",
                            "demands": {"generator": "gravity", "total_gbps": 100},
                            "measures": ["mlu:ecmq"]}, file="s.yaml")
    with pytest.raises(ValidationError, match="s.yaml: study: measures: measure 'mlu:ecmp' "
                                              "routes demands: give the study 'demands'"):
        study_from_mapping({"topology": "topologies/texas-ring.yaml",
                            "measures": ["mlu:ecmp"]}, file="s.yaml")


def test_demands_from_a_file_relative_to_the_study(tmp_path: Path):
    (tmp_path / "ring.yaml").write_text(RING)
    (tmp_path / "tm.csv").write_text("src,dst,gbps\nx,z,40\nz,x,10 Gb/s\n")
    (tmp_path / "study.yaml").write_text("topology: ring.yaml\ndemands: tm.csv\n"
                                         "measures: [mlu:mcf]\n")
    from infranet.studies.sweep import read_study

    study = read_study(tmp_path / "study.yaml")
    assert study.demands is not None and study.demands.total_gbps == 50.0
    row = run(study).iloc[0]
    assert row["mlu:mcf.lost_gbps"] == 0.0 and row["mlu:mcf.ratio"] == pytest.approx(1.0)


def test_generated_demands_follow_the_generator():
    ring = _ring()
    study = study_from_mapping({"topology": "topologies/texas-ring.yaml",
                                "demands": {"generator": "gravity", "total_gbps": "2 Tb/s",
                                            "by": "degree"},
                                "measures": ["mlu:ecmp"]}, file="s.yaml")
    expected = traffic.gravity(study.topology, total_gbps=2000.0, by="degree")
    np.testing.assert_allclose(study.demands.gbps, expected.gbps)
    uniform = study_from_mapping({"topology": "topologies/texas-ring.yaml",
                                  "demands": {"generator": "uniform", "total_gbps": 100,
                                              "seed": 3},
                                  "measures": ["mlu:ecmp"]}, file="s.yaml")
    np.testing.assert_allclose(uniform.demands.gbps,
                               traffic.uniform(uniform.topology, 100.0, seed=3).gbps)
    assert ring.n_sites == 3


@pytest.mark.parametrize(("demands", "message"), [
    ({"generator": "grav", "total_gbps": 1}, "demands.generator: unknown generator 'grav' "
                                             r"\(did you mean 'gravity'\?\)"),
    ({"generator": "gravity"}, "demands.total_gbps: a generator needs total_gbps"),
    ({"generator": "gravity", "total_gbps": "1 Zb/s"}, "demands.total_gbps: unknown "
                                                       "bandwidth unit"),
    ({"generator": "gravity", "total_gbps": -3}, "demands.total_gbps: expected a positive"),
    ({"generator": "uniform", "total_gbps": 1, "by": "degree"},
     "demands.by: a uniform generator takes no 'by'"),
    ({"generator": "gravity", "total_gbps": 1, "file": "x.csv"},
     "demands: give either 'generator'"),
    ({"totl_gbps": 1}, r"demands.totl_gbps: unknown key \(did you mean 'total_gbps'\?\)"),
    ("tm.txt", "demands.file: demands are read from .csv"),
    (["x"], "demands: expected a traffic matrix file or a mapping"),
    ({"generator": "gravity", "total_gbps": 1, "seed": -1}, "demands.seed: expected a whole"),
])
def test_bad_demands_are_one_line(demands, message):
    with pytest.raises(ValidationError, match=f"s.yaml: study: {message}"):
        study_from_mapping({"topology": "topologies/texas-ring.yaml", "demands": demands,
                            "measures": ["mlu:ecmp"]}, file="s.yaml")


def test_demands_from_a_line_of_a_hist_file(tmp_path: Path):
    """A FIGRET .hist file: one matrix per line over the topology's sites in order, the line
    and the unit chosen in the study."""
    (tmp_path / "ring.yaml").write_text(RING)
    first = np.zeros((3, 3))
    second = np.zeros((3, 3))
    second[0, 2] = 30.0
    (tmp_path / "tm.hist").write_text(" ".join(map(str, first.ravel())) + "\n"
                                      + " ".join(map(str, second.ravel())) + "\n")
    (tmp_path / "study.yaml").write_text(
        "topology: ring.yaml\ndemands: {file: tm.hist, line: 1, unit: Gb/s}\n"
        "measures: [mlu:spf]\n")
    from infranet.studies.sweep import read_study

    study = read_study(tmp_path / "study.yaml")
    assert study.demands.total_gbps == 30.0
    assert study.demands.nodes == _ring().site_names and study.demands.gbps[0, 2] == 30.0
    (tmp_path / "study.yaml").write_text("topology: ring.yaml\ndemands: {file: tm.hist}\n"
                                         "measures: [mlu:spf]\n")
    with pytest.raises(ValidationError, match="study.yaml: study: demands: every demand is 0"):
        read_study(tmp_path / "study.yaml")
    (tmp_path / "study.yaml").write_text("topology: ring.yaml\ndemands: {file: tm.csv, line: 1}"
                                         "\nmeasures: [mlu:spf]\n")
    with pytest.raises(ValidationError, match="line and unit go with a .hist file"):
        read_study(tmp_path / "study.yaml")


def test_rows_the_same_on_local_processes():
    """The study's demands travel to the workers with it: the same rows on two processes."""
    ring = _ring()
    study = Study(name="w", topology=ring, measures=("mlu:ecmp", "mlu:path-lp"),
                  demands=traffic.gravity(ring, total_gbps=90.0, by="degree"),
                  grid={"defaults.capacity": [100, 400]},
                  failures=Failures(srlgs=True, order=(1, 2)))
    serial, parallel = run(study, workers=1), run(study, workers=2)
    assert serial["error"].isna().all()
    pd.testing.assert_frame_equal(serial.drop(columns="wall_s"),
                                  parallel.drop(columns="wall_s"))


def test_every_example_of_the_reference_is_read():
    """Each example value of the STUDY.yaml reference (docs/studies.md, generated from
    infranet.studies.spec) is accepted by the reader, in a study that has what it needs."""
    from infranet.studies.spec import DEMANDS, FAILURES, STUDY

    base = {"topology": "../../topologies/us-backbone.yaml",
            "job": "../jobs/llama3-70b-two-sites.yaml",
            "demands": {"generator": "gravity", "total_gbps": 1000},
            "measures": ["max_rtt"]}
    folder = ROOT / "examples" / "studies"
    for key in STUDY:
        study = study_from_mapping({**base, key.name: yaml.safe_load(key.example)},
                                   file="x.yaml", base=folder)
        assert study.name
    for key in FAILURES:
        extra = {"random": 3} if key.name == "seed" else {}
        study = study_from_mapping({**base, "failures": {key.name: yaml.safe_load(key.example),
                                                         **extra}}, file="x.yaml", base=folder)
        assert study.failures is not None
    for key in DEMANDS:
        if key.name in ("file", "line", "unit"):
            continue  # a file of the reader's own (tested above)
        value = yaml.safe_load(key.example)
        demands = {"generator": "gravity", "total_gbps": 1000, key.name: value}
        if key.name == "generator":
            demands = {"generator": value, "total_gbps": 1000}
        study = study_from_mapping({**base, "demands": demands}, file="x.yaml", base=folder)
        assert study.demands is not None and study.demands.total_gbps == pytest.approx(
            20_000.0 if key.name == "total_gbps" else 1000.0)


def test_the_measures_of_one_scenario_share_one_optimum(monkeypatch):
    import infranet.routing

    solved = []
    real = infranet.routing.optimal_mlu

    def counting(topology, tm, **options):
        solved.append(topology)
        return real(topology, tm, **options)

    monkeypatch.setattr(infranet.routing, "optimal_mlu", counting)
    tm = TrafficMatrix(("x", "y"), [[0, 150], [0, 0]])
    rows = run(Study(name="t", topology=_triangle(), demands=tm, failures=Failures(),
                     measures=("mlu:spf", "mlu:ecmp", "mlu:mcf")))
    assert len(rows) == 3 and len(solved) == 3  # one solve per scenario, not per measure
    assert (rows["mlu:spf.optimum_mlu"] == rows["mlu:mcf.optimum_mlu"]).all()
