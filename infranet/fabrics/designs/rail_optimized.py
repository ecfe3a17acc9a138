"""The rail-optimised fabric of GPU clusters (NVIDIA DGX SuperPOD style): NIC ``i`` of every
server (or rack) of a scalable unit on leaf ``i``, leaves under spines, and a core beyond
``radix`` leaves."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet import physics
from infranet.errors import ValidationError
from infranet.fabrics.assembly import (
    assemble,
    block,
    fits,
    integer,
    positive,
    smallest_divisor_at_least,
)
from infranet.fabrics.designs.base import (
    LARGEST_RADIX,
    Design,
    Option,
    Plan,
    Shape,
    Tier,
    clos_cut,
    register,
)
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SCALE_UP, SWITCH, FabricGraph

__all__ = ["RailOptimized", "rail_optimized", "rail_plan"]


def rail_plan(gpus: int, gpus_per_server: int, servers_per_su: int, radix: int,
               spine_oversubscription: float) -> dict[str, int]:
    """Size a rail-optimised fabric: counts per tier and parallel links per switch pair."""
    if gpus % gpus_per_server:
        raise ValidationError(
            f"expected a multiple of gpus_per_server ({gpus_per_server}), got {gpus:,}",
            field="gpus")
    rails, down = gpus_per_server, servers_per_su
    up = math.ceil(down / spine_oversubscription - 1e-9)
    if down + up > radix:
        raise ValidationError(
            f"a leaf serving {down} servers needs {down} down + {up} up ports at "
            f"spine_oversubscription {spine_oversubscription:g}, more than radix {radix}",
            field="servers_per_su")
    servers = gpus // gpus_per_server
    sus = -(-servers // servers_per_su)
    leaves = rails * sus
    plan = {"servers": servers, "sus": sus, "rails": rails, "leaves": leaves, "up": up}
    if leaves <= radix:  # two tiers: every spine has a port for every leaf
        spines = smallest_divisor_at_least(up, -(-leaves * up // radix))
        plan.update(tiers=2, spines=spines, leaf_spine_parallel=up // spines, pods=1,
                    pod_leaves=leaves, cores=0, core_planes=0, spine_core_parallel=0)
        return plan
    # three tiers: pods of whole SUs under `up` spines (one link per leaf each, at most radix/2
    # leaves so that a spine has as many ports up to the core as down), then core planes: spine i
    # of every pod links to the cores of plane i.
    sus_per_pod = (radix // 2) // rails
    if sus_per_pod < 1:
        raise ValidationError(
            f"{rails} rails do not fit under spines of radix {radix} in a 3-tier design "
            f"(at most {radix // 2})", field="gpus_per_server")
    pod_leaves = sus_per_pod * rails
    pods = -(-sus // sus_per_pod)
    if pods > radix:
        most = radix * sus_per_pod * servers_per_su * gpus_per_server
        raise ValidationError(
            f"a 3-tier rail-optimised fabric of radix-{radix} switches holds at most "
            f"{most:,} GPUs ({radix} pods of {sus_per_pod} SUs); got {gpus:,}", field="gpus")
    per_plane = smallest_divisor_at_least(pod_leaves, -(-pods * pod_leaves // radix))
    plan.update(tiers=3, spines=pods * up, leaf_spine_parallel=1, pods=pods,
                pod_leaves=pod_leaves, cores=up * per_plane, core_planes=up,
                spine_core_parallel=pod_leaves // per_plane)
    return plan


def rail_optimized(gpus: int, *, gpus_per_server: int = 8, servers_per_su: int = 32,
                   nic_gbps: float = 400.0, radix: int = 64, scale_up_gbps: float | None = None,
                   spine_oversubscription: float = 1.0) -> FabricGraph:
    """Build a rail-optimised GPU fabric (DGX SuperPOD style) with NVLink servers.

    Scale-up: each server's `gpus_per_server` GPUs link to one NVSwitch node (tier 0) at
    `scale_up_gbps` (by default H100's from the accelerator catalogue: NVLink 4 on HGX H100,
    450 GB/s per direction = 3,600 Gb/s).

    Scale-out, at `nic_gbps` on every link: a scalable unit (SU) is `servers_per_su` servers on
    `gpus_per_server` rail leaves (tier 1); leaf ``r`` of an SU links to NIC ``r`` (GPU ``r``) of
    every server of the SU, so same-index GPUs of an SU are one leaf apart. A leaf has
    ``servers_per_su`` down ports and ``u = ceil(servers_per_su / spine_oversubscription)``
    uplinks (as many as down ports by default: non-blocking). With the defaults an SU is 256
    GPUs on 8 leaves, and 4 SUs (1,024 GPUs) run on 16 spines, each leaf with 2 links to each.

    Two tiers while ``leaves <= radix`` (a spine has a port for every leaf): the spines (tier 2)
    are the fewest ``s``, a divisor of ``u`` with ``s·radix >= leaves·u``, each leaf having
    ``u/s`` links to each. With radix 64 that is up to 8 SUs = 2,048 GPUs on 64 leaves and 32
    spines. Beyond, a 3-tier Clos as in large SuperPODs: pods of ``P`` leaves (the most whole SUs
    with at most ``radix/2`` leaves: 4 SUs, 32 leaves) under ``u`` spines each, one link from each
    leaf to each spine of its pod, and ``P`` uplinks per spine to the core (tier 3). The core is
    ``u`` planes of ``c`` switches, ``c`` the smallest divisor of ``P`` with
    ``c·radix >= pods·P``; spine ``i`` of every pod links to every core of plane ``i`` with
    ``P/c`` parallel links. Radix 64 holds up to 64 pods = 65,536 GPUs; 32,768 GPUs are 32 pods
    on 1,024 leaves, 1,024 spines and 512 cores. The last SU (and pod) may be partly filled.

    Parameters
    ----------
    gpus : int
        Number of GPUs, a multiple of `gpus_per_server`.
    gpus_per_server : int, optional
        GPUs (and NICs, and rails) per server.
    servers_per_su : int, optional
        Servers per scalable unit, i.e. down ports per leaf.
    nic_gbps : float, optional
        Capacity of every scale-out link, Gb/s per direction (ConnectX-7: 400).
    radix : int, optional
        Ports per leaf, spine and core switch.
    scale_up_gbps : float, optional
        Capacity of each GPU's link to its NVSwitch node, Gb/s per direction.
    spine_oversubscription : float, optional
        Leaf downlink to uplink ratio; 1.0 is non-blocking. The spine-to-core stage is always
        non-blocking.

    Returns
    -------
    FabricGraph
        GPUs (GPU ``g`` is GPU ``g % gpus_per_server`` of server ``g // gpus_per_server``), then
        NVSwitch nodes (one per server, in server order), leaves (leaf ``r`` of SU ``s`` is
        ``s·gpus_per_server + r``), spines (pod-major), cores (plane-major). ``node_group`` is the
        SU of GPUs, NVSwitch nodes and leaves, and -1 for spines and cores. ``switch_radix`` is
        ``{0: gpus_per_server, 1: radix, 2: radix}`` (and ``3: radix`` with a core).

    Raises
    ------
    ValidationError
        If a parameter is out of range, a leaf cannot hold its down and up ports, or `gpus` is
        more than three tiers of `radix`-port switches hold.

    Examples
    --------
    >>> fabric = rail_optimized(1024)
    >>> fabric.switches_per_tier  # 128 NVSwitch nodes, 32 leaves, 16 spines
    {0: 128, 1: 32, 2: 16}
    >>> rail_optimized(32768).switches_per_tier
    {0: 4096, 1: 1024, 2: 1024, 3: 512}
    """
    params = {"gpus": gpus, "gpus_per_server": gpus_per_server, "servers_per_su": servers_per_su,
              "nic_gbps": nic_gbps, "radix": radix, "scale_up_gbps": scale_up_gbps,
              "spine_oversubscription": spine_oversubscription}
    gpus = integer(gpus, "gpus", minimum=1)
    rails = integer(gpus_per_server, "gpus_per_server", minimum=1)
    per_su = integer(servers_per_su, "servers_per_su", minimum=1)
    radix = integer(radix, "radix", minimum=2)
    nic_gbps = positive(nic_gbps, "nic_gbps")
    if scale_up_gbps is None:
        scale_up_gbps = physics.accelerator("H100").scale_up_gbps
    scale_up_gbps = positive(scale_up_gbps, "scale_up_gbps")
    spine_oversubscription = positive(spine_oversubscription, "spine_oversubscription")
    plan = rail_plan(gpus, rails, per_su, radix, spine_oversubscription)
    servers, leaves, up = plan["servers"], plan["leaves"], plan["up"]
    spines, cores = plan["spines"], plan["cores"]
    n_links = 2 * gpus + leaves * up + spines * plan["pod_leaves"] * (plan["tiers"] == 3)
    fits(gpus + servers + leaves + spines + cores, n_links, "gpus")

    nvs0 = gpus
    leaf0 = nvs0 + servers
    spine0 = leaf0 + leaves
    core0 = spine0 + spines
    gpu = np.arange(gpus, dtype=np.int64)
    server = gpu // rails
    su = server // per_su
    links = [
        (gpu, nvs0 + server, SCALE_UP, scale_up_gbps),
        (gpu, leaf0 + su * rails + gpu % rails, SCALE_OUT, nic_gbps),
    ]
    uplink = np.arange(leaves * up, dtype=np.int64)  # uplink j of leaf l is row l*up + j
    leaf, j = uplink // up, uplink % up
    if plan["tiers"] == 2:
        links.append((leaf0 + leaf, spine0 + j // plan["leaf_spine_parallel"], SCALE_OUT,
                      nic_gbps))
    else:
        pod = leaf // plan["pod_leaves"]
        links.append((leaf0 + leaf, spine0 + pod * up + j, SCALE_OUT, nic_gbps))
        # spine i of pod q has pod_leaves uplinks; uplink t goes to core t // parallel of plane i
        per_spine = plan["pod_leaves"]
        row = np.arange(spines * per_spine, dtype=np.int64)
        spine, t = row // per_spine, row % per_spine
        plane = spine % up
        per_plane = cores // up
        links.append((spine0 + spine, core0 + plane * per_plane + t // plan["spine_core_parallel"],
                      SCALE_OUT, nic_gbps))
    nodes = [
        (ACCELERATOR, -1, su),
        (SWITCH, 0, np.arange(servers) // per_su),
        (SWITCH, 1, np.arange(leaves) // rails),
        (SWITCH, 2, block(spines, -1)),
    ]
    radii = {0: rails, 1: radix, 2: radix}
    if cores:
        nodes.append((SWITCH, 3, block(cores, -1)))
        radii[3] = radix
    return assemble("rail_optimized", params, nodes, links, radii)



@register
class RailOptimized(Design):
    """The rail-optimised fabric as a scale-out design.

    A server is the cluster's scale-up domain (8 GPUs of an HGX server, 72 of an NVL72 rack),
    each GPU with its own NIC: one rail per GPU of the domain. A scalable unit (SU) is
    ``servers_per_su`` servers, by default as many as a non-blocking leaf has down ports
    (``radix / 2``: 32 DGX servers on 64-port leaves, as NVIDIA's H100 SuperPOD; 72 NVL72 racks
    on 144-port leaves).
    """

    name = "rail_optimized"
    summary = ("one leaf per rail (GPU index) of each scalable unit of servers or racks, then "
               "spines, and a core beyond radix leaves (NVIDIA DGX SuperPOD)")
    options = (Option("servers_per_su", "integer", "Servers (scale-up domains) per scalable "
                      "unit, the down ports of each leaf (rail-optimised; default: those of a "
                      f"non-blocking leaf, radix / 2); at most {LARGEST_RADIX}, the largest "
                      "switch radix.", minimum=1, maximum=LARGEST_RADIX),)
    reads = ("nic", "radix", "oversubscription")
    needs_servers = True
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 1024, "scale_up": {"kind": "nvswitch", "domain": 8}, "scale_out": {"kind":
        "rail_optimized", "oversubscription": 2.0}})

    generator = staticmethod(rail_optimized)

    @staticmethod
    def servers_per_su(options: Mapping[str, Any]) -> int:
        """Servers per scalable unit: the spec's, else half the radix."""
        given = options.get("servers_per_su")
        return int(given) if given else max(1, int(options.get("radix") or 64) // 2)

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        if count % server:
            return [("count", f"{count:,} accelerators do not fill whole servers of {server}")]
        try:
            rail_plan(count, server, self.servers_per_su(options), int(options.get("radix", 64)),
                      float(options.get("oversubscription", 1.0)))
        except ValidationError as err:
            return [("scale_out", f"{err.field}: {err.detail}" if err.field not in
                     (None, "gpus") else err.detail)]
        return []

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        options: dict[str, Any] = {
            "gpus": plan.count, "gpus_per_server": plan.server,
            "servers_per_su": self.servers_per_su(plan.options), "nic_gbps": plan.nic_gbps,
            "radix": int(plan.option("radix")),
            "spine_oversubscription": float(plan.option("oversubscription"))}
        if math.isfinite(plan.scale_up_gbps):
            options["scale_up_gbps"] = plan.scale_up_gbps
        return options

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        return Plan(count=int(params["gpus"]), server=int(params.get("gpus_per_server", 8)),
                    domain=int(params.get("gpus_per_server", 8)),
                    nic_gbps=float(params.get("nic_gbps", 400.0)),
                    scale_up_gbps=float(params.get("scale_up_gbps")
                                        or physics.accelerator("H100").scale_up_gbps or "nan"),
                    options={"kind": self.name,
                             "servers_per_su": params.get("servers_per_su", 32),
                             "radix": params.get("radix", 64),
                             "oversubscription": params.get("spine_oversubscription", 1.0)})

    def shape(self, plan: Plan) -> Shape:
        rails, per_su = plan.server, self.servers_per_su(plan.options)
        radix, rate, count = int(plan.option("radix")), plan.nic_gbps, plan.count
        p = rail_plan(count, rails, per_su, radix, float(plan.option("oversubscription")))
        leaves, up, spines = p["leaves"], p["up"], p["spines"]
        spine_gbps = min(rate, leaves * up * rate / count)
        tiers = [Tier("leaf", 1, leaves, radix, count, 0, rate, rate, 1.0),
                 Tier("spine", 2, spines, radix, leaves * up, 0, rate, spine_gbps,
                      rate / spine_gbps)]
        links = count + leaves * up
        if p["tiers"] == 3:
            core_links = spines * p["pod_leaves"]
            core_gbps = min(spine_gbps, core_links * rate / count)
            tiers.append(Tier("core", 3, p["cores"], radix, core_links, 0, rate, core_gbps,
                              rate / core_gbps))
            links += core_links
        notes: tuple[str, ...] = ()
        value: float | None = None
        binding = None
        half = count // 2
        if half % rails:
            notes = (f"no closed-form bisection: the natural split cuts a server of {rails}",)
        else:
            su = np.arange(p["sus"])
            in_su = np.minimum(per_su, p["servers"] - su * per_su)
            a_su = np.clip(half // rails - su * per_su, 0, in_su)
            a, b = np.repeat(a_su, rails), np.repeat(in_su - a_su, rails)
            levels = []
            if p["tiers"] == 3:
                levels = [(np.arange(leaves) // p["pod_leaves"], up * p["pod_leaves"] * rate)]
            value, binding = clos_cut(a, b, rate, up * rate, levels)
        crossed: tuple[str, ...]
        if p["tiers"] == 3:
            hops, crossed = 6, ("leaf", "spine", "core", "spine", "leaf")
        elif leaves > 1:
            hops, crossed = 4, ("leaf", "spine", "leaf")
        else:
            hops, crossed = 2, ("leaf",)
        return Shape(tiers=tuple(tiers), links_by_gbps={rate: links}, bisection_gbps=value,
                     binding=binding, diameter_hops=hops, crossed=crossed, notes=notes)
