"""Grammars built from a menu's phrases (pure): JSGF for pocketsphinx, word lists for vosk.

A grammar is the set of phrases the recognizer may return, optionally plus a run of spoken digits
("one two three" -> "123"), so that a case number can be said instead of keyed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGIT_WORDS: dict[str, dict[str, str]] = {
    "en": {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
           "six": "6", "seven": "7", "eight": "8", "nine": "9"},
    "nb": {"null": "0", "en": "1", "ett": "1", "to": "2", "tre": "3", "fire": "4", "fem": "5", "seks": "6",
           "sju": "7", "syv": "7", "åtte": "8", "ni": "9"},
    "da": {"nul": "0", "en": "1", "et": "1", "to": "2", "tre": "3", "fire": "4", "fem": "5", "seks": "6",
           "syv": "7", "otte": "8", "ni": "9"},
}
_PUNCTUATION = re.compile(r"[^\w\s'-]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower case, no punctuation, single spaces: the form phrases are compared in."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.lower())).strip()


def words_to_digits(text: str, language: str) -> str | None:
    """``"one two three"`` -> ``"123"``; None if any word is not a digit in ``language``."""
    table = DIGIT_WORDS.get(language, DIGIT_WORDS["en"])
    words = normalize(text).split()
    if not words or any(word not in table and not word.isdigit() for word in words):
        return None
    return "".join(table.get(word, word) for word in words)


@dataclass(frozen=True)
class Grammar:
    """What the caller may say: ``phrases``, and, if ``digits``, any run of digit words."""

    phrases: tuple[str, ...]
    language: str = "en"
    digits: bool = False

    @classmethod
    def of(cls, phrases: tuple[str, ...] | list[str], language: str = "en", digits: bool = False) -> Grammar:
        unique = tuple(dict.fromkeys(normalize(p) for p in phrases if normalize(p)))
        return cls(unique, language, digits)

    def words(self) -> list[str]:
        """Every word the grammar uses (vosk's vocabulary list needs them)."""
        words = [w for phrase in self.phrases for w in phrase.split()]
        if self.digits:
            words += list(DIGIT_WORDS.get(self.language, DIGIT_WORDS["en"]))
        return list(dict.fromkeys(words))

    def jsgf(self) -> str:
        """The grammar in JSGF, for pocketsphinx."""
        alternatives = [" ".join(_jsgf_word(w) for w in phrase.split()) for phrase in self.phrases]
        rules = []
        if self.digits:
            table = DIGIT_WORDS.get(self.language, DIGIT_WORDS["en"])
            rules.append("<digit> = " + " | ".join(table) + " ;")
            alternatives.append("<digit>+")
        body = " | ".join(alternatives) if alternatives else "<NULL>"
        return "#JSGF V1.0;\ngrammar menu;\n" + "".join(r + "\n" for r in rules) + f"public <choice> = {body} ;\n"

    def vosk_phrases(self) -> list[str]:
        """The phrase list vosk takes as a grammar ("[unk]" lets it say "none of these")."""
        phrases = list(self.phrases)
        if self.digits:
            phrases += list(DIGIT_WORDS.get(self.language, DIGIT_WORDS["en"]))
        return phrases + ["[unk]"]

    def match(self, text: str) -> str | None:
        """The grammar's phrase (or digits) that ``text`` is, else None."""
        said = normalize(text)
        if not said:
            return None
        if said in self.phrases:
            return said
        if self.digits:
            return words_to_digits(said, self.language)
        contained = [p for p in self.phrases if re.search(rf"\b{re.escape(p)}\b", said)]
        return max(contained, key=len) if contained else None


def _jsgf_word(word: str) -> str:
    return word if re.fullmatch(r"[\w'-]+", word) else f'"{word}"'
