"""The agent state machine.

::

    logged-out ──login──> available <──────────────────────────────┐
        ^  \\               │  ^  \\                                │
        │   └──> break <───┘  │   └──> reserved ──> ringing ──> on-call ──> wrap-up
        │        (reason)     │          │            │                       │
        │                     └──────────┴────────────┘ (released / not answered)

Allowed moves are listed in :data:`TRANSITIONS`; anything else raises
:class:`fsapp.acd.errors.IllegalTransition`. ``reserved`` and ``ringing`` always carry a deadline in the
router, so an agent cannot be left reserved if the switch never reports back. An agent on break for a
consultation (:mod:`fsapp.acd.engaged`) goes straight to on-call when the caller is transferred to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from fsapp.acd.errors import IllegalTransition


class AgentState(str, Enum):
    LOGGED_OUT = "logged-out"
    AVAILABLE = "available"
    BREAK = "break"
    RESERVED = "reserved"     # chosen for a call; the service is about to ring the phone
    RINGING = "ringing"       # the agent's phone is ringing with a call
    ON_CALL = "on-call"
    WRAP_UP = "wrap-up"       # after-call work for a number of seconds


S = AgentState
TRANSITIONS: dict[AgentState, frozenset[AgentState]] = {
    S.LOGGED_OUT: frozenset({S.AVAILABLE, S.BREAK}),
    S.AVAILABLE: frozenset({S.RESERVED, S.BREAK, S.LOGGED_OUT}),
    # break -> break changes the reason; break -> on-call: an agent held for a consultation takes the caller
    S.BREAK: frozenset({S.BREAK, S.AVAILABLE, S.LOGGED_OUT, S.ON_CALL}),
    S.RESERVED: frozenset({S.RINGING, S.ON_CALL, S.AVAILABLE, S.BREAK, S.LOGGED_OUT}),
    S.RINGING: frozenset({S.ON_CALL, S.AVAILABLE, S.BREAK, S.LOGGED_OUT}),
    S.ON_CALL: frozenset({S.WRAP_UP, S.AVAILABLE}),
    S.WRAP_UP: frozenset({S.AVAILABLE, S.BREAK, S.LOGGED_OUT}),
}

# States in which an agent counts as staffing a queue (for estimated wait).
STAFFED = frozenset({S.AVAILABLE, S.RESERVED, S.RINGING, S.ON_CALL, S.WRAP_UP})


def can_transition(current: AgentState, requested: AgentState) -> bool:
    """Whether the state machine allows ``current -> requested``."""
    return requested in TRANSITIONS[current]


@dataclass
class AgentStatus:
    """An agent's current state, when it was entered, and the break reason if on break."""

    agent_id: str
    state: AgentState = AgentState.LOGGED_OUT
    since: float = 0.0
    reason: str | None = None

    def move(self, requested: AgentState, now: float, reason: str | None = None) -> AgentState:
        """Enter ``requested`` at ``now``; returns the state left. Raises IllegalTransition."""
        if not can_transition(self.state, requested):
            raise IllegalTransition(self.agent_id, self.state.value, requested.value)
        previous = self.state
        self.state = requested
        self.since = now
        self.reason = reason if requested is AgentState.BREAK else None
        return previous
