"""The dynamic routing benchmark suite: every routing algorithm replayed online over real
series of traffic matrices (:func:`infranet.routing.online.run_online`), against the published
optimum of every interval.

Instances (the FIGRET project's test series, with its candidate tunnels and published optima):

``figret-geant``
    GEANT (22 nodes), ``test-7``: 677 consecutive matrices.
``figret-facebook-pod-a-5``, ``figret-facebook-pod-a-6``
    Facebook pod A (4-node mesh), ``test-5`` (2,023 matrices) and ``test-6`` (477).

Each algorithm is configured for interval ``t`` from the series' own past (intervals before
``t``) and measured on ``t``, from interval :data:`WARMUP` on (the window of the FIGRET harness,
so that its baselines and these see the same intervals). The result rows are per instance and
algorithm: the summary of :class:`~infranet.routing.online.OnlineResult` and the seconds per
interval.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infranet.errors import InfranetError, InfranetWarning

__all__ = ["DYNAMIC_INSTANCES", "VARIANTS", "WARMUP", "DynamicInstance", "options_for", "run"]

log = logging.getLogger(__name__)

#: The first interval evaluated: the FIGRET harness's window (``hist_len = 12``), so every
#: algorithm is measured on the same intervals as its published baselines.
WARMUP = 12


@dataclass(frozen=True)
class DynamicInstance:
    """A series with its topology, tunnels and published optima (files of a data folder)."""

    name: str
    folder: str
    graph: str
    series: str
    unit: str
    description: str

    def load(self, data: Path) -> dict[str, Any]:
        """Return the topology, series, tunnels, published optima and input hashes."""
        import infranet
        from infranet.algorithms.candidates import read_tunnels
        from infranet.bench.routing import sha256
        from infranet.traffic_series import read_hist, read_optima

        base = Path(data) / self.folder
        capacity_unit = "bit/s" if self.unit == "bit/s" else "unitless"
        topo = infranet.read(base / self.graph, capacity_unit=capacity_unit)
        series = read_hist(base / self.series, topo, unit=self.unit)
        optima_file = base / self.series.replace(".hist", ".opt")
        return {"topology": topo, "series": series,
                "paths": read_tunnels(base / "tunnels.txt", topo),
                "optima": read_optima(optima_file, count=len(series)),
                "inputs": {str(base / name): sha256(base / name)
                           for name in (self.graph, self.series, optima_file.name,
                                        "tunnels.txt")}}


DYNAMIC_INSTANCES: tuple[DynamicInstance, ...] = (
    DynamicInstance("figret-geant", "figret-geant", "GEANT.json", "test-7.hist", "bit/s",
                    "GEANT (22 nodes, 36 links), FIGRET test-7: 677 intervals"),
    DynamicInstance("figret-facebook-pod-a-5", "figret-facebook-pod-a", "Facebook_pod_a.json",
                    "test-5.hist", "unitless",
                    "Facebook pod A (4-node mesh), FIGRET test-5: 2,023 intervals"),
    DynamicInstance("figret-facebook-pod-a-6", "figret-facebook-pod-a", "Facebook_pod_a.json",
                    "test-6.hist", "unitless",
                    "Facebook pod A (4-node mesh), FIGRET test-6: 477 intervals"),
)


#: Named settings of a registered algorithm that the suite runs beside the defaults: the
#: FIGRET harness's Jupiter baseline is ``window-peak`` over its 12-interval window, hedged
#: with a spread of 0.5 (``benchmarks/linear/linear_helper.py`` of github.com/FIGRET/figret).
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "jupiter": ("window-peak", {"window": 12, "spread": 0.5}),
}

#: Rough cost of an algorithm per GEANT interval, in seconds: the order a pool of processes
#: starts them in (the slowest first, so that no process is left with one long run at the
#: end). Algorithms not listed start last.
_COST = {"fptas": 0.2, "cope": 0.17, "igp-wo": 0.15, "pop": 0.05, "semi-oblivious": 0.03,
         "path-lp": 0.03, "mcf": 0.03}


def options_for(algorithm: str, topology: Any, seed: int) -> dict[str, Any]:
    """The options the dynamic suite gives `algorithm`: the suite's seed to one that takes it,
    shortest paths by hops where links have no latency, short searches for the two iterative
    heuristics (``igp-wo``: 20 local-search iterations; ``fptas``: ``eps = 0.2``), which
    would otherwise take most of the time budget (half a second per interval each), and
    ``cope`` re-solved once per window (``refresh=12``: every 3 hours of GEANT's 15-minute
    intervals, from the 12 intervals before, and kept in between, as COPE is recomputed
    periodically; re-solved every interval it takes 0.71 s an interval on GEANT, 473 s of
    the series, more than every other algorithm together)."""
    from infranet.routing import options_of

    params = {o.name for o in options_of(algorithm) or ()}
    options: dict[str, Any] = {}
    if "seed" in params:
        options["seed"] = seed
    if "weight" in params and np.isnan(topology.compile().latency_ms).any():
        options["weight"] = "hops"
    if algorithm == "igp-wo" and "iterations" in params:
        options["iterations"] = 20
    if algorithm == "fptas" and "eps" in params:
        options["eps"] = 0.2
    if algorithm == "cope" and "refresh" in params:
        options["refresh"] = 12
    return options


def run(*, algorithms: Iterable[str] | None = None, limit: int | None = None, seed: int = 0,
        data: Path | None = None, instances: Iterable[str] | None = None,
        workers: int | None = None,
        on_result: Callable[[dict[str, Any]], None] | None = None,
        on_progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Run the dynamic suite and return ``{"metadata", "instances", "results"}``: one result
    row per instance and algorithm (the online summary, ``options``,
    ``seconds_per_interval``, ``wall_s``, ``error``), in the order of the instances and
    algorithms.

    Parameters
    ----------
    algorithms
        Registered names, or names of :data:`VARIANTS` (default: every registered
        algorithm, plug-ins included, then every variant).
    limit
        Evaluate the first `limit` intervals after the warm-up of each series.
    data
        Folder of the reference data (default:
        :func:`infranet.bench.routing.default_data_dir`); without it every instance is
        skipped, with a note.
    instances
        Names among :data:`DYNAMIC_INSTANCES` (default: all).
    workers
        Local processes replaying runs side by side (:func:`infranet.parallel.workers`:
        this argument, else ``INFRANET_WORKERS``, else 1). Each run is one algorithm over
        one series, in order; the rows are those of a serial run, ``wall_s`` and
        ``seconds_per_interval`` aside. The processes are forked where the system can, so
        algorithms registered in this process run there too.
    on_result
        Called with each row as its run ends (with several workers, not in the rows'
        order).
    on_progress
        Called with ``("INSTANCE ALGORITHM", runs done, runs in all)`` as each run ends.
    """
    from infranet.bench.routing import default_data_dir, metadata
    from infranet.errors import UnknownNameError, did_you_mean
    from infranet.parallel import workers as worker_count
    from infranet.routing import algorithms as registered
    from infranet.routing import get

    if algorithms is not None:
        names = list(algorithms)
    else:
        names = list(registered()) + [v for v in VARIANTS if VARIANTS[v][0] in registered()]
    for name in names:
        get(VARIANTS[name][0] if name in VARIANTS else name)
    known = {i.name: i for i in DYNAMIC_INSTANCES}
    chosen = list(known) if instances is None else list(instances)
    for name in chosen:
        if name not in known:
            raise UnknownNameError(f"unknown dynamic instance {name!r}"
                                   f"{did_you_mean(name, known)}; known: {', '.join(known)}")
    n_workers = worker_count(workers)
    data = data if data is not None else default_data_dir()
    meta = metadata("dynamic", names, seed)
    meta.update({"inputs": {}, "warmup": WARMUP, "limit": limit, "workers": n_workers})
    described: list[dict[str, Any]] = []
    tasks: list[tuple[str, str]] = []
    for key in chosen:
        if data is None:
            described.append({"name": key, "skipped": "reference data not found "
                              "(../shared/data or $INFRANET_DATA)"})
            continue
        try:
            loaded = _load(known[key], Path(data))
        except InfranetError as err:
            described.append({"name": key, "skipped": str(err)})
            continue
        meta["inputs"].update(loaded["inputs"])
        topo, series = loaded["topology"], loaded["series"]
        described.append({"name": key, "description": known[key].description,
                          "nodes": topo.n_nodes, "links": len(topo.links),
                          "intervals": len(series), "pairs": series.n_pairs})
        tasks.extend((key, name) for name in names)
    rows: list[dict[str, Any] | None] = [None] * len(tasks)

    def made(i: int, row: dict[str, Any]) -> None:
        rows[i] = row
        if on_result:
            on_result(row)
        if on_progress:
            on_progress(f"{row['instance']} {row['algorithm']}",
                        sum(r is not None for r in rows), len(tasks))

    if on_progress:
        on_progress("", 0, len(tasks))
    if n_workers <= 1 or len(tasks) <= 1:
        for i, (key, name) in enumerate(tasks):
            made(i, replay(known[key], Path(data), name, limit, seed))  # type: ignore[arg-type]
    else:
        _in_pool(tasks, known, Path(data), limit, seed,  # type: ignore[arg-type]
                 min(n_workers, len(tasks)), made)
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"metadata": meta, "instances": described,
            "results": [row for row in rows if row is not None]}


