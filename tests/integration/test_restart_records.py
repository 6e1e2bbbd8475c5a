"""A controller killed mid-call and a new one on the same store and state: every call still gets its row."""

from __future__ import annotations

import pytest

from fsapp.api.recordings import RecordingQuery, find_recordings
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import CHANGES, wait_until
from tests.integration.conftest import MONDAY_MORNING, WAIT, crash


def watched(controller):
    """Let :func:`wait_until` look again after each change of this controller."""
    controller.acd.change_listeners.append(CHANGES.poke)
    controller.switch.listen(CHANGES.poke)
    return controller


def talking(controller, caller: str, agent: str) -> bool:
    """The router has ``agent`` on the caller's call and the switch has bridged the two (as the controller saw
    it in the switch's events)."""
    queued = controller.acd.calls.get(caller)
    channel = controller.switch.registry.get(caller)
    return (controller.acd.router.agent_call(caller) == agent and queued is not None and channel is not None
            and queued.agent_leg is not None and channel.bridged_to == queued.agent_leg)


def test_calls_waiting_and_talking_across_a_crash_are_recorded(sim: SimulatedSwitch, make_controller,
                                                               keypad) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0)
    sim.core.observers.append(CHANGES.poke)
    first = watched(make_controller(MONDAY_MORNING))
    first.acd.agent_login("ingrid")
    talking = keypad("0").call("+4790000021")
    wait_until(lambda: first.acd.router.agent_call(talking) == "ingrid", WAIT, "ingrid talking to the caller")
    waiting = keypad("0").call("+4790000022")
    wait_until(lambda: waiting in first.acd.router.members, WAIT, "the second caller in line")
    crash(first)

    second = watched(make_controller(None))
    assert second.acd.reconciled.wait(WAIT)
    wait_until(lambda: second.acd.calls.get(waiting), WAIT, "the waiting caller taken up again")
    sim.hangup(talking)
    wait_until(lambda: getattr(second.acd.calls.get(waiting), "recording", None), WAIT,
               "ingrid answering the next caller, recorded")
    sim.channel(waiting).sleep(2.0)
    sim.hangup(waiting)

    for uuid, number in ((talking, "+4790000021"), (waiting, "+4790000022")):
        second.wait_finished(uuid, WAIT)
        row = second.store.call(uuid)
        assert (row["caller_number"], row["queue"], row["agent"], row["outcome"]) == (
            number, "operator", "ingrid", "answered")
        assert row["talk_seconds"] > 0 and row["ended_at"] is not None
        assert row["hangup_cause"] == "NORMAL_CLEARING"
    recordings = find_recordings(second.config.paths.recordings, second.store, RecordingQuery())
    assert {(r["call_uuid"], r["agent"], r["queue"], r["caller"]) for r in recordings} == {
        (talking, "ingrid", "operator", "+4790000021"), (waiting, "ingrid", "operator", "+4790000022")}



@pytest.mark.parametrize("saved", [True, False], ids=["state-saved", "state-never-saved"])
def test_a_call_transferred_after_a_consultation_is_recorded_across_a_crash(sim: SimulatedSwitch, make_controller,
                                                                            keypad, saved: bool) -> None:
    """Saved or not (a crash within the snapshot interval of the transfer), the switch shows ola talking to the
    caller: the new controller takes that up and records the call as ola's."""
    for user in ("1001", "1002"):
        sim.add_endpoint(user, behaviour="answer", answer_after=1.0)
    sim.core.observers.append(CHANGES.poke)
    first = watched(make_controller(MONDAY_MORNING))
    if not saved:
        first.acd.snapshot_interval = 3600.0
    first.acd.agent_login("ingrid")
    caller = keypad("0").call("+4790000023")
    wait_until(lambda: first.acd.router.agent_call(caller) == "ingrid", WAIT, "ingrid talking to the caller")
    first.acd.agent_login("ola")
    first.acd.consult(caller, agent="ola")
    first.acd.complete_transfer(caller)
    wait_until(lambda: talking(first, caller, "ola"), WAIT, "ola talking to the caller")
    ola_leg = first.acd.calls[caller].agent_leg
    if saved:
        first.acd._save_snapshot()
    crash(first)

    second = watched(make_controller(None))
    assert second.acd.reconciled.wait(WAIT)
    sim.channel(caller).sleep(2.0)                  # ola and the caller talk on
    sim.hangup(caller)
    assert sim.wait_gone(ola_leg, WAIT)
    second.wait_finished(caller, WAIT)
    row = second.store.call(caller)
    assert (row["caller_number"], row["queue"], row["agent"], row["outcome"]) == (
        "+4790000023", "operator", "ola", "answered")
    assert row["talk_seconds"] >= 2.0 and row["hangup_cause"] == "NORMAL_CLEARING"
    wait_until(lambda: second.acd.router.agent("ola").state.value == "wrap-up", WAIT, "ola in wrap-up, not on call")
    recordings = find_recordings(second.config.paths.recordings, second.store, RecordingQuery())
    assert [(r["agent"], r["queue"], r["caller"]) for r in recordings if r["call_uuid"] == caller] == [
        ("ola", "operator", "+4790000023")]


