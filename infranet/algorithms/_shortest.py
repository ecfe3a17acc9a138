"""Exact shortest-path distance engine for sparse, weighted networks.

The engine computes all-pairs or multi-source shortest-path distances on a
graph given as arrays of arc endpoints and non-negative weights.  Results are
identical (up to floating-point rounding of sums) to running Dijkstra's
algorithm from every requested source, but much faster on infrastructure-like
graphs, which are dominated by low-degree nodes (cable waypoints, pendant
access trees, chains of relays).

How it works, for undirected graphs:

1. *Simplify*: drop self-loops and infinite weights, keep the lightest of
   parallel edges and contract zero-weight edges (their endpoints are at
   distance zero, so they behave as one node).
2. *Reduce*: repeatedly eliminate an independent set of low-degree nodes.  A
   removed node ``x`` with neighbours ``a_1 .. a_k`` gets shortcut edges
   ``a_i - a_j`` of length ``w(x, a_i) + w(x, a_j)``, so the remaining graph
   keeps the exact distances between its nodes.  Pendant trees and degree-2
   chains (subsea cable waypoints) disappear in a few rounds; the remaining
   *core* is a small fraction of the graph.
3. *Solve the core* with Dijkstra (or Floyd-Warshall when the core is tiny).
4. *Expand*: undo the rounds in reverse order.  For a node ``x`` removed in a
   round, and any node ``t`` still present at that round,
   ``d(x, t) = min_i w(x, a_i) + d(a_i, t)``, which is a vectorised minimum
   over a handful of matrix rows.  Distances between two nodes of the same
   round use the same identity on the target side.

With ``sources``, only the rows of the sources and of the nodes they expand
from are built.  When there are few sources, or few low-degree nodes (dense
meshes, random geometric graphs), the reduction does not pay for itself and
the engine runs Dijkstra on the simplified graph instead, after a
bandwidth-reducing relabelling of large graphs for memory locality.

Rows and columns are stored in elimination order so that every expansion step
touches contiguous memory; the final matrix is permuted back in place.  Scipy's
Dijkstra holds the GIL, so large Dijkstra batches are split across forked
worker processes writing into shared memory, while the numpy expansion is split
across threads (numpy releases the GIL).

Directed graphs whose arcs are all mirrored with equal weights are treated as
undirected; other directed graphs use (parallel) Dijkstra on the simplified
graph.
"""

from __future__ import annotations

import mmap
import os
import signal
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import (
    connected_components,
    dijkstra,
    floyd_warshall,
    reverse_cuthill_mckee,
)

from infranet.algorithms.arcs import simple_arcs

__all__ = ["distances", "distances_and_predecessors"]

# Nodes up to this degree may be eliminated while the edge count stays at or
# below its initial value; degree <= 2 nodes never add edges and are always
# eligible.
_MAX_ELIM_DEGREE = 8
# Below this share of eligible nodes the reduction cannot pay for itself.
_MIN_REDUCIBLE_FRACTION = 0.2
# Fewer sources than this (or than n / _SOURCES_FRACTION_FOR_REDUCTION):
# plain Dijkstra beats the fixed cost of reducing the graph.
_MIN_SOURCES_FOR_REDUCTION = 128
_SOURCES_FRACTION_FOR_REDUCTION = 32
# Work units (sources * (nodes + arcs)) above which forking workers pays off;
# one unit is roughly 50 ns of scipy Dijkstra time.
_FORK_MIN_WORK = 2_000_000
# Graphs smaller than this (nodes + arcs) fit in cache; there a second worker
# process was measured to gain nothing, so only larger graphs are split.
_FORK_MIN_GRAPH = 100_000
# Matrix cells above which a numpy step is split across threads.
_THREAD_MIN_CELLS = 400_000
# Cells per block of vectorised work (1 MiB of float64).
_BLOCK_CELLS = 1 << 17
# Reorder large graphs for memory locality before many Dijkstra runs.
_RCM_MIN_NODES = 20_000
_RCM_MIN_SOURCES = 16


# --------------------------------------------------------------------------
# input handling


