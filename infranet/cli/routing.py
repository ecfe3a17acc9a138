"""``infranet route`` and ``infranet bench routing``."""

from __future__ import annotations

import sys

import click

from infranet.cli._options import input_options, load, output_format


def load_demands(topology, demands: str, *, unit: str, line: int):
    """Read a traffic matrix for a topology: CSV (src,dst,gbps), FIGRET .hist (one line), or
    ``file`` for the demands the topology file carries (SNDlib, topohub)."""
    from pathlib import Path

    from infranet import traffic

    if demands == "file":
        return traffic.from_topology(topology)
    suffix = Path(demands).suffix.lower()
    if suffix == ".hist":
        return traffic.read_hist(demands, topology, line=line, unit=unit)
    if suffix == ".csv":
        return traffic.read_csv(demands, topology)
    from infranet.errors import FormatError

    raise FormatError("demands are read from .csv (header src,dst,gbps) or FIGRET .hist files, "
                      "or 'file' for the topology's own demands", file=demands)


demand_options = [
    click.option("--demands", "demands", required=True, metavar="TM",
                 help="Traffic matrix: a CSV file with header src,dst,gbps; a FIGRET .hist "
                      "file (see --line, --demand-unit); or 'file' for the demands the topology "
                      "file carries (SNDlib, topohub)."),
    click.option("--line", type=click.IntRange(min=0), default=0, show_default=True,
                 help="Which matrix (0-based line) of a .hist file."),
    click.option("--demand-unit", default="bit/s", show_default=True,
                 help="Unit of .hist values (bit/s, Gb/s, unitless)."),
]


def _with(options):
    def decorate(function):
        for option in reversed(options):
            function = option(function)
        return function
    return decorate


@click.command()
@click.argument("file")
@_with(demand_options)
@click.option("-a", "--algorithm", default="ecmp", show_default=True,
              help="Routing algorithm: spf, ecmp, ksp, cspf, path-lp, mcf, vlb, fptas, pop, "
                   "igp-wo, or a plug-in's name (see docs/routing.md).")
@click.option("--option", "algorithm_options", multiple=True, metavar="KEY=VALUE",
              help="An option of the algorithm, e.g. --option k=4 --option eps=0.05.")
@click.option("--optimum/--no-optimum", default=True, show_default=True,
              help="Also solve the arc LP for the optimal MLU and report MLU / optimum.")
@click.option("--failures", is_flag=True,
              help="Also route under every single link and shared-risk failure (re-optimised).")
@input_options
@output_format
def route(file: str, demands: str, line: int, demand_unit: str, algorithm: str,
          algorithm_options: tuple[str, ...], optimum: bool, failures: bool,
          input_format: str | None, capacity_unit: str | None, fmt: str) -> None:
    """Route a traffic matrix over a topology and report link utilisation.

    \b
    Examples:
      infranet route ../shared/data/figret-geant/GEANT.json --capacity-unit bit/s \\
          --demands ../shared/data/figret-geant/train-5.hist --algorithm mcf
      infranet route topohub:sndlib/abilene --demands file -a ecmp --format json
    """
    from infranet.algorithms.mcf import min_mlu
    from infranet.report import emit
    from infranet.routing import evaluate, under_failures
    from infranet.routing import route as run

    topo = load(file, input_format, capacity_unit)
    tm = load_demands(topo, demands, unit=demand_unit, line=line)
    options = dict(_parse_option(text) for text in algorithm_options)
    routing = run(topo, tm, algorithm=algorithm, **options)
    best = min_mlu(topo, tm).mlu if optimum else None
    metrics = evaluate(routing, topo, tm, optimum=best)
    links = _link_rows(topo, routing)
    result = {"algorithm": algorithm, **{k: v for k, v in metrics.items() if k != "algorithm"},
              "satisfied_fraction": metrics["satisfied"], "optimum_mlu": best, "links": links}
    if failures:
        study = under_failures(topo, tm, algorithm=algorithm, **options)
        result["failures"] = study.to_dict()
    if fmt == "json":
        emit(result, fmt)
        return
    summary = {k: v for k, v in result.items() if k not in ("links", "failures")}
    emit([summary], fmt, transpose=fmt == "table", title="routing" if fmt == "table" else None)
    if fmt == "table":
        busiest = sorted(links, key=lambda r: -max(r["utilisation_ab"], r["utilisation_ba"]))
        emit(busiest[:15], fmt, title="busiest links")
    else:
        emit(links, fmt)


