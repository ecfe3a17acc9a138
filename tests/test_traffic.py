"""Traffic matrices: validation, generators (seeds, totals, gravity proportions) and readers."""

from __future__ import annotations

import numpy as np
import pytest

from infranet import traffic
from infranet.errors import FormatError, UnknownNameError, ValidationError
from infranet.model import Topology
from infranet.traffic import TrafficMatrix


def star() -> Topology:
    return Topology.from_dict({
        "name": "star",
        "sites": [{"name": "hub", "population": 4e6}, {"name": "a", "population": 1e6},
                  {"name": "b", "population": 2e6}, {"name": "c", "population": 3e6}],
        "links": [{"a": "hub", "b": x, "capacity": 100 * (i + 1), "length_km": 10}
                  for i, x in enumerate("abc")],
    })


# ---------------------------------------------------------------------------- the type


def test_matrix_is_read_only_and_copied():
    data = np.array([[0.0, 1.0], [2.0, 0.0]])
    tm = TrafficMatrix(("a", "b"), data)
    data[0, 1] = 99.0
    assert tm.gbps[0, 1] == 1.0
    with pytest.raises(ValueError):
        tm.gbps[0, 1] = 5.0
    with pytest.raises(AttributeError):
        tm.name = "other"


@pytest.mark.parametrize(("nodes", "matrix", "words"), [
    (("a", "b"), [[0, 1, 2], [0, 0, 0]], "2 x 2"),
    (("a", "a"), [[0, 1], [1, 0]], "twice"),
    (("a", "b"), [[0, -1], [1, 0]], "'a' -> 'b'"),
    (("a", "b"), [[0, np.nan], [1, 0]], "non-negative finite"),
    (("a", "b"), [[0, np.inf], [1, 0]], "non-negative finite"),
    (("a", "b"), [[3, 1], [1, 0]], "'a' -> 'a'"),
])
def test_validation_messages_are_one_line(nodes, matrix, words):
    with pytest.raises(ValidationError) as info:
        TrafficMatrix(nodes, matrix, source="tm.csv")
    message = str(info.value)
    assert words in message
    assert "\n" not in message
    assert message.startswith("tm.csv")


def test_to_frame_scaled_total():
    tm = TrafficMatrix(("a", "b", "c"), [[0, 1, 0], [0, 0, 2], [3, 0, 0]])
    frame = tm.to_frame()
    assert list(frame.columns) == ["src", "dst", "gbps"]
    assert list(zip(frame.src, frame.dst, strict=True)) == [("a", "b"), ("b", "c"), ("c", "a")]
    assert tm.total_gbps == 6.0
    assert tm.scaled(0.5).total_gbps == 3.0
    with pytest.raises(ValidationError):
        tm.scaled(-1)


def test_for_topology_reorders_and_suggests(tri):
    tm = TrafficMatrix(("z", "x"), [[0, 5], [0, 0]])
    full = tm.for_topology(tri)
    assert full.nodes == ("x", "y", "z")
    assert full.gbps[2, 0] == 5.0 and full.total_gbps == 5.0
    with pytest.raises(UnknownNameError, match="did you mean 'x'"):
        TrafficMatrix(("X", "y"), [[0, 1], [0, 0]]).for_topology(tri)


# ---------------------------------------------------------------------------- generators

