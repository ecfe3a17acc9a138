"""Options and helpers shared by every command."""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from infranet.io import Progress
    from infranet.model import Topology

__all__ = ["BANDWIDTH", "DATA_SIZE", "DURATION", "LENGTH", "OUTPUT_HELP", "POWER", "Quantity",
           "Rate", "input_options", "job_options", "load", "output_format", "reading", "warn",
           "what_option", "writes_files"]

F = TypeVar("F", bound=Callable[..., Any])

output_format = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="Output: tables for people; for programs one JSON document, or one "
                            "CSV table.")

#: What every command that writes a file says about it in its --help.
OUTPUT_HELP = ("Files are written whole or not at all; only a regular file is replaced (a "
               "symbolic link is written through to its target; a directory, device, FIFO or "
               "socket is refused); '-' is standard output.")

#: Files larger than this show a progress bar while they are read (when stderr is a terminal).
PROGRESS_BYTES = 4 * 2**20


class Quantity(click.ParamType):
    """A quantity with a unit, read by :func:`infranet.units.parse`: a number in `unit` (the
    quantity's canonical unit by default) or a string with a unit ("64MiB", "450GB/s", "3us").

    `positive` refuses 0 as well as negative values, `maximum` (with `beyond`, what it is)
    values above it. A bad value is one line from click that shows an example.

    Examples
    --------
    >>> DURATION.convert("3us", None, None), BANDWIDTH.convert("450GB/s", None, None)
    (3e-06, 3600.0)
    >>> DATA_SIZE.convert("64MiB", None, None), LENGTH.convert("300 m", None, None)
    (67108864.0, 0.3)
    """

    def __init__(self, quantity: str, *, unit: str | None = None, metavar: str | None = None,
                 example: str = "", positive: bool = True, maximum: float | None = None,
                 beyond: str = "") -> None:
        from infranet.units import QUANTITIES

        self.quantity = quantity
        self.unit = unit or QUANTITIES[quantity][0]
        self.name = metavar or quantity.upper()
        self.example = example or f"1 {self.unit}"
        self.positive = positive
        self.maximum = maximum
        self.beyond = beyond

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        from infranet.errors import ValidationError
        from infranet.units import parse

        if isinstance(value, float):
            return value
        try:
            number = parse(value, self.quantity, unit=self.unit)
        except ValidationError as err:
            detail = err.detail.split(", e.g. ")[0]  # one example: this type's
            self.fail(f"{detail} (e.g. {self.example})", param, ctx)
        if number < 0 or (self.positive and number == 0):
            bound = "> 0" if self.positive else ">= 0"
            self.fail(f"must be {bound}, got {value!r} (e.g. {self.example})", param, ctx)
        if self.maximum is not None and number > self.maximum:
            self.fail(f"{number:.3g} {self.unit} is more than {self.beyond}", param, ctx)
        return number

    def at_most(self, maximum: float, beyond: str) -> Quantity:
        """This type with an upper bound: `maximum` in its unit, `beyond` saying what it is
        (``"10 Pb/s, beyond any link"``), for the message."""
        return Quantity(self.quantity, unit=self.unit, metavar=self.name, example=self.example,
                          positive=self.positive, maximum=maximum, beyond=beyond)

    def __repr__(self) -> str:
        return f"Quantity({self.quantity!r}, unit={self.unit!r})"


#: A data size in bytes: "64MiB", "140GB", "2.5 GiB" (bits are refused: "64Mb" is an error
#: that says to write MB or MiB); a bare number is bytes.
DATA_SIZE = Quantity("size", metavar="SIZE", example="64MiB or 140GB")
#: A bandwidth in Gb/s (bits): "400G", "3.2Tb/s", "450GB/s" (bytes: x 8); a bare number is Gb/s.
BANDWIDTH = Quantity("bandwidth", metavar="RATE", example="400G, 3.2Tb/s or 450GB/s")
#: A duration in seconds: "3us", "10ms", "2 s" (ns, us, µs, ms, s); a bare number is seconds;
#: 0 is allowed.
DURATION = Quantity("time", unit="s", metavar="DURATION", example="3us or 10ms",
                    positive=False)
#: A length in km: "620 km", "300 m", "10 mi"; a bare number is km; 0 is allowed.
LENGTH = Quantity("length", metavar="LENGTH", example="300km or 500m", positive=False)
#: A power in MW: "300 MW", "120 kW"; a bare number is MW.
POWER = Quantity("power", metavar="POWER", example="300MW or 120kW")


class Rate(Quantity):
    """A bandwidth in Gb/s, > 0: the type of :data:`BANDWIDTH`, for code that builds its own."""

    def __init__(self) -> None:
        super().__init__("bandwidth", metavar="RATE", example="400G, 3.2Tb/s or 450GB/s")


