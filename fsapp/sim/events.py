"""Building events with FreeSWITCH's header set and order.

An event is a list of ``(name, value)`` pairs (values not yet URL-encoded):

1. the core block every event starts with (``Event-Name`` ... ``Event-Sequence``);
2. for channel events, headers placed before the channel data (``Bridge-A-Unique-ID``, ``Hangup-Cause``...);
3. the channel data: ``Channel-State`` ... ``Answer-State``, ``Hangup-Cause`` once hung up, the codec block
   once media is up, the ``Caller-*`` profile, ``Other-Type``/``Other-Leg-*`` once bridged, and every
   channel variable as ``variable_<name>``;
4. headers placed after the channel data (``Application``..., ``Playback-File-Path``, ``DTMF-Digit``...).
"""

from __future__ import annotations

import itertools
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fsapp.sim.channel import Channel

Headers = list[tuple[str, str]]

CALLING = {
    "CHANNEL_CREATE": ("switch_core_state_machine.c", "switch_core_session_run", "626"),
    "CHANNEL_ORIGINATE": ("switch_core_state_machine.c", "switch_core_session_run", "632"),
    "CHANNEL_PROGRESS": ("switch_channel.c", "switch_channel_perform_mark_ring_ready_value", "3505"),
    "CHANNEL_PROGRESS_MEDIA": ("switch_channel.c", "switch_channel_perform_mark_pre_answered", "3560"),
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", "3846"),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", "2944"),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", "2967"),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", "1002"),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", "1213"),
    "CHANNEL_BRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1689"),
    "CHANNEL_UNBRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1879"),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", "3445"),
    "CHANNEL_HANGUP_COMPLETE": ("switch_core_state_machine.c", "switch_core_session_reporting_state", "943"),
    "CHANNEL_DESTROY": ("switch_core_session.c", "switch_core_session_perform_destroy", "1584"),
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", "2408"),
    "CHANNEL_CALLSTATE": ("switch_channel.c", "switch_channel_perform_set_callstate", "301"),
    "PLAYBACK_START": ("switch_ivr_play_say.c", "switch_ivr_play_file", "1646"),
    "PLAYBACK_STOP": ("switch_ivr_play_say.c", "switch_ivr_play_file", "2020"),
    "RECORD_START": ("switch_ivr_play_say.c", "switch_ivr_record_file_event", "767"),
    "RECORD_STOP": ("switch_ivr_play_say.c", "switch_ivr_record_file_event", "1030"),
    "DTMF": ("switch_channel.c", "switch_channel_dequeue_dtmf", "677"),
    "PRIVATE_COMMAND": ("switch_ivr.c", "switch_ivr_parse_next_event", "804"),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", "1572"),
    "API": ("switch_loadable_module.c", "switch_api_execute", "2954"),
    "CHANNEL_DATA": ("mod_commands.c", "uuid_dump_function", "6468"),
    "HEARTBEAT": ("switch_core.c", "send_heartbeat", "95"),
}

CALLER_FIELDS = (
    "Direction", "Logical-Direction", "Username", "Dialplan", "Caller-ID-Name", "Caller-ID-Number",
    "Orig-Caller-ID-Name", "Orig-Caller-ID-Number", "Callee-ID-Name", "Callee-ID-Number", "Network-Addr",
    "ANI", "Destination-Number", "Unique-ID", "Source", "Transfer-Source", "Context", "Channel-Name",
    "Profile-Index", "Profile-Created-Time", "Channel-Created-Time", "Channel-Answered-Time",
    "Channel-Progress-Time", "Channel-Progress-Media-Time", "Channel-Hangup-Time", "Channel-Transfer-Time",
    "Channel-Resurrect-Time", "Channel-Bridged-Time", "Channel-Last-Hold", "Channel-Hold-Accum",
    "Screen-Bit", "Privacy-Hide-Name", "Privacy-Hide-Number",
)
OTHER_LEG_SKIPS = frozenset(("Profile-Index",))


@dataclass
class Identity:
    """Who the switch says it is in every event."""

    core_uuid: str = field(default_factory=lambda: str(uuidlib.uuid4()))
    hostname: str = "vm"
    ipv4: str = "192.0.2.2"
    ipv6: str = "fd00::2"
    started: float = field(default_factory=time.time)


