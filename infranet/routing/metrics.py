"""Metrics of a routing: utilisation, throughput, latency stretch, paths, solve time."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import counted

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.routing.base import Routing
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["carriable", "evaluate", "mlu", "mlu_of", "optimal_mlu", "utilisation"]

#: Utilisation above 1 by more than this counts as over capacity (LP optima sit at 1 within
#: the solver's tolerance).
_OVER = 1e-9


def utilisation(routing: Routing, topology: Topology) -> np.ndarray:
    """Per-arc load / capacity (NaN where the capacity is unknown or zero and the arc
    unused; ``inf`` where such an arc carries load): :meth:`Routing.utilisation`."""
    return routing.utilisation(topology)


def mlu_of(util: np.ndarray, *, demand_gbps: float, carried_gbps: float) -> float:
    """The maximum link utilisation of per-arc utilisations `util` (NaN entries left out): 0
    when there is no demand, NaN when there is demand and none of it is carried (an MLU of 0
    would read as an idle network)."""
    if demand_gbps > 0 and carried_gbps <= 0:
        return math.nan
    util = np.asarray(util, dtype=float)
    util = util[~np.isnan(util)]
    return float(util.max()) if util.size else 0.0


def mlu(routing: Routing, topology: Topology) -> float:
    """Maximum link utilisation over arcs with a capacity (:func:`mlu_of`: 0 without demand,
    NaN when every demand is lost)."""
    return mlu_of(routing.utilisation(topology), demand_gbps=float(routing.demand_gbps.sum()),
                  carried_gbps=float(routing.routed_gbps.sum()))


def carriable(topology: Topology, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """True for each demand ``src -> dst`` (node indices) that a path of arcs with capacity
    joins (an unknown capacity counts as some): the demands any routing can carry."""
    from infranet.algorithms.arcs import reachable

    cap = topology.compile().capacity_gbps
    return reachable(topology, src, dst, ~(cap <= 0))


def optimal_mlu(topology: Topology, tm: TrafficMatrix | Flows, *, method: str = "highs",
                ) -> tuple[float | None, str | None]:
    """Return the optimal MLU of routing the demands of `tm` that can be carried (the arc LP,
    :func:`infranet.algorithms.mcf.min_mlu`), and a note naming those that cannot.

    A demand whose ends no path of capacity joins is lost by every routing: the optimum is
    over the others, and the note says how many are left out and names one. Without any
    demand that can be carried there is no optimum (None, with the note).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "abc"],
    ...     "links": [{"a": "a", "b": "b", "capacity": 100}]})
    >>> value, note = optimal_mlu(topo, TrafficMatrix(("a", "b", "c"),
    ...                                               [[0, 50, 5], [0, 0, 0], [0, 0, 0]]))
    >>> value, note.split(": ")[1]
    (0.5, "1 demand (5 Gb/s) has no route with capacity, e.g. 'a' -> 'c'")
    """
    from infranet.algorithms.mcf import min_mlu
    from infranet.routing.base import demands
    from infranet.traffic import Flows

    src, dst, demand = demands(topology, tm)
    if not len(src):
        return 0.0, None
    ok = carriable(topology, src, dst)
    note = None
    if not ok.all():
        j = int(np.flatnonzero(~ok)[0])
        names = topology.site_names
        lost = int((~ok).sum())
        lacking = (f"{counted(lost, 'demand')} ({float(demand[~ok].sum()):.6g} Gb/s) "
                   f"{'has' if lost == 1 else 'have'} no route with capacity, e.g. "
                   f"{names[src[j]]!r} -> {names[dst[j]]!r}")
        if not ok.any():
            nothing = ("the one demand cannot be carried" if len(src) == 1
                       else f"none of the {len(src)} demands can be carried")
            return None, f"no optimum: {nothing}; {lacking}"
        note = (f"the optimum is over the {int(ok.sum())} of {len(src)} demands that can be "
                f"carried: {lacking}")
    flows = Flows(topology.site_names, src[ok], dst[ok], demand[ok])
    return min_mlu(topology, flows, method=method).mlu, note


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return math.nan
    values, weights = values[ok], weights[ok] / weights[ok].max()  # no overflow in sums
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, q * cum[-1])])


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    ok = weights > 0
    if not ok.any() or not np.isfinite(values[ok]).all():
        return math.nan
    w = weights[ok] / weights[ok].max()  # rates near the largest float do not overflow
    return float(np.dot(values[ok], w) / w.sum())


def _lowest(topology: Topology, weights: np.ndarray, src: np.ndarray,
            dst: np.ndarray) -> np.ndarray:
    """Shortest distance under per-arc `weights` of each pair ``src -> dst``."""
    from scipy.sparse.csgraph import dijkstra

    from infranet.algorithms.arcs import simple_csr

    compiled = topology.compile()
    if not len(src):
        return np.zeros(0)
    graph, _ = simple_csr(compiled.n_nodes, compiled.tail, compiled.head, weights)
    sources, row = np.unique(src, return_inverse=True)
    dist = np.atleast_2d(dijkstra(graph, directed=True, indices=sources))
    return dist[row, dst]


def evaluate(routing: Routing, topology: Topology, tm: TrafficMatrix | Flows, *,
             optimum: float | None = None, paths: bool = True) -> dict[str, Any]:
    """Return the metrics of `routing` of `tm` over `topology`.

    Parameters
    ----------
    optimum
        The optimal MLU (e.g. :func:`optimal_mlu`: over the demands that can be carried), for
        ``mlu_ratio``.
    paths
        Compute the metrics that need every path (latency, stretch, paths used); False skips
        them, which matters for ECMP on large graphs.

    Returns
    -------
    dict
        ``algorithm``; ``mlu`` (NaN when demand was asked and none carried) and ``mlu_ratio``
        (MLU / `optimum`; NaN without one, and NaN when the routing lost demand that a path
        with capacity could carry: an MLU over part of that demand does not compare with the
        optimum of carrying all of it); ``weight`` (the path metric the algorithm used, if
        any); ``demand_gbps``, ``throughput_gbps`` (demand carried), ``lost_gbps``,
        ``unreachable_gbps`` (demand no path with capacity joins: lost by any routing) and
        ``satisfied`` (carried / asked: 1 when every demand is routed, over capacity or
        not); ``fits`` (True only when every demand is carried and no link is over capacity)
        and ``overloaded_links`` (links over capacity in either direction);
        ``concurrent_lambda``: the largest ``λ`` such that
        ``λ`` times every demand fits this routing's paths, ``1 / MLU`` when every demand is
        carried and 0 when one is lost; ``util_p50``, ``util_p90``, ``util_p95`` over arcs
        with a capacity; ``latency_ms_mean``, ``latency_ms_p95`` (routed one-way latency,
        weighted by the rate on each path), ``stretch_mean``, ``stretch_p95`` (path latency
        / lowest latency of its pair), ``extra_latency_ms_mean``, ``extra_latency_ms_p95``
        (path latency minus the lowest, in ms), all NaN when latencies are unknown, and
        ``hop_stretch_mean`` (hops / fewest hops); ``n_paths`` (paths with a positive
        share), ``paths_per_demand``; ``solve_s``.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.routing import route
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100, "length_km": 100},
    ...               {"a": "y", "b": "z", "capacity": 100, "length_km": 100},
    ...               {"a": "x", "b": "z", "capacity": 100, "length_km": 100}]})
    >>> tm = TrafficMatrix(("x", "z"), [[0, 150], [0, 0]])
    >>> m = evaluate(route(topo, tm, algorithm="mcf"), topo, tm)
    >>> round(m["mlu"], 9), round(m["concurrent_lambda"], 6), m["n_paths"]
    (0.75, 1.333333, 2)
    """
    compiled = topology.compile()
    util = utilisation(routing, topology)
    value = mlu(routing, topology)
    cap = compiled.capacity_gbps
    measured = util[np.isfinite(cap) & (cap > 0)]
    demand = routing.demand_gbps
    routed = routing.routed_gbps
    total = float(demand.sum())
    carried = float(routed.sum())
    all_routed = bool(routing.routed.all())
    can = carriable(topology, routing.src, routing.dst) if not all_routed else None
    routed_all_it_can = all_routed or bool(routing.routed[can].all())
    out: dict[str, Any] = {
        "algorithm": routing.algorithm,
        "weight": routing.weight,
        "mlu": value,
        "mlu_ratio": value / optimum if optimum and routed_all_it_can else math.nan,
        "demand_gbps": total,
        "throughput_gbps": carried,
        "lost_gbps": total - carried,
        "unreachable_gbps": float(demand[~can].sum()) if can is not None else 0.0,
        "satisfied": carried / total if total > 0 else 1.0,
        "fits": bool(all_routed and not value > 1 + _OVER),
        "overloaded_links": len(np.unique(compiled.arc_link[
            np.flatnonzero(np.nan_to_num(util, nan=0.0) > 1 + _OVER)])),
        "concurrent_lambda": _concurrent_lambda(value, all_routed),
        "util_p50": float(np.percentile(measured, 50)) if measured.size else math.nan,
        "util_p90": float(np.percentile(measured, 90)) if measured.size else math.nan,
        "util_p95": float(np.percentile(measured, 95)) if measured.size else math.nan,
    }
    if paths:
        out.update(_path_metrics(routing, topology))
    out["solve_s"] = routing.solve_s
    return out


def _path_metrics(routing: Routing, topology: Topology) -> dict[str, Any]:
    compiled = topology.compile()
    splits = routing.splits
    demand_of = splits.demand_of
    rate = routing.routed_gbps[demand_of] * splits.fraction  # Gb/s on each path
    used = rate > 0
    src, dst = routing.src[demand_of], routing.dst[demand_of]
    hops = splits.hops.astype(float)
    fewest = _lowest(topology, np.ones(compiled.n_arcs), src, dst)
    out: dict[str, Any] = {}
    latency = np.asarray(compiled.latency_ms, dtype=float)
    if len(latency) and np.isfinite(latency).all():
        path_ms = splits.path_values(latency)
        best = _lowest(topology, np.maximum(latency, 1e-12), src, dst)
        with np.errstate(divide="ignore", invalid="ignore"):
            stretch = np.where(best > 0, path_ms / best, 1.0)
        extra = path_ms - best
        out.update({
            "latency_ms_mean": _weighted_mean(path_ms, rate),
            "latency_ms_p95": _weighted_quantile(path_ms, rate, 0.95),
            "stretch_mean": _weighted_mean(stretch, rate),
            "stretch_p95": _weighted_quantile(stretch, rate, 0.95),
            "extra_latency_ms_mean": _weighted_mean(extra, rate),
            "extra_latency_ms_p95": _weighted_quantile(extra, rate, 0.95),
        })
    else:
        out.update(dict.fromkeys(("latency_ms_mean", "latency_ms_p95", "stretch_mean",
                                  "stretch_p95", "extra_latency_ms_mean",
                                  "extra_latency_ms_p95"), math.nan))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["hop_stretch_mean"] = _weighted_mean(hops / fewest, rate)
    n_paths = int(used.sum())
    n_routed = int((routing.routed_gbps > 0).sum())
    out["n_paths"] = n_paths
    out["paths_per_demand"] = n_paths / n_routed if n_routed else 0.0
    return out


def _concurrent_lambda(mlu: float, all_routed: bool) -> float:
    """1 / MLU when every demand is carried; 0 when one is lost; NaN when a loaded arc has no
    capacity (the MLU is then infinite: nothing bounds the scaling)."""
    if not all_routed:
        return 0.0
    if not math.isfinite(mlu):
        return math.nan
    return 1.0 / mlu if mlu > 0 else math.inf
