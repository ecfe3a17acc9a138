"""Study results on disk: Parquet parts written whole as rows arrive, a study killed part-way
(a real SIGKILL) and resumed giving exactly the rows of an uninterrupted run, columns that
widen between parts, and either format read back everywhere results are read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from infranet.errors import FormatError, ValidationError
from infranet.model import Topology
from infranet.studies import results
from infranet.studies.sweep import Failures, Study, read_results, read_study, run, scenarios

from ..cli.conftest import RING, invoke
from ..output.conftest import assert_not_blank
from .test_sweep import slowed_study

ROOT = Path(__file__).resolve().parents[2]
FIBER_CUTS = ROOT / "examples" / "studies" / "fiber-cuts.yaml"
US = ROOT / "topologies" / "us-backbone.yaml"


def _ring() -> Topology:
    return Topology.from_dict(yaml.safe_load(RING))


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The cells without wall_s, any empty one (None, NaN) as None."""
    frame = frame.drop(columns="wall_s").astype(object)
    return frame.where(frame.notna(), None)


def _study() -> Study:
    # the failing grid value first: the first parts hold only errors, later parts bring the
    # measures' columns
    return Study(name="w", topology=_ring(), grid={"links[*].capacity": [-1, 100, 400]},
                 failures=Failures(order=(1, 2)), measures=("max_rtt", "min_cut"))


def test_parts_widen_and_a_resume_fills_exactly_the_gaps(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "PART_ROWS", 4)
    study = _study()
    whole = run(study)
    out = tmp_path / "rows.parquet"
    _ = run(study, output=out)
    parts = sorted(p.name for p in out.iterdir())
    assert parts == [f"part-{i:06d}.parquet" for i in range(5)]  # 18 rows, 4 a part
    first = pd.read_parquet(out / parts[0])
    assert "min_cut.gbps" not in first.columns and first["error"].notna().all()
    pd.testing.assert_frame_equal(_cells(read_results(out)), _cells(whole))
    # as a kill leaves it: the last parts never written, a part caught before its rename
    for name in parts[2:]:
        (out / name).unlink()
    (out / ".part-000002.parquet.x1y2").write_bytes(b"PAR1 half a part")
    seen: list[dict] = []
    resumed = run(study, output=out, resume=True, on_row=seen.append)
    assert len(seen) == len(whole) - 8
    pd.testing.assert_frame_equal(resumed.drop(columns="wall_s"), whole.drop(columns="wall_s"))
    back = read_results(out)
    assert back["scenario_id"].is_unique and len(back) == len(whole)
    pd.testing.assert_frame_equal(_cells(back), _cells(whole))
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    # nothing left to run, nothing written
    assert run(study, output=out, resume=True, on_row=seen.append).shape == whole.shape
    assert len(seen) == len(whole) - 8


def test_starting_afresh_replaces_the_parts(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "PART_ROWS", 4)
    out = tmp_path / "rows.parquet"
    run(_study(), output=out)
    small = Study(name="s", topology=_ring(), measures=("min_cut",))
    run(small, output=out)
    assert [p.name for p in out.iterdir()] == ["part-000000.parquet"]
    assert read_results(out)["min_cut.gbps"].tolist() == [600.0]


def test_parts_are_written_every_few_seconds(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "PART_SECONDS", 0.0)
    out = tmp_path / "rows.parquet"
    rows = run(_study(), output=out)
    assert len(list(out.iterdir())) == len(rows)  # each row came after the interval


