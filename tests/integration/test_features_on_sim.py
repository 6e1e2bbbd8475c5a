"""Agents log in, take a break, resume and log out from their phones with feature codes."""

from __future__ import annotations

from fsapp.acd.states import AgentState
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.integration.conftest import MONDAY_MORNING, WAIT


def dial_feature(sim: SimulatedSwitch, extension: str, code: str) -> None:
    uuid = sim.place_call(caller=extension, destination=code, entry="feature",
                          script=CallerScript(hangup_after=600.0))
    assert sim.wait_gone(uuid, WAIT), f"{code} from {extension} was not hung up"


def test_feature_codes_change_the_agents_state(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(MONDAY_MORNING)
    state = lambda: controller.acd.router.agent("ingrid").state  # noqa: E731
    assert state() is AgentState.LOGGED_OUT
    dial_feature(sim, "1001", "*21")
    assert state() is AgentState.AVAILABLE
    dial_feature(sim, "1001", "*23")
    assert state() is AgentState.BREAK
    dial_feature(sim, "1001", "*24")
    assert state() is AgentState.AVAILABLE
    dial_feature(sim, "1001", "*22")
    assert state() is AgentState.LOGGED_OUT


def test_a_phone_that_is_no_agents_changes_nothing(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(MONDAY_MORNING)
    dial_feature(sim, "4242", "*21")
    assert all(controller.acd.router.agent(agent).state is AgentState.LOGGED_OUT
               for agent in controller.acd_config.agents)


def test_the_call_is_hung_up_even_when_the_confirmation_does_not_end(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(MONDAY_MORNING)
    controller.features.render_prompt = lambda text, language: "tone_stream://%(1000,0,440);loops=-1"
    controller.features.confirm_timeout = 1.0
    dial_feature(sim, "1001", "*21")
    assert controller.acd.router.agent("ingrid").state is AgentState.AVAILABLE


def test_the_call_is_hung_up_when_the_confirmation_cannot_be_rendered(sim: SimulatedSwitch, make_controller) -> None:
    from fsapp.speech.errors import SpeechError

    def broken(text: str, language: str) -> str:
        raise SpeechError("espeak-ng is missing")
    controller = make_controller(MONDAY_MORNING)
    controller.features.render_prompt = broken
    dial_feature(sim, "1001", "*21")
    assert controller.acd.router.agent("ingrid").state is AgentState.AVAILABLE
