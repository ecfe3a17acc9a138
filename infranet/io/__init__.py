"""Reading and writing topologies in every supported format.

:func:`read` and :func:`write` choose the format from the file extension (or ``format=``); every
reader turns its format into the native spec and validates it in one place
(:meth:`infranet.model.Topology.from_dict`). Conversions record what they had to assume in the
topology's ``notes``. ``-`` reads standard input (its format sniffed from the content, or
``format=``) and writes standard output.

========== ======================= ======== ========
format      extensions              read     write
========== ======================= ======== ========
yaml        .yaml .yml              yes      yes
json        .json (native spec)     yes      yes
nodelink    .json (networkx)        yes      yes
gml         .gml (Topology Zoo)     yes      no
graphml     .graphml (Topology Zoo) yes      no
sndlib      .txt (SNDlib native)    yes      no
sndlib-xml  .xml (SNDlib XML)       yes      no
geojson     .geojson                yes      yes
topohub     ``topohub:GROUP/NAME``  yes      no
========== ======================= ======== ========
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infranet.errors import (
    FormatError,
    InfranetError,
    InfranetWarning,
    UnknownNameError,
    ValidationError,
    did_you_mean,
)
from infranet.io.files import STDIN, STDOUT, read_bytes, write_text
from infranet.io.native import gc_paused

if TYPE_CHECKING:
    from infranet.model import Topology

__all__ = ["FORMATS", "Progress", "check", "dumps", "guess_format", "read", "read_spec",
           "reads_back", "write", "write_text"]


@dataclass(frozen=True)
class Format:
    """A file format: its extensions and where its reader and writer live."""

    name: str
    extensions: tuple[str, ...]
    description: str
    reader: str | None  # "module:function" returning a native spec dict
    writer: str | None  # "module:function" taking a Topology, returning text or a JSON-able dict


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("yaml", (".yaml", ".yml"), "infranet native YAML", "infranet.io:_read_yaml",
           "infranet.io:_write_yaml"),
    Format("json", (".json",), "infranet native JSON", "infranet.io:_read_json",
           "infranet.io:_write_json"),
    Format("nodelink", (".json",), "networkx node-link JSON", "infranet.io.nodelink:read_nodelink",
           "infranet.io.nodelink:write_nodelink"),
    Format("gml", (".gml",), "Topology Zoo GML", "infranet.io.zoo:read_gml", None),
    Format("graphml", (".graphml",), "Topology Zoo GraphML", "infranet.io.zoo:read_graphml", None),
    Format("sndlib", (".txt",), "SNDlib native", "infranet.io.sndlib:read_sndlib", None),
    Format("sndlib-xml", (".xml",), "SNDlib XML", "infranet.io.sndlib:read_sndlib_xml", None),
    Format("geojson", (".geojson",), "GeoJSON FeatureCollection",
           "infranet.io.geojson:read_geojson", "infranet.io.geojson:write_geojson"),
    Format("topohub", (), "topohub repository (topohub:GROUP/NAME)",
           "infranet.io.topohub:read_topohub", None),
)}


def _load(target: str) -> Callable[..., Any]:
    module, function = target.split(":")
    return getattr(import_module(module), function)


def guess_format(path: str | Path, *, writing: bool = False) -> str:
    """Return the format name for `path` from its extension (and, for .json and standard
    input, its content).

    Examples
    --------
    >>> guess_format("topologies/texas-ring.yaml"), guess_format("out.geojson", writing=True)
    ('yaml', 'geojson')
    >>> guess_format("out.gml", writing=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    infranet.errors.FormatError: out.gml: infranet reads the gml format but cannot write it; ...
    """
    text = str(path)
    if text.startswith("topohub:"):
        return "topohub"
    if writing and text == STDOUT:
        return "yaml"
    if not writing and text == STDIN:
        return _sniff(read_bytes(STDIN)[:65536].decode("utf-8", errors="replace"))
    if not writing and Path(text).is_dir():
        raise FormatError("is a directory, not a topology file", file=text)
    suffix = Path(text).suffix.lower()
    if suffix == ".json":
        if writing or not Path(text).is_file():
            return "json"
        return _sniff_json(text)
    chosen = [f for f in FORMATS.values() if suffix in f.extensions]
    if writing:
        if chosen and chosen[0].writer is None:
            raise FormatError(f"infranet reads the {chosen[0].name} format but cannot write it; "
                              f"{_writable()}", file=text)
        if not chosen:
            raise FormatError(f"cannot tell the format from the extension "
                              f"{suffix or '(none)'!r}; {_writable()}", file=text)
    if chosen:
        return chosen[0].name
    known = sorted({e for f in FORMATS.values() for e in f.extensions})
    raise FormatError(f"cannot tell the format from the extension {suffix or '(none)'!r}; "
                      f"use one of {', '.join(known)} or name the format "
                      f"({', '.join(FORMATS)})", file=text)


def _writable() -> str:
    writers = [f for f in FORMATS.values() if f.writer]
    extensions = sorted({e for f in writers for e in f.extensions})
    return (f"write one of {', '.join(extensions)}, or name the format "
            f"({', '.join(f.name for f in writers)})")


def reads_back(path: str | Path, format: str) -> bool:
    """True when :func:`read` would read a file written at `path` in `format` without being
    told the format (its extension, and for .json its content, say which).

    Examples
    --------
    >>> reads_back("geant.json", "nodelink"), reads_back("geant.nodelink", "nodelink")
    (True, False)
    >>> reads_back("vdc.yaml", "json")  # JSON is YAML
    True
    """
    suffix = Path(str(path)).suffix.lower()
    if suffix == ".json":  # sniffed: native JSON, node-link or GeoJSON
        return format in ("json", "nodelink", "geojson")
    readers = {f.name for f in FORMATS.values() if suffix in f.extensions}
    return format in readers or (format == "json" and "yaml" in readers)


def _sniff(head: str) -> str:
    """The format of text from its first characters (standard input has no extension)."""
    start = head.lstrip("\ufeff \t\r\n")
    if start.startswith(("{", "[")):
        return _json_kind(start)
    if start.startswith("<"):
        return "graphml" if "<graphml" in start else "sndlib-xml"
    if start.startswith("?SNDlib") or start.startswith("NODES ("):
        return "sndlib"
    if start.startswith(("graph [", "graph\n", "Creator")):
        return "gml"
    return "yaml"


def _sniff_json(path: str) -> str:
    with open(path, "rb") as handle:
        head = handle.read(65536).decode("utf-8", errors="replace")
    return _json_kind(head)


def _json_kind(head: str) -> str:
    # networkx node-link has "nodes" and "links"/"edges"; the native spec has "sites";
    # GeoJSON has a FeatureCollection
    if '"FeatureCollection"' in head:
        return "geojson"
    if '"sites"' in head:
        return "json"
    if '"nodes"' in head:
        return "nodelink"
    return "json"


def _check_format(name: str) -> Format:
    if name not in FORMATS:
        raise UnknownNameError(f"unknown format {name!r}{did_you_mean(name, FORMATS)}; "
                               f"known: {', '.join(FORMATS)}")
    return FORMATS[name]


Progress = Callable[[str, "int | None", "int | None"], None]


def read_spec(path: str | Path, *, format: str | None = None,
              progress: Progress | None = None, **options: Any) -> dict[str, Any]:
    """Return the native spec dict of a file in any readable format (not yet validated).

    `progress`, when given, is called now and then with ``("parsing", done, total)`` while a
    native YAML file is parsed (characters).
    """
    where = str(path)
    if where != STDIN and not where.startswith("topohub:") and not Path(where).exists():
        raise FormatError("file not found", file=where)
    name = format or guess_format(path)
    fmt = _check_format(name)
    if fmt.reader is None:
        raise FormatError(f"infranet cannot read the {name} format", file=where)
    reader = _load(fmt.reader)
    taken = inspect.signature(reader).parameters
    for option in options:
        if option not in taken:
            flag = "--" + option.replace("_", "-")
            raise ValidationError(f"{flag} does not apply to the {name} format "
                                  f"({fmt.description})", file=where, field=option)
    if progress is not None and name == "yaml":
        def parsing(done: int, total: int) -> None:
            progress("parsing", done, total)

        options["progress"] = parsing
    try:
        with gc_paused():
            if name == "topohub":
                return reader(str(path), **options)
            return reader(path, **options)
    except InfranetError as err:
        raise err.in_file(where) from None
    except RecursionError:
        raise FormatError("structure nests too deeply", file=where) from None


def check(path: str | Path, *, format: str | None = None, progress: Progress | None = None,
          **options: Any) -> tuple[dict[str, Any], list[InfranetError], list[InfranetWarning]]:
    """Check a topology file: return ``(spec, problems, warnings)``, every problem listed.

    `spec` is the normalised spec (quantities in canonical units, defaults filled in); the file
    is valid when `problems` is empty. `warnings` (two sites at one location, see
    :func:`infranet.model.schema.warnings`) are only looked for in a valid file. A file that
    cannot be parsed raises, as :func:`read` does.

    Examples
    --------
    >>> spec, problems, warnings = check("topologies/texas-ring.yaml")
    >>> len(spec["sites"]), problems, warnings
    (5, [], [])
    """
    from infranet.model import Topology, schema

    spec = read_spec(path, format=format, progress=progress, **options)
    if progress is not None:
        progress("validating", None, None)
    with gc_paused():
        normal, problems = schema.normalise(spec, file=str(path))
    if problems:
        return normal, problems, []
    return normal, [], schema.warnings(Topology(normal, file=str(path)))


def read(path: str | Path, *, format: str | None = None, progress: Progress | None = None,
         **options: Any) -> Topology:
    """Read a topology file (or ``topohub:GROUP/NAME``) and return a validated Topology.

    What is doubtful but not wrong (two sites at one location, see
    :func:`infranet.model.schema.warnings`) is issued as an
    :class:`~infranet.errors.InfranetWarning` through :mod:`warnings`.

    Parameters
    ----------
    path
        A file path, or ``topohub:GROUP/NAME`` for a topology of the topohub repository.
    format
        A name from :data:`FORMATS`; by default guessed from the extension.
    progress
        Called with ``(phase, done, total)`` as the work goes on: ``"parsing"`` with characters
        done and in all (native YAML), then ``"validating"`` with None, None.
    **options
        Reader options, e.g. ``capacity_unit="bit/s"`` for node-link JSON.

    Raises
    ------
    InfranetError
        For a file that cannot be parsed, and for the first problem of an invalid one (with
        how many more there are; :func:`check` lists them all).

    Examples
    --------
    >>> import infranet
    >>> topo = infranet.read("topologies/texas-ring.yaml")
    >>> topo.n_sites, topo.n_links
    (5, 5)
    """
    from infranet.model import Topology, schema

    spec = read_spec(path, format=format, progress=progress, **options)
    if progress is not None:
        progress("validating", None, None)
    with gc_paused():
        topology = Topology.from_dict(spec, source=str(path))
    for warning in schema.warnings(topology):
        warnings.warn(warning, stacklevel=2)
    return topology


def dumps(topology: Topology, format: str) -> str:
    """Return `topology` as text in a writable format."""
    import json

    fmt = _check_format(format)
    if fmt.writer is None:
        writable = [f.name for f in FORMATS.values() if f.writer]
        raise FormatError(f"infranet cannot write the {format} format; writable: "
                          f"{', '.join(writable)}")
    try:
        out = _load(fmt.writer)(topology)
        if isinstance(out, str):
            return out
        return json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as err:  # NaN or infinity in free data (meta): JSON has no such number
        raise FormatError(f"cannot write as {format}: {err}; YAML can hold it") from None


def write(topology: Topology, path: str | Path, *, format: str | None = None) -> None:
    """Write `topology` to `path` (format from the extension or ``format=``; ``-`` writes YAML,
    or `format`, to standard output).

    Written through :func:`infranet.io.files.write_text`: only a regular file is replaced,
    atomically (a failure never leaves half a file or loses the old one); a symbolic link is
    written through to its target; a directory, device, FIFO or socket is refused.
    """
    name = format or guess_format(path, writing=True)
    try:
        text = dumps(topology, name)
    except InfranetError as err:
        raise err.in_file(str(path)) from None
    write_text(path, text)


def _read_native(path: str | Path, parse: str, **options: Any) -> dict[str, Any]:
    from infranet.io import native
    from infranet.io.files import read_text

    text = read_text(path)
    data = getattr(native, parse)(text, file=str(path), **options)
    if not isinstance(data, dict):
        raise FormatError(f"expected a topology mapping (name, sites, links) at the top, got "
                          f"{type(data).__name__}", file=str(path))
    return data


def _read_yaml(path: str | Path, *,
               progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    return _read_native(path, "load_yaml", progress=progress)


def _read_json(path: str | Path) -> dict[str, Any]:
    return _read_native(path, "load_json")


def _write_yaml(topology: Topology) -> str:
    from infranet.io import native

    return native.dump_yaml(topology.to_dict())


def _write_json(topology: Topology) -> str:
    from infranet.io import native

    return native.dump_json(topology.to_dict())
