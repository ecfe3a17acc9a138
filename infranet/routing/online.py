"""Traffic engineering over time: the online protocol.

For each interval ``t`` of a :class:`~infranet.traffic_series.TrafficSeries`, a routing
algorithm is configured from the past only and measured on what comes next:

1. the algorithm is called as ``algorithm(topology, tm_prev, history=view, **options)`` when it
   declares a keyword-only ``history`` option (:func:`infranet.routing.takes`), else as
   ``algorithm(topology, tm_prev, **options)``. ``tm_prev`` is interval ``t - 1`` (the latest
   observed) with every pair of the series in it (a zero volume raised to
   :data:`~infranet.traffic_series.ROUTABLE_FLOOR` of the largest, so every pair gets a path
   split); ``view`` is a :class:`History` of the intervals before ``t`` (all of them, or the
   last `history`), which cannot give interval ``t`` or later (:class:`LookaheadError`);
2. the path splits of the routing it returns (the fraction of each pair on each path) are
   applied to the volumes of interval ``t``;
3. that routing is measured against the optimum of interval ``t``: the published optimum where
   one is given, else the optimal path LP over the candidate tunnels `paths`, else the arc LP
   over every routing (:func:`infranet.routing.optimal_mlu`).

Per interval (:class:`OnlineResult`): MLU, optimum, their ratio, the demand lost (pairs the
routing has no path for), the churn and the algorithm's wall time. The *churn* of interval ``t``
is the share of the traffic of ``t`` whose path split changed from the routing of ``t - 1``::

    churn[t] = sum_p v[t, p] * 1/2 * sum_k |x[t, p, k] - x[t-1, p, k]|  /  sum_p v[t, p]

where ``x[t, p, k]`` is the fraction of pair ``p`` on path ``k`` (paths told apart by their
arcs; a path one routing does not use has fraction 0 there). It is 0 when nothing moved and 1
when every pair moved all of its traffic to other paths; the first interval evaluated has no
previous routing and no churn (NaN).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet.algorithms.paths import readonly
from infranet.errors import InfranetError, ValidationError, did_you_mean
from infranet.results import Binding, FrozenDict, FrozenState, freeze, is_plain, plain
from infranet.traffic_series import TrafficSeries, matrix_of

if TYPE_CHECKING:
    from infranet.algorithms.paths import PathSet
    from infranet.model import Topology
    from infranet.routing.base import Routing
    from infranet.traffic import TrafficMatrix

__all__ = [
    "ABOVE",
    "History",
    "LookaheadError",
    "OnlineResult",
    "optimum_mlus",
    "run_online",
]

#: Ratios above which the summary counts intervals (``share_above_1.1``, ``share_above_1.5``).
ABOVE = (1.1, 1.5)

#: Numbers of the replays of this process (:attr:`History.run`).
_RUNS = itertools.count(1)

#: A churn below this is the round-off of fractions that did not change (a split summed from
#: several LP paths can differ in its last bits): reported as 0.
CHURN_NOISE = 1e-12

#: A ratio below ``1 - BELOW_OPTIMUM`` is said (a warning): beyond an LP solver's tolerance.
BELOW_OPTIMUM = 1e-6


class LookaheadError(InfranetError):
    """An algorithm asked for an interval it may not see yet (the one it is configured for, or
    a later one): a bug in the algorithm."""


class History:
    """The intervals an algorithm may see when it is configured for interval ``now``: the
    series' intervals ``start .. now - 1`` (read-only, like a
    :class:`~infranet.traffic_series.TrafficSeries` of ``now - start`` intervals).

    ``volumes`` holds only those rows: the future is not in it. ``matrix(i)`` counts from the
    window's first interval (negative: from the latest, ``matrix(-1)`` is ``now - 1``) and
    ``interval(t)`` by the series' own numbering; both raise :class:`LookaheadError` for
    interval ``now`` or later.

    Examples
    --------
    >>> from infranet.traffic import TrafficMatrix
    >>> tm = TrafficMatrix(("x", "y"), [[0, 1], [0, 0]])
    >>> series = TrafficSeries.from_matrices([tm, tm.scaled(2), tm.scaled(3)])
    >>> past = History(series, now=2)
    >>> len(past), past.volumes[:, 0].tolist(), past.matrix(-1).total_gbps
    (2, [1.0, 2.0], 2.0)
    >>> past.interval(2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.routing.online.LookaheadError: interval 2 is not observed yet: ...
    """

    def __init__(self, series: TrafficSeries, *, now: int, start: int = 0,
                 run: int | None = None) -> None:
        if not 0 <= start < now <= len(series):
            raise ValidationError(f"a history needs 0 <= start < now <= {len(series)}, got "
                                  f"start {start} and now {now}", field="history")
        self._series = series
        self.now = int(now)
        self.start = int(start)
        #: which replay this view belongs to (one number per :func:`run_online` call): an
        #: algorithm that keeps state between intervals keys it on this, so that one replay
        #: never starts from what another left behind
        self.run = run
        self.nodes = series.nodes
        self.pairs = series.pairs
        self.name = series.name
        self.source = series.source
        # a copy, not a view: a view's .base would hold the whole series, the future in it
        self.volumes = readonly(np.array(series.volumes[start:now]), float)
        self.timestamps = (None if series.timestamps is None
                           else series.timestamps[start:now])

    def __len__(self) -> int:
        return self.now - self.start

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    def _future(self, t: int) -> LookaheadError:
        return LookaheadError(f"interval {t} is not observed yet: an algorithm configured for "
                              f"interval {self.now} sees intervals {self.start}.."
                              f"{self.now - 1}")

    def interval(self, t: int, *, routable: bool = False) -> TrafficMatrix:
        """Return interval `t` of the series (its own numbering) as a matrix.

        Raises
        ------
        LookaheadError
            For ``t >= now``; ValidationError for an interval before the window.
        """
        if t >= self.now:
            raise self._future(t)
        if t < self.start:
            raise ValidationError(f"interval {t} is before the history's window "
                                  f"({self.start}..{self.now - 1})", field="interval")
        return self._series.matrix(t, routable=routable)

    def matrix(self, i: int, *, routable: bool = False) -> TrafficMatrix:
        """Return the `i`-th interval of the window (negative: from the latest).

        Raises
        ------
        LookaheadError
            For ``i >= len(self)`` (interval ``now`` or later).
        """
        n = len(self)
        if i >= n:
            raise self._future(self.start + i)
        if i < -n:
            raise ValidationError(f"the history holds {n} intervals, got {i}",
                                  field="interval")
        return self.interval(self.start + i % n, routable=routable)

    def matrix_of(self, values: Any, *, routable: bool = True) -> TrafficMatrix:
        """Return a matrix over this series' pairs from one value per pair (a prediction);
        `routable` by default (see :func:`infranet.traffic_series.matrix_of`)."""
        return matrix_of(self.nodes, self.pairs, values, routable=routable,
                         name=f"prediction for {self.now}", source=self.source)

    def __repr__(self) -> str:
        return (f"<History of {self.name or 'a series'}: intervals {self.start}.."
                f"{self.now - 1}, configuring {self.now}>")


# ---------------------------------------------------------------------------- result



@dataclass(frozen=True, eq=False)
class OnlineResult(FrozenState):
    """An algorithm replayed over a series: one entry per interval evaluated.

    Attributes
    ----------
    algorithm : str
    series : str
        The series' name.
    t : ndarray of int
        The intervals evaluated (each configured from the intervals before it).
    mlu, optimum_mlu, mlu_ratio : ndarray of float
        The routing's MLU on interval ``t``, the optimum of ``t`` and their ratio (NaN when
        demand was lost or the optimum is 0).
    lost_gbps : ndarray of float
        Demand of ``t`` on pairs the routing has no path for, in Gb/s.
    churn : ndarray of float
        Share of the traffic of ``t`` whose split changed (see the module; NaN at the first).
    solve_s : ndarray of float
        Wall time of the algorithm's call, in seconds.
    busiest : tuple of str
        The busiest link of each interval.
    options : FrozenDict
        The options the algorithm ran with (``history``: the window, None for all).
    optimum_source : str
        ``"published"`` or ``"path LP over the tunnels"`` or ``"arc LP"``.
    worst_case_ratio : float
        The largest worst-case ratio the algorithm certified over the intervals (its routing's
        ``info["worst_case_ratio"]``: ``oblivious``, ``cope``), NaN for one that certifies
        none: no interval's ratio may exceed it.
    """

    algorithm: str
    series: str
    t: np.ndarray = field(repr=False)
    mlu: np.ndarray = field(repr=False)
    optimum_mlu: np.ndarray = field(repr=False)
    mlu_ratio: np.ndarray = field(repr=False)
    lost_gbps: np.ndarray = field(repr=False)
    churn: np.ndarray = field(repr=False)
    solve_s: np.ndarray = field(repr=False)
    busiest: tuple[str, ...] = field(default=(), repr=False)
    options: Any = field(default_factory=FrozenDict)
    optimum_source: str = ""
    worst_case_ratio: float = math.nan

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", readonly(self.t, np.int64))
        for name in ("mlu", "optimum_mlu", "mlu_ratio", "lost_gbps", "churn", "solve_s"):
            object.__setattr__(self, name, readonly(getattr(self, name), float))
        object.__setattr__(self, "busiest", tuple(self.busiest))
        object.__setattr__(self, "options", freeze(self.options))

    def __len__(self) -> int:
        return len(self.t)

    @property
    def summary(self) -> dict[str, Any]:
        """Mean, p50, p90, p99 and max of the ratio, the share of intervals above each of
        :data:`ABOVE` (of those with a ratio), total and mean churn, demand lost, the mean
        and total solve time, the number of intervals, and the certified worst-case ratio
        (NaN when the algorithm certifies none)."""
        ratio = self.mlu_ratio[np.isfinite(self.mlu_ratio)]
        churn = self.churn[np.isfinite(self.churn)]

        def stat(values: np.ndarray, fn: Callable[[np.ndarray], Any]) -> float:
            return float(fn(values)) if values.size else math.nan

        out: dict[str, Any] = {
            "algorithm": self.algorithm, "series": self.series, "intervals": len(self),
            "mean_ratio": stat(ratio, np.mean),
            "p50_ratio": stat(ratio, lambda v: np.percentile(v, 50)),
            "p90_ratio": stat(ratio, lambda v: np.percentile(v, 90)),
            "p99_ratio": stat(ratio, lambda v: np.percentile(v, 99)),
            "max_ratio": stat(ratio, np.max),
        }
        for bound in ABOVE:
            out[f"share_above_{bound:g}"] = (float(np.mean(ratio > bound)) if ratio.size
                                              else math.nan)
        out.update({
            "total_churn": float(churn.sum()), "mean_churn": stat(churn, np.mean),
            "lost_gbps": float(self.lost_gbps.sum()),
            "intervals_with_loss": int((self.lost_gbps > 0).sum()),
            "mean_solve_s": stat(self.solve_s, np.mean),
            "total_solve_s": float(self.solve_s.sum()),
            "optimum": self.optimum_source,
            "worst_case_ratio": float(self.worst_case_ratio),
        })
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One record per interval: ``t, mlu, optimum_mlu, mlu_ratio, lost_gbps, churn,
        solve_s``."""
        return [_record(self.t[i], self.mlu[i], self.optimum_mlu[i], self.mlu_ratio[i],
                        self.lost_gbps[i], self.churn[i], self.solve_s[i])
                for i in range(len(self))]

    @property
    def binding(self) -> Binding:
        """The interval furthest from its optimum, and the link that set its MLU; ``path``
        when demand was lost for lack of a path."""
        if not len(self):
            return Binding.nothing("no interval evaluated")
        lost = np.flatnonzero(self.lost_gbps > 0)
        if lost.size:
            i = int(lost[0])
            return Binding("path", None, f"{self.algorithm} has no path for some demand in "
                           f"{lost.size} of {len(self)} intervals (first: interval "
                           f"{int(self.t[i])}, {float(self.lost_gbps[i]):.6g} Gb/s lost)")
        ratio = np.where(np.isfinite(self.mlu_ratio), self.mlu_ratio, -np.inf)
        i = int(np.argmax(ratio)) if np.isfinite(ratio).any() else int(np.argmax(self.mlu))
        name = self.busiest[i] if self.busiest else None
        return Binding("link", name, f"worst at interval {int(self.t[i])}: MLU "
                       f"{float(self.mlu[i]):.6g} against the optimum "
                       f"{float(self.optimum_mlu[i]):.6g} (ratio {float(self.mlu_ratio[i]):.6g})"
                       f", set by {name}")

    def to_dict(self) -> dict[str, Any]:
        """``{"algorithm", "mean_ratio", "p90_ratio", "max_ratio", "total_churn", "summary",
        "intervals", "options", "binding"}``: the headline scalars, the summary and one record
        per interval."""
        summary = self.summary
        return {"algorithm": self.algorithm,
                **{k: summary[k] for k in ("mean_ratio", "p90_ratio", "max_ratio",
                                           "total_churn")},
                "summary": summary, "intervals": self.rows(),
                "options": {k: plain(v) for k, v in self.options.items() if is_plain(v)},
                "binding": self.binding.to_dict()}


