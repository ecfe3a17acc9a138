"""Frozen values for fabric results, and their plain JSON form.

Fabric results (:mod:`infranet.results`) hold tables as tuples of read-only mappings that pickle
(:class:`~infranet.results.FrozenDict`); :func:`frozen` makes such a value from plain dicts and
lists, and :func:`plain` turns it back into JSON-ready Python for ``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from infranet.results import FrozenDict

__all__ = ["frozen", "plain"]


def frozen(value: Any) -> Any:
    """Return `value` with every mapping a :class:`FrozenDict` and every list a tuple, deeply.

    Examples
    --------
    >>> row = frozen({"tier": "leaf", "radix": [64, 64]})
    >>> row["radix"], type(row).__name__
    ((64, 64), 'FrozenDict')
    """
    if isinstance(value, Mapping):
        return FrozenDict({key: frozen(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen(item) for item in value)
    return value


def plain(value: Any) -> Any:
    """Return `value` as JSON-ready Python: mappings as dicts with string keys, tuples and arrays
    as lists, numpy scalars as numbers.

    Examples
    --------
    >>> plain(FrozenDict({400.0: (1, np.int64(2))}))
    {'400.0': [1, 2]}
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
