"""Sound files in telephone form: mono 16-bit PCM WAV at 8 kHz (and 16 kHz for wideband and recognizers).

Conversion is done by sox, which resamples with a proper low-pass filter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

from fsapp.offhub import NICENESS
from fsapp.speech.errors import AudioError

TELEPHONE_RATE = 8000
WIDEBAND_RATE = 16000
SOX_TIMEOUT_S = 60


@dataclass(frozen=True)
class WavInfo:
    rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def wav_info(path: str | Path) -> WavInfo:
    """Rate, channels, sample width (bytes) and length of a WAV file."""
    try:
        with wave.open(str(path), "rb") as wav:
            return WavInfo(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"{path}: not a readable WAV file: {exc}") from exc


def _sox() -> str:
    sox = shutil.which("sox")
    if sox is None:
        raise AudioError("sox is not installed (Debian package sox)")
    return sox


def lowered(command: list[str]) -> list[str]:
    """``command`` run at a lower CPU priority (``nice``), so that converting prompts never takes the CPU from
    the controller serving calls on the same machine."""
    nice = shutil.which("nice")
    return [nice, "-n", str(NICENESS), *command] if nice else command


def _run_sox(arguments: list[str], what: str) -> bytes:
    try:
        done = subprocess.run(lowered([_sox(), *arguments]), capture_output=True, timeout=SOX_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"sox took more than {SOX_TIMEOUT_S} s on {what}") from exc
    if done.returncode != 0:
        raise AudioError(f"sox failed on {what}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def convert(source: str | Path, target: str | Path, rate: int = TELEPHONE_RATE) -> Path:
    """Write ``source`` as mono 16-bit PCM WAV at ``rate`` to ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _run_sox(["-V1", str(source), "-r", str(rate), "-c", "1", "-b", "16", "-e", "signed-integer", str(target)],
             str(source))
    return target


def pcm16(source: str | Path, rate: int = WIDEBAND_RATE) -> bytes:
    """The samples of ``source`` as raw mono 16-bit little-endian PCM at ``rate`` (8 kHz calls go up to 16)."""
    info = wav_info(source)
    if (info.rate, info.channels, info.sample_width) == (rate, 1, 2):
        with wave.open(str(source), "rb") as wav:
            return wav.readframes(info.frames)
    return _run_sox(["-V1", str(source), "-t", "raw", "-r", str(rate), "-c", "1", "-b", "16",
                     "-e", "signed-integer", "-L", "-"], str(source))


def join_wavs(sources: list[Path], target: Path) -> Path:
    """One WAV of ``sources`` one after the other (same rate, channels and width, as the cache renders them)."""
    with wave.open(str(sources[0]), "rb") as first:
        params = first.getparams()
    staged = target.with_name(f".{target.stem}.{os.getpid()}.{threading.get_ident()}.wav")
    target.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(staged), "wb") as writer:
        writer.setnchannels(params.nchannels)
        writer.setsampwidth(params.sampwidth)
        writer.setframerate(params.framerate)
        for source in sources:
            with wave.open(str(source), "rb") as reader:
                if (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) != (
                        params.nchannels, params.sampwidth, params.framerate):
                    staged.unlink(missing_ok=True)
                    raise AudioError(f"{source}: not the format of {sources[0]}; cannot be joined to it")
                writer.writeframes(reader.readframes(reader.getnframes()))
    os.replace(staged, target)
    return target
