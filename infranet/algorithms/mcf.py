"""Multicommodity flow: route a traffic matrix over a topology, as linear programs (HiGHS).

Three LPs, each in an arc and a path form:

- :func:`min_mlu`: route every demand in full, minimising the maximum link utilisation (MLU);
- :func:`max_concurrent_flow`: the largest ``λ`` such that ``λ`` times every demand fits;
- :func:`max_throughput`: the largest total rate routed, each demand at most in full;

and :func:`max_min_fair`, max-min fair rates over given paths by progressive filling.

The **arc form** aggregates commodities by source: one flow variable per (source, arc), with flow
conservation at every node. It is the standard compact form, exact over all routings: any
per-pair arc flow sums into it, and any per-source flow decomposes into per-pair paths. The
**path form** routes each demand over candidate paths: tunnels read from a file
(:func:`read_tunnels`) or the `k` shortest paths of each pair (:func:`shortest_paths`).

Every LP is built in the same sequence, vectorised over arrays: define variables, define
constraints (scipy.sparse matrices), solve with HiGHS, return a frozen :class:`McfResult`.
Capacities (per direction, Gb/s) must be known on every arc the LP can use. Demands and
capacities are rescaled internally so that the largest capacity is 1; results are in Gb/s.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from infranet.errors import (
    FormatError,
    InfeasibleError,
    InfranetError,
    UnboundedError,
    UnknownNameError,
    ValidationError,
    did_you_mean,
)
from infranet.model import Topology
from infranet.traffic import TrafficMatrix

__all__ = [
    "FORMULATIONS",
    "McfResult",
    "PathSet",
    "check_paths",
    "max_concurrent_flow",
    "max_min_fair",
    "max_throughput",
    "min_mlu",
    "read_tunnels",
    "shortest_paths",
]

FORMULATIONS = ("arc", "path")
_log = logging.getLogger(__name__)
_YEN_MAX_PAIRS = 2000  # above this, method="auto" uses the vectorised deviation paths
_GENERATE_ABOVE = 100_000  # candidate paths above which columns="auto" generates columns
_COLUMNS_PER_ROUND = 1  # improving paths added per demand and round (the cheapest first)
_BANNER_SHOWN = False


# ---------------------------------------------------------------------------- path sets


@dataclass(frozen=True, eq=False)
class PathSet:
    """Candidate paths between ordered pairs of sites, as arrays (CSR over arcs).

    Path ``p`` goes from node ``src[p]`` to ``dst[p]`` over the arcs
    ``arcs[indptr[p]:indptr[p + 1]]`` (arc ids of :meth:`Topology.compile`). Paths of a pair
    are consecutive, best first.

    Attributes
    ----------
    nodes : tuple of str
        The topology's site names (``src`` and ``dst`` index them).
    src, dst, indptr, arcs : ndarray of int
    """

    nodes: tuple[str, ...]
    src: np.ndarray = field(repr=False)
    dst: np.ndarray = field(repr=False)
    indptr: np.ndarray = field(repr=False)
    arcs: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("src", "dst", "indptr", "arcs"):
            array = np.array(getattr(self, name), dtype=np.int64, copy=True)
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    def __len__(self) -> int:
        return len(self.src)

    @property
    def hops(self) -> np.ndarray:
        """Number of arcs of each path."""
        return np.diff(self.indptr)

    def path_arcs(self, p: int) -> np.ndarray:
        """Arc ids of path `p`, in order."""
        return self.arcs[self.indptr[p]:self.indptr[p + 1]]

    def arc_matrix(self, n_arcs: int) -> sp.csr_matrix:
        """Return the ``paths x arcs`` incidence (an arc used twice counts twice)."""
        return sp.csr_matrix((np.ones(len(self.arcs)), self.arcs, self.indptr),
                             shape=(len(self), n_arcs))

    def to_frame(self, topology: Topology) -> pd.DataFrame:
        """Return one row per path: ``src, dst, nodes`` (site names joined by ``-``),
        ``links`` (a tuple of link names) and ``hops``."""
        compiled = topology.compile()
        names = np.array(compiled.nodes, dtype=object)
        rows_nodes, rows_links = [], []
        for p in range(len(self)):
            arcs = self.path_arcs(p)
            seq = [int(self.src[p]), *compiled.head[arcs].tolist()]
            rows_nodes.append("-".join(names[seq]))
            rows_links.append(tuple(compiled.links[i] for i in compiled.arc_link[arcs]))
        return pd.DataFrame({"src": names[self.src], "dst": names[self.dst],
                             "nodes": rows_nodes, "links": rows_links, "hops": self.hops})


def _arc_lookup(compiled, weights: np.ndarray | None = None) -> sp.csr_matrix:
    """``lookup[u, v] - 1`` is the arc from u to v: of parallel arcs the cheapest under
    `weights`, else the one of largest capacity, then the lowest id."""
    n = compiled.n_nodes
    cap = np.nan_to_num(compiled.capacity_gbps, nan=-1.0)
    key = weights if weights is not None else -cap
    order = np.lexsort((np.arange(compiled.n_arcs), key, compiled.head, compiled.tail))
    tail, head = compiled.tail[order], compiled.head[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    keep = order[first]
    return sp.csr_matrix((keep + 1, (compiled.tail[keep], compiled.head[keep])), shape=(n, n))


def _lookup_arcs(lookup: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if len(u) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(lookup[u, v]).ravel().astype(np.int64) - 1


def read_tunnels(path: str | Path, topology: Topology) -> PathSet:
    """Read FIGRET tunnels: one line per ordered pair, ``S D:n-n-n,n-n-n,...``.

    Each tunnel is a node sequence; a hop between sites joined by parallel links uses the one
    of largest capacity.

    Raises
    ------
    FormatError
        For a line that does not follow the format.
    UnknownNameError
        For a node that is not a site; ValidationError for a hop between sites that no link
        joins, or a tunnel that does not start at S and end at D.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise FormatError(f"cannot read: {err.strerror or err}", file=file) from None
    compiled = topology.compile()
    index = compiled.index
    lookup = _arc_lookup(compiled)
    src, dst, seqs, where = [], [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        head_text, sep, body = line.partition(":")
        ends = head_text.split()
        if not sep or len(ends) != 2:
            raise FormatError("expected 'S D:n-n-n,n-n-n,...'", file=file,
                              element=f"line {number}")
        for text_path in body.split(","):
            names = text_path.strip().split("-")
            for name in (*ends, *names):
                if name not in index:
                    raise UnknownNameError(
                        f"unknown site {name!r}{did_you_mean(name, compiled.nodes)}",
                        file=file, element=f"line {number}")
            if names[0] != ends[0] or names[-1] != ends[1] or len(names) < 2:
                raise ValidationError(
                    f"tunnel {text_path.strip()!r} does not go from {ends[0]!r} to {ends[1]!r}",
                    file=file, element=f"line {number}")
            src.append(index[ends[0]])
            dst.append(index[ends[1]])
            seqs.append([index[x] for x in names])
            where.append(number)
    lengths = np.array([len(s) - 1 for s in seqs], dtype=np.int64)
    flat = np.array([x for s in seqs for x in s], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)])
    is_tail = np.ones(len(flat), dtype=bool)
    is_tail[starts[1:] - 1] = False  # the last node of each tunnel starts no hop
    u = flat[is_tail]
    v = flat[np.flatnonzero(is_tail) + 1]
    arcs = _lookup_arcs(lookup, u, v)
    if (arcs < 0).any():
        bad = int(np.flatnonzero(arcs < 0)[0])
        line_of = np.repeat(np.array(where, dtype=np.int64), lengths)[bad]
        raise ValidationError(
            f"no link joins {compiled.nodes[u[bad]]!r} and {compiled.nodes[v[bad]]!r}",
            file=file, element=f"line {line_of}")
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return PathSet(compiled.nodes, np.array(src, dtype=np.int64),
                   np.array(dst, dtype=np.int64), indptr, arcs)


