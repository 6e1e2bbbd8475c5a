"""``uuid_record``: recording a channel in the background while it does something else.

As on FreeSWITCH 1.10: ``RECORD_START`` and ``MEDIA_BUG_START`` when the media bug is added (at once, from the
api command, before anything the channel's own thread does next); a second start on a path already being
recorded changes nothing; a new recording to an existing file overwrites it unless the channel variable
``RECORD_APPEND`` is true when it starts; the file is closed (``RECORD_STOP``, ``MEDIA_BUG_STOP``) by
``uuid_record stop`` or when the channel hangs up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fsapp.sim import media
from fsapp.sim.channel import Channel

BUG_FUNCTION = "session_record"
CALLING = {"RECORD_START": ("switch_ivr_async.c", "record_callback", "1481"),
           "RECORD_STOP": ("switch_ivr_async.c", "send_record_stop_event", "1240"),
           "MEDIA_BUG_START": ("switch_core_media_bug.c", "switch_core_media_bug_add", "1014"),
           "MEDIA_BUG_STOP": ("switch_core_media_bug.c", "switch_core_media_bug_destroy", "84")}
TRUE_VALUES = frozenset(("true", "yes", "on", "1", "enabled", "active", "allow"))


@dataclass
class BackgroundRecording:
    started_at: float
    append: bool


def record_start(channel: Channel, path: str, limit: list[str]) -> None:
    if path in channel.background_recordings:
        return   # "Already recording"
    append = channel.variables.get("RECORD_APPEND", "").lower() in TRUE_VALUES
    channel.background_recordings[path] = BackgroundRecording(channel.core.clock.now(), append)
    channel.set_var("silence_hits_exhausted", channel.variables.get("silence_hits_exhausted", "false"))
    channel.emit("RECORD_START", after=[("Record-File-Path", path)], calling=CALLING["RECORD_START"])
    _media_bug(channel, "MEDIA_BUG_START", path)


def record_stop(channel: Channel, path: str, cause: str = "success-maxtime") -> None:
    recording = channel.background_recordings.pop(path, None)
    if recording is None:
        return
    elapsed = channel.core.clock.now() - recording.started_at
    speech = channel.party.speech if channel.party is not None else None
    audio = media.Audio.silence(elapsed) if speech is None else (
        speech.head(elapsed) + media.Audio.silence(max(0.0, elapsed - speech.seconds)))
    if recording.append and Path(path).is_file():
        audio = media.load_wav(path) + audio
    size = media.write_wav(path, audio)
    samples = len(audio.samples)
    channel.recording_paths.append(path)
    channel.set_vars([("record_file_size", str(size)), ("record_seconds", str(samples // media.RATE)),
                      ("record_ms", str(samples * 1000 // media.RATE)), ("record_samples", str(samples))])
    channel.emit("RECORD_STOP", after=[("Record-File-Path", path), ("Record-Completion-Cause", cause)],
                 calling=CALLING["RECORD_STOP"])
    _media_bug(channel, "MEDIA_BUG_STOP", path)


def stop_all(channel: Channel) -> None:
    """The channel hangs up: every background recording is closed."""
    heard = channel.party is not None and channel.party.speech is not None
    for path in list(channel.background_recordings):
        record_stop(channel, path, "success-silence" if heard else "no-input-timeout")


def _media_bug(channel: Channel, name: str, path: str) -> None:
    channel.emit(name, before=[("Media-Bug-Function", BUG_FUNCTION), ("Media-Bug-Target", path)],
                 calling=CALLING[name])
