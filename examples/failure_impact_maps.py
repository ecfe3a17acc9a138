"""Where does a fiber cut hurt most? Two maps and a chart, written as PNG and SVG.

The world backbone coloured by capacity (its trans-Pacific cables split at the ±180°
meridian, not drawn across the map); the US backbone coloured by the round-trip time a cut of
each link adds between its datacenters (every single cut, joined to the links by name); and
the distribution of those additions.

    python examples/failure_impact_maps.py [FOLDER]   # default: a new temporary folder
"""

import sys
import tempfile
from pathlib import Path

import pandas as pd

import infranet
from infranet.algorithms import resilience
from infranet.output.maps import draw_map
from infranet.output.plots import plot, save_figure

ROOT = Path(__file__).resolve().parents[1]
folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="maps-"))

world = infranet.read(ROOT / "topologies" / "global-backbone.yaml")
save_figure(draw_map(world, color_by="capacity_gbps"), folder / "world-capacity.png")
print(f"world backbone by capacity: {folder / 'world-capacity.png'}")

us = infranet.read(ROOT / "topologies" / "us-backbone.yaml")
cuts = [f for f in resilience.single_failures(us, srlgs=False) if f.kind == "link"]
impact = pd.DataFrame({"link": [f.links[0] for f in cuts],
                       "rtt_added_ms": [f.rtt_increase_ms for f in cuts],
                       "disconnects": [f.disconnected_pairs > 0 for f in cuts]})
for suffix in (".png", ".svg"):
    save_figure(draw_map(us, color_by="rtt_added_ms", results=impact,
                         title="us-backbone: RTT a cut of each link adds (ms)"),
                folder / f"us-cut-impact{suffix}")
print(f"US backbone by the RTT a cut adds: {folder / 'us-cut-impact.png'}")
worst = max(cuts, key=lambda f: f.rtt_increase_ms)
print(f"  worst single cut: {worst.name} adds {worst.rtt_increase_ms:.1f} ms between "
      f"{' and '.join(worst.pair)}; {int(impact['disconnects'].sum())} cut(s) disconnect a pair")
save_figure(plot(impact, x="rtt_added_ms", kind="cdf",
                 title="RTT added by each single link cut, us-backbone"),
            folder / "us-cut-cdf.svg")
print(f"distribution of RTT added over {len(cuts)} single cuts: {folder / 'us-cut-cdf.svg'}")