def shortest_paths(topology: Topology, pairs: TrafficMatrix | Sequence[tuple[str, str]] | None
                   = None, k: int = 4, *, weight: str = "hops", method: str = "auto",
                   ) -> PathSet:
    """Return up to `k` loop-free paths per ordered pair, shortest first.

    Parameters
    ----------
    pairs
        The pairs: those with a non-zero demand in a TrafficMatrix, a list of ``(src, dst)``
        names, or every ordered pair of distinct sites (default).
    k
        Paths per pair (fewer when the graph holds fewer).
    weight
        ``"hops"`` (default), ``"latency"`` or ``"length"``.
    method
        ``"yen"``: the exact `k` shortest simple paths of each pair (Yen's algorithm through
        :func:`infranet.algorithms.latency.k_shortest_paths`; one search per pair).
        ``"deviation"``: vectorised over all pairs at once — the shortest path, then the
        ``k - 1`` cheapest loop-free paths that leave it once and follow the shortest-path tree
        towards the target from there (the single-sidetrack paths of Eppstein's algorithm).
        The first path is a shortest path; the others are a fast approximation of Yen's,
        never shorter than Yen's of the same rank, and a pair may get fewer than `k`
        (on GEANT, 3.2 paths per pair for k = 4 against Yen's 4.0; adjacent sites often get
        one). ``"auto"``: Yen up to 2,000 pairs, else deviation.
    """
    from infranet.algorithms.latency import _weights

    if k < 1:
        raise ValidationError(f"k must be at least 1, got {k}", field="k")
    compiled = topology.compile()
    s, t = _pairs(topology, pairs)
    if method == "auto":
        method = "yen" if len(s) <= _YEN_MAX_PAIRS else "deviation"
    weights = _weights(topology, weight)
    if method == "yen":
        return _yen_paths(topology, s, t, k, weight)
    if method == "deviation":
        return _deviation_paths(compiled, weights, s, t, k)
    raise ValidationError(f"method must be 'auto', 'yen' or 'deviation', got {method!r}",
                          field="method")


def _pairs(topology: Topology, pairs) -> tuple[np.ndarray, np.ndarray]:
    compiled = topology.compile()
    n = compiled.n_nodes
    if pairs is None:
        s, t = np.nonzero(~np.eye(n, dtype=bool))
    elif isinstance(pairs, TrafficMatrix):
        s, t = np.nonzero(pairs.for_topology(topology).gbps)
    else:
        names = list(pairs)
        s = np.array([topology.node_index(a) for a, _ in names], dtype=np.int64)
        t = np.array([topology.node_index(b) for _, b in names], dtype=np.int64)
        if (s == t).any():
            raise ValidationError("a pair joins a site to itself", field="pairs")
    return s.astype(np.int64), t.astype(np.int64)


def _yen_paths(topology: Topology, s: np.ndarray, t: np.ndarray, k: int, weight: str,
               ) -> PathSet:
    from scipy.sparse.csgraph import connected_components

    from infranet.algorithms.latency import k_shortest_paths
    from infranet.errors import UnreachableError

    compiled = topology.compile()
    link_index = {name: i for i, name in enumerate(compiled.links)}
    graph = sp.csr_matrix((np.ones(compiled.n_arcs), (compiled.tail, compiled.head)),
                          shape=(compiled.n_nodes, compiled.n_nodes))
    component = connected_components(graph, directed=False)[1]
    joined = component[s] == component[t]
    s, t = s[joined], t[joined]
    src, dst, lengths, arcs = [], [], [], []
    for a, b in zip(s.tolist(), t.tolist(), strict=True):
        try:
            found = k_shortest_paths(topology, compiled.nodes[a], compiled.nodes[b], k,
                                     weight=weight)
        except UnreachableError:
            continue
        for path in found:
            tails = [compiled.index[x] for x in path.nodes[:-1]]
            links = np.array([link_index[x] for x in path.links], dtype=np.int64)
            forward = compiled.tail[2 * links] == np.array(tails, dtype=np.int64)
            arcs.append(np.where(forward, 2 * links, 2 * links + 1))
            src.append(a)
            dst.append(b)
            lengths.append(len(links))
    indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    flat = np.concatenate(arcs) if arcs else np.zeros(0, dtype=np.int64)
    return PathSet(compiled.nodes, np.array(src, dtype=np.int64),
                   np.array(dst, dtype=np.int64), indptr, flat)


def _tree_walk(pred: np.ndarray, start: np.ndarray, target_row: np.ndarray,
               target: np.ndarray) -> np.ndarray:
    """Nodes of the tree paths ``start -> target`` (rows: steps; -1 after the target).

    ``pred[target_row[j], x]`` is the next hop from x towards ``target[j]`` (the predecessor
    of x on the shortest path from the target; links are symmetric).
    """
    steps = [start.copy()]
    cur = start.copy()
    live = cur != target
    while live.any():
        nxt = np.full_like(cur, -1)
        nxt[live] = pred[target_row[live], cur[live]]
        cur = nxt
        steps.append(cur.copy())
        live = (cur >= 0) & (cur != target)
    return np.vstack(steps)


def _walk_arcs(lookup: sp.csr_matrix, walk: np.ndarray) -> np.ndarray:
    """Arc ids between consecutive rows of a padded node walk (-1 where no hop)."""
    u, v = walk[:-1], walk[1:]
    hop = (u >= 0) & (v >= 0)
    out = np.full(u.shape, -1, dtype=np.int64)
    out[hop] = _lookup_arcs(lookup, u[hop], v[hop])
    return out


