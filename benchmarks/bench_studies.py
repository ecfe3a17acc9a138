"""Benchmark a failure study: serial against local processes and a Dask LocalCluster.

Usage::

    python benchmarks/bench_studies.py                  # the 10,302-scenario study (below)
    python benchmarks/bench_studies.py --random 150     # 150 random double cuts per grid point
    python benchmarks/bench_studies.py --quick          # 120 scenarios on the shipped backbone
    python benchmarks/bench_studies.py --workers 4 --dask-workers 4 --measures max_rtt

The study: every single and every pair of link cuts on the real Uninett 2010 backbone of
Topology Zoo (``topohub:topozoo/Uninett2010``: 74 sites, 101 links; 101 + 5,050 = 5,151 failure
sets), for two route factors (``defaults.route_factor``: infranet's default, 1.3, and 1.5), so
10,302 scenarios; measures ``max_rtt`` and ``min_cut``. Topology Zoo gives no capacities: every
link gets the routing suite's uniform 100 Gb/s (:data:`infranet.bench.routing.
UNIFORM_CAPACITY_GBPS`). ``--random K`` draws K double cuts (seed 1) per route factor
instead, for a mid-size run; ``--quick`` runs 60 random double cuts of the shipped
``us-backbone`` (40 links, 6 datacenters) per route factor (120 scenarios), seconds a run.

The baseline is the serial run (one process). The same study runs on ``--workers`` local
processes (process start-up included) and on a Dask ``LocalCluster`` of ``--dask-workers``
worker processes, one thread each (the cluster's start-up is printed apart: a cluster that
exists already does not pay it). Each run's rows are checked identical to the baseline's
(``wall_s`` aside), and each measure alone is timed serially, to say where the time goes. The
exit status is 0 only if the rows agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

try:
    from infranet.studies.sweep import Failures, Study, run
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet.studies.sweep import Failures, Study, run

from infranet.bench.routing import UNIFORM_CAPACITY_GBPS
from infranet.errors import InfranetWarning
from infranet.io import read
from infranet.physics import ROUTE_FACTOR

ROOT = Path(__file__).resolve().parents[1]
NETWORK = "topozoo/Uninett2010"
#: The grid: infranet's default route factor and a longer guess (fiber strays further).
ROUTE_FACTORS = (ROUTE_FACTOR, 1.5)


def _timed(study: Study, **how):
    started = time.perf_counter()
    rows = run(study, **how)
    return rows, time.perf_counter() - started


def _line(label: str, n: int, seconds: float, base: float | None = None) -> str:
    ratio = f"{base / seconds:>10.2f}" if base is not None else ""
    return f"{label:<40}{n:>10}{seconds:>10.2f}{n / seconds:>10.1f}{ratio}"


def study_of(args: argparse.Namespace) -> Study:
    """The benchmark's study, as the options ask."""
    if args.quick:
        topology = read(ROOT / "topologies" / "us-backbone.yaml")
        failures = Failures(order=2, random=60, seed=1)
    else:
        with warnings.catch_warnings():  # the data's notes (co-located sites), not ours
            warnings.simplefilter("ignore", InfranetWarning)
            topology = read(f"topohub:{args.network}").with_defaults(
                capacity=UNIFORM_CAPACITY_GBPS)
        failures = (Failures(order=2, random=args.random, seed=1) if args.random
                    else Failures(order=(1, 2)))
    return Study(name="cuts", topology=topology, grid={"defaults.route_factor": ROUTE_FACTORS},
                 failures=failures, measures=tuple(args.measures.split(",")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--network", default=NETWORK, help="topohub key (default %(default)s)")
    parser.add_argument("--random", type=int, default=None, metavar="K",
                        help="K random double cuts per grid point instead of every cut")
    parser.add_argument("--measures", default="max_rtt,min_cut")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dask-workers", type=int, default=2)
    args = parser.parse_args(argv)
    study = study_of(args)
    topology = study.topology
    print(f"failure study on {topology.name} ({topology.n_sites} sites, {topology.n_links} "
          f"links), measures {', '.join(study.measures)}; load {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores")
    serial, base = _timed(study, workers=1)
    n = len(serial)
    print(f"{'run':<40}{'scenarios':>10}{'seconds':>10}{'per s':>10}{'speed-up':>10}")
    print(_line("baseline: serial, one process", n, base, base))
    same = True
    parallel, took = _timed(study, workers=args.workers)
    print(_line(f"{args.workers} local processes", n, took, base))
    same &= serial.drop(columns="wall_s").equals(parallel.drop(columns="wall_s"))

    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with LocalCluster(n_workers=args.dask_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        up = time.perf_counter() - started
        on_dask, took = _timed(study, scheduler=client)
    print(_line(f"Dask LocalCluster, {args.dask_workers} workers", n, took, base))
    print(f"  (the LocalCluster took {up:.2f} s to start, not counted)")
    same &= serial.drop(columns="wall_s").equals(on_dask.drop(columns="wall_s"))
    for measure in study.measures:
        alone = Study(name="one", topology=topology, grid=study.grid,
                      failures=study.failures, measures=(measure,))
        _, spent = _timed(alone, workers=1)
        print(_line(f"  {measure} alone, serial", n, spent))
    errors = int(serial["error"].notna().sum())
    print(f"{errors} scenarios with an error" if errors else "no scenario with an error")
    print("all rows identical" if same else "ROWS DIFFER between the serial and other runs")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