class EventFactory:
    """Numbers events and fills in the core block from the switch's identity and clock."""

    def __init__(self, identity: Identity, clock) -> None:
        self.identity = identity
        self.clock = clock
        self._sequence = itertools.count(1)
        self._dates_of: tuple[int, str, str] = (-1, "", "")

    def skip(self) -> None:
        """An event was raised that no client wants: it still takes its sequence number, as on the switch."""
        next(self._sequence)

    def _dates(self, micros: int) -> tuple[str, str]:
        """``Event-Date-Local`` and ``Event-Date-GMT``; both change once a second, so the last pair is kept."""
        second = micros // 1_000_000
        if self._dates_of[0] != second:
            local = datetime.fromtimestamp(second).strftime("%Y-%m-%d %H:%M:%S")
            gmt = datetime.fromtimestamp(second, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
            self._dates_of = (second, local, gmt)
        return self._dates_of[1], self._dates_of[2]

    def core(self, name: str, subclass: str | None = None,
             calling: tuple[str, str, str] | None = None) -> Headers:
        micros = self.clock.micros()
        local, gmt = self._dates(micros)
        file, function, line = calling or CALLING.get(name, ("mod_event_socket.c", "event_handler", "0"))
        ident = self.identity
        headers: Headers = [("Event-Subclass", subclass)] if subclass else []
        headers += [
            ("Event-Name", name), ("Core-UUID", ident.core_uuid), ("FreeSWITCH-Hostname", ident.hostname),
            ("FreeSWITCH-Switchname", ident.hostname), ("FreeSWITCH-IPv4", ident.ipv4),
            ("FreeSWITCH-IPv6", ident.ipv6), ("Event-Date-Local", local), ("Event-Date-GMT", gmt),
            ("Event-Date-Timestamp", str(micros)), ("Event-Calling-File", file),
            ("Event-Calling-Function", function), ("Event-Calling-Line-Number", line),
            ("Event-Sequence", str(next(self._sequence))),
        ]
        return headers

    def channel(self, name: str, channel: Channel, *, before: Headers = (), after: Headers = (),
                variables: bool = True, calling: tuple[str, str, str] | None = None,
                profile: bool = True) -> Headers:
        """A channel event: core block, ``before``, the channel data, ``after``."""
        headers = self.core(name, calling=calling)
        headers += before
        headers += channel_data(channel, variables, profile)
        headers += after
        return headers


def channel_data(channel: Channel, variables: bool = True, profile: bool = True) -> Headers:
    """The channel's state, profile, other leg and (optionally) its variables, in FreeSWITCH's order
    (``profile=False``: a channel so new it has no caller profile yet)."""
    headers: Headers = [
        ("Channel-State", channel.state), ("Channel-Call-State", channel.call_state),
        ("Channel-State-Number", str(channel.state_number)), ("Channel-Name", channel.name),
        ("Unique-ID", channel.uuid), ("Call-Direction", channel.direction),
        ("Presence-Call-Direction", channel.direction),
        ("Channel-HIT-Dialplan", "true" if channel.hit_dialplan else "false"),
        ("Channel-Call-UUID", channel.uuid), ("Answer-State", channel.answer_state),
    ]
    if channel.hangup_cause:
        headers.append(("Hangup-Cause", channel.hangup_cause))
    if channel.codec:
        codec, rate, bits = channel.codec
        headers += [("Channel-Read-Codec-Name", codec), ("Channel-Read-Codec-Rate", rate),
                    ("Channel-Read-Codec-Bit-Rate", bits), ("Channel-Write-Codec-Name", codec),
                    ("Channel-Write-Codec-Rate", rate), ("Channel-Write-Codec-Bit-Rate", bits)]
    if not profile:
        return headers
    headers += profile_headers("Caller", channel.profile)
    if channel.other_leg is not None:
        other_type, other_profile = channel.other_leg
        headers.append(("Other-Type", other_type))
        headers += profile_headers("Other-Leg", other_profile, OTHER_LEG_SKIPS)
    if variables:
        variables_of = channel.variables
        headers += zip(map(_variable_header, variables_of), variables_of.values())
    return headers


@lru_cache(maxsize=4096)
def _variable_header(name: str) -> str:
    return "variable_" + name


def profile_headers(prefix: str, profile: dict[str, str], skip: frozenset[str] = frozenset()) -> Headers:
    """A caller profile as ``<prefix>-<field>`` headers; empty fields are left out, as FreeSWITCH does."""
    return [(f"{prefix}-{key}", profile[key]) for key in CALLER_FIELDS
            if key not in skip and profile.get(key)]
