"""Every example in every --help runs, found by walking the command tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from infranet.cli import main

from ..conftest import example_commands, run_example
from .conftest import commands


def _helps() -> dict[str, str]:
    """Help text of the group, of each subgroup and of each command, by command words."""
    texts = {"": CliRunner().invoke(main, ["--help"]).stdout}
    for words, _ in commands():
        for i in range(1, len(words) + 1):
            key = " ".join(words[:i])
            if key not in texts:
                texts[key] = CliRunner().invoke(main, [*words[:i], "--help"]).stdout
    return texts


HELPS = _helps()
EXAMPLES = sorted({(name, line) for name, text in HELPS.items()
                   for line in example_commands(text)})


def test_every_command_shows_an_example():
    for words, _ in commands():
        name = " ".join(words)
        assert example_commands(HELPS[name]), f"infranet {name} --help has no example"


@pytest.mark.parametrize(("name", "command"), EXAMPLES, ids=[c for _, c in EXAMPLES])
def test_help_example_runs(name: str, command: str, tmp_path: Path):
    run_example(command, tmp_path)
