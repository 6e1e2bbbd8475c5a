"""One simulated channel: its state as events report it, its variables, and its application queue."""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from gevent.event import Event as Flag

from fsapp.sim.events import Headers

if TYPE_CHECKING:
    from fsapp.sim.core import SwitchCore

log = logging.getLogger(__name__)

STATE_NUMBERS = {"CS_NEW": 0, "CS_INIT": 1, "CS_ROUTING": 2, "CS_SOFT_EXECUTE": 3, "CS_EXECUTE": 4,
                 "CS_EXCHANGE_MEDIA": 5, "CS_PARK": 6, "CS_CONSUME_MEDIA": 7, "CS_HIBERNATE": 8,
                 "CS_RESET": 9, "CS_HANGUP": 10, "CS_REPORTING": 11, "CS_DESTROY": 12}
CALL_STATE_NUMBERS = {"DOWN": 0, "DIALING": 1, "RINGING": 2, "EARLY": 3, "ACTIVE": 4, "HELD": 5, "RING_WAIT": 6,
                      "HANGUP": 7, "UNHELD": 8}


class Hangup(Exception):
    """Raised inside an application when its channel hangs up."""


@dataclass
class AppCall:
    """An application queued on a channel (from sendmsg, uuid_broadcast or the dialplan)."""

    name: str
    arg: str = ""
    app_uuid: str = field(default_factory=lambda: str(uuidlib.uuid4()))
    from_sendmsg: bool = True
    loops: int = 1
    uuid_name: str = ""   # sendmsg's Event-UUID-Name, on the application's events as Application-UUID-Name


