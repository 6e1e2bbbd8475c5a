"""Does the dialplan hand a number to fsapp? Read from the context's XML as the switch returns it.

The switch's ``xml_locate dialplan context name <ctx>`` gives the context after pre-processing. This module
hunts it the way mod_dialplan_xml does for a normal call to one number: extensions in order, conditions in
order with their ``break`` rules, actions and anti-actions, nested conditions, the first extension that
matches ends the hunt unless it says ``continue="true"``.

What is known of such a call: ``destination_number`` (and ``context``), and the switch's global variables
(``global_getvar``), which ``${name}`` expands to. Anything else (another caller-profile field, a channel
variable such as ``${sip_looped_call}``, an api call, the time of day) cannot be known without a call: such a
condition is taken as not met, and the hunt notes it (:attr:`Hunt.assumed`). So stock ``public.xml``'s
``unloop`` extension (``${unroll_loops}`` true and ``${sip_looped_call}`` true) is not a normal call's match.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

Actions = list[tuple[str, str]]

TIME_ATTRIBUTES = ("date-time", "year", "yday", "mon", "mday", "week", "mweek", "wday", "hour", "minute",
                   "minute-of-day", "time-of-day")
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}")


@dataclass(frozen=True)
class CallFacts:
    """What a call to one number is known to carry before it reaches the dialplan."""

    fields: dict[str, str]                                   # caller-profile fields, by the names conditions use
    variables: dict[str, str] = field(default_factory=dict)  # the switch's global variables

    @classmethod
    def for_number(cls, number: str, context: str = "", variables: dict[str, str] | None = None) -> CallFacts:
        fields = {"destination_number": number, **({"context": context} if context else {})}
        return cls(fields, dict(variables or {}))


@dataclass
class Hunt:
    """What a call to one number would run: the extensions matched and their actions in order."""

    extensions: list[str] = field(default_factory=list)
    actions: Actions = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)   # "extension: field" taken as not met (unknown value)

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


def parse_globals(listing: str) -> dict[str, str]:
    """``global_getvar``'s listing (``name=value`` per line) as a mapping; anything else is skipped."""
    found = {}
    for line in listing.splitlines():
        name, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
            found[name] = value
    return found


def expand(text: str, variables: dict[str, str]) -> str | None:
    """``text`` with each ``${name}`` replaced by its value; None when any part cannot be known."""
    unknown = False

    def value(match: re.Match[str]) -> str:
        nonlocal unknown
        if match[1] not in variables:
            unknown = True
            return ""
        return variables[match[1]]

    expanded = _VARIABLE.sub(value, text)
    return None if unknown or "${" in expanded else expanded   # an api call or a nested expansion: unknown


class _Evaluator:
    """One hunt's condition evaluation (see the module docstring for what is known)."""

    def __init__(self, facts: CallFacts, hunt: Hunt) -> None:
        self.facts = facts
        self.hunt = hunt

    def test(self, element: ET.Element, extension: str) -> bool:
        """Is this condition (or ``<regex>``) met? Unknown values count as not met and are noted."""
        if any(element.get(name) is not None for name in TIME_ATTRIBUTES):
            return self._unknown(extension, "time of day")
        name = element.get("field")
        if name is None:
            return True   # an absolute condition
        known = {**self.facts.variables, **self.facts.fields}   # ${destination_number} reads the profile too
        value = expand(name, known) if "$" in name else self.facts.fields.get(name)
        expression = expand(_expression(element), known)
        if value is None or expression is None:
            return self._unknown(extension, name)
        try:
            return re.search(expression, value) is not None
        except re.error:
            return False

    def _unknown(self, extension: str, what: str) -> bool:
        note = f"{extension}: {what}"
        if note not in self.hunt.assumed:
            self.hunt.assumed.append(note)
        return False

    def met(self, condition: ET.Element, extension: str) -> bool:
        rule = (condition.get("regex") or "").lower()
        if not rule:
            return self.test(condition, extension)
        results = [self.test(regex, extension) for regex in condition.findall("regex")]
        if rule == "xor":
            return results.count(True) == 1
        return all(results) if rule == "all" else any(results)

    def extension(self, element: ET.Element, name: str) -> bool:
        """Evaluate an extension's (or a nested condition's) conditions; True when it matched."""
        proceed = False
        for condition in element.findall("condition"):
            matched = self.met(condition, name)
            proceed = matched
            kind = "action" if matched else "anti-action"
            taken = [(a.get("application", ""), a.get("data", a.text or "")) for a in condition.findall(kind)]
            self.hunt.actions += taken
            if not matched and taken:
                proceed = True
            rule = (condition.get("break") or "on-false").lower()
            if rule == "always" or (rule == "on-true" and matched) or (rule == "on-false" and not matched):
                break
            if proceed and condition.find("condition") is not None:
                proceed = self.extension(condition, name)
                if not proceed and rule != "never":
                    break
        return proceed


def _expression(element: ET.Element) -> str:
    child = element.find("expression")
    return (child.text or "") if child is not None else element.get("expression", "")


def hunt(context_xml: str, number: str, facts: CallFacts | None = None) -> Hunt:
    """The extensions of the context a call to ``number`` would run (raises ET.ParseError on bad XML)."""
    context = ET.fromstring(context_xml)
    facts = facts or CallFacts.for_number(number, context.get("name", ""))
    result = Hunt()
    evaluator = _Evaluator(facts, result)
    for extension in context.iter("extension"):
        name = extension.get("name", "?")
        if not evaluator.extension(extension, name):
            continue
        result.extensions.append(name)
        if extension.get("continue", "false") != "true":
            break
    return result
