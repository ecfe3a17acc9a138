"""Traffic matrices: demands in Gb/s between named sites, generators and readers.

A :class:`TrafficMatrix` is a dense, read-only ``n x n`` matrix in Gb/s over a tuple of site
names (row = source, column = destination, zero diagonal). Generators draw matrices for a
topology (every random one takes ``seed``); readers take FIGRET ``.hist`` files, CSV
``src,dst,gbps`` tables and the demands that SNDlib/topohub topologies carry.

:class:`Flows` is the sparse form: a list of flows between any nodes (sites, accelerators of
an expanded fabric), with columns ``src, dst, demand_gbps`` (``inf`` for an elastic flow that
takes what it can), ``weight`` and ``group``; pairs may repeat. Never an ``n x n`` matrix: it
is what collectives and jobs that share links hand to :func:`infranet.algorithms.fairness.
max_min_fair`. The two convert both ways (:meth:`TrafficMatrix.to_flows`,
:meth:`Flows.to_matrix`), and every solver that takes one takes the other
(:func:`as_flows`).

Examples
--------
>>> tm = TrafficMatrix(("a", "b"), [[0, 3], [1, 0]], name="tiny")
>>> tm.total_gbps, tm.scaled(2).total_gbps
(4.0, 8.0)
>>> tm.to_frame().to_dict("records")
[{'src': 'a', 'dst': 'b', 'gbps': 3.0}, {'src': 'b', 'dst': 'a', 'gbps': 1.0}]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet import units
from infranet.errors import FormatError, UnknownNameError, ValidationError, did_you_mean

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = [
    "Flows",
    "TrafficMatrix",
    "all_to_all",
    "as_flows",
    "bimodal",
    "from_topology",
    "gravity",
    "hotspot",
    "parse_rate",
    "permutation",
    "read_csv",
    "read_hist",
    "uniform",
]

_ABSTRACT_UNITS = ("unitless", "abstract")


@dataclass(frozen=True, eq=False)
class TrafficMatrix:
    """Demands in Gb/s between sites: ``gbps[s, t]`` from ``nodes[s]`` to ``nodes[t]``.

    Parameters
    ----------
    nodes
        Site names, unique; row and column ``i`` belong to ``nodes[i]``.
    gbps
        Square matrix of non-negative, finite demands in Gb/s with a zero diagonal. It is
        copied and made read-only.
    name, source
        A label, and the file the matrix came from (named in error messages).

    Raises
    ------
    ValidationError
        For a non-square matrix, duplicate names, negative, NaN or infinite demands, or a demand
        from a site to itself.
    """

    nodes: tuple[str, ...]
    gbps: np.ndarray = field(repr=False)
    name: str = ""
    source: str | None = None

    def __post_init__(self) -> None:
        nodes = tuple(str(x) for x in self.nodes)
        matrix = np.array(self.gbps, dtype=float, copy=True)
        n = len(nodes)
        if matrix.ndim != 2 or matrix.shape != (n, n):
            raise ValidationError(
                f"expected a {n} x {n} matrix (one row and column per node), got shape "
                f"{matrix.shape}", file=self.source, field="gbps")
        if len(set(nodes)) != n:
            dup = _first_duplicate(nodes)
            raise ValidationError(f"node {dup!r} appears twice; names must be unique",
                                  file=self.source, field="nodes")
        bad = ~np.isfinite(matrix) | (matrix < 0)
        if bad.any():
            s, t = np.argwhere(bad)[0]
            raise ValidationError(
                f"expected a non-negative finite demand in Gb/s, got {float(matrix[s, t])!r} "
                f"({int(bad.sum())} such entries)", file=self.source,
                element=f"demand {nodes[s]!r} -> {nodes[t]!r}", field="gbps")
        diag = np.flatnonzero(np.diag(matrix))
        if diag.size:
            s = int(diag[0])
            raise ValidationError(
                f"a site cannot send to itself, got {float(matrix[s, s])!r}; the diagonal must "
                "be 0",
                file=self.source, element=f"demand {nodes[s]!r} -> {nodes[s]!r}", field="gbps")
        matrix.setflags(write=False)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "gbps", matrix)

    # ------------------------------------------------------------------ views
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def total_gbps(self) -> float:
        """Sum of all demands in Gb/s."""
        return float(self.gbps.sum())

    @property
    def n_demands(self) -> int:
        """Number of non-zero demands."""
        return int(np.count_nonzero(self.gbps))

    def to_frame(self) -> pd.DataFrame:
        """Return the non-zero demands as rows ``src, dst, gbps`` (row-major order)."""
        s, t = np.nonzero(self.gbps)
        names = np.array(self.nodes, dtype=object)
        return pd.DataFrame({"src": names[s], "dst": names[t], "gbps": self.gbps[s, t]})

    def scaled(self, factor: float) -> TrafficMatrix:
        """Return a matrix with every demand multiplied by `factor` (>= 0)."""
        if not (math.isfinite(factor) and factor >= 0):
            raise ValidationError(f"expected a non-negative finite factor, got {factor!r}")
        return TrafficMatrix(self.nodes, self.gbps * factor, name=self.name, source=self.source)

    def for_topology(self, topology: Topology) -> TrafficMatrix:
        """Return this matrix over the sites of `topology`, in site order (zeros elsewhere).

        The result is dense, ``n x n`` over every node of `topology`: on an expanded fabric
        use :func:`as_flows`, which stays sparse.

        Raises
        ------
        UnknownNameError
            When a node of the matrix is not a site of `topology`.
        """
        sites = topology.site_names
        if self.nodes == sites:
            return self
        pos = self.positions(topology)
        matrix = np.zeros((len(sites), len(sites)))
        matrix[np.ix_(pos, pos)] = self.gbps
        return TrafficMatrix(sites, matrix, name=self.name, source=self.source)

    def positions(self, topology: Topology) -> np.ndarray:
        """Return the index in `topology`'s nodes of each node of this matrix.

        Raises
        ------
        UnknownNameError
            When a node of the matrix is not a node of `topology` (with the closest).
        """
        sites = topology.site_names
        pos = pd.Index(sites).get_indexer(np.array(self.nodes, dtype=object))
        if (pos < 0).any():
            missing = [x for x, p in zip(self.nodes, pos.tolist(), strict=True) if p < 0]
            raise UnknownNameError(
                f"traffic matrix node {missing[0]!r} is not a site of {topology.name!r}"
                f"{did_you_mean(missing[0], sites)} ({len(missing)} unknown nodes)",
                file=self.source)
        return pos.astype(np.int64)

    def to_flows(self, *, group: str = "") -> Flows:
        """Return the non-zero demands as :class:`Flows` (row-major order, weight 1).

        Examples
        --------
        >>> flows = TrafficMatrix(("a", "b"), [[0, 3], [1, 0]]).to_flows()
        >>> flows.demand_gbps.tolist()
        [3.0, 1.0]
        """
        s, t = np.nonzero(self.gbps)
        return Flows(self.nodes, s, t, self.gbps[s, t], group=[group] * len(s) if group else None,
                     name=self.name, source=self.source)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "nodes": list(self.nodes),
                "total_gbps": self.total_gbps, "demands": self.to_frame().to_dict("records")}

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"<TrafficMatrix{label}: {self.n_nodes} nodes, {self.n_demands} demands, "
                f"{self.total_gbps:.6g} Gb/s>")


def _first_duplicate(names: Sequence[str]) -> str:
    seen: set[str] = set()
    for x in names:
        if x in seen:
            return x
        seen.add(x)
    return ""


# ---------------------------------------------------------------------------- flows


@dataclass(frozen=True, eq=False)
class Flows:
    """Flows as a sparse list: flow ``i`` goes from ``nodes[src[i]]`` to ``nodes[dst[i]]`` and
    asks for ``demand_gbps[i]`` (``inf``: elastic, it takes what it can get), with a
    ``weight`` (its share under weighted fairness) and a ``group`` (a job or collective).

    Pairs may repeat (two jobs between the same nodes are two flows). Build one from names
    with :meth:`from_pairs` or :meth:`from_frame`, or from a matrix with
    :meth:`TrafficMatrix.to_flows`.

    Parameters
    ----------
    nodes
        Node names, unique (sites, ``SITE/CLUSTER`` nodes, accelerators of an expanded fabric).
    src, dst
        Node indices into `nodes`, one per flow; a flow never goes from a node to itself.
    demand_gbps
        Non-negative demands in Gb/s, ``inf`` allowed.
    weight
        Positive finite weights (default 1).
    group
        A label per flow (default ``""``).
    name, source
        A label, and the file the flows came from (named in error messages).

    Raises
    ------
    ValidationError
        For mismatched lengths, an index out of range, a flow from a node to itself, a
        negative or NaN demand, or a weight that is not positive and finite (naming the flow).

    Examples
    --------
    >>> flows = Flows.from_pairs(["a", "a"], ["b", "c"], [10, float("inf")], weight=[1, 2],
    ...                          group=["job-1", "job-2"])
    >>> flows.nodes, len(flows), flows.to_frame()["group"].tolist()
    (('a', 'b', 'c'), 2, ['job-1', 'job-2'])
    """

    nodes: tuple[str, ...]
    src: np.ndarray = field(repr=False)
    dst: np.ndarray = field(repr=False)
    demand_gbps: np.ndarray = field(repr=False)
    # given as anything array-like (None: the default), held as read-only arrays
    weight: Any = field(default=None, repr=False)
    group: Any = field(default=None, repr=False)
    name: str = ""
    source: str | None = None

    def __post_init__(self) -> None:
        nodes = tuple(str(x) for x in self.nodes)
        if len(set(nodes)) != len(nodes):
            raise ValidationError(f"node {_first_duplicate(nodes)!r} appears twice; names must "
                                  "be unique", file=self.source, field="nodes")
        src = np.asarray(self.src)
        dst = np.asarray(self.dst)
        demand = np.array(self.demand_gbps, dtype=float, copy=True).reshape(-1)
        count = len(demand)
        weight = (np.ones(count) if self.weight is None
                  else np.array(self.weight, dtype=float, copy=True).reshape(-1))
        group = (np.full(count, "", dtype=object) if self.group is None
                 else np.array([str(g) for g in self.group], dtype=object))
        for label, values in (("src", src), ("dst", dst), ("weight", weight),
                              ("group", group)):
            if len(values) != count:
                raise ValidationError(f"expected {count} values of {label} (one per flow), got "
                                      f"{len(values)}", file=self.source, field=label)
        if count and not (np.issubdtype(src.dtype, np.integer)
                          and np.issubdtype(dst.dtype, np.integer)):
            raise ValidationError("src and dst are node indices; use Flows.from_pairs for "
                                  "names", file=self.source, field="src")
        src = src.astype(np.int64)
        dst = dst.astype(np.int64)
        n = len(nodes)
        for label, values in (("src", src), ("dst", dst)):
            bad = np.flatnonzero((values < 0) | (values >= n))
            if bad.size:
                raise ValidationError(f"node index {int(values[bad[0]])} is out of range "
                                      f"(0..{n - 1})",
                                      file=self.source, element=f"flow {bad[0]}", field=label)
        same = np.flatnonzero(src == dst)
        if same.size:
            raise ValidationError(f"a flow cannot go from a node to itself "
                                  f"({nodes[src[same[0]]]!r})", file=self.source,
                                  element=f"flow {same[0]}", field="dst")
        bad = np.flatnonzero(np.isnan(demand) | (demand < 0))
        if bad.size:
            raise ValidationError(f"expected a non-negative demand in Gb/s (inf for an elastic "
                                  f"flow), got {float(demand[bad[0]])!r}", file=self.source,
                                  element=f"flow {bad[0]}", field="demand_gbps")
        bad = np.flatnonzero(~np.isfinite(weight) | (weight <= 0))
        if bad.size:
            raise ValidationError(f"expected a positive finite weight, got "
                                  f"{float(weight[bad[0]])!r}",
                                  file=self.source, element=f"flow {bad[0]}", field="weight")
        for array in (src, dst, demand, weight, group):
            array.setflags(write=False)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "src", src)
        object.__setattr__(self, "dst", dst)
        object.__setattr__(self, "demand_gbps", demand)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "group", group)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_pairs(cls, src: Sequence[str], dst: Sequence[str],
                   demand_gbps: Sequence[float] | np.ndarray, *,
                   weight: Sequence[float] | np.ndarray | None = None,
                   group: Sequence[str] | None = None,
                   nodes: Topology | Sequence[str] | None = None, name: str = "",
                   source: str | None = None) -> Flows:
        """Return flows from node names (`nodes`: the node order, a Topology's nodes, or by
        default the order of first appearance).

        Raises
        ------
        UnknownNameError
            For a name that is not one of `nodes` (with the closest).
        """
        src_names = np.asarray([str(x) for x in src], dtype=object)
        dst_names = np.asarray([str(x) for x in dst], dtype=object)
        if nodes is None:
            names = tuple(pd.unique(np.concatenate([src_names, dst_names])))
        else:
            names = _names(nodes)
        index = pd.Index(names)
        codes = []
        for label, values in (("src", src_names), ("dst", dst_names)):
            at = index.get_indexer(values) if len(values) else np.zeros(0, dtype=np.int64)
            bad = np.flatnonzero(at < 0)
            if bad.size:
                x = values[bad[0]]
                raise UnknownNameError(f"unknown node {x!r}{did_you_mean(x, names)}",
                                       file=source, element=f"flow {bad[0]}", field=label)
            codes.append(at)
        return cls(names, codes[0], codes[1], np.asarray(demand_gbps, dtype=float), weight,
                   group, name, source)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, nodes: Topology | Sequence[str] | None = None,
                   name: str = "", source: str | None = None) -> Flows:
        """Return flows from a table with columns ``src, dst, demand_gbps`` and optionally
        ``weight`` and ``group``."""
        missing = [c for c in ("src", "dst", "demand_gbps") if c not in frame.columns]
        if missing:
            raise ValidationError(f"no column {missing[0]!r}; flows need src, dst, demand_gbps"
                                  f"{did_you_mean(missing[0], list(frame.columns))}",
                                  file=source, field=missing[0])
        return cls.from_pairs(frame["src"].tolist(), frame["dst"].tolist(),
                              pd.to_numeric(frame["demand_gbps"]).to_numpy(dtype=float),
                              weight=frame["weight"].to_numpy(dtype=float)
                              if "weight" in frame.columns else None,
                              group=frame["group"].astype(str).tolist()
                              if "group" in frame.columns else None,
                              nodes=nodes, name=name, source=source)

    # ------------------------------------------------------------------ views
    def __len__(self) -> int:
        return len(self.src)

    @property
    def n_flows(self) -> int:
        return len(self.src)

    @property
    def elastic(self) -> np.ndarray:
        """True for each flow of infinite demand."""
        return np.isinf(self.demand_gbps)

    @property
    def groups(self) -> tuple[str, ...]:
        """The distinct groups, in order of first appearance."""
        return tuple(pd.unique(np.asarray(self.group, dtype=object)))

    def to_frame(self) -> pd.DataFrame:
        """Return one row per flow: ``src, dst`` (names), ``demand_gbps, weight, group``."""
        names = np.array(self.nodes, dtype=object)
        return pd.DataFrame({"src": names[self.src], "dst": names[self.dst],
                             "demand_gbps": self.demand_gbps, "weight": self.weight,
                             "group": np.asarray(self.group, dtype=object)})

    def to_matrix(self) -> TrafficMatrix:
        """Return the flows summed per pair as a :class:`TrafficMatrix` (weights and groups
        dropped).

        Raises
        ------
        ValidationError
            For an elastic flow (a matrix holds finite demands).
        """
        if self.elastic.any():
            i = int(np.flatnonzero(self.elastic)[0])
            raise ValidationError("an elastic flow (inf demand) has no place in a traffic "
                                  "matrix", file=self.source, element=f"flow {i}",
                                  field="demand_gbps")
        n = len(self.nodes)
        matrix = np.zeros((n, n))
        np.add.at(matrix, (self.src, self.dst), self.demand_gbps)
        return TrafficMatrix(self.nodes, matrix, name=self.name, source=self.source)

    def for_topology(self, topology: Topology) -> Flows:
        """Return these flows over the nodes of `topology` (indices into its nodes).

        Raises
        ------
        UnknownNameError
            When a node a flow uses is not a node of `topology`.
        """
        nodes = topology.site_names
        if self.nodes == nodes:
            return self
        used = np.unique(np.concatenate([self.src, self.dst]))
        at = pd.Index(nodes).get_indexer(np.array(self.nodes, dtype=object)[used])
        if (at < 0).any():
            x = self.nodes[used[np.flatnonzero(at < 0)[0]]]
            raise UnknownNameError(f"flow node {x!r} is not a node of {topology.name!r}"
                                   f"{did_you_mean(x, nodes)} ({int((at < 0).sum())} unknown "
                                   "nodes)", file=self.source)
        remap = np.full(len(self.nodes), -1, dtype=np.int64)
        remap[used] = at
        return Flows(nodes, remap[self.src], remap[self.dst], self.demand_gbps, self.weight,
                     self.group, self.name, self.source)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return (f"<Flows{label}: {len(self)} flows over {len(self.nodes)} nodes, "
                f"{len(self.groups)} groups>")


def as_flows(topology: Topology, demands: TrafficMatrix | Flows, *,
             finite_for: str | None = None, instead: str = "") -> Flows:
    """Return `demands` (a TrafficMatrix or Flows) as Flows over the nodes of `topology`: the
    one way every solver reads its demands.

    A matrix gives its non-zero demands in row-major order over the nodes of `topology` (as
    :meth:`TrafficMatrix.for_topology` would, without its dense ``n x n`` matrix: a site
    matrix on an expanded fabric of 40,000 nodes stays a few flows); Flows keep their order.

    Parameters
    ----------
    finite_for
        What needs finite demands (``"a routing"``, ``"this LP"``): an elastic flow is then an
        error saying so; default: elastic flows are welcome.
    instead
        What to use for elastic flows, for that message (``"max_min_fair"``).

    Raises
    ------
    UnknownNameError
        For a node that is not one of `topology`.
    ValidationError
        For anything but a TrafficMatrix or Flows, or an elastic flow where `finite_for`
        says it has no place.
    """
    if isinstance(demands, TrafficMatrix):
        pos = demands.positions(topology)
        s, t = np.nonzero(demands.gbps)
        src, dst = pos[s], pos[t]
        order = np.lexsort((dst, src))  # row-major over the topology's nodes
        flows = Flows(topology.site_names, src[order], dst[order], demands.gbps[s, t][order],
                      name=demands.name, source=demands.source)
    elif isinstance(demands, Flows):
        flows = demands.for_topology(topology)
    else:
        raise ValidationError(f"expected a TrafficMatrix or Flows, got "
                              f"{type(demands).__name__}", field="demands")
    if finite_for is not None and flows.elastic.any():
        i = int(np.flatnonzero(flows.elastic)[0])
        raise ValidationError(f"an elastic flow (inf demand) has no place in {finite_for}; "
                              f"give it a finite demand{f', or use {instead}' if instead else ''}",
                              file=flows.source, element=f"flow {i}", field="demand_gbps")
    return flows


# ---------------------------------------------------------------------------- helpers


def _names(where: Topology | Sequence[str]) -> tuple[str, ...]:
    names = getattr(where, "site_names", None)
    if names is not None:
        return tuple(names)
    return tuple(str(x) for x in where)  # type: ignore[union-attr]


def _factor(unit: str) -> float:
    """Gb/s per `unit`; abstract units count as Gb/s."""
    if unit.lower() in _ABSTRACT_UNITS:
        return 1.0
    return units.parse(f"1 {unit}", "bandwidth", where="unit")


def _off_diagonal(n: int) -> np.ndarray:
    return ~np.eye(n, dtype=bool)


def _normalised(weights: np.ndarray, total_gbps: float, names: tuple[str, ...], name: str,
                ) -> TrafficMatrix:
    if not (math.isfinite(total_gbps) and total_gbps >= 0):
        raise ValidationError(f"expected a non-negative finite total, got {total_gbps!r}",
                              field="total_gbps")
    weights = np.where(_off_diagonal(len(names)), weights, 0.0)
    s = weights.sum()
    matrix = weights * (total_gbps / s) if s > 0 else weights
    return TrafficMatrix(names, matrix, name=name)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    from infranet.seeds import generator

    return generator(seed)


# ---------------------------------------------------------------------------- generators


def uniform(where: Topology | Sequence[str], total_gbps: float, *,
            seed: int | np.random.Generator | None = None) -> TrafficMatrix:
    """Return independent uniform demands between every ordered pair, `total_gbps` in all.

    Each off-diagonal entry is drawn from U(0, 1), then the matrix is scaled to `total_gbps`.

    Examples
    --------
    >>> tm = uniform(["a", "b", "c"], 60.0, seed=1)
    >>> round(tm.total_gbps, 9), tm.n_demands
    (60.0, 6)
    """
    names = _names(where)
    n = len(names)
    return _normalised(_rng(seed).random((n, n)), total_gbps, names, "uniform")


def _gravity_weights(topology: Topology, by: str) -> np.ndarray:
    names = topology.site_names
    if by == "population":
        pop = topology.sites["population"].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(pop) | (pop < 0))
        if bad.size:
            raise ValidationError(
                f"no population; a gravity matrix by population needs one on every site "
                f"({bad.size} sites lack one): set it, or use by='capacity' or by='degree'",
                file=topology.file, element=f"site {names[bad[0]]!r}", field="population")
        return pop
    compiled = topology.compile()
    n = compiled.n_nodes
    if by == "degree":
        return np.bincount(compiled.tail, minlength=n).astype(float)
    if by == "capacity":
        from infranet.algorithms.arcs import capacities

        cap = capacities(topology, purpose="a gravity matrix by capacity",
                         hint="set the link capacity or defaults.capacity, or use by='degree'")
        return np.bincount(compiled.tail, weights=cap, minlength=n)
    raise ValidationError(f"by must be 'population', 'capacity' or 'degree', got {by!r}"
                          f"{did_you_mean(by, ('population', 'capacity', 'degree'))}")


def gravity(topology: Topology, *, total_gbps: float, by: str = "capacity",
            noise: float = 0.0, seed: int | np.random.Generator | None = None,
            ) -> TrafficMatrix:
    """Return a gravity matrix: demand ``s -> t`` proportional to ``w[s] * w[t]``.

    Parameters
    ----------
    topology
        Gives the sites and their weights.
    total_gbps
        Sum of all demands in Gb/s.
    by
        The weight of a site: ``"population"`` (sites' population, which must be known),
        ``"capacity"`` (total capacity leaving the site) or ``"degree"`` (number of links).
    noise
        Standard deviation of a log-normal factor applied to each demand (0: none); the random
        part, drawn with `seed`.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
    ...     "links": [{"a": "x", "b": "y", "capacity": 100},
    ...               {"a": "y", "b": "z", "capacity": 300}]})
    >>> tm = gravity(topo, total_gbps=100.0, by="capacity")
    >>> float(tm.gbps[1, 2] / tm.gbps[0, 2])  # w[y] / w[x] = 400 / 100
    4.0
    """
    w = _gravity_weights(topology, by)
    weights = np.outer(w, w)
    if noise:
        weights = weights * _rng(seed).lognormal(0.0, noise, weights.shape)
    return _normalised(weights, total_gbps, topology.site_names, f"gravity-{by}")


def bimodal(where: Topology | Sequence[str], total_gbps: float, *, fraction: float = 0.2,
            ratio: float = 10.0, seed: int | np.random.Generator | None = None,
            ) -> TrafficMatrix:
    """Return a mix of few large and many small demands, `total_gbps` in all.

    Each pair is large with probability `fraction`. Large demands are drawn from
    N(`ratio`, `ratio`/4), small ones from N(1, 1/4) (both clipped at 0), then the matrix is
    scaled to `total_gbps`.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValidationError(f"fraction must lie in [0, 1], got {fraction!r}", field="fraction")
    names = _names(where)
    n = len(names)
    rng = _rng(seed)
    large = rng.random((n, n)) < fraction
    mean = np.where(large, ratio, 1.0)
    weights = np.clip(rng.normal(mean, mean / 4.0), 0.0, None)
    return _normalised(weights, total_gbps, names, "bimodal")


