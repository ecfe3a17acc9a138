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

from infranet.errors import FormatError, UnknownNameError, did_you_mean

__all__ = [
    "AMPLIFIER_LATENCY_MS",
    "AMPLIFIER_SPACING_KM",
    "ROUTE_FACTOR",
    "TERMINAL_LATENCY_MS",
    "Medium",
    "accelerators",
    "catalogue_row",
    "geodesic_km",
    "media",
    "medium",
    "optics",
    "path_length_km",
    "switches",
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


#: Columns of the equipment catalogues that hold text; every other column is numeric.
_TEXT_COLUMNS = frozenset({"name", "vendor", "kind", "form_factor", "source"})
#: Columns holding a published range "low-high" in the column's unit, read as ``(low, high)``.
_RANGE_COLUMNS = frozenset({"hop_latency_range_us", "reach_range_km"})
#: Catalogue table name -> (file, noun used in messages).
_CATALOGUES = {
    "accelerators": ("accelerators.csv", "accelerator"),
    "switches": ("switches.csv", "switch"),
    "optics": ("optics.csv", "optic"),
}

CatalogueRow = dict[str, str | float | tuple[float, float] | None]


def _cell(file: str, name: str, field: str, text: str):
    """Return one catalogue cell as str, float, ``(low, high)`` or None (empty)."""
    text = text.strip()
    if field in _TEXT_COLUMNS:
        return text
    if not text:
        return None
    try:
        if field in _RANGE_COLUMNS:
            low, high = (float(part) for part in text.split("-"))
            return (low, high)
        return float(text)
    except ValueError:
        shape = "a range 'low-high'" if field in _RANGE_COLUMNS else "a number"
        raise FormatError(f"expected {shape} or an empty cell, got {text!r}",
                          file=file, element=f"row {name!r}", field=field) from None


def _catalogue(file: str) -> dict[str, CatalogueRow]:
    rows: dict[str, CatalogueRow] = {}
    for raw in _read_csv(file):
        name = raw["name"].strip()
        if name in rows:
            raise FormatError(f"duplicate name {name!r}; names must be unique", file=file)
        rows[name] = {field: _cell(file, name, field, text or "") for field, text in raw.items()}
    return rows


@functools.cache
def accelerators() -> dict[str, CatalogueRow]:
    """Return the accelerator catalogue rows by name (per accelerator, with their source).

    Numeric columns are floats (None where the figure is not published): ``bf16_tflops`` (dense),
    ``hbm_gb``, ``hbm_tbps``, ``power_w``, ``scale_up_gbytes_per_s`` (per direction),
    ``scale_up_domain`` (accelerators per default scale-up domain), ``nic_gbps`` (scale-out).

    Examples
    --------
    >>> accelerators()["H100"]["bf16_tflops"]
    989.0
    """
    return _catalogue("accelerators.csv")


@functools.cache
def switches() -> dict[str, CatalogueRow]:
    """Return the switch catalogue rows by name (radix, port rate in Gb/s, hop latency in µs).

    ``kind`` is one of infiniband, ethernet, nvswitch, ocs; ``hop_latency_range_us`` is the
    published ``(low, high)`` range the default ``hop_latency_us`` was picked from; ``power_w``
    excludes optics (see :func:`optics`).

    Examples
    --------
    >>> switches()["QM9700"]["radix"], switches()["QM9700"]["hop_latency_range_us"]
    (64.0, (0.15, 0.35))
    """
    return _catalogue("switches.csv")


@functools.cache
def optics() -> dict[str, CatalogueRow]:
    """Return the optics and cable catalogue rows by name (rate in Gb/s, reach in km, power in W).

    ``kind`` is intra-dc or dci; ``reach_range_km`` is the published ``(low, high)`` range where the
    reach depends on the line system, else None.

    Examples
    --------
    >>> optics()["400ZR"]["reach_km"]
    120.0
    """
    return _catalogue("optics.csv")


def catalogue_row(table: str, name: str) -> CatalogueRow:
    """Return the row called `name` of the catalogue `table` (accelerators, switches or optics).

    Examples
    --------
    >>> catalogue_row("optics", "800ZR")["rate_gbps"]
    800.0
    >>> catalogue_row("switches", "QM970")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    infranet.errors.UnknownNameError: unknown switch 'QM970' (did you mean 'QM9700'?); known: ...
    """
    if table not in _CATALOGUES:
        raise UnknownNameError(
            f"unknown catalogue {table!r}{did_you_mean(table, _CATALOGUES)}; "
            f"known: {', '.join(_CATALOGUES)}"
        )
    rows = {"accelerators": accelerators, "switches": switches, "optics": optics}[table]()
    if name not in rows:
        noun = _CATALOGUES[table][1]
        raise UnknownNameError(
            f"unknown {noun} {name!r}{did_you_mean(name, rows)}; known: {', '.join(rows)}"
        )
    return rows[name]


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
