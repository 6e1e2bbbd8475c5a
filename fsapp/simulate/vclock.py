"""A virtual clock shared by the simulated switch and the controller: time jumps when everyone waits.

The simulated switch, its callers and operators, and the controller all run in one gevent hub. Every
wait on simulated time goes through :meth:`VirtualClock.sleep` / :meth:`VirtualClock.wait`, which park
the greenlet on a deadline. :meth:`VirtualClock.run` moves time straight to the earliest deadline once
the hub has nothing left to do: no greenlet ready, no socket readable, no greenlet waiting for work off
the hub (a query, a prompt being rendered: :mod:`fsapp.offhub`). Bytes between the controller and the switch travel over real loopback sockets
meanwhile, so the controller's code paths are the real ones; only the waiting is skipped. The ACD's
timers wait on this clock too (``AcdService.wait_on_clock``), so time jumps straight to the next one.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable

import gevent
from gevent.event import Event

from fsapp.offhub import in_flight
from fsapp.sim.clock import Waitable

SETTLE_PASSES = 2          # consecutive idle passes of the hub before time may jump
PACE_STEP = 0.02            # real seconds at most between looks while holding time back for --speed
IDLE_POLL = 0.0005         # real seconds between looks when nothing is scheduled or prompts are rendering


class VirtualClock:
    """Simulated epoch seconds that advance only through :meth:`run` (see the module docstring)."""

    def __init__(self, start: float, speed: float | None = None) -> None:
        self.speed = speed if speed and speed > 0 else float("inf")
        """At most this many simulated seconds per real second (infinite: as fast as the hub allows)."""
        self._paced_from: tuple[float, float] | None = None   # (real, simulated) when run() started
        self._now = start
        self._heap: list[tuple[float, int, Event]] = []
        self._seq = itertools.count()
        self.jumps = 0

    def now(self) -> float:
        return self._now

    def __call__(self) -> float:
        return self._now

    def micros(self) -> int:
        return int(self._now * 1_000_000)

    def real_seconds(self, sim_seconds: float) -> float:
        return 0.0

    def sleep(self, sim_seconds: float) -> None:
        """Park the calling greenlet until ``sim_seconds`` of simulated time have passed."""
        if sim_seconds <= 0:
            gevent.sleep(0)
            return
        self._alarm(sim_seconds).wait()

    def wait(self, flag: Waitable, sim_seconds: float | None) -> bool:
        """Wait until ``flag`` is set or ``sim_seconds`` of simulated time pass; True if it was set."""
        if sim_seconds is None:
            return bool(flag.wait())
        if sim_seconds <= 0:
            gevent.sleep(0)
            return bool(flag.wait(0))
        alarm = self._alarm(sim_seconds)
        gevent.wait([flag, alarm], count=1)  # type: ignore[list-item]
        alarm.set()   # a stale entry; the heap skips set alarms
        return bool(flag.wait(0))

    def _alarm(self, sim_seconds: float) -> Event:
        alarm = Event()
        heapq.heappush(self._heap, (self._now + sim_seconds, next(self._seq), alarm))
        return alarm

    def next_deadline(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2].is_set():
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def advance_to(self, moment: float) -> None:
        """Move time to ``moment`` (never backwards) and wake everything due by then."""
        self._now = max(self._now, moment)
        heap = self._heap
        while heap and heap[0][0] <= self._now:
            _, _, alarm = heapq.heappop(heap)
            alarm.set()

    def run(self, until: Callable[[], bool], *, end: float | None = None) -> None:
        """Drive time until ``until()`` holds (checked whenever the hub is idle) or time reaches ``end``."""
        while True:
            settle()
            if until():
                return
            target = self.next_deadline()
            if target is None:
                gevent.sleep(IDLE_POLL)   # nothing scheduled: only the sockets can move things on
                continue
            if self._hold_for_speed(target):
                continue
            if end is not None and target > end:
                self.advance_to(end)
                return
            self.jumps += 1
            self.advance_to(target)

    def _hold_for_speed(self, target: float) -> bool:
        """With a finite speed, wait (a little real time at a time) until ``target`` may be reached."""
        if self.speed == float("inf"):
            return False
        if self._paced_from is None:
            self._paced_from = (time.monotonic(), self._now)
        real_start, sim_start = self._paced_from
        early = real_start + (target - sim_start) / self.speed - time.monotonic()
        if early <= 0:
            return False
        gevent.sleep(min(early, PACE_STEP))  # the pace itself; sockets may bring work meanwhile
        return True


def settle() -> None:
    """Return once the hub has been idle :data:`SETTLE_PASSES` times in a row with nothing off the hub."""
    hub = gevent.get_hub()
    passes = 0
    while passes < SETTLE_PASSES:
        if in_flight() or hub.threadpool is not None and len(hub.threadpool):
            gevent.sleep(IDLE_POLL)
            passes = 0
            continue
        gevent.idle()
        passes += 1
