"""Errors of the speech package.

::

    FsappError
    └── SpeechError                 fsapp.speech
        ├── AudioError              a sound file cannot be read or converted (sox missing or failing)
        ├── TtsError                no voice for a language, or the synthesizer produced nothing
        └── AsrError                a recognizer cannot start: engine not installed, model or grammar unusable
            └── EngineMissing       the engine's package or model is not installed (the message names it)
"""

from __future__ import annotations

from fsapp.errors import FsappError


class SpeechError(FsappError):
    """Base of the speech errors."""


class AudioError(SpeechError):
    """A sound file cannot be read or converted."""


class TtsError(SpeechError):
    """Text could not be turned into speech."""


class AsrError(SpeechError):
    """A recognizer could not be built or run."""


class EngineMissing(AsrError):
    """A speech engine or model is not installed."""
