"""Transfer, consultation and supervision targets given through the control API: a target that is not an
agent, a queue, an extension or a valid number is a 400 and nothing reaches the switch."""

from __future__ import annotations

import pytest

from fsapp.api.client import ApiClient, ApiClientError
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests.api.conftest import api, controller, sim, sim_speed  # noqa: F401 - the API suite's fixtures
from tests.api.test_api_transfers import talking_to_ola

HOSTILE = [("transfer", {"extension": "'system:touch /tmp/x' inline"}),
           ("transfer", {"extension": "bridge:user/1001,system:reboot"}),
           ("transfer", {"number": "+4790000302,sofia/gateway/default/+4799999999"}),
           ("transfer", {"number": "anonymous"}),
           ("consult", {"dial": "bridge:user/1001,system:reboot"}),
           ("consult", {"dial": "user/2001|sofia/gateway/default/+4799999999"}),
           ("consult", {"number": "1001"})]


@pytest.mark.parametrize("action, target", HOSTILE, ids=[f"{a}-{next(iter(t.values()))}" for a, t in HOSTILE])
def test_a_target_that_is_not_one_is_a_bad_request(sim: SimulatedSwitch, controller: Controller, api: ApiClient,
                                                   action: str, target: dict[str, str]) -> None:
    caller, _ = talking_to_ola(sim, controller, api)
    before = len(sim.core.requests)
    with pytest.raises(ApiClientError) as refused:
        api.post(f"/api/v1/calls/{caller}/{action}", target)
    assert refused.value.status == 400
    assert not [r.line for r in list(sim.core.requests)[before:] if r.line.startswith(("api uuid_transfer", "bgapi"))]
    assert api.get("/api/v1/agents/ola")["call_uuid"] == caller   # the conversation goes on


@pytest.mark.parametrize("extension", ["2001,sofia/gateway/default/+4799999999", "user/2001 &echo()", "${x}"])
def test_a_supervisor_phone_that_is_not_one_is_a_bad_request(sim: SimulatedSwitch, controller: Controller,
                                                             api: ApiClient, extension: str) -> None:
    talking_to_ola(sim, controller, api)
    with pytest.raises(ApiClientError) as refused:
        api.post("/api/v1/supervision", {"agent": "ola", "extension": extension})
    assert refused.value.status == 400
