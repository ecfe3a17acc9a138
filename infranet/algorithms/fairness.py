"""Max-min fairness: the rates flows get when they share links, by weighted progressive
filling, with the link that froze each flow and each group's slowdown against running alone.

Every flow's rate grows at a pace proportional to its weight (a flow of weight 2 grows twice
as fast) until its demand is met or a link it crosses is full; the others go on. The result is
the weighted max-min fair allocation for the routing fixed by the paths: no flow can get more
without taking from a flow whose rate per unit of weight is no larger. Each flow crosses, if it
is not at its demand, a full link on which its rate per unit of weight is the largest (its
*bottleneck*).

The filling is event-driven and vectorised: between two events (a link fills, or flows reach
their demand) every active flow's rate is ``weight x level``; flows that reach their demand
before the next link fills leave in one batch, and the growth of each link is updated from the
flows that leave, so the work is a few sparse products per link that fills.

Examples
--------
>>> from infranet.model import Topology
>>> from infranet.traffic import Flows
>>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
...     "links": [{"a": "x", "b": "y", "capacity": 100}, {"a": "y", "b": "z", "capacity": 40}]})
>>> flows = Flows.from_pairs(["x", "x"], ["y", "z"], [90, 90], nodes=topo)
>>> fair = max_min_fair(topo, flows)  # x->z is held at 40 by y--z, x->y then gets the rest
>>> fair.rate_gbps.tolist(), fair.bottleneck_links()
([60.0, 40.0], ['x--y', 'y--z'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from infranet.algorithms.arcs import capacities
from infranet.algorithms.candidates import shortest_paths
from infranet.algorithms.paths import PathSet, by_pair, check_paths
from infranet.errors import ValidationError
from infranet.results import Binding, FrozenDict, FrozenState, Stopwatch, freeze

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["DEMAND", "NO_PATH", "SPLITS", "UNREACHABLE", "FairShares", "max_min_fair",
           "progressive_filling"]

SPLITS = ("equal", "single")
#: ``bottleneck`` of a flow that got its whole demand.
DEMAND = -1
#: ``bottleneck`` of a flow without a path (rate 0).
NO_PATH = -2
#: What :meth:`FairShares.bottleneck_links` says of a flow without a path.
UNREACHABLE = "unreachable"
_GROUP_COLUMNS = ("group", "flows", "unreachable", "demand_gbps", "rate_gbps", "alone_gbps",
                  "slowdown", "slowdown_total")
_TOL = 1e-12


@dataclass(frozen=True, eq=False)
class FairShares(FrozenState):
    """Weighted max-min fair rates of flows over fixed paths.

    A flow without a path (its ends are not joined, or no candidate path is given for its
    pair) gets rate 0 and is *unreachable*: its bottleneck is :data:`NO_PATH`, a note says how
    many there are, and slowdowns leave it out (it is as slow alone as shared, and says
    nothing about sharing).

    Attributes
    ----------
    nodes : tuple of str
        The topology's nodes.
    flows : Flows
        The flows, over `nodes`.
    rate_gbps : ndarray
        The rate of each flow in Gb/s.
    bottleneck : ndarray of int
        Per flow: the arc whose filling froze it, or :data:`DEMAND` (-1) when it got its whole
        demand, or :data:`NO_PATH` (-2) when it has no path (unreachable).
    level : ndarray
        Per flow: its rate per unit of weight (the filling level at which it froze).
    arc_load_gbps, utilisation : ndarray
        Per arc: load in Gb/s and load / capacity (NaN on arcs no flow uses).
    groups : DataFrame
        One row per group (a new table each time it is read): ``group, flows, unreachable``
        (its flows without a path), ``demand_gbps, rate_gbps, alone_gbps`` (its rates summed
        when it runs alone on the network), ``slowdown`` (over its flows with a path, the
        largest ratio of a flow's rate alone to its rate shared: the flow that finishes last
        decides when a collective ends; 1 when nothing is shared, NaN when no flow of the
        group has a path), ``slowdown_total`` (alone total / shared total, NaN likewise).
    paths : PathSet
        Each flow's paths with the fraction of its rate on each.
    solve_s : float
        Wall time in seconds.
    binding : Binding
        The link that froze the most flows (``link``), or ``demand`` when every flow with a
        path got its demand, or ``path`` when no flow has one.
    options : FrozenDict
        The options it ran with (``paths``: ``"given"`` when paths were passed, else None).
    notes : tuple of str
        What to know about the rates (flows without a path).
    """

    nodes: tuple[str, ...]
    flows: Flows = field(repr=False)
    rate_gbps: np.ndarray = field(repr=False)
    bottleneck: np.ndarray = field(repr=False)
    level: np.ndarray = field(repr=False)
    arc_load_gbps: np.ndarray = field(repr=False)
    utilisation: np.ndarray = field(repr=False)
    link_names: tuple[str, ...] = field(repr=False)
    arc_link: np.ndarray = field(repr=False)
    _groups: tuple[FrozenDict, ...] = field(repr=False)
    paths: PathSet = field(repr=False)
    solve_s: float
    binding: Binding
    options: FrozenDict = field(default_factory=FrozenDict, repr=False)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", freeze(self.options))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def groups(self) -> pd.DataFrame:
        return pd.DataFrame([dict(row) for row in self._groups], columns=list(_GROUP_COLUMNS))

    @property
    def total_rate_gbps(self) -> float:
        return float(self.rate_gbps.sum())

    @property
    def n_unreachable(self) -> int:
        """Flows without a path (rate 0)."""
        return int((self.bottleneck == NO_PATH).sum())

    @property
    def worst_slowdown(self) -> float:
        """The largest slowdown of a group (1 without groups; NaN when no flow has a
        path)."""
        values = np.array([row["slowdown"] for row in self._groups], dtype=float)
        if not values.size:
            return 1.0
        return float(np.nanmax(values)) if (~np.isnan(values)).any() else float("nan")

    def bottleneck_links(self) -> list[str]:
        """The name of each flow's bottleneck link (``"demand"`` when it got its demand,
        ``"unreachable"`` without a path)."""
        out: list[str] = []
        for b in self.bottleneck.tolist():
            out.append("demand" if b == DEMAND else UNREACHABLE if b == NO_PATH
                       else self.link_names[self.arc_link[b]])
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per flow: ``src, dst, demand_gbps, weight, group, rate_gbps, bottleneck``
        (link name, ``demand`` or ``unreachable``)."""
        frame = self.flows.to_frame()
        frame["rate_gbps"] = self.rate_gbps
        frame["bottleneck"] = self.bottleneck_links()
        return frame

    def to_dict(self) -> dict[str, Any]:
        saturated = sorted({self.link_names[self.arc_link[b]]
                            for b in np.unique(self.bottleneck[self.bottleneck >= 0])})
        return {"total_rate_gbps": self.total_rate_gbps, "n_flows": len(self.flows),
                "n_groups": len(self._groups), "n_unreachable": self.n_unreachable,
                "worst_slowdown": self.worst_slowdown, "saturated_links": saturated,
                "solve_s": self.solve_s, "binding": self.binding.to_dict(),
                "options": dict(self.options), "notes": list(self.notes),
                "groups": [dict(row) for row in self._groups]}


