"""The routing result, the registry of routing algorithms and the dispatching :func:`route`.

Every routing algorithm shares one signature, ``algorithm(topology, tm, **options) -> Routing``,
so that studies and benchmarks can loop over them. Algorithms are registered by name with
:func:`register`; third-party packages add theirs through the entry-point group
``infranet.routing`` (see ``docs/routing.md``), loaded only when first used.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.errors import InfranetError, UnknownNameError, ValidationError, did_you_mean

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import TrafficMatrix

__all__ = [
    "ENTRY_POINT_GROUP",
    "Routing",
    "Splits",
    "algorithms",
    "get",
    "register",
    "route",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "infranet.routing"

# modules whose import registers the built-in algorithms
_BUILTIN_MODULES = (
    "infranet.routing.shortest",
    "infranet.routing.paths",
    "infranet.routing.lp",
    "infranet.routing.fptas",
    "infranet.routing.weights",
)


# ---------------------------------------------------------------------------- results


def _readonly(array: Any, dtype: Any) -> np.ndarray:
    out = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class Splits:
    """How each demand is split over paths, as CSR arrays.

    Demand ``d`` uses the paths ``path_ptr[d]:path_ptr[d + 1]``; path ``p`` carries
    ``fraction[p]`` of the demand's routed rate over the arcs ``arcs[arc_ptr[p]:arc_ptr[p + 1]]``
    (arc ids of :meth:`Topology.compile`, in order from source to destination). The fractions of
    a routed demand sum to 1; a lost demand has no path.
    """

    path_ptr: np.ndarray = field(repr=False)
    fraction: np.ndarray = field(repr=False)
    arc_ptr: np.ndarray = field(repr=False)
    arcs: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        for name, dtype in (("path_ptr", np.int64), ("fraction", float), ("arc_ptr", np.int64),
                            ("arcs", np.int64)):
            object.__setattr__(self, name, _readonly(getattr(self, name), dtype))

    @property
    def n_paths(self) -> int:
        return len(self.fraction)

    @property
    def n_demands(self) -> int:
        return len(self.path_ptr) - 1

    @property
    def hops(self) -> np.ndarray:
        """Number of arcs of each path."""
        return np.diff(self.arc_ptr)

    @functools.cached_property
    def demand_of(self) -> np.ndarray:
        """The demand of each path."""
        return _readonly(np.repeat(np.arange(self.n_demands), np.diff(self.path_ptr)), np.int64)

    def paths(self, d: int) -> list[tuple[np.ndarray, float]]:
        """Return the paths of demand `d` as ``(arc ids, fraction)`` pairs."""
        return [(self.arcs[self.arc_ptr[p]:self.arc_ptr[p + 1]], float(self.fraction[p]))
                for p in range(self.path_ptr[d], self.path_ptr[d + 1])]

    def arc_matrix(self, n_arcs: int) -> sp.csr_matrix:
        """Return the ``paths x arcs`` incidence (an arc used twice by a path counts twice)."""
        return sp.csr_matrix((np.ones(len(self.arcs)), self.arcs, self.arc_ptr),
                             shape=(self.n_paths, n_arcs))

    def path_values(self, per_arc: np.ndarray) -> np.ndarray:
        """Return the sum of `per_arc` over the arcs of each path (e.g. latency in ms)."""
        values = np.asarray(per_arc, dtype=float)[self.arcs]
        out = np.zeros(self.n_paths)
        np.add.at(out, np.repeat(np.arange(self.n_paths), self.hops), values)
        return out


@dataclass(frozen=True, eq=False)
class Routing:
    """A routing of a traffic matrix: per-arc load and the path splits behind it.

    Build one with :meth:`from_splits` (or :meth:`from_paths`); algorithms that route
    hop by hop (ECMP) give their splits lazily, as enumerating every path is only needed by
    metrics that look at paths.

    Attributes
    ----------
    algorithm : str
        Registered name of the algorithm.
    nodes : tuple of str
        The topology's site names (``src`` and ``dst`` index them).
    arc_load_gbps : ndarray of float
        Load of each arc in Gb/s (arc ids of :meth:`Topology.compile`).
    src, dst, demand_gbps, routed_gbps : ndarray
        One entry per non-zero demand of the traffic matrix (row-major order): its end nodes,
        the rate asked for and the rate carried in Gb/s (less for demands the algorithm lost).
    solve_s : float
        Wall time of the algorithm in seconds.
    options : Mapping
        The options the algorithm ran with, defaults included.
    info : Mapping
        What the algorithm reports beyond the routing (chosen IGP weights, bounds, ...).
    """

    algorithm: str
    nodes: tuple[str, ...]
    arc_load_gbps: np.ndarray = field(repr=False)
    src: np.ndarray = field(repr=False)
    dst: np.ndarray = field(repr=False)
    demand_gbps: np.ndarray = field(repr=False)
    routed_gbps: np.ndarray = field(repr=False)
    solve_s: float
    options: Mapping[str, Any] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict, repr=False)
    _splits: Splits | Callable[[], Splits] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        for name, dtype in (("arc_load_gbps", float), ("src", np.int64), ("dst", np.int64),
                            ("demand_gbps", float), ("routed_gbps", float)):
            object.__setattr__(self, name, _readonly(getattr(self, name), dtype))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    @functools.cached_property
    def splits(self) -> Splits:
        """The paths of every demand and the fraction each carries (see :class:`Splits`)."""
        value = self._splits
        if value is None:
            raise ValidationError(f"routing {self.algorithm!r} carries no path splits")
        return value if isinstance(value, Splits) else value()

    @property
    def n_demands(self) -> int:
        return len(self.src)

    @property
    def lost_gbps(self) -> float:
        """Demand in Gb/s that the routing does not carry."""
        return float((self.demand_gbps - self.routed_gbps).sum())

    @property
    def routed(self) -> np.ndarray:
        """True for each demand carried in full."""
        return self.routed_gbps >= self.demand_gbps * (1 - 1e-9)

    def demand_index(self, src: str, dst: str) -> int:
        """Return the index of the demand ``src -> dst``."""
        where = {name: i for i, name in enumerate(self.nodes)}
        for name in (src, dst):
            if name not in where:
                raise UnknownNameError(f"unknown site {name!r}{did_you_mean(name, self.nodes)}")
        hit = np.flatnonzero((self.src == where[src]) & (self.dst == where[dst]))
        if not hit.size:
            raise UnknownNameError(f"no demand from {src!r} to {dst!r} in this routing")
        return int(hit[0])

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary (no per-arc arrays)."""
        return {"algorithm": self.algorithm, "n_demands": self.n_demands,
                "demand_gbps": float(self.demand_gbps.sum()),
                "routed_gbps": float(self.routed_gbps.sum()), "solve_s": self.solve_s,
                "options": {k: v for k, v in self.options.items() if _plain(v)},
                "info": {k: v for k, v in self.info.items() if _plain(v)}}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_splits(cls, topology: Topology, tm: TrafficMatrix, splits: Splits, *,
                    algorithm: str, solve_s: float = 0.0, options: Mapping[str, Any] | None
                    = None, info: Mapping[str, Any] | None = None) -> Routing:
        """Return the routing of `tm` (every non-zero demand, row-major) along `splits`.

        A demand with paths is carried in full; one without is lost. Loads are the sum over
        demands of the rate times the fraction on each path through the arc.
        """
        src, dst, demand = demands(topology, tm)
        if splits.n_demands != len(src):
            raise ValidationError(f"splits hold {splits.n_demands} demands, the traffic matrix "
                                  f"{len(src)}", field="splits")
        routed = np.where(np.diff(splits.path_ptr) > 0, demand, 0.0)
        load = path_loads(splits, routed, topology.compile().n_arcs)
        return cls(algorithm, topology.site_names, load, src, dst, demand, routed, solve_s,
                   options or {}, info or {}, splits)

    @classmethod
    def from_paths(cls, topology: Topology, tm: TrafficMatrix,
                   paths: Mapping[tuple[str, str], Sequence[tuple[Sequence[int], float]]], *,
                   algorithm: str, solve_s: float = 0.0,
                   options: Mapping[str, Any] | None = None,
                   info: Mapping[str, Any] | None = None) -> Routing:
        """Return a routing from ``{(src, dst): [(arc ids, fraction), ...]}``.

        Fractions of each demand are normalised to sum to 1; a demand of `tm` missing from
        `paths` is lost. Arc ids are those of :meth:`Topology.compile` (link ``i`` gives arcs
        ``2 * i`` from its ``a`` to its ``b`` and ``2 * i + 1`` back).

        Examples
        --------
        >>> from infranet.model import Topology
        >>> from infranet.traffic import TrafficMatrix
        >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        ...     "links": [{"a": "x", "b": "y", "capacity": 100}]})
        >>> tm = TrafficMatrix(("x", "y"), [[0, 30], [0, 0]])
        >>> r = Routing.from_paths(topo, tm, {("x", "y"): [([0], 1.0)]}, algorithm="manual")
        >>> r.arc_load_gbps.tolist()
        [30.0, 0.0]
        """
        src, dst, _ = demands(topology, tm)
        compiled = topology.compile()
        index = compiled.index
        by_pair: dict[tuple[int, int], Sequence[tuple[Sequence[int], float]]] = {}
        for (a, b), entries in paths.items():
            for name in (a, b):
                if name not in index:
                    raise UnknownNameError(
                        f"unknown site {name!r}{did_you_mean(name, compiled.nodes)}",
                        field="paths")
            by_pair[(index[a], index[b])] = entries
        counts, fractions, lengths, flat = [], [], [], []
        for s, t in zip(src.tolist(), dst.tolist(), strict=True):
            entries = by_pair.get((s, t), ())
            total = sum(float(f) for _, f in entries)
            kept = [(np.asarray(a, dtype=np.int64), float(f) / total) for a, f in entries
                    if total > 0 and f > 0]
            counts.append(len(kept))
            for arcs, frac in kept:
                _check_path(compiled, arcs, s, t)
                fractions.append(frac)
                lengths.append(len(arcs))
                flat.append(arcs)
        splits = Splits(np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]), fractions,
                        np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]),
                        np.concatenate(flat) if flat else np.zeros(0, dtype=np.int64))
        return cls.from_splits(topology, tm, splits, algorithm=algorithm, solve_s=solve_s,
                               options=options, info=info)


