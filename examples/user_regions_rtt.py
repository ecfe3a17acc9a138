"""User regions as points: attach them to the continental backbone and estimate their RTT to
every datacenter, where no fiber is drawn from them.

Run from the project's root: ``python examples/user_regions_rtt.py``.
"""

from __future__ import annotations

import infranet
from infranet.algorithms.rtt import rtt_matrix, site_rtt
from infranet.io.regions import read_regions
from infranet.model.regions import attach

topo = infranet.read("topologies/us-backbone.yaml")
regions = read_regions("examples/regions/us-metros.csv")

hit = attach(topo, regions)
print(f"{len(regions)} regions, {regions.weight.sum() / 1e6:.1f} million people; "
      f"nearest site of each (great circle):")
for name, site, km in zip(regions.names, hit.sites, hit.distance_km, strict=True):
    print(f"  {name:14s} -> {site:16s} {km:6.0f} km")
print(f"binding: {hit.binding.summary}")

datacenters = list(topo.datacenters)
rtt = rtt_matrix(topo, regions, datacenters)
print(f"\nRTT (ms) from each region to each datacenter ({rtt.estimated} pairs estimated: "
      "points have no fiber in the file)")
print(" " * 15 + "".join(f"{dc[:10]:>11s}" for dc in datacenters))
for i, name in enumerate(rtt.sources):
    print(f"{name:15s}" + "".join(f"{value:11.1f}" for value in rtt.rtt_ms[i]))

print("\nfiber against the estimate between two datacenters:")
pair = site_rtt(topo, "ashburn", "the-dalles", estimate=True)
print(f"  ashburn - the-dalles: fiber {pair.fiber_rtt_ms:.1f} ms (a floor), estimate "
      f"{pair.estimate_rtt_ms:.1f} ms (a median), {pair.distance_km:,.0f} km apart")
