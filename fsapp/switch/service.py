"""The controller's view of one switch: channels from events, flows started on park, resume on reconnect.

Calls wait parked in FreeSWITCH; fsapp drives them by UUID. When CHANNEL_PARK arrives for a channel
whose ``fsapp_entry`` names a route, the route's handler runs in its own greenlet with a :class:`Call`.
When the link drops, calls stay up on the switch; after the reconnect, ``show channels as json`` and
``uuid_dump`` rebuild the registry and every parked call without a running handler is resumed.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable

import gevent
from gevent.event import AsyncResult, Event as Flag

from fsapp.esl.client import ESLClient
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import ChannelGone, ConnectionLost, ESLError, ESLTimeout
from fsapp.esl.events import Event
from fsapp.switch.call import Call, new_uuid
from fsapp.switch.channel import Channel
from fsapp.switch.dialstring import originate_command, word
from fsapp.switch.errors import OriginateFailed
from fsapp.switch.overload import OverloadGuard
from fsapp.switch.reconcile import bridged_pairs, channel_from_dump, channel_rows
from fsapp.switch.registry import ChannelRegistry

log = logging.getLogger(__name__)

LAST_RESORT = "fsapp_last_resort"   # set to "armed" by the rendered dialplan (dialplans/macros.xml)
SAFE_UUID = re.compile(r"[A-Za-z0-9-]{1,64}")

Handler = Callable[[Call], None]
ConnectHook = Callable[[ESLConnection], None]

DEFAULT_EVENTS = (
    # What the registry, call control and the ACD read; nothing else is subscribed, to spare both ends. Of the
    # CHANNEL_EXECUTE_COMPLETE events only those of the applications fsapp waits for are sent
    # (foreign_executions=False).
    "CHANNEL_CREATE", "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_UNPARK",
    "CHANNEL_EXECUTE_COMPLETE", "DTMF", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP_COMPLETE",
    "PLAYBACK_STOP", "BACKGROUND_JOB", "CUSTOM", "conference::maintenance",
)

UNTHROTTLED = {"no_throttle_limits": "true"}
"""The originate variable that keeps a leg out of the switch's ``sessions-per-second`` (and ``max-sessions``): a
session the throttle would refuse fails as DESTINATION_OUT_OF_ORDER (``Throttle Error!``, then sofia's ``Error
Creating Session``), as an operator's unreachable phone does. The throttle is there to turn new calls away; an
operator's leg for a caller already let in, a consultation or a supervisor's phone completes a call the switch
took, and refused it would leave that caller waiting and count against an operator who was never rung."""

ANSWER_MARK = "endpoint_disposition"   # a channel variable the switch sets to ANSWER as the channel answers
ANSWERED_DISPOSITION = "ANSWER"

_PREDICATES: dict[str, Callable[[Channel], bool]] = {
    "parked": lambda channel: channel.parked,
    "answered": lambda channel: channel.answered,
    "bridged": lambda channel: channel.bridged_to is not None,
    "unbridged": lambda channel: channel.bridged_to is None or channel.gone,   # a hangup ends any bridge
    "gone": lambda channel: channel.gone,
}


class Switch:
    """One switch: its link, its channels, and the handlers that drive parked calls."""

    def __init__(self, host: str, port: int, password: str, *, name: str | None = None,
                 events: Iterable[str] = DEFAULT_EVENTS, app_timeout: float = 3600.0,
                 reconnect_wait: float = 30.0, connect_timeout: float = 5.0, command_timeout: float = 10.0,
                 queue_size: int = 1000, command_connections: int = 1, drives_calls: bool = True,
                 overload_after: float = 0.0, overload_wait: float = 0.0) -> None:
        """``drives_calls=False``: a link that only places and drives its own legs (a command such as ``fsapp fax
        send`` beside a running controller): parked calls are left to the controller, never resumed or hung up.
        ``overload_after``: the median command round trip (seconds) over which the switch counts as overloaded
        and new callers are let in sparingly (:attr:`overload`); 0: never. ``overload_wait``: seconds a new caller
        may wait unanswered for room meanwhile before it is refused."""
        self.name = name or f"{host}:{port}"
        self.drives_calls = drives_calls
        self.registry = ChannelRegistry()
        self.app_timeout = app_timeout
        self.reconnect_wait = reconnect_wait
        self._routes: dict[str, Handler] = {}
        self._handlers: dict[str, gevent.Greenlet] = {}
        self._handler_link: dict[str, int] = {}   # call uuid -> the connection its handler started under
        self._waiters: dict[str, list[tuple[Callable[[Channel], bool], AsyncResult]]] = {}
        self._listeners: list[Callable[[Event, Channel | None], None]] = []
        self._connect_hooks: list[ConnectHook] = []
        self.reconciled = Flag()
        self.overload = OverloadGuard(overload_after, time.monotonic, overload_wait)
        self.client = ESLClient(host, port, password, events=events, on_event=self._on_event,
                                on_connect=self._connected, on_disconnect=self._on_disconnect,
                                connect_timeout=connect_timeout, command_timeout=command_timeout,
                                queue_size=queue_size, command_connections=command_connections,
                                foreign_executions=False)

    # -- wiring ----------------------------------------------------------------------------------------

    def route(self, entry: str, handler: Handler) -> None:
        """Run ``handler`` for calls parked with ``fsapp_entry=<entry>`` (``*``: any other entry)."""
        self._routes[entry] = handler

    def listen(self, listener: Callable[[Event, Channel | None], None]) -> None:
        """Be told of every event (after the registry has applied it). Must not block."""
        self._listeners.append(listener)

    def on_connect(self, hook: ConnectHook) -> None:
        """Run ``hook(connection)`` in a greenlet of its own after every (re)connection and its reconcile."""
        self._connect_hooks.append(hook)

    def start(self) -> Switch:
        self.client.start()
        return self

    def stop(self) -> None:
        self.client.stop()
        gevent.killall(list(self._handlers.values()), block=False)

    def connection(self) -> ESLConnection:
        """The live connection, waiting out a reconnect for up to ``reconnect_wait`` seconds."""
        if self.client.is_connected:
            return self.client.connection
        return self.client.wait_connected(self.reconnect_wait)

    def wait_connected(self, timeout: float) -> None:
        self.client.wait_connected(timeout)

    # -- events ----------------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        channel = self.registry.apply(event)
        if channel is not None:
            self._wake(channel)
            if event.name in ("CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE"):   # reported on leg A only: leg B's waiters too
                peer = self.registry.get(channel.last_peer or "")
                if peer is not None:
                    self._wake(peer)
            if event.name == "CHANNEL_PARK":
                self._on_park(channel)
            elif event.name == "CHANNEL_HANGUP_COMPLETE":
                self._handler_link.pop(channel.uuid, None)
        for listener in self._listeners:
            listener(event, channel)

    def _on_park(self, channel: Channel) -> None:
        handler = self._handlers.get(channel.uuid)
        if handler is not None and not handler.dead:
            return  # a re-park after a bridge: the running handler sees it through wait_for
        self._start_handler(channel, resumed=False)

    def _start_handler(self, channel: Channel, resumed: bool) -> bool:
        entry = channel.entry
        if entry is None or not self.drives_calls:
            return False  # a leg fsapp originated: its originator drives it (or the controller drives it)
        handler = self._routes.get(entry) or self._routes.get("*")
        if handler is None:
            log.error("call %s: no flow for fsapp_entry=%s; hanging up", channel.uuid, entry)
            gevent.spawn(self._hangup_quietly, channel.uuid, "UNALLOCATED_NUMBER")
            return False
        if channel.variables.get(LAST_RESORT) == "armed":
            gevent.spawn(self._disarm_last_resort, channel.uuid)
        call = Call(self, channel, resumed=resumed)
        self._handlers[channel.uuid] = gevent.spawn(self._run_handler, handler, call)
        self._handler_link[channel.uuid] = self.client.connections_made
        return True

    def _disarm_last_resort(self, uuid: str) -> None:
        """A controller has the call: cancel the dialplan's last resort (``sched_transfer``, in the task group of
        the call's UUID), which is for calls no controller takes. ``park_timeout`` cannot be cancelled: it
        bounds the first park (``freeswitch.park_timeout``)."""
        if not SAFE_UUID.fullmatch(uuid):
            log.warning("call %r: not a UUID; its last resort is left armed", uuid)
            return
        try:
            self.connection().api_ok(f"sched_del {uuid}")
        except ESLError as exc:
            log.warning("call %s: the last resort was not cancelled: %s", uuid, exc)

    def _run_handler(self, handler: Handler, call: Call) -> None:
        log.info("call %s: %s flow %s for %s", call.uuid, "resuming" if call.resumed else "starting",
                 call.channel.entry, call.caller_number)
        try:
            handler(call)
        except ChannelGone:
            log.info("call %s: caller hung up", call.uuid)
        except ConnectionLost as exc:
            log.warning("call %s: link lost mid-step (%s); the call resumes after the reconnect", call.uuid, exc)
        except ESLError as exc:
            log.error("call %s: %s", call.uuid, exc)
        except Exception:
            log.exception("call %s: flow failed", call.uuid)
        except (SystemExit, KeyboardInterrupt) as exc:   # e.g. sys.exit() in a hook: one call's fault, not the process's
            log.error("call %s: the flow raised %s; its handler ends, the controller goes on", call.uuid,
                      type(exc).__name__)
        finally:
            if self._handlers.get(call.uuid) is gevent.getcurrent():
                del self._handlers[call.uuid]

    def _hangup_quietly(self, uuid: str, cause: str) -> None:
        try:
            self.connection().hangup(uuid, cause)
        except ESLError as exc:
            log.warning("call %s: hangup failed: %s", uuid, exc)

    def _on_disconnect(self, reason: str) -> None:
        self.reconciled.clear()

    # -- waiting on channels ---------------------------------------------------------------------------

    def _wake(self, channel: Channel) -> None:
        """Wake whoever waits for what the channel has now become, and everyone waiting on it once it is gone."""
        waiters = self._waiters.get(channel.uuid)
        if not waiters:
            return
        for predicate, result in list(waiters):
            met = predicate(channel)
            if met or channel.gone:
                result.set(met)
                waiters.remove((predicate, result))
        if not waiters:
            del self._waiters[channel.uuid]

    def wait_channel(self, uuid: str, condition: str, timeout: float, known: Channel | None = None) -> Channel:
        """Wait until the channel is ``parked``/``answered``/``bridged``/``unbridged``/``gone``: ESLTimeout when
        it is not within ``timeout`` seconds, ChannelGone as soon as it hangs up without becoming it. ``known``:
        the caller's own record of the channel, which says it is gone once the registry has forgotten it."""
        predicate = _PREDICATES[condition]
        channel = self.registry.get(uuid) or known
        if channel is not None and predicate(channel):
            return channel
        if channel is not None and channel.gone:
            raise ChannelGone(f"call {uuid}: hung up before it was {condition}")
        result: AsyncResult = AsyncResult()
        self._waiters.setdefault(uuid, []).append((predicate, result))
        met = result.wait(timeout)
        if met is None:
            waiters = self._waiters.get(uuid, [])
            if (predicate, result) in waiters:
                waiters.remove((predicate, result))
            raise ESLTimeout(f"call {uuid}: not {condition} within {timeout} s")
        if not met:
            raise ChannelGone(f"call {uuid}: hung up before it was {condition}")
        return self.registry.get(uuid) or Channel(uuid, gone=True)

    # -- new legs --------------------------------------------------------------------------------------

    def originate(self, dial_string: str, variables: dict[str, str] | None = None, *, timeout: float = 60.0,
                  wait_park: bool = True, intercept: str | None = None, throttled: bool = True) -> Call:
        """Place a new leg that parks when answered; raises OriginateFailed with the switch's cause.

        ``dial_string`` is one endpoint and ``variables`` plain values: both pass :mod:`fsapp.switch.dialstring`
        (UnsafeValue, nothing sent, when they cannot). ``variables["origination_uuid"]``, when given, names the
        new leg (so it can be hung up while it rings). ``intercept``: instead of parking, the answered leg
        bridges itself to that channel in the switch (``intercept``), with no round trip to fsapp in between;
        nothing is waited for after the answer. ``throttled=False``: the switch's ``sessions-per-second`` neither
        counts nor refuses the leg (:data:`UNTHROTTLED`), for a leg that serves a call already in.
        """
        leg_uuid = (variables or {}).get("origination_uuid") or new_uuid()
        values = {**(variables or {}), "origination_uuid": leg_uuid}
        if not throttled:
            values.update(UNTHROTTLED)
        command = (originate_command(dial_string, values) if intercept is None
                   else originate_command(dial_string, values, "intercept", word(intercept)))
        wait_park = wait_park and intercept is None
        result = self.connection().bgapi(command, timeout=timeout)
        result = result.strip()
        if not result.startswith("+OK"):
            cause = result.removeprefix("-ERR").strip() or "UNKNOWN"
            raise OriginateFailed(f"originate to {dial_string} failed: {cause}", cause)
        channel = self.registry.get(leg_uuid) or self.registry.add(Channel(leg_uuid, variables=dict(values)))
        if wait_park:
            channel = self.wait_channel(leg_uuid, "parked", timeout)
        return Call(self, channel)

    def answered(self, uuid: str) -> bool | None:
        """Whether channel ``uuid`` has answered, asked of the switch itself rather than of the events read so far
        (which a busy switch sends seconds late): its ``endpoint_disposition``, set to ``ANSWER`` as it answers.
        None when the switch has no such channel (not placed yet, or gone)."""
        value = self.connection().api(f"uuid_getvar {word(uuid)} {ANSWER_MARK}")
        if value.startswith("-ERR"):
            return None
        return value == ANSWERED_DISPOSITION

    def sees_every_node(self) -> bool:
        """Whether the registry holds every channel there is (a pool: every node reconciled)."""
        return self.reconciled.is_set()

    def owner_of(self, uuid: str) -> Switch:
        """The switch that drives channel ``uuid``: this one (a :class:`SwitchPool` picks among its nodes)."""
        return self

    def call(self, uuid: str) -> Call:
        """A Call for a channel fsapp already knows."""
        channel = self.registry.get(uuid)
        if channel is None:
            raise ChannelGone(f"channel {uuid} is not on switch {self.name}")
        return Call(self, channel)

    # -- reconnect -------------------------------------------------------------------------------------

    def _connected(self, connection: ESLConnection) -> None:
        connection.round_trip = self._round_trip
        try:
            self._reconcile(connection)
        finally:
            for hook in self._connect_hooks:
                gevent.spawn(self._run_hook, hook, connection)

    def _round_trip(self, seconds: float) -> None:
        self.overload.observe(seconds)

    def _run_hook(self, hook: ConnectHook, connection: ESLConnection) -> None:
        try:
            hook(connection)
        except ESLError as exc:
            log.warning("switch %s: after connecting: %s", self.name, exc)
        except Exception:
            log.exception("switch %s: connect hook failed", self.name)

    def _reconcile(self, connection: ESLConnection) -> None:
        """Rebuild the registry from the switch and resume parked calls nobody is driving."""
        rows = channel_rows(connection.api("show channels as json"))
        live = {row["uuid"] for row in rows if row.get("uuid")}
        for channel in self.registry:
            if channel.uuid not in live:
                log.info("call %s: ended while the link was down", channel.uuid)
                channel.gone = True
                self._wake(channel)
                self.registry.remove(channel.uuid)
        peers = bridged_pairs(connection.api("show calls as json")) if rows else {}
        for row in rows:
            self._adopt(connection, row, peers.get(row["uuid"]))
        self.reconciled.set()
        log.info("switch %s: reconciled %d live channel(s)", self.name, len(live))

    def _adopt(self, connection: ESLConnection, row: dict[str, str], peer: str | None) -> None:
        uuid = row["uuid"]
        dump = connection.api(f"uuid_dump {uuid} json")
        try:
            fresh = channel_from_dump(uuid, json.loads(dump), row, peer)
        except ValueError:
            log.info("call %s: ended before it could be read (%s)", uuid, dump.strip()[:60])
            return
        known = self.registry.get(uuid)
        if known is not None:
            known.variables.update(fresh.variables)
            known.answered = known.answered or fresh.answered
            known.bridged_to = fresh.bridged_to
        else:
            known = self.registry.add(fresh)
        if self._handler_link.get(uuid) == self.client.connections_made:
            return   # a flow started from this very link's events drives it (or has handed it on)
        handler = self._handlers.get(uuid)
        if handler is not None and not handler.dead:
            handler.join(timeout=1.0)  # it is ending on ConnectionLost
        if (handler is None or handler.dead) and known.entry and not known.bridged_to:
            self._start_handler(known, resumed=True)
