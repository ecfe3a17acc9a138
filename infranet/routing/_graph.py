"""Shared machinery of the routing algorithms: arc weights, reachability, shortest-path DAGs
towards destinations with bulk load sweeps and path enumeration, and path-set helpers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.routing.base import Splits

if TYPE_CHECKING:
    from infranet.model import Topology

WEIGHTS = ("hops", "latency", "length", "igp")
_BLOCK = 1 << 22  # destinations x arcs per block of the DAG build
_TIGHT = 1e-9  # relative tolerance of equal-cost tests on float weights


class Timer:
    """Wall time since creation, in seconds."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


# ---------------------------------------------------------------------------- weights


def link_igp_weights(topology: Topology, igp_weights: Any = None) -> np.ndarray:
    """Per-link IGP weights: from `igp_weights` (a mapping by link name, or one value per link
    in link order), else from each link's ``meta.igp_weight``."""
    compiled = topology.compile()
    n_links = len(compiled.links)
    out = np.full(n_links, np.nan)
    given: dict[str, Any] = {}
    if igp_weights is not None:
        if isinstance(igp_weights, dict) or hasattr(igp_weights, "items"):
            given = dict(igp_weights.items())
            index = {name: i for i, name in enumerate(compiled.links)}
            for name, value in given.items():
                if name not in index:
                    raise UnknownNameError(f"unknown link {name!r}"
                                           f"{did_you_mean(name, compiled.links)}",
                                           field="igp_weights")
                out[index[name]] = _positive(value, f"link {name!r}")
        else:
            values = np.asarray(igp_weights, dtype=float)
            if values.shape != (n_links,):
                raise ValidationError(f"expected one IGP weight per link ({n_links}), got "
                                      f"shape {values.shape}", field="igp_weights")
            for i, value in enumerate(values):
                out[i] = _positive(value, f"link {compiled.links[i]!r}")
            return out
    missing = np.flatnonzero(np.isnan(out))
    if missing.size:
        specs = topology.to_dict()["links"]
        for i in missing:
            meta = specs[i].get("meta", {}) if i < len(specs) else {}
            if "igp_weight" not in meta:
                raise ValidationError(
                    f"no IGP weight: weight='igp' needs one on every link ({missing.size} "
                    "lack one); give the link meta.igp_weight, or pass igp_weights",
                    file=topology.file, element=f"link {compiled.links[i]!r}",
                    field="meta.igp_weight")
            out[i] = _positive(meta["igp_weight"], f"link {compiled.links[i]!r}")
    return out


