"""SNDlib network files (native text and XML) into spec dicts, demands included.

SNDlib (Orlowski et al., "SNDlib 1.0 - Survivable Network Design Library", Networks 55, 2010;
https://sndlib.put.poznan.pl) describes network *design* instances. What the reader assumes, each
recorded in the spec's ``notes``:

* Capacity units. SNDlib numbers are in the network's own units; the files that state one
  (``META ( unit = MBITPERSEC )``, ``<meta><unit>``) use Mb/s, and the module sizes of the others
  are SDH/OTN rates in Mb/s (155, 622, 2488, 9953); the abilene and geant demand matrices sum to
  3,000,000, the "total demand 3 Tbps" of their META origin. So the unit is the file's, else
  Mb/s, unless ``capacity_unit`` says otherwise.
* Capacity. A link has a pre-installed capacity (often 0) and modules that a design may install.
  With ``modules="largest"`` (default) the capacity is the pre-installed one plus one module of
  the largest size, a network able to carry the instance; with ``modules="none"`` only
  pre-installed capacity counts. Modules, costs and the pre-installed capacity stay in
  ``meta.sndlib``. SNDlib link models share an UNDIRECTED link's capacity between both
  directions; infranet gives each direction the full capacity.
* Demands. ``gbps`` = demand value x routing unit, in the capacity unit. The model file (not read
  here) says whether a demand is routed one way (DIRECTED) or both (UNDIRECTED); demands are listed
  as the file gives them.
* Coordinates. ``coordinatesType="pixel"`` (XML), any value outside lon/lat range, or a network
  known to use pixel coordinates (:data:`PIXEL_NETWORKS`) gives planar ``meta.xy`` and no
  location, so link lengths are unknown.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infranet import units
from infranet.errors import FormatError, InfranetError, counted
from infranet.io.common import check_xml
from infranet.io.files import read_bytes

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["PIXEL_NETWORKS", "read_sndlib", "read_sndlib_xml"]

#: SNDlib networks whose node coordinates are drawing positions, not longitude/latitude.
#: The last three are not listed as such by SNDlib; their values are not where the places are.
PIXEL_NETWORKS = frozenset({
    "atlanta", "newyork", "norway", "pioro40", "ta1", "ta2", "zib54", "france", "giul39",
    "di-yuan", "sun", "india35",
})
_UNITS = {"BITPERSEC": "bit/s", "KBITPERSEC": "kb/s", "MBITPERSEC": "Mb/s",
          "GBITPERSEC": "Gb/s", "TBITPERSEC": "Tb/s"}
_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def read_sndlib(
    path: str | Path,
    *,
    capacity_unit: str | None = None,
    modules: str = "largest",
    coordinates: str = "auto",
) -> dict[str, Any]:
    """Read an SNDlib network file (native ``.txt`` or ``.xml``) into a spec dict.

    Parameters
    ----------
    path
        The network file; XML is recognised by its leading ``<``.
    capacity_unit
        Unit of capacities and demand values (``"Mb/s"``, ``"Gb/s"``, ``"unitless"``...).
        Default: the file's ``unit`` (``MBITPERSEC`` is Mb/s), else Mb/s.
    modules
        ``"largest"``: capacity = pre-installed + one largest module; ``"none"``: pre-installed
        capacity only (links without any have no capacity).
    coordinates
        ``"auto"``, ``"lonlat"`` or ``"pixel"`` (see the module notes).

    Returns
    -------
    dict
        The spec, with a top-level ``demands`` list of ``{"src", "dst", "gbps"}``.

    Raises
    ------
    FormatError
        For syntax errors (with the line), unknown node names, hostile XML.
    """
    return _read(path, capacity_unit=capacity_unit, modules=modules, coordinates=coordinates,
                 xml_only=False)


def read_sndlib_xml(
    path: str | Path,
    *,
    capacity_unit: str | None = None,
    modules: str = "largest",
    coordinates: str = "auto",
) -> dict[str, Any]:
    """Read an SNDlib XML network file into a spec dict; :func:`read_sndlib` with XML required.

    The XML is parsed with defusedxml: DTDs, entities and external references are refused.
    """
    return _read(path, capacity_unit=capacity_unit, modules=modules, coordinates=coordinates,
                 xml_only=True)


def _read(path: str | Path, *, capacity_unit: str | None, modules: str, coordinates: str,
          xml_only: bool) -> dict[str, Any]:
    if modules not in ("largest", "none"):
        raise ValueError(f"modules must be 'largest' or 'none', not {modules!r}")
    if coordinates not in ("auto", "lonlat", "pixel"):
        raise ValueError(f"coordinates must be 'auto', 'lonlat' or 'pixel', not {coordinates!r}")
    file = str(path)
    data = read_bytes(file)
    is_xml = data.lstrip()[:1] == b"<"
    if xml_only and not is_xml:
        raise FormatError("not an XML file (SNDlib native text? read it as format 'sndlib')",
                          file=file)
    try:
        if is_xml:
            network = _parse_xml(check_xml(data, file))
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
            network = _Native(text).parse()
        return _spec(network, file, capacity_unit=capacity_unit, modules=modules,
                     coordinates=coordinates)
    except InfranetError as err:
        raise err.in_file(file) from None


# ---------------------------------------------------------------------------- native format


class _Native:
    """Tokenizer and recursive reader of the native format (sections of nested parentheses)."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, int]] = []
        self.name: str | None = None
        for lineno, line in enumerate(text.splitlines(), 1):
            code, _, comment = line.partition("#")
            match = re.match(r"\s*network\s+(\S+)", comment)
            if match and self.name is None and not self.tokens:
                self.name = match.group(1)
            if code.lstrip().startswith("?"):  # "?SNDlib native format; type: network; ..."
                continue
            self.tokens.extend((m.group(), lineno) for m in _TOKEN.finditer(code))
        self.pos = 0

    def parse(self) -> dict[str, Any]:
        network: dict[str, Any] = {"format": "native", "name": self.name, "meta": {},
                                   "coordinates": None,
                                   "nodes": [], "links": [], "demands": [], "skipped": []}
        readers = {"NODES": self._node, "LINKS": self._link, "DEMANDS": self._demand}
        while self.pos < len(self.tokens):
            keyword, line = self.next("a section name")
            self.expect("(", f"after {keyword}")
            if keyword == "META":
                network["meta"] = self._meta()
                continue
            reader = readers.get(keyword)
            if reader is None:
                if keyword != "ADMISSIBLE_PATHS":
                    network["skipped"].append(keyword)
                self.skip_group()
                continue
            while self.peek() != ")":
                if self.peek() is None:
                    raise FormatError(f"line {line}: section {keyword} is not closed with ')'")
                reader(network)
            self.pos += 1
        return network

    # sections -------------------------------------------------------------
    def _meta(self) -> dict[str, str]:
        by_line: dict[int, list[str]] = {}
        while self.peek() != ")":
            if self.peek() is None:
                raise FormatError("section META is not closed with ')'")
            token, line = self.tokens[self.pos]
            by_line.setdefault(line, []).append(token)
            self.pos += 1
        self.pos += 1
        meta = {}
        for words in by_line.values():
            if len(words) >= 2 and words[1] == "=":
                meta[words[0]] = " ".join(words[2:])
        return meta

    def _node(self, network: dict[str, Any]) -> None:
        node, _ = self.next("a node id")
        self.expect("(", f"after node {node!r}")
        x = self.number(f"node {node!r} x-coordinate")
        y = self.number(f"node {node!r} y-coordinate")
        self.expect(")", f"after the coordinates of node {node!r}")
        while self.peek() == "(":  # node_design_ids, node_options: empty in SNDlib 1.0
            self.pos += 1
            self.skip_group()
        network["nodes"].append({"id": node, "xy": [x, y]})

    def _link(self, network: dict[str, Any]) -> None:
        link, _ = self.next("a link id")
        where = f"link {link!r}"
        self.expect("(", f"after {where}")
        source, _ = self.next(f"the source of {where}")
        target, _ = self.next(f"the target of {where}")
        self.expect(")", f"after the ends of {where}")
        record = {"id": link, "source": source, "target": target,
                  "preinstalled_capacity": self.number(f"{where} pre_installed_capacity"),
                  "preinstalled_cost": self.number(f"{where} pre_installed_capacity_cost"),
                  "routing_cost": self.number(f"{where} routing_cost"),
                  "setup_cost": self.number(f"{where} setup_cost")}
        modules: list[list[float]] = []
        record["modules"] = modules
        if self.peek() == "(":
            self.pos += 1
            while self.peek() != ")":
                capacity = self.number(f"{where} module capacity")
                cost = self.number(f"{where} module cost")
                modules.append([capacity, cost])
            self.pos += 1
        network["links"].append(record)

    def _demand(self, network: dict[str, Any]) -> None:
        demand, _ = self.next("a demand id")
        where = f"demand {demand!r}"
        self.expect("(", f"after {where}")
        source, _ = self.next(f"the source of {where}")
        target, _ = self.next(f"the target of {where}")
        self.expect(")", f"after the ends of {where}")
        routing_unit = self.number(f"{where} routing_unit")
        value = self.number(f"{where} demand_value")
        hops, _ = self.next(f"{where} max_path_length")
        network["demands"].append({"id": demand, "source": source, "target": target,
                                   "routing_unit": routing_unit, "value": value,
                                   "max_path_length": hops})

    # tokens ---------------------------------------------------------------
    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def next(self, what: str) -> tuple[str, int]:
        if self.pos >= len(self.tokens):
            line = self.tokens[-1][1] if self.tokens else 1
            raise FormatError(f"line {line}: file ends where {what} was expected")
        token = self.tokens[self.pos]
        self.pos += 1
        if token[0] in "()":
            raise FormatError(f"line {token[1]}: expected {what}, found {token[0]!r}")
        return token

    def expect(self, symbol: str, context: str) -> None:
        if self.peek() != symbol:
            found = self.peek()
            line = self.tokens[min(self.pos, len(self.tokens) - 1)][1] if self.tokens else 1
            raise FormatError(f"line {line}: expected {symbol!r} {context}, found "
                              f"{'the end of the file' if found is None else repr(found)}")
        self.pos += 1

    def number(self, what: str) -> float:
        token, line = self.next(what)
        try:
            value = float(token)
        except ValueError:
            raise FormatError(f"line {line}: expected a number for {what}, found "
                              f"{token!r}") from None
        if not math.isfinite(value):
            raise FormatError(f"line {line}: expected a finite number for {what}, found "
                              f"{token!r}")
        return value

    def skip_group(self) -> None:
        """Skip to the ')' matching an already consumed '('."""
        depth = 1
        while depth:
            token, _ = self.tokens[self.pos] if self.pos < len(self.tokens) else (None, 0)
            if token is None:
                raise FormatError("unbalanced parentheses: the file ends inside a section")
            depth += {"(": 1, ")": -1}.get(token, 0)
            self.pos += 1


