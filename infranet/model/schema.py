"""The schema of a topology file, as data.

One table of attributes per element (topology, defaults, site, cluster, link) with type, unit,
default and description. The same tables drive validation (:func:`check`), defaults, and the
format reference in ``docs/format.md`` (:func:`reference_markdown`).

The keys and capacity rules of a cluster's ``scale_out`` come from the registry of fabric designs
(:mod:`infranet.fabrics.designs`), which imports nothing of infranet above ``physics``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from infranet import physics, units
from infranet.errors import (
    InfranetError,
    InfranetWarning,
    UnknownNameError,
    ValidationError,
    did_you_mean,
    printable,
)
from infranet.fabrics import designs as fabric_designs
from infranet.fabrics.designs import (
    LARGEST_ACCELERATOR_GBPS,
    LARGEST_CLUSTER,
    LARGEST_DOMAIN,
)

if TYPE_CHECKING:
    from infranet.model.topology import Topology

__all__ = [
    "ACCELERATOR",
    "CLUSTER",
    "DEFAULTS",
    "DEMAND",
    "LATENCY_FLOOR_TOLERANCE",
    "LENGTH_FLOOR_SLACK_KM",
    "LINK",
    "LINK_KINDS",
    "MAX_CAPACITY_GBPS",
    "MAX_DETOUR",
    "MAX_LATENCY_MS",
    "MAX_LENGTH_KM",
    "MAX_POPULATION",
    "MAX_POWER_MW",
    "MAX_ROUTE_FACTOR",
    "ROUTE_END_KM",
    "SITE",
    "SITE_KINDS",
    "TOPOLOGY",
    "Attr",
    "available",
    "catalogue_domain",
    "check",
    "cluster_warnings",
    "fabric_problems",
    "normalise",
    "reference_markdown",
    "route_lengths_km",
    "scale_out_table",
    "warnings",
]

SITE_KINDS = ("datacenter", "pop", "region")
#: Farthest (km) the first or last point of a link's ``route`` may lie from the link's sites.
#: Site coordinates are town-level and a route is drawn town to town, so its ends can sit a
#: metro area away from a campus (Ashburn to Washington is about 50 km); an end farther than
#: that belongs to another link, and its length would be used as this one's.
ROUTE_END_KM = 50.0
#: How far below the speed-of-light floor a measured ``latency_ms`` may be before it is refused:
#: 1% for lengths from town-level coordinates, plus 1 µs for a latency written to the µs.
LATENCY_FLOOR_TOLERANCE = (0.01, 0.001)
#: How much shorter (km) than the great circle between its located sites a link's length may
#: be before it is refused: each site may lie up to ``ROUTE_END_KM`` from its town-level
#: coordinates, so the true straight line between two campuses can be this much shorter.
LENGTH_FLOOR_SLACK_KM = 2 * ROUTE_END_KM

# Upper bounds of quantities: far above anything real, far below where arithmetic overflows,
# so that a mistyped 1e308 is refused in the file instead of becoming infinity in a solver.
#: Longest link (km): Earth's circumference is 40,075 km and the longest cable system (2Africa)
#: about 45,000 km; no fiber route between two sites runs 2.5 times around the Earth.
MAX_LENGTH_KM = 100_000.0
#: Largest one-way latency of a link (ms): light in fiber over ``MAX_LENGTH_KM`` takes 490 ms,
#: a geostationary satellite hop about 250 ms.
MAX_LATENCY_MS = 1_000.0
#: Largest per-direction capacity (Gb/s), 1 Eb/s: the largest cables hold 6,912 fibers
#: (3,456 pairs); at 64 Tb/s per pair (C+L band, FIGURES.md) that is 221 Pb/s.
MAX_CAPACITY_GBPS = 1e9
#: Largest route factor: the median US conduit runs 1.3 times the great circle (Bozkurt et al.
#: 2018), the best-engineered routes 1.12; a link that detours more than ten times gives its
#: ``length_km`` or ``route`` instead of an estimate.
MAX_ROUTE_FACTOR = 10.0
#: A link longer than this many times the great circle between its sites (plus
#: ``LENGTH_FLOOR_SLACK_KM``) is a warning: over twice the median US conduit (1.3), more often a
#: mistyped point or length, or a route through the wrong places, than a real detour.
MAX_DETOUR = 3.0
#: Largest power of a site (MW): the largest power station (Three Gorges) is 22,500 MW.
MAX_POWER_MW = 100_000.0
#: Largest population of a region: about 8.1 billion people live on Earth (2024).
MAX_POPULATION = 1e10
#: Node kinds of an expanded topology: a cluster (the cluster view), or an accelerator or a
#: switch of its fabric (the accelerator view).
FABRIC_NODE_KINDS = ("cluster", "accelerator", "switch")
LINK_KINDS = ("fiber", "scale_out", "scale_up")


@dataclass(frozen=True)
class Attr:
    """One attribute of a file element.

    `kind` is one of: ``str``, ``choice``, ``bandwidth``, ``length``, ``time``, ``power``
    (quantities that accept unit strings), ``number``, ``integer``, ``location``, ``route``,
    ``mapping``, ``strings``, ``list`` (of sub-elements, validated by their own table).
    """

    name: str
    kind: str
    description: str
    default: Any = None
    required: bool = False
    unit: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    exclusive_minimum: bool = False
    #: The largest value accepted; its reason is `maximum_reason`, else the description (both
    #: said in the error message and the format reference).
    maximum: float | None = None
    maximum_reason: str = ""
    #: A deprecated key: the key that replaces it (its value is moved there, with a note).
    replaced_by: str = ""

    def describe_type(self) -> str:
        if self.kind == "choice":
            return " \\| ".join(f"`{c}`" for c in self.choices)
        if self.maximum is not None:
            unit = f" {self.unit}" if self.unit else ""
            kind = f"{self.kind} ({self.unit})" if self.kind in units.QUANTITIES else self.kind
            return f"{kind}, at most {_figure(self.maximum)}{unit}"
        if self.kind in units.QUANTITIES:
            return f"{self.kind} ({self.unit})"
        return {
            "location": "[lon, lat]",
            "route": "[[lon, lat], ...]",
            "strings": "list of strings",
            "list": "list",
            "integers": "list of whole numbers",
        }.get(self.kind, self.kind)

_LENGTH_REASON = "2.5 times Earth's circumference; the longest cable system is about 45,000 km"
_LATENCY_REASON = ("light in fiber takes 490 ms over 100,000 km, a geostationary satellite hop "
                   "about 250 ms")
_CAPACITY_REASON = "1 Eb/s; the largest cables carry about 221 Pb/s"
_ROUTE_FACTOR_REASON = ("the median US conduit runs 1.3 times the great circle; give length_km "
                        "or route for a longer detour")


TOPOLOGY = (
    Attr("name", "str", "Short name of the topology, shown in every report.", required=True),
    Attr("description", "str", "What the topology is."),
    Attr("source", "str", "Provenance: where coordinates, lengths and capacities come from."),
    Attr("notes", "strings", "Assumptions recorded when the file was made or converted."),
    Attr("defaults", "mapping", "Values applied to every link that does not set its own."),
    Attr("sites", "list", "Datacenters, fiber pops and user regions.", required=True),
    Attr("links", "list", "Full-duplex links between sites; parallel links are allowed."),
    Attr("demands", "list", "Traffic demands between sites, when the source carries them."),
    Attr("catalogue", "mapping", "Your own catalogue entries: `accelerators: [...]` rows that "
         "add to (or replace) the packaged ones, for clusters of this file."),
    Attr("meta", "mapping", "Free data kept as it is."),
)

DEFAULTS = (
    Attr("route_factor", "number",
         "Fiber route length over great-circle length, used when a link has neither `length_km` "
         "nor `route` (median US conduit 1.3, Bozkurt et al. 2018).",
         default=physics.ROUTE_FACTOR, minimum=1.0, maximum=MAX_ROUTE_FACTOR,
         maximum_reason=_ROUTE_FACTOR_REASON),
    Attr("medium", "choice", "Transmission medium of links (propagation per km from the media "
         "catalogue).", default="smf", choices=tuple(physics.media())),
    Attr("capacity", "bandwidth", "Per-direction capacity of links that do not give one.",
         unit="Gb/s", minimum=0.0, exclusive_minimum=True, maximum=MAX_CAPACITY_GBPS,
         maximum_reason=_CAPACITY_REASON),
    Attr("amplifier_spacing_km", "length", "Distance between in-line amplifier sites "
         "(rule of thumb 80-100 km).", default=physics.AMPLIFIER_SPACING_KM, unit="km",
         minimum=0.0, exclusive_minimum=True, maximum=MAX_LENGTH_KM,
         maximum_reason=_LENGTH_REASON),
    Attr("amplifier_latency_ms", "time", "Latency of one in-line amplifier site (about 0.1 µs).",
         default=physics.AMPLIFIER_LATENCY_MS, unit="ms", minimum=0.0,
         maximum=MAX_LATENCY_MS, maximum_reason=_LATENCY_REASON),
    Attr("terminal_latency_ms", "time", "Terminal latency of a link: transponder and FEC "
         "(60-120 µs for advanced FEC).", default=physics.TERMINAL_LATENCY_MS, unit="ms",
         minimum=0.0, maximum=MAX_LATENCY_MS, maximum_reason=_LATENCY_REASON),
)

SITE = (
    Attr("name", "str", "Unique name, used by links and on the command line.", required=True),
    Attr("kind", "choice", "What the site is.", default="pop", choices=SITE_KINDS),
    Attr("location", "location", "Longitude and latitude in degrees (WGS84, EPSG:4326)."),
    Attr("power_mw", "power", "Power available to the site (facility power: the clusters' IT "
         "power x `pue` is held against it).", unit="MW", minimum=0.0, maximum=MAX_POWER_MW,
         maximum_reason="the largest power station, Three Gorges, is 22,500 MW"),
    Attr("pue", "number", "Power usage effectiveness, facility power over IT power (default "
         f"{physics.figure('pue'):g}, hyperscale; the global average is about 1.56).",
         minimum=1.0),
    Attr("population", "number", "People served, for user regions.", minimum=0.0,
         maximum=MAX_POPULATION, maximum_reason="about 8.1 billion people live on Earth"),
    Attr("clusters", "list", "Accelerator clusters of a datacenter."),
    Attr("description", "str", "Free text."),
    Attr("meta", "mapping", "Free data kept as it is."),
)

#: Largest DCI capacity of one cluster, Gb/s (figure ``largest_dci_gbps``).
LARGEST_DCI_GBPS = physics.figure("largest_dci_gbps")
_RATE_LIMIT = (f"at most {LARGEST_ACCELERATOR_GBPS / 1000:g} Tb/s, about 14 times the fastest "
               "per accelerator today (NVLink 5, 7.2 Tb/s)")
_DOMAIN_LIMIT = (f"at most {LARGEST_DOMAIN:,}, the largest scale-up domain (a TPU7x pod; NVLink "
                 "5 domains reach 576)")

CLUSTER = (
    Attr("name", "str", "Name of the cluster, unique within its site (default: SITE-cN)."),
    Attr("accelerator", "str", "Accelerator type from the catalogue.", required=True),
    Attr("count", "integer", f"Number of accelerators; at most {LARGEST_CLUSTER:,} (about 100 GW "
         "of IT power, beyond any campus).", required=True, minimum=1, maximum=LARGEST_CLUSTER),
    Attr("available", "integer", "Accelerators free for new work, at most `count` (default: "
         "`count`): what jobs and groups placed on the cluster may take; power and fabric "
         "figures stay those of all `count`.", minimum=0, maximum=LARGEST_CLUSTER),
    Attr("cost_per_accelerator_hour", "number", "What an accelerator-hour of this cluster "
         "costs, in the user's currency (optional; at most 1,000: well above any published "
         "on-demand price).", minimum=0.0, maximum=1000.0),
    Attr("scale_up", "mapping", "Scale-up domain: NVLink-switch domain or torus (see below)."),
    Attr("scale_out", "mapping", "Scale-out fabric joining the scale-up domains (see below)."),
    Attr("dci", "bandwidth", "Capacity from this cluster to the site's DCI gateway, per "
         f"direction; at most {LARGEST_DCI_GBPS / 1e6:g} Pb/s (about 150 fibre pairs of C+L "
         "band).", unit="Gb/s", minimum=0.0, exclusive_minimum=True, maximum=LARGEST_DCI_GBPS),
    Attr("description", "str", "Free text."),
    Attr("meta", "mapping", "Free data kept as it is."),
)

ACCELERATOR = (
    Attr("name", "str", "Name clusters use in `accelerator`.", required=True),
    Attr("source", "str", "Where the figures come from.", required=True),
    Attr("vendor", "str", "Who makes it."),
    Attr("bf16_tflops", "number", "Dense bf16 TFLOP/s.", minimum=0.0),
    Attr("fp8_tflops", "number", "Dense fp8 TFLOP/s.", minimum=0.0),
    Attr("hbm_gb", "number", "HBM capacity in GB.", minimum=0.0),
    Attr("hbm_tbytes_per_s", "number", "HBM bandwidth in TB/s (terabytes per second).",
         minimum=0.0),
    Attr("hbm_tbps", "number", "Deprecated spelling of `hbm_tbytes_per_s` (it meant terabytes, "
         "not terabits, per second); read as such, with a note.", minimum=0.0,
         replaced_by="hbm_tbytes_per_s"),
    Attr("power_w", "number", "Power of the accelerator itself (chip or board) in W.",
         minimum=0.0),
    Attr("scale_up_gbytes_per_s", "number", "Scale-up bandwidth per direction in GB/s; "
         f"{_RATE_LIMIT}.", minimum=0.0, maximum=LARGEST_ACCELERATOR_GBPS / 8),
    Attr("scale_up_domain", "integer", f"Accelerators per default scale-up domain; "
         f"{_DOMAIN_LIMIT}.", minimum=1, maximum=LARGEST_DOMAIN),
    Attr("scale_up_kind", "choice", "How that domain is joined: NVLink switches or a torus "
         "(a cluster whose `scale_up` differs gets a warning).", choices=physics.SCALE_UP_KINDS),
    Attr("nic_gbps", "number", f"Scale-out NIC rate per accelerator in Gb/s; {_RATE_LIMIT}.",
         minimum=0.0, maximum=LARGEST_ACCELERATOR_GBPS),
    Attr("system", "str", "The system (server or rack) whose power is published."),
    Attr("system_accelerators", "integer", "Accelerators in that system.", minimum=1),
    Attr("system_power_kw", "number", "Maximum power of the whole system in kW (CPUs, memory, "
         "NICs, fans, conversion): each accelerator's IT power is its share.", minimum=0.0),
)

CATALOGUE = (
    Attr("accelerators", "list", "Accelerator rows (see the next table)."),
)

SCALE_UP_KINDS = ("nvswitch", "torus")

SCALE_UP = (
    Attr("kind", "choice", "`nvswitch`: accelerators on one switched domain (NVLink); `torus`: "
         "direct links in a 2D/3D torus (TPU ICI).", required=True, choices=SCALE_UP_KINDS),
    Attr("domain", "integer", "Accelerators per NVLink-switch domain (8 for HGX, 72 for NVL72; "
         f"default from the accelerator catalogue); {_DOMAIN_LIMIT}.", minimum=1,
         maximum=LARGEST_DOMAIN),
    Attr("dims", "integers", "Torus dimensions, e.g. [16, 16, 16]; the count fills whole tori; "
         "two ports per dimension share each accelerator's bandwidth (both to the one neighbour "
         f"along a size-2 dimension, idle along size 1); {_DOMAIN_LIMIT}.", minimum=1,
         maximum=LARGEST_DOMAIN),
    Attr("bandwidth", "bandwidth", "Scale-up bandwidth per accelerator per direction, over all "
         f"its ports (default from the catalogue); {_RATE_LIMIT}.", unit="Gb/s", minimum=0.0,
         exclusive_minimum=True, maximum=LARGEST_ACCELERATOR_GBPS),
)



def scale_out_table() -> tuple[Attr, ...]:
    """The keys of ``scale_out``, from the registry of fabric designs: ``kind`` (one of the
    registered designs), the options several designs read, then each design's own."""
    registry = fabric_designs.designs()
    table = [Attr("kind", "choice", "Topology of the scale-out fabric: "
                  + "; ".join(f"`{name}`, {d.summary}" for name, d in registry.items()) + ".",
                  required=True, choices=tuple(registry))]
    seen = {"kind"}
    for design in [None, *registry.values()]:
        options = fabric_designs.COMMON_OPTIONS if design is None else design.options
        for option in options:
            if option.name in seen:
                continue
            seen.add(option.name)
            unit = units.QUANTITIES[option.kind][0] if option.kind in units.QUANTITIES else ""
            table.append(Attr(option.name, option.kind, option.description,
                              default=option.default, unit=unit, minimum=option.minimum,
                              exclusive_minimum=option.kind in units.QUANTITIES,
                              maximum=option.maximum))
    return tuple(table)


