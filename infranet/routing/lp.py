"""Optimal routings from linear programs (:mod:`infranet.algorithms.mcf`, HiGHS): ``path-lp``
over candidate tunnels, ``mcf`` over all routings, and ``pop``, which partitions the demands
into random subproblems solved apart (Narayanan et al., "Solving Large-Scale Granular Resource
Allocation Problems Efficiently with POP", SOSP 2021)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import ValidationError
from infranet.routing._graph import (
    Timer,
    capacities,
    gather,
    pathset_splits,
    reachable,
)
from infranet.routing.base import Routing, Splits, demands, register
from infranet.routing.paths import candidate_paths

if TYPE_CHECKING:
    from infranet.algorithms.mcf import PathSet
    from infranet.model import Topology
    from infranet.traffic import TrafficMatrix

__all__ = ["decompose", "mcf", "path_lp", "pop"]


def _subset_tm(topology: Topology, tm: TrafficMatrix, src: np.ndarray, dst: np.ndarray,
               demand: np.ndarray, keep: np.ndarray) -> TrafficMatrix:
    from infranet.traffic import TrafficMatrix

    n = topology.compile().n_nodes
    matrix = np.zeros((n, n))
    matrix[src[keep], dst[keep]] = demand[keep]
    return TrafficMatrix(topology.site_names, matrix, name=tm.name, source=tm.source)


def _usable_paths(topology: Topology, paths: PathSet) -> PathSet:
    """Drop the paths through an arc of zero capacity (they can carry nothing)."""
    from infranet.algorithms.mcf import PathSet

    cap = capacities(topology, np.unique(paths.arcs))
    full = np.ones(len(paths), dtype=bool)
    if len(paths.arcs):
        dead = np.zeros(topology.compile().n_arcs, dtype=bool)
        dead[np.unique(paths.arcs)] = cap[np.unique(paths.arcs)] <= 0
        full = np.add.reduceat(dead[paths.arcs].astype(np.int64), paths.indptr[:-1]) == 0
        full &= paths.hops > 0
    if full.all():
        return paths
    keep = np.flatnonzero(full)
    flat, lengths = gather(paths.indptr, paths.arcs, keep)
    return PathSet(paths.nodes, paths.src[keep], paths.dst[keep],
                   np.concatenate([[0], np.cumsum(lengths)]), flat)


def _covered(paths: PathSet, src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    have = np.zeros(n * n, dtype=bool)
    have[paths.src * n + paths.dst] = True
    return have[src * n + dst]


def _solve_paths(topology: Topology, sub: TrafficMatrix, paths: PathSet, method: str,
                 ) -> tuple[np.ndarray, float]:
    from infranet.algorithms.mcf import min_mlu

    if not np.count_nonzero(sub.gbps):
        return np.zeros(len(paths)), 0.0
    result = min_mlu(topology, sub, formulation="path", paths=paths, method=method)
    flow = np.clip(np.asarray(result.path_flow_gbps), 0.0, None)
    return flow, float(result.objective)


@register("path-lp")
def path_lp(topology: Topology, tm: TrafficMatrix, *, k: int = 4, weight: str = "hops",
            paths: PathSet | None = None, method: str = "highs", path_method: str = "deviation",
            ) -> Routing:
    """The routing over candidate tunnels that minimises the maximum link utilisation
    (:func:`infranet.algorithms.mcf.min_mlu`, ``formulation="path"``).

    Parameters
    ----------
    k, weight, path_method
        The candidate tunnels when `paths` is not given: up to `k` short loop-free paths of
        each pair by `weight`, searched by `path_method` (see
        :func:`~infranet.algorithms.mcf.shortest_paths`). The default ``"deviation"`` is
        vectorised over all pairs; ``"yen"`` gives the exact `k` shortest, at about 3 ms a
        pair.
    paths
        Candidate tunnels, e.g. :func:`~infranet.algorithms.mcf.read_tunnels`.
    method
        The HiGHS method of ``scipy.optimize.linprog``.

    Notes
    -----
    A demand without a candidate path (or only paths through zero-capacity links) is lost
    and left out of the LP. ``info["lp_mlu"]`` is the LP optimum.
    """
    timer = Timer()
    compiled = topology.compile()
    src, dst, demand = demands(topology, tm)
    capacities(topology)
    pathset = _usable_paths(topology, candidate_paths(topology, tm, paths, k, weight,
                                                      path_method))
    keep = _covered(pathset, src, dst, compiled.n_nodes)
    flow, objective = _solve_paths(topology, _subset_tm(topology, tm, src, dst, demand, keep),
                                   pathset, method)
    splits = pathset_splits(pathset, src, dst, compiled.n_nodes, flow)
    return Routing.from_splits(
        topology, tm, splits, algorithm="path-lp", solve_s=timer(),
        options={"k": k, "weight": weight, "paths": "given" if paths is not None else None,
                 "method": method, "path_method": path_method},
        info={"lp_mlu": objective, "lost_gbps": float(demand[~keep].sum())})


@register("mcf")
def mcf(topology: Topology, tm: TrafficMatrix, *, method: str = "highs") -> Routing:
    """The optimal routing: the arc-form multicommodity flow of least maximum link
    utilisation (:func:`infranet.algorithms.mcf.min_mlu`, ``formulation="arc"``), decomposed
    into paths per demand.

    Notes
    -----
    The LP aggregates commodities by source; :func:`decompose` splits each source's flow
    into paths to its destinations and drops the circulations an LP optimum may carry, so
    the loads are at most the LP's. Demands with no path of positive capacity are lost and
    left out of the LP. ``info["lp_mlu"]`` is the LP optimum.
    """
    from infranet.algorithms.mcf import min_mlu

    timer = Timer()
    compiled = topology.compile()
    cap = capacities(topology)
    src, dst, demand = demands(topology, tm)
    keep = reachable(topology, src, dst, cap > 0)
    sub = _subset_tm(topology, tm, src, dst, demand, keep)
    if keep.any():
        result = min_mlu(topology, sub, formulation="arc", flows=True, method=method)
        sources = [compiled.index[x] for x in result.commodities]
        splits = decompose(compiled, src, dst, np.where(keep, demand, 0.0), sources,
                           np.asarray(result.commodity_flow_gbps))
        objective = float(result.objective)
    else:
        splits = Splits(np.zeros(len(src) + 1), np.zeros(0), np.zeros(1), np.zeros(0))
        objective = 0.0
    return Routing.from_splits(topology, tm, splits, algorithm="mcf", solve_s=timer(),
                               options={"method": method},
                               info={"lp_mlu": objective,
                                     "lost_gbps": float(demand[~keep].sum())})


def decompose(compiled: Any, src: np.ndarray, dst: np.ndarray, demand: np.ndarray,
              sources: list[int], flows: np.ndarray) -> Splits:
    """Split per-source arc flows into paths per demand (flow decomposition).

    From each source, walk along arcs with flow until a destination that still expects
    flow; push the bottleneck along the walk. A walk that meets itself has found a
    circulation, which is cancelled. Demands with no flow reaching them get no path.
    """
    n = compiled.n_nodes
    head = compiled.head
    out_of: list[list[int]] = [[] for _ in range(n)]
    for a, u in enumerate(compiled.tail.tolist()):
        out_of[u].append(a)
    demand_at = {(int(s), int(t)): j for j, (s, t) in enumerate(zip(src, dst, strict=True))}
    records: list[tuple[int, list[int], float]] = []
    for s, x in zip(sources, flows, strict=True):
        x = np.asarray(x, dtype=float).copy()
        tol = 1e-9 * max(float(x.max()) if x.size else 0.0, 1e-300)
        x[x <= tol] = 0.0
        need = np.zeros(n)
        for t in range(n):
            j = demand_at.get((s, t))
            if j is not None:
                need[t] = demand[j]
        pointer = [0] * n  # next arc to look at, per node (exhausted arcs are skipped)
        guard = 4 * (len(x) + n) + 16
        while need.sum() > tol and guard > 0:
            guard -= 1
            stack: list[int] = []
            seen = {s: 0}
            u = s
            while u == s or need[u] <= tol:
                arcs = out_of[u]
                while pointer[u] < len(arcs) and x[arcs[pointer[u]]] <= tol:
                    pointer[u] += 1
                if pointer[u] == len(arcs):  # dead end left by rounding: drop the way in
                    if not stack:
                        u = -2
                        break
                    x[stack[-1]] = 0.0
                    u = -1
                    break
                a = arcs[pointer[u]]
                v = int(head[a])
                if v in seen:  # a circulation: cancel it and walk on from v
                    cycle = [*stack[seen[v]:], a]
                    x[cycle] -= x[cycle].min()
                    x[np.array(cycle)[x[cycle] <= tol]] = 0.0
                    for b in stack[seen[v]:]:
                        seen.pop(int(head[b]), None)
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
            delta = min(float(x[stack].min()), float(need[u]))
            x[stack] -= delta
            x[np.array(stack)[x[stack] <= tol]] = 0.0
            need[u] -= delta
            records.append((demand_at[(s, u)], stack, delta))
    records.sort(key=lambda r: r[0])
    owner = np.array([r[0] for r in records], dtype=np.int64)
    amount = np.array([r[2] for r in records], dtype=float)
    total = np.bincount(owner, weights=amount, minlength=len(src))
    lengths = [len(r[1]) for r in records]
    flat = np.array([a for r in records for a in r[1]], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = amount / total[owner] if len(owner) else amount
    return Splits(np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(src)))]),
                  fraction, np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]), flat)


@register("pop")
def pop(topology: Topology, tm: TrafficMatrix, *, parts: int = 4, seed: Any = None, k: int = 4,
        weight: str = "hops", paths: PathSet | None = None, method: str = "highs",
        path_method: str = "deviation") -> Routing:
    """POP: split the demands at random into `parts` equal-sized subsets, give each subset
    ``1 / parts`` of every link's capacity, solve each subset's path LP apart, and add the
    routings up.

    Parameters
    ----------
    parts
        Number of subproblems (1 gives ``path-lp``).
    seed
        Seed of the random partition (an int, a numpy Generator or None).
    k, weight, paths, method, path_method
        As :func:`path_lp`; the candidate paths are computed once for all subsets.

    Notes
    -----
    Minimising the MLU is invariant to scaling every capacity by the same factor, so each
    subproblem is solved on the full capacities: its routing is that of the subproblem on
    ``capacity / parts``, whose MLU is ``parts`` times the one solved
    (``info["part_mlu"]`` reports the latter, on ``capacity / parts``).
    """
    timer = Timer()
    if not (isinstance(parts, (int, np.integer)) and parts >= 1):
        raise ValidationError(f"parts must be a positive integer, got {parts!r}", field="parts")
    compiled = topology.compile()
    src, dst, demand = demands(topology, tm)
    capacities(topology)
    pathset = _usable_paths(topology, candidate_paths(topology, tm, paths, k, weight,
                                                      path_method))
    keep = _covered(pathset, src, dst, compiled.n_nodes)
    rng = np.random.default_rng(seed)
    part = np.empty(len(src), dtype=np.int64)
    part[rng.permutation(len(src))] = np.arange(len(src)) % parts
    flow = np.zeros(len(pathset))
    part_mlu = []
    for i in range(parts):
        chosen = keep & (part == i)
        sub = _subset_tm(topology, tm, src, dst, demand, chosen)
        f, objective = _solve_paths(topology, sub, pathset, method)
        flow += f  # every pair belongs to one part, so its paths carry one part's flow
        part_mlu.append(objective * parts if math.isfinite(objective) else objective)
    splits = pathset_splits(pathset, src, dst, compiled.n_nodes, flow)
    return Routing.from_splits(
        topology, tm, splits, algorithm="pop", solve_s=timer(),
        options={"parts": int(parts), "seed": seed if isinstance(seed, (int, type(None)))
                 else "generator", "k": k, "weight": weight,
                 "paths": "given" if paths is not None else None, "method": method,
                 "path_method": path_method},
        info={"part_mlu": part_mlu, "lost_gbps": float(demand[~keep].sum())})
