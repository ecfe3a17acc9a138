"""Training placement: which datacenters, and how many accelerators at each, run a training job
fastest (or cheapest), within each site's available accelerators, its power and the DCI between
the chosen sites.

**Members and groups.** A member is a datacenter cluster with accelerators available
(:func:`infranet.model.schema.available`) of the job's accelerator (``accelerator``, else any
type; a group holds one type, since the step model prices one). The job's ``sites``, when
given, restrict the members to those datacenters (``SITE``) or clusters (``SITE/CLUSTER``).
Every group of one to `max_sites` members is a candidate; its tiers and its DCI ring come from
:func:`infranet.workloads.sizing.place_job` (scale-up and scale-out from the fabric summaries,
the DCI ring's capacity by max-flow on the cluster-level view, its latency along the
lowest-latency path; a member's tiers do not depend on how many ranks it holds, so each group
is probed once with one rank per member). A group whose members no fiber joins is left out.
The number of groups is ``Σ C(n, k)`` for ``k ≤ max_sites`` over the n members: 30 on the
Texas topologies (5 clusters), 2,380 for 16 clusters and 4 sites (about half a minute, the
dynamic programming of the splits taking most of it), where ``sites`` or a lower ``max_sites``
should narrow the search. Pairs are placed once: a ring of three or more is put together from
its edges.

**Splits.** What crosses the DCI is split on whole units: data-parallel replicas
(``tp·pp·cp`` accelerators each) when ``across`` is ``dp``, any number to each member (at least
one); pipeline stages when ``across`` is ``pp``, an equal number to each member (the step model
prices equal stages). A member takes at most what it has available and what its site's power
allows. With more than :data:`MAX_UNITS` replicas, splits are on blocks of replicas (the
smallest divisor of the replicas that leaves at most :data:`MAX_UNITS` blocks).

**The step of a split.** Each member of a data-parallel split runs its replicas' share of the
global batch (the same microbatches per replica as the job) and joins the ring across the DCI
with its own ranks sharing the ring's capacity (:func:`infranet.workloads.training.step`: a
member holding ``d`` of the job's replicas over ``k`` members is priced as the job
``dp = k·d`` over ``k`` equal sites); the job's step is its slowest member's. Every row of
every group and split is one element of one vectorised call of the step model per
accelerator type and mapping; the best split of each group is then the min-max allocation of
the replicas (:func:`infranet.workloads.training.min_max_split`, exact by dynamic
programming over the splits). Without degrees (``search: parallelism``, or a model and an
accelerator count only), the :data:`MAPPINGS` fastest mappings of a single site
(:func:`infranet.workloads.sizing.search_parallelism`) are each placed, and the best kept.

**Power.** A site's ``power_mw`` is facility power: the job's accelerators (each its share of
its system's IT power and of the fabric, :func:`infranet.fabrics.power.cluster_power`) plus
the accelerators of the site that are busy (``count`` less ``available``, drawing their full
share) times the site's PUE (:func:`infranet.fabrics.power.site_pue`) must stay within it;
idle accelerators count nothing. Two clusters of one site share its budget exactly (the pair is
one part of the min-max split, its step for each total the best of its splits within the
power); a site with three or more candidate clusters is checked after the split, and a group
whose fastest split exceeds it is left out. A site without ``power_mw`` is not limited by
power, and the result says so; an accelerator without a published system power cannot be held
against a budget, and a note says so.

**Objective.** ``time``: the least step time. ``cost``: the least cost per step, step time ×
the accelerators × each cluster's ``cost_per_accelerator_hour``; clusters without a price are
left out of a cost placement (a note counts them), and a time placement gives its cost only
when every member has a price. A group of members of different prices offers two splits, the
fastest and the one that fills the cheapest clusters first, and the cheaper per step is kept
(a heuristic: splits between the two are not searched for cost).

**Why.** ``binding`` says what decided the placement: a single site that suffices; or, across
sites, the available accelerators or the power that keep any one site from holding the job,
and the DCI when its exposed time limits the step. ``alternatives`` lists the runners-up with
their step time and why each is worse.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import InfeasibleError, UnknownNameError, ValidationError, did_you_mean
from infranet.results import Binding, FrozenDict, freeze

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.workloads.job import TrainingJob

__all__ = ["MAPPINGS", "MAX_SITES", "MAX_UNITS", "OBJECTIVES", "TOP", "TrainingPlacement",
           "place_training"]

#: What a placement minimises: step time, or cost per step.
OBJECTIVES = ("time", "cost")
#: Members (clusters) a placement spans at most, by default.
MAX_SITES = 4
#: Runners-up a placement lists, by default.
TOP = 5
#: Mappings of a parallelism search placed, the fastest on one site first.
MAPPINGS = 3
#: Blocks a split of the replicas is made of at most (above, replicas are split in blocks).
MAX_UNITS = 1024


@dataclass(frozen=True)
class TrainingPlacement:
    """Where a training job runs (result protocol).

    Attributes
    ----------
    model, accelerator : str
        The model and the accelerator type of the chosen clusters.
    accelerators : int
        Accelerators of the job.
    objective : str
        ``time`` or ``cost``.
    sites : FrozenDict
        Datacenter name → accelerators of the job there.
    members : tuple of FrozenDict
        Per chosen cluster: ``site``, ``cluster``, ``accelerators``, ``units`` (replicas or
        stages), ``available``, ``limit`` (accelerators it may take: available and power),
        ``step_s`` (its own), ``power_mw`` (the job's facility draw there).
    step_s, tokens_per_s, mfu, dci_s : float
        The job's step (its slowest member's), throughput, model FLOPs utilisation and the
        time the step waits on the DCI.
    dci_gbps, dci_one_way_ms : float or None
        The DCI ring's capacity (Gb/s per direction) and one-way latency; None on one site.
    dci_cut : tuple of str
        The links of the ring's tightest cut.
    power : tuple of FrozenDict
        Per chosen site: ``site``, ``power_mw`` (the job's facility draw), ``busy_mw`` (the
        site's busy accelerators), ``budget_mw`` (``power_mw`` of the site, None when not
        given), ``headroom_mw``, ``pue``.
    cost_per_hour, cost_per_step, cost_per_million_tokens : float or None
        With every chosen cluster priced.
    parallelism : FrozenDict
        The mapping placed: degrees, ``microbatch``, ``recompute``, ``zero``, ``across``.
    alternatives : tuple of FrozenDict
        The runners-up, best first: ``sites``, ``step_s``, ``cost_per_step``, ``dci_gbps``,
        ``worse_by`` (fraction of the objective) and ``why``.
    groups, evaluated : int
        Groups of members searched, and (group, split) rows the step model evaluated.
    binding : Binding
    notes : tuple of str
    """

    model: str
    accelerator: str
    accelerators: int
    objective: str
    sites: FrozenDict
    members: tuple[FrozenDict, ...]
    step_s: float
    tokens_per_s: float
    mfu: float
    dci_s: float
    dci_gbps: float | None
    dci_one_way_ms: float | None
    dci_cut: tuple[str, ...]
    power: tuple[FrozenDict, ...]
    cost_per_hour: float | None
    cost_per_step: float | None
    cost_per_million_tokens: float | None
    parallelism: FrozenDict
    alternatives: tuple[FrozenDict, ...]
    groups: int
    evaluated: int
    binding: Binding
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("sites", "members", "power", "parallelism", "alternatives"):
            object.__setattr__(self, name, freeze(getattr(self, name)))
        object.__setattr__(self, "dci_cut", tuple(self.dci_cut))
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def dci_share(self) -> float:
        """The share of the step spent waiting on the DCI."""
        return self.dci_s / self.step_s if self.step_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Headline scalars (``step_s``, ``objective``, ``accelerators``, ``tokens_per_s``,
        ``mfu``, ``dci_gbps``, ``dci_one_way_ms``, ``dci_share``, costs), then ``sites``
        (name → accelerators), ``power_mw`` (site → the job's facility MW), the members, the
        power per site, the mapping, the alternatives, ``binding`` and ``notes``."""
        return {
            "step_s": self.step_s, "objective": self.objective,
            "accelerators": self.accelerators, "accelerator": self.accelerator,
            "model": self.model, "tokens_per_s": self.tokens_per_s, "mfu": self.mfu,
            "dci_s": self.dci_s, "dci_share": self.dci_share, "dci_gbps": self.dci_gbps,
            "dci_one_way_ms": self.dci_one_way_ms, "cost_per_hour": self.cost_per_hour,
            "cost_per_step": self.cost_per_step,
            "cost_per_million_tokens": self.cost_per_million_tokens,
            "groups": self.groups, "evaluated": self.evaluated,
            "sites": dict(self.sites),
            "power_mw": {str(p["site"]): p["power_mw"] for p in self.power},
            "dci_cut": list(self.dci_cut),
            "members": [dict(m) for m in self.members],
            "power": [dict(p) for p in self.power],
            "parallelism": dict(self.parallelism),
            "alternatives": [{k: (dict(v) if isinstance(v, Mapping) else v)
                              for k, v in a.items()} for a in self.alternatives],
            "binding": self.binding.to_dict(), "notes": list(self.notes)}


