"""Routing algorithms against the optimum: the approximation's gap and speed-up, and every
heuristic's MLU ratio, on GEANT (FIGRET matrices, published optima) and on Teal's Kdl backbone.

Baselines in the same run: on GEANT the arc multicommodity-flow LP (``mcf``, HiGHS) solved to
optimality; on Kdl (754 nodes, 567,762 gravity demands, where the arc LP does not finish) the
path LP over 4 shortest paths per pair (``path-lp``, column generation). Prints, per instance,
each algorithm's MLU / optimal MLU, the share of the demand it carried (a row that carried less
has no ratio: its MLU is over part of the demand), its time relative to the baseline and, on
Kdl, its peak memory (each algorithm runs in a fresh process).

    python benchmarks/bench_routing.py            # GEANT 16 matrices, then Kdl (minutes)
    python benchmarks/bench_routing.py --quick    # GEANT 2 matrices, Kdl's 100-node subgraph
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

try:
    import infranet
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import infranet
from infranet.bench.fresh import run_json
from infranet.bench.routing import KDL_SEED, default_data_dir, kdl_instance
from infranet.routing import evaluate, route
from infranet.traffic import read_hist

ALGORITHMS = ("spf", "ecmp", "ksp", "cspf", "path-lp", "vlb", "fptas", "pop", "igp-wo")
#: Kdl: the baseline first, then the algorithms measured against it
KDL = {"path-lp": {}, "fptas": {"eps": 0.1}, "pop": {"parts": 4, "seed": 0}, "ecmp": {},
       "spf": {}}


def _timed(topo, tm, name, **options):
    started = time.perf_counter()
    routing = route(topo, tm, algorithm=name, **options)
    return routing, time.perf_counter() - started


def run_instance(label: str, topo, tms, algorithms, *, options=None,
                 baseline: str = "mcf") -> None:
    """Print each algorithm's MLU over the `baseline`'s (``mcf``: the optimum), the share of the
    demand it carried, and its speed."""
    options = options or {}
    print(f"\n{label}: {topo.n_nodes} nodes, {topo.n_links} links, {len(tms)} matrices")
    optimum_s, ratios = [], {a: [] for a in algorithms}
    times, carried = {a: [] for a in algorithms}, {a: [] for a in algorithms}
    for tm in tms:
        best, seconds = _timed(topo, tm, baseline, **options.get(baseline, {}))
        optimum = evaluate(best, topo, tm, paths=False)["mlu"]
        optimum_s.append(seconds)
        for name in algorithms:
            routing, seconds = _timed(topo, tm, name, **options.get(name, {}))
            metrics = evaluate(routing, topo, tm, optimum=optimum, paths=False)
            ratios[name].append(metrics["mlu_ratio"])  # NaN when demand was lost
            carried[name].append(metrics["satisfied"])
            times[name].append(seconds)
    lp = statistics.mean(optimum_s)
    what = "arc LP, optimal" if baseline == "mcf" else "LP over 4 shortest paths per pair"
    print(f"  baseline {baseline} ({what}): {lp:.3f} s per matrix, {sum(optimum_s):.2f} s in all")
    print(f"  {'algorithm':<10} {'MLU/opt mean':>13} {'max':>8} {'carried':>8} {'s/matrix':>10} "
          f"{'vs LP':>9}")
    for name in algorithms:
        r = np.array(ratios[name], dtype=float)
        mean = np.nanmean(r) if np.isfinite(r).any() else float("nan")
        worst = np.nanmax(r) if np.isfinite(r).any() else float("nan")
        t = statistics.mean(times[name])
        share = min(carried[name])
        note = "" if np.isfinite(r).all() else (
            f"  (carried {share:.1%} of the demand on some matrices: ratio over the others"
            " only)" if np.isfinite(r).any() else f"  (carried {share:.1%}: no ratio)")
        print(f"  {name:<10} {mean:13.4f} {worst:8.4f} {share:8.1%} {t:10.4f} "
              f"{lp / t:8.1f}x{note}")


# ---------------------------------------------------------------------------- Kdl


def run_case(name: str, data: Path, nodes: int | None) -> dict:
    """One routing of Kdl (run in a child process so that its peak memory is its own)."""
    topo, tm = kdl_instance(data, nodes=nodes)
    start = time.perf_counter()
    routing = route(topo, tm, algorithm=name, **KDL[name])
    seconds = time.perf_counter() - start
    metrics = evaluate(routing, topo, tm, paths=False)
    return {"algorithm": name, "nodes": topo.n_nodes, "demands": int(routing.n_demands),
            "mlu": metrics["mlu"], "carried": metrics["satisfied"], "seconds": seconds,
            "paths": int(routing.splits.n_paths),
            "info": {k: v for k, v in routing.info.items() if isinstance(v, (int, float))},
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}


def bench_kdl(data: Path, nodes: int | None, timeout: float) -> None:
    here = [sys.executable, str(Path(__file__).resolve()), "--data", str(data)]
    size = ["--nodes", str(nodes)] if nodes is not None else []
    results = {name: run_json([*here, "--case", name, *size], timeout=timeout, what=name)
               for name in KDL}
    base = results["path-lp"]
    if base is None:
        print("\nKdl: the baseline path LP did not finish within the time limit")
        return
    load = os.getloadavg()
    print(f"\nKdl{'' if nodes is None else f' {nodes}-node subgraph'}: {base['nodes']} nodes, "
          f"{base['demands']} gravity demands (seed {KDL_SEED}); each algorithm in a fresh "
          f"process; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"  {'algorithm':<10} {'MLU':>12} {'MLU/opt':>8} {'carried':>8} {'time [s]':>9} "
          f"{'speed-up':>9} {'peak [GB]':>10} {'paths':>9}")
    for name, r in results.items():
        if r is None:
            print(f"  {name:<10} did not finish within {timeout:.0f} s")
            continue
        ratio = r["mlu"] / base["mlu"] if r["carried"] >= 1 - 1e-9 else float("nan")
        extra = ""
        if name == "fptas":
            extra = (f"  (phases {r['info'].get('phases')}, certified gap "
                     f"{r['info'].get('gap', float('nan')):.4f}: the optimum over all routings "
                     f"is at least {r['info'].get('lower_bound_mlu', float('nan')):.6f})")
        print(f"  {name:<10} {r['mlu']:12.6f} {ratio:8.4f} {r['carried']:8.1%} "
              f"{r['seconds']:9.2f} {base['seconds'] / r['seconds']:8.2f}x "
              f"{r['peak_gb']:10.2f} {r['paths']:9d}{extra}")
    print("  MLU/opt: over the path LP's optimum (4 shortest paths per pair); speed-up: its "
          "time over the algorithm's")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="GEANT 2 matrices and Kdl's 100-node subgraph (seconds)")
    parser.add_argument("--data", type=Path, default=None, help="reference data folder")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="time limit per Kdl routing in seconds (default 1800)")
    parser.add_argument("--no-kdl", action="store_true", help="GEANT only")
    parser.add_argument("--case", choices=sorted(KDL), help=argparse.SUPPRESS)
    parser.add_argument("--nodes", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    data = args.data or default_data_dir()
    if data is None:
        print("reference data (../shared/data) not found: nothing to run")
        return 0
    if args.case:
        print(json.dumps(run_case(args.case, data, args.nodes)))
        return 0
    geant = data / "figret-geant"
    topo = infranet.read(geant / "GEANT.json", capacity_unit="bit/s")
    tms = read_hist(geant / "train-5.hist", topo, unit="bit/s")
    hops = {"cspf": {"weight": "hops"}, "ksp": {"weight": "hops"}, "igp-wo": {"seed": 0}}
    if args.quick:
        run_instance("GEANT (quick)", topo, tms[:2], ("ecmp", "fptas", "path-lp", "cspf"),
                     options=hops)
    else:
        run_instance("GEANT, FIGRET train-5", topo, tms, ALGORITHMS, options=hops)
    if not args.no_kdl:
        bench_kdl(data, 100 if args.quick else None, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
