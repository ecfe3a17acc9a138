"""Cluster specs: validation, the explicit graph and the closed-form summary agree."""

import re

import numpy as np
import pytest

from infranet.algorithms.latency import latency_matrix, shortest_path
from infranet.errors import ValidationError
from infranet.fabrics.expand import expand
from infranet.fabrics.graph import ACCELERATOR, SCALE_OUT, SCALE_UP, SWITCH
from infranet.fabrics.spec import build, cluster_topology, summary
from infranet.model import Topology

CLUSTERS = {
    "h100-rail": {"name": "su", "accelerator": "H100", "count": 1024,
                  "scale_up": {"kind": "nvswitch", "domain": 8},
                  "scale_out": {"kind": "rail_optimized", "nic": 400.0}},
    "gb200-nvl72": {"name": "nvl", "accelerator": "GB200", "count": 4608,
                    "scale_up": {"kind": "nvswitch", "domain": 72},
                    "scale_out": {"kind": "rail_optimized", "nic": 800.0, "radix": 144}},
    "fat-tree": {"name": "ft", "accelerator": "H100", "count": 128,
                 "scale_out": {"kind": "fat_tree", "k": 8, "nic": 400.0}},
    "leaf-spine-3to1": {"name": "ls", "accelerator": "H100", "count": 96,
                        "scale_up": {"kind": "nvswitch", "domain": 8},
                        "scale_out": {"kind": "leaf_spine", "radix": 16,
                                      "oversubscription": 3.0, "nic": 400.0}},
    "tpu-torus": {"name": "pod", "accelerator": "TPUv5p", "count": 64,
                  "scale_up": {"kind": "torus", "dims": [4, 4, 4]}},
}


def _tier_of_links(fabric, lower, upper):
    tier = fabric.node_tier
    u, v = fabric.link_u, fabric.link_v
    lo, hi = np.minimum(tier[u], tier[v]), np.maximum(tier[u], tier[v])
    return (fabric.link_kind == SCALE_OUT) & (lo == lower) & (hi == upper)


@pytest.mark.parametrize("name", CLUSTERS)
def test_summary_agrees_with_the_graph(name):
    cluster = CLUSTERS[name]
    fabric = build(cluster)
    rows = {row["tier"]: row for row in summary(cluster).tiers}
    assert fabric.n_accelerators == cluster["count"]
    n = cluster["count"]
    if "scale_up" in cluster:
        up = fabric.link_kind == SCALE_UP
        per_acc = np.bincount(np.concatenate([fabric.link_u[up], fabric.link_v[up]]),
                              weights=np.concatenate([fabric.link_gbps[up]] * 2),
                              minlength=fabric.n_nodes)[:n]
        # every accelerator gets the summary's scale-up bandwidth, in one link or over the torus
        assert np.allclose(per_acc, rows["scale_up"]["gbps_per_accelerator"])
    if "leaf" in rows:
        host = _tier_of_links(fabric, -1, 1)
        assert fabric.link_gbps[host].sum() / n == pytest.approx(
            rows["leaf"]["gbps_per_accelerator"])
    if "spine" in rows:
        up = _tier_of_links(fabric, 1, 2)
        # what each accelerator can push through the spines: capped by its own link (a partly
        # filled scalable unit has more uplinks than accelerators)
        assert min(fabric.link_gbps[up].sum() / n, rows["leaf"]["gbps_per_accelerator"]) == \
            pytest.approx(rows["spine"]["gbps_per_accelerator"])


def test_nvl72_domains_replace_the_servers():
    fabric = build(CLUSTERS["gb200-nvl72"])
    nvswitches = (fabric.node_kind == SWITCH) & (fabric.node_tier == 0)
    assert nvswitches.sum() == 4608 // 72
    up = fabric.link_kind == SCALE_UP
    assert np.all(fabric.link_gbps[up] == 7200.0)  # 900 GB/s per direction


