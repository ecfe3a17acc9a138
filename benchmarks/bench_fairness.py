"""Max-min fair rates of many flows sharing a fabric: infranet's event-driven filling against
textbook progressive filling, in the same run.

Workload: an expanded k=16 fat-tree (1,024 accelerators, 1,344 nodes), flows between random
accelerator pairs in 8 jobs (groups), a third elastic, the others with log-normal demands
(median 20 Gb/s), weights 1 or 2, one shortest path each. Baseline: progressive filling as
textbooks give it (and as infranet had it): every round raises all active flows to the next
event — a link fills or a flow is met — with one sparse product over all flows, so rounds are
as many as events. Checked: both give the same rates. ``--quick``: k=8, fewer flows.

    python benchmarks/bench_fairness.py            # 20,000 and 300,000 flows
    python benchmarks/bench_fairness.py --quick    # seconds
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

try:
    from infranet.algorithms import fairness
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet.algorithms import fairness
from infranet.algorithms.candidates import shortest_paths
from infranet.traffic import Flows

SEED = 7


def instance(k: int, count: int):
    from infranet.fabrics.expand import expand
    from infranet.fabrics.spec import cluster_topology

    topo = expand(cluster_topology("fat_tree", k=k))
    hosts = np.array([n for n in topo.site_names if "/acc" in n], dtype=object)
    rng = np.random.default_rng(SEED)
    src = rng.integers(len(hosts), size=count)
    dst = (src + 1 + rng.integers(len(hosts) - 1, size=count)) % len(hosts)
    demand = np.where(rng.random(count) < 1 / 3, np.inf, rng.lognormal(np.log(20.0), 1.0, count))
    flows = Flows.from_pairs(hosts[src], hosts[dst], demand, weight=rng.choice([1.0, 2.0], count),
                             group=[f"job-{i}" for i in rng.integers(8, size=count)], nodes=topo)
    return topo, flows


def textbook_filling(load: sp.csr_matrix, cap: np.ndarray, demand: np.ndarray,
                     weight: np.ndarray) -> tuple[np.ndarray, int]:
    """Progressive filling, one event per round, every round a product over all flows."""
    n_flows = load.shape[1]
    rate = np.zeros(n_flows)
    active = (np.diff(load.T.tocsr().indptr) > 0) & (demand > 0)
    residual = np.where(np.isfinite(cap), cap, np.inf).astype(float)
    rounds = 0
    while active.any():
        rounds += 1
        growth = load @ np.where(active, weight, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(growth > 0, residual / growth, np.inf)
        meet = np.where(active, (demand - rate) / weight, np.inf)
        step = max(min(float(room.min()), float(meet.min())), 0.0)
        rate[active] += weight[active] * step
        residual = residual - growth * step
        full = (growth > 0) & (residual <= 1e-12 * np.maximum(cap, 1.0))
        blocked = np.asarray(load[full].sum(axis=0)).ravel() > 0
        met = np.isfinite(demand) & (demand - rate <= 1e-12 * np.maximum(demand, 1.0))
        active &= ~(blocked | met)
    return rate, rounds


def run(k: int, count: int, baseline: bool) -> None:
    topo, flows = instance(k, count)
    started = time.perf_counter()
    paths = shortest_paths(topo, flows, 1)
    paths_s = time.perf_counter() - started
    started = time.perf_counter()
    fair = fairness.max_min_fair(topo, flows, paths=paths, alone=False)
    ours = time.perf_counter() - started
    frozen = int((fair.bottleneck >= 0).sum())
    print(f"  k={k}: {topo.n_nodes} nodes, {len(flows)} flows, {len(fair.groups)} jobs; paths "
          f"{paths_s:.2f} s; max_min_fair {ours:.3f} s ({frozen} flows frozen by a link, "
          f"{len(flows) - frozen} at their demand)")
    if baseline:
        load = fair.paths  # each flow's path with its fraction
        per_arc = np.repeat(np.arange(load.n_paths), load.hops)
        matrix = sp.csr_matrix((load.shares[per_arc], (load.arcs, load.demand_of[per_arc])),
                               shape=(topo.compile().n_arcs, len(flows)))
        started = time.perf_counter()
        rate, rounds = textbook_filling(matrix, topo.compile().capacity_gbps,
                                        flows.demand_gbps, flows.weight)
        theirs = time.perf_counter() - started
        same = np.allclose(rate, fair.rate_gbps, rtol=1e-6, atol=1e-9)
        print(f"    textbook progressive filling: {theirs:.3f} s in {rounds} rounds; "
              f"speed-up {theirs / ours:.1f}x; rates {'identical' if same else 'DIFFER'}")
        if not same:
            raise SystemExit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances, seconds")
    args = parser.parse_args(argv)
    print("max-min fairness over a fat-tree")
    if args.quick:
        run(8, 3000, baseline=True)
    else:
        run(16, 20_000, baseline=True)
        run(16, 300_000, baseline=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"  peak RSS {peak:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
