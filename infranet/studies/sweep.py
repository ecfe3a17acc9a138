"""Sweeps: what-if studies over a grid of edits and a set of failures, one row per scenario.

A :class:`Study` is a base topology (with an optional training job and inference service), a
`grid` of edits by path (the paths of :meth:`infranet.model.Topology.with_changes`; a path that
starts with ``job.`` or ``service.`` edits the job's or the service's spec), optional
`failures` (drawn by :func:`infranet.algorithms.failures.failure_sets`) and named `measures`
(``mlu:ALGORITHM`` routes the study's `demands` with any routing algorithm).
Its scenarios are every combination of the grid's values, each with every failure set when
failures are asked for; :func:`run` evaluates them, serially or on local processes
(:func:`infranet.parallel.workers`), and returns a tidy pandas DataFrame with one row per
scenario: ``scenario_id`` (a stable hash of the scenario's parameters), a column per grid path,
``failure`` (when failures are asked for), a column per scalar field of each measure
(``MEASURE.FIELD``), ``error`` (one line, None when the scenario ran) and ``wall_s``.

Scenarios run serially, on local processes or on a Dask distributed cluster (:func:`run` with
`scheduler`, :mod:`infranet.cluster`), with the same rows. Rows can be written as they arrive
(:func:`run` with `output`: a CSV file, or a folder of Parquet parts for a name ending
``.parquet``, :mod:`infranet.studies.results`); with `resume`, the scenarios whose
``scenario_id`` the output already holds are skipped, so an interrupted study finishes without
duplicates or gaps. :func:`read_results` reads either back.

Examples
--------
>>> from infranet.model import Topology
>>> ring = Topology.from_dict({"name": "ring", "defaults": {"capacity": 400},
...     "sites": [{"name": n, "kind": "datacenter"} for n in "xyz"],
...     "links": [{"a": "x", "b": "y", "length_km": 100},
...               {"a": "y", "b": "z", "length_km": 100},
...               {"a": "z", "b": "x", "length_km": 100}]})
>>> study = Study(name="cuts", topology=ring, failures=Failures(), measures=("min_cut",))
>>> rows = run(study)
>>> rows[["failure", "min_cut.gbps"]].values.tolist()
[['x--y', 400.0], ['y--z', 400.0], ['z--x', 400.0]]
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import InfranetError, UnknownNameError, ValidationError, did_you_mean
from infranet.studies.spec import DEMAND_GENERATORS, DEMANDS, FAILURES, STUDY, keys

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client

    from infranet.algorithms.failures import FailureSet
    from infranet.algorithms.replay import Replay
    from infranet.model import Topology
    from infranet.traffic import TrafficMatrix

__all__ = ["FAMILIES", "MEASURES", "Failures", "Scenario", "Study", "flatten", "read_results",
           "read_study", "run", "scenarios", "study_demands", "study_from_mapping", "study_key"]

#: The keys of a STUDY.yaml file, and of its `failures` and `demands` mappings
#: (:mod:`infranet.studies.spec`: the schema the reference is written from).
KEYS = keys(STUDY)
FAILURE_KEYS = keys(FAILURES)
DEMAND_KEYS = keys(DEMANDS)


@dataclass(frozen=True)
class Failures:
    """Which failure sets a study evaluates (see
    :func:`infranet.algorithms.failures.failure_sets`): single links, shared-risk groups,
    sites, their combinations of `order` (a number, or several: ``(1, 2)`` for every single
    failure then every pair), or `random` of them drawn with `seed`."""

    links: bool = True
    srlgs: bool = False
    sites: bool = False
    order: int | tuple[int, ...] = 1
    random: int | None = None
    seed: int | None = None

    def sets(self, topology: Topology) -> list[FailureSet]:
        """The failure sets of `topology`, in the enumerator's order, order by order."""
        from infranet.algorithms.failures import failure_sets

        orders = (self.order,) if isinstance(self.order, int) else self.order
        return [f for order in orders
                for f in failure_sets(topology, links=self.links, srlgs=self.srlgs,
                                      sites=self.sites, order=order, random=self.random,
                                      seed=self.seed)]


@dataclass(frozen=True)
class Study:
    """A what-if study: what to change, what to fail, what to measure.

    Attributes
    ----------
    name : str
        Named in progress lines.
    topology : Topology
        The base topology.
    grid : tuple of (str, tuple)
        Path and the values it takes; the scenarios are the cartesian product, the first path
        varying slowest.
    failures : Failures or None
        Failure sets to evaluate in every grid point (None: no failures).
    measures : tuple of str
        Names of :data:`MEASURES`; ``mlu:ALGORITHM`` for any routing algorithm
        (:data:`FAMILIES`: :func:`measure_mlu`); or ``module:function`` called with
        ``(topology, study)`` and returning a result with ``to_dict()``, a mapping or a
        number.
    job, service : mapping or None
        The spec of a training job (JOB.yaml fields) and of an inference service
        (SERVICE.yaml fields), edited by grid paths ``job.FIELD`` and ``service.FIELD``.
    job_file, service_file : str or None
        Where those specs were read from (named in errors; a job's model file is relative to
        it).
    demands : TrafficMatrix or None
        The demands the ``mlu:ALGORITHM`` measures route (Gb/s); None: the topology's own
        (SNDlib, topohub). Every scenario routes these same demands.
    """

    name: str
    topology: Topology
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    failures: Failures | None = None
    measures: tuple[str, ...] = ("max_rtt",)
    job: Mapping[str, Any] | None = field(default=None, repr=False)
    service: Mapping[str, Any] | None = field(default=None, repr=False)
    job_file: str | None = None
    service_file: str | None = None
    demands: TrafficMatrix | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        grid = tuple((str(path), tuple(values)) for path, values in
                     (self.grid.items() if isinstance(self.grid, Mapping) else self.grid))
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "measures", tuple(self.measures))
        for measure in self.measures:
            _check_measure(measure, self)