def test_expansion_is_attached_and_routable():
    topo = cluster_topology("fat_tree", k=4, location=(-99.77, 32.50), dci_gbps=1600.0)
    big = expand(topo)
    assert big.expanded and not topo.expanded
    assert big.n_sites == 1 and big.n_nodes == 1 + 16 + 20
    d = latency_matrix(big)
    assert np.isfinite(d.to_numpy()).all()
    path = shortest_path(big, "dc/fat-tree/acc0", "dc/fat-tree/acc15")
    assert path.hops == 6  # host-edge-agg-core-agg-edge-host
    # five switches at 0.25 µs and six 10 m cables of fibre (the catalogue's figures)
    assert path.one_way_ms == pytest.approx((5 * 0.25 + 6 * 10 * 4.8974e-3) / 1000)
    gateway = big.links[big.links["b"].str.contains("core") & (big.links["a"] == "dc")]
    assert len(gateway) == 4 and gateway["capacity_gbps"].sum() == pytest.approx(1600.0)
    assert big.to_dict() == topo.to_dict()


def test_expanded_nodes_are_not_spec_sites():
    big = expand(cluster_topology("fat_tree", k=4))
    with pytest.raises(ValidationError, match="sites of an expanded topology"):
        big.without_sites("dc/fat-tree/acc0")


@pytest.mark.parametrize(("cluster", "message"), [
    ({"accelerator": "GB200", "count": 1000, "scale_up": {"kind": "nvswitch", "domain": 72}},
     "do not fill whole scale-up domains of 72"),
    ({"accelerator": "H100", "count": 5000, "scale_out": {"kind": "leaf_spine", "radix": 64}},
     "radix 64 is too small for a 2-tier leaf-spine"),
    ({"accelerator": "H100", "count": 100, "scale_out": {"kind": "fat_tree", "k": 8}},
     "a k=8 fat-tree holds exactly 128"),
    ({"accelerator": "TPUv5p", "count": 100, "scale_up": {"kind": "torus", "dims": [4, 4, 4]}},
     "do not fill whole tori"),
    ({"accelerator": "H100", "count": 64, "scale_out": {"kind": "dragonfly", "a": 4}},
     "a dragonfly needs p, h"),
    ({"accelerator": "H100", "count": 64, "scale_out": {"kind": "fat-tree"}},
     "did you mean 'fat_tree'"),
])
def test_cluster_spec_errors(cluster, message):
    spec = {"name": "t", "sites": [{"name": "dc", "kind": "datacenter", "clusters": [cluster]}]}
    with pytest.raises(ValidationError, match=message):
        Topology.from_dict(spec, source="t.yaml")


@pytest.mark.parametrize("kind,options", [
    ("fat_tree", {"k": 4}), ("dragonfly", {"a": 2, "p": 2, "h": 1}),
    ("jellyfish", {"switches": 8, "ports": 6, "hosts_per_switch": 2, "seed": 3}),
    ("torus", {"dims": [3, 3]}), ("leaf_spine", {"radix": 8}), ("rail_optimized", {}),
])
def test_every_kind_builds_and_every_accelerator_reaches_the_gateway(kind, options):
    count = {"leaf_spine": 32, "rail_optimized": 256}.get(kind)
    topo = cluster_topology(kind, count=count, **options)
    big = expand(topo)
    d = latency_matrix(big, nodes=["dc"]).to_numpy()
    assert np.isfinite(d).all()
    accelerators = big.sites["kind"] == "accelerator"
    assert accelerators.sum() == topo.site("dc")["clusters"][0]["count"]
    fabric = build(topo.site("dc")["clusters"][0])
    assert (fabric.node_kind == ACCELERATOR).sum() == accelerators.sum()


@pytest.mark.parametrize("name", CLUSTERS)
def test_closed_form_summary_equals_the_analytics_of_the_expanded_graph(name):
    from infranet.fabrics.tiers import tier_summary

    cluster = CLUSTERS[name]
    computed = {row["tier"]: row for row in tier_summary(build(cluster))}
    if "direct" in computed:  # a torus has no switch tiers: its links are the scale-up tier
        computed["scale_up"] = computed.pop("direct")
    for row in summary(cluster).tiers:
        if row["tier"] == "dci":
            continue
        other = computed[row["tier"]]
        assert other["gbps_per_accelerator"] == pytest.approx(row["gbps_per_accelerator"])
        assert other["oversubscription_below"] == pytest.approx(row["oversubscription_below"])
        assert other["hop_us"] == pytest.approx(row["hop_us"])


