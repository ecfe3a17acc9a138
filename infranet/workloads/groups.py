"""Groups of ranks placed on a topology, and the tiers a collective over them crosses.

A group is a list of members ``(site, cluster, ranks)``: that many accelerators of a cluster of a
datacenter. Inside each member a collective crosses the cluster's scale-up domain (its NVLink
switch or torus) and its scale-out fabric; between members it crosses the DCI. Each tier's
figures come from the model:

- **scale-up**: ranks ``min(domain, N)``, bandwidth the fabric summary's per-accelerator rate
  of the ``scale_up`` tier (:func:`infranet.fabrics.spec.summary`);
- **scale-out**: ranks ``⌈N / domain⌉`` (one per scale-up domain), bandwidth the smallest
  per-accelerator rate of the summary's scale-out tiers (leaf, spine, core: oversubscription
  included), the tier named as the one that binds;
- **DCI** (more than one member): ranks the number of members, in a ring in the order given.
  Each edge of the ring is priced on the cluster-level view of the topology
  (:func:`infranet.fabrics.expand.expand`): its capacity is the maximum flow between the two
  clusters (:func:`infranet.algorithms.flow.max_flow`), so both the WAN and each cluster's
  ``dci`` count, and its one-way latency that of the lowest-latency path
  (:func:`infranet.algorithms.latency.shortest_path`: fibre propagation and equipment). The
  ring runs at the smallest capacity and waits for the longest latency of its edges. The N ranks
  of a member share its capacity: each gets ``capacity / N``, and never more than its own
  scale-out rate (its NIC, oversubscription included), through which it reaches the DCI.

Every tier's step latency α comes from ``infranet/data/collectives.csv``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.model.schema import available
from infranet.results import FrozenDict, freeze
from infranet.workloads.collectives import Level, tier_alpha_s

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["Member", "Placement", "levels_of", "parse_group", "place"]

#: The scale-out tiers of a fabric summary, and the tier of direct links between accelerators.
SCALE_OUT_TIERS = ("leaf", "spine", "core", "direct")

_MEMBER = re.compile(r"^\s*([^/=\s]+)\s*(?:/\s*([^/=\s]+)\s*)?(?:=\s*([^=\s]+)\s*)?$")


class Member(NamedTuple):
    """`ranks` accelerators of `cluster` at `site` (``None``: the whole cluster, or the first
    cluster of the site large enough); a tuple ``(site, cluster, ranks)``."""

    site: str
    cluster: str | None = None
    ranks: int | None = None

    def __str__(self) -> str:
        text = self.site if self.cluster is None else f"{self.site}/{self.cluster}"
        return text if self.ranks is None else f"{text}={self.ranks}"


def parse_group(texts: Iterable[str]) -> tuple[Member, ...]:
    """Read members written ``SITE[/CLUSTER][=N]``.

    Examples
    --------
    >>> [tuple(m) for m in parse_group(["abilene/stargate-ph1=1024", "temple"])]
    [('abilene', 'stargate-ph1', 1024), ('temple', None, None)]
    """
    out = []
    for i, text in enumerate(texts):
        match = _MEMBER.match(str(text))
        if not match:
            raise ValidationError(f"expected SITE[/CLUSTER][=N], got {text!r}",
                                  element=f"group member {i + 1}")
        site, cluster, ranks = match.groups()
        count = None
        if ranks is not None:
            try:
                count = int(ranks.replace(",", "").replace("_", ""))
            except ValueError:
                raise ValidationError(f"the number of ranks must be a whole number, got "
                                      f"{ranks!r}", element=f"group member {text!r}",
                                      field="ranks") from None
            if count < 1:
                raise ValidationError(f"the number of ranks must be >= 1, got {count}",
                                      element=f"group member {text!r}", field="ranks")
        out.append(Member(site, cluster, count))
    return tuple(out)


def _members(group: Sequence[Any]) -> tuple[Member, ...]:
    if isinstance(group, (str, bytes)):
        group = [group]
    out = []
    for item in group:
        if isinstance(item, Member):
            out.append(item)
        elif isinstance(item, str):
            out.extend(parse_group([item]))
        else:
            site, cluster, ranks = item
            out.append(Member(str(site), None if cluster is None else str(cluster),
                              None if ranks is None else int(ranks)))
    if not out:
        raise ValidationError("a group needs at least one member (SITE[/CLUSTER][=N])",
                              field="group")
    return tuple(out)


@dataclass(frozen=True)
class Placement:
    """A group placed on a topology: its members resolved, its tiers as :class:`Level`.

    Attributes
    ----------
    members : tuple of Member
        Site, cluster and ranks of each member, resolved.
    levels : tuple of Level
        ``scale_up``, ``scale_out`` and, with more than one member, ``dci``. Where members
        differ (clusters of different designs) a lower tier's fields are arrays over members.
    tier_names : tuple of str
        The element that sets each level's bandwidth: ``scale_up``, the scale-out tier of the
        fabric (``leaf``, ``spine``, ...), the DCI link or cut.
    dci : FrozenDict
        The DCI ring: ``gbps`` (capacity per member, Gb/s per direction), ``one_way_ms``,
        ``cut`` (the links of the tightest minimum cut), ``edges`` (per ring edge: ``a, b,
        gbps, one_way_ms, length_km, cut``). Empty with one member.
    notes : tuple of str
        Figures taken from the accelerator catalogue where a cluster gives no fabric spec.
    """

    members: tuple[Member, ...]
    levels: tuple[Level, ...]
    tier_names: tuple[str, ...]
    dci: FrozenDict = field(default_factory=FrozenDict)
    notes: tuple[str, ...] = ()

    @property
    def ranks(self) -> int:
        """Ranks of the whole group."""
        return int(sum(m.ranks or 0 for m in self.members))

    @property
    def nodes(self) -> tuple[str, ...]:
        """The cluster-level node of each member (``SITE/CLUSTER``)."""
        return tuple(f"{m.site}/{m.cluster}" for m in self.members)


def _resolve(topology: Topology, member: Member, i: int) -> tuple[Member, dict[str, Any]]:
    where = f"group member {i + 1} ({member})"
    spec = topology.site(member.site)
    clusters = list(spec.get("clusters") or ())
    if not clusters:
        raise ValidationError(f"site {member.site!r} has no clusters; a group member is a "
                              "cluster's accelerators", file=topology.file, element=where)
    names = [c["name"] for c in clusters]
    if member.cluster is None:
        wanted = member.ranks or 1
        fits = [c for c in clusters if available(c) >= wanted]
        if not fits:
            largest = max(available(c) for c in clusters)
            raise ValidationError(f"no cluster of {member.site!r} holds {wanted} accelerators "
                                  f"(the most available in one is {largest})", file=topology.file,
                                  element=where, field="ranks")
        cluster = fits[0]
    else:
        if member.cluster not in names:
            raise UnknownNameError(f"unknown cluster {member.cluster!r} of site "
                                   f"{member.site!r}{did_you_mean(member.cluster, names)}; "
                                   f"known: {', '.join(names)}", file=topology.file,
                                   element=where, field="cluster")
        cluster = clusters[names.index(member.cluster)]
    count = available(cluster)
    ranks = count if member.ranks is None else member.ranks
    if ranks > count:
        raise ValidationError(f"{ranks} ranks but cluster {cluster['name']!r} has {count} "
                              "accelerators available", file=topology.file, element=where,
                              field="ranks")
    return Member(member.site, str(cluster["name"]), ranks), cluster


def _intra(topology: Topology, member: Member, cluster: dict[str, Any], i: int,
           notes: list[str]) -> tuple[int, float, int, float, str]:
    """(scale-up ranks, Gb/s, scale-out ranks, Gb/s, scale-out tier name) of one member."""
    from infranet import physics
    from infranet.fabrics.spec import summary

    catalogue = topology.accelerators()
    rows = {row["tier"]: row for row in summary(cluster, catalogue).tiers}
    chip = physics.accelerator(str(cluster["accelerator"]), catalogue)
    n = int(member.ranks or 0)
    where = f"group member {i + 1} ({member})"
    out_rows = [rows[t] for t in SCALE_OUT_TIERS if t in rows]
    if out_rows:
        slowest = min(out_rows, key=lambda row: float(row["gbps_per_accelerator"]))
        out_gbps, out_name = float(slowest["gbps_per_accelerator"]), str(slowest["tier"])
    elif chip.nic_gbps is not None:
        out_gbps, out_name = float(chip.nic_gbps), "nic"
        notes.append(f"{member.site}/{member.cluster} gives no scale_out fabric: its ranks "
                     f"meet at their NICs ({chip.nic_gbps:g} Gb/s, accelerators.csv), "
                     "non-blocking")
    else:
        out_gbps, out_name = math.nan, "scale_out"
    if "scale_up" in rows:
        domain = int(rows["scale_up"]["domain"])
        up_gbps = float(rows["scale_up"]["gbps_per_accelerator"])
    elif chip.scale_up_domain and chip.scale_up_gbps:
        domain, up_gbps = int(chip.scale_up_domain), float(chip.scale_up_gbps)
        notes.append(f"{member.site}/{member.cluster} gives no scale_up spec: the "
                     f"{chip.name}'s own domain of {domain} at {up_gbps:g} Gb/s "
                     "(accelerators.csv)")
    else:
        domain, up_gbps = 1, out_gbps
    up_ranks = min(domain, n)
    out_ranks = math.ceil(n / up_ranks)
    if out_ranks > 1 and math.isnan(out_gbps):
        raise ValidationError(f"{n} ranks exceed the scale-up domain of {domain} and cluster "
                              f"{member.cluster!r} has no scale-out fabric", file=topology.file,
                              element=where, field="ranks")
    return up_ranks, up_gbps, out_ranks, out_gbps, out_name


def _column(values: Sequence[Any]) -> Any:
    """One value when all members agree, else an array over members."""
    if all(v == values[0] for v in values):
        return values[0]
    return np.asarray(values, dtype=float)


def place(topology: Topology, group: Sequence[Any], *,
          window_bytes: float | None = None) -> Placement:
    """Place `group` on `topology` and return its tiers.

    Parameters
    ----------
    topology : Topology
    group : sequence
        Members: :class:`Member`, ``(site, cluster or None, ranks or None)`` or
        ``"SITE[/CLUSTER][=N]"`` texts. A member without a cluster takes the first cluster of
        its site with enough accelerators; without ranks, the whole cluster. Members hold the
        same number of ranks (the replicas of a data-parallel job).
    window_bytes : float, optional
        Transport window of the DCI flows: each is capped at window / RTT.

    Raises
    ------
    ValidationError, UnknownNameError
        Naming the member: an unknown site or cluster, more ranks than accelerators, members
        of different sizes or the same cluster twice, a DCI ring edge without capacity.

    Examples
    --------
    >>> import infranet
    >>> topo = infranet.read("topologies/texas-mesh.yaml")
    >>> placed = place(topo, ["abilene/stargate-ph1=1024", "temple=1024"])
    >>> [(level.name, level.ranks) for level in placed.levels]
    [('scale_up', 72), ('scale_out', 15), ('dci', 2)]
    >>> placed.tier_names, round(placed.dci["one_way_ms"], 3)
    (('scale_up', 'leaf', 'abilene/stargate-ph1/dci'), 1.782)
    """
    members = _members(group)
    resolved, clusters = [], []
    for i, member in enumerate(members):
        m, cluster = _resolve(topology, member, i)
        resolved.append(m)
        clusters.append(cluster)
    seen: dict[tuple[str, str | None], int] = {}
    for i, m in enumerate(resolved):
        key = (m.site, m.cluster)
        if key in seen:
            raise ValidationError(f"cluster {m.site}/{m.cluster} is in the group twice "
                                  f"(members {seen[key] + 1} and {i + 1}); give it once with "
                                  "all its ranks", file=topology.file, field="group")
        seen[key] = i
    sizes = {m.ranks for m in resolved}
    if len(sizes) > 1:
        listing = ", ".join(f"{m.site}/{m.cluster}={m.ranks}" for m in resolved)
        raise ValidationError(f"members hold different numbers of ranks ({listing}); a "
                              "collective over tiers needs the same number in each",
                              file=topology.file, field="group")
    notes: list[str] = []
    intra = [_intra(topology, m, c, i, notes)
             for i, (m, c) in enumerate(zip(resolved, clusters, strict=True))]
    up_ranks, up_gbps, out_ranks, out_gbps, out_names = (list(col) for col in zip(*intra,
                                                                                  strict=True))
    levels = [
        Level("scale_up", _column(up_ranks), _column(up_gbps), tier_alpha_s("scale_up")),
        Level("scale_out", _column(out_ranks), _column(out_gbps), tier_alpha_s("scale_out")),
    ]
    slowest = int(np.argmin(out_gbps)) if not np.isnan(out_gbps).all() else 0
    names = ["scale_up", out_names[slowest]]
    dci: dict[str, Any] = {}
    if len(resolved) > 1:
        dci = _ring(topology, resolved)
        n = int(resolved[0].ranks or 1)
        share = dci["gbps"] / n
        # a rank reaches the DCI through its own NIC and scale-out fabric: no faster than that
        own = float(np.nanmin(out_gbps)) if not np.isnan(out_gbps).all() else math.inf
        per_rank = min(share, own)
        dci["gbps_per_rank"] = per_rank
        dci["nic_bound"] = own < share
        levels.append(Level("dci", len(resolved), per_rank, tier_alpha_s("dci"),
                            latency_s=dci["one_way_ms"] / 1e3, window_bytes=window_bytes))
        if own < share:
            names.append(out_names[slowest])
            notes.append(f"each rank crosses the DCI at its own {out_names[slowest]} rate, "
                         f"{own:g} Gb/s: the {n} ranks of a member fill {own * n:g} of the "
                         f"{dci['gbps']:g} Gb/s the DCI offers")
        else:
            names.append(", ".join(dci["cut"]) or "dci")
    return Placement(tuple(resolved), tuple(levels), tuple(names), freeze(dci), tuple(notes))


def _ring(topology: Topology, members: Sequence[Member]) -> dict[str, Any]:
    """The DCI ring over the members' clusters: capacity and latency of each edge."""
    from infranet.algorithms.flow import max_flow
    from infranet.algorithms.latency import shortest_path
    from infranet.fabrics.expand import expand

    sites = list(dict.fromkeys(m.site for m in members))
    view = expand(topology, sites, level="cluster")
    nodes = [f"{m.site}/{m.cluster}" for m in members]
    pairs = [(nodes[0], nodes[1])] if len(nodes) == 2 else \
        [(nodes[i], nodes[(i + 1) % len(nodes)]) for i in range(len(nodes))]
    edges: list[dict[str, Any]] = []
    for a, b in pairs:
        flows = [max_flow(view, a, b), max_flow(view, b, a)]
        tight = min(flows, key=lambda f: f.value_gbps)
        if tight.value_gbps <= 0:
            raise ValidationError(f"no capacity joins {a} to {b}: the group's collective "
                                  "cannot cross", file=topology.file, field="group")
        path = shortest_path(view, a, b)
        edges.append({"a": a, "b": b, "gbps": tight.value_gbps, "one_way_ms": path.one_way_ms,
                      "length_km": path.length_km, "links": list(path.links),
                      "cut": list(tight.cut)})
    narrow = min(edges, key=lambda e: e["gbps"])
    far = max(edges, key=lambda e: e["one_way_ms"])
    return {"gbps": narrow["gbps"], "one_way_ms": far["one_way_ms"],
            "length_km": far["length_km"], "path": far["links"], "cut": narrow["cut"],
            "edges": edges}


def levels_of(topology: Topology, group: Sequence[Any], *,
              window_bytes: float | None = None) -> tuple[Level, ...]:
    """The tiers of `group` placed on `topology` (:func:`place`), innermost first.

    Examples
    --------
    >>> import infranet
    >>> topo = infranet.read("topologies/texas-mesh.yaml")
    >>> [level.name for level in levels_of(topo, [("fort-worth", None, 64)])]
    ['scale_up', 'scale_out']
    """
    return place(topology, group, window_bytes=window_bytes).levels
