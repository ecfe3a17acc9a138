"""The routing suite on a Dask cluster (a LocalCluster of two worker processes): the results
of a local run, in its order, timings aside; an unreachable scheduler is one line."""

from __future__ import annotations

import json
import math

import dask.config
from click.testing import CliRunner

from infranet.bench.routing import run
from infranet.cli import main

#: Timings differ from run to run.
TIMINGS = ("wall_s", "solve_s")
#: Dask's workers run BLAS on one thread, this process on several: a sum over a different
#: blocking differs in its last bits (seen: VLB's mean hop stretch on GEANT, 1 ulp).
RTOL = 1e-12
ALGORITHMS = ["spf", "ecmp", "mcf", "vlb"]


def _same(first: list[dict], second: list[dict]) -> None:
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        assert a.keys() == b.keys()
        for key in a.keys() - set(TIMINGS):
            x, y = a[key], b[key]
            if isinstance(x, float) and isinstance(y, float):
                assert (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=RTOL), \
                    (a["instance"], a["algorithm"], key, x, y)
            else:
                assert x == y, (a["instance"], a["algorithm"], key, x, y)


def test_suite_on_dask_gives_the_local_results(dask_client):
    local = run("quick", algorithms=ALGORITHMS)
    seen: list[dict] = []
    remote = run("quick", algorithms=ALGORITHMS, scheduler=dask_client, on_result=seen.append)
    _same(remote["results"], local["results"])
    assert remote["instances"] == local["instances"]
    assert len(seen) == len(remote["results"])
    assert {r["algorithm"] for r in remote["results"]} == set(ALGORITHMS)


def test_bench_routing_cli_on_dask(dask_client, tmp_path):
    args = ["bench", "routing", "--algorithms", "spf,ecmp", "--format", "json"]
    local = CliRunner().invoke(main, args)
    remote = CliRunner().invoke(main, [*args, "--scheduler", dask_client.scheduler.address,
                                       "-o", str(tmp_path / "out")])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    _same(json.loads(remote.stdout)["results"], json.loads(local.stdout)["results"])
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    _same(written["results"], json.loads(local.stdout)["results"])


def test_unreachable_scheduler_is_one_line():
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        result = CliRunner().invoke(main, ["bench", "routing", "--algorithms", "spf",
                                           "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9: "), lines
