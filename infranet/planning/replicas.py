"""Where inference replicas go: a facility-location MILP over candidate sites and user regions.

The problem (:class:`ReplicaProblem`, built and checked by :func:`replica_problem`) is arrays in SI
units: candidate sites (accelerators available, power headroom, facility watts per accelerator,
optional cost per accelerator-hour), user regions (demand in requests/s, a time-to-first-token
budget), the network share of each region's TTFT at each site (``network_s[r, s]``, the caller's
k × RTT), the compute share added at a site (queueing and prefill, ``compute_s[r, s]``), and the
service's load per accelerator (requests/s) with replicas in whole units of
``accelerators_per_replica[s]``. A region may be served by a site only when network + compute
stays within its budget.

:func:`place_replicas` chooses how many replicas each site hosts (integer) and which site serves
each region (single-sourced: "region X is served by site Y"), minimising accelerators (or cost
per hour) such that every region's SLO, each site's capacity and its power hold. The
objective counts replicas only, so that HiGHS sees it integral and rounds its bounds; once the
replicas are chosen, a local pass moves each region to the site with the lowest TTFT that has
room for it (primary, then backup), the replicas unchanged.

**Surviving the loss of any one site** (``survive_site_loss=True``, N+1) gives each region a
primary and a distinct backup site, both within its budget, and sizes every site for its own
primary load plus a failover reserve: when site f fails, site s takes the regions whose primary
is f and backup is s. The model stays compact, one copy of the sites and regions, not one per
failed site:

- ``x[r, f]`` (binary): f is r's primary; ``y[r, s]`` (binary): s is r's backup; only pairs
  within r's budget get variables;
- ``w[r, f, s]`` (continuous, 0..1): r's primary is f and its backup s, only for triples within
  budget; tied to the assignments by ``x[r, f] = Σ_s w[r, f, s]`` and ``y[r, s] = Σ_f
  w[r, f, s]`` (a transportation polytope per region: with x and y integral, w is their
  product, exactly);
- ``R[s] ≥ Σ_r d_r · w[r, f, s]`` for each ordered site pair (f, s) that shares a region (no row
  for pairs that never do), and ``q_s · n_s ≥ Σ_r d_r · x[r, s] + R[s]``.

The textbook linearisation of the product (``formulation="linearised"``: ``z ≥ x + y − 1``,
``z ≥ 0``) is kept for comparison; its relaxation lets x = y = ½ carry no reserve at all, and
HiGHS spends longer closing the gap (``benchmarks/bench_placement.py`` measures both).
Aggregating ``Σ_r d_r (x[r, f] + y[r, s] − 1)`` into one row per pair, without a z per region,
would be wrong, not only weak: every region with neither f nor s would subtract its demand.

Both formulations add two families of valid inequalities: ``R[s] ≥ d_r · y[r, s]`` (whichever
site r's primary is, its loss sends all of r to s; without it the relaxation spreads each backup
over many primaries and reserves next to nothing), and ``n_s ≥ ⌈d_r / q_s⌉ · x[r, s]`` (and the
same for y: a site that serves a region holds at least the replicas that region alone needs).
A site that cannot carry a region alone gets no variable for it.

Large instances may restrict each region to its ``candidates`` cheapest sites within budget
(:func:`candidate_sites`); :func:`relaxation_bound` bounds the unrestricted problem.

:func:`greedy_replicas` is a baseline (open sites by coverage, serve each region from its
nearest open site); :func:`check_placement` re-verifies any placement with independent code
(capacity, power, every SLO, and N+1 by removing each site in turn).

Examples
--------
>>> import numpy as np
>>> problem = replica_problem(
...     ["dallas", "houston", "austin"], ["north", "south"], demand_rps=[25.0, 10.0],
...     network_s=[[0.010, 0.030, 0.020], [0.030, 0.010, 0.015]],
...     compute_s=0.2, budget_s=0.225, requests_per_accelerator_s=2.5,
...     accelerators_per_replica=8, available=[64, 64, 32])
>>> plan = place_replicas(problem)
>>> plan.total_accelerators, dict(plan.replicas)
(16, {'austin': 2})
>>> safe = place_replicas(problem, survive_site_loss=True)
>>> safe.total_accelerators, dict(safe.replicas), check_placement(problem, safe)
(40, {'dallas': 2, 'houston': 1, 'austin': 2}, ())
>>> safe.regions["north"]["site"], safe.regions["north"]["backup"]
('dallas', 'austin')
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from infranet.errors import InfeasibleError, InfranetError, ValidationError, counted
from infranet.results import Binding, FrozenDict, FrozenState, Stopwatch, freeze, plain

__all__ = [
    "FORMULATIONS",
    "OBJECTIVES",
    "ReplicaPlacement",
    "ReplicaProblem",
    "candidate_sites",
    "check_placement",
    "diagnose",
    "greedy_replicas",
    "place_replicas",
    "relaxation_bound",
    "replica_problem",
]

log = logging.getLogger(__name__)

#: What :func:`place_replicas` minimises.
OBJECTIVES = ("accelerators", "cost")
#: How the N+1 reserve is tied to the assignments (see the module's documentation).
FORMULATIONS = ("joint", "linearised")

#: Slack on a latency comparison, in seconds (a nanosecond: float noise, not a budget).
_SLO_TOL_S = 1e-9
#: Slack on a load comparison, relative (HiGHS's primal feasibility tolerance is 1e-7).
_LOAD_RTOL = 1e-6


@dataclass(frozen=True, eq=False)
class ReplicaProblem(FrozenState):
    """A replica-placement instance, validated (build it with :func:`replica_problem`).

    Arrays are read-only; ``S`` sites, ``R`` regions. Latencies in seconds, demand and load in
    requests/s, power in W.
    """

    site_names: tuple[str, ...]
    region_names: tuple[str, ...]
    demand_rps: np.ndarray                   # (R,)
    network_s: np.ndarray                    # (R, S)
    compute_s: np.ndarray                    # (R, S)
    budget_s: np.ndarray                     # (R,)
    requests_per_accelerator_s: np.ndarray   # (S,)
    accelerators_per_replica: np.ndarray     # (S,) int
    available: np.ndarray                    # (S,) int, accelerators
    power_w: np.ndarray                      # (S,) facility power headroom (inf: no limit)
    facility_w_per_accelerator: np.ndarray   # (S,) IT × PUE per accelerator (0: not counted)
    cost_per_accelerator_hour: np.ndarray | None  # (S,)
    request_bytes: float
    response_bytes: float
    kv_bytes: float

    @property
    def n_sites(self) -> int:
        return len(self.site_names)

    @property
    def n_regions(self) -> int:
        return len(self.region_names)

    @property
    def ttft_s(self) -> np.ndarray:
        """Time to first token of each region at each site (network + compute), (R, S)."""
        return self.network_s + self.compute_s

    @property
    def within(self) -> np.ndarray:
        """Which sites may serve which region: TTFT within the region's budget, (R, S) bool."""
        return self.ttft_s <= self.budget_s[:, None] + _SLO_TOL_S

    @property
    def max_replicas(self) -> np.ndarray:
        """Replicas each site can hold within its accelerators and its power, (S,) int."""
        per_acc = self.facility_w_per_accelerator
        with np.errstate(divide="ignore", invalid="ignore"):
            by_power = np.where(per_acc > 0, self.power_w / np.where(per_acc > 0, per_acc, 1.0),
                                np.inf)
        accelerators = np.minimum(self.available.astype(float), by_power)
        return np.floor(accelerators / self.accelerators_per_replica + 1e-9).astype(np.int64)

    @property
    def replica_rps(self) -> np.ndarray:
        """Requests/s one replica of each site carries, (S,)."""
        return self.requests_per_accelerator_s * self.accelerators_per_replica


