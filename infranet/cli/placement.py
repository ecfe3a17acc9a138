"""``infranet place``: where workloads run on a topology's datacenters."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import (
    Quantity,
    input_options,
    job_options,
    load,
    output_format,
    what_option,
)


@click.group()
def place() -> None:
    """Place workloads on sites: place training, place inference."""


@place.command()
@click.argument("file")
@click.option("--job", "job_file", default=None, metavar="JOB.yaml",
              help="Read the job from a file (docs/job.md) instead of the options below; its "
                   "sites, when given, are the candidates.")
@click.option("--sites", "candidates", default=None, metavar="SITE[,SITE...]",
              help="Candidate datacenters (SITE) or clusters (SITE/CLUSTER) (default: every "
                   "datacenter).")
@click.option("--objective", type=click.Choice(["time", "cost"]), default="time",
              show_default=True,
              help="Least step time, or least cost per step (cost_per_accelerator_hour).")
@click.option("--max-sites", type=click.IntRange(min=1), default=None, metavar="N",
              help="Clusters the job may span at most (default: 4).")
@job_options(exclude=("sites", "solve", "target_efficiency", "search"))
@what_option(("summary", "members", "power", "alternatives"),
             csv_default="members (one row per cluster chosen)", table_default="all of them")
@input_options
@output_format
def training(file: str, job_file: str | None, candidates: str | None, objective: str,
             max_sites: int | None, what: str | None, input_format: str | None,
             capacity_unit: str | None, fmt: str, **fields: Any) -> None:
    """Choose the datacenters and accelerators per site that run a training job fastest
    (or cheapest), within each site's available accelerators and power and the DCI between
    them.

    Give the job in a file (--job) or as --model and --accelerators (and, optionally, the
    other job options below; without --parallelism the fastest mappings are searched). The
    JSON gives step_s, sites (datacenter -> accelerators), objective, tokens_per_s, mfu,
    dci_gbps, dci_one_way_ms, dci_share, cost_per_step and cost_per_hour (when every chosen
    cluster has cost_per_accelerator_hour), power_mw (site -> the job's facility MW),
    members, power, parallelism, alternatives (the runners-up and why each is worse),
    binding and notes (also on stderr as "note: ..."); docs/placement.md describes it.

    \b
    Examples:
      infranet place training topologies/texas-mesh.yaml \\
          --job examples/jobs/texas-vdc-training.yaml
      infranet place training topologies/texas-mesh.yaml --model llama3-70b \\
          --accelerators 8192 --parallelism tp=8,pp=8 --format json
    """
    from dataclasses import replace

    from infranet.errors import ValidationError, printable
    from infranet.planning.placement import MAX_SITES, place_training
    from infranet.workloads.job import job_from_mapping, read_job

    def flag(name: str) -> str:
        return "--" + name.replace("_", "-")

    given = {k: v for k, v in fields.items() if v is not None}
    if job_file is not None:
        if given:
            raise click.UsageError(f"give the job in {job_file} or as options, not both "
                                   f"({', '.join(flag(k) for k in given)})")
        job = read_job(job_file, check=False, search_missing=True)
    else:
        if "model" not in given or "accelerators" not in given:
            raise click.UsageError("give the job: --job JOB.yaml, or --model NAME and "
                                   "--accelerators N")
        if "parallelism" not in given:
            given["search"] = "parallelism"
        job = job_from_mapping(given, check=False)
    if candidates is not None:
        job = replace(job, sites=tuple(s.strip() for s in candidates.split(",") if s.strip()))
    # The placement may span sites: judge the job's fields as a job over several.
    spanning = replace(job, sites=("a", "b"))
    ignored = spanning.conflicts(flag if job_file is None else str)
    if ignored and job_file is None:
        raise click.UsageError("; ".join(why for _, why in ignored))
    if ignored:
        name, why = ignored[0]
        raise ValidationError(why, file=job_file, element="job", field=name)
    topology = load(file, input_format, capacity_unit)
    result = place_training(topology, job, objective=objective,
                            max_sites=MAX_SITES if max_sites is None else max_sites)
    data = result.to_dict()
    for note in data["notes"]:
        click.echo(f"note: {printable(note)}", err=True)
    spread = ", ".join(f"{site} {n:,}" for site, n in data["sites"].items())
    title = (f"{data['model']} on {data['accelerators']:,} {data['accelerator']} ({spread}): "
             f"{data['binding']['summary']}")
    summary = {k: v for k, v in data.items()
               if not isinstance(v, (dict, list)) and k not in ("model", "accelerator")}
    summary.update(data["parallelism"])
    summary.update({"sites": data["sites"], "power_mw": data["power_mw"],
                    "dci_cut": data["dci_cut"], "binding": data["binding"]["summary"]})
    _tables(data, fmt, what, "members", {
        "summary": ([summary], title, True),
        "members": (data["members"], "clusters chosen", False),
        "power": (data["power"], "power per site (facility, MW)", False),
        "alternatives": (data["alternatives"], "runners-up, best first", False)})


def _tables(data: dict[str, Any], fmt: str, what: str | None, csv_default: str,
            tables: dict[str, tuple[list[dict[str, Any]], str, bool]]) -> None:
    """Print a result's tables: JSON the whole result; CSV one table (`what`, else
    `csv_default`); the table format every one (or `what` alone), the first under the title."""
    from infranet.output import emit

    if fmt == "json":
        emit(data, fmt)
        return
    names = [what or csv_default] if fmt != "table" or what else list(tables)
    for name in names:
        rows, title, transpose = tables[name]
        if rows or fmt != "table":
            emit(data, fmt, rows=rows, title=title, transpose=transpose and fmt == "table")


@place.command()
@click.argument("file")
@click.option("--service", "service_file", required=True, metavar="SERVICE.yaml",
              help="The inference service (docs/service.md): model, demand, token counts, "
                   "SLOs.")
@click.option("--regions", "regions_file", default=None, metavar="POINTS",
              help="User regions as points, a CSV (name,lon,lat,weight) or a GeoJSON file of "
                   "Points (default: the topology's region sites); their RTT to each site is "
                   "estimated from the locations.")
@click.option("--survive-site-loss/--no-survive-site-loss", default=None,
              help="N+1: every region also gets a backup site within its SLO, and the sites "
                   "carry the load of any one site's loss (default: the service's own).")
@click.option("--objective", type=click.Choice(["accelerators", "cost"]),
              default="accelerators", show_default=True,
              help="Fewest accelerators, or least cost per hour (cost_per_accelerator_hour).")
@click.option("--accelerator", default=None, metavar="TYPE",
              help="Serve only on this accelerator type (default: the service's, else each "
                   "site's most plentiful).")
@click.option("--time-limit", type=Quantity("time", unit="s", metavar="DURATION",
                                             example="30s or 500ms", positive=True),
              default=None,
              help="Stop the MILPs after this long in all and give the best placement found, "
                   "with its gap (e.g. 30s).")
@what_option(("summary", "sites", "operating", "regions"),
             csv_default="regions (one row per region)", table_default="all of them")
@input_options
@output_format
def inference(file: str, service_file: str, regions_file: str | None,
              survive_site_loss: bool | None, objective: str, accelerator: str | None,
              time_limit: float | None, what: str | None, input_format: str | None,
              capacity_unit: str | None, fmt: str) -> None:
    """Choose the sites that host an inference service's replicas, the accelerators at each,
    and the site (and backup) that serves each user region, at the fewest accelerators (or
    least cost) such that every region's p99 time to first token (network + queueing +
    prefill) and time per output token stay within the SLOs, within each site's available
    accelerators and power.

    RTTs run along the topology's fiber where a path joins a region to a site, and are
    estimated from the locations otherwise (each region's basis says which). The MILP is
    HiGHS's. The JSON gives total_accelerators, cost_per_hour, total_wan_gbps, status, gap,
    binding, sites (site -> accelerators), regions (region -> site, backup, rtt_ms, basis,
    network_ms, queue_ms, prefill_ms, ttft_ms, tpot_ms, slack_ms), wan_gbps (site -> Gb/s),
    reserve, replicas and operating (each site's replica load);
    docs/inference-placement.md describes it.

    \b
    Examples:
      infranet place inference topologies/us-backbone.yaml \\
          --service examples/service-llama3-70b.yaml
      infranet place inference topologies/us-backbone.yaml \\
          --service examples/service-llama3-70b.yaml --survive-site-loss --format json
      infranet place inference topologies/us-backbone.yaml \\
          --service examples/service-llama3-70b.yaml --regions examples/regions/us-metros.csv
    """
    from infranet.errors import counted, printable
    from infranet.planning.serving import place_inference
    from infranet.workloads.service import read_service

    service = read_service(service_file)
    regions = None
    if regions_file is not None:
        from infranet.io.regions import read_regions

        regions = read_regions(regions_file)
    topology = load(file, input_format, capacity_unit)
    result = place_inference(topology, service, regions=regions,
                             survive_site_loss=survive_site_loss, objective=objective,
                             accelerator=accelerator, time_limit_s=time_limit)
    data = result.to_dict()
    for note in data["notes"]:
        click.echo(f"note: {printable(note)}", err=True)
    spread = ", ".join(f"{site} {n:,}" for site, n in data["sites"].items())
    title = (f"{data['service']} ({data['model']}): "
             f"{counted(data['total_accelerators'], 'accelerator')} ({spread}); "
             f"{data['binding']['summary']}")
    rows = [{"region": name, **entry} for name, entry in data["regions"].items()]
    summary = {k: v for k, v in data.items() if not isinstance(v, (dict, list))}
    summary["binding"] = data["binding"]["summary"]
    sites = []
    for site, n in data["sites"].items():
        row: dict[str, Any] = {"site": site, "accelerators": n}
        for kind in ("prefill_sites", "decode_sites"):
            if data[kind] is not None:
                row[kind.split("_")[0]] = data[kind].get(site, 0)
        reserve = data["reserve"].get(site) or {}
        row.update({"replicas": data["replicas"].get(site), "reserve_rps": reserve.get("rps"),
                    "reserve_for": reserve.get("for"), "wan_gbps": data["wan_gbps"].get(site),
                    **(data["wan"].get(site) or {})})
        sites.append(row)
    _tables(data, fmt, what, "regions", {
        "summary": ([summary], title, True),
        "sites": (sites, "sites: accelerators, N+1 reserve and WAN (Gb/s)", False),
        "operating": ([{"site": site, **op} for site, op in data["operating"].items()],
                      "each candidate's operating point: the load its replicas run at", False),
        "regions": (rows, "regions: p99 time to first token part by part (ms)", False)})
