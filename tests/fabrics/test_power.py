"""Power: each accelerator's share of its published system, the fabric's switches and optics,
facility power by PUE held against a site's power_mw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import infranet
from infranet import physics
from infranet.cli import main
from infranet.errors import InfranetWarning
from infranet.fabrics.materials import bill_of_materials
from infranet.fabrics.power import cluster_power, power_warnings, site_power
from infranet.fabrics.spec import build
from infranet.model import Topology
from infranet.results import check_result

TOPOLOGIES = Path(__file__).resolve().parents[2] / "topologies"


def test_superpod_draws_its_dgx_systems_and_fabric():
    """128 DGX H100 at 10.2 kW (NVIDIA datasheet) = 1,305.6 kW, plus 48 switches and 4,096
    modules; facility power at the default PUE of 1.10."""
    topo = infranet.read(TOPOLOGIES / "h100-superpod.yaml")
    power = site_power(topo, "ashburn-su")
    check_result(power, headline=("it_power_kw", "facility_power_mw", "power_mw"))
    (cluster,) = power.clusters
    assert cluster.accelerators_kw == pytest.approx(128 * 10.2)
    assert cluster.switches_kw == pytest.approx(48 * 15 * 2 * 64 * 0.4 / 1000)  # 768 W each
    assert cluster.transceivers_kw == pytest.approx(2 * (1024 + 32 * 32) * 10 / 1000)
    assert power.it_power_kw == pytest.approx(1305.6 + 36.864 + 40.96)
    assert power.pue == 1.10 and power.pue_source == "default"
    assert power.facility_power_mw == pytest.approx(power.it_power_kw * 1.10 / 1000)
    assert not power.over_budget and power.binding.kind == "power"


def test_nvl72_racks_draw_their_published_power():
    """A GB200 NVL72 rack: 132 kW, the top of the published 120-132 kW."""
    cluster = {"name": "rack", "accelerator": "GB200", "count": 72,
               "scale_up": {"kind": "nvswitch"}}
    power = cluster_power(cluster)
    check_result(power, headline=("it_power_kw",))
    assert power.accelerators_kw == pytest.approx(132.0)
    low, high = physics.accelerator("GB200").system_power_range_w
    assert low / 1000 <= power.accelerators_kw <= high / 1000
    assert power.switches_kw == power.transceivers_kw == 0  # no scale-out fabric


def test_unknown_power_is_left_out_with_a_note_not_zero():
    topo = infranet.read(TOPOLOGIES / "tpu-v5p-pod.yaml")
    power = site_power(topo, "council-bluffs")
    (cluster,) = power.clusters
    assert cluster.accelerators_kw is None and not cluster.complete and not power.complete
    assert "no published system power for TPUv5p" in cluster.notes[0]
    assert cluster.it_power_kw is None and power.it_power_kw is None  # unknown, not 0
    assert power.facility_power_mw is None and power.headroom_mw is None
    assert power.known_it_power_kw == 0  # the pod has no scale-out switches or optics
    assert "unknown" in power.binding.summary and "at least" in power.binding.summary
    check_result(power, headline=("it_power_kw", "facility_power_mw", "power_mw"))
    out = CliRunner().invoke(main, ["fabric", "report", str(TOPOLOGIES / "tpu-v5p-pod.yaml"),
                                    "--closed-form", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["clusters"][0]["power_kw_by_part"]["accelerators"] is None
    assert data["power_complete"] is False
    assert data["it_power_kw"] is None and data["facility_power_mw"] is None
    assert data["it_power_known_kw"] == 0


def test_graph_and_closed_form_power_agree():
    """The bill of materials of the explicit graph counts the same switches and modules as the
    closed form, at the same unit powers."""
    cluster = {"name": "su", "accelerator": "H100", "count": 1024,
               "scale_up": {"kind": "nvswitch", "domain": 8},
               "scale_out": {"kind": "rail_optimized", "oversubscription": 2}}
    closed = cluster_power(cluster)
    bom = bill_of_materials(build(cluster), accelerator="H100")
    assert closed.it_power_kw is not None
    assert bom.power_kw == pytest.approx(closed.it_power_kw, rel=1e-12)
    assert bom.power_kw_by_part["switches"] == pytest.approx(closed.switches_kw)
    assert bom.power_kw_by_part["transceivers"] == pytest.approx(closed.transceivers_kw)


def _site(power_mw, pue=None):
    site = {"name": "dc", "kind": "datacenter", "power_mw": power_mw,
            "clusters": [{"name": "c", "accelerator": "H100", "count": 1024,
                          "scale_up": {"kind": "nvswitch"},
                          "scale_out": {"kind": "rail_optimized"}}]}
    if pue is not None:
        site["pue"] = pue
    return Topology.from_dict({"name": "t", "sites": [site]}, source="t.yaml")


def test_a_site_holds_its_clusters_or_candidates_against_its_power():
    topo = _site(1.4, pue=1.5)
    power = site_power(topo, "dc")
    assert power.pue == 1.5 and power.pue_source == "site"
    assert power.facility_power_mw == pytest.approx(1.3834 * 1.5, rel=1e-4)
    assert power.over_budget and power.headroom_mw < 0
    assert "more than its 1.40 MW" in power.binding.summary
    # placement asks about candidates instead of the site's own clusters
    half = {**topo.site("dc")["clusters"][0], "count": 512}
    assert not site_power(topo, "dc", clusters=[half], pue=1.1).over_budget
    assert site_power(topo, "dc", clusters=[]).it_power_kw == 0


def test_validate_warns_about_a_site_over_its_power_and_still_passes(tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(json.dumps(_site(1.0).to_dict()))
    with pytest.warns(InfranetWarning, match="more than its 1.00 MW"):
        topo = infranet.read(path)
    (warning,) = power_warnings(topo)
    assert (warning.file, warning.element, warning.field) == (str(path), "site 'dc'",
                                                              "power_mw")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    # once "FILE: warning:", then element and field: no repeated prefix
    (line,) = [x for x in result.output.splitlines() if "warning" in x]
    assert line == f"{path}: warning: site 'dc': power_mw: {warning.detail}"
    assert "more than its 1.00 MW" in line
    data = json.loads(CliRunner().invoke(main, ["validate", str(path), "--format",
                                                "json"]).stdout)
    assert data[0]["valid"] and data[0]["warnings"] == [f"site 'dc': power_mw: {warning.detail}"]
    csv_rows = CliRunner().invoke(main, ["validate", str(path), "--format", "csv"]).stdout
    assert csv_rows.count("warning:") == 0 and "site 'dc': power_mw:" in csv_rows


def test_strict_validation_fails_a_file_with_warnings_and_says_so(tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(json.dumps(_site(1.0).to_dict()))
    result = CliRunner().invoke(main, ["validate", "--strict", str(path)])
    assert result.exit_code == 1
    assert "ok" not in result.output
    assert f"{path}: fails --strict: 1 warning (1 site, 0 links)" in result.output


def test_show_lists_power_warnings_and_other_commands_count_them(tmp_path):
    path = tmp_path / "over.yaml"
    path.write_text(json.dumps(_site(1.0).to_dict()))
    shown = CliRunner().invoke(main, ["show", str(path), "--what", "warnings", "--format",
                                      "json"])
    assert shown.exit_code == 0, shown.output
    (row,) = json.loads(shown.stdout)
    assert (row["element"], row["field"]) == ("site 'dc'", "power_mw")
    report = CliRunner().invoke(main, ["fabric", "report", str(path), "--closed-form"])
    assert report.exit_code == 0, report.output
    (line,) = [x for x in report.stderr.splitlines() if x.startswith("warning:")]
    assert "site 'dc': power_mw" in line and "infranet validate" in line


def test_power_checks_sit_below_the_model():
    """The model's warnings read the power of clusters; the power module must not need the
    model (no import of infranet.model when it is imported)."""
    import subprocess
    import sys

    code = ("import sys, infranet.fabrics.power, infranet.fabrics.spec; "
            "print(any(m.startswith('infranet.model') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_show_gives_unknown_power_as_null_never_zero():
    out = CliRunner().invoke(main, ["show", str(TOPOLOGIES / "tpu-v5p-pod.yaml"), "--format",
                                    "json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)["summary"]
    assert summary["power_complete"] is False
    for key in ("power_mw", "it_power_kw", "facility_power_mw"):
        assert summary[key] is None, key


def test_shipped_sites_hold_their_clusters():
    for path in sorted(TOPOLOGIES.glob("*.yaml")):
        assert power_warnings(infranet.read(path)) == [], path.name


def test_show_gives_it_and_facility_power():
    out = CliRunner().invoke(main, ["show", str(TOPOLOGIES / "gb200-nvl72-cluster.yaml"),
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)["summary"]
    assert summary["it_power_kw"] == pytest.approx(77_353, rel=1e-3)
    assert summary["facility_power_mw"] == pytest.approx(summary["it_power_kw"] * 1.1 / 1000)
