"""Measurements in a fresh process: peak memory is only meaningful for one thing per process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from typing import Any

__all__ = ["run_json"]


def run_json(command: Sequence[str], *, timeout: float, what: str) -> dict[str, Any] | None:
    """Run `command` and return the JSON object on the last line of its output, or None when
    it runs longer than `timeout` seconds.

    Raises
    ------
    RuntimeError
        When the command fails, with the last line of its stderr and `what` it was.
    """
    try:
        done = subprocess.run(list(command), capture_output=True, text=True, timeout=timeout,
                              check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"{what} failed: {err.stderr.strip().splitlines()[-1:]}") from None
    return json.loads(done.stdout.strip().splitlines()[-1])
