"""Where an inference service's replicas go on a topology: the sites that host them, how many
accelerators each, which regions each serves, and each region's time to first token part by
part.

:func:`place_inference` joins three parts:

- **the users**: the service's demand per region (its ``regions``, or its total spread by
  population or equally over the topology's ``region`` sites, or over points read from a CSV
  or GeoJSON file, :mod:`infranet.io.regions`);
- **the network**: the RTT from each region to each candidate datacenter along the topology's
  fiber where a path joins them, estimated from the two locations otherwise
  (:func:`infranet.algorithms.rtt.rtt_matrix`; each region's ``basis`` says which), times the
  round trips a request's first token costs (1 warm, 3 cold);
- **the replicas**: what one replica of the service sustains within its TTFT and TPOT SLOs on
  each site's accelerator (:func:`infranet.workloads.inference.replica_model`): the p99 wait
  in its prefill queue and the p99 prefill add to the network's share.

A replica's load and its queueing are two sides of one choice: the more requests/s it
carries, the longer a request waits, the less RTT is left within the TTFT SLO. Each site runs
its replicas at one **operating point**: the load that keeps the TTFT of its farthest *natural*
region within the SLO, a region being natural to the `m` sites nearest to it that can serve it
at all (one rule for every site, solved for a few `m` and the best kept); a region no site has
as natural widens its nearest feasible site's point. Other regions may still be served from a
site when they fit within its operating point. The facility-location MILP
(:func:`infranet.planning.replicas.place_replicas`) then chooses replicas per site and each
region's site (and backup, with ``survive_site_loss``) at the fewest accelerators or the lowest
cost, within each site's available accelerators and power (:mod:`infranet.planning.capacity`).

Prefill and decode run on the same replicas unless the service says ``disaggregate``: then
the prefill replicas are placed first (the prompt's KV cache leaving at the replica's NIC rate
counted in TTFT), and a second facility-location solve places the decode replicas for the
prefill sites' load, the KV cache's hop between them counted in TTFT and its bytes in both
sites' WAN bandwidth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet import physics
from infranet.errors import (
    InfeasibleError,
    InfranetError,
    UnknownNameError,
    ValidationError,
    did_you_mean,
)
from infranet.results import Binding, FrozenDict, FrozenState, Stopwatch, freeze, plain

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.model.regions import Regions
    from infranet.planning.capacity import ClusterRoom
    from infranet.planning.replicas import ReplicaPlacement
    from infranet.workloads.service import InferenceService

__all__ = ["InferencePlacement", "place_inference", "service_demand", "site_summary"]


def service_demand(service: InferenceService, topology: Topology,
                   regions: Regions | None = None) -> tuple[Regions | None, dict[str, float]]:
    """Requests/s per user region, and the points they come from.

    Without `regions`, the topology's ``region`` sites
    (:func:`infranet.workloads.service.region_demand`; points None). With `regions` (points),
    the service's ``regions`` name some of them, or its total is spread over them by their
    weight (``by: population``) or equally.

    Raises
    ------
    UnknownNameError
        For a region of the service that the points do not have.
    """
    from infranet.workloads.service import region_demand

    if regions is None:
        return None, region_demand(service, topology)
    if service.total_requests_per_s is None:
        rates = dict(service.regions)
        for name in rates:
            if name not in regions.names:
                raise UnknownNameError(
                    f"unknown region {name!r}{did_you_mean(name, regions.names)}; the "
                    f"regions of {regions.file or 'the points'}: {', '.join(regions.names)}",
                    file=service.file, element="service", field="regions")
        return regions, rates
    total = float(service.total_requests_per_s)
    if service.by == "population" and float(regions.weight.sum()) <= 0:
        raise ValidationError("every region weighs 0: nothing to spread the demand by; give "
                              "weights or use by: equal in the service", file=regions.file,
                              element="regions", field="weight")
    share = (np.full(len(regions), 1.0 / len(regions)) if service.by == "equal"
             else regions.share)
    return regions, {n: total * float(s) for n, s in zip(regions.names, share, strict=True)}


@dataclass(frozen=True, eq=False)
class InferencePlacement(FrozenState):
    """Where a service's replicas go (result protocol), from :func:`place_inference`.

    Attributes
    ----------
    service, model : str
    sites : FrozenDict
        Site → accelerators, for the sites that host replicas.
    regions : FrozenDict
        Region → ``site``, ``backup`` (N+1, else None), ``demand_rps``, ``rtt_ms``, ``basis``
        (``fiber`` or ``estimate``: how the RTT was obtained), ``network_ms`` (k × RTT),
        ``queue_ms``, ``prefill_ms``, ``kv_transfer_ms``, ``ttft_ms`` (their sum, p99),
        ``tpot_ms`` (p99), ``ttft_slo_ms``, ``slack_ms``, ``backup_rtt_ms``,
        ``backup_ttft_ms``.
    operating : FrozenDict
        Candidate site → ``accelerator``, ``tensor_parallel``, ``requests_per_replica``,
        ``operating_rtt_ms`` (the RTT its load is set for), ``queue_ms``, ``prefill_ms``,
        ``tpot_ms``, ``available``, ``max_replicas`` (accelerators and power).
    total_accelerators : int
    cost_per_hour : float or None
    wan_gbps : FrozenDict
        Site → WAN bandwidth it needs, Gb/s per direction (requests, responses and, when
        disaggregated, KV caches; under N+1 with the worst single loss); ``wan`` the parts.
    binding : Binding
        What limits the placement (a site's room or power, the N+1 reserve, a region's SLO).
    placement : ReplicaPlacement
        The MILP's own result (of the prefill replicas, when disaggregated).
    decode : ReplicaPlacement or None
        With ``disaggregate``, the second MILP's: the decode replicas, whose "regions" are the
        prefill sites.
    """

    service: str
    model: str
    sites: FrozenDict
    regions: FrozenDict
    operating: FrozenDict
    total_accelerators: int
    cost_per_hour: float | None
    wan_gbps: FrozenDict
    wan: FrozenDict
    survive_site_loss: bool
    objective: str
    binding: Binding
    placement: ReplicaPlacement
    decode: ReplicaPlacement | None = None
    notes: tuple[str, ...] = ()
    solve_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Headline figures, then ``sites``, ``regions``, ``wan_gbps``, ``operating``."""
        p = self.placement
        return {"service": self.service, "model": self.model,
                "total_accelerators": self.total_accelerators,
                "cost_per_hour": self.cost_per_hour,
                "total_wan_gbps": float(sum(self.wan_gbps.values())),
                "survive_site_loss": self.survive_site_loss, "objective": self.objective,
                "status": p.status, "gap": p.gap, "solve_s": self.solve_s,
                "binding": self.binding.to_dict(),
                "sites": plain(self.sites), "regions": plain(self.regions),
                "wan_gbps": plain(self.wan_gbps), "wan": plain(self.wan),
                "reserve": plain(p.reserve), "replicas": plain(p.replicas),
                "operating": plain(self.operating),
                "prefill_sites": plain(p.sites) if self.decode is not None else None,
                "decode_sites": (plain(self.decode.sites) if self.decode is not None
                                 else None),
                "notes": list(self.notes)}


