"""The RTT estimator against the shipped measured RTTs, and its physical properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet import physics
from infranet.algorithms import estimate as est
from infranet.errors import ValidationError

LON = st.floats(-180, 180, allow_nan=False)
LAT = st.floats(-89.9, 89.9, allow_nan=False)
POINT = st.tuples(LON, LAT)


@pytest.fixture(scope="module")
def calibration() -> est.Calibration:
    return est.fit(folds=5)


def test_the_shipped_set_is_cited_and_large_enough():
    table = est.measured_rtts()
    assert len(table) >= 100
    long = table["distance_km"] > 3000
    assert long.sum() >= 500 and (table["distance_km"] > 10000).sum() >= 100
    assert table["source"].str.contains("Azure network round-trip latency statistics").all()
    assert (table["rtt_ms"] > 0).all()
    # no measurement beats light in fiber along the great circle
    assert (table["rtt_ms"] >= est.propagation_floor_ms(table["distance_km"])).all()


def test_error_over_3000_km_meets_the_target_with_the_stored_figures():
    stored = est.fit(folds=0, params=est.parameters())
    assert stored.mape_long <= 0.08, stored.summary
    assert stored.mape_long < stored.flat_mape_long / 2, stored.summary


def test_cross_validated_error_meets_the_target_and_beats_the_flat_rule(calibration):
    # each fold's pairs estimated with parameters fitted without them: an honest error
    assert calibration.cv_mape_long <= 0.08, calibration.summary
    assert calibration.cv_mape_long < calibration.flat_mape_long / 2
    for band in calibration.bands.values():
        assert band["cv_mape"] < band["flat_mape"], dict(band)


def test_the_stored_figures_are_the_fit(calibration):
    # one home: the figures in figures.csv are what fit() finds on the shipped set (the figures
    # are rounded to 3-4 digits; the error surface is flat there)
    stored = est.parameters()
    for key, value in calibration.params.to_dict().items():
        assert getattr(stored, key) == pytest.approx(value, rel=0.03), key
    for name in est.FIGURES.values():
        assert physics.figures()[name].source, name


def test_a_known_pair_against_its_measurement():
    table = est.measured_rtts()
    row = table[(table["a"] == "eastus") & (table["b"] == "westeurope")].iloc[0]
    estimate = est.estimate_rtt_ms(row["a_lon"], row["a_lat"], row["b_lon"], row["b_lat"])
    assert float(estimate) == pytest.approx(row["rtt_ms"], rel=0.15)


@settings(max_examples=60, deadline=None)
@given(POINT, POINT)
def test_symmetric_and_between_the_floor_and_the_direct_path(a, b):
    p = est.parameters()
    ab = float(est.estimate_rtt_ms(a[0], a[1], b[0], b[1]))
    ba = float(est.estimate_rtt_ms(b[0], b[1], a[0], a[1]))
    assert ab == pytest.approx(ba, rel=1e-9, abs=1e-9)
    distance = float(est.great_circle_km(a[0], a[1], b[0], b[1]))
    floor = float(est.propagation_floor_ms(distance))
    assert ab >= floor + p.fixed_ms - 1e-9
    assert ab <= p.fixed_ms + p.access_factor * floor + 1e-9


@settings(max_examples=60, deadline=None)
@given(POINT, POINT, POINT)
def test_moving_an_end_by_x_km_changes_the_estimate_by_at_most_the_access_leg(a, b, c):
    # the estimator's continuity (it replaces monotonicity: a graph estimate is not monotone in
    # distance, but it never jumps): |RTT(a, b) - RTT(a, c)| <= 2 x access factor x d(b, c)
    p = est.parameters()
    ab, ac = est.estimate_rtt_ms(a[0], a[1], [b[0], c[0]], [b[1], c[1]])
    bc = float(est.great_circle_km(b[0], b[1], c[0], c[1]))
    assert abs(ab - ac) <= p.access_factor * float(est.propagation_floor_ms(bc)) + 1e-6


def test_monotone_in_distance_along_the_measured_set():
    # over the measured pairs, the estimate grows with distance band by band, as the data do
    table = est.measured_rtts()
    estimate = est.estimate_rtt_ms(table["a_lon"], table["a_lat"], table["b_lon"],
                                   table["b_lat"])
    medians = [np.median(estimate[(table["distance_km"] >= lo) & (table["distance_km"] < hi)])
               for lo, hi in est.BANDS_KM]
    assert medians == sorted(medians)


@settings(max_examples=20, deadline=None)
@given(st.lists(POINT, min_size=1, max_size=5), st.lists(POINT, min_size=1, max_size=5))
def test_the_matrix_is_the_pairs(a, b):
    lon_a, lat_a = np.array(a).T
    lon_b, lat_b = np.array(b).T
    matrix = est.estimate_rtt_matrix(lon_a, lat_a, lon_b, lat_b)
    pairs = est.estimate_rtt_ms(lon_a[:, None], lat_a[:, None], lon_b[None, :], lat_b[None, :])
    np.testing.assert_allclose(matrix, pairs, rtol=1e-12)


def test_a_point_to_itself_is_the_fixed_term():
    assert float(est.estimate_rtt_ms(10.0, 50.0, 10.0, 50.0)) == est.parameters().fixed_ms


def test_bad_coordinates_and_parameters_are_refused():
    with pytest.raises(ValidationError, match="lat: expected a latitude"):
        est.estimate_rtt_ms(0, 91, 0, 0)
    with pytest.raises(ValidationError, match="lon: expected a longitude"):
        est.estimate_rtt_matrix([math.nan], [0], [0], [0])
    with pytest.raises(ValidationError, match="sea_factor: a route factor is at least 1"):
        est.EstimateParameters(fixed_ms=1, access_factor=2, land_factor=1.5, sea_factor=0.9)


def test_the_reference_backbone_is_connected():
    backbone = est.reference_backbone()
    hubs = backbone.one_way_ms(est.parameters())
    assert np.isfinite(hubs).all()


def test_docs_hold_the_current_error_table():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("rtt_fit", root / "docs/rtt_fit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.table(module.stored()) in (root / "docs/rtt.md").read_text(encoding="utf-8"), \
        "run: python docs/rtt_fit.py, and copy its table into docs/rtt.md"
