"""The routing benchmark suite: instances × algorithms × metrics, with the optimum beside every
result.

An *instance* is a topology with one or more traffic matrices and, where it is tractable, the
optimal maximum link utilisation (the arc multicommodity-flow LP, HiGHS) — and, for the FIGRET
data, the published optimum too, which the suite checks. Suites:

``quick``
    FIGRET GEANT (2 matrices, published optima), the Facebook pod (2 matrices, published
    optima), SNDlib Abilene with its real demands, a k=4 fat-tree with a permutation matrix.
    Under two minutes on a 2-core machine; run by the tests.
``standard``
    quick's instances with all their matrices, SNDlib polska, geant, germany50 and brain with
    their real demands, Topology Zoo backbones with gravity matrices, fat-tree k=8, Jellyfish
    and dragonfly fabrics.
``large``
    standard plus the Teal Kdl (754 nodes) and ASN2k (1,739 nodes) graphs with seeded gravity
    matrices.

Results are reproducible: the seed, library and solver versions and a hash of every input file
are recorded with them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import InfranetError, UnknownNameError, did_you_mean

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = [
    "ALGORITHMS_QUICK",
    "SUITES",
    "Instance",
    "connected_subgraph",
    "default_data_dir",
    "instances",
    "kdl_instance",
    "metadata",
    "optimum_on_cluster",
    "result_on_cluster",
    "result_row",
    "run",
]

log = logging.getLogger(__name__)

#: Algorithms the suite runs by default (every registered one). ``igp-wo`` and ``pop`` take
#: seeds; the suite's seed is passed to every algorithm that accepts one.
ALGORITHMS_QUICK = ("spf", "ecmp", "ksp", "cspf", "path-lp", "mcf", "vlb", "fptas", "pop",
                    "igp-wo", "pred-last", "pred-ewma", "pred-linear", "window-peak", "oblivious",
                    "cope", "semi-oblivious")

#: Capacity given to every link of topologies that carry none (topohub's SNDlib and Topology Zoo
#: networks): the ratio MLU / optimum does not depend on it.
UNIFORM_CAPACITY_GBPS = 100.0
#: Real-demand and gravity matrices are scaled so that their optimal MLU is this (a loaded but
#: feasible network, the convention of the TE literature).
TARGET_MLU = 0.9


def default_data_dir() -> Path | None:
    """Return the folder of third-party reference data: ``$INFRANET_DATA`` when set (as given,
    even without the data, so that the instances it lacks are named as skipped rather than
    read from another folder), else ``../shared/data`` beside the checkout, or None when there
    is none."""
    import os

    if os.environ.get("INFRANET_DATA"):
        return Path(os.environ["INFRANET_DATA"])
    candidates = []
    here = Path(__file__).resolve()
    candidates += [here.parents[3] / "shared" / "data", Path.cwd().parent / "shared" / "data",
                   Path.cwd() / "shared" / "data"]
    for path in candidates:
        if (path / "figret-geant" / "GEANT.json").is_file():
            return path
    return None


@dataclass
class Loaded:
    """A loaded instance: topology, matrices, published optima (or None), input hashes."""

    topology: Any
    matrices: list
    published: list[float] | None = None
    inputs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Instance:
    """One benchmark instance: a name, the suites it belongs to, and how to load it."""

    name: str
    suites: tuple[str, ...]
    description: str
    load: Callable[[Path | None, str, int], Loaded]
    needs_data: bool = False
    optimum: bool = True  # compute the arc-LP optimum (tractable)


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex (recorded with results, to name their inputs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_lines(path: Path) -> list[float]:
    return [float(x) for x in path.read_text().split()]


def _figret(folder: str, graph: str, hist: str, unit_graph: str, unit_tm: str,
            matrices: dict[str, int]) -> Callable[[Path | None, str, int], Loaded]:
    def load(data: Path | None, suite: str, seed: int) -> Loaded:
        import infranet
        from infranet.traffic import read_hist

        assert data is not None  # the suite skips this instance without a data folder
        base = data / folder
        topo = infranet.read(base / graph, capacity_unit=unit_graph)
        count = matrices.get(suite)
        tms = read_hist(base / hist, topo, unit=unit_tm)
        assert isinstance(tms, list)  # every line
        optima = _read_lines(base / hist.replace(".hist", ".opt"))
        if count is not None:
            tms, optima = tms[:count], optima[:count]
        inputs = {str(base / name): sha256(base / name)
                  for name in (graph, hist, hist.replace(".hist", ".opt"))}
        return Loaded(topo, tms, optima, inputs)

    return load


def _uniform_capacity(topology: Topology, capacity_gbps: float = UNIFORM_CAPACITY_GBPS
                      ) -> tuple[Topology, list[str]]:
    from infranet.algorithms.arcs import missing_capacity

    if missing_capacity(topology).any():
        return topology.with_defaults(capacity=capacity_gbps), [
            f"links without a capacity get {capacity_gbps:g} Gb/s"]
    return topology, []


def _scaled_to_target(topology, tm):
    from infranet.routing import optimal_mlu

    optimum, _ = optimal_mlu(topology, tm)
    return tm.scaled(TARGET_MLU / optimum) if optimum else tm


def _topohub(key: str, matrix: str) -> Callable[[Path | None, str, int], Loaded]:
    """A topohub network with its real demands (``matrix="real"``) or a seeded gravity matrix
    by degree (``"gravity"``), scaled so that the optimal MLU is :data:`TARGET_MLU`."""

    def load(data: Path | None, suite: str, seed: int) -> Loaded:
        import topohub

        import infranet
        from infranet.traffic import from_topology, gravity

        topo, notes = _uniform_capacity(infranet.read(f"topohub:{key}"))
        if matrix == "real":
            tm, what = from_topology(topo), "real demands"
        else:
            tm = gravity(topo, total_gbps=1000.0, by="degree", seed=seed)
            what = "gravity matrix by degree"
        notes.append(f"{what} scaled so that the optimal MLU is {TARGET_MLU}")
        return Loaded(topo, [_scaled_to_target(topo, tm)], None,
                      {f"topohub:{key}": f"topohub {topohub.__version__}"}, notes)

    return load


def _teal(name: str) -> Callable[[Path | None, str, int], Loaded]:
    def load(data: Path | None, suite: str, seed: int) -> Loaded:
        import infranet
        from infranet.traffic import gravity

        assert data is not None  # the suite skips this instance without a data folder
        path = data / "teal" / f"{name}.json"
        topo = infranet.read(path, capacity_unit="Gb/s")
        tm = gravity(topo, total_gbps=float(np.nansum(topo.compile().capacity_gbps)) / 20,
                     by="capacity", seed=seed)
        return Loaded(topo, [tm], None, {str(path): sha256(path)},
                      ["abstract capacity units read as Gb/s; gravity matrix by capacity, total "
                       "5% of the summed arc capacity"])

    return load


def _fabric(kind: str, matrix: str, **options: Any) -> Callable[[Path | None, str, int], Loaded]:
    def load(data: Path | None, suite: str, seed: int) -> Loaded:
        from infranet.fabrics.expand import expand
        from infranet.fabrics.spec import cluster_topology
        from infranet.traffic import all_to_all, permutation

        topo = expand(cluster_topology(kind, **options))
        hosts = list(topo.sites.index[topo.sites["kind"] == "accelerator"])
        link = float(np.nanmin(topo.compile().capacity_gbps))
        if matrix == "permutation":
            tm = permutation(hosts, link, seed=seed)
        else:
            tm = all_to_all(hosts, link / max(1, len(hosts) - 1))
        return Loaded(topo, [tm], None, {},
                      [f"{matrix} matrix over the accelerators at the NIC rate"])

    return load


#: The Kdl instance of the large-instance benchmarks: a seeded gravity matrix whose total is 5%
#: of the sum of arc capacities, over all 567,762 ordered pairs.
KDL_SEED = 20240501
KDL_LOAD = 0.05


def connected_subgraph(topology: Any, nodes: int) -> Any:
    """Return the connected subgraph of the first `nodes` sites reached by a breadth-first
    search from the first site (a smaller instance of the same network)."""
    from collections import deque

    from infranet.model import Topology

    spec = topology.to_dict()
    adjacent: dict[str, list[str]] = {}
    for link in spec["links"]:
        adjacent.setdefault(link["a"], []).append(link["b"])
        adjacent.setdefault(link["b"], []).append(link["a"])
    seen = {topology.site_names[0]: None}
    queue = deque(seen)
    while queue and len(seen) < nodes:
        for y in adjacent.get(queue.popleft(), ()):
            if y not in seen and len(seen) < nodes:
                seen[y] = None
                queue.append(y)
    spec["sites"] = [s for s in spec["sites"] if s["name"] in seen]
    spec["links"] = [x for x in spec["links"] if x["a"] in seen and x["b"] in seen]
    spec["name"] = f"{spec['name']}-{nodes}"
    return Topology.from_dict(spec)


def kdl_instance(data: Path, *, nodes: int | None = None) -> tuple[Any, Any]:
    """Return Teal's Kdl backbone (abstract capacity units; with `nodes`, its
    :func:`connected_subgraph`) and its seeded gravity matrix (:data:`KDL_LOAD`,
    :data:`KDL_SEED`, log-normal noise 0.5): the instance of ``benchmarks/bench_mcf.py`` and
    ``benchmarks/bench_routing.py``."""
    import infranet
    from infranet.traffic import gravity

    topo = infranet.read(Path(data) / "teal" / "Kdl.json", capacity_unit="unitless")
    if nodes is not None:
        topo = connected_subgraph(topo, nodes)
    total = KDL_LOAD * float(np.nansum(topo.compile().capacity_gbps))
    return topo, gravity(topo, total_gbps=total, by="capacity", noise=0.5, seed=KDL_SEED)


SUITES = ("quick", "standard", "large")
_ALL = SUITES
_STD = ("standard", "large")

INSTANCES: tuple[Instance, ...] = (
    Instance("figret-geant", _ALL, "GEANT (22 nodes, 36 links), FIGRET train-5 matrices with "
             "published optima", _figret("figret-geant", "GEANT.json", "train-5.hist", "bit/s",
                                         "bit/s", {"quick": 2}), needs_data=True),
    Instance("figret-facebook-pod-a", _ALL, "Facebook pod A (4-node mesh), FIGRET test-6 "
             "matrices with published optima (2 in quick, 32 in standard, all 477 in large)",
             _figret("figret-facebook-pod-a", "Facebook_pod_a.json", "test-6.hist", "unitless",
                     "unitless", {"quick": 2, "standard": 32}), needs_data=True),
    Instance("sndlib-abilene", _ALL, "SNDlib Abilene (12 nodes) with its real demands",
             _topohub("sndlib/abilene", "real")),
    Instance("fat-tree-k4", _ALL, "k=4 fat-tree (16 hosts) with a permutation matrix",
             _fabric("fat_tree", "permutation", k=4)),
    Instance("sndlib-polska", _STD, "SNDlib polska (12 nodes), real demands",
             _topohub("sndlib/polska", "real")),
    Instance("sndlib-geant", _STD, "SNDlib geant (22 nodes), real demands",
             _topohub("sndlib/geant", "real")),
    Instance("sndlib-germany50", _STD, "SNDlib germany50 (50 nodes), real demands",
             _topohub("sndlib/germany50", "real")),
    Instance("sndlib-brain", _STD, "SNDlib brain (161 nodes), real demands",
             _topohub("sndlib/brain", "real")),
    Instance("zoo-abilene", _STD, "Topology Zoo Abilene, gravity matrix",
             _topohub("topozoo/Abilene", "gravity")),
    Instance("zoo-geant2012", _STD, "Topology Zoo GEANT 2012, gravity matrix",
             _topohub("topozoo/Geant2012", "gravity")),
    Instance("fat-tree-k8", _STD, "k=8 fat-tree (128 hosts), permutation matrix",
             _fabric("fat_tree", "permutation", k=8)),
    Instance("jellyfish-32", _STD, "Jellyfish of 32 switches (8 ports, 4 hosts each), "
             "permutation matrix",
             _fabric("jellyfish", "permutation", switches=32, ports=8, hosts_per_switch=4,
                     seed=1)),
    Instance("dragonfly-a4", _STD, "dragonfly a=4, p=2, h=2 (9 groups), all-to-all matrix",
             _fabric("dragonfly", "all_to_all", a=4, p=2, h=2)),
    # the arc LP does not finish on Kdl's 567,762 demands in 20 minutes: no optimum there
    # (benchmarks/bench_routing.py compares Kdl's routings with the path LP instead)
    Instance("teal-kdl", ("large",), "Topology Zoo Kdl (754 nodes), seeded gravity matrix",
             _teal("Kdl"), needs_data=True, optimum=False),
    Instance("teal-asn2k", ("large",), "AS-level graph (1,739 nodes), seeded gravity matrix",
             _teal("ASN2k"), needs_data=True, optimum=False),
)


def instances(suite: str) -> list[Instance]:
    """Return the instances of `suite`."""
    if suite not in SUITES:
        raise UnknownNameError(f"unknown suite {suite!r}{did_you_mean(suite, SUITES)}; "
                               f"known: {', '.join(SUITES)}")
    return [i for i in INSTANCES if suite in i.suites]


def metadata(suite: str, algorithms: Sequence[str], seed: int) -> dict[str, Any]:
    """Return what makes a run reproducible: versions of Python, infranet, numpy, scipy,
    networkx, HiGHS (as scipy bundles it), the seed, suite and algorithms."""
    import networkx
    import scipy

    import infranet

    return {
        "suite": suite, "algorithms": list(algorithms), "seed": seed,
        "python": platform.python_version(), "infranet": infranet.__version__,
        "numpy": np.__version__, "scipy": scipy.__version__, "networkx": networkx.__version__,
        "solver": f"HiGHS (scipy {scipy.__version__})", "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _options(algorithm: str, seed: int, suite: str, topology: Topology | None = None
             ) -> dict[str, Any]:
    from infranet.routing import options_of

    params = {o.name for o in options_of(algorithm) or ()}
    options: dict[str, Any] = {}
    if "seed" in params:
        options["seed"] = seed
    if ("weight" in params and topology is not None
            and np.isnan(topology.compile().latency_ms).any()):
        options["weight"] = "hops"  # no geography (FIGRET, Teal graphs): shortest by hops
    if algorithm == "igp-wo" and suite == "quick" and "iterations" in params:
        options["iterations"] = 60  # a short local search keeps the quick suite quick
    return options


def run(suite: str = "quick", *, algorithms: Iterable[str] | None = None, seed: int = 0,
        data: Path | None = None, failures: bool = False, scheduler: Any = None,
        on_result: Callable[[dict[str, Any]], None] | None = None,
        on_instance: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Run the suite and return ``{"metadata", "instances", "results"}``.

    Parameters
    ----------
    algorithms
        Registered names (default: every built-in algorithm).
    data
        Folder of the reference data (default: :func:`default_data_dir`); instances that need
        it are skipped, with a note, when there is none.
    failures
        Also replay each algorithm under every single-link and shared-risk failure (with
        re-optimisation) and record the worst and mean MLU and the demand lost.
    scheduler
        The address of a Dask scheduler (``tcp://host:8786``) or a
        :class:`distributed.Client`: instances are loaded here, and each matrix's optimum and
        each (instance, matrix, algorithm) run are tasks on that cluster (each topology and
        matrix travels once). The rows are those of a local run, in the same order, timings
        aside (:mod:`infranet.cluster`).

    Notes
    -----
    Each row has ``carried_share`` (the share of the demand carried). A row that carried less
    than all of it has ``mlu_ratio`` NaN: its MLU is over part of the demand and does not
    compare with the optimum of carrying all of it.
    on_result, on_instance
        Called with each result row as it is made, and with ``(instance, done, total)``; the CLI
        writes rows as they come so an interrupted run keeps what it finished.
    """
    from infranet.routing import algorithms as registered
    from infranet.routing import get

    names = list(algorithms) if algorithms is not None else [
        a for a in ALGORITHMS_QUICK if a in registered()]
    for name in names:
        get(name)  # unknown names fail before any work, with a suggestion
    data = data if data is not None else default_data_dir()
    chosen = instances(suite)
    meta = metadata(suite, names, seed)
    meta["inputs"] = {}
    described: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler is not None:
            from infranet.cluster import connect

            client = stack.enter_context(connect(scheduler))
        _instances(chosen, names, seed, suite, data, failures, meta, described, rows, client,
                   on_result, on_instance)
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"metadata": meta, "instances": described, "results": rows}


