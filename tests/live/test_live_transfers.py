"""Transfers on the real switch: blind back into the queue, attended (consult, then complete) and the three-way
conference, each with its recording checked (not silent, as long as the conversation, every segment kept), the
agents free again afterwards, and the call's row naming the agent who finished it with the whole talk time.

The parties talk in stretches of real time (``gevent.sleep`` of a conversation, not a wait for an event): the
recording's length is measured against them.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gevent
import pytest

from fsapp.controller import Controller
from tests.api.api_waits import wait_until
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import TRUNKS_PORT, Sipp, Watcher, sox_stat
from tests.live.pcaps import key_presses

pytestmark = pytest.mark.freeswitch
EVENTS = ("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "RECORD_START", "RECORD_STOP", "CUSTOM",
          "conference::maintenance")
TALK = 4.0                     # seconds of each stretch of conversation
AUDIBLE = 0.02                 # RMS amplitude (0..1) of the speech both ways; digital silence is ~0


@dataclass
class Talking:
    """A caller talking to anna: the caller's leg, anna's leg, and when the switch bridged them."""

    uuid: str
    anna_leg: str
    bridged_at: float          # the switch's clock, epoch seconds


def state_of(controller: Controller, agent: str) -> str:
    return controller.acd.router.agent(agent).state.value


def legs_bridged(events: Watcher, a: str, b: str, what: str) -> float:
    """Wait for the CHANNEL_BRIDGE of legs ``a`` and ``b``; returns its time on the switch's clock."""
    bridge = events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and {e.uuid, e.get("Other-Leg-Unique-ID")} == {a, b},
                         15, what)
    return int(bridge["Event-Date-Timestamp"]) / 1e6


def hung_up(events: Watcher, uuid: str, what: str) -> float:
    ended = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 30, what)
    return int(ended["Event-Date-Timestamp"]) / 1e6


def caller_talks_to_anna(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                         phones: Callable[..., subprocess.Popen], events: Watcher, *, port: int,
                         hangup_after: int) -> Talking:
    """Both operators' softphones registered (talking speech), anna logged in, a caller keyed into the queue
    and bridged to anna."""
    phones("1101", port, speech=live.speech)
    phones("1102", port + 10, speech=live.speech)
    controller.acd.agent_login("anna")
    keys = key_presses(sipp_run.work / "key2.pcap", "2")
    sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys), (5000, live.speech)],
                                            hangup_after=hangup_after),
                 remote=f"127.0.0.1:{TRUNKS_PORT}", port=port + 20)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    wait_until(lambda: state_of(controller, "anna") == "on-call", 20, "anna talking to the caller")
    anna_leg = controller.acd.calls[uuid].agent_leg
    assert anna_leg is not None
    return Talking(uuid, anna_leg, legs_bridged(events, uuid, anna_leg, "the caller bridged to anna"))


def recording_of(events: Watcher, uuid: str, segments: int) -> Path:
    """The caller's recording once its ``segments`` RECORD_STOPs came, all to the same file."""
    def stops() -> list:
        return [e for e in events.seen if e.name == "RECORD_STOP" and e.uuid == uuid]
    events.wait(lambda e: e.name == "RECORD_STOP" and e.uuid == uuid and len(stops()) >= segments, 15,
                f"the recording's {segments} segment(s) ended")
    paths = {stop["Record-File-Path"] for stop in stops()}
    assert len(paths) == 1, paths
    return Path(paths.pop())


def check_recording(path: Path, live: LiveSetup, seconds: float) -> None:
    assert path.is_relative_to(live.work / "recordings")
    stat = sox_stat(path)
    assert stat["Length (seconds)"] == pytest.approx(seconds, abs=1.5), (stat, seconds)
    assert stat["RMS     amplitude"] > AUDIBLE, stat


def check_row(controller: Controller, uuid: str, agent: str, talk: float) -> None:
    row = controller.store.call(uuid)
    assert (row["queue"], row["agent"], row["outcome"], row["caller_number"]) == ("live", agent, "answered",
                                                                                 "4790000001"), row
    assert row["talk_seconds"] == pytest.approx(talk, abs=1.5), (row, talk)
    assert row["ended_at"] is not None and row["hangup_cause"], row


