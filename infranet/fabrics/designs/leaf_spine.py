"""The two-tier leaf-spine: leaves of accelerators, every leaf linked to every spine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.errors import ValidationError
from infranet.fabrics.assembly import (
    assemble,
    block,
    fits,
    integer,
    positive,
    smallest_divisor_at_least,
    split_ports,
)
from infranet.fabrics.designs.base import (
    Design,
    Plan,
    Shape,
    Tier,
    clos_cut,
    natural_sides,
    register,
)
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SWITCH, FabricGraph

__all__ = ["LeafSpine", "leaf_spine", "leaf_spine_plan"]


def leaf_spine_plan(hosts: int, radix: int, ratio: float, oversubscription: float
                    ) -> tuple[int, int, int, int]:
    """Size a two-tier leaf-spine: ``(down, up, leaves, spines)``.

    `ratio` is the down over up port ratio (`oversubscription` times uplink over host rate).

    Raises
    ------
    ValidationError
        If a leaf cannot be split at `ratio`, or `hosts` need more than `radix` leaves.

    Examples
    --------
    >>> leaf_spine_plan(1000, 64, 3.0, 3.0)
    (48, 16, 21, 8)
    """
    down, up = split_ports(radix, ratio, "oversubscription")
    if hosts > radix * down:
        raise ValidationError(
            f"a 2-tier leaf-spine of {radix}-port switches at oversubscription "
            f"{oversubscription:g} holds at most {radix * down:,} hosts ({radix} leaves of "
            f"{down}); got {hosts:,}: raise radix or oversubscription, or use a 3-tier design "
            "(fat_tree, rail_optimized)", field="hosts")
    leaves = -(-hosts // down)
    return down, up, leaves, smallest_divisor_at_least(up, -(-leaves * up // radix))


def leaf_spine(hosts: int, *, radix: int = 64, oversubscription: float = 1.0,
               link_gbps: float = 400.0, uplink_gbps: float | None = None) -> FabricGraph:
    """Build a two-tier leaf-spine fabric of `radix`-port switches for `hosts` hosts.

    Each leaf (tier 1) splits its `radix` ports into ``d`` host ports at `link_gbps` and ``u``
    uplinks at `uplink_gbps` (default `link_gbps`) so that ``d·link_gbps / (u·uplink_gbps)`` is
    `oversubscription`; when no integer split is exact, ``d`` is rounded down, so the fabric is
    never more oversubscribed than asked. Hosts fill leaves in order; the last leaf may be partly
    filled. The spines (tier 2) are the fewest that terminate every uplink with each leaf
    linked to every spine by the same number of parallel links: ``s`` is the smallest divisor of
    ``u`` with ``s·radix >= leaves·u``, and each leaf has ``u/s`` links to each spine. A spine
    needs a port per leaf, so a two-tier fabric has at most `radix` leaves, i.e. ``radix·d``
    hosts; larger fabrics need three tiers (:func:`fat_tree`, :func:`rail_optimized`).

    Closed forms: ``leaves = ceil(hosts/d)``, ``hosts + leaves·u`` links.

    Parameters
    ----------
    hosts : int
        Number of hosts (accelerators), >= 1.
    radix : int, optional
        Ports per switch, leaves and spines alike (>= 2).
    oversubscription : float, optional
        Leaf downlink to uplink bandwidth ratio; 1.0 is non-blocking.
    link_gbps : float, optional
        Host-to-leaf link capacity, Gb/s per direction.
    uplink_gbps : float or None, optional
        Leaf-to-spine link capacity, Gb/s per direction; default `link_gbps`.

    Returns
    -------
    FabricGraph
        Hosts, then leaves, then spines; host ``h`` is on leaf ``h // d``. The design has no
        pods: ``node_group`` is -1 throughout. ``switch_radix`` is ``{1: radix, 2: radix}``.

    Raises
    ------
    ValidationError
        If a parameter is out of range, or `hosts` exceeds what two tiers of `radix`-port
        switches hold at that oversubscription.

    Examples
    --------
    >>> fabric = leaf_spine(2048)  # 64 leaves of 32 hosts, 32 spines
    >>> fabric.switches_per_tier, fabric.n_links
    ({1: 64, 2: 32}, 4096)
    >>> # 48 hosts and 16 uplinks per leaf; 8 spines (the smallest divisor of 16 that holds
    >>> # 21 x 16 uplinks on 64-port spines), 2 links from each leaf to each spine
    >>> leaf_spine(1000, oversubscription=3.0).switches_per_tier
    {1: 21, 2: 8}
    """
    params = {"hosts": hosts, "radix": radix, "oversubscription": oversubscription,
              "link_gbps": link_gbps, "uplink_gbps": uplink_gbps}
    hosts = integer(hosts, "hosts", minimum=1)
    radix = integer(radix, "radix", minimum=2)
    oversubscription = positive(oversubscription, "oversubscription")
    link_gbps = positive(link_gbps, "link_gbps")
    uplink_gbps = link_gbps if uplink_gbps is None else positive(uplink_gbps, "uplink_gbps")

    down, up, n_leaves, n_spines = leaf_spine_plan(
        hosts, radix, oversubscription * uplink_gbps / link_gbps, oversubscription)
    parallel = up // n_spines
    fits(hosts + n_leaves + n_spines, hosts + n_leaves * up, "hosts")

    leaf0, spine0 = hosts, hosts + n_leaves
    host_ids = np.arange(hosts, dtype=np.int64)
    uplink = np.arange(n_leaves * up, dtype=np.int64)  # uplink j of leaf l is row l*up + j
    links = [
        (host_ids, leaf0 + host_ids // down, SCALE_OUT, link_gbps),
        (leaf0 + uplink // up, spine0 + (uplink % up) // parallel, SCALE_OUT, uplink_gbps),
    ]
    nodes = [(ACCELERATOR, -1, block(hosts, -1)), (SWITCH, 1, block(n_leaves, -1)),
             (SWITCH, 2, block(n_spines, -1))]
    return assemble("leaf_spine", params, nodes, links, {1: radix, 2: radix})



@register
class LeafSpine(Design):
    """The two-tier leaf-spine as a scale-out design (radix and oversubscription)."""

    name = "leaf_spine"
    summary = ("two tiers: leaves of accelerators, each leaf linked to every spine; at most "
               "radix leaves")
    reads = ("nic", "radix", "oversubscription")
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 1000, "scale_out": {"kind": "leaf_spine", "radix": 64, "oversubscription":
        3.0}})

    generator = staticmethod(leaf_spine)

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        radix = int(options.get("radix", 64))
        over = float(options.get("oversubscription", 1.0))
        try:
            leaf_spine_plan(count, radix, over, over)
        except ValidationError as err:
            if err.field == "hosts":
                return [("scale_out", f"radix {radix} is too small for a 2-tier leaf-spine of "
                         f"{count:,} accelerators ({err.detail})")]
            return [("scale_out", err.detail)]
        return []

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        return {"hosts": plan.count, "radix": int(plan.option("radix")),
                "oversubscription": float(plan.option("oversubscription")),
                "link_gbps": plan.nic_gbps}

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        options = {"kind": self.name, "radix": params.get("radix", 64),
                   "oversubscription": params.get("oversubscription", 1.0)}
        if params.get("uplink_gbps") is not None:
            options["uplink_gbps"] = params["uplink_gbps"]
        return Plan(count=int(params["hosts"]), nic_gbps=float(params.get("link_gbps", 400.0)),
                    options=options)

    def shape(self, plan: Plan) -> Shape:
        radix, rate, count = int(plan.option("radix")), plan.nic_gbps, plan.count
        # uplinks at the NIC rate, unless a generated graph says otherwise
        uplink = float(plan.options.get("uplink_gbps") or rate)
        over = float(plan.option("oversubscription"))
        down, up, leaves, spines = leaf_spine_plan(count, radix, over * uplink / rate, over)
        spine_gbps = min(rate, leaves * up * uplink / count)
        tiers = (Tier("leaf", 1, leaves, radix, count, 0, rate, rate, 1.0),
                 Tier("spine", 2, spines, radix, leaves * up, 0, uplink, spine_gbps,
                      rate / spine_gbps))
        a, b = natural_sides(count, down)
        value, binding = clos_cut(a, b, rate, up * uplink)
        one_leaf = leaves == 1
        by_rate = {rate: count}
        by_rate[uplink] = by_rate.get(uplink, 0) + leaves * up
        return Shape(tiers=tiers, links_by_gbps=by_rate,
                     bisection_gbps=value, binding=binding,
                     diameter_hops=2 if one_leaf else 4,
                     crossed=("leaf",) if one_leaf else ("leaf", "spine", "leaf"))
