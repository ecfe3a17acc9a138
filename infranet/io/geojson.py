"""GeoJSON (RFC 7946): sites as Points, links as LineStrings, in EPSG:4326 ``[lon, lat]``.

:func:`write_geojson` gives a FeatureCollection that GIS tools (QGIS, geopandas, kepler.gl) draw
directly; link properties carry the resolved capacity, length and latency. Every feature has an
``element`` property (``site`` or ``link``); a site without a location, or a link whose ends have
none, has a ``null`` geometry so that nothing is lost. Topology-level data (description, notes,
defaults, demands) sits in the foreign member ``infranet``. :func:`read_geojson` reads such a file
back into a spec.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infranet.errors import FormatError, InfranetError, counted
from infranet.io.common import as_number, finite, json_document, some, trim
from infranet.io.native import plain

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["read_geojson", "write_geojson"]

_SITE_KEYS = ("kind", "power_mw", "pue", "population", "description", "clusters", "meta")
_LINK_KEYS = ("route_factor", "fiber_pairs", "cost", "description", "terminal_latency_ms",
              "amplifier_spacing_km", "amplifier_latency_ms", "extra_latency_ms", "meta")
_TOP_KEYS = ("description", "source", "notes", "defaults", "demands", "meta")


def write_geojson(topology: Topology) -> dict[str, Any]:
    """Return a Topology as a GeoJSON FeatureCollection (``[lon, lat]``, EPSG:4326).

    Sites are Point features with ``name, kind`` and, when set, ``power_mw, population,
    description``. Links are LineString features along their ``route``, or the straight segment
    between their ends, with ``name, a, b, kind, capacity_gbps`` (and ``capacity_ba_gbps`` when
    the b->a direction differs), ``length_km, length_source, latency_ms, srlg, medium``.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x", "location": [0, 0]},
    ...     {"name": "y", "location": [1, 0]}], "links": [{"a": "x", "b": "y", "capacity": 400}]})
    >>> [f["geometry"]["type"] for f in write_geojson(topo)["features"]]
    ['Point', 'Point', 'LineString']
    """
    spec = topology.to_dict()
    sites = topology.sites
    table = topology.links
    where: dict[str, list[float] | None] = {}
    features = []
    for site in spec["sites"]:
        lon, lat = sites.at[site["name"], "lon"], sites.at[site["name"], "lat"]
        point = None if math.isnan(lon) or math.isnan(lat) else [float(lon), float(lat)]
        where[site["name"]] = point
        properties: dict[str, Any] = {"element": "site", "name": site["name"]}
        properties.update({k: site[k] for k in _SITE_KEYS if k in site})
        features.append(_feature(site["name"], "Point", point, properties))
    by_name = {link["name"]: link for link in spec["links"] if "name" in link}
    for i, row in enumerate(table.itertuples(index=False)):
        link = by_name.get(row.name, spec["links"][i])
        ends = where[row.a], where[row.b]
        if "route" in link:
            line: list[list[float]] | None = [list(p) for p in link["route"]]
        elif ends[0] is not None and ends[1] is not None:
            line = [ends[0], ends[1]]
        else:
            line = None
        properties = {"element": "link", "name": row.name, "a": row.a, "b": row.b,
                      "kind": row.kind}
        if finite(row.capacity_gbps):
            properties["capacity_gbps"] = float(row.capacity_gbps)
            if finite(row.capacity_ba_gbps) and row.capacity_ba_gbps != row.capacity_gbps:
                properties["capacity_ba_gbps"] = float(row.capacity_ba_gbps)
        properties["length_km"] = float(row.length_km) if finite(row.length_km) else None
        properties["length_source"] = row.length_source
        properties["latency_ms"] = float(row.latency_ms) if finite(row.latency_ms) else None
        properties["latency_source"] = row.latency_source
        properties["srlg"] = list(row.srlg)
        properties["medium"] = row.medium
        properties.update({k: link[k] for k in _LINK_KEYS if k in link})
        features.append(_feature(row.name, "LineString", line, properties))
    collection: dict[str, Any] = {"type": "FeatureCollection", "name": spec["name"]}
    top = {k: spec[k] for k in _TOP_KEYS if spec.get(k)}
    if top:
        collection["infranet"] = top
    collection["features"] = features
    return plain(collection)


def read_geojson(path_or_dict: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read a GeoJSON FeatureCollection (as :func:`write_geojson` writes it) into a spec dict.

    Point features (or ``element: site``) become sites, named by their ``name`` property;
    LineString features (or ``element: link``) become links between the sites named by their
    ``a`` and ``b`` properties, keeping the geometry as ``route`` when it has more than two
    points (or was the link's route, ``length_source: route``). Lengths and latencies that the
    writer computed (``length_source`` / ``latency_source`` other than ``explicit``) are left for
    the model to compute again.

    Raises
    ------
    FormatError
        Not a FeatureCollection, a site without a name, a link without ``a``/``b``.

    Examples
    --------
    >>> spec = read_geojson({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
    ...      "properties": {"name": "paris"}},
    ...     {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.13, 51.51]},
    ...      "properties": {"name": "london"}},
    ...     {"type": "Feature", "geometry": {"type": "LineString",
    ...      "coordinates": [[2.35, 48.86], [1.8, 50.9], [-0.13, 51.51]]},
    ...      "properties": {"a": "paris", "b": "london", "capacity_gbps": 400}}]})
    >>> spec["links"][0]["capacity"], len(spec["links"][0]["route"])
    (400.0, 3)
    """
    data, file = json_document(path_or_dict)
    try:
        return _convert(data, file)
    except InfranetError as err:
        if file:
            err.in_file(file)
        raise


