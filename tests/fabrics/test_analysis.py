"""The measures of explicit fabric graphs against closed forms, networkx, and invariants on
random fabrics."""

from __future__ import annotations

import json
import math
import time

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet import physics
from infranet.errors import UnknownNameError, ValidationError
from infranet.fabrics import generators
from infranet.fabrics.analysis import analyse_graph
from infranet.fabrics.bisection import bisection, bisection_closed_form, bisection_gbps
from infranet.fabrics.distance import hop_stats
from infranet.fabrics.ecmp import ecmp_paths
from infranet.fabrics.graph import SCALE_OUT, SCALE_UP, FabricGraph
from infranet.fabrics.materials import bill_of_materials
from infranet.fabrics.tiers import tier_summary
from infranet.results import check_result

# ---------------------------------------------------------------------------------------------
# fabrics built by hand with numpy, independent of the generators


def fat_tree(k: int, gbps: float = 400.0) -> FabricGraph:
    """The k-ary fat-tree of Al-Fares et al.: hosts, edge, aggregation, core."""
    h, e, a, c = k**3 // 4, k * k // 2, k * k // 2, k * k // 4
    half = k // 2
    kind = np.r_[np.zeros(h), np.ones(e + a + c)].astype(np.int8)
    tier = np.r_[-np.ones(h), np.ones(e), 2 * np.ones(a), 3 * np.ones(c)].astype(np.int8)
    group = np.r_[np.arange(h) // (half * half), np.arange(e) // half, np.arange(a) // half,
                  -np.ones(c)].astype(np.int32)
    edge = np.repeat(np.arange(e), half)
    agg = (edge // half) * half + np.tile(np.arange(half), e)
    up = np.repeat(np.arange(a), half)
    core = (up % half) * half + np.tile(np.arange(half), a)
    u = np.r_[np.arange(h), h + edge, h + e + up].astype(np.int32)
    v = np.r_[h + np.arange(h) // half, h + e + agg, h + e + a + core].astype(np.int32)
    return FabricGraph("fat_tree", {"k": k}, kind, tier, group, u, v,
                       np.zeros(len(u), np.int8), np.full(len(u), gbps), {1: k, 2: k, 3: k})


def leaf_spine(leaves: int, per_leaf: int, uplinks: int, spines: int,
               gbps: float = 400.0) -> FabricGraph:
    """`leaves` leaves of `per_leaf` hosts, `uplinks` per leaf spread round-robin over spines."""
    hosts = leaves * per_leaf
    kind = np.r_[np.zeros(hosts), np.ones(leaves + spines)].astype(np.int8)
    tier = np.r_[-np.ones(hosts), np.ones(leaves), 2 * np.ones(spines)].astype(np.int8)
    group = -np.ones(hosts + leaves + spines, np.int32)
    leaf = np.repeat(np.arange(leaves), uplinks)
    spine = np.tile(np.arange(uplinks), leaves) % spines
    u = np.r_[np.arange(hosts), hosts + leaf].astype(np.int32)
    v = np.r_[hosts + np.arange(hosts) // per_leaf, hosts + leaves + spine].astype(np.int32)
    return FabricGraph("leaf_spine", {"hosts": hosts, "oversubscription": per_leaf / uplinks},
                       kind, tier, group, u, v, np.zeros(len(u), np.int8),
                       np.full(len(u), gbps), {1: per_leaf + uplinks, 2: leaves})


def torus(dims: tuple[int, ...], gbps: float = 800.0) -> FabricGraph:
    """Accelerators in row-major order, two ports per dimension: each to the next and the
    previous accelerator along it (wrap-around), so a dimension of size 2 has two parallel links
    per pair and one of size 1 none."""
    n = math.prod(dims)
    index = np.arange(n).reshape(dims)
    u = np.concatenate([index.ravel() for d in dims if d >= 2])
    v = np.concatenate([np.roll(index, -1, axis=i).ravel() for i, d in enumerate(dims) if d >= 2])
    return FabricGraph("torus", {"dims": tuple(dims)}, np.zeros(n, np.int8), -np.ones(n, np.int8),
                       -np.ones(n, np.int32), u.astype(np.int32), v.astype(np.int32),
                       np.full(len(u), SCALE_UP, np.int8), np.full(len(u), gbps))


def with_capacity(fabric: FabricGraph, gbps: np.ndarray) -> FabricGraph:
    return FabricGraph(fabric.kind, fabric.params, fabric.node_kind, fabric.node_tier,
                       fabric.node_group, fabric.link_u, fabric.link_v, fabric.link_kind,
                       np.asarray(gbps, dtype=float), fabric.switch_radix)


@st.composite
def random_fabrics(draw) -> FabricGraph:
    """A connected random switch graph with accelerators on one or two switches each."""
    n_sw = draw(st.integers(2, 7))
    n_acc = draw(st.integers(2, 9))
    rates = st.sampled_from([100.0, 200.0, 400.0])
    links = [(n_acc + i, n_acc + draw(st.integers(0, i - 1))) for i in range(1, n_sw)]  # a tree
    for _ in range(draw(st.integers(0, 8))):
        a, b = draw(st.integers(0, n_sw - 1)), draw(st.integers(0, n_sw - 1))
        if a != b:
            links.append((n_acc + a, n_acc + b))
    for acc in range(n_acc):
        homes = {draw(st.integers(0, n_sw - 1)) for _ in range(draw(st.integers(1, 2)))}
        links += [(acc, n_acc + s) for s in homes]
    u, v = np.array(links, dtype=np.int32).T
    groups = draw(st.integers(1, 3))
    return FabricGraph(
        "random", {}, np.r_[np.zeros(n_acc), np.ones(n_sw)].astype(np.int8),
        np.r_[-np.ones(n_acc), np.ones(n_sw)].astype(np.int8),
        np.r_[np.arange(n_acc) % groups, -np.ones(n_sw)].astype(np.int32), u, v,
        np.zeros(len(u), np.int8), np.array([draw(rates) for _ in links]))


def nx_digraph(fabric: FabricGraph, source: int, forward: bool) -> nx.DiGraph:
    """Arcs of the links; accelerators other than `source` only receive unless they forward."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(fabric.n_nodes))
    for u, v in zip(fabric.link_u.tolist(), fabric.link_v.tolist(), strict=True):
        for a, b in ((u, v), (v, u)):
            if forward or a >= fabric.n_accelerators or a == source:
                graph.add_edge(a, b)
    return graph


def nx_path_count(fabric: FabricGraph, s: int, t: int, forward: bool = False) -> int:
    return sum(1 for _ in nx.all_shortest_paths(nx_digraph(fabric, s, forward), s, t))


# ---------------------------------------------------------------------------------------------
# bisection


@pytest.mark.parametrize("k", [4, 6, 8, 10])
def test_fat_tree_bisection_is_full(k):
    fabric = fat_tree(k)
    assert bisection_closed_form(fabric) == k**3 / 4 * 400 / 2
    assert bisection_gbps(fabric) == pytest.approx(bisection_closed_form(fabric))


@pytest.mark.parametrize("ratio", [1, 2, 3])
def test_leaf_spine_bisection_divides_by_oversubscription(ratio):
    full = bisection_gbps(leaf_spine(8, 12, 12, 4))
    fabric = leaf_spine(8, 12, 12 // ratio, 4)
    assert bisection_gbps(fabric) == pytest.approx(full / ratio)
    assert full == 8 * 12 / 2 * 400
    # the hand-built graph is not the generator's design (4 spines, round robin): no closed form
    assert bisection_closed_form(fabric) is None
    generated = generators.leaf_spine(96, radix=12 + 12 // ratio, oversubscription=ratio)
    assert bisection_closed_form(generated) == pytest.approx(full / ratio)
    assert bisection_gbps(generated) == pytest.approx(full / ratio)


@pytest.mark.parametrize("dims", [(4, 4), (6, 4), (4, 4, 4), (3, 8), (8, 8, 2)])
def test_torus_bisection_closed_form(dims):
    fabric = torus(dims)
    longest = max(dims)
    assert bisection_closed_form(fabric) == 2 * math.prod(dims) / longest * 800
    assert bisection_gbps(fabric) == pytest.approx(bisection_closed_form(fabric))


def test_odd_torus_has_no_closed_form():
    assert bisection_closed_form(torus((5, 5))) is None


def test_explicit_split_and_bad_splits():
    fabric = fat_tree(4)
    # one host against the rest: its own 400 Gb/s link is the cut
    assert bisection_gbps(fabric, split=[0]) == 400.0
    mask = np.zeros(16, bool)
    mask[:8] = True
    assert bisection_gbps(fabric, split=mask) == bisection_gbps(fabric)
    with pytest.raises(ValidationError, match="both sides"):
        bisection_gbps(fabric, split=np.ones(16, bool))
    with pytest.raises(ValidationError, match="split"):
        bisection_gbps(fabric, split=[99])


def test_huge_capacities_stay_in_32_bits():
    fabric = with_capacity(fat_tree(4), np.full(48, 5e6))  # 5 Pb/s links
    assert bisection_gbps(fabric) == pytest.approx(8 * 5e6)


def test_bad_capacity_is_an_error():
    capacities = np.full(48, 400.0)
    capacities[7] = np.nan
    with pytest.raises(ValidationError, match="link 7"):
        bisection_gbps(with_capacity(fat_tree(4), capacities))


# ---------------------------------------------------------------------------------------------
# hops and latency


def test_fat_tree_diameter_is_six_hops():
    stats = hop_stats(fat_tree(4), cable_m=0)
    assert stats.diameter_hops == 6 and stats.exact
    assert stats.diameter_us == pytest.approx(5 * 0.25)  # five switches
    # from one host: 1 on its edge (2 hops), 2 in its pod (4), 12 in other pods (6)
    assert stats.average_hops == pytest.approx((1 * 2 + 2 * 4 + 12 * 6) / 15)
    check_result(stats, headline=("diameter_hops", "diameter_us", "average_hops"))


def test_diameter_us_adds_cable_propagation():
    stats = hop_stats(fat_tree(4), cable_m=5.0, cable_us_per_m=0.005, switch_hop_us=0.3)
    assert stats.diameter_us == pytest.approx(5 * 0.3 + 6 * 5.0 * 0.005)


def test_mixed_hop_latencies_use_the_fastest_path():
    # a rail-style pair of accelerators: one NVSwitch (tier 0) and one leaf (tier 1)
    fabric = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
                         np.array([-1, -1, 0, 1], np.int8), np.zeros(4, np.int32),
                         np.array([0, 1, 0, 1], np.int32), np.array([2, 2, 3, 3], np.int32),
                         np.array([SCALE_UP, SCALE_UP, SCALE_OUT, SCALE_OUT], np.int8),
                         np.full(4, 400.0))
    assert hop_stats(fabric, cable_m=0, scale_up_hop_us=0.1).diameter_us == pytest.approx(0.1)
    scale_out = hop_stats(fabric, cable_m=0, scale_up_hop_us=0.1, include_scale_up=False)
    assert scale_out.diameter_us == pytest.approx(0.25)


def test_leaf_spine_diameter_is_four_hops():
    assert hop_stats(leaf_spine(8, 12, 4, 4)).diameter_hops == 4


@pytest.mark.parametrize("dims", [(4, 4), (5, 5), (6, 4), (3, 7)])
def test_torus_diameter(dims):
    stats = hop_stats(torus(dims), cable_m=0)
    assert stats.diameter_hops == sum(d // 2 for d in dims)
    # every link between two chips is one inter-chip hop (TPU ICI about 1 µs per hop, the
    # catalogue's ici_hop_us), neighbours included
    assert stats.diameter_us == pytest.approx(sum(d // 2 for d in dims) * 1.0)
    graph = nx.Graph(list(zip(torus(dims).link_u.tolist(), torus(dims).link_v.tolist(),
                              strict=True)))
    assert stats.average_hops == pytest.approx(nx.average_shortest_path_length(graph))


def test_sampled_sources_match_exact_on_a_symmetric_fabric():
    exact = hop_stats(fat_tree(8))
    sampled = hop_stats(fat_tree(8), exact_below=10, samples=3, seed=1)
    assert not sampled.exact and sampled.sources < 128
    assert sampled.diameter_hops == exact.diameter_hops
    assert sampled.average_hops == pytest.approx(exact.average_hops)


def test_scale_out_only_without_scale_out_links_is_an_error():
    from infranet.errors import InfranetError

    with pytest.raises(InfranetError, match="unreachable"):
        hop_stats(torus((4, 4)), include_scale_up=False)


# ---------------------------------------------------------------------------------------------
# equal-cost paths


@pytest.mark.parametrize("k", [4, 6, 8])
def test_fat_tree_ecmp(k):
    result = ecmp_paths(fat_tree(k), pairs=32, seed=3)
    apart = result["different_group"]
    assert apart["min"] == apart["max"] == (k // 2) ** 2 and apart["hops_mean"] == 6
    near = result["same_group"]
    assert near["min"] == 1 and near["max"] == k // 2


@pytest.mark.parametrize("fabric, forward", [
    (fat_tree(4), False), (leaf_spine(4, 3, 2, 2), False), (torus((4, 4)), True),
    (torus((3, 5)), True), (torus((4, 3, 3)), True),
])
def test_path_counts_match_networkx(fabric, forward):
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, fabric.n_accelerators, size=(25, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    counts = ecmp_paths(fabric, pairs=pairs)["given"]["counts"]
    assert list(counts) == [nx_path_count(fabric, int(s), int(t), forward) for s, t in pairs]


def test_parallel_links_count_when_asked():
    fabric = leaf_spine(2, 1, 4, 2)  # two uplinks from each leaf to each spine
    assert ecmp_paths(fabric, pairs=[(0, 1)])["given"]["counts"] == (2,)
    assert ecmp_paths(fabric, pairs=[(0, 1)], count_parallel_links=True)["given"]["counts"] == (8,)


# ---------------------------------------------------------------------------------------------
# bill of materials and tiers


def test_fat_tree_bill_of_materials():
    bom = bill_of_materials(fat_tree(4), accelerator="H100", switch_w=1000.0, transceiver_w=10.0)
    assert bom.links == 48 and bom.switches == 20
    assert bom.switches_per_tier == {"leaf": 8, "spine": 8, "core": 4}
    assert bom.links_by_type == {"accelerator-leaf": 16, "leaf-spine": 16, "spine-core": 16}
    assert bom.transceivers == {"400G": 96}
    # each H100 counts its share of a DGX H100: 10.2 kW / 8 = 1,275 W
    assert bom.power_kw == pytest.approx((16 * 1275 + 20 * 1000 + 96 * 10) / 1000)
    check_result(bom, headline=("power_kw",))
    copper = bill_of_materials(fat_tree(4), copper_host_links=True)
    assert copper.transceivers == {"400G": 64}


@pytest.mark.parametrize("k", [4, 8, 16])
def test_bill_of_materials_closed_forms(k):
    bom = bill_of_materials(fat_tree(k))
    assert bom.accelerators == k**3 // 4
    assert bom.switches == 5 * k * k // 4
    assert bom.links == 3 * k**3 // 4
    # default switch power: 15 W per Tb/s of k ports of 400 Gb/s both ways
    assert bom.unit_power_w["switch"]["leaf"] == pytest.approx(15 * 2 * k * 0.4)


def test_scale_up_links_need_no_transceivers():
    fabric = FabricGraph("nvswitch", {"n": 4}, np.array([0, 0, 0, 0, 1], np.int8),
                         np.array([-1, -1, -1, -1, 0], np.int8), np.zeros(5, np.int32),
                         np.arange(4, dtype=np.int32), np.full(4, 4, np.int32),
                         np.full(4, SCALE_UP, np.int8), np.full(4, 7200.0), {0: 4})
    bom = bill_of_materials(fabric)
    assert bom.transceivers == {} and bom.links_by_type == {"scale_up": 4}
    assert bisection_closed_form(fabric) == bisection_gbps(fabric) == 2 * 7200


def test_unknown_accelerator_suggests_a_name():
    with pytest.raises(UnknownNameError, match="H100"):
        bill_of_materials(fat_tree(4), accelerator="H10O")


def test_unknown_power_is_left_out_not_zero():
    bom = bill_of_materials(torus((4, 4)), accelerator="TPUv5p")
    assert bom.power_kw_by_part["accelerators"] is None and not bom.complete
    assert any("no published system power for TPUv5p" in note for note in bom.notes)


def test_tier_summary_of_an_oversubscribed_leaf_spine():
    rows = tier_summary(leaf_spine(8, 12, 4, 4))
    assert [r["tier"] for r in rows] == ["leaf", "spine"]
    leaf, spine = rows
    assert leaf["gbps_per_accelerator"] == 400 and leaf["oversubscription"] == 3
    assert spine["gbps_per_accelerator"] == pytest.approx(400 / 3)
    assert spine["oversubscription"] is None and spine["oversubscription_below"] == 3
    assert leaf["switches"] == 8 and leaf["links_down"] == 96 and leaf["links_up"] == 32
    assert leaf["hop_us"] == 0.25


def test_tier_summary_of_a_torus_is_direct():
    (row,) = tier_summary(torus((4, 4)))
    assert row["tier"] == "direct" and row["gbps_per_accelerator"] == 4 * 800


# ---------------------------------------------------------------------------------------------
# report


def test_report_is_json_and_complete():
    analysis = analyse_graph(fat_tree(4), accelerator="H100", seed=1, pairs=8)
    result = check_result(analysis, headline=("bisection_gbps", "diameter_hops", "diameter_us",
                                               "power_kw"))
    assert list(result)[:3] == ["bisection_gbps", "bisection_bound", "bisection_closed_form_gbps"]
    assert analysis.binding.kind == "tier" and analysis.binding.name == "leaf"
    for key in ("accelerators", "switches", "switches_per_tier", "links", "bisection_gbps",
                "bisection_closed_form_gbps", "diameter_hops", "diameter_us", "average_hops",
                "ecmp_paths", "power_kw", "transceivers", "tiers"):
        assert key in result
    assert json.loads(json.dumps(result)) == result
    assert result["accelerators"] == 16 and result["switches"] == 20
    assert result["bisection_gbps"] == result["bisection_closed_form_gbps"] == 3200


def test_report_refuses_an_unknown_option():
    with pytest.raises(ValidationError, match="did you mean 'cable_m'"):
        analyse_graph(fat_tree(4), cable_n=3)


def test_inputs_are_not_modified():
    fabric = fat_tree(4)
    before = fabric.link_gbps.copy()
    analyse_graph(fabric)
    assert np.array_equal(fabric.link_gbps, before)


# ---------------------------------------------------------------------------------------------
# properties on random fabrics

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(random_fabrics())
def test_bisection_is_a_minimum_cut_and_bounded(fabric):
    value = bisection_gbps(fabric)
    # networkx reference: the same super-source / super-sink construction
    graph = nx.DiGraph()
    for u, v, c in zip(fabric.link_u.tolist(), fabric.link_v.tolist(), fabric.link_gbps.tolist(),
                       strict=True):
        for a, b in ((u, v), (v, u)):
            old = graph.get_edge_data(a, b, {"capacity": 0.0})["capacity"]
            graph.add_edge(a, b, capacity=old + c)
    n = fabric.n_accelerators
    side = np.zeros(n, bool)
    side[np.lexsort((np.arange(n), fabric.node_group[:n]))[: n // 2]] = True
    for acc in range(n):
        graph.add_edge("s", acc) if side[acc] else graph.add_edge(acc, "t")
    assert value == pytest.approx(nx.maximum_flow_value(graph, "s", "t"))
    injection = sum(fabric.link_gbps[(fabric.link_u < n)]) + sum(fabric.link_gbps[
        fabric.link_v < n])
    assert value <= fabric.link_gbps.sum() + 1e-9
    assert value <= injection / 2 + 1e-9


@PROPERTY
@given(random_fabrics(), st.data())
def test_adding_capacity_never_lowers_bisection(fabric, data):
    link = data.draw(st.integers(0, fabric.n_links - 1))
    extra = data.draw(st.sampled_from([1.0, 100.0, 400.0]))
    more = fabric.link_gbps.copy()
    more[link] += extra
    assert bisection_gbps(with_capacity(fabric, more)) >= bisection_gbps(fabric) - 1e-9


@PROPERTY
@given(random_fabrics())
def test_path_counts_are_positive_and_match_networkx(fabric):
    n = fabric.n_accelerators
    pairs = [(s, t) for s in range(n) for t in range(n) if s != t][:30]
    result = ecmp_paths(fabric, pairs=pairs)["given"]
    assert min(result["counts"]) >= 1
    assert list(result["counts"]) == [nx_path_count(fabric, s, t) for s, t in pairs]
    stats = hop_stats(fabric).to_dict()
    lengths = [nx.shortest_path_length(nx_digraph(fabric, s, False), s, t) for s, t in
               [(s, t) for s in range(n) for t in range(n) if s != t]]
    assert stats["diameter_hops"] == max(lengths)
    assert stats["average_hops"] == pytest.approx(np.mean(lengths))


# ---------------------------------------------------------------------------------------------
# against the generators


@pytest.mark.parametrize("build", [
    lambda: generators.fat_tree(6),
    lambda: generators.leaf_spine(96, radix=16),
    lambda: generators.leaf_spine(96, radix=16, oversubscription=3),
    lambda: generators.leaf_spine(120, radix=16, oversubscription=2, uplink_gbps=800),
    lambda: generators.rail_optimized(1024),
    lambda: generators.rail_optimized(1024, spine_oversubscription=2),
    lambda: generators.dragonfly(4, 2, 2, groups=6),
    lambda: generators.dragonfly(4, 2, 2, groups=8),
    lambda: generators.dragonfly(6, 3, 3, groups=18),
    lambda: generators.torus((4, 4, 6)),
    lambda: generators.torus((2, 2)),
    lambda: generators.nvswitch(72),
], ids=["fat_tree", "leaf_spine", "leaf_spine_3to1", "leaf_spine_800g_up", "rail", "rail_2to1",
        "dragonfly_6_groups", "dragonfly_8_groups", "dragonfly_6_3_3_18_groups", "torus",
        "torus_2x2", "nvswitch"])
def test_generated_bisection_equals_closed_form(build):
    fabric = build()
    closed = bisection_closed_form(fabric)
    assert closed is not None
    assert bisection_gbps(fabric) == pytest.approx(closed)


@pytest.mark.parametrize("a, p, h, groups", [(4, 2, 2, 9), (6, 3, 3, 19), (2, 1, 1, 3)])
def test_an_odd_number_of_dragonfly_groups_has_only_an_upper_bound(a, p, h, groups):
    """a*h + 1 groups, an odd number: the closed form is the cut of the natural split, which
    halves the middle group; the graph's natural split cuts exactly that, but it is not known
    to be the bisection, so the partitioner searches and the result is an upper bound."""
    fabric = generators.dragonfly(a, p, h, groups=groups)
    assert bisection_closed_form(fabric) is None
    cut = bisection(fabric)
    assert cut.closed_form_bound == "upper"
    assert cut.natural_split_gbps == pytest.approx(cut.closed_form_gbps)
    assert cut.bound == "upper" and cut.bisection_gbps <= cut.natural_split_gbps


def test_generated_diameters():
    assert hop_stats(generators.fat_tree(8)).diameter_hops == 6
    assert hop_stats(generators.leaf_spine(256, radix=32)).diameter_hops == 4
    assert hop_stats(generators.dragonfly(4, 2, 2)).diameter_hops == 5  # local-global-local
    assert hop_stats(generators.torus((4, 6))).diameter_hops == 5
    assert hop_stats(generators.nvswitch(8)).diameter_hops == 2


def test_generated_fat_tree_matches_the_hand_built_one():
    ours = analyse_graph(fat_tree(8)).to_dict()
    theirs = analyse_graph(generators.fat_tree(8)).to_dict()
    for key in ("bisection_gbps", "diameter_hops", "average_hops", "ecmp_paths", "links_by_type",
                "switches_per_tier", "transceivers", "tiers"):
        assert ours[key] == theirs[key], key


def test_rail_optimized_tiers():
    rows = {r["tier"]: r for r in tier_summary(generators.rail_optimized(1024,
                                                                         scale_up_gbps=3600.0))}
    assert rows["scale_up"]["gbps_per_accelerator"] == 3600
    assert rows["leaf"]["gbps_per_accelerator"] == 400
    assert rows["spine"]["gbps_per_accelerator"] == 400
    assert ecmp_paths(generators.rail_optimized(1024))["different_group"]["min"] >= 1


def test_speed_of_report_on_a_k32_fat_tree():
    """Printed, not asserted: machines differ."""
    fabric = generators.fat_tree(32)
    start = time.perf_counter()
    result = analyse_graph(fabric)
    elapsed = time.perf_counter() - start
    assert result.bisection_gbps == result.bisection.closed_form_gbps
    print(f"\nreport of a k=32 fat-tree ({fabric.n_accelerators:,} hosts, "
          f"{fabric.n_links:,} links): {elapsed:.2f} s")


def test_catalogue_figures():
    switch, optic = physics.switch("QM9700"), physics.optic("400G-DR4")
    bom = bill_of_materials(fat_tree(4), switch="QM9700", optic="400G-DR4")
    assert bom.power_kw == pytest.approx((20 * switch.power_w + 96 * optic.power_w) / 1000)
    stats = hop_stats(fat_tree(4), switch="QM9700", cable_m=0)
    assert stats.diameter_us == pytest.approx(5 * switch.hop_latency_us)
    with pytest.raises(UnknownNameError, match="QM9700"):
        hop_stats(fat_tree(4), switch="QM970")


def test_a_torus_whose_links_share_a_nic_agrees_with_its_closed_form():
    """A 400 Gb/s NIC shared by the six ports of a 4x4x4 torus gives links of 66.666... Gb/s,
    which the minimum cut counts to the kb/s: the closed form and the cut agree (no note saying
    they disagree) and the binding says so."""
    from infranet.fabrics.designs.torus import torus as torus_design

    fabric = torus_design((4, 4, 4), link_gbps=400 / 6)
    analysis = analyse_graph(fabric)
    assert analysis.bisection.closed_form_gbps == pytest.approx(2 * 16 * 400 / 6, rel=1e-12)
    assert analysis.bisection_gbps != analysis.bisection.closed_form_gbps  # rounded to kb/s
    assert not [n for n in analysis.notes if "disagree" in n]
    assert "agree" in analysis.binding.summary
