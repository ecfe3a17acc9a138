"""Distances between the accelerators of an explicit fabric: diameter in links and µs, and
average path length, by breadth-first search from many sources at once
(:mod:`infranet.fabrics.traversal`).

Hop and cable figures default to the catalogue's (:mod:`infranet.fabrics.hops`), the same the
closed-form summary and the expansion read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.errors import InfranetError, ValidationError
from infranet.fabrics import hops
from infranet.fabrics.graph import ACCELERATOR, SWITCH, FabricGraph, check, ends
from infranet.fabrics.traversal import CHUNK, bfs, forwards, link_kinds, transit
from infranet.results import Binding

__all__ = ["HopStats", "hop_stats"]


def _sources(fabric: FabricGraph, *, exact_below: int, samples: int, groups: int, seed: int
             ) -> tuple[np.ndarray, bool]:
    """Accelerators to search from: all of them, or the first of up to `groups` groups (spread
    evenly over the groups) plus `samples` random ones."""
    n = fabric.n_accelerators
    if n <= exact_below:
        return np.arange(n), True
    group = fabric.node_group[:n]
    _, first = np.unique(group, return_index=True)
    if first.size > groups:
        first = first[np.linspace(0, first.size - 1, groups).round().astype(np.int64)]
    rng = np.random.default_rng(seed)
    extra = rng.choice(n, size=min(samples, n), replace=False)
    return np.unique(np.concatenate([first, extra])), False


@dataclass(frozen=True)
class HopStats:
    """Diameter (links and µs) and average path length between accelerators (result
    protocol; the binding is the longest shortest path)."""

    diameter_hops: int
    average_hops: float
    diameter_us: float
    sources: int
    exact: bool
    pairs: int
    binding: Binding

    def to_dict(self) -> dict[str, Any]:
        """Headline scalars: ``diameter_hops``, ``diameter_us``, ``average_hops``."""
        return {"diameter_hops": self.diameter_hops, "diameter_us": self.diameter_us,
                "average_hops": self.average_hops, "sources": self.sources,
                "exact": self.exact, "pairs": self.pairs, "binding": self.binding.to_dict()}


def hop_stats(fabric: FabricGraph, *, include_scale_up: bool = True,
              accelerators_forward: bool | None = None, exact_below: int = 2048,
              samples: int = 4, groups: int = 8, seed: int = 0, switch: str | None = None,
              switch_hop_us: float | None = None, scale_up_hop_us: float | None = None,
              ici_hop_us: float | None = None, cable_m: float | None = None,
              cable_us_per_m: float | None = None) -> HopStats:
    """Return the diameter (links and µs) and average path length (links) between accelerators.

    Hops count links on a shortest path between two accelerators (host-edge-agg-core-agg-edge-
    host is 6). Breadth-first search runs from a set of source accelerators over all targets:
    every accelerator when there are at most `exact_below` (exact), else the first accelerator
    of up to `groups` of the ``node_group`` (pods, scalable units) plus `samples` random ones
    drawn with `seed`. The sampled figures are exact for designs where every accelerator sees the
    same distances (fat-tree, torus, dragonfly, leaf-spine, rail-optimised); otherwise the
    diameter is a lower bound and the average an estimate.

    The diameter in µs is the largest, over the same pairs, of the lowest latency of a path: the
    hop of each switch crossed (``switch_hop_us`` for tiers 1-3, ``scale_up_hop_us`` for NVLink
    switches), one ``ici_hop_us`` per link between two accelerators (a torus), and ``cable_m``
    of cable per link. The defaults are the catalogue's (:mod:`infranet.fabrics.hops`), which the
    closed-form summary and the expansion into a Topology use too.

    Parameters
    ----------
    fabric : FabricGraph
    include_scale_up : bool
        Use scale-up links too (default); False measures the scale-out network alone.
    accelerators_forward : bool, optional
        Whether paths may cross accelerators; by default only in direct networks (no switches).
    exact_below : int
        Search from every accelerator up to this many.
    samples, groups, seed : int
        Random extra sources and group representatives when sampling, and the seed.
    switch : str, optional
        A switch of the ``physics.switches()`` catalogue for the scale-out hop latency.
    switch_hop_us, scale_up_hop_us, ici_hop_us : float, optional
        Hop latencies, µs (catalogue figures by default: 0.25, 0.25 and 1.0).
    cable_m : float, optional
        Cable length per link, m (the catalogue's 10 m by default; 0 leaves propagation out).
    cable_us_per_m : float, optional
        Propagation per m; single-mode fiber (4.9 ns/m, media catalogue) by default.

    Examples
    --------
    Four accelerators on one switch: 2 hops, one switch crossed and two 10 m cables:

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 0, 0, 1], np.int8),
    ...     np.array([-1, -1, -1, -1, 1], np.int8), np.zeros(5, np.int32),
    ...     np.arange(4, dtype=np.int32), np.full(4, 4, np.int32), np.zeros(4, np.int8),
    ...     np.full(4, 400.0))
    >>> s = hop_stats(f)
    >>> s.diameter_hops, s.average_hops, round(s.diameter_us, 4)
    (2, 2.0, 0.3479)
    """
    from scipy.sparse.csgraph import dijkstra

    check(fabric)
    n_acc = fabric.n_accelerators
    if n_acc < 2:
        raise ValidationError("hop statistics need at least two accelerators",
                              element=f"fabric {fabric.kind!r}")
    forward = forwards(fabric, accelerators_forward)
    switch_us = hops.switch_hop_us(switch) if switch_hop_us is None else float(switch_hop_us)
    up_us = hops.scale_up_hop_us() if scale_up_hop_us is None else float(scale_up_hop_us)
    ici_us = hops.ici_hop_us() if ici_hop_us is None else float(ici_hop_us)
    link_us = hops.cable_us(cable_m, cable_us_per_m)
    matrix, offset = transit(fabric, link_kinds(include_scale_up), forward)
    sources, exact = _sources(fabric, exact_below=exact_below, samples=samples, groups=groups,
                              seed=seed)
    diameter, total, pairs = 0, 0.0, 0
    for cols, dist, _ in bfs(matrix, sources + offset, n_acc, count=False):
        dist = dist.copy()
        src = sources[cols]
        dist[src, np.arange(len(src))] = 0  # a source to itself is no pair
        unreachable = dist < 0
        unreachable[src, np.arange(len(src))] = False
        if unreachable.any():
            t, s = np.argwhere(unreachable)[0]
            raise InfranetError(
                f"accelerator {int(t)} is unreachable from accelerator {int(src[s])} over "
                f"{'all' if include_scale_up else 'scale-out'} links; "
                + ("include scale-up links" if not include_scale_up else "the fabric is split"),
                element=f"fabric {fabric.kind!r}")
        diameter = max(diameter, int(dist.max()))
        total += float(dist.sum())
        pairs += dist.size - len(src)
    # arc u -> v costs v's switch hop, an inter-chip hop between two accelerators, and cable
    n = fabric.n_nodes
    node_us = np.where(fabric.node_tier == 0, up_us, switch_us).astype(np.float64)
    node_us[fabric.node_kind == ACCELERATOR] = 0.0
    keep = np.isin(fabric.link_kind, link_kinds(include_scale_up))
    direct = keep & (fabric.link_u < n_acc) & (fabric.link_v < n_acc)
    switches = ends(fabric, keep) & (fabric.node_kind == SWITCH)
    crossed = node_us[switches]
    if not direct.any() and (not forward or not switches.any()) \
            and (crossed.size == 0 or np.ptp(crossed) == 0):
        # one hop latency for every switch a path can cross: the fewest hops are the fastest
        hop = float(crossed[0]) if crossed.size else 0.0
        diameter_us = (diameter - 1) * hop + diameter * link_us
    elif direct[keep].all():
        diameter_us = diameter * (ici_us + link_us)
    else:
        weighted = matrix.T.tocsr()  # rows = tails
        tails = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        heads = weighted.indices
        both = ((tails < n_acc) | (tails >= n)) & (heads < n_acc)
        weighted.data = node_us[heads] + link_us + np.where(both, ici_us, 0.0)
        diameter_us = 0.0
        for start in range(0, len(sources), 4 * CHUNK):
            src = sources[start:start + 4 * CHUNK]
            lat = dijkstra(weighted, directed=True, indices=src + offset)[:, :n_acc]
            lat[np.arange(len(src)), src] = 0.0
            diameter_us = max(diameter_us, float(lat.max()))
    kind = "exact" if exact else f"sampled from {len(sources):,} sources"
    binding = Binding("path", None, f"the longest shortest path between two accelerators: "
                      f"{diameter} links, {diameter_us:.3f} µs ({kind})")
    return HopStats(diameter_hops=diameter, average_hops=total / pairs,
                    diameter_us=float(diameter_us), sources=len(sources), exact=exact,
                    pairs=int(pairs), binding=binding)
