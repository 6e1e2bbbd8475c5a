"""Dialplan applications the simulated switch runs on a channel (via sendmsg, uuid_broadcast, dialplan)."""

from __future__ import annotations

import logging
import re
from typing import Callable

from fsapp.sim import media, templates
from fsapp.sim.channel import AppCall, Channel, Hangup
from fsapp.sim.fax import rxfax, txfax
from fsapp.sim.parties import hold_started
from fsapp.sim.safety import sched_transfer

log = logging.getLogger(__name__)

FILE_PLAYED = "FILE PLAYED"
NONE = "_none_"


def execute(channel: Channel, call: AppCall) -> None:
    """CHANNEL_EXECUTE, run the application, CHANNEL_EXECUTE_COMPLETE (also when the channel hangs up)."""
    handler = APPLICATIONS.get(call.name)
    media_ready = channel.codec is not None   # a parked channel without media reads messages without reporting them
    channel.current_app = call
    channel.break_requested, channel.stop_status = False, None
    if call.from_sendmsg and "current_loop" not in channel.variables:
        channel.set_vars([("current_loop", "1"), ("total_loops", "1")])
    channel.variables.pop("current_application_response", None)
    channel.set_var("current_application", call.name)
    channel.set_var("current_application_data", call.arg or None)
    if call.arg:
        channel.set_var("current_application_data", call.arg)
    data = [("Application-Data", call.arg)] if call.arg else []
    channel.emit("CHANNEL_EXECUTE", after=[("Application", call.name), *data, *_uuid_headers(call)])
    response = NONE
    try:
        if handler is None:
            log.warning("channel %s: no application %r in the simulated switch", channel.uuid, call.name)
        else:
            response = handler(channel, call)
    except Hangup:
        _complete(channel, call, data, FILE_PLAYED if call.name == "playback" else NONE)
        raise
    finally:
        channel.current_app = None
    _complete(channel, call, data, response)
    if call.from_sendmsg and channel.alive and media_ready:
        _private_command(channel, call)
    if channel.deferred_hangup is not None and channel.alive:
        from fsapp.sim.lifecycle import hangup
        hangup(channel, channel.deferred_hangup)   # the queued sendmsg hangup, read now


def _complete(channel: Channel, call: AppCall, data: list[tuple[str, str]], response: str) -> None:
    if response != NONE:
        channel.set_var("current_application_response", response)
    channel.emit("CHANNEL_EXECUTE_COMPLETE", after=[("Application", call.name), *data,
                                                    ("Application-Response", response), *_uuid_headers(call)])


def _uuid_headers(call: AppCall) -> list[tuple[str, str]]:
    """``Application-UUID``, and ``Application-UUID-Name`` when the sendmsg named it (``Event-UUID-Name``)."""
    headers = [("Application-UUID", call.app_uuid)]
    return headers + [("Application-UUID-Name", call.uuid_name)] if call.uuid_name else headers


def _private_command(channel: Channel, call: AppCall) -> None:
    before = [("Command", f"sendmsg {channel.uuid}"), ("call-command", "execute"),
              ("execute-app-name", call.name)]
    if call.arg:
        before.append(("execute-app-arg", call.arg))
    before += [("event-lock", "true"), ("Event-UUID", call.app_uuid)]
    headers = before + channel.core.factory.channel("PRIVATE_COMMAND", channel, variables=False)
    channel.core.fire(headers, name="PRIVATE_COMMAND")


# -- answer ------------------------------------------------------------------------------------------


def answer(channel: Channel, call: AppCall | None = None) -> str:
    """Answer; a channel with no early media goes straight to answered (no CHANNEL_PROGRESS_MEDIA), as a parked
    inbound call on FreeSWITCH 1.10 does."""
    if channel.answered:
        return NONE
    if channel.codec is None:
        _media_up(channel)
    channel.set_vars(templates.local_sdp(int(channel.variables.get("local_media_port", "0")), "PCMA", "8"))
    channel.answer_state = "answered"
    channel.mark_time("answered", "Channel-Answered-Time")
    channel.emit("CHANNEL_ANSWER")
    channel.set_call_state("ACTIVE")
    channel.set_var("endpoint_disposition", "ANSWER")
    channel.api_on("api_on_answer")
    for callback in channel.on_answer:
        callback()
    return NONE


