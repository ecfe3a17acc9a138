"""Solvers over a Topology.

One core for paths, arcs, flows and failures, and the solvers on top of it:

- :mod:`~infranet.algorithms.arcs`: per-arc weights (one vocabulary), capacities, parallel arcs;
- :mod:`~infranet.algorithms.paths`: :class:`~infranet.algorithms.paths.PathSet`, the one path
  container; :mod:`~infranet.algorithms.candidates`: k shortest paths and tunnels;
  :mod:`~infranet.algorithms.dags`: shortest-path DAGs; :mod:`~infranet.algorithms.decomposition`:
  arc flows into paths;
- :mod:`~infranet.algorithms.latency`: latency, paths and round-trip times;
  :mod:`~infranet.algorithms.estimate`: RTT estimated from two locations where no fiber is
  drawn; :mod:`~infranet.algorithms.rtt`: RTTs with their basis (fiber or estimate);
  :mod:`~infranet.algorithms.flow`: maximum flow and minimum cut;
- :mod:`~infranet.algorithms.mcf`: the multicommodity-flow LPs (built from
  :mod:`~infranet.algorithms.commodities`, :mod:`~infranet.algorithms.arc_lp`,
  :mod:`~infranet.algorithms.path_lp`, :mod:`~infranet.algorithms.column_generation` and
  :mod:`~infranet.algorithms.solver`); :mod:`~infranet.algorithms.fairness`: max-min fair rates;
- :mod:`~infranet.algorithms.failures`: what fails together;
  :mod:`~infranet.algorithms.resilience`: what a failure does to latency and connectivity;
  :mod:`~infranet.algorithms.replay`: RTT and minimum cut after each failure, replayed on the
  compiled arrays (fast failure studies).
"""

__all__ = [
    "arc_lp",
    "arcs",
    "candidates",
    "column_generation",
    "commodities",
    "dags",
    "decomposition",
    "estimate",
    "failures",
    "fairness",
    "flow",
    "latency",
    "mcf",
    "path_lp",
    "paths",
    "replay",
    "resilience",
    "rtt",
    "solver",
]
