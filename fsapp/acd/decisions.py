"""What the router asks the service layer to do.

Every router event returns a list of decisions, in the order they should be carried out. Decisions are
frozen dataclasses holding plain values, so a service can execute them on the switch, log them, or send
them to another process. Each has ``kind`` (a short stable name) and :meth:`as_dict`.

Call-side decisions (``call_uuid`` is the caller's channel; for a callback it is the member id):

- :class:`Hold`            start hold music (call entered a queue)
- :class:`Offer`           ring agent(s); report back with ``offer_ringing/answered/failed``
- :class:`CancelOffer`     stop ringing one agent (another answered, caller left, agent went away)
- :class:`OfferOverdue`    an offer's time ran out: end it unless the agent's phone has answered already,
                            then report ``offer_failed`` (or ``offer_answered``)
- :class:`Bridge`          connect the caller to the agent who answered
- :class:`Announce`        tell the caller their position and estimated wait
- :class:`Overflow`        the call moved to another queue (router already moved it; play nothing special)
- :class:`SendToVoicemail` transfer the caller to a mailbox
- :class:`PlayMessage`     play a sound and hang up
- :class:`AskCallbackNumber` the caller pressed the exit key but no number is known: collect one and
                            call ``Router.request_callback(uuid, number)``
- :class:`CallbackQueued`  the caller became a callback request keeping their place: confirm and hang up
- :class:`QueueExit`       the call left the ACD (answered, abandoned, voicemail, ...) with its routing trace;
                            store it with the call record

Agent-side:

- :class:`AgentStateChanged` an agent's state changed (for logs, the store, supervisors)

Reconciliation returns :class:`Repair` items.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Decision:
    """Base class: every decision has a ``kind`` and turns into a JSON-able dict."""

    kind: ClassVar[str] = "decision"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _plain(self)
        data["kind"] = self.kind
        return data


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copy of every leaf (decisions hold plain, immutable values)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclass(frozen=True)
class AgentTarget:
    """One agent to ring: id and SIP dial string."""

    agent_id: str
    contact: str


@dataclass(frozen=True)
class CallerInfo:
    """What the agent's screen and SIP headers show about the caller.

    ``case_ids`` are the caller's open cases (for ``X-Fsapp-Cases``); ``data`` holds anything else the IVR
    collected (plain strings); ``language`` is the one the caller chose in the menu (announcements are
    spoken in it; empty: the center's default).
    """

    number: str | None = None
    name: str | None = None
    case_ids: tuple[str, ...] = ()
    data: dict[str, str] = field(default_factory=dict)
    language: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "case_ids": list(self.case_ids),
                "data": dict(self.data), "language": self.language}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CallerInfo:
        return cls(data.get("number"), data.get("name"), tuple(data.get("case_ids", ())),
                   dict(data.get("data", {})), str(data.get("language") or ""))


@dataclass(frozen=True)
class Hold(Decision):
    kind: ClassVar[str] = "hold"
    call_uuid: str
    queue: str
    music: str


@dataclass(frozen=True)
class Offer(Decision):
    """Ring ``agents`` (one, or several for ring-all) with this call within ``timeout`` seconds.

    For a callback member (``callback_number`` set) there is no caller channel: ring the agent first, then
    dial ``callback_number`` and bridge them. ``attempt`` counts offers of this call (1 = first).
    """

    kind: ClassVar[str] = "offer"
    call_uuid: str
    queue: str
    agents: tuple[AgentTarget, ...]
    timeout: float
    caller: CallerInfo
    waited: float
    attempt: int
    callback_number: str | None = None


@dataclass(frozen=True)
class CancelOffer(Decision):
    kind: ClassVar[str] = "cancel-offer"
    call_uuid: str
    agent_id: str
    reason: str


@dataclass(frozen=True)
class OfferOverdue(Decision):
    """The offer to ``agent_id`` ran out of time (``reason``: ``reserve-timeout`` or ``no-answer``). The switch
    may have answered it a moment ago, its word not here yet: ask it; end the offer and report
    ``offer_failed(reason)``, or take up the answer with ``offer_answered``. The agent stays offered until then."""

    kind: ClassVar[str] = "offer-overdue"
    call_uuid: str
    agent_id: str
    reason: str


@dataclass(frozen=True)
class Bridge(Decision):
    """Bridge the caller to ``agent_id``, who answered; ``waited`` is the caller's time in queue."""

    kind: ClassVar[str] = "bridge"
    call_uuid: str
    agent_id: str
    queue: str
    waited: float
    callback_number: str | None = None


@dataclass(frozen=True)
class Announce(Decision):
    """``position`` is 1 for the next caller; ``estimated_wait`` is seconds or None when unknown."""

    kind: ClassVar[str] = "announce"
    call_uuid: str
    queue: str
    position: int | None
    estimated_wait: float | None


@dataclass(frozen=True)
class Overflow(Decision):
    kind: ClassVar[str] = "overflow"
    call_uuid: str
    from_queue: str
    to_queue: str
    music: str


@dataclass(frozen=True)
class SendToVoicemail(Decision):
    kind: ClassVar[str] = "voicemail"
    call_uuid: str
    queue: str
    mailbox: str


@dataclass(frozen=True)
class PlayMessage(Decision):
    """Play ``sound`` to the caller, then hang up."""

    kind: ClassVar[str] = "message"
    call_uuid: str
    queue: str
    sound: str


@dataclass(frozen=True)
class AskCallbackNumber(Decision):
    kind: ClassVar[str] = "ask-callback-number"
    call_uuid: str
    queue: str


@dataclass(frozen=True)
class CallbackQueued(Decision):
    """The caller's place is now held by a callback request; the caller's channel can be hung up."""

    kind: ClassVar[str] = "callback-queued"
    call_uuid: str
    queue: str
    number: str
    position: int | None


@dataclass(frozen=True)
class QueueExit(Decision):
    """The call left the ACD. ``outcome``: answered, abandoned, voicemail, message, callback-answered,
    removed (reconciliation). ``trace`` is the routing decision trace (JSON-able)."""

    kind: ClassVar[str] = "queue-exit"
    call_uuid: str
    queue: str
    outcome: str
    waited: float
    agent_id: str | None
    trace: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class AgentStateChanged(Decision):
    kind: ClassVar[str] = "agent-state"
    agent_id: str
    previous: str
    state: str
    reason: str | None = None
    call_uuid: str | None = None


@dataclass(frozen=True)
class Repair(Decision):
    """A repair made by reconciliation; ``description`` is a complete sentence for the log."""

    kind: ClassVar[str] = "repair"
    subject: str          # "agent" or "member"
    subject_id: str
    action: str           # "agent-released", "member-removed"
    description: str
