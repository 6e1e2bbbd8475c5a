"""A simulated FreeSWITCH 1.10 for tests and ``fsapp simulate``: the real inbound Event Socket on loopback.

It behaves as the recorded switch in ``freeswitch-transcripts`` does: the same frames, event header sets
and order, application results and api replies. Calls come from scripted callers and reach scripted
endpoints; nothing carries real audio, and time can run faster than real time.

Usage::

    from fsapp.sim import CallerScript, SimulatedSwitch

    sim = SimulatedSwitch(password="ClueCon", speed=1.0)
    host, port = sim.start()                      # 127.0.0.1 and a free port
    sim.add_endpoint("agent1", behaviour="answer", answer_after=1.0, hangup_after=None)
    uuid = sim.place_call(caller="+4790000001", destination="6000", entry="main",
                          script=CallerScript(keys=[(1.5, "*"), (3.0, "3")], hangup_after=20.0))
    ...                                           # drive the call over ESL: answer, playback, bridge...
    sim.drop_clients()                            # cut every client connection; calls stay up
    sim.stop()

Public API of :class:`SimulatedSwitch`:

- ``start() -> (host, port)``; ``stop()``; ``address`` / ``port`` once started.
- ``place_call(caller, destination="6000", entry="main", script=None, uuid=None) -> uuid``: an inbound
  call: CHANNEL_CREATE, the dialplan (``set outside_call``, ``export RFC2822_DATE``, ``set fsapp_entry=<entry>``,
  ``park``) and CHANNEL_PARK. ``entry=None`` leaves fsapp_entry unset.
- ``add_endpoint(name, behaviour="answer"|"busy"|"no_answer"|"fail", answer_after=1.0, hangup_after=None,
  keys=(), speech_wav=None)``: what ``originate``/``bridge`` to ``.../name@host`` or ``user/name`` reaches.
  Unknown names fail like an unreachable host (``-ERR NORMAL_TEMPORARY_FAILURE``; ``user/``:
  ``USER_NOT_REGISTERED``).
- ``add_extension(destination, entry)``: dialplan used by ``uuid_transfer``;
  ``add_conference_extension(destination, name)``: an extension that answers and joins a conference.
- ``channels``: live :class:`~fsapp.sim.channel.Channel` objects by UUID (``.variables``,
  ``.answer_state``, ``.eavesdrop_mode`` ``"0"``-``"3"`` or None, ``.recording_paths``, ``.gone`` flag).
- ``hangup(uuid, cause="NORMAL_CLEARING")``: the far end hangs up.
- ``send_dtmf(uuid, digits)``: the far end sends digits now.
- ``pick_up(uuid)``: a ringing endpoint's leg answers now (a test answers "the phone" when it chooses).
- ``wait_gone(uuid, timeout) -> bool``: wait until the channel is destroyed.
- ``drop_clients() -> int``: close every client connection abruptly (no disconnect notice).
- ``core.requests`` / ``core.originated``: the newest requests as received (``.line``, ``.headers``, ``.body``)
  and every originate or bridge dial string as parsed (``.variables``, ``.destinations``). API words, variable
  blocks and dial strings are read as FreeSWITCH 1.10 reads them (:mod:`fsapp.sim.fsparse`): quotes, escapes,
  ``{...}`` blocks, ``,``/``|`` endpoint lists (only the first endpoint is rung; the rest are logged).
- ``clock``: the :class:`~fsapp.sim.clock.SimClock`; ``speed=10`` runs ten times faster than real time.
  Another clock with the same methods (``now``, ``micros``, ``sleep``, ``wait``) can be passed as
  ``SimulatedSwitch(clock=...)``, e.g. ``fsapp.simulate.VirtualClock``, whose time moves only when every
  party is waiting.

DTMF from a party becomes a DTMF event only when an application consumes it (playback, play_and_get_digits,
eavesdrop), as on the real switch; a digit that stops a prompt (a ``playback_terminators`` key, ``*`` by default,
or any key during play_and_get_digits' prompt) comes before the PLAYBACK_STOP it causes. As on FreeSWITCH 1.10
(see ../shared/ARCHITECTURE.md, "Real-switch behaviour"): a channel acts on ``uuid_break``, ``uuid_bridge`` and
``uuid_transfer`` at its next audio frame, so a ``uuid_record`` sent right after them starts first, and a
playback stopped by a bridge reports ``done``; a leg running ``eavesdrop`` holds a ``sendmsg hangup`` until the
eavesdrop ends (``uuid_kill`` works at once); ``uuid_record`` to an existing file overwrites it unless
``RECORD_APPEND`` is true, and recordings are closed when the channel hangs up; answering a parked inbound call
sends no CHANNEL_PROGRESS_MEDIA and no PRIVATE_COMMAND; CHANNEL_STATE, CHANNEL_CALLSTATE, MEDIA_BUG_START/STOP
are sent where the switch sends them. A party's ``speech_wav`` is what it says each time its leg is recorded;
``record`` writes a real 8 kHz WAV file of it (silence without one). Playback of a file that does not exist
lasts ``default_file_seconds`` (1 s; None makes it fail with ``FILE NOT FOUND``).
"""

from __future__ import annotations

import logging
from pathlib import Path


from fsapp.sim import api, lifecycle
from fsapp.sim.channel import Channel
from fsapp.sim.clock import SimClock
from fsapp.sim.core import SwitchCore
from fsapp.sim.errors import CallThrottled, SimError, SimNotRunning, UnknownChannel
from fsapp.sim.fax import FaxMachine
from fsapp.sim.parties import CallerScript, Endpoint, attach
from fsapp.sim.server import SimServer

