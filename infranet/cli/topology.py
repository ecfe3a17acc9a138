"""``infranet validate``, ``show`` and ``convert``."""

from __future__ import annotations

import sys

import click

from infranet.cli._options import input_options, load, output_format


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@input_options
@output_format
def validate(files: tuple[str, ...], input_format: str | None, capacity_unit: str | None,
             fmt: str) -> None:
    """Check topology files and list every problem, one line each.

    Exit code 0 when every file is valid, 1 otherwise. FILE may also be topohub:GROUP/NAME.

    \b
    Example:
      infranet validate topologies/*.yaml
    """
    import infranet.io
    from infranet.errors import InfranetError
    from infranet.fabrics.power import power_warnings
    from infranet.model import schema
    from infranet.report import emit

    results = []
    for path in files:
        options = {"capacity_unit": capacity_unit} if capacity_unit else {}
        try:
            spec = infranet.io.read_spec(path, format=input_format, **options)
            problems = [str(p) for p in schema.normalise(spec, file=path)[1]]
        except InfranetError as err:
            problems = [str(err.in_file(path))]
        counts = {}
        warnings: list[str] = []
        if not problems:
            topo = load(path, input_format, capacity_unit)
            counts = {"sites": topo.n_sites, "links": topo.n_links}
            warnings = power_warnings(topo)  # clusters drawing more than a site's power_mw
        results.append({"file": path, "valid": not problems, "problems": problems, **counts,
                        **({"warnings": warnings} if warnings else {})})
    if fmt == "json":
        emit(results, fmt)
    elif fmt == "csv":
        rows = [{"file": r["file"], "problem": p} for r in results for p in r["problems"]]
        emit(rows, fmt, columns=["file", "problem"])
    else:
        for r in results:
            if r["valid"]:
                click.echo(f"{r['file']}: ok ({r['sites']} sites, {r['links']} links)")
            for problem in r["problems"] + r.get("warnings", []):
                click.echo(problem)
    if not all(r["valid"] for r in results):
        sys.exit(1)


@click.command()
@click.argument("file")
@input_options
@output_format
@click.option("--what", type=click.Choice(["summary", "sites", "links", "clusters"]),
              default=None, help="Show one table only (table and CSV formats show the summary, "
                                 "sites and links by default).")
def show(file: str, input_format: str | None, capacity_unit: str | None, fmt: str,
         what: str | None) -> None:
    """Show a topology: sites, links, fiber km, capacity and clusters.

    \b
    Examples:
      infranet show topologies/us-backbone.yaml
      infranet show topologies/us-backbone.yaml --what links --format csv
    """
    from infranet.report import emit
    from infranet.studies.describe import describe

    result = describe(load(file, input_format, capacity_unit))
    if fmt == "json" and what is None:
        emit(result, fmt)
        return
    parts = [what] if what else (["summary", "sites", "links", "clusters"] if fmt == "table"
                                 else ["links"])
    for part in parts:
        rows = [result["summary"]] if part == "summary" else result[part]
        if part == "clusters" and not rows and what is None:
            continue
        emit(rows, fmt, title=part if fmt == "table" else None,
             transpose=part == "summary" and fmt == "table")


@click.command()
@click.argument("source", metavar="IN")
@click.argument("target", metavar="OUT")
@click.option("--to", "to_format", default=None, metavar="FORMAT",
              help="Write as FORMAT (yaml, json, nodelink, geojson) instead of guessing from "
                   "OUT's extension.")
@input_options
def convert(source: str, target: str, to_format: str | None, input_format: str | None,
            capacity_unit: str | None) -> None:
    """Convert a topology between formats, by file extension or --to.

    Reads yaml, json, node-link JSON, Topology Zoo GML/GraphML, SNDlib native/XML, GeoJSON and
    topohub:GROUP/NAME; writes yaml, json, nodelink and geojson. What a conversion had to assume
    is kept in the topology's notes. OUT is written whole or not at all.

    \b
    Examples:
      infranet convert topohub:sndlib/abilene abilene.yaml
      infranet convert ../shared/data/figret-geant/GEANT.json geant.yaml --capacity-unit bit/s
      infranet convert topologies/us-backbone.yaml us.geojson
    """
    import infranet.io

    topo = load(source, input_format, capacity_unit)
    infranet.io.write(topo, target, format=to_format)
    click.echo(f"wrote {target} ({topo.n_sites} sites, {topo.n_links} links)", err=True)