def hotspot(where: Topology | Sequence[str], total_gbps: float, *,
            hotspots: int | Sequence[str] = 1, share: float = 0.5,
            seed: int | np.random.Generator | None = None) -> TrafficMatrix:
    """Return uniform background traffic plus `share` of the total sent to a few hotspots.

    Parameters
    ----------
    hotspots
        How many hotspot sites to draw (with `seed`), or their names.
    share
        Fraction of `total_gbps` that goes from every other site to the hotspots (uniform
        random weights); the rest is uniform between all pairs.
    """
    if not 0.0 <= share <= 1.0:
        raise ValidationError(f"share must lie in [0, 1], got {share!r}", field="share")
    names = _names(where)
    n = len(names)
    rng = _rng(seed)
    if isinstance(hotspots, int):
        if not 1 <= hotspots <= n:
            raise ValidationError(f"hotspots must be between 1 and {n}, got {hotspots}",
                                  field="hotspots")
        hot = rng.choice(n, size=hotspots, replace=False)
    else:
        index = {x: i for i, x in enumerate(names)}
        for x in hotspots:
            if x not in index:
                raise UnknownNameError(f"unknown site {x!r}{did_you_mean(x, names)}",
                                       field="hotspots")
        hot = np.array([index[x] for x in hotspots], dtype=np.int64)
    off = _off_diagonal(n)
    background = rng.random((n, n)) * off
    focus = np.zeros((n, n))
    focus[:, hot] = rng.random((n, len(hot)))
    focus *= off
    matrix = np.zeros((n, n))
    if background.sum() > 0:
        matrix += background * ((1.0 - share) * total_gbps / background.sum())
    if focus.sum() > 0:
        matrix += focus * (share * total_gbps / focus.sum())
    return TrafficMatrix(names, matrix, name="hotspot")


