"""The simulated switch tells the story the real one told (tests/data/transcripts/fsapp-live/): the same scenario
run by fsapp's controller on both, compared per leg by event names and fsapp_* variables.

The scenario (recorded on FreeSWITCH 1.10.12 by tests/live/test_live_fidelity.py): a caller keys 2 two
seconds into the menu's prompt, waits in the queue, anna's phone answers after one second of ringing, the
call is recorded (the caller hears the recording notice first), the caller hangs up 16 s after the answer; the
dialplan arms its safety net, which the controller cancels. Every difference must be listed, with the
reason it is harmless, in differences.yaml: a new one fails this test, and so does one that is gone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.switch.service import DEFAULT_EVENTS
from tests.fidelity import BATCH, RawObserver, compare, events_of, listed, reasons_given, roles, settled, story
from tests.integration.conftest import ROOT, controller_config, one_clock

LIVE = ROOT / "tests" / "live"
DIFFERENCES = BATCH / "differences.yaml"
CONSULT_DIFFERENCES = BATCH / "consult_complete.differences.yaml"


@pytest.fixture
def sim_speed() -> float:
    return 5.0


@pytest.fixture
def controller(sim: SimulatedSwitch, tmp_path: Path):
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copyfile(LIVE / "flows" / "live_menu.yaml", flows / "live_menu.yaml")
    shutil.copyfile(ROOT / "ivr_scripts" / "case_status.py", flows / "case_status.py")
    config = controller_config(sim, tmp_path, flows, **{
        "acd.file": str(LIVE / "acd.yaml"), "ivr.entries": {"main": "live_menu"}, "ivr.default_language": "en",
        "speech.tts_cache": str(tmp_path / "tts")})
    # the dialplan's safety net as `fsapp conf render` writes it with the defaults (livekit.py keeps them)
    sim.arm_safety_net(after=30, park_timeout=7200, apology=str(tmp_path / "apology.wav"))
    started = Controller(config, switch_checks=False, **one_clock(sim)).start()
    started.switch.wait_connected(20)
    assert started.acd.reconciled.wait(20)
    yield started
    started.stop()


def test_queue_answer_tells_the_real_switchs_story(sim: SimulatedSwitch, controller: Controller) -> None:
    sim.add_endpoint("1101", behaviour="answer", answer_after=1.0)
    controller.acd.agent_login("anna")
    observer = RawObserver(*sim.address, "ClueCon")
    uuid = sim.place_call("4790000001", destination="6000", entry="main",
                          script=CallerScript(keys=[(2.0, "2")], hangup_after=16.0))
    summary = controller.wait_finished(uuid, 30)
    assert summary.queue_outcome == "answered"
    observer.wait_destroyed(2, 20)   # the caller's leg and anna's
    rx, _ = observer.close()
    recorded, told = events_of((BATCH / "queue_answer.rx.bin").read_bytes()), events_of(rx)
    # where the recording's start falls against the hold music's end and the bridge, and where the state machine's
    # CHANNEL_STATE steps fall, is decided afresh each run, on both switches (fsapp subscribes to none of these):
    # the recording is compared as a count per leg, the rest in order
    names = frozenset(event.name for event in recorded + told) - UNORDERED
    assert recording_starts(recorded) == recording_starts(told) == {"caller": 1}
    assert compare(settled(story(recorded, only=names, playback_status=False)),
                   settled(story(told, only=names, playback_status=False))) == listed(DIFFERENCES)
    assert reasons_given(DIFFERENCES) == []


UNORDERED = frozenset({"RECORD_START", "MEDIA_BUG_START", "CHANNEL_STATE"})


def recording_starts(events: list) -> dict[str, int]:
    """How many recordings each leg's story starts (RECORD_START per role)."""
    legs = roles(events)
    counted: dict[str, int] = {}
    for event in events:
        role = legs.get(event.get("Unique-ID") or "")
        if event.name == "RECORD_START" and role is not None:
            counted[role] = counted.get(role, 0) + 1
    return counted


def test_consult_then_complete_tells_the_real_switchs_story(sim: SimulatedSwitch, controller: Controller) -> None:
    """The scenario of consult_complete (tests/live/test_live_fidelity.py): anna answers, consults bo once
    bridged to the caller, completes once bridged to bo; the caller hangs up 20 s after the answer."""
    sim.add_endpoint("1101", behaviour="answer", answer_after=1.0)
    sim.add_endpoint("1102", behaviour="answer", answer_after=1.0)
    controller.acd.agent_login("anna")
    observer = RawObserver(*sim.address, "ClueCon")
    watcher = RawObserver(*sim.address, "ClueCon")
    uuid = sim.place_call("4790000001", destination="6000", entry="main",
                          script=CallerScript(keys=[(2.0, "2")], hangup_after=20.0))
    anna_leg = bridge_of(watcher, uuid)
    controller.acd.agent_login("bo")
    bo_leg = controller.acd.consult(uuid, agent="bo")
    assert bridge_of(watcher, anna_leg, not_to=uuid) == bo_leg
    controller.acd.complete_transfer(uuid)
    summary = controller.wait_finished(uuid, 30)
    assert summary.queue_outcome == "answered"
    observer.wait_destroyed(3, 20)   # the caller's leg, anna's and bo's
    rx, _ = observer.close()
    watcher.close()
    # compared on the events fsapp subscribes to, without the playback's status: where RECORD_START falls against
    # the bridge and whether hold music broken at once before uuid_bridge stops "done" or "break" are decided
    # afresh each run, on both switches (see test_live_fidelity.py)
    read = frozenset(DEFAULT_EVENTS)
    real = story(events_of((BATCH / "consult_complete.rx.bin").read_bytes()), only=read, playback_status=False)
    told = story(events_of(rx), only=read, playback_status=False)
    assert compare(settled(real), settled(told)) == listed(CONSULT_DIFFERENCES)
    assert reasons_given(CONSULT_DIFFERENCES) == []


def bridge_of(watcher: RawObserver, leg: str, not_to: str = "") -> str:
    """The leg bridged to ``leg`` (either may be the bridge's leg A), but ``not_to``, once the switch has sent
    the bridge."""
    while True:
        for event in events_of(bytes(watcher.rx)):
            pair = (event.uuid, event.get("Other-Leg-Unique-ID") or "")
            other = pair[1] if pair[0] == leg else pair[0]
            if event.name == "CHANNEL_BRIDGE" and leg in pair and other != not_to:
                return other
        watcher.wait_more(20)
