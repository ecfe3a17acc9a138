"""What does each fiber cut do to a virtual datacenter, and what would a faster medium buy?

Every single cut and every shared-risk group of the Texas ring, one at a time (the failure sets
infranet enumerates for studies), with the round-trip time it adds between campuses; then a
what-if edit by path: the same ring on hollow-core fiber, and with the unrouted span upgraded.

    python examples/fiber_cut_what_if.py
"""

from pathlib import Path

import infranet
from infranet.algorithms import latency, resilience
from infranet.algorithms.failures import failure_sets

ROOT = Path(__file__).resolve().parents[1]
ring = infranet.read(ROOT / "topologies" / "texas-ring.yaml")

print(f"{len(failure_sets(ring))} single failures (links and shared-risk groups), worst first:")
for failure in resilience.single_failures(ring):
    print("  " + failure.describe())

rtt = latency.rtt_ms(ring, "abilene", "san-antonio")
print(f"\nabilene-san-antonio RTT today: {rtt:.3f} ms")
hollow = ring.with_changes({"links[*].medium": "hollow_core"})
faster = latency.rtt_ms(hollow, "abilene", "san-antonio")
print(f"  on hollow-core fiber everywhere: {faster:.3f} ms")
straighter = ring.with_changes({"links[sat-abi-us87].route_factor": 1.12})
print(f"  with the US-87 span as straight as the best private routes (x1.12): "
      f"{latency.rtt_ms(straighter, 'abilene', 'san-antonio'):.3f} ms")
path = latency.shortest_path(hollow, "abilene", "san-antonio")
print(f"  what that number is: {path.basis}")