@dataclass(frozen=True)
class Scenario:
    """One evaluation of a study: grid values by path and a failure set's name (or None)."""

    index: int
    changes: tuple[tuple[str, Any], ...]
    failure: str | None
    #: What the scenario is evaluated on (:func:`study_key`): the same grid values and failure
    #: of an edited topology, another job or other measures are another scenario.
    study: str = ""

    @property
    def scenario_id(self) -> str:
        """A stable hash of the scenario's parameters and of its study (16 hex digits)."""
        text = json.dumps({"changes": [list(c) for c in self.changes], "failure": self.failure,
                           "study": self.study}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def parameters(self) -> dict[str, Any]:
        """The scenario's parameter columns."""
        return dict(self.changes)


# --------------------------------------------------------------------------------- measures
# Each named measure is a function of (topology, study); the failure measures also have a
# replayed form (REPLAYED) that evaluates a failure on the grid point's compiled arrays
# (infranet.algorithms.replay) instead of a rebuilt topology, with the same fields and values.

def _rtts(topology: Topology) -> tuple[np.ndarray, list[str]]:
    from infranet.algorithms.latency import latency_matrix
    from infranet.algorithms.resilience import watched_sites

    watched = watched_sites(topology)
    matrix = latency_matrix(topology, nodes=watched).to_numpy()
    return 2.0 * matrix[np.triu_indices(len(watched), k=1)], watched


def measure_max_rtt(topology: Topology, study: Study) -> dict[str, Any]:
    """Largest round-trip time between watched sites (ms; None when some are cut off)."""
    upper, _ = _rtts(topology)
    connected = bool(upper.size == 0 or np.isfinite(upper).all())
    value = float(upper.max()) if upper.size and connected else None
    return {"ms": value, "connected": connected}


def measure_mean_rtt(topology: Topology, study: Study) -> dict[str, Any]:
    """Mean round-trip time between watched sites (ms; None when some are cut off)."""
    upper, _ = _rtts(topology)
    connected = bool(upper.size == 0 or np.isfinite(upper).all())
    value = float(upper.mean()) if upper.size and connected else None
    return {"ms": value, "connected": connected}


def measure_min_cut(topology: Topology, study: Study) -> dict[str, Any]:
    """Smallest maximum flow between two watched sites (Gb/s), and between which."""
    from infranet.algorithms.flow import min_cut_between
    from infranet.algorithms.resilience import watched_sites

    cut = min_cut_between(topology, watched_sites(topology))
    if cut is None:
        return {"gbps": None, "pair": None}
    return {"gbps": float(cut.value_gbps), "pair": f"{cut.source}--{cut.target}"}


def measure_training(topology: Topology, study: Study) -> dict[str, Any]:
    """A training job's step time (s), the DCI bandwidth it needs (Gb/s) and its efficiency
    (step time with an unlimited DCI at zero distance ÷ step time), as
    :func:`infranet.studies.compare.training_figures` gives them."""
    from infranet.studies.compare import training_figures

    figures = training_figures(topology, _job(study))
    return {"step_s": figures.step_s, "dci_gbps": figures.dci_gbps,
            "efficiency": figures.efficiency}


def measure_inference(topology: Topology, study: Study) -> dict[str, Any]:
    """The accelerators an inference service's placement needs and its WAN bandwidth (Gb/s)."""
    from infranet.planning.serving import place_inference

    plan = place_inference(topology, _service(study))
    return {"count": int(plan.total_accelerators),
            "wan_gbps": float(sum(plan.wan_gbps.values()))}


def study_demands(topology: Topology, study: Study) -> TrafficMatrix:
    """The demands a study routes over `topology` (Gb/s): the study's own, else the base
    topology's, restricted to the sites `topology` still has (a failed site's demands are
    left out: lost).

    Raises
    ------
    ValidationError
        When neither the study nor its topology gives demands.
    """
    from infranet.traffic import TrafficMatrix

    tm = _base_demands(study)
    present = set(topology.site_names)
    keep = [i for i, name in enumerate(tm.nodes) if name in present]
    if len(keep) == len(tm.nodes):
        return tm
    return TrafficMatrix(tuple(tm.nodes[i] for i in keep), tm.gbps[np.ix_(keep, keep)],
                         name=tm.name, source=tm.source)


def _base_demands(study: Study) -> TrafficMatrix:
    """The study's demands over its base topology: its own, else the topology's."""
    from infranet.traffic import from_topology

    if study.demands is not None:
        return study.demands
    if not len(study.topology.demands):
        raise ValidationError("routing needs demands: give the study 'demands' (a traffic "
                              "matrix file or a generator such as gravity), or a topology "
                              "that carries them", field="demands")
    return from_topology(study.topology)


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def measure_mlu(topology: Topology, study: Study, *, algorithm: str) -> dict[str, Any]:
    """Route the study's demands with the routing algorithm `algorithm` on the scenario's
    network (under a failure set: what survives it) and give its maximum link utilisation
    ``mlu``, the optimal one over the demands that can still be carried ``optimum_mlu`` (the
    arc LP, :func:`infranet.routing.optimal_mlu`), their ``ratio`` (None when the routing
    loses demand a path could carry) and the demand lost ``lost_gbps`` (cut off by the
    failure, to a failed site, or dropped by the algorithm; Gb/s).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> ring = Topology.from_dict({"name": "ring", "defaults": {"capacity": 100},
    ...     "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y"}, {"a": "y", "b": "z"}, {"a": "z", "b": "x"}]})
    >>> tm = TrafficMatrix(("x", "y"), [[0, 150], [0, 0]])
    >>> study = Study(name="s", topology=ring, measures=("mlu:spf",), demands=tm)
    >>> measure_mlu(ring, study, algorithm="spf")
    {'mlu': 1.5, 'optimum_mlu': 0.75, 'ratio': 2.0, 'lost_gbps': 0.0}
    """
    from infranet.routing import evaluate, route

    tm = study_demands(topology, study)
    cut_off = max(0.0, _base_demands(study).total_gbps - tm.total_gbps)  # of failed sites
    if not tm.n_demands:
        return {"mlu": None, "optimum_mlu": None, "ratio": None, "lost_gbps": cut_off}
    optimum = _optimum(topology, study, tm)
    metrics = evaluate(route(topology, tm, algorithm=algorithm), topology, tm,
                       optimum=optimum, paths=False)
    return {"mlu": _number(metrics["mlu"]), "optimum_mlu": _number(optimum),
            "ratio": _number(metrics["mlu_ratio"]),
            "lost_gbps": float(metrics["lost_gbps"]) + cut_off}


#: The last optimum solved, with the network and study it is for: the ``mlu:*`` measures of
#: one scenario share it (one tuple, read and replaced whole: safe on threads).
_OPTIMUM: dict[str, tuple[Any, Any, float | None]] = {}


def _optimum(topology: Topology, study: Study, tm: TrafficMatrix) -> float | None:
    from infranet.routing import optimal_mlu

    last = _OPTIMUM.get("last")
    if last is not None and last[0] is topology and last[1] is study:
        return last[2]
    value = optimal_mlu(topology, tm)[0]
    _OPTIMUM["last"] = (topology, study, value)
    return value


#: Named measures: name -> (function of (topology, study), what it needs: "", "job", "service").
MEASURES: dict[str, tuple[Callable[[Topology, Study], Any], str]] = {
    "max_rtt": (measure_max_rtt, ""),
    "mean_rtt": (measure_mean_rtt, ""),
    "min_cut": (measure_min_cut, ""),
    "training:step_s": (measure_training, "job"),
    "inference:accelerators": (measure_inference, "service"),
}

#: Measures with an argument, ``PREFIX:ARGUMENT``: prefix -> (function of (topology, study)
#: taking the argument as the keyword it names, that keyword, what the argument is).
FAMILIES: dict[str, tuple[Callable[..., Any], str, str]] = {
    "mlu": (measure_mlu, "algorithm", "a routing algorithm"),
}


def _check_family(measure: str, study: Study) -> bool:
    """Check a ``PREFIX:ARGUMENT`` measure of :data:`FAMILIES`; False for any other name."""
    prefix, _, argument = measure.partition(":")
    if prefix not in FAMILIES:
        return False
    if prefix == "mlu":
        from infranet.routing import get

        try:
            get(argument)
        except UnknownNameError as err:
            raise UnknownNameError(f"{measure!r}: {err.detail}", field="measures") from None
        if study.demands is None and not len(study.topology.demands):
            raise ValidationError(f"measure {measure!r} routes demands: give the study "
                                  "'demands' (a traffic matrix file or a generator such as "
                                  "gravity), or a topology that carries them", field="measures")
    return True


def replayed_rtt(replay: Replay, failure: FailureSet, field: str) -> dict[str, Any] | None:
    """``max_rtt`` (`field` ``max_ms``) or ``mean_rtt`` (``mean_ms``) of a failure, replayed
    (None where the replay cannot say: the measure then runs on the rebuilt topology)."""
    after = replay.rtt(failure)
    if after is None:
        return None
    return {"ms": getattr(after, field), "connected": after.connected}


def replayed_min_cut(replay: Replay, failure: FailureSet) -> dict[str, Any] | None:
    """``min_cut`` of a failure, replayed (None where the replay cannot say)."""
    after = replay.min_cut(failure)
    if after is None:
        return None
    if after.value_gbps is None:
        return {"gbps": None, "pair": None}
    return {"gbps": after.value_gbps, "pair": "--".join(after.pair)}


#: Measures with a replayed form: name -> function of (replay, failure set) giving the same
#: fields as the measure, or None to fall back to it.
REPLAYED: dict[str, Callable[[Replay, FailureSet], dict[str, Any] | None]] = {
    "max_rtt": lambda replay, failure: replayed_rtt(replay, failure, "max_ms"),
    "mean_rtt": lambda replay, failure: replayed_rtt(replay, failure, "mean_ms"),
    "min_cut": replayed_min_cut,
}


class _Base:
    """One grid point: its topology, built once, and what its failures share (the failure
    sets by name, a :class:`~infranet.algorithms.replay.Replay`)."""

    def __init__(self, study: Study, topology: Topology) -> None:
        self.study = study
        self.topology = topology
        self.failures: dict[str, FailureSet] | None = None
        self.replay: Replay | None = None

    def failure(self, name: str) -> FailureSet:
        from infranet.algorithms.failures import failure_set

        if self.failures is None:
            try:
                assert self.study.failures is not None
                self.failures = {f.name: f for f in self.study.failures.sets(self.topology)}
            except InfranetError:  # each scenario then says what is wrong with its failure
                self.failures = {}
        found = self.failures.get(name)
        return found if found is not None else failure_set(self.topology, name)

    def measured(self, name: str | None, study: Study) -> dict[str, Any]:
        """The measure fields of failure `name` (None: no failure) at this grid point."""
        fields: dict[str, Any] = {}
        if name is None:
            for measure in study.measures:
                fields.update(flatten(_checked(_function(measure)(self.topology, study),
                                               measure), measure))
            return fields
        failed = self.failure(name)
        rebuilt: Topology | None = None
        for measure in study.measures:
            value = None
            if measure in REPLAYED:
                if self.replay is None:
                    from infranet.algorithms.replay import Replay

                    self.replay = Replay(self.topology)
                value = REPLAYED[measure](self.replay, failed)
            if value is None:
                if rebuilt is None:
                    rebuilt = self.topology.without_links(*failed.links)
                    if failed.sites:
                        rebuilt = rebuilt.without_sites(*failed.sites)
                value = _function(measure)(rebuilt, study)
            fields.update(flatten(_checked(value, measure), measure))
        return fields


def _checked(value: Any, measure: str) -> Any:
    """`value` if a measure may give it (a mapping, a result with ``to_dict()``, a number, text
    or None), else a one-line error naming the measure."""
    if (value is None or isinstance(value, (Mapping, bool, int, float, str, np.generic))
            or callable(getattr(value, "to_dict", None))):
        return value
    raise ValidationError(f"measure {measure!r} returned {type(value).__name__}: expected a "
                          "mapping, a result with to_dict() or a number", field="measures")


#: The grid points last evaluated in this process (scenarios come grid point by grid point),
#: kept for an equal study too: one a scheduler sends again with each batch of scenarios.
_BASES: dict[tuple[str, str], _Base] = {}


def _base(study: Study, edits: Mapping[str, Any]) -> _Base:
    key = (study.name, json.dumps(sorted(edits.items()), default=str))
    found = _BASES.get(key)
    if found is None or not (found.study is study or found.study == study):
        topology = study.topology.with_changes(edits) if edits else study.topology
        found = _Base(study, topology)
        if len(_BASES) >= 4:
            _BASES.pop(next(iter(_BASES)))
        _BASES[key] = found
    return found


def _check_measure(measure: str, study: Study) -> None:
    if not isinstance(measure, str) or not measure.strip():
        raise ValidationError(f"expected a measure name or 'module:function', got {measure!r}",
                              field="measures")
    if _check_family(measure, study):
        return
    if measure in MEASURES:
        needs = MEASURES[measure][1]
        if needs and getattr(study, needs) is None:
            raise ValidationError(f"measure {measure!r} needs a {needs}: give the study a "
                                  f"'{needs}'", field="measures")
        return
    module, _, name = measure.partition(":")
    if not (module and name and all(part.isidentifier() for part in module.split("."))
            and name.isidentifier()):
        raise UnknownNameError(f"unknown measure {measure!r}"
                               f"{did_you_mean(measure, MEASURES)}; known: "
                               f"{', '.join(MEASURES)}, "
                               f"{', '.join(p + ':ALGORITHM' for p in FAMILIES)}, or "
                               "'module:function'", field="measures")


def _function(measure: str) -> Callable[[Topology, Study], Any]:
    if measure in MEASURES:
        return MEASURES[measure][0]
    prefix, _, argument = measure.partition(":")
    if prefix in FAMILIES:
        from functools import partial

        function, keyword, _ = FAMILIES[prefix]
        return partial(function, **{keyword: argument})
    module, _, name = measure.partition(":")
    try:
        function = getattr(import_module(module), name)
    except (ImportError, AttributeError) as err:
        raise UnknownNameError(f"cannot load measure {measure!r}: {err}",
                               field="measures") from None
    if not callable(function):
        raise ValidationError(f"measure {measure!r} is not a function", field="measures")
    return function


def flatten(value: Any, prefix: str) -> dict[str, Any]:
    """The scalar fields of a result (``to_dict()``), a mapping or a number, as columns
    ``PREFIX.FIELD`` (nested mappings joined by dots); lists and arrays are left out.

    Examples
    --------
    >>> flatten({"ms": 1.5, "pair": ["a", "b"], "binding": {"kind": "link"}}, "m")
    {'m.ms': 1.5, 'm.binding.kind': 'link'}
    >>> flatten(3, "m")
    {'m': 3}
    """
    if hasattr(value, "to_dict") and not isinstance(value, Mapping):
        value = value.to_dict()
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}"))
        return out
    if isinstance(value, (np.generic,)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return {prefix: value}
    return {}


# -------------------------------------------------------------------------------- scenarios

def study_key(study: Study) -> str:
    """A hash of what a study's scenarios are evaluated on (16 hex digits): the base topology,
    the job, the service, the demands and the measures (not the name, the grid or the failures:
    each scenario names its own). Part of every ``scenario_id``, so resuming from the results
    of an edited topology or other measures reruns every scenario rather than mixing rows.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> line = Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "ab"],
    ...                            "links": [{"a": "a", "b": "b", "length_km": 100}]})
    >>> study_key(Study(name="s", topology=line)) == study_key(Study(name="t", topology=line))
    True
    >>> study_key(Study(name="s", topology=line)) == study_key(
    ...     Study(name="s", topology=line, measures=("min_cut",)))
    False
    """
    demands = study.demands.to_dict() if study.demands is not None else None
    text = json.dumps({"topology": study.topology.to_dict(), "job": study.job,
                       "service": study.service, "demands": demands,
                       "measures": list(study.measures)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def scenarios(study: Study) -> list[Scenario]:
    """The study's scenarios, in a fixed order: grid points (first path slowest), each with
    every failure set in the enumerator's order.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> line = Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "ab"],
    ...                            "links": [{"a": "a", "b": "b"}]})
    >>> study = Study(name="s", topology=line, grid={"defaults.route_factor": [1.2, 1.5]})
    >>> [(s.changes, s.failure) for s in scenarios(study)]
    [((('defaults.route_factor', 1.2),), None), ((('defaults.route_factor', 1.5),), None)]
    """
    paths = [path for path, _ in study.grid]
    points = itertools.product(*(values for _, values in study.grid))
    key = study_key(study)
    names: list[str | None] = [None]
    if study.failures is not None:
        names = [f.name for f in study.failures.sets(study.topology)]
    out: list[Scenario] = []
    for point in points:
        changes = tuple(zip(paths, point, strict=True))
        start = len(out)
        out.extend([Scenario(start + i, changes, name, key) for i, name in enumerate(names)])
    return out


def _split(changes: Iterable[tuple[str, Any]]) -> tuple[dict[str, Any], dict[str, Any],
                                                        dict[str, Any]]:
    topology: dict[str, Any] = {}
    job: dict[str, Any] = {}
    service: dict[str, Any] = {}
    for path, value in changes:
        if path.startswith("job."):
            job[path[4:]] = value
        elif path.startswith("service."):
            service[path[8:]] = value
        else:
            topology[path] = value
    return topology, job, service


def _edited(spec: Mapping[str, Any] | None, changes: Mapping[str, Any],
            what: str) -> Mapping[str, Any] | None:
    if not changes:
        return spec
    if spec is None:
        raise ValidationError(f"grid edits {what}.* but the study has no {what}", field="grid")
    import copy

    from infranet.model.edits import apply_changes

    edited = copy.deepcopy(dict(spec))
    apply_changes(edited, changes)
    return edited


def _job(study: Study) -> Any:
    from infranet.workloads.job import job_from_mapping

    return job_from_mapping(study.job, file=study.job_file)


def _service(study: Study) -> Any:
    from infranet.workloads.service import service_from_mapping

    return service_from_mapping(study.service, file=study.service_file)


def evaluate(study: Study, scenario: Scenario) -> dict[str, Any]:
    """The row of one scenario: its id, parameters, failure, measure fields, error, wall_s.

    A scenario that fails records its error (one line) and no measure fields.
    """
    from dataclasses import replace

    started = time.perf_counter()
    row: dict[str, Any] = {"scenario_id": scenario.scenario_id, **scenario.parameters()}
    if study.failures is not None:
        row["failure"] = scenario.failure
    fields: dict[str, Any] = {}
    error = None
    try:
        edits, job, service = _split(scenario.changes)
        base = _base(study, edits)
        local = study
        if job or service:
            local = replace(study, job=_edited(study.job, job, "job"),
                            service=_edited(study.service, service, "service"))
        fields = base.measured(scenario.failure, local)
    except Exception as err:  # recorded in the row: the study goes on
        fields = {}
        text = str(err) if isinstance(err, InfranetError) else f"{type(err).__name__}: {err}"
        error = " ".join(str(text).split()) or type(err).__name__
    row.update(fields)
    row["error"] = error
    row["wall_s"] = time.perf_counter() - started
    return row


# ---------------------------------------------------------------------------------- running

_WORKER: dict[str, Study] = {}


def _start_worker(study: Study) -> None:
    from infranet.parallel import mark_worker

    mark_worker()
    _WORKER["study"] = study


def _evaluate_chunk(chunk: Sequence[Scenario]) -> list[tuple[int, dict[str, Any]]]:
    study = _WORKER["study"]
    return [(s.index, evaluate(study, s)) for s in chunk]


def evaluate_on_cluster(study: Study, client_pid: int, chunk: Sequence[Scenario]
                        ) -> list[tuple[int, dict[str, Any]]]:
    """``(index, row)`` of each scenario of `chunk`: the task a Dask worker runs (the worker
    is marked one, :func:`infranet.parallel.mark_worker`, unless it is a thread of the
    client's own process, `client_pid`)."""
    from infranet.cluster import in_client_process
    from infranet.parallel import mark_worker

    if not in_client_process(client_pid):
        mark_worker()
    return [(s.index, evaluate(study, s)) for s in chunk]


def _chunks(todo: Sequence[Scenario], lanes: int) -> list[Sequence[Scenario]]:
    """`todo` in about 8 chunks per lane (process or Dask thread), at most 256 scenarios each:
    enough chunks to keep every lane busy to the end, few enough that each pays its way."""
    size = max(1, min(256, math.ceil(len(todo) / (8 * lanes))))
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def _rows(study: Study, todo: Sequence[Scenario], n_workers: int, scheduler: Any = None
          ) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, row)`` of each scenario of `todo`, as they are done."""
    if scheduler is not None:
        from infranet.cluster import as_done, connect, cores

        with connect(scheduler) as client:
            if not todo:
                return
            for done in as_done(client, evaluate_on_cluster,
                                _chunks(todo, cores(client)), study, os.getpid()):
                yield from done
        return
    if n_workers <= 1 or len(todo) <= 1:
        for scenario in todo:
            yield scenario.index, evaluate(study, scenario)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context,
                             initializer=_start_worker, initargs=(study,)) as pool:
        futures = [pool.submit(_evaluate_chunk, chunk) for chunk in _chunks(todo, n_workers)]
        for future in as_completed(futures):
            yield from future.result()


def run(study: Study, *, workers: int | None = None, scheduler: str | Client | None = None,
        output: str | Path | None = None, resume: bool = False,
        on_row: Callable[[dict[str, Any]], None] | None = None,
        on_start: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Evaluate every scenario of `study`; return one row per scenario, in scenario order.

    Parameters
    ----------
    workers
        Local processes (:func:`infranet.parallel.workers`: this argument, else
        ``INFRANET_WORKERS``, else 1, serially in this process). The rows are the same
        whatever the count (``wall_s`` aside).
    scheduler
        The address of a Dask scheduler (``tcp://host:8786``) or a
        :class:`distributed.Client`: the scenarios run on that cluster, in chunks (the study
        travels to each worker once), and `workers` is not used. The rows are the same as
        serially (``wall_s`` aside). See :mod:`infranet.cluster`.
    output
        Where rows are written as they are done (:mod:`infranet.studies.results`): a folder of
        Parquet parts for a name ending ``.parquet``, else a CSV file (header once).
    resume
        Keep the rows `output` already holds and evaluate only the other scenarios.
    on_row
        Called with each new row as it is done (in the order done).
    on_start
        Called once, before the first scenario runs, with how many will run (all of them, or
        those `output` lacks when resuming).

    Raises
    ------
    ValidationError
        When resuming from a file that is not a results file of this study.
    UnreachableError
        When no Dask scheduler answers at `scheduler`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> line = Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "ab"],
    ...                            "links": [{"a": "a", "b": "b", "length_km": 100}]})
    >>> study = Study(name="s", topology=line, grid={"links[*].capacity": [100, 400]},
    ...               measures=("min_cut",))
    >>> run(study)["min_cut.gbps"].tolist()
    [100.0, 400.0]
    """
    import pandas as pd

    from infranet.parallel import workers as how_many
    from infranet.studies.results import writer

    n_workers = 1 if scheduler is not None else how_many(workers)
    everything = scenarios(study)
    kept: pd.DataFrame | None = None
    sink = None
    started = False  # the output is started (emptied) at the first row, never before: a
    # scheduler that does not answer, an interruption before any row, leave it as it was
    if output is not None:
        sink = writer(output)
        if resume:
            kept = sink.resume({s.scenario_id for s in everything})
            started = True
    done = set() if kept is None else set(kept["scenario_id"])
    todo = [s for s in everything if s.scenario_id not in done]
    if on_start is not None:
        on_start(len(todo))
    new: dict[int, dict[str, Any]] = {}
    try:
        for index, row in _rows(study, todo, n_workers, scheduler):
            new[index] = row
            if sink is not None:
                if not started:
                    sink.start()
                    started = True
                sink.write(row, index=index)
            if on_row is not None:
                on_row(row)
    finally:
        if sink is not None and started:
            sink.close()  # the rows done so far, even when interrupted
    if sink is not None and not started:  # nothing to run: an empty results file
        sink.start()
        sink.close()
    if kept is not None and len(kept):
        order = {s.scenario_id: s.index for s in everything}
        for record in kept.to_dict("records"):
            new[order[record["scenario_id"]]] = {
                k: None if _missing(v) else v
                for k, v in record.items() if k in ("scenario_id", "error", "wall_s")
                or not _missing(v)}
    frame = pd.DataFrame([new[s.index] for s in everything if s.index in new])
    if frame.empty:
        return pd.DataFrame(columns=["scenario_id", *(p for p, _ in study.grid), "error",
                                     "wall_s"])
    tail = [c for c in ("error", "wall_s") if c in frame.columns]
    return frame[[c for c in frame.columns if c not in tail] + tail]


def _missing(value: Any) -> bool:
    """An empty cell of a results file read back: NaN (CSV, a number column) or None
    (Parquet, a column some part lacks)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def read_results(path: str | Path) -> pd.DataFrame:
    """Read a study's results (a folder of Parquet parts, a Parquet file or a CSV file) as a
    DataFrame: see :func:`infranet.studies.results.read_results`."""
    from infranet.studies.results import read_results as read

    return read(path)


# ----------------------------------------------------------------------------- STUDY.yaml

def read_study(path: str | Path) -> Study:
    """Read a STUDY.yaml file (docs/studies.md): paths in it are relative to the file.

    Raises
    ------
    InfranetError
        A one-line error naming the file, the key and what is wrong.
    """
    from infranet.io.files import read_text
    from infranet.io.native import load_yaml

    name = str(path)
    raw = load_yaml(read_text(path), file=name, expected="a study mapping")
    return study_from_mapping(raw, file=name, base=Path(path).parent)


def _fail(message: str, file: str | None, key: str) -> ValidationError:
    return ValidationError(message, file=file, element="study", field=key)


def _spec(raw: Any, key: str, file: str | None, base: Path) -> tuple[dict[str, Any], str | None]:
    """A job or service spec given as a path (relative to the study) or inline."""
    from infranet.io.files import read_text
    from infranet.io.native import load_yaml

    if isinstance(raw, str):
        where = Path(raw) if Path(raw).is_absolute() else base / raw
        spec = load_yaml(read_text(where), file=str(where), expected=f"a {key}'s fields")
        if not isinstance(spec, dict):
            raise ValidationError(f"expected a mapping of the {key}'s fields",
                                  file=str(where))
        return spec, str(where)
    if isinstance(raw, dict):
        return raw, file
    raise _fail(f"expected a file name or a mapping of the {key}'s fields, got "
                f"{type(raw).__name__}", file, key)


def study_from_mapping(raw: Any, *, file: str | None = None, base: str | Path = ".") -> Study:
    """A :class:`Study` from a parsed STUDY.yaml (paths relative to `base`).

    Examples
    --------
    >>> study_from_mapping({"name": "s", "topology": "topologies/texas-ring.yaml",
    ...                     "measures": ["max_rtt", "min_kut"]}, file="s.yaml")
    Traceback (most recent call last):
    ...
    infranet.errors.UnknownNameError: s.yaml: study: measures: unknown measure 'min_kut' (did you mean 'min_cut'?); known: max_rtt, mean_rtt, min_cut, training:step_s, inference:accelerators, mlu:ALGORITHM, or 'module:function'
    """  # noqa: E501
    from infranet.io import read
    from infranet.workloads.job import job_from_mapping
    from infranet.workloads.service import service_from_mapping

    base = Path(base)
    if not isinstance(raw, dict):
        raise ValidationError(f"expected a mapping with keys {', '.join(KEYS)}, got "
                              f"{type(raw).__name__}", file=file, element="study")
    for key in raw:
        if key not in KEYS:
            raise _fail(f"unknown key{did_you_mean(str(key), KEYS)}; allowed: "
                        f"{', '.join(KEYS)}", file, str(key))
    name = raw.get("name", Path(file).stem if file else "study")
    if not isinstance(name, str) or not name.strip():
        raise _fail(f"expected a non-empty text, got {name!r}", file, "name")
    where = raw.get("topology")
    if not isinstance(where, str) or not where.strip():
        raise _fail(f"expected the path of a topology file, got {where!r}", file, "topology")
    if not where.startswith("topohub:"):
        given = where
        if not Path(where).is_absolute():
            where = str(base / where)
        if not Path(where).exists():
            raise _fail(f"no topology file {where}"
                        + (f" ({given!r} is read relative to the study file)"
                           if given != where else ""), file, "topology")
    try:
        topology = read(where)
    except UnknownNameError as err:  # a topohub key it does not have
        if not where.startswith("topohub:"):
            raise
        raise _fail(err.detail, file, "topology") from None
    job = service = job_file = service_file = None
    if raw.get("job") is not None:
        job, job_file = _spec(raw["job"], "job", file, base)
        job_from_mapping(job, file=job_file)
    if raw.get("service") is not None:
        service, service_file = _spec(raw["service"], "service", file, base)
        service_from_mapping(service, file=service_file)
    grid = _grid(raw.get("grid"), file)
    failures = _failures(raw.get("failures"), file)
    demands = _demands(raw.get("demands"), topology, file, base)
    measures = raw.get("measures", ["max_rtt"])
    if isinstance(measures, str):
        measures = [measures]
    if not isinstance(measures, list) or not measures:
        raise _fail(f"expected a list of measure names, got {measures!r}", file, "measures")
    try:
        study = Study(name=name, topology=topology, grid=grid, failures=failures,
                      measures=tuple(measures), job=job, service=service, job_file=job_file,
                      service_file=service_file, demands=demands)
        for measure in study.measures:
            _function(measure)
        for path, values in study.grid:  # a path that names nothing fails here, not per row
            edits, job_edit, service_edit = _split([(path, values[0])])
            if edits:
                try:
                    topology.with_changes(edits)
                except InfranetError as err:  # the study's edit, not the topology file
                    where = f"{err.element}: " if err.element else ""
                    where += f"{err.field}: " if err.field else ""
                    detail = re.sub(r" \(and \d+ more problems?;.*\)$", "", err.detail)
                    raise type(err)(f"{values[0]!r}: {where}{detail}", file=file,
                                    element="study", field=f"grid.{path}") from None
            _edited(job, job_edit, "job")
            _edited(service, service_edit, "service")
    except InfranetError as err:
        if err.file is None and err.element is None:
            raise type(err)(err.detail, file=file, element="study", field=err.field) from None
        raise
    return study


def _grid(raw: Any, file: str | None) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    from infranet.model.edits import parse_path

    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _fail(f"expected a mapping of paths to lists of values, got "
                    f"{type(raw).__name__}", file, "grid")
    out = []
    for path, values in raw.items():
        if not isinstance(path, str):
            raise _fail(f"expected a path such as 'links[NAME].capacity', got {path!r}", file,
                        "grid")
        try:
            parse_path(path)
        except InfranetError as err:
            raise _fail(err.detail, file, f"grid.{path}") from None
        if not isinstance(values, list) or not values:
            raise _fail(f"expected a non-empty list of values, got {values!r}", file,
                        f"grid.{path}")
        seen: set[str] = set()
        for value in values:
            text = json.dumps(value, sort_keys=True, default=str)
            if text in seen:
                raise _fail(f"{value!r} is listed twice: each grid value gives its own "
                            "scenarios", file, f"grid.{path}")
            seen.add(text)
        out.append((path, tuple(values)))
    return tuple(out)


def _known_keys(raw: Mapping[str, Any], allowed: Sequence[str], file: str | None,
                where: str) -> None:
    """Refuse a key of the mapping at `where` that is not `allowed` (with the closest one)."""
    for key in raw:
        if key not in allowed:
            raise _fail(f"unknown key{did_you_mean(str(key), allowed)}; allowed: "
                        f"{', '.join(allowed)}", file, f"{where}.{key}")


def _failures(raw: Any, file: str | None) -> Failures | None:
    if raw is None or raw is False:
        return None
    if raw is True:
        return Failures()
    if not isinstance(raw, dict):
        raise _fail(f"expected true or a mapping with keys {', '.join(FAILURE_KEYS)}, got "
                    f"{type(raw).__name__}", file, "failures")
    _known_keys(raw, FAILURE_KEYS, file, "failures")
    flags = {}
    for key in ("links", "srlgs", "sites"):
        value = raw.get(key, key == "links")
        if not isinstance(value, bool):
            raise _fail(f"expected true or false, got {value!r}", file, f"failures.{key}")
        flags[key] = value
    if not any(flags.values()):
        raise _fail("nothing to fail: set links, srlgs or sites to true", file, "failures")
    order = raw.get("order", 1)
    orders = order if isinstance(order, list) else [order]
    if not orders or any(o not in (1, 2) or isinstance(o, bool) for o in orders) \
            or len(set(orders)) < len(orders):
        raise _fail(f"expected 1, 2 or [1, 2], got {order!r}", file, "failures.order")
    numbers: dict[str, int | None] = {}
    for key, low, default in (("random", 1, None), ("seed", 0, None)):
        value = raw.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < low):
            raise _fail(f"expected a whole number >= {low}, got {value!r}", file,
                        f"failures.{key}")
        numbers[key] = value
    if numbers["seed"] is not None and numbers["random"] is None:
        raise _fail("a seed draws random failures: give 'random: K' too", file,
                    "failures.seed")
    return Failures(links=flags["links"], srlgs=flags["srlgs"], sites=flags["sites"],
                    order=orders[0] if len(orders) == 1 else tuple(orders),
                    random=numbers["random"],
                    seed=numbers["seed"])


def _demands(raw: Any, topology: Topology, file: str | None,
             base: Path) -> TrafficMatrix | None:
    """The study's demands: a traffic matrix file (relative to the study), or a mapping with a
    generator or a file (:data:`infranet.studies.spec.DEMANDS`), made on the base topology."""
    from infranet import traffic, units

    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {"file": raw}
    if not isinstance(raw, dict):
        raise _fail(f"expected a traffic matrix file or a mapping with keys "
                    f"{', '.join(DEMAND_KEYS)}, got {type(raw).__name__}", file, "demands")
    _known_keys(raw, DEMAND_KEYS, file, "demands")
    generator, path = raw.get("generator"), raw.get("file")
    if (generator is None) == (path is None):
        raise _fail("give either 'generator' (gravity or uniform, with total_gbps) or 'file'",
                    file, "demands")
    allowed = (("file", "line", "unit") if path is not None else
               ("generator", "total_gbps", *DEMAND_GENERATORS.get(str(generator), ())))
    for key in raw:
        if key not in allowed:
            what = f"a {generator} generator" if path is None else "a file"
            raise _fail(f"{what} takes no '{key}'; it takes {', '.join(allowed)}", file,
                        f"demands.{key}")
    if path is not None:
        if not isinstance(path, str) or not path.strip():
            raise _fail(f"expected the path of a CSV or .hist file, got {path!r}", file,
                        "demands.file")
        where = path if Path(path).is_absolute() else str(base / path)
        suffix = Path(where).suffix.lower()
        line = raw.get("line", 0)
        if isinstance(line, bool) or not isinstance(line, int) or line < 0:
            raise _fail(f"expected a whole number >= 0, got {line!r}", file, "demands.line")
        if suffix == ".hist":
            read = traffic.read_hist(where, topology, line=line,
                                     unit=str(raw.get("unit", "bit/s")))
            tm = read if isinstance(read, traffic.TrafficMatrix) else read[0]
        elif suffix == ".csv":
            if "line" in raw or "unit" in raw:
                raise _fail("line and unit go with a .hist file (a CSV value carries its own "
                            "unit)", file, "demands")
            tm = traffic.read_csv(where, topology)
        else:
            raise _fail(f"demands are read from .csv (header src,dst,gbps) or FIGRET .hist "
                        f"files, got {path!r}", file, "demands.file")
    else:
        if generator not in DEMAND_GENERATORS:
            raise _fail(f"unknown generator {generator!r}"
                        f"{did_you_mean(str(generator), DEMAND_GENERATORS)}; known: "
                        f"{', '.join(DEMAND_GENERATORS)}", file, "demands.generator")
        if "total_gbps" not in raw:
            raise _fail("a generator needs total_gbps (e.g. 20 Tb/s)", file,
                        "demands.total_gbps")
        try:
            total = units.parse(raw["total_gbps"], "bandwidth")
        except InfranetError as err:
            raise _fail(err.detail, file, "demands.total_gbps") from None
        if not total > 0:
            raise _fail(f"expected a positive bandwidth, got {raw['total_gbps']!r}", file,
                        "demands.total_gbps")
        options: dict[str, Any] = {}
        for key in ("seed",):
            value = raw.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _fail(f"expected a whole number >= 0, got {value!r}", file,
                            f"demands.{key}")
            options[key] = value
        if generator == "gravity":
            noise = raw.get("noise", 0.0)
            if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
                raise _fail(f"expected a number >= 0, got {noise!r}", file, "demands.noise")
            try:
                tm = traffic.gravity(topology, total_gbps=total, by=str(raw.get("by",
                                                                                "capacity")),
                                     noise=float(noise), **options)
            except InfranetError as err:
                raise _fail(err.detail, file, "demands.by") from None
        else:
            tm = traffic.uniform(topology, total, **options)
    if not tm.n_demands:
        raise _fail("every demand is 0: there is nothing to route", file, "demands")
    return tm
