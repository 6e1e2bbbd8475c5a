"""Admission of new callers while the switch keeps up with the calls it has (pure: no I/O, the clock injected).

A switch with more calls than CPU falls behind everywhere at once, and its Event Socket shows it first: the
thread that serves a connection's commands gets its share of the CPU among hundreds of call threads, and a
command that takes milliseconds on a switch that keeps up takes a fraction of a second, then seconds. Every
caller needs a few commands before an operator's phone rings, so callers wait with nobody ringing, pile up on
hold (each one more load), SIP transactions time out, and calls that were going well fail with the rest.

The guard reads every command's round trip in windows of one second: a window whose median round trip is
over ``limit`` (with at least MIN_EVIDENCE commands in it) halves the share of new callers let in; any other
window gives back a tenth. Refused callers are turned away before they are answered, at the cost of one
command each, and the calls already in get the switch's time.
"""

from __future__ import annotations

from collections.abc import Callable

WINDOW = 1.0        # seconds of one observation window
MIN_EVIDENCE = 3    # round trips a window needs before its median counts
DECREASE = 0.5      # the share of callers let in, times this after an overloaded window
INCREASE = 0.1      # ... plus this after any other (up to all)

REFUSED = "refused"
"""The outcome recorded for a caller the guard turned away."""
OVERLOAD_CAUSE = "NORMAL_TEMPORARY_FAILURE"
"""The hangup cause of a refused caller: SIP 503 Service Unavailable, heard as the network's congestion tone."""


class OverloadGuard:
    """Tells whether to let a new caller in, from how long the switch takes to answer commands.

    ``limit``: the median round trip, in seconds, over which a window counts as overloaded; 0 lets every
    caller in. ``clock``: seconds, on the clock the round trips are measured with."""

    def __init__(self, limit: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.clock = clock
        self.share = 1.0      # of new callers let in
        self.refused = 0      # callers refused since the start
        self.last_median = 0.0   # the median round trip of the last window that had enough of them
        self._credit = 0.0
        self._window_end = clock() + WINDOW
        self._round_trips: list[float] = []

    def observe(self, seconds: float) -> None:
        """One command's round trip (or the time it waited before it timed out)."""
        if self.limit <= 0:
            return
        self._roll()
        self._round_trips.append(seconds)

    def admit(self) -> bool:
        """Whether to let the next new caller in (the refusals spread evenly over the callers)."""
        if self.limit <= 0:
            return True
        self._roll()
        self._credit += self.share
        if self._credit >= 1.0:
            self._credit -= 1.0
            return True
        self.refused += 1
        return False

    def _roll(self) -> None:
        """Close the window that has ended: an overloaded one halves the share of callers let in, any other gives
        back a tenth, and so does each window after it in which nothing was asked of the switch."""
        now = self.clock()
        if now < self._window_end:
            return
        calm = int((now - self._window_end) // WINDOW)   # the windows since that saw no command and no caller
        if self._overloaded():
            self.share *= DECREASE
        else:
            calm += 1
        self.share = min(1.0, round(self.share + calm * INCREASE, 6))
        self._round_trips = []
        self._window_end = now + WINDOW
        if self.share >= 1.0:
            self._credit = 0.0

    def _overloaded(self) -> bool:
        """Whether the window's median round trip (kept in :attr:`last_median`) is over the limit."""
        if len(self._round_trips) < MIN_EVIDENCE:
            return False
        ordered = sorted(self._round_trips)
        self.last_median = ordered[len(ordered) // 2]
        return self.last_median > self.limit
