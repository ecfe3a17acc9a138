"""``infranet route`` and ``infranet bench routing``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from infranet.cli._options import (
    BANDWIDTH,
    check_plot,
    input_options,
    load,
    output_format,
    plot_option,
    typed,
    warn,
    what_option,
    write_chart,
)

if TYPE_CHECKING:
    from infranet.model import Topology
    from infranet.traffic import TrafficMatrix


def load_demands(topology: Topology, demands: str, *, unit: str, line: int) -> TrafficMatrix:
    """Read a traffic matrix for a topology: CSV (src,dst,gbps), FIGRET .hist (one line), or
    ``file`` for the demands the topology file carries (SNDlib, topohub)."""
    from pathlib import Path

    from infranet import traffic
    from infranet.errors import FormatError, ValidationError

    suffix = Path(demands).suffix.lower()
    _hist_only(suffix, demands)
    tm: Any
    if demands == "file":
        tm = traffic.from_topology(topology)
    elif suffix == ".hist":
        tm = traffic.read_hist(demands, topology, line=line, unit=unit)  # one line: one matrix
    elif suffix == ".csv":
        tm = traffic.read_csv(demands, topology)
    else:
        raise FormatError("demands are read from .csv (header src,dst,gbps) or FIGRET .hist "
                          "files, or 'file' for the topology's own demands", file=demands)
    if not tm.n_demands:
        where = topology.file if demands == "file" else demands
        what = ("the topology file carries no demands; give --demands a CSV or .hist file"
                if demands == "file" else "every demand is 0: there is nothing to route")
        raise ValidationError(what, file=where)
    return tm


def _hist_only(suffix: str, demands: str) -> None:
    """Refuse --line and --demand-unit given for demands that are not a .hist file (a CSV
    value carries its own unit): they would be silently ignored."""
    if suffix == ".hist":
        return
    for flag in typed("line", "demand_unit"):
        raise click.UsageError(f"{flag} goes with a FIGRET .hist file, not {demands!r}"
                               + (" (a CSV value carries its own unit, e.g. '400 Gb/s')"
                                  if suffix == ".csv" and flag == "--demand-unit" else ""))


demand_options = [
    click.option("--demands", "demands", default=None, metavar="TM",
                 help="Traffic matrix: a CSV file with header src,dst,gbps (values in Gb/s, or "
                      "with a unit: '400 Gb/s', '2.5T'); a FIGRET .hist file (see --line, "
                      "--demand-unit); or 'file' for the demands the topology file carries "
                      "(SNDlib, topohub)."),
    click.option("--line", type=click.IntRange(min=0), default=0, show_default=True,
                 help="Which matrix (0-based line) of a .hist file."),
    click.option("--demand-unit", default="bit/s", show_default=True,
                 help="Unit of .hist values: bit/s, Mb/s, Gb/s, ..., or unitless (abstract "
                      "units taken as Gb/s, for topologies read with --capacity-unit unitless: "
                      "only ratios such as the MLU mean anything)."),
]


series_options = [
    click.option("--series", default=None, metavar="SERIES",
                 help="A series of traffic matrices, in time order: a FIGRET .hist file (one "
                      "matrix per line; see --demand-unit) or a CSV file with header "
                      "t,src,dst,gbps. Replays the algorithm online instead of routing one "
                      "matrix."),
    click.option("--history", type=click.IntRange(min=1), default=None, metavar="H",
                 help="With --series: the algorithm sees the last H intervals (default all)."),
    click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
                 help="With --series: evaluate the first N intervals only."),
    click.option("--start", type=click.IntRange(min=1), default=1, show_default=True,
                 help="With --series: the first interval evaluated (the ones before are only "
                      "observed)."),
    click.option("--tunnels", default=None, metavar="FILE",
                 help="With --series: candidate tunnels (FIGRET tunnels.txt), given to every "
                      "algorithm that takes paths and used for the optimum."),
    click.option("--optima", default=None, metavar="FILE",
                 help="With --series: the published optimal MLU of each interval (a FIGRET "
                      ".opt file); default: the .opt file beside a .hist series when there is "
                      "one, else solved (the path LP over --tunnels, or the arc LP)."),
    click.option("--plot", default=None, metavar="FILE",
                 help="With --series: also draw MLU / optimum over time into FILE (.png, .svg "
                      "or .pdf)."),
]


def _with(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function
    return decorate


_ROUTE_PARTS = ("summary", "links", "failures")

#: The built-in routing algorithms, named in ``route --help`` without importing the registry
#: (which loads numpy, scipy and pandas); a test holds it equal to the registry's built-ins.
BUILTIN_ALGORITHMS = ("spf", "ecmp", "ksp", "cspf", "path-lp", "mcf", "vlb", "fptas", "pop",
                      "igp-wo", "pred-last", "pred-ewma", "pred-linear", "window-peak", "oblivious",
                      "cope", "semi-oblivious")


def _plain(text: str) -> str:
    """Documentation text without its reStructuredText markup (roles, literals)."""
    import re

    text = re.sub(r":[a-z]+:`~?([^`]+)`", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    return re.sub(r"``?([^`]+)``?", r"\1", text)


def _list_algorithms(ctx: click.Context) -> None:
    """Print every routing algorithm with its options and defaults (from its signature), and
    exit: what ``--option`` accepts."""
    from infranet.output import emit
    from infranet.routing import algorithms, describe, options_of
    from infranet.routing.base import REQUIRED

    rows = []
    for name in algorithms():
        options = options_of(name)
        listed = ("any (KEY=VALUE, passed as given)" if options is None else "; ".join(
            f"{o.name}" + (" (required)" if o.default is REQUIRED else f"={o.default!r}")
            for o in options if o.name != "failure") or "-")
        rows.append({"algorithm": name, "options": listed, "what": _plain(describe(name))})
    emit(rows, "table", title="routing algorithms: --algorithm NAME --option KEY=VALUE")
    ctx.exit(0)


@click.command()
@click.argument("file")
@_with(demand_options)
@click.option("-a", "--algorithm", default="ecmp", show_default=True,
              help=f"Routing algorithm: {', '.join(BUILTIN_ALGORITHMS)}, or a plug-in's name "
                   "(--list-algorithms lists every one found; docs/routing.md).")
@click.option("--option", "algorithm_options", multiple=True, metavar="KEY=VALUE",
              help="An option of the algorithm, e.g. --option k=4 --option eps=0.05; "
                   "--list-algorithms gives each algorithm's options and their defaults.")
@click.option("--list-algorithms", is_flag=True, is_eager=True, expose_value=False,
              callback=lambda ctx, _param, value: _list_algorithms(ctx) if value else None,
              help="List the routing algorithms (plug-ins included) with their options and "
                   "defaults, and exit.")
@click.option("--default-capacity", type=BANDWIDTH, default=None,
              help="Capacity per direction of links that have none (topohub and Topology Zoo "
                   "files often give none), e.g. 10G.")
@click.option("--optimum/--no-optimum", default=True, show_default=True,
              help="Also solve the arc LP for the optimal MLU and report MLU / optimum. Its "
                   "size grows with demands x links: a second or less on backbones of tens of "
                   "sites, about a minute for 2,000 demands on Kdl (754 sites), and it does "
                   "not finish in 20 minutes on Kdl's 567,762 pairs; --no-optimum skips it.")
@click.option("--failures", is_flag=True,
              help="Also route under every single link and shared-risk failure (re-optimised).")
@_with(series_options)
@input_options
@output_format
@what_option(_ROUTE_PARTS, csv_default="links", table_default="the summary, the busiest links "
                                                              "and, with --failures, failures")
def route(file: str, demands: str | None, line: int, demand_unit: str, algorithm: str,
          algorithm_options: tuple[str, ...], default_capacity: float | None, optimum: bool,
          failures: bool, series: str | None, history: int | None, limit: int | None,
          start: int, tunnels: str | None, optima: str | None, plot: str | None,
          input_format: str | None, capacity_unit: str | None, fmt: str,
          what: str | None) -> None:
    """Route a traffic matrix over a topology and report link utilisation; or, with
    --series, replay a routing algorithm over a series of matrices, online.

    The summary gives the algorithm, the options it ran with (the weight of SPF and ECMP), the
    maximum link utilisation (MLU) and, with --optimum, MLU / the optimal MLU. Every link needs
    a capacity (see --default-capacity).

    With --series, the algorithm is configured for each interval t from the intervals before
    it only (an algorithm with a history option, as pred-ewma and window-peak, sees them;
    others route interval t - 1) and measured on interval t: one row per interval (t, mlu,
    optimum_mlu, mlu_ratio, lost_gbps, churn, solve_s) and a summary (mean, p50, p90, p99 and
    max of the ratio, the share of intervals above 1.1 and 1.5, churn). See
    docs/dynamic-te.md.

    \b
    Examples:
      infranet route ../shared/data/figret-geant/GEANT.json --capacity-unit bit/s \\
          --demands ../shared/data/figret-geant/train-5.hist --algorithm mcf
      infranet route topohub:sndlib/abilene --demands file --default-capacity 10G -a ecmp
      infranet route topohub:sndlib/abilene --demands file --default-capacity 10G \\
          --what links --format csv
      infranet route ../shared/data/figret-geant/GEANT.json --capacity-unit bit/s \\
          --series ../shared/data/figret-geant/test-7.hist \\
          --tunnels ../shared/data/figret-geant/tunnels.txt -a window-peak --limit 20
    """
    from infranet.algorithms.arcs import capacities
    from infranet.output import emit, flatten, progress
    from infranet.routing import route_report

    if series is not None:
        _route_series(file, series, algorithm, algorithm_options, default_capacity, optimum,
                      history, limit, start, tunnels, optima, plot, demand_unit,
                      input_format, capacity_unit, fmt, demands, line, failures, what)
        return
    if demands is None:
        raise click.UsageError("give --demands (one traffic matrix) or --series (a series of "
                               "them)")
    for flag in typed("history", "limit", "start", "tunnels", "optima", "plot"):
        raise click.UsageError(f"{flag} goes with --series")
    if what == "failures" and not failures:
        raise click.UsageError("--what failures goes with --failures")
    options = _typed_options(algorithm, algorithm_options)
    if "history" in options:
        raise click.BadParameter("history is the past intervals the online protocol hands an "
                                 "algorithm: give --series (and --history N for a window)",
                                 param_hint="--option")
    topo = load(file, input_format, capacity_unit)
    if default_capacity is not None:
        topo = topo.with_defaults(capacity=default_capacity)
    capacities(topo, purpose="routing",
               hint="give --default-capacity (e.g. 10G) or capacities in the file")
    tm = load_demands(topo, demands, unit=demand_unit, line=line)
    with progress(f"routing with {algorithm}") as update:  # shown on a terminal only
        result = route_report(topo, tm, algorithm=algorithm, optimum=optimum,
                              failures=failures, progress=update, **options).to_dict()
    links = result["links"]
    if fmt == "json":
        emit(result if what is None else _route_rows(result, what), fmt)
        return
    summary = {k: v for k, v in result.items() if k not in ("links", "failures")}
    if summary["weight"] is None:
        del summary["weight"]
    if fmt == "table":  # options one per line, those the algorithm left unset aside
        summary = {k: v for k, v in flatten(summary, joiner="; ").items()
                   if v is not None or not k.startswith("options.")}
    parts = [what] if what else (["links"] if fmt == "csv" else
                                 ["summary", "links"] + (["failures"] if failures else []))
    titles = {"summary": f"routing with {algorithm}: MLU and demand carried",
              "links": "busiest links: load per direction (Gb/s) and utilisation"
                       + (" (the 15 busiest)" if len(links) > 15 and what is None else ""),
              "failures": "under each single failure (re-optimised): MLU and demand lost"}
    for i, part in enumerate(parts):
        rows = [summary] if part == "summary" else _route_rows(result, part)
        if part == "links" and fmt == "table":
            rows = sorted(rows, key=lambda r: -max(r["utilisation_ab"], r["utilisation_ba"]))
            if all(r["capacity_ba_gbps"] == r["capacity_gbps"] for r in rows):  # as show does
                rows = [{k: v for k, v in r.items() if k != "capacity_ba_gbps"} for r in rows]
            rows = rows if what else rows[:15]
        if fmt == "table" and i:
            click.echo()
        emit(rows, fmt, title=titles[part] if fmt == "table" else None,
             transpose=part == "summary" and fmt == "table")


def _route_series(file: str, series_file: str, algorithm: str,
                  algorithm_options: tuple[str, ...], default_capacity: float | None,
                  optimum: bool, history: int | None, limit: int | None, start: int,
                  tunnels: str | None, optima: str | None, plot: str | None,
                  demand_unit: str, input_format: str | None, capacity_unit: str | None,
                  fmt: str, demands: str | None, line: int, failures: bool,
                  what: str | None) -> None:
    """``infranet route FILE --series SERIES``: the online protocol, one row per interval."""
    from pathlib import Path

    import numpy as np

    from infranet.algorithms.arcs import capacities
    from infranet.output import emit, progress
    from infranet.routing import get, run_online
    from infranet.traffic_series import read_optima, read_series

    if demands is not None:
        raise click.UsageError("give --demands (one traffic matrix) or --series, not both")
    for flag in typed("line", "failures", "what"):
        raise click.UsageError(f"{flag} does not go with --series")
    if Path(series_file).suffix.lower() != ".hist":
        for flag in typed("demand_unit"):
            raise click.UsageError(f"{flag} goes with a FIGRET .hist series, not "
                                   f"{series_file!r} (a CSV value carries its own unit)")
    if optima is not None and not optimum:
        raise click.UsageError("--optima and --no-optimum contradict each other")
    _variant_hint(algorithm)
    get(algorithm)  # an unknown name fails before any reading
    options = _typed_options(algorithm, algorithm_options)
    if plot is not None:
        from infranet.output.plots import image_format

        image_format(plot)  # a bad name fails before the work
    topo = load(file, input_format, capacity_unit)
    if default_capacity is not None:
        topo = topo.with_defaults(capacity=default_capacity)
    capacities(topo, purpose="routing",
               hint="give --default-capacity (e.g. 10G) or capacities in the file")
    data = read_series(series_file, topo, unit=demand_unit)
    if start >= len(data) and typed("start"):  # else the series is too short: run_online says
        raise click.BadParameter(f"{series_file} has {len(data)} intervals (0.."
                                 f"{len(data) - 1}): none to evaluate from {start}",
                                 param_hint="--start")
    paths = None
    if tunnels is not None:
        from infranet.algorithms.candidates import read_tunnels

        paths = read_tunnels(tunnels, topo)
    published = None
    if not optimum:
        published = np.full(len(data), np.nan)
    elif optima is not None:
        published = read_optima(optima, count=len(data))
    elif Path(series_file).suffix.lower() == ".hist":
        beside = Path(series_file).with_suffix(".opt")
        if beside.is_file():
            published = read_optima(beside, count=len(data))
            warn(f"measured against the published optima of {beside}")
    done: list[dict[str, Any]] = []
    try:
        with progress(f"replaying {algorithm}", total=None) as update:
            result = run_online(topo, data, algorithm, history=history, limit=limit,
                                start=start, optima=published, paths=paths,
                                progress=lambda n, total: update("interval", n, total),
                                on_interval=done.append, algorithm_options=options)
    except KeyboardInterrupt:  # the intervals measured so far are printed, then one line
        if done:
            emit({"interrupted": True, "intervals": done} if fmt == "json" else done, fmt,
                 title="per interval, until interrupted" if fmt == "table" else None)
        click.echo(f"interrupted after {len(done)} intervals"
                   + (" (printed above)" if done else ""), err=True)
        sys.exit(130)
    out = result.to_dict()
    if fmt == "json":
        emit(out, fmt)
    elif fmt == "csv":
        emit(out["intervals"], fmt)
    else:
        emit([dict(out["summary"])], fmt,
             title=f"{algorithm} online over {data.name}: MLU / optimum", transpose=True)
        click.echo()
        emit(out["intervals"], fmt,
             title="per interval: configured from the intervals before it")
    if plot is not None:  # after the rows: a chart that cannot be drawn loses nothing
        import pandas as pd

        from infranet.errors import InfranetError
        from infranet.output.plots import plot as draw
        from infranet.output.plots import save_figure

        frame = pd.DataFrame(out["intervals"])
        try:
            figure = draw(frame, x="t", y="mlu_ratio",
                          title=f"{algorithm} on {data.name}: MLU / optimum")
            axes = figure.axes[0]
            axes.axhline(1.0, color="0.4", linestyle="--", linewidth=0.8)
            axes.set_xlabel("interval t (configured from the intervals before it)")
            axes.set_ylabel("MLU / optimal MLU (1 = the optimum, dashed)")
            for drawn in axes.get_lines()[:-1]:  # the series drawn (the last: the optimum)
                if len(frame) > 100:  # a long series: a line, not a row of dots
                    drawn.set_marker("")
            save_figure(figure, plot)
        except InfranetError as err:
            warn(f"no chart written to {plot}: no interval has a ratio ({err.detail})")
        else:
            warn(f"wrote {plot}")


def _variant_hint(algorithm: str) -> None:
    """A name of the dynamic suite's variants (``jupiter``) is not an algorithm: say which
    algorithm and options it stands for."""
    from infranet.bench.dynamic import VARIANTS

    if algorithm in VARIANTS:
        name, options = VARIANTS[algorithm]
        given = " ".join(f"--option {k}={v}" for k, v in options.items())
        raise click.BadParameter(f"{algorithm} is the dynamic suite's name for {name} with "
                                 f"{given}", param_hint="--algorithm")


def _route_rows(result: dict[str, Any], part: str) -> list[dict[str, Any]]:
    if part == "links":
        return list(result["links"])
    if part == "failures":
        return list(result["failures"]["failures"])
    return [{k: v for k, v in result.items() if k not in ("links", "failures")}]


def _parse_option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise click.BadParameter(f"{text!r}: write KEY=VALUE", param_hint="--option")
    return key.strip().replace("-", "_"), value


def _typed_options(algorithm: str, texts: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` texts as the algorithm's options, each of the type its signature gives
    (:func:`infranet.routing.options_of`)."""
    import json

    from infranet.routing import options_of

    known = {o.name: o for o in options_of(algorithm) or ()}
    options: dict[str, Any] = {}
    for text in texts:
        key, raw = _parse_option(text)
        option = known.get(key)
        kinds = set(option.kinds) if option is not None else set()
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if "str" in kinds and not isinstance(value, str):
            value = raw
        if kinds and not _fits(value, kinds):
            wanted = " or ".join(_WORDS[k] for k in sorted(kinds))
            raise click.BadParameter(f"{text!r}: {key} of {algorithm} is {wanted}, not {raw!r}",
                                     param_hint="--option")
        options[key] = float(value) if kinds == {"float"} and _fits(value, {"int"}) else value
    return options


