"""Predictive traffic engineering: a path LP on a matrix predicted from the past.

Each algorithm here forms a prediction of the next interval from the history the online
protocol hands it (:func:`infranet.routing.online.run_online`), then routes it like
``path-lp`` (the least maximum link utilisation over candidate tunnels):

``pred-last``
    the last observed matrix (the "Pred TE" baseline of the traffic-engineering literature with
    the simplest predictor);
``pred-ewma``
    an exponentially weighted moving average of the history, ``e = alpha * v[t-1] + (1 -
    alpha) * e_prev``;
``pred-linear``
    a least-squares line through each pair's last `window` volumes, extended one interval
    (the "Pred TE" baseline of the FIGRET project's harness: per-pair linear regression over
    its 12-interval window);
``window-peak``
    the per-pair peak of the last `window` matrices, as Google's Jupiter traffic engineering
    does (Poutievski et al., "Jupiter Evolving", SIGCOMM 2022), optionally with its hedging
    bound on path sensitivity (`spread`): no path of a pair may carry more than its share of
    the pair's path capacity divided by `spread` (the formulation of the FIGRET project's
    Jupiter baseline, Liu et al., SIGCOMM 2024).

Called outside the protocol (no ``history``), each routes the matrix it is given, as
``path-lp`` does.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import InfeasibleError, ValidationError
from infranet.results import Stopwatch
from infranet.routing.base import Routing, register
from infranet.routing.lp import path_lp

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.algorithms.paths import PathSet
    from infranet.model import Topology
    from infranet.routing.online import History
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["ewma", "linear_forecast", "pred_ewma", "pred_last", "pred_linear",
           "window_peak"]


def _relabelled(result: Routing, name: str, prediction: str, extra: dict[str, Any],
                solve_s: float) -> Routing:
    options = {**result.options, **extra}
    info = {**result.info, "prediction": prediction}
    return dataclasses.replace(result, algorithm=name, options=options, info=info,
                               solve_s=solve_s)


@register("pred-last")
def pred_last(topology: Topology, tm: TrafficMatrix | Flows, *, k: int = 4,
              weight: str = "hops", paths: PathSet | None = None, method: str = "highs",
              path_method: str = "auto", failure: FailureSet | None = None) -> Routing:
    """The path LP on the last observed matrix: in the online protocol, interval ``t - 1``
    configures interval ``t``.

    Parameters
    ----------
    k, weight, paths, method, path_method, failure
        As :func:`infranet.routing.lp.path_lp`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "wxyz"],
    ...     "links": [{"a": a, "b": b, "capacity": 100} for a, b in ("wx", "xz", "wy", "yz")]})
    >>> r = pred_last(topo, TrafficMatrix(("w", "z"), [[0, 80], [0, 0]]))
    >>> r.algorithm, float(r.arc_load_gbps.max())
    ('pred-last', 40.0)
    """
    timer = Stopwatch()
    result = path_lp(topology, tm, k=k, weight=weight, paths=paths, method=method,
                     path_method=path_method, failure=failure)
    return _relabelled(result, "pred-last", "last observed matrix", {}, timer())


def ewma(volumes: np.ndarray, alpha: float) -> np.ndarray:
    """Return the exponentially weighted moving average of the rows of `volumes` (oldest
    first): ``e_0 = v_0``, ``e_i = alpha * v_i + (1 - alpha) * e_{i-1}``.

    Examples
    --------
    >>> ewma(np.array([[0.0], [4.0], [8.0]]), 0.5).tolist()
    [5.0]
    """
    volumes = np.asarray(volumes, dtype=float)
    count = len(volumes)
    weights = alpha * (1.0 - alpha) ** np.arange(count - 1, -1, -1, dtype=float)
    weights[0] = (1.0 - alpha) ** (count - 1)
    return weights @ volumes


@register("pred-ewma")
def pred_ewma(topology: Topology, tm: TrafficMatrix | Flows, *,
              history: History | None = None, alpha: float = 0.5, k: int = 4,
              weight: str = "hops", paths: PathSet | None = None, method: str = "highs",
              path_method: str = "auto", failure: FailureSet | None = None) -> Routing:
    """The path LP on an exponentially weighted moving average of the history
    (:func:`ewma`; `alpha` = 1 gives ``pred-last``).

    Parameters
    ----------
    history
        The past intervals (:class:`~infranet.routing.online.History`, handed over by the
        online protocol); without it, `tm` is routed.
    alpha
        Weight of the newest interval, in (0, 1].
    k, weight, paths, method, path_method, failure
        As :func:`infranet.routing.lp.path_lp`.
    """
    timer = Stopwatch()
    if not (isinstance(alpha, (int, float)) and 0.0 < alpha <= 1.0):
        raise ValidationError(f"alpha must lie in (0, 1], got {alpha!r}", field="alpha")
    predicted = tm if history is None else history.matrix_of(ewma(history.volumes, alpha))
    result = path_lp(topology, predicted, k=k, weight=weight, paths=paths, method=method,
                     path_method=path_method, failure=failure)
    return _relabelled(result, "pred-ewma", f"EWMA of {len(history) if history else 1} "
                       f"intervals", {"alpha": float(alpha)}, timer())


def linear_forecast(volumes: np.ndarray, window: int) -> np.ndarray:
    """Return, per column of `volumes` (rows oldest first), the least-squares line through its
    last `window` values extended one row on, floored at 0 (one row: that row).

    Examples
    --------
    >>> linear_forecast(np.array([[1.0, 5.0], [2.0, 3.0], [3.0, 1.0]]), 3).tolist()
    [4.0, 0.0]
    """
    recent = np.asarray(volumes, dtype=float)[-int(window):]
    count = len(recent)
    if count == 1:
        return recent[0].copy()
    x = np.arange(count, dtype=float) - (count - 1) / 2.0
    mean = recent.mean(axis=0)
    slope = x @ (recent - mean) / float(x @ x)
    return np.clip(mean + slope * (count - (count - 1) / 2.0), 0.0, None)


@register("pred-linear")
def pred_linear(topology: Topology, tm: TrafficMatrix | Flows, *,
                history: History | None = None, window: int = 12, k: int = 4,
                weight: str = "hops", paths: PathSet | None = None, method: str = "highs",
                path_method: str = "auto", failure: FailureSet | None = None) -> Routing:
    """The path LP on a per-pair linear forecast: the least-squares line through each pair's
    last `window` volumes, one interval on (:func:`linear_forecast`; the FIGRET harness's
    "Pred TE").

    Parameters
    ----------
    history
        The past intervals (handed over by the online protocol); without it, `tm` is routed.
    window
        How many of the latest intervals the line is fitted to (12 in the FIGRET harness;
        1 gives ``pred-last``).
    k, weight, paths, method, path_method, failure
        As :func:`infranet.routing.lp.path_lp`.
    """
    timer = Stopwatch()
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise ValidationError(f"window must be a whole number >= 1, got {window!r}",
                              field="window")
    if history is None:
        predicted, used = tm, 1
    else:
        used = min(len(history), int(window))
        predicted = history.matrix_of(linear_forecast(history.volumes, int(window)))
    result = path_lp(topology, predicted, k=k, weight=weight, paths=paths, method=method,
                     path_method=path_method, failure=failure)
    return _relabelled(result, "pred-linear", f"linear forecast from {used} intervals",
                       {"window": int(window)}, timer())


@register("window-peak")
def window_peak(topology: Topology, tm: TrafficMatrix | Flows, *,
                history: History | None = None, window: int = 12,
                spread: float | None = None, k: int = 4, weight: str = "hops",
                paths: PathSet | None = None, method: str = "highs",
                path_method: str = "auto", failure: FailureSet | None = None) -> Routing:
    """The path LP on the per-pair peak of the last `window` matrices (Jupiter's predictor),
    optionally hedged: no path may carry more than its share of its pair's path capacity
    divided by `spread`.

    Parameters
    ----------
    history
        The past intervals (handed over by the online protocol); without it, `tm` is routed.
    window
        How many of the latest intervals the peak is taken over (12 in the FIGRET project's
        harness; 1 gives ``pred-last``).
    spread
        Jupiter's hedging bound, in (0, 1]: the split ``x[p]`` of each path ``p`` of a pair
        obeys ``x[p] * spread * sum_q c[q] <= c[p]``, where ``c[p]`` is the capacity of the
        path's narrowest link (its *path sensitivity* ``x[p] / c[p]`` is bounded); 1 forces
        splits proportional to path capacity, smaller values leave the LP more freedom;
        None: no bound (0.5 in the FIGRET project's harness).
    k, weight, paths, method, path_method, failure
        As :func:`infranet.routing.lp.path_lp`.

    Notes
    -----
    With `spread`, the LP is over split fractions (one per candidate path, the FIGRET
    formulation), so every pair gets a split whether or not it sends in the window.
    """
    timer = Stopwatch()
    if not (isinstance(window, (int, np.integer)) and window >= 1):
        raise ValidationError(f"window must be a whole number >= 1, got {window!r}",
                              field="window")
    if spread is not None and not (isinstance(spread, (int, float)) and 0.0 < spread <= 1.0):
        raise ValidationError(f"spread must lie in (0, 1], got {spread!r}", field="spread")
    if history is None:
        predicted, used = tm, 1
    else:
        recent = history.volumes[-int(window):]
        predicted, used = history.matrix_of(recent.max(axis=0)), len(recent)
    extra = {"window": int(window), "spread": spread}
    label = f"per-pair peak of {used} intervals"
    if spread is None:
        result = path_lp(topology, predicted, k=k, weight=weight, paths=paths, method=method,
                         path_method=path_method, failure=failure)
        return _relabelled(result, "window-peak", label, extra, timer())
    return _hedged(topology, predicted, float(spread), k=k, weight=weight, paths=paths,
                   method=method, path_method=path_method, failure=failure, extra=extra,
                   label=label, timer=timer)


def _hedged(topology: Topology, tm: TrafficMatrix | Flows, spread: float, *, k: int,
            weight: str, paths: PathSet | None, method: str, path_method: str,
            failure: FailureSet | None, extra: dict[str, Any], label: str,
            timer: Stopwatch) -> Routing:
    """The split LP with Jupiter's hedging bound: minimise ``U`` over splits ``x`` with
    ``sum_p x[p] = 1`` per pair, ``sum_p d * x[p] [a in p] <= U * c[a]`` per arc and
    ``x[p] <= c[p] / (spread * sum_q c[q])`` per path."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    from infranet.algorithms.arcs import capacities
    from infranet.algorithms.paths import by_pair
    from infranet.routing.base import demands, failure_name, usable_arcs
    from infranet.routing.paths import candidate_paths, path_splits

    src, dst, demand = demands(topology, tm)
    cap = capacities(topology, purpose="window-peak")
    usable = usable_arcs(topology, failure)
    pathset = candidate_paths(topology, tm, paths, k, weight, path_method, usable)
    n = len(pathset.nodes)
    used, owner = by_pair(pathset, src, dst, n, require=True)
    count = len(used)
    n_arcs = len(cap)
    # capacity of each candidate path: its narrowest arc
    hop_cap = cap[pathset.arcs]
    path_cap = np.minimum.reduceat(hop_cap, pathset.indptr[:-1]) if len(hop_cap) else hop_cap
    path_cap = np.where(pathset.hops > 0, path_cap, 0.0)[used]
    pair_cap = np.bincount(owner, weights=path_cap, minlength=len(src))
    with np.errstate(divide="ignore", invalid="ignore"):
        upper = np.where(pair_cap[owner] > 0, path_cap / (spread * pair_cap[owner]), 1.0)
    upper = np.minimum(upper, 1.0)
    # arc loads: rows arcs, columns the used paths, entry d[owner] per hop
    incidence = pathset.take(used).arc_matrix(n_arcs).T.tocsr()
    load = incidence @ sp.diags(demand[owner])
    scale = np.where(cap > 0, cap, 1.0)
    a_ub = sp.hstack([sp.diags(1.0 / scale) @ load, -sp.csr_matrix(np.ones((n_arcs, 1)))])
    a_eq = sp.hstack([sp.csr_matrix((np.ones(count), (owner, np.arange(count))),
                                    shape=(len(src), count)), sp.csr_matrix((len(src), 1))])
    cost = np.zeros(count + 1)
    cost[-1] = 1.0
    bounds = np.column_stack([np.zeros(count + 1), np.append(upper, np.inf)])
    solved = linprog(cost, A_ub=a_ub.tocsr(), b_ub=np.zeros(n_arcs), A_eq=a_eq.tocsr(),
                     b_eq=np.ones(len(src)), bounds=bounds, method=method)
    if solved.status != 0 or solved.x is None:
        raise InfeasibleError(f"window-peak with spread {spread}: the hedged LP has no "
                              f"solution ({solved.message})")
    split = np.clip(solved.x[:-1], 0.0, None)
    weights = np.zeros(len(pathset))
    weights[used] = split + 1e-15 * (split <= 0) * (
        np.bincount(owner, weights=split, minlength=len(src))[owner] <= 0)
    splits = path_splits(pathset, src, dst, weights)
    objective = float(solved.x[-1])
    return Routing.from_splits(
        topology, tm, splits, algorithm="window-peak", solve_s=timer(),
        options={"k": k, "weight": weight, "paths": "given" if paths is not None else None,
                 "method": method, "path_method": path_method,
                 "failure": failure_name(failure), **extra},
        info={"lp_mlu": objective if math.isfinite(objective) else None,
              "prediction": label})
