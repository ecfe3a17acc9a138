"""Collectives that share links: their DCI rates from max-min fairness, and their slowdowns.

Several jobs (or several parallel groups of one job) run their collectives at once. Inside a
cluster each group has its own accelerators' links; between clusters their DCI rings cross the
same WAN links and the same clusters' ``dci`` links. Each edge of each group's ring is one
elastic flow on the cluster-level view of the topology (:func:`infranet.fabrics.expand.expand`),
weighted by the ranks that send along it (every rank's connection is a flow), routed on its
lowest-latency path (or split equally over the `k` lowest); the max-min fair solver
(:func:`infranet.algorithms.fairness.max_min_fair`) gives each flow its rate and the link that
froze it. A ring runs at its slowest edge: a group's DCI capacity is the smallest rate of its
flows, and its collective is priced with that capacity (:func:`infranet.workloads.collectives.
collective`). Its slowdown is its time sharing the links over its time with the same routing and
the links to itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import ValidationError
from infranet.results import Binding, FrozenDict, plain
from infranet.workloads.collectives import Collective, collective

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.workloads.groups import Placement

__all__ = ["Contention", "contention"]


@dataclass(frozen=True)
class Contention:
    """Collectives sharing links (result protocol).

    Attributes
    ----------
    jobs : tuple of FrozenDict
        Per group: ``job``, ``members``, ``time_ms`` (sharing), ``alone_ms`` (the same routing,
        the links to itself), ``slowdown`` (their ratio), ``dci_gbps`` and ``alone_dci_gbps``
        (its ring's capacity, Gb/s per direction), ``bottleneck`` (the link that froze its
        slowest flow; ``none`` for a group inside one cluster).
    collectives : tuple of Collective
        Each group's collective, priced with its shared DCI capacity.
    binding : Binding
        The link that froze the group slowed down the most (``link``), or ``none`` when no
        group is slowed.
    """

    jobs: tuple[FrozenDict, ...]
    collectives: tuple[Collective, ...]
    binding: Binding

    @property
    def worst_slowdown(self) -> float:
        """The largest slowdown of a group (1 when nothing is shared)."""
        return max((float(row["slowdown"]) for row in self.jobs), default=1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"worst_slowdown": self.worst_slowdown, "n_jobs": len(self.jobs),
                "binding": self.binding.to_dict(), "jobs": [plain(row) for row in self.jobs],
                "collectives": [c.to_dict() for c in self.collectives]}


def _ring_pairs(nodes: Sequence[str]) -> list[tuple[str, str]]:
    """The directed edges of a ring all-reduce: both ways between two, around the ring else."""
    if len(nodes) < 2:
        return []
    if len(nodes) == 2:
        return [(nodes[0], nodes[1]), (nodes[1], nodes[0])]
    return [(nodes[i], nodes[(i + 1) % len(nodes)]) for i in range(len(nodes))]


def _each(value: Any, names: Sequence[str], field: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        missing = [n for n in names if n not in value]
        if missing:
            raise ValidationError(f"no {field} for job {missing[0]!r}", field=field)
        return {n: value[n] for n in names}
    return {n: value for n in names}


def contention(
    topology: Topology,
    groups: Mapping[str, Sequence[Any]],
    *,
    op: str | Mapping[str, str] = "allreduce",
    size_bytes: float | Mapping[str, float],
    algorithm: str = "auto",
    window_bytes: float | None = None,
    k: int = 1,
) -> Contention:
    """Price the collectives of several groups that run at once and share DCI links.

    Parameters
    ----------
    topology : Topology
    groups : mapping
        Job name → its group (members as :func:`infranet.workloads.groups.place` takes them).
    op, size_bytes : str or mapping, float or mapping
        The collective of every group, or of each by name.
    algorithm : str, optional
        As :func:`infranet.workloads.collectives.collective`.
    window_bytes : float, optional
        Transport window of the DCI flows.
    k : int, optional
        Each ring edge is split equally over its `k` lowest-latency paths.

    Examples
    --------
    >>> import infranet
    >>> topo = infranet.read("topologies/texas-ring.yaml")
    >>> result = contention(topo, {"a": ["abilene=512", "temple=512"],
    ...                            "b": ["abilene=512", "fort-worth=512"]},
    ...                     size_bytes=2**30)
    >>> [(row["job"], round(row["slowdown"], 2), row["bottleneck"]) for row in result.jobs]
    [('a', 1.02, 'abi-ftw-i20'), ('b', 1.01, 'abi-ftw-i20')]
    """
    from infranet.algorithms.fairness import max_min_fair
    from infranet.fabrics.expand import expand
    from infranet.traffic import Flows
    from infranet.workloads.groups import place

    if not groups:
        raise ValidationError("no groups: give at least one", field="groups")
    names = [str(n) for n in groups]
    ops = _each(op, names, "op")
    sizes = _each(size_bytes, names, "size_bytes")
    placed = {n: place(topology, groups[n], window_bytes=window_bytes) for n in names}
    sites = list(dict.fromkeys(m.site for p in placed.values() for m in p.members))
    view = expand(topology, sites, level="cluster")
    src: list[str] = []
    dst: list[str] = []
    weight: list[float] = []
    owner: list[str] = []
    for n in names:
        ranks = float(placed[n].members[0].ranks or 1)
        for a, b in _ring_pairs(placed[n].nodes):
            src.append(a)
            dst.append(b)
            weight.append(ranks)
            owner.append(n)
    rows: list[FrozenDict] = []
    priced: list[Collective] = []
    if src:
        flows = Flows.from_pairs(src, dst, np.full(len(src), np.inf), weight=weight,
                                 group=owner, nodes=view)
        shared = max_min_fair(view, flows, k=k, weight="latency", alone=False)
        shared_links = shared.bottleneck_links()
    owner_array = np.asarray(owner, dtype=object)
    for n in names:
        p = placed[n]
        mine = np.flatnonzero(owner_array == n)
        if not len(mine):  # inside one cluster: nothing shared at the DCI
            c = collective(ops[n], sizes[n], p, algorithm=algorithm)
            priced.append(c)
            rows.append(FrozenDict({"job": n, "members": [str(m) for m in p.members],
                                    "time_ms": c.time_ms, "alone_ms": c.time_ms,
                                    "slowdown": 1.0, "dci_gbps": None,
                                    "alone_dci_gbps": None, "bottleneck": "none"}))
            continue
        solo_flows = Flows.from_pairs([src[i] for i in mine], [dst[i] for i in mine],
                                      np.full(len(mine), np.inf),
                                      weight=[weight[i] for i in mine], group=[n] * len(mine),
                                      nodes=view)
        solo = max_min_fair(view, solo_flows, k=k, weight="latency", alone=False)
        rate = shared.rate_gbps[mine]
        slowest = int(np.argmin(rate))
        bottleneck = shared_links[int(mine[slowest])]
        alone_rate = float(solo.rate_gbps.min())
        c = collective(ops[n], sizes[n], _with_dci(p, float(rate[slowest]), bottleneck),
                       algorithm=algorithm)
        alone = collective(ops[n], sizes[n],
                           _with_dci(p, alone_rate, solo.bottleneck_links()[
                               int(np.argmin(solo.rate_gbps))]), algorithm=algorithm)
        priced.append(c)
        rows.append(FrozenDict({
            "job": n, "members": [str(m) for m in p.members], "time_ms": c.time_ms,
            "alone_ms": alone.time_ms,
            "slowdown": c.time_s / alone.time_s if alone.time_s > 0 else 1.0,
            "dci_gbps": float(rate[slowest]), "alone_dci_gbps": alone_rate,
            "bottleneck": bottleneck}))
    worst = max(rows, key=lambda row: float(row["slowdown"]))
    if float(worst["slowdown"]) > 1.0 + 1e-12 and worst["bottleneck"] != "none":
        binding = Binding("link", str(worst["bottleneck"]),
                          f"{worst['bottleneck']} froze job {worst['job']}: "
                          f"{float(worst['dci_gbps']):.6g} Gb/s of its "
                          f"{float(worst['alone_dci_gbps']):.6g} alone, "
                          f"{float(worst['slowdown']):.4g} x slower")
    else:
        binding = Binding.nothing("no group is slowed by another: nothing binds them together")
    return Contention(tuple(rows), tuple(priced), binding)


def _with_dci(placement: Placement, gbps: float, link: str) -> Placement:
    """`placement` with its DCI ring at `gbps` (Gb/s per member), set by `link`."""
    from infranet.results import freeze

    n = float(placement.members[0].ranks or 1)
    levels = tuple(dataclasses.replace(level, gbps=gbps / n) if level.name == "dci" else level
                   for level in placement.levels)
    dci = dict(placement.dci)
    dci.update({"gbps": gbps, "cut": [link] if link not in ("demand", "unreachable") else []})
    names = tuple(link if level.name == "dci" else name
                  for level, name in zip(placement.levels, placement.tier_names, strict=True))
    return dataclasses.replace(placement, levels=levels, tier_names=names, dci=freeze(dci))
