"""Power of clusters and sites: IT power from published system figures, facility power by PUE.

IT power per accelerator is its share of the whole system it ships in (server or rack: CPUs,
memory, NICs, fans, power conversion, in-rack NVLink switches), from the accelerator catalogue's
published system power (DGX H100 10.2 kW over 8 GPUs, a GB200 NVL72 rack 132 kW over 72, ...).
The scale-out fabric adds its switches (the catalogue's switch, or 15 W per Tb/s of port
capacity) and its optical modules (the catalogue's optic, or 0.025 W per Gb/s), two per
scale-out link. :func:`it_power` is the one sum of those parts, for the closed form of a cluster
(:func:`cluster_power`) and for the bill of materials of an explicit graph
(:func:`infranet.fabrics.materials.bill_of_materials`) alike. Facility power is IT power × the
site's PUE (:func:`site_pue`: the site's ``pue``, else the catalogue's figure), held against the
site's ``power_mw``.

An accelerator without a published system figure (TPU v5p, MI300X) is unknown, not 0: it is left
out of the totals with a note, the totals say they are incomplete, and a total that needs it is
None.

:func:`site_power` is what placement calls to hold a site's clusters (its own, or candidates)
against its power; :func:`power_warnings` are the model's warnings about sites that cannot.
This module needs no Topology class: it reads a topology's sites and catalogue through
``topology.site(name)``, ``topology.accelerators()``, ``topology.datacenters`` and
``topology.file``, so that the model's checks (:func:`infranet.model.schema.warnings`) can call
it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infranet import physics
from infranet.errors import InfranetWarning
from infranet.results import Binding

if TYPE_CHECKING:
    from infranet.fabrics.spec import ClusterSummary
    from infranet.model import Topology

__all__ = [
    "ClusterPower",
    "ItPower",
    "SitePower",
    "accelerator_it_w",
    "cluster_power",
    "it_power",
    "module_w",
    "power_warnings",
    "site_power",
    "site_pue",
    "switch_w",
]


def accelerator_it_w(record: physics.Accelerator) -> float | None:
    """IT power per accelerator, W: its share of its published system, or None (unknown).

    Examples
    --------
    >>> accelerator_it_w(physics.accelerator("GB200"))  # a 132 kW NVL72 rack over 72 GPUs
    1833.3333333333333
    >>> accelerator_it_w(physics.accelerator("TPUv5p")) is None
    True
    """
    return record.it_power_w


def switch_w(*, radix: int, port_gbps: float, switch: str | None = None) -> float:
    """Power of one switch without optics, W: the named catalogue switch's, else the
    catalogue's rule of ``switch_w_per_tbps`` per Tb/s of bidirectional port capacity.

    Examples
    --------
    >>> switch_w(radix=64, port_gbps=400.0)  # 15 W per Tb/s x 51.2 Tb/s both ways
    768.0
    """
    if switch is not None:
        power = physics.switch(switch).power_w
        if power is not None:
            return power
    return physics.figure("switch_w_per_tbps") * 2 * radix * port_gbps / 1000.0


def module_w(rate_gbps: float, *, optic: str | None = None) -> float:
    """Power of one optical module, W: the named catalogue optic's, else the catalogue's rule of
    ``transceiver_w_per_gbps``.

    Examples
    --------
    >>> module_w(400.0), module_w(400.0, optic="400G-DR4")
    (10.0, 9.0)
    """
    if optic is not None:
        power = physics.optic(optic).power_w
        if power is not None:
            return power
    return physics.figure("transceiver_w_per_gbps") * rate_gbps


def site_pue(site: Mapping[str, Any]) -> tuple[float, str]:
    """The PUE of a site spec and where it comes from: ``(pue, "site")``, or the catalogue's
    figure ``pue`` as ``(pue, "default")``.

    Examples
    --------
    >>> site_pue({"name": "dc", "pue": 1.3}), site_pue({"name": "dc"})
    ((1.3, 'site'), (1.1, 'default'))
    """
    if site.get("pue") is not None:
        return float(site["pue"]), "site"
    return physics.figure("pue"), "default"


@dataclass(frozen=True)
class ItPower:
    """IT power in parts, kW: the accelerators' (None when their system power is unknown), the
    scale-out switches' and the optical modules'."""

    accelerators_kw: float | None
    switches_kw: float
    transceivers_kw: float

    @property
    def complete(self) -> bool:
        """Whether every part is known."""
        return self.accelerators_kw is not None

    @property
    def known_kw(self) -> float:
        """The sum of the known parts (a lower bound when incomplete)."""
        return (self.accelerators_kw or 0.0) + self.switches_kw + self.transceivers_kw

    @property
    def total_kw(self) -> float | None:
        """The sum of every part; None when a part is unknown."""
        return self.known_kw if self.complete else None


def it_power(*, accelerators: int, per_accelerator_w: float | None,
             switches: Iterable[tuple[int, float]] = (),
             modules: Iterable[tuple[int, float]] = ()) -> ItPower:
    """Return the IT power of a fabric in parts, kW: `accelerators` × `per_accelerator_w`
    (None: unknown), the switches and the optical modules, each given as ``(count, W each)``.

    Examples
    --------
    >>> p = it_power(accelerators=8, per_accelerator_w=1275.0, switches=[(2, 768.0)],
    ...              modules=[(32, 10.0)])
    >>> p.accelerators_kw, p.switches_kw, p.transceivers_kw, round(p.total_kw, 3)
    (10.2, 1.536, 0.32, 12.056)
    """
    return ItPower(
        accelerators_kw=(None if per_accelerator_w is None
                         else accelerators * per_accelerator_w / 1000.0),
        switches_kw=sum(n * w for n, w in switches) / 1000.0,
        transceivers_kw=sum(n * w for n, w in modules) / 1000.0)


def unknown_power_note(accelerator: str, count: int) -> str:
    """The note that says an accelerator's power is left out of a total."""
    return (f"no published system power for {accelerator}: its {count:,} accelerators are "
            "left out of the IT power (the total is unknown; the known parts are a lower bound)")


