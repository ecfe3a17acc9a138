"""Traffic engineering over time: every routing algorithm replayed online over the FIGRET GEANT
test series (677 intervals), configured from the past and measured on each next interval.

Baseline in the same run: the per-interval optimum, the path LP over FIGRET's tunnels solved
for every interval (checked against the published optima, ``test-7.opt``); every algorithm's
seconds per interval are given beside the time of that solve. Prints, per algorithm, MLU /
optimum (mean, p50, p90, p99, max, the share of intervals above 1.1 and 1.5), the mean churn
(the share of traffic whose path split changed), the intervals where demand was lost, and the
seconds per interval; then what the FIGRET paper publishes for the same baselines on the same
data, and where infranet's differ.

    python benchmarks/bench_dynamic.py                 # all 665 intervals after the warm-up
    python benchmarks/bench_dynamic.py --pod           # ... and the Facebook pod test-6
    python benchmarks/bench_dynamic.py --quick         # 10 intervals (the smoke run)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

try:
    import infranet  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from infranet.bench.dynamic import DYNAMIC_INSTANCES, WARMUP, run
from infranet.bench.routing import default_data_dir
from infranet.parallel import workers
from infranet.routing.online import optimum_mlus

#: What the FIGRET paper (Liu, Zhao, Cui, Wang, "FIGRET: Fine-Grained Robustness-Enhanced
#: Traffic Engineering", ACM SIGCOMM 2024, doi:10.1145/3651890.3672258; arXiv:2405.04932)
#: states in its text about the same baselines on the same data, and the settings of its harness
#: (github.com/FIGRET/figret, benchmarks/linear/linear_helper.py).
PUBLISHED = (
    "FIGRET (Liu et al., SIGCOMM 2024, doi:10.1145/3651890.3672258), same data and tunnels:",
    "  harness: window hist_len = 12 (evaluation starts at interval 12, as here); Jupiter =",
    "    per-pair peak of the window + hedging spread 0.5 (here: window-peak, window=12,",
    "    spread=0.5); 'Pred TE' = per-pair linear regression over the window (here:",
    "    pred-linear, window=12); COPE = beta 1.5, its predicted set every training matrix,",
    "    solved once (here: beta 1.1 over the last 12 intervals, re-solved every 12);",
    "    ratio = MLU / published optimum (as here).",
    "  abstract: FIGRET lowers the average MLU by 9%-34% against Jupiter's TE across its",
    "    networks, and lowers the congestion events that bursts cause by 41%-53.9% against",
    "    DOTE on the most dynamic topologies.",
    "  Per-baseline ratios on these series are not printed in the paper's text (its",
    "    evaluation gives them in figures); none is quoted here as if it were.",
)


def _row(row: dict, optimum_s: float) -> dict:
    per = row["seconds_per_interval"]
    return {"algorithm": row["algorithm"], "mean": row["mean_ratio"], "p50": row["p50_ratio"],
            "p90": row["p90_ratio"], "p99": row["p99_ratio"], "max": row["max_ratio"],
            ">1.1": row["share_above_1.1"], ">1.5": row["share_above_1.5"],
            "churn": row["mean_churn"], "lossy": row["intervals_with_loss"], "s/int": per,
            "x optimum": per / optimum_s if optimum_s > 0 else float("nan")}


def _print(rows: list[dict]) -> None:
    header = ("algorithm", "mean", "p50", "p90", "p99", "max", ">1.1", ">1.5", "churn",
              "lossy", "s/int", "x optimum")
    print(f"  {header[0]:<14}" + "".join(f"{h:>10}" for h in header[1:]))
    for row in rows:
        cells = []
        for key in header[1:]:
            value = row[key]
            if key == "lossy":
                cells.append(f"{value:>10d}")
            elif isinstance(value, float) and np.isnan(value):
                cells.append(f"{'-':>10}")
            elif key in ("s/int",):
                cells.append(f"{value:>10.4f}")
            elif key == "x optimum":
                cells.append(f"{value:>9.2f}x")
            else:
                cells.append(f"{value:>10.4f}")
        print(f"  {row['algorithm']:<14}" + "".join(cells))


def run_instance(key: str, data: Path, limit: int | None, workers: int) -> float:
    """Replay every registered algorithm (and the suite's variants) over instance `key` on
    `workers` processes; return the wall time."""
    instance = next(i for i in DYNAMIC_INSTANCES if i.name == key)
    loaded = instance.load(data)
    topo, series, paths, published = (loaded["topology"], loaded["series"], loaded["paths"],
                                      loaded["optima"])
    stop = len(series) if limit is None else min(len(series), WARMUP + limit)
    chosen = list(range(WARMUP, stop))
    print(f"\n{instance.description}: intervals {chosen[0]}..{chosen[-1]} "
          f"({len(chosen)}), each configured from the intervals before it")
    started = time.perf_counter()
    solved = optimum_mlus(topo, series, intervals=chosen, paths=paths)
    optimum_s = (time.perf_counter() - started) / len(chosen)
    gap = float(np.max(np.abs(solved - published[chosen]) / published[chosen]))
    print(f"baseline: the optimum of every interval (path LP over the tunnels, HiGHS), "
          f"{optimum_s:.4f} s per interval; published optima reproduced: "
          f"{'yes' if gap <= 1e-6 else 'NO'} (largest relative gap {gap:.1e})")
    total = time.perf_counter()
    results = run(instances=[key], limit=limit, data=data, workers=workers)
    wall = time.perf_counter() - total
    rows = []
    for row in results["results"]:
        if row["error"]:  # a plug-in's failure is reported, the run goes on
            print(f"  {row['algorithm']}: failed: {row['error']}")
        else:
            rows.append(_row(row, optimum_s))
    _print(rows)
    print("  ratio = MLU / published optimum, over the intervals that lost no demand ('-' "
          "when none: cspf admits only what fits); lossy = intervals that lost demand; "
          "churn = mean share of traffic whose split changed; x optimum = time per interval "
          "over the optimum's; jupiter = window-peak with window 12 and spread 0.5, as in "
          "the FIGRET harness")
    own = sum(row["wall_s"] for row in results["results"])
    print(f"every algorithm, {len(chosen)} intervals: {wall:.1f} s on {workers} "
          f"process{'es' if workers > 1 else ''} ({'within' if wall < 300 else 'over'} the "
          f"5-minute target); the runs one after another: {own:.1f} s "
          f"({own / wall:.2f}x the wall time)")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 intervals (the smoke run)")
    parser.add_argument("--pod", action="store_true",
                        help="also the Facebook pod A test-6 series (477 intervals)")
    parser.add_argument("--limit", type=int, default=None, help="intervals per series")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=-1,
                        help="processes replaying runs side by side (default -1: every core)")
    args = parser.parse_args(argv)
    data = args.data or default_data_dir()
    if data is None:
        print("reference data not found (../shared/data or $INFRANET_DATA)")
        return 1
    if args.limit is not None and args.limit < 1:
        parser.error(f"--limit: give 1 or more intervals, not {args.limit}")
    limit = 10 if args.quick else args.limit
    print(f"machine load (1-minute average): {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores")
    n_workers = workers(args.workers)
    run_instance("figret-geant", data, limit, n_workers)
    if args.pod:
        run_instance("figret-facebook-pod-a-6", data, limit, n_workers)
    print()
    for line in PUBLISHED:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
