"""Round-trip times with their basis: along the topology's fiber where a path exists, else
estimated.

:func:`rtt_matrix` gives the RTT from each source to each target (sites of a topology, or user
regions as points) and says, pair by pair, how it was obtained:

* ``fiber``: twice the one-way latency of the lowest-latency path over the topology's links
  (:func:`infranet.algorithms.latency.latency_matrix`): fiber propagation and equipment, a floor
  without queueing;
* ``estimate``: no path joins the two (or one is a point outside the topology, or an estimate
  was asked for): the median RTT of :mod:`infranet.algorithms.estimate`, from the two
  locations over a reference long-haul backbone.

:func:`site_rtt` is the same for one pair, with both figures when both exist.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import ValidationError, counted
from infranet.model.regions import Regions
from infranet.results import Binding, FrozenState, freeze

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["BASES", "ESTIMATE_METHOD", "RttMatrix", "SiteRtt", "rtt_matrix", "site_rtt"]

#: How an RTT was obtained.
BASES = ("fiber", "estimate")
#: What an estimated RTT is.
ESTIMATE_METHOD = ("median RTT estimated from the two locations: access legs and a path over "
                   "a reference long-haul backbone (terrestrial routes and subsea cables), "
                   "calibrated on measured inter-region RTTs")


@dataclass(frozen=True, eq=False)
class RttMatrix(FrozenState):
    """RTT from each source (row) to each target (column), with its basis.

    Attributes
    ----------
    sources, targets : tuple of str
        Site or region names.
    rtt_ms : ndarray, shape (sources, targets)
        Round-trip time, ms (read-only).
    basis : ndarray of str, shape (sources, targets)
        ``fiber`` or ``estimate``, pair by pair (read-only).
    distance_km : ndarray, shape (sources, targets)
        Great-circle distance, km; NaN where a site has no location (read-only).
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    rtt_ms: np.ndarray
    basis: np.ndarray
    distance_km: np.ndarray

    @property
    def estimated(self) -> int:
        """Pairs whose RTT is estimated."""
        return int((self.basis == "estimate").sum())

    @property
    def max_rtt_ms(self) -> float:
        return float(self.rtt_ms.max()) if self.rtt_ms.size else 0.0

    @property
    def binding(self) -> Binding:
        if not self.rtt_ms.size:
            return Binding.nothing("no pairs")
        i, j = np.unravel_index(int(np.argmax(self.rtt_ms)), self.rtt_ms.shape)
        pairs = self.rtt_ms.size
        return Binding("propagation", f"{self.sources[i]}--{self.targets[j]}",
                       f"longest RTT {self.rtt_ms[i, j]:.4g} ms ({self.basis[i, j]}), "
                       f"{self.sources[i]} to {self.targets[j]}; "
                       f"{counted(pairs - self.estimated, 'pair')} along fiber, "
                       f"{self.estimated:,} estimated")

    def to_dict(self) -> dict[str, Any]:
        return {"max_rtt_ms": self.max_rtt_ms, "estimated_pairs": self.estimated,
                "fiber_pairs": int(self.rtt_ms.size - self.estimated), "unit": "ms",
                "sources": list(self.sources), "targets": list(self.targets),
                "rtt_ms": self.rtt_ms.tolist(), "basis": self.basis.tolist(),
                "estimate_method": ESTIMATE_METHOD, "binding": self.binding.to_dict()}


def _ends(topology: Topology, ends: Sequence[str] | Regions | None,
          ) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, bool]:
    """Names, lon, lat of sources or targets, and whether they are sites of the topology."""
    if isinstance(ends, Regions):
        return ends.names, np.asarray(ends.lon), np.asarray(ends.lat), False
    names = tuple(topology.site_names if ends is None else ends)
    table = topology.sites
    for name in names:
        topology.node_index(name)  # UnknownNameError for a name that is not a site
    lon = table["lon"].reindex(list(names)).to_numpy(dtype=float)
    lat = table["lat"].reindex(list(names)).to_numpy(dtype=float)
    return names, lon, lat, True