def permutation(where: Topology | Sequence[str], gbps: float = 1.0, *,
                seed: int | np.random.Generator | None = None) -> TrafficMatrix:
    """Return a random permutation matrix: every site sends `gbps` to exactly one other site
    and receives from exactly one (a single random cycle through all sites, drawn with
    `seed`)."""
    names = _names(where)
    n = len(names)
    if n < 2:
        raise ValidationError(f"a permutation needs at least 2 sites, got {n}")
    rng = _rng(seed)
    # following a random cyclic order gives a derangement: one cycle through every site
    order = rng.permutation(n)
    target = np.empty(n, dtype=np.int64)
    target[order] = np.roll(order, -1)
    matrix = np.zeros((n, n))
    matrix[np.arange(n), target] = gbps
    return TrafficMatrix(names, matrix, name="permutation")


def all_to_all(where: Topology | Sequence[str], gbps: float = 1.0) -> TrafficMatrix:
    """Return `gbps` between every ordered pair of distinct sites.

    Examples
    --------
    >>> all_to_all(["a", "b", "c"], 2.0).total_gbps
    12.0
    """
    names = _names(where)
    n = len(names)
    return TrafficMatrix(names, np.full((n, n), float(gbps)) * _off_diagonal(n),
                         name="all-to-all")