GENERATORS = {
    "uniform": lambda where, seed: traffic.uniform(where, 100.0, seed=seed),
    "bimodal": lambda where, seed: traffic.bimodal(where, 100.0, seed=seed),
    "hotspot": lambda where, seed: traffic.hotspot(where, 100.0, seed=seed),
    "gravity-noise": lambda where, seed: traffic.gravity(where, total_gbps=100.0, noise=0.5,
                                                        seed=seed),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_seeded_and_normalised(name):
    make = GENERATORS[name]
    topo = star()
    a, b, c = make(topo, 7), make(topo, 7), make(topo, 8)
    assert np.array_equal(a.gbps, b.gbps)
    assert not np.array_equal(a.gbps, c.gbps)
    assert a.total_gbps == pytest.approx(100.0, rel=1e-12)
    assert a.nodes == topo.site_names
    assert np.all(np.diag(a.gbps) == 0)


@pytest.mark.parametrize(("by", "weights"), [
    ("population", [4e6, 1e6, 2e6, 3e6]),
    ("capacity", [600.0, 100.0, 200.0, 300.0]),
    ("degree", [3.0, 1.0, 1.0, 1.0]),
])
def test_gravity_proportions(by, weights):
    tm = traffic.gravity(star(), total_gbps=50.0, by=by)
    w = np.array(weights)
    expected = np.outer(w, w) * ~np.eye(4, dtype=bool)
    expected *= 50.0 / expected.sum()
    assert np.allclose(tm.gbps, expected, rtol=1e-12)


def test_gravity_by_population_needs_population(tri):
    with pytest.raises(ValidationError, match="site 'x': population"):
        traffic.gravity(tri, total_gbps=1.0, by="population")
    with pytest.raises(ValidationError, match="did you mean 'degree'"):
        traffic.gravity(tri, total_gbps=1.0, by="degre")


def test_permutation_and_all_to_all():
    names = [f"n{i}" for i in range(9)]
    tm = traffic.permutation(names, 10.0, seed=3)
    assert np.all((tm.gbps > 0).sum(axis=0) == 1) and np.all((tm.gbps > 0).sum(axis=1) == 1)
    assert tm.total_gbps == 90.0
    assert np.array_equal(tm.gbps, traffic.permutation(names, 10.0, seed=3).gbps)
    full = traffic.all_to_all(names, 2.0)
    assert full.n_demands == 72 and full.total_gbps == 144.0


def test_hotspot_share():
    names = [f"n{i}" for i in range(6)]
    tm = traffic.hotspot(names, 100.0, hotspots=["n2"], share=0.6, seed=1)
    into = tm.gbps[:, 2].sum()
    assert into >= 60.0 - 1e-9
    assert tm.total_gbps == pytest.approx(100.0)
    with pytest.raises(UnknownNameError, match="did you mean 'n2'"):
        traffic.hotspot(names, 1.0, hotspots=["N2x"])


# ---------------------------------------------------------------------------- readers


def test_read_hist(tmp_path):
    path = tmp_path / "tiny.hist"
    path.write_text("0 1e9 2e9 0\n0 3e9 4e9 0\n")
    tms = traffic.read_hist(path, ["a", "b"])
    assert len(tms) == 2
    assert tms[0].gbps.tolist() == [[0.0, 1.0], [2.0, 0.0]]
    one = traffic.read_hist(path, ["a", "b"], line=1, unit="Gb/s")
    assert one.gbps[0, 1] == 3e9
    path.write_text("0 1 2\n")
    with pytest.raises(FormatError, match="line 1.*expected 4 values"):
        traffic.read_hist(path, ["a", "b"])


def test_read_hist_geant(shared_data):
    from infranet.io import read

    topo = read(shared_data / "figret-geant" / "GEANT.json", capacity_unit="bit/s")
    tms = traffic.read_hist(shared_data / "figret-geant" / "train-5.hist", topo)
    assert len(tms) == 16
    assert tms[0].n_nodes == 22 and tms[0].nodes == tuple(str(i) for i in range(22))
    raw = np.array((shared_data / "figret-geant" / "train-5.hist").read_text()
                   .splitlines()[0].split(), dtype=float)
    assert tms[0].gbps[3, 5] == raw[3 * 22 + 5] * 1e-9


def test_read_csv_round_trip(tmp_path, tri):
    tm = traffic.uniform(tri, 30.0, seed=2)
    path = tmp_path / "tm.csv"
    tm.to_frame().to_csv(path, index=False)
    back = traffic.read_csv(path, tri)
    assert np.allclose(back.gbps, tm.gbps, rtol=1e-15)
    path.write_text("src,dst,gbps\nx,y,1\nx,y,2\ny,q,1\n")
    with pytest.raises(UnknownNameError, match="row 4: dst"):
        traffic.read_csv(path, tri)
    path.write_text("src,dst,rate\nx,y,1\n")
    with pytest.raises(FormatError, match="'gbps'"):
        traffic.read_csv(path)
    path.write_text("src,dst,gbps\nx,y,1\nx,y,2\n")
    assert traffic.read_csv(path).gbps.tolist() == [[0.0, 3.0], [0.0, 0.0]]


def test_from_topology_demands(tri):
    spec = tri.to_dict()
    spec["demands"] = [{"src": "x", "dst": "z", "gbps": 7.0}, {"src": "z", "dst": "y",
                                                               "gbps": 1.5}]
    tm = traffic.from_topology(Topology.from_dict(spec))
    assert tm.nodes == ("x", "y", "z")
    assert tm.gbps[0, 2] == 7.0 and tm.gbps[2, 1] == 1.5 and tm.total_gbps == 8.5


def test_from_topology_sndlib():
    from infranet.io import read

    topo = read("topohub:sndlib/abilene")
    tm = traffic.from_topology(topo)
    assert tm.total_gbps == pytest.approx(float(topo.demands["gbps"].sum()))
    assert tm.nodes == topo.site_names


# ---------------------------------------------------------------------------- flows


def test_flows_round_trip_with_a_matrix():
    tm = TrafficMatrix(("a", "b", "c"), [[0, 3, 0], [1, 0, 2], [0, 0, 0]], name="t")
    flows = tm.to_flows(group="job")
    assert flows.to_frame().to_dict("records") == [
        {"src": "a", "dst": "b", "demand_gbps": 3.0, "weight": 1.0, "group": "job"},
        {"src": "b", "dst": "a", "demand_gbps": 1.0, "weight": 1.0, "group": "job"},
        {"src": "b", "dst": "c", "demand_gbps": 2.0, "weight": 1.0, "group": "job"}]
    back = flows.to_matrix()
    assert back.nodes == tm.nodes and np.array_equal(back.gbps, tm.gbps)
    # repeated pairs add up in a matrix
    twice = traffic.Flows.from_pairs(["a", "a"], ["b", "b"], [1.0, 2.5])
    assert twice.to_matrix().gbps[0, 1] == 3.5


def test_flows_are_read_only_and_validated():
    flows = traffic.Flows.from_pairs(["x"], ["y"], [float("inf")], weight=[2.0])
    assert flows.elastic.tolist() == [True]
    with pytest.raises(ValueError):
        flows.demand_gbps[0] = 1.0
    with pytest.raises(ValidationError, match="elastic flow"):
        flows.to_matrix()
    with pytest.raises(ValidationError, match="flow 1: weight"):
        traffic.Flows.from_pairs(["x", "x"], ["y", "y"], [1, 1], weight=[1, 0])
    with pytest.raises(ValidationError, match="flow 0: demand_gbps"):
        traffic.Flows.from_pairs(["x"], ["y"], [-1])
    with pytest.raises(ValidationError, match="flow 0: dst"):
        traffic.Flows.from_pairs(["x"], ["x"], [1])
    with pytest.raises(UnknownNameError, match="did you mean 'yy'"):
        traffic.Flows.from_pairs(["x"], ["yz"], [1], nodes=["x", "yy"])
    with pytest.raises(ValidationError, match="expected 1 values of weight"):
        traffic.Flows.from_pairs(["x"], ["y"], [1], weight=[1, 2])


def test_flows_for_topology_and_frame(tri):
    frame = traffic.Flows.from_pairs(["z", "x"], ["x", "y"], [5, 6], group=["g", "h"]).to_frame()
    flows = traffic.Flows.from_frame(frame).for_topology(tri)
    assert flows.nodes == tri.site_names
    assert flows.src.tolist() == [2, 0] and flows.dst.tolist() == [0, 1]
    assert flows.groups == ("g", "h")
    with pytest.raises(UnknownNameError, match="not a node of 'triangle'"):
        traffic.Flows.from_pairs(["x"], ["q"], [1]).for_topology(tri)
    with pytest.raises(ValidationError, match="TrafficMatrix or Flows"):
        traffic.as_flows(tri, [[0, 1], [0, 0]])


def test_flows_between_fabric_nodes_never_make_a_matrix():
    from infranet.fabrics.expand import expand
    from infranet.fabrics.spec import cluster_topology

    topo = expand(cluster_topology("fat_tree", k=4))
    hosts = [n for n in topo.site_names if "/acc" in n]
    flows = traffic.Flows.from_pairs(hosts[:8], hosts[8:], [1.0] * 8, nodes=topo)
    assert len(flows.nodes) == topo.n_nodes and len(flows) == 8
    assert traffic.as_flows(topo, flows) is flows


def test_as_flows_of_a_matrix_is_row_major_over_the_topology_without_a_dense_matrix(tri):
    """A matrix over the sites in another order gives the flows that the dense conversion
    gives, in the same order, and names an unknown node as the dense one does."""
    tm = TrafficMatrix(("z", "x", "y"), [[0, 1, 2], [3, 0, 4], [5, 6, 0]])
    flows = traffic.as_flows(tri, tm)
    dense = tm.for_topology(tri).to_flows()
    assert flows.nodes == tri.site_names == dense.nodes
    assert flows.src.tolist() == dense.src.tolist() and flows.dst.tolist() == dense.dst.tolist()
    assert flows.demand_gbps.tolist() == dense.demand_gbps.tolist()
    with pytest.raises(UnknownNameError, match="traffic matrix node 'q' is not a site"):
        traffic.as_flows(tri, TrafficMatrix(("x", "q"), [[0, 1], [0, 0]]))


def test_messages_give_plain_numbers(tri):
    """No numpy reprs (np.float64(...)) in what a user reads."""
    cases = [
        lambda: TrafficMatrix(("x", "y"), [[0, -1.5], [0, 0]]),
        lambda: TrafficMatrix(("x", "y"), [[2.0, 0], [0, 0]]),
        lambda: traffic.Flows.from_pairs(["x"], ["y"], [-3.0]),
        lambda: traffic.Flows.from_pairs(["x"], ["y"], [3.0], weight=[0.0]),
        lambda: traffic.Flows(("x", "y"), np.array([0]), np.array([5]), [1.0]),
    ]
    for make in cases:
        with pytest.raises(ValidationError) as info:
            make()
        assert "np." not in str(info.value) and "\n" not in str(info.value), info.value
    with pytest.raises(ValidationError, match=r"got -1\.5"):
        cases[0]()


def test_csv_demands_that_add_up_past_the_largest_number_are_one_line(tmp_path, tri):
    import warnings

    path = tmp_path / "big.csv"
    path.write_text("src,dst,gbps\nx,y,1e308\nx,y,1e308\ny,z,1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning leaks before the error
        with pytest.raises(ValidationError) as info:
            traffic.read_csv(path, tri)
    text = str(info.value)
    assert "demand 'x' -> 'y'" in text and "row 2, row 3" in text and "np." not in text


def test_hist_values_past_the_largest_number_in_gbps_are_one_line(tmp_path):
    import warnings

    path = tmp_path / "tm.hist"
    path.write_text("0 1e307\n0 0\n".replace("\n0 0", " 0 0"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValidationError, match="line 1 value 2 .a -> b.*1e307 Tb/s"):
            traffic.read_hist(path, ["a", "b"], unit="Tb/s")


def test_gravity_by_capacity_needs_every_capacity_and_says_what_else():
    """The one capacity check of infranet (arcs.capacities), with gravity's way out."""
    topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
                               "links": [{"a": "x", "b": "y"}]}, source="t.yaml")
    with pytest.raises(ValidationError) as info:
        traffic.gravity(topo, total_gbps=1.0)
    text = str(info.value)
    assert text.startswith("t.yaml: link 'x--y': capacity: missing; a gravity matrix")
    assert "1 of 1 have none" in text and "by='degree'" in text
