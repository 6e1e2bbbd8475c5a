"""One authenticated Event Socket: a socket, a reader greenlet, and replies matched to commands in send order.

FreeSWITCH answers each socket's commands in the order they were sent, and writes a socket's events into the
same byte stream as its replies. A :class:`Wire` knows nothing of what the frames mean beyond that: a
``command/reply`` or ``api/response`` completes the oldest command still waiting; every other frame (events,
disconnect notices) goes to ``on_frame``. When the socket ends, every waiting command fails with
ConnectionLost and ``on_closed(reason)`` is called once, from the reader.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

import gevent
from gevent import socket
from gevent.event import AsyncResult, Event as Flag
from gevent.lock import Semaphore

from fsapp.esl import commands
from fsapp.esl.errors import AccessDenied, AuthenticationFailed, ConnectFailed, ConnectionLost, ProtocolError
from fsapp.esl.parser import API_RESPONSE, AUTH_REQUEST, COMMAND_REPLY, RUDE_REJECTION, Frame, FrameParser

log = logging.getLogger(__name__)

FrameHandler = Callable[[Frame], None]
ClosedHandler = Callable[[str], None]


class Wire:
    """One inbound socket to a switch, authenticated; frames other than replies go to ``on_frame``."""

    def __init__(self, host: str, port: int, password: str, *, on_frame: FrameHandler, on_closed: ClosedHandler,
                 connect_timeout: float = 5.0, read_size: int = 65536, role: str = "") -> None:
        self.address = f"{host}:{port}"
        self.role = role
        """What the wire is for, in log lines (``events``, ``commands 1``)."""
        self._host, self._port, self._password = host, port, password
        self._on_frame = on_frame
        self._on_closed = on_closed
        self.connect_timeout = connect_timeout
        self._read_size = read_size
        self._sock: socket.socket | None = None
        self._parser = FrameParser()
        self._write_lock = Semaphore()
        self._replies: deque[AsyncResult] = deque()
        self._early: list[Frame] = []
        self._reader: gevent.Greenlet | None = None
        self._closed = Flag()
        self.lost_reason = "connection closed"

    # -- lifecycle -------------------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the socket and log in (the reader starts with :meth:`start`). Raises a TransportError."""
        try:
            self._sock = socket.create_connection((self._host, self._port), timeout=self.connect_timeout)
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to switch {self.address}: {exc.strerror or exc}") from exc
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._authenticate()
        except BaseException:
            self.close_socket()
            raise

    def start(self) -> None:
        self._reader = gevent.spawn(self._read_loop)

    def _authenticate(self) -> None:
        greeting = self._read_frame_blocking()
        if greeting.content_type == RUDE_REJECTION:
            raise AccessDenied(f"switch {self.address} refused the connection: {greeting.text.strip()}")
        if greeting.content_type != AUTH_REQUEST:
            raise ProtocolError(f"switch {self.address} did not ask for auth (got {greeting.content_type!r})")
        assert self._sock is not None
        self._sock.sendall(commands.auth(self._password))
        reply = self._read_frame_blocking()
        if not reply.reply_text.startswith("+OK"):
            raise AuthenticationFailed(f"switch {self.address} rejected the password ({reply.reply_text.strip()})")

    def _read_frame_blocking(self) -> Frame:
        """Read during login; frames that arrive together with the one wanted are kept for the reader."""
        assert self._sock is not None
        with gevent.Timeout(self.connect_timeout, False):
            while not self._early:
                data = self._sock.recv(4096)
                if not data:
                    raise ConnectFailed(f"switch {self.address} closed the connection during login")
                self._early.extend(self._parser.feed(data))
        if not self._early:
            raise ConnectFailed(f"switch {self.address} did not answer within {self.connect_timeout} s")
        return self._early.pop(0)

    def close_socket(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass

    def join(self, timeout: float | None) -> None:
        if self._reader is not None and gevent.getcurrent() is not self._reader:
            self._reader.join(timeout=timeout)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def pending(self) -> int:
        """Commands sent on this wire whose replies have not come yet."""
        return len(self._replies)

    # -- reader ----------------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        assert self._sock is not None
        try:
            for frame in self._early:
                self._route(frame)
            self._early.clear()
            while True:
                data = self._sock.recv(self._read_size)
                if not data:
                    self.lost_reason = f"switch {self.address} closed the connection"
                    break
                for frame in self._parser.feed(data):
                    self._route(frame)
        except OSError as exc:
            if "by fsapp" not in self.lost_reason:
                self.lost_reason = f"connection to switch {self.address} failed: {exc}"
        except ProtocolError as exc:
            self.lost_reason = f"switch {self.address} sent a malformed frame: {exc}"
            log.error("%s", self.lost_reason)
        finally:
            self._shutdown()

    def _route(self, frame: Frame) -> None:
        content_type = frame.content_type
        if content_type == COMMAND_REPLY or content_type == API_RESPONSE:
            if self._replies:
                self._replies.popleft().set(frame)
            else:
                log.warning("switch %s sent a reply nobody asked for: %r", self.address, frame.reply_text[:80])
        elif content_type == RUDE_REJECTION:
            self.lost_reason = f"switch {self.address} refused the connection: {frame.text.strip()}"
        else:
            self._on_frame(frame)

    def _shutdown(self) -> None:
        self.close_socket()
        lost = ConnectionLost(self.lost_reason)
        while self._replies:
            self._replies.popleft().set_exception(lost)
        self._closed.set()
        log.debug("switch %s: %s socket ended: %s", self.address, self.role or "the", self.lost_reason)
        self._on_closed(self.lost_reason)

    # -- sending ---------------------------------------------------------------------------------------

    def send(self, data: bytes) -> AsyncResult:
        """Write one command; the returned future gets its reply frame (or ConnectionLost)."""
        if self._closed.is_set() or self._sock is None:
            raise ConnectionLost(f"not connected to switch {self.address}: {self.lost_reason}")
        waiter = AsyncResult()
        with self._write_lock:
            self._replies.append(waiter)
            try:
                self._sock.sendall(data)
            except OSError as exc:
                raise ConnectionLost(f"cannot write to switch {self.address}: {exc}") from exc
        return waiter