@dataclass(frozen=True)
class ClusterPower:
    """IT power of one cluster, kW (result protocol).

    ``it_power_kw`` is the accelerators (their system share), scale-out switches and optical
    modules; None when the accelerators' system power is not published (``complete`` False,
    ``accelerators_kw`` None, and a note says so). ``known_power_kw`` sums the parts that are
    known, a lower bound.
    """

    site: str
    cluster: str
    accelerator: str
    count: int
    per_accelerator_w: float | None
    system: str
    accelerators_kw: float | None
    switches_kw: float
    transceivers_kw: float
    notes: tuple[str, ...]
    binding: Binding

    @property
    def parts(self) -> ItPower:
        """The parts of the IT power."""
        return ItPower(self.accelerators_kw, self.switches_kw, self.transceivers_kw)

    @property
    def known_power_kw(self) -> float:
        """The known parts, kW (a lower bound when incomplete)."""
        return self.parts.known_kw

    @property
    def it_power_kw(self) -> float | None:
        """The IT power, kW; None when a part is unknown."""
        return self.parts.total_kw

    @property
    def complete(self) -> bool:
        """Whether the accelerators' power is known."""
        return self.parts.complete

    def to_dict(self) -> dict[str, Any]:
        """Headline ``it_power_kw`` (null when unknown), then the parts."""
        return {"it_power_kw": self.it_power_kw, "complete": self.complete,
                "known_power_kw": self.known_power_kw,
                "site": self.site, "cluster": self.cluster, "accelerator": self.accelerator,
                "accelerators": self.count, "per_accelerator_w": self.per_accelerator_w,
                "system": self.system, "accelerators_kw": self.accelerators_kw,
                "switches_kw": self.switches_kw, "transceivers_kw": self.transceivers_kw,
                "notes": list(self.notes), "binding": self.binding.to_dict()}