def _deviation_paths(compiled, weights: np.ndarray, s: np.ndarray, t: np.ndarray,
                     k: int) -> PathSet:
    from scipy.sparse.csgraph import dijkstra

    n = compiled.n_nodes
    lookup = _arc_lookup(compiled, weights)
    best = lookup.copy()
    best.data = weights[best.data - 1].astype(float)
    targets, target_row = np.unique(t, return_inverse=True)
    # distances and trees from every target; links are symmetric, so the tree from t read
    # backwards is the shortest-path tree towards t
    dist, pred = dijkstra(best, directed=True, indices=targets, return_predecessors=True)
    pred = pred.astype(np.int64)
    reach = np.isfinite(dist[target_row, s])
    s, t, target_row = s[reach], t[reach], target_row[reach]
    order = np.argsort(compiled.tail, kind="stable")
    out_ptr = np.concatenate([[0], np.cumsum(np.bincount(compiled.tail, minlength=n))])
    out_arcs = order

    # blocks of pairs keep the (pairs x nodes) position table small
    block = max(1, (1 << 23) // max(n, 1))
    parts = []
    for lo in range(0, len(s), block):
        sl = slice(lo, lo + block)
        parts.append(_deviation_block(compiled, weights, lookup, dist, pred, out_ptr, out_arcs,
                                      s[sl], t[sl], target_row[sl], k))
    if not parts:
        return PathSet(compiled.nodes, np.zeros(0), np.zeros(0), np.zeros(1), np.zeros(0))
    src = np.concatenate([p[0] for p in parts])
    dst = np.concatenate([p[1] for p in parts])
    lengths = np.concatenate([p[2] for p in parts])
    arcs = np.concatenate([p[3] for p in parts])
    return PathSet(compiled.nodes, src, dst, np.concatenate([[0], np.cumsum(lengths)]), arcs)


def _deviation_block(compiled, weights, lookup, dist, pred, out_ptr, out_arcs, s, t, trow, k):
    m = len(s)
    n = compiled.n_nodes
    pair = np.arange(m)
    main = _tree_walk(pred, s, trow, t)  # (steps, m): the shortest path of each pair
    main_arcs = _walk_arcs(lookup, main)
    n_hops = (main_arcs >= 0).sum(axis=0)
    paths = [(pair, np.zeros(m), main_arcs.T)]  # (pair, cost rank key, padded arcs)

    if k > 1:
        # position of every node on its pair's shortest path (-1: not on it)
        pos = np.full((m, n), -1, dtype=np.int32)
        step, col = np.nonzero(main >= 0)
        pos[col, main[step, col]] = step
        # deviations: at spur step i < hops, every arc out of main[i] but the tree arc
        spur_step, spur_pair = np.nonzero((main >= 0) & (np.arange(len(main))[:, None]
                                                         < n_hops[None, :]))
        u = main[spur_step, spur_pair]
        deg = out_ptr[u + 1] - out_ptr[u]
        c_pair = np.repeat(spur_pair, deg)
        c_step = np.repeat(spur_step, deg)
        first = np.repeat(out_ptr[u] - np.concatenate([[0], np.cumsum(deg)[:-1]]), deg)
        c_arc = out_arcs[first + np.arange(len(c_pair))]
        c_arc_tree = main_arcs[c_step, c_pair]
        keep = c_arc != c_arc_tree
        c_pair, c_step, c_arc = c_pair[keep], c_step[keep], c_arc[keep]
        c_u, c_v = compiled.tail[c_arc], compiled.head[c_arc]
        rows = trow[c_pair]
        cost = (dist[rows, s[c_pair]] - dist[rows, c_u]) + weights[c_arc] + dist[rows, c_v]
        ok = np.isfinite(cost)
        # loop-free unless the tree path from v rejoins the shortest path at or before u
        y = c_v.copy()
        live = np.flatnonzero(ok)
        while live.size:
            p = pos[c_pair[live], y[live]]
            hit = p >= 0
            bad = hit & (p <= c_step[live])
            ok[live[bad]] = False
            live = live[~hit]
            y[live] = pred[trow[c_pair[live]], y[live]]
        c_pair, c_step, c_arc, cost = c_pair[ok], c_step[ok], c_arc[ok], cost[ok]
        # the k - 1 cheapest per pair
        order = np.lexsort((c_arc, cost, c_pair))
        c_pair, c_step, c_arc, cost = c_pair[order], c_step[order], c_arc[order], cost[order]
        start = np.searchsorted(c_pair, c_pair, side="left")
        chosen = (np.arange(len(c_pair)) - start) < k - 1
        c_pair, c_step, c_arc = c_pair[chosen], c_step[chosen], c_arc[chosen]
        rank = (np.arange(len(c_pair)) - np.searchsorted(c_pair, c_pair, side="left")) + 1
        # arcs: shortest-path prefix up to the spur node, the deviation arc, tree path to t
        width = main_arcs.shape[0]
        prefix = main_arcs[:, c_pair].T.copy()
        prefix[np.arange(width)[None, :] >= c_step[:, None]] = -1
        tail_walk = _tree_walk(pred, compiled.head[c_arc], trow[c_pair], t[c_pair])
        suffix = _walk_arcs(lookup, tail_walk).T
        padded = np.hstack([prefix, c_arc[:, None], suffix])
        paths.append((c_pair, rank, padded))

    pair_of = np.concatenate([p[0] for p in paths])
    rank_of = np.concatenate([p[1] for p in paths])
    width = max(p[2].shape[1] for p in paths)
    padded = np.vstack([np.pad(p[2], ((0, 0), (0, width - p[2].shape[1])), constant_values=-1)
                        for p in paths])
    order = np.lexsort((rank_of, pair_of))
    padded = padded[order]
    pair_of = pair_of[order]
    mask = padded >= 0
    return s[pair_of], t[pair_of], mask.sum(axis=1), padded[mask]


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class McfResult:
    """The optimum of a multicommodity-flow problem.

    Attributes
    ----------
    problem : str
        ``min_mlu``, ``max_concurrent_flow``, ``max_throughput`` or ``max_min_fair``.
    formulation : str
        ``arc`` or ``path``.
    status : str
        ``optimal`` (LPs) or ``filled`` (progressive filling).
    objective : float
        The MLU, ``λ``, or the total routed rate in Gb/s (throughput and max-min fair).
    arc_flow_gbps, utilisation : ndarray
        Per arc (ids of :meth:`Topology.compile`): total flow in Gb/s and flow / capacity
        (NaN where the capacity is unknown and unused).
    links : DataFrame
        Per link: ``name, a, b, capacity_ab_gbps, capacity_ba_gbps, flow_ab_gbps,
        flow_ba_gbps, utilisation_ab, utilisation_ba, utilisation`` (the larger direction).
    routed_gbps : ndarray
        ``(n, n)`` rate routed per pair, over `nodes`.
    commodities, commodity_flow_gbps
        Arc form with ``flows=True``: source sites and their flow per arc,
        shape ``(len(commodities), n_arcs)``.
    paths, path_flow_gbps
        Path form: the paths used and the flow on each.
    solve_s : float
        Wall time of the solver (building the LP excluded).
    """

    problem: str
    formulation: str
    status: str
    objective: float
    nodes: tuple[str, ...]
    arc_flow_gbps: np.ndarray = field(repr=False)
    utilisation: np.ndarray = field(repr=False)
    links: pd.DataFrame = field(repr=False)
    routed_gbps: np.ndarray = field(repr=False)
    solve_s: float
    n_variables: int
    n_constraints: int
    commodities: tuple[str, ...] | None = field(default=None, repr=False)
    commodity_flow_gbps: np.ndarray | None = field(default=None, repr=False)
    paths: PathSet | None = field(default=None, repr=False)
    path_flow_gbps: np.ndarray | None = field(default=None, repr=False)

    @property
    def mlu(self) -> float:
        """Maximum link utilisation of the returned flows."""
        used = self.utilisation[np.isfinite(self.utilisation)]
        return float(used.max()) if used.size else 0.0

    @property
    def total_routed_gbps(self) -> float:
        return float(self.routed_gbps.sum())

    def to_dict(self) -> dict[str, Any]:
        links = self.links.replace({np.nan: None})
        return {"problem": self.problem, "formulation": self.formulation,
                "status": self.status, "objective": self.objective, "mlu": self.mlu,
                "total_routed_gbps": self.total_routed_gbps, "solve_s": self.solve_s,
                "n_variables": self.n_variables, "n_constraints": self.n_constraints,
                "links": links.to_dict("records")}


def _result(problem: str, formulation: str, net: _Network, objective: float,
            arc_flow: np.ndarray, routed: np.ndarray, solve_s: float, shape: tuple[int, int],
            status: str = "optimal", **extra: Any) -> McfResult:
    compiled = net.compiled
    cap = compiled.capacity_gbps
    arc_flow = np.where(np.abs(arc_flow) < 1e-12 * net.scale, 0.0, arc_flow)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(arc_flow == 0, 0.0, arc_flow / cap)
    util = np.where(np.isnan(cap) & (arc_flow == 0), np.nan, util)
    table = pd.DataFrame({
        "name": compiled.links,
        "a": np.array(compiled.nodes, dtype=object)[compiled.tail[0::2]],
        "b": np.array(compiled.nodes, dtype=object)[compiled.head[0::2]],
        "capacity_ab_gbps": cap[0::2], "capacity_ba_gbps": cap[1::2],
        "flow_ab_gbps": arc_flow[0::2], "flow_ba_gbps": arc_flow[1::2],
        "utilisation_ab": util[0::2], "utilisation_ba": util[1::2],
    })
    table["utilisation"] = table[["utilisation_ab", "utilisation_ba"]].max(axis=1)
    for array in (arc_flow, util, routed, *[v for v in extra.values()
                                            if isinstance(v, np.ndarray)]):
        array.setflags(write=False)
    return McfResult(problem, formulation, status, float(objective), compiled.nodes, arc_flow,
                     util, table, routed, solve_s, shape[1], shape[0], **extra)


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True, eq=False)
class _Network:
    """Validated inputs: compiled topology, demands (pairs) and scaled capacities."""

    topology: Topology
    compiled: Any
    src: np.ndarray  # demand pairs with a positive demand
    dst: np.ndarray
    demand: np.ndarray  # scaled
    scale: float  # Gb/s per LP unit

    @property
    def n(self) -> int:
        return self.compiled.n_nodes

    def capacity(self, arcs: np.ndarray | None = None) -> np.ndarray:
        """Scaled capacities of `arcs` (default all); a missing one is an error."""
        cap = self.compiled.capacity_gbps
        idx = np.arange(len(cap)) if arcs is None else arcs
        bad = idx[np.isnan(cap[idx])]
        if bad.size:
            name = self.compiled.links[self.compiled.arc_link[bad[0]]]
            raise ValidationError(
                f"no capacity; multicommodity flow needs a capacity on every link it may use "
                f"({len(set(self.compiled.arc_link[bad].tolist()))} links lack one): set the "
                "link's capacity or defaults.capacity", file=self.topology.file,
                element=f"link {name!r}", field="capacity")
        return cap[idx] / self.scale

    def pair_name(self, j: int) -> str:
        nodes = self.compiled.nodes
        return f"{nodes[self.src[j]]!r} -> {nodes[self.dst[j]]!r}"


