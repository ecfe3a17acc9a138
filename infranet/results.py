"""The result protocol every solver of infranet follows.

A solver returns its own frozen result object. Whatever it computes, the object:

- is immutable (a frozen dataclass; arrays read-only), and leaves the solver's inputs untouched;
- has ``to_dict()``, a JSON-ready dict whose **top level holds the headline scalars** (numbers
  with units in their names: ``mlu``, ``rtt_ms``, ``bisection_gbps``, ...), with per-element
  tables nested below them;
- says **what limits it**: a :class:`Binding` in its ``binding`` attribute, written by
  ``to_dict()`` as ``{"binding": {"kind": ..., "name": ..., "summary": ...}}``.

``kind`` is one of :data:`BINDING_KINDS`: the link that saturates, the tier of a fabric that
sets a bandwidth, the site or the power limit that caps a placement, the demand that is met in
full, the propagation delay that sets a latency floor. ``name`` names the element (a link, a
tier, a site; ``None`` where the kind says it all) and ``summary`` is one line for people.

:func:`check_result` is the invariant checker the tests run against every solver's result.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "BINDING_KINDS",
    "Binding",
    "Result",
    "check_result",
]

#: What can limit a result.
BINDING_KINDS = (
    "link",         # a link (or arc) at capacity, or the one cut that bounds a flow
    "cut",          # a set of links that bounds a flow together
    "tier",         # a tier of a fabric (scale-up, leaf, spine, DCI)
    "site",         # a site's accelerators, or a site that every path crosses
    "power",        # a site's power budget
    "demand",       # the demand itself: everything asked for is carried
    "propagation",  # distance: fiber and equipment along the path set a latency floor
    "path",         # the chosen path (a hop count, a path set)
    "compute",      # accelerator compute
    "memory",       # accelerator memory or its bandwidth
    "slo",          # a service-level objective
    "none",         # nothing limits it (an empty problem)
)


@dataclass(frozen=True)
class Binding:
    """What limits a result: ``kind`` (one of :data:`BINDING_KINDS`), the element's ``name``
    and a one-line ``summary``.

    Examples
    --------
    >>> b = Binding("link", "ashburn--columbus", "ashburn--columbus is full (12.8 Tb/s)")
    >>> b.to_dict()["kind"], b.to_dict()["name"]
    ('link', 'ashburn--columbus')
    """

    kind: str
    name: str | None
    summary: str

    def __post_init__(self) -> None:
        if self.kind not in BINDING_KINDS:
            raise ValueError(f"binding kind must be one of {', '.join(BINDING_KINDS)}, "
                             f"got {self.kind!r}")
        object.__setattr__(self, "summary", " ".join(str(self.summary).split()))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "summary": self.summary}

    @classmethod
    def nothing(cls, summary: str = "nothing to compute") -> Binding:
        """The binding of an empty problem."""
        return cls("none", None, summary)


@runtime_checkable
class Result(Protocol):
    """What every solver result offers (see the module's documentation)."""

    @property
    def binding(self) -> Binding: ...

    def to_dict(self) -> dict[str, Any]: ...


def check_result(result: Any, *, headline: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check that `result` follows the result protocol and return its ``to_dict()``.

    Checks that the result is a frozen dataclass whose fields cannot be reassigned, that its
    numpy arrays are read-only, that ``to_dict()`` is JSON-serialisable (NaN aside), that its
    top level holds the `headline` keys as plain scalars, and that ``binding`` is a
    :class:`Binding` written as such.

    Raises
    ------
    AssertionError
        Naming the first rule broken.
    """
    import numpy as np

    cls = type(result).__name__
    assert dataclasses.is_dataclass(result), f"{cls} is not a dataclass"
    params = getattr(type(result), "__dataclass_params__", None)
    assert params is not None and params.frozen, f"{cls} is not frozen"
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, f"{cls}.{f.name} is a writeable array"
    binding = getattr(result, "binding", None)
    assert isinstance(binding, Binding), f"{cls}.binding is not a Binding: {binding!r}"
    to_dict: Any = getattr(result, "to_dict", None)
    assert callable(to_dict), f"{cls} has no to_dict()"
    out = to_dict()
    assert isinstance(out, Mapping), f"{cls}.to_dict() is not a mapping"
    json.dumps(out, allow_nan=True)
    assert out.get("binding") == binding.to_dict(), f"{cls}.to_dict() lacks its binding"
    for key in headline:
        assert key in out, f"{cls}.to_dict() lacks the headline {key!r}"
        value = out[key]
        assert value is None or isinstance(value, (int, float, str, bool)), (
            f"{cls}.to_dict()[{key!r}] is not a scalar: {type(value).__name__}")
    return dict(out)
