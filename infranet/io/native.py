"""The native topology format: YAML or JSON, one schema (see ``docs/format.md``).

YAML is read with a safe loader that also refuses alias bombs; JSON with the standard library.
Both give one-line :class:`~infranet.errors.FormatError` messages with the file and line.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from infranet.errors import FormatError

__all__ = ["MAX_FILE_BYTES", "dump_json", "dump_yaml", "load_json", "load_yaml", "read_bytes",
           "read_text"]

#: Largest topology file read (bytes). Larger files are refused before parsing, so a hostile or
#: mistaken path cannot exhaust memory. Generated fabrics stay far below this.
MAX_FILE_BYTES = 256 * 2**20
#: Largest number of values a YAML document may expand to through aliases (billion-laughs guard).
MAX_YAML_NODES = 2_000_000


def _checked(path: str | Path) -> Path:
    """`path` as a Path, refusing missing, non-regular and huge files."""
    p = Path(path)
    if not p.exists():
        raise FormatError("file not found", file=str(path))
    if not p.is_file():
        raise FormatError("not a regular file", file=str(path))
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FormatError(f"file is {size / 2**20:.0f} MiB, larger than the "
                          f"{MAX_FILE_BYTES // 2**20} MiB infranet reads", file=str(path))
    return p


def read_bytes(path: str | Path) -> bytes:
    """Return the bytes of `path`, refusing missing, non-regular and huge files."""
    try:
        return _checked(path).read_bytes()
    except OSError as err:
        raise FormatError(f"cannot read: {err.strerror}", file=str(path)) from None


def read_text(path: str | Path) -> str:
    """Return the text of `path`, refusing missing, non-regular, huge and non-UTF-8 files."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(f"not UTF-8 text (byte {err.start}: {err.reason})",
                          file=str(path)) from None


# libyaml's parser when PyYAML was built with it: about 20 times faster on large files
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """A safe loader that refuses duplicate keys, and whose caller measures what aliases expand
    to before anything is constructed."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (also on line "
                        f"{seen[key].start_mark.line + 1})", key_node.start_mark)
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        if memo[key] < 0:
            raise FormatError("a YAML alias refers to itself (a cycle); topology files are trees")
        return memo[key]
    memo[key] = -1  # on the stack: meeting it again is a cycle
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, memo) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def load_yaml(text: str, *, file: str | None = None) -> Any:
    """Parse YAML safely; refuse documents that alias-expand beyond :data:`MAX_YAML_NODES`."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FormatError("empty file; expected a topology mapping", file=file)
        try:
            size = _expanded_size(node, {})
        except FormatError as err:
            raise err.in_file(file) if file else err from None
        if size > MAX_YAML_NODES:
            raise FormatError(f"YAML expands to more than {MAX_YAML_NODES:,} values through "
                              "aliases (an alias bomb?); refusing to load it", file=file)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = err.problem or err.context or "syntax error"
        kind = "error" if isinstance(err, yaml.constructor.ConstructorError) else "syntax error"
        raise FormatError(f"{at}YAML {kind}: {what}", file=file) from None
    except yaml.YAMLError as err:
        raise FormatError(f"YAML error: {err}", file=file) from None
    except RecursionError:
        raise FormatError("YAML nests too deeply", file=file) from None
    except ValueError as err:  # e.g. an integer literal beyond Python's digit limit
        raise FormatError(f"YAML value cannot be read: {err}", file=file) from None
    finally:
        loader.dispose()


def load_json(text: str, *, file: str | None = None) -> Any:
    """Parse JSON; a syntax error names its line and column."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as err:
        raise FormatError(f"line {err.lineno}, column {err.colno}: JSON syntax error: {err.msg}",
                          file=file) from None
    except RecursionError:
        raise FormatError("JSON nests too deeply", file=file) from None
    except _DuplicateKey as err:
        raise FormatError(f"duplicate key {err.args[0]!r} in a JSON object", file=file) from None
    except ValueError as err:  # e.g. an integer literal beyond Python's digit limit
        raise FormatError(f"JSON value cannot be read: {err}", file=file) from None


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _Dumper(yaml.SafeDumper):
    """Writes short lists of numbers ([lon, lat], routes) in flow style, the rest in block."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in data)
    words = all(isinstance(x, str) and len(x) <= 24 for x in data)
    pairs = bool(data) and all(isinstance(x, (list, tuple)) and len(x) == 2 for x in data)
    flow = (numbers and len(data) <= 8) or (words and len(data) <= 6) or pairs
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_float(dumper: yaml.SafeDumper, data: float) -> yaml.Node:
    if math.isfinite(data) and data == int(data) and abs(data) < 1e15:
        return dumper.represent_int(int(data))
    return dumper.represent_float(data)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)
_Dumper.add_representer(float, _represent_float)


def dump_yaml(spec: dict[str, Any]) -> str:
    """Return `spec` as YAML text (block style, short numeric lists inline)."""
    return yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def dump_json(spec: dict[str, Any]) -> str:
    """Return `spec` as indented JSON text."""
    return json.dumps(spec, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
