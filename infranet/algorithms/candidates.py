"""Candidate paths for path-based routing and LPs: the `k` shortest paths of each pair (Yen's
algorithm, or a vectorised deviation search over every pair at once) and tunnels read from a
file. Every function returns a :class:`~infranet.algorithms.paths.PathSet`.

Examples
--------
>>> from infranet.model import Topology
>>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
...     "links": [{"a": "x", "b": "y"}, {"a": "y", "b": "z"}, {"a": "x", "b": "z"}]})
>>> paths = shortest_paths(topo, [("x", "z")], k=2)
>>> paths.to_frame(topo)["nodes"].tolist()
['x-z', 'x-y-z']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.algorithms.arcs import (
    POSITIVE_FLOOR,
    arc_lookup,
    arc_weights,
    lookup_arcs,
    reachable,
)
from infranet.algorithms.paths import PathSet, gather
from infranet.errors import FormatError, UnknownNameError, ValidationError, did_you_mean

if TYPE_CHECKING:
    from infranet.model import Compiled, Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["METHODS", "read_tunnels", "shortest_paths", "simple_paths"]

METHODS = ("auto", "yen", "deviation")
YEN_MAX_PAIRS = 2000  # above this, method="auto" uses the vectorised deviation paths
_DENSE_LOOKUP = 1 << 22  # node pairs up to which the arc of each pair is a dense table


def shortest_paths(topology: Topology,
                   pairs: TrafficMatrix | Flows | Sequence[tuple[str, str]] | None = None,
                   k: int = 4, *, weight: str = "hops", method: str = "auto",
                   usable: np.ndarray | None = None) -> PathSet:
    """Return up to `k` loop-free paths per ordered pair, shortest first.

    Parameters
    ----------
    pairs
        The pairs: those with a positive demand in a TrafficMatrix or Flows (each pair once),
        a list of ``(src, dst)`` names, or every ordered pair of distinct nodes (default).
    k
        Paths per pair (fewer when the graph holds fewer).
    weight
        A name of :data:`infranet.algorithms.arcs.WEIGHTS` (default ``"hops"``).
    method
        ``"yen"``: the exact `k` shortest simple paths of each pair (Yen's algorithm, one
        search per pair on a graph built once). ``"deviation"``: vectorised over all pairs at
        once — the shortest path, then the ``k - 1`` cheapest loop-free paths that leave it
        once and follow the shortest-path tree towards the target from there (the
        single-sidetrack paths of Eppstein's algorithm). The first path is a shortest path;
        the others are a fast approximation of Yen's, never shorter than Yen's of the same
        rank, and a pair may get fewer than `k` (on GEANT, 3.2 paths per pair for k = 4
        against Yen's 4.0): a deviation whose tree path leads back onto the shortest path
        is dropped, so around a ring, where the tree path from the first hop the other way
        round returns through the source, it finds one path where Yen finds both.
        ``"auto"``: Yen up to :data:`YEN_MAX_PAIRS` (2,000) pairs, else deviation.
    usable
        Arcs the paths may use (a boolean mask over arcs; default all), e.g. the arcs that
        survive a failure.

    Notes
    -----
    Pairs that no path joins get no path.
    """
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValidationError(f"k must be a whole number of at least 1, got {k!r}", field="k")
    if method not in METHODS:
        raise ValidationError(f"method must be one of {', '.join(METHODS)}, got {method!r}"
                              f"{did_you_mean(str(method), METHODS)}", field="method")
    compiled = topology.compile()
    s, t = _pairs(topology, pairs)
    weights = arc_weights(topology, weight, floor=POSITIVE_FLOOR)
    if usable is not None:
        usable = np.asarray(usable, dtype=bool)
        if usable.shape != (compiled.n_arcs,):
            raise ValidationError(f"usable must hold one entry per arc ({compiled.n_arcs})",
                                  field="usable")
        if not usable.all():
            joined = reachable(topology, s, t, usable)
            s, t = s[joined], t[joined]
    if method == "auto":
        method = "yen" if len(s) <= YEN_MAX_PAIRS else "deviation"
    if method == "yen":
        return _yen_paths(compiled, weights, s, t, int(k), usable)
    return _deviation_paths(compiled, weights, s, t, int(k), usable)


def _pairs(topology: Topology, pairs: Any) -> tuple[np.ndarray, np.ndarray]:
    from infranet.traffic import Flows, TrafficMatrix, as_flows

    compiled = topology.compile()
    n = compiled.n_nodes
    if pairs is None:
        s, t = np.nonzero(~np.eye(n, dtype=bool))
    elif isinstance(pairs, (TrafficMatrix, Flows)):
        flows = as_flows(topology, pairs)
        live = flows.demand_gbps > 0
        key = np.unique(flows.src[live] * n + flows.dst[live])
        s, t = key // n, key % n
    else:
        names = list(pairs)
        s = np.array([topology.node_index(a) for a, _ in names], dtype=np.int64)
        t = np.array([topology.node_index(b) for _, b in names], dtype=np.int64)
        if (s == t).any():
            raise ValidationError("a pair joins a node to itself", field="pairs")
    return np.asarray(s, dtype=np.int64), np.asarray(t, dtype=np.int64)


# ---------------------------------------------------------------------------- Yen


def simple_paths(compiled: Compiled, weights: np.ndarray, pairs: Sequence[tuple[int, int]],
                 k: int, usable: np.ndarray | None = None) -> list[list[np.ndarray]]:
    """Return the `k` shortest simple paths (as arc ids) of each ``(s, t)`` pair, by Yen's
    algorithm (networkx ``shortest_simple_paths``) on one graph built for all pairs.

    Parallel links count as different paths: each link is a small node of its own, so that
    the simple-path search tells them apart (``site -(w/2)- link -(w/2)- site``).
    """
    import networkx as nx

    n = compiled.n_nodes
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    arcs = np.arange(compiled.n_arcs) if usable is None else np.flatnonzero(usable)
    for arc in arcs.tolist():
        u, v, mid = int(compiled.tail[arc]), int(compiled.head[arc]), n + arc // 2
        half = float(weights[arc]) / 2.0
        graph.add_edge(u, mid, w=half)
        graph.add_edge(mid, v, w=half)
    out = []
    for s, t in pairs:
        found: list[np.ndarray] = []
        try:
            for route in nx.shortest_simple_paths(graph, s, t, weight="w"):
                ids = []
                for i in range(1, len(route) - 1, 2):
                    link = route[i] - n
                    ids.append(2 * link if route[i - 1] == compiled.tail[2 * link]
                               else 2 * link + 1)
                found.append(np.array(ids, dtype=np.int64))
                if len(found) == k:
                    break
        except nx.NetworkXNoPath:
            pass
        out.append(found)
    return out


def _yen_paths(compiled: Compiled, weights: np.ndarray, s: np.ndarray, t: np.ndarray, k: int,
               usable: np.ndarray | None) -> PathSet:
    from scipy.sparse.csgraph import connected_components

    mask = np.ones(compiled.n_arcs, dtype=bool) if usable is None else usable
    graph = sp.csr_matrix((np.ones(int(mask.sum())), (compiled.tail[mask],
                                                       compiled.head[mask])),
                          shape=(compiled.n_nodes, compiled.n_nodes))
    component = connected_components(graph, directed=False)[1]
    joined = component[s] == component[t]
    s, t = s[joined], t[joined]
    found = simple_paths(compiled, weights, list(zip(s.tolist(), t.tolist(), strict=True)), k,
                         usable)
    src, dst, lengths, arcs = [], [], [], []
    for a, b, paths in zip(s.tolist(), t.tolist(), found, strict=True):
        for ids in paths:
            arcs.append(ids)
            src.append(a)
            dst.append(b)
            lengths.append(len(ids))
    indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    flat = np.concatenate(arcs) if arcs else np.zeros(0, dtype=np.int64)
    return PathSet(compiled.nodes, np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64),
                   indptr, flat)


# ---------------------------------------------------------------------------- deviation


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


def _walk_arcs(lookup: sp.csr_matrix | np.ndarray, walk: np.ndarray) -> np.ndarray:
    """Arc ids between consecutive rows of a padded node walk (-1 where no hop); `lookup` is
    an :func:`~infranet.algorithms.arcs.arc_lookup` table, or the same as a dense ``n * n``
    array of arc ids (-1: none), much faster to index."""
    u, v = walk[:-1], walk[1:]
    hop = (u >= 0) & (v >= 0)
    out = np.full(u.shape, -1, dtype=np.int64)
    if isinstance(lookup, np.ndarray):
        n = math.isqrt(len(lookup))
        out[hop] = lookup[u[hop] * n + v[hop]]
    else:
        out[hop] = lookup_arcs(lookup, u[hop], v[hop])
    return out


def _deviation_paths(compiled: Compiled, weights: np.ndarray, s: np.ndarray, t: np.ndarray,
                     k: int, usable: np.ndarray | None = None) -> PathSet:
    from scipy.sparse.csgraph import dijkstra

    n = compiled.n_nodes
    if not len(s):
        return PathSet(compiled.nodes, np.zeros(0), np.zeros(0), np.zeros(1), np.zeros(0))
    if usable is not None:
        weights = np.where(usable, weights, np.inf)
    lookup = arc_lookup(compiled, weights)
    if usable is not None:
        lookup.data[~usable[lookup.data - 1]] = 0
        lookup.eliminate_zeros()
    best = lookup.copy()
    best.data = weights[best.data - 1].astype(float)
    if n * n <= _DENSE_LOOKUP:  # a dense table of arcs by (u, v) is indexed far faster
        lookup = lookup.toarray().ravel().astype(np.int64) - 1
    targets, target_row = np.unique(t, return_inverse=True)
    # distances to every target, and its shortest-path tree: Dijkstra on the reversed graph,
    # where the predecessor of x is its next hop towards the target
    dist, pred = dijkstra(best.T.tocsr(), directed=True, indices=targets,
                          return_predecessors=True)
    dist, pred = np.atleast_2d(dist), np.atleast_2d(pred).astype(np.int64)
    reach = np.isfinite(dist[target_row, s])
    s, t, target_row = s[reach], t[reach], target_row[reach]
    live_arcs = np.arange(compiled.n_arcs) if usable is None else np.flatnonzero(usable)
    out_arcs = live_arcs[np.argsort(compiled.tail[live_arcs], kind="stable")]
    out_ptr = np.concatenate([[0], np.cumsum(np.bincount(compiled.tail[live_arcs],
                                                         minlength=n))])

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

    # each part flattened row by row (rows stay contiguous), then rows gathered in order
    pair_of = np.concatenate([p[0] for p in paths])
    rank_of = np.concatenate([p[1] for p in paths])
    masks = [p[2] >= 0 for p in paths]
    flat = np.concatenate([p[2][mask] for p, mask in zip(paths, masks, strict=True)])
    lengths = np.concatenate([mask.sum(axis=1) for mask in masks])
    order = np.lexsort((rank_of, pair_of))
    ptr = np.concatenate([[0], np.cumsum(lengths)])
    arcs, counts = gather(ptr, flat, order)
    return s[pair_of[order]], t[pair_of[order]], counts, arcs


# ---------------------------------------------------------------------------- tunnels


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
    lookup = arc_lookup(compiled)
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
    arcs = lookup_arcs(lookup, u, v)
    if (arcs < 0).any():
        bad = int(np.flatnonzero(arcs < 0)[0])
        line_of = np.repeat(np.array(where, dtype=np.int64), lengths)[bad]
        raise ValidationError(
            f"no link joins {compiled.nodes[u[bad]]!r} and {compiled.nodes[v[bad]]!r}",
            file=file, element=f"line {line_of}")
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return PathSet(compiled.nodes, np.array(src, dtype=np.int64),
                   np.array(dst, dtype=np.int64), indptr, arcs)
