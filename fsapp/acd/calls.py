"""The service's bookkeeping of the calls it drives: callers in (or just out of) a queue and agent legs."""

from __future__ import annotations

from dataclasses import dataclass, field

from gevent import Greenlet
from gevent.event import AsyncResult

from fsapp.acd.decisions import CallerInfo
from fsapp.acd.outcome import AgentSegment
from fsapp.acd.recordings import Recording
from fsapp.switch import Call


@dataclass
class QueuedCall:
    """A caller the ACD handles, from entering a queue until its conversation with an agent ends.

    ``outcome`` is what :meth:`AcdService.enqueue` waits on. ``agent_leg`` is set once an agent answered;
    ``segments`` lists everyone who has talked to the caller (transfers add more).
    """

    call: Call
    queue: str
    music: str = ""
    keep_caller: bool = False
    priority: int = 0
    caller: CallerInfo = field(default_factory=CallerInfo)
    outcome: AsyncResult = field(default_factory=AsyncResult)
    queues: list[str] = field(default_factory=list)
    agent_id: str | None = None
    agent_leg: str | None = None
    waited: float = 0.0
    trace: tuple[dict, ...] = ()
    recording: Recording | None = None
    pending: dict[str, object] = field(default_factory=dict)   # what to report when the QueueExit comes
    callback_number: str | None = None
    conference: str | None = None      # the three-way conference the call was moved into
    asking_number: bool = False        # keying a callback number: its digits are not the exit key
    segments: list[AgentSegment] = field(default_factory=list)
    adopted: bool = False              # taken over after a restart with no flow waiting on its outcome
    commands: Greenlet | None = None   # the caller's latest switch commands, run off the ACD's worker

    @property
    def uuid(self) -> str:
        return self.call.uuid

    def begin_segment(self, agent_id: str | None, leg_uuid: str, at: float) -> None:
        """``leg_uuid`` (an agent's, or another party's) starts talking to the caller."""
        self.end_segment(at)
        self.segments.append(AgentSegment(agent_id, leg_uuid, at))

    def end_segment(self, at: float) -> None:
        if self.segments and self.segments[-1].ended_at is None:
            self.segments[-1].ended_at = at

    def talk_time(self, now: float) -> float | None:
        """Seconds the caller has talked to agents (or the parties they handed over to); None if never."""
        if not self.segments:
            return None
        return sum(segment.seconds(now) for segment in self.segments)

    @property
    def holding(self) -> bool:
        """Waiting with hold music (not bridged and not finished)."""
        return self.agent_leg is None and not self.outcome.ready()


@dataclass
class AgentLeg:
    """A leg originated to an agent for one call; ``cancelled`` once the offer is withdrawn.

    ``orphaned``: the link dropped while the switch was ringing it, so its originate will never report;
    the leg is followed by its events instead (answer, hangup) and checked at reconciliation.
    ``bridges_itself``: the switch bridges the answered leg to its caller (``intercept``), fsapp does not; the
    switch hangs it up with the caller unless ``parks`` (fsapp set ``park_after_bridge`` on it: a consultation).
    """

    uuid: str
    call_uuid: str
    agent_id: str
    cancelled: bool = False
    answered: bool = False
    orphaned: bool = False
    bridges_itself: bool = False
    parks: bool = False
