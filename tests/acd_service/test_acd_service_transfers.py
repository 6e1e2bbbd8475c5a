"""Blind and attended transfers and the three-way conference, on the simulated switch."""

from __future__ import annotations

import wave

import gevent
import pytest
from acd_service_helpers import WAIT, Controller, build_config

from fsapp.acd.attended import consult_dial
from fsapp.acd.engaged import DIRECT_CALL
from fsapp.acd.errors import TransferError
from fsapp.acd.outcome import ANSWERED, TRANSFERRED
from fsapp.esl.events import Event
from fsapp.sim import SimulatedSwitch


def talking(sim: SimulatedSwitch, controller, number: str = "+4790000031", *, support: dict | None = None,
            bo_serves_support: bool = False) -> tuple[Controller, str, str]:
    """A caller in queue support answered by anna; returns the controller, caller and anna's leg."""
    sim.add_endpoint("anna", answer_after=0.5)
    sim.add_endpoint("bo", answer_after=0.5)
    bo = {"queues": {"support": 1}} if bo_serves_support else {}
    center = controller(build_config({"support": support or {}}, {"anna": {"queues": {"support": 1}}, "bo": bo}))
    center.service.agent_login("anna")
    caller = sim.place_call(number, entry="support")
    center.wait_state("anna", "on-call", caller)
    anna_leg = center.agent_leg("anna")
    bridged(center, caller, anna_leg)
    return center, caller, anna_leg


def bridged(center: Controller, a: str, b: str | None = None, *, not_to: str | None = None,
            since: int = 0) -> Event:
    """The CHANNEL_BRIDGE of leg ``a`` (to ``b``, or to anything but ``not_to``; either may be the bridge's leg
    A: an agent's leg bridges itself to its caller) among the events from number ``since`` on (each event is
    looked at once, in order)."""
    number = iter(range(1 << 30))

    def legs(e: Event) -> set[str | None]:
        return {e.get("Bridge-A-Unique-ID"), e.get("Bridge-B-Unique-ID")}
    return center.events.wait(lambda e: next(number) >= since and e.name == "CHANNEL_BRIDGE" and a in legs(e)
                              and not_to not in legs(e) and (b is None or b in legs(e)))


def consulting_bo(center: Controller, caller: str, anna_leg: str) -> str:
    """anna consults bo about ``caller``; returns bo's leg once anna and bo are talking."""
    bo_leg = center.service.consult(caller, agent="bo")
    bridged(center, anna_leg, bo_leg)
    assert center.sim.channel(bo_leg).variables["no_throttle_limits"] == "true"   # a call already in
    return bo_leg


def partner(sim: SimulatedSwitch, uuid: str) -> str | None:
    bridge = sim.channel(uuid).bridge
    return None if bridge is None else bridge.other(sim.channel(uuid)).uuid


def test_blind_transfer_to_an_agent_rings_their_phone_and_frees_the_first(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    center.service.transfer(caller, agent="bo")
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.caller_alive) == (TRANSFERRED, True)
    assert sim.wait_gone(anna_leg, WAIT)
    bo_leg = bridged(center, caller, not_to=anna_leg).get("Bridge-B-Unique-ID")
    assert sim.channel(bo_leg).name.endswith("/bo")
    assert center.router.agent("anna").calls_handled == 1
    sim.hangup(bo_leg)
    assert sim.wait_gone(caller, WAIT)   # the inline dialplan ends with the bridge


def test_attended_transfer_completed(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    bo_leg = center.service.consult(caller, agent="bo")
    center.wait_music(caller)                       # the caller holds on the queue's music
    bridged(center, anna_leg, bo_leg)               # while anna talks to bo
    assert sim.channel(caller).bridge is None
    center.service.complete_transfer(caller)
    bridged(center, caller, bo_leg)
    assert sim.wait_gone(anna_leg, WAIT)
    center.wait_state("anna", "available")
    assert not center.outcomes[caller].ready()      # the call goes on, with bo
    sim.hangup(bo_leg)
    assert sim.wait_gone(caller, WAIT)              # nobody is left parked
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.caller_alive) == (ANSWERED, "bo", False)
    assert outcome.agents == ("anna", "bo") and [s.leg_uuid for s in outcome.segments] == [anna_leg, bo_leg]