# ---------------------------------------------------------------------------- readers


def read_hist(path: str | Path, nodes: Topology | Sequence[str], *, line: int | None = None,
              unit: str = "bit/s") -> list[TrafficMatrix] | TrafficMatrix:
    """Read FIGRET ``.hist`` traffic matrices: one per line, ``n*n`` whitespace-separated
    demands, row-major (index ``s*n + t``).

    Parameters
    ----------
    path
        The ``.hist`` file.
    nodes
        The node names in index order, or a Topology (its sites in file order; FIGRET's
        node-link files list node ``i`` at position ``i``).
    line
        Read only this line (0-based) and return one matrix; default: every line, as a list.
    unit
        Unit of the values: ``"bit/s"`` (GEANT), ``"Gb/s"``..., or ``"unitless"``
        (abstract units, taken as Gb/s).

    Raises
    ------
    FormatError
        For an empty file, a line with the wrong number of values, or a value that is not a
        number.
    ValidationError
        For a negative, NaN or infinite demand, or a demand from a site to itself (naming the
        line, the pair and the value).
    """
    from infranet.io.files import read_text

    names = _names(nodes)
    n = len(names)
    factor = _factor(unit)
    file = str(path)
    lines = [x for x in read_text(path).splitlines() if x.strip()]
    if not lines:
        raise FormatError(f"no traffic matrix: the file is empty (expected lines of {n * n} "
                          "whitespace-separated numbers)", file=file)
    if line is not None and not 0 <= line < len(lines):
        raise ValidationError(f"line must be between 0 and {len(lines) - 1}, got {line}",
                              file=file, field="line")
    chosen = range(len(lines)) if line is None else [line]
    result = []
    stem = Path(path).stem
    for i in chosen:
        words = lines[i].split()
        try:
            values = np.array(words, dtype=float)
        except ValueError:
            word = next(w for w in words if not _is_float(w))
            raise FormatError(f"expected whitespace-separated numbers, got {word!r}", file=file,
                              element=f"line {i + 1}") from None
        if values.size != n * n:
            raise FormatError(f"expected {n * n} values ({n} nodes squared), got {values.size}",
                              file=file, element=f"line {i + 1}")
        matrix = values.reshape(n, n)
        bad = np.argwhere(~np.isfinite(matrix) | (matrix < 0) | np.eye(n, dtype=bool)
                          & (matrix != 0))
        if bad.size:
            s, t = (int(v) for v in bad[0])
            what = ("a site cannot send to itself; the diagonal must be 0" if s == t else
                    "expected a non-negative finite demand")
            raise ValidationError(f"{what}, got {words[s * n + t]!r}", file=file,
                                  element=f"line {i + 1} value {s * n + t + 1} "
                                          f"({names[s]} -> {names[t]})")
        with np.errstate(over="ignore"):
            scaled = matrix * factor
        if not np.isfinite(scaled).all():
            s, t = (int(v) for v in np.argwhere(~np.isfinite(scaled))[0])
            raise ValidationError(f"{words[s * n + t]} {unit} is past the largest number in "
                                  "Gb/s", file=file, element=f"line {i + 1} value "
                                  f"{s * n + t + 1} ({names[s]} -> {names[t]})")
        result.append(TrafficMatrix(names, scaled, name=f"{stem}:{i}", source=file))
    return result if line is None else result[0]


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_csv(path: str | Path, nodes: Topology | Sequence[str] | None = None, *,
             unit: str = "Gb/s") -> TrafficMatrix:
    """Read a CSV table with header ``src,dst,gbps`` (repeated pairs add up).

    A ``gbps`` value is a number in `unit`, or a quantity with its own unit as in topology
    files (``"400 Gb/s"``, ``"2.5T"``, ``"1,200 Mb/s"``). Other columns are ignored.

    Parameters
    ----------
    nodes
        The node order (names or a Topology); default: order of first appearance.
    unit
        Unit of the plain numbers of the ``gbps`` column when they are not Gb/s.

    Raises
    ------
    FormatError
        For an empty file, a header without ``src``, ``dst`` or ``gbps``, a file with no
        demand, or a row with too few fields.
    ValidationError, UnknownNameError
        For a value that is not a non-negative finite rate, or an unknown site (naming the
        row and the field).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tm.csv"
    >>> _ = path.write_text("src,dst,gbps\\nx,y,400 Gb/s\\ny,x,1.5T\\nx,y,100\\n")
    >>> read_csv(path).to_frame().to_dict("records")
    [{'src': 'x', 'dst': 'y', 'gbps': 500.0}, {'src': 'y', 'dst': 'x', 'gbps': 1500.0}]
    """
    import csv

    from infranet.io.files import read_text

    file = str(path)
    text = read_text(path)
    try:
        table = [row for row in csv.reader(text.splitlines()) if any(c.strip() for c in row)]
    except csv.Error as err:
        raise FormatError(f"cannot read CSV: {err}", file=file) from None
    if not table:
        raise FormatError("empty file; expected a header src,dst,gbps and one row per demand",
                          file=file)
    header = [c.strip() for c in table[0]]
    for name in ("src", "dst", "gbps"):
        if name not in header:
            other = next((d for d in (";", "\t", "|") if d in table[0][0]), None)
            hint = (f"; the header seems separated by {other!r}: infranet reads comma-separated "
                    "values" if other else did_you_mean(name, header))
            raise FormatError(f"no column {name!r}; the header must be src,dst,gbps{hint}",
                              file=file)
    if len(table) == 1:
        raise FormatError("no demands: the file has a header and no rows", file=file)
    where = [header.index(name) for name in ("src", "dst", "gbps")]
    factor = _factor(unit)
    src, dst, gbps = [], [], np.empty(len(table) - 1)
    for i, row in enumerate(table[1:]):
        element = f"row {i + 2}"
        if len(row) != len(header):
            raise FormatError(f"expected {len(header)} fields as in the header, got {len(row)}",
                              file=file, element=element)
        src.append(row[where[0]].strip())
        dst.append(row[where[1]].strip())
        gbps[i] = parse_rate(row[where[2]].strip(), factor, file, element)
    return _from_rows(np.array(src, dtype=object), np.array(dst, dtype=object), gbps, nodes,
                      name=Path(path).stem, file=file, first_row=2)


