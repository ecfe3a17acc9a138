"""Bisection bandwidth of an explicit fabric: the minimum cut between two halves of its
accelerators.

The bisection of a general graph is the minimum over all balanced splits, which is NP-hard.
Where the design's closed form says the cut of its natural split is the bisection (a fat-tree,
a leaf-spine, a dragonfly of an even number of groups, a torus with an even longest ring: see
:meth:`infranet.fabrics.designs.Design.natural_split_is_bisection`), that cut is it, exactly.
Elsewhere (a Jellyfish random graph, a dragonfly of an odd number of groups, a graph of no
design) the best of that cut and of the cuts of balanced splits from a partitioner is an upper
bound, and labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.errors import ValidationError
from infranet.fabrics.designs import for_graph, natural_split
from infranet.fabrics.graph import SCALE_UP, SWITCH, FabricGraph, check
from infranet.fabrics.traversal import link_kinds
from infranet.results import Binding

__all__ = [
    "Bisection",
    "balanced_splits",
    "bisection",
    "bisection_closed_form",
    "bisection_gbps",
]

_INT32_MAX = 2**31 - 1

#: How closely a minimum cut matches a closed form when both describe the same cut: the cut
#: is computed on capacities rounded to whole kb/s (or coarser units on the largest graphs, to
#: stay in 32 bits), so a link of 66.666... Gb/s counts 66.666667; relative 1e-6 covers that
#: rounding on links of 1 Gb/s and more, and 1 Mb/s absolutely on small cuts.
CUT_RTOL, CUT_ATOL_GBPS = 1e-6, 1e-3


def _split_mask(fabric: FabricGraph, split: Any) -> np.ndarray:
    n = fabric.n_accelerators
    if split is None:
        return natural_split(fabric)
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
    """Return the cut between two sets of accelerators in Gb/s (one direction): by default
    between the two halves of the design's natural split.

    A super-source feeds every accelerator of side A and every accelerator of side B drains to a
    super-sink; :func:`scipy.sparse.csgraph.maximum_flow` (Dinic) over the directed version of
    the links (each full-duplex link is two arcs of its capacity) gives the maximum flow from A
    to B, equal to the capacity of a minimum cut. The solver needs integer capacities that fit
    in 32 bits: capacities are counted in kb/s (a coarser power of ten when a value would not
    fit), so results are exact to 1 kb/s per link. The super arcs carry each accelerator's
    total link capacity, which no flow through it can exceed: as good as infinite, and in range.

    The natural split is the first half of the accelerators in design order
    (:func:`infranet.fabrics.designs.natural_split`); :func:`bisection` says whether its cut
    is the bisection.

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

    check(fabric)
    side = _split_mask(fabric, split)
    n, n_acc = fabric.n_nodes, fabric.n_accelerators
    keep = np.isin(fabric.link_kind, link_kinds(include_scale_up))
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


def bisection_closed_form(fabric: FabricGraph) -> float | None:
    """Return the bisection bandwidth in Gb/s (one direction) in closed form, or None.

    From the design that generated the graph (``fabric.kind``, ``fabric.params``; see
    :func:`infranet.fabrics.designs.graph_shape`), computed from its parameters without the
    graph (Clos designs level by level, a dragonfly of an even number of groups from its global
    links, a torus across its longest ring, an NVLink domain alone from its accelerators' links).
    None where the design has no exact closed form for these parameters (a random graph, a
    dragonfly of an odd number of groups, a torus whose longest ring is odd), the graph is not
    what its parameters describe, or its natural split cuts a scale-up domain.

    Examples
    --------
    >>> from infranet.fabrics.generators import dragonfly, leaf_spine
    >>> bisection_closed_form(leaf_spine(1000, oversubscription=3.0))  # leaves unevenly filled
    72000.0
    >>> bisection_closed_form(dragonfly(4, 2, 2, groups=5)) is None  # an odd number of groups
    True
    """
    design = for_graph(fabric.kind)
    shape = None if design is None else design.graph_shape(fabric)
    if shape is None or shape.bisection_bound:
        return None
    return shape.bisection_gbps


