"""Two training jobs share the DCI of a virtual datacenter: who gets what, and what freezes them?

The cluster-level view adds one node per cluster, joined to its site by the cluster's DCI
capacity, so the clusters' DCI links and the WAN are solved together. Two jobs each send elastic
flows between campuses; weighted max-min fairness gives each flow its rate and the link that
froze it, and each job its slowdown against running alone.

    python examples/shared_dci_fairness.py
"""

from pathlib import Path

import infranet
from infranet.algorithms.fairness import max_min_fair
from infranet.fabrics.expand import expand
from infranet.traffic import Flows

ROOT = Path(__file__).resolve().parents[1]
ring = infranet.read(ROOT / "topologies" / "texas-ring.yaml")
view = expand(ring, level="cluster")  # nodes SITE/CLUSTER joined to their site at `dci`

inf = float("inf")
flows = Flows.from_pairs(
    src=["abilene/stargate-ph2", "abilene/stargate-ph2", "fort-worth/ftw-h100"],
    dst=["temple/tpl-gb200", "san-antonio/sat-gb200", "temple/tpl-gb200"],
    demand_gbps=[inf, inf, inf],
    weight=[2, 2, 1],                      # the large job has twice the share of the other
    group=["pretrain", "pretrain", "finetune"],
    nodes=view,
)
fair = max_min_fair(view, flows)
for row in fair.to_frame().itertuples(index=False):
    print(f"{row.src:>22} -> {row.dst:<22} {row.rate_gbps / 1000:7.1f} Tb/s  "
          f"frozen by {row.bottleneck}")
print(fair.groups.to_string(index=False))
print("what binds:", fair.binding.summary)
