"""Benchmark the shortest-latency engine against plain scipy and networkx.

Usage::

    python benchmarks/bench_latency.py            # full run (about four minutes)
    python benchmarks/bench_latency.py --quick    # small instances, a few seconds
    python benchmarks/bench_latency.py --workers 2  # the engine on two processes

The engine runs with infranet's one setting of parallelism: ``--workers``, else
``INFRANET_WORKERS``, else 1 process (large multi-source Dijkstra runs fork that many
processes writing into shared memory; numpy steps use that many threads).

Two workloads:

(a) all-pairs distances on topohub's ``backbone/world`` (``backbone/europe``
    with ``--quick``): :func:`infranet.algorithms._shortest.distances` against
    ``scipy.sparse.csgraph.dijkstra`` on the plain graph and networkx
    ``all_pairs_dijkstra_path_length``;
(b) distances from 100 sources on a seeded 100,000-node random geometric graph
    (2,000 nodes and 5 sources with ``--quick``), against plain scipy and
    networkx ``single_source_dijkstra_path_length`` per source.

Graph construction is not timed.  The engine and scipy are timed after one
warm-up call (best and median of several calls); the engine's first, cold
call is reported too, because on a fresh process it also pays for faulting in
the output matrix.  Every result is checked against the others; the exit
status is 0 only if all agree to 1e-9 relative.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

try:
    from infranet.algorithms._shortest import distances
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet.algorithms._shortest import distances

RTOL = 1e-9


def _timed(fn, repeat):
    """Return (result of the last call, list of wall times)."""
    times = []
    out = None
    for _ in range(repeat):
        out = None  # free the previous result before the next call
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def _same(a, b):
    if a.shape != b.shape or not np.array_equal(np.isinf(a), np.isinf(b)):
        return False
    fin = np.isfinite(a)
    return bool(np.allclose(a[fin], b[fin], rtol=RTOL, atol=0.0))


def _row(label, seconds, ref, note=""):
    ratio = f"{seconds / ref:9.1f}x" if ref > 0 else ""
    print(f"  {label:<48} {seconds:10.3f} {ratio:>10}  {note}")


def _header(title):
    print()
    print(title)
    print(f"  {'method':<48} {'time [s]':>10} {'vs engine':>10}")


def load_topohub(name):
    import topohub

    g = topohub.get(name)
    index = {v["id"]: i for i, v in enumerate(g["nodes"])}
    tails = np.array([index[e["source"]] for e in g["edges"]], dtype=np.int64)
    heads = np.array([index[e["target"]] for e in g["edges"]], dtype=np.int64)
    dist = np.array([e["dist"] for e in g["edges"]], dtype=np.float64)
    return len(index), tails, heads, dist


def random_geometric_graph(n, seed):
    """Points in the unit square joined within a radius a little above connectivity."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    radius = 1.3 * np.sqrt(np.log(n) / (np.pi * n))
    pairs = cKDTree(pts).query_pairs(radius, output_type="ndarray")
    length = np.linalg.norm(pts[pairs[:, 0]] - pts[pairs[:, 1]], axis=1)
    return n, pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64), length, radius


def plain_csr(n, tails, heads, weights):
    # Parallel edges are summed by scipy's COO conversion; benchmark graphs
    # have none, which is checked here.
    key = np.minimum(tails, heads) * n + np.maximum(tails, heads)
    assert len(np.unique(key)) == len(key), "benchmark graph has parallel edges"
    return sp.coo_matrix((weights, (tails, heads)), shape=(n, n)).tocsr()


def nx_graph(n, tails, heads, weights):
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(tails.tolist(), heads.tolist(), weights.tolist(),
                                  strict=True))
    return g