def test_attended_transfer_cancelled_returns_to_the_caller(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    bo_leg = center.service.consult(caller, dial="user/bo")
    bridged(center, anna_leg, bo_leg)
    mark = len(center.events.items)
    center.service.cancel_consult(caller)
    assert sim.wait_gone(bo_leg, WAIT)
    bridged(center, caller, anna_leg, since=mark)
    assert partner(sim, caller) == anna_leg
    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id) == (ANSWERED, "anna")
    assert sim.wait_gone(anna_leg, WAIT)


def test_the_consulted_party_hanging_up_returns_the_operator_to_the_caller(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    bo_leg = consulting_bo(center, caller, anna_leg)
    mark = len(center.events.items)
    sim.hangup(bo_leg)
    bridged(center, caller, anna_leg, since=mark)
    with pytest.raises(TransferError):
        center.service.complete_transfer(caller)


def test_a_consulted_party_who_does_not_answer_leaves_the_operator_with_the_caller(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    sim.add_endpoint("cleo", behaviour="busy")
    mark = len(center.events.items)
    with pytest.raises(TransferError, match="did not answer"):
        center.service.consult(caller, dial="user/cleo")
    bridged(center, caller, anna_leg, since=mark)
    assert caller not in center.service.consults


def test_an_operator_who_hangs_up_while_the_consulted_party_rings_ends_the_call(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    sim.add_endpoint("cleo", behaviour="no_answer")
    mark = len(center.events.items)
    consult = gevent.spawn(center.service.consult, caller, dial="user/cleo")
    center.events.wait(lambda e: e.name == "CHANNEL_PROGRESS" and e.get("Caller-Destination-Number") == "cleo")
    center.wait_music(caller, since=mark)   # the caller is on hold, away from anna
    sim.hangup(anna_leg)
    assert sim.wait_gone(caller, WAIT), "no caller left on hold with nobody to take them back"
    consult.kill()


def test_three_way_conference(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    bo_leg = consulting_bo(center, caller, anna_leg)
    name = center.service.conference(caller)
    center.events.wait(lambda e: e.name == "CUSTOM" and e.get("Conference-Name") == name
                       and e.get("Action") == "add-member" and e.get("Conference-Size") == "3")
    assert {channel.uuid for channel in sim.core.conferences[name].values()} == {caller, anna_leg, bo_leg}
    sim.hangup(anna_leg)                            # the operator leaves; caller and expert go on
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.caller_alive) == (ANSWERED, "anna", True)
    center.events.wait(lambda e: e.get("Conference-Name") == name and e.get("Action") == "del-member"
                       and e.get("Conference-Size") == "2")
    assert not sim.channel(caller).destroyed and not sim.channel(bo_leg).destroyed
    sim.hangup(bo_leg)
    assert sim.wait_gone(caller, WAIT), "the caller left alone in the conference is hung up"
    center.events.wait(lambda e: e.get("Conference-Name") == name and e.get("Action") == "conference-destroy")


def test_the_conference_goes_on_when_the_caller_leaves(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    center.service.agent_login("bo")
    bo_leg = consulting_bo(center, caller, anna_leg)
    name = center.service.conference(caller)
    center.events.wait(lambda e: e.get("Conference-Name") == name and e.get("Action") == "add-member"
                       and e.get("Conference-Size") == "3")
    sim.hangup(caller)
    center.events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.get("Unique-ID") == caller)
    center.service._run(lambda: None)              # the service has handled the caller's hangup
    assert not sim.channel(anna_leg).destroyed and not sim.channel(bo_leg).destroyed
    assert {channel.uuid for channel in sim.core.conferences[name].values()} == {anna_leg, bo_leg}
    assert not center.outcomes[caller].ready()     # the operator is still talking (to the expert)
    assert center.router.agent("anna").state.value == "on-call"
    sim.hangup(bo_leg)
    assert sim.wait_gone(anna_leg, WAIT), "the operator left alone in the conference is hung up"
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.caller_alive) == (ANSWERED, "anna", False)
    center.wait_state("anna", "available")
    center.wait_state("bo", "available")


def test_a_consulted_agent_gets_no_queue_call_until_the_consultation_ends(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller, "+4790000032", bo_serves_support=True)
    center.service.agent_login("bo")
    bo_leg = consulting_bo(center, caller, anna_leg)
    held = center.wait_state("bo", "break")
    assert held.reason == "consultation"
    second = sim.place_call("+4790000033", entry="support")
    center.wait_music(second)                      # in line, and not offered to bo who is consulted
    assert center.router.waiting("support") == [second]
    assert center.router.agent("bo").state.value == "break"
    center.service.cancel_consult(caller)
    assert sim.wait_gone(bo_leg, WAIT)
    center.wait_state("bo", "on-call", second)     # back available, bo takes the waiting call


def test_an_agent_busy_with_a_queue_call_is_not_consulted(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller)
    with pytest.raises(TransferError, match="anna is on-call"):
        center.service.consult(caller, agent="anna")
    assert caller not in center.service.consults
    assert partner(sim, caller) == anna_leg


def test_a_transfer_completed_to_a_consulted_agent_puts_them_on_call_then_in_wrap_up(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller, "+4790000034", support={"wrap_up": 60.0},
                                       bo_serves_support=True)
    center.service.agent_login("bo")
    bo_leg = consulting_bo(center, caller, anna_leg)
    center.service.complete_transfer(caller)
    center.wait_state("bo", "on-call", caller)
    center.wait_state("anna", "wrap-up")
    bridged(center, caller, bo_leg)
    sim.hangup(caller)
    assert sim.wait_gone(bo_leg, WAIT)
    center.wait_state("bo", "wrap-up")
    assert center.router.agent("bo").calls_handled == 1


def test_blind_transfer_to_an_outside_number(sim, controller) -> None:
    number = "+4790000099"
    sim.add_endpoint("anna", answer_after=0.5)
    sim.add_endpoint(number, answer_after=0.5)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}),
                        callback_dial="sofia/gateway/pstn/{number}")
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000035", entry="support")
    center.wait_state("anna", "on-call", caller)
    anna_leg = center.agent_leg("anna")
    center.service.transfer(caller, number=number)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.caller_alive) == (TRANSFERRED, True)
    assert sim.wait_gone(anna_leg, WAIT)
    outside = bridged(center, caller, not_to=anna_leg).get("Bridge-B-Unique-ID")
    assert sim.channel(outside).name.endswith(number)
    center.wait_state("anna", "available")


