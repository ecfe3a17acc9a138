"""Destination-based routing along shortest paths: ``spf``, ``ecmp`` and ``vlb``.

Routers forward by destination: at every node, traffic for ``t`` leaves over the next hops
that lie on a shortest path to ``t``. Loads are computed in bulk, one shortest-path DAG per
destination and a sweep that pushes every demand down the DAGs at once; the paths of each
demand are enumerated only when asked for (:attr:`Routing.splits`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.algorithms.arcs import POSITIVE_FLOOR, arc_weights
from infranet.algorithms.dags import DestinationDag, destination_dag
from infranet.algorithms.paths import DeferredPaths, PathSet, gather
from infranet.errors import ValidationError
from infranet.results import Stopwatch
from infranet.routing.base import (
    Routing,
    demands,
    failure_name,
    register,
    usable_arcs,
)

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Compiled, Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["ecmp", "hop_by_hop", "spf", "vlb"]


def hop_by_hop(algorithm: str, topology: Topology, tm: TrafficMatrix | Flows,
               weights: np.ndarray, *, single: bool, timer: Stopwatch, options: dict[str, Any],
               info: dict[str, Any] | None = None, usable: np.ndarray | None = None,
               ) -> Routing:
    """Route `tm` hop by hop over the shortest paths of per-arc `weights` (ECMP, or one
    next hop each when `single`), on the `usable` arcs. Demands whose destination cannot be
    reached are lost."""
    compiled = topology.compile()
    src, dst, demand = demands(topology, tm)
    dag = destination_dag(compiled, weights, np.unique(dst), single=single, usable=usable)
    ok = dag.reaches(src, dst)
    load = dag.loads(src[ok], dst[ok], demand[ok], compiled.n_arcs)
    routed = np.where(ok, demand, 0.0)
    info = {"lost_gbps": float(demand[~ok].sum()), **(info or {})}
    return Routing(algorithm, compiled.nodes, load, src, dst, demand, routed, timer(), options,
                   info, DeferredPaths(dag.splits, (compiled, src, dst)), compiled.links,
                   compiled.capacity_gbps)


@register("spf")
def spf(topology: Topology, tm: TrafficMatrix | Flows, *, weight: str = "hops",
        igp_weights: Any = None, failure: FailureSet | None = None) -> Routing:
    """Route every demand over one shortest path (destination-based: one next hop per node).

    Parameters
    ----------
    weight
        ``"hops"`` (default), ``"latency"`` (one-way ms), ``"length"`` (km) or ``"igp"``:
        per-link IGP weights from `igp_weights` or, for links it does not name, from each
        link's ``meta.igp_weight`` (a link with neither is an error).
    igp_weights
        With ``weight="igp"``: a mapping ``{link name: weight}`` or one weight per link.
    failure
        Route around these failed links (see :func:`infranet.routing.route`).

    Notes
    -----
    Ties between equal-cost next hops go to the arc of lowest id (the link listed first), so
    the paths towards a destination form a tree, as in an IGP without ECMP.
    """
    return _shortest_paths("spf", topology, tm, weight, igp_weights, failure, single=True)


@register("ecmp")
def ecmp(topology: Topology, tm: TrafficMatrix | Flows, *, weight: str = "hops",
         igp_weights: Any = None, failure: FailureSet | None = None) -> Routing:
    """Route hop by hop with equal-cost multipath: every node splits the traffic for a
    destination equally over all its next hops on shortest paths (parallel links included).

    Options as :func:`spf`. This is per-destination ECMP as routers do it: a path's share is
    the product of the splits along it, not one over the number of paths.
    """
    return _shortest_paths("ecmp", topology, tm, weight, igp_weights, failure, single=False)


def _shortest_paths(algorithm: str, topology: Topology, tm: TrafficMatrix | Flows, weight: str,
                    igp_weights: Any, failure: FailureSet | None, *, single: bool) -> Routing:
    timer = Stopwatch()
    weights = arc_weights(topology, weight, igp_weights=igp_weights, floor=POSITIVE_FLOOR)
    return hop_by_hop(algorithm, topology, tm, weights, single=single, timer=timer,
                      options={"weight": weight, "igp_weights": igp_weights,
                               "failure": failure_name(failure)},
                      usable=usable_arcs(topology, failure))


@register("vlb")
def vlb(topology: Topology, tm: TrafficMatrix | Flows, *, weight: str = "hops",
        igp_weights: Any = None, intermediates: Sequence[str] | None = None,
        segments: str = "ecmp", failure: FailureSet | None = None) -> Routing:
    """Valiant load balancing: each demand is split equally over every intermediate node,
    travelling to it and then on to its destination along shortest paths.

    Parameters
    ----------
    weight, igp_weights
        The shortest-path metric of both segments, as :func:`spf`.
    intermediates
        Names of the intermediate nodes (default: every node; the demand's own ends count,
        and give its direct route).
    segments
        ``"ecmp"`` (default): both segments split as :func:`ecmp`; ``"spf"``: one path each.
    failure
        Route around these failed links (see :func:`infranet.routing.route`).

    Notes
    -----
    A demand only uses the intermediates it can reach and that reach its destination; one
    with none is lost. Loads come from two matrices: ``d[s, t] / c[s, t]`` sent from ``s``
    to each valid intermediate, then from it to ``t`` (``c`` counts the valid ones).
    """
    timer = Stopwatch()
    if segments not in ("ecmp", "spf"):
        raise ValidationError(f"segments must be 'ecmp' or 'spf', got {segments!r}",
                              field="segments")
    compiled = topology.compile()
    n = compiled.n_nodes
    weights = arc_weights(topology, weight, igp_weights=igp_weights, floor=POSITIVE_FLOOR)
    src, dst, demand = demands(topology, tm)
    via = np.zeros(n, dtype=bool)
    if intermediates is None:
        via[:] = True
    else:
        if isinstance(intermediates, str) or not isinstance(intermediates, Iterable):
            raise ValidationError(f"intermediates must be a list of node names, got "
                                  f"{intermediates!r}", field="intermediates")
        via[[topology.node_index(str(x)) for x in intermediates]] = True
        if not via.any():
            raise ValidationError("intermediates is empty", field="intermediates")
    dag = destination_dag(compiled, weights, np.arange(n), single=segments == "spf",
                          usable=usable_arcs(topology, failure))
    reach = np.isfinite(dag.dist.T)  # reach[u, v]: u reaches v
    mid = reach * via[None, :]
    count = mid.astype(float) @ reach.astype(float)  # valid intermediates of each pair
    share = np.zeros((n, n))
    np.add.at(share, (src, dst), demand)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(count > 0, share / count, 0.0)
    first = mid * (share @ reach.T)  # first[s, i]: from s to intermediate i
    second = reach * (mid.T @ share)  # second[i, t]: from intermediate i to t
    np.fill_diagonal(first, 0.0)
    np.fill_diagonal(second, 0.0)
    u, v = np.nonzero(first + second)
    load = dag.loads(u, v, (first + second)[u, v], compiled.n_arcs)
    ok = count[src, dst] > 0
    routed = np.where(ok, demand, 0.0)
    options = {"weight": weight, "igp_weights": igp_weights,
               "intermediates": None if intermediates is None else list(intermediates),
               "segments": segments, "failure": failure_name(failure)}
    return Routing("vlb", compiled.nodes, load, src, dst, demand, routed, timer(), options,
                   {"lost_gbps": float(demand[~ok].sum()), "intermediates": int(via.sum())},
                   DeferredPaths(_vlb_splits, (dag, compiled, src, dst, reach, mid, n)),
                   compiled.links, compiled.capacity_gbps)


def _vlb_splits(dag: DestinationDag, compiled: Compiled, src: np.ndarray, dst: np.ndarray,
                reach: np.ndarray, mid: np.ndarray, n: int) -> PathSet:
    # segment paths of every ordered pair, plus one empty path from each node to itself
    u, v = np.nonzero(reach & ~np.eye(n, dtype=bool))
    seg = dag.splits(compiled, u, v)
    key = u * n + v
    first = np.zeros(n * n, dtype=np.int64)
    count = np.zeros(n * n, dtype=np.int64)
    first[key] = seg.path_ptr[:-1]
    count[key] = np.diff(seg.path_ptr)
    empty = np.arange(n) * (n + 1)
    first[empty] = seg.n_paths + np.arange(n)
    count[empty] = 1
    seg_frac = np.concatenate([seg.fraction, np.ones(n)])
    seg_ptr = np.concatenate([seg.arc_ptr, np.full(n, seg.arc_ptr[-1])])
    # combinations: demand j, valid intermediate i, a path to i, a path on from i
    valid = mid[src] & reach[:, dst].T  # (demands, nodes)
    j, i = np.nonzero(valid)
    k1, k2 = src[j] * n + i, i * n + dst[j]
    c1, c2 = count[k1], count[k2]
    per = c1 * c2
    jj = np.repeat(j, per)
    r = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    c2r = np.repeat(c2, per)
    p1 = np.repeat(first[k1], per) + r // c2r
    p2 = np.repeat(first[k2], per) + r % c2r
    n_valid = valid.sum(axis=1)
    frac = seg_frac[p1] * seg_frac[p2] / n_valid[jj]
    rows = np.column_stack([p1, p2]).ravel()
    flat, lengths = gather(seg_ptr, seg.arcs, rows)
    lengths = lengths.reshape(-1, 2).sum(axis=1)
    path_ptr = np.concatenate([[0], np.cumsum(np.bincount(jj, minlength=len(src)))])
    combined = PathSet.from_demands(compiled.nodes, src, dst, path_ptr,
                                    np.concatenate([[0], np.cumsum(lengths)]), flat,
                                    fraction=frac)
    return combined.merged()
