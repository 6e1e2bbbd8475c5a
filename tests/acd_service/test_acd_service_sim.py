"""Queue calls end to end on the simulated switch: offers, bridges, recordings, overflow, restarts."""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import gevent
import pytest

from acd_service_helpers import MUSIC, WAIT, Controller, Watch, build_config
from gevent.event import Event as Flag

from fsapp.acd import AnnouncePolicy, MaxWaitAction, MaxWaitPolicy
from fsapp.acd.outcome import ABANDONED, ANSWERED
from fsapp.sim import CallerScript, CallThrottled
from fsapp.switch import Call, OriginateFailed


def test_answered_call_is_bridged_recorded_and_ended_when_the_agent_hangs_up(sim, controller, tmp_path):
    sim.add_endpoint("anna", answer_after=2.0)
    center = controller(build_config({"support": {"record": True}}, {"anna": {"queues": {"support": 1}}}),
                        screen_pop_url="https://fsapp.example/pop/{uuid}", more_events=("RECORD_START",))
    assert center.service.agent_login("anna") == "available"

    caller = sim.place_call("+4790000001", entry="support")
    center.wait_state("anna", "on-call", caller)
    leg = center.agent_leg("anna")
    agent = sim.channel(leg)
    assert agent.variables["fsapp_queue_call"] == caller
    assert agent.variables["sip_h_X-Fsapp-Caller"] == "+4790000001"
    assert agent.variables["sip_h_Call-Info"] == f"<https://fsapp.example/pop/{caller}>;purpose=info"
    center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    assert center.switch.registry.get(caller).bridged_to == leg
    center.events.wait(lambda e: e.name == "RECORD_START" and e.uuid == caller)   # the conversation is recorded
    verbs = [r.line.split()[1] for r in sim.core.requests
             if r.line.startswith(f"api uuid_setvar_multi {caller} RECORD_") or r.line.startswith("api uuid_record")]
    assert verbs == ["uuid_setvar_multi", "uuid_record"]   # written by the channel's own thread, appended
    assert f"api uuid_setvar_multi {caller} RECORD_USE_THREAD=false;RECORD_APPEND=true" in [
        r.line for r in sim.core.requests]

    sim.hangup(leg)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.queue) == (ANSWERED, "anna", "support")
    assert outcome.waited >= 2.0 and outcome.talk_time is not None
    assert sim.wait_gone(caller, WAIT), "the caller is hung up after the agent left"

    record = center.recorded.wait(lambda r: r["call_uuid"] == caller)
    path = Path(record["path"])
    assert path.parent.parent.parent.parent == tmp_path / "recordings"
    assert path.name == f"{caller}.wav" and path.is_file()
    with wave.open(str(path)) as audio:
        assert audio.getnframes() > 0
    assert (record["queue"], record["agent_id"], record["caller_number"]) == ("support", "anna", "+4790000001")
    assert record["duration"] > 0
    assert center.router.agent("anna").state.value == "available"


def test_an_operator_is_rung_for_a_caller_already_in_when_the_switch_throttles_new_sessions(sim, controller):
    """The switch's sessions-per-second turn new callers away; the operator's leg for a caller already in the
    queue is kept out of the count (no_throttle_limits), so she is rung, not put on break for it."""
    sim.add_endpoint("anna", answer_after=0.5)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    caller = sim.place_call("+4790000009", entry="support")
    center.wait_music(caller)   # waiting in the queue, nobody logged in
    sim.core.sessions_per_second = 0   # every session the throttle counts is refused from now on

    with pytest.raises(CallThrottled):
        sim.place_call("+4790000010", entry="support")   # a new caller: refused at the switch
    with pytest.raises(OriginateFailed) as refused:
        center.switch.originate("user/anna", {"fsapp_role": "test"}, timeout=WAIT)
    assert refused.value.cause == "DESTINATION_OUT_OF_ORDER"   # what the real switch says of a throttled leg

    assert center.service.agent_login("anna") == "reserved"   # offered the waiting caller at once
    center.wait_state("anna", "on-call", caller)
    leg = center.agent_leg("anna")
    assert sim.channel(leg).variables["no_throttle_limits"] == "true"
    center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    assert center.router.agent("anna").state.value == "on-call"


