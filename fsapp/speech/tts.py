"""Text-to-speech with a cache: each (text, language, voice) is rendered once into telephone-ready WAV.

Files live under the cache directory as ``<language>/8000/<key>.wav`` and ``<language>/16000/<key>.wav``
(mono, 16-bit), where the key is a hash of the voice and the text. The espeak-ng program renders them
(the same text always gives the same file); pyttsx3 over the espeak-ng library is used where the program
is not installed. Rendering runs on the speech lane (:mod:`fsapp.offhub`), whoever asks: a prompt made
for a caller in the queue never stops the other calls.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fsapp.offhub import SPEECH, off_hub
from fsapp.speech.audio import TELEPHONE_RATE, WIDEBAND_RATE, convert, join_wavs, lowered
from fsapp.speech.errors import TtsError
from fsapp.speech.voices import prepare_text, voice_for

log = logging.getLogger(__name__)

Synthesizer = Callable[[str, str, Path], None]
"""Writes ``text`` spoken by ``voice`` as a WAV file at the path (any rate)."""

RATES = (TELEPHONE_RATE, WIDEBAND_RATE)
_PYTTSX3_LOCK = threading.Lock()
_PYTTSX3_ENGINE: list[object] = []  # kept alive: espeak calls back into the driver after runAndWait
# Drop the engine before interpreter shutdown: its destructor needs modules that are gone by then.
atexit.register(_PYTTSX3_ENGINE.clear)


def pyttsx3_synthesize(text: str, voice: str, target: Path) -> None:
    """Render with pyttsx3's espeak driver (one runAndWait per file; one render at a time)."""
    import pyttsx3

    with _PYTTSX3_LOCK, contextlib.redirect_stdout(io.StringIO()):
        if not _PYTTSX3_ENGINE:
            _PYTTSX3_ENGINE.append(pyttsx3.init("espeak"))
        engine: Any = _PYTTSX3_ENGINE[0]
        engine.setProperty("voice", voice)
        engine.save_to_file(text, str(target))
        engine.runAndWait()


def espeak_synthesize(text: str, voice: str, target: Path) -> None:
    """Render with the espeak-ng program."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise TtsError("espeak-ng is not installed (Debian package espeak-ng)")
    done = subprocess.run(lowered([program, "-v", voice, "-w", str(target), text]), capture_output=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise TtsError(f"espeak-ng failed for voice {voice}: {done.stderr.decode(errors='replace').strip()}")


def default_synthesize(text: str, voice: str, target: Path) -> None:
    """The espeak-ng program first; pyttsx3 (driving the same espeak-ng library) when it is not installed.

    Each program run starts from a clean state, so the same text always gives the same file. pyttsx3's
    shared engine does not: four renders of one phrase gave four different files (its buffers and
    trailing silence vary), which made recognition of borderline phrases flip between runs.
    """
    if shutil.which("espeak-ng") is not None:
        espeak_synthesize(text, voice, target)
        return
    pyttsx3_synthesize(text, voice, target)
    if not target.exists() or target.stat().st_size <= 44:
        raise TtsError(f"pyttsx3 wrote no audio for voice {voice}")


class TtsCache:
    """Renders prompts once and hands out the cached files."""

    def __init__(self, directory: str | Path, synthesize: Synthesizer = default_synthesize) -> None:
        self.directory = Path(directory)
        self.synthesize = synthesize

    @staticmethod
    def key(text: str, language: str, voice: str) -> str:
        return hashlib.sha256(f"{language}\0{voice}\0{text}".encode()).hexdigest()[:32]

    def path_for(self, text: str, language: str, voice: str | None = None, rate: int = TELEPHONE_RATE) -> Path:
        """Where the rendering of ``text`` is (or will be) kept."""
        chosen = voice_for(language, voice)
        return self.directory / language / str(rate) / f"{self.key(text, language, chosen)}.wav"

    def medley_path(self, parts: list[Path]) -> Path:
        """Where the prompts ``parts`` played one after the other are (or will be) kept."""
        key = hashlib.sha256("\0".join(str(part) for part in parts).encode()).hexdigest()[:32]
        return self.directory / "medley" / str(TELEPHONE_RATE) / f"{key}.wav"

    def medley(self, parts: list[Path]) -> Path:
        """One file of the rendered prompts ``parts`` one after the other (each in its own voice), joined once
        (off the hub: call it on the speech lane)."""
        target = self.medley_path(parts)
        return target if target.exists() else join_wavs(parts, target)

    def is_cached(self, text: str, language: str, voice: str | None = None) -> bool:
        return all(self.path_for(text, language, voice, rate).exists() for rate in RATES)

    def render(self, text: str, language: str, voice: str | None = None, rate: int = TELEPHONE_RATE) -> Path:
        """The WAV file of ``text`` at ``rate`` (8000 or 16000), rendering it first if needed (off the hub)."""
        if rate not in RATES:
            raise TtsError(f"rate must be one of {RATES}, not {rate}")
        target = self.path_for(text, language, voice, rate)
        if target.exists():
            return target
        return self._render(text, language, voice, target)

    @off_hub(SPEECH)
    def _render(self, text: str, language: str, voice: str | None, target: Path) -> Path:
        if target.exists():   # rendered by another caller meanwhile
            return target
        chosen = voice_for(language, voice)
        with tempfile.TemporaryDirectory(prefix="fsapp-tts-") as work:
            raw = Path(work) / "raw.wav"
            self.synthesize(prepare_text(text, language), chosen, raw)
            if not raw.exists() or raw.stat().st_size <= 44:
                raise TtsError(f"no audio rendered for {text[:40]!r} ({language}, {chosen})")
            for each in RATES:
                final = self.path_for(text, language, voice, each)
                staged = convert(raw, final.with_name(f".{final.stem}.{os.getpid()}.{threading.get_ident()}.wav"),
                                 each)
                os.replace(staged, final)
        log.debug("rendered %s %s -> %s", language, text[:40], target)
        return target
