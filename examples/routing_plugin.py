"""A routing algorithm of your own, run through infranet's routing benchmark.

`least-hops-detour` sends each demand on its fewest-hop path, except where that path crosses a
link already loaded above a threshold, where it takes the next of its k shortest paths. It is
registered under a name, with the shared signature ``(topology, tm, **options) -> Routing``, and
then the benchmark suite measures it beside the built-in algorithms against the optimum, on
data that ships with infranet (SNDlib Abilene through topohub, a k=4 fat-tree; FIGRET's GEANT
and Facebook pod too when ../shared/data is beside the checkout), and draws the benchmark's
MLU-ratio chart. Registered, it is also a study's measure, ``mlu:least-hops-detour``: here
under every single cut of the Texas mesh, beside ECMP.

    python examples/routing_plugin.py [FOLDER]   # default: a new temporary folder
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

import infranet
from infranet import traffic
from infranet.algorithms.candidates import shortest_paths
from infranet.bench.routing import run
from infranet.output.plots import mlu_ratio_chart, save_figure
from infranet.routing import Routing, register
from infranet.studies.sweep import Failures, Study
from infranet.studies.sweep import run as run_study
from infranet.traffic import as_flows

ROOT = Path(__file__).resolve().parents[1]


@register("least-hops-detour")
def least_hops_detour(topology, tm, *, k: int = 3, threshold: float = 0.7) -> Routing:
    """Fewest hops, detouring over the next of `k` shortest paths around busy links."""
    flows = as_flows(topology, tm)  # the demands as a list, over the topology's nodes
    pairs = zip(flows.src.tolist(), flows.dst.tolist(), strict=True)
    demand = dict(zip(pairs, flows.demand_gbps, strict=True))
    paths = shortest_paths(topology, flows, k)  # up to k paths per pair, fewest hops first
    cap = topology.compile().capacity_gbps
    load = np.zeros(len(cap))
    chosen = {}
    for d in range(paths.n_demands):
        first = paths.path_ptr[d]
        s, t = int(paths.src[first]), int(paths.dst[first])
        options = [arcs for arcs, _ in paths.paths(d)]
        pick = next((arcs for arcs in options
                     if np.all(load[arcs] + demand[s, t] <= threshold * cap[arcs])), options[0])
        load[pick] += demand[s, t]
        chosen[paths.nodes[s], paths.nodes[t]] = [(pick, 1.0)]
    return Routing.from_paths(topology, tm, chosen, algorithm="least-hops-detour",
                              options={"k": k, "threshold": threshold})


results = run("quick", algorithms=["spf", "ecmp", "least-hops-detour"])
print(f"{'instance':<24}{'algorithm':<20}{'MLU / optimum':>14}{'carried':>9}")
for row in results["results"]:
    ratio = row.get("mlu_ratio")
    shown = "-" if ratio is None or ratio != ratio else f"{ratio:.3f}"
    print(f"{row['instance']:<24}{row['algorithm']:<20}{shown:>14}{row['carried_share']:>9.0%}")

folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="routing-"))
folder.mkdir(parents=True, exist_ok=True)
save_figure(mlu_ratio_chart(results["results"]), folder / "mlu-ratio.png")
print(f"MLU over the optimum per algorithm and instance: {folder / 'mlu-ratio.png'}")

mesh = infranet.read(ROOT / "topologies" / "texas-mesh.yaml")
study = Study(name="detour-under-cuts", topology=mesh, failures=Failures(),
              demands=traffic.gravity(mesh, total_gbps=200_000.0, by="capacity"),
              measures=("mlu:least-hops-detour", "mlu:ecmp"))
rows = run_study(study)
print(f"under each of the mesh's {len(rows)} single cuts (200 Tb/s gravity demands):")
for measure in study.measures:
    worst = rows.loc[rows[f"{measure}.mlu"].idxmax()]
    print(f"  {measure}: worst MLU {worst[f'{measure}.mlu']:.2f} (cut {worst['failure']}), "
          f"{worst[f'{measure}.ratio']:.2f} x the optimum after that cut")
