"""Media timing on the real switch: the rendered profiles keep their own clock (rtp-timer-name soft), so a prompt
to a caller who sends no RTP at all (silence suppression, a muted phone) takes as long as the prompt."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from gevent.event import AsyncResult

from fsapp.switch.call import Call
from fsapp.switch.service import Switch
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import TRUNKS_PORT, Sipp, Watcher

pytestmark = pytest.mark.freeswitch
PROMPT_SECONDS = 2.5


def test_a_prompt_to_a_silent_caller_takes_its_length(live: LiveSetup, sipp_run: Sipp,
                                                      watcher: Callable[..., Watcher]) -> None:
    prompt = live.work / "prompt_2_5s.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(prompt), "synth", str(PROMPT_SECONDS),
                    "sine", "440"], check=True)
    events = watcher("PLAYBACK_START", "PLAYBACK_STOP")
    played: AsyncResult = AsyncResult()

    def flow(call: Call) -> None:
        call.answer()
        played.set((call.uuid, call.playback(str(prompt), timeout=30)))
        call.hangup()

    switch = Switch(*live.address)
    switch.route("main", flow)
    switch.start().wait_connected(10)
    try:
        caller = sipp_run.run("silent_caller", scenarios.caller("6000"), remote=f"127.0.0.1:{TRUNKS_PORT}",
                              port=5170)   # sends no RTP at all
        uuid, finished = played.get(timeout=30)
        assert finished
        assert sipp_run.finish(caller, 30) == 0, sipp_run.errors("silent_caller")
    finally:
        switch.stop()
    start = events.wait(lambda e: e.name == "PLAYBACK_START" and e.uuid == uuid, 5, "PLAYBACK_START")
    stop = events.wait(lambda e: e.name == "PLAYBACK_STOP" and e.uuid == uuid, 5, "PLAYBACK_STOP")
    assert stop["Playback-Status"] == "done"
    seconds = (int(stop["Event-Date-Timestamp"]) - int(start["Event-Date-Timestamp"])) / 1e6
    assert seconds == pytest.approx(PROMPT_SECONDS, abs=0.3)   # without the soft timer it ran 9 s or never ended
