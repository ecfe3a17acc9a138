"""The explicit graph of a fabric, held in arrays.

A generated fabric (fat-tree, rail-optimised, dragonfly, torus, ...) of 100k accelerators has
hundreds of thousands of links: it stays in numpy arrays, built in bulk, never one Python object
per element. :class:`FabricGraph` is what every generator returns and what the measures of
:mod:`infranet.fabrics.analysis` read.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import ValidationError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "ACCELERATOR",
    "SCALE_OUT",
    "SCALE_UP",
    "SWITCH",
    "TIER_NAMES",
    "FabricGraph",
    "check",
    "ends",
    "link_tiers",
]

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

    def adjacency(self, *, kinds: tuple[int, ...] = (SCALE_OUT, SCALE_UP),
                  weight: str = "gbps") -> csr_matrix:
        """Return the symmetric adjacency as a scipy CSR matrix (parallel links summed).

        `weight` is ``gbps`` (capacity per direction, Gb/s) or ``hops`` (1 per link, parallel
        links counted once).

        Examples
        --------
        >>> from infranet.fabrics.generators import nvswitch
        >>> nvswitch(2, gbps=100.0).adjacency().toarray().tolist()
        [[0.0, 0.0, 100.0], [0.0, 0.0, 100.0], [100.0, 100.0, 0.0]]
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


def check(fabric: FabricGraph) -> None:
    """Refuse a fabric whose capacities or endpoints the measures cannot use.

    Raises
    ------
    ValidationError
        Naming the link and field: no accelerators, accelerators not numbered first, an endpoint
        out of range, or a capacity that is not a positive finite number.
    """
    n = fabric.n_nodes
    n_acc = fabric.n_accelerators
    if n_acc == 0:
        raise ValidationError("the fabric has no accelerators; the measures are between "
                              "accelerators", element=f"fabric {fabric.kind!r}")
    if not np.all(fabric.node_kind[:n_acc] == ACCELERATOR):
        raise ValidationError("accelerators must come first, numbered 0 .. n_accelerators - 1",
                              element=f"fabric {fabric.kind!r}", field="node_kind")
    for name in ("link_u", "link_v"):
        end = getattr(fabric, name)
        bad = np.flatnonzero((end < 0) | (end >= n))
        if bad.size:
            raise ValidationError(f"node {int(end[bad[0]])} out of range 0 .. {n - 1}",
                                  element=f"link {int(bad[0])}", field=name)
    cap = fabric.link_gbps
    bad = np.flatnonzero(~np.isfinite(cap) | (cap <= 0))
    if bad.size:
        i = int(bad[0])
        raise ValidationError(
            f"capacity {cap[i]!r} Gb/s; expected a positive finite capacity per direction "
            f"({bad.size} links affected)",
            element=f"link {i} ({int(fabric.link_u[i])}--{int(fabric.link_v[i])})",
            field="link_gbps")


def link_tiers(fabric: FabricGraph) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper tier of each link's two ends (accelerators are -1).

    Examples
    --------
    >>> from infranet.fabrics.generators import leaf_spine
    >>> lo, hi = link_tiers(leaf_spine(2, radix=4))
    >>> lo.tolist(), hi.tolist()
    ([-1, -1, 1, 1], [1, 1, 2, 2])
    """
    tu = fabric.node_tier[fabric.link_u].astype(np.int64)
    tv = fabric.node_tier[fabric.link_v].astype(np.int64)
    return np.minimum(tu, tv), np.maximum(tu, tv)


def ends(fabric: FabricGraph, links: np.ndarray) -> np.ndarray:
    """Nodes at an end of the selected links (a boolean mask over links), as a node mask."""
    mask = np.zeros(fabric.n_nodes, dtype=bool)
    mask[fabric.link_u[links]] = True
    mask[fabric.link_v[links]] = True
    return mask
