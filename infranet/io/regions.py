"""Points files of user regions: CSV ``name, lon, lat, weight`` or a GeoJSON FeatureCollection
of Points (properties ``name`` and ``weight``).

:func:`read_regions` picks the format from the extension (``.csv``; ``.geojson`` or ``.json``)
and returns a :class:`~infranet.model.regions.Regions`. Files are read whole through the checked
reader (size limit :data:`infranet.io.files.MAX_FILE_BYTES`, at most
:data:`~infranet.model.regions.MAX_REGIONS` regions); every problem is one line naming the file,
the row or feature and the field. ``weight`` may be left out (every region weighs 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infranet.errors import FormatError, InfranetError
from infranet.io.common import as_number, load_json_file
from infranet.io.files import read_text
from infranet.model.regions import MAX_REGIONS, Regions

__all__ = ["REGION_FORMATS", "read_regions", "regions_from_csv", "regions_from_geojson"]

#: Formats of a points file, by extension.
REGION_FORMATS = {".csv": "csv", ".geojson": "geojson", ".json": "geojson"}


def read_regions(path: str | Path, *, format: str | None = None) -> Regions:
    """Read user regions from a points file (CSV or GeoJSON, by extension or `format`).

    Raises
    ------
    FormatError
        A missing, huge or malformed file, an unknown extension, a missing column or property.
    ValidationError
        A bad longitude or latitude, a negative weight, a duplicate name, no regions.
    """
    file = str(path)
    kind = format or REGION_FORMATS.get(Path(file).suffix.lower())
    if kind not in ("csv", "geojson"):
        raise FormatError("a points file of regions is .csv (name, lon, lat, weight) or "
                          ".geojson (a FeatureCollection of Points)", file=file)
    try:
        if kind == "csv":
            return regions_from_csv(read_text(file), file=file)
        return regions_from_geojson(load_json_file(file), file=file)
    except InfranetError as err:
        if err.file is None:
            err.in_file(file)
        raise


def regions_from_csv(text: str, *, file: str | None = None) -> Regions:
    """Regions from the text of a CSV file with a header ``name, lon, lat[, weight]``.

    Examples
    --------
    >>> r = regions_from_csv("name,lon,lat,weight\\nnyc,-73.94,40.73,20140470\\n")
    >>> r.names, float(r.weight[0])
    (('nyc',), 20140470.0)
    >>> regions_from_csv("name,lon,lat\\nnyc,-73.94,north\\n")
    Traceback (most recent call last):
    ...
    infranet.errors.FormatError: row 2: lat: expected a number, got 'north'
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("name", "lon", "lat") if c not in header]
    if missing:
        raise FormatError(f"the header needs name, lon, lat (and optionally weight); missing "
                          f"{', '.join(missing)}", file=file, element="row 1")
    reader.fieldnames = header
    names: list[str] = []
    values: dict[str, list[float]] = {"lon": [], "lat": [], "weight": []}
    for number, row in enumerate(reader, start=2):
        if len(names) >= MAX_REGIONS:
            raise FormatError(f"more than {MAX_REGIONS:,} regions", file=file)
        if None in row:
            raise FormatError("more cells than the header has columns", file=file,
                              element=f"row {number}")
        element = f"row {number}"
        names.append((row.get("name") or "").strip())
        for field in ("lon", "lat", "weight"):
            cell = row.get(field)
            if field == "weight" and (cell is None or not cell.strip()) \
                    and "weight" not in header:
                values[field].append(1.0)
                continue
            number_ = as_number(cell if cell is not None else "", element, field)
            if number_ is None:
                raise FormatError("missing", element=element, field=field)
            values[field].append(number_)
    if not names:
        raise FormatError("no regions: the file has a header but no rows", file=file)
    return _regions(names, values, file, lambda i: f"row {i + 2}")


def regions_from_geojson(data: Any, *, file: str | None = None) -> Regions:
    """Regions from a GeoJSON FeatureCollection of Point features with properties ``name`` and
    (optionally) ``weight``.

    Examples
    --------
    >>> r = regions_from_geojson({"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-87.65, 41.88]},
    ...      "properties": {"name": "chicago", "weight": 9618502}}]})
    >>> r.names, r.lat.tolist()
    (('chicago',), [41.88])
    """
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise FormatError("expected a GeoJSON FeatureCollection of Points", file=file)
    features = data.get("features")
    if not isinstance(features, list):
        raise FormatError("expected a list of features", file=file, field="features")
    if len(features) > MAX_REGIONS:
        raise FormatError(f"{len(features):,} features, more than the {MAX_REGIONS:,} regions "
                          "infranet reads", file=file)
    names: list[str] = []
    values: dict[str, list[float]] = {"lon": [], "lat": [], "weight": []}
    for i, feature in enumerate(features):
        element = f"feature {i + 1}"
        if not isinstance(feature, Mapping):
            raise FormatError("expected a Feature object", file=file, element=element)
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        if not isinstance(properties, Mapping) or not isinstance(geometry, Mapping):
            raise FormatError("properties and geometry are objects", file=file,
                              element=element)
        name = properties.get("name")
        if not isinstance(name, str) or not name.strip():
            raise FormatError("a region needs a name (a string)", file=file, element=element,
                              field="name")
        element = f"{element} ({name!r})"
        if geometry.get("type") != "Point":
            raise FormatError(f"expected a Point geometry, got {geometry.get('type')!r}",
                              file=file, element=element, field="geometry")
        coordinates = geometry.get("coordinates")
        if not isinstance(coordinates, list) or len(coordinates) < 2:
            raise FormatError("expected [lon, lat]", file=file, element=element,
                              field="coordinates")
        names.append(name.strip())
        for field, value in (("lon", coordinates[0]), ("lat", coordinates[1]),
                             ("weight", properties.get("weight", 1.0))):
            number = as_number(value, element, field)
            if number is None:
                raise FormatError("missing", file=file, element=element, field=field)
            values[field].append(number)
    if not names:
        raise FormatError("no regions: the FeatureCollection has no features", file=file)
    return _regions(names, values, file, lambda i: f"feature {i + 1} ({names[i]!r})")


def _regions(names: list[str], values: dict[str, list[float]], file: str | None,
             element: Any) -> Regions:
    """The Regions value; a problem found there names the row or feature it comes from."""
    from infranet.errors import ValidationError

    for i, name in enumerate(names):
        if not name:
            raise ValidationError("empty name", file=file, element=element(i), field="name")
    try:
        return Regions(names, values["lon"], values["lat"], values["weight"], file=file)
    except ValidationError as err:
        if err.element and err.element.startswith("region "):
            wanted = err.element[len("region "):].strip("'\"")
            if wanted in names:
                raise ValidationError(err.detail, file=file,
                                      element=element(_last(names, wanted)),
                                      field=err.field) from None
        raise


def _last(names: list[str], name: str) -> int:
    """Index of the last region called `name` (a duplicate is reported where it repeats)."""
    return len(names) - 1 - names[::-1].index(name)
