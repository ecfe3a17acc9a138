"""Multicommodity flow: published optima (FIGRET GEANT and Facebook pod), invariants of the
returned flows, and cross-checks against max-flow (infranet and networkx)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet import traffic
from infranet.algorithms import column_generation, mcf, solver
from infranet.algorithms.flow import max_flow
from infranet.errors import (
    FormatError,
    InfeasibleError,
    UnboundedError,
    UnknownNameError,
    ValidationError,
)
from infranet.model import Topology
from infranet.results import check_result
from infranet.testing import topology_specs
from infranet.traffic import Flows, TrafficMatrix

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_mcf.py"
RTOL = 1e-6  # the published optima come from LPs solved to about 1e-12


# ---------------------------------------------------------------------------- published optima


def _published(base, graph, hist, opt, unit):
    from infranet.io import read

    topo = read(base / graph, capacity_unit=unit)
    tms = traffic.read_hist(base / hist, topo, unit=unit)
    optima = np.loadtxt(base / opt)
    assert len(tms) == len(optima)
    return topo, tms, optima, mcf.read_tunnels(base / "tunnels.txt", topo)


@pytest.mark.parametrize("formulation", ["arc", "path"])
def test_geant_optimal_mlu_matches_figret(shared_data, formulation):
    topo, tms, optima, tunnels = _published(shared_data / "figret-geant", "GEANT.json",
                                            "train-5.hist", "train-5.opt", "bit/s")
    assert len(tms) == 16 and len(tunnels) == 3 * 22 * 21
    paths = tunnels if formulation == "path" else None
    got = np.array([mcf.min_mlu(topo, tm, formulation=formulation, paths=paths).objective
                    for tm in tms])
    np.testing.assert_allclose(got, optima, rtol=RTOL, atol=0)


def test_geant_column_generation_matches_full_path_lp(shared_data):
    topo, tms, optima, tunnels = _published(shared_data / "figret-geant", "GEANT.json",
                                            "train-5.hist", "train-5.opt", "bit/s")
    for tm, best in zip(tms[:4], optima[:4], strict=True):
        result = mcf.min_mlu(topo, tm, formulation="path", paths=tunnels, columns="generate")
        assert result.objective == pytest.approx(best, rel=RTOL)
        assert result.mlu == pytest.approx(best, rel=RTOL)
        _check_path_flows(result, tm)


def test_column_generation_without_highspy_matches(shared_data, monkeypatch):
    """The incremental highspy model and the linprog fallback reach the same optimum."""
    assert solver.highspy() is not None  # a dependency: the comparison needs it
    topo, tms, optima, tunnels = _published(shared_data / "figret-geant", "GEANT.json",
                                            "train-5.hist", "train-5.opt", "bit/s")
    with_highspy = [mcf.min_mlu(topo, tm, formulation="path", paths=tunnels,
                                columns="generate") for tm in tms[:4]]
    monkeypatch.setattr(column_generation, "highspy", lambda: None)
    for tm, best, fast in zip(tms[:4], optima[:4], with_highspy, strict=True):
        slow = mcf.min_mlu(topo, tm, formulation="path", paths=tunnels, columns="generate")
        assert fast.objective == pytest.approx(slow.objective, rel=1e-9)
        assert slow.objective == pytest.approx(best, rel=RTOL)
        assert fast.mlu == pytest.approx(slow.mlu, rel=1e-9)
        _check_path_flows(fast, tm)


def test_column_generation_is_silent(capfd, tri):
    tm = TrafficMatrix(("x", "y", "z"), [[0, 500, 300], [0, 0, 0], [200, 0, 0]])
    mcf.min_mlu(tri, tm, formulation="path", columns="generate")
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize("formulation", ["arc", "path"])
def test_facebook_pod_optimal_mlu_matches_figret(shared_data, formulation):
    topo, tms, optima, tunnels = _published(shared_data / "figret-facebook-pod-a",
                                            "Facebook_pod_a.json", "test-6.hist",
                                            "test-6.opt", "Gb/s")
    assert len(tms) == 477
    paths = tunnels if formulation == "path" else None
    got = np.array([mcf.min_mlu(topo, tm, formulation=formulation, paths=paths).objective
                    for tm in tms])
    np.testing.assert_allclose(got, optima, rtol=RTOL, atol=0)


def test_read_tunnels_geant(shared_data):
    from infranet.io import read

    base = shared_data / "figret-geant"
    topo = read(base / "GEANT.json", capacity_unit="bit/s")
    tunnels = mcf.read_tunnels(base / "tunnels.txt", topo)
    frame = tunnels.to_frame(topo)
    assert frame.iloc[0].to_dict() | {"links": None} == {
        "src": "0", "dst": "1", "nodes": "0-2-6-1", "links": None, "hops": 3}
    compiled = topo.compile()
    for p in range(len(tunnels)):
        arcs = tunnels.path_arcs(p)
        assert compiled.tail[arcs[0]] == tunnels.src[p]
        assert compiled.head[arcs[-1]] == tunnels.dst[p]
        assert np.array_equal(compiled.head[arcs[:-1]], compiled.tail[arcs[1:]])


def test_read_tunnels_errors(tmp_path, tri):
    path = tmp_path / "tunnels.txt"
    path.write_text("x z:x-q-z\n")
    with pytest.raises(UnknownNameError, match="unknown site 'q'"):
        mcf.read_tunnels(path, tri)
    path.write_text("x z:x-y\n")
    with pytest.raises(ValidationError, match="does not go from 'x' to 'z'"):
        mcf.read_tunnels(path, tri)
    path.write_text("x z x-y-z\n")
    with pytest.raises(FormatError, match="line 1"):
        mcf.read_tunnels(path, tri)


# ---------------------------------------------------------------------------- invariants


def _check_arc_flows(result: mcf.McfResult, topo: Topology, tm: TrafficMatrix, *,
                     scale: float = 1.0) -> None:
    """Per-source flows conserve at every node, carry `scale` x the demands and respect
    capacity x MLU (min_mlu) or capacity."""
    compiled = topo.compile()
    demands = tm.for_topology(topo).gbps * scale
    flows = result.commodity_flow_gbps
    index = compiled.index
    tol = 1e-6 * max(1.0, float(demands.max()))
    for name, x in zip(result.commodities, flows, strict=True):
        s = index[name]
        net = np.bincount(compiled.tail, x, compiled.n_nodes) - \
            np.bincount(compiled.head, x, compiled.n_nodes)
        expected = -demands[s].copy()
        expected[s] = demands[s].sum()
        np.testing.assert_allclose(net, expected, atol=tol)
        assert (x >= -tol).all()
    total = flows.sum(axis=0)
    np.testing.assert_allclose(total, result.arc_flow_gbps, atol=tol)
    limit = compiled.capacity_gbps * (result.objective if result.problem == "min_mlu" else 1.0)
    assert (total <= limit + tol).all()


def _check_path_flows(result: mcf.McfResult, tm: TrafficMatrix) -> None:
    paths = result.paths
    flow = result.path_flow_gbps
    carried = np.zeros((tm.n_nodes, tm.n_nodes))
    np.add.at(carried, (paths.src, paths.dst), flow)
    tol = 1e-6 * max(1.0, float(tm.gbps.max()))
    np.testing.assert_allclose(carried, tm.gbps, atol=tol)
    assert (flow >= -tol).all()


@st.composite
def networks(draw, min_nodes=3, max_nodes=6):
    """A small connected topology (from infranet.testing) with a random traffic matrix."""
    spec = draw(topology_specs(min_sites=min_nodes, max_sites=max_nodes, max_links=max_nodes,
                               capacities="all", srlgs=False, connected=True,
                               capacity_range=(10.0, 200.0)))
    topo = Topology.from_dict(spec)
    n = topo.n_sites
    values = draw(st.lists(st.sampled_from([0.0, 0.0, 5.0, 12.5, 40.0, 90.0]),
                           min_size=n * n, max_size=n * n))
    matrix = np.array(values).reshape(n, n) * ~np.eye(n, dtype=bool)
    if matrix.sum() == 0:
        matrix[0, 1] = 10.0
    return topo, TrafficMatrix(topo.site_names, matrix)


PROPERTY = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(networks())
def test_flows_conserve_and_fit(net):
    topo, tm = net
    result = mcf.min_mlu(topo, tm, flows=True)
    _check_arc_flows(result, topo, tm)
    assert result.mlu == pytest.approx(result.objective, rel=1e-7)
    path = mcf.min_mlu(topo, tm, formulation="path", k=3)
    _check_path_flows(path, tm)
    assert path.mlu == pytest.approx(path.objective, rel=1e-7)
    lam = mcf.max_concurrent_flow(topo, tm, flows=True)
    _check_arc_flows(lam, topo, tm, scale=lam.objective)
    thr = mcf.max_throughput(topo, tm)
    assert (thr.routed_gbps <= tm.gbps + 1e-9).all()
    assert (thr.arc_flow_gbps <= topo.compile().capacity_gbps + 1e-6).all()


@PROPERTY
@given(networks(), st.integers(1, 5))
def test_arc_lp_is_a_lower_bound_of_any_path_lp(net, k):
    topo, tm = net
    arc = mcf.min_mlu(topo, tm).objective
    for paths in (mcf.shortest_paths(topo, tm, k, method="yen"),
                  mcf.shortest_paths(topo, tm, k, method="deviation")):
        path = mcf.min_mlu(topo, tm, formulation="path", paths=paths, columns="all")
        generated = mcf.min_mlu(topo, tm, formulation="path", paths=paths, columns="generate")
        assert arc <= path.objective * (1 + 1e-9)
        assert generated.objective == pytest.approx(path.objective, rel=1e-7)


@PROPERTY
@given(networks(), st.sampled_from([0.25, 2.0, 7.5]))
def test_scaling_demands_scales_mlu(net, factor):
    topo, tm = net
    base = mcf.min_mlu(topo, tm).objective
    assert mcf.min_mlu(topo, tm.scaled(factor)).objective == pytest.approx(base * factor,
                                                                          rel=1e-7)


@PROPERTY
@given(networks(), st.data())
def test_adding_capacity_never_raises_mlu(net, data):
    topo, tm = net
    link = data.draw(st.sampled_from(topo.link_names))
    bigger = topo.with_link_changes(link, capacity=topo.link(link)["capacity"] * 2)
    for formulation in ("arc", "path"):
        before = mcf.min_mlu(topo, tm, formulation=formulation).objective
        after = mcf.min_mlu(bigger, tm, formulation=formulation).objective
        assert after <= before * (1 + 1e-9)


@PROPERTY
@given(networks())
def test_concurrent_flow_is_inverse_mlu(net):
    topo, tm = net
    mlu = mcf.min_mlu(topo, tm).objective
    lam = mcf.max_concurrent_flow(topo, tm).objective
    assert lam == pytest.approx(1.0 / mlu, rel=1e-7)
    path_mlu = mcf.min_mlu(topo, tm, formulation="path").objective
    path_lam = mcf.max_concurrent_flow(topo, tm, formulation="path").objective
    assert path_lam == pytest.approx(1.0 / path_mlu, rel=1e-7)


@PROPERTY
@given(networks(), st.data())
def test_single_commodity_throughput_is_max_flow(net, data):
    topo, _ = net
    names = topo.site_names
    s, t = data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
    matrix = np.zeros((len(names), len(names)))
    matrix[names.index(s), names.index(t)] = 1e6  # more than any cut
    tm = TrafficMatrix(names, matrix)
    routed = mcf.max_throughput(topo, tm).objective
    assert routed == pytest.approx(max_flow(topo, s, t).value_gbps, rel=1e-9)
    graph = nx.DiGraph()
    compiled = topo.compile()
    for u, v, c in zip(compiled.tail, compiled.head, compiled.capacity_gbps, strict=True):
        old = graph.get_edge_data(u, v, {"capacity": 0.0})["capacity"]
        graph.add_edge(u, v, capacity=old + c)
    value = nx.maximum_flow_value(graph, names.index(s), names.index(t))
    assert routed == pytest.approx(value, rel=1e-9)


@PROPERTY
@given(networks())
def test_throughput_path_form_at_most_arc_form(net):
    topo, tm = net
    arc = mcf.max_throughput(topo, tm).objective
    path = mcf.max_throughput(topo, tm, formulation="path", k=2).objective
    assert path <= arc * (1 + 1e-9) + 1e-9
    assert arc <= tm.total_gbps * (1 + 1e-9)


# ---------------------------------------------------------------------------- max-min fair
# (the full checks of fairness are in test_fairness.py)


def test_max_min_fair_equal_split(tri):
    # x->z over two paths (direct, and via y), x->y over one: 400 Gb/s links
    tm = TrafficMatrix(("x", "y", "z"), [[0, 1000, 1000], [0, 0, 0], [0, 0, 0]])
    paths = mcf.shortest_paths(tri, tm, 2, weight="hops")
    result = mcf.max_min_fair(tri, tm, paths=paths)
    assert (result.arc_load_gbps <= tri.compile().capacity_gbps + 1e-9).all()
    assert result.rate_gbps[0] == pytest.approx(result.rate_gbps[1])  # the same rate
    assert np.nanmax(result.utilisation) == pytest.approx(1.0)
    single = mcf.max_min_fair(tri, tm, paths=paths, split="single")
    assert single.rate_gbps.tolist() == pytest.approx([400.0, 400.0])


def test_max_min_fair_meets_small_demands(tri):
    tm = TrafficMatrix(("x", "y", "z"), [[0, 10, 1000], [0, 0, 0], [0, 0, 0]])
    result = mcf.max_min_fair(tri, tm, split="single", k=1)
    assert result.rate_gbps.tolist() == pytest.approx([10.0, 400.0])
    assert result.bottleneck_links() == ["demand", "x--z"]


# ---------------------------------------------------------------------------- errors and results


def test_missing_capacity_names_the_link():
    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "capacity": 100},
                                         {"a": "y", "b": "z"}]})
    tm = TrafficMatrix(("x", "y"), [[0, 1], [0, 0]])
    with pytest.raises(ValidationError, match="link 'y--z': capacity"):
        mcf.min_mlu(topo, tm)
    # the path form only needs capacities on the links its paths use
    assert mcf.min_mlu(topo, tm, formulation="path").objective == pytest.approx(0.01)


def test_infeasible_and_unbounded():
    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "capacity": 100}]})
    tm = TrafficMatrix(("x", "z"), [[0, 1], [0, 0]])
    with pytest.raises(InfeasibleError, match="'x' -> 'z'"):
        mcf.min_mlu(topo, tm)
    with pytest.raises(InfeasibleError, match="'x' -> 'z'"):
        mcf.min_mlu(topo, tm, formulation="path")
    assert mcf.max_throughput(topo, tm).objective == 0.0
    zero = TrafficMatrix(("x", "y"), [[0, 0], [0, 0]])
    with pytest.raises(UnboundedError):
        mcf.max_concurrent_flow(topo, zero)
    with pytest.raises(ValidationError, match="did you mean 'path'"):
        mcf.min_mlu(topo, zero, formulation="paths")


def test_result_tables_and_dict(tri):
    tm = TrafficMatrix(("x", "z"), [[0, 300], [0, 0]])
    result = mcf.min_mlu(tri, tm, flows=True)
    assert result.objective == pytest.approx(0.375)  # 150 direct, 150 via y
    links = result.links
    assert list(links.columns) == ["name", "a", "b", "capacity_ab_gbps", "capacity_ba_gbps",
                                   "flow_ab_gbps", "flow_ba_gbps", "utilisation_ab",
                                   "utilisation_ba", "utilisation"]
    assert links["utilisation"].max() == pytest.approx(0.375)
    assert (links["flow_ba_gbps"] == 0).all()
    data = check_result(result, headline=("objective", "mlu", "total_routed_gbps"))
    assert data["problem"] == "min_mlu" and data["mlu"] == pytest.approx(0.375)
    assert data["binding"]["kind"] == "link" and data["binding"]["name"] in ("x--z", "x--y",
                                                                             "y--z")
    assert result.carried_gbps.tolist() == [300.0] and result.routed_gbps[0, 2] == 300.0
    with pytest.raises(ValueError):
        result.arc_flow_gbps[0] = 1.0
    with pytest.raises(AttributeError):
        result.objective = 0.0


def test_deviation_paths_are_simple_and_sorted(shared_data):
    from infranet.io import read

    topo = read(shared_data / "figret-geant" / "GEANT.json", capacity_unit="bit/s")
    compiled = topo.compile()
    yen = mcf.shortest_paths(topo, k=4, method="yen")
    dev = mcf.shortest_paths(topo, k=4, method="deviation")
    for paths in (yen, dev):
        hops = paths.hops
        for p in range(len(paths)):
            arcs = paths.path_arcs(p)
            nodes = [compiled.tail[arcs[0]], *compiled.head[arcs]]
            assert len(set(nodes)) == len(nodes)
            assert nodes[0] == paths.src[p] and nodes[-1] == paths.dst[p]
            if p and paths.src[p] == paths.src[p - 1] and paths.dst[p] == paths.dst[p - 1]:
                assert hops[p] >= hops[p - 1]
    # the first path of each pair is a shortest one in both
    first = np.r_[True, (np.diff(dev.src) != 0) | (np.diff(dev.dst) != 0)]
    first_yen = np.r_[True, (np.diff(yen.src) != 0) | (np.diff(yen.dst) != 0)]
    assert np.array_equal(dev.hops[first], yen.hops[first_yen])


# ---------------------------------------------------------------------------- benchmark smoke


def test_bench_quick(capsys, shared_data):
    spec = importlib.util.spec_from_file_location("bench_mcf", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "ratio" in out


def test_lps_take_flows(tri):
    """Flows of one pair add up into one commodity; each flow gets its share back."""
    flows = Flows.from_pairs(["x", "x", "y"], ["z", "z", "z"], [100.0, 200.0, 50.0],
                             nodes=tri)
    by_flows = mcf.min_mlu(tri, flows)
    by_matrix = mcf.min_mlu(tri, flows.to_matrix())
    assert by_flows.objective == pytest.approx(by_matrix.objective)
    assert by_flows.flow_carried_gbps.tolist() == pytest.approx([100.0, 200.0, 50.0])
    # elastic flows take what fits in max_throughput, and have no place in min_mlu
    elastic = Flows.from_pairs(["x", "x"], ["z", "z"], [100.0, float("inf")],
                               weight=[1, 3], nodes=tri)
    thr = mcf.max_throughput(tri, elastic)
    assert thr.objective == pytest.approx(800.0)  # x--z direct and x--y--z
    assert thr.flow_carried_gbps.tolist() == pytest.approx([100.0, 700.0])
    with pytest.raises(ValidationError, match="elastic flow"):
        mcf.min_mlu(tri, elastic)


def test_usable_arcs_mask_failed_links(tri):
    from infranet.algorithms.failures import failure_set

    tm = TrafficMatrix(("x", "z"), [[0, 300], [0, 0]])
    failure = failure_set(tri, "x--z")
    for formulation in ("arc", "path"):
        masked = mcf.min_mlu(tri, tm, formulation=formulation, usable=failure.usable)
        assert masked.objective == pytest.approx(0.75)  # all 300 over x--y--z
        assert masked.arc_flow_gbps[failure.arc_mask].sum() == 0


def test_column_generation_grows_a_demand_to_all_its_paths():
    """One demand that needs all four of its paths: its second path is a bounded column, the
    third gives it a row, the fourth joins that row; the optimum is the full LP's."""
    mids = ["m1", "m2", "m3", "m4"]
    topo = Topology.from_dict({"name": "fan", "sites": [{"name": n} for n in ["x", "y", *mids]],
                               "links": [{"a": end, "b": m, "capacity": 100}
                                         for m in mids for end in ("x", "y")]})
    tm = TrafficMatrix(topo.site_names, np.pad([[0, 400], [0, 0]], ((0, 4), (0, 4))))
    paths = mcf.shortest_paths(topo, tm, 4)
    assert len(paths) == 4
    full = mcf.min_mlu(topo, tm, formulation="path", paths=paths, columns="all")
    generated = mcf.min_mlu(topo, tm, formulation="path", paths=paths, columns="generate")
    assert full.objective == pytest.approx(1.0) and generated.objective == pytest.approx(1.0)
    assert generated.path_flow_gbps.tolist() == pytest.approx([100.0] * 4)
