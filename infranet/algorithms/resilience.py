"""Resilience: what each failure (a fiber cut, a shared-risk group, a site, pairs of them) does to
latency and connectivity between sites.

Failures come from the one enumerator, :func:`infranet.algorithms.failures.failure_sets`, and are
applied to the compiled arrays (arcs masked out), not by rebuilding the Topology, so a scan over
every link of a large backbone stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.algorithms.arcs import arc_weights
from infranet.algorithms.failures import FailureSet, failure_sets
from infranet.model import Topology
from infranet.results import Binding

__all__ = ["Failure", "failure_effects", "single_failures", "watched_sites", "worst_failure"]


@dataclass(frozen=True)
class Failure:
    """The effect of one failure on the latency between a set of sites.

    Attributes
    ----------
    name : str
        The failure's name (:func:`~infranet.algorithms.failures.failure_sets`): a link name,
        ``srlg:GROUP``, ``site:SITE``, or members joined by ``" + "``.
    kind : str
        ``link``, ``srlg``, ``site``, ``pair`` or ``set``.
    links : tuple of str
        The links that fail together.
    effect : str
        ``disconnection`` (some pair loses every path), ``rtt_increase`` or ``none``.
    disconnected_pairs : int
        Site pairs left without a path.
    rtt_increase_ms : float
        Largest increase of a pair's round-trip time among pairs still connected.
    pair : tuple of str
        The pair worst hit (disconnected, else the largest RTT increase); empty when none.
    max_rtt_ms : float
        Largest round-trip time among pairs still connected, after the failure.
    """

    name: str
    kind: str
    links: tuple[str, ...]
    effect: str
    disconnected_pairs: int
    rtt_increase_ms: float
    pair: tuple[str, ...]
    max_rtt_ms: float

    @property
    def binding(self) -> Binding:
        """The failed element: ``link``, ``site``, or ``cut`` for several links."""
        kind = {"link": "link", "site": "site"}.get(self.kind, "cut")
        return Binding(kind, self.name, self.describe())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "links": list(self.links),
                "effect": self.effect, "disconnected_pairs": self.disconnected_pairs,
                "rtt_increase_ms": self.rtt_increase_ms, "pair": list(self.pair),
                "max_rtt_ms": self.max_rtt_ms, "binding": self.binding.to_dict()}

    def describe(self) -> str:
        """One line for people, e.g. ``srlg:i70 (2 links): disconnects ashburn-columbus``."""
        what = self.name if self.kind == "link" else f"{self.name} ({len(self.links)} links)"
        if self.effect == "disconnection":
            more = f" and {self.disconnected_pairs - 1} more pairs" if self.disconnected_pairs > 1 \
                else ""
            return f"{what}: disconnects {'-'.join(self.pair)}{more}"
        if self.effect == "rtt_increase":
            # 10 µs, the precision of latencies everywhere else (2 decimals of ms)
            return f"{what}: RTT {'-'.join(self.pair)} +{self.rtt_increase_ms:.2f} ms"
        return f"{what}: no effect"


def single_failures(topology: Topology, *, among: Sequence[str] | None = None,
                    links: bool = True, srlgs: bool = True, sites: bool = False,
                    workers: int | None = None) -> list[Failure]:
    """Return the effect of each single link failure and each shared-risk group failure (and
    each site's, with `sites`).

    Parameters
    ----------
    among
        The sites whose pairwise RTT is watched (default: :func:`watched_sites`).
    links, srlgs, sites
        Which failures to try (see :func:`~infranet.algorithms.failures.failure_sets`).
    workers
        Processes the shortest-path searches may use: this argument, else the
        ``INFRANET_WORKERS`` environment variable, else 1 (:func:`infranet.parallel.workers`;
        ``-1``: every core). Nothing forks unless asked, and large searches only.

    Returns
    -------
    list of Failure
        Worst first: disconnections (most pairs first), then the largest RTT increase.
    """
    return failure_effects(topology, failure_sets(topology, links=links, srlgs=srlgs,
                                                  sites=sites), among=among, workers=workers)


def failure_effects(topology: Topology, failures: Sequence[FailureSet], *,
                    among: Sequence[str] | None = None,
                    workers: int | None = None) -> list[Failure]:
    """Return the effect of each failure set on the RTT between the sites `among` (default:
    :func:`watched_sites`), worst first (see :func:`single_failures`). Sites that fail are
    not watched in their own failure.

    Parameters
    ----------
    workers
        Processes the shortest-path searches may use: this argument, else the
        ``INFRANET_WORKERS`` environment variable, else 1 (:func:`infranet.parallel.workers`;
        ``-1``: every core). Nothing forks unless asked, and large searches only.
    """
    from infranet.algorithms._shortest import distances

    compiled = topology.compile()
    weights = arc_weights(topology, "latency")[0::2]
    names = list(among) if among is not None else watched_sites(topology)
    rows = np.array([topology.node_index(name) for name in names], dtype=np.int64)
    tail, head = compiled.tail[0::2], compiled.head[0::2]

    def rtt(mask: np.ndarray) -> np.ndarray:
        d = distances(compiled.n_nodes, tail[mask], head[mask], weights[mask], sources=rows,
                      workers=workers)
        return 2.0 * d[:, rows]

    base = rtt(np.ones(len(tail), dtype=bool))
    upper = np.triu(np.ones((len(rows), len(rows)), dtype=bool), k=1)
    base_connected = np.isfinite(base) & upper
    results = []
    for failure in failures:
        mask = ~failure.check(topology).arc_mask[0::2]
        after = rtt(mask)
        gone = np.isin(np.array(names, dtype=object), list(failure.sites))
        alive = ~gone[:, None] & ~gone[None, :]
        lost = base_connected & ~np.isfinite(after) & alive
        still = base_connected & np.isfinite(after) & alive
        with np.errstate(invalid="ignore"):  # inf - inf where pairs were never connected
            increase = np.where(still, after - base, 0.0)
        max_after = float(after[still].max()) if still.any() else 0.0
        pair: tuple[str, ...] = ()
        effect = "none"
        if lost.any():
            i, j = np.argwhere(lost)[0]
            effect, pair = "disconnection", (names[i], names[j])
        elif still.any() and increase.max() > 1e-12:
            i, j = np.unravel_index(np.argmax(increase), increase.shape)
            effect, pair = "rtt_increase", (names[i], names[j])
        results.append(Failure(failure.name, failure.kind, failure.links, effect,
                               int(lost.sum()), float(increase.max()) if still.any() else 0.0,
                               pair, max_after))
    results.sort(key=lambda f: (-f.disconnected_pairs, -f.rtt_increase_ms, f.name))
    return results


def worst_failure(topology: Topology, **options: Any) -> Failure | None:
    """Return the single failure that hurts most (see :func:`single_failures`, whose options,
    `workers` included, it takes), or None."""
    failures = single_failures(topology, **options)
    return failures[0] if failures else None


def watched_sites(topology: Topology) -> list[str]:
    """The sites whose RTT resilience watches by default: the datacenters, or every site when
    there are fewer than two datacenters."""
    datacenters = list(topology.datacenters)
    return datacenters if len(datacenters) >= 2 else list(topology.site_names[:topology.n_sites])
