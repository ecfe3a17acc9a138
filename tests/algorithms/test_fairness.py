"""Max-min fairness: against an LP formulation on small random instances, the bottleneck
property, weights, groups, elastic flows and hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet.algorithms import fairness
from infranet.algorithms.candidates import shortest_paths
from infranet.algorithms.fairness import DEMAND, NO_PATH, max_min_fair
from infranet.errors import ValidationError
from infranet.model import Topology
from infranet.results import check_result
from infranet.testing import topology_specs
from infranet.traffic import Flows, TrafficMatrix

INF = float("inf")


def _load(result) -> np.ndarray:
    """arcs x flows load per unit of rate, from the result's splits."""
    splits = result.paths
    m = len(result.arc_load_gbps)
    out = np.zeros((m, len(result.flows)))
    for i in range(len(result.flows)):
        for arcs, frac in splits.paths(i):
            np.add.at(out[:, i], arcs, frac)
    return out


def lp_max_min_fair(load: np.ndarray, cap: np.ndarray, demand: np.ndarray,
                    weight: np.ndarray) -> np.ndarray:
    """Weighted max-min fairness as a sequence of LPs: raise the common level ``t`` of every
    unfrozen flow (``r >= w t``) as far as capacity and demands allow, then freeze each flow
    that cannot get more than ``w t`` (its own LP), and repeat."""
    from scipy.optimize import linprog

    n = load.shape[1]
    has = load.sum(axis=0) > 0
    rate = np.zeros(n)
    frozen = ~has | (demand <= 0)
    used = load.sum(axis=1) > 0
    a_cap, b_cap = load[used], cap[used]
    upper = np.where(np.isinf(demand), None, demand)
    while not frozen.all():
        free = np.flatnonzero(~frozen)
        # variables: r (n), t; maximise t
        c = np.zeros(n + 1)
        c[-1] = -1.0
        rows = [np.hstack([a_cap, np.zeros((len(b_cap), 1))])]
        rhs = [b_cap]
        for i in free:  # w_i t - r_i <= 0
            row = np.zeros(n + 1)
            row[i], row[-1] = -1.0, weight[i]
            rows.append(row[None, :])
            rhs.append(np.zeros(1))
        bounds = [(rate[i], rate[i]) if frozen[i] else (0, upper[i]) for i in range(n)]
        res = linprog(c, A_ub=np.vstack(rows), b_ub=np.concatenate(rhs),
                      bounds=[*bounds, (0, None)], method="highs")
        assert res.status == 0, res.message
        t = -res.fun
        newly = []
        for i in free:
            c2 = np.zeros(n + 1)
            c2[i] = -1.0
            bounds2 = [*bounds, (t, t)]
            res2 = linprog(c2, A_ub=np.vstack(rows), b_ub=np.concatenate(rhs), bounds=bounds2,
                           method="highs")
            assert res2.status == 0, res2.message
            if -res2.fun <= weight[i] * t * (1 + 1e-7) + 1e-9:
                newly.append(i)
        assert newly
        for i in newly:
            rate[i] = min(weight[i] * t, demand[i])
            frozen[i] = True
    return rate


@st.composite
def fair_instances(draw):
    spec = draw(topology_specs(min_sites=3, max_sites=5, min_links=2, max_links=7,
                               capacities="all", srlgs=False))
    topo = Topology.from_dict(spec)
    names = topo.site_names
    count = draw(st.integers(1, 6))
    src, dst, demand, weight, group = [], [], [], [], []
    for _ in range(count):
        a, b = draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True))
        src.append(a)
        dst.append(b)
        demand.append(draw(st.sampled_from([INF, 0.0, 1.0, 50.0, 1e3, 1e5])))
        weight.append(draw(st.sampled_from([1.0, 2.0, 3.5])))
        group.append(draw(st.sampled_from(["a", "b"])))
    flows = Flows.from_pairs(src, dst, demand, weight=weight, group=group, nodes=topo)
    return topo, flows, draw(st.sampled_from(["equal", "single"])), draw(st.integers(1, 3))


PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(fair_instances())
def test_rates_equal_the_lp_formulation(instance):
    topo, flows, split, k = instance
    result = max_min_fair(topo, flows, split=split, k=k)
    load = _load(result)
    cap = topo.compile().capacity_gbps
    expected = lp_max_min_fair(load, cap, flows.demand_gbps, flows.weight)
    scale = max(1.0, float(np.nanmax(cap)))
    np.testing.assert_allclose(result.rate_gbps, expected, rtol=1e-6, atol=1e-9 * scale)


