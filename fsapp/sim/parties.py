"""The people on the far end: scripted callers and the endpoints that originate calls reach."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

from fsapp.sim import media
from fsapp.sim.channel import Channel, Hangup
from fsapp.sim.fax import FaxMachine

log = logging.getLogger(__name__)

BEHAVIOURS = ("answer", "busy", "no_answer", "fail")


@dataclass
class CallerScript:
    """What a party does once its call is answered (times in seconds after the answer).

    - ``keys``: ``(seconds, digit)`` pairs sent as RFC 2833 DTMF; an application reads them when it
      consumes input, which is when their DTMF events appear.
    - ``hangup_after``: the party hangs up this long after the answer (None: never; the switch must).
    - ``speech_wav``: a WAV file the party speaks each time a recording of its leg starts.
    - ``on_hold``: ``(seconds, digit)`` pairs counted from the first endless playback the party
      hears (hold music: ``local_stream://``, a looping tone); ``digit=None`` hangs up. They stop as soon as the leg is bridged (a caller's
      patience, or a caller pressing a key to leave the queue).
    - ``silence_suppression``: the party sends no RTP while it does not speak (voice activity detection, a
      muted phone); FreeSWITCH's ``record`` then writes only what it received unless ``record_fill_cng`` is set.
    """

    keys: list[tuple[float, str]] = field(default_factory=list)
    hangup_after: float | None = None
    speech_wav: str | Path | None = None
    on_hold: list[tuple[float, str | None]] = field(default_factory=list)
    silence_suppression: bool = False
    fax: FaxMachine | None = None     # the party is a fax machine (see fsapp.sim.fax)

    @cached_property
    def speech(self) -> media.Audio | None:
        return media.load_wav(self.speech_wav) if self.speech_wav else None


@dataclass
class Endpoint:
    """A phone that ``originate`` can reach, by the user part of the dial string (``agent1``).

    ``hangup_after`` may be a callable returning seconds: it is drawn again for every call answered.
    """

    name: str
    behaviour: str = "answer"
    answer_after: float = 1.0
    hangup_after: float | Callable[[], float | None] | None = None
    keys: list[tuple[float, str]] = field(default_factory=list)
    speech_wav: str | Path | None = None
    fax: FaxMachine | None = None

    def __post_init__(self) -> None:
        if self.behaviour not in BEHAVIOURS:
            raise ValueError(f"endpoint behaviour must be one of {BEHAVIOURS}, not {self.behaviour!r}")

    @property
    def script(self) -> CallerScript:
        if callable(self.hangup_after):
            return CallerScript(keys=list(self.keys), hangup_after=self.hangup_after(),
                                speech_wav=self.speech_wav, fax=self.fax)
        return self._fixed_script

    @cached_property
    def _fixed_script(self) -> CallerScript:
        hangup_after = self.hangup_after if not callable(self.hangup_after) else None
        return CallerScript(keys=list(self.keys), hangup_after=hangup_after, speech_wav=self.speech_wav, fax=self.fax)


def attach(channel: Channel, script: CallerScript) -> None:
    """Bind a script to a channel: its keys and hangup start when the channel is answered."""
    channel.party = script
    channel.on_answer.append(lambda: channel.core.spawn(_perform, channel, script))


def _perform(channel: Channel, script: CallerScript) -> None:
    actions: list[tuple[float, str | None]] = [(at, digit) for at, digit in script.keys]
    if script.hangup_after is not None:
        actions.append((script.hangup_after, None))
    actions.sort(key=lambda action: action[0])
    answered = channel.core.clock.now()
    try:
        for at, digit in actions:
            channel.sleep(answered + at - channel.core.clock.now())
            if not _press_or_hang_up(channel, digit):
                return
    except Hangup:
        return


def hold_started(channel: Channel) -> None:
    """The party hears hold music: start its ``on_hold`` actions (once per call)."""
    script = channel.party
    if script is None or not script.on_hold or channel.hold_started_at is not None:
        return
    channel.hold_started_at = channel.core.clock.now()
    channel.core.spawn(_perform_on_hold, channel, script)


def _perform_on_hold(channel: Channel, script: CallerScript) -> None:
    started = channel.hold_started_at or channel.core.clock.now()
    try:
        for at, digit in sorted(script.on_hold, key=lambda action: action[0]):
            channel.sleep(started + at - channel.core.clock.now())
            if "bridged" in channel.times or not _press_or_hang_up(channel, digit):
                return
    except Hangup:
        return


def _press_or_hang_up(channel: Channel, digit: str | None) -> bool:
    """Press the keys of ``digit``, or hang up for None; False once the party has hung up."""
    from fsapp.sim.lifecycle import hangup
    if digit is None:
        hangup(channel, "NORMAL_CLEARING")
        return False
    for key in digit:
        channel.queue_dtmf(key)
    return True
