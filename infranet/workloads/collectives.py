"""Collective communication costs: the α-β model of all-reduce, all-gather and their kin.

A collective over ``p`` ranks moving ``S`` bytes is a sequence of steps; each step costs a
latency ``α`` (the fixed cost of a step: launch, synchronisation, protocol, plus the one-way
path latency where the ranks are far apart) and each rank moves its bytes at ``B`` bytes per
second. The time of an algorithm is ``steps·α + volume·S/B``, with the step count and volume of
the algorithm (MPICH's collective algorithms; Thakur, Rabenseifner and Gropp 2005):

============================  =======================  ==============================
op / algorithm                steps                    bytes each rank sends, ÷ S
============================  =======================  ==============================
allreduce ring                2(p−1)                   2(p−1)/p
allreduce tree                2⌈log₂p⌉                 2   (NCCL's double binary tree)
allreduce halving_doubling    2·log₂p (p a power of 2) 2(p−1)/p   (Rabenseifner)
allreduce direct              2(p−1)                   2(p−1)/p   (reduce-scatter + gather)
allreduce in_network          2                        1   (NVLS / SHARP: the switch adds)
reduce_scatter, allgather     ring, direct: p−1;       (p−1)/p
                              halving_doubling: log₂p
alltoall direct               p−1                      (p−1)/p
alltoall halving_doubling     log₂p (Bruck)            log₂p / 2
broadcast ring                p−1 (pipelined chain)    1
broadcast tree                ⌈log₂p⌉ (binomial)       ⌈log₂p⌉
broadcast halving_doubling    2·log₂p (scatter+gather) 2(p−1)/p
broadcast direct              p−1                      p−1  (the root sends to each)
sendrecv direct               1                        1
============================  =======================  ==============================

``size_bytes`` is nccl-tests' "size": the buffer each rank holds (for all-gather the gathered
output, for reduce-scatter the input). Bandwidths are in Gb/s (bits) per rank and direction, as
everywhere in infranet; nccl-tests reports GB/s, which is ``_gbps / 8``.

Where a transfer crosses a long path with a bounded window, its rate is at most window / RTT
with RTT = 2 × the one-way latency (SimGrid's CM02 model). Every numeric argument may be a numpy
array; they broadcast, so one call prices many configurations.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet import physics
from infranet.errors import ValidationError, did_you_mean
from infranet.results import Binding, FrozenDict, plain

__all__ = [
    "ALGORITHMS",
    "LEVEL_NAMES",
    "OPS",
    "Collective",
    "Level",
    "base_latency_s",
    "best_algorithm",
    "bus_factor",
    "collective",
    "hierarchical_time_s",
    "levels_of",
    "parse_group",
    "rate_bytes_per_s",
    "step_figures",
    "tier_alpha_s",
    "time_s",
]

#: The collective operations, with nccl-tests' names.
OPS = ("allreduce", "reduce_scatter", "allgather", "alltoall", "broadcast", "sendrecv")

#: The algorithms; ``auto`` is the fastest valid one, ``hierarchical`` works over tiers.
ALGORITHMS = ("ring", "tree", "halving_doubling", "direct", "in_network", "hierarchical", "auto")

#: The tiers a group spans, from the inside out; ``flat`` is one tier given by its numbers.
LEVEL_NAMES = ("scale_up", "scale_out", "dci", "flat")

# the algorithms a flat (one-tier) collective chooses among
_FLAT = ("ring", "tree", "halving_doubling", "direct", "in_network")


@functools.cache
def step_figures() -> Mapping[str, physics.Figure]:
    """The latency figures of collectives (``infranet/data/collectives.csv``), by name: the α
    of one step in each tier and the base latency of a collective, each with its source.

    Examples
    --------
    >>> step_figures()["scale_out_step_us"].value, step_figures()["base_us"].range
    (2.7, (6.6, 14.0))
    """
    from types import MappingProxyType

    return MappingProxyType(physics.read_catalogue("collectives.csv", physics.Figure.from_row,
                                                   text=("tier",)))


def tier_alpha_s(tier: str) -> float:
    """The latency of one step of a collective in `tier` (``scale_up``, ``scale_out``,
    ``dci``), in seconds, from ``infranet/data/collectives.csv`` (NCCL's own model; the DCI
    tier's fibre latency comes on top, per step).

    Examples
    --------
    >>> tier_alpha_s("scale_up") * 1e6, tier_alpha_s("scale_out") * 1e6
    (0.6, 2.7)
    """
    _check_name(tier, LEVEL_NAMES[:3], "tier")
    return step_figures()[f"{tier}_step_us"].value * 1e-6


def base_latency_s() -> float:
    """The fixed latency of launching one collective, in seconds (``collectives.csv``).

    Examples
    --------
    >>> base_latency_s() * 1e6
    6.6
    """
    return step_figures()["base_us"].value * 1e-6


def _check_name(value: str, choices: Sequence[str], field: str) -> str:
    if value not in choices:
        raise ValidationError(f"unknown {field} {value!r}{did_you_mean(value, choices)}; "
                              f"expected one of {', '.join(choices)}", field=field)
    return value


def _array(value: Any, field: str, *, low: float = 0.0, strict: bool = False) -> np.ndarray:
    out = np.asarray(value, dtype=float)
    bad = np.isnan(out) | ((out <= low) if strict else (out < low))
    if bad.any():
        first = out[bad].flat[0]
        sign = ">" if strict else ">="
        raise ValidationError(f"must be {sign} {low:g}, got {first:g}", field=field)
    return out


def bus_factor(op: str, ranks: Any) -> np.ndarray:
    """nccl-tests' bus bandwidth ÷ algorithm bandwidth of `op` over `ranks` ranks.

    ``busbw = algbw × factor``: ``2(p−1)/p`` for all-reduce, ``(p−1)/p`` for reduce-scatter,
    all-gather and all-to-all, 1 for broadcast and send/recv (nccl-tests ``doc/PERFORMANCE.md``).
    A single rank moves nothing: its factor is 0 for the first four.

    Examples
    --------
    >>> float(bus_factor("allreduce", 8)), float(bus_factor("allgather", 4))
    (1.75, 0.75)
    >>> bus_factor("broadcast", [2, 16]).tolist()
    [1.0, 1.0]
    """
    _check_name(op, OPS, "op")
    p = _array(ranks, "ranks", low=1.0)
    if op == "allreduce":
        return 2.0 * (p - 1.0) / p
    if op in ("reduce_scatter", "allgather", "alltoall"):
        return (p - 1.0) / p
    return np.ones_like(p)


def rate_bytes_per_s(gbps: Any, *, latency_s: Any = 0.0, window_bytes: Any = None) -> np.ndarray:
    """The rate of one transfer in bytes/s: `gbps` (Gb/s), capped at window / RTT.

    RTT is twice the one-way `latency_s` (SimGrid CM02); without a window, or with no latency,
    the rate is the bandwidth.

    Examples
    --------
    >>> float(rate_bytes_per_s(80.0))  # 80 Gb/s is 10 GB/s
    10000000000.0
    >>> float(rate_bytes_per_s(80.0, latency_s=1e-3, window_bytes=4 * 2**20))  # 4 MiB / 2 ms
    2097152000.0
    """
    rate = _array(gbps, "gbps") * (1e9 / 8.0)
    if window_bytes is None:
        return rate
    window = _array(window_bytes, "window_bytes", strict=True)
    rtt = 2.0 * _array(latency_s, "latency_s")
    with np.errstate(divide="ignore", over="ignore"):
        cap = np.where(rtt > 0, window / np.where(rtt > 0, rtt, 1.0), np.inf)
    return np.minimum(rate, cap)


def _log2(p: np.ndarray) -> np.ndarray:
    return np.log2(np.maximum(p, 1.0))


def _power_of_two(p: np.ndarray) -> np.ndarray:
    exponent = np.round(_log2(p))
    return np.isclose(2.0**exponent, p)


def _pow2_or_inf(p: np.ndarray, steps: np.ndarray) -> np.ndarray:
    return np.where(_power_of_two(p), steps, np.inf)


def _ceil_log2(p: np.ndarray) -> np.ndarray:
    return np.ceil(_log2(p) - 1e-9)


def _share(p: np.ndarray) -> np.ndarray:
    return (p - 1.0) / p


# (op, algorithm) -> (steps, bytes each rank sends ÷ size), as functions of the ranks p
_TERMS: dict[tuple[str, str], tuple[Any, Any]] = {
    ("allreduce", "ring"): (lambda p: 2.0 * (p - 1.0), lambda p: 2.0 * _share(p)),
    ("allreduce", "tree"): (lambda p: 2.0 * _ceil_log2(p), lambda p: np.full_like(p, 2.0)),
    ("allreduce", "halving_doubling"): (lambda p: _pow2_or_inf(p, 2.0 * _log2(p)),
                                        lambda p: 2.0 * _share(p)),
    ("allreduce", "direct"): (lambda p: 2.0 * (p - 1.0), lambda p: 2.0 * _share(p)),
    ("allreduce", "in_network"): (lambda p: np.full_like(p, 2.0), np.ones_like),
    ("reduce_scatter", "ring"): (lambda p: p - 1.0, _share),
    ("reduce_scatter", "halving_doubling"): (lambda p: _pow2_or_inf(p, _log2(p)), _share),
    ("reduce_scatter", "direct"): (lambda p: p - 1.0, _share),
    ("allgather", "ring"): (lambda p: p - 1.0, _share),
    ("allgather", "halving_doubling"): (lambda p: _pow2_or_inf(p, _log2(p)), _share),
    ("allgather", "direct"): (lambda p: p - 1.0, _share),
    ("alltoall", "direct"): (lambda p: p - 1.0, _share),
    ("alltoall", "halving_doubling"): (lambda p: _pow2_or_inf(p, _log2(p)),
                                       lambda p: _log2(p) / 2.0),
    ("broadcast", "ring"): (lambda p: p - 1.0, np.ones_like),
    ("broadcast", "tree"): (_ceil_log2, _ceil_log2),
    ("broadcast", "halving_doubling"): (lambda p: _pow2_or_inf(p, 2.0 * _log2(p)),
                                        lambda p: 2.0 * _share(p)),
    ("broadcast", "direct"): (lambda p: p - 1.0, lambda p: p - 1.0),
    ("sendrecv", "direct"): (np.ones_like, np.ones_like),
}


def _steps_and_volume(op: str, algorithm: str, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps and bytes sent per rank ÷ size of a flat `algorithm`; inf steps where invalid."""
    terms = _TERMS.get((op, algorithm))
    if terms is None:
        return np.full_like(p, np.inf), np.zeros_like(p)
    return np.asarray(terms[0](p), dtype=float), np.asarray(terms[1](p), dtype=float)


def time_s(
    op: str,
    algorithm: str,
    size_bytes: Any,
    ranks: Any,
    gbps: Any,
    alpha_s: Any,
    *,
    latency_s: Any = 0.0,
    window_bytes: Any = None,
) -> np.ndarray:
    """The time in seconds of one collective by the α-β model of the module's table.

    Parameters
    ----------
    op : str
        One of :data:`OPS`.
    algorithm : str
        One of :data:`ALGORITHMS`. ``auto`` is the fastest valid flat algorithm other than
        ``in_network``, which needs switches that reduce and is priced only when named (or
        through :class:`Level` and :func:`best_algorithm`); over a single tier ``hierarchical``
        is ``auto`` (use :func:`hierarchical_time_s` for several tiers).
    size_bytes : array-like
        nccl-tests' size in bytes: the buffer each rank holds.
    ranks : array-like
        Ranks taking part (1 gives 0 s).
    gbps : array-like
        Bandwidth per rank and direction, Gb/s (bits).
    alpha_s : array-like
        Latency of one step of the algorithm, s (see ``infranet/data/collectives.csv``).
    latency_s : array-like, optional
        One-way path latency added to every step, s (the DCI tier).
    window_bytes : array-like, optional
        Transport window in bytes; caps the rate at window / (2·`latency_s`).

    Returns
    -------
    numpy.ndarray
        Seconds, broadcast over the arguments; inf where `algorithm` cannot run `op` on that
        many ranks (halving-doubling on a non power of two, a tree all-to-all, ...).

    Examples
    --------
    Ring all-reduce of 64 MiB over 8 ranks at 450 GB/s (3,600 Gb/s) with α = 3 µs:

    >>> t = time_s("allreduce", "ring", 64 * 2**20, 8, 3600.0, 3e-6)
    >>> round(float(t) * 1e3, 4)  # 2·7·3 µs + 2·(7/8)·64 MiB / 450 GB/s
    0.303
    >>> (time_s("allreduce", "halving_doubling", 1e6, [4, 6], 100.0, 0.0) * 1e6).round(3).tolist()
    [120.0, inf]
    >>> float(time_s("sendrecv", "direct", 10e9, 2, 80.0, 0.0, latency_s=1e-3,
    ...              window_bytes=4 * 2**20))  # SimGrid CM02: 4 MiB window over 1 ms
    4.76937158203125
    """
    _check_name(op, OPS, "op")
    _check_name(algorithm, ALGORITHMS, "algorithm")
    size = _array(size_bytes, "size_bytes")
    p = _array(ranks, "ranks", low=1.0)
    latency = _array(latency_s, "latency_s")
    step = _array(alpha_s, "alpha_s") + latency
    rate = rate_bytes_per_s(gbps, latency_s=latency, window_bytes=window_bytes)
    names: tuple[str, ...]
    if algorithm in ("auto", "hierarchical"):
        names = tuple(name for name in _FLAT if name != "in_network")
    else:
        names = (algorithm,)
    stalled = bool(np.any(rate <= 0))  # 0 bytes at 0 Gb/s take no time, not NaN
    best: Any = None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_byte = 1.0 / rate
        for name in names:
            steps, volume = _steps_and_volume(op, name, p)  # in the ranks' own shape: cheap
            latency_term = steps * step
            if not np.all(np.isfinite(steps)):
                latency_term = np.where(np.isfinite(steps), latency_term, np.inf)
            moved = volume * size
            bandwidth_term = moved * per_byte
            if stalled:
                bandwidth_term = np.where(moved > 0, bandwidth_term, 0.0)
            t = latency_term + bandwidth_term
            best = t if best is None else np.minimum(best, t)
    shape = np.broadcast_shapes(np.shape(best), p.shape, size.shape, step.shape, rate.shape)
    out = np.broadcast_to(best, shape)
    if np.any(p <= 1.0):
        out = np.where(p <= 1.0, 0.0, out)
    return np.array(out, dtype=float)


def best_algorithm(
    op: str,
    size_bytes: Any,
    ranks: Any,
    gbps: Any,
    alpha_s: Any,
    *,
    latency_s: Any = 0.0,
    window_bytes: Any = None,
    in_network: Any = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The fastest flat algorithm and its time, s: ``(names, seconds)`` as arrays.

    `in_network` says where the switches can reduce (NVLS, SHARP); elsewhere ``in_network`` is
    not a choice. Ties go to the earlier algorithm of :data:`ALGORITHMS`.

    Examples
    --------
    >>> names, t = best_algorithm("allreduce", [1e3, 1e9], 6, 3600.0, 3e-6)
    >>> names.tolist()  # few steps for small messages, least volume for large ones
    ['tree', 'ring']
    """
    shape = np.broadcast_shapes(np.shape(size_bytes), np.shape(ranks), np.shape(gbps),
                                np.shape(alpha_s), np.shape(latency_s), np.shape(in_network),
                                np.shape(window_bytes) if window_bytes is not None else ())
    allowed = np.broadcast_to(np.asarray(in_network, dtype=bool), shape)
    times = []
    for name in _FLAT:
        t = np.broadcast_to(time_s(op, name, size_bytes, ranks, gbps, alpha_s,
                                   latency_s=latency_s, window_bytes=window_bytes), shape)
        if name == "in_network":
            t = np.where(allowed, t, np.inf)
        times.append(t)
    stack = np.stack(times)
    pick = np.argmin(stack, axis=0)
    best = np.take_along_axis(stack, pick[None, ...], axis=0)[0]
    names = np.asarray(_FLAT, dtype=object)[pick]
    return names, best


@dataclass(frozen=True)
class Level:
    """One tier of a group: `ranks` taking part at this tier, each with `gbps` (Gb/s per rank
    and direction) and a step latency `alpha_s` (s), plus the one-way path latency `latency_s`
    (s) and transport window `window_bytes` of a DCI tier; `in_network` where the tier's
    switches reduce (NVLS, SHARP). Every numeric field may be an array.

    Examples
    --------
    >>> Level("scale_up", 8, 3600.0, 3e-6).name
    'scale_up'
    """

    name: str
    ranks: Any
    gbps: Any
    alpha_s: Any
    latency_s: Any = 0.0
    window_bytes: Any = None
    in_network: Any = False

    def __post_init__(self) -> None:
        _check_name(self.name, LEVEL_NAMES, "level")

    def time_s(self, op: str, size_bytes: Any, *, algorithm: str = "auto") -> np.ndarray:
        """Seconds of `op` over this tier's ranks alone (``auto``: the fastest valid algorithm,
        in-network reduction where :attr:`in_network` says the switches reduce)."""
        t = time_s(op, algorithm, size_bytes, self.ranks, self.gbps, self.alpha_s,
                   latency_s=self.latency_s, window_bytes=self.window_bytes)
        allowed = np.asarray(self.in_network, dtype=bool)
        if algorithm == "in_network":
            return np.where(allowed, t, np.inf)
        if algorithm in ("auto", "hierarchical") and allowed.any():
            switch = time_s(op, "in_network", size_bytes, self.ranks, self.gbps, self.alpha_s,
                            latency_s=self.latency_s, window_bytes=self.window_bytes)
            return np.minimum(t, np.where(allowed, switch, np.inf))
        return t


# how an op decomposes over tiers: (op going up, op at the top, op coming down)
_PHASES = {
    "allreduce": ("reduce_scatter", "allreduce", "allgather"),
    "reduce_scatter": ("reduce_scatter", "reduce_scatter", None),
    "allgather": (None, "allgather", "allgather"),
    "alltoall": ("alltoall", "alltoall", None),
    "broadcast": ("broadcast", "broadcast", None),
}


def _phases(op: str, size: np.ndarray,
            levels: Sequence[Level]) -> list[list[tuple[str, np.ndarray]]]:
    """Per level, the collectives it runs and the size of each: ``[(op, size_bytes), ...]``."""
    if op == "sendrecv":
        top = None
        for i, level in enumerate(levels):
            if np.any(np.asarray(level.ranks) > 1):
                top = i
        return [[(op, size)] if i == top else [] for i in range(len(levels))]
    up, at_top, down = _PHASES[op]
    shrinking = op in ("allreduce", "reduce_scatter", "allgather")
    out: list[list[tuple[str, np.ndarray]]] = []
    here = size
    for i, level in enumerate(levels):
        if i == len(levels) - 1:
            out.append([(at_top, here)])
        else:
            out.append([(phase, here) for phase in (up, down) if phase is not None])
        if shrinking:
            here = here / _array(level.ranks, "ranks", low=1.0)
    return out


def hierarchical_time_s(
    op: str,
    size_bytes: Any,
    levels: Sequence[Level],
    *,
    algorithm: str = "auto",
    per_level: bool = False,
) -> Any:
    """The time in seconds of `op` over tiers, from the inside (scale-up) out.

    All-reduce: a reduce-scatter inside each tier going up (each rank keeps ``1/ranks`` of the
    data for the next tier), the all-reduce across the top tier on what is left, an all-gather
    back down each tier. Reduce-scatter goes up only, all-gather comes down only (on the same
    sizes); all-to-all and broadcast run the whole buffer through every tier in turn; send/recv
    crosses the outermost tier with more than one rank. The time is the sum over tiers; each
    tier runs its fastest valid algorithm (or `algorithm` everywhere).

    Parameters
    ----------
    op : str
        One of :data:`OPS`.
    size_bytes : array-like
        nccl-tests' size of the whole group's collective, bytes.
    levels : sequence of Level
        The tiers, innermost first; a tier of one rank costs nothing.
    algorithm : str, optional
        The algorithm of every tier, ``auto`` by default.
    per_level : bool, optional
        Also return the seconds spent in each tier.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, tuple of numpy.ndarray)
        Seconds; with `per_level`, the seconds of each tier too (in the order of `levels`).

    Examples
    --------
    Eight nodes of eight GPUs: NVLink at 3,600 Gb/s inside, 400 Gb/s between nodes.

    >>> levels = (Level("scale_up", 8, 3600.0, 3e-6), Level("scale_out", 8, 400.0, 8e-6))
    >>> total, tiers = hierarchical_time_s("allreduce", 2**30, levels, per_level=True)
    >>> [round(float(t) * 1e3, 2) for t in tiers]
    [4.19, 4.75]
    >>> round(float(total) * 1e3, 2)
    8.94
    """
    _check_name(op, OPS, "op")
    _check_name(algorithm, ALGORITHMS, "algorithm")
    flat = "auto" if algorithm == "hierarchical" else algorithm
    if not levels:
        raise ValidationError("a hierarchical collective needs at least one tier", field="levels")
    size = _array(size_bytes, "size_bytes")
    tiers: list[np.ndarray] = []
    for level, phases in zip(levels, _phases(op, size, levels), strict=True):
        t: Any = np.zeros(())
        for phase, here in phases:
            t = t + level.time_s(phase, here, algorithm=flat)
        tiers.append(np.asarray(t))
    shape = np.broadcast_shapes(*(t.shape for t in tiers))
    tiers = [np.broadcast_to(t, shape).copy() for t in tiers]
    total = np.sum(tiers, axis=0)
    if per_level:
        return total, tuple(tiers)
    return total


# ---------------------------------------------------------------------------------------------
# one collective, as a result


@dataclass(frozen=True)
class Collective:
    """One collective over tiers: its time, algorithm and bus bandwidth, tier by tier, and
    what binds it (result protocol).

    Attributes
    ----------
    op, algorithm : str
        The operation and the algorithm asked for.
    chosen : str
        The algorithm that ran: a flat one, or ``hierarchical`` over several tiers.
    size_bytes : float
        nccl-tests' size (the buffer each rank holds), bytes.
    ranks : int
        Ranks of the whole group.
    time_s : float
        Seconds: the base latency of a launch plus the sum of the tiers' times (each tier waits
        for its slowest member).
    base_s : float
        The fixed latency of launching it, s (0 for a bare α-β question).
    levels : tuple of FrozenDict
        Per tier: ``tier``, ``element`` (what sets its bandwidth: ``scale_up``, ``spine``, a
        DCI link), ``ranks``, ``gbps`` (per rank and direction), ``alpha_us``, ``latency_ms``
        (one-way path latency added per step), ``window_bytes``, ``size_bytes`` (what reaches
        it), ``algorithm``, ``time_ms``, ``bandwidth_ms`` (its time at zero latency),
        ``share`` (of the whole time).
    binding : Binding
        The tier that takes the most time (``tier``), or at the DCI the link or cut that
        sets its capacity (``link``, ``cut``), or distance (``propagation``) where the
        latency of the steps or the window over the RTT dominates.
    notes : tuple of str
    """

    op: str
    algorithm: str
    chosen: str
    size_bytes: float
    ranks: int
    time_s: float
    base_s: float
    levels: tuple[FrozenDict, ...]
    binding: Binding
    notes: tuple[str, ...] = ()

    @property
    def time_ms(self) -> float:
        return self.time_s * 1e3

    @property
    def algbw_gbps(self) -> float:
        """Algorithm bandwidth, Gb/s: size / time (nccl-tests' algbw in GB/s is this / 8)."""
        if self.time_s <= 0 or self.ranks <= 1:
            return math.inf if self.size_bytes > 0 and self.ranks > 1 else 0.0
        return self.size_bytes * 8 / 1e9 / self.time_s

    @property
    def busbw_gbps(self) -> float:
        """Bus bandwidth, Gb/s: algbw × :func:`bus_factor` (nccl-tests' busbw is this / 8)."""
        if self.ranks <= 1:
            return 0.0
        return self.algbw_gbps * float(bus_factor(self.op, self.ranks))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the headline scalars (``time_ms``, ``algbw_gbps``, ``busbw_gbps``, their
        nccl-tests GB/s), then the tiers."""
        return {
            "op": self.op, "algorithm": self.algorithm, "chosen": self.chosen,
            "size_bytes": self.size_bytes, "ranks": self.ranks, "time_ms": self.time_ms,
            "algbw_gbps": self.algbw_gbps, "busbw_gbps": self.busbw_gbps,
            "algbw_gbytes_per_s": self.algbw_gbps / 8, "busbw_gbytes_per_s": self.busbw_gbps / 8,
            "base_us": self.base_s * 1e6, "binding": self.binding.to_dict(),
            "levels": [plain(row) for row in self.levels], "notes": list(self.notes),
        }


def collective(
    op: str,
    size_bytes: float,
    levels: Any,
    *,
    algorithm: str = "auto",
    base_s: float = 0.0,
) -> Collective:
    """Price one collective over tiers and say what binds it.

    Parameters
    ----------
    op : str
        One of :data:`OPS`.
    size_bytes : float
        nccl-tests' size: the buffer each rank holds, bytes.
    levels : sequence of Level, or Placement
        The tiers, innermost first (a bare question is one ``flat`` Level), or a group placed
        on a topology (:func:`infranet.workloads.groups.place`), whose launch latency
        (``collectives.csv``) is added and whose tiers are named by what sets them.
    algorithm : str, optional
        ``auto`` (or ``hierarchical``): each tier's fastest valid algorithm; a flat algorithm
        runs in every tier.
    base_s : float, optional
        Fixed launch latency added once, s (a Placement brings its own).

    Raises
    ------
    ValidationError
        For an unknown op or algorithm, or an algorithm that cannot run `op` on these ranks.

    Examples
    --------
    >>> c = collective("allreduce", 64 * 2**20, [Level("flat", 8, 3600.0, 3e-6)],
    ...                algorithm="ring")
    >>> round(c.time_ms, 4), round(c.busbw_gbps / 8, 1)  # busbw in nccl-tests' GB/s
    (0.303, 387.6)
    >>> c.binding.kind, c.levels[0]["algorithm"]
    ('tier', 'ring')
    """
    from infranet.workloads.groups import Placement

    _check_name(op, OPS, "op")
    _check_name(algorithm, ALGORITHMS, "algorithm")
    size = float(_array(size_bytes, "size_bytes"))
    names: tuple[str, ...]
    dci: Mapping[str, Any] = {}
    notes: list[str] = []
    if isinstance(levels, Placement):
        notes.extend(levels.notes)
        placement = levels
        levels, names, dci = placement.levels, placement.tier_names, placement.dci
        base_s = base_latency_s()
        ranks = placement.ranks
    else:
        levels = tuple(levels)
        names = tuple(level.name for level in levels)
        ranks = int(np.prod([np.max(level.ranks) for level in levels]))
    if not levels:
        raise ValidationError("a collective needs at least one tier", field="levels")
    flat = "auto" if algorithm == "hierarchical" else algorithm
    rows: list[dict[str, Any]] = []
    for level, name, phases in zip(levels, names, _phases(op, np.asarray(size), levels),
                                   strict=True):
        rows.append(_level_row(op, level, name, phases, flat))
    busy = [row for row in rows if row["time_s"] > 0 or row["ranks"] > 1]
    bad = [row for row in rows if not np.isfinite(row["time_s"])]
    if bad:
        row = bad[0]
        raise ValidationError(f"{algorithm} cannot run {op} over {row['ranks']} ranks of the "
                              f"{row['tier']} tier (halving-doubling needs a power of two; a "
                              f"tree runs all-reduce and broadcast; in_network needs switches "
                              "that reduce); try --algorithm auto", field="algorithm")
    spanning = [row for row in busy if row["ranks"] > 1]
    # one rank moves nothing and launches nothing: 0 s, as a bare question of one rank
    total = float(base_s) + sum(row["time_s"] for row in rows) if ranks > 1 else 0.0
    if algorithm not in ("auto", "hierarchical"):
        chosen = algorithm
    elif len(spanning) > 1:
        chosen = "hierarchical"
    else:
        chosen = spanning[0]["algorithm"] if spanning else "none"
    for row in rows:
        row["share"] = row["time_s"] / total if total > 0 else 0.0
    binding = _binding(op, rows, total, ranks, dci)
    if any(np.ndim(value) for level in levels
           for value in (level.ranks, level.gbps, level.alpha_s)):
        notes.append("members differ: each tier's time is that of its slowest member")
    if dci and len(dci.get("edges", ())) > 2:
        notes.append("the ring's edges are priced one at a time by max-flow; where they share "
                     "links, infranet.workloads.contention prices them together")
    levels_out = tuple(FrozenDict({k: v for k, v in row.items() if k != "time_s"})
                       for row in rows)
    return Collective(op, algorithm, chosen, size, ranks, total, float(base_s), levels_out,
                      binding, tuple(notes))


def _level_row(op: str, level: Level, name: str, phases: Sequence[tuple[str, np.ndarray]],
               algorithm: str) -> dict[str, Any]:
    """One tier's time (its slowest member's), algorithm and figures."""
    time: Any = np.zeros(())
    pure: Any = np.zeros(())
    chosen: list[np.ndarray] = []
    for phase, here in phases:
        if algorithm == "auto":
            pick, t = best_algorithm(phase, here, level.ranks, level.gbps, level.alpha_s,
                                     latency_s=level.latency_s, window_bytes=level.window_bytes,
                                     in_network=level.in_network)
        else:
            t = level.time_s(phase, here, algorithm=algorithm)
            pick = np.full(np.shape(t), algorithm, dtype=object)
        time = time + t
        chosen.append(np.asarray(pick, dtype=object))
        # the bandwidth part of the algorithm each member ran (not the best one at α = 0)
        bare = Level(level.name, level.ranks, level.gbps, 0.0, in_network=level.in_network)
        names = np.asarray(pick, dtype=object)
        part: Any = np.zeros(np.shape(t))
        for used in dict.fromkeys(names.ravel().tolist()):
            if used not in ALGORITHMS:  # nothing could run: the time is inf, refused below
                continue
            part = np.where(names == used, bare.time_s(phase, here, algorithm=str(used)), part)
        pure = pure + part
    time = np.asarray(time, dtype=float)
    worst = int(np.argmax(time)) if time.ndim else 0
    ranks = np.asarray(level.ranks, dtype=float)
    gbps = np.asarray(level.gbps, dtype=float)

    def at(value: Any) -> float:
        array = np.asarray(value, dtype=float)
        return float(array.flat[worst] if array.ndim else array)

    picked = [str(np.asarray(c).flat[worst] if np.ndim(c) else c) for c in chosen]
    size_here = at(phases[0][1]) if phases else math.nan
    return {
        "tier": level.name, "element": name, "ranks": int(at(ranks)), "gbps": at(gbps),
        "alpha_us": at(level.alpha_s) * 1e6, "latency_ms": at(level.latency_s) * 1e3,
        "window_bytes": None if level.window_bytes is None else at(level.window_bytes),
        "size_bytes": size_here, "algorithm": "/".join(dict.fromkeys(picked)) or "none",
        "time_s": at(time), "time_ms": at(time) * 1e3, "bandwidth_ms": at(pure) * 1e3,
    }


def _binding(op: str, rows: Sequence[Mapping[str, Any]], total: float, ranks: int,
             dci: Mapping[str, Any]) -> Binding:
    spanning = [row for row in rows if row["ranks"] > 1]
    if not spanning:
        return Binding.nothing(f"one rank: {op} moves nothing")
    row = max(spanning, key=lambda r: r["time_s"])
    share = row["time_s"] / total if total > 0 else 0.0
    where = (f"{row['tier']} ({row['ranks']} ranks at {row['gbps']:.6g} Gb/s each) takes "
             f"{row['time_ms']:.4g} of {total * 1e3:.4g} ms ({share:.0%})")
    latency_ms = row["time_ms"] - row["bandwidth_ms"]
    if row["tier"] == "dci":
        window = row["window_bytes"]
        rtt_s = 2 * row["latency_ms"] / 1e3
        if window is not None and rtt_s > 0 and window / rtt_s * 8 / 1e9 < row["gbps"]:
            cap = window / rtt_s * 8 / 1e9
            return Binding("propagation", ", ".join(dci.get("path", ())) or None,
                           f"{where}: the window of {window:.6g} bytes over an RTT of "
                           f"{rtt_s * 1e3:.4g} ms caps each flow at {cap:.4g} Gb/s")
        if latency_ms > row["bandwidth_ms"]:
            return Binding("propagation", ", ".join(dci.get("path", ())) or None,
                           f"{where}, {latency_ms:.4g} ms of it in step latency "
                           f"({row['latency_ms']:.4g} ms one way per step)")
        cut = list(dci.get("cut", ()))
        if dci.get("nic_bound"):
            return Binding("tier", row["element"],
                           f"{where}: each rank crosses at its own scale-out rate, "
                           f"{row['gbps']:.6g} Gb/s, below its share of the DCI's "
                           f"{dci['gbps']:.6g} Gb/s")
        if cut:
            return Binding("link" if len(cut) == 1 else "cut", ", ".join(cut),
                           f"{where}: {', '.join(cut)} carries {dci['gbps']:.6g} Gb/s")
    kind = "step latency" if latency_ms > row["bandwidth_ms"] else "bandwidth"
    return Binding("tier", row["element"] if row["element"] != "flat" else None,
                   f"{where}, mostly {kind}")


def levels_of(topology: Any, group: Sequence[Any], *,
              window_bytes: float | None = None) -> tuple[Level, ...]:
    """The tiers of `group` placed on `topology`, innermost first: see
    :func:`infranet.workloads.groups.place`, whose Placement also names what sets each tier.

    Examples
    --------
    >>> import infranet
    >>> topo = infranet.read("topologies/texas-mesh.yaml")
    >>> levels = levels_of(topo, ["fort-worth=64", "temple=64"])  # H100 and GB200 domains
    >>> [(level.name, np.asarray(level.ranks).tolist()) for level in levels]
    [('scale_up', [8.0, 64.0]), ('scale_out', [8.0, 1.0]), ('dci', 2)]
    """
    from infranet.workloads.groups import place

    return place(topology, group, window_bytes=window_bytes).levels


def parse_group(texts: Any) -> Any:
    """Read group members written ``SITE[/CLUSTER][=N]``
    (:func:`infranet.workloads.groups.parse_group`).

    Examples
    --------
    >>> [str(member) for member in parse_group(["abilene/stargate-ph1=1024", "temple"])]
    ['abilene/stargate-ph1=1024', 'temple']
    """
    from infranet.workloads.groups import parse_group as parse

    return parse(texts)
