"""Does the dialplan hand a number to fsapp? Read from the context's XML as the switch returns it.

The switch's ``xml_locate dialplan context name <ctx>`` gives the context after pre-processing. This module
hunts it the way the XML dialplan does for ``destination_number`` (first matching extension, going on
after one marked ``continue="true"``) and looks for ``set fsapp_entry=<entry>`` followed by ``park``.
Conditions on other fields cannot be judged without a call and are taken as true.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


@dataclass
class Hunt:
    """What a call to one number would run: the extensions matched and their actions in order."""

    extensions: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)

    def entry(self) -> str | None:
        """The last ``fsapp_entry`` set before the first park (None if none)."""
        entry = None
        for application, data in self.actions:
            if application == "park":
                return entry
            if application in ("set", "export") and data.startswith("fsapp_entry="):
                entry = data.split("=", 1)[1]
        return entry

    def parks(self) -> bool:
        return any(application == "park" for application, _ in self.actions)


def _matches(expression: str, value: str) -> bool:
    try:
        return re.search(expression, value) is not None
    except re.error:
        return False


def _extension_matches(extension: ET.Element, number: str) -> list[tuple[str, str]] | None:
    actions: list[tuple[str, str]] = []
    for condition in extension.findall("condition"):
        if condition.get("field") == "destination_number":
            if not _matches(condition.get("expression", ""), number):
                return None
        actions += [(a.get("application", ""), a.get("data", "")) for a in condition.findall("action")]
    return actions


def hunt(context_xml: str, number: str) -> Hunt:
    """The extensions of the context a call to ``number`` would run (raises ET.ParseError on bad XML)."""
    context = ET.fromstring(context_xml)
    result = Hunt()
    for extension in context.iter("extension"):
        actions = _extension_matches(extension, number)
        if actions is None:
            continue
        result.extensions.append(extension.get("name", "?"))
        result.actions += actions
        if extension.get("continue", "false") != "true":
            break
    return result
