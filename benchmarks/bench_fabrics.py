"""Benchmark the bulk fabric generators against building the same graph edge by edge in networkx,
and ``infranet fabric report`` on shipped topologies against its closed-form summary alone.

Usage::

    python benchmarks/bench_fabrics.py            # fat-tree k=48, k=64, 32,768-GPU rail fabric;
                                                  # reports of the Texas campuses and GB200 36k
    python benchmarks/bench_fabrics.py --quick    # fat-tree k=8, k=16, 1,024-GPU rail fabric;
                                                  # report of the H100 SuperPOD

For each fabric:

* build time of :mod:`infranet.fabrics.generators` (best, median and first of several builds;
  the times depend on whether the allocator hands out fresh pages or reuses freed ones);
* the same graph built one element at a time in networkx: a plain-Python loop over the design
  calling ``add_node`` / ``add_edge`` per node and link, with the same attributes (kind, tier,
  group per node; kind, gbps per link). ``nx.Graph`` for the fat-tree; ``nx.MultiGraph`` for the
  rail-optimised fabric, whose leaf-spine or spine-core pairs have parallel links. Timed once;
  the ratio of the two is the speed-up;
* peak memory of each build, as the ``tracemalloc`` peak (Python and numpy allocations) of a
  separate, untimed build, since tracing slows allocation down;
* a check that both graphs are identical: same node attributes, same multiset of links.

Then the fabric report of shipped topologies (:func:`infranet.fabrics.report.fabric_report`):
with the explicit graphs measured (min-cut bisection, sampled hops and paths, bill of materials)
against the baseline of the closed-form summaries and power alone (``--closed-form``), with the
peak RSS of the process and a check that the closed forms and the graphs agree.

The exit status is 0 only if every pair of graphs is identical and every report agrees.
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np

try:
    from infranet.fabrics import generators
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from infranet.fabrics import generators

from infranet.fabrics.designs.rail_optimized import rail_plan
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SCALE_UP, SWITCH

# ---------------------------------------------------------------------------------------------
# the baseline: one networkx call per node and per link


def nx_fat_tree(k: int, link_gbps: float = 400.0) -> nx.Graph:
    """The k-ary fat-tree of :func:`generators.fat_tree`, built element by element."""
    graph = nx.Graph()
    half = k // 2
    n_hosts = k**3 // 4
    edge0 = n_hosts
    agg0 = edge0 + k * half
    core0 = agg0 + k * half
    for h in range(n_hosts):
        graph.add_node(h, kind=ACCELERATOR, tier=-1, group=h // (half * half))
    for tier, first in ((1, edge0), (2, agg0)):
        for pod in range(k):
            for j in range(half):
                graph.add_node(first + pod * half + j, kind=SWITCH, tier=tier, group=pod)
    for c in range(half * half):
        graph.add_node(core0 + c, kind=SWITCH, tier=3, group=-1)
    for h in range(n_hosts):
        graph.add_edge(h, edge0 + h // half, kind=SCALE_OUT, gbps=link_gbps)
    for pod in range(k):
        for j in range(half):
            for i in range(half):
                graph.add_edge(edge0 + pod * half + j, agg0 + pod * half + i, kind=SCALE_OUT,
                               gbps=link_gbps)
        for i in range(half):
            for c in range(half):
                graph.add_edge(agg0 + pod * half + i, core0 + i * half + c, kind=SCALE_OUT,
                               gbps=link_gbps)
    return graph


def nx_rail_optimized(gpus: int, gpus_per_server: int = 8, servers_per_su: int = 32,
                      nic_gbps: float = 400.0, radix: int = 64, scale_up_gbps: float = 3600.0,
                      spine_oversubscription: float = 1.0) -> nx.MultiGraph:
    """The rail-optimised fabric of :func:`generators.rail_optimized`, element by element.

    The sizing (switch counts, parallel links) is the generator's own scalar arithmetic; every
    node and link is then added with one networkx call.
    """
    plan = rail_plan(gpus, gpus_per_server, servers_per_su, radix, spine_oversubscription)
    rails, up = gpus_per_server, plan["up"]
    servers, leaves, spines = plan["servers"], plan["leaves"], plan["spines"]
    nvs0 = gpus
    leaf0 = nvs0 + servers
    spine0 = leaf0 + leaves
    core0 = spine0 + spines
    graph = nx.MultiGraph()
    for g in range(gpus):
        graph.add_node(g, kind=ACCELERATOR, tier=-1, group=g // rails // servers_per_su)
    for s in range(servers):
        graph.add_node(nvs0 + s, kind=SWITCH, tier=0, group=s // servers_per_su)
    for leaf in range(leaves):
        graph.add_node(leaf0 + leaf, kind=SWITCH, tier=1, group=leaf // rails)
    for s in range(spines):
        graph.add_node(spine0 + s, kind=SWITCH, tier=2, group=-1)
    for c in range(plan["cores"]):
        graph.add_node(core0 + c, kind=SWITCH, tier=3, group=-1)
    for s in range(servers):
        su = s // servers_per_su
        for r in range(rails):
            g = s * rails + r
            graph.add_edge(g, nvs0 + s, kind=SCALE_UP, gbps=scale_up_gbps)
            graph.add_edge(g, leaf0 + su * rails + r, kind=SCALE_OUT, gbps=nic_gbps)
    if plan["tiers"] == 2:
        parallel = plan["leaf_spine_parallel"]
        for leaf in range(leaves):
            for s in range(plan["spines"]):
                for _ in range(parallel):
                    graph.add_edge(leaf0 + leaf, spine0 + s, kind=SCALE_OUT, gbps=nic_gbps)
        return graph
    pod_leaves = plan["pod_leaves"]
    per_plane = plan["cores"] // up
    for leaf in range(leaves):
        pod = leaf // pod_leaves
        for i in range(up):
            graph.add_edge(leaf0 + leaf, spine0 + pod * up + i, kind=SCALE_OUT, gbps=nic_gbps)
    for pod in range(plan["pods"]):
        for i in range(up):
            for c in range(per_plane):
                for _ in range(plan["spine_core_parallel"]):
                    graph.add_edge(spine0 + pod * up + i, core0 + i * per_plane + c,
                                   kind=SCALE_OUT, gbps=nic_gbps)
    return graph


# ---------------------------------------------------------------------------------------------
# measurement


def _timed(fn, repeat: int):
    """Return (result of the last call, wall times in seconds)."""
    times, out = [], None
    for _ in range(repeat):
        out = None  # free the previous result before the next build
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def _peak_mib(fn) -> float:
    """tracemalloc peak of one call, in MiB (the result is dropped)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak / 2**20


