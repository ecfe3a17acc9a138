"""Every routing algorithm against the same invariants, the optimum, and independent
references (networkx for shortest paths, the published GEANT optimum)."""

from __future__ import annotations

import inspect
from collections import defaultdict
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from infranet.algorithms.mcf import min_mlu
from infranet.errors import ValidationError
from infranet.model import Topology
from infranet.results import check_result
from infranet.routing import Routing, algorithms, evaluate, route
from infranet.traffic import Flows, TrafficMatrix

BUILT_IN = tuple(sorted(algorithms()))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "routing.md"
TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"


def path_loads(splits, routed_gbps, n_arcs):
    """Each arc's load summed path by path (independent of PathSet.loads)."""
    load = np.zeros(n_arcs)
    for d in range(splits.n_demands):
        for arcs, fraction in splits.paths(d):
            for arc in arcs.tolist():
                load[arc] += routed_gbps[d] * fraction
    return load


def check_invariants(routing: Routing, topology: Topology, tm: TrafficMatrix) -> None:
    """What every routing must satisfy, whatever the algorithm."""
    compiled = topology.compile()
    n, m = compiled.n_nodes, compiled.n_arcs
    load = routing.arc_load_gbps
    assert load.shape == (m,)
    assert np.isfinite(load).all() and (load >= -1e-9).all()
    # the demands are those of the matrix, each carried in full or lost
    matrix = tm.for_topology(topology).gbps
    s, t = np.nonzero(matrix)
    assert np.array_equal(routing.src, s) and np.array_equal(routing.dst, t)
    assert np.allclose(routing.demand_gbps, matrix[s, t])
    routed = routing.routed_gbps
    assert ((routed >= 0) & (routed <= routing.demand_gbps * (1 + 1e-12))).all()
    splits = routing.splits
    assert splits.n_demands == routing.n_demands
    # fractions of a routed demand sum to 1; a lost demand has no path
    assert (splits.fraction > 0).all() and (splits.fraction <= 1 + 1e-12).all()
    total = np.bincount(splits.demand_of, weights=splits.fraction, minlength=routing.n_demands)
    carried = routed > 0
    assert np.allclose(total[carried], 1.0, atol=1e-9)
    assert (np.diff(splits.path_ptr)[~carried] == 0).all()
    # flow conservation per demand: +1 leaves the source, -1 reaches the destination
    arc_of_path = np.repeat(np.arange(splits.n_paths), splits.hops)
    frac = splits.fraction[arc_of_path]
    demand = splits.demand_of[arc_of_path]
    net = np.zeros(routing.n_demands * n)
    np.add.at(net, demand * n + compiled.tail[splits.arcs], frac)
    np.add.at(net, demand * n + compiled.head[splits.arcs], -frac)
    expect = np.zeros((routing.n_demands, n))
    rows = np.flatnonzero(carried)
    expect[rows, routing.src[rows]] = 1.0
    expect[rows, routing.dst[rows]] = -1.0
    assert np.allclose(net.reshape(routing.n_demands, n), expect, atol=1e-9)
    # consecutive arcs of a path join up
    inner = np.ones(len(splits.arcs), dtype=bool)
    inner[splits.arc_ptr[1:] - 1] = False
    assert (compiled.head[splits.arcs[inner]] == compiled.tail[splits.arcs[1:][inner[:-1]]]).all()
    # the loads are the sum over demands of their paths
    scale = max(float(load.max()), 1.0)
    assert np.allclose(path_loads(splits, routed, m), load, atol=1e-9 * scale)


def test_every_registered_algorithm_is_documented():
    table = DOCS.read_text(encoding="utf-8")
    for name in BUILT_IN:
        assert f"| `{name}` |" in table, name


@pytest.mark.parametrize("name", BUILT_IN)
def test_invariants_on_small_topologies(name, case, algo_options):
    _, topo, tm = case
    routing = route(topo, tm, algorithm=name, **algo_options(name, topo))
    assert routing.algorithm == name
    check_invariants(routing, topo, tm)
    out = check_result(routing, headline=("demand_gbps", "routed_gbps", "solve_s"))
    assert out["binding"]["kind"] == "link"
    assert out["binding"]["name"] in topo.link_names
    assert routing.solve_s > 0


