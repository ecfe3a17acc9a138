"""Generators of explicit fabric graphs, built in bulk with numpy.

One function per design. Each returns a :class:`~infranet.fabrics.graph.FabricGraph` whose
accelerators are numbered first (``0 .. n_accelerators - 1``), then switches tier by tier, and whose
``params`` are the call's arguments, so ``GENERATORS[fabric.kind](**fabric.params)`` builds the
same graph again. Every node and link is made by array arithmetic: a 65,536-host fat-tree takes a
few milliseconds, not one Python call per element.

A link is stored once, full duplex, with ``link_u`` its lower-tier end (the accelerator, or the
switch nearer the accelerators; either end between peers of one tier). Impossible parameters raise
:class:`~infranet.errors.ValidationError` naming the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Integral, Real

import numpy as np

from infranet.errors import InfeasibleError, ValidationError
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SCALE_UP, SWITCH, FabricGraph

__all__ = [
    "GENERATORS",
    "dragonfly",
    "fat_tree",
    "jellyfish",
    "leaf_spine",
    "nvswitch",
    "rail_optimized",
    "torus",
]

_INDEX = np.int32
_MAX_INDEX = np.iinfo(_INDEX).max


# ---------------------------------------------------------------------------------------------
# validation and assembly helpers


def _integer(value, field: str, *, minimum: int, even: bool = False) -> int:
    """Return `value` as an int, or raise naming `field` if it is not an integer >= `minimum`."""
    expected = f"an {'even ' if even else ''}integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValidationError(f"expected {expected}, got {value!r}", field=field)
    value = int(value)
    if value < minimum or (even and value % 2):
        raise ValidationError(f"expected {expected}, got {value}", field=field)
    return value


def _positive(value, field: str) -> float:
    """Return `value` as a float, or raise naming `field` if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or value <= 0:
        raise ValidationError(f"expected a finite number > 0, got {value!r}", field=field)
    return float(value)


def _fits(n_nodes: int, n_links: int, field: str) -> None:
    """Refuse fabrics whose node or link indices would not fit the int32 arrays."""
    if max(n_nodes, n_links) > _MAX_INDEX:
        raise ValidationError(
            f"the fabric would have {n_nodes:,} nodes and {n_links:,} links; at most "
            f"{_MAX_INDEX:,} of each are supported", field=field)


def _smallest_divisor_at_least(n: int, low: int) -> int:
    """Return the smallest divisor of `n` that is >= `low` (`n` itself at worst)."""
    for d in range(max(1, low), n + 1):
        if n % d == 0:
            return d
    return n


def _graph(kind: str, params: dict, nodes: list, links: list,
           switch_radix: dict[int, int]) -> FabricGraph:
    """Assemble a FabricGraph from node blocks and link segments, with one concatenate each.

    `nodes` is a list of ``(kind, tier, group)`` with `group` an int array (one entry per node);
    `links` a list of ``(u, v, link_kind, gbps)`` with `u`, `v` index arrays.
    """
    sizes = [len(group) for _, _, group in nodes]
    node_kind = np.repeat(np.array([k for k, _, _ in nodes], dtype=np.int8), sizes)
    node_tier = np.repeat(np.array([t for _, t, _ in nodes], dtype=np.int8), sizes)
    node_group = np.concatenate([np.asarray(g, dtype=np.int32) for _, _, g in nodes])
    lengths = [len(u) for u, _, _, _ in links]
    if links:
        link_u = np.concatenate([np.asarray(u, dtype=_INDEX) for u, _, _, _ in links])
        link_v = np.concatenate([np.asarray(v, dtype=_INDEX) for _, v, _, _ in links])
    else:
        link_u = link_v = np.zeros(0, dtype=_INDEX)
    link_kind = np.repeat(np.array([k for _, _, k, _ in links], dtype=np.int8), lengths)
    link_gbps = np.repeat(np.array([g for _, _, _, g in links], dtype=np.float64), lengths)
    return FabricGraph(kind=kind, params=params, node_kind=node_kind, node_tier=node_tier,
                       node_group=node_group, link_u=link_u, link_v=link_v, link_kind=link_kind,
                       link_gbps=link_gbps, switch_radix=dict(switch_radix))


def _block(count: int, group) -> np.ndarray:
    """Node groups of a block of `count` nodes: a scalar broadcast, or an array as given."""
    if np.ndim(group) == 0:
        return np.full(count, group, dtype=np.int32)
    return np.asarray(group, dtype=np.int32)


# ---------------------------------------------------------------------------------------------
# switched fabrics


