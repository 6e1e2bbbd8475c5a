"""How a caller's journey ends on the real switch: the recording notice before a recorded queue, the dialplan's
safety net (with no controller, and cancelled by a running one), and queues that end in voicemail or a callback.

What the caller hears is checked on the RTP their SIPp phone receives (see :mod:`tests.live.rtpwatch`): the
hold music is a 440 Hz sine (/work/fs/sounds/music), the spoken prompts are synthesized speech.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.queue_endings import spoken_digits
from fsapp.store.recordings import RecordingFilter
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import TRUNKS_PORT, Sipp, Watcher, sox_stat
from tests.live.pcaps import key_presses
from tests.live.rtpwatch import RtpWatch

pytestmark = pytest.mark.freeswitch
CALLER_ID = "4790000001"
HOLD_TONE = 440.0
AUDIBLE = 300.0          # mean absolute level of speech or music the switch sends (digital silence: ~8)
LAST_RESORT_AFTER = 30   # freeswitch.last_resort_after's default, which the suite's fsapp.yaml keeps


def to_monotonic(event_microseconds: str) -> float:
    """An event's Event-Date-Timestamp (wall clock, µs) on the clock RtpWatch stamps packets with."""
    return int(event_microseconds) / 1e6 - (time.time() - time.monotonic())


def seconds_between(first: object, second: object) -> float:
    return (int(second["Event-Date-Timestamp"]) - int(first["Event-Date-Timestamp"])) / 1e6  # type: ignore[index]


def playbacks(events: Watcher, uuid: str) -> list[str]:
    return [event.get("Playback-File-Path") for event in events.seen
            if event.name == "PLAYBACK_START" and event.uuid == uuid]


def parked_main(events: Watcher) -> str:
    return events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                       "the caller parked").uuid


def test_the_caller_hears_the_recording_notice_before_the_hold_music(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    events = watcher("CHANNEL_PARK", "PLAYBACK_START", "PLAYBACK_STOP")
    keys = key_presses(sipp_run.work / "key2.pcap", "2", at=2.0)
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys)], hangup_after=20000,
                                                     caller_id=CALLER_ID),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5810)
    watch = RtpWatch({sipp_run.media_ports["caller"]})
    try:
        uuid = parked_main(events)
        notice = str(controller.tts.render(controller.texts.say("queue.recording_notice", "en"), "en"))
        started = events.wait(lambda e: e.name == "PLAYBACK_START" and e.uuid == uuid
                              and e.get("Playback-File-Path") == notice, 15, "the recording notice")
        stopped = events.wait(lambda e: e.name == "PLAYBACK_STOP" and e.uuid == uuid
                              and e.get("Playback-File-Path") == notice, 15, "the end of the notice")
        music = events.wait(lambda e: e.name == "PLAYBACK_START" and e.uuid == uuid
                            and e.get("Playback-File-Path") == "local_stream://moh", 10, "the hold music")
        assert sipp_run.finish(caller, 30) == 0, sipp_run.errors("caller")
    finally:
        watch.close()
    assert stopped["Playback-Status"] == "done"
    heard = playbacks(events, uuid)
    assert heard.index(notice) < heard.index("local_stream://moh"), heard   # first the notice, then the music
    port = sipp_run.media_ports["caller"]
    spoken = (to_monotonic(started["Event-Date-Timestamp"]) + 0.2, to_monotonic(stopped["Event-Date-Timestamp"]))
    held = (to_monotonic(music["Event-Date-Timestamp"]) + 0.5, to_monotonic(music["Event-Date-Timestamp"]) + 6.0)
    assert watch.level(port, *spoken) > AUDIBLE, "the notice was not heard"
    assert watch.tone_share(port, *spoken, HOLD_TONE) < 0.5, "the caller heard music, not the notice"
    assert watch.tone_share(port, *held, HOLD_TONE) > 0.9, "no hold music after the notice"
    assert controller.wait_finished(uuid, 20).queue_outcome == "abandoned"


def rendered_apology(live: LiveSetup) -> str:
    dialplan = (live.work / "rendered" / "dialplan" / "public" / "fsapp_numbers.xml").read_text()
    found = re.search(r'<action application="playback" data="([^"]+)"/>', dialplan)
    assert found, "no apology in the rendered last-resort extension"
    return found.group(1)


