"""The oblivious-routing LP over candidate tunnels: infranet's compact form against the
textbook form of the same LP, in the same run.

Instances: the FIGRET Facebook pod (4-node mesh, 3 tunnels per pair) and GEANT (22 nodes, 72
arcs) with its 1,386 FIGRET tunnels and with the 4 shortest paths of each of its 462 pairs.
Baseline: the Applegate–Cohen LP as usually written, with a weight ``pi_e(h)`` for every pair of
arcs and a bound ``p_e(ij)`` for every arc and pair (``f_ij(e) / c_e <= p_e(ij) <= sum_{h in P}
pi_e(h)`` for every tunnel ``P`` of ``ij``), built here. infranet's form leaves out the rows of
pairs none of whose tunnels cross ``e`` and substitutes ``p`` away. Both are solved by HiGHS
with the same method; the ratios must agree. A second baseline row solves infranet's form by
simplex (``highs``), against its default, interior point (``highs-ipm``).

    python benchmarks/bench_oblivious.py            # pod and GEANT (about a minute)
    python benchmarks/bench_oblivious.py --quick    # the pod and GEANT's tunnels, compact only
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

try:
    import infranet
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import infranet
from infranet.algorithms.candidates import read_tunnels, shortest_paths
from infranet.bench.routing import default_data_dir
from infranet.routing.oblivious import oblivious_routing

METHOD = "highs-ipm"


def textbook(topology, tunnels, method: str) -> tuple[float, float, tuple[int, int, int]]:
    """The textbook LP over every arc and pair; returns (ratio, seconds, (rows, cols, nnz))."""
    compiled = topology.compile()
    n = compiled.n_nodes
    key = tunnels.src * n + tunnels.dst
    pairs, owner_of = np.unique(key, return_inverse=True)
    arcs = np.unique(tunnels.arcs)
    cap = compiled.capacity_gbps[arcs]
    cap = cap / cap.max()
    m = tunnels.arc_matrix(compiled.n_arcs)[:, arcs].tocsc()  # tunnels x arcs
    n_t, n_p, n_a = len(key), len(pairs), len(arcs)
    owner = sp.csr_matrix((np.ones(n_t), (owner_of, np.arange(n_t))), shape=(n_p, n_t))
    # variables: x (n_t), r (1), pi (n_a * n_a), p (n_a * n_p)
    eye = sp.identity(n_a, format="csr")
    col_r = n_t
    # sum_h c_h pi_e(h) - r <= 0
    arc_rows = sp.hstack([sp.csr_matrix((n_a, n_t)), -np.ones((n_a, 1)),
                          sp.kron(eye, cap[None, :]), sp.csr_matrix((n_a, n_a * n_p))])
    # f_ij(e) / c_e - p_e(ij) <= 0
    share = sp.vstack([owner.multiply(m[:, e].T.toarray() / cap[e]) for e in range(n_a)])
    pair_rows = sp.hstack([share, sp.csr_matrix((n_a * n_p, 1 + n_a * n_a)),
                           -sp.identity(n_a * n_p)])
    # p_e(ij) - sum_{h in P} pi_e(h) <= 0
    tunnel_rows = sp.hstack([sp.csr_matrix((n_a * n_t, n_t + 1)), sp.kron(eye, -m.tocsr()),
                             sp.kron(eye, owner.T)])
    a_ub = sp.vstack([arc_rows, pair_rows, tunnel_rows], format="csr")
    a_eq = sp.hstack([owner, sp.csr_matrix((n_p, a_ub.shape[1] - n_t))], format="csr")
    c = np.zeros(a_ub.shape[1])
    c[col_r] = 1.0
    start = time.perf_counter()
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), A_eq=a_eq, b_eq=np.ones(n_p),
                  bounds=(0, None), method=method)
    seconds = time.perf_counter() - start
    assert res.status == 0, res.message
    return float(res.fun), seconds, (a_ub.shape[0] + n_p, a_ub.shape[1], a_ub.nnz + a_eq.nnz)


def instances(data: Path, quick: bool):
    pod = infranet.read(data / "figret-facebook-pod-a" / "Facebook_pod_a.json",
                        capacity_unit="unitless")
    yield "pod, FIGRET tunnels", pod, read_tunnels(data / "figret-facebook-pod-a" /
                                                   "tunnels.txt", pod)
    geant = infranet.read(data / "figret-geant" / "GEANT.json", capacity_unit="bit/s")
    yield "GEANT, FIGRET tunnels", geant, read_tunnels(data / "figret-geant" / "tunnels.txt",
                                                       geant)
    if not quick:
        pairs = list(itertools.permutations(geant.site_names, 2))
        yield "GEANT, 4 shortest", geant, shortest_paths(geant, pairs, 4)


def run(data: Path, quick: bool) -> None:
    print(f"{'instance':<22} {'form':<22} {'rows':>8} {'cols':>8} {'nonzeros':>9} "
          f"{'seconds':>8} {'ratio':>10} {'speed-up':>8}")
    for name, topo, tunnels in instances(data, quick):
        obl = oblivious_routing(topo, paths=tunnels, method=METHOD, certify=not quick)
        rows = [("infranet, " + METHOD, obl.lp_rows, obl.lp_cols, obl.lp_nonzeros,
                 obl.solve_s, obl.ratio)]
        if not quick or name.startswith("pod"):
            simplex = oblivious_routing(topo, paths=tunnels, method="highs", certify=False)
            rows.append(("infranet, highs", simplex.lp_rows, simplex.lp_cols,
                         simplex.lp_nonzeros, simplex.solve_s, simplex.ratio))
            ratio, seconds, size = textbook(topo, tunnels, METHOD)
            rows.append(("textbook, " + METHOD, *size, seconds, ratio))
        base = rows[0][4]
        for form, r, c, nnz, seconds, ratio in rows:
            print(f"{name:<22} {form:<22} {r:8d} {c:8d} {nnz:9d} {seconds:8.3f} "
                  f"{ratio:10.6f} {seconds / base:7.1f}x")
            assert abs(ratio - obl.ratio) <= 1e-6 * obl.ratio, (name, form, ratio, obl.ratio)
        if not quick:
            print(f"{'':<22} certified: ratio in [{obl.ratio_lower:.9f}, "
                  f"{obl.ratio_upper:.9f}] (per-arc LPs {obl.certify_s:.2f} s)")
    print("all ratios agree: yes (speed-up: each form's seconds over infranet's default)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances, seconds")
    parser.add_argument("--data", type=Path, default=None, help="reference data folder")
    args = parser.parse_args(argv)
    data = args.data or default_data_dir()
    if data is None:
        print("reference data (../shared/data) not found: nothing to run")
        return 0
    load = os.getloadavg()[0]
    print(f"oblivious routing LP (load average {load:.2f} on {os.cpu_count()} cores)")
    run(Path(data), args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
