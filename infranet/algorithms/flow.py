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

from infranet.errors import ValidationError
from infranet.model import Topology

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
    """

    source: str
    target: str
    value_gbps: float
    cut: tuple[str, ...]
    source_side: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "value_gbps": self.value_gbps,
                "cut": list(self.cut), "source_side": list(self.source_side)}


def _capacities(topology: Topology) -> np.ndarray:
    compiled = topology.compile()
    cap = compiled.capacity_gbps
    bad = np.flatnonzero(np.isnan(cap))
    if bad.size:
        name = compiled.links[compiled.arc_link[bad[0]]]
        raise ValidationError(
            f"no capacity; flows and cuts need a capacity on every link "
            f"({len(set(compiled.arc_link[bad].tolist()))} links lack one): set the link's "
            "capacity or defaults.capacity", file=topology.file, element=f"link {name!r}",
            field="capacity")
    return cap


def _digraph(topology: Topology):
    import networkx as nx

    compiled = topology.compile()
    cap = _capacities(topology)
    graph = nx.DiGraph()
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


def _max_flow(topology: Topology, graph, source: str, target: str) -> MaxFlow:
    import networkx as nx

    compiled = topology.compile()
    s = compiled.index.get(source)
    t = compiled.index.get(target)
    if s is None or t is None:
        topology.node_index(source)
        topology.node_index(target)
    if s == t:
        raise ValidationError("source and target are the same site")
    value, (reachable, _) = nx.minimum_cut(graph, s, t, capacity="capacity")
    side = set(reachable)
    cut = sorted({compiled.links[compiled.arc_link[a]]
                  for a in range(compiled.n_arcs)
                  if compiled.tail[a] in side and compiled.head[a] not in side})
    return MaxFlow(source, target, float(value), tuple(cut),
                   tuple(compiled.nodes[i] for i in sorted(side)))


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