# ---------------------------------------------------------------------------- XML format


def _parse_xml(root: Element) -> dict[str, Any]:
    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def child(element: Element | None, name: str) -> Element | None:
        if element is None:
            return None
        for sub in element:
            if local(sub.tag) == name:
                return sub
        return None

    def children(element: Element | None, name: str) -> list[Element]:
        return [] if element is None else [s for s in element if local(s.tag) == name]

    def text(element: Element | None, name: str, where: str, default: Any = None) -> Any:
        sub = child(element, name)
        if sub is None or sub.text is None or not sub.text.strip():
            if default is None:
                raise FormatError(f"{where}: missing <{name}>")
            return default
        return sub.text.strip()

    def number(element: Element | None, name: str, where: str,
               default: float | None = None) -> float:
        raw = text(element, name, where, default)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise FormatError(f"{where}: <{name}> is not a number: {raw!r}") from None
        if not math.isfinite(value):
            raise FormatError(f"{where}: <{name}> is not a finite number: {raw!r}")
        return value

    if local(root.tag) != "network":
        raise FormatError(f"expected an SNDlib <network> document, found <{local(root.tag)}>")
    structure = child(root, "networkStructure")
    if structure is None:
        raise FormatError("no <networkStructure> in the <network> document")
    meta_element = child(root, "meta")
    meta = ({local(s.tag): (s.text or "").strip() for s in meta_element}
            if meta_element is not None else {})
    nodes_element = child(structure, "nodes")
    network: dict[str, Any] = {
        "format": "XML", "name": None, "meta": meta, "nodes": [], "links": [], "demands": [],
        "skipped": [],
        "coordinates": nodes_element.get("coordinatesType") if nodes_element is not None else None,
    }
    for node in children(nodes_element, "node"):
        node_id = node.get("id")
        where = f"node {node_id!r}"
        if not node_id:
            raise FormatError("a <node> has no id attribute")
        coords = child(node, "coordinates")
        xy = None
        if coords is not None:
            xy = [number(coords, "x", where), number(coords, "y", where)]
        network["nodes"].append({"id": node_id, "xy": xy})
    for link in children(child(structure, "links"), "link"):
        link_id = link.get("id")
        where = f"link {link_id!r}"
        pre = child(link, "preInstalledModule")
        record = {
            "id": link_id, "source": text(link, "source", where),
            "target": text(link, "target", where),
            "preinstalled_capacity": number(pre, "capacity", where, 0.0),
            "preinstalled_cost": number(pre, "cost", where, 0.0),
            "routing_cost": number(link, "routingCost", where, 0.0),
            "setup_cost": number(link, "setupCost", where, 0.0),
            "modules": [[number(m, "capacity", where), number(m, "cost", where, 0.0)]
                        for m in children(child(link, "additionalModules"), "addModule")],
        }
        network["links"].append(record)
    for demand in children(child(root, "demands"), "demand"):
        demand_id = demand.get("id")
        where = f"demand {demand_id!r}"
        network["demands"].append({
            "id": demand_id, "source": text(demand, "source", where),
            "target": text(demand, "target", where),
            "routing_unit": number(demand, "routingUnit", where, 1.0),
            "value": number(demand, "demandValue", where),
            "max_path_length": text(demand, "maxPathLength", where, "UNLIMITED"),
        })
    return network


