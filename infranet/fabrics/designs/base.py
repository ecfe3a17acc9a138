"""The registry of scale-out fabric designs, and what a design provides.

A design is one class in one module: its generator (the explicit graph, built in bulk), the spec
options it reads, its capacity rules (can it hold the cluster?), how a cluster spec becomes the
generator's arguments, and its closed form (:class:`Shape`: switches and links per tier,
bandwidth per accelerator, bisection and diameter, without building the graph). A new design is a
new module with a class decorated by :func:`register`; the schema's choices, the CLI's kinds and
the tests' lists of designs all come from :func:`designs`.

Whether the cut between the two halves of a design's natural split is its bisection is a
property of the plan (:meth:`Design.natural_split_is_bisection`): a fat-tree always, a dragonfly
only with an even number of groups, a torus only with an even longest ring, a random graph never.
Where it is not, :func:`infranet.fabrics.bisection.bisection` searches balanced cuts with a
partitioner.

This module and the design modules import only ``errors``, ``physics``, ``results``, numpy and
the fabric graph and assembly helpers, never the model: the model's schema reads the design table
from here (choices, options, capacity rules, :func:`cluster_problems`) to validate cluster specs.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np

from infranet import physics
from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.fabrics.graph import SCALE_OUT, SCALE_UP, FabricGraph
from infranet.results import FrozenDict

__all__ = [
    "COMMON_OPTIONS",
    "LARGEST_ACCELERATOR_GBPS",
    "LARGEST_CLUSTER",
    "LARGEST_DOMAIN",
    "LARGEST_OVERSUBSCRIPTION",
    "LARGEST_RADIX",
    "Design",
    "Option",
    "Plan",
    "Shape",
    "Tier",
    "clos_cut",
    "cluster_problems",
    "cuts_scale_up",
    "designs",
    "for_graph",
    "get",
    "graph_shape",
    "names",
    "natural_sides",
    "natural_split",
    "option_problems",
    "register",
    "required",
]

# modules whose import registers the built-in designs, in the order they are listed
_BUILTIN_MODULES = (
    "infranet.fabrics.designs.fat_tree",
    "infranet.fabrics.designs.leaf_spine",
    "infranet.fabrics.designs.rail_optimized",
    "infranet.fabrics.designs.dragonfly",
    "infranet.fabrics.designs.jellyfish",
    "infranet.fabrics.designs.torus",
    "infranet.fabrics.designs.none",
)


# Upper bounds of the spec (catalogue figures, each with its reason): beyond them a figure is a
# typo, and the arithmetic of every design stays far from overflow.

#: Most ports per switch (figure ``largest_switch_radix``).
LARGEST_RADIX = int(physics.figure("largest_switch_radix"))
#: Highest scale-up or scale-out rate per accelerator per direction, Gb/s (figure
#: ``largest_accelerator_gbps``).
LARGEST_ACCELERATOR_GBPS = physics.figure("largest_accelerator_gbps")
#: Most accelerators in one scale-up domain (figure ``largest_scale_up_domain``).
LARGEST_DOMAIN = int(physics.figure("largest_scale_up_domain"))
#: Most accelerators in one cluster (figure ``largest_cluster``).
LARGEST_CLUSTER = int(physics.figure("largest_cluster"))
#: Highest oversubscription: a leaf of the largest radix with a single uplink.
LARGEST_OVERSUBSCRIPTION = float(LARGEST_RADIX - 1)

RADIX_LIMIT = (f"at most {LARGEST_RADIX}, the largest switch radix (a 51.2 Tb/s ASIC at "
               "100 Gb/s per port)")
RATE_LIMIT = (f"at most {LARGEST_ACCELERATOR_GBPS / 1000:g} Tb/s per accelerator, about 14 "
              "times the fastest today (NVLink 5, 7.2 Tb/s)")


@dataclass(frozen=True)
class Option:
    """A key of a cluster's ``scale_out`` spec: ``kind`` is ``integer``, ``number``,
    ``bandwidth`` or ``integers`` (a list of whole numbers), with a description (which says why
    a `maximum` is what it is), default, minimum and maximum."""

    name: str
    kind: str
    description: str
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None


#: Keys of ``scale_out`` that several designs read; each design says which in ``reads``.
COMMON_OPTIONS = (
    Option("nic", "bandwidth", "NIC rate per accelerator, per direction (default: the "
           f"accelerator's catalogue rate); {RATE_LIMIT}.", minimum=0.0,
           maximum=LARGEST_ACCELERATOR_GBPS),
    Option("radix", "integer", f"Ports per switch; {RADIX_LIMIT}.", default=64, minimum=2,
           maximum=LARGEST_RADIX),
    Option("oversubscription", "number", "Down over up capacity at the leaves (1 = "
           f"non-blocking); at most {LARGEST_OVERSUBSCRIPTION:g}, a leaf of the largest radix "
           "with one uplink.", default=1.0, minimum=1.0, maximum=LARGEST_OVERSUBSCRIPTION),
)


@dataclass(frozen=True)
class Plan:
    """What a design needs to know of a cluster: the spec resolved against the catalogue.

    Attributes
    ----------
    count : int
        Accelerators.
    domain : int
        Accelerators per scale-up domain (1 without scale-up).
    server : int
        Accelerators per server or rack, each with its own NIC (the rails of a rail-optimised
        fabric): the NVLink domain, else 8 (an HGX server).
    nic_gbps : float
        Scale-out rate per accelerator, Gb/s per direction (NaN when the design has no NICs).
    scale_up_gbps : float
        Scale-up rate per accelerator, Gb/s per direction (NaN without scale-up): what its
        ports carry when every port has a neighbour (see :attr:`scale_up_kind`).
    options : mapping
        The cluster's ``scale_out`` spec.
    scale_up_kind : str
        ``nvswitch``, ``torus`` or ``""`` (no scale-up).
    dims : tuple of int
        The dimensions of a scale-up torus (empty otherwise).
    """

    count: int
    domain: int = 1
    server: int = 8
    nic_gbps: float = math.nan
    scale_up_gbps: float = math.nan
    options: Mapping[str, Any] = field(default_factory=dict)
    scale_up_kind: str = ""
    dims: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", FrozenDict(dict(self.options)))
        object.__setattr__(self, "dims", tuple(int(s) for s in self.dims))

    def option(self, name: str) -> Any:
        """The spec's value of `name`, else the default of the common option."""
        if name in self.options and self.options[name] is not None:
            return self.options[name]
        return next((o.default for o in COMMON_OPTIONS if o.name == name), None)


