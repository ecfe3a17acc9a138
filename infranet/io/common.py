"""Helpers shared by the readers and writers of external formats (node-link JSON, GeoJSON,
Topology Zoo, SNDlib)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from infranet.errors import FormatError

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["as_number", "check_xml", "finite", "json_document", "load_json_file", "some", "trim"]


def load_json_file(file: str) -> Any:
    """The parsed content of a JSON file, refusing missing, huge, non-UTF-8 and malformed
    files (:class:`~infranet.errors.FormatError`)."""
    from infranet.io.files import read_text
    from infranet.io.native import load_json

    return load_json(read_text(file), file=file)  # refuses missing, huge, non-UTF-8, bad JSON


def json_document(path_or_dict: Any) -> tuple[Any, str | None]:
    """The data of a JSON reader's input, a file path or already parsed data, and its file."""
    if isinstance(path_or_dict, Mapping):
        return path_or_dict, None
    file = str(path_or_dict)
    return load_json_file(file), file


def trim(links: list[dict[str, Any]], defaults: Any) -> list[dict[str, Any]]:
    """Drop what a writer resolved but the spec did not say: the default medium, empty srlg."""
    medium = defaults.get("medium", "smf") if isinstance(defaults, Mapping) else "smf"
    for link in links:
        if link.get("medium") == medium:
            del link["medium"]
        if link.get("srlg") == []:
            del link["srlg"]
    return links


def as_number(value: Any, element: str, field: str) -> float | None:
    """A finite float, None for NaN/empty; FormatError for anything else.

    Examples
    --------
    >>> as_number("2.5", "edge a--b", "length_km"), as_number("", "edge a--b", "length_km")
    (2.5, None)
    """
    if isinstance(value, str) and not value.strip():
        return None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
        else:
            return None if math.isnan(number) else number
    raise FormatError(f"expected a number, got {value!r}", element=element, field=field)


def finite(value: Any) -> bool:
    """True for a value that is a finite number (or a string of one)."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def some(items: Iterable[str], limit: int = 5) -> str:
    """The first `limit` of `items`, joined, with how many there are when more.

    Examples
    --------
    >>> some(["a", "b", "c"], limit=2)
    'a, b, ... (3 in all)'
    """
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def check_xml(data: bytes, file: str) -> Element:
    """Parse XML safely and return the root element.

    DTDs, entity declarations and external references are refused (FormatError), so entity
    expansion bombs and external entities never reach a parser; malformed XML is a FormatError
    naming the line.
    """
    import defusedxml
    import defusedxml.ElementTree as safe_xml

    try:
        return safe_xml.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except defusedxml.DTDForbidden:
        raise FormatError("refused: the XML declares a DTD (document type definitions can "
                          "expand entities); remove the <!DOCTYPE> block", file=file) from None
    except defusedxml.EntitiesForbidden:
        raise FormatError("refused: the XML declares entities (entity expansion can exhaust "
                          "memory); remove the <!ENTITY> declarations", file=file) from None
    except defusedxml.DefusedXmlException as err:
        raise FormatError(f"refused: unsafe XML ({type(err).__name__})", file=file) from None
    except safe_xml.ParseError as err:
        line, column = getattr(err, "position", (None, None))
        where = f" at line {line}, column {column}" if line else ""
        raise FormatError(f"not well-formed XML{where}", file=file) from None
    except (LookupError, ValueError) as err:  # e.g. an unknown encoding in the declaration
        raise FormatError(f"XML cannot be read: {err}", file=file) from None
