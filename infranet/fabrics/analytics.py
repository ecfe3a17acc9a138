"""Fabric analytics: bisection, hops and latency, equal-cost paths, bill of materials, tiers.

Free functions that read a :class:`~infranet.fabrics.graph.FabricGraph` and return plain numbers,
lists and dicts (JSON-able). They never modify the fabric. Everything runs on arrays (scipy.sparse,
``scipy.sparse.csgraph``), so a k=64 fat-tree (65,536 accelerators, 5,120 switches, 196,608 links)
takes a few seconds for the whole :func:`report`.

Capacities are Gb/s per direction, latencies µs, power W in inputs and kW in totals.

Paths between accelerators. In a switched fabric accelerators are end points: a path never passes
*through* an accelerator (traffic relayed through a GPU, as NCCL's PXN does, is a software choice,
not a route of the network). In a direct network (a torus, no switches) every accelerator routes.
``accelerators_forward`` overrides that choice.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from infranet import physics
from infranet.errors import InfranetError, UnknownNameError, ValidationError, did_you_mean
from infranet.fabrics.graph import (
    ACCELERATOR,
    SCALE_OUT,
    SCALE_UP,
    SWITCH,
    TIER_NAMES,
    FabricGraph,
)

__all__ = [
    "ACCELERATOR_HOP_US",
    "CABLE_M",
    "SCALE_UP_HOP_US",
    "SWITCH_HOP_US",
    "SWITCH_W_PER_TBPS",
    "TRANSCEIVER_W_PER_GBPS",
    "bill_of_materials",
    "bisection_closed_form",
    "bisection_gbps",
    "ecmp_paths",
    "hop_stats",
    "report",
    "tier_summary",
]

logger = logging.getLogger(__name__)

#: Scale-out switch hop: InfiniBand 0.15-0.35 µs, vendor figures disagree (FIGURES.md); the
#: middle of the range.
SWITCH_HOP_US = 0.25
#: NVLink-switch hop: NVIDIA publishes no figure; assumption: taken like an InfiniBand hop.
SCALE_UP_HOP_US = 0.25
#: Hop through an accelerator that routes (TPU ICI), about 1 µs ("How to Scale Your Model",
#: TPU chapter).
ACCELERATOR_HOP_US = 1.0
#: Cable length per link inside a datacenter; assumption: 10 m, a row to its spine.
CABLE_M = 10.0
#: Switch power without optics; assumption: about 15 W per Tb/s of bidirectional port capacity,
#: the rule of the switch catalogue (``switches.csv``): 768 W for 64 ports of 400 Gb/s.
SWITCH_W_PER_TBPS = 15.0
#: Optical transceiver power; 400G DR4/SR4/FR4 modules are specified at 8-12 W (NVIDIA
#: MMS4X00-NS400 DR4: 9 W); assumption: 0.025 W per Gb/s, 10 W at 400 Gb/s, 20 W at 800 Gb/s.
TRANSCEIVER_W_PER_GBPS = 0.025

_INT32_MAX = 2**31 - 1
_CHUNK = 32  # BFS sources per sparse-dense product: bounds memory to ~32 dense columns


# ---------------------------------------------------------------------------------------------
# validation and views


def _check(fabric: FabricGraph) -> None:
    """Refuse a fabric whose capacities or endpoints the analytics cannot use."""
    n = fabric.n_nodes
    n_acc = fabric.n_accelerators
    if n_acc == 0:
        raise ValidationError("the fabric has no accelerators; the analytics measure between "
                              "accelerators", element=f"fabric {fabric.kind!r}")
    if not np.all(fabric.node_kind[:n_acc] == ACCELERATOR):
        raise ValidationError("accelerators must come first, numbered 0 .. n_accelerators - 1",
                              element=f"fabric {fabric.kind!r}", field="node_kind")
    for name in ("link_u", "link_v"):
        ends = getattr(fabric, name)
        bad = np.flatnonzero((ends < 0) | (ends >= n))
        if bad.size:
            raise ValidationError(f"node {int(ends[bad[0]])} out of range 0 .. {n - 1}",
                                  element=f"link {int(bad[0])}", field=name)
    cap = fabric.link_gbps
    bad = np.flatnonzero(~np.isfinite(cap) | (cap <= 0))
    if bad.size:
        i = int(bad[0])
        raise ValidationError(
            f"capacity {cap[i]!r} Gb/s; expected a positive finite capacity per direction "
            f"({bad.size} links affected)",
            element=f"link {i} ({int(fabric.link_u[i])}--{int(fabric.link_v[i])})",
            field="link_gbps")


def _kinds(include_scale_up: bool) -> tuple[int, ...]:
    return (SCALE_OUT, SCALE_UP) if include_scale_up else (SCALE_OUT,)


def _forwarding(fabric: FabricGraph, accelerators_forward: bool | None) -> bool:
    if accelerators_forward is not None:
        return bool(accelerators_forward)
    return not bool(np.any(fabric.node_kind == SWITCH))


def _transit(fabric: FabricGraph, kinds: tuple[int, ...], forward: bool, *,
             parallel: bool = False):
    """Return ``(M, offset)``: the transposed arc matrix of the routing graph.

    ``M[v, u]`` is the number of arcs ``u -> v`` (1 when `parallel` is false), so that
    ``M @ x`` pushes values one hop forward. When accelerators do not forward, their outgoing
    arcs leave from a copy ``n + a`` of accelerator ``a`` and ``a`` itself is a sink: a path
    starts at ``a + offset`` and may end at any accelerator, but never crosses one.
    """
    from scipy.sparse import csr_array

    keep = np.isin(fabric.link_kind, kinds)
    u = fabric.link_u[keep].astype(np.int64)
    v = fabric.link_v[keep].astype(np.int64)
    tail = np.concatenate([u, v])
    head = np.concatenate([v, u])
    n, n_acc = fabric.n_nodes, fabric.n_accelerators
    offset = 0 if forward else n
    if not forward:
        tail = np.where(tail < n_acc, tail + n, tail)
    size = n + (0 if forward else n_acc)
    matrix = csr_array((np.ones(len(tail)), (head, tail)), shape=(size, size))
    matrix.sum_duplicates()
    if not parallel:
        matrix.data[:] = 1.0
    # 32-bit indices: the sparse-dense products run faster
    matrix = csr_array((matrix.data, matrix.indices.astype(np.int32),
                        matrix.indptr.astype(np.int32 if matrix.nnz < _INT32_MAX else np.int64)),
                       shape=matrix.shape)
    return matrix, offset


def _bfs(matrix, sources: np.ndarray, n_targets: int, *, count: bool
         ) -> Iterator[tuple[slice, np.ndarray, np.ndarray | None]]:
    """Breadth-first search from many sources at once, by sparse-dense products per layer.

    Yields, per chunk of sources, ``(columns, dist, paths)``: hop distances (-1 unreachable) and,
    when `count`, numbers of shortest paths (float64, exact below 2**53) to nodes
    ``0 .. n_targets - 1``, one column per source. The number of shortest paths to ``v`` at layer
    ``L`` is the sum of those to its predecessors at layer ``L - 1``: one product per layer.
    """
    size = matrix.shape[0]
    for start in range(0, len(sources), _CHUNK):
        src = sources[start:start + _CHUNK]
        cols = np.arange(len(src))
        frontier = np.zeros((size, len(src)))
        frontier[src, cols] = 1.0
        unvisited = np.ones((size, len(src)))
        unvisited[src, cols] = 0.0
        dist = np.full((n_targets, len(src)), -1, dtype=np.int32)
        paths = np.zeros((n_targets, len(src))) if count else None
        inside = src < n_targets
        dist[src[inside], cols[inside]] = 0
        if count:
            paths[src[inside], cols[inside]] = 1.0
        layer = 0
        while True:
            layer += 1
            reached = matrix @ frontier
            reached *= unvisited  # only first visits: shortest paths
            new = reached > 0
            if not new.any():
                break
            np.copyto(unvisited, 0.0, where=new)
            np.copyto(dist, layer, where=new[:n_targets])
            if count:
                paths += reached[:n_targets]
                frontier = reached
            else:
                frontier = new.astype(np.float64)
        yield slice(start, start + len(src)), dist, paths


def _catalogue_row(catalogue: str, name: str) -> Any:
    """Return row `name` of ``physics.<catalogue>()``, or raise a one-line error."""
    table_fn = getattr(physics, catalogue, None)
    if not callable(table_fn):
        raise UnknownNameError(f"no {catalogue} catalogue in infranet.physics; pass the figures "
                               "as keywords instead", element=f"{catalogue[:-1]} {name!r}")
    table = table_fn()
    if name not in table:
        raise UnknownNameError(f"unknown {catalogue[:-1]} {name!r}{did_you_mean(name, table)}; "
                               f"known: {', '.join(table)}")
    return table[name]


def _field(row: Any, *keys: str) -> float | None:
    """Return the first present, non-empty numeric field of a catalogue row (dict or object)."""
    for key in keys:
        value = row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)
        if value not in (None, ""):
            value = float(value)
            if math.isfinite(value):
                return value
    return None


def _switch_figures(switch: str | None, switch_hop_us: float | None,
                    switch_w: float | Mapping[Any, float] | None
                    ) -> tuple[float, float | Mapping[Any, float] | None]:
    """Resolve the scale-out hop latency and switch power from keywords or the catalogue."""
    if switch is None:
        return (SWITCH_HOP_US if switch_hop_us is None else float(switch_hop_us)), switch_w
    row = _catalogue_row("switches", switch)
    hop = _field(row, "hop_latency_us", "hop_us")
    power = _field(row, "power_w")
    return ((float(switch_hop_us) if switch_hop_us is not None else
             (hop if hop is not None else SWITCH_HOP_US)),
            switch_w if switch_w is not None else power)


def _cable_us(cable_m: float, cable_us_per_m: float | None) -> float:
    if cable_us_per_m is None:
        cable_us_per_m = physics.medium("smf").us_per_km / 1000.0  # 4.9 ns/m
    if cable_m < 0 or cable_us_per_m < 0:
        raise ValidationError(f"cable {cable_m} m at {cable_us_per_m} µs/m; expected >= 0",
                              field="cable_m")
    return float(cable_m) * float(cable_us_per_m)


def _node_hop_us(fabric: FabricGraph, forward: bool, *, switch_hop_us: float,
                 scale_up_hop_us: float, accelerator_hop_us: float) -> np.ndarray:
    """Latency of crossing each node: its switch hop, or the accelerator's when it routes."""
    tier = fabric.node_tier
    hop = np.where(tier == 0, scale_up_hop_us, switch_hop_us).astype(np.float64)
    hop[fabric.node_kind == ACCELERATOR] = accelerator_hop_us if forward else 0.0
    return hop