# ---------------------------------------------------------------------------- to a spec


def _spec(network: dict[str, Any], file: str, *, capacity_unit: str | None, modules: str,
          coordinates: str) -> dict[str, Any]:
    name = network["name"] or Path(file).stem
    notes = [f"read from SNDlib network file: {counted(len(network['nodes']), 'node')}, "
             f"{counted(len(network['links']), 'link')}, "
             f"{counted(len(network['demands']), 'demand')}"]
    if network["skipped"]:
        notes.append(f"sections not read: {', '.join(network['skipped'])}")

    factor, unit = _unit(capacity_unit, network["meta"], notes)

    # coordinates
    given = [n["xy"] for n in network["nodes"] if n["xy"] is not None]
    out_of_range = any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in given)
    if coordinates == "auto":
        kind = (network["coordinates"] or "").lower()
        pixel = kind == "pixel" or out_of_range or name.lower() in PIXEL_NETWORKS
        why = ("coordinatesType is pixel" if kind == "pixel"
               else "values outside longitude/latitude range" if out_of_range
               else f"{name} is known to use pixel coordinates")
    else:
        pixel = coordinates == "pixel"
        why = "as asked"
        if not pixel and out_of_range:
            raise FormatError("node coordinates outside longitude/latitude range; read with "
                              "coordinates='pixel'")
    if given and pixel:
        notes.append(f"node coordinates are pixel positions ({why}): kept as meta.xy; sites "
                     "have no location and link lengths are unknown")
    elif given:
        notes.append("node coordinates are longitude/latitude; link lengths are left to the "
                     "model (great circle x route factor)")

    sites = []
    known = set()
    for node in network["nodes"]:
        if node["id"] in known:
            raise FormatError(f"node id {node['id']!r} is duplicated")
        known.add(node["id"])
        site: dict[str, Any] = {"name": node["id"]}
        if node["xy"] is not None:
            if pixel:
                site["meta"] = {"xy": node["xy"]}
            else:
                site["location"] = node["xy"]
        sites.append(site)

    links = []
    largest = 0
    without = []
    for record in network["links"]:
        for end in ("source", "target"):
            if record[end] not in known:
                raise FormatError(f"link {record['id']!r}: unknown node {record[end]!r}")
        capacity = record["preinstalled_capacity"]
        if modules == "largest" and record["modules"]:
            capacity += max(m[0] for m in record["modules"])
            largest += 1
        link: dict[str, Any] = {"a": record["source"], "b": record["target"], "name": record["id"]}
        if capacity > 0:
            link["capacity"] = _scaled(capacity, factor)
        else:
            without.append(record["id"])
        link["meta"] = {"sndlib": {
            "preinstalled_capacity": record["preinstalled_capacity"],
            "preinstalled_cost": record["preinstalled_cost"],
            "routing_cost": record["routing_cost"], "setup_cost": record["setup_cost"],
            "modules": record["modules"], "unit": unit,
        }}
        links.append(link)
    if modules == "largest":
        notes.append(f"link capacity = pre-installed capacity + one module of the largest size "
                     f"({largest} of {len(links)} links have modules); SNDlib's design modules "
                     "and costs are in meta.sndlib")
    else:
        notes.append("link capacity = pre-installed capacity only; modules are in meta.sndlib")
    if without:
        notes.append(f"{counted(len(without), 'link')} without a capacity (none pre-installed"
                     f"{', no modules' if modules == 'largest' else ''})")
    notes.append("capacities apply to each direction (an SNDlib UNDIRECTED link model shares "
                 "them between directions)")

    demands = []
    scaled_units = 0
    for record in network["demands"]:
        for end in ("source", "target"):
            if record[end] not in known:
                raise FormatError(f"demand {record['id']!r}: unknown node {record[end]!r}")
        if record["routing_unit"] != 1:
            scaled_units += 1
        demands.append({"src": record["source"], "dst": record["target"],
                        "gbps": _scaled(record["value"] * record["routing_unit"], factor)})
    if demands:
        notes.append(f"demands: value x routing unit in {unit}, listed as the file gives them "
                     "(the SNDlib model file says whether they are DIRECTED or UNDIRECTED)"
                     + (f"; {scaled_units} have a routing unit other than 1" if scaled_units
                        else ""))

    spec: dict[str, Any] = {
        "name": name,
        "description": f"SNDlib network {name}",
        "source": f"SNDlib ({network['format']}): {file}",
        "notes": notes,
        "sites": sites,
        "links": links,
        "demands": demands,
    }
    if network["meta"]:
        spec["meta"] = {"sndlib": network["meta"]}
    return spec


def _unit(capacity_unit: str | None, meta: dict[str, str], notes: list[str]) -> tuple[float, str]:
    declared = _UNITS.get(meta.get("unit", "").strip().upper())
    if capacity_unit is None:
        unit = declared or "Mb/s"
        origin = (f"the file's unit {meta['unit']}" if declared
                  else "assumed: the file states no unit, SNDlib networks use Mb/s")
    else:
        unit, origin = capacity_unit, "given"
    if unit == "unitless":
        notes.append("capacities and demands are abstract units, taken as Gb/s")
        return 1.0, "unitless"
    try:
        factor = units.parse(f"1 {unit}", "bandwidth")
    except InfranetError as err:
        raise FormatError(f"capacity unit: {err.detail}") from None
    notes.append(f"capacities and demands in {unit} ({origin})")
    return factor, unit


def _scaled(value: float, factor: float) -> float:
    # 15 significant digits drop the binary noise of the unit factor (155 Mb/s -> 0.155)
    return float(f"{value * factor:.15g}")