#: The keys of ``scale_out`` of the built-in designs (see :func:`scale_out_table`).
SCALE_OUT = scale_out_table()

LINK = (
    Attr("a", "str", "Site at one end.", required=True),
    Attr("b", "str", "Site at the other end.", required=True),
    Attr("name", "str", "Unique name (default: A--B, then A--B#2 for a parallel link)."),
    Attr("kind", "choice", "What the link is.", default="fiber", choices=LINK_KINDS),
    Attr("capacity", "bandwidth", "Capacity per direction (full duplex).", unit="Gb/s",
         minimum=0.0, exclusive_minimum=True, maximum=MAX_CAPACITY_GBPS,
         maximum_reason=_CAPACITY_REASON),
    Attr("capacity_ba", "bandwidth", "Capacity from b to a, when it differs from `capacity`.",
         unit="Gb/s", minimum=0.0, exclusive_minimum=True, maximum=MAX_CAPACITY_GBPS,
         maximum_reason=_CAPACITY_REASON),
    Attr("length_km", "length", "Route length; wins over `route` and the great-circle estimate. "
         "Not shorter than the great circle between located sites (less 100 km for town-level "
         "coordinates).", unit="km", minimum=0.0, exclusive_minimum=True,
         maximum=MAX_LENGTH_KM, maximum_reason=_LENGTH_REASON),
    Attr("route", "route", "Route geometry; its geodesic length is the link's length."),
    Attr("route_factor", "number", "Route length over great-circle length for this link.",
         minimum=1.0, maximum=MAX_ROUTE_FACTOR, maximum_reason=_ROUTE_FACTOR_REASON),
    Attr("medium", "choice", "Transmission medium.", choices=tuple(physics.media())),
    Attr("fiber_pairs", "integer", "Fiber pairs lit on the route.", minimum=1),
    Attr("srlg", "strings", "Shared-risk groups (conduits, rights of way, cable systems)."),
    Attr("cost", "number", "Cost, in the currency the topology's description names.",
         minimum=0.0),
    Attr("latency_ms", "time", "Measured one-way latency; replaces the computed one.", unit="ms",
         minimum=0.0, maximum=MAX_LATENCY_MS, maximum_reason=_LATENCY_REASON),
    Attr("terminal_latency_ms", "time", "Terminal (transponder and FEC) latency.", unit="ms",
         minimum=0.0, maximum=MAX_LATENCY_MS, maximum_reason=_LATENCY_REASON),
    Attr("amplifier_spacing_km", "length", "Distance between in-line amplifiers.", unit="km",
         minimum=0.0, exclusive_minimum=True, maximum=MAX_LENGTH_KM,
         maximum_reason=_LENGTH_REASON),
    Attr("amplifier_latency_ms", "time", "Latency of one amplifier site.", unit="ms",
         minimum=0.0, maximum=MAX_LATENCY_MS, maximum_reason=_LATENCY_REASON),
    Attr("extra_latency_ms", "time", "Other equipment on the link (regeneration, OTN, switches).",
         unit="ms", default=0.0, minimum=0.0, maximum=MAX_LATENCY_MS,
         maximum_reason=_LATENCY_REASON),
    Attr("description", "str", "Free text."),
    Attr("meta", "mapping", "Free data kept as it is."),
)

