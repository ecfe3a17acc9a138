"""Failure replay: the round-trip times and the minimum cut between watched sites after each
failure, evaluated on the base topology's compiled arrays instead of a rebuilt Topology.

A :class:`Replay` is made once per base topology; each failure set
(:func:`infranet.algorithms.failures.failure_sets`) then costs little:

- **RTT**: shortest-path trees from every watched site are computed once. A failure only
  lengthens paths, so a site whose tree avoids every failed link keeps its distances exactly;
  only the other sites are searched again (scipy's Dijkstra on the masked graph).
- **Minimum cut** (the smallest maximum flow between two watched sites): capacities are scaled
  to whole numbers (:func:`integer_scale`) so that every comparison is exact. A tree of
  maximum flows between watched sites (Gusfield's method) is built once; the smallest flow
  between any two watched sites is the smallest over the tree's edges, since the flow between
  two sites is at least the smallest flow along any chain of sites joining them. After a
  failure each tree edge keeps a lower bound (its flow less what the failed links carried in
  it) and an upper bound (its cut less the failed links crossing it); a maximum flow (scipy) is
  run only where a lower bound falls below the best upper bound.

The answers are those of the direct computation (:func:`infranet.algorithms.latency.latency_matrix`
and :func:`infranet.algorithms.flow.min_cut_between` on the topology without the failed links
and sites), RTTs to floating-point round-off, cuts exactly. Ties of the minimum cut go, as
there, to the first pair of watched sites in their order (pairs ``(a, b)`` with ``a`` before
``b``, or every ordered pair when some capacity differs by direction). Where the replay cannot
answer exactly (a surviving link without a latency or a capacity, capacities that are not whole
numbers of 1e-6 Gb/s, a site failure on an expanded topology) its methods return None and the
caller computes directly.

Examples
--------
>>> from infranet.algorithms.failures import failure_sets
>>> ring = Topology.from_dict({"name": "ring", "defaults": {"capacity": 400},
...     "sites": [{"name": n, "kind": "datacenter"} for n in "wxyz"],
...     "links": [{"a": "w", "b": "x", "length_km": 100}, {"a": "x", "b": "y", "length_km": 100},
...               {"a": "y", "b": "z", "length_km": 100}, {"a": "z", "b": "w", "length_km": 100}]})
>>> replay = Replay(ring)
>>> cut = failure_sets(ring, order=2)[0]
>>> cut.name, replay.min_cut(cut).value_gbps, replay.min_cut(cut).pair
('w--x + x--y', 0.0, ('w', 'x'))
>>> round(replay.rtt(failure_sets(ring)[0]).max_ms, 3)
3.299
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.algorithms.failures import FailureSet
from infranet.model import Topology
from infranet.results import Binding

__all__ = ["DECIMALS", "CutAfter", "Replay", "RttAfter", "integer_scale"]

#: Capacities (Gb/s) are scaled by ``10**k``, ``k`` at most this, to whole numbers.
DECIMALS = 6
#: The largest total of scaled capacities: scipy's maximum flow counts in 32-bit integers.
LIMIT = 2**31 - 1
#: Which node pairs lie on each source's tree path to each node is kept up to this many cells
#: (bytes): then only the pairs whose paths both fail are searched again. The tree of flows is
#: kept up to this many cells (watched sites x links) too: beyond, each failure's minimum cut
#: takes a flow from the first watched site to each other.
PATH_CELLS = 20_000_000


def integer_scale(capacity_gbps: np.ndarray) -> int | None:
    """The smallest ``10**k`` (``k <= DECIMALS``) that makes every capacity a whole number
    (each is the float nearest ``q / 10**k`` for a whole ``q``) with a total below 2**31, or
    None.

    Examples
    --------
    >>> integer_scale(np.array([400.0, 1.6, 12800.0])), integer_scale(np.array([1 / 3]))
    (10, None)
    """
    cap = np.asarray(capacity_gbps, dtype=float)
    cap = cap[~np.isnan(cap)]
    if not np.isfinite(cap).all() or (cap < 0).any():
        return None
    for k in range(DECIMALS + 1):
        scale = 10**k
        whole = np.round(cap * scale)
        if np.array_equal(whole / scale, cap):
            return scale if float(whole.sum()) <= LIMIT else None
    return None


@dataclass(frozen=True)
class RttAfter:
    """Round-trip times between watched sites after a failure.

    Attributes
    ----------
    failure : str
        The failure's name.
    max_ms, mean_ms : float or None
        Largest and mean RTT over pairs of watched sites (ms); None when some pair is cut off
        or fewer than two sites are watched.
    connected : bool
        Whether every pair of watched sites is still joined.
    pairs : int
        Pairs of watched sites.
    """

    failure: str
    max_ms: float | None
    mean_ms: float | None
    connected: bool
    pairs: int

    @property
    def binding(self) -> Binding:
        if not self.connected:
            return Binding("cut", self.failure, f"{self.failure} cuts some watched sites off")
        return Binding("propagation", None, "fiber and equipment along the surviving shortest "
                       "paths set the RTTs")

    def to_dict(self) -> dict[str, Any]:
        return {"failure": self.failure, "max_ms": self.max_ms, "mean_ms": self.mean_ms,
                "connected": self.connected, "pairs": self.pairs,
                "binding": self.binding.to_dict()}


@dataclass(frozen=True)
class CutAfter:
    """The smallest maximum flow between two watched sites after a failure.

    Attributes
    ----------
    failure : str
        The failure's name.
    value_gbps : float or None
        The flow (Gb/s); None when fewer than two sites are watched.
    pair : tuple of str
        The first pair of watched sites (in their order) whose flow is the smallest; empty
        when fewer than two sites are watched.
    """

    failure: str
    value_gbps: float | None
    pair: tuple[str, ...]

    @property
    def binding(self) -> Binding:
        if self.value_gbps is None:
            return Binding.nothing("fewer than two watched sites")
        return Binding("cut", self.failure, f"after {self.failure}, {' to '.join(self.pair)} "
                       f"carries at most {self.value_gbps:.6g} Gb/s")

    def to_dict(self) -> dict[str, Any]:
        return {"failure": self.failure, "value_gbps": self.value_gbps, "pair": list(self.pair),
                "binding": self.binding.to_dict()}


class Replay:
    """Failures of one base topology, replayed on its compiled arrays (see the module).

    Parameters
    ----------
    topology
        The base topology; failure sets must be made for it
        (:func:`~infranet.algorithms.failures.failure_sets` or
        :func:`~infranet.algorithms.failures.failure_set`).
    among
        The watched sites (default: :func:`infranet.algorithms.resilience.watched_sites` of the
        topology after each failure: the datacenters left, or every site left when fewer than
        two datacenters are).
    """

    def __init__(self, topology: Topology, *, among: Sequence[str] | None = None) -> None:
        compiled = topology.compile()
        self.topology = topology
        self.nodes = compiled.nodes
        self.n = compiled.n_nodes
        self.a = compiled.tail[0::2]
        self.b = compiled.head[0::2]
        self.m = len(self.a)
        self.among = None if among is None else [topology.node_index(x) for x in among]
        site = np.asarray(topology.site_names[:topology.n_sites], dtype=object)
        self._sites = np.arange(topology.n_sites)
        datacenters = set(topology.datacenters)
        self._datacenter = np.array([name in datacenters for name in site], dtype=bool)
        self._memo: dict[str, Any] = {}

    # ------------------------------------------------------------------ failures
    def watched(self, failure: FailureSet) -> np.ndarray:
        """Node indices of the sites watched after `failure`, in order."""
        gone = np.zeros(self.n, dtype=bool)
        if failure.sites:
            gone[[self.topology.node_index(s) for s in failure.sites]] = True
        if self.among is not None:
            return np.array([i for i in self.among if not gone[i]], dtype=np.int64)
        alive = ~gone[:len(self._sites)]
        datacenters = self._sites[self._datacenter & alive]
        return datacenters if len(datacenters) >= 2 else self._sites[alive]

    def _links(self, failure: FailureSet) -> np.ndarray:
        if failure.n_arcs != 2 * self.m:
            from infranet.errors import ValidationError

            raise ValidationError(f"failure {failure.name!r} was made for another topology",
                                  field="failure")
        return np.asarray(failure.arcs[0::2] // 2, dtype=np.int64)

    def _replayable(self, failure: FailureSet) -> bool:
        # removing sites of an expanded topology, or every site, is refused: the caller says why
        return not (failure.sites and (self.topology.expanded
                                       or len(failure.sites) >= self.topology.n_sites))

    @functools.cached_property
    def _forest(self) -> dict[str, Any]:
        """A spanning forest of the links (depth-first): each node's root, the forest link
        above each child (``child[link]``: the node below it, or -1), preorder intervals."""
        adjacency: list[list[tuple[int, int]]] = [[] for _ in range(self.n)]
        for i, (u, v) in enumerate(zip(self.a.tolist(), self.b.tolist(), strict=True)):
            adjacency[u].append((v, i))
            adjacency[v].append((u, i))
        root = np.full(self.n, -1, dtype=np.int64)
        child = np.full(self.m, -1, dtype=np.int64)
        tin = np.zeros(self.n, dtype=np.int64)
        tout = np.zeros(self.n, dtype=np.int64)
        order: list[int] = []
        for start in range(self.n):
            if root[start] >= 0:
                continue
            root[start] = start
            tin[start] = len(order)
            order.append(start)
            stack = [(start, iter(adjacency[start]))]
            while stack:
                node, edges = stack[-1]
                for nxt, link in edges:
                    if root[nxt] < 0:
                        root[nxt] = start
                        child[link] = nxt
                        tin[nxt] = len(order)
                        order.append(nxt)
                        stack.append((nxt, iter(adjacency[nxt])))
                        break
                else:
                    stack.pop()
                    tout[node] = len(order)
        return {"root": root, "child": child, "tin": tin, "tout": tout,
                "order": np.array(order, dtype=np.int64), "other": np.flatnonzero(child < 0)}

    # ------------------------------------------------------------------ RTT
    @functools.cached_property
    def _paths(self) -> dict[str, Any]:
        import scipy.sparse as sp
        from scipy.sparse.csgraph import dijkstra

        weight = np.asarray(self.topology.compile().latency_ms[0::2], dtype=float)
        lo, hi = np.minimum(self.a, self.b), np.maximum(self.a, self.b)
        keys, pair = np.unique(lo * self.n + hi, return_inverse=True)
        pair = pair.reshape(-1)
        u, v = keys // self.n, keys % self.n
        rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
        order = np.lexsort((cols, rows))
        entry = np.concatenate([np.arange(len(keys))] * 2)[order]
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n), out=indptr[1:])
        out = {"weight": weight, "pair": pair, "keys": keys, "entry": entry,
               "indices": cols[order].astype(np.int32), "indptr": indptr.astype(np.int32),
               "nan": np.flatnonzero(np.isnan(weight))}
        base = self._pair_weights(out, np.isnan(weight))
        out["base"] = base
        graph = sp.csr_matrix((base[entry], out["indices"], out["indptr"]),
                              shape=(self.n, self.n))
        out["graph"] = graph.copy()  # its data is overwritten by each failure's weights
        sources = np.unique(self.watched(_NOTHING))
        dist, pred = dijkstra(graph, directed=True, indices=sources, return_predecessors=True)
        used = np.zeros((len(sources), len(keys)), dtype=bool)
        r, c = np.nonzero(pred >= 0)
        p = pred[r, c].astype(np.int64)
        used[r, np.searchsorted(keys, np.minimum(p, c) * self.n + np.maximum(p, c))] = True
        row = np.full(self.n, -1, dtype=np.int64)
        row[sources] = np.arange(len(sources))
        out.update(row=row, dist=dist, used=used)
        if len(sources) * self.n * len(keys) <= PATH_CELLS:
            out["on_path"] = self._on_path(pred, keys)
        return out

    def _on_path(self, pred: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """``on_path[r, v, e]``: node pair ``e`` is on the tree path from source row ``r`` to
        node ``v``; filled level by level down each shortest-path tree."""
        sources, n = pred.shape
        out = np.zeros((sources, n, len(keys)), dtype=bool)
        pred = pred.astype(np.int64)
        rows, nodes = np.nonzero(pred >= 0)
        parent = pred[rows, nodes]
        pair = np.searchsorted(keys, np.minimum(parent, nodes) * n + np.maximum(parent, nodes))
        depth = np.where(pred >= 0, -1, 0)  # sources (and nodes cut off) at depth 0
        todo = np.ones(len(rows), dtype=bool)
        while todo.any():
            ready = todo & (depth[rows, parent] >= 0)
            r, v, u, e = rows[ready], nodes[ready], parent[ready], pair[ready]
            out[r, v] = out[r, u]
            out[r, v, e] = True
            depth[r, v] = depth[r, u] + 1
            todo &= ~ready
        return out

    def _pair_weights(self, paths: dict[str, Any], failed: np.ndarray) -> np.ndarray:
        weight = np.where(failed, np.inf, paths["weight"])
        out = np.full(len(paths["keys"]), np.inf)
        np.minimum.at(out, paths["pair"], weight)
        return out

    def rtt(self, failure: FailureSet) -> RttAfter | None:
        """RTTs between the sites watched after `failure` (None: compute them directly, as a
        surviving link has no latency or a failed site cannot be removed)."""
        if self._memo.get("rtt", (None,))[0] is failure:
            return self._memo["rtt"][1]
        after = self._rtt(failure)
        self._memo["rtt"] = (failure, after)
        return after

    def _rtt(self, failure: FailureSet) -> RttAfter | None:
        from scipy.sparse.csgraph import dijkstra

        links = self._links(failure)
        paths = self._paths
        if not self._replayable(failure) or _survives(paths["nan"], links):
            return None
        watched = self.watched(failure)
        k = len(watched)
        pairs = k * (k - 1) // 2
        labels = self._labels(links, positive=False)[watched]
        if (labels != labels[0]).any():
            return RttAfter(failure.name, None, None, False, pairs)
        failed = np.zeros(self.m, dtype=bool)
        failed[links] = True
        weights = self._pair_weights(paths, failed | np.isnan(paths["weight"]))
        changed = weights > paths["base"]
        rows = paths["row"][watched]
        if (rows < 0).any():  # failed sites left fewer than two datacenters: every site is
            matrix = np.empty((k, k))  # watched, and searched
            again = np.arange(k)
        elif "on_path" in paths:
            # a pair keeps its distance when the tree path of either end avoids the changed
            # node pairs; the other pairs are covered by searching again from a few sites
            hit = paths["on_path"][:, :, changed].any(axis=2)[np.ix_(rows, watched)]
            matrix = paths["dist"][np.ix_(rows, watched)]
            matrix = np.where(hit, matrix.T, matrix)
            again = _cover(hit & hit.T)
        else:  # a site searches again when its tree uses a changed node pair
            keep = ~paths["used"][rows][:, changed].any(axis=1)
            matrix = np.empty((k, k))
            matrix[keep] = paths["dist"][rows[keep]][:, watched]
            again = np.flatnonzero(~keep)
        if again.size:
            graph = paths["graph"]
            graph.data[:] = weights[paths["entry"]]
            dist = dijkstra(graph, directed=True, indices=watched[again])[:, watched]
            matrix[again] = dist
            matrix[:, again] = dist.T
        upper = 2.0 * matrix[_upper(k)]
        connected = bool(upper.size == 0 or np.isfinite(upper).all())
        top = float(upper.max()) if upper.size and connected else None
        mean = float(upper.mean()) if upper.size and connected else None
        return RttAfter(failure.name, top, mean, connected, int(upper.size))

    # ------------------------------------------------------------------ minimum cut
    @functools.cached_property
    def _flows(self) -> dict[str, Any] | None:
        cap = np.asarray(self.topology.compile().capacity_gbps, dtype=float)
        scale = integer_scale(cap)
        if scale is None:
            return None
        whole = np.where(np.isnan(cap), 0, np.round(cap * scale)).astype(np.int64)
        tail = np.asarray(self.topology.compile().tail)
        head = np.asarray(self.topology.compile().head)
        keys, arc_pair = np.unique(tail * self.n + head, return_inverse=True)
        arc_pair = arc_pair.reshape(-1)
        rows, cols = keys // self.n, keys % self.n
        # every arc's reverse is an arc too, so the structure is closed under reversal
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=self.n), out=indptr[1:])
        base = np.zeros(len(keys), dtype=np.int64)
        np.add.at(base, arc_pair, whole)
        nan_links = np.flatnonzero(np.isnan(cap[0::2]) | np.isnan(cap[1::2]))
        asymmetric = np.flatnonzero(whole[0::2] != whole[1::2])
        empty = np.flatnonzero((whole[0::2] == 0) & (whole[1::2] == 0))
        return {"empty": empty, "scale": scale, "whole": whole, "arc_pair": arc_pair, "base": base,
                "indices": cols.astype(np.int32), "indptr": indptr.astype(np.int32),
                "rows": rows, "nan": nan_links, "asymmetric": asymmetric}

    def _graph(self, capacity: np.ndarray) -> Any:
        """The flow graph with `capacity` per node pair (one matrix, overwritten each time)."""
        import scipy.sparse as sp

        flows = self._flows
        assert flows is not None
        if "graph" not in flows:
            flows["graph"] = sp.csr_matrix((capacity.astype(np.int32), flows["indices"],
                                            flows["indptr"]), shape=(self.n, self.n))
        graph = flows["graph"]
        graph.data[:] = capacity
        return graph

    @staticmethod
    def _flow(graph: Any, s: int, t: int) -> int:
        from scipy.sparse.csgraph import maximum_flow

        if isinstance(graph, _Lazy):
            graph = graph()
        return int(maximum_flow(graph, int(s), int(t)).flow_value)

    def _labels(self, links: np.ndarray, *, positive: bool) -> np.ndarray:
        """Connected components of the graph without `links` (and, with `positive`, without
        links of no capacity), as a label per node."""
        flows = self._flows if positive else None
        positive = positive and flows is not None and bool(flows["empty"].size)
        key = (positive, links.tobytes())
        if self._memo.get("labels", (None,))[0] == key:
            return self._memo["labels"][1]
        if positive:
            assert flows is not None
            links = np.union1d(links, flows["empty"])
        forest = self._forest
        # the spanning forest less the failed links falls into pieces: each failed forest link
        # detaches the subtree below it (ancestors first, so deeper pieces overwrite them)
        cut = forest["child"][links]
        cut = cut[cut >= 0]
        by_order = forest["root"][forest["order"]]
        for child in cut[np.argsort(forest["tin"][cut])].tolist():
            by_order[forest["tin"][child]:forest["tout"][child]] = child
        piece = np.empty(self.n, dtype=np.int64)
        piece[forest["order"]] = by_order
        # the surviving links outside the forest join pieces again
        failed = np.zeros(self.m, dtype=bool)
        failed[links] = True
        alive = forest["other"][~failed[forest["other"]]]
        pa, pb = piece[self.a[alive]], piece[self.b[alive]]
        apart = pa != pb
        if cut.size and apart.any():
            root: dict[int, int] = {}

            def find(x: int) -> int:
                while root.get(x, x) != x:
                    x = root[x]
                return x

            for u, v in zip(pa[apart].tolist(), pb[apart].tolist(), strict=True):
                ru, rv = find(u), find(v)
                if ru != rv:
                    root[max(ru, rv)] = min(ru, rv)
            names = np.unique(piece)
            piece = np.array([find(x) for x in names.tolist()])[np.searchsorted(names, piece)]
        labels = piece
        self._memo["labels"] = (key, labels)
        return labels

    @functools.cached_property
    def _tree(self) -> dict[str, Any] | None:
        """Gusfield's tree of maximum flows between the base's watched sites."""
        from scipy.sparse.csgraph import breadth_first_order, maximum_flow

        flows = self._flows
        watched = self.watched(_NOTHING)
        k = len(watched)
        if (flows is None or flows["asymmetric"].size or flows["nan"].size or k < 2
                or k * self.m > PATH_CELLS):
            return None
        graph = self._graph(flows["base"])
        parent = np.zeros(k, dtype=np.int64)
        value = np.zeros(k, dtype=np.int64)
        carried = np.zeros((k, self.m), dtype=np.int64)
        crossing = np.zeros((k, self.m), dtype=bool)
        side_of = np.zeros((k, k), dtype=bool)
        path = np.zeros((k, k), dtype=bool)
        for i in range(1, k):
            s, t = int(watched[i]), int(watched[parent[i]])
            result = maximum_flow(graph, s, t)
            value[i] = int(result.flow_value)
            flow = result.flow.tocsr()
            carried[i] = np.abs(np.asarray(flow[self.a, self.b]).reshape(-1))
            room = graph.copy()
            room.data = (graph.data - np.asarray(flow[flows["rows"], flows["indices"]])
                         .reshape(-1)).astype(np.int32)
            room.eliminate_zeros()
            room.data[room.data < 0] = 0
            room.eliminate_zeros()
            side = np.zeros(self.n, dtype=bool)
            side[breadth_first_order(room, s, directed=True, return_predecessors=False)] = True
            crossing[i] = side[self.a] != side[self.b]
            side_of[i] = side[watched]
            later = np.arange(i + 1, k)
            moved = later[(parent[later] == parent[i]) & side[watched[later]]]
            parent[moved] = i
            path[i] = path[parent[i]]
            path[i, i] = True
        separates = side_of != side_of[:, :1]  # tree edge i separates watched[0], watched[j]
        return {"watched": watched, "parent": parent, "value": value, "carried": carried,
                "crossing": crossing, "separates": separates, "path": path}

    def min_cut(self, failure: FailureSet) -> CutAfter | None:
        """The smallest maximum flow between two of the sites watched after `failure`, and the
        first pair that has it (None: compute it directly, as a surviving link has no
        capacity or the capacities are not whole numbers of 1e-6 Gb/s)."""
        links = self._links(failure)
        flows = self._flows
        if flows is None or not self._replayable(failure) or _survives(flows["nan"], links):
            return None
        watched = self.watched(failure)
        if len(watched) < 2:
            return CutAfter(failure.name, None, ())
        symmetric = not _survives(flows["asymmetric"], links)
        if symmetric:  # a site cut off from watched[0] is the first pair with no flow
            labels = self._labels(links, positive=True)[watched]
            apart = np.flatnonzero(labels != labels[0])
            if apart.size:
                return CutAfter(failure.name, 0.0, (self.nodes[watched[0]],
                                                    self.nodes[watched[apart[0]]]))
        arcs = np.asarray(failure.arcs, dtype=np.int64)
        capacity = flows["base"].copy()
        np.subtract.at(capacity, flows["arc_pair"][arcs], flows["whole"][arcs])
        graph = _Lazy(lambda: self._graph(capacity))
        tree = self._tree if symmetric and not failure.sites else None
        if tree is not None and np.array_equal(tree["watched"], watched):
            value, (s, t) = self._by_tree(tree, graph, links, flows["whole"][2 * links])
        else:
            value, (s, t) = self._by_source(graph, watched, symmetric)
        return CutAfter(failure.name, float(value) / flows["scale"],
                        (self.nodes[s], self.nodes[t]))

    def _by_tree(self, tree: dict[str, Any], graph: Any, links: np.ndarray,
                 capacity: np.ndarray) -> tuple[int, tuple[int, int]]:
        watched, parent = tree["watched"], tree["parent"]
        k = len(watched)
        lower = tree["value"] - tree["carried"][:, links].sum(axis=1)
        upper = tree["value"] - tree["crossing"][:, links].astype(np.int64) @ capacity
        lower[0] = upper[0] = np.iinfo(np.int64).max  # index 0 is the root, not an edge
        best = int(upper.min())
        if best > 0:
            for i in np.argsort(lower, kind="stable").tolist():
                if lower[i] >= best:
                    break
                lower[i] = self._flow(graph, watched[i], watched[parent[i]])
                best = min(best, int(lower[i]))
        # the first pair: watched[0] and the first site a cut of the smallest value parts it
        # from (every cut that parts two watched sites parts watched[0] from one of them)
        big = np.iinfo(np.int64).max
        low = np.where(tree["path"], lower[None, :], big).min(axis=1)
        high = np.where(tree["separates"], upper[:, None], big).min(axis=0)
        for j in range(1, k):
            if high[j] == best or (low[j] <= best and
                                   self._flow(graph, watched[0], watched[j]) == best):
                return best, (int(watched[0]), int(watched[j]))
        raise AssertionError("no pair has the smallest flow")  # pragma: no cover

    def _by_source(self, graph: Any, watched: np.ndarray, symmetric: bool
                   ) -> tuple[int, tuple[int, int]]:
        s = int(watched[0])
        rest = watched[1:].tolist()
        out = np.array([self._flow(graph, s, t) for t in rest], dtype=np.int64)
        back = out if symmetric else np.array([self._flow(graph, t, s) for t in rest],
                                              dtype=np.int64)
        best = int(min(out.min(), back.min()))
        hits = np.flatnonzero(out == best)
        if hits.size:
            return best, (s, int(rest[hits[0]]))
        # ordered pairs (a, b), a after watched[0]: flow(a, b) >= min(flow(a, s), flow(s, b))
        to_source = dict(zip(rest, back.tolist(), strict=True))
        from_source = dict(zip(rest, out.tolist(), strict=True))
        for a in rest:
            for b in watched.tolist():
                if b == a:
                    continue
                if b == s:
                    value = to_source[a]
                elif min(to_source[a], from_source[b]) > best:
                    continue
                else:
                    value = self._flow(graph, a, b)
                if value == best:
                    return best, (a, b)
        raise AssertionError("no pair has the smallest flow")  # pragma: no cover


@functools.lru_cache(maxsize=8)
def _upper(k: int) -> tuple[np.ndarray, np.ndarray]:
    """The cells above the diagonal of a k x k matrix."""
    return np.triu_indices(k, k=1)


def _cover(need: np.ndarray) -> np.ndarray:
    """Rows that cover every True of the symmetric `need` (row or column), greedily: the row
    with most left first."""
    need = need.copy()
    chosen = []
    count = need.sum(axis=1)
    while count.any():
        i = int(np.argmax(count))
        chosen.append(i)
        count -= need[:, i]
        count[i] = 0
        need[i, :] = need[:, i] = False
    return np.array(sorted(chosen), dtype=np.int64)


def _survives(elements: np.ndarray, links: np.ndarray) -> bool:
    """Whether some of `elements` (link ids) is not among the failed `links`."""
    return bool(elements.size) and bool(np.setdiff1d(elements, links).size)


class _Lazy:
    """A value made on first call (a masked graph that only some failures need)."""

    def __init__(self, make: Any) -> None:
        self.make = make
        self.value: Any = None

    def __call__(self) -> Any:
        if self.value is None:
            self.value = self.make()
        return self.value


#: No failure: the base itself.
_NOTHING = FailureSet("", "set", (), (), (), np.zeros(0, dtype=np.int64), 0)
