"""Source routing over explicit paths: ``ksp`` (k shortest paths with a weighted split) and
``cspf`` (constrained shortest path first, largest demand first)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.algorithms.arcs import POSITIVE_FLOOR, arc_weights, capacities, simple_csr
from infranet.algorithms.candidates import shortest_paths
from infranet.algorithms.dags import destination_dag
from infranet.algorithms.paths import PathSet, by_pair, check_paths
from infranet.errors import ValidationError, did_you_mean
from infranet.results import Stopwatch
from infranet.routing.base import Routing, demands, failure_name, register, usable_arcs

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["candidate_paths", "cspf", "ksp", "path_splits"]

SPLITS = ("equal", "inverse-latency")


def candidate_paths(topology: Topology, tm: TrafficMatrix | Flows, paths: PathSet | None,
                    k: int, weight: str, method: str, usable: np.ndarray | None = None,
                    ) -> PathSet:
    """The given PathSet (checked against `topology`, without the paths through arcs outside
    `usable`), else the `k` shortest paths of every demanded pair by `weight` over the `usable`
    arcs (:func:`infranet.algorithms.candidates.shortest_paths`; pairs no path joins get
    none)."""
    if paths is None:
        demands(topology, tm)  # finite demands only
        return shortest_paths(topology, tm, k, weight=weight, method=method, usable=usable)
    check_paths(topology, paths)
    if usable is None or not len(paths.arcs):
        return paths
    dead = np.add.reduceat((~usable[paths.arcs]).astype(np.int64), paths.indptr[:-1])
    alive = np.flatnonzero((dead == 0) & (paths.hops > 0))
    return paths.take(alive) if len(alive) < len(paths) else paths


def path_splits(paths: PathSet, src: np.ndarray, dst: np.ndarray,
                weight_of_path: np.ndarray) -> PathSet:
    """The splits of demands ``src -> dst`` over the paths of their pair in `paths`, each path
    weighted by `weight_of_path` (zero weights dropped; fractions renormalised per
    demand)."""
    n = len(paths.nodes)
    used, demand_of = by_pair(paths, src, dst, n, weight_of_path)
    return paths.take(used, fraction=np.asarray(weight_of_path, dtype=float)[used],
                      demand_of=demand_of, n_demands=len(src))


@register("ksp")
def ksp(topology: Topology, tm: TrafficMatrix | Flows, *, k: int = 4, weight: str = "hops",
        split: str = "equal", paths: PathSet | None = None, method: str = "auto",
        failure: FailureSet | None = None) -> Routing:
    """Route each demand over its `k` shortest loop-free paths with a fixed split.

    Parameters
    ----------
    k, weight
        Paths per pair and the metric they are shortest in (``"hops"``, ``"latency"``,
        ``"length"``); see :func:`infranet.algorithms.candidates.shortest_paths`.
    split
        ``"equal"`` (default): the same share on every path; ``"inverse-latency"``: shares
        proportional to ``1 / latency`` of each path (needs every link's latency).
    paths
        Candidate paths (e.g. tunnels from :func:`infranet.algorithms.candidates.read_tunnels`)
        instead of the `k` shortest.
    method
        Path search of :func:`~infranet.algorithms.candidates.shortest_paths` (``"auto"``,
        ``"yen"``, ``"deviation"``).
    failure
        Route around these failed links (see :func:`infranet.routing.route`).
    """
    timer = Stopwatch()
    if split not in SPLITS:
        raise ValidationError(f"split must be one of {', '.join(SPLITS)}, got {split!r}"
                              f"{did_you_mean(split, SPLITS)}", field="split")
    pathset = candidate_paths(topology, tm, paths, k, weight, method,
                              usable_arcs(topology, failure))
    src, dst, _ = demands(topology, tm)
    if split == "equal":
        share = np.ones(len(pathset))
    else:
        latency = arc_weights(topology, "latency", floor=POSITIVE_FLOOR)
        share = 1.0 / pathset.path_values(latency)
    splits = path_splits(pathset, src, dst, share)
    return Routing.from_splits(topology, tm, splits, algorithm="ksp", solve_s=timer(),
                               options={"k": k, "weight": weight, "split": split,
                                        "paths": "given" if paths is not None else None,
                                        "method": method, "failure": failure_name(failure)})


@register("cspf")
def cspf(topology: Topology, tm: TrafficMatrix | Flows, *, weight: str = "latency",
         igp_weights: Any = None, failure: FailureSet | None = None) -> Routing:
    """Constrained SPF: place demands one at a time, largest first, each whole on the
    lowest-`weight` path whose every arc still has room for it; a demand that fits on no path
    is lost (``info["lost"]`` names them).

    Parameters
    ----------
    weight, igp_weights
        The path metric: ``"latency"`` (default), ``"hops"``, ``"length"`` or ``"igp"``
        (see :func:`infranet.routing.shortest.spf`). Topologies without geography (no
        latency) need ``weight="hops"``.
    failure
        Route around these failed links (see :func:`infranet.routing.route`).

    Notes
    -----
    The unconstrained shortest-path tree towards each destination is tried first; only
    when its path lacks room is a shortest path searched on the arcs with enough residual
    capacity. Demands never exceed capacity, so the MLU is at most 1.
    """
    from scipy.sparse.csgraph import dijkstra

    timer = Stopwatch()
    compiled = topology.compile()
    n = compiled.n_nodes
    weights = arc_weights(topology, weight, igp_weights=igp_weights, floor=POSITIVE_FLOOR)
    cap = capacities(topology, purpose="cspf")
    usable = usable_arcs(topology, failure)
    residual = cap.astype(float).copy()
    if usable is not None:
        residual[~usable] = -np.inf
    src, dst, demand = demands(topology, tm)
    dag = destination_dag(compiled, weights, np.unique(dst), single=True, usable=usable)
    # the one next hop of each (destination, node) state of the trees
    next_arc = np.full(len(dag.ptr) - 1, -1, dtype=np.int64)
    next_arc[np.repeat(np.arange(len(dag.ptr) - 1), np.diff(dag.ptr))] = dag.arc
    head = compiled.head
    chosen: list[np.ndarray | None] = [None] * len(src)
    tol = 1e-9 * float(np.nanmax(cap)) if len(cap) else 0.0
    for j in np.argsort(-demand, kind="stable"):
        s, t, d = int(src[j]), int(dst[j]), float(demand[j])
        row = int(dag.row_of[t])
        path = None
        if np.isfinite(dag.dist[row, s]):
            arcs, u = [], s
            while u != t:
                a = int(next_arc[row * n + u])
                arcs.append(a)
                u = int(head[a])
            candidate = np.array(arcs, dtype=np.int64)
            if (residual[candidate] + tol >= d).all():
                path = candidate
            else:
                path = _constrained_path(dijkstra, compiled, weights, residual + tol >= d, s, t)
        if path is None:
            continue
        residual[path] -= d
        chosen[j] = path
    counts = [0 if p is None else 1 for p in chosen]
    kept = [p for p in chosen if p is not None]
    lengths = [len(p) for p in kept]
    splits = PathSet.from_demands(
        compiled.nodes, src, dst, np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]),
        np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]),
        np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64),
        fraction=np.ones(len(kept)))
    lost = [j for j, p in enumerate(chosen) if p is None]
    names = compiled.nodes
    info = {"lost_gbps": float(demand[lost].sum()),
            "lost": [(names[src[j]], names[dst[j]], float(demand[j])) for j in lost]}
    return Routing.from_splits(topology, tm, splits, algorithm="cspf", solve_s=timer(),
                               options={"weight": weight, "igp_weights": igp_weights,
                                        "failure": failure_name(failure)},
                               info=info)


def _constrained_path(dijkstra: Any, compiled: Any, weights: np.ndarray, usable: np.ndarray,
                      s: int, t: int) -> np.ndarray | None:
    """Lowest-weight path ``s -> t`` over `usable` arcs, or None."""
    arcs = np.flatnonzero(usable)
    if not len(arcs):
        return None
    graph, keep = simple_csr(compiled.n_nodes, compiled.tail[arcs], compiled.head[arcs],
                             weights[arcs])
    dist, pred = dijkstra(graph, directed=True, indices=s, return_predecessors=True)
    if not np.isfinite(dist[t]):
        return None
    arc_of = {(int(u), int(v)): int(arcs[a]) for u, v, a in
              zip(compiled.tail[arcs[keep]], compiled.head[arcs[keep]], keep, strict=True)}
    nodes = [t]
    while nodes[-1] != s:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    return np.array([arc_of[(u, v)] for u, v in itertools.pairwise(nodes)],
                    dtype=np.int64)
