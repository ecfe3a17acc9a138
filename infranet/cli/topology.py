"""``infranet validate``, ``show`` and ``convert``."""

from __future__ import annotations

import sys
from typing import Any

import click

from infranet.cli._options import (
    input_options,
    load,
    output_format,
    reading,
    warn,
    what_option,
    writes_files,
)

_SHOW_PARTS = ("summary", "sites", "links", "clusters", "notes", "warnings")


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--strict", is_flag=True, help="Count warnings as problems (exit code 1).")
@input_options
@output_format
def validate(files: tuple[str, ...], strict: bool, input_format: str | None,
             capacity_unit: str | None, fmt: str) -> None:
    """Check topology files and list every problem, one line each.

    Problems make a file invalid. Warnings (two sites at one location, a link far longer than
    the great circle between its sites, a cluster whose scale-up is not its accelerator's,
    clusters that draw more power than their site's power_mw) are listed too, as
    "FILE: warning: ..." lines, but leave it valid unless --strict (then the file "fails
    --strict" instead of "ok"); the other commands print how many warnings a file has on
    stderr. Exit code 0 when every file is valid, 1 otherwise. FILE may also be - (standard
    input) or topohub:GROUP/NAME. JSON and CSV give each file's problems and warnings without
    the file name, which is their own field.

    \b
    Examples:
      infranet validate topologies/*.yaml
      infranet validate topologies/texas-ring.yaml --format csv
    """
    results = [_validate(path, input_format, capacity_unit) for path in files]
    if strict:
        for r in results:
            r["valid"] = r["valid"] and not r["warnings"]
    if fmt == "json":
        from infranet.output import emit

        emit(results, fmt)
    elif fmt == "csv":
        from infranet.output import emit

        rows = [{"file": r["file"], "problem": p, "severity": "error"}
                for r in results for p in r["problems"]]
        rows += [{"file": r["file"], "problem": w, "severity": "warning"}
                 for r in results for w in r["warnings"]]
        emit(rows, fmt, columns=["file", "problem", "severity"])
    else:
        from infranet.errors import counted, printable

        for r in results:
            name = printable(r["file"])
            counts = (f"({counted(r['sites'], 'site')}, {counted(r['links'], 'link')})"
                      if "sites" in r else "")
            if not r["problems"] and r["valid"]:
                click.echo(f"{name}: ok {counts}")
            elif not r["problems"]:
                click.echo(f"{name}: fails --strict: {counted(len(r['warnings']), 'warning')} "
                           f"{counts}")
            for problem in r["problems"]:
                click.echo(f"{name}: {problem}")
            for warning in r["warnings"]:
                click.echo(f"{name}: warning: {warning}")
    if not all(r["valid"] for r in results):
        sys.exit(1)


def _validate(path: str, input_format: str | None, capacity_unit: str | None) -> dict[str, Any]:
    import infranet.io
    from infranet.errors import InfranetError

    options: dict[str, Any] = {"capacity_unit": capacity_unit} if capacity_unit else {}
    counts: dict[str, int] = {}
    try:
        with reading(path, "checking") as report:
            spec, found, doubts = infranet.io.check(path, format=input_format, progress=report,
                                                    **options)
        # one line each (errors escape what is not printable), the file said apart; warnings:
        # co-located sites, long detours, clusters unlike their accelerator, sites over power_mw
        problems = [p.without_file() for p in found]
        warnings = [w.without_file() for w in doubts]
        if not problems:
            counts = {"sites": len(spec["sites"]), "links": len(spec["links"])}
    except InfranetError as err:
        problems, warnings = [err.without_file()], []
    return {"file": path, "valid": not problems, "problems": problems,
            "warnings": warnings, **counts}


@click.command()
@click.argument("file")
@input_options
@output_format
@what_option(_SHOW_PARTS, csv_default="links",
             table_default="the summary, sites, links, and clusters, notes and warnings when "
                           "there are any")
def show(file: str, input_format: str | None, capacity_unit: str | None, fmt: str,
         what: str | None) -> None:
    """Show a topology: sites, links, fiber km, capacity, clusters, and the notes that say
    what the file (or its conversion) assumed.

    Link latencies are one way: fiber propagation plus equipment (amplifiers, transponders,
    FEC) along the modelled route, a floor without queueing. Capacities are per direction;
    capacity_ba_gbps (b to a) is shown when some link's differs. An empty table prints
    "(none)" (CSV: its header). FILE may be - for standard input.

    \b
    Examples:
      infranet show topologies/us-backbone.yaml
      infranet show topologies/us-backbone.yaml --what links --format csv
      infranet show topologies/texas-ring.yaml --what notes
    """
    from infranet.output import describe, emit

    # where show lists the warnings itself (all of it as a table or JSON, or --what
    # warnings), no count of them on stderr besides
    listed = what == "warnings" or (what is None and fmt != "csv")
    result = describe(load(file, input_format, capacity_unit, count_warnings=not listed))
    if fmt == "json" and what is None:
        emit(result, fmt)
        return
    if what is not None:
        parts = [what]
    elif fmt == "csv":
        parts = ["links"]
    else:
        parts = [p for p in _SHOW_PARTS if result[p] or p in ("summary", "sites", "links")]
    for i, part in enumerate(parts):
        rows = _show_rows(result, part)
        if fmt == "table" and i:
            click.echo()
        emit(rows, fmt, title=_SHOW_TITLES[part] if fmt == "table" else None,
             transpose=part == "summary" and fmt == "table",
             columns=_show_columns(part, rows))


