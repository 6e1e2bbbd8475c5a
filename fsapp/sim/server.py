"""The inbound Event Socket of the simulated switch: one session per client connection."""

from __future__ import annotations

import logging
import re
import socket
import uuid as uuidlib

import gevent
import gevent.queue
from gevent.server import StreamServer

from fsapp.sim import frames
from fsapp.sim.api import run_api
from fsapp.sim.channel import AppCall
from fsapp.sim.core import SwitchCore
from fsapp.sim.events import Headers
from fsapp.sim.requests import Request, RequestError, RequestParser

log = logging.getLogger(__name__)

CLOSE = object()
DEAF_APPS = frozenset({"eavesdrop"})
"""Applications that do not read the session's message queue: a ``sendmsg hangup`` waits until they end
(FreeSWITCH's eavesdrop loop reads only ``eavesdrop-command`` events; ``uuid_kill`` ends it at once)."""


def passes_filters(filters: list[tuple[str, str]], headers: Headers) -> bool:
    """FreeSWITCH's event filters (mod_event_socket): an event passes when a filter on one of its headers matches
    (``value`` or ``+value``: the same without case; ``/regex/flags``), unless a negative one (``-value``) matches
    it too. Header names are compared without case."""
    values: dict[str, str] = {}
    for name, value in headers:
        values.setdefault(name.lower(), value)
    send = False
    for header, wanted in filters:
        actual = values.get(header.lower())
        if actual is None:
            continue
        positive, compared = _filter_sign(wanted)
        if send and positive:
            continue
        if _filter_matches(wanted, compared, actual):
            if not positive:
                return False
            send = True
    return send


def _filter_sign(wanted: str) -> tuple[bool, str]:
    positive, index = True, 0
    while index < len(wanted) and wanted[index] in "+- ":
        positive = {"+": True, "-": False}.get(wanted[index], positive)
        index += 1
    return positive, wanted[index:]


def _filter_matches(wanted: str, compared: str, actual: str) -> bool:
    if not wanted.startswith("/"):
        return compared.lower() == actual.lower()
    body, slash, flags = wanted[1:].rpartition("/")
    if not slash:
        return False   # the switch logs the missing closing '/' and matches nothing
    return re.search(body, actual, re.IGNORECASE if "i" in flags else 0) is not None


