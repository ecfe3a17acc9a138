"""Oblivious routing over candidate tunnels, COPE and semi-oblivious routing: the certified
worst-case ratio checked against LPs built here, a closed form, every matrix of the GEANT
series with its published optima, and the other routings of the same tunnels."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import infranet
from infranet.algorithms.candidates import read_tunnels, shortest_paths
from infranet.algorithms.mcf import min_mlu
from infranet.algorithms.paths import PathSet
from infranet.errors import InfeasibleError, UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.results import check_result
from infranet.routing import Routing, evaluate, route, takes
from infranet.routing.oblivious import ObliviousRouting, oblivious_routing, worst_case
from infranet.testing import topology_specs
from infranet.traffic import TrafficMatrix, read_hist

RTOL = 1e-6  # HiGHS's primal and dual feasibility tolerances are 1e-7


# ---------------------------------------------------------------------------- references


def share_matrix(splits: PathSet, n_arcs: int) -> np.ndarray:
    """``demands x arcs``: the share of each demand on each arc, path by path."""
    out = np.zeros((splits.n_demands, n_arcs))
    for d in range(splits.n_demands):
        for arcs, fraction in splits.paths(d):
            for arc in arcs.tolist():
                out[d, arc] += fraction
    return out


def slave_ratio(topology: Topology, splits: PathSet, tunnels: PathSet) -> np.ndarray:
    """Per arc, ``max sum_ij D_ij f_ij(e) / c_e`` over the matrices whose optimal MLU over
    `tunnels` is at most 1, as a dense LP over tunnel flows built here."""
    compiled = topology.compile()
    m = compiled.n_arcs
    cap = compiled.capacity_gbps
    share = share_matrix(splits, m)
    pair = {(int(splits.src[splits.path_ptr[d]]), int(splits.dst[splits.path_ptr[d]])): d
            for d in range(splits.n_demands)}
    rows = [p for p in range(tunnels.n_paths)
            if (int(tunnels.src[p]), int(tunnels.dst[p])) in pair]
    owner = np.array([pair[(int(tunnels.src[p]), int(tunnels.dst[p]))] for p in rows])
    incidence = np.zeros((m, len(rows)))
    for j, p in enumerate(rows):
        for arc in tunnels.path_arcs(p).tolist():
            incidence[arc, j] += 1.0
    assert len(owner)
    out = np.zeros(m)
    for arc in range(m):
        weight = share[owner, arc] / cap[arc]
        if not weight.any():
            continue
        res = linprog(-weight, A_ub=incidence, b_ub=cap, bounds=(0, None), method="highs")
        assert res.status == 0
        out[arc] = -res.fun
    return out


def tunnel_optimum(topology: Topology, tm: TrafficMatrix, tunnels: PathSet) -> float:
    return float(min_mlu(topology, tm, formulation="path", paths=tunnels).objective)


def all_pairs(topology: Topology) -> list[tuple[str, str]]:
    return list(itertools.permutations(topology.site_names, 2))


def triangle() -> Topology:
    return Topology.from_dict({"name": "tri", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": a, "b": b, "capacity": 10}
                                         for a, b in ("xy", "yz", "xz")]})


@dataclass(frozen=True)
class Series:
    """A stand-in for a traffic series: pairs, nodes, volumes (intervals x pairs)."""

    pairs: tuple[tuple[str, str], ...]
    nodes: tuple[str, ...]
    volumes: np.ndarray

    def __len__(self) -> int:
        return len(self.volumes)

    def matrix(self, t: int) -> TrafficMatrix:
        index = {name: i for i, name in enumerate(self.nodes)}
        gbps = np.zeros((len(self.nodes), len(self.nodes)))
        for (a, b), value in zip(self.pairs, self.volumes[t], strict=True):
            gbps[index[a], index[b]] = value
        return TrafficMatrix(self.nodes, gbps)


def series_of(matrices: list[TrafficMatrix]) -> Series:
    nodes = matrices[0].nodes
    pairs = tuple(itertools.permutations(nodes, 2))
    index = {name: i for i, name in enumerate(nodes)}
    volumes = np.array([[tm.gbps[index[a], index[b]] for a, b in pairs] for tm in matrices])
    return Series(pairs, nodes, volumes)


@functools.lru_cache(maxsize=2)
def _figret(folder: str, graph: str, unit: str, hist: str):
    topo = infranet.read(f"{folder}/{graph}", capacity_unit=unit)
    tunnels = read_tunnels(f"{folder}/tunnels.txt", topo)
    matrices = read_hist(f"{folder}/{hist}", topo, unit=unit)
    with open(f"{folder}/{hist[:-5]}.opt", encoding="utf-8") as handle:
        optima = np.array([float(x) for x in handle.read().split()])
    return topo, tunnels, matrices, optima, oblivious_routing(topo, paths=tunnels)


@pytest.fixture
def geant(shared_data):
    """GEANT, its tunnels, the 677 matrices of test-7, their published optima, and the
    oblivious routing over the tunnels."""
    return _figret(str(shared_data / "figret-geant"), "GEANT.json", "bit/s", "test-7.hist")


@pytest.fixture
def pod(shared_data):
    return _figret(str(shared_data / "figret-facebook-pod-a"), "Facebook_pod_a.json",
                   "unitless", "test-6.hist")


# ---------------------------------------------------------------------------- the certificate


def test_triangle_matches_its_closed_form():
    """Two tunnels per pair (direct, and round the third node): a share ``a`` direct has
    ratio ``max(2a, 2 - a)`` (all of a pair's 20 Gb/s round both ways, or three 10 Gb/s
    demands that load one link), least at a = 2/3: 4/3."""
    topo = triangle()
    obl = oblivious_routing(topo, all_pairs(topo), k=2)
    assert obl.ratio == pytest.approx(4 / 3, rel=RTOL)
    assert obl.certified and obl.ratio_lower == pytest.approx(4 / 3, rel=RTOL)
    for d in range(obl.splits.n_demands):
        got = sorted((len(arcs), share) for arcs, share in obl.splits.paths(d))
        assert [h for h, _ in got] == [1, 2]
        assert [s for _, s in got] == pytest.approx([2 / 3, 1 / 3], rel=RTOL)
    out = check_result(obl, headline=("ratio", "ratio_upper", "ratio_lower", "solve_s"))
    assert out["certified"] is True and out["binding"]["kind"] == "link"


def _attained(topology: Topology, obl: ObliviousRouting, tunnels: PathSet) -> float:
    """The ratio of the routing on its own worst matrix, measured by the routing result and
    the path LP (no code of the oblivious module)."""
    worst = obl.worst_matrix()
    routing = Routing.from_splits(topology, worst, _splits_for(obl, worst, topology),
                                  algorithm="oblivious")
    mlu = evaluate(routing, topology, worst, paths=False)["mlu"]
    return mlu / tunnel_optimum(topology, worst, tunnels)


def _splits_for(obl: ObliviousRouting, tm: TrafficMatrix, topology: Topology) -> PathSet:
    from infranet.routing.paths import path_splits

    src, dst = np.nonzero(tm.for_topology(topology).gbps)
    return path_splits(obl.splits, src, dst, obl.splits.fraction)


def test_the_ratio_is_certified_on_geant(geant):
    """The LP's ratio equals, to solver tolerance, the worst case recomputed arc by arc by
    LPs built here, and the ratio the routing reaches on the matrix it reports."""
    topo, tunnels, _, _, obl = geant
    assert obl.certified
    assert obl.n_pairs == 462 and obl.n_tunnels == 1386
    again = slave_ratio(topo, obl.splits, tunnels)
    assert again.max() == pytest.approx(obl.ratio, rel=RTOL)
    assert obl.ratio_upper == pytest.approx(obl.ratio, rel=RTOL)
    np.testing.assert_allclose(again, obl.arc_ratio, rtol=RTOL, atol=1e-9)
    assert _attained(topo, obl, tunnels) == pytest.approx(obl.ratio, rel=RTOL)


def test_no_matrix_of_the_geant_series_beats_the_certificate(geant):
    """Each of the 677 test-7 matrices: MLU of the oblivious routing over the published
    optimum, between 1 and the certified ratio (solver tolerance)."""
    topo, tunnels, matrices, optima, obl = geant
    compiled = topo.compile()
    share = share_matrix(obl.splits, compiled.n_arcs)
    index = {(int(s), int(t)): d for d, (s, t) in enumerate(zip(obl.pair_src, obl.pair_dst,
                                                                 strict=True))}
    volumes = np.zeros((len(matrices), obl.n_pairs))
    for j, tm in enumerate(matrices):
        s, t = np.nonzero(tm.gbps)
        volumes[j, [index[(a, b)] for a, b in zip(s.tolist(), t.tolist(), strict=True)]] = \
            tm.gbps[s, t]
    mlu = ((volumes @ share) / compiled.capacity_gbps).max(axis=1)
    ratio = mlu / optima
    assert (ratio >= 1 - RTOL).all()
    assert (ratio <= obl.ratio_upper * (1 + RTOL)).all()
    # the registered algorithm routes a matrix with the same shares
    for j in (0, 676):
        routing = route(topo, matrices[j], algorithm="oblivious", paths=tunnels)
        assert evaluate(routing, topo, matrices[j], paths=False)["mlu"] == pytest.approx(
            mlu[j], rel=1e-9)
        assert routing.info["worst_case_ratio"] == obl.ratio_upper


def test_the_pod_is_certified_and_within_bounds_on_its_series(pod):
    topo, tunnels, matrices, optima, obl = pod
    assert obl.certified
    assert slave_ratio(topo, obl.splits, tunnels).max() == pytest.approx(obl.ratio, rel=RTOL)
    assert _attained(topo, obl, tunnels) == pytest.approx(obl.ratio, rel=RTOL)
    for tm, optimum in zip(matrices[:50], optima[:50], strict=True):
        routing = route(topo, tm, algorithm="oblivious", paths=tunnels)
        value = evaluate(routing, topo, tm, paths=False)["mlu"] / optimum
        assert 1 - RTOL <= value <= obl.ratio_upper * (1 + RTOL)


@pytest.mark.parametrize("case", ["geant", "pod"])
def test_oblivious_beats_equal_and_first_tunnel_splits(case, request):
    """The ratio of the equal split over the tunnels (ECMP over tunnels) and of the first
    tunnel alone (shortest path), by the same per-arc LPs, is never below the optimum's."""
    topo, tunnels, _, _, obl = request.getfixturevalue(case)
    count = np.diff(tunnels.path_ptr)
    equal = PathSet(tunnels.nodes, tunnels.src, tunnels.dst, tunnels.indptr, tunnels.arcs,
                    fraction=1.0 / count[tunnels.demand_of])
    first = tunnels.take(tunnels.path_ptr[:-1], fraction=np.ones(tunnels.n_demands))
    for other in (equal, first):
        ratio, _, _ = worst_case(topo, other, tunnels)
        assert ratio.max() >= obl.ratio * (1 - RTOL)
        assert ratio.max() > 1.0


