"""Power of clusters and sites: IT power from published system figures, facility power by PUE.

IT power per accelerator is its share of the whole system it ships in (server or rack: CPUs,
memory, NICs, fans, power conversion, in-rack NVLink switches), from the accelerator catalogue's
published system power (DGX H100 10.2 kW over 8 GPUs, a GB200 NVL72 rack 132 kW over 72, ...).
The scale-out fabric adds its switches (the catalogue's switch, or 15 W per Tb/s of port
capacity) and its optical modules (the catalogue's optic, or 0.025 W per Gb/s), two per
scale-out link. Facility power is IT power × the site's PUE (``pue``, default the catalogue's
figure), held against the site's ``power_mw``.

An accelerator without a published system figure (TPU v5p, MI300X) is unknown, not 0: it is left
out of the totals with a note, and the totals say they are incomplete.

:func:`site_power` is what placement calls to hold a site's clusters (its own, or candidates)
against its power.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infranet import physics
from infranet.results import Binding

__all__ = [
    "ClusterPower",
    "SitePower",
    "accelerator_it_w",
    "cluster_power",
    "module_w",
    "power_warnings",
    "site_power",
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


@dataclass(frozen=True)
class ClusterPower:
    """IT power of one cluster, kW (result protocol).

    ``it_power_kw`` is the accelerators (their system share), scale-out switches and optical
    modules; None when the accelerators' system power is not published (``complete`` False,
    ``accelerators_kw`` None, and a note says so). ``known_power_kw`` sums the parts that are
    known, for totals that leave the unknown out.
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
    def known_power_kw(self) -> float:
        return (self.accelerators_kw or 0.0) + self.switches_kw + self.transceivers_kw

    @property
    def it_power_kw(self) -> float | None:
        return self.known_power_kw if self.complete else None

    @property
    def complete(self) -> bool:
        return self.accelerators_kw is not None

    def to_dict(self) -> dict[str, Any]:
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
                  summary: Any = None) -> ClusterPower:
    """Return the IT power of a cluster spec, from its closed-form summary (no graph).

    Parameters
    ----------
    cluster
        A cluster spec (as in a topology file, normalised).
    catalogue
        The topology's accelerators (:meth:`infranet.model.Topology.accelerators`).
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
    notes = []
    accelerators_kw = None if per_acc is None else s.count * per_acc / 1000.0
    if per_acc is None:
        notes.append(f"no published system power for {record.name}: its {s.count:,} "
                     "accelerators are left out of the IT power (the total is incomplete)")
    switches_w = sum(tier.switches * switch_w(radix=tier.radix or 0, port_gbps=tier.link_gbps,
                                              switch=switch)
                     for tier in s.shape.tiers if math.isfinite(tier.link_gbps))
    modules_w = sum(2 * n * module_w(rate, optic=optic)
                    for rate, n in s.shape.links_by_gbps.items() if math.isfinite(rate))
    system = record.system or "no published system"
    if s.switches_per_tier.get("scale_up"):
        notes.append("NVLink switches count 0 W: they are part of their system's power")
    total = (accelerators_kw or 0.0) + (switches_w + modules_w) / 1000.0
    binding = Binding("none", None, f"{s.count:,} {record.name} ({system}) and their scale-out "
                      f"fabric draw {total:,.1f} kW of IT power"
                      + ("" if per_acc is not None else " without the accelerators (unknown)"))
    return ClusterPower(
        site=site, cluster=str(cluster.get("name", "")), accelerator=record.name,
        count=s.count, per_accelerator_w=per_acc, system=record.system,
        accelerators_kw=accelerators_kw, switches_kw=switches_w / 1000.0,
        transceivers_kw=modules_w / 1000.0, notes=tuple(notes), binding=binding)


@dataclass(frozen=True)
class SitePower:
    """A site's clusters held against its power (result protocol).

    ``it_power_kw`` sums what is known of the clusters' power (a cluster whose accelerators'
    power is unknown adds its fabric only; ``complete`` is then False and the totals are lower
    bounds); ``facility_power_mw`` is ``it_power_kw`` × ``pue`` / 1000; ``power_mw`` the site's
    budget (None when the file gives none), ``headroom_mw`` what is left, ``over_budget``
    whether the clusters draw more than the budget.
    """

    site: str
    pue: float
    pue_source: str
    power_mw: float | None
    clusters: tuple[ClusterPower, ...]
    binding: Binding

    @property
    def it_power_kw(self) -> float:
        return sum(c.known_power_kw for c in self.clusters)

    @property
    def facility_power_mw(self) -> float:
        return self.it_power_kw * self.pue / 1000.0

    @property
    def complete(self) -> bool:
        return all(c.complete for c in self.clusters)

    @property
    def headroom_mw(self) -> float | None:
        return None if self.power_mw is None else self.power_mw - self.facility_power_mw

    @property
    def over_budget(self) -> bool:
        return self.headroom_mw is not None and self.headroom_mw < 0

    def to_dict(self) -> dict[str, Any]:
        return {"site": self.site, "it_power_kw": self.it_power_kw,
                "facility_power_mw": self.facility_power_mw, "power_mw": self.power_mw,
                "headroom_mw": self.headroom_mw, "over_budget": self.over_budget,
                "pue": self.pue, "pue_source": self.pue_source, "complete": self.complete,
                "binding": self.binding.to_dict(),
                "clusters": [c.to_dict() for c in self.clusters]}


def site_power(topology: Any, site: str, *, clusters: Sequence[Mapping[str, Any]] | None = None,
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
    if pue is not None:
        factor, source = float(pue), "given"
    elif spec.get("pue") is not None:
        factor, source = float(spec["pue"]), "site"
    else:
        factor, source = physics.figure("pue"), "default"
    given = spec.get("clusters", ()) if clusters is None else clusters
    parts = tuple(cluster_power(c, catalogue, site=site) for c in given)
    it_kw = sum(p.known_power_kw for p in parts)
    facility = it_kw * factor / 1000.0
    limit = spec.get("power_mw")
    incomplete = "" if all(p.complete for p in parts) else " (incomplete: some power unknown)"
    if limit is None:
        binding = Binding("none", None, f"{site} has no power_mw: its clusters draw "
                          f"{facility:,.2f} MW facility power{incomplete}")
    else:
        verb = "more than" if facility > limit else "within"
        binding = Binding("power", site, f"{site}'s clusters draw {facility:,.2f} MW "
                          f"({it_kw / 1000:,.2f} MW IT x PUE {factor:g}){incomplete}, {verb} its "
                          f"{limit:,.2f} MW")
    return SitePower(site=site, pue=factor, pue_source=source,
                     power_mw=None if limit is None else float(limit), clusters=parts,
                     binding=binding)


def power_warnings(topology: Any, sites: Iterable[str] | None = None) -> list[str]:
    """One line per datacenter whose clusters draw more facility power than its ``power_mw``.

    A warning, not an error: the draw rests on published maxima and a PUE that the file may
    not give, and a site may be planned to grow into its power; the file itself is valid.
    Placement treats the budget as a hard limit (:func:`site_power`).
    """
    out = []
    for name in topology.datacenters if sites is None else sites:
        spec = topology.site(name)
        if spec.get("power_mw") is None or not spec.get("clusters"):
            continue
        power = site_power(topology, name)
        if power.over_budget:
            where = f"{topology.file}: " if topology.file else ""
            out.append(f"warning: {where}site {name!r}: power_mw: {power.binding.summary}")
    return out
