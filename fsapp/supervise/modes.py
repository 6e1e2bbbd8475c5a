"""Eavesdrop modes and how the switch is told to change them (pure).

FreeSWITCH's eavesdrop changes mode on the listener's DTMF, or on a ``sendevent`` carrying
``eavesdrop-command: <digit>``: ``0`` listen only, ``1`` talk to the caller (the agent's bridge partner),
``2`` talk to the agent (whisper), ``3`` talk to both (barge). No event reports the active mode, so the
session keeps it: every command it sends and every digit the supervisor presses updates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fsapp.supervise.errors import UnknownMode

DIGITS: dict[str, str] = {"listen": "0", "caller": "1", "whisper": "2", "barge": "3"}
MODES: dict[str, str] = {digit: mode for mode, digit in DIGITS.items()}


def digit_for(mode: str) -> str:
    """The eavesdrop command digit of ``mode``; raises UnknownMode."""
    try:
        return DIGITS[mode]
    except KeyError:
        raise UnknownMode(f"unknown mode {mode!r} (known: {', '.join(DIGITS)})") from None


@dataclass
class ModeTracker:
    """The mode an eavesdrop is in, as fsapp last set it or saw the supervisor key it."""

    mode: str = "listen"
    history: list[tuple[float, str, str]] = field(default_factory=list)   # (when, mode, by: api | dtmf)

    def commanded(self, mode: str, at: float) -> str:
        """fsapp sent the command for ``mode``; returns its digit."""
        digit = digit_for(mode)
        self._enter(mode, at, "api")
        return digit

    def keyed(self, digit: str, at: float) -> bool:
        """The supervisor pressed ``digit`` on the phone; True if it changed the mode."""
        mode = MODES.get(digit)
        if mode is None:
            return False
        self._enter(mode, at, "dtmf")
        return True

    def _enter(self, mode: str, at: float, by: str) -> None:
        self.mode = mode
        self.history.append((at, mode, by))
