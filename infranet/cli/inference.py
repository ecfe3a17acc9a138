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
              help="p99 time-to-first-token SLO (default: 450ms).")
@click.option("--tpot", type=DURATION, default=None,
              help="p99 time-per-output-token SLO (default: 40ms).")
@click.option("--connections", type=click.Choice(list(CONNECTIONS)), default=None,
              help="warm: the network adds 1 RTT to the TTFT; cold: 3 (default: warm).")
@click.option("--rtt", type=DURATION, default=0.0, show_default=True,
              help="Round-trip time between the users and the replica.")
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
    or weights that limit it. With a topology FILE, the accelerator defaults to its clusters',
    the demand is spread over its regions, and replicas and total_accelerators say what the
    whole demand needs before placement (at one RTT for every region).

    \b
    Examples:
      infranet size inference --model llama3-70b --accelerator H200 --precision fp8 \\
          --prompt-tokens 2000 --output-tokens 250 --rtt 20ms
      infranet size inference topologies/us-backbone.yaml \\
          --service examples/service-llama3-70b.yaml --rtt 30ms --format json
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
    topology = load(file, input_format, capacity_unit) if file is not None else None
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
