"""Replica placement: the MILP against brute-force enumeration, the independent checker, N+1
after each site's loss, monotonicity in the SLO, the greedy baseline, and the named errors."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infranet.errors import InfeasibleError, ValidationError
from infranet.planning.replicas import (
    FORMULATIONS,
    ReplicaProblem,
    candidate_sites,
    check_placement,
    greedy_replicas,
    place_replicas,
    relaxation_bound,
    replica_problem,
)
from infranet.results import FrozenDict, check_result

HEADLINE = ("total_accelerators", "cost_per_hour", "total_wan_gbps", "gap", "solve_s",
            "status", "survive_site_loss")
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def instances(draw, *, max_sites: int = 4, max_regions: int = 5, costs: bool = False):
    """A small replica-placement instance with whole-number loads (no ties at a rounding)."""
    n_s = draw(st.integers(1, max_sites))
    n_r = draw(st.integers(1, max_regions))
    ms = st.integers(0, 60)
    network = np.array([[draw(ms) for _ in range(n_s)] for _ in range(n_r)], float) / 1e3
    compute = np.array([draw(st.integers(50, 120)) for _ in range(n_s)], float) / 1e3
    budget = np.array([draw(st.integers(80, 200)) for _ in range(n_r)], float) / 1e3
    demand = np.array([draw(st.integers(0, 30)) for _ in range(n_r)], float)
    rpa = np.array([draw(st.sampled_from([1.0, 2.0, 3.0])) for _ in range(n_s)])
    apr = np.array([draw(st.sampled_from([1, 2, 4])) for _ in range(n_s)])
    available = np.array([draw(st.integers(0, 64)) for _ in range(n_s)])
    power = np.array([draw(st.sampled_from([np.inf, 5e3, 2e4, 6e4])) for _ in range(n_s)])
    cost = (np.array([draw(st.sampled_from([1.0, 2.5, 4.0])) for _ in range(n_s)])
            if costs else None)
    return replica_problem(
        [f"s{i}" for i in range(n_s)], [f"r{i}" for i in range(n_r)], demand_rps=demand,
        network_s=network, compute_s=compute, budget_s=budget, requests_per_accelerator_s=rpa,
        accelerators_per_replica=apr, available=available, power_w=power,
        facility_w_per_accelerator=1000.0, cost_per_accelerator_hour=cost)


def brute_force(p: ReplicaProblem, n1: bool, weight: str = "accelerators") -> float | None:
    """The least accelerators (or cost) over every assignment, by plain enumeration; None when
    no assignment fits. For a fixed assignment the fewest replicas at each site are optimal."""
    sites, regions = range(len(p.site_names)), range(len(p.region_names))
    ok = [[s for s in sites
           if float(p.network_s[r][s]) + float(p.compute_s[r][s]) <= float(p.budget_s[r]) + 1e-9]
          for r in regions]
    limit = []
    for s in sites:
        acc = int(p.available[s])
        if math.isfinite(float(p.power_w[s])):
            acc = min(acc, int(float(p.power_w[s]) // float(p.facility_w_per_accelerator[s])))
        limit.append(acc // int(p.accelerators_per_replica[s]))
    per_replica = [float(p.requests_per_accelerator_s[s]) * int(p.accelerators_per_replica[s])
                   for s in sites]
    best = None
    for prim in itertools.product(*ok):
        backups = (itertools.product(*[[s for s in ok[r] if s != prim[r]] for r in regions])
                   if n1 else [None])
        for back in backups:
            total = 0.0
            for s in sites:
                need = sum(float(p.demand_rps[r]) for r in regions if prim[r] == s)
                if back is not None:
                    need += max((sum(float(p.demand_rps[r]) for r in regions
                                     if prim[r] == f and back[r] == s) for f in sites),
                                default=0.0)
                replicas = math.ceil(need / per_replica[s] - 1e-9)
                if replicas > limit[s]:
                    break
                unit = int(p.accelerators_per_replica[s])
                if weight == "cost":
                    unit *= float(p.cost_per_accelerator_hour[s])
                total += replicas * unit
            else:
                best = total if best is None else min(best, total)
    return best


def _solve(p: ReplicaProblem, **options):
    try:
        return place_replicas(p, **options)
    except InfeasibleError:
        return None


# ------------------------------------------------------------------------------------------
# Optimum, checker, properties


@SETTINGS
@given(instances(max_regions=5))
def test_milp_equals_brute_force(p):
    plan = _solve(p)
    best = brute_force(p, False)
    assert (plan is None) == (best is None)
    if plan is not None:
        assert plan.total_accelerators == best
        assert check_placement(p, plan) == ()


@SETTINGS
@given(instances(max_sites=4, max_regions=4), st.sampled_from(FORMULATIONS))
def test_milp_equals_brute_force_with_site_loss(p, formulation):
    plan = _solve(p, survive_site_loss=True, formulation=formulation)
    best = brute_force(p, True)
    assert (plan is None) == (best is None)
    if plan is not None:
        assert plan.total_accelerators == best
        assert relaxation_bound(p, survive_site_loss=True) <= best
        assert check_placement(p, plan) == ()
        check_result(plan, headline=HEADLINE)


@SETTINGS
@given(instances(max_regions=4, costs=True))
def test_cost_objective_equals_brute_force(p):
    plan = _solve(p, objective="cost")
    best = brute_force(p, False, "cost")
    assert (plan is None) == (best is None)
    if plan is not None:
        assert plan.cost_per_hour == pytest.approx(best, rel=1e-4)  # the solver's gap, 1e-4


@SETTINGS
@given(instances(max_regions=4), st.booleans(), st.floats(0.5, 1.0))
def test_tightening_the_slo_never_lowers_the_accelerators(p, n1, factor):
    loose = _solve(p, survive_site_loss=n1)
    tight = _solve(replace(p, budget_s=p.budget_s * factor), survive_site_loss=n1)
    if tight is not None:
        assert loose is not None
        assert tight.total_accelerators >= loose.total_accelerators


@SETTINGS
@given(instances(max_regions=5), st.booleans())
def test_greedy_is_feasible_and_never_better(p, n1):
    plan = _solve(p, survive_site_loss=n1)
    try:
        greedy = greedy_replicas(p, survive_site_loss=n1)
    except InfeasibleError:
        return  # the greedy may miss a placement the MILP finds
    assert plan is not None
    assert check_placement(p, greedy) == ()
    assert greedy.total_accelerators >= plan.total_accelerators
    check_result(greedy, headline=HEADLINE)


@SETTINGS
@given(instances(max_sites=4, max_regions=5))
def test_site_loss_leaves_every_region_served(p):
    """Remove each site in turn: every region is still served within its budget by a site
    whose replicas carry everything sent to it."""
    plan = _solve(p, survive_site_loss=True)
    if plan is None:
        return
    rps = {s: plan.replicas.get(s, 0) * int(p.accelerators_per_replica[i]) *
           float(p.requests_per_accelerator_s[i]) for i, s in enumerate(p.site_names)}
    for lost in p.site_names:
        load = dict.fromkeys(rps, 0.0)
        for r, name in enumerate(p.region_names):
            entry = plan.regions[name]
            site = entry["backup"] if entry["site"] == lost else entry["site"]
            assert site != lost
            s = p.site_names.index(site)
            assert p.network_s[r, s] + p.compute_s[r, s] <= p.budget_s[r] + 1e-9
            load[site] += float(p.demand_rps[r])
        for site, carried in load.items():
            assert carried <= rps[site] * (1 + 1e-6)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_sites=8, max_regions=12), st.booleans(), st.sampled_from([None, 3]))
def test_larger_placements_pass_the_checker(p, n1, candidates):
    try:
        plan = place_replicas(p, survive_site_loss=n1, candidates=candidates)
    except InfeasibleError:
        return
    assert check_placement(p, plan) == ()
    usable = candidate_sites(p, plan.size["candidates"])  # as many as were used
    for r, name in enumerate(p.region_names):
        assert usable[r, p.site_names.index(plan.regions[name]["site"])]


def test_the_checker_finds_what_is_broken(texas):
    plan = place_replicas(texas, survive_site_loss=True)
    assert check_placement(texas, plan) == ()
    busiest = max(plan.load_rps, key=plan.load_rps.get)
    fewer = dict(plan.replicas)
    fewer[busiest] -= 1
    broken = replace(plan, replicas=FrozenDict(fewer))
    assert any(busiest in problem for problem in check_placement(texas, broken))
    regions = dict(plan.regions)
    regions["north"] = FrozenDict({**regions["north"], "backup": regions["north"]["site"]})
    assert "region 'north': no distinct backup site" in check_placement(
        texas, replace(plan, regions=FrozenDict(regions)))
    far = replace(texas, budget_s=texas.budget_s * 0.5)
    assert any("beyond its budget" in problem for problem in check_placement(far, plan))


# ------------------------------------------------------------------------------------------
# A worked instance


@pytest.fixture
def texas() -> ReplicaProblem:
    return replica_problem(
        ["dallas", "houston", "austin"], ["north", "south", "west"],
        demand_rps=[25.0, 10.0, 4.0],
        network_s=[[0.010, 0.030, 0.020], [0.030, 0.010, 0.015], [0.020, 0.025, 0.012]],
        compute_s=0.2, budget_s=0.225, requests_per_accelerator_s=2.5,
        accelerators_per_replica=8, available=[64, 64, 32], request_bytes=10e3,
        response_bytes=5e3, kv_bytes=1e6)


def test_worked_instance(texas):
    plan = place_replicas(texas)
    out = check_result(plan, headline=HEADLINE)
    assert out["total_accelerators"] == 16 and dict(plan.replicas) == {"austin": 2}
    assert out["regions"]["north"] == {
        "site": "austin", "backup": None, "demand_rps": 25.0, "network_ms": 20.0,
        "compute_ms": 200.0, "ttft_ms": 220.0, "budget_ms": 225.0, "slack_ms": 5.0,
        "backup_ttft_ms": None}
    # 39 requests/s in: 10 kB requests and 1 MB of KV each; out: 5 kB responses (Gb/s)
    assert out["wan"]["austin"]["in_gbps"] == pytest.approx(39 * (10e3 + 1e6) * 8 / 1e9)
    assert out["wan"]["austin"]["out_gbps"] == pytest.approx(39 * 5e3 * 8 / 1e9)
    assert out["wan_gbps"]["austin"] == pytest.approx(39 * 1.01e6 * 8 / 1e9)
    assert out["binding"]["kind"] == "demand"


def test_worked_instance_with_site_loss(texas):
    plan = place_replicas(texas, survive_site_loss=True)
    out = check_result(plan, headline=HEADLINE)
    assert check_placement(texas, plan) == ()
    assert out["total_accelerators"] == brute_force(texas, True) == 40
    for entry in out["regions"].values():
        assert entry["backup"] not in (None, entry["site"])
        assert entry["backup_ttft_ms"] <= entry["budget_ms"]
    assert out["binding"]["kind"] == "site" and "N+1" in out["binding"]["summary"]
    # the WAN under N+1 is sized for the worst loss: primary load plus the reserve
    for site, gbps in out["wan_gbps"].items():
        peak = out["load_rps"][site] + out["reserve"].get(site, {"rps": 0.0})["rps"]
        assert gbps == pytest.approx(peak * 1.01e6 * 8 / 1e9)


def test_power_and_capacity_bind(texas):
    # austin holds 3 replicas by power (1 kW each accelerator, 24 kW) though 32 are there
    limited = replica_problem(
        texas.site_names, texas.region_names, demand_rps=[100.0, 10.0, 4.0],
        network_s=texas.network_s, compute_s=0.2, budget_s=0.3,
        requests_per_accelerator_s=[2.5, 2.5, 5.0], accelerators_per_replica=8,
        available=[64, 64, 32], power_w=[np.inf, np.inf, 24e3], facility_w_per_accelerator=1e3)
    plan = place_replicas(limited)
    assert plan.replicas["austin"] == 3 and check_placement(limited, plan) == ()
    assert plan.binding.kind == "power" and plan.binding.name == "austin"
    full = replace(limited, power_w=np.full(3, np.inf), available=np.array([64, 64, 24]))
    plan = place_replicas(full)
    assert plan.binding.kind == "site" and plan.binding.name == "austin"


def test_an_slo_that_forces_a_site_open_binds():
    p = replica_problem(["big", "near"], ["far", "home"], demand_rps=[2.0, 50.0],
                        network_s=[[0.3, 0.01], [0.01, 0.01]], compute_s=0.1, budget_s=0.2,
                        requests_per_accelerator_s=[5.0, 1.0], available=64)
    plan = place_replicas(p)
    assert plan.binding.kind == "slo" and plan.binding.name == "far"
    assert dict(plan.sites) == {"big": 10, "near": 2}


def test_candidates_restrict_to_the_cheapest_then_nearest(texas):
    mask = candidate_sites(texas, 2)
    assert mask.sum(axis=1).tolist() == [2, 2, 2]
    plan = place_replicas(texas, survive_site_loss=True, candidates=2)
    assert check_placement(texas, plan) == ()
    for r, name in enumerate(texas.region_names):
        for key in ("site", "backup"):
            assert mask[r, texas.site_names.index(plan.regions[name][key])]
    with pytest.raises(ValidationError, match="candidates: must be at least 2"):
        place_replicas(texas, survive_site_loss=True, candidates=1)
    # a site that needs fewer accelerators per request/s ranks before a nearer one
    cheaper = replace(texas, requests_per_accelerator_s=np.array([2.5, 2.5, 5.0]))
    assert candidate_sites(cheaper, 1)[:, 2].all()


def test_no_regions_is_an_empty_placement(texas):
    p = replica_problem(texas.site_names, [], demand_rps=[], network_s=np.zeros((0, 3)),
                        compute_s=0.1, budget_s=0.2, requests_per_accelerator_s=1.0,
                        available=8)
    plan = place_replicas(p, survive_site_loss=True)
    assert check_result(plan, headline=HEADLINE)["total_accelerators"] == 0
    assert plan.binding.kind == "none"


def test_inputs_are_left_untouched(texas):
    before = texas.network_s.copy()
    place_replicas(texas, survive_site_loss=True)
    assert np.array_equal(texas.network_s, before) and not texas.network_s.flags.writeable


# ------------------------------------------------------------------------------------------
# Infeasible asks and bad input


def _one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_a_region_with_no_site_within_its_budget(texas):
    with pytest.raises(InfeasibleError) as err:
        place_replicas(replace(texas, budget_s=np.array([0.225, 0.2, 0.225])))
    assert _one_line(err) == ("region 'south': no site within 200 ms TTFT "
                              "(nearest 'houston' needs 210 ms)")


def test_site_loss_with_one_site_in_budget(texas):
    with pytest.raises(InfeasibleError) as err:
        place_replicas(replace(texas, budget_s=np.array([0.215, 0.225, 0.225])),
                       survive_site_loss=True)
    assert _one_line(err) == ("region 'north': only site 'dallas' within 215 ms TTFT, N+1 "
                              "needs a second (next 'austin' needs 220 ms)")


def test_a_region_larger_than_any_site(texas):
    with pytest.raises(InfeasibleError) as err:
        place_replicas(replace(texas, demand_rps=np.array([200.0, 10.0, 4.0])))
    assert _one_line(err) == ("region 'north': 200 requests/s exceed what any site within "
                              "225 ms TTFT can carry (at most 160 requests/s)")


def test_demand_over_the_capacity(texas):
    with pytest.raises(InfeasibleError) as err:
        place_replicas(replace(texas, demand_rps=np.array([150.0, 150.0, 150.0]),
                               budget_s=np.full(3, 0.5)))
    assert _one_line(err) == ("the demand of 450 requests/s exceeds what the sites within the "
                              "regions' budgets can carry (400 requests/s from 20 replicas)")


def test_site_loss_beyond_the_capacity(texas):
    with pytest.raises(InfeasibleError) as err:
        place_replicas(replace(texas, demand_rps=np.array([100.0, 100.0, 100.0]),
                               budget_s=np.full(3, 0.5)), survive_site_loss=True)
    assert _one_line(err) == ("N+1: losing site 'dallas' leaves 240 requests/s for a demand "
                              "of 300")


def test_an_infeasible_packing_is_named(texas):
    # each region fits a site alone, the total fits, but single-sourced they do not pack
    p = replace(texas, demand_rps=np.array([60.0, 60.0, 60.0]), budget_s=np.full(3, 0.5),
                available=np.array([40, 40, 0]))
    with pytest.raises(InfeasibleError, match=r"^no placement meets every region's TTFT"):
        place_replicas(p)


@pytest.mark.parametrize(("change", "message"), [
    ({"demand_rps": [1.0, -1.0]}, "region 'r1': demand_rps: must be >= 0 requests/s, got -1"),
    ({"network_s": [[0.01], [0.02]]}, "network_s: must have shape (2, 2)"),
    ({"budget_s": [0.2, 0.0]}, "region 'r1': budget_s: must be > 0 s"),
    ({"accelerators_per_replica": [8, 2.5]}, "site 'b': accelerators_per_replica: must be a "
                                             "whole number >= 1"),
    ({"available": [-8, 8]}, "site 'a': available: must be a whole number >= 0"),
    ({"power_w": 1e6}, "facility_w_per_accelerator: a power headroom needs"),
    ({"request_bytes": float("nan")}, "request_bytes: must be a finite number >= 0"),
])
def test_bad_input_names_the_field(change, message):
    args = {"demand_rps": [1.0, 1.0], "network_s": [[0.01, 0.02], [0.02, 0.01]],
            "compute_s": 0.1, "budget_s": 0.2, "requests_per_accelerator_s": 1.0,
            "available": 8} | change
    with pytest.raises(ValidationError) as err:
        replica_problem(["a", "b"], ["r0", "r1"], **args)
    assert str(err.value).startswith(message)


def test_bad_names_and_options(texas):
    with pytest.raises(ValidationError, match="site 'a' appears twice"):
        replica_problem(["a", "a"], ["x"], demand_rps=[1.0], network_s=[[0.0, 0.0]],
                        compute_s=0.1, budget_s=0.2, requests_per_accelerator_s=1.0,
                        available=8)
    with pytest.raises(ValidationError, match="objective: must be one of accelerators, cost"):
        place_replicas(texas, objective="latency")
    with pytest.raises(ValidationError, match="cost_per_accelerator_hour"):
        place_replicas(texas, objective="cost")
    with pytest.raises(ValidationError, match=re.escape("formulation: must be one of")):
        place_replicas(texas, formulation="copies")


def test_the_documented_example_runs():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs/replicas.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(code, "docs/replicas.md", "exec"), scope)
    plan = scope["plan"]
    assert (plan.total_accelerators, dict(plan.replicas)) == (
        40, {"dallas": 2, "houston": 1, "austin": 2})  # as the page says
    assert check_placement(scope["problem"], plan) == ()


def test_candidates_widen_when_the_restriction_is_infeasible():
    # a and b are cheapest but cannot back each other up; c is dearer and large
    p = replica_problem(["a", "b", "c"], ["r1", "r2"], demand_rps=[10.0, 10.0],
                        network_s=np.zeros((2, 3)), compute_s=0.1, budget_s=0.2,
                        requests_per_accelerator_s=[5.0, 5.0, 1.0], available=[3, 3, 100])
    plan = place_replicas(p, survive_site_loss=True, candidates=2)
    assert plan.size["candidates"] == 4
    assert plan.total_accelerators == place_replicas(p, survive_site_loss=True).total_accelerators
    assert check_placement(p, plan) == ()
