"""One row per tier of an explicit fabric: switches, links, bandwidth per accelerator,
oversubscription and hop latency, as the closed-form summary gives them
(:func:`infranet.fabrics.spec.summary`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.fabrics import hops
from infranet.fabrics.graph import SCALE_OUT, SCALE_UP, TIER_NAMES, FabricGraph, check, ends
from infranet.fabrics.records import frozen, plain
from infranet.results import Binding

__all__ = ["TierSummary", "tier_summary"]


@dataclass(frozen=True)
class TierSummary:
    """One row per tier of an explicit fabric (result protocol); iterating gives the rows.
    The binding is the tier with the least bandwidth per accelerator."""

    rows: tuple[Mapping[str, Any], ...]
    binding: Binding

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(frozen(r) for r in self.rows))

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Mapping[str, Any]:
        return self.rows[index]

    def to_dict(self) -> dict[str, Any]:
        """The rows, bottom up."""
        return {"tiers": plain(self.rows), "binding": self.binding.to_dict()}


def tier_summary(fabric: FabricGraph, *, switch: str | None = None,
                 switch_hop_us: float | None = None, scale_up_hop_us: float | None = None,
                 ici_hop_us: float | None = None) -> TierSummary:
    """Return one row per switch tier, bottom up: switches, links, Gb/s per accelerator, ratios.

    Per tier (``scale_up``, ``leaf``, ``spine``, ``core``; ``direct`` for accelerator-to-
    accelerator links, as in a torus):

    - ``switches``, ``radix`` (from the design), ``links_down`` (to lower tiers and
      accelerators), ``links_up``, ``links_lateral`` (same tier: dragonfly local and global);
    - ``down_gbps``, ``up_gbps``: capacity per direction into the tier from below and out of
      it upwards;
    - ``gbps_per_accelerator``: what each accelerator can push through the tier when all do
      at once, per direction: ``down_gbps`` over the accelerators attached to that network
      (scale-up or scale-out), capped by the tiers below (the NIC rate at the leaves, leaf
      uplinks over the accelerators at the spines; a partly filled pod adds no bandwidth);
    - ``oversubscription``: ``down_gbps / up_gbps`` of the tier's switches (None at the top);
      ``oversubscription_below``: first tier's Gb/s per accelerator over this tier's (the
      cumulative ratio, as in ``infranet.fabrics.spec.summary``);
    - ``hop_us``: latency of one switch of the tier (of one link, for direct links).

    Examples
    --------
    A 2:1 leaf: two 400 Gb/s accelerators, one 400 Gb/s uplink.

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> [(r["tier"], r["gbps_per_accelerator"], r["oversubscription"]) for r in tier_summary(f)]
    [('leaf', 400.0, 2.0), ('spine', 200.0, None)]
    """
    check(fabric)
    hop_us = hops.switch_hop_us(switch) if switch_hop_us is None else float(switch_hop_us)
    up_us = hops.scale_up_hop_us() if scale_up_hop_us is None else float(scale_up_hop_us)
    ici_us = hops.ici_hop_us() if ici_hop_us is None else float(ici_hop_us)
    n_acc = fabric.n_accelerators
    tier_u = fabric.node_tier[fabric.link_u].astype(np.int64)
    tier_v = fabric.node_tier[fabric.link_v].astype(np.int64)
    cap = fabric.link_gbps
    rows: list[dict[str, Any]] = []
    base: dict[int, float] = {}  # first tier's Gb/s per accelerator, per network kind
    direct = (tier_u == -1) & (tier_v == -1)
    if direct.any():
        attached = np.flatnonzero(ends(fabric, direct))
        rows.append({
            "tier": "direct", "switches": 0, "radix": None,
            "links_down": 0, "links_up": 0, "links_lateral": int(direct.sum()),
            "down_gbps": 0.0, "up_gbps": 0.0,
            "gbps_per_accelerator": 2 * float(cap[direct].sum()) / attached.size,
            "accelerators": int(attached.size), "oversubscription": None,
            "oversubscription_below": 1.0, "hop_us": ici_us})
    reach: dict[int, float] = {}
    accelerators_on: dict[int, int] = {}
    for tier in sorted(fabric.switches_per_tier):
        down = ((tier_u == tier) & (tier_v < tier)) | ((tier_v == tier) & (tier_u < tier))
        up = ((tier_u == tier) & (tier_v > tier)) | ((tier_v == tier) & (tier_u > tier))
        lateral = (tier_u == tier) & (tier_v == tier)
        network = SCALE_UP if tier == 0 else SCALE_OUT
        if network not in accelerators_on:
            accelerators_on[network] = int(np.count_nonzero(
                ends(fabric, fabric.link_kind == network)[:n_acc]))
        accs = accelerators_on[network]
        down_gbps, up_gbps = float(cap[down].sum()), float(cap[up].sum())
        per_acc = down_gbps / accs if accs else None
        if per_acc and network not in base:
            base[network] = per_acc
        if per_acc and network in reach:
            # an accelerator pushes no more than the narrowest tier on its way up
            per_acc = min(per_acc, reach[network])
        if per_acc:
            reach[network] = per_acc
        rows.append({
            "tier": TIER_NAMES.get(tier, f"tier{tier}"),
            "switches": fabric.switches_per_tier[tier],
            "radix": fabric.switch_radix.get(tier),
            "links_down": int(down.sum()), "links_up": int(up.sum()),
            "links_lateral": int(lateral.sum()),
            "down_gbps": down_gbps, "up_gbps": up_gbps,
            "gbps_per_accelerator": per_acc, "accelerators": accs,
            "oversubscription": down_gbps / up_gbps if up_gbps > 0 else None,
            "oversubscription_below": (base[network] / per_acc
                                       if per_acc and network in base else None),
            "hop_us": up_us if tier == 0 else hop_us,
        })
    known = [r for r in rows if r["gbps_per_accelerator"]]
    narrow = min(known, key=lambda r: r["gbps_per_accelerator"]) if known else None
    binding = (Binding("tier", narrow["tier"], f"{narrow['tier']}: "
                       f"{narrow['gbps_per_accelerator']:,.1f} Gb/s per accelerator")
               if narrow else Binding.nothing("no tiers"))
    return TierSummary(tuple(rows), binding)
