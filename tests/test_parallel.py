"""One setting for parallelism: the argument, else INFRANET_WORKERS, else 1; a marked worker
is 1 whatever is asked; nothing forks by default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from infranet import parallel
from infranet.algorithms.latency import latency_matrix
from infranet.algorithms.resilience import single_failures
from infranet.errors import ValidationError
from infranet.model import Topology

#: A graph where a multi-source search forks when allowed: 5,000 nodes of degree 20 (nothing
#: to eliminate), so that 100 sources run plain Dijkstra on 105,000 nodes and arcs.
DENSE = textwrap.dedent("""
    import numpy as np
    from infranet.model import Topology

    def dense():
        rng = np.random.default_rng(0)
        n, m = 5000, 50000
        a = rng.integers(n, size=m)
        b = (a + rng.integers(1, n, size=m)) % n
        return Topology.from_dict({
            "name": "dense", "sites": [{"name": f"s{i}"} for i in range(n)],
            "links": [{"a": f"s{x}", "b": f"s{y}", "length_km": 10.0}
                      for x, y in zip(a.tolist(), b.tolist())]})
""")


def _dense() -> Topology:
    scope: dict = {}
    exec(DENSE, scope)
    return scope["dense"]()


def _run(script: str, env: dict[str, str]) -> dict:
    """Run `script` in a fresh interpreter (no test threads: forking is allowed there) and
    return the JSON it prints last."""
    full = {k: v for k, v in os.environ.items() if k != parallel.ENV}
    full.update(env)
    done = subprocess.run([sys.executable, "-c", DENSE + textwrap.dedent(script)],
                          capture_output=True, text=True, env=full, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


SPY = """
    import json, os
    import numpy as np
    from infranet import parallel
    from infranet.algorithms.latency import latency_matrix

    forks = []
    real_fork = os.fork

    def spy():
        forks.append(1)
        return real_fork()

    os.fork = spy
    topo = dense()
    names = [f"s{i}" for i in range(100)]
"""


def test_infranet_workers_is_honoured_and_gives_the_same_numbers():
    out = _run(SPY + """
    serial = latency_matrix(topo, nodes=names, weight="hops", workers=1).to_numpy()
    assert not forks
    shared = latency_matrix(topo, nodes=names, weight="hops").to_numpy()  # INFRANET_WORKERS
    print(json.dumps({"forks": len(forks), "same": bool(np.array_equal(serial, shared)),
                      "workers": parallel.workers()}))
    """, {parallel.ENV: "2"})
    assert out == {"forks": 1, "same": True, "workers": 2}


def test_the_argument_wins_over_the_environment():
    out = _run(SPY + """
    latency_matrix(topo, nodes=names, weight="hops", workers=1)
    one = len(forks)
    latency_matrix(topo, nodes=names, weight="hops", workers=2)
    print(json.dumps({"with_1": one, "with_2": len(forks)}))
    """, {parallel.ENV: "3"})
    assert out == {"with_1": 0, "with_2": 1}


def test_a_marked_worker_never_forks_whatever_it_is_asked():
    out = _run(SPY + """
    parallel.mark_worker()
    latency_matrix(topo, nodes=names, weight="hops", workers=4)
    print(json.dumps({"forks": len(forks), "workers": parallel.workers(4),
                      "env": os.environ[parallel.ENV], "marked": parallel.in_worker()}))
    """, {parallel.ENV: "4"})
    assert out == {"forks": 0, "workers": 1, "env": "1", "marked": True}


def test_nothing_forks_by_default(monkeypatch):
    """Without the argument or INFRANET_WORKERS, library code stays in one process."""
    monkeypatch.delenv(parallel.ENV, raising=False)

    def refuse() -> int:
        raise AssertionError("forked without being asked")

    monkeypatch.setattr(os, "fork", refuse)
    topo = _dense()
    names = [f"s{i}" for i in range(100)]
    matrix = latency_matrix(topo, nodes=names, weight="hops")
    assert matrix.shape == (100, 100) and np.isfinite(matrix.to_numpy()).all()
    few = Topology.from_dict({"name": "ring", "sites": [{"name": n} for n in "abcd"],
                              "links": [{"a": a, "b": b, "length_km": 10}
                                        for a, b in ("ab", "bc", "cd", "da")]})
    assert len(single_failures(few)) == 4


def test_workers_is_validated():
    assert parallel.workers(3) == 3
    with pytest.raises(ValidationError, match="workers"):
        parallel.workers(0)
    with pytest.raises(ValidationError, match="workers"):
        latency_matrix(_small(), workers=0)


def _small() -> Topology:
    return Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
                               "links": [{"a": "x", "b": "y", "length_km": 10}]})
