"""``infranet latency``."""

from __future__ import annotations

import click

from infranet.cli._options import input_options, load, output_format


@click.command()
@click.argument("file")
@click.option("--from", "source", metavar="SITE", help="Source site of a pair query.")
@click.option("--to", "target", metavar="SITE", help="Target site of a pair query.")
@click.option("--matrix", is_flag=True, help="All-pairs one-way latency matrix in ms.")
@click.option("--rtt", is_flag=True, help="With --matrix: round-trip times instead.")
@click.option("--kind", type=click.Choice(["datacenter", "pop", "region"]), default=None,
              help="With --matrix: only sites of this kind.")
@click.option("--links", "per_link", is_flag=True, help="Per-link latency breakdown.")
@click.option("-k", "--k-paths", "k", type=click.IntRange(min=1), default=None,
              help="With --from/--to: the K lowest-latency paths.")
@click.option("--disjoint", type=click.Choice(["link", "srlg"]), default=None,
              help="With --from/--to: K (default 2) paths sharing no link / no shared-risk group.")
@click.option("--weight", type=click.Choice(["latency", "length", "hops"]), default="latency",
              show_default=True, help="What the paths minimise.")
@input_options
@output_format
def latency(file: str, source: str | None, target: str | None, matrix: bool, rtt: bool,
            kind: str | None, per_link: bool, k: int | None, disjoint: str | None, weight: str,
            input_format: str | None, capacity_unit: str | None, fmt: str) -> None:
    """Latency between sites: one pair (--from/--to), all pairs (--matrix) or per link (--links).

    One-way latency is propagation in the fiber (length x the medium's µs/km) plus equipment
    (amplifier sites, transponder/FEC, extra); RTT is twice the one-way latency.

    \b
    Examples:
      infranet latency topologies/us-backbone.yaml --from ashburn --to san-jose
      infranet latency topologies/us-backbone.yaml --from ashburn --to san-jose -k 3
      infranet latency topologies/texas-mesh.yaml --from abilene --to temple --disjoint srlg
      infranet latency topologies/us-backbone.yaml --matrix --kind datacenter --rtt
    """
    from infranet.algorithms import latency as lat
    from infranet.report import emit

    modes = sum([bool(source or target), matrix, per_link])
    if modes != 1:
        raise click.UsageError("give exactly one of --from/--to, --matrix or --links")
    if (source or target) and not (source and target):
        raise click.UsageError("--from and --to go together")
    if (k or disjoint) and not source:
        raise click.UsageError("-k and --disjoint go with --from/--to")
    topo = load(file, input_format, capacity_unit)
    if per_link:
        table = lat.link_latency(topo)
        emit(table.to_dict("records"), fmt)
    elif matrix:
        frame = lat.latency_matrix(topo, kind=kind, weight=weight)
        if rtt:
            frame = frame * 2.0
        data = {"unit": "ms" if weight == "latency" else ("km" if weight == "length" else "hops"),
                "quantity": "rtt" if rtt else "one_way", "sites": list(frame.index),
                "matrix": frame.to_numpy().tolist()}
        rows = [{"site": name, **{c: frame.loc[name, c] for c in frame.columns}}
                for name in frame.index]
        emit(data, fmt, rows=rows)
    elif disjoint:
        paths = lat.disjoint_paths(topo, source, target, k or 2, by=disjoint, weight=weight)
        emit([p.to_dict() for p in paths], fmt)
    elif k:
        paths = lat.k_shortest_paths(topo, source, target, k, weight=weight)
        emit([p.to_dict() for p in paths], fmt)
    else:
        path = lat.shortest_path(topo, source, target, weight=weight)
        emit(path.to_dict(), fmt, transpose=False)