class Channel:
    """A call leg. Event headers are rendered from these attributes by :mod:`fsapp.sim.events`."""

    def __init__(self, core: SwitchCore, uuid: str, name: str, direction: str, profile: dict[str, str],
                 hit_dialplan: bool) -> None:
        self.core = core
        self.uuid = uuid
        self.name = name
        self.direction = direction
        self.hit_dialplan = hit_dialplan
        self.state = "CS_INIT"
        self.state_number = 2
        self.call_state = "DOWN"
        self.answer_state = "ringing"
        self.hangup_cause = ""
        self.codec: tuple[str, str, str] | None = None
        self.profile = profile
        self.other_leg: tuple[str, dict[str, str]] | None = None
        self.variables: dict[str, str] = {}
        self.times: dict[str, int] = {"created": core.clock.micros()}
        self.apps: deque[AppCall] = deque()
        self.dtmf: deque[str] = deque()
        self.digits_dialed = ""
        self.party = None
        self.hold_started_at: float | None = None   # first endless playback (hold music)
        self.parked = False
        self.park_app_uuid: str | None = None
        self.current_app: AppCall | None = None
        self.bridge: Bridge | None = None
        self.break_requested = False
        self.picked_up = False   # a ringing endpoint's user answers now (SimulatedSwitch.pick_up)
        self.stop_status: str | None = None   # what a stopped playback reports: break, or done (a bridge won)
        self.display_inverted = False         # caller IDs shown the other way round (leg B of a bridge, inbound)
        self.bridging = False                 # a uuid_bridge is on its way: a break noticed now reports done
        self.lead_until = 0.0                 # until then the thread reads a broadcast's lead frames, deaf to all
        self.leave_park = False
        self.alive = True
        self.busy = False
        self.destroyed = False
        self.eavesdrop_mode: str | None = None
        self.eavesdrop_target: str | None = None   # the leg this one listens to
        self.eavesdrop_commands: deque[str] = deque()
        self.deferred_hangup: str | None = None   # a sendmsg hangup the running application did not read
        self.recording_paths: list[str] = []
        self.background_recordings: dict[str, Any] = {}   # path -> recording.BackgroundRecording
        self.on_answer: list[Callable[[], None]] = []
        self._wake = Flag()
        self.gone = Flag()

    # -- variables and state -----------------------------------------------------------------------

    def set_var(self, name: str, value: str | None) -> None:
        """Set (or with None/"" unset) a variable; a set value moves to the end, as in FreeSWITCH."""
        self.variables.pop(name, None)
        if value is not None and value != "":
            self.variables[name] = value

    def set_vars(self, pairs: list[tuple[str, str]]) -> None:
        for name, value in pairs:
            self.set_var(name, value)

    def api_on(self, prefix: str) -> None:
        """Run the API command of every variable named ``prefix...`` (``switch_channel_api_on``: ``api_on_answer``
        as the leg answers), in the leg's own thread, its output to the log."""
        for name, command in list(self.variables.items()):
            if name.lower().startswith(prefix) and self.core.api is not None:
                self.core.api(command)

    def get_var(self, name: str) -> str | None:
        if name == "uuid":
            return self.uuid
        return self.variables.get(name)

    def set_state(self, state: str, number: int | None = None, *, announce: bool = True) -> None:
        """Move to ``state``; a new state is announced with CHANNEL_STATE (no variables), as the switch does."""
        changed = state != self.state
        self.state = state
        self.state_number = STATE_NUMBERS[state] if number is None else number
        if changed and announce:
            self.emit("CHANNEL_STATE", variables=False)

    def announce_state(self, state: str, number: int) -> None:
        """CHANNEL_STATE for a state the channel passes through before its fields say so (CS_NEW, CS_INIT)."""
        kept = self.state, self.state_number
        self.state, self.state_number = state, number
        try:
            self.emit("CHANNEL_STATE", variables=False, profile=state != "CS_NEW")
        finally:
            self.state, self.state_number = kept

    def set_call_state(self, call_state: str) -> None:
        """Move to ``call_state`` (RINGING, EARLY, ACTIVE, HANGUP), announced with CHANNEL_CALLSTATE."""
        previous, self.call_state = self.call_state, call_state
        if previous != call_state:
            self.emit("CHANNEL_CALLSTATE", variables=False,
                      before=[("Original-Channel-Call-State", previous),
                              ("Channel-Call-State-Number", str(CALL_STATE_NUMBERS[call_state]))])

    def mark_time(self, key: str, profile_field: str) -> int:
        micros = self.core.clock.micros()
        self.times[key] = micros
        self.profile[profile_field] = str(micros)
        return micros

    @property
    def answered(self) -> bool:
        return "answered" in self.times

    # -- events ------------------------------------------------------------------------------------

    def emit(self, name: str, *, before: Headers = (), after: Headers = (), variables: bool = True,
             calling: tuple[str, str, str] | None = None, profile: bool = True) -> None:
        if not self.core.anyone_wants(name):
            self.core.factory.skip()
            self.core.changed()
            return
        headers = self.core.factory.channel(name, self, before=list(before), after=list(after),
                                            variables=variables, calling=calling, profile=profile)
        self.core.fire(headers)

    # -- waiting -----------------------------------------------------------------------------------

    def poke(self) -> None:
        """Wake whatever this channel's applications are waiting on."""
        self._wake.set()

    def wait(self, seconds: float | None, until: Callable[[], bool]) -> bool:
        """Wait ``seconds`` of simulated time (None: forever) or until ``until()``; True if it held.

        Raises :class:`Hangup` when the channel hangs up meanwhile.
        """
        clock = self.core.clock
        deadline = None if seconds is None else clock.now() + seconds
        self.core.changed()   # the application has settled into its next wait
        while True:
            if not self.alive:
                raise Hangup(self.uuid)
            if until():
                return True
            remaining = None if deadline is None else deadline - clock.now()
            if remaining is not None and remaining <= 0:
                return False
            self._wake.clear()
            if until() or not self.alive:
                continue
            clock.wait(self._wake, remaining)

    def sleep(self, seconds: float) -> None:
        """Let time pass on this channel; raises :class:`Hangup` if it hangs up meanwhile."""
        self.wait(seconds, lambda: False)

    def request_stop(self, app: AppCall | None, status: str) -> None:
        """Stop ``app`` if it is still the one running; a playback reports ``status`` (first request wins)."""
        if app is None or self.current_app is not app or self.break_requested:
            return
        self.stop_status = "done" if self.bridging else status
        self.break_requested = True
        self.poke()

    def queue_dtmf(self, digit: str) -> None:
        """A digit arrives from the far end; it becomes a DTMF event when an application reads it."""
        self.dtmf.append(digit)
        self.poke()

    def take_dtmf(self) -> str | None:
        """Consume one waiting digit, firing its DTMF event."""
        if not self.dtmf:
            return None
        digit = self.dtmf.popleft()
        self.digits_dialed += digit
        self.emit("DTMF", variables=False,
                  after=[("DTMF-Digit", digit), ("DTMF-Duration", "2240"), ("DTMF-Source", "RTP")])
        return digit

    def __repr__(self) -> str:
        return f"<Channel {self.uuid} {self.name} {self.answer_state}>"


@dataclass
class Bridge:
    """Two legs bridged with uuid_bridge; events about the bridge are reported on leg ``a``."""

    a: Channel
    b: Channel
    via_app: bool = False

    def other(self, channel: Channel) -> Channel:
        return self.b if channel is self.a else self.a
