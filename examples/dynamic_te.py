"""Traffic engineering over a day: which routing stays closest to the optimum as traffic moves.

A seeded day of traffic on the shipped US backbone (a gravity matrix by capacity that follows a
daily cycle, each site in its own phase, with noise and bursts) is replayed online: every
algorithm is configured for each interval from the intervals before it and measured on that
interval, against its optimum over the same candidate tunnels (the 4 shortest paths of every
pair, computed once and handed to every algorithm that takes ``paths``). An algorithm of our
own joins through the ``history`` option: the path LP on the per-pair 90th percentile of the
last six intervals.

    python examples/dynamic_te.py
"""

import numpy as np

import infranet
from infranet.algorithms.candidates import shortest_paths
from infranet.routing import register, run_online
from infranet.routing.lp import path_lp
from infranet.traffic_series import diurnal


@register("pred-p90")
def pred_p90(topology, tm, *, history=None, window: int = 6, paths=None):
    """The path LP on the per-pair 90th percentile of the last `window` intervals."""
    if history is None:  # called outside the online protocol: route the matrix given
        return path_lp(topology, tm, paths=paths)
    recent = history.volumes[-window:]  # intervals before t only
    return path_lp(topology, history.matrix_of(np.percentile(recent, 90, axis=0)), paths=paths)


topo = infranet.read("topologies/us-backbone.yaml")
capacity = float(np.nansum(topo.compile().capacity_gbps))
day = diurnal(topo, intervals=12, total_gbps=capacity / 12, period=12, amplitude=0.5,
              noise=0.2, burst_rate=0.02, burst_factor=3.0, seed=7)
tunnels = shortest_paths(topo, day.matrix(0, routable=True), 4)  # every pair of the series
print(f"{topo.name}: {len(topo.site_names)} sites, a day of {len(day)} two-hour matrices over "
      f"{day.n_pairs} pairs (seeded), {tunnels.n_paths} candidate tunnels")

print(f"{'algorithm':<12} {'mean':>7} {'p90':>7} {'max':>7} {'>1.1':>6} {'churn':>6}")
optima = None
for name, options in (("ecmp", {}), ("ksp", {"k": 3}), ("pred-last", {}),
                      ("pred-ewma", {"alpha": 0.5}), ("window-peak", {"window": 6}),
                      ("pred-p90", {})):
    result = run_online(topo, day, name, optima=optima, paths=tunnels, **options)
    if optima is None:  # solve each interval's optimum once, then share it
        optima = np.concatenate([[np.nan], result.optimum_mlu])
    s = result.summary
    print(f"{name:<12} {s['mean_ratio']:>7.3f} {s['p90_ratio']:>7.3f} {s['max_ratio']:>7.3f} "
          f"{s['share_above_1.1']:>6.2f} {s['mean_churn']:>6.2f}")
print("ratio = MLU / optimum of the interval (configured from the past, measured on the next)")
print(f"what binds pred-p90: {result.binding.summary}")