def test_a_restarted_controller_frees_agents_held_for_calls_that_are_gone(sim, controller, caplog) -> None:
    for agent in ("bo", "cleo"):
        sim.add_endpoint(agent, answer_after=0.5)
    config = build_config({"support": {}}, {"bo": {"queues": {"support": 1}}, "cleo": {"queues": {"support": 1}}})
    first = controller(config)
    for agent in ("bo", "cleo"):
        first.service.agent_login(agent)
        assert first.service.engage(agent, DIRECT_CALL)
    cleo_leg = first.switch.originate("user/cleo", {"fsapp_role": "direct", "fsapp_agent": "cleo"}, timeout=WAIT)
    first.stop()                                   # bo's direct call ended with the old controller

    second = controller(config)
    assert second.service.reconciled.wait(WAIT)
    assert second.router.agent("bo").state.value == "available"
    assert "agent bo: on a direct call break with no live call, made available" in caplog.text
    cleo = second.router.agent("cleo").status
    assert (cleo.state.value, cleo.reason) == ("break", DIRECT_CALL)   # her call is still on
    sim.hangup(cleo_leg.uuid)
    second.wait_state("cleo", "available")


def test_the_party_to_consult_is_exactly_one_of_agent_number_or_dial() -> None:
    outside = "sofia/gateway/pstn/{number}"
    assert consult_dial(agent_contact="user/bo", number=None, dial=None, outside_dial=outside) == "user/bo"
    assert consult_dial(agent_contact=None, number="+4790000009", dial=None,
                        outside_dial=outside) == "sofia/gateway/pstn/+4790000009"
    assert consult_dial(agent_contact=None, number=None, dial="user/2001", outside_dial=outside) == "user/2001"
    with pytest.raises(ValueError):
        consult_dial(agent_contact="user/bo", number="+4790000009", dial=None, outside_dial=outside)
    with pytest.raises(ValueError):
        consult_dial(agent_contact=None, number=None, dial=None, outside_dial=outside)