def agents_free(controller: Controller) -> None:
    for agent in ("anna", "bo"):   # wrap-up is 1 s in tests/live/acd.yaml
        wait_until(lambda agent=agent: state_of(controller, agent) == "available", 10, f"{agent} available again")


def test_blind_transfer_back_into_the_queue_right_after_the_answer(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher]) -> None:
    """anna sends her caller back to the queue the moment she answers, before the switch has bridged them (the
    caller must park, not be hung up), then bo takes it; the recording keeps anna's part and bo's."""
    events = watcher(*EVENTS)
    phones("1101", 5510, speech=live.speech)
    phones("1102", 5520, speech=live.speech)
    controller.acd.agent_login("anna")
    controller.acd.agent_login("bo")                    # idle for less time than anna: the call goes to anna
    keys = key_presses(sipp_run.work / "key2.pcap", "2")
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys), (5000, live.speech)],
                                                     hangup_after=22000),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5530)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    wait_until(lambda: state_of(controller, "anna") == "on-call", 20, "anna answering")
    anna_leg = controller.acd.calls[uuid].agent_leg
    controller.acd.transfer(uuid, queue="live")         # at once: uuid_bridge has not been carried out yet
    hung_up(events, anna_leg or "", "anna's leg hung up")
    wait_until(lambda: state_of(controller, "bo") == "on-call", 20, "bo talking to the caller")
    bo_leg = controller.acd.calls[uuid].agent_leg
    assert bo_leg not in (None, anna_leg)
    bo_from = legs_bridged(events, uuid, bo_leg or "", "the caller bridged to bo")
    summary = controller.wait_finished(uuid, 40)
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    ended = hung_up(events, uuid, "the caller's hangup")
    assert summary.queue_outcome == "answered"
    segments = len([e for e in events.seen if e.name == "RECORD_START" and e.uuid == uuid])
    path = recording_of(events, uuid, segments)
    check_recording(path, live, ended - bo_from)        # anna's part lasted a moment, then bo's
    check_row(controller, uuid, "bo", ended - bo_from)
    agents_free(controller)


def test_blind_transfer_back_into_the_queue_keeps_both_parts_of_the_recording(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
        watcher: Callable[..., Watcher]) -> None:
    events = watcher(*EVENTS)
    talking = caller_talks_to_anna(live, controller, sipp_run, phones, events, port=5540, hangup_after=24000)
    controller.acd.agent_login("bo")
    gevent.sleep(TALK)                                  # anna and the caller talk
    controller.acd.transfer(talking.uuid, queue="live")
    anna_to = hung_up(events, talking.anna_leg, "anna's leg hung up")
    wait_until(lambda: state_of(controller, "bo") == "on-call", 20, "bo talking to the caller")
    bo_leg = controller.acd.calls[talking.uuid].agent_leg or ""
    bo_from = legs_bridged(events, talking.uuid, bo_leg, "the caller bridged to bo")
    controller.wait_finished(talking.uuid, 40)
    ended = hung_up(events, talking.uuid, "the caller's hangup")
    path = recording_of(events, talking.uuid, 2)
    talked = (anna_to - talking.bridged_at) + (ended - bo_from)
    check_recording(path, live, talked)                 # anna's part, then bo's: the second did not overwrite
    check_row(controller, talking.uuid, "bo", talked)
    agents_free(controller)


