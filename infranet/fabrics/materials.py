"""The bill of materials of an explicit fabric: accelerators, switches, links and optical
modules by type and rate, and their IT power (:func:`infranet.fabrics.power.it_power`, the
same sum as the closed form's)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet import physics
from infranet.fabrics import power
from infranet.fabrics.graph import SCALE_OUT, SCALE_UP, TIER_NAMES, FabricGraph, check, link_tiers
from infranet.fabrics.records import frozen, plain
from infranet.fabrics.spec import rate_label
from infranet.results import Binding

__all__ = ["BillOfMaterials", "bill_of_materials", "links_by_type"]


def links_by_type(fabric: FabricGraph) -> dict[str, int]:
    """Links per type: ``scale_up``, or the tier pair of a scale-out link (``accelerator-leaf``,
    ``leaf-spine``, ``leaf-leaf`` in a dragonfly, ``accelerator-accelerator`` in a torus).

    Examples
    --------
    >>> from infranet.fabrics.generators import fat_tree
    >>> links_by_type(fat_tree(4))
    {'accelerator-leaf': 16, 'leaf-spine': 16, 'spine-core': 16}
    """
    lo, hi = link_tiers(fabric)
    code = np.where(fabric.link_kind == SCALE_UP, 0,
                    1 + (np.clip(lo, -1, 3) + 1) * 5 + np.clip(hi, -1, 3) + 1)
    counts = np.bincount(code, minlength=26)
    names = {0: "scale_up"}
    for a in range(-1, 4):
        for b in range(-1, 4):
            names[1 + (a + 1) * 5 + b + 1] = (f"{TIER_NAMES.get(a, f'tier{a}')}-"
                                             f"{TIER_NAMES.get(b, f'tier{b}')}")
    present = [int(i) for i in np.flatnonzero(counts)]
    return {names[i]: int(counts[i]) for i in sorted(present, key=names.__getitem__)}


def _per_tier(value: float | Mapping[Any, float] | None, tier: int, default: float) -> float:
    """A per-tier figure from a number, a mapping by tier index or name, or the default."""
    if value is None:
        return default
    if isinstance(value, Mapping):
        for key in (tier, TIER_NAMES.get(tier)):
            if key in value:
                return float(value[key])
        return default
    return float(value)


def _default_switch_w(fabric: FabricGraph, tier: int) -> float:
    """The catalogue's rule (:func:`infranet.fabrics.power.switch_w`) for radix × the fastest
    port rate at that tier; 0 for NVLink switches, which are part of their system's power."""
    if tier == 0:
        return 0.0
    mask = fabric.node_tier == tier
    ends = np.concatenate([fabric.link_u, fabric.link_v])
    rates = np.concatenate([fabric.link_gbps, fabric.link_gbps])
    at_tier = mask[ends]
    if not at_tier.any():
        return 0.0
    radix = fabric.switch_radix.get(tier)
    if radix is None:
        radix = int(np.bincount(ends[at_tier], minlength=fabric.n_nodes).max())
    return power.switch_w(radix=int(radix), port_gbps=float(rates[at_tier].max()))


