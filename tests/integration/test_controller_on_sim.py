"""Whole calls through the controller on the simulated switch: menu, queue, operator, store records."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fsapp.sim import SimulatedSwitch
from fsapp.store.workflow import as_utc
from tests.integration.conftest import MONDAY_MORNING, ROOT, SUNDAY, WAIT

def test_caller_chooses_the_operator_and_an_agent_answers(sim: SimulatedSwitch, make_controller, keypad) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0, hangup_after=3.0)
    sim.add_endpoint("1002", behaviour="answer", answer_after=1.0, hangup_after=3.0)
    controller = make_controller(MONDAY_MORNING)
    for agent in ("ingrid", "ola"):
        controller.acd.agent_login(agent)
    uuid = keypad("0").call("+4790000001")
    assert sim.wait_gone(uuid, WAIT)
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.path.nodes == ["opening_hours", "welcome", "main", "to_operator"]
    assert [step.keys for step in summary.path.steps if step.node == "main"] == ["0"]
    record = controller.store.call(uuid)
    assert record["queue"] == "operator"
    assert record["outcome"] == summary.queue_outcome
    # One clock: the switch's event times, the controller's and the store's all say it is Monday morning.
    assert timedelta(0) <= as_utc(record["started_at"]) - MONDAY_MORNING < timedelta(minutes=5)
    assert timedelta(0) <= controller.now() - MONDAY_MORNING < timedelta(minutes=5)
    assert timedelta(0) <= controller.store.clock() - MONDAY_MORNING < timedelta(minutes=5)


def test_out_of_hours_callback_request_is_stored(sim: SimulatedSwitch, make_controller, keypad) -> None:
    controller = make_controller(SUNDAY)
    uuid = keypad("2", "1").call("+4790000002")
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.path.nodes[:3] == ["opening_hours", "out_of_hours", "callback"]
    pending = controller.store.pending_callbacks()
    assert [request["number"] for request in pending] == ["+4790000002"]


def test_menus_naming_unknown_queues_are_refused(tmp_path: Path) -> None:
    from fsapp.acd.loader import load_acd_config
    from fsapp.controller import queues_missing_from_acd
    from fsapp.ivr.registry import FlowRegistry

    flow = (ROOT / "ivr_scripts" / "main_menu.yaml").read_text().replace("queue: taxes", "queue: taxess")
    (tmp_path / "main_menu.yaml").write_text(flow)
    (tmp_path / "case_status.py").write_text((ROOT / "ivr_scripts" / "case_status.py").read_text())
    registry = FlowRegistry(tmp_path, {"main": "main_menu"})
    assert registry.reload() == []
    problems = queues_missing_from_acd(registry.flows.values(), load_acd_config(ROOT / "conf" / "acd.yaml"))
    line = flow.splitlines().index("    queue: taxess") + 1
    assert [problem.located() for problem in problems] == [
        f"{tmp_path / 'main_menu.yaml'}:{line - 2}: nodes.q_taxes: queue 'taxess' not in "
        f"{ROOT / 'conf' / 'acd.yaml'}"]
