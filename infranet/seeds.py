"""Seeds: the one place where a ``seed`` argument becomes a random generator.

Everything random in infranet takes ``seed``: a whole number >= 0 (the same number gives the
same result), a :class:`numpy.random.Generator` (drawn from, so a caller can chain draws), or
None (fresh entropy: a different result each run). Anything else is a one-line
:class:`~infranet.errors.ValidationError`, not numpy's TypeError.

Examples
--------
>>> int(generator(7).integers(100)) == int(generator(7).integers(100))
True
>>> generator("abc")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
infranet.errors.ValidationError: seed: expected a whole number >= 0, ... got 'abc'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infranet.errors import ValidationError

__all__ = ["generator", "label"]


def generator(seed: Any, *, field: str = "seed") -> np.random.Generator:
    """Return a numpy Generator for `seed` (see the module's documentation).

    Raises
    ------
    ValidationError
        For anything but a whole number >= 0, a Generator or None (naming `field`).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
                        and seed >= 0):
        return np.random.default_rng(None if seed is None else int(seed))
    raise ValidationError(f"expected a whole number >= 0, a numpy Generator or None, got "
                          f"{seed!r}", field=field)


def label(seed: Any) -> int | str | None:
    """How a result records `seed`: the number, None, or ``"generator"``.

    Examples
    --------
    >>> label(3), label(None), label(np.random.default_rng(1))
    (3, None, 'generator')
    """
    if isinstance(seed, np.random.Generator):
        return "generator"
    return None if seed is None else int(seed)
