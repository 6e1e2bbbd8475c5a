"""What a campaign does once someone answers: a message, a survey, or an agent.

Prompts go through a ``prompt_renderer(text, language) -> playable`` (the speech package's cached TTS when
it is wired in); :func:`default_prompt` passes sound files and ``scheme://`` sources through and hands other
text to the switch's own TTS as ``say:<text>``.

Answering machines: with ``machine_detection`` on, the dialplan or originate variables run a detector on
answer (e.g. ``execute_on_answer=amd`` for mod_amd, or avmd) that sets ``machine_variable`` (default
``amd_result``); when its value is one of ``machine_values`` the call is a machine. The policy
``leave_message`` plays the message and counts ``machine_message`` (done); ``retry`` hangs up and counts
``machine`` (retried by its rule).

Surveys: a question with spoken answers in the contact's language (:mod:`fsapp.dialer.questions`) is asked
the way the IVR asks a spoken menu, through a :class:`SpeechListener` (the controller's
:class:`~fsapp.ivr.runner.IvrRunner`): a key pressed during the prompt answers at once, otherwise the answer is
recorded and recognized, and the phrase heard is kept as the key it stands for. When nothing usable was heard
the question is asked again for a key. Without spoken answers in that language, or a recognizer for it, or a
listener, questions are answered by key only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fsapp.dialer.questions import Question
from fsapp.dialer.settings import CampaignSettings
from fsapp.ivr.actions import Listen, Play, Speech
from fsapp.ivr.schema import MIN_CONFIDENCE
from fsapp.speech.asr import Recognizers
from fsapp.speech.grammar import normalize
from fsapp.switch import Call

log = logging.getLogger(__name__)

PromptRenderer = Callable[[str, str], str]
"""``(text, language) -> path or source`` the switch can play."""

SOUND_SUFFIXES = (".wav", ".mp3", ".ogg", ".gsm", ".ulaw", ".alaw", ".sln")
KEY_TIMEOUT_MS = 5000
MAX_ANSWER_SECONDS = 5
SILENCE = "silence_stream://250"


def default_prompt(text: str, language: str) -> str:
    """Files and ``tone_stream://``-style sources as they are; other text as ``say:<text>`` for the switch's TTS."""
    stripped = text.strip()
    if "://" in stripped or stripped.startswith("/") or stripped.lower().endswith(SOUND_SUFFIXES):
        return stripped
    return f"say:{stripped}"


class SpeechListener(Protocol):
    """What a survey needs to hear spoken answers (:class:`fsapp.ivr.runner.IvrRunner` is one)."""

    recognizers: Recognizers

    def listen(self, call: Any, action: Listen) -> Speech:
        """Play the prompt taking a key, else record and recognize an answer among ``action.phrases``."""


class AgentDesk(Protocol):
    """What agent mode needs from the ACD: free agents in a queue, and handing an answered call over."""

    def free_agents(self, queue: str) -> int:
        """Agents in ``queue`` ready to take a call now."""

    def connect(self, call: Call, queue: str, caller: dict[str, Any]) -> bool:
        """Give the answered ``call`` to an agent of ``queue``; False when none could take it."""


@dataclass(frozen=True)
class Contact:
    """Who was called, for the scripts."""

    number: str
    name: str = ""
    language: str = ""
    data: dict[str, str] | None = None


@dataclass(frozen=True)
class ScriptResult:
    """The outcome of an answered call and what the person keyed (a digit, or survey answers)."""

    outcome: str
    answer: Any = None
    keep_call: bool = False


def is_machine(call: Call, settings: CampaignSettings) -> bool:
    """Whether the answer detector marked this call as a machine."""
    if not settings.machine_detection:
        return False
    value = call.variables.get(settings.machine_variable) or call.get_variable(settings.machine_variable)
    return (value or "").upper() in {v.upper() for v in settings.machine_values}


def run_answered(call: Call, contact: Contact, settings: CampaignSettings, render: PromptRenderer,
                 desk: AgentDesk | None = None, listener: SpeechListener | None = None) -> ScriptResult:
    """Carry out the campaign's mode on an answered call (the call is hung up after, unless ``keep_call``)."""
    language = contact.language or settings.default_language
    if is_machine(call, settings):
        log.info("call %s: answering machine at %s", call.uuid, contact.number)
        if settings.machine_policy == "retry" or settings.mode != "message":
            return ScriptResult("machine")
        call.playback(render(settings.text_for(settings.message, language), language))
        return ScriptResult("machine_message")
    if settings.mode == "message":
        return _message(call, settings, render, language)
    if settings.mode == "survey":
        return ask_survey(call, settings, render, language, listener)
    if desk is None:
        raise ValueError("agent mode needs an AgentDesk")
    return _agent(call, contact, settings, render, desk, language)