def _positive(value: Any, element: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise ValidationError(f"expected a positive finite IGP weight, got {value!r}",
                              element=element, field="igp_weight")
    return number


def arc_weights(topology: Topology, weight: str = "hops", igp_weights: Any = None,
                ) -> np.ndarray:
    """Per-arc positive weights for shortest paths: ``hops``, ``latency`` (ms), ``length``
    (km) or ``igp`` (per-link IGP weights, see :func:`link_igp_weights`)."""
    from infranet.algorithms.latency import _weights

    if igp_weights is not None and weight != "igp":
        raise ValidationError(f"igp_weights are used with weight='igp', not {weight!r}",
                              field="weight")
    if weight == "igp":
        return np.repeat(link_igp_weights(topology, igp_weights), 2)
    if weight not in WEIGHTS:
        raise ValidationError(f"weight must be one of {', '.join(WEIGHTS)}, got {weight!r}"
                              f"{did_you_mean(weight, WEIGHTS)}", field="weight")
    try:
        values = np.asarray(_weights(topology, weight), dtype=float)
    except ValidationError as err:
        err.detail += "; or route by weight='hops'"
        err.args = (str(err),)
        raise
    # a zero-latency link (co-located sites) still costs something, so paths stay simple
    return np.maximum(values, 1e-9)


def capacities(topology: Topology, arcs: np.ndarray | None = None) -> np.ndarray:
    """Per-arc capacity in Gb/s; a missing one is an error."""
    compiled = topology.compile()
    cap = compiled.capacity_gbps
    idx = np.arange(len(cap)) if arcs is None else np.asarray(arcs)
    bad = idx[np.isnan(cap[idx])]
    if bad.size:
        raise ValidationError(
            f"no capacity; this routing algorithm needs a capacity on every link "
            f"({len(set(compiled.arc_link[bad].tolist()))} links lack one): set the link's "
            "capacity or defaults.capacity", file=topology.file,
            element=f"link {compiled.links[compiled.arc_link[bad[0]]]!r}", field="capacity")
    return cap


# ---------------------------------------------------------------------------- graphs


def simple_csr(n: int, tail: np.ndarray, head: np.ndarray, weights: np.ndarray,
               ) -> tuple[sp.csr_matrix, np.ndarray]:
    """A csr graph keeping the lightest of parallel arcs, and the arc id of each entry."""
    order = np.lexsort((np.arange(len(tail)), weights, head, tail))
    t, h = tail[order], head[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    keep = order[first]
    graph = sp.csr_matrix((weights[keep], (tail[keep], head[keep])), shape=(n, n))
    # entries of a csr built from sorted unique (row, col) keep that order
    return graph, keep


def reachable(topology: Topology, src: np.ndarray, dst: np.ndarray,
              usable: np.ndarray | None = None) -> np.ndarray:
    """True for each pair ``src -> dst`` joined by a directed path of `usable` arcs."""
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    compiled = topology.compile()
    n = compiled.n_nodes
    mask = np.ones(compiled.n_arcs, dtype=bool) if usable is None else usable
    graph = sp.csr_matrix((np.ones(int(mask.sum())), (compiled.tail[mask], compiled.head[mask])),
                          shape=(n, n))
    n_comp, labels = connected_components(graph, directed=True, connection="strong")
    if n_comp == 1:
        return np.ones(len(src), dtype=bool)
    ok = labels[src] == labels[dst]
    for s in np.unique(src[~ok]):
        seen = np.zeros(n, dtype=bool)
        seen[breadth_first_order(graph, int(s), directed=True, return_predecessors=False)] = True
        rows = np.flatnonzero(src == s)
        ok[rows] = seen[dst[rows]]
    return ok


def ranges(ptr: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated positions ``ptr[i]:ptr[i + 1]`` for each ``i`` of `idx`, and the count of
    each range."""
    starts = ptr[idx]
    counts = ptr[idx + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), counts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return offsets + np.arange(total), counts


# ---------------------------------------------------------------------------- DAGs


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

    def loads(self, matrix: np.ndarray, n_arcs: int) -> np.ndarray:
        """Per-arc load of the demands ``matrix[s, t]`` routed along the DAGs (every ``t``
        with a demand must be a destination). Flow is pushed wave by wave from the nodes
        holding it; each wave only touches the entries of nodes holding flow."""
        rows = self.row_of
        cols = np.flatnonzero(matrix.any(axis=0))
        if (rows[cols] < 0).any():
            raise ValueError("a destination with demand has no DAG")
        x = np.zeros(len(self.dests) * self.n)
        x.reshape(len(self.dests), self.n)[rows[cols]] = matrix[:, cols].T
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
        return np.isfinite(self.dist[self.row_of[dst], src])

    def splits(self, src: np.ndarray, dst: np.ndarray, head: np.ndarray) -> Splits:
        """Every DAG path of each demand ``src -> dst`` with the product of its fractions
        (no path for a pair the DAG does not join)."""
        n = self.n
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
        return trace(np.concatenate(done_rec), np.concatenate(done_demand),
                     np.concatenate(done_frac), parent, arc_of, len(src))


def trace(end_rec: np.ndarray, demand: np.ndarray, frac: np.ndarray, parent: np.ndarray,
          arc_of: np.ndarray, n_demands: int) -> Splits:
    """Build :class:`Splits` from path records (each record: its parent and its arc)."""
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
    return Splits(path_ptr, frac, np.concatenate([[0], np.cumsum(lengths)]), flat)


def destination_dag(compiled: Any, weights: np.ndarray, dests: np.ndarray, *,
                    single: bool = False, usable: np.ndarray | None = None) -> DestinationDag:
    """Shortest-path DAGs towards `dests` under positive per-arc `weights`.

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


# ---------------------------------------------------------------------------- paths


def gather(arc_ptr: np.ndarray, arcs: np.ndarray, rows: np.ndarray,
           ) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated arcs of paths `rows` and their lengths."""
    idx, counts = ranges(arc_ptr, rows)
    return arcs[idx], counts


def merge_duplicates(splits: Splits) -> Splits:
    """Merge identical paths of a demand (summing their fractions); drop zero fractions."""
    keys: dict[tuple[int, bytes], int] = {}
    demand_of = splits.demand_of
    keep_first = np.zeros(splits.n_paths, dtype=np.int64)
    for p in range(splits.n_paths):
        key = (int(demand_of[p]), splits.arcs[splits.arc_ptr[p]:splits.arc_ptr[p + 1]].tobytes())
        keep_first[p] = keys.setdefault(key, p)
    frac = np.bincount(keep_first, weights=splits.fraction, minlength=splits.n_paths)
    chosen = np.flatnonzero((keep_first == np.arange(splits.n_paths)) & (frac > 0))
    return select(splits, chosen, frac[chosen])


def select(splits: Splits, paths: np.ndarray, fraction: np.ndarray) -> Splits:
    """Keep `paths` (sorted by demand) of `splits` with new fractions, renormalised per
    demand."""
    demand_of = splits.demand_of[paths]
    n_d = splits.n_demands
    total = np.bincount(demand_of, weights=fraction, minlength=n_d)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = fraction / total[demand_of]
    flat, lengths = gather(splits.arc_ptr, splits.arcs, paths)
    return Splits(np.concatenate([[0], np.cumsum(np.bincount(demand_of, minlength=n_d))]),
                  frac, np.concatenate([[0], np.cumsum(lengths)]), flat)


def pathset_splits(paths: Any, src: np.ndarray, dst: np.ndarray, n: int,
                   weight_of_path: np.ndarray) -> Splits:
    """Splits of demands ``src -> dst`` over the paths of a PathSet, each path weighted by
    `weight_of_path` (zero weights dropped; fractions renormalised per demand)."""
    pair_key = src * n + dst
    order = np.argsort(pair_key, kind="stable")
    path_key = paths.src * n + paths.dst
    at = np.minimum(np.searchsorted(pair_key[order], path_key), max(len(order) - 1, 0))
    has = (pair_key[order][at] == path_key) if len(order) else np.zeros(len(paths), bool)
    has &= np.asarray(weight_of_path) > 0
    used = np.flatnonzero(has)
    demand_of = order[at[used]]
    seq = np.lexsort((used, demand_of))
    used, demand_of = used[seq], demand_of[seq]
    weight = np.asarray(weight_of_path, dtype=float)[used]
    total = np.bincount(demand_of, weights=weight, minlength=len(src))
    flat, lengths = gather(paths.indptr, paths.arcs, used)
    return Splits(np.concatenate([[0], np.cumsum(np.bincount(demand_of, minlength=len(src)))]),
                  weight / total[demand_of], np.concatenate([[0], np.cumsum(lengths)]), flat)
