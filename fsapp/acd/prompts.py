"""What the caller hears in a queue besides music: position/wait announcements and callback prompts."""

from __future__ import annotations

import math
from typing import Callable

PromptRenderer = Callable[[str, str], str]
"""``(text, language) -> path`` of a playable file (e.g. cached TTS)."""

MAX_BEEPS = 9
ASK_NUMBER_TEXT = "Please enter the number we should call you back on, then press the hash key."
NOT_DIALABLE_TEXT = "We cannot call that number back. Please stay on the line to keep your place in the queue."


def announcement_text(position: int | None, estimated_wait: float | None) -> str:
    """``You are number 3 in the queue. The estimated wait is about 4 minutes.``"""
    parts: list[str] = []
    if position is not None:
        parts.append("You are next in the queue." if position == 1 else
                     f"You are number {position} in the queue.")
    if estimated_wait is not None:
        minutes = max(1, math.ceil(estimated_wait / 60))
        parts.append(f"The estimated wait is about {minutes} minute{'s' if minutes != 1 else ''}.")
    return " ".join(parts) or "Please hold; your call will be answered shortly."


def tone_prompt(text: str, language: str) -> str:
    """Fallback without speech synthesis: one short beep per place in the queue (at most nine)."""
    words = text.split()
    position = next((int(word) for word in words if word.isdigit()), 1)
    beeps = min(max(position, 1), MAX_BEEPS)
    return f"tone_stream://%(150,250,660);loops={beeps}"
