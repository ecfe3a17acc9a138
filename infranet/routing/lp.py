"""Optimal routings from linear programs (:mod:`infranet.algorithms.mcf`, HiGHS): ``path-lp``
over candidate tunnels, ``mcf`` over all routings, and ``pop``, which partitions the demands
into random subproblems solved apart (Narayanan et al., "Solving Large-Scale Granular Resource
Allocation Problems Efficiently with POP", SOSP 2021)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.algorithms.arcs import capacities, reachable
from infranet.algorithms.decomposition import decompose, fill_starved
from infranet.algorithms.paths import PathSet, by_pair, empty
from infranet.errors import ValidationError
from infranet.results import Stopwatch
from infranet.routing.base import Routing, demands, failure_name, register, usable_arcs
from infranet.routing.paths import candidate_paths, path_splits
from infranet.seeds import generator, label

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["decompose", "mcf", "path_lp", "pop", "tunnel_candidates", "usable_paths"]


def _subset(topology: Topology, src: np.ndarray, dst: np.ndarray, demand: np.ndarray,
            keep: np.ndarray) -> Flows:
    from infranet.traffic import Flows

    return Flows(topology.site_names, src[keep], dst[keep], demand[keep])


def usable_paths(topology: Topology, paths: PathSet, usable: np.ndarray | None) -> PathSet:
    """Drop the paths through an arc of zero capacity or outside `usable` (they can carry
    nothing)."""
    arcs = np.unique(paths.arcs)
    cap = capacities(topology, arcs, purpose="this routing algorithm")
    if not len(paths.arcs):
        return paths
    dead = np.zeros(topology.compile().n_arcs, dtype=bool)
    dead[arcs] = cap[arcs] <= 0
    if usable is not None:
        dead |= ~usable
    full = np.add.reduceat(dead[paths.arcs].astype(np.int64), paths.indptr[:-1]) == 0
    full &= paths.hops > 0
    return paths if full.all() else paths.take(np.flatnonzero(full))


def _covered(paths: PathSet, src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """True for each demand ``src -> dst`` that `paths` joins (by pair keys: no ``n x n``
    table on a large graph)."""
    return np.isin(src * n + dst, paths.src * n + paths.dst)


def tunnel_candidates(topology: Topology, tm: TrafficMatrix | Flows, src: np.ndarray,
                      dst: np.ndarray, paths: PathSet | None, k: int, weight: str,
                      path_method: str, failure: FailureSet | None, purpose: str,
                      ) -> tuple[PathSet, np.ndarray]:
    """The candidate paths that can carry something (given, or searched around `failure`),
    and which demands ``src -> dst`` have one."""
    capacities(topology, purpose=purpose)
    usable = usable_arcs(topology, failure)
    pathset = usable_paths(topology, candidate_paths(topology, tm, paths, k, weight,
                                                      path_method, usable), usable)
    return pathset, _covered(pathset, src, dst, topology.compile().n_nodes)


def _solve_paths(topology: Topology, sub: Flows, paths: PathSet, method: str,
                 ) -> tuple[np.ndarray, float]:
    from infranet.algorithms.mcf import min_mlu

    if not (sub.demand_gbps > 0).any():
        return np.zeros(len(paths)), 0.0
    result = min_mlu(topology, sub, formulation="path", paths=paths, method=method)
    flow = np.clip(np.asarray(result.path_flow_gbps), 0.0, None)
    return flow, float(result.objective)


@register("path-lp")
def path_lp(topology: Topology, tm: TrafficMatrix | Flows, *, k: int = 4, weight: str = "hops",
            paths: PathSet | None = None, method: str = "highs", path_method: str = "auto",
            failure: FailureSet | None = None) -> Routing:
    """The routing over candidate tunnels that minimises the maximum link utilisation
    (:func:`infranet.algorithms.mcf.min_mlu`, ``formulation="path"``).

    Parameters
    ----------
    k, weight, path_method
        The candidate tunnels when `paths` is not given: up to `k` short loop-free paths of
        each pair by `weight`, searched by `path_method` (see
        :func:`~infranet.algorithms.candidates.shortest_paths`). The default ``"auto"`` takes
        Yen's exact `k` shortest paths (about 1 ms a pair) up to
        :data:`~infranet.algorithms.candidates.YEN_MAX_PAIRS` demanded pairs, and the
        deviation search, vectorised over all pairs, above (Kdl's 567,762 pairs); the
        deviation search can miss paths Yen finds (the second way round a ring), so the LP
        over them can be above the optimum over `k` shortest paths.
    paths
        Candidate tunnels, e.g. :func:`~infranet.algorithms.candidates.read_tunnels`.
    method
        The HiGHS method (``"highs"``, ``"highs-ds"``, ``"highs-ipm"``).
    failure
        Route around these failed links (see :func:`infranet.routing.route`).

    Notes
    -----
    A demand without a candidate path (or only paths through zero-capacity links) is lost
    and left out of the LP. ``info["lp_mlu"]`` is the LP optimum.
    """
    timer = Stopwatch()
    src, dst, demand = demands(topology, tm)
    pathset, keep = tunnel_candidates(topology, tm, src, dst, paths, k, weight, path_method,
                                      failure, "path-lp")
    sub = _subset(topology, src, dst, demand, keep)
    flow, objective = _solve_paths(topology, sub, pathset, method)
    splits = _flow_splits(pathset, src, dst, flow)
    return Routing.from_splits(
        topology, tm, splits, algorithm="path-lp", solve_s=timer(),
        options={"k": k, "weight": weight, "paths": "given" if paths is not None else None,
                 "method": method, "path_method": path_method,
                 "failure": failure_name(failure)},
        info={"lp_mlu": objective, "lost_gbps": float(demand[~keep].sum())})


def _flow_splits(paths: PathSet, src: np.ndarray, dst: np.ndarray, flow: np.ndarray,
                 ) -> PathSet:
    """Splits from the flow on each path of a pair (demands of one pair share it by their
    size, which is how the LP counts them). A demand so small that the LP left all its paths
    at zero, within the solver's tolerance, takes its first path."""
    weight = np.asarray(flow, dtype=float).copy()
    used, pair = by_pair(paths, src, dst, len(paths.nodes))
    total = np.bincount(pair, weights=weight[used], minlength=len(src))
    first = np.ones(len(used), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    starved = first & (total[pair] <= 0)
    weight[used[starved]] = 1.0
    return path_splits(paths, src, dst, weight)


@register("mcf")
def mcf(topology: Topology, tm: TrafficMatrix | Flows, *, method: str = "highs",
        failure: FailureSet | None = None) -> Routing:
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

    timer = Stopwatch()
    compiled = topology.compile()
    cap = capacities(topology, purpose="mcf")
    usable = usable_arcs(topology, failure)
    live = cap > 0 if usable is None else (cap > 0) & usable
    src, dst, demand = demands(topology, tm)
    keep = reachable(topology, src, dst, live)
    if keep.any():
        result = min_mlu(topology, _subset(topology, src, dst, demand, keep), formulation="arc",
                         flows=True, method=method, usable=usable)
        sources = np.array([compiled.index[x] for x in result.commodities or ()],
                           dtype=np.int64)
        splits = decompose(compiled, src, dst, np.where(keep, demand, 0.0), sources,
                           np.asarray(result.commodity_flow_gbps))
        splits = fill_starved(topology, splits, src, dst, np.where(keep, demand, 0.0), live)
        objective = float(result.objective)
    else:
        splits = empty(compiled.nodes, len(src))
        objective = 0.0
    return Routing.from_splits(topology, tm, splits, algorithm="mcf", solve_s=timer(),
                               options={"method": method, "failure": failure_name(failure)},
                               info={"lp_mlu": objective,
                                     "lost_gbps": float(demand[~keep].sum())})


@register("pop")
def pop(topology: Topology, tm: TrafficMatrix | Flows, *, parts: int = 4, seed: Any = 0,
        k: int = 4, weight: str = "hops", paths: PathSet | None = None, method: str = "highs",
        path_method: str = "auto", failure: FailureSet | None = None) -> Routing:
    """POP: split the demands at random into `parts` equal-sized subsets, give each subset
    ``1 / parts`` of every link's capacity, solve each subset's path LP apart, and add the
    routings up.

    Parameters
    ----------
    parts
        Number of subproblems (1 gives ``path-lp``).
    seed
        Seed of the random partition (an int, a numpy Generator, or None for a fresh one);
        the default 0 gives the same partition, hence the same routing, on every run.
    k, weight, paths, method, path_method, failure
        As :func:`path_lp`; the candidate paths are computed once for all subsets.

    Notes
    -----
    Minimising the MLU is invariant to scaling every capacity by the same factor, so each
    subproblem is solved on the full capacities: its routing is that of the subproblem on
    ``capacity / parts``, whose MLU is ``parts`` times the one solved
    (``info["part_mlu"]`` reports the latter, on ``capacity / parts``).
    """
    timer = Stopwatch()
    if not (isinstance(parts, (int, np.integer)) and parts >= 1):
        raise ValidationError(f"parts must be a positive integer, got {parts!r}", field="parts")
    src, dst, demand = demands(topology, tm)
    pathset, keep = tunnel_candidates(topology, tm, src, dst, paths, k, weight, path_method,
                                      failure, "pop")
    rng = generator(seed)
    part = np.empty(len(src), dtype=np.int64)
    part[rng.permutation(len(src))] = np.arange(len(src)) % parts
    flow = np.zeros(len(pathset))
    part_mlu = []
    for i in range(parts):
        chosen = keep & (part == i)
        f, objective = _solve_paths(topology, _subset(topology, src, dst, demand, chosen),
                                    pathset, method)
        flow += f  # every pair belongs to one part, so its paths carry one part's flow
        part_mlu.append(objective * parts if math.isfinite(objective) else objective)
    splits = _flow_splits(pathset, src, dst, flow)
    return Routing.from_splits(
        topology, tm, splits, algorithm="pop", solve_s=timer(),
        options={"parts": int(parts), "seed": label(seed), "k": k, "weight": weight,
                 "paths": "given" if paths is not None else None, "method": method,
                 "path_method": path_method, "failure": failure_name(failure)},
        info={"part_mlu": part_mlu, "lost_gbps": float(demand[~keep].sum())})
