"""From a cluster spec (as written in a topology file) to its fabric: the explicit graph, or
the summary in closed form. Both come from the same spec and the same design entry
(:mod:`infranet.fabrics.designs`), and agree.

A cluster spec::

    {name: su, accelerator: H100, count: 1024,
     scale_up: {kind: nvswitch, domain: 8},
     scale_out: {kind: rail_optimized, nic: 400G, radix: 64},
     dci: 12.8 Tb/s}

Figures the spec does not give come from the cluster's accelerator (NIC rate, scale-up
bandwidth and domain), never from another accelerator's defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet import physics
from infranet.errors import ValidationError
from infranet.fabrics import designs, hops
from infranet.fabrics.designs.base import Plan, Shape, cluster_problems
from infranet.fabrics.designs.torus import torus, torus_links, torus_ports
from infranet.fabrics.graph import SCALE_UP, SWITCH, FabricGraph
from infranet.fabrics.records import frozen, plain
from infranet.results import Binding, FrozenDict

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = [
    "ClusterSummary",
    "build",
    "cluster_topology",
    "plan",
    "rate_label",
    "scale_up_of",
    "summary",
]

Catalogue = Mapping[str, physics.Accelerator]


def _element(cluster: Mapping[str, Any]) -> str:
    name = cluster.get("name")
    return f"cluster {name!r}" if name else "cluster"


def scale_up_of(cluster: Mapping[str, Any], catalogue: Catalogue | None = None
                ) -> dict[str, Any] | None:
    """Return the cluster's scale-up spec with its figures resolved, or None.

    ``kind``, ``domain`` (accelerators per domain), ``gbps`` (per accelerator per direction,
    over all its ports) and, for a torus, ``dims``: the spec's, else the accelerator's. A design
    built of servers (:attr:`~infranet.fabrics.designs.Design.needs_servers`, the
    rail-optimised fabric) without a ``scale_up`` spec gets the accelerator's default domain (8
    where the catalogue has none).
    """
    record = physics.accelerator(cluster["accelerator"], catalogue)
    up = cluster.get("scale_up")
    if not up:
        kind = (cluster.get("scale_out") or {}).get("kind")
        if kind is None or not designs.get(kind).needs_servers:
            return None
        up = {"kind": "nvswitch", "domain": record.scale_up_domain or 8}
    gbps = up.get("bandwidth", record.scale_up_gbps)
    if gbps is None:
        raise ValidationError(f"the catalogue has no scale-up bandwidth for "
                              f"{cluster['accelerator']}; give scale_up.bandwidth",
                              element=_element(cluster), field="scale_up")
    if up["kind"] == "torus":
        return {"kind": "torus", "dims": tuple(up["dims"]), "domain": math.prod(up["dims"]),
                "gbps": float(gbps)}
    domain = int(up.get("domain") or record.scale_up_domain or 8)
    return {"kind": "nvswitch", "domain": domain, "gbps": float(gbps)}


def plan(cluster: Mapping[str, Any], catalogue: Catalogue | None = None) -> Plan:
    """Return the :class:`~infranet.fabrics.designs.Plan` of a cluster spec (figures resolved).

    The capacity rules of the spec (:func:`~infranet.fabrics.designs.base.cluster_problems`:
    whole scale-up domains, the design's own rules and bounds) are checked first, so that
    neither the graph nor the closed form is made of a fabric that cannot exist.

    Raises
    ------
    ValidationError
        Naming the cluster and the field, for the first problem of the spec.

    Examples
    --------
    >>> p = plan({"accelerator": "GB200", "count": 144, "scale_up": {"kind": "nvswitch"},
    ...           "scale_out": {"kind": "rail_optimized", "radix": 144}})
    >>> p.domain, p.server, p.nic_gbps, p.scale_up_gbps
    (72, 72, 400.0, 7200.0)
    >>> plan({"name": "ft", "accelerator": "H100", "count": 128,
    ...       "scale_out": {"kind": "fat_tree"}})
    Traceback (most recent call last):
    ...
    infranet.errors.ValidationError: cluster 'ft': count: a k=64 fat-tree holds exactly \
65,536 accelerators, not 128; set scale_out.k, or use leaf_spine or rail_optimized
    """
    record = physics.accelerator(cluster["accelerator"], catalogue)
    so = cluster.get("scale_out") or {"kind": "none"}
    design = designs.get(so["kind"])
    for name, message in cluster_problems({**cluster, "scale_out": so}, record.scale_up_domain):
        raise ValidationError(message, element=_element(cluster), field=name)
    up = scale_up_of(cluster, catalogue)
    nic = so.get("nic", record.nic_gbps)
    if nic is None and "nic" in design.reads:
        raise ValidationError(f"the catalogue has no NIC rate for {cluster['accelerator']}; "
                              "give scale_out.nic", element=_element(cluster), field="scale_out")
    domain = up["domain"] if up else 1
    server = domain if up and up["kind"] == "nvswitch" else 8
    return Plan(count=int(cluster["count"]), domain=domain, server=server,
                nic_gbps=math.nan if nic is None else float(nic),
                scale_up_gbps=up["gbps"] if up else math.nan, options=dict(so),
                scale_up_kind=up["kind"] if up else "", dims=up.get("dims", ()) if up else ())


def build(cluster: Mapping[str, Any], catalogue: Catalogue | None = None) -> FabricGraph:
    """Return the explicit fabric of a cluster spec: scale-out design plus scale-up domains.

    Accelerators are numbered ``0 .. count-1`` in both layers: scale-up domain ``d`` holds
    accelerators ``d*D .. d*D + D-1`` (servers of a rail-optimised fabric, NVL72 racks, tori).

    Examples
    --------
    >>> fabric = build({"accelerator": "H100", "count": 16, "scale_up": {"kind": "nvswitch"},
    ...                 "scale_out": {"kind": "fat_tree", "k": 4}})
    >>> fabric.switches_per_tier  # two HGX servers' NVLink switches, then the fat-tree
    {0: 2, 1: 8, 2: 8, 3: 4}
    """
    p = plan(cluster, catalogue)
    design = designs.get(p.options["kind"])
    base = design.build(p)
    if not p.scale_up_kind or design.includes_scale_up(p):
        return base
    if p.scale_up_kind == "torus":
        return _with_tori(base, torus(p.dims, link_gbps=p.scale_up_gbps / (2 * len(p.dims))))
    return _with_nvswitch(base, p.domain, p.scale_up_gbps)


def _strip_scale_up(fabric: FabricGraph) -> FabricGraph:
    """Drop scale-up switches and links a generator added itself (the spec decides them)."""
    keep_nodes = ~((fabric.node_kind == SWITCH) & (fabric.node_tier == 0))
    if keep_nodes.all() and not (fabric.link_kind == SCALE_UP).any():
        return fabric
    new_index = np.cumsum(keep_nodes) - 1
    keep_links = (fabric.link_kind != SCALE_UP) & keep_nodes[fabric.link_u] & \
        keep_nodes[fabric.link_v]
    return FabricGraph(
        kind=fabric.kind, params=fabric.params,
        node_kind=fabric.node_kind[keep_nodes].copy(),
        node_tier=fabric.node_tier[keep_nodes].copy(),
        node_group=fabric.node_group[keep_nodes].copy(),
        link_u=new_index[fabric.link_u[keep_links]].astype(np.int32),
        link_v=new_index[fabric.link_v[keep_links]].astype(np.int32),
        link_kind=fabric.link_kind[keep_links].copy(),
        link_gbps=fabric.link_gbps[keep_links].copy(),
        switch_radix={t: r for t, r in fabric.switch_radix.items() if t != 0},
    )


def _append(fabric: FabricGraph, *, node_kind: np.ndarray, node_tier: np.ndarray,
            node_group: np.ndarray, link_u: np.ndarray, link_v: np.ndarray,
            link_kind: np.ndarray, link_gbps: np.ndarray, radix: dict[int, int]) -> FabricGraph:
    return FabricGraph(
        kind=fabric.kind, params=fabric.params,
        node_kind=np.concatenate([fabric.node_kind, node_kind]).astype(np.int8),
        node_tier=np.concatenate([fabric.node_tier, node_tier]).astype(np.int8),
        node_group=np.concatenate([fabric.node_group, node_group]).astype(np.int32),
        link_u=np.concatenate([fabric.link_u, link_u]).astype(np.int32),
        link_v=np.concatenate([fabric.link_v, link_v]).astype(np.int32),
        link_kind=np.concatenate([fabric.link_kind, link_kind]).astype(np.int8),
        link_gbps=np.concatenate([fabric.link_gbps, link_gbps]).astype(float),
        switch_radix={**fabric.switch_radix, **radix},
    )


def _with_nvswitch(fabric: FabricGraph, domain: int, gbps: float) -> FabricGraph:
    """Add one logical NVLink switch per domain of `domain` accelerators."""
    fabric = _strip_scale_up(fabric)
    n_acc = fabric.n_accelerators
    domains = n_acc // domain
    first = fabric.n_nodes
    acc = np.arange(domains * domain)
    return _append(
        fabric,
        node_kind=np.full(domains, SWITCH), node_tier=np.zeros(domains),
        node_group=np.arange(domains),
        link_u=acc, link_v=first + acc // domain,
        link_kind=np.full(len(acc), SCALE_UP), link_gbps=np.full(len(acc), gbps),
        radix={0: domain},
    )


def _with_tori(fabric: FabricGraph, torus: FabricGraph) -> FabricGraph:
    """Add the scale-up links of consecutive tori over the accelerators of `fabric`."""
    fabric = _strip_scale_up(fabric)
    size = torus.n_accelerators
    copies = fabric.n_accelerators // size
    offsets = np.repeat(np.arange(copies) * size, torus.n_links)
    u = np.tile(torus.link_u, copies) + offsets
    v = np.tile(torus.link_v, copies) + offsets
    return _append(
        fabric, node_kind=np.empty(0), node_tier=np.empty(0), node_group=np.empty(0),
        link_u=u, link_v=v, link_kind=np.full(len(u), SCALE_UP),
        link_gbps=np.tile(torus.link_gbps, copies), radix={},
    )


# ---------------------------------------------------------------------------------------------
# the closed-form summary


def rate_label(gbps: float) -> str:
    """The label of a link or module rate: ``400G``, ``800G``, ``1.6T``.

    Examples
    --------
    >>> rate_label(400.0), rate_label(1600.0)
    ('400G', '1.6T')
    """
    return f"{gbps / 1000:g}T" if gbps >= 1000 else f"{gbps:g}G"


_BINDING_SUMMARY = {
    "leaf": "the accelerators' own links set the bisection (the fabric above them is "
            "non-blocking for this split)",
    "spine": "the leaves' uplinks to the spines set the bisection",
    "core": "the spines' uplinks to the core set the bisection",
    "global": "the dragonfly's global links between groups set the bisection",
    "lateral": "the switch-to-switch links of the random graph set the bisection (a lower "
               "bound)",
    "direct": "the torus links across its longest dimension set the bisection",
    "scale_up": "the scale-up links of the one domain set the bisection",
}


@dataclass(frozen=True)
class ClusterSummary:
    """A cluster's fabric in closed form: per-tier bandwidth, switches, links, bisection,
    diameter and graph size, without building the graph (result protocol).

    Attributes
    ----------
    tiers : tuple of mapping
        One row per tier, bottom up: ``tier`` (``scale_up``, ``leaf``, ``spine``, ``core``,
        ``direct``, ``dci``), ``gbps_per_accelerator`` (per direction, what each accelerator can
        push through that tier when all do at once), ``oversubscription_below`` (cumulative,
        below that tier), ``hop_us`` (latency of one element of the tier), ``accelerators``
        the tier joins (all of the cluster's, as in the graph's tiers), ``domain`` (the
        scale-up row: accelerators in one scale-up domain), ``switches`` and ``radix``.
    bisection_gbps : float or None
        Between the two halves of the design's natural split, per direction.
    bisection_bound : str
        ``""`` (the bisection), ``"upper"`` (the natural split's cut: the bisection is at most
        this), ``"lower"`` (a published lower bound) or why there is no value.
    diameter_hops, diameter_us : int, float or None
        Longest shortest path between two accelerators, in links and in µs (switch hops,
        inter-chip hops and cable; see :mod:`infranet.fabrics.hops`).
    nodes, links : int
        Size of the explicit graph :func:`build` would make.
    transceivers : mapping
        Optical modules by rate, two per scale-out link.
    """

    cluster: str
    accelerator: str
    design: str
    count: int
    tiers: tuple[Mapping[str, Any], ...]
    switches_per_tier: Mapping[str, int]
    transceivers: Mapping[str, int]
    nodes: int
    links: int
    bisection_gbps: float | None
    bisection_bound: str
    diameter_hops: int | None
    diameter_us: float | None
    diameter_bound: str
    dci_gbps: float | None
    binding: Binding
    notes: tuple[str, ...] = ()
    shape: Shape = field(default_factory=Shape, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(frozen(r) for r in self.tiers))
        for name in ("switches_per_tier", "transceivers"):
            object.__setattr__(self, name, FrozenDict(dict(getattr(self, name))))

    @property
    def switches(self) -> int:
        """Switches of every tier."""
        return int(sum(self.switches_per_tier.values()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: headline scalars first (``bisection_gbps``, ``diameter_hops``,
        ``diameter_us``, counts), then the tiers."""
        per_acc = (None if self.bisection_gbps is None
                   else self.bisection_gbps / (self.count / 2))
        return {
            "cluster": self.cluster, "accelerator": self.accelerator, "design": self.design,
            "accelerators": self.count, "switches": self.switches, "links": self.links,
            "nodes": self.nodes, "bisection_gbps": self.bisection_gbps,
            "bisection_gbps_per_accelerator": per_acc, "bisection_bound": self.bisection_bound,
            "diameter_hops": self.diameter_hops, "diameter_us": self.diameter_us,
            "diameter_bound": self.diameter_bound, "dci_gbps": self.dci_gbps,
            "binding": self.binding.to_dict(),
            "switches_per_tier": plain(self.switches_per_tier),
            "transceivers": plain(self.transceivers), "tiers": plain(self.tiers),
            "notes": list(self.notes),
        }


def summary(cluster: Mapping[str, Any], catalogue: Catalogue | None = None) -> ClusterSummary:
    """Return the summary of a cluster's fabric in closed form, without building its graph.

    Examples
    --------
    >>> s = summary({"name": "su", "accelerator": "H100", "count": 1024,
    ...              "scale_up": {"kind": "nvswitch", "domain": 8},
    ...              "scale_out": {"kind": "rail_optimized", "oversubscription": 2}})
    >>> [(row["tier"], row["gbps_per_accelerator"]) for row in s.tiers]
    [('scale_up', 3600.0), ('leaf', 400.0), ('spine', 200.0)]
    >>> s.bisection_gbps, s.binding.name, s.diameter_hops
    (102400.0, 'spine', 4)
    """
    p = plan(cluster, catalogue)
    design = designs.get(p.options["kind"])
    shape = design.shape(p)
    count = p.count
    rows: list[dict[str, Any]] = []
    switches: dict[str, int] = {}
    notes = list(shape.notes)
    nodes, links = count, shape.links + shape.direct_links
    if p.scale_up_kind:
        domains = count // p.domain
        nvswitch = p.scale_up_kind == "nvswitch"
        # a torus uses the ports that have a neighbour (two per dimension of size >= 2)
        per_acc = (p.scale_up_gbps if nvswitch
                   else p.scale_up_gbps * torus_ports(p.dims) / (2 * len(p.dims)))
        rows.append({"tier": "scale_up", "gbps_per_accelerator": per_acc,
                     "oversubscription_below": 1.0,
                     "hop_us": hops.hop_us("scale_up" if nvswitch else "direct"),
                     "accelerators": count, "domain": p.domain,
                     "switches": domains if nvswitch else 0,
                     "radix": p.domain if nvswitch else None})
        if nvswitch:
            switches["scale_up"] = domains
            nodes += domains
            links += domains * p.domain
        else:
            links += domains * torus_links(p.dims)
    for tier in shape.tiers:
        rows.append({"tier": tier.name, "gbps_per_accelerator": tier.gbps_per_accelerator,
                     "oversubscription_below": tier.oversubscription_below,
                     "hop_us": hops.hop_us(tier.name), "accelerators": count,
                     "switches": tier.switches, "radix": tier.radix})
        switches[tier.name] = tier.switches
        nodes += tier.switches
    if shape.direct_links:
        rows.append({"tier": "direct", "gbps_per_accelerator": shape.direct_gbps,
                     "oversubscription_below": 1.0, "hop_us": hops.ici_hop_us(),
                     "accelerators": count, "switches": 0, "radix": None})
    if cluster.get("dci") is not None:
        rows.append({"tier": "dci", "gbps_per_accelerator": cluster["dci"] / count,
                     "oversubscription_below": math.nan, "hop_us": math.nan,
                     "accelerators": count, "switches": 0, "radix": None})

    bisection, bound, binding_tier = shape.bisection_gbps, shape.bisection_bound, shape.binding
    crossed, diameter, diameter_bound = shape.crossed, shape.diameter_hops, shape.diameter_bound
    if p.domain > 1 and not design.keeps_domains(p):
        bisection, binding_tier = None, None
        bound = "no closed form: the natural split cuts a scale-up domain"
    if p.scale_up_kind == "nvswitch" and p.domain == count:
        diameter, crossed = 2, ("scale_up",)  # every pair meets at the one NVLink switch
    elif shape.direct_links and p.domain > 1 and not design.includes_scale_up(p):
        # NVLink domains over a direct network: their switches shorten some paths
        diameter, crossed = None, ()
        notes.append("no closed-form diameter: the scale-up domains shorten paths across the "
                     "direct links")
    diameter_us = None
    if diameter is not None:
        diameter_us = sum(hops.hop_us(t) for t in crossed) + diameter * hops.cable_us()

    if bisection is None:
        binding = Binding("none", None, bound or "no closed-form bisection")
    elif binding_tier is None:
        binding = Binding("tier", "scale_out", notes[-1] if notes else "no scale-out fabric")
    else:
        upper = " (the natural split's cut: an upper bound on the bisection)" \
            if bound == "upper" else ""
        binding = Binding("tier", binding_tier,
                          f"{_BINDING_SUMMARY.get(binding_tier, binding_tier)}: "
                          f"{bisection / 1000:,.1f} Tb/s{upper}")
    transceivers = {rate_label(rate): 2 * n for rate, n in sorted(shape.links_by_gbps.items())}
    return ClusterSummary(
        cluster=str(cluster.get("name", "")), accelerator=cluster["accelerator"],
        design=design.name, count=count, tiers=tuple(rows), switches_per_tier=switches,
        transceivers=transceivers, nodes=nodes, links=links, bisection_gbps=bisection,
        bisection_bound=bound, diameter_hops=diameter, diameter_us=diameter_us,
        diameter_bound=diameter_bound, dci_gbps=cluster.get("dci"), binding=binding,
        notes=tuple(notes), shape=shape)


def cluster_topology(kind: str, *, accelerator: str = "H100", count: int | None = None,
                     site: str = "dc", location: tuple[float, float] | None = None,
                     scale_up: Mapping[str, Any] | None = None, dci_gbps: float | None = None,
                     name: str | None = None, **scale_out: Any) -> Topology:
    """Return a Topology of one datacenter holding one cluster with a `kind` scale-out fabric.

    `count` defaults to what the design holds (k^3/4 for a fat-tree, a*p*groups for a
    dragonfly, switches*hosts_per_switch for Jellyfish, the product of a torus' dims). The
    spec is validated as a file is: a fabric that cannot be built is refused.

    Raises
    ------
    ValidationError
        For a spec a file could not hold (one line naming the cluster and the field).

    Examples
    --------
    >>> topo = cluster_topology("fat_tree", k=4)
    >>> topo.site("dc")["clusters"][0]["count"]
    16
    """
    from infranet.model import Topology

    options = {key: value for key, value in scale_out.items() if value is not None}
    if count is None:
        count = _design_count(kind, options)
    cluster: dict[str, Any] = {"name": f"{kind.replace('_', '-')}", "accelerator": accelerator,
                               "count": count}
    if kind != "none" or options:
        cluster["scale_out"] = {"kind": kind, **options}
    if scale_up:
        cluster["scale_up"] = dict(scale_up)
    if dci_gbps is not None:
        cluster["dci"] = dci_gbps
    site_spec: dict[str, Any] = {"name": site, "kind": "datacenter", "clusters": [cluster]}
    if location is not None:
        site_spec["location"] = list(location)
    return Topology.from_dict({
        "name": name or f"{kind.replace('_', '-')}-{count}",
        "description": f"One {accelerator} cluster of {count:,} accelerators on a "
                       f"{kind.replace('_', ' ')} scale-out fabric.",
        "source": "generated by infranet fabric generate",
        "sites": [site_spec],
    })


def _design_count(kind: str, options: Mapping[str, Any]) -> int:
    design = designs.get(kind)
    for name, message in designs.option_problems(design, options):
        raise ValidationError(message, element=f"cluster {kind.replace('_', '-')!r}", field=name)
    try:
        count = design.default_count(options)
    except KeyError as err:
        raise ValidationError(f"a {kind} needs {err.args[0]}", field=str(err.args[0])) from None
    if count is None:
        raise ValidationError(f"give the number of accelerators for a {kind} fabric (--count)",
                              field="count")
    return count
