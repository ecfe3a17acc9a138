"""RTT estimates where no fiber is drawn: paths over a reference long-haul backbone.

A user region and a candidate site are often not joined by links in a topology file. The flat
rule (great circle x :data:`infranet.physics.ROUTE_FACTOR`, 1.3, at fiber speed) is far too
optimistic at long range: traffic between continents follows the few terrestrial routes and
subsea cables that exist, and networks add equipment and detours at both ends. This module
estimates the round-trip time between any two points on the Earth as

    RTT = fixed + 2 x 4.90 µs/km x min(direct, via the reference backbone)

* *direct*: great circle x the access route factor (two points with no hub between them);
* *via the backbone*: an access leg from each point to a hub of the reference long-haul
  backbone (great circle x the access route factor), and the shortest path between the two hubs
  over the backbone's corridors, each great circle x the land or the sea route factor.

The reference backbone (``infranet/data/rtt_hubs.csv``, ``rtt_corridors.csv``) holds 62
hubs (carrier hotels and cable landing cities) and the long-haul terrestrial routes and subsea
cable systems between them, from the operators' public maps. The four parameters (fixed term,
access, land and sea route factors) are fitted to a published set of measured RTTs
(``infranet/data/rtt_measured.csv``: Azure inter-region medians, 1,377 pairs) by :func:`fit`,
and stored as named figures (``rtt_*`` in ``figures.csv``), their one home. ``docs/rtt.md``
gives the error by distance band, in sample and cross-validated.

Every estimate is a median (P50) round-trip time of a well-run backbone, not a floor: it is at
least the propagation time of fiber laid along the great circle (:func:`propagation_floor_ms`)
and at most the direct access path (``fixed + 2 x 4.90 µs/km x access factor x distance``).

Examples
--------
>>> ny_london = estimate_rtt_ms(-74.01, 40.71, -0.13, 51.51)
>>> 65 < float(ny_london) < 85  # measured P50 New York - London is about 70-75 ms
True
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from infranet import physics
from infranet.errors import ValidationError
from infranet.results import FrozenDict

__all__ = [
    "BANDS_KM",
    "FIGURES",
    "Calibration",
    "Corridor",
    "EstimateParameters",
    "Hub",
    "MeasuredRtt",
    "ReferenceBackbone",
    "calibrated_reach_km",
    "corridors",
    "estimate_rtt_matrix",
    "estimate_rtt_ms",
    "fit",
    "flat_rtt_ms",
    "great_circle_km",
    "hubs",
    "measured_pairs",
    "measured_rtts",
    "nearest_hub_km",
    "parameters",
    "propagation_floor_ms",
    "reference_backbone",
    "table_of_bands",
]

#: The named figures (``figures.csv``) that hold the fitted parameters, by field of
#: :class:`EstimateParameters`.
FIGURES = FrozenDict({"fixed_ms": "rtt_fixed_ms", "access_factor": "rtt_access_route_factor",
                      "land_factor": "rtt_land_route_factor",
                      "sea_factor": "rtt_sea_route_factor"})
#: Distance bands (km) the error of the estimator is reported in.
BANDS_KM = ((0.0, 1000.0), (1000.0, 3000.0), (3000.0, 6000.0), (6000.0, 10000.0),
            (10000.0, 20100.0))
#: Points handled at once by the matrix form (bounds the memory of the min-plus products).
_CHUNK = 512


def _fiber_us_per_km() -> float:
    return physics.medium("smf").us_per_km


@dataclass(frozen=True, kw_only=True)
class EstimateParameters:
    """The four parameters of the estimator.

    Attributes
    ----------
    fixed_ms : float
        Round-trip time that does not grow with distance (equipment, hosts, metro access), ms.
    access_factor : float
        Route length over great circle of an access leg (a point to a hub) and of a direct path.
    land_factor, sea_factor : float
        Route length over great circle of a terrestrial corridor / a subsea cable corridor.
    """

    fixed_ms: float
    access_factor: float
    land_factor: float
    sea_factor: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fixed_ms) and self.fixed_ms >= 0):
            raise ValidationError(f"must be a finite number >= 0, got {self.fixed_ms!r}",
                                  field="fixed_ms")
        for name in ("access_factor", "land_factor", "sea_factor"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 1.0):
                raise ValidationError(f"a route factor is at least 1 (a route is never shorter "
                                      f"than the great circle), got {value!r}", field=name)

    def to_dict(self) -> dict[str, float]:
        return {"fixed_ms": self.fixed_ms, "access_factor": self.access_factor,
                "land_factor": self.land_factor, "sea_factor": self.sea_factor}


@functools.cache
def parameters() -> EstimateParameters:
    """Return the fitted parameters, read from their named figures (``figures.csv``).

    Examples
    --------
    >>> p = parameters()
    >>> p.access_factor >= p.land_factor >= 1.0
    True
    """
    return EstimateParameters(**{key: physics.figure(name) for key, name in FIGURES.items()})


@dataclass(frozen=True, eq=False)
class ReferenceBackbone:
    """The reference long-haul backbone: hubs and the corridors between them.

    Attributes
    ----------
    hubs : tuple of str
        Hub names.
    lon, lat : ndarray
        Hub coordinates, degrees (WGS84).
    a, b : ndarray of int
        Corridor endpoints (hub indices).
    sea : ndarray of bool
        True for a subsea corridor, False for a terrestrial one.
    length_km : ndarray
        Great-circle length of each corridor, km.
    """

    hubs: tuple[str, ...]
    lon: np.ndarray
    lat: np.ndarray
    a: np.ndarray
    b: np.ndarray
    sea: np.ndarray
    length_km: np.ndarray

    def one_way_ms(self, params: EstimateParameters) -> np.ndarray:
        """All-pairs one-way latency between hubs over the corridors, ms (hubs x hubs)."""
        return _hub_distances(self, params.land_factor, params.sea_factor)


def _read_data(name: str) -> list[dict[str, str]]:
    with resources.files("infranet.data").joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Hub:
    """A hub of the reference backbone (a row of ``rtt_hubs.csv``): a carrier-hotel or
    cable-landing city, ``lon``/``lat`` in degrees."""

    name: str
    lon: float
    lat: float
    place: str
    source: str


@dataclass(frozen=True)
class Corridor:
    """A corridor of the reference backbone (a row of ``rtt_corridors.csv``): hubs ``a`` and
    ``b``, ``kind`` ``land`` or ``sea``, and ``via``, the routes or cable systems serving it."""

    name: str
    a: str
    b: str
    kind: str
    via: str
    source: str


@dataclass(frozen=True)
class MeasuredRtt:
    """A measured RTT between two places (a row of ``rtt_measured.csv``), ``rtt_ms`` in ms,
    ``lon``/``lat`` in degrees."""

    name: str
    a: str
    a_place: str
    a_lon: float
    a_lat: float
    b: str
    b_place: str
    b_lon: float
    b_lat: float
    rtt_ms: float
    source: str


@functools.cache
def hubs() -> Mapping[str, Hub]:
    """Return the hubs of the reference backbone by name (``infranet/data/rtt_hubs.csv``).

    Examples
    --------
    >>> hubs()["singapore"].place
    'Singapore'
    """
    return MappingProxyType({row["name"]: Hub(name=row["name"], lon=float(row["lon"]),
                                              lat=float(row["lat"]), place=row["place"],
                                              source=row["source"])
                             for row in _read_data("rtt_hubs.csv")})


@functools.cache
def corridors() -> Mapping[str, Corridor]:
    """Return the corridors of the reference backbone by name ``a--b``
    (``infranet/data/rtt_corridors.csv``).

    Examples
    --------
    >>> corridors()["ashburn--bilbao"].via
    'MAREA (Virginia Beach - Sopelana)'
    """
    return MappingProxyType({f"{row['a']}--{row['b']}": Corridor(
        name=f"{row['a']}--{row['b']}", a=row["a"], b=row["b"], kind=row["kind"],
        via=row["via"], source=row["source"]) for row in _read_data("rtt_corridors.csv")})


@functools.cache
def measured_pairs() -> Mapping[str, MeasuredRtt]:
    """Return the shipped measured RTTs by name ``a--b`` (``infranet/data/rtt_measured.csv``).

    Examples
    --------
    >>> pair = measured_pairs()["eastus--westeurope"]
    >>> pair.a_place, pair.b_place, pair.rtt_ms
    ('Boydton', 'Amsterdam', 84.0)
    """
    out = {}
    for row in _read_data("rtt_measured.csv"):
        name = f"{row['a']}--{row['b']}"
        out[name] = MeasuredRtt(
            name=name, a=row["a"], a_place=row["a_place"], a_lon=float(row["a_lon"]),
            a_lat=float(row["a_lat"]), b=row["b"], b_place=row["b_place"],
            b_lon=float(row["b_lon"]), b_lat=float(row["b_lat"]), rtt_ms=float(row["rtt_ms"]),
            source=row["source"])
    return MappingProxyType(out)


@functools.cache
def reference_backbone() -> ReferenceBackbone:
    """Return the reference long-haul backbone (``rtt_hubs.csv``, ``rtt_corridors.csv``).

    Examples
    --------
    >>> backbone = reference_backbone()
    >>> len(backbone.hubs) >= 60, bool(backbone.sea.any() and (~backbone.sea).any())
    (True, True)
    """
    names = tuple(hubs())
    index = {name: i for i, name in enumerate(names)}
    lon = np.array([hub.lon for hub in hubs().values()])
    lat = np.array([hub.lat for hub in hubs().values()])
    a = np.array([index[c.a] for c in corridors().values()], dtype=np.int64)
    b = np.array([index[c.b] for c in corridors().values()], dtype=np.int64)
    sea = np.array([c.kind == "sea" for c in corridors().values()])
    length = great_circle_km(lon[a], lat[a], lon[b], lat[b])
    for array in (lon, lat, a, b, sea, length):
        array.setflags(write=False)
    return ReferenceBackbone(names, lon, lat, a, b, sea, length)


@functools.lru_cache(maxsize=8)
def _hub_distances(backbone: ReferenceBackbone, land: float, sea: float) -> np.ndarray:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    us = _fiber_us_per_km() / 1000.0
    weight = np.where(backbone.sea, sea, land) * backbone.length_km * us
    n = len(backbone.hubs)
    graph = csr_matrix((np.concatenate([weight, weight]),
                        (np.concatenate([backbone.a, backbone.b]),
                         np.concatenate([backbone.b, backbone.a]))), shape=(n, n))
    distances = np.asarray(dijkstra(graph, directed=True))
    distances.setflags(write=False)
    return distances


def great_circle_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike,
                    lat2: ArrayLike) -> np.ndarray:
    """Return geodesic distances in km (WGS84), broadcasting the four arrays together.

    Examples
    --------
    >>> great_circle_km([-77.49, -0.13], [39.04, 51.51], -82.80, 40.08).round(1)
    array([ 470.6, 6201. ])
    """
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                   (lon1, lat1, lon2, lat2)))
    _check_coordinates(arrays[0], arrays[1])
    _check_coordinates(arrays[2], arrays[3])
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(x).ravel() for x in arrays]
    if not flat[0].size:
        return np.zeros(shape)
    return np.asarray(physics.geodesic_km(*flat)).reshape(shape)


def _check_coordinates(lon: np.ndarray, lat: np.ndarray) -> None:
    if not (np.all(np.isfinite(lon)) and np.all(np.abs(lon) <= 180)):
        raise ValidationError("expected a longitude in [-180, 180] degrees", field="lon")
    if not (np.all(np.isfinite(lat)) and np.all(np.abs(lat) <= 90)):
        raise ValidationError("expected a latitude in [-90, 90] degrees", field="lat")


def propagation_floor_ms(distance_km: ArrayLike) -> np.ndarray:
    """Round-trip time of fiber laid along the great circle, ms: no estimate is below it.

    Examples
    --------
    >>> float(propagation_floor_ms(1000.0).round(3))  # 2 x 1000 km x 4.8974 µs/km
    9.795
    """
    return 2.0 * np.asarray(distance_km, dtype=float) * _fiber_us_per_km() / 1000.0


def flat_rtt_ms(distance_km: ArrayLike) -> np.ndarray:
    """The flat rule the estimator replaces: great circle x 1.3 at fiber speed, both ways, ms.

    Examples
    --------
    >>> float(flat_rtt_ms(1000.0).round(2))
    12.73
    """
    return physics.ROUTE_FACTOR * propagation_floor_ms(distance_km)


def estimate_rtt_matrix(lon_a: ArrayLike, lat_a: ArrayLike, lon_b: ArrayLike,
                        lat_b: ArrayLike, *, params: EstimateParameters | None = None,
                        ) -> np.ndarray:
    """Return the estimated RTT in ms from each point A (rows) to each point B (columns).

    Parameters
    ----------
    lon_a, lat_a : array_like, shape (n,)
        Points A, degrees.
    lon_b, lat_b : array_like, shape (m,)
        Points B, degrees.
    params
        The estimator's parameters (default: the fitted figures, :func:`parameters`).

    Returns
    -------
    ndarray, shape (n, m)
        Median round-trip time, ms.

    Examples
    --------
    >>> rtt = estimate_rtt_matrix([-74.01, -118.24], [40.71, 34.05], [-0.13], [51.51])
    >>> rtt.shape, bool(rtt[1, 0] > rtt[0, 0])  # Los Angeles is farther from London
    ((2, 1), True)
    """
    p = params or parameters()
    lon_a, lat_a = _points(lon_a, lat_a)
    lon_b, lat_b = _points(lon_b, lat_b)
    backbone = reference_backbone()
    us = _fiber_us_per_km() / 1000.0
    hub_ms = backbone.one_way_ms(p)
    to_hub_b = p.access_factor * us * great_circle_km(lon_b[:, None], lat_b[:, None],
                                                      backbone.lon, backbone.lat)
    out = np.empty((len(lon_a), len(lon_b)))
    for start in range(0, len(lon_a), _CHUNK):
        rows = slice(start, start + _CHUNK)
        to_hub_a = p.access_factor * us * great_circle_km(
            lon_a[rows, None], lat_a[rows, None], backbone.lon, backbone.lat)
        # best one-way latency from each point A to each hub v: min over entry hubs u
        reach = (to_hub_a[:, :, None] + hub_ms[None, :, :]).min(axis=1)
        via = (reach[:, None, :] + to_hub_b[None, :, :]).min(axis=2)
        direct = p.access_factor * us * great_circle_km(
            lon_a[rows, None], lat_a[rows, None], lon_b[None, :], lat_b[None, :])
        out[rows] = p.fixed_ms + 2.0 * np.minimum(via, direct)
    return out


def estimate_rtt_ms(lon_a: ArrayLike, lat_a: ArrayLike, lon_b: ArrayLike, lat_b: ArrayLike,
                    *, params: EstimateParameters | None = None) -> np.ndarray:
    """Return the estimated RTT in ms between points A and B, pair by pair (broadcasting).

    Examples
    --------
    >>> float(estimate_rtt_ms(-74.01, 40.71, -74.01, 40.71)) == parameters().fixed_ms
    True
    >>> tokyo = estimate_rtt_ms(139.69, 35.69, [-0.13, -122.33], [51.51, 47.61])
    >>> bool(tokyo[0] > tokyo[1])  # London is farther from Tokyo than Seattle
    True
    """
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in
                                   (lon_a, lat_a, lon_b, lat_b)))
    shape = arrays[0].shape
    geometry = _PairGeometry.of(*(x.ravel() for x in arrays))
    return geometry.rtt_ms(params or parameters()).reshape(shape)


@dataclass(frozen=True, eq=False)
class _PairGeometry:
    """What the estimate of a list of pairs needs that does not depend on the parameters:
    the distinct points, each point's distance to every hub, and each pair's distance."""

    a: np.ndarray  # index of each pair's point A among the distinct points
    b: np.ndarray
    to_hub_km: np.ndarray  # distinct points x hubs
    direct_km: np.ndarray  # per pair

    @classmethod
    def of(cls, lon_a: np.ndarray, lat_a: np.ndarray, lon_b: np.ndarray,
           lat_b: np.ndarray) -> _PairGeometry:
        _check_coordinates(lon_a, lat_a)
        _check_coordinates(lon_b, lat_b)
        n = len(lon_a)
        points = np.stack([np.concatenate([lon_a, lon_b]), np.concatenate([lat_a, lat_b])],
                          axis=1)
        unique, inverse = np.unique(points, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        backbone = reference_backbone()
        to_hub = great_circle_km(unique[:, :1], unique[:, 1:], backbone.lon, backbone.lat)
        direct = great_circle_km(lon_a, lat_a, lon_b, lat_b)
        return cls(inverse[:n], inverse[n:], to_hub, direct)

    def rtt_ms(self, params: EstimateParameters) -> np.ndarray:
        us = _fiber_us_per_km() / 1000.0
        hub_ms = reference_backbone().one_way_ms(params)
        access = params.access_factor * us * self.to_hub_km
        # best one-way latency from each distinct point to each hub: min over entry hubs
        reach = (access[:, :, None] + hub_ms[None, :, :]).min(axis=1)
        via = np.empty(len(self.a))
        for start in range(0, len(self.a), _CHUNK * 16):
            rows = slice(start, start + _CHUNK * 16)
            via[rows] = (reach[self.a[rows]] + access[self.b[rows]]).min(axis=1)
        direct = params.access_factor * us * self.direct_km
        return params.fixed_ms + 2.0 * np.minimum(via, direct)


def _points(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    lon_ = np.atleast_1d(np.asarray(lon, dtype=float)).ravel()
    lat_ = np.atleast_1d(np.asarray(lat, dtype=float)).ravel()
    if lon_.shape != lat_.shape:
        raise ValidationError(f"{lon_.size} longitudes but {lat_.size} latitudes", field="lat")
    _check_coordinates(lon_, lat_)
    return lon_, lat_


@functools.cache
def measured_rtts() -> pd.DataFrame:
    """Return the shipped measured RTTs (``infranet/data/rtt_measured.csv``).

    Columns: ``a, a_place, a_lon, a_lat, b, b_place, b_lon, b_lat, rtt_ms, source`` and
    ``distance_km`` (geodesic between the two places).

    Examples
    --------
    >>> table = measured_rtts()
    >>> len(table) > 1000, int((table["distance_km"] > 3000).sum()) > 500
    (True, True)
    """
    frame = pd.DataFrame(_read_data("rtt_measured.csv"))
    for column in ("a_lon", "a_lat", "b_lon", "b_lat", "rtt_ms"):
        frame[column] = frame[column].astype(float)
    frame["distance_km"] = great_circle_km(frame["a_lon"], frame["a_lat"], frame["b_lon"],
                                           frame["b_lat"])
    return frame


def nearest_hub_km(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Great-circle distance from each point to its nearest hub of the reference backbone, km.

    Examples
    --------
    >>> round(float(nearest_hub_km(103.82, 1.35)[0]))  # the Singapore hub itself
    0
    """
    lon_, lat_ = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
    table = list(hubs().values())
    hub_lon = np.array([h.lon for h in table])
    hub_lat = np.array([h.lat for h in table])
    return np.asarray(great_circle_km(lon_[:, None], lat_[:, None], hub_lon, hub_lat)).min(axis=1)


