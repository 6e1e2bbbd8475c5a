"""Several switches seen as one: the controller's view of a cluster of FreeSWITCH nodes.

A SIP load balancer (Kamailio's dispatcher) spreads citizens' calls over the nodes; one controller holds an
Event Socket connection to each. :class:`SwitchPool` offers what the controller and the ACD use of a
:class:`~fsapp.switch.service.Switch`: routes and listeners are installed on every node, channels are looked up
on whichever node has them, and a new leg is placed on the node of the call it serves, so the bridge stays
local to that node (the agent's dial string reaches the phone wherever it is registered, through the load
balancer or node to node).

Where a new leg goes (:meth:`SwitchPool.node_for_leg`):

1. ``fsapp_node=<name>`` among its variables names the node;
2. else the node holding the channel ``fsapp_queue_call`` names (the waiting caller);
3. else the node of another live leg placed for the same ``fsapp_queue_call`` (a callback's citizen leg
   goes where its agent's leg is, so the two can be bridged);
4. else the connected node with the fewest channels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import gevent

from fsapp.config import Config, node_switch
from fsapp.errors import ConfigError
from fsapp.esl.connection import ESLConnection
from fsapp.esl.events import Event
from fsapp.switch.call import Call, new_uuid
from fsapp.switch.channel import Channel
from fsapp.switch.errors import ChannelGone
from fsapp.switch.service import ConnectHook, Handler, Switch

log = logging.getLogger(__name__)

HANGUP = "CHANNEL_HANGUP_COMPLETE"
LINK_CHECK = 0.5   # seconds between looks at which nodes are connected while waiting for them
NODE_VARIABLE = "fsapp_node"
CALL_VARIABLE = "fsapp_queue_call"


class PoolRegistry:
    """The channels of every node, read-only: ``get``, ``in``, iteration and ``len`` across nodes."""

    def __init__(self, nodes: Sequence[Switch]) -> None:
        self._nodes = nodes

    def get(self, uuid: str) -> Channel | None:
        for node in self._nodes:
            channel = node.registry.get(uuid)
            if channel is not None:
                return channel
        return None

    def __contains__(self, uuid: str) -> bool:
        return self.get(uuid) is not None

    def __iter__(self) -> Iterator[Channel]:
        for node in self._nodes:
            yield from list(node.registry)

    def __len__(self) -> int:
        return sum(len(node.registry) for node in self._nodes)


class AllReconciled:
    """Set while at least one node is connected and every connected node has been reconciled since it
    connected (``is_set``/``wait`` like a Flag). A node that is down does not hold the others back: its
    calls are reconciled when it comes back."""

    def __init__(self, nodes: Sequence[Switch]) -> None:
        self._nodes = nodes

    def is_set(self) -> bool:
        connected = [node for node in self._nodes if node.client.is_connected]
        return bool(connected) and all(node.reconciled.is_set() for node in connected)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.is_set():
            left = LINK_CHECK if deadline is None else min(LINK_CHECK, deadline - time.monotonic())
            if left <= 0:
                return False
            # A node going down sets no flag, so the wait is bounded and the nodes looked at again.
            gevent.wait([node.reconciled for node in self._nodes if not node.reconciled.is_set()],
                        timeout=left, count=1)
        return True


class PoolLink:
    """What the ACD reads of a switch's link: ``connections_made`` grows with any node's (re)connect."""

    def __init__(self, nodes: Sequence[Switch]) -> None:
        self._nodes = nodes

    @property
    def connections_made(self) -> int:
        return sum(node.client.connections_made for node in self._nodes)

    @property
    def is_connected(self) -> bool:
        """Whether any node is connected (calls can be served)."""
        return any(node.client.is_connected for node in self._nodes)


class SwitchPool:
    """Several :class:`Switch` nodes behind one interface (see the module docstring)."""

    def __init__(self, nodes: Iterable[Switch]) -> None:
        self.nodes: list[Switch] = list(nodes)
        if not self.nodes:
            raise ValueError("a switch pool needs at least one node")
        names = [node.name for node in self.nodes]
        if len(set(names)) != len(names):
            raise ValueError(f"switch names must be unique: {', '.join(names)}")
        self.name = "+".join(names)
        self.registry = PoolRegistry(self.nodes)
        self.reconciled = AllReconciled(self.nodes)
        self.client = PoolLink(self.nodes)
        self.app_timeout = self.nodes[0].app_timeout
        self._placed: dict[str, Switch] = {}     # legs originated here, until their hangup
        for node in self.nodes:
            node.listen(self._forget_ended_leg)

    # -- wiring (every node) ---------------------------------------------------------------------------

    def route(self, entry: str, handler: Handler) -> None:
        for node in self.nodes:
            node.route(entry, handler)

    def listen(self, listener: Callable[[Event, Channel | None], None]) -> None:
        for node in self.nodes:
            node.listen(listener)

    def on_connect(self, hook: ConnectHook) -> None:
        for node in self.nodes:
            node.on_connect(hook)

    def start(self) -> SwitchPool:
        for node in self.nodes:
            node.start()
        return self

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def wait_connected(self, timeout: float) -> None:
        for node in self.nodes:
            node.wait_connected(timeout)

    def sees_every_node(self) -> bool:
        """Whether every node is reconciled: a channel missing from the registry is then really gone."""
        return all(node.reconciled.is_set() for node in self.nodes)

    def node(self, name: str) -> Switch:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no switch named {name!r} (have {', '.join(n.name for n in self.nodes)})")

    # -- one call's node -------------------------------------------------------------------------------

    def owner_of(self, uuid: str) -> Switch:
        """The node that has channel ``uuid`` (or placed it); the first node when none knows it."""
        for node in self.nodes:
            if uuid in node.registry:
                return node
        return self._placed.get(uuid) or self.nodes[0]

    def connection(self) -> ESLConnection:
        """A connection to the first connected node, for commands about no particular call."""
        for node in self.nodes:
            if node.client.is_connected:
                return node.connection()
        return self.nodes[0].connection()

    def call(self, uuid: str) -> Call:
        for node in self.nodes:
            if uuid in node.registry:
                return node.call(uuid)
        raise ChannelGone(f"channel {uuid} is on none of the switches {self.name}")

    def wait_channel(self, uuid: str, condition: str, timeout: float, known: Channel | None = None) -> Channel:
        return self.owner_of(uuid).wait_channel(uuid, condition, timeout, known)

    def answered(self, uuid: str) -> bool | None:
        return self.owner_of(uuid).answered(uuid)

    # -- new legs --------------------------------------------------------------------------------------

    def node_for_leg(self, variables: dict[str, str]) -> Switch:
        """Where a leg with these variables is placed (rules in the module docstring)."""
        named = variables.get(NODE_VARIABLE)
        if named:
            return self.node(named)
        call_uuid = variables.get(CALL_VARIABLE)
        if call_uuid:
            for node in self.nodes:
                if call_uuid in node.registry:
                    return node
            for node in self.nodes:
                if any(channel.variables.get(CALL_VARIABLE) == call_uuid and not channel.gone
                       for channel in node.registry):
                    return node
        connected = [node for node in self.nodes if node.client.is_connected] or self.nodes
        return min(connected, key=lambda node: len(node.registry))

    def originate(self, dial_string: str, variables: dict[str, str] | None = None, *, timeout: float = 60.0,
                  wait_park: bool = True, intercept: str | None = None, throttled: bool = True) -> Call:
        """Place a leg on the node :meth:`node_for_leg` picks (see :meth:`Switch.originate`)."""
        values = dict(variables or {})
        node = self.node_for_leg(values)
        values.setdefault("origination_uuid", new_uuid())
        leg_uuid = values["origination_uuid"]
        self._placed[leg_uuid] = node
        log.debug("leg %s: placed on switch %s", leg_uuid, node.name)
        try:
            return node.originate(dial_string, values, timeout=timeout, wait_park=wait_park, intercept=intercept,
                                  throttled=throttled)
        except Exception:
            self._placed.pop(leg_uuid, None)
            raise

    def _forget_ended_leg(self, event: Event, channel: Channel | None) -> None:
        if event.name == HANGUP and channel is not None:
            self._placed.pop(channel.uuid, None)


def build_switch(config: Config, host: str | None = None, port: int | None = None) -> Switch | SwitchPool:
    """The controller's switch: ``switch:`` alone, or a pool of ``switches:`` (port and password default
    to ``switch.port`` / ``switch.password``). ``host``/``port`` override ``switch:`` (``fsapp run --host``)."""
    timeouts = {"connect_timeout": config.switch.connect_timeout, "command_timeout": config.switch.command_timeout,
                "queue_size": config.switch.event_queue, "command_connections": config.switch.command_connections,
                "overload_after": config.switch.overload_after, "overload_wait": config.switch.overload_wait}
    if not config.switches:
        return Switch(host or config.switch.host, port or config.switch.port, config.switch.password, **timeouts)
    switches = [(node.name, node_switch(config.switch, node)) for node in config.switches]
    nodes = [Switch(switch.host, switch.port, switch.password, name=name or None, **timeouts)
             for name, switch in switches]
    names = [node.name for node in nodes]
    if len(set(names)) != len(names):
        raise ConfigError(f"switch names must be unique, got {', '.join(names)}", config.source, key="switches")
    return SwitchPool(nodes)
