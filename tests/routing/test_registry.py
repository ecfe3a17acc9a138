"""The registry: names, errors with suggestions, and plug-ins through entry points."""

from __future__ import annotations

import importlib.metadata
import textwrap

import numpy as np
import pytest

from infranet.errors import InfranetError, UnknownNameError, ValidationError
from infranet.routing import ENTRY_POINT_GROUP, Routing, algorithms, get, register, route
from infranet.routing import base as routing_base
from infranet.traffic import TrafficMatrix

PLUGIN = textwrap.dedent('''
    from infranet.algorithms.mcf import shortest_paths
    from infranet.routing import Routing

    def route(topology, tm, *, k=2):
        """Equal split over the k shortest paths, by hand."""
        paths = shortest_paths(topology, tm, k)
        names = topology.site_names
        table = {}
        for p in range(len(paths)):
            key = (names[paths.src[p]], names[paths.dst[p]])
            table.setdefault(key, []).append((paths.path_arcs(p), 1.0))
        return Routing.from_paths(topology, tm, table, algorithm="fake-ksp",
                                  options={"k": k})
''')


@pytest.fixture
def plugins(monkeypatch, tmp_path):
    """Entry points of a fake installed package: one good plug-in and one broken."""
    (tmp_path / "fake_routing_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    fakes = [
        importlib.metadata.EntryPoint("fake-ksp", "fake_routing_plugin:route",
                                      ENTRY_POINT_GROUP),
        importlib.metadata.EntryPoint("broken", "no_such_routing_module:route",
                                      ENTRY_POINT_GROUP),
        importlib.metadata.EntryPoint("ecmp", "fake_routing_plugin:route", ENTRY_POINT_GROUP),
    ]
    real = importlib.metadata.entry_points

    def entry_points(**params):
        if params.get("group") == ENTRY_POINT_GROUP:
            return importlib.metadata.EntryPoints(fakes)
        return real(**params)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    routing_base.refresh()
    yield
    routing_base.refresh()


def test_plugins_are_found_and_loaded_lazily(plugins, build):
    table = algorithms()
    assert {"fake-ksp", "broken"} <= set(table)
    assert table["ecmp"] is get("ecmp")  # a plug-in cannot take a built-in name
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, np.ones((4, 4)) - np.eye(4))
    routing = route(topo, tm, algorithm="fake-ksp", k=2)
    assert isinstance(routing, Routing) and routing.algorithm == "fake-ksp"
    assert routing.options["k"] == 2
    # the same loads as the built-in ksp with an equal split
    ksp = route(topo, tm, algorithm="ksp", k=2)
    assert np.allclose(routing.arc_load_gbps, ksp.arc_load_gbps)
    with pytest.raises(ValidationError, match="has no option 'kk' .*did you mean 'k'"):
        route(topo, tm, algorithm="fake-ksp", kk=3)


def test_a_broken_plugin_is_one_line_naming_it(plugins, build):
    with pytest.raises(InfranetError) as info:
        get("broken")
    message = str(info.value)
    assert "'broken'" in message and "no_such_routing_module" in message
    assert "\n" not in message
    # listing still works, and the other algorithms too
    assert "broken" in algorithms()
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, np.ones((4, 4)) - np.eye(4))
    assert route(topo, tm, algorithm="spf").lost_gbps == 0


def test_unknown_algorithm_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="did you mean 'ecmp'"):
        get("ecmpp")
    with pytest.raises(UnknownNameError, match="did you mean 'path-lp'"):
        route(None, None, algorithm="path_lp")


def test_unknown_option_suggests_the_closest(build):
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, np.ones((4, 4)) - np.eye(4))
    with pytest.raises(ValidationError, match="did you mean 'weight'"):
        route(topo, tm, algorithm="ecmp", wieght="latency")


