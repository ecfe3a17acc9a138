"""Jellyfish: a seeded random regular graph of switches with accelerators attached (Singla,
Hong, Popa and Godfrey, "Jellyfish: Networking Data Centers Randomly", NSDI 2012)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.errors import InfeasibleError, ValidationError
from infranet.fabrics.assembly import assemble, block, fits, integer, positive
from infranet.fabrics.designs.base import (
    LARGEST_CLUSTER,
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

__all__ = ["Jellyfish", "jellyfish", "jellyfish_problems", "moore_diameter",
           "random_regular_bisection_links"]


def jellyfish_problems(switches: int, ports: int, hosts_per_switch: int
                       ) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for each reason no Jellyfish of these switches exists: the
    switch degree ``d = ports - hosts_per_switch`` must be >= 0, below `switches` (a simple
    graph), with ``switches·d`` even (every link has two ends), and >= 2 from 3 switches on (a
    connected fabric).

    Examples
    --------
    >>> [name for name, _ in jellyfish_problems(3, 8, 1)]  # 7 ports for 2 other switches, odd
    ['ports', 'switches']
    >>> jellyfish_problems(5, 4, 1)
    [('switches', 'switches * (ports - hosts_per_switch) = 5 * 3 must be even: every link has \
two ends')]
    """
    n, d = switches, ports - hosts_per_switch
    if d < 0:
        return [("hosts_per_switch", f"expected at most ports ({ports}) hosts per switch, got "
                 f"{hosts_per_switch}")]
    out = []
    if d >= n:
        out.append(("ports", f"switch degree ports - hosts_per_switch = {d} must be below "
                    f"switches ({n}): a switch links to each other switch at most once"))
    if (n * d) % 2:
        out.append(("switches", f"switches * (ports - hosts_per_switch) = {n} * {d} must be "
                    "even: every link has two ends"))
    if d < min(n - 1, 2):
        out.append(("ports", f"switch degree ports - hosts_per_switch = {d} leaves {n} switches "
                    "disconnected; expected >= 2"))
    return out


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Return whether each of `keys` is in the sorted array `sorted_keys`."""
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _simple_pairs(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return a simple d-regular graph on n nodes as sorted (u < v) edge arrays.

    Configuration model (random pairing of ``n·d`` port stubs), then self-loops and parallel
    edges are removed by random double-edge swaps, all swaps of a round at once; a pairing that
    will not settle is drawn again.
    """
    if d == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if d == n - 1:
        u, v = np.triu_indices(n, 1)
        return u.astype(np.int64), v.astype(np.int64)
    if 2 * d > n - 1:  # dense: draw the sparse complement and invert it
        cu, cv = _simple_pairs(n, n - 1 - d, rng)
        present = np.zeros((n, n), dtype=bool)
        present[cu, cv] = True
        u, v = np.nonzero(np.triu(~present, 1))
        return u.astype(np.int64), v.astype(np.int64)
    m = n * d // 2
    for _ in range(100):
        stubs = rng.permutation(np.repeat(np.arange(n, dtype=np.int64), d))
        u, v = np.minimum(stubs[0::2], stubs[1::2]), np.maximum(stubs[0::2], stubs[1::2])
        for _ in range(200):
            key = u * n + v
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            bad = u == v
            bad[order[1:][sorted_key[1:] == sorted_key[:-1]]] = True  # the first copy is fine
            if not bad.any():
                order = np.lexsort((v, u))
                return u[order], v[order]
            i = np.flatnonzero(bad)
            j = rng.integers(0, m, size=len(i))
            # each edge takes part in at most one swap per round
            ids, counts = np.unique(np.concatenate([i, j]), return_counts=True)
            once = counts[np.searchsorted(ids, i)] == 1
            once &= counts[np.searchsorted(ids, j)] == 1
            i, j = i[once], j[once]
            flip = rng.random(len(i)) < 0.5
            a, b = u[i], v[i]
            c, e = np.where(flip, v[j], u[j]), np.where(flip, u[j], v[j])
            # (a, b), (c, e) -> (a, c), (b, e)
            k1 = np.minimum(a, c) * n + np.maximum(a, c)
            k2 = np.minimum(b, e) * n + np.maximum(b, e)
            ok = (a != c) & (b != e) & (k1 != k2)
            ok &= ~_member(k1, sorted_key) & ~_member(k2, sorted_key)
            new = np.concatenate([k1[ok], k2[ok]])
            ids, counts = np.unique(new, return_counts=True)
            clash = np.isin(k1, ids[counts > 1]) | np.isin(k2, ids[counts > 1])
            ok &= ~clash
            i, j = i[ok], j[ok]
            u[i], v[i] = np.minimum(a[ok], c[ok]), np.maximum(a[ok], c[ok])
            u[j], v[j] = np.minimum(b[ok], e[ok]), np.maximum(b[ok], e[ok])
    raise InfeasibleError(f"could not draw a simple {d}-regular graph on {n} switches")


