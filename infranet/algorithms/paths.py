"""Paths as arrays: :class:`PathSet`, the one container of paths in infranet.

A PathSet holds paths over the arcs of :meth:`Topology.compile` in CSR form, grouped into
*demands* (consecutive paths of the same flow or pair), each path optionally with the fraction
of its demand it carries. Candidate paths (k shortest, tunnels read from a file) have no
fractions; the splits of a routing have them. Helpers here build, filter and merge path sets
in bulk.

Examples
--------
>>> ps = PathSet(("x", "y", "z"), [0, 0], [2, 2], [0, 1, 3], [4, 0, 2], fraction=[0.5, 0.5])
>>> ps.n_paths, ps.n_demands, ps.hops.tolist(), ps.path_arcs(1).tolist()
(2, 1, [1, 2], [0, 2])
>>> ps.loads([10.0], 6).tolist()
[5.0, 0.0, 5.0, 0.0, 5.0, 0.0]
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from infranet.algorithms.arcs import ranges
from infranet.errors import ValidationError
from infranet.results import FrozenState

if TYPE_CHECKING:
    from infranet.model import Compiled, Topology

__all__ = ["DeferredPaths", "PathSet", "check_paths", "from_records", "gather", "readonly"]


def readonly(array: Any, dtype: Any) -> np.ndarray:
    """A read-only copy of `array` as `dtype` (a scalar becomes one element)."""
    out = np.array(array, dtype=dtype, copy=True)
    if out.ndim == 0:
        out = out.reshape(1)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class PathSet(FrozenState):
    """Paths between nodes, as CSR arrays over arcs, grouped into demands.

    Path ``p`` goes from node ``src[p]`` to ``dst[p]`` over the arcs
    ``arcs[indptr[p]:indptr[p + 1]]`` (arc ids of :meth:`Topology.compile`, in order from the
    source). Demand ``d`` owns the paths ``path_ptr[d]:path_ptr[d + 1]``; by default each run of
    consecutive paths between the same pair is one demand (candidate paths of a pair, best
    first). With `fraction`, path ``p`` carries ``fraction[p]`` of its demand's rate (the
    fractions of a routed demand sum to 1; a lost demand has no path).

    Attributes
    ----------
    nodes : tuple of str
        The topology's node names (``src`` and ``dst`` index them).
    src, dst, indptr, arcs : ndarray of int
    fraction : ndarray of float or None
        The share of its demand each path carries (None for candidate paths).
    path_ptr : ndarray of int
        The paths of each demand (CSR over paths).
    """

    nodes: tuple[str, ...]
    src: np.ndarray = field(repr=False)
    dst: np.ndarray = field(repr=False)
    indptr: np.ndarray = field(repr=False)
    arcs: np.ndarray = field(repr=False)
    fraction: np.ndarray | None = field(default=None, repr=False)
    path_ptr: Any = field(default=None, repr=False)  # None: one demand per run of a pair

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        for name in ("src", "dst", "indptr", "arcs"):
            object.__setattr__(self, name, readonly(getattr(self, name), np.int64))
        n = len(self.src)
        if len(self.dst) != n or len(self.indptr) != n + 1:
            raise ValidationError(f"a path set of {n} paths needs {n} dst and {n + 1} indptr "
                                  f"entries, got {len(self.dst)} and {len(self.indptr)}",
                                  field="paths")
        if self.fraction is not None:
            object.__setattr__(self, "fraction", readonly(self.fraction, float))
            if len(self.fraction) != n:
                raise ValidationError(f"expected one fraction per path ({n}), got "
                                      f"{len(self.fraction)}", field="fraction")
        if self.path_ptr is None:
            start = np.ones(n, dtype=bool)
            start[1:] = (self.src[1:] != self.src[:-1]) | (self.dst[1:] != self.dst[:-1])
            ptr = np.concatenate([np.flatnonzero(start), [n]])
        else:
            ptr = self.path_ptr
        object.__setattr__(self, "path_ptr", readonly(ptr, np.int64))

    @classmethod
    def from_demands(cls, nodes: Sequence[str], src: Any, dst: Any, path_ptr: Any,
                     indptr: Any, arcs: Any, *, fraction: Any = None) -> PathSet:
        """Return the paths of demands ``src[d] -> dst[d]``: demand ``d`` owns the paths
        ``path_ptr[d]:path_ptr[d + 1]``, path ``p`` goes over ``arcs[indptr[p]:indptr[p + 1]]``
        and carries ``fraction[p]`` of its demand (each path's ends are its demand's).

        Examples
        --------
        >>> ps = PathSet.from_demands(("x", "y", "z"), [0], [2], [0, 2], [0, 1, 3], [4, 0, 2],
        ...                           fraction=[0.5, 0.5])
        >>> ps.src.tolist(), ps.n_demands
        ([0, 0], 1)
        """
        path_ptr = np.asarray(path_ptr, dtype=np.int64)
        owner = np.repeat(np.arange(len(path_ptr) - 1), np.diff(path_ptr))
        return cls(tuple(nodes), np.asarray(src, dtype=np.int64)[owner],
                   np.asarray(dst, dtype=np.int64)[owner], indptr, arcs, fraction=fraction,
                   path_ptr=path_ptr)

    # ------------------------------------------------------------------ sizes
    def __len__(self) -> int:
        return len(self.src)

    @property
    def n_paths(self) -> int:
        return len(self.src)

    @property
    def n_demands(self) -> int:
        return len(self.path_ptr) - 1

    @property
    def arc_ptr(self) -> np.ndarray:
        """The same as :attr:`indptr` (CSR over arcs)."""
        return self.indptr

    @property
    def hops(self) -> np.ndarray:
        """Number of arcs of each path."""
        return np.diff(self.indptr)

    @functools.cached_property
    def demand_of(self) -> np.ndarray:
        """The demand of each path."""
        return readonly(np.repeat(np.arange(self.n_demands), np.diff(self.path_ptr)),
                         np.int64)

    @property
    def shares(self) -> np.ndarray:
        """The fractions, or an equal share of each demand over its paths when there are
        none."""
        if self.fraction is not None:
            return self.fraction
        count = np.diff(self.path_ptr)
        return 1.0 / count[self.demand_of] if self.n_paths else np.zeros(0)

    # ------------------------------------------------------------------ access
    def path_arcs(self, p: int) -> np.ndarray:
        """Arc ids of path `p`, in order."""
        return self.arcs[self.indptr[p]:self.indptr[p + 1]]

    def paths(self, d: int) -> list[tuple[np.ndarray, float]]:
        """Return the paths of demand `d` as ``(arc ids, fraction)`` pairs."""
        shares = self.shares
        return [(self.path_arcs(p), float(shares[p]))
                for p in range(self.path_ptr[d], self.path_ptr[d + 1])]

    def arc_matrix(self, n_arcs: int) -> sp.csr_matrix:
        """Return the ``paths x arcs`` incidence (an arc used twice counts twice)."""
        return sp.csr_matrix((np.ones(len(self.arcs)), self.arcs, self.indptr),
                             shape=(self.n_paths, n_arcs))

    def path_values(self, per_arc: np.ndarray) -> np.ndarray:
        """Return the sum of `per_arc` over the arcs of each path (e.g. latency in ms)."""
        values = np.asarray(per_arc, dtype=float)[self.arcs]
        return np.bincount(np.repeat(np.arange(self.n_paths), self.hops), weights=values,
                           minlength=self.n_paths)

    def loads(self, rate_gbps: np.ndarray | Sequence[float], n_arcs: int) -> np.ndarray:
        """Return each arc's load in Gb/s when demand ``d`` sends ``rate_gbps[d]`` split by
        the fractions (:attr:`shares`)."""
        per_path = np.asarray(rate_gbps, dtype=float)[self.demand_of] * self.shares
        return np.bincount(self.arcs, weights=np.repeat(per_path, self.hops),
                           minlength=n_arcs)[:n_arcs]

    def to_frame(self, topology: Topology) -> pd.DataFrame:
        """Return one row per path: ``src, dst, nodes`` (node names joined by ``-``),
        ``links`` (a tuple of link names), ``hops`` and, with fractions, ``fraction``."""
        compiled = topology.compile()
        names = np.array(compiled.nodes, dtype=object)
        rows_nodes, rows_links = [], []
        for p in range(len(self)):
            arcs = self.path_arcs(p)
            seq = [int(self.src[p]), *compiled.head[arcs].tolist()]
            rows_nodes.append("-".join(names[seq]))
            rows_links.append(tuple(compiled.links[i] for i in compiled.arc_link[arcs]))
        frame = pd.DataFrame({"src": names[self.src], "dst": names[self.dst],
                              "nodes": rows_nodes, "links": rows_links, "hops": self.hops})
        if self.fraction is not None:
            frame["fraction"] = self.fraction
        return frame

    # ------------------------------------------------------------------ derived sets
    def take(self, paths: np.ndarray, *, fraction: np.ndarray | None = None,
             demand_of: np.ndarray | None = None, n_demands: int | None = None) -> PathSet:
        """Return the paths `paths` (in that order), regrouped: by default into their old
        demands (`paths` sorted by demand), else into ``demand_of`` (sorted) out of
        `n_demands`; `fraction` replaces the fractions, renormalised per demand."""
        paths = np.asarray(paths, dtype=np.int64)
        owner = self.demand_of[paths] if demand_of is None else np.asarray(demand_of)
        count = self.n_demands if n_demands is None else int(n_demands)
        frac = None
        if fraction is not None or self.fraction is not None:
            frac = np.asarray(fraction if fraction is not None else self.shares[paths],
                              dtype=float)
            total = np.bincount(owner, weights=frac, minlength=count)
            with np.errstate(divide="ignore", invalid="ignore"):
                frac = frac / total[owner]
        flat, lengths = gather(self.indptr, self.arcs, paths)
        return PathSet(self.nodes, self.src[paths], self.dst[paths],
                       np.concatenate([[0], np.cumsum(lengths)]), flat, fraction=frac,
                       path_ptr=np.concatenate([[0], np.cumsum(np.bincount(owner,
                                                                           minlength=count))]))

    def merged(self) -> PathSet:
        """Merge identical paths of a demand (summing their fractions); drop zero
        fractions."""
        shares = self.shares
        key = np.concatenate([[0], np.cumsum(self.hops)])
        seen: dict[tuple[int, bytes], int] = {}
        first = np.empty(self.n_paths, dtype=np.int64)
        demand_of = self.demand_of
        for p in range(self.n_paths):
            mark = (int(demand_of[p]), self.arcs[key[p]:key[p + 1]].tobytes())
            first[p] = seen.setdefault(mark, p)
        frac = np.bincount(first, weights=shares, minlength=self.n_paths)
        chosen = np.flatnonzero((first == np.arange(self.n_paths)) & (frac > 0))
        return self.take(chosen, fraction=frac[chosen])


@dataclass(frozen=True, eq=False)
class DeferredPaths:
    """Paths built when first needed: ``function(*args)`` returns a :class:`PathSet`.

    Hop-by-hop routings (ECMP on a large graph) give their loads at once and their paths only
    when asked for; holding the inputs (a DAG's arrays, another PathSet) and a module-level
    `function`, not a closure, keeps the result picklable.

    Examples
    --------
    >>> later = DeferredPaths(empty, (("x", "y"), 2))
    >>> later.build().n_demands
    2
    """

    function: Callable[..., PathSet]
    args: tuple[Any, ...] = ()

    def build(self) -> PathSet:
        """Return the paths."""
        return self.function(*self.args)


def gather(arc_ptr: np.ndarray, arcs: np.ndarray, rows: np.ndarray,
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return the concatenated arcs of paths `rows` and their lengths."""
    idx, counts = ranges(arc_ptr, np.asarray(rows, dtype=np.int64))
    return arcs[idx], counts


def from_records(compiled: Compiled, end_rec: np.ndarray, demand: np.ndarray,
                 frac: np.ndarray, parent: np.ndarray, arc_of: np.ndarray, n_demands: int,
                 src: np.ndarray, dst: np.ndarray) -> PathSet:
    """Build a PathSet from path records: each record has a parent record (-1 at the source)
    and an arc; ``end_rec[i]`` is the last record of path ``i``, which belongs to demand
    ``demand[i]`` (from ``src[demand]`` to ``dst[demand]``) with fraction ``frac[i]``."""
    order = np.argsort(demand, kind="stable")
    end_rec, demand, frac = end_rec[order], demand[order], frac[order]
    steps = []
    cur = end_rec.copy()
    while (cur >= 0).any():
        live = cur >= 0
        step = np.full(len(cur), -1, dtype=np.int64)
        step[live] = arc_of[cur[live]]
        steps.append(step)
        nxt = np.full(len(cur), -1, dtype=np.int64)
        nxt[live] = parent[cur[live]]
        cur = nxt
    if steps:
        padded = np.vstack(steps[::-1]).T  # paths x steps, -1 before the first arc
        mask = padded >= 0
        lengths, flat = mask.sum(axis=1), padded[mask]
    else:
        lengths, flat = np.zeros(len(end_rec), dtype=np.int64), np.zeros(0, dtype=np.int64)
    path_ptr = np.concatenate([[0], np.cumsum(np.bincount(demand, minlength=n_demands))])
    return PathSet(compiled.nodes, np.asarray(src)[demand], np.asarray(dst)[demand],
                   np.concatenate([[0], np.cumsum(lengths)]), flat, fraction=frac,
                   path_ptr=path_ptr)


def empty(nodes: Sequence[str], n_demands: int) -> PathSet:
    """A path set of `n_demands` demands without a path (every one lost)."""
    return PathSet(tuple(nodes), np.zeros(0), np.zeros(0), np.zeros(1), np.zeros(0),
                   fraction=np.zeros(0), path_ptr=np.zeros(n_demands + 1))


def check_paths(topology: Topology, paths: object) -> PathSet:
    """Return `paths` if it is a PathSet made for `topology`, else raise ValidationError."""
    if not isinstance(paths, PathSet):
        raise ValidationError(f"paths must be a PathSet, got {type(paths).__name__}",
                              field="paths")
    if paths.nodes != topology.site_names:
        raise ValidationError("paths were made for another topology (its nodes differ)",
                              field="paths")
    return paths


def by_pair(paths: PathSet, src: np.ndarray, dst: np.ndarray, n: int,
            weight_of_path: np.ndarray | None = None, *, require: bool = False,
            ) -> tuple[np.ndarray, np.ndarray]:
    """Match the paths of `paths` to the demands ``src -> dst`` (pairs may repeat: a path
    serves every demand of its pair).

    Returns ``(path ids, demand of each)``, sorted by demand then path id; paths of weight 0 (in
    `weight_of_path`) are left out. With `require`, a demand without a path raises
    InfeasibleError.
    """
    from infranet.errors import InfeasibleError

    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    pair_key = src * n + dst
    path_key = paths.src * n + paths.dst
    pk_order = np.argsort(path_key, kind="stable")
    sorted_keys = path_key[pk_order]
    lo = np.searchsorted(sorted_keys, pair_key, side="left")
    hi = np.searchsorted(sorted_keys, pair_key, side="right")
    counts = hi - lo
    demand_of = np.repeat(np.arange(len(src)), counts)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    used = pk_order[starts + np.arange(int(counts.sum()))]
    if weight_of_path is not None:
        keep = np.asarray(weight_of_path)[used] > 0
        used, demand_of = used[keep], demand_of[keep]
    order = np.lexsort((used, demand_of))
    used, demand_of = used[order], demand_of[order]
    if require:
        covered = np.zeros(len(src), dtype=bool)
        covered[demand_of] = True
        if not covered.all():
            j = int(np.flatnonzero(~covered)[0])
            raise InfeasibleError(f"demand {paths.nodes[src[j]]!r} -> {paths.nodes[dst[j]]!r} "
                                  f"has no path ({int((~covered).sum())} demands have none)")
    return used, demand_of