def test_a_consulted_agent_in_wrap_up_is_held_until_the_consultation_ends(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller, "+4790000041", support={"wrap_up": 60.0},
                                       bo_serves_support=True)
    center.service.agent_login("bo")
    first = sim.place_call("+4790000040", entry="support")
    center.wait_state("bo", "on-call", first)
    sim.hangup(first)
    center.wait_state("bo", "wrap-up")
    bo_leg = consulting_bo(center, caller, anna_leg)
    assert center.router.agent("bo").status.reason == "consultation"   # the wrap-up ended for the consultation
    second = sim.place_call("+4790000042", entry="support")
    center.wait_music(second)                      # in line, and not offered to bo who is consulted
    assert center.router.waiting("support") == [second]
    center.service.cancel_consult(caller)
    assert sim.wait_gone(bo_leg, WAIT)
    center.wait_state("bo", "on-call", second)


def state_since(center: Controller, since: int, agent_id: str, state: str) -> None:
    """Wait for ``agent_id`` to enter ``state`` in a change numbered ``since`` or later."""
    number = iter(range(1 << 30))
    center.states.wait(lambda d: next(number) >= since and d.agent_id == agent_id and d.state == state)


def test_the_consulted_agent_is_freed_when_the_transferred_call_ends(sim, controller) -> None:
    center, caller, anna_leg = talking(sim, controller, "+4790000043", support={"wrap_up": 2.0},
                                       bo_serves_support=True)
    center.service.agent_login("bo")
    consulting_bo(center, caller, anna_leg)
    mark = len(center.states.items)
    center.service.complete_transfer(caller)
    center.wait_state("bo", "on-call", caller)
    state_since(center, mark, "anna", "available")   # anna's wrap-up ends while bo talks to the caller
    sim.hangup(caller)
    state_since(center, mark, "bo", "wrap-up")
    state_since(center, mark, "bo", "available")


def test_an_agent_who_took_a_transferred_call_from_the_queue_is_freed_at_complete(sim, controller) -> None:
    for agent in ("anna", "bo", "cleo"):
        sim.add_endpoint(agent, answer_after=0.5)
    center = controller(build_config({"support": {"wrap_up": 2.0}}, {
        "anna": {"queues": {"support": 1}}, "bo": {"queues": {"support": 1}}, "cleo": {}}))
    for agent in ("anna", "bo", "cleo"):
        center.service.agent_login(agent)
    caller = sim.place_call("+4790000044", entry="support")
    center.wait_state("anna", "on-call", caller)
    mark = len(center.states.items)
    center.service.transfer(caller, queue="support")   # anna to wrap-up, bo answers the same call
    state_since(center, mark, "bo", "on-call")
    state_since(center, mark, "anna", "available")     # anna's wrap-up of that call ends meanwhile
    bo_leg = center.agent_leg("bo")
    cleo_leg = center.service.consult(caller, agent="cleo")
    bridged(center, bo_leg, cleo_leg)
    center.service.complete_transfer(caller)
    state_since(center, mark, "bo", "wrap-up")
    state_since(center, mark, "cleo", "on-call")
    sim.hangup(cleo_leg)
    state_since(center, mark, "cleo", "wrap-up")


def test_a_completed_transfer_keeps_recording_and_counts_the_whole_talk(sim, controller, tmp_path) -> None:
    center, caller, anna_leg = talking(sim, controller, "+4790000045", support={"record": True})
    talked_from = sim.clock.now()
    sim.channel(caller).sleep(4.0)                  # anna and the caller talk
    bo_leg = consulting_bo(center, caller, anna_leg)
    center.service.complete_transfer(caller)
    bridged(center, caller, bo_leg)
    sim.channel(caller).sleep(6.0)                  # bo and the caller talk
    sim.hangup(caller)
    ended = sim.clock.now()
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.agents) == (ANSWERED, "bo", ("anna", "bo"))
    assert ended - talked_from - 1.0 <= outcome.talk_time <= ended - talked_from + 0.5
    record = center.recorded.wait(lambda r: r["call_uuid"] == caller)
    with wave.open(record["path"]) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert seconds >= 10.0 and seconds >= outcome.talk_time - 1.0   # anna's part, the hold, and bo's part


