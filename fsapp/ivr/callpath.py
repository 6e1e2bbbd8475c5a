"""The record of one call's way through a flow: nodes, keys, phrases, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Step:
    """One node visited, with what the caller did there."""

    node: str
    kind: str
    keys: str | None = None
    phrase: str | None = None
    confidence: float | None = None
    note: str | None = None


STEP_FIELDS = tuple(f.name for f in fields(Step))

SELF_SERVICE = "self-service"
"""The outcome of a call that got what it came for in the menu (e.g. heard its case's status), however it ended."""
SELF_SERVICE_VARIABLE = "self_service"
"""A hook sets this call variable (to what was served, e.g. ``case-status``) once the caller has been served."""


@dataclass
class CallPath:
    """Where the call went; ``outcome`` is queue, transfer, voicemail, callback, self-service, hangup,
    abandoned (the caller hung up before being served) or refused (turned away before the menu while the switch
    was overloaded)."""

    flow: str
    call_uuid: str = ""
    language: str = ""
    steps: list[Step] = field(default_factory=list)
    outcome: str = ""
    detail: str = ""
    errors: list[str] = field(default_factory=list)
    stopped: str = ""   # why the flow stopped before it handed the call on (an error); empty: it ran its course

    @property
    def nodes(self) -> list[str]:
        return [step.node for step in self.steps]

    def visit(self, node: str, kind: str) -> Step:
        step = Step(node, kind)
        self.steps.append(step)
        return step

    def finish(self, outcome: str, detail: str = "") -> None:
        if not self.outcome:
            self.outcome, self.detail = outcome, detail

    def to_dict(self) -> dict[str, Any]:
        """The path as JSON-ready data; a step lists only what happened there (every call writes one: built
        field by field, as ``dataclasses.asdict`` deep-copies each value)."""
        return {"flow": self.flow, "call_uuid": self.call_uuid, "language": self.language,
                "steps": [{name: value for name in STEP_FIELDS if (value := getattr(step, name)) is not None}
                          for step in self.steps],
                "outcome": self.outcome, "detail": self.detail, "errors": list(self.errors), "stopped": self.stopped}
