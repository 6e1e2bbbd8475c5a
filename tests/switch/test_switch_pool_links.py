"""Several switches, each linked by an event socket and a command socket: one node's link going down is that
node's business only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gevent.event import AsyncResult, Event as Flag

from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.switch.call import Call
from fsapp.switch.pool import SwitchPool
from fsapp.switch.service import Switch

WAIT = 15.0


@pytest.fixture
def two_nodes() -> Iterator[tuple[SimulatedSwitch, SimulatedSwitch]]:
    first, second = SimulatedSwitch(password="ClueCon"), SimulatedSwitch(password="ClueCon")
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()


@pytest.mark.parametrize("listening", [True, False], ids=["event socket cut", "command socket cut"])
def test_one_node_losing_a_socket_leaves_the_other_node_driving_its_calls(
        two_nodes: tuple[SimulatedSwitch, SimulatedSwitch], listening: bool) -> None:
    first, second = two_nodes
    nodes = [Switch(*sim.address, "ClueCon", name=name, reconnect_wait=WAIT, command_connections=2)
             for name, sim in (("fs1", first), ("fs2", second))]
    pool = SwitchPool(nodes)
    answered: dict[str, Flag] = {}
    resumed: AsyncResult = AsyncResult()
    finished: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        if call.resumed:
            resumed.set((call.switch.name, call.get_variable("fsapp_step")))
            call.hangup()
            return
        call.answer()
        call.set_variable("fsapp_step", "waiting")
        answered[call.switch.name].set()
        if call.switch.name == "fs2":
            call.playback("tone_stream://%(200,0,440)")   # commands on fs2 while fs1 reconnects
            finished.set(call.get_variable("fsapp_step"))
            call.hangup()
            return
        call.playback("tone_stream://%(1000,0,440);loops=600")   # interrupted by the cut

    answered.update(fs1=Flag(), fs2=Flag())
    pool.route("main", main)
    pool.start().wait_connected(WAIT)
    try:
        assert pool.reconciled.wait(WAIT)
        first.place_call(caller="+4790000400", script=CallerScript(hangup_after=6000.0))
        assert answered["fs1"].wait(WAIT)
        assert first.drop_clients(listening) == (1 if listening else 2)   # the event socket, or both command sockets
        second.place_call(caller="+4790000401", script=CallerScript(hangup_after=6000.0))
        assert finished.get(timeout=WAIT) == "waiting"
        assert resumed.get(timeout=WAIT) == ("fs1", "waiting")
        assert nodes[0].client.connections_made == 2
        assert nodes[1].client.connections_made == 1
    finally:
        pool.stop()
