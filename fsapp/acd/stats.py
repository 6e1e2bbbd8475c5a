"""Per-queue statistics: handle-time estimate, estimated wait and service level."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class HandleTimeEstimator:
    """Exponentially weighted moving average of handle times (talk + wrap-up), in seconds.

    Starts at ``default`` and is replaced by the first real sample, so a fresh queue's estimate adapts
    at once rather than drifting slowly away from a guess.
    """

    default: float = 180.0
    weight: float = 0.2
    value: float | None = None
    samples: int = 0

    @property
    def average(self) -> float:
        return self.default if self.value is None else self.value

    def add(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.value = seconds if self.value is None else self.weight * seconds + (1 - self.weight) * self.value
        self.samples += 1


def estimated_wait(position: int, average_handle_time: float, staffed_agents: int) -> float | None:
    """Seconds until the caller at ``position`` (1 = next) is answered, or None with nobody staffed.

    Staffed agents free up, on average, one every ``average_handle_time / staffed`` seconds; the caller
    at position p needs p of them, and the first is on average half-way through its call.
    """
    if staffed_agents <= 0 or position <= 0:
        return None
    return (position - 0.5) * average_handle_time / staffed_agents


@dataclass
class ServiceLevelStats:
    """Share of calls answered within the threshold.

    Service level = answered within T / (answered + abandoned after T); callers who hang up before T
    do not count against the queue. Kept as running totals and over the last ``window`` seconds.

    The window is kept as one bucket per second that had a counted call (``[second, answered within T,
    counted]``), with running sums: its size, and what the router's snapshot writes of it every second, stay
    bounded by the window's length, whatever the call rate (one entry per call was 72,000 entries at 40 calls/s).
    A second leaves the window once all of it is older than ``window``.
    """

    threshold: float = 20.0
    window: float = 1800.0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    abandoned_after: int = 0
    recent: deque[list[int]] = field(default_factory=deque)
    _recent_within: int = field(default=0, init=False, repr=False)   # the window's sums
    _recent_counted: int = field(default=0, init=False, repr=False)

    def record(self, now: float, outcome: str, waited: float) -> None:
        """``outcome`` is ``answered`` or ``abandoned``; other outcomes are not counted."""
        within = waited <= self.threshold
        if outcome == "answered":
            self.answered += 1
            self.answered_within += within
        elif outcome == "abandoned":
            self.abandoned += 1
            self.abandoned_after += not within
            if within:
                return   # counts neither way
        else:
            return
        self._add(int(now // 1), int(outcome == "answered" and within), 1)
        self._trim(now)

    def _add(self, second: int, within: int, counted: int) -> None:
        if self.recent and self.recent[-1][0] == second:
            bucket = self.recent[-1]
            bucket[1] += within
            bucket[2] += counted
        else:
            self.recent.append([second, within, counted])
        self._recent_within += within
        self._recent_counted += counted

    def _trim(self, now: float) -> None:
        while self.recent and self.recent[0][0] + 1 <= now - self.window:
            _, within, counted = self.recent.popleft()
            self._recent_within -= within
            self._recent_counted -= counted

    @property
    def level(self) -> float | None:
        """The running service level, or None before any counted call."""
        counted = self.answered + self.abandoned_after
        return self.answered_within / counted if counted else None

    def recent_level(self, now: float) -> float | None:
        self._trim(now)
        return self._recent_within / self._recent_counted if self._recent_counted else None

    def as_dict(self) -> dict[str, Any]:
        return {"answered": self.answered, "answered_within": self.answered_within,
                "abandoned": self.abandoned, "abandoned_after": self.abandoned_after,
                "recent_seconds": [list(bucket) for bucket in self.recent]}

    def load(self, data: dict[str, Any]) -> None:
        """Totals and window from :meth:`as_dict`'s data (or from a snapshot that kept one entry per call,
        ``recent``: ``[time, outcome, within]``)."""
        self.answered = int(data.get("answered", 0))
        self.answered_within = int(data.get("answered_within", 0))
        self.abandoned = int(data.get("abandoned", 0))
        self.abandoned_after = int(data.get("abandoned_after", 0))
        self.recent.clear()
        self._recent_within = self._recent_counted = 0
        for second, within, counted in data.get("recent_seconds", []):
            self._add(int(second), int(within), int(counted))
        for at, outcome, within in data.get("recent", []):
            if outcome == "answered" or not within:
                self._add(int(float(at) // 1), int(outcome == "answered" and bool(within)), 1)
