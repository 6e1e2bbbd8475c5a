"""Synthetic citizens: when they call, what they press, how long they wait, who asks to be called back.

Pure: every draw comes from the ``random.Random`` passed in, so the same seed gives the same day.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from fsapp.sim import CallerScript
from fsapp.simulate.errors import ArrivalsFileError

# Keys a caller presses at the main menu, and how often (None: presses nothing).
MENU_CHOICES: list[tuple[str | None, float]] = [
    ("1", 0.2), ("2", 0.15), ("3", 0.1), ("4", 0.1), ("5", 0.1), ("6", 0.1), ("0", 0.15), (None, 0.1),
]
KEY_AFTER = 4.0   # seconds after the answer the caller presses the menu key
GIVE_UP_AFTER = 3 * 3600.0   # a caller left alone on a silent line hangs up in the end


def poisson_arrivals(rng: random.Random, calls_per_hour: float, hours: float) -> list[float]:
    """Arrival times in seconds from the start of the day, a Poisson process of the given rate."""
    times: list[float] = []
    if calls_per_hour <= 0:
        return times
    moment = rng.expovariate(calls_per_hour / 3600)
    while moment < hours * 3600:
        times.append(moment)
        moment += rng.expovariate(calls_per_hour / 3600)
    return times


def counted_arrivals(rng: random.Random, per_hour: list[int]) -> list[float]:
    """Arrival times for so many calls in each hour, spread at random within the hour (sorted)."""
    return sorted(hour * 3600 + rng.uniform(0, 3600) for hour, count in enumerate(per_hour)
                  for _ in range(count))


def read_arrivals_csv(path: str | Path) -> list[int]:
    """Calls per hour from a CSV with a ``calls`` column (one row per hour, in order; other columns ignored)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise ArrivalsFileError(f"{path}: {exc.strerror}") from exc
    if not rows or "calls" not in rows[0]:
        raise ArrivalsFileError(f"{path}:1: a header with a 'calls' column is required (e.g. hour,calls)")
    counts = []
    for line, row in enumerate(rows, start=2):
        try:
            count = int(row["calls"])
        except (TypeError, ValueError):
            raise ArrivalsFileError(f"{path}:{line}: calls: {row['calls']!r} is not a whole number") from None
        if count < 0:
            raise ArrivalsFileError(f"{path}:{line}: calls: must not be negative")
        counts.append(count)
    return counts


@dataclass(frozen=True)
class CallerProfile:
    """How synthetic callers behave.

    - ``menu_choices``: (key or None, weight) at the main menu.
    - ``patience``: mean seconds a caller waits on hold before hanging up (exponential); None: forever.
    - ``callback_share``: share of callers who press ``exit_key`` on hold to be called back, after
      ``callback_after`` (min, max) seconds of hold.
    """

    menu_choices: list[tuple[str | None, float]] = field(default_factory=lambda: list(MENU_CHOICES))
    patience: float | None = 180.0
    callback_share: float = 0.05
    callback_after: tuple[float, float] = (30.0, 120.0)
    exit_key: str = "1"

    def script(self, rng: random.Random) -> CallerScript:
        """One caller's behaviour, drawn from ``rng``."""
        keys, weights = zip(*self.menu_choices)
        choice = rng.choices(keys, weights)[0]
        on_hold: list[tuple[float, str | None]] = []
        if self.patience is not None:
            on_hold.append((rng.expovariate(1 / self.patience), None))
        if self.callback_share and rng.random() < self.callback_share:
            on_hold.append((rng.uniform(*self.callback_after), self.exit_key))
        return CallerScript(keys=[(KEY_AFTER, choice)] if choice else [], on_hold=on_hold,
                            hangup_after=GIVE_UP_AFTER)


def caller_number(rng: random.Random) -> str:
    return f"+4791{rng.randrange(10**6):06d}"
