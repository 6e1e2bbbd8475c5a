"""Deadlines kept in a heap; re-arming or cancelling a deadline leaves a stale entry that is skipped."""

from __future__ import annotations

import heapq
import itertools
from typing import Iterator

TimerKey = tuple[str, str]   # (kind, id), e.g. ("agent", "anna") or ("announce", call_uuid)


class Timers:
    """At most one deadline per key; :meth:`pop_due` yields the keys whose deadline has come, in order."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TimerKey]] = []
        self._live: dict[TimerKey, int] = {}
        self._counter = itertools.count()

    def set(self, key: TimerKey, due: float) -> None:
        token = next(self._counter)
        self._live[key] = token
        heapq.heappush(self._heap, (due, token, key))

    def cancel(self, key: TimerKey) -> None:
        self._live.pop(key, None)

    def due_of(self, key: TimerKey) -> float | None:
        token = self._live.get(key)
        if token is None:
            return None
        for due, entry_token, _ in self._heap:
            if entry_token == token:
                return due
        return None

    def next_due(self) -> float | None:
        """When the earliest live deadline falls (None if there is none)."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> Iterator[TimerKey]:
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now:
                return
            _, token, key = heapq.heappop(self._heap)
            del self._live[key]
            yield key

    def _drop_stale(self) -> None:
        heap = self._heap
        while heap and self._live.get(heap[0][2]) != heap[0][1]:
            heapq.heappop(heap)

    def __len__(self) -> int:
        return len(self._live)
