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

    Problems make a file invalid. Warnings (two sites at one location, a cluster whose
    scale-up is not its accelerator's, clusters that draw more power than their site's
    power_mw) are listed too, as "FILE: warning: ..." lines, but leave it valid unless --strict
    (then the file "fails --strict" instead of "ok"); the other commands print how many
    warnings a file has on stderr. Exit code 0 when every file is valid, 1 otherwise. FILE may
    also be topohub:GROUP/NAME.

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
        from infranet.errors import printable

        for r in results:
            name = printable(r["file"])
            if not r["problems"] and r["valid"]:
                click.echo(f"{name}: ok ({r['sites']} sites, {r['links']} links)")
            elif not r["problems"]:
                count = len(r["warnings"])
                click.echo(f"{name}: fails --strict: {count} warning{'s' * (count != 1)} "
                           f"({r['sites']} sites, {r['links']} links)")
            for problem in r["problems"]:
                click.echo(problem)
            for warning in r["warnings"]:
                click.echo(f"{name}: warning: {warning}")
    if not all(r["valid"] for r in results):
        sys.exit(1)


def _validate(path: str, input_format: str | None, capacity_unit: str | None) -> dict[str, Any]:
    import infranet.io
    from infranet.errors import InfranetError, where

    options: dict[str, Any] = {"capacity_unit": capacity_unit} if capacity_unit else {}
    counts: dict[str, int] = {}
    try:
        with reading(path, "checking") as report:
            spec, found, doubts = infranet.io.check(path, format=input_format, progress=report,
                                                    **options)
        problems = [str(p) for p in found]  # one line each: errors escape what is not printable
        # co-located sites, clusters unlike their accelerator, sites over their power_mw
        warnings = [f"{where(element=w.element, field=w.field)}: {w.detail}" for w in doubts]
        if not problems:
            counts = {"sites": len(spec["sites"]), "links": len(spec["links"])}
    except InfranetError as err:
        problems, warnings = [str(err.in_file(path))], []
    return {"file": path, "valid": not problems, "problems": problems, "warnings": warnings,
            **counts}


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
    FEC) along the modelled route, a floor without queueing. Capacities are per direction.

    \b
    Examples:
      infranet show topologies/us-backbone.yaml
      infranet show topologies/us-backbone.yaml --what links --format csv
      infranet show topologies/texas-ring.yaml --what notes
    """
    from infranet.output import describe, emit

    result = describe(load(file, input_format, capacity_unit))
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
             columns=_SHOW_COLUMNS.get(part) if not rows else None)


_SHOW_TITLES = {
    "summary": "summary (fiber km and capacity per direction, over fiber links)",
    "sites": "sites (lon, lat in degrees)",
    "links": "links (capacity per direction; latency one way: fiber + equipment along the "
             "modelled route, a floor without queueing)",
    "clusters": "clusters",
    "notes": "notes (what the file or its conversion assumed)",
    "warnings": "warnings (doubtful, not wrong)",
}
_SHOW_COLUMNS = {"notes": ["note"], "warnings": ["element", "field", "message"],
                 "clusters": ["site", "name", "accelerator", "count", "scale_up", "scale_out",
                              "dci_gbps"]}


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
@click.option("--to", "to_format", default=None, metavar="FORMAT",
              help="Write as FORMAT (yaml, json, nodelink, geojson) instead of guessing from "
                   "OUT's extension; '-' as OUT writes YAML unless --to says otherwise.")
@input_options
def convert(source: str, target: str, to_format: str | None, input_format: str | None,
            capacity_unit: str | None) -> None:
    """Convert a topology between formats, by file extension or --to.

    Reads yaml, json, node-link JSON, Topology Zoo GML/GraphML, SNDlib native/XML, GeoJSON and
    topohub:GROUP/NAME; writes yaml, json, nodelink and geojson. What a conversion had to assume
    is kept in the topology's notes (`infranet show OUT --what notes`).

    \b
    Examples:
      infranet convert topohub:sndlib/abilene abilene.yaml
      infranet convert ../shared/data/figret-geant/GEANT.json geant.yaml --capacity-unit bit/s
      infranet convert topologies/us-backbone.yaml us.geojson
      infranet convert topologies/texas-ring.yaml - --to json
    """
    import infranet.io

    topo = load(source, input_format, capacity_unit)
    infranet.io.write(topo, target, format=to_format)
    where = "standard output" if target == "-" else target
    click.echo(f"wrote {where} ({topo.n_sites} sites, {topo.n_links} links)", err=True)

