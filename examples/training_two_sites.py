"""A 70B model trained over two Texas campuses: where the step time goes, and how much DCI it
needs to stay 95% efficient, with and without an outer synchronisation every 100 steps.

Llama 3 70B on 8,192 GB200 (4,096 at Stargate Abilene, 4,096 at Meta Temple, texas-mesh.yaml),
data-parallel across the DCI: TP 4 inside each NVL72 domain, DP 2,048, a global batch of 2,048
sequences of 8,192 tokens (16.8 M tokens, about Llama 3's own), selective recomputation, ZeRO-1.
Efficiency is the step time with an unlimited DCI at zero distance over the step time.

Run from the project's root: ``python examples/training_two_sites.py``.
"""

from __future__ import annotations

from dataclasses import replace

import infranet
from infranet.workloads.job import job_from_mapping
from infranet.workloads.models import load_model
from infranet.workloads.sizing import (
    dci_gbps_needed,
    distance_latency_s,
    efficiency_table,
    place_job,
    size_training,
)
from infranet.workloads.training import step

TOPOLOGY = "topologies/texas-mesh.yaml"
JOB = {"model": "llama3-70b", "accelerators": 8192, "parallelism": "tp=4,pp=1",
       "global_batch": 2048, "seq_len": 8192, "recompute": "selective", "zero": 1,
       "sites": ["abilene", "temple"], "across": "dp", "solve": "dci-bandwidth",
       "target_efficiency": 0.95}


def breakdown(title: str, result: dict) -> None:
    print(f"\n{title}")
    step_s = result["step_s"]
    for part, seconds in result["breakdown_s"].items():
        if seconds:
            print(f"  {part:<18} {seconds * 1e3:9.1f} ms  {seconds / step_s:6.1%}")
    print(f"  {'step':<18} {step_s * 1e3:9.1f} ms   efficiency {result['efficiency']:.1%}, "
          f"MFU {result['mfu']:.1%}, DCI share {result['dci_share']:.2%}, "
          f"{result['dci_gb_per_step']:,.1f} GB across the DCI per step")
    print(f"  binding: {result['binding']['summary']}")


def main() -> None:
    topology = infranet.read(TOPOLOGY)
    where = place_job(topology, accelerators=8192, sites=("abilene", "temple"))
    print(f"{JOB['model']} on {JOB['accelerators']:,} accelerators: "
          + ", ".join(f"{s}/{c} ({n:,} {a})" for s, c, n, a in zip(
              where.sites, where.clusters, where.ranks, where.accelerators, strict=True)))
    print(f"DCI: {where.dci_gbps / 1000:,.1f} Tb/s per direction (bound by "
          f"{', '.join(where.dci_cut)}), {where.dci_latency_s * 1e3:.3f} ms one way")

    results = {}
    for h in (1, 100):
        job = job_from_mapping({**JOB, "sync_every": h})
        out = size_training(topology, job).to_dict()
        results[h] = out
        label = "every step" if h == 1 else f"every {h} steps (DiLoCo-style outer sync)"
        breakdown(f"synchronised across sites {label}:", out)
        print(f"  DCI needed for 95% efficiency: {out['dci_gbps_needed']:,.1f} Gb/s")

    # The same job with the sites 300 km of fiber apart (propagation only, no equipment).
    model = load_model("llama3-70b")
    net = replace(where.networks[0], dci_latency_s=distance_latency_s(300.0))
    degrees = dict(tp=4, pp=1, dp=2048, global_batch=2048, seq_len=8192, sites=2,
                   recompute="selective", zero=1)
    print("\n2 sites 300 km apart (1.469 ms one way):")
    for h in (1, 100):
        need = float(dci_gbps_needed(model, "GB200", network=net, target=0.95,
                                     sync_every=h, **degrees))
        at = step(model, "GB200", network=replace(net, dci_gbps=need), sync_every=h,
                  **degrees).at()
        print(f"  H = {h:>3}: DCI needed for 95% efficiency {need:,.1f} Gb/s; there the step "
              f"is {at.step_s * 1e3:.1f} ms (compute {at.compute_s * 1e3:.1f} ms, exposed "
              f"communication {at.exposed_comm_s * 1e3:.1f} ms, DCI {at.dci_s * 1e3:.1f} ms)")

    table = efficiency_table(model, "GB200", network=where.networks[0],
                             distance_km=[0, 300, 1000, 3000],
                             dci_gbps=[100, 400, 1600, 6400, 25600], **degrees)
    print("\nefficiency, every step synchronised: rows km, columns DCI Gb/s")
    print("  km    " + "".join(f"{g:>9,.0f}" for g in table.dci_gbps))
    for i, km in enumerate(table.distance_km):
        print(f"  {km:<6,.0f}" + "".join(f"{e:9.1%}" for e in table.efficiency[i]))


if __name__ == "__main__":
    main()
