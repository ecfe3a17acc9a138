"""``infranet maxflow``."""

from __future__ import annotations

import click

from infranet.cli._options import input_options, load, output_format


@click.command()
@click.argument("file")
@click.option("--from", "source", required=True, metavar="SITE", help="Source site.")
@click.option("--to", "target", required=True, metavar="SITE", help="Target site.")
@input_options
@output_format
def maxflow(file: str, source: str, target: str, input_format: str | None,
            capacity_unit: str | None, fmt: str) -> None:
    """Maximum flow from one site to another and the links of a minimum cut.

    Capacities are per direction (Gb/s); parallel links add up. Every link needs a capacity.

    \b
    Example:
      infranet maxflow topologies/texas-ring.yaml --from abilene --to san-antonio --format json
    """
    from infranet.algorithms.flow import max_flow
    from infranet.output import emit

    result = max_flow(load(file, input_format, capacity_unit), source, target)
    data = result.to_dict()
    emit(data, fmt, rows=[{**data, "cut": result.cut, "source_side": result.source_side}],
         title=f"maximum flow from {source} to {target} (Gb/s, per direction) and a minimum cut")
