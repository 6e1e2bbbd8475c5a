"""A switch link that stays up: connect, subscribe, dispatch events, and reconnect with backoff.

``on_event`` is called for every event from one dispatcher greenlet, in order; it must not wait on the
switch (job results and execute completions are events, read by the event socket's reader, which stops while
the event queue is full; without command sockets, so are the replies).
``on_connect`` runs in its own greenlet after every (re)connection, e.g. to rebuild state from
``show channels as json``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import gevent
from gevent.event import Event as Flag

from fsapp.esl.backoff import Backoff
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import AuthenticationFailed, ConnectionLost, ESLError, ESLTimeout
from fsapp.esl.events import Event

log = logging.getLogger(__name__)

EventHandler = Callable[[Event], None]
ConnectHandler = Callable[[ESLConnection], None]


class ESLClient:
    """Keeps one inbound connection to a switch alive and feeds its events to a handler."""

    def __init__(self, host: str, port: int, password: str, *, events: Iterable[str],
                 on_event: EventHandler, on_connect: ConnectHandler | None = None,
                 on_disconnect: Callable[[str], None] | None = None,
                 backoff: Backoff | None = None, connect_timeout: float = 5.0,
                 command_timeout: float = 10.0, queue_size: int = 1000, command_connections: int = 0,
                 foreign_executions: bool = True) -> None:
        """``foreign_executions=False``: completions of applications the connection does not wait for (the dial
        plan's, detached ones) are not wanted (:meth:`ESLConnection.subscribe`)."""
        self.host, self.port, self.address = host, port, f"{host}:{port}"
        self._password = password
        self._events = list(events)
        self._foreign_executions = foreign_executions
        self._on_event = on_event
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._backoff = backoff or Backoff()
        self._connect_timeout = connect_timeout
        self._command_timeout = command_timeout
        self._queue_size = queue_size
        self._command_connections = command_connections
        self._connection: ESLConnection | None = None
        self._connected = Flag()
        self._stopping = False
        self._supervisor: gevent.Greenlet | None = None
        self.connections_made = 0
        self.last_error: str | None = None

    def start(self) -> ESLClient:
        self._supervisor = gevent.spawn(self._run)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        connection = self._connection
        if connection is not None and connection.connected:
            try:
                connection.exit(timeout=min(timeout, 2.0))
            except ESLError as exc:
                log.debug("switch %s: exit failed: %s", self.address, exc)
            connection.close()
        if self._supervisor is not None:
            self._supervisor.join(timeout)
            self._supervisor.kill(block=False)

    @property
    def connection(self) -> ESLConnection:
        """The live connection; raises ConnectionLost while there is none."""
        connection = self._connection
        if connection is None or not connection.connected:
            raise ConnectionLost(f"not connected to switch {self.address}"
                                 + (f": {self.last_error}" if self.last_error else ""))
        return connection

    @property
    def is_connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float | None = None) -> ESLConnection:
        """Wait until a connection is up (after a drop, until the reconnect)."""
        if not self._connected.wait(timeout):
            raise ESLTimeout(f"switch {self.address} not reachable within {timeout} s"
                             + (f": {self.last_error}" if self.last_error else ""))
        return self.connection

    def _run(self) -> None:
        while not self._stopping:
            try:
                connection = self._open()
            except AuthenticationFailed as exc:
                self._failed(exc, level=logging.ERROR)
                continue
            except ESLError as exc:
                self._failed(exc, level=logging.WARNING)
                continue
            self._backoff.reset()
            self._serve(connection)

    def _open(self) -> ESLConnection:
        connection = ESLConnection(self.host, self.port, self._password, connect_timeout=self._connect_timeout,
                                   command_timeout=self._command_timeout, queue_size=self._queue_size,
                                   command_connections=self._command_connections)
        connection.connect()
        try:
            connection.subscribe(self._events, foreign_executions=self._foreign_executions)
        except ESLError:
            connection.close()
            raise
        return connection

    def _serve(self, connection: ESLConnection) -> None:
        self._connection = connection
        self.connections_made += 1
        self.last_error = None
        self._connected.set()
        log.info("switch %s: connected (connection #%d)", self.address, self.connections_made)
        if self._on_connect is not None:
            gevent.spawn(self._run_on_connect, connection)
        for event in connection.iter_events():
            try:
                self._on_event(event)
            except Exception:  # a faulty handler must not stop the dispatcher
                log.exception("switch %s: event handler failed on %r", self.address, event)
        self._connected.clear()
        reason = connection.lost_reason
        if self._on_disconnect is not None and not self._stopping:
            self._on_disconnect(reason)
        if not self._stopping:
            log.warning("switch %s: %s; reconnecting", self.address, reason)

    def _run_on_connect(self, connection: ESLConnection) -> None:
        try:
            self._on_connect(connection)
        except ESLError as exc:
            log.warning("switch %s: after connecting: %s", self.address, exc)
        except Exception:
            log.exception("switch %s: on_connect handler failed", self.address)

    def _failed(self, exc: ESLError, level: int) -> None:
        self.last_error = str(exc)
        delay = self._backoff.next_delay()
        log.log(level, "%s; retrying in %.1f s", exc, delay)
        gevent.sleep(delay)
