"""The municipal menu on the simulated switch: timeouts, invalid keys, speech, hooks, case status by phone."""

from __future__ import annotations

import shutil
from pathlib import Path

from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.speech.tts import TtsCache
from tests.integration.conftest import MONDAY_MORNING, ROOT, WAIT


def staff_operator_queue(controller, sim: SimulatedSwitch) -> None:
    for agent, extension in (("ingrid", "1001"), ("ola", "1002")):
        sim.add_endpoint(extension, behaviour="answer", answer_after=1.0, hangup_after=2.0)
        controller.acd.agent_login(agent)


def test_no_choice_three_times_goes_to_the_operator(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(MONDAY_MORNING)
    staff_operator_queue(controller, sim)
    uuid = sim.place_call(caller="+4790000011", script=CallerScript(hangup_after=900.0))
    summary = controller.wait_finished(uuid, WAIT)
    main = next(step for step in summary.path.steps if step.node == "main")
    assert main.note == "no valid choice after 3 tries"
    assert summary.path.nodes[-1] == "to_operator"
    assert summary.queue_outcome == "answered"


def test_an_invalid_key_is_retried(sim: SimulatedSwitch, make_controller, keypad) -> None:
    sim.add_endpoint("1004", behaviour="answer", answer_after=1.0, hangup_after=2.0)
    controller = make_controller(MONDAY_MORNING)
    controller.acd.agent_login("lars")
    uuid = keypad("#", "1").call("+4790000012")   # no choice has #
    summary = controller.wait_finished(uuid, WAIT)
    main = next(step for step in summary.path.steps if step.node == "main")
    assert main.keys == "#1"
    assert summary.path.nodes[-1] == "q_building"
    assert controller.store.call(uuid)["agent"] == "lars"


def test_a_failing_hook_sends_the_caller_to_the_operator(sim: SimulatedSwitch, make_controller, keypad,
                                                        tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(ROOT / "ivr_scripts" / "main_menu.yaml", flows)
    (flows / "case_status.py").write_text(
        "def load_open_cases(ctx):\n    raise RuntimeError('case system down')\n\n"
        "def lookup_case(ctx):\n    raise RuntimeError('case system down')\n")
    controller = make_controller(MONDAY_MORNING, flows_dir=flows)
    staff_operator_queue(controller, sim)
    uuid = keypad("7", "24000013#").call("+4790000013")
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.path.nodes[-2:] == ["lookup_case", "to_operator"]
    assert any("case system down" in error for error in summary.path.errors)
    assert summary.queue_outcome == "answered"


def test_case_status_by_phone(sim: SimulatedSwitch, make_controller, keypad) -> None:
    controller = make_controller(MONDAY_MORNING)
    store = controller.store
    store.add_category("water", "Water and sewage", service_level_hours=72)
    citizen = store.add_citizen("Kari Nordmann", ["+4790000014"])
    case = store.new_case("water", "Low pressure in the tap", "test", citizen_id=citizen.id)
    digits = "".join(ch for ch in case.reference if ch.isdigit())
    staff_operator_queue(controller, sim)
    uuid = keypad("7", digits + "#").call("+4790000014")
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.path.nodes[:10] == ["opening_hours", "welcome", "main", "case_status", "ask_case_number",
                                       "lookup_case", "case_found", "read_case", "load_open_cases",
                                       "has_open_cases"]
    asked = next(step for step in summary.path.steps if step.node == "ask_case_number")
    assert asked.keys == digits


def test_a_spoken_choice_in_english(sim: SimulatedSwitch, make_controller, keypad) -> None:
    utterance = TtsCache(ROOT / "sounds" / "tts").render("roads and parking", "en")
    sim.add_endpoint("1009", behaviour="answer", answer_after=1.0, hangup_after=2.0)
    controller = make_controller(MONDAY_MORNING)
    controller.acd.agent_login("piotr")
    uuid = keypad("9").call("+4790000015", script=CallerScript(hangup_after=900.0, speech_wav=str(utterance)))
    summary = controller.wait_finished(uuid, WAIT)
    spoken = [step for step in summary.path.steps if step.node == "main" and step.phrase]
    assert spoken and spoken[0].phrase == "roads and parking"
    assert summary.path.nodes[-1] == "q_roads"
    assert controller.store.call(uuid)["agent"] == "piotr"


def test_a_key_pressed_during_the_welcome_answers_the_menu(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(MONDAY_MORNING)
    staff_operator_queue(controller, sim)
    uuid = sim.place_call(caller="+4790000016", script=CallerScript(keys=[(0.5, "7")], hangup_after=60.0))
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.path.nodes[:4] == ["opening_hours", "welcome", "main", "case_status"]
    assert [step.keys for step in summary.path.steps if step.node == "main"][0] == "7"
