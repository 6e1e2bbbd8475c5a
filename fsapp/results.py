"""The results of finished calls, kept for whoever waits for them, and only the latest few thousand.

::

    book = ResultBook(keep=1000)
    book.set(call_uuid, summary)             # the call's handler, when it is done
    summary = book.wait(call_uuid, 30.0)     # a test, the simulator, the demo (gevent.Timeout after 30 s)

A result is kept until ``keep`` newer ones have arrived, so a controller that runs for months holds a
bounded number of them; a waiter that gives up takes its empty slot with it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from gevent.event import AsyncResult

T = TypeVar("T")

KEEP = 1000


class ResultBook(Generic[T]):
    """Results by key (a call's UUID): set once, waited for by any number of greenlets."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._results: OrderedDict[str, AsyncResult] = OrderedDict()

    def __len__(self) -> int:
        return len(self._results)

    def set(self, key: str, value: T) -> None:
        """Record ``key``'s result (waking its waiters) and forget the oldest results beyond ``keep``."""
        result = self._results.pop(key, None) or AsyncResult()
        self._results[key] = result
        result.set(value)
        self._trim()

    def wait(self, key: str, timeout: float) -> T:
        """``key``'s result, waiting up to ``timeout`` seconds for it (raises gevent.Timeout)."""
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = AsyncResult()
        try:
            return result.get(timeout=timeout)  # type: ignore[no-any-return]
        finally:
            if not result.ready() and not result.linkcount() and self._results.get(key) is result:
                del self._results[key]   # nobody else waits for it

    def _trim(self) -> None:
        """Forget the oldest results beyond ``keep`` (the oldest come first: usually the first one goes), never
        a slot someone still waits on."""
        excess = len(self._results) - self.keep
        if excess <= 0:
            return
        doomed: list[str] = []
        for key, result in self._results.items():
            if result.ready():
                doomed.append(key)
                if len(doomed) >= excess:
                    break
        for key in doomed:
            del self._results[key]