@dataclass(frozen=True)
class _Member:
    """A candidate cluster: where it is, what it may take, what an accelerator draws."""

    index: int
    site: str
    cluster: str
    accelerator: str
    available: int
    limit: int                    # accelerators it may take: available, and the site's power
    power_limit: int | None       # accelerators the site's power allows (None: not limited)
    it_w: float | None            # IT power per accelerator, W (its system's and fabric share)
    pue: float
    busy_w: float                 # the site's busy accelerators, IT W
    budget_mw: float | None       # the site's power_mw
    price: float | None           # cost per accelerator-hour

    @property
    def name(self) -> str:
        return f"{self.site}/{self.cluster}"


@dataclass(frozen=True)
class _Mapping:
    """One parallelism of the job: its degrees and the options that go with them."""

    tp: int
    pp: int
    dp: int
    cp: int
    ep: int
    microbatch: int
    recompute: str
    zero: int
    across: str

    @property
    def unit(self) -> int:
        """Accelerators per unit split across sites (a replica, or a stage)."""
        if self.across == "pp":
            return self.tp * self.dp * self.cp
        return self.tp * self.pp * self.cp

    @property
    def units(self) -> int:
        """Units of the job (replicas, or stages)."""
        return self.pp if self.across == "pp" else self.dp

    def describe(self) -> str:
        return (f"tp={self.tp},pp={self.pp},dp={self.dp}"
                + (f",cp={self.cp}" if self.cp > 1 else "")
                + (f",ep={self.ep}" if self.ep > 1 else ""))

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "pp": self.pp, "dp": self.dp, "cp": self.cp, "ep": self.ep,
                "microbatch": self.microbatch, "recompute": self.recompute, "zero": self.zero,
                "across": self.across}