def pre_answer(channel: Channel, call: AppCall | None = None) -> str:
    if channel.codec is not None:
        return NONE
    _media_up(channel)
    channel.answer_state = "early"
    channel.mark_time("progress_media", "Channel-Progress-Media-Time")
    channel.emit("CHANNEL_PROGRESS_MEDIA")
    channel.set_call_state("EARLY")
    return NONE


def ring_ready(channel: Channel, call: AppCall | None = None) -> str:
    """Tell the caller the phone rings (SIP 180): CHANNEL_PROGRESS and the RINGING call state, once, and only
    before the answer or early media (``switch_channel_perform_mark_ring_ready_value``)."""
    if channel.answered or channel.codec is not None or "progress" in channel.times:
        return NONE
    channel.answer_state = "ringing"
    channel.mark_time("progress", "Channel-Progress-Time")
    channel.emit("CHANNEL_PROGRESS")
    channel.set_call_state("RINGING")
    return NONE


def _media_up(channel: Channel) -> None:
    channel.codec = ("PCMA", "8000", "64000")
    port = channel.core.next_media_port()
    channel.set_vars(templates.media_up("PCMA", "8", port, 6000, "EARLY MEDIA"))


# -- variables ---------------------------------------------------------------------------------------


def set_variable(channel: Channel, call: AppCall) -> str:
    name, _, value = call.arg.partition("=")
    channel.set_var(name.strip(), value)
    return NONE


def export_variable(channel: Channel, call: AppCall) -> str:
    name, _, value = call.arg.partition("=")
    name = name.strip().removeprefix("nolocal:")
    channel.set_var(name, value)
    exported = [part for part in channel.variables.get("export_vars", "").split(",") if part]
    if name not in exported:
        exported.append(name)
    channel.set_var("export_vars", ",".join(exported))
    return NONE


def unset_variable(channel: Channel, call: AppCall) -> str:
    channel.set_var(call.arg.strip(), None)
    return NONE


# -- playback ----------------------------------------------------------------------------------------


def play_file(channel: Channel, path: str, *, digits_interrupt: list[str] | None = None,
              terminators: str = "") -> str:
    """PLAYBACK_START, play, PLAYBACK_STOP; returns ``done`` or ``break``.

    Every digit that arrives is read (its DTMF event comes now, before the PLAYBACK_STOP it causes). With
    ``digits_interrupt`` (play_and_get_digits) the first digit stops the prompt and is appended to that list
    for the reader; otherwise digits are dropped, except ``terminators``, which stop the playback.
    """
    seconds = media.playback_seconds(path, channel.core.default_file_seconds) or 0.0
    kind = media.file_type(path)
    file_headers = ([("Playback-File-Type", kind)] if kind else []) + [("Playback-File-Path", path)]
    channel.emit("PLAYBACK_START", after=file_headers)
    started = channel.core.clock.now()
    if seconds == float("inf"):
        hold_started(channel)
    status = "done"
    try:
        while True:
            done = channel.wait(None if seconds == float("inf") else
                                max(0.0, seconds - (channel.core.clock.now() - started)),
                                lambda: channel.break_requested or bool(channel.dtmf))
            if not done:
                break
            if channel.break_requested:
                channel.break_requested = False
                status = channel.stop_status or "break"
                break
            digit = channel.take_dtmf()
            if digit is not None and digits_interrupt is not None:
                digits_interrupt.append(digit)
                status = "break"
                break
            if digit is not None and digit in terminators:
                channel.set_var("playback_terminator_used", digit)
                status = "break"
                break
    except Hangup:
        _stop_playback(channel, file_headers, started, "break")
        raise
    _stop_playback(channel, file_headers, started, status)
    return status


def _stop_playback(channel: Channel, file_headers: list[tuple[str, str]], started: float, status: str) -> None:
    elapsed = channel.core.clock.now() - started
    samples = int(elapsed * media.RATE)
    channel.set_vars([("playback_last_offset_pos", str(samples)), ("playback_seconds", str(int(elapsed))),
                      ("playback_ms", str(int(elapsed * 1000))), ("playback_samples", str(samples))])
    channel.emit("PLAYBACK_STOP", after=[*file_headers, ("Playback-Status", status)])