def _as_graph(n, tails, heads, weights):
    """Validate inputs; return int64 endpoints, float64 weights and arc ids."""
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    t = np.asarray(tails)
    h = np.asarray(heads)
    w = np.asarray(weights, dtype=np.float64)
    if t.ndim != 1 or h.ndim != 1 or w.ndim != 1:
        raise ValueError("tails, heads and weights must be one-dimensional")
    if not (len(t) == len(h) == len(w)):
        raise ValueError(
            f"tails, heads and weights differ in length: {len(t)}, {len(h)}, {len(w)}"
        )
    if len(t) and not (np.issubdtype(t.dtype, np.integer) and np.issubdtype(h.dtype, np.integer)):
        raise TypeError("tails and heads must be integer arrays")
    t = t.astype(np.int64, copy=False)
    h = h.astype(np.int64, copy=False)
    if len(t) and (min(t.min(), h.min()) < 0 or max(t.max(), h.max()) >= n):
        raise ValueError(f"arc endpoints must lie in [0, {n})")
    if np.isnan(w).any() or (w < 0).any():
        raise ValueError("weights must be non-negative numbers")
    ids = np.arange(len(t), dtype=np.int64)
    # Self-loops never shorten a path; infinite arcs are never usable.
    keep = (t != h) & np.isfinite(w)
    if not keep.all():
        t, h, w, ids = t[keep], h[keep], w[keep], ids[keep]
    return n, t, h, w, ids


def _as_sources(sources, n):
    s = np.asarray(sources)
    if s.ndim == 0:
        s = s.reshape(1)
    if s.ndim != 1:
        raise ValueError("sources must be a one-dimensional sequence of node indices")
    if len(s) and not np.issubdtype(s.dtype, np.integer):
        raise TypeError("sources must be integers")
    s = s.astype(np.int64, copy=False)
    if len(s) and (s.min() < 0 or s.max() >= n):
        raise ValueError(f"sources must lie in [0, {n})")
    return s


def _n_workers(workers):
    from infranet.parallel import workers as resolve

    return resolve(workers)


def _coalesce(n, a, b, w, ids=None, undirected=True):
    """Keep the lightest of parallel edges (lowest id on ties):
    :func:`infranet.algorithms.arcs.simple_arcs`, the one home of that rule.

    Undirected edges come back with ``a < b``.  Returns ``(a, b, w, ids)``
    sorted by ``(a, b)``.
    """
    if undirected:
        a, b = np.minimum(a, b), np.maximum(a, b)
    sel = simple_arcs(a, b, w)  # ids, where given, grow with the position: ties alike
    return a[sel], b[sel], w[sel], (None if ids is None else ids[sel])


def _csr(n, rows, cols, data):
    """CSR matrix of distinct arcs that keeps explicit zero weights as edges."""
    g = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    if g.nnz != len(data):  # pragma: no cover - zeros dropped by this scipy
        order = np.lexsort((cols, rows))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        g = sp.csr_matrix((data[order], cols[order], indptr), shape=(n, n))
    # csgraph treats stored zeros as zero-length edges.
    return g


def _sym_csr(n, a, b, w):
    return _csr(n, np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w]))


# --------------------------------------------------------------------------
# parallel helpers


def _fork_allowed():
    # Forking is only safe when no other Python thread can hold a lock the
    # child would need.
    return hasattr(os, "fork") and threading.active_count() == 1


def _select(R, rows, cols, pool):
    """``R[rows][:, cols]``, where ``None`` keeps every row or column."""
    if rows is None and cols is None:
        return R
    if cols is None:
        return np.take(R, rows, axis=0)
    return _gather_rows_cols(R, np.arange(len(R)) if rows is None else rows, cols, pool)


