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
    """

    threshold: float = 20.0
    window: float = 1800.0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    abandoned_after: int = 0
    recent: deque[tuple[float, str, bool]] = field(default_factory=deque)

    def record(self, now: float, outcome: str, waited: float) -> None:
        """``outcome`` is ``answered`` or ``abandoned``; other outcomes are not counted."""
        within = waited <= self.threshold
        if outcome == "answered":
            self.answered += 1
            self.answered_within += within
        elif outcome == "abandoned":
            self.abandoned += 1
            self.abandoned_after += not within
        else:
            return
        self.recent.append((now, outcome, within))
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self.recent and self.recent[0][0] < now - self.window:
            self.recent.popleft()

    @property
    def level(self) -> float | None:
        """The running service level, or None before any counted call."""
        counted = self.answered + self.abandoned_after
        return self.answered_within / counted if counted else None

    def recent_level(self, now: float) -> float | None:
        self._trim(now)
        answered_within = sum(1 for _, outcome, within in self.recent if outcome == "answered" and within)
        counted = sum(1 for _, outcome, within in self.recent if outcome == "answered" or not within)
        return answered_within / counted if counted else None

    def as_dict(self) -> dict[str, Any]:
        return {"answered": self.answered, "answered_within": self.answered_within,
                "abandoned": self.abandoned, "abandoned_after": self.abandoned_after,
                "recent": [list(item) for item in self.recent]}

    def load(self, data: dict[str, Any]) -> None:
        self.answered = int(data.get("answered", 0))
        self.answered_within = int(data.get("answered_within", 0))
        self.abandoned = int(data.get("abandoned", 0))
        self.abandoned_after = int(data.get("abandoned_after", 0))
        self.recent = deque((float(t), str(o), bool(w)) for t, o, w in data.get("recent", []))