def playback(channel: Channel, call: AppCall) -> str:
    channel.set_var("playback_terminator_used", None)
    if media.playback_seconds(call.arg, channel.core.default_file_seconds) is None:
        return "FILE NOT FOUND"
    for _ in range(max(call.loops, 1)):
        if play_file(channel, call.arg, terminators=playback_terminators(channel)) == "break":
            break
    return FILE_PLAYED


def playback_terminators(channel: Channel) -> str:
    """The keys that stop a ``playback``: ``playback_terminators`` (``any``, ``none``), ``*`` when unset."""
    value = channel.variables.get("playback_terminators", "*")
    return {"any": "1234567890*#", "none": ""}.get(value.lower(), value)


def speak(channel: Channel, call: AppCall) -> str:
    text = call.arg.split("|")[-1]
    channel.wait(0.3 + 0.06 * len(text), lambda: channel.break_requested)
    channel.break_requested = False
    return NONE


def sleep(channel: Channel, call: AppCall) -> str:
    millis = int(call.arg or "0")
    channel.wait(millis / 1000, lambda: channel.break_requested)
    channel.break_requested = False
    return NONE


# -- play_and_get_digits -----------------------------------------------------------------------------


def play_and_get_digits(channel: Channel, call: AppCall) -> str:
    """``min max tries timeout terminators file invalid_file var regex [digit_timeout]``."""
    args = call.arg.split(" ")
    min_digits, max_digits, tries, timeout_ms = (int(value) for value in args[:4])
    terminators, prompt, invalid_prompt, var, pattern = args[4:9]
    digit_timeout = int(args[9]) / 1000 if len(args) > 9 else timeout_ms / 1000
    for _ in range(max(tries, 1)):
        channel.set_var("read_result", None)
        digits = _collect(channel, prompt, min_digits, max_digits, timeout_ms / 1000, digit_timeout, terminators)
        if digits and len(digits) >= min_digits and re.search(pattern, digits):
            channel.set_var(var, digits)
            channel.set_var("read_result", "success")
            return NONE
        if digits:
            channel.set_var(f"{var}_invalid", digits)
            channel.set_var("read_result", "success")
        else:
            channel.set_var("read_result", "failure")
        if invalid_prompt and invalid_prompt != "silence":
            play_file(channel, invalid_prompt)
    channel.set_var("read_result", "failure")
    return NONE


def _collect(channel: Channel, prompt: str, min_digits: int, max_digits: int, first_timeout: float,
             digit_timeout: float, terminators: str) -> str:
    digits = ""
    heard: list[str] = []   # a digit that stopped the prompt
    if prompt and prompt != "silence":
        play_file(channel, prompt, digits_interrupt=heard)
    timeout = first_timeout
    while len(digits) < max_digits:
        if heard:
            digit: str | None = heard.pop(0)
        elif not channel.wait(timeout, lambda: bool(channel.dtmf)):
            break
        else:
            digit = channel.take_dtmf()
        if digit is None:
            continue
        if digit in terminators and terminators != "none":
            break
        digits += digit
        timeout = digit_timeout
    return digits


# -- record ------------------------------------------------------------------------------------------


def record(channel: Channel, call: AppCall) -> str:
    """``record path [limit_seconds] [silence_threshold] [silence_seconds]``; writes a real WAV file."""
    args = call.arg.split()
    path = args[0]
    limit = float(args[1]) if len(args) > 1 and float(args[1]) > 0 else float("inf")
    silence_seconds = float(args[3]) if len(args) > 3 and len(args) > 2 and float(args[2]) > 0 else None
    speech = channel.party.speech if channel.party is not None else None
    if "silence_hits_exhausted" not in channel.variables:
        channel.set_var("silence_hits_exhausted", "false")
    channel.emit("RECORD_START", after=[("Record-File-Path", path)])
    speech_seconds = speech.seconds if speech is not None else 0.0
    on_silence = silence_seconds is not None and speech_seconds + silence_seconds < limit
    planned = speech_seconds + silence_seconds if on_silence else limit
    started = channel.core.clock.now()
    try:
        channel.wait(None if planned == float("inf") else planned, lambda: channel.break_requested)
    except Hangup:
        _stop_record(channel, path, speech, started, False)
        raise
    broken = channel.break_requested
    channel.break_requested = False
    _stop_record(channel, path, speech, started, on_silence and not broken)
    return NONE