def _candidates(topology: Topology, service: InferenceService,
                accelerator: str | None) -> tuple[list[str], list[list[ClusterRoom]]]:
    """Datacenters that can host replicas, with the clusters of the type each serves on."""
    from infranet.planning.capacity import cluster_rooms

    rooms = [r for r in cluster_rooms(topology) if r.available > 0]
    wanted = accelerator or service.accelerator
    if wanted is not None:
        known = sorted({r.accelerator for r in cluster_rooms(topology)})
        if wanted not in known:
            raise InfeasibleError(
                f"no cluster of {topology.name} holds {wanted}"
                f"{did_you_mean(wanted, known)}; its clusters hold "
                f"{', '.join(known) or 'no accelerators'}",
                file=service.file, element="service", field="accelerator")
        rooms = [r for r in rooms if r.accelerator == wanted]
    if not rooms:
        raise InfeasibleError(f"{topology.name} has no datacenter with accelerators available "
                              "to serve on", file=topology.file, field="available")
    by_site: dict[str, list[ClusterRoom]] = {}
    for r in rooms:
        by_site.setdefault(r.site, []).append(r)
    names, groups = [], []
    for site, clusters in by_site.items():
        # one accelerator type per site: the one with the most available accelerators
        totals: dict[str, int] = {}
        for c in clusters:
            totals[c.accelerator] = totals.get(c.accelerator, 0) + c.available
        kind = max(totals, key=lambda k: (totals[k], k))
        names.append(site)
        groups.append([c for c in clusters if c.accelerator == kind])
    return names, groups