@PROPERTY
@given(fair_instances())
def test_bottleneck_property(instance):
    topo, flows, split, k = instance
    result = max_min_fair(topo, flows, split=split, k=k)
    load = _load(result)
    cap = topo.compile().capacity_gbps
    rate = result.rate_gbps
    arc_load = load @ rate
    used = load.sum(axis=1) > 0
    assert (arc_load[used] <= cap[used] * (1 + 1e-9)).all()
    assert (rate <= flows.demand_gbps * (1 + 1e-12)).all()
    norm = rate / flows.weight
    for i, b in enumerate(result.bottleneck.tolist()):
        if b == NO_PATH:
            assert rate[i] == 0 and load[:, i].sum() == 0
        elif b == DEMAND:
            assert rate[i] == pytest.approx(flows.demand_gbps[i])
        else:
            assert rate[i] < flows.demand_gbps[i]
            assert load[b, i] > 0
            assert arc_load[b] == pytest.approx(cap[b], rel=1e-9)
            sharing = load[b] > 0
            assert (norm[sharing] <= norm[i] * (1 + 1e-9) + 1e-12).all()


def _line(capacity: float = 90.0) -> Topology:
    return Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "capacity": capacity},
                                         {"a": "y", "b": "z", "capacity": 40}]})


def test_weights_grow_in_proportion():
    topo = _line()
    flows = Flows.from_pairs(["x", "x", "x"], ["y", "y", "y"], [INF, INF, 10.0],
                             weight=[1, 2, 5], nodes=topo)
    result = max_min_fair(topo, flows)
    # the 10 Gb/s flow leaves at its demand (level 2), the other two share the remaining 80
    assert result.rate_gbps.tolist() == pytest.approx([80 / 3, 160 / 3, 10.0])
    assert result.bottleneck_links() == ["x--y", "x--y", "demand"]
    assert result.level.tolist() == pytest.approx([80 / 3, 80 / 3, 2.0])


def test_groups_slow_each_other_down():
    topo = _line()
    flows = Flows.from_pairs(["x", "x", "y"], ["y", "z", "z"], [INF, INF, INF],
                             group=["job-a", "job-b", "job-b"], nodes=topo)
    result = max_min_fair(topo, flows)
    # x->z and y->z share y--z (20 each); x->y gets 90 - 20 on x--y
    assert result.rate_gbps.tolist() == pytest.approx([70.0, 20.0, 20.0])
    groups = result.groups.set_index("group")
    # alone, job-a has x--y to itself (90); job-b's two flows still share y--z
    assert groups.loc["job-a", "alone_gbps"] == pytest.approx(90.0)
    assert groups.loc["job-a", "slowdown"] == pytest.approx(90 / 70)
    assert groups.loc["job-b", "slowdown"] == pytest.approx(1.0)
    out = check_result(result, headline=("total_rate_gbps", "worst_slowdown", "n_flows"))
    assert out["binding"]["kind"] == "link" and out["binding"]["name"] in ("x--y", "y--z")
    assert result.to_frame()["bottleneck"].tolist() == ["x--y", "y--z", "y--z"]


def test_flows_without_a_path_and_zero_demand():
    topo = Topology.from_dict({"name": "s", "sites": [{"name": n} for n in "wxyz"],
                               "links": [{"a": "w", "b": "x", "capacity": 10}]})
    flows = Flows.from_pairs(["w", "y", "w"], ["x", "z", "x"], [5.0, 5.0, 0.0], nodes=topo)
    result = max_min_fair(topo, flows)
    assert result.rate_gbps.tolist() == [5.0, 0.0, 0.0]
    assert result.bottleneck.tolist() == [DEMAND, NO_PATH, DEMAND]
    assert result.binding.kind == "demand"


def test_given_splits_from_a_routing():
    from infranet.routing import route

    topo = Topology.from_dict({"name": "sq", "sites": [{"name": n} for n in "wxyz"],
                               "links": [{"a": a, "b": b, "capacity": 100}
                                         for a, b in ("wx", "xz", "wy", "yz")]})
    flows = Flows.from_pairs(["w", "x"], ["z", "z"], [INF, INF], nodes=topo)
    with pytest.raises(ValidationError, match="elastic flow"):
        route(topo, flows, algorithm="ecmp")
    routing = route(topo, Flows.from_pairs(["w", "x"], ["z", "z"], [1.0, 1.0], nodes=topo),
                    algorithm="ecmp")
    result = max_min_fair(topo, flows, paths=routing.splits)
    # w->z splits half over x: x--z carries x->z and half of w->z, 1.5 t = 100
    assert result.rate_gbps.tolist() == pytest.approx([200 / 3, 200 / 3])
    assert result.bottleneck_links() == ["x--z", "x--z"]
    with pytest.raises(ValidationError, match="one demand per flow"):
        max_min_fair(topo, Flows.from_pairs(["w"], ["z"], [1.0], nodes=topo),
                     paths=routing.splits)


def test_a_traffic_matrix_is_one_group(tri):
    tm = TrafficMatrix(("x", "y", "z"), [[0, 10, 1000], [0, 0, 0], [0, 0, 0]])
    result = max_min_fair(tri, tm, k=1)
    assert result.rate_gbps.tolist() == pytest.approx([10.0, 400.0])
    assert list(result.groups["group"]) == [""] and result.worst_slowdown == 1.0


