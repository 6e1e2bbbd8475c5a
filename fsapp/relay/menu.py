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

LANGUAGES = ("nb", "en")
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


TEXTS: dict[str, dict[str, str]] = {
    "menu": {
        "en": "{name} cannot take your call right now. To speak to a colleague, press 1. To be called back, "
              "press 2. To hear when {name} is available, press 3.",
        "nb": "{name} kan ikke ta telefonen akkurat nå. For å snakke med en kollega, trykk 1. For å bli "
              "ringt opp igjen, trykk 2. For å høre når {name} er tilgjengelig, trykk 3.",
    },
    "away_until": {"en": "{name} is away until {when}.", "nb": "{name} er borte til {when}."},
    "away": {"en": "{name} is away.", "nb": "{name} er borte."},
    "busy": {"en": "{name} is on another call and should be free shortly.",
             "nb": "{name} er i en annen samtale og er snart ledig."},
    "break": {"en": "{name} is on a break and should be back shortly.",
              "nb": "{name} har pause og er snart tilbake."},
    "logged_out": {"en": "{name} is not at work right now.", "nb": "{name} er ikke på jobb nå."},
    "no_answer": {"en": "{name} is at work but could not answer. Please try again in a little while.",
                  "nb": "{name} er på jobb, men kunne ikke svare. Prøv igjen om litt."},
    "callback": {"en": "Thank you. {name} will call you back.", "nb": "Takk. {name} ringer deg tilbake."},
    "goodbye": {"en": "Goodbye.", "nb": "Ha det bra."},
    "no_colleague": {"en": "No colleague can take the call. Goodbye.",
                     "nb": "Ingen kollega kan ta samtalen. Ha det bra."},
}
WEEKDAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")}
MONTHS = {"en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"),
          "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
                 "oktober", "november", "desember")}


def language_of(language: str) -> str:
    """The menu's language: ``language`` when there are texts for it, else English."""
    return language if language in LANGUAGES else "en"


def text(key: str, language: str, **values: str) -> str:
    """One of :data:`TEXTS`, filled in."""
    return TEXTS[key][language_of(language)].format(**values)


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


def spoken_time(moment: datetime, now: datetime, language: str) -> str:
    """``08:00`` today, ``Tuesday 24 November at 08:00`` on another day (in ``now``'s zone)."""
    lang = language_of(language)
    local = moment.astimezone(now.tzinfo)
    clock = local.strftime("%H:%M")
    if local.date() == now.date():
        return clock
    weekday, month = WEEKDAYS[lang][local.weekday()], MONTHS[lang][local.month - 1]
    if lang == "nb":
        return f"{weekday} {local.day}. {month} klokken {clock}"
    return f"{weekday} {local.day} {month} at {clock}"


def availability_text(name: str, presence: Presence, now: datetime, language: str) -> str:
    """What the caller hears for "when is the person available" (choice 3)."""
    if away_in_force(presence, now):
        said = (text("away_until", language, name=name, when=spoken_time(presence.away_until, now, language))
                if presence.away_until is not None else text("away", language, name=name))
        return f"{said} {presence.away_note.rstrip('.')}." if presence.away_note else said
    if presence.state in BUSY_STATES or engaged_on(AgentState(presence.state), presence.break_reason):
        return text("busy", language, name=name)
    if presence.state == "break":
        return text("break", language, name=name)
    if presence.state == "logged-out":
        return text("logged_out", language, name=name)
    return text("no_answer", language, name=name)
