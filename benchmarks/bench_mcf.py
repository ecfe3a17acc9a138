"""Benchmark the multicommodity-flow LPs of infranet.algorithms.mcf.

Usage::

    python benchmarks/bench_mcf.py            # full run (GEANT, then Kdl: several minutes)
    python benchmarks/bench_mcf.py --quick    # GEANT 2 matrices + a 100-node Kdl subgraph

Workloads:

(a) FIGRET GEANT (22 nodes, 72 arcs), every matrix of ``train-5.hist`` (2 with ``--quick``):
    minimum MLU with the source-aggregated arc LP and the path LP over ``tunnels.txt``,
    against the baseline **per-pair arc LP** (one flow variable per (demand pair, arc), the
    textbook non-aggregated multicommodity flow, solved by the same HiGHS). Every optimum is
    checked against FIGRET's published ``train-5.opt`` to 1e-6 relative.
(b) Teal's Kdl backbone (754 nodes, 1,790 arcs; abstract capacity units) with a seeded gravity
    matrix over all 567,762 ordered pairs: the path LP over 4 shortest paths per pair (solved
    by column generation) and the arc LP (754 commodities x 1,790 arcs), each in a child
    process with a time limit, reporting wall time and peak memory. ``--quick`` uses the
    100-node subgraph grown from Kdl's first node, where the arc LP, the full path LP and
    column generation are all compared.

Times are wall-clock seconds including building the LP. Exit status 0 when every optimum
agrees with its reference.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

try:
    from infranet import traffic
    from infranet.algorithms import mcf
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet import traffic
    from infranet.algorithms import mcf
from infranet.bench.fresh import run_json
from infranet.bench.routing import KDL_SEED, kdl_instance

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RTOL = 1e-6


def per_pair_arc_mlu(topology, tm) -> float:
    """Baseline: the non-aggregated arc LP, one variable per (demand pair, arc)."""
    from scipy.optimize import linprog

    compiled = topology.compile()
    n, m = compiled.n_nodes, compiled.n_arcs
    matrix = tm.for_topology(topology).gbps
    src, dst = np.nonzero(matrix)
    demand = matrix[src, dst]
    cap = compiled.capacity_gbps
    pairs = len(src)
    arcs = np.arange(m)
    incidence = sp.csr_matrix((np.r_[np.ones(m), -np.ones(m)],
                               (np.r_[compiled.tail, compiled.head], np.r_[arcs, arcs])),
                              shape=(n, m))
    a_eq = sp.hstack([sp.kron(sp.identity(pairs), incidence, format="csr"),
                      sp.csr_matrix((pairs * n, 1))], format="csr")
    b_eq = np.zeros(pairs * n)
    b_eq[np.arange(pairs) * n + src] = demand
    b_eq[np.arange(pairs) * n + dst] = -demand
    a_ub = sp.hstack([sp.hstack([sp.identity(m)] * pairs), sp.csr_matrix(-cap[:, None])],
                     format="csr")
    c = np.zeros(pairs * m + 1)
    c[-1] = 1.0
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(m), A_eq=a_eq, b_eq=b_eq, bounds=(0, None),
                  method="highs")
    if res.status != 0:
        raise RuntimeError(res.message)
    return float(res.fun)


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def bench_geant(quick: bool) -> bool:
    from infranet.io import read

    base = DATA / "figret-geant"
    topo = read(base / "GEANT.json", capacity_unit="bit/s")
    tms = traffic.read_hist(base / "train-5.hist", topo)
    optima = np.loadtxt(base / "train-5.opt")
    tunnels = mcf.read_tunnels(base / "tunnels.txt", topo)
    count = 2 if quick else len(tms)
    print(f"(a) GEANT: {topo.n_sites} nodes, {2 * topo.n_links} arcs, {count} matrices, "
          f"{len(tunnels)} tunnels")
    print(f"  {'tm':>3} {'published':>12} {'arc [s]':>9} {'path [s]':>9} {'per-pair [s]':>13} "
          f"{'ratio per-pair/arc':>19} {'max rel err':>12}")
    mcf.min_mlu(topo, tms[0])  # warm-up: imports and first-call costs are not timed
    ok = True
    totals = np.zeros(3)
    for i in range(count):
        tm, best = tms[i], optima[i]
        arc, t_arc = _timed(lambda tm=tm: mcf.min_mlu(topo, tm).objective)
        path, t_path = _timed(lambda tm=tm: mcf.min_mlu(topo, tm, formulation="path",
                                                        paths=tunnels).objective)
        naive, t_naive = _timed(lambda tm=tm: per_pair_arc_mlu(topo, tm))
        err = max(abs(v / best - 1) for v in (arc, path, naive))
        ok &= err <= RTOL
        totals += (t_arc, t_path, t_naive)
        print(f"  {i:>3} {best:12.9f} {t_arc:9.3f} {t_path:9.3f} {t_naive:13.3f} "
              f"{t_naive / t_arc:18.1f}x {err:12.1e}")
    print(f"  total: arc {totals[0]:.2f} s, path {totals[1]:.2f} s (arc + path "
          f"{totals[0] + totals[1]:.2f} s), per-pair baseline {totals[2]:.2f} s; ratio "
          f"per-pair/arc {totals[2] / totals[0]:.1f}x")
    print(f"  {'all optima match the published values' if ok else 'MISMATCH'} "
          f"(rtol {RTOL:g})")
    return ok


# ---------------------------------------------------------------------------- Kdl


def run_case(case: str, nodes: int | None) -> dict:
    """One Kdl solve (run in a child process so that its peak memory is its own)."""
    topo, tm = kdl_instance(DATA, nodes=nodes)
    out: dict = {"nodes": topo.n_sites, "arcs": 2 * topo.n_links, "demands": tm.n_demands}
    start = time.perf_counter()
    if case == "arc":
        result = mcf.min_mlu(topo, tm)
    else:
        paths, out["paths_s"] = _timed(lambda: mcf.shortest_paths(topo, tm, 4))
        out["paths"] = len(paths)
        columns = "all" if case == "path-all" else "generate"
        result = mcf.min_mlu(topo, tm, formulation="path", paths=paths, columns=columns)
    out.update(mlu=result.objective, seconds=time.perf_counter() - start,
               solve_s=result.solve_s, variables=result.n_variables,
               constraints=result.n_constraints,
               peak_gb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6)
    return out


def bench_kdl(quick: bool, timeout: float) -> bool:
    nodes = 100 if quick else None
    cases = ["path", "path-all", "arc"] if quick else ["path", "arc"]
    here = [sys.executable, str(Path(__file__).resolve())]
    size = ["--nodes", str(nodes)] if nodes is not None else []
    results = {case: run_json([*here, "--case", case, *size], timeout=timeout, what=case)
               for case in cases}
    first = next(r for r in results.values() if r)
    print()
    print(f"(b) Kdl{'' if nodes is None else f' {nodes}-node subgraph'}: {first['nodes']} "
          f"nodes, {first['arcs']} arcs, {first['demands']} demands (gravity by capacity, "
          f"seed {KDL_SEED})")
    print(f"  {'LP':<34} {'MLU':>14} {'time [s]':>9} {'solve [s]':>10} {'peak [GB]':>10} "
          f"{'ratio':>7}")
    names = {"path": "path, 4 shortest, column generation",
             "path-all": "path, 4 shortest, one full LP", "arc": "arc, by source"}
    ref = results["path"]
    ok = True
    for case, r in results.items():
        if r is None:
            print(f"  {names[case]:<34} {'':>14} {'> ' + format(timeout, '.0f'):>9} "
                  f"(did not finish within the time limit)")
            continue
        ratio = r["seconds"] / ref["seconds"] if ref else float("nan")
        extra = f"  ({r['paths']} paths in {r['paths_s']:.1f} s)" if "paths" in r else ""
        print(f"  {names[case]:<34} {r['mlu']:14.9f} {r['seconds']:9.2f} {r['solve_s']:10.2f} "
              f"{r['peak_gb']:10.2f} {ratio:6.2f}x{extra}")
    if results.get("path-all") and ref:
        ok &= abs(results["path-all"]["mlu"] / ref["mlu"] - 1) <= RTOL
    if results.get("arc") and ref:
        ok &= results["arc"]["mlu"] <= ref["mlu"] * (1 + RTOL)  # the arc LP is a lower bound
    print("  ratio: time / time of the column-generation path LP; the arc LP optimum must not "
          "exceed the path LP's")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances, seconds")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="time limit per Kdl solve in seconds (default 900)")
    parser.add_argument("--case", choices=["path", "path-all", "arc"], help=argparse.SUPPRESS)
    parser.add_argument("--nodes", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case, args.nodes)))
        return 0
    if not DATA.is_dir():
        print(f"no reference data at {DATA}; nothing to benchmark")
        return 0
    ok = bench_geant(args.quick)
    ok &= bench_kdl(args.quick, args.timeout)
    print()
    print("all checks passed" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
