"""The α-β kernel of collectives against closed forms: nccl-tests, MPICH, SimGrid CM02."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.errors import ValidationError
from infranet.workloads import collectives as co
from infranet.workloads.collectives import (
    ALGORITHMS,
    OPS,
    Level,
    bus_factor,
    hierarchical_time_s,
    time_s,
)

MIB = 2**20


@pytest.mark.parametrize("p", [1, 2, 3, 8, 64, 1000])
def test_bus_factors_are_nccl_tests(p):
    # nccl-tests doc/PERFORMANCE.md: busbw = algbw × factor, exactly
    assert bus_factor("allreduce", p) == 2 * (p - 1) / p
    for op in ("reduce_scatter", "allgather", "alltoall"):
        assert bus_factor(op, p) == (p - 1) / p
    for op in ("broadcast", "sendrecv"):
        assert bus_factor(op, p) == 1.0


@pytest.mark.parametrize("op", ["allreduce", "reduce_scatter", "allgather"])
@pytest.mark.parametrize("p", [2, 3, 8, 12, 64])
def test_ring_without_latency_runs_at_the_bus_bandwidth(op, p):
    # with α = 0 a ring moves bytes at exactly B: busbw = size/time × factor = B
    gbps, size = 400.0, 256 * MIB
    t = float(time_s(op, "ring", size, p, gbps, 0.0))
    busbw_gbps = size * 8 / 1e9 / t * float(bus_factor(op, p))
    assert busbw_gbps == pytest.approx(gbps, rel=1e-12)


@pytest.mark.parametrize("p", [2, 5, 8, 33])
def test_ring_allreduce_formula(p):
    alpha, size, gbps = 7e-6, 3e8, 800.0
    b = gbps * 1e9 / 8
    expected = 2 * (p - 1) * alpha + 2 * (p - 1) / p * size / b
    assert float(time_s("allreduce", "ring", size, p, gbps, alpha)) == pytest.approx(
        expected, rel=1e-12)


@pytest.mark.parametrize("p", [2, 4, 16, 1024])
def test_rabenseifner_formula(p):
    alpha, size, gbps = 5e-6, 1e8, 200.0
    b = gbps * 1e9 / 8
    expected = 2 * math.log2(p) * alpha + 2 * (p - 1) / p * size / b
    assert float(time_s("allreduce", "halving_doubling", size, p, gbps, alpha)) == \
        pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("p", [3, 6, 12, 1000])
def test_halving_doubling_needs_a_power_of_two(p):
    assert np.isinf(time_s("allreduce", "halving_doubling", 1e6, p, 100.0, 1e-6))


@pytest.mark.parametrize(("latency_s", "expected"),
                         [(10e-6, 1.000010), (1e-3, 4.769372), (100e-3, 476.937158)])
def test_simgrid_cm02_window_limited_transfer(latency_s, expected):
    # SimGrid teshsuite/models/cm02-tcpgamma: 10 GB over 10 GB/s with a 4 MiB window
    t = float(time_s("sendrecv", "direct", 10e9, 2, 80.0, 0.0, latency_s=latency_s,
                     window_bytes=4 * MIB))
    assert round(t, 6) == expected


def test_one_rank_costs_nothing():
    for op in OPS:
        for algorithm in ALGORITHMS:
            assert float(time_s(op, algorithm, 1e9, 1, 100.0, 1e-5)) == 0.0


def test_auto_is_the_fastest_valid_algorithm():
    sizes = np.logspace(2, 10, 9)[:, None]
    ranks = np.array([2, 3, 8, 12, 64])[None, :]
    for op in OPS:
        auto = time_s(op, "auto", sizes, ranks, 400.0, 5e-6)
        each = np.stack([time_s(op, a, sizes, ranks, 400.0, 5e-6)
                         for a in ALGORITHMS if a not in ("auto", "hierarchical", "in_network")])
        assert np.array_equal(auto, each.min(axis=0))
        assert np.isfinite(auto).all()


def test_arguments_broadcast():
    t = time_s("allreduce", "ring", np.array([1e6, 1e9])[:, None], 8,
               np.array([100.0, 400.0, 3600.0])[None, :], 3e-6)
    assert t.shape == (2, 3)
    assert (np.diff(t, axis=1) < 0).all()  # more bandwidth, less time


def test_bad_arguments_are_named():
    with pytest.raises(ValidationError, match="algorithm 'rign'.*did you mean 'ring'"):
        time_s("allreduce", "rign", 1e6, 8, 100.0, 0.0)
    with pytest.raises(ValidationError, match="op"):
        time_s("all_reduce_x", "ring", 1e6, 8, 100.0, 0.0)
    with pytest.raises(ValidationError, match="ranks"):
        time_s("allreduce", "ring", 1e6, 0, 100.0, 0.0)
    with pytest.raises(ValidationError, match="gbps"):
        time_s("allreduce", "ring", 1e6, 4, -1.0, 0.0)


def test_hierarchical_all_reduce_by_hand():
    # reduce-scatter + all-gather inside 8 GPUs, all-reduce of 1/8 across 4 nodes
    size = 2**30
    up = Level("scale_up", 8, 3600.0, 0.0)
    out = Level("scale_out", 4, 400.0, 0.0)
    total, (t_up, t_out) = hierarchical_time_s("allreduce", size, (up, out), per_level=True)
    b_up, b_out = 3600e9 / 8, 400e9 / 8
    assert float(t_up) == pytest.approx(2 * 7 / 8 * size / b_up, rel=1e-12)
    assert float(t_out) == pytest.approx(2 * 3 / 4 * (size / 8) / b_out, rel=1e-12)
    assert float(total) == pytest.approx(float(t_up + t_out), rel=1e-15)


def test_hierarchical_one_level_is_the_flat_collective():
    for op in OPS:
        level = Level("scale_out", 16, 400.0, 4e-6)
        assert float(hierarchical_time_s(op, 1e8, (level,))) == \
            float(time_s(op, "auto", 1e8, 16, 400.0, 4e-6))


def test_in_network_only_where_the_switches_reduce():
    plain = Level("scale_up", 8, 3600.0, 3e-6)
    nvls = Level("scale_up", 8, 3600.0, 3e-6, in_network=True)
    assert np.isinf(plain.time_s("allreduce", 1e9, algorithm="in_network"))
    assert float(nvls.time_s("allreduce", 1e9)) < float(plain.time_s("allreduce", 1e9))


sizes = st.floats(1.0, 1e11)
ranks = st.integers(2, 4096)
rates = st.floats(1.0, 1e5)
alphas = st.floats(0.0, 1e-3)


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(OPS), size=sizes, p=ranks, gbps=rates, alpha=alphas,
       more=st.floats(1.0, 100.0))
def test_more_bandwidth_is_never_slower(op, size, p, gbps, alpha, more):
    for algorithm in ALGORITHMS:
        slow = time_s(op, algorithm, size, p, gbps, alpha)
        fast = time_s(op, algorithm, size, p, gbps * more, alpha)
        assert fast <= slow


@settings(max_examples=200, deadline=None)
@given(op=st.sampled_from(OPS), size=sizes, p=ranks, gbps=rates,
       near=st.floats(0.0, 0.05), farther=st.floats(0.0, 0.05),
       window=st.one_of(st.none(), st.floats(1e4, 1e9)))
def test_more_distance_is_never_faster(op, size, p, gbps, near, farther, window):
    t_near = time_s(op, "auto", size, p, gbps, 1e-6, latency_s=near, window_bytes=window)
    t_far = time_s(op, "auto", size, p, gbps, 1e-6, latency_s=near + farther,
                   window_bytes=window)
    assert t_far >= t_near


def _bound_s(level: Level, size: float) -> float:
    """The all-reduce bandwidth bound of one tier on the data that reaches it: 2(p−1)/p of it
    through each rank's link, or once up and once down where the switches reduce."""
    p = float(level.ranks)
    volume = 2 * (p - 1) / p
    if level.in_network and p > 1:
        volume = min(volume, 1.0)
    return volume * size / (float(level.gbps) * 1e9 / 8)


@settings(max_examples=300, deadline=None)
@given(size=sizes,
       tiers=st.lists(st.tuples(st.integers(1, 64), rates, alphas, st.booleans()),
                      min_size=1, max_size=3))
def test_hierarchical_all_reduce_never_beats_its_slowest_tier(size, tiers):
    levels = tuple(Level(name, p, gbps, alpha, in_network=nvls)
                   for name, (p, gbps, alpha, nvls) in
                   zip(co.LEVEL_NAMES, tiers, strict=False))
    total = float(hierarchical_time_s("allreduce", size, levels))
    here, bounds = size, []
    for level in levels:
        bounds.append(_bound_s(level, here))
        here /= level.ranks
    assert total >= max(bounds) * (1 - 1e-12)