def _network(topology: Topology, tm: TrafficMatrix, arcs: np.ndarray | None = None) -> _Network:
    if not isinstance(tm, TrafficMatrix):
        raise ValidationError(f"expected a TrafficMatrix, got {type(tm).__name__}")
    compiled = topology.compile()
    matrix = tm.for_topology(topology).gbps
    src, dst = np.nonzero(matrix)
    demand = matrix[src, dst]
    cap = compiled.capacity_gbps if arcs is None else compiled.capacity_gbps[arcs]
    finite = cap[np.isfinite(cap) & (cap > 0)]
    scale = float(finite.max()) if finite.size else (float(demand.max()) if demand.size else 1.0)
    return _Network(topology, compiled, src.astype(np.int64), dst.astype(np.int64),
                    demand / scale, scale)


def _routed_matrix(net: _Network, per_pair: np.ndarray) -> np.ndarray:
    routed = np.zeros((net.n, net.n))
    routed[net.src, net.dst] = per_pair * net.scale
    return routed


def _path_input(topology: Topology, tm: TrafficMatrix, paths: PathSet | None, k: int,
                weight: str) -> PathSet:
    if paths is None:
        return shortest_paths(topology, tm, k, weight=weight)
    return check_paths(topology, paths)


def check_paths(topology: Topology, paths: object) -> PathSet:
    """Return `paths` if it is a PathSet made for `topology`, else raise ValidationError."""
    if not isinstance(paths, PathSet):
        raise ValidationError(f"paths must be a PathSet, got {type(paths).__name__}",
                              field="paths")
    if paths.nodes != topology.site_names:
        raise ValidationError("paths were made for another topology (its sites differ)",
                              field="paths")
    return paths


# ---------------------------------------------------------------------------- solving


@dataclass(frozen=True, eq=False)
class _LP:
    """``min c x`` s.t. ``A_ub x <= b_ub``, ``A_eq x == b_eq``, ``lower <= x <= upper``."""

    c: np.ndarray
    a_ub: sp.csr_matrix | None
    b_ub: np.ndarray | None
    a_eq: sp.csr_matrix | None
    b_eq: np.ndarray | None
    upper: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        rows = sum(a.shape[0] for a in (self.a_ub, self.a_eq) if a is not None)
        return rows, len(self.c)


def _solve(lp: _LP, method: str, what: str, topology: Topology) -> tuple[np.ndarray, float,
                                                                          float]:
    from scipy.optimize import linprog

    bounds = np.column_stack([np.zeros(len(lp.c)), lp.upper])
    start = time.perf_counter()
    res = linprog(lp.c, A_ub=lp.a_ub, b_ub=lp.b_ub, A_eq=lp.a_eq, b_eq=lp.b_eq, bounds=bounds,
                  method=method)
    seconds = time.perf_counter() - start
    if res.status == 2:
        raise InfeasibleError(f"{what} has no feasible solution: {res.message}",
                              file=topology.file)
    if res.status == 3:
        raise UnboundedError(f"{what} is unbounded: {res.message}", file=topology.file)
    if res.status != 0:
        raise InfranetError(f"HiGHS did not solve {what}: {res.message}", file=topology.file)
    return res.x, float(res.fun), seconds


def _incidence(compiled) -> sp.csr_matrix:
    """``nodes x arcs``: +1 where the arc leaves the node, -1 where it enters."""
    arcs = np.arange(compiled.n_arcs)
    return sp.csr_matrix(
        (np.concatenate([np.ones(len(arcs)), -np.ones(len(arcs))]),
         (np.concatenate([compiled.tail, compiled.head]), np.concatenate([arcs, arcs]))),
        shape=(compiled.n_nodes, compiled.n_arcs))


def _check_reachable(net: _Network, what: str) -> None:
    """Name the first demand that no positive-capacity route can carry."""
    from scipy.sparse.csgraph import breadth_first_order

    compiled = net.compiled
    live = compiled.capacity_gbps > 0
    graph = sp.csr_matrix((np.ones(int(live.sum())), (compiled.tail[live], compiled.head[live])),
                          shape=(net.n, net.n))
    for source in np.unique(net.src):
        reached = np.zeros(net.n, dtype=bool)
        reached[breadth_first_order(graph, int(source), directed=True,
                                    return_predecessors=False)] = True
        lost = np.flatnonzero((net.src == source) & ~reached[net.dst])
        if lost.size:
            raise InfeasibleError(f"{what}: no route with capacity carries demand "
                                  f"{net.pair_name(int(lost[0]))}", file=net.topology.file)


# ---- arc form