DEMAND = (
    Attr("src", "str", "Source site.", required=True),
    Attr("dst", "str", "Destination site.", required=True),
    Attr("gbps", "bandwidth", "Demanded rate.", unit="Gb/s", required=True, minimum=0.0,
         maximum=MAX_CAPACITY_GBPS, maximum_reason=_CAPACITY_REASON),
)

_TABLES = {"topology": TOPOLOGY, "defaults": DEFAULTS, "site": SITE, "cluster": CLUSTER,
           "scale_up": SCALE_UP, "scale_out": SCALE_OUT, "link": LINK, "demand": DEMAND,
           "catalogue": CATALOGUE, "accelerator": ACCELERATOR}


class _Checker:
    """Walks a raw spec, collecting every problem instead of stopping at the first."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.problems: list[InfranetError] = []
        self._parsed: dict[tuple[str, str], float | str] = {}

    def quantity(self, raw: Any, kind: str) -> float:
        """`raw` in the canonical unit of `kind`; strings are parsed once per file (a file of
        200,000 links writes "400 Gb/s" 200,000 times)."""
        if not isinstance(raw, str):
            return units.parse(raw, kind)
        key = (kind, raw)
        if key not in self._parsed:
            try:
                self._parsed[key] = units.parse(raw, kind)
            except ValidationError as err:
                self._parsed[key] = err.detail
        value = self._parsed[key]
        if isinstance(value, str):
            raise ValidationError(value)
        return value

    def fail(self, element: str | None, field: str | None, message: str,
             cls: type[InfranetError] = ValidationError) -> None:
        self.problems.append(cls(message, file=self.file, element=element, field=field))

    def mapping(self, raw: Any, table: tuple[Attr, ...], element: str) -> dict[str, Any] | None:
        if not isinstance(raw, Mapping):
            self.fail(element, None, f"expected a mapping of keys to values, got "
                      f"{_type_name(raw)}")
            return None
        known = _known(table)
        out: dict[str, Any] = {}
        for key in raw:
            if key not in known or not isinstance(key, str):
                self.fail(element, str(key), f"unknown key{did_you_mean(str(key), known)}; "
                          f"allowed: {', '.join(known)}")
        for attr in table:
            given = raw.get(attr.name)
            if given is None:
                if attr.required:
                    self.fail(element, attr.name, f"missing; {attr.description}")
                continue
            value = self.value(given, attr, element)
            if value is not _BAD:
                out[attr.name] = value
        return out

    def value(self, raw: Any, attr: Attr, element: str) -> Any:
        kind = attr.kind
        try:
            if kind == "str":
                if not isinstance(raw, (str, int)) or isinstance(raw, bool):
                    raise ValidationError(f"expected a string, got {_type_name(raw)}")
                text = str(raw)
                if attr.name in _NAMES:
                    if not text.strip():
                        raise ValidationError("must not be empty")
                    _check_name(text)
                return text
            if kind == "choice":
                if raw not in attr.choices:
                    hint = did_you_mean(str(raw), attr.choices)
                    raise ValidationError(f"unknown value {raw!r}{hint}; expected one of "
                                          f"{', '.join(attr.choices)}")
                return raw
            if kind in units.QUANTITIES:
                if type(raw) is float or type(raw) is int:  # already in the canonical unit
                    number = float(raw)
                    if not math.isfinite(number):
                        raise ValidationError(f"expected a finite {kind}, got {raw!r}")
                    return self._bounded(number, attr, raw)
                return self._bounded(self.quantity(raw, kind), attr, raw)
            if kind in ("number", "integer"):
                if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                    if isinstance(raw, str):
                        try:
                            raw = float(raw.replace(",", "").replace("_", ""))
                        except ValueError:
                            raise ValidationError(f"expected a number, got {raw!r}") from None
                    else:
                        raise ValidationError(f"expected a number, got {_type_name(raw)}")
                if kind == "integer" and isinstance(raw, int):
                    # exact: a float would round integers above 2**53
                    self._bounded(_as_float(raw), attr, raw)
                    return int(raw)
                number = float(raw)
                if not math.isfinite(number):
                    raise ValidationError(f"expected a finite number, got {raw!r}")
                if kind == "integer":
                    if number != int(number):
                        raise ValidationError(f"expected a whole number, got {raw!r}")
                    return int(self._bounded(number, attr, raw))
                return self._bounded(number, attr, raw)
            if kind == "location":
                return _point(raw)
            if kind == "route":
                if not isinstance(raw, list) or len(raw) < 2:
                    raise ValidationError("expected a list of at least two [lon, lat] points")
                points = []
                for i, p in enumerate(raw):
                    try:
                        points.append(_point(p))
                    except ValidationError as err:
                        raise ValidationError(f"point {i}: {err.detail}") from None
                return points
            if kind == "integers":
                if (not isinstance(raw, list) or not raw or not all(
                        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in raw)):
                    raise ValidationError(f"expected a list of positive whole numbers, got "
                                          f"{_short(raw)}")
                for v in raw:
                    self._bounded(_as_float(v), attr, v)
                return list(raw)
            if kind == "strings":
                if isinstance(raw, str):
                    raw = [raw]
                if not isinstance(raw, list) or not all(
                        isinstance(s, (str, int)) and not isinstance(s, bool) for s in raw):
                    raise ValidationError("expected a list of strings")
                return [str(s) for s in raw]
            if kind == "mapping":
                if not isinstance(raw, Mapping):
                    raise ValidationError(f"expected a mapping, got {_type_name(raw)}")
                return dict(raw)
            if kind == "list":
                if not isinstance(raw, list):
                    raise ValidationError(f"expected a list, got {_type_name(raw)}")
                return raw
        except ValidationError as err:
            self.fail(element, attr.name, err.detail)
            return _BAD
        raise AssertionError(f"schema kind {kind!r} has no checker")  # a schema bug, not input

    @staticmethod
    def _bounded(number: float, attr: Attr, raw: Any) -> float:
        unit = f" {attr.unit}" if attr.unit else ""
        if attr.minimum is not None:
            low = attr.minimum
            if number < low or (attr.exclusive_minimum and number <= low):
                op = ">" if attr.exclusive_minimum else ">="
                raise ValidationError(f"must be {op} {low:g}{unit}, got {_short(raw)}")
        if attr.maximum is not None and number > attr.maximum:
            why = attr.maximum_reason or attr.description.rstrip('.')
            raise ValidationError(f"must be <= {_figure(attr.maximum)}{unit} ({why}), "
                                  f"got {_short(raw)}")
        return number


def _as_float(value: int) -> float:
    """An integer as a float, infinite beyond the largest float."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _short(raw: Any) -> str:
    """`raw` for a message: a huge integer in scientific notation, not hundreds of digits."""
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) >= 10**15:
        return f"{_as_float(raw):.3g}"
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


