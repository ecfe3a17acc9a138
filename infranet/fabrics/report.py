"""What ``infranet fabric report`` prints: each cluster's fabric in closed form, its power, and
the measures of its explicit graph (:func:`infranet.fabrics.analysis.analyse_graph`)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.fabrics.analysis import GraphAnalysis
from infranet.fabrics.bisection import CUT_ATOL_GBPS, CUT_RTOL
from infranet.fabrics.power import ClusterPower, site_pue
from infranet.fabrics.spec import ClusterSummary
from infranet.model import Topology
from infranet.results import Binding

__all__ = ["BYTES_PER_LINK", "ClusterReport", "FabricReport", "fabric_report", "graph_budget"]

#: Memory the analysis of an explicit fabric takes per link, bytes: measured peak RSS of
#: ``fabric report`` over fabrics of 0.2-1.2 M links (about 0.6-0.9 kB per link), rounded up.
BYTES_PER_LINK = 1000

#: Progress callback: ``(what, done, total)``.
Progress = Callable[[str, int, int], None]


def graph_budget() -> int:
    """Links of explicit graph this machine may analyse: half its physical memory over
    :data:`BYTES_PER_LINK` (2 GiB of memory when the system does not say)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        memory = 4 * 2**30
    return int(memory // 2 // BYTES_PER_LINK)


@dataclass(frozen=True)
class ClusterReport:
    """One cluster: its closed-form summary, its IT and facility power, and (when asked and
    small enough) the analysis of its explicit graph (result protocol)."""

    site: str
    cluster: str
    summary: ClusterSummary
    power: ClusterPower
    pue: float
    analysis: GraphAnalysis | None
    notes: tuple[str, ...]
    binding: Binding

    @property
    def bisection_gbps(self) -> float | None:
        """The graph's bisection when measured, else the closed form's, Gb/s."""
        if self.analysis is not None:
            return float(self.analysis.bisection_gbps)
        return self.summary.bisection_gbps

    @property
    def bisection_bound(self) -> str:
        """``""`` (exact), ``"upper"`` or ``"lower"``, or why there is no bisection."""
        if self.analysis is not None:
            return self.analysis.bisection.bound
        return self.summary.bisection_bound

    @property
    def diameter_hops(self) -> int | None:
        """The graph's diameter when measured, else the closed form's, links."""
        if self.analysis is not None:
            return int(self.analysis.diameter_hops)
        return self.summary.diameter_hops

    @property
    def facility_power_mw(self) -> float | None:
        """The cluster's IT power x its site's PUE, MW (None when its power is unknown)."""
        it_kw = self.power.it_power_kw
        return None if it_kw is None else it_kw * self.pue / 1000.0

    def to_dict(self) -> dict[str, Any]:
        s, p = self.summary, self.power
        out: dict[str, Any] = {
            "site": self.site, "cluster": self.cluster, "accelerator": s.accelerator,
            "kind": s.design,
            "bisection_gbps": self.bisection_gbps,
            "bisection_bound": self.bisection_bound,
            "bisection_closed_form_gbps": s.bisection_gbps,
            "bisection_closed_form_bound": s.bisection_bound,
            "diameter_hops": self.diameter_hops,
            "diameter_us": (self.analysis.hops.diameter_us if self.analysis is not None
                            else s.diameter_us),
            "diameter_closed_form_us": s.diameter_us,
            "it_power_kw": p.it_power_kw, "power_kw": p.it_power_kw,
            "it_power_known_kw": p.known_power_kw,
            "power_complete": p.complete, "pue": self.pue,
            "facility_power_mw": self.facility_power_mw,
            "power_kw_by_part": {"accelerators": p.accelerators_kw, "switches": p.switches_kw,
                                 "transceivers": p.transceivers_kw},
            "accelerators": s.count, "switches": s.switches, "links": s.links,
            "graph": self.analysis is not None,
        }
        if self.analysis is not None:
            analysis = self.analysis.to_dict()
            for key in ("power_kw", "power_complete", "power_kw_by_part", "notes", "binding"):
                analysis.pop(key, None)
            out.update({k: v for k, v in analysis.items() if k not in out})
        else:
            closed = s.to_dict()
            out.update({"switches_per_tier": closed["switches_per_tier"],
                        "transceivers": closed["transceivers"], "tiers": closed["tiers"]})
        out["summary_tiers"] = s.to_dict()["tiers"]
        out["closed_form"] = s.to_dict()
        out["power"] = p.to_dict()
        out["notes"] = list(self.notes)
        out["binding"] = self.binding.to_dict()
        return out


@dataclass(frozen=True)
class FabricReport:
    """The fabric report of a topology's clusters (result protocol): totals over the clusters
    (accelerators, switches, links, IT power, facility power), the smallest bisection and the
    largest diameter, and each cluster's :class:`ClusterReport`. The binding is the cluster
    with the smallest bisection, and the tier that sets it.

    The power totals are None when a cluster's power is unknown (``power_complete`` False);
    ``it_power_known_kw`` and ``facility_power_known_mw`` then sum the known parts.
    """

    name: str
    clusters: tuple[ClusterReport, ...]
    binding: Binding

    @property
    def complete(self) -> bool:
        """Whether every cluster's power is known."""
        return all(c.power.complete for c in self.clusters)

    @property
    def it_power_known_kw(self) -> float:
        """The known parts of the clusters' IT power, kW (a lower bound when incomplete)."""
        return sum(c.power.known_power_kw for c in self.clusters)

    @property
    def facility_power_known_mw(self) -> float:
        """The known IT power × each site's PUE, MW."""
        return sum(c.power.known_power_kw * c.pue for c in self.clusters) / 1000.0

    @property
    def it_power_kw(self) -> float | None:
        """IT power of every cluster, kW; None when some is unknown."""
        return self.it_power_known_kw if self.complete else None

    @property
    def facility_power_mw(self) -> float | None:
        """Facility power of every cluster, MW; None when some is unknown."""
        return self.facility_power_known_mw if self.complete else None

    def to_dict(self) -> dict[str, Any]:
        """Headline totals first; ``tiers`` holds every cluster's tiers, each row naming its
        site and cluster; then each cluster's entry."""
        entries = [c.to_dict() for c in self.clusters]
        cuts = [e["bisection_gbps"] for e in entries if e["bisection_gbps"] is not None]
        spans = [e["diameter_hops"] for e in entries if e["diameter_hops"] is not None]
        return {
            "name": self.name,
            "accelerators": sum(e["accelerators"] for e in entries),
            "switches": sum(e["switches"] for e in entries),
            "links": sum(e["links"] for e in entries),
            "bisection_gbps": min(cuts) if cuts else None,
            "diameter_hops": max(spans) if spans else None,
            "it_power_kw": self.it_power_kw, "power_kw": self.it_power_kw,
            "facility_power_mw": self.facility_power_mw,
            "it_power_known_kw": self.it_power_known_kw,
            "facility_power_known_mw": self.facility_power_known_mw,
            "power_complete": self.complete,
            "binding": self.binding.to_dict(),
            "tiers": [{"site": e["site"], "cluster": e["cluster"], **row}
                      for e in entries for row in e["tiers"]],
            "clusters": entries,
        }


def fabric_report(topology: Topology, *, site: str | None = None, cluster: str | None = None,
                  seed: int = 0, graph: bool = True, max_links: int | None = None,
                  progress: Progress | None = None) -> FabricReport:
    """Report on the fabrics of a topology's clusters.

    Every cluster gets its closed-form summary (:func:`infranet.fabrics.spec.summary`: tiers,
    bisection, diameter, counts) and its power (:func:`infranet.fabrics.power.cluster_power`,
    times its site's PUE). With `graph` (the default), the explicit graph of each cluster is also
    built and measured (:func:`infranet.fabrics.analysis.analyse_graph`), after its size is
    estimated
    from the closed form: a fabric of more than `max_links` links (default
    :func:`graph_budget`) is refused with the estimate, pointing to ``graph=False``.

    Parameters
    ----------
    site, cluster
        Only this datacenter, only this cluster.
    seed
        Seed of the sampled path statistics and of the partitioner of random designs.
    graph
        Build and measure the explicit graphs; False: closed forms and power only.
    max_links
        Largest explicit graph to build, in links.
    progress
        Called with ``(what, done, total)`` as clusters are measured.

    Raises
    ------
    UnknownNameError
        For an unknown site or cluster (with the closest name).
    ValidationError
        When no cluster has a fabric, or a graph would be too large to analyse.
    """
    from infranet.fabrics import power
    from infranet.fabrics.analysis import analyse_graph
    from infranet.fabrics.spec import build, summary

    sites = [site] if site else list(topology.datacenters)
    catalogue = topology.accelerators()
    if site:
        topology.site(site)  # unknown name: error with a suggestion
    chosen = []
    for name in sites:
        for spec in topology.site(name).get("clusters", ()):
            if cluster and spec["name"] != cluster:
                continue
            if not (spec.get("scale_out") or spec.get("scale_up")):
                continue
            chosen.append((name, spec))
    if not chosen:
        if cluster:
            known = [c["name"] for s in sites for c in topology.site(s).get("clusters", ())]
            raise UnknownNameError(f"no cluster {cluster!r} with a fabric"
                                   f"{did_you_mean(cluster, known)}", file=topology.file)
        raise ValidationError("no cluster has a scale_up or scale_out spec to report on; see "
                              "`infranet fabric generate --help`", file=topology.file)
    budget = graph_budget() if max_links is None else int(max_links)
    summaries = [summary(spec, catalogue) for _, spec in chosen]
    if graph:
        for (name, spec), s in zip(chosen, summaries, strict=True):
            if s.links > budget:
                raise ValidationError(
                    f"its explicit graph would have {s.nodes:,} nodes and {s.links:,} links "
                    f"(about {s.links * BYTES_PER_LINK / 2**30:,.1f} GiB to analyse), more than "
                    f"the {budget:,} links this machine can hold; the closed-form summary needs "
                    "no graph: infranet fabric report --closed-form", file=topology.file,
                    element=f"site {name!r} cluster {spec['name']!r}")
    total = sum(s.links for s in summaries) or 1
    done = 0
    reports = []
    for (name, spec), s in zip(chosen, summaries, strict=True):
        pue, _ = site_pue(topology.site(name))
        cluster_power = power.cluster_power(spec, catalogue, site=name, summary=s)
        notes = list(s.notes) + list(cluster_power.notes)
        analysis = None
        if graph:
            if progress is not None:
                progress(f"{name}/{spec['name']}: {s.links:,} links", done, total)
            fabric = build(spec, catalogue)
            analysis = analyse_graph(fabric, seed=seed, accelerator=spec["accelerator"],
                                     catalogue=catalogue)
            notes += [n for n in analysis.notes  # the power notes are the cluster power's
                      if n not in notes and not n.startswith("no published system power")]
            notes += _disagreements(s, analysis)
            done += s.links
        binding = s.binding
        if analysis is not None and (s.bisection_gbps is None or s.bisection_bound):
            binding = analysis.binding  # the graph's cut, where the closed form is no value
        reports.append(ClusterReport(site=name, cluster=spec["name"], summary=s,
                                     power=cluster_power, pue=float(pue), analysis=analysis,
                                     notes=tuple(notes), binding=binding))
    if progress is not None:
        progress("done", total, total)
    measured = [r for r in reports if r.bisection_gbps is not None]
    if measured:
        least = min(measured, key=lambda r: r.bisection_gbps or 0.0)
        b = least.binding
        binding = Binding(b.kind, f"{least.site}/{least.cluster}"
                          + (f" {b.name}" if b.name else ""),
                          f"{least.site}/{least.cluster}: {b.summary}")
    else:
        binding = Binding.nothing("no cluster has a bisection")
    return FabricReport(name=topology.name, clusters=tuple(reports), binding=binding)


def _disagreements(s: ClusterSummary, analysis: GraphAnalysis) -> list[str]:
    """Notes where the closed form and the graph disagree (they should not), and what the
    bounds of each say."""
    notes = []
    closed, cut = s.bisection_gbps, analysis.bisection_gbps
    if closed is not None and not s.bisection_bound and not math.isclose(
            closed, cut, rel_tol=CUT_RTOL, abs_tol=CUT_ATOL_GBPS):
        notes.append(f"closed-form bisection {closed:,.1f} Gb/s differs from the minimum cut "
                     f"{cut:,.1f} Gb/s")
    if s.bisection_bound == "lower" and closed is not None:
        notes.append(f"bisection: {cut:,.1f} Gb/s is the best balanced cut found (an upper "
                     f"bound); the published lower bound is {closed:,.1f} Gb/s")
    if s.bisection_bound == "upper" and closed is not None:
        notes.append(f"bisection: {cut:,.1f} Gb/s is the best balanced cut found (an upper "
                     f"bound), against {closed:,.1f} Gb/s across the natural split")
    if s.diameter_hops is not None and not s.diameter_bound \
            and s.diameter_hops != analysis.diameter_hops:
        notes.append(f"closed-form diameter {s.diameter_hops} links differs from the graph's "
                     f"{analysis.diameter_hops}")
    return notes
