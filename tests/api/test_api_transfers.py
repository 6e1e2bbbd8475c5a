"""Transfers through the control API and the `fsapp transfer` commands: consult, conference, complete."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli import main
from fsapp.api.client import ApiClient, ApiClientError
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import WAIT, wait_until
from tests.api.test_api_live import queued_call


def talking_to_ola(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> tuple[str, str]:
    """A caller in the operator queue answered by ola (1002); returns the caller and ola's leg."""
    assert controller.switch.reconciled.wait(WAIT)   # calls placed before that would be adopted as resumed
    sim.add_endpoint("1002", answer_after=0.5)
    uuid = queued_call(sim, api)
    api.post("/api/v1/agents/ola/login")
    wait_until(lambda: any(c["uuid"] == uuid and c["state"] == "talking" for c in api.get("/api/v1/calls")),
               what="ola answering")
    [leg] = [c.uuid for c in sim.channels.values() if c.variables.get("fsapp_agent") == "ola"]
    return uuid, leg


def test_consult_then_conference_then_the_operator_leaves(sim: SimulatedSwitch, controller: Controller,
                                                         api: ApiClient) -> None:
    sim.add_endpoint("2001", answer_after=0.5)
    caller, ola_leg = talking_to_ola(sim, controller, api)
    consulting = api.post(f"/api/v1/calls/{caller}/consult", {"dial": "user/2001"})
    assert consulting["uuid"] == caller and consulting["dial"] == "user/2001"
    name = api.post(f"/api/v1/calls/{caller}/consult/conference")["conference"]
    wait_until(lambda: len(sim.core.conferences.get(name, {})) == 3, what="three in the conference")
    sim.hangup(ola_leg)
    wait_until(lambda: api.get("/api/v1/agents/ola")["call_uuid"] is None, what="ola free")
    assert {c.uuid for c in sim.core.conferences[name].values()} == {caller, consulting["consult_leg"]}
    actions = [entry["action"] for entry in controller.store.audit_trail("call")]
    assert actions == ["call-consult-conference", "call-consult"]


def test_a_step_without_a_consultation_is_a_conflict(sim: SimulatedSwitch, controller: Controller,
                                                     api: ApiClient) -> None:
    caller, _ = talking_to_ola(sim, controller, api)
    with pytest.raises(ApiClientError) as refused:
        api.post(f"/api/v1/calls/{caller}/consult/complete")
    assert refused.value.status == 409
    with pytest.raises(ApiClientError) as two_targets:
        api.post(f"/api/v1/calls/{caller}/consult", {"agent": "ingrid", "number": "+4790000009"})
    assert two_targets.value.status == 400


def test_transfer_commands_on_the_command_line(sim: SimulatedSwitch, controller: Controller,
                                               api: ApiClient) -> None:
    sim.add_endpoint("1001", answer_after=0.5)
    caller, ola_leg = talking_to_ola(sim, controller, api)
    options = ["--url", controller.api_server.url, "--token", "tok-supervisor"]
    runner = CliRunner()
    result = runner.invoke(main, ["transfer", "consult", caller, "--agent", "ingrid", *options])
    assert result.exit_code == 0, result.output
    assert "consulting" in result.output
    result = runner.invoke(main, ["transfer", "complete", caller, *options])
    assert result.output.strip() == f"{caller}: complete"
    assert sim.wait_gone(ola_leg, WAIT)
    [ingrid_leg] = [c.uuid for c in sim.channels.values() if c.name.endswith("/1001")]
    wait_until(lambda: sim.channel(caller).bridge is not None, what="the caller bridged to ingrid")
    assert sim.channel(caller).bridge.other(sim.channel(caller)).uuid == ingrid_leg
    result = runner.invoke(main, ["transfer", "blind", caller, *options])
    assert result.exit_code != 0 and "give exactly one of --queue, --agent, --extension" in result.output
    sim.hangup(caller)
    controller.wait_finished(caller, WAIT)
    row = controller.store.call(caller)   # the agent who finished the call, and both agents' parts
    assert (row["agent"], row["outcome"]) == ("ingrid", "answered") and row["talk_seconds"] > 0
    assert [(leg["role"], leg["number"], leg["leg_uuid"]) for leg in row["legs"]] == [
        ("agent", "ola", ola_leg), ("agent", "ingrid", ingrid_leg)]


def test_blind_transfer_to_an_outside_number(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> None:
    number = "+4790000088"
    sim.add_endpoint(number, answer_after=0.5)
    caller, ola_leg = talking_to_ola(sim, controller, api)
    options = ["--url", controller.api_server.url, "--token", "tok-supervisor", "--json"]
    result = CliRunner().invoke(main, ["transfer", "blind", caller, "--number", number, *options])
    assert result.exit_code == 0, result.output
    assert '"number": "+4790000088"' in result.output
    assert sim.wait_gone(ola_leg, WAIT)
    wait_until(lambda: sim.channel(caller).bridge is not None, what="the caller bridged to the number")
    outside = sim.channel(caller).bridge.other(sim.channel(caller))
    assert outside.name.endswith(number)
    assert [entry["action"] for entry in controller.store.audit_trail("call")] == ["call-transfer"]
