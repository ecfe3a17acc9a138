"""From a cluster spec (as written in a topology file) to its fabric: the explicit graph, or
the per-tier summary in closed form. Both come from the same spec and agree.

A cluster spec::

    {name: su, accelerator: H100, count: 1024,
     scale_up: {kind: nvswitch, domain: 8},
     scale_out: {kind: rail_optimized, nic: 400G, radix: 64},
     dci: 12.8 Tb/s}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from infranet import physics
from infranet.errors import ValidationError
from infranet.fabrics.graph import ACCELERATOR, SCALE_UP, SWITCH, FabricGraph

__all__ = [
    "NVSWITCH_HOP_US",
    "SCALE_OUT_HOP_US",
    "accelerator_figures",
    "build",
    "generator_options",
    "summary",
]

#: Scale-out switch hop latency: InfiniBand 0.15-0.35 µs, sources disagree (FIGURES.md); the
#: middle of the range.
SCALE_OUT_HOP_US = 0.25
#: NVLink-switch hop; NVIDIA publishes no figure, taken like an InfiniBand hop.
NVSWITCH_HOP_US = 0.25
#: TPU ICI hop, about 1 µs ("How to Scale Your Model", TPU chapter).
ICI_HOP_US = 1.0


def accelerator_figures(name: str,
                        catalogue: Mapping[str, Mapping[str, Any]] | None = None
                        ) -> dict[str, float]:
    """Return ``nic_gbps``, ``scale_up_gbps`` (per direction), ``domain`` and ``power_w`` of an
    accelerator (NaN where the catalogue has no figure).

    `catalogue` is a topology's own view (:meth:`infranet.model.Topology.accelerators`); by
    default the packaged catalogue.
    """
    rows = catalogue if catalogue is not None else physics.accelerators()
    row = rows[name]

    def number(key: str) -> float:
        value = row.get(key)
        return float(value) if value not in (None, "") else math.nan

    return {
        "nic_gbps": number("nic_gbps"),
        "scale_up_gbps": number("scale_up_gbytes_per_s") * 8.0,
        "domain": number("scale_up_domain"),
        "power_w": number("power_w"),
    }


def _domain(cluster: Mapping[str, Any], figures: Mapping[str, float]) -> int:
    up = cluster.get("scale_up", {})
    if up.get("kind") == "nvswitch":
        if up.get("domain"):
            return int(up["domain"])
        return int(figures["domain"]) if math.isfinite(figures["domain"]) else 8
    if up.get("kind") == "torus":
        return math.prod(up["dims"])
    return 1


def _scale_up_gbps(cluster: Mapping[str, Any], figures: Mapping[str, float]) -> float:
    up = cluster.get("scale_up", {})
    if "bandwidth" in up:
        return float(up["bandwidth"])
    return figures["scale_up_gbps"]


def _nic_gbps(cluster: Mapping[str, Any], figures: Mapping[str, float]) -> float:
    nic = cluster.get("scale_out", {}).get("nic")
    if nic is not None:
        return float(nic)
    if not math.isfinite(figures["nic_gbps"]):
        raise ValidationError(f"the catalogue has no NIC rate for {cluster['accelerator']}; give "
                              "scale_out.nic", field="scale_out")
    return figures["nic_gbps"]


def generator_options(cluster: Mapping[str, Any],
                      catalogue: Mapping[str, Mapping[str, Any]] | None = None
                      ) -> tuple[str, dict[str, Any]]:
    """Return ``(generator name, keyword arguments)`` that build the scale-out of `cluster`."""
    figures = accelerator_figures(cluster["accelerator"], catalogue)
    so = cluster.get("scale_out", {"kind": "none"})
    kind = so["kind"]
    count = cluster["count"]
    radix = so.get("radix", 64)
    nic = _nic_gbps(cluster, figures) if kind != "none" else math.nan
    if kind == "fat_tree":
        return kind, {"k": so.get("k", radix), "link_gbps": nic}
    if kind == "leaf_spine":
        return kind, {"hosts": count, "radix": radix,
                      "oversubscription": so.get("oversubscription", 1.0), "link_gbps": nic}
    if kind == "rail_optimized":
        return kind, {"gpus": count, "servers_per_su": so.get("servers_per_su", 32),
                      "nic_gbps": nic, "radix": radix}
    if kind == "dragonfly":
        options = {"a": so["a"], "p": so["p"], "h": so["h"], "link_gbps": nic}
        if "groups" in so:
            options["groups"] = so["groups"]
        return kind, options
    if kind == "jellyfish":
        return kind, {"switches": so["switches"], "ports": so["ports"],
                      "hosts_per_switch": so["hosts_per_switch"], "link_gbps": nic,
                      "seed": so.get("seed", 0)}
    if kind == "torus":
        return kind, {"dims": tuple(so["dims"]), "link_gbps": nic}
    return "none", {"count": count}


def build(cluster: Mapping[str, Any],
          catalogue: Mapping[str, Mapping[str, Any]] | None = None) -> FabricGraph:
    """Return the explicit fabric of a cluster spec: scale-out design plus scale-up domains.

    Accelerators are numbered ``0 .. count-1`` in both layers: scale-up domain ``d`` holds
    accelerators ``d*D .. d*D + D-1`` (servers of a rail-optimised fabric, NVL72 racks, tori).
    """
    from infranet.fabrics import generators

    figures = accelerator_figures(cluster["accelerator"], catalogue)
    kind, options = generator_options(cluster, catalogue)
    if kind == "none":
        base = _empty(cluster["count"])
    else:
        base = generators.GENERATORS[kind](**options)
    up = cluster.get("scale_up")
    if not up:
        return base
    if up["kind"] == "torus":
        torus = generators.torus(tuple(up["dims"]),
                                 link_gbps=_scale_up_gbps(cluster, figures) / (2 * len(up["dims"])))
        if kind == "none" and torus.n_accelerators == cluster["count"]:
            return torus  # one torus is the whole cluster: keep its design for the analytics
        return _with_tori(base, torus)
    return _with_nvswitch(base, _domain(cluster, figures), _scale_up_gbps(cluster, figures))


def _empty(count: int) -> FabricGraph:
    return FabricGraph(
        kind="none", params={"count": count},
        node_kind=np.full(count, ACCELERATOR, dtype=np.int8),
        node_tier=np.full(count, -1, dtype=np.int8),
        node_group=np.full(count, -1, dtype=np.int32),
        link_u=np.empty(0, dtype=np.int32), link_v=np.empty(0, dtype=np.int32),
        link_kind=np.empty(0, dtype=np.int8), link_gbps=np.empty(0),
    )


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


def _append(fabric: FabricGraph, node_kind, node_tier, node_group, link_u, link_v, link_kind,
            link_gbps, radix: dict[int, int]) -> FabricGraph:
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


def summary(cluster: Mapping[str, Any],
            catalogue: Mapping[str, Mapping[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Return the per-tier summary of a cluster in closed form, without building its graph.

    One row per tier, bottom up: ``tier`` (``scale_up``, ``leaf``, ``spine``, ``core``,
    ``dci``), ``gbps_per_accelerator`` (per direction, what each accelerator can push through
    that tier when all do at once), ``oversubscription`` (cumulative, below that tier),
    ``hop_us`` (latency of one switch at that tier) and ``accelerators`` sharing the tier.
    """
    figures = accelerator_figures(cluster["accelerator"], catalogue)
    count = cluster["count"]
    rows: list[dict[str, Any]] = []
    up = cluster.get("scale_up")
    if up:
        if up["kind"] == "torus":
            hop = ICI_HOP_US
        else:
            hop = NVSWITCH_HOP_US
        rows.append({"tier": "scale_up", "gbps_per_accelerator": _scale_up_gbps(cluster, figures),
                     "oversubscription_below": 1.0, "hop_us": hop,
                     "accelerators": _domain(cluster, figures)})
    so = cluster.get("scale_out", {"kind": "none"})
    kind = so["kind"]
    if kind != "none":
        nic = _nic_gbps(cluster, figures)
        o = float(so.get("oversubscription", 1.0)) if kind in ("leaf_spine",
                                                               "rail_optimized") else 1.0
        tiers = {"fat_tree": 3, "leaf_spine": 2, "dragonfly": 1, "jellyfish": 1,
                 "torus": 0}.get(kind)
        if kind == "rail_optimized":
            tiers = 2 if count <= (so.get("radix", 64) ** 2) // 2 else 3
        names = ["leaf", "spine", "core"][:tiers]
        for i, name in enumerate(names):
            rows.append({"tier": name, "gbps_per_accelerator": nic if i == 0 else nic / o,
                         "oversubscription_below": 1.0 if i == 0 else o,
                         "hop_us": SCALE_OUT_HOP_US,
                         "accelerators": count})
    if "dci" in cluster:
        rows.append({"tier": "dci", "gbps_per_accelerator": cluster["dci"] / count,
                     "oversubscription_below": math.nan, "hop_us": math.nan,
                     "accelerators": count})
    return rows


