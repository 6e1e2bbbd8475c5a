"""Calls to staff's direct numbers through the real controller on the simulated switch (conf/acd.yaml:
Marte Lund, user/1012, direct number +4722001012, colleagues in the operator queue)."""

from __future__ import annotations

from datetime import timedelta

from fsapp.acd.states import AgentState
from fsapp.dialer.callbacks import CallbackBook
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.integration.conftest import MONDAY_MORNING, WAIT
from tests.timeline import nb_day_month

MARTE = "+4722001012"


def call_marte(sim: SimulatedSwitch, caller: str, pad=None) -> str:
    script = CallerScript(hangup_after=900.0)
    if pad is not None:
        return pad.call(caller, destination=MARTE, entry="direct", script=script)
    return sim.place_call(caller, destination=MARTE, entry="direct", script=script)


def test_a_free_person_answers_their_direct_number(sim: SimulatedSwitch, make_controller) -> None:
    sim.add_endpoint("1012", answer_after=1.0, hangup_after=4.0)
    controller = make_controller(MONDAY_MORNING)
    controller.acd.agent_login("marte")
    uuid = call_marte(sim, "+4790000301")
    result = controller.relay.result_for(uuid, WAIT)
    assert (result.agent_id, result.outcome, result.rang, result.choices) == ("marte", "answered", True, [])
    assert result.talk_seconds > 0
    assert sim.wait_gone(uuid, WAIT)
    record = controller.store.call(uuid)
    assert (record["agent"], record["outcome"], record["called_number"]) == ("marte", "answered", MARTE)
    assert controller.acd.router.agent("marte").state is AgentState.AVAILABLE


def test_no_answer_then_key_1_reaches_a_colleague_in_the_queue(sim: SimulatedSwitch, make_controller,
                                                                 keypad) -> None:
    sim.add_endpoint("1012", behaviour="no_answer")
    sim.add_endpoint("1001", answer_after=1.0, hangup_after=3.0)
    controller = make_controller(MONDAY_MORNING)
    controller.acd.agent_login("marte")
    controller.acd.agent_login("ingrid")
    uuid = call_marte(sim, "+4790000302", keypad("1"))
    result = controller.relay.result_for(uuid, WAIT * 2)
    assert (result.outcome, result.rang, result.choices) == ("relayed", True, ["1"])
    assert result.said[0].startswith("Marte Lund kan ikke ta telefonen")
    queued = result.queue_outcome
    assert (queued.kind, queued.queue, queued.agent_id) == ("answered", "operator", "ingrid")
    record = controller.store.call(uuid)
    assert (record["queue"], record["agent"], record["outcome"]) == ("operator", "ingrid", "answered")
    assert controller.acd.router.agent("marte").no_answer_count == 0   # a missed direct call is no queue offer


def test_key_2_leaves_a_callback_request_owned_by_the_person(sim: SimulatedSwitch, make_controller,
                                                              keypad) -> None:
    controller = make_controller(MONDAY_MORNING)   # Marte is logged out: her phone is not rung
    uuid = call_marte(sim, "+4790000303", keypad("2"))
    result = controller.relay.result_for(uuid, WAIT)
    assert (result.outcome, result.rang, result.choices) == ("callback", False, ["2"])
    assert result.said[-1] == "Takk. Marte Lund ringer deg tilbake."
    [request] = CallbackBook(controller.store).scheduled(owner="marte")
    assert (request.id, request.number, request.queue) == (result.callback_id, "+4790000303", "operator")
    assert sim.wait_gone(uuid, WAIT)
    assert controller.store.call(uuid)["outcome"] == "callback"


def test_key_3_reads_the_away_note(sim: SimulatedSwitch, make_controller, keypad) -> None:
    controller = make_controller(MONDAY_MORNING)
    tuesday_8 = (MONDAY_MORNING + timedelta(days=1)).replace(hour=8)
    controller.store.set_away("marte", until=tuesday_8, note="Kurs")
    uuid = call_marte(sim, "+4790000304", keypad("3"))
    result = controller.relay.result_for(uuid, WAIT)
    assert result.choices == ["3"]
    assert result.said[1] == f"Marte Lund er borte til {nb_day_month(tuesday_8)} klokken 08:00. Kurs."
    assert result.said[-1] == "Ha det bra."    # no second choice: the caller is let go
    assert result.outcome == "no-choice"
    assert sim.wait_gone(uuid, WAIT)


def test_a_number_nobody_has_is_refused(sim: SimulatedSwitch, make_controller) -> None:
    controller = make_controller(MONDAY_MORNING)
    uuid = sim.place_call("+4790000305", destination="+4722009999", entry="direct")
    assert controller.relay.result_for(uuid, WAIT).outcome == "unknown-number"
    assert sim.wait_gone(uuid, WAIT)