def replica_problem(
    site_names: Sequence[str],
    region_names: Sequence[str],
    *,
    demand_rps: ArrayLike,
    network_s: ArrayLike,
    compute_s: ArrayLike,
    budget_s: ArrayLike,
    requests_per_accelerator_s: ArrayLike,
    accelerators_per_replica: ArrayLike = 1,
    available: ArrayLike,
    power_w: ArrayLike | None = None,
    facility_w_per_accelerator: ArrayLike | None = None,
    cost_per_accelerator_hour: ArrayLike | None = None,
    request_bytes: float = 0.0,
    response_bytes: float = 0.0,
    kv_bytes: float = 0.0,
) -> ReplicaProblem:
    """Check and broadcast the arrays of a replica-placement problem (SI units).

    Parameters
    ----------
    site_names, region_names
        Candidate sites (S) and user regions (R), unique names.
    demand_rps
        Each region's demand, requests/s, (R,).
    network_s
        The network share of each region's TTFT at each site, s, (R, S) (k × RTT: the caller's).
    compute_s
        What a site adds to TTFT (queueing, prefill), s: scalar, (S,) or (R, S).
    budget_s
        Each region's TTFT budget (its SLO), s: scalar or (R,).
    requests_per_accelerator_s
        Requests/s one accelerator carries within the SLO (the replica model's load), scalar or
        (S,).
    accelerators_per_replica
        Accelerators in one replica, positive integers, scalar or (S,).
    available
        Accelerators each site can host, integers, scalar or (S,).
    power_w
        Facility power headroom of each site, W (None or inf: no limit), scalar or (S,).
    facility_w_per_accelerator
        Facility power of one accelerator (IT × PUE), W, scalar or (S,); needed with `power_w`.
    cost_per_accelerator_hour
        Cost of an accelerator-hour at each site, scalar or (S,); needed for
        ``objective="cost"``.
    request_bytes, response_bytes, kv_bytes
        Bytes of one request, of its response, and of the KV cache it moves between sites when
        prefill and decode are disaggregated (0 when they are not): the WAN traffic of a site.

    Raises
    ------
    ValidationError
        Naming the field and the element at fault.

    Examples
    --------
    >>> p = replica_problem(["a", "b"], ["x"], demand_rps=[5.0], network_s=[[0.01, 0.02]],
    ...                     compute_s=0.1, budget_s=0.5, requests_per_accelerator_s=1.0,
    ...                     available=16)
    >>> p.within.tolist(), p.max_replicas.tolist()
    ([[True, True]], [16, 16])
    """
    sites = _names(site_names, "site_names", "site")
    regions = _names(region_names, "region_names", "region")
    n_s, n_r = len(sites), len(regions)

    demand = _array(demand_rps, "demand_rps", (n_r,), regions, "region")
    _check(demand >= 0, "demand_rps", "must be >= 0 requests/s", regions, "region", demand)
    network = _array(network_s, "network_s", (n_r, n_s), regions, "region", exact=True)
    _check(network >= 0, "network_s", "must be >= 0 s", regions, "region", network)
    compute = _array(compute_s, "compute_s", (n_r, n_s), regions, "region",
                     also=((n_s,), lambda a: np.broadcast_to(a, (n_r, n_s))))
    _check(compute >= 0, "compute_s", "must be >= 0 s", regions, "region", compute)
    budget = _array(budget_s, "budget_s", (n_r,), regions, "region")
    _check(budget > 0, "budget_s", "must be > 0 s", regions, "region", budget)
    rpa = _array(requests_per_accelerator_s, "requests_per_accelerator_s", (n_s,), sites, "site")
    _check(rpa > 0, "requests_per_accelerator_s", "must be > 0 requests/s", sites, "site", rpa)
    apr = _array(accelerators_per_replica, "accelerators_per_replica", (n_s,), sites, "site")
    _check((apr >= 1) & (apr == np.round(apr)), "accelerators_per_replica",
           "must be a whole number >= 1", sites, "site", apr)
    avail = _array(available, "available", (n_s,), sites, "site")
    _check((avail >= 0) & (avail == np.round(avail)), "available",
           "must be a whole number >= 0 of accelerators", sites, "site", avail)
    power = (np.full(n_s, np.inf) if power_w is None
             else _array(power_w, "power_w", (n_s,), sites, "site", finite=False))
    _check(~np.isnan(power) & (power >= 0), "power_w", "must be >= 0 W", sites, "site", power)
    if facility_w_per_accelerator is None:
        if np.isfinite(power).any():
            raise ValidationError("a power headroom needs the facility power of an accelerator "
                                  "(IT x PUE)", field="facility_w_per_accelerator")
        per_acc = np.zeros(n_s)
    else:
        per_acc = _array(facility_w_per_accelerator, "facility_w_per_accelerator", (n_s,),
                         sites, "site")
        _check(per_acc > 0, "facility_w_per_accelerator", "must be > 0 W", sites, "site", per_acc)
    cost = None
    if cost_per_accelerator_hour is not None:
        cost = _array(cost_per_accelerator_hour, "cost_per_accelerator_hour", (n_s,), sites,
                      "site")
        _check(cost >= 0, "cost_per_accelerator_hour", "must be >= 0", sites, "site", cost)
    sizes = []
    for name, value in (("request_bytes", request_bytes), ("response_bytes", response_bytes),
                        ("kv_bytes", kv_bytes)):
        size = float(value)
        if not math.isfinite(size) or size < 0:
            raise ValidationError(f"must be a finite number >= 0 of bytes, got {value!r}",
                                  field=name)
        sizes.append(size)
    return ReplicaProblem(
        sites, regions, freeze(demand), freeze(network), freeze(compute), freeze(budget),
        freeze(rpa), freeze(apr.astype(np.int64)), freeze(avail.astype(np.int64)),
        freeze(power), freeze(per_acc), None if cost is None else freeze(cost), *sizes)