def test_register_a_function_and_refuse_a_clash(build):
    @register("test-direct")
    def direct(topology, tm, *, scale=1.0):
        return route(topology, tm.scaled(scale), algorithm="spf")

    try:
        assert get("test-direct") is direct
        topo = build.ring(4)
        tm = TrafficMatrix(topo.site_names, np.ones((4, 4)) - np.eye(4))
        assert route(topo, tm, algorithm="test-direct", scale=2).demand_gbps.sum() == 24.0
        with pytest.raises(ValidationError, match="already registered"):
            register("ecmp")(direct)
    finally:
        routing_base._REGISTRY.pop("test-direct", None)


def test_from_paths_checks_paths(build):
    topo = build.ring(4)
    tm = TrafficMatrix(topo.site_names, [[0, 1, 0, 0], [0] * 4, [0] * 4, [0] * 4])
    with pytest.raises(ValidationError, match="not a walk"):
        Routing.from_paths(topo, tm, {("r0", "r1"): [([2], 1.0)]}, algorithm="x")
    ok = Routing.from_paths(topo, tm, {("r0", "r1"): [([0], 3.0), ([7, 5, 3], 1.0)]},
                            algorithm="x")
    assert [f for _, f in ok.splits.paths(0)] == [0.75, 0.25]
    assert ok.arc_load_gbps[0] == 0.75


def test_the_plug_in_example_of_the_docs_runs(build):
    """docs/routing.md's plug-in example, run as written, with the path container it uses."""
    import re
    from pathlib import Path

    from infranet.algorithms.failures import failure_sets
    from infranet.traffic import uniform

    text = (Path(__file__).resolve().parents[2] / "docs" / "routing.md").read_text("utf-8")
    code = re.findall(r"```python\n(# mypkg/routing\.py.*?)```", text, flags=re.S)[0]
    namespace: dict = {}
    exec(compile(code, "docs/routing.md", "exec"), namespace)
    register("doc-plugin")(namespace["route"])
    try:
        topo = build.mesh()
        tm = uniform(topo, 100.0, seed=1)
        routing = route(topo, tm, algorithm="doc-plugin", k=3, seed=1)
        assert isinstance(routing, Routing) and routing.lost_gbps == 0
        cut = route(topo, tm, algorithm="doc-plugin", failure=failure_sets(topo)[0], seed=1)
        assert cut.arc_load_gbps[:2].sum() == 0  # the first link failed
    finally:
        routing_base._REGISTRY.pop("doc-plugin")


def test_a_plugins_options_are_read_from_its_signature_once_loaded(plugins, build):
    """options_of / takes read the loaded plug-in's signature (not the lazy loader's)."""
    from infranet.routing import options_of, takes

    (k,) = options_of("fake-ksp")
    assert (k.name, k.default, k.kinds) == ("k", 2, ("int",))
    assert takes("fake-ksp", "k") and not takes("fake-ksp", "seed")
    assert not takes("fake-ksp", "failure")  # routed on the cut topology, mapped back
    names = [o.name for o in options_of("igp-wo")]
    assert names[-2:] == ["seed", "failure"] and takes("igp-wo", "seed")


def test_under_failures_hands_its_seed_to_an_algorithm_that_takes_one(build):
    from infranet.routing import under_failures

    seen = []

    @register("test-seeded")
    def seeded(topology, tm, *, seed=None, failure=None):
        seen.append(seed)
        return route(topology, tm, algorithm="ecmp", failure=failure)

    try:
        topo = build.ring(4)
        tm = TrafficMatrix(topo.site_names, np.ones((4, 4)) - np.eye(4))
        under_failures(topo, tm, algorithm="test-seeded", random=2, seed=7)
        assert seen == [7, 7, 7]  # the intact network, then two failures
    finally:
        routing_base._REGISTRY.pop("test-seeded", None)


def test_every_seeded_algorithm_is_seeded_by_default():
    """An algorithm that draws at random gives the same routing on every run unless asked not
    to: its seed defaults to a number, never to None (fresh entropy)."""
    from infranet.routing import algorithms, options_of

    seeded = {name: option.default for name in algorithms()
              for option in options_of(name) or () if option.name == "seed"}
    assert seeded, "no algorithm takes a seed"
    assert all(isinstance(default, int) for default in seeded.values()), seeded
