"""Outbound inside the controller on the simulated switch: agent campaigns and callbacks through the ACD, restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import gevent
import pytest
from gevent.event import Event as Flag
from tests.dialer.dialer_helpers import numbers

from fsapp.acd.decisions import AgentStateChanged
from fsapp.controller import Controller
from fsapp.dialer import CallbackBook, CampaignSettings, CampaignStore
from fsapp.esl.connection import ESLConnection
from fsapp.sim import SimulatedSwitch

WAIT = 30.0


class LegWatcher:
    """Every answered leg's variables, in order, from a second Event Socket connection."""

    def __init__(self, sim: SimulatedSwitch) -> None:
        host, port = sim.address
        self.connection = ESLConnection(host, port, "ClueCon").connect()
        self.connection.subscribe(["CHANNEL_ANSWER"])
        self.answered: list[dict[str, str]] = []
        self.greenlet = gevent.spawn(self._watch)

    def _watch(self) -> None:
        for event in self.connection.iter_events():
            self.answered.append({key[len("variable_"):]: value for key, value in event.headers.items()
                                  if key.startswith("variable_")})

    def agent_legs(self) -> list[dict[str, str]]:
        return [leg for leg in self.answered if leg.get("fsapp_role") == "agent"]

    def close(self) -> None:
        self.connection.close()
        self.greenlet.kill(block=False)


@pytest.fixture
def legs(sim: SimulatedSwitch) -> Iterator[LegWatcher]:
    watcher = LegWatcher(sim)
    yield watcher
    watcher.close()


def ready_after_wrap_up(controller: Controller, states: list[AgentStateChanged]) -> None:
    """Agents press 'ready' as soon as a call ends (the configured wrap-up would take 15 s)."""

    def changed(decision: AgentStateChanged) -> None:
        states.append(decision)
        if decision.state == "wrap-up":
            gevent.spawn(controller.acd.agent_ready, decision.agent_id)

    controller.acd.on_agent_state = changed


