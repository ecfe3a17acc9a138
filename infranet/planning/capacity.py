"""What each datacenter's clusters can still take: accelerators available, the power each one
draws, and the site's power headroom.

One reading of a topology for every planner: a cluster offers its ``available`` accelerators
(:func:`infranet.model.schema.available`); each draws its share of its system's IT power and of
the fabric (:func:`infranet.fabrics.power.cluster_power`, divided by the count); a site's
``power_mw`` is facility power, so its budget for IT is ``power_mw / pue``, less what its busy
accelerators (``count`` less ``available``) already draw. A site without ``power_mw`` is not
limited by power; an accelerator whose system power is not published cannot be held against
it (``it_w`` None), and the planners say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["ClusterRoom", "cluster_rooms"]


@dataclass(frozen=True)
class ClusterRoom:
    """What one cluster can take for new work.

    Attributes
    ----------
    site, cluster, accelerator : str
        Where, and the accelerator type.
    available : int
        Accelerators free for new work.
    it_w : float or None
        IT power per accelerator, W (its system's share and the fabric's); None when not
        published.
    pue : float
        The site's PUE.
    busy_w : float
        IT power of the site's busy accelerators, W (those of every cluster of the site whose
        power is known).
    budget_mw : float or None
        The site's ``power_mw`` (facility), None when not given.
    price : float or None
        Cost of an accelerator-hour, None when not given.
    """

    site: str
    cluster: str
    accelerator: str
    available: int
    it_w: float | None
    pue: float
    busy_w: float
    budget_mw: float | None
    price: float | None

    @property
    def facility_w(self) -> float | None:
        """Facility power of one accelerator (IT × PUE), W; None when not published."""
        return None if self.it_w is None else self.it_w * self.pue

    @property
    def headroom_w(self) -> float:
        """Facility power the site can still give, W (inf without ``power_mw``)."""
        if self.budget_mw is None:
            return math.inf
        return max(self.budget_mw * 1e6 - self.busy_w * self.pue, 0.0)

    @property
    def power_limit(self) -> int | None:
        """Accelerators of this cluster the site's power allows, were it the only one to grow
        (None: not limited, or its power is unknown)."""
        if self.budget_mw is None or self.it_w is None:
            return None
        return max(math.floor(self.headroom_w / (self.it_w * self.pue) + 1e-9), 0)


def cluster_rooms(topology: Topology) -> list[ClusterRoom]:
    """Return what every cluster of every datacenter of `topology` can take, in file order.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "dc", "kind": "datacenter",
    ...     "power_mw": 10, "pue": 1.25, "clusters": [{"name": "c", "accelerator": "H100",
    ...     "count": 1024, "available": 512}]}], "links": []})
    >>> (room,) = cluster_rooms(topo)
    >>> room.available, round(room.it_w), room.budget_mw, room.power_limit
    (512, 1275, 10.0, 5762)
    """
    from infranet.fabrics.power import cluster_power, site_pue
    from infranet.model.schema import available

    catalogue = topology.accelerators()
    out: list[ClusterRoom] = []
    for site in topology.datacenters:
        spec = topology.site(site)
        clusters = list(spec.get("clusters") or ())
        pue = site_pue(spec)[0]
        per_w: list[float | None] = []
        for c in clusters:
            p = cluster_power(c, catalogue, site=site)
            per_w.append(None if p.it_power_kw is None else p.it_power_kw * 1e3 / p.count)
        busy_w = sum((int(c["count"]) - available(c)) * (w or 0.0)
                     for c, w in zip(clusters, per_w, strict=True))
        budget = spec.get("power_mw")
        for c, w in zip(clusters, per_w, strict=True):
            price = c.get("cost_per_accelerator_hour")
            out.append(ClusterRoom(
                site=site, cluster=str(c["name"]), accelerator=str(c["accelerator"]),
                available=available(c), it_w=w, pue=pue, busy_w=busy_w,
                budget_mw=None if budget is None else float(budget),
                price=None if price is None else float(price)))
    return out
