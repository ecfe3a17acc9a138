"""User regions as weighted points, and their attachment to the nearest sites of a topology.

A :class:`Regions` value holds where users are (``names, lon, lat`` in degrees, WGS84) and how
much of the demand each carries (``weight``, e.g. a population). It comes from a points file
(:func:`infranet.io.regions.read_regions`: CSV ``name, lon, lat, weight`` or a GeoJSON
FeatureCollection of Points) or from the ``region`` sites of a topology
(:func:`regions_of`, weight = population). :func:`attach` gives each region its nearest site
by great-circle distance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from infranet import physics
from infranet.errors import UnknownNameError, ValidationError, counted, did_you_mean
from infranet.results import Binding, FrozenState, freeze

if TYPE_CHECKING:
    from infranet.model.topology import Topology

__all__ = ["ATTACH_KINDS", "MAX_REGIONS", "Attachment", "Regions", "attach", "regions_of"]

#: Most regions one value holds: more is refused (a typo or a hostile file, not a map of users).
MAX_REGIONS = 100_000
#: Kinds of site a region attaches to by default.
ATTACH_KINDS = ("datacenter", "pop")


def _frozen(values: ArrayLike) -> np.ndarray:
    """`values` as a read-only array of floats."""
    return freeze(np.array(values, dtype=float))


@dataclass(frozen=True, eq=False)
class Regions(FrozenState):
    """User regions: named points with a weight; immutable.

    Attributes
    ----------
    names : tuple of str
        Region names, unique.
    lon, lat : ndarray
        Coordinates, degrees (WGS84), read-only.
    weight : ndarray
        Share of demand of each region (e.g. a population), >= 0, read-only.
    file : str or None
        Where the regions were read from.

    Raises
    ------
    ValidationError
        Naming the region and the field: a duplicate or empty name, a longitude or latitude
        out of range, a negative or non-finite weight, no regions, more than
        :data:`MAX_REGIONS`.

    Examples
    --------
    >>> r = Regions(("nyc", "la"), [-73.94, -118.24], [40.73, 34.05], [20.1e6, 13.2e6])
    >>> len(r), r.names[1], float(r.share[0].round(3))
    (2, 'la', 0.604)
    >>> Regions(("a", "a"), [0, 1], [0, 1], [1, 1])
    Traceback (most recent call last):
    ...
    infranet.errors.ValidationError: region 'a': name: used twice; region names are unique
    """

    names: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    weight: np.ndarray
    file: str | None = None

    def __init__(self, names: Sequence[str], lon: ArrayLike, lat: ArrayLike,
                 weight: ArrayLike | None = None, *, file: str | None = None) -> None:
        names = tuple(str(n) for n in names)
        lon_, lat_ = _frozen(lon).ravel(), _frozen(lat).ravel()
        weight_ = _frozen(np.ones(len(names)) if weight is None else weight).ravel()
        for array in (lon_, lat_, weight_):
            array.setflags(write=False)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "lon", lon_)
        object.__setattr__(self, "lat", lat_)
        object.__setattr__(self, "weight", weight_)
        object.__setattr__(self, "file", file)
        self._check()

    def _check(self) -> None:
        n = len(self.names)
        if n == 0:
            raise ValidationError("no regions", file=self.file)
        if n > MAX_REGIONS:
            raise ValidationError(f"{n:,} regions, more than the {MAX_REGIONS:,} infranet "
                                  "reads", file=self.file)
        for field, array in (("lon", self.lon), ("lat", self.lat), ("weight", self.weight)):
            if len(array) != n:
                raise ValidationError(f"{len(array)} values for {counted(n, 'region')}",
                                      file=self.file, field=field)
        seen: set[str] = set()
        for i, name in enumerate(self.names):
            element = f"region {name!r}"
            if not name.strip():
                raise ValidationError("empty name", file=self.file, element=f"region {i + 1}",
                                      field="name")
            if name in seen:
                raise ValidationError("used twice; region names are unique", file=self.file,
                                      element=element, field="name")
            seen.add(name)
            lon, lat, weight = self.lon[i], self.lat[i], self.weight[i]
            if not (math.isfinite(lon) and -180 <= lon <= 180):
                raise ValidationError(f"expected a longitude in [-180, 180] degrees, got {lon:g}",
                                      file=self.file, element=element, field="lon")
            if not (math.isfinite(lat) and -90 <= lat <= 90):
                raise ValidationError(f"expected a latitude in [-90, 90] degrees, got {lat:g}",
                                      file=self.file, element=element, field="lat")
            if not (math.isfinite(weight) and weight >= 0):
                raise ValidationError(f"expected a weight >= 0, got {weight:g}",
                                      file=self.file, element=element, field="weight")

    def __len__(self) -> int:
        return len(self.names)

    @property
    def share(self) -> np.ndarray:
        """Each region's weight over the total (uniform when every weight is 0)."""
        total = float(self.weight.sum())
        if total <= 0:
            return np.full(len(self), 1.0 / len(self))
        return self.weight / total

    def index(self, name: str) -> int:
        """Position of the region called `name`."""
        try:
            return self.names.index(name)
        except ValueError:
            raise UnknownNameError(f"unknown region {name!r}{did_you_mean(name, self.names)}",
                                   file=self.file) from None

    def to_geojson(self) -> dict[str, Any]:
        """The regions as a GeoJSON FeatureCollection of Points (``name``, ``weight``), as
        :func:`infranet.io.regions.read_regions` reads it.

        Examples
        --------
        >>> Regions(["a"], [1.5], [2.0], [3]).to_geojson()["features"][0]["geometry"]
        {'type': 'Point', 'coordinates': [1.5, 2.0]}
        """
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
             "properties": {"name": n, "weight": float(w)}}
            for n, x, y, w in zip(self.names, self.lon, self.lat, self.weight, strict=True)]}

    def to_dict(self) -> dict[str, Any]:
        """``{"regions": [{name, lon, lat, weight}, ...]}``, JSON-ready."""
        return {"regions": [{"name": n, "lon": float(x), "lat": float(y), "weight": float(w)}
                            for n, x, y, w in zip(self.names, self.lon, self.lat, self.weight,
                                                  strict=True)]}


