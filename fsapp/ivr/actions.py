"""What the interpreter asks a call to do (actions) and what it is told back (results).

The interpreter yields an action; the runner (or the simulator) carries it out and sends back a result:
``Collect`` -> :class:`Digits`, ``Listen`` -> :class:`Speech`, ``Voicemail`` -> :class:`Recorded` or None,
everything else -> None. ``Queue``, ``Transfer`` and ``Hangup`` end the flow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Say:
    """Speak ``text`` in ``language`` (rendered by text-to-speech)."""

    text: str
    language: str


@dataclass(frozen=True)
class Play:
    """Play a sound file."""

    path: str


@dataclass(frozen=True)
class Medley:
    """Several prompts played as one, each in its own voice (a language menu: each choice in its language)."""

    parts: tuple[Say | Play, ...]


Audio = Union[Say, Play, Medley]


@dataclass(frozen=True)
class Collect:
    """Play ``prompt`` and read keys, like FreeSWITCH's play_and_get_digits."""

    prompt: Audio | None
    min_digits: int = 1
    max_digits: int = 1
    terminator: str = ""
    timeout_s: float = 5.0
    digit_timeout_s: float = 3.0
    pattern: str | None = None
    tries: int = 1
    invalid_prompt: Audio | None = None

    def accepts(self, digits: str) -> bool:
        """Whether play_and_get_digits would take ``digits`` (terminator already stripped)."""
        if not self.min_digits <= len(digits) <= self.max_digits:
            return False
        return self.pattern is None or re.fullmatch(self.pattern, digits) is not None


@dataclass(frozen=True)
class Listen:
    """Play ``prompt`` and recognize the caller's answer among ``phrases`` (or spoken digits)."""

    prompt: Audio | None
    language: str
    phrases: tuple[str, ...]
    digits: bool = False
    timeout_s: float = 5.0
    max_seconds: int = 8


@dataclass(frozen=True)
class Queue:
    """Hand the call to an ACD queue."""

    name: str
    priority: int = 0
    skills: tuple[str, ...] = ()
    language: str = ""
    survey: str = ""   # a survey campaign to ask when the operator hangs up first (the caller opted in)


@dataclass(frozen=True)
class Transfer:
    """Send the call to an extension or a number."""

    destination: str


@dataclass(frozen=True)
class Voicemail:
    """Record a message (after the prompt was played) to keep in the case store as an interaction."""

    max_seconds: int
    language: str
    subject: str = ""


@dataclass(frozen=True)
class Callback:
    """The caller asked to be called back on ``number``."""

    number: str
    language: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hangup:
    cause: str = "NORMAL_CLEARING"


Action = Union[Say, Play, Collect, Listen, Queue, Transfer, Voicemail, Callback, Hangup]
FINAL_ACTIONS = (Queue, Transfer, Hangup)


@dataclass(frozen=True)
class Digits:
    """Keys the caller pressed; None when nothing valid came before the timeout."""

    value: str | None


@dataclass(frozen=True)
class Speech:
    """What the recognizer heard: a phrase of the grammar with its confidence, or keys pressed instead."""

    phrase: str | None
    confidence: float = 0.0
    digits: str | None = None


@dataclass(frozen=True)
class Recorded:
    path: str
    ms: int


Result = Union[Digits, Speech, Recorded, None]
