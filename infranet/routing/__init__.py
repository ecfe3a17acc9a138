"""Routing and traffic engineering: algorithms that share one signature, their metrics and
their behaviour under failures.

Every algorithm is ``algorithm(topology, tm, **options) -> Routing`` and is found by name:
:func:`route` dispatches, :func:`algorithms` lists them (plug-ins of the entry-point group
``infranet.routing`` included), :func:`register` adds one. :func:`evaluate` measures a routing;
:func:`under_failures` replays an algorithm under every single-link and shared-risk failure.
"""

from infranet.routing.base import (
    ENTRY_POINT_GROUP,
    Routing,
    Splits,
    algorithms,
    get,
    register,
    route,
)
from infranet.routing.failures import FailureStudy, under_failures
from infranet.routing.metrics import evaluate

__all__ = [
    "ENTRY_POINT_GROUP",
    "FailureStudy",
    "Routing",
    "Splits",
    "algorithms",
    "evaluate",
    "get",
    "register",
    "route",
    "under_failures",
]
