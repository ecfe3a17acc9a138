"""Side-by-side comparison of topologies: size, fiber, latency, cut capacity and the worst
single failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from infranet.errors import InfranetError
from infranet.model import Topology
from infranet.results import Binding, FrozenDict, freeze, plain

if TYPE_CHECKING:
    from infranet.traffic import Flows, TrafficMatrix
    from infranet.workloads.job import TrainingJob
    from infranet.workloads.service import InferenceService

__all__ = ["Summary", "TrainingFigures", "compare", "datacenter_rtts", "summarise",
           "training_figures"]


@dataclass(frozen=True)
class Summary:
    """What `infranet compare` shows for one topology.

    RTT figures are over pairs of datacenters (every site when fewer than two are datacenters);
    ``min_cut_gbps`` is the smallest maximum flow between two of them; ``worst_cut`` the single
    link or shared-risk group whose failure hurts most. ``survives_any_single_cut`` is False
    when some of them are already disconnected (``connected`` False), whatever fails.
    ``binding`` is what limits the design: the worst cut, else the minimum cut.
    """

    name: str
    file: str | None
    sites: int
    datacenters: int
    links: int
    fiber_km: float
    capacity_tbps: float
    max_rtt_ms: float | None
    mean_rtt_ms: float | None
    max_rtt_pair: tuple[str, ...]
    min_cut_gbps: float | None
    min_cut_pair: tuple[str, ...]
    worst_cut: FrozenDict | None
    survives_any_single_cut: bool
    notes: tuple[str, ...] = field(default=())
    mlu: float | None = None
    mlu_algorithm: str | None = None
    connected: bool = True
    training_step_s: float | None = None
    training_dci_gbps: float | None = None
    inference_accelerators: int | None = None
    inference_wan_gbps: float | None = None

    @property
    def binding(self) -> Binding:
        if not self.connected:
            return Binding("cut", None, "some datacenters are already disconnected")
        if self.worst_cut is not None:
            kind = {"link": "link", "site": "site"}.get(self.worst_cut.get("kind", ""), "cut")
            return Binding(kind, self.worst_cut["name"], self.worst_cut["summary"])
        if self.min_cut_gbps is not None and self.min_cut_pair:
            return Binding("cut", None, f"the minimum cut between {self.min_cut_pair[0]} and "
                           f"{self.min_cut_pair[1]} carries {self.min_cut_gbps:.6g} Gb/s")
        return Binding.nothing("nothing to compare")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "file": self.file, "sites": self.sites,
            "datacenters": self.datacenters, "links": self.links, "fiber_km": self.fiber_km,
            "capacity_tbps": self.capacity_tbps, "max_rtt_ms": self.max_rtt_ms,
            "mean_rtt_ms": self.mean_rtt_ms, "max_rtt_pair": list(self.max_rtt_pair),
            "min_cut_gbps": self.min_cut_gbps, "min_cut_pair": list(self.min_cut_pair),
            "worst_cut": plain(self.worst_cut),
            "survives_any_single_cut": self.survives_any_single_cut,
            "connected": self.connected,
            "mlu": self.mlu, "mlu_algorithm": self.mlu_algorithm,
            "training_step_s": self.training_step_s,
            "training_dci_gbps": self.training_dci_gbps,
            "inference_accelerators": self.inference_accelerators,
            "inference_wan_gbps": self.inference_wan_gbps,
            "binding": self.binding.to_dict(),
            "notes": list(self.notes),
        }


def summarise(topology: Topology, *, demands: TrafficMatrix | Flows | None = None,
              algorithm: str = "mcf", job: TrainingJob | None = None,
              service: InferenceService | None = None) -> Summary:
    """Return the comparison figures of one topology (see :class:`Summary`).

    With `demands` (a :class:`~infranet.traffic.TrafficMatrix` over the topology's sites), also
    the maximum link utilisation of routing them with `algorithm` (``mcf``: the optimum). With
    `job` (a :class:`~infranet.workloads.job.TrainingJob`), also its step time on this topology
    and the DCI bandwidth it needs for its target efficiency (:func:`training_figures`). With
    `service` (an :class:`~infranet.workloads.service.InferenceService`), also the accelerators
    its placement needs and the WAN bandwidth its sites need in all
    (:func:`infranet.planning.serving.place_inference`).
    """
    from infranet.algorithms.flow import min_cut_between
    from infranet.algorithms.latency import latency_matrix
    from infranet.algorithms.resilience import single_failures, watched_sites

    notes: list[str] = []
    watched = watched_sites(topology)
    if len(topology.datacenters) < 2:
        notes.append("fewer than two datacenters: figures are over all sites")
    links = topology.links
    fiber = links[links["kind"] == "fiber"]
    fiber_km = float(np.nansum(fiber["length_km"]))
    # in Tb/s term by term, so that capacities near the largest float do not overflow the sum
    capacity_tbps = float(np.nansum(fiber["capacity_gbps"].to_numpy(dtype=float) / 1000.0))

    matrix = latency_matrix(topology, nodes=watched).to_numpy()
    upper = matrix[np.triu_indices(len(watched), k=1)]
    connected = bool(np.isfinite(upper).all())
    max_rtt: float | None
    mean_rtt: float | None
    max_pair: tuple[str, ...]
    if upper.size and connected:
        i, j = np.unravel_index(np.argmax(np.where(np.isfinite(matrix), matrix, -1)),
                                matrix.shape)
        max_rtt, mean_rtt = 2.0 * float(upper.max()), 2.0 * float(upper.mean())
        max_pair = (watched[min(i, j)], watched[max(i, j)])
    else:
        max_rtt = mean_rtt = None
        max_pair = ()
        if upper.size:
            notes.append("some sites are not connected: RTT is infinite, and no cut is "
                         "survived (already disconnected)")

    try:
        cut = min_cut_between(topology, watched)
        min_cut = cut.value_gbps if cut else None
        cut_pair = (cut.source, cut.target) if cut else ()
    except InfranetError as err:
        min_cut, cut_pair = None, ()
        notes.append(f"no min cut: {err.detail}")

    failures = single_failures(topology, among=watched)
    worst = failures[0] if failures and failures[0].effect != "none" else None
    survives = connected and not any(f.effect == "disconnection" for f in failures)
    worst_dict = None
    if worst is not None:
        worst_dict = freeze({**worst.to_dict(), "summary": worst.describe()})
    mlu = None
    if demands is not None:
        from infranet.routing import evaluate, route

        routing = route(topology, demands, algorithm=algorithm)
        mlu = evaluate(routing, topology, demands, paths=False)["mlu"]
    step_s = dci_gbps = None
    if job is not None:
        try:
            step_s, dci_gbps, why, _ = training_figures(topology, job)
            notes.extend(why)
        except InfranetError as err:  # this design cannot run it: say why in its column
            notes.append(f"training: {err.detail}")
    served = wan = None
    if service is not None:
        from infranet.planning.serving import place_inference

        try:
            plan = place_inference(topology, service)
            served = plan.total_accelerators
            wan = float(sum(plan.wan_gbps.values()))
            notes.extend(plan.notes)
        except InfranetError as err:
            notes.append(f"inference: {err.detail}")
    return Summary(
        training_step_s=step_s, training_dci_gbps=dci_gbps,
        inference_accelerators=served, inference_wan_gbps=wan,
        mlu=mlu, mlu_algorithm=algorithm if demands is not None else None,
        name=topology.name, file=topology.file, sites=topology.n_sites,
        datacenters=len(topology.datacenters), links=topology.n_links, fiber_km=fiber_km,
        capacity_tbps=capacity_tbps, max_rtt_ms=max_rtt, mean_rtt_ms=mean_rtt,
        max_rtt_pair=max_pair, min_cut_gbps=min_cut, min_cut_pair=cut_pair,
        worst_cut=worst_dict, survives_any_single_cut=survives, notes=tuple(notes),
        connected=connected,
    )


def datacenter_rtts(topology: Topology) -> np.ndarray:
    """The round-trip time (ms) between each two datacenters (every site when fewer than two
    are datacenters), one entry per pair; ``inf`` for a pair no path joins.

    Examples
    --------
    >>> line = Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "abc"],
    ...     "links": [{"a": "a", "b": "b", "length_km": 100}]})
    >>> datacenter_rtts(line).round(3).tolist()
    [1.1, inf, inf]
    """
    from infranet.algorithms.latency import latency_matrix
    from infranet.algorithms.resilience import watched_sites

    watched = watched_sites(topology)
    matrix = latency_matrix(topology, nodes=watched).to_numpy()
    return 2.0 * matrix[np.triu_indices(len(watched), k=1)]


class TrainingFigures(NamedTuple):
    """A training job's figures on one topology (:func:`training_figures`)."""

    step_s: float
    dci_gbps: float | None
    notes: list[str]
    efficiency: float | None = None


