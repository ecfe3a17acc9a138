"""The one exception family of infranet.

Every error a user can cause by bad input is an :class:`InfranetError`. Its message is one line that
names the file, the element and the field, says what was expected and, where it can, how to fix it.
The CLI prints that line and exits with code 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "FormatError",
    "InfeasibleError",
    "InfranetError",
    "UnboundedError",
    "UnknownNameError",
    "UnreachableError",
    "ValidationError",
    "did_you_mean",
    "where",
]


def where(file: str | None = None, element: str | None = None, field: str | None = None) -> str:
    """Return the ``file: element: field`` prefix of an error message, skipping missing parts.

    Examples
    --------
    >>> where("vdc.yaml", "link 'a--b'", "capacity")
    "vdc.yaml: link 'a--b': capacity"
    >>> where(element="site 'x'")
    "site 'x'"
    """
    return ": ".join(part for part in (file, element, field) if part)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice to `name`, or ``""``.

    Examples
    --------
    >>> did_you_mean("capacty", ["capacity", "length_km"])
    " (did you mean 'capacity'?)"
    >>> did_you_mean("zzz", ["capacity"])
    ''
    """
    options = {str(c).lower(): str(c) for c in choices}
    close = difflib.get_close_matches(str(name).lower(), list(options), n=1, cutoff=0.5)
    return f" (did you mean '{options[close[0]]}'?)" if close else ""


class InfranetError(Exception):
    """Base class of every error infranet raises on bad input or an impossible request."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        element: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.element = element
        self.field = field
        self.detail = " ".join(str(message).split())  # one line, always
        super().__init__(self._compose())

    def _compose(self) -> str:
        prefix = where(self.file, self.element, self.field)
        return f"{prefix}: {self.detail}" if prefix else self.detail

    def in_file(self, file: str) -> InfranetError:
        """Return this error with `file` set when it had none (readers add the path late)."""
        if self.file is None:
            self.file = file
            self.args = (self._compose(),)
        return self

    def __str__(self) -> str:
        return self._compose()


class ValidationError(InfranetError, ValueError):
    """A value in a topology, spec or option is missing, of the wrong type or out of range."""


class FormatError(InfranetError, ValueError):
    """A file cannot be parsed: syntax error, wrong structure, unsupported or hostile content."""


class UnknownNameError(InfranetError, KeyError):
    """A name (site, link, format, medium, accelerator) that does not exist."""


class UnreachableError(InfranetError):
    """No path joins the requested nodes."""


class InfeasibleError(InfranetError):
    """A problem has no feasible solution (e.g. more disjoint paths than the graph holds)."""


class UnboundedError(InfranetError):
    """A problem is unbounded (a solver found no finite optimum)."""
