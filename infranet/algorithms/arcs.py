"""Arcs of a compiled topology: weights, capacities, parallel arcs, reachability.

Every solver of infranet works on the arcs of :meth:`Topology.compile` (link ``i`` gives arc
``2 * i`` from its ``a`` to its ``b`` and ``2 * i + 1`` back). This module is the one place that
turns a topology into per-arc numbers:

- :func:`arc_weights`: the weight of each arc under one vocabulary of names, :data:`WEIGHTS`
  (``hops``, ``latency`` in ms, ``length`` in km, ``igp``: per-link IGP weights);
- :func:`capacities`: per-arc capacity in Gb/s, where a missing one is an error naming the link
  (the one check of every solver and command that needs capacities);
- :func:`utilisation`, :func:`busiest_link`: load over capacity per arc, and the link that sets
  the maximum (the binding of every routing and flow result);
- :func:`simple_arcs`, :func:`simple_csr`, :func:`arc_lookup`: parallel arcs collapsed to one
  per ordered node pair (the cheapest by a key);
- :func:`reachable`: which pairs a directed path of usable arcs joins;
- :func:`ranges`: the CSR gather that path and DAG code shares.

Examples
--------
>>> from infranet.model import Topology
>>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
...     "links": [{"a": "x", "b": "y", "length_km": 100, "capacity": 400}]})
>>> arc_weights(topo, "length").tolist(), capacities(topo).tolist()
([100.0, 100.0], [400.0, 400.0])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from infranet.errors import (
    Suggestion,
    UnknownNameError,
    ValidationError,
    counted,
    did_you_mean,
)
from infranet.results import Binding

if TYPE_CHECKING:
    from infranet.model import Compiled, Topology

__all__ = [
    "WEIGHTS",
    "arc_lookup",
    "arc_weights",
    "busiest_link",
    "capacities",
    "check_weight",
    "link_igp_weights",
    "lookup_arcs",
    "missing_capacity",
    "ranges",
    "reachable",
    "simple_arcs",
    "simple_csr",
    "utilisation",
]

#: The names of per-arc weights every solver accepts.
WEIGHTS = ("hops", "latency", "length", "igp")
#: A zero-latency link (co-located sites) still costs this much, so that shortest paths stay
#: simple (ms or km; far below any real figure).
POSITIVE_FLOOR = 1e-9


def check_weight(weight: object) -> str:
    """Return `weight` if it is one of :data:`WEIGHTS`, else raise ValidationError."""
    if not isinstance(weight, str) or weight not in WEIGHTS:
        raise ValidationError(f"weight must be one of {', '.join(WEIGHTS)}, got {weight!r}"
                              f"{did_you_mean(str(weight), WEIGHTS)}", field="weight")
    return weight


# ---------------------------------------------------------------------------- weights


def arc_weights(topology: Topology, weight: str = "hops", *, igp_weights: Any = None,
                floor: float = 0.0) -> np.ndarray:
    """Return the weight of every arc of `topology` (arc ids of :meth:`Topology.compile`).

    Parameters
    ----------
    weight
        ``"hops"`` (1 per arc), ``"latency"`` (one-way ms), ``"length"`` (km) or ``"igp"``
        (per-link IGP weights, see :func:`link_igp_weights`).
    igp_weights
        With ``weight="igp"``: a mapping ``{link name: weight}`` or one weight per link.
    floor
        Weights below this are raised to it (shortest-path code passes a tiny positive floor
        so that a zero-latency link still counts).

    Raises
    ------
    ValidationError
        For an unknown weight name, or a link whose latency or length is unknown (naming it).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
    ...     "links": [{"a": "x", "b": "y", "meta": {"igp_weight": 7}}]})
    >>> arc_weights(topo, "igp").tolist(), arc_weights(topo).tolist()
    ([7.0, 7.0], [1.0, 1.0])
    """
    check_weight(weight)
    if igp_weights is not None and weight != "igp":
        raise ValidationError(f"igp_weights are used with weight='igp', not {weight!r}",
                              field="weight")
    compiled = topology.compile()
    if weight == "hops":
        values = np.ones(compiled.n_arcs)
    elif weight == "igp":
        values = np.repeat(link_igp_weights(topology, igp_weights), 2)
    else:
        values = np.asarray(compiled.latency_ms if weight == "latency" else compiled.length_km,
                            dtype=float)
        bad = np.flatnonzero(np.isnan(values))
        if bad.size:
            name = compiled.links[compiled.arc_link[bad[0]]]
            link = topology.links.set_index("name").loc[name]
            where = topology.sites[["lon", "lat"]].astype(float)
            ends = [end for end in (link["a"], link["b"])
                    if not np.isfinite(where.loc[end].to_numpy()).all()]
            why = f"site {ends[0]!r} has no location" if ends else "no length is known"
            n = bad.size // 2
            lacking = f"{counted(n, 'link')} {'has' if n == 1 else 'have'} none"
            raise ValidationError(
                f"the {weight} of this link is unknown ({why}); give the link length_km, route or "
                f"latency_ms, or its sites a location ({lacking})",
                file=topology.file, element=f"link {name!r}", field="length_km",
                suggestion=Suggestion("weight", "hops", "count hops instead"))
    return np.maximum(values, floor) if floor > 0 else values


def link_igp_weights(topology: Topology, igp_weights: Any = None) -> np.ndarray:
    """Return per-link IGP weights: from `igp_weights` (a mapping by link name, or one value
    per link in link order), else from each link's ``meta.igp_weight``.

    Raises
    ------
    ValidationError
        For a link with neither, or a weight that is not positive and finite.
    """
    compiled = topology.compile()
    n_links = len(compiled.links)
    out = np.full(n_links, np.nan)
    if igp_weights is not None:
        if isinstance(igp_weights, Mapping) or hasattr(igp_weights, "items"):
            index = {name: i for i, name in enumerate(compiled.links)}
            for name, value in dict(igp_weights.items()).items():
                if name not in index:
                    raise UnknownNameError(f"unknown link {name!r}"
                                           f"{did_you_mean(name, compiled.links)}",
                                           field="igp_weights")
                out[index[name]] = _positive(value, f"link {name!r}")
        else:
            values = np.asarray(igp_weights, dtype=float)
            if values.shape != (n_links,):
                raise ValidationError(f"expected one IGP weight per link ({n_links}), got "
                                      f"shape {values.shape}", field="igp_weights")
            for i, value in enumerate(values):
                out[i] = _positive(value, f"link {compiled.links[i]!r}")
            return out
    missing = np.flatnonzero(np.isnan(out))
    if missing.size:
        specs = topology.to_dict()["links"]
        for j in missing.tolist():
            meta = specs[j].get("meta", {}) if j < len(specs) else {}
            if "igp_weight" not in meta:
                raise ValidationError(
                    f"no IGP weight: weight='igp' needs one on every link ({missing.size} "
                    "lack one); give the link meta.igp_weight, or pass igp_weights",
                    file=topology.file, element=f"link {compiled.links[j]!r}",
                    field="meta.igp_weight")
            out[j] = _positive(meta["igp_weight"], f"link {compiled.links[j]!r}")
    return out


def _positive(value: Any, element: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise ValidationError(f"expected a positive finite IGP weight, got {value!r}",
                              element=element, field="igp_weight")
    return number


# ---------------------------------------------------------------------------- capacities


def missing_capacity(topology: Topology) -> np.ndarray:
    """Return True for each link (in link order) without a capacity in either direction."""
    cap = topology.compile().capacity_gbps
    return np.isnan(cap[0::2]) | np.isnan(cap[1::2])


def capacities(topology: Topology, arcs: np.ndarray | Sequence[int] | None = None, *,
               purpose: str = "this computation", hint: str | None = None) -> np.ndarray:
    """Return every arc's capacity in Gb/s (NaN nowhere in `arcs`, default all arcs).

    The one check of infranet that capacities are there: solvers, generators and commands
    call it with what needs them (`purpose`) and how a user gives them (`hint`).

    Parameters
    ----------
    arcs
        The arcs that must have a capacity (e.g. those candidate paths use); the others may
        lack one.
    purpose
        What needs the capacities, for the message (``"routing"``, ``"a maximum flow"``).
    hint
        How to give them, for the message (default: set the link's capacity or
        ``defaults.capacity``).

    Raises
    ------
    ValidationError
        Naming the first link of `arcs` without a capacity, how many of them lack one, and why
        when the topology's source gives none (a note of its reader).

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
    ...     "links": [{"a": "x", "b": "y"}]})
    >>> capacities(topo, purpose="routing", hint="give --default-capacity")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.errors.ValidationError: link 'x--y': capacity: missing; routing needs ... 1 of 1 ...
    """
    compiled = topology.compile()
    cap = compiled.capacity_gbps
    idx = np.arange(len(cap)) if arcs is None else np.asarray(arcs, dtype=np.int64)
    bad = idx[np.isnan(cap[idx])]
    if bad.size:
        lacking = len(set(compiled.arc_link[bad].tolist()))
        considered = len(set(compiled.arc_link[idx].tolist()))
        why = next((note for note in topology.notes if _says_no_capacity(note)), None)
        raise ValidationError(
            f"missing; {purpose} needs the capacity of every link it may use, and {lacking} of "
            f"{considered} have none{f' ({why})' if why else ''}; "
            f"{hint or 'set the link capacity or defaults.capacity'}", file=topology.file,
            element=f"link {compiled.links[compiled.arc_link[bad[0]]]!r}", field="capacity")
    return cap


def _says_no_capacity(note: str) -> bool:
    """Whether a reader's note says that its source gives no capacities."""
    text = note.lower()
    return "capacit" in text and any(word in text for word in ("no link capacit", "no capacity",
                                                                "have no capacit"))


