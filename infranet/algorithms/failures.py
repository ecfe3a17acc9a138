"""Failure sets: the one enumerator of what can fail together.

A failure set is a link (named by the link), a shared-risk group (``srlg:NAME``: every link of
the group), a site (``site:NAME``: every link that touches it), or a combination of those
(``A + B``, named from its members). :func:`failure_sets` lists them all, all pairs of them,
or `k` drawn at random with a seed; each record carries the failed links and sites and a mask
over the arcs of :meth:`Topology.compile`, so that evaluating a failure masks the compiled
arrays instead of rebuilding the topology.

Examples
--------
>>> from infranet.model import Topology
>>> ring = Topology.from_dict({"name": "ring", "sites": [{"name": n} for n in "abc"],
...     "links": [{"a": "a", "b": "b", "srlg": ["duct"]}, {"a": "b", "b": "c", "srlg": ["duct"]},
...               {"a": "c", "b": "a"}]})
>>> [f.name for f in failure_sets(ring)]
['a--b', 'b--c', 'c--a', 'srlg:duct']
>>> [f.name for f in failure_sets(ring, srlgs=False, order=2)]
['a--b + b--c', 'a--b + c--a', 'b--c + c--a']
>>> failure_sets(ring, links=False, srlgs=False, sites=True)[0].arc_mask.tolist()
[True, True, False, False, True, True]
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet.errors import UnknownNameError, ValidationError, did_you_mean
from infranet.seeds import generator

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["KINDS", "FailureSet", "failure_set", "failure_sets"]

#: Kinds of single failures; a combination of several has kind ``pair`` (two) or ``set``.
KINDS = ("link", "srlg", "site")
SEPARATOR = " + "


@dataclass(frozen=True, eq=False)
class FailureSet:
    """Links and sites that fail together.

    Attributes
    ----------
    name : str
        ``LINK``, ``srlg:GROUP``, ``site:SITE``, or members joined by ``" + "``.
    kind : str
        ``link``, ``srlg``, ``site``, ``pair`` (two members) or ``set`` (more).
    members : tuple of str
        The names of the single failures it is made of (itself when single).
    links : tuple of str
        Every link that fails, in link order.
    sites : tuple of str
        Sites that fail (their links are in `links`).
    arcs : ndarray of int
        The arcs that fail (both of each failed link).
    n_arcs : int
        Arcs of the topology it was made for.
    """

    name: str
    kind: str
    members: tuple[str, ...]
    links: tuple[str, ...]
    sites: tuple[str, ...]
    arcs: np.ndarray = field(repr=False)
    n_arcs: int = field(repr=False)

    def __post_init__(self) -> None:
        arcs = np.array(self.arcs, dtype=np.int64, copy=True)
        arcs.setflags(write=False)
        object.__setattr__(self, "arcs", arcs)

    @functools.cached_property
    def arc_mask(self) -> np.ndarray:
        """True for each arc that fails."""
        mask = np.zeros(self.n_arcs, dtype=bool)
        mask[self.arcs] = True
        mask.setflags(write=False)
        return mask

    @property
    def usable(self) -> np.ndarray:
        """True for each arc that survives."""
        return ~self.arc_mask

    def check(self, topology: Topology) -> FailureSet:
        """Return self if it was made for `topology` (same arcs, its links exist), else raise
        ValidationError."""
        compiled = topology.compile()
        if self.n_arcs != compiled.n_arcs or (
                {compiled.links[i] for i in compiled.arc_link[self.arcs].tolist()}
                != set(self.links)):
            raise ValidationError(f"failure {self.name!r} was made for another topology",
                                  field="failure")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "members": list(self.members),
                "links": list(self.links), "sites": list(self.sites)}


def _singles(topology: Topology, links: bool, srlgs: bool, sites: bool,
             ) -> list[tuple[str, str, tuple[int, ...], tuple[str, ...]]]:
    """``(name, kind, link ids, sites)`` of every single failure asked for."""
    compiled = topology.compile()
    index = {name: i for i, name in enumerate(compiled.links)}
    out: list[tuple[str, str, tuple[int, ...], tuple[str, ...]]] = []
    if links:
        out += [(name, "link", (i,), ()) for i, name in enumerate(topology.link_names)]
    if srlgs:
        out += [(f"srlg:{g}", "srlg", tuple(sorted(index[x] for x in members)), ())
                for g, members in topology.srlgs().items()]
    if sites:
        n_links = len(compiled.links)
        ends = np.concatenate([compiled.tail[0::2], compiled.head[0::2]])
        owner = np.concatenate([np.arange(n_links), np.arange(n_links)])
        for node, name in enumerate(topology.site_names[:topology.n_sites]):
            touching = np.unique(owner[ends == node])
            out.append((f"site:{name}", "site", tuple(touching.tolist()), (name,)))
    return out


def _record(topology: Topology, parts: Sequence[tuple[str, str, tuple[int, ...],
                                                      tuple[str, ...]]]) -> FailureSet:
    compiled = topology.compile()
    ids = sorted({i for part in parts for i in part[2]})
    arcs = np.array([a for i in ids for a in (2 * i, 2 * i + 1)], dtype=np.int64)
    kind = parts[0][1] if len(parts) == 1 else ("pair" if len(parts) == 2 else "set")
    sites = tuple(dict.fromkeys(s for part in parts for s in part[3]))
    return FailureSet(SEPARATOR.join(p[0] for p in parts), kind, tuple(p[0] for p in parts),
                      tuple(compiled.links[i] for i in ids), sites, arcs, compiled.n_arcs)


def failure_sets(topology: Topology, *, links: bool = True, srlgs: bool = True,
                 sites: bool = False, order: int = 1, random: int | None = None,
                 seed: int | np.random.Generator | None = None) -> list[FailureSet]:
    """Return the failure sets of `topology`.

    Parameters
    ----------
    links, srlgs, sites
        Which single failures to draw from: every link, every shared-risk group of
        :meth:`Topology.srlgs`, every site (all the links that touch it).
    order
        1: each single failure; 2: every pair of distinct single failures; ``k``: every
        combination of `k`.
    random
        Draw this many of the combinations at random, without repeats (seeded with `seed`: a
        whole number, a numpy Generator or None); default: all of them, in order. The same
        seed with a larger `random` draws the same failures first.

    Returns
    -------
    list of FailureSet
        Singles in the order links, groups, sites; combinations in lexicographic order of
        their members; a random draw in the order drawn.

    Raises
    ------
    ValidationError
        For an `order` or `random` that is not a whole number, or a `seed` that is not a whole
        number >= 0, a numpy Generator or None.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> line = Topology.from_dict({"name": "l", "sites": [{"name": n} for n in "abcd"],
    ...     "links": [{"a": "a", "b": "b"}, {"a": "b", "b": "c"}, {"a": "c", "b": "d"}]})
    >>> [f.name for f in failure_sets(line, order=2, random=2, seed=1)]
    ['a--b + b--c', 'b--c + c--d']
    """
    if not (isinstance(order, (int, np.integer)) and order >= 1):
        raise ValidationError(f"order must be a whole number >= 1, got {order!r}",
                              field="order")
    if random is not None and not (isinstance(random, (int, np.integer)) and random >= 0):
        raise ValidationError(f"random must be a whole number >= 0, got {random!r}",
                              field="random")
    singles = _singles(topology, links, srlgs, sites)
    if order > len(singles):
        return []
    if random is None:
        return [_record(topology, combo) for combo in itertools.combinations(singles, order)]
    total = math.comb(len(singles), order)
    count = min(int(random), total)
    rng = generator(seed)
    if order == 1:  # a permutation's first `count`: a larger draw starts with a smaller one
        picks: Iterable[tuple[int, ...]] = [(int(i),) for i in
                                            rng.permutation(len(singles))[:count]]
    else:
        seen: set[tuple[int, ...]] = set()
        chosen: list[tuple[int, ...]] = []
        while len(chosen) < count:
            combo = tuple(sorted(int(i) for i in rng.choice(len(singles), order,
                                                             replace=False)))
            if combo not in seen:
                seen.add(combo)
                chosen.append(combo)
        picks = chosen  # in the order drawn
    return [_record(topology, [singles[i] for i in combo]) for combo in picks]


def failure_set(topology: Topology, name: str | Sequence[str]) -> FailureSet:
    """Return the failure set named `name` (``LINK``, ``srlg:GROUP``, ``site:SITE``, or
    members joined by ``" + "``), or made of the link names `name`.

    Raises
    ------
    UnknownNameError
        For a member that names no link, group or site (with the closest name).
    """
    compiled = topology.compile()
    if isinstance(name, str):
        members = [m.strip() for m in name.split(SEPARATOR)]
    else:
        members = list(name)
    index = {x: i for i, x in enumerate(compiled.links)}
    groups = topology.srlgs()
    parts: list[tuple[str, str, tuple[int, ...], tuple[str, ...]]] = []
    for member in members:
        if member.startswith("srlg:") and member[5:] in groups:
            parts.append((member, "srlg", tuple(sorted(index[x] for x in groups[member[5:]])),
                          ()))
        elif member.startswith("site:") and member[5:] in topology.site_names:
            parts.append(next(s for s in _singles(topology, False, False, True)
                              if s[0] == member))
        elif member in index:
            parts.append((member, "link", (index[member],), ()))
        else:
            raise UnknownNameError(_unknown(topology, member, groups), field="failure")
    return _record(topology, parts)


def _unknown(topology: Topology, member: str, groups: Iterable[str]) -> str:
    """The message for a failure member that names nothing: suggest a name of its kind."""
    if member.startswith("site:"):
        sites = topology.site_names[:topology.n_sites]
        return f"unknown site {member[5:]!r} in {member!r}{_among('site:', member, sites)}"
    if member.startswith("srlg:"):
        if not groups:
            return f"unknown group {member!r}: {topology.name!r} has no shared-risk groups"
        return (f"unknown shared-risk group {member[5:]!r} in {member!r}"
                f"{_among('srlg:', member, groups)}")
    return (f"unknown link {member!r}{did_you_mean(member, topology.link_names)} (a site is "
            "'site:NAME', a shared-risk group 'srlg:NAME')")


def _among(prefix: str, member: str, names: Iterable[str]) -> str:
    """A suggestion for ``PREFIX:NAME`` among the names of its kind, compared without the
    prefix (which every one shares) and written with it."""
    hint = did_you_mean(member[len(prefix):], names)
    return hint.replace(" (did you mean '", f" (did you mean '{prefix}")