def test_with_no_controller_the_last_resort_apologizes_and_hangs_up(
        live: LiveSetup, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    """No controller on the Event Socket (stopped, or its connection gone): the dialplan's scheduled transfer
    takes the parked call to the last resort after last_resort_after seconds; the caller hears the apology and
    the switch hangs up (no last_resort_number in the suite's fsapp.yaml)."""
    events = watcher("CHANNEL_PARK", "ADD_SCHEDULE", "PLAYBACK_START", "PLAYBACK_STOP", "CHANNEL_HANGUP_COMPLETE")
    apology = rendered_apology(live)
    assert Path(apology).is_file(), apology   # `fsapp conf render` made it
    caller = sipp_run.run("caller", scenarios.caller("6000", caller_id=CALLER_ID), remote=f"127.0.0.1:{TRUNKS_PORT}",
                          port=5820)   # waits for the switch's BYE
    watch = RtpWatch({sipp_run.media_ports["caller"]})
    try:
        parked = events.wait(lambda e: e.name == "CHANNEL_PARK" and e.get("variable_fsapp_entry") == "main", 15,
                             "the caller parked")
        uuid = parked.uuid
        events.wait(lambda e: e.name == "ADD_SCHEDULE" and e.get("Task-Group") == uuid, 5,
                    "the last resort scheduled in the call's task group")
        started = events.wait(lambda e: e.name == "PLAYBACK_START" and e.uuid == uuid, LAST_RESORT_AFTER + 10,
                              "the last resort's apology")
        stopped = events.wait(lambda e: e.name == "PLAYBACK_STOP" and e.uuid == uuid, 20, "the apology's end")
        hung_up = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 10, "the hang-up")
        assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")   # the caller got the switch's BYE
    finally:
        watch.close()
    assert started.get("Playback-File-Path") == apology
    assert stopped["Playback-Status"] == "done"
    assert seconds_between(parked, started) == pytest.approx(LAST_RESORT_AFTER, abs=2.0)
    assert hung_up.get("variable_fsapp_last_resort") == "used"
    assert hung_up["Hangup-Cause"] == "NORMAL_TEMPORARY_FAILURE"
    spoken = (to_monotonic(started["Event-Date-Timestamp"]) + 0.2, to_monotonic(stopped["Event-Date-Timestamp"]))
    assert watch.level(sipp_run.media_ports["caller"], *spoken) > AUDIBLE, "the apology was not heard"


def test_a_running_controller_cancels_the_net_and_a_long_wait_is_not_cut(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    """The controller takes the call (``sched_del <uuid>``): the caller waits in the queue well past
    last_resort_after with hold music, and leaves when they choose to."""
    events = watcher("CHANNEL_PARK", "DEL_SCHEDULE", "CHANNEL_EXECUTE", "CHANNEL_HANGUP_COMPLETE")
    keys = key_presses(sipp_run.work / "key2.pcap", "2", at=2.0)
    stay = (LAST_RESORT_AFTER + 15) * 1000
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys)], hangup_after=stay,
                                                     caller_id=CALLER_ID),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5830)
    uuid = parked_main(events)
    cancelled = events.wait(lambda e: e.name == "DEL_SCHEDULE" and e.get("Task-Group") == uuid, 10,
                            "the last resort's task deleted")   # the switch's `show tasks` table lags behind
    assert seconds_between(events.wait(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid, 1, "the park"),
                           cancelled) < 5, "deleted when it ran, not cancelled"
    summary = controller.wait_finished(uuid, LAST_RESORT_AFTER + 30)
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")   # the caller hung up, as scripted
    hung_up = events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 10, "the hang-up")
    assert summary.queue_outcome == "abandoned"
    assert hung_up.get("variable_fsapp_last_resort") == "armed"   # never used
    assert hung_up["Hangup-Cause"] == "NORMAL_CLEARING"
    assert not [e for e in events.seen if e.name == "CHANNEL_EXECUTE" and e.uuid == uuid
                and e.get("Application") == "transfer"]
    assert seconds_between(events.wait(lambda e: e.name == "CHANNEL_PARK" and e.uuid == uuid, 1, "the park"),
                           hung_up) > LAST_RESORT_AFTER + 10


