"""The native topology format: YAML or JSON, one schema (see ``docs/format.md``).

YAML is read with libyaml's safe parser, event by event, so a file of 200,000 sites loads in
seconds; aliases are counted as they expand, so an alias bomb is refused at once while a large
file without aliases is not. JSON is read with the standard library. Both give one-line
:class:`~infranet.errors.FormatError` messages with the file and line.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from infranet.errors import FormatError

__all__ = ["MAX_ALIAS_VALUES", "dump_json", "dump_yaml", "gc_paused", "load_json", "load_yaml",
           "plain"]

#: Values that YAML aliases may add to a document beyond what it writes out (billion-laughs
#: guard): an alias to a list of three names adds four values, wherever it is used. A file
#: may always alias as much as it writes out itself.
MAX_ALIAS_VALUES = 2_000_000

# libyaml's parser when PyYAML was built with it: about 20 times faster on large files
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader
_STANDARD_COLLECTIONS = {None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_MERGE = "tag:yaml.org,2002:merge"
_STR, _INT, _FLOAT = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int",
                      "tag:yaml.org,2002:float")
#: How often (in parser events) a long parse reports its progress.
_PROGRESS_MASK = (1 << 16) - 1


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the garbage collector while a file's data are built: they are trees (no cycles to
    collect), and collections over millions of fresh objects take a third of the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Loader(_SafeLoader):
    """A safe loader that refuses duplicate keys (merge keys ``<<`` aside), and whose caller
    measures what aliases expand to before anything is constructed."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                key = self.construct_object(key_node)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (also on line "
                        f"{seen[key].start_mark.line + 1})", key_node.start_mark)
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


class _Unusual(Exception):
    """The fast reader met a construct it leaves to PyYAML's own (merge keys, explicit tags,
    duplicate or unhashable keys): the document is read again node by node."""


def _alias_bomb(expanded: int, limit: int) -> FormatError:
    return FormatError(f"YAML aliases expand to more than {limit:,} values ({expanded:,} so far; "
                       "an alias bomb?); refusing to load it")


