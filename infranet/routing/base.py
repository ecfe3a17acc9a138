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
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet.algorithms.arcs import busiest_link, utilisation
from infranet.algorithms.paths import DeferredPaths, PathSet, readonly
from infranet.errors import InfranetError, UnknownNameError, ValidationError, did_you_mean
from infranet.results import Binding, FrozenDict, FrozenState, freeze, is_plain, plain

if TYPE_CHECKING:
    from infranet.algorithms.failures import FailureSet
    from infranet.model import Compiled, Topology
    from infranet.traffic import Flows, TrafficMatrix

__all__ = [
    "ENTRY_POINT_GROUP",
    "REQUIRED",
    "Option",
    "Routing",
    "algorithms",
    "describe",
    "get",
    "options_of",
    "register",
    "route",
    "takes",
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
    "infranet.routing.predictive",
    "infranet.routing.oblivious",
)


# ---------------------------------------------------------------------------- results



@dataclass(frozen=True, eq=False)
class Routing(FrozenState):
    """A routing of demands (a traffic matrix or flows): per-arc load and the path splits
    behind it.

    Build one with :meth:`from_splits` (or :meth:`from_paths`); algorithms that route
    hop by hop (ECMP) give their splits lazily (a
    :class:`~infranet.algorithms.paths.DeferredPaths`), as enumerating every path is only
    needed by metrics that look at paths. A routing pickles, splits included.

    Attributes
    ----------
    algorithm : str
        Registered name of the algorithm.
    nodes : tuple of str
        The topology's site names (``src`` and ``dst`` index them).
    arc_load_gbps : ndarray of float
        Load of each arc in Gb/s (arc ids of :meth:`Topology.compile`).
    src, dst, demand_gbps, routed_gbps : ndarray
        One entry per demand: each non-zero entry of a traffic matrix (row-major order), or
        each flow of positive demand (in order); its end nodes, the rate asked for and the rate
        carried in Gb/s (less for demands the algorithm lost).
    solve_s : float
        Wall time of the algorithm in seconds.
    options : FrozenDict
        The options the algorithm ran with, defaults included (``weight``: the path metric it
        used; ``failure``: the failure it was routed under).
    info : FrozenDict
        What the algorithm reports beyond the routing (chosen IGP weights, bounds, ...).
    binding : Binding
        The busiest arc (``link``; its summary says by how much it is over capacity, and how
        much demand was lost), ``demand`` when no arc carries load, or ``path`` when demands
        are lost for lack of a path.
    """

    algorithm: str
    nodes: tuple[str, ...]
    arc_load_gbps: np.ndarray = field(repr=False)
    src: np.ndarray = field(repr=False)
    dst: np.ndarray = field(repr=False)
    demand_gbps: np.ndarray = field(repr=False)
    routed_gbps: np.ndarray = field(repr=False)
    solve_s: float
    options: Mapping[str, Any] = field(default_factory=FrozenDict)
    info: Mapping[str, Any] = field(default_factory=FrozenDict, repr=False)
    _splits: PathSet | DeferredPaths | None = field(default=None, repr=False)
    link_names: tuple[str, ...] = field(default=(), repr=False)
    capacity_gbps: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "link_names", tuple(self.link_names))
        if self.capacity_gbps is not None:
            object.__setattr__(self, "capacity_gbps", readonly(self.capacity_gbps, float))
        for name, dtype in (("arc_load_gbps", float), ("src", np.int64), ("dst", np.int64),
                            ("demand_gbps", float), ("routed_gbps", float)):
            object.__setattr__(self, name, readonly(getattr(self, name), dtype))
        object.__setattr__(self, "options", freeze(self.options))
        object.__setattr__(self, "info", freeze(self.info))
        if not isinstance(self._splits, (PathSet, DeferredPaths, type(None))):
            raise ValidationError(f"the splits of a routing are a PathSet or DeferredPaths, "
                                  f"got {type(self._splits).__name__}", field="splits")

    @functools.cached_property
    def splits(self) -> PathSet:
        """The paths of every demand and the fraction each carries (a
        :class:`~infranet.algorithms.paths.PathSet` with one demand per entry of `src`)."""
        value = self._splits
        if value is None:
            raise ValidationError(f"routing {self.algorithm!r} carries no path splits")
        return value if isinstance(value, PathSet) else value.build()

    @property
    def weight(self) -> str | None:
        """The path metric the algorithm used (``options["weight"]``), if it has one."""
        value = self.options.get("weight")
        return value if isinstance(value, str) else None

    @functools.cached_property
    def binding(self) -> Binding:
        """The link of highest utilisation (``link``: the one that sets the MLU; its summary
        says when it is over capacity and how much demand is lost), or ``demand`` when no arc
        carries load, or ``path`` when demands are lost for lack of a path."""
        load = self.arc_load_gbps
        lost = self.lost_gbps
        if not load.size or load.max() <= 0:
            if self.n_demands and lost > 0:
                return Binding("path", None, f"no demand has a usable path: all "
                               f"{lost:.6g} Gb/s lost")
            return Binding("demand", None, "no arc carries load")
        cap = self.capacity_gbps
        if cap is None or len(cap) != len(load):
            cap = np.full(len(load), np.nan)
        names = (self.link_names if len(self.link_names) * 2 == len(load)
                 else tuple(f"arc {2 * i}/{2 * i + 1}" for i in range(len(load) // 2 + 1)))
        binding = busiest_link(names, load, cap)
        if lost > 0:
            total = float(self.demand_gbps.sum())
            binding = Binding(binding.kind, binding.name,
                              f"{binding.summary}; {lost:.6g} of {total:.6g} Gb/s of demand "
                              "lost (no usable path)")
        return binding

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

    def utilisation(self, topology: Topology) -> np.ndarray:
        """Per-arc load / capacity of `topology` (see
        :func:`infranet.algorithms.arcs.utilisation`).

        Raises
        ------
        ValidationError
            When the routing was made for another topology (another number of arcs).
        """
        compiled = topology.compile()
        if len(self.arc_load_gbps) != compiled.n_arcs:
            raise ValidationError(f"the routing has {len(self.arc_load_gbps)} arcs, the "
                                  f"topology {compiled.n_arcs}: it was made for another "
                                  "topology")
        return utilisation(self.arc_load_gbps, compiled.capacity_gbps)

    def link_table(self, topology: Topology) -> pd.DataFrame:
        """Return one row per link of `topology`: ``name, a, b, capacity_gbps`` (from ``a``
        to ``b``), ``capacity_ba_gbps`` (from ``b`` to ``a``; the same unless the link gives
        ``capacity_ba``), ``load_ab_gbps, load_ba_gbps`` and ``utilisation_ab, utilisation_ba``
        (NaN where the capacity is unknown or zero and the arc unused, ``inf`` where such an
        arc carries load).

        Examples
        --------
        >>> from infranet.model import Topology
        >>> from infranet.traffic import TrafficMatrix
        >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        ...     "links": [{"a": "x", "b": "y", "capacity": 100}]})
        >>> r = route(topo, TrafficMatrix(("x", "y"), [[0, 30], [0, 0]]), algorithm="spf")
        >>> r.link_table(topo).to_dict("records")[0]["utilisation_ab"]
        0.3
        """
        util = self.utilisation(topology)
        compiled = topology.compile()
        names = np.array(compiled.nodes, dtype=object)
        load = self.arc_load_gbps
        return pd.DataFrame({
            "name": list(compiled.links), "a": names[compiled.tail[0::2]],
            "b": names[compiled.head[0::2]], "capacity_gbps": compiled.capacity_gbps[0::2],
            "capacity_ba_gbps": compiled.capacity_gbps[1::2],
            "load_ab_gbps": load[0::2], "load_ba_gbps": load[1::2],
            "utilisation_ab": util[0::2], "utilisation_ba": util[1::2]})

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready summary (no per-arc arrays)."""
        return {"algorithm": self.algorithm, "n_demands": self.n_demands,
                "demand_gbps": float(self.demand_gbps.sum()),
                "routed_gbps": float(self.routed_gbps.sum()), "lost_gbps": self.lost_gbps,
                "solve_s": self.solve_s, "weight": self.weight,
                "binding": self.binding.to_dict(),
                "options": {k: plain(v) for k, v in self.options.items() if is_plain(v)},
                "info": {k: plain(v) for k, v in self.info.items() if is_plain(v)}}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_splits(cls, topology: Topology, tm: TrafficMatrix | Flows, splits: PathSet, *,
                    algorithm: str, solve_s: float = 0.0, options: Mapping[str, Any] | None
                    = None, info: Mapping[str, Any] | None = None) -> Routing:
        """Return the routing of `tm` (its demands, see :func:`demands`) along `splits`.

        A demand with paths is carried in full; one without is lost. Loads are the sum over
        demands of the rate times the fraction on each path through the arc.
        """
        src, dst, demand = demands(topology, tm)
        if splits.n_demands != len(src):
            raise ValidationError(f"splits hold {splits.n_demands} demands, the traffic matrix "
                                  f"{len(src)}", field="splits")
        routed = np.where(np.diff(splits.path_ptr) > 0, demand, 0.0)
        compiled = topology.compile()
        load = splits.loads(routed, compiled.n_arcs)
        return cls(algorithm, topology.site_names, load, src, dst, demand, routed, solve_s,
                   options or {}, info or {}, splits, compiled.links, compiled.capacity_gbps)

    @classmethod
    def from_paths(cls, topology: Topology, tm: TrafficMatrix | Flows,
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
        splits = PathSet.from_demands(
            compiled.nodes, src, dst, np.concatenate([[0], np.cumsum(counts, dtype=np.int64)]),
            np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]),
            np.concatenate(flat) if flat else np.zeros(0, dtype=np.int64), fraction=fractions)
        return cls.from_splits(topology, tm, splits, algorithm=algorithm, solve_s=solve_s,
                               options=options, info=info)


def _check_path(compiled: Compiled, arcs: np.ndarray, s: int, t: int) -> None:
    if len(arcs) == 0 or arcs.min() < 0 or arcs.max() >= compiled.n_arcs:
        raise ValidationError(f"a path of {compiled.nodes[s]!r} -> {compiled.nodes[t]!r} has "
                              "no arcs or an arc id out of range", field="paths")
    tails, heads = compiled.tail[arcs], compiled.head[arcs]
    if tails[0] != s or heads[-1] != t or (heads[:-1] != tails[1:]).any():
        raise ValidationError(f"a path of {compiled.nodes[s]!r} -> {compiled.nodes[t]!r} is "
                              "not a walk from the source to the destination", field="paths")


def demands(topology: Topology, tm: TrafficMatrix | Flows,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the demands a routing carries: the non-zero entries of a traffic matrix
    (row-major), or the flows of positive demand (in order), over the nodes of `topology`, as
    ``src, dst`` node indices and the rate in Gb/s.

    Raises
    ------
    ValidationError
        For an elastic flow (``inf``): routing algorithms carry finite demands.
    """
    from infranet.traffic import as_flows

    flows = as_flows(topology, tm, finite_for="a routing (it carries each demand in full)",
                     instead="max_min_fair to share the links")
    live = flows.demand_gbps > 0
    return flows.src[live], flows.dst[live], flows.demand_gbps[live]


def usable_arcs(topology: Topology, failure: FailureSet | None) -> np.ndarray | None:
    """The arcs that survive `failure` (None: no failure, every arc)."""
    if failure is None:
        return None
    from infranet.algorithms.failures import FailureSet

    if not isinstance(failure, FailureSet):
        raise ValidationError(f"failure must be a FailureSet (infranet.algorithms.failures), "
                              f"got {type(failure).__name__}", field="failure")
    return failure.check(topology).usable


def failure_name(failure: FailureSet | None) -> str | None:
    """The name of `failure`, for a routing's options."""
    return None if failure is None else failure.name


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


def route(topology: Topology, tm: TrafficMatrix | Flows, *, algorithm: str = "ecmp",
          failure: FailureSet | None = None, **options: Any) -> Routing:
    """Route the demands of `tm` (Gb/s) over `topology` with the algorithm named `algorithm`.

    Parameters
    ----------
    topology, tm
        The network and the demands: a traffic matrix, or flows (each flow of positive demand
        is one demand of the routing).
    algorithm
        A name from :func:`algorithms`: ``spf``, ``ecmp`` (default), ``ksp``, ``cspf``,
        ``path-lp``, ``mcf``, ``vlb``, ``fptas``, ``pop``, ``igp-wo``, or a plug-in's.
    failure
        Route as if these links and sites had failed (a record of
        :func:`infranet.algorithms.failures.failure_sets`): built-in algorithms mask the
        failed arcs; an algorithm without a ``failure`` option runs on the topology without
        the failed links, and its result is mapped back to this topology's arcs.
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
    masked = failure is not None and takes(target, "failure")
    if failure is not None:
        usable_arcs(topology, failure)  # made for this topology
    start = time.perf_counter()
    if failure is None or masked:
        extra = {"failure": failure} if masked else {}
        result = target(topology, tm, **options, **extra)
        _check_result(algorithm, result)
    else:
        assert failure is not None
        cut = topology.without_links(*failure.links)
        result = _mapped_back(target(cut, tm, **options), algorithm, topology, cut, failure)
    if not result.solve_s:  # a plug-in that does not time itself
        result = dataclasses.replace(result, solve_s=time.perf_counter() - start)
    if not result.link_names:
        compiled = topology.compile()
        result = dataclasses.replace(result, link_names=compiled.links,
                                     capacity_gbps=compiled.capacity_gbps)
    return result


def _check_result(algorithm: str, result: object) -> None:
    if not isinstance(result, Routing):
        raise InfranetError(f"routing algorithm {algorithm!r} returned "
                            f"{type(result).__name__}, not a Routing")


def _mapped_back(result: object, algorithm: str, topology: Topology, cut: Topology,
                 failure: FailureSet) -> Routing:
    """A routing computed on `cut` (the topology without the failed links), on the arcs of
    `topology`."""
    _check_result(algorithm, result)
    assert isinstance(result, Routing)
    full = topology.compile()
    kept = np.flatnonzero(~failure.arc_mask)  # the arcs of `cut`, in order
    load = np.zeros(full.n_arcs)
    load[kept] = result.arc_load_gbps
    old = result._splits
    options = {**result.options, "failure": failure.name}
    return dataclasses.replace(
        result, arc_load_gbps=load, options=options,
        _splits=None if old is None else DeferredPaths(_on_arcs, (old, full.nodes, kept)),
        link_names=full.links, capacity_gbps=full.capacity_gbps)


def _on_arcs(paths: PathSet | DeferredPaths, nodes: tuple[str, ...], arcs: np.ndarray,
             ) -> PathSet:
    """`paths` of a topology without some links, on the arcs of the whole one (``arcs[i]``:
    the arc of the whole topology that is arc ``i`` of the cut one)."""
    value = paths if isinstance(paths, PathSet) else paths.build()
    return PathSet(nodes, value.src, value.dst, value.indptr, arcs[value.arcs],
                   fraction=value.fraction, path_ptr=value.path_ptr)


# ---------------------------------------------------------------------------- options

#: The default of an option that has none (it must be given).
REQUIRED = inspect.Parameter.empty
_PLAIN = {bool: "bool", int: "int", float: "float", str: "str"}


@dataclass(frozen=True)
class Option:
    """A keyword-only option of a routing algorithm, as its signature declares it.

    Attributes
    ----------
    name : str
    default : object
        Its default, or :data:`REQUIRED`.
    kinds : tuple of str
        The plain types it takes, from its default and its annotation (``"int"``, ``"float"``,
        ``"str"``, ``"bool"``); empty when it takes anything else too (a mapping, a PathSet).
    """

    name: str
    default: Any
    kinds: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        default = None if self.default is REQUIRED else self.default
        return {"name": self.name, "default": default if is_plain(default) else repr(default),
                "required": self.default is REQUIRED, "kinds": list(self.kinds)}


def options_of(algorithm: str | Callable[..., Any]) -> tuple[Option, ...] | None:
    """Return the keyword-only options of `algorithm` (a registered name, or the function), in
    the order of its signature; None when it takes any option (``**options``) or its
    signature cannot be read. The one place infranet reads an algorithm's signature: for
    :func:`route`'s checks, :func:`under_failures`, the benchmark suite and the CLI.

    Examples
    --------
    >>> [(o.name, o.default, o.kinds) for o in options_of("fptas")]
    [('eps', 0.1, ('float',)), ('max_phases', None, ('int',)), ('failure', None, ())]
    """
    func = get(algorithm) if isinstance(algorithm, str) else algorithm
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return tuple(Option(p.name, p.default, _kinds(p)) for p in params.values()
                 if p.kind is inspect.Parameter.KEYWORD_ONLY)


def takes(algorithm: str | Callable[..., Any], option: str) -> bool:
    """True when `algorithm` declares the keyword-only `option` (False for one that takes any:
    it may ignore it)."""
    known = options_of(algorithm)
    return known is not None and any(o.name == option for o in known)


def describe(algorithm: str) -> str:
    """The first line of the documentation of `algorithm` (empty without one)."""
    doc = inspect.getdoc(get(algorithm)) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _kinds(param: inspect.Parameter) -> tuple[str, ...]:
    """The plain types an option takes, from its default and its annotation (() for any)."""
    kinds: set[str] = set()
    default = param.default
    if default is not inspect.Parameter.empty and default is not None:
        kinds.add(_PLAIN.get(type(default), "?"))
    annotation = param.annotation
    if annotation is inspect.Parameter.empty:
        annotation = None
    elif isinstance(annotation, type):
        annotation = annotation.__name__
    if isinstance(annotation, str):
        words = {w.strip() for w in annotation.split("|")}
        if words <= {"int", "float", "str", "bool", "None"}:
            kinds |= words - {"None"}
        elif words - {"None"}:
            kinds.add("?")
    if "?" in kinds:
        return ()
    return tuple(k for k in ("bool", "int", "float", "str") if k in kinds)


def _check_options(name: str, func: Callable[..., Any], options: Mapping[str, Any]) -> None:
    known = options_of(func)
    if known is None:
        return
    names = [o.name for o in known]
    for key in options:
        if key not in names:
            raise ValidationError(f"algorithm {name!r} has no option {key!r}"
                                  f"{did_you_mean(key, names)}; its options: "
                                  f"{', '.join(names) or 'none'}", field=key)
