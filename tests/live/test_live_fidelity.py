"""The scenario the simulated switch is held to (tests/sim/test_sim_fidelity.py), on the real switch.

A caller keys 2 during the menu's prompt, waits in the queue, anna's registered softphone answers after one
ring, they talk (recorded), the caller hangs up. Every event of the call is recorded by a raw observer
(``event plain ALL``); with ``FSAPP_TRANSCRIPTS_WRITE=1`` the recording replaces
tests/data/transcripts/fsapp-live/queue_answer.{rx,tx}.bin. Either way the real switch must tell, per leg, the
story recorded there on the events fsapp subscribes to (their names in order, and the fsapp_* variables).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest

from fsapp.controller import Controller
from fsapp.switch.service import DEFAULT_EVENTS
from tests.fidelity import BATCH, RawObserver, compare, events_of, settled, story
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import TRUNKS_PORT, Sipp, Watcher
from tests.live.pcaps import key_presses

pytestmark = pytest.mark.freeswitch
STEM = "queue_answer"


def test_queue_answer_tells_the_recorded_story(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                              phones: Callable[..., subprocess.Popen],
                                              watcher: Callable[..., Watcher]) -> None:
    events = watcher("CHANNEL_PARK")
    phones("1101", 5310)
    controller.acd.agent_login("anna")
    observer = RawObserver(*live.address)
    keys = key_presses(sipp_run.work / "key2.pcap", "2", at=2.0)
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys)], hangup_after=16000),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5320)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    summary = controller.wait_finished(uuid, 40)
    assert summary.queue_outcome == "answered"
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    observer.wait_destroyed(2, 20)   # the caller's leg and anna's
    rx, tx = observer.close()
    if os.environ.get("FSAPP_TRANSCRIPTS_WRITE") == "1":
        (BATCH / f"{STEM}.rx.bin").write_bytes(rx)
        (BATCH / f"{STEM}.tx.bin").write_bytes(tx)
    # what the controller receives must be the same story, but for three races the real switch decides afresh
    # each run: where RECORD_START falls against the bridge (fsapp does not subscribe to it), whether hold music
    # broken at once before uuid_bridge stops "done" or "break", and whether the operator's leg is parked or
    # already killed by fsapp when the caller hangs up (tests.fidelity.settled)
    read = frozenset(DEFAULT_EVENTS)
    recorded = story(events_of((BATCH / f"{STEM}.rx.bin").read_bytes()), only=read, playback_status=False)
    assert compare(settled(recorded), settled(story(events_of(rx), only=read, playback_status=False))) == {
        "events_only_real": {}, "events_only_sim": {}, "sequence": [], "variables": []}


def test_consult_then_complete_tells_the_recorded_story(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                                        phones: Callable[..., subprocess.Popen],
                                                        watcher: Callable[..., Watcher]) -> None:
    """The caller keys 2, anna answers; once they are bridged anna consults bo (his phone answers after one
    ring), and once anna and bo are bridged the transfer is completed; the caller hangs up 20 s after the
    answer. Recorded as consult_complete.{rx,tx}.bin with FSAPP_TRANSCRIPTS_WRITE=1."""
    events = watcher("CHANNEL_PARK", "CHANNEL_BRIDGE")
    phones("1101", 5710)
    phones("1102", 5720)
    controller.acd.agent_login("anna")
    observer = RawObserver(*live.address)
    keys = key_presses(sipp_run.work / "key2.pcap", "2", at=2.0)
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys)], hangup_after=20000),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5730)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    bridged = events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and uuid in (e.uuid, e.get("Other-Leg-Unique-ID")),
                          20, "the caller bridged to anna")
    anna_leg = bridged.uuid if bridged.uuid != uuid else bridged.get("Other-Leg-Unique-ID")
    controller.acd.agent_login("bo")
    bo_leg = controller.acd.consult(uuid, agent="bo")
    events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and {e.uuid, e.get("Other-Leg-Unique-ID")} == {anna_leg, bo_leg},
                10, "anna bridged to bo")
    controller.acd.complete_transfer(uuid)
    summary = controller.wait_finished(uuid, 40)
    assert summary.queue_outcome == "answered"
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    observer.wait_destroyed(3, 20)   # the caller's leg, anna's and bo's
    rx, tx = observer.close()
    stem = "consult_complete"
    if os.environ.get("FSAPP_TRANSCRIPTS_WRITE") == "1":
        (BATCH / f"{stem}.rx.bin").write_bytes(rx)
        (BATCH / f"{stem}.tx.bin").write_bytes(tx)
    read = frozenset(DEFAULT_EVENTS)
    recorded = story(events_of((BATCH / f"{stem}.rx.bin").read_bytes()), only=read, playback_status=False)
    assert compare(settled(recorded), settled(story(events_of(rx), only=read, playback_status=False))) == {
        "events_only_real": {}, "events_only_sim": {}, "sequence": [], "variables": []}
