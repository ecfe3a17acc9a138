"""Where should the replicas of a 70B chat service go on the continental backbone, and what does
surviving the loss of any one site cost?

The service (examples/service-llama3-70b.yaml): Llama 3 70B in fp8, 400 requests/s spread over
the backbone's thirteen metro regions by population, prompts of 2,000 tokens on average (p99
8,000), MLPerf's interactive SLOs (TTFT p99 450 ms, TPOT p99 40 ms). Three placements: the
fewest accelerators, N+1, and N+1 with prefill and decode on separate replicas (the KV cache
crossing the WAN when they are apart); then the same service for users given as points.

Run from the project's root: ``python examples/place_inference.py``.
"""

from __future__ import annotations

from dataclasses import replace

from infranet.io import read
from infranet.io.regions import read_regions
from infranet.planning.serving import InferencePlacement, place_inference
from infranet.workloads.service import read_service

TOPOLOGY = "topologies/us-backbone.yaml"
SERVICE = "examples/service-llama3-70b.yaml"
POINTS = "examples/regions/us-metros.csv"


def show(title: str, plan: InferencePlacement) -> None:
    out = plan.to_dict()
    print(f"\n{title}: {out['total_accelerators']:,} accelerators "
          f"({', '.join(f'{s} {n:,}' for s, n in out['sites'].items())})")
    print(f"  binding: {out['binding']['summary']}")
    print(f"  {'region':<20} {'site':<15} {'backup':<15} {'RTT':>7} {'basis':>8} "
          f"{'queue':>7} {'prefill':>8} {'TTFT':>7} {'TPOT':>6}  (ms, p99)")
    for name, r in out["regions"].items():
        print(f"  {name:<20} {r['site']:<15} {r['backup'] or '-':<15} {r['rtt_ms']:7.1f} "
              f"{r['basis']:>8} {r['queue_ms']:7.1f} {r['prefill_ms']:8.1f} "
              f"{r['ttft_ms']:7.1f} {r['tpot_ms']:6.1f}")
    wan = ", ".join(f"{s} {g:.3g}" for s, g in out["wan_gbps"].items())
    print(f"  WAN per site (Gb/s per direction): {wan}")


def main() -> None:
    topology = read(TOPOLOGY)
    service = read_service(SERVICE)
    alone = place_inference(topology, service, survive_site_loss=False)
    show("fewest accelerators", alone)
    safe = place_inference(topology, service, survive_site_loss=True)
    show("surviving the loss of any one site (N+1)", safe)
    extra = safe.total_accelerators / alone.total_accelerators - 1
    print(f"  N+1 costs {extra:.0%} more accelerators")
    apart = place_inference(topology, replace(service, disaggregate=True),
                            survive_site_loss=True)
    show("N+1, prefill and decode on separate replicas", apart)
    print(f"  prefill {dict(apart.placement.sites)}, decode {dict(apart.decode.sites)}"
          if apart.decode is not None else "")
    points = read_regions(POINTS)
    from_points = place_inference(topology, service, regions=points, survive_site_loss=False)
    estimated = sum(r["basis"] == "estimate" for r in from_points.regions.values())
    print(f"\nusers as points ({POINTS}): {from_points.total_accelerators:,} accelerators; "
          f"{estimated} of {len(from_points.regions)} RTTs estimated from the locations")


if __name__ == "__main__":
    main()