def _plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, tuple, dict))


def _check_path(compiled, arcs: np.ndarray, s: int, t: int) -> None:
    if len(arcs) == 0 or arcs.min() < 0 or arcs.max() >= compiled.n_arcs:
        raise ValidationError(f"a path of {compiled.nodes[s]!r} -> {compiled.nodes[t]!r} has "
                              "no arcs or an arc id out of range", field="paths")
    tails, heads = compiled.tail[arcs], compiled.head[arcs]
    if tails[0] != s or heads[-1] != t or (heads[:-1] != tails[1:]).any():
        raise ValidationError(f"a path of {compiled.nodes[s]!r} -> {compiled.nodes[t]!r} is "
                              "not a walk from the source to the destination", field="paths")


def demands(topology: Topology, tm: TrafficMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the non-zero demands of `tm` over the sites of `topology` (row-major):
    ``src, dst`` node indices and the rate in Gb/s."""
    from infranet.traffic import TrafficMatrix

    if not isinstance(tm, TrafficMatrix):
        raise ValidationError(f"expected a TrafficMatrix, got {type(tm).__name__}")
    matrix = tm.for_topology(topology).gbps
    src, dst = np.nonzero(matrix)
    return src.astype(np.int64), dst.astype(np.int64), matrix[src, dst]


def path_loads(splits: Splits, routed_gbps: np.ndarray, n_arcs: int) -> np.ndarray:
    """Return the load of each arc in Gb/s: demands' routed rates times path fractions."""
    per_path = np.asarray(routed_gbps, dtype=float)[splits.demand_of] * splits.fraction
    return np.bincount(splits.arcs, weights=np.repeat(per_path, splits.hops),
                       minlength=n_arcs)[:n_arcs]


# ---------------------------------------------------------------------------- registry

_REGISTRY: dict[str, Callable[..., Routing]] = {}
_PLUGINS: dict[str, Callable[..., Routing]] = {}
_state = {"builtins": False, "plugins": False}


def register(name: str) -> Callable[[Callable[..., Routing]], Callable[..., Routing]]:
    """Register a routing algorithm under `name` (a decorator).

    The function must have the shared signature ``(topology, tm, **options) -> Routing``
    with keyword-only options.

    Examples
    --------
    >>> @register("doc-example")
    ... def doc_example(topology, tm, *, seed=None):
    ...     raise NotImplementedError
    >>> "doc-example" in algorithms()
    True
    >>> _ = _REGISTRY.pop("doc-example")
    """
    if not isinstance(name, str) or not name:
        raise ValidationError(f"an algorithm name must be a non-empty string, got {name!r}")

    def decorate(func: Callable[..., Routing]) -> Callable[..., Routing]:
        old = _REGISTRY.get(name)
        if old is not None and _qualname(old) != _qualname(func):
            raise ValidationError(f"a routing algorithm named {name!r} is already registered "
                                  f"({_qualname(old)}); choose another name")
        _REGISTRY[name] = func
        return func

    return decorate


def _qualname(func: Callable[..., Any]) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


class _Plugin:
    """An algorithm from an entry point, loaded when first called."""

    def __init__(self, entry_point: Any) -> None:
        self.name = entry_point.name
        self.entry_point = entry_point
        self._func: Callable[..., Routing] | None = None

    def load(self) -> Callable[..., Routing]:
        if self._func is None:
            ep = self.entry_point
            try:
                func = ep.load()
            except Exception as err:  # any failure of third-party code is reported alike
                raise InfranetError(
                    f"routing plug-in {self.name!r} ({ep.value}) failed to load: "
                    f"{type(err).__name__}: {err}") from None
            if not callable(func):
                raise InfranetError(f"routing plug-in {self.name!r} ({ep.value}) is not "
                                    f"callable (got {type(func).__name__})")
            self._func = func
        return self._func

    def __call__(self, topology: Topology, tm: TrafficMatrix, **options: Any) -> Routing:
        return self.load()(topology, tm, **options)

    def __repr__(self) -> str:
        return f"<routing plug-in {self.name!r}: {self.entry_point.value}>"


def _load_builtins() -> None:
    if not _state["builtins"]:
        _state["builtins"] = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)