def _operating_rtt(rtt: np.ndarray, feasible: np.ndarray, nearest: int) -> np.ndarray:
    """Each site's operating RTT, ms: the largest RTT of the regions that have it among the
    `nearest` sites able to serve them; a region that no site has so widens its nearest."""
    R, S = rtt.shape
    tau = np.full(S, -np.inf)
    ranked = np.where(feasible, rtt, np.inf)
    order = np.argsort(ranked, axis=1, kind="stable")
    for r in range(R):
        for s in order[r, :nearest]:
            if feasible[r, s]:
                tau[s] = max(tau[s], rtt[r, s])
    for r in range(R):
        ok = np.flatnonzero(feasible[r])
        if ok.size and not (rtt[r, ok] <= tau[ok]).any():
            s = ok[np.argmin(rtt[r, ok])]
            tau[s] = rtt[r, s]
    return tau


def place_inference(topology: Topology, service: InferenceService, *,
                    regions: Regions | None = None, survive_site_loss: bool | None = None,
                    objective: str = "accelerators", accelerator: str | None = None,
                    time_limit_s: float | None = None) -> InferencePlacement:
    """Place `service`'s replicas on `topology`'s datacenters (see the module's documentation).

    Parameters
    ----------
    topology
        Candidate sites are its datacenters with accelerators available.
    service
        The service (:func:`infranet.workloads.service.read_service`).
    regions
        User regions as points (:func:`infranet.io.regions.read_regions`); default: the
        topology's ``region`` sites.
    survive_site_loss
        N+1 (default: the service's own ``survive_site_loss``).
    objective
        ``accelerators`` or ``cost`` (per hour, every candidate's clusters priced).
    accelerator
        Serve only on this accelerator type (default: the service's, else each site's most
        plentiful).
    time_limit_s
        A limit on the MILP's solve time.

    Raises
    ------
    InfeasibleError
        When a region can be served by no site within its TTFT SLO (naming the region and the
        nearest site's TTFT), when the demand exceeds what the sites can hold, or N+1 cannot
        hold (a region with a single site in reach).

    Examples
    --------
    >>> from infranet.io import read
    >>> from infranet.workloads.service import service_from_mapping
    >>> svc = service_from_mapping({"model": "llama3-8b", "demand": {
    ...     "total_requests_per_s": 200, "by": "population"}})
    >>> plan = place_inference(read("topologies/us-backbone.yaml"), svc)
    >>> plan.total_accelerators > 0, plan.binding.kind != ""
    (True, True)
    """
    from infranet.algorithms.rtt import rtt_matrix
    from infranet.planning.replicas import place_replicas, replica_problem
    from infranet.workloads.inference import replica_model, request_bytes
    from infranet.workloads.models import load_model

    watch = Stopwatch()
    n1 = service.survive_site_loss if survive_site_loss is None else bool(survive_site_loss)
    points, rates = service_demand(service, topology, regions)
    demand_names = [n for n, v in rates.items() if v > 0]
    if not demand_names:
        raise ValidationError("no demand: every region asks 0 requests/s", file=service.file,
                              element="service", field="demand")
    site_names, groups = _candidates(topology, service, accelerator)
    try:
        model = load_model(service.model_path())
    except UnknownNameError as err:
        raise UnknownNameError(err.detail, file=service.file, element="service",
                               field="model") from None
    if points is not None:
        from infranet.model.regions import Regions

        keep = [points.index(n) for n in demand_names]
        sources: Sequence[str] | Regions = Regions(
            demand_names, points.lon[keep], points.lat[keep], points.weight[keep],
            file=points.file)
    else:
        sources = demand_names
    rtt = rtt_matrix(topology, sources, site_names)
    R, S = len(demand_names), len(site_names)
    kinds = [g[0].accelerator for g in groups]
    catalogue = topology.accelerators()
    tp = np.zeros(S, dtype=np.int64)
    rps = np.zeros((R, S))
    parts: dict[str, np.ndarray] = {k: np.full((R, S), np.nan) for k in (
        "network", "queue", "prefill", "kv", "ttft", "tpot")}
    hold_ms = np.zeros(S)
    if service.disaggregate and n1 and S > 1:
        # room in each prefill site's TTFT for its KV caches to reach a second decode site:
        # the one-way latency to its nearest other candidate
        between = rtt_matrix(topology, site_names, site_names).rtt_ms / 2.0
        np.fill_diagonal(between, np.inf)
        hold_ms = between.min(axis=1)
    k = service.network_rtts
    notes: list[str] = []
    decode_rps: dict[str, float] = {}
    limits = np.full((R, S), None, dtype=object)
    why: dict[str, str] = {}
    for kind in dict.fromkeys(kinds):
        cols = [s for s in range(S) if kinds[s] == kind]
        block = rtt.rtt_ms[:, cols] + hold_ms[cols] / k  # as if the hop were network
        nearest = np.min(block, axis=1)
        chip = physics.accelerator(kind, catalogue)
        try:
            first = replica_model(service, accelerator=kind, rtt_ms=float(np.median(nearest)),
                                  model=model, catalogue=catalogue,
                                  dci_gbps=_kv_gbps(chip, 1))
        except InfranetError as err:  # e.g. no fp8 figure, or the weights do not fit
            if len(set(kinds)) == 1:
                raise
            notes.append(f"{', '.join(site_names[s] for s in cols)} ({kind}) cannot serve: "
                         f"{err.detail}")
            continue
        rep = replica_model(service, accelerator=kind, tensor_parallel=first.tensor_parallel,
                            rtt_ms=block.ravel(), model=model, catalogue=catalogue,
                            dci_gbps=_kv_gbps(chip, first.tensor_parallel))
        decode_rps[kind] = rep.decode_requests_per_s
        shape = block.shape
        rps[:, cols] = np.asarray(rep.requests_per_s).reshape(shape)
        for key, values in (("network", rep.network_ms), ("queue", rep.queue_ms),
                            ("prefill", rep.prefill_ms), ("kv", rep.kv_transfer_ms),
                            ("ttft", rep.ttft_ms), ("tpot", rep.tpot_ms)):
            parts[key][:, cols] = np.broadcast_to(np.asarray(values, dtype=float),
                                                  (block.size,)).reshape(shape)
        tp[cols] = rep.tensor_parallel
        limits[:, cols] = np.asarray(rep.limits, dtype=object).reshape(shape)
        why[kind] = rep.binding.summary
    feasible = rps > 0
    if not feasible.any(axis=1).all():
        r = int(np.flatnonzero(~feasible.any(axis=1))[0])
        s = int(np.argmin(rtt.rtt_ms[r]))
        if limits[r, s] not in ("ttft_p99", "network", None):  # not the distance: the replica
            raise InfeasibleError(f"{why[kinds[s]]}; no site can serve region "
                                  f"{demand_names[r]!r}", file=service.file,
                                  element="service", field="slo")
        floor = service.network_rtts * rtt.rtt_ms[r, s] + parts["prefill"][r, s] \
            + np.nan_to_num(parts["kv"][r, s])
        raise InfeasibleError(
            f"region {demand_names[r]!r}: no site within its {service.ttft_p99_ms:g} ms TTFT "
            f"SLO (the nearest, {site_names[s]}, {rtt.rtt_ms[r, s]:.4g} ms RTT "
            f"({rtt.basis[r, s]}), needs {floor:.4g} ms before any queueing)",
            file=service.file, element="service", field="slo.ttft_p99")
    sizes = request_bytes(service, model)

    def attempt(nearest: int, time_limit_s: float | None) -> dict[str, Any]:
        """The placement with each site's operating point set by its `nearest`-site
        regions."""
        tau = _operating_rtt(rtt.rtt_ms, feasible, nearest)
        # each site's operating point: the column entry of its operating RTT
        at = np.zeros(S, dtype=np.int64)
        site_rps = np.zeros(S)
        compute = np.zeros(S)
        used = np.isfinite(tau)
        for s in range(S):
            if not used[s]:
                continue
            r = int(np.flatnonzero(feasible[:, s] & (rtt.rtt_ms[:, s] == tau[s]))[0])
            at[s] = r
            site_rps[s] = rps[r, s]
            compute[s] = (parts["queue"][r, s] + parts["prefill"][r, s]
                          + np.nan_to_num(parts["kv"][r, s])) / 1e3
        keep_sites = np.flatnonzero(used)
        if keep_sites.size == 0:
            raise InfeasibleError("no site can serve any region within the SLOs",
                                  file=service.file, element="service", field="slo")
        rooms = [groups[s] for s in keep_sites]
        available = np.array([sum(c.available for c in g) for g in rooms])
        headroom = np.array([g[0].headroom_w for g in rooms])
        per_acc = np.array([max((c.facility_w or 0.0) for c in g) for g in rooms])
        unpowered = [g[0].site for g in rooms if g[0].budget_mw is not None
                     and any(c.it_w is None for c in g)]
        power = np.where(per_acc > 0, headroom, np.inf)
        cost = None
        if all(c.price is not None for g in rooms for c in g):
            cost = np.array([max(float(c.price or 0.0) for c in g) for g in rooms])
        if objective == "cost":
            unpriced = [c.site + "/" + c.cluster for g in rooms for c in g if c.price is None]
            if unpriced:
                raise ValidationError(f"objective cost, but {unpriced[0]} has no "
                                      "cost_per_accelerator_hour", file=topology.file,
                                      element=f"cluster {unpriced[0]!r}",
                                      field="cost_per_accelerator_hour")
            cost = np.array([max(float(c.price or 0.0) for c in g) for g in rooms])
        names = [site_names[s] for s in keep_sites]
        reserve_s = hold_ms[keep_sites] / 1e3
        problem = replica_problem(
            names, demand_names, demand_rps=[rates[n] for n in demand_names],
            network_s=k * rtt.rtt_ms[:, keep_sites] / 1e3,
            compute_s=compute[keep_sites] + reserve_s,
            budget_s=service.ttft_p99_ms / 1e3,
            requests_per_accelerator_s=site_rps[keep_sites] / tp[keep_sites],
            accelerators_per_replica=tp[keep_sites], available=available,
            power_w=power if (per_acc > 0).any() else None,
            facility_w_per_accelerator=np.where(per_acc > 0, per_acc, 1.0)
            if (per_acc > 0).any() else None,
            cost_per_accelerator_hour=cost, request_bytes=sizes["request"],
            response_bytes=sizes["response"],
            kv_bytes=sizes["kv"] if service.disaggregate else 0.0)
        placed = place_replicas(problem, survive_site_loss=n1, objective=objective,
                                time_limit_s=time_limit_s)
        return dict(placed=placed, problem=problem, at=at, site_rps=site_rps,
                    compute=compute, keep_sites=keep_sites, names=names, tau=tau,
                    available=available, per_acc=per_acc, power=power, cost=cost,
                    reserve_s=reserve_s, unpowered=unpowered)

    # one rule for every site's operating point, chosen among a few by the objective
    best: dict[str, Any] | None = None
    failure: InfranetError | None = None
    rules = list(range(2 if n1 else 1, min(S, 4 if n1 else 3) + 1)) or [1]
    clock = Stopwatch()
    for nearest in rules:
        left = None if time_limit_s is None else time_limit_s - clock()
        if left is not None and left <= 0 and best is not None:
            break
        try:
            tried = attempt(nearest, left)
        except InfeasibleError as err:
            failure = err
            continue
        except InfranetError as err:
            if time_limit_s is None or best is not None:
                raise
            raise InfeasibleError(f"{err.detail}; no placement within {time_limit_s:g} s: give "
                                  "a longer time limit (--time-limit) or fewer regions",
                                  file=service.file, element="service") from None
        score = _score(tried["placed"], objective)
        if best is None or score < _score(best["placed"], objective) - 1e-9:
            best = tried
    if best is None:
        assert failure is not None
        raise InfeasibleError(failure.detail, file=service.file, element="service",
                              field="survive_site_loss" if n1 and "N+1" in failure.detail
                              else "demand") from None
    placed, problem, at, site_rps, compute = (best[k] for k in (
        "placed", "problem", "at", "site_rps", "compute"))
    keep_sites, names, tau, available, per_acc, power, cost, reserve_s = (best[k] for k in (
        "keep_sites", "names", "tau", "available", "per_acc", "power", "cost", "reserve_s"))
    if best["unpowered"]:
        notes.append("no published system power for the accelerators of "
                     f"{', '.join(best['unpowered'])}: not held against their site's "
                     "power_mw")
    column = {name: int(s) for name, s in zip(names, keep_sites, strict=True)}
    decode = None
    if service.disaggregate:
        decode = _place_decode(
            topology, service, placed, problem, names=names,
            kinds=[kinds[s] for s in keep_sites],
            tp=tp[keep_sites], decode_rps=decode_rps, per_acc=per_acc, power=power, cost=cost,
            kv_bytes=sizes["kv"], response_bytes=sizes["response"], n1=n1,
            reserve_s=reserve_s, objective=objective,
            time_limit_s=None if time_limit_s is None else max(time_limit_s - clock(), 1.0))
    out: dict[str, Any] = {}
    for r, name in enumerate(demand_names):
        entry = dict(placed.regions[name])
        s = column[entry["site"]]
        r_at = int(at[s])
        entry.update(
            rtt_ms=float(rtt.rtt_ms[r, s]), basis=str(rtt.basis[r, s]),
            network_ms=float(k * rtt.rtt_ms[r, s]), queue_ms=float(parts["queue"][r_at, s]),
            prefill_ms=float(parts["prefill"][r_at, s]),
            kv_transfer_ms=float(np.nan_to_num(parts["kv"][r_at, s])),
            tpot_ms=float(parts["tpot"][r_at, s]), ttft_slo_ms=service.ttft_p99_ms,
            tpot_slo_ms=service.tpot_p99_ms)
        entry["ttft_ms"] = entry["network_ms"] + compute[s] * 1e3  # without the reserve
        if decode is not None:  # the KV cache crosses to the decoding site
            hop = decode.regions[entry["site"]]
            entry["decode_site"] = hop["site"]
            entry["kv_one_way_ms"] = hop["network_ms"]
            entry["kv_transfer_ms"] += hop["network_ms"]
            entry["ttft_ms"] += hop["network_ms"]
        entry["slack_ms"] = round(service.ttft_p99_ms - entry["ttft_ms"], 6)  # to the ns
        if entry.get("backup") is not None:
            b = column[entry["backup"]]
            entry["backup_rtt_ms"] = float(rtt.rtt_ms[r, b])
            entry["backup_basis"] = str(rtt.basis[r, b])
        entry.pop("compute_ms", None)
        entry.pop("budget_ms", None)
        out[name] = entry
    operating = {}
    for i, site in enumerate(keep_sites.tolist()):
        s, r_at = int(site), int(at[site])
        operating[site_names[s]] = {
            "accelerator": kinds[s], "tensor_parallel": int(tp[s]),
            "requests_per_replica": float(site_rps[s]), "operating_rtt_ms": float(tau[s]),
            "queue_ms": float(parts["queue"][r_at, s]),
            "prefill_ms": float(parts["prefill"][r_at, s]),
            "tpot_ms": float(parts["tpot"][r_at, s]), "available": int(available[i]),
            "max_replicas": int(problem.max_replicas[i])}
    estimated = [n for n, e in out.items() if e["basis"] == "estimate"]
    if estimated:
        notes.append(f"{len(estimated)} of {len(out)} regions reach their site by no drawn "
                     "fiber: their RTT is estimated from the locations (basis: estimate)")
        notes.extend(_extrapolated(topology, estimated, points))
    if decode is None:
        return InferencePlacement(
            service=service.name, model=model.name, sites=placed.sites, regions=freeze(out),
            operating=freeze(operating), total_accelerators=placed.total_accelerators,
            cost_per_hour=placed.cost_per_hour, wan_gbps=placed.wan_gbps, wan=placed.wan,
            survive_site_loss=n1, objective=objective, binding=placed.binding,
            placement=placed, notes=tuple(notes), solve_s=watch())
    both = {site: placed.sites.get(site, 0) + decode.sites.get(site, 0)
            for site in names if site in placed.sites or site in decode.sites}
    wan = _disaggregated_wan(out, sizes)
    costs = [c for c in (placed.cost_per_hour, decode.cost_per_hour) if c is not None]
    binding = Binding(placed.binding.kind, placed.binding.name,
                      f"prefill: {placed.binding.summary}")
    if decode.binding.kind in ("site", "power"):
        binding = Binding(decode.binding.kind, decode.binding.name,
                          f"decode: {decode.binding.summary}")
    notes.append("prefill and decode on separate replicas: "
                 f"{placed.total_accelerators:,} prefill and {decode.total_accelerators:,} "
                 "decode accelerators; each prefill site's KV caches go to the decode site "
                 "the second placement chose for it")
    return InferencePlacement(
        service=service.name, model=model.name, sites=freeze(both), regions=freeze(out),
        operating=freeze(operating), total_accelerators=sum(both.values()),
        cost_per_hour=sum(costs) if costs else None,
        wan_gbps=freeze({k: max(v["in_gbps"], v["out_gbps"]) for k, v in wan.items()}),
        wan=freeze(wan), survive_site_loss=n1, objective=objective, binding=binding,
        placement=placed, decode=decode, notes=tuple(notes), solve_s=watch())


