"""The switch core: channels by UUID, the event bus to connected clients, greenlets of calls."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from typing import Callable, Protocol

import gevent
import gevent.event
from gevent.pool import Group

from fsapp.sim.channel import Channel
from fsapp.sim.clock import SimClock
from fsapp.sim.events import EventFactory, Headers, Identity

log = logging.getLogger(__name__)

REQUEST_LOG = 5000   # requests and originates kept for inspection (the newest)
FRAME = 0.02             # simulated seconds of one audio frame: a channel's own thread acts on requests per frame
MIN_REAL_FRAME = 0.005   # real seconds a frame lasts at least, so that commands sent back to back all arrive first


class Listener(Protocol):
    def wants_name(self, name: str, subclass: str) -> bool: ...

    def deliver(self, name: str, subclass: str, headers: Headers, body: str) -> None: ...


class SwitchCore:
    """State shared by every part of the simulated switch."""

    def __init__(self, clock: SimClock, identity: Identity | None = None, *,
                 default_file_seconds: float | None = 1.0) -> None:
        self.clock = clock
        self.identity = identity or Identity(started=clock.now())
        self.factory = EventFactory(self.identity, clock)
        self.channels: dict[str, Channel] = {}
        self.listeners: list[Listener] = []
        self.observers: list[Callable[[], None]] = []   # told of every change (tests wait on them)
        self.greenlets = Group()
        self.sessions_since_start = 0
        self.peak_sessions = 0
        self.sessions_per_second: int | None = None   # the throttle `fsctl sps N` sets (None: none; see take_session)
        self._throttle_second = -1
        self._throttle_taken = 0
        self.default_file_seconds = default_file_seconds
        self.lag = 0.0   # seconds a busy switch is behind: events reach listeners late, background jobs start late
        self.command_lag = 0.0   # seconds each Event Socket command waits before the switch takes it up
        self._ports = itertools.count(16384, 2)
        self.endpoints: dict = {}
        self.dialplan: dict[str, str] = {}
        self.api: Callable[[str], str] | None = None   # an API command run inside the switch (api_on_answer)
        self.safety_net = None   # a fsapp.sim.safety.SafetyNet the dialplan arms (SimulatedSwitch.arm_safety_net)
        self.scheduled: dict[int, tuple[str, gevent.event.Event]] = {}   # sched_* task id -> (group, cancel)
        self.conferences: dict[str, dict] = {}
        self.conference_ids: dict[str, str] = {}
        self.conferences_by_extension: dict[str, str] = {}
        self.directory_users: set[tuple[str, str]] = set()   # (user, domain) pairs `user_exists` finds
        # What clients sent, as the switch read it (tests look for what a hostile value became):
        self.requests: deque = deque(maxlen=REQUEST_LOG)      # every request (verb, arg, headers, body)
        self.originated: deque = deque(maxlen=REQUEST_LOG)    # every originate/bridge dial string, parsed

    def spawn(self, func: Callable, *args) -> gevent.Greenlet:
        return self.greenlets.spawn(func, *args)

    def next_session_id(self) -> int:
        self.sessions_since_start += 1
        return self.sessions_since_start

    def take_session(self, unthrottled: bool = False) -> bool:
        """Whether the switch's ``sessions-per-second`` lets one more session start now, counting it when it does.

        As ``switch_core_session_request_uuid``: a leg originated with ``no_throttle_limits=true``
        (``unthrottled``) is neither counted nor refused, and the count starts again every second; the switch
        counts down from N and refuses at 0, so N - 1 sessions start in a second
        (tests/data/transcripts/call-control/originate_throttled: at 1, none). The real switch throttles at 30
        unless told otherwise, and a new limit counts from its next second; this one throttles only after
        ``fsctl sps N``, at once."""
        if unthrottled or self.sessions_per_second is None:
            return True
        second = self.clock.micros() // 1_000_000
        if second != self._throttle_second:
            self._throttle_second, self._throttle_taken = second, 0
        if self._throttle_taken + 1 >= self.sessions_per_second:
            return False
        self._throttle_taken += 1
        return True

    def next_media_port(self) -> int:
        return next(self._ports)

    def next_frame(self) -> None:
        """Wait for a channel's next audio frame, where its own thread notices what an api command asked of it
        (``uuid_break``, ``uuid_bridge``); what the api thread does itself (``uuid_record``) comes first."""
        self.clock.sleep(FRAME)
        real = self.clock.real_seconds(FRAME)
        if 0 < real < MIN_REAL_FRAME:
            gevent.sleep(MIN_REAL_FRAME - real)

    def changed(self) -> None:
        """Something on the switch changed (an event, an application settling): tell the observers."""
        for observer in self.observers:
            observer()

    def fire(self, headers: Headers, body: str = "", *, name: str = "") -> None:
        """Send an event to every listener that wants it (``name``: for an event whose ``Event-Name`` is not
        among its first two headers, such as PRIVATE_COMMAND)."""
        self.changed()
        subclass = ""
        for key, value in headers[:2]:
            if key == "Event-Name":
                name = value
            elif key == "Event-Subclass":
                subclass = value
        for listener in list(self.listeners):
            listener.deliver(name, subclass, headers, body)

    def anyone_wants(self, name: str, subclass: str = "") -> bool:
        """Whether any listener subscribed to this event name; events nobody wants are not built."""
        return any(listener.wants_name(name, subclass) for listener in self.listeners)

    def add(self, channel: Channel) -> None:
        self.channels[channel.uuid] = channel
        self.peak_sessions = max(self.peak_sessions, len(self.channels))

    def remove(self, channel: Channel) -> None:
        self.channels.pop(channel.uuid, None)

    def live(self, uuid: str) -> Channel | None:
        channel = self.channels.get(uuid)
        return channel if channel is not None and channel.alive else None
