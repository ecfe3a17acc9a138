"""``infranet size inference``: what one inference replica serves within its SLOs, the latency
each part adds, and (on a topology) the replicas the service's demand needs before placement.

The service comes from a SERVICE.yaml file (``docs/service.md``) or from the options, which
carry the file's fields of the same names.
"""

from __future__ import annotations

import math
from typing import Any

import click

from infranet.cli._options import BANDWIDTH, DURATION, input_options, load, output_format
from infranet.workloads.service import CONNECTIONS, PRECISIONS


@click.command()
@click.argument("file", required=False)
@click.option("--service", "service_file", default=None, metavar="SERVICE.yaml",
              help="Read the service from a file (docs/service.md) instead of the options "
                   "below.")
@click.option("--model", default=None, metavar="NAME|MODEL.yaml",
              help="A catalogue model or a model YAML file.")
@click.option("--accelerator", default=None, metavar="TYPE",
              help="Accelerator to serve on (default: the service's, else the topology's "
                   "clusters').")
@click.option("--tensor-parallel", type=click.IntRange(min=1), default=None,
              help="Accelerators per replica (default: the best within the scale-up domain).")
@click.option("--precision", type=click.Choice(list(PRECISIONS)), default=None,
              help="Weights and KV cache precision (default: bf16).")
@click.option("--prompt-tokens", type=float, default=None,
              help="Mean prompt tokens per request (default: 1024).")
@click.option("--output-tokens", type=float, default=None,
              help="Mean output tokens per request (default: 256).")
@click.option("--ttft", type=DURATION, default=None,
              help="p99 time-to-first-token SLO, with its unit: 450ms (a bare number is "
                   "seconds, as everywhere on the command line; default: 450ms).")
@click.option("--tpot", type=DURATION, default=None,
              help="p99 time-per-output-token SLO, with its unit: 40ms (a bare number is "
                   "seconds; default: 40ms).")
@click.option("--connections", type=click.Choice(list(CONNECTIONS)), default=None,
              help="warm: the network adds 1 RTT to the TTFT; cold: 3 (default: warm).")
@click.option("--rtt", type=DURATION, default=0.0, show_default=True,
              help="Round-trip time between the users and the replica, with its unit: 20ms (a "
                   "bare number is seconds).")
@click.option("--dci", "dci", type=BANDWIDTH, default=None,
              help="With disaggregate: the bandwidth the prompt's KV cache crosses at "
                   "(default: unlimited).")