_BAD = object()


def _figure(number: float) -> str:
    """A bound as people read it: 100,000 and 1,000,000,000, not 1e+05."""
    return f"{number:,.0f}" if number == int(number) else f"{number:,g}"
_NAMES = ("name", "a", "b", "src", "dst", "accelerator")  # fields that must not be blank


def _type_name(raw: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(
        type(raw), type(raw).__name__)


_KNOWN: dict[int, dict[str, Attr]] = {}


def _known(table: tuple[Attr, ...]) -> dict[str, Attr]:
    """The attributes of `table` by name (built once per table: tables are module constants)."""
    known = _KNOWN.get(id(table))
    if known is None:
        known = _KNOWN[id(table)] = {a.name: a for a in table}
    return known


def _point(raw: Any) -> list[float]:
    if (type(raw) is list and len(raw) == 2 and type(raw[0]) in (int, float)
            and type(raw[1]) in (int, float)):
        lon, lat = float(raw[0]), float(raw[1])  # the common case, checked below
    elif (not isinstance(raw, (list, tuple)) or len(raw) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in raw)):
        raise ValidationError(f"expected [lon, lat] in degrees, got {raw!r}")
    else:
        lon, lat = float(raw[0]), float(raw[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValidationError(f"expected finite [lon, lat], got {raw!r}")
    if not -180.0 <= lon <= 180.0:
        raise ValidationError(f"longitude {lon:g} is outside -180..180")
    if not -90.0 <= lat <= 90.0:
        hint = " (is it [lat, lon]? infranet writes [lon, lat])" if abs(lon) <= 90 else ""
        raise ValidationError(f"latitude {lat:g} is outside -90..90{hint}")
    return [lon, lat]


def _check_name(text: str) -> None:
    """Refuse control, format and line-separator characters: a name is printed on one line."""
    if text.isprintable():
        return
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise ValidationError(f"contains the control character {printable(ch)!s} at "
                                  f"position {i + 1}; names are printed on one line, remove it")


def _site_label(raw: Any, index: int) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("name"), (str, int)):
        return f"site '{raw['name']}'"
    return f"sites[{index}]"


def _link_label(raw: Any, index: int) -> str:
    if isinstance(raw, Mapping):
        if isinstance(raw.get("name"), (str, int)):
            return f"link '{raw['name']}'"
        if isinstance(raw.get("a"), (str, int)) and isinstance(raw.get("b"), (str, int)):
            return f"links[{index}] ({raw['a']}--{raw['b']})"
    return f"links[{index}]"


def normalise(raw: Any, *, file: str | None = None,
              extra_accelerators: Iterable[str] = ()) -> tuple[dict[str, Any], list[InfranetError]]:
    """Validate a raw spec and return ``(spec, problems)``.

    `spec` is the spec with quantities in canonical units, defaults filled in, and link and
    cluster names given; `problems` lists every error found (empty when the spec is valid).
    """
    c = _Checker(file)
    top = c.mapping(raw, TOPOLOGY, "topology")
    if top is None:
        return {}, c.problems
    spec: dict[str, Any] = {"name": top.get("name", "")}
    for key in ("description", "source"):
        if key in top:
            spec[key] = top[key]
    spec["notes"] = list(top.get("notes", []))

    defaults = {a.name: a.default for a in DEFAULTS if a.default is not None}
    if "defaults" in top:
        given = c.mapping(top["defaults"], DEFAULTS, "defaults")
        if given:
            defaults.update(given)
    spec["defaults"] = defaults

    own: list[dict[str, Any]] = []
    if "catalogue" in top:
        given = c.mapping(top["catalogue"], CATALOGUE, "catalogue")
        for i, raw_row in enumerate((given or {}).get("accelerators", [])):
            label = (f"catalogue accelerator '{raw_row['name']}'" if isinstance(raw_row, Mapping)
                     and isinstance(raw_row.get("name"), str) else f"catalogue.accelerators[{i}]")
            row = c.mapping(raw_row, ACCELERATOR, label)
            if row and "name" in row:
                _replace_deprecated(row, ACCELERATOR, label, spec["notes"])
                own.append(row)
        spec["catalogue"] = {"accelerators": own}
    accelerators = set(physics.accelerators()) | set(extra_accelerators)
    accelerators |= {row["name"] for row in own}
    own_rows = {row["name"]: row for row in own}
    sites: list[dict[str, Any]] = []
    seen_sites: dict[str, int] = {}
    for i, raw_site in enumerate(top.get("sites", [])):
        label = _site_label(raw_site, i)
        site = c.mapping(raw_site, SITE, label)
        if site is None or "name" not in site:
            continue
        site.setdefault("kind", "pop")
        name = site["name"]
        if name in seen_sites:
            c.fail(label, "name", f"duplicate site name (also sites[{seen_sites[name]}]); "
                   "site names must be unique")
            continue
        seen_sites[name] = i
        if "clusters" in site:
            if site["kind"] != "datacenter":
                c.fail(label, "clusters", f"only datacenters hold clusters, this site is a "
                       f"{site['kind']}; set kind: datacenter")
            site["clusters"] = _clusters(c, site["clusters"], name, label, accelerators,
                                         own_rows)
        sites.append(site)
    if "sites" in top and not top["sites"] and not c.problems:
        c.fail("topology", "sites", "no sites; a topology needs at least one site")
    spec["sites"] = sites

    links: list[dict[str, Any]] = []
    labels: list[str] = []
    seen_links: dict[str, str] = {}
    pair_count: dict[tuple[str, str], int] = {}
    for i, raw_link in enumerate(top.get("links", []) or []):
        label = _link_label(raw_link, i)
        link = c.mapping(raw_link, LINK, label)
        if link is None or "a" not in link or "b" not in link:
            continue
        ok = True
        for end in ("a", "b"):
            if link[end] not in seen_sites:
                c.fail(label, end, f"unknown site {link[end]!r}"
                       f"{did_you_mean(link[end], seen_sites)}", UnknownNameError)
                ok = False
        if link["a"] == link["b"]:
            c.fail(label, "b", f"a link joins two different sites, both ends are {link['a']!r}")
            ok = False
        if not ok:
            continue
        pair = (link["a"], link["b"]) if link["a"] <= link["b"] else (link["b"], link["a"])
        pair_count[pair] = pair_count.get(pair, 0) + 1
        if "name" not in link:
            base = f"{link['a']}--{link['b']}"
            name = base if pair_count[pair] == 1 else f"{base}#{pair_count[pair]}"
            while name in seen_links:
                name += "'"
            link["name"] = name
        if link["name"] in seen_links:
            c.fail(label, "name", f"duplicate link name (also {seen_links[link['name']]})")
            continue
        seen_links[link["name"]] = f"links[{i}]"
        link.setdefault("kind", "fiber")
        links.append(link)
        labels.append(label)
    spec["links"] = links
    _check_geography(c, links, labels, {site["name"]: site for site in sites}, defaults)

    if "demands" in top:
        demands = []
        for i, raw_demand in enumerate(top["demands"]):
            label = f"demands[{i}]"
            demand = c.mapping(raw_demand, DEMAND, label)
            if demand is None or "src" not in demand or "dst" not in demand:
                continue
            for end in ("src", "dst"):
                if demand[end] not in seen_sites:
                    c.fail(label, end, f"unknown site {demand[end]!r}"
                           f"{did_you_mean(demand[end], seen_sites)}", UnknownNameError)
            demands.append(demand)
        spec["demands"] = demands
    if "meta" in top:
        spec["meta"] = top["meta"]
    return spec, c.problems


def _check_geography(c: _Checker, links: list[dict[str, Any]], labels: list[str],
                     sites: Mapping[str, Mapping[str, Any]], defaults: Mapping[str, Any]) -> None:
    """Refuse what geography rules out: routes whose ends are far from their link's sites,
    lengths shorter than the great circle between located sites or longer than
    :data:`MAX_LENGTH_KM`, and measured latencies below the speed-of-light floor of the
    link's length."""
    def located(link: Mapping[str, Any]) -> bool:
        return "location" in sites[link["a"]] and "location" in sites[link["b"]]

    def points(rows: list[int], pick: Any) -> np.ndarray:
        return np.array([pick(links[i]) for i in rows], dtype=float).reshape(-1, 2)

    def km(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        return np.asarray(physics.geodesic_km(p[:, 0], p[:, 1], q[:, 0], q[:, 1]), dtype=float)

    routed = [i for i, link in enumerate(links) if "route" in link and located(link)]
    if routed:
        start = points(routed, lambda x: x["route"][0])
        end = points(routed, lambda x: x["route"][-1])
        at_a = points(routed, lambda x: sites[x["a"]]["location"])
        at_b = points(routed, lambda x: sites[x["b"]]["location"])
        forward = np.stack([km(start, at_a), km(end, at_b)], axis=1)
        backward = np.stack([km(start, at_b), km(end, at_a)], axis=1)
        flip = backward.max(axis=1) < forward.max(axis=1)
        gaps = np.where(flip[:, None], backward, forward)
        for j in np.flatnonzero(gaps.max(axis=1) > ROUTE_END_KM):
            link = links[routed[j]]
            first, last = (link["b"], link["a"]) if flip[j] else (link["a"], link["b"])
            c.fail(labels[routed[j]], "route", f"the route starts {gaps[j, 0]:,.0f} km from "
                   f"site {first!r} and ends {gaps[j, 1]:,.0f} km from site {last!r}; a route "
                   f"runs from one site of its link to the other (ends within {ROUTE_END_KM:g} "
                   "km), fix its points or its sites")

    # every link's great circle (NaN unless both sites are located) and length, in bulk; a
    # link with a problem already (a length or factor refused) is not judged on what is left
    judged = {p.element for p in c.problems}
    m = len(links)
    circle = np.full(m, math.nan)
    both = [i for i, link in enumerate(links) if located(link)]
    if both:
        circle[both] = km(points(both, lambda x: sites[x["a"]]["location"]),
                          points(both, lambda x: sites[x["b"]]["location"]))
    length = np.full(m, math.nan)
    explicit = [i for i, link in enumerate(links) if "length_km" in link
                and labels[i] not in judged]
    length[explicit] = [links[i]["length_km"] for i in explicit]
    drawn = [i for i, link in enumerate(links) if "route" in link and "length_km" not in link
             and labels[i] not in judged]
    length[drawn] = route_lengths_km([links[i]["route"] for i in drawn])

    # a fiber is never shorter than the straight line between its ends; a route is not either
    # (its ends lie within ROUTE_END_KM of the sites, checked above)
    short = [i for i in explicit if length[i] < circle[i] - LENGTH_FLOOR_SLACK_KM]
    for i in short:
        link = links[i]
        c.fail(labels[i], "length_km", f"{length[i]:,.6g} km is shorter than the "
               f"{circle[i]:,.0f} km great circle between sites {link['a']!r} and "
               f"{link['b']!r} (less {LENGTH_FLOOR_SLACK_KM:g} km: each site may lie "
               f"{ROUTE_END_KM:g} km from its town-level coordinates); no fiber is shorter "
               "than the straight line, check length_km and the sites' locations")
    for i in drawn:
        if length[i] > MAX_LENGTH_KM:
            c.fail(labels[i], "route", f"the route is {length[i]:,.0f} km long, more than "
                   f"{MAX_LENGTH_KM:,.0f} km ({_LENGTH_REASON}); check its points")
    estimated = [i for i in both if "length_km" not in links[i] and "route" not in links[i]
                 and labels[i] not in judged]
    for i in estimated:
        factor = links[i].get("route_factor", defaults.get("route_factor",
                                                             physics.ROUTE_FACTOR))
        if circle[i] * factor > MAX_LENGTH_KM:
            whose = "its" if "route_factor" in links[i] else "the default"
            c.fail(labels[i], "route_factor", f"the {circle[i]:,.0f} km great circle between "
                   f"its sites times {whose} route factor {factor:g} is "
                   f"{circle[i] * factor:,.0f} km, more than {MAX_LENGTH_KM:,.0f} km "
                   f"({_LENGTH_REASON}); give the link length_km or a smaller route_factor")

    # the floor of a measured latency: the length, else the plain great circle (no factor)
    known = np.where(np.isnan(length), circle, length)
    refused = set(short)
    timed = [i for i, link in enumerate(links) if "latency_ms" in link
             and not np.isnan(known[i]) and i not in refused]
    if not timed:
        return
    floor_km = known[timed]
    basis = ["its length_km" if "length_km" in links[i] else "its route" if "route" in links[i]
             else "the great circle between its sites" for i in timed]
    vacuum = physics.media()["vacuum"].us_per_km
    floor = floor_km * vacuum / 1000.0
    relative, absolute = LATENCY_FLOOR_TOLERANCE
    latency = np.array([links[i]["latency_ms"] for i in timed], dtype=float)
    for j in np.flatnonzero(latency < floor * (1 - relative) - absolute):
        c.fail(labels[timed[j]], "latency_ms", f"{latency[j]:g} ms is below the speed-of-light "
               f"floor of {floor[j]:.3f} ms for {floor_km[j]:,.0f} km ({basis[j]}; light in "
               f"vacuum takes {vacuum} µs/km); a measured latency cannot beat light, check "
               "latency_ms and the length")


def route_lengths_km(routes: Sequence[Sequence[Sequence[float]]]) -> np.ndarray:
    """Return the geodesic length (km) of each polyline of ``[lon, lat]`` points, in one
    vectorised call (as :func:`infranet.physics.path_length_km` gives for one).

    Examples
    --------
    >>> route_lengths_km([[[0, 0], [1, 0], [1, 1]], [[0, 0], [0, 1]]]).round(1).tolist()
    [221.9, 110.6]
    """
    if not routes:
        return np.zeros(0)
    counts = np.array([len(r) for r in routes])
    coords = np.concatenate([np.asarray(r, dtype=float).reshape(-1, 2) for r in routes])
    steps = np.asarray(physics.geodesic_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0],
                                           coords[1:, 1]), dtype=float).reshape(-1)
    total = np.concatenate([[0.0], np.cumsum(steps)])
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    last = first + counts - 1
    # a step from one route's last point to the next route's first lies between them
    return total[last] - total[first]