_WORDS = {"int": "a whole number", "float": "a number", "str": "a word", "bool": "true or false"}


def _fits(value: Any, kinds: set[str]) -> bool:
    if isinstance(value, bool):
        return "bool" in kinds
    if isinstance(value, int):
        return bool(kinds & {"int", "float"})
    if isinstance(value, float):
        return "float" in kinds
    return isinstance(value, str) and "str" in kinds


@click.group()
def bench() -> None:
    """Benchmark suites: bench routing."""


@bench.command("routing")
@click.option("--suite", type=click.Choice(["quick", "standard", "large", "dynamic"]),
              default="quick", show_default=True,
              help="quick: 4 instances, a few seconds; standard: 13 instances with all their "
                   "matrices, about 5 minutes; large: standard plus Kdl and ASN2k (567,762 and "
                   "3 million demands), far longer with every algorithm (the arc LP alone does "
                   "not finish on Kdl in 20 minutes): choose --algorithms; dynamic: every "
                   "algorithm replayed online over the FIGRET GEANT and Facebook pod test "
                   "series (configured from each series' past, measured on the next "
                   "interval; see --limit). Times on 2 cores.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
              help="With --suite dynamic: evaluate the first N intervals of each series "
                   "(after its warm-up of 12), for a quick run.")
@click.option("--algorithms", default=None, metavar="A,B,...",
              help="Comma-separated algorithm names (default: every built-in one).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of generated matrices and randomised algorithms.")
