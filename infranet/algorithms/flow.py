"""Flows and cuts: maximum flow and minimum cut between sites.

Capacities are per direction in Gb/s; parallel links add up. A link without a capacity is an
error here, never a silent 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.algorithms.arcs import capacities
from infranet.errors import ValidationError
from infranet.model import Topology
from infranet.results import Binding

__all__ = ["MaxFlow", "max_flow", "min_cut_between"]


@dataclass(frozen=True)
class MaxFlow:
    """The maximum flow from `source` to `target` and a minimum cut that limits it.

    Attributes
    ----------
    value_gbps : float
        Maximum flow rate, equal to the capacity of the cut.
    cut : tuple of str
        Links crossing the minimum cut from the source side to the target side.
    source_side : tuple of str
        Sites on the source side of the cut.
    binding : Binding
        The minimum cut: ``link`` when one link makes it, else ``cut``.
    """

    source: str
    target: str
    value_gbps: float
    cut: tuple[str, ...]
    source_side: tuple[str, ...]

    @property
    def binding(self) -> Binding:
        if not self.cut:
            return Binding("cut", None, f"no link joins {self.source} to {self.target}: "
                           "the flow is 0")
        kind = "link" if len(self.cut) == 1 else "cut"
        name = self.cut[0] if len(self.cut) == 1 else ", ".join(self.cut)
        return Binding(kind, name, f"the minimum cut of {len(self.cut)} links "
                       f"({', '.join(self.cut)}) carries {self.value_gbps:.6g} Gb/s")

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "value_gbps": self.value_gbps,
                "cut": list(self.cut), "source_side": list(self.source_side),
                "binding": self.binding.to_dict()}


def _scale(cap: np.ndarray) -> float:
    """A power of two that brings the sum of `cap` below 2**1000 (exact: flows scaled by it
    and back are the same numbers), so that no sum of capacities overflows."""
    top = float(np.max(cap)) if cap.size else 0.0
    if not np.isfinite(top) or top <= 0:
        return 1.0
    bits = np.log2(top) + np.log2(float(np.sum(cap / top)))  # log2 of the sum, safely
    return float(2.0 ** max(0, int(np.ceil(bits)) - 1000))


def _digraph(topology: Topology) -> Any:
    import networkx as nx

    compiled = topology.compile()
    cap = capacities(topology, purpose="a maximum flow")
    scale = _scale(cap)
    cap = cap / scale
    graph = nx.DiGraph(scale=scale)
    graph.add_nodes_from(range(compiled.n_nodes))
    for u, v, c in zip(compiled.tail.tolist(), compiled.head.tolist(), cap.tolist(),
                       strict=True):
        if graph.has_edge(u, v):
            graph[u][v]["capacity"] += c
        else:
            graph.add_edge(u, v, capacity=c)
    return graph


def max_flow(topology: Topology, source: str, target: str) -> MaxFlow:
    """Return the maximum flow in Gb/s from `source` to `target` and a minimum cut.

    Examples
    --------
    >>> topo = Topology.from_dict({"name": "t",
    ...     "sites": [{"name": "x"}, {"name": "y"}, {"name": "z"}],
    ...     "links": [{"a": "x", "b": "y", "capacity": 400, "length_km": 10},
    ...               {"a": "y", "b": "z", "capacity": 100, "length_km": 10},
    ...               {"a": "x", "b": "z", "capacity": 50, "length_km": 10}]})
    >>> result = max_flow(topo, "x", "z")
    >>> result.value_gbps, result.cut
    (150.0, ('x--z', 'y--z'))
    """
    return _max_flow(topology, _digraph(topology), source, target)


def _max_flow(topology: Topology, graph: Any, source: str, target: str) -> MaxFlow:
    import networkx as nx

    compiled = topology.compile()
    s = compiled.index.get(source)
    t = compiled.index.get(target)
    if s is None or t is None:
        topology.node_index(source)
        topology.node_index(target)
    assert s is not None and t is not None  # node_index raised for an unknown name
    if s == t:
        raise ValidationError("source and target are the same site")
    residual = nx.flow.preflow_push(graph, s, t, capacity="capacity")
    value = float(residual.graph["flow_value"]) * graph.graph.get("scale", 1.0)
    if not np.isfinite(value):
        raise ValidationError(f"the maximum flow from {source!r} to {target!r} exceeds the "
                              "largest number this machine holds; give capacities in a "
                              "larger unit", file=topology.file, field="capacity")
    side = _source_side(residual, s)
    cut = sorted({compiled.links[compiled.arc_link[a]]
                  for a in range(compiled.n_arcs)
                  if compiled.tail[a] in side and compiled.head[a] not in side})
    return MaxFlow(source, target, float(value), tuple(cut),
                   tuple(compiled.nodes[i] for i in sorted(side)))


def _source_side(residual: Any, s: int) -> set[int]:
    """The nodes reachable from `s` over arcs with room left, room counted to a relative 1e-9
    of the largest capacity.

    networkx's own minimum cut takes any room above zero, and with capacities that are not
    integers the round-off of a saturated arc (1e-13 Gb/s left) puts it on the wrong side:
    its cut then holds more than the flow (networkx says its flow algorithms are exact only on
    integers). Room below the tolerance is round-off: the cut found so equals the flow.
    """
    edges = residual.edges(data=True)
    top = max((float(d["capacity"]) for _, _, d in edges
               if np.isfinite(float(d["capacity"]))), default=0.0)
    tol = 1e-9 * top
    side = {s}
    stack = [s]
    while stack:
        u = stack.pop()
        for v, d in residual[u].items():
            if v not in side and float(d["capacity"]) - float(d["flow"]) > tol:
                side.add(v)
                stack.append(v)
    return side


def min_cut_between(topology: Topology, sites: Sequence[str]) -> MaxFlow | None:
    """Return the smallest maximum flow between any two of `sites` (None if fewer than 2).

    Both directions are tried when some link's capacity differs by direction.
    """
    graph = _digraph(topology)
    cap = topology.compile().capacity_gbps
    symmetric = bool(np.array_equal(cap[0::2], cap[1::2]))
    pairs = itertools.combinations(sites, 2) if symmetric else itertools.permutations(sites, 2)
    best: MaxFlow | None = None
    for a, b in pairs:
        result = _max_flow(topology, graph, a, b)
        if best is None or result.value_gbps < best.value_gbps:
            best = result
    return best
