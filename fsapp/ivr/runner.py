"""Running a flow on a live call: the interpreter's actions carried out through a call-control object.

The switch layer provides the :class:`CallControl`; prompts are rendered by the TTS cache, and speech is
recorded through the switch (with silence detection) and recognized on the speech lane (fsapp.offhub) so
that the hub keeps serving other calls. Queue, transfer, voicemail and callback outcomes go to injected handlers.

Type-ahead: any key stops a prompt (the channel's ``playback_terminators`` is set to ``any``), and that key is
kept for the next question of the flow, which takes it as the first key of its answer without asking again.
"""

from __future__ import annotations

import logging
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from fsapp.errors import FsappError
from fsapp.esl.errors import TransportError
from fsapp.ivr.actions import (Action, Audio, Callback, Collect, Digits, Hangup, Listen, Medley, Play, Queue,
                               Recorded, Result, Say, Speech, Transfer, Voicemail)
from fsapp.ivr.callpath import CallPath
from fsapp.ivr.errors import IvrError
from fsapp.ivr.hooks import HookRunner
from fsapp.ivr.interpreter import Clock, Interpreter
from fsapp.ivr.schema import Flow
from fsapp.offhub import SPEECH, OffHubTimeout
from fsapp.phones import DEFAULT_REGION
from fsapp.speech.asr import Recognizers
from fsapp.speech.grammar import Grammar
from fsapp.speech.tts import TtsCache
from fsapp.switch.dialstring import dialable_or_none

log = logging.getLogger(__name__)
T = TypeVar("T")

DIGITS_VARIABLE = "fsapp_digits"
LANGUAGE_VARIABLE = "fsapp_language"   # the language a queued caller chose: a restart resumes the call in it
SILENCE = "silence_stream://250"
TERMINATORS_VARIABLE = "playback_terminators"
ANY_KEY = "any"


class RecordResult(Protocol):
    path: str
    ms: int
    silence_ended: bool


class CallControl(Protocol):
    """What the runner needs from a call (fsapp.switch implements it over the Event Socket)."""

    uuid: str
    caller_number: str
    variables: dict[str, str]

    def answer(self, timeout: float = ...) -> None: ...

    def playback_key(self, path: str, timeout: float | None = None) -> str | None: ...

    def play_and_get_digits(self, min_digits: int, max_digits: int, tries: int, timeout_ms: int, terminators: str,
                            prompt: str, invalid_prompt: str, var_name: str, regex: str,
                            digit_timeout_ms: int) -> str | None: ...

    def record(self, path: str, time_limit_s: int, silence_threshold: int, silence_hits_s: int) -> RecordResult: ...

    def set_variable(self, name: str, value: str) -> None: ...

    def transfer(self, destination: str, dialplan: str = "XML", context: str = "default") -> None: ...

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None: ...


def on_speech_lane(function: Callable[..., T], *args: Any, timeout: float) -> T:
    """Run rendering or recognition on the speech lane and wait for it without blocking the hub."""
    try:
        return SPEECH.run_timed(timeout, function, *args)
    except OffHubTimeout as exc:
        raise IvrError(str(exc)) from exc


@dataclass
class Handlers:
    """Where finished calls go. Transfer and hangup default to the call's own verbs."""

    on_queue: Callable[[CallControl, Queue], None]
    on_voicemail: Callable[[CallControl, Voicemail, Recorded], None] | None = None
    on_callback: Callable[[CallControl, Callback], None] | None = None
    on_transfer: Callable[[CallControl, Transfer], None] | None = None
    on_finished: Callable[[CallControl, CallPath], None] | None = None


@dataclass
class SpeechSettings:
    """How an utterance is recorded and recognized."""

    silence_threshold: int = 200
    silence_hits_s: int = 1
    min_utterance_ms: int = 200
    recognize_timeout_s: float = 10.0