def test_attended_transfer_consult_then_complete(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                                 phones: Callable[..., subprocess.Popen],
                                                 watcher: Callable[..., Watcher]) -> None:
    """anna consults bo (the caller holds, still recorded), completes: bo talks to the caller to the end."""
    events = watcher(*EVENTS)
    talking = caller_talks_to_anna(live, controller, sipp_run, phones, events, port=5550, hangup_after=26000)
    controller.acd.agent_login("bo")
    gevent.sleep(TALK)                                  # anna and the caller talk
    bo_leg = controller.acd.consult(talking.uuid, agent="bo")
    legs_bridged(events, talking.anna_leg, bo_leg, "anna talking to bo")
    gevent.sleep(TALK)                                  # anna and bo talk; the caller holds
    controller.acd.complete_transfer(talking.uuid)
    legs_bridged(events, talking.uuid, bo_leg, "the caller bridged to bo")
    hung_up(events, talking.anna_leg, "anna's leg hung up")
    wait_until(lambda: state_of(controller, "bo") == "on-call", 10, "bo on call with the caller")
    summary = controller.wait_finished(talking.uuid, 40)
    ended = hung_up(events, talking.uuid, "the caller's hangup")
    assert summary.queue_outcome == "answered"
    path = recording_of(events, talking.uuid, 1)        # one recording, not interrupted by the transfer
    check_recording(path, live, ended - talking.bridged_at)
    check_row(controller, talking.uuid, "bo", ended - talking.bridged_at)
    agents_free(controller)


def test_three_way_conference(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                              phones: Callable[..., subprocess.Popen], watcher: Callable[..., Watcher]) -> None:
    """anna consults bo and joins all three; bo leaves (his leg hung up on the switch, as his phone's BYE
    would), anna and the caller go on; the caller hangs up and anna, left alone in the conference, is hung up."""
    events = watcher(*EVENTS)
    talking = caller_talks_to_anna(live, controller, sipp_run, phones, events, port=5560, hangup_after=26000)
    controller.acd.agent_login("bo")
    gevent.sleep(TALK)                                  # anna and the caller talk
    bo_leg = controller.acd.consult(talking.uuid, agent="bo")
    legs_bridged(events, talking.anna_leg, bo_leg, "anna talking to bo")
    name = controller.acd.conference(talking.uuid)
    events.wait(lambda e: e.get("Conference-Name") == name and e.get("Action") == "add-member"
                and e.get("Conference-Size") == "3", 10, "all three in the conference")
    gevent.sleep(TALK)                                  # the three talk
    live.api(f"uuid_kill {bo_leg}")
    hung_up(events, bo_leg, "bo leaving")
    ended = hung_up(events, talking.uuid, "the caller's hangup")
    hung_up(events, talking.anna_leg, "anna, left alone, hung up")
    summary = controller.wait_finished(talking.uuid, 40)
    assert summary.queue_outcome == "answered"
    segments = len([e for e in events.seen if e.name == "RECORD_START" and e.uuid == talking.uuid])
    path = recording_of(events, talking.uuid, segments)
    check_recording(path, live, ended - talking.bridged_at)
    check_row(controller, talking.uuid, "anna", ended - talking.bridged_at)
    agents_free(controller)


def test_blind_transfer_to_an_agents_phone_keeps_recording(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                                           phones: Callable[..., subprocess.Popen],
                                                           watcher: Callable[..., Watcher]) -> None:
    """anna hands her caller straight to bo's phone: the recording goes on to the end of the call."""
    events = watcher(*EVENTS)
    talking = caller_talks_to_anna(live, controller, sipp_run, phones, events, port=5570, hangup_after=22000)
    gevent.sleep(TALK)                                  # anna and the caller talk
    controller.acd.transfer(talking.uuid, agent="bo")
    hung_up(events, talking.anna_leg, "anna's leg hung up")
    bo = events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and talking.uuid in (e.uuid, e.get("Other-Leg-Unique-ID"))
                     and talking.anna_leg not in (e.uuid, e.get("Other-Leg-Unique-ID")), 20, "the caller bridged to bo")
    assert "1102" in (bo.get("Other-Leg-Channel-Name") or "") + (bo.get("Caller-Channel-Name") or "")
    summary = controller.wait_finished(talking.uuid, 40)
    assert summary.queue_outcome == "transferred"
    ended = hung_up(events, talking.uuid, "the caller's hangup")
    path = recording_of(events, talking.uuid, 1)        # one recording, from anna's answer to the end
    check_recording(path, live, ended - talking.bridged_at)
    wait_until(lambda: state_of(controller, "anna") == "available", 10, "anna available again")
