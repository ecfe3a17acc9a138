"""Where should a job larger than any one campus run? Llama 3.1 405B on 414,720 GB200 placed across
the Texas virtual datacenter (texas-mesh.yaml), then three what-ifs: most of Stargate Abilene
busy with other work, its power budget cut, and prices per accelerator-hour with the cost
objective.

The job (examples/jobs/texas-vdc-training.yaml) names no sites: the placement searches every
group of up to four clusters and every split of the data-parallel replicas over them, within
each cluster's available accelerators, each site's power and the DCI ring between them, and
the parallelism of the job (the fastest mappings of one site).

Run from the project's root: ``python examples/place_training.py``.
"""

from __future__ import annotations

import infranet
from infranet.errors import InfeasibleError
from infranet.planning.placement import place_training
from infranet.workloads.job import read_job

TOPOLOGY = "topologies/texas-mesh.yaml"
JOB = "examples/jobs/texas-vdc-training.yaml"


def show(title: str, placed: infranet.results.Result) -> None:
    out = placed.to_dict()
    print(f"\n{title}")
    p = out["parallelism"]
    print(f"  {out['model']} on {out['accelerators']:,} {out['accelerator']}, tp={p['tp']} "
          f"pp={p['pp']} dp={p['dp']} ({p['recompute']} recompute, ZeRO-{p['zero']}): step "
          f"{out['step_s']:.3f} s, MFU {out['mfu']:.1%}, DCI share {out['dci_share']:.1%}")
    for m in out["members"]:
        print(f"  {m['site']}/{m['cluster']:<13} {m['accelerators']:>9,} of {m['available']:>9,}"
              f" available, {m['power_mw'] or 0:8.1f} MW")
    if out["dci_gbps"] is not None:
        print(f"  DCI ring: {out['dci_gbps'] / 1e3:,.1f} Tb/s per direction (cut "
              f"{', '.join(out['dci_cut'])}), {out['dci_one_way_ms']:.2f} ms one way")
    if out["cost_per_step"] is not None:
        print(f"  cost: {out['cost_per_hour']:,.0f} per hour, {out['cost_per_step']:.2f} per "
              f"step, {out['cost_per_million_tokens']:.4f} per million tokens")
    print(f"  binding: {out['binding']['kind']}: {out['binding']['summary']}")
    for a in out["alternatives"][:3]:
        spread = ", ".join(f"{c} {n:,}" for c, n in a["clusters"].items())
        print(f"  runner-up (+{a['worse_by']:.1%}): {spread}: {a['why']}")


def main() -> None:
    topology = infranet.read(TOPOLOGY)
    job = read_job(JOB)
    show("the whole virtual datacenter free:", place_training(topology, job))

    busy = topology.with_changes({"sites[abilene].clusters[stargate-ph2].available": 242_400})
    show("60,000 of Stargate phase 2 busy with other work (power drawn all the same):",
         place_training(busy, job))

    tight = topology.with_changes({"sites[abilene].power_mw": 760})
    try:
        show("Abilene's power budget cut to 760 MW:", place_training(tight, job))
    except InfeasibleError as err:
        print(f"\nAbilene's power budget cut to 760 MW: {err}")

    priced = topology.with_changes({
        "sites[abilene].clusters[stargate-ph1].cost_per_accelerator_hour": 3.2,
        "sites[abilene].clusters[stargate-ph2].cost_per_accelerator_hour": 3.0,
        "sites[temple].clusters[tpl-gb200].cost_per_accelerator_hour": 2.6,
        "sites[san-antonio].clusters[sat-gb200].cost_per_accelerator_hour": 2.4})
    show("priced per accelerator-hour (illustrative), least cost per step:",
         place_training(priced, job, objective="cost"))


if __name__ == "__main__":
    main()
