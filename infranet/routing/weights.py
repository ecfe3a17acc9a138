"""``igp-wo``: IGP weight optimisation for ECMP routing by local search (Fortz and Thorup,
"Internet Traffic Engineering by Optimizing OSPF Weights", INFOCOM 2000).

Integer weights ``1..max_weight`` per link (the same both ways) are searched so that ECMP
over the resulting shortest paths minimises Fortz and Thorup's piecewise-linear congestion
cost (or the MLU). Each iteration tries a seeded random sample of single-link weight changes,
half of them raising the weight of the most utilised link, and keeps the best if it lowers the
cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from infranet.algorithms.arcs import capacities
from infranet.algorithms.dags import destination_dag
from infranet.errors import ValidationError, did_you_mean
from infranet.results import Stopwatch
from infranet.routing.base import Routing, demands, failure_name, register, usable_arcs
from infranet.routing.shortest import hop_by_hop
from infranet.seeds import generator, label

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = ["fortz_thorup_cost", "igp_wo"]

OBJECTIVES = ("ft", "mlu")
STARTS = ("unit", "inverse-capacity")
# Fortz-Thorup: slope of the cost per Gb/s by utilisation band
_BREAKS = np.array([0.0, 1 / 3, 2 / 3, 9 / 10, 1.0, 11 / 10])
_SLOPES = np.array([1.0, 3.0, 10.0, 70.0, 500.0, 5000.0])


def fortz_thorup_cost(load_gbps: np.ndarray, capacity_gbps: np.ndarray) -> float:
    """Return Fortz and Thorup's congestion cost ``Σ Φ(load, capacity)``: per arc, the load
    is charged 1 per Gb/s up to a third of capacity, then 3, 10, 70, 500 and 5000 past
    2/3, 9/10, 1 and 11/10 of it.

    Examples
    --------
    >>> round(fortz_thorup_cost(np.array([30.0, 100.0]), np.array([90.0, 100.0])), 6)
    1096.666667
    """
    util = np.asarray(load_gbps, dtype=float) / np.asarray(capacity_gbps, dtype=float)
    width = np.diff(np.r_[_BREAKS, np.inf])
    bands = np.clip(util[:, None] - _BREAKS[None, :], 0.0, width[None, :])
    with np.errstate(over="ignore"):  # a cost past the largest float is inf: the worst
        return float((capacity_gbps * (bands @ _SLOPES)).sum())


@register("igp-wo")
def igp_wo(topology: Topology, tm: TrafficMatrix | Flows, *, objective: str = "ft",
           iterations: int = 100, sample: int = 8, max_weight: int = 20, start: str = "unit",
           patience: int | None = 30, seed: int | np.random.Generator | None = 0,
           failure: FailureSet | None = None) -> Routing:
    """Optimise integer IGP weights for ECMP by local search; return the ECMP routing with
    the best weights found (``info["igp_weights"]``: weight by link name).

    Parameters
    ----------
    objective
        ``"ft"`` (default): Fortz–Thorup piecewise-linear cost (:func:`fortz_thorup_cost`);
        ``"mlu"``: the maximum link utilisation.
    iterations
        Most iterations of the search; each evaluates `sample` weight changes.
    sample
        Weight changes tried per iteration.
    max_weight
        Weights range over ``1..max_weight``.
    start
        ``"unit"`` (every weight 1: hop count) or ``"inverse-capacity"`` (the common vendor
        default, ``max capacity / capacity``, rounded into range).
    patience
        Stop after this many iterations in a row without improvement (None: never).
    seed
        Seed of the random moves (an int, a numpy Generator, or None for a fresh one); the
        default 0 gives the same weights, hence the same routing, on every run.
    failure
        Route around these failed links (see :func:`infranet.routing.route`).

    Notes
    -----
    ``options["weight"]`` is ``"igp"``: the routing is ECMP under the weights found.
    """
    timer = Stopwatch()
    if objective not in OBJECTIVES:
        raise ValidationError(f"objective must be one of {', '.join(OBJECTIVES)}, got "
                              f"{objective!r}{did_you_mean(objective, OBJECTIVES)}",
                              field="objective")
    if start not in STARTS:
        raise ValidationError(f"start must be one of {', '.join(STARTS)}, got {start!r}"
                              f"{did_you_mean(start, STARTS)}", field="start")
    for name, value, low in (("iterations", iterations, 0), ("sample", sample, 1),
                             ("max_weight", max_weight, 1)):
        if not (isinstance(value, (int, np.integer)) and value >= low):
            raise ValidationError(f"{name} must be an integer >= {low}, got {value!r}",
                                  field=name)
    compiled = topology.compile()
    n_links = len(compiled.links)
    cap = capacities(topology, purpose="igp-wo")
    usable = usable_arcs(topology, failure)
    if (cap <= 0).any():
        raise ValidationError("igp-wo needs a positive capacity on every link",
                              field="capacity")
    src, dst, demand = demands(topology, tm)
    dests = np.unique(dst)
    probe = destination_dag(compiled, np.ones(compiled.n_arcs), dests, usable=usable)
    ok = probe.reaches(src, dst)  # reachability does not depend on the weights
    s_ok, d_ok, r_ok = src[ok], dst[ok], demand[ok]
    link_cap = np.maximum(cap[0::2], cap[1::2])

    def evaluate(weights: np.ndarray) -> tuple[float, np.ndarray]:
        dag = destination_dag(compiled, np.repeat(weights, 2).astype(float), dests,
                              usable=usable)
        load = dag.loads(s_ok, d_ok, r_ok, compiled.n_arcs)
        cost = fortz_thorup_cost(load, cap) if objective == "ft" else float((load / cap).max())
        return cost, load

    if start == "unit":
        weights = np.ones(n_links, dtype=np.int64)
    else:
        weights = np.clip(np.rint(link_cap.max() / link_cap), 1, max_weight).astype(np.int64)
    rng = generator(seed)
    best_cost, load = evaluate(weights)
    start_cost = best_cost
    evaluations, idle, done = 1, 0, 0
    if max_weight > 1 and n_links:
        for _ in range(iterations):
            done += 1
            util = (load / cap).reshape(-1, 2).max(axis=1)
            hot = int(np.argmax(util))
            moves = []
            for i in range(sample):
                if i % 2 == 0 and weights[hot] < max_weight:
                    link = hot
                    value = min(max_weight, int(weights[hot]) + int(rng.integers(1, 4)))
                else:
                    link = int(rng.integers(n_links))
                    value = int(rng.integers(1, max_weight))
                    value += value >= weights[link]  # any weight but the current one
                moves.append((link, value))
            trial_best = None
            for link, value in moves:
                trial = weights.copy()
                trial[link] = value
                cost, trial_load = evaluate(trial)
                evaluations += 1
                if trial_best is None or cost < trial_best[0]:
                    trial_best = (cost, trial, trial_load)
            assert trial_best is not None  # at least one candidate value was tried
            if trial_best[0] < best_cost * (1 - 1e-12):
                best_cost, weights, load = trial_best
                idle = 0
            else:
                idle += 1
                if patience is not None and idle >= patience:
                    break
    info = {"igp_weights": dict(zip(compiled.links, weights.tolist(), strict=True)),
            "cost": best_cost, "start_cost": start_cost, "evaluations": evaluations,
            "iterations": done, "objective": objective}
    options = {"objective": objective, "iterations": iterations, "sample": sample,
               "max_weight": max_weight, "start": start, "patience": patience,
               "seed": label(seed),
               "weight": "igp", "failure": failure_name(failure)}
    return hop_by_hop("igp-wo", topology, tm, np.repeat(weights, 2).astype(float),
                      single=False, timer=timer, options=options, info=info, usable=usable)
