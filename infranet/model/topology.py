"""The Topology: validated, immutable, geo-referenced sites and links, with cheap views.

A Topology is built from a spec (the dict a topology file holds) by :meth:`Topology.from_dict`,
which validates it against :mod:`infranet.model.schema`. It never changes afterwards: what-if edits
(``with_*``, ``without_*``) return a new Topology, so views and compiled arrays are cached safely.
Behaviour lives in free functions elsewhere (:mod:`infranet.algorithms`); the Topology holds data.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from infranet import physics
from infranet.errors import (
    InfranetError,
    UnknownNameError,
    ValidationError,
    counted,
    did_you_mean,
)
from infranet.model import edits, schema

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = ["Compiled", "Topology"]

_LINK_COLUMNS = (
    "name", "a", "b", "kind", "capacity_gbps", "capacity_ba_gbps", "length_km", "length_source",
    "route_factor", "medium", "fiber_pairs", "srlg", "cost", "propagation_ms", "amplifiers",
    "amplifier_ms", "terminal_ms", "extra_ms", "latency_ms", "latency_source",
)


@dataclass(frozen=True, eq=False)
class Compiled:
    """A Topology as numpy arrays, for solvers.

    Every link ``i`` gives two arcs: ``2*i`` from ``a`` to ``b`` and ``2*i + 1`` from ``b`` to
    ``a``. Arrays are read-only.

    Attributes
    ----------
    nodes : tuple of str
        Site names; node ``j`` is ``nodes[j]``.
    tail, head : ndarray of int
        Arc endpoints (node indices).
    arc_link : ndarray of int
        The link of each arc.
    capacity_gbps, latency_ms, length_km : ndarray of float
        Per arc; NaN where unknown.
    """

    nodes: tuple[str, ...]
    links: tuple[str, ...]
    tail: np.ndarray
    head: np.ndarray
    arc_link: np.ndarray
    capacity_gbps: np.ndarray
    latency_ms: np.ndarray
    length_km: np.ndarray

    @functools.cached_property
    def index(self) -> dict[str, int]:
        """Node index by site name."""
        return {name: i for i, name in enumerate(self.nodes)}

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_arcs(self) -> int:
        return len(self.tail)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # unpickled arrays come back writeable: freeze them again
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, key, value)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


class Topology:
    """Sites and full-duplex links with real geography; immutable.

    Build one with :meth:`from_dict` or :func:`infranet.read`.

    Examples
    --------
    >>> topo = Topology.from_dict({
    ...     "name": "example-vdc",
    ...     "sites": [
    ...         {"name": "ashburn", "kind": "datacenter", "location": [-77.49, 39.04]},
    ...         {"name": "columbus", "kind": "datacenter", "location": [-82.80, 40.08]},
    ...     ],
    ...     "links": [{"a": "ashburn", "b": "columbus", "capacity": "12.8 Tb/s"}],
    ... })
    >>> topo.links.loc[0, "length_source"], float(topo.links.loc[0, "capacity_gbps"])
    ('great_circle', 12800.0)
    >>> round(float(topo.links.loc[0, "length_km"]), 1)  # 470.6 km great circle x 1.3
    611.8
    >>> topo.without_links("ashburn--columbus").n_links, topo.n_links
    (0, 1)
    """

    def __init__(self, spec: dict[str, Any], *, file: str | None = None,
                 expansion: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> None:
        # ``spec`` must already be normalised by schema.normalise; use from_dict.
        self._spec = spec
        self._file = file
        self._expansion = expansion

    def with_expansion(self, nodes: pd.DataFrame, links: pd.DataFrame) -> Topology:
        """Return a new Topology with explicit fabric nodes and links added as views.

        Used by :func:`infranet.fabrics.expand`: `nodes` has columns ``name, kind, site,
        cluster, tier, lon, lat``; `links` the columns of :attr:`links`. The spec (and so
        :meth:`to_dict` and files written) is unchanged: an expansion is derived from the
        clusters' specs. What-if edits of links and defaults keep it (a fiber cut of an
        expanded topology is still expanded); edits of sites or clusters, which it is derived
        from, are refused on an expanded topology: edit, then expand again.
        """
        return Topology(self._spec, file=self._file, expansion=(nodes, links))

    @property
    def expanded(self) -> bool:
        """True when fabric nodes and links are part of the graph views."""
        return self._expansion is not None

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, source: str | None = None) -> Topology:
        """Validate a spec (the content of a topology file) and return a Topology.

        Parameters
        ----------
        raw
            The spec: ``name``, ``sites``, ``links`` and the optional keys of the format
            (``docs/format.md``). Quantities may be numbers in canonical units or unit strings.
        source
            The file the spec came from, named in error messages.

        Raises
        ------
        ValidationError, UnknownNameError
            For the first problem found (every problem is listed by
            :func:`infranet.model.schema.check`).
        """
        spec, problems = schema.normalise(raw, file=source)
        if problems:
            first = problems[0]
            if len(problems) > 1:
                first.detail += (f" (and {counted(len(problems) - 1, 'more problem')}; "
                                 "`infranet validate` lists them)")
                first.args = (str(first),)
            raise first
        return cls(spec, file=source)

    def _derived(self, spec: dict[str, Any], *, validate: bool = True) -> Topology:
        """A Topology of `spec` (validated unless it only lost elements), keeping this one's
        expansion: callers refuse, on an expanded topology, edits the expansion depends on."""
        if validate:
            spec = Topology.from_dict(spec, source=self._file)._spec
        return Topology(spec, file=self._file, expansion=self._expansion)

    def _unexpanded(self, what: str) -> None:
        if self._expansion is not None:
            raise ValidationError(f"{what} of an expanded topology would leave its fabric "
                                  "nodes stale; edit the unexpanded topology, then expand it "
                                  "again", file=self._file)

    def __reduce__(self) -> tuple[Any, ...]:
        # a Topology pickles as its (validated) spec; views and arrays are rebuilt, read-only
        return (_unpickle, (self._spec, self._file, self._expansion))

    # ------------------------------------------------------------------ plain data
    @property
    def name(self) -> str:
        return self._spec["name"]

    @property
    def description(self) -> str:
        return self._spec.get("description", "")

    @property
    def source(self) -> str:
        """Provenance of the data (from the file's ``source`` key)."""
        return self._spec.get("source", "")

    @property
    def file(self) -> str | None:
        """The file this topology was read from, if any."""
        return self._file

    @property
    def notes(self) -> tuple[str, ...]:
        """Assumptions recorded when the topology was made or converted."""
        return tuple(self._spec.get("notes", ()))

    @property
    def defaults(self) -> Mapping[str, Any]:
        return MappingProxyType(self._spec["defaults"])

    @property
    def n_sites(self) -> int:
        """Sites in the spec (fabric nodes of an expanded topology not counted)."""
        return len(self._spec["sites"])

    @property
    def n_nodes(self) -> int:
        """Nodes of the graph: sites, plus accelerators and switches when expanded."""
        return len(self._sites_table)

    @property
    def n_links(self) -> int:
        """Links of the graph: the file's, plus fabric links when expanded (see
        :attr:`n_spec_links`)."""
        return len(self.link_names)

    @property
    def n_spec_links(self) -> int:
        """Links in the spec (fabric links of an expanded topology not counted)."""
        return len(self._spec["links"])

    @functools.cached_property
    def site_names(self) -> tuple[str, ...]:
        """Names of every node of the graph (sites first, then fabric nodes when expanded)."""
        if self._expansion is None:
            return tuple(s["name"] for s in self._spec["sites"])
        return tuple(self._sites_table.index)

    @functools.cached_property
    def link_names(self) -> tuple[str, ...]:
        """Names of every link (spec links first, then fabric links when expanded)."""
        if self._expansion is None:
            return tuple(link["name"] for link in self._spec["links"])
        return tuple(self._links_table["name"])

    @functools.cached_property
    def datacenters(self) -> tuple[str, ...]:
        """Names of the sites of kind ``datacenter``, in file order."""
        return tuple(s["name"] for s in self._spec["sites"] if s["kind"] == "datacenter")

    def site(self, name: str) -> dict[str, Any]:
        """Return a copy of the spec of site `name`."""
        return copy.deepcopy(self._spec["sites"][self._site_index(name)])

    def link(self, name: str) -> dict[str, Any]:
        """Return a copy of the spec of link `name`."""
        return copy.deepcopy(self._spec["links"][self._link_index(name)])

    def _site_index(self, name: str) -> int:
        index = self._site_positions.get(name)
        if index is None:
            raise UnknownNameError(f"unknown site {name!r}{did_you_mean(name, self.site_names)}",
                                   file=self._file)
        if index >= len(self._spec["sites"]):
            raise ValidationError(f"{name!r} is a node of an expanded fabric; edit its cluster's "
                                  "spec instead", file=self._file)
        return index

    def _link_index(self, name: str) -> int:
        index = self._link_positions.get(name)
        if index is None:
            raise UnknownNameError(f"unknown link {name!r}{did_you_mean(name, self.link_names)}",
                                   file=self._file)
        if index >= len(self._spec["links"]):
            raise ValidationError(f"{name!r} is a link of an expanded fabric; edit its cluster's "
                                  "spec instead", file=self._file)
        return index

    def node_index(self, name: str) -> int:
        """Return the index of node `name` in :meth:`compile`'s arrays (any node, fabric too)."""
        index = self._site_positions.get(name)
        if index is None:
            raise UnknownNameError(f"unknown site {name!r}{did_you_mean(name, self.site_names)}",
                                   file=self._file)
        return index

    @functools.cached_property
    def _site_positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.site_names)}

    @functools.cached_property
    def _link_positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.link_names)}

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a plain dict (canonical units), ready to write as YAML or JSON."""
        return copy.deepcopy(self._spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Topology) and self._spec == other._spec

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        sites = _count(self.n_sites, "site")
        links = _count(self.n_links, "link")
        if self._expansion is not None:
            fabric = self.n_nodes - self.n_sites
            sites += f" and {_count(fabric, 'fabric node')}"
            links += f" ({self.n_spec_links} in the file)"
        return (f"<Topology {self.name!r}: {sites} "
                f"({_count(len(self.datacenters), 'datacenter')}), {links}>")

    # ------------------------------------------------------------------ tables
    @property
    def sites(self) -> pd.DataFrame:
        """One row per site, indexed by name: ``kind, lon, lat, power_mw, population,
        accelerators`` (NaN where unknown)."""
        return self._sites_table.copy()

    @functools.cached_property
    def _sites_table(self) -> pd.DataFrame:
        rows = self._spec["sites"]
        loc = [s.get("location", (math.nan, math.nan)) for s in rows]
        table = pd.DataFrame({
            "name": [s["name"] for s in rows],
            "kind": [s["kind"] for s in rows],
            "lon": np.array([p[0] for p in loc], dtype=float),
            "lat": np.array([p[1] for p in loc], dtype=float),
            "power_mw": [s.get("power_mw", math.nan) for s in rows],
            "population": [s.get("population", math.nan) for s in rows],
            "accelerators": [sum(c["count"] for c in s.get("clusters", ())) for s in rows],
        })
        if self._expansion is not None:
            nodes = self._expansion[0]
            table = pd.concat([table, nodes.assign(accelerators=0)], ignore_index=True)
        return table.set_index("name")

    @property
    def links(self) -> pd.DataFrame:
        """One row per link with resolved length and latency breakdown.

        Columns: ``name, a, b, kind, capacity_gbps, capacity_ba_gbps, length_km,
        length_source`` (``explicit``, ``route``, ``great_circle`` or ``unknown``),
        ``route_factor, medium, fiber_pairs, srlg, cost, propagation_ms, amplifiers,
        amplifier_ms, terminal_ms, extra_ms, latency_ms, latency_source`` (``components`` or
        ``explicit``).
        """
        return self._links_table.copy()

    @functools.cached_property
    def _links_table(self) -> pd.DataFrame:
        table = _resolve_links(self._spec, self._sites_table)
        if self._expansion is not None:
            table = pd.concat([table, self._expansion[1]], ignore_index=True)
        return table

    @property
    def clusters(self) -> pd.DataFrame:
        """One row per accelerator cluster: ``site, name, accelerator, count, scale_up,
        scale_out, dci_gbps``."""
        rows = [
            {"site": s["name"], "name": c["name"], "accelerator": c["accelerator"],
             "count": c["count"], "scale_up": c.get("scale_up", {}).get("kind"),
             "scale_out": c.get("scale_out", {}).get("kind"), "dci_gbps": c.get("dci")}
            for s in self._spec["sites"] for c in s.get("clusters", ())
        ]
        return pd.DataFrame(rows, columns=["site", "name", "accelerator", "count", "scale_up",
                                           "scale_out", "dci_gbps"])

    def accelerators(self) -> dict[str, physics.Accelerator]:
        """Return the accelerator catalogue this topology sees, as records by name: the
        packaged rows, with the file's own ``catalogue.accelerators`` rows added or replacing
        them by name.

        Examples
        --------
        >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}], "catalogue": {
        ...     "accelerators": [{"name": "MyChip", "source": "vendor sheet", "nic_gbps": 200}]}})
        >>> topo.accelerators()["MyChip"].nic_gbps, topo.accelerators()["H100"].nic_gbps
        (200.0, 400.0)
        """
        rows = dict(physics.accelerators())
        for row in self._spec.get("catalogue", {}).get("accelerators", ()):
            rows[row["name"]] = physics.Accelerator.from_row(row)
        return rows

    @property
    def demands(self) -> pd.DataFrame:
        """Demands carried by the file: ``src, dst, gbps`` (empty when there are none)."""
        return pd.DataFrame(self._spec.get("demands", []), columns=["src", "dst", "gbps"])

    # ------------------------------------------------------------------ views
    def to_networkx(self, *, directed: bool = False) -> nx.MultiGraph:
        """Return a networkx MultiGraph (or MultiDiGraph with one arc per direction).

        Nodes are named by site and carry ``kind, lon, lat`` (NaN without a location) and the
        site's other keys as in the file (``power_mw, pue, population, clusters, description,
        meta``). Edges are keyed by link name and carry the resolved ``capacity_gbps`` (per
        direction when `directed`; else ``capacity_ba_gbps`` beside it and ``a``, the link's a
        end), ``latency_ms, length_km`` with ``latency_source, length_source``, ``kind, medium,
        srlg, name``, and the link's other keys as in the file (``route, route_factor,
        fiber_pairs, cost``, equipment latencies, ``description, meta``). The graph carries the
        topology's ``name`` and other top-level keys (``description, source, notes, defaults,
        demands, catalogue, meta``). These are the attribute names of node-link JSON, so
        :meth:`from_networkx` gives the same topology back.

        Examples
        --------
        >>> import networkx as nx
        >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x", "power_mw": 50},
        ...     {"name": "y"}], "links": [{"a": "x", "b": "y", "length_km": 100, "cost": 7}]})
        >>> g = topo.to_networkx()
        >>> round(nx.shortest_path_length(g, "x", "y", weight="latency_ms"), 4)  # 100 km of SMF
        0.5498
        >>> g.nodes["x"]["power_mw"], g.edges["x", "y", "x--y"]["cost"]
        (50.0, 7.0)
        >>> Topology.from_networkx(g).to_dict()["links"] == topo.to_dict()["links"]
        True
        """
        import networkx as nx

        graph = nx.MultiDiGraph() if directed else nx.MultiGraph()
        graph.graph.update(copy.deepcopy({k: v for k, v in self._spec.items()
                                          if k not in ("sites", "links") and v not in ({}, [])}))
        graph.graph["name"] = self.name
        sites = self._sites_table
        specs = self._spec["sites"]
        for i, (name, row) in enumerate(zip(sites.index, sites.itertuples(index=False),
                                            strict=True)):
            own = {k: copy.deepcopy(v) for k, v in specs[i].items()
                   if k not in ("name", "kind", "location")} if i < len(specs) else {}
            graph.add_node(name, kind=row.kind, lon=row.lon, lat=row.lat, **own)
        table = self._links_table
        links = self._spec["links"]
        common = ("latency_ms", "latency_source", "length_km", "length_source", "kind", "medium")
        resolved = ("a", "b", "name", "kind", "capacity", "capacity_ba", "length_km",
                    "latency_ms", "medium", "srlg")
        for i, row in enumerate(table.itertuples(index=False)):
            attrs = {key: getattr(row, key) for key in common}
            attrs["srlg"] = list(row.srlg)
            attrs["name"] = row.name
            if i < len(links):
                attrs.update({k: copy.deepcopy(v) for k, v in links[i].items()
                              if k not in resolved})
            if directed:
                graph.add_edge(row.a, row.b, key=row.name, capacity_gbps=row.capacity_gbps,
                               **attrs)
                graph.add_edge(row.b, row.a, key=row.name, capacity_gbps=row.capacity_ba_gbps,
                               **copy.deepcopy(attrs))
            else:
                graph.add_edge(row.a, row.b, key=row.name, capacity_gbps=row.capacity_gbps,
                               capacity_ba_gbps=row.capacity_ba_gbps, a=row.a, **attrs)
        return graph

    @classmethod
    def from_networkx(cls, graph: nx.Graph, *, name: str | None = None,
                      capacity_unit: str | None = None) -> Topology:
        """Return a Topology from a networkx graph whose attributes are as in node-link JSON.

        Nodes become sites named by their id (or ``name``/``label``), located by ``pos`` =
        ``[lon, lat]`` or ``lon``/``lat``, with ``kind`` and the site keys of the format;
        edges become full-duplex links named by ``name`` or their multigraph key, with
        ``capacity_gbps`` (or ``capacity`` in `capacity_unit`, default bit/s), ``length_km``,
        ``latency_ms``, ``srlg``, ``medium``, ``kind`` and the link keys of the format, oriented
        from their ``a`` node when an undirected edge names it; a directed graph's arc pairs
        become one link each; graph attributes give the top-level keys. What had to be assumed
        is kept in :attr:`notes`. :meth:`to_networkx` and
        :func:`infranet.io.nodelink.write_nodelink` give such graphs: from either, the topology
        comes back whole (links in the graph's edge order, and notes saying it went through a
        graph).

        Parameters
        ----------
        graph
            A networkx Graph, DiGraph, MultiGraph or MultiDiGraph.
        name
            Name of the topology (default: ``graph.graph["name"]``, else ``network``).
        capacity_unit
            Unit of a ``capacity`` attribute (``capacity_gbps`` is always Gb/s).

        Raises
        ------
        FormatError, ValidationError
            For attributes that are not numbers, or values the format refuses.

        Examples
        --------
        >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        ...     "links": [{"a": "x", "b": "y", "length_km": 100, "capacity": 400}]})
        >>> back = Topology.from_networkx(topo.to_networkx())
        >>> back.name, back.link_names, float(back.links.loc[0, "capacity_gbps"])
        ('t', ('x--y',), 400.0)
        """
        import networkx as nx

        # the node-link attribute conventions have one home, the node-link reader
        from infranet.io.nodelink import read_nodelink

        data = nx.node_link_data(graph, edges="links")
        spec = read_nodelink(data, capacity_unit=capacity_unit, name=name)
        spec["notes"] = [note.replace("networkx node-link JSON", "a networkx graph")
                         for note in spec["notes"]]
        if spec.get("source") == "networkx node-link data":
            spec["source"] = "a networkx graph"
        return cls.from_dict(spec)

    def compile(self) -> Compiled:
        """Return the topology as arrays for solvers (cached; see :class:`Compiled`)."""
        return self._compiled

    @functools.cached_property
    def _compiled(self) -> Compiled:
        table = self._links_table
        nodes = pd.Index(self.site_names)
        a = nodes.get_indexer(table["a"]).astype(np.int64)
        b = nodes.get_indexer(table["b"]).astype(np.int64)
        m = len(table)
        tail = np.empty(2 * m, dtype=np.int64)
        head = np.empty(2 * m, dtype=np.int64)
        tail[0::2], tail[1::2] = a, b
        head[0::2], head[1::2] = b, a
        cap = np.empty(2 * m)
        cap[0::2] = table["capacity_gbps"].to_numpy(dtype=float)
        cap[1::2] = table["capacity_ba_gbps"].to_numpy(dtype=float)
        return Compiled(
            nodes=self.site_names,
            links=self.link_names,
            tail=_frozen(tail),
            head=_frozen(head),
            arc_link=_frozen(np.repeat(np.arange(m, dtype=np.int64), 2)),
            capacity_gbps=_frozen(cap),
            latency_ms=_frozen(np.repeat(table["latency_ms"].to_numpy(dtype=float), 2)),
            length_km=_frozen(np.repeat(table["length_km"].to_numpy(dtype=float), 2)),
        )

    def to_geodataframes(self) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
        """Return ``(sites, links)`` GeoDataFrames in EPSG:4326.

        Sites are Points (sites without a location have an empty geometry); links are their route
        LineString, or the straight segment between their ends.
        """
        import geopandas as gpd
        from shapely import LineString, Point

        sites = self._sites_table.reset_index()
        site_geom = [Point(x, y) if not (math.isnan(x) or math.isnan(y)) else None
                     for x, y in zip(sites["lon"], sites["lat"], strict=True)]
        links = self._links_table.copy()
        links["srlg"] = [",".join(s) for s in links["srlg"]]
        where = dict(zip(sites["name"], zip(sites["lon"], sites["lat"], strict=True), strict=True))
        link_geom = []
        for spec in self._spec["links"]:
            if "route" in spec:
                link_geom.append(LineString(spec["route"]))
                continue
            ends = [where[spec["a"]], where[spec["b"]]]
            ok = not any(math.isnan(v) for p in ends for v in p)
            link_geom.append(LineString(ends) if ok else None)
        return (gpd.GeoDataFrame(sites, geometry=site_geom, crs="EPSG:4326"),
                gpd.GeoDataFrame(links, geometry=link_geom, crs="EPSG:4326"))

    # ------------------------------------------------------------------ what-if edits
    def with_sites(self, *sites: Mapping[str, Any]) -> Topology:
        """Return a new Topology with `sites` added (specs as in a topology file)."""
        self._unexpanded("adding sites")
        spec = self.to_dict()
        spec["sites"].extend(copy.deepcopy(list(sites)))
        return self._derived(spec)

    def with_links(self, *links: Mapping[str, Any]) -> Topology:
        """Return a new Topology with `links` added (specs as in a topology file)."""
        spec = self.to_dict()
        spec["links"].extend(copy.deepcopy(list(links)))
        return self._derived(spec)

    def without_sites(self, *names: str) -> Topology:
        """Return a new Topology without the named sites, their links and their demands."""
        self._unexpanded("removing sites")
        for name in names:
            self._site_index(name)
        gone = set(names)
        spec = self._shallow()
        spec["sites"] = [s for s in spec["sites"] if s["name"] not in gone]
        if not spec["sites"]:
            raise ValidationError("removing every site leaves no topology", field="sites",
                                  file=self._file)
        spec["links"] = [x for x in spec["links"] if x["a"] not in gone and x["b"] not in gone]
        if "demands" in spec:
            spec["demands"] = [d for d in spec["demands"]
                               if d["src"] not in gone and d["dst"] not in gone]
        return self._derived(spec, validate=False)

    def without_links(self, *names: str) -> Topology:
        """Return a new Topology without the named links (a fiber cut).

        Removing elements cannot make a valid spec invalid, so the result is not validated
        again: a scan over every link of a large backbone stays cheap.
        """
        for name in names:
            self._link_index(name)
        gone = set(names)
        spec = self._shallow()
        spec["links"] = [x for x in spec["links"] if x["name"] not in gone]
        return self._derived(spec, validate=False)

    def _shallow(self) -> dict[str, Any]:
        # elements are shared with this Topology: safe, as no Topology changes its spec and
        # every accessor hands out copies
        return {**self._spec, "sites": list(self._spec["sites"]),
                "links": list(self._spec["links"])}

    def without_srlg(self, *groups: str) -> Topology:
        """Return a new Topology without every link in the shared-risk groups `groups`."""
        known = self.srlgs()
        for group in groups:
            if group not in known:
                raise UnknownNameError(f"unknown shared-risk group {group!r}"
                                       f"{did_you_mean(group, known)}", file=self._file)
        return self.without_links(*{name for g in groups for name in known[g]})

    def with_changes(self, changes: Mapping[str, Any]) -> Topology:
        """Return a new Topology with many edits by path, made on one copy and validated once.

        Paths use the notation of the file (see :mod:`infranet.model.edits`):
        ``links[NAME].capacity``, ``defaults.route_factor``, ``sites[*].power_mw``,
        ``sites[kind=datacenter].power_mw``, ``sites[SITE].clusters[CLUSTER].count``. Values
        are what the file would hold (unit strings accepted); ``None`` removes a key.

        Raises
        ------
        UnknownNameError
            For a path that matches nothing (naming the path and the closest name).
        ValidationError
            For a malformed path, or values the schema refuses (naming the element and field).

        Examples
        --------
        >>> topo = Topology.from_dict({"name": "t", "sites": [
        ...     {"name": "x", "kind": "datacenter"}, {"name": "y", "kind": "datacenter"}],
        ...     "links": [{"a": "x", "b": "y", "length_km": 100, "capacity": "400G"}]})
        >>> new = topo.with_changes({"links[x--y].capacity": "1.6 Tb/s",
        ...                          "sites[*].power_mw": "300 MW"})
        >>> float(new.links.loc[0, "capacity_gbps"]), new.sites["power_mw"].tolist()
        (1600.0, [300.0, 300.0])
        >>> topo.with_changes({"links[x--z].capacity": 1})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        infranet.errors.UnknownNameError: path 'links[x--z].capacity': no element of links ...
        """
        return self._edited(changes)

    def _edited(self, changes: Mapping[Any, Any]) -> Topology:
        try:
            if self._expansion is not None and edits.touches(changes) - {"links", "defaults"}:
                self._unexpanded("editing sites, clusters or the catalogue")
            spec = self.to_dict()
            edits.apply_changes(spec, changes)
        except InfranetError as err:
            raise err.in_file(self._file) if self._file else err from None
        return self._derived(spec)

    def with_link_changes(self, name: str, /, **changes: Any) -> Topology:
        """Return a new Topology where link `name` has `changes` (``None`` removes a key).

        Examples
        --------
        >>> topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
        ...     "links": [{"a": "x", "b": "y", "length_km": 100, "capacity": "400G"}]})
        >>> topo.with_link_changes("x--y", capacity="1.6 Tb/s").links.loc[0, "capacity_gbps"]
        np.float64(1600.0)
        """
        self._link_index(name)
        return self._edited({(edits.Segment("links", name), edits.Segment(key)): value
                             for key, value in changes.items()})

    def with_site_changes(self, name: str, /, **changes: Any) -> Topology:
        """Return a new Topology where site `name` has `changes` (``None`` removes a key).
        Renaming a site is not a what-if edit."""
        self._site_index(name)
        return self._edited({(edits.Segment("sites", name), edits.Segment(key)): value
                             for key, value in changes.items()})

    def with_defaults(self, **changes: Any) -> Topology:
        """Return a new Topology with changed `defaults` (e.g. ``route_factor=1.12``)."""
        return self._edited({(edits.Segment("defaults"), edits.Segment(key)): value
                             for key, value in changes.items()})

    def srlgs(self) -> dict[str, tuple[str, ...]]:
        """Return the links of each shared-risk group, by group name."""
        groups: dict[str, list[str]] = {}
        for link in self._spec["links"]:
            for group in link.get("srlg", ()):
                groups.setdefault(group, []).append(link["name"])
        return {g: tuple(v) for g, v in groups.items()}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _resolve_links(spec: Mapping[str, Any], sites: pd.DataFrame) -> pd.DataFrame:
    """Resolve lengths and latency terms of every link, in bulk."""
    links = spec["links"]
    defaults = spec["defaults"]
    m = len(links)
    if m == 0:
        return pd.DataFrame({c: [] for c in _LINK_COLUMNS})

    def column(key: str, fallback: Any = math.nan) -> list[Any]:
        default = defaults.get(key, fallback)
        return [link.get(key, default) for link in links]

    a = [link["a"] for link in links]
    b = [link["b"] for link in links]
    cap = np.array(column("capacity"), dtype=float)
    cap_ba = np.array([link.get("capacity_ba", c) for link, c in zip(links, cap, strict=True)],
                      dtype=float)
    route_factor = np.array(column("route_factor", physics.ROUTE_FACTOR), dtype=float)

    # length: explicit, else route geometry, else great circle x route factor
    length = np.full(m, math.nan)
    source = np.full(m, "unknown", dtype=object)
    lon = sites["lon"]
    lat = sites["lat"]
    need_gc = []
    for i, link in enumerate(links):
        if "length_km" in link:
            length[i], source[i] = link["length_km"], "explicit"
        elif "route" in link:
            length[i], source[i] = physics.path_length_km(link["route"]), "route"
        else:
            need_gc.append(i)
    if need_gc:
        idx = np.array(need_gc)
        ea = [a[i] for i in need_gc]
        eb = [b[i] for i in need_gc]
        lon1, lat1 = lon.loc[ea].to_numpy(), lat.loc[ea].to_numpy()
        lon2, lat2 = lon.loc[eb].to_numpy(), lat.loc[eb].to_numpy()
        known = ~(np.isnan(lon1) | np.isnan(lat1) | np.isnan(lon2) | np.isnan(lat2))
        if known.any():
            gc = physics.geodesic_km(lon1[known], lat1[known], lon2[known], lat2[known])
            length[idx[known]] = gc * route_factor[idx[known]]
            source[idx[known]] = "great_circle"

    media = physics.media()
    medium = column("medium", "smf")
    kind = [link["kind"] for link in links]
    us_per_km = np.array([media[x].us_per_km for x in medium])
    amplified = np.array([media[x].amplified and k == "fiber" for x, k in zip(medium, kind,
                                                                              strict=True)])
    propagation = length * us_per_km / 1000.0
    spacing = np.array(column("amplifier_spacing_km", physics.AMPLIFIER_SPACING_KM), dtype=float)
    with np.errstate(invalid="ignore"):
        amps = np.where(amplified & ~np.isnan(length),
                        np.maximum(np.ceil(length / spacing - 1e-9) - 1, 0), 0).astype(int)
    amp_ms = amps * np.array(column("amplifier_latency_ms", physics.AMPLIFIER_LATENCY_MS),
                             dtype=float)
    # terminals (transponder + FEC) sit on WAN links; fabric links carry their own hop latency
    terminal = np.array([
        link.get("terminal_latency_ms",
                 defaults.get("terminal_latency_ms", physics.TERMINAL_LATENCY_MS)
                 if link["kind"] == "fiber" else 0.0)
        for link in links], dtype=float)
    extra = np.array([link.get("extra_latency_ms", 0.0) for link in links], dtype=float)
    computed = propagation + amp_ms + terminal + extra
    explicit = np.array([link.get("latency_ms", math.nan) for link in links], dtype=float)
    has_explicit = ~np.isnan(explicit)
    latency = np.where(has_explicit, explicit, computed)

    return pd.DataFrame({
        "name": [link["name"] for link in links],
        "a": a,
        "b": b,
        "kind": kind,
        "capacity_gbps": cap,
        "capacity_ba_gbps": cap_ba,
        "length_km": length,
        "length_source": source,
        "route_factor": np.where(source == "great_circle", route_factor, math.nan),
        "medium": medium,
        "fiber_pairs": [link.get("fiber_pairs") for link in links],
        "srlg": [tuple(link.get("srlg", ())) for link in links],
        "cost": [link.get("cost", math.nan) for link in links],
        "propagation_ms": propagation,
        "amplifiers": amps,
        "amplifier_ms": amp_ms,
        "terminal_ms": terminal,
        "extra_ms": extra,
        "latency_ms": latency,
        "latency_source": np.where(has_explicit, "explicit", "components"),
    })


def _unpickle(spec: dict[str, Any], file: str | None,
              expansion: tuple[pd.DataFrame, pd.DataFrame] | None) -> Topology:
    return Topology(spec, file=file, expansion=expansion)
