"""``infranet vdc``: the groups of datacenters that can act as one virtual datacenter."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import BANDWIDTH, Quantity, input_options, load, output_format

#: An RTT budget in seconds, > 0 and at most 1 s: a bare number is seconds (as every duration of
#: the CLI), so "3" is refused and "3ms" is what is meant.
BUDGET = Quantity("time", unit="s", metavar="DURATION", example="3ms", positive=True,
                  maximum=1.0, beyond="1 s: an RTT budget is a few ms (write the unit: 3ms)")

#: The columns of the table and the CSV, in order.
COLUMNS = ("sites", "accelerators", "accelerators_by_type", "pflops", "power_mw",
           "known_power_mw", "max_rtt_ms", "max_rtt_pair", "min_dci_gbps", "binding",
           "after_failure")


@click.command()
@click.argument("file")
@click.option("--max-rtt", "max_rtt", type=BUDGET, required=True, metavar="DURATION",
              help="RTT budget between every two datacenters of a group, e.g. 3ms (a bare "
                   "number is seconds).")
@click.option("--min-dci", "min_dci", type=BANDWIDTH, default=None, metavar="RATE",
              help="DCI floor: a group's narrowest split carries at least this (per direction), "
                   "e.g. 10Tb/s.")
@click.option("--rank-by", type=click.Choice(["accelerators", "pflops", "power"]),
              default="accelerators", show_default=True, help="Largest first by this.")
@click.option("--min-sites", type=click.IntRange(min=1), default=2, show_default=True,
              help="The fewest datacenters a group holds (1 lists lone datacenters too).")
@click.option("--all", "show_all", is_flag=True,
              help="Also what is not a group, with the reason: groups within the budget below "
                   "the DCI floor, datacenters with no partner.")
@click.option("--no-failures", is_flag=True,
              help="Skip trying every single fiber cut and shared-risk group on each group.")
@input_options
@output_format
def vdc(file: str, max_rtt: float, min_dci: float | None, rank_by: str, min_sites: int,
        show_all: bool, no_failures: bool, input_format: str | None, capacity_unit: str | None,
        fmt: str) -> None:
    """Groups of datacenters whose every pair is within an RTT budget: virtual datacenters.

    FILE may be - for standard input. A group is maximal: no other datacenter is within the
    budget of all its members. RTT is along the links (twice the one-way latency of fiber and
    equipment, a floor without queueing); datacenters without a fiber path between them, or
    without clusters, form no group. Each group gives its available accelerators (by type),
    their bf16 PFLOP/s, the sites' power_mw (null when a site gives none; known_power_mw sums
    the rest), its worst pair RTT, and min_dci_gbps: the capacity of its narrowest split, the
    least over every pair of the WAN's max-flow between them and each site's clusters' dci;
    binding names the WAN cut or the site's dci that sets it. after_failure is the worst single
    fiber cut or shared-risk group: worst RTT and DCI, and the failures that break the group.
    With --min-dci, a group below the floor is listed with --all (and its subsets that meet the
    floor are groups). The JSON is the list of groups; notes go to stderr as "note: ...".

    \b
    Examples:
      infranet vdc topologies/texas-mesh.yaml --max-rtt 3ms
      infranet vdc topologies/texas-ring.yaml --max-rtt 5ms --min-dci 60Tb/s --all
      infranet vdc topologies/texas-hub.yaml --max-rtt 10ms --rank-by pflops --format json
    """
    from infranet.errors import printable
    from infranet.output import emit
    from infranet.planning.vdc import virtual_datacenters

    topology = load(file, input_format, capacity_unit)
    result = virtual_datacenters(topology, max_rtt_ms=max_rtt * 1e3, min_dci_gbps=min_dci,
                                 rank_by=rank_by, min_sites=min_sites,
                                 failures=not no_failures)
    why = "" if show_all else "; --all shows why"
    notes = [*result.notes, *(() if result.groups else (f"{result.binding.summary}{why}",))]
    for note in notes:
        click.echo(f"note: {printable(note)}", err=True)
    shown = list(result.groups) + (list(result.rejected) if show_all else [])
    data = [g.to_dict() for g in shown]
    if not show_all:
        for record in data:
            del record["feasible"], record["reason"]
    columns = [*COLUMNS, *(("feasible", "reason") if show_all else ())]
    if no_failures:
        columns.remove("after_failure")
    floor = "" if min_dci is None else f", DCI at least {min_dci:,.0f} Gb/s"
    hidden = "" if show_all or not result.rejected else \
        f"; --all shows {len(result.rejected)} more with the reason"
    title = (f"virtual datacenters: every pair within {max_rtt * 1e3:g} ms RTT{floor}, largest "
             f"{_noun(rank_by)} first; min_dci_gbps: the narrowest split; {result.binding.summary}"
             f"{hidden}")
    emit(data, fmt, rows=[_row(record) for record in data], columns=columns, title=title)


def _noun(rank_by: str) -> str:
    return {"accelerators": "by accelerators", "pflops": "by PFLOP/s",
            "power": "by power"}[rank_by]


def _row(record: dict[str, Any]) -> dict[str, Any]:
    """A group as a table and CSV row: one without ``after_failure`` (a rejected group, or
    --no-failures) leaves its columns empty rather than adding a column of its own."""
    return {k: v for k, v in record.items() if not (k == "after_failure" and v is None)}