@dataclass(frozen=True)
class Tier:
    """One switch tier of a design in closed form, bottom up.

    ``links_down`` join the tier to the one below (accelerators, or lower switches), at
    ``link_gbps``; ``links_lateral`` join switches of the tier (a dragonfly's local and global
    links, Jellyfish's random graph). ``gbps_per_accelerator`` is what each accelerator can push
    through the tier when all do at once; ``oversubscription_below`` the first tier's figure over
    this tier's.
    """

    name: str
    level: int
    switches: int
    radix: int | None
    links_down: int
    links_lateral: int
    link_gbps: float
    gbps_per_accelerator: float
    oversubscription_below: float

    def to_dict(self) -> dict[str, Any]:
        """The tier as JSON-ready data."""
        return {"tier": self.name, "switches": self.switches, "radix": self.radix,
                "links_down": self.links_down, "links_lateral": self.links_lateral,
                "gbps_per_accelerator": self.gbps_per_accelerator,
                "oversubscription_below": self.oversubscription_below}


@dataclass(frozen=True)
class Shape:
    """A scale-out design in closed form: what its graph would hold and measure.

    Attributes
    ----------
    tiers : tuple of Tier
        Switch tiers, bottom up (empty for a direct network or none).
    links_by_gbps : mapping of rate (Gb/s) to links
        Scale-out links by rate (optical modules: two per link).
    direct_links : int
        Links between accelerators (a torus).
    direct_gbps : float
        What each accelerator pushes over its links to other accelerators, Gb/s per direction.
    bisection_gbps : float or None
        Between the two halves of the design's natural split (the first half of the
        accelerators in design order), per direction; None when the design has no closed form.
    bisection_bound : str
        ``""`` when that is the design's bisection, ``"upper"`` when it is only the cut of the
        natural split (the bisection is at most this: a dragonfly of an odd number of groups),
        ``"lower"`` when it is a published lower bound (a random graph), or why there is none.
    binding : str or None
        The tier whose links set the bisection (``leaf``: the accelerators' own links).
    diameter_hops : int or None
        Links on the longest shortest path between two accelerators of the scale-out network.
    crossed : tuple of str
        What that path crosses, in order: tier names of the switches, and ``direct`` for each
        link between accelerators (each pays an inter-chip hop).
    diameter_bound : str
        ``""`` when exact, ``"lower"`` when a lower bound (the Moore bound of a random graph).
    notes : tuple of str
    """

    tiers: tuple[Tier, ...] = ()
    links_by_gbps: Mapping[float, int] = field(default_factory=dict)
    direct_links: int = 0
    direct_gbps: float = 0.0
    bisection_gbps: float | None = None
    bisection_bound: str = ""
    binding: str | None = None
    diameter_hops: int | None = None
    crossed: tuple[str, ...] = ()
    diameter_bound: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.bisection_gbps is None and not self.bisection_bound:
            # no value is never "exact": say why
            object.__setattr__(self, "bisection_bound", next(
                (note for note in self.notes if "bisection" in note), "no closed form"))
        # keyed by rate (a float): FrozenDict holds any hashable key
        object.__setattr__(self, "links_by_gbps",
                           cast(Mapping[float, int], FrozenDict(cast(Any, self.links_by_gbps))))

    @property
    def switches(self) -> int:
        """Switches of every tier."""
        return sum(t.switches for t in self.tiers)

    @property
    def links(self) -> int:
        """Scale-out links (accelerator links and switch links)."""
        return int(sum(self.links_by_gbps.values()))