def test_a_single_tunnel_per_pair_has_ratio_one():
    """With one tunnel a pair, the optimum routes as the only routing does."""
    topo = triangle()
    one = shortest_paths(topo, all_pairs(topo), k=1)
    obl = oblivious_routing(topo, paths=one)
    assert obl.ratio == pytest.approx(1.0, rel=RTOL) and obl.certified
    assert (obl.splits.fraction == 1.0).all()
    assert worst_case(topo, obl.splits, one)[0].max() == pytest.approx(1.0, rel=RTOL)


def specs():
    return topology_specs(min_sites=3, max_sites=6, min_links=3, max_links=9,
                          connected=True, located="all", routes=False, srlgs=False,
                          capacity_range=(1.0, 1e4))


@settings(max_examples=15, deadline=None)
@given(specs(), st.integers(1, 3))
def test_random_topologies_are_certified(spec, k):
    """On small random networks: certified, at least 1, at most the equal split's ratio, and
    the LPs built here agree."""
    topo = Topology.from_dict(spec)
    pairs = all_pairs(topo)
    tunnels = shortest_paths(topo, pairs, k=k)
    obl = oblivious_routing(topo, paths=tunnels)
    assert obl.certified
    assert obl.ratio >= 1 - RTOL
    assert slave_ratio(topo, obl.splits, tunnels).max() == pytest.approx(obl.ratio, rel=RTOL)
    count = np.diff(tunnels.path_ptr)
    equal = PathSet(tunnels.nodes, tunnels.src, tunnels.dst, tunnels.indptr, tunnels.arcs,
                    fraction=1.0 / count[tunnels.demand_of])
    assert worst_case(topo, equal, tunnels)[0].max() >= obl.ratio * (1 - RTOL)


