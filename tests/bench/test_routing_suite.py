"""The routing benchmark suite: the quick tier runs here, end to end, through the CLI."""

import json
import math

import pytest
from click.testing import CliRunner

from infranet.bench import routing as suite
from infranet.cli import main
from infranet.routing import algorithms

EXPECTED = set(algorithms())


@pytest.fixture(scope="module")
def quick(tmp_path_factory, shared_data_dir):
    out = tmp_path_factory.mktemp("bench")
    result = CliRunner().invoke(main, ["bench", "routing", "--suite", "quick", "-o", str(out),
                                       "--data", str(shared_data_dir), "--format", "csv"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text()), result


@pytest.fixture(scope="module")
def shared_data_dir():
    data = suite.default_data_dir()
    if data is None:
        pytest.skip("../shared/data is not beside the checkout")
    return data


def test_quick_suite_covers_every_algorithm_and_instance(quick):
    results, _ = quick
    rows = results["results"]
    assert {r["algorithm"] for r in rows} == EXPECTED
    assert {r["instance"] for r in rows} == {i.name for i in suite.instances("quick")}
    meta = results["metadata"]
    for key in ("seed", "numpy", "scipy", "networkx", "solver", "infranet", "inputs"):
        assert key in meta
    assert any(path.endswith("train-5.hist") for path in meta["inputs"])


def test_published_optima_are_reproduced(quick):
    results, _ = quick
    checked = [r for r in results["results"] if r["published_optimum_mlu"] is not None]
    assert checked
    for row in checked:
        assert row["optimum_mlu"] == pytest.approx(row["published_optimum_mlu"], rel=1e-6)
    assert suite.check_published(results) == []


def test_no_algorithm_beats_the_optimum_when_it_carries_everything(quick):
    results, _ = quick
    for row in results["results"]:
        assert row["carried_share"] == row["satisfied"]
        if row["optimum_mlu"] is None or row["satisfied"] < 1 - 1e-9:
            # cspf may refuse demands rather than overload a link: no ratio then
            assert row["mlu_ratio"] is None or math.isnan(row["mlu_ratio"])
            continue
        assert row["mlu"] >= row["optimum_mlu"] * (1 - 1e-6), row
        if row["algorithm"] in ("mcf", "path-lp") and row["instance"].startswith("figret"):
            assert row["mlu_ratio"] == pytest.approx(1.0, rel=1e-6)


def test_fptas_is_within_its_bound(quick):
    results, _ = quick
    for row in results["results"]:
        if row["algorithm"] == "fptas":
            assert row["mlu_ratio"] <= 1.1  # eps = 0.05 by default: (1 + eps)^2 < 1.1


def test_csv_on_stdout(quick):
    _, result = quick
    header = result.stdout.splitlines()[0].split(",")
    assert {"instance", "algorithm", "mlu", "mlu_ratio", "solve_s"} <= set(header)


def test_unknown_algorithm_is_one_line():
    result = CliRunner().invoke(main, ["bench", "routing", "--algorithms", "ecmpp"])
    assert result.exit_code == 1 and "did you mean 'ecmp'" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_route_cli_json_contract(shared_data_dir):
    geant = shared_data_dir / "figret-geant"
    result = CliRunner().invoke(main, [
        "route", str(geant / "GEANT.json"), "--capacity-unit", "bit/s", "--demands",
        str(geant / "train-5.hist"), "--line", "2", "--algorithm", "mcf", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("algorithm", "mlu", "throughput_gbps", "satisfied_fraction", "solve_s", "links"):
        assert key in data, key
    published = float((geant / "train-5.opt").read_text().split()[2])
    assert data["mlu"] == pytest.approx(published, rel=1e-6)
    utilisation = max(max(r["utilisation_ab"], r["utilisation_ba"]) for r in data["links"])
    assert utilisation == pytest.approx(data["mlu"], rel=1e-9)


def test_compare_with_demands_reports_mlu(tmp_path):
    ring = tmp_path / "ring.yaml"
    ring.write_text("name: ring\ndefaults: {capacity: 100}\nsites: [{name: a, kind: datacenter},"
                    " {name: b, kind: datacenter}, {name: c, kind: datacenter}]\nlinks:\n"
                    "  - {a: a, b: b, length_km: 10}\n  - {a: b, b: c, length_km: 10}\n"
                    "  - {a: c, b: a, length_km: 10}\n")
    tm = tmp_path / "tm.csv"
    tm.write_text("src,dst,gbps\na,b,150\n")
    result = CliRunner().invoke(main, ["compare", str(ring), "--demands", str(tm),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    # 150 Gb/s split over the direct link and the two-hop path: 75 each, MLU 0.75
    assert math.isclose(json.loads(result.stdout)[0]["mlu"], 0.75, rel_tol=1e-9)


def test_a_failing_algorithm_is_recorded_and_the_suite_goes_on(tmp_path):
    from infranet.bench.routing import run
    from infranet.routing import base, register

    @register("always-fails")
    def always_fails(topology, tm):
        raise KeyError("a plug-in's bug")

    try:
        results = run("quick", algorithms=["ecmp", "always-fails"], data=tmp_path / "none")
        failed = [r for r in results["results"] if r["algorithm"] == "always-fails"]
        fine = [r for r in results["results"] if r["algorithm"] == "ecmp"]
        assert failed and all(r["error"] == "KeyError: \"a plug-in's bug\"" for r in failed)
        assert fine and all(r["error"] is None and r["mlu"] > 0 for r in fine)
        assert {r["instance"] for r in failed} == {r["instance"] for r in fine}
        result = CliRunner().invoke(main, ["bench", "routing", "--algorithms",
                                           "ecmp,always-fails", "--data", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "always-fails failed on sndlib-abilene matrix 0: KeyError" in result.stderr
        assert "Traceback" not in result.output
    finally:
        base._REGISTRY.pop("always-fails", None)


def test_infranet_data_is_used_as_given(tmp_path, monkeypatch):
    """$INFRANET_DATA names the data: a folder without it is not silently replaced by
    ../shared/data (its instances are skipped, each named)."""
    monkeypatch.setenv("INFRANET_DATA", str(tmp_path / "elsewhere"))
    assert suite.default_data_dir() == tmp_path / "elsewhere"
    result = CliRunner().invoke(main, ["bench", "routing", "--algorithms", "spf"])
    assert result.exit_code == 0, result.output
    assert f"skipped figret-geant: {tmp_path / 'elsewhere'}" in result.stderr