def kills(sim, uuid: str) -> list[str]:
    """The ``uuid_kill`` commands fsapp sent for the channel ``uuid``."""
    return [request.line for request in sim.core.requests if request.line.startswith(f"api uuid_kill {uuid}")]


def talking_to_anna(sim, controller, number: str, **options) -> tuple[Controller, str, str]:
    """A caller in queue support bridged to anna (whose phone answers after 0.5 s): controller, caller, anna's leg."""
    sim.add_endpoint("anna", answer_after=0.5)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}), **options)
    center.service.agent_login("anna")
    caller = sim.place_call(number, entry="support")
    center.wait_state("anna", "on-call", caller)
    leg = center.agent_leg("anna")
    center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    return center, caller, leg


def test_the_switch_hangs_up_the_caller_with_the_agents_leg_and_fsapp_sends_nothing(sim, controller):
    center, caller, leg = talking_to_anna(sim, controller, "+4790000004")
    assert sim.channel(caller).variables["park_after_bridge"] == "false"

    sim.hangup(leg, "NORMAL_CLEARING")
    assert sim.wait_gone(caller, WAIT), "the caller is hung up with the agent's leg"
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id, outcome.caller_alive) == (ANSWERED, "anna", False)
    assert kills(sim, caller) == []
    parks = [e for e in center.events.items if e.name == "CHANNEL_PARK" and e.uuid == caller]
    assert len(parks) == 1, "parked once, as the call came in; never again"


def test_the_switch_hangs_up_the_agents_leg_with_the_caller_and_fsapp_sends_nothing(sim, controller):
    center, caller, leg = talking_to_anna(sim, controller, "+4790000006")
    assert sim.channel(leg).variables["park_after_bridge"] == "false"

    sim.hangup(caller)
    assert sim.wait_gone(leg, WAIT), "the agent's leg is hung up with its caller"
    assert center.outcome(caller).kind == ANSWERED
    assert kills(sim, leg) == []
    assert not [e for e in center.events.items if e.name == "CHANNEL_PARK" and e.uuid == leg], "never parked"


@pytest.mark.parametrize("placed_parking", [False, True])
def test_a_restarted_controller_ends_a_talking_agents_leg_with_its_caller(sim, controller, placed_parking):
    first, caller, leg = talking_to_anna(sim, controller, "+4790000007")
    if placed_parking:   # placed by a version of fsapp whose operators' legs re-parked when the caller left
        sim.channel(leg).set_var("park_after_bridge", "true")
    first.stop()
    second = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    assert second.service.reconciled.wait(WAIT)

    sim.hangup(caller)
    assert sim.wait_gone(leg, WAIT), "no operator left on a parked leg"
    assert kills(sim, leg) == ([f"api uuid_kill {leg} NORMAL_CLEARING"] if placed_parking else [])


def test_a_caller_the_flow_keeps_re_parks_when_the_agent_hangs_up(sim, controller):
    center, caller, leg = talking_to_anna(sim, controller, "+4790000005", keep_caller=True)
    mark = len(center.events.items)

    sim.hangup(leg)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.caller_alive) == (ANSWERED, True)
    center.events.wait(lambda e: e.name == "CHANNEL_PARK" and e.uuid == caller and center.events.items.index(e) >= mark)
    assert sim.channel(caller).alive and kills(sim, caller) == []


def test_unanswered_offer_goes_to_the_next_agent_and_counts_against_the_first(sim, controller):
    sim.add_endpoint("anna", behaviour="no_answer")
    sim.add_endpoint("bo", answer_after=1.0)
    center = controller(build_config({"support": {"offer_timeout": 4.0}},
                                     {"anna": {"queues": {"support": 1}}, "bo": {"queues": {"support": 2}}}))
    center.service.agent_login("anna")
    center.service.agent_login("bo")

    caller = sim.place_call("+4790000002", entry="support")
    center.wait_state("anna", "ringing", caller)
    center.wait_state("bo", "on-call", caller)
    assert center.router.agent("anna").no_answer_count == 1
    assert center.router.agent("anna").state.value == "available"

    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id) == (ANSWERED, "bo")
    events = [entry["event"] for entry in outcome.trace]
    assert events.count("offer") == 2 and "offer-failed" in events


