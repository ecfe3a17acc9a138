"""The dragonfly: groups of fully connected routers, joined all-to-all by global links
(Kim, Dally, Scott and Abts, "Technology-Driven, Highly-Scalable Dragonfly Topology", ISCA
2008)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.errors import ValidationError
from infranet.fabrics.assembly import assemble, fits, integer, positive
from infranet.fabrics.designs.base import Design, Option, Plan, Shape, Tier, register, required
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SWITCH, FabricGraph

__all__ = ["Dragonfly", "dragonfly", "dragonfly_bisection", "dragonfly_diameter"]


def dragonfly(a: int, p: int, h: int, *, groups: int | None = None, link_gbps: float = 200.0,
              global_gbps: float | None = None) -> FabricGraph:
    """Build a dragonfly of `groups` groups of `a` routers with `p` hosts and `h` global links each.

    Kim et al., "Technology-Driven, Highly-Scalable Dragonfly Topology" (ISCA 2008): the routers
    (tier 1) of a group are fully connected by local links; each router has `h` global links to
    other groups. `groups` defaults to ``a·h + 1``, the balanced maximum where every pair of
    groups is joined by exactly one global link. Global links follow the "consecutive"
    arrangement (Camarero et al., ACM TACO 2014): global port ``q = r·h + i`` of group ``G``
    (router ``r``, its ``i``-th global port) links to the ``(q mod (groups-1))``-th other group in
    increasing order. With fewer groups each pair of groups gets
    ``m = floor(a·h / (groups-1))`` parallel global links spread over different routers, and the
    ``a·h - m·(groups-1)`` remaining global ports of each group stay unused.

    Closed forms, with ``g`` groups: ``a·g`` routers, ``a·p·g`` hosts, ``g·a(a-1)/2`` local links,
    ``m·g(g-1)/2`` global links (``a·h·g/2`` when ``g = a·h + 1``), ``a·p·g`` host links.

    Parameters
    ----------
    a : int
        Routers per group, >= 1.
    p : int
        Hosts per router, >= 1.
    h : int
        Global links per router, >= 0.
    groups : int or None, optional
        Number of groups, ``1 .. a·h + 1``; default ``a·h + 1``.
    link_gbps : float, optional
        Host and local link capacity, Gb/s per direction.
    global_gbps : float or None, optional
        Global link capacity, Gb/s per direction; default `link_gbps`.

    Returns
    -------
    FabricGraph
        Hosts (host ``i`` on router ``i // p``), then routers (router ``r`` of group ``G`` is
        ``G·a + r``); links are host, local, then global. ``node_group`` is the group;
        ``switch_radix`` is ``{1: p + a - 1 + h}``.

    Raises
    ------
    ValidationError
        If a parameter is out of range, or `groups` exceeds ``a·h + 1``.

    Examples
    --------
    >>> fabric = dragonfly(4, 2, 2)  # 9 groups of 4 routers
    >>> fabric.n_accelerators, fabric.switches_per_tier, fabric.n_links
    (72, {1: 36}, 162)
    """
    params = {"a": a, "p": p, "h": h, "groups": groups, "link_gbps": link_gbps,
              "global_gbps": global_gbps}
    a = integer(a, "a", minimum=1)
    p = integer(p, "p", minimum=1)
    h = integer(h, "h", minimum=0)
    most = a * h + 1
    g = most if groups is None else integer(groups, "groups", minimum=1)
    if g > most:
        raise ValidationError(
            f"at most a*h+1 = {most} groups (each group has {a * h} global ports, one per other "
            f"group); got {g}", field="groups")
    link_gbps = positive(link_gbps, "link_gbps")
    global_gbps = link_gbps if global_gbps is None else positive(global_gbps, "global_gbps")
    parallel = (a * h) // (g - 1) if g > 1 else 0
    n_hosts, n_routers = a * p * g, a * g
    n_global = parallel * g * (g - 1) // 2
    fits(n_hosts + n_routers, n_hosts + g * a * (a - 1) // 2 + n_global, "groups")

    r0 = n_hosts
    hosts = np.arange(n_hosts, dtype=np.int64)
    first = np.arange(g, dtype=np.int64)[:, None] * a
    iu, ju = np.triu_indices(a, 1)
    gi, gj = np.triu_indices(g, 1)
    copy = np.arange(parallel, dtype=np.int64)[None, :] * (g - 1)
    port_i = copy + (gj - 1)[:, None]  # group j is the (j-1)-th other group of i < j
    port_j = copy + gi[:, None]  # group i is the i-th other group of j > i
    links = [
        (hosts, r0 + hosts // p, SCALE_OUT, link_gbps),
        (r0 + (first + iu).ravel(), r0 + (first + ju).ravel(), SCALE_OUT, link_gbps),
        (r0 + (gi[:, None] * a + port_i // max(h, 1)).ravel(),
         r0 + (gj[:, None] * a + port_j // max(h, 1)).ravel(), SCALE_OUT, global_gbps),
    ]
    nodes = [(ACCELERATOR, -1, hosts // (a * p)), (SWITCH, 1, np.arange(n_routers) // a)]
    return assemble("dragonfly", params, nodes, links, {1: p + a - 1 + h})



def dragonfly_bisection(a: int, p: int, h: int, groups: int, *, host_gbps: float,
                        local_gbps: float, global_gbps: float) -> tuple[float | None, str]:
    """Return ``(Gb/s, binding)``: the cut between the first and last half of the groups.

    With ``a >= 2h`` (balanced, or richer in local links; Kim et al.), ``g`` groups joined
    all-to-all by ``m = floor(a·h / (g-1))`` global links per pair: ``g`` even,
    ``(g/2)² · m`` global links; ``g = a·h + 1`` odd and ``a`` even, ``((g-1)/2)²`` global links
    plus the cheapest cut of the middle group, whose hosts are split (its first ``a/2`` routers
    link to the lower groups in the consecutive arrangement, the others to the upper ones: the
    best ``j`` routers on side A cost ``j(a-j)`` local links + ``|j - a/2|·(p host + h global
    links)``); at most hosts/2 × host rate. Otherwise ``(None, reason)``.

    Examples
    --------
    >>> dragonfly_bisection(4, 2, 2, 9, host_gbps=200, local_gbps=200, global_gbps=200)
    (4000.0, 'global')
    """
    g = groups
    if g < 2 or a < 2 * h:
        return None, "no closed form: fewer than two groups, or a < 2h (the cut may run " \
            "through a group's own links)"
    parallel = (a * h) // (g - 1)
    if g % 2 == 0:
        cut = (g // 2) ** 2 * parallel * global_gbps
    elif g == a * h + 1 and a % 2 == 0:
        middle_group = g // 2
        j = np.arange(a + 1)  # routers of the middle group on side A, its first j
        middle = j * (a - j) * local_gbps + np.abs(j - a // 2) * (p * host_gbps + h * global_gbps)
        cut = middle_group * middle_group * global_gbps + float(middle.min())
    else:
        return None, "no closed form: an odd number of groups below a·h + 1, or a odd"
    hosts = a * p * g / 2 * host_gbps
    return (hosts, "leaf") if hosts < cut else (cut, "global")


@register
class Dragonfly(Design):
    """The dragonfly as a scale-out design: ``a`` routers per group, ``p`` accelerators per
    router, ``h`` global links per router, ``groups`` (default ``a·h + 1``)."""

    name = "dragonfly"
    summary = ("groups of a fully connected routers, p accelerators and h global links per "
               "router, groups joined all-to-all (Kim et al. 2008)")
    options = (
        Option("a", "integer", "Dragonfly: routers per group.", minimum=1),
        Option("p", "integer", "Dragonfly: accelerators per router.", minimum=1),
        Option("h", "integer", "Dragonfly: global links per router.", minimum=1),
        Option("groups", "integer", "Dragonfly: groups (default a*h + 1).", minimum=2),
    )
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 72, "scale_out": {"kind": "dragonfly", "a": 4, "p": 2, "h": 2}})

    generator = staticmethod(dragonfly)

    @staticmethod
    def groups(options: Mapping[str, Any]) -> int:
        return int(options.get("groups") or options["a"] * options["h"] + 1)

    def default_count(self, options: Mapping[str, Any]) -> int:
        return int(options["a"] * options["p"] * self.groups(options))

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        missing = required(options, ("a", "p", "h"), "dragonfly")
        if missing:
            return missing
        a, p, h = options["a"], options["p"], options["h"]
        g = self.groups(options)
        if g > a * h + 1:
            return [("scale_out", f"a dragonfly with a={a}, h={h} has at most {a * h + 1} "
                     f"groups, not {g}")]
        if count != a * p * g:
            return [("count", f"a dragonfly of a={a}, p={p} and {g} groups holds "
                     f"{a * p * g:,} accelerators, not {count:,}")]
        return []

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        o = plan.options
        options = {"a": o["a"], "p": o["p"], "h": o["h"], "link_gbps": plan.nic_gbps}
        if o.get("groups"):
            options["groups"] = o["groups"]
        return options

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        options = {"kind": self.name, **{key: params[key] for key in ("a", "p", "h")}}
        if params.get("groups"):
            options["groups"] = params["groups"]
        if params.get("global_gbps") is not None:
            options["global_gbps"] = params["global_gbps"]
        return Plan(count=self.default_count(options),
                    nic_gbps=float(params.get("link_gbps", 200.0)), options=options)

    def shape(self, plan: Plan) -> Shape:
        o, rate = plan.options, plan.nic_gbps
        # global links at the NIC rate, unless a generated graph says otherwise
        global_gbps = float(o.get("global_gbps") or rate)
        if any(key not in o for key in ("a", "p", "h")):
            raise ValidationError("a dragonfly needs a, p and h", field="scale_out")
        a, p, h, g = int(o["a"]), int(o["p"]), int(o["h"]), self.groups(o)
        parallel = (a * h) // (g - 1) if g > 1 else 0
        local, glob = g * a * (a - 1) // 2, parallel * g * (g - 1) // 2
        tiers = (Tier("leaf", 1, a * g, p + a - 1 + h, a * p * g, local + glob, rate, rate, 1.0),)
        value, why = dragonfly_bisection(a, p, h, g, host_gbps=rate, local_gbps=rate,
                                         global_gbps=global_gbps)
        hops = dragonfly_diameter(a, h, g)
        by_rate = {rate: a * p * g + local}
        by_rate[global_gbps] = by_rate.get(global_gbps, 0) + glob
        return Shape(tiers=tiers, links_by_gbps=by_rate,
                     bisection_gbps=value, binding=why if value is not None else None,
                     bisection_bound="" if value is not None else why,
                     diameter_hops=hops, crossed=("leaf",) * (hops - 1))


def dragonfly_diameter(a: int, h: int, groups: int) -> int:
    """Return the diameter in links between two accelerators of a dragonfly (p >= 1).

    Minimal routes are local-global-local (Kim et al.): 5 links with the two host links. When
    every router has a global link to every other group (in the consecutive arrangement, router
    ``r`` holds global ports ``r·h .. r·h + h - 1`` of its group, port ``q`` going to the
    ``(q mod (g-1))``-th other group while ``q < m·(g-1)``), one local hop is saved: 4. One router
    per group: 3; one group: 3 (2 on a single router).

    Examples
    --------
    >>> dragonfly_diameter(4, 2, 9), dragonfly_diameter(2, 4, 2), dragonfly_diameter(1, 3, 4)
    (5, 4, 3)
    """
    if groups == 1:
        return 3 if a > 1 else 2
    if a == 1:
        return 3
    used = (a * h) // (groups - 1) * (groups - 1)
    for router in range(a):
        reached = {q % (groups - 1) for q in range(router * h, router * h + h) if q < used}
        if len(reached) < groups - 1:
            return 5
    return 4