# ---------------------------------------------------------------------------- algorithms


def test_oblivious_is_solved_once_per_topology_and_tunnels(geant):
    topo, tunnels, matrices, _, _ = geant
    first = route(topo, matrices[3], algorithm="oblivious", paths=tunnels)
    again = route(topo, matrices[3], algorithm="oblivious", paths=tunnels)
    assert again.info["cached"] is True
    assert route(topo, matrices[4], algorithm="oblivious", paths=tunnels).info["cached"]
    np.testing.assert_array_equal(first.splits.fraction, again.splits.fraction)
    assert not takes("oblivious", "history") and takes("cope", "history")


def test_cope_with_beta_one_keeps_the_oblivious_ratio(pod):
    """beta = 1: a routing of the optimal oblivious ratio (certified by its dual)."""
    topo, tunnels, matrices, _, obl = pod
    series = series_of(matrices[:6])
    routing = route(topo, matrices[5], algorithm="cope", paths=tunnels, beta=1.0,
                    history=series)
    assert routing.info["worst_case_ratio"] <= obl.ratio * (1 + 10 * RTOL)
    assert routing.info["predicted"] == 6
    # the same ratio, measured independently
    splits = _pair_splits(routing, topo)
    assert slave_ratio(topo, splits, tunnels).max() <= obl.ratio * (1 + 10 * RTOL)