def rtt_matrix(topology: Topology, sources: Sequence[str] | Regions | None = None,
               targets: Sequence[str] | Regions | None = None, *,
               estimate: bool = False) -> RttMatrix:
    """Return the RTT from each source to each target, along fiber where a path exists,
    estimated otherwise, with the basis of each.

    Parameters
    ----------
    sources, targets
        Site names, or user regions (:class:`~infranet.model.regions.Regions`, points whose RTT
        is always estimated); default: every site.
    estimate
        Estimate every pair, even where fiber joins it (to compare the two).

    Raises
    ------
    UnknownNameError
        For a name that is not a site.
    ValidationError
        When a pair must be estimated and a site has no location.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.model.regions import Regions
    >>> topo = Topology.from_dict({"name": "t", "sites": [
    ...     {"name": "ashburn", "kind": "datacenter", "location": [-77.49, 39.04]},
    ...     {"name": "columbus", "kind": "datacenter", "location": [-82.80, 40.08]},
    ...     {"name": "dallas", "kind": "datacenter", "location": [-96.82, 32.80]}],
    ...     "links": [{"a": "ashburn", "b": "columbus"}]})
    >>> m = rtt_matrix(topo, ["ashburn"], ["columbus", "dallas"])
    >>> m.basis.tolist(), round(float(m.rtt_ms[0, 0]), 2)
    ([['fiber', 'estimate']], 6.11)
    >>> users = Regions(["nyc"], [-73.94], [40.73])
    >>> rtt_matrix(topo, users, ["ashburn", "dallas"]).basis.tolist()
    [['estimate', 'estimate']]
    """
    from infranet.algorithms.estimate import estimate_rtt_matrix, great_circle_km
    from infranet.algorithms.latency import latency_matrix

    src, src_lon, src_lat, src_sites = _ends(topology, sources)
    dst, dst_lon, dst_lat, dst_sites = _ends(topology, targets)
    rtt = np.full((len(src), len(dst)), np.inf)
    if src_sites and dst_sites and not estimate and src and dst:
        nodes = list(dict.fromkeys([*src, *dst]))
        one_way = latency_matrix(topology, nodes=nodes)
        rtt = 2.0 * one_way.loc[list(src), list(dst)].to_numpy(dtype=float)
    fiber = np.isfinite(rtt)
    need = ~fiber
    if need.any():
        rows, cols = np.flatnonzero(need.any(axis=1)), np.flatnonzero(need.any(axis=0))
        for names, lon, index in ((src, src_lon, rows), (dst, dst_lon, cols)):
            missing = [names[i] for i in index if not math.isfinite(lon[i])]
            if missing:
                raise ValidationError("has no location, so its RTT cannot be estimated where "
                                      "no fiber path reaches it", file=topology.file,
                                      element=f"site {missing[0]!r}", field="location")
        estimated = estimate_rtt_matrix(src_lon[rows], src_lat[rows], dst_lon[cols],
                                        dst_lat[cols])
        block = rtt[np.ix_(rows, cols)]
        rtt[np.ix_(rows, cols)] = np.where(np.isfinite(block), block, estimated)
    with np.errstate(invalid="ignore"):
        distance = np.full(rtt.shape, np.nan)
        ok_src, ok_dst = np.isfinite(src_lon), np.isfinite(dst_lon)
        if ok_src.any() and ok_dst.any():
            distance[np.ix_(ok_src, ok_dst)] = great_circle_km(
                src_lon[ok_src, None], src_lat[ok_src, None], dst_lon[ok_dst], dst_lat[ok_dst])
    basis = np.where(fiber, "fiber", "estimate")
    return RttMatrix(src, dst, freeze(rtt), freeze(basis), freeze(distance))


@dataclass(frozen=True)
class SiteRtt:
    """The RTT between two sites, with its basis, and both figures where both exist.

    Attributes
    ----------
    source, target : str
        Site names.
    rtt_ms : float
        The RTT this result gives, ms: along fiber, or estimated (``basis``).
    basis : str
        ``fiber`` or ``estimate``.
    fiber_rtt_ms : float
        RTT along the lowest-latency fiber path (a floor without queueing); NaN without a path.
    estimate_rtt_ms : float
        Estimated median RTT from the two locations; NaN when a site has no location.
    distance_km : float
        Great-circle distance, km (NaN without locations).
    """

    source: str
    target: str
    rtt_ms: float
    basis: str
    fiber_rtt_ms: float
    estimate_rtt_ms: float
    distance_km: float

    @property
    def one_way_ms(self) -> float:
        """Half the RTT, ms."""
        return self.rtt_ms / 2.0

    @property
    def binding(self) -> Binding:
        how = ("along the lowest-latency fiber path" if self.basis == "fiber"
               else f"estimated over {self.distance_km:,.0f} km of great circle")
        return Binding("propagation", None, f"RTT {self.rtt_ms:.4g} ms {how}")

    def to_dict(self) -> dict[str, Any]:
        def number(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {"from": self.source, "to": self.target, "rtt_ms": self.rtt_ms,
                "one_way_ms": self.one_way_ms, "basis": self.basis,
                "fiber_rtt_ms": number(self.fiber_rtt_ms),
                "estimate_rtt_ms": number(self.estimate_rtt_ms),
                "great_circle_km": number(self.distance_km),
                "estimate_method": ESTIMATE_METHOD, "binding": self.binding.to_dict()}


def site_rtt(topology: Topology, source: str, target: str, *,
             estimate: bool = False) -> SiteRtt:
    """Return the RTT between two sites: along fiber where a path exists (unless `estimate`),
    else estimated from their locations; with both figures where both exist.

    Raises
    ------
    UnknownNameError
        For a site that does not exist.
    ValidationError
        When the RTT must be estimated and a site has no location.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [
    ...     {"name": "ashburn", "location": [-77.49, 39.04]},
    ...     {"name": "columbus", "location": [-82.80, 40.08]}],
    ...     "links": [{"a": "ashburn", "b": "columbus"}]})
    >>> fiber = site_rtt(topo, "ashburn", "columbus")
    >>> fiber.basis, round(fiber.rtt_ms, 2), fiber.estimate_rtt_ms > fiber.rtt_ms
    ('fiber', 6.11, True)
    >>> site_rtt(topo, "ashburn", "columbus", estimate=True).basis
    'estimate'
    """
    fiber_only = rtt_matrix(topology, [source], [target])
    has_fiber = fiber_only.basis[0, 0] == "fiber"
    fiber_rtt = float(fiber_only.rtt_ms[0, 0]) if has_fiber else math.nan
    distance = float(fiber_only.distance_km[0, 0])
    if math.isnan(distance):
        if estimate or not has_fiber:
            rtt_matrix(topology, [source], [target], estimate=True)  # raises: no location
        estimated = math.nan
    else:
        estimated = float(rtt_matrix(topology, [source], [target], estimate=True).rtt_ms[0, 0])
    use_estimate = estimate or not has_fiber
    return SiteRtt(source, target, estimated if use_estimate else fiber_rtt,
                   "estimate" if use_estimate else "fiber", fiber_rtt, estimated, distance)
