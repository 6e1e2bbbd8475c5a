"""Pacing: how many calls a campaign may start now, and when to look again. Pure; the caller passes the time.

Limits, all enforced together: at most ``max_concurrent`` calls up at once; no one-second span (or one
interval, below one call per second) holds more than ``calls_per_second`` starts, and starts are spread
``1 / calls_per_second`` apart, a late wake-up catching up at most ``CATCH_UP`` of lost time (so a busy
event loop does not lower the rate); only inside the calling windows and between ``start_at`` and ``end_at``;
nothing while paused. In agent mode a
``ceiling`` (from :class:`ProgressiveRatio`) caps the calls in flight by the free agents.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsapp.dialer.windows import CallingWindows


CATCH_UP = timedelta(seconds=0.1)


@dataclass(frozen=True)
class Pace:
    """``start`` calls may begin now; otherwise look again at ``wake_at`` (None: when a call ends)."""

    start: int
    wake_at: datetime | None
    reason: str


class Pacer:
    """Decides starts from the limits and the time of the last start."""

    def __init__(self, max_concurrent: int, calls_per_second: float, windows: CallingWindows,
                 start_at: datetime | None = None, end_at: datetime | None = None) -> None:
        self.max_concurrent = max_concurrent
        self.interval = timedelta(seconds=1.0 / calls_per_second)
        self.windows = windows
        self.start_at = start_at
        self.end_at = end_at
        self._next_start: datetime | None = None
        self.span = max(timedelta(seconds=1), self.interval)
        self.per_span = max(1, math.floor(calls_per_second * self.span.total_seconds() + 1e-9))
        self._recent: deque[datetime] = deque()   # starts within the last span

    def decide(self, now: datetime, active: int, *, paused: bool = False, ceiling: int | None = None) -> Pace:
        """How many calls may start at ``now`` with ``active`` calls up (returns at most one per interval)."""
        if paused:
            return Pace(0, None, "paused")
        if self.end_at is not None and now >= self.end_at:
            return Pace(0, None, "ended")
        if self.start_at is not None and now < self.start_at:
            return Pace(0, self.start_at, "not started")
        if not self.windows.is_open(now):
            return Pace(0, self.windows.next_open(now), "outside calling hours")
        limit = self.max_concurrent if ceiling is None else min(self.max_concurrent, ceiling)
        if active >= limit:
            return Pace(0, None, "at concurrency limit" if ceiling is None or ceiling >= self.max_concurrent
                        else "waiting for free agents")
        if self._next_start is not None and now < self._next_start:
            return Pace(0, self._next_start, "calls per second")
        while self._recent and self._recent[0] <= now - self.span:
            self._recent.popleft()
        if len(self._recent) >= self.per_span:
            return Pace(0, self._recent[0] + self.span, "calls per second")
        return Pace(1, now, "dial")

    def started(self, now: datetime) -> None:
        """Record that a call was started at ``now``."""
        self._next_start = max(now - CATCH_UP, self._next_start or now) + self.interval
        self._recent.append(now)

    def ended(self, now: datetime) -> bool:
        """Whether the campaign's ``end_at`` has passed."""
        return self.end_at is not None and now >= self.end_at


class ProgressiveRatio:
    """Agent mode: dial ``free agents x ratio`` calls, falling back to 1:1 while the abandon rate is above its cap.

    A call is *abandoned* when a person answered and no agent was free to take it.
    """

    def __init__(self, ratio: float, max_abandon_rate: float) -> None:
        self.ratio = ratio
        self.max_abandon_rate = max_abandon_rate
        self.answered = 0
        self.abandoned = 0

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0

    @property
    def effective_ratio(self) -> float:
        return min(self.ratio, 1.0) if self.abandon_rate > self.max_abandon_rate else self.ratio

    def ceiling(self, free_agents: int) -> int:
        """How many calls may be in flight (dialing, ringing, or answered and not yet with an agent)."""
        return math.floor(free_agents * self.effective_ratio + 1e-9)

    def record(self, abandoned: bool) -> None:
        """Count one answered call; ``abandoned`` when it found no free agent."""
        self.answered += 1
        self.abandoned += abandoned
