"""Routing under failures: replay an algorithm under every failure set of
:func:`infranet.algorithms.failures.failure_sets` (single links, shared-risk groups, sites,
pairs of them, or a random sample), with or without re-optimisation. Each failure masks the
failed arcs of the compiled topology; nothing is rebuilt."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet.algorithms.arcs import utilisation
from infranet.algorithms.failures import FailureSet, failure_set, failure_sets
from infranet.results import Binding, FrozenDict, FrozenState
from infranet.routing.base import Routing, route, takes
from infranet.routing.metrics import mlu, mlu_of

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["FailureStudy", "static_after_failure", "under_failures"]


_COLUMNS = ("failure", "kind", "links", "mlu", "lost_gbps", "lost_fraction", "fits",
            "solve_s")


@dataclass(frozen=True, eq=False)
class FailureStudy(FrozenState):
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
        One row per failure (a new table each time it is read): ``failure`` (its name:
        ``LINK``, ``srlg:GROUP``, ``site:SITE``, or members joined by ``" + "``), ``kind``
        (``link``, ``srlg``, ``site``, ``pair``, ``set``), ``links`` (tuple of link names),
        ``mlu`` (NaN when the failure leaves no demand carried: an MLU of 0 would read as an
        idle network), ``lost_gbps``, ``lost_fraction`` (of the total demand), ``fits``
        (every demand carried within capacity), ``solve_s``.
    binding : Binding
        The worst failure (``link`` for one link, ``cut`` for several, ``site``), or
        ``none`` when no failure was tried.
    """

    algorithm: str
    reoptimise: bool
    baseline_mlu: float
    baseline_lost_gbps: float
    demand_gbps: float
    _rows: tuple[FrozenDict, ...] = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        return pd.DataFrame([dict(row) for row in self._rows], columns=list(_COLUMNS))

    def _column(self, name: str) -> np.ndarray:
        return np.array([row[name] for row in self._rows], dtype=float)

    @property
    def worst_mlu(self) -> float:
        """The highest MLU under a failure (NaN when none was tried or none carried any
        demand)."""
        values = self._column("mlu")
        return float(np.nanmax(values)) if (~np.isnan(values)).any() else math.nan

    @property
    def mean_mlu(self) -> float:
        values = self._column("mlu")
        return float(np.nanmean(values)) if (~np.isnan(values)).any() else math.nan

    @property
    def worst_failure(self) -> str | None:
        """The failure of highest MLU, a failure that leaves nothing carried counting as the
        worst (then most lost demand)."""
        if not self._rows:
            return None
        values = np.nan_to_num(self._column("mlu"), nan=np.inf)
        order = np.lexsort((-self._column("lost_gbps"), -values))
        return str(self._rows[int(order[0])]["failure"])

    @property
    def max_lost_gbps(self) -> float:
        return float(self._column("lost_gbps").max()) if self._rows else 0.0

    @property
    def binding(self) -> Binding:
        name = self.worst_failure
        if name is None:
            return Binding.nothing("no failure tried")
        row = next(r for r in self._rows if r["failure"] == name)
        kind = {"link": "link", "site": "site"}.get(str(row["kind"]), "cut")
        value = ("no demand carried" if math.isnan(row["mlu"])
                 else f"MLU {row['mlu']:.6g}")
        return Binding(kind, name, f"{name} is the worst failure: {value}, "
                       f"{row['lost_gbps']:.6g} of {self.demand_gbps:.6g} Gb/s lost")

    def to_dict(self) -> dict[str, Any]:
        rows = [{**row, "links": list(row["links"])} for row in self._rows]
        return {"algorithm": self.algorithm, "reoptimise": self.reoptimise,
                "baseline_mlu": self.baseline_mlu,
                "baseline_lost_gbps": self.baseline_lost_gbps, "demand_gbps": self.demand_gbps,
                "worst_mlu": self.worst_mlu, "mean_mlu": self.mean_mlu,
                "worst_failure": self.worst_failure, "max_lost_gbps": self.max_lost_gbps,
                "binding": self.binding.to_dict(), "failures": rows}


