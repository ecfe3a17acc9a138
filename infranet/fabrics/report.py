"""What ``infranet fabric report`` prints: analytics of every cluster fabric of a topology."""

from __future__ import annotations

from typing import Any

from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.model import Topology

__all__ = ["fabric_report"]


def fabric_report(topology: Topology, *, site: str | None = None, cluster: str | None = None,
                  seed: int = 0) -> dict[str, Any]:
    """Return the analytics of the clusters' fabrics, per cluster and in total.

    The top level sums accelerators, switches, links and power over the clusters reported and
    takes the smallest bisection and the largest diameter; ``clusters`` holds each cluster's
    full report (see :func:`infranet.fabrics.analytics.report`) with its closed-form tier
    summary beside the one computed from the graph; ``tiers`` is the first cluster's.
    """
    from infranet.fabrics.analytics import report
    from infranet.fabrics.spec import build, summary

    sites = [site] if site else list(topology.datacenters)
    catalogue = topology.accelerators()
    if site:
        topology.site(site)  # unknown name: error with a suggestion
    entries = []
    for name in sites:
        for spec in topology.site(name).get("clusters", ()):
            if cluster and spec["name"] != cluster:
                continue
            if not (spec.get("scale_out") or spec.get("scale_up")):
                continue
            fabric = build(spec, catalogue)
            entry = {"site": name, "cluster": spec["name"], "accelerator": spec["accelerator"],
                     "kind": spec.get("scale_out", {}).get("kind", "none")}
            power_w = catalogue[spec["accelerator"]].get("power_w")
            options: dict[str, Any] = {"accelerator_w": power_w or 0.0, "seed": seed}
            if power_w is None:
                entry["notes"] = [f"the catalogue has no power figure for {spec['accelerator']}:"
                                  " power_kw counts switches and optics only"]
            entry.update(report(fabric, **options))
            entry["summary_tiers"] = summary(spec, catalogue)
            entries.append(entry)
    if not entries:
        if cluster:
            known = [c["name"] for s in sites for c in topology.site(s).get("clusters", ())]
            raise UnknownNameError(f"no cluster {cluster!r} with a fabric"
                                   f"{did_you_mean(cluster, known)}", file=topology.file)
        raise ValidationError("no cluster has a scale_up or scale_out spec to report on; see "
                              "`infranet fabric generate --help`", file=topology.file)
    return {
        "name": topology.name,
        "accelerators": sum(e["accelerators"] for e in entries),
        "switches": sum(e["switches"] for e in entries),
        "links": sum(e["links"] for e in entries),
        "bisection_gbps": min(e["bisection_gbps"] for e in entries),
        "diameter_hops": max(e["diameter_hops"] for e in entries),
        "power_kw": sum(e["power_kw"] for e in entries),
        "tiers": entries[0]["tiers"],
        "clusters": entries,
    }