def _feature(name: str, kind: str, coordinates: Any, properties: dict[str, Any]) -> dict:
    geometry = None if coordinates is None else {"type": kind, "coordinates": coordinates}
    return {"type": "Feature", "id": name, "geometry": geometry, "properties": properties}


def _convert(data: Any, file: str | None) -> dict[str, Any]:
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise FormatError("expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise FormatError("the FeatureCollection has no 'features' list")
    given = data.get("infranet")
    top: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    spec: dict[str, Any] = {
        "name": str(data.get("name") or (Path(file).stem if file else "network")),
    }
    for key in _TOP_KEYS:
        if top.get(key):
            spec[key] = top[key]
    spec.setdefault("source", file or "GeoJSON data")
    notes = list(spec.get("notes", []))
    sites: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    skipped: list[str] = []
    for i, feature in enumerate(features):
        element = f"features[{i}]"
        if not isinstance(feature, Mapping):
            raise FormatError("expected a Feature object", element=element)
        geometry = feature.get("geometry")
        geometry = geometry if isinstance(geometry, Mapping) else {}
        properties = feature.get("properties")
        properties = dict(properties) if isinstance(properties, Mapping) else {}
        role = properties.pop("element", None)
        kind = geometry.get("type")
        if role == "site" or (role is None and kind == "Point"):
            sites.append(_site(properties, geometry, element))
        elif role == "link" or (role is None and kind == "LineString"):
            links.append(_link(properties, geometry, element))
        else:
            skipped.append(f"{element} ({kind or 'no geometry'})")
    if skipped:
        notes.append(f"{counted(len(skipped), 'feature')} neither sites nor links, not read: "
                     f"{some(skipped)}")
    if notes:
        spec["notes"] = notes
    spec["sites"] = sites
    spec["links"] = trim(links, spec.get("defaults"))
    return spec


def _site(properties: dict[str, Any], geometry: Mapping[str, Any],
          element: str) -> dict[str, Any]:
    name = properties.pop("name", None)
    if name is None or str(name).strip() == "":
        raise FormatError("a site (Point feature) needs a 'name' property", element=element)
    site: dict[str, Any] = {"name": str(name)}
    if geometry.get("type") == "Point":
        point = geometry.get("coordinates")
        if not isinstance(point, list) or len(point) < 2:
            raise FormatError(f"a Point needs [lon, lat] coordinates, got {point!r}",
                              element=f"site {name!r}", field="geometry")
        site["location"] = [point[0], point[1]]
    for key in _SITE_KEYS:
        if properties.get(key) is not None:
            site[key] = properties.pop(key)
    extra = {k: v for k, v in properties.items() if v is not None}
    if extra:
        site.setdefault("meta", {}).update(plain(extra))
    return site


def _link(properties: dict[str, Any], geometry: Mapping[str, Any],
          element: str) -> dict[str, Any]:
    a, b = properties.pop("a", None), properties.pop("b", None)
    if a is None or b is None:
        raise FormatError("a link (LineString feature) needs 'a' and 'b' properties naming the "
                          "sites at its ends", element=element)
    link: dict[str, Any] = {"a": str(a), "b": str(b)}
    name = properties.pop("name", None)
    if name is not None:
        link["name"] = str(name)
        element = f"link {name!r}"
    if properties.get("kind") is not None:
        link["kind"] = properties.pop("kind")
    for key, target in (("capacity_gbps", "capacity"), ("capacity_ba_gbps", "capacity_ba")):
        value = properties.pop(key, None)
        if value is not None:
            number = as_number(value, element, key)
            if number is not None:
                link[target] = number
    length_source = properties.pop("length_source", None)
    length = properties.pop("length_km", None)
    if length is not None and length_source in (None, "explicit"):
        link["length_km"] = as_number(length, element, "length_km")
    latency_source = properties.pop("latency_source", None)
    latency = properties.pop("latency_ms", None)
    if latency is not None and latency_source in (None, "explicit"):
        link["latency_ms"] = as_number(latency, element, "latency_ms")
    line = geometry.get("coordinates") if geometry.get("type") == "LineString" else None
    # a straight segment is the default geometry; a two-point route is kept when it was the route
    if isinstance(line, list) and (len(line) > 2 or (length_source == "route" and len(line) == 2)):
        link["route"] = [list(p[:2]) for p in line]
    for key in ("srlg", "medium", *_LINK_KEYS):
        if properties.get(key) is not None:
            link[key] = properties.pop(key)
    extra = {k: v for k, v in properties.items() if v is not None}
    if extra:
        link.setdefault("meta", {}).update(plain(extra))
    return {k: v for k, v in link.items() if v is not None}