@pytest.mark.parametrize("name", BUILT_IN)
def test_algorithms_with_a_weight_say_which(name, build, algo_options):
    topo = build.mesh()
    tm = TrafficMatrix(topo.site_names, np.ones((6, 6)) - np.eye(6))
    params = inspect.signature(algorithms()[name]).parameters
    routing = route(topo, tm, algorithm=name, **algo_options(name, topo))
    if "weight" in params:
        assert routing.options["weight"] == params["weight"].default
        assert routing.to_dict()["weight"] == routing.weight == params["weight"].default
        assert evaluate(routing, topo, tm, paths=False)["weight"] == routing.weight
        if "igp_weights" not in params:
            other = "latency" if params["weight"].default == "hops" else "hops"
            again = route(topo, tm, algorithm=name, weight=other, **algo_options(name, topo))
            assert again.weight == other


@pytest.mark.parametrize("name", BUILT_IN)
def test_flows_route_as_the_matrix_does(name, build, algo_options):
    from infranet.traffic import uniform

    topo = build.mesh()
    tm = uniform(topo, 250.0, seed=4)
    a = route(topo, tm, algorithm=name, **algo_options(name, topo))
    b = route(topo, tm.to_flows(), algorithm=name, **algo_options(name, topo))
    assert np.array_equal(a.src, b.src) and np.array_equal(a.dst, b.dst)
    if name not in ("fptas", "pop", "igp-wo"):  # deterministic given the same demands
        np.testing.assert_allclose(a.arc_load_gbps, b.arc_load_gbps, rtol=1e-6, atol=1e-6)
    # two flows of one pair are two demands, each carried
    twice = Flows.from_pairs(["a", "a", "c"], ["d", "d", "f"], [10.0, 5.0, 7.0], nodes=topo)
    routing = route(topo, twice, algorithm=name, **algo_options(name, topo))
    assert routing.n_demands == 3 and routing.lost_gbps == 0
    check_invariants_flows(routing, topo, twice)


def check_invariants_flows(routing: Routing, topology: Topology, flows: Flows) -> None:
    """The invariants of :func:`check_invariants` for flows (pairs may repeat)."""
    m = topology.compile().n_arcs
    assert routing.src.tolist() == flows.src.tolist()
    assert np.allclose(routing.demand_gbps, flows.demand_gbps)
    total = np.bincount(routing.splits.demand_of, weights=routing.splits.fraction,
                        minlength=routing.n_demands)
    assert np.allclose(total, 1.0)
    assert np.allclose(path_loads(routing.splits, routing.routed_gbps, m),
                       routing.arc_load_gbps, atol=1e-9)


def _optimum_holds(topo, tm, algo_options):
    opt = evaluate(route(topo, tm, algorithm="mcf"), topo, tm, paths=False)["mlu"]
    assert opt == pytest.approx(min_mlu(topo, tm).objective, rel=1e-7)
    for name in algorithms():
        if name == "mcf" or name not in BUILT_IN:
            continue
        routing = route(topo, tm, algorithm=name, **algo_options(name, topo))
        if routing.lost_gbps > 0:  # dropping demand can beat the optimum of carrying it all
            continue
        value = evaluate(routing, topo, tm, paths=False)["mlu"]
        assert opt <= value * (1 + 1e-6), name
    return opt


def test_optimum_is_a_lower_bound_on_small_topologies(case, algo_options):
    _, topo, tm = case
    _optimum_holds(topo, tm, algo_options)


def test_optimum_on_geant_is_the_published_one(geant, algo_options):
    topo, tm, published = geant
    assert _optimum_holds(topo, tm, algo_options) == pytest.approx(published, rel=1e-6)
    lp = route(topo, tm, algorithm="path-lp")
    assert evaluate(lp, topo, tm, paths=False)["mlu"] == pytest.approx(published, rel=1e-6)


@pytest.mark.parametrize("eps", [0.1, 0.05])
def test_fptas_within_its_bound(case, eps):
    _, topo, tm = case
    opt = min_mlu(topo, tm).objective
    routing = route(topo, tm, algorithm="fptas", eps=eps)
    value = evaluate(routing, topo, tm, paths=False)["mlu"]
    assert routing.info["certified"]
    assert routing.info["bound"] == pytest.approx(1 + eps)
    assert opt * (1 - 1e-9) <= value <= opt * (1 + eps) * (1 + 1e-9)
    assert routing.info["lower_bound_mlu"] <= opt * (1 + 1e-9)


def test_fptas_within_its_bound_on_geant(geant):
    topo, tm, published = geant
    routing = route(topo, tm, algorithm="fptas", eps=0.1)
    value = evaluate(routing, topo, tm, paths=False)["mlu"]
    assert published * (1 - 1e-9) <= value <= published * routing.info["bound"]


