"""Every measure of one explicit fabric graph in one result: bisection, distances, equal-cost
paths, bill of materials and tiers (:func:`analyse_graph`).

Each measure lives in its own module (:mod:`~infranet.fabrics.bisection`,
:mod:`~infranet.fabrics.distance`, :mod:`~infranet.fabrics.ecmp`,
:mod:`~infranet.fabrics.materials`, :mod:`~infranet.fabrics.tiers`) as a free function that reads
a :class:`~infranet.fabrics.graph.FabricGraph` and returns a frozen result. Everything runs on
arrays (scipy.sparse, ``scipy.sparse.csgraph``), so a k=64 fat-tree (65,536 accelerators, 5,120
switches, 196,608 links) takes a few seconds. The report of a topology's clusters, closed forms
and power included, is :func:`infranet.fabrics.report.fabric_report`.

Capacities are Gb/s per direction, latencies µs, power W in inputs and kW in totals.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from infranet.errors import ValidationError, did_you_mean
from infranet.fabrics.bisection import CUT_ATOL_GBPS, CUT_RTOL, Bisection, bisection
from infranet.fabrics.designs import graph_shape
from infranet.fabrics.distance import HopStats, hop_stats
from infranet.fabrics.ecmp import EcmpPaths, ecmp_paths
from infranet.fabrics.graph import FabricGraph
from infranet.fabrics.materials import BillOfMaterials, bill_of_materials
from infranet.fabrics.records import frozen, plain
from infranet.fabrics.tiers import TierSummary, tier_summary
from infranet.results import Binding

__all__ = ["MEASURES", "GraphAnalysis", "analyse_graph"]

#: The measures of :func:`analyse_graph`, by the name of their part of the result.
MEASURES: dict[str, Callable[..., Any]] = {
    "bisection": bisection, "hops": hop_stats, "ecmp": ecmp_paths, "bom": bill_of_materials,
    "tiers": tier_summary,
}


@dataclass(frozen=True)
class GraphAnalysis:
    """Every measure of one explicit fabric graph (result protocol): bisection, hops,
    equal-cost paths, bill of materials and tiers. The binding is what sets the bisection: the
    design's tier when its closed form agrees with the minimum cut, else the cut itself."""

    kind: str
    params: Mapping[str, Any]
    bisection: Bisection
    hops: HopStats
    ecmp: EcmpPaths
    bom: BillOfMaterials
    tiers: TierSummary
    binding: Binding
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", frozen(plain(self.params)))

    @property
    def bisection_gbps(self) -> float:
        """The bisection found, Gb/s per direction."""
        return self.bisection.bisection_gbps

    @property
    def diameter_hops(self) -> int:
        """The longest shortest path between accelerators, links."""
        return self.hops.diameter_hops

    @property
    def power_kw(self) -> float | None:
        """IT power, kW (None when the accelerators' is unknown)."""
        return self.bom.power_kw

    def to_dict(self) -> dict[str, Any]:
        """Headline scalars first (``bisection_gbps``, ``diameter_hops``, ``diameter_us``,
        ``average_hops``, ``power_kw``, counts), then the parts."""
        b, h, bom = self.bisection, self.hops, self.bom
        return {
            "bisection_gbps": b.bisection_gbps,
            "bisection_bound": b.bound,
            "bisection_closed_form_gbps": b.closed_form_gbps,
            "bisection_closed_form_bound": b.closed_form_bound,
            "bisection_gbps_per_accelerator": b.bisection_gbps / (bom.accelerators / 2),
            "bisection_method": b.method,
            "diameter_hops": h.diameter_hops, "diameter_us": h.diameter_us,
            "average_hops": h.average_hops,
            "power_kw": bom.power_kw, "power_complete": bom.complete,
            "accelerators": bom.accelerators, "switches": bom.switches, "links": bom.links,
            "kind": self.kind, "params": plain(self.params),
            "switches_per_tier": plain(bom.switches_per_tier),
            "links_by_type": plain(bom.links_by_type),
            "hop_stats": h.to_dict(), "ecmp_paths": self.ecmp.to_dict(),
            "power_kw_by_part": plain(bom.power_kw_by_part),
            "transceivers": plain(bom.transceivers),
            "tiers": plain(self.tiers.rows),
            "bill_of_materials": bom.to_dict(),
            "notes": list(self.notes),
            "binding": self.binding.to_dict(),
        }


def analyse_graph(fabric: FabricGraph, **options: Any) -> GraphAnalysis:
    """Return every measure of an explicit fabric graph (Gb/s, hops, µs, kW) as one result.

    Each option goes to every measure of :data:`MEASURES` that takes it (``include_scale_up``,
    ``seed``, ``accelerator``, ``switch_hop_us``, ``cable_m``, ``pairs``, ...); an unknown
    option is an error.

    Examples
    --------
    >>> import json
    >>> import numpy as np
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> r = analyse_graph(f, cable_m=0)
    >>> r.bisection_gbps, r.diameter_hops, r.hops.diameter_us, r.bom.switches
    (400.0, 2, 0.25, 2)
    >>> len(json.dumps(r.to_dict())) > 0
    True
    """
    accepted = {name: set(list(inspect.signature(fn).parameters)[1:])
                for name, fn in MEASURES.items()}
    known = set().union(*accepted.values())
    for key in options:
        if key not in known:
            raise ValidationError(f"unknown option {key!r}{did_you_mean(key, known)}; known: "
                                  f"{', '.join(sorted(known))}", field=key)
    parts = {name: fn(fabric, **{k: v for k, v in options.items() if k in accepted[name]})
             for name, fn in MEASURES.items()}
    cut: Bisection = parts["bisection"]
    notes = list(parts["bom"].notes)
    binding = cut.binding
    closed = cut.closed_form_gbps
    if closed is not None and not cut.closed_form_bound:
        if math.isclose(closed, cut.bisection_gbps, rel_tol=CUT_RTOL, abs_tol=CUT_ATOL_GBPS):
            shape = graph_shape(fabric)
            tier = None if shape is None else shape.binding
            if tier:
                binding = Binding("tier", tier, f"{tier}: {cut.bisection_gbps / 1000:,.1f} Tb/s "
                                  "(closed form and minimum cut agree)")
        else:
            notes.append(f"the closed form ({closed:,.1f} Gb/s) and the minimum cut "
                         f"({cut.bisection_gbps:,.1f} Gb/s) disagree")
    return GraphAnalysis(kind=fabric.kind, params=fabric.params, bisection=cut,
                         hops=parts["hops"], ecmp=parts["ecmp"], bom=parts["bom"],
                         tiers=parts["tiers"], binding=binding, notes=tuple(notes))
