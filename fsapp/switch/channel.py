"""A channel as fsapp knows it, kept current from the switch's events (pure: no I/O)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fsapp.esl.events import Event

FSAPP_VARIABLE_PREFIX = "fsapp_"
"""Channel variables fsapp keeps from events; others are read on demand with uuid_getvar."""

# Events after which the caller's identity is read again (an answered originated leg takes the callee's).
_IDENTITY_EVENTS = frozenset(("CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_PARK"))

# Events that can carry variables the dialplan or an application has just set.
_VARIABLE_EVENTS = _IDENTITY_EVENTS | {"CHANNEL_EXECUTE_COMPLETE"}

HANGUP_EVENTS = frozenset(("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"))


def caller_headers(direction: str, get: Callable[[str], str | None]) -> tuple[str, str]:
    """The headers that name a leg's caller (number, name). An inbound leg's caller is who called in: once it is
    leg B of a bridge (an operator's leg intercepted it) the switch shows the partner in Caller-Caller-ID-* for
    display and keeps the caller in Caller-Orig-Caller-ID-*."""
    orig = "Orig-" if direction == "inbound" and get("Caller-Orig-Caller-ID-Number") else ""
    return f"Caller-{orig}Caller-ID-Number", f"Caller-{orig}Caller-ID-Name"


@dataclass
class Channel:
    """One leg on the switch."""

    uuid: str
    direction: str = ""
    name: str = ""
    state: str = ""
    call_state: str = ""
    answer_state: str = ""
    caller_number: str = ""
    caller_name: str = ""
    destination: str = ""
    answered: bool = False
    parked: bool = False
    bridged_to: str | None = None
    last_peer: str | None = None
    application: str = ""
    hangup_cause: str | None = None
    gone: bool = False
    hangup_sent: bool = False   # fsapp told the switch to hang it up: its CHANNEL_HANGUP_COMPLETE is on the way
    created_at: float = 0.0
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def entry(self) -> str | None:
        """The flow the dialplan asked for (``fsapp_entry``)."""
        return self.variables.get("fsapp_entry")

    @property
    def role(self) -> str | None:
        """What fsapp originated this leg for (``fsapp_role``: agent, citizen, supervisor...)."""
        return self.variables.get("fsapp_role")

    def apply(self, event: Event) -> None:
        """Bring the channel up to date with one of its events.

        Only the headers an event can change are read (each read is a search of the raw event): who the
        caller is and the channel's state on CREATE/ANSWER/PARK, variables where the dialplan may have set
        some, and the event's own fields otherwise.
        """
        name = event.name
        if name in _IDENTITY_EVENTS or not self.name:
            self._copy_identity(event)
        if name in _VARIABLE_EVENTS or not self.name:
            self.variables.update(event.variables(FSAPP_VARIABLE_PREFIX))
        if name == "CHANNEL_ANSWER":
            self.answered = True
        elif name == "CHANNEL_PARK":
            self.parked = True
            self.bridged_to = None  # a re-park after a bridge arrives before the UNBRIDGE
        elif name == "CHANNEL_UNPARK":
            self.parked = False
        elif name == "CHANNEL_BRIDGE":
            self.bridged_to = event.get("Other-Leg-Unique-ID") or event.get("Bridge-B-Unique-ID")
            self.last_peer = self.bridged_to
        elif name == "CHANNEL_UNBRIDGE":
            self.bridged_to = None
        elif name == "CHANNEL_EXECUTE":
            self.application = event.get("Application", "")
        elif name in HANGUP_EVENTS:
            self.parked = False
            self.answer_state = "hangup"
            self.hangup_cause = event.get("Hangup-Cause") or self.hangup_cause
            self.gone = True

    def _copy_identity(self, event: Event) -> None:
        get = event.get
        self.answer_state = get("Answer-State", self.answer_state)
        self.call_state = get("Channel-Call-State", self.call_state)
        if self.answer_state == "answered":
            self.answered = True
        self.direction = get("Call-Direction", self.direction)
        self.name = get("Channel-Name", self.name)
        self.state = get("Channel-State", self.state)
        number, name = caller_headers(self.direction, get)
        self.caller_number = get(number, self.caller_number)
        self.caller_name = get(name, self.caller_name)
        self.destination = get("Caller-Destination-Number", self.destination)
        if not self.created_at:
            created = get("Caller-Channel-Created-Time")
            if created and created.isdigit():
                self.created_at = int(created) / 1e6
