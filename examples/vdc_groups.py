"""Which Texas campuses can act as one virtual datacenter, at 3, 5 and 10 ms of RTT?

For each of the three designs of the central-Texas network (ring, mesh, hub), the maximal groups
of campuses whose every pair is within the budget: their accelerators, their worst RTT, the
capacity of their narrowest split and what sets it, and what the worst single fiber cut (or
shared-risk group) does to them.

    python examples/vdc_groups.py
"""

from pathlib import Path

import infranet
from infranet.planning.vdc import virtual_datacenters

ROOT = Path(__file__).resolve().parents[1]

for design in ("ring", "mesh", "hub"):
    topology = infranet.read(ROOT / "topologies" / f"texas-{design}.yaml")
    for budget in (3.0, 5.0, 10.0):
        result = virtual_datacenters(topology, max_rtt_ms=budget)
        print(f"{topology.name} within {budget:g} ms: {len(result.groups)} group(s); "
              f"{result.binding.summary}")
        for group in result.groups:
            after = group.after_failure
            print(f"  {' + '.join(group.sites)}: {group.accelerators:,} accelerators, "
                  f"{group.pflops:,.0f} PFLOP/s bf16, worst RTT {group.max_rtt_ms:.2f} ms, "
                  f"DCI {group.min_dci_gbps / 1000:,.1f} Tb/s")
            print(f"    binding: {group.binding.summary}")
            print(f"    after one failure: {after.summary}")
        for group in result.rejected:
            print(f"  not a group: {' + '.join(group.sites)}: {group.reason}")