def _hop_fractions(graph: nx.Graph, s, t) -> dict[tuple, float]:
    """Per-destination ECMP by hand: at each node, equal shares over next hops one hop
    closer to `t` (networkx distances), so a path's share is the product along it."""
    dist = nx.single_source_shortest_path_length(graph, t)
    out = {}
    for path in nx.all_shortest_paths(graph, s, t):
        share = 1.0
        for u in path[:-1]:
            share /= sum(1 for v in graph[u] if dist[v] == dist[u] - 1)
        out[tuple(path)] = share
    return out


def test_ecmp_splits_equally_among_equal_cost_next_hops(build):
    topo = build.grid(3)
    names = topo.site_names
    tm = TrafficMatrix(names, np.ones((9, 9)) - np.eye(9))
    routing = route(topo, tm, algorithm="ecmp")
    compiled = topo.compile()
    graph = nx.Graph([(r.a, r.b) for r in topo.links.itertuples()])
    for d in range(routing.n_demands):
        s, t = names[routing.src[d]], names[routing.dst[d]]
        got = {}
        for arcs, frac in routing.splits.paths(d):
            nodes = (s, *(compiled.nodes[h] for h in compiled.head[arcs]))
            got[nodes] = frac
        expect = _hop_fractions(graph, s, t)
        assert got.keys() == expect.keys()
        for path, share in expect.items():
            assert got[path] == pytest.approx(share, rel=1e-12)
    # corner to corner: 6 shortest paths, shares 1/4, 1/8 and 1/8 ... not 1/6 each
    d = routing.demand_index("g00", "g22")
    assert sorted(f for _, f in routing.splits.paths(d)) == pytest.approx(
        [0.125] * 4 + [0.25] * 2)


def test_ecmp_splits_over_parallel_links():
    topo = Topology.from_dict({"name": "p", "sites": [{"name": "x"}, {"name": "y"}],
                               "links": [{"a": "x", "b": "y", "capacity": 10},
                                         {"name": "x--y-2", "a": "x", "b": "y",
                                          "capacity": 10}]})
    tm = TrafficMatrix(("x", "y"), [[0, 8], [0, 0]])
    assert route(topo, tm, algorithm="ecmp").arc_load_gbps.tolist() == [4.0, 0.0, 4.0, 0.0]
    assert route(topo, tm, algorithm="spf").arc_load_gbps.tolist() == [8.0, 0.0, 0.0, 0.0]


def test_spf_takes_one_shortest_path(build):
    topo = build.mesh()
    tm = TrafficMatrix(topo.site_names, np.ones((6, 6)) - np.eye(6))
    graph = nx.Graph()
    for r in topo.links.itertuples():
        old = graph.get_edge_data(r.a, r.b, {"w": np.inf})["w"]
        graph.add_edge(r.a, r.b, w=min(old, r.latency_ms))
    for weight in ("hops", "latency"):
        routing = route(topo, tm, algorithm="spf", weight=weight)
        latency = routing.splits.path_values(topo.compile().latency_ms)
        for d in range(routing.n_demands):
            assert len(routing.splits.paths(d)) == 1
            s, t = topo.site_names[routing.src[d]], topo.site_names[routing.dst[d]]
            if weight == "hops":
                assert routing.splits.hops[d] == nx.shortest_path_length(graph, s, t)
            else:
                best = nx.shortest_path_length(graph, s, t, weight="w")
                assert latency[d] == pytest.approx(best, rel=1e-12)


def test_spf_with_igp_weights(build):
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, [[0, 0, 10, 0], [0] * 4, [0] * 4, [0] * 4])
    # r0 -> r2: two 2-hop ways; a heavy r0--r1 sends it the other way
    weights = {name: 1 for name in topo.link_names}
    weights["r0--r1"] = 5
    routing = route(topo, tm, algorithm="spf", weight="igp", igp_weights=weights)
    used = {topo.link_names[i] for i in np.flatnonzero(routing.arc_load_gbps.reshape(-1, 2)
                                                        .sum(axis=1))}
    assert used == {"r3--r0", "r2--r3"}
    # from link meta: the same choice
    spec = topo.to_dict()
    for link in spec["links"]:
        link["meta"] = {"igp_weight": weights[link["name"]]}
    tagged = Topology.from_dict(spec)
    same = route(tagged, tm, algorithm="spf", weight="igp")
    assert np.array_equal(same.arc_load_gbps, routing.arc_load_gbps)
    with pytest.raises(ValidationError, match="meta.igp_weight"):
        route(topo, tm, algorithm="ecmp", weight="igp")


