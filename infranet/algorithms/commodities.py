"""What every multicommodity-flow LP shares: its validated inputs (:class:`Commodities`, the
demanded pairs with scaled capacities) and its result (:class:`McfResult`).

Demands come as a :class:`~infranet.traffic.TrafficMatrix` or as
:class:`~infranet.traffic.Flows`; flows between the same pair add up into one commodity (the
LP optima do not depend on how a pair's rate is split between its flows), and results give
each flow its share back. Capacities and demands are rescaled so that the largest capacity is
1; results are in Gb/s.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet.algorithms.arcs import busiest_link, capacities, utilisation
from infranet.algorithms.paths import PathSet
from infranet.errors import ValidationError
from infranet.results import Binding, FrozenState

if TYPE_CHECKING:
    from infranet.model import Compiled, Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["RANGE", "Commodities", "McfResult", "commodities"]

#: The largest ratio of a demand to the largest capacity an LP takes: HiGHS treats numbers from
#: 1e20 as infinite, and loses precision long before.
RANGE = 1e12


@dataclass(frozen=True, eq=False)
class Commodities:
    """Validated inputs of an LP: the demanded pairs (each once, by ``src * n + dst``) and
    the scale of capacities.

    Attributes
    ----------
    src, dst : ndarray of int
        The pairs with a positive demand.
    demand : ndarray of float
        Their demand in LP units (Gb/s / `scale`; ``inf`` for elastic flows).
    scale : float
        Gb/s per LP unit.
    flows : Flows
        The input as flows over the topology's nodes; ``pair_of[i]`` is the commodity of flow
        ``i`` (-1 for a flow of zero demand).
    """

    topology: Topology
    compiled: Compiled
    src: np.ndarray
    dst: np.ndarray
    demand: np.ndarray
    scale: float
    flows: Flows
    pair_of: np.ndarray
    from_matrix: bool
    usable: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.compiled.n_nodes

    def capacity(self, arcs: np.ndarray | None = None) -> np.ndarray:
        """Scaled capacities of `arcs` (default all); a missing one is an error."""
        cap = capacities(self.topology, arcs, purpose="multicommodity flow")
        if self.usable is not None:
            cap = np.where(self.usable, cap, 0.0)
        return (cap if arcs is None else cap[arcs]) / self.scale

    def pair_name(self, j: int) -> str:
        nodes = self.compiled.nodes
        return f"{nodes[self.src[j]]!r} -> {nodes[self.dst[j]]!r}"

    def per_flow(self, carried: np.ndarray) -> np.ndarray:
        """Split each commodity's carried rate (Gb/s) over its flows: finite flows in
        proportion to their demand first, elastic ones share the rest by weight."""
        flows = self.flows
        out = np.zeros(len(flows))
        live = self.pair_of >= 0
        idx = np.flatnonzero(live)
        pair = self.pair_of[idx]
        demand = flows.demand_gbps[idx]
        finite = np.isfinite(demand)
        finite_total = np.bincount(pair[finite], weights=demand[finite],
                                   minlength=len(self.src))
        got = carried[pair]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.minimum(got / finite_total[pair], 1.0)
        out[idx[finite]] = (demand * np.nan_to_num(share, nan=0.0))[finite]
        if (~finite).any():
            rest = np.maximum(carried - finite_total, 0.0)
            weight = flows.weight[idx]
            total_w = np.bincount(pair[~finite], weights=weight[~finite],
                                  minlength=len(self.src))
            out[idx[~finite]] = (rest[pair] * weight / total_w[pair])[~finite]
        return out


def commodities(topology: Topology, demands: TrafficMatrix | Flows,
                arcs: np.ndarray | None = None, *, elastic: bool = False,
                usable: np.ndarray | None = None) -> Commodities:
    """Return the commodities of `demands` over `topology`, scaled by the largest capacity of
    `arcs` (default all); arcs outside `usable` get capacity 0.

    Raises
    ------
    ValidationError
        For an elastic flow where the problem needs finite demands (`elastic` False).
    """
    from infranet.traffic import TrafficMatrix, as_flows

    flows = as_flows(topology, demands, finite_for=None if elastic else "this problem",
                     instead="max_throughput or max_min_fair")
    compiled = topology.compile()
    n = compiled.n_nodes
    live = flows.demand_gbps > 0
    key = flows.src * n + flows.dst
    pairs, inverse = np.unique(key[live], return_inverse=True)
    demand = np.bincount(inverse, weights=flows.demand_gbps[live], minlength=len(pairs))
    pair_of = np.full(len(flows), -1, dtype=np.int64)
    pair_of[live] = inverse
    cap = compiled.capacity_gbps
    if arcs is not None:
        chosen = np.zeros(len(cap), dtype=bool)
        chosen[np.asarray(arcs, dtype=np.int64)] = True
        cap = cap[chosen]
    finite = cap[np.isfinite(cap) & (cap > 0)]
    finite_demand = demand[np.isfinite(demand)]
    if finite.size:
        scale = float(finite.max())
    else:
        scale = float(finite_demand.max()) if finite_demand.size else 1.0
    too_large = np.flatnonzero(np.isfinite(demand) & (demand > RANGE * scale))
    if too_large.size:
        j = int(too_large[np.argmax(demand[too_large])])
        names = compiled.nodes
        raise ValidationError(
            f"{demand[j]:.6g} Gb/s is {demand[j] / scale:.3g} times the largest link capacity "
            f"({scale:.6g} Gb/s), past the range an LP solver can hold ({RANGE:.0e} times): "
            "check the demand's unit", file=topology.file,
            element=f"demand {names[pairs[j] // n]!r} -> {names[pairs[j] % n]!r}",
            field="demand_gbps")
    return Commodities(topology, compiled, (pairs // n).astype(np.int64),
                       (pairs % n).astype(np.int64), demand / scale, scale, flows, pair_of,
                       isinstance(demands, TrafficMatrix), _mask(usable, compiled.n_arcs))


def _mask(usable: np.ndarray | None, n_arcs: int) -> np.ndarray | None:
    if usable is None:
        return None
    mask = np.asarray(usable, dtype=bool)
    if mask.shape != (n_arcs,):
        raise ValidationError(f"usable must hold one entry per arc ({n_arcs})", field="usable")
    return mask


@dataclass(frozen=True, eq=False)
class McfResult(FrozenState):
    """The optimum of a multicommodity-flow problem.

    Attributes
    ----------
    problem : str
        ``min_mlu``, ``max_concurrent_flow`` or ``max_throughput``.
    formulation : str
        ``arc`` or ``path``.
    status : str
        ``optimal``.
    objective : float
        The MLU, ``λ``, or the total routed rate in Gb/s (throughput).
    arc_flow_gbps, utilisation : ndarray
        Per arc (ids of :meth:`Topology.compile`): total flow in Gb/s and flow / capacity
        (:func:`infranet.algorithms.arcs.utilisation`: NaN where the capacity is unknown or
        zero and the arc unused).
    links : DataFrame
        Per link (a new table each time it is read): ``name, a, b, capacity_ab_gbps,
        capacity_ba_gbps, flow_ab_gbps, flow_ba_gbps, utilisation_ab, utilisation_ba,
        utilisation`` (the larger direction).
    src, dst, demand_gbps, carried_gbps : ndarray
        One entry per demanded pair (sorted by source, then destination): its nodes, the
        demand and the rate carried, in Gb/s.
    flow_carried_gbps : ndarray
        The rate carried for each flow of the input (a matrix's flows are its non-zero
        entries, row-major).
    commodities, commodity_flow_gbps
        Arc form with ``flows=True``: source nodes and their flow per arc,
        shape ``(len(commodities), n_arcs)``.
    paths, path_flow_gbps
        Path form: the candidate paths and the flow on each.
    solve_s : float
        Wall time of the solver in seconds (building the LP excluded).
    binding : Binding
        The link at the maximum utilisation (``link``), or ``demand`` when every demand is
        carried and nothing is full.
    """

    problem: str
    formulation: str
    status: str
    objective: float
    nodes: tuple[str, ...]
    arc_flow_gbps: np.ndarray = field(repr=False)
    utilisation: np.ndarray = field(repr=False)
    _compiled: Compiled = field(repr=False)
    src: np.ndarray = field(repr=False)
    dst: np.ndarray = field(repr=False)
    demand_gbps: np.ndarray = field(repr=False)
    carried_gbps: np.ndarray = field(repr=False)
    flow_carried_gbps: np.ndarray = field(repr=False)
    solve_s: float
    n_variables: int
    n_constraints: int
    binding: Binding
    commodities: tuple[str, ...] | None = field(default=None, repr=False)
    commodity_flow_gbps: np.ndarray | None = field(default=None, repr=False)
    paths: PathSet | None = field(default=None, repr=False)
    path_flow_gbps: np.ndarray | None = field(default=None, repr=False)

    @property
    def links(self) -> pd.DataFrame:
        return link_table(self._compiled, self.arc_flow_gbps, self.utilisation)

    @property
    def mlu(self) -> float:
        """Maximum link utilisation of the returned flows."""
        used = self.utilisation[np.isfinite(self.utilisation)]
        return float(used.max()) if used.size else 0.0

    @property
    def total_routed_gbps(self) -> float:
        return float(self.carried_gbps.sum())

    @functools.cached_property
    def routed_gbps(self) -> np.ndarray:
        """The rate carried per pair as a dense ``(n, n)`` matrix over `nodes` (built when
        first read; on large node sets use :attr:`carried_gbps`)."""
        n = len(self.nodes)
        out = np.zeros((n, n))
        out[self.src, self.dst] = self.carried_gbps
        out.setflags(write=False)
        return out

    def to_dict(self) -> dict[str, Any]:
        links = self.links.replace({np.nan: None})
        return {"problem": self.problem, "formulation": self.formulation,
                "status": self.status, "objective": self.objective, "mlu": self.mlu,
                "total_routed_gbps": self.total_routed_gbps, "solve_s": self.solve_s,
                "n_variables": self.n_variables, "n_constraints": self.n_constraints,
                "binding": self.binding.to_dict(), "links": links.to_dict("records")}


def objective_and_carried(problem: str, fun: float, routed: np.ndarray, net: Commodities,
                          ) -> tuple[float, np.ndarray]:
    """The objective of an LP in its own terms (MLU, λ, or the total rate in Gb/s) and the rate
    carried per demand in LP units, from the solver's objective `fun` (minimised) and, for
    ``max_throughput``, the LP's rate of each demand `routed`."""
    if problem == "min_mlu":
        return fun, net.demand
    if problem == "max_concurrent_flow":
        return -fun, net.demand * -fun
    return -fun * net.scale, np.minimum(routed, net.demand)


