"""The k-ary fat-tree: three tiers of k-port switches, k^3/4 accelerators, full bisection
(Al-Fares, Loukissas and Vahdat, "A Scalable, Commodity Data Center Network Architecture",
SIGCOMM 2008)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.fabrics.assembly import assemble, block, fits, integer, positive
from infranet.fabrics.designs.base import (
    LARGEST_RADIX,
    RADIX_LIMIT,
    Design,
    Option,
    Plan,
    Shape,
    Tier,
    clos_cut,
    register,
)
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SWITCH, FabricGraph

__all__ = ["FatTree", "fat_tree"]


def fat_tree(k: int, *, link_gbps: float = 400.0) -> FabricGraph:
    """Build a k-ary fat-tree of k-port switches, all links `link_gbps` Gb/s per direction.

    The three-tier Clos of Al-Fares et al. (SIGCOMM 2008): `k` pods, each of ``k/2`` edge switches
    (tier 1) and ``k/2`` aggregation switches (tier 2), and ``(k/2)²`` core switches (tier 3).
    Edge switch ``j`` of pod ``p`` serves ``k/2`` hosts and links to every aggregation switch of
    its pod; aggregation switch ``i`` of every pod links to core switches
    ``i·k/2 .. i·k/2 + k/2 - 1``. Every switch uses all `k` ports; the fabric has full bisection.

    Closed forms: ``k³/4`` hosts, ``5k²/4`` switches (``k²/2`` edge, ``k²/2`` aggregation,
    ``k²/4`` core) and ``3k³/4`` links (``k³/4`` per tier).

    Parameters
    ----------
    k : int
        Switch radix (ports), even and >= 2.
    link_gbps : float, optional
        Capacity of every link, Gb/s per direction.

    Returns
    -------
    FabricGraph
        Hosts ``0 .. k³/4 - 1`` (host ``h`` on edge switch ``h // (k/2)``), then edge,
        aggregation and core switches. ``node_group`` is the pod (-1 for core switches);
        ``switch_radix`` is ``{1: k, 2: k, 3: k}``.

    Raises
    ------
    ValidationError
        If `k` is not an even integer >= 2 or `link_gbps` is not > 0.

    Examples
    --------
    >>> fabric = fat_tree(4)
    >>> fabric.n_accelerators, fabric.switches_per_tier, fabric.n_links
    (16, {1: 8, 2: 8, 3: 4}, 48)
    >>> fat_tree(48).n_accelerators
    27648
    """
    k = integer(k, "k", minimum=2, even=True)
    link_gbps = positive(link_gbps, "link_gbps")
    half = k // 2
    n_hosts, n_pod_switches = k**3 // 4, k * half
    fits(n_hosts + 5 * k * k // 4, 3 * n_hosts, "k")

    edge0 = n_hosts
    agg0 = edge0 + n_pod_switches
    core0 = agg0 + n_pod_switches
    hosts = np.arange(n_hosts, dtype=np.int64)
    # one row per (lower switch, port towards the tier above)
    lower = np.repeat(np.arange(n_pod_switches, dtype=np.int64), half)
    port = np.tile(np.arange(half, dtype=np.int64), n_pod_switches)
    links = [
        (hosts, edge0 + hosts // half, SCALE_OUT, link_gbps),
        (edge0 + lower, agg0 + (lower // half) * half + port, SCALE_OUT, link_gbps),
        (agg0 + lower, core0 + (lower % half) * half + port, SCALE_OUT, link_gbps),
    ]
    pod_of_switch = np.arange(n_pod_switches) // half
    nodes = [
        (ACCELERATOR, -1, hosts // (half * half)),
        (SWITCH, 1, pod_of_switch),
        (SWITCH, 2, pod_of_switch),
        (SWITCH, 3, block(half * half, -1)),
    ]
    return assemble("fat_tree", {"k": k, "link_gbps": link_gbps}, nodes, links,
                  {1: k, 2: k, 3: k})



@register
class FatTree(Design):
    """The k-ary fat-tree as a scale-out design: ``k`` (default: the radix) sets everything."""

    name = "fat_tree"
    summary = ("three tiers of k-port switches holding k^3/4 accelerators at full bisection "
               "(Al-Fares et al. 2008)")
    options = (Option("k", "integer", "Fat-tree arity, the ports of every switch (default: "
                      f"the radix); holds k^3/4 accelerators; {RADIX_LIMIT}.", minimum=2,
                      maximum=LARGEST_RADIX),)
    reads = ("nic", "radix")
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 128, "scale_out": {"kind": "fat_tree", "k": 8}})

    generator = staticmethod(fat_tree)

    @staticmethod
    def arity(options: Mapping[str, Any]) -> int:
        """The arity k: the spec's ``k``, else its ``radix``, else 64."""
        return int(options.get("k") or options.get("radix") or 64)

    def default_count(self, options: Mapping[str, Any]) -> int:
        return self.arity(options) ** 3 // 4

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        k = self.arity(options)
        given_k, radix = options.get("k"), options.get("radix")
        if given_k and radix and given_k != radix:
            return [("scale_out", f"k ({given_k}) and radix ({radix}) disagree: a k-ary "
                     "fat-tree is built of k-port switches; give one of them")]
        if k % 2:
            return [("scale_out", f"fat-tree arity k must be even, got {k}")]
        if count != k**3 // 4:
            return [("count", f"a k={k} fat-tree holds exactly {k**3 // 4:,} accelerators, "
                     f"not {count:,}; set scale_out.k, or use leaf_spine or rail_optimized")]
        return []

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        return {"k": self.arity(plan.options), "link_gbps": plan.nic_gbps}

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        k = int(params["k"])
        return Plan(count=k**3 // 4, nic_gbps=float(params.get("link_gbps", 400.0)),
                    options={"kind": self.name, "k": k})

    def shape(self, plan: Plan) -> Shape:
        k = self.arity(plan.options)
        half, rate = k // 2, plan.nic_gbps
        hosts = k**3 // 4
        tiers = tuple(Tier(name, level, switches, k, hosts, 0, rate, rate, 1.0)
                      for name, level, switches in (("leaf", 1, k * half), ("spine", 2, k * half),
                                                    ("core", 3, half * half)))
        on_edge = np.minimum(np.maximum(hosts // 2 - np.arange(k * half) * half, 0), half)
        pods = np.arange(k * half) // half
        value, binding = clos_cut(on_edge, half - on_edge, rate, half * rate,
                                  [(pods, half * half * rate)])
        return Shape(tiers=tiers, links_by_gbps={rate: 3 * hosts}, bisection_gbps=value,
                     binding=binding, diameter_hops=6,
                     crossed=("leaf", "spine", "core", "spine", "leaf"))
