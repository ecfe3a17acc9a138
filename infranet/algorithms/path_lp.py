"""The path form of the multicommodity-flow LPs: each demand is routed over candidate paths
(tunnels read from a file, or the `k` shortest paths of each pair), one variable per path.

Small instances build one LP with every path; large ones (over 100,000 paths) solve the same LP
by column generation (:mod:`infranet.algorithms.column_generation`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.algorithms.arc_lp import empty_result
from infranet.algorithms.candidates import shortest_paths
from infranet.algorithms.commodities import (
    Commodities,
    McfResult,
    commodities,
    objective_and_carried,
    result,
)
from infranet.algorithms.paths import PathSet, by_pair, check_paths
from infranet.algorithms.solver import LinearProgram, solve
from infranet.errors import UnboundedError, ValidationError

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["COLUMNS", "path_lp", "solve_path"]

COLUMNS = ("auto", "all", "generate")
GENERATE_ABOVE = 100_000  # candidate paths above which columns="auto" generates columns


def path_columns(net: Commodities, paths: PathSet, require: bool,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Paths of the demanded pairs, grouped by demand (in path order), and their demand."""
    used, demand_of = by_pair(paths, net.src, net.dst, net.n, require=require)
    return used, demand_of


def path_lp(net: Commodities, paths: PathSet, problem: str,
            ) -> tuple[LinearProgram, dict[str, Any]]:
    """Path form over candidate paths: define variables, then constraints."""
    m = net.compiled.n_arcs
    # define variables: f[p] on the paths of pairs with a demand, then the extras
    used, demand_of = path_columns(net, paths, require=problem != "max_throughput")
    incidence = paths.arc_matrix(m)[used]  # paths x arcs
    arcs_used = np.unique(incidence.indices)
    cap = net.capacity(arcs_used)
    on_arc = incidence[:, arcs_used].T.tocsr()  # used arcs x paths
    n_p, n_d = len(used), len(net.src)
    n_var = n_p + (0 if problem == "max_throughput" else 1)
    c = np.zeros(n_var)
    upper = np.full(n_var, np.inf)
    if problem == "min_mlu":
        c[n_p] = 1.0
    elif problem == "max_concurrent_flow":
        c[n_p] = -1.0
    else:
        c[:] = -1.0

    # define constraints: the paths of each demand carry it (or λ times it, or at most it)
    of_demand = sp.csr_matrix((np.ones(n_p), (demand_of, np.arange(n_p))), shape=(n_d, n_p))
    a_eq = b_eq = a_ub_d = b_ub_d = None
    if problem == "min_mlu":
        a_eq = sp.hstack([of_demand, sp.csr_matrix((n_d, 1))], format="csr")
        b_eq = net.demand
    elif problem == "max_concurrent_flow":
        a_eq = sp.hstack([of_demand, sp.csr_matrix(-net.demand[:, None])], format="csr")
        b_eq = np.zeros(n_d)
    else:
        finite = np.isfinite(net.demand)
        a_ub_d, b_ub_d = of_demand[finite], net.demand[finite]
    #   capacity of every arc a path uses
    if problem == "min_mlu":
        a_ub = sp.hstack([on_arc, sp.csr_matrix(-cap[:, None])], format="csr")
        b_ub = np.zeros(len(arcs_used))
    elif problem == "max_concurrent_flow":
        a_ub = sp.hstack([on_arc, sp.csr_matrix((len(arcs_used), 1))], format="csr")
        b_ub = cap
    else:
        a_ub = sp.vstack([on_arc, a_ub_d], format="csr")
        b_ub = np.concatenate([cap, b_ub_d])
    lp = LinearProgram(c, a_ub, b_ub, a_eq, b_eq, upper)
    return lp, {"used": used, "demand_of": demand_of, "incidence": incidence}


def solve_path(problem: str, topology: Topology, demands: TrafficMatrix | Flows,
               paths: PathSet | None, k: int, weight: str, method: str,
               columns: str = "all", usable: np.ndarray | None = None) -> McfResult:
    """Solve `problem` in the path form over `paths` (default the `k` shortest by
    `weight`)."""
    from infranet.algorithms.column_generation import generate_min_mlu

    if columns not in COLUMNS:
        raise ValidationError(f"columns must be 'auto', 'all' or 'generate', got {columns!r}",
                              field="columns")
    if paths is None:
        paths = shortest_paths(topology, demands, k, weight=weight, usable=usable)
    paths = check_paths(topology, paths)
    net = commodities(topology, demands, paths.arcs, elastic=problem == "max_throughput",
                      usable=usable)
    if len(net.src) == 0:
        return empty_result(problem, "path", net)
    if columns == "auto":
        columns = "generate" if len(paths) > GENERATE_ABOVE else "all"
    if columns == "generate" and problem != "max_throughput":
        # max concurrent flow over fixed paths is min MLU rescaled: λ = 1 / MLU
        x, fun, seconds, shape, meta = generate_min_mlu(net, paths, method)
        if problem == "max_concurrent_flow":
            if fun <= 0:
                raise UnboundedError("max_concurrent_flow is unbounded: no demand loads a "
                                     "link", file=topology.file)
            x, fun = x / fun, -1.0 / fun
        lp_shape = shape
    else:
        lp, meta = path_lp(net, paths, problem)
        x, fun, seconds = solve(lp, method, problem, topology.file)
        lp_shape = lp.shape
    n_p = len(meta["used"])
    flow = x[:n_p] * net.scale
    arc_flow = meta["incidence"].T @ flow
    routed = np.bincount(meta["demand_of"], weights=x[:n_p], minlength=len(net.src))
    objective, per_pair = objective_and_carried(problem, fun, routed, net)
    path_flow = np.zeros(len(paths))
    np.add.at(path_flow, meta["used"], flow)
    return result(problem, "path", net, objective, arc_flow, per_pair, seconds, lp_shape,
                  paths=paths, path_flow_gbps=path_flow)
