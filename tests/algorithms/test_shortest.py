"""The distance engine must agree with plain Dijkstra (scipy) and networkx on every graph."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import csgraph_from_dense, dijkstra

from infranet.algorithms import _shortest
from infranet.algorithms._shortest import _distances, distances, distances_and_predecessors

METHODS = ["auto", "reduce", "plain"]
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------
# references


def scipy_reference(n, tails, heads, weights, directed):
    """Plain scipy Dijkstra on a dense-built graph (explicit zeros kept as edges)."""
    dense = np.full((n, n), np.inf)
    for t, h, w in zip(tails, heads, weights, strict=True):
        if t == h:
            continue
        dense[t, h] = min(dense[t, h], w)
        if not directed:
            dense[h, t] = min(dense[h, t], w)
    graph = csgraph_from_dense(dense, null_value=np.inf)
    return dijkstra(graph, directed=True)


def networkx_reference(n, tails, heads, weights, directed):
    g = nx.MultiDiGraph() if directed else nx.MultiGraph()
    g.add_nodes_from(range(n))
    for t, h, w in zip(tails, heads, weights, strict=True):
        g.add_edge(int(t), int(h), weight=float(w))
    out = np.full((n, n), np.inf)
    for s, row in nx.all_pairs_dijkstra_path_length(g, weight="weight"):
        for t, d in row.items():
            out[s, t] = d
    return out


def assert_same(got, want):
    assert got.shape == want.shape
    assert got.dtype == np.float64
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------
# graph strategies

WEIGHTS = st.one_of(
    st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0, 3.25, 10.0]),
    st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False),
)


@st.composite
def arbitrary_graphs(draw, max_n=12, max_m=30):
    """Any small multigraph: parallel arcs, self-loops, zeros, isolated nodes."""
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(0, max_m))
    tails = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    heads = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    weights = draw(st.lists(WEIGHTS, min_size=m, max_size=m))
    return n, np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64), np.array(weights)


def _structured(kind, size, seed, zero_share):
    """Infrastructure-like shapes: trees, chains, cycles, cores with cables and spurs."""
    rng = np.random.default_rng(seed)
    edges = []
    n = 0

    def new(k):
        nonlocal n
        ids = list(range(n, n + k))
        n += k
        return ids

    def chain(a, b, k):  # k waypoints between a and b
        ids = [a, *new(k), b]
        edges.extend(itertools.pairwise(ids))

    def tree(root, k):
        nodes = [root]
        for v in new(k):
            edges.append((nodes[rng.integers(len(nodes))], v))
            nodes.append(v)

    if kind == "tree":
        tree(new(1)[0], size)
    elif kind == "path":
        a, b = new(2)
        chain(a, b, size)
    elif kind == "cycle":
        (a,) = new(1)
        chain(a, a, max(size, 2))
    elif kind == "backbone":
        core = new(max(3, size // 4))
        for i in range(len(core)):  # a ring plus chords
            edges.append((core[i], core[(i + 1) % len(core)]))
        for _ in range(size // 4):
            a, b = rng.choice(core, 2)
            edges.append((a, b))
        for _ in range(size // 3):  # cables with waypoints, some looping back
            a, b = rng.choice(core, 2)
            chain(a, b, int(rng.integers(0, 8)))
        for _ in range(size // 5):  # access trees
            tree(int(rng.choice(core)), int(rng.integers(1, 6)))
    elif kind == "forest":  # several components, some single nodes
        for _ in range(3):
            tree(new(1)[0], size // 3)
        new(2)
        (a,) = new(1)
        chain(a, a, 4)
    elif kind == "random":
        n = size + 1
        m = 2 * n
        edges = list(zip(rng.integers(0, n, m), rng.integers(0, n, m), strict=True))
    edges = np.array(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) and kind != "random":
        # Parallel edges and self-loops.
        dup = edges[rng.random(len(edges)) < 0.1]
        loops = rng.integers(0, max(n, 1), (2, 2))
        loops[:, 1] = loops[:, 0]
        edges = np.concatenate([edges, dup, loops])
    weights = rng.choice([0.5, 1.0, 2.0, 7.0], len(edges)) * rng.random(len(edges))
    weights[rng.random(len(edges)) < zero_share] = 0.0
    flip = rng.random(len(edges)) < 0.5  # orientation must not matter
    tails = np.where(flip, edges[:, 1], edges[:, 0])
    heads = np.where(flip, edges[:, 0], edges[:, 1])
    return max(n, 1), tails, heads, weights


@st.composite
def structured_graphs(draw):
    kind = draw(st.sampled_from(["tree", "path", "cycle", "backbone", "forest", "random"]))
    size = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    zero_share = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
    return _structured(kind, size, seed, zero_share)


GRAPHS = st.one_of(arbitrary_graphs(), structured_graphs())


def _sources(draw, n):
    return draw(st.one_of(
        st.none(),
        st.lists(st.integers(0, n - 1), min_size=0, max_size=2 * n + 2),
    ))


# --------------------------------------------------------------------------
# agreement with the references


@SETTINGS
@given(graph=GRAPHS, directed=st.booleans(), method=st.sampled_from(METHODS),
       data=st.data())
def test_matches_scipy_dijkstra(graph, directed, method, data):
    n, tails, heads, weights = graph
    sources = _sources(data.draw, n)
    want = scipy_reference(n, tails, heads, weights, directed)
    got = _distances(n, tails, heads, weights, sources=sources, directed=directed,
                     method=method, workers=1)
    assert_same(got, want if sources is None else want[np.asarray(sources, dtype=np.int64)])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graph=GRAPHS, directed=st.booleans())
def test_matches_networkx(graph, directed):
    n, tails, heads, weights = graph
    want = networkx_reference(n, tails, heads, weights, directed)
    assert_same(distances(n, tails, heads, weights, directed=directed), want)


@SETTINGS
@given(graph=structured_graphs(), method=st.sampled_from(METHODS), data=st.data())
def test_mirrored_arcs_equal_undirected_edges(graph, method, data):
    n, tails, heads, weights = graph
    sources = _sources(data.draw, n)
    both = (np.concatenate([tails, heads]), np.concatenate([heads, tails]),
            np.concatenate([weights, weights]))
    got = _distances(n, *both, sources=sources, directed=True, method=method, workers=1)
    want = distances(n, tails, heads, weights, sources=sources)
    assert_same(got, want)


@SETTINGS
@given(graph=structured_graphs(), data=st.data())
def test_reduction_paths_with_threads_and_small_blocks(graph, data):
    # Tiny blocks and no thread threshold exercise the blocked, threaded code.
    n, tails, heads, weights = graph
    sources = _sources(data.draw, n)
    want = scipy_reference(n, tails, heads, weights, False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_shortest, "_BLOCK_CELLS", 7)
        mp.setattr(_shortest, "_THREAD_MIN_CELLS", 0)
        got = _distances(n, tails, heads, weights, sources=sources, method="reduce",
                         workers=2)
    assert_same(got, want if sources is None else want[np.asarray(sources, dtype=np.int64)])


def test_zero_weight_edges_are_edges():
    # 0 -0- 1 -0- 2 -1- 3, and an isolated node 4.
    d = distances(5, [0, 1, 2], [1, 2, 3], [0.0, 0.0, 1.0])
    assert d[0].tolist() == [0.0, 0.0, 0.0, 1.0, math.inf]
    assert d[3].tolist() == [1.0, 1.0, 1.0, 0.0, math.inf]
    dd = distances(4, [0, 1, 2], [1, 2, 3], [0.0, 0.0, 1.0], directed=True)
    assert dd[0].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert dd[3].tolist() == [math.inf, math.inf, math.inf, 0.0]


def test_parallel_edges_keep_the_shortest():
    d = distances(2, [0, 1, 0], [1, 0, 1], [5.0, 2.0, 3.0])
    assert d[0, 1] == d[1, 0] == 2.0
    dd = distances(2, [0, 1, 0], [1, 0, 1], [5.0, 2.0, 3.0], directed=True)
    assert dd[0, 1] == 3.0 and dd[1, 0] == 2.0


def test_long_chains_and_pendant_trees_reduce_exactly():
    n, tails, heads, weights = _structured("backbone", 400, 7, 0.05)
    want = scipy_reference(n, tails, heads, weights, False)
    for method in METHODS:
        assert_same(_distances(n, tails, heads, weights, method=method), want)
        src = np.arange(0, n, 3)
        assert_same(_distances(n, tails, heads, weights, sources=src, method=method), want[src])


def test_forked_dijkstra_workers(monkeypatch):
    monkeypatch.setattr(_shortest, "_FORK_MIN_WORK", 0)
    monkeypatch.setattr(_shortest, "_FORK_MIN_GRAPH", 0)
    n, tails, heads, weights = _structured("random", 300, 3, 0.0)
    want = scipy_reference(n, tails, heads, weights, True)
    for workers in (2, 3):
        got = _distances(n, tails, heads, weights, directed=True, method="plain",
                         workers=workers)
        assert_same(got, want)


def test_topohub_backbone_matches_scipy():
    import topohub  # a dependency: a missing one fails here, never skips

    g = topohub.get("backbone/europe")
    index = {v["id"]: i for i, v in enumerate(g["nodes"])}
    tails = np.array([index[e["source"]] for e in g["edges"]])
    heads = np.array([index[e["target"]] for e in g["edges"]])
    weights = np.array([e["dist"] for e in g["edges"]], dtype=float)
    n = len(index)
    want = scipy_reference(n, tails, heads, weights, False)
    assert_same(distances(n, tails, heads, weights), want)
    src = np.arange(0, n, 5)
    assert_same(_distances(n, tails, heads, weights, sources=src, method="reduce"), want[src])


# --------------------------------------------------------------------------
# shapes and validation


def test_empty_and_single_node_graphs():
    assert distances(0, [], [], []).shape == (0, 0)
    assert distances(0, [], [], [], sources=[]).shape == (0, 0)
    assert distances(1, [], [], []).tolist() == [[0.0]]
    assert distances(1, [0], [0], [3.0]).tolist() == [[0.0]]
    assert distances(3, [0], [1], [1.0], sources=[]).shape == (0, 3)
    assert distances(3, [0], [1], [1.0], sources=2).tolist() == [[math.inf, math.inf, 0.0]]


def test_sources_keep_order_and_duplicates():
    d = distances(3, [0, 1], [1, 2], [1.0, 2.0], sources=[2, 0, 2])
    assert d.tolist() == [[3.0, 2.0, 0.0], [0.0, 1.0, 3.0], [3.0, 2.0, 0.0]]


def test_infinite_weights_mean_no_edge():
    d = distances(2, [0], [1], [np.inf])
    assert d[0, 1] == math.inf


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((3, [0], [1], [-1.0]), {}, ValueError),
        ((3, [0], [1], [np.nan]), {}, ValueError),
        ((3, [0], [3], [1.0]), {}, ValueError),
        ((3, [-1], [1], [1.0]), {}, ValueError),
        ((3, [0, 1], [1], [1.0]), {}, ValueError),
        ((3, [0.5], [1], [1.0]), {}, TypeError),
        ((-1, [], [], []), {}, ValueError),
        ((3, [0], [1], [1.0]), {"sources": [3]}, ValueError),
        ((3, [0], [1], [1.0]), {"sources": [[0]]}, ValueError),
        ((3, [0], [1], [1.0]), {"workers": 0}, ValueError),
    ],
)
def test_rejects_bad_input(args, kwargs, error):
    with pytest.raises(error):
        distances(*args, **kwargs)


# --------------------------------------------------------------------------
# predecessors


@SETTINGS
@given(graph=GRAPHS, directed=st.booleans(), data=st.data())
def test_predecessors_rebuild_shortest_paths(graph, directed, data):
    n, tails, heads, weights = graph
    source = data.draw(st.integers(0, n - 1))
    dist, pred, arc = distances_and_predecessors(n, tails, heads, weights, source,
                                                 directed=directed)
    want = scipy_reference(n, tails, heads, weights, directed)[source]
    assert_same(dist[None], want[None])
    assert pred[source] == -1 and arc[source] == -1
    for v in range(n):
        if v == source or not np.isfinite(dist[v]):
            assert pred[v] == -1 and arc[v] == -1
            continue
        a = arc[v]
        u = pred[v]
        ends = (tails[a], heads[a])
        assert ends == (u, v) or (not directed and ends == (v, u))
        # The arc closes a shortest path and is the lightest of its parallels.
        assert dist[u] + weights[a] == pytest.approx(dist[v], rel=1e-9, abs=1e-12)
        same = (tails == ends[0]) & (heads == ends[1])
        if not directed:
            same |= (tails == ends[1]) & (heads == ends[0])
        assert weights[a] == weights[same].min()
        # Following predecessors reaches the source without cycles.
        seen, x = set(), v
        while x != source:
            assert x not in seen
            seen.add(x)
            x = pred[x]
