"""Every script in examples/ runs, in a fresh interpreter from the project's root, and prints
what it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))

#: What each script must print (a script without an entry here fails: say what it shows).
EXPECTED = {
    "place_inference.py": ["fewest accelerators", "(N+1)", "more accelerators",
                           "prefill and decode on separate replicas", "RTTs estimated"],
    "compare_vdc_designs.py": ["texas-vdc-ring", "survives any single cut: yes",
                               "survives any single cut: no", "DCI Gb/s for 95%"],
    "fiber_cut_study.py": ["820 scenarios, 0 with an error",
                           "cuts leave some datacenters unreachable", "worst RTT", "min cut"],
    "fiber_cut_what_if.py": ["single failures", "on hollow-core fiber everywhere",
                             "a floor without queueing"],
    "fabric_report.py": ["1,024 H100", "by min cut", "facility", "what limits the bisection"],
    "shared_dci_fairness.py": ["frozen by", "slowdown", "what binds"],
    "routing_plugin.py": ["least-hops-detour", "sndlib-abilene", "fat-tree-k4",
                          "MLU over the optimum per algorithm and instance",
                          "under each of the mesh's 8 single cuts",
                          "mlu:least-hops-detour: worst MLU"],
    "training_distance_bandwidth.py": ["60 scenarios, 0 with an error", "DCI for 95%",
                                       "llama3-8b", "gpt3-175b", "efficiency falls by",
                                       "efficiency against distance and DCI bandwidth"],
    "hollow_core_study.py": ["80 scenarios (40 cuts x 2 media), 0 with an error",
                             "hollow-core cuts the median worst RTT by 31%",
                             "median efficiency", "CDF of the worst RTT per medium"],
    "dynamic_te.py": ["us-backbone: 30 sites", "pred-p90", "window-peak",
                      "ratio = MLU / optimum of the interval", "what binds pred-p90"],
    "user_regions_rtt.py": ["13 regions", "nearest site of each", "pairs estimated",
                            "fiber", "(a median)"],
    "inference_replica.py": ["per replica", "TTFT = network + queue + prefill", "binding:",
                             "TP8", "26.8 ms", "before placement"],
    "place_training.py": ["abilene/stargate-ph1", "runner-up", "binding: power: abilene",
                          "per million tokens"],
    "training_two_sites.py": ["abilene/stargate-ph1", "DCI needed for 95% efficiency",
                              "every 100 steps", "2 sites 300 km apart", "binding"],
    "failure_impact_maps.py": ["world backbone by capacity", "US backbone by the RTT a cut adds",
                               "worst single cut: slc-den-i80 adds 25.2 ms",
                               "over 40 single cuts"],
    "dask_local_cluster.py": ["Dask cluster at tcp://", "15 scenarios on the cluster",
                              "0 with an error", "rows identical to a serial run",
                              "Parquet part(s)", "15 rows read back"],
    "real_backbone_failures.py": ["uninett2010: 74 sites, 101 links; 5151 scenarios, 0 with "
                                  "an error",
                                  "cuts leave some sites unreachable (16 of 101 single cuts)",
                                  "worst RTT", "least capacity between two reachable sites"],
    "vdc_groups.py": ["texas-vdc-mesh within 3 ms: 3 group(s)",
                      "abilene + fort-worth: 451,200 accelerators",
                      "survives any single cut of 9 failures",
                      "not a group: san-antonio: no other datacenter within 5 ms RTT"],
}


def test_every_example_says_what_it_shows():
    assert {p.name for p in SCRIPTS} == set(EXPECTED)


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs(script):
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for text in EXPECTED[script.name]:
        assert text in done.stdout, (text, done.stdout)
