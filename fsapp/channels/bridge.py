"""Handing work from a foreign thread (aiosmtpd's asyncio loop) to the gevent hub, without blocking either.

fsapp runs one gevent hub without monkey-patching. A thread that is not the hub's may not touch the hub's
greenlets or the store's lanes directly; :meth:`HubBridge.submit` queues a callable on the hub's loop
(thread-safe), runs it in a new greenlet there, and answers with a :class:`concurrent.futures.Future` the
other thread can wait on (``asyncio.wrap_future`` in a coroutine).
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gevent
from gevent.hub import Hub

log = logging.getLogger(__name__)

T = TypeVar("T")


class HubBridge:
    """Runs callables on ``hub`` (by default the calling thread's hub: create the bridge on the hub's thread)."""

    def __init__(self, hub: Hub | None = None) -> None:
        self.hub = hub or gevent.get_hub()

    def submit(self, function: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """Run ``function(*args)`` in a greenlet on the hub; the future carries its result or exception."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(function(*args))
            except Exception as exc:  # handed to the waiting thread
                future.set_exception(exc)

        self.hub.loop.run_callback_threadsafe(gevent.spawn, run)
        return future

    def fire(self, function: Callable[..., Any], *args: Any) -> None:
        """As :meth:`submit`, for work nobody waits on: a failure is logged."""
        future = self.submit(function, *args)
        future.add_done_callback(_log_failure)


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("work handed to the hub failed: %s", exc, exc_info=exc)
