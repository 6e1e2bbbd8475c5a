"""Speech benchmark: TTS render time per prompt, cache hit time, ASR real-time factor per engine.

Run as ``python bench/speech.py``; prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fsapp.ivr.loader import load_flow  # noqa: E402
from fsapp.ivr.prompts import flow_prompts  # noqa: E402
from fsapp.speech.asr import PocketsphinxRecognizer, VoskRecognizer, packaged_vosk_model  # noqa: E402
from fsapp.speech.errors import EngineMissing  # noqa: E402
from fsapp.speech.grammar import Grammar  # noqa: E402
from fsapp.speech.tts import TtsCache  # noqa: E402

FLOW = Path(__file__).resolve().parents[1] / "ivr_scripts" / "main_menu.yaml"
KOREAN = ["상담원", "예", "아니요", "병원"]


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def bench_tts(cache: TtsCache) -> dict[str, float | int]:
    prompts = flow_prompts(load_flow(FLOW))
    renders, hits = [], []
    for language, text in prompts:
        started = time.perf_counter()
        cache.render(text, language)
        renders.append(time.perf_counter() - started)
    for language, text in prompts:
        started = time.perf_counter()
        cache.render(text, language)
        hits.append(time.perf_counter() - started)
    return {"tts_prompts": len(prompts), "tts_render_ms_median": _ms(renders),
            "tts_render_ms_max": round(max(renders) * 1000, 3), "tts_cache_hit_ms_median": _ms(hits)}


def real_time_factor(recognizer, cache: TtsCache, phrases: list[str], language: str) -> tuple[float, float]:
    grammar = Grammar.of(phrases, language)
    audio = cpu = 0.0
    correct = 0
    for phrase in phrases:
        result = recognizer.recognize(cache.render(phrase, language), grammar)
        audio += result.audio_seconds
        cpu += result.cpu_seconds
        correct += result.phrase == grammar.match(phrase)
    return round(cpu / audio, 4), round(correct / len(phrases), 3)


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        cache = TtsCache(work)
        result: dict[str, object] = {"bench": "speech", **bench_tts(cache)}
        menu = load_flow(FLOW).nodes["main"]
        english = [p for o in menu.options for p in o.phrases.get("en", ())]
        rtf, accuracy = real_time_factor(PocketsphinxRecognizer(), cache, english, "en")
        result.update(pocketsphinx_rtf=rtf, pocketsphinx_accuracy=accuracy, pocketsphinx_phrases=len(english))
        try:
            started = time.perf_counter()
            vosk = VoskRecognizer(packaged_vosk_model())
            result["vosk_model_load_s"] = round(time.perf_counter() - started, 3)
            rtf, accuracy = real_time_factor(vosk, cache, KOREAN, "ko")
            result.update(vosk_rtf=rtf, vosk_accuracy=accuracy, vosk_phrases=len(KOREAN))
        except EngineMissing as exc:
            result["vosk"] = f"skipped: {exc}"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