def _arc_lp(net: _Network, problem: str) -> tuple[_LP, dict[str, Any]]:
    """Arc form, commodities aggregated by source: define variables, then constraints."""
    compiled = net.compiled
    n, m = net.n, compiled.n_arcs
    cap = net.capacity()

    # define variables: x[k, a] (flow of source k's commodity on arc a), then the extras
    sources, k_of = np.unique(net.src, return_inverse=True)
    n_k = len(sources)
    n_x = n_k * m
    if problem == "max_throughput":
        n_extra = len(net.src)  # r[j]: rate routed for demand j
    else:
        n_extra = 1  # U (min_mlu) or λ (max_concurrent_flow)
    n_var = n_x + n_extra
    upper = np.full(n_var, np.inf)
    c = np.zeros(n_var)
    if problem == "min_mlu":
        c[n_x] = 1.0
    elif problem == "max_concurrent_flow":
        c[n_x] = -1.0
    else:
        c[n_x:] = -1.0
        upper[n_x:] = net.demand

    # define constraints: conservation of each commodity at every node but its source,
    #   out(v) - in(v) = -d[k, v]  (times λ, or as r[j])
    incidence = _incidence(compiled)
    a_flow = sp.kron(sp.identity(n_k, format="csr"), incidence, format="csr")
    row_of_demand = k_of * n + net.dst  # row (k, dst) of each demand
    if problem == "min_mlu":
        a_extra = sp.csr_matrix((n_k * n, n_extra))
        b_eq = np.zeros(n_k * n)
        np.add.at(b_eq, row_of_demand, -net.demand)
    elif problem == "max_concurrent_flow":
        coef = np.zeros(n_k * n)
        np.add.at(coef, row_of_demand, net.demand)
        a_extra = sp.csr_matrix(coef[:, None])
        b_eq = np.zeros(n_k * n)
    else:
        a_extra = sp.csr_matrix((np.ones(len(net.src)), (row_of_demand,
                                                         np.arange(len(net.src)))),
                                shape=(n_k * n, n_extra))
        b_eq = np.zeros(n_k * n)
    keep = np.ones(n_k * n, dtype=bool)
    keep[np.arange(n_k) * n + sources] = False  # the source row is implied by the others
    a_eq = sp.hstack([a_flow, a_extra], format="csr")[keep]
    b_eq = b_eq[keep]
    #   capacity: sum_k x[k, a] <= U c[a]  (min_mlu) or c[a]
    a_sum = sp.hstack([sp.identity(m, format="csr")] * n_k, format="csr")
    if problem == "min_mlu":
        a_ub = sp.hstack([a_sum, sp.csr_matrix(-cap[:, None])], format="csr")
        b_ub = np.zeros(m)
    else:
        a_ub = sp.hstack([a_sum, sp.csr_matrix((m, n_extra))], format="csr")
        b_ub = cap
    return _LP(c, a_ub, b_ub, a_eq, b_eq, upper), {"sources": sources, "n_x": n_x}


def _solve_arc(problem: str, topology: Topology, tm: TrafficMatrix, *, flows: bool,
               method: str) -> McfResult:
    net = _network(topology, tm)
    if problem != "max_throughput" and len(net.src):
        _check_reachable(net, problem)
    if len(net.src) == 0:
        return _empty(problem, "arc", net)
    lp, meta = _arc_lp(net, problem)
    x, fun, seconds = _solve(lp, method, problem, topology)
    m = net.compiled.n_arcs
    n_x = meta["n_x"]
    per_source = x[:n_x].reshape(len(meta["sources"]), m) * net.scale
    arc_flow = per_source.sum(axis=0)
    if problem == "min_mlu":
        objective, per_pair = fun, net.demand
    elif problem == "max_concurrent_flow":
        objective = -fun
        per_pair = net.demand * objective
    else:
        per_pair = np.minimum(x[n_x:], net.demand)
        objective = -fun * net.scale
    extra = {}
    if flows:
        extra = {"commodities": tuple(net.compiled.nodes[i] for i in meta["sources"]),
                 "commodity_flow_gbps": per_source}
    return _result(problem, "arc", net, objective, arc_flow, _routed_matrix(net, per_pair),
                   seconds, lp.shape, **extra)


def _empty(problem: str, formulation: str, net: _Network) -> McfResult:
    if problem == "max_concurrent_flow":
        raise UnboundedError("max_concurrent_flow is unbounded: every demand is zero",
                             file=net.topology.file)
    m = net.compiled.n_arcs
    return _result(problem, formulation, net, 0.0, np.zeros(m), np.zeros((net.n, net.n)), 0.0,
                   (0, 0))


# ---- path form


def _path_columns(net: _Network, paths: PathSet, require: bool) -> tuple[np.ndarray,
                                                                        np.ndarray]:
    """Paths of the demanded pairs, grouped by demand (best first), and their demand index."""
    n = net.n
    pair_key = net.src * n + net.dst
    path_key = paths.src * n + paths.dst
    at = np.minimum(np.searchsorted(pair_key, path_key), max(len(pair_key) - 1, 0))
    has = (pair_key[at] == path_key) if len(pair_key) else np.zeros(len(paths), dtype=bool)
    used = np.flatnonzero(has)
    demand_of = at[used]
    order = np.argsort(demand_of, kind="stable")
    used, demand_of = used[order], demand_of[order]
    if require:
        covered = np.zeros(len(net.src), dtype=bool)
        covered[demand_of] = True
        if not covered.all():
            j = int(np.flatnonzero(~covered)[0])
            raise InfeasibleError(f"demand {net.pair_name(j)} has no path "
                                  f"({int((~covered).sum())} demands have none)",
                                  file=net.topology.file)
    return used, demand_of


def _path_lp(net: _Network, paths: PathSet, problem: str) -> tuple[_LP, dict[str, Any]]:
    """Path form over candidate paths: define variables, then constraints."""
    m = net.compiled.n_arcs
    # define variables: f[p] on the paths of pairs with a demand, then the extras
    used, demand_of = _path_columns(net, paths, require=problem != "max_throughput")
    incidence = paths.arc_matrix(m)[used]  # paths x arcs
    arcs_used = np.unique(incidence.indices)
    cap = net.capacity(arcs_used)
    on_arc = incidence[:, arcs_used].T.tocsr()  # used arcs x paths
    n_p, n_d = len(used), len(net.src)
    n_var = n_p + (0 if problem == "max_throughput" else 1)
    c = np.zeros(n_var)
    upper = np.full(n_var, np.inf)
    if problem == "min_mlu":
        c[n_p] = 1.0
    elif problem == "max_concurrent_flow":
        c[n_p] = -1.0
    else:
        c[:] = -1.0

    # define constraints: the paths of each demand carry it (or λ times it, or at most it)
    of_demand = sp.csr_matrix((np.ones(n_p), (demand_of, np.arange(n_p))), shape=(n_d, n_p))
    a_eq = b_eq = a_ub_d = b_ub_d = None
    if problem == "min_mlu":
        a_eq = sp.hstack([of_demand, sp.csr_matrix((n_d, 1))], format="csr")
        b_eq = net.demand
    elif problem == "max_concurrent_flow":
        a_eq = sp.hstack([of_demand, sp.csr_matrix(-net.demand[:, None])], format="csr")
        b_eq = np.zeros(n_d)
    else:
        a_ub_d, b_ub_d = of_demand, net.demand
    #   capacity of every arc a path uses
    if problem == "min_mlu":
        a_ub = sp.hstack([on_arc, sp.csr_matrix(-cap[:, None])], format="csr")
        b_ub = np.zeros(len(arcs_used))
    elif problem == "max_concurrent_flow":
        a_ub = sp.hstack([on_arc, sp.csr_matrix((len(arcs_used), 1))], format="csr")
        b_ub = cap
    else:
        a_ub = sp.vstack([on_arc, a_ub_d], format="csr")
        b_ub = np.concatenate([cap, b_ub_d])
    lp = _LP(c, a_ub, b_ub, a_eq, b_eq, upper)
    return lp, {"used": used, "demand_of": demand_of, "incidence": incidence}


