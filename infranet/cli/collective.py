"""``infranet collective``."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import input_options, load, output_format

_OPS = ("allreduce", "reduce_scatter", "allgather", "alltoall", "broadcast", "sendrecv")
_ALGORITHMS = ("ring", "tree", "halving_doubling", "direct", "in_network", "hierarchical", "auto")


class _Quantity(click.ParamType):
    """A quantity with a unit, parsed by :func:`infranet.units.parse`, > 0."""

    def __init__(self, quantity: str, metavar: str, scale: float = 1.0) -> None:
        self.quantity, self.name, self.scale = quantity, metavar, scale

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        from infranet.errors import ValidationError
        from infranet.units import parse

        if isinstance(value, float):
            return value
        try:
            number = parse(value, self.quantity) * self.scale
        except ValidationError as err:
            self.fail(err.detail, param, ctx)
        if number < 0 or (number == 0 and self.quantity != "time"):
            self.fail(f"must be > 0, got {value!r}", param, ctx)
        return number


_SIZE = _Quantity("size", "SIZE")
_RATE = _Quantity("bandwidth", "RATE")
_SECONDS = _Quantity("time", "DURATION", scale=1e-3)  # units.parse gives ms


@click.command()
@click.option("--op", type=click.Choice(_OPS), default="allreduce", show_default=True,
              help="The collective.")
@click.option("--size", "size_bytes", type=_SIZE, required=True,
              help="nccl-tests' size: the buffer each rank holds (64MiB, 1GB).")
@click.option("--ranks", type=click.IntRange(min=1), default=None,
              help="Bare question: ranks taking part.")
@click.option("--bandwidth", "gbps", type=_RATE, default=None,
              help="Bare question: bandwidth per rank and direction (450GB/s, 400G, 3.2Tb/s).")
@click.option("--latency", "alpha_s", type=_SECONDS, default=None,
              help="Bare question: latency of one step (3us); default the scale-out step of "
                   "infranet/data/collectives.csv.")
@click.option("--topology", "file", metavar="FILE", default=None,
              help="Placed group: the topology file the group runs on.")
@click.option("--group", "members", multiple=True, metavar="SITE[/CLUSTER][=N]",
              help="Placed group: a member (repeat); N ranks of that cluster (default all of "
                   "it; without CLUSTER, the site's first cluster that holds N).")
@click.option("--window", "window_bytes", type=_SIZE, default=None,
              help="Placed group: transport window of the DCI flows (4MiB): each flow is "
                   "capped at window / RTT.")
@click.option("--algorithm", type=click.Choice(_ALGORITHMS), default="auto",
              show_default=True,
              help="auto: the fastest valid algorithm in each tier; a flat algorithm runs in "
                   "every tier.")
@input_options
@output_format
def collective(op: str, size_bytes: float, ranks: int | None, gbps: float | None,
               alpha_s: float | None, file: str | None, members: tuple[str, ...],
               window_bytes: float | None, algorithm: str, input_format: str | None,
               capacity_unit: str | None, fmt: str) -> None:
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

    \b
    Examples:
      infranet collective --op allreduce --size 64MiB --ranks 8 --bandwidth 450GB/s --latency 3us
      infranet collective --size 1GB --ranks 64 --bandwidth 400G --algorithm ring --format json
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
        levels = [co.Level("flat", ranks, gbps, alpha)]
    result = co.collective(op, size_bytes, levels, algorithm=algorithm)
    data = result.to_dict()
    tiers = [dict(row) for row in data["levels"]]
    if fmt == "json":
        emit(data, fmt)
        return
    if fmt == "csv":
        emit(tiers, fmt)
        return
    head = {key: value for key, value in data.items() if key not in ("levels", "notes")}
    head["binding"] = data["binding"]["summary"]
    emit([head], fmt, title=f"{op} of {size_bytes:.6g} bytes per rank over {result.ranks} "
                            "ranks: time (ms), bandwidths (Gb/s; GB/s as nccl-tests)")
    emit(tiers, fmt, title="where the time goes, tier by tier (each tier's slowest member)")
    for note in data["notes"]:
        click.echo(f"note: {note}", err=True)
