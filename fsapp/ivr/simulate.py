"""Walking a flow in text: prompts are printed, keys and phrases come from a script or from the keyboard.

Admins use it (``fsapp ivr simulate``) to try a menu without a phone. Speech is matched as text against the
menu's grammar, with full confidence when the words are in it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fsapp.ivr.actions import (Action, Audio, Callback, Collect, Digits, Hangup, Listen, Medley, Play, Queue, Recorded,
                               Result, Say, Speech, Transfer, Voicemail)
from fsapp.ivr.callpath import CallPath
from fsapp.ivr.interpreter import Interpreter
from fsapp.speech.grammar import Grammar

Ask = Callable[[str], str | None]


@dataclass
class Script:
    """What the simulated caller does: keys to press and phrases to say, in order.

    With ``ask`` set, an empty script asks it instead (interactive use); without, the caller stays silent."""

    keys: deque[str] = field(default_factory=deque)
    says: deque[str] = field(default_factory=deque)
    ask: Ask | None = None

    @classmethod
    def of(cls, keys: Iterable[str] = (), says: Iterable[str] = (), ask: Ask | None = None) -> Script:
        return cls(deque(k for k in keys if k != ""), deque(says), ask)

    def next_keys(self, question: str) -> str | None:
        if self.keys:
            return self.keys.popleft()
        return self.ask(question) if self.ask else None

    def next_reply(self, question: str) -> str | None:
        """A phrase or keys: what comes first in the script (phrases before keys)."""
        if self.says:
            return self.says.popleft()
        if self.keys:
            return self.keys.popleft()
        return self.ask(question) if self.ask else None


def _audio_line(audio: Audio | None) -> list[str]:
    if isinstance(audio, Medley):
        return [line for part in audio.parts for line in _audio_line(part)]
    if isinstance(audio, Say):
        return [f"[say {audio.language}] {audio.text}"]
    if isinstance(audio, Play):
        return [f"[play] {audio.path}"]
    return []


class TextCall:
    """Carries out actions as text: each line the caller would hear or see goes to ``emit``."""

    def __init__(self, script: Script, emit: Callable[[str], None]) -> None:
        self.script = script
        self.emit = emit

    def perform(self, action: Action) -> Result:
        for line in self._describe(action):
            self.emit(line)
        if isinstance(action, Collect):
            return self._collect(action)
        if isinstance(action, Listen):
            return self._listen(action)
        if isinstance(action, Voicemail):
            return Recorded(path="(simulated message)", ms=5000)
        return None

    def _describe(self, action: Action) -> list[str]:
        if isinstance(action, (Say, Play)):
            return _audio_line(action)
        if isinstance(action, (Collect, Listen)):
            return _audio_line(action.prompt)
        if isinstance(action, Queue):
            return [f"=> queue {action.name} (priority {action.priority}"
                    f"{', skills ' + ','.join(action.skills) if action.skills else ''})"]
        if isinstance(action, Transfer):
            return [f"=> transfer to {action.destination}"]
        if isinstance(action, Voicemail):
            return [f"=> recording voicemail (up to {action.max_seconds} s)"]
        if isinstance(action, Callback):
            return [f"=> callback requested to {action.number}"]
        if isinstance(action, Hangup):
            return [f"=> hangup ({action.cause})"]
        return []

    def _collect(self, action: Collect) -> Digits:
        for attempt in range(action.tries):
            typed = self.script.next_keys(f"keys ({action.min_digits}-{action.max_digits})> ")
            if not typed:
                self.emit("   (no keys: timeout)")
                continue
            digits = typed.rstrip(action.terminator) if action.terminator else typed
            self.emit(f"   keys: {typed}")
            if action.accepts(digits):
                return Digits(digits)
            if attempt + 1 < action.tries:
                for line in _audio_line(action.invalid_prompt) + _audio_line(action.prompt):
                    self.emit(line)
        return Digits(None)

    def _listen(self, action: Listen) -> Speech:
        reply = self.script.next_reply("say or keys> ")
        if not reply:
            self.emit("   (silence)")
            return Speech(None, 0.0)
        if all(ch in "0123456789*#" for ch in reply):
            self.emit(f"   keys: {reply}")
            return Speech(None, 0.0, digits=reply.rstrip("#") or reply)
        self.emit(f"   said: {reply}")
        matched = Grammar.of(action.phrases, action.language, action.digits).match(reply)
        return Speech(matched, 1.0) if matched else Speech(reply, 0.1)


def simulate(interpreter: Interpreter, script: Script, emit: Callable[[str], None]) -> CallPath:
    """Run a call from start to end against a text caller; returns the call's path."""
    call = TextCall(script, emit)
    walk = interpreter.run()
    try:
        action = next(walk)
        while True:
            action = walk.send(call.perform(action))
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
