"""The arc form of the multicommodity-flow LPs, commodities aggregated by source.

One flow variable per (source, arc), with flow conservation at every node: the standard compact
form, exact over all routings (any per-pair arc flow sums into it, and any per-source flow
decomposes into per-pair paths). Built as define variables → define constraints → solve →
result, vectorised over arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.algorithms.commodities import (
    Commodities,
    McfResult,
    commodities,
    objective_and_carried,
    result,
)
from infranet.algorithms.solver import LinearProgram, solve
from infranet.errors import InfeasibleError, UnboundedError

if TYPE_CHECKING:
    from infranet.model import Compiled, Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["incidence", "solve_arc"]


def incidence(compiled: Compiled) -> sp.csr_matrix:
    """``nodes x arcs``: +1 where the arc leaves the node, -1 where it enters."""
    arcs = np.arange(compiled.n_arcs)
    return sp.csr_matrix(
        (np.concatenate([np.ones(len(arcs)), -np.ones(len(arcs))]),
         (np.concatenate([compiled.tail, compiled.head]), np.concatenate([arcs, arcs]))),
        shape=(compiled.n_nodes, compiled.n_arcs))


def check_reachable(net: Commodities, what: str) -> None:
    """Name the first demand that no positive-capacity route can carry."""
    from scipy.sparse.csgraph import breadth_first_order

    compiled = net.compiled
    live = compiled.capacity_gbps > 0
    if net.usable is not None:
        live &= net.usable
    graph = sp.csr_matrix((np.ones(int(live.sum())), (compiled.tail[live], compiled.head[live])),
                          shape=(net.n, net.n))
    for source in np.unique(net.src):
        reached = np.zeros(net.n, dtype=bool)
        reached[breadth_first_order(graph, int(source), directed=True,
                                    return_predecessors=False)] = True
        lost = np.flatnonzero((net.src == source) & ~reached[net.dst])
        if lost.size:
            raise InfeasibleError(f"{what}: no route with capacity carries demand "
                                  f"{net.pair_name(int(lost[0]))}", file=net.topology.file)


def arc_lp(net: Commodities, problem: str) -> tuple[LinearProgram, dict[str, Any]]:
    """Arc form, commodities aggregated by source: define variables, then constraints."""
    compiled = net.compiled
    n, m = net.n, compiled.n_arcs
    cap = net.capacity()

    # define variables: x[k, a] (flow of source k's commodity on arc a), then the extras
    sources, k_of = np.unique(net.src, return_inverse=True)
    n_k = len(sources)
    n_x = n_k * m
    n_extra = len(net.src) if problem == "max_throughput" else 1  # r[j], or U / λ
    n_var = n_x + n_extra
    upper = np.full(n_var, np.inf)
    c = np.zeros(n_var)
    if problem == "min_mlu":
        c[n_x] = 1.0
    elif problem == "max_concurrent_flow":
        c[n_x] = -1.0
    else:
        c[n_x:] = -1.0
        upper[n_x:] = net.demand

    # define constraints: conservation of each commodity at every node but its source,
    #   out(v) - in(v) = -d[k, v]  (times λ, or as r[j])
    a_flow = sp.kron(sp.identity(n_k, format="csr"), incidence(compiled), format="csr")
    row_of_demand = k_of * n + net.dst  # row (k, dst) of each demand
    b_eq = np.zeros(n_k * n)
    if problem == "min_mlu":
        a_extra = sp.csr_matrix((n_k * n, n_extra))
        np.add.at(b_eq, row_of_demand, -net.demand)
    elif problem == "max_concurrent_flow":
        coef = np.zeros(n_k * n)
        np.add.at(coef, row_of_demand, net.demand)
        a_extra = sp.csr_matrix(coef[:, None])
    else:
        a_extra = sp.csr_matrix((np.ones(len(net.src)), (row_of_demand,
                                                         np.arange(len(net.src)))),
                                shape=(n_k * n, n_extra))
    keep = np.ones(n_k * n, dtype=bool)
    keep[np.arange(n_k) * n + sources] = False  # the source row is implied by the others
    a_eq = sp.hstack([a_flow, a_extra], format="csr")[keep]
    b_eq = b_eq[keep]
    #   capacity: sum_k x[k, a] <= U c[a]  (min_mlu) or c[a]
    a_sum = sp.hstack([sp.identity(m, format="csr")] * n_k, format="csr")
    if problem == "min_mlu":
        a_ub = sp.hstack([a_sum, sp.csr_matrix(-cap[:, None])], format="csr")
        b_ub = np.zeros(m)
    else:
        a_ub = sp.hstack([a_sum, sp.csr_matrix((m, n_extra))], format="csr")
        b_ub = cap
    return LinearProgram(c, a_ub, b_ub, a_eq, b_eq, upper), {"sources": sources, "n_x": n_x}


def empty_result(problem: str, formulation: str, net: Commodities) -> McfResult:
    """The result of a problem without demands (max concurrent flow is then unbounded)."""
    if problem == "max_concurrent_flow":
        raise UnboundedError("max_concurrent_flow is unbounded: every demand is zero",
                             file=net.topology.file)
    return result(problem, formulation, net, 0.0, np.zeros(net.compiled.n_arcs),
                  np.zeros(len(net.src)), 0.0, (0, 0))


def solve_arc(problem: str, topology: Topology, demands: TrafficMatrix | Flows, *,
              flows: bool, method: str, usable: np.ndarray | None = None) -> McfResult:
    """Solve `problem` (``min_mlu``, ``max_concurrent_flow``, ``max_throughput``) in the arc
    form."""
    net = commodities(topology, demands, elastic=problem == "max_throughput", usable=usable)
    if problem != "max_throughput" and len(net.src):
        check_reachable(net, problem)
    if len(net.src) == 0:
        return empty_result(problem, "arc", net)
    lp, meta = arc_lp(net, problem)
    x, fun, seconds = solve(lp, method, problem, topology.file)
    m = net.compiled.n_arcs
    n_x = meta["n_x"]
    per_source = x[:n_x].reshape(len(meta["sources"]), m) * net.scale
    arc_flow = per_source.sum(axis=0)
    objective, per_pair = objective_and_carried(problem, fun, x[n_x:], net)
    extra: dict[str, Any] = {}
    if flows:
        extra = {"commodities": tuple(net.compiled.nodes[i] for i in meta["sources"]),
                 "commodity_flow_gbps": per_source}
    return result(problem, "arc", net, objective, arc_flow, per_pair, seconds, lp.shape,
                  **extra)
