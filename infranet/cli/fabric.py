"""``infranet fabric generate`` and ``infranet fabric report``."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import (
    Rate,
    input_options,
    load,
    output_format,
    what_option,
    writes_files,
)


class _Kinds(click.Choice):
    """The registered scale-out designs, looked up when the command runs (so that
    ``infranet --help`` imports no fabric code)."""

    def __init__(self) -> None:
        super().__init__([])

    def _load(self) -> None:
        if not self.choices:
            from infranet.fabrics.designs import names

            self.choices = tuple(names())

    def convert(self, value, param, ctx):
        self._load()
        return super().convert(value, param, ctx)

    def get_metavar(self, param, *args, **kwargs):
        self._load()
        return super().get_metavar(param, *args, **kwargs)


class _Dims(click.ParamType):
    """Torus dimensions written ``16x16x16`` (or ``16,16,16``)."""

    name = "DIMS"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = str(value).replace(",", "x").split("x")
        try:
            dims = tuple(int(p) for p in parts)
        except ValueError:
            self.fail(f"{value!r} is not like 16x16x16", param, ctx)
        if not 1 <= len(dims) <= 3 or min(dims) < 1:
            self.fail(f"{value!r}: give 1 to 3 positive sizes, like 16x16x16", param, ctx)
        return dims


@click.group()
def fabric() -> None:
    """Scale-up and scale-out fabrics: generate cluster designs, report on them.

    \b
    Examples:
      infranet fabric generate fat_tree --k 8 -o ft8.yaml
      infranet fabric generate rail_optimized --count 1024 --scale-up nvswitch:8 -o su.yaml
      infranet fabric report topologies/h100-superpod.yaml --format json
    """


@writes_files
@fabric.command()
@click.argument("kind", type=_Kinds())
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Topology file to write (.yaml, .json; .geojson and node-link via --to; "
                   "'-' for standard output).")
@click.option("--to", "to_format", default=None,
              type=click.Choice(["yaml", "json", "nodelink", "geojson"]),
              help="Output format instead of guessing from the extension.")
@click.option("--accelerator", default="H100", show_default=True,
              help="Accelerator from the catalogue (H100, H200, B200, GB200, GB300, TPUv5p, ...).")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Accelerators (default: what the design holds, e.g. k^3/4 for a fat-tree).")
@click.option("--scale-up", "scale_up", default=None, metavar="nvswitch:N|torus:AxBxC",
              help="Scale-up domains, e.g. nvswitch:8, nvswitch:72 or torus:4x4x4.")
@click.option("--nic", type=Rate(), default=None, help="NIC rate per accelerator.")
@click.option("--radix", type=click.IntRange(min=2), default=None, help="Ports per switch.")
@click.option("--oversubscription", type=click.FloatRange(min=1.0), default=None,
              help="Down over up capacity at the leaves (leaf_spine, rail_optimized).")
@click.option("--k", type=click.IntRange(min=2), default=None, help="Fat-tree arity.")
@click.option("--servers-per-su", type=click.IntRange(min=1), default=None,
              help="Servers (scale-up domains) per scalable unit (rail_optimized; default "
                   "radix/2).")
@click.option("--a", "a", type=click.IntRange(min=1), default=None,
              help="Dragonfly routers per group.")
@click.option("--p", "p", type=click.IntRange(min=1), default=None,
              help="Dragonfly accelerators per router.")
@click.option("--h", "h", type=click.IntRange(min=1), default=None,
              help="Dragonfly global links per router.")
@click.option("--groups", type=click.IntRange(min=2), default=None, help="Dragonfly groups.")
@click.option("--switches", type=click.IntRange(min=2), default=None, help="Jellyfish switches.")
@click.option("--ports", type=click.IntRange(min=2), default=None,
              help="Jellyfish ports per switch.")
@click.option("--hosts-per-switch", type=click.IntRange(min=1), default=None,
              help="Jellyfish accelerators per switch.")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Jellyfish seed.")
@click.option("--dims", type=_Dims(), default=None, help="Torus dimensions, e.g. 8x8x8.")
@click.option("--dci", type=Rate(), default=None,
              help="Capacity from the cluster to the site's DCI gateway.")
@click.option("--site", default="dc", show_default=True, help="Name of the datacenter.")
@click.option("--location", default=None, metavar="LON,LAT",
              help="Where the datacenter is, e.g. -99.77,32.50.")
def generate(kind: str, output: str, to_format: str | None, accelerator: str, count: int | None,
             scale_up: str | None, site: str, location: str | None, dci: float | None,
             **scale_out) -> None:
    """Write a topology file with one datacenter holding one KIND cluster.

    The file carries the cluster's spec; `infranet fabric report` and the solvers expand it
    into explicit switches and links, or use its per-tier summary.

    \b
    Examples:
      infranet fabric generate fat_tree --k 16 -o ft16.yaml
      infranet fabric generate leaf_spine --count 2048 --radix 64 -o ls.yaml
    """
    import infranet.io
    from infranet.fabrics.spec import cluster_topology

    up = _scale_up(scale_up)
    where = _location(location)
    if scale_out.get("dims") is not None:
        scale_out["dims"] = list(scale_out["dims"])
    topo = cluster_topology(kind, accelerator=accelerator, count=count, site=site,
                            location=where, scale_up=up, dci_gbps=dci, **scale_out)
    infranet.io.write(topo, output, format=to_format)
    cluster = topo.site(site)["clusters"][0]
    written = "standard output" if output == "-" else output
    click.echo(f"wrote {written}: {cluster['count']:,} {accelerator} on a {kind} fabric",
               err=True)


def _scale_up(text: str | None) -> dict | None:
    if not text:
        return None
    kind, _, size = text.partition(":")
    if kind == "nvswitch":
        if not size:
            return {"kind": "nvswitch"}
        if not size.isdigit() or int(size) < 1:
            raise click.BadParameter(f"{text!r}: write nvswitch:N, e.g. nvswitch:72",
                                     param_hint="--scale-up")
        return {"kind": "nvswitch", "domain": int(size)}
    if kind == "torus":
        dims = _Dims().convert(size, None, None) if size else None
        if not dims:
            raise click.BadParameter(f"{text!r}: write torus:AxBxC", param_hint="--scale-up")
        return {"kind": "torus", "dims": list(dims)}
    raise click.BadParameter(f"{text!r}: use nvswitch:N or torus:AxBxC",
                             param_hint="--scale-up")


def _location(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: write LON,LAT, e.g. -99.77,32.50",
                                 param_hint="--location") from None
    return lon, lat


_REPORT_PARTS = ("clusters", "tiers", "summary_tiers")
# what the per-cluster table leaves out: tables of their own, or repeats of other fields
_NOT_FLAT = ("tiers", "summary_tiers", "hop_stats", "bill_of_materials")


@fabric.command()
@click.argument("file")
@click.option("--site", default=None, help="Datacenter to report on (default: every one with "
                                           "a fabric).")
@click.option("--cluster", default=None, help="Only this cluster.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for sampled path statistics on large fabrics.")
@click.option("--closed-form", "closed_form", is_flag=True,
              help="Closed-form summaries and power only: no explicit graph (any size).")
@input_options
@output_format
@what_option(_REPORT_PARTS, csv_default="clusters (one row per cluster)",
             table_default="each cluster's figures and its tiers")
def report(file: str, site: str | None, cluster: str | None, seed: int, closed_form: bool,
           input_format: str | None, capacity_unit: str | None, fmt: str,
           what: str | None) -> None:
    """Analyse the fabrics of a topology file's clusters.

    Per cluster: accelerators, switches per tier, links, transceivers, IT power (the
    accelerators' share of their published system, switches, optics) and facility power (x the
    site's PUE), bisection bandwidth (computed from the graph by a minimum cut, beside the closed
    form), diameter in hops and µs, average path length, ECMP path diversity (exact counts of
    equal-cost paths between sampled pairs), and the per-tier summary (bandwidth per
    accelerator, oversubscription, latency). A fabric too large to hold as a graph is refused;
    --closed-form reports any size from the formulas alone.

    \b
    Examples:
      infranet fabric report topologies/h100-superpod.yaml
      infranet fabric report topologies/gb200-nvl72-cluster.yaml --format json
      infranet fabric report topologies/h100-superpod.yaml --what tiers --format csv
      infranet fabric report topologies/texas-ring.yaml --closed-form
    """
    from infranet.fabrics.report import fabric_report
    from infranet.output import emit, flatten, progress

    topo = load(file, input_format, capacity_unit)
    with progress("fabric report") as update:
        result = fabric_report(topo, site=site, cluster=cluster, seed=seed,
                               graph=not closed_form, progress=update)
    data = result.to_dict()
    if fmt == "json":
        emit(data if what is None else _report_rows(data, what, flatten), fmt)
        return
    if fmt == "csv" or what is not None:
        emit(_report_rows(data, what or "clusters", flatten), fmt)
        return
    for i, entry in enumerate(data["clusters"]):
        name = f"{entry['site']}/{entry['cluster']}"
        if i:
            click.echo()
        flat = flatten({k: v for k, v in entry.items() if k not in _NOT_FLAT})
        emit([{"name": name, **flat}], fmt, transpose=True,
             title=f"{name}: fabric (bandwidth per direction; IT power of accelerators' systems, "
                   "switches and optics; facility power x PUE)")
        click.echo()
        emit(entry.get("tiers", []), fmt, title=f"{name}: tiers")


def _report_rows(data: dict[str, Any], what: str, flatten: Any) -> list[dict[str, Any]]:
    """One table of a fabric report: a row per cluster, or a row per tier of every cluster."""
    if what == "clusters":
        return [flatten({k: v for k, v in entry.items() if k not in _NOT_FLAT})
                for entry in data["clusters"]]
    return [{"site": entry["site"], "cluster": entry["cluster"], **row}
            for entry in data["clusters"] for row in entry.get(what, [])]
