"""The explicit graph of a fabric, held in arrays.

A generated fabric (fat-tree, rail-optimised, dragonfly, torus, ...) of 100k accelerators has
hundreds of thousands of links: it stays in numpy arrays, built in bulk, never one Python object
per element. :class:`FabricGraph` is what every generator returns and what the analytics read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ACCELERATOR", "SCALE_OUT", "SCALE_UP", "SWITCH", "TIER_NAMES", "FabricGraph"]

#: node kinds
ACCELERATOR, SWITCH = 0, 1
#: link kinds
SCALE_OUT, SCALE_UP = 0, 1
#: Switch tiers: 0 is a scale-up switch (NVSwitch), 1 leaf / ToR / edge, 2 spine / aggregation,
#: 3 core / super-spine. Accelerators have tier -1.
TIER_NAMES = {-1: "accelerator", 0: "scale_up", 1: "leaf", 2: "spine", 3: "core"}


@dataclass(frozen=True, eq=False)
class FabricGraph:
    """A fabric as arrays: nodes (accelerators and switches) and full-duplex links.

    Attributes
    ----------
    kind : str
        The generator that made it (``fat_tree``, ``leaf_spine``, ``rail_optimized``,
        ``dragonfly``, ``jellyfish``, ``torus``, ``nvswitch``).
    params : dict
        The generator's parameters, enough to build the same graph again.
    node_kind : ndarray of int8
        :data:`ACCELERATOR` or :data:`SWITCH` per node. Accelerators come first, numbered
        ``0 .. n_accelerators - 1``.
    node_tier : ndarray of int8
        -1 for accelerators, else the switch tier (see :data:`TIER_NAMES`).
    node_group : ndarray of int32
        Pod, group or scalable unit of each node; -1 where the design has none (core switches).
    link_u, link_v : ndarray of int32
        Link endpoints (node indices); links are full duplex.
    link_kind : ndarray of int8
        :data:`SCALE_OUT` or :data:`SCALE_UP`.
    link_gbps : ndarray of float64
        Capacity per direction.
    switch_radix : dict
        Ports per switch by tier, as the design uses them (for the bill of materials).
    """

    kind: str
    params: dict[str, Any]
    node_kind: np.ndarray
    node_tier: np.ndarray
    node_group: np.ndarray
    link_u: np.ndarray
    link_v: np.ndarray
    link_kind: np.ndarray
    link_gbps: np.ndarray
    switch_radix: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, m = len(self.node_kind), len(self.link_u)
        for name, length in (("node_kind", n), ("node_tier", n), ("node_group", n),
                             ("link_u", m), ("link_v", m), ("link_kind", m), ("link_gbps", m)):
            array = np.array(getattr(self, name))  # a copy: the caller's arrays stay writable
            if len(array) != length:
                raise ValueError(f"FabricGraph.{name} has {len(array)} entries, expected {length}")
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def n_nodes(self) -> int:
        return len(self.node_kind)

    @property
    def n_links(self) -> int:
        return len(self.link_u)

    @functools.cached_property
    def n_accelerators(self) -> int:
        return int(np.count_nonzero(self.node_kind == ACCELERATOR))

    @functools.cached_property
    def switches_per_tier(self) -> dict[int, int]:
        tiers, counts = np.unique(self.node_tier[self.node_kind == SWITCH], return_counts=True)
        return {int(t): int(c) for t, c in zip(tiers, counts, strict=True)}

    def adjacency(self, *, kinds: tuple[int, ...] = (SCALE_OUT, SCALE_UP), weight: str = "gbps"):
        """Return the symmetric adjacency as a scipy CSR matrix (parallel links summed).

        `weight` is ``gbps`` (capacity) or ``hops`` (1 per link, parallel links counted once).
        """
        from scipy.sparse import coo_matrix

        if weight not in ("gbps", "hops"):
            raise ValueError(f"weight must be 'gbps' or 'hops', got {weight!r}")
        keep = np.isin(self.link_kind, kinds)
        u, v = self.link_u[keep], self.link_v[keep]
        w = self.link_gbps[keep] if weight == "gbps" else np.ones(len(u))
        n = self.n_nodes
        matrix = coo_matrix((np.concatenate([w, w]), (np.concatenate([u, v]),
                                                       np.concatenate([v, u]))), shape=(n, n))
        matrix = matrix.tocsr()  # duplicates are summed
        if weight == "hops":
            matrix.data[:] = 1.0
        return matrix
