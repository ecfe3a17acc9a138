"""Sizing answers: the DCI bandwidth solved for a target efficiency, the efficiency tables and
the parallelism search."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from infranet.errors import InfeasibleError
from infranet.results import check_result
from infranet.workloads.sizing import (
    dci_gbps_needed,
    distance_latency_s,
    efficiency,
    efficiency_table,
    search_parallelism,
)
from infranet.workloads.training import Network, step

LLAMA70 = SimpleNamespace(name="llama-70b", parameters=70.6e9, layers=80, hidden=8192, heads=64,
                          kv_heads=8, head_dim=128, vocab=128256, seq_len=8192)
H100 = Network(scale_up_gbps=3600.0, scale_out_gbps=400.0, scale_up_domain=8)

JOB = dict(tp=8, pp=4, dp=16, sites=2, global_batch=256)


@pytest.mark.parametrize("across,extra", [("dp", {}), ("dp", {"sync_every": 100}),
                                          ("pp", {"pp": 8, "dp": 8})])
def test_solved_bandwidth_reaches_the_target_and_no_less_does(across, extra):
    net = replace(H100, dci_latency_s=distance_latency_s(300.0), dci_alpha_s=20e-6)
    job = {**JOB, **extra, "across": across}
    target = np.array([0.8, 0.9, 0.95])
    need = dci_gbps_needed(LLAMA70, "H100", network=net, target=target, **job)
    assert np.all(np.isfinite(need)) and np.all(np.diff(need) >= 0)
    at, _, _ = efficiency(LLAMA70, "H100", network=replace(net, dci_gbps=need), **job)
    below, _, _ = efficiency(LLAMA70, "H100", network=replace(net, dci_gbps=need * 0.999),
                             **job)
    assert np.all(at >= target) and np.all(below < target)


def test_unreachable_target_is_infinite():
    """Across 20,000 km with an outer sync every step, latency alone costs more than 1%."""
    net = replace(H100, dci_latency_s=distance_latency_s(20000.0))
    need = dci_gbps_needed(LLAMA70, "H100", network=net, target=0.9999, tp=8, pp=4, dp=16,
                           sites=2, global_batch=16)
    assert np.isinf(need)


def test_outer_sync_needs_less_bandwidth():
    net = replace(H100, dci_latency_s=distance_latency_s(300.0))
    every = dci_gbps_needed(LLAMA70, "H100", network=net, **JOB)
    outer = dci_gbps_needed(LLAMA70, "H100", network=net, sync_every=100, **JOB)
    assert float(outer) < float(every) / 10


def test_efficiency_table_is_monotone():
    table = efficiency_table(LLAMA70, "H100", network=H100, distance_km=[0, 100, 1000, 5000],
                             dci_gbps=[100, 1000, 10000, 100000], **JOB)
    eff = table.efficiency
    assert np.all(np.diff(eff, axis=0) <= 1e-12)  # further: never better
    assert np.all(np.diff(eff, axis=1) >= -1e-12)  # more bandwidth: never worse
    assert np.all(eff <= 1 + 1e-12)
    check_result(table, headline=("baseline_step_s", "min_efficiency", "max_efficiency"))


def test_search_ranks_fitting_mappings_and_agrees_with_step():
    found = search_parallelism(LLAMA70, "H100", accelerators=256, network=H100,
                               global_batch=256, recompute=("selective", "full"), zero=(1,),
                               microbatch=(1, 2))
    check_result(found, headline=("step_s", "mfu", "searched", "fitting"))
    steps = [r["step_s"] for r in found.rows]
    assert steps == sorted(steps)
    best = found.rows[0]
    again = step(LLAMA70, "H100", network=H100, tp=best["tp"], pp=best["pp"], dp=best["dp"],
                 microbatch=best["microbatch"], recompute=best["recompute"], zero=best["zero"],
                 global_batch=256).at()
    assert again.fits and again.step_s == pytest.approx(best["step_s"], rel=1e-12)
    # brute force over the same grid, one configuration at a time
    brute = np.inf
    for tp in (1, 2, 4, 8):
        for pp in (1, 2, 4, 5, 8, 10, 16, 20, 40, 80):
            if 256 % (tp * pp):
                continue
            for rc in ("selective", "full"):
                for b in (1, 2):
                    s = step(LLAMA70, "H100", network=H100, tp=tp, pp=pp, dp=256 // (tp * pp),
                             microbatch=b, recompute=rc, zero=1, global_batch=256).at()
                    if s.valid and s.fits:
                        brute = min(brute, s.step_s)
    assert best["step_s"] == brute


def test_search_says_when_nothing_fits():
    with pytest.raises(InfeasibleError, match="GB per accelerator short"):
        search_parallelism(LLAMA70, "H100", accelerators=8, network=Network(3600.0, 400.0),
                           global_batch=8, zero=(0,))