def _extrapolated(topology: Topology, names: list[str], points: Regions | None) -> list[str]:
    """A note for the estimated regions that lie farther from every hub of the estimator's
    reference backbone than any measured endpoint does: their RTTs extrapolate."""
    from infranet.algorithms.estimate import calibrated_reach_km, nearest_hub_km

    if points is not None:
        at = [points.index(n) for n in names]
        lon, lat = np.asarray(points.lon)[at], np.asarray(points.lat)[at]
    else:
        sites = topology.sites
        lon = sites["lon"].reindex(names).to_numpy(dtype=float)
        lat = sites["lat"].reindex(names).to_numpy(dtype=float)
    far = nearest_hub_km(lon, lat)
    reach = calibrated_reach_km()
    out = [f"region {n!r} lies {d:,.0f} km from the estimator's nearest reference hub, beyond "
           f"the {reach:,.0f} km of any measured endpoint: its RTTs extrapolate"
           for n, d in zip(names, far, strict=True) if d > reach]
    return out[:3] + ([f"... and {len(out) - 3} more such regions"] if len(out) > 3 else [])


def _score(placed: ReplicaPlacement, objective: str) -> float:
    """What the objective counts of a placement."""
    if objective == "cost" and placed.cost_per_hour is not None:
        return float(placed.cost_per_hour)
    return float(placed.total_accelerators)