@click.option("--failures", is_flag=True,
              help="Also replay every algorithm under each single failure (slow).")
@click.option("--data", type=click.Path(file_okay=False, exists=True), default=None,
              help="Folder of the reference data (default: ../shared/data or $INFRANET_DATA).")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Folder for results.json and results.csv (written as results arrive).")
@click.option("--workers", type=int, default=None, metavar="N",
              help="With --suite dynamic: replay N runs (an algorithm over a series) side by "
                   "side on local processes; -1 for every core (default: $INFRANET_WORKERS, "
                   "else 1). The rows are those of a serial run, timings aside.")
@click.option("--scheduler", default=None, metavar="ADDR",
              help="Run each (instance, matrix, algorithm) on the Dask distributed cluster whose "
                   "scheduler is at ADDR (tcp://host:8786); the results are those of a local "
                   "run, timings aside. Algorithms registered by a plug-in must be importable "
                   "on the workers.")
@plot_option
@output_format
def bench_routing(suite: str, limit: int | None, algorithms: str | None, seed: int,
                  failures: bool, data: str | None, output: str | None, workers: int | None,
                  scheduler: str | None, plot_file: str | None, fmt: str) -> None:
    """Run routing algorithms on reference instances and compare them with the optimum.

    For each instance, matrix and algorithm: MLU and MLU / optimal MLU, throughput and the
    fraction of demand carried, concurrent λ, link utilisation percentiles, latency stretch,
    paths used and solve time. The published optima of the FIGRET instances are checked.
    Instances whose data is missing are skipped, each named on stderr; an algorithm that fails
    on an instance (a plug-in's error, say) is recorded in its rows and named on stderr, and the
    suite goes on. Interrupting keeps the
    rows finished so far in -o, whose two files are each written whole, as every file infranet
    writes (see `infranet convert --help`).

    With --plot FIG, a chart of each algorithm's MLU ÷ the optimal MLU per instance (a point
    per matrix; a logarithmic axis when the ratios spread over more than a factor of 10).

    With --suite dynamic, one row per series and algorithm: mean, p50, p90, p99 and max of
    MLU / optimum over the intervals, the share of intervals above 1.1 and 1.5, churn and
    seconds per interval (docs/dynamic-te.md). Beside every registered algorithm runs
    `jupiter`: window-peak over 12 intervals with a spread of 0.5, the FIGRET harness's
    Jupiter baseline. The whole suite takes about 6 minutes on 2 cores with --workers 2.

    \b
    Examples:
      infranet bench routing --suite quick -o results
      infranet bench routing --suite quick --algorithms spf,ecmp,path-lp --plot mlu.png
      infranet bench routing --suite dynamic --limit 20
      infranet bench routing --suite dynamic --algorithms pred-last,jupiter,ecmp --workers 2

    On a Dask cluster, add --scheduler tcp://HOST:8786 (docs/studies.md says how to start one).
    """
    from pathlib import Path

    from infranet.bench import routing as suite_module
    from infranet.output import emit, progress

    names = _algorithm_names(algorithms)
    if suite == "dynamic":
        if failures:
            raise click.UsageError("--failures does not go with --suite dynamic")
        if scheduler:
            raise click.UsageError("--scheduler goes with the static suites; --suite dynamic "
                                   "replays each series in order, here")
        if plot_file:
            raise click.UsageError("--plot goes with the static suites; `infranet route FILE "
                                   "--series SERIES --plot FIG` charts one algorithm's ratio "
                                   "over time")
        _bench_dynamic(names, limit, seed, data, output, workers, fmt)
        return
    for flag in typed("limit", "workers"):
        raise click.UsageError(f"{flag} goes with --suite dynamic")
    if names:
        from infranet.routing import get

        for name in names:
            get(name)  # an unknown name fails here, before the progress bar starts
    if output:
        _results_folder(output)
    check_plot(plot_file)
    total = len(suite_module.instances(suite))
    rows: list[dict] = []
    partial = {"metadata": suite_module.metadata(suite, names or [], seed), "instances": [],
               "results": rows}

    def keep(row: dict) -> None:
        rows.append(row)
        if output:
            _write_results(partial, output, say=False)  # said once, at the end

    try:
        with progress("routing", total=total) as update:  # update(instance, done, total)
            results = suite_module.run(suite, algorithms=names, seed=seed,
                                       data=Path(data) if data else None, failures=failures,
                                       scheduler=scheduler, on_result=keep,
                                       on_instance=update)
    except KeyboardInterrupt:
        _interrupted(partial, rows, output)
    if output:
        _write_results(results, output)
    if plot_file is not None:
        from infranet.errors import InfranetError
        from infranet.output.plots import mlu_ratio_chart

        try:
            write_chart(mlu_ratio_chart(results["results"]), plot_file,
                        "MLU over the optimum per algorithm")
        except InfranetError as err:  # no ratio to draw: the table still says why
            warn(f"no chart written: {err.detail}")
    for instance in results["instances"]:
        if "skipped" in instance:
            warn(f"skipped {instance['name']}: {instance['skipped']}")
    for row in results["results"]:
        if row.get("error"):
            warn(f"{row['algorithm']} failed on {row['instance']} matrix {row['matrix']}: "
                 f"{row['error']}")
    mismatch = suite_module.check_published(results)
    for line in mismatch:
        click.echo(f"published optimum not matched: {line}", err=True)
    columns = ["instance", "matrix", "algorithm", "mlu", "optimum_mlu", "mlu_ratio",
               "satisfied", "util_p95", "stretch_mean", "n_paths", "solve_s"]
    if fmt == "json":
        emit(results, fmt)
    else:
        emit(results["results"], fmt, columns=columns if fmt == "table" else None,
             title="routing benchmark: MLU against the optimum" if fmt == "table" else None)
    if mismatch:
        sys.exit(1)


