"""How far apart can two campuses train one model, and how much DCI do they need?

A study over two GB200 campuses joined by one DCI link: its length from 50 to 1,000 km, its
capacity from 1.6 to 51.2 Tb/s, for three models (Llama 3 8B and 70B, GPT-3 175B), each trained
data-parallel across the two campuses with a gradient all-reduce over the DCI every step. Each
scenario sizes the job (``training:step_s``): its step time, its efficiency (step time with an
unlimited DCI at zero distance ÷ step time) and the DCI bandwidth it needs for 95%. Prints
what the study shows and writes the efficiency charts: against distance (one line per DCI
bandwidth) and against DCI bandwidth (one line per distance), a row per model.

    python examples/training_distance_bandwidth.py [FOLDER]   # default: a new temporary folder
"""

import sys
import tempfile
from pathlib import Path

from infranet.model import Topology
from infranet.output.plots import efficiency_chart, save_figure
from infranet.studies.sweep import Study, run

CAMPUS = {"accelerator": "GB200", "count": 9216, "scale_up": {"kind": "nvswitch", "domain": 72},
          "scale_out": {"kind": "rail_optimized", "nic": "800G", "radix": 144},
          "dci": "51.2 Tb/s"}
campuses = Topology.from_dict({
    "name": "two-campuses",
    "sites": [{"name": name, "kind": "datacenter", "clusters": [{"name": f"{name}-1", **CAMPUS}]}
              for name in ("east", "west")],
    "links": [{"a": "east", "b": "west", "name": "dci", "length_km": 100,
               "capacity": "51.2 Tb/s"}]})
job = {"model": "llama3-70b", "accelerators": 8192, "parallelism": "tp=8,pp=8",
       "global_batch": 1024, "seq_len": 8192, "sites": ["east", "west"], "across": "dp",
       "sync_every": 1, "solve": "dci-bandwidth", "target_efficiency": 0.95}
DISTANCES = [50, 200, 500, 1000]  # km of fiber between the campuses
BANDWIDTHS = [1600, 3200, 6400, 12800, 51200]  # Gb/s of DCI each way

study = Study(name="distance-bandwidth", topology=campuses, job=job,
              grid={"job.model": ["llama3-8b", "llama3-70b", "gpt3-175b"],
                    "links[dci].length_km": DISTANCES, "links[dci].capacity": BANDWIDTHS},
              measures=("training:step_s",))
rows = run(study)
print(f"{len(rows)} scenarios, {rows['error'].notna().sum()} with an error")

EFF, NEED = "training:step_s.efficiency", "training:step_s.dci_gbps"
STEP = "training:step_s.step_s"
KM, GBPS, MODEL = "links[dci].length_km", "links[dci].capacity", "job.model"
print(f"{'model':<12}{'50 km, 1.6 Tb/s':>17}{'1,000 km, 1.6 Tb/s':>20}{'1,000 km, 51.2 Tb/s':>21}"
      f"{'DCI for 95% at 1,000 km':>25}")
for model, mine in rows.groupby(MODEL, sort=False):
    at = mine.set_index([KM, GBPS])
    need = at.loc[(1000, 1600), NEED]
    print(f"{model:<12}{at.loc[(50, 1600), EFF]:>17.1%}{at.loc[(1000, 1600), EFF]:>20.1%}"
          f"{at.loc[(1000, 51200), EFF]:>21.1%}"
          f"{(f'{need / 1000:,.1f} Tb/s' if need != float('inf') else 'out of reach'):>25}")
print("from 50 to 1,000 km over 51.2 Tb/s, efficiency falls by:")
for model, mine in rows.groupby(MODEL, sort=False):
    at = mine.set_index([KM, GBPS])[EFF]
    print(f"  {model}: {(at[(50, 51200)] - at[(1000, 51200)]) * 100:.1f} points "
          f"(a {mine[STEP].min():.2f} s step: the shorter the step, the less it hides round trips)")

folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="training-"))
folder.mkdir(parents=True, exist_ok=True)
for suffix in (".png", ".svg"):
    save_figure(efficiency_chart(rows, efficiency=EFF, distance=KM, bandwidth=GBPS, by=MODEL,
                                 title="two GB200 campuses, data-parallel across the DCI"),
                folder / f"efficiency{suffix}")
print(f"efficiency against distance and DCI bandwidth: {folder / 'efficiency.png'}")