def typed(*names: str) -> list[str]:
    """The options among `names` (parameter names) that the user typed on the command line,
    spelled as there (``--demand-unit``): for refusing what the command would ignore."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return []
    flags = {p.name: next((o for o in p.opts if o.startswith("--")), p.opts[0])
             for p in ctx.command.params if p.opts}
    return [flags[name] for name in names
            if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]


def input_options(function: F) -> F:
    """Options that say how to read an input file whose extension is not enough."""
    function = click.option(
        "--capacity-unit", default=None, metavar="UNIT",
        help="Unit of capacities in node-link JSON and SNDlib files, e.g. bit/s, Mb/s, Gb/s "
             "(default: the reader's; node-link bit/s).")(function)
    function = click.option(
        "--input-format", "input_format", default=None,
        type=click.Choice(["yaml", "json", "nodelink", "gml", "graphml", "sndlib", "sndlib-xml",
                           "geojson", "topohub"]),
        help="Read inputs in this format instead of guessing from the extension.")(function)
    return function


def job_options(exclude: Sequence[str] = ()) -> Callable[[F], F]:
    """One option per field of the job schema (:data:`infranet.workloads.job.JOB`), in its
    order, but those in `exclude`: ``--global-batch`` is ``global_batch``."""
    from infranet.workloads.job import JOB

    def decorate(function: F) -> F:
        for attr in reversed(JOB):
            if attr.name in exclude:
                continue
            flag = "--" + attr.name.replace("_", "-")
            kind: Any = {"integer": int, "number": float}.get(attr.kind, str)
            if attr.kind == "choice":
                kind = click.Choice(list(attr.choices))
            default = f" (default: {attr.default})" if attr.default is not None else ""
            metavar = {"sites": "SITE[,SITE...]", "parallelism": "tp=8,pp=16,dp=128",
                       "model": "NAME|MODEL.yaml", "window": "SIZE"}.get(attr.name)
            if attr.kind == "size":
                kind = DATA_SIZE
            function = click.option(flag, attr.name, type=kind, default=None, metavar=metavar,
                                    help=f"{attr.description[0].upper()}{attr.description[1:]}"
                                         f"{default}.")(function)
        return function

    return decorate


def what_option(parts: Sequence[str], csv_default: str, table_default: str) -> Callable[[F], F]:
    """``--what``: which of a result's tables to print; CSV prints one table."""
    return click.option(
        "--what", type=click.Choice(list(parts)), default=None,
        help=f"Print this table only. The table format prints {table_default} by default; CSV "
             f"prints one table, {csv_default} by default (see --what); JSON prints "
             "everything.")


def writes_files(command: click.Command) -> click.Command:
    """Say in `command`'s --help how it writes files (before its examples)."""
    text = inspect.cleandoc(command.help or "")
    at = text.find("\b\nExample")
    command.help = (f"{text[:at]}{OUTPUT_HELP}\n\n{text[at:]}" if at >= 0
                    else f"{text}\n\n{OUTPUT_HELP}")
    return command


def warn(message: str) -> None:
    """Print a one-line warning on stderr."""
    from infranet.errors import printable

    click.echo(f"warning: {printable(message)}", err=True)


@contextlib.contextmanager
def reading(path: str, verb: str = "reading") -> Iterator[Progress | None]:
    """A progress callback for reading `path` (None for a file too small to need one); the bar
    shows on stderr only when stderr is a terminal."""
    from infranet.output import progress

    try:
        size = os.stat(path).st_size
    except (OSError, ValueError):  # topohub:GROUP/NAME, or a file that is not there
        size = 0
    if size < PROGRESS_BYTES:
        yield None
        return
    with progress(f"{verb} {path}", total=size) as update:
        yield update


def load(path: str, input_format: str | None = None,
         capacity_unit: str | None = None, *, count_warnings: bool = True) -> Topology:
    """Read one topology for a command (a file, ``-`` for standard input, or
    ``topohub:GROUP/NAME``).

    A large file shows a progress bar on stderr when stderr is a terminal. Warnings about the
    file (two sites at one location) are summed up in one line on stderr; ``infranet validate``
    lists them (`count_warnings` False: not said, for a command that shows them itself).
    """
    import infranet.io

    options: dict[str, Any] = {"capacity_unit": capacity_unit} if capacity_unit else {}
    with summed_warnings(f"`infranet validate {path}` lists them", say=count_warnings), \
            reading(path) as report:
        topology = infranet.io.read(path, format=input_format, progress=report, **options)
    return topology


@contextlib.contextmanager
def summed_warnings(where: str, *, say: bool = True) -> Iterator[None]:
    """Sum up the warnings about a file raised in the block in one line on stderr (the first,
    how many more, and `where` they are listed); other warnings pass through."""
    import warnings

    from infranet.errors import InfranetWarning, counted

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InfranetWarning)
        yield
    for other in caught:
        if not isinstance(other.message, InfranetWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    found = [w.message for w in caught if isinstance(w.message, InfranetWarning)]
    if found and say:
        more = f" (and {counted(len(found) - 1, 'more warning')})" if len(found) > 1 else ""
        warn(f"{found[0]}{more}; {where}")


#: ``--plot FILE``: a command's chart, beside what it prints.
plot_option = click.option(
    "--plot", "plot_file", default=None, metavar="FIG",
    help="Also draw the answer as a chart: .png, .svg or .pdf (written whole, as every file "
         "infranet writes).")


def check_plot(plot_file: str | None) -> None:
    """Refuse a --plot name infranet cannot write before any work (a bad suffix, a folder)."""
    if plot_file is not None:
        from infranet.output.plots import image_format

        image_format(plot_file)


def write_chart(fig: Any, plot_file: str, what: str) -> None:
    """Write a command's chart and say so on stderr."""
    from infranet.output.plots import save_figure

    save_figure(fig, plot_file)
    click.echo(f"wrote {plot_file} ({what})", err=True)