def _highspy():
    """The ``highspy`` module, or None when it is not installed."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return highspy


def _new_highs(highspy):
    """A silent ``highspy.Highs`` (HiGHS writes its banner to stdout on the first one)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no stdout to silence
            saved = None
        try:
            if saved is not None:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
            h = highspy.Highs()
        finally:
            if saved is not None:
                os.dup2(saved, 1)
                os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def _generate_min_mlu(net: _Network, paths: PathSet, method: str,
                      ) -> tuple[np.ndarray, float, float, tuple[int, int], dict[str, Any]]:
    """Solve the path-form min-MLU LP by column generation (exactly, over all the paths).

    The restricted LP starts with the first path of each demand. After each solve, the
    capacity duals ``y`` price every candidate path (``sum of y over its arcs``); each demand
    whose cheapest candidate is cheaper than its cheapest active path gains that path. When
    no demand gains one, the duals are feasible for the full LP and the optimum is the full
    LP's optimum.

    With ``highspy`` installed (and a simplex `method`), one HiGHS model lives across the
    rounds: new paths are added as columns and each round restarts from the previous basis.
    Otherwise each round solves the restricted LP afresh through ``scipy.optimize.linprog``.
    """
    highspy = _highspy()
    if highspy is not None and method in ("highs", "highs-ds"):
        return _generate_min_mlu_highspy(net, paths, highspy)
    return _generate_min_mlu_linprog(net, paths, method)


def _gaining(cost: np.ndarray, active: np.ndarray, demand_of: np.ndarray,
             start_of: np.ndarray) -> np.ndarray:
    """The (up to ``_COLUMNS_PER_ROUND``) cheapest inactive paths of each demand that are
    cheaper than its cheapest active path by more than a relative 1e-9; empty when the
    restricted LP is optimal for the full LP."""
    best_active = np.minimum.reduceat(np.where(active, cost, np.inf), start_of)
    tol = 1e-9 * max(float(best_active.max()), 1e-300)
    idx = np.flatnonzero(~active & (cost < best_active[demand_of] - tol))
    idx = idx[np.lexsort((cost[idx], demand_of[idx]))]
    rank = np.arange(len(idx)) - np.searchsorted(demand_of[idx], demand_of[idx])
    return idx[rank < _COLUMNS_PER_ROUND]


def _generate_min_mlu_highspy(net: _Network, paths: PathSet, highspy,
                              ) -> tuple[np.ndarray, float, float, tuple[int, int],
                                         dict[str, Any]]:
    """Column generation on one incremental HiGHS model.

    The first path ``p0`` of each demand carries what its other active paths do not:
    ``f[p0] = d - sum f[p]``. Substituted, the restricted LP is: minimise ``U`` subject to,
    for every used arc ``a``, ``sum_p (a_p - a_p0)[a] f[p] - U c[a] <= -load0[a]`` (``load0``:
    every demand on its first path) and, per demand with extra paths, ``sum_p f[p] <= d``.
    A new column starts at zero, so the previous solution stays feasible and the next round
    warm-starts from its basis. The capacity rows are those of the unsubstituted LP, so their
    duals price the paths exactly as there.
    """
    m = net.compiled.n_arcs
    used, demand_of = _path_columns(net, paths, require=True)
    incidence = paths.arc_matrix(m)[used]
    arcs_used = np.unique(incidence.indices)
    cap = net.capacity(arcs_used)
    by_path = incidence[:, arcs_used].tocsr()  # paths x used arcs
    by_path.sum_duplicates()
    on_arc = by_path.T.tocsr()  # used arcs x paths
    n_p, n_d, n_c = len(used), len(net.src), len(arcs_used)
    start_of = np.searchsorted(demand_of, np.arange(n_d))
    demand = net.demand
    inf = highspy.kHighsInf

    h = _new_highs(highspy)
    # new columns keep the basis primal feasible: primal simplex restarts from it, where dual
    # simplex (HiGHS's choice) first repairs its dual infeasibilities, many times slower
    h.setOptionValue("simplex_strategy", 4)
    load = on_arc[:, start_of] @ demand[demand_of[start_of]]
    h.addRows(n_c, np.full(n_c, -inf), -load, 0, np.zeros(n_c, dtype=np.int32),
              np.zeros(0, dtype=np.int32), np.zeros(0))
    h.addCols(1, np.ones(1), np.zeros(1), np.full(1, inf), n_c, np.zeros(1, dtype=np.int32),
              np.arange(n_c, dtype=np.int32), -cap)
    active = np.zeros(n_p, dtype=bool)
    active[start_of] = True
    row_of = np.full(n_d, -1, dtype=np.int64)  # the row of each demand with extra paths
    n_rows = n_c
    col_path = np.zeros(0, dtype=np.int64)  # the path of each column after U
    seconds = 0.0
    while True:
        t0 = time.perf_counter()
        h.run()
        seconds += time.perf_counter() - t0
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise InfranetError(f"HiGHS did not solve min_mlu: "
                                f"{h.modelStatusToString(h.getModelStatus())}",
                                file=net.topology.file)
        solution = h.getSolution()
        y = np.maximum(-np.asarray(solution.row_dual)[:n_c], 0.0)
        cost = on_arc.T @ y
        new = _gaining(cost, active, demand_of, start_of)
        if _log.isEnabledFor(logging.DEBUG) and float(cap @ y) > 0:
            # any y >= 0 bounds the full LP: U >= sum_d d min_p cost_p / sum_a c_a y_a
            bound = float(demand @ np.minimum.reduceat(cost, start_of)) / float(cap @ y)
            _log.debug("column generation: lower bound %.15g", bound)
        _log.debug("column generation: %d columns, %d rows, MLU %.12g, %d new columns, "
                   "%.2f s, %d iterations", len(col_path) + 1, n_rows,
                   h.getInfo().objective_function_value, new.size, time.perf_counter() - t0,
                   h.getInfo().simplex_iteration_count)
        if new.size == 0:
            break
        # a row for each demand that gains its first extra path
        d_new = demand_of[new]
        rowless = np.unique(d_new[row_of[d_new] < 0])
        if rowless.size:
            row_of[rowless] = n_rows + np.arange(rowless.size)
            n_rows += rowless.size
            h.addRows(rowless.size, np.full(rowless.size, -inf), demand[rowless], 0,
                      np.zeros(rowless.size, dtype=np.int32), np.zeros(0, dtype=np.int32),
                      np.zeros(0))
        # the columns: arcs of the path minus arcs of its demand's first path, and the demand
        delta = (by_path[new] - by_path[start_of[d_new]]).tocoo()
        delta.eliminate_zeros()
        rows = np.concatenate([delta.col, row_of[d_new]])
        cols = np.concatenate([delta.row, np.arange(new.size)])
        vals = np.concatenate([delta.data, np.ones(new.size)])
        block = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, new.size))
        block.sort_indices()
        h.addCols(new.size, np.zeros(new.size), np.zeros(new.size), np.full(new.size, inf),
                  block.nnz, block.indptr[:-1].astype(np.int32),
                  block.indices.astype(np.int32), block.data)
        active[new] = True
        col_path = np.concatenate([col_path, new])
    x = np.asarray(solution.col_value)
    flow = np.zeros(n_p)
    flow[col_path] = x[1:]
    rest = demand - np.bincount(demand_of[col_path], weights=x[1:], minlength=n_d)
    flow[start_of] = np.maximum(rest, 0.0)  # the first path, to round-off
    meta = {"used": used, "demand_of": demand_of, "incidence": incidence,
            "columns": int(active.sum())}
    objective = float(h.getInfo().objective_function_value)
    return flow, objective, seconds, (n_rows, int(active.sum()) + 1), meta