def max_min_fair(topology: Topology, flows: Flows | TrafficMatrix, *,
                 paths: PathSet | None = None, split: str = "equal", k: int = 1,
                 weight: str = "hops", alone: bool = True) -> FairShares:
    """Return weighted max-min fair rates in Gb/s of `flows` over fixed paths.

    Parameters
    ----------
    flows
        The flows (:class:`~infranet.traffic.Flows`: demand ``inf`` for elastic ones, a
        weight, a group), or a TrafficMatrix (weight 1, one group).
    paths
        Either the splits of each flow (a PathSet with fractions and one demand per flow, as
        a :attr:`Routing.splits <infranet.routing.Routing.splits>`), or candidate paths per
        pair (without fractions) shared by every flow of the pair; default the `k` shortest
        paths of each pair by `weight`.
    split
        With candidate paths: ``"equal"`` splits a flow's rate equally over its pair's paths,
        ``"single"`` keeps only the first (shortest) one.
    alone
        Also fill each group alone on the network, for its slowdown (skipped with one group).

    Returns
    -------
    FairShares
        A flow without a path gets rate 0, is marked ``unreachable`` (bottleneck
        :data:`NO_PATH`, a note) and left out of its group's slowdown.

    Raises
    ------
    ValidationError
        When a link a flow crosses has no capacity, or an elastic flow crosses no link of
        finite capacity.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import Flows
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xy"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 90}]})
    >>> inf = float("inf")
    >>> flows = Flows.from_pairs(["x", "x"], ["y", "y"], [inf, inf], weight=[1, 2],
    ...                          group=["a", "b"])
    >>> fair = max_min_fair(topo, flows)
    >>> fair.rate_gbps.tolist(), fair.groups["slowdown"].tolist()
    ([30.0, 60.0], [3.0, 1.5])
    """
    from infranet.traffic import as_flows

    watch = Stopwatch()
    if split not in SPLITS:
        raise ValidationError(f"split must be 'equal' or 'single', got {split!r}",
                              field="split")
    flows = as_flows(topology, flows)
    compiled = topology.compile()
    m = compiled.n_arcs
    given = paths is not None
    if paths is None:
        paths = shortest_paths(topology, flows, k, weight=weight)
    check_paths(topology, paths)
    splits = _flow_splits(paths, flows, compiled.n_nodes, split)
    load = _load_matrix(splits, len(flows), m)
    used_arcs = np.flatnonzero(np.diff(load.indptr) > 0)
    cap = capacities(topology, used_arcs, purpose="max-min fairness")
    rate, bottleneck, level = progressive_filling(load, cap, flows.demand_gbps, flows.weight,
                                                  file=topology.file)
    arc_load = load @ rate
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(np.isin(np.arange(m), used_arcs), arc_load / cap, np.nan)
    groups = _groups(flows, load, cap, rate, bottleneck, alone, topology.file)
    binding = _binding(compiled, bottleneck, rate, flows)
    for array in (rate, bottleneck, level, arc_load, util):
        array.setflags(write=False)
    options = {"split": split, "k": k, "weight": weight, "paths": "given" if given else None,
               "alone": alone}
    notes = []
    unreachable = int((bottleneck == NO_PATH).sum())
    if unreachable:
        first = int(np.flatnonzero(bottleneck == NO_PATH)[0])
        notes.append(f"{unreachable} of {len(flows)} flows have no path (unreachable, rate 0, "
                     f"left out of slowdowns), e.g. flow {first} "
                     f"{compiled.nodes[flows.src[first]]} -> {compiled.nodes[flows.dst[first]]}")
    return FairShares(compiled.nodes, flows, rate, bottleneck, level, arc_load, util,
                      compiled.links, compiled.arc_link, groups, splits, watch(), binding,
                      FrozenDict(options), tuple(notes))


