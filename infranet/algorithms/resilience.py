"""Resilience: what each single failure (a fiber cut, a shared-risk group) does to latency and
connectivity between sites.

Failures are applied to the compiled arrays (arcs masked out), not by rebuilding the Topology, so
a scan over every link of a large backbone stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from infranet.model import Topology

__all__ = ["Failure", "failure_sets", "single_failures", "worst_failure"]


@dataclass(frozen=True)
class Failure:
    """The effect of one failure on the latency between a set of sites.

    Attributes
    ----------
    name : str
        Link name, or ``srlg:GROUP`` for a shared-risk group.
    kind : str
        ``link`` or ``srlg``.
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

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "links": list(self.links),
                "effect": self.effect, "disconnected_pairs": self.disconnected_pairs,
                "rtt_increase_ms": self.rtt_increase_ms, "pair": list(self.pair),
                "max_rtt_ms": self.max_rtt_ms}

    def describe(self) -> str:
        """One line for people, e.g. ``srlg:i70 (2 links): disconnects ashburn-columbus``."""
        what = self.name if self.kind == "link" else f"{self.name} ({len(self.links)} links)"
        if self.effect == "disconnection":
            more = f" and {self.disconnected_pairs - 1} more pairs" if self.disconnected_pairs > 1 \
                else ""
            return f"{what}: disconnects {'-'.join(self.pair)}{more}"
        if self.effect == "rtt_increase":
            return f"{what}: RTT {'-'.join(self.pair)} +{self.rtt_increase_ms:.3f} ms"
        return f"{what}: no effect"


def failure_sets(topology: Topology, *, links: bool = True,
                 srlgs: bool = True) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return ``(name, kind, links)`` of every single-link and every shared-risk-group failure."""
    out: list[tuple[str, str, tuple[str, ...]]] = []
    if links:
        out += [(name, "link", (name,)) for name in topology.link_names]
    if srlgs:
        out += [(f"srlg:{g}", "srlg", members) for g, members in topology.srlgs().items()]
    return out


def single_failures(topology: Topology, *, among: Sequence[str] | None = None,
                    links: bool = True, srlgs: bool = True) -> list[Failure]:
    """Return the effect of each single link failure and each shared-risk group failure.

    Parameters
    ----------
    among
        The sites whose pairwise RTT is watched (default: the datacenters, or every site when
        there are fewer than two datacenters).
    links, srlgs
        Which failures to try.

    Returns
    -------
    list of Failure
        Worst first: disconnections (most pairs first), then the largest RTT increase.
    """
    from infranet.algorithms._shortest import distances
    from infranet.algorithms.latency import _index, _weights

    compiled = topology.compile()
    weights = _weights(topology, "latency")[0::2]
    names = list(among) if among is not None else _watched(topology)
    rows = np.array([_index(topology, name) for name in names], dtype=np.int64)
    tail, head = compiled.tail[0::2], compiled.head[0::2]

    def rtt(mask: np.ndarray) -> np.ndarray:
        d = distances(compiled.n_nodes, tail[mask], head[mask], weights[mask], sources=rows)
        return 2.0 * d[:, rows]

    base = rtt(np.ones(len(tail), dtype=bool))
    upper = np.triu(np.ones((len(rows), len(rows)), dtype=bool), k=1)
    base_connected = np.isfinite(base) & upper
    position = {name: i for i, name in enumerate(compiled.links)}
    results = []
    for name, kind, members in failure_sets(topology, links=links, srlgs=srlgs):
        mask = np.ones(len(tail), dtype=bool)
        mask[[position[m] for m in members]] = False
        after = rtt(mask)
        lost = base_connected & ~np.isfinite(after)
        still = base_connected & np.isfinite(after)
        with np.errstate(invalid="ignore"):  # inf - inf where pairs were never connected
            increase = np.where(still, after - base, 0.0)
        max_after = float(after[still].max()) if still.any() else 0.0
        if lost.any():
            i, j = np.argwhere(lost)[0]
            effect, pair = "disconnection", (names[i], names[j])
        elif still.any() and increase.max() > 1e-12:
            i, j = np.unravel_index(np.argmax(increase), increase.shape)
            effect, pair = "rtt_increase", (names[i], names[j])
        else:
            effect, pair = "none", ()
        results.append(Failure(name, kind, tuple(members), effect, int(lost.sum()),
                               float(increase.max()) if still.any() else 0.0, pair, max_after))
    results.sort(key=lambda f: (-f.disconnected_pairs, -f.rtt_increase_ms, f.name))
    return results


def worst_failure(topology: Topology, **options: Any) -> Failure | None:
    """Return the single failure that hurts most (see :func:`single_failures`), or None."""
    failures = single_failures(topology, **options)
    return failures[0] if failures else None


def _watched(topology: Topology) -> list[str]:
    datacenters = list(topology.datacenters)
    return datacenters if len(datacenters) >= 2 else list(topology.site_names)


def failures_frame(failures: Sequence[Failure]) -> pd.DataFrame:
    """Return failures as a DataFrame, one row each."""
    return pd.DataFrame([f.to_dict() for f in failures])
