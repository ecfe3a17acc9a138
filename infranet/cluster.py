"""Dask distributed: running infranet's work on a cluster that already exists.

infranet never starts a cluster of its own. Given the address of a Dask scheduler
(``tcp://host:8786``; started with ``dask scheduler`` and ``dask worker tcp://host:8786`` on
other machines) or a :class:`distributed.Client` the caller made (a ``LocalCluster``'s, say),
:func:`connect` opens a client, failing fast with one line when the scheduler cannot be reached;
:func:`as_done` submits one task per batch of work and yields the results as they finish.
A worker that dies takes its tasks with it: the scheduler runs them again on another worker
(up to its ``allowed-failures`` setting, 3 by default) before giving up, and the work is then
reported as failed in one line.

Each task runs a module-level function of infranet (or of a module every worker can import):
the workers need infranet installed, at the same version as the client.

Examples
--------
>>> with connect("tcp://127.0.0.1:1", timeout_s=0.5) as client:  # doctest: +ELLIPSIS
...     pass
Traceback (most recent call last):
infranet.errors.UnreachableError: scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:1...
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from infranet.errors import InfranetError, UnreachableError, ValidationError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_TIMEOUT_S", "as_done", "connect", "cores", "in_client_process"]

#: How long :func:`connect` waits for a scheduler to answer (s): long enough for a scheduler
#: across a data centre, short enough that a wrong address fails before anyone wonders.
CONNECT_TIMEOUT_S = 5.0


def _address(scheduler: str) -> str:
    address = scheduler.strip()
    if not address:
        raise ValidationError("expected the address of a Dask scheduler, such as "
                              "tcp://host:8786", field="scheduler")
    return address if "://" in address else f"tcp://{address}"


@contextlib.contextmanager
def connect(scheduler: str | Client, *, timeout_s: float = CONNECT_TIMEOUT_S
            ) -> Iterator[Client]:
    """A client of the Dask scheduler at `scheduler` (an address; ``tcp://`` is assumed when
    none is given), closed on leaving; a :class:`distributed.Client` is used as it is, and left
    open.

    The wait is `timeout_s` or Dask's ``distributed.comm.timeouts.connect``, whichever is
    shorter.

    Raises
    ------
    UnreachableError
        When no scheduler answers at the address in time (one line, naming it).
    ValidationError
        When `scheduler` is neither an address nor a client.
    """
    from distributed import Client

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if not isinstance(scheduler, str):
        raise ValidationError(f"expected a scheduler address or a distributed.Client, got "
                              f"{type(scheduler).__name__}", field="scheduler")
    address = _address(scheduler)
    timeout_s = min(timeout_s, _configured_timeout())
    try:
        _probe(address, timeout_s)
        client = Client(address, timeout=timeout_s, set_as_default=False)
    except Exception as err:  # refused, timed out, or something else answered
        reason = " ".join(str(err).split()) or type(err).__name__
        if isinstance(err, MemoryError):  # a reply no Dask scheduler sends
            reason = "what answered is not a Dask scheduler"
        raise UnreachableError(f"cannot reach the Dask scheduler at {address}: {reason}",
                               field="scheduler") from None
    try:
        yield client
    finally:
        client.close()


def _configured_timeout() -> float:
    """Dask's own connect timeout (``distributed.comm.timeouts.connect``, s)."""
    import dask.config
    from dask.utils import parse_timedelta

    value = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", "30s"))
    return float(value) if value else CONNECT_TIMEOUT_S


def _probe(address: str, timeout_s: float) -> None:
    """Connect to `address` and shake hands as Dask does, in a thread of its own (the caller
    may be running an event loop), so a wrong address fails before a client is made."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect as open_comm

    async def shake() -> None:
        comm = await open_comm(address, timeout=timeout_s)
        await comm.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, shake()).result()


def cores(client: Client) -> int:
    """Threads the cluster's workers run tasks on, in all (at least 1)."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


def in_client_process(pid: int) -> bool:
    """True when this task runs in the process with id `pid` (the client's: a cluster of
    threads in the caller's own process), where it must not mark itself a worker."""
    return os.getpid() == pid


def as_done(client: Client, function: Callable[..., Any], batches: Sequence[Any],
            *shared: Any) -> Iterator[Any]:
    """Run ``function(*shared, batch)`` for each batch on the cluster; yield each result as
    it finishes (in the order finished).

    `shared` values (a study, say) travel to the cluster once (``client.scatter``), not with
    every task. Tasks not yet finished are cancelled when the caller stops early.

    Raises
    ------
    InfranetError
        When a task fails on the cluster (a worker without infranet, a task whose workers kept
        dying): one line naming the error.
    """
    from distributed import as_completed

    scattered = [client.scatter(value, broadcast=True, hash=False) for value in shared]
    futures = [client.submit(function, *scattered, batch, pure=False) for batch in batches]
    try:
        # the client's own loop: a client made from an address is not the default one
        for future in as_completed(futures, loop=client.loop):
            try:
                result = future.result()
            except Exception as err:  # raised on the cluster, not by infranet's own checks
                if isinstance(err, InfranetError):
                    raise
                text = " ".join(str(err).split())
                raise InfranetError(f"a task failed on the Dask cluster: "
                                    f"{type(err).__name__}: {text}",
                                    field="scheduler") from None
            future.release()
            yield result
    finally:
        client.cancel([f for f in futures if not f.done()])
        client.cancel(scattered)
