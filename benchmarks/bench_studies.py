"""Benchmark a failure study: serial against local processes, and where the time goes.

Usage::

    python benchmarks/bench_studies.py            # every single and double link cut (820)
    python benchmarks/bench_studies.py --quick    # 60 random double cuts, a few seconds
    python benchmarks/bench_studies.py --workers 4

The study: every single and every pair of link cuts on the shipped ``us-backbone`` (40 links,
30 sites, 6 datacenters), measures ``max_rtt`` and ``min_cut``. The baseline is the serial run
(one process); the same study on ``--workers`` local processes (default 2) is timed against it,
process start-up included, and its rows are checked identical to the baseline's (``wall_s``
aside). Each measure alone is timed serially, to say where the time goes. The exit status is 0
only if the rows agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

try:
    from infranet.studies.sweep import Failures, Study, run
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet.studies.sweep import Failures, Study, run

from infranet.io import read

ROOT = Path(__file__).resolve().parents[1]


def _timed(study: Study, workers: int):
    started = time.perf_counter()
    rows = run(study, workers=workers)
    return rows, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    topology = read(ROOT / "topologies" / "us-backbone.yaml")
    failures = (Failures(order=2, random=60, seed=1) if args.quick
                else Failures(order=(1, 2)))
    study = Study(name="cuts", topology=topology, failures=failures,
                  measures=("max_rtt", "min_cut"))
    print(f"failure study on {topology.name} ({topology.n_links} links), load "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    serial, base = _timed(study, 1)
    n = len(serial)
    print(f"{'run':<34}{'scenarios':>10}{'seconds':>10}{'per s':>10}{'speed-up':>10}")
    print(f"{'baseline: serial, one process':<34}{n:>10}{base:>10.2f}{n / base:>10.1f}"
          f"{1.0:>10.2f}")
    parallel, took = _timed(study, args.workers)
    print(f"{f'{args.workers} local processes':<34}{n:>10}{took:>10.2f}{n / took:>10.1f}"
          f"{base / took:>10.2f}")
    same = serial.drop(columns="wall_s").equals(parallel.drop(columns="wall_s"))
    for measure in study.measures:
        alone = Study(name="one", topology=topology, failures=failures, measures=(measure,))
        _, spent = _timed(alone, 1)
        print(f"{f'  {measure} alone, serial':<34}{n:>10}{spent:>10.2f}{n / spent:>10.1f}")
    print("all rows identical" if same else "ROWS DIFFER between serial and parallel runs")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
