"""Fabric generators: closed-form counts, wiring rules, determinism, connectivity, bad input."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from infranet.errors import ValidationError
from infranet.fabrics import designs
from infranet.fabrics.generators import (
    GENERATORS,
    dragonfly,
    fat_tree,
    jellyfish,
    leaf_spine,
    nvswitch,
    rail_optimized,
    torus,
)
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SCALE_UP, SWITCH, TIER_NAMES

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_fabrics.py"
ARRAYS = ("node_kind", "node_tier", "node_group", "link_u", "link_v", "link_kind", "link_gbps")


def degree(fabric, kinds=(SCALE_OUT, SCALE_UP)) -> np.ndarray:
    keep = np.isin(fabric.link_kind, kinds)
    ends = np.concatenate([fabric.link_u[keep], fabric.link_v[keep]])
    return np.bincount(ends, minlength=fabric.n_nodes)


def pair_counts(fabric, select=None) -> Counter:
    """Number of links between each unordered pair of nodes (optionally of selected links)."""
    u, v = fabric.link_u, fabric.link_v
    if select is not None:
        u, v = u[select], v[select]
    return Counter(zip(np.minimum(u, v).tolist(), np.maximum(u, v).tolist(), strict=True))


def check_invariants(fabric) -> None:
    """What every generator promises, whatever the design."""
    n, m = fabric.n_nodes, fabric.n_links
    assert fabric.kind in GENERATORS
    for name, dtype in zip(ARRAYS, (np.int8, np.int8, np.int32, np.int32, np.int32, np.int8,
                                    np.float64), strict=True):
        array = getattr(fabric, name)
        assert array.dtype == dtype, name
        assert len(array) == (n if name.startswith("node") else m), name
        assert not array.flags.writeable, name
    n_acc = fabric.n_accelerators
    assert n_acc >= 1
    assert (fabric.node_kind[:n_acc] == ACCELERATOR).all()  # accelerators first
    assert (fabric.node_kind[n_acc:] == SWITCH).all()
    assert (fabric.node_tier[:n_acc] == -1).all()
    switch_tiers = fabric.node_tier[n_acc:]
    assert np.isin(switch_tiers, [t for t in TIER_NAMES if t >= 0]).all()
    assert (np.diff(switch_tiers) >= 0).all()  # switches numbered tier by tier
    assert ((fabric.link_u >= 0) & (fabric.link_u < n)).all()
    assert ((fabric.link_v >= 0) & (fabric.link_v < n)).all()
    assert (fabric.link_u != fabric.link_v).all()
    assert np.isin(fabric.link_kind, [SCALE_OUT, SCALE_UP]).all()
    assert (fabric.link_gbps > 0).all() and np.isfinite(fabric.link_gbps).all()
    # a switch never uses more ports than its tier's radix
    deg = degree(fabric)
    for tier, radix in fabric.switch_radix.items():
        on_tier = (fabric.node_kind == SWITCH) & (fabric.node_tier == tier)
        assert (deg[on_tier] <= radix).all(), tier
    assert set(fabric.switches_per_tier) <= set(fabric.switch_radix)
    # params are the call: they build the same graph again
    again = GENERATORS[fabric.kind](**fabric.params)
    for name in ARRAYS:
        assert np.array_equal(getattr(again, name), getattr(fabric, name)), name


def assert_connected(fabric) -> None:
    n_comp, labels = connected_components(fabric.adjacency(), directed=False)
    assert n_comp == 1, f"{n_comp} components"
    assert (labels[: fabric.n_accelerators] == labels[0]).all()


# ---------------------------------------------------------------------------------------------
# fat-tree


def test_fat_tree_k4_matches_al_fares():
    fabric = fat_tree(4)
    assert fabric.n_accelerators == 16
    assert fabric.n_nodes - fabric.n_accelerators == 20
    assert fabric.n_links == 48
    assert fabric.switches_per_tier == {1: 8, 2: 8, 3: 4}
    assert fabric.switch_radix == {1: 4, 2: 4, 3: 4}
    check_invariants(fabric)


@pytest.mark.parametrize("k", range(2, 34, 2))
def test_fat_tree_closed_forms_and_degrees(k):
    fabric = fat_tree(k, link_gbps=800.0)
    assert fabric.n_accelerators == k**3 // 4
    assert fabric.n_nodes - fabric.n_accelerators == 5 * k * k // 4
    assert fabric.n_links == 3 * k**3 // 4
    deg = degree(fabric)
    assert (deg[: fabric.n_accelerators] == 1).all()
    assert (deg[fabric.n_accelerators:] == k).all()
    assert (fabric.link_gbps == 800.0).all() and (fabric.link_kind == SCALE_OUT).all()
    assert max(pair_counts(fabric).values()) == 1  # no parallel links
    if k <= 8:
        check_invariants(fabric)


def test_fat_tree_wiring_rules():
    k, half = 6, 3
    fabric = fat_tree(k)
    hosts = k**3 // 4
    edge0, agg0, core0 = hosts, hosts + k * half, hosts + 2 * k * half
    pairs = pair_counts(fabric)
    group = fabric.node_group
    # edge j of pod p serves k/2 hosts, all of pod p
    for h in range(hosts):
        edge = edge0 + h // half
        assert pairs[(h, edge)] == 1 and group[h] == group[edge] == h // (half * half)
    for pod in range(k):
        for j in range(half):
            for i in range(half):  # every edge to every aggregation switch of its pod
                assert pairs[(edge0 + pod * half + j, agg0 + pod * half + i)] == 1
        for i in range(half):  # aggregation i to cores i*k/2 .. i*k/2 + k/2 - 1
            cores = {v for (u, v) in pairs if u == agg0 + pod * half + i and v >= core0}
            assert cores == {core0 + i * half + c for c in range(half)}
    assert (group[core0:] == -1).all()


# ---------------------------------------------------------------------------------------------
# leaf-spine


def test_leaf_spine_full_two_tier():
    fabric = leaf_spine(2048)  # radix 64, non-blocking: 32 down + 32 up per leaf
    check_invariants(fabric)
    assert fabric.switches_per_tier == {1: 64, 2: 32}
    deg = degree(fabric)
    assert (deg[fabric.n_accelerators:] == 64).all()


@pytest.mark.parametrize(("hosts", "radix", "over", "link", "uplink"), [
    (1000, 64, 3.0, 400.0, None),
    (100, 32, 1.0, 100.0, 400.0),  # 4x faster uplinks: 25 down, 7 up, 25*100/(7*400) <= 1
    (7, 8, 1.0, 400.0, None),
    (1, 64, 1.0, 400.0, None),
    (513, 48, 2.0, 400.0, None),
])
def test_leaf_spine_ports_ratio_and_balance(hosts, radix, over, link, uplink):
    fabric = leaf_spine(hosts, radix=radix, oversubscription=over, link_gbps=link,
                        uplink_gbps=uplink)
    check_invariants(fabric)
    uplink = link if uplink is None else uplink
    n_leaves, n_spines = fabric.switches_per_tier[1], fabric.switches_per_tier[2]
    leaf0 = hosts
    spine0 = leaf0 + n_leaves
    host_link = fabric.link_u < hosts
    down = np.bincount(fabric.link_v[host_link] - leaf0, minlength=n_leaves)
    ups = pair_counts(fabric, ~host_link)
    up = sum(ups.values()) // n_leaves
    assert (down[:-1] == down[0]).all() and down[-1] <= down[0]  # filled in order
    assert down[0] + up <= radix
    if n_leaves > 1:  # a full leaf shows the split of its ports
        assert down[0] + up == radix
        assert down[0] * link / (up * uplink) <= over + 1e-9  # never more oversubscribed
        # one more down port would break the ratio
        assert (down[0] + 1) * link / ((up - 1) * uplink) > over or up == 1
        assert n_leaves == -(-hosts // down[0])
    # every leaf reaches every spine with the same number of parallel links
    assert len(ups) == n_leaves * n_spines and len(set(ups.values())) == 1
    assert set(ups) == {(leaf0 + i, spine0 + s) for i in range(n_leaves) for s in range(n_spines)}
    assert (fabric.link_gbps[~host_link] == uplink).all()


def test_leaf_spine_refuses_more_hosts_than_two_tiers_hold():
    leaf_spine(64 * 32)
    with pytest.raises(ValidationError, match="at most 2,048 hosts") as error:
        leaf_spine(64 * 32 + 1)
    assert error.value.field == "hosts"


# ---------------------------------------------------------------------------------------------
# rail-optimised


def rail_parts(fabric):
    tiers = fabric.switches_per_tier
    gpus = fabric.n_accelerators
    leaf0 = gpus + tiers[0]
    spine0 = leaf0 + tiers[1]
    return gpus, leaf0, spine0


def test_rail_optimized_superpod_1024():
    fabric = rail_optimized(1024)
    check_invariants(fabric)
    assert fabric.switches_per_tier == {0: 128, 1: 32, 2: 16}  # FIGURES.md: 4 SUs on 16 spines
    gpus, leaf0, spine0 = rail_parts(fabric)
    out = fabric.link_kind == SCALE_OUT
    gpu_links = out & (fabric.link_u < gpus)
    leaf_of = np.empty(gpus, dtype=np.int64)
    leaf_of[fabric.link_u[gpu_links]] = fabric.link_v[gpu_links]
    server, rail = np.arange(gpus) // 8, np.arange(gpus) % 8
    su = server // 32
    # GPU r of every server of an SU shares leaf r of that SU; different rails, different leaves
    assert (leaf_of == leaf0 + su * 8 + rail).all()
    assert (fabric.node_group[:gpus] == su).all()
    assert (fabric.node_group[leaf0:spine0] == np.arange(32) // 8).all()
    # non-blocking: 32 hosts and 32 uplinks per leaf, 2 links to each of the 16 spines
    ups = pair_counts(fabric, out & (fabric.link_u >= leaf0))
    assert len(ups) == 32 * 16 and set(ups.values()) == {2}
    deg = degree(fabric)
    assert (deg[leaf0:spine0] == 64).all() and (deg[spine0:] == 64).all()
    # scale-up: one NVSwitch node per server joined to its 8 GPUs at NVLink 4 speed
    up_links = fabric.link_kind == SCALE_UP
    assert up_links.sum() == gpus
    assert (fabric.link_v[up_links] == gpus + fabric.link_u[up_links] // 8).all()
    assert (fabric.link_gbps[up_links] == 3600.0).all()
    assert (fabric.link_gbps[out] == 400.0).all()


def test_rail_optimized_two_tier_limit():
    assert set(rail_optimized(2048).switches_per_tier) == {0, 1, 2}  # 64 leaves, 32 spines
    assert rail_optimized(2048).switches_per_tier[2] == 32
    assert set(rail_optimized(2048 + 8).switches_per_tier) == {0, 1, 2, 3}


def test_rail_optimized_32k_is_three_tier():
    fabric = rail_optimized(32768)
    check_invariants(fabric)
    assert fabric.switches_per_tier == {0: 4096, 1: 1024, 2: 1024, 3: 512}
    _, leaf0, spine0 = rail_parts(fabric)
    deg = degree(fabric)
    assert (deg[leaf0:] == 64).all()  # every leaf, spine and core port used
    assert_connected(fabric)
    # a leaf reaches the 32 spines of its pod (4 SUs) with one link each
    out = fabric.link_kind == SCALE_OUT
    leaf_spine_pairs = pair_counts(fabric, out & (fabric.link_u >= leaf0)
                                   & (fabric.link_u < spine0))
    assert set(leaf_spine_pairs.values()) == {1}
    for leaf in (leaf0, leaf0 + 31, leaf0 + 32):
        spines = sorted(v for (u, v) in leaf_spine_pairs if u == leaf)
        pod = (leaf - leaf0) // 32
        assert spines == list(range(spine0 + pod * 32, spine0 + pod * 32 + 32))


def test_rail_optimized_partial_su_and_bounds():
    fabric = rail_optimized(8 * 40)  # 40 servers: one full SU and one of 8 servers
    check_invariants(fabric)
    assert fabric.switches_per_tier[1] == 16
    assert_connected(fabric)
    with pytest.raises(ValidationError, match="65,536 GPUs") as error:
        rail_optimized(65536 + 8)
    assert error.value.field == "gpus"
    assert rail_optimized(65536).switches_per_tier[3] == 1024
    with pytest.raises(ValidationError) as error:
        rail_optimized(1020)
    assert error.value.field == "gpus"
    with pytest.raises(ValidationError) as error:
        rail_optimized(1024, servers_per_su=40)
    assert error.value.field == "servers_per_su"


# ---------------------------------------------------------------------------------------------
# dragonfly


@pytest.mark.parametrize(("a", "p", "h", "groups"), [
    (4, 2, 2, None), (2, 1, 1, None), (8, 4, 4, None), (3, 2, 2, None), (4, 2, 2, 5),
    (4, 2, 2, 2), (3, 1, 1, 1), (1, 1, 0, None),
])
def test_dragonfly_closed_forms(a, p, h, groups):
    fabric = dragonfly(a, p, h, groups=groups, link_gbps=100.0, global_gbps=400.0)
    check_invariants(fabric)
    g = a * h + 1 if groups is None else groups
    n_hosts, n_routers = a * p * g, a * g
    assert fabric.n_accelerators == n_hosts
    assert fabric.switches_per_tier == {1: n_routers}
    host = fabric.link_u < n_hosts
    group = fabric.node_group
    local = ~host & (group[fabric.link_u] == group[fabric.link_v])
    glob = ~host & ~local
    assert host.sum() == n_hosts
    assert local.sum() == g * a * (a - 1) // 2
    parallel = (a * h) // (g - 1) if g > 1 else 0
    assert glob.sum() == parallel * g * (g - 1) // 2
    if groups is None:
        assert glob.sum() == a * h * g // 2
    assert (fabric.link_gbps[glob] == 400.0).all() and (fabric.link_gbps[~glob] == 100.0).all()
    # routers of a group fully connected; every router has p hosts and at most h global links
    assert set(pair_counts(fabric, local).values()) <= {1}
    deg_global = np.bincount(np.concatenate([fabric.link_u[glob], fabric.link_v[glob]]),
                             minlength=fabric.n_nodes)
    assert (deg_global[n_hosts:] <= h).all()
    if groups is None:
        assert (deg_global[n_hosts:] == h).all()
    # every pair of groups is joined by the same number of global links
    between = Counter(zip(np.minimum(group[fabric.link_u[glob]], group[fabric.link_v[glob]])
                          .tolist(),
                          np.maximum(group[fabric.link_u[glob]], group[fabric.link_v[glob]])
                          .tolist(), strict=True))
    if g > 1:
        assert len(between) == g * (g - 1) // 2 and set(between.values()) == {parallel}
    if groups is None and g > 1:
        assert set(between.values()) == {1}
    assert_connected(fabric)


def test_dragonfly_refuses_too_many_groups():
    dragonfly(4, 2, 2, groups=9)
    with pytest.raises(ValidationError, match="at most a\\*h\\+1 = 9 groups") as error:
        dragonfly(4, 2, 2, groups=10)
    assert error.value.field == "groups"


# ---------------------------------------------------------------------------------------------
# torus and NVSwitch


@pytest.mark.parametrize("dims", [(4, 4, 4), (3, 5), (8, 4, 3), (16, 16), (3, 3, 3)])
def test_torus_rings(dims):
    fabric = torus(dims)
    check_invariants(fabric)
    n = int(np.prod(dims))
    assert fabric.n_nodes == fabric.n_accelerators == n
    assert fabric.n_links == n * len(dims)  # n links per dimension
    assert (degree(fabric) == 2 * len(dims)).all()
    assert (fabric.link_kind == SCALE_UP).all() and (fabric.link_gbps == 800.0).all()
    assert max(pair_counts(fabric).values()) == 1
    # neighbours differ by one step (mod size) in exactly one coordinate
    coord_u = np.array(np.unravel_index(fabric.link_u, dims))
    coord_v = np.array(np.unravel_index(fabric.link_v, dims))
    step = (coord_v - coord_u) % np.array(dims)[:, None]
    assert ((step != 0).sum(axis=0) == 1).all()
    assert np.isin(step, [0, 1]).all()


def test_torus_small_dimensions():
    """Two ports per dimension: both go to the one neighbour along a dimension of size 2 (two
    parallel links), none has a neighbour along a dimension of size 1 (idle ports)."""
    fabric = torus((2, 4))
    assert fabric.n_links == 8 + 8
    assert (degree(fabric) == 4).all()  # every port used
    across = pair_counts(fabric)
    assert sorted(set(across.values())) == [1, 2]  # ring neighbours once, the size-2 pair twice
    assert torus((1, 5)).n_links == 5 and (degree(torus((1, 5))) == 2).all()
    assert torus((1, 1)).n_links == 0
    assert torus((2, 2, 2)).n_links == 24 and (degree(torus((2, 2, 2))) == 6).all()
    check_invariants(torus((2, 1, 3)))
    scale_out = torus((2, 4), link_kind="scale_out")
    assert (scale_out.link_kind == SCALE_OUT).all() and (fabric.link_kind == SCALE_UP).all()


def test_torus_capacity_from_chip_bandwidth():
    # TPU v5p: 1,200 GB/s bidirectional per chip over 6 links -> 800 Gb/s per link per direction
    assert (torus((4, 4, 4), accelerator_gbps=1200 * 8 / 2).link_gbps == 800.0).all()
    assert (torus((4, 4), accelerator_gbps=1600.0).link_gbps == 400.0).all()
    assert (torus((4, 4), link_gbps=100.0).link_gbps == 100.0).all()


@pytest.mark.parametrize("n", [1, 8, 72, 576])
def test_nvswitch(n):
    fabric = nvswitch(n)
    check_invariants(fabric)
    assert fabric.n_accelerators == n and fabric.n_nodes == n + 1 and fabric.n_links == n
    assert fabric.switches_per_tier == {0: 1} and fabric.switch_radix == {0: n}
    assert (fabric.link_v == n).all() and (fabric.link_kind == SCALE_UP).all()
    assert (fabric.link_gbps == 7200.0).all()


# ---------------------------------------------------------------------------------------------
# Jellyfish


def test_jellyfish_is_seeded():
    one = jellyfish(200, ports=12, hosts_per_switch=4, seed=7)
    same = jellyfish(200, ports=12, hosts_per_switch=4, seed=7)
    other = jellyfish(200, ports=12, hosts_per_switch=4, seed=8)
    for name in ARRAYS:
        assert np.array_equal(getattr(one, name), getattr(same, name))
    assert not np.array_equal(one.link_v, other.link_v)


@pytest.mark.parametrize(("switches", "ports", "per", "seed"), [
    (200, 12, 4, 0), (50, 6, 3, 1), (2000, 48, 16, 2), (10, 10, 1, 3), (30, 26, 1, 4),
    (1000, 4, 2, 5), (4, 4, 1, 6), (2, 3, 2, 7), (1, 4, 4, 8),
])
def test_jellyfish_regular_simple_connected(switches, ports, per, seed):
    fabric = jellyfish(switches, ports=ports, hosts_per_switch=per, seed=seed)
    check_invariants(fabric)
    d = ports - per
    n_hosts = switches * per
    assert fabric.n_accelerators == n_hosts
    assert fabric.n_links == n_hosts + switches * d // 2
    assert (degree(fabric)[n_hosts:] == ports).all()
    among = fabric.link_u >= n_hosts
    assert (degree(fabric)[: n_hosts] == 1).all()
    assert (np.bincount(np.concatenate([fabric.link_u[among], fabric.link_v[among]]) - n_hosts,
                        minlength=switches) == d).all()
    assert (fabric.link_u != fabric.link_v).all()
    assert max(pair_counts(fabric).values()) == 1  # no parallel links
    assert_connected(fabric)


# ---------------------------------------------------------------------------------------------
# property: every accelerator reaches every other


@st.composite
def small_fabrics(draw):
    kind = draw(st.sampled_from(sorted(GENERATORS)))
    if kind == "fat_tree":
        return fat_tree(draw(st.sampled_from([2, 4, 6, 8])))
    if kind == "leaf_spine":
        radix = draw(st.integers(2, 16))
        over = draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))
        down = int(np.floor(radix * over / (1 + over) + 1e-9))
        if down < 1 or down >= radix:
            over, down = 1.0, radix // 2
        hosts = draw(st.integers(1, radix * down))
        return leaf_spine(hosts, radix=radix, oversubscription=over)
    if kind == "rail_optimized":
        per_server = draw(st.integers(1, 4))
        per_su = draw(st.integers(1, 4))
        radix = draw(st.integers(max(2 * per_su, 2 * per_server), 12))
        two_tier = (radix // per_server) * per_su
        three_tier = radix * ((radix // 2) // per_server) * per_su
        servers = draw(st.integers(1, max(two_tier, three_tier)))
        return rail_optimized(servers * per_server, gpus_per_server=per_server,
                              servers_per_su=per_su, radix=radix)
    if kind == "dragonfly":
        a, p, h = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(0, 3))
        return dragonfly(a, p, h, groups=draw(st.integers(1, a * h + 1)))
    if kind == "jellyfish":
        switches = draw(st.integers(1, 40))
        low = min(switches - 1, 2)  # a connected switch graph needs degree >= 2 from 3 on
        d = draw(st.sampled_from([d for d in range(low, switches) if switches * d % 2 == 0]))
        per = draw(st.integers(1, 3))
        return jellyfish(switches, ports=d + per, hosts_per_switch=per,
                         seed=draw(st.integers(0, 2**32 - 1)))
    if kind == "torus":
        return torus(draw(st.lists(st.integers(1, 5), min_size=2, max_size=3)))
    return nvswitch(draw(st.integers(1, 100)))


@settings(max_examples=300, deadline=None)
@given(small_fabrics())
def test_every_accelerator_reaches_every_other(fabric):
    check_invariants(fabric)
    assert_connected(fabric)


# ---------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(("build", "field"), [
    (lambda: fat_tree(3), "k"),
    (lambda: fat_tree(0), "k"),
    (lambda: fat_tree(4.0), "k"),
    (lambda: fat_tree(True), "k"),
    (lambda: fat_tree(4, link_gbps=0), "link_gbps"),
    (lambda: fat_tree(4, link_gbps=float("nan")), "link_gbps"),
    (lambda: leaf_spine(0), "hosts"),
    (lambda: leaf_spine(10, radix=1), "radix"),
    (lambda: leaf_spine(10, oversubscription=-1.0), "oversubscription"),
    (lambda: leaf_spine(10, radix=4, oversubscription=0.2), "oversubscription"),
    (lambda: leaf_spine(10, uplink_gbps="fast"), "uplink_gbps"),
    (lambda: rail_optimized(0), "gpus"),
    (lambda: rail_optimized(1024, gpus_per_server=0), "gpus_per_server"),
    (lambda: rail_optimized(40 * 200, gpus_per_server=40, servers_per_su=2), "gpus_per_server"),
    (lambda: rail_optimized(1024, nic_gbps=-400.0), "nic_gbps"),
    (lambda: rail_optimized(1024, scale_up_gbps=0.0), "scale_up_gbps"),
    (lambda: rail_optimized(1024, spine_oversubscription=0.0), "spine_oversubscription"),
    (lambda: rail_optimized(1024, radix=1), "radix"),
    (lambda: dragonfly(0, 1, 1), "a"),
    (lambda: dragonfly(2, 0, 1), "p"),
    (lambda: dragonfly(2, 1, -1), "h"),
    (lambda: dragonfly(2, 1, 1, groups=0), "groups"),
    (lambda: dragonfly(2, 1, 1, groups=4), "groups"),
    (lambda: dragonfly(2, 1, 1, global_gbps=0), "global_gbps"),
    (lambda: jellyfish(5, ports=4, hosts_per_switch=1, seed=0), "switches"),
    (lambda: jellyfish(4, ports=6, hosts_per_switch=2, seed=0), "ports"),
    (lambda: jellyfish(10, ports=3, hosts_per_switch=2, seed=0), "ports"),
    (lambda: jellyfish(10, ports=3, hosts_per_switch=4, seed=0), "hosts_per_switch"),
    (lambda: jellyfish(10, ports=4, hosts_per_switch=0, seed=0), "hosts_per_switch"),
    (lambda: jellyfish(0, ports=4, hosts_per_switch=1, seed=0), "switches"),
    (lambda: torus((4,)), "dims"),
    (lambda: torus((4, 4, 4, 4)), "dims"),
    (lambda: torus("44"), "dims"),
    (lambda: torus((4, 0)), "dims"),
    (lambda: torus((4, 4), accelerator_gbps=0.0), "accelerator_gbps"),
    (lambda: nvswitch(0), "n"),
    (lambda: nvswitch(8, gbps=0), "gbps"),
    (lambda: fat_tree(2048), "k"),  # more nodes than int32 indices hold
])
def test_invalid_parameters_name_the_parameter(build, field):
    with pytest.raises(ValidationError) as error:
        build()
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")
    assert "\n" not in str(error.value)


def test_generators_registry():
    assert list(GENERATORS) == [*designs.names(), "nvswitch"]
    assert all(GENERATORS[name].__name__ == name for name in GENERATORS if name != "none")
    assert GENERATORS["none"](4).n_links == 0


# ---------------------------------------------------------------------------------------------
# benchmark smoke run


def test_bench_fabrics_quick(capsys):
    spec = importlib.util.spec_from_file_location("bench_fabrics", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "all graphs identical" in out
    assert "speed-up over networkx" in out
    assert "analysis:" in out
    assert "fabric report h100-superpod.yaml" in out and "all reports agree" in out
