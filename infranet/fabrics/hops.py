"""Latency of a fabric's hops and cables, read from the catalogue of named figures.

One home for each figure (``infranet/data/figures.csv``, each row with its source): the
closed-form summary (:mod:`infranet.fabrics.spec`), the analytics of an explicit graph
(:mod:`infranet.fabrics.distance`, :mod:`infranet.fabrics.tiers`) and the expansion into a Topology
(:mod:`infranet.fabrics.expand`) all read them here, so that the three agree.

A path between two accelerators pays, per switch it crosses, that switch's hop (scale-out tiers
``switch_hop_us``, NVLink switches ``scale_up_hop_us``); per link between two accelerators (a
torus), one inter-chip hop (``ici_hop_us``); and per link, ``cable_m`` of single-mode fibre.
"""

from __future__ import annotations

from infranet import physics
from infranet.errors import ValidationError

__all__ = ["cable_us", "hop_us", "ici_hop_us", "scale_up_hop_us", "switch_hop_us"]


def switch_hop_us(switch: str | None = None) -> float:
    """Scale-out switch hop, µs: the named catalogue switch's (``physics.switches()``), else
    the figure ``switch_hop_us``.

    Examples
    --------
    >>> switch_hop_us(), switch_hop_us("SN5600")
    (0.25, 0.65)
    """
    if switch is not None:
        hop = physics.switch(switch).hop_latency_us
        if hop is not None:
            return hop
    return physics.figure("switch_hop_us")


def scale_up_hop_us() -> float:
    """NVLink-switch hop, µs (figure ``scale_up_hop_us``)."""
    return physics.figure("scale_up_hop_us")


def ici_hop_us() -> float:
    """Inter-chip hop of a direct (torus) link, µs (figure ``ici_hop_us``)."""
    return physics.figure("ici_hop_us")


def cable_us(cable_m: float | None = None, us_per_m: float | None = None) -> float:
    """Propagation over one fabric link, µs: `cable_m` (default the figure ``cable_m``) at
    `us_per_m` (default single-mode fibre's, from the media catalogue).

    Raises
    ------
    ValidationError
        For a negative length or propagation.

    Examples
    --------
    >>> round(cable_us(), 5)  # 10 m at 4.8974 µs/km
    0.04897
    >>> cable_us(0.0)
    0.0
    """
    if cable_m is None:
        cable_m = physics.figure("cable_m")
    if us_per_m is None:
        us_per_m = physics.medium("smf").us_per_km / 1000.0  # 4.9 ns/m
    if cable_m < 0 or us_per_m < 0:
        raise ValidationError(f"cable {cable_m} m at {us_per_m} µs/m; expected >= 0",
                              field="cable_m")
    return float(cable_m) * float(us_per_m)


def hop_us(tier: str) -> float:
    """Latency of crossing one element of `tier`, µs: ``scale_up`` (an NVLink switch),
    ``direct`` (a link between accelerators), else a scale-out switch (leaf, spine, core).

    Examples
    --------
    >>> hop_us("spine"), hop_us("direct")
    (0.25, 1.0)
    """
    if tier == "scale_up":
        return scale_up_hop_us()
    if tier == "direct":
        return ici_hop_us()
    return switch_hop_us()