# ---------------------------------------------------------------------------- optimum


def optimum_mlus(topology: Topology, series: TrafficSeries, *, intervals: Sequence[int]
                 | None = None, paths: PathSet | None = None, method: str = "highs",
                 ) -> np.ndarray:
    """Return the optimal MLU of each interval (all, or `intervals`): the path LP over the
    candidate tunnels `paths` (:func:`infranet.algorithms.mcf.min_mlu`), or without them the
    arc LP over every routing (:func:`infranet.routing.optimal_mlu`; NaN when nothing can be
    carried).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100}]})
    >>> tm = TrafficMatrix(("x", "y"), [[0, 50], [0, 0]])
    >>> optimum_mlus(topo, TrafficSeries.from_matrices([tm, tm.scaled(2)])).tolist()
    [0.5, 1.0]
    """
    from infranet.algorithms.mcf import min_mlu
    from infranet.routing.metrics import optimal_mlu

    chosen = range(len(series)) if intervals is None else intervals
    out = np.empty(len(chosen))
    for i, t in enumerate(chosen):
        tm = series.matrix(int(t))
        if not tm.n_demands:
            out[i] = 0.0
        elif paths is not None:
            out[i] = float(min_mlu(topology, tm, formulation="path", paths=paths,
                                   method=method).objective)
        else:
            value, _ = optimal_mlu(topology, tm, method=method)
            out[i] = math.nan if value is None else value
    return out


