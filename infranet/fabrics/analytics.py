"""Fabric analytics: bisection, hops and latency, equal-cost paths, bill of materials, tiers.

Free functions that read a :class:`~infranet.fabrics.graph.FabricGraph` and return frozen
results (the result protocol of :mod:`infranet.results`: ``to_dict()`` with the headline scalars
at the top, and a ``binding``). They never modify the fabric. Everything runs on arrays
(scipy.sparse, ``scipy.sparse.csgraph``), so a k=64 fat-tree (65,536 accelerators, 5,120 switches,
196,608 links) takes a few seconds for the whole :func:`report`.

Capacities are Gb/s per direction, latencies µs, power W in inputs and kW in totals. Hop,
cable and power figures default to the catalogue of named figures (:mod:`infranet.fabrics.hops`,
``infranet/data/figures.csv``), the same the closed-form summary and the expansion read.

Paths between accelerators. In a switched fabric accelerators are end points: a path never passes
*through* an accelerator (traffic relayed through a GPU, as NCCL's PXN does, is a software choice,
not a route of the network). In a direct network (a torus, no switches) every accelerator routes.
``accelerators_forward`` overrides that choice.
"""

from __future__ import annotations

import inspect
import logging
import math
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from infranet import physics
from infranet.errors import InfranetError, ValidationError, did_you_mean
from infranet.fabrics import designs, hops, power
from infranet.fabrics.graph import (
    ACCELERATOR,
    SCALE_OUT,
    SCALE_UP,
    SWITCH,
    TIER_NAMES,
    FabricGraph,
)
from infranet.results import Binding

__all__ = [
    "BillOfMaterials",
    "Bisection",
    "EcmpPaths",
    "FabricAnalysis",
    "HopStats",
    "TierSummary",
    "balanced_splits",
    "bill_of_materials",
    "bisection",
    "bisection_closed_form",
    "bisection_gbps",
    "ecmp_paths",
    "hop_stats",
    "report",
    "tier_summary",
]

logger = logging.getLogger(__name__)

_INT32_MAX = 2**31 - 1
_CHUNK = 32  # BFS sources per sparse-dense product: bounds memory to ~32 dense columns


def _frozen_map(value: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(value))


