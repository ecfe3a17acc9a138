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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from infranet.errors import InfranetError

__all__ = ["DYNAMIC_INSTANCES", "WARMUP", "DynamicInstance", "options_for", "run"]

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


def options_for(algorithm: str, topology: Any, seed: int) -> dict[str, Any]:
    """The options the dynamic suite gives `algorithm`: the suite's seed to one that takes it,
    shortest paths by hops where links have no latency, and short searches for the two
    iterative heuristics (``igp-wo``: 20 local-search iterations; ``fptas``: ``eps = 0.2``),
    which would otherwise take most of the time budget (half a second per interval each)."""
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
    return options


def run(*, algorithms: Iterable[str] | None = None, limit: int | None = None, seed: int = 0,
        data: Path | None = None, instances: Iterable[str] | None = None,
        on_result: Callable[[dict[str, Any]], None] | None = None,
        on_instance: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Run the dynamic suite and return ``{"metadata", "instances", "results"}``: one result
    row per instance and algorithm (the online summary, ``seconds_per_interval``, ``error``).

    Parameters
    ----------
    algorithms
        Registered names (default: every registered algorithm, plug-ins included).
    limit
        Evaluate the first `limit` intervals after the warm-up of each series.
    data
        Folder of the reference data (default:
        :func:`infranet.bench.routing.default_data_dir`); without it every instance is
        skipped, with a note.
    instances
        Names among :data:`DYNAMIC_INSTANCES` (default: all).
    on_result, on_instance
        Called with each row as it is made, and with ``(instance, done, total)``.
    """
    from infranet.bench.routing import default_data_dir, metadata
    from infranet.errors import UnknownNameError, did_you_mean
    from infranet.routing import algorithms as registered
    from infranet.routing import get, run_online

    names = list(algorithms) if algorithms is not None else list(registered())
    for name in names:
        get(name)
    known = {i.name: i for i in DYNAMIC_INSTANCES}
    chosen = list(known) if instances is None else list(instances)
    for name in chosen:
        if name not in known:
            raise UnknownNameError(f"unknown dynamic instance {name!r}"
                                   f"{did_you_mean(name, known)}; known: {', '.join(known)}")
    data = data if data is not None else default_data_dir()
    meta = metadata("dynamic", names, seed)
    meta.update({"inputs": {}, "warmup": WARMUP, "limit": limit})
    described: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for done, key in enumerate(chosen):
        instance = known[key]
        if on_instance:
            on_instance(key, done, len(chosen))
        if data is None:
            described.append({"name": key, "skipped": "reference data not found "
                              "(../shared/data or $INFRANET_DATA)"})
            continue
        try:
            loaded = instance.load(data)
        except InfranetError as err:
            described.append({"name": key, "skipped": str(err)})
            continue
        meta["inputs"].update(loaded["inputs"])
        topo, series = loaded["topology"], loaded["series"]
        described.append({"name": key, "description": instance.description,
                          "nodes": topo.n_nodes, "links": len(topo.links),
                          "intervals": len(series), "pairs": series.n_pairs})
        for name in names:
            row: dict[str, Any] = {"instance": key, "algorithm": name}
            started = time.perf_counter()
            try:
                result = run_online(topo, series, name, limit=limit, start=WARMUP,
                                    optima=loaded["optima"], paths=loaded["paths"],
                                    **options_for(name, topo, seed))
            except Exception as err:
                # a failing algorithm (a plug-in's bug, one that reads the future) is
                # recorded in its row, and the suite goes on
                row.update({"error": f"{type(err).__name__}: {err}",
                            "wall_s": time.perf_counter() - started})
                log.warning("%s on %s failed: %s", name, key, row["error"])
            else:
                wall = time.perf_counter() - started
                summary = result.summary
                row.update({k: v for k, v in summary.items() if k not in ("algorithm",)})
                row.update({"seconds_per_interval": wall / max(1, len(result)),
                            "wall_s": wall, "error": None})
            rows.append(row)
            if on_result:
                on_result(row)
    if on_instance:
        on_instance("", len(chosen), len(chosen))
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"metadata": meta, "instances": described, "results": rows}