def _same_graph(fabric, graph) -> bool:
    """Whether a FabricGraph and a networkx graph have the same nodes, attributes and links."""
    if graph.number_of_nodes() != fabric.n_nodes or graph.number_of_edges() != fabric.n_links:
        return False
    attrs = np.array([(d["kind"], d["tier"], d["group"])
                      for _, d in sorted(graph.nodes(data=True))])
    ours = np.column_stack([fabric.node_kind, fabric.node_tier, fabric.node_group])
    if not np.array_equal(attrs, ours):
        return False
    theirs = np.array([(min(u, v), max(u, v), d["kind"], d["gbps"])
                       for u, v, d in graph.edges(data=True)])
    mine = np.column_stack([np.minimum(fabric.link_u, fabric.link_v),
                            np.maximum(fabric.link_u, fabric.link_v), fabric.link_kind,
                            fabric.link_gbps])
    return np.array_equal(theirs[np.lexsort(theirs.T[::-1])], mine[np.lexsort(mine.T[::-1])])


def _analysis(fabric) -> None:
    from infranet.fabrics.analysis import analyse_graph

    t0 = time.perf_counter()
    analyse_graph(fabric)
    print(f"  analysis: every measure of the graph in {time.perf_counter() - t0:.3f} s")


def _agrees(closed: float | None, bound: str, cut: float | None) -> bool:
    """Whether a closed form and the graph's bisection agree as the bound says: equal when
    exact, the graph's cut at most an upper bound and at least a lower one."""
    if closed is None or cut is None:
        return True
    if bound == "":
        return math.isclose(closed, cut, rel_tol=1e-8)
    if bound == "upper":
        return cut <= closed * (1 + 1e-9)
    return bound != "lower" or cut >= closed * (1 - 1e-9)


def report_bench(path: Path) -> bool:
    """Time ``fabric report`` of a topology file, graphs measured, against its closed form."""
    import resource

    import infranet
    from infranet.fabrics.report import fabric_report

    topo = infranet.read(path)
    t0 = time.perf_counter()
    closed = fabric_report(topo, graph=False)
    t1 = time.perf_counter()
    full = fabric_report(topo)
    t2 = time.perf_counter()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    agree = all(_agrees(c.summary.bisection_gbps, c.summary.bisection_bound, c.bisection_gbps)
                for c in full.clusters)
    links = sum(c.summary.links for c in full.clusters)
    print(f"\nfabric report {path.name}: {len(full.clusters)} clusters, "
          f"{sum(c.summary.count for c in full.clusters):,} accelerators, {links:,} links")
    print(f"  closed form and power only (baseline): {t1 - t0:.3f} s")
    print(f"  with the explicit graphs measured:     {t2 - t1:.3f} s "
          f"({(t2 - t1) / max(t1 - t0, 1e-9):.0f}x the baseline); process peak RSS "
          f"{rss_mib:,.0f} MiB")
    at_least = "" if closed.complete else "at least "
    print(f"  IT power {at_least}{closed.it_power_known_kw / 1000:,.2f} MW, facility "
          f"{at_least}{closed.facility_power_known_mw:,.2f} MW; closed forms and graphs agree: "
          f"{'yes' if agree else 'NO'}")
    return agree


