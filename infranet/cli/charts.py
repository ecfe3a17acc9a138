"""``infranet plot`` (a chart of a results table) and ``infranet map`` (a topology on a map)."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import input_options, load, writes_files

__all__ = ["map_command", "plot"]

_KINDS = ("line", "scatter", "cdf", "bar")  # infranet.output.plots.KINDS, kept light for --help


def _table(path: str) -> Any:
    """A results table: Parquet (a folder of parts or a .parquet file) or CSV."""
    from infranet.output.plots import read_table
    from infranet.studies.results import is_parquet, read_results

    return read_results(path) if path != "-" and is_parquet(path) else read_table(path)


@writes_files
@click.command()
@click.argument("file", metavar="RESULTS")
@click.option("--x", "x", required=True, metavar="COLUMN",
              help="Column along the horizontal axis (for --kind cdf: the column whose "
                   "distribution is drawn).")
@click.option("--y", "y", default=None, metavar="COLUMN",
              help="Column along the vertical axis (numbers); every kind but cdf needs it. "
                   "Several rows at one x show their mean (line, bar).")
@click.option("--hue", default=None, metavar="COLUMN",
              help="Column whose values split the rows into series, one colour each.")
@click.option("--kind", default="line", show_default=True, type=click.Choice(_KINDS),
              help="Chart: line (sorted by x), scatter, cdf (share of all rows at or below "
                   "each value: rows without one count, so the curve may end below 1), bar "
                   "(x may be text). Rows without a number are not drawn, and counted.")
@click.option("--title", default=None, help="Title above the chart (default: y against x).")
@click.option("-o", "--output", "output", required=True, metavar="FIG",
              help="Image to write: .png, .svg or .pdf.")
def plot(file: str, x: str, y: str | None, hue: str | None, kind: str, title: str | None,
         output: str) -> None:
    """Draw a chart of a table (one row per scenario or measurement) as PNG, SVG or PDF.

    RESULTS is a CSV file (- for standard input) or a study's Parquet results (a folder of
    parts written by `infranet sweep -o results.parquet`, or one Parquet file).

    \b
    Examples:
      infranet show topologies/us-backbone.yaml --what links --format csv \\
        | infranet plot - --x length_km --y latency_ms --kind scatter -o links.png
      infranet show topologies/global-backbone.yaml --what links --format csv \\
        | infranet plot - --x latency_ms --kind cdf -o latency-cdf.svg
      infranet show topologies/us-backbone.yaml --what links --format csv \\
        | infranet plot - --x medium --y capacity_gbps --kind bar -o capacity.pdf
    """
    from infranet.errors import InfranetError
    from infranet.output.plots import image_format, save_figure, undrawn_note, undrawn_rows
    from infranet.output.plots import plot as draw

    image_format(output)
    frame = _table(file)
    try:
        fig = draw(frame, x=x, y=y, hue=hue, kind=kind, title=title)
    except InfranetError as err:
        raise err.in_file(file) from None
    save_figure(fig, output)
    note = undrawn_note(undrawn_rows(frame, x=x, y=y, kind=kind))
    click.echo(f"wrote {output} ({kind} chart of {len(frame)} rows){note}", err=True)


@writes_files
@click.command("map")
@click.argument("file")
@click.option("--color-by", "color_by", default=None, metavar="COLUMN",
              help="Colour links by a column: of the links table (capacity_gbps, length_km, "
                   "latency_ms, ...) or of --results. Default: by link kind.")
@click.option("--results", default=None, metavar="RESULTS",
              help="A table with a 'link' (or 'name') column of link names, whose columns "
                   "--color-by can name: a CSV file, or Parquet results (a folder of parts or "
                   "one file). A study's rows join by their 'failure' when it is a single "
                   "link; other failures (pairs, SRLGs, sites) are left out, and counted.")
@click.option("--title", default=None, help="Title above the map (default: the topology's name).")
@click.option("-o", "--output", "output", required=True, metavar="MAP",
              help="Image to write: .png, .svg or .pdf; or .html, a page whose links show "
                   "their name, ends, capacity and length when hovered.")
@input_options
def map_command(file: str, color_by: str | None, results: str | None, title: str | None,
                output: str, input_format: str | None, capacity_unit: str | None) -> None:
    """Draw a topology's sites and links on a longitude / latitude map.

    Links run along their route when the file gives one, else straight between their ends
    (dashed, and the legend says so); a link crossing the ±180° meridian is split there and
    drawn on both edges of the map.

    \b
    Examples:
      infranet map topologies/global-backbone.yaml --color-by capacity_gbps -o world.png
      infranet map topologies/us-backbone.yaml --color-by length_km -o us.svg
      infranet map topologies/global-backbone.yaml --color-by latency_ms -o world.html
    """
    from pathlib import Path

    from infranet.errors import InfranetError
    from infranet.io.files import writable, write_text
    from infranet.output.maps import draw_map, html_map, link_rows
    from infranet.output.plots import image_format, save_figure

    page = Path(output).suffix.lower() == ".html"
    if page:
        writable(output)
    else:
        image_format(output)
    table = _table(results) if results is not None else None
    topology = load(file, input_format, capacity_unit)
    try:
        if page:
            text = html_map(topology, color_by=color_by, results=table, title=title)
        else:
            fig = draw_map(topology, color_by=color_by, results=table, title=title)
    except InfranetError as err:
        raise err.in_file(results if results is not None and err.field == "results"
                          else file) from None
    if page:
        write_text(output, text)
    else:
        save_figure(fig, output)
    if table is not None and color_by in table.columns:
        left_out = link_rows(table)[2]
        if left_out:
            click.echo(f"{results}: {left_out} row{'s' if left_out > 1 else ''} whose failure "
                       "is not a single link (a pair, an SRLG, a site) left out", err=True)
    click.echo(f"wrote {output} (map of {topology.n_sites} sites, {topology.n_links} links)",
               err=True)