def _kv_gbps(chip: Any, tensor_parallel: int) -> float:
    """The rate one replica's KV cache leaves at, Gb/s: its accelerators' NICs together (inf
    when the catalogue gives no NIC rate)."""
    nic = getattr(chip, "nic_gbps", None)
    return math.inf if not nic else float(nic) * tensor_parallel


def _place_decode(topology: Topology, service: InferenceService, placed: ReplicaPlacement,
                  problem: Any, *, names: list[str], kinds: list[str], tp: np.ndarray,
                  decode_rps: dict[str, float], per_acc: np.ndarray, power: np.ndarray,
                  cost: np.ndarray | None, kv_bytes: float, response_bytes: float, n1: bool,
                  reserve_s: np.ndarray, objective: str, time_limit_s: float | None
                  ) -> ReplicaPlacement:
    """The decode replicas: a second facility-location problem whose "regions" are the prefill
    sites (their load) and whose network is the one-way latency their KV caches cross to a
    decode site (0 at the same site), within the TTFT slack the prefill left each of them
    (with the time the first placement held back for the hop, `reserve_s`, per site)."""
    from infranet.algorithms.rtt import rtt_matrix
    from infranet.planning.replicas import place_replicas, replica_problem

    hosts = list(placed.sites)
    # each prefill site's own load: under N+1 the decode pools' own reserve covers the loss of
    # a decode site; a lost prefill site's regions move to backups whose decode pools carry them
    # within that reserve (not sized jointly: docs/inference-placement.md)
    load = [float(placed.load_rps[h]) for h in hosts]
    held = {n: float(r) * 1e3 for n, r in zip(names, reserve_s, strict=True)}
    slack = dict.fromkeys(hosts, math.inf)
    for entry in placed.regions.values():
        site = entry["site"]
        slack[site] = min(slack[site], entry["slack_ms"] + held[site])
        if entry.get("backup") is not None:
            spare = entry["budget_ms"] - entry["backup_ttft_ms"] + held[entry["backup"]]
            slack[entry["backup"]] = min(slack[entry["backup"]], spare)
    one_way = rtt_matrix(topology, hosts, names).rtt_ms / 2.0
    for i, h in enumerate(hosts):
        one_way[i, names.index(h)] = 0.0
    used = np.array([placed.sites.get(n, 0) for n in names])
    room = np.asarray(problem.available) - used
    headroom = np.where(np.isfinite(power), power - used * per_acc, np.inf)
    rate = np.array([decode_rps[k] for k in kinds]) / tp
    second = replica_problem(
        names, [f"{h}" for h in hosts], demand_rps=load, network_s=one_way / 1e3,
        compute_s=0.0, budget_s=[max(slack[h], 1e-6) / 1e3 for h in hosts],
        requests_per_accelerator_s=rate, accelerators_per_replica=tp, available=room,
        power_w=np.maximum(headroom, 0.0) if (per_acc > 0).any() else None,
        facility_w_per_accelerator=np.where(per_acc > 0, per_acc, 1.0)
        if (per_acc > 0).any() else None,
        cost_per_accelerator_hour=cost, request_bytes=kv_bytes, response_bytes=response_bytes)
    return place_replicas(second, survive_site_loss=n1 and len(names) > 1,
                          objective=objective, time_limit_s=time_limit_s)


