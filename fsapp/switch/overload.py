"""Admission of new callers while the switch keeps up with the calls it has (pure: no I/O, the clock injected).

A switch with more calls than CPU falls behind everywhere at once, and its Event Socket shows it first: the
thread that serves a connection's commands gets its share of the CPU among hundreds of call threads, and a
command that takes milliseconds on a switch that keeps up takes a fraction of a second, then seconds. Every
caller needs a few commands before an operator's phone rings, so callers wait with nobody ringing, pile up on
hold (each one more load), SIP transactions time out, and calls that were going well fail with the rest.

The guard reads every command's round trip in windows of one second. While no window's median is over
``limit`` (with at least MIN_EVIDENCE commands in it), every new caller is let in at once. The first window
over it sets a pace: half the callers that arrived in it, a second; a later window over it halves the pace
again, but not within HOLD windows of the last cut (fewer calls take a few seconds to show in the round trips,
and cutting meanwhile would cut too deep); any other window raises the pace by a
tenth of what was asked (the callers who arrived, or the pace itself when more are waiting). Once the pace is
ahead of the callers arriving and nobody waits, every caller is let in again.

A caller the pace has no room for waits at the door, unanswered, for up to ``wait`` seconds, in the order of
arrival (a caller who arrives while others wait queues behind them): a burst of callers is let in as fast as
the switch carries them instead of being turned away. A caller the pace could not let in within that time at
its place in line (more waiting than ``pace * wait``) is refused at once, and so is one still waiting when its
time is up (``wait`` 0: every caller there is no room for), before the answer and at the cost of one command:
the line stays as long as the pace can serve, since every ringing leg is some load on the switch too, and the
calls already in get the switch's time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW = 1.0        # seconds of one observation window
MIN_EVIDENCE = 3    # round trips a window needs before its median counts
DECREASE = 0.5      # the pace, times this after an overloaded window
HOLD = 3            # windows after a cut in which the switch is given time to feel it (no second cut)
INCREASE = 0.1      # ... plus this share of what was asked after any other
MIN_PACE = 1.0      # callers a second let in however overloaded the switch is
BURST = 0.2         # seconds of the pace that may be let in at once after a lull with nobody waiting

REFUSED = "refused"
"""The outcome recorded for a caller the guard turned away."""
OVERLOAD_CAUSE = "NORMAL_TEMPORARY_FAILURE"
"""The hangup cause of a refused caller: SIP 503 Service Unavailable, heard as the network's congestion tone."""


class Admission(Enum):
    """Where a new caller stands at the door."""

    IN = "in"              # let in
    WAITING = "waiting"    # waiting for room
    REFUSED = "refused"    # turned away: the wait is over
    LEFT = "left"          # hung up while waiting


class Ticket:
    """One new caller at the door: its place in the line and how long it may wait there."""

    __slots__ = ("deadline", "state")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.state = Admission.WAITING