def _jsonable(value: Any) -> Any:
    """Plain Python values for JSON: tuples and arrays as lists, numpy scalars as numbers."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


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


_TRANSIT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _transit(fabric: FabricGraph, kinds: tuple[int, ...], forward: bool, *,
             parallel: bool = False):
    """Return ``(M, offset)``: the transposed arc matrix of the routing graph.

    ``M[v, u]`` is the number of arcs ``u -> v`` (1 when `parallel` is false), so that
    ``M @ x`` pushes values one hop forward. When accelerators do not forward, their outgoing
    arcs leave from a copy ``n + a`` of accelerator ``a`` and ``a`` itself is a sink: a path
    starts at ``a + offset`` and may end at any accelerator, but never crosses one. Kept while
    the fabric lives (a fabric is immutable), so the analytics of one report build it once.
    """
    cache = _TRANSIT.setdefault(fabric, {})
    key = (tuple(kinds), bool(forward), bool(parallel))
    if key not in cache:
        cache[key] = _build_transit(fabric, kinds, forward, parallel=parallel)
    return cache[key]


def _build_transit(fabric: FabricGraph, kinds: tuple[int, ...], forward: bool, *,
                   parallel: bool):
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
    # distances alone need no exact counts: single precision halves the memory traffic
    dtype = np.float64 if count else np.float32
    matrix = matrix.astype(dtype, copy=False)
    for start in range(0, len(sources), _CHUNK):
        src = sources[start:start + _CHUNK]
        cols = np.arange(len(src))
        frontier = np.zeros((size, len(src)), dtype=dtype)
        frontier[src, cols] = 1.0
        unvisited = np.ones((size, len(src)), dtype=dtype)
        unvisited[src, cols] = 0.0
        dist = np.full((n_targets, len(src)), -1, dtype=np.int32)
        paths = np.zeros((n_targets, len(src))) if count else None
        inside = src < n_targets
        dist[src[inside], cols[inside]] = 0
        if paths is not None:
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
            if paths is not None:
                paths += reached[:n_targets]
                frontier = reached
            else:
                frontier = new.astype(dtype)
        yield slice(start, start + len(src)), dist, paths


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
    in 32 bits: capacities are counted in kb/s (a coarser power of ten when a value would not
    fit), so results are exact to 1 kb/s per link. The super arcs carry each accelerator's
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
    unit_mbps = 1e-3  # kb/s
    while matrix.data.max(initial=0.0) / unit_mbps > _INT32_MAX:
        unit_mbps *= 10.0
    matrix.data = np.round(matrix.data / unit_mbps)
    matrix = csr_array((matrix.data.astype(np.int32), matrix.indices, matrix.indptr),
                       shape=matrix.shape)
    flow = maximum_flow(matrix, source, sink, method="dinic")
    return float(flow.flow_value) * unit_mbps / 1000.0


def _cuts_scale_up(fabric: FabricGraph, side: np.ndarray) -> bool:
    """Whether the split puts accelerators of one scale-up domain on both sides."""
    n_acc = fabric.n_accelerators
    up = fabric.link_kind == SCALE_UP
    u, v = fabric.link_u[up].astype(np.int64), fabric.link_v[up].astype(np.int64)
    acc_u, acc_v = u < n_acc, v < n_acc
    if np.any(acc_u & acc_v & (side[np.minimum(u, n_acc - 1)] != side[np.minimum(v, n_acc - 1)])):
        return True  # a direct scale-up link (a torus) crosses the split
    acc = np.where(acc_u, u, v)[acc_u ^ acc_v]
    switch = np.where(acc_u, v, u)[acc_u ^ acc_v]
    if acc.size == 0:
        return False
    on_a = np.bincount(switch, weights=side[acc], minlength=fabric.n_nodes)
    total = np.bincount(switch, minlength=fabric.n_nodes)
    return bool(np.any((on_a > 0) & (on_a < total)))


def bisection_closed_form(fabric: FabricGraph) -> float | None:
    """Return the design's bisection bandwidth in Gb/s (one direction) in closed form, or None.

    From the design that generated the graph (``fabric.kind``, ``fabric.params``; see
    :mod:`infranet.fabrics.designs`): the cut between the two halves of its natural split,
    computed from its parameters without the graph (Clos designs level by level, a dragonfly
    from its groups, a torus across its longest ring). An NVLink domain alone (``nvswitch``, or
    ``none`` with one scale-up switch) gives n/2 × each accelerator's scale-up capacity. None for a
    design without one, a random graph (Jellyfish: see :func:`bisection`), or a graph whose natural
    split cuts a scale-up domain.

    Examples
    --------
    >>> from infranet.fabrics.generators import leaf_spine
    >>> bisection_closed_form(leaf_spine(1000, oversubscription=3.0))  # leaves unevenly filled
    72000.0
    """
    n_acc = fabric.n_accelerators
    up = fabric.link_kind == SCALE_UP
    if fabric.kind in ("nvswitch", "none"):
        switches = fabric.node_kind == SWITCH
        if int(switches.sum()) != 1 or not up.any():
            return None
        ends = np.concatenate([fabric.link_u[up], fabric.link_v[up]])
        per_acc = np.bincount(ends, weights=np.concatenate([fabric.link_gbps[up]] * 2),
                              minlength=fabric.n_nodes)[:n_acc]
        if per_acc.min() <= 0 or not np.allclose(per_acc, per_acc[0]):
            return None
        return n_acc // 2 * float(per_acc[0])
    design = designs.designs().get(fabric.kind)
    if design is None or not design.natural_split_is_bisection:
        return None
    try:
        plan = design.plan_from_params(fabric.params)
        shape = design.shape(plan)
    except (KeyError, TypeError, ValueError, InfranetError):
        return None
    if not _matches(fabric, plan, shape):
        return None  # the graph is not the design its params describe
    if fabric.kind != "torus" and _cuts_scale_up(fabric, _default_split(fabric)):
        return None
    return shape.bisection_gbps


def _matches(fabric: FabricGraph, plan: designs.Plan, shape: designs.Shape) -> bool:
    """Whether a graph has the accelerators, switches and scale-out links of `shape`."""
    by_tier = {t.level: t.switches for t in shape.tiers}
    graph_tiers = {t: c for t, c in fabric.switches_per_tier.items() if t > 0}
    links = int(np.count_nonzero(fabric.link_kind == SCALE_OUT))
    return (plan.count == fabric.n_accelerators and by_tier == graph_tiers
            and links == shape.links)


def balanced_splits(fabric: FabricGraph, *, seed: int = 0, tries: int = 8
                    ) -> list[np.ndarray]:
    """Candidate balanced splits of the accelerators from a graph partitioner.

    The switch graph (links summed by capacity) is cut in two by Kernighan-Lin
    (``networkx.algorithms.community.kernighan_lin_bisection``) from `tries` seeds, and by the
    sign of its Fiedler vector (spectral bisection, :func:`scipy.sparse.linalg.eigsh`); each
    accelerator goes with its switch, and the larger side gives its accelerators on the
    switches with most links across until the halves are equal. Kernighan-Lin runs up to 2,000
    switches; above, the spectral split alone. Empty for a fabric whose accelerators are not all
    on switches.
    """
    import networkx as nx
    from networkx.algorithms.community import kernighan_lin_bisection

    n_acc = fabric.n_accelerators
    u, v = fabric.link_u.astype(np.int64), fabric.link_v.astype(np.int64)
    host = (u < n_acc) ^ (v < n_acc)
    home = np.full(n_acc, -1, dtype=np.int64)
    acc, sw = np.where(u < n_acc, u, v)[host], np.where(u < n_acc, v, u)[host]
    home[acc[::-1]] = sw[::-1]  # first switch of each accelerator
    if (home < 0).any():
        return []
    between = (u >= n_acc) & (v >= n_acc)
    switches = np.unique(home)
    if between.sum() == 0 or switches.size < 2:
        return []
    graph = nx.Graph()
    graph.add_nodes_from(switches.tolist())
    for a, b, c in zip(u[between].tolist(), v[between].tolist(),
                       fabric.link_gbps[between].tolist(), strict=True):
        if a != b:
            graph.add_edge(a, b, weight=graph.get_edge_data(a, b, {"weight": 0.0})["weight"] + c)
    candidates: list[set[int]] = []
    if graph.number_of_nodes() <= 2000:
        for s in range(tries):
            side_a, _ = kernighan_lin_bisection(graph, seed=seed + s, weight="weight")
            candidates.append(set(side_a))
    spectral = _spectral_half(graph)
    if spectral:
        candidates.append(spectral)
    splits = []
    for side_a in candidates:
        on_a = np.isin(home, list(side_a))
        splits.append(_balance(on_a, home, graph, side_a))
    return splits


def _spectral_half(graph) -> set[int]:
    """The switches on the low side of the median of the Fiedler vector (or nothing)."""
    import networkx as nx
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    nodes = list(graph.nodes)
    if len(nodes) < 4 or not nx.is_connected(graph):
        return set()
    laplacian = nx.laplacian_matrix(graph, nodelist=nodes, weight="weight").astype(float)
    try:
        _, vectors = eigsh(laplacian, k=2, sigma=-1e-3, which="LM")
    except (ArpackNoConvergence, RuntimeError, ValueError):
        return set()
    fiedler = vectors[:, 1]
    order = np.argsort(fiedler, kind="stable")
    return {nodes[i] for i in order[: len(nodes) // 2]}


def _balance(on_a: np.ndarray, home: np.ndarray, graph, side_a: set[int]) -> np.ndarray:
    """Move accelerators from the larger side, those on the switches with most weight across
    first, until the sides hold ``n // 2`` and ``n - n // 2``."""
    n = on_a.size
    excess = int(on_a.sum()) - n // 2
    if excess == 0:
        return on_a
    larger = excess > 0
    movable = np.flatnonzero(on_a == larger)
    across = {s: sum(d["weight"] for _, t, d in graph.edges(s, data=True)
                     if (t in side_a) != (s in side_a)) for s in np.unique(home[movable])}
    order = movable[np.argsort([-across[s] for s in home[movable]], kind="stable")]
    on_a = on_a.copy()
    on_a[order[: abs(excess)]] = not larger
    return on_a


