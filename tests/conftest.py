"""Fixtures shared by the tests: small topologies and one per shipped topology file."""

from __future__ import annotations

from pathlib import Path

import pytest

import infranet
from infranet.model import Topology

ROOT = Path(__file__).resolve().parents[1]
TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml"))
SHARED_DATA = ROOT.parent / "shared" / "data"


def triangle(**link_options) -> Topology:
    """Three datacenters, 100/100/300 km, 400 Gb/s links."""
    return Topology.from_dict({
        "name": "triangle",
        "sites": [{"name": n, "kind": "datacenter"} for n in "xyz"],
        "links": [
            {"a": "x", "b": "y", "length_km": 100, "capacity": 400, **link_options},
            {"a": "y", "b": "z", "length_km": 100, "capacity": 400, **link_options},
            {"a": "x", "b": "z", "length_km": 300, "capacity": 400, **link_options},
        ],
    })


@pytest.fixture
def tri() -> Topology:
    return triangle()


@pytest.fixture(params=TOPOLOGIES, ids=[p.stem for p in TOPOLOGIES])
def shipped(request) -> Topology:
    """Each topology shipped in topologies/."""
    return infranet.read(request.param)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA


def example_commands(text: str) -> list[str]:
    """The ``infranet ...`` command lines of an example block (a help text, a README block):
    lines indented four spaces or more, or at the start of a line, backslash continuations
    joined."""
    import re

    commands: list[str] = []
    pending = ""
    for line in text.splitlines():
        if pending:
            pending += " " + line.strip()
        elif re.match(r"^(?: {4,})?infranet ", line):
            pending = line.strip()
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        commands.append(pending)
        pending = ""
    return commands


def run_example(command: str, cwd: Path):
    """Run an ``infranet ...`` example as a user would from the checkout, writing its files
    into `cwd`: ``topologies/`` and ``../shared/data`` are the checkout's, globs expand, and
    ``A | B`` feeds A's standard output to B's standard input."""
    import shlex

    stdin = None
    result = None
    words = shlex.split(command)
    stages: list[list[str]] = [[]]
    for word in words:
        if word == "|":
            stages.append([])
        else:
            stages[-1].append(word)
    for stage in stages:
        result = _run_stage(stage, cwd, stdin, command)
        stdin = result.stdout
    return result


def _run_stage(words: list[str], cwd: Path, stdin: str | None, command: str):
    import glob
    import os

    from click.testing import CliRunner

    from infranet.cli import main

    assert words[0] == "infranet", command
    args: list[str] = []
    for word in words[1:]:
        if word.startswith("../shared/data"):
            if not SHARED_DATA.is_dir():
                pytest.skip("../shared/data is not beside the checkout")
            word = str(SHARED_DATA / word.removeprefix("../shared/data/"))
        elif word.startswith(("topologies/", "examples/")):
            word = str(ROOT / word)
        args += sorted(glob.glob(word)) if "*" in word else [word]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, input=stdin)
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{command}: {type(result.exception).__name__}: {result.exception}")
    assert result.exit_code == 0, f"{command}\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def dask_client():
    """A Dask LocalCluster of two worker processes (one thread each), started once per test
    module, and a client of it that is never the default one, as a client made from an
    address is: so nothing leans on a default client."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as connected:
        yield connected