def _pair_splits(routing: Routing, topology: Topology) -> PathSet:
    """The routing's splits, one demand per pair (the first demand of each)."""
    splits = routing.splits
    keep = np.concatenate([np.arange(splits.path_ptr[d], splits.path_ptr[d + 1])
                           for d in range(splits.n_demands)])
    return splits.take(keep)


@pytest.mark.parametrize("case", ["geant", "pod"])
def test_cope_without_an_envelope_routes_its_one_prediction_optimally(case, request):
    """beta huge on one predicted matrix (no history: the matrix routed): the optimum over
    the tunnels (the published one)."""
    topo, tunnels, matrices, optima, _ = request.getfixturevalue(case)
    routing = route(topo, matrices[1], algorithm="cope", paths=tunnels, beta=1e9)
    mlu = evaluate(routing, topo, matrices[1], paths=False)["mlu"]
    assert mlu == pytest.approx(optima[1], rel=RTOL)
    assert routing.info["predicted_ratio"] == pytest.approx(1.0, rel=RTOL)


def test_cope_trades_prediction_against_the_envelope(pod):
    """A wider envelope never does worse on the predicted matrices, and the worst-case bound
    stays within it."""
    topo, tunnels, matrices, _, obl = pod
    series = series_of(matrices[:8])
    previous = np.inf
    for beta in (1.0, 1.05, 1.2, 2.0):
        routing = route(topo, matrices[7], algorithm="cope", paths=tunnels, beta=beta,
                        window=4, history=series)
        assert routing.info["predicted"] == 4
        assert routing.info["worst_case_ratio"] <= beta * obl.ratio * (1 + 10 * RTOL)
        assert routing.info["predicted_ratio"] <= previous * (1 + RTOL)
        assert routing.info["predicted_ratio"] >= 1 - RTOL
        previous = routing.info["predicted_ratio"]