def _instances(chosen: list[Instance], names: list[str], seed: int, suite: str,
               data: Path | None, failures: bool, meta: dict[str, Any],
               described: list[dict[str, Any]], rows: list[dict[str, Any]], client: Any,
               on_result: Callable[[dict[str, Any]], None] | None,
               on_instance: Callable[[str, int, int], None] | None) -> None:
    """Load each instance and run every algorithm on each of its matrices, here or (with a
    `client`) on its Dask cluster; `described` and `rows` grow as they are done."""
    from infranet.routing import optimal_mlu

    pending: list[Any] = []  # futures of the runs on the cluster, in a local run's order
    for done, instance in enumerate(chosen):
        if on_instance:
            on_instance(instance.name, done, len(chosen))
        if instance.needs_data and data is None:
            described.append({"name": instance.name, "skipped": "reference data not found "
                              "(../shared/data or $INFRANET_DATA)"})
            continue
        try:
            loaded = instance.load(data, suite, seed)
        except InfranetError as err:  # a data folder without this instance's files
            described.append({"name": instance.name, "skipped": str(err)})
            continue
        meta["inputs"].update(loaded.inputs)
        topo = loaded.topology
        described.append({"name": instance.name, "description": instance.description,
                          "nodes": topo.n_nodes, "links": len(topo.links),
                          "matrices": len(loaded.matrices), "notes": loaded.notes})
        if client is not None:
            pending.extend(_submit(client, instance, loaded, names, seed, suite, failures))
            continue
        for m, tm in enumerate(loaded.matrices):
            optimum, optimum_note = optimal_mlu(topo, tm) if instance.optimum else (None, None)
            published = loaded.published[m] if loaded.published else None
            for name in names:
                row = result_row(topo, tm, name, instance=instance.name, matrix=m,
                                 optimum=(optimum, optimum_note), published=published,
                                 seed=seed, suite=suite, failures=failures)
                rows.append(row)
                if on_result:
                    on_result(row)
    if client is not None:
        rows.extend(_gather(client, pending, on_result))
    if on_instance:
        on_instance("", len(chosen), len(chosen))


