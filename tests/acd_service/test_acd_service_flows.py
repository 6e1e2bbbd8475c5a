"""Exit key to a callback, callbacks dialled out, transfers and pickup, on the simulated switch."""

from __future__ import annotations

from acd_service_helpers import MUSIC, WAIT, build_config
from gevent.event import AsyncResult

from fsapp.acd import AnnouncePolicy
from fsapp.acd.outcome import ANSWERED, CALLBACK
from fsapp.acd.states import AgentState
from fsapp.sim import CallerScript


def test_exit_key_turns_the_caller_into_a_callback_that_an_agent_later_dials(sim, controller):
    number = "+4790000020"
    sim.add_endpoint("anna", answer_after=1.0)
    sim.add_endpoint(number, answer_after=1.0)
    center = controller(build_config({"support": {"exit_key": "1"}}, {"anna": {"queues": {"support": 1}}}),
                        callback_dial="sofia/gateway/pstn/{number}")
    caller = sim.place_call(number, entry="support", script=CallerScript(keys=[(2.0, "1")]))
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.callback_number, outcome.position) == (CALLBACK, number, 1)
    assert outcome.caller_alive
    sim.hangup(caller)
    assert center.router.waiting("support") == [caller]

    center.service.agent_login("anna")
    center.wait_state("anna", "on-call", caller)
    center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE")
    citizen = [uuid for uuid, channel in sim.channels.items() if channel.variables.get("fsapp_role") == "citizen"]
    assert len(citizen) == 1
    agent_leg = center.agent_leg("anna")
    sim.hangup(citizen[0])
    assert sim.wait_gone(agent_leg, WAIT)
    center.wait_state("anna", "available")
    assert center.router.waiting("support") == []


def test_transfer_to_another_queue_keeps_the_caller_and_frees_the_agent(sim, controller):
    sim.add_endpoint("anna", answer_after=0.5)
    sim.add_endpoint("bo", answer_after=0.5)
    center = controller(build_config({"support": {}, "backup": {}},
                                     {"anna": {"queues": {"support": 1}}, "bo": {"queues": {"backup": 1}}}))
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000021", entry="support")
    center.wait_state("anna", "on-call", caller)
    anna_leg = center.agent_leg("anna")

    center.service.transfer(caller, queue="backup")
    assert sim.wait_gone(anna_leg, WAIT)
    center.service.agent_login("bo")
    center.wait_state("bo", "on-call", caller)
    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.queues) == (ANSWERED, "bo", ("support", "backup"))
    assert center.router.agent("anna").calls_handled == 1


def test_agent_picks_up_a_call_ringing_elsewhere(sim, controller):
    sim.add_endpoint("anna", answer_after=1.0)
    sim.add_endpoint("bo", behaviour="no_answer")
    center = controller(build_config({"support": {"offer_timeout": 30.0}},
                                     {"anna": {"queues": {"support": 1}}, "bo": {"queues": {"support": 1}}}))
    center.service.agent_login("bo")
    caller = sim.place_call("+4790000022", entry="support")
    center.wait_state("bo", "ringing", caller)
    center.service.agent_login("anna")
    assert center.service.pickup("anna", queue="support") == caller
    center.wait_state("anna", "on-call", caller)
    assert center.router.agent("bo").state.value == "available"
    sim.hangup(caller)
    assert center.outcome(caller).agent_id == "anna"


def test_an_agent_rung_for_a_callback_keeps_ringing_across_a_reconnect(sim, controller):
    number = "+4790000022"
    sim.add_endpoint("anna", behaviour="no_answer")
    center = controller(build_config({"support": {"exit_key": "1", "offer_timeout": 600.0}},
                                     {"anna": {"queues": {"support": 1}}}),
                        callback_dial="sofia/gateway/pstn/{number}")
    caller = sim.place_call(number, entry="support", script=CallerScript(keys=[(2.0, "1")]))
    assert center.outcome(caller).kind == CALLBACK
    sim.hangup(caller)
    center.service.agent_login("anna")
    center.wait_state("anna", "ringing", caller)
    ringing_leg = center.agent_leg("anna")

    reconciled = AsyncResult()
    original = center.service._reconcile
    center.service._reconcile = lambda: (original(), reconciled.set(center.router.agent("anna").state))[0]
    assert sim.drop_clients(listening=True) == 1   # the event socket: the link goes down
    assert reconciled.get(timeout=WAIT) is AgentState.RINGING
    assert center.router.waiting("support") == [caller]
    assert center.agent_leg("anna") == ringing_leg


def test_hold_music_stopped_by_a_key_plays_on(sim, controller):
    center = controller(build_config({"support": {"exit_key": "1", "announce": AnnouncePolicy(every=0)}}, {}))
    caller = sim.place_call("+4790000025", entry="support", script=CallerScript(keys=[(2.0, "*")]))
    center.wait_music(caller)
    stop = center.events.wait(lambda e: e.name == "PLAYBACK_STOP" and e.uuid == caller)
    assert stop.variable("playback_terminator_used") == "*"           # "*" stops a playback on FreeSWITCH
    number = iter(range(1 << 30))
    since = center.events.items.index(stop)
    center.events.wait(lambda e: next(number) > since and e.name == "PLAYBACK_START" and e.uuid == caller
                       and e.get("Playback-File-Path") == MUSIC)
    assert center.router.waiting("support") == [caller]
