"""YAML files that remember where each value came from: the one place fsapp reads YAML.

Admins edit YAML by hand (fsapp.yaml, IVR menus, acd.yaml). When a value is wrong the error must name the
file, the line and the key, so loading keeps a map from each key path to its line.

A file is still input from outside: it is read with limits (:data:`MAX_BYTES`, :data:`MAX_DEPTH` levels of
nesting, :data:`MAX_ALIASES` aliases, :data:`MAX_VALUES` values once aliases are expanded), so an alias bomb
or a deeply nested file is refused with the usual ``FILE:LINE: message`` instead of hanging or overflowing
the stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fsapp.errors import SourceError

KeyPath = tuple[str | int, ...]

MAX_BYTES = 4 * 1024 * 1024   # a menu or a configuration file is a few KB
MAX_DEPTH = 64                # levels of nesting (mappings and lists), aliases expanded
MAX_ALIASES = 256             # ``*name`` references in one file
MAX_VALUES = 200_000          # keys, values and items once aliases are expanded

# A loader used only to construct scalars (ints, bools, dates) the way yaml.safe_load would.
_SCALARS = yaml.SafeLoader("")
_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


@dataclass
class YamlSource:
    """Parsed YAML data plus the line (1-based) where each key path starts."""

    path: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, key_path: KeyPath) -> int | None:
        """The line of ``key_path``, or of its nearest ancestor that has one."""
        probe = tuple(key_path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), None)

    def error(self, key_path: KeyPath, message: str, exc_type: type[SourceError] = SourceError) -> SourceError:
        """An error located at ``key_path`` (the key is written dotted: ``flows.main.nodes``)."""
        key = ".".join(str(part) for part in key_path) or None
        return exc_type(message, self.path, self.line_of(key_path), key)


def load_yaml(path: str | Path, exc_type: type[SourceError] = SourceError) -> YamlSource:
    """Read and parse ``path``; a missing or unreadable file and syntax errors become ``exc_type`` naming the
    file (and the line)."""
    try:
        with Path(path).open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise exc_type(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB", str(path))
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise exc_type(f"cannot read the file: {reason}", str(path)) from exc
    return parse_yaml(text, str(path), exc_type)


class _LimitExceeded(Exception):
    """A limit of this module was reached at ``line`` (1-based; None when unknown)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, composing with a depth and an alias budget (its composer recurses per level)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _LimitExceeded(f"more than {MAX_ALIASES} aliases", event.start_mark.line + 1)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _LimitExceeded(f"nested deeper than {MAX_DEPTH} levels", event.start_mark.line + 1)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def parse_yaml(text: str, path: str = "<string>", exc_type: type[SourceError] = SourceError) -> YamlSource:
    """Parse YAML text within the limits, keeping lines; ``path`` is only used in messages."""
    loader: _LimitedLoader | None = None
    try:
        loader = _LimitedLoader(text)
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise exc_type(f"YAML syntax: {exc.problem or exc.context}", path, line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise exc_type(f"YAML syntax: character #x{exc.character:04x} is not allowed", path, line) from None
    except yaml.YAMLError as exc:
        raise exc_type(f"YAML syntax: {exc}", path) from None
    except _LimitExceeded as exc:
        raise exc_type(f"YAML refused: {exc}", path, exc.line) from None
    finally:
        if loader is not None:
            loader.dispose()
    source = YamlSource(path=path, data=None)
    if root is None:
        source.data = {}
        return source
    try:
        source.data = _Converter(source.lines, path, exc_type).convert(root, (), 1)
    except _LimitExceeded as exc:
        raise exc_type(f"YAML refused: {exc}", path, exc.line) from None
    return source


class _Converter:
    """Nodes to Python values, counting every value made (aliases are expanded here, so they are paid for)."""

    def __init__(self, lines: dict[KeyPath, int], path: str, exc_type: type[SourceError]) -> None:
        self.lines, self.path, self.exc_type = lines, path, exc_type
        self.made = 0

    def convert(self, node: yaml.Node, key_path: KeyPath, depth: int) -> Any:
        line = node.start_mark.line + 1
        self.made += 1
        if self.made > MAX_VALUES:
            raise _LimitExceeded(f"more than {MAX_VALUES} values once aliases are expanded", line)
        if depth > MAX_DEPTH:
            raise _LimitExceeded(f"nested deeper than {MAX_DEPTH} levels once aliases are expanded", line)
        self.lines.setdefault(key_path, line)
        if isinstance(node, yaml.CollectionNode) and node.tag not in _COLLECTION_TAGS:
            raise self.exc_type(f"unknown tag {node.tag!r}", self.path, line,
                                ".".join(str(p) for p in key_path) or None)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, key_path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, key_path + (index,), depth + 1) for index, item in enumerate(node.value)]
        return self._scalar(node, key_path)

    def _mapping(self, node: yaml.MappingNode, key_path: KeyPath, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            dotted = ".".join(str(p) for p in key_path)
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.exc_type("a key must be a plain value, not a mapping or a list", self.path,
                                    key_node.start_mark.line + 1, dotted or None)
            key = self._scalar(key_node, key_path)
            if key in result:
                raise self.exc_type(f"duplicate key {key!r}", self.path, key_node.start_mark.line + 1,
                                    ".".join(str(p) for p in key_path + (key,)))
            child = key_path + (key,)
            self.lines[child] = key_node.start_mark.line + 1
            result[key] = self.convert(value_node, child, depth + 1)
        return result

    def _scalar(self, node: yaml.Node, key_path: KeyPath) -> Any:
        try:
            return _SCALARS.construct_object(node, deep=True)
        except Exception as exc:  # PyYAML's constructors raise ValueError, IndexError... on odd scalars
            problem = getattr(exc, "problem", None) or str(exc)
            raise self.exc_type(f"bad value: {problem}", self.path, node.start_mark.line + 1,
                                ".".join(str(p) for p in key_path) or None) from None
