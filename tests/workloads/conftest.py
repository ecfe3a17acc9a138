"""What the workload tests share: small topologies with clusters."""

from __future__ import annotations

from infranet.model import Topology


def two_sites(length_km: float, capacity: float, *, dci: float = 1e5,
              accelerator: str = "H100", count: int = 1024) -> Topology:
    """Two datacenters joined by one link, each with one cluster of `accelerator`."""
    cluster = {"accelerator": accelerator, "count": count, "dci": dci,
               "scale_up": {"kind": "nvswitch", "domain": 8},
               "scale_out": {"kind": "rail_optimized", "nic": 400}}
    return Topology.from_dict({
        "name": "pair",
        "sites": [{"name": n, "kind": "datacenter", "clusters": [{**cluster, "name": "c"}]}
                  for n in ("x", "y")],
        "links": [{"a": "x", "b": "y", "length_km": length_km, "capacity": capacity}]})
