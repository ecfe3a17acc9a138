"""Physical constants and catalogues the model is grounded in, each with its source.

Propagation per km comes from the media catalogue (``infranet/data/media.csv``); equipment terms
(in-line amplifiers, terminals/FEC) are defaults that every link may override. Distances on the
Earth come from :func:`geodesic_km` (WGS84 ellipsoid, pyproj), never from planar maths on degrees.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

from infranet.errors import UnknownNameError, did_you_mean

__all__ = [
    "AMPLIFIER_LATENCY_MS",
    "AMPLIFIER_SPACING_KM",
    "ROUTE_FACTOR",
    "TERMINAL_LATENCY_MS",
    "Medium",
    "accelerators",
    "geodesic_km",
    "media",
    "medium",
    "path_length_km",
]

#: Fiber route length over great-circle length, median US conduit
#: (Bozkurt et al., "Dissecting Latency in the Internet's Fiber Infrastructure", 2018).
ROUTE_FACTOR = 1.3
#: In-line amplifier spacing on long-haul fiber, line-system rule of thumb (80-100 km).
AMPLIFIER_SPACING_KM = 80.0
#: Latency of one in-line amplifier site, about 0.1 µs (operator latency notes).
AMPLIFIER_LATENCY_MS = 0.0001
#: Terminal latency of a link: transponder plus advanced FEC, 60-120 µs (operator latency notes);
#: infranet takes the low end, as coherent DCI pluggables (400ZR/800ZR) do.
TERMINAL_LATENCY_MS = 0.06


@dataclass(frozen=True)
class Medium:
    """A transmission medium: propagation per km, whether it is amplified, and its source."""

    name: str
    us_per_km: float
    loss_db_per_km: float | None
    amplified: bool
    description: str
    source: str


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("infranet.data").joinpath(name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def media() -> dict[str, Medium]:
    """Return the media catalogue by name (µs/km of propagation, with sources)."""
    rows = _read_csv("media.csv")
    return {
        r["name"]: Medium(
            name=r["name"],
            us_per_km=float(r["us_per_km"]),
            loss_db_per_km=float(r["loss_db_per_km"]) if r["loss_db_per_km"] else None,
            amplified=r["amplified"] == "true",
            description=r["description"],
            source=r["source"],
        )
        for r in rows
    }


def medium(name: str) -> Medium:
    """Return the medium called `name`.

    Examples
    --------
    >>> medium("smf").us_per_km
    4.8974
    """
    table = media()
    if name not in table:
        raise UnknownNameError(
            f"unknown medium {name!r}{did_you_mean(name, table)}; known: {', '.join(table)}"
        )
    return table[name]


@functools.cache
def accelerators() -> dict[str, dict[str, str]]:
    """Return the accelerator catalogue rows by name (figures with their source)."""
    return {r["name"]: r for r in _read_csv("accelerators.csv")}


@functools.cache
def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Return geodesic distances on the WGS84 ellipsoid in km (vectorised over arrays).

    Examples
    --------
    >>> round(float(geodesic_km(-77.49, 39.04, -82.80, 40.08)), 1)  # Ashburn to Columbus
    470.6
    """
    _, _, metres = _geod().inv(
        np.asarray(lon1, dtype=float), np.asarray(lat1, dtype=float),
        np.asarray(lon2, dtype=float), np.asarray(lat2, dtype=float),
    )
    return np.asarray(metres) / 1000.0


def path_length_km(points) -> float:
    """Return the geodesic length in km of a polyline of ``(lon, lat)`` points.

    Examples
    --------
    >>> round(path_length_km([(0, 0), (1, 0), (1, 1)]), 1)
    221.9
    """
    coords = np.asarray(points, dtype=float)
    if len(coords) < 2:
        return 0.0
    return float(np.sum(geodesic_km(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])))
