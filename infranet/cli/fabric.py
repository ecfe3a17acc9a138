"""``infranet fabric generate`` and ``infranet fabric report``."""

from __future__ import annotations

import sys
from typing import Any

import click

from infranet.cli._options import input_options, load, output_format


class _Kinds(click.Choice):
    """The registered scale-out designs, looked up when the command runs (so that
    ``infranet --help`` imports no fabric code)."""

    def __init__(self) -> None:
        super().__init__([])

    def _load(self) -> None:
        if not self.choices:
            from infranet.fabrics.designs import names

            self.choices = list(names())

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


class _Bandwidth(click.ParamType):
    """A bandwidth in Gb/s, or a string with a unit (400G, 12.8 Tb/s)."""

    name = "RATE"

    def convert(self, value, param, ctx):
        from infranet.errors import ValidationError
        from infranet.units import parse

        if isinstance(value, float):
            return value
        try:
            rate = parse(value, "bandwidth")
        except ValidationError as err:
            self.fail(err.detail, param, ctx)
        if rate <= 0:
            self.fail(f"must be > 0, got {value!r}", param, ctx)
        return rate


@click.group()
def fabric() -> None:
    """Scale-up and scale-out fabrics: generate cluster designs, report on them.

    \b
    Examples:
      infranet fabric generate fat_tree --k 8 -o ft8.yaml
      infranet fabric generate rail_optimized --count 1024 --scale-up nvswitch:8 -o su.yaml
      infranet fabric report topologies/h100-superpod.yaml --format json
    """


@fabric.command()
@click.argument("kind", type=_Kinds())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Topology file to write (.yaml, .json; .geojson and node-link via --to).")
@click.option("--to", "to_format", default=None,
              type=click.Choice(["yaml", "json", "nodelink", "geojson"]),
              help="Output format instead of guessing from the extension.")
@click.option("--accelerator", default="H100", show_default=True,
              help="Accelerator from the catalogue (H100, H200, B200, GB200, GB300, TPUv5p, ...).")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Accelerators (default: what the design holds, e.g. k^3/4 for a fat-tree).")
@click.option("--scale-up", "scale_up", default=None, metavar="nvswitch:N|torus:AxBxC",
              help="Scale-up domains, e.g. nvswitch:8, nvswitch:72 or torus:4x4x4.")
@click.option("--nic", type=_Bandwidth(), default=None, help="NIC rate per accelerator.")
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
@click.option("--dci", type=_Bandwidth(), default=None,
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
    click.echo(f"wrote {output}: {cluster['count']:,} {accelerator} on a {kind} fabric", err=True)


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
def report(file: str, site: str | None, cluster: str | None, seed: int, closed_form: bool,
           input_format: str | None, capacity_unit: str | None, fmt: str) -> None:
    """Analyse the fabrics of a topology file's clusters.

    Per cluster: accelerators, switches per tier, links, transceivers, IT power (the
    accelerators' share of their published system, switches, optics) and facility power (x the
    site's PUE), bisection bandwidth (computed from the graph by a minimum cut, beside the closed
    form), diameter in hops and µs, average path length, ECMP path diversity (exact counts of
    equal-cost paths between sampled pairs), and the per-tier summary (bandwidth per
    accelerator, oversubscription, latency). A fabric too large to hold as a graph is refused;
    --closed-form reports any size from the formulas alone.
    """
    from infranet.fabrics.report import fabric_report
    from infranet.report import emit

    topo = load(file, input_format, capacity_unit)
    with _progress() as progress:
        result = fabric_report(topo, site=site, cluster=cluster, seed=seed,
                               graph=not closed_form, progress=progress)
    data = result.to_dict()
    if fmt == "json":
        emit(data, fmt)
        return
    for entry in data["clusters"]:
        emit([_flat(entry)], fmt, transpose=fmt == "table",
             title=f"{entry['site']}/{entry['cluster']}" if fmt == "table" else None)
        emit(entry["tiers"], fmt, title="tiers" if fmt == "table" else None)


_SHOWN = ("site", "cluster", "accelerator", "kind", "accelerators", "switches",
          "switches_per_tier", "links", "transceivers", "bisection_gbps",
          "bisection_closed_form_gbps", "bisection_gbps_per_accelerator", "binding",
          "diameter_hops", "diameter_us", "average_hops", "ecmp_paths", "it_power_kw", "pue",
          "facility_power_mw", "power_kw_by_part", "notes")


def _flat(entry: dict[str, Any]) -> dict[str, Any]:
    """One row per cluster for the table and CSV: nested values written out."""
    row = {key: entry.get(key) for key in _SHOWN if key in entry}
    for key in ("switches_per_tier", "transceivers"):
        row[key] = ", ".join(f"{k}: {v:,}" for k, v in (entry.get(key) or {}).items())
    if entry.get("bisection_bound"):
        row["bisection_gbps"] = f"{entry['bisection_gbps']:,.1f} ({entry['bisection_bound']} bound)"
    if entry.get("bisection_closed_form_bound"):
        closed = entry["bisection_closed_form_gbps"]
        row["bisection_closed_form_gbps"] = (
            f"{closed:,.1f} ({entry['bisection_closed_form_bound']} bound)"
            if closed is not None else entry["bisection_closed_form_bound"])
    if "ecmp_paths" in entry:
        row["ecmp_paths"] = "; ".join(
            f"{name}: {c['pairs']} pairs, paths min {c['min']:,} / median {c['median']:,} / "
            f"max {c['max']:,} (mean {c['mean']:,.4g})"
            for name, c in entry["ecmp_paths"].items()
            if isinstance(c, dict) and c.get("pairs"))
    parts = entry.get("power_kw_by_part") or {}
    row["power_kw_by_part"] = ", ".join(
        f"{k}: {'unknown' if v is None else f'{v:,.1f}'}" for k, v in parts.items())
    row["binding"] = (entry.get("binding") or {}).get("summary")
    row["notes"] = "; ".join(entry.get("notes") or ()) or None
    return row


class _progress:
    """A rich progress bar on stderr while fabrics are measured (only on a terminal)."""

    def __enter__(self):
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._bar.start()
        self._task = self._bar.add_task("fabric report", total=1)

        def update(what: str, done: int, total: int) -> None:
            self._bar.update(self._task, description=what, completed=done, total=total)

        return update

    def __exit__(self, *exc) -> None:
        if hasattr(self, "_bar"):
            self._bar.stop()
