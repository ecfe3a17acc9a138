import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infranet.algorithms.flow import max_flow, min_cut_between
from infranet.errors import ValidationError
from infranet.model import Topology


@st.composite
def capacitated(draw):
    n = draw(st.integers(2, 9))
    links = []
    for _ in range(draw(st.integers(1, 3 * n))):
        a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        link = {"a": f"n{a}", "b": f"n{b}", "length_km": 1,
                "capacity": draw(st.floats(0.5, 1000))}
        if draw(st.booleans()):
            link["capacity_ba"] = draw(st.floats(0.5, 1000))
        links.append(link)
    return Topology.from_dict({"name": "cap", "sites": [{"name": f"n{i}"} for i in range(n)],
                               "links": links})


@settings(max_examples=80, deadline=None)
@given(capacitated(), st.data())
def test_max_flow_equals_networkx_and_the_cut(topo, data):
    s, t = data.draw(st.lists(st.sampled_from(topo.site_names), min_size=2, max_size=2,
                              unique=True))
    result = max_flow(topo, s, t)
    g = nx.DiGraph()
    g.add_nodes_from(topo.site_names)
    for r in topo.links.itertuples():
        for u, v, c in ((r.a, r.b, r.capacity_gbps), (r.b, r.a, r.capacity_ba_gbps)):
            old = g.get_edge_data(u, v, {"capacity": 0.0})["capacity"]
            g.add_edge(u, v, capacity=old + c)
    assert result.value_gbps == pytest.approx(nx.maximum_flow_value(g, s, t), rel=1e-9)
    # max-flow = min-cut: the capacity of the returned cut, source side to target side
    side = set(result.source_side)
    assert s in side and t not in side
    links = topo.links.set_index("name")
    cut_capacity = 0.0
    for name in result.cut:
        row = links.loc[name]
        cut_capacity += row.capacity_gbps if row.a in side else row.capacity_ba_gbps
    assert cut_capacity == pytest.approx(result.value_gbps, rel=1e-9)


def test_min_cut_between_sites(tri):
    cut = min_cut_between(tri, tri.site_names)
    assert cut.value_gbps == 800.0


def test_missing_capacity_is_an_error():
    topo = Topology.from_dict({"name": "t", "sites": [{"name": "x"}, {"name": "y"}],
                               "links": [{"a": "x", "b": "y", "length_km": 1}]},
                              source="t.yaml")
    with pytest.raises(ValidationError,
                       match="t.yaml: link 'x--y': capacity: missing; a maximum flow needs"):
        max_flow(topo, "x", "y")


def test_maxflow_cli_json_contract(tmp_path):
    import json

    from click.testing import CliRunner

    from infranet.cli import main

    path = tmp_path / "tri.yaml"
    path.write_text("name: tri\nsites: [{name: x}, {name: y}, {name: z}]\nlinks:\n"
                    "  - {a: x, b: y, capacity: 400, length_km: 10}\n"
                    "  - {a: y, b: z, capacity: 100, length_km: 10}\n"
                    "  - {a: x, b: z, capacity: 50, length_km: 10}\n")
    result = CliRunner().invoke(main, ["maxflow", str(path), "--from", "x", "--to", "z",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["value_gbps"] == 150.0 and data["cut"] == ["x--z", "y--z"]
    bad = CliRunner().invoke(main, ["maxflow", str(path), "--from", "x", "--to", "q"])
    assert bad.exit_code == 1 and "unknown site 'q'" in bad.stderr


def test_max_flow_names_its_cut_as_binding():
    from infranet.results import check_result

    topo = Topology.from_dict({"name": "t", "sites": [{"name": n} for n in "xyz"],
                               "links": [{"a": "x", "b": "y", "capacity": 400},
                                         {"a": "y", "b": "z", "capacity": 100}]})
    out = check_result(max_flow(topo, "x", "z"), headline=("value_gbps",))
    assert out["binding"]["kind"] == "link" and out["binding"]["name"] == "y--z"


def test_the_cut_of_a_flow_with_round_off_holds_what_the_flow_carries():
    """A saturated arc left with 1e-13 Gb/s of round-off must not count as room: networkx's
    own cut of this network holds 972.49 Gb/s beside a flow of 749.14."""
    links = [{"a": "n3", "b": "n1", "capacity": 0.5, "capacity_ba": 708.709867237152},
             {"a": "n1", "b": "n0", "capacity": 163.2764090677603,
              "capacity_ba": 498.6867191610959},
             {"a": "n3", "b": "n1", "capacity": 100.0},
             {"a": "n3", "b": "n6", "capacity": 0.5, "capacity_ba": 542.7024744465053},
             {"a": "n6", "b": "n0", "capacity": 896.0778012238798,
              "capacity_ba": 748.6363529369766},
             {"a": "n1", "b": "n0", "capacity": 0.5, "capacity_ba": 20.215333064285222},
             {"a": "n0", "b": "n3", "capacity": 1000.0}]
    for link in links:
        link["length_km"] = 1
    topo = Topology.from_dict({"name": "roundoff", "sites": [{"name": f"n{i}"}
                                                             for i in range(7)],
                               "links": links})
    result = max_flow(topo, "n1", "n6")
    # n0 -> n6 (748.636...) and n3 -> n6 (0.5) are the cut, by hand
    assert result.value_gbps == pytest.approx(748.6363529369766 + 0.5, rel=1e-12)
    assert result.cut == ("n3--n6", "n6--n0")
    assert result.source_side == ("n0", "n1", "n3")