class IvrRunner:
    """Carries a call through a flow."""

    def __init__(self, *, tts: TtsCache, recognizers: Recognizers, handlers: Handlers, hooks: HookRunner,
                 clock: Clock, recordings_dir: str | Path, store: Any = None,
                 speech: SpeechSettings | None = None,
                 offload: Callable[..., Any] = on_speech_lane, region: str = DEFAULT_REGION) -> None:
        self.tts = tts
        self.region = region   # where callback numbers are read
        self.recognizers = recognizers
        self.handlers = handlers
        self.hooks = hooks
        self.clock = clock
        self.recordings_dir = Path(recordings_dir)
        self.store = store
        self.speech = speech or SpeechSettings()
        self.offload = offload
        self.active_paths: dict[str, CallPath] = {}
        """The path so far of every call in a flow (a queued call is still in its flow's queue step)."""
        self._typed_ahead: dict[str, str] = {}   # call uuid -> a key that stopped a prompt, for the next question

    def run(self, call: CallControl, flow: Flow, language: str | None = None) -> CallPath:
        """Walk ``flow`` on ``call`` until it is queued, transferred, hung up, or the caller leaves."""
        interpreter = Interpreter(flow, clock=self.clock, hooks=self.hooks, store=self.store, call_uuid=call.uuid,
                                  caller_number=call.caller_number, variables=dict(call.variables),
                                  language=language or call.variables.get(LANGUAGE_VARIABLE),
                                  dialable=lambda raw: dialable_or_none(raw, self.region))
        walk = interpreter.run()
        path = self.active_paths[call.uuid] = interpreter.path
        try:
            action = next(walk)
            while True:
                action = walk.send(self.perform(call, action))
        except StopIteration as stop:
            path = stop.value
        except TransportError:
            walk.close()
            raise  # the link to the switch dropped: the call is resumed after the reconnect
        except FsappError as exc:
            outcome, served = interpreter.ending("abandoned")
            log.info("call %s: left the IVR at %s (%s): %s", call.uuid, path.nodes[-1:] or flow.start, outcome, exc)
            path.finish(outcome, served or str(exc))
            path.stopped = str(exc)
            walk.close()
        finally:
            self.active_paths.pop(call.uuid, None)
            self._typed_ahead.pop(call.uuid, None)
        if self.handlers.on_finished is not None:
            self.handlers.on_finished(call, path)
        return path

    # -- actions -------------------------------------------------------------------------------------------

    def perform(self, call: CallControl, action: Action) -> Result:
        """Carry out one action on the call and return what the interpreter expects back."""
        if isinstance(action, (Say, Play)):
            self._play(call, self.audio_path(action))
            return None
        if isinstance(action, Collect):
            return self._collect(call, action)
        if isinstance(action, Listen):
            return self.listen(call, action)
        if isinstance(action, Voicemail):
            return self._voicemail(call, action)
        if isinstance(action, Callback):
            if self.handlers.on_callback is not None:
                self.handlers.on_callback(call, action)
            return None
        if isinstance(action, Queue):   # the handler keeps the language on the channel (LANGUAGE_VARIABLE)
            self.handlers.on_queue(call, action)
        elif isinstance(action, Transfer):
            (self.handlers.on_transfer or (lambda c, a: c.transfer(a.destination)))(call, action)
        elif isinstance(action, Hangup):
            call.hangup(action.cause)
        return None

    def audio_path(self, audio: Audio | None) -> str:
        """The file the switch plays for a prompt (rendered off the hub when not cached yet)."""
        if audio is None:
            return SILENCE
        if isinstance(audio, Play):
            return audio.path
        if isinstance(audio, Medley):
            return self._medley_path(audio)
        path = self.tts.path_for(audio.text, audio.language)
        if not path.exists():
            path = self.offload(self.tts.render, audio.text, audio.language, timeout=30.0)
        return str(path)

    def _medley_path(self, medley: Medley) -> str:
        """One file of the medley's prompts (each rendered in its own voice), joined once and kept."""
        parts = [Path(self.audio_path(part)) for part in medley.parts]
        path = self.tts.medley_path(parts)
        if not path.exists():
            path = self.offload(self.tts.medley, parts, timeout=30.0)
        return str(path)

    def _play(self, call: CallControl, path: str) -> None:
        """Play a prompt that any key stops; that key is kept for the next question (type-ahead)."""
        if call.variables.get(TERMINATORS_VARIABLE) != ANY_KEY:
            call.set_variable(TERMINATORS_VARIABLE, ANY_KEY)
        key = call.playback_key(path)
        if key is not None:
            log.debug("call %s: key %s typed ahead", call.uuid, key)
            self._typed_ahead[call.uuid] = self._typed_ahead.get(call.uuid, "") + key

    def _keys_typed_ahead(self, call: CallControl, max_digits: int, terminator: str,
                          digit_timeout_s: float) -> str | None:
        """The answer begun with keys pressed during earlier prompts, completed by the keys that follow
        (without asking again); None when nothing was typed ahead."""
        ahead = self._typed_ahead.pop(call.uuid, "")
        if not ahead:
            return None
        if terminator and terminator in ahead:
            return ahead.split(terminator, 1)[0]
        if len(ahead) >= max_digits:
            return ahead[:max_digits]
        millis = int(digit_timeout_s * 1000)
        rest = call.play_and_get_digits(1, max_digits - len(ahead), 1, millis, terminator, SILENCE, SILENCE,
                                        DIGITS_VARIABLE, r"[0-9*#]+", millis)
        return ahead + (rest or "")

    def _collect(self, call: CallControl, action: Collect) -> Digits:
        typed = self._keys_typed_ahead(call, action.max_digits, action.terminator, action.digit_timeout_s)
        if typed is not None:
            return Digits(typed or None)
        digits = call.play_and_get_digits(
            action.min_digits, action.max_digits, action.tries, int(action.timeout_s * 1000),
            action.terminator, self.audio_path(action.prompt), self.audio_path(action.invalid_prompt),
            DIGITS_VARIABLE, action.pattern or r"[0-9*#]+", int(action.digit_timeout_s * 1000))
        return Digits(digits or None)

    def listen(self, call: CallControl, action: Listen) -> Speech:
        """Play the prompt taking keys; without keys, record the answer and recognize it among the phrases.

        Languages without a recognizer get keys only. Also used by surveys (fsapp.dialer.scripts).
        """
        max_keys, terminator = (20, "#") if action.digits else (1, "")
        typed = self._keys_typed_ahead(call, max_keys, terminator, 3.0)
        if typed is not None:
            return Speech(None, 0.0, digits=typed or None)
        keys = self._keys_during_prompt(call, action)
        if keys is not None or not self.recognizers.supports(action.language):
            return Speech(None, 0.0, digits=keys)
        target = self.recordings_dir / "utterances" / f"{call.uuid}-{uuid_module.uuid4().hex[:8]}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        recorded = call.record(str(target), action.max_seconds, self.speech.silence_threshold,
                               self.speech.silence_hits_s)
        if recorded.ms < self.speech.min_utterance_ms or not Path(recorded.path).exists():
            return Speech(None, 0.0)
        grammar = Grammar.of(action.phrases, action.language, action.digits)
        try:
            recognizer = self.recognizers.for_language(action.language)
            heard = self.offload(recognizer.recognize, recorded.path, grammar,
                                 timeout=self.speech.recognize_timeout_s)
        except FsappError as exc:
            log.warning("call %s: speech recognition failed, falling back to keys: %s", call.uuid, exc)
            return Speech(None, 0.0001)
        log.debug("call %s: heard %r (%.2f) as %r", call.uuid, heard.text, heard.confidence, heard.phrase)
        return Speech(heard.phrase or (heard.text or None), heard.confidence if heard.phrase else 0.0001)

    def _keys_during_prompt(self, call: CallControl, action: Listen) -> str | None:
        """Play the prompt while listening for keys, so a caller who keys instead of speaking is heard.

        Without a recognizer for the language the caller gets the whole timeout to key in; otherwise only
        keys pressed during the prompt count, and silence after it means the caller is about to speak.
        """
        speech = self.recognizers.supports(action.language)
        max_keys, terminator = (20, "#") if action.digits else (1, "")
        timeout_ms = 1 if speech else int(action.timeout_s * 1000)
        return call.play_and_get_digits(1, max_keys, 1, timeout_ms, terminator, self.audio_path(action.prompt),
                                        SILENCE, DIGITS_VARIABLE, r"[0-9*#]+", 3000)

    def _voicemail(self, call: CallControl, action: Voicemail) -> Recorded | None:
        target = self.recordings_dir / "voicemail" / f"{call.uuid}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        recorded = call.record(str(target), action.max_seconds, self.speech.silence_threshold, 5)
        if recorded.ms <= 0:
            return None
        result = Recorded(recorded.path, recorded.ms)
        if self.handlers.on_voicemail is not None:
            self.handlers.on_voicemail(call, action, result)
        return result
