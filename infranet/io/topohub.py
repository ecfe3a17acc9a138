"""Topologies of the topohub repository (``topohub:GROUP/NAME``) into spec dicts.

topohub (PyPI, MIT) ships about 700 networks as node-link JSON: SNDlib (with demand matrices),
Topology Zoo, continental backbones, CAIDA AS maps and synthetic Gabriel graphs. Nodes have
``pos = [lon, lat]`` and edges a great-circle ``dist`` in km; there are no link capacities.

What the conversion assumes, recorded in the spec's ``notes``:

* ``dist`` becomes ``length_km``: a haversine great-circle distance, so no route factor applies
  (the model would otherwise estimate great circle x 1.3).
* SNDlib networks with pixel coordinates (:data:`infranet.io.sndlib.PIXEL_NETWORKS`, or any value
  outside lon/lat range) and Gabriel graphs (planar) get ``meta.xy`` and no location; a pixel
  network's ``dist`` is meaningless and dropped, a Gabriel graph's planar ``dist`` is kept in
  ``meta.planar_dist``.
* SNDlib demands are in the network's unit, Mb/s for SNDlib (``demand_unit``); topohub keeps the
  demand value without its routing unit.
* topohub's derived data (``stats``, per-edge ECMP utilisation) is left out.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from infranet import units
from infranet.errors import FormatError, InfranetError, UnknownNameError, did_you_mean
from infranet.io.nodelink import read_nodelink
from infranet.io.sndlib import PIXEL_NETWORKS

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from types import ModuleType

__all__ = ["read_topohub", "topohub_keys"]

_DERIVED_EDGE_KEYS = ("ecmp_fwd", "ecmp_bwd")


def read_topohub(key: str, *, demand_unit: str = "Mb/s") -> dict[str, Any]:
    """Read a topohub topology (e.g. ``"sndlib/abilene"``, ``"topozoo/Abilene"``) into a spec.

    Parameters
    ----------
    key
        ``GROUP/NAME``, optionally prefixed by ``topohub:``. :func:`topohub_keys` lists them.
    demand_unit
        Unit of the demand values of SNDlib networks (SNDlib uses Mb/s).

    Returns
    -------
    dict
        The spec; SNDlib networks carry a top-level ``demands`` list (``src, dst, gbps``).

    Raises
    ------
    FormatError
        When topohub is not installed.
    UnknownNameError
        For a key topohub does not have (with the closest key).
    """
    key = key.removeprefix("topohub:").strip().strip("/")
    module = _topohub()
    keys = topohub_keys()
    if key not in keys:
        groups = sorted({k.split("/")[0] for k in keys})
        raise UnknownNameError(f"unknown topohub topology {key!r}{did_you_mean(key, keys)}; "
                               f"keys are GROUP/NAME with GROUP one of {', '.join(groups)}, "
                               "e.g. sndlib/abilene")
    data = module.get(key)
    group, network = key.split("/")[0], key.rsplit("/", 1)[-1]
    graph = dict(data.get("graph") or {})
    raw_demands = graph.pop("demands", None) or {}
    graph.pop("stats", None)
    for edge in data.get("edges", []):
        for derived in _DERIVED_EDGE_KEYS:
            edge.pop(derived, None)

    notes = [f"topohub {getattr(module, '__version__', '')} topology {key}".replace("  ", " ")]
    positions = [n.get("pos") for n in data["nodes"] if n.get("pos") is not None]
    outside = any(not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90) for p in positions)
    if group == "gabriel":
        coordinates = "planar"
        for edge in data.get("edges", []):
            if "dist" in edge:
                edge["planar_dist"] = edge.pop("dist")
        notes.append("a synthetic Gabriel graph on a plane: positions kept as meta.xy, planar "
                     "distances as meta.planar_dist; link lengths are unknown")
    elif group == "sndlib" and (network.lower() in PIXEL_NETWORKS or outside):
        coordinates = "planar"
        for edge in data.get("edges", []):
            edge.pop("dist", None)
        notes.append(f"SNDlib network {network} uses pixel coordinates: its topohub 'dist' "
                     "(haversine of pixel positions) is meaningless and was dropped")
    else:
        coordinates = "auto"
        if group == "topozoo":
            notes.append("topohub's Topology Zoo networks leave out nodes without coordinates "
                         "and their links; read the Zoo GML/GraphML to keep them")
        if any("dist" in e for e in data.get("edges", [])):
            notes.append("length_km = topohub 'dist': haversine great-circle km, no route "
                         "factor applied")
    data["graph"] = graph
    try:
        # SNDlib, Zoo and backbone networks have a name; CAIDA and Gabriel ones only a number
        name = (str(graph.get("name") or network) if group in ("sndlib", "topozoo", "backbone")
                else key.replace("/", "-"))
        spec = read_nodelink(data, capacity_unit="bit/s", length_key="dist",
                             coordinates=coordinates, name=name)
    except InfranetError as err:
        raise err.in_file(f"topohub:{key}") from None
    spec["source"] = f"topohub:{key}"
    spec.setdefault("description", f"{_GROUPS.get(group, group)} network {network} (topohub)")
    generic = ("node-link JSON", "read from 'capacity'", "without a capacity in the source",
               "planar (pixel) coordinates")
    spec["notes"] = notes + [n for n in spec["notes"] if not any(g in n for g in generic)]
    if not any("capacity" in link for link in spec["links"]):
        spec["notes"].append("topohub gives no link capacities")

    if raw_demands:
        spec["demands"] = _demands(raw_demands, data["nodes"], spec, demand_unit)
    return spec


@functools.cache
def topohub_keys() -> tuple[str, ...]:
    """Return every ``GROUP/NAME`` key the installed topohub holds, sorted."""
    module = _topohub()
    from importlib import resources

    root = resources.files(module) / "data"
    keys: list[str] = []

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".json"):
                keys.append(prefix + entry.name[: -len(".json")])

    walk(root, "")
    return tuple(sorted(keys))


_GROUPS = {"sndlib": "SNDlib", "topozoo": "Topology Zoo", "backbone": "Backbone",
           "caida": "CAIDA", "gabriel": "Gabriel graph"}


def _topohub() -> ModuleType:
    try:
        import topohub
    except ImportError:
        raise FormatError("topohub is not installed (infranet depends on it); "
                          "pip install topohub") from None
    return topohub


def _demands(raw: dict, nodes: list[dict], spec: dict[str, Any],
             unit: str) -> list[dict[str, Any]]:
    names = {str(node["id"]): site["name"]
             for node, site in zip(nodes, spec["sites"], strict=True)}
    try:
        factor = units.parse(f"1 {unit}", "bandwidth")
    except InfranetError as err:
        raise FormatError(f"demand unit: {err.detail}") from None
    demands = []
    for src, row in raw.items():
        for dst, value in row.items():
            demands.append({"src": names[str(src)], "dst": names[str(dst)],
                            "gbps": float(f"{float(value) * factor:.15g}")})
    spec["notes"].append(f"{len(demands)} demands from the SNDlib demand matrix, values in "
                         f"{unit} (SNDlib's unit; topohub drops the routing unit)")
    return demands
