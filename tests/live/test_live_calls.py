"""The call path on the real switch, driven by fsapp's controller: softphones registered to the rendered
operators' profile, callers on the trunks' profile, RFC 2833 keys, real RTP, recordings checked with sox."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.esl.events import Event
from fsapp.switch.overload import MIN_EVIDENCE, WINDOW, OverloadGuard
from ivr_scripts.case_status import describe_case
from tests.api.api_waits import wait_until
from tests.live import scenarios
from tests.live.conftest import PASSWORDS, LiveSetup
from tests.live.livekit import DOMAIN, OPERATORS_PORT, TRUNKS_PORT, Sipp, Watcher, sox_stat
from tests.live.pcaps import key_presses

pytestmark = pytest.mark.freeswitch


def state_of(controller: Controller, agent: str) -> str:
    return controller.acd.router.agent(agent).state.value


def test_feature_codes_from_a_registered_softphone(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                                   phones: Callable[..., subprocess.Popen]) -> None:
    phones("1101", 5210)
    assert state_of(controller, "anna") == "logged-out"
    for code, state in (("*21", "available"), ("*23", "break"), ("*24", "available"), ("*22", "logged-out")):
        dialled = sipp_run.run(f"dial_{code[1:]}", scenarios.phone_calls("1101", PASSWORDS["1101"], DOMAIN, code,
                                                                        hangup_after=6000),
                               remote=f"127.0.0.1:{OPERATORS_PORT}", port=5215)
        wait_until(lambda: state_of(controller, "anna") == state, 20, f"anna {state} after {code}")
        assert sipp_run.finish(dialled, 20) == 0, sipp_run.errors(f"dial_{code[1:]}")


def test_caller_keys_into_the_queue_an_operator_answers_and_the_talk_is_recorded(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher]) -> None:
    events = watcher("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "RECORD_START", "RECORD_STOP", "DTMF")
    phones("1101", 5230, speech=live.speech)             # anna's softphone answers after 1 s and talks
    controller.acd.agent_login("anna")
    keys = key_presses(sipp_run.work / "key2.pcap", "2")
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys), (5000, live.speech)],
                                                     hangup_after=16000),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5240)
    parked = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                         "the caller parked")
    uuid = parked.uuid
    assert events.wait(lambda e: e.name == "DTMF" and e.uuid == uuid, 15, "the key")["DTMF-Digit"] == "2"
    bridged = events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and uuid in (e.uuid, e.get("Other-Leg-Unique-ID")),
                          20, "the bridge to anna")
    summary = controller.wait_finished(uuid, 40)
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    assert (summary.queue_outcome, summary.path.nodes) == ("answered", ["main", "to_queue"])
    hung_up = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 10, "the caller's hangup")
    anna_leg = bridged["Other-Leg-Unique-ID"] if bridged.uuid == uuid else bridged.uuid
    events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == anna_leg, 10, "anna's leg's hangup")
    assert not [e for e in events.seen if e.name == "CHANNEL_PARK" and e.uuid == anna_leg], \
        "anna's leg is hung up by the switch with the caller, never parked"
    stopped = events.wait(lambda e: e.name == "RECORD_STOP" and e.uuid == uuid, 10, "the recording's end")
    talk = (int(hung_up["Event-Date-Timestamp"]) - int(bridged["Event-Date-Timestamp"])) / 1e6
    recording = Path(stopped["Record-File-Path"])
    assert recording.is_relative_to(live.work / "recordings")
    stat = sox_stat(recording)
    assert stat["Length (seconds)"] == pytest.approx(talk, abs=1.0), (stat, talk)
    assert stat["RMS     amplitude"] > 0.02, stat      # speech both ways, not silence
    assert state_of(controller, "anna") in ("wrap-up", "available")


def bridged_to_anna(controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
                    events: Watcher, **answer: object) -> tuple[subprocess.Popen, Event, str]:
    """A caller who keys 2 into the queue and waits for the switch's BYE, bridged to anna (whose softphone answers
    after 1 s, and does what ``answer`` says, see phone_answers): the caller's SIPp, the caller's CHANNEL_PARK and
    anna's leg. ``events`` has PARK and BRIDGE."""
    phones("1101", 5270, **answer)
    controller.acd.agent_login("anna")
    keys = key_presses(sipp_run.work / "key2.pcap", "2")
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys)]),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5280)
    parked = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                         "the caller parked")
    bridged = events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and parked.uuid in (e.uuid,
                                                                                   e.get("Other-Leg-Unique-ID")),
                          20, "the bridge to anna")
    return caller, parked, bridged["Other-Leg-Unique-ID"] if bridged.uuid == parked.uuid else bridged.uuid


def test_an_operator_who_hangs_up_first_takes_the_caller_with_them(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher]) -> None:
    """anna's softphone hangs up 3 s into the talk with a BYE of its own, through the operators' profile."""
    events = watcher("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "RECORD_START")
    caller, parked, anna_leg = bridged_to_anna(controller, sipp_run, phones, events, hangup_after=3000)
    uuid = parked.uuid
    events.wait(lambda e: e.name == "RECORD_START" and e.uuid == uuid, 10, "the recording of the talk")
    anna_gone = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == anna_leg, 20,
                            "anna's leg ended by her phone's BYE")
    hung_up = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 20, "the caller's hangup")
    assert anna_gone["Hangup-Cause"] == "NORMAL_CLEARING"
    assert anna_gone.get("variable_sip_hangup_disposition") == "recv_bye", "anna's phone hung up, not the switch"
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    assert controller.wait_finished(uuid, 20).queue_outcome == "answered"
    assert hung_up["Hangup-Cause"] == "NORMAL_CLEARING"
    assert [e for e in events.seen if e.name == "CHANNEL_PARK" and e.uuid == uuid] == [parked], \
        "hung up by the switch with the operator's leg, never parked again"