def _parse_option(text: str) -> tuple[str, object]:
    import json

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r}: write KEY=VALUE", param_hint="--option")
    try:
        return key.replace("-", "_"), json.loads(value)
    except json.JSONDecodeError:
        return key.replace("-", "_"), value


def _link_rows(topo, routing) -> list[dict]:
    from infranet.routing.metrics import utilisation

    compiled = topo.compile()
    load_gbps = routing.arc_load_gbps
    cap = compiled.capacity_gbps
    util = utilisation(routing, topo)
    rows = []
    for i, name in enumerate(compiled.links):
        ab, ba = 2 * i, 2 * i + 1
        rows.append({"name": name, "a": compiled.nodes[compiled.tail[ab]],
                     "b": compiled.nodes[compiled.head[ab]],
                     "capacity_gbps": float(cap[ab]), "load_ab_gbps": float(load_gbps[ab]),
                     "load_ba_gbps": float(load_gbps[ba]), "utilisation_ab": float(util[ab]),
                     "utilisation_ba": float(util[ba])})
    return rows


@click.group()
def bench() -> None:
    """Benchmark suites."""


@bench.command("routing")
@click.option("--suite", type=click.Choice(["quick", "standard", "large"]), default="quick",
              show_default=True, help="quick runs in under two minutes; large adds Kdl and "
                                      "ASN2k.")
@click.option("--algorithms", default=None, metavar="A,B,...",
              help="Comma-separated algorithm names (default: every built-in one).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of generated matrices and randomised algorithms.")
@click.option("--failures", is_flag=True,
              help="Also replay every algorithm under each single failure (slow).")
@click.option("--data", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of the reference data (default: ../shared/data or $INFRANET_DATA).")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Folder for results.json and results.csv (written as results arrive).")
@output_format
def bench_routing(suite: str, algorithms: str | None, seed: int, failures: bool,
                  data: str | None, output: str | None, fmt: str) -> None:
    """Run routing algorithms on reference instances and compare them with the optimum.

    For each instance, matrix and algorithm: MLU and MLU / optimal MLU, throughput and the
    fraction of demand carried, concurrent λ, link utilisation percentiles, latency stretch,
    paths used and solve time. The published optima of the FIGRET instances are checked.
    Interrupting keeps the rows finished so far in -o.

    \b
    Example:
      infranet bench routing --suite quick -o results
    """
    from pathlib import Path

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from infranet.bench import routing as suite_module
    from infranet.report import emit

    names = [a.strip() for a in algorithms.split(",") if a.strip()] if algorithms else None
    if names:
        from infranet.routing import get

        for name in names:
            get(name)  # an unknown name fails here, before the progress bar starts
    suite_module.instances(suite)
    rows: list[dict] = []
    partial = {"metadata": suite_module.metadata(suite, names or [], seed), "instances": [],
               "results": rows}

    def keep(row: dict) -> None:
        rows.append(row)
        if output:
            suite_module.write(partial, output)

    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
        "{task.completed}/{task.total} instances"), TimeElapsedColumn(),
        console=__import__("rich.console").console.Console(stderr=True), transient=True)
    task = progress.add_task("routing", total=len(suite_module.instances(suite)))

    def step(name: str, done: int, total: int) -> None:
        progress.update(task, completed=done, description=f"routing {name}".strip())

    try:
        with progress:
            results = suite_module.run(suite, algorithms=names, seed=seed,
                                       data=Path(data) if data else None, failures=failures,
                                       on_result=keep, on_instance=step)
    except KeyboardInterrupt:
        click.echo(f"interrupted after {len(rows)} results"
                   + (f"; kept in {output}" if output else ""), err=True)
        sys.exit(130)
    if output:
        suite_module.write(results, output)
    for instance in results["instances"]:
        if "skipped" in instance:
            click.echo(f"skipped {instance['name']}: {instance['skipped']}", err=True)
    mismatch = suite_module.check_published(results)
    for line in mismatch:
        click.echo(f"published optimum not matched: {line}", err=True)
    columns = ["instance", "matrix", "algorithm", "mlu", "optimum_mlu", "mlu_ratio",
               "satisfied", "util_p95", "stretch_mean", "n_paths", "solve_s"]
    if fmt == "json":
        emit(results, fmt)
    else:
        emit(results["results"], fmt, columns=columns if fmt == "table" else None)
    if mismatch:
        sys.exit(1)