def test_ksp_inverse_latency_split(build):
    topo = Topology.from_dict({"name": "two", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "z", "capacity": 100, "length_km": 100,
                                          "latency_ms": 1.0},
                                         {"a": "x", "b": "y", "capacity": 100,
                                          "latency_ms": 1.0},
                                         {"a": "y", "b": "z", "capacity": 100,
                                          "latency_ms": 2.0}]})
    tm = TrafficMatrix(("x", "z"), [[0, 40], [0, 0]])
    routing = route(topo, tm, algorithm="ksp", k=2, split="inverse-latency")
    shares = sorted(f for _, f in routing.splits.paths(0))
    assert shares == pytest.approx([0.25, 0.75])  # 1/3 ms and 1/1 ms, normalised
    equal = route(topo, tm, algorithm="ksp", k=2)
    assert sorted(f for _, f in equal.splits.paths(0)) == [0.5, 0.5]


def test_cspf_places_largest_first_and_records_losses():
    topo = Topology.from_dict({"name": "c", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "z", "capacity": 100, "length_km": 100},
                                         {"a": "x", "b": "y", "capacity": 100, "length_km": 100},
                                         {"a": "y", "b": "z", "capacity": 100,
                                          "length_km": 100}]})
    tm = TrafficMatrix(("x", "y", "z"), [[0, 0, 90], [0, 0, 80], [0, 0, 0]])
    routing = route(topo, tm, algorithm="cspf")
    # x->z (90) takes the direct link; y->z (80) its own link; nothing is lost
    assert routing.lost_gbps == 0
    tm2 = TrafficMatrix(("x", "y", "z"), [[0, 0, 90], [0, 0, 0], [0, 0, 0]]).scaled(1.5)
    lost = route(topo, tm2, algorithm="cspf")
    assert lost.lost_gbps == pytest.approx(135.0) and lost.info["lost"] == (("x", "z", 135.0),)
    assert (lost.arc_load_gbps == 0).all()


@pytest.mark.parametrize("name", ["pop", "igp-wo"])
def test_seeds_reproduce(name, build):
    topo = build.mesh()
    from infranet.traffic import uniform

    tm = uniform(topo, 300.0, seed=9)
    kw = {"pop": {"parts": 3}, "igp-wo": {"iterations": 20}}[name]
    one = route(topo, tm, algorithm=name, seed=5, **kw)
    two = route(topo, tm, algorithm=name, seed=5, **kw)
    assert np.array_equal(one.arc_load_gbps, two.arc_load_gbps)
    assert np.array_equal(one.splits.arcs, two.splits.arcs)
    assert np.array_equal(one.splits.fraction, two.splits.fraction)
    if name == "igp-wo":
        assert one.info["igp_weights"] == two.info["igp_weights"]
        assert one.info["cost"] <= one.info["start_cost"]


def test_igp_wo_improves_on_unit_weights(geant):
    topo, tm, _ = geant
    ecmp = evaluate(route(topo, tm, algorithm="ecmp"), topo, tm, paths=False)["mlu"]
    routing = route(topo, tm, algorithm="igp-wo", objective="mlu", seed=0, iterations=40)
    assert evaluate(routing, topo, tm, paths=False)["mlu"] < ecmp
    assert set(routing.info["igp_weights"].values()) <= set(range(1, 21))
    # the routing is ECMP under the weights it reports
    again = route(topo, tm, algorithm="ecmp", weight="igp",
                  igp_weights=routing.info["igp_weights"])
    assert np.allclose(again.arc_load_gbps, routing.arc_load_gbps)


def test_pop_with_one_part_is_the_path_lp(build):
    topo = build.mesh()
    from infranet.traffic import uniform

    tm = uniform(topo, 300.0, seed=2)
    a = evaluate(route(topo, tm, algorithm="pop", parts=1, seed=0), topo, tm, paths=False)
    b = evaluate(route(topo, tm, algorithm="path-lp"), topo, tm, paths=False)
    assert a["mlu"] == pytest.approx(b["mlu"], rel=1e-9)


def test_vlb_doubles_a_uniform_load_on_a_ring(build):
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, np.ones((4, 4)) - np.eye(4))
    direct = route(topo, tm, algorithm="ecmp").arc_load_gbps.sum()
    spread = route(topo, tm, algorithm="vlb").arc_load_gbps.sum()
    # 1/4 of each demand goes direct, the rest one hop further out and back
    assert spread > direct