@functools.cache
def calibrated_reach_km() -> float:
    """How far from its nearest hub any endpoint of the measured RTTs lies, km: beyond it an
    estimate extrapolates from no measurement.

    Examples
    --------
    >>> 100 < calibrated_reach_km() < 5000
    True
    """
    table = measured_rtts()
    ends = np.concatenate([nearest_hub_km(table["a_lon"], table["a_lat"]),
                           nearest_hub_km(table["b_lon"], table["b_lat"])])
    return float(ends.max())


@dataclass(frozen=True)
class Calibration:
    """The estimator fitted to measured RTTs, and its error.

    Attributes
    ----------
    params : EstimateParameters
        The fitted parameters.
    pairs : int
        Measured pairs fitted.
    mape : float
        Mean absolute percentage error of the fitted estimator on all pairs (a fraction).
    mape_long : float
        The same on pairs over 3,000 km.
    flat_mape_long : float
        The flat rule's error (great circle x 1.3) on pairs over 3,000 km.
    cv_mape_long : float
        Cross-validated error on pairs over 3,000 km: the places are split into folds, and each
        pair that touches a fold's places is estimated with parameters fitted to the pairs
        among the other places (NaN without folds).
    bands : FrozenDict
        By distance band (``"0-1000"`` km, ...): ``pairs``, ``mape``, ``cv_mape``,
        ``flat_mape``, ``median_error`` (signed, a fraction).
    """

    params: EstimateParameters
    pairs: int
    mape: float
    mape_long: float
    flat_mape_long: float
    cv_mape_long: float
    bands: FrozenDict = field(default_factory=lambda: FrozenDict({}))

    @property
    def summary(self) -> str:
        """One line: the error over 3,000 km, fitted and cross-validated, against the flat rule."""
        return (f"{self.pairs:,} measured pairs; over 3,000 km the estimator is off by "
                f"{self.mape_long:.1%} on average ({self.cv_mape_long:.1%} cross-validated), "
                f"the flat x1.3 rule by {self.flat_mape_long:.1%}")

    def to_dict(self) -> dict[str, Any]:
        return {"mape_long": self.mape_long, "cv_mape_long": self.cv_mape_long,
                "flat_mape_long": self.flat_mape_long, "mape": self.mape, "pairs": self.pairs,
                "params": self.params.to_dict(),
                "bands": {k: dict(v) for k, v in self.bands.items()},
                "summary": self.summary}


