"""The clock the ACD core is given: a callable returning seconds as a float."""

from __future__ import annotations

from typing import Callable

Clock = Callable[[], float]


class ManualClock:
    """A clock that only moves when told to (tests, the simulator, benchmarks)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds`` and return the new time."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self.now += seconds
        return self.now