def test_resume_refuses_what_is_not_this_studys_results(tmp_path):
    other = tmp_path / "other.parquet"
    run(Study(name="o", topology=_ring(), grid={"defaults.route_factor": [1.1]}), output=other)
    with pytest.raises(ValidationError, match="another study"):
        run(Study(name="r", topology=_ring()), output=other, resume=True)
    stray = tmp_path / "stray.parquet"
    stray.mkdir()
    (stray / "notes.txt").write_text("mine")
    with pytest.raises(FormatError, match="notes.txt, which is not a part"):
        run(Study(name="r", topology=_ring()), output=stray)
    assert (stray / "notes.txt").read_text() == "mine"
    flat = tmp_path / "flat.parquet"
    flat.write_bytes(b"x")
    with pytest.raises(FormatError, match="is not a folder"):
        run(Study(name="r", topology=_ring()), output=flat, resume=True)
    (tmp_path / "bad.parquet").mkdir()
    (tmp_path / "bad.parquet" / "part-000000.parquet").write_bytes(b"not parquet")
    with pytest.raises(FormatError, match="part-000000.parquet: not a Parquet file"):
        read_results(tmp_path / "bad.parquet")


def test_mixed_values_of_one_grid_path_are_kept_as_text(tmp_path):
    part = tmp_path / "rows.parquet"
    writer = results.writer(part)
    writer.start()
    writer.write({"scenario_id": "a", "p": 1, "error": None}, index=0)
    writer.write({"scenario_id": "b", "p": "all", "error": None}, index=1)
    writer.write({"scenario_id": "c", "p": [1, 2], "error": None}, index=2)
    writer.close()
    assert read_results(part)["p"].tolist() == ["1", "all", "[1, 2]"]


def test_read_results_reads_csv_parquet_folders_and_files(tmp_path):
    study = _study()
    whole = run(study, output=tmp_path / "rows.csv")
    run(study, output=tmp_path / "rows.parquet")
    one = tmp_path / "one.parquet"
    whole.to_parquet(one)
    csv = read_results(tmp_path / "rows.csv").set_index("scenario_id").loc[whole["scenario_id"]]
    for frame in (csv.reset_index(), read_results(tmp_path / "rows.parquet"),
                  read_results(one)):
        pd.testing.assert_frame_equal(_cells(frame), _cells(whole), check_dtype=False)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_plot_and_map_read_either_format(tmp_path, suffix):
    study = Study(name="cuts", topology=read_study(FIBER_CUTS).topology, failures=Failures(),
                  measures=("max_rtt",))
    rows = run(study, output=tmp_path / f"rows{suffix}")
    out = tmp_path / "cdf.png"
    result = invoke("plot", tmp_path / f"rows{suffix}", "--x", "max_rtt.ms", "--kind", "cdf",
                    "-o", out)
    assert result.exit_code == 0, result.output
    assert_not_blank(out)
    impact = rows.rename(columns={"failure": "link"})[["link", "max_rtt.ms"]]
    table = tmp_path / f"impact{suffix}"
    if suffix == ".csv":
        impact.to_csv(table, index=False)
    else:
        results.writer(table).start()
        impact.to_parquet(table / "part-000000.parquet")
    picture = tmp_path / "map.png"
    result = invoke("map", US, "--results", table, "--color-by", "max_rtt.ms", "-o", picture)
    assert result.exit_code == 0, result.output
    assert_not_blank(picture)


def test_a_study_killed_part_way_resumes_to_the_full_rows_in_parquet(tmp_path, monkeypatch):
    study_file, env = slowed_study(tmp_path, monkeypatch,
                                   failures={"order": 2, "random": 150, "seed": 3})
    out = tmp_path / "cuts.parquet"
    # a part every 0.1 s instead of every few seconds, so the kill falls between parts soon
    code = ("from infranet.studies import results; results.PART_SECONDS = 0.1; "
            "from infranet.cli import main; main()")
    process = subprocess.Popen([sys.executable, "-c", code, "sweep", str(study_file), "-o",
                                str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.is_dir() and len(list(out.glob("part-*.parquet"))) >= 3:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    done = len(read_results(out))
    total = len(scenarios(read_study(study_file)))
    assert 0 < done < total, "killed too late to test a resume"
    result = invoke("sweep", study_file, "-o", out, "--resume", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kept"] == done
    rows = read_results(out)
    assert len(rows) == total and rows["scenario_id"].is_unique
    whole = run(read_study(study_file))
    pd.testing.assert_frame_equal(_cells(rows), _cells(whole))
