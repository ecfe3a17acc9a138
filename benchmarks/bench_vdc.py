"""Benchmark virtual-datacenter formation against a plain networkx computation of the same.

Usage::

    python benchmarks/bench_vdc.py            # 40 sites, 24 datacenters, 3 budgets (7 minutes,
                                              # almost all of it the baseline)
    python benchmarks/bench_vdc.py --quick    # 14 sites, 8 datacenters, a few seconds

The instance is seeded: sites spread over the continental United States, each joined to its
three nearest neighbours (fiber at great circle × 1.3, 12.8, 25.6 or 51.2 Tb/s per direction),
a shared-risk group for every fifth link and the one after it, and the first datacenters with
one cluster each (half of them with a ``dci``). :func:`infranet.planning.vdc.virtual_datacenters`
runs at several RTT budgets, with every single failure (each link, each shared-risk group).

The baseline computes the same answer as one would by hand with networkx: RTT by Dijkstra on the
link latencies, the DCI of every pair of every group by ``maximum_flow_value`` (both ways, then
the lesser of that and the two sites' DCI), the groups by ``find_cliques``, and, for every
failure, every pair of every group again (a pair in several groups is computed for each). Both
answers are checked identical (groups, worst RTT, DCI, and after the worst failure, to 1e-9
relative); printed: seconds of each and the ratio.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]  # the checkout, for runs without installing
sys.path.insert(0, str(ROOT))

from infranet.algorithms.failures import failure_sets  # noqa: E402
from infranet.model import Topology  # noqa: E402
from infranet.physics import geodesic_km  # noqa: E402
from infranet.planning.vdc import virtual_datacenters  # noqa: E402

RTOL = 1e-9


def instance(n_sites: int, n_dc: int, seed: int = 0) -> Topology:
    """A seeded continental network: k=3 nearest neighbours, datacenters first."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(-122.0, -72.0, n_sites)
    lat = rng.uniform(29.0, 47.0, n_sites)
    sites = []
    for i in range(n_sites):
        site = {"name": f"s{i:02d}", "location": [float(lon[i]), float(lat[i])],
                "kind": "datacenter" if i < n_dc else "pop"}
        if i < n_dc:
            cluster = {"name": "c", "accelerator": "GB200" if i % 2 else "H100",
                       "count": int(rng.integers(1, 40)) * 1024}
            if i % 2 == 0:
                cluster["dci"] = float(rng.choice([12800.0, 25600.0, 51200.0]))
            site["clusters"] = [cluster]
            site["power_mw"] = float(rng.integers(50, 1500))
        sites.append(site)
    pairs = set()
    for i in range(n_sites):
        km = geodesic_km(np.full(n_sites, lon[i]), np.full(n_sites, lat[i]), lon, lat)
        for j in np.argsort(km)[1:4]:
            pairs.add((min(i, int(j)), max(i, int(j))))
    links = []
    for k, (i, j) in enumerate(sorted(pairs)):
        link = {"a": f"s{i:02d}", "b": f"s{j:02d}", "name": f"l{k}",
                "capacity": float(rng.choice([12800.0, 25600.0, 51200.0]))}
        if k % 5 in (0, 1):
            link["srlg"] = [f"duct{k // 5}"]
        links.append(link)
    return Topology.from_dict({"name": f"bench-{n_sites}", "sites": sites, "links": links})


# ---------------------------------------------------------------------------- the baseline


def _graphs(topology: Topology, gone: set[str]) -> tuple[nx.Graph, nx.DiGraph]:
    latency, capacity = nx.Graph(), nx.DiGraph()
    latency.add_nodes_from(topology.site_names)
    capacity.add_nodes_from(topology.site_names)
    for a, b, data in topology.to_networkx().edges(data=True):
        if data["name"] in gone:
            continue
        w = data["latency_ms"]
        if not latency.has_edge(a, b) or latency[a][b]["w"] > w:
            latency.add_edge(a, b, w=w)
        ab, ba = data["capacity_gbps"], data["capacity_ba_gbps"]
        if data["a"] != a:
            ab, ba = ba, ab
        for u, v, c in ((a, b, ab), (b, a, ba)):
            if capacity.has_edge(u, v):
                capacity[u][v]["capacity"] += c
            else:
                capacity.add_edge(u, v, capacity=c)
    return latency, capacity