def _interrupted(partial: dict, rows: list[dict], output: str | None) -> NoReturn:
    """Keep the rows of an interrupted suite in `output` (if any), say so, exit 130."""
    if output and rows:
        _write_results(partial, output)
    click.echo(f"interrupted after {len(rows)} results"
               + (f"; kept in {output}" if output and rows else ""), err=True)
    sys.exit(130)


def _bench_dynamic(names: list[str] | None, limit: int | None, seed: int, data: str | None,
                   output: str | None, workers: int | None, fmt: str) -> None:
    """``infranet bench routing --suite dynamic``."""
    from pathlib import Path

    from infranet.bench import dynamic
    from infranet.output import emit, progress

    if names:
        from infranet.routing import get

        for name in names:
            if name not in dynamic.VARIANTS:
                get(name)
    if workers is not None and (workers == 0 or workers < -1):
        raise click.BadParameter(f"{workers} processes: give 1 or more, or -1 for every core",
                                 param_hint="--workers")
    if output:
        _results_folder(output)
    from infranet.bench.routing import metadata

    rows: list[dict] = []
    partial = {"metadata": {**metadata("dynamic", names or [], seed), "limit": limit,
                            "warmup": dynamic.WARMUP, "interrupted": True},
               "instances": [], "results": rows}

    def keep(row: dict) -> None:
        rows.append(row)
        if output:
            _write_results(partial, output, say=False)

    try:
        with progress("replaying") as update:  # update(run, done, total)
            results = dynamic.run(algorithms=names, limit=limit, seed=seed,
                                  data=Path(data) if data else None, workers=workers,
                                  on_result=keep, on_progress=update)
    except KeyboardInterrupt:
        _interrupted(partial, rows, output)
    if output:
        _write_results(results, output)
    for instance in results["instances"]:
        if "skipped" in instance:
            warn(f"skipped {instance['name']}: {instance['skipped']}")
    for row in results["results"]:
        if row.get("error"):
            warn(f"{row['algorithm']} failed on {row['instance']}: {row['error']}")
    columns = ["instance", "algorithm", "intervals", "mean_ratio", "p90_ratio", "max_ratio",
               "share_above_1.1", "mean_churn", "intervals_with_loss", "seconds_per_interval"]
    if fmt == "json":
        emit(results, fmt)
    else:
        emit(results["results"], fmt, columns=columns if fmt == "table" else None,
             title="dynamic routing benchmark: MLU / optimum, configured from the past"
             if fmt == "table" else None)


