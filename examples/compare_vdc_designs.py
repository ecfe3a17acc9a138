"""Compare three designs of one virtual datacenter: ring, mesh and hub.

Four real AI campuses in central Texas (Stargate Abilene, Meta Fort Worth, Meta Temple, Microsoft
San Antonio) and the Dallas carrier hotel, joined three ways. For each design: fiber km, the
worst and mean round-trip time between campuses, the smallest cut between two campuses, and the
single fiber cut (or shared-risk group) that hurts most.

    python examples/compare_vdc_designs.py
"""

from pathlib import Path

import infranet
from infranet.studies.compare import compare

ROOT = Path(__file__).resolve().parents[1]
designs = [infranet.read(ROOT / "topologies" / f"texas-{d}.yaml") for d in ("ring", "mesh", "hub")]

print(f"{'design':<16}{'fiber km':>10}{'max RTT ms':>12}{'mean RTT ms':>13}{'min cut Tb/s':>14}"
      "  worst single cut")
for s in compare(designs):
    worst = s.worst_cut["summary"] if s.worst_cut else "none hurts"
    print(f"{s.name:<16}{s.fiber_km:>10,.0f}{s.max_rtt_ms:>12.2f}{s.mean_rtt_ms:>13.2f}"
          f"{s.min_cut_gbps / 1000:>14.1f}  {worst}")
    print(f"{'':<16}survives any single cut: {'yes' if s.survives_any_single_cut else 'no'}; "
          f"what limits it: {s.binding.summary}")
