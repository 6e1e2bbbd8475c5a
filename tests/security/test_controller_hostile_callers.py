"""Whole calls through the real controller (menus, queues, store) on the simulated switch, from callers whose
caller ID or stored name is hostile. The switch's own reading of every originate is asserted."""

from __future__ import annotations

from collections.abc import Callable

from gevent.event import Event as Flag

from fsapp.sim import SimulatedSwitch
from tests.integration.conftest import MONDAY_MORNING, WAIT, keypad, make_controller, sim_speed  # noqa: F401

FORGED = "+4790000302,sofia/gateway/default/+4799999999"


def dialled(sim: SimulatedSwitch) -> list[list[str]]:
    return [request.destinations for request in sim.core.originated]


def until(sim: SimulatedSwitch, predicate: Callable[[], bool], what: str) -> None:
    """Wait until ``predicate()`` holds, looking again after each change on the simulated switch."""
    changed = Flag()
    sim.core.observers.append(changed.set)
    try:
        while not predicate():
            assert changed.wait(WAIT), f"{what}: not within {WAIT} s"
            changed.clear()
    finally:
        sim.core.observers.remove(changed.set)


def test_a_forged_caller_id_gets_one_callback_to_the_number_it_keyed(sim: SimulatedSwitch, make_controller,
                                                                     keypad) -> None:
    for endpoint in ("1001", "+4790000302", "+4799999999"):
        sim.add_endpoint(endpoint, answer_after=1.0)
    controller = make_controller(MONDAY_MORNING)
    caller = keypad("0", "90000302#")   # the operator; then the number asked for once the caller ID is refused
    uuid = caller.call(FORGED)
    until(sim, lambda: uuid in controller.acd.router.members, "the caller waiting in the operator queue")
    sim.send_dtmf(uuid, "1")            # the queue's exit key: call me back
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.queue_outcome == "callback"
    assert [member.callback_number for member in controller.acd.router.members.values()] == ["+4790000302"]
    controller.acd.agent_login("ingrid")
    until(sim, lambda: any(channel.variables.get("fsapp_role") == "citizen" and channel.bridge is not None
                           for channel in sim.channels.values()), "the citizen bridged to ingrid")
    assert dialled(sim) == [["user/1001"], ["sofia/gateway/pstn/+4790000302"]]   # outbound.gateway
    assert not [request.line for request in sim.core.requests if "4799999999" in request.line]


def test_a_stored_name_with_a_newline_and_a_backslash_reaches_the_operator(sim: SimulatedSwitch, make_controller,
                                                                          keypad) -> None:
    sim.add_endpoint("1001", answer_after=1.0, hangup_after=3.0)
    controller = make_controller(MONDAY_MORNING)
    controller.store.add_citizen("Kari\nNordmann\\", ["+4790000305"])
    controller.acd.agent_login("ingrid")
    uuid = keypad("0").call("+4790000305")
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.queue_outcome == "answered"   # before: every offer failed (originate-failed) until max_wait
    [offer] = [dict(request.variables) for request in sim.core.originated]
    assert (offer["fsapp_role"], offer["origination_caller_id_name"]) == ("agent", "Kari Nordmann")
    assert offer["sip_h_X-Fsapp-Caller"] == "+4790000305"
