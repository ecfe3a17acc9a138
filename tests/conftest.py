"""Fixtures shared by the tests: small topologies and one per shipped topology file."""

from __future__ import annotations

from pathlib import Path

import pytest

import infranet
from infranet.model import Topology

ROOT = Path(__file__).resolve().parents[1]
TOPOLOGIES = sorted((ROOT / "topologies").glob("*.yaml"))
SHARED_DATA = ROOT.parent / "shared" / "data"


def triangle(**link_options) -> Topology:
    """Three datacenters, 100/100/300 km, 400 Gb/s links."""
    return Topology.from_dict({
        "name": "triangle",
        "sites": [{"name": n, "kind": "datacenter"} for n in "xyz"],
        "links": [
            {"a": "x", "b": "y", "length_km": 100, "capacity": 400, **link_options},
            {"a": "y", "b": "z", "length_km": 100, "capacity": 400, **link_options},
            {"a": "x", "b": "z", "length_km": 300, "capacity": 400, **link_options},
        ],
    })


@pytest.fixture
def tri() -> Topology:
    return triangle()


@pytest.fixture(params=TOPOLOGIES, ids=[p.stem for p in TOPOLOGIES])
def shipped(request) -> Topology:
    """Each topology shipped in topologies/."""
    return infranet.read(request.param)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA
