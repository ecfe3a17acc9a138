"""Helpers that every fabric generator shares: checked parameters and assembly in bulk.

A generator validates its parameters with :func:`integer` and :func:`positive` (errors name the
parameter), checks that its indices fit with :func:`fits`, and assembles its
:class:`~infranet.fabrics.graph.FabricGraph` from node blocks and link segments with
:func:`assemble`, one concatenation per array: never one Python call per element.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from infranet.errors import ValidationError
from infranet.fabrics.graph import FabricGraph

__all__ = [
    "INDEX",
    "MAX_INDEX",
    "assemble",
    "block",
    "fits",
    "integer",
    "positive",
    "smallest_divisor_at_least",
    "split_ports",
]

#: Index type of link endpoints.
INDEX = np.int32
#: The largest node or link index a fabric may have.
MAX_INDEX = int(np.iinfo(INDEX).max)


def integer(value: Any, field: str, *, minimum: int, even: bool = False) -> int:
    """Return `value` as an int, or raise naming `field` if it is not an integer >= `minimum`.

    Examples
    --------
    >>> integer(8, "k", minimum=2, even=True)
    8
    >>> integer(7, "k", minimum=2, even=True)
    Traceback (most recent call last):
    ...
    infranet.errors.ValidationError: k: expected an even integer >= 2, got 7
    """
    expected = f"an {'even ' if even else ''}integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValidationError(f"expected {expected}, got {value!r}", field=field)
    value = int(value)
    if value < minimum or (even and value % 2):
        raise ValidationError(f"expected {expected}, got {value}", field=field)
    return value


def positive(value: Any, field: str) -> float:
    """Return `value` as a float, or raise naming `field` if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or value <= 0:
        raise ValidationError(f"expected a finite number > 0, got {value!r}", field=field)
    return float(value)


def fits(n_nodes: int, n_links: int, field: str) -> None:
    """Refuse fabrics whose node or link indices would not fit the int32 arrays."""
    if max(n_nodes, n_links) > MAX_INDEX:
        raise ValidationError(
            f"the fabric would have {n_nodes:,} nodes and {n_links:,} links; at most "
            f"{MAX_INDEX:,} of each are supported", field=field)


def smallest_divisor_at_least(n: int, low: int) -> int:
    """Return the smallest divisor of `n` that is >= `low` (`n` itself at worst).

    Examples
    --------
    >>> smallest_divisor_at_least(16, 6)
    8
    """
    for d in range(max(1, low), n + 1):
        if n % d == 0:
            return d
    return n


def split_ports(radix: int, ratio: float, field: str) -> tuple[int, int]:
    """Split `radix` ports into (down, up) with down/up as close to `ratio` as possible, not above.

    Down ports are rounded down, so the result is never more oversubscribed than asked.

    Examples
    --------
    >>> split_ports(64, 3.0, "oversubscription")
    (48, 16)
    """
    down = math.floor(radix * ratio / (1.0 + ratio) + 1e-9)
    up = radix - down
    if down < 1 or up < 1:
        raise ValidationError(
            f"a {radix}-port leaf cannot be split into down and up ports at ratio {ratio:g}:1; "
            "use a larger radix or a ratio nearer 1", field=field)
    return down, up


def block(count: int, group: Any) -> np.ndarray:
    """Node groups of a block of `count` nodes: a scalar broadcast, or an array as given."""
    if np.ndim(group) == 0:
        return np.full(count, group, dtype=np.int32)
    return np.asarray(group, dtype=np.int32)


def assemble(kind: str, params: dict[str, Any], nodes: Sequence[tuple[int, int, Any]],
             links: Sequence[tuple[Any, Any, int, float]],
             switch_radix: dict[int, int]) -> FabricGraph:
    """Assemble a FabricGraph from node blocks and link segments, with one concatenate each.

    `nodes` is a list of ``(kind, tier, group)`` with `group` an int array (one entry per node);
    `links` a list of ``(u, v, link_kind, gbps)`` with `u`, `v` index arrays.
    """
    sizes = [len(group) for _, _, group in nodes]
    node_kind = np.repeat(np.array([k for k, _, _ in nodes], dtype=np.int8), sizes)
    node_tier = np.repeat(np.array([t for _, t, _ in nodes], dtype=np.int8), sizes)
    node_group = np.concatenate([np.asarray(g, dtype=np.int32) for _, _, g in nodes])
    lengths = [len(u) for u, _, _, _ in links]
    if links:
        link_u = np.concatenate([np.asarray(u, dtype=INDEX) for u, _, _, _ in links])
        link_v = np.concatenate([np.asarray(v, dtype=INDEX) for _, v, _, _ in links])
    else:
        link_u = link_v = np.zeros(0, dtype=INDEX)
    link_kind = np.repeat(np.array([k for _, _, k, _ in links], dtype=np.int8), lengths)
    link_gbps = np.repeat(np.array([g for _, _, _, g in links], dtype=np.float64), lengths)
    return FabricGraph(kind=kind, params=params, node_kind=node_kind, node_tier=node_tier,
                       node_group=node_group, link_u=link_u, link_v=link_v, link_kind=link_kind,
                       link_gbps=link_gbps, switch_radix=dict(switch_radix))
