"""Routing under failures: replay an algorithm under every single-link failure and every
shared-risk group (SRLG) failure, with or without re-optimisation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet.errors import UnknownNameError, did_you_mean
from infranet.routing.base import Routing, route
from infranet.routing.metrics import mlu

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import TrafficMatrix

__all__ = ["FailureStudy", "static_after_failure", "under_failures"]


@dataclass(frozen=True, eq=False)
class FailureStudy:
    """MLU and lost demand of a routing algorithm under each failure.

    Attributes
    ----------
    algorithm : str
    reoptimise : bool
        True: the algorithm ran again on the topology without the failed links. False: the
        routing of the intact network kept its paths; paths through a failed link were
        dropped and each demand's surviving paths renormalised.
    baseline_mlu, baseline_lost_gbps : float
        Of the intact network.
    table : DataFrame
        One row per failure: ``failure`` (link or group name), ``kind`` (``link`` or
        ``srlg``), ``links`` (tuple of link names), ``mlu``, ``lost_gbps``, ``lost_fraction``
        (of the total demand), ``solve_s``.
    """

    algorithm: str
    reoptimise: bool
    baseline_mlu: float
    baseline_lost_gbps: float
    demand_gbps: float
    table: pd.DataFrame = field(repr=False)

    @property
    def worst_mlu(self) -> float:
        return float(self.table["mlu"].max()) if len(self.table) else math.nan

    @property
    def mean_mlu(self) -> float:
        return float(self.table["mlu"].mean()) if len(self.table) else math.nan

    @property
    def worst_failure(self) -> str | None:
        """The failure of highest MLU (then most lost demand)."""
        if not len(self.table):
            return None
        ranked = self.table.sort_values(["mlu", "lost_gbps"], ascending=False, kind="stable")
        return str(ranked["failure"].iloc[0])

    @property
    def max_lost_gbps(self) -> float:
        return float(self.table["lost_gbps"].max()) if len(self.table) else 0.0

    def to_dict(self) -> dict[str, Any]:
        rows = self.table.assign(links=[list(x) for x in self.table["links"]])
        return {"algorithm": self.algorithm, "reoptimise": self.reoptimise,
                "baseline_mlu": self.baseline_mlu,
                "baseline_lost_gbps": self.baseline_lost_gbps, "demand_gbps": self.demand_gbps,
                "worst_mlu": self.worst_mlu, "mean_mlu": self.mean_mlu,
                "worst_failure": self.worst_failure, "max_lost_gbps": self.max_lost_gbps,
                "failures": rows.to_dict("records")}


def static_after_failure(routing: Routing, topology: Topology, links: tuple[str, ...],
                         ) -> tuple[float, float]:
    """Return ``(MLU, lost Gb/s)`` of `routing` when `links` fail and nobody re-routes:
    paths through a failed link are dropped, each demand's surviving paths share it in
    proportion to their former fractions, and a demand with none left is lost."""
    compiled = topology.compile()
    index = {name: i for i, name in enumerate(topology.link_names)}
    for name in links:
        if name not in index:
            raise UnknownNameError(f"unknown link {name!r}"
                                   f"{did_you_mean(name, topology.link_names)}")
    failed = np.array([index[x] for x in links], dtype=np.int64)
    dead_arc = np.isin(compiled.arc_link, failed)
    splits = routing.splits
    path_of_arc = np.repeat(np.arange(splits.n_paths), splits.hops)
    dead = np.bincount(path_of_arc, weights=dead_arc[splits.arcs],
                       minlength=splits.n_paths) > 0
    alive = np.where(dead, 0.0, splits.fraction)
    total = np.bincount(splits.demand_of, weights=alive, minlength=splits.n_demands)
    routed = np.where(total > 0, routing.routed_gbps, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total[splits.demand_of] > 0, alive / total[splits.demand_of], 0.0)
    per_path = routed[splits.demand_of] * share
    load = np.bincount(splits.arcs, weights=np.repeat(per_path, splits.hops),
                       minlength=compiled.n_arcs)
    cap = compiled.capacity_gbps
    keep = ~dead_arc & np.isfinite(cap) & (cap > 0)
    value = float((load[keep] / cap[keep]).max()) if keep.any() else 0.0
    return value, float(routing.demand_gbps.sum() - routed.sum())


def under_failures(topology: Topology, tm: TrafficMatrix, *, algorithm: str = "ecmp",
                   reoptimise: bool = True, links: bool = True, srlgs: bool = True,
                   **options: Any) -> FailureStudy:
    """Route `tm` with `algorithm` under each single-link failure and each shared-risk group.

    Parameters
    ----------
    algorithm, **options
        The routing algorithm and its options (as :func:`infranet.routing.route`).
    reoptimise
        True (default): run the algorithm again on ``topology.without_links(...)``. False:
        keep the intact network's splits, drop the paths through failed links and
        renormalise each demand over its surviving paths (see :func:`static_after_failure`).
    links, srlgs
        Include single-link failures, and the failures of each group of
        :meth:`Topology.srlgs`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> ring = Topology.from_dict({"name": "ring", "sites": [{"name": n} for n in "abcd"],
    ...     "links": [{"a": a, "b": b, "capacity": 100}
    ...               for a, b in ("ab", "bc", "cd", "da")]})
    >>> tm = TrafficMatrix(("a", "c"), [[0, 60], [0, 0]])
    >>> study = under_failures(ring, tm, algorithm="ecmp")
    >>> study.worst_mlu, study.max_lost_gbps
    (0.6, 0.0)
    >>> under_failures(ring, tm, algorithm="ecmp", reoptimise=False).worst_mlu
    0.6
    """
    base = route(topology, tm, algorithm=algorithm, **options)
    scenarios: list[tuple[str, str, tuple[str, ...]]] = []
    if links:
        scenarios += [(name, "link", (name,)) for name in topology.link_names]
    if srlgs:
        scenarios += [(group, "srlg", names) for group, names in topology.srlgs().items()]
    total = float(base.demand_gbps.sum())
    rows = []
    for name, kind, failed in scenarios:
        if reoptimise:
            cut = topology.without_links(*failed)
            result = route(cut, tm, algorithm=algorithm, **options)
            value, lost, seconds = mlu(result, cut), result.lost_gbps, result.solve_s
        else:
            value, lost = static_after_failure(base, topology, failed)
            seconds = 0.0
        rows.append({"failure": name, "kind": kind, "links": failed, "mlu": value,
                     "lost_gbps": lost, "lost_fraction": lost / total if total > 0 else 0.0,
                     "solve_s": seconds})
    table = pd.DataFrame(rows, columns=["failure", "kind", "links", "mlu", "lost_gbps",
                                        "lost_fraction", "solve_s"])
    return FailureStudy(algorithm, reoptimise, mlu(base, topology), base.lost_gbps, total,
                        table)
