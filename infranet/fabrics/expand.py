"""Expansion: a datacenter's clusters become explicit accelerator and switch nodes and
``scale_up`` / ``scale_out`` links inside the topology, attached to the WAN at the site.

The site node itself is the DCI gateway: the top tier of each cluster's fabric links to it.
Node names are ``SITE/CLUSTER/accN`` for accelerators and ``SITE/CLUSTER/TIERN`` for switches
(``scale_up``, ``leaf``, ``spine``, ``core``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from infranet.fabrics.graph import ACCELERATOR, SCALE_UP, SWITCH, TIER_NAMES, FabricGraph
from infranet.fabrics.spec import NVSWITCH_HOP_US, SCALE_OUT_HOP_US, build
from infranet.model import Topology

__all__ = ["CABLE_MS", "expand", "fabric_frames"]

#: In-datacenter cable: about 2 m at 5 ns/m.
CABLE_MS = 1e-5


def fabric_frames(fabric: FabricGraph, prefix: str, *, lon: float = np.nan, lat: float = np.nan,
                  site: str = "", cluster: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(nodes, links)`` DataFrames of a fabric with names under `prefix`, in bulk."""
    n = fabric.n_nodes
    tier = fabric.node_tier.astype(int)
    is_acc = fabric.node_kind == ACCELERATOR
    # number switches within their tier, accelerators among themselves
    order = np.zeros(n, dtype=np.int64)
    for t in np.unique(tier):
        mask = tier == t
        order[mask] = np.arange(int(mask.sum()))
    label = np.where(is_acc, "acc", np.array([TIER_NAMES.get(int(t), f"tier{t}") for t in tier]))
    names = np.char.add(np.char.add(f"{prefix}/", label.astype(str)), order.astype(str))
    nodes = pd.DataFrame({
        "name": names,
        "kind": np.where(is_acc, "accelerator", "switch"),
        "lon": np.full(n, lon), "lat": np.full(n, lat),
        "power_mw": np.nan, "population": np.nan,
        "site": site, "cluster": cluster, "tier": tier,
    })
    hop_ms = np.where(tier == 0, NVSWITCH_HOP_US, SCALE_OUT_HOP_US) / 1000.0
    hop_ms = np.where(fabric.node_kind == SWITCH, hop_ms, 0.0)
    # half a switch hop at each switch end: a path through a switch pays one hop
    latency = CABLE_MS + (hop_ms[fabric.link_u] + hop_ms[fabric.link_v]) / 2.0
    m = fabric.n_links
    link_names = np.char.add(f"{prefix}/link", np.arange(m).astype(str))
    links = _links_frame(link_names, names[fabric.link_u], names[fabric.link_v],
                         np.where(fabric.link_kind == SCALE_UP, "scale_up", "scale_out"),
                         fabric.link_gbps, latency)
    return nodes, links


def _links_frame(names, a, b, kind, gbps, latency_ms) -> pd.DataFrame:
    m = len(names)
    return pd.DataFrame({
        "name": names, "a": a, "b": b, "kind": kind,
        "capacity_gbps": np.asarray(gbps, dtype=float),
        "capacity_ba_gbps": np.asarray(gbps, dtype=float),
        "length_km": np.full(m, CABLE_MS / 0.005), "length_source": "fabric",
        "route_factor": np.nan, "medium": "copper_or_fiber", "fiber_pairs": None,
        "srlg": [()] * m, "cost": np.nan,
        "propagation_ms": np.full(m, CABLE_MS), "amplifiers": 0, "amplifier_ms": 0.0,
        "terminal_ms": 0.0, "extra_ms": np.asarray(latency_ms) - CABLE_MS,
        "latency_ms": np.asarray(latency_ms, dtype=float), "latency_source": "fabric",
    })


def expand(topology: Topology, sites: Sequence[str] | None = None) -> Topology:
    """Return a Topology whose datacenters' clusters are explicit fabrics.

    Parameters
    ----------
    sites
        Datacenters to expand (default: every datacenter whose clusters have a ``scale_up`` or
        ``scale_out`` spec).

    Returns
    -------
    Topology
        The same spec with fabric nodes and links in its views (``sites``, ``links``,
        ``compile()``, ``to_networkx()``); each cluster's top switch tier links to its site,
        sharing the cluster's ``dci`` capacity (or one NIC rate per top switch without one).
    """
    chosen = list(sites) if sites is not None else list(topology.datacenters)
    node_frames, link_frames = [], []
    table = topology.sites
    catalogue = topology.accelerators()
    for site in chosen:
        spec = topology.site(site)
        lon, lat = table.loc[site, "lon"], table.loc[site, "lat"]
        for cluster in spec.get("clusters", ()):
            if sites is None and not (cluster.get("scale_out") or cluster.get("scale_up")):
                continue
            fabric = build(cluster, catalogue)
            prefix = f"{site}/{cluster['name']}"
            nodes, links = fabric_frames(fabric, prefix, lon=lon, lat=lat, site=site,
                                         cluster=cluster["name"])
            node_frames.append(nodes)
            link_frames.append(links)
            link_frames.append(_gateway(fabric, nodes, site, prefix, cluster))
    if not node_frames:
        return topology
    return topology.with_expansion(pd.concat(node_frames, ignore_index=True),
                                   pd.concat(link_frames, ignore_index=True))


def _gateway(fabric: FabricGraph, nodes: pd.DataFrame, site: str, prefix: str,
             cluster: dict) -> pd.DataFrame:
    switches = fabric.node_kind == SWITCH
    scale_out = switches & (fabric.node_tier > 0)
    if scale_out.any():
        top = np.flatnonzero(scale_out & (fabric.node_tier == fabric.node_tier[scale_out].max()))
        port = float(np.max(fabric.link_gbps[fabric.link_kind != SCALE_UP]))
    else:  # no scale-out switches: every accelerator reaches the gateway directly
        top = np.flatnonzero(fabric.node_kind == ACCELERATOR)
        port = float(np.max(fabric.link_gbps)) if fabric.n_links else 400.0
    gbps = cluster["dci"] / len(top) if "dci" in cluster else port
    names = np.char.add(f"{prefix}/gateway", np.arange(len(top)).astype(str))
    return _links_frame(names, np.full(len(top), site), nodes["name"].to_numpy()[top],
                        "scale_out", np.full(len(top), gbps), np.full(len(top), CABLE_MS))
