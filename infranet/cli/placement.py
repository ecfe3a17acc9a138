"""``infranet place``: where workloads run on a topology's datacenters."""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import input_options, job_options, load, output_format


@click.group()
def place() -> None:
    """Place workloads on sites: place training."""


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
@input_options
@output_format
def training(file: str, job_file: str | None, candidates: str | None, objective: str,
             max_sites: int | None, input_format: str | None, capacity_unit: str | None,
             fmt: str, **fields: Any) -> None:
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
    from infranet.output import emit
    from infranet.planning.placement import MAX_SITES, place_training
    from infranet.workloads.job import job_from_mapping, read_job

    def flag(name: str) -> str:
        return "--" + name.replace("_", "-")

    given = {k: v for k, v in fields.items() if v is not None}
    if job_file is not None:
        if given:
            raise click.UsageError(f"give the job in {job_file} or as options, not both "
                                   f"({', '.join(flag(k) for k in given)})")
        job = read_job(job_file, check=False)
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
    if fmt != "table":
        emit(data, fmt, rows=data["members"], title=title)
        return
    summary = {k: v for k, v in data.items()
               if not isinstance(v, (dict, list)) and k not in ("model", "accelerator")}
    summary.update(data["parallelism"])
    summary.update({"sites": data["sites"], "power_mw": data["power_mw"],
                    "dci_cut": data["dci_cut"]})
    emit(data, fmt, rows=[summary], transpose=True, title=title)
    emit(data, fmt, rows=data["members"], title="clusters chosen")
    emit(data, fmt, rows=data["power"], title="power per site (facility, MW)")
    if data["alternatives"]:
        emit(data, fmt, rows=data["alternatives"], title="runners-up, best first")