_LONG_KM = 3000.0


def _geometry(table: pd.DataFrame) -> _PairGeometry:
    return _PairGeometry.of(*(table[c].to_numpy(dtype=float)
                              for c in ("a_lon", "a_lat", "b_lon", "b_lat")))


def _fit_params(table: pd.DataFrame, start: EstimateParameters) -> EstimateParameters:
    from scipy.optimize import minimize

    measured = table["rtt_ms"].to_numpy()
    geometry = _geometry(table)

    def loss(x: np.ndarray) -> float:
        if x[0] < 0 or np.any(x[1:] < 1.0):
            return math.inf
        est = geometry.rtt_ms(EstimateParameters(
            fixed_ms=x[0], access_factor=x[1], land_factor=x[2], sea_factor=x[3]))
        return float(np.mean(np.abs(est - measured) / measured))

    x0 = np.array(list(start.to_dict().values()))
    result = minimize(loss, x0, method="Nelder-Mead",
                      options={"xatol": 1e-4, "fatol": 1e-7, "maxiter": 2000})
    x = result.x
    return EstimateParameters(fixed_ms=float(x[0]), access_factor=float(x[1]),
                              land_factor=float(x[2]), sea_factor=float(x[3]))


def fit(table: pd.DataFrame | None = None, *, folds: int = 5, seed: int = 0,
        params: EstimateParameters | None = None) -> Calibration:
    """Fit the estimator's four parameters to measured RTTs by least mean absolute
    percentage error (Nelder-Mead), and report its error.

    Parameters
    ----------
    table
        Measured pairs (the columns of :func:`measured_rtts`; default: the shipped set).
    folds
        Folds of places in the cross-validation (places shuffled with `seed`); 0 skips it.
    params
        Evaluate these parameters instead of fitting (the cross-validation still refits).

    Returns
    -------
    Calibration
        The parameters and the error by distance band.
    """
    data = measured_rtts() if table is None else table
    if "distance_km" not in data:
        data = data.assign(distance_km=great_circle_km(data["a_lon"], data["a_lat"],
                                                       data["b_lon"], data["b_lat"]))
    start = parameters()
    fitted = params or _fit_params(data, start)
    measured = data["rtt_ms"].to_numpy()
    distance = data["distance_km"].to_numpy()
    error = (_geometry(data).rtt_ms(fitted) - measured) / measured
    flat_error = (flat_rtt_ms(distance) - measured) / measured
    cv_error = np.full(len(data), np.nan)
    if folds:
        # whole places are held out: every pair that touches a held-out place is estimated with
        # parameters fitted to the pairs among the other places (new places, not new pairs)
        places = np.array(sorted(set(data["a"]) | set(data["b"])))
        order = np.random.default_rng(seed).permutation(len(places))
        for k in range(folds):
            held = set(places[order[k::folds]])
            test = (data["a"].isin(held) | data["b"].isin(held)).to_numpy()
            if not test.any() or test.all():
                continue
            trained = _fit_params(data[~test], fitted)
            cv_error[test] = (_geometry(data[test]).rtt_ms(trained) - measured[test]) \
                / measured[test]
    long = distance > _LONG_KM
    bands = {}
    for low, high in BANDS_KM:
        band = (distance >= low) & (distance < high)
        if band.any():
            bands[f"{low:.0f}-{high:.0f}"] = FrozenDict({
                "pairs": int(band.sum()),
                "mape": float(np.mean(np.abs(error[band]))),
                "cv_mape": float(np.mean(np.abs(cv_error[band]))),
                "flat_mape": float(np.mean(np.abs(flat_error[band]))),
                "median_error": float(np.median(error[band]))})
    return Calibration(params=fitted, pairs=len(data), mape=float(np.mean(np.abs(error))),
                       mape_long=float(np.mean(np.abs(error[long]))),
                       flat_mape_long=float(np.mean(np.abs(flat_error[long]))),
                       cv_mape_long=float(np.mean(np.abs(cv_error[long]))),
                       bands=FrozenDict(bands))


def table_of_bands(calibration: Calibration) -> list[Mapping[str, Any]]:
    """Rows of the error table by distance band (for docs and scripts)."""
    return [{"band_km": band, **values} for band, values in calibration.bands.items()]
