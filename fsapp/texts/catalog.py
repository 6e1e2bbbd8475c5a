"""Spoken texts outside the menus, per language: the shipped ``spoken.yaml`` under the admin's ``conf/texts.yaml``.

Pure once loaded: ``texts.say("queue.position", "pl", position=3)``. A text missing in a language falls back
to English. An override is checked against the shipped text: a known key, text (or a list of the same
length), and no ``{field}`` the shipped text does not fill; mistakes are ``FILE:LINE: key: message``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from fsapp.errors import SourceError
from fsapp.yamlsource import YamlSource, load_yaml

SHIPPED = Path(__file__).with_name("spoken.yaml")
FALLBACK = "en"
Text = str | tuple[str, ...]


class TextsError(SourceError):
    """A texts file that cannot be used (located: file, line, key)."""


@dataclass(frozen=True)
class Texts:
    """Texts by dotted key (``queue.hold``) and language."""

    entries: dict[str, dict[str, Text]] = field(default_factory=dict)

    def say(self, key: str, language: str, **values: object) -> str:
        """The text for ``key`` in ``language`` (else English) with its fields filled in."""
        found = self.entry(key, language)
        if not isinstance(found, str):
            raise KeyError(f"{key} is a list, not a text")
        return found.format(**values)

    def words(self, key: str, language: str) -> tuple[str, ...]:
        """A list of words (weekday or month names) in ``language`` (else English)."""
        found = self.entry(key, language)
        if isinstance(found, str):
            raise KeyError(f"{key} is a text, not a list")
        return found

    def entry(self, key: str, language: str) -> Text:
        by_language = self.entries[key]
        return by_language.get(language) or by_language[FALLBACK]

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(lang for by_language in self.entries.values() for lang in by_language)


@lru_cache(maxsize=1)
def shipped_texts() -> Texts:
    """The texts fsapp ships (a controller loads the admin's on top, from ``speech.texts``)."""
    return load_texts()


def load_texts(override: str | Path | None = None) -> Texts:
    """The shipped texts, with ``override`` (an admin's file, if it exists) on top."""
    entries = _entries(load_yaml(SHIPPED, TextsError), None)
    if override is not None and Path(override).is_file():
        for key, by_language in _entries(load_yaml(override, TextsError), entries).items():
            entries.setdefault(key, {}).update(by_language)
    return Texts(entries)


def _entries(source: YamlSource, shipped: dict[str, dict[str, Text]] | None) -> dict[str, dict[str, Text]]:
    data = source.data
    if not isinstance(data, dict):
        raise source.error((), "must be a mapping of sections (queue, relay, ...)", TextsError)
    entries: dict[str, dict[str, Text]] = {}
    for section, keys in data.items():
        if not isinstance(keys, dict):
            raise source.error((section,), "must be a mapping of texts", TextsError)
        for name, by_language in keys.items():
            key = f"{section}.{name}"
            if shipped is not None and key not in shipped:
                raise source.error((section, name), f"unknown text (known: {', '.join(sorted(shipped))})",
                                   TextsError)
            entries[key] = _by_language(source, (section, name), by_language,
                                        None if shipped is None else shipped[key])
    return entries


def _by_language(source: YamlSource, where: tuple[str, str], by_language: Any,
                 shipped: dict[str, Text] | None) -> dict[str, Text]:
    if not isinstance(by_language, dict) or not by_language:
        raise source.error(where, "must map languages (nb, en, ...) to texts", TextsError)
    result: dict[str, Text] = {}
    for language, value in by_language.items():
        at = (*where, language)
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            result[str(language)] = tuple(value)
        elif isinstance(value, str) and value.strip():
            result[str(language)] = value.strip()
        else:
            raise source.error(at, "must be a text (or a list of words)", TextsError)
        if shipped is not None:
            _check_like(source, at, result[str(language)], shipped[FALLBACK])
    return result


def _check_like(source: YamlSource, at: tuple[str, ...], value: Text, model: Text) -> None:
    if isinstance(model, tuple):
        if not isinstance(value, tuple) or len(value) != len(model):
            raise source.error(at, f"must be a list of {len(model)} words", TextsError)
        return
    if isinstance(value, tuple):
        raise source.error(at, "must be a text, not a list", TextsError)
    extra = _fields(value) - _fields(model)
    if extra:
        allowed = ", ".join(f"{{{name}}}" for name in sorted(_fields(model))) or "none"
        raise source.error(at, f"unknown field {{{sorted(extra)[0]}}} (this text has: {allowed})", TextsError)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