# ---------------------------------------------------------------------------- protocol


class _Splits:
    """The splits of one routing over the pairs of a series: per pair its paths (as keys) and
    fractions, for loads and churn."""

    def __init__(self, routing: Routing, topology: Topology, series: TrafficSeries,
                 algorithm: str) -> None:
        try:
            splits = routing.splits
        except InfranetError as err:
            raise InfranetError(f"routing algorithm {algorithm!r} gives no path splits, which "
                                f"the online protocol applies to the next interval: {err}"
                                ) from None
        n = len(routing.nodes)
        where = {x: i for i, x in enumerate(routing.nodes)}
        pair_key = np.array([where[a] * n + where[b] for a, b in series.pairs], dtype=np.int64)
        demand_key = routing.src * n + routing.dst
        #: the routing's demand of each pair of the series (-1: none)
        self.demand = pd.Index(demand_key).get_indexer(pair_key).astype(np.int64)
        found = self.demand >= 0
        self.paths = splits
        self.n_demands = routing.n_demands
        self.has_path = np.zeros(len(pair_key), dtype=bool)
        count = np.diff(splits.path_ptr)
        self.has_path[found] = count[self.demand[found]] > 0

    def loads(self, volumes: np.ndarray, n_arcs: int) -> np.ndarray:
        rate = np.zeros(self.n_demands)
        ok = self.has_path
        rate[self.demand[ok]] = volumes[ok]
        return self.paths.loads(rate, n_arcs)

    def keys(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per path of a pair of the series: a key (the pair and the path's arcs, hashed),
        the pair and the fraction."""
        splits = self.paths
        pair_of_demand = np.full(max(self.n_demands, 1), -1, dtype=np.int64)
        ok = self.demand >= 0
        pair_of_demand[self.demand[ok]] = np.flatnonzero(ok)
        pair = pair_of_demand[splits.demand_of] if splits.n_paths else np.zeros(0, np.int64)
        hops = splits.hops
        live = (pair >= 0) & (hops > 0)
        if not len(splits.arcs):
            return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0)
        position = np.arange(len(splits.arcs)) - np.repeat(splits.indptr[:-1], hops)
        with np.errstate(over="ignore"):
            term = ((splits.arcs.astype(np.uint64) + np.uint64(1))
                    * _MIX[np.minimum(position, len(_MIX) - 1)]
                    + position.astype(np.uint64))
            # per path (a path of no arc gets garbage here, and is dropped by `live`)
            walked = np.add.reduceat(term, np.minimum(splits.indptr[:-1], len(term) - 1))
            key = walked[live] ^ (pair[live].astype(np.uint64)
                                  * np.uint64(0x9E3779B97F4A7C15))
        return key, pair[live], splits.shares[live]

    def moved(self, before: _Splits) -> np.ndarray:
        """Per pair, half the sum of the changes of its fractions from `before` (0..1); paths
        are told apart by their arcs."""
        ka, pa, fa = before.keys()
        kb, pb, fb = self.keys()
        keys = np.concatenate([ka, kb])
        out = np.zeros(len(self.demand))
        if not len(keys):
            return out
        unique, inverse = np.unique(keys, return_inverse=True)
        net = np.bincount(inverse, weights=np.concatenate([-fa, fb]), minlength=len(unique))
        pair_of_key = np.zeros(len(unique), dtype=np.int64)
        pair_of_key[inverse] = np.concatenate([pa, pb])
        return 0.5 * np.bincount(pair_of_key, weights=np.abs(net), minlength=len(out))


#: Odd 64-bit multipliers, one per position along a path, for the hash of its arcs.
_MIX = (np.random.default_rng(20241129).integers(1, 2**62, size=256, dtype=np.int64)
        .astype(np.uint64) * np.uint64(2) + np.uint64(1))


def _call(func: Callable[..., Routing], name: str, topology: Topology, tm: TrafficMatrix,
          view: History | None, options: dict[str, Any]) -> Routing:
    from infranet.routing.base import Routing

    try:
        result = (func(topology, tm, history=view, **options) if view is not None
                  else func(topology, tm, **options))
    except LookaheadError as err:
        raise LookaheadError(f"routing algorithm {name!r} read the future, a bug in the "
                             f"algorithm: {err}") from None
    if not isinstance(result, Routing):
        raise InfranetError(f"routing algorithm {name!r} returned {type(result).__name__}, "
                            "not a Routing")
    return result


def run_online(topology: Topology, series: TrafficSeries, algorithm: str, *,
               history: int | None = None, limit: int | None = None, start: int = 1,
               optima: Sequence[float] | np.ndarray | None = None,
               paths: PathSet | None = None, progress: Callable[[int, int], None] | None
               = None, on_interval: Callable[[dict[str, Any]], None] | None = None,
               algorithm_options: Mapping[str, Any] | None = None,
               **options: Any) -> OnlineResult:
    """Replay `algorithm` over `series`: configured from the past, measured on each next
    interval (the protocol of the module's documentation).

    Parameters
    ----------
    topology
        The network; every node of the series is one of its sites.
    series
        The traffic, in time order.
    algorithm
        A registered routing algorithm (:func:`infranet.routing.algorithms`).
    history
        How many past intervals the algorithm sees (its :class:`History`); None: all.
    limit
        Evaluate at most this many intervals (the first ones from `start`).
    start
        The first interval evaluated (>= 1: a routing needs one observed interval).
    optima
        The optimal MLU of every interval of the series (e.g. a published ``.opt`` file);
        default: :func:`optimum_mlus` over `paths`.
    paths
        Candidate tunnels: given as ``paths=`` to an algorithm that takes them, and the
        tunnels the optimum is solved over.
    progress
        Called with ``(done, total)`` after each interval.
    on_interval
        Called with each interval's row as it is measured (the keys of
        :meth:`OnlineResult.rows`): what a caller keeps if the replay is interrupted.
    algorithm_options
        The algorithm's own options as a mapping: for one whose name is also a parameter
        here (``igp-wo``'s ``start``, say).
    **options
        The algorithm's own options.

    Raises
    ------
    LookaheadError
        When the algorithm reads interval ``t`` or later while configured for ``t``.
    ValidationError
        For a bad `history`, `limit`, `start` or `optima`, or an option the algorithm does not
        take; UnknownNameError for an unknown algorithm or a node of the series that is not a
        site of `topology`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "wxyz"],
    ...     "links": [{"a": a, "b": b, "capacity": 100} for a, b in ("wx", "xz", "wy", "yz")]})
    >>> tm = TrafficMatrix(("w", "z"), [[0, 80], [0, 0]])
    >>> series = TrafficSeries.from_matrices([tm, tm.scaled(0.5), tm])
    >>> result = run_online(topo, series, "pred-last")
    >>> [round(r, 6) for r in result.mlu_ratio.tolist()], result.summary["max_ratio"]
    ([1.0, 1.0], 1.0)
    """
    from infranet.routing.base import get, options_of
    from infranet.routing.base import takes as declares

    func = get(algorithm)
    for label, value, low in (("history", history, 1), ("limit", limit, 1),
                              ("start", start, 1)):
        if value is not None and not (isinstance(value, (int, np.integer)) and value >= low):
            raise ValidationError(f"{label} must be a whole number >= {low}, got {value!r}",
                                  field=label)
    if start >= len(series):
        raise ValidationError(f"the series has {len(series)} interval"
                              f"{'s' if len(series) != 1 else ''} (0..{len(series) - 1}): "
                              f"none to evaluate from interval {start}"
                              + (" (interval 0 is only observed)" if start == 1 else ""),
                              field="start")
    series.matrix(0).positions(topology)  # every node a site of the topology
    with_history = declares(func, "history")
    extra = {**(algorithm_options or {}), **options}
    if "paths" in extra:
        raise ValidationError("the candidate tunnels are run_online's own `paths` "
                              "(`--tunnels` on the command line), given to the algorithms "
                              "that take them and to the optimum", field="paths")
    if "history" in extra:
        raise ValidationError("the protocol hands an algorithm its history; "
                              "`history` (`--history`) sets how many past intervals it sees",
                              field="history")
    if paths is not None and declares(func, "paths"):
        extra["paths"] = paths
    known = options_of(func)
    if known is not None:
        names = [o.name for o in known]
        for key in extra:
            if key not in names:
                raise ValidationError(f"algorithm {algorithm!r} has no option {key!r}"
                                      f"{did_you_mean(key, names)}; its options: "
                                      f"{', '.join(names) or 'none'}", field=key)
    stop = len(series) if limit is None else min(len(series), start + int(limit))
    chosen = list(range(start, stop))
    if optima is not None:
        optimum = np.asarray(optima, dtype=float)
        if optimum.ndim != 1 or len(optimum) < len(series):
            raise ValidationError(f"expected one optimum per interval ({len(series)}), got "
                                  f"{optimum.size}", field="optima")
        optimum = optimum[chosen]
        source = "published"
        busy = series.volumes[chosen].sum(axis=1) > 0
        zero = np.flatnonzero(busy & (optimum <= 0))
        if zero.size:
            raise ValidationError(f"interval {chosen[int(zero[0])]} carries traffic but its "
                                  f"optimum is {optimum[int(zero[0])]:g} (an MLU of 0 cannot "
                                  f"carry it; {zero.size} such intervals): the optima are not "
                                  f"this series'", field="optima")
    else:
        optimum = optimum_mlus(topology, series, intervals=chosen, paths=paths)
        source = "path LP over the tunnels" if paths is not None else "arc LP"
    compiled = topology.compile()
    cap = np.asarray(compiled.capacity_gbps, dtype=float)
    measured = np.isfinite(cap) & (cap > 0)
    link_of = np.asarray(compiled.arc_link)
    size = len(chosen)
    mlu, lost, churn, solve = (np.full(size, math.nan) for _ in range(4))
    busiest: list[str] = []
    before: _Splits | None = None
    certified = math.nan
    run = next(_RUNS)
    for i, t in enumerate(chosen):
        tm_prev = series.matrix(t - 1, routable=True)
        view = (History(series, now=t, start=0 if history is None else max(0, t - history),
                        run=run) if with_history else None)
        clock = time.perf_counter()
        routing = _call(func, algorithm, topology, tm_prev, view, extra)
        solve[i] = time.perf_counter() - clock
        bound = routing.info.get("worst_case_ratio") if routing.info else None
        if isinstance(bound, (int, float)) and not math.isnan(bound):
            certified = bound if math.isnan(certified) else max(certified, float(bound))
        splits = _Splits(routing, topology, series, algorithm)
        volumes = series.volumes[t]
        load = splits.loads(volumes, compiled.n_arcs)
        lost[i] = float(volumes[~splits.has_path].sum())
        util = np.where(measured, load / np.where(measured, cap, 1.0), 0.0)
        over = load > 0
        if (over & ~measured).any():  # load on an arc without capacity
            util[over & ~measured] = math.inf
        top = int(np.argmax(util)) if len(util) else 0
        mlu[i] = float(util[top]) if len(util) else 0.0
        busiest.append(compiled.links[link_of[top]] if len(util) else "")
        if before is not None:
            total = float(volumes.sum())
            moved = splits.moved(before)
            share = float(np.dot(moved, volumes) / total) if total > 0 else 0.0
            churn[i] = share if share > CHURN_NOISE else 0.0  # fractions' round-off: none
        before = splits
        if on_interval is not None:
            at = slice(i, i + 1)
            on_interval(_record(t, mlu[i], optimum[i], _ratio(mlu[at], optimum[at], lost[at])[0],
                                lost[i], churn[i], solve[i]))
        if progress is not None:
            progress(i + 1, size)
    ratio = _ratio(mlu, optimum, lost)
    _warn_of(algorithm, np.array(chosen), ratio, lost, source)
    recorded = {k: v for k, v in extra.items() if k != "paths"}
    recorded.update({"history": history, "paths": "given" if "paths" in extra else None})
    return OnlineResult(algorithm, series.name, np.array(chosen, dtype=np.int64), mlu, optimum,
                        ratio, lost, churn, solve, tuple(busiest), recorded, source,
                        certified)


def _record(t: Any, mlu: Any, optimum: Any, ratio: Any, lost: Any, churn: Any, solve: Any,
            ) -> dict[str, Any]:
    """One interval's row (:meth:`OnlineResult.rows`)."""
    return {"t": int(t), "mlu": float(mlu), "optimum_mlu": float(optimum),
            "mlu_ratio": float(ratio), "lost_gbps": float(lost), "churn": float(churn),
            "solve_s": float(solve)}