def test_elastic_flow_needs_a_finite_link():
    import scipy.sparse as sp

    load = sp.csr_matrix(np.array([[1.0], [0.0]]))  # one flow over arc 0, of infinite capacity
    with pytest.raises(ValidationError, match="crosses no link of finite capacity"):
        fairness.progressive_filling(load, np.array([np.inf, 1.0]), np.array([INF]),
                                     np.array([1.0]))
    rate, _, _ = fairness.progressive_filling(load, np.array([np.inf, 1.0]), np.array([7.0]),
                                              np.array([1.0]))
    assert rate.tolist() == [7.0]


def test_many_flows_are_filled_in_few_events():
    from infranet.fabrics.expand import expand
    from infranet.fabrics.spec import cluster_topology

    topo = expand(cluster_topology("fat_tree", k=8))
    hosts = [n for n in topo.site_names if "/acc" in n]
    rng = np.random.default_rng(0)
    count = 20_000
    src = rng.integers(len(hosts), size=count)
    dst = (src + 1 + rng.integers(len(hosts) - 1, size=count)) % len(hosts)
    names = np.array(hosts, dtype=object)
    flows = Flows.from_pairs(names[src], names[dst], rng.choice([INF, 5.0, 50.0], count),
                             weight=rng.choice([1.0, 2.0], count),
                             group=[f"job-{i % 7}" for i in range(count)], nodes=topo)
    paths = shortest_paths(topo, flows, 1)
    result = max_min_fair(topo, flows, paths=paths, alone=False)
    used = ~np.isnan(result.utilisation)
    cap = topo.compile().capacity_gbps
    assert (result.arc_load_gbps[used] <= cap[used] * (1 + 1e-9)).all()
    frozen_by_link = result.bottleneck >= 0
    assert frozen_by_link.any() and (result.rate_gbps[~frozen_by_link] ==
                                     flows.demand_gbps[~frozen_by_link]).all()


def test_bench_quick(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_fairness.py"
    spec = importlib.util.spec_from_file_location("bench_fairness", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "rates identical" in out and "speed-up" in out


def test_options_say_whether_paths_were_given():
    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xy"],
                               "links": [{"a": "x", "b": "y", "capacity": 10}]})
    flows = Flows.from_pairs(["x"], ["y"], [5.0], nodes=topo)
    assert max_min_fair(topo, flows).options["paths"] is None
    given = shortest_paths(topo, flows, 1)
    assert max_min_fair(topo, flows, paths=given).options["paths"] == "given"


def test_a_flow_without_a_path_is_marked_unreachable_and_left_out_of_slowdowns():
    """x-y joined, z apart: the flow to z gets rate 0, says so, and neither counts as slowed
    nor hides that its group has nothing to compare."""
    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "capacity": 90}]})
    flows = Flows.from_pairs(["x", "x", "x", "x"], ["y", "y", "z", "z"], [INF, INF, 10, 10],
                             group=["a", "b", "b", "c"], nodes=topo)
    fair = max_min_fair(topo, flows)
    assert fair.rate_gbps.tolist() == [45.0, 45.0, 0.0, 0.0]
    assert fair.bottleneck.tolist()[2:] == [NO_PATH, NO_PATH]
    assert fair.bottleneck_links()[2:] == ["unreachable", "unreachable"]
    assert fair.to_frame()["bottleneck"].tolist()[2:] == ["unreachable", "unreachable"]
    assert fair.n_unreachable == 2 and "2 of 4 flows have no path" in fair.notes[0]
    groups = fair.groups.set_index("group")
    # a and b halve each other on x--y; b's unreachable flow does not count; c has none
    assert groups.loc["a", "slowdown"] == 2.0 and groups.loc["b", "slowdown"] == 2.0
    assert groups.loc["b", "unreachable"] == 1
    assert np.isnan(groups.loc["c", "slowdown"]) and groups.loc["c", "unreachable"] == 1
    assert fair.worst_slowdown == 2.0
    out = check_result(fair, headline=("total_rate_gbps", "worst_slowdown", "n_unreachable"))
    assert out["n_unreachable"] == 2 and out["notes"] == list(fair.notes)
    assert "2 flows have no path" in out["binding"]["summary"]


def test_no_flow_with_a_path_has_no_slowdown_and_binds_on_paths():
    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "capacity": 90}]})
    flows = Flows.from_pairs(["x", "y"], ["z", "z"], [10, 10], group=["a", "b"], nodes=topo)
    fair = max_min_fair(topo, flows)
    assert fair.rate_gbps.tolist() == [0.0, 0.0] and np.isnan(fair.worst_slowdown)
    assert fair.binding.kind == "path"
