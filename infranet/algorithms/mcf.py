"""Multicommodity flow: route demands over a topology, as linear programs (HiGHS).

Three LPs, each in an arc and a path form:

- :func:`min_mlu`: route every demand in full, minimising the maximum link utilisation (MLU);
- :func:`max_concurrent_flow`: the largest ``λ`` such that ``λ`` times every demand fits;
- :func:`max_throughput`: the largest total rate routed, each demand at most in full;

and :func:`max_min_fair` (from :mod:`infranet.algorithms.fairness`), max-min fair rates over
given paths.

Demands are a :class:`~infranet.traffic.TrafficMatrix` or :class:`~infranet.traffic.Flows`
(flows of one pair add up into one commodity). The **arc form**
(:mod:`infranet.algorithms.arc_lp`) aggregates commodities by source and is exact over all
routings; the **path form** (:mod:`infranet.algorithms.path_lp`) routes each demand over
candidate paths: tunnels read from a file (:func:`read_tunnels`) or the `k` shortest paths of
each pair (:func:`shortest_paths`), by column generation on large instances
(:mod:`infranet.algorithms.column_generation`). Capacities (per direction, Gb/s) must be known
on every arc the LP can use. This module is the public façade over those.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infranet.algorithms.arc_lp import solve_arc
from infranet.algorithms.candidates import read_tunnels, shortest_paths
from infranet.algorithms.commodities import McfResult
from infranet.algorithms.fairness import FairShares, max_min_fair
from infranet.algorithms.path_lp import solve_path
from infranet.algorithms.paths import PathSet, check_paths
from infranet.algorithms.solver import check_method
from infranet.errors import ValidationError, did_you_mean

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = [
    "FORMULATIONS",
    "FairShares",
    "McfResult",
    "PathSet",
    "check_paths",
    "max_concurrent_flow",
    "max_min_fair",
    "max_throughput",
    "min_mlu",
    "read_tunnels",
    "shortest_paths",
]

FORMULATIONS = ("arc", "path")


def _dispatch(problem: str, topology: Topology, demands: TrafficMatrix | Flows,
              formulation: str, paths: PathSet | None, k: int, weight: str, flows: bool,
              method: str, columns: str = "all", usable: np.ndarray | None = None,
              ) -> McfResult:
    check_method(method)
    if formulation == "arc":
        if paths is not None:
            raise ValidationError("paths are for formulation='path'", field="paths")
        return solve_arc(problem, topology, demands, flows=flows, method=method, usable=usable)
    if formulation == "path":
        return solve_path(problem, topology, demands, paths, k, weight, method, columns,
                          usable)
    raise ValidationError(f"formulation must be 'arc' or 'path', got {formulation!r}"
                          f"{did_you_mean(str(formulation), FORMULATIONS)}",
                          field="formulation")


def min_mlu(topology: Topology, tm: TrafficMatrix | Flows, *, formulation: str = "arc",
            paths: PathSet | None = None, k: int = 4, weight: str = "hops",
            flows: bool = False, method: str = "highs", columns: str = "auto",
            usable: np.ndarray | None = None) -> McfResult:
    """Route every demand in full, minimising the maximum link utilisation (MLU).

    The arc form is: minimise ``U`` subject to, for every source ``s`` with demands and every
    node ``v != s``, ``sum_out x[s, a] - sum_in x[s, a] = -d[s, v]``, and for every arc ``a``
    ``sum_s x[s, a] <= U * c[a]``. The path form: ``sum_{p of (s,t)} f[p] = d[s, t]`` and
    ``sum_{p through a} f[p] <= U * c[a]``.

    Parameters
    ----------
    topology, tm
        The network (capacities in Gb/s on every link) and the demands in Gb/s (a
        TrafficMatrix or Flows; elastic flows have no place here).
    formulation
        ``"arc"`` (exact over all routings) or ``"path"`` (over `paths`).
    paths
        Candidate paths for the path form (e.g. :func:`read_tunnels`); default the `k`
        shortest paths of each demanded pair by `weight` (:func:`shortest_paths`).
    flows
        Arc form: also return the flow of each source's commodity on each arc.
    method
        The HiGHS method: ``"highs"`` (HiGHS chooses), ``"highs-ds"`` (dual simplex) or
        ``"highs-ipm"`` (interior point).
    columns
        Path form: ``"all"`` builds one LP with every path; ``"generate"`` solves the same LP
        by column generation (the same optimum, far less memory on large instances);
        ``"auto"``: generate above 100,000 paths.
    usable
        The arcs flows may use (a boolean mask over arcs, e.g. those that survive a failure
        of :func:`infranet.algorithms.failures.failure_sets`); the others get capacity 0.

    Returns
    -------
    McfResult
        ``objective`` is the optimal MLU (can exceed 1: the demands do not fit); ``binding``
        names the busiest link.

    Raises
    ------
    InfeasibleError
        When a demand has no route (arc form: no path of positive capacity; path form: no
        candidate path).
    ValidationError
        When a link the LP may use has no capacity.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100}, {"a": "y", "b": "z", "capacity": 100},
    ...               {"a": "x", "b": "z", "capacity": 100}]})
    >>> tm = TrafficMatrix(("x", "z"), [[0, 150], [0, 0]])
    >>> round(min_mlu(topo, tm).objective, 9), round(min_mlu(topo, tm, formulation="path").mlu, 9)
    (0.75, 0.75)
    """
    return _dispatch("min_mlu", topology, tm, formulation, paths, k, weight, flows, method,
                     columns, usable)


def max_concurrent_flow(topology: Topology, tm: TrafficMatrix | Flows, *,
                        formulation: str = "arc", paths: PathSet | None = None, k: int = 4,
                        weight: str = "hops", flows: bool = False, method: str = "highs",
                        columns: str = "auto", usable: np.ndarray | None = None) -> McfResult:
    """Return the largest ``λ`` such that ``λ`` times every demand fits within capacity.

    ``objective`` is ``λ`` (``1 / MLU`` of :func:`min_mlu` over the same routings); the flows
    carry ``λ`` times each demand. Options as :func:`min_mlu`.

    Raises
    ------
    UnboundedError
        When every demand is zero.
    """
    return _dispatch("max_concurrent_flow", topology, tm, formulation, paths, k, weight, flows,
                     method, columns, usable)


def max_throughput(topology: Topology, tm: TrafficMatrix | Flows, *, formulation: str = "arc",
                   paths: PathSet | None = None, k: int = 4, weight: str = "hops",
                   flows: bool = False, method: str = "highs",
                   usable: np.ndarray | None = None) -> McfResult:
    """Return the largest total rate in Gb/s routed within capacity, each demand at most in
    full (elastic flows: as much as fits). ``carried_gbps`` per pair,
    ``flow_carried_gbps`` per flow. Options as :func:`min_mlu`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xy"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100}]})
    >>> tm = TrafficMatrix(("x", "y"), [[0, 150], [30, 0]])
    >>> max_throughput(topo, tm).objective
    130.0
    """
    return _dispatch("max_throughput", topology, tm, formulation, paths, k, weight, flows,
                     method, "all", usable)
