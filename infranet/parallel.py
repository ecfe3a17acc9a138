"""How much parallelism infranet's library code may use: one setting.

Library code never forks or starts a pool unless asked. The number of workers comes, in order,
from the function's own ``workers`` argument, then the ``INFRANET_WORKERS`` environment
variable, then 1. ``-1`` means every core this process may run on.

A process that is itself a worker of a larger job (a sweep on local processes or on Dask)
calls :func:`mark_worker` once: from then on :func:`workers` is 1 whatever is asked, so a
study on N processes never starts N pools of N workers each.
"""

from __future__ import annotations

import os

from infranet.errors import ValidationError

__all__ = ["ENV", "available_cores", "in_worker", "mark_worker", "workers"]

ENV = "INFRANET_WORKERS"
_state = {"worker": False}


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _parse(value: object, where: str) -> int:
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if number is None or number < -1 or number == 0:
        raise ValidationError(f"expected a whole number of workers (-1 for every core), got "
                              f"{value!r}", field=where)
    return available_cores() if number == -1 else number


def workers(requested: int | None = None) -> int:
    """Return how many workers to use: `requested`, else ``INFRANET_WORKERS``, else 1.

    Always 1 inside a process marked by :func:`mark_worker`.

    Examples
    --------
    >>> workers(1)
    1
    >>> workers(-1) == available_cores()
    True
    """
    if _state["worker"]:
        return 1
    if requested is not None:
        return _parse(requested, "workers")
    env = os.environ.get(ENV, "").strip()
    if env:
        return _parse(env, ENV)
    return 1


def mark_worker() -> None:
    """Mark this process as a worker of a larger job: :func:`workers` is 1 from now on, in it
    and in processes it starts (through ``INFRANET_WORKERS``)."""
    _state["worker"] = True
    os.environ[ENV] = "1"


def in_worker() -> bool:
    """True in a process marked by :func:`mark_worker`."""
    return _state["worker"]