def _discover() -> dict[str, Callable[..., Routing]]:
    if not _state["plugins"]:
        from importlib.metadata import entry_points

        _PLUGINS.clear()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in _REGISTRY or ep.name in _PLUGINS:
                log.warning("routing plug-in %r (%s) ignored: the name is taken", ep.name,
                            ep.value)
                continue
            _PLUGINS[ep.name] = _Plugin(ep)
        _state["plugins"] = True
    return _PLUGINS


def refresh() -> None:
    """Forget the plug-ins found so far; the next look-up reads the entry points again."""
    _state["plugins"] = False
    _PLUGINS.clear()


def algorithms() -> dict[str, Callable[..., Routing]]:
    """Return every routing algorithm by name: built-in, registered, then plug-ins.

    Plug-ins are loaded when first called (or by :func:`get`).
    """
    _load_builtins()
    plugins = _discover()
    return {**_REGISTRY, **{k: v for k, v in plugins.items() if k not in _REGISTRY}}


def get(name: str) -> Callable[..., Routing]:
    """Return the routing algorithm `name`, loading it if it is a plug-in.

    Raises
    ------
    UnknownNameError
        For a name that is neither built in, registered nor a plug-in (with the closest).
    InfranetError
        When a plug-in fails to load (one line naming it).
    """
    table = algorithms()
    func = table.get(name)
    if func is None:
        raise UnknownNameError(f"unknown routing algorithm {name!r}{did_you_mean(name, table)}"
                               f"; known: {', '.join(sorted(table))}", field="algorithm")
    return func.load() if isinstance(func, _Plugin) else func


