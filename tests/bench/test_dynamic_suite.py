"""The dynamic routing suite: every registered algorithm replayed online, through the CLI."""

import json
import math

import pytest
from click.testing import CliRunner

from infranet.bench import dynamic
from infranet.bench.routing import default_data_dir
from infranet.cli import main
from infranet.routing import algorithms


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    data = default_data_dir()
    if data is None:
        pytest.skip("../shared/data is not beside the checkout")
    out = tmp_path_factory.mktemp("dynamic")
    result = CliRunner().invoke(main, ["bench", "routing", "--suite", "dynamic", "--limit",
                                       "2", "-o", str(out), "--data", str(data),
                                       "--workers", "2"])
    assert result.exit_code == 0, result.output
    return json.loads((out / "results.json").read_text()), result


def test_every_algorithm_on_every_series(results):
    data, result = results
    rows = data["results"]
    assert {r["algorithm"] for r in rows} == set(algorithms()) | set(dynamic.VARIANTS)
    jupiter = next(r for r in rows if r["algorithm"] == "jupiter")
    assert jupiter["options"] == "window=12, spread=0.5"
    assert {r["instance"] for r in rows} == {i.name for i in dynamic.DYNAMIC_INSTANCES}
    assert all(r["error"] is None for r in rows), [r for r in rows if r["error"]]
    assert all(r["intervals"] == 2 for r in rows)
    assert "dynamic routing benchmark" in result.stdout
    assert data["metadata"]["warmup"] == dynamic.WARMUP
    assert any(path.endswith("test-7.opt") for path in data["metadata"]["inputs"])


def test_ratios_never_beat_the_published_optimum(results):
    for row in results[0]["results"]:
        for key in ("mean_ratio", "max_ratio"):
            value = row[key]
            assert value is None or math.isnan(value) or value >= 1 - 1e-7, row


def test_limit_goes_with_the_dynamic_suite_only():
    result = CliRunner().invoke(main, ["bench", "routing", "--suite", "quick", "--limit", "2"])
    assert result.exit_code == 2 and "--limit goes with --suite dynamic" in result.output
    result = CliRunner().invoke(main, ["bench", "routing", "--suite", "dynamic",
                                       "--failures"])
    assert result.exit_code == 2


def test_unknown_instance_names_the_closest():
    from infranet.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="figret-geant"):
        dynamic.run(instances=["figret-gaent"], data=default_data_dir())


def test_rows_on_two_processes_are_those_of_a_serial_run():
    data = default_data_dir()
    if data is None:
        pytest.skip("../shared/data is not beside the checkout")
    chosen = ["pred-last", "jupiter", "ecmp", "oblivious"]
    kw = {"algorithms": chosen, "limit": 3, "data": data,
          "instances": ["figret-facebook-pod-a-6", "figret-geant"]}
    serial = dynamic.run(workers=1, **kw)["results"]
    pooled = dynamic.run(workers=2, **kw)["results"]
    assert [(r["instance"], r["algorithm"]) for r in pooled] == \
        [(i, a) for i in kw["instances"] for a in chosen]
    timing = ("seconds_per_interval", "wall_s", "mean_solve_s", "total_solve_s")
    for a, b in zip(serial, pooled, strict=True):  # as JSON text: NaN equals NaN there
        assert json.dumps({k: v for k, v in a.items() if k not in timing}, sort_keys=True) == \
            json.dumps({k: v for k, v in b.items() if k not in timing}, sort_keys=True)


def test_workers_go_with_the_dynamic_suite_only():
    result = CliRunner().invoke(main, ["bench", "routing", "--suite", "quick", "--workers", "2"])
    assert result.exit_code == 2 and "--workers goes with --suite dynamic" in result.output
    result = CliRunner().invoke(main, ["bench", "routing", "--suite", "dynamic", "--workers",
                                       "0", "--limit", "1"])
    assert result.exit_code == 2 and "--workers" in result.output
    assert "Traceback" not in result.output


def test_ctrl_c_on_two_processes_stops_at_once_keeping_the_rows_done(tmp_path):
    """SIGINT while a long run is under way on a worker: exit 130 within seconds, one line on
    stderr (no worker's traceback), the rows done kept in -o."""
    import os
    import signal
    import subprocess
    import sys
    import time

    data = default_data_dir()
    if data is None:
        pytest.skip("../shared/data is not beside the checkout")
    out = tmp_path / "kept"
    process = subprocess.Popen(
        [sys.executable, "-c", "from infranet.cli import main; main()", "bench", "routing",
         "--suite", "dynamic",
         "--limit", "300", "--algorithms", "ecmp,spf,cope", "--workers", "2",
         "--data", str(data), "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "100"},
        # a shell starting the tests in the background leaves SIGINT ignored, and an exec
        # keeps that: give the command the default, as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not (out / "results.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (out / "results.json").exists(), "no row within 2 minutes"
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 20
    assert "Traceback" not in stderr
    assert "interrupted after" in stderr
    kept = json.loads((out / "results.json").read_text())["results"]
    assert kept and len(kept) < 9 and all(row["error"] is None for row in kept)
    assert not any(r["instance"] == "figret-geant" and r["algorithm"] == "cope" for r in kept)
