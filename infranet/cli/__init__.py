"""The ``infranet`` command line: thin click commands over the library.

Commands are imported only when run, so ``infranet --help`` is instant. Errors are handled in
one place (:class:`_Group`): an :class:`~infranet.errors.InfranetError` becomes one line on
stderr and exit code 1; bad usage is click's exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any

import click

__all__ = ["main"]

_COMMANDS = {
    "validate": ("infranet.cli.topology:validate", "Check topology files; one line per problem."),
    "show": ("infranet.cli.topology:show", "Sites, links, fiber km, capacity and clusters."),
    "convert": ("infranet.cli.topology:convert", "Convert between topology formats."),
    "latency": ("infranet.cli.latency:latency", "Latency and paths: pair, matrix, per link."),
    "compare": ("infranet.cli.compare:compare", "Compare topologies side by side."),
    "fabric": ("infranet.cli.fabric:fabric", "Scale-up / scale-out fabrics: generate, report."),
    "maxflow": ("infranet.cli.flow:maxflow", "Maximum flow and a minimum cut between two sites."),
    "route": ("infranet.cli.routing:route", "Route a traffic matrix; link utilisation, MLU."),
    "bench": ("infranet.cli.routing:bench", "Benchmark suites: bench routing."),
    "size": ("infranet.cli.training:size",
             "Size workloads: a training step and DCI; an inference replica."),
    "place": ("infranet.cli.placement:place",
              "Place workloads on sites: training jobs, inference replicas."),
    "catalogue": ("infranet.cli.catalogue:catalogue", "Packaged catalogues with their sources."),
    "collective": ("infranet.cli.collective:collective", "Time of a collective; what binds it."),
    "vdc": ("infranet.cli.vdc:vdc", "Virtual datacenters: groups of sites within an RTT budget."),
    "plot": ("infranet.cli.charts:plot", "Chart a results table: line, scatter, CDF, bar."),
    "map": ("infranet.cli.charts:map_command", "Draw a topology's sites and links on a map."),
    "sweep": ("infranet.cli.sweep:sweep", "What-if studies: edits and failures, a row each."),
}


class _Group(click.Group):
    """A group that loads commands on demand and turns infranet errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in _COMMANDS:
            return None
        module, attr = _COMMANDS[name][0].split(":")
        return getattr(import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in _COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        import warnings

        from infranet.errors import InfranetError, InfranetWarning, printable

        said: set[str] = set()
        shown = warnings.showwarning

        def one_line(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
            """An infranet warning as one line on stderr, once; others as Python shows them."""
            if not issubclass(category, InfranetWarning):
                shown(message, category, *args, **kwargs)
            elif str(message) not in said:
                said.add(str(message))
                click.echo(f"warning: {printable(str(message))}", err=True)

        warnings.showwarning = one_line
        try:
            return super().invoke(ctx)
        except InfranetError as err:
            command = _failed_command(err)
            message = err.render(_spelling(command)) if command is not None else str(err)
            click.echo(f"error: {printable(message)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        finally:
            warnings.showwarning = shown


def _failed_command(err: BaseException) -> click.Command | None:
    """The command whose run raised `err`: the innermost click context on its way up."""
    command = None
    frame = err.__traceback__
    while frame is not None:
        ctx = frame.tb_frame.f_locals.get("ctx")
        if isinstance(ctx, click.Context):
            command = ctx.command
        frame = frame.tb_next
    return command


def _spelling(command: click.Command) -> Callable[[str, str], str | None]:
    """How `command` sets a library option: its own option of that name (``--weight hops``),
    else an algorithm option (``--option weight=hops``); None when it has neither, and the
    suggestion is left out."""
    options = {p.name: p for p in command.params if isinstance(p, click.Option)}

    def spell(option: str, value: str) -> str | None:
        own = options.get(option)
        if own is not None and not own.is_flag:
            flag = next((o for o in own.opts if o.startswith("--")), own.opts[0])
            return f"{flag} {value}"
        if "algorithm_options" in options:  # infranet route: --option KEY=VALUE
            return f"--option {option}={value}"
        return None

    return spell


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
@click.version_option(package_name="infranet")
def main() -> None:
    """Model multi-region AI infrastructure networks: datacenters, fiber, fabrics.

    \b
    Start with the shipped topologies:
      infranet show topologies/texas-ring.yaml
      infranet latency topologies/texas-ring.yaml --matrix
      infranet compare topologies/texas-ring.yaml topologies/texas-mesh.yaml

    Every command that prints data takes --format table|json|csv (convert, fabric generate,
    plot and map write files instead); data goes to stdout, errors and warnings to stderr
    (exit code 1 for bad input, 2 for bad usage). A file named '-' is standard input when read,
    standard output when written. Files are written whole or not at all, and only over regular
    files.
    """
