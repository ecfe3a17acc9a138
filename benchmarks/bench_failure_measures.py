"""Benchmark the failure-study measures (max_rtt, mean_rtt, min_cut) on a real backbone.

Usage::

    python benchmarks/bench_failure_measures.py            # UNINETT 2010: 5,151 cuts
    python benchmarks/bench_failure_measures.py --quick    # Abilene: 60 double cuts, seconds

The study: every single and every pair of link cuts on topohub ``topozoo/Uninett2010`` (74
sites, 101 links; every site is watched, as it has no datacenters), each link given 100 Gb/s
(topohub has no capacities), run serially with :func:`infranet.studies.sweep.run`: each measure
alone, then the three together. Its failures are replayed on the grid point's compiled arrays
(:mod:`infranet.algorithms.replay`).

The baseline is the direct route each scenario took before: the topology rebuilt without the
failed links, then ``measure_max_rtt`` / ``measure_mean_rtt`` (infranet's all-pairs search) and
``measure_min_cut`` (a networkx maximum flow for every pair of watched sites: 2,701 on
UNINETT, about 10 s a scenario), timed on a seeded sample of the scenarios and checked against
the study's rows: RTTs to 1e-9 relative, cuts and their pair exactly. Rates are given per
second of wall time and per second of this process's CPU time (the machine may be shared). The
exit status is 0 only if they agree.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    from infranet.studies.sweep import Failures, Study, run
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet.studies.sweep import Failures, Study, run

from infranet.algorithms.failures import failure_set
from infranet.errors import InfranetWarning
from infranet.io import read
from infranet.studies.sweep import measure_max_rtt, measure_mean_rtt, measure_min_cut

MEASURES = {"max_rtt": measure_max_rtt, "mean_rtt": measure_mean_rtt, "min_cut": measure_min_cut}
RTOL = 1e-9


def _direct(study: Study, failure: str, measure: str) -> dict:
    """One scenario the direct way: rebuilt topology, then the measure (one grid point)."""
    topology = study.topology.with_changes({path: values[0] for path, values in study.grid})
    failed = failure_set(topology, failure)
    return MEASURES[measure](topology.without_links(*failed.links), study)


def _agrees(row, expected: dict, measure: str) -> bool:
    for key, value in expected.items():
        got = row[f"{measure}.{key}"]
        if value is None:
            if not (got is None or (isinstance(got, float) and math.isnan(got))):
                return False
        elif isinstance(value, float):
            if not math.isclose(got, value, rel_tol=RTOL):
                return False
        elif got != value:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rtt-sample", type=int, default=None, metavar="N",
                        help="scenarios the RTT baseline runs (default 40, quick 5)")
    parser.add_argument("--cut-sample", type=int, default=None, metavar="N",
                        help="scenarios the min-cut baseline runs (default 4, quick 5)")
    args = parser.parse_args(argv)
    key = "topohub:sndlib/abilene" if args.quick else "topohub:topozoo/Uninett2010"
    with warnings.catch_warnings():  # co-located sites of the Zoo's campuses
        warnings.simplefilter("ignore", InfranetWarning)
        topology = read(key)
    failures = Failures(order=2, random=60, seed=1) if args.quick else Failures(order=(1, 2))
    grid = {"defaults.capacity": [100]}
    samples = {"max_rtt": args.rtt_sample or (5 if args.quick else 40),
               "mean_rtt": args.rtt_sample or (5 if args.quick else 40),
               "min_cut": args.cut_sample or (5 if args.quick else 4)}
    print(f"failure study on {key} ({topology.n_sites} sites, {topology.n_links} links, "
          f"100 Gb/s each), serial; load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'measure':<22}{'scenarios':>10}{'seconds':>9}{'per s':>8}{'per CPU s':>11}"
          f"{'baseline/s':>12}{'ratio':>8}")
    ok = True
    baseline_cost = 0.0  # seconds per scenario of the three measures, the direct way
    rng = np.random.default_rng(0)
    for measure in MEASURES:
        study = Study(name=measure, topology=topology, grid=grid, failures=failures,
                      measures=(measure,))
        started, cpu = time.perf_counter(), time.process_time()
        rows = run(study, workers=1)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        n = len(rows)
        picks = rng.choice(n, size=min(samples[measure], n), replace=False)
        started = time.perf_counter()
        expected = [_direct(study, rows["failure"].iloc[i], measure) for i in picks.tolist()]
        direct = (time.perf_counter() - started) / len(picks)
        baseline_cost += direct
        same = all(_agrees(rows.iloc[i], e, measure)
                   for i, e in zip(picks.tolist(), expected, strict=True))
        ok &= same and bool(rows["error"].isna().all())
        print(f"{measure:<22}{n:>10}{took:>9.2f}{n / took:>8.0f}{n / cpu:>11.0f}"
              f"{1 / direct:>12.2f}{(n / took) * direct:>8.0f}")
    study = Study(name="all", topology=topology, grid=grid, failures=failures,
                  measures=tuple(MEASURES))
    started, cpu = time.perf_counter(), time.process_time()
    rows = run(study, workers=1)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    n = len(rows)
    print(f"{'all three together':<22}{n:>10}{took:>9.2f}{n / took:>8.0f}{n / cpu:>11.0f}"
          f"{1 / baseline_cost:>12.2f}{(n / took) * baseline_cost:>8.0f}")
    print(f"baseline: the direct route on a seeded sample ({samples['max_rtt']} scenarios for "
          f"the RTTs, {samples['min_cut']} for the cut), per scenario; per CPU s: scenarios per "
          "second of this process's CPU time (what a loaded machine does not change); load "
          f"now {os.getloadavg()[0]:.2f}")
    print("all sampled values identical" if ok else "VALUES DIFFER from the direct route")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
