"""No scale-out: the cluster is its scale-up domains alone (one NVL72 rack, a TPU pod)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.fabrics.assembly import integer
from infranet.fabrics.designs.base import Design, Plan, Shape, register
from infranet.fabrics.graph import ACCELERATOR, FabricGraph

__all__ = ["NoScaleOut", "isolated"]


def isolated(count: int) -> FabricGraph:
    """Return `count` accelerators and nothing else (the scale-up domains are added on top).

    Examples
    --------
    >>> isolated(4).n_nodes, isolated(4).n_links
    (4, 0)
    """
    count = integer(count, "count", minimum=1)
    return FabricGraph(
        kind="none", params={"count": count},
        node_kind=np.full(count, ACCELERATOR, dtype=np.int8),
        node_tier=np.full(count, -1, dtype=np.int8),
        node_group=np.full(count, -1, dtype=np.int32),
        link_u=np.empty(0, dtype=np.int32), link_v=np.empty(0, dtype=np.int32),
        link_kind=np.empty(0, dtype=np.int8), link_gbps=np.empty(0),
    )


@register
class NoScaleOut(Design):
    """No scale-out fabric: scale-up domains only."""

    name = "none"
    summary = "no scale-out fabric: the scale-up domains alone (one NVL72 rack, one TPU pod)"
    reads = ()
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 72, "scale_up": {"kind": "nvswitch", "domain": 72}, "scale_out": {"kind":
        "none"}})

    generator = staticmethod(isolated)

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        return {"count": plan.count}

    def shape(self, plan: Plan) -> Shape:
        return Shape(bisection_bound="no scale-out fabric")
