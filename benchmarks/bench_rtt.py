"""Benchmark the RTT estimator's matrix form (user regions x candidate sites).

Usage::

    python benchmarks/bench_rtt.py            # 200 regions x 50 sites, and 2,000 x 500
    python benchmarks/bench_rtt.py --quick    # 40 x 10, a second or two

Points are seeded: regions and sites uniform over the continental US and, for a second
instance, over the inhabited latitudes of the world. Three ways to get the same kind of answer:

* ``estimate_rtt_matrix``: the vectorised estimator (min-plus products over the hubs of the
  reference backbone);
* ``networkx per pair`` (the baseline, and an independent check): for a sample of pairs, a graph
  of the reference backbone with the two points joined to every hub and to each other by their
  access legs, and ``networkx.dijkstra_path_length`` between them; its time is scaled to all
  pairs;
* ``flat x1.3``: great circle x 1.3 at fiber speed, the rule the estimator replaces (the cost
  of the geodesics alone).

The exit status is 0 only if the sampled pairs agree to 1e-9 relative.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

try:
    from infranet import physics
    from infranet.algorithms import estimate as est
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet import physics
    from infranet.algorithms import estimate as est

RTOL = 1e-9


def networkx_rtt_ms(lon_a: float, lat_a: float, lon_b: float, lat_b: float,
                    params: est.EstimateParameters) -> float:
    """The estimate of one pair, computed independently: Dijkstra in networkx over the hubs."""
    backbone = est.reference_backbone()
    us = physics.medium("smf").us_per_km / 1000.0  # ms per km
    graph = nx.Graph()
    for i, j, sea, km in zip(backbone.a, backbone.b, backbone.sea, backbone.length_km,
                             strict=True):
        factor = params.sea_factor if sea else params.land_factor
        graph.add_edge(int(i), int(j), weight=factor * km * us)
    for point, lon, lat in (("A", lon_a, lat_a), ("B", lon_b, lat_b)):
        km = est.great_circle_km(lon, lat, backbone.lon, backbone.lat)
        for hub, d in enumerate(km):
            graph.add_edge(point, hub, weight=params.access_factor * float(d) * us)
    direct = float(est.great_circle_km(lon_a, lat_a, lon_b, lat_b))
    graph.add_edge("A", "B", weight=params.access_factor * direct * us)
    return params.fixed_ms + 2.0 * nx.dijkstra_path_length(graph, "A", "B")


def _points(rng: np.random.Generator, n: int, world: bool) -> tuple[np.ndarray, np.ndarray]:
    if world:
        return rng.uniform(-180, 180, n), rng.uniform(-45, 65, n)
    return rng.uniform(-124, -67, n), rng.uniform(25, 49, n)


def run(n_regions: int, n_sites: int, sample: int, *, world: bool, seed: int = 1) -> bool:
    rng = np.random.default_rng(seed)
    lon_r, lat_r = _points(rng, n_regions, world)
    lon_s, lat_s = _points(rng, n_sites, world)
    params = est.parameters()
    est.estimate_rtt_matrix(lon_r[:2], lat_r[:2], lon_s[:2], lat_s[:2])  # warm caches

    t0 = time.perf_counter()
    matrix = est.estimate_rtt_matrix(lon_r, lat_r, lon_s, lat_s)
    t_matrix = time.perf_counter() - t0

    t0 = time.perf_counter()
    est.flat_rtt_ms(est.great_circle_km(lon_r[:, None], lat_r[:, None], lon_s, lat_s))
    t_flat = time.perf_counter() - t0

    picks = rng.choice(n_regions * n_sites, size=min(sample, n_regions * n_sites),
                       replace=False)
    t0 = time.perf_counter()
    checked = [networkx_rtt_ms(lon_r[k // n_sites], lat_r[k // n_sites], lon_s[k % n_sites],
                               lat_s[k % n_sites], params) for k in picks]
    t_nx = (time.perf_counter() - t0) / len(picks) * n_regions * n_sites
    same = bool(np.allclose(matrix.ravel()[picks], checked, rtol=RTOL, atol=0.0))

    where = "world" if world else "continental US"
    print(f"\n{n_regions} regions x {n_sites} sites ({where}, seed {seed}): "
          f"{n_regions * n_sites:,} pairs")
    print(f"  {'method':<40} {'time [s]':>10} {'vs estimator':>13}")
    for label, seconds in (("estimate_rtt_matrix", t_matrix),
                           (f"networkx per pair (scaled from {len(picks)})", t_nx),
                           ("flat x1.3 (geodesics only)", t_flat)):
        print(f"  {label:<40} {seconds:10.4f} {seconds / t_matrix:12.1f}x")
    print(f"  sampled pairs identical to networkx: {'yes' if same else 'NO'}")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small instances")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = [(40, 10, 20, False), (40, 10, 20, True)]
    else:
        sizes = [(200, 50, 200, False), (200, 50, 200, True), (2000, 500, 100, True)]
    ok = all([run(n, m, sample, world=world) for n, m, sample, world in sizes])
    print(f"\n{'all sampled results identical' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
