"""``uuid_record``: recording a channel in the background while it does something else."""

from __future__ import annotations

from fsapp.sim import media
from fsapp.sim.channel import Channel


def record_start(channel: Channel, path: str, limit: list[str]) -> None:
    channel.background_recordings[path] = channel.core.clock.now()
    channel.set_var("silence_hits_exhausted", channel.variables.get("silence_hits_exhausted", "false"))
    channel.emit("RECORD_START", after=[("Record-File-Path", path)])


def record_stop(channel: Channel, path: str) -> None:
    started = channel.background_recordings.pop(path, None)
    if started is None:
        return
    elapsed = channel.core.clock.now() - started
    speech = channel.party.speech if channel.party is not None else None
    audio = media.Audio.silence(elapsed) if speech is None else (
        speech.head(elapsed) + media.Audio.silence(max(0.0, elapsed - speech.seconds)))
    size = media.write_wav(path, audio)
    samples = len(audio.samples)
    channel.recording_paths.append(path)
    channel.set_vars([("record_file_size", str(size)), ("record_seconds", str(samples // media.RATE)),
                      ("record_ms", str(samples * 1000 // media.RATE)), ("record_samples", str(samples))])
    channel.emit("RECORD_STOP", after=[("Record-File-Path", path)])
