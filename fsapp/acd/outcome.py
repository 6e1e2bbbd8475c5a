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


@dataclass(frozen=True)
class QueueOutcome:
    """How a call left the queue.

    ``queues`` lists every queue the call waited in (more than one after an overflow or transfer).
    ``caller_alive`` tells the flow whether the caller's channel is still up (e.g. the agent hung up
    first and the call was enqueued with ``keep_caller=True``).
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
