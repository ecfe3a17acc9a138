"""``infranet fabric generate`` and ``infranet fabric report``."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import (
    BANDWIDTH,
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


class _Generate(click.Command):
    """``fabric generate``: its ``--accelerator`` help and its scale-out options come from the
    catalogue and the registry of designs (:attr:`infranet.fabrics.designs.Design.options`) when
    the command is used, so that ``infranet --help`` imports neither."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded = False

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if not self._loaded:
            self._loaded = True
            at = next(i for i, p in enumerate(self.params) if p.name == "scale_up")
            self.params[at:at] = [_accelerator_option(), *_design_options()]
        return super().get_params(ctx)


_TYPES: dict[str, Any] = {"integer": click.INT, "number": click.FLOAT}


def _accelerator_option() -> click.Option:
    from infranet import physics

    return click.Option(["--accelerator"], default="H100", show_default=True,
                        help="Accelerator from the catalogue: "
                             f"{', '.join(physics.accelerators())}.")


def _design_options() -> list[click.Option]:
    """One option per key of ``scale_out`` that a registered design reads, with its
    description, bounds and the designs that read it."""
    from infranet.fabrics import designs

    registry = designs.designs()
    options: dict[str, tuple[designs.Option, list[str]]] = {}
    for option in designs.COMMON_OPTIONS:
        options[option.name] = (option, [d.name for d in registry.values()
                                         if option.name in d.reads])
    for design in registry.values():
        for option in design.options:
            options.setdefault(option.name, (option, []))[1].append(design.name)
    out = []
    for name, (option, readers) in options.items():
        kind: Any = (BANDWIDTH if option.kind == "bandwidth" else _Dims()
                     if option.kind == "integers" else _TYPES[option.kind])
        unit = (" RATE is Gb/s, or a number with a unit (400G, 1.6T)."
                if option.kind == "bandwidth" else "")
        default = ("" if option.default is None or option.kind == "bandwidth"
                   else f" Default: {option.default:g}.")
        out.append(click.Option([f"--{name.replace('_', '-')}", name], type=kind, default=None,
                                help=f"{option.description}{unit}{default} Read by: "
                                     f"{', '.join(readers)}."))
    return out


@writes_files
@fabric.command(cls=_Generate)
@click.argument("kind", type=_Kinds())
@click.option("-o", "--output", required=True, metavar="FILE",
              help="Topology file to write (.yaml, .json; .geojson and node-link via --to; "
                   "'-' for standard output).")
@click.option("--to", "to_format", default=None,
              type=click.Choice(["yaml", "json", "nodelink", "geojson"]),
              help="Output format instead of guessing from the extension.")
@click.option("--count", type=click.INT, default=None,
              help="Accelerators (default: what the design holds, e.g. k^3/4 for a fat-tree).")
@click.option("--scale-up", "scale_up", default=None, metavar="nvswitch:N|torus:AxBxC",
              help="Scale-up domains, e.g. nvswitch:8, nvswitch:72 or torus:4x4x4 (default: "
                   "none; rail_optimized takes the accelerator's NVLink domain).")
@click.option("--dci", type=BANDWIDTH, default=None,
              help="Capacity from the cluster to the site's DCI gateway, per direction: Gb/s, "
                   "or a number with a unit (12.8T). Default: none (the cluster view then "
                   "refuses the cluster; the accelerator view gives each top switch one NIC "
                   "rate).")
@click.option("--site", default="dc", show_default=True, help="Name of the datacenter.")
@click.option("--location", default=None, metavar="LON,LAT",
              help="Where the datacenter is, e.g. -99.77,32.50.")
def generate(kind: str, output: str, to_format: str | None, accelerator: str, count: int | None,
             scale_up: str | None, site: str, location: str | None, dci: float | None,
             **scale_out: Any) -> None:
    """Write a topology file with one datacenter holding one KIND cluster.

    The file carries the cluster's spec; `infranet fabric report` and the solvers expand it
    into explicit switches and links, or use its per-tier summary. The spec is checked as
    `infranet validate` checks a file before anything is written: a fabric that cannot be
    built (a fat-tree of odd k, a Jellyfish whose ports cannot be wired) is refused. The design
    options are the keys of a cluster's scale_out (docs/format.md), each read by the designs
    its help names.

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
#: What each table of ``fabric report --what`` holds.
_REPORT_TABLES = (
    "clusters: one row per cluster, its headline figures (bisection, diameter, power, counts); "
    "tiers: one row per tier (scale_up, leaf, spine, core, direct, dci) of each cluster, "
    "measured on its explicit graph (from the closed form with --closed-form); summary_tiers: "
    "the same rows from the closed-form summary, to set beside the graph's.")
# what the per-cluster table leaves out: tables of their own, or repeats of other fields
_NOT_FLAT = ("tiers", "summary_tiers", "hop_stats", "bill_of_materials")


@fabric.command()
@click.argument("file")
@click.option("--site", default=None, help="Datacenter to report on (default: every one with "
                                           "a fabric).")
@click.option("--cluster", default=None, help="Only this cluster.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the sampled path statistics on large fabrics, and of the "
                   "partitioner that searches balanced cuts where a design's closed form is no "
                   "bisection.")
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
        flat = flatten({k: v for k, v in entry.items() if k not in _NOT_FLAT}, joiner="; ")
        emit([{"name": name, **flat}], fmt, transpose=True,
             title=f"{name}: fabric (bandwidth per direction; IT power of accelerators' systems, "
                   "switches and optics; facility power x PUE)")
        click.echo()
        emit(entry.get("tiers", []), fmt, title=f"{name}: tiers")


for _param in report.params:
    if _param.name == "what" and isinstance(_param, click.Option):
        _param.help = f"{_param.help} Tables: {_REPORT_TABLES}"


def _report_rows(data: dict[str, Any], what: str, flatten: Any) -> list[dict[str, Any]]:
    """One table of a fabric report: a row per cluster, or a row per tier of every cluster."""
    if what == "clusters":
        return [flatten({k: v for k, v in entry.items() if k not in _NOT_FLAT})
                for entry in data["clusters"]]
    return [{"site": entry["site"], "cluster": entry["cluster"], **row}
            for entry in data["clusters"] for row in entry.get(what, [])]
