"""What the relay service decides and says (pure: no switch, no store, the time is passed in).

A call to a member of staff's direct number rings their phone when they are free. When they are not (or do
not answer) the caller hears a menu: 1 a colleague (the relay queue), 2 a callback request owned by that
person, 3 when the person is next available, worked out from their ACD state and their away note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from fsapp.acd.config import AcdConfig, AgentConfig, direct_number_digits
from fsapp.acd.engaged import engaged_on
from fsapp.acd.states import AgentState
from fsapp.relay.errors import UnknownDirectNumber
from fsapp.texts import Texts, shipped_texts

BUSY_STATES = frozenset({"reserved", "ringing", "on-call", "wrap-up"})


class Choice(str, Enum):
    """The caller's key in the relay menu."""

    COLLEAGUE = "1"
    CALLBACK = "2"
    AVAILABILITY = "3"


@dataclass(frozen=True)
class Presence:
    """A person's situation when their direct number is called.

    ``state`` is the ACD state's value (``available``, ``break``, ``on-call``, ``logged-out``...);
    ``away_until``/``away_note`` come from the store's away note (None when there is none).
    """

    state: str
    break_reason: str | None = None
    away_note: str | None = None
    away_until: datetime | None = None
    has_note: bool = False


def text(key: str, language: str, texts: Texts | None = None, **values: str) -> str:
    """The relay's text ``key`` (``relay.<key>`` of the spoken texts) in ``language``, filled in."""
    return (texts or shipped_texts()).say(f"relay.{key}", language, **values)


def agent_for_number(config: AcdConfig, number: str) -> AgentConfig:
    """The member of staff whose direct number is ``number`` (digits compared; a leading ``+`` optional)."""
    wanted = direct_number_digits(number)
    for agent in config.agents.values():
        if agent.direct_number and direct_number_digits(agent.direct_number) == wanted:
            return agent
    raise UnknownDirectNumber(f"no direct number {number!r}")


def relay_queue(agent: AgentConfig) -> str | None:
    """Where "a colleague" leads: ``relay_queue``, else the agent's first queue (lowest tier, then order)."""
    if agent.relay_queue:
        return agent.relay_queue
    if not agent.queues:
        return None
    return min(agent.queues, key=lambda name: agent.queues[name])


def away_in_force(presence: Presence, now: datetime) -> bool:
    """Whether the person has an away note that has not yet run out at ``now``."""
    return presence.has_note and (presence.away_until is None or presence.away_until > now)


def should_ring(presence: Presence, now: datetime) -> bool:
    """Ring the person's phone only when they are free in the ACD and have no away note in force."""
    return presence.state == "available" and not away_in_force(presence, now)


def choice_for(digits: str | None) -> Choice | None:
    """The menu choice the caller keyed, or None for nothing valid."""
    try:
        return Choice(digits or "")
    except ValueError:
        return None


def spoken_time(moment: datetime, now: datetime, language: str, texts: Texts | None = None) -> str:
    """``08:00`` today, ``Tuesday 24 November at 08:00`` on another day (in ``now``'s zone)."""
    texts = texts or shipped_texts()
    local = moment.astimezone(now.tzinfo)
    clock = local.strftime("%H:%M")
    if local.date() == now.date():
        return clock
    return texts.say("relay.day_and_time", language, weekday=texts.words("relay.weekdays", language)[local.weekday()],
                     day=str(local.day), month=texts.words("relay.months", language)[local.month - 1], time=clock)


def availability_text(name: str, presence: Presence, now: datetime, language: str,
                      texts: Texts | None = None) -> str:
    """What the caller hears for "when is the person available" (choice 3)."""
    if away_in_force(presence, now):
        said = (text("away_until", language, texts, name=name,
                     when=spoken_time(presence.away_until, now, language, texts))
                if presence.away_until is not None else text("away", language, texts, name=name))
        return f"{said} {presence.away_note.rstrip('.')}." if presence.away_note else said
    if presence.state in BUSY_STATES or engaged_on(AgentState(presence.state), presence.break_reason):
        return text("busy", language, texts, name=name)
    if presence.state == "break":
        return text("break", language, texts, name=name)
    if presence.state == "logged-out":
        return text("logged_out", language, texts, name=name)
    return text("no_answer", language, texts, name=name)