@dataclass(frozen=True)
class BillOfMaterials:
    """Counts of accelerators, switches, links and optical modules, and IT power in kW (result
    protocol).

    ``power_kw`` is the IT power: accelerators (their share of their published system,
    :func:`infranet.fabrics.power.accelerator_it_w`), scale-out switches and optical modules;
    where the accelerators' power is unknown, ``power_kw_by_part["accelerators"]`` and
    ``power_kw`` are None, a note says so, ``complete`` is False and ``known_power_kw`` sums
    the known parts.
    """

    accelerators: int
    accelerator: str | None
    switches: int
    switches_per_tier: Mapping[str, int]
    switch_radix: Mapping[str, int]
    links: int
    links_by_type: Mapping[str, int]
    transceivers: Mapping[str, int]
    power_kw_by_part: Mapping[str, float | None]
    unit_power_w: Mapping[str, Any]
    notes: tuple[str, ...]
    binding: Binding

    def __post_init__(self) -> None:
        for name in ("switches_per_tier", "switch_radix", "links_by_type", "transceivers",
                     "power_kw_by_part", "unit_power_w"):
            object.__setattr__(self, name, frozen(getattr(self, name)))

    @property
    def parts(self) -> power.ItPower:
        """The IT power in parts."""
        p = self.power_kw_by_part
        return power.ItPower(p["accelerators"], float(p["switches"] or 0.0),
                             float(p["transceivers"] or 0.0))

    @property
    def power_kw(self) -> float | None:
        """IT power, kW; None when the accelerators' power is unknown."""
        return self.parts.total_kw

    @property
    def known_power_kw(self) -> float:
        """The known parts of the IT power, kW."""
        return self.parts.known_kw

    @property
    def transceivers_total(self) -> int:
        """Optical modules of every rate."""
        return int(sum(self.transceivers.values()))

    @property
    def complete(self) -> bool:
        """Whether every part of the power is known."""
        return self.parts.complete

    def to_dict(self) -> dict[str, Any]:
        """Headline ``power_kw`` (null when unknown), then counts by tier, type and rate."""
        return {"power_kw": self.power_kw, "complete": self.complete,
                "known_power_kw": self.known_power_kw,
                "accelerators": self.accelerators, "accelerator": self.accelerator,
                "switches": self.switches, "switches_per_tier": plain(self.switches_per_tier),
                "switch_radix": plain(self.switch_radix), "links": self.links,
                "links_by_type": plain(self.links_by_type),
                "transceivers": plain(self.transceivers),
                "transceivers_total": self.transceivers_total,
                "power_kw_by_part": plain(self.power_kw_by_part),
                "unit_power_w": plain(self.unit_power_w), "notes": list(self.notes),
                "binding": self.binding.to_dict()}


