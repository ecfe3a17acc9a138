"""``infranet compare``."""

from __future__ import annotations

import click

from infranet.cli._options import (
    check_plot,
    input_options,
    load,
    output_format,
    plot_option,
    typed,
    write_chart,
)

_COLUMNS = ["name", "sites", "datacenters", "links", "fiber_km", "capacity_tbps", "max_rtt_ms",
            "max_rtt_pair", "mean_rtt_ms", "min_cut_gbps", "min_cut_pair",
            "survives_any_single_cut", "worst_cut"]


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--demands", default=None, metavar="TM",
              help="Also route this traffic matrix (CSV src,dst,gbps or FIGRET .hist, over the "
                   "same site names) on each topology and report its MLU.")
@click.option("--line", type=click.IntRange(min=0), default=0, show_default=True,
              help="Which matrix of a .hist file.")
@click.option("--demand-unit", default="bit/s", show_default=True,
              help="Unit of .hist values: bit/s, Mb/s, Gb/s, ..., or unitless (abstract units "
                   "taken as Gb/s, for topologies read with --capacity-unit unitless: only "
                   "ratios such as the MLU mean anything).")
@click.option("-a", "--algorithm", default="mcf", show_default=True,
              help="Routing algorithm for --demands (mcf: the optimal MLU).")
@click.option("--job", "job_file", default=None, metavar="JOB.yaml",
              help="Also size this training job (docs/job.md) on each topology: its step time "
                   "(training_step_s) and the DCI bandwidth it needs for its target efficiency "
                   "(training_dci_gbps).")
@click.option("--service", "service_file", default=None, metavar="SERVICE.yaml",
              help="Also place this inference service (docs/service.md) on each topology: the "
                   "accelerators it needs (inference_accelerators) and its sites' WAN "
                   "bandwidth in all (inference_wan_gbps), as infranet place inference.")
@plot_option
@input_options
@output_format
def compare(files: tuple[str, ...], demands: str | None, line: int, demand_unit: str,
            algorithm: str, job_file: str | None, service_file: str | None,
            plot_file: str | None, input_format: str | None, capacity_unit: str | None,
            fmt: str) -> None:
    """Compare topologies side by side, one column each.

    For each: datacenters, links, fiber km, lit capacity, maximum and mean round-trip time
    between datacenters, the minimum cut capacity between any two datacenters, and the worst
    single fiber cut or shared-risk group (which one, and whether it disconnects datacenters or
    how much it raises an RTT).

    With --plot FIG, a chart beside the table: a bar group per figure (a bar per design, as a
    share of the largest design's, labelled with its value) and the distribution of round-trip
    times between datacenters of each design.

    Round-trip times are those of fiber and equipment along the modelled paths, a floor
    without queueing; capacities are per direction.

    \b
    Example:
      infranet compare topologies/texas-ring.yaml topologies/texas-mesh.yaml \\
          topologies/texas-hub.yaml
      infranet compare topologies/texas-*.yaml \\
          --job examples/jobs/llama3-70b-two-sites.yaml
      infranet compare topologies/us-backbone.yaml \\
          --service examples/service-llama3-70b.yaml
      infranet compare topologies/texas-*.yaml --plot designs.png
    """
    from infranet.output import emit
    from infranet.studies.compare import compare as run

    for flag in [] if demands else typed("line", "demand_unit", "algorithm"):
        raise click.UsageError(f"{flag} goes with --demands")
    check_plot(plot_file)
    topologies = [load(f, input_format, capacity_unit) for f in files]
    tm = None
    columns = list(_COLUMNS)
    if demands:
        from infranet.cli.routing import load_demands

        tm = load_demands(topologies[0], demands, unit=demand_unit, line=line)
        columns.insert(columns.index("survives_any_single_cut"), "mlu")
    job = None
    if job_file is not None:
        from infranet.workloads.job import read_job

        job = read_job(job_file)
        at = columns.index("survives_any_single_cut")
        columns[at:at] = ["training_step_s", "training_dci_gbps"]
    service = None
    if service_file is not None:
        from infranet.workloads.service import read_service

        service = read_service(service_file)
        at = columns.index("survives_any_single_cut")
        columns[at:at] = ["inference_accelerators", "inference_wan_gbps"]
    results = [s.to_dict() for s in run(topologies, demands=tm, algorithm=algorithm, job=job,
                                         service=service)]
    if fmt == "table" and any(r.get("notes") for r in results):
        columns.append("notes")  # what a blank or a "no" means (datacenters apart already)
    emit(results, fmt, columns=columns, transpose=fmt == "table",
         title="designs side by side: RTT between datacenters (ms) of fiber + equipment along "
               "the modelled paths (a floor, without queueing); capacity per direction")
    if plot_file is not None:
        from infranet.output.plots import comparison_chart
        from infranet.studies.compare import datacenter_rtts

        drawn = [c for c in columns if c not in ("name", "sites", "datacenters")]
        names = [str(r["name"]) for r in results]
        if len(set(names)) < len(names):  # two designs of one name: told apart by number
            names = [f"{n} #{i + 1}" for i, n in enumerate(names)]
        records = [{**r, "name": n} for r, n in zip(results, names, strict=True)]
        fig = comparison_chart(records, measures=drawn,
                               rtts={n: datacenter_rtts(t)
                                     for n, t in zip(names, topologies, strict=True)})
        write_chart(fig, plot_file, f"{len(results)} designs side by side")