def cluster_power(cluster: Mapping[str, Any],
                  catalogue: Mapping[str, physics.Accelerator] | None = None, *,
                  site: str = "", switch: str | None = None, optic: str | None = None,
                  summary: ClusterSummary | None = None) -> ClusterPower:
    """Return the IT power of a cluster spec, from its closed-form summary (no graph).

    Parameters
    ----------
    cluster
        A cluster spec (as in a topology file, normalised).
    catalogue
        The topology's accelerators (:meth:`infranet.model.Topology.accelerators`).
    site
        The site's name, for the result.
    switch, optic
        Catalogue rows for the scale-out switches and modules (default: the rules above).
    summary
        The cluster's :class:`~infranet.fabrics.spec.ClusterSummary`, when already computed.

    Examples
    --------
    >>> p = cluster_power({"name": "pod", "accelerator": "H100", "count": 1024,
    ...                    "scale_up": {"kind": "nvswitch", "domain": 8},
    ...                    "scale_out": {"kind": "rail_optimized"}})
    >>> round(p.accelerators_kw, 1), round(p.switches_kw, 1), round(p.transceivers_kw, 1)
    (1305.6, 36.9, 41.0)
    """
    from infranet.fabrics.spec import summary as fabric_summary

    record = physics.accelerator(cluster["accelerator"], catalogue)
    s = summary if summary is not None else fabric_summary(cluster, catalogue)
    per_acc = accelerator_it_w(record)
    parts = it_power(
        accelerators=s.count, per_accelerator_w=per_acc,
        switches=[(tier.switches, switch_w(radix=tier.radix or 0, port_gbps=tier.link_gbps,
                                           switch=switch))
                  for tier in s.shape.tiers if math.isfinite(tier.link_gbps)],
        modules=[(2 * n, module_w(rate, optic=optic))
                 for rate, n in s.shape.links_by_gbps.items() if math.isfinite(rate)])
    notes = [] if per_acc is not None else [unknown_power_note(record.name, s.count)]
    system = record.system or "no published system"
    if s.switches_per_tier.get("scale_up"):
        notes.append("NVLink switches count 0 W: they are part of their system's power")
    if parts.complete:
        summary_line = (f"{s.count:,} {record.name} ({system}) and their scale-out fabric draw "
                        f"{parts.known_kw:,.1f} kW of IT power")
    else:
        summary_line = (f"the IT power of {s.count:,} {record.name} is unknown ({system}); "
                        f"their scale-out fabric draws {parts.known_kw:,.1f} kW")
    return ClusterPower(
        site=site, cluster=str(cluster.get("name", "")), accelerator=record.name,
        count=s.count, per_accelerator_w=per_acc, system=record.system,
        accelerators_kw=parts.accelerators_kw, switches_kw=parts.switches_kw,
        transceivers_kw=parts.transceivers_kw, notes=tuple(notes),
        binding=Binding("none", None, summary_line))


@dataclass(frozen=True)
class SitePower:
    """A site's clusters held against its power (result protocol).

    ``it_power_kw`` sums the clusters' IT power and ``facility_power_mw`` is ``it_power_kw`` ×
    ``pue`` / 1000; both are None when a cluster's power is unknown (``complete`` False), and
    ``known_it_power_kw`` / ``known_facility_power_mw`` then sum what is known, lower bounds.
    ``power_mw`` is the site's budget (None when the file gives none), ``headroom_mw`` what is
    left (None when the draw or the budget is unknown), ``over_budget`` whether the clusters
    draw more than the budget (the known parts alone already do, when incomplete).
    """

    site: str
    pue: float
    pue_source: str
    power_mw: float | None
    clusters: tuple[ClusterPower, ...]
    binding: Binding

    @property
    def known_it_power_kw(self) -> float:
        """The known parts of the clusters' IT power, kW."""
        return sum(c.known_power_kw for c in self.clusters)

    @property
    def known_facility_power_mw(self) -> float:
        """The known IT power × PUE, MW."""
        return self.known_it_power_kw * self.pue / 1000.0

    @property
    def complete(self) -> bool:
        """Whether every cluster's power is known."""
        return all(c.complete for c in self.clusters)

    @property
    def it_power_kw(self) -> float | None:
        """The clusters' IT power, kW; None when a part is unknown."""
        return self.known_it_power_kw if self.complete else None

    @property
    def facility_power_mw(self) -> float | None:
        """IT power × PUE, MW; None when a part is unknown."""
        return self.known_facility_power_mw if self.complete else None

    @property
    def headroom_mw(self) -> float | None:
        """The budget less the facility power, MW (None when either is unknown)."""
        if self.power_mw is None or self.facility_power_mw is None:
            return None
        return self.power_mw - self.facility_power_mw

    @property
    def over_budget(self) -> bool:
        """Whether the clusters draw more than the budget (the known parts alone, when some are
        unknown)."""
        return self.power_mw is not None and self.known_facility_power_mw > self.power_mw

    def to_dict(self) -> dict[str, Any]:
        """Headline ``it_power_kw``, ``facility_power_mw`` (null when unknown), ``power_mw``
        and ``headroom_mw``; then each cluster."""
        return {"site": self.site, "it_power_kw": self.it_power_kw,
                "facility_power_mw": self.facility_power_mw, "power_mw": self.power_mw,
                "headroom_mw": self.headroom_mw, "over_budget": self.over_budget,
                "known_it_power_kw": self.known_it_power_kw,
                "known_facility_power_mw": self.known_facility_power_mw,
                "pue": self.pue, "pue_source": self.pue_source, "complete": self.complete,
                "binding": self.binding.to_dict(),
                "clusters": [c.to_dict() for c in self.clusters]}