def warnings(topology: Topology) -> list[InfranetWarning]:
    """Return what is doubtful but not wrong in a valid topology: sites at one location, links
    far longer than the great circle between their sites, clusters whose scale-up is not their
    accelerator's (:func:`cluster_warnings`), and datacenters whose clusters draw more than
    their ``power_mw`` (:func:`infranet.fabrics.power.power_warnings`, through the closed-form
    summaries of the design registry, which sits below the model).

    Two sites at the same ``[lon, lat]`` (to about a metre) are often one place entered twice,
    or a converted file whose nodes were geocoded to one city; a link between them has length
    0 unless it gives ``length_km``. A link more than :data:`MAX_DETOUR` times the great circle
    between its sites (plus :data:`LENGTH_FLOOR_SLACK_KM`) is more often a mistyped length or a
    route drawn through the wrong places than a real detour. ``infranet validate`` lists
    warnings; ``infranet show --what warnings`` shows them; the other commands print how many
    there are on stderr.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x", "location": [1, 2]},
    ...     {"name": "y", "location": [1, 2]}, {"name": "z", "location": [3, 4]}]})
    >>> [str(w) for w in warnings(topo)]
    ["site 'y': location: at the same location as site 'x' ([1, 2]); a link between them has \
length 0 unless it gives length_km"]
    >>> far = Topology.from_dict({"name": "t", "sites": [{"name": "x", "location": [0, 0]},
    ...     {"name": "y", "location": [1, 0]}], "links": [{"a": "x", "b": "y", "length_km": 900}]})
    >>> print(warnings(far)[0])  # doctest: +NORMALIZE_WHITESPACE
    link 'x--y': length_km: 900 km is 8.08 times the 111 km great circle between its sites; the
    median US conduit runs 1.3 times the great circle and more than 3 times is rare: check
    length_km
    """
    return (_colocated(topology) + _detours(topology) + cluster_warnings(topology)
            + _power_warnings(topology))