@dataclass(frozen=True)
class Bisection:
    """The bisection of a fabric (result protocol).

    ``bisection_gbps`` is the smallest cut found between two halves of the accelerators, per
    direction: the cut of the design's natural split for symmetric designs (exact), else the best
    of a partitioner's balanced cuts (``bound="upper"``: the true bisection is at most this).
    ``closed_form_gbps`` is the design's closed form (``closed_form_bound="lower"`` where only a
    published lower bound exists).
    """

    bisection_gbps: float
    bound: str
    method: str
    natural_split_gbps: float
    closed_form_gbps: float | None
    closed_form_bound: str
    accelerators: int
    binding: Binding

    def to_dict(self) -> dict[str, Any]:
        return {"bisection_gbps": self.bisection_gbps, "bisection_bound": self.bound,
                "bisection_gbps_per_accelerator": self.bisection_gbps / (self.accelerators / 2),
                "closed_form_gbps": self.closed_form_gbps,
                "closed_form_bound": self.closed_form_bound,
                "natural_split_gbps": self.natural_split_gbps, "method": self.method,
                "binding": self.binding.to_dict()}


def bisection(fabric: FabricGraph, *, include_scale_up: bool = True, seed: int = 0,
              partitions: int = 8) -> Bisection:
    """Return the bisection of a fabric: a minimum cut between two balanced halves.

    For designs whose natural split is the bisection (fat-tree, leaf-spine, rail-optimised,
    dragonfly, torus), the minimum cut of that split (:func:`bisection_gbps`). Otherwise (a
    Jellyfish random graph, a fabric of unknown design) the smallest of that cut and of the cuts
    of `partitions` balanced splits from a partitioner (:func:`balanced_splits`, seeded by
    `seed`), labelled an upper bound; a Jellyfish's closed form is the published lower bound of
    random regular graphs (Singla et al., NSDI 2012).

    Examples
    --------
    >>> from infranet.fabrics.generators import jellyfish
    >>> b = bisection(jellyfish(20, ports=8, hosts_per_switch=4, seed=1))
    >>> b.bound, b.bisection_gbps < b.natural_split_gbps
    ('upper', True)
    """
    _check(fabric)
    natural = bisection_gbps(fabric, include_scale_up=include_scale_up)
    design = designs.designs().get(fabric.kind)
    closed, closed_bound = bisection_closed_form(fabric), ""
    if design is not None and not design.natural_split_is_bisection:
        try:
            shape = design.shape(design.plan_from_params(fabric.params))
            closed, closed_bound = shape.bisection_gbps, shape.bisection_bound
        except (KeyError, TypeError, ValueError, InfranetError):
            closed = None
    symmetric = fabric.kind in ("nvswitch", "none") or (
        design is not None and design.natural_split_is_bisection)
    value, method, bound = natural, "minimum cut of the design's natural split", ""
    if not symmetric:
        splits = balanced_splits(fabric, seed=seed, tries=partitions) if partitions else []
        cuts = [bisection_gbps(fabric, split=s, include_scale_up=include_scale_up)
                for s in splits]
        bound = "upper"
        if cuts and min(cuts) < value:
            value = min(cuts)
            method = (f"best of {len(cuts)} balanced cuts (Kernighan-Lin from {partitions} "
                      "seeds, spectral) by minimum cut")
        else:
            method = f"minimum cut of the natural split (no better one of {len(cuts)} " \
                     "balanced cuts)"
    summary = (f"{value / 1000:,.1f} Tb/s between two halves of "
               f"{fabric.n_accelerators:,} accelerators ({method})")
    binding = Binding("cut", None, summary + (", an upper bound" if bound else ""))
    return Bisection(bisection_gbps=value, bound=bound, method=method,
                     natural_split_gbps=natural, closed_form_gbps=closed,
                     closed_form_bound=closed_bound, accelerators=fabric.n_accelerators,
                     binding=binding)


# ---------------------------------------------------------------------------------------------
# hops and latency


def _sources(fabric: FabricGraph, *, exact_below: int, samples: int, groups: int, seed: int
             ) -> tuple[np.ndarray, bool]:
    """Accelerators to search from: all of them, or the first of up to `groups` groups (spread
    evenly over the groups) plus `samples` random ones."""
    n = fabric.n_accelerators
    if n <= exact_below:
        return np.arange(n), True
    group = fabric.node_group[:n]
    _, first = np.unique(group, return_index=True)
    if first.size > groups:
        first = first[np.linspace(0, first.size - 1, groups).round().astype(np.int64)]
    rng = np.random.default_rng(seed)
    extra = rng.choice(n, size=min(samples, n), replace=False)
    return np.unique(np.concatenate([first, extra])), False


@dataclass(frozen=True)
class HopStats:
    """Diameter (links and µs) and average path length between accelerators (result
    protocol; the binding is the longest shortest path)."""

    diameter_hops: int
    average_hops: float
    diameter_us: float
    sources: int
    exact: bool
    pairs: int
    binding: Binding

    def to_dict(self) -> dict[str, Any]:
        return {"diameter_hops": self.diameter_hops, "diameter_us": self.diameter_us,
                "average_hops": self.average_hops, "sources": self.sources,
                "exact": self.exact, "pairs": self.pairs, "binding": self.binding.to_dict()}


