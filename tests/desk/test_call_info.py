"""``desk.screen_pop_url``: the operator's phone is told where the call's page is (Call-Info) with each offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import WAIT, wait_until
from tests.integration.conftest import MONDAY_MORNING, controller_config, one_clock


def test_an_offer_carries_the_screen_pop_url(sim: SimulatedSwitch, tmp_path: Path, keypad: Any) -> None:
    config = controller_config(sim, tmp_path, **{"desk.screen_pop_url": "http://desk.example/screen-pop/{uuid}"})
    controller = Controller(config, **one_clock(sim, MONDAY_MORNING))
    controller.start()
    try:
        controller.switch.wait_connected(WAIT)
        assert controller.switch.reconciled.wait(WAIT)
        sim.add_endpoint("1002", answer_after=1.0)
        controller.acd.agent_login("ola")
        caller = keypad("2").call("+4790001299")
        offer = wait_until(lambda: next((r for r in sim.core.originated
                                         if dict(r.variables).get("fsapp_agent") == "ola"), None), what="ola offered")
        assert dict(offer.variables)["sip_h_Call-Info"] == f"<http://desk.example/screen-pop/{caller}>;purpose=info"
    finally:
        controller.stop()
