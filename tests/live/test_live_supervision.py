"""Listen, whisper and barge on the real switch, checked by what each phone hears: the caller and the agent
send digital silence, the supervisor's phone a 1 kHz tone, and the RTP the switch sends to each phone is
captured on lo (needs root) and measured per mode."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

import gevent
import pytest

from fsapp.controller import Controller
from fsapp.supervise.eavesdrop import Supervision
from tests.api.api_waits import wait_until
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import DOMAIN, TRUNKS_PORT, Sipp, Watcher
from tests.live.pcaps import key_presses, tone_20ms
from tests.live.rtpwatch import RtpWatch

pytestmark = [pytest.mark.freeswitch,
              pytest.mark.skipif(os.geteuid() != 0, reason="capturing RTP on lo needs root")]
AUDIBLE, SILENT = 1000.0, 100.0      # mean absolute level: the tone is ~6000, digital silence ~8
MODE_SECONDS = 2.5
# mode -> (the agent hears the supervisor, the caller hears the supervisor)
HEARD = {"listen": (False, False), "whisper": (True, False), "barge": (True, True), "caller": (False, True)}


def talking(live: LiveSetup, controller: Controller, sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
            events: Watcher) -> tuple[str, str]:
    """anna's call with a caller, both silent; returns the caller's and anna's leg."""
    silence = tone_20ms(sipp_run.work / "silence.pcap", 60, None)
    phones("1101", 5410, speech=silence)
    phones("1102", 5420, speech=tone_20ms(sipp_run.work / "tone.pcap", 60, 1000))   # the supervisor's phone
    controller.acd.agent_login("anna")
    keys = key_presses(sipp_run.work / "key2.pcap", "2", at=2.0)
    sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys), (3000, silence)], hangup_after=60000),
                 remote=f"127.0.0.1:{TRUNKS_PORT}", port=5430)
    uuid = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid
    wait_until(lambda: controller.acd.router.agent("anna").state.value == "on-call", 20, "anna on the call")
    leg = controller.acd.calls[uuid].agent_leg
    events.wait(lambda e: e.name == "CHANNEL_BRIDGE" and {e.uuid, e.get("Other-Leg-Unique-ID")} == {uuid, leg},
                10, "the caller bridged to anna")
    return uuid, leg


def test_listen_whisper_barge_are_heard_by_the_right_party(live: LiveSetup, controller: Controller,
                                                          sipp_run: Sipp, phones: Callable[..., subprocess.Popen],
                                                          watcher: Callable[..., Watcher]) -> None:
    events = watcher("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_EXECUTE")
    talking(live, controller, sipp_run, phones, events)
    agent_port, caller_port = sipp_run.media_ports["phone_1101"], sipp_run.media_ports["caller"]
    watch = RtpWatch({agent_port, caller_port})
    supervision = Supervision(controller.switch, controller.acd, time.time)
    try:
        session = supervision.start("anna", f"user/1102@{DOMAIN}", "listen")
        events.wait(lambda e: e.name == "CHANNEL_EXECUTE" and e.uuid == session.id
                    and e.get("Application") == "eavesdrop", 10, "the eavesdrop running")
        heard: list[tuple[str, float, float]] = []
        for mode in ("listen", "whisper", "barge", "caller", "listen"):
            if mode != session.mode:
                supervision.set_mode(session.id, mode)
            start = time.monotonic()
            gevent.sleep(MODE_SECONDS)   # a window of audio to measure, not a wait for an event
            window = (start + 1.0, start + MODE_SECONDS)   # the first second: the switch changing mode
            heard.append((mode, watch.level(agent_port, *window), watch.level(caller_port, *window)))
    finally:
        watch.close()
    for mode, agent_level, caller_level in heard:
        to_agent, to_caller = HEARD[mode]
        assert (agent_level > AUDIBLE) == to_agent and (agent_level < SILENT) == (not to_agent), (mode, heard)
        assert (caller_level > AUDIBLE) == to_caller and (caller_level < SILENT) == (not to_caller), (mode, heard)


def test_ending_a_supervision_hangs_up_the_supervisor(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                                      phones: Callable[..., subprocess.Popen],
                                                      watcher: Callable[..., Watcher]) -> None:
    events = watcher("CHANNEL_PARK", "CHANNEL_BRIDGE", "CHANNEL_EXECUTE", "CHANNEL_HANGUP_COMPLETE")
    talking(live, controller, sipp_run, phones, events)
    supervision = Supervision(controller.switch, controller.acd, time.time)
    session = supervision.start("anna", f"user/1102@{DOMAIN}", "barge")
    events.wait(lambda e: e.name == "CHANNEL_EXECUTE" and e.uuid == session.id
                and e.get("Application") == "eavesdrop", 10, "the eavesdrop running")
    supervision.stop(session.id)
    events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == session.id, 5,
                "the supervisor's leg hung up")
    assert controller.acd.router.agent("anna").state.value == "on-call"   # the conversation goes on
