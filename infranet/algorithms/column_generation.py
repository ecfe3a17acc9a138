"""The path-form min-MLU LP solved by column generation: exactly the LP over every candidate
path, built from the few paths that matter.

The restricted LP starts with the first path of each demand. After each solve, the capacity
duals ``y`` price every candidate path (``sum of y over its arcs``); each demand whose cheapest
candidate is cheaper than its cheapest active path gains that path. When no demand gains one,
the duals are feasible for the full LP and the optimum is the full LP's optimum.

With ``highspy`` (and a simplex method), one HiGHS model lives across the rounds: new paths are
added as columns and each round restarts from the previous basis. Otherwise each round solves
the restricted LP afresh through ``scipy.optimize.linprog``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from infranet.algorithms.commodities import Commodities
from infranet.algorithms.paths import PathSet, by_pair
from infranet.algorithms.solver import check_method, highspy, new_highs, raise_for_status
from infranet.errors import InfranetError

__all__ = ["COLUMNS_PER_ROUND", "generate_min_mlu"]

_log = logging.getLogger(__name__)
#: Improving paths added per demand and round (the cheapest first). On Kdl, 1 is fastest: 2
#: or 4 give about as many rounds with larger restricted LPs (1.7x and 2.2x slower).
COLUMNS_PER_ROUND = 1
#: HiGHS simplex strategy across rounds: 4, primal (new columns keep the basis primal
#: feasible, so primal simplex restarts from it where dual simplex first repairs its dual
#: infeasibilities: 5.6x slower on Kdl). HiGHS's default pricing stays: steepest edge was
#: 1.9x slower there, Dantzig 1.1x.
SIMPLEX_STRATEGY = 4

Solution = tuple[np.ndarray, float, float, tuple[int, int], dict[str, Any]]


def generate_min_mlu(net: Commodities, paths: PathSet, method: str) -> Solution:
    """Solve the path-form min-MLU LP by column generation; return ``(x, MLU, seconds,
    (rows, columns), meta)`` with ``x`` the flow of each used path in LP units."""
    module = highspy()
    if module is not None and check_method(method) in ("highs", "highs-ds"):
        return _generate_highspy(net, paths, module)
    return _generate_linprog(net, paths, method)


def gaining(cost: np.ndarray, active: np.ndarray, demand_of: np.ndarray,
            start_of: np.ndarray, per_round: int | None = None) -> np.ndarray:
    """The (up to `per_round`) cheapest inactive paths of each demand that are cheaper than
    its cheapest active path by more than a relative 1e-9; empty when the restricted LP is
    optimal for the full LP."""
    best_active = np.minimum.reduceat(np.where(active, cost, np.inf), start_of)
    tol = 1e-9 * max(float(best_active.max()), 1e-300)
    idx = np.flatnonzero(~active & (cost < best_active[demand_of] - tol))
    idx = idx[np.lexsort((cost[idx], demand_of[idx]))]
    rank = np.arange(len(idx)) - np.searchsorted(demand_of[idx], demand_of[idx])
    return idx[rank < (COLUMNS_PER_ROUND if per_round is None else per_round)]


def _setup(net: Commodities, paths: PathSet) -> dict[str, Any]:
    m = net.compiled.n_arcs
    used, demand_of = by_pair(paths, net.src, net.dst, net.n, require=True)
    incidence = paths.arc_matrix(m)
    if len(used) != len(paths) or (used != np.arange(len(paths))).any():
        incidence = incidence[used]  # (every path is used, in order, for a full matrix)
    present = np.zeros(m, dtype=bool)
    present[incidence.indices] = True
    arcs_used = np.flatnonzero(present)
    column = np.full(m, -1, dtype=np.int64)
    column[arcs_used] = np.arange(len(arcs_used))
    # paths x used arcs: the same rows, columns renumbered (no column slicing, no transpose)
    by_path = sp.csr_matrix((incidence.data, column[incidence.indices], incidence.indptr),
                            shape=(len(used), len(arcs_used)))
    by_path.sum_duplicates()
    return {"used": used, "demand_of": demand_of, "incidence": incidence,
            "cap": net.capacity(arcs_used), "by_path": by_path,
            "start_of": np.searchsorted(demand_of, np.arange(len(net.src)))}


def _generate_highspy(net: Commodities, paths: PathSet, module: Any) -> Solution:
    """Column generation on one incremental HiGHS model.

    The first path ``p0`` of each demand carries what its other active paths do not:
    ``f[p0] = d - sum f[p]``. Substituted, the restricted LP is: minimise ``U`` subject to,
    for every used arc ``a``, ``sum_p (a_p - a_p0)[a] f[p] - U c[a] <= -load0[a]`` (``load0``:
    every demand on its first path), ``0 <= f[p] <= d`` and, per demand with two extra paths
    or more, ``sum_p f[p] <= d``. A demand with one extra path needs no row: the bound of its
    column says it all, which keeps the basis small (most demands never gain a second extra
    path). A new column starts at zero and a new row is slack, so the previous solution stays
    feasible and the next round warm-starts from its basis. The capacity rows are those of the
    unsubstituted LP, so their duals price the paths exactly as there.
    """
    s = _setup(net, paths)
    used, demand_of, cap = s["used"], s["demand_of"], s["cap"]
    by_path, start_of = s["by_path"], s["start_of"]
    n_p, n_d, n_c = len(used), len(net.src), len(cap)
    demand = net.demand
    inf = module.kHighsInf

    h = new_highs(module)
    # new columns keep the basis primal feasible: primal simplex restarts from it, where dual
    # simplex (HiGHS's choice) first repairs its dual infeasibilities, many times slower
    h.setOptionValue("simplex_strategy", SIMPLEX_STRATEGY)
    load = by_path[start_of].T @ demand[demand_of[start_of]]
    h.addRows(n_c, np.full(n_c, -inf), -load, 0, np.zeros(n_c, dtype=np.int32),
              np.zeros(0, dtype=np.int32), np.zeros(0))
    h.addCols(1, np.ones(1), np.zeros(1), np.full(1, inf), n_c, np.zeros(1, dtype=np.int32),
              np.arange(n_c, dtype=np.int32), -cap)
    active = np.zeros(n_p, dtype=bool)
    active[start_of] = True
    row_of = np.full(n_d, -1, dtype=np.int64)  # the row of each demand with 2+ extra paths
    extra_of = np.full(n_d, -1, dtype=np.int64)  # the column of a demand's one extra path
    n_rows = n_c
    col_path = np.zeros(0, dtype=np.int64)  # the path of each column after U
    seconds = 0.0
    rounds = 0
    while True:
        t0 = time.perf_counter()
        h.run()
        seconds += time.perf_counter() - t0
        rounds += 1
        if h.getModelStatus() != module.HighsModelStatus.kOptimal:
            raise InfranetError(f"HiGHS did not solve min_mlu: "
                                f"{h.modelStatusToString(h.getModelStatus())}",
                                file=net.topology.file)
        solution = h.getSolution()
        y = np.maximum(-np.asarray(solution.row_dual)[:n_c], 0.0)
        cost = by_path @ y
        new = gaining(cost, active, demand_of, start_of)
        _log.debug("column generation: %d columns, %d rows, MLU %.12g, %d new columns, "
                   "%.2f s, %d iterations", len(col_path) + 1, n_rows,
                   h.getInfo().objective_function_value, new.size, time.perf_counter() - t0,
                   h.getInfo().simplex_iteration_count)
        if new.size == 0:
            break
        d_new = demand_of[new]
        first_col = 1 + len(col_path)
        cols_new = first_col + np.arange(new.size)
        # the columns: arcs of the path minus arcs of its demand's first path, bounded by d
        delta = (by_path[new] - by_path[start_of[d_new]]).tocoo()
        delta.eliminate_zeros()
        block = sp.csc_matrix((delta.data, (delta.col, delta.row)), shape=(n_rows, new.size))
        block.sort_indices()
        h.addCols(new.size, np.zeros(new.size), np.zeros(new.size), demand[d_new],
                  block.nnz, block.indptr[:-1].astype(np.int32),
                  block.indices.astype(np.int32), block.data)
        # a demand's second extra path gives it a row over all its extra columns
        had_row = row_of[d_new] >= 0
        uniq, n_new = np.unique(d_new, return_counts=True)
        before = np.where(row_of[uniq] >= 0, 2, np.where(extra_of[uniq] >= 0, 1, 0))
        single = before + n_new == 1
        extra_of[d_new[np.isin(d_new, uniq[single])]] = cols_new[np.isin(d_new, uniq[single])]
        grow = uniq[(row_of[uniq] < 0) & (before + n_new >= 2)]
        if grow.size:
            row_of[grow] = n_rows + np.arange(grow.size)
            n_rows += grow.size
            old = grow[extra_of[grow] >= 0]
            joins = np.isin(d_new, grow) & ~had_row
            members = np.concatenate([extra_of[old], cols_new[joins]])
            owner = np.concatenate([row_of[old], row_of[d_new[joins]]])
            order = np.argsort(owner, kind="stable")
            starts = np.searchsorted(owner[order], row_of[grow])
            h.addRows(grow.size, np.full(grow.size, -inf), demand[grow], len(members),
                      starts.astype(np.int32), members[order].astype(np.int32),
                      np.ones(len(members)))
        for c, r in zip(cols_new[had_row].tolist(), row_of[d_new[had_row]].tolist(),
                        strict=True):  # further paths of demands that have a row join it
            h.changeCoeff(int(r), int(c), 1.0)
        active[new] = True
        col_path = np.concatenate([col_path, new])
    x = np.asarray(solution.col_value)
    flow = np.zeros(n_p)
    flow[col_path] = x[1:]
    rest = demand - np.bincount(demand_of[col_path], weights=x[1:], minlength=n_d)
    flow[start_of] = np.maximum(rest, 0.0)  # the first path, to round-off
    meta = {"used": used, "demand_of": demand_of, "incidence": s["incidence"],
            "columns": int(active.sum()), "rounds": rounds}
    objective = float(h.getInfo().objective_function_value)
    return flow, objective, seconds, (n_rows, int(active.sum()) + 1), meta


def _generate_linprog(net: Commodities, paths: PathSet, method: str) -> Solution:
    """Column generation through ``scipy.optimize.linprog``, one LP from scratch per round.

    A demand with one active path is a constant load; the others get a variable per active
    path.
    """
    from scipy.optimize import linprog

    s = _setup(net, paths)
    used, demand_of, cap, start_of = s["used"], s["demand_of"], s["cap"], s["start_of"]
    on_arc = s["by_path"].T.tocsr()
    n_p, n_d = len(used), len(net.src)
    active = np.zeros(n_p, dtype=bool)
    active[start_of] = True
    demand = net.demand
    seconds = 0.0
    rows = 0
    rounds = 0
    while True:
        # define variables: f on the active paths of demands with several, then U
        n_active = np.bincount(demand_of[active], minlength=n_d)
        multi = n_active[demand_of] > 1
        var = np.flatnonzero(active & multi)
        fixed = np.flatnonzero(active & ~multi)
        load = on_arc[:, fixed] @ demand[demand_of[fixed]]
        # define constraints: each multi-path demand is carried; load <= U * c
        groups, group_of = np.unique(demand_of[var], return_inverse=True)
        a_eq = sp.hstack([sp.csr_matrix((np.ones(len(var)), (group_of, np.arange(len(var)))),
                                        shape=(len(groups), len(var))),
                          sp.csr_matrix((len(groups), 1))], format="csr")
        a_ub = sp.hstack([on_arc[:, var], sp.csr_matrix(-cap[:, None])], format="csr")
        c = np.zeros(len(var) + 1)
        c[-1] = 1.0
        t0 = time.perf_counter()
        res = linprog(c, A_ub=a_ub, b_ub=-load, A_eq=a_eq if len(groups) else None,
                      b_eq=demand[groups] if len(groups) else None, bounds=(0, None),
                      method=method)
        seconds += time.perf_counter() - t0
        rounds += 1
        rows = max(rows, a_ub.shape[0] + a_eq.shape[0])
        raise_for_status(int(res.status), str(res.message), "min_mlu", net.topology.file)
        # price every candidate path with the capacity duals
        y = np.maximum(-res.ineqlin.marginals, 0.0)
        cost = on_arc.T @ y
        new = gaining(cost, active, demand_of, start_of)
        _log.debug("column generation: %d columns, %d rows, MLU %.12g, %d new columns, "
                   "%.2f s", len(var), a_ub.shape[0] + a_eq.shape[0], res.fun, new.size,
                   time.perf_counter() - t0)
        if new.size == 0:
            break
        active[new] = True
    flow = np.zeros(n_p)
    flow[fixed] = demand[demand_of[fixed]]
    flow[var] = res.x[:-1]
    meta = {"used": used, "demand_of": demand_of, "incidence": s["incidence"],
            "columns": int(active.sum()), "rounds": rounds}
    return flow, float(res.fun), seconds, (rows, int(active.sum()) + 1), meta