def hop_stats(fabric: FabricGraph, *, include_scale_up: bool = True,
              accelerators_forward: bool | None = None, exact_below: int = 2048,
              samples: int = 4, groups: int = 8, seed: int = 0, switch: str | None = None,
              switch_hop_us: float | None = None, scale_up_hop_us: float | None = None,
              ici_hop_us: float | None = None, cable_m: float | None = None,
              cable_us_per_m: float | None = None) -> HopStats:
    """Return the diameter (links and µs) and average path length (links) between accelerators.

    Hops count links on a shortest path between two accelerators (host-edge-agg-core-agg-edge-
    host is 6). Breadth-first search runs from a set of source accelerators over all targets:
    every accelerator when there are at most `exact_below` (exact), else the first accelerator
    of up to `groups` of the ``node_group`` (pods, scalable units) plus `samples` random ones
    drawn with `seed`. The sampled figures are exact for designs where every accelerator sees the
    same distances (fat-tree, torus, dragonfly, leaf-spine, rail-optimised); otherwise the
    diameter is a lower bound and the average an estimate.

    The diameter in µs is the largest, over the same pairs, of the lowest latency of a path: the
    hop of each switch crossed (``switch_hop_us`` for tiers 1-3, ``scale_up_hop_us`` for NVLink
    switches), one ``ici_hop_us`` per link between two accelerators (a torus), and ``cable_m``
    of cable per link. The defaults are the catalogue's (:mod:`infranet.fabrics.hops`), which the
    closed-form summary and the expansion into a Topology use too.

    Parameters
    ----------
    fabric : FabricGraph
    include_scale_up : bool
        Use scale-up links too (default); False measures the scale-out network alone.
    accelerators_forward : bool, optional
        Whether paths may cross accelerators; by default only in direct networks (no switches).
    exact_below : int
        Search from every accelerator up to this many.
    samples, groups, seed : int
        Random extra sources and group representatives when sampling, and the seed.
    switch : str, optional
        A switch of the ``physics.switches()`` catalogue for the scale-out hop latency.
    switch_hop_us, scale_up_hop_us, ici_hop_us : float, optional
        Hop latencies, µs (catalogue figures by default: 0.25, 0.25 and 1.0).
    cable_m : float, optional
        Cable length per link, m (the catalogue's 10 m by default; 0 leaves propagation out).
    cable_us_per_m : float, optional
        Propagation per m; single-mode fiber (4.9 ns/m, media catalogue) by default.

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
    >>> s.diameter_hops, s.average_hops, round(s.diameter_us, 4)
    (2, 2.0, 0.3479)
    """
    from scipy.sparse.csgraph import dijkstra

    _check(fabric)
    n_acc = fabric.n_accelerators
    if n_acc < 2:
        raise ValidationError("hop statistics need at least two accelerators",
                              element=f"fabric {fabric.kind!r}")
    forward = _forwarding(fabric, accelerators_forward)
    switch_us = _switch_hop(switch, switch_hop_us)
    up_us = hops.scale_up_hop_us() if scale_up_hop_us is None else float(scale_up_hop_us)
    ici_us = hops.ici_hop_us() if ici_hop_us is None else float(ici_hop_us)
    link_us = _cable_us(cable_m, cable_us_per_m)
    matrix, offset = _transit(fabric, _kinds(include_scale_up), forward)
    sources, exact = _sources(fabric, exact_below=exact_below, samples=samples, groups=groups,
                              seed=seed)
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
    # arc u -> v costs v's switch hop, an inter-chip hop between two accelerators, and cable
    n = fabric.n_nodes
    node_us = np.where(fabric.node_tier == 0, up_us, switch_us).astype(np.float64)
    node_us[fabric.node_kind == ACCELERATOR] = 0.0
    keep = np.isin(fabric.link_kind, _kinds(include_scale_up))
    direct = keep & (fabric.link_u < n_acc) & (fabric.link_v < n_acc)
    switches = _touched(fabric, keep) & (fabric.node_kind == SWITCH)
    crossed = node_us[switches]
    if not direct.any() and (not forward or not switches.any()) \
            and (crossed.size == 0 or np.ptp(crossed) == 0):
        # one hop latency for every switch a path can cross: the fewest hops are the fastest
        hop = float(crossed[0]) if crossed.size else 0.0
        diameter_us = (diameter - 1) * hop + diameter * link_us
    elif direct[keep].all():
        diameter_us = diameter * (ici_us + link_us)
    else:
        weighted = matrix.T.tocsr()  # rows = tails
        tails = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        heads = weighted.indices
        both = ((tails < n_acc) | (tails >= n)) & (heads < n_acc)
        weighted.data = node_us[heads] + link_us + np.where(both, ici_us, 0.0)
        diameter_us = 0.0
        for start in range(0, len(sources), 4 * _CHUNK):
            src = sources[start:start + 4 * _CHUNK]
            lat = dijkstra(weighted, directed=True, indices=src + offset)[:, :n_acc]
            lat[np.arange(len(src)), src] = 0.0
            diameter_us = max(diameter_us, float(lat.max()))
    kind = "exact" if exact else f"sampled from {len(sources):,} sources"
    binding = Binding("path", None, f"the longest shortest path between two accelerators: "
                      f"{diameter} links, {diameter_us:.3f} µs ({kind})")
    return HopStats(diameter_hops=diameter, average_hops=total / pairs,
                    diameter_us=float(diameter_us), sources=len(sources), exact=exact,
                    pairs=int(pairs), binding=binding)


def _switch_hop(switch: str | None, switch_hop_us: float | None) -> float:
    """Scale-out hop latency from the keyword, the named switch, or the catalogue figure."""
    if switch_hop_us is not None:
        return float(switch_hop_us)
    if switch is not None:
        hop = physics.switch(switch).hop_latency_us
        if hop is not None:
            return hop
    return hops.switch_hop_us()


def _cable_us(cable_m: float | None, cable_us_per_m: float | None) -> float:
    if cable_m is None and cable_us_per_m is None:
        return hops.cable_us()
    if cable_m is None:
        cable_m = physics.figure("cable_m")
    if cable_us_per_m is None:
        cable_us_per_m = physics.medium("smf").us_per_km / 1000.0  # 4.9 ns/m
    if cable_m < 0 or cable_us_per_m < 0:
        raise ValidationError(f"cable {cable_m} m at {cable_us_per_m} µs/m; expected >= 0",
                              field="cable_m")
    return float(cable_m) * float(cable_us_per_m)


def _tier_pair(fabric: FabricGraph) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper tier of each link's two ends (accelerators are -1)."""
    tu = fabric.node_tier[fabric.link_u].astype(np.int64)
    tv = fabric.node_tier[fabric.link_v].astype(np.int64)
    return np.minimum(tu, tv), np.maximum(tu, tv)


