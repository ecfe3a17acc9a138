"""Hypothesis strategies for infranet's property tests, and for tests of plug-ins.

Every property test of infranet draws its random topologies from here, so that a change of the
format (a new check, a new key) is made once. Importing this module needs ``hypothesis`` (a test
dependency, not a run-time one).

Examples
--------
>>> from hypothesis import given
>>> from infranet.model import Topology
>>> @given(topology_specs(max_sites=4))
... def test_valid(spec):
...     assert Topology.from_dict(spec).n_sites == len(spec["sites"])
>>> test_valid()
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__ = ["NAMES", "UNICODE_NAMES", "topology_specs"]

#: Site and group names in plain ASCII.
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=8)
#: Names with spaces, capitals and non-ASCII letters (never blank).
UNICODE_NAMES = st.text(alphabet="abcXYZ019 -_é", min_size=1, max_size=8).filter(str.strip)

_LON = st.floats(-180, 180, allow_nan=False)
_LAT = st.floats(-90, 90, allow_nan=False)
_FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
_MEDIA = ("smf", "ull", "hollow_core", "microwave")


@st.composite
def topology_specs(draw: Any, *, min_sites: int = 2, max_sites: int = 6, min_links: int = 0,
                   max_links: int = 8, names: st.SearchStrategy[str] = NAMES,
                   located: str = "some", capacities: str = "all", lengths: bool = True,
                   routes: bool = True, srlgs: bool = True, clusters: bool = False,
                   dci: bool = False, min_clusters: int = 0, extras: bool = False,
                   connected: bool = False,
                   capacity_range: tuple[float, float] = (1e-3, 1e6),
                   capacity_step: float | None = None,
                   racks: tuple[int, int] = (1, 10**4),
                   power_range: tuple[float, float] = (0.0, 5000.0),
                   available: bool = False) -> dict[str, Any]:
    """A valid topology spec (the content of a topology file).

    Parameters
    ----------
    min_sites, max_sites, min_links, max_links
        Sizes; links join two distinct sites, parallel links allowed.
    names
        Strategy for site and shared-risk group names.
    located
        ``"all"``: every site has a location; ``"some"``: each one may.
    capacities
        ``"all"``: every link has a capacity; ``"some"``: each may, and may have a
        ``capacity_ba``.
    lengths, routes
        Whether links may carry an explicit ``length_km`` (never shorter than the great circle
        between located sites) or a ``route`` (a polyline that starts and ends at its sites when
        they are located).
    srlgs
        Whether links may belong to shared-risk groups.
    clusters
        Whether datacenters may hold accelerator clusters and a power budget, and regions a
        population.
    dci
        Whether those clusters carry a DCI capacity (1 to 100,000 Gb/s).
    min_clusters
        With `clusters`: at least this many sites (the first ones) are datacenters with a
        cluster (``min_sites`` must allow them).
    extras
        Whether to draw the rarer keys too: media, ``meta``, notes, descriptions, a default
        route factor; on sites ``pue``; on links ``fiber_pairs``, ``cost``, ``route_factor``,
        a measured ``latency_ms`` (above any length's speed-of-light floor) and the equipment
        latencies.
    connected
        Whether the links start with a random spanning tree of the sites (so that every pair is
        joined), before the `min_links`..`max_links` others.
    capacity_range
        Lowest and highest capacity drawn, in Gb/s (LP tests keep it narrow, so that their
        tolerances hold).
    capacity_step
        Draw capacities as whole multiples of this (Gb/s) within `capacity_range`, so that
        sums are exact and ties are real (default: any float in the range).
    racks, power_range
        With `clusters`: a cluster's count is 72 × a number of racks drawn from `racks`, a
        datacenter's ``power_mw`` is drawn from `power_range`.
    available
        With `clusters`: whether a cluster may say fewer accelerators ``available`` than its
        count.
    """
    site_names = draw(st.lists(names, min_size=min_sites, max_size=max_sites, unique=True))
    sites: list[dict[str, Any]] = []
    where: dict[str, list[float]] = {}
    for i, name in enumerate(site_names):
        forced = clusters and i < min_clusters
        site: dict[str, Any] = {"name": name, "kind": "datacenter" if forced else
                                draw(st.sampled_from(["datacenter", "pop", "region"]))}
        if located == "all" or draw(st.booleans()):
            site["location"] = where[name] = [draw(_LON), draw(_LAT)]
        if clusters and site["kind"] == "datacenter" and (forced or draw(st.booleans())):
            site["power_mw"] = draw(st.floats(*power_range))
            site["clusters"] = [{"accelerator": draw(st.sampled_from(["H100", "GB200"])),
                                 "count": 72 * draw(st.integers(*racks))}]
            if available and draw(st.booleans()):
                site["clusters"][0]["available"] = draw(
                    st.integers(0, site["clusters"][0]["count"]))
            if dci:
                site["clusters"][0]["dci"] = draw(st.floats(1.0, 1e5))
        if clusters and site["kind"] == "region" and draw(st.booleans()):
            site["population"] = draw(st.floats(0, 1e9))
        if extras and "clusters" in site and draw(st.booleans()):
            site["pue"] = draw(st.floats(1, 2))
        if extras and draw(st.booleans()):
            site["description"] = draw(st.text(max_size=20))
        if extras and draw(st.booleans()):
            site["meta"] = {"code": draw(names)}
        sites.append(site)
    links: list[dict[str, Any]] = []
    tree = [(site_names[i], site_names[draw(st.integers(0, i - 1))])
            for i in range(1, len(site_names))] if connected else []
    for index in range(len(tree) + draw(st.integers(min_links, max_links))):
        if index < len(tree):
            a, b = tree[index]
        else:
            a, b = draw(st.lists(st.sampled_from(site_names), min_size=2, max_size=2,
                                 unique=True))
        link: dict[str, Any] = {"a": a, "b": b}
        if capacities == "all" or draw(st.booleans()):
            link["capacity"] = draw(_capacities(capacity_range, capacity_step))
            if capacities != "all" and draw(st.booleans()):
                link["capacity_ba"] = draw(_capacities(capacity_range, capacity_step))
        choice = draw(st.sampled_from(["none"] + ["length"] * lengths + ["route"] * routes))
        if choice == "length":
            link["length_km"] = draw(st.floats(0.5, 30000))
            if a in where and b in where:  # never shorter than the straight line
                link["length_km"] = max(link["length_km"], _great_circle_km(where[a], where[b]))
        elif choice == "route":
            middle = [[draw(_LON), draw(_LAT)] for _ in range(draw(st.integers(0, 2)))]
            start = where.get(a, [draw(_LON), draw(_LAT)])
            end = where.get(b, [draw(_LON), draw(_LAT)])
            link["route"] = [list(start), *middle, list(end)]
        if srlgs and draw(st.booleans()):
            link["srlg"] = draw(st.lists(names, max_size=2, unique=True))
        if extras and draw(st.booleans()):
            link["medium"] = draw(st.sampled_from(_MEDIA))
        if extras and draw(st.booleans()):
            link["meta"] = {"note": draw(names), "x": draw(_FINITE)}
        if extras:
            _link_extras(draw, link, estimated=choice == "none")
        links.append(link)
    spec: dict[str, Any] = {"name": draw(names) if extras else "random", "sites": sites,
                            "links": links}
    if extras:
        spec["defaults"] = {"route_factor": draw(st.floats(1, 3))}
        if draw(st.booleans()):
            spec["notes"] = draw(st.lists(st.text(max_size=20), max_size=2))
        if draw(st.booleans()):
            spec["description"] = draw(st.text(max_size=20))
    return spec


def _capacities(bounds: tuple[float, float], step: float | None) -> st.SearchStrategy[float]:
    """Capacities in `bounds` (Gb/s): any float, or whole multiples of `step`."""
    if step is None:
        return st.floats(*bounds)
    import math

    low, high = math.ceil(bounds[0] / step), math.floor(bounds[1] / step)
    return st.integers(low, high).map(lambda k: k * step)


def _link_extras(draw: Any, link: dict[str, Any], *, estimated: bool) -> None:
    """The rarer keys of a link, each drawn or not."""
    optional = {
        "fiber_pairs": st.integers(1, 96),
        "cost": st.floats(0, 1e9),
        "description": st.text(max_size=20),
        # a route is at most three great circles long (60,114 km, 200.5 ms in vacuum)
        "latency_ms": st.floats(250, 1000),
        "terminal_latency_ms": st.floats(0, 0.2),
        "amplifier_spacing_km": st.floats(40, 120),
        "amplifier_latency_ms": st.floats(0, 0.001),
        "extra_latency_ms": st.floats(0, 1),
    }
    if estimated:
        optional["route_factor"] = st.floats(1, 3)
    for key, values in optional.items():
        if draw(st.integers(0, 3)) == 0:
            link[key] = draw(values)


def _great_circle_km(p: list[float], q: list[float]) -> float:
    from infranet.physics import geodesic_km

    return float(geodesic_km(p[0], p[1], q[0], q[1]))