def test_busy_queue_announces_position_then_overflows(sim, controller):
    sim.add_endpoint("anna", answer_after=0.5)
    sim.add_endpoint("bo", answer_after=0.5)
    texts: list[tuple[str, str]] = []

    def render(text: str, language: str) -> str:
        texts.append((text, language))
        return "tone_stream://%(100,100,660);loops=2"

    queues = {"support": {"announce": AnnouncePolicy(every=60.0, first_after=2.0),
                          "on_max_wait": MaxWaitPolicy(6.0, MaxWaitAction.OVERFLOW, "backup")},
              "backup": {}}
    center = controller(build_config(queues, {"anna": {"queues": {"support": 1}},
                                              "bo": {"queues": {"backup": 1}}}),
                        prompt_renderer=render, language="nb")
    center.service.agent_login("anna")

    first = sim.place_call("+4790000003", entry="support")
    center.wait_state("anna", "on-call", first)
    second = sim.place_call("+4790000004", entry="support")
    center.wait_music(second)
    center.events.wait(lambda e: e.name == "PLAYBACK_START" and e.get("Unique-ID") == second
                       and e.get("Playback-File-Path") == "tone_stream://%(100,100,660);loops=2")
    assert texts[0] == ("Du er nestemann i køen. Forventet ventetid er omtrent 2 minutter.", "nb")

    center.service.agent_login("bo")   # bo serves only the overflow queue
    center.wait_state("bo", "on-call", second)
    sim.hangup(second)
    outcome = center.outcome(second)
    assert (outcome.kind, outcome.agent_id, outcome.queues) == (ANSWERED, "bo", ("support", "backup"))
    assert [entry["event"] for entry in outcome.trace].count("max-wait") == 1
    assert center.router.agent("anna").call_uuid == first


def test_an_operator_who_answers_while_the_switch_is_late_with_its_events_keeps_the_caller(sim, controller):
    """A switch too busy to keep up: it places the call to the operator seconds late, and tells of it later
    still, so the offer's time runs out while the phone is not even ringing, and again once it has answered (the
    leg has taken the caller) but fsapp has not heard. The switch is asked each time: the leg is waited for,
    then its answer stands: the operator is not hung up on, and nobody else is rung for this caller."""
    sim.add_endpoint("anna", answer_after=0.2)
    sim.add_endpoint("bo", answer_after=0.2)
    center = controller(build_config({"support": {"reserve_timeout": 1.0, "offer_timeout": 2.0}},
                                     {"anna": {"queues": {"support": 1}}, "bo": {"queues": {"support": 2}}}))
    center.service.agent_login("anna")
    center.service.agent_login("bo")
    center.wait_state("bo", "available")
    sim.fall_behind(4.0)

    caller = sim.place_call("+4790000005", entry="support")
    center.wait_state("anna", "on-call", caller)
    leg = sim.channel(center.agent_leg("anna"))
    assert leg.bridge is not None and leg.bridge.other(leg).uuid == caller
    sim.fall_behind(0.0)
    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id) == (ANSWERED, "anna")
    assert [entry["event"] for entry in outcome.trace].count("offer") == 1
    assert [d.state for d in center.states.items if d.agent_id == "bo"] == ["available"]


def test_a_bridge_taken_up_after_the_conversation_is_not_a_failure(sim, controller, monkeypatch, caplog):
    """A switch slow to answer commands: the caller's hold music is still on its way while the operator's leg
    takes the caller, talks and hangs up. The bridge, next in the caller's line of commands, finds the
    conversation over at once: no failure, and no wait for a bridge that will not come."""
    caplog.set_level(logging.INFO, logger="fsapp.acd.service")
    sim.add_endpoint("anna", answer_after=0.2, hangup_after=1.0)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    center.service.agent_login("anna")
    center.wait_state("anna", "available")
    broadcast = Call.broadcast

    def late_broadcast(call: Call, path: str) -> None:
        sim.wait_gone(call.uuid, WAIT)   # the switch takes the command up only once the call is over
        broadcast(call, path)
    monkeypatch.setattr(Call, "broadcast", late_broadcast)

    caller = sim.place_call("+4790000006", entry="support")
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id) == (ANSWERED, "anna")
    assert "conversation with agent anna was over before its bridge was taken up" in caplog.text
    assert "bridge to agent anna failed" not in caplog.text