def _generate_min_mlu_linprog(net: _Network, paths: PathSet, method: str,
                              ) -> tuple[np.ndarray, float, float, tuple[int, int],
                                         dict[str, Any]]:
    """Column generation through ``scipy.optimize.linprog``, one LP from scratch per round.

    A demand with one active path is a constant load; the others get a variable per active
    path.
    """
    from scipy.optimize import linprog

    m = net.compiled.n_arcs
    used, demand_of = _path_columns(net, paths, require=True)
    incidence = paths.arc_matrix(m)[used]
    arcs_used = np.unique(incidence.indices)
    cap = net.capacity(arcs_used)
    on_arc = incidence[:, arcs_used].T.tocsr()  # used arcs x paths
    n_p, n_d = len(used), len(net.src)
    start_of = np.searchsorted(demand_of, np.arange(n_d))
    active = np.zeros(n_p, dtype=bool)
    active[start_of] = True
    demand = net.demand
    seconds = 0.0
    rows = 0
    while True:
        # define variables: f on the active paths of demands with several, then U
        n_active = np.bincount(demand_of[active], minlength=n_d)
        multi = n_active[demand_of] > 1
        var = np.flatnonzero(active & multi)
        fixed = np.flatnonzero(active & ~multi)
        load = on_arc[:, fixed] @ demand[demand_of[fixed]]
        # define constraints: each multi-path demand is carried; load <= U * c
        groups, group_of = np.unique(demand_of[var], return_inverse=True)
        a_eq = sp.hstack([sp.csr_matrix((np.ones(len(var)), (group_of, np.arange(len(var)))),
                                        shape=(len(groups), len(var))),
                          sp.csr_matrix((len(groups), 1))], format="csr")
        a_ub = sp.hstack([on_arc[:, var], sp.csr_matrix(-cap[:, None])], format="csr")
        c = np.zeros(len(var) + 1)
        c[-1] = 1.0
        t0 = time.perf_counter()
        res = linprog(c, A_ub=a_ub, b_ub=-load, A_eq=a_eq if len(groups) else None,
                      b_eq=demand[groups] if len(groups) else None, bounds=(0, None),
                      method=method)
        seconds += time.perf_counter() - t0
        rows = max(rows, a_ub.shape[0] + a_eq.shape[0])
        if res.status != 0:
            raise InfranetError(f"HiGHS did not solve min_mlu: {res.message}",
                                file=net.topology.file)
        # price every candidate path with the capacity duals
        y = np.maximum(-res.ineqlin.marginals, 0.0)
        cost = on_arc.T @ y
        best_active = np.minimum.reduceat(np.where(active, cost, np.inf), start_of)
        best_any = np.minimum.reduceat(cost, start_of)
        tol = 1e-9 * max(float(best_active.max()), 1e-300)
        gain = np.flatnonzero(best_any < best_active - tol)
        _log.debug("column generation: %d columns, %d rows, MLU %.12g, %d demands improve, "
                   "%.2f s", len(var), a_ub.shape[0] + a_eq.shape[0], res.fun, gain.size,
                   time.perf_counter() - t0)
        if gain.size == 0:
            break
        # the cheapest inactive path of each demand that gains one
        candidate = ~active & (cost < best_active[demand_of] - tol) & np.isin(demand_of, gain)
        idx = np.flatnonzero(candidate)
        order = np.lexsort((cost[idx], demand_of[idx]))
        idx = idx[order]
        first = np.ones(len(idx), dtype=bool)
        first[1:] = demand_of[idx[1:]] != demand_of[idx[:-1]]
        active[idx[first]] = True
    flow = np.zeros(n_p)
    flow[fixed] = demand[demand_of[fixed]]
    flow[var] = res.x[:-1]
    meta = {"used": used, "demand_of": demand_of, "incidence": incidence,
            "columns": int(active.sum())}
    return flow, float(res.fun), seconds, (rows, int(active.sum()) + 1), meta


def _solve_path(problem: str, topology: Topology, tm: TrafficMatrix, paths: PathSet | None,
                k: int, weight: str, method: str, columns: str = "all") -> McfResult:
    paths = _path_input(topology, tm, paths, k, weight)
    net = _network(topology, tm, paths.arcs)
    if len(net.src) == 0:
        return _empty(problem, "path", net)
    if columns not in ("auto", "all", "generate"):
        raise ValidationError(f"columns must be 'auto', 'all' or 'generate', got {columns!r}",
                              field="columns")
    if columns == "auto":
        columns = "generate" if len(paths) > _GENERATE_ABOVE else "all"
    if columns == "generate" and problem != "max_throughput":
        # max concurrent flow over fixed paths is min MLU rescaled: λ = 1 / MLU
        x, fun, seconds, shape, meta = _generate_min_mlu(net, paths, method)
        if problem == "max_concurrent_flow":
            if fun <= 0:
                raise UnboundedError("max_concurrent_flow is unbounded: no demand loads a "
                                     "link", file=topology.file)
            x, fun = x / fun, -1.0 / fun
        lp_shape = shape
    else:
        lp, meta = _path_lp(net, paths, problem)
        x, fun, seconds = _solve(lp, method, problem, topology)
        lp_shape = lp.shape
    n_p = len(meta["used"])
    flow = x[:n_p] * net.scale
    arc_flow = meta["incidence"].T @ flow
    per_pair = np.bincount(meta["demand_of"], weights=x[:n_p], minlength=len(net.src))
    if problem == "min_mlu":
        objective, per_pair = fun, net.demand
    elif problem == "max_concurrent_flow":
        objective = -fun
        per_pair = net.demand * objective
    else:
        objective = -fun * net.scale
        per_pair = np.minimum(per_pair, net.demand)
    path_flow = np.zeros(len(paths))
    path_flow[meta["used"]] = flow
    return _result(problem, "path", net, objective, arc_flow, _routed_matrix(net, per_pair),
                   seconds, lp_shape, paths=paths, path_flow_gbps=path_flow)


def _dispatch(problem: str, topology: Topology, tm: TrafficMatrix, formulation: str,
              paths: PathSet | None, k: int, weight: str, flows: bool, method: str,
              columns: str = "all") -> McfResult:
    if formulation == "arc":
        if paths is not None:
            raise ValidationError("paths are for formulation='path'", field="paths")
        return _solve_arc(problem, topology, tm, flows=flows, method=method)
    if formulation == "path":
        return _solve_path(problem, topology, tm, paths, k, weight, method, columns)
    raise ValidationError(f"formulation must be 'arc' or 'path', got {formulation!r}"
                          f"{did_you_mean(formulation, FORMULATIONS)}", field="formulation")


# ---------------------------------------------------------------------------- public LPs


