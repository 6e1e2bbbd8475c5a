"""One inbound Event Socket connection over gevent: one socket, or one for events and a few for commands.

Each socket (:class:`~fsapp.esl.wire.Wire`) has one reader greenlet and matches replies to its commands in the
order they were sent; ``bgapi`` results are matched by Job-UUID; a ``sendmsg`` execute carrying an Event-UUID is
completed by the CHANNEL_EXECUTE_COMPLETE whose Application-UUID matches. Every event then goes into a bounded
queue for one consumer: when the consumer falls behind, the reader stops reading and the switch buffers, so
memory stays bounded.

FreeSWITCH writes a socket's replies into the same stream as its events, behind every event queued before
them, and serves a socket's commands from the thread that writes those events. Under load a reply on the
event socket waits behind thousands of events. With ``command_connections`` > 0 commands go over sockets of
their own that subscribe to nothing, so their replies come back at once whatever the event load; the events a
command causes (BACKGROUND_JOB, CHANNEL_EXECUTE_COMPLETE) are fired to every subscribed socket and arrive on
the event socket, where jobs and executions are registered before their command is written. The sockets are
one link: when any of them ends, all of them are closed and everything waiting fails with ConnectionLost.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable, Iterator, Mapping

import gevent
import gevent.queue
from gevent.event import AsyncResult, Event as Flag

from fsapp.esl import commands
from fsapp.esl.errors import ChannelGone, CommandFailed, ConnectionLost, ESLTimeout
from fsapp.esl.events import Event
from fsapp.esl.parser import DISCONNECT_NOTICE, Frame
from fsapp.esl.wire import Wire

log = logging.getLogger(__name__)

CLOSED = object()
"""Put in the event queue after the last event of a connection."""

_GONE_EVENTS = frozenset(("CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"))


class Execution:
    """An application sent with ``sendmsg``; :meth:`wait` returns its CHANNEL_EXECUTE_COMPLETE."""

    __slots__ = ("channel_uuid", "app", "event_uuid", "playback_status", "_result", "_address")

    def __init__(self, channel_uuid: str, app: str, event_uuid: str, address: str) -> None:
        self.channel_uuid = channel_uuid
        self.playback_status: str | None = None
        """``done`` or ``break`` from the last PLAYBACK_STOP on the channel while this was pending."""
        self.app = app
        self.event_uuid = event_uuid
        self._result: AsyncResult = AsyncResult()
        self._address = address

    def wait(self, timeout: float | None) -> Event:
        try:
            return self._result.get(timeout=timeout)
        except gevent.Timeout as exc:
            raise ESLTimeout(f"{self.app} on {self.channel_uuid} did not complete within {timeout} s "
                             f"({self._address})") from exc

    @property
    def done(self) -> bool:
        return self._result.ready()


class ESLConnection:
    """An authenticated inbound connection to one switch's Event Socket.

    ``command_connections``: sockets opened besides the event socket for ``api``, ``bgapi``, ``sendmsg`` and
    ``sendevent`` (0: everything on one socket). Subscriptions (``event``, ``filter``, ``linger``...) always go
    to the event socket.
    """

    def __init__(self, host: str, port: int, password: str, *, connect_timeout: float = 5.0,
                 command_timeout: float = 10.0, queue_size: int = 1000, read_size: int = 65536,
                 command_connections: int = 0) -> None:
        if command_connections < 0:
            raise ValueError("command_connections cannot be negative")
        self.host = host
        self.port = port
        self.address = f"{host}:{port}"
        self._password = password
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self._read_size = read_size
        self._command_count = command_connections
        self._event_wire = self._wire("events")
        self._command_wires: list[Wire] = []
        self._jobs: dict[str, AsyncResult] = {}
        self._unclaimed_jobs: dict[str, str] = {}
        self._executions: dict[str, Execution] = {}
        self._executions_by_channel: dict[str, set[str]] = {}
        self.events: gevent.queue.Queue = gevent.queue.Queue(maxsize=queue_size)
        self.disconnect_notice: Frame | None = None
        self._started = False
        self._closed = Flag()
        self._lost_reason = "connection closed"
        self.round_trip: Callable[[float], None] | None = None   # told each command's round trip, in seconds

    def _wire(self, role: str) -> Wire:
        return Wire(self.host, self.port, self._password, on_frame=self._route, on_closed=self._wire_closed,
                    connect_timeout=self.connect_timeout, read_size=self._read_size, role=role)

    # -- lifecycle -------------------------------------------------------------------------------------

    def connect(self) -> ESLConnection:
        """Open the sockets, authenticate, and start reading. Raises a TransportError naming the switch."""
        wires = [self._event_wire] + [self._wire(f"commands {n + 1}") for n in range(self._command_count)]
        opened: list[Wire] = []
        try:
            for wire in wires:
                wire.connect()
                opened.append(wire)
        except BaseException:
            for wire in opened:
                wire.close_socket()
            raise
        self._command_wires = wires[1:]
        self._started = True
        for wire in wires:
            wire.start()
        return self

    @property
    def _wires(self) -> list[Wire]:
        return [self._event_wire, *self._command_wires]

    def close(self) -> None:
        """Close the sockets; anything still waiting fails with ConnectionLost."""
        self._lost_reason = "connection closed by fsapp"
        for wire in self._wires:
            wire.lost_reason = self._lost_reason
            wire.close_socket()
        for wire in self._wires:
            wire.join(self.connect_timeout)

    @property
    def connected(self) -> bool:
        return self._started and not self._closed.is_set()

    @property
    def lost_reason(self) -> str:
        """Why the connection ended (meaningful once it has)."""
        return self._lost_reason

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Wait until the connection is gone; True if it is."""
        return self._closed.wait(timeout)

    # -- frames other than replies, from every wire ----------------------------------------------------

    def _route(self, frame: Frame) -> None:
        if frame.is_event:
            self._on_event(frame.event())
        elif frame.content_type == DISCONNECT_NOTICE:
            self.disconnect_notice = frame
            log.info("switch %s: disconnect notice: %s", self.address, frame.text.strip().replace("\n", " "))
        else:
            log.debug("switch %s: ignoring frame %s", self.address, frame.content_type)

    def _on_event(self, event: Event) -> None:
        if self._closed.is_set():
            return   # read by a socket of a link already down (another socket ended first): nobody reads them
        # Headers are read lazily: only the few that routing needs are decoded here.
        name = event.get("Event-Name")
        if name == "BACKGROUND_JOB":
            job_uuid = event.get("Job-UUID", "")
            job = self._jobs.pop(job_uuid, None)
            if job is not None:
                job.set(event.body)
            else:
                self._keep_unclaimed(job_uuid, event.body)
        elif name == commands.EXECUTE_COMPLETE:
            execution = self._executions.pop(event.get("Application-UUID", ""), None)
            if execution is not None:
                self._forget_execution(execution)
                execution._result.set(event)
        elif name == "PLAYBACK_STOP":
            self._note_playback_stop(event.get("Unique-ID", ""), event.get("Playback-Status", ""))
        elif name in _GONE_EVENTS:
            self._fail_channel_executions(event.get("Unique-ID", ""))
        self.events.put(event)

    def _note_playback_stop(self, channel_uuid: str, status: str) -> None:
        # Application-Response says FILE PLAYED even when a playback was broken; only this tells.
        for event_uuid in self._executions_by_channel.get(channel_uuid, ()):
            execution = self._executions.get(event_uuid)
            if execution is not None:
                execution.playback_status = status

    def _keep_unclaimed(self, job_uuid: str, body: str) -> None:
        # A switch that ignores the client's Job-UUID names the job in its reply, and the result can be
        # read in the same chunk as that reply, before the waiting command has learned the name.
        self._unclaimed_jobs[job_uuid] = body
        while len(self._unclaimed_jobs) > 100:
            self._unclaimed_jobs.pop(next(iter(self._unclaimed_jobs)))

    def _forget_execution(self, execution: Execution) -> None:
        pending = self._executions_by_channel.get(execution.channel_uuid)
        if pending is not None:
            pending.discard(execution.event_uuid)
            if not pending:
                del self._executions_by_channel[execution.channel_uuid]

    def _fail_channel_executions(self, channel_uuid: str) -> None:
        for event_uuid in self._executions_by_channel.pop(channel_uuid, ()):
            execution = self._executions.pop(event_uuid, None)
            if execution is not None:
                execution._result.set_exception(
                    ChannelGone(f"channel {channel_uuid} hung up before {execution.app} completed"))

    def _wire_closed(self, reason: str) -> None:
        """One socket ended: the link is down. The first to end names the reason and closes the others."""
        if self._closed.is_set():
            return
        if "by fsapp" not in self._lost_reason:
            self._lost_reason = reason
        for wire in self._wires:
            if not wire.closed:
                wire.lost_reason = self._lost_reason
                wire.close_socket()
        lost = ConnectionLost(self._lost_reason)
        for job in self._jobs.values():
            job.set_exception(lost)
        self._jobs.clear()
        for execution in self._executions.values():
            execution._result.set_exception(lost)
        self._executions.clear()
        self._executions_by_channel.clear()
        self._closed.set()
        log.info("%s", self._lost_reason)
        self.events.put(CLOSED)

    # -- sending ---------------------------------------------------------------------------------------

    def send(self, data: bytes, timeout: float | None = None) -> Frame:
        """Send one command (on a command socket when there are any) and wait for its reply frame."""
        return self._request(self._command_wire(), data, timeout)

    def _command_wire(self) -> Wire:
        """The command socket with the fewest replies outstanding; the event socket when there is none."""
        wires = self._command_wires
        if not wires:
            return self._event_wire
        if len(wires) == 1:
            return wires[0]
        return min(wires, key=lambda wire: wire.pending)

    def _send_on(self, wire: Wire, data: bytes) -> AsyncResult:
        if not self._started or self._closed.is_set():
            raise ConnectionLost(f"not connected to switch {self.address}: {self._lost_reason}")
        return wire.send(data)

    def _request(self, wire: Wire, data: bytes, timeout: float | None) -> Frame:
        """Send ``data`` on ``wire`` and wait for its reply."""
        sent = time.monotonic()
        return self._wait_reply(self._send_on(wire, data), data, timeout, sent)

    def _wait_reply(self, waiter: AsyncResult, data: bytes, timeout: float | None, sent: float) -> Frame:
        """The reply frame of the command sent at ``sent`` (monotonic), told to :attr:`round_trip` however the
        wait ends."""
        limit = self.command_timeout if timeout is None else timeout
        try:
            return waiter.get(timeout=limit)
        except gevent.Timeout as exc:
            first_line = data.split(b"\n", 1)[0].decode(errors="replace")
            raise ESLTimeout(f"switch {self.address} did not answer {first_line!r} within {limit} s") from exc
        finally:
            if self.round_trip is not None:
                self.round_trip(time.monotonic() - sent)

    def api(self, command: str, timeout: float | None = None) -> str:
        """``api <command>``; returns the body as the switch wrote it (``-ERR ...`` included)."""
        return self.send(commands.api(command), timeout).text

    def api_ok(self, command: str, timeout: float | None = None) -> str:
        """Like :meth:`api`, but an ``-ERR`` answer raises CommandFailed."""
        body = self.api(command, timeout)
        if refused(body):
            raise CommandFailed(f"switch {self.address}: api {command.split(' ', 1)[0]}: {body.strip()}", body)
        return body

    def api_each(self, lines: list[str], timeout: float | None = None) -> list[str]:
        """Several ``api`` commands sent together, their bodies read in order: one round trip, not one each.

        The switch runs them one after another, as if each had waited for the one before; an ``-ERR`` of one
        does not stop the next (look at the bodies, as after :meth:`api`)."""
        wire = self._command_wire()   # one socket: the switch runs them in the order sent
        started = time.monotonic()
        sent = [(line, self._send_on(wire, commands.api(line))) for line in lines]
        return [self._wait_reply(waiter, commands.api(line), timeout, started).text for line, waiter in sent]

    def bgapi_start(self, command: str, job_uuid: str | None = None,
                    timeout: float | None = None) -> tuple[str, AsyncResult]:
        """Start a background job; returns its Job-UUID and a future of the job's result body."""
        job_uuid = job_uuid or str(uuidlib.uuid4())
        result = AsyncResult()
        self._jobs[job_uuid] = result
        try:
            reply = self.send(commands.bgapi(command, job_uuid), timeout)
        except BaseException:
            self._jobs.pop(job_uuid, None)
            raise
        text = reply.reply_text
        if not text.startswith("+OK"):
            self._jobs.pop(job_uuid, None)
            raise CommandFailed(f"switch {self.address}: bgapi refused: {text}", text)
        echoed = reply.headers.get("Job-UUID", job_uuid)
        if echoed != job_uuid:  # the switch chose its own id: move the waiter
            self._jobs.pop(job_uuid, None)
            if echoed in self._unclaimed_jobs:
                result.set(self._unclaimed_jobs.pop(echoed))
            else:
                self._jobs[echoed] = result
        return echoed, result

    def bgapi(self, command: str, timeout: float | None = None, job_uuid: str | None = None) -> str:
        """Run a background job and wait for its result body (``+OK <uuid>``, ``-ERR USER_BUSY``...)."""
        job_uuid, result = self.bgapi_start(command, job_uuid)
        limit = self.command_timeout if timeout is None else timeout
        try:
            return result.get(timeout=limit)
        except gevent.Timeout as exc:
            self._jobs.pop(job_uuid, None)
            raise ESLTimeout(f"switch {self.address}: job {job_uuid} ({command.split(' ', 1)[0]}) "
                             f"gave no result within {limit} s") from exc

    def execute_start(self, channel_uuid: str, app: str, arg: str | None = None, *, event_lock: bool = True,
                      timeout: float | None = None) -> Execution:
        """Send an application to a channel; the returned Execution completes with its EXECUTE_COMPLETE."""
        event_uuid = str(uuidlib.uuid4())
        execution = Execution(channel_uuid, app, event_uuid, self.address)
        self._executions[event_uuid] = execution
        self._executions_by_channel.setdefault(channel_uuid, set()).add(event_uuid)
        try:
            reply = self.send(commands.execute(channel_uuid, app, arg, event_uuid=event_uuid,
                                               event_lock=event_lock), timeout)
        except BaseException:
            self._executions.pop(event_uuid, None)
            self._forget_execution(execution)
            raise
        text = reply.reply_text
        if not text.startswith("+OK"):
            self._executions.pop(event_uuid, None)
            self._forget_execution(execution)
            if "invalid session id" in text:
                raise ChannelGone(f"channel {channel_uuid} does not exist on switch {self.address}")
            raise CommandFailed(f"switch {self.address}: execute {app} on {channel_uuid}: {text}", text)
        return execution

    def execute(self, channel_uuid: str, app: str, arg: str | None = None, *, timeout: float | None = None,
                event_lock: bool = True) -> Event:
        """Run an application on a channel and wait until the switch reports it complete."""
        execution = self.execute_start(channel_uuid, app, arg, event_lock=event_lock)
        return execution.wait(timeout)

    def execute_detached(self, channel_uuid: str, app: str, arg: str | None = None,
                         timeout: float | None = None) -> str:
        """Queue an application on a channel and follow it no further (no Event-UUID, nothing kept to wait on, and
        no name: a subscription without foreign executions does not get its completion); returns the Reply-Text,
        raising on ``-ERR``."""
        return self._sendmsg_checked(commands.execute(channel_uuid, app, arg, tag=None), channel_uuid, timeout)

    def sendmsg(self, channel_uuid: str, headers: Mapping[str, str], body: str | None = None,
                timeout: float | None = None) -> str:
        """A raw ``sendmsg``; returns the Reply-Text, raising on ``-ERR``."""
        return self._sendmsg_checked(commands.sendmsg(channel_uuid, headers, body), channel_uuid, timeout)

    def _sendmsg_checked(self, wire: bytes, channel_uuid: str, timeout: float | None) -> str:
        text = self.send(wire, timeout).reply_text
        if not text.startswith("+OK"):
            if "invalid session id" in text:
                raise ChannelGone(f"channel {channel_uuid} does not exist on switch {self.address}")
            raise CommandFailed(f"switch {self.address}: sendmsg {channel_uuid}: {text}", text)
        return text

    def hangup(self, channel_uuid: str, cause: str = "NORMAL_CLEARING", timeout: float | None = None) -> str:
        return self.sendmsg(channel_uuid, {"call-command": "hangup", "hangup-cause": cause}, timeout=timeout)

    def unicast(self, channel_uuid: str, local_ip: str, local_port: int, remote_ip: str, remote_port: int,
                transport: str = "udp", flags: str | None = None) -> str:
        return self._checked(commands.unicast(channel_uuid, local_ip, local_port, remote_ip, remote_port,
                                              transport, flags), f"unicast {channel_uuid}")

    def nomedia(self, channel_uuid: str, info: str = "") -> str:
        return self._checked(commands.nomedia(channel_uuid, info), f"nomedia {channel_uuid}")

    def subscribe(self, names: Iterable[str], fmt: str = "plain", *, foreign_executions: bool = True) -> str:
        """Subscribe to events by name (``CUSTOM`` subclasses are put last, as the switch requires).

        ``foreign_executions=False``: of the CHANNEL_EXECUTE_COMPLETE events, only those of applications this
        module follows (:meth:`execute`, :meth:`execute_start`; :func:`~fsapp.esl.commands.own_executions_filters`);
        the switch leaves the rest out, the dial plan's and those of :meth:`execute_detached` among them.
        """
        words = list(names)
        reply = self._checked(commands.event(words, fmt), "event", self._event_wire)
        for header, value in (None if foreign_executions else commands.own_executions_filters(words)) or ():
            self.filter(header, value)
        return reply

    def filter(self, header: str, value: str) -> str:
        return self._checked(commands.filter_add(header, value), "filter", self._event_wire)

    def filter_delete(self, header: str, value: str | None = None) -> str:
        return self._checked(commands.filter_delete(header, value), "filter delete", self._event_wire)

    def linger(self, seconds: int | None = None) -> str:
        return self._checked(commands.linger(seconds), "linger", self._event_wire)

    def noevents(self) -> str:
        return self._checked(commands.simple("noevents"), "noevents", self._event_wire)

    def sendevent(self, name: str, headers: Mapping[str, str], body: str | None = None) -> str:
        """Fire an event into the switch; returns the new event's UUID."""
        text = self._checked(commands.sendevent(name, headers, body), f"sendevent {name}")
        return text[3:].strip()

    def exit(self, timeout: float | None = None) -> None:
        """Say goodbye on the event socket; the switch answers, sends a disconnect notice and closes, and the
        command sockets are closed with it."""
        self._lost_reason = "connection closed by fsapp"
        limit = self.command_timeout if timeout is None else timeout
        try:
            self._request(self._event_wire, commands.simple("exit"), limit)
        except ConnectionLost:
            pass
        self._closed.wait(limit)
        for wire in self._wires:
            wire.close_socket()

    def _checked(self, data: bytes, what: str, wire: Wire | None = None) -> str:
        """Send on ``wire`` (default: a command socket); the Reply-Text, raising CommandFailed unless +OK."""
        text = self._request(wire or self._command_wire(), data, None).reply_text
        if not text.startswith("+OK"):
            raise CommandFailed(f"switch {self.address}: {what}: {text}", text)
        return text

    # -- receiving -------------------------------------------------------------------------------------

    def next_event(self, timeout: float | None = None) -> Event | None:
        """The next event, or None once the connection is closed. Raises ESLTimeout."""
        try:
            item = self.events.get(timeout=timeout)
        except gevent.queue.Empty as exc:
            raise ESLTimeout(f"no event from switch {self.address} within {timeout} s") from exc
        if item is CLOSED:
            self.events.put(CLOSED)  # later callers see the end too
            return None
        return item

    def iter_events(self) -> Iterator[Event]:
        """Every event until the connection closes."""
        while True:
            event = self.next_event()
            if event is None:
                return
            yield event


def refused(body: str) -> bool:
    """Whether an ``api`` reply body says the command failed (``-ERR ...``, ``-USAGE ...``)."""
    return body.startswith("-ERR") or body.startswith("-USAGE")
