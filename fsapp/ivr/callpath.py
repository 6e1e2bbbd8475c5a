"""The record of one call's way through a flow: nodes, keys, phrases, and how it ended."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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


SELF_SERVICE = "self-service"
"""The outcome of a call that got what it came for in the menu (e.g. heard its case's status), however it ended."""
SELF_SERVICE_VARIABLE = "self_service"
"""A hook sets this call variable (to what was served, e.g. ``case-status``) once the caller has been served."""


@dataclass
class CallPath:
    """Where the call went; ``outcome`` is queue, transfer, voicemail, callback, self-service, hangup or
    abandoned (the caller hung up before being served)."""

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
        data = asdict(self)
        data["steps"] = [{k: v for k, v in step.items() if v is not None} for step in data["steps"]]
        return data