# ---------------------------------------------------------------------------------------------
# equal-cost paths


def _pairs_from_pool(group: np.ndarray, count: int, rng: np.random.Generator, *,
                     pool: np.ndarray, same: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """`count` ordered pairs of distinct accelerators whose sources are drawn from `pool` and
    whose targets are anywhere (`same` None), in the source's group (True) or in another
    (False)."""
    n = group.size
    if same is None:
        s = rng.choice(pool, size=count)
        return s, (s + rng.integers(1, n, size=count)) % n
    order = np.argsort(group, kind="stable")
    ordered = group[order]
    where = np.empty_like(order)
    where[order] = np.arange(n)
    start = np.searchsorted(ordered, group[pool], side="left")
    size = np.searchsorted(ordered, group[pool], side="right") - start
    pool = pool[size >= 2] if same else pool[size < n]
    if pool.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    s = rng.choice(pool, size=count)
    start = np.searchsorted(ordered, group[s], side="left")
    size = np.searchsorted(ordered, group[s], side="right") - start
    if same:
        pos = start + rng.integers(0, size - 1)
        pos += pos >= where[s]  # skip the source itself
    else:
        pick = rng.integers(0, n - size)
        pos = np.where(pick < start, pick, pick + size)
    return s, order[pos]


def _path_counts(fabric: FabricGraph, s: np.ndarray, t: np.ndarray, *, include_scale_up: bool,
                 forward: bool, parallel: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of shortest paths and their lengths for pairs ``(s[i], t[i])``."""
    matrix, offset = _transit(fabric, _kinds(include_scale_up), forward, parallel=parallel)
    sources, where = np.unique(s, return_inverse=True)
    counts = np.zeros(len(s))
    lengths = np.zeros(len(s), dtype=np.int64)
    for cols, dist, paths in _bfs(matrix, sources + offset, fabric.n_accelerators, count=True):
        pick = (where >= cols.start) & (where < cols.stop)
        col = where[pick] - cols.start
        assert paths is not None  # counted
        counts[pick] = paths[t[pick], col]
        lengths[pick] = dist[t[pick], col]
    return counts, lengths


def _number(value: float) -> int | float:
    """An exact count as int; beyond 2**53 (float64's integers) a float."""
    return int(value) if value < 2**53 else float(value)


def _summarise(counts: np.ndarray, hops_: np.ndarray) -> dict[str, Any]:
    """Exact min, median and max path counts; the mean to 4 significant digits."""
    if counts.size == 0:
        return {"pairs": 0, "min": None, "median": None, "mean": None, "max": None,
                "hops_mean": None}
    return {"pairs": int(counts.size), "min": _number(counts.min()),
            "median": _number(float(np.sort(counts)[(counts.size - 1) // 2])),
            "mean": float(f"{counts.mean():.4g}"), "max": _number(counts.max()),
            "hops_mean": float(f"{hops_.mean():.4g}")}


@dataclass(frozen=True)
class EcmpPaths:
    """Numbers of equal-cost shortest paths between sampled pairs of accelerators, per
    category (result protocol).

    ``categories`` maps ``different_group`` / ``same_group`` (or ``any``, or ``given`` for
    explicit pairs) to ``pairs`` (how many), ``min``, ``median`` and ``max`` (exact counts of
    paths, the median a pair's own count), ``mean`` (over the pairs, to 4 significant digits)
    and ``hops_mean`` (links per path, mean over the pairs); ``given`` also lists ``counts``.
    """

    categories: Mapping[str, Mapping[str, Any]]
    binding: Binding

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", _frozen_map(
            {k: _frozen_map(v) for k, v in self.categories.items()}))

    def __getitem__(self, category: str) -> Mapping[str, Any]:
        return self.categories[category]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: {key: list(v) if isinstance(v, tuple) else v
                                   for key, v in c.items()}
                               for k, c in self.categories.items()}
        out["binding"] = self.binding.to_dict()
        return out


def ecmp_paths(fabric: FabricGraph, *, pairs: int | Any = 64, sources: int = 8, seed: int = 0,
               include_scale_up: bool = True, accelerators_forward: bool | None = None,
               count_parallel_links: bool = False) -> EcmpPaths:
    """Return the numbers of equal-cost shortest paths between accelerators (min/median/max).

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
        Sources are drawn from `sources` random accelerators (one search each). Or explicit
        ``(source, target)`` accelerator pairs: category ``given`` with ``counts``.
    sources, seed : int
    include_scale_up, accelerators_forward
        As in :func:`hop_stats`.
    count_parallel_links : bool

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
    (2,)
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
        counts, lengths = _path_counts(fabric, given[:, 0], given[:, 1], **options)
        row = _summarise(counts, lengths)
        row["counts"] = tuple(_number(c) for c in counts)
        return EcmpPaths({"given": row}, Binding("path", None, f"{len(given)} given pairs"))
    if pairs < 1:
        raise ValidationError(f"pairs must be at least 1, got {pairs}", field="pairs")
    rng = np.random.default_rng(seed)
    group = fabric.node_group[:n_acc]
    pool = rng.choice(n_acc, size=min(max(1, sources), n_acc), replace=False)
    categories: dict[str, bool | None]
    if np.unique(group).size >= 2:
        categories = {"different_group": False, "same_group": True}
    else:
        categories = {"any": None}
    sampled = [_pairs_from_pool(group, int(pairs), rng, pool=pool, same=same)
               for same in categories.values()]
    # one search for all categories: they share sources' columns
    s_all = np.concatenate([s for s, _ in sampled])
    t_all = np.concatenate([t for _, t in sampled])
    counts, lengths = _path_counts(fabric, s_all, t_all, **options)
    if counts.size and counts.min() == 0:
        i = int(np.argmin(counts))
        raise InfranetError(f"accelerator {int(t_all[i])} is unreachable from accelerator "
                            f"{int(s_all[i])}", element=f"fabric {fabric.kind!r}")
    result, start = {}, 0
    for name, (s, _) in zip(categories, sampled, strict=True):
        part = slice(start, start + s.size)
        result[name] = _summarise(counts[part], lengths[part])
        start += s.size
    fewest = min((c["min"] for c in result.values() if c["min"] is not None), default=None)
    return EcmpPaths(result, Binding("path", None, f"equal-cost shortest paths between "
                                     f"sampled pairs: at least {fewest}"))


# ---------------------------------------------------------------------------------------------
# bill of materials and tiers


def _rate_label(gbps: float) -> str:
    """``400G``, ``800G``, ``1.6T``."""
    return f"{gbps / 1000:g}T" if gbps >= 1000 else f"{gbps:g}G"


def _link_type_counts(fabric: FabricGraph) -> dict[str, int]:
    """Links per type: ``scale_up`` or the tier pair of a scale-out link, e.g. ``leaf-spine``."""
    lo, hi = _tier_pair(fabric)
    code = np.where(fabric.link_kind == SCALE_UP, 0,
                    1 + (np.clip(lo, -1, 3) + 1) * 5 + np.clip(hi, -1, 3) + 1)
    counts = np.bincount(code, minlength=26)
    names = {0: "scale_up"}
    for a in range(-1, 4):
        for b in range(-1, 4):
            names[1 + (a + 1) * 5 + b + 1] = (f"{TIER_NAMES.get(a, f'tier{a}')}-"
                                             f"{TIER_NAMES.get(b, f'tier{b}')}")
    present = [int(i) for i in np.flatnonzero(counts)]
    return {names[i]: int(counts[i]) for i in sorted(present, key=names.__getitem__)}


def _touched(fabric: FabricGraph, links: np.ndarray) -> np.ndarray:
    """Nodes at an end of the selected links, as a boolean mask."""
    mask = np.zeros(fabric.n_nodes, dtype=bool)
    mask[fabric.link_u[links]] = True
    mask[fabric.link_v[links]] = True
    return mask


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
    """The catalogue's rule (:func:`infranet.fabrics.power.switch_w`) for radix × the fastest
    port rate at that tier; 0 for NVLink switches, which are part of their system's power."""
    if tier == 0:
        return 0.0
    mask = fabric.node_tier == tier
    ends = np.concatenate([fabric.link_u, fabric.link_v])
    rates = np.concatenate([fabric.link_gbps, fabric.link_gbps])
    at_tier = mask[ends]
    if not at_tier.any():
        return 0.0
    radix = fabric.switch_radix.get(tier)
    if radix is None:
        radix = int(np.bincount(ends[at_tier], minlength=fabric.n_nodes).max())
    return power.switch_w(radix=int(radix), port_gbps=float(rates[at_tier].max()))




@dataclass(frozen=True)
class BillOfMaterials:
    """Counts of accelerators, switches, links and optical modules, and IT power in kW (result
    protocol).

    ``power_kw`` sums the known parts: accelerators (their share of their published system,
    :func:`infranet.fabrics.power.accelerator_it_w`), scale-out switches and optical modules;
    where the accelerators' power is unknown, ``power_kw_by_part["accelerators"]`` is None, a
    note says so, and ``complete`` is False.
    """

    accelerators: int
    accelerator: str | None
    switches: int
    switches_per_tier: Mapping[str, int]
    switch_radix: Mapping[str, int]
    links: int
    links_by_type: Mapping[str, int]
    transceivers: Mapping[str, int]
    power_kw: float
    power_kw_by_part: Mapping[str, float | None]
    unit_power_w: Mapping[str, Any]
    notes: tuple[str, ...]
    binding: Binding

    def __post_init__(self) -> None:
        for name in ("switches_per_tier", "switch_radix", "links_by_type", "transceivers",
                     "power_kw_by_part", "unit_power_w"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name)))

    @property
    def transceivers_total(self) -> int:
        return int(sum(self.transceivers.values()))

    @property
    def complete(self) -> bool:
        return self.power_kw_by_part.get("accelerators") is not None

    def to_dict(self) -> dict[str, Any]:
        return {"power_kw": self.power_kw, "complete": self.complete,
                "accelerators": self.accelerators, "accelerator": self.accelerator,
                "switches": self.switches, "switches_per_tier": dict(self.switches_per_tier),
                "switch_radix": dict(self.switch_radix), "links": self.links,
                "links_by_type": dict(self.links_by_type),
                "transceivers": dict(self.transceivers),
                "transceivers_total": self.transceivers_total,
                "power_kw_by_part": dict(self.power_kw_by_part),
                "unit_power_w": _jsonable(self.unit_power_w), "notes": list(self.notes),
                "binding": self.binding.to_dict()}


def bill_of_materials(fabric: FabricGraph, *, accelerator: str | None = None,
                      catalogue: Mapping[str, physics.Accelerator] | None = None,
                      accelerator_w: float | None = None, copper_host_links: bool = False,
                      switch: str | None = None,
                      switch_w: float | Mapping[Any, float] | None = None, optic: str | None = None,
                      transceiver_w: float | Mapping[float, float] | None = None
                      ) -> BillOfMaterials:
    """Return the bill of materials: counts of accelerators, switches, links, optics; power in kW.

    - links by type: ``scale_up`` (NVLink, copper) and each scale-out tier pair
      (``accelerator-leaf``, ``leaf-spine``, ``spine-core``, ``leaf-leaf`` in a dragonfly, ...);
    - transceivers by rate (``400G``, ...): two optical modules per scale-out link between
      switches; two per accelerator link (NIC side and switch side) unless `copper_host_links`;
      none on scale-up links;
    - IT power: accelerators × their share of their published system + switches × switch
      power + transceivers × module power (:mod:`infranet.fabrics.power`).

    Parameters
    ----------
    fabric : FabricGraph
    accelerator : str, optional
        Name in the accelerator catalogue (`catalogue`, else the packaged one); its system share
        counts each accelerator. Unknown (no published system power): left out, with a note.
    catalogue : mapping, optional
        A topology's accelerators (:meth:`infranet.model.Topology.accelerators`).
    accelerator_w : float, optional
        IT power per accelerator, W, instead of the catalogue's.
    copper_host_links : bool
        Accelerator links are copper (DAC): no transceivers.
    switch : str, optional
        A switch of ``physics.switches()`` whose ``power_w`` counts each scale-out switch.
    switch_w : float or mapping of tier (index or name) to W, optional
        Power per switch without optics; by default the catalogue's rule (15 W per Tb/s of
        bidirectional port capacity) and 0 W for NVLink switches (part of their system).
    optic : str, optional
        A module of ``physics.optics()`` (e.g. ``400G-DR4``) whose ``power_w`` counts each
        transceiver.
    transceiver_w : float or mapping of rate (Gb/s) to W, optional
        Power per module; by default the catalogue's rule (0.025 W per Gb/s, 10 W at 400 Gb/s).

    Examples
    --------
    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> bom = bill_of_materials(f, accelerator="H100", switch_w=1000.0)
    >>> dict(bom.links_by_type), dict(bom.transceivers), round(bom.power_kw, 3)
    ({'accelerator-leaf': 2, 'leaf-spine': 1}, {'400G': 6}, 4.61)
    """
    _check(fabric)
    n_acc = fabric.n_accelerators
    notes: list[str] = []
    per_acc_w: float | None = None
    if accelerator_w is not None:
        per_acc_w = float(accelerator_w)
    elif accelerator is not None:
        record = physics.accelerator(accelerator, catalogue)
        per_acc_w = power.accelerator_it_w(record)
        if per_acc_w is None:
            notes.append(f"no published system power for {accelerator}: its {n_acc:,} "
                         "accelerators are left out of power_kw")
    if switch is not None and switch_w is None:
        catalogue_w = physics.switch(switch).power_w
        if catalogue_w is not None:
            switch_w = {t: catalogue_w for t in (1, 2, 3)}
    if optic is not None and transceiver_w is None:
        transceiver_w = physics.optic(optic).power_w
    links_by_type = _link_type_counts(fabric)
    lo, _ = _tier_pair(fabric)
    optical = fabric.link_kind == SCALE_OUT
    if copper_host_links:
        optical &= lo >= 0
    rates, modules = np.unique(fabric.link_gbps[optical], return_counts=True)
    transceivers = {_rate_label(r): 2 * int(c) for r, c in zip(rates, modules, strict=True)}
    module_w = {}
    for r in rates:
        w = None
        if isinstance(transceiver_w, Mapping):
            w = transceiver_w.get(float(r), transceiver_w.get(int(r), None))
        elif transceiver_w is not None:
            w = transceiver_w
        module_w[_rate_label(r)] = float(w) if w is not None else power.module_w(float(r))
    per_tier = fabric.switches_per_tier
    unit_switch_w = {TIER_NAMES.get(t, f"tier{t}"):
                     _per_tier(switch_w, t, _default_switch_w(fabric, t)) for t in per_tier}
    if 0 in per_tier:
        notes.append("NVLink switches count 0 W: they are part of their system's power")
    switches_kw = sum(per_tier[t] * unit_switch_w[TIER_NAMES.get(t, f"tier{t}")]
                      for t in per_tier) / 1000.0
    optics_kw = sum(transceivers[k] * module_w[k] for k in transceivers) / 1000.0
    accelerators_kw = None if per_acc_w is None else n_acc * per_acc_w / 1000.0
    if accelerator is None and accelerator_w is None:
        accelerators_kw = 0.0
        notes.append("no accelerator named: power_kw counts switches and optics only")
    total = (accelerators_kw or 0.0) + switches_kw + optics_kw
    return BillOfMaterials(
        accelerators=n_acc, accelerator=accelerator,
        switches=int(sum(per_tier.values())),
        switches_per_tier={TIER_NAMES.get(t, f"tier{t}"): c for t, c in per_tier.items()},
        switch_radix={TIER_NAMES.get(t, f"tier{t}"): int(r)
                      for t, r in fabric.switch_radix.items()},
        links=fabric.n_links, links_by_type=links_by_type, transceivers=transceivers,
        power_kw=total,
        power_kw_by_part={"accelerators": accelerators_kw, "switches": switches_kw,
                          "transceivers": optics_kw},
        unit_power_w={"accelerator": per_acc_w, "switch": unit_switch_w,
                      "transceiver": module_w},
        notes=tuple(notes),
        binding=Binding("none", None, f"{n_acc:,} accelerators, {sum(per_tier.values()):,} "
                        f"switches, {fabric.n_links:,} links, {total:,.1f} kW"))


@dataclass(frozen=True)
class TierSummary:
    """One row per tier of an explicit fabric (result protocol); iterating gives the rows.
    The binding is the tier with the least bandwidth per accelerator."""

    rows: tuple[Mapping[str, Any], ...]
    binding: Binding

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(_frozen_map(r) for r in self.rows))

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Mapping[str, Any]:
        return self.rows[index]

    def to_dict(self) -> dict[str, Any]:
        return {"tiers": [dict(r) for r in self.rows], "binding": self.binding.to_dict()}


