"""One inbound Event Socket connection over gevent.

One reader greenlet turns bytes into frames. Replies are matched to commands in the order the commands
were sent; ``bgapi`` results are matched by Job-UUID; a ``sendmsg`` execute carrying an Event-UUID is
completed by the CHANNEL_EXECUTE_COMPLETE whose Application-UUID matches. Every event then goes into a
bounded queue for one consumer: when the consumer falls behind, the reader stops reading and the switch
buffers, so memory stays bounded.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping

import gevent
import gevent.queue
from gevent import socket
from gevent.event import AsyncResult, Event as Flag
from gevent.lock import Semaphore

from fsapp.esl import commands
from fsapp.esl.errors import (AccessDenied, AuthenticationFailed, ChannelGone, CommandFailed, ConnectFailed,
                              ConnectionLost, ESLTimeout, ProtocolError)
from fsapp.esl.events import Event
from fsapp.esl.parser import (API_RESPONSE, AUTH_REQUEST, COMMAND_REPLY, DISCONNECT_NOTICE, RUDE_REJECTION,
                              Frame, FrameParser)

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
    """An authenticated inbound connection to one switch's Event Socket."""

    def __init__(self, host: str, port: int, password: str, *, connect_timeout: float = 5.0,
                 command_timeout: float = 10.0, queue_size: int = 1000, read_size: int = 65536) -> None:
        self.host = host
        self.port = port
        self.address = f"{host}:{port}"
        self._password = password
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self._read_size = read_size
        self._sock: socket.socket | None = None
        self._parser = FrameParser()
        self._write_lock = Semaphore()
        self._replies: deque[AsyncResult] = deque()
        self._jobs: dict[str, AsyncResult] = {}
        self._unclaimed_jobs: dict[str, str] = {}
        self._executions: dict[str, Execution] = {}
        self._executions_by_channel: dict[str, set[str]] = {}
        self.events: gevent.queue.Queue = gevent.queue.Queue(maxsize=queue_size)
        self.disconnect_notice: Frame | None = None
        self._closed = Flag()
        self._reader: gevent.Greenlet | None = None
        self._lost_reason = "connection closed"
        self._early: list[Frame] = []

    # -- lifecycle -------------------------------------------------------------------------------------

    def connect(self) -> ESLConnection:
        """Open the socket, authenticate, and start reading. Raises a TransportError naming the switch."""
        try:
            self._sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to switch {self.address}: {exc.strerror or exc}") from exc
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._authenticate()
        except BaseException:
            self._close_socket()
            raise
        self._reader = gevent.spawn(self._read_loop)
        return self

    def _authenticate(self) -> None:
        greeting = self._read_frame_blocking()
        if greeting.content_type == RUDE_REJECTION:
            raise AccessDenied(f"switch {self.address} refused the connection: {greeting.text.strip()}")
        if greeting.content_type != AUTH_REQUEST:
            raise ProtocolError(f"switch {self.address} did not ask for auth (got {greeting.content_type!r})")
        self._sock.sendall(commands.auth(self._password))
        reply = self._read_frame_blocking()
        if not reply.reply_text.startswith("+OK"):
            raise AuthenticationFailed(f"switch {self.address} rejected the password ({reply.reply_text.strip()})")

    def _read_frame_blocking(self) -> Frame:
        """Read during login; frames that arrive together with the one wanted are kept for the reader."""
        with gevent.Timeout(self.connect_timeout, False):
            while not self._early:
                data = self._sock.recv(4096)
                if not data:
                    raise ConnectFailed(f"switch {self.address} closed the connection during login")
                self._early.extend(self._parser.feed(data))
        if not self._early:
            raise ConnectFailed(f"switch {self.address} did not answer within {self.connect_timeout} s")
        return self._early.pop(0)

    def close(self) -> None:
        """Close the socket; anything still waiting fails with ConnectionLost."""
        self._lost_reason = "connection closed by fsapp"
        self._close_socket()
        if self._reader is not None and gevent.getcurrent() is not self._reader:
            self._reader.join(timeout=self.connect_timeout)

    def _close_socket(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass

    @property
    def connected(self) -> bool:
        return self._reader is not None and not self._closed.is_set()

    @property
    def lost_reason(self) -> str:
        """Why the connection ended (meaningful once it has)."""
        return self._lost_reason

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Wait until the connection is gone; True if it is."""
        return self._closed.wait(timeout)

    # -- reader ----------------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        try:
            for frame in self._early:
                self._route(frame)
            self._early.clear()
            while True:
                data = self._sock.recv(self._read_size)
                if not data:
                    self._lost_reason = f"switch {self.address} closed the connection"
                    break
                for frame in self._parser.feed(data):
                    self._route(frame)
        except OSError as exc:
            if "by fsapp" not in self._lost_reason:
                self._lost_reason = f"connection to switch {self.address} failed: {exc}"
        except ProtocolError as exc:
            self._lost_reason = f"switch {self.address} sent a malformed frame: {exc}"
            log.error("%s", self._lost_reason)
        finally:
            self._shutdown()

    def _route(self, frame: Frame) -> None:
        content_type = frame.content_type
        if content_type == COMMAND_REPLY or content_type == API_RESPONSE:
            if self._replies:
                self._replies.popleft().set(frame)
            else:
                log.warning("switch %s sent a reply nobody asked for: %r", self.address, frame.reply_text[:80])
        elif frame.is_event:
            self._on_event(frame.event())
        elif content_type == DISCONNECT_NOTICE:
            self.disconnect_notice = frame
            log.info("switch %s: disconnect notice: %s", self.address, frame.text.strip().replace("\n", " "))
        elif content_type == RUDE_REJECTION:
            self._lost_reason = f"switch {self.address} refused the connection: {frame.text.strip()}"
        else:
            log.debug("switch %s: ignoring frame %s", self.address, content_type)

    def _on_event(self, event: Event) -> None:
        # Headers are read lazily: only the few that routing needs are decoded here.
        name = event.get("Event-Name")
        if name == "BACKGROUND_JOB":
            job_uuid = event.get("Job-UUID", "")
            job = self._jobs.pop(job_uuid, None)
            if job is not None:
                job.set(event.body)
            else:
                self._keep_unclaimed(job_uuid, event.body)
        elif name == "CHANNEL_EXECUTE_COMPLETE":
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

    def _shutdown(self) -> None:
        self._close_socket()
        lost = ConnectionLost(self._lost_reason)
        while self._replies:
            self._replies.popleft().set_exception(lost)
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
        """Send one command and wait for its reply frame."""
        waiter = self._send_expecting_reply(data)
        return self._wait_reply(waiter, data, timeout)

    def _send_expecting_reply(self, data: bytes) -> AsyncResult:
        if self._closed.is_set() or self._sock is None:
            raise ConnectionLost(f"not connected to switch {self.address}: {self._lost_reason}")
        waiter = AsyncResult()
        with self._write_lock:
            self._replies.append(waiter)
            try:
                self._sock.sendall(data)
            except OSError as exc:
                raise ConnectionLost(f"cannot write to switch {self.address}: {exc}") from exc
        return waiter

    def _wait_reply(self, waiter: AsyncResult, data: bytes, timeout: float | None) -> Frame:
        limit = self.command_timeout if timeout is None else timeout
        try:
            return waiter.get(timeout=limit)
        except gevent.Timeout as exc:
            first_line = data.split(b"\n", 1)[0].decode(errors="replace")
            raise ESLTimeout(f"switch {self.address} did not answer {first_line!r} within {limit} s") from exc

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
        sent = [(line, self._send_expecting_reply(commands.api(line))) for line in lines]
        return [self._wait_reply(waiter, commands.api(line), timeout).text for line, waiter in sent]

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

    def sendmsg(self, channel_uuid: str, headers: Mapping[str, str], body: str | None = None,
                timeout: float | None = None) -> str:
        """A raw ``sendmsg``; returns the Reply-Text, raising on ``-ERR``."""
        text = self.send(commands.sendmsg(channel_uuid, headers, body), timeout).reply_text
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

    def subscribe(self, names: Iterable[str], fmt: str = "plain") -> str:
        """Subscribe to events by name (``CUSTOM`` subclasses are put last, as the switch requires)."""
        return self._checked(commands.event(list(names), fmt), "event")

    def filter(self, header: str, value: str) -> str:
        return self._checked(commands.filter_add(header, value), "filter")

    def filter_delete(self, header: str, value: str | None = None) -> str:
        return self._checked(commands.filter_delete(header, value), "filter delete")

    def linger(self, seconds: int | None = None) -> str:
        return self._checked(commands.linger(seconds), "linger")

    def noevents(self) -> str:
        return self._checked(commands.simple("noevents"), "noevents")

    def sendevent(self, name: str, headers: Mapping[str, str], body: str | None = None) -> str:
        """Fire an event into the switch; returns the new event's UUID."""
        text = self._checked(commands.sendevent(name, headers, body), f"sendevent {name}")
        return text[3:].strip()

    def exit(self, timeout: float | None = None) -> None:
        """Say goodbye; the switch answers, sends a disconnect notice and closes."""
        self._lost_reason = "connection closed by fsapp"
        try:
            self.send(commands.simple("exit"), timeout)
        except ConnectionLost:
            pass
        self._closed.wait(self.command_timeout if timeout is None else timeout)
        self._close_socket()

    def _checked(self, data: bytes, what: str) -> str:
        text = self.send(data).reply_text
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
