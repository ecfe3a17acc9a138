"""What ``infranet route`` reports, as a library result: a routing with its metrics, the
optimal MLU it is measured against, the load of every link and, when asked, the same under
each single failure (:func:`route_report`, :class:`RouteReport`).

Examples
--------
>>> from infranet.model import Topology
>>> from infranet.traffic import TrafficMatrix
>>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
...     "links": [{"a": "x", "b": "y", "capacity": 100}, {"a": "y", "b": "z", "capacity": 100},
...               {"a": "x", "b": "z", "capacity": 100}]})
>>> report = route_report(topo, TrafficMatrix(("x", "z"), [[0, 150], [0, 0]]), algorithm="spf")
>>> out = report.to_dict()
>>> out["mlu"], out["optimum_mlu"], out["fits"], out["binding"]["name"]
(1.5, 0.75, False, 'x--z')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from infranet.errors import counted
from infranet.results import Binding, FrozenDict, FrozenState, freeze, plain
from infranet.routing.base import Routing, route
from infranet.routing.failures import FailureStudy, under_failures
from infranet.routing.metrics import evaluate, optimal_mlu

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["RouteReport", "route_report"]


@dataclass(frozen=True, eq=False)
class RouteReport(FrozenState):
    """A routing, its metrics against the optimum, per-link loads and, optionally, failures.

    Attributes
    ----------
    routing : Routing
    metrics : FrozenDict
        :func:`infranet.routing.evaluate` of the routing against `optimum_mlu`.
    optimum_mlu : float or None
        The optimal MLU over the demands that can be carried
        (:func:`infranet.routing.metrics.optimal_mlu`), or None when not asked for or when no
        demand can be carried.
    links : DataFrame
        :meth:`Routing.link_table` (a new table each time it is read).
    failures : FailureStudy or None
        The algorithm under each single link and shared-risk failure, re-optimised.
    notes : tuple of str
        What to know: demands left out of the optimum, demand lost, links over capacity.
    binding : Binding
        The routing's (the busiest link, by how much it is over capacity, the demand lost).
    """

    routing: Routing
    metrics: FrozenDict
    optimum_mlu: float | None
    _links: tuple[FrozenDict, ...] = field(repr=False)
    failures: FailureStudy | None = None
    notes: tuple[str, ...] = ()

    @property
    def links(self) -> pd.DataFrame:
        return pd.DataFrame([dict(row) for row in self._links])

    @property
    def binding(self) -> Binding:
        return self.routing.binding

    def to_dict(self) -> dict[str, Any]:
        """The summary at the top level (``algorithm, mlu, mlu_ratio, throughput_gbps,
        satisfied_fraction, fits, overloaded_links, optimum_mlu, weight, solve_s``, ...), then
        ``options``, ``notes``, ``binding``, ``links`` (one record per link) and, with
        failures, ``failures``."""
        out: dict[str, Any] = {"algorithm": self.routing.algorithm,
                               **{k: plain(v) for k, v in self.metrics.items()
                                  if k != "algorithm"},
                               "satisfied_fraction": self.metrics["satisfied"],
                               "optimum_mlu": self.optimum_mlu, "weight": self.routing.weight,
                               "options": self.routing.to_dict()["options"],
                               "notes": list(self.notes), "binding": self.binding.to_dict(),
                               "links": [dict(row) for row in self._links]}
        if self.failures is not None:
            out["failures"] = self.failures.to_dict()
        return out


def route_report(topology: Topology, tm: TrafficMatrix | Flows, *, algorithm: str = "ecmp",
                 optimum: bool = True, failures: bool = False,
                 progress: Callable[[str], Any] | None = None, **options: Any) -> RouteReport:
    """Route `tm` with `algorithm` (:func:`infranet.routing.route`) and report it: metrics
    against the optimal MLU over the demands that can be carried, per-link loads, and, with
    `failures`, the MLU and lost demand under every single link and shared-risk failure
    (re-optimised).

    Parameters
    ----------
    optimum
        Also solve the arc LP for the optimal MLU (``mlu_ratio``).
    failures
        Also route under each single failure (:func:`infranet.routing.under_failures`).
    progress
        Called with the name of each phase after the routing as it starts (``"solving the
        optimum (arc LP, 12 demands)"``), for a progress display.
    **options
        The algorithm's options.

    Raises
    ------
    ValidationError
        For a link without a capacity, an unknown option, ...; a demand that no path joins is
        lost, never an error (the optimum leaves it out, with a note).
    """
    say = progress or (lambda phase: None)
    routing = route(topology, tm, algorithm=algorithm, **options)
    notes: list[str] = []
    best = None
    if optimum:
        from infranet.traffic import TrafficMatrix

        count = tm.n_demands if isinstance(tm, TrafficMatrix) else int((tm.demand_gbps > 0).sum())
        say(f"solving the optimum (arc LP, {counted(count, 'demand')})")
        best, note = optimal_mlu(topology, tm)
        if note:
            notes.append(note)
    metrics = evaluate(routing, topology, tm, optimum=best)
    lost = metrics["lost_gbps"]
    if lost > 0:
        notes.append(f"{lost:.6g} of {metrics['demand_gbps']:.6g} Gb/s of demand is lost "
                     f"({metrics['unreachable_gbps']:.6g} Gb/s has no route with capacity)")
    over = metrics["overloaded_links"]
    if over:
        notes.append(f"{over} link{'s are' if over > 1 else ' is'} over capacity: the busiest "
                     f"carries {metrics['mlu']:.4g}x its capacity")
    if failures:
        say("routing under every single failure")
    study = under_failures(topology, tm, algorithm=algorithm, **options) if failures else None
    rows = tuple(FrozenDict(row) for row in routing.link_table(topology).to_dict("records"))
    return RouteReport(routing, freeze(metrics), best, rows, study, tuple(notes))
