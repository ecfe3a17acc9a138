"""Flow decomposition: per-source arc flows (an arc LP's commodities, an approximation
scheme's accumulated trees) split into paths per demand.

Examples
--------
>>> from infranet.model import Topology
>>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
...     "links": [{"a": "x", "b": "y"}, {"a": "y", "b": "z"}, {"a": "x", "b": "z"}]})
>>> flows = np.array([[5.0, 0, 5.0, 0, 5.0, 0]])  # x sends 10 to z: 5 via y, 5 direct
>>> ps = decompose(topo.compile(), np.array([0]), np.array([2]), np.array([10.0]),
...                np.array([0]), flows)
>>> [(a.tolist(), f) for a, f in ps.paths(0)]
[([0, 2], 0.5), ([4], 0.5)]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infranet.algorithms.paths import PathSet

if TYPE_CHECKING:
    from infranet.model import Compiled, Topology

__all__ = ["decompose", "fill_starved"]


def decompose(compiled: Compiled, src: np.ndarray, dst: np.ndarray, demand: np.ndarray,
              sources: np.ndarray, flows: np.ndarray) -> PathSet:
    """Split per-source arc flows into paths per demand (flow decomposition).

    ``flows[i]`` is the flow on every arc of the commodity of source ``sources[i]``; demand
    ``j`` asks for ``demand[j]`` from ``src[j]`` to ``dst[j]`` (pairs may repeat: the demands of
    a pair share its paths, in the same fractions). Demands of zero, or that no flow reaches,
    get no path.
    """
    n = compiled.n_nodes
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    demand = np.asarray(demand, dtype=float)
    live = demand > 0
    keys, pair_of = np.unique(src[live] * n + dst[live], return_inverse=True)
    pair_demand = np.bincount(pair_of, weights=demand[live], minlength=len(keys))
    by_pair = _decompose_pairs(compiled, keys // n, keys % n, pair_demand, sources, flows)
    owner = np.full(len(src), -1, dtype=np.int64)
    owner[live] = pair_of
    assert by_pair.path_ptr is not None
    counts = np.where(owner >= 0, np.diff(by_pair.path_ptr)[np.maximum(owner, 0)], 0)
    demand_of = np.repeat(np.arange(len(src)), counts)
    first = np.repeat(by_pair.path_ptr[np.maximum(owner, 0)] - np.concatenate(
        [[0], np.cumsum(counts)[:-1]]), counts)
    paths = first + np.arange(int(counts.sum()))
    return by_pair.take(paths, fraction=by_pair.shares[paths], demand_of=demand_of,
                        n_demands=len(src))


def _decompose_pairs(compiled: Compiled, src: np.ndarray, dst: np.ndarray, demand: np.ndarray,
                     sources: np.ndarray, flows: np.ndarray) -> PathSet:
    """Flow decomposition over distinct pairs.

    From each source, walk along arcs with flow until a destination that still expects
    flow; push the bottleneck along the walk. A walk that meets itself has found a
    circulation, which is cancelled. Demands with no flow reaching them get no path.
    """
    n = compiled.n_nodes
    head = compiled.head.tolist()
    out_of: list[list[int]] = [[] for _ in range(n)]
    for a, u in enumerate(compiled.tail.tolist()):
        out_of[u].append(a)
    demand_at = {(int(s), int(t)): j for j, (s, t) in enumerate(zip(src, dst, strict=True))}
    by_source: dict[int, list[tuple[int, int]]] = {}
    for (s, t), j in demand_at.items():
        by_source.setdefault(s, []).append((t, j))
    records: list[tuple[int, list[int], float]] = []
    # plain Python lists: the walks touch a few arcs at a time, where numpy's per-call cost
    # would dominate
    for s_value, row in zip(sources, flows, strict=True):
        s = int(s_value)
        x = np.asarray(row, dtype=float).tolist()
        tol = 1e-9 * max(max(x) if x else 0.0, 1e-300)
        x = [v if v > tol else 0.0 for v in x]
        need = [0.0] * n
        for t, j in by_source.get(s, ()):
            need[t] = float(demand[j])
        left = sum(need)
        pointer = [0] * n  # next arc to look at, per node (exhausted arcs are skipped)
        guard = 4 * (len(x) + n) + 16
        while left > tol and guard > 0:
            guard -= 1
            stack: list[int] = []
            seen = {s: 0}
            u = s
            while u == s or need[u] <= tol:
                arcs = out_of[u]
                k = pointer[u]
                while k < len(arcs) and x[arcs[k]] <= tol:
                    k += 1
                pointer[u] = k
                if k == len(arcs):  # dead end left by rounding: drop the way in
                    if not stack:
                        u = -2
                        break
                    x[stack[-1]] = 0.0
                    u = -1
                    break
                a = arcs[k]
                v = head[a]
                if v in seen:  # a circulation: cancel it and walk on from v
                    cycle = [*stack[seen[v]:], a]
                    low = min(x[b] for b in cycle)
                    for b in cycle:
                        x[b] = x[b] - low if x[b] - low > tol else 0.0
                    for b in stack[seen[v]:]:
                        seen.pop(head[b], None)
                    del stack[seen[v]:]
                    u = v
                    continue
                stack.append(a)
                seen[v] = len(stack)
                u = v
            if u == -2:  # nothing leaves the source any more
                break
            if u == -1:
                continue
            delta = min(min(x[b] for b in stack), need[u])
            for b in stack:
                x[b] = x[b] - delta if x[b] - delta > tol else 0.0
            need[u] -= delta
            left -= delta
            records.append((demand_at[(s, u)], stack, delta))
    records.sort(key=lambda r: r[0])
    owner = np.array([r[0] for r in records], dtype=np.int64)
    amount = np.array([r[2] for r in records], dtype=float)
    total = np.bincount(owner, weights=amount, minlength=len(src))
    lengths = [len(r[1]) for r in records]
    flat = np.array([a for r in records for a in r[1]], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = amount / total[owner] if len(owner) else amount
    return PathSet(compiled.nodes, src[owner], dst[owner],
                   np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]), flat,
                   fraction=fraction,
                   path_ptr=np.concatenate([[0], np.cumsum(np.bincount(owner,
                                                                       minlength=len(src)))]))


def fill_starved(topology: Topology, splits: PathSet, src: np.ndarray, dst: np.ndarray,
                 demand: np.ndarray, usable: np.ndarray) -> PathSet:
    """Give each demand that asks for traffic but got no path from a decomposition its
    fewest-hop path over the `usable` arcs.

    A demand a solver's tolerance rounds to nothing (a pair at a billionth of the largest, as
    the online protocol gives a pair silent in the last interval) carries no flow, so a flow
    decomposition finds no path for it, though one exists; left so, its next interval's
    traffic would be lost. Demands that no usable path joins stay without a path.
    """
    from infranet.algorithms.candidates import shortest_paths

    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    count = np.diff(splits.path_ptr)
    starved = np.flatnonzero((np.asarray(demand) > 0) & (count == 0) & (src != dst))
    if not starved.size:
        return splits
    n = len(splits.nodes)
    names = splits.nodes
    keys = np.unique(src[starved] * n + dst[starved])
    found = shortest_paths(topology, [(names[k // n], names[k % n]) for k in keys], k=1,
                           method="deviation", usable=usable)
    path_of_key = {int(a) * n + int(b): p
                   for p, (a, b) in enumerate(zip(found.src, found.dst, strict=True))}
    extra_path, extra_owner = [], []
    for d in starved:
        p = path_of_key.get(int(src[d]) * n + int(dst[d]))
        if p is not None:
            extra_path.append(p)
            extra_owner.append(int(d))
    if not extra_path:
        return splits
    both = PathSet(splits.nodes, np.concatenate([splits.src, found.src]),
                   np.concatenate([splits.dst, found.dst]),
                   np.concatenate([splits.indptr, splits.indptr[-1] + found.indptr[1:]]),
                   np.concatenate([splits.arcs, found.arcs]),
                   fraction=np.concatenate([splits.shares, np.ones(len(found))]))
    owner = np.concatenate([splits.demand_of, extra_owner])
    rows = np.concatenate([np.arange(splits.n_paths), splits.n_paths + np.array(extra_path)])
    order = np.argsort(owner, kind="stable")
    return both.take(rows[order], fraction=both.shares[rows[order]], demand_of=owner[order],
                     n_demands=splits.n_demands)