def _fills_silence(channel: Channel) -> bool:
    """Whether ``record`` writes the time the party sent no RTP: FreeSWITCH writes only the frames it received
    (comfort-noise frames are skipped) unless ``record_fill_cng`` is ``true`` or a level above 0."""
    if not getattr(channel.party, "silence_suppression", False):
        return True   # the party sends RTP all along, silence included
    fill = channel.variables.get("record_fill_cng", "").strip().lower()
    return fill == "true" or (fill.isdigit() and int(fill) > 0)


def _stop_record(channel: Channel, path: str, speech: media.Audio | None, started: float,
                 ended_on_silence: bool) -> None:
    elapsed = channel.core.clock.now() - started
    spoken = speech.head(elapsed) if speech is not None else media.Audio.silence(0.0)
    if ended_on_silence and speech is not None:
        audio = spoken
    elif not _fills_silence(channel):
        audio = spoken   # the pauses were never received: the file is shorter than the time recorded
    else:
        audio = spoken + media.Audio.silence(max(0.0, elapsed - spoken.seconds))
    size = media.write_wav(path, audio)
    channel.recording_paths.append(path)
    if ended_on_silence:
        channel.set_var("silence_hits_exhausted", "true")
    samples = len(audio.samples)
    channel.set_vars([("record_record_file_size", str(size)), ("record_file_size", str(size)),
                      ("record_seconds", str(samples // media.RATE)),
                      ("record_ms", str(samples * 1000 // media.RATE)), ("record_samples", str(samples))])
    channel.emit("RECORD_STOP", after=[("Record-File-Path", path)])


# -- control -----------------------------------------------------------------------------------------


def hangup_app(channel: Channel, call: AppCall) -> str:
    from fsapp.sim.lifecycle import hangup
    hangup(channel, call.arg.strip() or "NORMAL_CLEARING")
    return NONE


def park(channel: Channel, call: AppCall) -> str:
    return NONE


def eavesdrop(channel: Channel, call: AppCall) -> str:
    """Listen to another leg; the supervisor's DTMF (or sendevent eavesdrop-command) changes the mode."""
    target = channel.core.live(call.arg.strip())
    if target is None:
        return NONE
    channel.eavesdrop_mode, channel.eavesdrop_target = "0", target.uuid
    dtmf_enabled = channel.variables.get("eavesdrop_enable_dtmf", "true") == "true"
    while target.alive:
        channel.wait(None, lambda: bool(channel.dtmf) or bool(channel.eavesdrop_commands)
                     or not target.alive or channel.break_requested)
        if channel.break_requested:
            break
        while channel.eavesdrop_commands:
            channel.eavesdrop_mode = channel.eavesdrop_commands.popleft()
        digit = channel.take_dtmf()
        if digit == "*":
            break
        if digit in ("0", "1", "2", "3") and dtmf_enabled:
            channel.eavesdrop_mode = digit
    channel.eavesdrop_mode = channel.eavesdrop_target = None
    return NONE


def conference(channel: Channel, call: AppCall) -> str:
    from fsapp.sim.conference import join
    return join(channel, call.arg)


def bridge(channel: Channel, call: AppCall) -> str:
    from fsapp.sim.bridging import bridge_app
    return bridge_app(channel, call.arg)


def intercept(channel: Channel, call: AppCall) -> str:
    from fsapp.sim.bridging import intercept_leg
    intercept_leg(channel, call.arg.strip())
    return NONE


APPLICATIONS: dict[str, Callable[[Channel, AppCall], str]] = {
    "answer": answer, "pre_answer": pre_answer, "ring_ready": ring_ready, "set": set_variable,
    "export": export_variable, "unset": unset_variable, "playback": playback, "speak": speak, "sleep": sleep,
    "play_and_get_digits": play_and_get_digits, "record": record, "hangup": hangup_app, "park": park,
    "eavesdrop": eavesdrop, "conference": conference, "bridge": bridge, "intercept": intercept,
    "sched_transfer": sched_transfer, "rxfax": rxfax, "txfax": txfax,
}


def parse_broadcast(arg: str) -> list[AppCall]:
    """``uuid_broadcast`` paths: ``file`` or ``app::args``."""
    if "::" in arg:
        name, _, app_arg = arg.partition("::")
        return [AppCall(name, app_arg, from_sendmsg=False)]
    return [AppCall("playback", arg, from_sendmsg=False)]