def fat_tree(k: int, *, link_gbps: float = 400.0) -> FabricGraph:
    """Build a k-ary fat-tree of k-port switches, all links `link_gbps` Gb/s per direction.

    The three-tier Clos of Al-Fares et al. (SIGCOMM 2008): `k` pods, each of ``k/2`` edge switches
    (tier 1) and ``k/2`` aggregation switches (tier 2), and ``(k/2)²`` core switches (tier 3).
    Edge switch ``j`` of pod ``p`` serves ``k/2`` hosts and links to every aggregation switch of
    its pod; aggregation switch ``i`` of every pod links to core switches
    ``i·k/2 .. i·k/2 + k/2 - 1``. Every switch uses all `k` ports; the fabric has full bisection.

    Closed forms: ``k³/4`` hosts, ``5k²/4`` switches (``k²/2`` edge, ``k²/2`` aggregation,
    ``k²/4`` core) and ``3k³/4`` links (``k³/4`` per tier).

    Parameters
    ----------
    k : int
        Switch radix (ports), even and >= 2.
    link_gbps : float, optional
        Capacity of every link, Gb/s per direction.

    Returns
    -------
    FabricGraph
        Hosts ``0 .. k³/4 - 1`` (host ``h`` on edge switch ``h // (k/2)``), then edge,
        aggregation and core switches. ``node_group`` is the pod (-1 for core switches);
        ``switch_radix`` is ``{1: k, 2: k, 3: k}``.

    Raises
    ------
    ValidationError
        If `k` is not an even integer >= 2 or `link_gbps` is not > 0.

    Examples
    --------
    >>> fabric = fat_tree(4)
    >>> fabric.n_accelerators, fabric.switches_per_tier, fabric.n_links
    (16, {1: 8, 2: 8, 3: 4}, 48)
    >>> fat_tree(48).n_accelerators
    27648
    """
    k = _integer(k, "k", minimum=2, even=True)
    link_gbps = _positive(link_gbps, "link_gbps")
    half = k // 2
    n_hosts, n_pod_switches = k**3 // 4, k * half
    _fits(n_hosts + 5 * k * k // 4, 3 * n_hosts, "k")

    edge0 = n_hosts
    agg0 = edge0 + n_pod_switches
    core0 = agg0 + n_pod_switches
    hosts = np.arange(n_hosts, dtype=np.int64)
    # one row per (lower switch, port towards the tier above)
    lower = np.repeat(np.arange(n_pod_switches, dtype=np.int64), half)
    port = np.tile(np.arange(half, dtype=np.int64), n_pod_switches)
    links = [
        (hosts, edge0 + hosts // half, SCALE_OUT, link_gbps),
        (edge0 + lower, agg0 + (lower // half) * half + port, SCALE_OUT, link_gbps),
        (agg0 + lower, core0 + (lower % half) * half + port, SCALE_OUT, link_gbps),
    ]
    pod_of_switch = np.arange(n_pod_switches) // half
    nodes = [
        (ACCELERATOR, -1, hosts // (half * half)),
        (SWITCH, 1, pod_of_switch),
        (SWITCH, 2, pod_of_switch),
        (SWITCH, 3, _block(half * half, -1)),
    ]
    return _graph("fat_tree", {"k": k, "link_gbps": link_gbps}, nodes, links,
                  {1: k, 2: k, 3: k})


def _split_ports(radix: int, ratio: float, field: str) -> tuple[int, int]:
    """Split `radix` ports into (down, up) with down/up as close to `ratio` as possible, not above.

    Down ports are rounded down, so the result is never more oversubscribed than asked.
    """
    down = math.floor(radix * ratio / (1.0 + ratio) + 1e-9)
    up = radix - down
    if down < 1 or up < 1:
        raise ValidationError(
            f"a {radix}-port leaf cannot be split into down and up ports at ratio {ratio:g}:1; "
            "use a larger radix or a ratio nearer 1", field=field)
    return down, up


def leaf_spine(hosts: int, *, radix: int = 64, oversubscription: float = 1.0,
               link_gbps: float = 400.0, uplink_gbps: float | None = None) -> FabricGraph:
    """Build a two-tier leaf-spine fabric of `radix`-port switches for `hosts` hosts.

    Each leaf (tier 1) splits its `radix` ports into ``d`` host ports at `link_gbps` and ``u``
    uplinks at `uplink_gbps` (default `link_gbps`) so that ``d·link_gbps / (u·uplink_gbps)`` is
    `oversubscription`; when no integer split is exact, ``d`` is rounded down, so the fabric is
    never more oversubscribed than asked. Hosts fill leaves in order; the last leaf may be partly
    filled. The spines (tier 2) are the fewest that terminate every uplink with each leaf
    linked to every spine by the same number of parallel links: ``s`` is the smallest divisor of
    ``u`` with ``s·radix >= leaves·u``, and each leaf has ``u/s`` links to each spine. A spine
    needs a port per leaf, so a two-tier fabric has at most `radix` leaves, i.e. ``radix·d``
    hosts; larger fabrics need three tiers (:func:`fat_tree`, :func:`rail_optimized`).

    Closed forms: ``leaves = ceil(hosts/d)``, ``hosts + leaves·u`` links.

    Parameters
    ----------
    hosts : int
        Number of hosts (accelerators), >= 1.
    radix : int, optional
        Ports per switch, leaves and spines alike (>= 2).
    oversubscription : float, optional
        Leaf downlink to uplink bandwidth ratio; 1.0 is non-blocking.
    link_gbps : float, optional
        Host-to-leaf link capacity, Gb/s per direction.
    uplink_gbps : float or None, optional
        Leaf-to-spine link capacity, Gb/s per direction; default `link_gbps`.

    Returns
    -------
    FabricGraph
        Hosts, then leaves, then spines; host ``h`` is on leaf ``h // d``. The design has no
        pods: ``node_group`` is -1 throughout. ``switch_radix`` is ``{1: radix, 2: radix}``.

    Raises
    ------
    ValidationError
        If a parameter is out of range, or `hosts` exceeds what two tiers of `radix`-port
        switches hold at that oversubscription.

    Examples
    --------
    >>> fabric = leaf_spine(2048)  # 64 leaves of 32 hosts, 32 spines
    >>> fabric.switches_per_tier, fabric.n_links
    ({1: 64, 2: 32}, 4096)
    >>> # 48 hosts and 16 uplinks per leaf; 8 spines (the smallest divisor of 16 that holds
    >>> # 21 x 16 uplinks on 64-port spines), 2 links from each leaf to each spine
    >>> leaf_spine(1000, oversubscription=3.0).switches_per_tier
    {1: 21, 2: 8}
    """
    params = {"hosts": hosts, "radix": radix, "oversubscription": oversubscription,
              "link_gbps": link_gbps, "uplink_gbps": uplink_gbps}
    hosts = _integer(hosts, "hosts", minimum=1)
    radix = _integer(radix, "radix", minimum=2)
    oversubscription = _positive(oversubscription, "oversubscription")
    link_gbps = _positive(link_gbps, "link_gbps")
    uplink_gbps = link_gbps if uplink_gbps is None else _positive(uplink_gbps, "uplink_gbps")

    down, up = _split_ports(radix, oversubscription * uplink_gbps / link_gbps,
                            "oversubscription")
    if hosts > radix * down:
        raise ValidationError(
            f"a 2-tier leaf-spine of {radix}-port switches at oversubscription "
            f"{oversubscription:g} holds at most {radix * down:,} hosts ({radix} leaves of "
            f"{down}); got {hosts:,}: raise radix or oversubscription, or use a 3-tier design",
            field="hosts")
    n_leaves = -(-hosts // down)
    n_spines = _smallest_divisor_at_least(up, -(-n_leaves * up // radix))
    parallel = up // n_spines
    _fits(hosts + n_leaves + n_spines, hosts + n_leaves * up, "hosts")

    leaf0, spine0 = hosts, hosts + n_leaves
    host_ids = np.arange(hosts, dtype=np.int64)
    uplink = np.arange(n_leaves * up, dtype=np.int64)  # uplink j of leaf l is row l*up + j
    links = [
        (host_ids, leaf0 + host_ids // down, SCALE_OUT, link_gbps),
        (leaf0 + uplink // up, spine0 + (uplink % up) // parallel, SCALE_OUT, uplink_gbps),
    ]
    nodes = [(ACCELERATOR, -1, _block(hosts, -1)), (SWITCH, 1, _block(n_leaves, -1)),
             (SWITCH, 2, _block(n_spines, -1))]
    return _graph("leaf_spine", params, nodes, links, {1: radix, 2: radix})


def _rail_plan(gpus: int, gpus_per_server: int, servers_per_su: int, radix: int,
               spine_oversubscription: float) -> dict[str, int]:
    """Size a rail-optimised fabric: counts per tier and parallel links per switch pair."""
    if gpus % gpus_per_server:
        raise ValidationError(
            f"expected a multiple of gpus_per_server ({gpus_per_server}), got {gpus:,}",
            field="gpus")
    rails, down = gpus_per_server, servers_per_su
    up = math.ceil(down / spine_oversubscription - 1e-9)
    if down + up > radix:
        raise ValidationError(
            f"a leaf serving {down} servers needs {down} down + {up} up ports at "
            f"spine_oversubscription {spine_oversubscription:g}, more than radix {radix}",
            field="servers_per_su")
    servers = gpus // gpus_per_server
    sus = -(-servers // servers_per_su)
    leaves = rails * sus
    plan = {"servers": servers, "sus": sus, "rails": rails, "leaves": leaves, "up": up}
    if leaves <= radix:  # two tiers: every spine has a port for every leaf
        spines = _smallest_divisor_at_least(up, -(-leaves * up // radix))
        plan.update(tiers=2, spines=spines, leaf_spine_parallel=up // spines, pods=1,
                    pod_leaves=leaves, cores=0, core_planes=0, spine_core_parallel=0)
        return plan
    # three tiers: pods of whole SUs under `up` spines (one link per leaf each, at most radix/2
    # leaves so that a spine has as many ports up to the core as down), then core planes: spine i
    # of every pod links to the cores of plane i.
    sus_per_pod = (radix // 2) // rails
    if sus_per_pod < 1:
        raise ValidationError(
            f"{rails} rails do not fit under spines of radix {radix} in a 3-tier design "
            f"(at most {radix // 2})", field="gpus_per_server")
    pod_leaves = sus_per_pod * rails
    pods = -(-sus // sus_per_pod)
    if pods > radix:
        most = radix * sus_per_pod * servers_per_su * gpus_per_server
        raise ValidationError(
            f"a 3-tier rail-optimised fabric of radix-{radix} switches holds at most "
            f"{most:,} GPUs ({radix} pods of {sus_per_pod} SUs); got {gpus:,}", field="gpus")
    per_plane = _smallest_divisor_at_least(pod_leaves, -(-pods * pod_leaves // radix))
    plan.update(tiers=3, spines=pods * up, leaf_spine_parallel=1, pods=pods,
                pod_leaves=pod_leaves, cores=up * per_plane, core_planes=up,
                spine_core_parallel=pod_leaves // per_plane)
    return plan


def rail_optimized(gpus: int, *, gpus_per_server: int = 8, servers_per_su: int = 32,
                   nic_gbps: float = 400.0, radix: int = 64, scale_up_gbps: float = 3600.0,
                   spine_oversubscription: float = 1.0) -> FabricGraph:
    """Build a rail-optimised GPU fabric (DGX SuperPOD style) with NVLink servers.

    Scale-up: each server's `gpus_per_server` GPUs link to one NVSwitch node (tier 0) at
    `scale_up_gbps` (NVLink 4 on HGX H100: 450 GB/s per direction = 3,600 Gb/s).

    Scale-out, at `nic_gbps` on every link: a scalable unit (SU) is `servers_per_su` servers on
    `gpus_per_server` rail leaves (tier 1); leaf ``r`` of an SU links to NIC ``r`` (GPU ``r``) of
    every server of the SU, so same-index GPUs of an SU are one leaf apart. A leaf has
    ``servers_per_su`` down ports and ``u = ceil(servers_per_su / spine_oversubscription)``
    uplinks (as many as down ports by default: non-blocking). With the defaults an SU is 256
    GPUs on 8 leaves, and 4 SUs (1,024 GPUs) run on 16 spines, each leaf with 2 links to each.

    Two tiers while ``leaves <= radix`` (a spine has a port for every leaf): the spines (tier 2)
    are the fewest ``s``, a divisor of ``u`` with ``s·radix >= leaves·u``, each leaf having
    ``u/s`` links to each. With radix 64 that is up to 8 SUs = 2,048 GPUs on 64 leaves and 32
    spines. Beyond, a 3-tier Clos as in large SuperPODs: pods of ``P`` leaves (the most whole SUs
    with at most ``radix/2`` leaves: 4 SUs, 32 leaves) under ``u`` spines each, one link from each
    leaf to each spine of its pod, and ``P`` uplinks per spine to the core (tier 3). The core is
    ``u`` planes of ``c`` switches, ``c`` the smallest divisor of ``P`` with
    ``c·radix >= pods·P``; spine ``i`` of every pod links to every core of plane ``i`` with
    ``P/c`` parallel links. Radix 64 holds up to 64 pods = 65,536 GPUs; 32,768 GPUs are 32 pods
    on 1,024 leaves, 1,024 spines and 512 cores. The last SU (and pod) may be partly filled.

    Parameters
    ----------
    gpus : int
        Number of GPUs, a multiple of `gpus_per_server`.
    gpus_per_server : int, optional
        GPUs (and NICs, and rails) per server.
    servers_per_su : int, optional
        Servers per scalable unit, i.e. down ports per leaf.
    nic_gbps : float, optional
        Capacity of every scale-out link, Gb/s per direction (ConnectX-7: 400).
    radix : int, optional
        Ports per leaf, spine and core switch.
    scale_up_gbps : float, optional
        Capacity of each GPU's link to its NVSwitch node, Gb/s per direction.
    spine_oversubscription : float, optional
        Leaf downlink to uplink ratio; 1.0 is non-blocking. The spine-to-core stage is always
        non-blocking.

    Returns
    -------
    FabricGraph
        GPUs (GPU ``g`` is GPU ``g % gpus_per_server`` of server ``g // gpus_per_server``), then
        NVSwitch nodes (one per server, in server order), leaves (leaf ``r`` of SU ``s`` is
        ``s·gpus_per_server + r``), spines (pod-major), cores (plane-major). ``node_group`` is the
        SU of GPUs, NVSwitch nodes and leaves, and -1 for spines and cores. ``switch_radix`` is
        ``{0: gpus_per_server, 1: radix, 2: radix}`` (and ``3: radix`` with a core).

    Raises
    ------
    ValidationError
        If a parameter is out of range, a leaf cannot hold its down and up ports, or `gpus` is
        more than three tiers of `radix`-port switches hold.

    Examples
    --------
    >>> fabric = rail_optimized(1024)
    >>> fabric.switches_per_tier  # 128 NVSwitch nodes, 32 leaves, 16 spines
    {0: 128, 1: 32, 2: 16}
    >>> rail_optimized(32768).switches_per_tier
    {0: 4096, 1: 1024, 2: 1024, 3: 512}
    """
    params = {"gpus": gpus, "gpus_per_server": gpus_per_server, "servers_per_su": servers_per_su,
              "nic_gbps": nic_gbps, "radix": radix, "scale_up_gbps": scale_up_gbps,
              "spine_oversubscription": spine_oversubscription}
    gpus = _integer(gpus, "gpus", minimum=1)
    rails = _integer(gpus_per_server, "gpus_per_server", minimum=1)
    per_su = _integer(servers_per_su, "servers_per_su", minimum=1)
    radix = _integer(radix, "radix", minimum=2)
    nic_gbps = _positive(nic_gbps, "nic_gbps")
    scale_up_gbps = _positive(scale_up_gbps, "scale_up_gbps")
    spine_oversubscription = _positive(spine_oversubscription, "spine_oversubscription")
    plan = _rail_plan(gpus, rails, per_su, radix, spine_oversubscription)
    servers, leaves, up = plan["servers"], plan["leaves"], plan["up"]
    spines, cores = plan["spines"], plan["cores"]
    n_links = 2 * gpus + leaves * up + spines * plan["pod_leaves"] * (plan["tiers"] == 3)
    _fits(gpus + servers + leaves + spines + cores, n_links, "gpus")

    nvs0 = gpus
    leaf0 = nvs0 + servers
    spine0 = leaf0 + leaves
    core0 = spine0 + spines
    gpu = np.arange(gpus, dtype=np.int64)
    server = gpu // rails
    su = server // per_su
    links = [
        (gpu, nvs0 + server, SCALE_UP, scale_up_gbps),
        (gpu, leaf0 + su * rails + gpu % rails, SCALE_OUT, nic_gbps),
    ]
    uplink = np.arange(leaves * up, dtype=np.int64)  # uplink j of leaf l is row l*up + j
    leaf, j = uplink // up, uplink % up
    if plan["tiers"] == 2:
        links.append((leaf0 + leaf, spine0 + j // plan["leaf_spine_parallel"], SCALE_OUT,
                      nic_gbps))
    else:
        pod = leaf // plan["pod_leaves"]
        links.append((leaf0 + leaf, spine0 + pod * up + j, SCALE_OUT, nic_gbps))
        # spine i of pod q has pod_leaves uplinks; uplink t goes to core t // parallel of plane i
        per_spine = plan["pod_leaves"]
        row = np.arange(spines * per_spine, dtype=np.int64)
        spine, t = row // per_spine, row % per_spine
        plane = spine % up
        per_plane = cores // up
        links.append((spine0 + spine, core0 + plane * per_plane + t // plan["spine_core_parallel"],
                      SCALE_OUT, nic_gbps))
    nodes = [
        (ACCELERATOR, -1, su),
        (SWITCH, 0, np.arange(servers) // per_su),
        (SWITCH, 1, np.arange(leaves) // rails),
        (SWITCH, 2, _block(spines, -1)),
    ]
    radii = {0: rails, 1: radix, 2: radix}
    if cores:
        nodes.append((SWITCH, 3, _block(cores, -1)))
        radii[3] = radix
    return _graph("rail_optimized", params, nodes, links, radii)


def dragonfly(a: int, p: int, h: int, *, groups: int | None = None, link_gbps: float = 200.0,
              global_gbps: float | None = None) -> FabricGraph:
    """Build a dragonfly of `groups` groups of `a` routers with `p` hosts and `h` global links each.

    Kim et al., "Technology-Driven, Highly-Scalable Dragonfly Topology" (ISCA 2008): the routers
    (tier 1) of a group are fully connected by local links; each router has `h` global links to
    other groups. `groups` defaults to ``a·h + 1``, the balanced maximum where every pair of
    groups is joined by exactly one global link. Global links follow the "consecutive"
    arrangement (Camarero et al., ACM TACO 2014): global port ``q = r·h + i`` of group ``G``
    (router ``r``, its ``i``-th global port) links to the ``(q mod (groups-1))``-th other group in
    increasing order. With fewer groups each pair of groups gets
    ``m = floor(a·h / (groups-1))`` parallel global links spread over different routers, and the
    ``a·h - m·(groups-1)`` remaining global ports of each group stay unused.

    Closed forms, with ``g`` groups: ``a·g`` routers, ``a·p·g`` hosts, ``g·a(a-1)/2`` local links,
    ``m·g(g-1)/2`` global links (``a·h·g/2`` when ``g = a·h + 1``), ``a·p·g`` host links.

    Parameters
    ----------
    a : int
        Routers per group, >= 1.
    p : int
        Hosts per router, >= 1.
    h : int
        Global links per router, >= 0.
    groups : int or None, optional
        Number of groups, ``1 .. a·h + 1``; default ``a·h + 1``.
    link_gbps : float, optional
        Host and local link capacity, Gb/s per direction.
    global_gbps : float or None, optional
        Global link capacity, Gb/s per direction; default `link_gbps`.

    Returns
    -------
    FabricGraph
        Hosts (host ``i`` on router ``i // p``), then routers (router ``r`` of group ``G`` is
        ``G·a + r``); links are host, local, then global. ``node_group`` is the group;
        ``switch_radix`` is ``{1: p + a - 1 + h}``.

    Raises
    ------
    ValidationError
        If a parameter is out of range, or `groups` exceeds ``a·h + 1``.

    Examples
    --------
    >>> fabric = dragonfly(4, 2, 2)  # 9 groups of 4 routers
    >>> fabric.n_accelerators, fabric.switches_per_tier, fabric.n_links
    (72, {1: 36}, 162)
    """
    params = {"a": a, "p": p, "h": h, "groups": groups, "link_gbps": link_gbps,
              "global_gbps": global_gbps}
    a = _integer(a, "a", minimum=1)
    p = _integer(p, "p", minimum=1)
    h = _integer(h, "h", minimum=0)
    most = a * h + 1
    g = most if groups is None else _integer(groups, "groups", minimum=1)
    if g > most:
        raise ValidationError(
            f"at most a*h+1 = {most} groups (each group has {a * h} global ports, one per other "
            f"group); got {g}", field="groups")
    link_gbps = _positive(link_gbps, "link_gbps")
    global_gbps = link_gbps if global_gbps is None else _positive(global_gbps, "global_gbps")
    parallel = (a * h) // (g - 1) if g > 1 else 0
    n_hosts, n_routers = a * p * g, a * g
    n_global = parallel * g * (g - 1) // 2
    _fits(n_hosts + n_routers, n_hosts + g * a * (a - 1) // 2 + n_global, "groups")

    r0 = n_hosts
    hosts = np.arange(n_hosts, dtype=np.int64)
    first = np.arange(g, dtype=np.int64)[:, None] * a
    iu, ju = np.triu_indices(a, 1)
    gi, gj = np.triu_indices(g, 1)
    copy = np.arange(parallel, dtype=np.int64)[None, :] * (g - 1)
    port_i = copy + (gj - 1)[:, None]  # group j is the (j-1)-th other group of i < j
    port_j = copy + gi[:, None]  # group i is the i-th other group of j > i
    links = [
        (hosts, r0 + hosts // p, SCALE_OUT, link_gbps),
        (r0 + (first + iu).ravel(), r0 + (first + ju).ravel(), SCALE_OUT, link_gbps),
        (r0 + (gi[:, None] * a + port_i // max(h, 1)).ravel(),
         r0 + (gj[:, None] * a + port_j // max(h, 1)).ravel(), SCALE_OUT, global_gbps),
    ]
    nodes = [(ACCELERATOR, -1, hosts // (a * p)), (SWITCH, 1, np.arange(n_routers) // a)]
    return _graph("dragonfly", params, nodes, links, {1: p + a - 1 + h})


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Return whether each of `keys` is in the sorted array `sorted_keys`."""
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _simple_pairs(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return a simple d-regular graph on n nodes as sorted (u < v) edge arrays.

    Configuration model (random pairing of ``n·d`` port stubs), then self-loops and parallel
    edges are removed by random double-edge swaps, all swaps of a round at once; a pairing that
    will not settle is drawn again.
    """
    if d == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if d == n - 1:
        u, v = np.triu_indices(n, 1)
        return u.astype(np.int64), v.astype(np.int64)
    if 2 * d > n - 1:  # dense: draw the sparse complement and invert it
        cu, cv = _simple_pairs(n, n - 1 - d, rng)
        present = np.zeros((n, n), dtype=bool)
        present[cu, cv] = True
        u, v = np.nonzero(np.triu(~present, 1))
        return u.astype(np.int64), v.astype(np.int64)
    m = n * d // 2
    for _ in range(100):
        stubs = rng.permutation(np.repeat(np.arange(n, dtype=np.int64), d))
        u, v = np.minimum(stubs[0::2], stubs[1::2]), np.maximum(stubs[0::2], stubs[1::2])
        for _ in range(200):
            key = u * n + v
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            bad = u == v
            bad[order[1:][sorted_key[1:] == sorted_key[:-1]]] = True  # the first copy is fine
            if not bad.any():
                order = np.lexsort((v, u))
                return u[order], v[order]
            i = np.flatnonzero(bad)
            j = rng.integers(0, m, size=len(i))
            # each edge takes part in at most one swap per round
            ids, counts = np.unique(np.concatenate([i, j]), return_counts=True)
            once = counts[np.searchsorted(ids, i)] == 1
            once &= counts[np.searchsorted(ids, j)] == 1
            i, j = i[once], j[once]
            flip = rng.random(len(i)) < 0.5
            a, b = u[i], v[i]
            c, e = np.where(flip, v[j], u[j]), np.where(flip, u[j], v[j])
            # (a, b), (c, e) -> (a, c), (b, e)
            k1 = np.minimum(a, c) * n + np.maximum(a, c)
            k2 = np.minimum(b, e) * n + np.maximum(b, e)
            ok = (a != c) & (b != e) & (k1 != k2)
            ok &= ~_member(k1, sorted_key) & ~_member(k2, sorted_key)
            new = np.concatenate([k1[ok], k2[ok]])
            ids, counts = np.unique(new, return_counts=True)
            clash = np.isin(k1, ids[counts > 1]) | np.isin(k2, ids[counts > 1])
            ok &= ~clash
            i, j = i[ok], j[ok]
            u[i], v[i] = np.minimum(a[ok], c[ok]), np.maximum(a[ok], c[ok])
            u[j], v[j] = np.minimum(b[ok], e[ok]), np.maximum(b[ok], e[ok])
    raise InfeasibleError(f"could not draw a simple {d}-regular graph on {n} switches")


def _connect(u: np.ndarray, v: np.ndarray, n: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Join the components of a simple regular graph by double-edge swaps (degrees kept).

    Components are chained: an edge ``(a1, a2)`` of one and ``(b1, b2)`` of the next become
    ``(a1, b1)`` and ``(a2, b2)``. Needs at least two edges per component (degree >= 2).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    u, v = u.copy(), v.copy()
    for _ in range(1000):
        graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        n_comp, label = connected_components(graph, directed=False)
        if n_comp == 1:
            order = np.lexsort((v, u))
            return u[order], v[order]
        perm = rng.permutation(len(u))
        perm = perm[np.argsort(label[u[perm]], kind="stable")]
        start = np.unique(label[u[perm]], return_index=True)[1]
        out, inn = perm[start[:-1]], perm[start[1:] + 1]
        a1, a2, b1, b2 = u[out], v[out], u[inn], v[inn]
        u[out], v[out] = np.minimum(a1, b1), np.maximum(a1, b1)
        u[inn], v[inn] = np.minimum(a2, b2), np.maximum(a2, b2)
    raise InfeasibleError(f"could not connect a random regular graph on {n} switches")


def jellyfish(switches: int, *, ports: int, hosts_per_switch: int, link_gbps: float = 400.0,
              seed: int) -> FabricGraph:
    """Build a Jellyfish fabric: a seeded random regular graph of switches, hosts attached.

    Singla et al., "Jellyfish: Networking Data Centers Randomly" (NSDI 2012). Each switch (tier 1)
    has `ports` ports: `hosts_per_switch` to hosts, ``d = ports - hosts_per_switch`` to other
    switches, wired as a simple ``d``-regular graph (no self-loops, no parallel links). The graph
    is drawn by the configuration model (random pairing of port stubs); self-loops and parallel
    links are then removed, and components joined, by random double-edge swaps, which keep every
    degree. The same `seed` gives exactly the same arrays.

    Closed forms: ``switches·hosts_per_switch`` hosts and as many host links,
    ``switches·d/2`` switch links.

    Parameters
    ----------
    switches : int
        Number of switches, >= 1.
    ports : int
        Ports per switch.
    hosts_per_switch : int
        Hosts on each switch, >= 1 and < `ports` (== `ports` only for a single switch).
    link_gbps : float, optional
        Capacity of every link, Gb/s per direction.
    seed : int
        Seed of the numpy random generator (anything :func:`numpy.random.default_rng` takes).

    Returns
    -------
    FabricGraph
        Hosts (host ``i`` on switch ``i // hosts_per_switch``), then switches; switch links sorted.
        ``node_group`` is -1 throughout; ``switch_radix`` is ``{1: ports}``.

    Raises
    ------
    ValidationError
        If ``switches·d`` is odd, ``d >= switches``, or ``d`` is too small for a connected fabric
        (``d >= 2`` is needed from 3 switches on).

    Examples
    --------
    >>> fabric = jellyfish(20, ports=8, hosts_per_switch=4, seed=1)
    >>> fabric.n_accelerators, fabric.n_links  # 80 host links + 20*4/2 switch links
    (80, 120)
    >>> same = jellyfish(20, ports=8, hosts_per_switch=4, seed=1)
    >>> bool((same.link_u == fabric.link_u).all() and (same.link_v == fabric.link_v).all())
    True
    """
    params = {"switches": switches, "ports": ports, "hosts_per_switch": hosts_per_switch,
              "link_gbps": link_gbps, "seed": seed}
    n = _integer(switches, "switches", minimum=1)
    ports = _integer(ports, "ports", minimum=1)
    per = _integer(hosts_per_switch, "hosts_per_switch", minimum=1)
    link_gbps = _positive(link_gbps, "link_gbps")
    d = ports - per
    if d < 0:
        raise ValidationError(f"expected at most ports ({ports}) hosts per switch, got {per}",
                              field="hosts_per_switch")
    if d >= n:
        raise ValidationError(
            f"switch degree ports - hosts_per_switch = {d} must be below switches ({n})",
            field="ports")
    if (n * d) % 2:
        raise ValidationError(
            f"switches * (ports - hosts_per_switch) = {n} * {d} must be even", field="switches")
    if d < min(n - 1, 2):
        raise ValidationError(
            f"switch degree ports - hosts_per_switch = {d} leaves {n} switches disconnected; "
            "expected >= 2", field="ports")
    _fits(n * per + n, n * per + n * d // 2, "switches")
    rng = np.random.default_rng(seed)
    su, sv = _simple_pairs(n, d, rng)
    if d >= 2:
        su, sv = _connect(su, sv, n, rng)
    n_hosts = n * per
    hosts = np.arange(n_hosts, dtype=np.int64)
    links = [(hosts, n_hosts + hosts // per, SCALE_OUT, link_gbps),
             (n_hosts + su, n_hosts + sv, SCALE_OUT, link_gbps)]
    nodes = [(ACCELERATOR, -1, _block(n_hosts, -1)), (SWITCH, 1, _block(n, -1))]
    return _graph("jellyfish", params, nodes, links, {1: ports})


# ---------------------------------------------------------------------------------------------
# scale-up domains

#: TPU v5p ICI: 1,200 GB/s bidirectional per chip over 6 links (Google Cloud docs) ->
#: 100 GB/s per link per direction = 800 Gb/s.
_TPU_V5P_ICI_LINK_GBPS = 1200.0 / 6 / 2 * 8


def torus(dims: Sequence[int], *, link_gbps: float = _TPU_V5P_ICI_LINK_GBPS,
          accelerator_gbps: float | None = None) -> FabricGraph:
    """Build a 2D or 3D torus of accelerators joined directly by scale-up links (TPU ICI).

    Each accelerator links to its neighbours along every dimension, with wrap-around. A dimension
    of size ``s >= 3`` is a ring: ``n`` links along it (``n`` accelerators in all), and degree 2
    per dimension. A dimension of size 2 gets ONE link between its two nodes (not two parallel
    ones), so ``n/2`` links and degree 1 along it; a dimension of size 1 gets none. No switches.

    The default link capacity is TPU v5p's: 1,200 GB/s bidirectional ICI per chip over 6 links
    is 200 GB/s per link both ways, 100 GB/s = 800 Gb/s per direction.

    Parameters
    ----------
    dims : sequence of int
        Size of each dimension (2 or 3 of them), each >= 1.
    link_gbps : float, optional
        Capacity of each link, Gb/s per direction.
    accelerator_gbps : float or None, optional
        If given, the chip's total scale-up capacity per direction over its ``2·len(dims)`` ports,
        overriding `link_gbps`: each link gets ``accelerator_gbps / (2·len(dims))`` (TPU v5p:
        4,800 Gb/s over 6 ports). Ports without a distinct neighbour (sizes 1 and 2) stay idle.

    Returns
    -------
    FabricGraph
        Accelerators only, numbered in row-major (C) order of their coordinates; ``node_group``
        is -1 throughout; ``switch_radix`` is empty.

    Raises
    ------
    ValidationError
        If `dims` does not have 2 or 3 sizes >= 1, or a capacity is not > 0.

    Examples
    --------
    >>> fabric = torus((4, 4, 4))  # a TPU v5p cube: 64 chips, 3 x 64 links, 800 Gb/s each
    >>> fabric.n_accelerators, fabric.n_links, float(fabric.link_gbps[0])
    (64, 192, 800.0)
    >>> torus((2, 3)).n_links  # 3 links along the size-2 dimension, 6 along the ring of 3
    9
    """
    if isinstance(dims, np.ndarray):
        dims = dims.tolist()
    if isinstance(dims, (str, bytes)) or not isinstance(dims, Sequence) \
            or len(dims) not in (2, 3):
        raise ValidationError(f"expected 2 or 3 dimension sizes, got {dims!r}", field="dims")
    shape = tuple(_integer(s, "dims", minimum=1) for s in dims)
    params = {"dims": shape, "link_gbps": link_gbps, "accelerator_gbps": accelerator_gbps}
    link_gbps = _positive(link_gbps, "link_gbps")
    if accelerator_gbps is not None:
        link_gbps = _positive(accelerator_gbps, "accelerator_gbps") / (2 * len(shape))
    n = math.prod(shape)
    n_links = sum(n if s > 2 else n // 2 if s == 2 else 0 for s in shape)
    _fits(n, n_links, "dims")

    index = np.arange(n, dtype=np.int64).reshape(shape)
    links = []
    for axis, size in enumerate(shape):
        if size == 2:
            links.append((index.take(0, axis=axis).ravel(), index.take(1, axis=axis).ravel(),
                          SCALE_UP, link_gbps))
        elif size > 2:
            links.append((index.ravel(), np.roll(index, -1, axis=axis).ravel(), SCALE_UP,
                          link_gbps))
    return _graph("torus", params, [(ACCELERATOR, -1, _block(n, -1))], links, {})


def nvswitch(n: int, *, gbps: float = 7200.0) -> FabricGraph:
    """Build one NVLink scale-up domain: `n` accelerators on one NVSwitch node, `gbps` each.

    The domain's NVSwitch chips are one logical switch node (tier 0): ``n + 1`` nodes, ``n``
    scale-up links. The default is GB200 NVL72's 900 GB/s per direction per GPU = 7,200 Gb/s
    (``n = 72``); NVLink 5 domains reach 576 GPUs.

    Parameters
    ----------
    n : int
        Accelerators in the domain, >= 1.
    gbps : float, optional
        Capacity of each accelerator's link, Gb/s per direction.

    Returns
    -------
    FabricGraph
        Accelerators ``0 .. n-1``, then the switch node ``n``. All nodes are in group 0;
        ``switch_radix`` is ``{0: n}``.

    Raises
    ------
    ValidationError
        If `n` < 1 or `gbps` is not > 0.

    Examples
    --------
    >>> fabric = nvswitch(72)
    >>> fabric.n_nodes, fabric.n_links, fabric.switches_per_tier
    (73, 72, {0: 1})
    """
    n = _integer(n, "n", minimum=1)
    gbps = _positive(gbps, "gbps")
    _fits(n + 1, n, "n")
    gpu = np.arange(n, dtype=np.int64)
    nodes = [(ACCELERATOR, -1, _block(n, 0)), (SWITCH, 0, _block(1, 0))]
    return _graph("nvswitch", {"n": n, "gbps": gbps}, nodes,
                  [(gpu, np.full(n, n), SCALE_UP, gbps)], {0: n})


GENERATORS: dict[str, Callable[..., FabricGraph]] = {
    "fat_tree": fat_tree,
    "leaf_spine": leaf_spine,
    "rail_optimized": rail_optimized,
    "dragonfly": dragonfly,
    "jellyfish": jellyfish,
    "torus": torus,
    "nvswitch": nvswitch,
}
