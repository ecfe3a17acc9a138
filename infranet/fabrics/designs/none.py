"""No scale-out: the cluster is its scale-up domains alone (one NVL72 rack, a TPU pod)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from infranet.fabrics.assembly import integer
from infranet.fabrics.designs.base import Design, Plan, Shape, register
from infranet.fabrics.designs.torus import torus, torus_shape
from infranet.fabrics.graph import ACCELERATOR, SCALE_UP, SWITCH, FabricGraph

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
    """No scale-out fabric: scale-up domains only. One domain (an NVL72 rack, a TPU pod) is the
    whole fabric; several domains are not joined to each other."""

    name = "none"
    summary = "no scale-out fabric: the scale-up domains alone (one NVL72 rack, one TPU pod)"
    reads = ()
    graph_kinds = ("nvswitch",)
    example: ClassVar[Mapping[str, Any]] = (
        {"count": 72, "scale_up": {"kind": "nvswitch", "domain": 72}, "scale_out": {"kind":
        "none"}})

    generator = staticmethod(isolated)

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        return {"count": plan.count}

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        return Plan(count=int(params.get("count", params.get("n", 1))),
                    options={"kind": self.name})

    def includes_scale_up(self, plan: Plan) -> bool:
        """A single torus is the whole cluster: its graph is that torus."""
        return plan.scale_up_kind == "torus" and plan.domain == plan.count

    def keeps_domains(self, plan: Plan) -> bool:
        return True  # the shape below accounts for the domains itself

    def build(self, plan: Plan) -> FabricGraph:
        if self.includes_scale_up(plan):
            return torus(plan.dims, link_gbps=plan.scale_up_gbps / (2 * len(plan.dims)))
        return super().build(plan)

    def shape(self, plan: Plan) -> Shape:
        """One domain: its own bisection and diameter (an NVLink switch: every accelerator's
        link; a torus: across its longest ring). Several: no path joins them, the bisection is
        0 when the halves keep whole domains."""
        domains = plan.count // plan.domain
        if plan.scale_up_kind == "nvswitch" and domains == 1:
            return Shape(bisection_gbps=plan.count // 2 * plan.scale_up_gbps,
                         binding="scale_up", diameter_hops=2, crossed=("scale_up",))
        if plan.scale_up_kind == "torus" and domains == 1:
            one = torus_shape(plan.dims, plan.scale_up_gbps / (2 * len(plan.dims)))
            # the torus's links are the scale-up domain's, counted with it: none of its own
            return Shape(bisection_gbps=one.bisection_gbps, bisection_bound=one.bisection_bound,
                         binding=one.binding, diameter_hops=one.diameter_hops,
                         crossed=one.crossed, notes=one.notes)
        note = (f"no scale-out fabric joins the {domains:,} scale-up domains: accelerators of "
                "different domains cannot reach each other")
        if domains % 2:
            return Shape(bisection_bound="no closed form: an odd number of scale-up domains, "
                         "not joined", notes=(note,))
        return Shape(bisection_gbps=0.0, notes=(note,))

    def graph_shape(self, fabric: FabricGraph) -> Shape | None:
        """NVLink domains alone: every link joins an accelerator to an NVLink switch, each
        switch holds as many accelerators, each accelerator one link of the same rate."""
        n_acc = fabric.n_accelerators
        switches = np.flatnonzero(fabric.node_kind == SWITCH)
        u, v = fabric.link_u, fabric.link_v
        if (switches.size == 0 or fabric.n_links != n_acc
                or not np.all(fabric.link_kind == SCALE_UP) or not np.all(u < n_acc)
                or not np.all(fabric.node_tier[switches] == 0)
                or np.unique(u).size != n_acc or not np.allclose(fabric.link_gbps,
                                                                  fabric.link_gbps[0])):
            return None
        sizes = np.bincount(v, minlength=fabric.n_nodes)[switches]
        if sizes.min() != sizes.max():
            return None
        return self.shape(Plan(count=n_acc, domain=int(sizes[0]), scale_up_kind="nvswitch",
                               scale_up_gbps=float(fabric.link_gbps[0])))