def _dijkstra_rows(csr, sources, workers, rows=None, cols=None, pool=None):
    """Shortest distances from ``sources`` on ``csr`` (arcs as given).

    Returns ``D[rows][:, cols]`` for the ``len(sources) x n`` result ``D``;
    selecting while copying out saves a pass over a large result.
    """
    n = csr.shape[0]
    k = len(sources)
    if k == 0:
        return _select(np.empty((0, n)), rows, cols, pool)
    work = k * (n + csr.nnz)
    parts = min(workers, k)
    small = n + csr.nnz < _FORK_MIN_GRAPH
    if parts < 2 or small or work < _FORK_MIN_WORK or not _fork_allowed():
        return _select(dijkstra(csr, directed=True, indices=sources), rows, cols, pool)

    # Scipy's Dijkstra keeps the GIL, so threads do not help; forked children
    # inherit the graph for free and write their rows into shared memory.
    buf = mmap.mmap(-1, k * n * 8, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    shared = np.frombuffer(buf, dtype=np.float64, count=k * n).reshape(k, n)
    bounds = np.linspace(0, k, parts + 1).astype(np.int64)
    pids = {}
    try:
        for p in range(1, parts):
            lo, hi = bounds[p], bounds[p + 1]
            with warnings.catch_warnings():
                # Python >= 3.12 warns about fork() when native libraries run
                # helper threads; the child only runs scipy's Dijkstra.
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child process
                code = 1
                try:
                    shared[lo:hi] = dijkstra(csr, directed=True, indices=sources[lo:hi])
                    code = 0
                finally:
                    os._exit(code)
            pids[pid] = (lo, hi)
        shared[: bounds[1]] = dijkstra(csr, directed=True, indices=sources[: bounds[1]])
        failed = []
        for pid, (lo, hi) in list(pids.items()):
            _, status = os.waitpid(pid, 0)
            del pids[pid]
            if status != 0:
                failed.append((lo, hi))
        for lo, hi in failed:  # recompute anything a child did not deliver
            shared[lo:hi] = dijkstra(csr, directed=True, indices=sources[lo:hi])
        out = _select(shared, rows, cols, pool)
        if out is shared:
            out = shared.copy()
    finally:
        for pid in pids:  # interrupted: do not leave children behind
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:  # pragma: no cover
                pass
        del shared
        buf.close()
    return out


@dataclass
class _Threads:
    """Thread pool for numpy work (threads start lazily, on first use)."""

    workers: int
    executor: ThreadPoolExecutor = field(init=False)

    def __post_init__(self):
        self.executor = ThreadPoolExecutor(self.workers)


def _blocks(pool, fn, lo, hi, row_cells):
    """Call ``fn(b0, b1)`` on row blocks of ``[lo, hi)``, threaded when large.

    Blocks hold about ``_BLOCK_CELLS`` cells of ``row_cells`` each, so numpy
    temporaries stay cache-sized (and small enough to be recycled by the
    allocator instead of being mapped afresh).
    """
    if hi <= lo:
        return
    step = max(1, _BLOCK_CELLS // max(row_cells, 1))
    blocks = [(b0, min(b0 + step, hi)) for b0 in range(lo, hi, step)]
    parts = 1 if pool is None else pool.workers
    if parts < 2 or len(blocks) < 2 or (hi - lo) * row_cells < _THREAD_MIN_CELLS:
        for b0, b1 in blocks:
            fn(b0, b1)
        return
    groups = np.array_split(np.arange(len(blocks)), parts)

    def run(group):
        for i in group:
            fn(*blocks[i])

    for f in [pool.executor.submit(run, g) for g in groups if len(g)]:
        f.result()


# --------------------------------------------------------------------------
# reduction


@dataclass
class _Round:
    """Nodes eliminated together, sorted by decreasing degree."""

    nodes: np.ndarray  # (m,) node ids
    portals: np.ndarray  # (m, k) neighbours, as positions once reduced (padding: core)
    lengths: np.ndarray  # (m, k) edge lengths to the portals (padding: inf)
    start: int = 0  # first position in the elimination layout
    counts: list = field(default_factory=list)  # counts[j] = #nodes with degree > j


@dataclass
class _Reduction:
    n: int
    core: np.ndarray  # core node ids, in position order
    rounds: list  # in elimination order
    pos: np.ndarray  # node id -> position (core first, then rounds reversed)
    core_a: np.ndarray  # core edges, as positions
    core_b: np.ndarray
    core_w: np.ndarray


def _reducible_fraction(n, a, b):
    deg = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    return float(np.mean(deg <= _MAX_ELIM_DEGREE)) if n else 0.0


def _reduce(n, a, b, w):
    """Eliminate low-degree nodes round by round (``a < b``, coalesced input)."""
    alive = np.ones(n, dtype=bool)
    n_alive = n
    e0 = len(a)
    # Random (but fixed) tie-breaking: with index order, a chain numbered
    # along its length would lose only one node per round.
    prio = np.random.default_rng(0x1F2E3D).permutation(n)
    rounds = []
    while n_alive > 1:
        deg = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
        limit = _MAX_ELIM_DEGREE if len(a) <= e0 else 2
        cand = alive & (deg <= limit)
        if not cand.any():
            break
        # Independent set: candidates that beat every candidate neighbour on
        # (degree, priority).  Eliminating neighbours together would leave
        # dangling shortcuts.
        sel = cand.copy()
        both = cand[a] & cand[b]
        ea, eb = a[both], b[both]
        a_wins = (deg[ea] < deg[eb]) | ((deg[ea] == deg[eb]) & (prio[ea] < prio[eb]))
        sel[np.where(a_wins, eb, ea)] = False
        nodes = np.flatnonzero(sel)
        if len(nodes) >= n_alive:  # keep one node as the core
            sel[nodes[0]] = False
            nodes = nodes[1:]
        if len(nodes) == 0:
            break

        # Arcs leaving eliminated nodes, grouped per node.
        src = np.concatenate([a, b])
        dst = np.concatenate([b, a])
        ww = np.concatenate([w, w])
        m = sel[src]
        src, dst, ww = src[m], dst[m], ww[m]
        order = np.argsort(src, kind="stable")
        src, dst, ww = src[order], dst[order], ww[order]
        d = deg[nodes]
        order = np.argsort(-d, kind="stable")
        nodes, d = nodes[order], d[order]
        starts = np.searchsorted(src, nodes)
        kmax = int(d[0])
        portals = np.full((len(nodes), max(kmax, 1)), -1, dtype=np.int64)
        lengths = np.full(portals.shape, np.inf)
        for j in range(kmax):
            r = int(np.count_nonzero(d > j))
            portals[:r, j] = dst[starts[:r] + j]
            lengths[:r, j] = ww[starts[:r] + j]
        new_a, new_b, new_w = [], [], []
        for i in range(kmax):
            for j in range(i + 1, kmax):
                r = int(np.count_nonzero(d > j))
                new_a.append(portals[:r, i])
                new_b.append(portals[:r, j])
                new_w.append(lengths[:r, i] + lengths[:r, j])
        keep = ~(sel[a] | sel[b])
        a, b, w, _ = _coalesce(
            n,
            np.concatenate([a[keep], *new_a]),
            np.concatenate([b[keep], *new_b]),
            np.concatenate([w[keep], *new_w]),
        )
        alive &= ~sel
        n_alive -= len(nodes)
        counts = [int(np.count_nonzero(d > j)) for j in range(portals.shape[1])]
        rounds.append(_Round(nodes, portals, lengths, counts=counts))

    core = np.flatnonzero(alive)
    pos = np.empty(n, dtype=np.int64)
    pos[core] = np.arange(len(core))
    s = len(core)
    for rd in reversed(rounds):
        rd.start = s
        pos[rd.nodes] = np.arange(s, s + len(rd.nodes))
        s += len(rd.nodes)
    core_node = core[0] if len(core) else 0
    for rd in rounds:
        # Padding portals point at a core node with infinite length.
        rd.portals[rd.portals < 0] = core_node
        rd.portals = pos[rd.portals]
    return _Reduction(n, core, rounds, pos, pos[a], pos[b], w)


def _solve_core(red, rows, workers):
    """Distances from core positions ``rows`` to all core positions."""
    c = len(red.core)
    csr = _sym_csr(c, red.core_a, red.core_b, red.core_w)
    arcs = 2 * len(red.core_a)
    # Floyd-Warshall's O(c^3) beats c Dijkstra runs on small, dense cores.
    if len(rows) == c and 0.08 * c * c < c * np.log2(max(c, 2)) + arcs:
        return floyd_warshall(csr, directed=True)
    return _dijkstra_rows(csr, rows, workers)


# --------------------------------------------------------------------------
# expansion


def _min_over_portals(dst, src_rows, P, L, counts, lo, hi):
    """``dst[i] = min_k L[lo+i, k] + src_rows(P[lo+i, k])`` for ``i < hi-lo``.

    ``src_rows(idx)`` returns the rows for portal positions ``idx``; rounds
    are sorted by decreasing degree, so the nodes with a k-th portal are a
    prefix of the round.
    """
    np.add(src_rows(P[lo:hi, 0]), L[lo:hi, :1], out=dst)
    for k in range(1, P.shape[1]):
        r = min(counts[k], hi) - lo
        if r <= 0:
            break
        tmp = src_rows(P[lo : lo + r, k])
        tmp += L[lo : lo + r, k : k + 1]
        np.minimum(dst[:r], tmp, out=dst[:r])


def _min_into_columns(dst, rows, P, L, counts):
    """``dst[:, j] = min_k rows[:, P[j, k]] + L[j, k]`` (targets of a round)."""
    np.add(np.take(rows, P[:, 0], axis=1), L[:, 0], out=dst)
    for k in range(1, P.shape[1]):
        r = counts[k]
        if r == 0:
            break
        tmp = np.take(rows, P[:r, k], axis=1)
        tmp += L[:r, k]
        np.minimum(dst[:, :r], tmp, out=dst[:, :r])


def _expand_all(red, pool):
    """Full distance matrix in position order (rows and columns)."""
    n = red.n
    c = len(red.core)
    M = np.empty((n, n))
    M[:c, :c] = _solve_core(red, np.arange(c), 1 if pool is None else pool.workers)
    for rd in reversed(red.rounds):
        s = rd.start
        m = len(rd.nodes)
        P, L, counts = rd.portals, rd.lengths, rd.counts

        def rows_part(i0, i1, s=s, P=P, L=L, counts=counts):
            # d(x, t) = min_k L[x, k] + d(P[x, k], t) for every t placed
            # before x; symmetry then fills the columns.
            blk = M[s + i0 : s + i1, :s]
            _min_over_portals(blk, lambda idx: M[idx, :s], P, L, counts, i0, i1)
            M[:s, s + i0 : s + i1] = blk.T

        _blocks(pool, rows_part, 0, m, s)

        def block_part(i0, i1, s=s, m=m, P=P, L=L, counts=counts):
            # Pairs inside the round: the last hop into x comes from a portal.
            rows = M[s + i0 : s + i1]
            _min_into_columns(rows[:, s : s + m], rows, P, L, counts)
            i = np.arange(i0, i1)
            rows[i - i0, s + i] = 0.0

        _blocks(pool, block_part, 0, m, m)
    return M


def _expand_rows(red, sources, workers, pool):
    """Rows for ``sources`` (node ids), columns in position order.

    Returns the row matrix and a map from positions to its rows.
    """
    n = red.n
    c = len(red.core)
    # Rows needed: the sources and, recursively, the portals they expand from.
    need = np.zeros(n, dtype=bool)
    need[red.pos[sources]] = True
    for rd in red.rounds:  # elimination order: portals come later
        s = rd.start
        hit = need[s : s + len(rd.nodes)]
        if hit.any():
            p = rd.portals[hit]
            need[p[np.isfinite(rd.lengths[hit])]] = True
    upos = np.flatnonzero(need)  # sorted positions; core ones first
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[upos] = np.arange(len(upos))
    Q = np.empty((len(upos), n))
    n_core_rows = int(np.searchsorted(upos, c))
    Q[:n_core_rows, :c] = _solve_core(red, upos[:n_core_rows], workers)
    for rd in reversed(red.rounds):
        s = rd.start
        m = len(rd.nodes)
        P, L, counts = rd.portals, rd.lengths, rd.counts
        r0, r1 = (int(v) for v in np.searchsorted(upos, [s, s + m]))
        if r1 > r0:
            # Needed rows of this round; they are a sorted subset of the round,
            # so remap the portal table to them.
            loc = upos[r0:r1] - s
            sub_counts = [int(np.searchsorted(loc, ck)) for ck in counts]

            def rows_part(i0, i1, s=s, r0=r0, Ps=P[loc], Ls=L[loc], sc=sub_counts):
                blk = Q[r0 + i0 : r0 + i1, :s]
                _min_over_portals(blk, lambda idx: Q[row_of[idx], :s], Ps, Ls, sc, i0, i1)

            _blocks(pool, rows_part, 0, r1 - r0, s)

        def cols_part(q0, q1, s=s, m=m, P=P, L=L, counts=counts):
            # Columns of this round for every row computed so far.
            rows = Q[q0:q1]
            _min_into_columns(rows[:, s : s + m], rows, P, L, counts)

        _blocks(pool, cols_part, 0, r1, m)
        if r1 > r0:
            Q[np.arange(r0, r1), upos[r0:r1]] = 0.0
    return Q, row_of


def _permute_square_inplace(M, perm, pool):
    """``M[:] = M[perm][:, perm]`` without a second n x n buffer."""
    n = len(perm)
    if np.array_equal(perm, np.arange(n)):
        return
    # Rows: follow permutation cycles with a single spare row.
    done = np.zeros(n, dtype=bool)
    p = perm.tolist()
    for i in range(n):
        if done[i] or p[i] == i:
            continue
        spare = M[i].copy()
        j = i
        while True:
            done[j] = True
            k = p[j]
            if k == i:
                M[j] = spare
                break
            M[j] = M[k]
            j = k

    # Columns: permute blocks of rows through a small buffer.
    def cols_part(b0, b1):
        M[b0:b1] = np.take(M[b0:b1], perm, axis=1)

    _blocks(pool, cols_part, 0, n, n)


def _gather_rows_cols(M, rows, cols, pool):
    """``M[rows][:, cols]`` computed block-wise."""
    out = np.empty((len(rows), len(cols)))

    def part(b0, b1):
        np.take(np.take(M, rows[b0:b1], axis=0), cols, axis=1, out=out[b0:b1])

    _blocks(pool, part, 0, len(rows), max(M.shape[1], len(cols)))
    return out


# --------------------------------------------------------------------------
# drivers


def _contract_zero_edges(n, a, b, w):
    """Merge endpoints of zero-weight edges (they are at distance zero)."""
    z = w == 0
    if not z.any():
        return None, n, a, b, w
    g = sp.csr_matrix((np.ones(int(z.sum())), (a[z], b[z])), shape=(n, n))
    nq, lab = connected_components(g, directed=False)
    lab = lab.astype(np.int64)
    a, b, w, _ = _coalesce(nq, lab[a[~z]], lab[b[~z]], w[~z])
    keep = a != b
    return lab, nq, a[keep], b[keep], w[keep]


def _undirected(n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, sources: np.ndarray | None,
                workers: int, method: str = "auto") -> np.ndarray:
    """Distances on an undirected simple graph given by coalesced edges."""
    lab, nq, a, b, w = _contract_zero_edges(n, a, b, w)
    uniq: np.ndarray | None = None
    inverse: np.ndarray | None = None
    if sources is not None:
        src = sources if lab is None else lab[sources]
        uniq, inverse = np.unique(src, return_inverse=True)

    if method == "auto":
        big = uniq is None or len(uniq) >= max(
            _MIN_SOURCES_FOR_REDUCTION, nq // _SOURCES_FRACTION_FOR_REDUCTION
        )
        reduce_ok = big and _reducible_fraction(nq, a, b) >= _MIN_REDUCIBLE_FRACTION
        method = "reduce" if reduce_ok and nq > 2 else "plain"
    pool = _Threads(workers) if workers > 1 else None
    try:
        if method == "reduce":
            red = _reduce(nq, a, b, w)
            idx = red.pos if lab is None else red.pos[lab]
            if sources is None:
                M = _expand_all(red, pool)
                if lab is None:
                    _permute_square_inplace(M, red.pos, pool)
                    return M
                return _gather_rows_cols(M, idx, idx, pool)
            Q, row_of = _expand_rows(red, uniq, workers, pool)
            rows = row_of[red.pos[uniq]][inverse]
            return _gather_rows_cols(Q, rows, idx, pool)

        # Plain Dijkstra on the simplified graph.
        cols = None  # csr label of each output column, None for identity
        if uniq is None:
            uniq, inverse = np.arange(nq), lab
        elif np.array_equal(np.asarray(inverse), np.arange(len(uniq))):
            inverse = None
        if nq >= _RCM_MIN_NODES and len(uniq) >= _RCM_MIN_SOURCES:
            # Bandwidth-reducing order: neighbours sit close in memory, which
            # speeds up every Dijkstra run by a quarter or so.
            perm = reverse_cuthill_mckee(_sym_csr(nq, a, b, w), symmetric_mode=True)
            cols = np.empty(nq, dtype=np.int64)
            cols[perm] = np.arange(nq)
            a, b, uniq = cols[a], cols[b], cols[uniq]
        if lab is not None:
            cols = lab if cols is None else cols[lab]
        csr = _sym_csr(nq, a, b, w)
        return _dijkstra_rows(csr, uniq, workers, inverse, cols, pool)
    finally:
        if pool is not None:
            pool.executor.shutdown()


def _symmetric_part(n: int, t: np.ndarray, h: np.ndarray, w: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Undirected edges if every arc has a mirror of equal weight, else None."""
    fwd = t * n + h
    bwd = h * n + t
    of = np.argsort(fwd, kind="stable")
    ob = np.argsort(bwd, kind="stable")
    if not (np.array_equal(fwd[of], bwd[ob]) and np.array_equal(w[of], w[ob])):
        return None
    m = t < h
    return t[m], h[m], w[m]


def distances(n: int, tails: np.ndarray, heads: np.ndarray, weights: np.ndarray, *,
              sources: np.ndarray | None = None, directed: bool = False,
              workers: int | None = None) -> np.ndarray:
    """Shortest-path distances between nodes of a weighted graph.

    Parameters
    ----------
    n : int
        Number of nodes; nodes are the integers ``0 .. n-1``.
    tails, heads : array_like of int
        Endpoints of each arc.  With ``directed=False`` every pair is an
        undirected edge.  Self-loops are ignored.
    weights : array_like of float
        Non-negative arc lengths, in any unit.  Parallel arcs are allowed (the
        shortest one counts), zero lengths are allowed, ``inf`` means absent.
    sources : array_like of int, optional
        Rows to compute, in this order (duplicates allowed).  ``None`` (the
        default) computes all ``n`` rows.
    directed : bool, default False
        Treat each ``(tail, head)`` as an arc ``tail -> head`` only.
    workers : int, optional
        Cores to use: ``-1`` for all available cores, ``1`` for serial
        computation, ``None`` for infranet's one setting
        (:func:`infranet.parallel.workers`: ``INFRANET_WORKERS``, else 1).
        Parallel Dijkstra runs in forked processes (POSIX only, and only
        while the caller has no other Python threads).

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(len(sources), n)`` (or ``(n, n)``) with
        ``out[i, j]`` the length of a shortest path from ``sources[i]`` to
        ``j``; ``np.inf`` where ``j`` is unreachable.

    Raises
    ------
    ValueError
        On negative or NaN weights, endpoints or sources outside ``[0, n)``,
        or arrays of mismatched length.
    TypeError
        On non-integer endpoints or sources.

    Notes
    -----
    Results equal Dijkstra's algorithm run from each source, up to
    floating-point rounding of the path sums (relative 1e-12 or better).
    Undirected graphs (and directed graphs whose arcs all have mirrors of equal
    length) are reduced to a small core by eliminating low-degree nodes, the
    core is solved exactly, and the eliminated nodes' rows are reconstructed
    with vectorised minimum operations.

    Examples
    --------
    >>> distances(3, [0, 1], [1, 2], [1.0, 2.5])
    array([[0. , 1. , 3.5],
           [1. , 0. , 2.5],
           [3.5, 2.5, 0. ]])
    """
    return _distances(n, tails, heads, weights, sources=sources, directed=directed,
                      workers=workers)


def _distances(n, tails, heads, weights, *, sources=None, directed=False, workers=None,
               method="auto"):
    n, t, h, w, _ = _as_graph(n, tails, heads, weights)
    workers = _n_workers(workers)
    if sources is not None:
        sources = _as_sources(sources, n)
        if len(sources) == 0 or n == 0:
            return np.empty((len(sources), n))
    if n == 0:
        return np.empty((0, 0))
    if not directed:
        a, b, w, _ = _coalesce(n, t, h, w)
        return _undirected(n, a, b, w, sources, workers, method)
    t, h, w, _ = _coalesce(n, t, h, w, undirected=False)
    sym = None if method == "plain" else _symmetric_part(n, t, h, w)
    if sym is not None:
        return _undirected(n, *sym, sources, workers, method)
    csr = _csr(n, t, h, w)
    if sources is None:
        return _dijkstra_rows(csr, np.arange(n), workers)
    uniq, inverse = np.unique(sources, return_inverse=True)
    return _dijkstra_rows(csr, uniq, workers, rows=inverse)


def distances_and_predecessors(n: int, tails: np.ndarray, heads: np.ndarray,
                               weights: np.ndarray, source: int, *,
                               directed: bool = False,
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Single-source shortest paths with the arcs that realise them.

    Parameters
    ----------
    n : int
        Number of nodes; nodes are the integers ``0 .. n-1``.
    tails, heads : array_like of int
        Endpoints of each arc (undirected edges when ``directed=False``).
    weights : array_like of float
        Non-negative arc lengths; parallel arcs and zero lengths are allowed.
    source : int
        Start node.
    directed : bool, default False
        Treat each ``(tail, head)`` as an arc ``tail -> head`` only.

    Returns
    -------
    dist : numpy.ndarray
        Float64 array of shape ``(n,)``; ``np.inf`` where unreachable.
    pred : numpy.ndarray
        Int64 array of shape ``(n,)``: the node before ``j`` on a shortest
        path from ``source``, ``-1`` for ``source`` and unreachable nodes.
    arc : numpy.ndarray
        Int64 array of shape ``(n,)``: index (into the input arrays) of the
        arc or edge used to enter ``j``, the lightest of parallel arcs (lowest
        index on ties); ``-1`` where ``pred`` is ``-1``.

    Examples
    --------
    >>> dist, pred, arc = distances_and_predecessors(3, [0, 1, 0], [1, 2, 1],
    ...                                              [2.0, 1.0, 1.0], 0)
    >>> dist.tolist(), pred.tolist(), arc.tolist()
    ([0.0, 1.0, 2.0], [-1, 0, 1], [-1, 2, 1])
    """
    n, t, h, w, ids = _as_graph(n, tails, heads, weights)
    source = int(source)
    if not 0 <= source < n:
        raise ValueError(f"source must lie in [0, {n})")
    t, h, w, ids = _coalesce(n, t, h, w, ids, undirected=not directed)
    if directed:
        rows, cols, data, arc_ids = t, h, w, ids
    else:
        rows, cols = np.concatenate([t, h]), np.concatenate([h, t])
        data, arc_ids = np.concatenate([w, w]), np.concatenate([ids, ids])
    csr = _csr(n, rows, cols, data)
    dist, pred = dijkstra(csr, directed=True, indices=source, return_predecessors=True)
    pred = pred.astype(np.int64)
    pred[pred < 0] = -1
    arc = np.full(n, -1, dtype=np.int64)
    hit = np.flatnonzero(pred >= 0)
    if len(hit):
        key = rows * n + cols
        order = np.argsort(key)
        where = np.searchsorted(key[order], pred[hit] * n + hit)
        arc[hit] = arc_ids[order[where]]
    return dist, pred, arc