class Design:
    """A scale-out fabric design (subclass it, set the class attributes, and :func:`register`).

    Class attributes
    ----------------
    name : str
        The ``scale_out.kind`` of a cluster spec.
    summary : str
        One line for help texts and the format reference.
    options : tuple of Option
        The design's own ``scale_out`` keys.
    reads : tuple of str
        The :data:`COMMON_OPTIONS` it reads (``nic``, ``radix``, ``oversubscription``).
    graph_kinds : tuple of str
        Other ``kind`` values of the graphs whose closed form this design gives (besides its
        ``name``): the ``none`` design reads back a lone NVLink domain (``nvswitch``).
    needs_servers : bool
        Whether the design is built of scale-up servers (one rail per accelerator of a server):
        a cluster without a ``scale_up`` spec then gets the accelerator's default domain.
    example : mapping
        A small cluster (``count`` and ``scale_out``) the tests build and measure.
    generator : function
        Builds the explicit graph from the keyword arguments of :meth:`generator_options`.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    #: The generator of the explicit graph (a plain function, set with ``staticmethod``).
    generator: ClassVar[Callable[..., FabricGraph]]
    options: ClassVar[tuple[Option, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ("nic",)
    graph_kinds: ClassVar[tuple[str, ...]] = ()
    needs_servers: ClassVar[bool] = False
    example: ClassVar[Mapping[str, Any]] = FrozenDict()

    def default_count(self, options: Mapping[str, Any]) -> int | None:
        """Accelerators the design holds when the spec does not say (None: it must say)."""
        return None

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        """Return ``(field, message)`` for each reason the design cannot hold `count`
        accelerators (pure arithmetic on the spec): everything its generator would refuse, so
        that a file that validates builds."""
        return []

    def natural_split_is_bisection(self, plan: Plan) -> bool:
        """Whether the cut between the two halves of the natural split is the bisection of the
        design for `plan` (by default: whether the closed form says it is exact)."""
        shape = self.shape(plan)
        return shape.bisection_gbps is not None and shape.bisection_bound == ""

    def keeps_domains(self, plan: Plan) -> bool:
        """Whether the natural split keeps every scale-up domain of `plan` on one side (domains
        are consecutive accelerators; the split takes the first half of them in order)."""
        return (plan.count // 2) % plan.domain == 0

    def includes_scale_up(self, plan: Plan) -> bool:
        """Whether the graph :meth:`build` makes already holds the scale-up domains of `plan`
        (so that none are added on top)."""
        return False

    def natural_order(self, fabric: FabricGraph) -> np.ndarray | None:
        """Sort key of the accelerators for the natural split (None: their index): the group
        (pod, scalable unit) when there are several."""
        return _group_order(fabric)

    def graph_shape(self, fabric: FabricGraph) -> Shape | None:
        """The closed form of a graph this design generated (from ``fabric.params``), or None
        when the graph is not what its parameters describe, or its natural split cuts a
        scale-up domain."""
        try:
            plan = self.plan_from_params(fabric.params)
            shape = self.shape(plan)
        except (KeyError, TypeError, ValueError, NotImplementedError, ValidationError):
            return None
        by_tier = {t.level: t.switches for t in shape.tiers}
        graph_tiers = {t: c for t, c in fabric.switches_per_tier.items() if t > 0}
        if (plan.count != fabric.n_accelerators or by_tier != graph_tiers
                or self.design_links(fabric) != shape.links + shape.direct_links):
            return None
        if cuts_scale_up(fabric, natural_split(fabric), self.domain_links(fabric)):
            return None
        return shape

    def design_links(self, fabric: FabricGraph) -> int:
        """Links of `fabric` that the design itself lays (its scale-out links)."""
        return int(np.count_nonzero(fabric.link_kind == SCALE_OUT))

    def domain_links(self, fabric: FabricGraph) -> np.ndarray:
        """The links of `fabric`'s scale-up domains that are not the design's own, as a mask."""
        return np.asarray(fabric.link_kind == SCALE_UP)

    def generator_options(self, plan: Plan) -> dict[str, Any]:
        """Return the generator's keyword arguments for `plan`."""
        raise NotImplementedError

    def shape(self, plan: Plan) -> Shape:
        """Return the design in closed form for `plan`."""
        raise NotImplementedError

    def plan_from_params(self, params: Mapping[str, Any]) -> Plan:
        """Return the plan a graph of this design was generated from (its ``params``): the
        inverse of :meth:`generator_options`, for the closed form of a generated graph."""
        raise NotImplementedError

    def build(self, plan: Plan) -> FabricGraph:
        """Return the explicit scale-out graph for `plan`."""
        return type(self).generator(**self.generator_options(plan))

    def kinds(self) -> tuple[str, ...]:
        """The ``kind`` of the graphs this design reads back: its name and :attr:`graph_kinds`."""
        return (self.name, *self.graph_kinds)

    def __repr__(self) -> str:
        return f"<fabric design {self.name!r}>"