def result_row(topo: Any, tm: Any, name: str, *, instance: str, matrix: int,
               optimum: tuple[float | None, str | None], published: float | None, seed: int,
               suite: str, failures: bool) -> dict[str, Any]:
    """The result row of algorithm `name` on one matrix of an instance, its error recorded in
    it when it fails (a plug-in's bug, an instance it refuses)."""
    from infranet.routing import evaluate, route

    value, note = optimum
    row: dict[str, Any] = {"instance": instance, "matrix": matrix, "algorithm": name,
                           "optimum_mlu": value, "published_optimum_mlu": published,
                           "optimum_note": note}
    started = time.perf_counter()
    try:
        routing = route(topo, tm, algorithm=name, **_options(name, seed, suite, topo))
        wall = time.perf_counter() - started
        metrics = evaluate(routing, topo, tm, optimum=value, paths=topo.n_nodes <= 2000)
        if failures:
            metrics.update(_failure_metrics(topo, tm, name, seed, suite))
    except Exception as err:
        # a failing algorithm is recorded in its row, and the suite goes on
        row.update({"error": f"{type(err).__name__}: {err}",
                    "wall_s": time.perf_counter() - started})
        log.warning("%s on %s matrix %d failed: %s", name, instance, matrix, row["error"])
    else:
        row.update({**{k: v for k, v in metrics.items() if k != "algorithm"},
                    "carried_share": metrics["satisfied"], "wall_s": wall, "error": None})
    return row


