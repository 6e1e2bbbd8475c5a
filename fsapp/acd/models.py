"""Runtime records of the ACD: agents (config + state) and queue members (waiting calls or callbacks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fsapp.acd.config import AgentConfig
from fsapp.acd.decisions import CallerInfo
from fsapp.acd.states import AgentState, AgentStatus

MEMBER_LIVE = "live"          # a caller on hold
MEMBER_CALLBACK = "callback"  # a callback request holding the caller's place


@dataclass
class Agent:
    """An agent's configuration and live state."""

    config: AgentConfig
    status: AgentStatus
    idle_since: float = 0.0          # when the agent last became free (longest-idle ordering)
    calls_handled: int = 0
    no_answer_count: int = 0         # unanswered offers in a row
    call_uuid: str | None = None     # the call being offered or handled
    call_queue: str | None = None
    answered_at: float | None = None
    deadline: float | None = None    # end of reserved/ringing/wrap-up

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def state(self) -> AgentState:
        return self.status.state

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state.value, "since": self.status.since,
                "reason": self.status.reason, "idle_since": self.idle_since,
                "calls_handled": self.calls_handled, "no_answer_count": self.no_answer_count,
                "call_uuid": self.call_uuid, "call_queue": self.call_queue,
                "answered_at": self.answered_at, "deadline": self.deadline}


@dataclass
class Member:
    """A call waiting in a queue, or a callback request holding a caller's place.

    Order in a queue is ``(-priority, arrived_at, seq)``: higher priority first, then first come. An
    overflowed call keeps ``arrived_at`` so it does not go to the back of the line; ``queue_entered_at``
    restarts and drives max wait and service level.
    """

    call_uuid: str
    queue: str
    priority: int
    arrived_at: float
    queue_entered_at: float
    seq: int
    skills: dict[str, int] = field(default_factory=dict)   # asked for by the call, on top of the queue's
    caller: CallerInfo = field(default_factory=CallerInfo)
    kind: str = MEMBER_LIVE
    callback_number: str | None = None
    offered_to: set[str] = field(default_factory=set)      # agents reserved/ringing for this call
    declined: dict[str, float] = field(default_factory=dict)  # agent -> time they let it go
    attempts: int = 0
    next_announce_at: float | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def order_key(self) -> tuple[int, float, int]:
        return (-self.priority, self.arrived_at, self.seq)

    @property
    def is_callback(self) -> bool:
        return self.kind == MEMBER_CALLBACK

    def as_dict(self) -> dict[str, Any]:
        return {"call_uuid": self.call_uuid, "queue": self.queue, "priority": self.priority,
                "arrived_at": self.arrived_at, "queue_entered_at": self.queue_entered_at,
                "seq": self.seq, "skills": dict(self.skills), "caller": self.caller.as_dict(),
                "kind": self.kind, "callback_number": self.callback_number,
                "offered_to": sorted(self.offered_to), "declined": dict(self.declined),
                "attempts": self.attempts, "next_announce_at": self.next_announce_at,
                "trace": list(self.trace)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Member:
        return cls(call_uuid=data["call_uuid"], queue=data["queue"], priority=int(data["priority"]),
                   arrived_at=float(data["arrived_at"]), queue_entered_at=float(data["queue_entered_at"]),
                   seq=int(data["seq"]), skills=dict(data.get("skills", {})),
                   caller=CallerInfo.from_dict(data.get("caller", {})), kind=data.get("kind", MEMBER_LIVE),
                   callback_number=data.get("callback_number"), offered_to=set(data.get("offered_to", [])),
                   declined=dict(data.get("declined", {})), attempts=int(data.get("attempts", 0)),
                   next_announce_at=data.get("next_announce_at"), trace=list(data.get("trace", [])))
