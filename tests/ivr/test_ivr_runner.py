"""The runner on a small in-test call that keeps what the switch was asked to do."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fsapp.esl.errors import ESLError
from fsapp.ivr.actions import Callback, Queue, Recorded, Voicemail
from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.registry import FlowRegistry
from fsapp.ivr.runner import Handlers, IvrRunner
from fsapp.speech.asr import Recognizers
from fsapp.speech.tts import TtsCache
from ivr_helpers import REPO, SATURDAY, TUESDAY_MORNING, load_valid

FLOW = REPO / "ivr_scripts" / "main_menu.yaml"


@dataclass
class Recording:
    path: str
    ms: int
    silence_ended: bool = True


@dataclass
class FakeCall:
    """Answers play_and_get_digits from ``keys`` and records ``utterances`` (WAV files) in order."""

    keys: list[str | None] = field(default_factory=list)
    utterances: list[Path | None] = field(default_factory=list)
    uuid: str = "call-1"
    caller_number: str = "+4790000000"
    variables: dict[str, str] = field(default_factory=dict)
    log: list[tuple] = field(default_factory=list)
    gone_after: int | None = None
    typed: list[str | None] = field(default_factory=list)   # a key that stops each prompt in turn (None: none)

    def _note(self, *entry) -> None:
        if self.gone_after is not None and len(self.log) >= self.gone_after:
            raise ESLError("channel hung up")
        self.log.append(entry)

    def answer(self, timeout: float = 5.0) -> None:
        self._note("answer")

    def playback_key(self, path: str, timeout: float | None = None) -> str | None:
        self._note("playback", path)
        return self.typed.pop(0) if self.typed else None

    def play_and_get_digits(self, min_digits, max_digits, tries, timeout_ms, terminators, prompt, invalid_prompt,
                            var_name, regex, digit_timeout_ms) -> str | None:
        self._note("pagd", prompt, regex)
        return self.keys.pop(0) if self.keys else None

    def record(self, path: str, time_limit_s: int, silence_threshold: int, silence_hits_s: int) -> Recording:
        self._note("record", path, time_limit_s)
        source = self.utterances.pop(0) if self.utterances else None
        if source is None:
            return Recording(path, 0)
        shutil.copy(source, path)
        return Recording(path, 1500)

    def set_variable(self, name: str, value: str) -> None:
        self._note("set", name, value)
        self.variables[name] = value

    def transfer(self, destination: str, dialplan: str = "XML", context: str = "default") -> None:
        self._note("transfer", destination)

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        self._note("hangup", cause)


@pytest.fixture(scope="module")
def tts(tmp_path_factory) -> TtsCache:
    return TtsCache(tmp_path_factory.mktemp("tts"))


def _runner(tts, tmp_path, moment, outcomes) -> IvrRunner:
    handlers = Handlers(on_queue=lambda call, action: outcomes.append(action),
                        on_voicemail=lambda call, action, rec: outcomes.append((action, rec)),
                        on_callback=lambda call, action: outcomes.append(action),
                        on_finished=lambda call, path: outcomes.append(path))
    return IvrRunner(tts=tts, recognizers=Recognizers(), handlers=handlers, hooks=HookLoader(REPO / "ivr_scripts"),
                     clock=lambda: moment, recordings_dir=tmp_path)


def test_spoken_choice_is_recorded_recognized_and_queued(tts, tmp_path) -> None:
    outcomes: list = []
    call = FakeCall(utterances=[tts.render("roads and parking", "en")])
    path = _runner(tts, tmp_path, TUESDAY_MORNING, outcomes).run(call, load_valid(FLOW), language="en")
    assert outcomes[0] == Queue("roads", 0, (), "en")
    assert path.steps[2].phrase == "roads and parking"
    played = [entry[1] for entry in call.log if entry[0] == "playback"]
    assert all(Path(p).exists() and "/en/8000/" in p for p in played)
    assert outcomes[-1] is path


def test_silence_falls_back_to_keys(tts, tmp_path) -> None:
    outcomes: list = []
    call = FakeCall(keys=["5"], utterances=[None])
    path = _runner(tts, tmp_path, TUESDAY_MORNING, outcomes).run(call, load_valid(FLOW))
    assert outcomes[0].name == "taxes"
    assert [e[0] for e in call.log].count("pagd") == 1
    assert path.steps[2].keys == "5"


def test_out_of_hours_voicemail_reaches_the_handler(tts, tmp_path) -> None:
    outcomes: list = []
    call = FakeCall(keys=["1"], utterances=[tts.render("hello I have a question", "nb")])
    path = _runner(tts, tmp_path, SATURDAY, outcomes).run(call, load_valid(FLOW))
    action, recorded = outcomes[0]
    assert isinstance(action, Voicemail) and isinstance(recorded, Recorded)
    assert recorded.path.endswith("voicemail/call-1.wav") and Path(recorded.path).exists()
    assert path.outcome == "voicemail"
    assert call.log[-1] == ("hangup", "NORMAL_CLEARING")


def test_callback_request_reaches_the_handler(tts, tmp_path) -> None:
    outcomes: list = []
    _runner(tts, tmp_path, SATURDAY, outcomes).run(FakeCall(keys=["2", "1"]), load_valid(FLOW))
    assert isinstance(outcomes[0], Callback) and outcomes[0].number == "+4790000000"


def test_caller_hanging_up_ends_the_walk_as_abandoned(tts, tmp_path) -> None:
    outcomes: list = []
    path = _runner(tts, tmp_path, TUESDAY_MORNING, outcomes).run(FakeCall(gone_after=2), load_valid(FLOW))
    assert path.outcome == "abandoned"
    assert path.nodes == ["opening_hours", "welcome", "main"]


def test_registry_keeps_the_last_good_flow(tmp_path) -> None:
    shutil.copy(FLOW, tmp_path / "main_menu.yaml")
    shutil.copy(REPO / "ivr_scripts" / "case_status.py", tmp_path / "case_status.py")
    registry = FlowRegistry(tmp_path, {"main": "main_menu"})
    assert registry.reload() == []
    in_progress = registry.flow_for_entry("main")
    broken = (tmp_path / "main_menu.yaml").read_text().replace("next: q_building", "next: q_bulding")
    (tmp_path / "main_menu.yaml").write_text(broken)
    assert registry.changed()
    errors = registry.reload_if_changed()
    assert errors and "unknown node 'q_bulding'" in errors[0].located()
    assert registry.flow_for_entry("main") is in_progress
    (tmp_path / "main_menu.yaml").write_text(broken.replace("q_bulding", "q_building")
                                             .replace("queue: building", "queue: planning"))
    assert registry.reload() == []
    assert registry.flow_for_entry("main").nodes["q_building"].queue == "planning"
    assert in_progress.nodes["main"].options[0].next == "q_building"


def test_a_caller_who_heard_their_case_and_hung_up_was_served(tts, tmp_path) -> None:
    from datetime import datetime, timezone
    from types import SimpleNamespace

    case = SimpleNamespace(reference="2026000017", status="in_progress", deadline=None,
                           updated_at=datetime.now(timezone.utc), received_at=None)
    store = SimpleNamespace(lookup_caller=lambda number: SimpleNamespace(open_cases=[case]),
                            case_status=lambda reference: case)
    outcomes: list = []
    runner = _runner(tts, tmp_path, TUESDAY_MORNING, outcomes)
    runner.store = store
    path = runner.run(FakeCall(keys=["7", "2026000017"], gone_after=10), load_valid(FLOW))  # hangs up after
    assert "read_case" in path.nodes
    assert (path.outcome, path.detail) == ("self-service", "case-status")


def test_a_key_pressed_during_a_prompt_answers_the_next_menu(tts, tmp_path) -> None:
    outcomes: list = []
    call = FakeCall(typed=["0"])                 # "0" during the welcome: the operator, without being asked
    path = _runner(tts, tmp_path, TUESDAY_MORNING, outcomes).run(call, load_valid(FLOW))
    assert path.nodes[-2:] == ["main", "to_operator"]
    assert [step.keys for step in path.steps if step.node == "main"] == ["0"]
    assert not any(entry[0] == "pagd" for entry in call.log)                    # the menu never asked
    assert call.log[0] == ("set", "playback_terminators", "any")
    assert sum(entry[:2] == ("set", "playback_terminators") for entry in call.log) == 1


def test_keys_typed_ahead_begin_a_longer_answer(tts, tmp_path, write_flow) -> None:
    flow = write_flow("""
        default_language: en
        start: hello
        nodes:
          hello: {kind: say, prompt: {en: Hello.}, next: number}
          number: {kind: collect, prompt: {en: Key the number.}, min: 8, max: 12, terminator: "#", var: n, next: bye}
          bye: {kind: hangup}
    """)
    # "1" pressed during the greeting begins the number, which the keys that follow complete
    call = FakeCall(keys=["2345678"], typed=["1"])
    path = _runner(tts, tmp_path, TUESDAY_MORNING, []).run(call, load_valid(flow))
    asked = next(step for step in path.steps if step.node == "number")
    assert asked.keys == "12345678"
    assert ("pagd", "silence_stream://250", "[0-9*#]+") in call.log   # the rest is read without a prompt


def test_a_language_menu_says_each_choice_in_its_own_voice_as_one_prompt(tts, tmp_path, write_flow) -> None:
    import wave

    flow = write_flow("""
        default_language: nb
        languages: [nb, en, pl]
        start: pick
        nodes:
          pick:
            kind: menu
            options:
              - {key: "1", language: nb, announce: "Norsk, tast 1.", next: bye}
              - {key: "2", language: pl, announce: "Polski, naciśnij 2.", next: bye}
              - {key: "3", language: en, announce: "English, press 3.", next: bye}
          bye: {kind: hangup}
    """)
    call = FakeCall(keys=["2"])
    path = _runner(tts, tmp_path, TUESDAY_MORNING, []).run(call, load_valid(flow))
    assert path.language == "pl"
    prompt = next(entry[1] for entry in call.log if entry[0] == "pagd")
    parts = [tts.render("Norsk, tast 1.", "nb"), tts.render("Polski, naciśnij 2.", "pl"),
             tts.render("English, press 3.", "en")]
    assert prompt == str(tts.medley_path(parts))   # one file: the menu's keys stop it at any point

    def frames(path: Path) -> bytes:
        with wave.open(str(path), "rb") as reader:
            return reader.readframes(reader.getnframes())

    assert frames(Path(prompt)) == b"".join(frames(part) for part in parts)   # each in its own voice, in order


def test_an_announced_choice_needs_its_language(write_flow) -> None:
    from fsapp.ivr.validate import validate_file

    flow = write_flow("""
        default_language: nb
        start: pick
        nodes:
          pick:
            kind: menu
            options:
              - {key: "1", announce: "Norsk, tast 1.", next: bye}
          bye: {kind: hangup}
    """)
    _flow, errors = validate_file(flow)
    assert [str(error).split(": ", 1)[1] for error in errors] == [
        "nodes.pick.prompt: no 'nb' prompt (the flow declares nb)",   # nothing announced: a prompt is needed
        "nodes.pick.options.0.announce: an announced option needs its language: it is said in that language"]