def test_a_caller_who_joined_just_before_a_crash_goes_back_to_their_queue(sim: SimulatedSwitch, make_controller,
                                                                           keypad) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0)
    sim.core.observers.append(CHANGES.poke)
    first = watched(make_controller(MONDAY_MORNING))
    first.acd.snapshot_interval = 3600.0   # the saved state never learns of the caller before the crash
    waiting = keypad("0").call("+4790000023")
    wait_until(lambda: waiting in first.acd.router.members, WAIT, "the caller in line")
    marks = [r.arg for r in sim.core.requests if r.verb == "api" and waiting in r.arg and "fsapp_waiting_in" in r.arg]
    assert marks == [f"uuid_setvar_multi {waiting} fsapp_waiting_in=operator;fsapp_language=nb;"
                     "park_after_bridge=false;uuid_bridge_park_on_cancel=true"]   # one command: queue, language
    assert sim.channel(waiting).variables.get("fsapp_waiting_in") == "operator"
    crash(first)

    second = watched(make_controller(None))
    assert second.acd.reconciled.wait(WAIT)
    wait_until(lambda: second.acd.router.members.get(waiting), WAIT, "the caller back in line, not in the menu")
    assert second.acd.router.members[waiting].queue == "operator"
    second.acd.agent_login("ingrid")
    wait_until(lambda: second.acd.router.agent_call(waiting) == "ingrid", WAIT, "ingrid answering the caller")
    sim.hangup(waiting)
    second.wait_finished(waiting, WAIT)
    row = second.store.call(waiting)
    assert (row["queue"], row["agent"], row["outcome"]) == ("operator", "ingrid", "answered")


def test_a_caller_answered_just_before_a_crash_stays_with_their_agent(sim: SimulatedSwitch, make_controller,
                                                                      keypad) -> None:
    """The saved state has the caller still waiting and ingrid logged out; the switch has them talking. The
    new controller believes the switch: no second offer, no hung-up agent leg, ingrid's answered call."""
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0)
    sim.add_endpoint("1002", behaviour="answer", answer_after=1.0)
    sim.core.observers.append(CHANGES.poke)
    first = watched(make_controller(MONDAY_MORNING))
    first.acd.snapshot_interval = 3600.0
    caller = keypad("0").call("+4790000024")
    wait_until(lambda: caller in first.acd.router.members, WAIT, "the caller in line")
    first.acd._save_snapshot()                      # the last state saved: caller waiting, nobody logged in
    first.acd.agent_login("ingrid")
    wait_until(lambda: talking(first, caller, "ingrid"), WAIT, "ingrid talking to the caller")
    ingrid_leg = first.acd.calls[caller].agent_leg
    crash(first)

    second = watched(make_controller(None))
    assert second.acd.reconciled.wait(WAIT)
    assert caller not in second.acd.router.members
    assert second.acd.router.agent_call(caller) == "ingrid"
    second.acd.agent_login("ola")                   # free, and never offered the caller again
    sim.channel(caller).sleep(2.0)
    assert ingrid_leg in sim.channels and second.acd.router.agent("ola").state.value == "available"
    sim.hangup(caller)
    second.wait_finished(caller, WAIT)
    row = second.store.call(caller)
    assert (row["queue"], row["agent"], row["outcome"]) == ("operator", "ingrid", "answered")
    assert row["talk_seconds"] >= 2.0