def test_fabric_report_keys_and_cli(tmp_path):
    import json

    from click.testing import CliRunner

    from infranet.cli import main

    path = tmp_path / "ft.yaml"
    runner = CliRunner()
    made = runner.invoke(main, ["fabric", "generate", "fat_tree", "--k", "8", "-o", str(path)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, ["fabric", "report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("accelerators", "switches", "links", "bisection_gbps", "diameter_hops",
                "power_kw", "tiers"):
        assert key in data
    assert (data["accelerators"], data["switches"], data["links"]) == (128, 80, 384)
    assert data["bisection_gbps"] == 128 * 400 / 2
    assert data["diameter_hops"] == 6
    table = runner.invoke(main, ["fabric", "report", str(path)])
    assert table.exit_code == 0 and "bisection_gbps" in table.stdout


@pytest.mark.parametrize("args", [
    ["fat_tree", "--k", "8"], ["leaf_spine", "--count", "64", "--radix", "16",
                              "--oversubscription", "3"],
    ["rail_optimized", "--count", "512", "--scale-up", "nvswitch:8"],
    ["dragonfly", "--a", "4", "--p", "2", "--h", "2"],
    ["jellyfish", "--switches", "16", "--ports", "8", "--hosts-per-switch", "4", "--seed", "7"],
    ["torus", "--dims", "4x4x4"],
    ["none", "--count", "64", "--scale-up", "torus:4x4x4", "--accelerator", "TPUv5p"],
])
def test_generate_and_report_every_kind(tmp_path, args):
    import json

    from click.testing import CliRunner

    from infranet.cli import main

    path = tmp_path / "f.yaml"
    runner = CliRunner()
    made = runner.invoke(main, ["fabric", "generate", *args, "-o", str(path)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, ["fabric", "report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["accelerators"] > 0 and data["bisection_gbps"] > 0


@pytest.mark.parametrize(("args", "message"), [
    (["fat_tree", "--k", "7"], "k"),
    (["leaf_spine", "--count", "5000", "--radix", "64"], "too small"),
    (["rail_optimized", "--count", "100", "--scale-up", "nvswitch:72"], "whole scale-up domains"),
    (["dragonfly", "--a", "4"], "dragonfly needs"),
    (["fat_tree", "--k", "4", "--accelerator", "H1OO"], "did you mean 'H100'"),
])
def test_generate_rejects_bad_designs_in_one_line(tmp_path, args, message):
    from click.testing import CliRunner

    from infranet.cli import main

    out = tmp_path / "f.yaml"
    result = CliRunner().invoke(main, ["fabric", "generate", *args, "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert not out.exists()


def test_users_own_catalogue_entries(tmp_path):
    import json

    from click.testing import CliRunner

    from infranet.cli import main

    path = tmp_path / "own.yaml"
    path.write_text("""
name: own-chip
catalogue:
  accelerators:
    - {name: MyChip, source: "vendor sheet, 2026", power_w: 500, nic_gbps: 200,
       scale_up_gbytes_per_s: 100, scale_up_domain: 4}
sites:
  - name: lab
    kind: datacenter
    clusters:
      - {name: c, accelerator: MyChip, count: 16, scale_up: {kind: nvswitch},
         scale_out: {kind: fat_tree, k: 4}}
""")
    topo = Topology.from_dict(__import__("yaml").safe_load(path.read_text()))
    assert topo.accelerators()["MyChip"].nic_gbps == 200
    fabric = build(topo.site("lab")["clusters"][0], topo.accelerators())
    assert (fabric.node_tier == 0).sum() == 4  # domains of 4 from the file's own row
    result = CliRunner().invoke(main, ["fabric", "report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # no system figure for the file's own chip: its power is unknown, not 0, nor its chip power
    assert data["clusters"][0]["power_kw_by_part"]["accelerators"] is None
    assert not data["clusters"][0]["power_complete"]
    bad = path.read_text().replace("accelerator: MyChip", "accelerator: MyChp")
    path.write_text(bad)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "did you mean 'MyChip'" in result.stdout


def _one_cluster(cluster: dict, power_mw: float | None = None) -> dict:
    site = {"name": "a", "kind": "datacenter", "clusters": [cluster]}
    if power_mw is not None:
        site["power_mw"] = power_mw
    return {"name": "t", "sites": [site]}


@pytest.mark.parametrize(("cluster", "field", "message"), [
    ({"count": 128, "scale_out": {"kind": "fat_tree"}}, "count",
     "a k=64 fat-tree holds exactly 65,536 accelerators, not 128"),
    ({"count": 1024, "scale_out": {"kind": "leaf_spine", "radix": 16}}, "scale_out",
     "radix 16 is too small"),
    ({"count": 3, "scale_out": {"kind": "jellyfish", "switches": 3, "ports": 8,
                                "hosts_per_switch": 1}}, "scale_out",
     "ports: switch degree ports - hosts_per_switch = 7 must be below switches (3)"),
    ({"count": 64, "scale_out": {"kind": "fat_tree", "k": 8, "radix": 4}}, "scale_out",
     "k (8) and radix (4) disagree"),
    ({"count": 64, "scale_up": {"kind": "nvswitch", "domain": 12}}, "count",
     "do not fill whole scale-up domains of 12"),
])
def test_plan_build_and_summary_run_the_capacity_rules(cluster, field, message):
    """The closed form and the graph of a spec given in Python are held to the same rules as
    a file: no 13.1 Pb/s summary of a 128-accelerator 'fat-tree', no 65,536-accelerator graph."""
    from infranet.fabrics.spec import plan

    cluster = {"name": "x", "accelerator": "H100", **cluster}
    for make in (plan, build, summary):
        with pytest.raises(ValidationError) as error:
            make(cluster)
        assert str(error.value).startswith(f"cluster 'x': {field}: ")
        assert message in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ValidationError, match=re.escape(message)):
        Topology.from_dict(_one_cluster(cluster))


@pytest.mark.parametrize(("cluster", "field"), [
    ({"count": 1024, "scale_up": {"kind": "nvswitch", "domain": 8},
      "scale_out": {"kind": "rail_optimized", "oversubscription": 1e308}},
     "scale_out: oversubscription"),
    ({"count": 64, "scale_out": {"kind": "leaf_spine", "oversubscription": 1e308}},
     "scale_out: oversubscription"),
    ({"count": 64, "scale_out": {"kind": "leaf_spine", "radix": 1e308}}, "scale_out: radix"),
    ({"count": 64, "scale_out": {"kind": "leaf_spine", "radix": 10**400}}, "scale_out: radix"),
    ({"count": 64, "scale_up": {"kind": "nvswitch", "domain": 8, "bandwidth": 1e308},
      "scale_out": {"kind": "leaf_spine"}}, "scale_up: bandwidth"),
    ({"count": 64, "scale_out": {"kind": "leaf_spine", "nic": 1e308}}, "scale_out: nic"),
    ({"count": 64, "scale_up": {"kind": "nvswitch", "domain": 1e308}}, "scale_up: domain"),
    ({"count": 64, "scale_up": {"kind": "torus", "dims": [4, 4, 10**300]}}, "scale_up: dims"),
    ({"count": 10**30, "scale_out": {"kind": "leaf_spine"}}, "count"),
    ({"count": 64, "dci": 1e308}, "dci"),
])
def test_huge_numbers_are_one_line_errors(cluster, field, tmp_path):
    """Each was a traceback (ZeroDivisionError, OverflowError), a wrong error, an exit 0 with
    'inf' and 'nan', or a 309-digit number: now one line naming the file, the cluster and the
    field, with the bound and its reason."""
    import yaml
    from click.testing import CliRunner

    from infranet.cli import main

    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(_one_cluster({"accelerator": "H100", **cluster})))
    for command in (["validate", str(path)], ["fabric", "report", str(path)],
                    ["fabric", "report", str(path), "--closed-form"], ["show", str(path)]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, (command, result.output)
        (line,) = (result.stdout if command[0] == "validate" else result.stderr).splitlines()
        assert f"{path}: site 'a' clusters[0]" in line and f"{field}: must be <=" in line
        assert len(line) < 500 and "inf" not in line.split("got")[0]


def test_generate_refuses_huge_numbers_before_writing(tmp_path):
    from click.testing import CliRunner

    from infranet.cli import main

    for args in (["leaf_spine", "--count", "64", "--oversubscription", "1e308"],
                 ["leaf_spine", "--count", "64", "--radix", "1000000"],
                 ["rail_optimized", "--count", "1024", "--nic", "1e308"]):
        out = tmp_path / "f.yaml"
        result = CliRunner().invoke(main, ["fabric", "generate", *args, "-o", str(out)])
        assert result.exit_code == 1, result.output
        (line,) = result.stderr.splitlines()
        assert "must be <=" in line and not out.exists()


@pytest.mark.parametrize("args", [
    ["jellyfish", "--switches", "3", "--ports", "8", "--hosts-per-switch", "1"],
    ["jellyfish", "--switches", "5", "--ports", "4", "--hosts-per-switch", "1"],
    ["fat_tree", "--k", "8", "--radix", "4"],
])
def test_impossible_designs_are_refused_by_generate_validate_and_report(args, tmp_path):
    """generate wrote these, validate said ok and report failed (or counted 13 links among 3
    switches): now generate writes nothing, and a file holding one is invalid."""
    import yaml
    from click.testing import CliRunner

    from infranet.cli import main

    out = tmp_path / "f.yaml"
    made = CliRunner().invoke(main, ["fabric", "generate", *args, "-o", str(out)])
    assert made.exit_code == 1 and not out.exists()
    assert len(made.stderr.splitlines()) == 1
    options = {args[i][2:].replace("-", "_"): int(args[i + 1]) for i in range(1, len(args), 2)}
    count = {"jellyfish": options.get("switches", 0) * options.get("hosts_per_switch", 0),
             "fat_tree": 128}[args[0]]
    out.write_text(yaml.safe_dump(_one_cluster(
        {"name": "c", "accelerator": "H100", "count": count,
         "scale_out": {"kind": args[0], **options}})))
    for command in (["validate", str(out)], ["fabric", "report", str(out), "--closed-form"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1
        text = result.stdout if command[0] == "validate" else result.stderr
        assert f"{out}: site 'a' clusters[0]: scale_out: " in text


def test_a_scale_up_unlike_the_accelerators_is_a_warning():
    """An H100 on a torus, a TPU v5p on a fat-tree without its ICI torus: valid, but doubtful."""
    from infranet.model import schema

    topo = Topology.from_dict({"name": "t", "sites": [{"name": "a", "kind": "datacenter",
        "clusters": [
            {"name": "h", "accelerator": "H100", "count": 64,
             "scale_up": {"kind": "torus", "dims": [4, 4, 4]}},
            {"name": "tpu", "accelerator": "TPUv5p", "count": 128,
             "scale_out": {"kind": "fat_tree", "k": 8}},
            {"name": "pod", "accelerator": "TPUv5p", "count": 128,
             "scale_up": {"kind": "torus", "dims": [4, 4, 4]},
             "scale_out": {"kind": "fat_tree", "k": 8, "nic": 50.0}},
            {"name": "ok", "accelerator": "H100", "count": 128,
             "scale_out": {"kind": "fat_tree", "k": 8}}]}]}, source="t.yaml")
    found = schema.warnings(topo)
    assert [(w.element, w.field) for w in found] == [("site 'a' cluster 'h'", "scale_up"),
                                                     ("site 'a' cluster 'tpu'", "scale_up")]
    assert "H100 scales up over NVLink switches, not an inter-chip torus" in found[0].detail
    assert "TPUv5p chips are joined by an inter-chip torus" in found[1].detail
    assert all(w.file == "t.yaml" for w in found)


def test_an_integer_is_not_rounded_through_a_float():
    topo = Topology.from_dict(_one_cluster({"accelerator": "H100", "count": 80, "scale_out": {
        "kind": "jellyfish", "switches": 20, "ports": 8, "hosts_per_switch": 4,
        "seed": 2**53 + 1}}))
    assert topo.site("a")["clusters"][0]["scale_out"]["seed"] == 2**53 + 1