def min_mlu(topology: Topology, tm: TrafficMatrix, *, formulation: str = "arc",
            paths: PathSet | None = None, k: int = 4, weight: str = "hops",
            flows: bool = False, method: str = "highs", columns: str = "auto") -> McfResult:
    """Route every demand in full, minimising the maximum link utilisation (MLU).

    The arc form is: minimise ``U`` subject to, for every source ``s`` with demands and every
    node ``v != s``, ``sum_out x[s, a] - sum_in x[s, a] = -d[s, v]``, and for every arc ``a``
    ``sum_s x[s, a] <= U * c[a]``. The path form: ``sum_{p of (s,t)} f[p] = d[s, t]`` and
    ``sum_{p through a} f[p] <= U * c[a]``.

    Parameters
    ----------
    topology, tm
        The network (capacities in Gb/s on every link) and the demands in Gb/s.
    formulation
        ``"arc"`` (exact over all routings) or ``"path"`` (over `paths`).
    paths
        Candidate paths for the path form (e.g. :func:`read_tunnels`); default the `k`
        shortest paths of each demanded pair by `weight` (:func:`shortest_paths`).
    flows
        Arc form: also return the flow of each source's commodity on each arc.
    method
        The scipy ``linprog`` HiGHS method: ``"highs"`` (HiGHS chooses),
        ``"highs-ds"`` (dual simplex) or ``"highs-ipm"`` (interior point).
    columns
        Path form: ``"all"`` builds one LP with every path; ``"generate"`` solves the same LP
        by column generation (a small LP with the paths that matter, priced with the capacity
        duals until no path improves; the same optimum, far less memory on large instances;
        with ``highspy`` installed and a simplex `method`, one HiGHS model grows across the
        rounds, each restarting from the previous basis); ``"auto"``: generate above 100,000
        paths.

    Returns
    -------
    McfResult
        ``objective`` is the optimal MLU (can exceed 1: the demands do not fit).

    Raises
    ------
    InfeasibleError
        When a demand has no route (arc form: no path of positive capacity; path form: no
        candidate path).
    ValidationError
        When a link the LP may use has no capacity.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100}, {"a": "y", "b": "z", "capacity": 100},
    ...               {"a": "x", "b": "z", "capacity": 100}]})
    >>> tm = TrafficMatrix(("x", "z"), [[0, 150], [0, 0]])
    >>> round(min_mlu(topo, tm).objective, 9), round(min_mlu(topo, tm, formulation="path").mlu, 9)
    (0.75, 0.75)
    """
    return _dispatch("min_mlu", topology, tm, formulation, paths, k, weight, flows, method,
                     columns)


def max_concurrent_flow(topology: Topology, tm: TrafficMatrix, *, formulation: str = "arc",
                        paths: PathSet | None = None, k: int = 4, weight: str = "hops",
                        flows: bool = False, method: str = "highs", columns: str = "auto",
                        ) -> McfResult:
    """Return the largest ``λ`` such that ``λ`` times every demand fits within capacity.

    ``objective`` is ``λ`` (``1 / MLU`` of :func:`min_mlu` over the same routings); the flows
    carry ``λ`` times each demand. Options as :func:`min_mlu`.

    Raises
    ------
    UnboundedError
        When every demand is zero.
    """
    return _dispatch("max_concurrent_flow", topology, tm, formulation, paths, k, weight, flows,
                     method, columns)


def max_throughput(topology: Topology, tm: TrafficMatrix, *, formulation: str = "arc",
                   paths: PathSet | None = None, k: int = 4, weight: str = "hops",
                   flows: bool = False, method: str = "highs") -> McfResult:
    """Return the largest total rate in Gb/s routed within capacity, each demand at most in
    full (``routed_gbps`` per pair). Options as :func:`min_mlu`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xy"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100}]})
    >>> tm = TrafficMatrix(("x", "y"), [[0, 150], [30, 0]])
    >>> max_throughput(topo, tm).objective
    130.0
    """
    return _dispatch("max_throughput", topology, tm, formulation, paths, k, weight, flows,
                     method)


# ---------------------------------------------------------------------------- max-min fair


def max_min_fair(topology: Topology, tm: TrafficMatrix, paths: PathSet | None = None, *,
                 split: str = "equal", k: int = 4, weight: str = "hops") -> McfResult:
    """Return max-min fair rates in Gb/s over given paths, by progressive filling.

    All demands start at rate 0 and grow at the same pace (water-filling). A demand stops
    growing when it is met in full, or when an arc it uses is full; the others go on until
    every demand has stopped. The result is the max-min fair allocation for the routing
    fixed by `paths` and `split`.

    Parameters
    ----------
    paths
        Candidate paths per pair; default the `k` shortest by `weight`.
    split
        ``"equal"``: a demand's rate is split equally over all its paths (each carries
        ``rate / len(paths)``); ``"single"``: a demand uses only its first (shortest) path.
        A demand without a path gets rate 0.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100}, {"a": "y", "b": "z", "capacity": 40}]})
    >>> tm = TrafficMatrix(("x", "y", "z"), [[0, 90, 90], [0, 0, 0], [0, 0, 0]])
    >>> r = max_min_fair(topo, tm)  # x->z is held at 40 by y--z, x->y then gets the rest
    >>> float(r.routed_gbps[0, 2]), float(r.routed_gbps[0, 1])
    (40.0, 60.0)
    """
    if split not in ("equal", "single"):
        raise ValidationError(f"split must be 'equal' or 'single', got {split!r}",
                              field="split")
    paths = _path_input(topology, tm, paths, k, weight)
    net = _network(topology, tm, paths.arcs)
    m = net.compiled.n_arcs
    start = time.perf_counter()
    used, demand_of = _path_columns(net, paths, require=False)
    if split == "single":
        first = np.ones(len(used), dtype=bool)
        first[1:] = demand_of[1:] != demand_of[:-1]
        used, demand_of = used[first], demand_of[first]
    n_d = len(net.src)
    count = np.bincount(demand_of, minlength=n_d).astype(float)
    share = 1.0 / count[demand_of]  # fraction of the demand's rate on each path
    incidence = paths.arc_matrix(m)[used]
    arcs_used = np.unique(incidence.indices)
    cap = net.capacity(arcs_used)
    # load[a, j]: flow on arc a per unit of demand j's rate
    per_path = sp.csr_matrix((share, (np.arange(len(used)), demand_of)), shape=(len(used), n_d))
    load = (incidence[:, arcs_used].T @ per_path).tocsr()
    rate = np.zeros(n_d)
    active = count > 0
    residual = cap.copy()
    tol = 1e-12
    while active.any():
        growth = load @ active.astype(float)  # per-arc load increase per unit of rate
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(growth > tol, residual / growth, np.inf)
        step = min(float(room.min()) if room.size else math.inf,
                   float((net.demand - rate)[active].min()))
        step = max(step, 0.0)
        rate[active] += step
        residual = np.maximum(residual - growth * step, 0.0)
        full_arcs = (growth > tol) & (residual <= tol * np.maximum(cap, 1.0))
        blocked = np.asarray(load[full_arcs].sum(axis=0)).ravel() > 0
        done = (net.demand - rate) <= tol * np.maximum(net.demand, 1.0)
        active &= ~(blocked | done)
    seconds = time.perf_counter() - start
    path_flow = np.zeros(len(paths))
    path_flow[used] = rate[demand_of] * share * net.scale
    arc_flow = incidence.T @ path_flow[used]
    routed = _routed_matrix(net, rate)
    return _result("max_min_fair", "path", net, routed.sum(), arc_flow, routed, seconds,
                   (0, 0), status="filled", paths=paths, path_flow_gbps=path_flow)
