"""Latency: per-link breakdown, lowest-latency paths, all-pairs matrices, k-shortest and disjoint
paths, round-trip times.

Every function takes a :class:`~infranet.model.Topology` and leaves it untouched. Weights are the
links' one-way latency in ms (``weight="latency"``, the default), their length in km
(``"length"``), hop count (``"hops"``) or IGP weights (``"igp"``, from each link's
``meta.igp_weight``): the one vocabulary of :func:`infranet.algorithms.arcs.arc_weights`.
Links are full duplex and symmetric in latency.

Every latency here is a floor: the one-way latency (or RTT, twice it) of fiber propagation and
equipment (amplifiers, transponders and FEC, switch hops) along the modelled path, without
queueing (:data:`BASIS`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from infranet.algorithms.arcs import WEIGHTS as ARC_WEIGHTS
from infranet.algorithms.arcs import arc_weights, simple_arcs
from infranet.errors import InfeasibleError, UnreachableError, ValidationError, counted
from infranet.model import Topology
from infranet.results import Binding

__all__ = [
    "WEIGHTS",
    "Path",
    "disjoint_paths",
    "k_shortest_paths",
    "latency_matrix",
    "link_latency",
    "rtt_ms",
    "shortest_path",
]

#: The weights paths may minimise: :data:`infranet.algorithms.arcs.WEIGHTS`, one vocabulary.
WEIGHTS = ARC_WEIGHTS
#: What a latency figure of this module is.
BASIS = ("fiber propagation and equipment (amplifiers, transponders and FEC, switch hops) along "
         "the modelled path; a floor without queueing")


@dataclass(frozen=True)
class Path:
    """A path between two sites: its nodes, links and totals.

    Attributes
    ----------
    nodes : tuple of str
        Site names from source to target.
    links : tuple of str
        Link names, one per hop (which of parallel links is used).
    one_way_ms, length_km : float
        Sums over the links.
    basis : str
        What the latency is (:data:`BASIS`): a floor without queueing.
    binding : Binding
        ``propagation``: distance (fiber and equipment along the path) sets the latency.
    """

    nodes: tuple[str, ...]
    links: tuple[str, ...]
    one_way_ms: float
    length_km: float
    basis: str = BASIS

    @property
    def binding(self) -> Binding:
        if not self.links:
            return Binding.nothing("source and target are the same site")
        return Binding("propagation", None,
                       f"{counted(self.hops, 'link')}, {self.length_km:.6g} km: one-way "
                       f"{self.one_way_ms:.6g} ms of fiber and equipment, no queueing")

    @property
    def source(self) -> str:
        return self.nodes[0]

    @property
    def target(self) -> str:
        return self.nodes[-1]

    @property
    def rtt_ms(self) -> float:
        """Round-trip time in ms: twice the one-way latency (links are symmetric)."""
        return 2.0 * self.one_way_ms

    @property
    def hops(self) -> int:
        return len(self.links)

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "one_way_ms": self.one_way_ms,
                "rtt_ms": self.rtt_ms, "length_km": self.length_km, "hops": self.hops,
                "basis": self.basis, "binding": self.binding.to_dict(),
                "path": list(self.nodes), "links": list(self.links)}


def link_latency(topology: Topology) -> pd.DataFrame:
    """Return the one-way latency of every link in ms, term by term.

    Columns: ``name, a, b, medium, length_km, length_source, propagation_ms, amplifiers,
    amplifier_ms, terminal_ms, extra_ms, latency_ms, latency_source``. Propagation is length
    times the medium's µs/km; amplifiers sit every ``amplifier_spacing_km``; the terminal term is
    transponder plus FEC; ``latency_source`` is ``explicit`` where a measured ``latency_ms``
    replaces the sum.
    """
    columns = ["name", "a", "b", "medium", "length_km", "length_source", "propagation_ms",
               "amplifiers", "amplifier_ms", "terminal_ms", "extra_ms", "latency_ms",
               "latency_source"]
    return topology.links[columns]


def shortest_path(topology: Topology, source: str, target: str, *,
                  weight: str = "latency") -> Path:
    """Return the lowest-latency path from `source` to `target` (one-way ms, km, hops).

    Parameters
    ----------
    weight
        ``latency`` (default), ``length``, ``hops`` or ``igp``: what the path minimises.

    Raises
    ------
    UnknownNameError
        For a site that does not exist.
    UnreachableError
        When no path joins the two sites.

    Examples
    --------
    >>> topo = Topology.from_dict({"name": "t",
    ...     "sites": [{"name": "x"}, {"name": "y"}, {"name": "z"}],
    ...     "links": [{"a": "x", "b": "y", "length_km": 100},
    ...               {"a": "y", "b": "z", "length_km": 100},
    ...               {"a": "x", "b": "z", "length_km": 300}]})
    >>> p = shortest_path(topo, "x", "z")
    >>> p.nodes, round(p.one_way_ms, 4), p.length_km
    (('x', 'y', 'z'), 1.0997, 200.0)
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    s, t = topology.node_index(source), topology.node_index(target)
    compiled = topology.compile()
    weights = arc_weights(topology, weight)
    if s == t:
        return Path((source,), (), 0.0, 0.0)
    arcs = simple_arcs(compiled.tail, compiled.head, weights)
    tails, heads, w = compiled.tail[arcs], compiled.head[arcs], weights[arcs]
    n = compiled.n_nodes
    graph = csr_matrix((w, (tails, heads)), shape=(n, n))
    dist, pred = dijkstra(graph, directed=True, indices=s, return_predecessors=True)
    if not np.isfinite(dist[t]):
        raise UnreachableError(f"no path from {source!r} to {target!r}; they are in different "
                               "components of the graph", file=topology.file)
    arc_of = {(int(u), int(v)): int(a) for u, v, a in zip(tails, heads, arcs, strict=True)}
    nodes = [t]
    while nodes[-1] != s:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    path_arcs = [arc_of[(u, v)] for u, v in itertools.pairwise(nodes)]
    return _make_path(topology, nodes, path_arcs)


