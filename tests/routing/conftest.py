"""Small capacitated topologies and traffic matrices for the routing tests."""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
import pytest

import infranet
from infranet.model import Topology
from infranet.traffic import TrafficMatrix, all_to_all, read_hist, uniform

# options that keep every algorithm quick and deterministic in tests
FAST = {"igp-wo": {"seed": 1, "iterations": 15, "patience": 5}, "pop": {"seed": 1, "parts": 2}}


def options(name: str, topology: Topology) -> dict:
    """Test options of algorithm `name` (cspf needs hops where latency is unknown)."""
    extra = dict(FAST.get(name, {}))
    if name == "cspf" and not np.isfinite(topology.compile().latency_ms).all():
        extra["weight"] = "hops"
    return extra


def _sites(names):
    return [{"name": n} for n in names]


def grid(size: int = 3, capacity: float = 100.0) -> Topology:
    """A size x size grid, 100 km links: many equal-cost paths."""
    name = [f"g{r}{c}" for r in range(size) for c in range(size)]
    links = []
    for r in range(size):
        for c in range(size):
            if c + 1 < size:
                links.append({"a": f"g{r}{c}", "b": f"g{r}{c + 1}", "capacity": capacity,
                              "length_km": 100})
            if r + 1 < size:
                links.append({"a": f"g{r}{c}", "b": f"g{r + 1}{c}", "capacity": capacity,
                              "length_km": 100})
    return Topology.from_dict({"name": "grid", "sites": _sites(name), "links": links})


def mesh() -> Topology:
    """Six sites with uneven capacities, a parallel link, an asymmetric link and an SRLG."""
    return Topology.from_dict({"name": "mesh", "sites": _sites("abcdef"), "links": [
        {"a": "a", "b": "b", "capacity": 100, "length_km": 300, "srlg": ["duct-1"]},
        {"name": "a--b-2", "a": "a", "b": "b", "capacity": 40, "length_km": 320},
        {"a": "b", "b": "c", "capacity": 100, "length_km": 200, "srlg": ["duct-1"]},
        {"a": "c", "b": "d", "capacity": 60, "capacity_ba": 30, "length_km": 250},
        {"a": "d", "b": "e", "capacity": 100, "length_km": 150},
        {"a": "e", "b": "f", "capacity": 80, "length_km": 400},
        {"a": "f", "b": "a", "capacity": 100, "length_km": 350},
        {"a": "b", "b": "e", "capacity": 50, "length_km": 500},
        {"a": "c", "b": "f", "capacity": 70, "length_km": 600},
    ]})


def ring(n: int = 5, capacity: float = 100.0) -> Topology:
    names = [f"r{i}" for i in range(n)]
    links = [{"a": names[i], "b": names[(i + 1) % n], "capacity": capacity, "length_km": 100}
             for i in range(n)]
    return Topology.from_dict({"name": "ring", "sites": _sites(names), "links": links})


def hub(spokes: int = 4, capacity: float = 1000.0) -> Topology:
    names = ["h", *[f"s{i}" for i in range(spokes)]]
    links = [{"a": "h", "b": x, "capacity": capacity, "length_km": 100} for x in names[1:]]
    return Topology.from_dict({"name": "hub", "sites": _sites(names), "links": links})


CASES = {
    "grid": lambda: (grid(), uniform(grid(), 600.0, seed=3)),
    "mesh": lambda: (mesh(), uniform(mesh(), 250.0, seed=4)),
    "ring": lambda: (ring(), all_to_all(ring(), 5.0)),
}


@pytest.fixture(params=sorted(CASES))
def case(request) -> tuple[str, Topology, TrafficMatrix]:
    """Each small hand-built topology with a traffic matrix."""
    topo, tm = CASES[request.param]()
    return request.param, topo, tm


@pytest.fixture
def build() -> SimpleNamespace:
    """Builders of the small topologies."""
    return SimpleNamespace(grid=grid, mesh=mesh, ring=ring, hub=hub)


@pytest.fixture
def algo_options():
    """Test options of an algorithm on a topology."""
    return options


@functools.lru_cache(maxsize=1)
def _geant(folder: str):
    topo = infranet.read(f"{folder}/GEANT.json", capacity_unit="bit/s")
    tm = read_hist(f"{folder}/train-5.hist", topo, line=0)
    with open(f"{folder}/train-5.opt", encoding="utf-8") as handle:
        optimum = float(handle.read().split()[0])
    return topo, tm, optimum


@pytest.fixture
def geant(shared_data):
    """GEANT (FIGRET), its first traffic matrix and the published optimal MLU."""
    return _geant(str(shared_data / "figret-geant"))
