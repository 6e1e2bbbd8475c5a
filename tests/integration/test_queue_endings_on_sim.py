"""Nobody is left in silence: a queue that ends in a callback or voicemail, and a flow that fails, through the
real controller on the simulated switch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import gevent
import pytest
from gevent.event import Event as Flag

from fsapp.controller import Controller
from fsapp.esl.connection import ESLConnection
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.sim.media import load_wav
from fsapp.store.recordings import RecordingFilter
from tests.integration.conftest import MONDAY_MORNING, ROOT, SUNDAY, WAIT, controller_config, one_clock


class Ears:
    """What each caller heard: the files of PLAYBACK_START on their leg, and a flag per new one."""

    def __init__(self, sim: SimulatedSwitch) -> None:
        host, port = sim.address
        self.connection = ESLConnection(host, port, "ClueCon").connect()
        self.connection.subscribe(["PLAYBACK_START"])
        self.heard: dict[str, list[str]] = {}
        self.changed = Flag()
        self.greenlet = gevent.spawn(self._listen)

    def _listen(self) -> None:
        for event in self.connection.iter_events():
            self.heard.setdefault(event.uuid, []).append(event.get("Playback-File-Path") or "")
            self.changed.set()

    def wait_for(self, uuid: str, path: str) -> None:
        with gevent.Timeout(WAIT, AssertionError(f"{uuid} never heard {path}: {self.heard.get(uuid)}")):
            while path not in self.heard.get(uuid, []):
                self.changed.clear()
                self.changed.wait()

    def close(self) -> None:
        self.connection.close()
        self.greenlet.kill(block=False)


@pytest.fixture
def ears(sim: SimulatedSwitch) -> Iterator[Ears]:
    listening = Ears(sim)
    yield listening
    listening.close()


def start(sim: SimulatedSwitch, tmp_path: Path, at: datetime = MONDAY_MORNING, **overrides: object) -> Controller:
    config = controller_config(sim, tmp_path, **{"speech.tts_cache": str(tmp_path / "tts"), **overrides})
    controller = Controller(config, **one_clock(sim, at))
    controller.start()
    controller.switch.wait_connected(WAIT)
    return controller


def spoken(controller: Controller, key: str, language: str = "nb", **values: object) -> str:
    """The file the switch plays for one of the spoken texts."""
    return str(controller.tts.path_for(controller.texts.say(key, language, **values), language))


def test_a_caller_who_takes_a_callback_hears_the_number_and_is_let_go(sim, tmp_path, keypad, ears) -> None:
    controller = start(sim, tmp_path)
    try:
        caller = keypad("0").call("+4790000311")        # the operator queue; nobody is logged in
        ears.wait_for(caller, "local_stream://moh")
        sim.send_dtmf(caller, "1")                       # the queue's exit key: call me back
        ears.wait_for(caller, spoken(controller, "queue.callback_confirmed", digits="4 7 9 0 0 0 0 3 1 1"))
        ears.wait_for(caller, spoken(controller, "queue.goodbye"))
        assert sim.wait_gone(caller, WAIT), "the caller is hung up, not left on a silent channel"
        controller.wait_finished(caller, WAIT)
        assert controller.store.call(caller)["outcome"] == "callback"
        assert controller.acd.router.waiting("operator") == [caller]   # the place is kept for the callback
    finally:
        controller.stop()


def test_a_queue_ending_in_voicemail_records_the_message_into_the_register(sim, tmp_path, ears) -> None:
    acd = tmp_path / "acd.yaml"
    acd.write_text((ROOT / "conf" / "acd.yaml").read_text().replace(
        "    max_wait: 420\n    on_max_wait: {action: voicemail", "    max_wait: 5\n    on_max_wait: {action: voicemail"))
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main_menu.yaml").write_text("name: main_menu\ndefault_language: en\nlanguages: [en]\nstart: q\n"
                                          "nodes:\n  q: {kind: queue, queue: waste}\n")
    controller = start(sim, tmp_path, **{"acd.file": str(acd), "ivr.flows_dir": str(flows)})
    try:
        caller = sim.place_call("+4790000312", script=CallerScript(hangup_after=900.0))
        ears.wait_for(caller, spoken(controller, "queue.voicemail", "en"))
        ears.wait_for(caller, spoken(controller, "queue.goodbye", "en"))
        assert sim.wait_gone(caller, WAIT)
        controller.wait_finished(caller, WAIT)
        [message] = [row for row in controller.store.interactions(limit=10) if row["channel"] == "voicemail"]
        assert message["address"] == "+4790000312" and Path(message["recording_path"]).is_file()
        assert "waste" in message["subject"]
    finally:
        controller.stop()


def test_a_reload_naming_an_unknown_queue_is_refused_and_the_last_good_flow_serves(sim, tmp_path, ears) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    menu = flows / "main_menu.yaml"
    menu.write_text("name: main_menu\ndefault_language: nb\nlanguages: [nb]\nstart: q\n"
                    "nodes:\n  q: {kind: queue, queue: taxes}\n")
    controller = start(sim, tmp_path, **{"ivr.flows_dir": str(flows)})
    try:
        menu.write_text(menu.read_text().replace("queue: taxes", "queue: taxxes"))
        [error] = controller.flows.reload()
        assert error.located().startswith(f"{menu}:6: nodes.q: queue 'taxxes' not in ")
        caller = sim.place_call("+4790000314", script=CallerScript(hangup_after=900.0))
        ears.wait_for(caller, "local_stream://moh")
        assert controller.acd.router.waiting("taxes") == [caller]
    finally:
        controller.stop()


def test_a_flow_whose_store_fails_apologizes_and_sends_the_caller_to_the_operator(sim, tmp_path, keypad,
                                                                                  ears) -> None:
    controller = start(sim, tmp_path, at=SUNDAY)
    try:
        controller.store.db.execute_sql("DROP TABLE callback_request")   # the store breaks under the flow
        caller = keypad("2", "1").call("+4790000315")                    # closed: "call me back", "yes"
        ears.wait_for(caller, spoken(controller, "queue.apology"))
        ears.wait_for(caller, "local_stream://moh")
        assert caller in controller.acd.router.waiting("operator")
    finally:
        controller.stop()


def test_a_voicemail_keeps_the_pauses_of_a_caller_who_sends_no_rtp_while_silent(sim, tmp_path, ears) -> None:
    """A phone with silence suppression sends RTP only while its user speaks. FreeSWITCH's ``record`` writes
    only the frames it received unless ``record_fill_cng`` is set: the message would lose its pauses and be
    shorter than the time it was recorded (seen on FreeSWITCH 1.10.12)."""
    acd = tmp_path / "acd.yaml"
    acd.write_text((ROOT / "conf" / "acd.yaml").read_text().replace(
        "    max_wait: 420\n    on_max_wait: {action: voicemail", "    max_wait: 5\n    on_max_wait: {action: voicemail"))
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "main_menu.yaml").write_text("name: main_menu\ndefault_language: en\nlanguages: [en]\nstart: q\n"
                                          "nodes:\n  q: {kind: queue, queue: waste}\n")
    controller = start(sim, tmp_path, **{"acd.file": str(acd), "ivr.flows_dir": str(flows)})
    recorder = ESLConnection(*sim.address, "ClueCon").connect()
    recorder.subscribe(["RECORD_START", "RECORD_STOP"])
    try:
        utterance = controller.tts.render("roads and parking", "en")   # about a second of speech
        prompt = load_wav(controller.tts.render(controller.texts.say("queue.voicemail", "en"), "en")).seconds
        leaves = 5 + prompt + 6.0   # from the hold music: max_wait, the prompt, then 6 s of message
        caller = sim.place_call("+4790000316", script=CallerScript(speech_wav=str(utterance), on_hold=[(leaves, None)],
                                                                   silence_suppression=True))
        started, stopped = (recorder.next_event(timeout=WAIT) for _ in range(2))
        assert (started.name, stopped.name, started.uuid) == ("RECORD_START", "RECORD_STOP", caller)
        controller.wait_finished(caller, WAIT)
        recorded = (int(stopped["Event-Date-Timestamp"]) - int(started["Event-Date-Timestamp"])) / 1e6
        assert recorded > 3.0, recorded   # the caller spoke about a second, then kept silent until hanging up
        [row] = controller.store.recordings(RecordingFilter(kind="voicemail", call_uuid=caller))
        assert load_wav(row["path"]).seconds == pytest.approx(recorded, abs=0.25)
        assert row["duration"] == pytest.approx(recorded, abs=0.25)
    finally:
        recorder.close()
        controller.stop()