def _make_path(topology: Topology, nodes: Sequence[int], arcs: Sequence[int] | np.ndarray,
               ) -> Path:
    compiled = topology.compile()
    idx = np.asarray(arcs, dtype=np.int64)
    return Path(
        nodes=tuple(compiled.nodes[i] for i in nodes),
        links=tuple(compiled.links[compiled.arc_link[a]] for a in idx),
        one_way_ms=float(compiled.latency_ms[idx].sum()) if len(idx) else 0.0,
        length_km=float(compiled.length_km[idx].sum()) if len(idx) else 0.0,
    )


def rtt_ms(topology: Topology, source: str, target: str) -> float:
    """Return the round-trip time in ms between two sites over the lowest-latency path."""
    return shortest_path(topology, source, target).rtt_ms


def latency_matrix(topology: Topology, *, nodes: Sequence[str] | None = None,
                   kind: str | None = None, weight: str = "latency",
                   workers: int | None = None) -> pd.DataFrame:
    """Return the all-pairs one-way latency matrix in ms (``inf`` where unreachable).

    The frame's ``attrs`` say what the numbers are: ``basis`` (:data:`BASIS`, a floor without
    queueing), ``quantity`` (``one_way``) and ``unit`` (``ms``, ``km``, ``hops`` or ``igp``).

    Parameters
    ----------
    nodes
        Rows and columns to keep (default: all sites, or those of `kind`).
    kind
        Keep only sites of this kind, e.g. ``datacenter``.
    weight
        ``latency`` (default), ``length`` (km), ``hops`` or ``igp``.
    workers
        Processes the shortest-path searches may use: this argument, else the
        ``INFRANET_WORKERS`` environment variable, else 1 (:func:`infranet.parallel.workers`;
        ``-1``: every core). Nothing forks unless asked, and large searches only.

    Notes
    -----
    The whole graph is searched (paths may pass through any site); only the output is
    restricted. Runs in :func:`infranet.algorithms._shortest.distances`, which eliminates
    low-degree nodes (pendant trees, chains of degree-2 waypoints) with shortcut edges, runs
    Dijkstra on the small core that remains, and fills the removed nodes back in with vectorised
    min-plus products.
    """
    from infranet.algorithms._shortest import distances

    compiled = topology.compile()
    weights = arc_weights(topology, weight)
    if nodes is None:
        if kind is None:
            names = list(compiled.nodes)
        else:
            table = topology.sites
            names = list(table.index[table["kind"] == kind])
    else:
        names = list(nodes)
    rows = np.array([topology.node_index(name) for name in names], dtype=np.int64)
    keep = compiled.tail[0::2], compiled.head[0::2], weights[0::2]
    matrix = distances(compiled.n_nodes, *keep, sources=rows, directed=False, workers=workers)
    frame = pd.DataFrame(matrix[:, rows], index=names, columns=names)
    frame.attrs.update({"basis": BASIS if weight == "latency" else f"shortest {weight}",
                        "quantity": "one_way",
                        "unit": {"latency": "ms", "length": "km", "hops": "hops",
                                 "igp": "igp"}[weight]})
    return frame