_REGISTRY: dict[str, Design] = {}
_state = {"builtins": False}


def register(cls: type[Design]) -> type[Design]:
    """Register a design class under its ``name`` (a class decorator); returns the class.

    Examples
    --------
    >>> @register
    ... class Ring(Design):
    ...     name, summary = "doc-ring", "accelerators in a ring"
    >>> "doc-ring" in names()
    True
    >>> _ = _REGISTRY.pop("doc-ring")
    """
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise ValidationError(f"a fabric design needs a non-empty name, got {name!r}")
    old = _REGISTRY.get(name)
    if old is not None and type(old).__qualname__ != cls.__qualname__:
        raise ValidationError(f"a fabric design named {name!r} is already registered "
                              f"({type(old).__module__}.{type(old).__qualname__})")
    _REGISTRY[name] = cls()
    return cls


def _load_builtins() -> None:
    if not _state["builtins"]:
        _state["builtins"] = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)


def designs() -> dict[str, Design]:
    """Return every registered scale-out design by name (built-in ones first, in order).

    Examples
    --------
    >>> list(designs())
    ['fat_tree', 'leaf_spine', 'rail_optimized', 'dragonfly', 'jellyfish', 'torus', 'none']
    """
    _load_builtins()
    order = {module: i for i, module in enumerate(_BUILTIN_MODULES)}
    ranked = sorted(_REGISTRY.items(),
                    key=lambda item: order.get(type(item[1]).__module__, len(order)))
    return dict(ranked)


