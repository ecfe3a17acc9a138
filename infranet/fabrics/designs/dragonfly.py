"""The dragonfly: groups of fully connected routers, joined all-to-all by global links
(Kim, Dally, Scott and Abts, "Technology-Driven, Highly-Scalable Dragonfly Topology", ISCA
2008)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.errors import ValidationError
from infranet.fabrics.assembly import assemble, fits, integer, positive
from infranet.fabrics.designs.base import (
    LARGEST_RADIX,
    Design,
    Option,
    Plan,
    Shape,
    Tier,
    register,
    required,
)
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SWITCH, FabricGraph

__all__ = ["Dragonfly", "dragonfly", "dragonfly_bisection", "dragonfly_diameter",
           "dragonfly_problems"]


def dragonfly_problems(a: int, p: int, h: int, groups: int | None) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for each reason a dragonfly cannot be built: routers of
    more ports than the largest switch radix, or more groups than its global ports reach.

    Examples
    --------
    >>> dragonfly_problems(4, 2, 2, 10)
    [('groups', 'at most a*h+1 = 9 groups (each group has 8 global ports, one per other \
group); got 10')]
    """
    out = []
    radix = p + a - 1 + h
    if radix > LARGEST_RADIX:
        out.append(("a", f"routers of p + a - 1 + h = {radix} ports are more than the largest "
                    f"switch radix, {LARGEST_RADIX}"))
    most = a * h + 1
    if groups is not None and groups > most:
        out.append(("groups", f"at most a*h+1 = {most} groups (each group has {a * h} global "
                    f"ports, one per other group); got {groups}"))
    return out


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
    g = a * h + 1 if groups is None else integer(groups, "groups", minimum=1)
    for name, message in dragonfly_problems(a, p, h, g):
        raise ValidationError(message, field=name)
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
                        local_gbps: float, global_gbps: float) -> tuple[float | None, str, str]:
    """Return ``(Gb/s, binding, bound)``: the cut between the first and last half of the
    groups, and whether it is the bisection.

    With ``a >= 2h`` (balanced, or richer in local links; Kim et al.), ``g`` groups joined
    all-to-all by ``m = floor(a·h / (g-1))`` global links per pair: ``g`` even,
    ``(g/2)² · m`` global links, at most hosts/2 × host rate; this is the bisection (``bound``
    ``""``). With ``g`` odd the natural split halves the middle group, and a balanced cut that
    does not can be cheaper (a brute force finds 2.4 Tb/s against the natural 3.0 Tb/s for
    ``a, p, h, g = 4, 2, 2, 5``): ``g = a·h + 1`` and ``a`` even give the natural split's cut,
    ``((g-1)/2)²`` global links plus the cheapest cut of the middle group (its first ``a/2``
    routers link to the lower groups in the consecutive arrangement, the others to the upper
    ones: the best ``j`` routers on side A cost ``j(a-j)`` local links + ``|j - a/2|·(p host +
    h global links)``), labelled ``"upper"``: the bisection is at most this. Otherwise
    ``(None, None, reason)``.

    Examples
    --------
    >>> dragonfly_bisection(4, 2, 2, 8, host_gbps=200, local_gbps=200, global_gbps=200)
    (3200.0, 'global', '')
    >>> dragonfly_bisection(4, 2, 2, 9, host_gbps=200, local_gbps=200, global_gbps=200)
    (4000.0, 'global', 'upper')
    """
    g = groups
    if g < 2 or a < 2 * h:
        return None, "", ("no closed form: fewer than two groups, or a < 2h (the cut may run "
                          "through a group's own links)")
    parallel = (a * h) // (g - 1)
    bound = ""
    if g % 2 == 0:
        cut = float((g // 2) ** 2 * parallel * global_gbps)
    elif g == a * h + 1 and a % 2 == 0:
        middle_group = g // 2
        j = np.arange(a + 1)  # routers of the middle group on side A, its first j
        middle = j * (a - j) * local_gbps + np.abs(j - a // 2) * (p * host_gbps + h * global_gbps)
        cut = middle_group * middle_group * global_gbps + float(middle.min())
        bound = "upper"
    else:
        return None, "", ("no closed form: an odd number of groups below a·h + 1, or a odd; "
                          "the bisection is searched in the graph")
    hosts = a * p * g / 2 * host_gbps
    return (float(hosts), "leaf", bound) if hosts < cut else (cut, "global", bound)


@register
class Dragonfly(Design):
    """The dragonfly as a scale-out design: ``a`` routers per group, ``p`` accelerators per
    router, ``h`` global links per router, ``groups`` (default ``a·h + 1``)."""

    name = "dragonfly"
    summary = ("groups of a fully connected routers, p accelerators and h global links per "
               "router, groups joined all-to-all (Kim et al. 2008)")
    options = (
        Option("a", "integer", f"Dragonfly: routers per group; at most {LARGEST_RADIX}, the "
               "largest switch radix (each router has p + a - 1 + h ports).", minimum=1,
               maximum=LARGEST_RADIX),
        Option("p", "integer", f"Dragonfly: accelerators per router; at most {LARGEST_RADIX}.",
               minimum=1, maximum=LARGEST_RADIX),
        Option("h", "integer", f"Dragonfly: global links per router; at most {LARGEST_RADIX}.",
               minimum=1, maximum=LARGEST_RADIX),
        Option("groups", "integer", "Dragonfly: groups (default and at most a*h + 1).",
               minimum=2, maximum=LARGEST_RADIX * LARGEST_RADIX + 1),
    )
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 72, "scale_out": {"kind": "dragonfly", "a": 4, "p": 2, "h": 2}})

    generator = staticmethod(dragonfly)

    @staticmethod
    def groups(options: Mapping[str, Any]) -> int:
        """The spec's ``groups``, else ``a·h + 1``."""
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
        problems = dragonfly_problems(a, p, h, g)
        if problems:
            return [("scale_out", f"{name}: {message}") for name, message in problems]
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
        value, binding, bound = dragonfly_bisection(a, p, h, g, host_gbps=rate, local_gbps=rate,
                                                    global_gbps=global_gbps)
        hops = dragonfly_diameter(a, h, g)
        by_rate = {rate: a * p * g + local}
        by_rate[global_gbps] = by_rate.get(global_gbps, 0) + glob
        notes: tuple[str, ...] = ()
        if bound == "upper":
            notes = (f"bisection: {g} groups, an odd number: the cut of the natural split, "
                     "which halves the middle group; a balanced cut may be cheaper",)
        return Shape(tiers=tiers, links_by_gbps=by_rate,
                     bisection_gbps=value, binding=binding or None, bisection_bound=bound,
                     diameter_hops=hops, crossed=("leaf",) * (hops - 1), notes=notes)


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