@dataclass(frozen=True, eq=False)
class ReplicaPlacement(FrozenState):
    """Where the replicas go (the result of :func:`place_replicas` and
    :func:`greedy_replicas`).

    Attributes
    ----------
    sites, replicas
        Site → accelerators and site → replicas, for the sites that host replicas.
    regions
        Region → ``site`` (primary), ``backup`` (N+1, else None), ``demand_rps``,
        ``network_ms``, ``compute_ms``, ``ttft_ms`` (their sum), ``budget_ms``, ``slack_ms``
        (budget − TTFT), ``backup_ttft_ms``.
    total_accelerators, cost_per_hour
        The objective's figures (cost None when the problem has no costs).
    wan_gbps
        Site → the WAN capacity it needs, Gb/s per direction: the larger of what it receives
        (requests, and KV caches when disaggregated) and what it sends (responses), in the worst
        case of a single site's loss under N+1. ``wan`` gives the parts.
    reserve
        Under N+1, site → ``rps`` (the failover reserve it holds, requests/s) and ``for`` (the
        site whose loss needs it).
    load_rps, capacity_rps
        Site → primary load and what its replicas carry, requests/s.
    binding
        What limits the placement: a site's capacity or power, the N+1 reserve, a region's SLO
        that forces a site open, or the demand itself.
    status, gap, solve_s
        The solver's status, the relative optimality gap proven (0 optimal; None for the greedy
        baseline) and the wall time, s.
    """

    sites: FrozenDict
    replicas: FrozenDict
    regions: FrozenDict
    total_accelerators: int
    cost_per_hour: float | None
    wan_gbps: FrozenDict
    wan: FrozenDict
    reserve: FrozenDict
    load_rps: FrozenDict
    capacity_rps: FrozenDict
    binding: Binding
    survive_site_loss: bool
    objective: str
    method: str
    status: str
    gap: float | None
    solve_s: float
    size: FrozenDict

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_accelerators": self.total_accelerators,
            "cost_per_hour": self.cost_per_hour,
            "total_wan_gbps": float(sum(self.wan_gbps.values())),
            "survive_site_loss": self.survive_site_loss,
            "objective": self.objective,
            "method": self.method,
            "status": self.status,
            "gap": self.gap,
            "solve_s": self.solve_s,
            "binding": self.binding.to_dict(),
            "sites": plain(self.sites),
            "replicas": plain(self.replicas),
            "regions": plain(self.regions),
            "wan_gbps": plain(self.wan_gbps),
            "wan": plain(self.wan),
            "reserve": plain(self.reserve),
            "load_rps": plain(self.load_rps),
            "capacity_rps": plain(self.capacity_rps),
            "size": plain(self.size),
        }


# --------------------------------------------------------------------------------------------
# The MILP


def place_replicas(
    problem: ReplicaProblem,
    *,
    survive_site_loss: bool = False,
    objective: str = "accelerators",
    formulation: str = "joint",
    candidates: int | None = None,
    mip_gap: float = 1e-4,
    time_limit_s: float | None = None,
) -> ReplicaPlacement:
    """Place replicas at the fewest accelerators (or lowest cost) meeting every region's SLO.

    Solved as a MILP with HiGHS (``scipy.optimize.milp``); see the module's documentation for
    the model.

    Parameters
    ----------
    problem
        The instance (:func:`replica_problem`).
    survive_site_loss
        N+1: every region also gets a distinct backup site within its budget, and the sites
        carry the load of any single site's loss.
    objective
        ``"accelerators"`` or ``"cost"`` (per hour; needs the problem's costs).
    formulation
        How the N+1 reserve is tied to the assignments: ``"joint"`` (primary-backup pairs as a
        transportation polytope, tight) or ``"linearised"`` (``z >= x + y - 1``, for
        comparison).
    candidates
        Consider as each region's primary or backup only the `candidates` sites within its
        budget that cost the least per request/s (:func:`candidate_sites`; None: every site
        within budget). A restriction for speed on large instances: the optimum and the gap are
        then those of the restricted problem (:func:`relaxation_bound` bounds the whole one).
        When the restricted problem is infeasible, the candidates double until it is not or
        all are in (``size["candidates"]`` says how many were used).
    mip_gap
        Relative optimality gap at which HiGHS stops (1e-4: optimal for any count of
        accelerators below 10,000).
    time_limit_s
        Wall time HiGHS may take, s (None: no limit); the best placement found is returned with
        its gap.

    Raises
    ------
    InfeasibleError
        Naming what cannot be met: a region with no site (or, under N+1, no second site) within
        its budget, a region larger than any site it may use, demand over the sites' capacity.
    ValidationError
        For an unknown objective or formulation.

    Examples
    --------
    >>> p = replica_problem(["a", "b"], ["x"], demand_rps=[5.0], network_s=[[0.01, 0.02]],
    ...                     compute_s=0.1, budget_s=0.5, requests_per_accelerator_s=[1.0, 2.5],
    ...                     available=16)
    >>> plan = place_replicas(p)
    >>> plan.sites, plan.regions["x"]["ttft_ms"], plan.binding.kind
    (FrozenDict({'b': 2}), 120.0, 'demand')
    >>> p = replica_problem(["a", "b"], ["x"], demand_rps=[5.0], network_s=[[0.01, 0.6]],
    ...                     compute_s=0.1, budget_s=0.5, requests_per_accelerator_s=1.0,
    ...                     available=16)
    >>> place_replicas(p, survive_site_loss=True)
    Traceback (most recent call last):
    ...
    infranet.errors.InfeasibleError: region 'x': only site 'a' within 500 ms TTFT, N+1 needs a \
second (next 'b' needs 700 ms)
    """
    watch = Stopwatch()
    _check_choice(objective, OBJECTIVES, "objective")
    _check_choice(formulation, FORMULATIONS, "formulation")
    if objective == "cost" and problem.cost_per_accelerator_hour is None:
        raise ValidationError("objective 'cost' needs the sites' cost per accelerator-hour",
                              field="cost_per_accelerator_hour")
    if not 0 <= mip_gap < 1:
        raise ValidationError(f"must be in [0, 1), got {mip_gap!r}", field="mip_gap")
    if problem.n_regions == 0:
        return _empty(problem, survive_site_loss, objective, watch)
    diagnose(problem, survive_site_loss=survive_site_loss)
    if candidates is not None and candidates < (2 if survive_site_loss else 1):
        raise ValidationError(f"must be at least {2 if survive_site_loss else 1} sites per "
                              f"region, got {candidates!r}", field="candidates")
    while True:
        model = _Model(problem, survive_site_loss, objective, formulation, candidates)
        try:
            n, primary, backup, status, gap = model.solve(mip_gap, time_limit_s)
            break
        except InfeasibleError:
            if candidates is None or candidates >= problem.n_sites:
                raise
            log.info("no placement within %d candidate sites per region; trying %d",
                     candidates, 2 * candidates)
            candidates *= 2  # the restriction, not the problem, may be infeasible
    primary, backup = _closer(problem, n, primary, backup, model.usable)
    return _result(problem, n, primary, backup, survive_site_loss=survive_site_loss,
                   objective=objective, method=f"milp ({formulation})", status=status, gap=gap,
                   solve_s=watch(), size=model.size)