def _power_warnings(topology: Topology) -> list[InfranetWarning]:
    from infranet.fabrics.power import power_warnings

    return power_warnings(topology)


def _colocated(topology: Topology) -> list[InfranetWarning]:
    """Sites at the same location, to about a metre."""
    sites = topology.sites.iloc[:topology.n_sites]
    lon = sites["lon"].to_numpy(dtype=float)
    lat = sites["lat"].to_numpy(dtype=float)
    known = np.flatnonzero(~(np.isnan(lon) | np.isnan(lat)))
    return _same_location(topology, sites, lon, lat, known) if known.size >= 2 else []


def _same_location(topology: Topology, sites: Any, lon: np.ndarray, lat: np.ndarray,
                   known: np.ndarray) -> list[InfranetWarning]:
    """Sites at the location of an earlier site."""
    # to 1e-5 degree (about a metre): equal within the precision coordinates are written with
    key = np.round(lon[known] * 1e5) * 1e6 + np.round(lat[known] * 1e5)
    perm = np.argsort(key, kind="stable")  # stable: each group in file order
    ordered, index = key[perm], known[perm]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    group_start = np.maximum.accumulate(np.where(new, np.arange(len(ordered)), 0))
    names = sites.index
    out = []
    for p in sorted(np.flatnonzero(~new), key=lambda p: index[p]):
        k, first = index[p], index[group_start[p]]
        out.append(InfranetWarning(
            f"at the same location as site {names[first]!r} ([{lon[k]:g}, {lat[k]:g}]); a link "
            "between them has length 0 unless it gives length_km", file=topology.file,
            element=f"site {names[k]!r}", field="location"))
    return out


