"""GeoJSON: reading plain and infranet-written collections (writer: test_roundtrip)."""

from __future__ import annotations

import pytest

from infranet.errors import FormatError
from infranet.io.geojson import read_geojson
from infranet.model import Topology


def test_read_plain_geojson_without_element_property():
    spec = read_geojson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35, 48.86]},
         "properties": {"name": "paris", "operator": "x"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-0.13, 51.51]},
         "properties": {"name": "london"}},
        {"type": "Feature", "geometry": {"type": "LineString",
                                         "coordinates": [[2.35, 48.86], [-0.13, 51.51]]},
         "properties": {"a": "paris", "b": "london", "capacity_gbps": 400, "length_km": 460}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []},
         "properties": {}},
    ]})
    topo = Topology.from_dict(spec)
    assert topo.site("paris")["meta"] == {"operator": "x"}
    link = topo.link("paris--london")
    assert (link["capacity"], link["length_km"]) == (400.0, 460.0)
    assert "route" not in link  # two points: the straight segment, not a route
    assert any("neither sites nor links" in n for n in spec["notes"])


@pytest.mark.parametrize(("data", "match"), [
    ({"type": "Feature"}, "FeatureCollection"),
    ({"type": "FeatureCollection"}, "'features' list"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]},
         "properties": {}}]}, "needs a 'name'"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
         "properties": {"a": "x"}}]}, "'a' and 'b'"),
])
def test_malformed_geojson(data, match):
    with pytest.raises(FormatError, match=match):
        read_geojson(data)