def test_agent_campaign_reaches_operators_through_the_acd(sim: SimulatedSwitch, make_controller, legs: LegWatcher,
                                                         tmp_path: Path) -> None:
    sim.add_endpoint("1001", answer_after=0.5, hangup_after=3.0)   # Ingrid, the only operator logged in
    contacts = numbers(3, start=500)
    for number in contacts:
        sim.add_endpoint(number, answer_after=0.5)
    controller = make_controller()
    states: list[AgentStateChanged] = []
    ready_after_wrap_up(controller, states)
    recordings: list[dict[str, Any]] = []
    controller.acd.on_recording = recordings.append
    controller.acd.agent_login("ingrid")
    campaigns = CampaignStore.of(controller.store)
    campaigns.create("renewals", CampaignSettings.from_dict({
        "mode": "agent", "queue": "operator", "dial_ratio": 1.0, "max_concurrent": 5, "calls_per_second": 20.0,
        "ring_timeout": 5.0, "message": {"nb": "tone_stream://%(200,0,440)"}}))
    rows = ["phone,name,district"] + [f"{n},Person {i},District {i}" for i, n in enumerate(contacts)]
    (tmp_path / "renewals.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    campaigns.import_list("renewals", tmp_path / "renewals.csv")

    campaigns.set_status("renewals", "running")   # what `fsapp campaign start renewals` does
    summary = controller.outbound.wait_idle("renewals", WAIT)
    gevent.joinall(list(controller.desk.conversations.values()), timeout=WAIT)

    assert summary.stopped_because == "finished" and summary.outcomes == {"connected": 3}
    attempts = campaigns.attempt_rows(campaigns.get("renewals").id)
    call_uuids = [attempt["call_uuid"] for attempt in attempts]
    for attempt in attempts:
        record = controller.store.call(attempt["call_uuid"])
        assert (record["direction"], record["queue"], record["agent"], record["outcome"]) == (
            "out", "operator", "ingrid", "answered")
    assert sorted(r["call_uuid"] for r in recordings) == sorted(call_uuids)
    agent_legs = legs.agent_legs()
    assert [leg["fsapp_queue_call"] for leg in agent_legs] == call_uuids
    assert {leg["sip_h_X-Fsapp-Data-origin"] for leg in agent_legs} == {"campaign"}
    assert sorted(leg["sip_h_X-Fsapp-Data-district"] for leg in agent_legs) == ["District 0", "District 1",
                                                                              "District 2"]
    # One call at a time for the one operator: each offer follows the end of the previous call.
    offered = [s.call_uuid for s in states if s.agent_id == "ingrid" and s.state == "reserved"]
    assert offered == call_uuids
    busy = 0
    for state in states:
        busy += {"reserved": 1, "available": -1}.get(state.state, 0) if state.previous != "logged-out" else 0
        assert busy <= 1


def test_restart_through_the_controller_never_calls_a_reached_contact_twice(sim: SimulatedSwitch,
                                                                            make_controller) -> None:
    contacts = numbers(10, start=600)
    for number in contacts:
        sim.add_endpoint(number, answer_after=0.5)
    first = make_controller()
    campaigns = CampaignStore.of(first.store)
    campaigns.create("notice", CampaignSettings.from_dict({
        "message": {"nb": "tone_stream://%(3000,0,440)"}, "max_concurrent": 3, "calls_per_second": 20.0,
        "ring_timeout": 5.0, "retry": {"failed": {"delay": 0, "max": 3}}}))
    path = Path(first.config.paths.state).parent / "notice.csv"
    path.write_text("phone\n" + "\n".join(contacts) + "\n", encoding="utf-8")
    campaigns.import_list("notice", path)
    three_done = Flag()
    finished: list[str] = []

    def counted(claimed: Any, outcome: str, cause: str) -> None:
        finished.append(outcome)
        if len(finished) >= 3:
            three_done.set()

    first.outbound.on_attempt = counted
    campaigns.set_status("notice", "running")
    assert three_done.wait(WAIT)
    first.stop()   # calls still ringing or playing are left on the switch
    first.outbound.wait_idle("notice", WAIT)

    second = make_controller()
    summary = second.outbound.wait_idle("notice", WAIT)

    assert summary.stopped_because == "finished"
    info = campaigns.get("notice")
    assert info.status == "finished"
    counts = campaigns.counts(info.id)
    assert counts["done"] == 10 and counts.get("done:reached") == 10
    answered: dict[str, int] = {}
    for attempt in campaigns.attempt_rows(info.id):
        if attempt["answered_at"] is not None:
            answered[attempt["number"]] = answered.get(attempt["number"], 0) + 1
    assert answered == dict.fromkeys(contacts, 1)


def test_scheduled_callback_rings_its_owner_first_then_the_citizen(sim: SimulatedSwitch, make_controller,
                                                                   legs: LegWatcher) -> None:
    sim.add_endpoint("1001", answer_after=0.5)   # Ingrid owns the callback
    sim.add_endpoint("1002", answer_after=0.5)   # Ola, in the same queue
    sim.add_endpoint("+4790000700", answer_after=0.5, hangup_after=2.0)
    controller = make_controller()
    controller.outbound.stop()   # the test makes each pass itself: no pass of the running loop races it
    ready_after_wrap_up(controller, [])
    for agent in ("ingrid", "ola"):
        controller.acd.agent_login(agent)
    book = CallbackBook(controller.store)
    now = controller.store.clock()
    request = book.request("90000700", source="operator", owner="ingrid", window_start=now - timedelta(minutes=1),
                           window_end=now + timedelta(hours=1))
    assert [item.id for item in book.scheduled(due_only=True)] == [request]

    controller.outbound.pass_once()
    status = controller.outbound.callbacks.results[request].get(timeout=WAIT)

    assert status == "done"
    order = [(leg.get("fsapp_role"), leg.get("fsapp_agent")) for leg in legs.answered]
    assert order == [("agent", "ingrid"), ("citizen", None)]
    (agent_leg,) = legs.agent_legs()
    assert agent_leg["sip_h_X-Fsapp-Caller"] == "+4790000700"
    assert agent_leg["sip_h_X-Fsapp-Data-origin"] == "callback"
    assert book.scheduled() == []


def test_scheduled_callback_goes_to_the_queue_while_its_owner_is_away(sim: SimulatedSwitch, make_controller,
                                                                      legs: LegWatcher) -> None:
    sim.add_endpoint("1002", answer_after=0.5)
    sim.add_endpoint("+4790000701", answer_after=0.5, hangup_after=2.0)
    controller = make_controller()
    controller.outbound.stop()   # the test makes each pass itself: no pass of the running loop races it
    ready_after_wrap_up(controller, [])
    controller.acd.agent_login("ingrid", break_reason="lunch")
    controller.acd.agent_login("ola")
    book = CallbackBook(controller.store)
    request = book.request("90000701", source="operator", owner="ingrid")

    controller.outbound.pass_once()
    status = controller.outbound.callbacks.results[request].get(timeout=WAIT)

    assert status == "done"
    assert [leg["fsapp_agent"] for leg in legs.agent_legs()] == ["ola"]
    assert [leg["fsapp_queue"] for leg in legs.agent_legs()] == ["operator"]   # ingrid's first queue


def test_queued_callback_keeps_its_place_ahead_of_a_later_caller(sim: SimulatedSwitch, make_controller,
                                                                 legs: LegWatcher) -> None:
    sim.add_endpoint("1001", answer_after=0.5)
    sim.add_endpoint("+4790000800", answer_after=0.5, hangup_after=2.0)   # left the queue 10 minutes ago
    sim.add_endpoint("+4790000801", answer_after=0.2, hangup_after=60.0)  # a caller who joined just now
    controller = make_controller()
    controller.outbound.stop()   # the test makes each pass itself: no pass of the running loop races it
    ready_after_wrap_up(controller, [])
    caller = controller.switch.originate("sofia/gateway/pstn/+4790000801", {"fsapp_role": "test-caller"})
    waiting = gevent.spawn(controller.acd.enqueue, caller, "operator")
    book = CallbackBook(controller.store)
    request = book.request("90000800", source="queue", queue="operator",
                           queued_since=controller.store.clock() - timedelta(minutes=10))
    controller.outbound.pass_once()
    assert controller.acd.router.waiting("operator") == [f"callback-{request}", caller.uuid]

    controller.acd.agent_login("ingrid")
    status = controller.outbound.callbacks.results[request].get(timeout=WAIT)

    assert status == "done"
    assert [leg["fsapp_queue_call"] for leg in legs.agent_legs()][:1] == [f"callback-{request}"]
    assert waiting.get(timeout=WAIT).agent_id == "ingrid"   # the caller is served next


def test_pause_and_resume_from_the_command_line_reach_the_controller(sim: SimulatedSwitch, make_controller,
                                                                     tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import main

    contacts = numbers(6, start=900)
    for number in contacts:
        sim.add_endpoint(number, answer_after=0.5)
    controller = make_controller()
    campaigns = controller.outbound.campaigns
    campaigns.create("deadline", CampaignSettings.from_dict({
        "message": {"nb": "tone_stream://%(2000,0,440)"}, "max_concurrent": 1, "calls_per_second": 20.0}))
    (tmp_path / "deadline.csv").write_text("phone\n" + "\n".join(contacts) + "\n", encoding="utf-8")
    campaigns.import_list("deadline", tmp_path / "deadline.csv")
    seen_paused: list[Flag] = [Flag(), Flag()]
    polled = campaigns.status_of

    def watched(campaign_id: int) -> str:
        status = polled(campaign_id)
        if status == "paused":
            (seen_paused[1] if seen_paused[0].is_set() else seen_paused[0]).set()
        return status

    campaigns.status_of = watched  # type: ignore[method-assign]
    first_done = Flag()
    controller.outbound.on_attempt = lambda claimed, outcome, cause: first_done.set()
    cli, db = CliRunner(), ["--db", controller.config.database.url]

    assert "running" in cli.invoke(main, ["campaign", "start", "deadline", *db]).output
    assert first_done.wait(WAIT)
    assert cli.invoke(main, ["campaign", "pause", "deadline", *db]).output.strip() == "deadline: paused"
    assert seen_paused[0].wait(WAIT)
    started_when_paused = controller.outbound.runners["deadline"].summary.started
    assert seen_paused[1].wait(WAIT)   # the runner looked again and still started nothing
    assert controller.outbound.runners["deadline"].summary.started == started_when_paused < 6
    assert cli.invoke(main, ["campaign", "resume", "deadline", *db]).output.strip() == "deadline: running"
    summary = controller.outbound.wait_idle("deadline", WAIT)

    assert summary.stopped_because == "finished" and summary.started == 6
    assert campaigns.counts(campaigns.get("deadline").id)["done:reached"] == 6


def test_outside_numbers_are_dialled_as_configured(make_controller) -> None:
    """Callbacks, outside transfers and consultations use outbound: (no hard-coded gateway or caller ID)."""
    controller = make_controller(**{"outbound.gateway": "telco", "outbound.caller_id_number": "+4721000000",
                                    "outbound.caller_id_name": "Servicetorget"})
    caller_id = {"origination_caller_id_number": "+4721000000", "origination_caller_id_name": "Servicetorget"}
    assert controller.acd.callback_dial == "sofia/gateway/telco/{number}" == controller.outbound.callbacks.dial_template
    assert controller.acd.callback_caller_id == caller_id == controller.outbound.callbacks.caller_id
    assert controller.outbound.outbound is controller.config.outbound