def parse_rate(text: str, factor: float, file: str | None, element: str | None) -> float:
    """A demand in Gb/s: a plain number times `factor`, or a quantity with a unit (errors
    name `file`, `element` and the field ``gbps``)."""
    try:
        value = float(text) * factor
    except ValueError:
        try:
            value = units.parse(text, "bandwidth")
        except ValidationError as err:
            raise ValidationError(err.detail, file=file, element=element,
                                  field="gbps") from None
    if not math.isfinite(value) or value < 0:
        raise ValidationError(f"expected a non-negative finite rate, got {text!r}", file=file,
                              element=element, field="gbps")
    return value


def from_topology(topology: Topology) -> TrafficMatrix:
    """Return the demands a topology carries (SNDlib, topohub) over its sites.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
    ...     "links": [{"a": "x", "b": "y"}], "demands": [{"src": "x", "dst": "y", "gbps": 5}]})
    >>> from_topology(topo).to_frame().to_dict("records")
    [{'src': 'x', 'dst': 'y', 'gbps': 5.0}]
    """
    table = topology.demands
    return _from_rows(table["src"].astype(str).to_numpy(), table["dst"].astype(str).to_numpy(),
                      table["gbps"].to_numpy(dtype=float), topology, name=topology.name,
                      file=topology.file)