def _dci(topology: Topology, site: str) -> float:
    clusters = topology.site(site)["clusters"]
    if any(c.get("dci") is None for c in clusters):
        return math.inf
    return float(sum(c["dci"] for c in clusters))


def _pair_dci(capacity: nx.DiGraph, dci: dict[str, float], a: str, b: str) -> float:
    wan = min(nx.maximum_flow_value(capacity, a, b), nx.maximum_flow_value(capacity, b, a))
    return min(wan, dci[a], dci[b])


def baseline(topology: Topology, budget: float) -> dict[tuple[str, ...], tuple[float, ...]]:
    """Group → (worst RTT, DCI, worst RTT and least DCI after one failure), by networkx."""
    names = [n for n in topology.datacenters if topology.site(n).get("clusters")]
    dci = {n: _dci(topology, n) for n in names}
    latency, capacity = _graphs(topology, set())
    rtt = {a: {b: 2 * d for b, d in nx.single_source_dijkstra_path_length(latency, a, weight="w")
               .items()} for a in names}
    close = nx.Graph()
    close.add_nodes_from(names)
    close.add_edges_from((a, b) for a, b in itertools.combinations(names, 2)
                         if rtt[a].get(b, math.inf) <= budget * (1 + RTOL))
    groups = [tuple(n for n in names if n in c) for c in nx.find_cliques(close) if len(c) > 1]
    out = {}
    failures = failure_sets(topology)
    for g in groups:
        pairs = list(itertools.combinations(g, 2))
        far = max(rtt[a][b] for a, b in pairs)
        least = min(_pair_dci(capacity, dci, a, b) for a, b in pairs)
        worst_far, worst_least = far, least
        for failure in failures:
            lat_f, cap_f = _graphs(topology, set(failure.links))
            for a, b in pairs:
                try:
                    d = 2 * nx.dijkstra_path_length(lat_f, a, b, weight="w")
                except nx.NetworkXNoPath:
                    d = math.inf
                worst_far = max(worst_far, d)
                worst_least = min(worst_least, _pair_dci(cap_f, dci, a, b))
        out[g] = (far, least, worst_far, worst_least)
    return out


def _same(x: float, y: float) -> bool:
    return (math.isinf(x) and math.isinf(y)) or math.isclose(x, y, rel_tol=RTOL, abs_tol=1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="14 sites, 8 datacenters")
    args = parser.parse_args(argv)
    n_sites, n_dc = (14, 8) if args.quick else (40, 24)
    budgets = (10.0, 20.0) if args.quick else (10.0, 20.0, 40.0)
    topology = instance(n_sites, n_dc)
    virtual_datacenters(topology, max_rtt_ms=5.0)  # first imports, not timed
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"virtual datacenters on {n_sites} sites ({n_dc} datacenters), {topology.n_links} "
          f"links, {len(failure_sets(topology))} single failures; load average {load:.2f}")
    ok = True
    for budget in budgets:
        t0 = time.perf_counter()
        result = virtual_datacenters(topology, max_rtt_ms=budget)
        fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        expected = baseline(topology, budget)
        slow = time.perf_counter() - t0
        got = {g.sites: (g.max_rtt_ms, g.min_dci_gbps, g.after_failure.max_rtt_ms,
                         g.after_failure.min_dci_gbps) for g in result.groups}
        same = got.keys() == expected.keys() and all(
            _same(x, y) for g in got for x, y in zip(got[g], expected[g], strict=True))
        ok &= same
        largest = max((len(g) for g in got), default=0)
        print(f"  {budget:g} ms: {len(got)} groups (largest {largest}); infranet {fast:.3f} s, "
              f"networkx pair by pair {slow:.3f} s, ratio {slow / fast:.1f}x; "
              f"identical: {'yes' if same else 'NO'}")
    print("all results identical" if ok else "RESULTS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