def tier_summary(fabric: FabricGraph, *, switch: str | None = None,
                 switch_hop_us: float | None = None, scale_up_hop_us: float | None = None,
                 ici_hop_us: float | None = None) -> TierSummary:
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
    - ``hop_us``: latency of one switch of the tier (of one link, for direct links).

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
    hop_us = _switch_hop(switch, switch_hop_us)
    up_us = hops.scale_up_hop_us() if scale_up_hop_us is None else float(scale_up_hop_us)
    ici_us = hops.ici_hop_us() if ici_hop_us is None else float(ici_hop_us)
    n_acc = fabric.n_accelerators
    tier_u = fabric.node_tier[fabric.link_u].astype(np.int64)
    tier_v = fabric.node_tier[fabric.link_v].astype(np.int64)
    cap = fabric.link_gbps
    rows: list[dict[str, Any]] = []
    base: dict[int, float] = {}  # first tier's Gb/s per accelerator, per network kind
    direct = (tier_u == -1) & (tier_v == -1)
    if direct.any():
        attached = np.flatnonzero(_touched(fabric, direct))
        rows.append({
            "tier": "direct", "switches": 0, "radix": None,
            "links_down": 0, "links_up": 0, "links_lateral": int(direct.sum()),
            "down_gbps": 0.0, "up_gbps": 0.0,
            "gbps_per_accelerator": 2 * float(cap[direct].sum()) / attached.size,
            "accelerators": int(attached.size), "oversubscription": None,
            "oversubscription_below": 1.0, "hop_us": ici_us})
    reach: dict[int, float] = {}
    accelerators_on: dict[int, int] = {}
    for tier in sorted(fabric.switches_per_tier):
        down = ((tier_u == tier) & (tier_v < tier)) | ((tier_v == tier) & (tier_u < tier))
        up = ((tier_u == tier) & (tier_v > tier)) | ((tier_v == tier) & (tier_u > tier))
        lateral = (tier_u == tier) & (tier_v == tier)
        network = SCALE_UP if tier == 0 else SCALE_OUT
        if network not in accelerators_on:
            accelerators_on[network] = int(np.count_nonzero(
                _touched(fabric, fabric.link_kind == network)[:n_acc]))
        accs = accelerators_on[network]
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
            "hop_us": up_us if tier == 0 else hop_us,
        })
    known = [r for r in rows if r["gbps_per_accelerator"]]
    narrow = min(known, key=lambda r: r["gbps_per_accelerator"]) if known else None
    binding = (Binding("tier", narrow["tier"], f"{narrow['tier']}: "
                       f"{narrow['gbps_per_accelerator']:,.1f} Gb/s per accelerator")
               if narrow else Binding.nothing("no tiers"))
    return TierSummary(tuple(rows), binding)




