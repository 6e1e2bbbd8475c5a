"""The simulated switch's clock: wall-clock epoch time, optionally running faster than real time.

Every wait in the simulator goes through :meth:`SimClock.sleep`, and every timestamp it writes comes
from :meth:`SimClock.now`. With ``speed=10`` a 2 s prompt takes 0.2 s of real time while the events
still say it lasted 2 s.
"""

from __future__ import annotations

import time
from typing import Callable, Protocol

import gevent


class Waitable(Protocol):
    def wait(self, timeout: float | None = None) -> bool | None: ...


class SimClock:
    """Simulated time = start epoch + (real time elapsed) * speed."""

    def __init__(self, speed: float = 1.0, *, wall: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start_epoch = wall()
        self._start_mono = monotonic()
        self._monotonic = monotonic

    def jump_to(self, epoch: float) -> None:
        """Let simulated time read ``epoch`` now and run on from there (a test pins "a Monday morning" this way,
        before any call is placed, so the switch's event times and the controller's clock agree)."""
        self._start_epoch = epoch
        self._start_mono = self._monotonic()

    def now(self) -> float:
        """Simulated epoch seconds."""
        return self._start_epoch + (self._monotonic() - self._start_mono) * self.speed

    def __call__(self) -> float:
        return self.now()

    def micros(self) -> int:
        """Simulated epoch microseconds (the unit of Event-Date-Timestamp)."""
        return int(self.now() * 1_000_000)

    def real_seconds(self, sim_seconds: float) -> float:
        """How long ``sim_seconds`` of simulated time take in real time."""
        return max(0.0, sim_seconds) / self.speed

    def sleep(self, sim_seconds: float) -> None:
        """Let ``sim_seconds`` of simulated time pass (cooperatively)."""
        gevent.sleep(self.real_seconds(sim_seconds))

    def wait(self, flag: Waitable, sim_seconds: float | None) -> bool:
        """Wait until ``flag`` is set or ``sim_seconds`` of simulated time pass (None: no limit)."""
        return bool(flag.wait(None if sim_seconds is None else self.real_seconds(sim_seconds)))
