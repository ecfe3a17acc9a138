"""Fabric designs: one registry, and for every design the closed form agrees with the explicit
graph on bisection and latency. Regressions of what an independent recomputation found."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from infranet.cli import main
from infranet.errors import UnknownNameError, ValidationError
from infranet.fabrics import bisection, designs, distance, generators
from infranet.fabrics.designs.jellyfish import moore_diameter
from infranet.fabrics.expand import expand
from infranet.fabrics.graph import SCALE_UP
from infranet.fabrics.spec import build, cluster_topology, plan, summary
from infranet.model import Topology, schema
from infranet.results import check_result

DESIGNS = designs.designs()


def _cluster(design: designs.Design, accelerator: str = "H100") -> dict:
    return {"name": design.name.replace("_", "-"), "accelerator": accelerator,
            **{key: value for key, value in design.example.items()}}


# ---------------------------------------------------------------------------------------------
# one registry


def test_the_schema_and_the_cli_offer_the_registered_designs():
    kinds = designs.names()
    assert kinds == tuple(DESIGNS)
    assert schema.scale_out_table()[0].choices == kinds
    refused = CliRunner().invoke(main, ["fabric", "generate", "ring", "-o", "x.yaml"])
    assert refused.exit_code == 2
    assert all(f"'{kind}'" in refused.output for kind in kinds)
    # every design is a generator of that kind
    assert {k for k in generators.GENERATORS if k != "nvswitch"} == set(kinds)


def test_generate_offers_every_option_of_every_design_and_every_accelerator():
    """The options of `fabric generate` come from the registry and the catalogue, when the
    command is used; `infranet --help` imports neither (no numpy)."""
    import subprocess
    import sys

    from infranet import physics

    text = " ".join(CliRunner().invoke(main, ["fabric", "generate", "--help"]).stdout.split())
    for design in DESIGNS.values():
        for option in (*design.options, *(o for o in designs.COMMON_OPTIONS
                                           if o.name in design.reads)):
            flag = f"--{option.name.replace('_', '-')}"
            assert flag in text, (design.name, flag)
            assert " ".join(option.description.split())[:40] in text, (design.name, flag)
    assert ", ".join(physics.accelerators()) in text
    assert "RATE is Gb/s, or a number with a unit" in text  # --nic says its unit
    assert "Default: none" in text  # --dci says its default
    code = ("import sys\nfrom infranet.cli import main\ntry:\n    main(['--help'], "
            "standalone_mode=False)\nexcept SystemExit:\n    pass\n"
            "print('numpy' in sys.modules, 'infranet.fabrics' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split()[-2:] == ["False", "False"]


def test_report_says_what_each_table_is():
    text = " ".join(CliRunner().invoke(main, ["fabric", "report", "--help"]).stdout.split())
    for table in ("clusters:", "tiers:", "summary_tiers:"):
        assert table in text


def test_every_option_of_every_design_is_in_the_format_reference():
    reference = schema.reference_markdown()
    for design in DESIGNS.values():
        for option in design.options:
            assert f"| `{option.name}` |" in reference, (design.name, option.name)


def test_unknown_design_suggests_the_closest():
    with pytest.raises(UnknownNameError, match="did you mean 'fat_tree'"):
        designs.get("fat-tree")


def test_a_new_design_is_one_registered_class():
    @designs.register
    class Line(designs.Design):
        """Accelerators on one switch each, switches in a line (a toy)."""

        name = "doc_line"
        summary = "a line of switches"
        generator = staticmethod(lambda count, link_gbps: generators.leaf_spine(
            count, radix=count + 1, link_gbps=link_gbps))

        def generator_options(self, plan):
            return {"count": plan.count, "link_gbps": plan.nic_gbps}

        def shape(self, plan):
            return designs.Shape(links_by_gbps={plan.nic_gbps: plan.count})

    try:
        spec = {"name": "t", "sites": [{"name": "dc", "kind": "datacenter", "clusters": [
            {"accelerator": "H100", "count": 4, "scale_out": {"kind": "doc_line"}}]}]}
        topo = Topology.from_dict(spec)
        assert build(topo.site("dc")["clusters"][0]).n_accelerators == 4
        bad = {**spec, "sites": [dict(spec["sites"][0], clusters=[
            {"accelerator": "H100", "count": 4, "scale_out": {"kind": "doc_line", "k": 4}}])]}
        with pytest.raises(ValidationError, match="k: the doc_line design does not read it"):
            Topology.from_dict(bad)
    finally:
        designs.base._REGISTRY.pop("doc_line")


def test_keys_a_design_does_not_read_are_errors():
    spec = {"name": "t", "sites": [{"name": "dc", "kind": "datacenter", "clusters": [
        {"accelerator": "H100", "count": 128,
         "scale_out": {"kind": "fat_tree", "k": 8, "oversubscription": 2}}]}]}
    with pytest.raises(ValidationError, match="oversubscription: the fat_tree design does not "
                                              "read it; it reads k, nic, radix"):
        Topology.from_dict(spec)


# ---------------------------------------------------------------------------------------------
# every design: the closed form and the explicit graph agree


@pytest.mark.parametrize("name", DESIGNS)
def test_closed_form_and_graph_count_the_same_accelerators_per_tier(name):
    """``accelerators`` means the same in both tier tables (all that the tier joins), so the
    two can be read side by side; the size of a scale-up domain is its own column."""
    from infranet.fabrics.tiers import tier_summary

    cluster = _cluster(DESIGNS[name])
    closed = {row["tier"]: row for row in summary(cluster).tiers}
    graph = {row["tier"]: row for row in tier_summary(build(cluster))}
    for tier in closed.keys() & graph.keys():
        assert closed[tier]["accelerators"] == graph[tier]["accelerators"], tier
    if "scale_up" in closed:
        assert closed["scale_up"]["domain"] == plan(cluster).domain


@pytest.mark.parametrize("name", DESIGNS)
def test_closed_form_and_graph_agree_on_bisection(name):
    """As the closed form's bound says. Exact (the natural split is the design's bisection for
    these parameters): the same cut of the same split, to the kb/s per link the minimum-cut
    solver counts in (1e-8 relative at these sizes). "upper" (a dragonfly of an odd number of
    groups): the graph's natural split cuts exactly that, and the graph's bisection is at most
    it. "lower" (Jellyfish, the published lower bound of random regular graphs: Bollobás, as in
    Singla et al. 2012): below the best balanced cut a partitioner finds, itself at most the
    natural split's cut. The sweep of tests/fabrics/test_agreement.py checks more parameters."""
    design = DESIGNS[name]
    cluster = _cluster(design)
    closed = summary(cluster)
    cut = bisection.bisection(build(cluster))
    check_result(closed, headline=("bisection_gbps", "diameter_hops", "diameter_us"))
    check_result(cut, headline=("bisection_gbps",))
    exact = design.natural_split_is_bisection(plan(cluster))
    assert exact == (closed.bisection_bound == "")
    if exact:
        assert cut.bound == ""
        assert closed.bisection_gbps == pytest.approx(cut.bisection_gbps, rel=1e-8)
        assert closed.binding.kind == "tier"
    elif closed.bisection_bound == "upper":
        assert cut.bound == "upper"
        assert cut.natural_split_gbps == pytest.approx(closed.bisection_gbps, rel=1e-8)
        assert cut.bisection_gbps <= closed.bisection_gbps * (1 + 1e-9)
    else:
        assert closed.bisection_bound == "lower" and cut.bound == "upper"
        assert closed.bisection_gbps <= cut.bisection_gbps <= cut.natural_split_gbps