# ---------------------------------------------------------------------------------------------
# report


_PARTS = ("bisection", "hop_stats", "ecmp_paths", "bill_of_materials", "tier_summary")


@dataclass(frozen=True)
class FabricAnalysis:
    """Every analytic of one explicit fabric (result protocol): bisection, hops, equal-cost
    paths, bill of materials and tiers. The binding is what sets the bisection: the design's
    tier when its closed form agrees with the minimum cut, else the cut itself."""

    kind: str
    params: Mapping[str, Any]
    bisection: Bisection
    hops: HopStats
    ecmp: EcmpPaths
    bom: BillOfMaterials
    tiers: TierSummary
    binding: Binding
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen_map(_jsonable(self.params)))

    @property
    def bisection_gbps(self) -> float:
        return self.bisection.bisection_gbps

    @property
    def diameter_hops(self) -> int:
        return self.hops.diameter_hops

    @property
    def power_kw(self) -> float:
        return self.bom.power_kw

    def to_dict(self) -> dict[str, Any]:
        """Headline scalars first (``bisection_gbps``, ``diameter_hops``, ``diameter_us``,
        ``average_hops``, ``power_kw``, counts), then the parts."""
        b, h, bom = self.bisection, self.hops, self.bom
        return {
            "bisection_gbps": b.bisection_gbps,
            "bisection_bound": b.bound,
            "bisection_closed_form_gbps": b.closed_form_gbps,
            "bisection_closed_form_bound": b.closed_form_bound,
            "bisection_gbps_per_accelerator": b.bisection_gbps / (bom.accelerators / 2),
            "bisection_method": b.method,
            "diameter_hops": h.diameter_hops, "diameter_us": h.diameter_us,
            "average_hops": h.average_hops,
            "power_kw": bom.power_kw, "power_complete": bom.complete,
            "accelerators": bom.accelerators, "switches": bom.switches, "links": bom.links,
            "kind": self.kind, "params": dict(self.params),
            "switches_per_tier": dict(bom.switches_per_tier),
            "links_by_type": dict(bom.links_by_type),
            "hop_stats": h.to_dict(), "ecmp_paths": self.ecmp.to_dict(),
            "power_kw_by_part": dict(bom.power_kw_by_part),
            "transceivers": dict(bom.transceivers),
            "tiers": [dict(r) for r in self.tiers],
            "bill_of_materials": bom.to_dict(),
            "notes": list(self.notes),
            "binding": self.binding.to_dict(),
        }


