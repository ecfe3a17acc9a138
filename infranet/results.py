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
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "BINDING_KINDS",
    "Binding",
    "FrozenDict",
    "FrozenState",
    "Result",
    "Stopwatch",
    "check_result",
    "freeze",
    "is_plain",
    "plain",
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


class FrozenDict(Mapping[str, Any]):
    """A read-only mapping that pickles (``types.MappingProxyType`` does not): the options,
    info and per-key figures of a result.

    Examples
    --------
    >>> import pickle
    >>> d = FrozenDict({"k": 4, "weight": "hops"})
    >>> d["k"], pickle.loads(pickle.dumps(d)) == d
    (4, True)
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None, /, **more: Any) -> None:
        self._data = {**(data or {}), **more}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (self._data,))


class FrozenState:
    """A base of frozen result dataclasses whose arrays stay read-only through a pickle round
    trip (numpy hands unpickled arrays back writeable).

    Examples
    --------
    >>> import pickle
    >>> from infranet.algorithms.paths import PathSet  # a FrozenState
    >>> paths = PathSet(("x", "y"), [0], [1], [0, 1], [0])
    >>> pickle.loads(pickle.dumps(paths)).arcs.flags.writeable
    False
    """

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        import numpy as np

        for key, value in state.items():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, key, value)


def freeze(value: Any) -> Any:
    """Return `value` with nothing a caller could change in place: mappings become
    :class:`FrozenDict`, lists and tuples tuples, sets sorted tuples, arrays read-only copies
    (recursively); anything else is returned as is.

    Examples
    --------
    >>> freeze({"lost": [("a", "b", 1.0)], "k": 4})
    FrozenDict({'lost': (('a', 'b', 1.0),), 'k': 4})
    """
    import numpy as np

    if isinstance(value, Mapping):
        return FrozenDict({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((freeze(v) for v in value), key=repr))
    if isinstance(value, np.ndarray):
        out = value.copy()
        out.setflags(write=False)
        return out
    return value


def plain(value: Any) -> Any:
    """Return `value` as plain JSON data: mappings become dicts, tuples lists, numpy numbers
    Python numbers (recursively); arrays become lists.

    Examples
    --------
    >>> import numpy as np
    >>> plain(FrozenDict({"pair": ("a", "b"), "gbps": np.float64(2.5)}))
    {'pair': ['a', 'b'], 'gbps': 2.5}
    """
    import numpy as np

    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def is_plain(value: Any) -> bool:
    """True when `value` is JSON data once through :func:`plain`: numbers, strings, None,
    and sequences and mappings of them (no arrays, no objects)."""
    if isinstance(value, float):
        return True  # NaN and inf included: JSON writers of infranet allow them
    if value is None or isinstance(value, (str, int, bool)):
        return True
    if isinstance(value, Mapping):
        return all(is_plain(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    return False


class Stopwatch:
    """Wall time since creation, in seconds: the ``solve_s`` of a result.

    Examples
    --------
    >>> watch = Stopwatch()
    >>> isinstance(watch(), float)
    True
    """

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start


@runtime_checkable
class Result(Protocol):
    """What every solver result offers (see the module's documentation)."""

    @property
    def binding(self) -> Binding: ...

    def to_dict(self) -> dict[str, Any]: ...


def check_result(result: Any, *, headline: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check that `result` follows the result protocol and return its ``to_dict()``.

    Checks that the result is a frozen dataclass whose public fields are immutable (scalars,
    strings, tuples, read-only arrays, :class:`FrozenDict`, frozen dataclasses; no DataFrame,
    dict, list or set a caller could change in place), that it survives a pickle round trip
    (results travel to and from worker processes), that ``to_dict()`` is JSON-serialisable (NaN
    aside) with the `headline` keys as plain scalars at its top level, and that ``binding`` is
    a :class:`Binding` written as such.

    Raises
    ------
    AssertionError
        Naming the first rule broken.
    """
    import pickle

    cls = type(result).__name__
    assert dataclasses.is_dataclass(result), f"{cls} is not a dataclass"
    params = getattr(type(result), "__dataclass_params__", None)
    assert params is not None and params.frozen, f"{cls} is not frozen"
    for f in dataclasses.fields(result):
        if not f.name.startswith("_"):
            problem = _mutable(getattr(result, f.name))
            assert problem is None, f"{cls}.{f.name} {problem}"
    binding = getattr(result, "binding", None)
    assert isinstance(binding, Binding), f"{cls}.binding is not a Binding: {binding!r}"
    to_dict: Any = getattr(result, "to_dict", None)
    assert callable(to_dict), f"{cls} has no to_dict()"
    out = to_dict()
    assert isinstance(out, Mapping), f"{cls}.to_dict() is not a mapping"
    text = json.dumps(out, allow_nan=True, sort_keys=True)
    assert out.get("binding") == binding.to_dict(), f"{cls}.to_dict() lacks its binding"
    for key in headline:
        assert key in out, f"{cls}.to_dict() lacks the headline {key!r}"
        value = out[key]
        assert value is None or isinstance(value, (int, float, str, bool)), (
            f"{cls}.to_dict()[{key!r}] is not a scalar: {type(value).__name__}")
    try:
        back = pickle.loads(pickle.dumps(result))
    except Exception as err:  # any failure to pickle breaks the protocol alike
        raise AssertionError(f"{cls} does not pickle: {type(err).__name__}: {err}") from None
    assert json.dumps(back.to_dict(), allow_nan=True, sort_keys=True) == text, (
        f"{cls} is not the same after a pickle round trip")
    return dict(out)


def _mutable(value: Any) -> str | None:
    """Why `value` could be changed in place by a caller, or None."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return "is a writeable array" if value.flags.writeable else None
    if isinstance(value, (dict, list, set, bytearray)):
        return f"is a {type(value).__name__} (use a tuple or FrozenDict)"
    if type(value).__module__.startswith("pandas"):
        return f"is a pandas {type(value).__name__} (hand out a copy from a property)"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        params = getattr(type(value), "__dataclass_params__", None)
        if params is None or not params.frozen:
            return f"is a {type(value).__name__} that is not frozen"
    return None