def link_table(compiled: Compiled, arc_flow: np.ndarray, util: np.ndarray) -> pd.DataFrame:
    """Per-link flows and utilisation in both directions (see :class:`McfResult`)."""
    cap = compiled.capacity_gbps
    names = np.array(compiled.nodes, dtype=object)
    table = pd.DataFrame({
        "name": compiled.links, "a": names[compiled.tail[0::2]], "b": names[compiled.head[0::2]],
        "capacity_ab_gbps": cap[0::2], "capacity_ba_gbps": cap[1::2],
        "flow_ab_gbps": arc_flow[0::2], "flow_ba_gbps": arc_flow[1::2],
        "utilisation_ab": util[0::2], "utilisation_ba": util[1::2],
    })
    table["utilisation"] = table[["utilisation_ab", "utilisation_ba"]].max(axis=1)
    return table


def flow_binding(compiled: Compiled, arc_flow: np.ndarray, *, carried_all: bool) -> Binding:
    """The binding of a flow result: the arc of highest utilisation
    (:func:`infranet.algorithms.arcs.busiest_link`), or the demand when nothing is loaded."""
    if not arc_flow.size or arc_flow.max() <= 0:
        return Binding("demand" if carried_all else "none", None,
                       "no link carries flow" if carried_all else "nothing to route")
    names = np.array(compiled.nodes, dtype=object)
    ends = names[compiled.tail] + " -> " + names[compiled.head]
    return busiest_link(compiled.links, arc_flow, compiled.capacity_gbps, ends=ends.tolist())