def report(fabric: FabricGraph, **options: Any) -> FabricAnalysis:
    """Return every analytic of a fabric (Gb/s, hops, µs, kW) as one result.

    Each option goes to every function above that takes it (``include_scale_up``, ``seed``,
    ``accelerator``, ``switch_hop_us``, ``cable_m``, ``pairs``, ...); an unknown option is an
    error.

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
    >>> r.bisection_gbps, r.diameter_hops, r.hops.diameter_us, r.bom.switches
    (400.0, 2, 0.25, 2)
    >>> len(json.dumps(r.to_dict())) > 0
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

    cut = call("bisection")
    hop = call("hop_stats")
    ecmp = call("ecmp_paths")
    bom = call("bill_of_materials")
    tiers = call("tier_summary")
    notes = list(bom.notes)
    binding = cut.binding
    closed = cut.closed_form_gbps
    if closed is not None and not cut.closed_form_bound:
        if math.isclose(closed, cut.bisection_gbps, rel_tol=1e-9, abs_tol=1e-6):
            tier = _closed_form_binding(fabric)
            if tier:
                binding = Binding("tier", tier, f"{tier}: {cut.bisection_gbps / 1000:,.1f} Tb/s "
                                  "(closed form and minimum cut agree)")
        else:
            notes.append(f"the closed form ({closed:,.1f} Gb/s) and the minimum cut "
                         f"({cut.bisection_gbps:,.1f} Gb/s) disagree")
    return FabricAnalysis(kind=fabric.kind, params=fabric.params, bisection=cut, hops=hop,
                          ecmp=ecmp, bom=bom, tiers=tiers, binding=binding, notes=tuple(notes))


def _closed_form_binding(fabric: FabricGraph) -> str | None:
    """The tier the design's closed form says sets the bisection."""
    if fabric.kind in ("nvswitch", "none"):
        return "scale_up"
    design = designs.designs().get(fabric.kind)
    if design is None:
        return None
    try:
        return design.shape(design.plan_from_params(fabric.params)).binding
    except (KeyError, TypeError, ValueError, InfranetError):
        return None