def _tier_pair(fabric: FabricGraph) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper tier of each link's two ends (accelerators are -1)."""
    tu = fabric.node_tier[fabric.link_u].astype(np.int64)
    tv = fabric.node_tier[fabric.link_v].astype(np.int64)
    return np.minimum(tu, tv), np.maximum(tu, tv)


def _uniform(values: np.ndarray) -> float | None:
    """The single value of `values`, or None when empty or not all equal."""
    if values.size == 0 or not np.allclose(values, values[0], rtol=1e-12, atol=0):
        return None
    return float(values[0])


def _ratio(value: Any) -> float:
    """Parse an oversubscription given as a number or ``"3:1"``."""
    if isinstance(value, str) and ":" in value:
        down, up = value.split(":", 1)
        return float(down) / float(up)
    return float(value)


# ---------------------------------------------------------------------------------------------
# bisection


def _default_split(fabric: FabricGraph) -> np.ndarray:
    """Side A of the design's natural split: the first half of accelerators in design order.

    The order is the torus coordinate along the longest dimension, else ``node_group``, then
    the index; with equal groups in even number this is the first half of the groups.
    """
    n = fabric.n_accelerators
    index = np.arange(n)
    key = None
    dims = fabric.params.get("dims") if fabric.kind == "torus" else None
    if dims is not None and math.prod(dims) == n:
        axis = int(np.argmax(dims))
        key = np.unravel_index(index, tuple(int(d) for d in dims))[axis]
    else:
        group = fabric.node_group[:n]
        if np.unique(group).size >= 2:
            key = group
    order = index if key is None else np.lexsort((index, key))
    side = np.zeros(n, dtype=bool)
    side[order[: n // 2]] = True
    return side


def _split_mask(fabric: FabricGraph, split: Any) -> np.ndarray:
    n = fabric.n_accelerators
    if split is None:
        return _default_split(fabric)
    split = np.asarray(split)
    if split.dtype == bool:
        if split.shape != (n,):
            raise ValidationError(f"a boolean split has one entry per accelerator ({n}), "
                                  f"not shape {split.shape}", field="split")
        side = split.copy()
    else:
        if split.size and (split.min() < 0 or split.max() >= n):
            raise ValidationError(f"split lists accelerator indices 0 .. {n - 1}; got "
                                  f"{int(split.min())} .. {int(split.max())}", field="split")
        side = np.zeros(n, dtype=bool)
        side[split.astype(np.int64)] = True
    if side.all() or not side.any():
        raise ValidationError("both sides of the split need accelerators", field="split")
    return side


def bisection_gbps(fabric: FabricGraph, *, split: Any = None,
                   include_scale_up: bool = True) -> float:
    """Return the bisection bandwidth in Gb/s (one direction): a minimum cut between two halves.

    A super-source feeds every accelerator of side A and every accelerator of side B drains to a
    super-sink; :func:`scipy.sparse.csgraph.maximum_flow` (Dinic) over the directed version of
    the links (each full-duplex link is two arcs of its capacity) gives the maximum flow from A
    to B, equal to the capacity of a minimum cut. The solver needs integer capacities that fit
    in 32 bits: capacities are counted in Mb/s (a coarser power of ten when a value would not
    fit), so results are exact to 1 Mb/s per link. The super arcs carry each accelerator's
    total link capacity, which no flow through it can exceed: as good as infinite, and in range.

    The bisection of a general graph is the minimum over all balanced splits, which is NP-hard.
    This is the cut of the design's natural split: the first half of the accelerators ordered by
    ``node_group`` (the first half of the pods or groups when they are equal and even in
    number), a torus along its longest dimension, else by index. It is the bisection for the
    symmetric designs (fat-tree, leaf-spine, torus, dragonfly with an even number of groups); for
    others (Jellyfish) it is an upper bound.

    Parameters
    ----------
    fabric : FabricGraph
    split : array of bool (one per accelerator, True = side A) or of accelerator indices, optional
        Side A; the design's natural split by default. Any split is allowed (a cut, then).
    include_scale_up : bool
        Count scale-up links too (default); scale-up domains inside one half change nothing.

    Returns
    -------
    float
        Gb/s per direction.

    Examples
    --------
    Two pairs of accelerators on two switches joined by one 100 Gb/s link:

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, -1, -1, 1, 1], np.int8), np.array([0, 0, 1, 1, 0, 1], np.int32),
    ...     np.array([0, 1, 2, 3, 4], np.int32), np.array([4, 4, 5, 5, 5], np.int32),
    ...     np.zeros(5, np.int8), np.array([400.0, 400, 400, 400, 100]))
    >>> bisection_gbps(f)
    100.0
    """
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    _check(fabric)
    side = _split_mask(fabric, split)
    n, n_acc = fabric.n_nodes, fabric.n_accelerators
    keep = np.isin(fabric.link_kind, _kinds(include_scale_up))
    u = fabric.link_u[keep].astype(np.int64)
    v = fabric.link_v[keep].astype(np.int64)
    mbps = fabric.link_gbps[keep] * 1000.0
    # each accelerator's total link capacity: the super arcs' "infinite" capacity
    attached = np.bincount(np.concatenate([u, v]), weights=np.concatenate([mbps, mbps]),
                           minlength=n)[:n_acc]
    source, sink = n, n + 1
    a_side, b_side = np.flatnonzero(side), np.flatnonzero(~side)
    tail = np.concatenate([u, v, np.full(a_side.size, source), b_side])
    head = np.concatenate([v, u, a_side, np.full(b_side.size, sink)])
    value = np.concatenate([mbps, mbps, attached[a_side], attached[b_side]])
    matrix = csr_array((value, (tail, head)), shape=(n + 2, n + 2))
    matrix.sum_duplicates()  # parallel links add up
    unit_mbps = 1.0
    while matrix.data.max(initial=0.0) / unit_mbps > _INT32_MAX:
        unit_mbps *= 10.0
    matrix.data = np.round(matrix.data / unit_mbps)
    matrix = csr_array((matrix.data.astype(np.int32), matrix.indices, matrix.indptr),
                       shape=matrix.shape)
    flow = maximum_flow(matrix, source, sink, method="dinic")
    return float(flow.flow_value) * unit_mbps / 1000.0


def bisection_closed_form(fabric: FabricGraph) -> float | None:
    """Return the design's bisection bandwidth in Gb/s (one direction) in closed form, or None.

    From the generator's parameters (``fabric.kind``, ``fabric.params``) and its link rates,
    which must be uniform within each layer:

    - ``fat_tree``: k³/4 hosts, full bisection: k³/8 × host link rate (Al-Fares et al. 2008);
    - ``leaf_spine``: hosts/2 × host link rate / oversubscription (below 1:1 the hosts' own
      links bound it: hosts/2 × rate);
    - ``torus``: cut across the longest dimension d (even, d >= 4, with wrap-around):
      2 × (product of the other dimensions) × link rate;
    - ``dragonfly`` with a >= 2h (a routers per group, h global links each: balanced or richer
      in local links), g groups joined all-to-all by m global links per pair: g even,
      (g/2)² × m × global rate; g = a·h + 1 odd and a even, ((g-1)/2)² × global rate plus
      the cheapest cut of the middle group, whose hosts are split (its first a/2 routers link
      to the lower groups in the consecutive arrangement, the others to the upper ones: the
      best j routers on side A cost j(a-j) local links + |j-a/2|·(p host + h global links));
      at most hosts/2 × host rate;
    - ``nvswitch``: n/2 × each accelerator's scale-up capacity (one crossbar stage);
    - otherwise (Jellyfish, odd cases, non-uniform rates) None.

    Examples
    --------
    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("torus", {"dims": (4, 4)}, np.zeros(16, np.int8),
    ...     -np.ones(16, np.int8), -np.ones(16, np.int32), np.array([0], np.int32),
    ...     np.array([1], np.int32), np.zeros(1, np.int8), np.array([100.0]))
    >>> bisection_closed_form(f)  # 2 x 4 links of 100 Gb/s
    800.0
    """
    kind, params = fabric.kind, fabric.params
    n_acc = fabric.n_accelerators
    lo, hi = _tier_pair(fabric)
    cap = fabric.link_gbps
    host = (lo == -1) & (hi >= 1) & (fabric.link_kind == SCALE_OUT)
    host_rate = _uniform(cap[host])
    if kind == "fat_tree" and "k" in params:
        k = int(params["k"])
        if host_rate is None or _uniform(cap[fabric.link_kind == SCALE_OUT]) is None:
            return None
        return k**3 / 8 * host_rate
    if kind == "leaf_spine":
        up = (lo == 1) & (hi == 2)
        uplink_rate = _uniform(cap[up])
        if host_rate is None or uplink_rate is None:
            return None
        # as built: the generator rounds host ports down, so use its port split
        leaf_ends = np.concatenate([fabric.link_u[host], fabric.link_v[host]])
        down_ports = np.bincount(leaf_ends[fabric.node_tier[leaf_ends] == 1]).max()
        up_ends = np.concatenate([fabric.link_u[up], fabric.link_v[up]])
        up_ports = np.bincount(up_ends[fabric.node_tier[up_ends] == 1]).max()
        ratio = down_ports * host_rate / (up_ports * uplink_rate)
        return n_acc / 2 * host_rate / max(ratio, 1.0)
    if kind == "rail_optimized" and {"servers_per_su", "nic_gbps"} <= params.keys():
        down = int(params["servers_per_su"])
        up = math.ceil(down / float(params.get("spine_oversubscription", 1.0)) - 1e-9)
        return n_acc / 2 * float(params["nic_gbps"]) * min(1.0, up / down)
    if kind == "torus" and "dims" in params:
        dims = [int(d) for d in params["dims"]]
        longest = max(dims)
        rate = _uniform(cap[(lo == -1) & (hi == -1)])
        if rate is None or longest % 2:
            return None
        # a ring of 2 is one link, not two
        return (2 if longest > 2 else 1) * math.prod(dims) / longest * rate
    if kind == "dragonfly":
        return _dragonfly_closed_form(fabric, host_rate)
    if kind == "nvswitch":
        up = fabric.link_kind == SCALE_UP
        per_acc = np.bincount(np.concatenate([fabric.link_u[up], fabric.link_v[up]]),
                              weights=np.concatenate([cap[up], cap[up]]),
                              minlength=fabric.n_nodes)[:n_acc]
        rate = _uniform(per_acc)
        return None if rate is None or rate == 0 else n_acc / 2 * rate
    return None


def _dragonfly_closed_form(fabric: FabricGraph, host_rate: float | None) -> float | None:
    params = fabric.params
    if host_rate is None or not {"a", "p", "h"} <= params.keys():
        return None
    a, p, h = int(params["a"]), int(params["p"]), int(params["h"])
    g = int(params.get("groups") or a * h + 1)
    routers = fabric.node_tier == 1
    both = routers[fabric.link_u] & routers[fabric.link_v]
    glob = both & (fabric.node_group[fabric.link_u] != fabric.node_group[fabric.link_v])
    local = both & ~glob
    g_rate, l_rate = _uniform(fabric.link_gbps[glob]), _uniform(fabric.link_gbps[local])
    if g < 2 or g_rate is None or a < 2 * h:
        return None  # not balanced (a >= 2h): the cut may run through a group's own links
    parallel = (a * h) // (g - 1)  # global links per pair of groups
    if g % 2 == 0:
        cut = (g // 2) ** 2 * parallel * g_rate
    elif g == a * h + 1 and a % 2 == 0 and l_rate is not None:
        # the middle group is split between its first and last a/2 routers: in the consecutive
        # arrangement the first half link to the lower groups, the last half to the upper ones
        m = g // 2
        j = np.arange(a + 1)  # routers of the middle group on side A, its first j
        middle = j * (a - j) * l_rate + np.abs(j - a // 2) * (p * host_rate + h * g_rate)
        cut = m * m * g_rate + float(middle.min())
    else:
        return None
    return min(cut, a * p * g / 2 * host_rate)


# ---------------------------------------------------------------------------------------------
# hops and latency


def _sources(fabric: FabricGraph, *, exact_below: int, samples: int, seed: int
             ) -> tuple[np.ndarray, bool]:
    """Accelerators to search from: all of them, or one per group plus random ones."""
    n = fabric.n_accelerators
    if n <= exact_below:
        return np.arange(n), True
    group = fabric.node_group[:n]
    _, first = np.unique(group, return_index=True)
    rng = np.random.default_rng(seed)
    extra = rng.choice(n, size=min(samples, n), replace=False)
    return np.unique(np.concatenate([first, extra])), False


def hop_stats(fabric: FabricGraph, *, include_scale_up: bool = True,
              accelerators_forward: bool | None = None, exact_below: int = 2048,
              samples: int = 8, seed: int = 0, switch: str | None = None,
              switch_hop_us: float | None = None, scale_up_hop_us: float = SCALE_UP_HOP_US,
              accelerator_hop_us: float = ACCELERATOR_HOP_US, cable_m: float = CABLE_M,
              cable_us_per_m: float | None = None) -> dict[str, Any]:
    """Return the diameter (hops and µs) and average path length (hops) between accelerators.

    Hops count links on a shortest path between two accelerators (host-edge-agg-core-agg-edge-
    host is 6). Breadth-first search runs from a set of source accelerators over all targets:
    every accelerator when there are at most `exact_below` (exact), else the first accelerator
    of each ``node_group`` plus `samples` random ones drawn with `seed`. The sampled figures are
    exact for vertex-transitive designs (fat-tree, torus, dragonfly, leaf-spine: every
    accelerator sees the same distances); otherwise the diameter is a lower bound and the
    average an estimate.

    The diameter in µs is the largest, over the same pairs, of the lowest latency of a path:
    the hop latency of each switch crossed (``switch_hop_us`` for tiers 1-3, ``scale_up_hop_us``
    for tier 0; ``accelerator_hop_us`` for accelerators that route, in a torus) plus
    ``cable_m`` × ``cable_us_per_m`` per link. With one hop latency throughout, that is
    switches traversed × hop latency + links × cable propagation, on the longest shortest path.

    Parameters
    ----------
    fabric : FabricGraph
    include_scale_up : bool
        Use scale-up links too (default); False measures the scale-out network alone.
    accelerators_forward : bool, optional
        Whether paths may cross accelerators; by default only in direct networks (no switches).
    exact_below : int
        Search from every accelerator up to this many.
    samples, seed : int
        Random extra sources when sampling, and their seed.
    switch : str, optional
        A switch of the ``physics.switches()`` catalogue for the scale-out hop latency.
    switch_hop_us : float, optional
        Scale-out switch hop, µs; 0.25 (InfiniBand 0.15-0.35 µs, FIGURES.md) by default.
    scale_up_hop_us : float
        NVLink-switch hop, µs (not published; 0.25 assumed).
    accelerator_hop_us : float
        Hop through a routing accelerator, µs (TPU ICI about 1 µs).
    cable_m : float
        Cable length per link, m (10 m assumed; 0 leaves propagation out).
    cable_us_per_m : float, optional
        Propagation per m; single-mode fiber (4.9 ns/m, media catalogue) by default.

    Returns
    -------
    dict
        ``diameter_hops``, ``average_hops``, ``diameter_us``, ``sources`` (how many searched
        from), ``exact`` (every accelerator was a source), ``pairs`` (source-target pairs).

    Examples
    --------
    Four accelerators on one switch: 2 hops, one switch crossed and two 10 m cables:

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 0, 0, 1], np.int8),
    ...     np.array([-1, -1, -1, -1, 1], np.int8), np.zeros(5, np.int32),
    ...     np.arange(4, dtype=np.int32), np.full(4, 4, np.int32), np.zeros(4, np.int8),
    ...     np.full(4, 400.0))
    >>> s = hop_stats(f)
    >>> s["diameter_hops"], s["average_hops"], round(s["diameter_us"], 4)
    (2, 2.0, 0.3479)
    """
    from scipy.sparse.csgraph import dijkstra

    _check(fabric)
    n_acc = fabric.n_accelerators
    if n_acc < 2:
        raise ValidationError("hop statistics need at least two accelerators",
                              element=f"fabric {fabric.kind!r}")
    forward = _forwarding(fabric, accelerators_forward)
    hop_us, _ = _switch_figures(switch, switch_hop_us, None)
    matrix, offset = _transit(fabric, _kinds(include_scale_up), forward)
    sources, exact = _sources(fabric, exact_below=exact_below, samples=samples, seed=seed)
    diameter, total, pairs = 0, 0.0, 0
    for cols, dist, _ in _bfs(matrix, sources + offset, n_acc, count=False):
        dist = dist.copy()
        src = sources[cols]
        dist[src, np.arange(len(src))] = 0  # a source to itself is no pair
        unreachable = dist < 0
        unreachable[src, np.arange(len(src))] = False
        if unreachable.any():
            t, s = np.argwhere(unreachable)[0]
            raise InfranetError(
                f"accelerator {int(t)} is unreachable from accelerator {int(src[s])} over "
                f"{'all' if include_scale_up else 'scale-out'} links; "
                + ("include scale-up links" if not include_scale_up else "the fabric is split"),
                element=f"fabric {fabric.kind!r}")
        diameter = max(diameter, int(dist.max()))
        total += float(dist.sum())
        pairs += dist.size - len(src)
    # lowest latency: arc u -> v costs the hop of v plus the cable; a target's own hop is not paid
    node_us = _node_hop_us(fabric, forward, switch_hop_us=hop_us,
                           scale_up_hop_us=scale_up_hop_us, accelerator_hop_us=accelerator_hop_us)
    cable_us = _cable_us(cable_m, cable_us_per_m)
    transit = fabric.node_kind == SWITCH if not forward else np.ones(fabric.n_nodes, bool)
    transit &= np.bincount(matrix.indices, minlength=matrix.shape[0])[:fabric.n_nodes] > 0
    crossed = node_us[transit]
    if crossed.size == 0 or np.ptp(crossed) == 0:
        # one hop latency for every node a path can cross: the fewest hops are the fastest
        hop = float(crossed[0]) if crossed.size else 0.0
        diameter_us = (diameter - 1) * hop + diameter * cable_us
    else:
        weighted = matrix.T.tocsr()  # back to rows = tails
        weighted.data = node_us[weighted.indices] + cable_us
        diameter_us = 0.0
        for start in range(0, len(sources), 4 * _CHUNK):
            src = sources[start:start + 4 * _CHUNK]
            lat = dijkstra(weighted, directed=True, indices=src + offset)[:, :n_acc]
            lat -= node_us[:n_acc][None, :]
            lat[np.arange(len(src)), src] = 0.0
            diameter_us = max(diameter_us, float(lat.max()))
    return {"diameter_hops": diameter, "average_hops": total / pairs,
            "diameter_us": diameter_us, "sources": len(sources), "exact": exact,
            "pairs": int(pairs)}


# ---------------------------------------------------------------------------------------------
# equal-cost paths


def _sample_pairs(group: np.ndarray, count: int, rng: np.random.Generator, *, same: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """`count` random ordered pairs of distinct accelerators in the same or in different groups."""
    n = group.size
    if same:
        order = np.argsort(group, kind="stable")
        ordered = group[order]
        start = np.searchsorted(ordered, ordered, side="left")
        size = np.searchsorted(ordered, ordered, side="right") - start
        eligible = np.flatnonzero(size >= 2)
        if eligible.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        s_pos = rng.choice(eligible, size=count)
        t_pos = start[s_pos] + rng.integers(0, size[s_pos] - 1)
        t_pos += t_pos >= s_pos  # skip the source itself
        return order[s_pos], order[t_pos]
    found_s, found_t, have = [], [], 0
    for _ in range(50):
        s = rng.integers(0, n, size=4 * count)
        t = rng.integers(0, n, size=4 * count)
        ok = group[s] != group[t]
        found_s.append(s[ok])
        found_t.append(t[ok])
        have += int(ok.sum())
        if have >= count:
            break
    return np.concatenate(found_s)[:count], np.concatenate(found_t)[:count]


def _path_counts(fabric: FabricGraph, s: np.ndarray, t: np.ndarray, *, include_scale_up: bool,
                 forward: bool, parallel: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of shortest paths and their hops for pairs ``(s[i], t[i])``."""
    matrix, offset = _transit(fabric, _kinds(include_scale_up), forward, parallel=parallel)
    sources, where = np.unique(s, return_inverse=True)
    counts = np.zeros(len(s))
    hops = np.zeros(len(s), dtype=np.int64)
    for cols, dist, paths in _bfs(matrix, sources + offset, fabric.n_accelerators, count=True):
        pick = (where >= cols.start) & (where < cols.stop)
        col = where[pick] - cols.start
        counts[pick] = paths[t[pick], col]
        hops[pick] = dist[t[pick], col]
    return counts, hops


def _summarise(counts: np.ndarray, hops: np.ndarray) -> dict[str, Any]:
    if counts.size == 0:
        return {"pairs": 0, "min": None, "mean": None, "max": None, "hops_mean": None}
    return {"pairs": int(counts.size), "min": _number(counts.min()),
            "mean": float(counts.mean()), "max": _number(counts.max()),
            "hops_mean": float(hops.mean())}


def _number(value: float) -> int | float:
    """An exact count as int; beyond 2**53 (float64's integers) a float."""
    return int(value) if value < 2**53 else float(value)


def ecmp_paths(fabric: FabricGraph, *, pairs: int | Any = 64, seed: int = 0,
               include_scale_up: bool = True, accelerators_forward: bool | None = None,
               count_parallel_links: bool = False) -> dict[str, Any]:
    """Return the numbers of equal-cost shortest paths between accelerators (min/mean/max).

    Paths are counted by dynamic programming over breadth-first layers: the number of shortest
    paths to a node is the sum over its predecessors one layer closer; one sparse matrix
    product per layer does it for a batch of sources. Parallel links between the same two nodes
    count once unless `count_parallel_links` (then each is a separate ECMP next hop).

    Parameters
    ----------
    fabric : FabricGraph
    pairs : int or array of shape (m, 2)
        Pairs sampled per category (`seed`): ``different_group`` (two accelerators in different
        ``node_group``, e.g. pods) and ``same_group``; for a fabric with one group, ``any``.
        Or explicit ``(source, target)`` accelerator pairs: category ``given`` with ``counts``.
    seed : int
    include_scale_up, accelerators_forward
        As in :func:`hop_stats`.
    count_parallel_links : bool

    Returns
    -------
    dict
        Per category: ``pairs``, ``min``, ``mean``, ``max`` (paths), ``hops_mean``.

    Examples
    --------
    Two accelerators on two leaves joined by two spines: 2 paths of 4 hops.

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 1, 2, 2], np.int8), np.array([0, 1, 0, 1, -1, -1], np.int32),
    ...     np.array([0, 1, 2, 2, 3, 3], np.int32), np.array([2, 3, 4, 5, 4, 5], np.int32),
    ...     np.zeros(6, np.int8), np.full(6, 400.0))
    >>> ecmp_paths(f, pairs=[(0, 1)])["given"]["counts"]
    [2]
    """
    _check(fabric)
    n_acc = fabric.n_accelerators
    forward = _forwarding(fabric, accelerators_forward)
    options = {"include_scale_up": include_scale_up, "forward": forward,
               "parallel": count_parallel_links}
    if not isinstance(pairs, (int, np.integer)):
        given = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if given.size and (given.min() < 0 or given.max() >= n_acc):
            raise ValidationError(f"pairs are accelerator indices 0 .. {n_acc - 1}",
                                  field="pairs")
        counts, hops = _path_counts(fabric, given[:, 0], given[:, 1], **options)
        summary = _summarise(counts, hops)
        summary["counts"] = [_number(c) for c in counts]
        return {"given": summary}
    if pairs < 1:
        raise ValidationError(f"pairs must be at least 1, got {pairs}", field="pairs")
    rng = np.random.default_rng(seed)
    group = fabric.node_group[:n_acc]
    result = {}
    if np.unique(group).size >= 2:
        categories = {"different_group": False, "same_group": True}
    else:
        categories = {"any": None}
    sampled = []
    for same in categories.values():
        if same is None:
            s = rng.integers(0, n_acc, size=pairs)
            t = (s + rng.integers(1, n_acc, size=pairs)) % n_acc
        else:
            s, t = _sample_pairs(group, pairs, rng, same=same)
        sampled.append((s, t))
    # one search for all categories: they share sources' columns
    s_all = np.concatenate([s for s, _ in sampled])
    t_all = np.concatenate([t for _, t in sampled])
    counts, hops = _path_counts(fabric, s_all, t_all, **options)
    if counts.size and counts.min() == 0:
        i = int(np.argmin(counts))
        raise InfranetError(f"accelerator {int(t_all[i])} is unreachable from accelerator "
                            f"{int(s_all[i])}", element=f"fabric {fabric.kind!r}")
    start = 0
    for name, (s, _) in zip(categories, sampled, strict=True):
        part = slice(start, start + s.size)
        result[name] = _summarise(counts[part], hops[part])
        start += s.size
    return result


# ---------------------------------------------------------------------------------------------
# bill of materials and tiers


def _rate_label(gbps: float) -> str:
    """``400G``, ``800G``, ``1.6T``."""
    return f"{gbps / 1000:g}T" if gbps >= 1000 else f"{gbps:g}G"


def _link_types(fabric: FabricGraph) -> np.ndarray:
    """A name per link: ``scale_up`` or the tier pair of a scale-out link, e.g. ``leaf-spine``."""
    lo, hi = _tier_pair(fabric)
    names = np.array([TIER_NAMES.get(t, f"tier{t}") for t in range(-1, 4)])
    label = np.char.add(np.char.add(names[np.clip(lo, -1, 3) + 1], "-"),
                        names[np.clip(hi, -1, 3) + 1])
    return np.where(fabric.link_kind == SCALE_UP, "scale_up", label)


def _per_tier(value: float | Mapping[Any, float] | None, tier: int, default: float) -> float:
    """A per-tier figure from a number, a mapping by tier index or name, or the default."""
    if value is None:
        return default
    if isinstance(value, Mapping):
        for key in (tier, TIER_NAMES.get(tier)):
            if key in value:
                return float(value[key])
        return default
    return float(value)


def _default_switch_w(fabric: FabricGraph, tier: int) -> float:
    """15 W per Tb/s of bidirectional capacity: radix × the fastest port rate at that tier."""
    if tier == 0:
        return 0.0  # NVLink switches: not published
    mask = fabric.node_tier == tier
    ends = np.concatenate([fabric.link_u, fabric.link_v])
    rates = np.concatenate([fabric.link_gbps, fabric.link_gbps])
    at_tier = mask[ends]
    if not at_tier.any():
        return 0.0
    radix = fabric.switch_radix.get(tier)
    if radix is None:
        radix = int(np.bincount(ends[at_tier], minlength=fabric.n_nodes).max())
    return SWITCH_W_PER_TBPS * 2 * radix * float(rates[at_tier].max()) / 1000.0


def _accelerator_w(accelerator: str | None, accelerator_w: float | None) -> float | None:
    if accelerator_w is not None:
        return float(accelerator_w)
    if accelerator is None:
        return None
    table = physics.accelerators()
    if accelerator not in table:
        raise UnknownNameError(f"unknown accelerator {accelerator!r}"
                               f"{did_you_mean(accelerator, table)}; known: {', '.join(table)}")
    value = table[accelerator].get("power_w")
    if value in (None, ""):
        raise ValidationError("no power figure in the accelerator catalogue; pass accelerator_w",
                              element=f"accelerator {accelerator!r}", field="power_w")
    return float(value)


def bill_of_materials(fabric: FabricGraph, *, accelerator: str | None = None,
                      accelerator_w: float | None = None, copper_host_links: bool = False,
                      switch: str | None = None,
                      switch_w: float | Mapping[Any, float] | None = None, optic: str | None = None,
                      transceiver_w: float | Mapping[float, float] | None = None
                      ) -> dict[str, Any]:
    """Return the bill of materials: counts of accelerators, switches, links, optics; power in kW.

    - links by type: ``scale_up`` (NVLink, copper) and each scale-out tier pair
      (``accelerator-leaf``, ``leaf-spine``, ``spine-core``, ``leaf-leaf`` in a dragonfly, ...);
    - transceivers by rate (``400G``, ...): two optical modules per scale-out link between
      switches; two per accelerator link (NIC side and switch side) unless `copper_host_links`;
      none on scale-up links;
    - power: accelerators × their power + switches × switch power + transceivers × module power.

    Parameters
    ----------
    fabric : FabricGraph
    accelerator : str, optional
        Name in ``physics.accelerators()``; its ``power_w`` counts each accelerator.
    accelerator_w : float, optional
        Power per accelerator, W, instead of the catalogue. With neither, accelerators count 0 W.
    copper_host_links : bool
        Accelerator links are copper (DAC): no transceivers.
    switch : str, optional
        A switch of ``physics.switches()`` whose ``power_w`` counts each scale-out switch.
    switch_w : float or mapping of tier (index or name) to W, optional
        Power per switch without optics; by default 15 W per Tb/s of bidirectional port capacity
        (an assumption, as in the switch catalogue: 768 W for 64 × 400 Gb/s) and 0 W for NVLink
        switches (not published).
    optic : str, optional
        A module of ``physics.optics()`` (e.g. ``400G-DR4``) whose ``power_w`` counts each
        transceiver.
    transceiver_w : float or mapping of rate (Gb/s) to W, optional
        Power per module; by default 0.025 W per Gb/s (10 W at 400 Gb/s; 400G modules are
        specified at 8-12 W).

    Returns
    -------
    dict
        ``accelerators``, ``switches``, ``switches_per_tier``, ``links``, ``links_by_type``,
        ``transceivers`` (by rate), ``transceivers_total``, ``power_kw``, ``power_kw_by_part``
        and the per-unit figures used in ``unit_power_w``.

    Examples
    --------
    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> bom = bill_of_materials(f, accelerator="H100", switch_w=1000.0)
    >>> bom["links_by_type"], bom["transceivers"], bom["power_kw"]
    ({'accelerator-leaf': 2, 'leaf-spine': 1}, {'400G': 6}, 3.46)
    """
    _check(fabric)
    n_acc = fabric.n_accelerators
    per_acc_w = _accelerator_w(accelerator, accelerator_w)
    if switch is not None:
        _, catalogue_w = _switch_figures(switch, None, None)
        if switch_w is None and catalogue_w is not None:
            switch_w = {t: catalogue_w for t in (1, 2, 3)}
    if optic is not None and transceiver_w is None:
        transceiver_w = _field(_catalogue_row("optics", optic), "power_w")
    types = _link_types(fabric)
    names, counts = np.unique(types, return_counts=True)
    links_by_type = {str(k): int(c) for k, c in zip(names, counts, strict=True)}
    lo, _ = _tier_pair(fabric)
    optical = fabric.link_kind == SCALE_OUT
    if copper_host_links:
        optical &= lo >= 0
    rates, modules = np.unique(fabric.link_gbps[optical], return_counts=True)
    transceivers = {_rate_label(r): 2 * int(c) for r, c in zip(rates, modules, strict=True)}
    module_w = {}
    for r in rates:
        if isinstance(transceiver_w, Mapping):
            w = transceiver_w.get(float(r), transceiver_w.get(int(r), None))
            module_w[_rate_label(r)] = (float(w) if w is not None
                                        else TRANSCEIVER_W_PER_GBPS * float(r))
        elif transceiver_w is not None:
            module_w[_rate_label(r)] = float(transceiver_w)
        else:
            module_w[_rate_label(r)] = TRANSCEIVER_W_PER_GBPS * float(r)
    per_tier = fabric.switches_per_tier
    unit_switch_w = {TIER_NAMES.get(t, f"tier{t}"):
                     _per_tier(switch_w, t, _default_switch_w(fabric, t)) for t in per_tier}
    switches_kw = sum(per_tier[t] * unit_switch_w[TIER_NAMES.get(t, f"tier{t}")]
                      for t in per_tier) / 1000.0
    optics_kw = sum(transceivers[k] * module_w[k] for k in transceivers) / 1000.0
    accelerators_kw = n_acc * (per_acc_w or 0.0) / 1000.0
    return {
        "accelerators": n_acc,
        "accelerator": accelerator,
        "switches": int(sum(per_tier.values())),
        "switches_per_tier": {TIER_NAMES.get(t, f"tier{t}"): c for t, c in per_tier.items()},
        "switch_radix": {TIER_NAMES.get(t, f"tier{t}"): int(r)
                         for t, r in fabric.switch_radix.items()},
        "links": fabric.n_links,
        "links_by_type": links_by_type,
        "transceivers": transceivers,
        "transceivers_total": int(sum(transceivers.values())),
        "power_kw": accelerators_kw + switches_kw + optics_kw,
        "power_kw_by_part": {"accelerators": accelerators_kw, "switches": switches_kw,
                             "transceivers": optics_kw},
        "unit_power_w": {"accelerator": per_acc_w, "switch": unit_switch_w,
                         "transceiver": module_w},
    }


def tier_summary(fabric: FabricGraph, *, switch: str | None = None,
                 switch_hop_us: float | None = None, scale_up_hop_us: float = SCALE_UP_HOP_US,
                 accelerator_hop_us: float = ACCELERATOR_HOP_US) -> list[dict[str, Any]]:
    """Return one row per switch tier, bottom up: switches, links, Gb/s per accelerator, ratios.

    Per tier (``scale_up``, ``leaf``, ``spine``, ``core``; ``direct`` for accelerator-to-
    accelerator links, as in a torus):

    - ``switches``, ``radix`` (from the design), ``links_down`` (to lower tiers and
      accelerators), ``links_up``, ``links_lateral`` (same tier: dragonfly local and global);
    - ``down_gbps``, ``up_gbps``: capacity per direction into the tier from below and out of
      it upwards;
    - ``gbps_per_accelerator``: what each accelerator can push through the tier when all do
      at once, per direction: ``down_gbps`` over the accelerators attached to that network
      (scale-up or scale-out), capped by the tiers below (the NIC rate at the leaves, leaf
      uplinks over the accelerators at the spines; a partly filled pod adds no bandwidth);
    - ``oversubscription``: ``down_gbps / up_gbps`` of the tier's switches (None at the top);
      ``oversubscription_below``: first tier's Gb/s per accelerator over this tier's (the
      cumulative ratio, as in ``infranet.fabrics.spec.summary``);
    - ``hop_us``: latency of one switch of the tier.

    Examples
    --------
    A 2:1 leaf: two 400 Gb/s accelerators, one 400 Gb/s uplink.

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> [(r["tier"], r["gbps_per_accelerator"], r["oversubscription"]) for r in tier_summary(f)]
    [('leaf', 400.0, 2.0), ('spine', 200.0, None)]
    """
    _check(fabric)
    hop_us, _ = _switch_figures(switch, switch_hop_us, None)
    n_acc = fabric.n_accelerators
    tier_u = fabric.node_tier[fabric.link_u].astype(np.int64)
    tier_v = fabric.node_tier[fabric.link_v].astype(np.int64)
    cap = fabric.link_gbps
    rows: list[dict[str, Any]] = []
    base: dict[int, float] = {}  # first tier's Gb/s per accelerator, per network kind
    direct = (tier_u == -1) & (tier_v == -1)
    if direct.any():
        attached = np.unique(np.concatenate([fabric.link_u[direct], fabric.link_v[direct]]))
        rows.append({
            "tier": "direct", "switches": 0, "radix": None,
            "links_down": 0, "links_up": 0, "links_lateral": int(direct.sum()),
            "down_gbps": 0.0, "up_gbps": 0.0,
            "gbps_per_accelerator": 2 * float(cap[direct].sum()) / attached.size,
            "accelerators": int(attached.size), "oversubscription": None,
            "oversubscription_below": 1.0, "hop_us": accelerator_hop_us})
    reach: dict[int, float] = {}
    for tier in sorted(fabric.switches_per_tier):
        down = ((tier_u == tier) & (tier_v < tier)) | ((tier_v == tier) & (tier_u < tier))
        up = ((tier_u == tier) & (tier_v > tier)) | ((tier_v == tier) & (tier_u > tier))
        lateral = (tier_u == tier) & (tier_v == tier)
        network = SCALE_UP if tier == 0 else SCALE_OUT
        in_network = fabric.link_kind == network
        attached = np.unique(np.concatenate([fabric.link_u[in_network],
                                             fabric.link_v[in_network]]))
        accs = int(np.count_nonzero(attached < n_acc))
        down_gbps, up_gbps = float(cap[down].sum()), float(cap[up].sum())
        per_acc = down_gbps / accs if accs else None
        if per_acc and network not in base:
            base[network] = per_acc
        if per_acc and network in reach:
            # an accelerator pushes no more than the narrowest tier on its way up
            per_acc = min(per_acc, reach[network])
        if per_acc:
            reach[network] = per_acc
        rows.append({
            "tier": TIER_NAMES.get(tier, f"tier{tier}"),
            "switches": fabric.switches_per_tier[tier],
            "radix": fabric.switch_radix.get(tier),
            "links_down": int(down.sum()), "links_up": int(up.sum()),
            "links_lateral": int(lateral.sum()),
            "down_gbps": down_gbps, "up_gbps": up_gbps,
            "gbps_per_accelerator": per_acc, "accelerators": accs,
            "oversubscription": down_gbps / up_gbps if up_gbps > 0 else None,
            "oversubscription_below": (base[network] / per_acc
                                       if per_acc and network in base else None),
            "hop_us": scale_up_hop_us if tier == 0 else hop_us,
        })
    return rows


# ---------------------------------------------------------------------------------------------
# report


_PARTS = ("bisection_gbps", "hop_stats", "ecmp_paths", "bill_of_materials", "tier_summary")


def report(fabric: FabricGraph, **options: Any) -> dict[str, Any]:
    """Return every analytic of a fabric in one JSON-able dict (Gb/s, hops, µs, kW).

    Each option goes to every function above that takes it (``include_scale_up``, ``seed``,
    ``accelerator``, ``switch_hop_us``, ``cable_m``, ``pairs``, ...); an unknown option is an
    error.

    Returns
    -------
    dict
        ``kind``, ``params``, ``accelerators``, ``switches``, ``switches_per_tier``, ``links``,
        ``links_by_type``, ``bisection_gbps``, ``bisection_closed_form_gbps``,
        ``bisection_gbps_per_accelerator``, ``diameter_hops``, ``diameter_us``, ``average_hops``,
        ``hop_stats``, ``ecmp_paths``, ``power_kw``, ``power_kw_by_part``, ``transceivers``,
        ``tiers`` (:func:`tier_summary`), ``bill_of_materials``.

    Examples
    --------
    >>> import json
    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> r = report(f, cable_m=0)
    >>> r["bisection_gbps"], r["diameter_hops"], r["diameter_us"], r["switches"]
    (400.0, 2, 0.25, 2)
    >>> len(json.dumps(r)) > 0
    True
    """
    functions = {name: globals()[name] for name in _PARTS}
    accepted = {name: set(list(inspect.signature(fn).parameters)[1:])
                for name, fn in functions.items()}
    known = set().union(*accepted.values())
    for key in options:
        if key not in known:
            raise ValidationError(f"unknown option {key!r}{did_you_mean(key, known)}; known: "
                                  f"{', '.join(sorted(known))}", field=key)

    def call(name: str):
        return functions[name](fabric, **{k: v for k, v in options.items()
                                          if k in accepted[name]})

    bisection = call("bisection_gbps")
    hops = call("hop_stats")
    ecmp = call("ecmp_paths")
    bom = call("bill_of_materials")
    tiers = call("tier_summary")
    return {
        "kind": fabric.kind,
        "params": _jsonable(fabric.params),
        "accelerators": bom["accelerators"],
        "switches": bom["switches"],
        "switches_per_tier": bom["switches_per_tier"],
        "links": bom["links"],
        "links_by_type": bom["links_by_type"],
        "bisection_gbps": bisection,
        "bisection_closed_form_gbps": bisection_closed_form(fabric),
        "bisection_gbps_per_accelerator": bisection / (fabric.n_accelerators / 2),
        "diameter_hops": hops["diameter_hops"],
        "diameter_us": hops["diameter_us"],
        "average_hops": hops["average_hops"],
        "hop_stats": hops,
        "ecmp_paths": ecmp,
        "power_kw": bom["power_kw"],
        "power_kw_by_part": bom["power_kw_by_part"],
        "transceivers": bom["transceivers"],
        "tiers": tiers,
        "bill_of_materials": bom,
    }


def _jsonable(value: Any) -> Any:
    """Plain Python values for JSON: tuples and arrays as lists, numpy scalars as numbers."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
