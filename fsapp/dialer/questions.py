"""Survey questions: the text per language, the keys that answer, and what a person may say instead of a key.

A question as campaign settings keep it::

    {"text": {"en": "How satisfied were you, from 1 to 5?", "nb": "Hvor fornøyd var du, fra 1 til 5?"},
     "keys": "12345",
     "spoken": {"en": {"1": ["very bad"], "2": ["bad"], "3": ["neither good nor bad"], "4": ["good"],
                       "5": ["very good"]}},
     "spoken_digits": true}

``spoken`` lists, per language, the phrases that stand for each key; ``spoken_digits`` also takes the keys said
as digit words of the language ("four" for 4; English, Norwegian and Danish have digit words). Either way the
answer kept is the key. :meth:`Question.spoken_answers` gives the phrases of one language; a language with none
(or without a recognizer, see :func:`fsapp.dialer.scripts.ask_survey`) is answered by key only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fsapp.dialer.errors import SettingsError
from fsapp.speech.grammar import DIGIT_WORDS, normalize

KEY_CHARACTERS = "0123456789*#"
QUESTION_FIELDS = ("text", "keys", "spoken", "spoken_digits")


@dataclass
class Question:
    """A survey question: its text per language, the keys that answer it, and spoken answers per language."""

    text: dict[str, str]
    keys: str = "12345"
    spoken: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    spoken_digits: bool = False

    def spoken_answers(self, language: str) -> dict[str, str]:
        """Each phrase (normalized) that answers the question in ``language``, and the key it stands for."""
        answers: dict[str, str] = {}
        for key, phrases in self._spoken_in(language).items():
            for phrase in phrases:
                answers.setdefault(normalize(phrase), key)
        for word, digit in self._digit_words(language).items():
            answers.setdefault(word, digit)
        return answers

    def check(self, name: str) -> None:
        """Raise :class:`SettingsError` naming ``questions.<name>...`` for the first value that does not fit."""
        where = f"questions.{name}"
        if not self.text or not all(isinstance(t, str) and t.strip() for t in self.text.values()):
            raise _error(f"{where}.text", "needs the question's text per language, e.g. {en: How satisfied ...?}")
        bad = sorted({ch for ch in self.keys if ch not in KEY_CHARACTERS})
        if not self.keys or bad:
            raise _error(f"{where}.keys", f"must be one or more of the keys {KEY_CHARACTERS}, not {self.keys!r}")
        if len(set(self.keys)) != len(self.keys):
            raise _error(f"{where}.keys", f"{self.keys!r} lists a key twice")
        for language, by_key in self.spoken.items():
            self._check_spoken(f"{where}.spoken.{language}", language, by_key)

    def _check_spoken(self, where: str, language: str, by_key: dict[str, list[str]]) -> None:
        taken: dict[str, str] = dict(self._digit_words(language))
        for key, phrases in by_key.items():
            if key not in self.keys:
                raise _error(f"{where}.{key}", f"{key!r} is not one of the question's keys ({self.keys})")
            if not phrases:
                raise _error(f"{where}.{key}", "needs at least one phrase")
            for phrase in phrases:
                said = normalize(phrase)
                if not said:
                    raise _error(f"{where}.{key}", f"{phrase!r} has no words")
                if taken.setdefault(said, key) != key:
                    raise _error(f"{where}.{key}", f"{said!r} already answers {taken[said]}")

    def _spoken_in(self, language: str) -> dict[str, list[str]]:
        return self.spoken.get(language) or self.spoken.get(language.split("-")[0]) or {}

    def _digit_words(self, language: str) -> dict[str, str]:
        if not self.spoken_digits:
            return {}
        words = DIGIT_WORDS.get(language.split("-")[0], {})
        return {word: digit for word, digit in words.items() if digit in self.keys}


def parse_question(raw: Any, name: str) -> Question:
    """A :class:`Question` from its settings (a mapping, see the module docstring); :meth:`Question.check`
    judges the values."""
    return raw if isinstance(raw, Question) else _parse(raw, f"questions.{name}")


def _parse(raw: Any, where: str) -> Question:
    if not isinstance(raw, Mapping):
        raise _error(where, "must be a mapping with text, keys and optionally spoken and spoken_digits")
    unknown = sorted(set(raw) - set(QUESTION_FIELDS))
    if unknown:
        raise _error(where, f"unknown field(s) {', '.join(unknown)} (known: {', '.join(QUESTION_FIELDS)})")
    text = raw.get("text")
    if not isinstance(text, Mapping):
        raise _error(f"{where}.text", "needs the question's text per language, e.g. {en: How satisfied ...?}")
    spoken_digits = raw.get("spoken_digits", False)
    if not isinstance(spoken_digits, bool):
        raise _error(f"{where}.spoken_digits", f"must be true or false, not {spoken_digits!r}")
    return Question({str(k): v for k, v in text.items()}, str(raw.get("keys", "12345")),
                    _parse_spoken(raw.get("spoken") or {}, f"{where}.spoken"), spoken_digits)


def _parse_spoken(raw: Any, where: str) -> dict[str, dict[str, list[str]]]:
    if not isinstance(raw, Mapping):
        raise _error(where, "must map each language to its keys' phrases, e.g. {en: {'5': [very good]}}")
    spoken: dict[str, dict[str, list[str]]] = {}
    for language, by_key in raw.items():
        if not isinstance(by_key, Mapping):
            raise _error(f"{where}.{language}", "must map keys to phrases, e.g. {'5': [very good, five]}")
        spoken[str(language)] = {str(key): _phrases(phrases, f"{where}.{language}.{key}")
                                 for key, phrases in by_key.items()}
    return spoken


def _phrases(raw: Any, where: str) -> list[str]:
    phrases = [raw] if isinstance(raw, str) else raw
    if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
        raise _error(where, f"must be a phrase or a list of phrases, not {raw!r}")
    return list(phrases)


def _error(key: str, message: str) -> SettingsError:
    return SettingsError(f"campaign setting {key}: {message}")