def test_ring_all_first_answer_wins_and_the_others_stop_ringing(sim, controller):
    sim.add_endpoint("anna", answer_after=4.0)
    sim.add_endpoint("bo", answer_after=1.0)
    sim.add_endpoint("cai", answer_after=6.0)
    agents = {name: {"queues": {"hotline": 1}} for name in ("anna", "bo", "cai")}
    center = controller(build_config({"hotline": {"strategy": "ring-all"}}, agents))
    for name in agents:
        center.service.agent_login(name)

    caller = sim.place_call("+4790000005", entry="hotline")
    for name in agents:
        center.wait_state(name, "ringing", caller)
    center.wait_state("bo", "on-call", caller)
    for name in ("anna", "cai"):
        center.wait_state(name, "available", caller)
        assert center.router.agent(name).no_answer_count == 0
    cancelled = [e.get("Unique-ID") for e in center.events.items
                 if e.name == "CHANNEL_CREATE" and e.variable("fsapp_agent") in ("anna", "cai")]
    assert len(cancelled) == 2
    for leg in cancelled:
        assert sim.wait_gone(leg, WAIT)

    sim.hangup(caller)
    assert center.outcome(caller).agent_id == "bo"
    # several phones ring for one caller: fsapp bridges the first to answer (the switch would let each take over)
    assert {(request.app, request.app_arg) for request in sim.core.originated} == {("park", "")}


def test_the_switch_bridges_an_answering_agent_while_the_acd_is_held_up(sim, controller):
    """Answer -> bridge waits for nothing in fsapp: the agent's leg bridges itself to the caller (``intercept``)
    while the ACD's worker is busy with something else, and the ACD takes the answer up afterwards."""
    sim.add_endpoint("anna", answer_after=2.0)
    center = controller(build_config({"support": {"record": True}}, {"anna": {"queues": {"support": 1}}}),
                        more_events=("RECORD_START",))
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000009", entry="support")
    center.wait_state("anna", "ringing", caller)
    held, release = Flag(), Flag()
    center.service._submit(lambda: (held.set(), release.wait(WAIT)))
    assert held.wait(WAIT)
    bridge = center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE"
                                and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    assert center.router.agent("anna").state.value == "ringing"   # the ACD has not heard of the answer yet
    assert [(request.app, request.app_arg) for request in sim.core.originated] == [("intercept", caller)]
    # ... and the switch has marked the caller out of the queue as the leg answered (a restart reads it)
    assert sim.channel(caller).variables["fsapp_waiting_in"] == "answered"
    release.set()
    center.wait_state("anna", "on-call", caller)
    assert center.switch.registry.get(caller).bridged_to == bridge.uuid == center.agent_leg("anna")
    center.events.wait(lambda e: e.name == "RECORD_START" and e.uuid == caller)
    sim.hangup(caller)
    assert center.outcome(caller).agent_id == "anna"
    assert center.recorded.wait(lambda r: r["call_uuid"] == caller)["agent_id"] == "anna"
    assert sim.wait_gone(bridge.uuid, WAIT), "the agent's leg ends with its caller"


@pytest.mark.parametrize("sim_speed", [1.0])   # in real time: 60 ms for the music to start, 180 ms of lead frames
def test_hold_music_starts_at_the_callers_next_frame_not_after_lead_frames(sim, controller):
    """The caller's hold music is asked for as the operator's phone starts to ring and is queued so that the
    caller's thread takes it up at its next frame; ``uuid_broadcast`` would first keep that thread reading lead
    frames (180 ms for a caller who sends no audio), deaf to all else: an operator answering at once would find
    the caller silent and wait for the bridge until they end."""
    sim.add_endpoint("anna", answer_after=0.06)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000011", entry="support")
    center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    story = [(e.name, e.uuid == caller) for e in center.events.items
             if (e.name == "PLAYBACK_START" and e.uuid == caller) or (e.name == "CHANNEL_ANSWER" and e.uuid != caller)
             or e.name == "CHANNEL_BRIDGE"]
    assert story == [("PLAYBACK_START", True), ("CHANNEL_ANSWER", False), ("CHANNEL_BRIDGE", False)]
    assert sim.channel(caller).lead_until == 0.0   # no lead frames were read
    center.wait_state("anna", "on-call", caller)