@pytest.mark.parametrize("attempt", range(3))
def test_an_operator_who_hangs_up_as_the_bridge_completes_leaves_no_channel_behind(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher], attempt: int) -> None:
    """The recording starts as the switch hangs the caller up: a recording thread would hold the ended channel
    for ever (FreeSWITCH 1.10.12), which then never goes and keeps the switch from shutting down."""
    events = watcher("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_DESTROY")
    caller, parked, anna_leg = bridged_to_anna(controller, sipp_run, phones, events)
    uuid = parked.uuid
    events.connection.api(f"uuid_kill {anna_leg} NORMAL_CLEARING")   # as fsapp starts the recording
    events.wait(lambda e: e.name == "CHANNEL_DESTROY" and e.uuid == uuid, 15, "the caller's channel gone")
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")


def test_case_status_by_phone(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                              watcher: Callable[..., Watcher]) -> None:
    """Key 7, then the case number and # (RFC 2833, one timestamp per press); the status is read out, the switch
    hangs up."""
    events = watcher("CHANNEL_PARK", "PLAYBACK_START")
    store = controller.store
    store.add_category("water", "Water and sewage", service_level_hours=72)
    case = store.new_case("water", "Low pressure in the tap", "live-test")
    digits = "".join(ch for ch in case.reference if ch.isdigit())
    seven = key_presses(sipp_run.work / "key7.pcap", "7")
    reference = key_presses(sipp_run.work / "reference.pcap", digits + "#", gap=0.3, at=2.6)
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(1500, seven), (2600, reference)]),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5250)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    summary = controller.wait_finished(uuid, 60)
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    assert summary.path.nodes == ["main", "ask_case_number", "lookup_case", "case_found", "read_case", "goodbye"]
    asked = next(step for step in summary.path.steps if step.node == "ask_case_number")
    assert asked.keys == digits
    spoken = controller.tts.render(describe_case(store.case_status(case.reference), "en"), "en")
    assert events.wait(lambda e: e.name == "PLAYBACK_START" and e.uuid == uuid
                       and e.get("Playback-File-Path") == str(spoken), 5, "the status read out")


class GuardClock:
    """The overload guard's windows, moved on by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_caller_the_overload_guard_turns_away_gets_a_503_before_any_answer(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    """The guard's refusal on the real switch: the parked, unanswered caller hung up with NORMAL_TEMPORARY_FAILURE
    is sent a 503, which the caller acknowledges; the call is recorded as refused."""
    events = watcher("CHANNEL_PARK", "CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")
    clock = GuardClock()
    controller.switch.overload = guard = OverloadGuard(controller.config.switch.overload_after, clock, wait=0.0)
    for _ in range(MIN_EVIDENCE):
        guard.observe(2.0)   # a second in which the switch answered commands in 2 s
    clock.now += WINDOW
    caller = sipp_run.run("caller", scenarios.caller("6000", refusable=True), remote=f"127.0.0.1:{TRUNKS_PORT}",
                          port=5252)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    ended = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 15, "the caller let go")
    assert (ended.get("Hangup-Cause"), ended.get("variable_sip_hangup_disposition")) == ("NORMAL_TEMPORARY_FAILURE",
                                                                                         "send_refuse")
    assert ended.get("Answer-State") != "answered"
    assert not [event for event in events.seen if event.name == "CHANNEL_ANSWER" and event.uuid == uuid]
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")   # it got a 503 (any other answer fails it)
    summary = controller.wait_finished(uuid, 15)
    assert summary.path.outcome == "refused"
    assert controller.store.call(uuid)["outcome"] == "refused" and guard.refused == 1


def test_a_caller_rings_at_the_door_of_an_overloaded_switch_and_is_answered_once_there_is_room(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    """The caller waiting for room is told the phone rings (180: CHANNEL_PROGRESS, call state RINGING) and stays
    unanswered; once the pace has room it is answered and its flow runs."""
    events = watcher("CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")
    clock = GuardClock()
    controller.switch.overload = guard = OverloadGuard(controller.config.switch.overload_after, clock, wait=30.0)
    for _ in range(MIN_EVIDENCE):
        guard.observe(2.0)
    clock.now += WINDOW
    caller = sipp_run.run("caller", scenarios.caller("6000", hangup_after=3000), remote=f"127.0.0.1:{TRUNKS_PORT}",
                          port=5254)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    ringing = events.wait(lambda e: e.name == "CHANNEL_PROGRESS" and e.uuid == uuid, 15, "the caller told it rings")
    assert ringing.get("Channel-Call-State") == "RINGING" and ringing.get("Answer-State") != "answered"
    assert guard.waiting == 1
    assert not [event for event in events.seen if event.name == "CHANNEL_ANSWER" and event.uuid == uuid]
    clock.now += WINDOW   # room for one
    events.wait(lambda e: e.name == "CHANNEL_ANSWER" and e.uuid == uuid, 15, "the caller answered")
    assert sipp_run.finish(caller, 30) == 0, sipp_run.errors("caller")
    summary = controller.wait_finished(uuid, 15)
    assert summary.path.outcome != "refused" and summary.path.nodes[:1] == ["main"]   # the menu ran
    assert (guard.waiting, guard.refused) == (0, 0)