def diagnose(problem: ReplicaProblem, *, survive_site_loss: bool = False) -> None:
    """Raise the :class:`InfeasibleError` of the first thing that cannot be met, if one of the
    simple necessary conditions fails (a region with no site, or no second site, within its
    budget; a region larger than any site it may use; demand over what the sites can carry);
    return None otherwise (the MILP may still find the whole infeasible).

    Examples
    --------
    >>> p = replica_problem(["a", "b"], ["x"], demand_rps=[5.0], network_s=[[0.4, 0.41]],
    ...                     compute_s=0.112, budget_s=0.45, requests_per_accelerator_s=1.0,
    ...                     available=16)
    >>> diagnose(p)
    Traceback (most recent call last):
    ...
    infranet.errors.InfeasibleError: region 'x': no site within 450 ms TTFT (nearest 'a' needs \
512 ms)
    """
    ttft = problem.ttft_s
    within = problem.within
    need = 2 if survive_site_loss else 1
    cap_rps = problem.max_replicas * problem.replica_rps
    for r, name in enumerate(problem.region_names):
        order = np.argsort(ttft[r], kind="stable")
        count = int(within[r].sum())
        budget = _ms(problem.budget_s[r])
        if count == 0:
            s = order[0] if problem.n_sites else None
            nearest = ("" if s is None else
                       f" (nearest '{problem.site_names[s]}' needs {_ms(ttft[r, s])} ms)")
            raise InfeasibleError(f"no site within {budget} ms TTFT{nearest}",
                                  element=f"region '{name}'")
        if count < need:
            only, nxt = order[0], order[1] if problem.n_sites > 1 else None
            after = ("" if nxt is None else
                     f" (next '{problem.site_names[nxt]}' needs {_ms(ttft[r, nxt])} ms)")
            raise InfeasibleError(f"only site '{problem.site_names[only]}' within {budget} ms "
                                  f"TTFT, N+1 needs a second{after}", element=f"region '{name}'")
        d = problem.demand_rps[r]
        usable = np.where(within[r], cap_rps, 0.0)
        if need == 2:  # the primary and the backup each carry the region alone
            usable = np.sort(usable)[::-1][:2]
            best = usable[1]
        else:
            best = usable.max()
        if d > best * (1 + _LOAD_RTOL):
            which = "a second site" if need == 2 else "any site"
            raise InfeasibleError(f"{_rps(d)} requests/s exceed what {which} within {budget} ms "
                                  f"TTFT can carry (at most {_rps(best)} requests/s)",
                                  element=f"region '{name}'")
    total = float(problem.demand_rps.sum())
    usable_rps = float(np.where(within.any(axis=0), cap_rps, 0.0).sum())
    if total > usable_rps * (1 + _LOAD_RTOL):
        replicas = counted(int(problem.max_replicas.sum()), "replica")
        raise InfeasibleError(f"the demand of {_rps(total)} requests/s exceeds what the sites "
                              f"within the regions' budgets can carry ({_rps(usable_rps)} "
                              f"requests/s from {replicas})")
    if survive_site_loss:
        per_site = np.where(within.any(axis=0), cap_rps, 0.0)
        f = int(np.argmax(per_site))
        left = usable_rps - per_site[f]
        if total > left * (1 + _LOAD_RTOL):
            raise InfeasibleError(f"N+1: losing site '{problem.site_names[f]}' leaves "
                                  f"{_rps(left)} requests/s for a demand of {_rps(total)}")


def candidate_sites(problem: ReplicaProblem, candidates: int | None = None, *,
                    objective: str = "accelerators") -> np.ndarray:
    """Which sites may serve which region, (R, S) bool: every site within the region's budget
    that can carry the region alone, or only the `candidates` of them that cost the least per
    request/s (accelerators, or cost per hour, per request/s: what the objective counts), ties
    to the lower TTFT.

    Examples
    --------
    >>> p = replica_problem(["a", "b", "c"], ["x"], demand_rps=[1.0],
    ...                     network_s=[[0.03, 0.01, 0.02]], compute_s=0.1, budget_s=0.125,
    ...                     requests_per_accelerator_s=[1.0, 1.0, 2.0], available=4)
    >>> candidate_sites(p).tolist(), candidate_sites(p, 1).tolist()
    ([[False, True, True]], [[False, False, True]])
    """
    # a site that cannot carry the region alone never serves it (single-sourced): exact
    within = problem.within & (problem.max_replicas * problem.replica_rps
                               >= problem.demand_rps[:, None] * (1 - _LOAD_RTOL))
    if candidates is None or candidates >= problem.n_sites:
        return within
    if candidates < 1:
        raise ValidationError(f"must be >= 1 site per region, got {candidates!r}",
                              field="candidates")
    per_rps = 1.0 / problem.requests_per_accelerator_s
    if objective == "cost" and problem.cost_per_accelerator_hour is not None:
        per_rps = per_rps * problem.cost_per_accelerator_hour
    order = np.lexsort((problem.ttft_s, np.broadcast_to(per_rps, within.shape),
                        ~within), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(problem.n_sites)[None, :].repeat(
        problem.n_regions, axis=0), axis=1)
    return within & (rank < candidates)


