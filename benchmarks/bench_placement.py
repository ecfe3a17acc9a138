"""Benchmark the replica-placement MILP (N+1) against a greedy baseline on a seeded continent.

Usage::

    python benchmarks/bench_placement.py            # 50 candidate sites x 200 user regions
    python benchmarks/bench_placement.py --quick    # 12 sites x 30 regions, a second or two

The instance (:func:`instance`, seeded): candidate datacenter sites and user regions scattered
around 40 North American metros (real coordinates, jittered by up to ~1 degree), region
populations Zipf-like (exponent 1.1) over a total demand; RTT from the great-circle distance
times the house route factor (``physics.ROUTE_FACTOR``) over single-mode fiber (the catalogue's
µs/km) plus 0.2 ms of equipment per direction; the network share of TTFT is 3 RTTs (TCP, TLS
1.3 and the request on a cold connection); each site adds 250-330 ms of queueing and prefill
(a mix of accelerator generations); each region's TTFT budget is 330, 360 or 400 ms, or its
second-nearest site's TTFT where that is larger (N+1 needs two sites within budget). Sites hold
512-6,144 available accelerators, a quarter of them capped by power (facility 1.4 kW per
accelerator against 1.5-6 MW of headroom); replicas of 8 accelerators (4 on the newer sites) at
0.6-1.2 requests/s per accelerator.

Run: the greedy baseline; the MILP with N+1 in both formulations (the joint primary-backup one,
the default, and the textbook ``z >= x + y - 1`` linearisation) to a relative gap of 1%
(``--gap``) within a time limit (``--time-limit``, 120 s), each region choosing its primary and
backup among the 6 sites within its budget that need the fewest accelerators per request/s
(``--candidates``; 0: all of them); and the linear relaxation over all sites within budget, a
lower bound on any placement, so that the price of the restriction shows. Every placement is
re-verified by :func:`infranet.planning.replicas.check_placement`. Printed: accelerators, gap,
seconds, the greedy's accelerators over the MILP's (the ratio) and the MILP's over the bound.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for runs without installing
sys.path.insert(0, str(ROOT))

from infranet import physics  # noqa: E402
from infranet.planning.replicas import (  # noqa: E402
    ReplicaProblem,
    check_placement,
    greedy_replicas,
    place_replicas,
    relaxation_bound,
    replica_problem,
)
from infranet.workloads.sizing import distance_latency_s  # noqa: E402

#: Metros of North America, (name, lon, lat) in degrees (city centres, rounded).
METROS = (
    ("new-york", -74.01, 40.71), ("los-angeles", -118.24, 34.05), ("chicago", -87.63, 41.88),
    ("dallas", -96.80, 32.78), ("houston", -95.37, 29.76), ("washington", -77.04, 38.91),
    ("philadelphia", -75.17, 39.95), ("miami", -80.19, 25.76), ("atlanta", -84.39, 33.75),
    ("boston", -71.06, 42.36), ("phoenix", -112.07, 33.45), ("san-francisco", -122.42, 37.77),
    ("seattle", -122.33, 47.61), ("detroit", -83.05, 42.33), ("minneapolis", -93.27, 44.98),
    ("san-diego", -117.16, 32.72), ("tampa", -82.46, 27.95), ("denver", -104.99, 39.74),
    ("st-louis", -90.20, 38.63), ("baltimore", -76.61, 39.29), ("charlotte", -80.84, 35.23),
    ("orlando", -81.38, 28.54), ("san-antonio", -98.49, 29.42), ("portland", -122.68, 45.52),
    ("sacramento", -121.49, 38.58), ("pittsburgh", -79.99, 40.44), ("las-vegas", -115.14, 36.17),
    ("austin", -97.74, 30.27), ("cincinnati", -84.51, 39.10), ("kansas-city", -94.58, 39.10),
    ("columbus", -82.99, 39.96), ("indianapolis", -86.16, 39.77), ("cleveland", -81.69, 41.50),
    ("nashville", -86.78, 36.16), ("salt-lake-city", -111.89, 40.76), ("toronto", -79.38, 43.65),
    ("montreal", -73.57, 45.50), ("vancouver", -123.12, 49.28), ("mexico-city", -99.13, 19.43),
    ("monterrey", -100.32, 25.69),
)

#: Round trips on the way to the first token (TCP handshake, TLS 1.3, the request).
ROUND_TRIPS = 3
#: Equipment latency per direction (transponders, routers), s.
EQUIPMENT_S = 0.2e-3


def instance(n_sites: int, n_regions: int, *, seed: int = 0,
             total_rps: float = 8000.0) -> ReplicaProblem:
    """A seeded replica-placement instance on the continent (see the module's documentation)."""
    rng = np.random.default_rng(seed)
    lon = np.array([m[1] for m in METROS])
    lat = np.array([m[2] for m in METROS])

    def scatter(n: int, spread: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        at = rng.integers(0, len(METROS), n)
        return (at, lon[at] + rng.uniform(-spread, spread, n),
                lat[at] + rng.uniform(-spread, spread, n) * 0.7)

    s_at, s_lon, s_lat = scatter(n_sites, 1.0)
    r_at, r_lon, r_lat = scatter(n_regions, 0.6)
    grid = np.broadcast_arrays(r_lon[:, None], r_lat[:, None], s_lon[None, :], s_lat[None, :])
    km = np.asarray(physics.geodesic_km(*(g.ravel() for g in grid))).reshape(grid[0].shape)
    one_way = distance_latency_s(np.asarray(km) * physics.ROUTE_FACTOR, equipment_s=EQUIPMENT_S)
    network = ROUND_TRIPS * 2.0 * one_way
    newer = rng.random(n_sites) < 0.4
    compute = np.where(newer, rng.uniform(0.25, 0.29, n_sites), rng.uniform(0.28, 0.33, n_sites))
    ttft = network + compute[None, :]
    # SLO tiers, relaxed where a region's second-nearest site could not meet them (N+1 needs two)
    budget = np.maximum(rng.choice([0.33, 0.36, 0.40], n_regions),
                        np.sort(ttft, axis=1)[:, min(1, n_sites - 1)])
    population = 1.0 / np.arange(1, n_regions + 1) ** 1.1
    demand = np.round(total_rps * rng.permutation(population) / population.sum(), 1)
    available = rng.choice([512, 1024, 2048, 4096, 6144], n_sites).astype(float)
    power = np.where(rng.random(n_sites) < 0.25, rng.uniform(1.5e6, 6e6, n_sites), np.inf)
    return replica_problem(
        [f"dc-{i:02d}-{METROS[m][0]}" for i, m in enumerate(s_at)],
        [f"{METROS[m][0]}-{i:03d}" for i, m in enumerate(r_at)],
        demand_rps=demand, network_s=network, compute_s=compute[None, :], budget_s=budget,
        requests_per_accelerator_s=np.where(newer, rng.uniform(0.9, 1.2, n_sites),
                                            rng.uniform(0.6, 0.8, n_sites)),
        accelerators_per_replica=np.where(newer, 4, 8), available=available, power_w=power,
        facility_w_per_accelerator=1400.0, request_bytes=8e3, response_bytes=4e3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="12 sites x 30 regions")
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--regions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", type=float, default=0.01, help="relative MIP gap (0.01: 1%%)")
    parser.add_argument("--time-limit", type=float, default=120.0, help="s per MILP")
    parser.add_argument("--candidates", type=int, default=6,
                        help="sites per region the MILP considers (0: all within budget)")
    parser.add_argument("--no-bound", action="store_true",
                        help="skip the linear relaxation over all sites")
    parser.add_argument("--formulation", action="append",
                        help="joint and/or linearised (default: both)")
    args = parser.parse_args(argv)
    n_sites, n_regions = (12, 30) if args.quick else (args.sites, args.regions)
    problem = instance(n_sites, n_regions, seed=args.seed, total_rps=8000.0 * n_regions / 200)
    feasible = problem.within.sum(axis=1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"replica placement, N+1: {n_sites} sites x {n_regions} regions (seed {args.seed}), "
          f"{problem.demand_rps.sum():,.0f} requests/s; sites within budget per region: "
          f"min {feasible.min()}, median {np.median(feasible):.0f}, max {feasible.max()}; "
          f"load average {load:.2f}")
    t0 = time.perf_counter()
    greedy = greedy_replicas(problem, survive_site_loss=True)
    greedy_s = time.perf_counter() - t0
    ok = check_placement(problem, greedy) == ()
    print(f"  baseline greedy:        {greedy.total_accelerators:7,} accelerators  "
          f"{len(greedy.sites):3} sites  {greedy_s:7.2f} s  checked: {'yes' if ok else 'NO'}")
    bound = None
    if not args.no_bound:
        t0 = time.perf_counter()
        bound = relaxation_bound(problem, survive_site_loss=True)
        print(f"  lower bound (relaxation, all sites): {bound:9,.0f} accelerators  "
              f"{time.perf_counter() - t0:7.2f} s")
    candidates = args.candidates or None
    for formulation in args.formulation or ["joint", "linearised"]:
        t0 = time.perf_counter()
        plan = place_replicas(problem, survive_site_loss=True, formulation=formulation,
                              candidates=candidates, mip_gap=args.gap,
                              time_limit_s=args.time_limit)
        seconds = time.perf_counter() - t0
        checked = check_placement(problem, plan) == ()
        ok = ok and checked
        size = plan.size
        print(f"  milp ({formulation + ')':11} {plan.total_accelerators:7,} accelerators  "
              f"{len(plan.sites):3} sites  {seconds:7.2f} s  gap {plan.gap:.2%} ({plan.status})  "
              f"checked: {'yes' if checked else 'NO'}  [{candidates or 'all'} candidates: "
              f"{size['variables']:,} variables, {size['integers']:,} integer, "
              f"{size['constraints']:,} rows]")
        over = "" if bound is None else f"; milp / bound: {plan.total_accelerators / bound:.4f}"
        print(f"    ratio greedy / milp: {greedy.total_accelerators / plan.total_accelerators:.3f}"
              f"{over}; binding: {plan.binding.summary}")
    print(f"  all placements checked: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
