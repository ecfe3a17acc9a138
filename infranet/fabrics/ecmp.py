"""Equal-cost shortest paths between accelerators of an explicit fabric, counted exactly by
dynamic programming over breadth-first layers (:mod:`infranet.fabrics.traversal`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from infranet.errors import InfranetError, ValidationError
from infranet.fabrics.graph import FabricGraph, check
from infranet.fabrics.records import frozen, plain
from infranet.fabrics.traversal import bfs, forwards, link_kinds, transit
from infranet.results import Binding

__all__ = ["EcmpPaths", "ecmp_paths"]


def _pairs_from_pool(group: np.ndarray, count: int, rng: np.random.Generator, *,
                     pool: np.ndarray, same: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """`count` ordered pairs of distinct accelerators whose sources are drawn from `pool` and
    whose targets are anywhere (`same` None), in the source's group (True) or in another
    (False)."""
    n = group.size
    if same is None:
        s = rng.choice(pool, size=count)
        return s, (s + rng.integers(1, n, size=count)) % n
    order = np.argsort(group, kind="stable")
    ordered = group[order]
    where = np.empty_like(order)
    where[order] = np.arange(n)
    start = np.searchsorted(ordered, group[pool], side="left")
    size = np.searchsorted(ordered, group[pool], side="right") - start
    pool = pool[size >= 2] if same else pool[size < n]
    if pool.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    s = rng.choice(pool, size=count)
    start = np.searchsorted(ordered, group[s], side="left")
    size = np.searchsorted(ordered, group[s], side="right") - start
    if same:
        pos = start + rng.integers(0, size - 1)
        pos += pos >= where[s]  # skip the source itself
    else:
        pick = rng.integers(0, n - size)
        pos = np.where(pick < start, pick, pick + size)
    return s, order[pos]


def _path_counts(fabric: FabricGraph, s: np.ndarray, t: np.ndarray, *, include_scale_up: bool,
                 forward: bool, parallel: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of shortest paths and their lengths for pairs ``(s[i], t[i])``."""
    matrix, offset = transit(fabric, link_kinds(include_scale_up), forward, parallel=parallel)
    sources, where = np.unique(s, return_inverse=True)
    counts = np.zeros(len(s))
    lengths = np.zeros(len(s), dtype=np.int64)
    for cols, dist, paths in bfs(matrix, sources + offset, fabric.n_accelerators, count=True):
        pick = (where >= cols.start) & (where < cols.stop)
        col = where[pick] - cols.start
        assert paths is not None  # counted
        counts[pick] = paths[t[pick], col]
        lengths[pick] = dist[t[pick], col]
    return counts, lengths


def _number(value: float) -> int | float:
    """An exact count as int; beyond 2**53 (float64's integers) a float."""
    return int(value) if value < 2**53 else float(value)