def test_no_phone_rings_for_a_caller_who_hung_up_before_the_acd_heard_of_it(sim, controller):
    """Under load the ACD may offer a call whose hangup is still in line behind the offer: nobody is rung."""
    sim.add_endpoint("anna", answer_after=0.5)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    caller = sim.place_call("+4790000010", entry="support")
    center.wait_music(caller)
    held, release = Flag(), Flag()
    center.service._submit(lambda: (held.set(), release.wait(WAIT)))
    assert held.wait(WAIT)
    login = gevent.spawn(center.service.agent_login, "anna")   # in line before the hangup
    sim.hangup(caller)
    center.events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == caller)
    release.set()
    assert login.get(timeout=WAIT) == "reserved"   # offered the caller whose hangup came next
    assert center.outcome(caller).kind == ABANDONED
    assert center.router.agent("anna").state.value == "available"
    assert list(sim.core.originated) == []


def test_a_phone_whose_originate_result_was_lost_is_hung_up_before_the_call_is_offered_again(sim, controller):
    """The originate's result never comes (ESLTimeout) while the phone rings on: it is hung up before the
    caller is offered again, so it cannot answer later and take the caller over (it would bridge itself)."""
    from fsapp.esl.errors import ESLTimeout
    sim.add_endpoint("anna", answer_after=2.0)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    placed, originate = [], center.switch.originate

    def result_lost_once(*args, **kwargs):
        if placed:
            return originate(*args, **kwargs)
        placed.append(gevent.spawn(originate, *args, **kwargs))   # the phone rings, its result is never read
        center.events.wait(lambda e: e.name == "CHANNEL_CREATE" and e.uuid == args[1]["origination_uuid"])
        raise ESLTimeout("no job result within the wait")
    center.switch.originate = result_lost_once
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000011", entry="support")
    center.wait_state("anna", "on-call", caller)
    first, second = [dict(request.variables)["origination_uuid"] for request in sim.core.originated]
    bridge = center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE"
                                and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    assert bridge.uuid == second and sim.wait_gone(first, WAIT)
    sim.hangup(caller)
    assert center.outcome(caller).agent_id == "anna"
    assert not any(e.name == "CHANNEL_BRIDGE" and first in (e.uuid, e.get("Other-Leg-Unique-ID"))
                   for e in center.events.items)


def test_a_phone_that_answered_keeps_the_caller_when_its_originate_result_is_lost(sim, controller, monkeypatch):
    """The phone answers and takes the caller, but the originate's result never comes (ESLTimeout) and its
    answer is not read yet (the switch's events late): the switch, asked, says it answered, and the
    conversation goes on; it is not hung up, nor the caller offered again."""
    from fsapp.esl.errors import ESLTimeout
    sim.add_endpoint("anna", answer_after=0.5)
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    originate = center.switch.originate

    def result_lost(*args, **kwargs):
        originate(*args, **kwargs)   # the phone answered and bridged itself to the caller
        raise ESLTimeout("no job result within the wait")
    center.switch.originate = result_lost
    monkeypatch.setattr(center.service, "_leg_answered", lambda leg_uuid: None)   # its CHANNEL_ANSWER not read yet
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000012", entry="support")
    center.wait_state("anna", "on-call", caller)
    [leg] = [dict(request.variables)["origination_uuid"] for request in sim.core.originated]
    assert center.agent_leg("anna") == leg
    bridge = center.events.wait(lambda e: e.name == "CHANNEL_BRIDGE"
                                and caller in (e.uuid, e.get("Other-Leg-Unique-ID")))
    assert bridge.uuid == leg and sim.channel(leg).bridge is not None
    sim.hangup(caller)
    outcome = center.outcome(caller)
    assert (outcome.kind, outcome.agent_id) == (ANSWERED, "anna")
    assert [entry["event"] for entry in outcome.trace].count("offer") == 1


def test_waiting_caller_who_hangs_up_is_abandoned(sim, controller):
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    caller = sim.place_call("+4790000006", entry="support", script=CallerScript(hangup_after=3.0))
    outcome = center.outcome(caller)
    assert outcome.kind == ABANDONED and outcome.waited >= 2.5
    assert center.router.waiting("support") == []


