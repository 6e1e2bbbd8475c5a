"""What the caller hears in a queue besides music: position/wait announcements and callback prompts."""

from __future__ import annotations

import math
import re
from typing import Callable

from fsapp.texts import Texts, shipped_texts

PromptRenderer = Callable[[str, str], str]
"""``(text, language) -> path`` of a playable file (e.g. cached TTS)."""

MAX_BEEPS = 9
_NUMBER = re.compile(r"\d+")


def announcement_text(position: int | None, estimated_wait: float | None, language: str = "en",
                      texts: Texts | None = None) -> str:
    """``You are number 3 in the queue. The estimated wait is about 4 minutes.``, in ``language``."""
    texts = texts or shipped_texts()
    parts: list[str] = []
    if position is not None:
        parts.append(texts.say("queue.next_in_line", language) if position == 1 else
                     texts.say("queue.position", language, position=position))
    if estimated_wait is not None:
        minutes = max(1, math.ceil(estimated_wait / 60))
        parts.append(texts.say("queue.wait_one_minute", language) if minutes == 1 else
                     texts.say("queue.wait_minutes", language, minutes=minutes))
    return " ".join(parts) or texts.say("queue.hold", language)


def ask_number_text(language: str = "en", texts: Texts | None = None) -> str:
    """The callback prompt in a queue: which number to call back, ended by the hash key."""
    return (texts or shipped_texts()).say("queue.ask_number", language)


def tone_prompt(text: str, language: str) -> str:
    """Fallback without speech synthesis: one short beep per place in the queue (at most nine)."""
    found = _NUMBER.search(text)
    position = int(found.group()) if found else 1
    beeps = min(max(position, 1), MAX_BEEPS)
    return f"tone_stream://%(150,250,660);loops={beeps}"