def _ask_key(call: Call, prompt: str, keys: str, variable: str) -> str | None:
    prompt = _played_first_if_spoken(call, prompt)
    return call.play_and_get_digits(1, 1, 2, KEY_TIMEOUT_MS, "#", prompt, "", variable, f"[{keys}]", 2000)


def _played_first_if_spoken(call: Call, prompt: str) -> str:
    """The prompt to pass to play_and_get_digits, which takes space-separated arguments: a spoken sentence
    (``say:...``) is played first, and silence stands in for it."""
    if any(ch.isspace() for ch in prompt):
        call.playback(prompt)
        return SILENCE
    return prompt


def _message(call: Call, settings: CampaignSettings, render: PromptRenderer, language: str) -> ScriptResult:
    """The message; then the confirmation question and the opt-out key when the campaign has them.

    ``opted_out``: the person pressed the opt-out key (the runner puts the number on the do-not-call list).
    """
    text = settings.text_for(settings.message, language)
    call.playback(render(text, language))
    if not settings.confirm and not settings.opt_out_key:
        return ScriptResult("reached")
    question = [settings.text_for(settings.confirm_text, language)] if settings.confirm else []
    if settings.opt_out_key:
        question.append(settings.text_for(settings.opt_out_text, language).replace("{key}", settings.opt_out_key))
    key = _ask_key(call, render(" ".join(question), language), "0-9*#", "fsapp_confirm")
    if key is not None and key == settings.opt_out_key:
        return ScriptResult("opted_out", key)
    if not settings.confirm:
        return ScriptResult("reached", key)
    if key == "1":
        return ScriptResult("acknowledged", "1")
    if key is not None:
        return ScriptResult("declined", key)
    return ScriptResult("unconfirmed" if settings.confirm_required else "reached")


def ask_survey(call: Call, settings: CampaignSettings, render: PromptRenderer, language: str,
               listener: SpeechListener | None = None) -> ScriptResult:
    """Play the survey's introduction and ask its questions; the answers are ``{"q1": key or None, ...}``.

    Used on a call the campaign dialed and at the end of a caller's own call (a survey they opted in to).
    With a ``listener``, questions with spoken answers in ``language`` also take speech (module docstring).
    """
    if settings.message:
        call.playback(render(settings.text_for(settings.message, language), language))
    answers: dict[str, str | None] = {}
    for index, question in enumerate(settings.questions, start=1):
        prompt = render(settings.text_for(question.text, language), language)
        answers[f"q{index}"] = _answer(call, question, prompt, language, listener, f"fsapp_q{index}")
    complete = all(value is not None for value in answers.values())
    return ScriptResult("surveyed" if complete else "reached", answers)


def _answer(call: Call, question: Question, prompt: str, language: str, listener: SpeechListener | None,
            variable: str) -> str | None:
    """The key that answers ``question``: heard as speech where the language allows it, else keyed."""
    phrases = question.spoken_answers(language)
    if listener is None or not phrases or not listener.recognizers.supports(language):
        return _ask_key(call, prompt, question.keys, variable)
    listen = Listen(Play(_played_first_if_spoken(call, prompt)), language, tuple(phrases),
                    timeout_s=KEY_TIMEOUT_MS / 1000, max_seconds=MAX_ANSWER_SECONDS)
    heard = listener.listen(call, listen)
    if heard.digits:
        if heard.digits[:1] in question.keys:
            return heard.digits[:1]
    elif heard.phrase is not None and heard.confidence >= MIN_CONFIDENCE:
        key = phrases.get(normalize(heard.phrase))
        if key is not None:
            log.info("call %s: %s answered %r (%.2f), key %s", call.uuid, variable, heard.phrase,
                     heard.confidence, key)
            return key
    log.info("call %s: %s not understood (%r, keys %r), asking for a key", call.uuid, variable, heard.phrase,
             heard.digits)
    return _ask_key(call, prompt, question.keys, variable)


def _agent(call: Call, contact: Contact, settings: CampaignSettings, render: PromptRenderer, desk: AgentDesk,
           language: str) -> ScriptResult:
    caller = {"number": contact.number, "name": contact.name, "data": dict(contact.data or {}),
              "origin": "campaign"}
    if desk.connect(call, settings.queue, caller):
        return ScriptResult("connected", keep_call=True)
    call.playback(render(settings.text_for(settings.abandon_text, language), language))
    return ScriptResult("abandoned")
