"""Checks beyond the schema: references, reachability, loops with no way out, prompts per language, hooks.

Each problem is a :class:`FlowError` located at the offending field, so ``fsapp ivr validate`` prints one
``FILE:LINE: key: message`` line per problem.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fsapp.ivr.errors import FlowError
from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.loader import parse_flow
from fsapp.ivr.schema import (TERMINAL_KINDS, BranchNode, CollectNode, Flow, HookNode, ListenNode, MenuNode,
                              NodeBase)
from fsapp.yamlsource import KeyPath, load_yaml


def _error(flow: Flow, key_path: KeyPath, message: str) -> FlowError:
    key = ".".join(str(part) for part in key_path) or None
    return FlowError(message, flow.path, flow.line_of(key_path), key)


def _field_path(node: NodeBase, field: str) -> KeyPath:
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in field.split(".")]
    return node.where + tuple(parts)


def check_references(flow: Flow) -> list[FlowError]:
    """Every destination names a node; so do ``start`` and ``on_error``."""
    errors = []
    if flow.start not in flow.nodes:
        errors.append(_error(flow, ("start",), f"unknown node {flow.start!r}"))
    if flow.on_error and flow.on_error not in flow.nodes:
        errors.append(_error(flow, ("on_error",), f"unknown node {flow.on_error!r}"))
    for node in flow.nodes.values():
        for field, target in node.targets():
            if target not in flow.nodes:
                errors.append(_error(flow, _field_path(node, field), f"unknown node {target!r}"))
    return errors


def reachable(flow: Flow) -> set[str]:
    """Names of the nodes a call can reach from ``start`` (and from the flow's ``on_error``)."""
    seen: set[str] = set()
    todo = [name for name in (flow.start, flow.on_error) if name in flow.nodes]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(t for _, t in flow.nodes[name].targets() if t in flow.nodes and t not in seen)
    return seen


def check_reachable(flow: Flow) -> list[FlowError]:
    """Nodes no call can reach are most often a typo in a destination."""
    if flow.start not in flow.nodes:
        return []
    seen = reachable(flow)
    return [_error(flow, node.where, "unreachable node (nothing leads here)")
            for name, node in flow.nodes.items() if name not in seen]


def _can_end_here(node: NodeBase) -> bool:
    """True when a call at this node can leave the flow without following a destination."""
    if node.kind in TERMINAL_KINDS:
        return True
    if isinstance(node, MenuNode):
        return node.on_max_tries is None
    if isinstance(node, (CollectNode, ListenNode)):
        return node.next is None or node.on_fail is None
    if isinstance(node, HookNode):
        return node.next is None or node.on_error is None
    if isinstance(node, BranchNode):
        return node.default is None or (node.hook is not None and node.on_error is None)
    return node.kind in ("say", "play", "set", "voicemail", "callback") and not node.targets()


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components that contain a cycle (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            name, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[name] = min(low[name], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[name])
            if low[name] == index[name]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == name:
                        break
                if len(component) > 1 or name in graph[name]:
                    found.append(sorted(component, key=list(graph).index))
    return found


def check_loops(flow: Flow) -> list[FlowError]:
    """A cycle of nodes from which no call can ever leave (no exit edge, nothing that ends the call)."""
    graph = {name: [t for _, t in node.targets() if t in flow.nodes] for name, node in flow.nodes.items()}
    errors = []
    for component in _cycles(graph):
        members = set(component)
        leaves = any(t not in members for name in component for t in graph[name])
        if leaves or any(_can_end_here(flow.nodes[name]) for name in component):
            continue
        first = flow.nodes[component[0]]
        errors.append(_error(flow, first.where, f"loop without a way out: {' -> '.join(component)} -> "
                                                f"{component[0]}"))
    return errors


def check_languages(flow: Flow) -> list[FlowError]:
    """Every spoken prompt exists in every declared language; no text in an undeclared one."""
    errors = []
    declared = set(flow.languages)
    for node in flow.nodes.values():
        for field, prompt in node.prompts():
            if prompt.file is not None:
                continue
            where = _field_path(node, field)
            for language in flow.languages:
                if language not in prompt.texts:
                    errors.append(_error(flow, where, f"no {language!r} prompt (the flow declares "
                                                      f"{', '.join(flow.languages)})"))
            for language in sorted(set(prompt.texts) - declared):
                errors.append(_error(flow, where + (language,), f"language {language!r} is not declared in "
                                                                f"languages"))
        if isinstance(node, MenuNode):
            errors.extend(_check_options(flow, node, declared))
    return errors


def _check_options(flow: Flow, node: MenuNode, declared: set[str]) -> list[FlowError]:
    errors = []
    keys_seen: set[str] = set()
    for index, option in enumerate(node.options):
        where = node.where + ("options", index)
        if option.key is not None:
            if option.key in keys_seen:
                errors.append(_error(flow, where + ("key",), f"key {option.key!r} is used twice in this menu"))
            keys_seen.add(option.key)
        if option.language is not None and option.language not in declared:
            errors.append(_error(flow, where + ("language",), f"language {option.language!r} is not declared"))
        if option.phrases:
            for language in flow.languages:
                if language not in option.phrases:
                    errors.append(_error(flow, where + ("say",), f"no spoken phrases for {language!r}"))
        if option.announce is not None and option.language is None:
            errors.append(_error(flow, where + ("announce",), "an announced option needs its language: it is said "
                                                               "in that language"))
    return errors


def check_hooks(flow: Flow, hooks: HookLoader) -> list[FlowError]:
    """Every hook a node calls exists as a function in the hooks directory."""
    errors = []
    for node in flow.nodes.values():
        spec, field = (node.call, "call") if isinstance(node, HookNode) else (
            (node.hook, "hook") if isinstance(node, BranchNode) else (None, ""))
        if spec:
            problem = hooks.exists(spec)
            if problem:
                errors.append(_error(flow, node.where + (field,), f"hook {spec!r} not found: {problem}"))
    return errors


def validate_flow(flow: Flow, hooks: HookLoader | None = None) -> list[FlowError]:
    """Every problem of a schema-valid flow, in line order."""
    errors = check_references(flow) + check_reachable(flow) + check_loops(flow) + check_languages(flow)
    if hooks is not None:
        errors += check_hooks(flow, hooks)
    return sorted(errors, key=lambda e: (e.line or 0, e.located()))


def validate_file(path: str | Path, hooks_dir: str | Path | None = None) -> tuple[Flow | None, list[FlowError]]:
    """Load and check one flow file; hooks are looked up next to it unless ``hooks_dir`` is given.

    Returns the flow only when it has no problem at all."""
    try:
        source = load_yaml(path, FlowError)
    except FlowError as exc:
        return None, [exc]
    except OSError as exc:
        return None, [FlowError(f"cannot read: {exc.strerror or exc}", str(path))]
    flow, errors = parse_flow(source)
    if flow is None:
        return None, errors
    hooks = HookLoader(hooks_dir if hooks_dir is not None else Path(path).parent)
    errors = validate_flow(flow, hooks)
    return (None if errors else flow), errors


def validate_files(paths: Iterable[str | Path], hooks_dir: str | Path | None = None) -> list[FlowError]:
    """Every problem in every file, file by file."""
    errors: list[FlowError] = []
    for path in paths:
        errors.extend(validate_file(path, hooks_dir)[1])
    return errors
