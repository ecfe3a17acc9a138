"""The one exception family of infranet.

Every error a user can cause by bad input is an :class:`InfranetError`. Its message is one line that
names the file, the element and the field, says what was expected and, where it can, how to fix it.
The CLI prints that line and exits with code 1.

An error that a different option would avoid carries a :class:`Suggestion`: the library's message
says it in plain words with the keyword argument (``weight='hops'``), and the CLI says it in the
syntax of the command that failed (``--weight hops``, ``--option weight=hops``), or not at all
when the command has no such option.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "FormatError",
    "InfeasibleError",
    "InfranetError",
    "InfranetWarning",
    "Suggestion",
    "UnboundedError",
    "UnknownNameError",
    "UnreachableError",
    "ValidationError",
    "counted",
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


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """Return `number` and `noun`, the noun in the plural unless the number is one.

    Examples
    --------
    >>> counted(1, "link"), counted(5, "link"), counted(0, "site"), counted(2, "matrix", "matrices")
    ('1 link', '5 links', '0 sites', '2 matrices')
    >>> counted(12800, "demand")
    '12,800 demands'
    """
    word = noun if number == 1 else (plural or f"{noun}s")
    return f"{number:,} {word}"


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


@dataclass(frozen=True)
class Suggestion:
    """An option setting that avoids an error: `option` (a keyword argument) set to `value`,
    and `words` saying what that does.

    Examples
    --------
    >>> hint = Suggestion("weight", "hops", "count hops instead")
    >>> hint.python()
    "count hops instead (weight='hops')"
    >>> hint.render(lambda option, value: f"--{option} {value}")
    'count hops instead (--weight hops)'
    >>> hint.render(lambda option, value: None)  # an interface without the option
    ''
    """

    option: str
    value: str
    words: str

    def render(self, syntax: Callable[[str, str], str | None]) -> str:
        """The suggestion with the option written by `syntax` (``""`` when it returns None)."""
        spelled = syntax(self.option, self.value)
        return f"{self.words} ({spelled})" if spelled else ""

    def python(self) -> str:
        """The suggestion as a keyword argument of the library."""
        return self.render(lambda option, value: f"{option}={value!r}")


class InfranetError(Exception):
    """Base class of every error infranet raises on bad input or an impossible request.

    `suggestion`, when given, ends the message with an option that avoids the error
    (see :class:`Suggestion`).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        element: str | None = None,
        field: str | None = None,
        suggestion: Suggestion | None = None,
    ) -> None:
        self.file = file
        self.element = element
        self.field = field
        self.suggestion = suggestion
        self.detail = printable(" ".join(str(message).split()))  # one line, always
        super().__init__(self._compose())

    def _compose(self, hint: str | None = None, *, file: bool = True) -> str:
        prefix = where(self.file if file else None, self.element, self.field)
        if hint is None:
            hint = self.suggestion.python() if self.suggestion else ""
        detail = f"{self.detail}, or {hint}" if hint else self.detail
        return f"{prefix}: {detail}" if prefix else detail

    def without_file(self) -> str:
        """The message without its file prefix (where the file is said apart, as in a report
        of one file's problems).

        Examples
        --------
        >>> ValidationError("must be > 0", file="a.yaml", element="link 'x'",
        ...                 field="capacity").without_file()
        "link 'x': capacity: must be > 0"
        """
        return self._compose(file=False)

    def render(self, syntax: Callable[[str, str], str | None]) -> str:
        """The message with its suggestion in an interface's own syntax: `syntax` spells an
        option and its value (``"--weight hops"``), or returns None when the interface has no
        such option, and the suggestion is left out.

        Examples
        --------
        >>> err = ValidationError("the latency of this link is unknown; give it length_km",
        ...                       suggestion=Suggestion("weight", "hops", "count hops"))
        >>> str(err)
        "the latency of this link is unknown; give it length_km, or count hops (weight='hops')"
        >>> err.render(lambda option, value: f"--option {option}={value}")
        'the latency of this link is unknown; give it length_km, or count hops (--option \
weight=hops)'
        >>> err.render(lambda option, value: None)
        'the latency of this link is unknown; give it length_km'
        """
        hint = self.suggestion.render(syntax) if self.suggestion else ""
        return self._compose(hint)

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

    def _compose(self, *, file: bool = True) -> str:
        prefix = where(self.file if file else None, self.element, self.field)
        return f"{prefix}: {self.detail}" if prefix else self.detail

    def __str__(self) -> str:
        return self._compose()

    def without_file(self) -> str:
        """The message without its file prefix, as :meth:`InfranetError.without_file`."""
        return self._compose(file=False)

    def to_dict(self) -> dict[str, str | None]:
        """The warning as data: ``file, element, field, message``."""
        return {"file": self.file, "element": self.element, "field": self.field,
                "message": self.detail}