def test_semi_oblivious_keeps_to_the_oblivious_support(geant):
    topo, tunnels, matrices, optima, obl = geant
    support = {(int(obl.splits.src[p]), obl.splits.path_arcs(p).tobytes())
               for p in range(obl.splits.n_paths)}
    for j in (0, 100):
        routing = route(topo, matrices[j], algorithm="semi-oblivious", paths=tunnels)
        splits = routing.splits
        for p in range(splits.n_paths):
            assert (int(splits.src[p]), splits.path_arcs(p).tobytes()) in support
        mlu = evaluate(routing, topo, matrices[j], paths=False)["mlu"]
        fixed = evaluate(route(topo, matrices[j], algorithm="oblivious", paths=tunnels), topo,
                         matrices[j], paths=False)["mlu"]
        # the oblivious split is one the path LP over its support may take
        assert optima[j] * (1 - RTOL) <= mlu <= fixed * (1 + RTOL)
    few = route(topo, matrices[0], algorithm="semi-oblivious", paths=tunnels, tunnels=1)
    assert (np.diff(few.splits.path_ptr) == 1).all()


# ---------------------------------------------------------------------------- bad input


def test_a_pair_without_a_tunnel_is_one_line():
    topo = triangle()
    one = shortest_paths(topo, [("x", "y")], k=2)
    with pytest.raises(InfeasibleError, match=r"pair 'y' -> 'z' has no usable candidate") as err:
        oblivious_routing(topo, [("x", "y"), ("y", "z")], paths=one)
    assert "\n" not in str(err.value)


def test_bad_pairs_and_options_are_named():
    topo = triangle()
    with pytest.raises(UnknownNameError, match="unknown site 'q'"):
        oblivious_routing(topo, [("x", "q")])
    with pytest.raises(ValidationError, match="listed twice"):
        oblivious_routing(topo, [("x", "y"), ("x", "y")])
    with pytest.raises(ValidationError, match="goes nowhere"):
        oblivious_routing(topo, [("x", "x")])
    with pytest.raises(ValidationError, match="give the pairs"):
        oblivious_routing(topo)
    tm = TrafficMatrix(topo.site_names, np.ones((3, 3)) - np.eye(3))
    for name, bad in (("cope", {"beta": 0.5}), ("cope", {"window": 0}),
                      ("semi-oblivious", {"tunnels": 0})):
        with pytest.raises(ValidationError, match=next(iter(bad))):
            route(topo, tm, algorithm=name, **bad)
    with pytest.raises(ValidationError, match="history has no pairs"):
        route(topo, tm, algorithm="cope", history=[1, 2])


def test_a_failed_link_drops_its_tunnels():
    """Tunnels through a failed link carry nothing: a pair with none left is lost."""
    from infranet.algorithms.failures import failure_set

    topo = triangle()
    tm = TrafficMatrix(topo.site_names, np.ones((3, 3)) - np.eye(3))
    direct = shortest_paths(topo, all_pairs(topo), k=1)
    for name in ("oblivious", "cope", "semi-oblivious"):
        routing = route(topo, tm, algorithm=name, paths=direct,
                        failure=failure_set(topo, "x--y"))
        assert routing.lost_gbps == pytest.approx(2.0)  # x -> y and y -> x
        assert routing.arc_load_gbps[:2].tolist() == [0.0, 0.0]
        assert routing.options["failure"] == "x--y"


@pytest.mark.parametrize("iterations", [1500, 1])
def test_cope_re_solved_from_its_last_basis_matches_a_fresh_solve(pod, monkeypatch,
                                                                  iterations):
    """The kept model, its slots rewritten as the window slides, gives what a model built
    for the window alone gives (also when the warm simplex runs out of iterations and the
    call solves afresh by interior point)."""
    from infranet.routing import oblivious as module

    monkeypatch.setattr(module, "COPE_SIMPLEX_ITERATIONS", iterations)
    monkeypatch.setattr(module, "_cope_cache", type(module._cope_cache)())
    topo, tunnels, matrices, _, _ = pod
    series = series_of(matrices[:12])
    kept = []
    for t in range(1, 12):
        view = Series(series.pairs, series.nodes, series.volumes[:t])
        kept.append(route(topo, matrices[t - 1], algorithm="cope", paths=tunnels, window=3,
                          history=view).info["predicted_ratio"])
    for t in (3, 7, 11):
        monkeypatch.setattr(module, "_cope_cache", type(module._cope_cache)())
        view = Series(series.pairs, series.nodes, series.volumes[:t])
        fresh = route(topo, matrices[t - 1], algorithm="cope", paths=tunnels, window=3,
                      history=view).info["predicted_ratio"]
        assert fresh == pytest.approx(kept[t - 1], rel=RTOL)


