"""Call control verbs on one channel; each returns when the switch says it is done.

Every argument a verb puts in a command passes :mod:`fsapp.switch.dialstring` first (UnsafeValue, and nothing
sent, when it cannot be made safe).
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fsapp.esl.connection import ESLConnection, Execution, refused
from fsapp.esl.errors import CommandFailed
from fsapp.esl.events import Event
from fsapp.switch.channel import Channel
from fsapp.switch.dialstring import (application_argument, extension, inline_destination, media_argument,
                                     media_path, setvar_value, variable_name, word)
from fsapp.switch.errors import BridgeFailed, UnsafeValue

if TYPE_CHECKING:
    from fsapp.switch.service import Switch

log = logging.getLogger(__name__)

UNDEFINED = "_undef_"
PARK_AFTER_BRIDGE = "park_after_bridge"   # "true": the leg re-parks when its bridge ends, not hangs up


@dataclass(frozen=True)
class RecordResult:
    """What ``record`` wrote: the file, its length, and whether silence ended it."""

    path: str
    ms: int
    silence_ended: bool


class Call:
    """One leg driven by UUID. Verbs block the calling greenlet until the switch reports completion."""

    def __init__(self, switch: Switch, channel: Channel, resumed: bool = False) -> None:
        self.switch = switch.owner_of(channel.uuid)   # with several switches: the node that has the channel
        self.channel = channel
        self.uuid = channel.uuid
        self.resumed = resumed

    def __repr__(self) -> str:
        return f"<Call {self.uuid} {self.caller_number}->{self.channel.destination}>"

    @property
    def caller_number(self) -> str:
        return self.channel.caller_number

    @property
    def variables(self) -> dict[str, str]:
        return self.channel.variables

    @property
    def gone(self) -> bool:
        return self.channel.gone

    def _conn(self) -> ESLConnection:
        return self.switch.connection()

    # -- applications ----------------------------------------------------------------------------------

    def execute(self, app: str, arg: str | None = None, timeout: float | None = None) -> Event:
        """Run a dialplan application on the channel and return its CHANNEL_EXECUTE_COMPLETE."""
        limit = self.switch.app_timeout if timeout is None else timeout
        log.debug("call %s: execute %s %s", self.uuid, app, arg or "")
        return self._conn().execute(self.uuid, word(app), _argument(arg), timeout=limit)

    def start(self, app: str, arg: str | None = None) -> Execution:
        """Send an application without waiting; ``.wait(timeout)`` on the result later."""
        return self._conn().execute_start(self.uuid, word(app), _argument(arg))

    def answer(self, timeout: float = 10.0) -> None:
        self.execute("answer", timeout=timeout)
        self.channel.answered = True

    def playback(self, path: str, timeout: float | None = None) -> bool:
        """Play a file; True if it played to the end, False if it was broken off."""
        execution = self.start("playback", path)
        execution.wait(self.switch.app_timeout if timeout is None else timeout)
        return execution.playback_status != "break"

    def playback_key(self, path: str, timeout: float | None = None) -> str | None:
        """Play a file; the key that stopped it (one of the channel's ``playback_terminators``; its DTMF event
        comes before the PLAYBACK_STOP), or None when it played out or something else broke it."""
        execution = self.start("playback", path)
        complete = execution.wait(self.switch.app_timeout if timeout is None else timeout)
        if execution.playback_status != "break":
            return None
        return complete.variable("playback_terminator_used") or None

    def play_and_get_digits(self, min_digits: int, max_digits: int, tries: int, timeout_ms: int,
                            terminators: str, prompt: str, invalid_prompt: str, var_name: str,
                            regex: str, digit_timeout_ms: int, timeout: float | None = None) -> str | None:
        """Prompt for digits; returns them, or None when the caller gave nothing valid."""
        arg = (f"{min_digits} {max_digits} {tries} {timeout_ms} {terminators or 'none'} {prompt} "
               f"{invalid_prompt or 'silence_stream://250'} {var_name} {regex} {digit_timeout_ms}")
        complete = self.execute("play_and_get_digits", arg, timeout)
        # The result is only in the variables the switch sets on the completion event.
        if complete.variable("read_result") != "success":
            return None
        return complete.variable(var_name) or None

    def speak(self, text: str, engine: str = "flite", voice: str = "kal", timeout: float | None = None) -> None:
        self.execute("speak", f"{engine}|{voice}|{text}", timeout)

    def say(self, language: str, kind: str, method: str, value: str, timeout: float | None = None) -> None:
        self.execute("say", f"{language} {kind} {method} {value}", timeout)

    def record(self, path: str, time_limit_s: int, silence_threshold: int = 200, silence_hits_s: int = 3,
               timeout: float | None = None) -> RecordResult:
        """Record the caller; ends at the time limit or after ``silence_hits_s`` of silence.

        ``record_fill_cng``: FreeSWITCH writes only the frames it receives, so the pauses of a phone that sends no
        RTP while its user is silent (voice activity detection, mute) would vanish from the file; filled, the
        file is as long as the time recorded."""
        limit = timeout if timeout is not None else time_limit_s + 10.0
        if self.channel.variables.get("record_fill_cng") != "true":
            self.set("record_fill_cng", "true")
        complete = self.execute("record", f"{path} {time_limit_s} {silence_threshold} {silence_hits_s}", limit)
        ms = complete.variable("record_ms") or "0"
        return RecordResult(path, int(ms) if ms.isdigit() else 0,
                            complete.variable("silence_hits_exhausted") == "true")

    def set(self, name: str, value: str) -> None:
        """Set a variable through the dialplan app (ordered with the other queued apps)."""
        self.execute("set", f"{variable_name(name)}={value}")
        self.channel.variables[name] = value

    def sleep(self, ms: int) -> None:
        self.execute("sleep", str(ms), timeout=ms / 1000 + 10.0)

    # -- api verbs -------------------------------------------------------------------------------------

    def set_variable(self, name: str, value: str) -> None:
        self._conn().api_ok(f"uuid_setvar {self.uuid} {variable_name(name)} {setvar_value(value)}")
        self.channel.variables[name] = value

    def set_variables(self, values: Mapping[str, str]) -> None:
        """Set several variables in one command (``uuid_setvar_multi``; plain values)."""
        self._conn().api_ok(f"uuid_setvar_multi {word(self.uuid)} {_multi_pairs(values)}")
        self.channel.variables.update(values)

    def get_variable(self, name: str) -> str | None:
        """The variable's value, or None when it is not set."""
        value = self._conn().api(f"uuid_getvar {self.uuid} {variable_name(name)}")
        if value == UNDEFINED or value.startswith("-ERR"):
            return None
        return value

    def broadcast(self, path: str) -> None:
        """Play to the channel in the background (hold music, announcements, ringback), without waiting.

        The playback is queued with ``sendmsg``, which the channel's thread takes up at its next frame; not with
        ``uuid_broadcast``, which first reads five frames of the caller's audio (nine when the caller sends none,
        100-180 ms) in which a parked caller notices nothing else, not even the bridge to an operator who has just
        answered."""
        self._conn().execute_detached(self.uuid, "playback", media_argument(path))

    def break_playback(self, all_queued: bool = True) -> None:
        self._conn().api_ok(f"uuid_break {self.uuid}" + (" all" if all_queued else ""))

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        log.info("call %s: hangup %s", self.uuid, cause)
        self._conn().hangup(self.uuid, cause)
        self.channel.hangup_sent = True

    def kill(self, cause: str = "NORMAL_CLEARING") -> None:
        self._conn().api_ok(f"uuid_kill {self.uuid} {word(cause)}")
        self.channel.hangup_sent = True

    def transfer(self, destination: str, dialplan: str = "XML", context: str = "default",
                 both: bool = False) -> None:
        """``uuid_transfer`` to an extension (checked: see :func:`~fsapp.switch.dialstring.extension`)."""
        if dialplan == "inline":
            raise UnsafeValue("an inline transfer runs one application: use Call.inline(app, arg)")
        leg = "-both " if both else ""
        target = extension(destination)
        self._conn().api_ok(f"uuid_transfer {self.uuid} {leg}{target} {word(dialplan)} {word(context)}")

    def inline(self, app: str, arg: str = "", both: bool = False) -> None:
        """``uuid_transfer ... <app>:<arg> inline``: the leg runs one application (``park``, ``bridge`` to an
        endpoint, ``conference``); the argument is one plain word, so no second application can follow."""
        leg = "-both " if both else ""
        self._conn().api_ok(f"uuid_transfer {self.uuid} {leg}{inline_destination([(app, arg)])} inline")

    def bridge(self, other: Call | str, stop_playback: bool = False, marks: Mapping[str, str] | None = None) -> None:
        """Bridge to another parked leg; both legs re-park, not hang up, when the other side leaves.

        The switch bridges in this leg's own thread after the +OK: if the other leg ends before that (an
        operator's leg hung up by a transfer issued at once), ``uuid_bridge_park_on_cancel`` parks this leg
        again where FreeSWITCH would otherwise hang it up (``ORIGINATOR_CANCEL``). ``stop_playback``: first stop
        what this leg plays (hold music), as :meth:`break_playback`. The commands go to the switch together: one
        round trip. ``marks``: fsapp's own variables set on this leg in the same command (plain names and values)."""
        other_uuid = other.uuid if isinstance(other, Call) else other
        setup = [f"uuid_break {self.uuid} all"] if stop_playback else []
        kept = {PARK_AFTER_BRIDGE: "true", "uuid_bridge_park_on_cancel": "true", **(marks or {})}
        setup += [f"uuid_setvar_multi {word(self.uuid)} {_multi_pairs(kept)}",
                  f"uuid_setvar {word(other_uuid)} {PARK_AFTER_BRIDGE} true"]
        conn = self._conn()
        *replies, bridged = conn.api_each([*setup, f"uuid_bridge {self.uuid} {word(other_uuid)}"])
        for line, body in zip(setup, replies):
            if refused(body):
                raise CommandFailed(f"switch {conn.address}: api {line.split(' ', 1)[0]}: {body.strip()}", body)
        self.channel.variables.update(kept)
        if isinstance(other, Call):
            other.channel.variables[PARK_AFTER_BRIDGE] = "true"
        if refused(bridged):
            raise BridgeFailed(f"call {self.uuid}: cannot bridge to {other_uuid}: {bridged.strip()}")

    def start_recording(self, path: str, limit_s: int | None = None, *, append: bool = False) -> None:
        """Record the channel (both directions) to ``path`` in the background.

        ``append``: an existing file is continued, not overwritten (``RECORD_APPEND=true`` is set on the
        channel first; FreeSWITCH reads it when the recording starts). The channel's own media thread writes the
        file (``RECORD_USE_THREAD=false``): a recording thread holds its channel until the file closes, and the
        file of a recording started as the channel hangs up never closes (FreeSWITCH 1.10.12): the channel
        would never go, and the switch could not shut down.
        """
        target = media_path(path)   # checked before anything is sent
        conn = self._conn()
        conn.api_ok(f"uuid_setvar_multi {self.uuid} RECORD_USE_THREAD=false;RECORD_APPEND={str(append).lower()}")
        limit = f" {int(limit_s)}" if limit_s else ""
        conn.api_ok(f"uuid_record {self.uuid} start {target}{limit}")

    def stop_recording(self, path: str = "all") -> None:
        self._conn().api_ok(f"uuid_record {self.uuid} stop {media_path(path)}")

    # -- supervision -----------------------------------------------------------------------------------

    def eavesdrop(self, target_uuid: str, enable_dtmf: bool = True) -> Execution:
        """Listen to another leg; the returned Execution completes when this leg stops listening."""
        if enable_dtmf:
            self.execute("set", "eavesdrop_enable_dtmf=true")
        return self.start("eavesdrop", word(target_uuid))

    def eavesdrop_command(self, digit: str) -> str:
        """Switch an eavesdrop's mode without DTMF: 0 listen, 1 caller side, 2 agent side, 3 both."""
        return self._conn().sendevent("CUSTOM", {"Event-Subclass": "fsapp::eavesdrop", "Unique-ID": self.uuid,
                                                 "eavesdrop-command": digit})

    def wait_for(self, predicate_name: str, timeout: float) -> Channel:
        """Wait until the channel is ``parked``, ``answered``, ``bridged`` or ``gone``."""
        return self.switch.wait_channel(self.uuid, predicate_name, timeout, self.channel)


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def _argument(arg: str | None) -> str | None:
    return None if arg is None else application_argument(arg)


def _multi_value(value: str) -> str:
    """A value for one ``name=value`` pair of ``uuid_setvar_multi``, where ``;`` and ``=`` separate pairs."""
    if ";" in value or "=" in value:
        raise UnsafeValue(f"variable value {value!r} holds ';' or '=', which uuid_setvar_multi reads as syntax")
    return setvar_value(value)


def _multi_pairs(values: Mapping[str, str]) -> str:
    """``name=value;name=value``: the argument of ``uuid_setvar_multi``, every name and value checked."""
    return ";".join(f"{variable_name(name)}={_multi_value(value)}" for name, value in values.items())
