"""Every single fiber cut and every pair of cuts on a real backbone (UNINETT 2010, from topohub),
as a study, serially: which cuts cut sites off, which raise the worst round-trip time most, and
which leave the least capacity between two sites.

Runs examples/studies/real-backbone-cuts.yaml (5,151 scenarios) in this process: the failures
are replayed on the backbone's compiled arrays (infranet.algorithms.replay), so a few seconds
suffice without worker processes.

    python examples/real_backbone_failures.py
"""

import time
import warnings
from pathlib import Path

from infranet.errors import InfranetWarning
from infranet.studies.sweep import read_study, run

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with warnings.catch_warnings():  # the Zoo places some sites of one campus at one point
        warnings.simplefilter("ignore", InfranetWarning)
        study = read_study(ROOT / "examples" / "studies" / "real-backbone-cuts.yaml")
    started = time.perf_counter()
    rows = run(study, workers=1)
    took = time.perf_counter() - started
    print(f"{study.topology.name}: {study.topology.n_sites} sites, {study.topology.n_links} "
          f"links; {len(rows)} scenarios, {rows['error'].notna().sum()} with an error, "
          f"{len(rows) / took:,.0f} scenarios/s serially")
    singles = rows[~rows["failure"].str.contains(" + ", regex=False)]
    cut_off = rows[~rows["max_rtt.connected"].astype(bool)]
    print(f"{len(cut_off)} cuts leave some sites unreachable "
          f"({(~singles['max_rtt.connected'].astype(bool)).sum()} of {len(singles)} single cuts)")
    intact = rows[rows["max_rtt.connected"].astype(bool)]
    print("the cuts that raise the worst RTT most, every site still reachable:")
    for _, row in intact.sort_values("max_rtt.ms", ascending=False).head(3).iterrows():
        print(f"  {row['failure']}: worst RTT {row['max_rtt.ms']:.2f} ms, "
              f"min cut {row['min_cut.gbps']:.0f} Gb/s ({row['min_cut.pair']})")
    weakest = intact[intact["min_cut.gbps"] == intact["min_cut.gbps"].min()]
    print(f"least capacity between two reachable sites: {weakest['min_cut.gbps'].iloc[0]:.0f} "
          f"Gb/s, after {len(weakest)} of the cuts that cut nobody off")


if __name__ == "__main__":
    main()
