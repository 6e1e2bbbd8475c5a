"""Which espeak-ng voice speaks each language, and how text is prepared for it (Mandarin as pinyin)."""

from __future__ import annotations

from fsapp.speech.errors import TtsError

VOICES: dict[str, str] = {
    "nb": "gmq/nb",
    "da": "gmq/da",
    "fi": "urj/fi",
    "pl": "zlw/pl",
    "zh": "sit/cmn-latn-pinyin",
    "en": "gmw/en-us",
    "ko": "ko",
}


def voice_for(language: str, voice: str | None = None) -> str:
    """The voice to use: ``voice`` if given, else the language's voice."""
    if voice:
        return voice
    try:
        return VOICES[language]
    except KeyError:
        raise TtsError(f"no voice for language {language!r} (known: {', '.join(VOICES)})") from None


def prepare_text(text: str, language: str) -> str:
    """Text as the voice reads it: Mandarin in Chinese characters becomes numbered pinyin."""
    if language != "zh":
        return text
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))
