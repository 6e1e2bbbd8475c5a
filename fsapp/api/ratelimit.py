"""Per-key rate limits: a token bucket per key, refilled continuously (pure: the clock is injected)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``take(key, per_minute)`` -> 0 when a request may go ahead, else the seconds until one may."""

    def __init__(self, clock: Callable[[], float], max_keys: int = 10_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[object, _Bucket] = {}

    def take(self, key: object, per_minute: int) -> int:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()   # keys are few (one per application); this only bounds memory
            bucket = self._buckets[key] = _Bucket(float(per_minute), now)
        rate = per_minute / 60.0
        bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / rate))
