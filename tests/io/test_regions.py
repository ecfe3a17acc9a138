"""Points files of user regions: CSV and GeoJSON, and every way they can be wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infranet
from infranet.errors import FormatError, ValidationError
from infranet.io.regions import read_regions
from infranet.model.regions import Regions, attach, regions_of
from infranet.results import check_result

EXAMPLE = "examples/regions/us-metros.csv"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_shipped_example_reads_and_attaches():
    regions = read_regions(EXAMPLE)
    assert len(regions) >= 10 and regions.weight.min() > 1e6
    assert "new-york" in regions.names
    topo = infranet.read("topologies/us-backbone.yaml")
    hit = check_result(attach(topo, regions), headline=("max_distance_km",))
    assert hit["regions"]["new-york"]["site"] == "new-york"
    assert hit["max_distance_km"] < 800


def test_csv_and_geojson_give_the_same_regions(tmp_path):
    csv_path = write(tmp_path, "r.csv", "name,lon,lat,weight\na,-73.9,40.7,5\nb,2.35,48.86,0\n")
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                 "properties": {"name": n, "weight": w}}
                for n, x, y, w in (("a", -73.9, 40.7, 5), ("b", 2.35, 48.86, 0))]
    geo = write(tmp_path, "r.geojson", json.dumps({"type": "FeatureCollection",
                                                   "features": features}))
    one, two = read_regions(csv_path), read_regions(geo)
    assert one.names == two.names == ("a", "b")
    np.testing.assert_array_equal(one.weight, two.weight)
    np.testing.assert_array_equal(one.lat, two.lat)
    assert not one.lon.flags.writeable
    assert read_regions(write(tmp_path, "w.csv", "name,lon,lat\na,1,2\n")).weight.tolist() \
        == [1.0]


@pytest.mark.parametrize(("text", "message"), [
    ("name,lon,lat,weight\na,200,40,1\n", "r.csv: row 2: lon: expected a longitude"),
    ("name,lon,lat,weight\na,10,-95,1\n", "r.csv: row 2: lat: expected a latitude"),
    ("name,lon,lat,weight\na,10,40,-3\n", "r.csv: row 2: weight: expected a weight >= 0"),
    ("name,lon,lat,weight\na,10,40,1\nb,1,1,1\na,1,2,1\n", "r.csv: row 4: name: used twice"),
    ("name,lon,lat,weight\n,10,40,1\n", "r.csv: row 2: name: empty name"),
    ("name,lon,lat,weight\na,ten,40,1\n", "r.csv: row 2: lon: expected a number, got 'ten'"),
    ("name,lon,lat,weight\na,10,,1\n", "r.csv: row 2: lat: missing"),
    ("name,lon,lat,weight\na,10,40,1,9\n", "r.csv: row 2: more cells than the header"),
    ("name,lon,lat,weight\n", "r.csv: no regions"),
    ("", "r.csv: row 1: the header needs name, lon, lat"),
    ("name,x,y\na,1,2\n", "r.csv: row 1: the header needs name, lon, lat (and optionally "
                          "weight); missing lon, lat"),
    ("name,lon,lat,weight\na,inf,40,1\n", "r.csv: row 2: lon: expected a longitude"),
])
def test_bad_csv_is_one_line_naming_row_and_field(tmp_path, text, message):
    with pytest.raises((FormatError, ValidationError)) as caught:
        read_regions(write(tmp_path, "r.csv", text))
    assert str(caught.value) == f"{tmp_path}/{message}" or \
        str(caught.value).startswith(f"{tmp_path}/{message}"), str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("data", "message"), [
    ({"type": "Feature"}, "expected a GeoJSON FeatureCollection"),
    ({"type": "FeatureCollection", "features": {}}, "features: expected a list"),
    ({"type": "FeatureCollection", "features": []}, "no regions"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
      "geometry": {"type": "Point", "coordinates": [1, 2]}}]}, "feature 1: name: a region"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "a"},
      "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}}]},
     "feature 1 ('a'): geometry: expected a Point"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "a"},
      "geometry": {"type": "Point", "coordinates": [1]}}]},
     "feature 1 ('a'): coordinates: expected [lon, lat]"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature",
      "properties": {"name": "a", "weight": -1},
      "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
     "feature 1 ('a'): weight: expected a weight >= 0"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature",
      "properties": {"name": "a", "weight": "many"},
      "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
     "weight: expected a number"),
])
def test_bad_geojson_is_one_line_naming_feature_and_field(tmp_path, data, message):
    path = write(tmp_path, "r.geojson", json.dumps(data))
    with pytest.raises((FormatError, ValidationError)) as caught:
        read_regions(path)
    assert message in str(caught.value) and str(caught.value).startswith(str(path))


def test_files_that_cannot_be_read(tmp_path):
    with pytest.raises(FormatError, match="file not found"):
        read_regions(tmp_path / "missing.csv")
    with pytest.raises(FormatError, match=r"\.csv \(name, lon, lat, weight\) or \.geojson"):
        read_regions(write(tmp_path, "r.txt", "name,lon,lat\n"))
    with pytest.raises(FormatError, match="r.geojson"):
        read_regions(write(tmp_path, "r.geojson", "{not json"))


def test_too_many_regions_are_refused(monkeypatch, tmp_path):
    import infranet.io.regions as reader

    monkeypatch.setattr(reader, "MAX_REGIONS", 2)
    text = "name,lon,lat\n" + "".join(f"r{i},0,{i}\n" for i in range(3))
    with pytest.raises(FormatError, match="more than 2 regions"):
        read_regions(write(tmp_path, "r.csv", text))


def test_region_sites_of_a_topology_are_the_same_regions():
    topo = infranet.read("topologies/us-backbone.yaml")
    regions = regions_of(topo)
    sites = topo.sites[topo.sites["kind"] == "region"]
    assert regions.names == tuple(sites.index)
    np.testing.assert_array_equal(regions.weight, sites["population"].to_numpy(dtype=float))
    example = read_regions(EXAMPLE)
    # the shipped metros are the backbone's region sites, same place and population
    for name, lon, weight in zip(regions.names, regions.lon, regions.weight, strict=True):
        i = example.index(name.removesuffix("-metro"))
        assert example.weight[i] == weight and example.lon[i] == pytest.approx(lon)


def test_regions_of_needs_region_sites():
    topo = infranet.read("topologies/texas-ring.yaml")
    with pytest.raises(ValidationError, match="no region sites"):
        regions_of(topo)


def test_regions_pickle_frozen():
    import pickle

    r = Regions(["a"], [1], [2], [3])
    back = pickle.loads(pickle.dumps(r))
    assert back.names == ("a",) and not back.lon.flags.writeable


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-180, 180, allow_nan=False),
                          st.floats(-90, 90, allow_nan=False),
                          st.floats(0, 1e9, allow_nan=False)), min_size=1, max_size=8),
       st.sampled_from(["csv", "geojson"]))
def test_regions_written_either_way_read_back_the_same(points, kind):
    from infranet.io.regions import regions_from_csv, regions_from_geojson

    names = [f"r{i}" for i in range(len(points))]
    lon, lat, weight = (list(column) for column in zip(*points, strict=True))
    if kind == "csv":
        text = "name,lon,lat,weight\n" + "".join(
            f"{n},{x!r},{y!r},{w!r}\n" for n, x, y, w in zip(names, lon, lat, weight,
                                                            strict=True))
        back = regions_from_csv(text)
    else:
        geojson = Regions(names, lon, lat, weight).to_geojson()
        back = regions_from_geojson(json.loads(json.dumps(geojson)))
    assert back.names == tuple(names)
    np.testing.assert_array_equal(back.lon, lon)
    np.testing.assert_array_equal(back.lat, lat)
    np.testing.assert_array_equal(back.weight, weight)
