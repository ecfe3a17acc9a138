"""Options shared by every command."""

from __future__ import annotations

import click

__all__ = ["input_options", "load", "output_format"]

output_format = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
    show_default=True, help="Output: a table for people, JSON or CSV for programs.")


def input_options(function):
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


def load(path: str, input_format: str | None = None, capacity_unit: str | None = None):
    """Read one topology for a command (a file, or ``topohub:GROUP/NAME``)."""
    import infranet.io

    options = {"capacity_unit": capacity_unit} if capacity_unit else {}
    return infranet.io.read(path, format=input_format, **options)