def k_shortest_paths(topology: Topology, source: str, target: str, k: int, *,
                     weight: str = "latency") -> list[Path]:
    """Return up to `k` loop-free paths in order of increasing latency (Yen's algorithm).

    Parallel links count as different paths. Raises :class:`UnreachableError` when there is
    none.
    """
    from infranet.algorithms.candidates import simple_paths

    if k < 1:
        raise ValidationError(f"k must be at least 1, got {k}", field="k")
    s, t = topology.node_index(source), topology.node_index(target)
    if s == t:
        return [Path((source,), (), 0.0, 0.0)]
    compiled = topology.compile()
    weights = arc_weights(topology, weight)
    found = simple_paths(compiled, weights, [(s, t)], k)[0]
    if not found:
        raise UnreachableError(f"no path from {source!r} to {target!r}", file=topology.file)
    return [_make_path(topology, [s, *compiled.head[arcs].tolist()], arcs) for arcs in found]


def disjoint_paths(topology: Topology, source: str, target: str, k: int = 2, *,
                   by: str = "link", weight: str = "latency") -> list[Path]:
    """Return `k` paths that share no link (``by="link"``) or no shared-risk group
    (``by="srlg"``), with the least total latency.

    Link-disjoint paths come from a minimum-cost flow of `k` units (Suurballe's problem), solved
    as an LP whose optimum is integral; SRLG-disjoint paths from a small MILP (HiGHS), exact.
    A link without shared-risk groups is its own group. Paths are returned shortest first.

    Raises
    ------
    InfeasibleError
        When the graph holds fewer than `k` such paths (a cut of fewer than `k` links or groups
        separates the sites).
    """
    if by not in ("link", "srlg"):
        raise ValidationError(f"by must be 'link' or 'srlg', got {by!r}")
    if k < 1:
        raise ValidationError(f"k must be at least 1, got {k}")
    s, t = topology.node_index(source), topology.node_index(target)
    if s == t:
        raise ValidationError("source and target are the same site")
    compiled = topology.compile()
    weights = arc_weights(topology, weight)
    flows = _disjoint_flow(topology, compiled, weights, s, t, k, by)
    if flows is None:
        what = "link-disjoint" if by == "link" else "SRLG-disjoint"
        raise InfeasibleError(f"there are fewer than {k} {what} paths from {source!r} to "
                              f"{target!r}", file=topology.file)
    paths = [_make_path(topology, nodes, arcs) for nodes, arcs in flows]
    return sorted(paths, key=lambda p: (p.one_way_ms, p.links))