def pipeline(label: str, topology_of) -> None:
    """Time the whole path a user takes: spec -> explicit fabric in a Topology -> compiled
    arrays -> analysis, with the peak memory of the process (ru_maxrss, this process so far)."""
    import resource

    from infranet.fabrics.analysis import analyse_graph
    from infranet.fabrics.expand import expand
    from infranet.fabrics.spec import build

    t0 = time.perf_counter()
    topo = topology_of()
    cluster = topo.site("dc")["clusters"][0]
    fabric = build(cluster)
    t1 = time.perf_counter()
    compiled = expand(topo).compile()
    t2 = time.perf_counter()
    analyse_graph(fabric, accelerator=cluster["accelerator"])
    t3 = time.perf_counter()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  build + compile + analyse ({label}): build {t1 - t0:.3f} s, expand into the "
          f"topology and compile ({compiled.n_nodes:,} nodes, {compiled.n_arcs:,} arcs) "
          f"{t2 - t1:.3f} s, analyse {t3 - t2:.3f} s; total {t3 - t0:.3f} s; "
          f"process peak RSS {rss_mib:,.0f} MiB")


def bench(label: str, build, build_nx, repeat: int) -> bool:
    """Time, measure and cross-check one fabric; return whether both graphs are identical."""
    fabric, times = _timed(build, repeat)
    best, median = min(times), statistics.median(times)
    graph, nx_times = _timed(build_nx, 1)
    same = _same_graph(fabric, graph)
    del graph
    peak = _peak_mib(build)
    nx_peak = _peak_mib(build_nx)
    array_mib = sum(getattr(fabric, name).nbytes for name in (
        "node_kind", "node_tier", "node_group", "link_u", "link_v", "link_kind", "link_gbps")
    ) / 2**20
    print()
    print(f"{label}: {fabric.n_accelerators:,} accelerators, "
          f"{fabric.n_nodes - fabric.n_accelerators:,} switches {fabric.switches_per_tier}, "
          f"{fabric.n_links:,} links")
    print(f"  {'method':<34} {'time [s]':>10} {'peak [MiB]':>11} {'speed-up':>9}")
    print(f"  {'infranet (best of ' + str(repeat) + ')':<34} {best:10.4f} {peak:11.2f} "
          f"{'1.0x':>9}")
    print(f"  {'infranet (median)':<34} {median:10.4f}")
    print(f"  {'infranet (first build)':<34} {times[0]:10.4f}")
    print(f"  {'networkx, one call per element':<34} {nx_times[0]:10.4f} {nx_peak:11.2f} "
          f"{nx_times[0] / best:8.1f}x")
    print(f"  speed-up over networkx: {nx_times[0] / best:.1f}x (best), "
          f"{nx_times[0] / median:.1f}x (median); memory ratio {nx_peak / peak:.1f}x; "
          f"result arrays {array_mib:.1f} MiB")
    print(f"  graphs identical: {'yes' if same else 'NO'}")
    _analysis(fabric)
    return same


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small fabrics, for a smoke test (a few seconds)")
    args = parser.parse_args(argv)
    print(f"bench_fabrics: {'quick' if args.quick else 'full'} run, numpy {np.__version__}, "
          f"networkx {nx.__version__}; peak memory is the tracemalloc peak of one build")
    if args.quick:
        fat_trees, gpus, repeat = (8, 16), 1024, 3
    else:
        fat_trees, gpus, repeat = (48, 64), 32768, 5
    ok = True
    from infranet.fabrics.spec import cluster_topology

    for k in fat_trees:
        ok &= bench(f"fat-tree k={k}", lambda k=k: generators.fat_tree(k),
                    lambda k=k: nx_fat_tree(k), repeat)
        pipeline(f"fat-tree k={k}", lambda k=k: cluster_topology("fat_tree", k=k))
    ok &= bench(f"rail-optimised {gpus:,} GPUs", lambda: generators.rail_optimized(gpus),
                lambda: nx_rail_optimized(gpus), repeat)
    pipeline(f"rail-optimised {gpus:,} GPUs", lambda: cluster_topology(
        "rail_optimized", count=gpus, scale_up={"kind": "nvswitch", "domain": 8}))
    topologies = Path(__file__).resolve().parents[1] / "topologies"
    files = ["h100-superpod.yaml"] if args.quick else ["texas-hub.yaml",
                                                         "gb200-nvl72-cluster.yaml"]
    agree = all([report_bench(topologies / name) for name in files])
    print()
    print("all graphs identical" if ok else "MISMATCH between infranet and networkx graphs")
    print("all reports agree" if agree else "MISMATCH between closed forms and graphs")
    return 0 if ok and agree else 1


if __name__ == "__main__":
    sys.exit(main())
