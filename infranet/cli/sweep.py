"""``infranet sweep``."""

from __future__ import annotations

import time
from typing import Any

import click

from infranet.cli._options import output_format, summed_warnings


@click.command()
@click.argument("study_file", metavar="STUDY.yaml")
@click.option("-o", "--output", required=True, metavar="RESULTS",
              help="Where the rows are written as they are done, one per scenario: a folder "
                   "of Parquet parts for a name ending .parquet (results.parquet/part-000000."
                   "parquet, ...), else a CSV file.")
@click.option("--workers", type=int, default=None, metavar="N",
              help="Local processes (-1: every core); default INFRANET_WORKERS, else 1.")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Run on the Dask distributed cluster whose scheduler is at ADDR "
                   "(tcp://host:8786) instead of local processes; not with --workers.")
@click.option("--resume", is_flag=True,
              help="Keep the rows RESULTS already holds and run only the other scenarios.")
@output_format
def sweep(study_file: str, output: str, workers: int | None, scheduler: str | None,
          resume: bool, fmt: str) -> None:
    """Run a what-if study (docs/studies.md): a grid of edits by path, failure sets and
    measures, one row per scenario.

    Prints what was done (scenarios in all, run now, kept from RESULTS, with an error) as a
    table, JSON or one CSV table. Each row of RESULTS holds scenario_id, the grid values, the
    failure, the measures' fields (MEASURE.FIELD), error (empty when the scenario ran) and
    wall_s. A failing scenario is recorded in its row and the study goes on; an interrupted
    study finishes with --resume, without duplicates or gaps. With --scheduler the scenarios
    run on a Dask cluster (started apart: dask scheduler, dask worker ADDR) with the same
    rows; a scheduler that does not answer within a few seconds is an error. Progress (done,
    rate, ETA) shows on stderr when it is a terminal. `infranet plot RESULTS` and `infranet
    map --results RESULTS` read either format.

    \b
    Examples:
      infranet sweep examples/studies/route-factor.yaml -o route-factor.csv --workers 2
      infranet sweep examples/studies/route-factor.yaml -o route-factor.parquet
      infranet sweep examples/studies/real-backbone-cuts.yaml -o cuts.csv

    On a cluster, add --scheduler tcp://HOST:8786 (docs/studies.md says how to start one).
    """
    from infranet.output import emit, progress
    from infranet.parallel import workers as how_many
    from infranet.studies.sweep import read_study, run, scenarios

    if scheduler is not None and workers is not None:
        raise click.UsageError("--workers sets local processes and --scheduler runs on a Dask "
                               "cluster: give one of them")
    with summed_warnings("`infranet validate` on the study's topology lists them"):
        study = read_study(study_file)
    count = None if scheduler is not None else how_many(workers)
    total = len(scenarios(study))
    started = [time.perf_counter()]
    seen = [0]
    todo = [total]
    with progress(f"{study.name}", total=total) as update:
        def on_start(n: int) -> None:
            todo[0] = n
            started[0] = time.perf_counter()
            update(phase=f"{total - n} kept, {n} to run", done=total - n)

        def on_row(row: dict[str, Any]) -> None:
            seen[0] += 1
            rate = seen[0] / max(time.perf_counter() - started[0], 1e-9)
            left = (todo[0] - seen[0]) / rate
            update(phase=f"{rate:.0f} scenarios/s, ETA {_duration(left)}",
                   done=total - todo[0] + seen[0])

        rows = run(study, workers=count, scheduler=scheduler, output=output, resume=resume,
                   on_row=on_row, on_start=on_start)
    failed = int(rows["error"].notna().sum()) if "error" in rows else 0
    counts = {"scenarios": len(rows), "run": seen[0], "kept": total - seen[0], "errors": failed}
    emit({"study": study.name, "output": output, **counts}, fmt,
         rows=None if fmt == "csv" else [counts], transpose=fmt == "table",
         title=f"Study {study.name}: scenarios (one row each in the results file)")


def _duration(seconds: float) -> str:
    """A time left as people read it: 42 s, 3 min 5 s, 2 h 10 min."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
