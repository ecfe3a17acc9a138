"""Generators of explicit fabric graphs, built in bulk with numpy.

One function per design, each living with its design (:mod:`infranet.fabrics.designs`; that
of the ``none`` design makes accelerators alone), and :func:`nvswitch` for a scale-up domain.
Each returns a :class:`~infranet.fabrics.graph.FabricGraph` whose accelerators are numbered first
(``0 .. n_accelerators - 1``), then switches tier by tier, and whose ``params`` are the call's
arguments, so ``GENERATORS[fabric.kind](**fabric.params)`` builds the same graph again. Every node
and link is made by array arithmetic: a 65,536-host fat-tree takes a few milliseconds, not one
Python call per element.

A link is stored once, full duplex, with ``link_u`` its lower-tier end (the accelerator, or the
switch nearer the accelerators; either end between peers of one tier). Impossible parameters raise
:class:`~infranet.errors.ValidationError` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from infranet import physics
from infranet.fabrics.assembly import assemble, block, fits, integer, positive
from infranet.fabrics.designs import designs
from infranet.fabrics.designs.dragonfly import dragonfly
from infranet.fabrics.designs.fat_tree import fat_tree
from infranet.fabrics.designs.jellyfish import jellyfish
from infranet.fabrics.designs.leaf_spine import leaf_spine
from infranet.fabrics.designs.none import isolated
from infranet.fabrics.designs.rail_optimized import rail_optimized
from infranet.fabrics.designs.torus import torus
from infranet.fabrics.graph import ACCELERATOR, SCALE_UP, SWITCH, FabricGraph

__all__ = [
    "GENERATORS",
    "dragonfly",
    "fat_tree",
    "isolated",
    "jellyfish",
    "leaf_spine",
    "nvswitch",
    "rail_optimized",
    "torus",
]


def nvswitch(n: int, *, gbps: float | None = None) -> FabricGraph:
    """Build one NVLink scale-up domain: `n` accelerators on one NVSwitch node, `gbps` each.

    The domain's NVSwitch chips are one logical switch node (tier 0): ``n + 1`` nodes, ``n``
    scale-up links. The default rate is GB200's from the accelerator catalogue (NVL72: 900 GB/s
    per direction per GPU = 7,200 Gb/s); NVLink 5 domains reach 576 GPUs.

    Parameters
    ----------
    n : int
        Accelerators in the domain, >= 1.
    gbps : float, optional
        Capacity of each accelerator's link, Gb/s per direction (default: GB200's).

    Returns
    -------
    FabricGraph
        Accelerators ``0 .. n-1``, then the switch node ``n``. All nodes are in group 0;
        ``switch_radix`` is ``{0: n}``.

    Raises
    ------
    ValidationError
        If `n` < 1 or `gbps` is not > 0.

    Examples
    --------
    >>> fabric = nvswitch(72)
    >>> fabric.n_nodes, fabric.n_links, fabric.switches_per_tier
    (73, 72, {0: 1})
    """
    n = integer(n, "n", minimum=1)
    if gbps is None:
        gbps = physics.accelerator("GB200").scale_up_gbps
    gbps = positive(gbps, "gbps")
    fits(n + 1, n, "n")
    gpu = np.arange(n, dtype=np.int64)
    nodes = [(ACCELERATOR, -1, block(n, 0)), (SWITCH, 0, block(1, 0))]
    return assemble("nvswitch", {"n": n, "gbps": gbps}, nodes,
                  [(gpu, np.full(n, n), SCALE_UP, gbps)], {0: n})



#: Every generator by the ``kind`` of the graphs it makes: the registered designs', then the
#: NVLink scale-up domain.
GENERATORS: dict[str, Callable[..., FabricGraph]] = {
    **{name: design.generator for name, design in designs().items()},
    "nvswitch": nvswitch,
}
