"""Waiting in the API tests for what the controller and the simulated switch do, without polling.

The ``sim`` and ``controller`` fixtures register :data:`CHANGES` with the simulated switch, the controller's
switch link and its ACD; :func:`wait_until` looks at its predicate again after each change. This lives outside
conftest.py so that fixtures and tests share one instance.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import gevent
from gevent.event import Event as Flag

T = TypeVar("T")
WAIT = 20.0


class Changes:
    """Set whenever the simulated switch, the controller's switch link or its ACD changed something."""

    def __init__(self) -> None:
        self.flag = Flag()

    def poke(self, *_: object) -> None:
        self.flag.set()


CHANGES = Changes()


def wait_until(predicate: Callable[[], T], timeout: float = WAIT, what: str = "condition") -> T:
    """``predicate()``'s first true value, looked at again after each change (see :class:`Changes`)."""
    deadline = time.monotonic() + timeout
    while True:
        CHANGES.flag.clear()
        value = predicate()
        if value:
            return value
        if not CHANGES.flag.wait(max(0.0, deadline - time.monotonic())):
            raise AssertionError(f"timed out waiting for {what}")


def until_idle(timeout: float = WAIT) -> None:
    """Wait until the hub has run every greenlet that is ready to run and its loop is idle: the greenlets just
    spawned have started and reached what they wait on (an event of the loop, not a sleep)."""
    with gevent.Timeout(timeout):
        gevent.idle()