@dataclass(frozen=True)
class _Plan:
    """One feasible candidate: a group, a mapping and its best split."""

    members: tuple[_Member, ...]
    mapping: _Mapping
    units: tuple[int, ...]
    step_s: float
    member_step_s: tuple[float, ...]
    slowest: Any                  # the slowest member's TrainingStep
    dci_gbps: float | None
    dci_one_way_ms: float | None
    dci_cut: tuple[str, ...]
    cost_per_step: float | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def ranks(self) -> tuple[int, ...]:
        return tuple(u * self.mapping.unit for u in self.units)

    def sites(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for m, n in zip(self.members, self.ranks, strict=True):
            out[m.site] = out.get(m.site, 0) + n
        return out

    def key(self, objective: str) -> tuple[float, int, tuple[int, ...]]:
        first = self.cost_per_step if objective == "cost" else self.step_s
        # equal to nine digits is a tie (sums in another order differ in the last bits)
        return (math.inf if first is None else float(f"{first:.9g}"), len(self.members),
                tuple(m.index for m in self.members))

    def clusters(self) -> dict[str, int]:
        return {m.name: n for m, n in zip(self.members, self.ranks, strict=True)}


def place_training(topology: Topology, job: TrainingJob, *, objective: str = "time",
                   max_sites: int = MAX_SITES, top: int = TOP, model: Any = None
                   ) -> TrainingPlacement:
    """Choose the datacenters and the accelerators at each that run `job` fastest (or
    cheapest) on `topology`.

    Parameters
    ----------
    topology : Topology
    job : TrainingJob
        The job (:func:`infranet.workloads.job.read_job`, or
        :func:`~infranet.workloads.job.job_from_mapping` of a model and an accelerator count
        with ``search: parallelism``). Its ``sites``, when given, are the candidates; its
        ``solve`` and ``target_efficiency`` are not used.
    objective : {"time", "cost"}
        Least step time, or least cost per step (``cost_per_accelerator_hour``).
    max_sites : int
        Clusters the job may span at most.
    top : int
        Runners-up to list.
    model : optional
        The model record, instead of loading ``job.model``.

    Raises
    ------
    InfeasibleError
        More accelerators than available anywhere, more than the sites' power allows, no group
        within `max_sites` or joined by fiber, no mapping that fits in memory, no priced
        cluster for the cost objective (one line saying what cannot be met).
    UnknownNameError
        An unknown model, site or cluster.

    Examples
    --------
    >>> import infranet
    >>> from infranet.workloads.job import job_from_mapping
    >>> topo = infranet.read("topologies/texas-mesh.yaml")
    >>> job = job_from_mapping({"model": "llama3-70b", "accelerators": 8192,
    ...                         "parallelism": "tp=8,pp=8", "global_batch": 1024})
    >>> placed = place_training(topo, job)
    >>> dict(placed.sites), placed.binding.kind
    ({'abilene': 8192}, 'site')
    """
    from infranet.workloads.models import load_model

    if objective not in OBJECTIVES:
        raise ValidationError(f"must be one of {', '.join(OBJECTIVES)}, got {objective!r}"
                              f"{did_you_mean(str(objective), OBJECTIVES)}", field="objective")
    if max_sites < 1:
        raise ValidationError(f"must be >= 1, got {max_sites}", field="max_sites")
    record = model if model is not None else load_model(job.model_path())
    notes: list[str] = []
    if job.solve is not None:
        notes.append("solve and target_efficiency are not used by a placement (infranet size "
                     "training solves for the DCI bandwidth)")
    members = _members(topology, job, notes)
    if objective == "cost" and all(m.price is None for m in members):
        raise InfeasibleError("objective cost needs cost_per_accelerator_hour on the "
                              "clusters; none of those that can hold the job has one",
                              file=topology.file, field="cost_per_accelerator_hour")
    by_type: dict[str, list[_Member]] = {}
    for m in members:
        by_type.setdefault(m.accelerator, []).append(m)
    _require_capacity(topology, job, by_type)

    search = _Search(topology, job, record, max_sites)
    plans = search.run(by_type)
    groups, evaluated = search.groups, search.evaluated
    if objective == "cost":
        priced = [p for p in plans if p.cost_per_step is not None]
        unpriced = sorted({m.name for p in plans for m in p.members if m.price is None})
        if unpriced:
            notes.append(f"{len(unpriced)} cluster(s) without cost_per_accelerator_hour left "
                         f"out of the cost placement: {', '.join(unpriced)}")
        if plans and not priced:
            raise InfeasibleError("objective cost needs cost_per_accelerator_hour on the "
                                  "clusters; none of those that can hold the job has one",
                                  file=topology.file, field="cost_per_accelerator_hour")
        plans = priced
    if not plans:
        _no_plan(topology, job, by_type, max_sites, search.unjoined, search.short_memory)
    plans.sort(key=lambda p: p.key(objective))
    best = plans[0]
    relaxed = _without_power(search, by_type, objective, best)
    # One entry per group: its best mapping.
    seen = {tuple(m.index for m in best.members)}
    runners: list[_Plan] = []
    for p in plans[1:]:
        ids = tuple(m.index for m in p.members)
        if ids not in seen:
            seen.add(ids)
            runners.append(p)
        if len(runners) >= top:
            break
    return _result(topology, job, record, objective, best, runners, by_type, groups,
                   evaluated, notes + list(best.notes), relaxed)


class _Search:
    """The search over groups and splits, its probes kept for a second run."""

    def __init__(self, topology: Topology, job: TrainingJob, record: Any,
                 max_sites: int) -> None:
        from infranet import physics

        self.topology, self.job, self.record, self.max_sites = topology, job, record, max_sites
        self.catalogue = topology.accelerators()
        self.chips = {name: physics.accelerator(name, self.catalogue) for name in self.catalogue}
        self.probes: dict[tuple[int, ...], Any] = {}
        self.mappings: dict[str, list[_Mapping]] = {}
        self.unjoined: list[str] = []
        self.groups = self.evaluated = 0
        self.short_memory: Any = None

    def run(self, by_type: Mapping[str, Sequence[_Member]]) -> list[_Plan]:
        """Every feasible plan: each group's best split, per mapping."""
        n = int(self.job.accelerators)
        plans: list[_Plan] = []
        for acc, pool in by_type.items():
            if sum(m.limit for m in pool) < n:
                continue
            candidates = []
            for k in range(1, min(self.max_sites, len(pool)) + 1):
                for group in itertools.combinations(pool, k):
                    if sum(m.limit for m in group) < n:
                        continue
                    probe = _probe(self.topology, group, self.job, self.probes)
                    if probe is None:
                        self.unjoined.append(" + ".join(m.name for m in group))
                        continue
                    candidates.append((group, probe))
            self.groups += len(candidates)
            if not candidates:
                continue
            if acc not in self.mappings:
                self.mappings[acc] = _mappings(self.topology, self.job, self.record, acc,
                                               candidates)
            for mapping in self.mappings[acc]:
                found, rows, short = _evaluate(self.record, self.chips[acc], self.job, mapping,
                                               candidates)
                plans.extend(found)
                self.evaluated += rows
                if short is not None and (self.short_memory is None or short.memory_bytes
                                          < self.short_memory.memory_bytes):
                    self.short_memory = short
        return plans


def _without_power(search: _Search, by_type: Mapping[str, Sequence[_Member]], objective: str,
                   best: _Plan) -> _Plan | None:
    """The best plan with no site limited by power, when it beats `best` (power binds);
    else None."""
    it_w: dict[str, float] = {}  # each site's IT draw with every candidate cluster taken, W
    limit: dict[str, tuple[float, float]] = {}  # (power_mw, pue)
    for pool in by_type.values():
        for m in pool:
            if m.budget_mw is not None and m.it_w is not None:
                it_w[m.site] = it_w.get(m.site, m.busy_w) + m.available * m.it_w
                limit[m.site] = (m.budget_mw, m.pue)
    if all(w * limit[site][1] <= limit[site][0] * 1e6 for site, w in it_w.items()):
        return None  # no site's power could bind
    free = {acc: [replace(m, limit=m.available, power_limit=None, budget_mw=None)
                  for m in pool] for acc, pool in by_type.items()}
    plans = search.run(free)
    if objective == "cost":
        plans = [p for p in plans if p.cost_per_step is not None]
    if not plans:
        return None
    other = min(plans, key=lambda p: p.key(objective))
    return other if other.key(objective)[0] < best.key(objective)[0] else None


def _members(topology: Topology, job: TrainingJob, notes: list[str]) -> list[_Member]:
    """Every cluster the job may use, with what it may take."""
    from infranet.planning.capacity import cluster_rooms

    if not topology.datacenters:
        raise InfeasibleError(f"{topology.name} has no datacenter to place a job on",
                              file=topology.file, field="sites")
    wanted: dict[str, set[str] | None] = {}
    for text in job.sites:
        site, _, cluster = text.partition("/")
        if site not in topology.datacenters:
            raise UnknownNameError(f"unknown datacenter {site!r}"
                                   f"{did_you_mean(site, list(topology.datacenters))}",
                                   file=job.file or topology.file, element="job",
                                   field="sites")
        if cluster:
            names = [str(c["name"]) for c in topology.site(site).get("clusters") or ()]
            if cluster not in names:
                raise UnknownNameError(f"unknown cluster {cluster!r} of {site}"
                                       f"{did_you_mean(cluster, names)}",
                                       file=job.file or topology.file, element="job",
                                       field="sites")
            chosen = wanted.setdefault(site, set())
            if chosen is not None:
                chosen.add(cluster)
        else:
            wanted[site] = None
    if job.accelerator is not None and job.accelerator not in topology.accelerators():
        known = topology.accelerators()
        raise UnknownNameError(f"unknown accelerator {job.accelerator!r}"
                               f"{did_you_mean(job.accelerator, known)}",
                               file=job.file, element="job", field="accelerator")
    out: list[_Member] = []
    unknown: list[str] = []
    for room in cluster_rooms(topology):
        site = room.site
        if wanted and site not in wanted:
            continue
        only = wanted.get(site)
        if only is not None and room.cluster not in only:
            continue
        if job.accelerator is not None and room.accelerator != job.accelerator:
            continue
        if room.available < 1:
            continue
        limit = room.power_limit
        if room.budget_mw is not None and room.it_w is None:
            unknown.append(f"{site}/{room.cluster}")
        out.append(_Member(
            index=len(out), site=site, cluster=room.cluster, accelerator=room.accelerator,
            available=room.available,
            limit=room.available if limit is None else min(room.available, limit),
            power_limit=limit, it_w=room.it_w, pue=room.pue, busy_w=room.busy_w,
            budget_mw=room.budget_mw, price=room.price))
    if unknown:
        notes.append(f"no published system power for the accelerators of {', '.join(unknown)}:"
                     " they are not held against their site's power_mw")
    if not out:
        what = f" of {job.accelerator}" if job.accelerator else ""
        among = f" among {', '.join(job.sites)}" if job.sites else ""
        raise InfeasibleError(f"no datacenter of {topology.name}{among} has accelerators{what} "
                              "available", file=topology.file, field="accelerators")
    return out


def _require_capacity(topology: Topology, job: TrainingJob,
                      by_type: Mapping[str, Sequence[_Member]]) -> None:
    """Raise when no accelerator type has enough available, or enough within the power."""
    n = int(job.accelerators)
    free = {acc: sum(m.available for m in pool) for acc, pool in by_type.items()}
    acc = max(free, key=lambda a: free[a])
    if free[acc] < n:
        pool = by_type[acc]
        largest = max(pool, key=lambda m: m.available)
        raise InfeasibleError(
            f"{n:,} accelerators are more than available: the datacenters of "
            f"{topology.name} have {free[acc]:,} {acc} available in all (the largest "
            f"cluster, {largest.name}, {largest.available:,}): {n - free[acc]:,} short",
            file=topology.file, field="accelerators")
    allowed = {a: sum(m.limit for m in pool) for a, pool in by_type.items()}
    if max(allowed.values()) < n:
        acc = max(allowed, key=lambda a: allowed[a])
        capped = sorted({(m.site, m.budget_mw, m.power_limit) for m in by_type[acc]
                         if m.power_limit is not None and m.power_limit < m.available})
        detail = "; ".join(f"{s} {b:,.4g} MW allows {lim:,}" for s, b, lim in capped)
        raise InfeasibleError(
            f"the job cannot fit the power: its {n:,} {acc} need more than the sites' "
            f"power_mw allows ({allowed[acc]:,} in all; {detail})", file=topology.file,
            field="power_mw")


def _probe(topology: Topology, group: Sequence[_Member], job: TrainingJob,
           cache: dict[tuple[int, ...], Any]) -> Any:
    """The tiers and DCI ring of a group (one rank per member), or None when no fiber joins
    its members.

    One or two members are placed (:func:`infranet.workloads.sizing.place_job`); a ring of
    three or more is put together from its edges, each a pair placed once and kept: the ring
    runs at its narrowest edge and waits for its longest, as
    :func:`infranet.workloads.groups.place` prices it (a pair's max-flow does not depend on the
    other members, whose clusters hang off their own sites), so that n clusters cost n²/2
    max-flow pairs, not one ring per group (a test holds the two equal).
    """
    from dataclasses import replace as renew

    from infranet.workloads.sizing import place_job

    key = tuple(m.index for m in group)
    if key in cache:
        return cache[key]
    if len(group) <= 2:
        try:
            cache[key] = place_job(topology, accelerators=len(group),
                                   sites=[m.name for m in group], window_bytes=job.window)
        except ValidationError as err:
            if "no capacity joins" not in err.detail:
                raise
            cache[key] = None
        return cache[key]
    edges = []
    for a, b in zip(group, (*group[1:], group[0]), strict=True):
        pair = _probe(topology, sorted((a, b), key=lambda m: m.index), job, cache)
        if pair is None:
            cache[key] = None
            return None
        edges.append(pair)
    narrow = min(edges, key=lambda e: e.dci_gbps)
    latency = max(e.dci_latency_s for e in edges)
    alpha = narrow.networks[0].dci_alpha_s
    singles = [_probe(topology, [m], job, cache) for m in group]
    cache[key] = renew(
        narrow, sites=tuple(m.site for m in group), clusters=tuple(m.cluster for m in group),
        accelerators=tuple(m.accelerator for m in group), ranks=(1,) * len(group),
        networks=tuple(renew(one.networks[0], dci_gbps=narrow.dci_gbps, dci_latency_s=latency,
                             dci_alpha_s=alpha) for one in singles),
        it_w=tuple(one.it_w[0] for one in singles), pue=tuple(one.pue[0] for one in singles),
        dci_latency_s=latency, notes=tuple(n for one in singles for n in one.notes))
    return cache[key]


def _mappings(topology: Topology, job: TrainingJob, record: Any, acc: str,
              candidates: Sequence[tuple[Sequence[_Member], Any]]) -> list[_Mapping]:
    """The job's mapping, or the fastest few of a parallelism search on one site."""
    from infranet.workloads.sizing import search_parallelism
    from infranet.workloads.training import check_config

    if not job.search:
        d = job.degrees()
        check_config(record, tp=d["tp"], pp=d["pp"], dp=d["dp"], ep=d["ep"], cp=d["cp"],
                     microbatch=job.microbatch, global_batch=job.global_batch,
                     schedule=job.schedule, chunks=job.chunks, file=job.file)
        return [_Mapping(d["tp"], d["pp"], d["dp"], d["cp"], d["ep"], job.microbatch,
                         job.recompute, job.zero, job.across)]
    from infranet import physics

    probe = candidates[0][1]
    found = search_parallelism(
        record, physics.accelerator(acc, topology.accelerators()),
        accelerators=int(job.accelerators), network=probe.networks[0],
        global_batch=job.global_batch, seq_len=job.seq_len, schedule=job.schedule,
        chunks=job.chunks, compute_fraction=job.compute_fraction, top=MAPPINGS * 4)
    out: list[_Mapping] = []
    for row in found.rows:
        m = _Mapping(int(row["tp"]), int(row["pp"]), int(row["dp"]), int(row["cp"]),
                     int(row["ep"]), int(row["microbatch"]), str(row["recompute"]),
                     int(row["zero"]), job.across)
        if m not in out:
            out.append(m)
        if len(out) >= MAPPINGS:
            break
    return out


def _block(units: int) -> int:
    """Replicas per block of a split: 1, or the smallest divisor leaving at most MAX_UNITS."""
    if units <= MAX_UNITS:
        return 1
    for g in range(math.ceil(units / MAX_UNITS), units + 1):
        if units % g == 0:
            return g
    return units


def _evaluate(record: Any, chip: Any, job: TrainingJob, mapping: _Mapping,
              candidates: Sequence[tuple[Sequence[_Member], Any]]
              ) -> tuple[list[_Plan], int, Any]:
    """Price every split of every group with one vectorised call of the step model; return
    the best split of each group, the rows evaluated, and the closest configuration that did
    not fit in memory (None when all fit)."""
    from infranet.workloads.training import Network, step

    units, unit = mapping.units, mapping.unit
    block = _block(units) if mapping.across == "dp" else 1
    blocks = units // block
    # One row per (candidate, member, units it may take): built as arrays, one block per
    # member, the member's tiers gathered from a small table by index.
    parts: list[tuple[int, int, np.ndarray]] = []
    for ci, (group, _) in enumerate(candidates):
        k = len(group)
        if k > blocks:
            continue
        if mapping.across == "pp" or k == 1:
            if units % k:
                continue
            share = units // k
            if all(share * unit <= m.limit for m in group):
                parts.extend((ci, i, np.asarray([share])) for i in range(k))
            continue
        for i, m in enumerate(group):
            most = min(m.limit // (unit * block), blocks - (k - 1))
            parts.append((ci, i, block * np.arange(1, most + 1)))
    sizes = np.asarray([p[2].size for p in parts], dtype=np.int64)
    if not parts or not sizes.sum():
        return [], 0, None
    ci_of = np.repeat(np.asarray([p[0] for p in parts], dtype=np.int64), sizes)
    pos = np.repeat(np.asarray([p[1] for p in parts], dtype=np.int64), sizes)
    which = np.repeat(np.arange(len(parts)), sizes)  # the row's member in the table
    d = np.concatenate([p[2] for p in parts]).astype(float)
    k_of = np.repeat(np.asarray([len(candidates[p[0]][0]) for p in parts], dtype=float), sizes)
    nets = [candidates[c][1].networks[i] for c, i, _ in parts]

    def column(name: str) -> np.ndarray:
        return np.asarray([float(np.asarray(getattr(net, name))) for net in nets])[which]

    network = Network(
        scale_up_gbps=column("scale_up_gbps"), scale_out_gbps=column("scale_out_gbps"),
        scale_up_domain=column("scale_up_domain"), scale_up_alpha_s=column("scale_up_alpha_s"),
        scale_out_alpha_s=column("scale_out_alpha_s"), dci_gbps=column("dci_gbps"),
        dci_latency_s=column("dci_latency_s"), dci_alpha_s=column("dci_alpha_s"),
        window_bytes=job.window, collective_base_s=column("collective_base_s"))
    per_unit_batch = job.global_batch // units
    if mapping.across == "pp":
        degrees: dict[str, Any] = dict(dp=mapping.dp, pp=mapping.pp,
                                       global_batch=job.global_batch)
    else:  # a member of d replicas is the job dp = k·d over k equal sites
        degrees = dict(dp=k_of * d, pp=mapping.pp, global_batch=k_of * d * per_unit_batch)
    run = step(record, chip, network=network, tp=mapping.tp, cp=mapping.cp, ep=mapping.ep,
               microbatch=mapping.microbatch, seq_len=job.seq_len,
               recompute=mapping.recompute, schedule=job.schedule, chunks=job.chunks,
               zero=mapping.zero, sites=k_of, across=mapping.across,
               sync_every=job.sync_every if mapping.across == "dp" else 1,
               compression=job.compression if mapping.across == "dp" else 1.0,
               compute_fraction=job.compute_fraction, **degrees)
    valid = np.array(run.valid, dtype=bool)
    if mapping.across == "dp":
        valid &= np.mod(d * mapping.cp, mapping.ep) == 0  # experts shard within a site
    fits = np.asarray(run.fits, dtype=bool)
    cost = np.where(valid & fits, np.asarray(run.step_s, dtype=float), np.inf)
    short = None
    bad = np.flatnonzero(valid & ~fits)
    if bad.size:
        short = run.at(int(bad[np.argmin(np.asarray(run.memory_bytes)[bad])]))
    plans: list[_Plan] = []
    order = np.lexsort((d, pos, ci_of))
    starts = np.flatnonzero(np.r_[True, np.diff(ci_of[order]) != 0])
    for s, e in zip(starts, np.r_[starts[1:], order.size], strict=True):
        idx = order[s:e]
        ci = int(ci_of[idx[0]])
        group, probe = candidates[ci]
        k = len(group)
        per = [idx[pos[idx] == i] for i in range(k)]
        if any(p.size == 0 for p in per):
            continue
        if k == 1 or mapping.across == "pp":
            picks = [[int(p[0]) for p in per]]
        else:
            counts = _split(group, [cost[p] for p in per], unit * block, blocks)
            picks = [[int(p[c - 1]) for p, c in zip(per, counts, strict=True)]]
            cheap = _cheapest_first(group, [p.size for p in per], blocks)
            if cheap is not None and cheap != counts:
                picks.append([int(p[c - 1]) for p, c in zip(per, cheap, strict=True)])
        for pick in picks:
            plan = _plan(group, probe, mapping, pick, cost, d, unit, units, run)
            if plan is not None:
                plans.append(plan)
    return plans, int(d.size), short


def _plan(group: Sequence[_Member], probe: Any, mapping: _Mapping, pick: Sequence[int],
          cost: np.ndarray, d: np.ndarray, unit: int, units: int, run: Any) -> _Plan | None:
    """The plan of a group's split (`pick`: one row per member), None when it is not one."""
    steps = [float(cost[r]) for r in pick]
    if not np.isfinite(max(steps)) or int(sum(d[r] for r in pick)) != units:
        return None
    plan_units = tuple(int(d[r]) for r in pick)
    if not _power_holds(group, plan_units, unit):
        return None
    price = None
    if all(m.price is not None for m in group):
        hourly = sum(float(m.price or 0.0) * u * unit
                     for m, u in zip(group, plan_units, strict=True))
        price = max(steps) / 3600.0 * hourly
    multi = len(group) > 1
    return _Plan(
        members=tuple(group), mapping=mapping, units=plan_units, step_s=max(steps),
        member_step_s=tuple(steps), slowest=run.at(pick[int(np.argmax(steps))]),
        dci_gbps=float(probe.dci_gbps) if multi else None,
        dci_one_way_ms=probe.dci_latency_s * 1e3 if multi else None,
        dci_cut=tuple(probe.dci_cut) if multi else (), cost_per_step=price,
        notes=tuple(n for n in probe.notes if "gives no" in n))  # fallback figures


def _cheapest_first(group: Sequence[_Member], most: Sequence[int], blocks: int
                    ) -> list[int] | None:
    """Blocks per member filling the cheapest clusters first (one block each at least), when
    every member is priced and prices differ; None otherwise or when they cannot hold it."""
    prices = [m.price for m in group]
    if any(p is None for p in prices) or len(set(prices)) < 2:
        return None
    counts = [1] * len(group)
    left = blocks - len(group)
    for i in sorted(range(len(group)), key=lambda i: (float(prices[i] or 0.0), i)):
        take = min(left, most[i] - 1)
        counts[i] += take
        left -= take
    return counts if left == 0 else None


def _split(group: Sequence[_Member], costs: Sequence[np.ndarray], block: int,
           blocks: int) -> list[int]:
    """Blocks (1-based counts) per member minimising the slowest member's step, `blocks` in
    all. Two members of one site with a power budget are one part whose cost for each total
    is the best of its power-feasible splits, so that the site's budget holds exactly; a site
    with more members is checked after (:func:`_power_holds`)."""
    from infranet.workloads.training import min_max_split

    by_site: dict[str, list[int]] = {}
    for i, m in enumerate(group):
        by_site.setdefault(m.site, []).append(i)
    parts: list[list[int]] = []
    part_costs: list[np.ndarray] = []
    pairs: list[np.ndarray | None] = []
    for members in by_site.values():
        first = group[members[0]]
        if (len(members) != 2 or first.budget_mw is None
                or any(group[i].it_w is None for i in members)):
            for i in members:
                parts.append([i])
                part_costs.append(costs[i])
                pairs.append(None)
            continue
        i, j = members
        a = np.arange(1, costs[i].size + 1, dtype=float)[:, None]
        b = np.arange(1, costs[j].size + 1, dtype=float)[None, :]
        watts = first.busy_w + (a * float(group[i].it_w or 0.0)
                                + b * float(group[j].it_w or 0.0)) * block
        ok = watts * first.pue <= float(first.budget_mw) * 1e6 * (1 + 1e-12)
        value = np.where(ok, np.maximum(costs[i][:, None], costs[j][None, :]), np.inf)
        flipped = np.fliplr(value)
        size = costs[i].size + costs[j].size
        merged = np.full(size, np.inf)
        arg = np.zeros((size, 2), dtype=np.int64)
        for total in range(2, size + 1):  # a + b = total: an anti-diagonal
            offset = (costs[j].size - 1) - (total - 2)
            diagonal = flipped.diagonal(offset)
            if not diagonal.size:
                continue
            at = int(np.argmin(diagonal))
            row = at + max(0, -offset)
            merged[total - 1] = diagonal[at]
            arg[total - 1] = (row + 1, total - row - 1)
        parts.append([i, j])
        part_costs.append(merged)
        pairs.append(arg)
    counts = min_max_split(part_costs, [np.isfinite(c) for c in part_costs],
                           [1] * len(parts), blocks)
    out = [0] * len(group)
    for members, count, chosen in zip(parts, counts, pairs, strict=True):
        if chosen is None:
            out[members[0]] = count
        else:
            out[members[0]], out[members[1]] = (int(x) for x in chosen[count - 1])
    return out


def _power_holds(group: Sequence[_Member], units: Sequence[int], unit: int) -> bool:
    """Whether members sharing a site stay within its power together (each alone does by
    its limit)."""
    draw: dict[str, float] = {}
    for m, u in zip(group, units, strict=True):
        if m.budget_mw is not None and m.it_w is not None:
            draw[m.site] = draw.get(m.site, m.busy_w) + u * unit * m.it_w
    by_site = {m.site: m for m in group}
    return all(w * by_site[s].pue <= float(by_site[s].budget_mw or 0.0) * 1e6 * (1 + 1e-12)
               for s, w in draw.items())


def _no_plan(topology: Topology, job: TrainingJob, by_type: Mapping[str, Sequence[_Member]],
             max_sites: int, unjoined: Sequence[str], short: Any) -> None:
    """Raise the one-line error that says why nothing can hold the job."""
    from infranet.workloads.training import require_fit

    n = int(job.accelerators)
    if short is not None:
        require_fit(short, file=job.file)
    best = max(sum(sorted((m.limit for m in pool), reverse=True)[:max_sites])
               for pool in by_type.values())
    if best < n:
        raise InfeasibleError(f"{n:,} accelerators need more than {max_sites} clusters: the "
                              f"{max_sites} largest hold {best:,}; allow more sites",
                              file=topology.file, field="max_sites")
    if unjoined:
        raise InfeasibleError(f"no fiber joins the clusters that could hold the job "
                              f"({unjoined[0]}{' and others' if len(unjoined) > 1 else ''})",
                              file=topology.file, field="links")
    raise InfeasibleError(f"no split of the job's {n:,} accelerators over the clusters is "
                          "valid for its parallelism (whole replicas or stages per site)",
                          file=job.file, element="job", field="parallelism")


def _result(topology: Topology, job: TrainingJob, record: Any, objective: str, best: _Plan,
            runners: Sequence[_Plan], by_type: Mapping[str, Sequence[_Member]], groups: int,
            evaluated: int, notes: list[str], relaxed: _Plan | None) -> TrainingPlacement:
    from infranet.workloads.training import flops_per_token

    unit = best.mapping.unit
    members = []
    for m, u, s in zip(best.members, best.units, best.member_step_s, strict=True):
        members.append({"site": m.site, "cluster": m.cluster, "accelerators": u * unit,
                        "units": u, "available": m.available, "limit": m.limit,
                        "step_s": s, "power_mw": (None if m.it_w is None
                                                  else u * unit * m.it_w * m.pue / 1e6)})
    power = []
    for site, count in best.sites().items():
        m = next(x for x in best.members if x.site == site)
        job_w = sum(u * unit * (x.it_w or math.nan)
                    for x, u in zip(best.members, best.units, strict=True) if x.site == site)
        draw = job_w * m.pue / 1e6
        busy = m.busy_w * m.pue / 1e6
        head = None if m.budget_mw is None or math.isnan(draw) else m.budget_mw - busy - draw
        power.append({"site": site, "accelerators": count,
                      "power_mw": None if math.isnan(draw) else draw, "busy_mw": busy,
                      "budget_mw": m.budget_mw, "headroom_mw": head, "pue": m.pue})
        if m.budget_mw is None:
            notes.append(f"{site} gives no power_mw: its share is not limited by power")
    seq = float(job.seq_len or getattr(record, "seq_len", 0) or 0)
    tokens = job.global_batch * seq
    _, model_flops = flops_per_token(record, seq)
    from infranet import physics

    chip = physics.accelerator(best.members[0].accelerator, topology.accelerators())
    peak = float(chip.bf16_flops_per_s or math.nan)
    mfu = float(model_flops) * tokens / best.step_s / (job.accelerators * peak)
    hourly = (sum(float(m.price or 0.0) * u * unit
                  for m, u in zip(best.members, best.units, strict=True))
              if best.cost_per_step is not None else None)
    alternatives = [_alternative(p, best, objective) for p in runners]
    binding = _binding(job, best, by_type, relaxed, objective)
    dci_s = best.slowest.dci_s
    return TrainingPlacement(
        model=str(record.name), accelerator=best.members[0].accelerator,
        accelerators=int(job.accelerators), objective=objective,
        sites=FrozenDict(best.sites()), members=tuple(FrozenDict(m) for m in members),
        step_s=best.step_s, tokens_per_s=tokens / best.step_s, mfu=mfu, dci_s=dci_s,
        dci_gbps=best.dci_gbps, dci_one_way_ms=best.dci_one_way_ms, dci_cut=best.dci_cut,
        power=tuple(FrozenDict(p) for p in power), cost_per_hour=hourly,
        cost_per_step=best.cost_per_step,
        cost_per_million_tokens=(None if best.cost_per_step is None
                                 else best.cost_per_step / tokens * 1e6),
        parallelism=FrozenDict(best.mapping.to_dict()),
        alternatives=tuple(FrozenDict(a) for a in alternatives), groups=groups,
        evaluated=evaluated, binding=binding, notes=tuple(dict.fromkeys(notes)))


def _alternative(p: _Plan, best: _Plan, objective: str) -> dict[str, Any]:
    """A runner-up and why it is worse than `best`."""
    mine = p.cost_per_step if objective == "cost" else p.step_s
    theirs = best.cost_per_step if objective == "cost" else best.step_s
    worse = (mine / theirs - 1.0) if mine is not None and theirs else math.nan
    s, b = p.slowest, best.slowest
    if worse <= 1e-8:
        why = "as good; ranked after for spanning more clusters or coming later in the file"
    elif objective == "cost" and p.step_s <= best.step_s * (1 + 1e-9):
        why = f"as fast or faster but dearer: {p.cost_per_step:.4g} per step"
    elif s.dci_s > b.dci_s * (1 + 1e-6) + 1e-9:
        ring = (f"{p.dci_gbps / 1e3:,.1f} Tb/s ring, {p.dci_one_way_ms:.3g} ms one way"
                if p.dci_gbps is not None else "")
        why = (f"waits {s.dci_s:.3g} s per step on the DCI across {len(p.members)} clusters"
               f" ({ring})")
    elif p.members[0].accelerator != best.members[0].accelerator:
        why = (f"{p.members[0].accelerator} computes a step in {s.compute_s:.3g} s against "
               f"{b.compute_s:.3g} s")
    elif p.mapping != best.mapping:
        why = f"its mapping {p.mapping.describe()} is slower: {s.binding.summary}"
    else:
        why = s.binding.summary
    return {"sites": p.sites(), "clusters": p.clusters(), "step_s": p.step_s,
            "cost_per_step": p.cost_per_step,
            "dci_gbps": p.dci_gbps, "worse_by": worse,
            "parallelism": p.mapping.describe(), "why": why}


def _binding(job: TrainingJob, best: _Plan, by_type: Mapping[str, Sequence[_Member]],
             relaxed: _Plan | None, objective: str) -> Binding:
    """What decided the placement: the power of a site when the best plan without power
    limits is better; else one site that suffices; else what keeps one cluster from holding
    the job, and the DCI when it bounds the step."""
    n = int(job.accelerators)
    s = best.slowest
    inner = s.binding
    spread = ", ".join(f"{site} {count:,}" for site, count in best.sites().items())
    if relaxed is not None:
        members = {m.index: m for pool in by_type.values() for m in pool}
        draw: dict[str, float] = {}
        for m, u in zip(relaxed.members, relaxed.units, strict=True):
            draw[m.site] = draw.get(m.site, members[m.index].busy_w) + u * relaxed.mapping.unit \
                * (m.it_w or 0.0) * m.pue / 1e6
        over = [members[m.index] for m in relaxed.members
                if members[m.index].budget_mw is not None
                and draw[m.site] > float(members[m.index].budget_mw or 0.0)]
        site = over[0] if over else members[relaxed.members[0].index]
        gain = 1.0 - relaxed.key(objective)[0] / best.key(objective)[0]
        better = "cheaper" if objective == "cost" else "faster"
        other = ", ".join(f"{x} {c:,}" for x, c in relaxed.sites().items())
        return Binding("power", site.site,
                       f"{site.site}'s power_mw of {site.budget_mw or 0.0:,.4g} MW binds: "
                       f"within it the job runs on {spread}; without it {other} would be "
                       f"{gain:.1%} {better}")
    if len(best.members) == 1:
        m = best.members[0]
        return Binding("site", m.name, f"a single site suffices: {m.name} holds the {n:,} "
                       f"accelerators ({m.available:,} {m.accelerator} available), no DCI "
                       f"crossed; the step is bound by {inner.kind}: {inner.summary}")
    pool = by_type[best.members[0].accelerator]
    largest = max(pool, key=lambda m: m.limit)
    kind, name = "site", largest.name
    why = (f"no single cluster has {n:,} available (the most, {largest.name}, may take "
           f"{largest.limit:,})")
    if largest.limit >= n:
        better = "cheaper" if objective == "cost" else "faster"
        why = f"{len(best.members)} clusters are {better} than any one that could hold the job"
    dci = (f"; across the DCI ({best.dci_gbps / 1e3:,.1f} Tb/s, {best.dci_one_way_ms:.3g} ms "
           f"one way) the step waits {s.dci_s:.3g} s of {best.step_s:.3g} s"
           if best.dci_gbps is not None else "")
    if inner.kind in ("tier", "propagation") and inner.name == "dci":
        cut = ", ".join(best.dci_cut) or "dci"
        return Binding("tier" if inner.kind == "tier" else "propagation", cut,
                       f"{why}: spread over {spread}{dci}, which bounds the step")
    return Binding(kind, name, f"{why}: spread over {spread}{dci}")

