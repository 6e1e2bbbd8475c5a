"""Synthetic operators: how fast they pick up, how long they talk, when they take breaks.

Wrap-up after each call is the ACD's (``wrap_up`` in ``conf/acd.yaml``), as in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Break:
    """A break starting ``at`` seconds into the day, lasting ``seconds`` (taken once the operator is free)."""

    at: float
    seconds: float
    reason: str = "break"


@dataclass(frozen=True)
class OperatorProfile:
    """How synthetic operators behave.

    - ``answer_after``: (min, max) seconds the phone rings before they pick up (uniform).
    - ``handle_time``: mean talk seconds (exponential); None: the queue's ``default_handle_time``.
    - ``breaks``: the same breaks for everyone, each shifted by up to ``break_spread`` seconds.
    """

    answer_after: tuple[float, float] = (1.0, 4.0)
    handle_time: float | None = None
    exponential: bool = True
    breaks: list[Break] = field(default_factory=list)
    break_spread: float = 1800.0

    def talk_sampler(self, rng: random.Random, mean: float) -> Callable[[], float]:
        """Draws one call's talk time in seconds."""
        mean = self.handle_time or mean
        if self.exponential:
            return lambda: rng.expovariate(1 / mean)
        return lambda: mean

    def breaks_for(self, rng: random.Random) -> list[Break]:
        return [Break(item.at + rng.uniform(0, self.break_spread), item.seconds, item.reason)
                for item in self.breaks]


def working_day_breaks(hours: float) -> list[Break]:
    """A 15-minute break in each half of the day and a 30-minute lunch in the middle (days of 6 h or more)."""
    if hours < 6:
        return []
    day = hours * 3600
    return [Break(day * 0.2, 900), Break(day * 0.45, 1800, "lunch"), Break(day * 0.7, 900)]
