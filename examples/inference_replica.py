"""One inference replica of a 70B model: what it serves within its SLOs, where the time to first
token goes, and how the answer moves with the users' distance and the SLOs.

The shipped service (examples/service-llama3-70b.yaml: Llama 3 70B in fp8, here on H200, prompts of
2,000 tokens on average with a p99 of 8,000, MLPerf's interactive SLOs of 450 ms to the first
token and 40 ms per output token) is evaluated at the RTTs of users 100 km to 4,000 km away in
one call, as a placement does for its regions; then sized for the demand of the continental
backbone's metro regions.

Run from the project's root: ``python examples/inference_replica.py``.
"""

from __future__ import annotations

from dataclasses import replace

import infranet
from infranet.workloads.inference import kv_transfer_s, replica_model, size_service
from infranet.workloads.models import load_model
from infranet.workloads.service import read_service

SERVICE = "examples/service-llama3-70b.yaml"
TOPOLOGY = "topologies/us-backbone.yaml"
# round trips over fiber at about 1.3 x the great circle: 100, 1,000 and 4,000 km away
RTT_MS = [1.3, 12.7, 51.0]


def main() -> None:
    service = replace(read_service(SERVICE), accelerator="H200")
    model = replica_model(service, rtt_ms=RTT_MS)
    print(f"{service.name}: {model.model} in {model.precision} on {model.tensor_parallel} "
          f"{model.accelerator} per replica")
    print("  rtt_ms  requests/s  accelerators per request/s  "
          "TTFT = network + queue + prefill (ms)  TPOT ms  limit")
    for i, rtt in enumerate(RTT_MS):
        print(f"  {rtt:6.1f}  {model.requests_per_s[i]:10.2f}  "
              f"{model.accelerators_per_rps[i]:26.2f}  {model.ttft_ms[i]:5.0f} = "
              f"{model.network_ms[i]:.0f} + {model.queue_ms[i]:.0f} + "
              f"{model.prefill_ms[i]:.0f}{'':13}{model.tpot_ms[i]:7.1f}  {model.limits[i]}")
    print(f"  binding: {model.binding.summary}")
    print("  tensor parallel tried (at the largest RTT):")
    for row in model.by_tp:
        per = row["accelerators_per_rps"]
        print(f"    TP{row['tensor_parallel']}: {row['requests_per_s']:.2f} requests/s, "
              f"{'-' if per is None else f'{per:.2f}'} accelerators per request/s "
              f"({row['limit']})")

    tighter = replace(service, tpot_p99_ms=10.0)
    print(f"with a 10 ms TPOT SLO: {replica_model(tighter, rtt_ms=12.7).requests_per_s[0]:.2f} "
          "requests/s per replica (the TTFT binds first)")
    cold = replace(service, connections="cold")
    print(f"cold connections (3 RTT) at 51 ms: "
          f"{replica_model(cold, rtt_ms=51.0).requests_per_s[0]:.2f} requests/s per replica")

    m = load_model(service.model)
    print(f"an 8k-token prompt's KV cache ({service.precision}) over 400 Gb/s: "
          f"{float(kv_transfer_s(8192, 400.0, model=m, precision=service.precision)) * 1e3:.1f}"
          " ms")

    sizing = size_service(service, infranet.read(TOPOLOGY), rtt_ms=12.7)
    print(f"demand of the metro regions: {sizing.demand_requests_per_s:.0f} requests/s, "
          f"{sizing.replicas} replicas with one spare for a site's loss, "
          f"{sizing.total_accelerators:,} {model.accelerator} before placement")


if __name__ == "__main__":
    main()
