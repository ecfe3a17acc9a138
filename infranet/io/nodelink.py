"""networkx node-link JSON: read into a spec dict, write a Topology for networkx-based tools.

Node-link JSON is what traffic-engineering research code exchanges (FIGRET, Teal, NCFlow, topohub):
``{"directed", "multigraph", "graph", "nodes": [{"id", ...}], "links" | "edges": [{"source",
"target", ...}]}``. Such files rarely say their units, so the reader takes ``capacity_unit``.

infranet links are full duplex. A directed file's arc pair ``u->v`` / ``v->u`` becomes one link
(``capacity`` from ``u->v``, ``capacity_ba`` from ``v->u`` when it differs); an arc without its
reverse becomes a link whose reverse direction is assumed equal, and the spec's ``notes`` say so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infranet import units
from infranet.errors import FormatError, InfranetError, counted
from infranet.io.common import as_number, finite, json_document, some, trim
from infranet.io.native import plain

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["GRAPH_KEYS", "LINK_KEYS", "SITE_KEYS", "read_nodelink", "write_nodelink"]

_SITE_KINDS = ("datacenter", "pop", "region")
_LINK_KINDS = ("fiber", "scale_out", "scale_up")
# attributes of a node, an edge or the graph that map one to one onto the native spec (also
# what Topology.to_networkx carries beside the resolved values)
SITE_KEYS = ("power_mw", "pue", "population", "description", "clusters")
LINK_KEYS = ("route", "route_factor", "medium", "srlg", "fiber_pairs", "cost", "description",
             "terminal_latency_ms", "amplifier_spacing_km", "amplifier_latency_ms",
             "extra_latency_ms")
GRAPH_KEYS = ("description", "defaults", "catalogue")
# longitude/latitude attribute pairs, as written by topology tools
_LONLAT_KEYS = (("lon", "lat"), ("longitude", "latitude"), ("Longitude", "Latitude"))
# values the writer adds for consumers; the reader drops them (the model recomputes them)
_DERIVED = ("length_source", "latency_source", "key")
_UNITS = {"capacity": "bit/s", "capacity_gbps": "Gb/s", "capacity_ba_gbps": "Gb/s",
          "length_km": "km", "latency_ms": "ms", "pos": "degrees [lon, lat], EPSG:4326"}


def read_nodelink(
    path_or_dict: str | Path | Mapping[str, Any],
    *,
    capacity_unit: str | None = None,
    name: str | None = None,
    capacity_key: str = "capacity",
    length_key: str = "length_km",
    coordinates: str = "auto",
) -> dict[str, Any]:
    """Read networkx node-link JSON into a native spec dict (capacities in Gb/s).

    Parameters
    ----------
    path_or_dict
        A ``.json`` file or the already-loaded dict. Edges may be under ``links`` or ``edges``;
        the graph may be directed or not, a multigraph or not.
    capacity_unit
        Unit of the `capacity_key` attribute: ``"bit/s"``, ``"Mb/s"``, ``"Gb/s"``... or
        ``"unitless"`` (abstract units taken as Gb/s, recorded in the notes). Default: the
        file's ``graph.units.capacity`` when it has one, else ``"bit/s"`` (FIGRET, GEANT).
        An edge attribute ``capacity_gbps`` is always in Gb/s and wins.
    name
        Name of the topology; default ``graph.name``, else the file name.
    capacity_key, length_key
        Edge attributes holding the capacity and the length in km.
    coordinates
        ``"auto"``: node ``pos`` (or ``lon``/``lat``, ``Longitude``/``Latitude``) is taken as
        ``[lon, lat]`` when every value lies in range, else kept as planar ``meta.xy``;
        ``"lonlat"``: out-of-range values are an error; ``"planar"``: never a location.

    Returns
    -------
    dict
        The spec dict; validate it with ``Topology.from_dict(spec, source=...)``.

    Raises
    ------
    FormatError
        Unreadable JSON, missing ``nodes``/``source``/``target``, unknown node ids, non-numeric
        capacities.

    Examples
    --------
    >>> spec = read_nodelink({"directed": True, "nodes": [{"id": 0}, {"id": 1}],
    ...     "links": [{"source": 0, "target": 1, "capacity": 1e10},
    ...               {"source": 1, "target": 0, "capacity": 4e10}]})
    >>> [(x["a"], x["b"], x["capacity"], x["capacity_ba"]) for x in spec["links"]]
    [('0', '1', 10.0, 40.0)]
    """
    data, file = json_document(path_or_dict)
    try:
        return _convert(data, file=file, capacity_unit=capacity_unit, name=name,
                        capacity_key=capacity_key, length_key=length_key,
                        coordinates=coordinates)
    except InfranetError as err:
        if file:
            err.in_file(file)
        raise


def write_nodelink(topology: Topology) -> dict[str, Any]:
    """Return a Topology as node-link JSON for networkx (capacity in bit/s and Gb/s).

    The result is an undirected multigraph, one edge per infranet link keyed by the link name,
    so parallel links survive. Nodes have ``id`` (the site name), ``kind`` and ``pos`` =
    ``[lon, lat]``. Edges carry ``capacity`` in bit/s (what networkx-based TE tools read), the
    resolved ``capacity_gbps`` (and ``capacity_ba_gbps`` when the b->a direction differs),
    ``length_km``, ``latency_ms``, ``srlg`` and ``medium``; ``graph.units`` names every unit.
    :func:`read_nodelink` reads it back to the same topology.

    Examples
    --------
    >>> import networkx as nx
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x", "location": [0, 0]},
    ...     {"name": "y", "location": [1, 0]}], "links": [{"a": "x", "b": "y", "capacity": 400}]})
    >>> data = write_nodelink(topo)
    >>> data["links"][0]["capacity"], data["links"][0]["capacity_gbps"]
    (400000000000.0, 400.0)
    >>> nx.node_link_graph(data, edges="links").number_of_edges()
    1
    """
    spec = topology.to_dict()
    sites = topology.sites
    table = topology.links
    nodes = []
    for site in spec["sites"]:
        node: dict[str, Any] = {"id": site["name"], "kind": site.get("kind", "pop")}
        lon, lat = sites.at[site["name"], "lon"], sites.at[site["name"], "lat"]
        if not (math.isnan(lon) or math.isnan(lat)):
            node["pos"] = [float(lon), float(lat)]
        for key in (*SITE_KEYS, "meta"):
            if key in site:
                node[key] = site[key]
        nodes.append(node)
    by_name = {link["name"]: link for link in spec["links"] if "name" in link}
    links = []
    for i, row in enumerate(table.itertuples(index=False)):
        link_spec = by_name.get(row.name, spec["links"][i])
        edge: dict[str, Any] = {"source": row.a, "target": row.b, "key": row.name,
                                "name": row.name, "a": row.a, "kind": row.kind}
        if finite(row.capacity_gbps):
            edge["capacity"] = float(row.capacity_gbps) * 1e9
            edge["capacity_gbps"] = float(row.capacity_gbps)
            if finite(row.capacity_ba_gbps) and row.capacity_ba_gbps != row.capacity_gbps:
                edge["capacity_ba_gbps"] = float(row.capacity_ba_gbps)
        if finite(row.length_km):
            edge["length_km"] = float(row.length_km)
        edge["length_source"] = row.length_source
        if finite(row.latency_ms):
            edge["latency_ms"] = float(row.latency_ms)
        edge["latency_source"] = row.latency_source
        edge["medium"] = row.medium
        edge["srlg"] = list(row.srlg)
        for key in (*LINK_KEYS, "meta"):
            if key in link_spec and key not in edge:
                edge[key] = link_spec[key]
        links.append(edge)
    graph: dict[str, Any] = {"name": spec["name"], "units": dict(_UNITS)}
    for key in ("source", "notes", *GRAPH_KEYS, "demands", "meta"):
        if spec.get(key):
            graph[key] = spec[key]
    return plain({"directed": False, "multigraph": True, "graph": graph, "nodes": nodes,
                      "links": links})


# ---------------------------------------------------------------------------- conversion


def _convert(data: Any, *, file: str | None, capacity_unit: str | None, name: str | None,
             capacity_key: str, length_key: str, coordinates: str) -> dict[str, Any]:
    if coordinates not in ("auto", "lonlat", "planar"):
        raise ValueError(f"coordinates must be 'auto', 'lonlat' or 'planar', not {coordinates!r}")
    if not isinstance(data, Mapping):
        raise FormatError(f"expected a node-link JSON object, got {type(data).__name__}")
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, list):
        raise FormatError("no 'nodes' list; node-link JSON has 'nodes' and 'links' (or 'edges')")
    edges_key = "links" if "links" in data else "edges"
    raw_edges = data.get(edges_key, [])
    if not isinstance(raw_edges, list):
        raise FormatError(f"'{edges_key}' must be a list")
    graph = data.get("graph") or {}
    if not isinstance(graph, Mapping):
        graph = {"graph": graph}
    directed = bool(data.get("directed", False))
    multigraph = bool(data.get("multigraph", False))
    notes: list[str] = []
    if isinstance(graph.get("notes"), list):
        notes.extend(str(n) for n in graph["notes"])
    notes.append(
        f"converted from networkx node-link JSON ({'directed' if directed else 'undirected'}"
        f"{', multigraph' if multigraph else ''}: {counted(len(raw_nodes), 'node')}, "
        f"{counted(len(raw_edges), 'arc' if directed else 'edge')})")

    ids, sites = _sites(raw_nodes, notes, coordinates)
    factor = _capacity_factor(capacity_unit, graph, capacity_key, notes)
    links = _links(raw_edges, ids, directed, factor, capacity_key, length_key, notes)

    spec: dict[str, Any] = {
        "name": name or _text(graph.get("name")) or (Path(file).stem if file else "network"),
    }
    for key in GRAPH_KEYS:
        if graph.get(key) is not None:
            spec[key] = graph[key]
    spec["source"] = _text(graph.get("source")) or (file or "networkx node-link data")
    spec["notes"] = notes
    spec["sites"] = sites
    spec["links"] = trim(links, spec.get("defaults"))
    demands = graph.get("demands")
    if isinstance(demands, list) and all(isinstance(d, Mapping) for d in demands):
        spec["demands"] = [_demand(d, ids) for d in demands]
    meta = dict(graph.get("meta") or {}) if isinstance(graph.get("meta"), Mapping) else {}
    skip = {"name", "notes", "source", "units", "meta", *GRAPH_KEYS}
    if "demands" in spec:
        skip.add("demands")
    meta.update({k: v for k, v in graph.items() if k not in skip})
    if meta:
        spec["meta"] = plain(meta)
    return spec


def _sites(raw_nodes: list, notes: list[str],
           coordinates: str) -> tuple[dict[Any, str], list[dict[str, Any]]]:
    node_ids = []
    for i, node in enumerate(raw_nodes):
        if not isinstance(node, Mapping) or "id" not in node:
            raise FormatError("every node needs an 'id'", element=f"nodes[{i}]")
        node_ids.append(node["id"])
    labels = [_text(n.get("name", n.get("label"))) for n in raw_nodes]
    names = _unique_names(node_ids, labels, notes)
    ids: dict[Any, str] = {}
    for node_id, site_name in zip(node_ids, names, strict=True):
        if _key(node_id) in ids:
            raise FormatError(f"node id {node_id!r} is duplicated")
        ids[_key(node_id)] = site_name

    points = [_position(n) for n in raw_nodes]
    given = [p for p in points if p is not None]
    planar = coordinates == "planar" or (
        coordinates == "auto" and any(not _is_lonlat(p[1]) for p in given))
    if coordinates == "lonlat":
        for i, p in enumerate(points):
            if p is not None and not _is_lonlat(p[1]):
                raise FormatError(f"position {p[1]} is not a [lon, lat] in degrees",
                                  element=f"node {names[i]!r}")
    if given and planar:
        notes.append(f"node positions ({given[0][0]}) are planar (pixel) coordinates, not "
                     "longitude/latitude: kept as meta.xy; sites have no location and link "
                     "lengths are unknown unless the file gives them")
    missing = [names[i] for i, p in enumerate(points) if p is None]
    if given and missing:
        notes.append(f"{len(missing)} of {counted(len(points), 'node')} without coordinates: "
                     f"{some(missing)}")

    sites = []
    for i, node in enumerate(raw_nodes):
        site: dict[str, Any] = {"name": names[i]}
        kind = node.get("kind")
        if kind in _SITE_KINDS:
            site["kind"] = kind
        point = points[i]
        if point is not None:
            xy = point[1]
            if planar:
                site["meta"] = {"xy": xy}
            else:
                site["location"] = xy
        for key in SITE_KEYS:
            if node.get(key) is not None:
                site[key] = node[key]
        used = {"id", "kind", "pos", "meta", *SITE_KEYS, *(k for p in _LONLAT_KEYS for k in p)}
        if labels[i] is not None:
            used.add("name" if "name" in node else "label")
        extra = {k: v for k, v in node.items() if k not in used}
        if kind is not None and kind not in _SITE_KINDS:
            extra["kind"] = kind
        if isinstance(node.get("meta"), Mapping):
            extra.update(node["meta"])
        if extra:
            site.setdefault("meta", {}).update(plain(extra))
        sites.append(site)
    return ids, sites


def _links(raw_edges: list, ids: dict[Any, str], directed: bool, factor: float,
           capacity_key: str, length_key: str, notes: list[str]) -> list[dict[str, Any]]:
    arcs = []  # (a, b, attrs, capacity)
    loops = 0
    for i, edge in enumerate(raw_edges):
        if not isinstance(edge, Mapping) or "source" not in edge or "target" not in edge:
            raise FormatError("every edge needs 'source' and 'target'", element=f"edges[{i}]")
        ends = []
        for end in ("source", "target"):
            key = _key(edge[end])
            if key not in ids:
                raise FormatError(f"unknown node id {edge[end]!r}", element=f"edges[{i}]",
                                  field=end)
            ends.append(ids[key])
        if ends[0] == ends[1]:
            loops += 1
            continue
        if not directed and edge.get("a") is not None and ids.get(_key(edge["a"])) == ends[1]:
            ends.reverse()  # an undirected graph keeps no order: "a" names the link's a end
        where = f"edge {ends[0]}->{ends[1]}" if directed else f"edge {ends[0]}--{ends[1]}"
        arcs.append((ends[0], ends[1], edge, _arc_capacity(edge, capacity_key, factor, where)))
    if loops:
        notes.append(f"{counted(loops, 'self-loop edge')} dropped (a link joins two different "
                     "sites)")

    pairs: list[tuple[tuple, tuple | None]] = []
    if directed:
        waiting: dict[tuple[str, str], list[int]] = {}  # (u, v) -> indices of unmatched u->v
        slots: list[list] = []
        for arc in arcs:
            reverse = waiting.get((arc[1], arc[0]))
            if reverse:
                slots[reverse.pop(0)][1] = arc
            else:
                waiting.setdefault((arc[0], arc[1]), []).append(len(slots))
                slots.append([arc, None])
        pairs = [(fwd, rev) for fwd, rev in slots]
        alone = [f"{fwd[0]}->{fwd[1]}" for fwd, rev in pairs if rev is None]
        notes.append(f"{counted(len(arcs) - len(alone), 'arc')} paired into "
                     f"{counted(len(pairs) - len(alone), 'full-duplex link')} (capacity from "
                     "the a->b arc, capacity_ba from b->a where it differs)")
        if alone:
            notes.append(f"{counted(len(alone), 'arc')} without a reverse arc: the reverse "
                         f"direction was assumed to have the same capacity: {some(alone)}")
    else:
        pairs = [(arc, None) for arc in arcs]

    links = []
    zero: list[str] = []  # links whose source length is 0 (co-located ends, rounded distances)
    for fwd, rev in pairs:
        if rev is not None and fwd[3] is None and rev[3] is not None:
            fwd, rev = rev, fwd  # orient the link along the arc that has a capacity
        links.append(_link(fwd, rev, capacity_key, length_key, zero))

    if zero:
        notes.append(f"{counted(len(zero), 'link')} of length 0 in the source (co-located "
                     f"ends), the length left to the model: {some(zero)}")
    no_capacity = sum("capacity" not in link for link in links)
    if links and no_capacity:
        notes.append(f"{no_capacity} of {counted(len(links), 'link')} without a capacity in "
                     "the source")
    counts: dict[str, int] = {}
    for link in links:
        if "name" in link:
            counts[link["name"]] = counts.get(link["name"], 0) + 1
    repeated = sorted(n for n, c in counts.items() if c > 1)
    if repeated:
        for link in links:
            if link.get("name") in repeated:
                link.setdefault("meta", {})["name"] = link.pop("name")
        notes.append(f"edge names used more than once were moved to meta.name: {some(repeated)}")
    return links


def _link(fwd: tuple, rev: tuple | None, capacity_key: str, length_key: str,
          zero: list[str]) -> dict[str, Any]:
    a, b, attrs, capacity = fwd
    link: dict[str, Any] = {"a": a, "b": b}
    if attrs.get("name") is not None:
        link["name"] = str(attrs["name"])
    elif isinstance(attrs.get("key"), str):  # a multigraph's edge key, as to_networkx gives
        link["name"] = attrs["key"]
    if attrs.get("kind") in _LINK_KINDS:
        link["kind"] = attrs["kind"]
    if capacity is not None:
        link["capacity"] = capacity
        if rev is not None:
            if rev[3] is not None and rev[3] != capacity:
                link["capacity_ba"] = rev[3]
        elif attrs.get("capacity_ba_gbps") is not None:
            capacity_ba = as_number(attrs["capacity_ba_gbps"], f"edge {a}--{b}",
                                  "capacity_ba_gbps")
            if capacity_ba is not None and capacity_ba != capacity:
                link["capacity_ba"] = capacity_ba
    derived_source = attrs.get("length_source")
    if attrs.get(length_key) is not None and derived_source in (None, "explicit"):
        length = as_number(attrs[length_key], f"edge {a}--{b}", length_key)
        if length == 0:
            zero.append(f"{a}--{b}")
        elif length is not None:
            link["length_km"] = length
    if attrs.get("latency_ms") is not None and attrs.get("latency_source") in (None, "explicit"):
        latency = as_number(attrs["latency_ms"], f"edge {a}--{b}", "latency_ms")
        if latency is not None:
            link["latency_ms"] = latency
    for key in LINK_KEYS:
        if attrs.get(key) is not None:
            link[key] = attrs[key]
    used = {"source", "target", "a", "name", "kind", "capacity_gbps", "capacity_ba_gbps",
            "latency_ms", "meta", length_key, capacity_key, *LINK_KEYS, *_DERIVED}
    if "capacity_gbps" in attrs:
        used.add("capacity")  # the writer's bit/s copy of capacity_gbps
    extra = {k: v for k, v in attrs.items() if k not in used}
    if attrs.get("kind") is not None and attrs["kind"] not in _LINK_KINDS:
        extra["kind"] = attrs["kind"]
    if isinstance(attrs.get("meta"), Mapping):
        extra.update(attrs["meta"])
    if rev is not None:
        reverse = {k: v for k, v in rev[2].items()
                   if k not in used and k not in ("source", "target") and attrs.get(k) != v}
        if reverse:
            extra["reverse"] = reverse
    if extra:
        link["meta"] = plain(extra)
    return link


def _arc_capacity(attrs: Mapping[str, Any], key: str, factor: float, where: str) -> float | None:
    if attrs.get("capacity_gbps") is not None:
        return as_number(attrs["capacity_gbps"], where, "capacity_gbps")
    if attrs.get(key) is not None:
        value = as_number(attrs[key], where, key)
        # 15 significant digits drop the binary noise of the unit factor (2.4e9 bit/s -> 2.4)
        return None if value is None else float(f"{value * factor:.15g}")
    return None


def _capacity_factor(unit: str | None, graph: Mapping[str, Any], key: str,
                     notes: list[str]) -> float:
    declared = graph.get("units", {}).get(key) if isinstance(graph.get("units"), Mapping) else None
    if unit is None:
        unit = declared or "bit/s"
        origin = "declared by the file" if declared else "assumed"
    else:
        origin = "given"
    if unit == "unitless":
        notes.append(f"link capacities ('{key}') are in abstract units, taken as Gb/s; only "
                     "ratios such as utilisation are meaningful")
        return 1.0
    try:
        factor = units.parse(f"1 {unit}", "bandwidth")
    except InfranetError as err:
        raise FormatError(f"capacity unit: {err.detail}") from None
    notes.append(f"link capacities read from '{key}' in {unit} ({origin})")
    return factor


def _demand(raw: Mapping[str, Any], ids: dict[Any, str]) -> dict[str, Any]:
    out = dict(raw)
    for end in ("src", "dst"):
        if end in out and _key(out[end]) in ids:
            out[end] = ids[_key(out[end])]
    return out


# ---------------------------------------------------------------------------- helpers


def _unique_names(ids: list, labels: list[str | None], notes: list[str]) -> list[str]:
    """Site names: the label when present and unique, else the id; duplicates get ``(id)``."""
    candidates = [label if label else str(i) for i, label in zip(ids, labels, strict=True)]
    counts: dict[str, int] = {}
    for c in candidates:
        counts[c] = counts.get(c, 0) + 1
    names = []
    taken: set[str] = {c for c in candidates if counts[c] == 1}
    renamed = []
    for node_id, candidate in zip(ids, candidates, strict=True):
        name = candidate
        if counts[candidate] > 1:
            name = f"{candidate} ({node_id})"
            suffix = 2
            while name in taken:
                name = f"{candidate} ({node_id}) {suffix}"
                suffix += 1
            renamed.append(name)
        taken.add(name)
        names.append(name)
    with_label = sum(1 for label in labels if label)
    if with_label == len(labels) and labels:
        notes.append("site names from the node 'name'/'label' attribute")
    elif with_label:
        notes.append(f"site names from the node 'name'/'label' attribute; "
                     f"{counted(len(labels) - with_label, 'node')} without one named by "
                     "their id")
    else:
        notes.append("site names are the node ids")
    if renamed:
        notes.append(f"{counted(len(renamed), 'node')} sharing a name with another node, "
                     f"made unique with their id: {some(renamed)}")
    return names


def _position(node: Mapping[str, Any]) -> tuple[str, list[float]] | None:
    pos = node.get("pos")
    candidates = [("pos", *pos)] if isinstance(pos, (list, tuple)) and len(pos) == 2 else []
    candidates += [(lon_key, node.get(lon_key), node.get(lat_key))
                   for lon_key, lat_key in _LONLAT_KEYS]
    for key, x, y in candidates:
        lon, lat = _float(x), _float(y)
        if lon is not None and lat is not None:
            return key, [lon, lat]
    return None


def _is_lonlat(xy: list[float]) -> bool:
    return -180.0 <= xy[0] <= 180.0 and -90.0 <= xy[1] <= 90.0


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _key(node_id: Any) -> Any:
    # JSON object keys and GraphML ids are strings: let 3 and "3" name the same node
    return str(node_id)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


