"""``infranet fabric report``: results, sizes it refuses, what a new user reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import infranet
from infranet.cli import main
from infranet.errors import ValidationError
from infranet.fabrics.report import fabric_report
from infranet.model import Topology
from infranet.results import check_result

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"
HEADLINE = ("accelerators", "switches", "links", "bisection_gbps", "diameter_hops",
            "it_power_kw", "facility_power_mw")


def _report(*args: str):
    result = CliRunner().invoke(main, ["fabric", "report", *args])
    assert result.exit_code == 0, result.output
    return result


def test_report_follows_the_result_protocol_and_keeps_its_keys():
    topo = infranet.read(TOPOLOGIES / "h100-superpod.yaml")
    result = fabric_report(topo)
    data = check_result(result, headline=HEADLINE)
    assert {"name", "power_kw", "tiers", "clusters"} <= set(data)
    (cluster,) = result.clusters
    entry = check_result(cluster, headline=("bisection_gbps", "bisection_closed_form_gbps",
                                            "diameter_hops", "diameter_us", "it_power_kw",
                                            "facility_power_mw"))
    for key in ("site", "cluster", "accelerator", "kind", "params", "accelerators", "switches",
                "switches_per_tier", "links", "links_by_type", "bisection_gbps",
                "bisection_closed_form_gbps", "bisection_gbps_per_accelerator",
                "diameter_hops", "diameter_us", "average_hops", "hop_stats", "ecmp_paths",
                "power_kw", "power_kw_by_part", "transceivers", "tiers", "bill_of_materials",
                "summary_tiers"):
        assert key in entry, key
    assert cluster.binding.kind == "tier" and result.binding.name == "ashburn-su/superpod leaf"
    check_result(cluster.summary, headline=("bisection_gbps", "diameter_hops"))
    check_result(cluster.power, headline=("it_power_kw",))
    check_result(cluster.analysis, headline=("bisection_gbps", "diameter_hops", "power_kw"))


def test_gb200_report_shows_its_own_parameters():
    data = json.loads(_report(str(TOPOLOGIES / "gb200-nvl72-cluster.yaml"), "--format",
                              "json").stdout)
    (cluster,) = data["clusters"]
    assert cluster["params"]["scale_up_gbps"] == 7_200  # not H100's 3,600
    assert cluster["params"]["gpus_per_server"] == 72  # a rack, not an 8-GPU server
    scale_up = next(r for r in cluster["tiers"] if r["tier"] == "scale_up")
    assert scale_up["gbps_per_accelerator"] == 7_200 and scale_up["radix"] == 72
    assert cluster["switches_per_tier"]["leaf"] == 576
    assert cluster["bisection_gbps"] == cluster["bisection_closed_form_gbps"]
    assert cluster["diameter_us"] == pytest.approx(cluster["diameter_closed_form_us"])


def test_ecmp_counts_are_exact_and_the_mean_is_rounded():
    data = json.loads(_report(str(TOPOLOGIES / "gb200-nvl72-cluster.yaml"), "--format",
                              "json").stdout)
    for category in ("different_group", "same_group"):
        paths = data["clusters"][0]["ecmp_paths"][category]
        assert all(isinstance(paths[k], int) for k in ("min", "median", "max"))
        assert len(f"{paths['mean']:.10g}".replace(".", "").lstrip("0")) <= 4
    table = _report(str(TOPOLOGIES / "gb200-nvl72-cluster.yaml")).stdout
    for part in ("min", "median", "mean", "max"):
        assert re.search(rf"ecmp_paths\.different_group\.{part}\s+│\s+288\s", table), part
    assert re.search(r"ecmp_paths\.same_group\.mean\s+│\s+68\.67\s", table)


def test_a_fabric_too_large_to_hold_is_refused_with_its_size(tmp_path):
    """A k=512 fat-tree (the largest radix): 33.6 M accelerators, whose 100.7 M links need
    about 94 GiB to analyse; its closed form needs none."""
    path = tmp_path / "huge.yaml"
    made = CliRunner().invoke(main, ["fabric", "generate", "fat_tree", "--k", "512", "-o",
                                     str(path)])
    assert made.exit_code == 0, made.output
    result = CliRunner().invoke(main, ["fabric", "report", str(path)])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert "33,882,112 nodes and 100,663,296 links" in line
    assert "GiB" in line and "--closed-form" in line
    closed = json.loads(_report(str(path), "--closed-form", "--format", "json").stdout)
    assert closed["bisection_gbps"] == 512**3 / 8 * 400  # full bisection, k^3/8 host links
    assert closed["clusters"][0]["graph"] is False


def test_a_fat_tree_beyond_the_largest_radix_is_refused_before_it_is_written(tmp_path):
    """k = 1,000 would be 250 M accelerators drawing hundreds of GW: k is a switch radix, at
    most 512; k = 10^8 no longer computes a count in floating point."""
    for k in ("1000", "100000000"):
        path = tmp_path / "huge.yaml"
        result = CliRunner().invoke(main, ["fabric", "generate", "fat_tree", "--k", k, "-o",
                                           str(path)])
        assert result.exit_code == 1 and not path.exists()
        (line,) = result.stderr.splitlines()
        assert "scale_out: k: expected a number >= 2 and <= 512" in line
        assert "largest switch radix" in line
        assert "999" not in line and "e+" not in line.split("got")[0]


def test_texas_campuses_closed_forms_agree_with_their_graphs():
    result = fabric_report(infranet.read(TOPOLOGIES / "texas-hub.yaml"))
    assert len(result.clusters) == 5
    for cluster in result.clusters:
        assert cluster.summary.bisection_gbps == pytest.approx(cluster.bisection_gbps,
                                                               rel=1e-8)
        assert cluster.summary.diameter_hops == cluster.diameter_hops
        assert cluster.summary.diameter_us == pytest.approx(cluster.analysis.hops.diameter_us)
        assert not [n for n in cluster.notes if "differs" in n], cluster.notes


def test_a_users_deprecated_key_is_read_with_a_note():
    topo = Topology.from_dict({
        "name": "own", "sites": [{"name": "x"}],
        "catalogue": {"accelerators": [{"name": "MyChip", "source": "sheet", "hbm_tbps": 3}]}})
    assert topo.accelerators()["MyChip"].hbm_bytes_per_s == 3e12  # terabytes per second
    assert any("hbm_tbps is deprecated, read as hbm_tbytes_per_s" in n for n in topo.notes)


def test_a_chip_without_a_nic_rate_needs_one_in_its_spec():
    spec = {"name": "t", "sites": [{"name": "dc", "kind": "datacenter", "clusters": [
        {"accelerator": "TPU7x", "count": 128, "scale_out": {"kind": "fat_tree", "k": 8}}]}]}
    with pytest.raises(ValidationError,
                       match="scale_out: the catalogue has no NIC rate for TPU7x"):
        Topology.from_dict(spec)
    spec["sites"][0]["clusters"][0]["scale_out"]["nic"] = "100G"
    assert Topology.from_dict(spec).n_sites == 1


def test_every_part_of_a_report_follows_the_result_protocol():
    """Every fabric result pickles and holds nothing a caller could change in place."""
    result = fabric_report(infranet.read(TOPOLOGIES / "h100-superpod.yaml"))
    (cluster,) = result.clusters
    analysis = cluster.analysis
    assert analysis is not None
    for part in (result, cluster, cluster.summary, cluster.power, analysis,
                 analysis.bisection, analysis.hops, analysis.ecmp, analysis.bom,
                 analysis.tiers):
        check_result(part)
    assert not analysis.bisection.split.flags.writeable


def test_top_level_tiers_are_every_clusters_and_say_whose():
    """The report's "tiers" held the first cluster's alone; now every cluster's, each row
    with its site and cluster, and each cluster's own tiers stay in clusters[i].tiers."""
    data = json.loads(_report(str(TOPOLOGIES / "texas-hub.yaml"), "--closed-form", "--format",
                              "json").stdout)
    assert len(data["clusters"]) == 5
    expected = [{"site": c["site"], "cluster": c["cluster"], **row}
                for c in data["clusters"] for row in c["tiers"]]
    assert data["tiers"] == expected
    assert len({(row["site"], row["cluster"]) for row in data["tiers"]}) == 5