def optimum_on_cluster(client_pid: int, topo: Any, tm: Any) -> tuple[float | None, str | None]:
    """The optimal MLU and its note, as the suite computes them: a Dask task."""
    from infranet.routing import optimal_mlu

    _mark(client_pid)
    return optimal_mlu(topo, tm)


def result_on_cluster(client_pid: int, topo: Any, tm: Any,
                      optimum: tuple[float | None, str | None], name: str,
                      options: dict[str, Any]) -> dict[str, Any]:
    """:func:`result_row` as a Dask task."""
    _mark(client_pid)
    return result_row(topo, tm, name, optimum=optimum, **options)


def _mark(client_pid: int) -> None:
    from infranet.cluster import in_client_process
    from infranet.parallel import mark_worker

    if not in_client_process(client_pid):
        mark_worker()


def _submit(client: Any, instance: Instance, loaded: Loaded, names: list[str], seed: int,
            suite: str, failures: bool) -> list[Any]:
    """Submit the runs of one instance: its topology and each matrix travel to the cluster
    once; each algorithm's run waits for its matrix's optimum (a task of its own)."""
    import os

    pid = os.getpid()
    topo = client.scatter(loaded.topology, hash=False)
    out = []
    for m, tm in enumerate(loaded.matrices):
        matrix = client.scatter(tm, hash=False)
        optimum = client.submit(optimum_on_cluster, pid, topo, matrix, pure=False) \
            if instance.optimum else (None, None)
        published = loaded.published[m] if loaded.published else None
        for name in names:
            options = {"instance": instance.name, "matrix": m, "published": published,
                       "seed": seed, "suite": suite, "failures": failures}
            out.append(client.submit(result_on_cluster, pid, topo, matrix, optimum, name,
                                     options, pure=False))
    return out


