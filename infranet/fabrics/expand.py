"""Expansion: a datacenter's clusters become nodes and links inside the topology, attached to
the WAN at the site, at one of two levels of detail.

``level="cluster"``: one node per cluster (``SITE/CLUSTER``, kind ``cluster``) joined to its site
by one link of the cluster's ``dci`` capacity, so that a cluster's DCI limit and the WAN are
solved together by max-flow, fairness and routing.

``level="accelerator"``: every accelerator and switch of each cluster's fabric, with ``scale_up``
and ``scale_out`` links. The site node itself is the DCI gateway: the top tier of each cluster's
fabric links to it. Node names are ``SITE/CLUSTER/accN`` for accelerators and
``SITE/CLUSTER/TIERN`` for switches (``scale_up``, ``leaf``, ``spine``, ``core``).

Link latencies use the same figures as the closed-form summary and the measures of graphs
(:mod:`infranet.fabrics.hops`): half a switch hop at each switch end (a path through a switch
pays one hop), an inter-chip hop on each link between two accelerators, and one cable per link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from infranet import physics
from infranet.errors import ValidationError
from infranet.fabrics import hops
from infranet.fabrics.graph import ACCELERATOR, SCALE_UP, SWITCH, TIER_NAMES, FabricGraph
from infranet.fabrics.spec import build
from infranet.model import Topology

__all__ = ["LEVELS", "expand", "fabric_frames"]

#: Levels of detail of an expansion.
LEVELS = ("cluster", "accelerator")


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
    hop_ms = np.where(tier == 0, hops.scale_up_hop_us(), hops.switch_hop_us()) / 1000.0
    hop_ms = np.where(fabric.node_kind == SWITCH, hop_ms, 0.0)
    # half a switch hop at each switch end: a path through a switch pays one hop; a link
    # between two accelerators (a torus) pays one inter-chip hop
    direct = is_acc[fabric.link_u] & is_acc[fabric.link_v]
    cable_ms = hops.cable_us() / 1000.0
    latency = (cable_ms + (hop_ms[fabric.link_u] + hop_ms[fabric.link_v]) / 2.0
               + np.where(direct, hops.ici_hop_us() / 1000.0, 0.0))
    m = fabric.n_links
    link_names = np.char.add(f"{prefix}/link", np.arange(m).astype(str))
    links = _links_frame(link_names, names[fabric.link_u], names[fabric.link_v],
                         np.where(fabric.link_kind == SCALE_UP, "scale_up", "scale_out"),
                         fabric.link_gbps, latency)
    return nodes, links


def _links_frame(names: np.ndarray, a: np.ndarray, b: np.ndarray, kind: Any, gbps: Any,
                 latency_ms: Any) -> pd.DataFrame:
    m = len(names)
    cable_ms = hops.cable_us() / 1000.0
    return pd.DataFrame({
        "name": names, "a": a, "b": b, "kind": kind,
        "capacity_gbps": np.asarray(gbps, dtype=float),
        "capacity_ba_gbps": np.asarray(gbps, dtype=float),
        "length_km": np.full(m, physics.figure("cable_m") / 1000.0), "length_source": "fabric",
        "route_factor": np.nan, "medium": "smf", "fiber_pairs": None,
        "srlg": [()] * m, "cost": np.nan,
        "propagation_ms": np.full(m, cable_ms), "amplifiers": 0, "amplifier_ms": 0.0,
        "terminal_ms": 0.0, "extra_ms": np.asarray(latency_ms) - cable_ms,
        "latency_ms": np.asarray(latency_ms, dtype=float), "latency_source": "fabric",
    })


def expand(topology: Topology, sites: Sequence[str] | None = None, *,
           level: str = "accelerator") -> Topology:
    """Return a Topology whose datacenters' clusters are nodes of the graph.

    Parameters
    ----------
    sites
        Datacenters to expand (default: every datacenter with clusters; at the accelerator
        level, those whose clusters have a ``scale_up`` or ``scale_out`` spec).
    level
        ``cluster``: one node ``SITE/CLUSTER`` per cluster (kind ``cluster``), joined to its site
        by a ``scale_out`` link of the cluster's ``dci`` capacity (a cluster without ``dci`` is
        refused: its limit towards the WAN would be unknown). ``accelerator``: every
        accelerator and switch of each fabric; each cluster's top switch tier links to its site,
        sharing the cluster's ``dci`` capacity (or one NIC rate per top switch without one).

    Returns
    -------
    Topology
        The same spec with the new nodes and links in its views (``sites``, ``links``,
        ``compile()``, ``to_networkx()``); files written from it are unchanged.

    Raises
    ------
    ValidationError
        For an unknown level, or (cluster level) a cluster without ``dci``.

    Examples
    --------
    >>> from infranet.fabrics.spec import cluster_topology
    >>> topo = expand(cluster_topology("fat_tree", k=4, dci_gbps=1600.0), level="cluster")
    >>> topo.site_names, float(topo.links.loc[0, "capacity_gbps"])
    (('dc', 'dc/fat-tree'), 1600.0)
    """
    if level not in LEVELS:
        raise ValidationError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}",
                              field="level")
    chosen = list(sites) if sites is not None else list(topology.datacenters)
    if level == "cluster":
        return _cluster_level(topology, chosen)
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


def _cluster_level(topology: Topology, chosen: Sequence[str]) -> Topology:
    """One node per cluster, one link of its dci capacity to its site."""
    table = topology.sites
    rows: list[dict[str, Any]] = []
    for site in chosen:
        spec = topology.site(site)
        for j, cluster in enumerate(spec.get("clusters", ())):
            if cluster.get("dci") is None:
                raise ValidationError(
                    "the cluster view joins each cluster to its site by its dci capacity; give "
                    "dci (e.g. dci: 12.8 Tb/s)", file=topology.file,
                    element=f"site {site!r} clusters[{j}] ({cluster['name']})", field="dci")
            rows.append({"site": site, "cluster": cluster["name"], "dci": float(cluster["dci"]),
                         "lon": table.loc[site, "lon"], "lat": table.loc[site, "lat"]})
    if not rows:
        return topology
    names = np.array([f"{r['site']}/{r['cluster']}" for r in rows])
    nodes = pd.DataFrame({
        "name": names, "kind": "cluster",
        "lon": [r["lon"] for r in rows], "lat": [r["lat"] for r in rows],
        "power_mw": np.nan, "population": np.nan,
        "site": [r["site"] for r in rows], "cluster": [r["cluster"] for r in rows], "tier": -1,
    })
    links = _links_frame(np.char.add(names, "/dci"), np.array([r["site"] for r in rows]), names,
                         "scale_out", [r["dci"] for r in rows],
                         np.full(len(rows), hops.cable_us() / 1000.0))
    return topology.with_expansion(nodes, links)


def _gateway(fabric: FabricGraph, nodes: pd.DataFrame, site: str, prefix: str,
             cluster: Mapping[str, Any]) -> pd.DataFrame:
    switches = fabric.node_kind == SWITCH
    scale_out = switches & (fabric.node_tier > 0)
    latency_ms = hops.cable_us() / 1000.0
    if scale_out.any():
        top = np.flatnonzero(scale_out & (fabric.node_tier == fabric.node_tier[scale_out].max()))
        port = float(np.max(fabric.link_gbps[fabric.link_kind != SCALE_UP]))
        latency_ms += hops.switch_hop_us() / 2000.0  # the other half of the top switch's hop
    else:  # no scale-out switches: every accelerator reaches the gateway directly
        top = np.flatnonzero(fabric.node_kind == ACCELERATOR)
        port = float(np.max(fabric.link_gbps)) if fabric.n_links else 400.0
    gbps = cluster["dci"] / len(top) if "dci" in cluster else port
    names = np.char.add(f"{prefix}/gateway", np.arange(len(top)).astype(str))
    return _links_frame(names, np.full(len(top), site), nodes["name"].to_numpy()[top],
                        "scale_out", np.full(len(top), gbps), np.full(len(top), latency_ms))