def relaxation_bound(problem: ReplicaProblem, *, survive_site_loss: bool = False,
                     objective: str = "accelerators") -> float:
    """A lower bound on the accelerators (or cost per hour) of any placement: the optimum of
    the MILP's linear relaxation over every site within budget (no `candidates` restriction),
    rounded up to a whole step of the objective when it counts accelerators.

    Examples
    --------
    >>> p = replica_problem(["a", "b"], ["x"], demand_rps=[5.0], network_s=[[0.01, 0.02]],
    ...                     compute_s=0.1, budget_s=0.5, requests_per_accelerator_s=2.0,
    ...                     available=16)
    >>> relaxation_bound(p), place_replicas(p).total_accelerators
    (3.0, 3)
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    _check_choice(objective, OBJECTIVES, "objective")
    if problem.n_regions == 0:
        return 0.0
    model = _Model(problem, survive_site_loss, objective, "joint")
    res = milp(model.c, bounds=Bounds(model.var_lo, model.var_hi),
               constraints=LinearConstraint(model.a, model.lo, model.hi),
               options={"disp": False})
    if res.x is None:
        raise InfeasibleError("no fractional placement meets every region's TTFT budget within "
                              "the sites' capacity and power")
    bound = float(res.fun)
    if objective == "accelerators":
        step = float(np.gcd.reduce(problem.accelerators_per_replica))
        bound = math.ceil(bound / step - 1e-6) * step
    return bound


class _Model:
    """The MILP's variables and rows, built in bulk (define variables → constraints → solve)."""

    def __init__(self, problem: ReplicaProblem, n1: bool, objective: str,
                 formulation: str, candidates: int | None = None) -> None:
        import scipy.sparse as sp

        self.p = problem
        self.n1 = n1
        S, d = problem.n_sites, problem.demand_rps
        q = problem.replica_rps
        apr = problem.accelerators_per_replica
        # variables: n[S] | x[P] | (N+1) y[P] | w or z[T] | R[S]
        self.usable = usable = candidate_sites(problem, candidates, objective=objective)
        rr, ss = np.nonzero(usable)
        P = len(rr)
        self.rr, self.ss = rr, ss
        self.o_x = S
        blocks_lo = [np.zeros(S), np.zeros(P)]
        blocks_hi = [problem.max_replicas.astype(float), np.ones(P)]
        integ = [np.ones(S), np.ones(P)]
        rows: list[Any] = []
        lo: list[np.ndarray] = []
        hi: list[np.ndarray] = []

        def add(a: Any, lower: np.ndarray, upper: np.ndarray) -> None:
            rows.append(a.tocsr() if hasattr(a, "tocsr") else a)
            lo.append(lower)
            hi.append(upper)

        # each region has one primary
        nv = S + P
        # minimum replicas a site needs to carry a region alone (valid inequality)
        alone = np.ceil(d[rr] / q[ss] * (1 - _LOAD_RTOL))
        if n1:
            self.o_y = nv
            nv += P
            blocks_lo.append(np.zeros(P))
            blocks_hi.append(np.ones(P))
            integ.append(np.ones(P))
            # triples (r, f, s): both pairs within budget, f != s
            pair_of = np.full(problem.within.shape, -1, dtype=np.int64)
            pair_of[rr, ss] = np.arange(P)
            starts = np.searchsorted(rr, np.arange(problem.n_regions))
            counts = np.bincount(rr, minlength=problem.n_regions)
            tf, ts = [], []
            for r in range(problem.n_regions):
                idx = np.arange(starts[r], starts[r] + counts[r])
                a, b = np.meshgrid(idx, idx, indexing="ij")
                keep = a != b
                tf.append(a[keep])
                ts.append(b[keep])
            t_f = np.concatenate(tf)  # pair index of (r, f)
            t_s = np.concatenate(ts)  # pair index of (r, s)
            T = len(t_f)
            self.o_t = nv
            nv += T
            blocks_lo.append(np.zeros(T))
            blocks_hi.append(np.ones(T))
            integ.append(np.zeros(T))
            self.o_r = nv
            nv += S
            blocks_lo.append(np.zeros(S))
            blocks_hi.append(np.full(S, np.inf))
            integ.append(np.zeros(S))
        self.nv = nv

        def mat(r: np.ndarray, c: np.ndarray, v: np.ndarray | float, m: int) -> Any:
            v = np.broadcast_to(np.asarray(v, float), r.shape)
            return sp.csr_matrix((v, (r, c)), shape=(m, nv))

        R_ = problem.n_regions
        add(mat(rr, self.o_x + np.arange(P), 1.0, R_), np.ones(R_), np.ones(R_))
        # capacity: q n - sum d x - R >= 0
        cap_r = np.concatenate([np.arange(S), ss])
        cap_c = np.concatenate([np.arange(S), self.o_x + np.arange(P)])
        cap_v = np.concatenate([q, -d[rr]])
        if n1:
            cap_r = np.concatenate([cap_r, np.arange(S)])
            cap_c = np.concatenate([cap_c, self.o_r + np.arange(S)])
            cap_v = np.concatenate([cap_v, -np.ones(S)])
        add(mat(cap_r, cap_c, cap_v, S), np.zeros(S), np.full(S, np.inf))
        # n_s >= alone * x[r, s]
        ar = np.arange(P)
        add(mat(np.concatenate([ar, ar]), np.concatenate([ss, self.o_x + ar]),
                np.concatenate([np.ones(P), -alone]), P), np.zeros(P), np.full(P, np.inf))
        if n1:
            add(mat(np.concatenate([ar, ar]), np.concatenate([ss, self.o_y + ar]),
                    np.concatenate([np.ones(P), -alone]), P), np.zeros(P), np.full(P, np.inf))
            # R[s] >= d_r y[r, s]: whichever site r's primary is, its loss sends r to s (valid;
            # the relaxation otherwise spreads a backup over many primaries and reserves little)
            add(mat(np.concatenate([ar, ar]), np.concatenate([self.o_r + ss, self.o_y + ar]),
                    np.concatenate([np.ones(P), -d[rr]]), P), np.zeros(P), np.full(P, np.inf))
            tt = np.arange(T)
            r_of_t = rr[t_f]
            f_site, s_site = ss[t_f], ss[t_s]
            if formulation == "joint":
                # x[r, f] - sum_s w[r, f, s] = 0 ; y[r, s] - sum_f w[r, f, s] = 0
                add(mat(np.concatenate([ar, t_f]), np.concatenate([self.o_x + ar, self.o_t + tt]),
                        np.concatenate([np.ones(P), -np.ones(T)]), P), np.zeros(P), np.zeros(P))
                add(mat(np.concatenate([ar, t_s]), np.concatenate([self.o_y + ar, self.o_t + tt]),
                        np.concatenate([np.ones(P), -np.ones(T)]), P), np.zeros(P), np.zeros(P))
            else:
                # one backup per region, distinct from the primary; z >= x + y - 1
                add(mat(rr, self.o_y + ar, 1.0, R_), np.ones(R_), np.ones(R_))
                add(mat(np.concatenate([ar, ar]), np.concatenate([self.o_x + ar, self.o_y + ar]),
                        1.0, P), np.full(P, -np.inf), np.ones(P))
                add(mat(np.concatenate([tt, tt, tt]),
                        np.concatenate([self.o_t + tt, self.o_x + t_f, self.o_y + t_s]),
                        np.concatenate([np.ones(T), -np.ones(T), -np.ones(T)]), T),
                    np.full(T, -1.0), np.full(T, np.inf))
            # R[s] - sum_r d_r w[r, f, s] >= 0 for each (f, s) sharing a region
            key = f_site * S + s_site
            uniq, row_of_t = np.unique(key, return_inverse=True)
            K = len(uniq)
            kk = np.arange(K)
            add(mat(np.concatenate([kk, row_of_t]),
                    np.concatenate([self.o_r + uniq % S, self.o_t + tt]),
                    np.concatenate([np.ones(K), -d[r_of_t]]), K), np.zeros(K), np.full(K, np.inf))
            self.t_f, self.t_s, self.T, self.K = t_f, t_s, T, K
        weight = (apr.astype(float) if objective == "accelerators"
                  else apr * np.asarray(problem.cost_per_accelerator_hour))
        self.c = np.zeros(nv)
        self.c[:S] = weight
        self.a = sp.vstack(rows, format="csr")
        self.lo = np.concatenate(lo)
        self.hi = np.concatenate(hi)
        self.var_lo = np.concatenate(blocks_lo)
        self.var_hi = np.concatenate(blocks_hi)
        self.integrality = np.concatenate(integ).astype(np.int8)
        self.size = FrozenDict(
            variables=int(nv), integers=int(self.integrality.sum()),
            constraints=int(self.a.shape[0]), nonzeros=int(self.a.nnz), pairs=int(P),
            triples=int(self.T) if n1 else 0, site_pairs=int(self.K) if n1 else 0,
            candidates=candidates)

    def solve(self, mip_gap: float, time_limit_s: float | None,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str, float]:
        from scipy.optimize import Bounds, LinearConstraint, milp

        options: dict[str, Any] = {"disp": False, "mip_rel_gap": float(mip_gap)}
        if time_limit_s is not None:
            options["time_limit"] = float(time_limit_s)
        res = milp(self.c, integrality=self.integrality, bounds=Bounds(self.var_lo, self.var_hi),
                   constraints=LinearConstraint(self.a, self.lo, self.hi), options=options)
        if res.x is None:
            if res.status == 2:
                raise InfeasibleError(
                    "no placement meets every region's TTFT budget within the sites' capacity "
                    "and power" + (" with a backup for each region (N+1)" if self.n1 else ""))
            raise InfranetError(f"HiGHS found no placement: {res.message}")
        x = res.x
        p = self.p
        n = np.round(x[:p.n_sites]).astype(np.int64)
        primary = np.full(p.n_regions, -1, dtype=np.int64)
        pick = x[self.o_x:self.o_x + len(self.rr)] > 0.5
        primary[self.rr[pick]] = self.ss[pick]
        backup = None
        if self.n1:
            backup = np.full(p.n_regions, -1, dtype=np.int64)
            pick = x[self.o_y:self.o_y + len(self.rr)] > 0.5
            backup[self.rr[pick]] = self.ss[pick]
        gap = float(res.mip_gap) if res.mip_gap is not None else float("nan")
        status = "optimal" if res.status == 0 else "time limit"
        return n, primary, backup, status, max(gap, 0.0)