def route(topology: Topology, tm: TrafficMatrix, *, algorithm: str = "ecmp",
          **options: Any) -> Routing:
    """Route the demands of `tm` (Gb/s) over `topology` with the algorithm named `algorithm`.

    Parameters
    ----------
    topology, tm
        The network and the traffic matrix.
    algorithm
        A name from :func:`algorithms`: ``spf``, ``ecmp`` (default), ``ksp``, ``cspf``,
        ``path-lp``, ``mcf``, ``vlb``, ``fptas``, ``pop``, ``igp-wo``, or a plug-in's.
    **options
        The algorithm's own options (keyword-only; see each algorithm).

    Raises
    ------
    UnknownNameError
        For an unknown algorithm; ValidationError for an option it does not take.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> from infranet.traffic import TrafficMatrix
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "wxyz"],
    ...     "links": [{"a": a, "b": b, "capacity": 100} for a, b in ("wx", "xz", "wy", "yz")]})
    >>> tm = TrafficMatrix(("w", "z"), [[0, 80], [0, 0]])
    >>> route(topo, tm).arc_load_gbps.max()  # ECMP: half over x, half over y
    np.float64(40.0)
    >>> float(route(topo, tm, algorithm="spf").arc_load_gbps.max())
    80.0
    """
    func = get(algorithm)
    target = func.load() if isinstance(func, _Plugin) else func
    _check_options(algorithm, target, options)
    start = time.perf_counter()
    result = target(topology, tm, **options)
    if not isinstance(result, Routing):
        raise InfranetError(f"routing algorithm {algorithm!r} returned "
                            f"{type(result).__name__}, not a Routing")
    if not result.solve_s:  # a plug-in that does not time itself
        result = dataclasses.replace(result, solve_s=time.perf_counter() - start)
    return result


def _check_options(name: str, func: Callable[..., Any], options: Mapping[str, Any]) -> None:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    known = [p.name for p in params.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    for key in options:
        if key not in known:
            raise ValidationError(f"algorithm {name!r} has no option {key!r}"
                                  f"{did_you_mean(key, known)}; its options: "
                                  f"{', '.join(known) or 'none'}", field=key)
