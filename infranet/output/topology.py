"""What ``infranet show`` prints: a topology's summary, sites, links, clusters, notes and
warnings, as plain data (the output formats turn it into tables, JSON or CSV)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["COLUMNS", "PARTS", "describe"]

#: The tables of :func:`describe`, in the order ``show`` prints them.
PARTS = ("summary", "sites", "links", "clusters", "notes", "warnings")
#: The columns of each table of :func:`describe` but the summary (an empty table and its CSV
#: header have them too).
COLUMNS = {
    "sites": ("name", "kind", "lon", "lat", "power_mw", "accelerators"),
    "links": ("name", "a", "b", "length_km", "length_source", "medium", "capacity_gbps",
              "capacity_ba_gbps", "latency_ms", "srlg"),
    "clusters": ("site", "name", "accelerator", "count", "scale_up", "scale_out", "dci_gbps"),
    "notes": ("note",),
    "warnings": ("element", "field", "message"),
}


def describe(topology: Topology) -> dict[str, Any]:
    """Return ``{"summary", "sites", "links", "clusters", "notes", "warnings"}`` as JSON-able
    data.

    The summary counts sites by kind and gives total fiber km, lit capacity (Tb/s, one
    direction; summed in Tb/s so that capacities near the largest float do not overflow),
    accelerators and power (``power_mw`` available, None when no site gives it; the clusters'
    IT kW and facility MW, see :func:`infranet.fabrics.power.site_power`, None when the power
    of some accelerators is not published, ``power_complete`` False). ``notes`` are what the
    file (or its conversion) assumed; ``warnings`` what validation found doubtful but not wrong
    (:func:`infranet.model.schema.warnings`: co-located sites, clusters unlike their
    accelerator, sites over their power). A link's
    ``capacity_ba_gbps`` is its capacity from b to a (equal to ``capacity_gbps`` unless the file
    gives ``capacity_ba``).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "notes": ["lengths are estimates"],
    ...     "sites": [{"name": "x", "location": [0, 0]}, {"name": "y", "location": [1, 0]}],
    ...     "links": [{"a": "x", "b": "y", "capacity": "1 Pb/s"},
    ...               {"a": "x", "b": "y", "capacity": 400, "capacity_ba": 100}]})
    >>> d = describe(topo)
    >>> d["summary"]["capacity_tbps"], d["notes"]
    (1000.4, ['lengths are estimates'])
    >>> [(x["capacity_gbps"], x["capacity_ba_gbps"]) for x in d["links"]]
    [(1000000.0, 1000000.0), (400.0, 100.0)]
    """
    from infranet.fabrics.power import site_power
    from infranet.model import schema

    power = [site_power(topology, name) for name in topology.datacenters]
    complete = all(p.complete for p in power)
    sites = topology.sites.reset_index()
    links = topology.links
    clusters = topology.clusters
    fiber = links[links["kind"] == "fiber"]
    kinds = sites["kind"].value_counts()
    budgets = sites["power_mw"].to_numpy(dtype=float)
    summary = {
        "name": topology.name,
        "file": topology.file,
        "sites": topology.n_sites,
        "datacenters": int(kinds.get("datacenter", 0)),
        "pops": int(kinds.get("pop", 0)),
        "regions": int(kinds.get("region", 0)),
        "links": topology.n_links,
        "fiber_km": float(np.nansum(fiber["length_km"].to_numpy(dtype=float))),
        "capacity_tbps": float(np.nansum(fiber["capacity_gbps"].to_numpy(dtype=float) / 1000.0)),
        "srlgs": len(topology.srlgs()),
        "accelerators": int(clusters["count"].sum()) if len(clusters) else 0,
        # unknown power is unknown (None), never 0
        "power_mw": float(np.nansum(budgets)) if not np.isnan(budgets).all() else None,
        "it_power_kw": sum(p.known_it_power_kw for p in power) if complete else None,
        "facility_power_mw": (sum(p.known_facility_power_mw for p in power) if complete
                              else None),
        "power_complete": complete,
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
         "capacity_ba_gbps": r.capacity_ba_gbps, "latency_ms": r.latency_ms,
         "srlg": list(r.srlg)}
        for r in links.itertuples(index=False)
    ]
    return {"summary": summary, "sites": site_rows, "links": link_rows,
            "clusters": clusters.to_dict("records"),
            "notes": list(topology.notes),
            "warnings": [w.to_dict() for w in schema.warnings(topology)]}
