"""Shortest-path DAGs towards destinations: the structure behind destination-based routing
(SPF, ECMP, VLB, IGP weight search). Loads are swept in bulk over every demand at once; the
paths of each demand are enumerated only when asked for.

Examples
--------
>>> from infranet.model import Topology
>>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "wxyz"],
...     "links": [{"a": a, "b": b} for a, b in ("wx", "xz", "wy", "yz")]})
>>> dag = destination_dag(topo.compile(), np.ones(8), np.array([3]))
>>> dag.loads(np.array([0]), np.array([3]), np.array([80.0]), 8).tolist()
[40.0, 0.0, 40.0, 0.0, 40.0, 0.0, 40.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from infranet.algorithms.arcs import ranges, simple_csr
from infranet.algorithms.paths import PathSet, from_records

if TYPE_CHECKING:
    from infranet.model import Compiled

__all__ = ["DestinationDag", "destination_dag"]

_BLOCK = 1 << 22  # destinations x arcs per block of the DAG build
_TIGHT = 1e-9  # relative tolerance of equal-cost tests on float weights


@dataclass(frozen=True, eq=False)
class DestinationDag:
    """Shortest-path DAGs towards a set of destinations, with next-hop fractions.

    Entry ``e`` says: at node ``tail[arc[e]]``, traffic for destination ``dests[row[e]]``
    sends ``fraction[e]`` of itself over ``arc[e]``. Entries are grouped by the state
    ``row * n + tail`` (CSR ``ptr``).
    """

    n: int
    dests: np.ndarray
    row_of: np.ndarray  # row of each node as a destination, -1 when it is not one
    dist: np.ndarray  # (rows, n): distance from each node to the destination
    arc: np.ndarray
    head_state: np.ndarray
    fraction: np.ndarray
    ptr: np.ndarray

    def loads(self, src: np.ndarray, dst: np.ndarray, demand: np.ndarray,
              n_arcs: int) -> np.ndarray:
        """Return the per-arc load of demands ``src -> dst`` of rate `demand` routed along the
        DAGs (every ``dst`` must be a destination; pairs may repeat). Flow is pushed wave by
        wave from the nodes holding it; each wave only touches the entries of nodes holding
        flow."""
        rows = self.row_of[np.asarray(dst, dtype=np.int64)]
        if (rows < 0).any():
            raise ValueError("a destination with demand has no DAG")
        x = np.bincount(rows * self.n + np.asarray(src, dtype=np.int64),
                        weights=np.asarray(demand, dtype=float),
                        minlength=len(self.dests) * self.n).astype(float)
        sinks = np.arange(len(self.dests)) * self.n + self.dests
        x[sinks] = 0.0
        acc = np.zeros(len(self.arc))
        live = np.flatnonzero(x)
        while live.size:
            entries, counts = ranges(self.ptr, live)
            flow = np.repeat(x[live], counts) * self.fraction[entries]
            np.add.at(acc, entries, flow)
            x[live] = 0.0
            np.add.at(x, self.head_state[entries], flow)
            x[sinks] = 0.0
            live = np.flatnonzero(x > 0)
        return np.bincount(self.arc, weights=acc, minlength=n_arcs)

    def reaches(self, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
        """True for each pair whose source the DAG of its destination reaches."""
        return np.isfinite(self.dist[self.row_of[dst], src])

    def splits(self, compiled: Compiled, src: np.ndarray, dst: np.ndarray) -> PathSet:
        """Every DAG path of each demand ``src -> dst`` with the product of its fractions
        (no path for a pair the DAG does not join)."""
        n = self.n
        head = compiled.head
        ok = self.reaches(src, dst)
        demand = np.flatnonzero(ok)
        node = src[demand].copy()
        target = dst[demand]
        row = self.row_of[target]
        frac = np.ones(len(demand))
        rec = np.full(len(demand), -1, dtype=np.int64)
        parents: list[np.ndarray] = []
        arcs: list[np.ndarray] = []
        n_rec = 0
        done_rec, done_demand, done_frac = [], [], []
        while len(node):
            at = node == target
            done_rec.append(rec[at])
            done_demand.append(demand[at])
            done_frac.append(frac[at])
            keep = ~at
            node, target, row, frac, rec, demand = (node[keep], target[keep], row[keep],
                                                    frac[keep], rec[keep], demand[keep])
            if not len(node):
                break
            entries, counts = ranges(self.ptr, row * n + node)
            parents.append(np.repeat(rec, counts))
            arcs.append(self.arc[entries])
            rec = n_rec + np.arange(len(entries))
            n_rec += len(entries)
            frac = np.repeat(frac, counts) * self.fraction[entries]
            demand, target, row = (np.repeat(demand, counts), np.repeat(target, counts),
                                   np.repeat(row, counts))
            node = head[self.arc[entries]]
        parent = np.concatenate(parents) if parents else np.zeros(0, dtype=np.int64)
        arc_of = np.concatenate(arcs) if arcs else np.zeros(0, dtype=np.int64)
        empty = np.zeros(0, dtype=np.int64)
        return from_records(compiled, np.concatenate(done_rec or [empty]),
                            np.concatenate(done_demand or [empty]),
                            np.concatenate(done_frac or [np.zeros(0)]), parent, arc_of,
                            len(src), src, dst)


def destination_dag(compiled: Compiled, weights: np.ndarray, dests: np.ndarray, *,
                    single: bool = False, usable: np.ndarray | None = None) -> DestinationDag:
    """Return the shortest-path DAGs towards `dests` under positive per-arc `weights`.

    Every arc on a shortest path to the destination is a next hop (equal-cost multipath,
    parallel links included) and gets an equal share; with `single`, only the next hop of
    lowest arc id is kept (a shortest-path tree). Arcs outside `usable` are left out.
    """
    from scipy.sparse.csgraph import dijkstra

    n, m = compiled.n_nodes, compiled.n_arcs
    tail, head = compiled.tail, compiled.head
    dests = np.asarray(dests, dtype=np.int64)
    arcs = np.arange(m) if usable is None else np.flatnonzero(usable)
    w = weights[arcs]
    reverse, _ = simple_csr(n, head[arcs], tail[arcs], w)
    dist = dijkstra(reverse, directed=True, indices=dests) if len(dests) else np.zeros((0, n))
    dist = np.atleast_2d(dist)
    rows_all, arcs_all = [], []
    block = max(1, _BLOCK // max(len(arcs), 1))
    integral = bool(np.all(w == np.round(w)))
    for lo in range(0, len(dests), block):
        d = dist[lo:lo + block]
        du, dv = d[:, tail[arcs]], d[:, head[arcs]]
        with np.errstate(invalid="ignore"):
            gap = du - (w + dv)  # inf - inf where the destination is out of reach
            tol = 0.0 if integral else _TIGHT * np.maximum(du, 1.0)
            tight = np.isfinite(du) & (np.abs(gap) <= tol)
        r, a = np.nonzero(tight)
        rows_all.append(r + lo)
        arcs_all.append(arcs[a])
    row = np.concatenate(rows_all) if rows_all else np.zeros(0, dtype=np.int64)
    arc = np.concatenate(arcs_all) if arcs_all else np.zeros(0, dtype=np.int64)
    state = row * n + tail[arc]
    order = np.lexsort((arc, state))
    row, arc, state = row[order], arc[order], state[order]
    if single:
        first = np.ones(len(state), dtype=bool)
        first[1:] = state[1:] != state[:-1]
        row, arc, state = row[first], arc[first], state[first]
    counts = np.bincount(state, minlength=len(dests) * n)
    fraction = 1.0 / counts[state]
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[dests] = np.arange(len(dests))
    return DestinationDag(n, dests, row_of, dist, arc, row * n + head[arc], fraction,
                          np.concatenate([[0], np.cumsum(counts)]))
