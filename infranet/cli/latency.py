"""``infranet latency``."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import input_options, load, output_format, typed

_MATRIX_UNITS = {"latency": "ms", "length": "km", "hops": "hops"}


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
@click.option("--estimate", is_flag=True,
              help="With --from/--to: the RTT estimated from the two locations (over a "
                   "reference long-haul backbone), even where links join them.")
@input_options
@output_format
def latency(file: str, source: str | None, target: str | None, matrix: bool, rtt: bool,
            kind: str | None, per_link: bool, k: int | None, disjoint: str | None, weight: str,
            estimate: bool, input_format: str | None, capacity_unit: str | None,
            fmt: str) -> None:
    """Latency between sites: one pair (--from/--to), all pairs (--matrix) or per link (--links).

    FILE may be - for standard input. Every latency is that of fiber and equipment along the
    modelled path, a floor without queueing: one way, propagation in the fiber (length x the
    medium's µs/km) plus equipment (amplifier sites, transponder/FEC, extra); RTT is twice the
    one-way latency. Tables say which in their title, JSON in "basis" and "quantity", CSV in
    its headers. --rtt and --kind go with --matrix.

    With --estimate, a pair query gives the median RTT estimated from the two sites' locations
    (access legs and a path over a reference long-haul backbone, calibrated on measured
    inter-region RTTs), with "basis": "estimate", and the fiber RTT beside it where links join
    the two, so that the two can be compared. Without it, a pair that no path joins is an error.

    \b
    Examples:
      infranet latency topologies/us-backbone.yaml --from ashburn --to san-jose
      infranet latency topologies/us-backbone.yaml --from ashburn --to san-jose -k 3
      infranet latency topologies/us-backbone.yaml --from ashburn --to san-jose --estimate
      infranet latency topologies/texas-mesh.yaml --from abilene --to temple --disjoint srlg
      infranet latency topologies/us-backbone.yaml --matrix --kind datacenter --rtt
      infranet latency topologies/texas-ring.yaml --links --format csv
    """
    from infranet.algorithms import latency as lat
    from infranet.output import emit

    modes = sum([bool(source or target), matrix, per_link])
    if modes != 1:
        raise click.UsageError("give exactly one of --from/--to, --matrix or --links")
    if (source or target) and not (source and target):
        raise click.UsageError("--from and --to go together")
    if (k or disjoint) and not source:
        raise click.UsageError("-k and --disjoint go with --from/--to")
    if (rtt or kind) and not matrix:
        raise click.UsageError("--rtt and --kind go with --matrix (a pair query gives its RTT "
                               "already)")
    if estimate and not source:
        raise click.UsageError("--estimate goes with --from/--to")
    if estimate and (k or disjoint or typed("weight")):
        raise click.UsageError("--estimate gives one RTT; it does not go with -k, --disjoint "
                               "or --weight")
    if per_link and typed("weight"):
        raise click.UsageError("--weight goes with --from/--to and --matrix, not --links")
    topo = load(file, input_format, capacity_unit)
    if per_link:
        rows = lat.link_latency(topo).to_dict("records")
        emit(rows, fmt, title=f"one-way latency of each link, term by term (ms): {lat.BASIS}")
    elif matrix:
        _matrix(lat.latency_matrix(topo, kind=kind, weight=weight), weight, rtt, kind, fmt)
    else:
        assert source is not None and target is not None  # checked above: a pair query
        if estimate:
            _estimate(topo, source, target, fmt)
            return
        if disjoint:
            paths = lat.disjoint_paths(topo, source, target, k or 2, by=disjoint, weight=weight)
        elif k:
            paths = lat.k_shortest_paths(topo, source, target, k, weight=weight)
        else:
            paths = [lat.shortest_path(topo, source, target, weight=weight)]
        _paths([p.to_dict() for p in paths], weight, single=not (disjoint or k), fmt=fmt)


def _estimate(topo: Any, source: str, target: str, fmt: str) -> None:
    from infranet.algorithms.rtt import ESTIMATE_METHOD, site_rtt
    from infranet.output import emit

    data = site_rtt(topo, source, target, estimate=True).to_dict()
    if fmt == "json":
        emit(data, fmt)
        return
    columns = ["from", "to", "rtt_ms", "one_way_ms", "basis", "fiber_rtt_ms",
               "great_circle_km"]
    row = {key: data[key] for key in columns}
    emit(data, fmt, rows=[row], columns=columns,
         title=f"estimated RTT from {source} to {target} (ms): {ESTIMATE_METHOD}; "
               "fiber_rtt_ms is the RTT along the topology's fiber, a floor without queueing")


def _paths(paths: list[dict[str, Any]], weight: str, *, single: bool, fmt: str) -> None:
    from infranet.algorithms.latency import BASIS
    from infranet.output import emit

    basis = next((p["basis"] for p in paths if isinstance(p.get("basis"), str)), BASIS)
    data: Any = paths[0] if single else paths
    if fmt == "json":
        emit(data, fmt)
        return
    columns = [key for key in paths[0] if key != "basis"]
    least = {"latency": "lowest-latency", "length": "shortest", "hops": "fewest-hop"}[weight]
    title = (f"{least} path{'' if single else 's'} from {paths[0]['from']} to "
             f"{paths[0]['to']}: one-way latency and RTT (ms) of {basis}")
    emit(data, fmt, rows=paths, columns=columns, title=title)


def _matrix(frame: Any, weight: str, rtt: bool, kind: str | None, fmt: str) -> None:
    from infranet.algorithms.latency import BASIS
    from infranet.output import emit

    basis = frame.attrs.get("basis", BASIS) if weight == "latency" else BASIS
    if rtt:
        frame = frame * 2.0
    unit = _MATRIX_UNITS[weight]
    if weight == "latency":
        quantity = "rtt" if rtt else "one_way"
        key = f"{quantity}_ms"
        what = "RTT" if rtt else "one-way latency"
        title = f"{what} (ms) from each site (row) to each site (column): {basis}"
    else:
        quantity = "length" if weight == "length" else "hops"
        key = "length_km" if weight == "length" else "hops"
        what = "route length (km)" if weight == "length" else "hops"
        title = f"{what} of the {'shortest' if weight == 'length' else 'fewest-hop'} path from " \
                "each site (row) to each site (column)"
        if rtt:
            title += ", both ways"
            key = f"round_trip_{key}"
    if kind:
        title = f"{kind}s: {title}"
    data = {"unit": unit, "quantity": "rtt" if rtt else "one_way", "basis": basis
            if weight == "latency" else f"{what} along the modelled path",
            "sites": list(frame.index), "matrix": frame.to_numpy().tolist()}
    if weight != "latency":
        data["measure"] = quantity
    first = f"{key} (from \\ to)"
    rows = [{first: name, **{c: frame.loc[name, c] for c in frame.columns}}
            for name in frame.index]
    emit(data, fmt, rows=rows, columns=[first, *map(str, frame.columns)], title=title,
         quantity=key)