def _show_columns(part: str, rows: list[dict[str, Any]]) -> list[str] | None:
    """The columns of a part of ``show`` (those of an empty table too); a link's capacity from
    b to a only when some link's differs from its capacity."""
    from infranet.output.topology import COLUMNS

    if part not in COLUMNS:
        return None
    columns = list(COLUMNS[part])
    if part == "links" and all(_same(r["capacity_ba_gbps"], r["capacity_gbps"]) for r in rows):
        columns.remove("capacity_ba_gbps")
    return columns


def _same(x: Any, y: Any) -> bool:
    import math

    both_unknown = isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
    return bool(x == y or both_unknown)


_SHOW_TITLES = {
    "summary": "summary (fiber km and capacity per direction, over fiber links)",
    "sites": "sites (lon, lat in degrees)",
    "links": "links (capacity per direction; latency one way: fiber + equipment along the "
             "modelled route, a floor without queueing)",
    "clusters": "clusters",
    "notes": "notes (what the file or its conversion assumed)",
    "warnings": "warnings (doubtful, not wrong)",
}
def _show_rows(result: dict[str, Any], part: str) -> list[dict[str, Any]]:
    if part == "summary":
        return [result["summary"]]
    if part == "notes":
        return [{"note": note} for note in result["notes"]]
    if part == "warnings":
        return [{k: w[k] for k in ("element", "field", "message")} for w in result["warnings"]]
    return list(result[part])


@writes_files
@click.command()
@click.argument("source", metavar="IN")
@click.argument("target", metavar="OUT")
@click.option("--to", "to_format", default=None,
              type=click.Choice(["yaml", "json", "nodelink", "geojson"]),
              help="Write as this format instead of guessing from OUT's extension; '-' as OUT "
                   "writes YAML unless --to says otherwise. node-link JSON is read back from "
                   ".json files.")
@input_options
def convert(source: str, target: str, to_format: str | None, input_format: str | None,
            capacity_unit: str | None) -> None:
    """Convert a topology between formats, by file extension or --to.

    Reads yaml, json, node-link JSON, Topology Zoo GML/GraphML, SNDlib native/XML, GeoJSON,
    topohub:GROUP/NAME and - (standard input); writes yaml, json, nodelink and geojson. What a
    conversion had to assume is kept in the topology's notes (`infranet show OUT --what
    notes`). OUT must not be IN (nor a link to it): convert never rewrites its input.

    \b
    Examples:
      infranet convert topohub:sndlib/abilene abilene.yaml
      infranet convert ../shared/data/figret-geant/GEANT.json geant.yaml --capacity-unit bit/s
      infranet convert topologies/us-backbone.yaml us.geojson
      infranet convert topologies/texas-ring.yaml - --to json
    """
    import infranet.io
    from infranet.errors import FormatError, counted
    from infranet.io.files import STDOUT, same_file

    if source != "-" and same_file(source, target):
        raise FormatError(f"is the input file {source}; convert writes a new file and would "
                          "replace the one it reads (units normalised, text reflowed, comments "
                          "lost): give another OUT", file=target)
    name = to_format or infranet.io.guess_format(target, writing=True)
    if target != STDOUT and not infranet.io.reads_back(target, name) and _known_suffix(target):
        raise FormatError(f"its extension says another format than {name}, so infranet would "
                          f"misread it; name it {_renamed(target, name)} or drop --to",
                          file=target)
    topo = load(source, input_format, capacity_unit)
    infranet.io.write(topo, target, format=name)
    where = "standard output" if target == STDOUT else target
    click.echo(f"wrote {where} ({counted(topo.n_sites, 'site')}, "
               f"{counted(topo.n_links, 'link')})", err=True)
    if target != STDOUT and not infranet.io.reads_back(target, name):
        warn(f"{target}: infranet reads {name} from {_extensions(name)} files; name it "
             f"{_renamed(target, name)}, or read it with --input-format {name}")


def _known_suffix(path: str) -> bool:
    from pathlib import Path

    import infranet.io

    suffix = Path(path).suffix.lower()
    return any(suffix in f.extensions for f in infranet.io.FORMATS.values())


def _extensions(name: str) -> str:
    import infranet.io

    return " or ".join(infranet.io.FORMATS[name].extensions)


def _renamed(path: str, name: str) -> str:
    from pathlib import Path

    import infranet.io

    return str(Path(path).with_suffix(infranet.io.FORMATS[name].extensions[0]))