def test_kdl_scale_for_destination_routing(shared_data):
    import time

    import infranet
    from infranet.traffic import gravity

    topo = infranet.read(shared_data / "teal" / "Kdl.json", capacity_unit="Gb/s")
    tm = gravity(topo, total_gbps=1e5, by="degree")
    for name in ("spf", "ecmp"):
        start = time.perf_counter()
        routing = route(topo, tm, algorithm=name)
        assert time.perf_counter() - start < 10.0
        assert routing.lost_gbps == 0
        assert routing.arc_load_gbps.sum() > tm.total_gbps  # every demand crosses >= 1 arc
    # ksp on a sample of the pairs (the full matrix works too, in some tens of seconds)
    rng = np.random.default_rng(0)
    keep = rng.random(tm.gbps.shape) < 0.01
    sample = TrafficMatrix(tm.nodes, tm.gbps * keep)
    routing = route(topo, sample, algorithm="ksp", k=3)
    check_invariants(routing, topo, sample)


def test_unreachable_demands_are_lost_by_every_algorithm(algo_options):
    topo = Topology.from_dict({"name": "split", "sites": [{"name": n} for n in "wxyz"],
                               "links": [{"a": "w", "b": "x", "capacity": 10, "length_km": 1},
                                         {"a": "y", "b": "z", "capacity": 10,
                                          "length_km": 1}]})
    tm = TrafficMatrix(topo.site_names, [[0, 4, 3, 0], [0] * 4, [0, 0, 0, 2], [0] * 4])
    lost = defaultdict(float)
    for name in BUILT_IN:
        routing = route(topo, tm, algorithm=name, **algo_options(name, topo))
        check_invariants(routing, topo, tm)
        lost[name] = routing.lost_gbps
    assert set(lost.values()) == {3.0}



@pytest.mark.parametrize("name", BUILT_IN)
def test_a_routing_pickles_with_its_paths_and_stays_frozen(name, build, algo_options):
    """Workers of a sweep send routings back: lazy splits (a DAG's arrays, not a closure)
    survive a pickle, unread; arrays come back read-only; options and info stay frozen."""
    import pickle

    from infranet.algorithms.failures import failure_sets
    from infranet.results import FrozenDict

    topo = build.mesh()
    tm = TrafficMatrix(topo.site_names, np.ones((6, 6)) - np.eye(6))
    failure = failure_sets(topo, srlgs=False)[0]
    for routing in (route(topo, tm, algorithm=name, **algo_options(name, topo)),
                    route(topo, tm, algorithm=name, failure=failure,
                          **algo_options(name, topo))):
        back = pickle.loads(pickle.dumps(routing))  # splits not read yet: lazy ones travel
        assert isinstance(back.options, FrozenDict) and isinstance(back.info, FrozenDict)
        for array in (back.arc_load_gbps, back.src, back.routed_gbps, back.splits.arcs):
            assert not array.flags.writeable
        assert back.splits.n_paths == routing.splits.n_paths
        np.testing.assert_array_equal(back.splits.arcs, routing.splits.arcs)
        np.testing.assert_allclose(back.splits.fraction, routing.splits.fraction)
        check_invariants(back, topo, tm)
        with pytest.raises(TypeError):
            back.options["weight"] = "x"  # type: ignore[index]


def test_a_plugin_routed_around_a_failure_pickles(build):
    """An algorithm without a ``failure`` option runs on the cut topology; its result, mapped
    back onto the whole topology's arcs, pickles with its paths."""
    import pickle

    from infranet.algorithms.failures import failure_set
    from infranet.routing import base as routing_base
    from infranet.routing import register

    @register("test-hops-only")
    def hops_only(topology, tm):
        return route(topology, tm, algorithm="ecmp")

    try:
        topo = build.ring(5)
        tm = all_to_all_of(topo)
        routing = route(topo, tm, algorithm="test-hops-only",
                        failure=failure_set(topo, topo.link_names[0]))
        back = pickle.loads(pickle.dumps(routing))
        assert back.options["failure"] == topo.link_names[0]
        assert back.arc_load_gbps[:2].tolist() == [0.0, 0.0]
        check_invariants(back, topo, tm)
        assert not (np.isin(back.splits.arcs, [0, 1])).any()
    finally:
        routing_base._REGISTRY.pop("test-hops-only", None)


def all_to_all_of(topo):
    from infranet.traffic import all_to_all

    return all_to_all(topo, 1.0)


