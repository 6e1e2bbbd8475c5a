"""Every text a flow can speak, per language, for pre-rendering (``fsapp prompts render``)."""

from __future__ import annotations

import re

from fsapp.ivr.schema import Flow, MenuNode

_VARIABLE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def flow_prompts(flow: Flow) -> list[tuple[str, str]]:
    """(language, text) of each fixed prompt in the flow; texts filled from variables at call time are left
    out, since they differ on every call."""
    found: dict[tuple[str, str], None] = {}
    for node in flow.nodes.values():
        for _, prompt in node.prompts():
            for language, text in prompt.texts.items():
                if not _VARIABLE.search(text):
                    found[(language, text)] = None
        if isinstance(node, MenuNode):
            for language, text in node.announcements():
                found[(language, text)] = None
    return list(found)
