"""The control API's routes: method, path, permission, handler, and the schemas the OpenAPI document shows."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from fsapp.api import handlers as h
from fsapp.api.schemas import array, ref

PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    method: str
    path: str                            # with {placeholders}
    permission: str
    handler: Callable[..., Any]
    summary: str
    responses: dict[int, dict[str, Any]]  # status -> schema (errors are added for every route)
    body: str | None = None               # request body schema name
    query: tuple[str, ...] = ()
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


def _agent(action: str, summary: str) -> Route:
    return Route("POST", f"{PREFIX}/agents/{{agent}}/{action}", "agents", h.agent_action(action), summary,
                 {200: ref("AgentState")}, body="AgentActionBody")


ROUTES: list[Route] = [
    Route("GET", f"{PREFIX}/state", "read", h.get_state, "Queues, agents, calls and supervision now",
          {200: ref("State")}),
    Route("GET", f"{PREFIX}/queues", "read", h.list_queues, "Every queue's live figures", {200: array(ref("Queue"))}),
    Route("GET", f"{PREFIX}/queues/{{name}}", "read", h.get_queue, "One queue with its waiting calls and agents",
          {200: ref("QueueDetail")}),
    Route("GET", f"{PREFIX}/agents", "read", h.list_agents, "Every agent's state", {200: array(ref("Agent"))}),
    Route("GET", f"{PREFIX}/agents/{{agent}}", "read", h.get_agent, "One agent's state", {200: ref("Agent")}),
    _agent("login", "Log an agent in (available; with a reason: on break)"),
    _agent("logout", "Log an agent out"),
    _agent("break", "Put an agent on break (reason)"),
    _agent("resume", "Bring an agent back from break"),
    Route("GET", f"{PREFIX}/calls", "read", h.list_calls, "Callers on the switch now", {200: array(ref("Call"))}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/move", "calls", h.move_call,
          "Move a waiting call to another queue, or offer it to an agent now", {200: ref("Moved")}, body="MoveBody"),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/transfer", "calls", h.transfer_call,
          "Blind transfer of a queue call to a queue, an agent, an extension or an outside number", {200: ref("Transferred")},
          body="TransferBody"),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/consult", "calls", h.consult_call,
          "Attended transfer: hold the caller and ring an agent, a number or a dial string",
          {200: ref("Consulting")}, body="ConsultBody"),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/consult/complete", "calls", h.consult_step("complete"),
          "Hand the caller to the consulted party (the operator leaves)", {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/consult/cancel", "calls", h.consult_step("cancel"),
          "Hang up the consulted party and go back to the caller", {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/consult/conference", "calls", h.consult_step("conference"),
          "Join caller, operator and consulted party in a conference", {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/priority", "calls", h.set_priority,
          "Change a waiting caller's priority", {200: ref("Priority")}, body="PriorityBody"),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/hangup", "calls", h.hangup_call, "Hang up a call", {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/recording/start", "calls", h.recording(True), "Start recording a call",
          {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/recording/stop", "calls", h.recording(False),
          "Stop a recording started here", {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/calls/{{uuid}}/recording/optout", "calls", h.recording_optout,
          "Opt a queue call out of recording: a recording stops, no later part is recorded", {200: ref("CallRef")}),
    Route("POST", f"{PREFIX}/queues/{{name}}/recording", "calls", h.queue_recording,
          "Switch a queue's recording off (or back on) until the next restart", {200: ref("QueueRecording")},
          body="RecordBody"),
    Route("GET", f"{PREFIX}/supervision", "supervise", h.list_supervision, "Eavesdrop sessions in progress",
          {200: array(ref("Supervision"))}),
    Route("POST", f"{PREFIX}/supervision", "supervise", h.start_supervision,
          "Ring the supervisor's extension and listen, whisper or barge on an agent's call",
          {201: ref("Supervision")}, body="SuperviseBody"),
    Route("POST", f"{PREFIX}/supervision/{{id}}/mode", "supervise", h.set_supervision_mode,
          "Switch an eavesdrop between listen, caller, whisper and barge", {200: ref("Supervision")},
          body="ModeBody"),
    Route("DELETE", f"{PREFIX}/supervision/{{id}}", "supervise", h.stop_supervision,
          "End an eavesdrop (hangs up the supervisor's leg)", {200: ref("Supervision")}),
    Route("GET", f"{PREFIX}/recordings", "recordings", h.list_recordings, "Find call recordings and voicemails",
          {200: array(ref("Recording"))}, query=("agent", "queue", "caller", "from", "to", "kind", "open")),
    Route("GET", f"{PREFIX}/voicemails", "recordings", h.list_voicemails,
          "The voicemail work list: who called, when, the case, done or not", {200: array(ref("Recording"))},
          query=("open",)),
    Route("POST", f"{PREFIX}/voicemails/{{id}}/done", "recordings", h.voicemail_done,
          "Mark a voicemail dealt with (done: false opens it again)", {200: ref("Recording")}, body="DoneBody"),
    Route("GET", f"{PREFIX}/reports/{{name}}", "reports", h.get_report,
          "Statistics: daily, queues, agents or categories", {200: ref("Report")}, query=("from", "to")),
    Route("GET", f"{PREFIX}/alerts", "read", h.get_alerts,
          "Overdue cases, queues below their service level, agents stuck in a state", {200: ref("Alerts")}),
    Route("GET", f"{PREFIX}/audit", "audit", h.get_audit, "The audit log, newest first",
          {200: array(ref("AuditEntry"))}, query=("entity", "entity_id", "limit")),
]

from fsapp.api.channel_routes import CHANNEL_ROUTES  # noqa: E402 (uses Route, defined above)

ROUTES += CHANNEL_ROUTES

# Routes served outside the table (streams, files, pages), listed for the OpenAPI document.
EVENTS_PATH = f"{PREFIX}/events"
RECORDING_FILE_PATH = f"{PREFIX}/recordings/{{name}}"
SCREEN_POP_PATH = "/screen-pop/{uuid}"


class Routed(Protocol):
    method: str
    pattern: re.Pattern[str]


R = TypeVar("R", bound=Routed)


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route for ``method path`` and its parameters; the flag says whether the path exists at all."""
    return match_in(ROUTES, method, path)


def match_in(routes: Sequence[R], method: str, path: str) -> tuple[R | None, dict[str, str], bool]:
    """As :func:`match`, in any table of routes with a ``method`` and a compiled ``pattern``."""
    exists = False
    for route in routes:
        found = route.pattern.match(path)
        if found:
            exists = True
            if route.method == method:
                return route, found.groupdict(), True
    return None, {}, exists
