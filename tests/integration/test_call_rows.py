"""What ``fsapp calls`` shows of calls served on the simulated switch: agent, outcome, when and how they ended."""

from __future__ import annotations

import json

from click.testing import CliRunner

import cli
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import CHANGES, wait_until
from tests.integration.conftest import MONDAY_MORNING, WAIT


def calls_command(controller, *args: str) -> str:
    result = CliRunner().invoke(cli.main, ["calls", *args], env={"FSAPP_DATABASE_URL": controller.config.database.url},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_calls_show_the_agent_and_how_each_call_ended(sim: SimulatedSwitch, make_controller, keypad) -> None:
    sim.add_endpoint("1001", behaviour="answer", answer_after=1.0, hangup_after=3.0)
    sim.core.observers.append(CHANGES.poke)
    controller = make_controller(MONDAY_MORNING)
    store = controller.store
    store.add_category("water", "Water and sewage", service_level_hours=72)
    case = store.new_case("water", "Low pressure in the tap", "test")
    digits = "".join(ch for ch in case.reference if ch.isdigit())
    controller.acd.agent_login("ingrid")

    answered = keypad("0").call("+4790000031")
    controller.wait_finished(answered, WAIT)
    served = keypad("7", digits + "#").call("+4790000032")
    wait_until(lambda: "after_case" in getattr(controller.ivr.active_paths.get(served), "nodes", []), WAIT,
               "the case read out")
    sim.hangup(served)                       # the caller heard what they called for and hangs up
    controller.wait_finished(served, WAIT)

    rows = {row["call_uuid"]: row for row in map(json.loads, calls_command(controller, "--json").splitlines())}
    assert (rows[answered]["agent"], rows[answered]["outcome"]) == ("ingrid", "answered")
    assert (rows[served]["agent"], rows[served]["outcome"]) == (None, "self-service")
    for uuid in (answered, served):
        assert rows[uuid]["hangup_cause"] == "NORMAL_CLEARING" and rows[uuid]["ended_at"]
    table = calls_command(controller).splitlines()
    assert table[0].split() == ["started", "caller", "path", "queue", "agent", "outcome", "ended", "hangup", "cause"]
    line = next(line for line in table if "+4790000031" in line)
    assert "ingrid" in line.split() and "NORMAL_CLEARING" in line