def _summarise(counts: np.ndarray, hops_: np.ndarray) -> dict[str, Any]:
    """Exact min, median and max path counts; the mean to 4 significant digits."""
    if counts.size == 0:
        return {"pairs": 0, "min": None, "median": None, "mean": None, "max": None,
                "hops_mean": None}
    return {"pairs": int(counts.size), "min": _number(counts.min()),
            "median": _number(float(np.sort(counts)[(counts.size - 1) // 2])),
            "mean": float(f"{counts.mean():.4g}"), "max": _number(counts.max()),
            "hops_mean": float(f"{hops_.mean():.4g}")}


@dataclass(frozen=True)
class EcmpPaths:
    """Numbers of equal-cost shortest paths between sampled pairs of accelerators, per
    category (result protocol).

    ``categories`` maps ``different_group`` / ``same_group`` (or ``any``, or ``given`` for
    explicit pairs) to ``pairs`` (how many), ``min``, ``median`` and ``max`` (exact counts of
    paths, the median a pair's own count), ``mean`` (over the pairs, to 4 significant digits)
    and ``hops_mean`` (links per path, mean over the pairs); ``given`` also lists ``counts``.
    """

    categories: Mapping[str, Mapping[str, Any]]
    binding: Binding

    def __post_init__(self) -> None:
        object.__setattr__(self, "categories", frozen(self.categories))

    def __getitem__(self, category: str) -> Mapping[str, Any]:
        return self.categories[category]

    def to_dict(self) -> dict[str, Any]:
        """Per category: pairs, min, median, mean, max, hops_mean (and counts)."""
        out: dict[str, Any] = plain(self.categories)
        out["binding"] = self.binding.to_dict()
        return out


def ecmp_paths(fabric: FabricGraph, *, pairs: int | Any = 64, sources: int = 8, seed: int = 0,
               include_scale_up: bool = True, accelerators_forward: bool | None = None,
               count_parallel_links: bool = False) -> EcmpPaths:
    """Return the numbers of equal-cost shortest paths between accelerators (min/median/max).

    Paths are counted by dynamic programming over breadth-first layers: the number of shortest
    paths to a node is the sum over its predecessors one layer closer; one sparse matrix
    product per layer does it for a batch of sources. Parallel links between the same two nodes
    count once unless `count_parallel_links` (then each is a separate ECMP next hop).

    Parameters
    ----------
    fabric : FabricGraph
    pairs : int or array of shape (m, 2)
        Pairs sampled per category (`seed`): ``different_group`` (two accelerators in different
        ``node_group``, e.g. pods) and ``same_group``; for a fabric with one group, ``any``.
        Sources are drawn from `sources` random accelerators (one search each). Or explicit
        ``(source, target)`` accelerator pairs: category ``given`` with ``counts``.
    sources, seed : int
    include_scale_up, accelerators_forward
        As in :func:`hop_stats`.
    count_parallel_links : bool

    Examples
    --------
    Two accelerators on two leaves joined by two spines: 2 paths of 4 hops.

    >>> import numpy as np
    >>> from infranet.fabrics.graph import FabricGraph
    >>> f = FabricGraph("example", {}, np.array([0, 0, 1, 1, 1, 1], np.int8),
    ...     np.array([-1, -1, 1, 1, 2, 2], np.int8), np.array([0, 1, 0, 1, -1, -1], np.int32),
    ...     np.array([0, 1, 2, 2, 3, 3], np.int32), np.array([2, 3, 4, 5, 4, 5], np.int32),
    ...     np.zeros(6, np.int8), np.full(6, 400.0))
    >>> ecmp_paths(f, pairs=[(0, 1)])["given"]["counts"]
    (2,)
    """
    check(fabric)
    n_acc = fabric.n_accelerators
    forward = forwards(fabric, accelerators_forward)
    options = {"include_scale_up": include_scale_up, "forward": forward,
               "parallel": count_parallel_links}
    if not isinstance(pairs, (int, np.integer)):
        given = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if given.size and (given.min() < 0 or given.max() >= n_acc):
            raise ValidationError(f"pairs are accelerator indices 0 .. {n_acc - 1}",
                                  field="pairs")
        counts, lengths = _path_counts(fabric, given[:, 0], given[:, 1], **options)
        row = _summarise(counts, lengths)
        row["counts"] = tuple(_number(c) for c in counts)
        return EcmpPaths({"given": row}, Binding("path", None, f"{len(given)} given pairs"))
    if pairs < 1:
        raise ValidationError(f"pairs must be at least 1, got {pairs}", field="pairs")
    rng = np.random.default_rng(seed)
    group = fabric.node_group[:n_acc]
    pool = rng.choice(n_acc, size=min(max(1, sources), n_acc), replace=False)
    categories: dict[str, bool | None]
    if np.unique(group).size >= 2:
        categories = {"different_group": False, "same_group": True}
    else:
        categories = {"any": None}
    sampled = [_pairs_from_pool(group, int(pairs), rng, pool=pool, same=same)
               for same in categories.values()]
    # one search for all categories: they share sources' columns
    s_all = np.concatenate([s for s, _ in sampled])
    t_all = np.concatenate([t for _, t in sampled])
    counts, lengths = _path_counts(fabric, s_all, t_all, **options)
    if counts.size and counts.min() == 0:
        i = int(np.argmin(counts))
        raise InfranetError(f"accelerator {int(t_all[i])} is unreachable from accelerator "
                            f"{int(s_all[i])}", element=f"fabric {fabric.kind!r}")
    result, start = {}, 0
    for name, (s, _) in zip(categories, sampled, strict=True):
        part = slice(start, start + s.size)
        result[name] = _summarise(counts[part], lengths[part])
        start += s.size
    fewest = min((c["min"] for c in result.values() if c["min"] is not None), default=None)
    return EcmpPaths(result, Binding("path", None, f"equal-cost shortest paths between "
                                     f"sampled pairs: at least {fewest}"))