@input_options
@output_format
def inference(file: str | None, service_file: str | None, model: str | None,
              accelerator: str | None, tensor_parallel: int | None, precision: str | None,
              prompt_tokens: float | None, output_tokens: float | None, ttft: float | None,
              tpot: float | None, connections: str | None, rtt: float, dci: float | None,
              input_format: str | None, capacity_unit: str | None, fmt: str) -> None:
    """Requests/s one inference replica sustains within its SLOs, and why.

    Gives the accelerators per replica (tensor parallel within one scale-up domain), the
    requests/s a replica serves with TTFT and TPOT p99 within the SLOs at --rtt, the
    accelerators per request/s, the p99 time to first token part by part (network_ms,
    queue_ms, prefill_ms, kv_transfer_ms), tpot_ms, the batch, and binding: the SLO, KV cache
    or weights that limit it.

    With a topology FILE, the service's demand is placed on its datacenters as `infranet place
    inference` places it (RTTs along the fiber, or estimated where none is drawn; add
    --survive-site-loss in the service for N+1), and the answer is per site: accelerators,
    replicas, the load it carries and its capacity, the regions it serves, their worst RTT and
    p99 TTFT, the TPOT, and the WAN bandwidth it needs (JSON: total_accelerators,
    total_wan_gbps, binding, sites: {SITE: {...}}). --rtt goes with the bare form only.

    \b
    Examples:
      infranet size inference --model llama3-70b --accelerator H200 --precision fp8 \\
          --prompt-tokens 2000 --output-tokens 250 --rtt 20ms
      infranet size inference --service examples/service-llama3-70b.yaml \\
          --accelerator H200 --rtt 20ms
      infranet size inference topologies/us-backbone.yaml \\
          --service examples/service-llama3-70b.yaml --format json
    """
    from infranet.output import emit
    from infranet.workloads.inference import size_service
    from infranet.workloads.service import read_service, service_from_mapping

    fields: dict[str, Any] = {"model": model, "precision": precision,
                              "prompt_tokens": prompt_tokens, "output_tokens": output_tokens,
                              "connections": connections}
    slo = {k: f"{v * 1e3:g}ms" for k, v in (("ttft_p99", ttft), ("tpot_p99", tpot))
           if v is not None}
    given = {k: v for k, v in fields.items() if v is not None}
    if service_file is not None:
        if given or slo:
            names = ", ".join("--" + k.replace("_", "-") for k in [*given, *slo])
            raise click.UsageError(f"give the service in {service_file} or as options, not "
                                   f"both ({names})")
        service = read_service(service_file)
    else:
        if model is None:
            raise click.UsageError("give --service SERVICE.yaml or --model NAME")
        service = service_from_mapping({**given, **({"slo": slo} if slo else {})})
    if file is not None:
        from dataclasses import replace

        from infranet.cli._options import typed

        for flag in typed("rtt", "dci"):
            raise click.UsageError(f"{flag} goes without a topology: on one, each region's RTT "
                                   "comes from the fiber (or is estimated) and the KV cache "
                                   "leaves at the replica's NIC rate")
        if tensor_parallel is not None:
            service = replace(service, tensor_parallel=tensor_parallel)
        _per_site(load(file, input_format, capacity_unit), service, accelerator, fmt)
        return
    topology = None
    result = size_service(service, topology, accelerator=accelerator,
                          tensor_parallel=tensor_parallel, rtt_ms=rtt * 1e3,
                          dci_gbps=math.inf if dci is None else dci)
    data = result.to_dict()
    record = {k: v for k, v in data.items() if not isinstance(v, (dict, list))}
    record.update({f"{k}_bytes": v for k, v in data["request_bytes"].items()})
    record.update({f"wan_{k}_gbps": v for k, v in data["wan_gbps"].items()})
    record.update({f"{name} requests_per_s": rate for name, rate in data["regions"].items()})
    for row in data["by_tp"]:  # every degree tried
        for key in ("requests_per_s", "accelerators_per_rps", "limit"):
            record[f"tp{row['tensor_parallel']} {key}"] = row[key]
    emit(data, fmt, rows=[record], transpose=True,
         title=f"{data['model']} on {data['tensor_parallel']} {data['accelerator']} per "
               f"replica: {data['requests_per_s']:.3g} requests/s; "
               f"{data['binding']['summary']}")


def _per_site(topology: Any, service: Any, accelerator: str | None, fmt: str) -> None:
    """The service placed on `topology`, told site by site."""
    from infranet.errors import counted, printable
    from infranet.output import emit
    from infranet.planning.serving import place_inference, site_summary

    plan = place_inference(topology, service, accelerator=accelerator)
    data = plan.to_dict()
    for note in data["notes"]:
        click.echo(f"note: {printable(note)}", err=True)
    sites = site_summary(plan)
    head = {k: data[k] for k in ("service", "model", "total_accelerators", "cost_per_hour",
                                 "total_wan_gbps", "survive_site_loss", "binding")}
    rows = [{"site": name, **row} for name, row in sites.items()]
    title = (f"{data['service']} ({data['model']}) on {topology.name}: "
             f"{counted(data['total_accelerators'], 'accelerator')}; {data['binding']['summary']}")
    document = {**head, "sites": sites, "notes": data["notes"]}
    if fmt == "table":
        summary = {k: v for k, v in head.items() if not isinstance(v, dict)}
        emit(document, fmt, rows=[summary], transpose=True, title=title)
        title = "per site"
    emit(document, fmt, rows=rows, title=title)