def utilisation(load_gbps: np.ndarray, capacity_gbps: np.ndarray) -> np.ndarray:
    """Return per-arc load / capacity: NaN where the capacity is unknown or zero and the arc
    unused, ``inf`` where such an arc carries load.

    Examples
    --------
    >>> utilisation(np.array([50.0, 0.0, 1.0, 0.0]), np.array([100.0, 0.0, np.nan, 10.0]))
    array([0.5, nan, inf, 0. ])
    """
    load = np.asarray(load_gbps, dtype=float)
    cap = np.asarray(capacity_gbps, dtype=float)
    has = np.isfinite(cap) & (cap > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = load / cap
    return np.where(has, util, np.where(load > 0, np.inf, np.nan))


def busiest_link(link_names: Sequence[str], load_gbps: np.ndarray, capacity_gbps: np.ndarray,
                 *, ends: Sequence[str] | None = None) -> Binding:
    """Return the binding of the arc of highest utilisation (:func:`utilisation`; without any
    capacity, of highest load): ``link``, named after its link (``link_names[arc // 2]``),
    with its load, capacity, and by how much it is over capacity when it is.

    Parameters
    ----------
    ends
        Per arc, a label of its direction (e.g. ``"x -> y"``) for the summary.

    Examples
    --------
    >>> b = busiest_link(("x--y",), np.array([300.0, 10.0]), np.array([100.0, 100.0]))
    >>> b.name, b.summary.split(": ")[1]
    ('x--y', 'over capacity, it carries 3x its capacity')
    """
    load = np.asarray(load_gbps, dtype=float)
    util = utilisation(load, capacity_gbps)
    known = np.nan_to_num(util, nan=-1.0, posinf=np.inf)
    if known.size and known.max() > 0:
        arc = int(np.argmax(known))
        value = float(util[arc])
        cap = float(np.asarray(capacity_gbps, dtype=float)[arc])
        what = (f"utilisation {value:.6g} ({load[arc]:.6g} of {cap:.6g} Gb/s)"
                if np.isfinite(value) else f"{load[arc]:.6g} Gb/s on a link without capacity")
    else:
        arc = int(np.argmax(load)) if load.size else 0
        value = 0.0
        what = f"load {load[arc]:.6g} Gb/s" if load.size else "no load"
    name = link_names[arc // 2]
    where = f" ({ends[arc]})" if ends is not None else ""
    over = (f": over capacity, it carries {value:.3g}x its capacity"
            if np.isfinite(value) and value > 1 + 1e-9 else "")
    return Binding("link", name, f"{name}{where} is the busiest link, {what}{over}")


# ---------------------------------------------------------------------------- parallel arcs


def simple_arcs(tail: np.ndarray, head: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Return the ids of one arc per ordered node pair: the one of least `key`, then of lowest
    id, sorted by ``(tail, head)``.

    Examples
    --------
    >>> simple_arcs(np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([5.0, 2.0, 1.0]))
    array([1, 2])
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    if not len(tail):
        return np.zeros(0, dtype=np.int64)
    pair = tail * (int(max(tail.max(), head.max())) + 1) + head
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    first = np.ones(len(order), dtype=bool)
    np.not_equal(sorted_pair[1:], sorted_pair[:-1], out=first[1:])
    if not first.all():  # parallel arcs: within each pair, least key first, then lowest id
        order = np.lexsort((np.arange(len(tail)), key, pair))
    return order[first]


def simple_csr(n: int, tail: np.ndarray, head: np.ndarray, weights: np.ndarray,
               ) -> tuple[sp.csr_matrix, np.ndarray]:
    """A csr graph keeping the lightest of parallel arcs, and the arc id of each entry (in
    the order of the csr's data)."""
    keep = simple_arcs(tail, head, weights)
    graph = sp.csr_matrix((weights[keep], (tail[keep], head[keep])), shape=(n, n))
    # entries of a csr built from sorted unique (row, col) keep that order
    return graph, keep


def arc_lookup(compiled: Compiled, key: np.ndarray | None = None) -> sp.csr_matrix:
    """Return ``lookup`` with ``lookup[u, v] - 1`` the arc from u to v: of parallel arcs the one
    of least `key`, by default the one of largest capacity (then the lowest id)."""
    n = compiled.n_nodes
    if key is None:
        key = -np.nan_to_num(compiled.capacity_gbps, nan=-1.0)
    keep = simple_arcs(compiled.tail, compiled.head, key)
    return sp.csr_matrix((keep + 1, (compiled.tail[keep], compiled.head[keep])), shape=(n, n))


def lookup_arcs(lookup: sp.csr_matrix, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Arc ids from ``u`` to ``v`` in a :func:`arc_lookup` table (-1 where none)."""
    if len(u) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(lookup[u, v]).ravel().astype(np.int64) - 1


# ---------------------------------------------------------------------------- reachability


def reachable(topology: Topology, src: np.ndarray, dst: np.ndarray,
              usable: np.ndarray | None = None) -> np.ndarray:
    """Return True for each pair ``src -> dst`` (node indices) joined by a directed path of
    `usable` arcs (default: every arc)."""
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    compiled = topology.compile()
    n = compiled.n_nodes
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    mask = np.ones(compiled.n_arcs, dtype=bool) if usable is None else usable
    graph = sp.csr_matrix((np.ones(int(mask.sum())), (compiled.tail[mask], compiled.head[mask])),
                          shape=(n, n))
    n_comp, labels = connected_components(graph, directed=True, connection="strong")
    if n_comp == 1:
        return np.ones(len(src), dtype=bool)
    ok = labels[src] == labels[dst]
    for s in np.unique(src[~ok]):
        seen = np.zeros(n, dtype=bool)
        seen[breadth_first_order(graph, int(s), directed=True, return_predecessors=False)] = True
        rows = np.flatnonzero(src == s)
        ok[rows] = seen[dst[rows]]
    return ok


def ranges(ptr: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the concatenated positions ``ptr[i]:ptr[i + 1]`` for each ``i`` of `idx`, and
    the count of each range.

    Examples
    --------
    >>> ranges(np.array([0, 2, 5]), np.array([1, 0]))
    (array([2, 3, 4, 0, 1]), array([3, 2]))
    """
    starts = ptr[idx]
    counts = ptr[idx + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), counts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return offsets + np.arange(total), counts