@pytest.mark.parametrize(("name", "options"), [("ecmp", {}), ("cspf", {}),
                                               ("path-lp", {"path_method": "deviation"})])
def test_a_site_matrix_routes_on_an_expanded_fabric_without_a_dense_matrix(name, options):
    """A 2-site matrix on the accelerator-level expansion of the 36,864-GPU GB200 cluster
    (38,818 nodes): a dense n x n matrix of demands would take 12 GB (float) or 1.5 GB (a
    table of pairs); the demands stay two flows and the routing's peak stays below half of
    the smaller. (The path LP searches its candidates by deviation here: Yen's search, the
    default for two pairs, builds a networkx graph of the fabric, 0.4 GB and 10 s under
    tracemalloc.)"""
    import tracemalloc

    import yaml

    from infranet.fabrics.expand import expand

    spec = yaml.safe_load((TOPOLOGIES / "gb200-nvl72-cluster.yaml").read_text())
    spec["sites"].append({"name": "dallas", "kind": "datacenter", "location": [-96.8, 32.8]})
    spec["links"] = [{"a": "abilene", "b": "dallas", "capacity": "51.2 Tb/s"}]
    topo = expand(Topology.from_dict(spec))
    n = topo.n_nodes
    assert n > 38_000
    tm = TrafficMatrix(("abilene", "dallas"), [[0, 1000], [400, 0]])
    tracemalloc.start()
    try:
        routing = route(topo, tm, algorithm=name, **options)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < n * n // 2  # 750 MB against 12 GB
    assert routing.n_demands == 2 and routing.lost_gbps == 0
    assert routing.routed_gbps.tolist() == [1000.0, 400.0]
    link = topo.link_names.index("abilene--dallas")
    assert routing.arc_load_gbps[2 * link:2 * link + 2].tolist() == [1000.0, 400.0]


def test_path_lp_finds_both_ways_round_a_ring_by_default():
    """texas-ring, one demand abilene -> san-antonio of 1 Pb/s over 51.2 Tb/s spans: the
    direct span and the long way round share it, MLU 1e6 / 102,400 (the optimum). The
    deviation search alone finds the direct span only (MLU twice the optimum)."""
    import infranet

    topo = infranet.read(TOPOLOGIES / "texas-ring.yaml")
    tm = TrafficMatrix(("abilene", "san-antonio"), [[0, 1e6], [0, 0]])
    optimum = min_mlu(topo, tm).objective
    assert optimum == pytest.approx(1e6 / 102_400, rel=1e-9)
    for k in (4, 8):
        routing = route(topo, tm, algorithm="path-lp", k=k)
        assert routing.options["path_method"] == "auto"
        metrics = evaluate(routing, topo, tm, optimum=optimum)
        assert metrics["mlu_ratio"] == pytest.approx(1.0, rel=1e-9) and metrics["n_paths"] == 2
    narrow = route(topo, tm, algorithm="path-lp", path_method="deviation")
    assert evaluate(narrow, topo, tm, optimum=optimum)["mlu_ratio"] == pytest.approx(2.0)


def test_path_lp_reaches_the_optimum_on_a_k4_fat_tree():
    """A k=4 fat-tree with a seeded permutation of its 16 hosts: 4 shortest paths per pair
    hold an optimal routing (the optimum is 1: every host sends at its NIC rate)."""
    from infranet.fabrics.expand import expand
    from infranet.fabrics.spec import cluster_topology
    from infranet.traffic import permutation

    topo = expand(cluster_topology("fat_tree", k=4))
    hosts = list(topo.sites.index[topo.sites["kind"] == "accelerator"])
    tm = permutation(hosts, float(np.nanmin(topo.compile().capacity_gbps)), seed=0)
    optimum = min_mlu(topo, tm).objective
    assert optimum == pytest.approx(1.0)
    value = evaluate(route(topo, tm, algorithm="path-lp"), topo, tm)["mlu"]
    assert value == pytest.approx(optimum, rel=1e-7)


def test_pop_is_seeded_by_default(build):
    """The same routing on every run unless asked otherwise (seed 0)."""
    from infranet.traffic import uniform

    topo = build.mesh()
    tm = uniform(topo, 250.0, seed=4)
    a, b = route(topo, tm, algorithm="pop"), route(topo, tm, algorithm="pop")
    assert a.options["seed"] == 0
    np.testing.assert_array_equal(a.arc_load_gbps, b.arc_load_gbps)