def bill_of_materials(fabric: FabricGraph, *, accelerator: str | None = None,
                      catalogue: Mapping[str, physics.Accelerator] | None = None,
                      accelerator_w: float | None = None, copper_host_links: bool = False,
                      switch: str | None = None,
                      switch_w: float | Mapping[Any, float] | None = None, optic: str | None = None,
                      transceiver_w: float | Mapping[float, float] | None = None
                      ) -> BillOfMaterials:
    """Return the bill of materials: counts of accelerators, switches, links, optics; power in kW.

    - links by type: ``scale_up`` (NVLink, copper) and each scale-out tier pair
      (``accelerator-leaf``, ``leaf-spine``, ``spine-core``, ``leaf-leaf`` in a dragonfly, ...);
    - transceivers by rate (``400G``, ...): two optical modules per scale-out link between
      switches; two per accelerator link (NIC side and switch side) unless `copper_host_links`;
      none on scale-up links, nor on links between two accelerators (a torus: direct attach,
      as the closed form counts them);
    - IT power: accelerators × their share of their published system + switches × switch
      power + transceivers × module power (:func:`infranet.fabrics.power.it_power`).

    Parameters
    ----------
    fabric : FabricGraph
    accelerator : str, optional
        Name in the accelerator catalogue (`catalogue`, else the packaged one); its system share
        counts each accelerator. Unknown (no published system power): left out, with a note.
    catalogue : mapping, optional
        A topology's accelerators (:meth:`infranet.model.Topology.accelerators`).
    accelerator_w : float, optional
        IT power per accelerator, W, instead of the catalogue's.
    copper_host_links : bool
        Accelerator links are copper (DAC): no transceivers.
    switch : str, optional
        A switch of ``physics.switches()`` whose ``power_w`` counts each scale-out switch.
    switch_w : float or mapping of tier (index or name) to W, optional
        Power per switch without optics; by default the catalogue's rule (15 W per Tb/s of
        bidirectional port capacity) and 0 W for NVLink switches (part of their system).
    optic : str, optional
        A module of ``physics.optics()`` (e.g. ``400G-DR4``) whose ``power_w`` counts each
        transceiver.
    transceiver_w : float or mapping of rate (Gb/s) to W, optional
        Power per module; by default the catalogue's rule (0.025 W per Gb/s, 10 W at 400 Gb/s).

    Examples
    --------
    >>> import numpy as np
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 2], np.int8), np.array([0, 0, 0, -1], np.int32),
    ...     np.array([0, 1, 2], np.int32), np.array([2, 2, 3], np.int32),
    ...     np.zeros(3, np.int8), np.full(3, 400.0))
    >>> bom = bill_of_materials(f, accelerator="H100", switch_w=1000.0)
    >>> dict(bom.links_by_type), dict(bom.transceivers), round(bom.power_kw, 3)
    ({'accelerator-leaf': 2, 'leaf-spine': 1}, {'400G': 6}, 4.61)
    """
    check(fabric)
    n_acc = fabric.n_accelerators
    notes: list[str] = []
    per_acc_w: float | None = None
    if accelerator_w is not None:
        per_acc_w = float(accelerator_w)
    elif accelerator is not None:
        record = physics.accelerator(accelerator, catalogue)
        per_acc_w = power.accelerator_it_w(record)
        if per_acc_w is None:
            notes.append(power.unknown_power_note(accelerator, n_acc))
    else:
        per_acc_w = 0.0
        notes.append("no accelerator named: power_kw counts switches and optics only")
    if switch is not None and switch_w is None:
        catalogue_w = physics.switch(switch).power_w
        if catalogue_w is not None:
            switch_w = {t: catalogue_w for t in (1, 2, 3)}
    if optic is not None and transceiver_w is None:
        transceiver_w = physics.optic(optic).power_w
    lo, hi = link_tiers(fabric)
    # links between two accelerators (a torus) attach directly, as scale-up links do
    optical = (fabric.link_kind == SCALE_OUT) & (hi >= 0)
    if copper_host_links:
        optical &= lo >= 0
    rates, modules = np.unique(fabric.link_gbps[optical], return_counts=True)
    transceivers = {rate_label(r): 2 * int(c) for r, c in zip(rates, modules, strict=True)}
    module_w = {}
    for r in rates:
        w = None
        if isinstance(transceiver_w, Mapping):
            w = transceiver_w.get(float(r), transceiver_w.get(int(r), None))
        elif transceiver_w is not None:
            w = transceiver_w
        module_w[rate_label(r)] = float(w) if w is not None else power.module_w(float(r))
    per_tier = fabric.switches_per_tier
    unit_switch_w = {TIER_NAMES.get(t, f"tier{t}"):
                     _per_tier(switch_w, t, _default_switch_w(fabric, t)) for t in per_tier}
    if 0 in per_tier:
        notes.append("NVLink switches count 0 W: they are part of their system's power")
    parts = power.it_power(
        accelerators=n_acc, per_accelerator_w=per_acc_w,
        switches=[(per_tier[t], unit_switch_w[TIER_NAMES.get(t, f"tier{t}")]) for t in per_tier],
        modules=[(transceivers[k], module_w[k]) for k in transceivers])
    total = ("unknown (the accelerators' power is not published)" if parts.total_kw is None
             else f"{parts.total_kw:,.1f} kW")
    return BillOfMaterials(
        accelerators=n_acc, accelerator=accelerator,
        switches=int(sum(per_tier.values())),
        switches_per_tier={TIER_NAMES.get(t, f"tier{t}"): c for t, c in per_tier.items()},
        switch_radix={TIER_NAMES.get(t, f"tier{t}"): int(r)
                      for t, r in fabric.switch_radix.items()},
        links=fabric.n_links, links_by_type=links_by_type(fabric), transceivers=transceivers,
        power_kw_by_part={"accelerators": parts.accelerators_kw, "switches": parts.switches_kw,
                          "transceivers": parts.transceivers_kw},
        unit_power_w={"accelerator": per_acc_w, "switch": unit_switch_w,
                      "transceiver": module_w},
        notes=tuple(notes),
        binding=Binding("none", None, f"{n_acc:,} accelerators, {sum(per_tier.values()):,} "
                        f"switches, {fabric.n_links:,} links, IT power {total}"))
