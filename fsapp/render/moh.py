"""Hold music that is never silence: when ``freeswitch.moh_dir`` holds no sound file, one is made with sox.

The generated piece is a slow guitar-like chord progression (G, Em, C, D, twice; 16 s, 8 kHz mono 16-bit),
which ``local_stream://moh`` loops. A city replaces it by putting its own licensed music in the directory.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from fsapp.render.errors import RenderError

log = logging.getLogger(__name__)

GENERATED_NAME = "fsapp-hold-music.wav"
SOUND_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac", ".au", ".raw", ".r8", ".r16")
CHORDS = (("G2", "B2", "D3", "G3", "B3", "G4"), ("E2", "B2", "E3", "G3", "B3", "E4"),
          ("C3", "E3", "G3", "C4", "E4", "G4"), ("D3", "A3", "D4", "F#4", "A4", "D5")) * 2
CHORD_SECONDS = 2


def has_music(directory: Path) -> bool:
    return directory.is_dir() and any(path.suffix.lower() in SOUND_SUFFIXES for path in directory.iterdir())


def sox_command(out: Path) -> list[str]:
    """One sox run: each chord strummed (strings 50 ms apart), faded, normalized to -6 dBFS, one after another."""
    command = ["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(out)]
    for index, chord in enumerate(CHORDS):
        if index:
            command.append(":")
        command += ["synth", str(CHORD_SECONDS)]
        for note in chord:
            command += ["pl", note]
        command += ["delay", *(f"{0.05 * string:.2f}" for string in range(len(chord))), "remix", "-",
                    "fade", "0", str(CHORD_SECONDS), "0.1", "norm", "-6"]
    return command


def ensure_hold_music(directory: Path) -> Path | None:
    """Generate :data:`GENERATED_NAME` in ``directory`` unless it already holds music; returns the new file.

    A directory this machine does not have (the switch's path on another host or in a container) is left
    alone, with a warning: fill the directory it is mounted from (``fsapp conf render --only moh`` with a
    ``moh_dir`` this machine sees, as ``make install`` does for ``sounds/moh``).
    """
    if not directory.is_dir():
        log.warning("hold music directory %s is not on this machine: make sure it holds music where the switch "
                    "reads it", directory)
        return None
    if has_music(directory):
        return None
    if shutil.which("sox") is None:
        raise RenderError(f"{directory} holds no hold music and sox is not installed to make some: install sox "
                          "(scripts/install-system-deps) or put 8 kHz mono WAV files there")
    out = directory / GENERATED_NAME
    try:
        subprocess.run(sox_command(out), check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(f"sox could not make hold music in {directory}: {exc}") from exc
    log.info("no hold music in %s: generated %s", directory, out.name)
    return out
