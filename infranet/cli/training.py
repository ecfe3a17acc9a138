"""``infranet size training``: a training job's step time, what limits it and the DCI it needs.

The command's options are the job file's fields (:data:`infranet.workloads.job.JOB`), one table
for both: ``--global-batch`` is ``global_batch``.
"""

from __future__ import annotations

from typing import Any

import click

from infranet.cli._options import (
    check_plot,
    input_options,
    job_options,
    load,
    output_format,
    plot_option,
    write_chart,
)


@click.group()
def size() -> None:
    """Size workloads: size training (on a topology), size inference (a replica; on a
    topology, the replicas its demand needs)."""


@size.command()
@click.argument("file")
@click.option("--job", "job_file", default=None, metavar="JOB.yaml",
              help="Read the job from a file (docs/job.md) instead of the options below.")
@job_options()
@plot_option
@input_options
@output_format
def training(file: str, job_file: str | None, plot_file: str | None,
             input_format: str | None, capacity_unit: str | None, fmt: str,
             **fields: Any) -> None:
    """Step time of a training job on a topology's datacenters, and what limits it.

    The job runs on --sites (an equal share of the accelerators each) or, without them, on the
    one datacenter cluster that can hold it. The JSON gives step_s, compute_s, exposed_comm_s,
    dci_s, dci_share, efficiency (step time with an unlimited DCI at zero distance ÷ step
    time), mfu, tokens_per_s, memory_gb_per_accelerator, power_mw (facility), it_power_mw,
    binding and notes (what the placement assumed, also on stderr as "note: ..."); with
    --solve dci-bandwidth also dci_gbps_needed for --target-efficiency; --search parallelism
    ranks the mappings of the accelerators instead.

    With --plot FIG, a chart of the answer: where the step's time goes (compute, pipeline
    bubble, the exposed communication of each parallelism, the DCI) as one stacked bar; with
    --search parallelism, the step time of each mapping, fastest first; across accelerator
    generations, each site's step. (Efficiency against distance and DCI bandwidth is a study:
    examples/training_distance_bandwidth.py.)

    \b
    Examples:
      infranet size training topologies/texas-ring.yaml --model llama3-70b \\
          --accelerators 8192 --parallelism tp=8,pp=8 --sites abilene,temple \\
          --solve dci-bandwidth --format json
      infranet size training topologies/texas-ring.yaml \\
          --job examples/jobs/llama3-70b-two-sites.yaml --plot step.png
    """
    from infranet.errors import printable
    from infranet.output import emit
    from infranet.workloads.job import job_from_mapping, read_job
    from infranet.workloads.sizing import size_training

    given = {k: v for k, v in fields.items() if v is not None}
    if job_file is not None:
        if given:
            names = ", ".join("--" + k.replace("_", "-") for k in given)
            raise click.UsageError(f"give the job in {job_file} or as options, not both "
                                   f"({names})")
        job = read_job(job_file)
    else:
        job = job_from_mapping(given, check=False)
        ignored = job.conflicts(lambda name: "--" + name.replace("_", "-"))
        if ignored:
            raise click.UsageError("; ".join(why for _, why in ignored))
    check_plot(plot_file)
    topology = load(file, input_format, capacity_unit)
    result = size_training(topology, job)
    data = result.to_dict()
    if plot_file is not None:
        from infranet.output.plots import step_chart

        write_chart(step_chart(data), plot_file, "mappings ranked" if "mappings" in data
                    else "step time of each site" if "sites" in data
                    else "where the step's time goes")
    for note in data["notes"]:
        click.echo(f"note: {printable(note)}", err=True)
    if "mappings" in data:
        emit(data, fmt, rows=data["mappings"],
             title=f"parallelism of {data['model']} on {data['accelerators']:,} "
                   f"{data['accelerator']}, fastest first ({data['binding']['summary']})")
        return
    if "sites" in data:  # across accelerator generations: one row per site
        rows = [{k: v for k, v in row.items()} for row in data["sites"]]
    else:
        rows = [_flat(data)]
    needed = data.get("dci_gbps_needed")
    extra = f"; DCI for {job.target_efficiency:.0%}: {needed:,.1f} Gb/s" if needed else ""
    if data.get("max_efficiency") is not None:  # no bandwidth reaches the target (a note says why)
        extra = (f"; no DCI bandwidth reaches {job.target_efficiency:.1%}: at most "
                 f"{data['max_efficiency']:.1%}")
    emit(data, fmt, rows=rows, transpose="sites" not in data,
         title=f"step {data['step_s']:.3g} s, efficiency {data['efficiency']:.1%}, MFU "
               f"{data['mfu']:.1%}, DCI share {data['dci_share']:.1%}{extra}; "
               f"{data['binding']['summary']}")


def _flat(data: dict[str, Any]) -> dict[str, Any]:
    """One record of every number of a step's JSON, nested parts under their own names:
    ``compute_s`` of the breakdown, ``memory_weights_gb``, ``scale_up_exposed_s``."""
    out = {k: v for k, v in data.items()
           if not isinstance(v, (dict, list)) and k not in ("model", "accelerator")}
    out.update({f"{part}_s": v for part, v in data["breakdown_s"].items()})
    out.update({f"{tier}_exposed_s": v for tier, v in data["exposed_by_tier_s"].items()})
    out.update({f"memory_{part}_gb": v for part, v in data["memory_gb"].items()})
    return out  # the binding's summary is the title's


def _inference() -> click.Command:
    from infranet.cli.inference import inference

    return inference


size.add_command(_inference())
