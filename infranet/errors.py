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
    "InfranetWarning",
    "UnboundedError",
    "UnknownNameError",
    "UnreachableError",
    "ValidationError",
    "did_you_mean",
    "printable",
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
    return ": ".join(printable(part) for part in (file, element, field) if part)


def printable(text: str) -> str:
    r"""Return `text` with control characters (newlines, tabs, escapes) written as escapes, so
    that a name or a path never breaks a one-line message.

    Examples
    --------
    >>> print(printable("a\nb\x1b[31m"))
    a\nb\x1b[31m
    >>> printable("São Paulo")
    'São Paulo'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


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
        self.detail = printable(" ".join(str(message).split()))  # one line, always
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


class InfranetWarning(UserWarning):
    """Something in an input that is doubtful but not wrong (two sites at one location).

    Worded like an :class:`InfranetError`: one line naming the file, the element and the field.
    Readers issue warnings through :mod:`warnings`; ``infranet validate`` lists them.
    """

    def __init__(self, message: str, *, file: str | None = None, element: str | None = None,
                 field: str | None = None) -> None:
        self.file = file
        self.element = element
        self.field = field
        self.detail = printable(" ".join(str(message).split()))
        super().__init__(self._compose())

    def _compose(self) -> str:
        prefix = where(self.file, self.element, self.field)
        return f"{prefix}: {self.detail}" if prefix else self.detail

    def __str__(self) -> str:
        return self._compose()

    def to_dict(self) -> dict[str, str | None]:
        """The warning as data: ``file, element, field, message``."""
        return {"file": self.file, "element": self.element, "field": self.field,
                "message": self.detail}
