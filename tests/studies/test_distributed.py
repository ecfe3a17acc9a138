"""Studies on a Dask cluster (a LocalCluster of two worker processes, started once here): the
same rows as serially and on local processes, failing scenarios recorded, a worker that dies
replaced, a scheduler that does not answer named in one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import dask.config
import pandas as pd
import pytest
import yaml

from infranet.errors import UnreachableError
from infranet.model import Topology
from infranet.studies.sweep import Failures, Study, read_results, read_study, run, scenarios

from ..cli.conftest import RING, invoke

ROOT = Path(__file__).resolve().parents[2]
ROUTE_FACTOR = ROOT / "examples" / "studies" / "route-factor.yaml"


def _ring() -> Topology:
    return Topology.from_dict(yaml.safe_load(RING))


def _same(first: pd.DataFrame, second: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(first.drop(columns="wall_s"), second.drop(columns="wall_s"))


def _same_values(first: pd.DataFrame, second: pd.DataFrame) -> None:
    """Equal cells, an empty one (None or NaN: a file read back holds no difference) equal to
    any other empty one."""
    def cells(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.drop(columns="wall_s").astype(object)
        return frame.where(frame.notna(), None)

    pd.testing.assert_frame_equal(cells(first), cells(second))


def test_rows_identical_serially_on_processes_and_on_dask(dask_client, tmp_path):
    study = Study(name="d", topology=_ring(),
                  grid={"defaults.route_factor": [1.2, 1.5], "links[*].capacity": [400, -5]},
                  failures=Failures(srlgs=True, order=(1, 2)),
                  measures=("max_rtt", "mean_rtt", "min_cut"))
    serial = run(study, workers=1)
    assert len(serial) == len(scenarios(study)) and serial["scenario_id"].is_unique
    _same(serial, run(study, workers=2))
    _same(serial, run(study, scheduler=dask_client))
    # by address, written to Parquet parts as they arrive, read back in scenario order
    out = tmp_path / "rows.parquet"
    _same(serial, run(study, scheduler=dask_client.scheduler.address, output=out))
    _same_values(serial, read_results(out))
    # a failing scenario (a negative capacity) is a row with its error on Dask too
    bad = serial[serial["links[*].capacity"] == -5]
    assert len(bad) and bad["error"].str.contains("capacity").all()


def test_a_worker_that_dies_is_replaced_and_its_scenarios_run_again(dask_client, tmp_path):
    marker = tmp_path / "died"
    module = tmp_path / "dying_measure.py"
    module.write_text(textwrap.dedent(f"""
        import os

        def links(topology, study):
            # the first call kills its worker process, as a crash or the OOM killer would
            try:
                os.close(os.open({str(marker)!r}, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return {{"count": topology.n_links}}
            os._exit(1)
        """))
    dask_client.upload_file(str(module))
    study = Study(name="die", topology=_ring(), failures=Failures(order=(1, 2)),
                  measures=("dying_measure:links",))
    rows = run(study, scheduler=dask_client)
    assert marker.exists()  # a worker did die
    assert rows["error"].isna().all()
    assert rows["dying_measure:links.count"].tolist() == [2, 2, 2, 1, 1, 1]


def test_shipped_study_on_dask_matches_serial(dask_client):
    study = read_study(ROUTE_FACTOR)
    _same(run(study), run(study, scheduler=dask_client))


def test_sweep_cli_on_dask_writes_parquet_parts(dask_client, tmp_path):
    out = tmp_path / "rf.parquet"
    result = invoke("sweep", ROUTE_FACTOR, "-o", out, "--scheduler",
                    dask_client.scheduler.address, "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir())[0] == "part-000000.parquet"
    _same_values(read_results(out), run(read_study(ROUTE_FACTOR)))


def test_an_unreachable_scheduler_is_one_line_and_exit_1(tmp_path):
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        result = invoke("sweep", ROUTE_FACTOR, "-o", tmp_path / "rows.csv", "--scheduler",
                        "tcp://127.0.0.1:9")
        with pytest.raises(UnreachableError, match="cannot reach the Dask scheduler at "
                                                   "tcp://127.0.0.1:9"):
            run(read_study(ROUTE_FACTOR), scheduler="127.0.0.1:9")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: scheduler: cannot reach the Dask scheduler at "
                               "tcp://127.0.0.1:9: ")


def test_workers_and_scheduler_together_are_a_usage_error(tmp_path):
    result = invoke("sweep", ROUTE_FACTOR, "-o", tmp_path / "rows.csv", "--workers", "2",
                    "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "give one of them" in result.stderr