def bench_all_pairs(name, repeat, workers):
    n, tails, heads, w = load_topohub(name)
    _header(f"(a) all-pairs shortest distances, topohub {name}: "
            f"{n} nodes, {len(tails)} edges")
    ok = True

    t0 = time.perf_counter()
    engine = distances(n, tails, heads, w, workers=workers)
    cold = time.perf_counter() - t0
    engine, times = _timed(lambda: distances(n, tails, heads, w, workers=workers), repeat)
    best = min(times)

    csr = plain_csr(n, tails, heads, w)
    dijkstra(csr, directed=False, indices=0)  # warm-up
    ref, sp_times = _timed(lambda: dijkstra(csr, directed=False), max(1, repeat // 2))
    same_scipy = _same(engine, ref)
    ok &= same_scipy
    del ref

    g = nx_graph(n, tails, heads, w)
    nx_time = 0.0
    same_nx = True
    it = nx.all_pairs_dijkstra_path_length(g, weight="weight")
    while True:  # time only networkx; compare each row outside the clock
        t0 = time.perf_counter()
        try:
            s, row = next(it)
        except StopIteration:
            nx_time += time.perf_counter() - t0
            break
        nx_time += time.perf_counter() - t0
        got = np.full(n, np.inf)
        got[np.fromiter(row.keys(), dtype=np.int64, count=len(row))] = np.fromiter(
            row.values(), dtype=np.float64, count=len(row))
        same_nx &= _same(got[None], engine[s][None])
    ok &= same_nx

    _row(f"infranet distances (best of {repeat})", best, best,
         f"median {statistics.median(times):.3f} s")
    _row("infranet distances (first call, cold memory)", cold, best)
    _row("scipy csgraph.dijkstra, plain graph (best)", min(sp_times), best,
         f"median {statistics.median(sp_times):.3f} s")
    _row("networkx all_pairs_dijkstra_path_length", nx_time, best)
    print(f"  engine speed-up: {nx_time / best:.0f}x vs networkx, "
          f"{min(sp_times) / best:.1f}x vs plain scipy")
    print(f"  identical to scipy: {'yes' if same_scipy else 'NO'}; "
          f"identical to networkx: {'yes' if same_nx else 'NO'} (rtol {RTOL:g})")
    return ok


def bench_multi_source(n, n_sources, nx_sources, repeat, workers, seed=20240611):
    n, tails, heads, w, radius = random_geometric_graph(n, seed)
    csr = plain_csr(n, tails, heads, w)
    n_comp = connected_components(csr, directed=False)[0]
    sources = np.random.default_rng(seed + 1).choice(n, n_sources, replace=False)
    _header(f"(b) {n_sources} sources, random geometric graph: {n} nodes, {len(tails)} "
            f"edges, radius {radius:.4f}, {n_comp} component(s)")
    ok = True

    t0 = time.perf_counter()
    engine = distances(n, tails, heads, w, sources=sources, workers=workers)
    cold = time.perf_counter() - t0
    engine, times = _timed(lambda: distances(n, tails, heads, w, sources=sources,
                                             workers=workers), repeat)
    best = min(times)

    ref, sp_times = _timed(lambda: dijkstra(csr, directed=False, indices=sources),
                           max(1, repeat // 2))
    same_scipy = _same(engine, ref)
    ok &= same_scipy
    del ref

    g = nx_graph(n, tails, heads, w)
    k = min(nx_sources, n_sources)
    same_nx = True
    nx_time = 0.0
    for i, s in enumerate(sources[:k]):
        t0 = time.perf_counter()
        row = nx.single_source_dijkstra_path_length(g, int(s), weight="weight")
        nx_time += time.perf_counter() - t0
        got = np.full(n, np.inf)
        got[np.fromiter(row.keys(), dtype=np.int64, count=len(row))] = np.fromiter(
            row.values(), dtype=np.float64, count=len(row))
        same_nx &= _same(got[None], engine[i][None])
    ok &= same_nx
    nx_total = nx_time * n_sources / k

    _row(f"infranet distances (best of {repeat})", best, best,
         f"median {statistics.median(times):.3f} s")
    _row("infranet distances (first call)", cold, best)
    _row("scipy csgraph.dijkstra, plain graph (best)", min(sp_times), best,
         f"median {statistics.median(sp_times):.3f} s")
    if k == n_sources:
        _row(f"networkx single_source_dijkstra_path_length x{k}", nx_total, best)
    else:
        _row(f"networkx single_source_dijkstra x{n_sources} (EXTRAPOLATED)", nx_total, best,
             f"timed {k} of {n_sources} sources: {nx_time:.2f} s")
    print(f"  engine speed-up: {nx_total / best:.0f}x vs networkx"
          f"{' (extrapolated)' if k < n_sources else ''}, "
          f"{min(sp_times) / best:.1f}x vs plain scipy")
    print(f"  identical to scipy: {'yes' if same_scipy else 'NO'}; identical to networkx on "
          f"the {k} timed sources: {'yes' if same_nx else 'NO'} (rtol {RTOL:g})")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small instances, for a smoke test (a few seconds)")
    parser.add_argument("--nx-sources", type=int, default=None,
                        help="time networkx on only this many of the RGG sources and "
                             "extrapolate (default: all of them)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes of the engine (default: INFRANET_WORKERS, else 1)")
    args = parser.parse_args(argv)
    from infranet.parallel import workers as resolve

    workers = resolve(args.workers)

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        cores = os.cpu_count()
    print(f"bench_latency: {'quick' if args.quick else 'full'} run, {cores} core(s), engine on "
          f"{workers} worker(s), numpy {np.__version__}, networkx {nx.__version__}")
    if args.quick:
        ok = bench_all_pairs("backbone/europe", repeat=2, workers=workers)
        n_sources = 5
        ok &= bench_multi_source(2_000, n_sources, args.nx_sources or n_sources, repeat=2,
                                 workers=workers)
    else:
        ok = bench_all_pairs("backbone/world", repeat=5, workers=workers)
        ok &= bench_multi_source(100_000, 100, args.nx_sources or 100, repeat=3,
                                 workers=workers)
    print()
    print("all results identical" if ok else "MISMATCH between methods")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