def _algorithm_names(text: str | None) -> list[str] | None:
    """The names of ``--algorithms A,B,...``; None (every built-in one) when not given. An
    empty list, an empty name or a name given twice is a usage error."""
    if text is None:
        return None
    names = [a.strip() for a in text.split(",")]
    if not any(names):
        raise click.BadParameter("no algorithm named; give A,B,... or leave --algorithms out "
                                 "for every built-in one", param_hint="--algorithms")
    if not all(names):
        raise click.BadParameter(f"{text!r} has an empty name between its commas",
                                 param_hint="--algorithms")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise click.BadParameter(f"{', '.join(twice)} given twice; each algorithm runs once",
                                 param_hint="--algorithms")
    return names


def _write_results(results: dict[str, Any], folder: str, *, say: bool = True) -> None:
    """Write ``results.json`` (everything) and ``results.csv`` (the rows) into `folder`, each
    file whole (a safe write); `say` what was written on stderr."""
    from pathlib import Path

    from infranet.errors import counted
    from infranet.io import write_text
    from infranet.output import to_csv, to_json

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "results.json", to_json(results) + "\n")
    write_text(out / "results.csv", to_csv(results["results"]))
    if say:
        click.echo(f"wrote {out / 'results.json'} and {out / 'results.csv'} "
                   f"({counted(len(results['results']), 'result')})", err=True)


def _results_folder(output: str) -> None:
    """Refuse -o when it names something other than a folder (or a folder to make)."""
    import os

    from infranet.errors import FormatError

    if output == "-":
        raise FormatError("-o names a folder for results.json and results.csv; for standard "
                          "output use --format json or csv", file=output)
    if os.path.exists(output) and not os.path.isdir(output):
        raise FormatError("is not a folder; -o names a folder for results.json and "
                          "results.csv", file=output)
