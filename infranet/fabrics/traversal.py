"""Breadth-first search over an explicit fabric, many sources at once, on sparse matrices.

The routing graph of a fabric (:func:`transit`) and a layered search (:func:`bfs`) that the
hop statistics (:mod:`infranet.fabrics.distance`) and the equal-cost path counts
(:mod:`infranet.fabrics.ecmp`) share.

Paths between accelerators. In a switched fabric accelerators are end points: a path never passes
*through* an accelerator (traffic relayed through a GPU, as NCCL's PXN does, is a software choice,
not a route of the network). Where accelerators are joined directly (a torus) they route.
``accelerators_forward`` overrides that choice (:func:`forwards`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from infranet.fabrics.graph import SCALE_OUT, SCALE_UP, FabricGraph

__all__ = ["CHUNK", "bfs", "forwards", "link_kinds", "transit"]

_INT32_MAX = 2**31 - 1
#: Sources per sparse-dense product: bounds memory to about CHUNK dense columns.
CHUNK = 32


def link_kinds(include_scale_up: bool) -> tuple[int, ...]:
    """The link kinds a measure uses: scale-out, and scale-up unless left out."""
    return (SCALE_OUT, SCALE_UP) if include_scale_up else (SCALE_OUT,)


def forwards(fabric: FabricGraph, accelerators_forward: bool | None) -> bool:
    """Whether paths may cross accelerators: as asked, else where accelerators are joined
    directly (a torus, alone or under NVLink switches or a scale-out fabric): their links are
    routed through them."""
    if accelerators_forward is not None:
        return bool(accelerators_forward)
    n_acc = fabric.n_accelerators
    return bool(np.any((fabric.link_u < n_acc) & (fabric.link_v < n_acc)))


_TRANSIT: weakref.WeakKeyDictionary[FabricGraph, dict[tuple[Any, ...], tuple[Any, int]]] = \
    weakref.WeakKeyDictionary()


def transit(fabric: FabricGraph, kinds: tuple[int, ...], forward: bool, *,
            parallel: bool = False) -> tuple[Any, int]:
    """Return ``(M, offset)``: the transposed arc matrix of the routing graph (scipy CSR).

    ``M[v, u]`` is the number of arcs ``u -> v`` (1 when `parallel` is false), so that
    ``M @ x`` pushes values one hop forward. When accelerators do not forward, their outgoing
    arcs leave from a copy ``n + a`` of accelerator ``a`` and ``a`` itself is a sink: a path
    starts at ``a + offset`` and may end at any accelerator, but never crosses one. Kept while
    the fabric lives (a fabric is immutable), so the analyses of one report build it once.
    """
    cache = _TRANSIT.setdefault(fabric, {})
    key = (tuple(kinds), bool(forward), bool(parallel))
    if key not in cache:
        cache[key] = _build_transit(fabric, kinds, forward, parallel=parallel)
    return cache[key]


def _build_transit(fabric: FabricGraph, kinds: tuple[int, ...], forward: bool, *,
                   parallel: bool) -> tuple[Any, int]:
    from scipy.sparse import csr_array

    keep = np.isin(fabric.link_kind, kinds)
    u = fabric.link_u[keep].astype(np.int64)
    v = fabric.link_v[keep].astype(np.int64)
    tail = np.concatenate([u, v])
    head = np.concatenate([v, u])
    n, n_acc = fabric.n_nodes, fabric.n_accelerators
    offset = 0 if forward else n
    if not forward:
        tail = np.where(tail < n_acc, tail + n, tail)
    size = n + (0 if forward else n_acc)
    matrix = csr_array((np.ones(len(tail)), (head, tail)), shape=(size, size))
    matrix.sum_duplicates()
    if not parallel:
        matrix.data[:] = 1.0
    # 32-bit indices: the sparse-dense products run faster
    matrix = csr_array((matrix.data, matrix.indices.astype(np.int32),
                        matrix.indptr.astype(np.int32 if matrix.nnz < _INT32_MAX else np.int64)),
                       shape=matrix.shape)
    return matrix, offset


def bfs(matrix: Any, sources: np.ndarray, n_targets: int, *, count: bool
        ) -> Iterator[tuple[slice, np.ndarray, np.ndarray | None]]:
    """Breadth-first search from many sources at once, by sparse-dense products per layer.

    Yields, per chunk of sources, ``(columns, dist, paths)``: hop distances (-1 unreachable) and,
    when `count`, numbers of shortest paths (float64, exact below 2**53) to nodes
    ``0 .. n_targets - 1``, one column per source. The number of shortest paths to ``v`` at layer
    ``L`` is the sum of those to its predecessors at layer ``L - 1``: one product per layer.

    Examples
    --------
    >>> from infranet.fabrics.generators import leaf_spine
    >>> fabric = leaf_spine(4, radix=4)  # 2 leaves of 2 hosts, 2 spines
    >>> matrix, offset = transit(fabric, link_kinds(True), False)
    >>> _, dist, _ = next(bfs(matrix, np.array([0]) + offset, 4, count=False))
    >>> dist[1:, 0].tolist()  # to the other host of its leaf, and to those of the other leaf
    [2, 4, 4]
    """
    size = matrix.shape[0]
    # distances alone need no exact counts: single precision halves the memory traffic
    dtype = np.float64 if count else np.float32
    matrix = matrix.astype(dtype, copy=False)
    for start in range(0, len(sources), CHUNK):
        src = sources[start:start + CHUNK]
        cols = np.arange(len(src))
        frontier = np.zeros((size, len(src)), dtype=dtype)
        frontier[src, cols] = 1.0
        unvisited = np.ones((size, len(src)), dtype=dtype)
        unvisited[src, cols] = 0.0
        dist = np.full((n_targets, len(src)), -1, dtype=np.int32)
        paths = np.zeros((n_targets, len(src))) if count else None
        inside = src < n_targets
        dist[src[inside], cols[inside]] = 0
        if paths is not None:
            paths[src[inside], cols[inside]] = 1.0
        layer = 0
        while True:
            layer += 1
            reached = matrix @ frontier
            reached *= unvisited  # only first visits: shortest paths
            new = reached > 0
            if not new.any():
                break
            np.copyto(unvisited, 0.0, where=new)
            np.copyto(dist, layer, where=new[:n_targets])
            if paths is not None:
                paths += reached[:n_targets]
                frontier = reached
            else:
                frontier = new.astype(dtype)
        yield slice(start, start + len(src)), dist, paths