def test_a_call_sent_back_to_the_queue_keeps_both_agents_in_one_recording(sim, controller) -> None:
    for agent in ("anna", "bo"):
        sim.add_endpoint(agent, answer_after=0.5)
    center = controller(build_config({"support": {"record": True, "wrap_up": 30.0}}, {
        "anna": {"queues": {"support": 1}}, "bo": {"queues": {"support": 1}}}))
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000046", entry="support")
    center.wait_state("anna", "on-call", caller)
    sim.channel(caller).sleep(3.0)
    center.service.agent_login("bo")
    center.service.transfer(caller, queue="support")
    center.wait_state("bo", "on-call", caller)
    sim.channel(caller).sleep(3.0)
    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.agent_id, outcome.agents) == ("bo", ("anna", "bo"))
    assert 6.0 <= outcome.talk_time <= 8.0
    center.recorded.wait(lambda r: r["call_uuid"] == caller and r["agent_id"] == "bo")
    paths = {record["path"] for record in center.recordings if record["call_uuid"] == caller}
    assert len(paths) == 1
    with wave.open(paths.pop()) as audio:
        assert audio.getnframes() / audio.getframerate() >= 5.0    # anna's 3 s were not overwritten by bo's


def test_a_transfer_right_after_the_answer_keeps_the_caller(sim, controller) -> None:
    """The switch bridges at the caller's next frame, after uuid_bridge's +OK: a transfer issued before then
    hangs up the agent's leg first, and the caller, left with nobody to bridge to, must park, not hang up
    (FreeSWITCH hangs the originator up ORIGINATOR_CANCEL unless uuid_bridge_park_on_cancel is set)."""
    for agent in ("anna", "bo"):
        sim.add_endpoint(agent, answer_after=0.5)
    center = controller(build_config({"support": {"wrap_up": 60.0}}, {"anna": {"queues": {"support": 1}},
                                                                      "bo": {"queues": {"support": 1}}}))
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000047", entry="support")
    center.wait_state("anna", "on-call", caller)       # the ACD bridges in the same job, the switch a frame later
    center.service.transfer(caller, queue="support")
    center.service.agent_login("bo")
    center.wait_state("bo", "on-call", caller)
    bo_leg = center.agent_leg("bo")
    bridged(center, caller, bo_leg)
    assert sim.channel(caller).alive
    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.agents) == (ANSWERED, "bo", ("anna", "bo"))


def test_a_blind_transfer_to_an_agent_keeps_recording_the_caller(sim, controller) -> None:
    """The caller's recording goes on through the bridge to the agent the call was handed to, until the end."""
    for agent in ("anna", "bo"):
        sim.add_endpoint(agent, answer_after=0.5)
    center = controller(build_config({"support": {"record": True}}, {"anna": {"queues": {"support": 1}},
                                                                      "bo": {}}))
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000048", entry="support")
    center.wait_state("anna", "on-call", caller)
    anna_leg = center.agent_leg("anna")
    bridged(center, caller, anna_leg)
    sim.channel(caller).sleep(3.0)                  # anna and the caller talk
    center.service.transfer(caller, agent="bo")
    bo_leg = bridged(center, caller, not_to=anna_leg).get("Bridge-B-Unique-ID")
    sim.channel(caller).sleep(3.0)                  # bo and the caller talk
    sim.hangup(bo_leg)
    assert sim.wait_gone(caller, WAIT)
    record = center.recorded.wait(lambda r: r["call_uuid"] == caller)
    with wave.open(record["path"]) as audio:
        assert audio.getnframes() / audio.getframerate() >= 5.5   # anna's 3 s and bo's 3 s