def _flow_splits(paths: PathSet, flows: Flows, n: int, split: str) -> PathSet:
    """Each flow's paths with their fractions (one demand per flow)."""
    if paths.fraction is not None:
        if paths.n_demands != len(flows):
            raise ValidationError(f"paths with fractions must hold one demand per flow "
                                  f"({len(flows)}), got {paths.n_demands}", field="paths")
        owner = paths.demand_of
        if len(owner) and ((paths.src != flows.src[owner]).any()
                           or (paths.dst != flows.dst[owner]).any()):
            raise ValidationError("a path does not join the ends of its flow", field="paths")
        return paths
    used, flow_of = by_pair(paths, flows.src, flows.dst, n)
    if split == "single":
        first = np.ones(len(used), dtype=bool)
        first[1:] = flow_of[1:] != flow_of[:-1]
        used, flow_of = used[first], flow_of[first]
    count = np.bincount(flow_of, minlength=len(flows)).astype(float)
    return paths.take(used, fraction=1.0 / count[flow_of] if len(used) else np.zeros(0),
                      demand_of=flow_of, n_demands=len(flows))


def _load_matrix(splits: PathSet, n_flows: int, n_arcs: int) -> sp.csr_matrix:
    """``arcs x flows``: the load on each arc per unit of each flow's rate."""
    per_arc_path = np.repeat(np.arange(splits.n_paths), splits.hops)
    values = splits.shares[per_arc_path]
    flow = splits.demand_of[per_arc_path]
    return sp.csr_matrix((values, (splits.arcs, flow)), shape=(n_arcs, n_flows))