def result(problem: str, formulation: str, net: Commodities, objective: float,
           arc_flow: np.ndarray, carried: np.ndarray, solve_s: float, shape: tuple[int, int],
           status: str = "optimal", **extra: Any) -> McfResult:
    """Build an :class:`McfResult` (arrays made read-only); `carried` per commodity in LP
    units."""
    compiled = net.compiled
    cap = compiled.capacity_gbps
    arc_flow = np.where(np.abs(arc_flow) < 1e-12 * net.scale, 0.0, arc_flow)
    util = utilisation(arc_flow, cap)
    carried_gbps = np.asarray(carried, dtype=float) * net.scale
    demand_gbps = net.demand * net.scale
    per_flow = net.per_flow(carried_gbps)
    carried_all = bool(np.all(carried_gbps >= demand_gbps * (1 - 1e-9)))
    if problem == "max_throughput" and carried_all:
        binding = Binding("demand", None, "every demand is carried in full")
    else:
        binding = flow_binding(compiled, arc_flow, carried_all=carried_all)
    for array in (arc_flow, util, carried_gbps, demand_gbps, per_flow,
                  *[v for v in extra.values() if isinstance(v, np.ndarray)]):
        array.setflags(write=False)
    src, dst = net.src.copy(), net.dst.copy()
    src.setflags(write=False)
    dst.setflags(write=False)
    return McfResult(problem, formulation, status, float(objective), compiled.nodes, arc_flow,
                     util, compiled, src, dst, demand_gbps,
                     carried_gbps, per_flow, solve_s, shape[1], shape[0], binding, **extra)
