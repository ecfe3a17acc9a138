"""Hollow-core against standard fiber on every link of the US backbone, cut by cut.

A study with a grid over every link's medium (``links[*].medium``: standard single-mode fiber,
then hollow-core fiber, whose light runs at about 99.7% of c instead of 68%) and every single
link cut, measuring the worst and mean round-trip time between datacenters and the step time
and efficiency of a Llama 3 8B job trained data-parallel across two campuses 1,500 km apart
(New Albany, Ohio and San Antonio, Texas). Prints what the faster medium buys, intact and after
the worst cut, and writes the distribution (CDF) of the worst RTT over the cuts, one curve per
medium.

    python examples/hollow_core_study.py [FOLDER]   # default: a new temporary folder
"""

import sys
import tempfile
from pathlib import Path

import infranet
from infranet.output.plots import plot, save_figure
from infranet.studies.sweep import Failures, Study, run

ROOT = Path(__file__).resolve().parents[1]
MEDIUM, RTT, MEAN = "links[*].medium", "max_rtt.ms", "mean_rtt.ms"
STEP, EFF = "training:step_s.step_s", "training:step_s.efficiency"


def main() -> None:
    backbone = infranet.read(ROOT / "topologies" / "us-backbone.yaml")
    job = {"model": "llama3-8b", "accelerators": 4608, "parallelism": "tp=8",
           "global_batch": 576, "seq_len": 8192, "sites": ["new-albany", "san-antonio"],
           "across": "dp", "sync_every": 1}
    study = Study(name="hollow-core", topology=backbone, job=job,
                  grid={MEDIUM: ["smf", "hollow_core"]}, failures=Failures(),
                  measures=("max_rtt", "mean_rtt", "training:step_s"))
    rows = run(study)
    print(f"{len(rows)} scenarios ({backbone.n_links} cuts x 2 media), "
          f"{rows['error'].notna().sum()} with an error")
    joined = rows[rows["max_rtt.connected"].astype(bool)]
    print(f"{len(rows) - len(joined)} cuts leave some datacenters unreachable (either medium)")
    by = joined.groupby(MEDIUM)
    smf, hollow = (by.get_group(m) for m in ("smf", "hollow_core"))
    print(f"{'':<28}{'standard fiber':>16}{'hollow-core':>14}")
    for label, column, fmt in (("median worst RTT (ms)", RTT, "{:.1f}"),
                               ("median mean RTT (ms)", MEAN, "{:.1f}"),
                               ("worst RTT after any cut", RTT, "{:.1f}"),
                               ("median step (s)", STEP, "{:.4f}"),
                               ("median efficiency", EFF, "{:.1%}")):
        pick = (lambda s, c=column: s[c].max()) if label.startswith("worst") else \
            (lambda s, c=column: s[c].median())
        print(f"{label:<28}{fmt.format(pick(smf)):>16}{fmt.format(pick(hollow)):>14}")
    print(f"hollow-core cuts the median worst RTT by "
          f"{1 - hollow[RTT].median() / smf[RTT].median():.0%} and the job's median step by "
          f"{1 - hollow[STEP].median() / smf[STEP].median():.1%}")

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hcf-"))
    folder.mkdir(parents=True, exist_ok=True)
    named = joined.assign(medium=joined[MEDIUM].map({"smf": "standard fiber",
                                                     "hollow_core": "hollow-core fiber"}))
    fig = plot(named, x=RTT, kind="cdf", hue="medium",
               title="us-backbone: worst RTT between datacenters over every single cut")
    save_figure(fig, folder / "worst-rtt-cdf.png")
    print(f"CDF of the worst RTT per medium: {folder / 'worst-rtt-cdf.png'}")


if __name__ == "__main__":
    main()