def _closer(problem: ReplicaProblem, n: np.ndarray, primary: np.ndarray,
            backup: np.ndarray | None, usable: np.ndarray,
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """Move regions, largest first, to the lowest-TTFT site that can take them with the
    replicas as they are (primary, then backup), while any move helps."""
    S, d, ttft = problem.n_sites, problem.demand_rps, problem.ttft_s
    cap = n * problem.replica_rps * (1 + _LOAD_RTOL)
    primary = primary.copy()
    backup = None if backup is None else backup.copy()
    load = np.bincount(primary, weights=d, minlength=S)
    fail = np.zeros((S, S))
    if backup is not None:
        np.add.at(fail, (primary, backup), d)
    order = np.argsort(-d, kind="stable")
    for _ in range(3):
        moved = False
        for r in order:
            p = int(primary[r])
            b = None if backup is None else int(backup[r])
            closer = np.flatnonzero(usable[r] & (n > 0) & (ttft[r] < ttft[r, p]))
            for s in closer[np.argsort(ttft[r, closer], kind="stable")].tolist():
                if s == b:
                    continue
                new_load = load.copy()
                new_load[p] -= d[r]
                new_load[s] += d[r]
                new_fail = fail
                if b is not None:
                    new_fail = fail.copy()
                    new_fail[p, b] -= d[r]
                    new_fail[s, b] += d[r]
                need = new_load + (new_fail.max(axis=0) if b is not None else 0.0)
                if np.all(need <= cap):
                    primary[r], load, fail, moved = s, new_load, new_fail, True
                    break  # the closest that fits
            if backup is None or b is None:
                continue
            p = int(primary[r])
            closer = np.flatnonzero(usable[r] & (n > 0) & (ttft[r] < ttft[r, b]))
            for s in closer[np.argsort(ttft[r, closer], kind="stable")].tolist():
                if s == p:
                    continue
                new_fail = fail.copy()
                new_fail[p, b] -= d[r]
                new_fail[p, s] += d[r]
                if np.all(load + new_fail.max(axis=0) <= cap):
                    backup[r], fail, moved = s, new_fail, True
                    break
        if not moved:
            break
    return primary, backup


# --------------------------------------------------------------------------------------------
# The greedy baseline


def greedy_replicas(problem: ReplicaProblem, *, survive_site_loss: bool = False,
                    ) -> ReplicaPlacement:
    """Place replicas greedily: a baseline for :func:`place_replicas`.

    Opens sites one at a time, each time the one within budget of the most demand of regions
    still short of open sites (one, or two under N+1), ties to the larger site; then serves
    each region, largest first, from its nearest open site (lowest TTFT) with room, backup
    from the next, and sizes each site for its primary load plus its largest failover load.
    When a region finds no room, the next site is opened and the assignment starts again.

    Raises
    ------
    InfeasibleError
        As :func:`place_replicas`, or when the greedy runs out of sites to open.

    Examples
    --------
    >>> p = replica_problem(["a", "b"], ["x", "y"], demand_rps=[5.0, 3.0],
    ...                     network_s=[[0.01, 0.02], [0.02, 0.01]], compute_s=0.1,
    ...                     budget_s=0.5, requests_per_accelerator_s=1.0, available=16)
    >>> g = greedy_replicas(p, survive_site_loss=True)
    >>> g.total_accelerators, check_placement(p, g)
    (16, ())
    """
    watch = Stopwatch()
    if problem.n_regions == 0:
        return _empty(problem, survive_site_loss, "accelerators", watch)
    diagnose(problem, survive_site_loss=survive_site_loss)
    need = 2 if survive_site_loss else 1
    within, d = problem.within, problem.demand_rps
    cap = problem.max_replicas * problem.replica_rps
    open_ = np.zeros(problem.n_sites, bool)
    while True:
        short = within[:, open_].sum(axis=1) < need
        if not short.any():
            attempt = _greedy_assign(problem, open_, survive_site_loss)
            if attempt is not None:
                n, primary, backup = attempt
                return _result(problem, n, primary, backup, survive_site_loss=survive_site_loss,
                               objective="accelerators", method="greedy", status="feasible",
                               gap=None, solve_s=watch(), size=FrozenDict())
            short = np.ones(problem.n_regions, bool)  # no room: open one more for anyone
        gain = (within & short[:, None]).T @ d
        gain = np.where(open_ | (cap <= 0), -1.0, gain)
        if gain.max() <= 0:
            raise InfeasibleError("the greedy placement ran out of sites to open")
        best = np.flatnonzero(gain == gain.max())
        open_[best[np.argmax(cap[best])]] = True


def _greedy_assign(problem: ReplicaProblem, open_: np.ndarray, n1: bool,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    within, ttft, d = problem.within, problem.ttft_s, problem.demand_rps
    q, nmax = problem.replica_rps, problem.max_replicas
    S = problem.n_sites
    load = np.zeros(S)
    fail = np.zeros((S, S))  # fail[f, s]: load s takes over when f fails
    primary = np.full(problem.n_regions, -1, dtype=np.int64)
    backup = np.full(problem.n_regions, -1, dtype=np.int64) if n1 else None

    def fits(s: int, extra_load: float, f: int | None, extra_fail: float) -> bool:
        new_fail = fail[:, s].copy()
        if f is not None:
            new_fail[f] += extra_fail
        need = load[s] + extra_load + (new_fail.max() if n1 else 0.0)
        return bool(math.ceil(need / q[s] * (1 - _LOAD_RTOL)) <= nmax[s])

    for r in np.argsort(-d, kind="stable"):
        cand = [int(s) for s in np.argsort(ttft[r], kind="stable") if open_[s] and within[r, s]]
        chosen = next((s for s in cand if fits(s, d[r], None, 0.0)), None)
        if chosen is None:
            return None
        primary[r] = chosen
        load[chosen] += d[r]
        if backup is not None:
            b = next((s for s in cand if s != chosen and fits(s, 0.0, chosen, d[r])), None)
            if b is None:
                return None
            backup[r] = b
            fail[chosen, b] += d[r]
    need = load + (fail.max(axis=0) if n1 else 0.0)
    n = np.ceil(need / q * (1 - _LOAD_RTOL)).astype(np.int64)
    return n, primary, backup


# --------------------------------------------------------------------------------------------
# The independent checker


def check_placement(problem: ReplicaProblem, placement: ReplicaPlacement) -> tuple[str, ...]:
    """Re-verify a placement from its names and counts alone; return what it breaks (empty
    when nothing).

    Checks, with plain loops over the problem's numbers (none of the solver's arrays): each
    site's replicas within its accelerators and its power; every region served by a site that
    hosts replicas, within its budget; every site's primary load within what its replicas
    carry; and, when the placement survives a site's loss, for each site removed in turn, that
    every region it served has a distinct backup within budget and that the backups carry
    their own load plus what they take over.

    Examples
    --------
    >>> p = replica_problem(["a", "b"], ["x"], demand_rps=[5.0], network_s=[[0.01, 0.02]],
    ...                     compute_s=0.1, budget_s=0.5, requests_per_accelerator_s=1.0,
    ...                     available=16)
    >>> check_placement(p, place_replicas(p))
    ()
    """
    problems: list[str] = []
    site_index = {name: i for i, name in enumerate(problem.site_names)}
    replicas = [0] * problem.n_sites
    for name, count in placement.replicas.items():
        if name not in site_index:
            problems.append(f"site '{name}' is not a candidate")
            continue
        replicas[site_index[name]] = int(count)
    for s, name in enumerate(problem.site_names):
        accelerators = replicas[s] * int(problem.accelerators_per_replica[s])
        if replicas[s] < 0:
            problems.append(f"site '{name}': {replicas[s]} replicas")
        if accelerators > int(problem.available[s]):
            problems.append(f"site '{name}': {accelerators} accelerators over the "
                            f"{int(problem.available[s])} available")
        watts = accelerators * float(problem.facility_w_per_accelerator[s])
        if watts > float(problem.power_w[s]) * (1 + 1e-9):
            problems.append(f"site '{name}': {watts:.0f} W over its {problem.power_w[s]:.0f} W")
        if placement.sites.get(name, 0) != accelerators:
            problems.append(f"site '{name}': reports {placement.sites.get(name, 0)} "
                            f"accelerators for {replicas[s]} replicas")

    def carries(s: int) -> float:
        return replicas[s] * float(problem.accelerators_per_replica[s]) * \
            float(problem.requests_per_accelerator_s[s])

    def ok_slo(r: int, s: int) -> bool:
        ttft = float(problem.network_s[r, s]) + float(problem.compute_s[r, s])
        return ttft <= float(problem.budget_s[r]) + _SLO_TOL_S

    primary: dict[int, int] = {}
    backup: dict[int, int] = {}
    for r, name in enumerate(problem.region_names):
        entry = placement.regions.get(name)
        if entry is None:
            problems.append(f"region '{name}' is not served")
            continue
        at = site_index.get(entry["site"])
        if at is None:
            problems.append(f"region '{name}': served by unknown site {entry['site']!r}")
            continue
        primary[r] = at
        if not ok_slo(r, at):
            problems.append(f"region '{name}': site '{entry['site']}' is beyond its budget")
        if placement.survive_site_loss:
            b = site_index.get(str(entry.get("backup")))
            if b is None or b == at:
                problems.append(f"region '{name}': no distinct backup site")
                continue
            backup[r] = b
            if not ok_slo(r, b):
                problems.append(f"region '{name}': backup '{entry['backup']}' is beyond its "
                                "budget")
    loads = [0.0] * problem.n_sites
    for r, s in primary.items():
        loads[s] += float(problem.demand_rps[r])
    for s, name in enumerate(problem.site_names):
        if loads[s] > carries(s) * (1 + _LOAD_RTOL) + 1e-9:
            problems.append(f"site '{name}': load {loads[s]:g} requests/s over the "
                            f"{carries(s):g} its replicas carry")
    if placement.survive_site_loss:
        for f, failed in enumerate(problem.site_names):
            after = [0.0 if s == f else loads[s] for s in range(problem.n_sites)]
            for r, s in primary.items():
                if s == f:
                    b = backup.get(r)
                    if b is None or b == f:
                        problems.append(f"without site '{failed}': region "
                                        f"'{problem.region_names[r]}' has no other site")
                        continue
                    after[b] += float(problem.demand_rps[r])
            for s, name in enumerate(problem.site_names):
                if s != f and after[s] > carries(s) * (1 + _LOAD_RTOL) + 1e-9:
                    problems.append(f"without site '{failed}': site '{name}' must carry "
                                    f"{after[s]:g} requests/s, its replicas {carries(s):g}")
    return tuple(problems)


# --------------------------------------------------------------------------------------------
# Results


def _result(problem: ReplicaProblem, n: np.ndarray, primary: np.ndarray,
            backup: np.ndarray | None, *, survive_site_loss: bool, objective: str, method: str,
            status: str, gap: float | None, solve_s: float, size: FrozenDict) -> ReplicaPlacement:
    S = problem.n_sites
    names = problem.site_names
    d = problem.demand_rps
    apr = problem.accelerators_per_replica
    accelerators = n * apr
    load = np.bincount(primary, weights=d, minlength=S)
    fail = np.zeros((S, S))
    if backup is not None:
        np.add.at(fail, (primary, backup), d)
    worst_f = fail.argmax(axis=0)
    reserve_rps = fail.max(axis=0)
    capacity = n * problem.replica_rps
    hosting = [s for s in range(S) if n[s] > 0]
    regions = {}
    for r, name in enumerate(problem.region_names):
        s = int(primary[r])
        entry = {
            "site": names[s],
            "backup": None if backup is None else names[int(backup[r])],
            "demand_rps": float(d[r]),
            "network_ms": _ms_f(problem.network_s[r, s]),
            "compute_ms": _ms_f(problem.compute_s[r, s]),
            "ttft_ms": _ms_f(problem.ttft_s[r, s]),
            "budget_ms": _ms_f(problem.budget_s[r]),
            "slack_ms": _ms_f(problem.budget_s[r] - problem.ttft_s[r, s]),
            "backup_ttft_ms": (None if backup is None
                               else _ms_f(problem.ttft_s[r, int(backup[r])])),
        }
        regions[name] = entry
    # WAN per site, Gb/s: requests (and KV caches) in, responses out; under N+1 the worst loss
    to_gbps = 8.0 / 1e9
    wan, wan_gbps = {}, {}
    for s in hosting:
        peak = load[s] + reserve_rps[s]
        parts = {
            "requests_gbps": load[s] * problem.request_bytes * to_gbps,
            "responses_gbps": load[s] * problem.response_bytes * to_gbps,
            "kv_gbps": load[s] * problem.kv_bytes * to_gbps,
            "in_gbps": load[s] * (problem.request_bytes + problem.kv_bytes) * to_gbps,
            "out_gbps": load[s] * problem.response_bytes * to_gbps,
            "failover_in_gbps": peak * (problem.request_bytes + problem.kv_bytes) * to_gbps,
            "failover_out_gbps": peak * problem.response_bytes * to_gbps,
        }
        wan[names[s]] = {k: float(v) for k, v in parts.items()}
        wan_gbps[names[s]] = float(max(parts["failover_in_gbps"], parts["failover_out_gbps"]))
    reserve = {}
    if backup is not None:
        for s in hosting:
            if reserve_rps[s] > 0:
                reserve[names[s]] = {"rps": float(reserve_rps[s]), "for": names[int(worst_f[s])]}
    cost = None
    if problem.cost_per_accelerator_hour is not None:
        cost = float((accelerators * problem.cost_per_accelerator_hour).sum())
    binding = _binding(problem, n, primary, load, reserve_rps, worst_f, survive_site_loss)
    return ReplicaPlacement(
        sites=freeze({names[s]: int(accelerators[s]) for s in hosting}),
        replicas=freeze({names[s]: int(n[s]) for s in hosting}),
        regions=freeze(regions),
        total_accelerators=int(accelerators.sum()),
        cost_per_hour=cost,
        wan_gbps=freeze(wan_gbps),
        wan=freeze(wan),
        reserve=freeze(reserve),
        load_rps=freeze({names[s]: float(load[s]) for s in hosting}),
        capacity_rps=freeze({names[s]: float(capacity[s]) for s in hosting}),
        binding=binding, survive_site_loss=survive_site_loss, objective=objective,
        method=method, status=status, gap=gap, solve_s=float(solve_s), size=size)


def _binding(problem: ReplicaProblem, n: np.ndarray, primary: np.ndarray, load: np.ndarray,
             reserve: np.ndarray, worst_f: np.ndarray, n1: bool) -> Binding:
    """What limits a placement, in order: a site full (accelerators or power) that a cheaper
    placement would use more; the N+1 reserve; a region whose budget forces a site open that
    the others would not need; else the demand itself."""
    names = problem.site_names
    apr = problem.accelerators_per_replica
    per_rps = apr / problem.replica_rps  # accelerators per request/s, by site
    hosting = np.flatnonzero(n > 0)
    full: list[int] = [int(i) for i in hosting if n[i] >= problem.max_replicas[i]]
    if full:
        s = min(full, key=lambda i: per_rps[i])
        acc = int(n[s] * apr[s])
        by_power = (problem.facility_w_per_accelerator[s] > 0 and
                    (n[s] + 1) * apr[s] > problem.power_w[s] / problem.facility_w_per_accelerator[s]
                    and (n[s] + 1) * apr[s] <= problem.available[s])
        if by_power:
            return Binding("power", names[s],
                           f"site '{names[s]}' is at its power headroom "
                           f"({problem.power_w[s] / 1e6:.3g} MW for {acc:,} accelerators)")
        return Binding("site", names[s], f"site '{names[s]}' is full "
                       f"({acc:,} of {int(problem.available[s]):,} accelerators)")
    if n1 and reserve.sum() > 0:
        s = int(np.argmax(reserve * per_rps))
        capacity = n[s] * problem.replica_rps[s]
        share = reserve[s] / max(capacity, 1e-300)
        return Binding("site", names[s],
                       f"N+1: site '{names[s]}' holds {share:.0%} of its capacity "
                       f"({_rps(reserve[s])} requests/s) in reserve for the loss of "
                       f"'{names[int(worst_f[s])]}'")
    within = problem.within
    best = int(np.argmin(np.where(problem.max_replicas > 0, per_rps, np.inf)))
    forced = [r for r in range(problem.n_regions)
              if not within[r, best] and primary[r] != best]
    if len(hosting) > 1 and forced:
        r = min(forced, key=lambda i: (within[i].sum(), -problem.demand_rps[i]))
        s = int(primary[r])
        sites = counted(int(within[r].sum()), "site")
        return Binding("slo", problem.region_names[r],
                       f"region '{problem.region_names[r]}' has {sites} within its "
                       f"{_ms(problem.budget_s[r])} ms TTFT; site '{names[s]}' serves it")
    total = float(problem.demand_rps.sum())
    return Binding("demand", None, f"{_rps(total)} requests/s served by "
                   f"{counted(int((n * apr).sum()), 'accelerator')} "
                   f"({counted(len(hosting), 'site')})")


def _empty(problem: ReplicaProblem, n1: bool, objective: str, watch: Stopwatch,
           ) -> ReplicaPlacement:
    empty = FrozenDict()
    return ReplicaPlacement(
        sites=empty, replicas=empty, regions=empty, total_accelerators=0,
        cost_per_hour=0.0 if problem.cost_per_accelerator_hour is not None else None,
        wan_gbps=empty, wan=empty, reserve=empty, load_rps=empty, capacity_rps=empty,
        binding=Binding.nothing("no regions to serve"), survive_site_loss=n1,
        objective=objective, method="none", status="optimal", gap=0.0, solve_s=watch(),
        size=empty)


# --------------------------------------------------------------------------------------------
# Input checks


def _names(values: Sequence[str], field: str, noun: str) -> tuple[str, ...]:
    names = tuple(str(v) for v in values)
    seen: set[str] = set()
    for name in names:
        if not name.strip():
            raise ValidationError(f"a {noun} has a blank name", field=field)
        if name in seen:
            raise ValidationError(f"{noun} '{name}' appears twice", field=field)
        seen.add(name)
    return names


def _array(value: ArrayLike, field: str, shape: tuple[int, ...], names: tuple[str, ...],
           noun: str, *, finite: bool = True, also: tuple[tuple[int, ...], Any] | None = None,
           exact: bool = False) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValidationError(f"must be numbers, got {value!r}", field=field) from None
    if exact and a.shape != shape:
        raise ValidationError(f"must have shape {shape}, got {a.shape}", field=field)
    if also is not None and a.shape == also[0] and a.shape != shape:
        a = also[1](a)
    try:
        a = np.array(np.broadcast_to(a, shape), dtype=float)
    except ValueError:
        raise ValidationError(f"must have shape {shape} (or broadcast to it), got {a.shape}",
                              field=field) from None
    if finite:
        _check(np.isfinite(a), field, "must be a finite number", names, noun, a)
    return a


def _check(ok: np.ndarray, field: str, what: str, names: tuple[str, ...], noun: str,
           values: np.ndarray) -> None:
    if bool(np.all(ok)):
        return
    bad = np.argwhere(~np.asarray(ok))[0]
    element = f"{noun} '{names[bad[0]]}'" if len(bad) and bad[0] < len(names) else None
    raise ValidationError(f"{what}, got {float(values[tuple(bad)]):g}", element=element,
                          field=field)


def _check_choice(value: object, choices: tuple[str, ...], field: str) -> None:
    if value not in choices:
        raise ValidationError(f"must be one of {', '.join(choices)}, got {value!r}", field=field)


def _ms(seconds: float) -> str:
    return f"{float(seconds) * 1e3:,.0f}"


def _ms_f(seconds: float) -> float:
    return round(float(seconds) * 1e3, 6)  # to the nanosecond: no float noise in reports


def _rps(value: float) -> str:
    return f"{float(value):,.6g}"
