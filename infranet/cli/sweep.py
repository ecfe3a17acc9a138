"""``infranet sweep``."""

from __future__ import annotations

import time
from typing import Any

import click

from infranet.cli._options import output_format


@click.command()
@click.argument("study_file", metavar="STUDY.yaml")
@click.option("-o", "--output", required=True, metavar="RESULTS.csv",
              help="CSV file the rows are written to as they are done, one per scenario.")
@click.option("--workers", type=int, default=None, metavar="N",
              help="Local processes (-1: every core); default INFRANET_WORKERS, else 1.")
@click.option("--resume", is_flag=True,
              help="Keep the rows RESULTS.csv already holds and run only the other scenarios.")
@output_format
def sweep(study_file: str, output: str, workers: int | None, resume: bool, fmt: str) -> None:
    """Run a what-if study (docs/studies.md): a grid of edits by path, failure sets and
    measures, one row per scenario.

    Prints what was done (scenarios in all, run now, kept from RESULTS.csv, with an error) as
    a table, JSON or one CSV table. Each row of RESULTS.csv holds scenario_id, the grid
    values, the failure, the measures' fields (MEASURE.FIELD), error (empty when the scenario
    ran) and wall_s. A failing scenario is recorded in its row and the study goes on; an
    interrupted study finishes with --resume, without duplicates or gaps. Progress (rate,
    ETA) shows on stderr when it is a terminal.

    \b
    Example:
      infranet sweep examples/studies/route-factor.yaml -o route-factor.csv --workers 2
      infranet sweep examples/studies/real-backbone-cuts.yaml -o cuts.csv
    """
    from infranet.output import emit, progress
    from infranet.parallel import workers as how_many
    from infranet.studies.sweep import read_study, run, scenarios

    study = read_study(study_file)
    count = how_many(workers)
    total = len(scenarios(study))
    started = time.perf_counter()
    seen = [0]
    with progress(f"{study.name}", total=total) as update:
        def on_row(row: dict[str, Any]) -> None:
            seen[0] += 1
            rate = seen[0] / max(time.perf_counter() - started, 1e-9)
            left = (total - seen[0]) / rate
            update(phase=f"{rate:.0f} scenarios/s, ETA {left:.0f} s", done=seen[0])

        rows = run(study, workers=count, output=output, resume=resume, on_row=on_row)
    failed = int(rows["error"].notna().sum()) if "error" in rows else 0
    counts = {"scenarios": len(rows), "run": seen[0], "kept": total - seen[0], "errors": failed}
    emit({"study": study.name, "output": output, **counts}, fmt,
         rows=None if fmt == "csv" else [counts], transpose=fmt == "table",
         title=f"Study {study.name}: scenarios (one row each in the results file)")