def _disjoint_flow(topology: Topology, compiled: Any, weights: np.ndarray, s: int, t: int, k: int,
                   by: str) -> list[tuple[list[int], list[int]]] | None:
    """Solve for k disjoint s-t paths; return [(nodes, arcs)] or None when infeasible.

    Link-disjoint: one commodity of k units, each link at most one unit (a network LP, so its
    optimum is integral). SRLG-disjoint: k commodities of one unit each, binary arc variables
    x[p, a] and group variables y[p, g] >= x[p, a] for the arcs of g, with sum_p y[p, g] <= 1;
    one path may cross a group several times, two paths may not share it.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import block_diag, coo_matrix, hstack, identity

    n, arcs = compiled.n_nodes, compiled.n_arcs
    tail, head = compiled.tail, compiled.head
    rows = np.concatenate([tail, head])
    cols = np.concatenate([np.arange(arcs), np.arange(arcs)])
    vals = np.concatenate([np.ones(arcs), -np.ones(arcs)])
    balance = coo_matrix((vals, (rows, cols)), shape=(n, arcs)).tocsr()
    link_rows = coo_matrix((np.ones(arcs), (compiled.arc_link, np.arange(arcs))),
                           shape=(len(compiled.links), arcs)).tocsr()
    cost = weights.astype(float) + 1e-9  # strictly positive: optimal flows carry no cycles
    units = 1 if by == "srlg" else k
    rhs = np.zeros(n)
    rhs[s], rhs[t] = units, -units
    if by == "link":
        constraints = [LinearConstraint(balance, rhs, rhs), LinearConstraint(link_rows, 0, 1)]
        result = milp(cost, constraints=constraints, integrality=np.zeros(arcs),
                      bounds=Bounds(0, 1))
        if result.status != 0 or result.x is None:
            return None
        flows = [np.flatnonzero(result.x > 0.5)]
    else:
        groups: dict[str, list[int]] = {}
        srlgs = topology.links["srlg"]
        for i, (link, own) in enumerate(zip(compiled.links, srlgs, strict=True)):
            for g in own or (f"\0{link}",):
                groups.setdefault(g, []).append(i)
        g_rows, g_cols = [], []
        for r, members in enumerate(groups.values()):
            for i in members:
                g_rows += [r, r]
                g_cols += [2 * i, 2 * i + 1]
        n_groups = len(groups)
        member = coo_matrix((np.ones(len(g_rows)), (g_rows, g_cols)), shape=(n_groups, arcs))
        member = member.tocsr()
        member.data[:] = 1.0
        # x[p, a] <= y[p, g] for every arc a of group g  ->  x_a - y_g <= 0, one row per pair
        pairs = member.tocoo()
        pick_x = coo_matrix((np.ones(pairs.nnz), (np.arange(pairs.nnz), pairs.col)),
                            shape=(pairs.nnz, arcs))
        pick_y = coo_matrix((np.ones(pairs.nnz), (np.arange(pairs.nnz), pairs.row)),
                            shape=(pairs.nnz, n_groups))
        per_path = hstack([pick_x, -pick_y])
        x_block = block_diag([balance] * k)
        a_eq = hstack([x_block, coo_matrix((n * k, n_groups * k))])
        link_once = hstack([block_diag([link_rows] * k), coo_matrix((link_rows.shape[0] * k,
                                                                      n_groups * k))])
        link_path = block_diag([per_path] * k).tocsr()
        # reorder the columns of link_path from [x1 y1 x2 y2 ...] to [x1 x2 ... y1 y2 ...]
        order = np.concatenate([np.arange(p * (arcs + n_groups), p * (arcs + n_groups) + arcs)
                                for p in range(k)] +
                               [np.arange(p * (arcs + n_groups) + arcs, (p + 1) * (arcs + n_groups))
                                for p in range(k)])
        link_path = link_path[:, order]
        share = hstack([coo_matrix((n_groups, arcs * k)),
                        hstack([identity(n_groups)] * k)])
        constraints = [
            LinearConstraint(a_eq, np.tile(rhs, k), np.tile(rhs, k)),
            LinearConstraint(link_once, 0, 1),
            LinearConstraint(link_path, -np.inf, 0),
            LinearConstraint(share, 0, 1),
        ]
        c = np.concatenate([np.tile(cost, k), np.zeros(n_groups * k)])
        result = milp(c, constraints=constraints, integrality=np.ones(len(c)),
                      bounds=Bounds(0, 1))
        if result.status != 0 or result.x is None:
            return None
        flows = [np.flatnonzero(result.x[p * arcs:(p + 1) * arcs] > 0.5) for p in range(k)]
    paths = []
    for used in flows:
        out_arcs: dict[int, list[int]] = {}
        for a in used.tolist():
            out_arcs.setdefault(int(tail[a]), []).append(a)
        for _ in range(units):
            nodes, path_arcs, node = [s], [], s
            while node != t:
                a = out_arcs[node].pop()
                node = int(head[a])
                path_arcs.append(a)
                nodes.append(node)
            paths.append((nodes, path_arcs))
    return paths