log = logging.getLogger(__name__)


class SimulatedSwitch:
    """A FreeSWITCH stand-in listening on loopback (see the module docstring)."""

    def __init__(self, password: str = "ClueCon", speed: float = 1.0, *, host: str = "127.0.0.1",
                 port: int = 0, default_file_seconds: float | None = 1.0, clock: SimClock | None = None) -> None:
        self.clock = clock or SimClock(speed)
        self.core = SwitchCore(self.clock, default_file_seconds=default_file_seconds)
        self.core.dialplan.update({"6000": "main", "6001": "supervisor"})
        self.core.api = lambda command: api.execute(self.core, command)
        self.password = password
        self._server = SimServer(self.core, password, host, port)
        self._running = False

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> tuple[str, int]:
        address = self._server.start()
        self._running = True
        return address

    def stop(self) -> None:
        """Close every connection, stop listening and end every call without events."""
        self._server.stop()
        self.core.greenlets.kill(block=True, timeout=2)
        self.core.channels.clear()
        self._running = False

    @property
    def address(self) -> tuple[str, int]:
        if not self._running:
            raise SimNotRunning("the simulated switch is not started")
        return self._server.address

    @property
    def port(self) -> int:
        return self.address[1]

    def drop_clients(self, listening: bool | None = None) -> int:
        """Cut client connections abruptly; calls are not affected. Returns how many were cut.

        ``listening``: only those subscribed to events (True), or only those that are not (False): a
        controller's command connections."""
        return self._server.drop_clients(listening)

    # -- parties -----------------------------------------------------------------------------------

    def place_call(self, caller: str, destination: str = "6000", entry: str | None = "main",
                   script: CallerScript | None = None, uuid: str | None = None) -> str:
        """Start an inbound call; returns its UUID (its CHANNEL_CREATE has been sent). CallThrottled when the
        switch's ``sessions-per-second`` (``fsctl sps N``) are used up this second."""
        if not self._running:
            raise SimNotRunning("start the simulated switch before placing calls")
        if not self.core.take_session():
            raise CallThrottled(f"call from {caller} refused: {self.core.sessions_per_second} sessions a second")
        channel = lifecycle.create_inbound(self.core, caller, destination, uuid)
        attach(channel, script or CallerScript())
        self.core.spawn(lifecycle.run_dialplan, channel, entry)
        return channel.uuid

    def arm_safety_net(self, after: int, park_timeout: int, apology: str, number: str = "") -> None:
        """The dialplan for fsapp numbers arms the last resort and the park timeout, as `fsapp conf render`
        writes it (see :mod:`fsapp.sim.safety`); ``number``: a dial string the last resort bridges to."""
        from fsapp.sim.safety import SafetyNet

        self.core.safety_net = SafetyNet(after, park_timeout, apology, number)

    def add_endpoint(self, name: str, behaviour: str = "answer", answer_after: float = 1.0,
                     hangup_after: float | None = None, keys: list[tuple[float, str]] | tuple = (),
                     speech_wav: str | Path | None = None, fax: FaxMachine | None = None) -> Endpoint:
        endpoint = Endpoint(name, behaviour, answer_after, hangup_after, list(keys), speech_wav, fax)
        self.core.endpoints[name] = endpoint
        return endpoint

    def fall_behind(self, seconds: float) -> None:
        """A switch too busy to keep up, from now on: every event reaches the clients ``seconds`` late, and every
        background job (an originate) starts ``seconds`` after it was asked for, while command replies come at
        once (0 ends it; the events held back are still sent when due)."""
        self.core.lag = max(0.0, seconds)

    def slow_commands(self, seconds: float) -> None:
        """A switch whose Event Socket threads get little of the CPU, from now on: each connection takes up its
        commands one after another, each ``seconds`` after the one before was answered (0 ends it)."""
        self.core.command_lag = max(0.0, seconds)

    def add_extension(self, destination: str, entry: str) -> None:
        self.core.dialplan[destination] = entry

    def add_conference_extension(self, destination: str, name: str) -> None:
        self.core.conferences_by_extension[destination] = name

    # -- channels ----------------------------------------------------------------------------------

    @property
    def channels(self) -> dict[str, Channel]:
        return dict(self.core.channels)

    def channel(self, uuid: str) -> Channel:
        channel = self.core.channels.get(uuid)
        if channel is None:
            raise UnknownChannel(f"no live channel {uuid}")
        return channel

    def hangup(self, uuid: str, cause: str = "NORMAL_CLEARING") -> None:
        lifecycle.hangup(self.channel(uuid), cause)

    def pick_up(self, uuid: str) -> None:
        """The user of a ringing endpoint answers now (before its ``answer_after``)."""
        channel = self.channel(uuid)
        channel.picked_up = True
        channel.poke()

    def send_dtmf(self, uuid: str, digits: str) -> None:
        channel = self.channel(uuid)
        for digit in digits:
            channel.queue_dtmf(digit)

    def wait_gone(self, uuid: str, timeout: float | None = None) -> bool:
        channel = self.core.channels.get(uuid)
        return True if channel is None else channel.gone.wait(timeout)

    def __enter__(self) -> SimulatedSwitch:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


__all__ = ["CallThrottled", "CallerScript", "Channel", "Endpoint", "FaxMachine", "SimClock", "SimError",
           "SimNotRunning", "SimulatedSwitch", "UnknownChannel"]
