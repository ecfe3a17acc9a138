"""What the CLI tests share: the command tree, a runner that refuses tracebacks, small files."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from infranet.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"


def commands(group: click.Command = main, prefix: tuple[str, ...] = ()
             ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every leaf command of the CLI, with its words (``("fabric", "report")``)."""
    if isinstance(group, click.Group):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            yield from commands(command, (*prefix, name))
    else:
        yield prefix, group


def on_a_terminal(*args: str | Path, columns: int = 80
                  ) -> tuple[subprocess.CompletedProcess[bytes], bytes]:
    """Run ``infranet ARGS`` in a fresh process whose stderr is a terminal (a pty), stdout a
    pipe: its completed process and every byte it wrote to the terminal."""
    main_fd, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from infranet.cli import main; main()", *map(str, args)],
            stdout=subprocess.PIPE, stderr=terminal, timeout=120,
            env={**os.environ, "TERM": "xterm", "COLUMNS": str(columns)})
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(main_fd)
    return done, seen


def takes(command: click.Command, option: str) -> bool:
    """True when `command` has the option spelled `option` (e.g. ``--format``)."""
    return any(option in p.opts for p in command.params if isinstance(p, click.Option))


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """Run the CLI in this process; only SystemExit may end it, and never with a traceback."""
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output
    return result


RING = """\
name: ring
description: three datacenters on a ring of explicit lengths
notes: [latencies were measured, capacities are the lit ones]
defaults: {capacity: "400 Gb/s"}
sites:
  - {name: x, kind: datacenter, location: [-97.0, 32.0]}
  - {name: y, kind: datacenter, location: [-97.5, 31.0]}
  - {name: z, kind: datacenter, location: [-98.5, 29.5]}
links:
  - {a: x, b: y, length_km: 120.4, latency_ms: 1, srlg: [i35]}
  - {a: y, b: z, length_km: 200.6, latency_ms: 2, capacity_ba: "200 Gb/s"}
  - {a: z, b: x, length_km: 300.25, latency_ms: 4, srlg: [i35]}
"""

DEMANDS = "src,dst,gbps\nx,z,300\ny,x,50 Gb/s\nz,y,0.1T\n"

CLUSTER = """\
name: pod
sites:
  - name: dc
    kind: datacenter
    location: [-99.7, 32.5]
    clusters:
      - {name: pod, accelerator: H100, count: 128, scale_up: {kind: nvswitch, domain: 8},
         scale_out: {kind: fat_tree, k: 8, nic: 400G}}
"""


@pytest.fixture
def ring(tmp_path: Path) -> Path:
    path = tmp_path / "ring.yaml"
    path.write_text(RING)
    return path


@pytest.fixture
def demands(tmp_path: Path) -> Path:
    path = tmp_path / "tm.csv"
    path.write_text(DEMANDS)
    return path


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    path = tmp_path / "pod.yaml"
    path.write_text(CLUSTER)
    return path