def cluster_warnings(topology: Topology) -> list[InfranetWarning]:
    """Clusters whose scale-up is not their accelerator's own (catalogue ``scale_up_kind``): an
    H100 (NVLink switches) given a torus, or a TPU (an ICI torus) given NVLink switches or no
    scale-up beside a scale-out fabric (so that its chips meet only over their NIC). Doubtful,
    not wrong: a what-if may ask for it.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "dc", "kind": "datacenter",
    ...     "clusters": [{"name": "c", "accelerator": "H100", "count": 64,
    ...                   "scale_up": {"kind": "torus", "dims": [4, 4, 4]}}]}]})
    >>> [(w.element, w.field) for w in cluster_warnings(topo)]
    [("site 'dc' cluster 'c'", 'scale_up')]
    """
    catalogue = topology.accelerators()
    out = []
    for site in topology.datacenters:
        for cluster in topology.site(site).get("clusters", ()):
            record = catalogue.get(cluster["accelerator"])
            native = record.scale_up_kind if record is not None else ""
            given = (cluster.get("scale_up") or {}).get("kind")
            if not native or given == native:
                continue
            name = cluster["accelerator"]
            joined = {"nvswitch": "NVLink switches", "torus": "an inter-chip torus (ICI)"}
            if given is not None:
                message = (f"{name} scales up over {joined[native]}, not {joined[given]}; the "
                           f"figures model a {given} domain of {name} chips (set scale_up.kind: "
                           f"{native} for the {name} as built)")
            elif native == "torus" and cluster.get("scale_out"):
                message = (f"{name} chips are joined by {joined[native]}, but this cluster has "
                           "no scale_up: its chips meet only over their scale-out NIC (give "
                           "scale_up: {kind: torus, dims: [...]})")
            else:
                continue
            out.append(InfranetWarning(message, file=topology.file,
                                       element=f"site {site!r} cluster {cluster['name']!r}",
                                       field="scale_up"))
    return out


