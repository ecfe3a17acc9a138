"""Sizing answers for a training job: the DCI it needs, how efficiency falls with distance and
bandwidth, and the parallelism that runs it fastest.

**Efficiency** is the step time with an unlimited DCI at zero distance divided by the step time
(:func:`efficiency`): 1 when the sites might as well be one building.

**The DCI bandwidth needed** for a target efficiency (:func:`dci_gbps_needed`) is solved by
bisection on the logarithm of the bandwidth, vectorised: every configuration of the broadcast
inputs is bisected at once, 64 halvings of the bracket 10⁻³-10⁹ Gb/s (a relative precision far
below 10⁻⁶). Bisection rather than a closed form because the step time is piecewise in the
bandwidth (the DP synchronisation hides behind the backward pass up to a point, pipeline
transfers hide behind a slot), though monotone: more bandwidth is never slower. Where the
target cannot be reached at any bandwidth (the latency across the distance alone costs more),
the answer is inf; :func:`size_training` then gives the efficiency an unlimited bandwidth
reaches (``max_efficiency``) and a note saying what caps it (:func:`unreachable_note`).

**Tables** (:func:`efficiency_table`) give efficiency over a grid of distances (one-way latency
from the fiber's propagation, catalogue medium ``smf``, plus a fixed equipment latency) and DCI
bandwidths, in one call of the step model.

**The parallelism search** (:func:`search_parallelism`) enumerates every valid TP (dividing the
heads, within the scale-up domain), PP (dividing the layers), DP, CP and microbatch for a given
accelerator count, evaluates them in one vectorised call per recomputation and ZeRO stage, and
ranks those that fit in memory by step time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from infranet import physics
from infranet.errors import InfeasibleError, ValidationError, did_you_mean
from infranet.model.schema import available
from infranet.results import Binding, freeze
from infranet.workloads.training import (
    ACROSS,
    RECOMPUTE,
    ModelLike,
    Network,
    StepModel,
    step,
)

__all__ = [
    "EfficiencyTable",
    "JobPlacement",
    "ParallelismSearch",
    "dci_gbps_needed",
    "dci_gbps_needed_across_generations",
    "distance_latency_s",
    "efficiency",
    "efficiency_table",
    "place_job",
    "search_parallelism",
    "size_training",
    "unreachable_note",
]

#: Bracket of the bandwidth bisection, Gb/s.
BRACKET_GBPS = (1e-3, 1e9)
#: Halvings of the bracket's logarithm: (log 1e12) / 2⁶⁴ is a relative step of about 1.5e-18.
HALVINGS = 64


def distance_latency_s(distance_km: ArrayLike, *, medium: str = "smf",
                       equipment_s: ArrayLike = 0.0) -> np.ndarray:
    """One-way latency over `distance_km` of fiber, s: propagation of the catalogue `medium`
    plus `equipment_s`.

    Examples
    --------
    >>> round(float(distance_latency_s(1000.0)) * 1e3, 4)  # 4.8974 µs/km
    4.8974
    """
    us_per_km = physics.medium(medium).us_per_km
    return np.asarray(distance_km, dtype=float) * us_per_km * 1e-6 + np.asarray(equipment_s,
                                                                                 dtype=float)


def efficiency(model: ModelLike, accelerator: str | physics.Accelerator, *, network: Network,
               **config: Any) -> tuple[np.ndarray, StepModel, StepModel]:
    """Efficiency of every configuration: step time with an unlimited DCI at zero distance ÷
    step time. Returns ``(efficiency, step, baseline)``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> net = Network(scale_up_gbps=3600.0, scale_out_gbps=400.0, dci_gbps=[100.0, 1e5],
    ...               dci_latency_s=1.5e-3)
    >>> eff, _, _ = efficiency(m, "H100", network=net, tp=8, dp=16, sites=2, global_batch=256)
    >>> bool(eff[0] < eff[1] <= 1.0)
    True
    """
    run = step(model, accelerator, network=network, **config)
    base = step(model, accelerator, network=network.unlimited_dci(), **config)
    with np.errstate(invalid="ignore"):
        eff = np.where(run.valid, base.step_s / run.step_s, np.nan)
    return eff, run, base


def dci_gbps_needed(model: ModelLike, accelerator: str | physics.Accelerator, *,
                    network: Network, target: float = 0.95, **config: Any) -> np.ndarray:
    """The DCI bandwidth (Gb/s per direction between sites) at which each configuration reaches
    `target` efficiency; inf where no bandwidth does (latency alone costs too much), 0 where
    the job does not cross the DCI.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> net = Network(scale_up_gbps=3600.0, scale_out_gbps=400.0, dci_latency_s=1.5e-3)
    >>> need = dci_gbps_needed(m, "H100", network=net, tp=8, dp=16, sites=2,
    ...                        global_batch=256, target=[0.9, 0.99])
    >>> bool(need[0] < need[1])
    True
    """
    goal = np.asarray(target, dtype=float)
    if np.any((goal <= 0) | (goal > 1)):
        raise ValidationError("must be in (0, 1]", field="target_efficiency")
    base = step(model, accelerator, network=network.unlimited_dci(), **config).step_s
    lo_g, hi_g = (math.log(x) for x in BRACKET_GBPS)

    def eff_at(log_gbps: np.ndarray) -> np.ndarray:
        run = step(model, accelerator, network=replace(network, dci_gbps=np.exp(log_gbps)),
                   **config).step_s
        with np.errstate(invalid="ignore"):
            return np.asarray(base / run)

    top = eff_at(np.asarray(hi_g))
    shape = np.broadcast_shapes(np.shape(top), np.shape(goal))
    lo = np.full(shape, lo_g)
    hi = np.full(shape, hi_g)
    for _ in range(HALVINGS):
        mid = (lo + hi) / 2.0
        ok = eff_at(mid) >= goal
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    out = np.exp(hi)
    out = np.where(top >= goal, out, np.inf)
    bottom = eff_at(np.full(shape, lo_g))
    out = np.where(bottom >= goal, 0.0, out)  # reached with (almost) no DCI: it is not crossed
    return np.where(np.isfinite(base), out, np.nan)


@dataclass(frozen=True)
class EfficiencyTable:
    """Efficiency of one job over distances (rows) and DCI bandwidths (columns), result
    protocol: ``efficiency[i, j]`` at ``distance_km[i]`` and ``dci_gbps[j]``; ``step_s`` and
    ``dci_share`` alike."""

    model: str
    distance_km: np.ndarray
    dci_gbps: np.ndarray
    efficiency: np.ndarray
    step_s: np.ndarray
    dci_share: np.ndarray
    baseline_step_s: float
    binding: Binding

    def __post_init__(self) -> None:
        for name in ("distance_km", "dci_gbps", "efficiency", "step_s", "dci_share"):
            object.__setattr__(self, name, freeze(np.asarray(getattr(self, name))))

    def to_dict(self) -> dict[str, Any]:
        """Headline: the baseline step and the worst and best efficiency; then the rows."""
        return {"baseline_step_s": self.baseline_step_s,
                "min_efficiency": float(np.nanmin(self.efficiency)),
                "max_efficiency": float(np.nanmax(self.efficiency)),
                "model": self.model, "binding": self.binding.to_dict(),
                "rows": [{"distance_km": float(d), "dci_gbps": float(g),
                          "efficiency": float(self.efficiency[i, j]),
                          "step_s": float(self.step_s[i, j]),
                          "dci_share": float(self.dci_share[i, j])}
                         for i, d in enumerate(self.distance_km)
                         for j, g in enumerate(self.dci_gbps)]}


def efficiency_table(model: ModelLike, accelerator: str | physics.Accelerator, *,
                     network: Network, distance_km: Sequence[float],
                     dci_gbps: Sequence[float], equipment_s: float = 0.0,
                     **config: Any) -> EfficiencyTable:
    """Efficiency against inter-site distance and DCI bandwidth, one configuration, one call.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> net = Network(scale_up_gbps=3600.0, scale_out_gbps=400.0)
    >>> t = efficiency_table(m, "H100", network=net, distance_km=[10, 1000],
    ...                      dci_gbps=[100, 10000], tp=8, dp=16, sites=2, global_batch=256)
    >>> t.efficiency.shape, bool(t.efficiency[0, 1] >= t.efficiency[1, 0])
    ((2, 2), True)
    """
    d = np.asarray(distance_km, dtype=float)
    g = np.asarray(dci_gbps, dtype=float)
    if np.any(d < 0) or np.any(g <= 0):
        raise ValidationError("distances must be >= 0 and bandwidths > 0", field="table")
    latency = distance_latency_s(d, equipment_s=equipment_s)[:, None]
    net = replace(network, dci_gbps=g[None, :], dci_latency_s=latency)
    eff, run, base = efficiency(model, accelerator, network=net, **config)
    if eff.ndim != 2:
        raise ValidationError("the job's own options must be scalars in a table",
                              field="table")
    worst = np.unravel_index(int(np.nanargmin(eff)), eff.shape)
    binding = Binding("tier", "dci", f"efficiency falls to {eff[worst]:.1%} at "
                      f"{d[worst[0]]:,.0f} km and {g[worst[1]]:,.0f} Gb/s")
    return EfficiencyTable(model=run.model, distance_km=d, dci_gbps=g, efficiency=eff,
                           step_s=run.step_s, dci_share=run.dci_share,
                           baseline_step_s=float(np.nanmin(base.step_s)), binding=binding)


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


@dataclass(frozen=True)
class ParallelismSearch:
    """The mappings of a job, fastest first (result protocol): each row the degrees, the
    recomputation, ZeRO stage, step time, MFU and memory; ``searched`` how many were evaluated
    and ``fitting`` how many fit in memory."""

    model: str
    accelerator: str
    accelerators: int
    searched: int
    fitting: int
    rows: tuple[Mapping[str, Any], ...]
    binding: Binding
    options: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", freeze(list(self.rows)))
        object.__setattr__(self, "options", freeze(dict(self.options)))
        object.__setattr__(self, "notes", tuple(self.notes))

    def to_dict(self) -> dict[str, Any]:
        """Headline: the best step time, counts; then the ranked mappings."""
        best = self.rows[0] if self.rows else {}
        return {"step_s": best.get("step_s"), "mfu": best.get("mfu"),
                "searched": self.searched, "fitting": self.fitting,
                "model": self.model, "accelerator": self.accelerator,
                "accelerators": self.accelerators, "binding": self.binding.to_dict(),
                "mappings": [dict(r) for r in self.rows], "notes": list(self.notes)}


def search_parallelism(model: ModelLike, accelerator: str | physics.Accelerator, *,
                       accelerators: int, network: Network, global_batch: int,
                       seq_len: int | None = None, sites: int = 1,
                       across: str | Sequence[str] = "dp",
                       recompute: Sequence[str] = RECOMPUTE, zero: Sequence[int] = (0, 1, 3),
                       microbatch: Sequence[int] = (1, 2, 4), cp: Sequence[int] = (1,),
                       ep: Sequence[int] = (1,), top: int = 10,
                       **config: Any) -> ParallelismSearch:
    """Rank the parallelism mappings of `accelerators` by step time (those that fit in memory).

    TP runs over the divisors of the heads up to the scale-up domain, PP over the divisors of
    the layers, DP is what is left (it must divide by `sites` when `across` is ``dp``, PP when
    ``pp``); every combination with each microbatch, CP and EP is evaluated in one vectorised
    call per recomputation, ZeRO stage and (over several sites) what crosses the DCI:
    `across` names one (``dp``, ``pp``) or several to rank together.

    Raises
    ------
    InfeasibleError
        When no mapping fits in memory, with the smallest shortfall.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> net = Network(scale_up_gbps=3600.0, scale_out_gbps=400.0)
    >>> found = search_parallelism(m, "H100", accelerators=64, network=net,
    ...                            global_batch=256)
    >>> found.rows[0]["step_s"] <= found.rows[-1]["step_s"], found.fitting <= found.searched
    (True, True)
    """
    if accelerators < 1:
        raise ValidationError("must be >= 1", field="accelerators")
    domain = int(np.max(np.asarray(network.scale_up_domain)))
    combos = []
    for tp, pp, c in itertools.product(_divisors(int(model.heads)), _divisors(int(model.layers)),
                                       cp):
        if tp > max(domain, 1) or accelerators % (tp * pp * c):
            continue
        dp = accelerators // (tp * pp * c)
        for b, e in itertools.product(microbatch, ep):
            combos.append((tp, pp, dp, c, b, e))
    if not combos:
        raise InfeasibleError(f"no parallelism divides {accelerators:,} accelerators",
                              field="accelerators")
    grid = np.asarray(combos, dtype=float).T
    rows: list[dict[str, Any]] = []
    searched = fitting = 0
    short = math.inf
    crossings = (across,) if isinstance(across, str) else tuple(across)
    for rc, z, over in itertools.product(recompute, zero, crossings):
        run = step(model, accelerator, network=network, tp=grid[0], pp=grid[1], dp=grid[2],
                   cp=grid[3], microbatch=grid[4], ep=grid[5], global_batch=global_batch,
                   seq_len=seq_len, recompute=rc, zero=z, sites=sites, across=over,
                   **config)
        ok = run.valid & run.fits
        searched += int(run.valid.sum())
        fitting += int(ok.sum())
        if (run.valid & ~run.fits).any():
            short = min(short, float(np.min((run.memory_bytes - run.hbm_bytes)[
                run.valid & ~run.fits])))
        for i in np.flatnonzero(ok):
            rows.append({"tp": int(grid[0][i]), "pp": int(grid[1][i]), "dp": int(grid[2][i]),
                         "cp": int(grid[3][i]), "ep": int(grid[5][i]),
                         "microbatch": int(grid[4][i]), "recompute": rc, "zero": int(z),
                         "across": over if sites > 1 else "",
                         "step_s": float(run.step_s[i]), "mfu": float(run.mfu[i]),
                         "exposed_comm_s": float(run.exposed_comm_s[i]),
                         "dci_s": float(run.dci_s[i]),
                         "memory_gb_per_accelerator": float(run.memory_bytes[i] / 1e9)})
    if not rows:
        detail = (f"; the closest is {short / 1e9:,.1f} GB per accelerator short"
                  if math.isfinite(short) else "")
        raise InfeasibleError(f"no mapping of {model.name} on {accelerators:,} accelerators "
                              f"fits in memory{detail}", field="parallelism")
    rows.sort(key=lambda r: r["step_s"])
    best = rows[0]
    binding = Binding("compute", None,
                      f"the best of {fitting:,} mappings that fit (of {searched:,}) is tp="
                      f"{best['tp']}, pp={best['pp']}, dp={best['dp']}: "
                      f"{best['step_s']:.3g} s per step, MFU {best['mfu']:.0%}")
    name = accelerator if isinstance(accelerator, str) else accelerator.name
    return ParallelismSearch(model=str(model.name), accelerator=name,
                             accelerators=accelerators, searched=searched, fitting=fitting,
                             rows=tuple(rows[:top]), binding=binding,
                             options={"global_batch": global_batch, "sites": sites,
                                      "across": list(crossings)})


@dataclass(frozen=True)
class JobPlacement:
    """Where a job runs: per site the cluster, its accelerator and its ranks, the tiers the
    job's groups see (:class:`~infranet.workloads.training.Network`), power per accelerator
    and PUE, the DCI's tightest cut, and notes on what the placement assumed (a cluster without
    a fabric spec falls back to its NIC rate)."""

    sites: tuple[str, ...]
    clusters: tuple[str, ...]
    accelerators: tuple[str, ...]
    ranks: tuple[int, ...]
    networks: tuple[Network, ...]
    it_w: tuple[float | None, ...]
    pue: tuple[float, ...]
    dci_gbps: float
    dci_latency_s: float
    dci_cut: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _cluster_for(topology: Any, site: str, cluster: str | None, ranks: int,
                 accelerator: str | None) -> dict[str, Any]:
    from infranet.errors import UnknownNameError

    spec = topology.site(site)
    clusters = list(spec.get("clusters") or ())
    if cluster is not None:
        names = [c["name"] for c in clusters]
        if cluster not in names:
            raise UnknownNameError(f"unknown cluster {cluster!r}{did_you_mean(cluster, names)}",
                                   file=topology.file, element=f"site {site!r}",
                                   field="sites")
        chosen = clusters[names.index(cluster)]
    else:
        fitting = [c for c in clusters if available(c) >= ranks
                   and (accelerator is None or c["accelerator"] == accelerator)]
        if not fitting:
            have = ", ".join(f"{c['name']} ({available(c):,} {c['accelerator']} available)"
                             for c in clusters) or "no clusters"
            what = f"{ranks:,} {accelerator}" if accelerator else f"{ranks:,} accelerators"
            raise InfeasibleError(f"no cluster of {site} holds {what}: it has {have}",
                                  file=topology.file, element=f"site {site!r}",
                                  field="accelerators")
        chosen = fitting[0]
    if available(chosen) < ranks:
        raise InfeasibleError(f"cluster {chosen['name']} has {available(chosen):,} "
                              f"accelerators available, {ranks - available(chosen):,} short of "
                              f"{ranks:,}", file=topology.file, element=f"site {site!r}",
                              field="accelerators")
    if accelerator is not None and chosen["accelerator"] != accelerator:
        raise InfeasibleError(f"cluster {chosen['name']} holds {chosen['accelerator']}, not "
                              f"{accelerator}", file=topology.file, element=f"site {site!r}",
                              field="accelerator")
    return dict(chosen)


def place_job(topology: Any, *, accelerators: int, sites: Sequence[str] = (),
              accelerator: str | None = None, window_bytes: float | None = None
              ) -> JobPlacement:
    """Place a job of `accelerators` on `topology`: over `sites` (``SITE`` or
    ``SITE/CLUSTER``, an equal share each), else on the one datacenter cluster that can hold
    it (the first in the file).

    Raises
    ------
    InfeasibleError
        When no datacenter can hold the job (saying what is short), or a site's cluster cannot
        hold its share.
    """
    from infranet.fabrics.power import cluster_power, site_pue
    from infranet.workloads.collectives import base_latency_s
    from infranet.workloads.groups import place

    if accelerator is not None:
        known = topology.accelerators()
        if accelerator not in known:
            from infranet.errors import UnknownNameError

            raise UnknownNameError(f"unknown accelerator {accelerator!r}"
                                   f"{did_you_mean(accelerator, known)}; known: "
                                   f"{', '.join(known)}", field="accelerator")
    if not sites:
        best: tuple[int, str, str] | None = None
        for name in topology.datacenters:
            for c in topology.site(name).get("clusters") or ():
                if accelerator is not None and c["accelerator"] != accelerator:
                    continue
                if available(c) >= accelerators:
                    sites = (f"{name}/{c['name']}",)
                    break
                if best is None or available(c) > best[0]:
                    best = (available(c), name, str(c["name"]))
            if sites:
                break
        if not sites:
            what = f"{accelerators:,} {accelerator}" if accelerator else \
                f"{accelerators:,} accelerators"
            detail = (f"the largest cluster, {best[1]}/{best[2]}, has {best[0]:,} available: "
                      f"{accelerators - best[0]:,} short; give --sites to span several"
                      if best else "it has no clusters" + (f" of {accelerator}"
                                                           if accelerator else ""))
            raise InfeasibleError(f"no datacenter of {topology.name} holds {what}: {detail}",
                                  file=topology.file, field="accelerators")
    if accelerators % len(sites):
        raise ValidationError(f"{accelerators:,} accelerators do not split evenly over "
                              f"{len(sites)} sites", file=topology.file, field="sites")
    share = accelerators // len(sites)
    members, clusters = [], []
    for text in sites:
        site, _, cluster = text.partition("/")
        if site not in topology.datacenters:
            from infranet.errors import UnknownNameError

            raise UnknownNameError(f"unknown datacenter {site!r}"
                                   f"{did_you_mean(site, list(topology.datacenters))}",
                                   file=topology.file, field="sites")
        chosen = _cluster_for(topology, site, cluster or None, share, accelerator)
        clusters.append(chosen)
        members.append((site, str(chosen["name"]), share))
    placed = place(topology, members, window_bytes=window_bytes)
    levels = {lv.name: lv for lv in placed.levels}
    dci = dict(placed.dci)
    dci_gbps = float(dci.get("gbps", math.inf))
    latency = float(dci.get("one_way_ms", 0.0)) / 1e3
    nets, it_w, pues = [], [], []
    catalogue = topology.accelerators()
    for i, c in enumerate(clusters):
        def pick(value: Any, i: int = i) -> float:
            arr = np.asarray(value, dtype=float)
            return float(arr if arr.ndim == 0 else arr[i])
        up, out = levels["scale_up"], levels["scale_out"]
        domain = int(physics.accelerator(c["accelerator"], catalogue).scale_up_domain or 1)
        domain = int((c.get("scale_up") or {}).get("domain") or domain)
        nets.append(Network(
            scale_up_gbps=pick(up.gbps), scale_out_gbps=pick(out.gbps),
            scale_up_domain=domain, scale_up_alpha_s=pick(up.alpha_s),
            scale_out_alpha_s=pick(out.alpha_s), dci_gbps=dci_gbps, dci_latency_s=latency,
            dci_alpha_s=float(levels["dci"].alpha_s) if "dci" in levels else 0.0,
            window_bytes=window_bytes, collective_base_s=base_latency_s()))
        power = cluster_power(c, catalogue, site=members[i][0])
        it_w.append(None if power.it_power_kw is None
                    else power.it_power_kw * 1000.0 / power.count)
        pues.append(site_pue(topology.site(members[i][0]))[0])
    return JobPlacement(sites=tuple(m[0] for m in members),
                        clusters=tuple(m[1] for m in members),
                        accelerators=tuple(str(c["accelerator"]) for c in clusters),
                        ranks=tuple(m[2] for m in members), networks=tuple(nets),
                        it_w=tuple(it_w), pue=tuple(pues), dci_gbps=dci_gbps,
                        dci_latency_s=latency, dci_cut=tuple(dci.get("cut", ())),
                        notes=tuple(placed.notes))


def dci_gbps_needed_across_generations(model: ModelLike, shares: Sequence[Any], *,
                                        target: float = 0.95, **config: Any) -> float:
    """The DCI bandwidth (Gb/s per direction) at which a job across sites of different
    accelerators (:func:`~infranet.workloads.training.step_across_generations`, whose options
    `config` are) reaches `target` efficiency: bisection on the logarithm of the bandwidth as
    in :func:`dci_gbps_needed`; inf where no bandwidth does, 0 where none is needed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from infranet.workloads.training import SiteShare
    >>> m = SimpleNamespace(name="m", parameters=7e9, layers=32, hidden=4096, heads=32,
    ...                     seq_len=4096)
    >>> sites = [SiteShare("a", "H100", Network(3600.0, 400.0), dp=8),
    ...          SiteShare("b", "A100-80GB", Network(2400.0, 200.0), dp=8)]
    >>> need = dci_gbps_needed_across_generations(m, sites, target=0.95, tp=8,
    ...                                           global_batch=512, dci_latency_s=2e-3)
    >>> 10 < need < 1e5
    True
    """
    from infranet.workloads.training import split_batch, step_across_generations

    if not 0 < target <= 1:
        raise ValidationError("must be in (0, 1]", field="target_efficiency")
    if config.get("batches") is None:
        config["batches"] = split_batch(model, shares, **{
            k: v for k, v in config.items()
            if k not in ("sync_every", "compression", "batches", "dci_latency_s",
                         "dci_alpha_s")})
    base = step_across_generations(model, shares, dci_gbps=math.inf, **{
        k: v for k, v in config.items() if k not in ("dci_latency_s", "dci_alpha_s")}).step_s

    def reached(log_gbps: float) -> bool:
        run = step_across_generations(model, shares, dci_gbps=math.exp(log_gbps), **config)
        return base / run.step_s >= target

    lo, hi = (math.log(x) for x in BRACKET_GBPS)
    if reached(lo):
        return 0.0
    if not reached(hi):
        return math.inf
    for _ in range(HALVINGS):
        mid = (lo + hi) / 2.0
        if reached(mid):
            hi = mid
        else:
            lo = mid
    return math.exp(hi)


def unreachable_note(target: float, top: float, *, dci_s: float, latency_s: float,
                     one_way_ms: float) -> str:
    """Why no DCI bandwidth reaches `target` efficiency: with unlimited bandwidth the step still
    waits `dci_s` on the DCI, `latency_s` of it latency, which caps the efficiency at `top`.

    Examples
    --------
    >>> unreachable_note(1.0, 0.994, dci_s=0.012, latency_s=0.012, one_way_ms=1.6)
    'no DCI bandwidth reaches 100.0% efficiency: latency alone (1.6 ms one way) caps it at 99.4%'
    """
    head = f"no DCI bandwidth reaches {target:.1%} efficiency: "
    if latency_s >= dci_s / 2:
        return f"{head}latency alone ({one_way_ms:.3g} ms one way) caps it at {top:.1%}"
    return (f"{head}with unlimited DCI bandwidth the step still waits {dci_s:.3g} s on the DCI "
            f"({latency_s:.3g} s of it latency, {one_way_ms:.3g} ms one way; the rest each "
            f"flow's rate cap: its NIC, or window / RTT), which caps it at {top:.1%}")


def size_training(topology: Any, job: Any, *, model: Any = None) -> Any:
    """Answer a :class:`~infranet.workloads.job.TrainingJob` on `topology`: the step
    (:class:`~infranet.workloads.training.TrainingStep` with its efficiency, and
    ``dci_gbps_needed`` when the job solves for it), a
    :class:`~infranet.workloads.training.GenerationsStep` when its sites hold different
    accelerators, or the ranked mappings (:class:`ParallelismSearch`) when it searches.

    Raises
    ------
    InfeasibleError
        When no datacenter can hold the job, or its memory does not fit (naming the parts and
        the shortfall).
    """
    from infranet.workloads.models import load_model
    from infranet.workloads.training import (
        SiteShare,
        check_config,
        require_fit,
        split_batch,
        step_across_generations,
    )

    record = model if model is not None else load_model(job.model_path())
    where = place_job(topology, accelerators=job.accelerators, sites=job.sites,
                      accelerator=job.accelerator, window_bytes=job.window)
    degrees = job.degrees()
    n_sites = len(where.sites)
    config: dict[str, Any] = dict(
        microbatch=job.microbatch, global_batch=job.global_batch, seq_len=job.seq_len,
        recompute=job.recompute, schedule=job.schedule, chunks=job.chunks, zero=job.zero,
        compute_fraction=job.compute_fraction)
    catalogue = topology.accelerators()
    if len(set(where.accelerators)) > 1:
        if job.across != "dp" or job.search:
            raise ValidationError("sites of different accelerators run data-parallel only "
                                  "(across: dp), without a search", file=job.file,
                                  element="job", field="across")
        per_replica = degrees["tp"] * degrees["pp"] * degrees["cp"]
        for ranks in where.ranks:
            check_config(record, **{**degrees, "dp": ranks // per_replica},
                         microbatch=job.microbatch, global_batch=ranks // per_replica
                         * job.microbatch, schedule=job.schedule, chunks=job.chunks,
                         file=job.file)
        shares = [SiteShare(site, physics.accelerator(acc, catalogue), net,
                            dp=ranks // per_replica, it_w_per_accelerator=w, pue=p)
                  for site, acc, net, ranks, w, p in zip(
                      where.sites, where.accelerators, where.networks, where.ranks,
                      where.it_w, where.pue, strict=True)]
        kw: dict[str, Any] = dict(
            sync_every=job.sync_every, compression=job.compression, tp=degrees["tp"],
            pp=degrees["pp"], cp=degrees["cp"], ep=degrees["ep"],
            global_batch=job.global_batch, microbatch=job.microbatch,
            **{k: v for k, v in config.items() if k not in ("microbatch", "global_batch")})
        try:
            kw["batches"] = split_batch(record, shares, **{
                k: v for k, v in kw.items() if k not in ("sync_every", "compression")})
        except ValidationError as err:
            raise ValidationError(err.detail, file=job.file, element="job",
                                  field=err.field) from None
        dci: dict[str, Any] = dict(dci_latency_s=where.dci_latency_s,
                   dci_alpha_s=float(np.asarray(where.networks[0].dci_alpha_s)))
        run = step_across_generations(record, shares, dci_gbps=where.dci_gbps, **dci, **kw)
        base = step_across_generations(record, shares, dci_gbps=math.inf, **kw)
        needed = top = None
        notes = where.notes
        if job.solve == "dci-bandwidth":
            needed = dci_gbps_needed_across_generations(
                record, shares, target=job.target_efficiency, **dci, **kw)
            if not math.isfinite(needed):
                cap = step_across_generations(record, shares, dci_gbps=math.inf, **dci, **kw)
                top = base.step_s / cap.step_s
                notes += (unreachable_note(job.target_efficiency, top, dci_s=cap.dci_s,
                                           latency_s=cap.dci_latency_part_s,
                                           one_way_ms=where.dci_latency_s * 1e3),)
        return replace(run, efficiency=base.step_s / run.step_s, dci_gbps_needed=needed,
                       max_efficiency=top, notes=notes)
    acc = physics.accelerator(where.accelerators[0], catalogue)
    net = where.networks[0]
    common = dict(config, sites=n_sites, across=job.across, sync_every=job.sync_every,
                  compression=job.compression, it_w_per_accelerator=where.it_w[0],
                  pue=where.pue[0])
    if job.search:
        for fixed in ("microbatch", "recompute", "zero", "across"):
            common.pop(fixed)
        found = search_parallelism(record, acc, accelerators=job.accelerators, network=net,
                                   across=ACROSS if n_sites > 1 else "dp", **common)
        return replace(found, notes=where.notes)
    check_config(record, **degrees, microbatch=job.microbatch, global_batch=job.global_batch,
                 schedule=job.schedule, chunks=job.chunks, sites=n_sites, across=job.across,
                 file=job.file)
    one = step(record, acc, network=net, **degrees, **common).at()
    require_fit(one, file=job.file)
    ideal = step(record, acc, network=net.unlimited_dci(), **degrees, **common).at()
    needed = top = None
    notes = where.notes
    if job.solve == "dci-bandwidth":
        needed = float(dci_gbps_needed(record, acc, network=net, target=job.target_efficiency,
                                       **degrees, **common))
        if not math.isfinite(needed):
            wide = step(record, acc, network=replace(net, dci_gbps=math.inf), **degrees,
                        **common).at()
            top = ideal.step_s / wide.step_s
            notes += (unreachable_note(job.target_efficiency, top, dci_s=wide.dci_s,
                                       latency_s=wide.dci_latency_part_s,
                                       one_way_ms=where.dci_latency_s * 1e3),)
    return replace(one, efficiency=ideal.step_s / one.step_s, dci_gbps_needed=needed,
                   max_efficiency=top, notes=notes,
                   options={**one.options, "sites": list(where.sites),
                            "clusters": list(where.clusters),
                            "dci_gbps": where.dci_gbps, "dci_one_way_ms":
                            where.dci_latency_s * 1e3, "dci_cut": list(where.dci_cut),
                            **degrees})
