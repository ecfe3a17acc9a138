"""Solver glue for the LPs: HiGHS through ``scipy.optimize.linprog`` or ``highspy``, with its
banner silenced and its statuses turned into infranet's named errors.

Examples
--------
>>> lp = LinearProgram(np.array([1.0]), None, None, None, None, np.array([np.inf]))
>>> solve(lp, "highs", "a trivial LP")[:2]
(array([0.]), 0.0)
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from infranet.errors import InfeasibleError, InfranetError, UnboundedError, ValidationError

__all__ = ["METHODS", "LinearProgram", "check_method", "highspy", "new_highs", "solve"]

#: The HiGHS methods of ``scipy.optimize.linprog``.
METHODS = ("highs", "highs-ds", "highs-ipm")
_state = {"banner": False}


def check_method(method: object) -> str:
    """Return `method` if it is one of :data:`METHODS`, else raise ValidationError."""
    if method not in METHODS:
        raise ValidationError(f"method must be one of {', '.join(METHODS)}, got {method!r}",
                              field="method")
    return str(method)


@dataclass(frozen=True, eq=False)
class LinearProgram:
    """``min c x`` s.t. ``A_ub x <= b_ub``, ``A_eq x == b_eq``, ``0 <= x <= upper``."""

    c: np.ndarray
    a_ub: sp.csr_matrix | None
    b_ub: np.ndarray | None
    a_eq: sp.csr_matrix | None
    b_eq: np.ndarray | None
    upper: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(constraints, variables)``."""
        rows = sum(a.shape[0] for a in (self.a_ub, self.a_eq) if a is not None)
        return rows, len(self.c)


def solve(lp: LinearProgram, method: str, what: str, file: str | None = None,
          ) -> tuple[np.ndarray, float, float]:
    """Solve `lp` with HiGHS; return ``(x, objective, seconds)``.

    Raises
    ------
    InfeasibleError, UnboundedError
        When HiGHS proves the LP infeasible or unbounded (naming `what`).
    InfranetError
        For any other failure of the solver.
    """
    from scipy.optimize import linprog

    bounds = np.column_stack([np.zeros(len(lp.c)), lp.upper])
    start = time.perf_counter()
    res = linprog(lp.c, A_ub=lp.a_ub, b_ub=lp.b_ub, A_eq=lp.a_eq, b_eq=lp.b_eq, bounds=bounds,
                  method=check_method(method))
    seconds = time.perf_counter() - start
    raise_for_status(int(res.status), str(res.message), what, file)
    return res.x, float(res.fun), seconds


def raise_for_status(status: int, message: str, what: str, file: str | None = None) -> None:
    """Turn a ``linprog`` status into infranet's errors (0 passes)."""
    if status == 2:
        raise InfeasibleError(f"{what} has no feasible solution: {message}", file=file)
    if status == 3:
        raise UnboundedError(f"{what} is unbounded: {message}", file=file)
    if status != 0:
        raise InfranetError(f"HiGHS did not solve {what}: {message}", file=file)


def highspy() -> Any:
    """The ``highspy`` module, or None when it is not installed."""
    try:
        import highspy as module
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return module


def new_highs(module: Any) -> Any:
    """A silent ``highspy.Highs`` (HiGHS writes its banner to stdout on the first one)."""
    if _state["banner"]:
        h = module.Highs()
    else:
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no stdout to silence
            saved = None
        try:
            if saved is not None:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
            h = module.Highs()
        finally:
            if saved is not None:
                os.dup2(saved, 1)
                os.close(saved)
        _state["banner"] = True
    h.setOptionValue("output_flag", False)
    return h