def _gather(client: Any, pending: list[Any],
            on_result: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any]]:
    """The rows of `pending` runs, each passed to `on_result` as it is done, returned in the
    order they were submitted (the order of a local run)."""
    from distributed import as_completed

    order = {future.key: n for n, future in enumerate(pending)}
    done: dict[int, dict[str, Any]] = {}
    try:
        # the client's own loop: a client made from an address is not the default one
        for future in as_completed(pending, loop=client.loop):
            try:
                row = future.result()
            except Exception as err:  # the cluster failed the task (not the algorithm)
                raise InfranetError(f"a task failed on the Dask cluster: "
                                    f"{type(err).__name__}: {' '.join(str(err).split())}",
                                    field="scheduler") from None
            done[order[future.key]] = row
            if on_result:
                on_result(row)
    finally:
        client.cancel([f for f in pending if not f.done()])
    return [done[n] for n in sorted(done)]


def _failure_metrics(topo: Any, tm: Any, name: str, seed: int, suite: str) -> dict[str, Any]:
    from infranet.routing import under_failures

    study = under_failures(topo, tm, algorithm=name, reoptimise=True,
                           **_options(name, seed, suite, topo))
    return {"failure_worst_mlu": study.worst_mlu, "failure_mean_mlu": study.mean_mlu,
            "failure_worst": study.worst_failure, "failure_max_lost_gbps": study.max_lost_gbps}


def check_published(results: dict[str, Any], *, rtol: float = 1e-6) -> list[str]:
    """Return one line per instance whose computed optimum misses its published one."""
    problems = []
    for row in results["results"]:
        published = row.get("published_optimum_mlu")
        optimum = row.get("optimum_mlu")
        if published is None or optimum is None:
            continue
        if not math.isclose(optimum, published, rel_tol=rtol):
            problems.append(f"{row['instance']} matrix {row['matrix']}: optimum {optimum!r} "
                            f"!= published {published!r}")
    return sorted(set(problems))