def names() -> tuple[str, ...]:
    """Return the names of the registered designs (the choices of ``scale_out.kind``)."""
    return tuple(designs())


def get(name: str) -> Design:
    """Return the design called `name`.

    Raises
    ------
    UnknownNameError
        With the closest name.
    """
    table = designs()
    if name not in table:
        raise UnknownNameError(f"unknown fabric design {name!r}{did_you_mean(name, table)}; "
                               f"known: {', '.join(table)}", field="scale_out")
    return table[name]


def for_graph(kind: str) -> Design | None:
    """Return the design whose graphs are of `kind` (None for a graph of no design).

    Examples
    --------
    >>> for_graph("nvswitch"), for_graph("fat_tree"), for_graph("hand-made")
    (<fabric design 'none'>, <fabric design 'fat_tree'>, None)
    """
    return next((d for d in designs().values() if kind in d.kinds()), None)


def graph_shape(fabric: FabricGraph) -> Shape | None:
    """The closed form of a generated graph, from the design of its ``kind`` (None when there
    is none: a graph of no design, one that is not what its parameters describe, or whose
    natural split cuts a scale-up domain)."""
    design = for_graph(fabric.kind)
    return None if design is None else design.graph_shape(fabric)


def natural_split(fabric: FabricGraph) -> np.ndarray:
    """Side A of the design's natural split: the first half of the accelerators in design
    order (:meth:`Design.natural_order`: a torus along its longest dimension, else the group,
    pods or groups, then the index), as a boolean mask.

    Examples
    --------
    >>> from infranet.fabrics.generators import fat_tree
    >>> natural_split(fat_tree(4)).nonzero()[0].tolist()  # pods 0 and 1
    [0, 1, 2, 3, 4, 5, 6, 7]
    """
    n = fabric.n_accelerators
    index = np.arange(n)
    design = for_graph(fabric.kind)
    key = design.natural_order(fabric) if design is not None else _group_order(fabric)
    order = index if key is None else np.lexsort((index, key))
    side = np.zeros(n, dtype=bool)
    side[order[: n // 2]] = True
    return side


def _group_order(fabric: FabricGraph) -> np.ndarray | None:
    group = fabric.node_group[:fabric.n_accelerators]
    return group if np.unique(group).size >= 2 else None


def cuts_scale_up(fabric: FabricGraph, side: np.ndarray, links: np.ndarray | None = None
                  ) -> bool:
    """Whether the split `side` (a mask of accelerators) puts accelerators of one scale-up
    domain on both sides: a direct scale-up link crosses it, or an NVLink switch has
    accelerators on both sides. `links` are the domains' links (default: every scale-up link).
    """
    n_acc = fabric.n_accelerators
    up = fabric.link_kind == SCALE_UP if links is None else links
    u, v = fabric.link_u[up].astype(np.int64), fabric.link_v[up].astype(np.int64)
    acc_u, acc_v = u < n_acc, v < n_acc
    both = acc_u & acc_v
    if np.any(side[u[both]] != side[v[both]]):
        return True  # a direct scale-up link (a torus) crosses the split
    one = acc_u ^ acc_v
    acc = np.where(acc_u, u, v)[one]
    switch = np.where(acc_u, v, u)[one]
    if acc.size == 0:
        return False
    on_a = np.bincount(switch, weights=side[acc], minlength=fabric.n_nodes)
    total = np.bincount(switch, minlength=fabric.n_nodes)
    return bool(np.any((on_a > 0) & (on_a < total)))


# ---------------------------------------------------------------------------------------------
# shared closed forms


def clos_cut(a: np.ndarray, b: np.ndarray, host_gbps: float, leaf_up_gbps: float,
             levels: Sequence[tuple[np.ndarray, float]] = (),
             names: Sequence[str] = ("leaf", "spine", "core")) -> tuple[float, str]:
    """Return ``(Gb/s, binding tier)``: the maximum flow from side A to side B of a Clos.

    `a` and `b` count the accelerators of each side on each leaf; each accelerator has one
    `host_gbps` link to its leaf and each leaf `leaf_up_gbps` of uplinks. `levels` lists the
    groups above (pods): ``(group of each leaf (or of each group of the level below), uplink
    Gb/s of each group)``; the top is non-blocking. Every group above the leaves joins all of its
    members evenly (each leaf to every spine of its pod), so flow is spread freely inside it and
    the maximum flow is exact: at each level, traffic between the two sides of one group stays
    inside it (``min(A, B)``), and the excess climbs, capped by the uplinks.

    The binding tier is the one whose links, given unlimited capacity, would raise the flow the
    most (``names[0]`` when none would: the accelerators' own links bind).

    Examples
    --------
    Two leaves of 3 accelerators, one uplink each (3:1), split between the leaves:

    >>> clos_cut(np.array([3, 0]), np.array([0, 3]), 400.0, 400.0)
    (400.0, 'spine')
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)

    def flow(caps: Sequence[float]) -> float:
        total = float(np.minimum(a, b).sum()) * host_gbps
        ea = np.minimum(np.maximum(a - b, 0) * host_gbps, caps[0])
        eb = np.minimum(np.maximum(b - a, 0) * host_gbps, caps[0])
        for (group, _), cap in zip(levels, caps[1:], strict=True):
            size = int(np.max(group)) + 1 if len(group) else 0
            ga = np.bincount(group, weights=ea, minlength=size)
            gb = np.bincount(group, weights=eb, minlength=size)
            local = np.minimum(ga, gb)
            total += float(local.sum())
            ea, eb = np.minimum(ga - local, cap), np.minimum(gb - local, cap)
        return total + min(float(ea.sum()), float(eb.sum()))

    caps = [leaf_up_gbps, *(cap for _, cap in levels)]
    value = flow(caps)
    gains = [flow([math.inf if j == i else c for j, c in enumerate(caps)]) - value
             for i in range(len(caps))]
    best = int(np.argmax(gains)) if gains else 0
    binding = names[best + 1] if gains and gains[best] > 1e-9 * max(value, 1.0) else names[0]
    return value, binding


def natural_sides(count: int, per_leaf: int, leaves: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Accelerators of each side per leaf when the first ``count // 2`` (in order) are side A
    and accelerator ``i`` sits on leaf ``i // per_leaf``.

    Examples
    --------
    >>> natural_sides(10, 4)
    (array([4, 1, 0]), array([0, 3, 2]))
    """
    leaves = -(-count // per_leaf) if leaves is None else leaves
    on_leaf = np.minimum(np.maximum(count - np.arange(leaves) * per_leaf, 0), per_leaf)
    a = np.minimum(np.maximum(count // 2 - np.arange(leaves) * per_leaf, 0), per_leaf)
    return a, on_leaf - a


def required(options: Mapping[str, Any], keys: Sequence[str], noun: str
             ) -> list[tuple[str, str]]:
    """A problem naming the keys a design needs that the spec does not give."""
    missing = [key for key in keys if key not in options]
    return [("scale_out", f"a {noun} needs {', '.join(missing)}")] if missing else []


def cluster_problems(cluster: Mapping[str, Any], default_domain: int | None
                     ) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for a cluster whose fabric cannot hold its accelerators.

    Pure arithmetic on a (normalised) cluster spec, the one home of the capacity rules that the
    schema checks and that :func:`infranet.fabrics.spec.plan` enforces: whole scale-up domains
    and tori, the keys of ``scale_out`` the design does not read, then the scale-out design's
    own rules (:meth:`Design.problems`: a fat-tree of arity k holds k^3/4, a 2-tier leaf-spine
    at most radix leaves, ...). `default_domain` is the accelerator's default scale-up domain.

    Examples
    --------
    >>> cluster_problems({"count": 100, "scale_out": {"kind": "fat_tree", "k": 8}}, 8)
    [('count', 'a k=8 fat-tree holds exactly 128 accelerators, not 100; set scale_out.k, or \
use leaf_spine or rail_optimized')]
    """
    count = int(cluster["count"])
    out: list[tuple[str, str]] = []
    up = cluster.get("scale_up") or {}
    so = cluster.get("scale_out") or {}
    design = get(so["kind"]) if "kind" in so else None
    # a design built of servers takes the accelerator's own domain when the spec gives none
    server = int(default_domain or 8) if design is not None and design.needs_servers else 8
    if count > LARGEST_CLUSTER:
        return [("count", f"{count:,} accelerators is more than the largest cluster, "
                 f"{LARGEST_CLUSTER:,} (about 100 GW of IT power)")]
    if up.get("kind") == "nvswitch":
        server = domain = int(up.get("domain") or default_domain or 8)
        if domain > LARGEST_DOMAIN:
            out.append(("scale_up", f"a domain of {domain:,} accelerators is more than the "
                        f"largest scale-up domain, {LARGEST_DOMAIN:,}; give scale_up.domain"))
        elif count % domain:
            out.append(("count", f"{count:,} accelerators do not fill whole scale-up domains of "
                        f"{domain} ({count / domain:.2f} domains); use a multiple of {domain}"))
    elif up.get("kind") == "torus":
        dims = up.get("dims")
        if not dims:
            out.append(("scale_up", "a torus needs dims, e.g. dims: [4, 4, 4]"))
        elif not 2 <= len(dims) <= 3:
            out.append(("scale_up", f"a torus has 2 or 3 dimensions, got {len(dims)}"))
        elif math.prod(dims) > LARGEST_DOMAIN:
            out.append(("scale_up", f"a {'x'.join(map(str, dims))} torus is more than the "
                        f"largest scale-up domain, {LARGEST_DOMAIN:,} accelerators"))
        else:
            size = math.prod(dims)
            if count % size:
                out.append(("count", f"{count:,} accelerators do not fill whole tori of "
                            f"{'x'.join(map(str, dims))} = {size:,}; use a multiple of {size:,}"))
    if design is None or out:
        return out
    reads = {"kind", *design.reads, *(option.name for option in design.options)}
    for key in so:
        if key not in reads:
            out.append(("scale_out", f"{key}: the {design.name} design does not read it; it "
                        f"reads {', '.join(sorted(reads - {'kind'})) or 'nothing'}"))
    out += option_problems(design, so)
    return out or design.problems(so, count=count, server=server)


def option_problems(design: Design, options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for each number of a ``scale_out`` spec outside its option's
    bounds (the schema refuses them in files; this holds specs given in Python to the same
    bounds), with the option's description, which says why.

    Examples
    --------
    >>> option_problems(get("fat_tree"), {"k": 1000})[0][1][:40]
    'k: expected a number >= 2 and <= 512, go'
    """
    out = []
    for option in (*COMMON_OPTIONS, *design.options):
        values = options.get(option.name)
        for value in values if isinstance(values, (list, tuple)) else [values]:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if not math.isfinite(value) or (option.minimum is not None and value < option.minimum) \
                    or (option.maximum is not None and value > option.maximum):
                bounds = [f"{op} {bound:g}" for op, bound in ((">=", option.minimum),
                                                              ("<=", option.maximum))
                          if bound is not None]
                out.append(("scale_out", f"{option.name}: expected a number "
                            f"{' and '.join(bounds)}, got {value:.6g} "
                            f"({option.description.rstrip('.')})"))
                break
    return out
