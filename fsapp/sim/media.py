"""What the simulated switch knows about audio: how long a playback lasts, and writing WAV files."""

from __future__ import annotations

import re
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

RATE = 8000
_TONE_SEGMENT = re.compile(r"%\(([\d,\s]+)\)")
_LOOPS = re.compile(r"loops=(-?\d+)")


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit samples at 8 kHz."""

    samples: array

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE

    @classmethod
    def silence(cls, seconds: float) -> Audio:
        return cls(array("h", bytes(2 * int(seconds * RATE))))

    def head(self, seconds: float) -> Audio:
        return Audio(self.samples[:int(seconds * RATE)])

    def __add__(self, other: Audio) -> Audio:
        return Audio(self.samples + other.samples)


def load_wav(path: str | Path) -> Audio:
    """Read a PCM WAV file as 8 kHz mono 16-bit (first channel, nearest-sample resampling)."""
    with wave.open(str(path), "rb") as reader:
        width, channels, rate = reader.getsampwidth(), reader.getnchannels(), reader.getframerate()
        frames = reader.readframes(reader.getnframes())
    if width != 2:
        raise ValueError(f"{path}: only 16-bit PCM WAV files are supported (got {8 * width}-bit)")
    samples = array("h", frames)[::channels]
    if rate != RATE:
        count = int(len(samples) * RATE / rate)
        samples = array("h", (samples[int(i * rate / RATE)] for i in range(count)))
    return Audio(samples)


def write_wav(path: str | Path, audio: Audio) -> int:
    """Write 8 kHz mono 16-bit PCM; returns the file size in bytes."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(target), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(audio.samples.tobytes())
    return target.stat().st_size


def file_type(path: str) -> str | None:
    """``Playback-File-Type`` for stream URLs (``tone_stream``, ``silence_stream``), None for files."""
    if "://" in path:
        return path.split("://", 1)[0]
    return None


def playback_seconds(path: str, default_file_seconds: float | None) -> float | None:
    """How long a playback of ``path`` lasts; ``float('inf')`` for endless tones, None if unplayable."""
    if path.startswith("tone_stream://"):
        return _tone_seconds(path)
    if path.startswith("local_stream://"):
        return float("inf")   # mod_local_stream's music on hold never ends by itself
    if path.startswith("silence_stream://"):
        body = path.split("://", 1)[1].split(",")[0]
        millis = int(body) if body.strip().lstrip("-").isdigit() else 0
        return float("inf") if millis < 0 else millis / 1000
    local = Path(path)
    if local.suffix.lower() == ".wav" and local.is_file():
        try:
            with wave.open(str(local), "rb") as reader:
                return reader.getnframes() / reader.getframerate()
        except (wave.Error, EOFError):
            return default_file_seconds
    return default_file_seconds


def _tone_seconds(path: str) -> float:
    loops_match = _LOOPS.search(path)
    loops = int(loops_match.group(1)) if loops_match else 1
    if loops < 0:
        return float("inf")
    total_ms = 0
    for segment in _TONE_SEGMENT.findall(path):
        numbers = [int(part) for part in segment.split(",") if part.strip()]
        total_ms += sum(numbers[:2])
    return total_ms * max(loops, 1) / 1000
