"""The simulated switch tells the story the real one told (tests/data/transcripts/fsapp-live/): the same scenario
run by fsapp's controller on both, compared per leg by event names and fsapp_* variables.

The scenario (recorded on FreeSWITCH 1.10.12 by tests/live/test_live_fidelity.py): a caller keys 2 two
seconds into the menu's prompt, waits in the queue, anna's phone answers after one second of ringing, the
call is recorded, the caller hangs up 16 s after the answer. Every difference must be listed, with the
reason it is harmless, in differences.yaml: a new one fails this test, and so does one that is gone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.fidelity import BATCH, RawObserver, compare, events_of, listed, reasons_given, story
from tests.integration.conftest import ROOT, controller_config, one_clock

LIVE = ROOT / "tests" / "live"
DIFFERENCES = BATCH / "differences.yaml"


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
        "speech.tts_cache": str(tmp_path / "tts"), "acd.recording_notice": False})   # as recorded (livekit.py)
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
    real = story(events_of((BATCH / "queue_answer.rx.bin").read_bytes()))
    assert compare(real, story(events_of(rx))) == listed(DIFFERENCES)
    assert reasons_given(DIFFERENCES) == []