def static_after_failure(routing: Routing, topology: Topology,
                         failure: FailureSet | tuple[str, ...]) -> tuple[float, float]:
    """Return ``(MLU, lost Gb/s)`` of `routing` when `failure` (a FailureSet, or link names)
    happens and nobody re-routes: paths through a failed arc are dropped, each demand's
    surviving paths share it in proportion to their former fractions, and a demand with none
    left is lost (the MLU is NaN when none is carried)."""
    compiled = topology.compile()
    if not isinstance(failure, FailureSet):
        failure = failure_set(topology, list(failure))
    dead_arc = failure.check(topology).arc_mask
    splits = routing.splits
    path_of_arc = np.repeat(np.arange(splits.n_paths), splits.hops)
    dead = np.bincount(path_of_arc, weights=dead_arc[splits.arcs],
                       minlength=splits.n_paths) > 0
    alive = np.where(dead, 0.0, splits.shares)
    total = np.bincount(splits.demand_of, weights=alive, minlength=splits.n_demands)
    routed = np.where(total > 0, routing.routed_gbps, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total[splits.demand_of] > 0, alive / total[splits.demand_of], 0.0)
    per_path = routed[splits.demand_of] * share
    load = np.bincount(splits.arcs, weights=np.repeat(per_path, splits.hops),
                       minlength=compiled.n_arcs)
    util = np.where(dead_arc, np.nan, utilisation(load, compiled.capacity_gbps))
    asked = float(routing.demand_gbps.sum())
    value = mlu_of(util, demand_gbps=asked, carried_gbps=float(routed.sum()))
    return value, asked - float(routed.sum())


def under_failures(topology: Topology, tm: TrafficMatrix | Flows, *, algorithm: str = "ecmp",
                   reoptimise: bool = True, links: bool = True, srlgs: bool = True,
                   sites: bool = False, order: int = 1, random: int | None = None,
                   seed: int | None = None, failures: Sequence[FailureSet] | None = None,
                   **options: Any) -> FailureStudy:
    """Route `tm` with `algorithm` under each failure set.

    Parameters
    ----------
    algorithm, **options
        The routing algorithm and its options (as :func:`infranet.routing.route`; a
        ``seed`` option goes to the algorithm when it takes one).
    reoptimise
        True (default): run the algorithm again with the failed arcs masked
        (``route(..., failure=...)``). False: keep the intact network's splits, drop the paths
        through failed links and renormalise each demand over its surviving paths (see
        :func:`static_after_failure`).
    links, srlgs, sites, order, random, seed
        The failure sets, as :func:`infranet.algorithms.failures.failure_sets`: single
        links, shared-risk groups of :meth:`Topology.srlgs`, sites; all pairs with
        ``order=2``; `random` of them drawn with `seed`.
    failures
        The failure sets to try, instead of those options.

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
    if failures is None:
        failures = failure_sets(topology, links=links, srlgs=srlgs, sites=sites, order=order,
                                random=random, seed=seed)
    if seed is not None and "seed" not in options and takes(algorithm, "seed"):
        options = {**options, "seed": seed}
    base = route(topology, tm, algorithm=algorithm, **options)
    total = float(base.demand_gbps.sum())
    rows = []
    for failure in failures:
        if reoptimise:
            result = route(topology, tm, algorithm=algorithm, failure=failure, **options)
            value, lost, seconds = mlu(result, topology), result.lost_gbps, result.solve_s
        else:
            value, lost = static_after_failure(base, topology, failure)
            seconds = 0.0
        fits = bool(lost <= 1e-9 * max(total, 1.0) and not value > 1 + 1e-9)
        rows.append(FrozenDict({"failure": failure.name, "kind": failure.kind,
                                "links": tuple(failure.links), "mlu": float(value),
                                "lost_gbps": float(lost),
                                "lost_fraction": lost / total if total > 0 else 0.0,
                                "fits": fits, "solve_s": float(seconds)}))
    return FailureStudy(algorithm, reoptimise, mlu(base, topology), base.lost_gbps, total,
                        tuple(rows))