def _in_pool(tasks: list[tuple[str, str]], known: dict[str, DynamicInstance], data: Path,
             limit: int | None, seed: int, n_workers: int,
             made: Callable[[int, dict[str, Any]], None]) -> None:
    """Replay `tasks` on `n_workers` processes, the costliest first; hand each row to `made`
    with its task's index as its run ends. Interrupted (Ctrl-C), the processes are stopped
    at once and the interrupt goes on to the caller."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    order = sorted(range(len(tasks)), key=lambda i: -_COST.get(
        VARIANTS.get(tasks[i][1], (tasks[i][1],))[0], 0.0))
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=context,
                               initializer=_start_worker)
    try:
        futures = {pool.submit(replay, known[tasks[i][0]], data, tasks[i][1], limit, seed): i
                   for i in order}
        for future in as_completed(futures):
            made(futures[future], future.result())
    except BaseException:
        # a worker busy with a long run would hold the shutdown until it ends: stop them
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
        raise
    pool.shutdown()


def _start_worker() -> None:
    """Set up a process of the pool: a worker (no pools of its own), deaf to Ctrl-C, which
    the parent handles for the whole pool."""
    import signal

    from infranet.parallel import mark_worker

    mark_worker()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_LOADED: dict[tuple[str, str], dict[str, Any]] = {}


def _load(instance: DynamicInstance, data: Path) -> dict[str, Any]:
    """`instance` loaded from `data`, once per process."""
    key = (instance.name, str(Path(data).resolve()))
    if key not in _LOADED:
        _LOADED.clear()  # one instance at a time: a series can be large
        _LOADED[key] = instance.load(data)
    return _LOADED[key]


def replay(instance: DynamicInstance, data: Path, name: str, limit: int | None, seed: int
           ) -> dict[str, Any]:
    """One row of the suite: `name` (a registered algorithm or a :data:`VARIANTS` name)
    replayed over `instance` from :data:`WARMUP` on. A failing algorithm (a plug-in's bug,
    one that reads the future) is the row's ``error``."""
    from infranet.routing import run_online

    loaded = _load(instance, data)
    topo = loaded["topology"]
    algorithm, options = (VARIANTS[name] if name in VARIANTS
                          else (name, options_for(name, topo, seed)))
    row: dict[str, Any] = {"instance": instance.name, "algorithm": name,
                           "options": ", ".join(f"{k}={v}" for k, v in options.items())}
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():  # what they say is in the row (intervals_with_loss)
            warnings.simplefilter("ignore", InfranetWarning)
            result = run_online(topo, loaded["series"], algorithm, limit=limit, start=WARMUP,
                                optima=loaded["optima"], paths=loaded["paths"],
                                algorithm_options=options)
    except Exception as err:
        row.update({"error": f"{type(err).__name__}: {err}",
                    "wall_s": time.perf_counter() - started})
        log.warning("%s on %s failed: %s", name, instance.name, row["error"])
        return row
    wall = time.perf_counter() - started
    row.update({k: v for k, v in result.summary.items() if k != "algorithm"})
    row.update({"seconds_per_interval": wall / max(1, len(result)), "wall_s": wall,
                "error": None})
    return row