def balanced_splits(fabric: FabricGraph, *, seed: int = 0, tries: int = 8
                    ) -> list[np.ndarray]:
    """Candidate balanced splits of the accelerators from a graph partitioner.

    The graph of switches (links summed by capacity; two switches of one accelerator, an NVLink
    switch and a leaf, are joined through it by the smaller of its two links), or of the
    accelerators themselves in a direct network (a torus), is cut in two by Kernighan-Lin
    (``networkx.algorithms.community.kernighan_lin_bisection``) from `tries` seeds, and by the
    sign of its Fiedler vector (spectral bisection, :func:`scipy.sparse.linalg.eigsh`); each
    accelerator goes with its switch, and the larger side gives its accelerators on the
    switches with most links across until the halves are equal. Kernighan-Lin runs up to 2,000
    nodes; above, the spectral split alone.

    Examples
    --------
    >>> from infranet.fabrics.generators import jellyfish
    >>> splits = balanced_splits(jellyfish(20, ports=8, hosts_per_switch=4, seed=1), tries=2)
    >>> len(splits), [int(s.sum()) for s in splits]
    (3, [40, 40, 40])
    """
    import networkx as nx
    from networkx.algorithms.community import kernighan_lin_bisection

    n_acc = fabric.n_accelerators
    u, v = fabric.link_u.astype(np.int64), fabric.link_v.astype(np.int64)
    c = fabric.link_gbps
    has_switches = bool(np.any(fabric.node_kind == SWITCH))
    graph = nx.Graph()

    def join(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> None:
        for x, y, weight in zip(a.tolist(), b.tolist(), w.tolist(), strict=True):
            if x != y:
                old = graph.get_edge_data(x, y, {"weight": 0.0})["weight"]
                graph.add_edge(x, y, weight=old + weight)

    if has_switches:
        host = (u < n_acc) ^ (v < n_acc)
        acc, sw, cap = np.where(u < n_acc, u, v)[host], np.where(u < n_acc, v, u)[host], c[host]
        order = np.argsort(acc, kind="stable")
        acc, sw, cap = acc[order], sw[order], cap[order]
        home = np.full(n_acc, -1, dtype=np.int64)
        home[acc[::-1]] = sw[::-1]  # first switch of each accelerator
        if (home < 0).any():
            return []
        graph.add_nodes_from(np.unique(home).tolist())
        between = (u >= n_acc) & (v >= n_acc)
        join(u[between], v[between], c[between])
        # an accelerator on two switches joins them (a server's NVLink switch and its leaf)
        same = acc[1:] == acc[:-1]
        join(sw[:-1][same], sw[1:][same], np.minimum(cap[:-1], cap[1:])[same])
    else:
        home = np.arange(n_acc)
        graph.add_nodes_from(home.tolist())
        join(u, v, c)
    if graph.number_of_edges() == 0 or graph.number_of_nodes() < 2:
        return []
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


def _spectral_half(graph: Any) -> set[int]:
    """The nodes on the low side of the median of the Fiedler vector (or nothing)."""
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


def _balance(on_a: np.ndarray, home: np.ndarray, graph: Any, side_a: set[int]) -> np.ndarray:
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
    direction: the cut of the design's natural split where the design's closed form says that
    is the bisection (``bound=""``, exact), else the best of it and of a partitioner's balanced
    cuts (``bound="upper"``: the true bisection is at most this). ``split`` is side A of that
    cut (read-only, one entry per accelerator). ``closed_form_gbps`` is the design's closed form
    (``closed_form_bound``: ``""`` exact, ``"upper"`` the natural split's cut, ``"lower"`` a
    published lower bound, or why there is none).
    """

    bisection_gbps: float
    bound: str
    method: str
    natural_split_gbps: float
    closed_form_gbps: float | None
    closed_form_bound: str
    accelerators: int
    split: np.ndarray
    binding: Binding

    def __post_init__(self) -> None:
        split = np.array(self.split, dtype=bool)
        split.setflags(write=False)
        object.__setattr__(self, "split", split)

    def to_dict(self) -> dict[str, Any]:
        """Headline scalars: ``bisection_gbps``, its bound and method, the closed form."""
        return {"bisection_gbps": self.bisection_gbps, "bisection_bound": self.bound,
                "bisection_gbps_per_accelerator": self.bisection_gbps / (self.accelerators / 2),
                "closed_form_gbps": self.closed_form_gbps,
                "closed_form_bound": self.closed_form_bound,
                "natural_split_gbps": self.natural_split_gbps, "method": self.method,
                "binding": self.binding.to_dict()}


def bisection(fabric: FabricGraph, *, include_scale_up: bool = True, seed: int = 0,
              partitions: int = 8) -> Bisection:
    """Return the bisection of a fabric: a minimum cut between two balanced halves.

    Where the design's closed form for the graph's parameters says the natural split is the
    bisection (:func:`bisection_closed_form` is not None), the minimum cut of that split
    (:func:`bisection_gbps`), exact. Otherwise (a Jellyfish random graph, a dragonfly of an odd
    number of groups, a torus with an odd longest ring, a graph of no design, or scale-up links
    left out of a graph whose design counts them) the smallest of that cut and of the cuts of
    `partitions` balanced splits from a partitioner (:func:`balanced_splits`, seeded by
    `seed`), labelled an upper bound.

    Examples
    --------
    >>> from infranet.fabrics.generators import dragonfly, jellyfish
    >>> b = bisection(jellyfish(20, ports=8, hosts_per_switch=4, seed=1))
    >>> b.bound, b.bisection_gbps < b.natural_split_gbps
    ('upper', True)
    >>> b = bisection(dragonfly(4, 2, 2, groups=5))  # the natural split cuts 3.0 Tb/s
    >>> b.bound, b.bisection_gbps, b.natural_split_gbps
    ('upper', 2400.0, 3000.0)
    """
    check(fabric)
    natural_side = natural_split(fabric)
    natural = bisection_gbps(fabric, split=natural_side, include_scale_up=include_scale_up)
    design = for_graph(fabric.kind)
    shape = None if design is None else design.graph_shape(fabric)
    closed = None if shape is None else shape.bisection_gbps
    closed_bound = ("no closed form for this graph" if shape is None
                    else shape.bisection_bound)
    # without its scale-up links the graph is not the design's (unless it has none)
    applies = include_scale_up or not bool(np.any(fabric.link_kind == SCALE_UP))
    exact = closed is not None and closed_bound == "" and applies
    value, side, method, bound = natural, natural_side, "minimum cut of the design's natural " \
        "split, the design's bisection", ""
    if not exact:
        splits = balanced_splits(fabric, seed=seed, tries=partitions) if partitions else []
        cuts = [bisection_gbps(fabric, split=s, include_scale_up=include_scale_up)
                for s in splits]
        bound = "upper"
        best = int(np.argmin(cuts)) if cuts else -1
        if cuts and cuts[best] < value:
            value, side = cuts[best], splits[best]
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
                     split=side, binding=binding)