def _disaggregated_wan(regions: dict[str, Any], sizes: Any) -> dict[str, dict[str, float]]:
    """WAN per site, Gb/s per direction, when prefill and decode are apart: requests reach the
    prefill site, KV caches cross from it to the decode site (when they differ), responses
    leave the decode site."""
    to_gbps = 8.0 / 1e9
    wan: dict[str, dict[str, float]] = {}

    def add(site: str, key: str, gbps: float) -> None:
        parts = wan.setdefault(site, {"requests_gbps": 0.0, "responses_gbps": 0.0,
                                      "kv_out_gbps": 0.0, "kv_in_gbps": 0.0})
        parts[key] += gbps

    for entry in regions.values():
        rate = entry["demand_rps"]
        add(entry["site"], "requests_gbps", rate * sizes["request"] * to_gbps)
        add(entry["decode_site"], "responses_gbps", rate * sizes["response"] * to_gbps)
        if entry["decode_site"] != entry["site"]:
            add(entry["site"], "kv_out_gbps", rate * sizes["kv"] * to_gbps)
            add(entry["decode_site"], "kv_in_gbps", rate * sizes["kv"] * to_gbps)
    for parts in wan.values():
        parts["in_gbps"] = parts["requests_gbps"] + parts["kv_in_gbps"]
        parts["out_gbps"] = parts["responses_gbps"] + parts["kv_out_gbps"]
    return wan



