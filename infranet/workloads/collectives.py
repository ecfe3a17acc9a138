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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.errors import ValidationError, did_you_mean

__all__ = [
    "ALGORITHMS",
    "LEVEL_NAMES",
    "OPS",
    "Level",
    "best_algorithm",
    "bus_factor",
    "hierarchical_time_s",
    "rate_bytes_per_s",
    "time_s",
]

#: The collective operations, with nccl-tests' names.
OPS = ("allreduce", "reduce_scatter", "allgather", "alltoall", "broadcast", "sendrecv")

#: The algorithms; ``auto`` is the fastest valid one, ``hierarchical`` works over tiers.
ALGORITHMS = ("ring", "tree", "halving_doubling", "direct", "in_network", "hierarchical", "auto")

#: The tiers a group spans, from the inside out.
LEVEL_NAMES = ("scale_up", "scale_out", "dci")

# the algorithms a flat (one-tier) collective chooses among
_FLAT = ("ring", "tree", "halving_doubling", "direct", "in_network")


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


def _steps_and_volume(op: str, algorithm: str, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steps and bytes sent per rank ÷ size of a flat `algorithm`; inf steps where invalid."""
    inf = np.full_like(p, np.inf)
    log = _log2(p)
    ceil_log = np.ceil(log - 1e-9)
    pow2 = _power_of_two(p)
    share = (p - 1.0) / p
    table: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {
        ("allreduce", "ring"): (2.0 * (p - 1.0), 2.0 * share),
        ("allreduce", "tree"): (2.0 * ceil_log, np.full_like(p, 2.0)),
        ("allreduce", "halving_doubling"): (np.where(pow2, 2.0 * log, np.inf), 2.0 * share),
        ("allreduce", "direct"): (2.0 * (p - 1.0), 2.0 * share),
        ("allreduce", "in_network"): (np.full_like(p, 2.0), np.ones_like(p)),
        ("reduce_scatter", "ring"): (p - 1.0, share),
        ("reduce_scatter", "halving_doubling"): (np.where(pow2, log, np.inf), share),
        ("reduce_scatter", "direct"): (p - 1.0, share),
        ("allgather", "ring"): (p - 1.0, share),
        ("allgather", "halving_doubling"): (np.where(pow2, log, np.inf), share),
        ("allgather", "direct"): (p - 1.0, share),
        ("alltoall", "direct"): (p - 1.0, share),
        ("alltoall", "halving_doubling"): (np.where(pow2, log, np.inf), log / 2.0),
        ("broadcast", "ring"): (p - 1.0, np.ones_like(p)),
        ("broadcast", "tree"): (ceil_log, ceil_log),
        ("broadcast", "halving_doubling"): (np.where(pow2, 2.0 * log, np.inf), 2.0 * share),
        ("broadcast", "direct"): (p - 1.0, p - 1.0),
        ("sendrecv", "direct"): (np.ones_like(p), np.ones_like(p)),
    }
    return table.get((op, algorithm), (inf, np.zeros_like(p)))


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
    alpha = _array(alpha_s, "alpha_s")
    latency = _array(latency_s, "latency_s")
    rate = rate_bytes_per_s(gbps, latency_s=latency, window_bytes=window_bytes)
    p, size, rate, alpha, latency = np.broadcast_arrays(p, size, rate, alpha, latency)
    names: tuple[str, ...]
    if algorithm in ("auto", "hierarchical"):
        names = tuple(name for name in _FLAT if name != "in_network")
    else:
        names = (algorithm,)
    step = alpha + latency
    best = np.full(p.shape, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_byte = np.where(rate > 0, 1.0 / np.where(rate > 0, rate, 1.0), np.inf)
        for name in names:
            steps, volume = _steps_and_volume(op, name, p)
            t = steps * step + np.where(volume * size > 0, volume * size * per_byte, 0.0)
            best = np.minimum(best, np.where(np.isnan(t), np.inf, t))
    return np.where(p <= 1.0, 0.0, best)


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
        """Seconds of `op` over this tier's ranks alone."""
        if algorithm == "auto":
            return best_algorithm(op, size_bytes, self.ranks, self.gbps, self.alpha_s,
                                  latency_s=self.latency_s, window_bytes=self.window_bytes,
                                  in_network=self.in_network)[1]
        t = time_s(op, algorithm, size_bytes, self.ranks, self.gbps, self.alpha_s,
                   latency_s=self.latency_s, window_bytes=self.window_bytes)
        if algorithm == "in_network":
            t = np.where(np.asarray(self.in_network, dtype=bool), t, np.inf)
        return t


# how an op decomposes over tiers: (op going up, op at the top, op coming down)
_PHASES = {
    "allreduce": ("reduce_scatter", "allreduce", "allgather"),
    "reduce_scatter": ("reduce_scatter", "reduce_scatter", None),
    "allgather": (None, "allgather", "allgather"),
    "alltoall": ("alltoall", "alltoall", None),
    "broadcast": ("broadcast", "broadcast", None),
}


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
    if op == "sendrecv":
        top = None
        for i, level in enumerate(levels):
            if np.any(np.asarray(level.ranks) > 1):
                top = i
        for i, level in enumerate(levels):
            if i == top:
                tiers.append(np.asarray(level.time_s(op, size, algorithm=flat)))
            else:
                tiers.append(np.zeros(()))
    else:
        up, at_top, down = _PHASES[op]
        shrinking = op in ("allreduce", "reduce_scatter", "allgather")
        here = size
        for i, level in enumerate(levels):
            if i == len(levels) - 1:
                t = level.time_s(at_top, here, algorithm=flat)
            else:
                t = np.zeros(())
                if up is not None:
                    t = t + level.time_s(up, here, algorithm=flat)
                if down is not None:
                    t = t + level.time_s(down, here, algorithm=flat)
            tiers.append(np.asarray(t))
            if shrinking:
                here = here / _array(level.ranks, "ranks", low=1.0)
    shape = np.broadcast_shapes(*(t.shape for t in tiers))
    tiers = [np.broadcast_to(t, shape).copy() for t in tiers]
    total = np.sum(tiers, axis=0)
    if per_level:
        return total, tuple(tiers)
    return total
