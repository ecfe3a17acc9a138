"""What geography and physics rule out: lengths shorter than the straight line, quantities beyond
any real link, links far longer than their great circle (a warning)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet import physics
from infranet.errors import ValidationError
from infranet.model import Topology, schema

ASHBURN, FRANKFURT = [-77.49, 39.04], [8.68, 50.11]


def _pair(link: dict, a: list[float] | None = ASHBURN, b: list[float] | None = FRANKFURT,
          **top) -> dict:
    sites = [{"name": "a", **({"location": a} if a else {})},
             {"name": "b", **({"location": b} if b else {})}]
    return {"name": "t", "sites": sites, "links": [{"a": "a", "b": "b", **link}], **top}


def _circle(a: list[float], b: list[float]) -> float:
    return float(physics.geodesic_km(a[0], a[1], b[0], b[1]))


# ---------------------------------------------------------------------------- the length floor


def test_a_length_shorter_than_the_great_circle_is_refused_with_the_numbers():
    with pytest.raises(ValidationError, match=r"links\[0\] \(a--b\): length_km: 10 km is shorter "
                                              r"than the 6,566 km great circle between sites "
                                              r"'a' and 'b' \(less 100 km"):
        Topology.from_dict(_pair({"length_km": 10}))


def test_the_floor_allows_town_level_coordinates():
    circle = _circle(ASHBURN, FRANKFURT)
    slack = schema.LENGTH_FLOOR_SLACK_KM
    assert slack == 2 * schema.ROUTE_END_KM  # each end may lie a metro area from its point
    Topology.from_dict(_pair({"length_km": circle - slack + 1}))
    with pytest.raises(ValidationError, match="is shorter than"):
        Topology.from_dict(_pair({"length_km": circle - slack - 1}))


def test_no_floor_without_both_locations():
    for a, b in ((ASHBURN, None), (None, FRANKFURT), (None, None)):
        assert Topology.from_dict(_pair({"length_km": 1}, a, b)).links.loc[0, "length_km"] == 1


def test_a_route_is_never_shorter_than_its_great_circle_less_the_slack():
    # the route-end check (50 km) bounds a route's length from below by the triangle
    # inequality: the same slack as an explicit length
    circle = _circle(ASHBURN, FRANKFURT)
    near_a = [ASHBURN[0] + 0.5, ASHBURN[1]]  # about 43 km east of Ashburn
    route = [near_a, FRANKFURT]
    topo = Topology.from_dict(_pair({"route": route}))
    assert topo.links.loc[0, "length_km"] >= circle - schema.LENGTH_FLOOR_SLACK_KM


# ---------------------------------------------------------------------------- upper bounds


BOUNDED = [(table, attr) for table in (schema.DEFAULTS, schema.SITE, schema.LINK, schema.DEMAND)
           for attr in table if attr.maximum is not None]


def test_lengths_latencies_route_factors_and_capacities_are_bounded():
    names = {(t is schema.LINK, a.name) for t, a in BOUNDED}
    for name in ("length_km", "latency_ms", "route_factor", "capacity", "capacity_ba",
                 "terminal_latency_ms", "amplifier_latency_ms", "extra_latency_ms",
                 "amplifier_spacing_km"):
        assert (True, name) in names, name
    for attr in (a for _, a in BOUNDED):
        assert attr.maximum_reason, attr.name  # every bound says why


def _spec_with(table: tuple, attr: schema.Attr, value: float) -> dict:
    if table is schema.DEFAULTS:
        return _pair({}, None, None, defaults={attr.name: value})
    if table is schema.SITE:
        spec = _pair({}, None, None)
        spec["sites"][0][attr.name] = value
        return spec
    if table is schema.DEMAND:
        return _pair({}, None, None, demands=[{"src": "a", "dst": "b", attr.name: value}])
    return _pair({attr.name: value}, None, None)


@pytest.mark.parametrize(("table", "attr"), BOUNDED,
                         ids=[f"{a.name}-{i}" for i, (_, a) in enumerate(BOUNDED)])
def test_each_bound_accepts_its_maximum_and_refuses_more(table, attr):
    Topology.from_dict(_spec_with(table, attr, attr.maximum))
    why = re.escape(attr.maximum_reason[:20])
    for value in (attr.maximum * 1.001, 1e308):
        with pytest.raises(ValidationError, match=rf"{attr.name}: must be <= .* \({why}"):
            Topology.from_dict(_spec_with(table, attr, value))


def test_bounds_appear_in_the_format_reference():
    reference = schema.reference_markdown()
    assert "| `length_km` | length (km), at most 100,000 km |" in reference
    assert "| `route_factor` | number, at most 10 |" in reference


def test_an_estimated_length_beyond_any_cable_is_refused():
    madrid, wellington = [-3.70, 40.42], [174.78, -41.29]
    with pytest.raises(ValidationError, match="route_factor: the 19,855 km great circle between "
                                              "its sites times the default route factor 6"):
        Topology.from_dict(_pair({}, madrid, wellington, defaults={"route_factor": 6}))
    Topology.from_dict(_pair({"length_km": 21000}, madrid, wellington,
                             defaults={"route_factor": 6}))


def test_the_largest_quantities_make_no_runtime_warning():
    from infranet.algorithms.flow import max_flow
    from infranet.algorithms.latency import latency_matrix, shortest_path
    from infranet.output import describe
    from infranet.studies.compare import compare

    spec = {"name": "edge", "defaults": {"capacity": schema.MAX_CAPACITY_GBPS},
            "sites": [{"name": n, "kind": "datacenter", "location": [i * 40.0, 0.0],
                       "power_mw": schema.MAX_POWER_MW} for i, n in enumerate("xyz")],
            "links": [{"a": "x", "b": "y", "length_km": schema.MAX_LENGTH_KM,
                       "extra_latency_ms": schema.MAX_LATENCY_MS},
                      {"a": "y", "b": "z", "latency_ms": schema.MAX_LATENCY_MS},
                      {"a": "z", "b": "x", "route_factor": schema.MAX_ROUTE_FACTOR,
                       "amplifier_spacing_km": 1e-9}]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        topo = Topology.from_dict(spec)
        assert np.isfinite(topo.links["latency_ms"]).all()
        assert np.isfinite(latency_matrix(topo).to_numpy()).all()
        assert np.isfinite(shortest_path(topo, "x", "y").one_way_ms)
        assert max_flow(topo, "x", "y").value_gbps == pytest.approx(2e9)
        describe(topo)
        compare([topo])


# ---------------------------------------------------------------------------- detour warnings


def test_a_route_through_germany_between_two_texas_sites_is_a_warning():
    abilene, san_antonio = [-99.77, 32.50], [-98.70, 29.45]
    route = [abilene, [8.68, 50.11], san_antonio]  # through Frankfurt
    topo = Topology.from_dict(_pair({"name": "abi-sat", "route": route}, abilene, san_antonio))
    (warning,) = schema.warnings(topo)
    assert str(warning).startswith("link 'abi-sat': route: 17,151 km is 48.6 times the 353 km "
                                   "great circle between its sites")
    assert "check the route's points" in str(warning)


@pytest.mark.parametrize(("link", "field"), [({"length_km": 900}, "length_km"),
                                             ({"route_factor": 5}, "route_factor")])
def test_long_detours_warn_on_their_field(link, field):
    topo = Topology.from_dict(_pair(link, [0, 0], [1, 0]))
    (warning,) = schema.warnings(topo)
    assert warning.field == field and "times the 111 km great circle" in warning.detail


def test_a_usual_detour_does_not_warn():
    circle = _circle([0, 0], [1, 0])
    limit = schema.MAX_DETOUR * circle + schema.LENGTH_FLOOR_SLACK_KM
    assert schema.warnings(Topology.from_dict(_pair({"length_km": limit - 1}, [0, 0], [1, 0]))) \
        == []
    assert len(schema.warnings(Topology.from_dict(_pair({"length_km": limit + 1}, [0, 0],
                                                        [1, 0])))) == 1


def test_shipped_topologies_have_no_detour():
    import infranet

    for path in sorted(__import__("pathlib").Path("topologies").glob("*.yaml")):
        assert schema.warnings(infranet.read(path)) == [], path.name


# ---------------------------------------------------------------------------- route lengths


_POINT = st.tuples(st.floats(-180, 180), st.floats(-89, 89)).map(list)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(_POINT, min_size=2, max_size=5), min_size=0, max_size=6))
def test_route_lengths_in_bulk_equal_one_at_a_time(routes):
    bulk = schema.route_lengths_km(routes)
    assert bulk.shape == (len(routes),)
    for got, route in zip(bulk, routes, strict=True):
        # the sum of a route's own segments; the bulk sum subtracts two running totals of up to
        # a few hundred thousand km, exact to about 1e-9 km
        assert got == pytest.approx(physics.path_length_km(route), rel=1e-12, abs=1e-6)
