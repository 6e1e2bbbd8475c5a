"""The desk's words per language: ``fsapp/desk/texts/<lang>.yaml`` (flat keys); a missing key falls back to
English, then to the key itself. Add a language by adding a file."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from fsapp.errors import SourceError
from fsapp.yamlsource import load_yaml

TEXTS_DIR = Path(__file__).parent / "texts"
FALLBACK = "en"
_LANGUAGE = re.compile(r"[a-z]{2,3}")


def languages() -> list[str]:
    return sorted(path.stem for path in TEXTS_DIR.glob("*.yaml"))


@functools.lru_cache(maxsize=16)
def _table(language: str) -> dict[str, str]:
    if not _LANGUAGE.fullmatch(language) or not (TEXTS_DIR / f"{language}.yaml").exists():
        return {}
    source = load_yaml(TEXTS_DIR / f"{language}.yaml")
    if not isinstance(source.data, dict):
        raise SourceError("must be a mapping of key: text", str(TEXTS_DIR / f"{language}.yaml"))
    return {str(key): str(value) for key, value in source.data.items()}


class Texts:
    """``texts("sign_in")`` in the person's language."""

    def __init__(self, language: str) -> None:
        self.language = language if _table(language) else FALLBACK

    def __call__(self, key: str, **values: object) -> str:
        text = _table(self.language).get(key) or _table(FALLBACK).get(key) or key
        return text.format(**values) if values else text
