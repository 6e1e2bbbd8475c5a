"""The control API against a controller on the simulated switch with calls flowing."""

from __future__ import annotations

import pytest

from fsapp.api.client import ApiClient, ApiClientError
from fsapp.controller import Controller
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.api.api_waits import wait_until
from tests.api.conftest import client_as


def queued_call(sim: SimulatedSwitch, api: ApiClient, caller: str = "+4790000001") -> str:
    uuid = sim.place_call(caller=caller, script=CallerScript(keys=[(3.0, "0")], hangup_after=600.0))
    wait_until(lambda: any(c["uuid"] == uuid and c["state"] == "waiting" for c in api.get("/api/v1/calls")),
               what="the caller waiting in the operator queue")
    return uuid


def test_agent_actions_change_state_and_are_audited(controller: Controller, api: ApiClient) -> None:
    assert api.post("/api/v1/agents/ingrid/login") == {"agent": "ingrid", "state": "available"}
    assert api.post("/api/v1/agents/ingrid/break", {"reason": "lunch"})["state"] == "break"
    row = api.get("/api/v1/agents/ingrid")
    assert (row["state"], row["reason"]) == ("break", "lunch")
    assert api.post("/api/v1/agents/ingrid/resume")["state"] == "available"
    assert api.post("/api/v1/agents/ingrid/logout")["state"] == "logged-out"
    actions = [entry["action"] for entry in client_as(controller, "admin").get("/api/v1/audit", entity="agent")]
    assert actions == ["agent-logout", "agent-resume", "agent-break", "agent-login"]
    assert all(entry["actor"].startswith("supervisor:") for entry in controller.store.audit_trail("agent"))


def test_illegal_agent_move_is_a_conflict(api: ApiClient) -> None:
    with pytest.raises(ApiClientError) as refused:
        api.post("/api/v1/agents/ingrid/logout")   # already logged out
    assert refused.value.status == 409
    with pytest.raises(ApiClientError) as unknown:
        api.post("/api/v1/agents/nobody/login")
    assert unknown.value.status == 404


def test_roles_and_tokens_are_enforced(controller: Controller) -> None:
    from fsapp.api.client import ApiClient as Client

    assert controller.api_server is not None
    with pytest.raises(ApiClientError) as missing:
        Client(controller.api_server.url, None).get("/api/v1/queues")
    assert missing.value.status == 401
    with pytest.raises(ApiClientError) as wrong:
        Client(controller.api_server.url, "not-a-token").get("/api/v1/queues")
    assert wrong.value.status == 401
    operator = client_as(controller, "operator")
    assert {row["name"] for row in operator.get("/api/v1/queues")} >= {"operator", "roads"}
    with pytest.raises(ApiClientError) as forbidden:
        operator.post("/api/v1/supervision", {"agent": "ingrid", "extension": "2001"})
    assert forbidden.value.status == 403
    with pytest.raises(ApiClientError) as no_audit:
        client_as(controller, "supervisor").get("/api/v1/audit")
    assert no_audit.value.status == 403


def test_waiting_call_priority_and_move(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> None:
    first = queued_call(sim, api, "+4790000001")
    second = queued_call(sim, api, "+4790000002")
    detail = api.get("/api/v1/queues/operator")
    assert [call["uuid"] for call in detail["calls"]] == [first, second]
    assert detail["waiting"] == 2
    assert api.post(f"/api/v1/calls/{second}/priority", {"priority": 5})["position"] == 1
    assert [call["uuid"] for call in api.get("/api/v1/queues/operator")["calls"]] == [second, first]
    api.post(f"/api/v1/calls/{first}/move", {"queue": "roads"})
    moved = wait_until(lambda: next((c for c in api.get("/api/v1/calls") if c["uuid"] == first
                                     and c["queue"] == "roads"), None), what="the call in roads")
    assert moved["path"] == ["operator", "roads"]
    assert [e["action"] for e in controller.store.audit_trail("call")] == ["call-move", "call-priority"]
    api.post(f"/api/v1/calls/{first}/hangup")
    assert sim.wait_gone(first, 20.0)
    with pytest.raises(ApiClientError) as gone:
        api.post(f"/api/v1/calls/{first}/priority", {"priority": 1})
    assert gone.value.status == 409


def test_move_to_an_agent_offers_the_call(sim: SimulatedSwitch, controller: Controller, api: ApiClient) -> None:
    sim.add_endpoint("1002", behaviour="answer", answer_after=0.5, hangup_after=None)
    uuid = queued_call(sim, api)
    api.post("/api/v1/agents/ola/login")   # ola serves operator: the call is offered at once
    api.post("/api/v1/agents/ingrid/login")
    talking = wait_until(lambda: next((c for c in api.get("/api/v1/calls")
                                       if c["uuid"] == uuid and c["state"] == "talking"), None), what="answer")
    assert talking["agent"] == "ola"
    assert api.get("/api/v1/agents/ola")["call_uuid"] == uuid
    with pytest.raises(ApiClientError) as not_waiting:
        api.post(f"/api/v1/calls/{uuid}/move", {"agent": "ingrid"})
    assert not_waiting.value.status == 409