def test_a_queue_that_ends_in_voicemail_keeps_the_message(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    """Key 3: a queue nobody serves, max_wait 5 s, then voicemail: the prompt, the caller speaks and hangs up;
    the store has the voicemail as a row and its file holds the caller's speech, as long as the recording ran."""
    events = watcher("CHANNEL_PARK", "RECORD_START", "RECORD_STOP", "CHANNEL_HANGUP_COMPLETE")
    keys = key_presses(sipp_run.work / "key3.pcap", "3", at=2.0)
    speech = live.speech   # 7 s
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, keys), (16000, speech), (23000, speech)],
                                                     hangup_after=30000, caller_id=CALLER_ID),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5840)
    uuid = parked_main(events)
    started = events.wait(lambda e: e.name == "RECORD_START" and e.uuid == uuid, 25, "the voicemail recording")
    summary = controller.wait_finished(uuid, 40)
    assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")
    stopped = events.wait(lambda e: e.name == "RECORD_STOP" and e.uuid == uuid, 10, "the recording's end")
    assert summary.queue_outcome == "voicemail"
    rows = controller.store.recordings(RecordingFilter(kind="voicemail", call_uuid=uuid))
    assert len(rows) == 1, rows
    path = Path(rows[0]["path"])
    assert path == Path(started["Record-File-Path"]) and path.is_file()
    stat = sox_stat(path)
    recorded = seconds_between(started, stopped)
    assert stat["Length (seconds)"] == pytest.approx(recorded, abs=1.0), (stat, recorded)
    assert recorded > 8.0, recorded   # from the tone to the caller's hang-up, 14 s of speech among it
    assert rows[0]["duration"] == pytest.approx(stat["Length (seconds)"], abs=1.0), rows[0]
    assert stat["RMS     amplitude"] > 0.02, stat


def test_a_queue_that_ends_in_callback_reads_the_number_back_and_hangs_up(
        live: LiveSetup, controller: Controller, sipp_run: Sipp, watcher: Callable[..., Watcher]) -> None:
    """Key 4: a queue nobody serves; the caller keys its exit key (1) to be called back: they hear their number
    read back, goodbye, and the switch hangs up; the callback keeps their place in the queue."""
    events = watcher("CHANNEL_PARK", "PLAYBACK_START", "PLAYBACK_STOP", "CHANNEL_HANGUP_COMPLETE")
    four = key_presses(sipp_run.work / "key4.pcap", "4", at=2.0)
    one = key_presses(sipp_run.work / "key1.pcap", "1", at=9.0)
    caller = sipp_run.run("caller", scenarios.caller("6000", media=[(2000, four), (9000, one)], caller_id=CALLER_ID),
                          remote=f"127.0.0.1:{TRUNKS_PORT}", port=5850)   # waits for the switch's BYE
    watch = RtpWatch({sipp_run.media_ports["caller"]})
    try:
        uuid = parked_main(events)
        confirmed = str(controller.tts.render(controller.texts.say(
            "queue.callback_confirmed", "en", digits=spoken_digits("+" + CALLER_ID)), "en"))
        goodbye = str(controller.tts.render(controller.texts.say("queue.goodbye", "en"), "en"))
        read_back = events.wait(lambda e: e.name == "PLAYBACK_START" and e.uuid == uuid
                                and e.get("Playback-File-Path") == confirmed, 25, "the number read back")
        read_back_end = events.wait(lambda e: e.name == "PLAYBACK_STOP" and e.uuid == uuid
                                    and e.get("Playback-File-Path") == confirmed, 20, "the end of the read-back")
        events.wait(lambda e: e.name == "PLAYBACK_STOP" and e.uuid == uuid
                    and e.get("Playback-File-Path") == goodbye, 20, "the goodbye")
        events.wait(lambda e: e.name == "CHANNEL_HANGUP_COMPLETE" and e.uuid == uuid, 10, "the hang-up")
        assert sipp_run.finish(caller, 20) == 0, sipp_run.errors("caller")   # the caller got the switch's BYE
    finally:
        watch.close()
    assert read_back_end["Playback-Status"] == "done"
    summary = controller.wait_finished(uuid, 10)
    assert summary.queue_outcome == "callback"
    spoken = (to_monotonic(read_back["Event-Date-Timestamp"]) + 0.2,
              to_monotonic(read_back_end["Event-Date-Timestamp"]))
    assert watch.level(sipp_run.media_ports["caller"], *spoken) > AUDIBLE, "the read-back was not heard"
    waiting = [member for member in controller.acd.router.members.values() if member.is_callback]
    assert [(member.queue, member.callback_number) for member in waiting] == [("live_callback", "+" + CALLER_ID)]