@pytest.mark.parametrize("name", DESIGNS)
def test_closed_form_and_graph_agree_on_latency(name):
    """The diameter in links and in µs: the same hop and cable figures (the catalogue's) in the
    closed form, the graph's measures and the expanded Topology, so equal to 1e-9. The graph's
    diameter searches from every accelerator (the examples are below the sampling threshold of
    hop_stats); networkx searches the expanded Topology from every k-th accelerator (at most
    about 64 sources) to every other. Jellyfish: the Moore
    bound is a lower bound, and random regular graphs come within two hops of it at these sizes
    (Bollobás and Fernandez de la Vega 1982)."""
    design = DESIGNS[name]
    cluster = _cluster(design)
    closed = summary(cluster)
    fabric = build(cluster)
    hops = distance.hop_stats(fabric)
    assert hops.exact
    if design.name == "jellyfish":
        assert closed.diameter_bound == "lower"
        assert closed.diameter_hops <= hops.diameter_hops <= closed.diameter_hops + 2
        return
    assert closed.diameter_hops == hops.diameter_hops
    assert closed.diameter_us == pytest.approx(hops.diameter_us, rel=1e-9)
    # the expanded Topology, by networkx without the site (the DCI gateway): paths may cross
    # accelerators there, as the graph's paths do when told accelerators forward
    topo = cluster_topology(design.name, count=cluster["count"],
                            scale_up=cluster.get("scale_up"),
                            **{k: v for k, v in cluster["scale_out"].items() if k != "kind"})
    graph = nx.Graph(expand(topo).to_networkx())
    graph.remove_node("dc")
    accelerators = [n for n, kind in graph.nodes(data="kind") if kind == "accelerator"]
    worst_ms = 0.0
    for a in accelerators[:: max(1, len(accelerators) // 64)]:  # sources; every target
        lengths = nx.single_source_dijkstra_path_length(graph, a, weight="latency_ms")
        worst_ms = max(worst_ms, max(lengths[b] for b in accelerators))
    forwarding = distance.hop_stats(fabric, accelerators_forward=True)
    assert worst_ms * 1000 == pytest.approx(forwarding.diameter_us, rel=1e-9)


def test_moore_bound():
    assert [moore_diameter(n, 3) for n in (4, 10, 11, 22, 46)] == [1, 2, 3, 3, 4]


# ---------------------------------------------------------------------------------------------
# regressions


def test_rail_optimized_builds_the_oversubscription_it_reports(tmp_path):
    """1,024 H100 at 2:1: 102.4 Tb/s, not the non-blocking 204.8 Tb/s."""
    path = tmp_path / "rail.yaml"
    runner = CliRunner()
    made = runner.invoke(main, ["fabric", "generate", "rail_optimized", "--count", "1024",
                                "--scale-up", "nvswitch:8", "--oversubscription", "2", "-o",
                                str(path)])
    assert made.exit_code == 0, made.output
    out = runner.invoke(main, ["fabric", "report", str(path), "--format", "json"])
    assert out.exit_code == 0, out.output
    cluster = json.loads(out.stdout)["clusters"][0]
    assert cluster["bisection_gbps"] == cluster["bisection_closed_form_gbps"] == 102_400
    assert cluster["params"]["spine_oversubscription"] == 2
    assert cluster["binding"]["name"] == "spine"
    spine = next(row for row in cluster["summary_tiers"] if row["tier"] == "spine")
    assert spine["gbps_per_accelerator"] == 200 and spine["oversubscription_below"] == 2


def test_leaf_spine_closed_form_counts_unevenly_filled_leaves():
    """1,000 hosts at 3:1 fill 20 leaves of 48 and one of 40: the cut between the halves is
    72 Tb/s (64 over the spines, 8 inside the split leaf), not hosts/2 x 400/3 = 66.7."""
    fabric = generators.leaf_spine(1000, oversubscription=3.0)
    assert bisection.bisection_closed_form(fabric) == 72_000
    assert bisection.bisection_gbps(fabric) == 72_000
    closed = summary({"accelerator": "H100", "count": 1000,
                      "scale_out": {"kind": "leaf_spine", "oversubscription": 3}})
    assert closed.bisection_gbps == 72_000 and closed.binding.name == "spine"


def test_scale_out_torus_shares_the_nic_over_its_links():
    """`nic` is per accelerator in every design: a 4x4x4 torus at 400G gives each chip 400 Gb/s
    over its six links, not 400 Gb/s on each; and its links are scale-out links."""
    cluster = {"accelerator": "H100", "count": 64,
               "scale_out": {"kind": "torus", "dims": [4, 4, 4], "nic": 400.0}}
    fabric = build(cluster)
    per_chip = np.bincount(np.concatenate([fabric.link_u, fabric.link_v]),
                           weights=np.concatenate([fabric.link_gbps] * 2))
    assert np.allclose(per_chip, 400.0)
    assert summary(cluster).bisection_gbps == pytest.approx(2 * 16 * 400 / 6)
    assert bisection.bisection_gbps(fabric) == pytest.approx(2 * 16 * 400 / 6, rel=1e-8)
    # its links are the scale-out fabric: kept when scale-up links are left out, and so labelled
    # in the expanded Topology
    assert bisection.bisection_gbps(fabric, include_scale_up=False) == pytest.approx(
        2 * 16 * 400 / 6, rel=1e-8)
    topo = cluster_topology("torus", dims=[4, 4, 4], nic=400.0)
    kinds = set(expand(topo).links["kind"])
    assert kinds == {"scale_out"}


def test_a_lone_nvl72_rack_has_a_closed_form():
    cluster = {"accelerator": "GB200", "count": 72, "scale_up": {"kind": "nvswitch"}}
    closed = summary(cluster)
    fabric = build(cluster)
    assert closed.bisection_gbps == bisection.bisection_gbps(fabric) == 36 * 7_200  # 259.2 Tb/s
    assert bisection.bisection_closed_form(fabric) == 259_200
    assert closed.binding.name == "scale_up" and closed.diameter_hops == 2


def test_domains_without_scale_out_are_not_joined():
    closed = summary({"accelerator": "GB200", "count": 144, "scale_up": {"kind": "nvswitch"}})
    assert closed.bisection_gbps == 0 and closed.diameter_hops is None
    assert "no scale-out fabric joins the 2 scale-up domains" in closed.notes[-1]


def test_gb200_parameters_come_from_the_accelerator_and_racks_size_the_scalable_unit():
    cluster = {"accelerator": "GB200", "count": 36_864, "scale_up": {"kind": "nvswitch"},
               "scale_out": {"kind": "rail_optimized", "nic": 800.0, "radix": 144}}
    fabric = build(cluster)
    assert fabric.params["gpus_per_server"] == 72 and fabric.params["scale_up_gbps"] == 7_200
    assert fabric.params["servers_per_su"] == 72  # radix/2 racks per scalable unit
    # one rail per GPU of the rack: 8 scalable units of 72 leaves, half the 1,152 leaves of
    # 8-GPU servers in units of 32
    assert fabric.switches_per_tier == {0: 512, 1: 576, 2: 576, 3: 288}
    assert summary(cluster).switches_per_tier == {"scale_up": 512, "leaf": 576, "spine": 576,
                                                  "core": 288}
    up = fabric.link_kind == SCALE_UP
    assert np.all(fabric.link_gbps[up] == 7_200)


def test_a_rail_design_that_cannot_hold_its_racks_is_refused():
    spec = {"name": "t", "sites": [{"name": "dc", "kind": "datacenter", "clusters": [
        {"accelerator": "GB200", "count": 4608, "scale_up": {"kind": "nvswitch"},
         "scale_out": {"kind": "rail_optimized", "radix": 64}}]}]}
    with pytest.raises(ValidationError, match="72 rails do not fit under spines of radix 64"):
        Topology.from_dict(spec)
