"""YAML files that remember where each value came from.

Admins edit YAML by hand (fsapp.yaml, IVR menus). When a value is wrong the error must name the
file, the line and the key, so loading keeps a map from each key path to its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fsapp.errors import SourceError

KeyPath = tuple[str | int, ...]

# A loader used only to construct scalars (ints, bools, dates) the way yaml.safe_load would.
_SCALARS = yaml.SafeLoader("")


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
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise exc_type(f"cannot read the file: {reason}", str(path)) from exc
    return parse_yaml(text, str(path), exc_type)


def parse_yaml(text: str, path: str = "<string>", exc_type: type[SourceError] = SourceError) -> YamlSource:
    """Parse YAML text, keeping lines; ``path`` is only used in messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise exc_type(f"YAML syntax: {exc.problem or exc.context}", path, line) from exc
    source = YamlSource(path=path, data=None)
    if root is None:
        source.data = {}
        return source
    source.data = _convert(root, (), source.lines, path, exc_type)
    return source


def _convert(node: yaml.Node, key_path: KeyPath, lines: dict[KeyPath, int], path: str,
             exc_type: type[SourceError]) -> Any:
    lines.setdefault(key_path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _SCALARS.construct_object(key_node, deep=True)
            if key in result:
                raise exc_type(f"duplicate key {key!r}", path, key_node.start_mark.line + 1,
                               ".".join(str(p) for p in key_path + (key,)))
            child = key_path + (key,)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, lines, path, exc_type)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, key_path + (index,), lines, path, exc_type)
                for index, item in enumerate(node.value)]
    return _SCALARS.construct_object(node, deep=True)