def _detours(topology: Topology) -> list[InfranetWarning]:
    """Links more than MAX_DETOUR times the great circle between their sites."""
    links = topology.links.iloc[:topology.n_links]
    if links.empty:
        return []
    sites = topology.sites
    lon, lat = sites["lon"], sites["lat"]
    circle = np.asarray(physics.geodesic_km(
        lon.loc[links["a"]].to_numpy(dtype=float), lat.loc[links["a"]].to_numpy(dtype=float),
        lon.loc[links["b"]].to_numpy(dtype=float), lat.loc[links["b"]].to_numpy(dtype=float)),
        dtype=float).reshape(-1)
    length = links["length_km"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        far = np.flatnonzero(length > MAX_DETOUR * circle + LENGTH_FLOOR_SLACK_KM)
    out = []
    fields = {"explicit": "length_km", "route": "route", "great_circle": "route_factor"}
    for i in far:
        row = links.iloc[i]
        field = fields.get(row["length_source"], "length_km")
        check = {"length_km": "check length_km", "route": "check the route's points",
                 "route_factor": "check route_factor"}[field]
        versus = (f"{length[i] / circle[i]:.3g} times the {circle[i]:,.0f} km great circle "
                  "between its sites" if circle[i] >= 1 else
                  f"for sites {circle[i] * 1000:,.0f} m apart")
        out.append(InfranetWarning(
            f"{length[i]:,.0f} km is {versus}; the median US conduit runs "
            f"{physics.ROUTE_FACTOR:g} times the great circle and more than {MAX_DETOUR:g} times "
            f"is rare: {check}", file=topology.file, element=f"link {row['name']!r}",
            field=field))
    return out


def _clusters(c: _Checker, raw: list, site: str, label: str, accelerators: set[str],
              own_rows: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    clusters = []
    names: set[str] = set()
    for j, raw_cluster in enumerate(raw):
        element = f"{label} clusters[{j}]"
        cluster = c.mapping(raw_cluster, CLUSTER, element)
        if cluster is None:
            continue
        acc = cluster.get("accelerator")
        if acc is not None and acc not in accelerators:
            c.fail(element, "accelerator", f"unknown accelerator {acc!r}"
                   f"{did_you_mean(acc, accelerators)}; known: {', '.join(sorted(accelerators))}",
                   UnknownNameError)
        before = len(c.problems)
        for part, table in (("scale_up", SCALE_UP), ("scale_out", scale_out_table())):
            if part in cluster:
                given = c.mapping(cluster[part], table, f"{element} {part}")
                if given is None:
                    del cluster[part]
                else:
                    cluster[part] = given
        # the capacity rules only of a fabric whose every key is valid: a key refused above
        # would come back as a second, misleading problem (a torus without its dims)
        if acc in accelerators and "count" in cluster and len(c.problems) == before:
            own_row = own_rows.get(acc)
            domain = (own_row.get("scale_up_domain") if own_row is not None
                      else catalogue_domain(acc))
            for field, message in fabric_problems(cluster, domain) + _missing_figures(
                    cluster, acc, own_row):
                c.fail(element, field, message)
        if "available" in cluster and "count" in cluster \
                and cluster["available"] > cluster["count"]:
            c.fail(element, "available", f"{cluster['available']:,} available is more than the "
                   f"{cluster['count']:,} accelerators of the cluster (count)")
        cluster.setdefault("name", f"{site}-c{j + 1}")
        if cluster["name"] in names:
            c.fail(element, "name", f"duplicate cluster name {cluster['name']!r} in this site")
        names.add(cluster["name"])
        clusters.append(cluster)
    return clusters


def _replace_deprecated(row: dict[str, Any], table: tuple[Attr, ...], element: str,
                        notes: list[str]) -> None:
    """Move the values of deprecated keys to the keys that replace them, with a note."""
    for attr in table:
        if attr.replaced_by and attr.name in row:
            value = row.pop(attr.name)
            row.setdefault(attr.replaced_by, value)
            notes.append(f"{element}: {attr.name} is deprecated, read as {attr.replaced_by}; "
                         "rename the key")


def _missing_figures(cluster: Mapping[str, Any], accelerator: str,
                     own_row: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The NIC and scale-up rates a cluster needs that neither its spec nor its accelerator's
    catalogue row gives."""
    if own_row is not None:
        record = physics.Accelerator.from_row(own_row)
    elif accelerator in physics.accelerators():
        record = physics.accelerators()[accelerator]
    else:
        return []  # a name a reader vouched for: its figures are checked when used
    out = []
    so = cluster.get("scale_out", {})
    if so.get("kind") and "nic" not in so and record.nic_gbps is None \
            and "nic" in fabric_designs.get(so["kind"]).reads:
        out.append(("scale_out", f"the catalogue has no NIC rate for {accelerator}; give "
                    "scale_out.nic"))
    needs_up = cluster.get("scale_up") or (
        so.get("kind") and fabric_designs.get(so["kind"]).needs_servers)
    if needs_up and "bandwidth" not in cluster.get("scale_up", {}) \
            and record.scale_up_gbps is None:
        out.append(("scale_up", f"the catalogue has no scale-up bandwidth for {accelerator}; "
                    "give scale_up.bandwidth"))
    return out


def available(cluster: Mapping[str, Any]) -> int:
    """The accelerators of `cluster` free for new work: its ``available``, else its ``count``.

    Examples
    --------
    >>> available({"count": 1024}), available({"count": 1024, "available": 256})
    (1024, 256)
    """
    given = cluster.get("available")
    return int(cluster["count"] if given is None else given)


def catalogue_domain(accelerator: str) -> int | None:
    """Default scale-up domain size of a catalogue accelerator (None when not listed)."""
    record = physics.accelerators().get(accelerator)
    return None if record is None else record.scale_up_domain


def fabric_problems(cluster: dict[str, Any], default_domain: int | None) -> list[tuple[str, str]]:
    """Return ``(field, message)`` for a cluster whose fabric cannot hold its accelerators.

    The capacity rules of :func:`infranet.fabrics.designs.cluster_problems`, their one home:
    whole scale-up domains and tori, the keys of ``scale_out`` the design does not read, then
    the design's own rules (:meth:`infranet.fabrics.designs.Design.problems`: a fat-tree of
    arity k holds k^3/4, a 2-tier leaf-spine at most radix leaves, a Jellyfish its random
    graph, ...).
    """
    return fabric_designs.cluster_problems(cluster, default_domain)


def check(raw: Any, *, file: str | None = None) -> list[InfranetError]:
    """Return every problem of a raw spec (empty when it is valid)."""
    return normalise(raw, file=file)[1]


def reference_markdown() -> str:
    """Return the format reference tables (Markdown), generated from the schema."""
    sections = [
        ("Top level", TOPOLOGY), ("`defaults`", DEFAULTS), ("`sites[]`", SITE),
        ("`sites[].clusters[]`", CLUSTER), ("`sites[].clusters[].scale_up`", SCALE_UP),
        ("`sites[].clusters[].scale_out`", scale_out_table()), ("`links[]`", LINK),
        ("`catalogue`", CATALOGUE), ("`catalogue.accelerators[]`", ACCELERATOR),
        ("`demands[]`", DEMAND),
    ]
    out = []
    for title, table in sections:
        out.append(f"### {title}\n")
        out.append("| key | type | default | description |")
        out.append("|---|---|---|---|")
        for a in table:
            default = "" if a.default is None else f"`{a.default}`"
            if a.required:
                default = "**required**"
            out.append(f"| `{a.name}` | {a.describe_type()} | {default} | {a.description} |")
        out.append("")
    return "\n".join(out)