def regions_of(topology: Topology) -> Regions:
    """Return the ``region`` sites of a topology as :class:`Regions` (weight = population).

    Raises
    ------
    ValidationError
        When the topology has no region site, or one without a location or a population.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [
    ...     {"name": "nyc", "kind": "region", "location": [-73.94, 40.73], "population": 20},
    ...     {"name": "dc", "kind": "datacenter", "location": [-77.49, 39.04]}]})
    >>> regions_of(topo).names, float(regions_of(topo).weight[0])
    (('nyc',), 20.0)
    """
    sites = topology.sites
    rows = sites[sites["kind"] == "region"]
    if rows.empty:
        raise ValidationError("the topology has no region sites; give a points file of "
                              "regions", file=topology.file)
    for name, row in rows.iterrows():
        for field, what in (("lon", "location"), ("population", "population")):
            if not math.isfinite(float(row[field])):
                raise ValidationError(f"a region site needs a {what} here",
                                      file=topology.file, element=f"site {name!r}",
                                      field=what)
    return Regions(tuple(rows.index), rows["lon"].to_numpy(), rows["lat"].to_numpy(),
                   rows["population"].to_numpy(dtype=float), file=topology.file)


@dataclass(frozen=True, eq=False)
class Attachment(FrozenState):
    """Each region's nearest site.

    Attributes
    ----------
    regions : Regions
        The regions attached.
    sites : tuple of str
        The nearest site of each region.
    distance_km : ndarray
        Great-circle distance from each region to its site, km (read-only).
    """

    regions: Regions
    sites: tuple[str, ...]
    distance_km: np.ndarray

    @property
    def binding(self) -> Binding:
        worst = int(np.argmax(self.distance_km))
        return Binding("propagation", self.regions.names[worst],
                       f"farthest region {self.regions.names[worst]!r} is "
                       f"{self.distance_km[worst]:,.0f} km from its nearest site "
                       f"{self.sites[worst]!r}")

    @property
    def max_distance_km(self) -> float:
        return float(self.distance_km.max())

    def to_dict(self) -> dict[str, Any]:
        return {"max_distance_km": self.max_distance_km,
                "regions": {name: {"site": site, "distance_km": float(d)}
                            for name, site, d in zip(self.regions.names, self.sites,
                                                     self.distance_km, strict=True)},
                "binding": self.binding.to_dict()}


def attach(topology: Topology, regions: Regions, *,
           kinds: Sequence[str] = ATTACH_KINDS) -> Attachment:
    """Attach each region to its nearest site (great circle) among the sites of `kinds` that
    have a location and at least one link.

    Raises
    ------
    ValidationError
        When the topology has no such site.

    Examples
    --------
    >>> from infranet.model import Topology
    >>> topo = Topology.from_dict({"name": "t", "sites": [
    ...     {"name": "ashburn", "kind": "datacenter", "location": [-77.49, 39.04]},
    ...     {"name": "dallas", "kind": "pop", "location": [-96.82, 32.80]}],
    ...     "links": [{"a": "ashburn", "b": "dallas"}]})
    >>> hit = attach(topo, Regions(["nyc", "austin"], [-73.94, -97.74], [40.73, 30.27]))
    >>> hit.sites, hit.distance_km.round(0).tolist()
    (('ashburn', 'dallas'), [357.0, 294.0])
    """
    sites = topology.sites
    links = topology.links
    linked = set(links["a"]) | set(links["b"])
    mask = sites["kind"].isin(list(kinds)) & sites.index.isin(list(linked)) \
        & np.isfinite(sites["lon"].to_numpy(dtype=float))
    candidates = sites[mask]
    if candidates.empty:
        raise ValidationError(f"no {' or '.join(kinds)} site with a location and a link to "
                              "attach regions to", file=topology.file)
    lon_s = candidates["lon"].to_numpy(dtype=float)
    lat_s = candidates["lat"].to_numpy(dtype=float)
    lon_r = np.repeat(regions.lon, len(lon_s))
    lat_r = np.repeat(regions.lat, len(lon_s))
    distance = np.asarray(physics.geodesic_km(lon_r, lat_r, np.tile(lon_s, len(regions)),
                                              np.tile(lat_s, len(regions))))
    distance = distance.reshape(len(regions), len(lon_s))
    nearest = distance.argmin(axis=1)
    best = _frozen(distance[np.arange(len(regions)), nearest])
    names = tuple(str(candidates.index[i]) for i in nearest)
    return Attachment(regions, names, best)