def site_power(topology: Topology, site: str, *,
               clusters: Sequence[Mapping[str, Any]] | None = None,
               pue: float | None = None) -> SitePower:
    """Return the power of a site's clusters against the site's ``power_mw``.

    Parameters
    ----------
    topology : Topology
    site : str
        A site of the topology.
    clusters : sequence of cluster specs, optional
        The clusters to hold against the site's power (default: the site's own), e.g. the
        candidates of a placement; specs as in a topology file (quantities in canonical units).
    pue : float, optional
        Instead of the site's ``pue`` (or the catalogue's default).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{
    ...     "name": "dc", "kind": "datacenter", "power_mw": 1.5, "clusters": [
    ...         {"accelerator": "H100", "count": 1024, "scale_up": {"kind": "nvswitch"},
    ...          "scale_out": {"kind": "rail_optimized"}}]}]})
    >>> power = site_power(topo, "dc")
    >>> round(power.it_power_kw, 1), round(power.facility_power_mw, 3), power.over_budget
    (1383.4, 1.522, True)
    >>> site_power(topo, "dc", pue=1.08).over_budget  # what a hyperscale PUE would allow
    False
    """
    spec = topology.site(site)
    catalogue = topology.accelerators()
    factor, source = (float(pue), "given") if pue is not None else site_pue(spec)
    given = spec.get("clusters", ()) if clusters is None else clusters
    parts = tuple(cluster_power(c, catalogue, site=site) for c in given)
    known_kw = sum(p.known_power_kw for p in parts)
    facility = known_kw * factor / 1000.0
    limit = spec.get("power_mw")
    complete = all(p.complete for p in parts)
    draw = (f"{facility:,.2f} MW ({known_kw / 1000:,.2f} MW IT x PUE {factor:g})" if complete
            else f"at least {facility:,.2f} MW (the power of some accelerators is unknown)")
    if limit is None:
        binding = Binding("none", None, f"{site} has no power_mw: its clusters draw {draw}")
    else:
        verb = "more than" if facility > limit else "within" if complete else "perhaps within"
        binding = Binding("power", site, f"{site}'s clusters draw {draw}, {verb} its "
                          f"{limit:,.2f} MW")
    return SitePower(site=site, pue=factor, pue_source=source,
                     power_mw=None if limit is None else float(limit), clusters=parts,
                     binding=binding)


def power_warnings(topology: Topology, sites: Iterable[str] | None = None
                   ) -> list[InfranetWarning]:
    """One warning per datacenter whose clusters draw more facility power than its
    ``power_mw`` (element ``site 'NAME'``, field ``power_mw``).

    A warning, not an error: the draw rests on published maxima and a PUE that the file may
    not give, and a site may be planned to grow into its power; the file itself is valid.
    Placement treats the budget as a hard limit (:func:`site_power`).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{
    ...     "name": "dc", "kind": "datacenter", "power_mw": 1.0, "clusters": [
    ...         {"accelerator": "H100", "count": 1024, "scale_up": {"kind": "nvswitch"},
    ...          "scale_out": {"kind": "rail_optimized"}}]}]})
    >>> [(w.element, w.field) for w in power_warnings(topo)]
    [("site 'dc'", 'power_mw')]
    """
    out = []
    for name in topology.datacenters if sites is None else sites:
        spec = topology.site(name)
        if spec.get("power_mw") is None or not spec.get("clusters"):
            continue
        power = site_power(topology, name)
        if power.over_budget:
            out.append(InfranetWarning(power.binding.summary, file=topology.file,
                                       element=f"site {name!r}", field="power_mw"))
    return out
