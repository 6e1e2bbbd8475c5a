"""What :meth:`fsapp.acd.service.AcdService.enqueue` returns when a call leaves the queue."""

from __future__ import annotations

from dataclasses import dataclass, field

ANSWERED = "answered"      # bridged to an agent; returned when the conversation ended
ABANDONED = "abandoned"    # the caller hung up while waiting
VOICEMAIL = "voicemail"    # max wait reached: the flow should record a message for ``mailbox``
MESSAGE = "message"        # max wait reached: ``sound`` was played and the caller hung up
CALLBACK = "callback"      # the caller chose (or was given) a callback that keeps their place
REMOVED = "removed"        # reconciliation found the channel gone
TRANSFERRED = "transferred"  # sent elsewhere by a transfer


@dataclass
class AgentSegment:
    """One party's part of a conversation with the caller: an agent's leg (``agent_id`` None for a party that is
    no agent, e.g. an outside number reached by a transfer), from the answer or the handover to its end."""

    agent_id: str | None
    leg_uuid: str
    started_at: float
    ended_at: float | None = None

    def seconds(self, now: float) -> float:
        return max(0.0, (self.ended_at if self.ended_at is not None else now) - self.started_at)


@dataclass(frozen=True)
class QueueOutcome:
    """How a call left the queue.

    ``queues`` lists every queue the call waited in (more than one after an overflow or transfer).
    ``caller_alive`` tells the flow whether the caller's channel is still up (e.g. the agent hung up
    first and the call was enqueued with ``keep_caller=True``). ``agent_id`` is the agent who finished the
    conversation; ``segments`` are everyone who talked to the caller, in order (after transfers, several), and
    ``talk_time`` is their sum.
    """

    kind: str
    queue: str
    queues: tuple[str, ...] = ()
    waited: float = 0.0
    agent_id: str | None = None
    talk_time: float | None = None
    mailbox: str | None = None
    sound: str | None = None
    callback_number: str | None = None
    position: int | None = None
    caller_alive: bool = False
    trace: tuple[dict, ...] = field(default=(), repr=False)
    segments: tuple[AgentSegment, ...] = ()

    @property
    def agents(self) -> tuple[str, ...]:
        """The agents who talked to the caller, in order (an agent who came back twice is listed twice)."""
        chain: list[str] = []
        for segment in self.segments:
            if segment.agent_id and (not chain or chain[-1] != segment.agent_id):
                chain.append(segment.agent_id)
        return tuple(chain)
