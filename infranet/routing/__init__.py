"""Routing and traffic engineering: algorithms that share one signature, their metrics and
their behaviour under failures.

Every algorithm is ``algorithm(topology, tm, **options) -> Routing`` (``tm`` a traffic matrix
or flows) and is found by name: :func:`route` dispatches, :func:`algorithms` lists them
(plug-ins of the entry-point group ``infranet.routing`` included), :func:`register` adds one.
:func:`evaluate` measures a routing (:func:`optimal_mlu` gives the optimum it is measured
against); :func:`route_report` is what ``infranet route`` shows; :func:`under_failures`
replays an algorithm under the
failure sets of :func:`infranet.algorithms.failures.failure_sets`. Routing paths are
:class:`~infranet.algorithms.paths.PathSet` objects (``PathSet.from_demands`` builds one from
CSR arrays). :func:`run_online` replays an algorithm over a series of traffic matrices,
configured from the past and measured on each next interval (an algorithm that declares a
``history`` option receives the past as a :class:`History`).
"""

from infranet.algorithms.paths import PathSet
from infranet.routing.base import (
    ENTRY_POINT_GROUP,
    Option,
    Routing,
    algorithms,
    describe,
    get,
    options_of,
    register,
    route,
    takes,
)
from infranet.routing.failures import FailureStudy, under_failures
from infranet.routing.metrics import evaluate, optimal_mlu
from infranet.routing.online import History, LookaheadError, OnlineResult, run_online
from infranet.routing.report import RouteReport, route_report

__all__ = [
    "ENTRY_POINT_GROUP",
    "FailureStudy",
    "History",
    "LookaheadError",
    "OnlineResult",
    "Option",
    "PathSet",
    "RouteReport",
    "Routing",
    "algorithms",
    "describe",
    "evaluate",
    "get",
    "optimal_mlu",
    "options_of",
    "register",
    "route",
    "route_report",
    "run_online",
    "takes",
    "under_failures",
]
