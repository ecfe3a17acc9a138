"""``fptas``: a (1 + ε)-approximate min-MLU routing without an LP solver, by the
Garg–Könemann algorithm for maximum concurrent flow with Fleischer's grouping of demands by
source.

Garg and Könemann, "Faster and Simpler Algorithms for Multicommodity Flow and other Fractional
Packing Problems", SIAM J. Comput. 37(2), 2007; Fleischer, "Approximating Fractional
Multicommodity Flow Independent of the Number of Commodities", SIAM J. Discrete Math. 13(4),
2000.

Every arc has a length ``l_e``, initially ``δ / c_e``. A phase routes every demand once: for
each source, its remaining demands follow the shortest-path tree under the current lengths
(one Dijkstra per tree), scaled down so that no arc receives more than its capacity in one
step; each arc's length then grows by ``1 + ε f_e / c_e``. The lengths are a dual solution:
for any lengths, ``α(l) / D(l)`` with ``D = Σ c_e l_e`` and ``α = Σ d_j dist_l(j)`` is a lower
bound on the optimal MLU, so the average flow of the phases done is certified within
``(1 + ε)`` of the optimum as soon as its MLU is within ``(1 + ε)`` of the best bound seen.
Otherwise the algorithm stops when ``D ≥ 1`` with the classical guarantee ``(1 - ε)^-3``.

Memory stays that of the graph: the flow of each source's trees is summed per arc (sources x
arcs), and the paths of each demand come from decomposing those flows at the end (at most
one path per arc and destination of each source), not from keeping every tree.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from infranet.algorithms.arcs import capacities, reachable, simple_arcs, simple_csr
from infranet.algorithms.dags import destination_dag
from infranet.algorithms.decomposition import decompose, fill_starved
from infranet.algorithms.paths import empty
from infranet.errors import ValidationError
from infranet.results import Stopwatch
from infranet.routing.base import Routing, demands, failure_name, register, usable_arcs

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["fptas"]


@register("fptas")
def fptas(topology: Topology, tm: TrafficMatrix | Flows, *, eps: float = 0.1,
          max_phases: int | None = None, failure: FailureSet | None = None) -> Routing:
    """Route every demand in full with an MLU within ``(1 + eps)`` of the optimum
    (Garg–Könemann–Fleischer, certified by the dual bound), or, failing that, within the
    classical ``(1 - eps)^-3``.

    Parameters
    ----------
    eps
        Accuracy, in (0, 0.5]. Phases grow about as ``1 / eps^2``.
    max_phases
        Stop after this many phases even if not certified (the bound then is reported but
        not guaranteed).
    failure
        Route around these failed links (see :func:`infranet.routing.route`).

    Notes
    -----
    ``info`` reports ``lower_bound_mlu`` (the best dual bound on the optimal MLU, in the
    units of `tm`), ``gap`` (MLU / lower bound; at most ``1 + eps`` when ``certified``),
    ``bound`` (the factor guaranteed), and ``phases``. Demands that no path of positive
    capacity joins are lost.
    """
    from scipy.sparse.csgraph import dijkstra

    timer = Stopwatch()
    if not (isinstance(eps, (int, float)) and 0 < eps <= 0.5):
        raise ValidationError(f"eps must lie in (0, 0.5], got {eps!r}", field="eps")
    if max_phases is not None and max_phases < 1:
        raise ValidationError(f"max_phases must be at least 1, got {max_phases}",
                              field="max_phases")
    compiled = topology.compile()
    n = compiled.n_nodes
    cap_all = capacities(topology, purpose="fptas")
    src, dst, demand = demands(topology, tm)
    usable = cap_all > 0
    survive = usable_arcs(topology, failure)
    if survive is not None:
        usable &= survive
    keep = reachable(topology, src, dst, usable)
    options = {"eps": eps, "max_phases": max_phases, "failure": failure_name(failure)}
    if not keep.any():
        return Routing.from_splits(topology, tm, empty(compiled.nodes, len(src)),
                                   algorithm="fptas", solve_s=timer(), options=options,
                                   info={"lost_gbps": float(demand.sum())})
    arcs = np.flatnonzero(usable)
    tail, head, cap = compiled.tail[arcs], compiled.head[arcs], cap_all[arcs]
    m = len(arcs)
    # scale demands by a feasible throughput (shortest paths) so the optimum λ is >= 1
    dag = destination_dag(compiled, np.ones(compiled.n_arcs), np.unique(dst[keep]),
                          single=True, usable=usable)
    spf_load = dag.loads(src[keep], dst[keep], demand[keep], compiled.n_arcs)
    spf_mlu = float(np.max(spf_load[arcs] / cap))
    d = demand[keep] / spf_mlu
    s_of, t_of = src[keep], dst[keep]
    sources = np.unique(s_of)

    graph, order = simple_csr(n, tail, head, np.ones(m))  # structure: one entry per (u, v)
    pair_key = tail[order] * n + head[order]
    multi = len(order) < m
    if n * n <= 1 << 24:  # a dense table of (u, v) entries is faster than a search
        table = np.full(n * n, -1, dtype=np.int64)
        table[pair_key] = np.arange(len(pair_key))

        def entry_of(keys: np.ndarray) -> np.ndarray:
            return table[keys]
    else:

        def entry_of(keys: np.ndarray) -> np.ndarray:
            return np.searchsorted(pair_key, keys)

    log_delta = -math.log(m / (1.0 - eps)) / eps  # δ = (m / (1 - ε))^(-1/ε)
    # lengths are kept normalised (max 1); log_scale carries the factor, so small eps and
    # long runs neither underflow nor overflow
    length = 1.0 / cap
    log_scale = log_delta + math.log(float((1.0 / cap).max()))
    length /= length.max()

    total_flow = np.zeros(m)
    source_flow = np.zeros((len(sources), m))  # summed over the phases done, per source
    phases = 0
    best_lb = 0.0
    row = np.searchsorted(sources, s_of)
    gap = math.inf
    demand_at = [np.flatnonzero(s_of == s) for s in sources]

    def chosen_arcs(length: np.ndarray) -> np.ndarray:
        """Set the graph's lengths; for every (u, v) entry, the usable arc of least length
        (parallel links; the csr's entries are in the (u, v) order simple_arcs returns)."""
        first = simple_arcs(tail, head, length) if multi else order
        graph.data[:] = length[first]
        return first

    while True:
        phase_source = np.zeros((len(sources), m))
        stopped = False
        for k_row, (s, rows) in enumerate(zip(sources, demand_at, strict=True)):
            rem: np.ndarray = np.bincount(t_of[rows], weights=d[rows], minlength=n)
            while rem.any():
                if math.log(float(np.dot(cap, length))) + log_scale >= 0.0:
                    stopped = True
                    break
                pick = chosen_arcs(length)
                _, pred = dijkstra(graph, directed=True, indices=int(s),
                                   return_predecessors=True)
                in_arc = np.full(n, -1, dtype=np.int64)
                has = pred >= 0
                nodes = np.flatnonzero(has)
                in_arc[nodes] = pick[entry_of(pred[nodes] * n + nodes)]
                flow = _tree_flow(in_arc, tail, rem, m)
                sigma = max(1.0, float((flow / cap).max()))
                sent = rem / sigma
                flow /= sigma
                phase_source[k_row] += flow
                rem = rem - sent if sigma > 1.0 else np.zeros(n)
                rem[rem <= 1e-15 * d.max()] = 0.0
                length *= 1.0 + eps * flow / cap
                top = float(length.max())
                length /= top
                log_scale += math.log(top)
            if stopped:
                break
        if stopped:
            break
        phases += 1
        source_flow += phase_source
        total_flow += phase_source.sum(axis=0)
        # dual bound from the current lengths, all sources at once
        chosen_arcs(length)
        dist = np.atleast_2d(dijkstra(graph, directed=True, indices=sources))
        alpha = float(np.dot(d, dist[row, t_of]))
        best_lb = max(best_lb, alpha / float(np.dot(cap, length)))
        primal = float((total_flow / (phases * cap)).max())
        gap = primal / best_lb
        if gap <= 1.0 + eps or (max_phases is not None and phases >= max_phases):
            break
    if phases == 0:
        raise ValidationError("fptas stopped before a full phase; use a smaller eps",
                              field="eps")
    # every phase routes each demand in full: the average over phases carries each once
    per_arc = np.zeros((len(sources), compiled.n_arcs))
    per_arc[:, arcs] = source_flow / phases
    splits = decompose(compiled, src, dst, np.where(keep, demand, 0.0) / spf_mlu, sources,
                       per_arc)
    splits = fill_starved(topology, splits, src, dst, np.where(keep, demand, 0.0), usable)
    bound = 1.0 + eps if gap <= 1.0 + eps else (1.0 - eps) ** -3
    info = {"lower_bound_mlu": best_lb * spf_mlu, "gap": gap, "certified": gap <= 1.0 + eps,
            "bound": bound, "phases": phases, "lost_gbps": float(demand[~keep].sum())}
    return Routing.from_splits(topology, tm, splits, algorithm="fptas", solve_s=timer(),
                               options=options, info=info)


def _tree_flow(in_arc: np.ndarray, tail: np.ndarray, rem: np.ndarray, m: int) -> np.ndarray:
    """Flow on each arc when every node ``t`` receives ``rem[t]`` along the tree."""
    flow = np.zeros(m)
    cur = np.flatnonzero(rem > 0)
    amount = rem[cur]
    while cur.size:
        a = in_arc[cur]
        live = a >= 0
        cur, amount, a = cur[live], amount[live], a[live]
        flow += np.bincount(a, weights=amount, minlength=m)
        cur = tail[a]
    return flow