def test_restarted_controller_serves_waiting_callers_in_order(sim, controller, tmp_path):
    sim.add_endpoint("anna", answer_after=0.5)
    config = build_config({"support": {}}, {"anna": {"queues": {"support": 1}}})
    first_controller = controller(config)
    first_controller.service.agent_login("anna")
    talking = sim.place_call("+4790000010", entry="support")
    first_controller.wait_state("anna", "on-call", talking)
    waiting = []
    for number in ("+4790000011", "+4790000012"):
        waiting.append(sim.place_call(number, entry="support"))
        first_controller.wait_music(waiting[-1])
    assert first_controller.router.waiting("support") == waiting
    first_controller.stop()

    second_controller = controller(config)
    assert second_controller.router.waiting("support") == waiting
    assert second_controller.router.agent("anna").call_uuid == talking
    assert second_controller.service.reconciled.wait(WAIT)
    sim.hangup(first_controller.agent_leg("anna"))
    assert sim.wait_gone(talking, WAIT), "the caller left behind is hung up by the new controller"
    second_controller.wait_state("anna", "on-call", waiting[0])
    sim.hangup(second_controller.agent_leg("anna"))
    assert second_controller.outcome(waiting[0]).kind == ANSWERED
    second_controller.wait_state("anna", "on-call", waiting[1])
    sim.hangup(waiting[1])
    assert second_controller.outcome(waiting[1]).agent_id == "anna"


class CountingSnapshot:
    """A snapshot store that keeps what it is given and tells a watch of each save."""

    path = "memory"

    def __init__(self) -> None:
        self.saves: list[dict] = []
        self.saved = Watch()

    def save(self, data: dict) -> None:
        self.saves.append(data)
        self.saved.add(data)

    def load(self) -> None:
        return None


def test_a_burst_of_changes_is_saved_once_and_stop_saves_the_last_state(sim, controller):
    center = controller(build_config({"support": {}}, {"anna": {"queues": {"support": 1}}}))
    snapshot = center.service.snapshot = CountingSnapshot()
    center.service.snapshot_interval = 0.5
    callers = [sim.place_call(f"+479000003{index}", entry="support") for index in range(5)]
    waiting = lambda data: sorted(member["call_uuid"] for member in data["members"]) == sorted(callers)  # noqa: E731
    snapshot.saved.wait(waiting)
    changes = len(center.events.items)
    assert 1 <= len(snapshot.saves) < 5 < changes, "five arrivals, several changes each, at most a few writes"
    center.service.agent_login("anna")
    before = len(snapshot.saves)
    center.service.stop()
    assert len(snapshot.saves) == before + 1 and snapshot.saves[-1]["agents"]


def test_events_fsapp_does_not_use_change_nothing(sim, controller, tmp_path):
    extra = ("CHANNEL_STATE", "CHANNEL_CALLSTATE", "MEDIA_BUG_START", "MEDIA_BUG_STOP", "RECORD_START", "RECORD_STOP",
             "PRIVATE_COMMAND", "CHANNEL_HANGUP", "CHANNEL_DESTROY")
    sim.add_endpoint("anna", answer_after=1.0)
    center = controller(build_config({"support": {"record": True}}, {"anna": {"queues": {"support": 1}}}),
                        more_events=extra)
    center.service.agent_login("anna")
    caller = sim.place_call("+4790000019", entry="support")
    center.wait_state("anna", "on-call", caller)
    leg = center.agent_leg("anna")
    center.events.wait(lambda e: e.name == "MEDIA_BUG_START" and e.uuid == caller)
    sim.hangup(caller)
    assert center.outcome(caller).kind == ANSWERED
    assert sim.wait_gone(leg, WAIT)
    center.wait_state("anna", "available")
    center.events.wait(lambda e: e.name == "CHANNEL_STATE" and e.uuid == leg and e.get("Channel-State") == "CS_DESTROY")
    assert caller not in center.switch.registry and leg not in center.switch.registry
    assert Path(center.recorded.wait(lambda r: r["call_uuid"] == caller)["path"]).is_file()