def _expanded_size(node: yaml.Node, memo: dict[int, int], added: list[int], limit: int) -> int:
    """Values under `node` with aliases expanded; ``added[0]`` counts what aliases add."""
    key = id(node)
    if key in memo:
        if memo[key] < 0:
            raise FormatError("a YAML alias refers to itself (a cycle); topology files are trees")
        added[0] += memo[key]
        if added[0] > limit:
            raise _alias_bomb(added[0], limit)
        return memo[key]
    memo[key] = -1  # on the stack: meeting it again is a cycle
    if isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(child, memo, added, limit) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo, added, limit)
                       + _expanded_size(v, memo, added, limit) for k, v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def _load_nodes(text: str, expected: str = "a topology mapping") -> Any:
    """Read YAML node by node with PyYAML's safe constructor (for the unusual documents)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FormatError(f"empty file; expected {expected}")
        memo: dict[int, int] = {}
        added = [0]
        size = _expanded_size(node, memo, added, MAX_ALIAS_VALUES)
        if added[0] > max(MAX_ALIAS_VALUES, size - added[0]):
            raise _alias_bomb(added[0], MAX_ALIAS_VALUES)
        return loader.construct_document(node)
    finally:
        loader.dispose()


class _Frame:
    """A mapping or sequence being read: its container, a pending key, size and anchor."""

    __slots__ = ("anchor", "container", "key", "mapping", "size")

    def __init__(self, mapping: bool, anchor: str | None) -> None:
        self.mapping = mapping
        self.container: Any = {} if mapping else []
        self.key: Any = _NO_KEY
        self.size = 1
        self.anchor = anchor


_NO_KEY = object()
_OPEN = object()  # an anchor whose collection is still being read


def _load_events(text: str, progress: Callable[[int, int], None] | None,
                 expected: str = "a topology mapping") -> Any:
    """Read YAML from libyaml's events into plain data (the common documents, fast)."""
    loader = _SafeLoader(text)
    constructors = yaml.constructor.SafeConstructor.yaml_constructors
    resolver = loader  # the loader is its own resolver (PyYAML's implicit YAML 1.1 types)
    first_chars = resolver.yaml_implicit_resolvers
    scalars: dict[tuple[str | None, bool, str], Any] = {}
    anchors: dict[str, tuple[Any, int]] = {}
    stack: list[_Frame] = []
    added = 0
    written = 0
    events = 0
    root: Any = _NO_KEY
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    start_events = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    end_events = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    total = len(text)

    def scalar(event: yaml.ScalarEvent, key: tuple[str | None, bool, str]) -> Any:
        """A scalar's value, by PyYAML's rules (YAML 1.1 implicit types), kept for reuse."""
        tag, value = event.tag, event.value
        if tag is None or tag == "!":
            if key[1] and (value[:1] in first_chars or not value):
                tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
            else:
                tag = _STR
        if tag == _MERGE or tag not in constructors:
            raise _Unusual(tag)
        result: Any = _NO_KEY
        if tag == _STR:
            result = value
        elif tag == _FLOAT:
            with contextlib.suppress(ValueError):  # .inf, 1:30.5 (base 60): PyYAML's own way
                result = float(value)  # where float() reads it, it agrees with PyYAML
        elif tag == _INT and value.isdigit() and (value[0] != "0" or value == "0"):
            result = int(value)  # decimal only: YAML 1.1 reads 017 as octal
        if result is _NO_KEY:
            result = constructors[tag](loader, yaml.ScalarNode(tag, value, event.start_mark))
        scalars[key] = result
        return result

    def put(value: Any, size: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        frame = stack[-1]
        frame.size += size
        if not frame.mapping:
            frame.container.append(value)
        elif frame.key is _NO_KEY:
            try:
                if value in frame.container:
                    raise _Unusual("duplicate key")
            except TypeError:  # an unhashable key: a mapping or a list
                raise _Unusual("unhashable key") from None
            frame.key = value
        else:
            frame.container[frame.key] = value
            frame.key = _NO_KEY

    try:
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            raise FormatError(f"empty file; expected {expected}")
        loader.get_event()  # document start
        while True:
            event = loader.get_event()
            kind = type(event)
            events += 1
            if progress is not None and not events & _PROGRESS_MASK:
                progress(event.start_mark.index, total)
            if kind is scalar_event:  # the common case, inlined
                written += 1
                key = (event.tag, event.implicit[0], event.value)
                value = scalars.get(key, _NO_KEY)
                if value is _NO_KEY:
                    value = scalar(event, key)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                if not stack:
                    root = value
                    continue
                frame = stack[-1]
                frame.size += 1
                if not frame.mapping:
                    frame.container.append(value)
                elif frame.key is _NO_KEY:
                    if value in frame.container:
                        raise _Unusual("duplicate key")
                    frame.key = value
                else:
                    frame.container[frame.key] = value
                    frame.key = _NO_KEY
            elif kind is alias_event:
                value, size = anchors.get(event.anchor, (None, 0))
                if event.anchor not in anchors:
                    raise yaml.composer.ComposerError(
                        None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
                if value is _OPEN:
                    raise FormatError("a YAML alias refers to itself (a cycle); topology files "
                                      "are trees")
                added += size
                if added > max(MAX_ALIAS_VALUES, written):
                    raise _alias_bomb(added, MAX_ALIAS_VALUES)
                put(value, size)
            elif kind in start_events:
                written += 1
                if event.tag not in _STANDARD_COLLECTIONS:
                    raise _Unusual(event.tag)
                frame = _Frame(kind is yaml.MappingStartEvent, event.anchor)
                if event.anchor is not None:
                    anchors[event.anchor] = (_OPEN, 0)
                stack.append(frame)
            elif kind in end_events:
                frame = stack.pop()
                if frame.anchor is not None:
                    anchors[frame.anchor] = (frame.container, frame.size)
                put(frame.container, frame.size)
            else:  # document end
                break
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None,
                "but found another document", event.start_mark)
        return root
    finally:
        loader.dispose()


def load_yaml(text: str, *, file: str | None = None,
              progress: Callable[[int, int], None] | None = None,
              expected: str = "a topology mapping") -> Any:
    """Parse YAML safely into plain data.

    Parameters
    ----------
    text
        The document.
    file
        Named in error messages.
    expected
        What the document holds, said when it is empty ("a job's fields").
    progress
        Called now and then with ``(characters read, characters in all)``.

    Raises
    ------
    FormatError
        For syntax errors (with line and column), tags other than YAML's standard ones
        (``!!python/...`` is never run), duplicate keys, aliases that refer to themselves, and
        aliases that expand to more than :data:`MAX_ALIAS_VALUES` values beyond what the
        document writes out (an alias bomb).

    Examples
    --------
    >>> load_yaml("name: x\\nsites: [{name: a, location: [-77.5, 39]}]\\nflag: yes\\n")
    {'name': 'x', 'sites': [{'name': 'a', 'location': [-77.5, 39]}], 'flag': True}
    >>> load_yaml("a: &x [1, 2]\\nb: *x\\n")
    {'a': [1, 2], 'b': [1, 2]}
    """
    try:
        with gc_paused():
            try:
                return _load_events(text, progress, expected)
            except _Unusual:
                return _load_nodes(text, expected)
    except FormatError as err:
        raise err.in_file(file) if file else err from None
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


def load_json(text: str, *, file: str | None = None) -> Any:
    """Parse JSON; a syntax error names its line and column."""
    try:
        with gc_paused():
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
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
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


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # PyYAML writes NEL and the Unicode line separators raw inside quotes, where a reader takes
    # them for line breaks: double quotes write them as escapes
    style = '"' if any(ch in "\x85\u2028\u2029" for ch in data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)
_Dumper.add_representer(float, _represent_float)


def dump_yaml(spec: dict[str, Any]) -> str:
    """Return `spec` as YAML text (block style, short numeric lists inline)."""
    return yaml.dump(spec, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def dump_json(spec: dict[str, Any]) -> str:
    """Return `spec` as indented JSON text (a YAML date or time in ``meta`` as ISO 8601).

    Raises
    ------
    ValueError
        For NaN or an infinity (JSON has no such number), or a value JSON cannot hold.
    """
    return json.dumps(spec, indent=2, ensure_ascii=False, allow_nan=False,
                      default=_iso_date) + "\n"


def plain(value: Any) -> Any:
    """Return `value` as plain JSON data: numpy scalars and arrays as Python numbers and lists,
    tuples and sets as lists, keys as strings, NaN and infinities as None, dates in ISO 8601,
    anything else as its text.

    Examples
    --------
    >>> import numpy as np
    >>> plain({"a": np.float64(1.5), "b": (1, float("nan")), 2: np.array([1, 2])})
    {'a': 1.5, 'b': [1, None], '2': [1, 2]}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return plain(value.tolist())
    return str(value)


def _iso_date(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise ValueError(f"{type(value).__name__} {value!r} has no JSON form")