def site_summary(plan: InferencePlacement) -> dict[str, dict[str, Any]]:
    """Per hosting site: ``accelerator``, ``tensor_parallel``, ``replicas``, ``accelerators``,
    ``load_rps`` (its regions' demand), ``capacity_rps`` (what its replicas carry),
    ``reserve_rps`` (N+1: what it holds for another site's loss), ``regions`` (those it serves
    first), ``max_rtt_ms`` and ``max_ttft_ms`` of those regions (p99), ``tpot_ms`` and
    ``wan_gbps``."""
    data = plan.to_dict()
    out: dict[str, dict[str, Any]] = {}
    for site, accelerators in data["sites"].items():
        served = [(n, r) for n, r in data["regions"].items() if r["site"] == site]
        op = data["operating"].get(site, {})
        replicas = data["replicas"].get(site, 0)
        out[site] = {
            "accelerator": op.get("accelerator"), "tensor_parallel": op.get("tensor_parallel"),
            "replicas": replicas, "accelerators": accelerators,
            "load_rps": sum(r["demand_rps"] for _, r in served),
            "capacity_rps": replicas * op.get("requests_per_replica", 0.0),
            "reserve_rps": (data["reserve"].get(site) or {}).get("rps", 0.0),
            "regions": [n for n, _ in served],
            "max_rtt_ms": max((r["rtt_ms"] for _, r in served), default=None),
            "max_ttft_ms": max((r["ttft_ms"] for _, r in served), default=None),
            "tpot_ms": op.get("tpot_ms"), "wan_gbps": data["wan_gbps"].get(site, 0.0)}
    return out
