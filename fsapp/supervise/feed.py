"""The live feed: rebuilds the picture when something happens (or every ``interval``) and tells subscribers.

A subscriber gets the whole picture first, then ``(kind, row)`` events as things change (see
:func:`fsapp.supervise.live.changes`). A subscriber that does not keep up (its queue is full) is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event as Flag
from gevent.queue import Full, Queue

from fsapp.supervise.live import Snapshot, changes

log = logging.getLogger(__name__)

Message = tuple[str, dict[str, Any]]


class LiveFeed:
    """Publishes changes of ``build()``'s picture to subscribers."""

    def __init__(self, build: Callable[[], Snapshot], *, interval: float = 1.0, backlog: int = 500) -> None:
        self.build = build
        self.interval = interval
        self.backlog = backlog
        self.latest: Snapshot | None = None
        self._subscribers: list[Queue] = []
        self._wake = Flag()
        self._greenlet: gevent.Greenlet | None = None

    def start(self) -> LiveFeed:
        self._greenlet = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill()
            self._greenlet = None
        for queue in self._subscribers:
            queue.put_nowait(("end", {}))   # room was kept for it
        self._subscribers.clear()

    def poke(self) -> None:
        """Something changed: rebuild soon. Safe to call from switch listeners (never blocks)."""
        self._wake.set()

    def snapshot(self) -> Snapshot:
        """A fresh picture, built now."""
        return self.build()

    def subscribe(self) -> Queue:
        """A queue of messages: ``("snapshot", picture)`` first, then changes, ``("end", {})`` at shutdown."""
        queue: Queue = Queue(self.backlog + 1)
        queue.put_nowait(("snapshot", self.latest or self.build()))
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: Queue) -> None:
        if queue in self._subscribers:
            self._subscribers.remove(queue)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                picture = self.build()
            except Exception:   # a failed rebuild must not end the feed
                log.exception("live picture not built")
                continue
            events = changes(self.latest, picture)
            self.latest = picture
            for queue in list(self._subscribers):
                self._publish(queue, events)

    def _publish(self, queue: Queue, events: list[Message]) -> None:
        try:
            for message in events:
                if queue.qsize() >= self.backlog:
                    raise Full
                queue.put_nowait(message)
        except Full:
            log.warning("live feed subscriber dropped: %d messages behind", queue.qsize())
            self.unsubscribe(queue)
            queue.put_nowait(("end", {"reason": "too slow"}))
