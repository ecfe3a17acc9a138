"""Compare three designs of one virtual datacenter: ring, mesh and hub.

Four real AI campuses in central Texas (Stargate Abilene, Meta Fort Worth, Meta Temple, Microsoft
San Antonio) and the Dallas carrier hotel, joined three ways. For each design: fiber km, the
worst and mean round-trip time between campuses, the smallest cut between two campuses, and the
single fiber cut (or shared-risk group) that hurts most; then what each design does for a
training job across two campuses.

    python examples/compare_vdc_designs.py
"""

from pathlib import Path

import infranet
from infranet.studies.compare import compare
from infranet.workloads.job import read_job

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

# The same three designs under a training job that spans two campuses (Llama 3 70B on Abilene and
# Temple, data-parallel across the DCI with an outer synchronisation every 100 steps): its step
# time, and the DCI bandwidth it needs for 95% efficiency, design by design.
job = read_job(ROOT / "examples" / "jobs" / "llama3-70b-two-sites.yaml")
print(f"\n{'design':<16}{'step s':>8}{'DCI Gb/s for 95%':>18}  (job: {job.model} on "
      f"{' and '.join(job.sites)})")
for s in compare(designs, job=job):
    print(f"{s.name:<16}{s.training_step_s:>8.3f}{s.training_dci_gbps:>18,.1f}")
