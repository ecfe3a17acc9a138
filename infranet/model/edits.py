"""Edits by path: many what-if changes to a spec at once, for sweeps and studies.

A path names one or more values of a spec (the dict a topology file holds), in the notation of
the file itself::

    defaults.route_factor
    links[ashburn--columbus].capacity
    sites[*].power_mw                              every site
    sites[kind=datacenter].pue                     every site whose kind is datacenter
    sites[abilene].clusters[stargate-ph1].count
    demands[0].gbps                                a list without names: by position

A segment is a key, optionally followed by a selector in brackets. In a list of named elements
(sites, links, clusters, catalogue rows) the selector is a name, ``*``, or ``key=value``; in a list
of unnamed elements it is a position. A selector is read literally up to its closing bracket, so
names with dots, dashes or slashes work as they are. A value of ``None`` removes the key.

:func:`apply_changes` edits a plain dict, so that any spec (a topology, and later a job or a
service) can be swept the same way; :meth:`infranet.model.Topology.with_changes` applies it to a
copy of a topology's spec and validates the result once.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infranet.errors import UnknownNameError, ValidationError, did_you_mean

__all__ = ["Segment", "apply_changes", "parse_path", "touches"]

_SEGMENT = re.compile(r"([^.\[\]]+)(?:\[([^\]]*)\])?")
_PROTECTED = ("name", "a", "b")  # renaming or re-ending an element is not a what-if edit


@dataclass(frozen=True)
class Segment:
    """One step of a path: a `key`, and a `selector` when the key holds a list."""

    key: str
    selector: str | None = None

    def __str__(self) -> str:
        return self.key if self.selector is None else f"{self.key}[{self.selector}]"


def parse_path(path: str) -> tuple[Segment, ...]:
    """Return the segments of `path`.

    Raises
    ------
    ValidationError
        For an empty path or one that does not follow the notation.

    Examples
    --------
    >>> [str(s) for s in parse_path("sites[abilene].clusters[stargate-ph1].count")]
    ['sites[abilene]', 'clusters[stargate-ph1]', 'count']
    >>> parse_path("links[a.b--c].capacity")[0].selector
    'a.b--c'
    """
    if not isinstance(path, str) or not path.strip():
        raise ValidationError(f"expected a path such as 'links[NAME].capacity', got {path!r}",
                              field="changes")
    segments: list[Segment] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if match is None:
            raise ValidationError(f"cannot read it at character {pos + 1}; write keys joined "
                                  "by '.', with [NAME], [*] or [key=value] after a list",
                                  element=f"path {path!r}")
        selector = match.group(2)
        if selector is not None:
            selector = selector.strip().strip("'\"")
            if not selector:
                raise ValidationError("empty selector []", element=f"path {path!r}")
        segments.append(Segment(match.group(1).strip(), selector))
        pos = match.end()
        if pos < len(text):
            if text[pos] != ".":
                raise ValidationError(f"cannot read it at character {pos + 1}: expected '.' "
                                      "between keys", element=f"path {path!r}")
            pos += 1
            if pos == len(text):
                raise ValidationError("ends with '.'", element=f"path {path!r}")
    return tuple(segments)


def apply_changes(spec: dict[str, Any],
                  changes: Mapping[Any, Any]) -> list[str]:
    """Apply `changes` (path -> value; ``None`` removes) to `spec` in place.

    A path is written as text (``"links[NAME].capacity"``) or given as its segments (a tuple
    of :class:`Segment`, for names the notation cannot hold, such as a name with ``]``).

    Intermediate mappings that do not exist yet are created (``sites[x].clusters[c].scale_out
    .oversubscription`` on a cluster without a scale-out spec); list selectors must match.
    Values are copied, not shared. The result is not validated: the caller validates once after
    all edits.

    Returns
    -------
    list of str
        The concrete paths edited (wildcards and filters expanded), in order.

    Raises
    ------
    UnknownNameError
        For a selector that matches nothing, naming the path and the closest name.
    ValidationError
        For a malformed path, a selector on a value that is not a list, or an edit of a name or
        of a link's ends (renaming is not a what-if edit: write a new file).

    Examples
    --------
    >>> spec = {"defaults": {}, "sites": [{"name": "x", "kind": "datacenter"},
    ...                                   {"name": "y", "kind": "pop"}]}
    >>> apply_changes(spec, {"sites[kind=datacenter].power_mw": 300,
    ...                      "defaults.route_factor": 1.2})
    ['sites[x].power_mw', 'defaults.route_factor']
    >>> spec["sites"][0]["power_mw"], spec["defaults"]
    (300, {'route_factor': 1.2})
    """
    if not isinstance(changes, Mapping):
        raise ValidationError(f"expected a mapping of paths to values, got "
                              f"{type(changes).__name__}", field="changes")
    done: list[str] = []
    for key, value in changes.items():
        if isinstance(key, tuple):
            segments, path = key, ".".join(map(str, key))
        else:
            segments, path = parse_path(key), key
        leaf = segments[-1]
        if leaf.selector is None and leaf.key in _PROTECTED and len(segments) > 1:
            raise ValidationError(f"changing an element's {leaf.key!r} is not a "
                                  "what-if edit; write a new file", element=f"path {path!r}")
        for target, where in _targets(spec, segments[:-1], path):
            label = ".".join([*where, str(leaf)])
            if leaf.selector is None:
                if not isinstance(target, dict):
                    raise ValidationError(f"{'.'.join(where) or 'the spec'} is not "
                                          "a mapping", element=f"path {path!r}")
                if value is None:
                    target.pop(leaf.key, None)
                else:
                    target[leaf.key] = copy.deepcopy(value)
                done.append(label)
            else:
                parent = _list(target, leaf, path, where)
                for item, name in _select(target, leaf, path, where):
                    at = next(i for i, x in enumerate(parent) if x is item)
                    if value is None:
                        del parent[at]
                    else:
                        parent[at] = copy.deepcopy(value)
                    done.append(".".join([*where, f"{leaf.key}[{name}]"]))
    return done


def touches(changes: Mapping[Any, Any]) -> set[str]:
    """The top-level keys of a spec that `changes` edit (``{"links", "defaults"}``, say)."""
    return {(key[0] if isinstance(key, tuple) else parse_path(key)[0]).key for key in changes}


def _targets(spec: Any, segments: tuple[Segment, ...], path: str,
             ) -> list[tuple[Any, list[str]]]:
    """The containers the last segment of `path` applies to, with their concrete paths."""
    current: list[tuple[Any, list[str]]] = [(spec, [])]
    for segment in segments:
        following: list[tuple[Any, list[str]]] = []
        for target, where in current:
            if segment.selector is None:
                if not isinstance(target, dict):
                    raise ValidationError(f"{'.'.join(where) or 'the spec'} is not a "
                                          "mapping", element=f"path {path!r}")
                following.append((target.setdefault(segment.key, {}), [*where, segment.key]))
            else:
                following += [(item, [*where, f"{segment.key}[{name}]"])
                              for item, name in _select(target, segment, path, where)]
        current = following
    return current


def _list(target: Any, segment: Segment, path: str, where: list[str]) -> list[Any]:
    if not isinstance(target, dict):
        raise ValidationError(f"{'.'.join(where) or 'the spec'} is not a mapping",
                              element=f"path {path!r}")
    items = target.get(segment.key)
    if not isinstance(items, list):
        raise UnknownNameError(f"{'.'.join([*where, segment.key])} is not a list "
                               "here, so it takes no selector", element=f"path {path!r}")
    return items


def _select(target: Any, segment: Segment, path: str, where: list[str],
            ) -> list[tuple[Any, str]]:
    items = _list(target, segment, path, where)
    selector = segment.selector
    assert selector is not None
    named = all(isinstance(x, dict) and "name" in x for x in items) and bool(items)
    label = ".".join([*where, segment.key])
    if selector == "*":
        chosen = [(x, str(x["name"]) if named else str(i)) for i, x in enumerate(items)]
    elif "=" in selector:
        key, _, wanted = (part.strip() for part in selector.partition("="))
        chosen = [(x, str(x["name"]) if named else str(i)) for i, x in enumerate(items)
                  if isinstance(x, dict) and str(x.get(key)) == wanted]
    elif named:
        chosen = [(x, selector) for x in items if str(x["name"]) == selector]
        if not chosen:
            names = [str(x["name"]) for x in items]
            raise UnknownNameError(f"no element of {label} is named {selector!r}"
                                   f"{did_you_mean(selector, names)}",
                                   element=f"path {path!r}")
    elif selector.isdigit() and int(selector) < len(items):
        chosen = [(items[int(selector)], selector)]
    else:
        raise UnknownNameError(f"{label} has {len(items)} elements without names; "
                               f"select one by position 0..{len(items) - 1}, or [*]",
                               element=f"path {path!r}")
    if not chosen:
        raise UnknownNameError(f"[{selector}] matches nothing in {label}",
                               element=f"path {path!r}")
    return chosen
