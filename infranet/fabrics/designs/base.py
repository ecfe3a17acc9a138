"""The registry of scale-out fabric designs, and what a design provides.

A design is one class in one module: its generator (the explicit graph, built in bulk), the spec
options it reads, its capacity rules (can it hold the cluster?), how a cluster spec becomes the
generator's arguments, and its closed form (:class:`Shape`: switches and links per tier,
bandwidth per accelerator, bisection and diameter, without building the graph). A new design is a
new module with a class decorated by :func:`register`; the schema's choices, the CLI's kinds and
the tests' lists of designs all come from :func:`designs`.

This module and the design modules import only ``errors``, ``physics``, numpy and the fabric
graph and assembly helpers, never the model: the model's schema reads the design table from
here (choices, options, capacity rules) to validate cluster specs.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np

from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.fabrics.graph import FabricGraph

__all__ = [
    "COMMON_OPTIONS",
    "Design",
    "Option",
    "Plan",
    "Shape",
    "Tier",
    "clos_cut",
    "designs",
    "get",
    "names",
    "natural_sides",
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


@dataclass(frozen=True)
class Option:
    """A key of a cluster's ``scale_out`` spec: ``kind`` is ``integer``, ``number`` or
    ``integers`` (a list of whole numbers), with a description, default and minimum."""

    name: str
    kind: str
    description: str
    default: Any = None
    minimum: float | None = None


#: Keys of ``scale_out`` that several designs read; each design says which in ``reads``.
COMMON_OPTIONS = (
    Option("nic", "bandwidth", "NIC rate per accelerator (default from the catalogue).",
           minimum=0.0),
    Option("radix", "integer", "Ports per switch.", default=64, minimum=2),
    Option("oversubscription", "number", "Down over up capacity at the leaves (1 = "
           "non-blocking).", default=1.0, minimum=1.0),
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
        Scale-up rate per accelerator, Gb/s per direction (NaN without scale-up).
    options : mapping
        The cluster's ``scale_out`` spec.
    """

    count: int
    domain: int = 1
    server: int = 8
    nic_gbps: float = math.nan
    scale_up_gbps: float = math.nan
    options: Mapping[str, Any] = field(default_factory=dict)

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
    bisection_gbps : float or None
        Between the two halves of the design's natural split (the first half of the
        accelerators in design order), per direction; None when the design has no closed form.
    bisection_bound : str
        ``""`` when that is the design's bisection, ``"lower"`` when it is a published lower
        bound (a random graph), or why there is none.
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
    bisection_gbps: float | None = None
    bisection_bound: str = ""
    binding: str | None = None
    diameter_hops: int | None = None
    crossed: tuple[str, ...] = ()
    diameter_bound: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "links_by_gbps", MappingProxyType(dict(self.links_by_gbps)))

    @property
    def switches(self) -> int:
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
    natural_split_is_bisection : bool
        Whether the cut between the two halves of the accelerators in design order is the
        bisection (symmetric designs), or only one cut (a random graph: analytics then search
        for a better one).
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
    natural_split_is_bisection: ClassVar[bool] = True
    example: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    def default_count(self, options: Mapping[str, Any]) -> int | None:
        """Accelerators the design holds when the spec does not say (None: it must say)."""
        return None

    def problems(self, options: Mapping[str, Any], *, count: int,
                 server: int) -> list[tuple[str, str]]:
        """Return ``(field, message)`` for each reason the design cannot hold `count`
        accelerators (pure arithmetic on the spec)."""
        return []

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
