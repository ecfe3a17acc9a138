"""A scale-out fabric in numbers: the NVIDIA DGX SuperPOD of 1,024 H100.

The closed-form summary and the explicit graph of the same spec, side by side: bisection (by a
minimum cut of the graph), diameter, and power held against the site's budget (IT power from the
published DGX H100 system figure, switches and optics; facility power x the site's PUE).

    python examples/fabric_report.py
"""

from pathlib import Path

import infranet
from infranet.fabrics.report import fabric_report

ROOT = Path(__file__).resolve().parents[1]
pod = infranet.read(ROOT / "topologies" / "h100-superpod.yaml")

report = fabric_report(pod)
for cluster in report.to_dict()["clusters"]:
    print(f"{cluster['site']}/{cluster['cluster']}: {cluster['accelerators']:,} "
          f"{cluster['accelerator']} on a {cluster['kind']} fabric, "
          f"{cluster['switches']:,} switches, {cluster['links']:,} links")
    print(f"  bisection {cluster['bisection_gbps'] / 1000:,.1f} Tb/s by min cut, "
          f"{cluster['bisection_closed_form_gbps'] / 1000:,.1f} Tb/s in closed form")
    print(f"  diameter {cluster['diameter_hops']} hops, {cluster['diameter_us']:.2f} µs")
    print(f"  IT power {cluster['it_power_kw']:,.0f} kW, facility "
          f"{cluster['facility_power_mw']:.2f} MW at PUE {cluster['pue']}")
    print(f"  what limits the bisection: {cluster['binding']['summary']}")
    for tier in cluster["tiers"]:
        print(f"    {tier['tier']:<10} {tier['gbps_per_accelerator']:>8,.0f} Gb/s per accelerator")
