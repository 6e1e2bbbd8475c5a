from __future__ import annotations

import time

import pytest

from fsapp.speech.audio import wav_info
from fsapp.speech.errors import TtsError
from fsapp.speech.tts import TtsCache
from fsapp.speech.voices import VOICES, prepare_text


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> TtsCache:
    return TtsCache(tmp_path_factory.mktemp("tts"))


@pytest.mark.parametrize("language", ["nb", "da", "fi", "pl", "zh", "en"])
def test_every_shipped_language_renders_telephone_wav(cache: TtsCache, language: str) -> None:
    text = {"nb": "Velkommen til kommunen", "da": "Velkommen til kommunen", "fi": "Tervetuloa kuntaan",
            "pl": "Witamy w urzędzie miasta", "zh": "欢迎致电市政服务中心", "en": "Welcome to the city"}[language]
    narrow = wav_info(cache.render(text, language, rate=8000))
    wide = wav_info(cache.render(text, language, rate=16000))
    assert (narrow.rate, narrow.channels, narrow.sample_width) == (8000, 1, 2)
    assert (wide.rate, wide.channels, wide.sample_width) == (16000, 1, 2)
    assert 0.5 < narrow.seconds < 10
    assert cache.path_for(text, language).parent.parent.name == language


def test_render_happens_once_per_text_language_and_voice(tmp_path) -> None:
    calls: list[tuple[str, str]] = []

    from fsapp.speech.tts import default_synthesize

    def counting(text, voice, target):
        calls.append((text, voice))
        default_synthesize(text, voice, target)

    cache = TtsCache(tmp_path, counting)
    first = cache.render("Press one", "en")
    started = time.perf_counter()
    again = cache.render("Press one", "en")
    assert again == first and time.perf_counter() - started < 0.05
    cache.render("Press one", "en", rate=16000)
    cache.render("Press one", "nb")
    cache.render("Press one", "en", voice="gmw/en")
    assert calls == [("Press one", "gmw/en-us"), ("Press one", "gmq/nb"), ("Press one", "gmw/en")]


def test_mandarin_is_read_as_pinyin() -> None:
    assert prepare_text("你好", "zh") == "ni3 hao3"
    assert VOICES["zh"] == "sit/cmn-latn-pinyin"
    assert prepare_text("Hei", "nb") == "Hei"


def test_unknown_language_is_refused(tmp_path) -> None:
    with pytest.raises(TtsError, match="no voice for language 'xx'"):
        TtsCache(tmp_path).render("hello", "xx")
