"""One controller driving two switches, queues shared across them, and a standby taking over through PostgreSQL.

Everything runs on this machine: two simulated FreeSWITCH nodes, a private PostgreSQL cluster, and
controllers in this process configured with ``switches:`` and ``ha.enabled``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gevent
import pytest
from gevent.event import Event as Flag

from fsapp.config import Config
from fsapp.controller import Controller
from fsapp.ha import LeaderLock
from fsapp.ha.acd_state import SharedSnapshot
from fsapp.ha.standby import leader_lock_for, wait_for_leadership
from fsapp.switch.pool import SwitchPool
from tests.scaleout.callers import bridged, call, holding, queue_callers
from tests.scaleout.conftest import WAIT, Node, SeenEvents, bridge_legs

pytestmark = pytest.mark.postgres


class SavedSnapshots:
    """Wraps the controller's shared snapshot to be told of each save (so a test knows what a crash keeps)."""

    def __init__(self, inner: SharedSnapshot) -> None:
        self.inner = inner
        self.path = inner.path
        self.waiting: list[str] = []
        self._saved = Flag()

    def save(self, data: dict[str, Any]) -> None:
        self.inner.save(data)
        self.waiting = [member["call_uuid"] for member in data["members"]]
        self._saved.set()

    def load(self) -> dict[str, Any] | None:
        return self.inner.load()

    def wait_waiting(self, uuids: list[str]) -> None:
        with gevent.Timeout(WAIT, AssertionError(f"snapshot never held {uuids}, last {self.waiting}")):
            while self.waiting != uuids:
                self._saved.clear()
                self._saved.wait()


class Cluster:
    """Controllers started by a test, stopped (or left crashed) at its end."""

    def __init__(self) -> None:
        self.controllers: list[Controller] = []
        self.locks: list[LeaderLock] = []

    def activate(self, config: Config, stopping: Flag | None = None,
                 on_standby: Callable[[], None] | None = None) -> Controller | None:
        """What ``fsapp run`` does with ha.enabled: wait for the lock, then start the controller."""
        lock = leader_lock_for(config)
        self.locks.append(lock)
        if not wait_for_leadership(lock, stopping or Flag(), on_standby):
            return None
        controller = Controller(config)
        controller.acd.tick_interval = 0.05
        self.controllers.append(controller.start())
        controller.switch.wait_connected(WAIT)
        assert controller.acd.reconciled.wait(WAIT), "the ACD did not reconcile with both switches"
        return controller

    def crash(self, controller: Controller, lock: LeaderLock) -> None:
        """Stop a controller abruptly: no state written, its Event Socket links and lock session closed."""
        gevent.killall(controller.acd._greenlets)
        controller.acd._ringing.kill()
        if controller._flow_watch is not None:
            controller._flow_watch.kill()
        controller.switch.stop()          # calls stay up on the switches
        lock._connection.close()          # what PostgreSQL sees when the process dies
        controller.store.close()
        self.controllers.remove(controller)

    def stop(self) -> None:
        for controller in self.controllers:
            controller.stop()
            controller.store.close()
        for lock in self.locks:
            lock.release()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    running = Cluster()
    yield running
    running.stop()


def _line(controller: Controller) -> list[str]:
    return list(controller.acd.router.queues["service"].line.uuids())


def test_each_caller_reaches_an_agent_through_its_own_node(cluster: Cluster, make_config, nodes: dict[str, Node],
                                                          seen: SeenEvents) -> None:
    controller = cluster.activate(make_config("one"))
    assert isinstance(controller.switch, SwitchPool)
    assert [node.name for node in controller.switch.nodes] == ["fs-a", "fs-b"]
    for agent in ("anna", "bo"):
        controller.acd.agent_login(agent)
    on_a, on_b = call(nodes["fs-a"], "+4790000001"), call(nodes["fs-b"], "+4790000002")
    bridges = seen.wait(bridged([on_a, on_b]), count=2)
    # uuid_bridge only joins two legs of one switch: the agent's leg was dialled from the caller's node.
    assert {bridge_legs(event)[0]: node for node, event in bridges} == {on_a: "fs-a", on_b: "fs-b"}
    assert {seen.agents[on_a], seen.agents[on_b]} == {"anna", "bo"}


def test_one_queue_serves_callers_of_both_nodes_in_arrival_order(cluster: Cluster, make_config,
                                                                 nodes: dict[str, Node], seen: SeenEvents) -> None:
    controller = cluster.activate(make_config("one"))
    callers = queue_callers(nodes, seen, ["fs-a", "fs-b", "fs-b", "fs-a"])
    assert _line(controller) == [uuid for _, uuid in callers]
    controller.acd.agent_login("anna")
    bridges = seen.wait(bridged([uuid for _, uuid in callers]), count=len(callers))
    assert [(node, bridge_legs(event)[0]) for node, event in bridges] == callers
    assert {seen.agents[uuid] for _, uuid in callers} == {"anna"}


def test_standby_takes_over_with_the_waiting_callers_in_order(cluster: Cluster, make_config,
                                                              nodes: dict[str, Node], seen: SeenEvents) -> None:
    active_config, standby_config = make_config("active"), make_config("standby")
    active = cluster.activate(active_config)
    saved = SavedSnapshots(active.acd.snapshot)
    active.acd.snapshot = saved
    standing_by, stopping = Flag(), Flag()
    takeover = gevent.spawn(cluster.activate, standby_config, stopping, standing_by.set)
    assert standing_by.wait(WAIT), "the second controller did not report itself standby"

    callers = queue_callers(nodes, seen, ["fs-b", "fs-a", "fs-a", "fs-b"])
    uuids = [uuid for _, uuid in callers]
    saved.wait_waiting(uuids)
    cluster.crash(active, cluster.locks[0])

    standby = takeover.get(timeout=WAIT)
    assert standby is not None
    assert _line(standby) == uuids, "the queue restored from PostgreSQL keeps the arrival order"
    for node, uuid in callers:
        seen.wait(holding(uuid), count=2)   # back on hold music, now from the new controller
        assert nodes[node].sim.channel(uuid).alive

    standby.acd.agent_login("bo")
    bridges = seen.wait(bridged(uuids), count=len(uuids))
    assert [(node, bridge_legs(event)[0]) for node, event in bridges] == callers
    assert {seen.agents[uuid] for uuid in uuids} == {"bo"}
    for node, uuid in callers:
        assert nodes[node].sim.wait_gone(uuid, WAIT)   # each conversation ended when the agent hung up
    stopping.set()


def test_a_node_that_is_down_does_not_hold_back_the_others(cluster: Cluster, make_config,
                                                          nodes: dict[str, Node], seen: SeenEvents) -> None:
    config = make_config("one")
    nodes["fs-b"].stop()   # down before the controller starts, as after a crash of that machine
    controller = Controller(config)
    controller.acd.tick_interval = 0.05
    cluster.controllers.append(controller.start())
    assert controller.acd.reconciled.wait(WAIT), "the ACD waited for the node that is down"
    controller.acd.agent_login("anna")
    caller = call(nodes["fs-a"], "+4790000031")
    (node, bridge), = seen.wait(bridged([caller]))
    assert node == "fs-a" and seen.agents[caller] == "anna"
