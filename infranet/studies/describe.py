"""What `infranet show` prints: a topology's summary, sites, links and clusters as plain data."""

from __future__ import annotations

from typing import Any

import numpy as np

from infranet.model import Topology

__all__ = ["describe"]


def describe(topology: Topology) -> dict[str, Any]:
    """Return ``{"summary", "sites", "links", "clusters", "notes"}`` as JSON-able data.

    The summary counts sites by kind and gives total fiber km, lit capacity (Tb/s, one
    direction), accelerators and power (``power_mw`` available; the clusters' IT kW and facility
    MW, see :func:`infranet.fabrics.power.site_power`).
    """
    from infranet.fabrics.power import site_power

    power = [site_power(topology, name) for name in topology.datacenters]
    sites = topology.sites.reset_index()
    links = topology.links
    clusters = topology.clusters
    fiber = links[links["kind"] == "fiber"]
    kinds = sites["kind"].value_counts()
    summary = {
        "name": topology.name,
        "file": topology.file,
        "sites": topology.n_sites,
        "datacenters": int(kinds.get("datacenter", 0)),
        "pops": int(kinds.get("pop", 0)),
        "regions": int(kinds.get("region", 0)),
        "links": topology.n_links,
        "fiber_km": float(np.nansum(fiber["length_km"])),
        "capacity_tbps": float(np.nansum(fiber["capacity_gbps"])) / 1000.0,
        "srlgs": len(topology.srlgs()),
        "accelerators": int(clusters["count"].sum()) if len(clusters) else 0,
        "power_mw": float(np.nansum(sites["power_mw"])),
        "it_power_kw": sum(p.it_power_kw for p in power),
        "facility_power_mw": sum(p.facility_power_mw for p in power),
        "power_complete": all(p.complete for p in power),
        "description": topology.description,
        "source": topology.source,
    }
    site_rows = [
        {"name": r.name, "kind": r.kind, "lon": r.lon, "lat": r.lat, "power_mw": r.power_mw,
         "accelerators": r.accelerators}
        for r in sites.itertuples(index=False)
    ]
    link_rows = [
        {"name": r.name, "a": r.a, "b": r.b, "length_km": r.length_km,
         "length_source": r.length_source, "medium": r.medium, "capacity_gbps": r.capacity_gbps,
         "latency_ms": r.latency_ms, "srlg": list(r.srlg)}
        for r in links.itertuples(index=False)
    ]
    return {"summary": summary, "sites": site_rows, "links": link_rows,
            "clusters": clusters.to_dict("records"), "notes": list(topology.notes)}