def progressive_filling(load: sp.csr_matrix, cap: np.ndarray, demand: np.ndarray,
                        weight: np.ndarray, *, active: np.ndarray | None = None,
                        file: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted progressive filling over a fixed routing.

    Parameters
    ----------
    load
        ``arcs x flows``: load on each arc per unit of each flow's rate.
    cap
        Capacity of every arc (only rows of `load` with entries are read).
    demand, weight
        Per flow (demand ``inf`` for elastic flows, weight positive).
    active
        The flows that take part (default all); the others get rate 0.

    Returns
    -------
    rate, bottleneck, level
        Per flow: its rate, the arc that froze it (:data:`DEMAND`, :data:`NO_PATH`), and its
        rate per unit of weight.
    """
    n_arcs, n_flows = load.shape
    demand = np.asarray(demand, dtype=float)
    weight = np.asarray(weight, dtype=float)
    by_flow = load.T.tocsr()  # flows x arcs: a flow's arcs are one row slice
    has_path = np.diff(by_flow.indptr) > 0
    part = np.ones(n_flows, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    rate = np.zeros(n_flows)
    level = np.zeros(n_flows)
    bottleneck = np.full(n_flows, DEMAND, dtype=np.int64)
    bottleneck[~has_path] = NO_PATH
    live = part & has_path & (demand > 0)
    cap = np.asarray(cap, dtype=float)
    growth = load @ np.where(live, weight, 0.0)
    on_arc = np.bincount(by_flow.indices[np.repeat(live, np.diff(by_flow.indptr))],
                         minlength=n_arcs).astype(np.int64)  # active flows per arc
    frozen = np.zeros(n_arcs)
    target = np.where(live, demand / weight, np.inf)  # the level at which a flow is met
    queue = np.flatnonzero(live & np.isfinite(target))
    queue = queue[np.argsort(target[queue], kind="stable")]
    head = 0
    while live.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            fill = np.where((on_arc > 0) & (growth > 0), (cap - frozen) / growth, np.inf)
        t_arc = max(float(fill.min()) if fill.size else np.inf, 0.0)
        while head < len(queue) and not live[queue[head]]:
            head += 1
        if head < len(queue) and target[queue[head]] <= t_arc * (1 + _TOL):
            # every flow met before the next link fills leaves, at its demand
            stop = int(np.searchsorted(target[queue], t_arc * (1 + _TOL), side="right"))
            batch = queue[head:stop]
            batch = batch[live[batch]]
            head = stop
            rate[batch] = demand[batch]
            level[batch] = target[batch]
            _leave(batch, by_flow, weight, rate, live, growth, on_arc, frozen)
            continue
        if not np.isfinite(t_arc):
            i = int(np.flatnonzero(live)[0])
            raise ValidationError("an elastic flow crosses no link of finite capacity, so "
                                  "nothing bounds its rate", file=file, element=f"flow {i}",
                                  field="demand_gbps")
        full = np.flatnonzero(fill <= t_arc * (1 + _TOL) + 1e-300)
        sub = load[full]
        flows_on, arc_pos = sub.indices, np.repeat(full, np.diff(sub.indptr))
        hit = live[flows_on]
        flows_on, arc_pos = flows_on[hit], arc_pos[hit]
        batch, first = np.unique(flows_on, return_index=True)
        bottleneck[batch] = arc_pos[first]
        rate[batch] = weight[batch] * t_arc
        level[batch] = t_arc
        _leave(batch, by_flow, weight, rate, live, growth, on_arc, frozen)
        on_arc[full] = 0  # a full link takes no more
    return rate, bottleneck, level


def _leave(batch: np.ndarray, by_flow: sp.csr_matrix, weight: np.ndarray, rate: np.ndarray,
           live: np.ndarray, growth: np.ndarray, on_arc: np.ndarray,
           frozen: np.ndarray) -> None:
    """Freeze the flows of `batch` at their rate: their load becomes fixed, their growth
    leaves every arc they cross."""
    if not batch.size:
        return
    live[batch] = False
    rows = by_flow[batch]
    owner = np.repeat(np.arange(batch.size), np.diff(rows.indptr))
    n_arcs = len(growth)
    frozen += np.bincount(rows.indices, weights=rows.data * rate[batch][owner],
                          minlength=n_arcs)
    growth -= np.bincount(rows.indices, weights=rows.data * weight[batch][owner],
                          minlength=n_arcs)
    on_arc -= np.bincount(rows.indices, minlength=n_arcs)
    growth[on_arc <= 0] = 0.0


def _groups(flows: Flows, load: sp.csr_matrix, cap: np.ndarray, rate: np.ndarray,
            bottleneck: np.ndarray, alone: bool, file: str | None) -> tuple[FrozenDict, ...]:
    names = np.asarray(flows.group, dtype=object)
    labels, code = np.unique(names, return_inverse=True) if len(names) else (np.zeros(0), [])
    code = np.asarray(code, dtype=np.int64)
    reached = bottleneck != NO_PATH
    rows = []
    for g, label in enumerate(labels.tolist()):
        mine = code == g
        shared = rate[mine]
        if alone and len(labels) > 1:
            solo, _, _ = progressive_filling(load, cap, flows.demand_gbps, flows.weight,
                                             active=mine, file=file)
            solo = solo[mine]
        else:
            solo = shared
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(solo > 0, solo / shared, 1.0)[reached[mine]]
        total_shared, total_solo = float(shared.sum()), float(solo.sum())
        if not ratio.size:  # no flow of the group has a path: nothing to compare
            slowdown = total = float("nan")
        else:
            slowdown = float(ratio.max())
            total = (total_solo / total_shared if total_shared > 0
                     else (1.0 if total_solo == 0 else float("inf")))
        rows.append(FrozenDict({
            "group": str(label), "flows": int(mine.sum()),
            "unreachable": int((~reached[mine]).sum()),
            "demand_gbps": float(flows.demand_gbps[mine].sum()), "rate_gbps": total_shared,
            "alone_gbps": total_solo, "slowdown": slowdown, "slowdown_total": total}))
    return tuple(rows)


def _binding(compiled: Any, bottleneck: np.ndarray, rate: np.ndarray, flows: Flows) -> Binding:
    links = bottleneck[bottleneck >= 0]
    if not len(flows):
        return Binding.nothing("no flows")
    unreachable = int((bottleneck == NO_PATH).sum())
    lost = f"; {unreachable} flows have no path (rate 0)" if unreachable else ""
    if not links.size:
        if unreachable == len(flows):
            return Binding("path", None, "no flow has a path: every rate is 0")
        return Binding("demand", None, f"every flow with a path gets its whole demand{lost}")
    arcs, counts = np.unique(links, return_counts=True)
    arc = int(arcs[np.argmax(counts)])
    name = compiled.links[compiled.arc_link[arc]]
    return Binding("link", name, f"{name} froze {int(counts.max())} of {len(flows)} flows "
                   f"({compiled.capacity_gbps[arc]:.6g} Gb/s full){lost}")