class OverloadGuard:
    """Lets new callers in, at a pace set by how long the switch takes to answer commands.

    ``limit``: the median round trip, in seconds, over which a window counts as overloaded; 0 lets every
    caller in at once. ``clock``: seconds, on the clock the round trips are measured with. ``wait``: seconds a
    new caller may wait for room before it is refused (0: refused at once)."""

    def __init__(self, limit: float, clock: Callable[[], float], wait: float = 0.0) -> None:
        self.limit = limit
        self.clock = clock
        self.wait = wait
        self.pace: float | None = None   # callers let in a second; None: all at once
        self.refused = 0      # callers refused since the start
        self.last_median = 0.0   # the median round trip of the last window that had enough of them
        self._room = 0.0      # callers the pace has room for now
        self._filled_at = clock()
        self._window_end = clock() + WINDOW
        self._held_until = 0.0     # no cut of the pace before this (see HOLD)
        self._round_trips: list[float] = []
        self._arrived = 0          # new callers in this window
        self._arrived_before = 0   # ... in the window before
        self._line: deque[Ticket] = deque()

    @property
    def share(self) -> float:
        """The share of new callers the pace lets in (1.0 while every caller is let in at once)."""
        if self.pace is None:
            return 1.0
        return min(1.0, round(self.pace / max(1, self._arrived_before), 3))

    @property
    def waiting(self) -> int:
        """Callers waiting at the door."""
        return len(self._line)

    def observe(self, seconds: float) -> None:
        """One command's round trip (or the time it waited before it timed out)."""
        if self.limit <= 0:
            return
        self._roll()
        self._round_trips.append(seconds)

    def arrive(self) -> Ticket:
        """A new caller at the door: let in at once when there is room, else waiting in line (see :meth:`poll`)."""
        ticket = Ticket(self.clock() + self.wait)
        if self.limit <= 0:
            ticket.state = Admission.IN
            return ticket
        self._roll()
        self._let_in()   # the room made up to now, for the callers already waiting (kept short after a lull)
        self._arrived += 1
        self._line.append(ticket)
        self._let_in()
        if ticket.state is Admission.WAITING and (self.clock() >= ticket.deadline or (
                self.pace is not None and len(self._line) > self.pace * self.wait)):
            self._refuse(ticket)   # no wait, or the pace could not let it in within it: no ringing for nothing
        return ticket

    def poll(self, ticket: Ticket) -> Admission:
        """Where ``ticket`` stands now: let in, still waiting, or refused once its wait is over."""
        if ticket.state is Admission.WAITING:
            self._roll()
            self._let_in()
            if ticket.state is Admission.WAITING and self.clock() >= ticket.deadline:
                self._refuse(ticket)
        return ticket.state

    def leave(self, ticket: Ticket) -> None:
        """The caller hung up while waiting: its place goes to the next."""
        if ticket.state is Admission.WAITING:
            self._line.remove(ticket)
            ticket.state = Admission.LEFT

    def admit(self) -> bool:
        """Whether a new caller who will not wait is let in now."""
        ticket = self.arrive()
        if ticket.state is Admission.WAITING:
            self._refuse(ticket)
        return ticket.state is Admission.IN

    def _refuse(self, ticket: Ticket) -> None:
        self._line.remove(ticket)
        ticket.state = Admission.REFUSED
        self.refused += 1

    def _let_in(self) -> None:
        """Let in the callers at the head of the line that the pace has room for."""
        now = self.clock()
        room = float(len(self._line)) if self.pace is None else self._room + (now - self._filled_at) * self.pace
        self._filled_at = now
        while self._line and room >= 1.0:
            ticket = self._line.popleft()
            if now > ticket.deadline:   # its wait was over before room came
                ticket.state = Admission.REFUSED
                self.refused += 1
                continue
            ticket.state = Admission.IN
            room -= 1.0
        self._room = 0.0 if self.pace is None else min(room, max(1.0, self.pace * BURST))   # no rush after a lull

    def _roll(self) -> None:
        """Close the window that has ended and set the pace from it (see the module's docstring)."""
        now = self.clock()
        if now < self._window_end:
            return
        self._let_in()   # the room the old pace made up to now
        calm = int((now - self._window_end) // WINDOW)   # the windows since that saw no command and no caller
        arrived = self._arrived
        if self._overloaded():
            if now >= self._held_until:   # a cut takes seconds to show in the round trips: one per HOLD windows
                start = float(arrived) if self.pace is None else self.pace
                self.pace = max(MIN_PACE, start * DECREASE)
                self._room = min(self._room, 1.0)
                self._held_until = self._window_end + HOLD * WINDOW
        else:
            calm += 1
        if self.pace is not None and calm:
            asked = max(float(arrived), self.pace if self._line else 0.0)
            self.pace += calm * max(INCREASE * asked, MIN_PACE)
            if not self._line and self.pace >= arrived * (1 + INCREASE):
                self.pace = None   # ahead of the callers and nobody waits: all at once again
        self._arrived_before, self._arrived = arrived, 0
        self._round_trips = []
        self._window_end = now + WINDOW

    def _overloaded(self) -> bool:
        """Whether the window's median round trip (kept in :attr:`last_median`) is over the limit."""
        if len(self._round_trips) < MIN_EVIDENCE:
            return False
        ordered = sorted(self._round_trips)
        self.last_median = ordered[len(ordered) // 2]
        return self.last_median > self.limit