def _from_rows(src: np.ndarray, dst: np.ndarray, gbps: np.ndarray,
               nodes: Topology | Sequence[str] | None, *, name: str, file: str | None,
               first_row: int | None = None) -> TrafficMatrix:
    """A matrix from rows of demands; errors name ``row N`` of the file (the first demand on
    `first_row`) or, without it, ``demand N``."""
    def element(i: int) -> str:
        return f"demand {i + 1}" if first_row is None else f"row {i + first_row}"

    if nodes is None:
        names = tuple(pd.unique(np.concatenate([src, dst])))
    else:
        names = _names(nodes)
    index = {x: i for i, x in enumerate(names)}
    for column, values in (("src", src), ("dst", dst)):
        for i, x in enumerate(values):
            if x not in index:
                raise UnknownNameError(f"unknown site {x!r}{did_you_mean(x, names)}", file=file,
                                       element=element(i), field=column)
    s = np.array([index[x] for x in src], dtype=np.int64)
    t = np.array([index[x] for x in dst], dtype=np.int64)
    same = np.flatnonzero(s == t)
    if same.size:
        raise ValidationError(f"a site cannot send to itself ({src[same[0]]!r})", file=file,
                              element=element(int(same[0])), field="dst")
    bad = np.flatnonzero(~np.isfinite(gbps) | (gbps < 0))
    if bad.size:
        raise ValidationError(f"expected a non-negative finite demand in Gb/s, got "
                              f"{float(gbps[bad[0]]):g}", file=file,
                              element=element(int(bad[0])), field="gbps")
    matrix = np.zeros((len(names), len(names)))
    with np.errstate(over="ignore"):  # a sum past the largest float is the error below
        np.add.at(matrix, (s, t), gbps)
    if not np.isfinite(matrix).all():
        a, b = (int(v) for v in np.argwhere(~np.isfinite(matrix))[0])
        rows = np.flatnonzero((s == a) & (t == b))
        raise ValidationError(
            f"the demands of this pair add up past the largest number "
            f"({', '.join(element(int(i)) for i in rows[:3])}"
            f"{', ...' if len(rows) > 3 else ''}); give their sum in a larger unit",
            file=file, element=f"demand {names[a]!r} -> {names[b]!r}", field="gbps")
    return TrafficMatrix(names, matrix, name=name, source=file)
