"""``infranet collective``."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import (
    BANDWIDTH,
    DATA_SIZE,
    DURATION,
    input_options,
    load,
    output_format,
    what_option,
)
from infranet.workloads.collectives import ALGORITHMS, OPS

#: Bounds of the figures, with what they are in the message: no arithmetic overflows below them.
SIZE = DATA_SIZE.at_most(2.0**60, "1 EiB, beyond any buffer")
RATE = BANDWIDTH.at_most(1e7, "10 Pb/s, beyond any link")
STEP = DURATION.at_most(3600.0, "an hour, beyond any network step")


@click.command()
@click.option("--op", type=click.Choice(OPS), default="allreduce", show_default=True,
              help="The collective.")
@click.option("--size", "size_bytes", type=SIZE, required=True,
              help="nccl-tests' size: the buffer each rank holds (64MiB, 1GB).")
@click.option("--ranks", type=click.IntRange(min=1), default=None,
              help="Bare question: ranks taking part.")
@click.option("--bandwidth", "gbps", type=RATE, default=None,
              help="Bare question: bandwidth per rank and direction (450GB/s, 400G, 3.2Tb/s).")
@click.option("--latency", "alpha_s", type=STEP, default=None,
              help="Bare question: latency of one step (3us; a bare number is seconds); "
                   "default the scale-out step of infranet/data/collectives.csv.")
@click.option("--topology", "file", metavar="FILE", default=None,
              help="Placed group: the topology file the group runs on.")
@click.option("--group", "members", multiple=True, metavar="SITE[/CLUSTER][=N]",
              help="Placed group: a member (repeat); N ranks of that cluster (default all of "
                   "it; without CLUSTER, the site's first cluster that holds N).")
@click.option("--window", "window_bytes", type=DATA_SIZE, default=None,
              help="Placed group: transport window of the DCI flows (4MiB): each flow is "
                   "capped at window / RTT.")
@click.option("--algorithm", type=click.Choice(ALGORITHMS), default="auto",
              show_default=True,
              help="auto: the fastest valid algorithm in each tier; a flat algorithm runs in "
                   "every tier. in_network (NVLS, SHARP: the switches reduce, priced at the "
                   "ideal S/B) only on a bare question, where naming it says the switches "
                   "reduce.")
@input_options
@output_format
@what_option(("summary", "tiers"), csv_default="tiers (one row per tier)",
             table_default="the summary and its tiers")
def collective(op: str, size_bytes: float, ranks: int | None, gbps: float | None,
               alpha_s: float | None, file: str | None, members: tuple[str, ...],
               window_bytes: float | None, algorithm: str, input_format: str | None,
               capacity_unit: str | None, fmt: str, what: str | None) -> None:
    """Time of a collective (all-reduce, all-gather, ...) by the α-β model, and what binds it.

    Either a bare question (--ranks, --bandwidth, --latency: one tier given by its numbers) or
    a group placed on a topology (--topology, --group): the group's tiers are the scale-up
    domain and scale-out fabric of its clusters (from their fabric summaries) and, between
    clusters, the DCI ring (capacity by max-flow over the WAN and each cluster's dci link,
    one-way latency of fibre and equipment added to every step). A placed collective pays
    NCCL's launch latency once and each tier's step latency from
    infranet/data/collectives.csv.

    Bandwidths (*_gbps) are in Gb/s, bits; nccl-tests' GB/s are the *_gbytes_per_s columns
    (_gbps / 8). busbw = algbw x 2(p-1)/p for all-reduce, (p-1)/p for reduce-scatter,
    all-gather and all-to-all, 1 for broadcast and send/recv (nccl-tests).

    The first table gives the time, the bandwidths and what binds (the tier that takes the most
    time, a DCI link, or distance); the second says where the time goes, tier by tier: the
    algorithm each tier ran, its time and the part of it that is bandwidth alone.

    \b
    Examples:
      infranet collective --op allreduce --size 64MiB --ranks 8 --bandwidth 450GB/s --latency 3us
      infranet collective --op alltoall --size 8KiB --ranks 64 --bandwidth 400G --latency 2.7us
      infranet collective --size 1GB --ranks 64 --bandwidth 400G --algorithm ring --format json
      infranet collective --size 1GB --ranks 64 --bandwidth 400G --what summary --format csv
      infranet collective --size 1GiB --topology topologies/texas-mesh.yaml \\
          --group abilene/stargate-ph1=1024 --group temple=1024
      infranet collective --size 256MiB --topology topologies/texas-ring.yaml \\
          --group fort-worth=64 --group san-antonio=64 --window 4MiB --format csv
    """
    from infranet.output import emit
    from infranet.workloads import collectives as co


    bare = [name for name, value in (("--ranks", ranks), ("--bandwidth", gbps),
                                     ("--latency", alpha_s)) if value is not None]
    placed = [name for name, value in (("--topology", file), ("--group", members),
                                       ("--window", window_bytes)) if value]
    if bare and placed:
        raise click.UsageError(f"{', '.join(bare)} ask a bare question, {', '.join(placed)} "
                               "place a group: give one or the other")
    if placed:
        if algorithm == "in_network":
            raise click.UsageError("--algorithm in_network asks switches that reduce (NVLS, "
                                   "SHARP); no tier of a placed group is marked so: ask it as "
                                   "a bare question (--ranks, --bandwidth, --latency)")
        if not file or not members:
            raise click.UsageError("a placed group needs --topology FILE and at least one "
                                   "--group SITE[/CLUSTER][=N]")
        from infranet.workloads.groups import place

        topology = load(file, input_format, capacity_unit)
        levels: Any = place(topology, members, window_bytes=window_bytes)
    else:
        if ranks is None or gbps is None:
            raise click.UsageError("give --ranks and --bandwidth (and --latency) for a bare "
                                   "question, or --topology and --group for a placed group")
        alpha = co.tier_alpha_s("scale_out") if alpha_s is None else alpha_s
        # naming in_network on a bare question says that the switches reduce (NVLS, SHARP)
        levels = [co.Level("flat", ranks, gbps, alpha, in_network=algorithm == "in_network")]
    result = co.collective(op, size_bytes, levels, algorithm=algorithm)
    data = result.to_dict()
    tiers = [dict(row) for row in data["levels"]]
    head = {key: value for key, value in data.items() if key not in ("levels", "notes")}
    head["binding"] = data["binding"]["summary"]
    if fmt == "json":
        emit({"summary": head, "tiers": tiers}[what] if what else data, fmt)
        return
    if fmt == "csv" or what:
        emit([head] if what == "summary" else tiers, fmt)
        return
    from infranet.units import format_quantity

    emit([head], fmt, title=f"{op} of {format_quantity(size_bytes, 'size')} per rank over "
                            f"{result.ranks} "
                            "ranks: time (ms), bandwidths (Gb/s; GB/s as nccl-tests)")
    emit(tiers, fmt, title="where the time goes, tier by tier (each tier's slowest member)")
    for note in data["notes"]:
        click.echo(f"note: {note}", err=True)
