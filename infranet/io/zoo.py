"""Internet Topology Zoo files (GML and GraphML) into spec dicts.

Topology Zoo networks give nodes a ``label``, ``Latitude`` and ``Longitude`` (some nodes have
none: ``hyperedge`` nodes stand for shared media, others were never geocoded) and edges an optional
``LinkSpeedRaw`` in bit/s (or ``LinkSpeed`` with ``LinkSpeedUnits``) and ``LinkLabel``. Labels
repeat within a network, so duplicate labels are made unique with the node id. Every such choice is
recorded in the spec's ``notes``.

GraphML is XML: it is checked with defusedxml (no DTD, no entities, no external references) before
networkx parses it, so an entity-expansion bomb fails at once with a :class:`FormatError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infranet import units
from infranet.errors import FormatError, InfranetError, counted
from infranet.io.common import check_xml
from infranet.io.files import read_bytes
from infranet.io.nodelink import read_nodelink

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["read_gml", "read_graphml"]

_SPEED_KEYS = ("LinkSpeedRaw", "LinkSpeed", "LinkSpeedUnits")
_POSITION = re.compile(r"\bat \((\d+), (\d+)\)")


def read_gml(path: str | Path) -> dict[str, Any]:
    """Read a Topology Zoo GML file into a spec dict (capacities in Gb/s).

    Parameters
    ----------
    path
        The ``.gml`` file.

    Raises
    ------
    FormatError
        When the file is not valid GML (the message names the line).
    """
    import networkx as nx

    file = str(path)
    text = _read_text(file)
    # Zoo files list parallel links without declaring a multigraph; declaring it on the
    # ``graph [`` line keeps them (and keeps line numbers of error messages right).
    if not re.search(r"^\s*multigraph\s", text, re.MULTILINE):
        text = re.sub(r"\bgraph\s*\[", "graph [ multigraph 1", text, count=1)
    try:
        graph = nx.parse_gml(text, label="id")
    except Exception as err:  # any parser failure is a problem of the file
        raise FormatError(f"not valid GML: {_where(err)}", file=file) from None
    return _from_graph(graph, file, "GML")


def read_graphml(path: str | Path) -> dict[str, Any]:
    """Read a Topology Zoo GraphML file into a spec dict (capacities in Gb/s).

    The XML is checked with defusedxml first: DTDs, entity declarations and external references
    are refused, so entity-expansion bombs never reach the parser that networkx uses.

    Raises
    ------
    FormatError
        For hostile or malformed XML, or GraphML that networkx cannot read.
    """
    import networkx as nx

    file = str(path)
    data = read_bytes(file)
    _check_ids(check_xml(data, file), file)
    try:
        graph = nx.parse_graphml(data)
    except Exception as err:  # any parser failure is a problem of the file
        raise FormatError(f"not valid GraphML: {_where(err)}", file=file) from None
    return _from_graph(graph, file, "GraphML")


def _check_ids(root: Any, file: str) -> None:
    """Refuse a GraphML node id defined twice, and an edge whose end is not a node: networkx
    would merge the two nodes, or add a phantom node for the edge, without a word."""
    def local(tag: Any) -> str:
        return str(tag).rsplit("}", 1)[-1]

    for number, graph in enumerate(e for e in root.iter() if local(e.tag) == "graph"):
        nodes: set[str] = set()
        where = f"graph {number + 1}" if number else None
        for child in graph:
            if local(child.tag) != "node":
                continue
            node_id = child.get("id")
            if node_id in nodes:
                raise FormatError(f"node id {node_id!r} is defined twice; node ids must be "
                                  "unique", file=file, element=where)
            nodes.add(node_id)
        for i, child in enumerate(c for c in graph if local(c.tag) == "edge"):
            for end in ("source", "target"):
                if child.get(end) not in nodes:
                    name = child.get("id") or f"edges[{i}]"
                    raise FormatError(
                        f"{child.get(end)!r} is not a node of the file (a phantom site); "
                        "define the node or remove the edge", file=file,
                        element=f"edge {name!r}" if child.get("id") else name, field=end)


def _from_graph(graph: nx.Graph, file: str, fmt: str) -> dict[str, Any]:
    import networkx as nx

    notes = [f"read from Topology Zoo {fmt}: {counted(graph.number_of_nodes(), 'node')}, "
             f"{counted(graph.number_of_edges(), 'edge')}"]
    with_speed = 0
    for u, v, attrs in graph.edges(data=True):
        attrs.pop("id", None)  # GraphML edge ids are not names
        capacity = _link_speed(attrs, f"edge {u}--{v}")
        if capacity is not None:
            for key in _SPEED_KEYS:
                attrs.pop(key, None)
            attrs["capacity"] = capacity
            with_speed += 1
    if with_speed:
        notes.append(f"capacity of {counted(with_speed, 'link')} from LinkSpeedRaw (bit/s), or "
                     "LinkSpeed with LinkSpeedUnits; LinkLabel is kept in meta")
    hyper = [str(graph.nodes[n].get("label", n)) for n in graph if graph.nodes[n].get("hyperedge")]
    if hyper:
        notes.append(f"{counted(len(hyper), 'hyperedge node')} (shared media, no location of "
                     f"their own) kept as sites: {', '.join(hyper[:5])}")
    external = sum(1 for n in graph if graph.nodes[n].get("Internal") == 0)
    if external:
        notes.append(f"{counted(external, 'node')} outside the network (Internal = 0), kept as "
                     "sites "
                     "with meta.Internal")

    data = nx.node_link_data(graph, edges="links")
    for edge in data["links"]:
        edge.pop("key", None)  # GraphML edge ids and GML parallel-edge numbers are not names
    info = data["graph"]
    for key in ("node_default", "edge_default"):  # GraphML reader bookkeeping
        if not info.get(key):
            info.pop(key, None)
    name = str(info.get("Network") or info.get("label") or Path(file).stem)
    try:
        spec = read_nodelink(data, capacity_unit="bit/s", name=name)
    except InfranetError as err:
        raise err.in_file(file) from None
    spec["source"] = f"Internet Topology Zoo: {file}"
    where = ", ".join(str(info[k]) for k in ("GeoLocation", "NetworkDate") if info.get(k))
    spec.setdefault("description", f"{name} ({where})" if where else name)
    spec["notes"] = notes + [n for n in spec["notes"] if "node-link JSON" not in n]
    return spec


def _link_speed(attrs: dict[str, Any], element: str) -> float | None:
    """Capacity in bit/s from the Zoo's LinkSpeedRaw, or LinkSpeed and LinkSpeedUnits."""
    raw = attrs.get("LinkSpeedRaw")
    if raw not in (None, ""):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise FormatError(f"expected a number in bit/s, got {raw!r}", element=element,
                              field="LinkSpeedRaw") from None
    speed, unit = attrs.get("LinkSpeed"), attrs.get("LinkSpeedUnits")
    if speed in (None, "") or not unit:
        return None
    try:
        return units.parse(f"{speed} {unit}b/s", "bandwidth") * 1e9
    except InfranetError:
        return None  # free text such as "<10": left to meta via LinkLabel


def _where(err: Exception) -> str:
    """An exception as one line, with networkx's ``at (line, col)`` spelled out."""
    message = " ".join(str(err).split()) or type(err).__name__
    return _POSITION.sub(r"at line \1, column \2", message)


def _read_text(file: str) -> str:
    data = read_bytes(file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older Zoo files; GML itself is ASCII with &#...; escapes