def training_figures(topology: Topology, job: TrainingJob) -> TrainingFigures:
    """A training job's step time on `topology` (s), the DCI bandwidth (Gb/s) it needs to
    reach its ``target_efficiency`` (None on one site, where it needs none), notes, and its
    efficiency (step time with an unlimited DCI at zero distance ÷ step time; None when the
    job is placed or searches).

    The job is sized as ``infranet size training`` sizes it, solving for the DCI bandwidth
    whatever its ``solve`` says; a job that searches its parallelism gives the best mapping's
    step and no DCI figure (each mapping would need its own).
    """
    from dataclasses import replace

    from infranet.workloads.sizing import size_training

    if not job.sites:  # no sites given: where it runs best on this topology
        from infranet.planning.placement import place_training

        placed = place_training(topology, job)
        return TrainingFigures(float(placed.step_s), None, [
            f"training: placed on {', '.join(placed.to_dict()['sites'])} (the job names no "
            "sites); training_dci_gbps is solved only for a job that names its sites"])
    if job.search:
        found = size_training(topology, job)
        return TrainingFigures(float(found.to_dict()["step_s"]), None, [
            "training_dci_gbps: not solved for a job that searches its parallelism"])
    solving = replace(job, solve="dci-bandwidth") if len(job.sites) > 1 else job
    result = size_training(topology, solving)
    needed = getattr(result, "dci_gbps_needed", None)
    notes = list(getattr(result, "notes", ()))
    efficiency = getattr(result, "efficiency", None)
    return TrainingFigures(float(result.step_s), None if needed is None else float(needed),
                           notes, None if efficiency is None else float(efficiency))


def compare(topologies: Sequence[Topology], *, demands: TrafficMatrix | Flows | None = None,
            algorithm: str = "mcf", job: TrainingJob | None = None,
            service: InferenceService | None = None) -> list[Summary]:
    """Return one :class:`Summary` per topology, in order (with the MLU of `demands` routed
    by `algorithm`, the step and DCI need of a training `job`, and the accelerators and WAN
    bandwidth of an inference `service`, when given).

    Examples
    --------
    >>> ring = Topology.from_dict({"name": "ring", "defaults": {"capacity": 400},
    ...     "sites": [{"name": n, "kind": "datacenter"} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "length_km": 100},
    ...               {"a": "y", "b": "z", "length_km": 100},
    ...               {"a": "z", "b": "x", "length_km": 100}]})
    >>> [(s.name, s.min_cut_gbps, s.survives_any_single_cut) for s in compare([ring])]
    [('ring', 800.0, True)]
    """
    return [summarise(t, demands=demands, algorithm=algorithm, job=job, service=service)
            for t in topologies]


