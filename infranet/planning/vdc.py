"""Virtual datacenters: the groups of datacenters close enough to act as one.

A *virtual datacenter* (VDC) is a set of datacenters whose every pair lies within a round-trip
budget along the topology's links and, when asked, whose DCI capacity meets a floor.
:func:`virtual_datacenters` lists the maximal such groups, ranked by accelerators, PFLOP/s or
power, each with its DCI capacity, what limits it (``binding``) and what one fiber cut or one
shared-risk group can do to it.

Definitions
-----------
**Members.** Datacenters with at least one cluster. A datacenter without clusters has neither
accelerators to pool nor a DCI figure: its fiber still carries paths (as a pop's does), but it
joins no group.

**RTT.** Twice the one-way latency of the lowest-latency path along the links
(:func:`infranet.algorithms.latency.latency_matrix`: fiber propagation and equipment, a floor
without queueing). Two datacenters that no path joins are never in one group: no RTT is
estimated where no fiber is drawn. A pair is within the budget when its RTT is at most the
budget (to a relative 1e-9, the round-off of a sum of link latencies).

**A site's DCI** is the sum of its clusters' ``dci`` (what its clusters can send to the WAN, as
in the cluster-level view of :func:`infranet.fabrics.expand.expand`, whose links
``SITE/CLUSTER/dci`` name it). A cluster without ``dci`` leaves its site limited by the WAN
alone, and a note says so.

**A group's DCI**, ``min_dci_gbps``, is its narrowest split: the least capacity (Gb/s, per
direction) between two parts of the group, over every way of dividing its sites in two, where
each site reaches the WAN through its own DCI and the WAN carries the rest (transit through any
site included). It is what the group can exchange across its weakest seam, whatever the
collective. It equals the least, over every pair of members, of the WAN's maximum flow between
the two (:func:`infranet.algorithms.flow.min_cut_between`, both directions) and the two sites'
DCI: a cut that leaves a site of each part attached to the WAN holds a WAN cut between them,
and one that does not cuts off a whole part, at least one site's DCI. For two sites it is
``min(max-flow, dci_a, dci_b)``. ``binding`` names the pair that sets it and what binds there:
the WAN's minimum cut (kind ``link`` or ``cut``, naming the links) or a site's DCI (kind
``tier``, naming its ``SITE/CLUSTER/dci`` links).

Because both conditions hold pair by pair, the groups are the maximal cliques
(:func:`networkx.find_cliques`) of the graph of datacenters whose edges are the pairs within the
budget (and at or above the DCI floor): every subset of a VDC is one, and a group below the floor
is not dropped whole: its subsets that meet the floor are groups of their own.

**Resilience** (``after_failure``): for every single failure of :func:`infranet.algorithms.failures.
failure_sets` (each link, each shared-risk group), the group's worst pair RTT and its DCI are
computed again; ``after_failure`` gives the worst of each with the failure that causes it,
whether every member stays joined to every other, and which failures break the group (a pair
unjoined or beyond the budget, or its DCI below the floor).

**What is listed.** Groups of at least ``min_sites`` datacenters (default 2: a lone datacenter is
not a virtual one). ``rejected`` holds what a user may miss, each with its ``reason``: the
maximal groups within the budget whose DCI falls below the floor, and the groups too small
(a datacenter with no partner within the budget, say).

Examples
--------
>>> import infranet
>>> result = virtual_datacenters(infranet.read("topologies/texas-mesh.yaml"), max_rtt_ms=3.0)
>>> for group in result.groups:
...     print(", ".join(group.sites), f"{group.accelerators:,}", f"{group.max_rtt_ms:.2f} ms")
abilene, fort-worth 451,200 2.71 ms
fort-worth, temple 120,000 2.22 ms
temple, san-antonio 108,000 2.52 ms
>>> best = result.groups[0]
>>> round(best.max_rtt_ms, 2), best.min_dci_gbps, best.binding.kind
(2.71, 51200.0, 'tier')
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import UnknownNameError, ValidationError, counted, did_you_mean
from infranet.model.schema import available
from infranet.results import Binding, FrozenDict

if TYPE_CHECKING:
    from infranet.algorithms.flow import MaxFlow
    from infranet.model import Topology

__all__ = ["RANK_KEYS", "AfterFailure", "VdcGroup", "VdcResult", "virtual_datacenters"]

#: What groups may be ranked by (largest first): total available accelerators, their bf16
#: dense peak in PFLOP/s, or the sites' power (``power_mw``, the known part when some is unknown).
RANK_KEYS = ("accelerators", "pflops", "power")
#: Relative tolerance of the RTT budget and the DCI floor (round-off of sums of latencies).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class AfterFailure:
    """What the worst single failure (a link, or a shared-risk group) does to a group.

    Attributes
    ----------
    failures : int
        Single failures tried.
    min_dci_gbps : float
        The group's DCI after the failure that lowers it most (0 when one splits the group).
    min_dci_failure : str or None
        That failure (None when no failure lowers the DCI).
    max_rtt_ms : float
        The worst pair RTT after the failure that lengthens it most (``inf`` when one splits the
        group).
    max_rtt_failure : str or None
        That failure (None when no failure lengthens a path of the group).
    connected : bool
        Whether every member stays joined to every other after any single failure.
    survives : bool
        Whether the group stays within the budget (and at or above the DCI floor) after any
        single failure.
    breaking : tuple of str
        The failures after which it does not.
    """

    failures: int
    min_dci_gbps: float
    min_dci_failure: str | None
    max_rtt_ms: float
    max_rtt_failure: str | None
    connected: bool
    survives: bool
    breaking: tuple[str, ...]

    @property
    def summary(self) -> str:
        """One line for people."""
        if not self.failures:
            return "no link to fail"
        if self.survives:
            head = f"survives any single cut of {counted(self.failures, 'failure')}"
        else:
            head = (f"{counted(len(self.breaking), 'single failure')} of {self.failures} "
                    f"break{'s' if len(self.breaking) == 1 else ''} it "
                    f"({', '.join(self.breaking[:3])}{', ...' if len(self.breaking) > 3 else ''})")
        rtt = ("split" if not math.isfinite(self.max_rtt_ms)
               else f"{self.max_rtt_ms:.2f} ms")
        return (f"{head}; worst RTT {rtt} ({self.max_rtt_failure or 'no change'}), worst DCI "
                f"{self.min_dci_gbps:,.6g} Gb/s ({self.min_dci_failure or 'no change'})")

    def to_dict(self) -> dict[str, Any]:
        return {"min_dci_gbps": self.min_dci_gbps, "min_dci_failure": self.min_dci_failure,
                "max_rtt_ms": self.max_rtt_ms, "max_rtt_failure": self.max_rtt_failure,
                "connected": self.connected, "survives": self.survives,
                "breaking": list(self.breaking), "failures": self.failures,
                "summary": self.summary}


@dataclass(frozen=True)
class VdcGroup:
    """A group of datacenters (result protocol: ``binding`` says what limits its DCI).

    Attributes
    ----------
    sites : tuple of str
        Member datacenters, in the topology's order.
    accelerators : int
        Accelerators available for new work (each cluster's ``available``, else its count).
    accelerators_by_type : FrozenDict
        Accelerator name → count.
    pflops : float or None
        Their bf16 dense peak, PFLOP/s (None when the catalogue lacks one's figure; a note says
        so, and ``known_pflops`` sums the rest).
    power_mw : float or None
        The sites' ``power_mw`` summed (None when a member gives none; ``known_power_mw`` sums
        those that do, a lower bound).
    max_rtt_ms : float
        The worst pair's RTT (0 for one site).
    max_rtt_pair : tuple of str
        That pair (empty for one site).
    min_dci_gbps : float or None
        The narrowest split's capacity, Gb/s per direction (see the module); ``inf`` when no
        member's DCI is known and no link limits it; None for one site.
    dci_pair : tuple of str
        The pair that sets it.
    binding : Binding
        What sets ``min_dci_gbps``: the WAN's minimum cut (``link`` / ``cut``) or a site's DCI
        (``tier``); ``none`` for one site.
    after_failure : AfterFailure or None
        The worst single failure (None when not computed: a rejected group, or failures off).
    reason : str or None
        Why the group is not a VDC (a rejected group); None for a VDC.
    """

    sites: tuple[str, ...]
    accelerators: int
    accelerators_by_type: FrozenDict
    pflops: float | None
    known_pflops: float
    power_mw: float | None
    known_power_mw: float
    max_rtt_ms: float
    max_rtt_pair: tuple[str, ...]
    min_dci_gbps: float | None
    dci_pair: tuple[str, ...]
    binding: Binding
    after_failure: AfterFailure | None = None
    reason: str | None = None

    @property
    def feasible(self) -> bool:
        """Whether the group is a VDC (not rejected)."""
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        """``sites``, the headline figures, ``binding``, then ``after_failure`` and, for a
        rejected group, ``reason``."""
        return {"sites": list(self.sites), "accelerators": self.accelerators,
                "accelerators_by_type": dict(self.accelerators_by_type),
                "pflops": self.pflops, "power_mw": self.power_mw,
                "known_power_mw": self.known_power_mw, "max_rtt_ms": self.max_rtt_ms,
                "max_rtt_pair": list(self.max_rtt_pair), "min_dci_gbps": self.min_dci_gbps,
                "binding": self.binding.to_dict(),
                "after_failure": None if self.after_failure is None
                else self.after_failure.to_dict(),
                "feasible": self.feasible, "reason": self.reason}


@dataclass(frozen=True)
class VdcResult:
    """The virtual datacenters of a topology (result protocol).

    Attributes
    ----------
    groups : tuple of VdcGroup
        The VDCs, best first by `rank_by` (ties: lower worst RTT, then names).
    rejected : tuple of VdcGroup
        What is not a VDC, each with its ``reason`` (see the module).
    max_rtt_ms : float
        The RTT budget.
    min_dci_gbps : float or None
        The DCI floor (None: none).
    rank_by : str
        One of :data:`RANK_KEYS`.
    min_sites : int
        The fewest datacenters a listed group holds.
    datacenters : tuple of str
        The candidates: datacenters with clusters.
    notes : tuple of str
        What was assumed: datacenters left out, unknown figures.
    binding : Binding
        What stops the first group growing: the next-closest datacenter's RTT (``propagation``)
        or its DCI below the floor; ``none`` when it holds every datacenter or there is none.
    """

    groups: tuple[VdcGroup, ...]
    rejected: tuple[VdcGroup, ...]
    max_rtt_ms: float
    min_dci_gbps: float | None
    rank_by: str
    min_sites: int
    datacenters: tuple[str, ...]
    notes: tuple[str, ...]
    binding: Binding
    failures: int = field(default=0)

    def to_dict(self) -> dict[str, Any]:
        """Headline ``max_rtt_ms`` (the budget), ``min_dci_gbps`` (the floor), ``count``;
        then ``groups`` and ``rejected`` (records of :meth:`VdcGroup.to_dict`)."""
        return {"max_rtt_ms": self.max_rtt_ms, "min_dci_gbps": self.min_dci_gbps,
                "count": len(self.groups), "rank_by": self.rank_by,
                "min_sites": self.min_sites, "failures": self.failures,
                "binding": self.binding.to_dict(),
                "groups": [g.to_dict() for g in self.groups],
                "rejected": [g.to_dict() for g in self.rejected],
                "datacenters": list(self.datacenters), "notes": list(self.notes)}


# --------------------------------------------------------------------------- the sites


@dataclass(frozen=True)
class _Site:
    name: str
    by_type: Mapping[str, int]
    pflops: float
    pflops_known: bool
    power_mw: float | None
    dci_gbps: float          # inf when a cluster gives none
    dci_links: tuple[str, ...]


def _sites(topology: Topology, names: Sequence[str], notes: list[str]) -> list[_Site]:
    from infranet import physics

    catalogue = topology.accelerators()
    out = []
    unknown_peak: dict[str, int] = {}
    for name in names:
        spec = topology.site(name)
        by_type: dict[str, int] = {}
        pflops, known, dci, links = 0.0, True, 0.0, []
        for cluster in spec.get("clusters") or ():
            chip = str(cluster["accelerator"])
            count = available(cluster)
            by_type[chip] = by_type.get(chip, 0) + count
            peak = physics.accelerator(chip, catalogue).dense_flops_per_s.get("bf16")
            if peak is None:
                known = False
                unknown_peak[chip] = unknown_peak.get(chip, 0) + count
            else:
                pflops += count * float(peak) / 1e15
            if cluster.get("dci") is None:
                dci = math.inf
                notes.append(f"cluster {name}/{cluster['name']} gives no dci: {name} is limited "
                             "by the WAN alone")
            else:
                dci += float(cluster["dci"])
            links.append(f"{name}/{cluster['name']}/dci")
        power = spec.get("power_mw")
        out.append(_Site(name, by_type, pflops, known, None if power is None else float(power),
                         dci, tuple(links)))
    for chip, count in unknown_peak.items():
        notes.append(f"the catalogue gives no bf16 peak for {chip}: its {count:,} accelerators "
                     "are left out: pflops is null, and --rank-by pflops ranks by the known part")
    return out


# --------------------------------------------------------------------------- pairs


@dataclass(frozen=True)
class _Pair:
    gbps: float              # min(WAN, the two sites' DCI)
    binding: Binding
    wan_gbps: float = math.inf


def _pair(a: _Site, b: _Site, flow: MaxFlow | None) -> _Pair:
    """The DCI of a pair: the WAN's max-flow between them or either site's DCI, the least."""
    wan = math.inf if flow is None else flow.value_gbps
    site = a if a.dci_gbps <= b.dci_gbps else b
    if flow is not None and wan <= site.dci_gbps:
        cut = flow.cut
        tie = (f", as much as {site.name}'s clusters' dci" if wan == site.dci_gbps else "")
        if not cut:
            return _Pair(0.0, Binding("cut", None, f"no link joins {a.name} and {b.name}"), 0.0)
        kind = "link" if len(cut) == 1 else "cut"
        return _Pair(wan, Binding(kind, ", ".join(cut),
                                  f"the WAN between {a.name} and {b.name}: its minimum cut "
                                  f"({', '.join(cut)}) carries {wan:,.6g} Gb/s{tie}"), wan)
    if math.isinf(site.dci_gbps):
        return _Pair(math.inf, Binding("none", None, f"nothing limits {a.name} - {b.name}: no "
                                       "link capacity binds and no cluster gives a dci"), wan)
    wan_text = "" if flow is None else f", less than the WAN's {wan:,.6g} Gb/s"
    other = b if site is a else a
    return _Pair(site.dci_gbps, Binding(
        "tier", ", ".join(site.dci_links),
        f"{site.name}'s clusters' dci: {site.dci_gbps:,.6g} Gb/s towards {other.name}{wan_text}"),
        wan)


def _flows(topology: Topology, sites: Sequence[_Site], pairs: Iterable[tuple[int, int]],
           known: Mapping[tuple[int, int], _Pair] | None = None) -> dict[tuple[int, int], _Pair]:
    """The DCI of each pair (`known`: pairs whose answer is known without a max-flow)."""
    from infranet.algorithms.flow import min_cut_between

    known = known or {}
    out = {}
    for i, j in pairs:
        if (i, j) in known:
            out[(i, j)] = known[(i, j)]
            continue
        flow = min_cut_between(topology, [sites[i].name, sites[j].name])
        out[(i, j)] = _pair(sites[i], sites[j], flow)
    return out


def _rtt(topology: Topology, names: Sequence[str]) -> np.ndarray:
    from infranet.algorithms.latency import latency_matrix

    return 2.0 * latency_matrix(topology, nodes=list(names)).to_numpy()


# --------------------------------------------------------------------------- groups


def _group(sites: Sequence[_Site], members: Sequence[int], rtt: np.ndarray,
           pairs: Mapping[tuple[int, int], _Pair], reason: str | None = None) -> VdcGroup:
    chosen = [sites[i] for i in members]
    by_type: dict[str, int] = {}
    for s in chosen:
        for chip, count in s.by_type.items():
            by_type[chip] = by_type.get(chip, 0) + count
    known_pflops = float(sum(s.pflops for s in chosen))
    powers = [s.power_mw for s in chosen]
    known_power = float(sum(p for p in powers if p is not None))
    rtt_pair: tuple[str, ...] = ()
    dci_pair: tuple[str, ...] = ()
    dci: float | None = None
    if len(members) < 2:
        max_rtt = 0.0
        binding = Binding("none", None, f"{chosen[0].name} alone: no DCI within the group")
    else:
        links = list(itertools.combinations(members, 2))
        far = max(links, key=lambda p: rtt[p])
        max_rtt, rtt_pair = float(rtt[far]), (sites[far[0]].name, sites[far[1]].name)
        weakest = min(links, key=lambda p: pairs[p].gbps)
        dci = pairs[weakest].gbps
        dci_pair = (sites[weakest[0]].name, sites[weakest[1]].name)
        binding = pairs[weakest].binding
    return VdcGroup(
        sites=tuple(s.name for s in chosen),
        accelerators=int(sum(by_type.values())),
        accelerators_by_type=FrozenDict(by_type),
        pflops=known_pflops if all(s.pflops_known for s in chosen) else None,
        known_pflops=known_pflops,
        power_mw=known_power if None not in powers else None,
        known_power_mw=known_power,
        max_rtt_ms=max_rtt, max_rtt_pair=rtt_pair, min_dci_gbps=dci, dci_pair=dci_pair,
        binding=binding, reason=reason)


def _cliques(n: int, edges: Iterable[tuple[int, int]]) -> list[tuple[int, ...]]:
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    return sorted(tuple(sorted(c)) for c in nx.find_cliques(graph))


def _rank_key(rank_by: str) -> Any:
    def key(group: VdcGroup) -> tuple[Any, ...]:
        value = {"accelerators": group.accelerators, "pflops": group.known_pflops,
                 "power": group.known_power_mw}[rank_by]
        return (-value, group.max_rtt_ms, group.sites)
    return key


# --------------------------------------------------------------------------- failures


def _after_failure(topology: Topology, sites: Sequence[_Site],
                   groups: Sequence[tuple[int, ...]], base: Mapping[tuple[int, int], _Pair],
                   budget: float, floor: float | None) -> tuple[list[AfterFailure], int]:
    """The worst single failure of each group (links and shared-risk groups).

    `base` holds the DCI of every pair of every group before a failure. After one, a group's
    DCI takes the pairs of its first member only: any cut between two members u and v is a cut
    between the first member and one of them, so the least cut over the pairs is the least over
    those |S| - 1 (both ways; the sites' own DCI is in every pair's figure).
    """
    from infranet.algorithms.failures import failure_sets

    members = sorted({i for g in groups for i in g})
    stars = [[(g[0], t) for t in g[1:]] for g in groups]
    pairs = sorted({p for star in stars for p in star})
    position = {i: k for k, i in enumerate(members)}
    names = [sites[i].name for i in members]
    worst_dci: list[tuple[float, str | None]] = []
    worst_rtt: list[tuple[float, str | None]] = []
    base_rtt = _rtt(topology, names)
    for g in groups:
        ps = list(itertools.combinations(g, 2))
        worst_dci.append((min(base[p].gbps for p in ps), None))
        worst_rtt.append((max(base_rtt[position[a], position[b]] for a, b in ps), None))
    split = [False] * len(groups)
    breaking: list[list[str]] = [[] for _ in groups]
    failures = failure_sets(topology, links=True, srlgs=True)
    table = topology.links
    most = dict(zip(table["name"], np.fmax(table["capacity_gbps"].to_numpy(float),
                                           table["capacity_ba_gbps"].to_numpy(float)),
                    strict=True))
    for failure in failures:
        view = topology.without_links(*failure.links)
        rtt = _rtt(view, names)
        # a failure takes at most the capacity of its links from a flow: where the WAN keeps
        # at least the pair's DCI after losing that much, the pair's DCI stays as it was
        lost = float(sum(most[name] for name in failure.links))
        same = {p: base[p] for p in pairs if base[p].wan_gbps - lost >= base[p].gbps}
        flows = _flows(view, sites, pairs, same)
        for k, g in enumerate(groups):
            dci = min(flows[p].gbps for p in stars[k])
            far = max(rtt[position[a], position[b]] for a, b in itertools.combinations(g, 2))
            if dci < worst_dci[k][0] * (1 - TOLERANCE):
                worst_dci[k] = (dci, failure.name)
            if far > worst_rtt[k][0] * (1 + TOLERANCE):
                worst_rtt[k] = (far, failure.name)
            if not math.isfinite(far):
                split[k] = True
            if far > budget * (1 + TOLERANCE) or (
                    floor is not None and dci < floor * (1 - TOLERANCE)):
                breaking[k].append(failure.name)
    out = [AfterFailure(failures=len(failures), min_dci_gbps=float(worst_dci[k][0]),
                        min_dci_failure=worst_dci[k][1], max_rtt_ms=float(worst_rtt[k][0]),
                        max_rtt_failure=worst_rtt[k][1], connected=not split[k],
                        survives=not breaking[k], breaking=tuple(breaking[k]))
           for k in range(len(groups))]
    return out, len(failures)


# --------------------------------------------------------------------------- the solver


def virtual_datacenters(topology: Topology, *, max_rtt_ms: float,
                        min_dci_gbps: float | None = None, rank_by: str = "accelerators",
                        min_sites: int = 2, failures: bool = True) -> VdcResult:
    """Return the maximal groups of datacenters whose pairwise RTT stays within `max_rtt_ms`.

    Parameters
    ----------
    topology : Topology
    max_rtt_ms : float
        The RTT budget, ms, > 0: every pair of a group is within it along the links.
    min_dci_gbps : float, optional
        The DCI floor, Gb/s per direction: a group's narrowest split (``min_dci_gbps``, see the
        module) is at least this. Groups that miss it are in ``rejected``, and their subsets
        that meet it are groups of their own.
    rank_by : str
        ``accelerators`` (default), ``pflops`` or ``power``: largest first.
    min_sites : int
        The fewest datacenters of a listed group (default 2); smaller ones are in ``rejected``.
    failures : bool
        Whether to try every single failure (each link, each shared-risk group) on each group
        (``after_failure``).

    Raises
    ------
    ValidationError
        For a budget that is not > 0, a floor < 0, ``min_sites`` < 1, a topology without a
        datacenter with clusters, or a link without capacity.
    UnknownNameError
        For an unknown `rank_by`.

    Examples
    --------
    >>> import infranet
    >>> ring = infranet.read("topologies/texas-ring.yaml")
    >>> result = virtual_datacenters(ring, max_rtt_ms=10.0)
    >>> [(g.sites, round(g.max_rtt_ms, 2), g.min_dci_gbps) for g in result.groups]
    [(('abilene', 'fort-worth', 'temple', 'san-antonio'), 5.48, 51200.0)]
    >>> result.groups[0].after_failure.breaking  # without it, temple - abilene is 10.10 ms
    ('tpl-sat-i35',)
    >>> tight = virtual_datacenters(ring, max_rtt_ms=10.0, min_dci_gbps=60_000)
    >>> tight.groups, tight.rejected[0].reason[:46]
    ((), 'DCI 51,200 Gb/s is below the floor of 60,000 G')
    """
    _check(max_rtt_ms, min_dci_gbps, rank_by, min_sites)
    notes: list[str] = []
    names = [n for n in topology.datacenters if topology.site(n).get("clusters")]
    if not names:
        raise ValidationError(f"{topology.name!r} has no datacenter with clusters: a virtual "
                              "datacenter pools datacenters' clusters", file=topology.file,
                              field="sites")
    bare = [n for n in topology.datacenters if n not in names]
    if bare:
        notes.append(f"{counted(len(bare), 'datacenter')} without clusters join no group "
                     f"({', '.join(bare)}); their links still carry paths")
    sites = _sites(topology, names, notes)
    unknown_power = [s.name for s in sites if s.power_mw is None]
    if unknown_power:
        notes.append(f"no power_mw for {', '.join(unknown_power)}: a group with them has "
                     "power_mw null; known_power_mw sums the others (a lower bound)")
    n = len(sites)
    if n > 1 and topology.n_links:
        from infranet.algorithms.arcs import capacities

        capacities(topology, purpose="the DCI of a virtual datacenter")
    rtt = _rtt(topology, names)
    budget = float(max_rtt_ms)
    within = [(i, j) for i, j in itertools.combinations(range(n), 2)
              if rtt[i, j] <= budget * (1 + TOLERANCE)]
    pairs = _flows(topology, sites, within)
    floor = None if min_dci_gbps is None else float(min_dci_gbps)
    enough = [p for p in within if floor is None or pairs[p].gbps >= floor * (1 - TOLERANCE)]
    chosen = [c for c in _cliques(n, enough) if len(c) >= min_sites]
    rejected = _rejected(sites, rtt, pairs, within, enough, budget, floor, min_sites)
    resilience: list[AfterFailure | None] = [None] * len(chosen)
    tried = 0
    multi = [k for k, c in enumerate(chosen) if len(c) > 1]
    if failures and multi and topology.n_links:
        found, tried = _after_failure(topology, sites, [chosen[k] for k in multi], pairs,
                                      budget, floor)
        for k, after in zip(multi, found, strict=True):
            resilience[k] = after
    groups = [_group(sites, c, rtt, pairs) for c in chosen]
    groups = [g if after is None else _with(g, after_failure=after)
              for g, after in zip(groups, resilience, strict=True)]
    key = _rank_key(rank_by)
    groups.sort(key=key)
    rejected.sort(key=key)
    return VdcResult(groups=tuple(groups), rejected=tuple(rejected), max_rtt_ms=budget,
                     min_dci_gbps=floor, rank_by=rank_by, min_sites=int(min_sites),
                     datacenters=tuple(names), notes=tuple(notes),
                     binding=_limit(groups, sites, rtt, pairs, budget, floor, min_sites),
                     failures=tried)


def _with(group: VdcGroup, **changes: Any) -> VdcGroup:
    import dataclasses

    return dataclasses.replace(group, **changes)


def _check(max_rtt_ms: float, min_dci_gbps: float | None, rank_by: str, min_sites: int) -> None:
    if not (isinstance(max_rtt_ms, (int, float)) and math.isfinite(max_rtt_ms)
            and max_rtt_ms > 0):
        raise ValidationError(f"the RTT budget must be a number of ms > 0, got {max_rtt_ms!r}",
                              field="max_rtt_ms")
    if min_dci_gbps is not None and not (isinstance(min_dci_gbps, (int, float))
                                         and min_dci_gbps >= 0 and not math.isnan(min_dci_gbps)):
        raise ValidationError(f"the DCI floor must be a number of Gb/s >= 0, got "
                              f"{min_dci_gbps!r}", field="min_dci_gbps")
    if rank_by not in RANK_KEYS:
        raise UnknownNameError(f"unknown rank key {rank_by!r}{did_you_mean(rank_by, RANK_KEYS)};"
                               f" known: {', '.join(RANK_KEYS)}", field="rank_by")
    if isinstance(min_sites, bool) or not isinstance(min_sites, (int, np.integer)) \
            or min_sites < 1:
        raise ValidationError(f"min_sites must be a whole number >= 1, got {min_sites!r}",
                              field="min_sites")


def _rejected(sites: Sequence[_Site], rtt: np.ndarray, pairs: Mapping[tuple[int, int], _Pair],
              within: Sequence[tuple[int, int]], enough: Sequence[tuple[int, int]],
              budget: float, floor: float | None, min_sites: int) -> list[VdcGroup]:
    """The maximal groups within the budget below the floor, and the groups too small."""
    n = len(sites)
    out = []
    kept = set(enough)
    if floor is not None:
        for c in _cliques(n, within):
            ps = list(itertools.combinations(c, 2))
            if len(c) >= min_sites and len(c) > 1 and not all(p in kept for p in ps):
                weakest = min(ps, key=lambda p: pairs[p].gbps)
                out.append(_group(sites, c, rtt, pairs, reason=(
                    f"DCI {pairs[weakest].gbps:,.6g} Gb/s is below the floor of {floor:,.6g} "
                    f"Gb/s: {pairs[weakest].binding.summary}")))
    for c in _cliques(n, enough):
        if len(c) >= min_sites:
            continue
        if len(c) > 1:
            out.append(_group(sites, c, rtt, pairs, reason=(
                f"{counted(len(c), 'datacenter')}, fewer than {min_sites}")))
            continue
        (i,) = c
        near = [j for j in range(n) if j != i and (min(i, j), max(i, j)) in pairs]
        if near:  # partners within the budget, all below the floor
            best = max(near, key=lambda j: pairs[(min(i, j), max(i, j))].gbps)
            pair = pairs[(min(i, best), max(i, best))]
            why = (f"every datacenter within {budget:g} ms is below the DCI floor with it "
                   f"(the best, {sites[best].name}: {pair.gbps:,.6g} Gb/s)")
        else:
            others = [j for j in range(n) if j != i]
            if not others:
                why = "the only datacenter with clusters"
            else:
                best = min(others, key=lambda j: rtt[i, j])
                why = (f"no other datacenter within {budget:g} ms RTT (nearest: "
                       f"{sites[best].name} at {rtt[i, best]:.2f} ms)"
                       if math.isfinite(rtt[i, best]) else "no path to any other datacenter")
        out.append(_group(sites, c, rtt, pairs, reason=why))
    return out


def _limit(groups: Sequence[VdcGroup], sites: Sequence[_Site], rtt: np.ndarray,
           pairs: Mapping[tuple[int, int], _Pair], budget: float,
           floor: float | None, min_sites: int) -> Binding:
    """What stops the first group from growing: the closest datacenter left out."""
    if not groups:
        what = "the budget" if floor is None else "the budget and the DCI floor"
        return Binding("none", None, f"no group of {min_sites} or more datacenters meets "
                       f"{what}")
    index = {s.name: i for i, s in enumerate(sites)}
    members = [index[name] for name in groups[0].sites]
    others = [j for j in range(len(sites)) if j not in members]
    if not others:
        return Binding("none", None, f"{groups[0].sites[0] if len(members) == 1 else 'the group'}"
                       f" holds every datacenter with clusters")
    far = {j: max(rtt[i, j] for i in members) for j in others}
    nearest = min(others, key=lambda j: far[j])
    name = sites[nearest].name
    if far[nearest] > budget * (1 + TOLERANCE):
        where = next(i for i in members if rtt[i, nearest] == far[nearest])
        rtt_text = (f"{far[nearest]:.2f} ms" if math.isfinite(far[nearest])
                    else "no path")
        return Binding("propagation", f"{sites[where].name} - {name}",
                       f"the budget of {budget:g} ms: the nearest datacenter left out, {name}, "
                       f"is {rtt_text} from {sites[where].name}")
    weakest = min((pairs[(min(i, nearest), max(i, nearest))] for i in members),
                  key=lambda p: p.gbps)
    return Binding(weakest.binding.kind, weakest.binding.name,
                   f"the DCI floor of {floor:,.6g} Gb/s keeps {name} out: "
                   f"{weakest.binding.summary}")