class Subscription:
    """Which events a session wants: names, ``ALL``, CUSTOM subclasses, filters and the format."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.everything = False
        self.subclasses: set[str] = set()
        self.all_custom = False
        self.format = "plain"
        self.filters: list[tuple[str, str]] = []

    def add(self, words: list[str]) -> None:
        custom = False
        for word in words:
            if custom:
                self.subclasses.add(word)
            elif word == "CUSTOM":
                custom = True
            elif word == "ALL":
                self.everything = True
            else:
                self.names.add(word)

    def wants_name(self, name: str, subclass: str) -> bool:
        if name == "CUSTOM":
            return self.everything or subclass in self.subclasses
        return self.everything or name in self.names

    def wants(self, name: str, subclass: str, headers: Headers) -> bool:
        if not self.wants_name(name, subclass):
            return False
        return not self.filters or passes_filters(self.filters, headers)


class ClientSession:
    """One connected client: authentication, commands, and the events it subscribed to."""

    def __init__(self, core: SwitchCore, sock: socket.socket, password: str) -> None:
        self.core = core
        self.sock = sock
        self.password = password
        self.authenticated = False
        self.subscription: Subscription | None = None
        self.outgoing: gevent.queue.Queue = gevent.queue.Queue()
        self.lagging: gevent.queue.Queue = gevent.queue.Queue()   # (due, frame) of events held back, in order
        self.held = 0   # events held back and not sent yet: any event after them waits its turn
        self.closed = False

    # -- writing -----------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.outgoing.put(data)

    def wants_name(self, name: str, subclass: str) -> bool:
        return self.subscription is not None and self.subscription.wants_name(name, subclass)

    def deliver(self, name: str, subclass: str, headers: Headers, body: str) -> None:
        subscription = self.subscription
        if subscription is None or not subscription.wants(name, subclass, headers):
            return
        if subscription.format == "json":
            frame = frames.event_frame(frames.json_event_body(headers, body), "text/event-json")
        else:
            frame = frames.event_frame(frames.plain_event_body(headers, body), "text/event-plain")
        if self.core.lag > 0 or self.held:
            self.held += 1
            self.lagging.put((self.core.clock.now() + self.core.lag, frame))
        else:
            self.send(frame)

    def _release_lagging(self) -> None:
        """Send the events held back by the switch's lag when they are due, in the order they came."""
        while True:
            due, frame = self.lagging.get()
            self.core.clock.sleep(due - self.core.clock.now())
            self.send(frame)
            self.held -= 1

    def _writer(self) -> None:
        while True:
            item = self.outgoing.get()
            if item is CLOSE:
                break
            try:
                self.sock.sendall(item)
            except OSError:
                break
        self._close_socket()

    def _close_socket(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def drop(self) -> None:
        """Cut the connection abruptly, as a network failure would."""
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.outgoing.put(CLOSE)

    # -- reading -----------------------------------------------------------------------------------

    def serve(self) -> None:
        writer = gevent.spawn(self._writer)
        lagging = gevent.spawn(self._release_lagging)
        parser = RequestParser()
        self.send(frames.auth_request())
        self.core.listeners.append(self)
        try:
            while not self.closed:
                data = self.sock.recv(65536)
                if not data:
                    break
                for request in parser.feed(data):
                    if not self.handle(request):
                        return
        except (OSError, RequestError) as exc:
            log.info("simulated switch: client connection ended: %s", exc)
        finally:
            if self in self.core.listeners:
                self.core.listeners.remove(self)
            lagging.kill(block=False)
            self.outgoing.put(CLOSE)
            writer.join(timeout=5)

    def handle(self, request: Request) -> bool:
        """Answer one request; False when the session is over."""
        if not self.authenticated:
            return self._authenticate(request)
        self.core.requests.append(request)
        if self.core.command_lag > 0:   # this connection's thread, waiting for the CPU (the next command waits too)
            self.core.clock.sleep(self.core.command_lag)
        verb = request.verb
        handler = getattr(self, "_cmd_" + verb, None)
        if handler is None:
            self.send(frames.command_reply("-ERR command not found"))
            return True
        return handler(request) is not False

    def _authenticate(self, request: Request) -> bool:
        if request.verb == "auth" and request.arg == self.password:
            self.authenticated = True
            self.send(frames.command_reply("+OK accepted"))
            return True
        if request.verb != "auth":
            self.send(frames.command_reply("-ERR command not found"))
            return True
        self.send(frames.command_reply("-ERR invalid"))
        self.send(frames.disconnect_notice())
        self._finish()
        return False

    def _finish(self) -> None:
        if self in self.core.listeners:
            self.core.listeners.remove(self)
        self.outgoing.put(CLOSE)
        self.closed = True

    # -- commands ----------------------------------------------------------------------------------

    def _cmd_api(self, request: Request) -> None:
        body, followup = run_api(self.core, request.arg)
        self.send(frames.api_response(body))
        self._api_event(request.arg)
        if followup is not None:
            followup()

    def _api_event(self, command: str) -> None:
        name, _, arg = command.partition(" ")
        headers = self.core.factory.core("API") + [("API-Command", name)]
        if arg:
            headers.append(("API-Command-Argument", arg))
        self.core.fire(headers)

    def _cmd_bgapi(self, request: Request) -> None:
        job_uuid = request.headers.get("Job-UUID") or str(uuidlib.uuid4())
        self.send(frames.command_reply(f"+OK Job-UUID: {job_uuid}", [("Job-UUID", job_uuid)]))
        name, _, arg = request.arg.partition(" ")

        def report(body: str) -> None:
            headers = self.core.factory.core("BACKGROUND_JOB")
            headers += [("Job-UUID", job_uuid), ("Job-Command", name)]
            if arg:
                headers.append(("Job-Command-Arg", arg))
            self.core.fire(headers, body)

        delay = self.core.lag
        if name == "originate":
            from fsapp.sim.originate import originate

            def place() -> None:
                if delay:
                    self.core.clock.sleep(delay)
                originate(self.core, arg, report)
            self.core.spawn(place)
            return

        def run() -> None:
            if delay:
                self.core.clock.sleep(delay)
            body, followup = run_api(self.core, request.arg)
            report(body)
            if followup is not None:
                followup()
        self.core.spawn(run)

    def _cmd_event(self, request: Request) -> None:
        words = request.arg.split()
        fmt = words[0] if words and words[0] in ("plain", "json", "xml") else "plain"
        if words and words[0] in ("plain", "json", "xml"):
            words = words[1:]
        if self.subscription is None:
            self.subscription = Subscription()
        self.subscription.format = fmt
        self.subscription.add(words)
        self.send(frames.command_reply(f"+OK event listener enabled {fmt}"))

    def _cmd_nixevent(self, request: Request) -> None:
        if self.subscription is not None:
            for word in request.arg.split():
                self.subscription.names.discard(word)
                self.subscription.subclasses.discard(word)
        self.send(frames.command_reply("+OK events nixed"))

    def _cmd_noevents(self, request: Request) -> None:
        self.subscription = None
        self.send(frames.command_reply("+OK no longer listening for events"))

    def _cmd_filter(self, request: Request) -> None:
        if self.subscription is None:
            self.subscription = Subscription()
        words = request.arg.split(" ", 2)
        if words[0] == "delete":
            header = words[1] if len(words) > 1 else ""
            value = words[2] if len(words) > 2 else None
            self.subscription.filters = [(h, v) for h, v in self.subscription.filters
                                         if not (h == header and (value is None or v == value))]
            self.send(frames.command_reply(f"+OK filter deleted. [{header}][{value or ''}]"))
            return
        header, _, value = request.arg.partition(" ")
        self.subscription.filters.append((header, value))
        self.send(frames.command_reply(f"+OK filter added. [{header}]=[{value}]"))

    def _cmd_linger(self, request: Request) -> None:
        self.send(frames.command_reply("+OK will linger"))

    def _cmd_nolinger(self, request: Request) -> None:
        self.send(frames.command_reply("+OK will not linger"))

    def _cmd_exit(self, request: Request) -> bool:
        self.send(frames.command_reply("+OK bye"))
        self.send(frames.disconnect_notice())
        self._finish()
        return False

    def _cmd_sendevent(self, request: Request) -> None:
        event_uuid = str(uuidlib.uuid4())
        self.send(frames.command_reply(f"+OK {event_uuid}"))
        name = request.arg.split(" ")[0] or "CUSTOM"
        target = self.core.live(request.headers.get("Unique-ID", ""))
        command = request.headers.get("eavesdrop-command")
        if target is not None and command is not None:
            target.eavesdrop_commands.append(command)
            target.poke()
        headers = self.core.factory.core(name, subclass=request.headers.get("Event-Subclass"))
        headers += [(key, value) for key, value in request.headers.items() if key != "Event-Subclass"]
        headers.append(("Event-UUID", event_uuid))
        self.core.fire(headers, request.body)

    def _cmd_sendmsg(self, request: Request) -> None:
        uuid = request.arg or request.headers.get("Unique-ID", "")
        channel = self.core.live(uuid)
        if channel is None:
            self.send(frames.command_reply(f"-ERR invalid session id [{uuid}]"))
            return
        self.send(frames.command_reply("+OK"))
        headers = request.headers
        command = headers.get("call-command", "")
        if command == "execute":
            arg = headers.get("execute-app-arg") or request.body
            call = AppCall(headers.get("execute-app-name", ""), arg,
                           app_uuid=headers.get("Event-UUID") or str(uuidlib.uuid4()),
                           loops=int(headers.get("loops", "1") or "1"),
                           uuid_name=headers.get("Event-UUID-Name", ""))
            channel.apps.append(call)
            channel.poke()
        elif command == "hangup":
            from fsapp.sim.lifecycle import hangup
            cause = headers.get("hangup-cause", "NORMAL_CLEARING")
            if channel.current_app is not None and channel.current_app.name in DEAF_APPS:
                channel.deferred_hangup = cause   # read from the session's queue once the application ends
                return
            hangup(channel, cause)
        elif command == "unicast" or command == "nomedia":
            return
        else:
            log.warning("simulated switch: sendmsg %s: unsupported call-command %r", uuid, command)


class SimServer:
    """A gevent StreamServer accepting Event Socket clients on loopback."""

    def __init__(self, core: SwitchCore, password: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.core = core
        self.password = password
        self.sessions: list[ClientSession] = []
        self._server = StreamServer((host, port), self._accept)

    def start(self) -> tuple[str, int]:
        self._server.start()
        return self.address

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.address[:2]
        return host, port

    def _accept(self, sock: socket.socket, address) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = ClientSession(self.core, sock, self.password)
        self.sessions.append(session)
        try:
            session.serve()
        finally:
            self.sessions.remove(session)

    def drop_clients(self, listening: bool | None = None) -> int:
        """Cut sessions abruptly: all, or only those that do (``listening=True``) or do not subscribe to events."""
        sessions = [session for session in self.sessions
                    if listening is None or (session.subscription is not None) == listening]
        for session in sessions:
            if session in self.core.listeners:
                self.core.listeners.remove(session)
            session.drop()
        return len(sessions)

    def stop(self) -> None:
        self.drop_clients()
        self._server.stop(timeout=1)


__all__ = ["ClientSession", "SimServer", "Subscription"]
