"""Whole calls through the controller on the simulated switch: menu, queue, operator, store records."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fsapp.config import load_config
from fsapp.controller import Controller
from fsapp.sim import CallerScript, SimulatedSwitch

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0
OSLO = ZoneInfo("Europe/Oslo")


def shifted_clock(moment: datetime):
    """Real time moving on from ``moment`` (opening hours are decided by the moment of the call)."""
    offset = moment.timestamp() - time.time()
    return lambda: time.time() + offset


@pytest.fixture
def sim() -> Iterator[SimulatedSwitch]:
    switch = SimulatedSwitch(password="ClueCon", speed=10.0)
    switch.start()
    yield switch
    switch.stop()


@pytest.fixture
def make_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator:
    started: list[Controller] = []

    def make(moment: datetime, flows_dir: Path = ROOT / "ivr_scripts") -> Controller:
        host, port = sim.address
        config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
            "database.url": f"sqlite:///{tmp_path / 'fsapp.db'}", "ivr.flows_dir": str(flows_dir),
            "acd.file": str(ROOT / "conf" / "acd.yaml"), "speech.tts_cache": str(ROOT / "sounds" / "tts"),
            "paths.recordings": str(tmp_path / "recordings"), "paths.state": str(tmp_path / "state"),
            "switch.host": host, "switch.port": port})
        controller = Controller(config, wall_clock=shifted_clock(moment))
        started.append(controller)
        controller.start()
        controller.switch.wait_connected(WAIT)
        return controller

    yield make
    for controller in started:
        controller.stop()


def wait_for(predicate, timeout: float = WAIT, what: str = "condition"):
    import gevent

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        gevent.sleep(0.02)  # polls the controller's state; the simulated time runs on its own
    raise AssertionError(f"timed out waiting for {what}")


MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=OSLO)
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=OSLO)


def test_caller_chooses_the_operator_and_an_agent_answers(sim: SimulatedSwitch, make_controller) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0, hangup_after=3.0)
    sim.add_endpoint("1002", behaviour="answer", answer_after=1.0, hangup_after=3.0)
    controller = make_controller(MONDAY_MORNING)
    for agent in ("ingrid", "ola"):
        controller.acd.agent_login(agent)
    uuid = sim.place_call(caller="+4790000001", script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    assert sim.wait_gone(uuid, WAIT)
    summary = wait_for(lambda: next((s for s in controller.finished if s.call_uuid == uuid), None),
                       what="the call's record")
    assert summary.path.nodes == ["opening_hours", "welcome", "main", "to_operator"]
    assert [step.keys for step in summary.path.steps if step.node == "main"] == ["0"]
    record = controller.store.call(uuid)
    assert record["queue"] == "operator"
    assert record["outcome"] == summary.queue_outcome


def test_out_of_hours_callback_request_is_stored(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(SUNDAY)
    uuid = sim.place_call(caller="+4790000002",
                          script=CallerScript(keys=[(3.0, "2"), (8.0, "1")], hangup_after=600.0))
    summary = wait_for(lambda: next((s for s in controller.finished if s.call_uuid == uuid), None),
                       what="the call's record")
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