def test_an_lp_too_large_is_refused_in_one_line(monkeypatch):
    from infranet.routing import oblivious as module

    monkeypatch.setattr(module, "MAX_ROWS", 10)
    topo = triangle()
    with pytest.raises(ValidationError, match=r"would have 36 rows \(above 10\)"):
        oblivious_routing(topo, all_pairs(topo), k=2)


def test_cope_refreshed_every_few_intervals_keeps_its_routing_between(pod):
    """refresh = 3 in the online protocol: the routing changes only at multiples of 3 (no
    churn in between), and there it is the one of the window before that interval."""
    from infranet.routing import run_online
    from infranet.traffic_series import TrafficSeries

    topo, tunnels, matrices, _, _ = pod
    series = TrafficSeries.from_matrices(matrices[:14])
    result = run_online(topo, series, "cope", paths=tunnels, start=2, window=4, refresh=3)
    for i, t in enumerate(result.t[1:], start=1):
        if t % 3:
            assert result.churn[i] == 0.0, t
    assert np.nanmax(result.churn) > 0  # it does move at the refreshes
    stale = route(topo, matrices[8], algorithm="cope", paths=tunnels, window=4, refresh=3,
                  history=series_of(matrices[:10]))  # configuring 10: as of 9, intervals 5-8
    fresh = route(topo, matrices[8], algorithm="cope", paths=tunnels, window=4,
                  history=series_of(matrices[:9]))
    assert stale.info["predicted_ratio"] == fresh.info["predicted_ratio"]
    np.testing.assert_array_equal(stale.arc_load_gbps, fresh.arc_load_gbps)
    with pytest.raises(ValidationError, match="refresh must be a positive integer"):
        route(topo, matrices[8], algorithm="cope", paths=tunnels, refresh=0)


def test_cope_answers_the_same_whatever_ran_before(pod):
    """The kept LP warm-starts only a window that moves on from the last: the same replay
    twice in one process gives the same routings (the LP has many optima; which one a warm
    start lands on depends on the basis it starts from)."""
    from infranet.routing import run_online
    from infranet.traffic_series import TrafficSeries

    topo, tunnels, matrices, _, _ = pod
    series = TrafficSeries.from_matrices(matrices[:30])
    first = run_online(topo, series, "cope", paths=tunnels, start=12, limit=6, window=4)
    run_online(topo, series, "cope", paths=tunnels, start=20, limit=10, window=4)
    again = run_online(topo, series, "cope", paths=tunnels, start=12, limit=6, window=4)
    np.testing.assert_array_equal(first.mlu, again.mlu)
    np.testing.assert_array_equal(first.churn, again.churn)


def test_the_online_summary_carries_the_certified_bound(pod):
    """The replay records the worst-case ratio the routing certified; no interval exceeds
    it (on the pod the bound, 1.5, is reached to four decimals)."""
    from infranet.routing import run_online
    from infranet.traffic_series import TrafficSeries

    topo, tunnels, matrices, _, obl = pod
    series = TrafficSeries.from_matrices(matrices[:40])
    result = run_online(topo, series, "oblivious", paths=tunnels)
    assert result.worst_case_ratio == pytest.approx(obl.ratio, rel=RTOL)
    assert result.summary["worst_case_ratio"] == result.worst_case_ratio
    assert np.nanmax(result.mlu_ratio) <= result.worst_case_ratio * (1 + RTOL)
    plain = run_online(topo, series, "ecmp", paths=tunnels, limit=3)
    assert np.isnan(plain.summary["worst_case_ratio"])