def _connect(u: np.ndarray, v: np.ndarray, n: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Join the components of a simple regular graph by double-edge swaps (degrees kept).

    Components are chained: an edge ``(a1, a2)`` of one and ``(b1, b2)`` of the next become
    ``(a1, b1)`` and ``(a2, b2)``. Needs at least two edges per component (degree >= 2).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    u, v = u.copy(), v.copy()
    for _ in range(1000):
        graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
        n_comp, label = connected_components(graph, directed=False)
        if n_comp == 1:
            order = np.lexsort((v, u))
            return u[order], v[order]
        perm = rng.permutation(len(u))
        perm = perm[np.argsort(label[u[perm]], kind="stable")]
        start = np.unique(label[u[perm]], return_index=True)[1]
        out, inn = perm[start[:-1]], perm[start[1:] + 1]
        a1, a2, b1, b2 = u[out], v[out], u[inn], v[inn]
        u[out], v[out] = np.minimum(a1, b1), np.maximum(a1, b1)
        u[inn], v[inn] = np.minimum(a2, b2), np.maximum(a2, b2)
    raise InfeasibleError(f"could not connect a random regular graph on {n} switches")


def jellyfish(switches: int, *, ports: int, hosts_per_switch: int, link_gbps: float = 400.0,
              seed: int) -> FabricGraph:
    """Build a Jellyfish fabric: a seeded random regular graph of switches, hosts attached.

    Singla et al., "Jellyfish: Networking Data Centers Randomly" (NSDI 2012). Each switch (tier 1)
    has `ports` ports: `hosts_per_switch` to hosts, ``d = ports - hosts_per_switch`` to other
    switches, wired as a simple ``d``-regular graph (no self-loops, no parallel links). The graph
    is drawn by the configuration model (random pairing of port stubs); self-loops and parallel
    links are then removed, and components joined, by random double-edge swaps, which keep every
    degree. The same `seed` gives exactly the same arrays.

    Closed forms: ``switches·hosts_per_switch`` hosts and as many host links,
    ``switches·d/2`` switch links.

    Parameters
    ----------
    switches : int
        Number of switches, >= 1.
    ports : int
        Ports per switch.
    hosts_per_switch : int
        Hosts on each switch, >= 1 and < `ports` (== `ports` only for a single switch).
    link_gbps : float, optional
        Capacity of every link, Gb/s per direction.
    seed : int
        Seed of the numpy random generator (anything :func:`numpy.random.default_rng` takes).

    Returns
    -------
    FabricGraph
        Hosts (host ``i`` on switch ``i // hosts_per_switch``), then switches; switch links sorted.
        ``node_group`` is -1 throughout; ``switch_radix`` is ``{1: ports}``.

    Raises
    ------
    ValidationError
        If ``switches·d`` is odd, ``d >= switches``, or ``d`` is too small for a connected fabric
        (``d >= 2`` is needed from 3 switches on).

    Examples
    --------
    >>> fabric = jellyfish(20, ports=8, hosts_per_switch=4, seed=1)
    >>> fabric.n_accelerators, fabric.n_links  # 80 host links + 20*4/2 switch links
    (80, 120)
    >>> same = jellyfish(20, ports=8, hosts_per_switch=4, seed=1)
    >>> bool((same.link_u == fabric.link_u).all() and (same.link_v == fabric.link_v).all())
    True
    """
    params = {"switches": switches, "ports": ports, "hosts_per_switch": hosts_per_switch,
              "link_gbps": link_gbps, "seed": seed}
    n = integer(switches, "switches", minimum=1)
    ports = integer(ports, "ports", minimum=1)
    per = integer(hosts_per_switch, "hosts_per_switch", minimum=1)
    link_gbps = positive(link_gbps, "link_gbps")
    d = ports - per
    for name, message in jellyfish_problems(n, ports, per):
        raise ValidationError(message, field=name)
    fits(n * per + n, n * per + n * d // 2, "switches")
    rng = np.random.default_rng(seed)
    su, sv = _simple_pairs(n, d, rng)
    if d >= 2:
        su, sv = _connect(su, sv, n, rng)
    n_hosts = n * per
    hosts = np.arange(n_hosts, dtype=np.int64)
    links = [(hosts, n_hosts + hosts // per, SCALE_OUT, link_gbps),
             (n_hosts + su, n_hosts + sv, SCALE_OUT, link_gbps)]
    nodes = [(ACCELERATOR, -1, block(n_hosts, -1)), (SWITCH, 1, block(n, -1))]
    return assemble("jellyfish", params, nodes, links, {1: ports})



def random_regular_bisection_links(switches: int, degree: int) -> float:
    """Links across the bisection of a random ``degree``-regular graph on `switches` nodes:
    the lower bound ``N·(r/4 - sqrt(r·ln 2)/2)`` (Bollobás) that Singla et al. (NSDI 2012,
    §4.1) use for Jellyfish's bisection bandwidth; it holds with high probability for large
    ``N`` (0 where the bound is negative).

    Examples
    --------
    >>> round(random_regular_bisection_links(20, 4), 2)
    3.35
    """
    return max(0.0, switches * (degree / 4 - math.sqrt(degree * math.log(2)) / 2))


def moore_diameter(nodes: int, degree: int) -> int:
    """Smallest diameter of any graph of `nodes` nodes of maximum degree `degree` (the Moore
    bound): the least ``D`` with ``1 + r·sum_{i<D} (r-1)^i >= N``. Random regular graphs come
    within a hop or two of it (Bollobás and Fernandez de la Vega, 1982).

    Examples
    --------
    >>> moore_diameter(20, 4), moore_diameter(1000, 10)
    (3, 4)
    """
    if nodes <= 1:
        return 0
    if degree <= 1:
        return 1
    reached, frontier, diameter = 1, degree, 0
    while reached < nodes:
        reached += frontier
        frontier *= degree - 1
        diameter += 1
    return diameter


@register
class Jellyfish(Design):
    """Jellyfish as a scale-out design: ``switches`` of ``ports`` ports, ``hosts_per_switch``
    accelerators each, the rest of the ports wired as a random regular graph (``seed``)."""

    name = "jellyfish"
    summary = ("a seeded random regular graph of switches, accelerators on every switch "
               "(Singla et al. 2012)")
    options = (
        Option("switches", "integer", f"Jellyfish: switches; at most {LARGEST_CLUSTER:,}, the "
               "largest cluster.", minimum=2, maximum=LARGEST_CLUSTER),
        Option("ports", "integer", f"Jellyfish: ports per switch; at most {LARGEST_RADIX}, the "
               "largest switch radix.", minimum=2, maximum=LARGEST_RADIX),
        Option("hosts_per_switch", "integer", "Jellyfish: accelerators per switch (the other "
               "ports join switches).", minimum=1, maximum=LARGEST_RADIX),
        Option("seed", "integer", "Jellyfish: random seed.", default=0, minimum=0,
               maximum=2**63 - 1),
    )
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 80, "scale_out": {"kind": "jellyfish", "switches": 20, "ports": 8,
        "hosts_per_switch": 4, "seed": 1}})

    generator = staticmethod(jellyfish)

    def default_count(self, options: Mapping[str, Any]) -> int:
        return int(options["switches"] * options["hosts_per_switch"])

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        missing = required(options, ("switches", "ports", "hosts_per_switch"), "Jellyfish")
        if missing:
            return missing
        n, per = options["switches"], options["hosts_per_switch"]
        problems = jellyfish_problems(n, options["ports"], per)
        if problems:
            return [("scale_out", f"{name}: {message}") for name, message in problems]
        if count != n * per:
            return [("count", f"{n} switches x {per} accelerators hold {n * per:,}, not "
                     f"{count:,}")]
        return []

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        o = plan.options
        return {"switches": o["switches"], "ports": o["ports"],
                "hosts_per_switch": o["hosts_per_switch"], "link_gbps": plan.nic_gbps,
                "seed": o.get("seed", 0)}

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        options = {"kind": self.name, **{key: params[key] for key in
                                         ("switches", "ports", "hosts_per_switch", "seed")}}
        return Plan(count=self.default_count(options),
                    nic_gbps=float(params.get("link_gbps", 400.0)), options=options)

    def shape(self, plan: Plan) -> Shape:
        o, rate = plan.options, plan.nic_gbps
        if any(key not in o for key in ("switches", "ports", "hosts_per_switch")):
            raise ValidationError("a Jellyfish needs switches, ports and hosts_per_switch",
                                  field="scale_out")
        n, ports, per = int(o["switches"]), int(o["ports"]), int(o["hosts_per_switch"])
        d = ports - per
        tiers = (Tier("leaf", 1, n, ports, n * per, n * d // 2, rate, rate, 1.0),)
        network = random_regular_bisection_links(n, d) * rate
        hosts = n * per / 2 * rate
        value, binding = (hosts, "leaf") if hosts <= network else (network, "lateral")
        hops = moore_diameter(n, d) + 2
        return Shape(
            tiers=tiers, links_by_gbps={rate: n * per + n * d // 2}, bisection_gbps=value,
            bisection_bound="lower", binding=binding, diameter_hops=hops,
            crossed=("leaf",) * (hops - 1), diameter_bound="lower",
            notes=("bisection: the lower bound N(r/4 - sqrt(r ln 2)/2) switch links of a random "
                   "r-regular graph (Bollobás), as in Singla et al. (NSDI 2012); diameter: the "
                   "Moore bound",))