def cluster_topology(kind: str, *, accelerator: str = "H100", count: int | None = None,
                     site: str = "dc", location: tuple[float, float] | None = None,
                     scale_up: Mapping[str, Any] | None = None, dci_gbps: float | None = None,
                     name: str | None = None, **scale_out: Any):
    """Return a Topology of one datacenter holding one cluster with a `kind` scale-out fabric.

    `count` defaults to what the design holds (k^3/4 for a fat-tree, a*p*groups for a
    dragonfly, switches*hosts_per_switch for Jellyfish, the product of a torus' dims).

    Examples
    --------
    >>> topo = cluster_topology("fat_tree", k=4)
    >>> topo.site("dc")["clusters"][0]["count"]
    16
    """
    from infranet.model import Topology

    options = {key: value for key, value in scale_out.items() if value is not None}
    if count is None:
        count = _design_count(kind, options, accelerator)
    cluster: dict[str, Any] = {"name": f"{kind.replace('_', '-')}", "accelerator": accelerator,
                               "count": count}
    if kind != "none":
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


def _design_count(kind: str, options: Mapping[str, Any], accelerator: str) -> int:
    try:
        if kind == "fat_tree":
            k = options.get("k", options.get("radix", 64))
            return k**3 // 4
        if kind == "dragonfly":
            groups = options.get("groups", options["a"] * options["h"] + 1)
            return options["a"] * options["p"] * groups
        if kind == "jellyfish":
            return options["switches"] * options["hosts_per_switch"]
        if kind == "torus":
            return math.prod(options["dims"])
    except KeyError as err:
        raise ValidationError(f"a {kind} needs {err.args[0]}", field=str(err.args[0])) from None
    raise ValidationError(f"give the number of accelerators for a {kind} fabric (--count)",
                          field="count")
