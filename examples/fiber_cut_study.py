"""Every single fiber cut and every pair of cuts on the US backbone, as a study.

Runs examples/studies/fiber-cuts.yaml on two local processes and prints the cuts that hurt most:
those that cut off a region, and those that raise the worst round-trip time most.

    python examples/fiber_cut_study.py
"""

from pathlib import Path

from infranet.studies.sweep import read_study, run

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    # workers are new processes that import this file: run only under __main__
    study = read_study(ROOT / "examples" / "studies" / "fiber-cuts.yaml")
    rows = run(study, workers=2)
    print(f"{len(rows)} scenarios, {rows['error'].notna().sum()} with an error")
    cut_off = rows[~rows["max_rtt.connected"].astype(bool)]
    print(f"{len(cut_off)} cuts leave some datacenters unreachable, e.g. "
          f"{cut_off['failure'].iloc[0]}")
    worst = rows.sort_values("max_rtt.ms", ascending=False).head(3)
    for _, row in worst.iterrows():
        print(f"  {row['failure']}: worst RTT {row['max_rtt.ms']:.2f} ms, "
              f"min cut {row['min_cut.gbps'] / 1000:.1f} Tb/s")


if __name__ == "__main__":
    main()