def _ratio(mlu: np.ndarray, optimum: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """MLU over the optimum, NaN where demand was lost (an MLU over part of the demand does
    not compare) or the optimum is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((lost == 0) & (optimum > 0), mlu / optimum, math.nan)


def _warn_of(algorithm: str, t: np.ndarray, ratio: np.ndarray, lost: np.ndarray,
             source: str) -> None:
    """Say (an :class:`~infranet.errors.InfranetWarning`) when intervals lost demand, or fell
    below their optimum beyond a solver's tolerance (optima of another series, or over fewer
    paths than the algorithm routes on)."""
    import warnings

    from infranet.errors import InfranetWarning

    lossy = np.flatnonzero(lost > 0)
    if lossy.size:
        i = int(lossy[0])
        warnings.warn(InfranetWarning(
            f"{algorithm} lost demand in {lossy.size} of {len(t)} intervals (first: interval "
            f"{int(t[i])}, {float(lost[i]):.6g} Gb/s on pairs it gave no path or did not "
            f"admit): those intervals have no ratio"), stacklevel=3)
    below = np.flatnonzero(ratio < 1 - BELOW_OPTIMUM)
    if below.size:
        i = int(below[np.argmin(ratio[below])])
        warnings.warn(InfranetWarning(
            f"{algorithm} is below the optimum ({source}) in {below.size} of {len(t)} "
            f"intervals (least ratio {float(ratio[i]):.6g} at interval {int(t[i])}): the "
            f"optima are not this series', or are over fewer paths than {algorithm} routes "
            f"on (an algorithm that takes no tunnels, measured against tunnels)"),
            stacklevel=3)
